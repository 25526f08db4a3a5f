/*
 * Experiment fig16 (memgen/experiment/fig16.h; paper Fig. 16c, App. A.3):
 * the Jacobians of the memorizing DAE around its training samples and of the
 * generalizing DAE around test samples, through the thin-QR SVD of the active
 * factors (jacobian.h; no d x d matrix is formed), with per-point measures
 * of rank and alignment and their summaries.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/experiment/fig16.h"
#include "memgen/jacobian.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig16_params, sigma, MG_FIELD_F64, "noise level of the points and of the DAE level"),
    MG_FIELD(mg_exp_fig16_params, noise_draws_per_memorized_sample, MG_FIELD_I64,
             "points per memorized training sample (noise draws)"),
    MG_FIELD(mg_exp_fig16_params, test_points, MG_FIELD_I64, "test samples (at most the dataset's)"),
};

#define STAT_FIELDS(M, X, doc)                                                                                 \
    MG_FIELD_AS(mg_exp_fig16_result, M.X.median, #M "_" #X "_median", MG_FIELD_F64, "median " doc),           \
        MG_FIELD_AS(mg_exp_fig16_result, M.X.q25, #M "_" #X "_q25", MG_FIELD_F64, "first quartile " doc),     \
        MG_FIELD_AS(mg_exp_fig16_result, M.X.q75, #M "_" #X "_q75", MG_FIELD_F64, "third quartile " doc),     \
        MG_FIELD_AS(mg_exp_fig16_result, M.X.min, #M "_" #X "_min", MG_FIELD_F64, "smallest " doc),           \
        MG_FIELD_AS(mg_exp_fig16_result, M.X.max, #M "_" #X "_max", MG_FIELD_F64, "largest " doc)
#define MODEL_FIELDS(M)                                                                                        \
    MG_FIELD_AS(mg_exp_fig16_result, M.points, #M "_points", MG_FIELD_I64, "points (Jacobians)"),             \
        MG_FIELD_AS(mg_exp_fig16_result, M.units, #M "_units", MG_FIELD_I64, "hidden units"),                 \
        STAT_FIELDS(M, erank, "effective rank"), STAT_FIELDS(M, rank1, "rank above 1% of sv1"),              \
        STAT_FIELDS(M, sv1_share, "sv1 / sum sv"), STAT_FIELDS(M, align, "|cos(u1, nearest training sample)|"), \
        STAT_FIELDS(M, align_mean, "|cos(u1, class mean)|"),                                                  \
        STAT_FIELDS(M, sample_share, "energy share along the nearest training sample"),                      \
        STAT_FIELDS(M, class_share, "energy share in the class subspace"),                                   \
        STAT_FIELDS(M, own_share, "energy share along the nearest sample's part orthogonal to its class mean")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_fig16_result, samples_mem, MG_FIELD_I64, "memorized training samples"),
    MG_FIELD(mg_exp_fig16_result, class_subspace_dim, MG_FIELD_I64, "dimension of a class subspace"),
    MG_FIELD(mg_exp_fig16_result, random_share, MG_FIELD_F64, "energy share of a random subspace of that dimension"),
    MODEL_FIELDS(mem),
    MODEL_FIELDS(gen),
    MG_FIELD(mg_exp_fig16_result, spectra, MG_FIELD_TABLE, "quantiles of the k-th singular value per model"),
    MG_FIELD(mg_exp_fig16_result, points, MG_FIELD_TABLE, "every measure of every point"),
    MG_FIELD(mg_exp_fig16_result, stats, MG_FIELD_TABLE, "median and quartiles of every measure per model"),
    MG_FIELD(mg_exp_fig16_result, mem_pairs, MG_FIELD_ARRAY, "clean image beside u1, memorizing DAE (display)"),
    MG_FIELD(mg_exp_fig16_result, gen_pairs, MG_FIELD_ARRAY, "test image beside u1, generalizing DAE (display)"),
    MG_FIELD(mg_exp_fig16_result, mem_pairs_u1, MG_FIELD_ARRAY, "u1 of the first memorizing points"),
    MG_FIELD(mg_exp_fig16_result, gen_pairs_u1, MG_FIELD_ARRAY, "u1 of the first generalizing points"),
};

/* Library defaults. */
mg_exp_fig16_params mg_exp_fig16_defaults(void) {
    mg_exp_fig16_params p = {0.2, 8, 32};
    return p;
}

