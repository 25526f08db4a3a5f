/*
 * Experiment fig3 (memgen/experiment/fig3.h; paper Fig. 3, App. B.1), two
 * ways side by side: samples of the memorizing set, of f_emp (Eq. 3) and of
 * the generalizing set by deterministic DDIM (the paper's text), and samples
 * of the authors' time-conditioned model trained here on the same rows, by
 * their stochastic sampler with the clamp (their code); each set, and the
 * held-out test rows, measured against its training set literally and up to
 * scale (fig3_measure.c), the in-distribution checks of the generalizing
 * samples, and for images the grids of generations over their nearest
 * training images (one of them auto-contrasted, as the authors show images).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fig3_internal.h"
#include "memgen/denoiser.h"
#include "memgen/repr.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/tctrain.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig3_params, samples_per_model, MG_FIELD_I64, "samples drawn from each model"),
    MG_FIELD(mg_exp_fig3_params, heldout_reference_rows, MG_FIELD_I64, "held-out rows measured (at most)"),
    MG_FIELD(mg_exp_fig3_params, ratio_threshold, MG_FIELD_F64, "a copy when d1/d2 < this (Gu et al.)"),
    MG_FIELD(mg_exp_fig3_params, direction_cosine, MG_FIELD_F64, "a copy up to scale at largest cosine >= this"),
    MG_FIELD(mg_exp_fig3_params, tc_mem_steps, MG_FIELD_I64, "time-conditioned memorizing model: RMSprop steps"),
    MG_FIELD(mg_exp_fig3_params, tc_mem_lr, MG_FIELD_F64, "its learning rate (weight decay 1e-2)"),
    MG_FIELD(mg_exp_fig3_params, tc_mem_p, MG_FIELD_I64, "its hidden units"),
    MG_FIELD(mg_exp_fig3_params, tc_mem_batch, MG_FIELD_I64, "its rows per step (0: full batch)"),
    MG_FIELD(mg_exp_fig3_params, tc_gen_steps, MG_FIELD_I64, "time-conditioned generalizing model: Adam steps"),
    MG_FIELD(mg_exp_fig3_params, tc_gen_lr, MG_FIELD_F64, "its learning rate (weight decay 5e-4)"),
    MG_FIELD(mg_exp_fig3_params, tc_gen_p, MG_FIELD_I64, "its hidden units (0: the generalizing DAE set's)"),
    MG_FIELD(mg_exp_fig3_params, tc_gen_batch, MG_FIELD_I64, "its rows per step (0: full batch)"),
    MG_FIELD(mg_exp_fig3_params, tc_sigma_min, MG_FIELD_F64, "lowest noise level (training range, sampler grid)"),
    MG_FIELD(mg_exp_fig3_params, tc_sigma_max, MG_FIELD_F64, "highest noise level (training range, sampler grid)"),
    MG_FIELD(mg_exp_fig3_params, tc_levels, MG_FIELD_I64, "levels of the authors' sampler before the final 0"),
    MG_FIELD(mg_exp_fig3_params, tc_clamp, MG_FIELD_BOOL, "clamp every sampler step to the data range"),
};

#define SET_FIELD(s, m, type, doc) MG_FIELD_AS(mg_exp_fig3_result, s.m, #s "." #m, type, doc)
#define SET_FIELDS(s)                                                                                                 \
    SET_FIELD(s, training_rows, MG_FIELD_I64, "training rows measured against"),                                      \
        SET_FIELD(s, samples, MG_FIELD_I64, "rows measured"),                                                         \
        SET_FIELD(s, memorized, MG_FIELD_F64, "share of copies (d1/d2)"),                                             \
        SET_FIELD(s, distinct_copied, MG_FIELD_I64, "distinct training rows copied"),                                 \
        SET_FIELD(s, median_ratio, MG_FIELD_F64, "median d1/d2"),                                                     \
        SET_FIELD(s, mean_cos_max, MG_FIELD_F64, "mean largest cosine to a training row"),                            \
        SET_FIELD(s, near_duplicate, MG_FIELD_F64, "share of near-duplicates among the rows"),                        \
        SET_FIELD(s, sampling_seconds, MG_FIELD_F64, "sampling wall time (NaN: not sampled)"),                        \
        SET_FIELD(s, direction_copies, MG_FIELD_F64, "share with largest cosine >= direction_cosine"),                \
        SET_FIELD(s, unit_memorized, MG_FIELD_F64, "share of copies up to scale (d1/d2 on unit-norm rows)"),          \
        SET_FIELD(s, unit_distinct_copied, MG_FIELD_I64, "distinct training rows copied up to scale"),                \
        SET_FIELD(s, median_unit_ratio, MG_FIELD_F64, "median d1/d2 on unit-norm rows"),                              \
        SET_FIELD(s, median_norm, MG_FIELD_F64, "median norm of the rows"),                                           \
        SET_FIELD(s, train_median_norm, MG_FIELD_F64, "median norm of the training rows"),                            \
        SET_FIELD(s, train_seconds, MG_FIELD_F64, "training wall time (NaN: trained elsewhere)"),                     \
        SET_FIELD(s, inside_share, MG_FIELD_F64, "share inside the held-out range (literal)"),                        \
        SET_FIELD(s, inside_nn_dist_share, MG_FIELD_F64, "images: inside the distance range"),                        \
        SET_FIELD(s, inside_norm_share, MG_FIELD_F64, "images: inside the norm range"),                               \
        SET_FIELD(s, median_mahalanobis2, MG_FIELD_F64, "MoG: median squared Mahalanobis distance, nearest mode"),     \
        SET_FIELD(s, median_mean_axis, MG_FIELD_F64, "MoG: median coordinate along the nearest mode's mean"),         \
        SET_FIELD(s, mode0_share, MG_FIELD_F64, "MoG: share nearest mode 0"),                                         \
        SET_FIELD(s, median_nn_dist, MG_FIELD_F64, "images: median distance to the nearest training image"),          \
        SET_FIELD(s, scaled_inside_share, MG_FIELD_F64, "share inside the rescaled held-out range (up to scale)"),    \
        SET_FIELD(s, scaled_median_mahalanobis2, MG_FIELD_F64, "MoG: the median, rows rescaled"),                     \
        SET_FIELD(s, scaled_median_nn_dist, MG_FIELD_F64, "images: the median distance, rows rescaled")

static const mg_field RESULT_FIELDS[] = {
    SET_FIELDS(mem),
    SET_FIELDS(emp),
    SET_FIELDS(gen),
    SET_FIELDS(test),
    SET_FIELDS(tc_mem),
    SET_FIELDS(tc_gen),
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
    MG_FIELD(mg_exp_fig3_result, gen_mode0_share, MG_FIELD_F64, "MoG: share of generalizing samples nearest mode 0"),
    MG_FIELD(mg_exp_fig3_result, test_scaled_q95_mahalanobis2, MG_FIELD_F64,
             "MoG: 95% quantile of the held-out rows rescaled to their median norm"),
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
    MG_FIELD(mg_exp_fig3_result, test_scaled_q05_nn_dist, MG_FIELD_F64,
             "images: 5% quantile of the distance, held-out rows rescaled to their median norm"),
    MG_FIELD(mg_exp_fig3_result, test_scaled_q95_nn_dist, MG_FIELD_F64, "images: its 95% quantile"),
    MG_FIELD(mg_exp_fig3_result, grid_samples, MG_FIELD_I64, "images: generations shown per grid"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_p, MG_FIELD_I64, "hidden units of the time-conditioned memorizing model"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_p, MG_FIELD_I64, "hidden units of the time-conditioned generalizing model"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_loss, MG_FIELD_F64, "its last training loss (MSELoss), memorizing"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_loss, MG_FIELD_F64, "its last training loss (MSELoss), generalizing"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_skip, MG_FIELD_F64, "learned skip s, memorizing"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_skip, MG_FIELD_F64, "learned skip s, generalizing"),
    MG_FIELD(mg_exp_fig3_result, tc_clamp_lo, MG_FIELD_F64, "the sampler's clamp: low end (NaN: none)"),
    MG_FIELD(mg_exp_fig3_result, tc_clamp_hi, MG_FIELD_F64, "the sampler's clamp: high end (NaN: none)"),
    MG_FIELD(mg_exp_fig3_result, mem_samples, MG_FIELD_ARRAY, "samples of the memorizing set"),
    MG_FIELD(mg_exp_fig3_result, mem_measures, MG_FIELD_TABLE, "per-sample measures, memorizing set"),
    MG_FIELD(mg_exp_fig3_result, emp_samples, MG_FIELD_ARRAY, "samples of f_emp"),
    MG_FIELD(mg_exp_fig3_result, emp_measures, MG_FIELD_TABLE, "per-sample measures, f_emp"),
    MG_FIELD(mg_exp_fig3_result, gen_samples, MG_FIELD_ARRAY, "samples of the generalizing set"),
    MG_FIELD(mg_exp_fig3_result, gen_measures, MG_FIELD_TABLE, "per-sample measures, generalizing set"),
    MG_FIELD(mg_exp_fig3_result, test_measures, MG_FIELD_TABLE, "per-row measures, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, sets, MG_FIELD_TABLE, "the four summaries of the DDIM runs"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_samples, MG_FIELD_ARRAY, "samples of the time-conditioned memorizing model"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_measures, MG_FIELD_TABLE, "per-sample measures, its samples"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_samples, MG_FIELD_ARRAY, "samples of the time-conditioned generalizing model"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_measures, MG_FIELD_TABLE, "per-sample measures, its samples"),
    MG_FIELD(mg_exp_fig3_result, mem_upto_scale, MG_FIELD_TABLE, "per-sample measures up to scale, memorizing set"),
    MG_FIELD(mg_exp_fig3_result, emp_upto_scale, MG_FIELD_TABLE, "per-sample measures up to scale, f_emp"),
    MG_FIELD(mg_exp_fig3_result, gen_upto_scale, MG_FIELD_TABLE, "per-sample measures up to scale, generalizing set"),
    MG_FIELD(mg_exp_fig3_result, test_upto_scale, MG_FIELD_TABLE, "per-row measures up to scale, held-out rows"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_upto_scale, MG_FIELD_TABLE,
             "per-sample measures up to scale, time-conditioned memorizing model"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_upto_scale, MG_FIELD_TABLE,
             "per-sample measures up to scale, time-conditioned generalizing model"),
    MG_FIELD(mg_exp_fig3_result, runs, MG_FIELD_TABLE, "the six summaries, literal and up to scale"),
    MG_FIELD(mg_exp_fig3_result, in_distribution, MG_FIELD_TABLE, "the in-distribution checks, literal and up to scale"),
    MG_FIELD(mg_exp_fig3_result, timing, MG_FIELD_TABLE, "training and sampling wall times of the rows of runs"),
    MG_FIELD(mg_exp_fig3_result, mem_train, MG_FIELD_ARRAY, "images: the memorizing training rows"),
    MG_FIELD(mg_exp_fig3_result, mem_grid, MG_FIELD_ARRAY, "images: memorizing samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, emp_grid, MG_FIELD_ARRAY, "images: f_emp samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, gen_grid, MG_FIELD_ARRAY,
             "images: generalizing samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, tc_mem_grid, MG_FIELD_ARRAY,
             "images: time-conditioned memorizing samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, tc_gen_grid, MG_FIELD_ARRAY,
             "images: time-conditioned generalizing samples over their nearest training images"),
    MG_FIELD(mg_exp_fig3_result, autocontrast_grid, MG_FIELD_ARRAY,
             "images: generations over their nearest training images up to scale, each image min-max stretched"),
};

static const char *const LABELS[F3_NSETS] = {"memorizing set",   "f_emp (Eq. 3)",
                                             "generalizing set", "held-out test rows",
                                             "memorizing model", "generalizing model"};
static const char *const HOW[F3_NSETS] = {"DAE sets, DDIM",
                                          "f_emp, DDIM",
                                          "DAE sets, DDIM",
                                          "not sampled",
                                          "time-conditioned model, authors' sampler",
                                          "time-conditioned model, authors' sampler"};
/* The authors' weight decays (their notebook): RMSprop for memorization, Adam for generalization. */
static const double TC_MEM_WD = 1e-2, TC_GEN_WD = 5e-4;

