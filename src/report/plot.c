/*
 * The SVG plot writer of plot.h: series storage, axis ranges with nice or
 * log ticks, geometric clipping of lines to the plot area, legends, colour
 * maps and deterministic text output (fixed-precision numbers, escaped text).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "memgen/plot.h"
#include "sb.h"

/* Limits that keep a bad call from allocating absurd amounts. */
#define PLOT_MAX_POINTS ((int64_t)50000000)
#define PLOT_MAX_SERIES 1000
#define PLOT_MAX_BINS 100000
#define PLOT_MAX_CELLS ((int64_t)250000)
#define PLOT_MAX_CATS 10000

typedef enum { S_LINE, S_SCATTER, S_HIST, S_BARS, S_HLINE, S_VLINE } series_kind;

/* One series; arrays owned. */
typedef struct {
    series_kind kind;
    int64_t n;       /* points (line/scatter), bins (hist), categories (bars), 1 (reference lines) */
    double *x;       /* n points; hist: n + 1 bin edges; vline: 1 */
    double *y;       /* n points; hist: n heights; bars: n values; hline: 1 */
    char *label;     /* legend text or NULL */
    char color[8];   /* "#rrggbb" */
    mg_marker marker;
    int line, dashed;
    double width, opacity, msize;
} series;

struct mg_plot {
    int W, H;
    char *title, *xlabel, *ylabel;
    int xlog, ylog;
    double xlo, xhi, ylo, yhi; /* NaN = automatic */
    mg_legend_pos legend;
    series *s;
    int ns, cap;
    int next_color;
    char **cats;
    int ncat, nbars;
    double *hm; /* hr x hc heatmap values, or NULL */
    int64_t hr, hc;
    double hvmin, hvmax;
    mg_colormap cmap;
    char *cblabel;
};

/* Appends a path command and a point: "<cmd>x y". */
static void sb_xy(sb_t *b, const char *cmd, double x, double y) {
    sb_puts(b, cmd);
    sb_num(b, x);
    sb_puts(b, " ");
    sb_num(b, y);
}

/* Appends a numeric attribute: ' name="v"'. */
static void sb_attr(sb_t *b, const char *name, double v) {
    sb_printf(b, " %s=\"", name);
    sb_num(b, v);
    sb_puts(b, "\"");
}

/* Appends x, y, width and height attributes. */
static void sb_box(sb_t *b, double x, double y, double w, double h) {
    sb_attr(b, "x", x);
    sb_attr(b, "y", y);
    sb_attr(b, "width", w);
    sb_attr(b, "height", h);
}

/* Tableau 10: distinguishable, colour-blind tolerant. */
static const char *const palette[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* A copy of s, or NULL for NULL/""; *fail set on OOM. */
static char *dup_str(const char *s, int *fail) {
    if (!s || !*s) return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d) {
        *fail = 1;
        return NULL;
    }
    memcpy(d, s, n + 1);
    return d;
}

/* Replaces a string field with a copy of s. */
static mg_status set_str(char **field, const char *s) {
    int fail = 0;
    char *d = dup_str(s, &fail);
    if (fail) return mg_fail(MG_ERR_NOMEM, "plot: out of memory");
    free(*field);
    *field = d;
    return MG_OK;
}

/* A new plot. */
mg_status mg_plot_create(int width, int height, mg_plot **out) {
    *out = NULL;
    if (width < 200 || width > 4000 || height < 200 || height > 4000)
        return mg_fail(MG_ERR_ARG, "plot: size %dx%d is outside 200..4000 pixels per side", width, height);
    mg_plot *p = calloc(1, sizeof *p);
    if (!p) return mg_fail(MG_ERR_NOMEM, "plot: out of memory");
    p->W = width;
    p->H = height;
    p->xlo = p->xhi = p->ylo = p->yhi = NAN;
    p->hvmin = p->hvmax = NAN;
    p->legend = MG_LEGEND_AUTO;
    *out = p;
    return MG_OK;
}

/* Frees everything the plot holds. */
void mg_plot_free(mg_plot *p) {
    if (!p) return;
    for (int i = 0; i < p->ns; i++) {
        free(p->s[i].x);
        free(p->s[i].y);
        free(p->s[i].label);
    }
    free(p->s);
    for (int i = 0; i < p->ncat; i++) free(p->cats[i]);
    free(p->cats);
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    free(p->hm);
    free(p->cblabel);
    free(p);
}

/* Title and labels. */
mg_status mg_plot_title(mg_plot *p, const char *t) { return set_str(&p->title, t); }
mg_status mg_plot_xlabel(mg_plot *p, const char *t) { return set_str(&p->xlabel, t); }
mg_status mg_plot_ylabel(mg_plot *p, const char *t) { return set_str(&p->ylabel, t); }

/* Scales, limits, legend position. */
void mg_plot_xlog(mg_plot *p, int on) { p->xlog = on != 0; }
void mg_plot_ylog(mg_plot *p, int on) { p->ylog = on != 0; }
void mg_plot_xlim(mg_plot *p, double lo, double hi) { p->xlo = lo, p->xhi = hi; }
void mg_plot_ylim(mg_plot *p, double lo, double hi) { p->ylo = lo, p->yhi = hi; }
void mg_plot_legend(mg_plot *p, mg_legend_pos pos) {
    if ((int)pos >= 0 && pos <= MG_LEGEND_AUTO) p->legend = pos;
}

