/*
 * Section fig5 of `memgen reproduce` (paper Fig. 5, Cor. 3.2-3.3, Sec. 3.1):
 * representations h = relu(W1^T x_t), x_t = x + 0.2 eps (seeded), of
 * training samples under the memorizing and the generalizing sigma = 0.2
 * DAEs. Memorizing model: each training sample lights up its own stored
 * column (a nearly one-hot, spiky h with a high std over units);
 * generalizing model: h spread over a block of units (balanced, low std).
 * The memorizing set has only a handful of rows, so each is drawn with many
 * noise draws. Separation is measured by the AUROC of each spikiness metric
 * (repr.h) between the two groups and by the ratio of medians; the std over
 * units is not scale-free and the two models have different widths p, so
 * the verdict also requires the scale-free top-1 share to separate them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/repr.h"
#include "repro.h"

#define SEC "fig5"
#define SIGMA 0.2
#define AUROC_PASS 0.9 /* separation required of std and of top-1 share */

/* The metrics shown (repr.h order is MG_SPIKE_*). */
static const mg_spike_metric SHOWN[4] = {MG_SPIKE_STD, MG_SPIKE_TOP1, MG_SPIKE_L4L2, MG_SPIKE_NEGPR};

/* One group: the representations of its rows and every metric of each row. */
typedef struct {
    mg_mat H;       /* n x p representations (owned) */
    double *metric; /* MG_SPIKE_COUNT x n: metric m of row i at [m * n + i] (owned) */
} f5_group;

/* Frees a group. */
static void group_free(f5_group *g) {
    free(g->H.data), free(g->metric);
    memset(g, 0, sizeof *g);
}

/* Representations at sigma = 0.2 of the rows X under a set (noise stream k
 * of the section) and all their metrics. */
static mg_status represent(mg_repro_ctx *ctx, const mg_daeset *set, mg_mat X, uint64_t k, f5_group *g) {
    int lv = mg_daeset_nearest(set, SIGMA);
    int64_t n = X.rows, p = mg_dae_hidden(set->levels[lv]);
    g->H = (mg_mat){n, p, p, mg_alloc((size_t)(n * p), sizeof(float))};
    g->metric = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double));
    double *sc = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double)); /* n x MG_SPIKE_COUNT, as computed */
    mg_status s = g->H.data && g->metric && sc ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    mg_rng rng = mg_repro_rng(ctx, SEC, k);
    if (s == MG_OK) s = mg_repr_set(set, X, SIGMA, &rng, g->H, NULL);
    if (s == MG_OK) s = mg_spikiness_all(g->H, sc);
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        for (int m = 0; m < MG_SPIKE_COUNT; m++) g->metric[m * n + i] = sc[i * MG_SPIKE_COUNT + m];
    free(sc);
    return s;
}

/* Metric m of every row of a group (n values). */
static const double *metric_of(const f5_group *g, mg_spike_metric m) {
    return g->metric + (int64_t)m * g->H.rows;
}

/* AUROC of metric m, memorizing group positive, and both medians. */
static mg_status separation(const f5_group *a, const f5_group *b, mg_spike_metric m, double *auc, double *med_a,
                            double *med_b) {
    int64_t na = a->H.rows, nb = b->H.rows, n = na + nb;
    double *s = mg_alloc((size_t)n, sizeof(double));
    int *lab = mg_alloc((size_t)n, sizeof(int));
    mg_status st = s && lab ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    if (st == MG_OK) {
        memcpy(s, metric_of(a, m), (size_t)na * sizeof(double));
        memcpy(s + na, metric_of(b, m), (size_t)nb * sizeof(double));
    }
    for (int64_t i = 0; i < n && st == MG_OK; i++) lab[i] = i < na;
    mg_summary sa, sb;
    if (st == MG_OK) st = mg_auroc(s, lab, n, auc);
    if (st == MG_OK) st = mg_summarize(s, na, &sa);
    if (st == MG_OK) st = mg_summarize(s + na, nb, &sb);
    if (st == MG_OK) *med_a = sa.median, *med_b = sb.median;
    free(s), free(lab);
    return st;
}

/* Overlaid histograms of metric m of the two groups. */
static mg_status hist(mg_repro_ctx *ctx, const mg_repro_data *d, const f5_group *g, mg_spike_metric m,
                      const char *xlabel, const char *caption) {
    const double *a = metric_of(&g[0], m), *b = metric_of(&g[1], m);
    int64_t na = g[0].H.rows, nb = g[1].H.rows;
    mg_plot *p = NULL;
    mg_status s = mg_plot_create(620, 320, &p);
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < na + nb; i++) {
        double v = i < na ? a[i] : b[i - na];
        lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    }
    if (!(hi > lo)) hi = lo + 1;
    char title[160];
    snprintf(title, sizeof title, "%s: %s of representations (sigma = 0.2)", d->name, mg_spike_metric_name(m));
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "memorizing DAE, its training samples";
    st.color = "#d62728";
    if (s == MG_OK) s = mg_plot_hist(p, a, na, 40, lo, hi, 1, &st, NULL);
    st.label = "generalizing DAE, its training samples";
    st.color = "#1f77b4";
    if (s == MG_OK) s = mg_plot_hist(p, b, nb, 40, lo, hi, 1, &st, NULL);
    return mg_repro_plot_emit(ctx, p, s, title, xlabel, "density", caption);
}

