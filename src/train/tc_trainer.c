/*
 * The trainer of the authors' time-conditioned model (tctrain.h): per step a
 * batch from the shared sampler, a noise level per row drawn log-uniformly
 * (stream 5), Gaussian noise (stream 2, the positions mg_rng_add_noise would
 * fill), the loss and gradient of tc_loss.c, the shared PyTorch optimizers.
 * The run loop, the log, checkpoints and resume are the DAE trainer's
 * (run.c, log.c, checkpoint.c) through mg_train_core; only the model part of
 * a checkpoint and the parameters' extra fields live here.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/tctrain.h"
#include "train_internal.h"

struct mg_tc_trainer {
    mg_train_core c;          /* shared state (train_internal.h) */
    mg_tc_train_params tp;    /* resolved: tp.base is c.p */
    mg_tcdae *model;          /* borrowed */
    int64_t hp;               /* p */
    mg_rng rng_sigma;         /* stream 5: noise levels */
    double lmin, lmax;        /* log sigma_min, log sigma_max */
    float *x0buf;             /* B x d gathered clean rows (NULL when a full batch reads X directly) */
    float *ws;                /* mg_tc_train_ws_floats */
    float *xn;                /* B x d noisy inputs, the workspace's input slot */
    float *sig, *t;           /* B: sigma_i and log sigma_i of the last step */
    float *grad;              /* nparams */
    float *probe_h;           /* nprobe x p */
};

/* ---- parameters ---------------------------------------------------------------- */

/* The defaults (tctrain.h). */
mg_tc_train_params mg_tc_train_params_default(void) {
    mg_tc_train_params p;
    p.base = mg_train_params_default();
    p.base.hidden = 256;
    p.sigma_min = 0.02;
    p.sigma_max = 2.0;
    return p;
}

/* Validates the parameters for n x d data. */
mg_status mg_tc_train_params_check(const mg_tc_train_params *p, int64_t n, int64_t d) {
    if (!(p->sigma_min > 0) || !(p->sigma_max >= p->sigma_min) || !isfinite(p->sigma_max))
        return mg_fail(MG_ERR_ARG, "training: the noise range [%g, %g] needs 0 < sigma_min <= sigma_max", p->sigma_min,
                       p->sigma_max);
    if (!p->base.tied || p->base.bias)
        return mg_fail(MG_ERR_ARG, "training: the time-conditioned model is tied and bias-free (tied = 1, bias = 0)");
    if (p->base.lambda != 0.0)
        return mg_fail(MG_ERR_ARG, "training: the time-conditioned model has no Eq. 6 penalty (lambda must be 0; "
                       "use the weight decay)");
    mg_train_params b = p->base;
    b.sigma = p->sigma_min; /* not used: any valid value */
    return mg_train_params_check(&b, n, d);
}

/* The base parameters as the core keeps them (unused fields normalised, so
 * that a checkpoint compares only what matters). */
static mg_train_params base_of(const mg_tc_train_params *p) {
    mg_train_params b = p->base;
    mg_train_params def = mg_train_params_default();
    b.sigma = 0.0;
    b.init = def.init;
    b.init_scale = def.init_scale;
    return b;
}

/* ---- creation ------------------------------------------------------------------ */

/* Probe rows and their representation buffer. */
static mg_status setup_probe(mg_tc_trainer *tr, int64_t want) {
    int changed;
    MG_TRY(mg_train_core_probe(&tr->c, want, &changed));
    if (!changed && tr->probe_h) return MG_OK;
    free(tr->probe_h);
    tr->probe_h = mg_alloc((size_t)tr->c.nprobe * (size_t)tr->hp, sizeof(float));
    if (!tr->probe_h) {
        tr->c.nprobe = 0;
        return mg_fail(MG_ERR_NOMEM, "training: cannot allocate the probe batch");
    }
    return MG_OK;
}

