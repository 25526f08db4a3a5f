/*
 * Section fig3 of `memgen reproduce` (paper Fig. 3, App. B.1, issue 6):
 * sampling with the memorizing and the generalizing DAE sets as diffusion
 * models (deterministic DDIM over the sets' own sigma grid), next to the
 * empirical optimal denoiser f_emp (Eq. 3) of the memorizing training set,
 * the "fully memorizing" reference. Each set's generations are measured
 * against its own training set (nearest-neighbour ratio d1/d2 < 1/3, largest
 * cosine; memorization.h); held-out test rows measured against the
 * generalizing training set give the reference of genuinely new samples.
 * In-distribution checks: for the MoG the log-density of the true mixture
 * smoothed to the grid's lowest noise level (mg_mog_logpdf), for
 * Fashion-MNIST the distance to the nearest training image, each compared
 * with the held-out rows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/denoiser.h"
#include "memgen/memorization.h"
#include "memgen/repr.h"
#include "memgen/sampler.h"
#include "repro.h"

#define SEC "fig3"
#define RATIO_THRESHOLD (1.0 / 3.0) /* Gu et al.: memorized when d1/d2 < 1/3 */
#define MEM_PASS 0.9                /* memorized fraction a memorizing model must reach */
#define DIR_COS 0.95                /* cosine of a copy up to scale */
#define MEM_PARTIAL 0.5
#define GEN_PASS 0.1                /* memorized fraction a generalizing model may reach */
#define GEN_PARTIAL 0.3
#define INSIDE_PASS 0.9             /* share of generations inside the held-out range */
#define INSIDE_PARTIAL 0.5
#define NRUNS 4

/* One set of samples and its measures. */
typedef struct {
    const char *key;   /* file prefix part: "mem", "emp", "gen", "test" */
    const char *label; /* legend and table text */
    mg_mat train;      /* the training rows the samples are measured against (borrowed) */
    mg_mat S;          /* n x d samples (owned, except "test": borrowed) */
    int owned;
    mg_memratio mr;
    double *norm;      /* n: |x| */
    double *logp;      /* MoG only (n): log-density of the true mixture smoothed to sigma_min */
    double *maha;      /* MoG only (n): squared Mahalanobis distance to the nearest mode (same smoothing) */
    double *mode;      /* MoG only (n): that mode */
    double *axis;      /* MoG only (n): x . mu_k / |mu_k| along the nearest mode's mean */
    double seconds;    /* sampling wall time */
} f3_run;

/* Frees a run's arrays. */
static void run_free(f3_run *r) {
    if (r->owned) free(r->S.data);
    mg_memratio_free(&r->mr);
    free(r->norm);
    free(r->logp);
    free(r->maha);
    free(r->mode);
    free(r->axis);
    memset(r, 0, sizeof *r);
}

/* Draws r->S.rows samples with DDIM over ctx->sigmas from den, seeded by
 * stream k of the section; progress `detail` over [f0, f1] of the section. */
static mg_status draw(mg_repro_ctx *ctx, const mg_denoiser *den, uint64_t k, const char *detail, double f0, double f1,
                      f3_run *r) {
    mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
    sp.kind = MG_SAMPLER_DDIM;
    sp.sigmas = ctx->sigmas;
    sp.nsigmas = ctx->nsigmas;
    mg_repro_progress_slot slot;
    mg_repro_sample_progress(ctx, &slot, detail, f0, f1, &sp);
    mg_rng rng = mg_repro_rng(ctx, SEC, k);
    double t = mg_now();
    mg_status s = mg_sample(den, &sp, &rng, r->S);
    r->seconds = mg_now() - t;
    return s;
}

/* The memorization measures and norms of a run and, for the MoG, the
 * smoothed log-density, the nearest mode by Mahalanobis distance, that
 * distance and the coordinate along the mode's mean. */
