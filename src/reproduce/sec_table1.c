/*
 * Section table1 of `memgen reproduce` (paper Table 1, Sec. 4.1, Algorithm 1,
 * App. B.2; issue 7): memorization detection on memgen models. The
 * hybrid-regime experiment of detect.h (mg_table1_run, what `memgen detect
 * --table1` runs): a Gaussian mixture with one abundant mode and a few scarce
 * modes holding one duplicated sample each, a DAE set CONSTRUCTED by Theorem
 * 3.1 / Cor. 3.4 (the duplicates memorised by one column each, the abundant
 * mode generalised), DDIM generations labelled memorized / generalized by the
 * nearest-neighbour ratio, and every detector scored: the spikiness metrics
 * of Algorithm 1 (std first) and the prompt-free baselines (FLIPD/LID, the
 * Jacobian rank, the denoising error, the near-duplicate count) plus the
 * NN-ratio oracle. The experiment is repeated over several seeds to show how
 * stable the numbers are; seed 0 of the section gets the ROC curves and the
 * score histogram.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "repro.h"

#define SEC "table1"
#define AUROC_PASS 0.98   /* issue 7's target for the std detector */
#define TIME_FRACTION 0.5 /* "a fraction of their time": std at most half a baseline's time per sample */
#define MAX_SEEDS 16
#define MAX_ROWS 16

/* The prompt-free baselines std is compared with (the oracle is listed apart). */
static const char *const BASELINES[] = {"flipd", "jacobian", "denoise", "clique"};
#define NBASE 4

/* What is kept of each seed's run. */
typedef struct {
    int64_t n_mem, n_gen, n_amb;
    double frac_mem, seconds;
    double auroc[MAX_ROWS], lo[MAX_ROWS], hi[MAX_ROWS], tpr[MAX_ROWS], usec[MAX_ROWS];
} t1_seed;

/* Index of the detector row named `name` (-1 if absent). */
static int find_row(const mg_detect_bench *b, const char *name) {
    for (int i = 0; i < b->nrows; i++)
        if (!strcmp(b->rows[i].name, name)) return i;
    return -1;
}

/* 1 if the row is one of the baselines above. */
static int is_baseline(const char *name) {
    for (int i = 0; i < NBASE; i++)
        if (!strcmp(name, BASELINES[i])) return 1;
    return 0;
}

/* What kind of detector a row is, for the table. */
static const char *row_kind(const mg_bench_row *r) {
    if (r->needs_train) return "oracle (needs the training data)";
    if (is_baseline(r->name)) return "prompt-free baseline";
    return "spikiness of h (Algorithm 1)";
}

/* Copies the headline numbers of one run. */
static void keep_seed(const mg_table1_result *r, double secs, t1_seed *k) {
    memset(k, 0, sizeof *k);
    k->n_mem = r->bench.n_mem;
    k->n_gen = r->bench.n_gen;
    k->n_amb = r->bench.n_ambiguous;
    k->frac_mem = r->frac_memorized;
    k->seconds = secs;
    for (int i = 0; i < r->bench.nrows && i < MAX_ROWS; i++) {
        const mg_detect_eval *e = &r->bench.rows[i].ev;
        k->auroc[i] = e->auroc;
        k->lo[i] = e->auroc_lo;
        k->hi[i] = e->auroc_hi;
        k->tpr[i] = e->tpr;
        k->usec[i] = 1e6 * e->sec_per_sample;
    }
}

/* The detector table of one run (Table 1's columns). */
static mg_status detector_table(mg_repro_ctx *ctx, const mg_table1_result *r, const char *caption) {
    const mg_detect_bench *b = &r->bench;
    int n = b->nrows;
    char(*cells)[6][64] = calloc((size_t)n, sizeof *cells);
    const char **cp = calloc((size_t)n * 6, sizeof *cp);
    mg_status s = cells && cp ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    for (int i = 0; s == MG_OK && i < n; i++) {
        const mg_detect_eval *e = &b->rows[i].ev;
        snprintf(cells[i][0], 64, "%s", b->rows[i].name);
        snprintf(cells[i][1], 64, "%s", row_kind(&b->rows[i]));
        snprintf(cells[i][2], 64, "%.4f [%.4f, %.4f]", e->auroc, e->auroc_lo, e->auroc_hi);
        snprintf(cells[i][3], 64, "%.4f [%.4f, %.4f]", e->tpr, e->tpr_lo, e->tpr_hi);
        snprintf(cells[i][4], 64, "%.2f", 1e6 * e->sec_per_sample);
        snprintf(cells[i][5], 64, "%.4f", e->seconds);
        for (int j = 0; j < 6; j++) cp[i * 6 + j] = cells[i][j];
    }
    static const char *hdr[6] = {"detector", "kind", "AUROC [95% CI]", "TPR at 1% FPR [95% CI]",
                                 "time per sample (us)", "total seconds"};
    if (s == MG_OK) s = mg_report_table(ctx->rep, caption, 6, hdr, n, cp);
    free(cells);
    free(cp);
    return s;
}

