/*
 * Experiment fig3 (memgen/experiment/fig3.h; paper Fig. 3, App. B.1):
 * samples of the memorizing set, of f_emp (Eq. 3) and of the generalizing
 * set by deterministic DDIM, and the held-out test rows, each measured
 * against its training set (nearest-neighbour ratio, largest cosine, norm;
 * for the mixture its smoothed true density), the memorizing samples' copies
 * up to scale, the in-distribution check of the generalizing samples, and
 * for images the grids of generations over their nearest training images.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/denoiser.h"
#include "memgen/experiment/fig3.h"
#include "memgen/memorization.h"
#include "memgen/repr.h"
#include "memgen/sampler.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig3_params, samples_per_model, MG_FIELD_I64, "samples drawn from each model"),
    MG_FIELD(mg_exp_fig3_params, heldout_reference_rows, MG_FIELD_I64, "held-out rows measured (at most)"),
    MG_FIELD(mg_exp_fig3_params, ratio_threshold, MG_FIELD_F64, "a copy when d1/d2 < this (Gu et al.)"),
    MG_FIELD(mg_exp_fig3_params, direction_cosine, MG_FIELD_F64, "a copy up to scale at largest cosine >= this"),
};

#define SET_FIELDS(s)                                                                                                 \
    MG_FIELD_AS(mg_exp_fig3_result, s.training_rows, #s ".training_rows", MG_FIELD_I64, "training rows measured against"), \
        MG_FIELD_AS(mg_exp_fig3_result, s.samples, #s ".samples", MG_FIELD_I64, "rows measured"),                     \
        MG_FIELD_AS(mg_exp_fig3_result, s.memorized, #s ".memorized", MG_FIELD_F64, "share of copies (d1/d2)"),        \
        MG_FIELD_AS(mg_exp_fig3_result, s.distinct_copied, #s ".distinct_copied", MG_FIELD_I64,                       \
                    "distinct training rows copied"),                                                                 \
        MG_FIELD_AS(mg_exp_fig3_result, s.median_ratio, #s ".median_ratio", MG_FIELD_F64, "median d1/d2"),             \
        MG_FIELD_AS(mg_exp_fig3_result, s.mean_cos_max, #s ".mean_cos_max", MG_FIELD_F64,                             \
                    "mean largest cosine to a training row"),                                                         \
        MG_FIELD_AS(mg_exp_fig3_result, s.near_duplicate, #s ".near_duplicate", MG_FIELD_F64,                         \
                    "share of near-duplicates among the rows"),                                                       \
        MG_FIELD_AS(mg_exp_fig3_result, s.sampling_seconds, #s ".sampling_seconds", MG_FIELD_F64,                     \
                    "sampling wall time (NaN: not sampled)")

static const mg_field RESULT_FIELDS[] = {
    SET_FIELDS(mem),
    SET_FIELDS(emp),
    SET_FIELDS(gen),
    SET_FIELDS(test),
    MG_FIELD(mg_exp_fig3_result, logp_sigma, MG_FIELD_F64, "smoothing of the mixture's density (lowest sigma)"),
    MG_FIELD(mg_exp_fig3_result, mem_direction_copies, MG_FIELD_F64,
             "share of memorizing samples with largest cosine >= direction_cosine"),
    MG_FIELD(mg_exp_fig3_result, mem_median_norm, MG_FIELD_F64, "median norm of the memorizing set's samples"),
    MG_FIELD(mg_exp_fig3_result, mem_train_median_norm, MG_FIELD_F64, "median norm of its training rows"),
    MG_FIELD(mg_exp_fig3_result, gen_inside_share, MG_FIELD_F64, "share of generalizing samples inside the held-out range"),
    MG_FIELD(mg_exp_fig3_result, gen_median_norm, MG_FIELD_F64, "median norm of the generalizing samples"),
    MG_FIELD(mg_exp_fig3_result, test_median_norm, MG_FIELD_F64, "median norm of the held-out rows"),
    MG_FIELD(mg_exp_fig3_result, gen_median_mahalanobis2, MG_FIELD_F64,
             "MoG: median squared Mahalanobis distance to the nearest mode, generalizing samples"),
    MG_FIELD(mg_exp_fig3_result, test_median_mahalanobis2, MG_FIELD_F64, "MoG: the same, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, test_q95_mahalanobis2, MG_FIELD_F64, "MoG: its 95% quantile, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, gen_median_mean_axis, MG_FIELD_F64,
             "MoG: median coordinate along the nearest mode's mean, generalizing samples"),
    MG_FIELD(mg_exp_fig3_result, test_median_mean_axis, MG_FIELD_F64, "MoG: the same, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, gen_mode1_share, MG_FIELD_F64, "MoG: share of generalizing samples nearest mode 1"),
    MG_FIELD(mg_exp_fig3_result, gen_median_nn_dist, MG_FIELD_F64,
             "images: median distance to the nearest training image, generalizing samples"),
    MG_FIELD(mg_exp_fig3_result, test_median_nn_dist, MG_FIELD_F64, "images: the same, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, test_q05_nn_dist, MG_FIELD_F64, "images: its 5% quantile, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, test_q95_nn_dist, MG_FIELD_F64, "images: its 95% quantile, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, test_q05_norm, MG_FIELD_F64, "images: 5% quantile of the held-out norms"),
    MG_FIELD(mg_exp_fig3_result, test_q95_norm, MG_FIELD_F64, "images: 95% quantile of the held-out norms"),
    MG_FIELD(mg_exp_fig3_result, gen_inside_nn_dist_share, MG_FIELD_F64,
             "images: share of generalizing samples inside the distance range"),
    MG_FIELD(mg_exp_fig3_result, gen_inside_norm_share, MG_FIELD_F64,
             "images: share of generalizing samples inside the norm range"),
    MG_FIELD(mg_exp_fig3_result, grid_samples, MG_FIELD_I64, "images: generations shown per grid"),
    MG_FIELD(mg_exp_fig3_result, mem_samples, MG_FIELD_ARRAY, "samples of the memorizing set"),
    MG_FIELD(mg_exp_fig3_result, mem_measures, MG_FIELD_TABLE, "per-sample measures, memorizing set"),
    MG_FIELD(mg_exp_fig3_result, emp_samples, MG_FIELD_ARRAY, "samples of f_emp"),
    MG_FIELD(mg_exp_fig3_result, emp_measures, MG_FIELD_TABLE, "per-sample measures, f_emp"),
    MG_FIELD(mg_exp_fig3_result, gen_samples, MG_FIELD_ARRAY, "samples of the generalizing set"),
    MG_FIELD(mg_exp_fig3_result, gen_measures, MG_FIELD_TABLE, "per-sample measures, generalizing set"),
    MG_FIELD(mg_exp_fig3_result, test_measures, MG_FIELD_TABLE, "per-row measures, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, sets, MG_FIELD_TABLE, "the four summaries"),
    MG_FIELD(mg_exp_fig3_result, mem_train, MG_FIELD_ARRAY, "images: the memorizing training rows"),
    MG_FIELD(mg_exp_fig3_result, mem_grid, MG_FIELD_ARRAY, "images: memorizing samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, emp_grid, MG_FIELD_ARRAY, "images: f_emp samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, gen_grid, MG_FIELD_ARRAY,
             "images: generalizing samples over their nearest training images"),
};

enum { NSETS = 4 };
static const char *const KEYS[NSETS] = {"mem", "emp", "gen", "test"};
static const char *const LABELS[NSETS] = {"memorizing set", "f_emp (Eq. 3)", "generalizing set", "held-out test rows"};

/* Library defaults. */
mg_exp_fig3_params mg_exp_fig3_defaults(void) {
    mg_exp_fig3_params p = {300, 500, 1.0 / 3.0, 0.95};
    return p;
}

