/*
 * Axes of the SVG plots (plot.h): "nice" linear ticks (Heckbert), log ticks,
 * tick labels, and an axis's range (data range, padding, user limits) and
 * pixel mapping.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

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

/* Pixel position of v on an axis (v > 0 for log axes). */
double mg__axis_px(const mg__axis *a, double v) {
    double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo)) : (v - a->lo) / (a->hi - a->lo);
    return a->p0 + t * (a->p1 - a->p0);
}

/* Whether v can be placed on the axis. */
int mg__axis_placeable(const mg__axis *a, double v) { return isfinite(v) && (!a->log || v > 0); }

/* Extends [*mn, *mx] by v if it can be placed. */
void mg__axis_grow(double v, int log_axis, double *mn, double *mx) {
    if (!isfinite(v) || (log_axis && !(v > 0))) return;
    if (v < *mn) *mn = v;
    if (v > *mx) *mx = v;
}

/* Final range of an axis: data range, padding, user limits, degenerate cases. */
void mg__axis_finish(mg__axis *a, double mn, double mx, double ulo, double uhi, int pad_lo, int pad_hi) {
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

/* Log ticks at the multiples mult[0..nm) of every power of ten inside the
 * axis, thinned to every k-th decade when there are more than 8 (single
 * multiple only); writes them (labelled when label) after the axis's ticks
 * unless count_only. Returns how many there are. */
static int log_multiples(mg__axis *a, const double *mult, int nm, int label, int count_only) {
    int e0 = (int)floor(log10(a->lo) + 1e-9), e1 = (int)ceil(log10(a->hi) - 1e-9), every = 1, n = 0;
    while (nm == 1 && (e1 - e0) / every + 1 > 8) every++;
    for (int e = (int)ceil((double)e0 / every) * every; e <= e1; e += every)
        for (int m = 0; m < nm; m++) {
            double t = mult[m] * pow(10.0, e);
            if (t < a->lo * (1 - 1e-9) || t > a->hi * (1 + 1e-9)) continue;
            n++;
            if (count_only || a->nt >= 64) continue;
            int dup = 0;
            for (int i = 0; i < a->nt && !dup; i++) dup = fabs(a->ticks[i] - t) <= 1e-9 * t;
            if (dup) continue;
            a->ticks[a->nt] = t;
            if (label) format_log_tick(t, a->labels[a->nt], sizeof a->labels[a->nt]);
            else a->labels[a->nt][0] = '\0';
            a->nt++;
        }
    return n;
}

/* Ticks of a log axis: the sparsest multiples of the decades (1; 1, 3;
 * 1, 2, 5; 1 to 9) that label at least 3 ticks, and the other multiples
 * 1..9 as unlabelled minor ticks where the axis spans at most 6 decades.
 * Returns 0 when even every multiple labels fewer than 3 ticks. */
static int log_axis_ticks(mg__axis *a) {
    static const double sets[4][9] = {{1}, {1, 3}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int sizes[4] = {1, 2, 3, 9};
    a->nt = 0;
    for (int k = 0; k < 4; k++) {
        if (log_multiples(a, sets[k], sizes[k], 1, 1) < 3) continue;
        log_multiples(a, sets[k], sizes[k], 1, 0);
        if (log10(a->hi / a->lo) <= 6) log_multiples(a, sets[3], 9, 0, 0);
        return 1;
    }
    return 0;
}

/* Ticks and labels of a numeric axis; max_ticks from its pixel length. An
 * unlabelled tick (empty label) is a minor tick. */
void mg__axis_ticks(mg__axis *a, int max_ticks) {
    double step = 0;
    a->nt = 0;
    if (a->log && log_axis_ticks(a)) return;
    /* linear axes, and log axes spanning too little for 3 labelled multiples: nice values, at least 3 */
    a->nt = mg_plot_nice_ticks(a->lo, a->hi, max_ticks < 3 ? 3 : max_ticks, a->ticks, &step);
    for (int i = 0; i < a->nt; i++) {
        if (a->log) snprintf(a->labels[i], sizeof a->labels[i], "%.3g", a->ticks[i]);
        else mg_plot_format_tick(a->ticks[i], step, a->labels[i], sizeof a->labels[i]);
    }
}
