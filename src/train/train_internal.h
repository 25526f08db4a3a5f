/*
 * Internals shared by the training sources (src/train/ *.c): the optimizer
 * state, the trainer object, and the parameter <-> metadata helpers used by
 * checkpoints. Not installed; the public API is include/memgen/train.h.
 */
#ifndef MEMGEN_TRAIN_INTERNAL_H
#define MEMGEN_TRAIN_INTERNAL_H

#include "memgen/safetensors.h"
#include "memgen/train.h"

/* Optimizer buffer slots (at most three per optimizer). */
#define MG_OPTIM_SLOTS 3

/* A PyTorch-semantics optimizer over one flat parameter vector of n floats. */
typedef struct {
    mg_optim_kind kind;
    double lr, wd, momentum, dampening, beta1, beta2, eps, alpha;
    int nesterov, centered;
    int64_t n;                        /* parameters */
    int64_t t;                        /* updates done (Adam's `step`; SGD's buffer exists iff t > 0) */
    double bc1, bc2;                  /* Adam's bias corrections of update t + 1 (mg_optim_begin) */
    float *buf[MG_OPTIM_SLOTS];       /* n floats each, NULL if unused */
    const char *name[MG_OPTIM_SLOTS]; /* PyTorch state names: "exp_avg", "square_avg", ... */
} mg_optim;

/* Sets up the optimizer for n parameters from resolved params (allocates and
 * zeroes its buffers). */
mg_status mg_optim_init(mg_optim *o, const mg_train_params *p, int64_t n);
void mg_optim_free(mg_optim *o);

/* One PyTorch update, in pieces: mg_optim_begin prepares update number
 * o->t + 1, mg_optim_apply applies it to elements lo..hi of param only
 * (param and grad are the full n-float vectors), and the caller adds 1 to
 * o->t once every element has had it. Elementwise, so any pieces (the fused
 * steps update each piece of W right after its gradient) give the same bits. */
void mg_optim_begin(mg_optim *o);
void mg_optim_apply(const mg_optim *o, float *param, const float *grad, int64_t lo, int64_t hi);

/* ---- the loss workspace (loss.c) and the small-batch path (small.c) -------- */

/* sum of v[i]^2 in double, in a fixed order (vectorisable, the same for
 * any thread count). */
double mg_train_sumsq(const float *v, int64_t n);

/* Rounds a float count up to a multiple of 16 (64 bytes). */
static inline size_t mg_round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* The regions of a workspace of mg_train_ws_floats(B, d, p) floats: H and dH
 * (B x p each, adjacent), R and the input slot (B x d each, adjacent), B row
 * losses, and (B <= MG_SMALL_B) the small path's scratch. */
typedef struct {
    float *H, *dH, *R, *input;
    double *rowloss;
    float *small;
} mg_train_ws_parts;
mg_train_ws_parts mg_train_ws_split(float *ws, int64_t B, int64_t d, int64_t p);

/* Batches of at most MG_SMALL_B rows with at least 16 hidden units skip BLAS
 * (small.c): sgemm with so few rows spends its time packing W. */
#define MG_SMALL_B 32
int mg_train_small_ok(int64_t B, int64_t p);

/* Floats of scratch the small path needs beyond the common workspace. */
size_t mg_train_small_ws_floats(int64_t B, int64_t p);

/* The fused steps' choice between one thread and the whole team, by
 * measured speed (results are the same bits either way): on a shared,
 * loaded machine a team whose barriers wait on a descheduled thread can be
 * many times slower than one thread. Zero-initialise; one per trainer;
 * see par.c. */
typedef struct {
    int mode;       /* chosen: 0 one thread, 1 the team */
    int probing;    /* 1: the other mode runs (a probe) */
    int probed;     /* steps of the probe done */
    int64_t left;   /* steps of the chosen mode before the next probe */
    int64_t period; /* the current distance between probes (0: not started) */
    int64_t n;      /* steps of the chosen mode since the last probe */
    double sum[2];  /* their seconds; seconds of the probe's steps */
} mg_train_sched;

