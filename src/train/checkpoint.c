/*
 * Training checkpoints: the complete state of a trainer (model, optimizer
 * buffers and step, RNG streams, batch sampler, step) in one .safetensors
 * file, written atomically, and its restoration with checks that the
 * checkpoint belongs to the same trajectory (parameters, data). The layout is
 * described in include/memgen/train.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

/* Adds an mg_rng as an I64 [3] tensor (key, stream, counter bit patterns). */
static mg_status put_rng(mg_st *st, const char *name, const mg_rng *r) {
    int64_t three = 3;
    mg_array a;
    MG_TRY(mg_array_alloc(&a, MG_I64, 1, &three));
    uint64_t v[3] = {r->key, r->stream, r->counter};
    memcpy(a.data, v, sizeof v);
    mg_status s = mg_st_add_take(st, name, &a);
    mg_array_free(&a);
    return s;
}

/* Reads an mg_rng back from an I64 [3] tensor. */
static mg_status get_rng(const mg_st *st, const char *path, const char *name, mg_rng *r) {
    const mg_array *a = mg_st_get(st, name);
    if (!a || a->dtype != MG_I64 || a->ndim != 1 || a->shape[0] != 3)
        return mg_fail(MG_ERR_FORMAT, "%s: checkpoint tensor '%s' must be int64 of shape (3,)", path, name);
    uint64_t v[3];
    memcpy(v, a->data, sizeof v);
    r->key = v[0];
    r->stream = v[1];
    r->counter = v[2];
    return MG_OK;
}

/* Builds the checkpoint collection of the trainer's state. */
static mg_status build(const mg_trainer *tr, mg_st *st) {
    MG_TRY(mg_dae_to_st(tr->model, st, "model."));
    char name[64];
    for (int i = 0; i < MG_OPTIM_SLOTS; i++) {
        if (!tr->opt.buf[i]) continue;
        snprintf(name, sizeof name, "optim.%s", tr->opt.name[i]);
        MG_TRY(mg_st_add_f32(st, name, tr->opt.buf[i], 1, &tr->nparams));
    }
    MG_TRY(put_rng(st, "rng.run", &tr->rng_run));
    MG_TRY(put_rng(st, "rng.noise", &tr->rng_noise));
    MG_TRY(put_rng(st, "rng.batch", &tr->rng_batch));
    if (tr->perm) {
        mg_array a;
        MG_TRY(mg_array_alloc(&a, MG_I64, 1, &tr->n));
        memcpy(a.data, tr->perm, (size_t)tr->n * sizeof(int64_t));
        mg_status s = mg_st_add_take(st, "sampler.perm", &a);
        mg_array_free(&a);
        MG_TRY(s);
    }
    MG_TRY(mg_st_set_meta(st, "memgen.kind", "train_checkpoint"));
    MG_TRY(mg_st_set_meta_int(st, "step", tr->step));
    MG_TRY(mg_st_set_meta_int(st, "optim.step", tr->opt.t));
    MG_TRY(mg_st_set_meta_int(st, "sampler.pos", tr->perm_pos));
    MG_TRY(mg_st_set_meta_int(st, "io.log_every", tr->io_log_every));
    MG_TRY(mg_st_set_meta_int(st, "io.probe_rows", tr->io_probe_rows));
    MG_TRY(mg_st_set_meta_int(st, "io.checkpoint_every", tr->io_ckpt_every));
    MG_TRY(mg_st_set_meta_int(st, "data.n", tr->n));
    MG_TRY(mg_st_set_meta_int(st, "data.d", tr->d));
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)tr->data_hash);
    MG_TRY(mg_st_set_meta(st, "data.hash", hash));
    MG_TRY(mg_train_params_to_st(&tr->p, st));
    return MG_OK;
}

/* Writes the checkpoint atomically. */
mg_status mg_trainer_save_checkpoint(const mg_trainer *tr, const char *path) {
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "out of memory writing checkpoint %s", path);
    mg_status s = build(tr, st);
    if (s == MG_OK) s = mg_st_write(st, path);
    if (s != MG_OK) s = mg_fail_context(s, "writing checkpoint %s", path);
    mg_st_free(st);
    return s;
}

