/*
 * The trainer of the DAE (paper Eq. 6, Appendix B.1): the object that holds
 * a run's state, batch sampling, fresh Gaussian noise each step,
 * loss/gradient, optimizer update, and representation statistics on a fixed
 * probe batch. Every buffer is allocated when the trainer is created; the
 * step allocates nothing. The run loop with its log, checkpoints and stop
 * requests is run.c (log.c, checkpoint.c, stop.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

/* ---- creation --------------------------------------------------------------- */

/* The probe rows (mg_train_core_probe) and a representation buffer for them. */
mg_status mg_trainer_setup_probe(mg_trainer *tr, int64_t want) {
    int changed;
    MG_TRY(mg_train_core_probe(&tr->c, want, &changed));
    if (!changed && tr->probe_h) return MG_OK;
    free(tr->probe_h);
    tr->probe_h = mg_alloc((size_t)tr->c.nprobe * (size_t)tr->hp, sizeof(float));
    if (!tr->probe_h) {
        tr->c.nprobe = 0;
        return mg_fail(MG_ERR_NOMEM, "training: cannot allocate the probe batch (%lld rows)", (long long)want);
    }
    return MG_OK;
}

/* Allocates a trainer for model on X (see train.h). */
mg_status mg_trainer_create(const mg_train_params *params, mg_dae *model, mg_mat X, const mg_rng *rng,
                            mg_trainer **out) {
    *out = NULL;
    if (!X.data || X.ld < X.cols) return mg_fail(MG_ERR_ARG, "training: the data matrix view is invalid");
    MG_TRY(mg_train_params_check(params, X.rows, X.cols));
    if (mg_dae_dim(model) != X.cols || mg_dae_hidden(model) != params->hidden ||
        mg_dae_is_tied(model) != (params->tied != 0) || mg_dae_has_bias(model) != (params->bias != 0))
        return mg_fail(MG_ERR_SHAPE,
                       "training: the model (d=%lld, p=%lld, %s, %s) does not match the data dimension %lld and "
                       "the parameters (p=%lld, %s, %s)",
                       (long long)mg_dae_dim(model), (long long)mg_dae_hidden(model),
                       mg_dae_is_tied(model) ? "tied" : "untied", mg_dae_has_bias(model) ? "biased" : "bias-free",
                       (long long)X.cols, (long long)params->hidden, params->tied ? "tied" : "untied",
                       params->bias ? "biased" : "bias-free");
    if (mg_dae_skip(model) != 0.0f)
        return mg_fail(MG_ERR_ARG, "training: the DAE trainer does not train a skip (the model has s = %g)",
                       (double)mg_dae_skip(model));
    mg_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return mg_fail(MG_ERR_NOMEM, "training: out of memory");
    mg_status s = mg_train_core_init(&tr->c, params, X, rng, mg_dae_param_count(model));
    if (s != MG_OK) {
        free(tr);
        return s;
    }
    tr->model = model;
    tr->hp = params->hidden;
    const size_t Bd = (size_t)tr->c.B * (size_t)tr->c.d;
    int need_gather = !(params->batch_mode == MG_BATCH_FULL && X.ld == X.cols);
    tr->ws = mg_calloc(mg_train_ws_floats(tr->c.B, tr->c.d, tr->hp), sizeof(float));
    tr->xn = tr->ws ? mg_train_ws_input(tr->ws, tr->c.B, tr->c.d, tr->hp) : NULL;
    tr->grad = mg_calloc((size_t)tr->c.nparams, sizeof(float));
    if (need_gather) tr->x0buf = mg_alloc(Bd, sizeof(float));
    if (!tr->xn || !tr->ws || !tr->grad || (need_gather && !tr->x0buf))
        s = mg_fail(MG_ERR_NOMEM, "training: cannot allocate buffers for batches of %lld x %lld", (long long)tr->c.B,
                    (long long)tr->c.d);
    if (s == MG_OK) s = mg_trainer_setup_probe(tr, 0);
    if (s != MG_OK) {
        mg_trainer_free(tr);
        return s;
    }
    *out = tr;
    return MG_OK;
}

/* Frees every buffer (not the borrowed model or data). */
void mg_trainer_free(mg_trainer *tr) {
    if (!tr) return;
    mg_train_core_free(&tr->c);
    free(tr->ws);
    free(tr->grad);
    free(tr->x0buf);
    free(tr->probe_h);
    free(tr);
}

/* Accessors: updates done, resolved parameters, rows per step, last batch. */
int64_t mg_trainer_step_count(const mg_trainer *tr) { return tr->c.step; }
const mg_train_params *mg_trainer_params(const mg_trainer *tr) { return &tr->c.p; }
int64_t mg_trainer_batch_rows(const mg_trainer *tr) { return tr->c.B; }
const int64_t *mg_trainer_batch_indices(const mg_trainer *tr) { return tr->c.rows; }