/* Library defaults (the quick report's; see sec_fig3.c for the other scales). */
mg_exp_fig3_params mg_exp_fig3_defaults(void) {
    mg_exp_fig3_params p = {300, 500, 1.0 / 3.0, 0.95, 3000, 5e-4, 256, 0, 1500, 1e-3, 0, 256, 0.02, 2.0, 60, 1};
    return p;
}

/* Frees a result. */
void mg_exp_fig3_free(mg_exp_fig3_result *r) {
    if (!r) return;
    mg_table *t[] = {&r->mem_measures,   &r->emp_measures,      &r->gen_measures,      &r->test_measures,
                     &r->tc_mem_measures, &r->tc_gen_measures,  &r->mem_upto_scale,    &r->emp_upto_scale,
                     &r->gen_upto_scale, &r->test_upto_scale,   &r->tc_mem_upto_scale, &r->tc_gen_upto_scale,
                     &r->sets,           &r->runs,              &r->in_distribution,   &r->timing};
    mg_array *a[] = {&r->mem_samples, &r->emp_samples, &r->gen_samples, &r->tc_mem_samples, &r->tc_gen_samples,
                     &r->mem_train,   &r->mem_grid,    &r->emp_grid,    &r->gen_grid,       &r->tc_mem_grid,
                     &r->tc_gen_grid, &r->autocontrast_grid};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) mg_table_free(t[i]);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) mg_array_free(a[i]);
    memset(r, 0, sizeof *r);
}

