/*
 * Self-contained SVG plots for the reproduction report (issue 8): line plots
 * (several series, markers, legend), scatter plots, overlaid histograms,
 * grouped bar charts, heatmaps with a colour bar, reference lines, linear or
 * log axes with "nice" ticks, titles and axis labels.
 *
 * Why a small writer of our own instead of PLplot (Debian's libplplot): the
 * report needs SVG text it can inline in one HTML page; PLplot's SVG driver
 * writes files through a global stream, draws text as its own glyphs and
 * would add a runtime dependency for a few hundred lines of straightforward
 * output. This writer has no dependency, no JavaScript and no ids (lines are
 * clipped to the plot area geometrically, so several plots can share a page).
 *
 * Guarantees: all text is XML-escaped (invalid UTF-8 replaced); coordinates
 * are written with two decimals and every other number with a fixed format,
 * so the same input gives the same bytes; non-finite points (and points <= 0
 * on a log axis) are skipped: a line resumes after the gap with a new
 * subpath instead of drawing to NaN.
 *
 * Usage: mg_plot_create, set labels / scales, add series, then mg_plot_svg
 * (the SVG string, caller frees) or mg_plot_save (atomic file write).
 * A plot holds copies of everything given to it.
 */
#ifndef MEMGEN_PLOT_H
#define MEMGEN_PLOT_H

#include <stddef.h>
#include <stdint.h>

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mg_plot mg_plot;

typedef enum {
    MG_MARKER_NONE = 0,
    MG_MARKER_CIRCLE,
    MG_MARKER_SQUARE,
    MG_MARKER_TRIANGLE,
    MG_MARKER_DIAMOND,
    MG_MARKER_CROSS
} mg_marker;

typedef enum {
    MG_LEGEND_TOP_RIGHT = 0,
    MG_LEGEND_TOP_LEFT,
    MG_LEGEND_BOTTOM_RIGHT,
    MG_LEGEND_BOTTOM_LEFT,
    MG_LEGEND_NONE,
    MG_LEGEND_AUTO /* the corner covering the fewest data points (ties: TR, TL, BR, BL); the default */
} mg_legend_pos;

typedef enum {
    MG_CMAP_VIRIDIS = 0, /* sequential, perceptually uniform */
    MG_CMAP_DIVERGING,   /* blue - white - red, for signed values (centre the range on 0) */
    MG_CMAP_GRAY         /* black - white */
} mg_colormap;

/* How a series is drawn. Strings are copied. */
typedef struct {
    const char *label;  /* legend entry; NULL or "" = not in the legend */
    const char *color;  /* "#rgb" or "#rrggbb"; NULL = the next colour of the palette */
    mg_marker marker;   /* marker at each point (lines, scatter) */
    int line;           /* lines: 1 = connect the points, 0 = markers only */
    int dashed;         /* dashed stroke (lines, reference lines) */
    double width;       /* stroke width in px; 0 = 2 */
    double opacity;     /* 0 = default: 1 for lines, 0.75 scatter, 0.45 histograms, 0.9 bars */
    double marker_size; /* marker radius in px; 0 = 3.5 */
} mg_plot_style;

#define MG_PLOT_STYLE_DEFAULT {NULL, NULL, MG_MARKER_NONE, 1, 0, 0.0, 0.0, 0.0}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_plot_style mg_plot_style_default(void);

/* A plot of width x height pixels (each 200..4000). Caller frees with mg_plot_free. */
MG_API mg_status mg_plot_create(int width, int height, mg_plot **out);

/* Frees the plot; safe on NULL. */
MG_API void mg_plot_free(mg_plot *p);

/* Title and axis labels (copied; NULL clears). */
MG_API mg_status mg_plot_title(mg_plot *p, const char *title);
MG_API mg_status mg_plot_xlabel(mg_plot *p, const char *label);
MG_API mg_status mg_plot_ylabel(mg_plot *p, const char *label);

/* Log scale (base 10) on the x / y axis. */
MG_API void mg_plot_xlog(mg_plot *p, int on);
MG_API void mg_plot_ylog(mg_plot *p, int on);

/* Fixed axis limits; NaN for either end keeps it automatic. */
MG_API void mg_plot_xlim(mg_plot *p, double lo, double hi);
MG_API void mg_plot_ylim(mg_plot *p, double lo, double hi);

/* Where the legend goes (default MG_LEGEND_AUTO). */
MG_API void mg_plot_legend(mg_plot *p, mg_legend_pos pos);

/* A line series through (x[i], y[i]), i < n; x NULL = 0, 1, ..., n-1. */
MG_API mg_status mg_plot_line(mg_plot *p, const double *x, const double *y, int64_t n, const mg_plot_style *st);

/* A scatter series (markers only; circle if the style has none). */
MG_API mg_status mg_plot_scatter(mg_plot *p, const double *x, const double *y, int64_t n, const mg_plot_style *st);

/* A histogram of the finite values v[0..n-1] in `bins` equal bins over
 * [lo, hi] (values outside are not counted; NaN lo or hi = the data's
 * min / max). density != 0 normalises to unit area. Overlay several with the
 * same range to compare distributions (drawn translucent). *counts_out, if
 * not NULL, receives a malloc'd copy of the bin heights (caller frees). */
MG_API mg_status mg_plot_hist(mg_plot *p, const double *v, int64_t n, int bins, double lo, double hi, int density,
                       const mg_plot_style *st, double **counts_out);

