/*
 * Training checkpoints: the complete state of a trainer (model, optimizer
 * buffers and step, RNG streams, batch sampler, step) in one .safetensors
 * file, written atomically, and its restoration with checks that the
 * checkpoint belongs to the same trajectory (parameters, data, kind of
 * model). The layout is described in include/memgen/train.h. The model part
 * comes from the trainer (mg_train_ckpt_model), so the DAE trainer and the
 * time-conditioned one (tc_trainer.c) share everything else; "train.model"
 * names the kind ("dae" when absent, as in checkpoints of earlier versions).
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

/* The model kind a checkpoint holds ("dae" when train.model is absent). */
static const char *ckpt_kind(const mg_st *st) {
    const char *k = mg_st_meta(st, "train.model");
    return k ? k : "dae";
}

/* Builds the checkpoint collection of a trainer's state. */
static mg_status build(const mg_train_core *c, const mg_train_ckpt_model *m, mg_st *st) {
    MG_TRY(m->put(m->obj, st));
    char name[64];
    for (int i = 0; i < MG_OPTIM_SLOTS; i++) {
        if (!c->opt.buf[i]) continue;
        snprintf(name, sizeof name, "optim.%s", c->opt.name[i]);
        MG_TRY(mg_st_add_f32(st, name, c->opt.buf[i], 1, &c->nparams));
    }
    MG_TRY(put_rng(st, "rng.run", &c->rng_run));
    MG_TRY(put_rng(st, "rng.noise", &c->rng_noise));
    MG_TRY(put_rng(st, "rng.batch", &c->rng_batch));
    for (int i = 0; i < m->nextra; i++) MG_TRY(put_rng(st, m->extra_name[i], m->extra[i]));
    if (c->perm) {
        mg_array a;
        MG_TRY(mg_array_alloc(&a, MG_I64, 1, &c->n));
        memcpy(a.data, c->perm, (size_t)c->n * sizeof(int64_t));
        mg_status s = mg_st_add_take(st, "sampler.perm", &a);
        mg_array_free(&a);
        MG_TRY(s);
    }
    MG_TRY(mg_st_set_meta(st, "memgen.kind", "train_checkpoint"));
    if (strcmp(m->kind, "dae")) MG_TRY(mg_st_set_meta(st, "train.model", m->kind));
    MG_TRY(mg_st_set_meta_int(st, "step", c->step));
    MG_TRY(mg_st_set_meta_int(st, "optim.step", c->opt.t));
    MG_TRY(mg_st_set_meta_int(st, "sampler.pos", c->perm_pos));
    MG_TRY(mg_st_set_meta_int(st, "io.log_every", c->io_log_every));
    MG_TRY(mg_st_set_meta_int(st, "io.probe_rows", c->io_probe_rows));
    MG_TRY(mg_st_set_meta_int(st, "io.checkpoint_every", c->io_ckpt_every));
    MG_TRY(mg_st_set_meta_int(st, "data.n", c->n));
    MG_TRY(mg_st_set_meta_int(st, "data.d", c->d));
    char hash[32];
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)c->data_hash);
    MG_TRY(mg_st_set_meta(st, "data.hash", hash));
    MG_TRY(mg_train_params_to_st(&c->p, st));
    return MG_OK;
}

/* Writes a checkpoint atomically. */
mg_status mg_train_ckpt_save(const mg_train_core *c, const mg_train_ckpt_model *m, const char *path) {
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "out of memory writing checkpoint %s", path);
    mg_status s = build(c, m, st);
    if (s == MG_OK) s = mg_st_write(st, path);
    if (s != MG_OK) s = mg_fail_context(s, "writing checkpoint %s", path);
    mg_st_free(st);
    return s;
}

/* Reads a checkpoint file and checks its kind and model kind. */
mg_status mg_train_ckpt_open(const char *path, const char *kind, mg_st **out) {
    MG_TRY(mg_st_read(path, out));
    const char *k = mg_st_meta(*out, "memgen.kind");
    mg_status s = MG_OK;
    if (!k || strcmp(k, "train_checkpoint"))
        s = mg_fail(MG_ERR_FORMAT, "%s is not a memgen training checkpoint (memgen.kind is '%s')", path,
                    k ? k : "absent");
    else if (strcmp(ckpt_kind(*out), kind))
        s = mg_fail(MG_ERR_ARG, "%s is a checkpoint of a '%s' model, not of a '%s' model (memgen train --kind %s)",
                    path, ckpt_kind(*out), kind, ckpt_kind(*out));
    if (s != MG_OK) {
        mg_st_free(*out);
        *out = NULL;
    }
    return s;
}

/* Reads an integer metadata value that must be within [lo, hi]. */
mg_status mg_train_ckpt_meta_int(const mg_st *st, const char *path, const char *key, int64_t lo, int64_t hi,
                                 int64_t *out) {
    mg_status s = mg_st_meta_int(st, key, out);
    if (s != MG_OK) return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata '%s' is missing or not an integer", path, key);
    if (*out < lo || *out > hi)
        return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata '%s' = %lld is outside [%lld, %lld]", path, key,
                       (long long)*out, (long long)lo, (long long)hi);
    return MG_OK;
}