/* Parses "#rgb" / "#rrggbb" into canonical lowercase "#rrggbb". */
static int parse_color(const char *c, char out[8]) {
    size_t n = strlen(c);
    if (c[0] != '#' || (n != 4 && n != 7)) return -1;
    for (size_t i = 1; i < n; i++) {
        char ch = c[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'))) return -1;
    }
    out[0] = '#';
    for (int i = 0; i < 6; i++) {
        char ch = n == 7 ? c[1 + i] : c[1 + i / 2];
        out[1 + i] = (char)(ch >= 'A' && ch <= 'F' ? ch - 'A' + 'a' : ch);
    }
    out[7] = '\0';
    return 0;
}

/* Appends a series with the style applied; returns it (NULL on failure, with
 * the error set). */
static series *add_series(mg_plot *p, series_kind kind, const mg_plot_style *st) {
    static const mg_plot_style def = MG_PLOT_STYLE_DEFAULT;
    if (!st) st = &def;
    if (p->ns >= PLOT_MAX_SERIES) {
        mg_fail(MG_ERR_ARG, "plot: more than %d series", PLOT_MAX_SERIES);
        return NULL;
    }
    if (p->hm && kind != S_HLINE && kind != S_VLINE) {
        mg_fail(MG_ERR_ARG, "plot: a heatmap plot takes only reference lines besides the heatmap");
        return NULL;
    }
    char color[8];
    if (st->color) {
        if (parse_color(st->color, color)) {
            mg_fail(MG_ERR_ARG, "plot: colour '%s' is not #rgb or #rrggbb", st->color);
            return NULL;
        }
    } else {
        memcpy(color, palette[p->next_color % 10], 8);
    }
    if (!(st->width >= 0 && st->width <= 50) || !(st->opacity >= 0 && st->opacity <= 1) ||
        !(st->marker_size >= 0 && st->marker_size <= 50) || (int)st->marker < 0 || st->marker > MG_MARKER_CROSS) {
        mg_fail(MG_ERR_ARG, "plot: style out of range (width 0..50, opacity 0..1, marker size 0..50, valid marker)");
        return NULL;
    }
    if (p->ns == p->cap) {
        int cap = p->cap ? 2 * p->cap : 8;
        series *ns = realloc(p->s, (size_t)cap * sizeof *ns);
        if (!ns) {
            mg_fail(MG_ERR_NOMEM, "plot: out of memory");
            return NULL;
        }
        p->s = ns;
        p->cap = cap;
    }
    series *s = &p->s[p->ns];
    memset(s, 0, sizeof *s);
    int fail = 0;
    s->label = dup_str(st->label, &fail);
    if (fail) {
        mg_fail(MG_ERR_NOMEM, "plot: out of memory");
        return NULL;
    }
    if (!st->color) p->next_color++;
    p->ns++;
    s->kind = kind;
    memcpy(s->color, color, 8);
    s->marker = st->marker;
    s->line = st->line;
    s->dashed = st->dashed;
    s->width = st->width > 0 ? st->width : 2.0;
    s->msize = st->marker_size > 0 ? st->marker_size : 3.5;
    s->opacity = st->opacity > 0                         ? st->opacity
                 : kind == S_SCATTER                     ? 0.75
                 : kind == S_HIST                        ? 0.45
                 : kind == S_BARS                        ? 0.9
                                                         : 1.0;
    return s;
}

/* Drops the last series (after a failed allocation). */
static void drop_last(mg_plot *p) {
    series *s = &p->s[--p->ns];
    free(s->x);
    free(s->y);
    free(s->label);
}

/* Copies n points (x NULL = indices). */
static mg_status add_points(mg_plot *p, series_kind kind, const double *x, const double *y, int64_t n,
                            const mg_plot_style *st) {
    if (!y && n > 0) return mg_fail(MG_ERR_ARG, "plot: NULL y values");
    if (n < 0 || n > PLOT_MAX_POINTS)
        return mg_fail(MG_ERR_ARG, "plot: %lld points (must be 0..%lld)", (long long)n, (long long)PLOT_MAX_POINTS);
    series *s = add_series(p, kind, st);
    if (!s) return MG_ERR_ARG;
    s->n = n;
    s->x = malloc((size_t)(n ? n : 1) * sizeof(double));
    s->y = malloc((size_t)(n ? n : 1) * sizeof(double));
    if (!s->x || !s->y) {
        drop_last(p);
        return mg_fail(MG_ERR_NOMEM, "plot: cannot hold %lld points", (long long)n);
    }
    for (int64_t i = 0; i < n; i++) {
        s->x[i] = x ? x[i] : (double)i;
        s->y[i] = y[i];
    }
    if (kind == S_SCATTER && s->marker == MG_MARKER_NONE) s->marker = MG_MARKER_CIRCLE;
    if (kind == S_SCATTER) s->line = 0;
    return MG_OK;
}

/* A line series. */
mg_status mg_plot_line(mg_plot *p, const double *x, const double *y, int64_t n, const mg_plot_style *st) {
    return add_points(p, S_LINE, x, y, n, st);
}

/* A scatter series. */
mg_status mg_plot_scatter(mg_plot *p, const double *x, const double *y, int64_t n, const mg_plot_style *st) {
    return add_points(p, S_SCATTER, x, y, n, st);
}

/* Bins the finite values into a histogram series. */
mg_status mg_plot_hist(mg_plot *p, const double *v, int64_t n, int bins, double lo, double hi, int density,
                       const mg_plot_style *st, double **counts_out) {
    if (counts_out) *counts_out = NULL;
    if (bins < 1 || bins > PLOT_MAX_BINS)
        return mg_fail(MG_ERR_ARG, "plot: %d histogram bins (1..%d)", bins, PLOT_MAX_BINS);
    if (n < 0 || (n > 0 && !v)) return mg_fail(MG_ERR_ARG, "plot: histogram of %lld values", (long long)n);
    double mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            if (v[i] < mn) mn = v[i];
            if (v[i] > mx) mx = v[i];
        }
    if (isnan(lo)) lo = isfinite(mn) ? mn : 0.0;
    if (isnan(hi)) hi = isfinite(mx) ? mx : 1.0;
    if (!isfinite(lo) || !isfinite(hi) || hi < lo)
        return mg_fail(MG_ERR_ARG, "plot: histogram range [%g, %g] is invalid", lo, hi);
    if (hi == lo) {
        double w = lo != 0 ? fabs(lo) * 0.05 : 0.5;
        lo -= w, hi += w;
    }
    series *s = add_series(p, S_HIST, st);
    if (!s) return MG_ERR_ARG;
    s->n = bins;
    s->x = malloc((size_t)(bins + 1) * sizeof(double));
    s->y = calloc((size_t)bins, sizeof(double));
    if (!s->x || !s->y) {
        drop_last(p);
        return mg_fail(MG_ERR_NOMEM, "plot: out of memory for %d bins", bins);
    }
    double w = (hi - lo) / bins;
    for (int b = 0; b <= bins; b++) s->x[b] = b == bins ? hi : lo + w * b;
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || v[i] < lo || v[i] > hi) continue;
        int b = (int)floor((v[i] - lo) / w);
        if (b >= bins) b = bins - 1; /* v == hi goes in the last bin */
        if (b < 0) b = 0;
        s->y[b] += 1;
        total++;
    }
    if (density && total > 0)
        for (int b = 0; b < bins; b++) s->y[b] /= (double)total * w;
    if (counts_out) {
        *counts_out = malloc((size_t)bins * sizeof(double));
        if (!*counts_out) return mg_fail(MG_ERR_NOMEM, "plot: out of memory");
        memcpy(*counts_out, s->y, (size_t)bins * sizeof(double));
    }
    return MG_OK;
}

