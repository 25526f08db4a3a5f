/*
 * The phase-diagram page of a sweep (memgen/sweep.h): a heat map of one
 * measure over two axes (plot.h), the theory's boundary (p >= n: W_mem,
 * Cor. 3.2; p < n: W_gen, Cor. 3.3) and the measured one drawn over it, the
 * agreement in numbers and the cells where they part, in a report page
 * (report.h) beside the tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/plot.h"
#include "memgen/report.h"
#include "memgen/sweep.h"

/* Most disagreeing cells listed in the page's table. */
#define PAGE_MAX_ROWS 60

/* A growing list of boundary points (segments separated by NaN points). */
typedef struct {
    double *x, *y;
    int64_t n, cap;
} polyline;

/* Appends the segment (x0, y0)-(x1, y1) and a NaN gap. */
static int seg(polyline *l, double x0, double y0, double x1, double y1) {
    if (l->n + 3 > l->cap) {
        int64_t cap = l->cap ? 2 * l->cap : 64;
        double *x = realloc(l->x, (size_t)cap * sizeof(double)), *y = x ? realloc(l->y, (size_t)cap * sizeof(double))
                                                                       : NULL;
        if (x) l->x = x;
        if (!x || !y) return -1;
        l->y = y, l->cap = cap;
    }
    double px[3] = {x0, x1, NAN}, py[3] = {y0, y1, NAN};
    for (int i = 0; i < 3; i++) l->x[l->n] = px[i], l->y[l->n++] = py[i];
    return 0;
}

/* The edges between neighbouring cells of different class (cls: rows x
 * cols of 0/1, -1 unknown), in the heat map's cell units. */
static int boundary(const int *cls, int64_t rows, int64_t cols, polyline *l) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            int a = cls[r * cols + c];
            if (a < 0) continue;
            if (c + 1 < cols && cls[r * cols + c + 1] >= 0 && cls[r * cols + c + 1] != a &&
                seg(l, c + 0.5, r - 0.5, c + 0.5, r + 0.5))
                return -1;
            if (r + 1 < rows && cls[(r + 1) * cols + c] >= 0 && cls[(r + 1) * cols + c] != a &&
                seg(l, c - 0.5, r + 0.5, c + 0.5, r + 0.5))
                return -1;
        }
    return 0;
}

/* The label of value i of an axis. */
static void axis_label(const mg_sweep_grid *g, int a, int64_t i, char *buf, size_t len) {
    if (a == MG_SWEEP_AX_DATA) snprintf(buf, len, "%s", g->data[i]);
    else snprintf(buf, len, "%g", g->values[a][i]);
}

/* Heat-map matrices over (x, y): the mean measure and the classes (the
 * theory's: mean pred_mem >= 1/2; measured: mean measure >= 1/2), row 0 =
 * the largest y value. */
static mg_status aggregate(const mg_sweep_grid *g, const mg_table *t, const double *mv, int x, int y, double *M,
                           int *pred, int *meas, int frac) {
    int64_t nx = g->count[x], ny = g->count[y], cells = nx * ny;
    const double *pm = mg_table_col(t, "pred_mem");
    double *cnt = calloc((size_t)cells * 3, sizeof(double)); /* counts, then sums and counts of pred_mem */
    double *ps = cnt ? cnt + cells : NULL, *pc = ps ? ps + cells : NULL;
    if (!cnt) return mg_fail(MG_ERR_NOMEM, "sweep page: out of memory");
    for (int64_t i = 0; i < cells; i++) M[i] = 0;
    for (int64_t r = 0; r < t->nrows; r++) {
        mg_sweep_cell c;
        mg_status st = mg_sweep_cell_at(g, r, &c);
        if (st != MG_OK) {
            free(cnt);
            return st;
        }
        int64_t k = (ny - 1 - c.at[y]) * nx + c.at[x];
        if (isfinite(mv[r])) M[k] += mv[r], cnt[k] += 1;
        if (pm && isfinite(pm[r])) ps[k] += pm[r], pc[k] += 1;
    }
    for (int64_t i = 0; i < cells; i++) {
        M[i] = cnt[i] > 0 ? M[i] / cnt[i] : NAN;
        pred[i] = pc[i] > 0 ? ps[i] / pc[i] >= 0.5 : -1;
        meas[i] = frac && isfinite(M[i]) ? M[i] >= 0.5 : -1;
    }
    free(cnt);
    return MG_OK;
}