/* ---- sampling --------------------------------------------------------------------------- */

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

/* Draws the rows of s->S with sampler sp from den, seeded by rng, its
 * progress over [f0, f1] of the call; the wall time into the summary. */
static mg_status draw(const mg_exp_env *env, const mg_denoiser *den, mg_sample_params sp, const mg_rng *rng, double f0,
                      double f1, f3_set *s) {
    char detail[96];
    snprintf(detail, sizeof detail, "sampling with the %s (%s)", LABELS[s->key], HOW[s->key]);
    progress_slot slot = {env, detail, f0, f1};
    sp.progress = on_sample;
    sp.progress_ctx = &slot;
    double t = mg_now();
    mg_status st = mg_sample(den, &sp, rng, s->S);
    s->sum->sampling_seconds = mg_now() - t;
    return st;
}

/* Allocates a set's samples (samples_per_model x d) as its rows. */
static mg_status alloc_samples(const mg_exp_fig3_params *p, int64_t d, mg_array *a, f3_set *s) {
    int64_t shape[2] = {p->samples_per_model, d};
    MG_TRY(mg_array_alloc(a, MG_F32, 2, shape));
    s->S = mg_mat_of_array(a);
    return MG_OK;
}

/* Measures a set (literal), with a progress line. */
static mg_status measure(const mg_exp_fig3_params *p, const mg_exp_env *env, double f, f3_set *s) {
    char det[96];
    snprintf(det, sizeof det, "measuring the %s", LABELS[s->key]);
    mg_exp_progress(env, det, f);
    return mg_f3_measure(p, env->data[0], env->sigmas[0], s);
}