/* Reads a checkpoint file and checks its kind. */
static mg_status open_ckpt(const char *path, mg_st **out) {
    MG_TRY(mg_st_read(path, out));
    const char *kind = mg_st_meta(*out, "memgen.kind");
    if (!kind || strcmp(kind, "train_checkpoint")) {
        mg_status s = mg_fail(MG_ERR_FORMAT, "%s is not a memgen training checkpoint (memgen.kind is '%s')", path,
                              kind ? kind : "absent");
        mg_st_free(*out);
        *out = NULL;
        return s;
    }
    return MG_OK;
}

/* Reads an integer metadata value that must be within [lo, hi]. */
static mg_status meta_int_range(const mg_st *st, const char *path, const char *key, int64_t lo, int64_t hi,
                                int64_t *out) {
    mg_status s = mg_st_meta_int(st, key, out);
    if (s != MG_OK) return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata '%s' is missing or not an integer", path, key);
    if (*out < lo || *out > hi)
        return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata '%s' = %lld is outside [%lld, %lld]", path, key,
                       (long long)*out, (long long)lo, (long long)hi);
    return MG_OK;
}

/* Parameters, run rng, step and data shape of a checkpoint. */
mg_status mg_train_checkpoint_info(const char *path, mg_train_params *params, mg_rng *rng, int64_t *step, int64_t *n,
                                   int64_t *d, mg_train_io *io) {
    mg_st *st = NULL;
    MG_TRY(open_ckpt(path, &st));
    mg_status s = mg_train_params_from_st(st, path, params);
    if (s == MG_OK) s = get_rng(st, path, "rng.run", rng);
    if (s == MG_OK) s = meta_int_range(st, path, "step", 0, INT64_MAX, step);
    if (s == MG_OK) s = meta_int_range(st, path, "data.n", 1, INT64_MAX, n);
    if (s == MG_OK) s = meta_int_range(st, path, "data.d", 1, INT64_MAX, d);
    if (s == MG_OK && io) {
        memset(io, 0, sizeof *io);
        s = meta_int_range(st, path, "io.log_every", 0, INT64_MAX, &io->log_every);
        if (s == MG_OK) s = meta_int_range(st, path, "io.probe_rows", 0, INT64_MAX, &io->probe_rows);
        if (s == MG_OK) s = meta_int_range(st, path, "io.checkpoint_every", 0, INT64_MAX, &io->checkpoint_every);
    }
    mg_st_free(st);
    return s;
}