/* Allocates a trainer (see tctrain.h). */
mg_status mg_tc_trainer_create(const mg_tc_train_params *params, mg_tcdae *model, mg_mat X, const mg_rng *rng,
                               mg_tc_trainer **out) {
    *out = NULL;
    if (!X.data || X.ld < X.cols) return mg_fail(MG_ERR_ARG, "training: the data matrix view is invalid");
    MG_TRY(mg_tc_train_params_check(params, X.rows, X.cols));
    if (mg_tcdae_dim(model) != X.cols || mg_tcdae_hidden(model) != params->base.hidden)
        return mg_fail(MG_ERR_SHAPE,
                       "training: the model (d=%lld, p=%lld) does not match the data dimension %lld and p=%lld",
                       (long long)mg_tcdae_dim(model), (long long)mg_tcdae_hidden(model), (long long)X.cols,
                       (long long)params->base.hidden);
    mg_tc_trainer *tr = calloc(1, sizeof *tr);
    if (!tr) return mg_fail(MG_ERR_NOMEM, "training: out of memory");
    const mg_train_params base = base_of(params);
    mg_status s = mg_train_core_init(&tr->c, &base, X, rng, mg_tcdae_param_count(model));
    if (s != MG_OK) {
        free(tr);
        return s;
    }
    tr->tp = *params;
    tr->tp.base = tr->c.p;
    tr->model = model;
    tr->hp = params->base.hidden;
    tr->rng_sigma = mg_rng_fork(rng, 5);
    tr->lmin = log(params->sigma_min);
    tr->lmax = log(params->sigma_max);
    const int64_t B = tr->c.B, d = tr->c.d;
    const int need_gather = !(params->base.batch_mode == MG_BATCH_FULL && X.ld == X.cols);
    tr->ws = mg_calloc(mg_tc_train_ws_floats(B, d, tr->hp), sizeof(float));
    tr->xn = tr->ws ? mg_tc_train_ws_input(tr->ws, B, d, tr->hp) : NULL;
    tr->sig = mg_alloc((size_t)B, sizeof(float));
    tr->t = mg_alloc((size_t)B, sizeof(float));
    tr->grad = mg_calloc((size_t)tr->c.nparams, sizeof(float));
    if (need_gather) tr->x0buf = mg_alloc((size_t)B * (size_t)d, sizeof(float));
    if (!tr->ws || !tr->sig || !tr->t || !tr->grad || (need_gather && !tr->x0buf))
        s = mg_fail(MG_ERR_NOMEM, "training: cannot allocate buffers for batches of %lld x %lld", (long long)B,
                    (long long)d);
    if (s == MG_OK) s = setup_probe(tr, 0);
    if (s != MG_OK) {
        mg_tc_trainer_free(tr);
        return s;
    }
    *out = tr;
    return MG_OK;
}

/* Frees the trainer (not the model or the data). */
void mg_tc_trainer_free(mg_tc_trainer *tr) {
    if (!tr) return;
    mg_train_core_free(&tr->c);
    free(tr->ws);
    free(tr->sig);
    free(tr->t);
    free(tr->grad);
    free(tr->x0buf);
    free(tr->probe_h);
    free(tr);
}

/* Accessors. */
int64_t mg_tc_trainer_step_count(const mg_tc_trainer *tr) { return tr->c.step; }
const mg_tc_train_params *mg_tc_trainer_params(const mg_tc_trainer *tr) { return &tr->tp; }
int64_t mg_tc_trainer_batch_rows(const mg_tc_trainer *tr) { return tr->c.B; }
const int64_t *mg_tc_trainer_batch_indices(const mg_tc_trainer *tr) { return tr->c.rows; }
const float *mg_tc_trainer_sigmas(const mg_tc_trainer *tr) { return tr->sig; }

/* The trainer's own allocations. */
size_t mg_tc_trainer_bytes(const mg_tc_trainer *tr) {
    const size_t B = (size_t)tr->c.B, d = (size_t)tr->c.d;
    size_t b = mg_train_core_bytes(&tr->c) + mg_tc_train_ws_floats(tr->c.B, tr->c.d, tr->hp) * sizeof(float) +
               (size_t)tr->c.nparams * sizeof(float) + 2 * B * sizeof(float);
    if (tr->x0buf) b += B * d * sizeof(float);
    return b + (size_t)tr->c.nprobe * (size_t)tr->hp * sizeof(float);
}

