/*
 * One cell of a sweep (memgen/sweep.h): its data (a Gaussian mixture,
 * Eq. 4), the closed form (Cor. 3.2 when p >= n, Theorem 3.1 / Cor. 3.3 on
 * the modes otherwise) with its separability verdict (Def. 3.1), a trained
 * DAE (Eq. 5-6), and the same measures of both, all from the library.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/denoiser.h"
#include "memgen/memorization.h"
#include "memgen/mog.h"
#include "memgen/repr.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/sweep.h"
#include "memgen/theory.h"
#include "memgen/train.h"
#include "sweep_internal.h"

/* Column order of a result row (MG_SWEEP_NCOLS). */
const char *const mg_sweep_columns[] = {
    "index", "data_index", "n", "p", "sigma", "lambda", "seed",
    "pred_mem",         /* 1: p >= n, W_mem is a critical point (Cor. 3.2); 0: W_gen (Cor. 3.3) */
    "sep_mem_beta",     /* Def. 3.1 with every row its own cluster: the largest pairwise cosine */
    "sep_gen_alpha",    /* Def. 3.1 with the mixture's modes as clusters */
    "sep_gen_beta",
    "cf_kind",          /* mg_construction_kind of the closed form (1 gen, 2 mem) */
    "cf_holds",         /* 1: Theorem 3.1's assumptions hold for it (mg_theory_verdict) */
    "cf_loss_pred",     /* its predicted training loss (Eq. 6) */
    "cf_mem_frac", "cf_mem_frac_scale", "cf_rep_std_train", "cf_rep_std_test", "cf_loss_ratio",
    "tr_mem_frac", "tr_mem_frac_scale", "tr_rep_std_train", "tr_rep_std_test", "tr_loss_ratio"};
const char *const mg_sweep_time_columns[] = {"seconds_data", "seconds_solve", "seconds_train", "seconds_total"};

enum { C_PRED = 7, C_SEP_MEM_BETA, C_SEP_GEN_ALPHA, C_SEP_GEN_BETA, C_CF_KIND, C_CF_HOLDS, C_CF_LOSS, C_CF_MEAS,
       C_TR_MEAS = C_CF_MEAS + 5 };

/* Index of a column, or -1. */
int mg_sweep_axis_find(const char *name) {
    for (int a = 0; name && a < MG_SWEEP_NAXES; a++)
        if (!strcmp(mg_sweep_axis_names[a], name)) return a;
    return -1;
}

/* Index of a column name in mg_sweep_columns, or -1. */
int mg_sweep_column_find(const char *name) {
    for (int i = 0; i < MG_SWEEP_NCOLS; i++)
        if (!strcmp(mg_sweep_columns[i], name)) return i;
    return -1;
}

/* A cell's data: training rows X (grouped by mode), their compact mode
 * labels, and held-out rows T. */
typedef struct {
    mg_mog mog;
    mg_array X, T;
    int64_t *lab, K; /* n compact labels, number of nonempty modes */
    int64_t *self;   /* n: 0..n-1 (every row its own cluster) */
} cell_data;

/* Frees a cell's data. */
static void data_free(cell_data *cd) {
    mg_mog_free(&cd->mog);
    mg_array_free(&cd->X);
    mg_array_free(&cd->T);
    free(cd->lab);
    free(cd->self);
}

/* rows split as evenly as possible over K modes (the first get one more). */
static void split_counts(int64_t rows, int K, int64_t *counts) {
    for (int k = 0; k < K; k++) counts[k] = rows / K + (k < rows % K);
}

