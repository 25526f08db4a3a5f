/*
 * The matplotlib script of a section (render_internal.h): while the figures
 * are drawn, render_figures.c hands every series, reference line and label
 * here too, and each figure becomes a Python function that redraws it from
 * the section's CSV and .npy files (expressions of the section tables
 * translated to NumPy). One generator serves every section; the script,
 * DIR/<section>/plot_<section>.py, writes figures/<name>_mpl.png.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "render_internal.h"

/* The script's fixed part: imports and the helpers the figure functions call. */
static const char *const py_head =
    "import csv\n"
    "import functools\n"
    "import os\n\n"
    "import matplotlib.pyplot as plt\n"
    "import numpy as np\n\n"
    "HERE = os.path.dirname(os.path.abspath(__file__))\n"
    "OUT = os.path.join(HERE, \"figures\")\n\n\n"
    "def table(name):\n"
    "    \"\"\"A CSV file beside this script as {column: array}: numbers as floats, other columns as text.\"\"\"\n"
    "    with open(os.path.join(HERE, name), newline=\"\") as f:\n"
    "        rows = list(csv.reader(f))\n"
    "    cols = {}\n"
    "    for j, head in enumerate(rows[0]):\n"
    "        cells = [r[j] if j < len(r) else \"\" for r in rows[1:]]\n"
    "        try:\n"
    "            cols[head] = np.array([float(v) if v != \"\" else np.nan for v in cells], dtype=float)\n"
    "        except ValueError:\n"
    "            cols[head] = np.array(cells, dtype=object)\n"
    "    return cols\n\n\n"
    "def column(c, v):\n"
    "    \"\"\"A value per row of table c (an expression over constants is the same on every row).\"\"\"\n"
    "    n = len(next(iter(c.values())))\n"
    "    return np.broadcast_to(np.asarray(v, dtype=float), (n,))\n\n\n"
    "def keep(c, where=None, group=None):\n"
    "    \"\"\"The rows a series draws: `where` nonzero (NaN counts as 0), the group column at its value.\"\"\"\n"
    "    m = np.ones(len(next(iter(c.values()))), dtype=bool)\n"
    "    if where is not None:\n"
    "        w = column(c, where)\n"
    "        m &= (w != 0) & ~np.isnan(w)\n"
    "    if group is not None:\n"
    "        m &= c[group[0]] == group[1]\n"
    "    return m\n\n\n"
    "def _not(v):\n"
    "    return (np.asarray(v, dtype=float) == 0).astype(float)\n\n\n"
    "def _min(*a):\n"
    "    return functools.reduce(np.minimum, [np.asarray(x, dtype=float) for x in a])\n\n\n"
    "def _max(*a):\n"
    "    return functools.reduce(np.maximum, [np.asarray(x, dtype=float) for x in a])\n\n\n"
    "def bars(ax, series):\n"
    "    \"\"\"Bar series side by side in each category, as the report draws them; labels only where named.\"\"\"\n"
    "    w = 0.8 / len(series)\n"
    "    names = series[0][0]\n"
    "    pos = np.arange(len(names))\n"
    "    for k, (_, v, kw) in enumerate(series):\n"
    "        ax.bar(pos - 0.4 + (k + 0.5) * w, v, w, **kw)\n"
    "    shown = [i for i, nm in enumerate(names) if nm]\n"
    "    ax.set_xticks(shown)\n"
    "    ax.set_xticklabels([names[i] for i in shown], rotation=35 if max(map(len, names)) > 6 else 0)\n\n\n"
    "def save(fig, name):\n"
    "    os.makedirs(OUT, exist_ok=True)\n"
    "    fig.tight_layout()\n"
    "    fig.savefig(os.path.join(OUT, name + \"_mpl.png\"), dpi=200)\n"
    "    plt.close(fig)\n";

/* Appends s as a Python string literal. */
static void py_str(sb_t *b, const char *s) {
    sb_puts(b, "\"");
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '"' || *p == '\\') sb_printf(b, "\\%c", *p);
        else if (*p == '\n') sb_puts(b, "\\n");
        else if ((unsigned char)*p < 0x20) sb_printf(b, "\\x%02x", (unsigned char)*p);
        else sb_putn(b, p, 1);
    }
    sb_puts(b, "\"");
}

/* Appends a number as Python source (NaN and infinities as NumPy's). */
static void py_num(sb_t *b, double v) {
    if (isnan(v)) sb_puts(b, "np.nan");
    else if (isinf(v)) sb_puts(b, v > 0 ? "np.inf" : "-np.inf");
    else sb_printf(b, "%.17g", v);
}