/* Frees a result. */
void mg_exp_fig16_free(mg_exp_fig16_result *r) {
    if (!r) return;
    mg_table_free(&r->spectra);
    mg_table_free(&r->points);
    mg_table_free(&r->stats);
    mg_array_free(&r->mem_pairs);
    mg_array_free(&r->gen_pairs);
    mg_array_free(&r->mem_pairs_u1);
    mg_array_free(&r->gen_pairs_u1);
    memset(r, 0, sizeof *r);
}

/* The per-point measures of one model. */
typedef struct {
    int64_t n, keep;        /* points, singular values kept per point */
    mg_jacobian_info *info; /* n */
    double *sv;             /* n x keep */
    double *sample_share;   /* n: energy share along the nearest training sample */
    double *class_share;    /* n: energy share in the class subspace */
    double *own_share;      /* n: energy share along the nearest sample's part orthogonal to its class mean */
    int64_t *cls;           /* n: class of the point */
    int64_t *src;           /* n: row of the source set (training or test) */
    double *align_mean;     /* n: |cos(u1, mean of the point's class in the model's training set)| */
    double *u1;             /* n x d: top left singular vectors */
} jac_points;

/* Frees one model's points. */
static void points_free(jac_points *j) {
    free(j->info), free(j->sv), free(j->sample_share), free(j->class_share), free(j->cls), free(j->src), free(j->u1);
    free(j->align_mean), free(j->own_share);
    memset(j, 0, sizeof *j);
}

/* The class subspaces (top-q eigenvectors of each class's training scatter), computed on demand. */
typedef struct {
    int64_t q;
    mg_scatter_eig *eig; /* nclasses, evecs NULL until computed */
} class_bases;

/* The orthonormal basis (d x q) of class k's principal subspace in the generalizing training set. */
static mg_status class_basis(const mg_exp_data *d, class_bases *cb, int64_t k, const double **U, int64_t *q) {
    mg_scatter_eig *e = &cb->eig[k];
    if (!e->evecs) {
        mg_mat gen = mg_exp_gen(d);
        int64_t *rows = mg_alloc((size_t)gen.rows, sizeof(int64_t)), n = 0;
        if (!rows) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
        for (int64_t i = 0; i < gen.rows; i++)
            if (d->gen_labels[i] == k) rows[n++] = i;
        mg_status s = n > 0 ? mg_scatter_eig_top(gen, rows, n, cb->q, 1, e)
                            : mg_fail(MG_ERR_ARG, "fig16: class %lld has no training rows", (long long)k);
        free(rows);
        MG_TRY(s);
    }
    *U = e->evecs;
    *q = e->q;
    return MG_OK;
}

/* *sums (nclasses x d, malloc'd): row k is the sum of the rows of X labelled
 * k, added in row order (the direction of class k's mean; zero when empty). */
static mg_status class_sums(mg_mat X, const int64_t *labels, int nclasses, double **sums) {
    int64_t d = X.cols;
    *sums = mg_calloc((size_t)nclasses * (size_t)d, sizeof(double));
    if (!*sums) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    for (int64_t i = 0; i < X.rows; i++) {
        if (labels[i] < 0 || labels[i] >= nclasses)
            return mg_fail(MG_ERR_ARG, "fig16: row %lld has class %lld (of %d)", (long long)i, (long long)labels[i],
                           nclasses);
        double *sum = *sums + labels[i] * d;
        for (int64_t a = 0; a < d; a++) sum[a] += X.data[i * X.ld + a];
    }
    return MG_OK;
}

/* |cos(u, v)| of two d-vectors (0 when either is zero). */
static double abs_cos(const double *u, const double *v, int64_t d) {
    double uu = 0, vv = 0, uv = 0;
    for (int64_t a = 0; a < d; a++) uu += u[a] * u[a], vv += v[a] * v[a], uv += u[a] * v[a];
    return uu > 0 && vv > 0 ? fabs(uv) / sqrt(uu * vv) : 0.0;
}