/* Makes the mixture and the rows from the data generator rd (sweep.h). */
static mg_status make_data(const mg_sweep_grid *g, const mg_sweep_cell *c, const mg_rng *rd, cell_data *cd) {
    int K;
    double cov;
    MG_TRY(mg__sweep_data_parse(c->data, &K, &cov));
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.K = K, spec.d = g->d, spec.cov_scale = cov;
    mg_rng r0 = mg_rng_fork(rd, 0), r1 = mg_rng_fork(rd, 1), r2 = mg_rng_fork(rd, 2);
    MG_TRY(mg_mog_make(&spec, &r0, &cd->mog));
    int64_t *counts = mg_alloc((size_t)K, sizeof(int64_t)), shape[2] = {c->n, g->d}, tshape[2] = {g->ntest, g->d};
    cd->lab = mg_alloc((size_t)c->n, sizeof(int64_t));
    cd->self = mg_alloc((size_t)c->n, sizeof(int64_t));
    if (!counts || !cd->lab || !cd->self) {
        free(counts);
        return mg_fail(MG_ERR_NOMEM, "sweep: out of memory for %lld rows", (long long)c->n);
    }
    mg_status st = mg_array_alloc(&cd->X, MG_F32, 2, shape);
    if (st == MG_OK) st = mg_array_alloc(&cd->T, MG_F32, 2, tshape);
    if (st == MG_OK) split_counts(c->n, K, counts);
    /* grouped (no shuffle): the first rows of a mode do not depend on n (mog.h) */
    if (st == MG_OK) st = mg_mog_sample(&cd->mog, counts, 0, &r1, mg_mat_of_array(&cd->X), cd->lab);
    /* compact labels: the modes that got rows, in order */
    cd->K = 0;
    for (int k = 0; k < K && st == MG_OK; k++) cd->K += counts[k] > 0;
    for (int64_t i = 0; i < c->n; i++) cd->self[i] = i;
    if (st == MG_OK && cd->K < K) {
        int64_t *map = counts, next = 0; /* counts reused as the map */
        for (int k = 0; k < K; k++) map[k] = map[k] > 0 ? next++ : -1;
        for (int64_t i = 0; i < c->n; i++) cd->lab[i] = map[cd->lab[i]];
    }
    if (st == MG_OK) {
        split_counts(g->ntest, K, counts);
        st = mg_mog_sample(&cd->mog, counts, 0, &r2, mg_mat_of_array(&cd->T), NULL);
    }
    free(counts);
    return st;
}

/* Mean of x[0..n). */
static double mean_of(const double *x, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i];
    return s / (double)n;
}

/* Mean representation std (Algorithm 1's metric) of the rows of X at sigma. */
static mg_status rep_std(const mg_dae *m, mg_mat X, double sigma, const mg_rng *r, double *out) {
    int64_t p = mg_dae_hidden(m);
    float *H = mg_alloc((size_t)(X.rows * p), sizeof(float));
    double *s = mg_alloc((size_t)X.rows, sizeof(double));
    mg_status st = H && s ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory for representations");
    mg_mat Hm = {X.rows, p, p, H};
    if (st == MG_OK) st = mg_repr_dae(m, X, sigma, r, Hm);
    if (st == MG_OK) st = mg_spikiness_rows(Hm, MG_SPIKE_STD, s);
    if (st == MG_OK) *out = mean_of(s, X.rows);
    free(H);
    free(s);
    return st;
}

/* Samples from a one-level DAE set (the model at sigma) by DDIM over the
 * grid's sampling levels (Eq. 1, sampler.h) into S. */
static mg_status draw_samples(const mg_sweep_grid *g, mg_dae *m, double sigma, const mg_rng *r, mg_mat S) {
    mg_daeset set;
    MG_TRY(mg_daeset_alloc(1, &sigma, &set));
    set.levels[0] = m; /* borrowed: detached before the set is freed */
    double *lv = mg_alloc((size_t)g->levels, sizeof(double));
    mg_denoiser den;
    memset(&den, 0, sizeof den);
    mg_status st = lv ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    if (st == MG_OK) {
        if (g->levels == 1) lv[0] = g->smax;
        else st = mg_sigmas_geometric(g->smin, g->smax, (int)g->levels, lv);
    }
    if (st == MG_OK) st = mg_denoiser_daeset(&set, MG_LEVEL_NEAREST, &den);
    if (st == MG_OK) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.kind = MG_SAMPLER_DDIM;
        sp.sigmas = lv;
        sp.nsigmas = (int)g->levels;
        st = mg_sample(&den, &sp, r, S);
    }
    mg_denoiser_free(&den);
    set.levels[0] = NULL;
    mg_daeset_free(&set);
    free(lv);
    return st;
}