/* Category names of the x axis for bar charts (copied). */
MG_API mg_status mg_plot_categories(mg_plot *p, const char *const *names, int n);

/* One series of a grouped bar chart: values[c] for category c (n must equal
 * the number of categories); series sit side by side in each group.
 * Non-finite values draw no bar. */
MG_API mg_status mg_plot_bars(mg_plot *p, const double *values, int n, const mg_plot_style *st);

/* A heatmap of M (rows x cols, row-major; row 0 at the top), coloured over
 * [vmin, vmax] (NaN = the data's range; the diverging map centres a NaN range
 * on 0), with a colour bar labelled cbar_label. At most 250000 cells (larger
 * images belong in a PNG). Non-finite cells are drawn light magenta
 * (#f0d0f0, on no colour map). A plot with a heatmap holds only reference
 * lines and lines in cell units (mg_plot_heatmap_labels) besides it. */
MG_API mg_status mg_plot_heatmap(mg_plot *p, const double *M, int64_t rows, int64_t cols, double vmin, double vmax,
                          mg_colormap cmap, const char *cbar_label);

/* Labels of the heatmap's columns (cols strings) and rows (rows strings),
 * copied, shown as the axis ticks instead of the cell indices (every cell
 * up to 64, else at "nice" positions); either may be NULL. Line series
 * added after a heatmap are drawn over it in cell units: column c at x = c,
 * row r at y = r (row 0 at the top), so x = c + 0.5 is the edge between two
 * columns. */
MG_API mg_status mg_plot_heatmap_labels(mg_plot *p, const char *const *xlabels, const char *const *ylabels);

/* A horizontal / vertical reference line across the plot (labelled in the
 * legend when the style has a label). */
MG_API mg_status mg_plot_hline(mg_plot *p, double y, const mg_plot_style *st);
MG_API mg_status mg_plot_vline(mg_plot *p, double x, const mg_plot_style *st);

/* The SVG document (one <svg> element, no XML declaration, so it can be
 * inlined in HTML or saved as a file); *svg is malloc'd, caller frees. */
MG_API mg_status mg_plot_svg(const mg_plot *p, char **svg);

/* Writes the SVG to path atomically (with an XML declaration). */
MG_API mg_status mg_plot_save(const mg_plot *p, const char *path);

/* ---- figure files: SVG, and PNG / PDF through librsvg ------------------- */

/* The formats of mg_plot_export, as bits. */
enum { MG_PLOT_SVG = 1, MG_PLOT_PNG = 2, MG_PLOT_PDF = 4 };

/* The formats this build of memgen writes: SVG always, PNG and PDF where
 * librsvg (Debian's librsvg2-dev) was found when it was built. *why_not
 * (may be NULL) is set to a sentence saying why PNG and PDF are not written,
 * or to NULL when they are. */
MG_API int mg_plot_formats(const char **why_not);

/* Renders a standalone SVG document (as mg_plot_save writes) to a PNG of
 * scale x its size in pixels, or to a PDF page of its size (1 px = 0.75 pt),
 * written atomically. MG_ERR_UNSUPPORTED without librsvg. */
MG_API mg_status mg_svg_to_png(const char *svg, size_t len, double scale, const char *path);
MG_API mg_status mg_svg_to_pdf(const char *svg, size_t len, const char *path);

/* Writes a standalone SVG document (XML declaration, root <svg> with xmlns,
 * width, height and viewBox) as stem.svg and, where this build can,
 * stem.png (2x its pixel size) and stem.pdf. *written (may be NULL) gets the
 * MG_PLOT_* bits of the files written. */
MG_API mg_status mg_svg_export(const char *doc, const char *stem, int *written);

/* Writes the plot as stem.svg (standalone: XML declaration, xmlns, width,
 * height and viewBox, every style inline) and, where this build can,
 * stem.png (2x its pixel size) and stem.pdf. *written (may be NULL) gets the
 * MG_PLOT_* bits of the files written. */
MG_API mg_status mg_plot_export(const mg_plot *p, const char *stem, int *written);

/* ---- helpers (exported for tests and for other writers) ---------------- */

/* "Nice" linear ticks (Heckbert's 1-2-5 rule): multiples of a step 1, 2 or 5
 * x 10^k inside [lo, hi]: the smallest such step giving at most max_ticks
 * (>= 2) ticks. Writes up to max_ticks values and *step; returns the count
 * (0 for an empty or non-finite range). */
MG_API int mg_plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, double *step);

/* Log-axis ticks inside [lo, hi] (0 < lo < hi): powers of ten (every k-th
 * decade when there are many, at most 9 ticks), plus 2x and 5x when the
 * range spans at most two decades. Returns the count (at most max). */
MG_API int mg_plot_log_ticks(double lo, double hi, double *ticks, int max);

/* Formats a tick value for a linear axis of the given tick step with just
 * enough decimals ("0.25", "1500", "2e+06", "-0" never appears). */
MG_API void mg_plot_format_tick(double v, double step, char *buf, size_t len);

/* XML/HTML-escaped copy of s (& < > " ' as entities, control characters
 * dropped, invalid UTF-8 as U+FFFD); malloc'd, caller frees; NULL on OOM. */
MG_API char *mg_xml_escape(const char *s);

/* The colour of value t in [0, 1] of a colour map as "#rrggbb" (out: 8 bytes). */
MG_API void mg_colormap_hex(mg_colormap cmap, double t, char out[8]);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_PLOT_H */