/* ---- one step ------------------------------------------------------------------ */

/* The optimizer's update of elements lo..hi (a mg_train_par range). */
typedef struct {
    mg_tc_trainer *tr;
    float *w;
} update_ctx;
static void update_range(void *vc, int64_t lo, int64_t hi) {
    const update_ctx *u = vc;
    mg_optim_apply(&u->tr->c.opt, u->w, u->tr->grad, lo, hi);
}

/* One update (see tctrain.h). */
mg_status mg_tc_trainer_step(mg_tc_trainer *tr, const int64_t *rows, const float *sigmas, const float *eps,
                             mg_train_progress *pr) {
    mg_train_core *c = &tr->c;
    const int64_t B = c->B, d = c->d;
    rows = mg_train_batch_rows(c, rows);
    if (!rows) return MG_ERR_ARG;
    const float *x0 = c->X.data;
    if (tr->x0buf) {
        for (int64_t i = 0; i < B; i++)
            memcpy(tr->x0buf + i * d, c->X.data + rows[i] * c->X.ld, (size_t)d * sizeof(float));
        x0 = tr->x0buf;
    } else {
        for (int64_t i = 0; i < B; i++) /* explicit rows with a direct full batch must be the identity */
            if (rows[i] != i) return mg_fail(MG_ERR_ARG, "training step: a full batch uses rows 0..n-1 in order");
    }
    /* noise levels: given, or log-uniform from stream 5 */
    for (int64_t i = 0; i < B; i++) {
        if (sigmas) {
            if (!(sigmas[i] > 0) || !isfinite(sigmas[i]))
                return mg_fail(MG_ERR_ARG, "training step: sigma %g of row %lld must be > 0", (double)sigmas[i],
                               (long long)i);
            tr->sig[i] = sigmas[i];
        } else {
            tr->sig[i] = (float)exp(tr->lmin + mg_rng_uniform_d(&tr->rng_sigma) * (tr->lmax - tr->lmin));
        }
        tr->t[i] = logf(tr->sig[i]);
    }
    /* Xn = X0 + sigma_i eps_i in the input slot */
    for (int64_t i = 0; i < B; i++) {
        const float *x = x0 + i * d;
        float *y = tr->xn + i * d;
        if (eps) {
            const float *e = eps + i * d;
            for (int64_t k = 0; k < d; k++) y[k] = x[k] + tr->sig[i] * e[k];
        } else {
            mg_rng_add_noise_at(&c->rng_noise, (size_t)(i * d), x, tr->sig[i], y, (size_t)d);
        }
    }
    if (!eps) c->rng_noise.counter += ((size_t)B * (size_t)d + 3) / 4; /* as mg_rng_add_noise advances it */
    double D;
    MG_TRY(mg_tc_loss_grad(tr->model, (mg_mat){B, d, d, tr->xn}, (mg_mat){B, d, d, (float *)x0}, tr->t,
                           c->data_scale, tr->grad, tr->ws, &D));
    if (!isfinite(D)) /* the parameters are untouched */
        return mg_fail(MG_ERR_NUMERIC, "training diverged at step %lld: the loss is %s (try a smaller learning rate)",
                       (long long)c->step + 1, isnan(D) ? "NaN" : "infinite");
    mg_optim_begin(&c->opt);
    update_ctx u = {tr, mg_tcdae_params(tr->model, NULL)};
    mg_train_par(c->nparams, 65536, update_range, &u);
    c->opt.t++;
    c->step++;
    c->last_data_loss = D;
    if (pr) {
        pr->step = c->step;
        pr->total = c->p.steps;
        pr->data_loss = D;
        pr->loss = c->data_scale * D;
    }
    return MG_OK;
}