/* The five measures of a model into out[0..5): memorized fraction of
 * generated samples (NN ratio < threshold, literal and up to scale), mean
 * representation std of training and held-out rows, and the ratio of the
 * training to the held-out denoising error (Eq. 6's data term). */
static mg_status measure(const mg_sweep_grid *g, const mg_sweep_cell *c, const cell_data *cd, mg_dae *m,
                         const mg_rng *rm, double *out) {
    mg_mat X = mg_mat_of_array(&cd->X), T = mg_mat_of_array(&cd->T);
    mg_rng r1 = mg_rng_fork(rm, 1), r2 = mg_rng_fork(rm, 2), r3 = mg_rng_fork(rm, 3), r4 = mg_rng_fork(rm, 4),
           r5 = mg_rng_fork(rm, 5);
    float *s = mg_alloc((size_t)(g->samples * g->d), sizeof(float));
    if (!s) return mg_fail(MG_ERR_NOMEM, "sweep: out of memory for %lld samples", (long long)g->samples);
    mg_mat S = {g->samples, g->d, g->d, s};
    mg_memratio mr, ur;
    memset(&mr, 0, sizeof mr);
    memset(&ur, 0, sizeof ur);
    mg_status st = draw_samples(g, m, c->sigma, &r1, S);
    if (st == MG_OK) st = mg_memratio_compute(S, X, g->threshold, &mr);
    if (st == MG_OK) st = mg_memratio_compute_upto_scale(S, X, g->threshold, &ur);
    if (st == MG_OK) out[0] = mr.frac_memorized, out[1] = ur.frac_memorized;
    mg_memratio_free(&mr);
    mg_memratio_free(&ur);
    free(s);
    if (st == MG_OK) st = rep_std(m, X, c->sigma, &r2, &out[2]);
    if (st == MG_OK) st = rep_std(m, T, c->sigma, &r3, &out[3]);
    double etr = 0, ete = 0;
    if (st == MG_OK) st = mg_denoise_error(m, X, c->sigma, &r4, g->draws, NULL, &etr, NULL);
    if (st == MG_OK) st = mg_denoise_error(m, T, c->sigma, &r5, g->draws, NULL, &ete, NULL);
    if (st == MG_OK) out[4] = ete > 0 ? etr / ete : NAN;
    return st;
}

/* The closed form for the cell: W_mem (Cor. 3.2) when p >= n, else the
 * block construction on the modes (Theorem 3.1, Cor. 3.3); its verdict,
 * predicted loss and measures. */
static mg_status solve(const mg_sweep_grid *g, const mg_sweep_cell *c, const cell_data *cd, const mg_rng *rm,
                       double *v) {
    mg_mat X = mg_mat_of_array(&cd->X);
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = c->sigma, cp.wd = c->wd, cp.hidden = c->p;
    int mem = c->p >= c->n;
    mg_construction con;
    memset(&con, 0, sizeof con);
    mg_separability sep;
    mg_dae *m = NULL;
    mg_status st = mem ? mg_construct_mem(X, &cp, &con) : mg_construct(X, cd->lab, cd->K, &cp, &con);
    if (st == MG_OK) st = mg_separability_compute(X, mem ? cd->self : cd->lab, mem ? c->n : cd->K, &sep);
    if (st == MG_OK) st = mg_theory_verdict(X, &con, &sep);
    if (st == MG_OK) {
        v[C_CF_KIND] = (double)con.kind;
        v[C_CF_HOLDS] = sep.holds;
        v[C_CF_LOSS] = con.train_loss;
        st = mg_construction_to_dae(&con, &m);
    }
    if (st == MG_OK) st = measure(g, c, cd, m, rm, v + C_CF_MEAS);
    mg_dae_free(m);
    mg_construction_free(&con);
    return st;
}

/* Trains a tied, bias-free DAE on the cell's rows: Eq. 6 with the cell's
 * lambda (loss "eq6", no coupled decay), Adam, full batch up to `batch`
 * rows; then measures it. */