/* Bar chart of the p activations of one representation row. */
static mg_status bars(mg_repro_ctx *ctx, const mg_repro_data *d, const float *h, int64_t p, const char *who,
                      const char *color, const char *caption) {
    char(*nm)[24] = mg_alloc((size_t)p, sizeof *nm);
    const char **np = mg_alloc((size_t)p, sizeof *np);
    double *v = mg_alloc((size_t)p, sizeof(double));
    mg_plot *pl = NULL;
    mg_status s = nm && np && v ? mg_plot_create(620, 280, &pl) : mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    int every = p <= 16 ? 1 : p <= 40 ? 5 : 10;
    for (int64_t j = 0; j < p && s == MG_OK; j++) {
        if (j % every == 0) snprintf(nm[j], 24, "%lld", (long long)j);
        else nm[j][0] = '\0';
        np[j] = nm[j];
        v[j] = h[j];
    }
    char title[160];
    snprintf(title, sizeof title, "%s: h of one training sample, %s", d->name, who);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "activation";
    st.color = color;
    if (pl) mg_plot_legend(pl, MG_LEGEND_NONE);
    if (s == MG_OK) s = mg_plot_categories(pl, np, (int)p);
    if (s == MG_OK) s = mg_plot_bars(pl, v, (int)p, &st);
    free(nm), free(np), free(v);
    return mg_repro_plot_emit(ctx, pl, s, title, "hidden unit", "relu(W1^T x_t)", caption);
}

/* The row of the generalizing group to show beside the memorizing group's
 * row 0: the same sample when the memorizing rows are part of the
 * generalizing training set (Fashion-MNIST), else the first generalizing row
 * of the same class / mode. */
static int64_t partner_row(const mg_repro_data *d, int *same) {
    const float *x0 = d->mem.data;
    *same = 1;
    for (int64_t i = 0; i < d->gen.rows; i++)
        if (!memcmp(d->gen.data + i * d->gen.ld, x0, (size_t)d->d * sizeof(float))) return i;
    *same = 0;
    for (int64_t i = 0; i < d->gen.rows; i++)
        if (d->gen_labels[i] == d->mem_labels[0]) return i;
    return 0;
}

/* Files of one dataset: per-row metrics of both groups, the two single rows. */
static mg_status write_files(mg_repro_ctx *ctx, const mg_repro_data *d, const f5_group *g, const float *h0,
                             int64_t p0, const float *h1, int64_t p1, char names[][96], int *nf) {
    static const char *gname[2] = {"mem", "gen"};
    for (int k = 0; k < 2; k++) {
        const double *cols[MG_SPIKE_COUNT];
        char hdr[160] = "";
        for (int m = 0; m < MG_SPIKE_COUNT; m++) {
            cols[m] = metric_of(&g[k], (mg_spike_metric)m);
            strcat(hdr, m ? "," : "");
            strcat(hdr, mg_spike_metric_name((mg_spike_metric)m));
        }
        snprintf(names[*nf], 96, SEC "/%s_%s_train_metrics.csv", d->name, gname[k]);
        MG_TRY(mg_repro_csv(ctx, names[*nf], hdr, MG_SPIKE_COUNT, g[k].H.rows, cols));
        (*nf)++;
    }
    snprintf(names[*nf], 96, SEC "/%s_single_h_mem.npy", d->name);
    MG_TRY(mg_repro_npy(ctx, names[(*nf)++], h0, 1, p0));
    snprintf(names[*nf], 96, SEC "/%s_single_h_gen.npy", d->name);
    MG_TRY(mg_repro_npy(ctx, names[(*nf)++], h1, 1, p1));
    return MG_OK;
}