/* Frees a result. */
void mg_exp_fig3_free(mg_exp_fig3_result *r) {
    if (!r) return;
    mg_table *t[] = {&r->mem_measures, &r->emp_measures, &r->gen_measures, &r->test_measures, &r->sets};
    mg_array *a[] = {&r->mem_samples, &r->emp_samples, &r->gen_samples, &r->mem_train,
                     &r->mem_grid,    &r->emp_grid,    &r->gen_grid};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) mg_table_free(t[i]);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) mg_array_free(a[i]);
    memset(r, 0, sizeof *r);
}

/* One set of rows being measured (the working state of the run). */
typedef struct {
    mg_mat train;   /* the training rows it is measured against (borrowed) */
    mg_mat S;       /* the rows (a result array, or the held-out rows: borrowed) */
    mg_memratio mr;
    mg_table *t;    /* its "<set>_measures" table */
    mg_exp_fig3_set *sum;
} set_t;

/* Sampling progress: the run's steps mapped to [f0, f1] of the call. */
typedef struct {
    const mg_exp_env *env;
    const char *detail;
    double f0, f1;
} progress_slot;

/* mg_sample_params.progress of a slot. */
static void on_sample(void *vslot, int64_t done, int64_t total) {
    const progress_slot *sl = vslot;
    double f = total > 0 ? (double)done / (double)total : 1.0;
    mg_exp_progress(sl->env, sl->detail, sl->f0 + f * (sl->f1 - sl->f0));
}