static mg_status measure(const mg_repro_data *d, double sigma_min, f3_run *r) {
    MG_TRY(mg_memratio_compute(r->S, r->train, RATIO_THRESHOLD, &r->mr));
    int64_t n = r->S.rows, D = d->d, K = d->mog.K;
    MG_TRY(mg_repro_row_norms(r->S, &r->norm));
    if (!d->has_mog) return MG_OK;
    r->logp = mg_alloc((size_t)n, sizeof(double));
    r->maha = mg_alloc((size_t)n, sizeof(double));
    r->mode = mg_alloc((size_t)n, sizeof(double));
    r->axis = mg_alloc((size_t)n, sizeof(double));
    double *m2 = mg_alloc((size_t)(n * K), sizeof(double)); /* n x K squared Mahalanobis distances */
    double *mm = mg_alloc((size_t)K, sizeof(double));        /* K: |mu_k|^2 */
    mg_status s = r->logp && r->maha && r->mode && r->axis && m2 && mm ? MG_OK
                                                                        : mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    if (s == MG_OK) s = mg_mog_logpdf(&d->mog, r->S, sigma_min, r->logp, m2);
    for (int64_t k = 0; k < K && s == MG_OK; k++) {
        const double *mu = d->mog.means + k * D;
        double q = 0;
        for (int64_t j = 0; j < D; j++) q += mu[j] * mu[j];
        mm[k] = q;
    }
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        int64_t b = 0;
        for (int64_t k = 1; k < K; k++)
            if (m2[i * K + k] < m2[i * K + b]) b = k;
        r->mode[i] = (double)b;
        r->maha[i] = m2[i * K + b];
        const double *mu = d->mog.means + b * D;
        double dot = 0;
        for (int64_t j = 0; j < D; j++) dot += r->S.data[i * r->S.ld + j] * mu[j];
        r->axis[i] = mm[b] > 0 ? dot / sqrt(mm[b]) : 0.0;
    }
    free(m2);
    free(mm);
    return s;
}

/* Writes a run's samples (.npy) and per-sample measures (.csv); appends the
 * two file names to files[*nf]. */
static mg_status write_run(mg_repro_ctx *ctx, const mg_repro_data *d, const f3_run *r, char names[][96], int *nf) {
    int64_t n = r->S.rows;
    if (r->owned) {
        snprintf(names[*nf], 96, SEC "/%s_%s_samples.npy", d->name, r->key);
        MG_TRY(mg_repro_npy(ctx, names[*nf], r->S.data, n, r->S.cols));
        (*nf)++;
    }
    double *ix[4] = {NULL}; /* n each: nn1, nn2, memorized, cos_idx as doubles */
    mg_status s = MG_OK;
    for (int j = 0; j < 4 && s == MG_OK; j++)
        if (!(ix[j] = mg_alloc((size_t)(n > 0 ? n : 1), sizeof(double)))) s = mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        ix[0][i] = (double)r->mr.nn1[i];
        ix[1][i] = (double)r->mr.nn2[i];
        ix[2][i] = (double)r->mr.memorized[i];
        ix[3][i] = (double)r->mr.cos_idx[i];
    }
    if (s == MG_OK) {
        const double *c[13] = {r->mr.ratio, r->mr.d1, r->mr.d2, ix[0], ix[1], ix[2], r->mr.cos_max, ix[3],
                               r->norm, r->logp, r->maha, r->mode, r->axis};
        snprintf(names[*nf], 96, SEC "/%s_%s_measures.csv", d->name, r->key);
        s = mg_repro_csv(ctx, names[*nf],
                         d->has_mog ? "ratio,d1,d2,nn1,nn2,memorized,cos_max,cos_idx,norm,logp_smoothed,"
                                      "mahalanobis2_nearest,nearest_mode,mean_axis_coord"
                                    : "ratio,d1,d2,nn1,nn2,memorized,cos_max,cos_idx,norm",
                         d->has_mog ? 13 : 9, n, c);
        if (s == MG_OK) (*nf)++;
    }
    for (int j = 0; j < 4; j++) free(ix[j]);
    return s;
}

/* Overlaid histograms of one per-sample column of every run. */
static mg_status hist_plot(mg_repro_ctx *ctx, const f3_run *runs, int nr, const double *const *vals, double lo0,
                           double hi0, const double vline[2], const char *vlabel, int ylog, const char *title,
                           const char *xlabel, const char *caption) {
    double lo = lo0, hi = hi0, mn = INFINITY, mx = -INFINITY; /* NaN ends: the data's range over every series */
    for (int i = 0; i < nr; i++)
        for (int64_t j = 0; j < runs[i].S.rows; j++)
            if (isfinite(vals[i][j])) mn = fmin(mn, vals[i][j]), mx = fmax(mx, vals[i][j]);
    if (isnan(lo)) lo = mn;
    if (isnan(hi)) hi = mx;
    if (!(hi > lo)) hi = lo + 1;
    mg_plot *p;
    MG_TRY(mg_plot_create(640, 340, &p));
    mg_status s = MG_OK;
    mg_plot_ylog(p, ylog);
    for (int i = 0; i < nr && s == MG_OK; i++) {
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        st.label = runs[i].label;
        s = mg_plot_hist(p, vals[i], runs[i].S.rows, 30, lo, hi, 1, &st, NULL);
    }
    for (int k = 0; k < 2 && s == MG_OK && vline; k++)
        if (isfinite(vline[k])) {
            mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
            st.label = k ? NULL : vlabel;
            st.color = "#555555";
            st.dashed = 1;
            s = mg_plot_vline(p, vline[k], &st);
        }
    return mg_repro_plot_emit(ctx, p, s, title, xlabel, ylog ? "density (log)" : "density", caption);
}