/* Draws the heat map with both boundaries. */
static mg_status draw(mg_report *rep, const mg_sweep_grid *g, const char *measure, int x, int y, const double *M,
                      const int *pred, const int *meas, int frac) {
    int64_t nx = g->count[x], ny = g->count[y];
    char **xl = calloc((size_t)nx, sizeof(char *)), **yl = calloc((size_t)ny, sizeof(char *));
    mg_plot *p = NULL;
    polyline lp = {0}, lm = {0};
    mg_status st = xl && yl ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep page: out of memory");
    for (int64_t i = 0; i < nx && st == MG_OK; i++) {
        xl[i] = malloc(32);
        if (xl[i]) axis_label(g, x, i, xl[i], 32);
    }
    for (int64_t i = 0; i < ny && st == MG_OK; i++) {
        yl[i] = malloc(32);
        if (yl[i]) axis_label(g, y, ny - 1 - i, yl[i], 32);
    }
    if (st == MG_OK) st = mg_plot_create(760, 560, &p);
    char title[160];
    snprintf(title, sizeof title, "%s over %s and %s", measure, mg_sweep_axis_names[x], mg_sweep_axis_names[y]);
    if (st == MG_OK) st = mg_plot_title(p, title);
    if (st == MG_OK) st = mg_plot_xlabel(p, mg_sweep_axis_names[x]);
    if (st == MG_OK) st = mg_plot_ylabel(p, mg_sweep_axis_names[y]);
    if (st == MG_OK)
        st = mg_plot_heatmap(p, M, ny, nx, frac ? 0 : NAN, frac ? 1 : NAN, MG_CMAP_VIRIDIS, measure);
    if (st == MG_OK) st = mg_plot_heatmap_labels(p, (const char *const *)xl, (const char *const *)yl);
    if (st == MG_OK && (boundary(pred, ny, nx, &lp) || boundary(meas, ny, nx, &lm)))
        st = mg_fail(MG_ERR_NOMEM, "sweep page: out of memory");
    mg_plot_style th = MG_PLOT_STYLE_DEFAULT, me = MG_PLOT_STYLE_DEFAULT;
    th.label = "theory: p >= n memorizes (Cor. 3.2), p < n generalizes (Cor. 3.3)";
    th.color = "#ff2020", th.width = 4;
    me.label = "measured: mean = 0.5", me.color = "#ffffff", me.width = 2.5, me.dashed = 1;
    if (st == MG_OK && lp.n) st = mg_plot_line(p, lp.x, lp.y, lp.n, &th);
    if (st == MG_OK && lm.n) st = mg_plot_line(p, lm.x, lm.y, lm.n, &me);
    if (st == MG_OK) mg_plot_legend(p, MG_LEGEND_NONE);
    if (st == MG_OK)
        st = mg_report_plot(rep, p, "Mean of the measure over the cells of each (x, y) (other axes averaged). Red: the "
                            "theory's boundary between the predicted phases; white dashes: where the measure "
                            "crosses 1/2.");
    mg_plot_free(p);
    for (int64_t i = 0; xl && i < nx; i++) free(xl[i]);
    for (int64_t i = 0; yl && i < ny; i++) free(yl[i]);
    free(xl), free(yl), free(lp.x), free(lp.y), free(lm.x), free(lm.y);
    return st;
}

/* The agreement of each cell with the theory, in a claim box and a table
 * of the cells where the measured phase is not the predicted one. */
