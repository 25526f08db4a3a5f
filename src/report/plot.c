/*
 * The plot object of plot.h and its series API: creation, titles, scales and
 * limits, and the series (lines, scatter, histograms, bars, heatmap,
 * reference lines) stored as copies. Axes and ticks are plot_axes.c, the SVG
 * output plot_svg.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

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
    for (int64_t i = 0; p->hxl && i < p->hc; i++) free(p->hxl[i]);
    for (int64_t i = 0; p->hyl && i < p->hr; i++) free(p->hyl[i]);
    free(p->hxl);
    free(p->hyl);
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
    if (p->hm && kind != S_HLINE && kind != S_VLINE && kind != S_LINE) {
        mg_fail(MG_ERR_ARG, "plot: a heatmap plot takes only lines (in cell units) besides the heatmap");
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

/* Copies n labels (NULL entries as "") into a new array; NULL on OOM. */
static char **copy_labels(const char *const *l, int64_t n) {
    char **c = calloc((size_t)n, sizeof(char *));
    for (int64_t i = 0; c && i < n; i++) {
        c[i] = strdup(l[i] ? l[i] : "");
        if (!c[i]) {
            while (i--) free(c[i]);
            free(c);
            return NULL;
        }
    }
    return c;
}

/* Labels of the heatmap's columns and rows (instead of their indices). */
mg_status mg_plot_heatmap_labels(mg_plot *p, const char *const *xlabels, const char *const *ylabels) {
    if (!p->hm) return mg_fail(MG_ERR_ARG, "plot: heatmap labels need a heatmap first");
    char **xl = xlabels ? copy_labels(xlabels, p->hc) : NULL, **yl = ylabels ? copy_labels(ylabels, p->hr) : NULL;
    if ((xlabels && !xl) || (ylabels && !yl)) {
        for (int64_t i = 0; xl && i < p->hc; i++) free(xl[i]);
        for (int64_t i = 0; yl && i < p->hr; i++) free(yl[i]);
        free(xl), free(yl);
        return mg_fail(MG_ERR_NOMEM, "plot: out of memory for heatmap labels");
    }
    if (xl) {
        for (int64_t i = 0; p->hxl && i < p->hc; i++) free(p->hxl[i]);
        free(p->hxl);
        p->hxl = xl;
    }
    if (yl) {
        for (int64_t i = 0; p->hyl && i < p->hr; i++) free(p->hyl[i]);
        free(p->hyl);
        p->hyl = yl;
    }
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

/* MG_PLOT_STYLE_DEFAULT as a value. */
mg_plot_style mg_plot_style_default(void) {
    mg_plot_style v = MG_PLOT_STYLE_DEFAULT;
    return v;
}