/* Draws the rows of s->S with DDIM over the run's grid from den, seeded by
 * generator k of the experiment; the progress of set i over its share. */
static mg_status draw(const mg_exp_env *env, const mg_denoiser *den, int i, set_t *s) {
    char detail[96];
    snprintf(detail, sizeof detail, "sampling with the %s", LABELS[i]);
    progress_slot slot = {env, detail, 0.05 + 0.25 * i, 0.25 + 0.25 * i};
    mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
    sp.kind = MG_SAMPLER_DDIM;
    sp.sigmas = env->sigmas;
    sp.nsigmas = env->nsigmas;
    sp.progress = on_sample;
    sp.progress_ctx = &slot;
    mg_rng rng = mg_rng_fork(env->rng, (uint64_t)(3 * env->index + i));
    double t = mg_now();
    mg_status st = mg_sample(den, &sp, &rng, s->S);
    s->sum->sampling_seconds = mg_now() - t;
    return st;
}

/* The mixture's columns of a measures table: the log-density of the true
 * mixture smoothed to sigma_min, the nearest mode by Mahalanobis distance,
 * that distance and the coordinate along the mode's mean. */
static mg_status mog_measures(const mg_exp_data *d, double sigma_min, set_t *s) {
    int64_t n = s->S.rows, D = d->d, K = d->mog.K;
    int c[4];
    static const char *const names[4] = {"logp_smoothed", "mahalanobis2_nearest", "nearest_mode", "mean_axis_coord"};
    for (int j = 0; j < 4; j++) MG_TRY(mg_table_add(s->t, names[j], MG_COL_F64, &c[j]));
    double *logp = s->t->cols[c[0]].num, *maha = s->t->cols[c[1]].num, *mode = s->t->cols[c[2]].num,
           *axis = s->t->cols[c[3]].num;
    double *m2 = mg_alloc((size_t)(n * K > 0 ? n * K : 1), sizeof(double)); /* n x K squared Mahalanobis distances */
    double *mm = mg_alloc((size_t)K, sizeof(double));                     /* K: |mu_k|^2 */
    mg_status st = m2 && mm ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    if (st == MG_OK) st = mg_mog_logpdf(&d->mog, s->S, sigma_min, logp, m2);
    for (int64_t k = 0; k < K && st == MG_OK; k++) {
        const double *mu = d->mog.means + k * D;
        double q = 0;
        for (int64_t j = 0; j < D; j++) q += mu[j] * mu[j];
        mm[k] = q;
    }
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        int64_t b = 0;
        for (int64_t k = 1; k < K; k++)
            if (m2[i * K + k] < m2[i * K + b]) b = k;
        mode[i] = (double)b;
        maha[i] = m2[i * K + b];
        const double *mu = d->mog.means + b * D;
        double dot = 0;
        for (int64_t j = 0; j < D; j++) dot += s->S.data[i * s->S.ld + j] * mu[j];
        axis[i] = mm[b] > 0 ? dot / sqrt(mm[b]) : 0.0;
    }
    free(m2);
    free(mm);
    return st;
}

/* The memorization measures and norms of a set (and the mixture's columns)
 * into its table, and its summary. */