/* The same table as JSON (names and numbers), written beside the page; the
 * wall times, which differ between runs, go to the section's summary.json. */
static mg_status detector_json(mg_repro_ctx *ctx, const mg_table1_result *r, const char *rel) {
    cJSON *a = cJSON_CreateArray();
    mg_status s = a ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    for (int i = 0; s == MG_OK && i < r->bench.nrows; i++) {
        const mg_bench_row *row = &r->bench.rows[i];
        const mg_detect_eval *e = &row->ev;
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            s = mg_fail(MG_ERR_NOMEM, "table1: out of memory");
            break;
        }
        cJSON_AddStringToObject(o, "detector", row->name);
        cJSON_AddStringToObject(o, "kind", row_kind(row));
        cJSON_AddBoolToObject(o, "needs_training_data", row->needs_train);
        cJSON_AddNumberToObject(o, "auroc", e->auroc);
        cJSON_AddNumberToObject(o, "auroc_lo", e->auroc_lo);
        cJSON_AddNumberToObject(o, "auroc_hi", e->auroc_hi);
        cJSON_AddNumberToObject(o, "tpr_at_fpr", e->tpr);
        cJSON_AddNumberToObject(o, "tpr_lo", e->tpr_lo);
        cJSON_AddNumberToObject(o, "tpr_hi", e->tpr_hi);
        cJSON_AddNumberToObject(o, "fpr_target", e->fpr_target);
        cJSON_AddNumberToObject(o, "roc_threshold_at_fpr", isfinite(e->thr_at_fpr) ? e->thr_at_fpr : 1e308);
        cJSON_AddNumberToObject(o, "n_pos", (double)e->n_pos);
        cJSON_AddNumberToObject(o, "n_neg", (double)e->n_neg);
    }
    if (s == MG_OK) s = mg_repro_json(ctx, rel, a);
    cJSON_Delete(a);
    return s;
}

/* Per-sample scores of one run: NN ratio, cosine, label, every detector. */
static mg_status scores_csv(mg_repro_ctx *ctx, const mg_table1_result *r, const char *rel) {
    const mg_detect_bench *b = &r->bench;
    int nc = 4 + b->nrows;
    char header[1024];
    int len = snprintf(header, sizeof header, "generation,nn_ratio,cos_max,memorized");
    for (int i = 0; i < b->nrows; i++)
        len += snprintf(header + len, sizeof header - (size_t)len, ",%s", b->rows[i].name);
    double *idx = malloc((size_t)b->n * sizeof(double)), *lab = malloc((size_t)b->n * sizeof(double));
    const double **cols = malloc((size_t)nc * sizeof *cols);
    mg_status s = idx && lab && cols ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    if (s == MG_OK) {
        for (int64_t i = 0; i < b->n; i++) idx[i] = (double)b->index[i], lab[i] = b->labels[i];
        cols[0] = idx, cols[1] = b->ratio, cols[2] = b->cos_max, cols[3] = lab;
        for (int i = 0; i < b->nrows; i++) cols[4 + i] = b->rows[i].scores;
        s = mg_repro_csv(ctx, rel, header, nc, b->n, cols);
    }
    free(idx);
    free(lab);
    free(cols);
    return s;
}