/* Whether the next step should run on the team (else on one thread). */
int mg_train_sched_team(mg_train_sched *sc);
/* Accounts a step that took `seconds` in the mode mg_train_sched_team gave. */
void mg_train_sched_record(mg_train_sched *sc, double seconds);

/* Below this many multiply-adds per product a fused step runs on one thread. */
#define MG_PAR_MIN_WORK 262144
/* The threads of one fused step of `work` multiply-adds per product, cut
 * into at most `pieces` parallel pieces: one outside real work or inside a
 * caller's parallel region, else the team, or one thread when the schedule
 * *sc (may be NULL) says so. *sc is set to NULL when there was nothing to
 * choose; else the caller reports the step's time to it. */
int mg_train_step_threads(int64_t work, int64_t pieces, mg_train_sched **sc);

/* What a fused step does besides the loss and gradient (all optional). */
typedef struct {
    const float *src;    /* tiled path: first gather X0's rows, X0_i = src[rows[i]] (row stride ld_src), */
    const int64_t *rows; /* into X0's buffer; NULL: X0 holds the targets already */
    int64_t ld_src;
    const mg_rng *noise; /* then fill Xn = X0 + sigma z, z the normals of this stream from its counter
                            on, exactly as mg_rng_add_noise would (the caller advances the counter) */
    float sigma;
    mg_optim *opt;       /* then, if the loss is finite, update param (the model's flat parameters)
                            with the gradient, counted in opt->t */
    float *param;
    mg_train_sched *sched; /* NULL: always the team */
} mg_train_fused;

/* mg_train_loss_grad for mg_train_small_ok batches (same outputs), returning
 * D; with ex (gather not supported), fused with the noise draw and the
 * optimizer update. */
double mg_train_small(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                      float *ws, const mg_train_fused *ex);

/* The end both fused steps share, after the weight rows: with biases,
 * gb1 = sum_i dH_i (dH: B x p) and, when ex has an optimizer and the data
 * loss D is finite, the biases' update and the update count; nothing when
 * D is not finite and there is an optimizer (the parameters stay as they
 * were). */
void mg_train_fused_finish(const mg_dae *m, const float *dH, int64_t B, double D, float *grad, const mg_train_fused *ex);

/* The same for larger batches through single-threaded sgemm on tiles
 * (tiled.c), with ex fused with the gather, the noise draw and the
 * optimizer update. */
double mg_train_tiled(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                      float *ws, const mg_train_fused *ex);

/* What every trainer of this folder keeps beside its model (the DAE trainer
 * below, the time-conditioned one in tc_trainer.c): the resolved
 * parameters, the data, the run's streams, the batch sampler, the optimizer,
 * the step, and the observation settings of the current run. The batch
 * sampler (mg_train_next_batch), the checkpoint (mg_train_ckpt_*), the run
 * loop (mg_train_loop) and the probe rows work on it alone. */
typedef struct {
    mg_train_params p;     /* resolved: lr and weight_decay are never NaN */
    mg_mat X;              /* borrowed data, n x d */
    int64_t n, d, B;       /* rows, dimension, batch rows */
    int64_t nparams;       /* floats of the model's flat parameter vector */
    double data_scale;     /* c: 1 (eq6) or 1/d (torch) */
    mg_rng rng_run;        /* the run's generator as given */
    mg_rng rng_noise, rng_batch;
    int64_t step;
    uint64_t data_hash;    /* FNV-1a 64 of X's rows */
    /* sampler */
    int64_t *perm;         /* n, shuffle mode */
    int64_t perm_pos;      /* next index into perm; n means "reshuffle" */
    int64_t *rows;         /* B, the current batch's row indices */
    mg_optim opt;
    double last_data_loss; /* of the last completed step */
    int64_t io_log_every, io_probe_rows, io_ckpt_every; /* of the current run, saved in checkpoints */
    /* probe batch for representation statistics */
    int64_t nprobe;
    float *probe_x;        /* nprobe x d clean rows */
} mg_train_core;