/* *share = the energy share of J(y) along the part of the unit sample x
 * orthogonal to its class's mean direction `mean` (d-vectors; x is
 * overwritten): what sets the sample apart from its class. 0 when x lies
 * along the mean. */
static mg_status own_share(const mg_dae *m, const float *y, const double *mean, double *x, int64_t d, double *share) {
    double mm = 0, xm = 0, rr = 0;
    for (int64_t a = 0; a < d; a++) mm += mean[a] * mean[a], xm += x[a] * mean[a];
    for (int64_t a = 0; a < d; a++) x[a] -= mm > 0 ? xm / mm * mean[a] : 0.0, rr += x[a] * x[a];
    *share = 0.0;
    if (!(rr > 1e-12)) return MG_OK;
    for (int64_t a = 0; a < d; a++) x[a] /= sqrt(rr);
    return mg_jacobian_subspace_share(m, y, x, 1, share);
}

/* Analyses the Jacobians of model m at noisy copies (noise level sigma,
 * generator k) of the rows of P named by j->src (classes j->cls), with
 * `train` (labels train_labels) as the model's training set. */
static mg_status analyse(const mg_exp_env *env, const mg_dae *m, double sigma, uint64_t k, mg_mat P, mg_mat train,
                         const int64_t *train_labels, class_bases *cb, jac_points *j) {
    const mg_exp_data *d = env->data[0];
    int64_t n = j->n, dim = d->d;
    j->keep = mg_dae_hidden(m);
    j->info = mg_calloc((size_t)n, sizeof(mg_jacobian_info));
    j->sv = mg_alloc((size_t)n * (size_t)j->keep, sizeof(double));
    j->sample_share = mg_alloc((size_t)n, sizeof(double));
    j->class_share = mg_alloc((size_t)n, sizeof(double));
    j->own_share = mg_alloc((size_t)n, sizeof(double));
    float *Y = mg_alloc((size_t)n * (size_t)dim, sizeof(float)); /* n x d: the points */
    double *unit = mg_alloc((size_t)dim, sizeof(double)), *sums = NULL;
    j->u1 = mg_alloc((size_t)n * (size_t)dim, sizeof(double));
    j->align_mean = mg_alloc((size_t)n, sizeof(double));
    mg_status s = j->info && j->sv && j->sample_share && j->class_share && j->own_share && Y && unit && j->u1 &&
                          j->align_mean
                      ? MG_OK
                      : mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    /* y_i = x_src[i] + sigma eps_i, the noise of point i from fork i of generator k */
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        memcpy(Y + i * dim, P.data + j->src[i] * P.ld, (size_t)dim * sizeof(float));
    mg_rng r = mg_rng_fork(env->rng, k);
    mg_mat Ym = {n, dim, dim, Y};
    if (s == MG_OK) s = mg_noisy_rows(Ym, sigma, &r, 0, Ym);
    if (s == MG_OK) s = mg_jacobian_analyze(m, Ym, train, j->info, j->sv, j->keep, j->u1);
    if (s == MG_OK) s = class_sums(train, train_labels, d->nclasses, &sums);
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        const float *y = Y + i * dim, *x = train.data + j->info[i].nn * train.ld;
        double nn = 0;
        for (int64_t a = 0; a < dim; a++) nn += (double)x[a] * x[a];
        for (int64_t a = 0; a < dim; a++) unit[a] = nn > 0 ? x[a] / sqrt(nn) : 0.0;
        s = mg_jacobian_subspace_share(m, y, unit, 1, &j->sample_share[i]);
        const double *U = NULL;
        int64_t q = 0;
        if (s == MG_OK) s = class_basis(d, cb, j->cls[i], &U, &q);
        if (s == MG_OK) s = mg_jacobian_subspace_share(m, y, U, q, &j->class_share[i]);
        if (s == MG_OK) j->align_mean[i] = abs_cos(j->u1 + i * dim, sums + j->cls[i] * dim, dim);
        if (s == MG_OK) s = own_share(m, y, sums + train_labels[j->info[i].nn] * dim, unit, dim, &j->own_share[i]);
    }
    free(Y);
    free(unit);
    free(sums);
    return s;
}