/* Fashion-MNIST grid: rows of generations, each followed by the row of their
 * nearest training images. */
static mg_status nn_grid(mg_repro_ctx *ctx, const mg_repro_data *d, const f3_run *r) {
    int64_t dd = d->d;
    int ncols = r->S.rows < 8 ? (int)r->S.rows : 8;
    int pairs = ncols > 0 ? (int)(r->S.rows / ncols) : 0;
    if (pairs > 2) pairs = 2;
    if (pairs < 1) return MG_OK;
    int64_t n = (int64_t)2 * pairs * ncols;
    float *G = mg_alloc((size_t)(n * dd), sizeof(float)); /* n x d grid rows */
    if (!G) return mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    for (int pr = 0; pr < pairs; pr++)
        for (int c = 0; c < ncols; c++) {
            int64_t i = (int64_t)pr * ncols + c;
            memcpy(G + ((int64_t)(2 * pr) * ncols + c) * dd, r->S.data + i * r->S.ld, (size_t)dd * sizeof(float));
            memcpy(G + ((int64_t)(2 * pr + 1) * ncols + c) * dd, r->train.data + r->mr.nn1[i] * r->train.ld,
                   (size_t)dd * sizeof(float));
        }
    char rel[96], cap[256];
    snprintf(rel, sizeof rel, SEC "/%s_%s_grid.png", d->name, r->key);
    snprintf(cap, sizeof cap,
             "%s: the first %d generations (rows 1 and 3) and, below each, its nearest training image (rows 2 and 4); "
             "d1/d2 < 1/3 marks a copy.", r->label, pairs * ncols);
    mg_status s = mg_repro_image_grid(ctx, d, rel, G, n, ncols, cap);
    free(G);
    return s;
}

/* One table row of a run. */
static void table_row(char cells[][40], const f3_run *r) {
    snprintf(cells[0], 40, "%s", r->label);
    snprintf(cells[1], 40, "%lld", (long long)r->train.rows);
    snprintf(cells[2], 40, "%lld", (long long)r->S.rows);
    snprintf(cells[3], 40, "%.3f", r->mr.frac_memorized);
    snprintf(cells[4], 40, "%lld", (long long)r->mr.distinct_memorized);
    snprintf(cells[5], 40, "%.3f", r->mr.median_ratio);
    snprintf(cells[6], 40, "%.3f", r->mr.mean_cos_max);
    if (isnan(r->mr.frac_near_duplicate)) snprintf(cells[7], 40, "n/a");
    else snprintf(cells[7], 40, "%.3f", r->mr.frac_near_duplicate);
    if (r->owned) snprintf(cells[8], 40, "%.2f", r->seconds);
    else cells[8][0] = '\0';
}

/* The in-distribution comparison of the generalizing set's samples with the
 * held-out rows. MoG: squared Mahalanobis distance to the nearest mode (true
 * mixture smoothed to sigma_min) at most the held-out 95% quantile, i.e. a
 * density at least as high as 95% of real samples. Images: distance to the
 * nearest training image AND norm both inside the held-out 5-95% ranges
 * (two-sided: dim or blurred outputs sit unusually close to the training set
 * without being copies). Fills the text, the share inside and the reference
 * lines of the plots (lines[0..3]: MoG q95; images d1 q05, q95, norm q05, q95). */