/* ROC curves of the main detectors (one run), plotted and written as CSV. */
static mg_status roc_plot(mg_repro_ctx *ctx, const mg_table1_result *r, char names[][96], int *nf) {
    static const char *const show[] = {"std", "flipd", "jacobian", "denoise", "clique", "nn_ratio"};
    const mg_detect_bench *b = &r->bench;
    mg_plot *p;
    MG_TRY(mg_plot_create(640, 420, &p));
    mg_status s = MG_OK;
    mg_plot_xlim(p, 0, 1);
    mg_plot_ylim(p, 0, 1.02);
    mg_plot_legend(p, MG_LEGEND_BOTTOM_RIGHT);
    for (int k = 0; k < 6 && s == MG_OK; k++) {
        int i = find_row(b, show[k]);
        if (i < 0) continue;
        double *fpr = NULL, *tpr = NULL, *thr = NULL;
        int64_t np = 0;
        s = mg_roc_curve(b->rows[i].scores, b->labels, b->n, &fpr, &tpr, &thr, &np);
        char label[96];
        snprintf(label, sizeof label, "%s (AUROC %.3f)%s", show[k], b->rows[i].ev.auroc,
                 b->rows[i].needs_train ? ", oracle" : "");
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        st.label = label;
        st.dashed = b->rows[i].needs_train;
        st.width = k == 0 ? 3.0 : 1.8;
        if (s == MG_OK) s = mg_plot_line(p, fpr, tpr, np, &st);
        if (s == MG_OK) {
            snprintf(names[*nf], 96, SEC "/roc_%s.csv", show[k]);
            const double *c[3] = {fpr, tpr, thr};
            s = mg_repro_csv(ctx, names[*nf], "fpr,tpr,threshold", 3, np, c);
            if (s == MG_OK) (*nf)++;
        }
        free(fpr);
        free(tpr);
        free(thr);
    }
    if (s == MG_OK) {
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        st.label = "FPR = 1%";
        st.color = "#777777";
        st.dashed = 1;
        st.width = 1;
        s = mg_plot_vline(p, 0.01, &st);
    }
    return mg_repro_plot_emit(ctx, p, s, "ROC curves of the detectors (seed 0)",
                              "false-positive rate (generalized flagged)", "true-positive rate (memorized flagged)",
                              "ROC curves on the labelled generations of seed 0 (one point per distinct score; ties "
                              "move together). The dashed grey line marks the 1% false-positive rate of the TPR "
                              "column. The NN-ratio oracle is dashed: it defines the labels, so its curve is perfect "
                              "by construction.");
}

/* Histogram of the std scores of memorized vs generalized generations, with
 * the Algorithm-1 threshold calibrated at 1% FPR on the generalized ones. */
static mg_status std_hist(mg_repro_ctx *ctx, const mg_table1_result *r, double *thr_out) {
    const mg_detect_bench *b = &r->bench;
    int i = find_row(b, "std");
    if (i < 0) return mg_fail(MG_ERR_NUMERIC, "table1: the benchmark has no std row");
    const double *sc = b->rows[i].scores;
    double *mem = malloc((size_t)b->n * sizeof(double)), *gen = malloc((size_t)b->n * sizeof(double));
    if (!mem || !gen) {
        free(mem);
        free(gen);
        return mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    }
    int64_t nm = 0, ng = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t j = 0; j < b->n; j++) {
        if (b->labels[j]) mem[nm++] = sc[j];
        else gen[ng++] = sc[j];
        lo = fmin(lo, sc[j]);
        hi = fmax(hi, sc[j]);
    }
    if (!(hi > lo)) hi = lo + 1;
    mg_status s = mg_detect_calibrate(gen, ng, b->rows[i].ev.fpr_target, thr_out);
    mg_plot *p = NULL;
    if (s == MG_OK) s = mg_plot_create(640, 340, &p);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "memorized (NN ratio < 1/3)";
    st.color = "#d62728";
    if (s == MG_OK) s = mg_plot_hist(p, mem, nm, 40, lo, hi, 1, &st, NULL);
    st.label = "generalized (NN ratio >= 1/2, cosine <= 0.9)";
    st.color = "#1f77b4";
    if (s == MG_OK) s = mg_plot_hist(p, gen, ng, 40, lo, hi, 1, &st, NULL);
    mg_plot_style ln = MG_PLOT_STYLE_DEFAULT;
    ln.label = "threshold at 1% FPR";
    ln.color = "#333333";
    ln.dashed = 1;
    if (s == MG_OK) s = mg_plot_vline(p, *thr_out, &ln);
    if (p)
        s = mg_repro_plot_emit(ctx, p, s, "Std(h) of memorized vs generalized generations (seed 0)",
                               "std of the representation h = relu(W1^T x_t) at sigma = 0.2", "density",
                               "Algorithm 1's statistic. The dashed line is the threshold calibrated on these "
                               "generalized generations at 1% FPR (quantile rule of detect.h: the (n-k)-th smallest "
                               "generalized score, k = floor(0.01 n)); generations right of it are flagged as "
                               "memorized.");
    free(mem);
    free(gen);
    return s;
}

