/*
 * The part of a training run that does not depend on the model
 * (mg_train_core, train_internal.h): resolved parameters, data fingerprint,
 * the run's streams (2 noise, 3 batch order, 4 probe rows), the batch sampler
 * (full batch, without replacement with a fresh permutation per epoch and
 * PyTorch's drop_last, with replacement), the optimizer state, the probe
 * rows and their representation statistics. The DAE trainer (trainer.c) and
 * the time-conditioned trainer (tc_trainer.c) both build on it, so batches,
 * checkpoints and logs mean the same for both.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

/* Sets up the model-independent state (see train_internal.h). */
mg_status mg_train_core_init(mg_train_core *c, const mg_train_params *params, mg_mat X, const mg_rng *rng,
                             int64_t nparams) {
    memset(c, 0, sizeof *c);
    c->p = *params;
    c->p.lr = mg_train_resolved_lr(params);
    c->p.weight_decay = mg_train_resolved_wd(params);
    c->X = X;
    c->n = X.rows;
    c->d = X.cols;
    c->B = params->batch_mode == MG_BATCH_FULL ? X.rows : params->batch;
    c->nparams = nparams;
    c->data_scale = params->loss == MG_LOSS_TORCH ? 1.0 / (double)X.cols : 1.0;
    c->rng_run = *rng;
    c->rng_noise = mg_rng_fork(rng, 2);
    c->rng_batch = mg_rng_fork(rng, 3);
    c->data_hash = mg_train_data_hash(X);
    c->last_data_loss = NAN;
    c->rows = mg_alloc((size_t)c->B, sizeof(int64_t));
    if (params->batch_mode == MG_BATCH_SHUFFLE) c->perm = mg_alloc((size_t)c->n, sizeof(int64_t));
    if (!c->rows || (params->batch_mode == MG_BATCH_SHUFFLE && !c->perm)) {
        mg_train_core_free(c);
        return mg_fail(MG_ERR_NOMEM, "training: cannot allocate the batch sampler for %lld rows", (long long)c->n);
    }
    for (int64_t i = 0; i < c->B && params->batch_mode == MG_BATCH_FULL; i++) c->rows[i] = i;
    if (c->perm)
        for (int64_t i = 0; i < c->n; i++) c->perm[i] = i;
    c->perm_pos = c->n; /* the first batch shuffles */
    mg_status s = mg_optim_init(&c->opt, &c->p, nparams);
    if (s != MG_OK) mg_train_core_free(c);
    return s;
}

/* Frees the core's buffers. */
void mg_train_core_free(mg_train_core *c) {
    if (!c) return;
    free(c->rows);
    free(c->perm);
    free(c->probe_x);
    mg_optim_free(&c->opt);
    c->rows = c->perm = NULL;
    c->probe_x = NULL;
    c->nprobe = 0;
}

/* Bytes of the core's allocations. */
size_t mg_train_core_bytes(const mg_train_core *c) {
    size_t b = (size_t)c->B * sizeof(int64_t);
    if (c->perm) b += (size_t)c->n * sizeof(int64_t);
    for (int i = 0; i < MG_OPTIM_SLOTS; i++)
        if (c->opt.buf[i]) b += (size_t)c->nparams * sizeof(float);
    b += (size_t)c->nprobe * (size_t)c->d * sizeof(float);
    return b;
}

/* The sampler's next batch into c->rows. */
void mg_train_next_batch(mg_train_core *c) {
    switch (c->p.batch_mode) {
    case MG_BATCH_FULL: break;
    case MG_BATCH_SHUFFLE:
        if (c->perm_pos + c->B > c->n) {
            mg_rng_permutation(&c->rng_batch, c->perm, c->n);
            c->perm_pos = 0;
        }
        memcpy(c->rows, c->perm + c->perm_pos, (size_t)c->B * sizeof(int64_t));
        c->perm_pos += c->B;
        break;
    case MG_BATCH_REPLACE:
        for (int64_t i = 0; i < c->B; i++) c->rows[i] = (int64_t)mg_rng_below(&c->rng_batch, (uint64_t)c->n);
        break;
    case MG_BATCH_COUNT: break; /* not a mode (rejected by mg_train_params_check) */
    }
}

/* Explicit rows checked, or the sampler's next batch. */
const int64_t *mg_train_batch_rows(mg_train_core *c, const int64_t *rows) {
    if (!rows) {
        mg_train_next_batch(c);
        return c->rows;
    }
    for (int64_t i = 0; i < c->B; i++)
        if (rows[i] < 0 || rows[i] >= c->n) {
            mg_fail(MG_ERR_ARG, "training step: batch row index %lld is outside 0..%lld", (long long)rows[i],
                    (long long)c->n - 1);
            return NULL;
        }
    return rows;
}

/* Mean / max of the per-row population std over the units. */
void mg_train_rep_std(const float *H, int64_t k, int64_t p, double *mean, double *max) {
    double smean = 0.0, smax = 0.0;
    for (int64_t i = 0; i < k; i++) {
        const float *h = H + i * p;
        double mu = 0.0, var = 0.0;
        for (int64_t j = 0; j < p; j++) mu += h[j];
        mu /= (double)p;
        for (int64_t j = 0; j < p; j++) var += ((double)h[j] - mu) * ((double)h[j] - mu);
        double sd = sqrt(var / (double)p);
        smean += sd;
        if (sd > smax) smax = sd;
    }
    *mean = k ? smean / (double)k : NAN;
    *max = k ? smax : NAN;
}

/* Picks the probe rows (all rows, or a sorted random subset from stream 4)
 * and copies them into c->probe_x. */
mg_status mg_train_core_probe(mg_train_core *c, int64_t want, int *changed) {
    int64_t k = want <= 0 ? (c->n < 256 ? c->n : 256) : (want < c->n ? want : c->n);
    if (changed) *changed = 0;
    if (k == c->nprobe && c->probe_x) return MG_OK;
    if (changed) *changed = 1;
    free(c->probe_x);
    c->probe_x = mg_alloc((size_t)k * (size_t)c->d, sizeof(float));
    int64_t *idx = mg_alloc((size_t)c->n, sizeof(int64_t));
    if (!c->probe_x || !idx) {
        free(idx);
        c->nprobe = 0;
        return mg_fail(MG_ERR_NOMEM, "training: cannot allocate the probe batch (%lld rows)", (long long)k);
    }
    if (k < c->n) {
        mg_rng r = mg_rng_fork(&c->rng_run, 4);
        mg_rng_permutation(&r, idx, c->n);
        /* keep the first k, in ascending row order */
        char *mark = calloc((size_t)c->n, 1);
        if (!mark) {
            free(idx);
            return mg_fail(MG_ERR_NOMEM, "training: out of memory");
        }
        for (int64_t i = 0; i < k; i++) mark[idx[i]] = 1;
        for (int64_t i = 0, j = 0; i < c->n; i++)
            if (mark[i]) idx[j++] = i;
        free(mark);
    } else {
        for (int64_t i = 0; i < k; i++) idx[i] = i;
    }
    for (int64_t i = 0; i < k; i++)
        memcpy(c->probe_x + i * c->d, c->X.data + idx[i] * c->X.ld, (size_t)c->d * sizeof(float));
    free(idx);
    c->nprobe = k;
    return MG_OK;
}
