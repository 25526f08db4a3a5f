/*
 * The training loop of the DAE (paper Eq. 6, Appendix B.1): batch sampling,
 * fresh Gaussian noise each step, loss/gradient, optimizer update, logging of
 * representation statistics on a fixed probe batch, periodic checkpoints,
 * stop on request (signals) and on NaN/Inf. Every buffer is allocated when
 * the trainer is created; the step loop allocates nothing.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "memgen/fileio.h"
#include "train_internal.h"

/* ---- stop requests ---------------------------------------------------------- */

static volatile sig_atomic_t g_stop = 0;

/* Signal handler: only sets the flag (async-signal-safe). */
static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

/* Installs the SIGINT/SIGTERM handlers. */
mg_status mg_train_catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
        return mg_fail(MG_ERR_IO, "cannot install signal handlers: %s", strerror(errno));
    return MG_OK;
}
/* Request, clear and query a stop. */
void mg_train_request_stop(void) { g_stop = 1; }
void mg_train_clear_stop(void) { g_stop = 0; }
int mg_train_stop_requested(void) { return g_stop != 0; }

/* ---- creation --------------------------------------------------------------- */

/* Picks the probe rows (all rows, or a sorted random subset from stream 4)
 * and copies them into tr->probe_x. */
static mg_status setup_probe(mg_trainer *tr, int64_t want) {
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
    if (s == MG_OK) s = setup_probe(tr, 0);
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

/* ---- the log ----------------------------------------------------------------- */

/* The CSV log kept in memory and rewritten atomically. */
typedef struct {
    char *buf;
    size_t len, cap;
} logbuf;

static const char k_log_header[] = "step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max\n";

/* Appends n bytes, growing geometrically (amortised; only at log steps). */
static mg_status log_append(logbuf *lb, const char *s, size_t n) {
    if (lb->len + n + 1 > lb->cap) {
        size_t nc = lb->cap ? lb->cap * 2 : 65536;
        while (nc < lb->len + n + 1) nc *= 2;
        char *nb = realloc(lb->buf, nc);
        if (!nb) return mg_fail(MG_ERR_NOMEM, "training log: out of memory");
        lb->buf = nb;
        lb->cap = nc;
    }
    memcpy(lb->buf + lb->len, s, n);
    lb->len += n;
    lb->buf[lb->len] = '\0';
    return MG_OK;
}

/* Starts the log: on a resumed run keeps the existing file's rows up to the
 * resumed step, otherwise only the header. */
static mg_status log_start(logbuf *lb, const char *path, int64_t step) {
    MG_TRY(log_append(lb, k_log_header, sizeof k_log_header - 1));
    if (step <= 0) return MG_OK;
    unsigned char *old = NULL;
    size_t len = 0;
    if (mg_read_file(path, 0, &old, &len) != MG_OK) {
        mg_clear_error();
        return MG_OK; /* no earlier log: start a fresh one */
    }
    size_t pos = 0;
    mg_status s = MG_OK;
    while (pos < len && s == MG_OK) {
        size_t end = pos;
        while (end < len && old[end] != '\n') end++;
        if (end < len) { /* complete lines only */
            char *stop = NULL;
            long long st = strtoll((const char *)old + pos, &stop, 10);
            if (stop != (const char *)old + pos && *stop == ',' && st >= 1 && st <= step)
                s = log_append(lb, (const char *)old + pos, end - pos + 1);
        }
        pos = end + 1;
    }
    free(old);
    return s;
}

/* Appends one row (values with 9 significant digits). */
static mg_status log_row(logbuf *lb, const mg_train_progress *pr) {
    char line[256];
    int n = snprintf(line, sizeof line, "%lld,%.9g,%.9g,%.9g,%.9g,%.9g\n", (long long)pr->step, pr->loss,
                     pr->data_loss, pr->grad_norm, pr->rep_std_mean, pr->rep_std_max);
    return log_append(lb, line, (size_t)n);
}

/* ---- the run ------------------------------------------------------------------ */

/* Fails with MG_ERR_NUMERIC if any parameter is NaN/Inf. */
static mg_status check_params_finite(const mg_trainer *tr) {
    int64_t n;
    const float *w = mg_dae_params_const(tr->model, &n);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(w[i]))
            return mg_fail(MG_ERR_NUMERIC, "training diverged at step %lld: parameter %lld is %s", (long long)tr->step,
                           (long long)i, isnan(w[i]) ? "NaN" : "infinite");
    return MG_OK;
}

/* State of one run: the log and the last checkpoint written. */
typedef struct {
    const mg_train_io *io;
    logbuf log;
    int64_t ckpt_step; /* step of the last good checkpoint (-1: none) */
} run_state;

/* Rewrites the log file. */
static mg_status flush_log(run_state *rs) {
    if (!rs->io->log_path) return MG_OK;
    mg_status s = mg_write_file_atomic(rs->io->log_path, rs->log.buf, rs->log.len);
    return s == MG_OK ? s : mg_fail_context(s, "writing the training log");
}

/* Writes log then checkpoint (in that order, so a kill in between leaves a
 * log that covers the checkpoint). Refuses a non-finite state. */