/* Median, quartiles and range of n values. */
static mg_status stat_of(const double *v, int64_t n, mg_exp_fig16_stat *out) {
    mg_summary sm;
    MG_TRY(mg_summarize(v, n, &sm));
    *out = (mg_exp_fig16_stat){sm.median, sm.q25, sm.q75, sm.min, sm.max};
    return MG_OK;
}

/* The summaries of one model's points. */
static mg_status summarize_model(const jac_points *j, mg_exp_fig16_model *out) {
    out->points = j->n;
    out->units = j->keep;
    double *v = mg_alloc((size_t)j->n, sizeof(double));
    if (!v) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    mg_exp_fig16_stat *info_stats[4] = {&out->erank, &out->rank1, &out->sv1_share, &out->align};
    mg_status s = MG_OK;
    for (int c = 0; c < 4 && s == MG_OK; c++) {
        for (int64_t i = 0; i < j->n; i++) {
            const mg_jacobian_info *o = &j->info[i];
            v[i] = c == 0 ? o->erank : c == 1 ? (double)o->rank1pc : c == 2 ? o->sv_ratio : o->align_nn;
        }
        s = stat_of(v, j->n, info_stats[c]);
    }
    free(v);
    if (s == MG_OK) s = stat_of(j->sample_share, j->n, &out->sample_share);
    if (s == MG_OK) s = stat_of(j->class_share, j->n, &out->class_share);
    if (s == MG_OK) s = stat_of(j->align_mean, j->n, &out->align_mean);
    if (s == MG_OK) s = stat_of(j->own_share, j->n, &out->own_share);
    return s;
}

/* The "spectra" table: per k the median and 5% / 95% quantiles of the k-th
 * singular value over each model's points (NaN past a model's units). */
static mg_status spectra_table(const jac_points js[2], mg_table *t) {
    int64_t keep = js[0].keep > js[1].keep ? js[0].keep : js[1].keep;
    MG_TRY(mg_table_init(t, "spectra", keep, "k,mem_median,mem_q05,mem_q95,gen_median,gen_q05,gen_q95"));
    for (int64_t k = 0; k < keep; k++) {
        t->cols[0].num[k] = (double)(k + 1);
        for (int c = 1; c < 7; c++) t->cols[c].num[k] = NAN;
    }
    int64_t nmax = js[0].n > js[1].n ? js[0].n : js[1].n;
    double *v = mg_alloc((size_t)(nmax > 0 ? nmax : 1), sizeof(double));
    if (!v) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    mg_status s = MG_OK;
    for (int r = 0; r < 2; r++)
        for (int64_t k = 0; k < js[r].keep && s == MG_OK; k++) {
            for (int64_t i = 0; i < js[r].n; i++) v[i] = js[r].sv[i * js[r].keep + k];
            mg_summary sm;
            s = mg_summarize(v, js[r].n, &sm);
            t->cols[1 + 3 * r].num[k] = sm.median;
            t->cols[2 + 3 * r].num[k] = sm.q05;
            t->cols[3 + 3 * r].num[k] = sm.q95;
        }
    free(v);
    return s;
}

/* The "points" table: every measure of every point, memorizing model first. */
static mg_status points_table(const jac_points js[2], mg_table *t) {
    MG_TRY(mg_table_init(t, "points", js[0].n + js[1].n,
                         "model_is_generalizing,source_row,class,active_units,erank,rank_above_1pct,sv1_share,"
                         "nearest_train_row,abs_cos_u1_nearest,abs_cos_u1_class_mean,energy_share_nearest_sample,"
                         "energy_share_class_subspace,energy_share_own_direction"));
    int64_t row = 0;
    for (int r = 0; r < 2; r++)
        for (int64_t i = 0; i < js[r].n; i++, row++) {
            const mg_jacobian_info *o = &js[r].info[i];
            double v[13] = {r, (double)js[r].src[i], (double)js[r].cls[i], (double)o->active, o->erank,
                            (double)o->rank1pc, o->sv_ratio, (double)o->nn, o->align_nn, js[r].align_mean[i],
                            js[r].sample_share[i], js[r].class_share[i], js[r].own_share[i]};
            for (int c = 0; c < 13; c++) t->cols[c].num[row] = v[c];
        }
    return MG_OK;
}