/* Category names for bar charts. */
mg_status mg_plot_categories(mg_plot *p, const char *const *names, int n) {
    if (n < 1 || n > PLOT_MAX_CATS || !names)
        return mg_fail(MG_ERR_ARG, "plot: %d categories (1..%d)", n, PLOT_MAX_CATS);
    if (p->nbars && n != p->ncat)
        return mg_fail(MG_ERR_ARG, "plot: bars were added for %d categories; cannot change to %d", p->ncat, n);
    char **c = calloc((size_t)n, sizeof(char *));
    if (!c) return mg_fail(MG_ERR_NOMEM, "plot: out of memory");
    int fail = 0;
    for (int i = 0; i < n && !fail; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        c[i] = malloc(len + 1);
        if (!c[i]) fail = 1;
        else memcpy(c[i], names[i] ? names[i] : "", len + 1);
    }
    if (fail) {
        for (int i = 0; i < n; i++) free(c[i]);
        free(c);
        return mg_fail(MG_ERR_NOMEM, "plot: out of memory");
    }
    for (int i = 0; i < p->ncat; i++) free(p->cats[i]);
    free(p->cats);
    p->cats = c;
    p->ncat = n;
    return MG_OK;
}

/* One bar series. */
mg_status mg_plot_bars(mg_plot *p, const double *values, int n, const mg_plot_style *st) {
    if (!p->ncat) return mg_fail(MG_ERR_ARG, "plot: call mg_plot_categories before adding bars");
    if (n != p->ncat || !values)
        return mg_fail(MG_ERR_SHAPE, "plot: %d bar values for %d categories", n, p->ncat);
    MG_TRY(add_points(p, S_BARS, NULL, values, n, st));
    p->nbars++;
    return MG_OK;
}

/* A heatmap (one per plot). */
mg_status mg_plot_heatmap(mg_plot *p, const double *M, int64_t rows, int64_t cols, double vmin, double vmax,
                          mg_colormap cmap, const char *cbar_label) {
    if (rows < 1 || cols < 1 || rows * cols > PLOT_MAX_CELLS || !M)
        return mg_fail(MG_ERR_ARG, "plot: heatmap of %lld x %lld cells (at most %lld; write larger images as PNG)",
                       (long long)rows, (long long)cols, (long long)PLOT_MAX_CELLS);
    if ((int)cmap < 0 || cmap > MG_CMAP_GRAY) return mg_fail(MG_ERR_ARG, "plot: unknown colour map %d", (int)cmap);
    for (int i = 0; i < p->ns; i++)
        if (p->s[i].kind != S_HLINE && p->s[i].kind != S_VLINE)
            return mg_fail(MG_ERR_ARG, "plot: a heatmap cannot share a plot with data series");
    if (p->hm) return mg_fail(MG_ERR_ARG, "plot: the plot already has a heatmap");
    double mn = INFINITY, mx = -INFINITY;
    for (int64_t i = 0; i < rows * cols; i++)
        if (isfinite(M[i])) {
            if (M[i] < mn) mn = M[i];
            if (M[i] > mx) mx = M[i];
        }
    if (!isfinite(mn)) mn = 0, mx = 1;
    if (cmap == MG_CMAP_DIVERGING && isnan(vmin) && isnan(vmax)) {
        double a = fmax(fabs(mn), fabs(mx));
        vmin = -a, vmax = a;
    }
    if (isnan(vmin)) vmin = mn;
    if (isnan(vmax)) vmax = mx;
    if (!isfinite(vmin) || !isfinite(vmax) || vmax < vmin)
        return mg_fail(MG_ERR_ARG, "plot: heatmap range [%g, %g] is invalid", vmin, vmax);
    if (vmax == vmin) vmin -= 0.5, vmax += 0.5;
    MG_TRY(set_str(&p->cblabel, cbar_label));
    p->hm = malloc((size_t)(rows * cols) * sizeof(double));
    if (!p->hm) return mg_fail(MG_ERR_NOMEM, "plot: out of memory for the heatmap");
    memcpy(p->hm, M, (size_t)(rows * cols) * sizeof(double));
    p->hr = rows, p->hc = cols;
    p->hvmin = vmin, p->hvmax = vmax;
    p->cmap = cmap;
    return MG_OK;
}

/* Reference lines. */
mg_status mg_plot_hline(mg_plot *p, double y, const mg_plot_style *st) {
    if (!isfinite(y)) return mg_fail(MG_ERR_ARG, "plot: reference line at a non-finite value");
    return add_points(p, S_HLINE, &y, &y, 1, st);
}
mg_status mg_plot_vline(mg_plot *p, double x, const mg_plot_style *st) {
    if (!isfinite(x)) return mg_fail(MG_ERR_ARG, "plot: reference line at a non-finite value");
    return add_points(p, S_VLINE, &x, &x, 1, st);
}

/* ---- ticks and number formats --------------------------------------------- */

/* The nice step (1, 2, 5 x 10^k) at or above x. */
static double nice_step_up(double x) {
    double mag = pow(10.0, floor(log10(x)));
    double f = x / mag;
    return (f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10) * mag;
}

/* The next nice step below a nice step. */
static double nice_step_down(double step) {
    double mag = pow(10.0, floor(log10(step) + 1e-9));
    double f = step / mag;
    return f > 4.5 ? 2 * mag : f > 1.5 ? mag : 0.5 * mag;
}

/* Number of multiples of step inside [lo, hi] (with a relative tolerance). */
static int64_t count_multiples(double lo, double hi, double step, double *k0) {
    double a = ceil(lo / step - 1e-9), b = floor(hi / step + 1e-9);
    *k0 = a;
    return b >= a ? (int64_t)(b - a) + 1 : 0;
}

/* Heckbert nice ticks. */
int mg_plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, double *step) {
    if (step) *step = 0;
    if (!isfinite(lo) || !isfinite(hi) || !(hi > lo) || max_ticks < 2) return 0;
    double st = nice_step_up((hi - lo) / (max_ticks - 1)), k0;
    int64_t n = count_multiples(lo, hi, st, &k0);
    for (int it = 0; n > max_ticks && it < 8; it++) {
        st = nice_step_up(st * 1.0001);
        n = count_multiples(lo, hi, st, &k0);
    }
    for (int it = 0; it < 8; it++) { /* the densest nice step that still fits */
        double s2 = nice_step_down(st);
        double k2;
        int64_t n2 = count_multiples(lo, hi, s2, &k2);
        if (n2 > max_ticks) break;
        st = s2, n = n2, k0 = k2;
    }
    if (n > max_ticks) n = max_ticks;
    for (int64_t i = 0; i < n; i++) {
        double t = (k0 + (double)i) * st;
        if (fabs(t) < st * 1e-9) t = 0;
        ticks[i] = t;
    }
    if (step) *step = st;
    return (int)n;
}

/* Log ticks: decades (every k-th when many), with 2 and 5 for ranges of at
 * most two decades. */