static mg_status checkpoint(mg_trainer *tr, run_state *rs) {
    MG_TRY(flush_log(rs));
    if (!rs->io->checkpoint_path) return MG_OK;
    MG_TRY(check_params_finite(tr));
    MG_TRY(mg_trainer_save_checkpoint(tr, rs->io->checkpoint_path));
    rs->ckpt_step = tr->step;
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

/* Runs to params.steps (see train.h). */
mg_status mg_trainer_run(mg_trainer *tr, const mg_train_io *io_in) {
    mg_train_io io0;
    memset(&io0, 0, sizeof io0);
    mg_train_io io = io_in ? *io_in : io0;
    if (io.log_every <= 0) io.log_every = 100;
    if (io.log_flush_seconds <= 0) io.log_flush_seconds = 30.0;
    if (io.checkpoint_every < 0) io.checkpoint_every = 0;
    run_state rs = {&io, {NULL, 0, 0}, -1};
    tr->io_log_every = io.log_every;
    tr->io_probe_rows = io.probe_rows;
    tr->io_ckpt_every = io.checkpoint_every;
    mg_status s = setup_probe(tr, io.probe_rows);
    if (s == MG_OK && io.log_path) s = log_start(&rs.log, io.log_path, tr->step);
    if (s != MG_OK) {
        free(rs.log.buf);
        return s;
    }
    /* OpenBLAS single-threaded for the whole run (mg_sgemm_det then never toggles it) */
    int blas_threads = openblas_get_num_threads();
    if (blas_threads != 1) openblas_set_num_threads(1);
    const double t0 = mg_now();
    double last_flush = t0;
    const int64_t total = tr->p.steps;
    mg_train_progress pr;
    memset(&pr, 0, sizeof pr);
    pr.total = total;
    while (tr->step < total) {
        if (mg_train_stop_requested()) {
            s = checkpoint(tr, &rs);
            if (s == MG_OK) {
                if (io.checkpoint_path)
                    s = mg_fail(MG_ERR_INTERRUPTED, "training interrupted at step %lld of %lld; checkpoint written to %s",
                                (long long)tr->step, (long long)total, io.checkpoint_path);
                else
                    s = mg_fail(MG_ERR_INTERRUPTED,
                                "training interrupted at step %lld of %lld; no checkpoint path was given, so the "
                                "progress is lost", (long long)tr->step, (long long)total);
            }
            break;
        }
        int64_t next = tr->step + 1;
        int report = next % io.log_every == 0 || next == total;
        s = mg_trainer_step(tr, NULL, NULL, report ? &pr : NULL);
        if (s != MG_OK) {
            if (s == MG_ERR_NUMERIC) {
                flush_log(&rs);
                s = numeric_failure(s, &rs);
            }
            break;
        }
        if (report) {
            s = mg_trainer_probe(tr, &pr);
            pr.elapsed = mg_now() - t0;
            if (s == MG_OK && io.log_path) s = log_row(&rs.log, &pr);
            if (s != MG_OK) break;
            if (io.progress) io.progress(io.ctx, &pr);
        }
        if (io.checkpoint_every > 0 && tr->step % io.checkpoint_every == 0 && tr->step < total) {
            s = checkpoint(tr, &rs);
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
            s = checkpoint(tr, &rs);
            if (s == MG_ERR_NUMERIC) s = numeric_failure(s, &rs);
        } else {
            s = flush_log(&rs);
            if (s == MG_OK) s = check_params_finite(tr);
        }
    }
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
    free(rs.log.buf);
    return s;
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

/* Sets one metadata key from a printf format. */
static mg_status meta_fmt(mg_dae *m, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static mg_status meta_fmt(mg_dae *m, const char *key, const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return mg_dae_set_meta(m, key, buf);
}

/* Records sigma and the hyper-parameters as model metadata. */
mg_status mg_train_annotate_model(mg_dae *model, const mg_train_params *p, const mg_rng *rng, int64_t n, int64_t d) {
    mg_dae_set_sigma(model, p->sigma);
    MG_TRY(meta_fmt(model, "lambda", "%.17g", mg_train_effective_lambda(p, d)));
    MG_TRY(meta_fmt(model, "loss", "%s", mg_loss_name(p->loss)));
    MG_TRY(meta_fmt(model, "loss_lambda", "%.17g", p->lambda));
    MG_TRY(meta_fmt(model, "optim", "%s", mg_optim_name(p->optim)));
    MG_TRY(meta_fmt(model, "lr", "%.17g", mg_train_resolved_lr(p)));
    MG_TRY(meta_fmt(model, "weight_decay", "%.17g", mg_train_resolved_wd(p)));
    MG_TRY(meta_fmt(model, "momentum", "%.17g", p->momentum));
    MG_TRY(meta_fmt(model, "steps", "%lld", (long long)p->steps));
    if (p->batch_mode == MG_BATCH_FULL) MG_TRY(meta_fmt(model, "batch", "full"));
    else MG_TRY(meta_fmt(model, "batch", "%lld", (long long)p->batch));
    MG_TRY(meta_fmt(model, "batch_mode", "%s", mg_batch_mode_name(p->batch_mode)));
    MG_TRY(meta_fmt(model, "init", "%s", mg_init_name(p->init)));
    MG_TRY(meta_fmt(model, "seed", "%llu", (unsigned long long)rng->key));
    MG_TRY(meta_fmt(model, "stream", "%llu", (unsigned long long)rng->stream));
    MG_TRY(meta_fmt(model, "data_n", "%lld", (long long)n));
    MG_TRY(meta_fmt(model, "data_d", "%lld", (long long)d));
    MG_TRY(meta_fmt(model, "trained_by", "memgen %s", MG_VERSION_STRING));
    return MG_OK;
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