/* Samples the memorizing set, f_emp and the generalizing set by DDIM over
 * the run's grid (generator 3 * index + k), and measures them and the
 * held-out rows. */
static mg_status ddim_runs(const mg_exp_fig3_params *p, const mg_exp_env *env, f3_set set[F3_NSETS],
                           mg_exp_fig3_result *r) {
    const mg_exp_data *d = env->data[0];
    mg_array *samp[3] = {&r->mem_samples, &r->emp_samples, &r->gen_samples};
    mg_denoiser dens[3];
    memset(dens, 0, sizeof dens);
    mg_status s = mg_denoiser_daeset(&d->mem_set, MG_LEVEL_NEAREST, &dens[0]);
    if (s == MG_OK) s = mg_denoiser_emp(mg_exp_mem(d), &dens[1]);
    if (s == MG_OK) s = mg_denoiser_daeset(&d->gen_set, MG_LEVEL_NEAREST, &dens[2]);
    mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
    sp.kind = MG_SAMPLER_DDIM;
    sp.sigmas = env->sigmas;
    sp.nsigmas = env->nsigmas;
    for (int i = 0; i <= F3_TEST && s == MG_OK; i++) {
        f3_set *st = &set[i];
        double f0 = 0.02 + 0.06 * i;
        if (i == F3_TEST) {
            st->S = mg_exp_test(d);
            if (st->S.rows > p->heldout_reference_rows) st->S.rows = p->heldout_reference_rows;
            st->sum->sampling_seconds = NAN;
        } else {
            mg_rng rng = mg_rng_fork(env->rng, (uint64_t)(3 * env->index + i));
            s = alloc_samples(p, d->d, samp[i], st);
            if (s == MG_OK) s = draw(env, &dens[i], sp, &rng, f0, f0 + 0.05, st);
        }
        if (s == MG_OK) s = measure(p, env, f0 + 0.05, st);
    }
    for (int i = 0; i < 3; i++) mg_denoiser_free(&dens[i]);
    return s;
}

/* ---- the authors' time-conditioned model ---------------------------------------------------- */

/* Training progress, mapped to [f0, f1] of the call; keeps the last loss. */
typedef struct {
    const mg_exp_env *env;
    const char *detail;
    double f0, f1, loss;
} train_slot;

/* mg_train_io.progress of a slot. */
static void on_train(void *vslot, const mg_train_progress *pr) {
    train_slot *sl = vslot;
    sl->loss = pr->loss;
    double f = pr->total > 0 ? (double)pr->step / (double)pr->total : 1.0;
    mg_exp_progress(sl->env, sl->detail, sl->f0 + f * (sl->f1 - sl->f0));
}

/* Trains the authors' time-conditioned model (tctrain.h) on X as their
 * notebook does: memorization RMSprop weight decay 1e-2, generalization Adam weight decay 5e-4
 * (batches without replacement, drop_last), MSELoss, sigma log-uniform in
 * [tc_sigma_min, tc_sigma_max]; steps, lr, p and batch from the parameters.
 * Generator t = fork "tc", then fork 4 * index + (0 | 2). */
static mg_status train_tc(const mg_exp_fig3_params *p, const mg_exp_env *env, int gen, int64_t hidden, double f0,
                          double f1, f3_set *s, mg_tcdae **model, double *loss) {
    mg_tc_train_params tp = mg_tc_train_params_default();
    mg_train_params *b = &tp.base;
    int64_t batch = gen ? p->tc_gen_batch : p->tc_mem_batch, n = s->train.rows;
    b->hidden = hidden;
    b->optim = gen ? MG_OPTIM_ADAM : MG_OPTIM_RMSPROP;
    b->lr = gen ? p->tc_gen_lr : p->tc_mem_lr;
    b->weight_decay = gen ? TC_GEN_WD : TC_MEM_WD;
    b->loss = MG_LOSS_TORCH;
    b->batch_mode = batch <= 0 || batch >= n ? MG_BATCH_FULL : MG_BATCH_SHUFFLE;
    b->batch = batch <= 0 || batch >= n ? n : batch;
    b->steps = gen ? p->tc_gen_steps : p->tc_mem_steps;
    tp.sigma_min = p->tc_sigma_min;
    tp.sigma_max = p->tc_sigma_max;
    char detail[96];
    snprintf(detail, sizeof detail, "training the time-conditioned %s", LABELS[s->key]);
    train_slot slot = {env, detail, f0, f1, NAN};
    mg_train_io io;
    memset(&io, 0, sizeof io);
    io.log_every = b->steps >= 20 ? b->steps / 20 : 1;
    io.probe_rows = 1; /* the progress line does not show the probe's representation std */
    io.progress = on_train;
    io.ctx = &slot;
    mg_rng base = mg_rng_fork_named(env->rng, "tc"), rng = mg_rng_fork(&base, (uint64_t)(4 * env->index + 2 * gen));
    double t = mg_now();
    mg_status st = mg_train_tcdae(&tp, s->train, &rng, &io, model);
    s->sum->train_seconds = mg_now() - t;
    *loss = slot.loss;
    return st;
}