static mg_status measure(const mg_exp_fig3_params *p, const mg_exp_data *d, double sigma_min, int i, set_t *s) {
    MG_TRY(mg_memratio_compute(s->S, s->train, p->ratio_threshold, &s->mr));
    int64_t n = s->S.rows;
    char name[32];
    snprintf(name, sizeof name, "%s_measures", KEYS[i]);
    MG_TRY(mg_table_init(s->t, name, n, "ratio,d1,d2,nn1,nn2,memorized,cos_max,cos_idx,norm"));
    double *c[9];
    for (int j = 0; j < 9; j++) c[j] = s->t->cols[j].num;
    const mg_memratio *mr = &s->mr;
    for (int64_t k = 0; k < n; k++) {
        c[0][k] = mr->ratio[k], c[1][k] = mr->d1[k], c[2][k] = mr->d2[k];
        c[3][k] = (double)mr->nn1[k], c[4][k] = (double)mr->nn2[k], c[5][k] = (double)mr->memorized[k];
        c[6][k] = mr->cos_max[k], c[7][k] = (double)mr->cos_idx[k];
    }
    double *norm = NULL;
    mg_status st = mg_exp_row_norms(s->S, &norm);
    if (st == MG_OK) memcpy(c[8], norm, (size_t)n * sizeof(double));
    free(norm);
    if (st == MG_OK && d->has_mog) st = mog_measures(d, sigma_min, s);
    mg_exp_fig3_set *m = s->sum;
    m->training_rows = s->train.rows;
    m->samples = n;
    m->memorized = mr->frac_memorized;
    m->distinct_copied = mr->distinct_memorized;
    m->median_ratio = mr->median_ratio;
    m->mean_cos_max = mr->mean_cos_max;
    m->near_duplicate = mr->frac_near_duplicate;
    return st;
}

/* The in-distribution comparison of the generalizing set's samples with the
 * held-out rows. MoG: squared Mahalanobis distance to the nearest mode (true
 * mixture smoothed to sigma_min) at most the held-out 95% quantile, i.e. a
 * density at least as high as 95% of real samples. Images: distance to the
 * nearest training image AND norm both inside the held-out 5-95% ranges
 * (two-sided: dim or blurred outputs sit unusually close to the training set
 * without being copies). */
static mg_status in_distribution(const mg_exp_data *d, mg_exp_fig3_result *r) {
    const mg_table *gt = &r->gen_measures, *tt = &r->test_measures;
    int64_t n = gt->nrows, nt = tt->nrows, c = 0;
    const double *gnorm = mg_table_col(gt, "norm"), *tnorm = mg_table_col(tt, "norm");
    mg_summary sg, st, ng, ntt;
    MG_TRY(mg_summarize(gnorm, n, &ng));
    MG_TRY(mg_summarize(tnorm, nt, &ntt));
    r->gen_median_norm = ng.median;
    r->test_median_norm = ntt.median;
    if (d->has_mog) {
        const double *gm = mg_table_col(gt, "mahalanobis2_nearest"), *tm = mg_table_col(tt, "mahalanobis2_nearest");
        const double *gmode = mg_table_col(gt, "nearest_mode");
        mg_summary ag, at;
        MG_TRY(mg_summarize(gm, n, &sg));
        MG_TRY(mg_summarize(tm, nt, &st));
        MG_TRY(mg_summarize(mg_table_col(gt, "mean_axis_coord"), n, &ag));
        MG_TRY(mg_summarize(mg_table_col(tt, "mean_axis_coord"), nt, &at));
        double m0 = 0;
        for (int64_t i = 0; i < n; i++) c += gm[i] <= st.q95, m0 += gmode[i] == 0.0;
        r->gen_inside_share = (double)c / (double)n;
        r->gen_median_mahalanobis2 = sg.median;
        r->test_median_mahalanobis2 = st.median;
        r->test_q95_mahalanobis2 = st.q95;
        r->gen_median_mean_axis = ag.median;
        r->test_median_mean_axis = at.median;
        r->gen_mode1_share = m0 / (double)n;
        return MG_OK;
    }
    const double *gd = mg_table_col(gt, "d1");
    MG_TRY(mg_summarize(gd, n, &sg));
    MG_TRY(mg_summarize(mg_table_col(tt, "d1"), nt, &st));
    int64_t cd = 0, cn = 0;
    for (int64_t i = 0; i < n; i++) {
        int a = gd[i] >= st.q05 && gd[i] <= st.q95;
        int b = gnorm[i] >= ntt.q05 && gnorm[i] <= ntt.q95;
        cd += a, cn += b, c += a && b;
    }
    r->gen_inside_share = (double)c / (double)n;
    r->gen_inside_nn_dist_share = (double)cd / (double)n;
    r->gen_inside_norm_share = (double)cn / (double)n;
    r->gen_median_nn_dist = sg.median;
    r->test_median_nn_dist = st.median;
    r->test_q05_nn_dist = st.q05;
    r->test_q95_nn_dist = st.q95;
    r->test_q05_norm = ntt.q05;
    r->test_q95_norm = ntt.q95;
    return MG_OK;
}