/* Representation std of the probe rows and the last gradient's norm. */
mg_status mg_tc_trainer_probe(mg_tc_trainer *tr, mg_train_progress *pr) {
    const int64_t k = tr->c.nprobe, p = tr->hp;
    MG_TRY(mg_tcdae_encode(tr->model, (mg_mat){k, tr->c.d, tr->c.d, tr->c.probe_x}, tr->tp.sigma_min, MG_TC_GATED,
                           (mg_mat){k, p, p, tr->probe_h}));
    mg_train_rep_std(tr->probe_h, k, p, &pr->rep_std_mean, &pr->rep_std_max);
    double g2 = 0.0;
    for (int64_t i = 0; i < tr->c.nparams; i++) g2 += (double)tr->grad[i] * tr->grad[i];
    pr->grad_norm = tr->c.step > 0 ? sqrt(g2) : NAN;
    return MG_OK;
}

/* ---- the run loop and checkpoints ------------------------------------------------ */

/* The operations mg_train_loop and the checkpoint need. */
static mg_status op_setup_probe(void *obj, int64_t want) { return setup_probe(obj, want); }
static mg_status op_step(void *obj, mg_train_progress *pr) { return mg_tc_trainer_step(obj, NULL, NULL, NULL, pr); }
static mg_status op_probe(void *obj, mg_train_progress *pr) { return mg_tc_trainer_probe(obj, pr); }
static mg_status op_save(const void *obj, const char *path) { return mg_tc_trainer_save_checkpoint(obj, path); }
static const float *op_params(const void *obj, int64_t *n) {
    return mg_tcdae_params_const(((const mg_tc_trainer *)obj)->model, n);
}

/* Runs to params.base.steps. */
mg_status mg_tc_trainer_run(mg_tc_trainer *tr, const mg_train_io *io) {
    const mg_train_loop_ops ops = {&tr->c, tr, op_setup_probe, op_step, op_probe, op_save, op_params};
    return mg_train_loop(&ops, io);
}

/* The model's tensors under "model." and the sigma range. */
static mg_status ck_put(const void *obj, mg_st *st) {
    const mg_tc_trainer *tr = obj;
    MG_TRY(mg_tcdae_to_st(tr->model, st, "model."));
    MG_TRY(mg_st_set_meta_double(st, "train.sigma_min", tr->tp.sigma_min));
    return mg_st_set_meta_double(st, "train.sigma_max", tr->tp.sigma_max);
}

/* Reads the sigma range of a checkpoint. */
static mg_status read_range(const mg_st *st, const char *path, double *lo, double *hi) {
    if (mg_st_meta_double(st, "train.sigma_min", lo) != MG_OK || mg_st_meta_double(st, "train.sigma_max", hi) != MG_OK)
        return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata 'train.sigma_min' / 'train.sigma_max' is missing", path);
    return MG_OK;
}

/* Parses the checkpoint's model (caller frees) after checking shape and range. */
static mg_status ck_parse(const mg_tc_trainer *tr, const mg_st *st, const char *path, mg_tcdae **out) {
    double lo, hi;
    MG_TRY(read_range(st, path, &lo, &hi));
    char a[32], b[32];
    snprintf(a, sizeof a, "%.17g", lo);
    snprintf(b, sizeof b, "%.17g", tr->tp.sigma_min);
    if (strcmp(a, b)) goto range;
    snprintf(a, sizeof a, "%.17g", hi);
    snprintf(b, sizeof b, "%.17g", tr->tp.sigma_max);
    if (strcmp(a, b)) goto range;
    mg_tcdae *m = NULL;
    mg_status s = mg_tcdae_from_st(st, "model.", &m);
    if (s != MG_OK) return mg_fail_context(s, "%s", path);
    if (mg_tcdae_dim(m) != tr->c.d || mg_tcdae_hidden(m) != tr->hp) {
        mg_tcdae_free(m);
        return mg_fail(MG_ERR_SHAPE, "%s: the checkpoint's model has a different shape", path);
    }
    *out = m;
    return MG_OK;
range:
    return mg_fail(MG_ERR_ARG, "%s: the checkpoint was trained with sigma in [%g, %g], not [%g, %g]; resume with the "
                   "original settings", path, lo, hi, tr->tp.sigma_min, tr->tp.sigma_max);
}

/* Checks the checkpoint's model. */
static mg_status ck_check(const void *obj, const mg_st *st, const char *path) {
    mg_tcdae *m = NULL;
    MG_TRY(ck_parse(obj, st, path, &m));
    mg_tcdae_free(m);
    return MG_OK;
}