/* The sampler's clamp: the generalizing training rows' global minimum and
 * maximum (the data range; the authors clamp to [-1, 1], their pixels'). */
static void data_range(const mg_exp_data *d, double *lo, double *hi) {
    mg_mat X = mg_exp_gen(d);
    float a = INFINITY, b = -INFINITY;
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = 0; j < X.cols; j++) {
            float v = X.data[i * X.ld + j];
            a = v < a ? v : a;
            b = v > b ? v : b;
        }
    *lo = a, *hi = b;
}

/* Trains, samples (the authors' sampler, generator fork 4 * index + (1 | 3)
 * of "tc") and measures one time-conditioned run over [f0, f1] of the call. */
static mg_status tc_run(const mg_exp_fig3_params *p, const mg_exp_env *env, int gen, const double *grid, double f0,
                        double f1, f3_set *s, mg_array *samples, mg_exp_fig3_result *r) {
    const mg_exp_data *d = env->data[0];
    int64_t hidden = gen ? (p->tc_gen_p > 0 ? p->tc_gen_p : d->params.gen_train.hidden) : p->tc_mem_p;
    mg_tcdae *m = NULL;
    mg_denoiser den;
    memset(&den, 0, sizeof den);
    double fs = f0 + 0.85 * (f1 - f0), loss = NAN;
    mg_status st = train_tc(p, env, gen, hidden, f0, fs, s, &m, &loss);
    if (st == MG_OK) st = mg_denoiser_tcdae(m, &den);
    if (st == MG_OK) st = alloc_samples(p, d->d, samples, s);
    if (st == MG_OK) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.kind = MG_SAMPLER_ANCESTRAL;
        sp.sigmas = grid;
        sp.nsigmas = (int)p->tc_levels;
        sp.clamp_lo = r->tc_clamp_lo;
        sp.clamp_hi = r->tc_clamp_hi;
        mg_rng base = mg_rng_fork_named(env->rng, "tc"), rng = mg_rng_fork(&base, (uint64_t)(4 * env->index + 2 * gen + 1));
        st = draw(env, &den, sp, &rng, fs, f1, s);
    }
    if (st == MG_OK) st = measure(p, env, f1, s);
    if (m) {
        *(gen ? &r->tc_gen_p : &r->tc_mem_p) = hidden;
        *(gen ? &r->tc_gen_loss : &r->tc_mem_loss) = loss;
        *(gen ? &r->tc_gen_skip : &r->tc_mem_skip) = mg_tcdae_cparts_of(m).skip[0];
    }
    mg_denoiser_free(&den);
    mg_tcdae_free(m);
    return st;
}

/* The two time-conditioned runs: on the memorizing rows, then on the
 * generalizing rows (their training is most of the experiment's time). */
static mg_status tc_runs(const mg_exp_fig3_params *p, const mg_exp_env *env, f3_set set[F3_NSETS],
                         mg_exp_fig3_result *r) {
    double *grid = mg_alloc((size_t)p->tc_levels, sizeof(double));
    if (!grid) return mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    mg_status st = mg_sigmas_geometric(p->tc_sigma_min, p->tc_sigma_max, (int)p->tc_levels, grid);
    r->tc_clamp_lo = r->tc_clamp_hi = NAN;
    if (p->tc_clamp) data_range(env->data[0], &r->tc_clamp_lo, &r->tc_clamp_hi);
    if (st == MG_OK) st = tc_run(p, env, 0, grid, 0.25, 0.4, &set[F3_TCM], &r->tc_mem_samples, r);
    if (st == MG_OK) st = tc_run(p, env, 1, grid, 0.4, 0.9, &set[F3_TCG], &r->tc_gen_samples, r);
    free(grid);
    return st;
}

/* ---- up to scale ------------------------------------------------------------------------- */

/* Median norm of the rows of X into *out. */
static mg_status median_norm(mg_mat X, double *out) {
    double *xn;
    MG_TRY(mg_exp_row_norms(X, &xn));
    mg_summary sx;
    mg_status s = mg_summarize(xn, X.rows, &sx);
    free(xn);
    *out = sx.median;
    return s;
}

/* Every set up to scale: the training rows at unit norm (one copy of each
 * training set), then each set's measures up to scale. */
