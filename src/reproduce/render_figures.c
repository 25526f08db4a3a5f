/*
 * Figures and page tables of a section (render_internal.h): SVG plots drawn
 * from result tables (histograms, lines, points, bars), PNG grids of image
 * arrays, and HTML tables a line per result row, all from the section's specs.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

/* Titles, labels and embeds a plot, writes its files (DIR/<stem>.svg, and
 * .png and .pdf where the build can) and links them with the section's
 * script; s is the status of building it so far (when not MG_OK nothing is
 * done). Frees the plot. */
static mg_status plot_emit(const call_t *c, mg_plot *p, mg_status s, const char *stem, const char *title,
                           const char *xlabel, const char *ylabel, const char *caption) {
    mg_report *rep = c->ctx->rep;
    if (s == MG_OK) s = mg_plot_title(p, title);
    if (s == MG_OK) s = mg_plot_xlabel(p, xlabel);
    if (s == MG_OK) s = mg_plot_ylabel(p, ylabel);
    if (s == MG_OK) s = mg_report_plot(rep, p, caption);
    char *path = NULL, names[4][224];
    const char *links[4];
    int written = 0, n = 0;
    if (s == MG_OK) s = mg_report_path(rep, stem, &path);
    if (s == MG_OK) s = mg_plot_export(p, path, &written);
    static const char *const ext[3] = {"svg", "png", "pdf"};
    for (int k = 0; k < 3; k++)
        if (written & (1 << k)) snprintf(names[n], sizeof names[n], "%s.%s", stem, ext[k]), links[n] = names[n], n++;
    if (c->py) snprintf(names[n], sizeof names[n], "%s/plot_%s.py", c->sec->id, c->sec->id), links[n] = names[n], n++;
    const char *why = NULL;
    mg_plot_formats(&why);
    if (s == MG_OK && n > 0) s = mg_report_files_as(rep, "Figure files", links, n, why);
    char *svg = NULL; /* the panel of the section's whole figure: the id after "<section>_<prefix>" */
    if (s == MG_OK && c->panels) s = mg_plot_svg(p, &svg);
    if (s == MG_OK && c->panels)
        s = rd_panel_add(c, strrchr(stem, '/') + 1 + strlen(c->sec->id) + 1 + strlen(c->prefix), svg);
    free(path);
    mg_plot_free(p);
    return s;
}

/* The stem of a figure's files. */
mg_status rd_figure_stem(const call_t *c, const mg_figure_spec *f, char *rel, size_t len) {
    char *id = NULL;
    MG_TRY(rd_expand(c, f->id, &c->result_sc, &id));
    int k = snprintf(rel, len, "%s/figures/%s_%s%s", c->sec->id, c->sec->id, c->prefix, id);
    free(id);
    if (k < 0 || (size_t)k >= len) return mg_fail(MG_ERR_ARG, "section %s: figure name too long", c->sec->id);
    return MG_OK;
}

/* Figure text with the paper's symbols. Words (sigma, lambda, ...) are
 * replaced only whole: not inside a longer name such as sigma_min. */