static mg_status in_distribution(const mg_repro_data *d, const f3_run *gen, const f3_run *test, double sigma_min,
                                 char *text, size_t len, double *inside, double lines[4], cJSON *res) {
    int64_t n = gen->S.rows, c = 0;
    mg_summary sg, st, ng, nt;
    MG_TRY(mg_summarize(gen->norm, n, &ng));
    MG_TRY(mg_summarize(test->norm, test->S.rows, &nt));
    if (d->has_mog) {
        mg_summary ag, at;
        MG_TRY(mg_summarize(gen->maha, n, &sg));
        MG_TRY(mg_summarize(test->maha, test->S.rows, &st));
        MG_TRY(mg_summarize(gen->axis, n, &ag));
        MG_TRY(mg_summarize(test->axis, test->S.rows, &at));
        lines[0] = st.q95, lines[1] = NAN;
        double m0 = 0;
        for (int64_t i = 0; i < n; i++) c += gen->maha[i] <= st.q95, m0 += gen->mode[i] == 0.0;
        *inside = (double)c / (double)n;
        m0 /= (double)n;
        snprintf(text, len,
                 "%.1f%% of the generalizing set's generations are within the held-out samples' 95%% quantile of "
                 "squared Mahalanobis distance to the nearest mode (%.4g; true mixture smoothed to sigma = %.3g); "
                 "median %.4g (generations) vs %.4g (held-out). Coordinate along the nearest mode's mean direction "
                 "(|mu| = 5): median %.3g vs %.3g; norm %.3g vs %.3g. Nearest mode: %.0f%% mode 1, %.0f%% mode 2.",
                 100 * *inside, st.q95, sigma_min, sg.median, st.median, ag.median, at.median, ng.median, nt.median,
                 100 * m0, 100 * (1 - m0));
        cJSON_AddNumberToObject(res, "gen_median_mahalanobis2", sg.median);
        cJSON_AddNumberToObject(res, "test_median_mahalanobis2", st.median);
        cJSON_AddNumberToObject(res, "test_q95_mahalanobis2", st.q95);
        cJSON_AddNumberToObject(res, "gen_median_mean_axis", ag.median);
        cJSON_AddNumberToObject(res, "test_median_mean_axis", at.median);
        cJSON_AddNumberToObject(res, "gen_mode1_share", m0);
    } else {
        MG_TRY(mg_summarize(gen->mr.d1, n, &sg));
        MG_TRY(mg_summarize(test->mr.d1, test->S.rows, &st));
        lines[0] = st.q05, lines[1] = st.q95, lines[2] = nt.q05, lines[3] = nt.q95;
        int64_t cd = 0, cn = 0;
        for (int64_t i = 0; i < n; i++) {
            int a = gen->mr.d1[i] >= st.q05 && gen->mr.d1[i] <= st.q95;
            int b = gen->norm[i] >= nt.q05 && gen->norm[i] <= nt.q95;
            cd += a, cn += b, c += a && b;
        }
        *inside = (double)c / (double)n;
        snprintf(text, len,
                 "%.1f%% of the generalizing set's generations are inside both held-out ranges (%.1f%% by distance "
                 "to the nearest training image, [%.3g, %.3g]; %.1f%% by norm, [%.3g, %.3g]). Medians, generations "
                 "vs held-out test images: distance to the nearest training image %.3g vs %.3g, norm %.3g vs %.3g.",
                 100 * *inside, 100.0 * cd / n, st.q05, st.q95, 100.0 * cn / n, nt.q05, nt.q95, sg.median, st.median,
                 ng.median, nt.median);
        cJSON_AddNumberToObject(res, "gen_median_nn_dist", sg.median);
        cJSON_AddNumberToObject(res, "test_median_nn_dist", st.median);
    }
    cJSON_AddNumberToObject(res, "gen_median_norm", ng.median);
    cJSON_AddNumberToObject(res, "test_median_norm", nt.median);
    cJSON_AddNumberToObject(res, "gen_inside_share", *inside);
    return MG_OK;
}

