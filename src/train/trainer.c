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

/* Picks the probe rows (all rows, or a sorted random subset from stream 4)
 * and copies them into tr->probe_x. */
mg_status mg_trainer_setup_probe(mg_trainer *tr, int64_t want) {
    int64_t k = want <= 0 ? (tr->n < 256 ? tr->n : 256) : (want < tr->n ? want : tr->n);
    if (k == tr->nprobe && tr->probe_x) return MG_OK;
    free(tr->probe_x);
    free(tr->probe_h);
    tr->probe_x = mg_alloc((size_t)k * (size_t)tr->d, sizeof(float));
    tr->probe_h = mg_alloc((size_t)k * (size_t)tr->hp, sizeof(float));
    int64_t *idx = mg_alloc((size_t)tr->n, sizeof(int64_t));
    if (!tr->probe_x || !tr->probe_h || !idx) {
        free(idx);
        tr->nprobe = 0;
        return mg_fail(MG_ERR_NOMEM, "training: cannot allocate the probe batch (%lld rows)", (long long)k);
    }
    if (k < tr->n) {
        mg_rng r = mg_rng_fork(&tr->rng_run, 4);
        mg_rng_permutation(&r, idx, tr->n);
        /* keep the first k, in ascending row order */
        char *mark = calloc((size_t)tr->n, 1);
        if (!mark) {
            free(idx);
            return mg_fail(MG_ERR_NOMEM, "training: out of memory");
        }
        for (int64_t i = 0; i < k; i++) mark[idx[i]] = 1;
        for (int64_t i = 0, j = 0; i < tr->n; i++)
            if (mark[i]) idx[j++] = i;
        free(mark);
    } else {
        for (int64_t i = 0; i < k; i++) idx[i] = i;
    }
    for (int64_t i = 0; i < k; i++)
        memcpy(tr->probe_x + i * tr->d, tr->X.data + idx[i] * tr->X.ld, (size_t)tr->d * sizeof(float));
    free(idx);
    tr->nprobe = k;
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
    mg_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return mg_fail(MG_ERR_NOMEM, "training: out of memory");
    tr->p = *params;
    tr->p.lr = mg_train_resolved_lr(params);
    tr->p.weight_decay = mg_train_resolved_wd(params);
    tr->model = model;
    tr->X = X;
    tr->n = X.rows;
    tr->d = X.cols;
    tr->hp = params->hidden;
    tr->B = params->batch_mode == MG_BATCH_FULL ? X.rows : params->batch;
    tr->nparams = mg_dae_param_count(model);
    tr->data_scale = params->loss == MG_LOSS_TORCH ? 1.0 / (double)X.cols : 1.0;
    tr->rng_run = *rng;
    tr->rng_noise = mg_rng_fork(rng, 2);
    tr->rng_batch = mg_rng_fork(rng, 3);
    tr->data_hash = mg_train_data_hash(X);
    tr->last_data_loss = NAN;
    const size_t Bd = (size_t)tr->B * (size_t)tr->d;
    int need_gather = !(params->batch_mode == MG_BATCH_FULL && X.ld == X.cols);
    mg_status s = MG_OK;
    tr->rows = mg_alloc((size_t)tr->B, sizeof(int64_t));
    tr->ws = mg_calloc(mg_train_ws_floats(tr->B, tr->d, tr->hp), sizeof(float));
    tr->xn = tr->ws ? mg_train_ws_input(tr->ws, tr->B, tr->d, tr->hp) : NULL;
    tr->grad = mg_calloc((size_t)tr->nparams, sizeof(float));
    if (need_gather) tr->x0buf = mg_alloc(Bd, sizeof(float));
    if (params->batch_mode == MG_BATCH_SHUFFLE) tr->perm = mg_alloc((size_t)tr->n, sizeof(int64_t));
    if (!tr->rows || !tr->xn || !tr->ws || !tr->grad || (need_gather && !tr->x0buf) ||
        (params->batch_mode == MG_BATCH_SHUFFLE && !tr->perm))
        s = mg_fail(MG_ERR_NOMEM, "training: cannot allocate buffers for batches of %lld x %lld", (long long)tr->B,
                    (long long)tr->d);
    if (s == MG_OK) {
        for (int64_t i = 0; i < tr->B && params->batch_mode == MG_BATCH_FULL; i++) tr->rows[i] = i;
        if (tr->perm)
            for (int64_t i = 0; i < tr->n; i++) tr->perm[i] = i;
        tr->perm_pos = tr->n; /* the first batch shuffles */
        s = mg_optim_init(&tr->opt, &tr->p, tr->nparams);
    }
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
    free(tr->rows);
    free(tr->ws);
    free(tr->grad);
    free(tr->x0buf);
    free(tr->perm);
    free(tr->probe_x);
    free(tr->probe_h);
    mg_optim_free(&tr->opt);
    free(tr);
}

/* Accessors: updates done, resolved parameters, rows per step, last batch. */
int64_t mg_trainer_step_count(const mg_trainer *tr) { return tr->step; }
const mg_train_params *mg_trainer_params(const mg_trainer *tr) { return &tr->p; }
int64_t mg_trainer_batch_rows(const mg_trainer *tr) { return tr->B; }
const int64_t *mg_trainer_batch_indices(const mg_trainer *tr) { return tr->rows; }