/* Parameters, run rng, step and data shape of a DAE checkpoint. */
mg_status mg_train_checkpoint_info(const char *path, mg_train_params *params, mg_rng *rng, int64_t *step, int64_t *n,
                                   int64_t *d, mg_train_io *io) {
    return mg_train_checkpoint_info_kind(path, "dae", params, rng, step, n, d, io);
}

/* The same for a checkpoint of the given model kind. */
mg_status mg_train_checkpoint_info_kind(const char *path, const char *kind, mg_train_params *params, mg_rng *rng,
                                        int64_t *step, int64_t *n, int64_t *d, mg_train_io *io) {
    mg_st *st = NULL;
    MG_TRY(mg_train_ckpt_open(path, kind, &st));
    mg_status s = mg_train_params_from_st(st, path, params);
    if (s == MG_OK) s = get_rng(st, path, "rng.run", rng);
    if (s == MG_OK) s = mg_train_ckpt_meta_int(st, path, "step", 0, INT64_MAX, step);
    if (s == MG_OK) s = mg_train_ckpt_meta_int(st, path, "data.n", 1, INT64_MAX, n);
    if (s == MG_OK) s = mg_train_ckpt_meta_int(st, path, "data.d", 1, INT64_MAX, d);
    if (s == MG_OK && io) {
        memset(io, 0, sizeof *io);
        s = mg_train_ckpt_meta_int(st, path, "io.log_every", 0, INT64_MAX, &io->log_every);
        if (s == MG_OK) s = mg_train_ckpt_meta_int(st, path, "io.probe_rows", 0, INT64_MAX, &io->probe_rows);
        if (s == MG_OK)
            s = mg_train_ckpt_meta_int(st, path, "io.checkpoint_every", 0, INT64_MAX, &io->checkpoint_every);
    }
    mg_st_free(st);
    return s;
}

/* Restores everything, after checking the checkpoint matches this trainer. */
static mg_status restore(mg_train_core *c, const mg_train_ckpt_model *m, const mg_st *st, const char *path) {
    mg_train_params cp;
    MG_TRY(mg_train_params_from_st(st, path, &cp));
    MG_TRY(mg_train_params_same(&cp, &c->p, path));
    int64_t n, d, step, ostep, pos;
    MG_TRY(mg_train_ckpt_meta_int(st, path, "data.n", 1, INT64_MAX, &n));
    MG_TRY(mg_train_ckpt_meta_int(st, path, "data.d", 1, INT64_MAX, &d));
    if (n != c->n || d != c->d)
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained on %lld x %lld data, not %lld x %lld", path,
                       (long long)n, (long long)d, (long long)c->n, (long long)c->d);
    const char *hash = mg_st_meta(st, "data.hash");
    char want[32];
    snprintf(want, sizeof want, "%016llx", (unsigned long long)c->data_hash);
    if (!hash || strcmp(hash, want))
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained on different data (fingerprint %s, this data %s)",
                       path, hash ? hash : "absent", want);
    MG_TRY(mg_train_ckpt_meta_int(st, path, "step", 0, INT64_MAX, &step));
    MG_TRY(mg_train_ckpt_meta_int(st, path, "optim.step", 0, INT64_MAX, &ostep));
    MG_TRY(mg_train_ckpt_meta_int(st, path, "sampler.pos", 0, c->n, &pos));
    mg_rng rrun, rnoise, rbatch, rextra[2];
    MG_TRY(get_rng(st, path, "rng.run", &rrun));
    MG_TRY(get_rng(st, path, "rng.noise", &rnoise));
    MG_TRY(get_rng(st, path, "rng.batch", &rbatch));
    for (int i = 0; i < m->nextra; i++) MG_TRY(get_rng(st, path, m->extra_name[i], &rextra[i]));
    if (rrun.key != c->rng_run.key || rrun.stream != c->rng_run.stream)
        return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained with seed %llu (stream %llu), not seed %llu "
                       "(stream %llu)", path, (unsigned long long)rrun.key, (unsigned long long)rrun.stream,
                       (unsigned long long)c->rng_run.key, (unsigned long long)c->rng_run.stream);
    /* model */
    mg_status s = m->check(m->obj, st, path);
    if (s != MG_OK) return s;
    /* optimizer buffers: check all before touching the trainer */
    const mg_array *bufs[MG_OPTIM_SLOTS] = {NULL};
    char name[64];
    for (int i = 0; i < MG_OPTIM_SLOTS && s == MG_OK; i++) {
        if (!c->opt.buf[i]) continue;
        snprintf(name, sizeof name, "optim.%s", c->opt.name[i]);
        bufs[i] = mg_st_get(st, name);
        if (!bufs[i] || bufs[i]->dtype != MG_F32 || bufs[i]->ndim != 1 || bufs[i]->shape[0] != c->nparams)
            s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint tensor '%s' is missing or not float32 of shape (%lld,)", path,
                        name, (long long)c->nparams);
    }
    const mg_array *perm = NULL;
    if (s == MG_OK && c->perm) {
        perm = mg_st_get(st, "sampler.perm");
        if (!perm || perm->dtype != MG_I64 || perm->ndim != 1 || perm->shape[0] != c->n) {
            s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint tensor 'sampler.perm' is missing or not int64 of shape (%lld,)",
                        path, (long long)c->n);
        } else { /* must be a permutation of 0..n-1 */
            char *seen = calloc((size_t)c->n, 1);
            const int64_t *pv = perm->data;
            if (!seen) s = mg_fail(MG_ERR_NOMEM, "out of memory");
            for (int64_t i = 0; s == MG_OK && i < c->n; i++) {
                if (pv[i] < 0 || pv[i] >= c->n || seen[pv[i]])
                    s = mg_fail(MG_ERR_FORMAT, "%s: checkpoint 'sampler.perm' is not a permutation of 0..%lld", path,
                                (long long)c->n - 1);
                else seen[pv[i]] = 1;
            }
            free(seen);
        }
    }
    if (s != MG_OK) return s;
    MG_TRY(m->apply(m->obj, st, path));
    for (int i = 0; i < MG_OPTIM_SLOTS; i++)
        if (bufs[i]) memcpy(c->opt.buf[i], bufs[i]->data, (size_t)c->nparams * sizeof(float));
    c->opt.t = ostep;
    if (perm) memcpy(c->perm, perm->data, (size_t)c->n * sizeof(int64_t));
    c->perm_pos = c->perm ? pos : c->n;
    c->rng_noise = rnoise;
    c->rng_batch = rbatch;
    for (int i = 0; i < m->nextra; i++) *m->extra[i] = rextra[i];
    c->step = step;
    return MG_OK;
}