/* Sets up c for params (resolved here) on X with the run's generator rng and
 * a model of nparams floats: streams 2 (noise) and 3 (batches), the data
 * fingerprint, the row and permutation buffers, the optimizer. */
mg_status mg_train_core_init(mg_train_core *c, const mg_train_params *params, mg_mat X, const mg_rng *rng,
                             int64_t nparams);
/* Frees what mg_train_core_init allocated (and the probe rows). */
void mg_train_core_free(mg_train_core *c);
/* Bytes allocated by the core (rows, permutation, optimizer state, probe rows). */
size_t mg_train_core_bytes(const mg_train_core *c);

/* Fills c->rows with the sampler's next batch (full: unchanged). */
void mg_train_next_batch(mg_train_core *c);

/* Checks explicit batch rows (every index in 0..n-1); NULL rows take the
 * sampler's next batch. Returns the rows to use, or NULL after mg_fail. */
const int64_t *mg_train_batch_rows(mg_train_core *c, const int64_t *rows);

/* Mean and max over the k rows of H (k x p) of the population std over the
 * p units (the rep_std_* columns of the log). */
void mg_train_rep_std(const float *H, int64_t k, int64_t p, double *mean, double *max);

/* The trainer (see train.h). Buffers are allocated once at creation. */
struct mg_trainer {
    mg_train_core c;       /* shared state (above) */
    mg_dae *model;         /* borrowed */
    int64_t hp;            /* hidden units */
    /* step buffers */
    float *x0buf;          /* B x d gathered clean rows (NULL when full batch reads X directly) */
    float *ws;             /* mg_train_ws_floats(B, d, p) */
    float *xn;             /* B x d noisy inputs: the input slot of ws (not a separate allocation) */
    float *grad;           /* nparams */
    mg_train_sched sched;  /* thread choice of the fused step */
    float *probe_h;        /* nprobe x p */
};

/* Picks the probe rows (all rows, or a sorted random subset of `want` from
 * stream 4; want <= 0: up to 256) and copies them into c->probe_x;
 * *changed (may be NULL) tells whether the rows were (re)allocated. */
mg_status mg_train_core_probe(mg_train_core *c, int64_t want, int *changed);

/* Picks the DAE trainer's probe rows (mg_train_core_probe) and sizes its
 * representation buffer. */
mg_status mg_trainer_setup_probe(mg_trainer *tr, int64_t want);

/* ---- the CSV log of a run (log.c) ---------------------------------------------- */

/* The log kept in memory (zero-initialise; free with mg_train_log_free). */
typedef struct {
    char *buf;
    size_t len, cap;
} mg_train_log;

/* Starts the log: the header, and on a resumed run (step > 0) the rows of
 * the existing file at path up to that step. */
mg_status mg_train_log_start(mg_train_log *lb, const char *path, int64_t step);
/* Appends the row of one logged step (values with 9 significant digits). */
mg_status mg_train_log_row(mg_train_log *lb, const mg_train_progress *pr);
/* Rewrites the log file atomically. */
mg_status mg_train_log_write(const mg_train_log *lb, const char *path);
void mg_train_log_free(mg_train_log *lb);

/* Runs fn(ctx, lo, hi) over [0, n): directly when n <= grain or only one
 * thread would run, else in chunks of grain on OpenMP threads (par.c). For
 * elementwise / row-wise work whose result does not depend on the split. */
void mg_train_par(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx);

/* Writes the trajectory parameters as "train.*" metadata. */
mg_status mg_train_params_to_st(const mg_train_params *p, mg_st *st);
/* Reads them back (every key required). */
mg_status mg_train_params_from_st(const mg_st *st, const char *path, mg_train_params *p);
/* Returns MG_OK if a and b describe the same trajectory (steps may differ),
 * else MG_ERR_ARG naming the first differing field and both values. */
