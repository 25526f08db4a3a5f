/*
 * Internal to src/report/plot*.c: the plot object and its series (plot.c,
 * the series API), the axes with their ranges and ticks (plot_axes.c), both
 * read by the SVG renderer (plot_svg.c). Not installed.
 */
#ifndef MEMGEN_REPORT_PLOT_INTERNAL_H
#define MEMGEN_REPORT_PLOT_INTERNAL_H

#include "memgen/plot.h"

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
    char **hxl, **hyl; /* hc column / hr row labels (mg_plot_heatmap_labels), or NULL: indices */
    double hvmin, hvmax;
    mg_colormap cmap;
    char *cblabel;
};

/* An axis: range, scale and ticks. */
typedef struct {
    double lo, hi;      /* data range shown */
    int log;
    double p0, p1;      /* pixel positions of lo and hi */
    int nt;
    double ticks[64];
    char labels[64][32];
} mg__axis;

/* Pixel position of v on an axis (v > 0 for log axes). */
double mg__axis_px(const mg__axis *a, double v);
/* Whether v can be placed on the axis (finite; > 0 on a log axis). */
int mg__axis_placeable(const mg__axis *a, double v);
/* Extends [*mn, *mx] by v if it can be placed on such an axis. */
void mg__axis_grow(double v, int log_axis, double *mn, double *mx);
/* Final range of an axis from the data range [mn, mx]: padding (4% on the
 * padded sides), the user limits ulo/uhi (NaN = none), degenerate ranges. */
void mg__axis_finish(mg__axis *a, double mn, double mx, double ulo, double uhi, int pad_lo, int pad_hi);
/* Ticks and their labels, at most max_ticks on a linear axis. */
void mg__axis_ticks(mg__axis *a, int max_ticks);

/* The plot as a standalone SVG document (XML declaration first); *doc malloc'd, caller frees. */
mg_status mg__plot_document(const mg_plot *p, const char *what, char **doc);

#endif /* MEMGEN_REPORT_PLOT_INTERNAL_H */