/* Sum of the trainer's own allocations (see mg_trainer_create). */
size_t mg_trainer_bytes(const mg_trainer *tr) {
    size_t Bd = (size_t)tr->B * (size_t)tr->d, np = (size_t)tr->nparams;
    size_t b = (size_t)tr->B * sizeof(int64_t) /* rows */
               + mg_train_ws_floats(tr->B, tr->d, tr->hp) * sizeof(float) + np * sizeof(float);
    if (tr->x0buf) b += Bd * sizeof(float);
    if (tr->perm) b += (size_t)tr->n * sizeof(int64_t);
    for (int i = 0; i < MG_OPTIM_SLOTS; i++)
        if (tr->opt.buf[i]) b += np * sizeof(float);
    b += (size_t)tr->nprobe * (size_t)(tr->d + tr->hp) * sizeof(float);
    return b;
}

/* ---- one step ---------------------------------------------------------------- */

/* Fills tr->rows with the sampler's next batch. */
static void next_batch(mg_trainer *tr) {
    switch (tr->p.batch_mode) {
    case MG_BATCH_FULL: break;
    case MG_BATCH_SHUFFLE:
        if (tr->perm_pos + tr->B > tr->n) {
            mg_rng_permutation(&tr->rng_batch, tr->perm, tr->n);
            tr->perm_pos = 0;
        }
        memcpy(tr->rows, tr->perm + tr->perm_pos, (size_t)tr->B * sizeof(int64_t));
        tr->perm_pos += tr->B;
        break;
    case MG_BATCH_REPLACE:
        for (int64_t i = 0; i < tr->B; i++) tr->rows[i] = (int64_t)mg_rng_below(&tr->rng_batch, (uint64_t)tr->n);
        break;
    case MG_BATCH_COUNT: break; /* not a mode (rejected by mg_train_params_check) */
    }
}

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
        memcpy(tr->x0buf + i * tr->d, tr->X.data + g->rows[i] * tr->X.ld, (size_t)tr->d * sizeof(float));
}

/* One update (see train.h). */
mg_status mg_trainer_step(mg_trainer *tr, const int64_t *rows, const float *eps, mg_train_progress *pr) {
    const int64_t B = tr->B, d = tr->d;
    const size_t Bd = (size_t)B * (size_t)d;
    if (rows) {
        for (int64_t i = 0; i < B; i++)
            if (rows[i] < 0 || rows[i] >= tr->n)
                return mg_fail(MG_ERR_ARG, "training step: batch row index %lld is outside 0..%lld",
                               (long long)rows[i], (long long)tr->n - 1);
    } else {
        next_batch(tr);
        rows = tr->rows;
    }
    /* clean targets: X itself for a contiguous full batch, else gathered rows:
       by the tiled step itself when it also draws the noise, else here */
    const int small = mg_train_small_ok(B, tr->hp), gather_in_step = tr->x0buf && !small && !eps;
    const float *x0 = tr->X.data;
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
    const float sigma = (float)tr->p.sigma;
    if (eps)
        for (size_t i = 0; i < Bd; i++) tr->xn[i] = x0[i] + sigma * eps[i];
    mg_mat Xn = {B, d, d, tr->xn}, X0 = {B, d, d, (float *)x0};
    /* loss, gradient and update as one fused step (small.c, tiled.c); the
       penalty is of the weights before the update */
    const double penalty = pr && tr->p.lambda != 0.0 ? tr->p.lambda * mg_dae_weight_penalty(tr->model) : 0.0;
    mg_train_fused ex = {gather_in_step ? tr->X.data : NULL, gather_in_step ? rows : NULL, tr->X.ld,
                         eps ? NULL : &tr->rng_noise, sigma, &tr->opt, mg_dae_params(tr->model, NULL), &tr->sched};
    const double D = small ? mg_train_small(tr->model, Xn, X0, tr->data_scale, tr->p.lambda, tr->grad, tr->ws, &ex)
                           : mg_train_tiled(tr->model, Xn, X0, tr->data_scale, tr->p.lambda, tr->grad, tr->ws, &ex);
    if (!eps) tr->rng_noise.counter += (Bd + 3) / 4; /* as mg_rng_add_noise advances it */
    if (!isfinite(D)) /* the parameters are untouched */
        return mg_fail(MG_ERR_NUMERIC, "training diverged at step %lld: the loss is %s (try a smaller learning rate)",
                       (long long)tr->step + 1, isnan(D) ? "NaN" : "infinite");
    tr->step++;
    tr->last_data_loss = D;
    if (pr) {
        pr->step = tr->step;
        pr->total = tr->p.steps;
        pr->data_loss = D;
        pr->loss = tr->data_scale * D + penalty;
    }
    return MG_OK;
}

/* Representation std on the probe batch and the last gradient's norm. */
mg_status mg_trainer_probe(mg_trainer *tr, mg_train_progress *pr) {
    const int64_t k = tr->nprobe, p = tr->hp;
    mg_mat Xp = {k, tr->d, tr->d, tr->probe_x}, Hp = {k, p, p, tr->probe_h};
    MG_TRY(mg_dae_encode(tr->model, Xp, Hp));
    double smean = 0.0, smax = 0.0;
    for (int64_t i = 0; i < k; i++) {
        const float *h = tr->probe_h + i * p;
        double mu = 0.0, var = 0.0;
        for (int64_t j = 0; j < p; j++) mu += h[j];
        mu /= (double)p;
        for (int64_t j = 0; j < p; j++) var += ((double)h[j] - mu) * ((double)h[j] - mu);
        double sd = sqrt(var / (double)p);
        smean += sd;
        if (sd > smax) smax = sd;
    }
    pr->rep_std_mean = k ? smean / (double)k : NAN;
    pr->rep_std_max = k ? smax : NAN;
    double g2 = 0.0;
    for (int64_t i = 0; i < tr->nparams; i++) g2 += (double)tr->grad[i] * tr->grad[i];
    pr->grad_norm = tr->step > 0 ? sqrt(g2) : NAN;
    return MG_OK;
}