/* Restores everything, after checking the checkpoint matches this trainer. */
static mg_status restore(mg_trainer *tr, const mg_st *st, const char *path) {
    mg_train_params cp;
    MG_TRY(mg_train_params_from_st(st, path, &cp));
    MG_TRY(mg_train_params_same(&cp, &tr->p, path));
    int64_t n, d, step, ostep, pos;
    MG_TRY(meta_int_range(st, path, "data.n", 1, INT64_MAX, &n));
    MG_TRY(meta_int_range(st, path, "data.d", 1, INT64_MAX, &d));
    if (n != tr->n || d != tr->d)
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained on %lld x %lld data, not %lld x %lld", path,
                       (long long)n, (long long)d, (long long)tr->n, (long long)tr->d);
    const char *hash = mg_st_meta(st, "data.hash");
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)tr->data_hash);
    if (!hash || strcmp(hash, want))
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained on different data (fingerprint %s, this data %s)",
                       path, hash ? hash : "absent", want);
    MG_TRY(meta_int_range(st, path, "step", 0, INT64_MAX, &step));
    MG_TRY(meta_int_range(st, path, "optim.step", 0, INT64_MAX, &ostep));
    MG_TRY(meta_int_range(st, path, "sampler.pos", 0, tr->n, &pos));
    mg_rng rrun, rnoise, rbatch;
    MG_TRY(get_rng(st, path, "rng.run", &rrun));
    MG_TRY(get_rng(st, path, "rng.noise", &rnoise));
    MG_TRY(get_rng(st, path, "rng.batch", &rbatch));
    if (rrun.key != tr->rng_run.key || rrun.stream != tr->rng_run.stream)
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained with seed %llu (stream %llu), not seed %llu "
                       "(stream %llu)", path, (unsigned long long)rrun.key, (unsigned long long)rrun.stream,
                       (unsigned long long)tr->rng_run.key, (unsigned long long)tr->rng_run.stream);
    /* model */
    mg_dae *m = NULL;
    mg_status s = mg_dae_from_st(st, "model.", &m);
    if (s != MG_OK) return mg_fail_context(s, "%s", path);
    if (mg_dae_param_count(m) != tr->nparams || mg_dae_dim(m) != tr->d || mg_dae_hidden(m) != tr->hp ||
        mg_dae_is_tied(m) != mg_dae_is_tied(tr->model) || mg_dae_has_bias(m) != mg_dae_has_bias(tr->model)) {
        mg_dae_free(m);
        return mg_fail(MG_ERR_SHAPE, "%s: the checkpoint's model has a different structure", path);
    }
    /* optimizer buffers: check all before touching the trainer */
    const mg_array *bufs[MG_OPTIM_SLOTS] = {NULL};
    char name[64];
    for (int i = 0; i < MG_OPTIM_SLOTS && s == MG_OK; i++) {
        if (!tr->opt.buf[i]) continue;
        snprintf(name, sizeof name, "optim.%s", tr->opt.name[i]);
        bufs[i] = mg_st_get(st, name);
        if (!bufs[i] || bufs[i]->dtype != MG_F32 || bufs[i]->ndim != 1 || bufs[i]->shape[0] != tr->nparams)
            s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint tensor '%s' is missing or not float32 of shape (%lld,)", path,
                        name, (long long)tr->nparams);
    }
    const mg_array *perm = NULL;
    if (s == MG_OK && tr->perm) {
        perm = mg_st_get(st, "sampler.perm");
        if (!perm || perm->dtype != MG_I64 || perm->ndim != 1 || perm->shape[0] != tr->n) {
            s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint tensor 'sampler.perm' is missing or not int64 of shape (%lld,)",
                        path, (long long)tr->n);
        } else { /* must be a permutation of 0..n-1 */
            char *seen = calloc((size_t)tr->n, 1);
            const int64_t *pv = perm->data;
            if (!seen) s = mg_fail(MG_ERR_NOMEM, "out of memory");
            for (int64_t i = 0; s == MG_OK && i < tr->n; i++) {
                if (pv[i] < 0 || pv[i] >= tr->n || seen[pv[i]])
                    s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint 'sampler.perm' is not a permutation of 0..%lld", path,
                                (long long)tr->n - 1);
                else seen[pv[i]] = 1;
            }
            free(seen);
        }
    }
    if (s != MG_OK) {
        mg_dae_free(m);
        return s;
    }
    memcpy(mg_dae_params(tr->model, NULL), mg_dae_params_const(m, NULL), (size_t)tr->nparams * sizeof(float));
    mg_dae_free(m);
    for (int i = 0; i < MG_OPTIM_SLOTS; i++)
        if (bufs[i]) memcpy(tr->opt.buf[i], bufs[i]->data, (size_t)tr->nparams * sizeof(float));
    tr->opt.t = ostep;
    if (perm) memcpy(tr->perm, perm->data, (size_t)tr->n * sizeof(int64_t));
    tr->perm_pos = tr->perm ? pos : tr->n;
    tr->rng_noise = rnoise;
    tr->rng_batch = rbatch;
    tr->step = step;
    return MG_OK;
}

/* Restores the trainer from a checkpoint file. */
mg_status mg_trainer_load_checkpoint(mg_trainer *tr, const char *path) {
    mg_st *st = NULL;
    MG_TRY(open_ckpt(path, &st));
    mg_status s = restore(tr, st, path);
    mg_st_free(st);
    return s;
}