static mg_status scale_runs(const mg_exp_fig3_params *p, const mg_exp_env *env, f3_set set[F3_NSETS]) {
    const mg_exp_data *d = env->data[0];
    mg_array unit[2];
    memset(unit, 0, sizeof unit);
    double med[2];
    mg_exp_progress(env, "measuring up to scale", 0.92);
    mg_status s = mg_rows_unit_norm(mg_exp_mem(d), &unit[0]);
    if (s == MG_OK) s = mg_rows_unit_norm(mg_exp_gen(d), &unit[1]);
    if (s == MG_OK) s = median_norm(mg_exp_mem(d), &med[0]);
    if (s == MG_OK) s = median_norm(mg_exp_gen(d), &med[1]);
    for (int i = 0; i < F3_NSETS && s == MG_OK; i++) {
        set[i].unit_train = mg_mat_of_array(&unit[set[i].gen_like]);
        set[i].train_median_norm = med[set[i].gen_like];
        s = mg_f3_measure_scale(p, &set[i]);
    }
    mg_array_free(&unit[0]);
    mg_array_free(&unit[1]);
    return s;
}

/* The result's fields that repeat a set's numbers under their first names. */
static void copy_headline(mg_exp_fig3_result *r) {
    r->mem_direction_copies = r->mem.direction_copies;
    r->mem_median_norm = r->mem.median_norm;
    r->mem_train_median_norm = r->mem.train_median_norm;
    r->gen_inside_share = r->gen.inside_share;
    r->gen_median_norm = r->gen.median_norm;
    r->gen_median_mahalanobis2 = r->gen.median_mahalanobis2;
    r->gen_median_mean_axis = r->gen.median_mean_axis;
    r->test_median_mean_axis = r->test.median_mean_axis;
    r->gen_mode0_share = r->gen.mode0_share;
    r->gen_median_nn_dist = r->gen.median_nn_dist;
    r->gen_inside_nn_dist_share = r->gen.inside_nn_dist_share;
    r->gen_inside_norm_share = r->gen.inside_norm_share;
}

/* ---- tables ---------------------------------------------------------------------------- */

/* A numeric column of a summary table: a member of mg_exp_fig3_set. */
typedef struct {
    const char *name;
    size_t off;
    int i64;
} set_col;
#define DCOL(m) {#m, offsetof(mg_exp_fig3_set, m), 0}
#define ICOL(m) {#m, offsetof(mg_exp_fig3_set, m), 1}

/* A table of summaries: one row per set of `rows`, the text columns "how"
 * (with_how), "set" (the label) and "key", then the numeric columns. */
static mg_status summary_table(mg_table *t, const char *name, const mg_exp_fig3_set *const sum[F3_NSETS], const int *rows,
                               int nr, int with_how, const set_col *cols, int nc) {
    MG_TRY(mg_table_init(t, name, nr, NULL));
    int c0, first;
    if (with_how) MG_TRY(mg_table_add(t, "how", MG_COL_TEXT, NULL));
    MG_TRY(mg_table_add(t, "set", MG_COL_TEXT, &c0));
    MG_TRY(mg_table_add(t, "key", MG_COL_TEXT, NULL));
    first = c0 + 2;
    for (int j = 0; j < nc; j++) MG_TRY(mg_table_add(t, cols[j].name, MG_COL_F64, NULL));
    for (int i = 0; i < nr; i++) {
        int k = rows[i];
        if (with_how) MG_TRY(mg_table_set_text(t, c0 - 1, i, HOW[k]));
        MG_TRY(mg_table_set_text(t, c0, i, LABELS[k]));
        MG_TRY(mg_table_set_text(t, c0 + 1, i, mg_f3_keys[k]));
        for (int j = 0; j < nc; j++) {
            const char *m = (const char *)sum[k] + cols[j].off;
            t->cols[first + j].num[i] = cols[j].i64 ? (double)*(const int64_t *)m : *(const double *)m;
        }
    }
    return MG_OK;
}

/* The tables of summaries: "sets" (the four DDIM sets, as before), "runs"
 * (all six, grouped by regime, literal and up to scale), "in_distribution"
 * (the checks of gen, tc_gen and test) and "timing" (wall times, the rows of
 * runs). */