/* Copies the checkpoint's parameters into the model. */
static mg_status ck_apply(void *obj, const mg_st *st, const char *path) {
    mg_tc_trainer *tr = obj;
    mg_tcdae *m = NULL;
    MG_TRY(ck_parse(tr, st, path, &m));
    memcpy(mg_tcdae_params(tr->model, NULL), mg_tcdae_params_const(m, NULL), (size_t)tr->c.nparams * sizeof(float));
    mg_tcdae_free(m);
    return MG_OK;
}

/* The model part of a checkpoint of this trainer. */
static mg_train_ckpt_model ck_part(const mg_tc_trainer *tr) {
    mg_train_ckpt_model m = {"tc", (void *)tr, ck_put, ck_check, ck_apply, 1, {"rng.sigma", NULL},
                             {(mg_rng *)&tr->rng_sigma, NULL}};
    return m;
}

/* Writes a checkpoint. */
mg_status mg_tc_trainer_save_checkpoint(const mg_tc_trainer *tr, const char *path) {
    const mg_train_ckpt_model m = ck_part(tr);
    return mg_train_ckpt_save(&tr->c, &m, path);
}

/* Restores a checkpoint. */
mg_status mg_tc_trainer_load_checkpoint(mg_tc_trainer *tr, const char *path) {
    const mg_train_ckpt_model m = ck_part(tr);
    return mg_train_ckpt_load(&tr->c, &m, path);
}

/* Parameters, generator, step, data shape and io of a checkpoint. */
mg_status mg_tc_train_checkpoint_info(const char *path, mg_tc_train_params *params, mg_rng *rng, int64_t *step,
                                      int64_t *n, int64_t *d, mg_train_io *io) {
    mg_tc_train_params p = mg_tc_train_params_default();
    MG_TRY(mg_train_checkpoint_info_kind(path, "tc", &p.base, rng, step, n, d, io));
    mg_st *st = NULL;
    MG_TRY(mg_train_ckpt_open(path, "tc", &st));
    mg_status s = read_range(st, path, &p.sigma_min, &p.sigma_max);
    mg_st_free(st);
    if (s == MG_OK) *params = p;
    return s;
}

/* ---- one-call helpers ------------------------------------------------------------- */

/* A model initialised from stream 1. */
mg_status mg_tc_train_init_model(const mg_tc_train_params *params, int64_t d, const mg_rng *rng, mg_tcdae **out) {
    *out = NULL;
    if (params->base.hidden < 1) return mg_fail(MG_ERR_ARG, "training: the number of hidden units must be >= 1");
    MG_TRY(mg_tcdae_create(d, params->base.hidden, out));
    mg_rng r = mg_rng_fork(rng, 1);
    mg_tcdae_init(*out, &r);
    return MG_OK;
}

/* mg_train_annotate_keys' setter for a time-conditioned model. */
static mg_status set_meta(void *obj, const char *key, const char *value) { return mg_tcdae_set_meta(obj, key, value); }

/* The sigma range and the hyper-parameters as metadata. */
mg_status mg_tc_train_annotate_model(mg_tcdae *model, const mg_tc_train_params *params, const mg_rng *rng, int64_t n,
                                     int64_t d) {
    mg_tcdae_set_sigma_range(model, params->sigma_min, params->sigma_max);
    return mg_train_annotate_keys(set_meta, model, &params->base, rng, n, d, 0);
}

/* Initialise (if needed), train, annotate. */
mg_status mg_train_tcdae(const mg_tc_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                         mg_tcdae **model) {
    if (!*model) MG_TRY(mg_tc_train_init_model(params, X.cols, rng, model));
    mg_tc_trainer *tr = NULL;
    MG_TRY(mg_tc_trainer_create(params, *model, X, rng, &tr));
    mg_status s = mg_tc_trainer_run(tr, io);
    mg_tc_trainer_free(tr);
    if (s == MG_OK) s = mg_tc_train_annotate_model(*model, params, rng, X.rows, X.cols);
    return s;
}