int mg_plot_log_ticks(double lo, double hi, double *ticks, int max) {
    if (!(lo > 0) || !(hi > lo) || !isfinite(hi) || max < 1) return 0;
    int e0 = (int)floor(log10(lo) + 1e-9), e1 = (int)ceil(log10(hi) - 1e-9);
    int decades = e1 - e0, n = 0;
    if (log10(hi / lo) <= 2 + 1e-9) {
        static const double mult[3] = {1, 2, 5};
        for (int e = e0; e <= e1; e++)
            for (int m = 0; m < 3; m++) {
                double t = mult[m] * pow(10.0, e);
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) && n < max) ticks[n++] = t;
            }
        return n;
    }
    int every = 1;
    while (decades / every + 1 > 8) every++;
    int start = (int)ceil((double)e0 / every) * every;
    for (int e = start; e <= e1; e += every) {
        double t = pow(10.0, e);
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9) && n < max) ticks[n++] = t;
    }
    return n;
}

/* Tick text for a linear axis. */
void mg_plot_format_tick(double v, double step, char *buf, size_t len) {
    if (!(step > 0) || !isfinite(step)) step = fabs(v) > 0 ? fabs(v) : 1;
    if (fabs(v) < step * 1e-9) v = 0;
    double a = fabs(v);
    int sexp = (int)floor(log10(step) + 1e-9);
    if (a >= 1e6 || step >= 1e6 || (sexp < -6)) {
        int p = a > 0 ? (int)floor(log10(a) + 1e-9) - sexp : 0;
        if (p < 0) p = 0;
        if (p > 8) p = 8;
        snprintf(buf, len, "%.*e", p, v);
    } else {
        int dec = sexp < 0 ? -sexp : 0;
        snprintf(buf, len, "%.*f", dec, v);
    }
    if (!strcmp(buf, "-0")) snprintf(buf, len, "0");
}

/* Tick text for a log axis. */
static void format_log_tick(double v, char *buf, size_t len) {
    double e = log10(v);
    if (fabs(e - round(e)) < 1e-9 && (e < -3.5 || e > 4.5)) snprintf(buf, len, "1e%d", (int)round(e));
    else snprintf(buf, len, "%g", v);
}

/* Escaped copy of a string. */
char *mg_xml_escape(const char *s) {
    sb_t b = {0};
    sb_escape(&b, s ? s : "");
    char *out;
    if (sb_finish(&b, "escape", &out) != MG_OK) return NULL;
    return out;
}

/* ---- colour maps ------------------------------------------------------------ */

/* Anchor colours of each map, evenly spaced in [0, 1]. */
static const unsigned char viridis[9][3] = {{0x44, 0x01, 0x54}, {0x47, 0x2d, 0x7b}, {0x3b, 0x52, 0x8b},
                                            {0x2c, 0x72, 0x8e}, {0x21, 0x91, 0x8c}, {0x28, 0xae, 0x80},
                                            {0x5e, 0xc9, 0x62}, {0xad, 0xdc, 0x30}, {0xfd, 0xe7, 0x25}};
static const unsigned char diverging[5][3] = {
    {0x21, 0x66, 0xac}, {0x67, 0xa9, 0xcf}, {0xf7, 0xf7, 0xf7}, {0xef, 0x8a, 0x62}, {0xb2, 0x18, 0x2b}};
static const unsigned char grays[2][3] = {{0, 0, 0}, {255, 255, 255}};