static mg_status agreement(mg_report *rep, const mg_sweep_grid *g, const mg_table *t, const char *measure,
                           const double *mv, int frac) {
    const double *pm = mg_table_col(t, "pred_mem"), *sb = mg_table_col(t, "sep_mem_beta");
    int64_t n = 0, agree = 0, sep = 0, nsep = 0, shown = 0;
    int64_t mem_sep = 0, mem_sep_ok = 0, mem_nosep = 0, mem_nosep_ok = 0, gen = 0, gen_ok = 0; /* by assumption */
    static const char *const head[] = {"cell", "data", "n", "p", "sigma", "lambda", "seed", "measure", "predicted",
                                       "Def. 3.1 (each row a cluster)"};
    enum { NH = 10 };
    char **cells = calloc((size_t)PAGE_MAX_ROWS * NH, sizeof(char *));
    if (!cells) return mg_fail(MG_ERR_NOMEM, "sweep page: out of memory");
    mg_status st = MG_OK;
    for (int64_t r = 0; r < t->nrows && st == MG_OK; r++) {
        if (sb && isfinite(sb[r])) nsep++, sep += sb[r] < 0;
        if (!frac || !isfinite(mv[r]) || !pm || !isfinite(pm[r])) continue;
        n++;
        int ok = (mv[r] >= 0.5) == (pm[r] >= 0.5), holds = sb && sb[r] < 0;
        agree += ok;
        if (pm[r] < 0.5) gen++, gen_ok += ok;
        else if (holds) mem_sep++, mem_sep_ok += ok;
        else mem_nosep++, mem_nosep_ok += ok;
        if (ok || shown >= PAGE_MAX_ROWS) continue;
        mg_sweep_cell c;
        st = mg_sweep_cell_at(g, r, &c);
        char v[NH][48];
        snprintf(v[0], 48, "%lld", (long long)r);
        snprintf(v[1], 48, "%s", st == MG_OK ? c.data : "?");
        snprintf(v[2], 48, "%lld", (long long)c.n);
        snprintf(v[3], 48, "%lld", (long long)c.p);
        snprintf(v[4], 48, "%g", c.sigma);
        snprintf(v[5], 48, "%g", c.wd);
        snprintf(v[6], 48, "%llu", (unsigned long long)c.seed);
        snprintf(v[7], 48, "%.3f", mv[r]);
        snprintf(v[8], 48, "%s", pm[r] >= 0.5 ? "memorize" : "generalize");
        snprintf(v[9], 48, "%s", !sb || !isfinite(sb[r]) ? "not measured" : holds ? "holds" : "fails");
        for (int j = 0; j < NH; j++) cells[shown * NH + j] = strdup(v[j]);
        shown++;
    }
    char claim[256], measured[768];
    snprintf(claim, sizeof claim, "A DAE of width p >= n memorizes its n training rows (W_mem, Cor. 3.2); with "
             "n > p it generalizes (W_gen, Cor. 3.3).");
    if (frac)
        snprintf(measured, sizeof measured, "%s >= 0.5 exactly where the theory predicts memorization in %lld of "
                 "%lld cells (%.0f%%); %lld cells depart from the boundary p = n. Def. 3.1 with every row its own "
                 "cluster (beta < 0, what Cor. 3.2 assumes) holds in %lld of %lld cells. By that assumption: of the "
                 "%lld cells with p >= n where it holds, %lld memorize; of the %lld where it fails, %lld do not "
                 "memorize (the departures); of the %lld cells with n > p, %lld generalize.", measure,
                 (long long)agree, (long long)n, n ? 100.0 * agree / n : 0.0, (long long)(n - agree), (long long)sep,
                 (long long)nsep, (long long)mem_sep, (long long)mem_sep_ok, (long long)mem_nosep,
                 (long long)(mem_nosep - mem_nosep_ok), (long long)gen, (long long)gen_ok);
    else
        snprintf(measured, sizeof measured, "%s is not a memorized fraction: no measured boundary is drawn.", measure);
    mg_verdict v = !frac || !n ? MG_VERDICT_NA : agree == n ? MG_VERDICT_PASS
                                                 : 2 * agree >= n ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
    if (st == MG_OK) st = mg_report_claim(rep, claim, measured, v, NULL);
    if (st == MG_OK && frac && mem_sep) { /* Cor. 3.2 judged as stated: where its assumption holds */
        char c2[256], m2[256];
        snprintf(c2, sizeof c2, "Cor. 3.2 where its assumption holds: a DAE of width p >= n on rows that Def. 3.1 "
                 "separates (each row its own cluster) memorizes them.");
        snprintf(m2, sizeof m2, "%s >= 0.5 in %lld of the %lld such cells.", measure, (long long)mem_sep_ok,
                 (long long)mem_sep);
        mg_verdict v2 = mem_sep_ok == mem_sep ? MG_VERDICT_PASS
                        : 2 * mem_sep_ok >= mem_sep ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
        st = mg_report_claim(rep, c2, m2, v2, NULL);
    }
    if (st == MG_OK && shown)
        st = mg_report_table(rep, "Cells whose measured phase (measure >= 0.5: memorizes) is not the predicted one "
                             "(first 60)", NH, head, shown, (const char *const *)cells);
    for (int64_t i = 0; i < shown * NH; i++) free(cells[i]);
    free(cells);
    return st;
}