/* The page part of one dataset, after its runs are measured. */
static mg_status report_dataset(mg_repro_ctx *ctx, const mg_repro_data *d, f3_run *runs, char names[][96], int nf) {
    double smin = ctx->sigmas[0];
    cJSON *res = cJSON_AddObjectToObject(mg_repro_results(ctx, SEC), d->name);
    if (!res) return mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    char cells[NRUNS][9][40];
    const char *cp[NRUNS * 9];
    for (int i = 0; i < NRUNS; i++) {
        table_row(cells[i], &runs[i]);
        for (int j = 0; j < 9; j++) cp[i * 9 + j] = cells[i][j];
    }
    static const char *hdr[9] = {"denoiser / rows", "training rows", "samples", "memorized (d1/d2 < 1/3)",
                                 "distinct training rows copied", "median d1/d2", "mean max cosine",
                                 "near-duplicates among samples", "sampling seconds"};
    MG_TRY(mg_report_table(ctx->rep,
                           "Memorization measures of each set of samples against its own training set. The last row "
                           "is the reference of genuinely new samples: held-out test rows measured against the "
                           "generalizing training set.",
                           9, hdr, NRUNS, cp));
    const double *ratios[NRUNS], *coss[NRUNS], *d1s[NRUNS], *norms[NRUNS];
    double *lm[NRUNS] = {NULL}; /* MoG: log10 of the squared Mahalanobis distance */
    for (int i = 0; i < NRUNS; i++) {
        ratios[i] = runs[i].mr.ratio;
        coss[i] = runs[i].mr.cos_max;
        d1s[i] = runs[i].mr.d1;
        norms[i] = runs[i].norm;
    }
    char title[160];
    snprintf(title, sizeof title, "%s: nearest-neighbour ratio of samples", d->name);
    double thr[2] = {RATIO_THRESHOLD, NAN};
    MG_TRY(hist_plot(ctx, runs, NRUNS, ratios, 0.0, 1.0, thr, "threshold 1/3", 0, title,
                     "d1 / d2 (distance to nearest / second-nearest training row)",
                     "Memorized samples sit left of the threshold (a near copy of one training row); new samples "
                     "have d1/d2 near 1."));
    snprintf(title, sizeof title, "%s: largest cosine to a training row", d->name);
    MG_TRY(hist_plot(ctx, runs, NRUNS, coss, NAN, 1.0, NULL, NULL, 1, title,
                     "max cosine similarity to the training set", "A copy of a training row has cosine 1 (log scale: "
                     "f_emp's copies pile up in the last bin)."));
    char measured[1024];
    double inside, lines[4];
    MG_TRY(in_distribution(d, &runs[2], &runs[3], smin, measured, sizeof measured, &inside, lines, res));
    if (d->has_mog) {
        mg_status s = MG_OK;
        for (int i = 0; i < NRUNS && s == MG_OK; i++) {
            if (!(lm[i] = mg_alloc((size_t)runs[i].S.rows, sizeof(double)))) s = mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
            for (int64_t j = 0; lm[i] && j < runs[i].S.rows; j++) lm[i][j] = log10(runs[i].maha[j]);
        }
        double l95[2] = {log10(lines[0]), NAN};
        snprintf(title, sizeof title, "%s: distance to the nearest mode (true mixture)", d->name);
        const double *lmc[NRUNS] = {lm[0], lm[1], lm[2], lm[3]};
        if (s == MG_OK)
            s = hist_plot(ctx, runs, NRUNS, lmc, NAN, NAN, l95, "held-out 95% quantile", 0, title,
                          "log10 squared Mahalanobis distance to the nearest mode (covariance + sigma_min^2 I)",
                          "In-distribution check: generations should sit where held-out samples do (left of the "
                          "dashed line).");
        for (int i = 0; i < NRUNS; i++) free(lm[i]);
        MG_TRY(s);
    } else {
        snprintf(title, sizeof title, "%s: distance to the nearest training image", d->name);
        MG_TRY(hist_plot(ctx, runs, NRUNS, d1s, 0.0, NAN, lines, "held-out 5% and 95% quantiles", 0, title,
                         "Euclidean distance to the nearest training image (d1)",
                         "In-distribution check: generations should be about as far from the training set as "
                         "held-out test images (between the dashed lines); copies sit at 0."));
        snprintf(title, sizeof title, "%s: image norm", d->name);
        MG_TRY(hist_plot(ctx, runs, NRUNS, norms, 0.0, NAN, lines + 2, "held-out 5% and 95% quantiles", 0, title,
                         "Euclidean norm of the image", "Brightness check: generations should be as bright as "
                         "held-out images (between the dashed lines)."));
        MG_TRY(mg_repro_image_grid(ctx, d, SEC "/fmnist_mem_train.png", d->mem.data, d->mem.rows, (int)d->mem.rows,
                                   "The memorizing training set (5 images)."));
        for (int i = 0; i < 3; i++) MG_TRY(nn_grid(ctx, d, &runs[i]));
    }
    const char *fp[16];
    for (int i = 0; i < nf; i++) fp[i] = names[i];
    MG_TRY(mg_repro_files(ctx, fp, nf));
    /* claims */
    char claim[512], m[768];
    snprintf(claim, sizeof claim,
             "Fig. 3 (left), Cor. 3.2: sampling with a memorizing DAE set (%s, n = %lld, p = %lld >= n) reproduces "
             "training samples. Holds when at least %.0f%% of samples are copies (d1/d2 < 1/3); partly at %.0f%%.",
             d->name, (long long)d->mem.rows, (long long)d->mem_params.hidden, 100 * MEM_PASS, 100 * MEM_PARTIAL);
    snprintf(m, sizeof m, "%.1f%% of %lld samples are copies (distinct training rows copied: %lld of %lld); median "
             "d1/d2 %.3f; mean max cosine %.4f.",
             100 * runs[0].mr.frac_memorized, (long long)runs[0].S.rows, (long long)runs[0].mr.distinct_memorized,
             (long long)d->mem.rows, runs[0].mr.median_ratio, runs[0].mr.mean_cos_max);
    MG_TRY(mg_report_claim(ctx->rep, claim, m, mg_repro_at_least(runs[0].mr.frac_memorized, MEM_PASS, MEM_PARTIAL),
                           NULL));
    /* the same claim up to scale: a bias-free set is positively homogeneous, so DDIM from N(0, sigma_max^2 I)
     * fixes a sample's norm by the initial noise, not by the data (tests/test_set_train.c checks the identity
     * sample(c sigmas) = c sample(sigmas)); a stored direction then comes out as a scaled copy */
    int64_t dir_copies = 0;
    double norm_med_s, norm_med_x;
    double *xn;
    MG_TRY(mg_repro_row_norms(d->mem, &xn));
    for (int64_t i = 0; i < runs[0].S.rows; i++) dir_copies += runs[0].mr.cos_max[i] >= DIR_COS;
    mg_summary sx, ss;
    mg_status sst = mg_summarize(xn, d->mem.rows, &sx);
    free(xn);
    MG_TRY(sst);
    MG_TRY(mg_summarize(runs[0].norm, runs[0].S.rows, &ss));
    norm_med_x = sx.median;
    norm_med_s = ss.median;
    double dir_share = (double)dir_copies / (double)runs[0].S.rows;
    snprintf(claim, sizeof claim,
             "Fig. 3 (left), up to scale: the memorizing set's samples point along training samples (the cosine "
             "similarity to the nearest training sample, the authors' notebook measure, is at least %.2f). Holds "
             "when at least %.0f%% of samples do; partly at %.0f%%.",
             DIR_COS, 100 * MEM_PASS, 100 * MEM_PARTIAL);
    snprintf(m, sizeof m, "%.1f%% of %lld samples have cosine >= %.2f with a training sample; median sample norm "
             "%.3g vs median training-row norm %.3g.",
             100 * dir_share, (long long)runs[0].S.rows, DIR_COS, norm_med_s, norm_med_x);
    MG_TRY(mg_report_claim(ctx->rep, claim, m, mg_repro_at_least(dir_share, MEM_PASS, MEM_PARTIAL),
                           "A bias-free ReLU DAE is positively homogeneous (f(cx) = c f(x)), and so is DDIM with a set "
                           "of them: a sample's scale is set by the initial noise N(0, sigma_max^2 I), not by the "
                           "data. Memorized directions therefore come out as scaled copies, which the distance ratio "
                           "above does not count; superpositions of several stored samples also persist, since no "
                           "step makes the active units compete."));
    cJSON_AddNumberToObject(mg_repro_results(ctx, SEC), d->has_mog ? "mog_mem_direction_copies" : "fmnist_mem_direction_copies", dir_share);
    snprintf(claim, sizeof claim,
             "Reference (Eq. 3): the empirical optimal denoiser f_emp of the same %lld training rows is the fully "
             "memorizing model: its samples are copies (at least %.0f%%).",
             (long long)d->mem.rows, 100 * MEM_PASS);
    snprintf(m, sizeof m, "%.1f%% of %lld samples are copies; median d1/d2 %.3g; mean max cosine %.4f.",
             100 * runs[1].mr.frac_memorized, (long long)runs[1].S.rows, runs[1].mr.median_ratio,
             runs[1].mr.mean_cos_max);
    MG_TRY(mg_report_claim(ctx->rep, claim, m, mg_repro_at_least(runs[1].mr.frac_memorized, MEM_PASS, MEM_PARTIAL),
                           NULL));
    snprintf(claim, sizeof claim,
             "Fig. 3 (right), Cor. 3.3: a generalizing DAE set (n = %lld, p = %lld << n) produces new samples: at most "
             "%.0f%% copies (partly: at most %.0f%%).",
             (long long)d->gen.rows, (long long)d->gen_params.hidden, 100 * GEN_PASS, 100 * GEN_PARTIAL);
    snprintf(m, sizeof m, "%.1f%% of %lld samples are copies (held-out test rows: %.1f%%); median d1/d2 %.3f "
             "(held-out: %.3f); near-duplicates among the samples %.1f%%.",
             100 * runs[2].mr.frac_memorized, (long long)runs[2].S.rows, 100 * runs[3].mr.frac_memorized,
             runs[2].mr.median_ratio, runs[3].mr.median_ratio, 100 * runs[2].mr.frac_near_duplicate);
    MG_TRY(mg_report_claim(ctx->rep, claim, m, mg_repro_at_most(runs[2].mr.frac_memorized, GEN_PASS, GEN_PARTIAL),
                           NULL));
    snprintf(claim, sizeof claim,
             "Sec. 3.2: the generalizing set's new samples are in-distribution. Holds when at least %.0f%% of them fall "
             "inside the held-out samples' range (%s); partly at %.0f%%.",
             100 * INSIDE_PASS,
             d->has_mog ? "squared Mahalanobis distance to the nearest mode of the true mixture at most the held-out "
                          "95% quantile"
                        : "distance to the nearest training image and image norm both within the held-out 5-95% "
                          "quantiles",
             100 * INSIDE_PARTIAL);
    mg_verdict v = mg_repro_at_least(inside, INSIDE_PASS, INSIDE_PARTIAL);
    char note[1024];
    snprintf(note, sizeof note, "%s%s",
             d->has_mog ? "One-sided (a density check): samples concentrated near a mode count as inside; the "
                          "near-duplicate rate above guards against collapse."
                        : "A proxy (no density is known for images): look at the grid too.",
             v == MG_VERDICT_PASS ? ""
             : " Reading: the samples stop short of the data along its mean direction (see the coordinate along "
               "the mean / the norm). Bias-free blocks (Cor. 3.3) model a mode by its second moment "
               "S_k = mu_k mu_k^T + Sigma_k, like a zero-mean Gaussian gated by the ReLU, so each denoiser shrinks the "
               "coordinate along mu_k instead of pulling it to |mu_k|; started from N(0, sigma_max^2 I) with "
               "sigma_max = 2, below the data's scale along that direction, DDIM ends near the scale of the initial "
               "noise.");
    MG_TRY(mg_report_claim(ctx->rep, claim, measured, v, note));
    for (int i = 0; i < NRUNS; i++) {
        cJSON *o = cJSON_AddObjectToObject(res, runs[i].key);
        if (!o) return mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
        cJSON_AddNumberToObject(o, "training_rows", (double)runs[i].train.rows);
        cJSON_AddNumberToObject(o, "samples", (double)runs[i].S.rows);
        cJSON_AddNumberToObject(o, "memorized", runs[i].mr.frac_memorized);
        cJSON_AddNumberToObject(o, "distinct_copied", (double)runs[i].mr.distinct_memorized);
        cJSON_AddNumberToObject(o, "median_ratio", runs[i].mr.median_ratio);
        cJSON_AddNumberToObject(o, "mean_cos_max", runs[i].mr.mean_cos_max);
        if (!isnan(runs[i].mr.frac_near_duplicate))
            cJSON_AddNumberToObject(o, "near_duplicate", runs[i].mr.frac_near_duplicate);
        if (runs[i].owned) cJSON_AddNumberToObject(o, "sampling_seconds", runs[i].seconds);
    }
    return MG_OK;
}