/* One dataset: both groups, plots, table, claims. */
static mg_status run_dataset(mg_repro_ctx *ctx, int di, int64_t n) {
    const mg_repro_data *d = &ctx->data[di];
    MG_TRY(mg_report_subsection(ctx->rep, d->title));
    f5_group g[2];
    memset(g, 0, sizeof g);
    int same;
    int64_t ng = n < d->gen.rows ? n : d->gen.rows, j1 = partner_row(d, &same);
    mg_mat xm, xg = d->gen; /* the memorizing rows cycled to n rows (owned); the first ng generalizing rows */
    xg.rows = ng;
    mg_status s = mg_repro_cycle_rows(d->mem, n, &xm);
    if (s == MG_OK) s = represent(ctx, &d->mem_set, xm, (uint64_t)(2 * di), &g[0]);
    free(xm.data);
    if (s == MG_OK) s = represent(ctx, &d->gen_set, xg, (uint64_t)(2 * di + 1), &g[1]);
    int64_t pm = g[0].H.cols, pg = g[1].H.cols;
    /* the single sample under the generalizing model: its own row (noise of row j1) */
    float *h1 = mg_alloc((size_t)pg, sizeof(float));
    if (s == MG_OK && !h1) s = mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    if (s == MG_OK) {
        if (j1 < ng) memcpy(h1, g[1].H.data + j1 * pg, (size_t)pg * sizeof(float));
        else {
            mg_mat x1 = {1, d->d, d->d, d->gen.data + j1 * d->gen.ld}, h = {1, pg, pg, h1};
            mg_rng r = mg_repro_rng(ctx, SEC, (uint64_t)(2 * di + 1));
            const double sigma = SIGMA;
            s = mg_repr_multi(&d->gen_set, x1, &sigma, 1, &r, j1, h); /* row j1's noise, as in the group */
        }
    }
    double auc[4], ma[4], mb[4];
    for (int k = 0; k < 4 && s == MG_OK; k++) s = separation(&g[0], &g[1], SHOWN[k], &auc[k], &ma[k], &mb[k]);
    char names[8][96];
    const char *np[8];
    int nf = 0;
    if (s == MG_OK) s = write_files(ctx, d, g, g[0].H.data, pm, h1, pg, names, &nf);
    if (s == MG_OK)
        s = hist(ctx, d, g, MG_SPIKE_STD, "std of h over hidden units (Algorithm 1's score)",
                 "Fig. 5 (top): std of the representation over units, training samples of each model.");
    if (s == MG_OK)
        s = hist(ctx, d, g, MG_SPIKE_TOP1, "top-1 share max|h_i| / sum|h_i| (scale-free; 1 = one-hot)",
                 "The same rows by a scale-free spikiness: the share of the largest unit.");
    char cap[320];
    double std0 = NAN, top0 = NAN; /* the memorizing group's row 0 */
    if (s == MG_OK) std0 = metric_of(&g[0], MG_SPIKE_STD)[0], top0 = metric_of(&g[0], MG_SPIKE_TOP1)[0];
    double std1 = mg_spikiness(h1, pg, MG_SPIKE_STD), top1 = mg_spikiness(h1, pg, MG_SPIKE_TOP1);
    snprintf(cap, sizeof cap, "Fig. 5 (bottom): memorizing DAE (p = %lld), training sample 1 plus 0.2 eps: std %.3g, "
             "top-1 share %.2f.", (long long)pm, std0, top0);
    if (s == MG_OK) s = bars(ctx, d, g[0].H.data, pm, "memorizing DAE", "#d62728", cap);
    snprintf(cap, sizeof cap, "Generalizing DAE (p = %lld), %s: std %.3g, top-1 share %.2f.", (long long)pg,
             same ? "the same training sample (it is in both training sets)"
                 : "a training sample of the same mode (the two training sets are disjoint)",
             std1, top1);
    if (s == MG_OK) s = bars(ctx, d, h1, pg, "generalizing DAE", "#1f77b4", cap);
    char cells[4][5][32];
    const char *cp[20];
    for (int k = 0; k < 4 && s == MG_OK; k++) {
        snprintf(cells[k][0], 32, "%s", mg_spike_metric_name(SHOWN[k]));
        snprintf(cells[k][1], 32, "%.4g", ma[k]);
        snprintf(cells[k][2], 32, "%.4g", mb[k]);
        snprintf(cells[k][3], 32, "%.3g", mb[k] != 0 ? ma[k] / mb[k] : NAN);
        snprintf(cells[k][4], 32, "%.4f", auc[k]);
        for (int j = 0; j < 5; j++) cp[k * 5 + j] = cells[k][j];
    }
    static const char *hdr[5] = {"metric (higher = spikier)", "median, memorizing", "median, generalizing",
                                 "ratio of medians", "AUROC (memorizing positive)"};
    if (s == MG_OK)
        s = mg_report_table(ctx->rep,
                            "Spikiness of training-sample representations under the two models (negpr = minus the "
                            "participation ratio, the effective number of active units).",
                            5, hdr, 4, cp);
    for (int i = 0; i < nf; i++) np[i] = names[i];
    if (s == MG_OK) s = mg_repro_files(ctx, np, nf);
    if (s == MG_OK) {
        char claim[640], meas[640];
        snprintf(claim, sizeof claim,
                 "Fig. 5 (top): representations of training samples are spiky (high std) under the memorizing DAE "
                 "and balanced under the generalizing DAE. The two models have different widths (p = %lld vs %lld) "
                 "and std over units is not scale-free, so the claim holds when both the std (the paper's metric) "
                 "and the scale-free top-1 share separate the groups with AUROC >= %.2f; partly when one does.",
                 (long long)pm, (long long)pg, AUROC_PASS);
        snprintf(meas, sizeof meas,
                 "AUROC of std %.4f (median %.3g vs %.3g, ratio %.2f); AUROC of top-1 share %.4f (median %.3f vs "
                 "%.3f); %lld memorizing rows (%lld samples x noise draws) vs %lld generalizing training rows.",
                 auc[0], ma[0], mb[0], ma[0] / mb[0], auc[1], ma[1], mb[1], (long long)n, (long long)d->mem.rows,
                 (long long)ng);
        int ok = (auc[0] >= AUROC_PASS) + (auc[1] >= AUROC_PASS);
        mg_verdict v = mg_repro_at_least(ok, 2, 1);
        s = mg_report_claim(ctx->rep, claim, meas, v,
                            "The verdict rests on both metrics; std alone also reflects the models' different "
                            "weight and activation scales.");
        snprintf(claim, sizeof claim,
                 "Fig. 5 (bottom): for a single training sample, the memorizing DAE shows a large outlier activation "
                 "(higher std and top-1 share) and the generalizing DAE a more balanced representation. Holds when "
                 "both are higher under the memorizing model.");
        snprintf(meas, sizeof meas, "memorizing: std %.3g, top-1 share %.3f; generalizing: std %.3g, top-1 share %.3f.",
                 std0, top0, std1, top1);
        int both = (std0 > std1) + (top0 > top1);
        if (s == MG_OK)
            s = mg_report_claim(ctx->rep, claim, meas,
                                mg_repro_at_least(both, 2, 1), NULL);
    }
    cJSON *r = s == MG_OK ? cJSON_AddObjectToObject(mg_repro_results(ctx, SEC), d->name) : NULL;
    if (s == MG_OK && !r) s = mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    for (int k = 0; k < 4 && s == MG_OK; k++) {
        cJSON *o = cJSON_AddObjectToObject(r, mg_spike_metric_name(SHOWN[k]));
        if (!o) s = mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
        else {
            cJSON_AddNumberToObject(o, "auroc", auc[k]);
            cJSON_AddNumberToObject(o, "median_mem", ma[k]);
            cJSON_AddNumberToObject(o, "median_gen", mb[k]);
        }
    }
    if (s == MG_OK) {
        cJSON_AddNumberToObject(r, "single_std_mem", std0);
        cJSON_AddNumberToObject(r, "single_std_gen", std1);
        cJSON_AddNumberToObject(r, "single_top1_mem", top0);
        cJSON_AddNumberToObject(r, "single_top1_gen", top1);
    }
    free(h1);
    group_free(&g[0]), group_free(&g[1]);
    return s;
}

