/*
 * SVG rendering of a plot (plot.h): layout, grid and ticks, series drawn
 * with lines clipped to the plot area geometrically, markers, histograms,
 * bars, heatmap with colour bar, legend placed where it hides fewest points,
 * colour maps, and deterministic text (fixed-precision numbers, escaped
 * text).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "plot_internal.h"
#include "sb.h"

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
static void draw_line(sb_t *b, const series *s, const mg__axis *ax, const mg__axis *ay, double L, double R, double T,
                      double B) {
    if (s->line) {
        sb_puts(b, "<path");
        stroke_attrs(b, s);
        sb_puts(b, " d=\"");
        int have_prev = 0, pen = 0; /* pen: the path currently ends at (lx, ly) */
        double px = 0, py = 0, lx = 0, ly = 0;
        int64_t segs = 0;
        for (int64_t i = 0; i < s->n; i++) {
            if (!mg__axis_placeable(ax, s->x[i]) || !mg__axis_placeable(ay, s->y[i])) {
                have_prev = 0;
                pen = 0;
                continue;
            }
            double x = mg__axis_px(ax, s->x[i]), y = mg__axis_px(ay, s->y[i]);
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
    if (s->marker == MG_MARKER_NONE) return;
    /* markers whose centre lies within a marker of the plot area, drawn in a
     * nested viewport of the area: it clips what crosses the frame (no ids,
     * so plots can share a page) */
    double r = 1.3 * s->msize + 1;
    int64_t shown = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && !shown) return; /* no empty viewport */
        if (pass == 1) {
            sb_puts(b, "<svg overflow=\"hidden\"");
            sb_box(b, L, T, R - L, B - T);
            sb_puts(b, " viewBox=\"");
            sb_xy(b, "", L, T);
            sb_xy(b, " ", R - L, B - T);
            sb_puts(b, "\">");
            marker_group(b, s);
        }
        for (int64_t i = 0; i < s->n; i++) {
            if (!mg__axis_placeable(ax, s->x[i]) || !mg__axis_placeable(ay, s->y[i])) continue;
            double x = mg__axis_px(ax, s->x[i]), y = mg__axis_px(ay, s->y[i]);
            if (x < L - r || x > R + r || y < T - r || y > B + r) continue;
            if (pass == 0) shown++;
            else draw_marker(b, s->marker, x, y, s->msize);
        }
    }
    sb_puts(b, "</g></svg>\n");
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
static void draw_hist(sb_t *b, const series *s, const mg__axis *ax, const mg__axis *ay, double L, double R, double T,
                      double B) {
    sb_printf(b, "<g fill=\"%s\" fill-opacity=\"%.2f\" stroke=\"%s\" stroke-opacity=\"0.9\" stroke-width=\"0.8\">",
              s->color, s->opacity, s->color);
    double base = ay->log ? B : mg__axis_px(ay, 0.0 < ay->lo ? ay->lo : 0.0);
    for (int64_t i = 0; i < s->n; i++) {
        if (!(s->y[i] > 0) || !mg__axis_placeable(ay, s->y[i]) || !mg__axis_placeable(ax, s->x[i]) || !mg__axis_placeable(ax, s->x[i + 1]))
            continue;
        rect_clamped(b, mg__axis_px(ax, s->x[i]), mg__axis_px(ay, s->y[i]), mg__axis_px(ax, s->x[i + 1]), base, L, R, T, B);
    }
    sb_puts(b, "</g>\n");
}

/* One bar series of a grouped bar chart (index k of nb). */
static void draw_bars(sb_t *b, const series *s, int k, int nb, const mg__axis *ax, const mg__axis *ay, double L, double R,
                      double T, double B) {
    sb_printf(b, "<g fill=\"%s\" fill-opacity=\"%.2f\">", s->color, s->opacity);
    double w = 0.8 / nb;
    double base = ay->log ? B : mg__axis_px(ay, fmin(fmax(0.0, ay->lo), ay->hi));
    for (int64_t c = 0; c < s->n; c++) {
        if (!mg__axis_placeable(ay, s->y[c])) continue;
        double x0 = (double)c - 0.4 + k * w;
        rect_clamped(b, mg__axis_px(ax, x0), mg__axis_px(ay, s->y[c]), mg__axis_px(ax, x0 + w), base, L, R, T, B);
    }
    sb_puts(b, "</g>\n");
}