/* Samples, measures and reports one dataset. */
static mg_status run_dataset(mg_repro_ctx *ctx, int di, int64_t nsamp, int64_t nref) {
    mg_repro_data *d = &ctx->data[di];
    double span = 1.0 / ctx->ndata, base = di * span;
    MG_TRY(mg_report_subsection(ctx->rep, d->title));
    MG_TRY(mg_report_paragraphf(
        ctx->rep,
        "%lld samples from each of: the memorizing set (%lld training rows, p = %lld), f_emp (Eq. 3) of the same "
        "rows, and the generalizing set (%lld training rows, p = %lld); deterministic DDIM (x <- f + (s'/s)(x - f)) "
        "over the sets' %d noise levels from sigma = %.3g down to %.3g, then x = f(x). %lld held-out test rows give "
        "the reference of new samples.",
        (long long)nsamp, (long long)d->mem.rows, (long long)d->mem_params.hidden, (long long)d->gen.rows,
        (long long)d->gen_params.hidden, ctx->nsigmas, ctx->sigmas[ctx->nsigmas - 1], ctx->sigmas[0], (long long)nref));
    f3_run runs[NRUNS];
    memset(runs, 0, sizeof runs);
    static const char *keys[NRUNS] = {"mem", "emp", "gen", "test"};
    static const char *labels[NRUNS] = {"memorizing set", "f_emp (Eq. 3)", "generalizing set", "held-out test rows"};
    mg_denoiser dens[3];
    memset(dens, 0, sizeof dens);
    mg_status s = mg_denoiser_daeset(&d->mem_set, MG_LEVEL_NEAREST, &dens[0]);
    if (s == MG_OK) s = mg_denoiser_emp(d->mem, &dens[1]);
    if (s == MG_OK) s = mg_denoiser_daeset(&d->gen_set, MG_LEVEL_NEAREST, &dens[2]);
    for (int i = 0; i < NRUNS && s == MG_OK; i++) {
        f3_run *r = &runs[i];
        r->key = keys[i];
        r->label = labels[i];
        r->train = i < 2 ? d->mem : d->gen;
        if (i == 3) {
            r->S = d->test;
            if (r->S.rows > nref) r->S.rows = nref;
        } else {
            r->S = (mg_mat){nsamp, d->d, d->d, mg_alloc((size_t)(nsamp * d->d), sizeof(float))};
            r->owned = 1;
            if (!r->S.data) s = mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
            char det[128];
            snprintf(det, sizeof det, "%s: sampling with the %s", d->name, labels[i]);
            if (s == MG_OK)
                s = draw(ctx, &dens[i], (uint64_t)(3 * di + i), det, base + span * (0.05 + 0.25 * i),
                         base + span * (0.25 + 0.25 * i), r);
        }
        if (s == MG_OK) {
            char det[128];
            snprintf(det, sizeof det, "%s: measuring the %s", d->name, labels[i]);
            mg_repro_step(ctx, det, base + span * (0.25 + 0.25 * i));
            s = measure(d, ctx->sigmas[0], r);
        }
    }
    for (int i = 0; i < 3; i++) mg_denoiser_free(&dens[i]);
    char names[16][96];
    int nf = 0;
    for (int i = 0; i < NRUNS && s == MG_OK; i++) s = write_run(ctx, d, &runs[i], names, &nf);
    if (s == MG_OK) s = report_dataset(ctx, d, runs, names, nf);
    for (int i = 0; i < NRUNS; i++) run_free(&runs[i]);
    return s;
}

