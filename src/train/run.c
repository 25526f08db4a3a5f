/*
 * Running a training (paper Appendix B.1): the loop of mg_trainer_run around
 * the step of trainer.c, with its policies: progress reports and the CSV log
 * every log_every steps (log.c), periodic and final checkpoints
 * (checkpoint.c) written after the log so that a log always covers its
 * checkpoint, stopping on request (stop.c) and on NaN/Inf naming the last
 * good checkpoint; and the one-call helpers that create, train and annotate
 * a model.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "train_internal.h"

/* Fails with MG_ERR_NUMERIC if any parameter is NaN/Inf. */
static mg_status check_params_finite(const mg_train_loop_ops *ops) {
    int64_t n;
    const float *w = ops->params(ops->obj, &n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(w[i]))
            return mg_fail(MG_ERR_NUMERIC, "training diverged at step %lld: parameter %lld is %s",
                           (long long)ops->core->step, (long long)i, isnan(w[i]) ? "NaN" : "infinite");
    return MG_OK;
}

/* Euclidean norm of the parameters, in double. */
static double params_norm(const mg_train_loop_ops *ops) {
    int64_t n;
    const float *w = ops->params(ops->obj, &n);
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)w[i] * w[i];
    return sqrt(s);
}

/* MG_ERR_NUMERIC when a finished run diverged while staying finite (the rule
 * of mg_trainer_run in train.h): loss0 / norm0 are the first batch's loss and
 * the parameters' norm at the start, loss the last batch's. */
static mg_status check_divergence(const mg_train_loop_ops *ops, double loss0, double norm0, double loss) {
    const double f = MG_TRAIN_DIVERGE_FACTOR;
    double norm = params_norm(ops), ref = norm0 > 1 ? norm0 : 1;
    if (loss0 > 0 && loss > f * loss0)
        return mg_fail(MG_ERR_NUMERIC, "training diverged: the loss rose from %.4g (first batch) to %.4g (last batch, "
                       "step %lld), more than %g-fold; try a smaller learning rate", loss0, loss,
                       (long long)ops->core->step, f);
    if (norm > f * ref)
        return mg_fail(MG_ERR_NUMERIC, "training diverged: the parameters' norm grew from %.4g to %.4g by step %lld, "
                       "more than %g-fold; try a smaller learning rate", norm0, norm, (long long)ops->core->step, f);
    return MG_OK;
}

/* State of one run: the log and the last checkpoint written. */
typedef struct {
    const mg_train_io *io;
    mg_train_log log;
    int64_t ckpt_step; /* step of the last good checkpoint (-1: none) */
} run_state;

/* Rewrites the log file. */
static mg_status flush_log(run_state *rs) {
    return rs->io->log_path ? mg_train_log_write(&rs->log, rs->io->log_path) : MG_OK;
}

/* Writes log then checkpoint (in that order, so a kill in between leaves a
 * log that covers the checkpoint). Refuses a non-finite state. */
static mg_status checkpoint(const mg_train_loop_ops *ops, run_state *rs) {
    MG_TRY(flush_log(rs));
    if (!rs->io->checkpoint_path) return MG_OK;
    MG_TRY(check_params_finite(ops));
    MG_TRY(ops->save(ops->obj, rs->io->checkpoint_path));
    rs->ckpt_step = ops->core->step;
    return MG_OK;
}

/* Adds "the last good checkpoint is ..." to a numeric failure message. */
static mg_status numeric_failure(mg_status st, const run_state *rs) {
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", mg_last_error());
    if (rs->ckpt_step >= 0)
        return mg_fail(st, "%s; the last good checkpoint (step %lld) is kept in %s", msg, (long long)rs->ckpt_step,
                       rs->io->checkpoint_path);
    return mg_fail(st, "%s; no checkpoint was written before", msg);
}