/* One detector over the seeds. */
typedef struct {
    double auroc_mean, auroc_min, auroc_max, tpr_mean;
    double usec_median; /* median time per sample (us) */
} t1_over_seeds;

/* Detector row i over the ns kept seeds (ns <= MAX_SEEDS). */
static mg_status over_seeds(const t1_seed *k, int ns, int i, t1_over_seeds *o) {
    double t[MAX_SEEDS];
    o->auroc_mean = 0, o->auroc_min = INFINITY, o->auroc_max = -INFINITY, o->tpr_mean = 0;
    for (int j = 0; j < ns; j++) {
        o->auroc_mean += k[j].auroc[i] / ns;
        o->auroc_min = fmin(o->auroc_min, k[j].auroc[i]);
        o->auroc_max = fmax(o->auroc_max, k[j].auroc[i]);
        o->tpr_mean += k[j].tpr[i] / ns;
        t[j] = k[j].usec[i];
    }
    mg_summary sm;
    MG_TRY(mg_summarize(t, ns, &sm));
    o->usec_median = sm.median;
    return MG_OK;
}

/* The multi-seed table: mean / min / max AUROC, mean TPR, median time. */
static mg_status seeds_table(mg_repro_ctx *ctx, const mg_table1_result *r0, const t1_seed *k, int ns) {
    int n = r0->bench.nrows;
    char(*cells)[6][48] = calloc((size_t)n, sizeof *cells);
    const char **cp = calloc((size_t)n * 6, sizeof *cp);
    mg_status s = cells && cp ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    for (int i = 0; s == MG_OK && i < n; i++) {
        t1_over_seeds o;
        s = over_seeds(k, ns, i, &o);
        snprintf(cells[i][0], 48, "%s", r0->bench.rows[i].name);
        snprintf(cells[i][1], 48, "%.4f", o.auroc_mean);
        snprintf(cells[i][2], 48, "%.4f", o.auroc_min);
        snprintf(cells[i][3], 48, "%.4f", o.auroc_max);
        snprintf(cells[i][4], 48, "%.4f", o.tpr_mean);
        snprintf(cells[i][5], 48, "%.2f", o.usec_median);
        for (int j = 0; j < 6; j++) cp[i * 6 + j] = cells[i][j];
    }
    static const char *hdr[6] = {"detector", "mean AUROC", "min AUROC", "max AUROC", "mean TPR at 1% FPR",
                                 "median time per sample (us)"};
    char cap[256];
    snprintf(cap, sizeof cap, "Stability over %d seeds (each a fresh mixture, construction, generations and "
             "detector noise).", ns);
    if (s == MG_OK) s = mg_report_table(ctx->rep, cap, 6, hdr, n, cp);
    free(cells);
    free(cp);
    return s;
}

/* Per-seed numbers as CSV: one row per seed, the AUROC and TPR of every
 * detector (times, which differ between runs, go to summary.json). Rows are
 * numbered by seed_index j; the seed itself, a 62-bit integer that a CSV of
 * doubles would round, is entry j of config.json's table1 seeds. */
static mg_status seeds_csv(mg_repro_ctx *ctx, const mg_table1_result *r0, const t1_seed *k, int ns, const char *rel) {
    int nr = r0->bench.nrows, nc = 5 + 2 * nr;
    char header[2048];
    int len = snprintf(header, sizeof header, "seed_index,n_memorized,n_generalized,n_ambiguous,frac_memorized");
    for (int i = 0; i < nr; i++)
        len += snprintf(header + len, sizeof header - (size_t)len, ",auroc_%s", r0->bench.rows[i].name);
    for (int i = 0; i < nr; i++)
        len += snprintf(header + len, sizeof header - (size_t)len, ",tpr_%s", r0->bench.rows[i].name);
    double *buf = malloc((size_t)nc * (size_t)ns * sizeof(double)); /* nc columns of ns values */
    const double **cols = malloc((size_t)nc * sizeof *cols);
    mg_status s = buf && cols ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    if (s == MG_OK) {
        for (int c = 0; c < nc; c++) cols[c] = buf + (size_t)c * ns;
        for (int j = 0; j < ns; j++) {
            buf[0 * ns + j] = (double)j;
            buf[1 * ns + j] = (double)k[j].n_mem;
            buf[2 * ns + j] = (double)k[j].n_gen;
            buf[3 * ns + j] = (double)k[j].n_amb;
            buf[4 * ns + j] = k[j].frac_mem;
            for (int i = 0; i < nr; i++) {
                buf[(size_t)(5 + i) * ns + j] = k[j].auroc[i];
                buf[(size_t)(5 + nr + i) * ns + j] = k[j].tpr[i];
            }
        }
        s = mg_repro_csv(ctx, rel, header, nc, ns, cols);
    }
    free(buf);
    free(cols);
    return s;
}