/* Sum of the trainer's own allocations (see mg_trainer_create). */
size_t mg_trainer_bytes(const mg_trainer *tr) {
    size_t Bd = (size_t)tr->c.B * (size_t)tr->c.d, np = (size_t)tr->c.nparams;
    size_t b = mg_train_core_bytes(&tr->c) + mg_train_ws_floats(tr->c.B, tr->c.d, tr->hp) * sizeof(float) +
               np * sizeof(float);
    if (tr->x0buf) b += Bd * sizeof(float);
    b += (size_t)tr->c.nprobe * (size_t)tr->hp * sizeof(float);
    return b;
}

/* ---- one step ---------------------------------------------------------------- */

/* Arguments of the gather pass. */
typedef struct {
    mg_trainer *tr;
    const int64_t *rows;
} gather_ctx;

/* Copies the batch rows lo..hi of X into the gather buffer. */
static void gather_rows(void *vc, int64_t lo, int64_t hi) {
    const gather_ctx *g = vc;
    const mg_trainer *tr = g->tr;
    for (int64_t i = lo; i < hi; i++)
        memcpy(tr->x0buf + i * tr->c.d, tr->c.X.data + g->rows[i] * tr->c.X.ld, (size_t)tr->c.d * sizeof(float));
}

/* One update (see train.h). */
mg_status mg_trainer_step(mg_trainer *tr, const int64_t *rows, const float *eps, mg_train_progress *pr) {
    const int64_t B = tr->c.B, d = tr->c.d;
    const size_t Bd = (size_t)B * (size_t)d;
    rows = mg_train_batch_rows(&tr->c, rows);
    if (!rows) return MG_ERR_ARG;
    /* clean targets: X itself for a contiguous full batch, else gathered rows:
       by the tiled step itself when it also draws the noise, else here */
    const int small = mg_train_small_ok(B, tr->hp), gather_in_step = tr->x0buf && !small && !eps;
    const float *x0 = tr->c.X.data;
    if (tr->x0buf) {
        if (!gather_in_step) {
            gather_ctx g = {tr, rows};
            mg_train_par(B, B * d > 65536 ? 65536 / d + 1 : B, gather_rows, &g);
        }
        x0 = tr->x0buf;
    } else {
        for (int64_t i = 0; i < B; i++) /* explicit rows with a direct full batch must be the identity */
            if (rows[i] != i) return mg_fail(MG_ERR_ARG, "training step: a full batch uses rows 0..n-1 in order");
    }
    /* noisy inputs Xn = X0 + sigma eps, in the workspace's input slot: given
       eps here, else drawn inside the step */
    const float sigma = (float)tr->c.p.sigma;
    if (eps)
        for (size_t i = 0; i < Bd; i++) tr->xn[i] = x0[i] + sigma * eps[i];
    mg_mat Xn = {B, d, d, tr->xn}, X0 = {B, d, d, (float *)x0};
    /* loss, gradient and update as one fused step (small.c, tiled.c); the
       penalty is of the weights before the update */
    const double penalty = pr && tr->c.p.lambda != 0.0 ? tr->c.p.lambda * mg_dae_weight_penalty(tr->model) : 0.0;
    mg_train_fused ex = {gather_in_step ? tr->c.X.data : NULL, gather_in_step ? rows : NULL, tr->c.X.ld,
                         eps ? NULL : &tr->c.rng_noise, sigma, &tr->c.opt, mg_dae_params(tr->model, NULL), &tr->sched};
    const double D = small ? mg_train_small(tr->model, Xn, X0, tr->c.data_scale, tr->c.p.lambda, tr->grad, tr->ws, &ex)
                           : mg_train_tiled(tr->model, Xn, X0, tr->c.data_scale, tr->c.p.lambda, tr->grad, tr->ws, &ex);
    if (!eps) tr->c.rng_noise.counter += (Bd + 3) / 4; /* as mg_rng_add_noise advances it */
    if (!isfinite(D)) /* the parameters are untouched */
        return mg_fail(MG_ERR_NUMERIC, "training diverged at step %lld: the loss is %s (try a smaller learning rate)",
                       (long long)tr->c.step + 1, isnan(D) ? "NaN" : "infinite");
    tr->c.step++;
    tr->c.last_data_loss = D;
    if (pr) {
        pr->step = tr->c.step;
        pr->total = tr->c.p.steps;
        pr->data_loss = D;
        pr->loss = tr->c.data_scale * D + penalty;
    }
    return MG_OK;
}

/* Representation std on the probe batch and the last gradient's norm. */
mg_status mg_trainer_probe(mg_trainer *tr, mg_train_progress *pr) {
    const int64_t k = tr->c.nprobe, p = tr->hp;
    mg_mat Xp = {k, tr->c.d, tr->c.d, tr->c.probe_x}, Hp = {k, p, p, tr->probe_h};
    MG_TRY(mg_dae_encode(tr->model, Xp, Hp));
    mg_train_rep_std(tr->probe_h, k, p, &pr->rep_std_mean, &pr->rep_std_max);
    double g2 = 0.0;
    for (int64_t i = 0; i < tr->c.nparams; i++) g2 += (double)tr->grad[i] * tr->grad[i];
    pr->grad_norm = tr->c.step > 0 ? sqrt(g2) : NAN;
    return MG_OK;
}