/* Ticks of a heatmap axis of `count` cells: every cell when labels are
 * given and at most 64 cells (the labels), else "nice" integer positions
 * labelled by index (or by the label of that cell). */
static void heat_ticks(mg__axis *a, int64_t count, char *const *labels, int max_ticks) {
    double step;
    if (labels && count <= 64) {
        a->nt = (int)count;
        for (int i = 0; i < a->nt; i++) a->ticks[i] = i;
    } else {
        a->nt = mg_plot_nice_ticks(0, (double)count - 1, max_ticks, a->ticks, &step);
        if (a->nt == 0 || step < 1) a->nt = 1, a->ticks[0] = 0;
    }
    for (int i = 0; i < a->nt; i++) {
        if (labels) snprintf(a->labels[i], sizeof a->labels[i], "%s", labels[(int64_t)a->ticks[i]]);
        else snprintf(a->labels[i], sizeof a->labels[i], "%.0f", a->ticks[i]);
    }
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
static int64_t points_in_box(const mg_plot *p, const mg__axis *ax, const mg__axis *ay, double x0, double y0, double x1,
                             double y1) {
    int64_t n = 0;
    int bar_k = 0;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (s->kind == S_LINE || s->kind == S_SCATTER) {
            for (int64_t k = 0; k < s->n; k++)
                if (mg__axis_placeable(ax, s->x[k]) && mg__axis_placeable(ay, s->y[k]))
                    n += in_box(mg__axis_px(ax, s->x[k]), mg__axis_px(ay, s->y[k]), x0, y0, x1, y1);
        } else if (s->kind == S_HIST || s->kind == S_BARS) {
            double w = 0.8 / (p->nbars ? p->nbars : 1);
            for (int64_t k = 0; k < s->n; k++) {
                double xc = s->kind == S_HIST ? 0.5 * (s->x[k] + s->x[k + 1]) : (double)k - 0.4 + (bar_k + 0.5) * w;
                if (!mg__axis_placeable(ax, xc) || !mg__axis_placeable(ay, s->y[k])) continue;
                double top = mg__axis_px(ay, s->y[k]), base = ay->p0, px = mg__axis_px(ax, xc);
                for (int t = 0; t < 4; t++) n += in_box(px, top + (base - top) * t / 4.0, x0, y0, x1, y1);
            }
            if (s->kind == S_BARS) bar_k++;
        }
    }
    return n;
}

/* Where the legend goes: its size, its corner, or below the plot (outside)
 * when the automatic choice finds no corner free of data. */
typedef struct {
    int n;               /* entries (0: no legend) */
    double w, h;         /* box size; outside: the block below the plot */
    double x, y;         /* top left of the box */
    int outside, per_row; /* outside: entries per row */
    double col_w;        /* outside: width of one entry */
} legend_t;

/* Places the legend: in the corner asked for, in the corner that hides the
 * fewest data points, or below the plot when every corner hides some. */
static legend_t legend_place(const mg_plot *p, const mg__axis *ax, const mg__axis *ay, double L, double R, double T,
                             double B) {
    legend_t lg = {0};
    double wmax = 0;
    for (int i = 0; i < p->ns; i++)
        if (p->s[i].label) {
            lg.n++;
            wmax = fmax(wmax, text_width(p->s[i].label, 12));
        }
    if (!lg.n || p->legend == MG_LEGEND_NONE) {
        lg.n = 0;
        return lg;
    }
    lg.w = 10 + 28 + 6 + wmax + 8, lg.h = 8 + 18.0 * lg.n;
    mg_legend_pos pos = p->legend;
    if (pos == MG_LEGEND_AUTO) {
        int64_t best = -1;
        for (int c = MG_LEGEND_TOP_RIGHT; c <= MG_LEGEND_BOTTOM_LEFT; c++) {
            double cx = (c == MG_LEGEND_TOP_LEFT || c == MG_LEGEND_BOTTOM_LEFT) ? L + 8 : R - 8 - lg.w;
            double cy = (c == MG_LEGEND_BOTTOM_LEFT || c == MG_LEGEND_BOTTOM_RIGHT) ? B - 8 - lg.h : T + 8;
            int64_t k = points_in_box(p, ax, ay, cx, cy, cx + lg.w, cy + lg.h);
            if (best < 0 || k < best) best = k, pos = (mg_legend_pos)c;
        }
        if (best > 0 || lg.w > R - L - 16 || lg.h > B - T - 16) { /* off the data: a block below the plot */
            lg.outside = 1;
            lg.col_w = lg.w - 8;
            lg.per_row = (int)fmax(1, floor((p->W - 20) / lg.col_w));
            if (lg.per_row > lg.n) lg.per_row = lg.n;
            int rows = (lg.n + lg.per_row - 1) / lg.per_row;
            lg.w = lg.per_row * lg.col_w + 8, lg.h = 8 + 18.0 * rows;
            lg.x = fmax(4, 0.5 * (p->W - lg.w)), lg.y = p->H + 2;
            return lg;
        }
    }
    lg.x = (pos == MG_LEGEND_TOP_LEFT || pos == MG_LEGEND_BOTTOM_LEFT) ? L + 8 : R - 8 - lg.w;
    lg.y = (pos == MG_LEGEND_BOTTOM_LEFT || pos == MG_LEGEND_BOTTOM_RIGHT) ? B - 8 - lg.h : T + 8;
    return lg;
}