/* The wall times (they differ between runs, so they live in summary.json):
 * per detector, the time per sample of every seed (us) and seed 0's total. */
static mg_status timings_json(cJSON *res, const mg_table1_result *r0, const t1_seed *k, int ns) {
    cJSON *o = cJSON_AddObjectToObject(res, "usec_per_sample_by_seed"), *t = cJSON_AddObjectToObject(res, "seconds_seed0");
    cJSON *w = cJSON_AddArrayToObject(res, "run_seconds_by_seed");
    if (!o || !t || !w) return mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    double v[MAX_SEEDS];
    for (int i = 0; i < r0->bench.nrows; i++) {
        for (int j = 0; j < ns; j++) v[j] = k[j].usec[i];
        cJSON_AddItemToObject(o, r0->bench.rows[i].name, cJSON_CreateDoubleArray(v, ns));
        cJSON_AddNumberToObject(t, r0->bench.rows[i].name, r0->bench.rows[i].ev.seconds);
    }
    for (int j = 0; j < ns; j++) cJSON_AddItemToArray(w, cJSON_CreateNumber(k[j].seconds));
    return MG_OK;
}

/* The three claims of issue 7 / Table 1, with explicit rules. */
static mg_status claims(mg_repro_ctx *ctx, const mg_table1_result *r0, const t1_seed *k, int ns, cJSON *res) {
    const mg_detect_bench *b = &r0->bench;
    int is = find_row(b, "std"), ib[NBASE], ior = find_row(b, "nn_ratio");
    for (int j = 0; j < NBASE; j++)
        if ((ib[j] = find_row(b, BASELINES[j])) < 0) return mg_fail(MG_ERR_NUMERIC, "table1: no %s row", BASELINES[j]);
    if (is < 0) return mg_fail(MG_ERR_NUMERIC, "table1: the benchmark has no std row");
    /* 1: AUROC >= 0.98 on every seed */
    t1_over_seeds os;
    MG_TRY(over_seeds(k, ns, is, &os));
    double mn = os.auroc_min, mean = os.auroc_mean;
    char claim[768], m[1024], note[768];
    snprintf(claim, sizeof claim,
             "Table 1 / issue 7: the std detector of Algorithm 1 reaches AUROC >= %.2f on a hybrid-regime memgen model. "
             "Holds when the AUROC is >= %.2f on every seed; partly when only the mean over seeds is.",
             AUROC_PASS, AUROC_PASS);
    snprintf(m, sizeof m, "Seed 0: AUROC %.4f [%.4f, %.4f] (95%% bootstrap CI), TPR at 1%% FPR %.4f, on %lld memorized "
             "and %lld generalized generations. Over %d seeds: mean %.4f, min %.4f.",
             b->rows[is].ev.auroc, b->rows[is].ev.auroc_lo, b->rows[is].ev.auroc_hi, b->rows[is].ev.tpr,
             (long long)b->n_mem, (long long)b->n_gen, ns, mean, mn);
    mg_verdict v = mn >= AUROC_PASS ? MG_VERDICT_PASS : mean >= AUROC_PASS ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
    MG_TRY(mg_report_claim(ctx->rep, claim, m, v, NULL));
    cJSON_AddNumberToObject(res, "std_auroc_mean", mean);
    cJSON_AddNumberToObject(res, "std_auroc_min", mn);
    cJSON_AddStringToObject(res, "verdict_auroc", mg_verdict_str(v));
    /* 2: beats or ties every prompt-free baseline on every seed */
    int wins = 0, ties = 0, losses = 0;
    char lost[256] = "";
    for (int j = 0; j < ns; j++)
        for (int q = 0; q < NBASE; q++) {
            double a = k[j].auroc[is], o = k[j].auroc[ib[q]];
            if (a >= o) wins++;
            else if (o <= k[j].hi[is]) ties++;
            else {
                losses++;
                size_t l = strlen(lost);
                if (l < sizeof lost - 40)
                    snprintf(lost + l, sizeof lost - l, "%s%s (seed %d)", l ? ", " : "", BASELINES[q], j);
            }
        }
    snprintf(claim, sizeof claim,
             "Table 1: std beats or ties every prompt-free baseline (FLIPD/LID, Jacobian rank, denoising error, "
             "near-duplicate count). Rule, per seed and baseline: a win when std's AUROC is >= the baseline's, a tie "
             "when the baseline's AUROC is inside std's 95%% bootstrap interval; holds when there is no loss.");
    snprintf(m, sizeof m, "%d comparisons (%d seeds x %d baselines): %d wins, %d ties, %d losses%s%s. Seed-0 AUROC: "
             "std %.4f, flipd %.4f, jacobian %.4f, denoise %.4f, clique %.4f.",
             ns * NBASE, ns, NBASE, wins, ties, losses, losses ? ": " : "", lost, b->rows[is].ev.auroc,
             b->rows[ib[0]].ev.auroc, b->rows[ib[1]].ev.auroc, b->rows[ib[2]].ev.auroc, b->rows[ib[3]].ev.auroc);
    snprintf(note, sizeof note,
             "The nearest-neighbour-ratio oracle (AUROC %.4f) is not a competitor: it needs the training data, and the "
             "labels are defined by the same ratio, so it is perfect by construction; it is listed for its cost. The "
             "other spikiness metrics (l4/l2, entropy, max-min, top-1 share, participation ratio) are variants of "
             "Algorithm 1 (App. B.2), not baselines.",
             ior >= 0 ? b->rows[ior].ev.auroc : NAN);
    v = losses == 0 ? MG_VERDICT_PASS : MG_VERDICT_FAIL;
    MG_TRY(mg_report_claim(ctx->rep, claim, m, v, note));
    cJSON_AddNumberToObject(res, "baseline_wins", wins);
    cJSON_AddNumberToObject(res, "baseline_ties", ties);
    cJSON_AddNumberToObject(res, "baseline_losses", losses);
    cJSON_AddStringToObject(res, "verdict_vs_baselines", mg_verdict_str(v));
    /* 3: at a fraction of their time (median over seeds of the time per sample) */
    double med[NBASE + 1];
    for (int q = 0; q <= NBASE; q++) {
        MG_TRY(over_seeds(k, ns, q == 0 ? is : ib[q - 1], &os));
        med[q] = os.usec_median;
    }
    int faster = 0;
    char list[512] = "";
    for (int q = 0; q < NBASE; q++) {
        int ok = med[0] <= TIME_FRACTION * med[q + 1];
        faster += ok;
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s %.2f us (std/baseline %.2f%s)", q ? ", " : "", BASELINES[q],
                 med[q + 1], med[0] / med[q + 1], ok ? "" : ", not a fraction");
    }
    snprintf(claim, sizeof claim,
             "Table 1: std detects at a fraction of the baselines' time. Rule: std's median time per sample over the "
             "seeds is at most %.0f%% of the baseline's; holds for every baseline, partly for some.",
             100 * TIME_FRACTION);
    snprintf(m, sizeof m, "std %.2f us per sample; %s. Measured on this machine (best of the repeats, median over "
             "seeds); it is shared, so times are noisy.", med[0], list);
    snprintf(note, sizeof note,
             "FLIPD is cheap here because the trace of a two-layer ReLU DAE's Jacobian is closed-form "
             "(tr J = tr(W2 D W1^T)) and its score needs one forward pass, like std; the denoising error also costs "
             "one forward pass. On a deep network FLIPD needs Jacobian-vector products, which is where the paper's "
             "time gap comes from. Against the Jacobian rank (an SVD per sample), the near-duplicate graph and the "
             "oracle (nearest neighbours) std is far cheaper.");
    v = mg_repro_at_least(faster, NBASE, 1);
    MG_TRY(mg_report_claim(ctx->rep, claim, m, v, note));
    cJSON_AddNumberToObject(res, "std_usec_per_sample", med[0]);
    for (int q = 0; q < NBASE; q++) {
        char key[48];
        snprintf(key, sizeof key, "%s_usec_per_sample", BASELINES[q]);
        cJSON_AddNumberToObject(res, key, med[q + 1]);
    }
    cJSON_AddStringToObject(res, "verdict_time", mg_verdict_str(v));
    return MG_OK;
}