static mg_status train(const mg_sweep_grid *g, const mg_sweep_cell *c, const cell_data *cd, const mg_rng *rt,
                       const mg_rng *rm, double *v) {
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = c->p;
    tp.sigma = c->sigma;
    tp.loss = MG_LOSS_EQ6;
    tp.lambda = c->wd;
    tp.optim = MG_OPTIM_ADAM;
    tp.lr = g->lr;
    tp.weight_decay = 0;
    tp.steps = g->steps;
    tp.batch = c->n <= g->batch ? c->n : g->batch;
    tp.batch_mode = c->n <= g->batch ? MG_BATCH_FULL : MG_BATCH_SHUFFLE;
    mg_dae *m = NULL;
    mg_status st = mg_train_dae(&tp, mg_mat_of_array(&cd->X), rt, NULL, &m);
    if (st == MG_OK) st = measure(g, c, cd, m, rm, v + C_TR_MEAS);
    mg_dae_free(m);
    return st;
}

/* Runs one cell (sweep.h). */
mg_status mg_sweep_run_cell(const mg_sweep_grid *g, int64_t index, uint64_t base_seed, mg_sweep_result *out) {
    mg_sweep_cell c;
    MG_TRY(mg_sweep_cell_at(g, index, &c));
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) out->v[i] = NAN;
    for (int i = 0; i < MG_SWEEP_NTIMES; i++) out->seconds[i] = 0;
    double *v = out->v, t0 = mg_now();
    v[0] = (double)index, v[1] = (double)c.at[MG_SWEEP_AX_DATA], v[2] = (double)c.n, v[3] = (double)c.p;
    v[4] = c.sigma, v[5] = c.wd, v[6] = (double)c.seed;
    v[C_PRED] = c.p >= c.n; /* Cor. 3.2 needs p >= n; below it only clusters fit (Cor. 3.3) */
    mg_rng base;
    mg_rng_init(&base, base_seed);
    char name[512], coords[400];
    snprintf(name, sizeof name, "sweep.data:%s:%llu", c.data, (unsigned long long)c.seed);
    mg_rng rd = mg_rng_fork_named(&base, name);
    snprintf(coords, sizeof coords, "n=%lld;p=%lld;sigma=%.17g;wd=%.17g;seed=%llu;data=%s", (long long)c.n,
             (long long)c.p, c.sigma, c.wd, (unsigned long long)c.seed, c.data);
    snprintf(name, sizeof name, "sweep.train:%s", coords);
    mg_rng rt = mg_rng_fork_named(&base, name);
    snprintf(name, sizeof name, "sweep.measure:%s", coords);
    mg_rng rm = mg_rng_fork_named(&base, name);
    cell_data cd;
    memset(&cd, 0, sizeof cd);
    mg_separability sep;
    mg_status st = make_data(g, &c, &rd, &cd);
    mg_mat X = mg_mat_of_array(&cd.X);
    if (st == MG_OK) st = mg_separability_compute(X, cd.self, c.n, &sep);
    if (st == MG_OK) {
        v[C_SEP_MEM_BETA] = sep.beta;
        st = mg_separability_compute(X, cd.lab, cd.K, &sep);
    }
    if (st == MG_OK) v[C_SEP_GEN_ALPHA] = sep.alpha, v[C_SEP_GEN_BETA] = sep.beta;
    double t1 = mg_now();
    out->seconds[0] = t1 - t0;
    if (st == MG_OK && (g->task & MG_SWEEP_SOLVE)) st = solve(g, &c, &cd, &rm, v);
    double t2 = mg_now();
    out->seconds[1] = t2 - t1;
    if (st == MG_OK && (g->task & MG_SWEEP_TRAIN)) st = train(g, &c, &cd, &rt, &rm, v);
    double t3 = mg_now();
    out->seconds[2] = t3 - t2;
    out->seconds[3] = t3 - t0;
    data_free(&cd);
    if (st != MG_OK) return mg_fail_context(st, "sweep cell %lld (%s)", (long long)index, coords);
    return MG_OK;
}