/* The "stats" table: one row per model, median and quartiles of every measure. */
static mg_status stats_table(const mg_exp_fig16_result *r, mg_table *t) {
    static const char *const measure[8] = {"erank",      "rank1",        "sv1_share",   "align",
                                           "align_mean", "sample_share", "class_share", "own_share"};
    static const char *const stat[3] = {"median", "q25", "q75"};
    int rc;
    MG_TRY(mg_table_init(t, "stats", 2, NULL));
    MG_TRY(mg_table_add(t, "regime", MG_COL_TEXT, &rc));
    MG_TRY(mg_table_add(t, "points", MG_COL_F64, NULL));
    MG_TRY(mg_table_add(t, "units", MG_COL_F64, NULL));
    for (int m = 0; m < 8; m++)
        for (int q = 0; q < 3; q++) {
            char name[48];
            snprintf(name, sizeof name, "%s_%s", measure[m], stat[q]);
            MG_TRY(mg_table_add(t, name, MG_COL_F64, NULL));
        }
    for (int k = 0; k < 2; k++) {
        const mg_exp_fig16_model *mo = k ? &r->gen : &r->mem;
        const mg_exp_fig16_stat *st[8] = {&mo->erank,      &mo->rank1,        &mo->sv1_share,   &mo->align,
                                          &mo->align_mean, &mo->sample_share, &mo->class_share, &mo->own_share};
        MG_TRY(mg_table_set_text(t, rc, k, k ? "generalizing" : "memorizing"));
        t->cols[1].num[k] = (double)mo->points;
        t->cols[2].num[k] = (double)mo->units;
        for (int m = 0; m < 8; m++) {
            t->cols[3 + 3 * m].num[k] = st[m]->median;
            t->cols[4 + 3 * m].num[k] = st[m]->q25;
            t->cols[5 + 3 * m].num[k] = st[m]->q75;
        }
    }
    return MG_OK;
}

/* Image data: the first (up to 5) points' clean images (display units) next
 * to the top singular vector of J, min-max scaled to the display range, into
 * *pairs (2 show x d), and the vectors themselves into *u1 (show x d). */
static mg_status image_pairs(const mg_exp_data *d, const jac_points *j, mg_mat P, mg_array *pairs, mg_array *u1) {
    int64_t dim = d->d, show = j->n < 5 ? j->n : 5;
    int64_t shape[2] = {2 * show, dim}, ushape[2] = {show, dim};
    MG_TRY(mg_array_alloc(pairs, MG_F32, 2, shape));
    MG_TRY(mg_array_alloc(u1, MG_F32, 2, ushape));
    float *g = pairs->data, *uf = u1->data;
    const float *ctr = d->center.data;
    for (int64_t i = 0; i < show; i++) {
        float *img = g + (2 * i) * dim;
        memcpy(img, P.data + j->src[i] * P.ld, (size_t)dim * sizeof(float));
        if (ctr)
            for (int64_t a = 0; a < dim; a++) img[a] += ctr[a];
        const double *u = j->u1 + i * dim;
        double lo = u[0], hi = u[0], span = (double)d->vmax - d->vmin;
        for (int64_t a = 1; a < dim; a++) lo = fmin(lo, u[a]), hi = fmax(hi, u[a]);
        for (int64_t a = 0; a < dim; a++) {
            g[(2 * i + 1) * dim + a] = (float)(d->vmin + (hi > lo ? (u[a] - lo) / (hi - lo) : 0.5) * span);
            uf[i * dim + a] = (float)u[a];
        }
    }
    return MG_OK;
}