char *rd_math_text(const char *s) {
    static const struct {
        const char *from, *to;
        int word;
    } rep[] = {{"W1^T", "W\u2081\u1d40", 0}, {"W2^T", "W\u2082\u1d40", 0}, {"W1", "W\u2081", 1},
               {"W2", "W\u2082", 1},           {"sigma", "\u03c3", 1},       {"lambda", "\u03bb", 1},
               {"epsilon", "\u03b5", 1},       {"eps", "\u03b5", 1},         {"alpha", "\u03b1", 1},
               {"sum", "\u03a3", 1},           {"^T", "\u1d40", 0},          {"^2", "\u00b2", 0},
               {"||", "\u2016", 0},            {"<=", "\u2264", 0},          {">=", "\u2265", 0}};
    sb_t b = {0};
    for (const char *p = s ? s : ""; *p;) {
        size_t k = 0, nrep = sizeof rep / sizeof rep[0];
        for (; k < nrep; k++) {
            size_t n = strlen(rep[k].from);
            if (strncmp(p, rep[k].from, n)) continue;
            if (rep[k].word && ((p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
                                isalnum((unsigned char)p[n]) || p[n] == '_'))
                continue;
            sb_puts(&b, rep[k].to);
            p += n;
            break;
        }
        if (k == nrep) sb_putn(&b, p++, 1);
    }
    char *out = NULL;
    if (sb_finish(&b, "figure text", &out) != MG_OK) return NULL;
    return out;
}

/* ---- figures ------------------------------------------------------------------------ */

/* Expands figure text and writes its maths with the paper's symbols. */
static mg_status math_expand(const call_t *c, const char *tpl, const mg_tpl_scope *sc, char **out) {
    char *raw = NULL;
    MG_TRY(rd_expand(c, tpl, sc, &raw));
    *out = rd_math_text(raw);
    free(raw);
    return *out ? MG_OK : mg_fail(MG_ERR_NOMEM, "out of memory");
}

/* Style of a series. */
static mg_plot_style series_style(const mg_series_spec *s, const char *label) {
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = label;
    st.color = s->color;
    st.dashed = s->dashed;
    st.width = s->width;
    st.marker = s->marker;
    if (s->opacity > 0) st.opacity = s->opacity;
    return st;
}

/* A series label in the scope of its table (and group). */
static mg_status series_label(const call_t *c, const mg_series_spec *s, const mg_table *t, const char *group,
                              char **out) {
    row_ctx rc = {t, -1, group, NULL};
    mg_tpl_scope sc = {rd_row_lookup, &rc, &c->result_sc};
    return math_expand(c, s->label, &sc, out);
}

/* Whether row i of table t passes the series' `where` expression. */
static mg_status row_selected(const call_t *c, const mg_series_spec *s, const mg_table *t, int64_t i, int *yes) {
    row_ctx rc = {t, i, NULL, NULL};
    mg_tpl_scope sc = {rd_row_lookup, &rc, &c->result_sc};
    return rd_holds_when(c, s->where, &sc, yes);
}

/* The finite range of a figure's histogram columns (NaN ends when none). */
static mg_status hist_range(const call_t *c, const mg_figure_spec *f, double *lo, double *hi) {
    double mn = INFINITY, mx = -INFINITY;
    for (int k = 0; k < MG_SEC_MAX_SERIES && f->series[k].table; k++) {
        const mg_table *ts[64];
        int nt = rd_series_tables(c, f->series[k].table, ts, 64);
        for (int j = 0; j < nt; j++) {
            const double *v;
            double *owned;
            MG_TRY(rd_column(c, ts[j], f->series[k].y, &v, &owned));
            mg_status st = MG_OK;
            for (int64_t i = 0; i < ts[j]->nrows && st == MG_OK; i++) {
                int sel = 1;
                if (f->series[k].where) st = row_selected(c, &f->series[k], ts[j], i, &sel);
                if (st == MG_OK && sel && isfinite(v[i])) mn = fmin(mn, v[i]), mx = fmax(mx, v[i]);
            }
            free(owned);
            MG_TRY(st);
        }
    }
    double v;
    MG_TRY(rd_eval(c, f->lo ? f->lo : "0", &c->result_sc, &v));
    *lo = f->lo ? v : mn;
    MG_TRY(rd_eval(c, f->hi ? f->hi : "0", &c->result_sc, &v));
    *hi = f->hi ? v : mx;
    if (isnan(*lo)) *lo = mn;
    if (isnan(*hi)) *hi = mx;
    if (!(*hi > *lo)) *hi = *lo + 1;
    return MG_OK;
}

/* Distinct values of a column in order of first appearance (at most max). */
static int distinct(const double *g, int64_t n, double *vals, int max) {
    int k = 0;
    for (int64_t i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = vals[j] == g[i];
        if (!seen && k < max) vals[k++] = g[i];
    }
    return k;
}

/* Draws one series spec (possibly several tables / groups) into p. */
static mg_status draw_series(const call_t *c, const mg_figure_spec *f, const mg_series_spec *s, double lo, double hi,
                             mg_plot *p) {
    int yes;
    MG_TRY(rd_holds_when(c, s->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    if (f->kind == MG_FIG_BARS && s->array) {
        const mg_array *a = rd_result_member(c, s->array, MG_FIELD_ARRAY);
        if (!a || a->ndim != 2) return mg_fail(MG_ERR_ARG, "section %s: no 2-D array '%s'", c->sec->id, s->array);
        int64_t n = a->shape[1];
        double *v = mg_alloc((size_t)n, sizeof(double));
        char(*nm)[24] = mg_alloc((size_t)n, sizeof *nm);
        const char **np = mg_alloc((size_t)n, sizeof *np);
        char *label = NULL;
        mg_status st = v && nm && np ? series_label(c, s, NULL, NULL, &label) : mg_fail(MG_ERR_NOMEM, "out of memory");
        int every = n <= 16 ? 1 : n <= 40 ? 5 : 10;
        for (int64_t j = 0; j < n && st == MG_OK; j++) {
            if (j % every == 0) snprintf(nm[j], 24, "%lld", (long long)j);
            else nm[j][0] = '\0';
            np[j] = nm[j];
            v[j] = ((const float *)a->data)[j];
        }
        if (st == MG_OK) st = mg_plot_categories(p, np, (int)n);
        mg_plot_style ps = series_style(s, label);
        if (st == MG_OK) st = mg_plot_bars(p, v, (int)n, &ps);
        if (st == MG_OK) rd_py_array_bars(c, s->array, &ps);
        free(v), free(nm), free(np), free(label);
        return st;
    }
    const mg_table *ts[64];
    int nt = rd_series_tables(c, s->table, ts, 64);
    if (nt == 0) return mg_fail(MG_ERR_ARG, "section %s: no result table '%s'", c->sec->id, s->table);
    mg_status st = MG_OK;
    for (int j = 0; j < nt && st == MG_OK; j++) {
        const mg_table *t = ts[j];
        const double *y = NULL, *x = NULL, *g = NULL;
        double *own[3] = {NULL, NULL, NULL};
        st = rd_column(c, t, s->y, &y, &own[0]);
        if (st == MG_OK && s->x && f->kind != MG_FIG_BARS) st = rd_column(c, t, s->x, &x, &own[1]);
        if (st == MG_OK && s->group) st = rd_column(c, t, s->group, &g, &own[2]);
        double gv[256];
        int ng = g ? distinct(g, t->nrows, gv, 256) : 1;
        for (int k = 0; k < ng && st == MG_OK; k++) {
            /* the rows of this group (all rows without a group column) */
            int64_t n = 0;
            double *xs = mg_alloc((size_t)(t->nrows > 0 ? t->nrows : 1), sizeof(double));
            double *ys = mg_alloc((size_t)(t->nrows > 0 ? t->nrows : 1), sizeof(double));
            if (!xs || !ys) st = mg_fail(MG_ERR_NOMEM, "out of memory for a series");
            for (int64_t i = 0; i < t->nrows && st == MG_OK; i++) {
                int sel = !g || g[i] == gv[k];
                if (sel && s->where) st = row_selected(c, s, t, i, &sel);
                if (st == MG_OK && sel) {
                    xs[n] = x ? x[i] : (double)n;
                    ys[n++] = y[i];
                }
            }
            if (st == MG_OK && n == 0) { /* nothing to draw (e.g. no row kept by `where`) */
                free(xs), free(ys);
                continue;
            }
            char gname[32], *label = NULL;
            snprintf(gname, sizeof gname, "%.6g", g ? gv[k] : 0.0);
            if (st == MG_OK) st = series_label(c, s, t, g ? gname : NULL, &label);
            mg_plot_style ps = series_style(s, label && *label ? label : NULL);
            const char *pyx = f->kind == MG_FIG_BARS ? (s->x && mg_table_find(t, s->x) >= 0 ? s->x : NULL) : s->x;
            if (st == MG_OK) st = rd_py_rows(c, s, t, pyx, g ? &gv[k] : NULL);
            if (st != MG_OK) {
            } else if (f->kind == MG_FIG_HIST) {
                st = mg_plot_hist(p, ys, n, f->bins > 0 ? f->bins : 40, lo, hi, !f->counts, &ps, NULL);
                rd_py_hist(c, lo, hi, f->bins > 0 ? f->bins : 40, !f->counts, &ps);
            } else if (f->kind == MG_FIG_LINES || f->kind == MG_FIG_SCATTER) {
                int pts = f->kind == MG_FIG_SCATTER || s->markers_only;
                st = pts ? mg_plot_scatter(p, xs, ys, n, &ps) : mg_plot_line(p, xs, ys, n, &ps);
                rd_py_line(c, pts, &ps);
            } else if (f->kind == MG_FIG_BARS) {
                int cx = s->x ? mg_table_find(t, s->x) : -1;
                char(*nm)[32] = mg_alloc((size_t)(n > 0 ? n : 1), sizeof *nm);
                const char **np = mg_alloc((size_t)(n > 0 ? n : 1), sizeof *np);
                if (!nm || !np) st = mg_fail(MG_ERR_NOMEM, "out of memory for bar names");
                for (int64_t i = 0; i < n && st == MG_OK; i++) {
                    if (cx >= 0 && t->cols[cx].kind == MG_COL_TEXT)
                        snprintf(nm[i], 32, "%s", t->cols[cx].text[i] ? t->cols[cx].text[i] : "");
                    else snprintf(nm[i], 32, "%.6g", cx >= 0 ? t->cols[cx].num[i] : (double)i);
                    np[i] = nm[i];
                }
                if (st == MG_OK && k == 0 && j == 0 && s == &f->series[0]) st = mg_plot_categories(p, np, (int)n);
                if (st == MG_OK) st = mg_plot_bars(p, ys, (int)n, &ps);
                rd_py_bars(c, pyx, &ps);
                free(nm), free(np);
            }
            free(label), free(xs), free(ys);
        }
        free(own[0]), free(own[1]), free(own[2]);
    }
    return st;
}

/* Reference lines of a figure. */
static mg_status draw_lines(const call_t *c, const mg_refline_spec *ls, int vertical, mg_plot *p) {
    for (int k = 0; k < MG_SEC_MAX_LINES && ls[k].at; k++) {
        double at;
        MG_TRY(rd_eval(c, ls[k].at, &c->result_sc, &at));
        if (!isfinite(at)) continue;
        char *label = NULL;
        if (ls[k].label) MG_TRY(math_expand(c, ls[k].label, &c->result_sc, &label));
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        st.label = label;
        st.color = ls[k].color ? ls[k].color : "#555555";
        st.dashed = !ls[k].solid;
        mg_status s = vertical ? mg_plot_vline(p, at, &st) : mg_plot_hline(p, at, &st);
        if (s == MG_OK) rd_py_refline(c, vertical, at, &st);
        free(label);
        MG_TRY(s);
    }
    return MG_OK;
}

/* A PNG grid of an array's rows: written beside the page and embedded. A
 * 3-D array (grid rows x grid columns x d) keeps its layout. */
static mg_status draw_images(const call_t *c, const mg_figure_spec *f, const char *caption) {
    const mg_exp_data *d = c->data;
    const mg_array *a = rd_result_member(c, f->array, MG_FIELD_ARRAY);
    if (!a || (a->ndim != 2 && a->ndim != 3))
        return mg_fail(MG_ERR_ARG, "section %s: no 2-D or 3-D array '%s'", c->sec->id, f->array);
    int64_t D = a->shape[a->ndim - 1], n = mg_array_numel(a) / (D > 0 ? D : 1);
    int own = f->img_h > 0; /* the figure's own shape and range (no dataset) */
    int ih = own ? f->img_h : d ? d->img_h : 0, iw = own ? f->img_w : d ? d->img_w : 0;
    if (ih <= 0 || (int64_t)ih * iw != D)
        return mg_fail(MG_ERR_ARG, "section %s: array %s is not a set of images of the dataset", c->sec->id, f->array);
    float *rows = mg_alloc((size_t)(n * D), sizeof(float));
    if (!rows) return mg_fail(MG_ERR_NOMEM, "out of memory for an image grid");
    memcpy(rows, a->data, (size_t)(n * D) * sizeof(float));
    const float *ctr = own ? NULL : d->center.data;
    if (!f->raw && ctr)
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) rows[i * D + j] += ctr[j];
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = ih;
    g.width = iw;
    g.channels = 1;
    g.grid_cols = a->ndim == 3 ? (int)a->shape[1] : f->ncols > 0 ? f->ncols : (int)n;
    g.vmin = own ? (float)f->vmin : d->vmin;
    g.vmax = own ? (float)f->vmax : d->vmax;
    int width_px = (int)(g.grid_cols * (iw + g.pad) * 2);
    if (width_px > 900) width_px = 900;
    char rel[160], *id = NULL;
    mg_status s = rd_expand(c, f->id, &c->result_sc, &id);
    if (s == MG_OK) snprintf(rel, sizeof rel, "%s/%s%s.png", c->sec->id, c->prefix, id);
    if (s == MG_OK) s = mg_report_png_grid(c->ctx->rep, rel, rows, n, &g, width_px, caption);
    free(rows);
    free(id);
    return s;
}

/* One figure. */
mg_status rd_figure(const call_t *c, const mg_figure_spec *f) {
    int yes;
    MG_TRY(rd_holds_when(c, f->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    char *title = NULL, *xl = NULL, *yl = NULL, *cap = NULL;
    mg_status s = rd_expand(c, f->caption, &c->result_sc, &cap);
    if (s == MG_OK && f->kind == MG_FIG_IMAGES) {
        s = draw_images(c, f, cap);
        free(cap);
        return s;
    }
    if (s == MG_OK) s = math_expand(c, f->title, &c->result_sc, &title);
    if (s == MG_OK) s = math_expand(c, f->xlabel, &c->result_sc, &xl);
    if (s == MG_OK) s = math_expand(c, f->ylabel, &c->result_sc, &yl);
    char stem[192];
    if (s == MG_OK) s = rd_figure_stem(c, f, stem, sizeof stem);
    const char *base = s == MG_OK ? strrchr(stem, '/') + 1 : "";
    mg_plot *p = NULL;
    int w = f->width ? f->width : 640, h = f->height ? f->height : 340;
    if (s == MG_OK) s = mg_plot_create(w, h, &p);
    if (s == MG_OK) rd_py_figure_begin(c, base, w, h);
    double lo = NAN, hi = NAN;
    if (s == MG_OK && f->kind == MG_FIG_HIST) s = hist_range(c, f, &lo, &hi);
    if (s == MG_OK) {
        mg_plot_xlog(p, f->xlog);
        mg_plot_ylog(p, f->ylog);
        if (f->xlim[0] != f->xlim[1]) mg_plot_xlim(p, f->xlim[0], f->xlim[1]);
        if (f->ylim[0] != f->ylim[1]) mg_plot_ylim(p, f->ylim[0], f->ylim[1]);
        if (f->legend) mg_plot_legend(p, (mg_legend_pos)(f->legend - 1));
    }
    for (int k = 0; k < MG_SEC_MAX_SERIES && s == MG_OK && (f->series[k].table || f->series[k].array); k++)
        s = draw_series(c, f, &f->series[k], lo, hi, p);
    if (s == MG_OK) s = draw_lines(c, f->vlines, 1, p);
    if (s == MG_OK) s = draw_lines(c, f->hlines, 0, p);
    if (s == MG_OK) rd_py_figure_end(c, f, base, title, xl, yl);
    if (s == MG_OK) s = plot_emit(c, p, s, stem, title, xl, yl, cap);
    else mg_plot_free(p);
    free(title), free(xl), free(yl), free(cap);
    return s;
}

/* ---- page tables ----------------------------------------------------------------------- */

/* One page table. */
mg_status rd_page_table(const call_t *c, const mg_page_table_spec *pt) {
    int yes;
    MG_TRY(rd_holds_when(c, pt->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    const mg_table *t = rd_result_table(c, pt->table), *join = pt->join ? rd_result_table(c, pt->join) : NULL;
    if (!t) return mg_fail(MG_ERR_ARG, "section %s: no result table '%s'", c->sec->id, pt->table);
    if (pt->join && (!join || join->nrows != t->nrows))
        return mg_fail(MG_ERR_ARG, "section %s: no result table '%s' with the %lld rows of '%s'", c->sec->id, pt->join,
                       (long long)t->nrows, pt->table);
    int nc = 0;
    while (nc < MG_SEC_MAX_COLS && pt->cols[nc].header) nc++;
    int64_t nr = t->nrows;
    char **cells = calloc((size_t)(nr * nc + 1), sizeof *cells);
    const char *hdr[MG_SEC_MAX_COLS];
    char *cap = NULL;
    mg_status s = cells ? rd_expand(c, pt->caption, &c->result_sc, &cap) : mg_fail(MG_ERR_NOMEM, "out of memory");
    for (int j = 0; j < nc; j++) hdr[j] = pt->cols[j].header;
    for (int64_t i = 0; i < nr && s == MG_OK; i++) {
        row_ctx rc = {t, i, NULL, join};
        mg_tpl_scope sc = {rd_row_lookup, &rc, &c->result_sc};
        for (int j = 0; j < nc && s == MG_OK; j++) s = rd_expand(c, pt->cols[j].cell, &sc, &cells[i * nc + j]);
    }
    if (s == MG_OK) s = mg_report_table(c->ctx->rep, cap, nc, hdr, nr, (const char *const *)cells);
    for (int64_t i = 0; cells && i < nr * nc; i++) free(cells[i]);
    free(cells);
    free(cap);
    return s;
}