/* Runs a trainer to its params.steps (see train.h, mg_trainer_run). */
mg_status mg_train_loop(const mg_train_loop_ops *ops, const mg_train_io *io_in) {
    mg_train_core *c = ops->core;
    mg_train_io io0;
    memset(&io0, 0, sizeof io0);
    mg_train_io io = io_in ? *io_in : io0;
    if (io.log_every <= 0) io.log_every = 100;
    if (io.log_flush_seconds <= 0) io.log_flush_seconds = 30.0;
    if (io.checkpoint_every < 0) io.checkpoint_every = 0;
    run_state rs = {&io, {NULL, 0, 0}, -1};
    c->io_log_every = io.log_every;
    c->io_probe_rows = io.probe_rows;
    c->io_ckpt_every = io.checkpoint_every;
    mg_status s = ops->setup_probe(ops->obj, io.probe_rows);
    if (s == MG_OK && io.log_path) s = mg_train_log_start(&rs.log, io.log_path, c->step);
    if (s != MG_OK) {
        mg_train_log_free(&rs.log);
        return s;
    }
    /* OpenBLAS single-threaded for the whole run (mg_sgemm_det then never toggles it) */
    int blas_threads = openblas_get_num_threads();
    if (blas_threads != 1) openblas_set_num_threads(1);
    const double t0 = mg_now();
    double last_flush = t0;
    const int64_t total = c->p.steps;
    mg_train_progress pr, first;
    memset(&pr, 0, sizeof pr);
    memset(&first, 0, sizeof first);
    pr.total = first.total = total;
    const int64_t step0 = c->step;
    const double norm0 = params_norm(ops);
    while (c->step < total) {
        if (mg_train_stop_requested()) {
            s = checkpoint(ops, &rs);
            if (s == MG_OK) {
                if (io.checkpoint_path)
                    s = mg_fail(MG_ERR_INTERRUPTED, "training interrupted at step %lld of %lld; checkpoint written to %s",
                                (long long)c->step, (long long)total, io.checkpoint_path);
                else
                    s = mg_fail(MG_ERR_INTERRUPTED,
                                "training interrupted at step %lld of %lld; no checkpoint path was given, so the "
                                "progress is lost", (long long)c->step, (long long)total);
            }
            break;
        }
        int64_t next = c->step + 1;
        int report = next % io.log_every == 0 || next == total;
        s = ops->step(ops->obj, report ? &pr : c->step == step0 ? &first : NULL);
        if (s == MG_OK && c->step == step0 + 1 && report) first = pr;
        if (s != MG_OK) {
            if (s == MG_ERR_NUMERIC) {
                flush_log(&rs);
                s = numeric_failure(s, &rs);
            }
            break;
        }
        if (report) {
            s = ops->probe(ops->obj, &pr);
            pr.elapsed = mg_now() - t0;
            if (s == MG_OK && io.log_path) s = mg_train_log_row(&rs.log, &pr);
            if (s != MG_OK) break;
            if (io.progress) io.progress(io.ctx, &pr);
        }
        if (io.checkpoint_every > 0 && c->step % io.checkpoint_every == 0 && c->step < total) {
            s = checkpoint(ops, &rs);
            if (s == MG_ERR_NUMERIC) s = numeric_failure(s, &rs);
            if (s != MG_OK) break;
            last_flush = mg_now();
        } else if (io.log_path && report && mg_now() - last_flush > io.log_flush_seconds) {
            s = flush_log(&rs);
            if (s != MG_OK) break;
            last_flush = mg_now();
        }
    }
    if (s == MG_OK) {
        if (io.checkpoint_at_end && io.checkpoint_path) {
            s = checkpoint(ops, &rs);
            if (s == MG_ERR_NUMERIC) s = numeric_failure(s, &rs);
        } else {
            s = flush_log(&rs);
            if (s == MG_OK) s = check_params_finite(ops);
        }
        if (s == MG_OK && c->step > step0) s = check_divergence(ops, first.loss, norm0, pr.loss);
    }
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
    mg_train_log_free(&rs.log);
    return s;
}

/* The DAE trainer's operations for mg_train_loop. */
static mg_status dae_setup_probe(void *obj, int64_t want) { return mg_trainer_setup_probe(obj, want); }
static mg_status dae_step(void *obj, mg_train_progress *pr) { return mg_trainer_step(obj, NULL, NULL, pr); }
static mg_status dae_probe(void *obj, mg_train_progress *pr) { return mg_trainer_probe(obj, pr); }
static mg_status dae_save(const void *obj, const char *path) { return mg_trainer_save_checkpoint(obj, path); }
static const float *dae_params(const void *obj, int64_t *n) {
    return mg_dae_params_const(((const mg_trainer *)obj)->model, n);
}

/* Runs to params.steps (see train.h). */
mg_status mg_trainer_run(mg_trainer *tr, const mg_train_io *io) {
    const mg_train_loop_ops ops = {&tr->c, tr, dae_setup_probe, dae_step, dae_probe, dae_save, dae_params};
    return mg_train_loop(&ops, io);
}

/* ---- one-call helpers ------------------------------------------------------------ */