/* The Python function of a template function. */
static const char *py_func(const char *name) {
    static const char *const map[][2] = {{"min", "_min"},     {"max", "_max"},       {"abs", "np.abs"},
                                         {"sqrt", "np.sqrt"}, {"log10", "np.log10"}, {"isnan", "np.isnan"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(name, map[i][0])) return map[i][1];
    return NULL;
}

/* Length of the primary at e (an identifier with its call, a number, a
 * parenthesised group or a negation of one), at most n bytes. */
static size_t primary_len(const char *e, size_t n) {
    size_t i = 0;
    while (i < n && e[i] == ' ') i++;
    if (i < n && e[i] == '!') return i + 1 + primary_len(e + i + 1, n - i - 1);
    if (i < n && (isalnum((unsigned char)e[i]) || e[i] == '_' || e[i] == '.'))
        while (i < n && (isalnum((unsigned char)e[i]) || e[i] == '_' || e[i] == '.')) i++;
    while (i < n && e[i] == ' ') i++;
    if (i < n && e[i] == '(')
        for (int depth = 0; i < n; i++) {
            depth += e[i] == '(' ? 1 : e[i] == ')' ? -1 : 0;
            if (depth == 0) return i + 1;
        }
    return i;
}

/* Appends expression e (n bytes) as NumPy over the columns of table t
 * (c["name"]); other names become their values in the call's scope. */
static mg_status py_expr(const call_t *c, const mg_table *t, const char *e, size_t n, sb_t *b) {
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)e[i];
        if (isdigit(ch) || (ch == '.' && i + 1 < n && isdigit((unsigned char)e[i + 1]))) {
            size_t j = i;
            while (j < n && (isalnum((unsigned char)e[j]) || e[j] == '.' ||
                             ((e[j] == '+' || e[j] == '-') && (e[j - 1] == 'e' || e[j - 1] == 'E'))))
                j++;
            sb_putn(b, e + i, j - i);
            i = j;
        } else if (isalpha(ch) || ch == '_') {
            size_t j = i;
            while (j < n && (isalnum((unsigned char)e[j]) || e[j] == '_' || e[j] == '.')) j++;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(j - i), e + i);
            size_t k = j;
            while (k < n && e[k] == ' ') k++;
            if (k < n && e[k] == '(') {
                const char *fn = py_func(name);
                if (!fn) return mg_fail(MG_ERR_ARG, "section %s: no Python for the function '%s'", c->sec->id, name);
                sb_puts(b, fn);
            } else if (t && mg_table_find(t, name) >= 0) {
                sb_puts(b, "c[");
                py_str(b, name);
                sb_puts(b, "]");
            } else {
                double v;
                MG_TRY(rd_eval(c, name, &c->result_sc, &v));
                py_num(b, v);
            }
            i = j;
        } else if (ch == '!' && !(i + 1 < n && e[i + 1] == '=')) {
            size_t len = primary_len(e + i + 1, n - i - 1);
            sb_puts(b, "_not(");
            MG_TRY(py_expr(c, t, e + i + 1, len, b));
            sb_puts(b, ")");
            i += 1 + len;
        } else {
            sb_putn(b, e + i, 1);
            i++;
        }
    }
    return MG_OK;
}

/* Appends matplotlib keyword arguments of a style (kind: 'h'ist, 'l'ine, 'p'oints, 'b'ars, 'r'eference). */
static void py_style(sb_t *b, const mg_plot_style *st, char kind) {
    double op = st->opacity > 0 ? st->opacity : kind == 'h' ? 0.45 : kind == 'p' ? 0.75 : kind == 'b' ? 0.9 : 1.0;
    if (st->color) sb_printf(b, ", color=\"%s\"", st->color);
    if (op < 1) sb_printf(b, ", alpha=%.2f", op);
    if (kind == 'l' || kind == 'r') sb_printf(b, ", lw=%.2f", 0.75 * (st->width > 0 ? st->width : 2.0));
    if ((kind == 'l' || kind == 'r') && st->dashed) sb_puts(b, ", ls=\"--\"");
    if (kind == 'h') sb_puts(b, ", edgecolor=\"white\", linewidth=0.4");
    if (st->label) {
        sb_puts(b, ", label=");
        py_str(b, st->label);
    }
}

/* Starts a figure function. */
void rd_py_figure_begin(const call_t *c, const char *stem, int px_w, int px_h) {
    if (!c->py) return;
    sb_t *b = &c->py->body;
    sb_puts(b, "\n\ndef fig_");
    for (const char *p = stem; *p; p++) sb_printf(b, "%c", isalnum((unsigned char)*p) ? *p : '_');
    sb_printf(b, "():\n    fig, ax = plt.subplots(figsize=(%.2f, %.2f))\n    series = []\n", px_w / 100.0,
              px_h / 100.0);
    sb_puts(&c->py->calls, "fig_");
    for (const char *p = stem; *p; p++) sb_printf(&c->py->calls, "%c", isalnum((unsigned char)*p) ? *p : '_');
    sb_puts(&c->py->calls, ", ");
    c->py->nbars = 0;
}