/* The points of both models, their analyses and the result. */
static mg_status run(const mg_exp_fig16_params *p, const mg_exp_env *env, mg_exp_fig16_result *r, jac_points js[2],
                     class_bases *cb) {
    const mg_exp_data *d = env->data[0];
    int lm, lg;
    MG_TRY(mg_exp_level(&d->mem_set, p->sigma, &lm));
    MG_TRY(mg_exp_level(&d->gen_set, p->sigma, &lg));
    const mg_dae *mm = d->mem_set.levels[lm], *mgn = d->gen_set.levels[lg];
    mg_mat mem = mg_exp_mem(d), test = mg_exp_test(d), gen = mg_exp_gen(d);
    cb->q = mg_dae_hidden(mgn);
    cb->eig = mg_calloc((size_t)d->nclasses, sizeof(mg_scatter_eig));
    if (!cb->eig) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    js[0].n = mem.rows * p->noise_draws_per_memorized_sample;
    js[1].n = p->test_points < test.rows ? p->test_points : test.rows;
    for (int k = 0; k < 2; k++) {
        js[k].cls = mg_alloc((size_t)js[k].n, sizeof(int64_t));
        js[k].src = mg_alloc((size_t)js[k].n, sizeof(int64_t));
        if (!js[k].cls || !js[k].src) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    }
    /* memorized points: each training sample `draws` times (different noise); test points: the first rows */
    for (int64_t i = 0; i < js[0].n; i++) js[0].src[i] = i % mem.rows, js[0].cls[i] = d->mem_labels[i % mem.rows];
    for (int64_t i = 0; i < js[1].n; i++) js[1].src[i] = i, js[1].cls[i] = d->test_labels[i];
    mg_exp_progress(env, "Jacobians of the memorizing DAE", 0.0);
    MG_TRY(analyse(env, mm, d->mem_set.sigmas[lm], (uint64_t)(2 * env->index), mem, mem, d->mem_labels, cb, &js[0]));
    mg_exp_progress(env, "Jacobians of the generalizing DAE", 0.5);
    MG_TRY(analyse(env, mgn, d->gen_set.sigmas[lg], (uint64_t)(2 * env->index + 1), test, gen, d->gen_labels, cb,
                   &js[1]));
    r->samples_mem = mem.rows;
    r->class_subspace_dim = cb->q;
    r->random_share = (double)cb->q / (double)d->d;
    MG_TRY(summarize_model(&js[0], &r->mem));
    MG_TRY(summarize_model(&js[1], &r->gen));
    MG_TRY(spectra_table(js, &r->spectra));
    MG_TRY(points_table(js, &r->points));
    MG_TRY(stats_table(r, &r->stats));
    if (d->img_h > 0) {
        MG_TRY(image_pairs(d, &js[0], mem, &r->mem_pairs, &r->mem_pairs_u1));
        MG_TRY(image_pairs(d, &js[1], test, &r->gen_pairs, &r->gen_pairs_u1));
    }
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig16_run(const mg_exp_fig16_params *p, const mg_exp_env *env, mg_exp_fig16_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig16, env));
    if (!(p->sigma > 0) || p->noise_draws_per_memorized_sample < 1 || p->test_points < 1)
        return mg_fail(MG_ERR_ARG, "fig16: need sigma > 0, at least one noise draw and one test point");
    const mg_exp_data *d = env->data[0];
    if (d->mem.shape[0] < 1 || d->test.shape[0] < 1 || d->nclasses < 1)
        return mg_fail(MG_ERR_ARG, "fig16: the dataset needs memorizing rows, test rows and classes");
    jac_points js[2];
    memset(js, 0, sizeof js);
    class_bases cb = {0, NULL};
    mg_status s = run(p, env, r, js, &cb);
    for (int k = 0; k < 2; k++) points_free(&js[k]);
    if (cb.eig)
        for (int k = 0; k < d->nclasses; k++) mg_scatter_eig_free(&cb.eig[k]);
    free(cb.eig);
    if (s != MG_OK) mg_exp_fig16_free(r);
    return s;
}

MG_EXP_DEFINE(fig16, mg_exp_fig16_params, mg_exp_fig16_result, "Jacobians around memorized and generalized samples",
              "Fig. 16, App. A.3", MG_EXP_EACH_DATASET);