/* Section fig5: spiky vs balanced representations. */
mg_status mg_repro_fig5(mg_repro_ctx *ctx) {
    int64_t n = mg_repro_pick(ctx, 40, 1000, 5000);
    cJSON *set = mg_repro_settings(ctx, SEC);
    if (!set) return mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    cJSON_AddNumberToObject(set, "sigma", SIGMA);
    cJSON_AddNumberToObject(set, "rows_per_group", (double)n);
    cJSON_AddNumberToObject(set, "auroc_pass", AUROC_PASS);
    cJSON_AddStringToObject(set, "rng_streams", "fig5/k, k = 2 * dataset + {0: memorizing, 1: generalizing}");
    MG_TRY(mg_report_paragraphf(
        ctx->rep,
        "Paper (Fig. 5, Sec. 3.1): memorized and generalized samples are separated by the standard deviation of their "
        "representations; memorizing models produce spiky, high-std features (Cor. 3.2: h(x_i + sigma eps) is nearly "
        "one-hot, r_i x_i^T (x_i + sigma eps) at x_i's own column), generalizing models balanced ones. memgen "
        "computes h = relu(W1^T (x + 0.2 eps)) with the sigma = 0.2 DAEs of the shared sets for %lld rows per model: "
        "the memorizing set's few training samples, each under many noise draws, and the generalizing set's first "
        "training rows. Std uses the n - 1 denominator (torch.std), over the hidden units.",
        (long long)n));
    for (int di = 0; di < ctx->ndata; di++) {
        mg_repro_step(ctx, ctx->data[di].name, (double)di / ctx->ndata);
        MG_TRY(run_dataset(ctx, di, n));
    }
    MG_TRY(mg_report_subsection(ctx->rep, "All numbers"));
    return mg_repro_summary_file(ctx, SEC);
}