/* Colour of t in [0, 1] by linear interpolation between anchors. */
void mg_colormap_hex(mg_colormap cmap, double t, char out[8]) {
    const unsigned char(*a)[3] = cmap == MG_CMAP_DIVERGING ? diverging : cmap == MG_CMAP_GRAY ? grays : viridis;
    int n = cmap == MG_CMAP_DIVERGING ? 5 : cmap == MG_CMAP_GRAY ? 2 : 9;
    if (!(t >= 0)) t = 0; /* NaN too */
    if (t > 1) t = 1;
    double f = t * (n - 1);
    int i = (int)floor(f);
    if (i >= n - 1) i = n - 2;
    double w = f - i;
    int rgb[3];
    for (int c = 0; c < 3; c++) rgb[c] = (int)lround(a[i][c] * (1 - w) + a[i + 1][c] * w);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

/* ---- rendering ---------------------------------------------------------------- */

/* Estimated width in px of text at a font size (UTF-8 code points x 0.6 em). */
static double text_width(const char *s, double fs) {
    if (!s) return 0;
    int64_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return (double)n * 0.6 * fs;
}

/* An axis: range, scale and ticks. */
typedef struct {
    double lo, hi;      /* data range shown */
    int log;
    double p0, p1;      /* pixel positions of lo and hi */
    int nt;
    double ticks[64];
    char labels[64][32];
} axis;

/* Pixel position of v on an axis (v > 0 for log axes). */
static double to_px(const axis *a, double v) {
    double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : (v - a->lo) / (a->hi - a->lo);
    return a->p0 + t * (a->p1 - a->p0);
}

/* Whether v can be placed on the axis. */
static int placeable(const axis *a, double v) { return isfinite(v) && (!a->log || v > 0); }

/* Extends [*mn, *mx] by v if it can be placed. */
static void grow(double v, int log_axis, double *mn, double *mx) {
    if (!isfinite(v) || (log_axis && !(v > 0))) return;
    if (v < *mn) *mn = v;
    if (v > *mx) *mx = v;
}

/* Final range of an axis: data range, padding, user limits, degenerate cases. */
static void finish_range(axis *a, double mn, double mx, double ulo, double uhi, int pad_lo, int pad_hi) {
    if (!(mn <= mx)) {
        mn = a->log ? 1 : 0;
        mx = a->log ? 10 : 1;
    }
    if (a->log) {
        double l0 = log10(mn), l1 = log10(mx);
        if (l1 - l0 < 1e-12) l0 -= 0.5, l1 += 0.5;
        double pad = 0.04 * (l1 - l0);
        if (pad_lo) l0 -= pad;
        if (pad_hi) l1 += pad;
        mn = pow(10.0, l0), mx = pow(10.0, l1);
    } else {
        if (mx - mn < 1e-300 || mx - mn <= 1e-12 * fmax(fabs(mn), fabs(mx))) {
            double w = mn != 0 ? fabs(mn) * 0.1 : 0.5;
            mn -= w, mx += w;
        }
        double pad = 0.04 * (mx - mn);
        if (pad_lo) mn -= pad;
        if (pad_hi) mx += pad;
    }
    if (isfinite(ulo) && (!a->log || ulo > 0)) mn = ulo;
    if (isfinite(uhi) && (!a->log || uhi > 0)) mx = uhi;
    if (!(mx > mn)) mx = a->log ? mn * 10 : mn + 1;
    a->lo = mn, a->hi = mx;
}

/* Ticks and labels of a numeric axis; max_ticks from its pixel length. */
static void make_ticks(axis *a, int max_ticks) {
    double step = 0;
    a->nt = 0;
    if (a->log) {
        a->nt = mg_plot_log_ticks(a->lo, a->hi, a->ticks, 64);
        if (a->nt >= 2) {
            for (int i = 0; i < a->nt; i++) format_log_tick(a->ticks[i], a->labels[i], sizeof a->labels[i]);
            return;
        }
    }
    a->nt = mg_plot_nice_ticks(a->lo, a->hi, max_ticks, a->ticks, &step);
    for (int i = 0; i < a->nt; i++) {
        if (a->log) format_log_tick(a->ticks[i], a->labels[i], sizeof a->labels[i]);
        else mg_plot_format_tick(a->ticks[i], step, a->labels[i], sizeof a->labels[i]);
    }
}

/* Liang-Barsky clip of the segment (x0,y0)-(x1,y1) to the rectangle; returns
 * 0 when nothing is visible, else the clipped end points. */
static int clip_segment(double *x0, double *y0, double *x1, double *y1, double L, double R, double T, double B) {
    double dx = *x1 - *x0, dy = *y1 - *y0, t0 = 0, t1 = 1;
    double pp[4] = {-dx, dx, -dy, dy}, qq[4] = {*x0 - L, R - *x0, *y0 - T, B - *y0};
    for (int i = 0; i < 4; i++) {
        if (pp[i] == 0) {
            if (qq[i] < 0) return 0;
        } else {
            double r = qq[i] / pp[i];
            if (pp[i] < 0) {
                if (r > t1) return 0;
                if (r > t0) t0 = r;
            } else {
                if (r < t0) return 0;
                if (r < t1) t1 = r;
            }
        }
    }
    double ax = *x0 + t0 * dx, ay = *y0 + t0 * dy, bx = *x0 + t1 * dx, by = *y0 + t1 * dy;
    *x0 = ax, *y0 = ay, *x1 = bx, *y1 = by;
    return 1;
}

/* One marker at (x, y). */
static void draw_marker(sb_t *b, mg_marker m, double x, double y, double r) {
    switch (m) {
    case MG_MARKER_CIRCLE:
        sb_puts(b, "<circle");
        sb_attr(b, "cx", x);
        sb_attr(b, "cy", y);
        sb_attr(b, "r", r);
        sb_puts(b, "/>");
        break;
    case MG_MARKER_SQUARE:
        sb_puts(b, "<rect");
        sb_box(b, x - r, y - r, 2 * r, 2 * r);
        sb_puts(b, "/>");
        break;
    case MG_MARKER_TRIANGLE:
        sb_puts(b, "<path d=\"");
        sb_xy(b, "M", x, y - 1.2 * r);
        sb_xy(b, "L", x + 1.1 * r, y + 0.8 * r);
        sb_xy(b, "L", x - 1.1 * r, y + 0.8 * r);
        sb_puts(b, "Z\"/>");
        break;
    case MG_MARKER_DIAMOND:
        sb_puts(b, "<path d=\"");
        sb_xy(b, "M", x, y - 1.3 * r);
        sb_xy(b, "L", x + 1.3 * r, y);
        sb_xy(b, "L", x, y + 1.3 * r);
        sb_xy(b, "L", x - 1.3 * r, y);
        sb_puts(b, "Z\"/>");
        break;
    case MG_MARKER_CROSS:
        sb_puts(b, "<path fill=\"none\" stroke-width=\"1.8\" d=\"");
        sb_xy(b, "M", x - r, y - r);
        sb_xy(b, "L", x + r, y + r);
        sb_xy(b, "M", x - r, y + r);
        sb_xy(b, "L", x + r, y - r);
        sb_puts(b, "\"/>");
        break;
    default: break;
    }
}

/* Opens a marker group in the series colour (crosses are stroked). */
static void marker_group(sb_t *b, const series *s) {
    sb_printf(b, "<g fill=\"%s\" stroke=\"%s\"", s->color, s->color);
    if (s->opacity < 1) sb_printf(b, " fill-opacity=\"%.2f\" stroke-opacity=\"%.2f\"", s->opacity, s->opacity);
    sb_puts(b, ">");
}

/* Stroke attributes of a line. */
static void stroke_attrs(sb_t *b, const series *s) {
    sb_printf(b, " fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\"", s->color, s->width);
    sb_puts(b, " stroke-linejoin=\"round\" stroke-linecap=\"round\"");
    if (s->dashed) sb_puts(b, " stroke-dasharray=\"6 4\"");
    if (s->opacity < 1) sb_printf(b, " stroke-opacity=\"%.2f\"", s->opacity);
}

/* A line series: clipped segments, a new subpath after every gap. */
static void draw_line(sb_t *b, const series *s, const axis *ax, const axis *ay, double L, double R, double T,
                      double B) {
    if (s->line) {
        sb_puts(b, "<path");
        stroke_attrs(b, s);
        sb_puts(b, " d=\"");
        int have_prev = 0, pen = 0; /* pen: the path currently ends at (lx, ly) */
        double px = 0, py = 0, lx = 0, ly = 0;
        int64_t segs = 0;
        for (int64_t i = 0; i < s->n; i++) {
            if (!placeable(ax, s->x[i]) || !placeable(ay, s->y[i])) {
                have_prev = 0;
                pen = 0;
                continue;
            }
            double x = to_px(ax, s->x[i]), y = to_px(ay, s->y[i]);
            if (have_prev) {
                double x0 = px, y0 = py, x1 = x, y1 = y;
                if (clip_segment(&x0, &y0, &x1, &y1, L, R, T, B)) {
                    if (!pen || fabs(x0 - lx) > 1e-9 || fabs(y0 - ly) > 1e-9) sb_xy(b, "M", x0, y0);
                    sb_xy(b, "L", x1, y1);
                    lx = x1, ly = y1, pen = 1;
                    segs++;
                } else {
                    pen = 0;
                }
            }
            px = x, py = y, have_prev = 1;
        }
        if (!segs) sb_puts(b, "M0 0"); /* an empty path must still parse */
        sb_puts(b, "\"/>\n");
    }
    if (s->marker != MG_MARKER_NONE) {
        marker_group(b, s);
        for (int64_t i = 0; i < s->n; i++) {
            if (!placeable(ax, s->x[i]) || !placeable(ay, s->y[i])) continue;
            double x = to_px(ax, s->x[i]), y = to_px(ay, s->y[i]);
            if (x < L - 1e-6 || x > R + 1e-6 || y < T - 1e-6 || y > B + 1e-6) continue;
            draw_marker(b, s->marker, x, y, s->msize);
        }
        sb_puts(b, "</g>\n");
    }
}

/* A rectangle between two pixel corners, clamped to the plot area. */
static void rect_clamped(sb_t *b, double x0, double y0, double x1, double y1, double L, double R, double T, double B) {
    double xa = fmax(L, fmin(x0, x1)), xb = fmin(R, fmax(x0, x1));
    double ya = fmax(T, fmin(y0, y1)), yb = fmin(B, fmax(y0, y1));
    if (!(xb > xa) || !(yb >= ya)) return;
    sb_puts(b, "<rect");
    sb_box(b, xa, ya, xb - xa, yb - ya);
    sb_puts(b, "/>");
}

/* Histogram bars from the baseline (0, or the axis bottom on a log axis). */
static void draw_hist(sb_t *b, const series *s, const axis *ax, const axis *ay, double L, double R, double T,
                      double B) {
    sb_printf(b, "<g fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"%s\" stroke-opacity=\"0.9\" stroke-width=\"0.8\">",
              s->color, s->opacity, s->color);
    double base = ay->log ? B : to_px(ay, 0.0 < ay->lo ? ay->lo : 0.0);
    for (int64_t i = 0; i < s->n; i++) {
        if (!(s->y[i] > 0) || !placeable(ay, s->y[i]) || !placeable(ax, s->x[i]) || !placeable(ax, s->x[i + 1]))
            continue;
        rect_clamped(b, to_px(ax, s->x[i]), to_px(ay, s->y[i]), to_px(ax, s->x[i + 1]), base, L, R, T, B);
    }
    sb_puts(b, "</g>\n");
}

/* One bar series of a grouped bar chart (index k of nb). */
static void draw_bars(sb_t *b, const series *s, int k, int nb, const axis *ax, const axis *ay, double L, double R,
                      double T, double B) {
    sb_printf(b, "<g fill=\"%s\" fill-opacity=\"%.2f\">", s->color, s->opacity);
    double w = 0.8 / nb;
    double base = ay->log ? B : to_px(ay, fmin(fmax(0.0, ay->lo), ay->hi));
    for (int64_t c = 0; c < s->n; c++) {
        if (!placeable(ay, s->y[c])) continue;
        double x0 = (double)c - 0.4 + k * w;
        rect_clamped(b, to_px(ax, x0), to_px(ay, s->y[c]), to_px(ax, x0 + w), base, L, R, T, B);
    }
    sb_puts(b, "</g>\n");
}

/* A text element (escaped), anchored; rotate != 0 rotates about (x, y). */
static void text_at(sb_t *b, double x, double y, const char *anchor, double fs, int bold, double rotate,
                    const char *s) {
    sb_puts(b, "<text");
    sb_attr(b, "x", x);
    sb_attr(b, "y", y);
    sb_printf(b, " text-anchor=\"%s\"", anchor);
    if (fs != 12) sb_printf(b, " font-size=\"%.0f\"", fs);
    if (bold) sb_puts(b, " font-weight=\"bold\"");
    if (rotate != 0) {
        sb_printf(b, " transform=\"rotate(%.0f ", rotate);
        sb_xy(b, "", x, y);
        sb_puts(b, ")\"");
    }
    sb_puts(b, ">");
    sb_escape(b, s);
    sb_puts(b, "</text>\n");
}

/* Whether pixel (x, y) lies in the box [x0, x1] x [y0, y1]. */
static int in_box(double x, double y, double x0, double y0, double x1, double y1) {
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

/* Data points of the plot inside a pixel box: line and scatter vertices,
 * and 4 points up each histogram bin and bar (for choosing the legend corner). */
static int64_t points_in_box(const mg_plot *p, const axis *ax, const axis *ay, double x0, double y0, double x1,
                             double y1) {
    int64_t n = 0;
    int bar_k = 0;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (s->kind == S_LINE || s->kind == S_SCATTER) {
            for (int64_t k = 0; k < s->n; k++)
                if (placeable(ax, s->x[k]) && placeable(ay, s->y[k]))
                    n += in_box(to_px(ax, s->x[k]), to_px(ay, s->y[k]), x0, y0, x1, y1);
        } else if (s->kind == S_HIST || s->kind == S_BARS) {
            double w = 0.8 / (p->nbars ? p->nbars : 1);
            for (int64_t k = 0; k < s->n; k++) {
                double xc = s->kind == S_HIST ? 0.5 * (s->x[k] + s->x[k + 1]) : (double)k - 0.4 + (bar_k + 0.5) * w;
                if (!placeable(ax, xc) || !placeable(ay, s->y[k])) continue;
                double top = to_px(ay, s->y[k]), base = ay->p0, px = to_px(ax, xc);
                for (int t = 0; t < 4; t++) n += in_box(px, top + (base - top) * t / 4.0, x0, y0, x1, y1);
            }
            if (s->kind == S_BARS) bar_k++;
        }
    }
    return n;
}

/* The legend box in a corner of the plot area. */
static void draw_legend(sb_t *b, const mg_plot *p, const axis *ax, const axis *ay, double L, double R, double T,
                        double B) {
    int n = 0;
    double wmax = 0;
    for (int i = 0; i < p->ns; i++)
        if (p->s[i].label) {
            n++;
            wmax = fmax(wmax, text_width(p->s[i].label, 12));
        }
    if (!n || p->legend == MG_LEGEND_NONE) return;
    double w = 10 + 28 + 6 + wmax + 8, h = 8 + 18.0 * n;
    mg_legend_pos pos = p->legend;
    if (pos == MG_LEGEND_AUTO) {
        int64_t best = -1;
        for (int c = MG_LEGEND_TOP_RIGHT; c <= MG_LEGEND_BOTTOM_LEFT; c++) {
            double cx = (c == MG_LEGEND_TOP_LEFT || c == MG_LEGEND_BOTTOM_LEFT) ? L + 8 : R - 8 - w;
            double cy = (c == MG_LEGEND_BOTTOM_LEFT || c == MG_LEGEND_BOTTOM_RIGHT) ? B - 8 - h : T + 8;
            int64_t k = points_in_box(p, ax, ay, cx, cy, cx + w, cy + h);
            if (best < 0 || k < best) best = k, pos = (mg_legend_pos)c;
        }
    }
    double x = (pos == MG_LEGEND_TOP_LEFT || pos == MG_LEGEND_BOTTOM_LEFT) ? L + 8 : R - 8 - w;
    double y = (pos == MG_LEGEND_BOTTOM_LEFT || pos == MG_LEGEND_BOTTOM_RIGHT) ? B - 8 - h : T + 8;
    sb_puts(b, "<g class=\"legend\"><rect");
    sb_box(b, x, y, w, h);
    sb_puts(b, " fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#bbbbbb\" rx=\"3\"/>\n");
    int k = 0;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (!s->label) continue;
        double cy = y + 4 + 18.0 * k + 9, x0 = x + 10, x1 = x + 38;
        if (s->kind == S_HIST || s->kind == S_BARS) {
            sb_printf(b, "<rect fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"%s\"", s->color, s->opacity, s->color);
            sb_box(b, x0 + 4, cy - 6, 20, 12);
            sb_puts(b, "/>");
        } else {
            if (s->line || s->kind == S_HLINE || s->kind == S_VLINE) {
                sb_puts(b, "<path");
                stroke_attrs(b, s);
                sb_puts(b, " d=\"");
                sb_xy(b, "M", x0, cy);
                sb_xy(b, "L", x1, cy);
                sb_puts(b, "\"/>");
            }
            if (s->marker != MG_MARKER_NONE) {
                marker_group(b, s);
                draw_marker(b, s->marker, 0.5 * (x0 + x1), cy, s->msize);
                sb_puts(b, "</g>");
            }
        }
        text_at(b, x1 + 6, cy + 4, "start", 12, 0, 0, s->label);
        k++;
    }
    sb_puts(b, "</g>\n");
}