/* Records the section's settings. */
static mg_status record_settings(mg_repro_ctx *ctx, const mg_table1_params *p, const uint64_t *seeds, int ns) {
    cJSON *o = mg_repro_settings(ctx, SEC);
    if (!o) return mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    cJSON_AddStringToObject(o, "experiment", "mg_table1_run (memgen detect --table1)");
    MG_TRY(mg_table1_params_json(p, 1, o));
    cJSON_AddNumberToObject(o, "auroc_pass", AUROC_PASS);
    cJSON_AddNumberToObject(o, "time_fraction", TIME_FRACTION);
    cJSON *a = cJSON_AddArrayToObject(o, "seeds");
    for (int j = 0; a && j < ns; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)seeds[j]);
        cJSON_AddItemToArray(a, cJSON_CreateString(buf));
    }
    cJSON_AddStringToObject(o, "seed_rule", "seed j = mg_rng_below(stream table1/j, 2^62)");
    return a ? MG_OK : mg_fail(MG_ERR_NOMEM, "table1: out of memory");
}

/* Section table1: detectors on the hybrid-regime model over several seeds. */
mg_status mg_repro_table1(mg_repro_ctx *ctx) {
    mg_table1_params p = MG_TABLE1_PARAMS_DEFAULT;
    p.n_gen = mg_repro_pick(ctx, 200, 1000, 1000);
    p.bench.bootstrap = (int)mg_repro_pick(ctx, 50, 200, 1000);
    p.bench.repeats = (int)mg_repro_pick(ctx, 1, 3, 3);
    int ns = (int)mg_repro_pick(ctx, 1, 5, 10);
    uint64_t seeds[MAX_SEEDS];
    for (int j = 0; j < ns; j++) {
        mg_rng r = mg_repro_rng(ctx, SEC, (uint64_t)j);
        seeds[j] = mg_rng_below(&r, (uint64_t)1 << 62);
    }
    MG_TRY(record_settings(ctx, &p, seeds, ns));
    MG_TRY(mg_report_paragraphf(
        ctx->rep,
        "Paper (Table 1, Sec. 4.1): the standard deviation of an intermediate representation, Std(h) with "
        "h = h(x_t) at a small noise level (Algorithm 1), separates memorized from generalized generations better "
        "and faster than prompt-free baselines (AUROC 0.987-0.998 on SD 1.4, DiT and EDM). memgen runs the same "
        "comparison on its own hybrid-regime model (Cor. 3.4, App. A.4): a Gaussian mixture in d = %lld with %d "
        "abundant mode of %lld samples (covariance rank %lld, decay %.2g) and %lld scarce modes holding one sample "
        "repeated %lld times each (means on a regular simplex, |mu| = %.3g); a DAE set constructed by Theorem 3.1 at "
        "%d noise levels (sigma %.3g .. %.3g, p = %lld), the duplicated samples memorised by one column each; %lld "
        "DDIM generations, labelled memorized when their nearest-neighbour ratio d1/d2 against the deduplicated "
        "training set is < 1/3 and generalized when it is >= 1/2 with largest cosine <= 0.9 (the rest are dropped "
        "as ambiguous, like the 0.5-0.9 similarity band of App. B.2). Every detector scores the same labelled "
        "generations; std, the denoising error and the other spikiness metrics at x_t = x + 0.2 eps, FLIPD and the "
        "Jacobian rank at the clean x, the near-duplicate count among all generations. AUROC is exact (midranks); "
        "TPR at 1%% FPR is the largest TPR among ROC points whose FPR is <= 1%%, with no interpolation between "
        "points (the conservative step rule); intervals are 95%% stratified percentile bootstraps (%d resamples). "
        "Times are wall time per scored sample, best of %d repeats. The experiment runs on %d seed(s); each seed is "
        "reproduced by `memgen detect --table1 --n-gen %lld --seed S` with S from config.json.",
        (long long)p.d, p.modes, (long long)p.per_mode, (long long)p.cov_rank, p.cov_rate, (long long)p.dup_count,
        (long long)p.dup_times, p.mean_scale, p.levels, p.sigma_min, p.sigma_max, (long long)p.hidden,
        (long long)p.n_gen, p.bench.bootstrap, p.bench.repeats, ns, (long long)p.n_gen));
    t1_seed kept[MAX_SEEDS];
    mg_table1_result r0;
    memset(&r0, 0, sizeof r0);
    mg_status s = MG_OK;
    for (int j = 0; j < ns && s == MG_OK; j++) {
        char det[96];
        snprintf(det, sizeof det, "hybrid regime and detectors, seed %d of %d", j + 1, ns);
        mg_repro_step(ctx, det, 0.9 * j / ns);
        mg_table1_result r;
        double t = mg_now();
        s = mg_table1_run(&p, seeds[j], &r);
        if (s != MG_OK) {
            s = mg_fail_context(s, "table1: seed %d (%llu)", j, (unsigned long long)seeds[j]);
            break;
        }
        if (r.bench.nrows > MAX_ROWS) s = mg_fail(MG_ERR_NUMERIC, "table1: %d detectors (at most %d)", r.bench.nrows, MAX_ROWS);
        if (s == MG_OK) keep_seed(&r, mg_now() - t, &kept[j]);
        if (j == 0 && s == MG_OK) r0 = r;
        else mg_table1_free(&r);
    }
    mg_repro_step(ctx, "writing the table", 0.9);
    char names[16][96];
    int nf = 0;
    cJSON *res = mg_repro_results(ctx, SEC);
    if (s == MG_OK && !res) s = mg_fail(MG_ERR_NOMEM, "table1: out of memory");
    if (s == MG_OK) {
        char cap[512];
        snprintf(cap, sizeof cap,
                 "Seed 0: %lld training rows (%lld clusters, %lld rank-1), %lld generations of which %lld memorized, "
                 "%lld generalized and %lld ambiguous (dropped); %.1f%% of all generations are memorized.",
                 (long long)r0.n_train, (long long)r0.clusters, (long long)r0.rank1_clusters, (long long)p.n_gen,
                 (long long)r0.bench.n_mem, (long long)r0.bench.n_gen, (long long)r0.bench.n_ambiguous,
                 100 * r0.frac_memorized);
        s = detector_table(ctx, &r0, cap);
    }
    if (s == MG_OK) {
        snprintf(names[nf], 96, SEC "/detectors_seed0.json");
        s = detector_json(ctx, &r0, names[nf]);
        if (s == MG_OK) nf++;
    }
    if (s == MG_OK) {
        snprintf(names[nf], 96, SEC "/scores_seed0.csv");
        s = scores_csv(ctx, &r0, names[nf]);
        if (s == MG_OK) nf++;
    }
    if (s == MG_OK && ns > 1) s = seeds_table(ctx, &r0, kept, ns);
    if (s == MG_OK) {
        snprintf(names[nf], 96, SEC "/seeds.csv");
        s = seeds_csv(ctx, &r0, kept, ns, names[nf]);
        if (s == MG_OK) nf++;
    }
    if (s == MG_OK) s = roc_plot(ctx, &r0, names, &nf);
    double thr = NAN;
    if (s == MG_OK) s = std_hist(ctx, &r0, &thr);
    if (s == MG_OK) s = claims(ctx, &r0, kept, ns, res);
    if (s == MG_OK) {
        cJSON_AddNumberToObject(res, "seeds", ns);
        cJSON_AddNumberToObject(res, "std_auroc_seed0", kept[0].auroc[find_row(&r0.bench, "std")]);
        cJSON_AddNumberToObject(res, "std_threshold_1pct_fpr_seed0", thr);
        cJSON_AddNumberToObject(res, "frac_memorized_seed0", r0.frac_memorized);
        cJSON_AddNumberToObject(res, "n_memorized_seed0", (double)r0.bench.n_mem);
        cJSON_AddNumberToObject(res, "n_generalized_seed0", (double)r0.bench.n_gen);
        s = timings_json(res, &r0, kept, ns);
    }
    if (s == MG_OK) {
        const char *fp[16];
        for (int i = 0; i < nf; i++) fp[i] = names[i];
        s = mg_repro_files(ctx, fp, nf);
    }
    if (s == MG_OK) s = mg_repro_summary_file(ctx, SEC);
    mg_table1_free(&r0);
    return s;
}