/* Section fig3: samples of the memorizing vs generalizing sets. */
mg_status mg_repro_fig3(mg_repro_ctx *ctx) {
    int64_t nsamp = mg_repro_pick(ctx, 12, 300, 1000), nref = mg_repro_pick(ctx, 40, 500, 2000);
    cJSON *set = mg_repro_settings(ctx, SEC);
    if (!set) return mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    cJSON_AddNumberToObject(set, "samples_per_model", (double)nsamp);
    cJSON_AddNumberToObject(set, "heldout_reference_rows", (double)nref);
    cJSON_AddStringToObject(set, "sampler", "ddim");
    cJSON_AddStringToObject(set, "level_mode", "nearest");
    cJSON_AddNumberToObject(set, "ratio_threshold", RATIO_THRESHOLD);
    cJSON_AddNumberToObject(set, "logp_sigma", ctx->sigmas[0]);
    cJSON_AddStringToObject(set, "rng_streams", "fig3/k, k = 3 * dataset + {0: memorizing, 1: f_emp, 2: generalizing}");
    MG_TRY(mg_report_paragraph(
        ctx->rep,
        "Paper (Fig. 3, Sec. 3.1-3.2): sampling with a set of memorizing ReLU DAEs reproduces training images, while "
        "a set of generalizing DAEs produces novel images that belong to the data distribution. memgen samples with "
        "the shared DAE sets and measures every sample against the training set the set was trained on: a sample is "
        "a copy when its distance to the nearest training row is under a third of its distance to the second-nearest "
        "(Gu et al. 2023)."));
    for (int di = 0; di < ctx->ndata; di++) MG_TRY(run_dataset(ctx, di, nsamp, nref));
    MG_TRY(mg_report_subsection(ctx->rep, "All numbers"));
    return mg_repro_summary_file(ctx, SEC);
}