static mg_status summary_tables(mg_exp_fig3_result *r) {
    const mg_exp_fig3_set *sum[F3_NSETS] = {&r->mem, &r->emp, &r->gen, &r->test, &r->tc_mem, &r->tc_gen};
    static const int SETS[4] = {F3_MEM, F3_EMP, F3_GEN, F3_TEST};
    static const int RUNS[F3_NSETS] = {F3_MEM, F3_TCM, F3_EMP, F3_GEN, F3_TCG, F3_TEST};
    static const int INDIST[3] = {F3_GEN, F3_TCG, F3_TEST};
    static const set_col sets_cols[] = {ICOL(training_rows), ICOL(samples),      DCOL(memorized),
                                        ICOL(distinct_copied), DCOL(median_ratio), DCOL(mean_cos_max),
                                        DCOL(near_duplicate), DCOL(sampling_seconds)};
    static const set_col runs_cols[] = {ICOL(training_rows),     ICOL(samples),          DCOL(memorized),
                                        ICOL(distinct_copied),   DCOL(direction_copies), DCOL(unit_memorized),
                                        ICOL(unit_distinct_copied), DCOL(median_ratio),  DCOL(median_unit_ratio),
                                        DCOL(mean_cos_max),      DCOL(median_norm),      DCOL(train_median_norm),
                                        DCOL(near_duplicate)};
    static const set_col indist_cols[] = {DCOL(inside_share),        DCOL(inside_nn_dist_share),
                                          DCOL(inside_norm_share),   DCOL(median_norm),
                                          DCOL(median_mahalanobis2), DCOL(median_mean_axis),
                                          DCOL(mode0_share),         DCOL(median_nn_dist),
                                          DCOL(scaled_inside_share), DCOL(scaled_median_mahalanobis2),
                                          DCOL(scaled_median_nn_dist)};
    static const set_col timing_cols[] = {DCOL(train_seconds), DCOL(sampling_seconds)};
#define NC(a) ((int)(sizeof a / sizeof a[0]))
    MG_TRY(summary_table(&r->sets, "sets", sum, SETS, 4, 0, sets_cols, NC(sets_cols)));
    MG_TRY(summary_table(&r->runs, "runs", sum, RUNS, F3_NSETS, 1, runs_cols, NC(runs_cols)));
    MG_TRY(summary_table(&r->in_distribution, "in_distribution", sum, INDIST, 3, 1, indist_cols, NC(indist_cols)));
    MG_TRY(summary_table(&r->timing, "timing", sum, RUNS, F3_NSETS, 1, timing_cols, NC(timing_cols)));
#undef NC
    return MG_OK;
}

/* ---- pictures ---------------------------------------------------------------------------- */

/* Columns of a grid: up to 8 generations. */
static int64_t grid_cols(int64_t n) { return n < 8 ? n : 8; }

/* An image dataset's grid of a sampled set: up to two rows of (up to 8)
 * generations, each followed by the row of their nearest training images;
 * *out is (2 pairs) x cols x d. */