/* The legend box as placed. */
static void draw_legend(sb_t *b, const mg_plot *p, const legend_t *lg) {
    if (!lg->n) return;
    sb_puts(b, "<g class=\"legend\"><rect");
    sb_box(b, lg->x, lg->y, lg->w, lg->h);
    sb_puts(b, " fill=\"#ffffff\" fill-opacity=\"0.88\" stroke=\"#bbbbbb\" rx=\"3\"/>\n");
    int k = 0;
    for (int i = 0; i < p->ns; i++) {
        const series *s = &p->s[i];
        if (!s->label) continue;
        int row = lg->outside ? k / lg->per_row : k, col = lg->outside ? k % lg->per_row : 0;
        double cy = lg->y + 4 + 18.0 * row + 9, x0 = lg->x + 10 + col * lg->col_w, x1 = x0 + 28;
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
    mg__axis ax = {0}, ay = {0};
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
                if (mg__axis_placeable(&ax, s->x[k]) && mg__axis_placeable(&ay, s->y[k])) {
                    mg__axis_grow(s->x[k], ax.log, &xmn, &xmx);
                    mg__axis_grow(s->y[k], ay.log, &ymn, &ymx);
                }
            break;
        case S_HIST:
            has_box = 1;
            for (int64_t k = 0; k <= s->n; k++) mg__axis_grow(s->x[k], ax.log, &xmn, &xmx);
            for (int64_t k = 0; k < s->n; k++) mg__axis_grow(s->y[k], ay.log, &ymn, &ymx);
            if (!ay.log) mg__axis_grow(0.0, 0, &ymn, &ymx);
            break;
        case S_BARS:
            has_box = 1;
            for (int64_t k = 0; k < s->n; k++) mg__axis_grow(s->y[k], ay.log, &ymn, &ymx);
            if (!ay.log) mg__axis_grow(0.0, 0, &ymn, &ymx);
            break;
        case S_HLINE: mg__axis_grow(s->y[0], ay.log, &ymn, &ymx); break;
        case S_VLINE: mg__axis_grow(s->x[0], ax.log, &xmn, &xmx); break;
        }
    }
    if (heat) {
        ax.lo = -0.5, ax.hi = (double)p->hc - 0.5;
        ay.lo = -0.5, ay.hi = (double)p->hr - 0.5;
    } else {
        if (cat) xmn = -0.5, xmx = p->ncat - 0.5;
        mg__axis_finish(&ax, xmn, xmx, p->xlo, p->xhi, !cat, !cat);
        mg__axis_finish(&ay, ymn, ymx, p->ylo, p->yhi, !(has_box && ymn >= 0 && !ay.log), 1);
    }
    /* margins from the text they hold */
    double W = p->W, H = p->H;
    double top = p->title ? 34 : 14, right = 18;
    double L = 0, R = 0, T = top, B = 0;
    /* y ticks first (labels decide the left margin) */
    double plot_h_guess = H - top - 60;
    if (heat) {
        heat_ticks(&ay, p->hr, p->hyl, (int)fmax(2, fmin(10, plot_h_guess / 40)));
    } else {
        mg__axis_ticks(&ay, (int)fmax(2, fmin(10, plot_h_guess / 45)));
    }
    double ylw = 0;
    for (int i = 0; i < ay.nt; i++) ylw = fmax(ylw, text_width(ay.labels[i], 12));
    L = 10 + (p->ylabel ? 22 : 0) + ylw + 9;
    double cbw = 0; /* colour bar block */
    mg__axis cb = {0};
    if (heat) {
        cb.lo = p->hvmin, cb.hi = p->hvmax;
        mg__axis_ticks(&cb, 6);
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
        heat_ticks(&ax, p->hc, p->hxl, (int)fmax(2, fmin(10, plot_w / 60)));
    } else if (!cat) {
        mg__axis_ticks(&ax, (int)fmax(2, fmin(10, plot_w / 80)));
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
    /* document (taller by the legend's block when it goes below the plot) */
    legend_t lg = legend_place(p, &ax, &ay, L, R, T, B);
    int Hdoc = p->H + (lg.outside ? (int)ceil(lg.h + 6) : 0);
    sb_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\" fill=\"#222222\">\n",
              p->W, Hdoc, p->W, Hdoc);
    sb_puts(b, "<rect");
    sb_box(b, 0, 0, W, Hdoc);
    sb_puts(b, " fill=\"#ffffff\"/>\n");
    if (p->title) text_at(b, 0.5 * (L + R), 22, "middle", 15, 1, 0, p->title);
    /* grid */
    if (!heat) {
        sb_puts(b, "<path fill=\"none\" stroke=\"#e4e4e4\" stroke-width=\"1\" d=\"");
        int any = 0;
        for (int i = 0; i < ay.nt; i++) {
            if (!ay.labels[i][0]) continue; /* minor ticks get no grid line */
            double y = mg__axis_px(&ay, ay.ticks[i]);
            sb_xy(b, "M", L, y);
            sb_puts(b, "H");
            sb_num(b, R);
            any = 1;
        }
        for (int i = 0; !cat && i < ax.nt; i++) {
            if (!ax.labels[i][0]) continue;
            double x = mg__axis_px(&ax, ax.ticks[i]);
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
            double y = mg__axis_px(&cb, cb.ticks[i]);
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
            const mg__axis *a = s->kind == S_HLINE ? &ay : &ax;
            if (!mg__axis_placeable(a, v)) break;
            double q = mg__axis_px(a, v);
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
        int minor = !heat && !ay.labels[i][0];
        sb_xy(b, "M", L - (minor ? 3 : 5), mg__axis_px(&ay, ay.ticks[i]));
        sb_puts(b, minor ? "h3" : "h5");
    }
    for (int i = 0; i < (cat ? p->ncat : ax.nt); i++) {
        sb_xy(b, "M", mg__axis_px(&ax, cat ? (double)i : ax.ticks[i]), B);
        sb_puts(b, !cat && !heat && !ax.labels[i][0] ? "v3" : "v5");
    }
    sb_puts(b, "M0 0\"/>\n");
    for (int i = 0; i < ay.nt; i++)
        if (ay.labels[i][0]) text_at(b, L - 8, mg__axis_px(&ay, ay.ticks[i]) + 4, "end", 12, 0, 0, ay.labels[i]);
    if (cat) {
        for (int i = 0; i < p->ncat; i++) {
            double x = mg__axis_px(&ax, i);
            if (xrot != 0) text_at(b, x + 4, B + 16, "end", 12, 0, xrot, p->cats[i]);
            else text_at(b, x, B + 20, "middle", 12, 0, 0, p->cats[i]);
        }
    } else {
        for (int i = 0; i < ax.nt; i++)
            if (ax.labels[i][0]) text_at(b, mg__axis_px(&ax, ax.ticks[i]), B + 20, "middle", 12, 0, 0, ax.labels[i]);
    }
    if (p->xlabel) text_at(b, 0.5 * (L + R), H - 10, "middle", 13, 0, 0, p->xlabel);
    if (p->ylabel) text_at(b, 18, 0.5 * (T + B), "middle", 13, 0, -90, p->ylabel);
    draw_legend(b, p, &lg);
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

/* The standalone document: an XML declaration, then the SVG. */
mg_status mg__plot_document(const mg_plot *p, const char *what, char **doc) {
    char *svg;
    MG_TRY(mg_plot_svg(p, &svg));
    sb_t b = {0};
    sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_puts(&b, svg);
    free(svg);
    return sb_finish(&b, what, doc);
}

/* Saves the SVG with an XML declaration, atomically. */
mg_status mg_plot_save(const mg_plot *p, const char *path) {
    char *doc;
    MG_TRY(mg__plot_document(p, path, &doc));
    mg_status st = mg_write_file_atomic(path, doc, strlen(doc));
    free(doc);
    return st;
}