/* The whole document. */
static void render(const mg_plot *p, sb_t *b) {
    int heat = p->hm != NULL, cat = p->nbars > 0 && !heat;
    axis ax = {0}, ay = {0};
    ax.log = p->xlog && !heat && !cat;
    ay.log = p->ylog && !heat;
    /* data ranges */
    double xmn = INFINITY, xmx = -INFINITY, ymn = INFINITY, ymx = -INFINITY;
    int has_box = 0; /* hist or bars: y starts at 0 */
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        switch (s->kind) {
        case S_LINE:
        case S_SCATTER:
            for (int64_t k = 0; k < s->n; k++)
                if (placeable(&ax, s->x[k]) && placeable(&ay, s->y[k])) {
                    grow(s->x[k], ax.log, &xmn, &xmx);
                    grow(s->y[k], ay.log, &ymn, &ymx);
                }
            break;
        case S_HIST:
            has_box = 1;
            for (int64_t k = 0; k <= s->n; k++) grow(s->x[k], ax.log, &xmn, &xmx);
            for (int64_t k = 0; k < s->n; k++) grow(s->y[k], ay.log, &ymn, &ymx);
            if (!ay.log) grow(0.0, 0, &ymn, &ymx);
            break;
        case S_BARS:
            has_box = 1;
            for (int64_t k = 0; k < s->n; k++) grow(s->y[k], ay.log, &ymn, &ymx);
            if (!ay.log) grow(0.0, 0, &ymn, &ymx);
            break;
        case S_HLINE: grow(s->y[0], ay.log, &ymn, &ymx); break;
        case S_VLINE: grow(s->x[0], ax.log, &xmn, &xmx); break;
        }
    }
    if (heat) {
        ax.lo = -0.5, ax.hi = (double)p->hc - 0.5;
        ay.lo = -0.5, ay.hi = (double)p->hr - 0.5;
    } else {
        if (cat) xmn = -0.5, xmx = p->ncat - 0.5;
        finish_range(&ax, xmn, xmx, p->xlo, p->xhi, !cat, !cat);
        finish_range(&ay, ymn, ymx, p->ylo, p->yhi, !(has_box && ymn >= 0 && !ay.log), 1);
    }
    /* margins from the text they hold */
    double W = p->W, H = p->H;
    double top = p->title ? 34 : 14, right = 18;
    double L = 0, R = 0, T = top, B = 0;
    /* y ticks first (labels decide the left margin) */
    double plot_h_guess = H - top - 60;
    if (heat) {
        double step;
        ay.nt = mg_plot_nice_ticks(0, (double)p->hr - 1, (int)fmax(2, fmin(10, plot_h_guess / 40)), ay.ticks, &step);
        if (ay.nt == 0 || step < 1) ay.nt = 1, ay.ticks[0] = 0;
        for (int i = 0; i < ay.nt; i++) snprintf(ay.labels[i], sizeof ay.labels[i], "%.0f", ay.ticks[i]);
    } else {
        make_ticks(&ay, (int)fmax(2, fmin(10, plot_h_guess / 45)));
    }
    double ylw = 0;
    for (int i = 0; i < ay.nt; i++) ylw = fmax(ylw, text_width(ay.labels[i], 12));
    L = 10 + (p->ylabel ? 22 : 0) + ylw + 9;
    double cbw = 0; /* colour bar block */
    axis cb = {0};
    if (heat) {
        cb.lo = p->hvmin, cb.hi = p->hvmax;
        make_ticks(&cb, 6);
        double w = 0;
        for (int i = 0; i < cb.nt; i++) w = fmax(w, text_width(cb.labels[i], 12));
        cbw = 14 + 16 + 6 + w + (p->cblabel ? 22 : 0);
        right += cbw;
    }
    R = W - right;
    /* x ticks */
    double plot_w = R - L;
    double xrot = 0, xlh = 12;
    if (heat) {
        double step;
        ax.nt = mg_plot_nice_ticks(0, (double)p->hc - 1, (int)fmax(2, fmin(10, plot_w / 60)), ax.ticks, &step);
        if (ax.nt == 0 || step < 1) ax.nt = 1, ax.ticks[0] = 0;
        for (int i = 0; i < ax.nt; i++) snprintf(ax.labels[i], sizeof ax.labels[i], "%.0f", ax.ticks[i]);
    } else if (!cat) {
        make_ticks(&ax, (int)fmax(2, fmin(10, plot_w / 80)));
    } else {
        double slot = plot_w / p->ncat, wmax = 0;
        for (int i = 0; i < p->ncat; i++) wmax = fmax(wmax, text_width(p->cats[i], 12));
        if (wmax > slot * 0.95) {
            xrot = -35;
            xlh = fmin(wmax, 160) * 0.58 + 12;
        }
    }
    B = H - (8 + xlh + 8 + (p->xlabel ? 20 : 0) + 6);
    ax.p0 = L, ax.p1 = R;
    ay.p0 = B, ay.p1 = T; /* y grows upward */
    if (heat) ay.p0 = T, ay.p1 = B; /* row 0 at the top */
    /* document */
    sb_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" fill=\"#222222\">\n",
              p->W, p->H, p->W, p->H);
    sb_puts(b, "<rect");
    sb_box(b, 0, 0, W, H);
    sb_puts(b, " fill=\"#ffffff\"/>\n");
    if (p->title) text_at(b, 0.5 * (L + R), 22, "middle", 15, 1, 0, p->title);
    /* grid */
    if (!heat) {
        sb_puts(b, "<path fill=\"none\" stroke=\"#e4e4e4\" stroke-width=\"1\" d=\"");
        int any = 0;
        for (int i = 0; i < ay.nt; i++) {
            double y = to_px(&ay, ay.ticks[i]);
            sb_xy(b, "M", L, y);
            sb_puts(b, "H");
            sb_num(b, R);
            any = 1;
        }
        for (int i = 0; !cat && i < ax.nt; i++) {
            double x = to_px(&ax, ax.ticks[i]);
            sb_xy(b, "M", x, T);
            sb_puts(b, "V");
            sb_num(b, B);
            any = 1;
        }
        if (!any) sb_puts(b, "M0 0");
        sb_puts(b, "\"/>\n");
    }
    /* heatmap cells and colour bar */
    if (heat) {
        double cw = (R - L) / (double)p->hc, ch = (B - T) / (double)p->hr;
        sb_puts(b, "<g shape-rendering=\"crispEdges\">\n");
        for (int64_t r = 0; r < p->hr; r++)
            for (int64_t c = 0; c < p->hc; c++) {
                double v = p->hm[r * p->hc + c];
                char col[8];
                if (isfinite(v)) mg_colormap_hex(p->cmap, (v - p->hvmin) / (p->hvmax - p->hvmin), col);
                else memcpy(col, "#f0d0f0", 8); /* light magenta: on no colour map */
                sb_printf(b, "<rect fill=\"%s\"", col);
                sb_box(b, L + c * cw, T + r * ch, cw + 0.01, ch + 0.01);
                sb_puts(b, "/>");
                if (c + 1 == p->hc) sb_puts(b, "\n");
            }
        sb_puts(b, "</g>\n");
        double bx = R + 14, bw = 16;
        cb.p0 = B, cb.p1 = T;
        sb_puts(b, "<g shape-rendering=\"crispEdges\">");
        int steps = 64;
        for (int i = 0; i < steps; i++) {
            char col[8];
            mg_colormap_hex(p->cmap, (i + 0.5) / steps, col);
            double y0 = B - (B - T) * (i + 1) / steps, y1 = B - (B - T) * i / steps;
            sb_printf(b, "<rect fill=\"%s\"", col);
            sb_box(b, bx, y0, bw, y1 - y0 + 0.01);
            sb_puts(b, "/>");
        }
        sb_puts(b, "</g>\n<rect fill=\"none\" stroke=\"#444444\"");
        sb_box(b, bx, T, bw, B - T);
        sb_puts(b, "/>\n");
        for (int i = 0; i < cb.nt; i++) {
            double y = to_px(&cb, cb.ticks[i]);
            sb_puts(b, "<path stroke=\"#444444\" d=\"");
            sb_xy(b, "M", bx + bw, y);
            sb_puts(b, "h4\"/>");
            text_at(b, bx + bw + 7, y + 4, "start", 12, 0, 0, cb.labels[i]);
        }
        if (p->cblabel) text_at(b, W - 10, 0.5 * (T + B), "middle", 12, 0, -90, p->cblabel);
    }
    /* series */
    int bar_k = 0;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        switch (s->kind) {
        case S_LINE:
        case S_SCATTER: draw_line(b, s, &ax, &ay, L, R, T, B); break;
        case S_HIST: draw_hist(b, s, &ax, &ay, L, R, T, B); break;
        case S_BARS: draw_bars(b, s, bar_k++, p->nbars, &ax, &ay, L, R, T, B); break;
        case S_HLINE:
        case S_VLINE: {
            double v = s->kind == S_HLINE ? s->y[0] : s->x[0];
            const axis *a = s->kind == S_HLINE ? &ay : &ax;
            if (!placeable(a, v)) break;
            double q = to_px(a, v);
            if (q < fmin(a->p0, a->p1) - 1e-6 || q > fmax(a->p0, a->p1) + 1e-6) break;
            sb_puts(b, "<path");
            stroke_attrs(b, s);
            sb_puts(b, " d=\"");
            sb_xy(b, "M", s->kind == S_HLINE ? L : q, s->kind == S_HLINE ? q : T);
            sb_puts(b, s->kind == S_HLINE ? "H" : "V");
            sb_num(b, s->kind == S_HLINE ? R : B);
            sb_puts(b, "\"/>\n");
            break;
        }
        }
    }
    /* frame, ticks, labels */
    sb_puts(b, "<rect fill=\"none\" stroke=\"#444444\"");
    sb_box(b, L, T, R - L, B - T);
    sb_puts(b, "/>\n");
    sb_puts(b, "<path stroke=\"#444444\" d=\"");
    for (int i = 0; i < ay.nt; i++) {
        sb_xy(b, "M", L - 5, to_px(&ay, ay.ticks[i]));
        sb_puts(b, "h5");
    }
    for (int i = 0; i < (cat ? p->ncat : ax.nt); i++) {
        sb_xy(b, "M", to_px(&ax, cat ? (double)i : ax.ticks[i]), B);
        sb_puts(b, "v5");
    }
    sb_puts(b, "M0 0\"/>\n");
    for (int i = 0; i < ay.nt; i++) text_at(b, L - 8, to_px(&ay, ay.ticks[i]) + 4, "end", 12, 0, 0, ay.labels[i]);
    if (cat) {
        for (int i = 0; i < p->ncat; i++) {
            double x = to_px(&ax, i);
            if (xrot != 0) text_at(b, x + 4, B + 16, "end", 12, 0, xrot, p->cats[i]);
            else text_at(b, x, B + 20, "middle", 12, 0, 0, p->cats[i]);
        }
    } else {
        for (int i = 0; i < ax.nt; i++) text_at(b, to_px(&ax, ax.ticks[i]), B + 20, "middle", 12, 0, 0, ax.labels[i]);
    }
    if (p->xlabel) text_at(b, 0.5 * (L + R), H - 10, "middle", 13, 0, 0, p->xlabel);
    if (p->ylabel) text_at(b, 18, 0.5 * (T + B), "middle", 13, 0, -90, p->ylabel);
    draw_legend(b, p, &ax, &ay, L, R, T, B);
    sb_puts(b, "</svg>\n");
}

/* The SVG text. */
mg_status mg_plot_svg(const mg_plot *p, char **svg) {
    *svg = NULL;
    if (!p) return mg_fail(MG_ERR_ARG, "plot: NULL plot");
    sb_t b = {0};
    render(p, &b);
    return sb_finish(&b, "plot", svg);
}

/* Saves the SVG with an XML declaration, atomically. */
mg_status mg_plot_save(const mg_plot *p, const char *path) {
    char *svg;
    MG_TRY(mg_plot_svg(p, &svg));
    sb_t b = {0};
    sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_puts(&b, svg);
    free(svg);
    char *doc;
    MG_TRY(sb_finish(&b, path, &doc));
    mg_status st = mg_write_file_atomic(path, doc, strlen(doc));
    free(doc);
    return st;
}

/* MG_PLOT_STYLE_DEFAULT as a value. */
mg_plot_style mg_plot_style_default(void) {
    mg_plot_style v = MG_PLOT_STYLE_DEFAULT;
    return v;
}