mg_status mg_train_params_same(const mg_train_params *ckpt, const mg_train_params *run, const char *path);

/* FNV-1a 64 fingerprint of the n x d rows of X. */
uint64_t mg_train_data_hash(mg_mat X);

/* mg_train_dae, first restoring the trainer from the checkpoint at
 * resume_path when it is not NULL (the set trainer's per-level resume). */
mg_status mg_train_dae_from(const mg_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                            const char *resume_path, mg_dae **model);

/* ---- the run loop (run.c), shared by the trainers ---------------------------- */

/* What mg_train_loop needs from a trainer: its core and four operations. */
typedef struct {
    mg_train_core *core;
    void *obj; /* the trainer, passed to every operation */
    /* the probe rows of the run's io.probe_rows (after core->io_* are set) */
    mg_status (*setup_probe)(void *obj, int64_t want);
    /* one update; pr (may be NULL) receives step, loss and data_loss */
    mg_status (*step)(void *obj, mg_train_progress *pr);
    /* rep_std_* and grad_norm of the current state into pr */
    mg_status (*probe)(void *obj, mg_train_progress *pr);
    /* writes a checkpoint of the current state */
    mg_status (*save)(const void *obj, const char *path);
    /* the model's flat parameter vector (for the finite check) */
    const float *(*params)(const void *obj, int64_t *n);
} mg_train_loop_ops;

/* mg_trainer_run's loop for any trainer (see train.h for the policies). */
mg_status mg_train_loop(const mg_train_loop_ops *ops, const mg_train_io *io);

/* ---- checkpoints (checkpoint.c), shared by the trainers ------------------------- */

/* The model part of a checkpoint: its tensors and metadata go in with put;
 * on restore, check (nothing changes yet) then, after every other check,
 * apply. "train.model" = kind ("dae", "tc") tells the trainers apart. */
typedef struct {
    const char *kind;
    void *obj;
    mg_status (*put)(const void *obj, mg_st *st);
    mg_status (*check)(const void *obj, const mg_st *st, const char *path);
    mg_status (*apply)(void *obj, const mg_st *st, const char *path);
    /* further generators saved and restored beside rng.noise and rng.batch */
    int nextra;
    const char *extra_name[2];
    mg_rng *extra[2];
} mg_train_ckpt_model;

/* Writes the checkpoint of core and model to path (atomic). */
mg_status mg_train_ckpt_save(const mg_train_core *c, const mg_train_ckpt_model *m, const char *path);

/* Restores core and model from path after checking that it belongs to the
 * same trajectory, data and kind of model. */
mg_status mg_train_ckpt_load(mg_train_core *c, const mg_train_ckpt_model *m, const char *path);

/* mg_train_checkpoint_info for a checkpoint of the given model kind. */
mg_status mg_train_checkpoint_info_kind(const char *path, const char *kind, mg_train_params *params, mg_rng *rng,
                                        int64_t *step, int64_t *n, int64_t *d, mg_train_io *io);

/* Writes the hyper-parameters of a run as model metadata through set(obj,
 * key, value) (the keys of mg_train_annotate_model; dae: also the Eq. 6
 * "lambda" and "loss_lambda"). */
mg_status mg_train_annotate_keys(mg_status (*set)(void *obj, const char *key, const char *value), void *obj,
                                 const mg_train_params *p, const mg_rng *rng, int64_t n, int64_t d, int dae);

/* Opens a checkpoint of the given model kind; *st is the caller's to free. */
mg_status mg_train_ckpt_open(const char *path, const char *kind, mg_st **st);

/* The integer metadata key within [lo, hi] (MG_ERR_FORMAT naming it). */
mg_status mg_train_ckpt_meta_int(const mg_st *st, const char *path, const char *key, int64_t lo, int64_t hi,
                                 int64_t *out);

#endif /* MEMGEN_TRAIN_INTERNAL_H */