/* The table as Python: its CSV file, or its values inline when it is never written (wall times). */
static void py_table(const call_t *c, const mg_table *t, sb_t *b) {
    if (!rd_is_wall_time(c->sec, t->name)) {
        sb_printf(b, "    c = table(\"%s%s.csv\")\n", c->prefix, t->name);
        return;
    }
    sb_puts(b, "    c = {");
    for (int k = 0; k < t->ncols; k++) {
        sb_puts(b, k ? ", " : "");
        py_str(b, t->cols[k].name);
        sb_puts(b, ": np.array([");
        for (int64_t i = 0; i < t->nrows; i++) {
            double v;
            const char *text = NULL;
            rd_cell(t, k, i, &v, &text);
            sb_puts(b, i ? ", " : "");
            if (text) py_str(b, text);
            else py_num(b, v);
        }
        sb_puts(b, "])");
    }
    sb_puts(b, "}\n");
}

/* The rows a series draws, as x and y. */
mg_status rd_py_rows(const call_t *c, const mg_series_spec *s, const mg_table *t, const char *xcol, const double *gv) {
    if (!c->py) return MG_OK;
    sb_t *b = &c->py->body;
    py_table(c, t, b);
    sb_puts(b, "    m = keep(c");
    if (s->where) {
        sb_puts(b, ", where=");
        MG_TRY(py_expr(c, t, s->where, strlen(s->where), b));
    }
    if (gv) {
        sb_puts(b, ", group=(");
        py_str(b, s->group);
        sb_puts(b, ", ");
        py_num(b, *gv);
        sb_puts(b, ")");
    }
    sb_puts(b, ")\n    y = column(c, ");
    MG_TRY(py_expr(c, t, s->y, strlen(s->y), b));
    sb_puts(b, ")[m]\n");
    if (xcol && mg_table_find(t, xcol) >= 0 && t->cols[mg_table_find(t, xcol)].kind == MG_COL_TEXT) {
        sb_printf(b, "    x = [str(v) for v in c[\"%s\"][m]]\n", xcol);
    } else if (xcol) {
        sb_puts(b, "    x = column(c, ");
        MG_TRY(py_expr(c, t, xcol, strlen(xcol), b));
        sb_puts(b, ")[m]\n");
    } else {
        sb_puts(b, "    x = np.arange(int(m.sum()))\n");
    }
    return MG_OK;
}

/* A histogram of y. */
void rd_py_hist(const call_t *c, double lo, double hi, int bins, int density, const mg_plot_style *st) {
    if (!c->py) return;
    sb_t *b = &c->py->body;
    sb_puts(b, "    ax.hist(y[np.isfinite(y)], bins=np.linspace(");
    py_num(b, lo);
    sb_puts(b, ", ");
    py_num(b, hi);
    sb_printf(b, ", %d), density=%s", bins + 1, density ? "True" : "False");
    py_style(b, st, 'h');
    sb_puts(b, ")\n");
}

/* A line or points of x, y. */
void rd_py_line(const call_t *c, int points_only, const mg_plot_style *st) {
    if (!c->py) return;
    static const char *const mk[] = {"", "o", "s", "^", "D", "x"};
    sb_t *b = &c->py->body;
    int m = (int)st->marker >= 0 && st->marker <= MG_MARKER_CROSS ? (int)st->marker : 0;
    if (points_only && !m) m = 1;
    sb_puts(b, "    ax.plot(x, y");
    if (points_only) sb_puts(b, ", ls=\"none\"");
    if (m) sb_printf(b, ", marker=\"%s\", ms=%.1f", mk[m], 1.4 * (st->marker_size > 0 ? st->marker_size : 3.5));
    py_style(b, st, points_only ? 'p' : 'l');
    sb_puts(b, ")\n");
}

/* Appends one bar series' style and values to the figure's list. */
static void py_bar_series(const call_t *c, const char *names, const mg_plot_style *st) {
    sb_t *b = &c->py->body;
    sb_printf(b, "    series.append((%s, y, dict(", names);
    sb_t kw = {0};
    py_style(&kw, st, 'b');
    if (kw.buf) sb_puts(b, kw.buf + 2); /* without the leading ", " */
    sb_free(&kw);
    sb_puts(b, ")))\n");
    c->py->nbars++;
}

/* Bars of y with categories x (or the row positions). */
void rd_py_bars(const call_t *c, const char *xcol, const mg_plot_style *st) {
    if (!c->py) return;
    py_bar_series(c, xcol ? "[v if isinstance(v, str) else \"%.6g\" % v for v in x]" : "[str(i) for i in x]", st);
}