/* A model of the right shape, initialised from stream 1 of rng. */
mg_status mg_train_init_model(const mg_train_params *params, int64_t d, const mg_rng *rng, mg_dae **out) {
    *out = NULL;
    if (params->hidden < 1) return mg_fail(MG_ERR_ARG, "training: the number of hidden units must be >= 1");
    MG_TRY(mg_dae_create(d, params->hidden, params->tied, params->bias, out));
    mg_rng r = mg_rng_fork(rng, 1);
    if (params->init == MG_INIT_NORMAL) mg_dae_init_normal(*out, &r, (float)params->init_scale);
    else mg_dae_init_kaiming(*out, &r);
    return MG_OK;
}

/* A metadata setter and its object. */
typedef struct {
    mg_status (*set)(void *obj, const char *key, const char *value);
    void *obj;
} meta_sink;

/* Sets one metadata key from a printf format. */
static mg_status meta_fmt(const meta_sink *m, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static mg_status meta_fmt(const meta_sink *m, const char *key, const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return m->set(m->obj, key, buf);
}

/* The hyper-parameters as metadata (see train_internal.h). */
mg_status mg_train_annotate_keys(mg_status (*set)(void *obj, const char *key, const char *value), void *obj,
                                 const mg_train_params *p, const mg_rng *rng, int64_t n, int64_t d, int dae) {
    const meta_sink m = {set, obj};
    if (dae) MG_TRY(meta_fmt(&m, "lambda", "%.17g", mg_train_effective_lambda(p, d)));
    MG_TRY(meta_fmt(&m, "loss", "%s", mg_loss_name(p->loss)));
    if (dae) MG_TRY(meta_fmt(&m, "loss_lambda", "%.17g", p->lambda));
    MG_TRY(meta_fmt(&m, "optim", "%s", mg_optim_name(p->optim)));
    MG_TRY(meta_fmt(&m, "lr", "%.17g", mg_train_resolved_lr(p)));
    MG_TRY(meta_fmt(&m, "weight_decay", "%.17g", mg_train_resolved_wd(p)));
    MG_TRY(meta_fmt(&m, "momentum", "%.17g", p->momentum));
    MG_TRY(meta_fmt(&m, "steps", "%lld", (long long)p->steps));
    if (p->batch_mode == MG_BATCH_FULL) MG_TRY(meta_fmt(&m, "batch", "full"));
    else MG_TRY(meta_fmt(&m, "batch", "%lld", (long long)p->batch));
    MG_TRY(meta_fmt(&m, "batch_mode", "%s", mg_batch_mode_name(p->batch_mode)));
    if (dae) MG_TRY(meta_fmt(&m, "init", "%s", mg_init_name(p->init)));
    else MG_TRY(meta_fmt(&m, "init", "authors"));
    MG_TRY(meta_fmt(&m, "seed", "%llu", (unsigned long long)rng->key));
    MG_TRY(meta_fmt(&m, "stream", "%llu", (unsigned long long)rng->stream));
    MG_TRY(meta_fmt(&m, "data_n", "%lld", (long long)n));
    MG_TRY(meta_fmt(&m, "data_d", "%lld", (long long)d));
    MG_TRY(meta_fmt(&m, "trained_by", "memgen %s", MG_VERSION_STRING));
    return MG_OK;
}

/* mg_train_annotate_keys' setter for a DAE. */
static mg_status dae_set_meta(void *obj, const char *key, const char *value) { return mg_dae_set_meta(obj, key, value); }

/* Records sigma and the hyper-parameters as model metadata. */
mg_status mg_train_annotate_model(mg_dae *model, const mg_train_params *p, const mg_rng *rng, int64_t n, int64_t d) {
    mg_dae_set_sigma(model, p->sigma);
    return mg_train_annotate_keys(dae_set_meta, model, p, rng, n, d, 1);
}

/* Initialise (if needed), continue from a checkpoint (if given), train, annotate. */
mg_status mg_train_dae_from(const mg_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                            const char *resume_path, mg_dae **model) {
    if (!*model) MG_TRY(mg_train_init_model(params, X.cols, rng, model));
    mg_trainer *tr = NULL;
    MG_TRY(mg_trainer_create(params, *model, X, rng, &tr));
    mg_status s = resume_path ? mg_trainer_load_checkpoint(tr, resume_path) : MG_OK;
    if (s == MG_OK) s = mg_trainer_run(tr, io);
    mg_trainer_free(tr);
    if (s == MG_OK) s = mg_train_annotate_model(*model, params, rng, X.rows, X.cols);
    return s;
}

/* Initialise (if needed), train, annotate. */
mg_status mg_train_dae(const mg_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                       mg_dae **model) {
    return mg_train_dae_from(params, X, rng, io, NULL, model);
}