/* The memorizing set up to scale: the share of its samples whose largest
 * cosine to a training row is at least direction_cosine, and the median
 * norms of its samples and training rows. A bias-free set is positively
 * homogeneous, so DDIM from N(0, sigma_max^2 I) fixes a sample's norm by the
 * initial noise, not by the data (tests/test_set_train.c checks the identity
 * sample(c sigmas) = c sample(sigmas)); a stored direction then comes out as
 * a scaled copy. */
static mg_status directions(const mg_exp_fig3_params *p, const mg_exp_data *d, mg_exp_fig3_result *r) {
    const mg_table *t = &r->mem_measures;
    const double *cos = mg_table_col(t, "cos_max");
    int64_t copies = 0;
    for (int64_t i = 0; i < t->nrows; i++) copies += cos[i] >= p->direction_cosine;
    r->mem_direction_copies = (double)copies / (double)t->nrows;
    double *xn;
    MG_TRY(mg_exp_row_norms(mg_exp_mem(d), &xn));
    mg_summary sx, ss;
    mg_status s = mg_summarize(xn, d->mem.shape[0], &sx);
    free(xn);
    MG_TRY(s);
    MG_TRY(mg_summarize(mg_table_col(t, "norm"), t->nrows, &ss));
    r->mem_train_median_norm = sx.median;
    r->mem_median_norm = ss.median;
    return MG_OK;
}

/* An image dataset's grid of a sampled set: up to two rows of (up to 8)
 * generations, each followed by the row of their nearest training images;
 * *out is (2 pairs) x cols x d. */
static mg_status nn_grid(const set_t *s, int64_t *shown, mg_array *out) {
    int64_t dd = s->S.cols, ncols = s->S.rows < 8 ? s->S.rows : 8, pairs = ncols > 0 ? s->S.rows / ncols : 0;
    if (pairs > 2) pairs = 2;
    *shown = pairs * ncols;
    if (pairs < 1) return MG_OK;
    int64_t shape[3] = {2 * pairs, ncols, dd};
    MG_TRY(mg_array_alloc(out, MG_F32, 3, shape));
    float *G = out->data;
    for (int64_t pr = 0; pr < pairs; pr++)
        for (int64_t c = 0; c < ncols; c++) {
            int64_t i = pr * ncols + c;
            memcpy(G + ((2 * pr) * ncols + c) * dd, s->S.data + i * s->S.ld, (size_t)dd * sizeof(float));
            memcpy(G + ((2 * pr + 1) * ncols + c) * dd, s->train.data + s->mr.nn1[i] * s->train.ld,
                   (size_t)dd * sizeof(float));
        }
    return MG_OK;
}

/* The "sets" table: one row per set with its summary. */
static mg_status sets_table(mg_exp_fig3_result *r) {
    const mg_exp_fig3_set *m[NSETS] = {&r->mem, &r->emp, &r->gen, &r->test};
    MG_TRY(mg_table_init(&r->sets, "sets", NSETS, NULL));
    int tc;
    MG_TRY(mg_table_add(&r->sets, "set", MG_COL_TEXT, &tc));
    MG_TRY(mg_table_add(&r->sets, "key", MG_COL_TEXT, NULL));
    static const char *const num[8] = {"training_rows", "samples",      "memorized",      "distinct_copied",
                                       "median_ratio",  "mean_cos_max", "near_duplicate", "sampling_seconds"};
    for (int j = 0; j < 8; j++) MG_TRY(mg_table_add(&r->sets, num[j], MG_COL_F64, NULL));
    for (int i = 0; i < NSETS; i++) {
        MG_TRY(mg_table_set_text(&r->sets, tc, i, LABELS[i]));
        MG_TRY(mg_table_set_text(&r->sets, tc + 1, i, KEYS[i]));
        const double v[8] = {(double)m[i]->training_rows, (double)m[i]->samples,  m[i]->memorized,
                             (double)m[i]->distinct_copied, m[i]->median_ratio, m[i]->mean_cos_max,
                             m[i]->near_duplicate,         m[i]->sampling_seconds};
        for (int j = 0; j < 8; j++) r->sets.cols[2 + j].num[i] = v[j];
    }
    return MG_OK;
}