/* Writes out_dir/index.html (sweep.h). */
mg_status mg_sweep_page(const char *out_dir, const mg_sweep_grid *g, const mg_table *t, const char *measure,
                        mg_sweep_axis x, mg_sweep_axis y) {
    const double *mv = mg_table_col(t, measure);
    if (!mv) return mg_fail(MG_ERR_ARG, "sweep page: '%s' is not a result column", measure);
    if ((int)x < 0 || x >= MG_SWEEP_NAXES || (int)y < 0 || y >= MG_SWEEP_NAXES || x == y)
        return mg_fail(MG_ERR_ARG, "sweep page: the axes must be two different axes");
    if (t->nrows != mg_sweep_cell_count(g)) return mg_fail(MG_ERR_SHAPE, "sweep page: the table is not the grid's");
    int frac = strstr(measure, "mem_frac") != NULL;
    int64_t cells = g->count[x] * g->count[y];
    double *M = mg_alloc((size_t)cells, sizeof(double));
    int *cls = mg_alloc((size_t)cells * 2, sizeof(int));
    mg_report *rep = NULL;
    char *spec = mg_sweep_grid_format(g);
    mg_status st = M && cls && spec ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep page: out of memory");
    if (st == MG_OK) st = aggregate(g, t, mv, x, y, M, cls, cls + cells, frac);
    if (st == MG_OK)
        st = mg_report_create(out_dir, "memgen sweep: the memorization-generalization phase diagram", &rep);
    if (st == MG_OK)
        st = mg_report_intro(rep, "Every cell trains a two-layer ReLU DAE (Eq. 5-6) and/or builds the closed form "
                             "(Theorem 3.1, Cor. 3.2-3.3) on its own data, then measures the memorized fraction of "
                             "generated samples (NN ratio < threshold, literal and up to scale), the representation "
                             "std of training and held-out rows, and the train/test loss ratio. One DAE per cell, "
                             "at the cell's sigma; samples by DDIM with that one model at every level.");
    if (st == MG_OK) st = mg_report_section(rep, "Phase diagram");
    if (st == MG_OK) st = draw(rep, g, measure, x, y, M, cls, cls + cells, frac);
    if (st == MG_OK) st = agreement(rep, g, t, measure, mv, frac);
    if (st == MG_OK) st = mg_report_section(rep, "Grid and files");
    if (st == MG_OK) st = mg_report_code(rep, spec);
    static const char *const files[] = {"results.csv", "results.json", "measures.npy", "timings.csv"};
    if (st == MG_OK) st = mg_report_files(rep, files, 4);
    if (st == MG_OK) st = mg_report_write(rep, "index.html");
    mg_report_free(rep);
    free(M);
    free(cls);
    free(spec);
    return st;
}

/* The page's default measure for the grid's task (sweep.h). */
const char *mg_sweep_default_measure(const mg_sweep_grid *g) {
    return g->task == MG_SWEEP_SOLVE ? "cf_mem_frac_scale" : "tr_mem_frac_scale";
}

/* Assembles dirs and writes the tables and the page into out_dir (sweep.h). */
mg_status mg_sweep_finish(const char *const *dirs, int ndirs, const char *out_dir, const char *measure,
                          const char *x, const char *y, int partial, int64_t *cells, int64_t *missing) {
    if (ndirs < 1 || !out_dir) return mg_fail(MG_ERR_ARG, "sweep: no folder to assemble or to write");
    int ax = mg_sweep_axis_find(x ? x : "n"), ay = mg_sweep_axis_find(y ? y : "p");
    if (ax < 0 || ay < 0 || ax == ay)
        return mg_fail(MG_ERR_ARG, "sweep: the page's axes must be two different axes of n, p, sigma, lambda, seed, "
                       "data (got '%s' and '%s')", x ? x : "n", y ? y : "p");
    if (measure && mg_sweep_column_find(measure) < 0)
        return mg_fail(MG_ERR_ARG, "sweep: '%s' is not a result column (see results.csv)", measure);
    mg_sweep_grid g;
    uint64_t seed;
    MG_TRY(mg_sweep_dir_load(dirs[0], &g, &seed));
    mg_table t, times;
    int64_t miss = 0;
    mg_status st = mg_sweep_assemble(dirs, ndirs, &t, &times, &miss);
    if (st == MG_OK && miss && !partial)
        st = mg_fail(MG_ERR_NOT_FOUND, "%lld of %lld cells are missing (run the missing shards, or --partial)",
                     (long long)miss, (long long)t.nrows);
    if (st == MG_OK) st = mg_sweep_write_tables(out_dir, &t, &times);
    if (st == MG_OK)
        st = mg_sweep_page(out_dir, &g, &t, measure ? measure : mg_sweep_default_measure(&g), (mg_sweep_axis)ax,
                           (mg_sweep_axis)ay);
    if (cells) *cells = mg_sweep_cell_count(&g);
    if (missing) *missing = miss;
    mg_table_free(&t); /* zeroed when mg_sweep_assemble failed */
    mg_table_free(&times);
    mg_sweep_grid_free(&g);
    return st;
}