/* Bars of row 0 of a result array. */
void rd_py_array_bars(const call_t *c, const char *array, const mg_plot_style *st) {
    if (!c->py) return;
    sb_t *b = &c->py->body;
    sb_printf(b, "    y = np.load(os.path.join(HERE, \"%s%s.npy\")).reshape(-1, np.load(os.path.join(HERE, "
                 "\"%s%s.npy\")).shape[-1])[0]\n",
              c->prefix, array, c->prefix, array);
    sb_puts(b, "    every = 1 if len(y) <= 16 else 5 if len(y) <= 40 else 10\n");
    py_bar_series(c, "[str(j) if j % every == 0 else \"\" for j in range(len(y))]", st);
}

/* A reference line. */
void rd_py_refline(const call_t *c, int vertical, double at, const mg_plot_style *st) {
    if (!c->py) return;
    sb_t *b = &c->py->body;
    sb_printf(b, "    ax.ax%sline(", vertical ? "v" : "h");
    py_num(b, at);
    py_style(b, st, 'r');
    sb_puts(b, ")\n");
}

/* Appends one axis limit (None when automatic). */
static void py_lim(sb_t *b, const char *axis, const double lim[2]) {
    if (lim[0] == lim[1]) return;
    sb_printf(b, "    ax.set_%slim(", axis);
    for (int k = 0; k < 2; k++) {
        sb_puts(b, k ? ", " : "");
        if (isfinite(lim[k])) py_num(b, lim[k]);
        else sb_puts(b, "None");
    }
    sb_puts(b, ")\n");
}

/* Ends the figure function. */
void rd_py_figure_end(const call_t *c, const mg_figure_spec *f, const char *stem, const char *title, const char *xl,
                      const char *yl) {
    if (!c->py) return;
    sb_t *b = &c->py->body;
    if (c->py->nbars) sb_puts(b, "    bars(ax, series)\n");
    const char *what[3] = {"title", "xlabel", "ylabel"}, *text[3] = {title, xl, yl};
    for (int k = 0; k < 3; k++)
        if (text[k] && *text[k]) {
            sb_printf(b, "    ax.set_%s(", what[k]);
            py_str(b, text[k]);
            sb_puts(b, k ? ")\n" : ", fontsize=\"medium\")\n");
        }
    if (f->xlog && !c->py->nbars) sb_puts(b, "    ax.set_xscale(\"log\")\n");
    if (f->ylog) sb_puts(b, "    ax.set_yscale(\"log\")\n");
    py_lim(b, "x", f->xlim);
    py_lim(b, "y", f->ylim);
    if (f->legend != MG_LEGEND_NONE + 1)
        sb_puts(b, "    if ax.get_legend_handles_labels()[0]:\n        ax.legend(loc=\"best\", fontsize=\"small\")\n");
    sb_puts(b, "    ax.grid(alpha=0.3)\n    save(fig, ");
    py_str(b, stem);
    sb_puts(b, ")\n");
}

/* Writes the script (when write) and frees it. */
mg_status rd_py_write(mg_repro_ctx *ctx, const mg_section *sec, rd_script *py, int write) {
    mg_status s = MG_OK;
    if (py->body.oom || py->calls.oom) s = mg_fail(MG_ERR_NOMEM, "out of memory for plot_%s.py", sec->id);
    if (s == MG_OK && write && py->calls.len) {
        sb_t doc = {0};
        sb_printf(&doc,
                  "#!/usr/bin/python3\n\"\"\"Redraws the figures of section %s of a memgen report with matplotlib.\n\n"
                  "Generated by `memgen reproduce` from the section's figure descriptions. It reads only the CSV\n"
                  "and .npy files beside it, so edit it freely to restyle a figure: each figure is a function, and\n"
                  "running the script draws them all into figures/<name>_mpl.png (MPLBACKEND=Agg: no display).\n"
                  "\"\"\"\n",
                  sec->id);
        sb_puts(&doc, py_head);
        sb_puts(&doc, py->body.buf);
        sb_printf(&doc, "\n\nFIGURES = [%.*s]\n\nif __name__ == \"__main__\":\n    for draw in FIGURES:\n"
                        "        draw()\n", (int)(py->calls.len - 2), py->calls.buf);
        char rel[96], *path = NULL, *text = NULL;
        snprintf(rel, sizeof rel, "%s/plot_%s.py", sec->id, sec->id);
        s = sb_finish(&doc, rel, &text);
        if (s == MG_OK) s = mg_report_path(ctx->rep, rel, &path);
        if (s == MG_OK) s = mg_write_file_atomic(path, text, strlen(text));
        free(path);
        free(text);
    }
    sb_free(&py->body);
    sb_free(&py->calls);
    return s;
}