/* Samples and measures the four sets. */
static mg_status sample_and_measure(const mg_exp_fig3_params *p, const mg_exp_env *env, set_t set[NSETS],
                                    mg_exp_fig3_result *r) {
    const mg_exp_data *d = env->data[0];
    mg_array *samp[3] = {&r->mem_samples, &r->emp_samples, &r->gen_samples};
    mg_denoiser dens[3];
    memset(dens, 0, sizeof dens);
    mg_status s = mg_denoiser_daeset(&d->mem_set, MG_LEVEL_NEAREST, &dens[0]);
    if (s == MG_OK) s = mg_denoiser_emp(mg_exp_mem(d), &dens[1]);
    if (s == MG_OK) s = mg_denoiser_daeset(&d->gen_set, MG_LEVEL_NEAREST, &dens[2]);
    for (int i = 0; i < NSETS && s == MG_OK; i++) {
        set_t *st = &set[i];
        st->train = i < 2 ? mg_exp_mem(d) : mg_exp_gen(d);
        if (i == 3) {
            st->S = mg_exp_test(d);
            if (st->S.rows > p->heldout_reference_rows) st->S.rows = p->heldout_reference_rows;
            st->sum->sampling_seconds = NAN;
        } else {
            int64_t shape[2] = {p->samples_per_model, d->d};
            s = mg_array_alloc(samp[i], MG_F32, 2, shape);
            st->S = mg_mat_of_array(samp[i]);
            if (s == MG_OK) s = draw(env, &dens[i], i, st);
        }
        if (s == MG_OK) {
            char det[96];
            snprintf(det, sizeof det, "measuring the %s", LABELS[i]);
            mg_exp_progress(env, det, 0.25 + 0.25 * i);
            s = measure(p, d, env->sigmas[0], i, st);
        }
    }
    for (int i = 0; i < 3; i++) mg_denoiser_free(&dens[i]);
    return s;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig3_run(const mg_exp_fig3_params *p, const mg_exp_env *env, mg_exp_fig3_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig3, env));
    if (p->samples_per_model < 1 || p->heldout_reference_rows < 1 || !(p->ratio_threshold > 0))
        return mg_fail(MG_ERR_ARG, "fig3: need samples_per_model >= 1, heldout_reference_rows >= 1, ratio_threshold > 0");
    const mg_exp_data *d = env->data[0];
    double *nan_fields[] = {&r->gen_median_mahalanobis2, &r->test_median_mahalanobis2, &r->test_q95_mahalanobis2,
                            &r->gen_median_mean_axis,    &r->test_median_mean_axis,    &r->gen_mode1_share,
                            &r->gen_median_nn_dist,      &r->test_median_nn_dist,      &r->test_q05_nn_dist,
                            &r->test_q95_nn_dist,        &r->test_q05_norm,            &r->test_q95_norm,
                            &r->gen_inside_nn_dist_share, &r->gen_inside_norm_share};
    for (size_t i = 0; i < sizeof nan_fields / sizeof nan_fields[0]; i++) *nan_fields[i] = NAN;
    r->logp_sigma = env->sigmas[0];
    set_t set[NSETS];
    memset(set, 0, sizeof set);
    mg_table *meas[NSETS] = {&r->mem_measures, &r->emp_measures, &r->gen_measures, &r->test_measures};
    mg_exp_fig3_set *sum[NSETS] = {&r->mem, &r->emp, &r->gen, &r->test};
    for (int i = 0; i < NSETS; i++) set[i].t = meas[i], set[i].sum = sum[i];
    mg_status s = sample_and_measure(p, env, set, r);
    if (s == MG_OK) s = in_distribution(d, r);
    if (s == MG_OK) s = directions(p, d, r);
    if (s == MG_OK) s = sets_table(r);
    if (s == MG_OK && d->img_h > 0) {
        mg_array *grid[3] = {&r->mem_grid, &r->emp_grid, &r->gen_grid};
        s = mg_exp_cycle_rows(mg_exp_mem(d), d->mem.shape[0], &r->mem_train);
        for (int i = 0; i < 3 && s == MG_OK; i++) s = nn_grid(&set[i], &r->grid_samples, grid[i]);
    }
    for (int i = 0; i < NSETS; i++) mg_memratio_free(&set[i].mr);
    if (s != MG_OK) mg_exp_fig3_free(r);
    return s;
}

MG_EXP_DEFINE(fig3, mg_exp_fig3_params, mg_exp_fig3_result, "Sampling with memorizing vs generalizing DAE sets",
              "Fig. 3, Sec. 3.1-3.2, App. B.1", MG_EXP_EACH_DATASET);