/* Restores a trainer's core and model from a checkpoint file. */
mg_status mg_train_ckpt_load(mg_train_core *c, const mg_train_ckpt_model *m, const char *path) {
    mg_st *st = NULL;
    MG_TRY(mg_train_ckpt_open(path, m->kind, &st));
    mg_status s = restore(c, m, st, path);
    mg_st_free(st);
    return s;
}

/* ---- the DAE trainer's model part -------------------------------------------- */

/* The model's tensors under "model.". */
static mg_status dae_put(const void *obj, mg_st *st) { return mg_dae_to_st(((const mg_trainer *)obj)->model, st, "model."); }

/* Parses the checkpoint's model (caller frees) and checks its structure. */
static mg_status dae_parse(const mg_trainer *tr, const mg_st *st, const char *path, mg_dae **out) {
    mg_dae *m = NULL;
    mg_status s = mg_dae_from_st(st, "model.", &m);
    if (s != MG_OK) return mg_fail_context(s, "%s", path);
    if (mg_dae_param_count(m) != tr->c.nparams || mg_dae_dim(m) != tr->c.d || mg_dae_hidden(m) != tr->hp ||
        mg_dae_is_tied(m) != mg_dae_is_tied(tr->model) || mg_dae_has_bias(m) != mg_dae_has_bias(tr->model)) {
        mg_dae_free(m);
        return mg_fail(MG_ERR_SHAPE, "%s: the checkpoint's model has a different structure", path);
    }
    *out = m;
    return MG_OK;
}

/* Checks the checkpoint's model against the trainer's. */
static mg_status dae_check(const void *obj, const mg_st *st, const char *path) {
    mg_dae *m = NULL;
    MG_TRY(dae_parse(obj, st, path, &m));
    mg_dae_free(m);
    return MG_OK;
}

/* Copies the checkpoint's parameters into the trainer's model. */
static mg_status dae_apply(void *obj, const mg_st *st, const char *path) {
    mg_trainer *tr = obj;
    mg_dae *m = NULL;
    MG_TRY(dae_parse(tr, st, path, &m));
    memcpy(mg_dae_params(tr->model, NULL), mg_dae_params_const(m, NULL), (size_t)tr->c.nparams * sizeof(float));
    mg_dae_free(m);
    return MG_OK;
}

/* The model part of a DAE trainer's checkpoint. */
static mg_train_ckpt_model dae_part(const mg_trainer *tr) {
    mg_train_ckpt_model m = {"dae", (void *)tr, dae_put, dae_check, dae_apply, 0, {NULL, NULL}, {NULL, NULL}};
    return m;
}

/* Writes the checkpoint atomically. */
mg_status mg_trainer_save_checkpoint(const mg_trainer *tr, const char *path) {
    const mg_train_ckpt_model m = dae_part(tr);
    return mg_train_ckpt_save(&tr->c, &m, path);
}

/* Restores the trainer from a checkpoint file. */
mg_status mg_trainer_load_checkpoint(mg_trainer *tr, const char *path) {
    const mg_train_ckpt_model m = dae_part(tr);
    return mg_train_ckpt_load(&tr->c, &m, path);
}