static mg_status nn_grid(const f3_set *s, int64_t *shown, mg_array *out) {
    int64_t dd = s->S.cols, ncols = grid_cols(s->S.rows), pairs = ncols > 0 ? s->S.rows / ncols : 0;
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

/* One image as the authors display it, in the model's coordinates (the
 * authors' data is not centred; here the mean image is not added back, so a
 * copy up to scale shows as the image it points along): clipped to the data
 * range [lo, hi], then stretched so that its own minimum and maximum span the
 * display range [vmin, vmax] (matplotlib's imshow without vmin/vmax); a flat
 * image is vmin. */
static void autocontrast(const float *x, int64_t D, float lo, float hi, float vmin, float vmax, float *out) {
    float a = INFINITY, b = -INFINITY;
    for (int64_t j = 0; j < D; j++) {
        float v = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
        out[j] = v;
        a = v < a ? v : a;
        b = v > b ? v : b;
    }
    for (int64_t j = 0; j < D; j++) out[j] = b > a ? vmin + (vmax - vmin) * (out[j] - a) / (b - a) : vmin;
}

/* The auto-contrasted grid: for mem, tc_mem, gen and tc_gen a row of their
 * first generations and below it their nearest training images up to scale
 * (largest cosine), display values. */
static mg_status autocontrast_grid(const mg_exp_data *d, const f3_set set[F3_NSETS], mg_array *out) {
    static const int ROWS[4] = {F3_MEM, F3_TCM, F3_GEN, F3_TCG};
    int64_t D = d->d, ncols = grid_cols(set[F3_MEM].S.rows);
    if (ncols < 1) return MG_OK;
    int64_t shape[3] = {8, ncols, D};
    MG_TRY(mg_array_alloc(out, MG_F32, 3, shape));
    float *G = out->data;
    double lo, hi;
    data_range(d, &lo, &hi);
    for (int k = 0; k < 4; k++) {
        const f3_set *s = &set[ROWS[k]];
        for (int64_t c = 0; c < ncols; c++) {
            autocontrast(s->S.data + c * s->S.ld, D, (float)lo, (float)hi, d->vmin, d->vmax,
                         G + ((2 * k) * ncols + c) * D);
            autocontrast(s->train.data + s->ur.nn1[c] * s->train.ld, D, (float)lo, (float)hi, d->vmin, d->vmax,
                         G + ((2 * k + 1) * ncols + c) * D);
        }
    }
    return MG_OK;
}

/* The pictures of an image dataset. */
static mg_status pictures(const mg_exp_data *d, const f3_set set[F3_NSETS], mg_exp_fig3_result *r) {
    mg_array *grid[F3_NSETS] = {&r->mem_grid, &r->emp_grid, &r->gen_grid, NULL, &r->tc_mem_grid, &r->tc_gen_grid};
    MG_TRY(mg_exp_cycle_rows(mg_exp_mem(d), d->mem.shape[0], &r->mem_train));
    for (int i = 0; i < F3_NSETS; i++)
        if (grid[i]) MG_TRY(nn_grid(&set[i], &r->grid_samples, grid[i]));
    return autocontrast_grid(d, set, &r->autocontrast_grid);
}

/* ---- the run ------------------------------------------------------------------------------ */

/* Checks the parameters. */
static mg_status check_params(const mg_exp_fig3_params *p) {
    if (p->samples_per_model < 1 || p->heldout_reference_rows < 1 || !(p->ratio_threshold > 0))
        return mg_fail(MG_ERR_ARG, "fig3: need samples_per_model >= 1, heldout_reference_rows >= 1, ratio_threshold > 0");
    if (p->tc_mem_steps < 1 || p->tc_gen_steps < 1 || p->tc_mem_p < 1 || p->tc_gen_p < 0 || p->tc_levels < 2 ||
        p->tc_levels > 100000 || !(p->tc_mem_lr > 0) || !(p->tc_gen_lr > 0) || !(p->tc_sigma_min > 0) ||
        !(p->tc_sigma_max > p->tc_sigma_min))
        return mg_fail(MG_ERR_ARG, "fig3: the time-conditioned runs need steps >= 1, lr > 0, tc_mem_p >= 1, "
                                   "tc_gen_p >= 0, tc_levels >= 2 and 0 < tc_sigma_min < tc_sigma_max");
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig3_run(const mg_exp_fig3_params *p, const mg_exp_env *env, mg_exp_fig3_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig3, env));
    MG_TRY(check_params(p));
    const mg_exp_data *d = env->data[0];
    mg_exp_fig3_set *sum[F3_NSETS] = {&r->mem, &r->emp, &r->gen, &r->test, &r->tc_mem, &r->tc_gen};
    double *nan_fields[] = {&r->gen_median_mahalanobis2,  &r->test_median_mahalanobis2, &r->test_q95_mahalanobis2,
                            &r->gen_median_mean_axis,     &r->test_median_mean_axis,    &r->gen_mode0_share,
                            &r->gen_median_nn_dist,       &r->test_median_nn_dist,      &r->test_q05_nn_dist,
                            &r->test_q95_nn_dist,         &r->test_q05_norm,            &r->test_q95_norm,
                            &r->gen_inside_nn_dist_share, &r->gen_inside_norm_share,    &r->test_scaled_q95_mahalanobis2,
                            &r->test_scaled_q05_nn_dist,  &r->test_scaled_q95_nn_dist,  &r->tc_mem_loss,
                            &r->tc_gen_loss,              &r->tc_mem_skip,              &r->tc_gen_skip};
    for (size_t i = 0; i < sizeof nan_fields / sizeof nan_fields[0]; i++) *nan_fields[i] = NAN;
    for (int i = 0; i < F3_NSETS; i++) {
        mg_exp_fig3_set *m = sum[i];
        double *nan_set[] = {&m->train_seconds,       &m->inside_share,        &m->inside_nn_dist_share,
                             &m->inside_norm_share,   &m->median_mahalanobis2, &m->median_mean_axis,
                             &m->mode0_share,         &m->median_nn_dist,      &m->scaled_inside_share,
                             &m->scaled_median_mahalanobis2, &m->scaled_median_nn_dist};
        for (size_t k = 0; k < sizeof nan_set / sizeof nan_set[0]; k++) *nan_set[k] = NAN;
    }
    r->logp_sigma = env->sigmas[0];
    f3_set set[F3_NSETS];
    memset(set, 0, sizeof set);
    mg_table *meas[F3_NSETS] = {&r->mem_measures, &r->emp_measures, &r->gen_measures,
                                &r->test_measures, &r->tc_mem_measures, &r->tc_gen_measures};
    mg_table *ups[F3_NSETS] = {&r->mem_upto_scale, &r->emp_upto_scale, &r->gen_upto_scale,
                               &r->test_upto_scale, &r->tc_mem_upto_scale, &r->tc_gen_upto_scale};
    for (int i = 0; i < F3_NSETS; i++) {
        set[i].key = i, set[i].t = meas[i], set[i].u = ups[i], set[i].sum = sum[i];
        set[i].gen_like = i == F3_GEN || i == F3_TEST || i == F3_TCG;
        set[i].train = set[i].gen_like ? mg_exp_gen(d) : mg_exp_mem(d);
    }
    mg_status s = ddim_runs(p, env, set, r);
    if (s == MG_OK) s = tc_runs(p, env, set, r);
    if (s == MG_OK) s = scale_runs(p, env, set);
    if (s == MG_OK) s = mg_f3_in_distribution(d, env->sigmas[0], set, r);
    if (s == MG_OK) copy_headline(r);
    if (s == MG_OK) s = summary_tables(r);
    if (s == MG_OK && d->img_h > 0) s = pictures(d, set, r);
    for (int i = 0; i < F3_NSETS; i++) {
        mg_memratio_free(&set[i].mr);
        mg_memratio_free(&set[i].ur);
    }
    if (s != MG_OK) mg_exp_fig3_free(r);
    return s;
}

MG_EXP_DEFINE(fig3, mg_exp_fig3_params, mg_exp_fig3_result,
              "Sampling with memorizing vs generalizing models: DAE sets + DDIM and the authors' time-conditioned model",
              "Fig. 3, Sec. 3.1-3.2, App. B.1", MG_EXP_EACH_DATASET);
