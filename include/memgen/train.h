/*
 * Training the ReLU DAE (paper Eq. 5-6, Appendix B.1): the loss and its
 * gradient, PyTorch-exact optimizers, mini-batch / full-batch sampling, fresh
 * Gaussian noise every step, CSV logging, checkpoints that resume to the
 * bit-identical result, and stop-on-signal.
 *
 * ---- The two loss conventions and what lambda of Eq. 6 they mean ----------
 *
 * Eq. 6 (per batch of B rows, noise eps ~ N(0, I)):
 *
 *   L_eq6 = (1/B) sum_i ||f(x_i + sigma eps_i) - x_i||^2 + lambda (||W1||^2 + ||W2||^2)
 *
 * A tied model is the restriction W1 = W2 = W of the same function, so its
 * penalty is 2 lambda ||W||^2 (gradient 4 lambda W). The closed forms of
 * Theorem 3.1 / Corollaries 3.2-3.4 (n lambda in the blocks) use exactly this
 * lambda.
 *
 * memgen minimises   J = c * D + lambda * P   with coupled weight decay wd
 * added by the optimizer as PyTorch does (grad += wd * w for every parameter
 * tensor, i.e. the gradient of (wd/2) * Q), where
 *   D = (1/B) sum_i ||r_i||^2,  P = ||W1||^2 + ||W2||^2  (tied: 2 ||W||^2),
 *   Q = sum over parameter tensors of ||w||^2 (untied: P; tied: ||W||^2 = P/2;
 *       biases, when present, are parameters too),
 *   c = 1 for MG_LOSS_EQ6, c = 1/d for MG_LOSS_TORCH (nn.MSELoss, the mean
 *       over all B*d entries, the authors' code).
 * J and (J / c) have the same minimisers, and J / c = D + lambda_eff * P with
 *
 *   untied:  lambda_eff = (lambda + wd / 2) / c
 *   tied:    lambda_eff = (lambda + wd / 4) / c
 *
 * so the authors' setting (MSELoss + coupled weight_decay wd, lambda = 0) is
 * Eq. 6 with lambda = d * wd / 2 (untied) or d * wd / 4 (tied). There is no
 * exact mapping for AdamW's decoupled decay (wd != 0) nor for a biased model
 * trained with wd != 0 (PyTorch also decays the biases, which Eq. 6 does
 * not penalise); mg_train_effective_lambda returns NaN there. The optimizer
 * sees the gradient of J, so learning rates mean what they mean in PyTorch
 * for the same convention.
 *
 * ---- Randomness and determinism ------------------------------------------
 *
 * A run is a pure function of (params, data, rng): from the rng passed in the
 * trainer derives independent streams with mg_rng_fork: 1 initial weights
 * (mg_train_init_model), 2 noise, 3 batch order, 4 the probe batch for
 * logging. OpenBLAS sgemm results depend on its thread count, so every
 * matrix product of a step goes through mg_sgemm_det (memgen/blas.h: a
 * fixed, shape-only tiling of the output, one single-threaded sgemm per tile,
 * tiles spread over OpenMP threads); mg_trainer_run keeps OpenBLAS at one
 * thread for its duration. Batches of at most 32 rows (with p >= 16) skip
 * BLAS: the whole step (noise, loss, gradient, optimizer update) runs as
 * streaming passes over fixed row chunks of W in one OpenMP region, partial
 * sums added in chunk order (a trainer measures whether the region or one
 * thread is faster, which on a loaded machine it can be, and uses that: the
 * bits are the same). Reductions are done per row and summed in a
 * fixed order, elementwise work is split without changing any bit. Results
 * are therefore bit-identical for any thread count, and a run resumed from a
 * checkpoint ends bit-identical to an uninterrupted one. The step loop
 * allocates nothing: libgomp allocates a team for every OpenMP region
 * entered, even one whose if() clause is false, so single-threaded work
 * (including small noise fills) runs without entering a region
 * (bench_train counts allocations in its timed loop).
 *
 * ---- Checkpoints ---------------------------------------------------------
 *
 * One .safetensors file: the model under "model." (see dae.h), optimizer
 * buffers "optim.<name>" (flat, same length as the model's parameter vector),
 * the RNG states "rng.noise", "rng.batch" (I64 [3]: key, stream, counter as
 * two's-complement bit patterns), the sampler permutation "sampler.perm"
 * (I64 [n], without-replacement mode); metadata "memgen.kind" =
 * "train_checkpoint", "step", "optim.step", "sampler.pos", "io.log_every",
 * "io.probe_rows", "io.checkpoint_every" (of the writing run), every trajectory
 * parameter ("train.*", doubles as %.17g) and the data fingerprint
 * ("data.n", "data.d", "data.hash" = FNV-1a 64 of the float32 rows).
 */
#ifndef MEMGEN_TRAIN_H
#define MEMGEN_TRAIN_H

#include <math.h>

#include "memgen/core.h"
#include "memgen/dae.h"
#include "memgen/daeset.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { MG_OPTIM_SGD = 0, MG_OPTIM_ADAM, MG_OPTIM_ADAMW, MG_OPTIM_RMSPROP, MG_OPTIM_COUNT } mg_optim_kind;
typedef enum { MG_LOSS_EQ6 = 0, MG_LOSS_TORCH, MG_LOSS_COUNT } mg_loss_kind;
typedef enum {
    MG_BATCH_FULL = 0, /* every step uses all n rows in order */
    MG_BATCH_SHUFFLE,  /* without replacement: a fresh permutation per epoch; when fewer than
                          `batch` rows remain the epoch ends (PyTorch's drop_last=True) */
    MG_BATCH_REPLACE,  /* with replacement: each row drawn uniformly */
    MG_BATCH_COUNT     /* number of modes */
} mg_batch_mode;
typedef enum { MG_INIT_KAIMING = 0, MG_INIT_NORMAL, MG_INIT_COUNT } mg_init_kind;

/* Everything that determines a training trajectory. Fields left at the
 * MG_TRAIN_PARAMS_DEFAULT values get PyTorch's defaults. */
typedef struct {
    /* model (mg_train_init_model; a trainer checks its model against them) */
    int64_t hidden;          /* p, hidden units (required, >= 1) */
    int tied;                /* 1: W2 = W1 (one parameter) */
    int bias;                /* 1: biases b1 (p), b2 (d) */
    mg_init_kind init;       /* initial weights */
    double init_scale;       /* MG_INIT_NORMAL: entries N(0, init_scale^2) */
    /* objective */
    double sigma;            /* noise level (>= 0) */
    mg_loss_kind loss;       /* data term scaling, see above */
    double lambda;           /* explicit penalty lambda * P in the loss (>= 0) */
    /* optimizer (PyTorch semantics) */
    mg_optim_kind optim;
    double lr;               /* NaN: PyTorch's default (Adam/AdamW 1e-3, RMSprop 1e-2; SGD has none) */
    double weight_decay;     /* NaN: PyTorch's default (0; AdamW 1e-2) */
    double momentum;         /* SGD and RMSprop (default 0) */
    double dampening;        /* SGD (default 0) */
    int nesterov;            /* SGD (default 0) */
    double beta1, beta2;     /* Adam/AdamW (0.9, 0.999) */
    double eps;              /* Adam/AdamW/RMSprop (1e-8) */
    double alpha;            /* RMSprop smoothing (0.99) */
    int centered;            /* RMSprop (default 0) */
    /* batches and length */
    int64_t batch;           /* rows per step; ignored for MG_BATCH_FULL */
    mg_batch_mode batch_mode;
    int64_t steps;           /* total number of updates of the run */
} mg_train_params;

#define MG_TRAIN_PARAMS_DEFAULT                                                                          \
    {                                                                                                    \
        0, 1, 0, MG_INIT_KAIMING, 0.01, 0.2, MG_LOSS_TORCH, 0.0, MG_OPTIM_RMSPROP, NAN, NAN, 0.0, 0.0, 0, \
            0.9, 0.999, 1e-8, 0.99, 0, 256, MG_BATCH_SHUFFLE, 1000                                      \
    }
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_train_params mg_train_params_default(void);

/* Lower-case names ("sgd", "adam", "adamw", "rmsprop"; "eq6", "torch";
 * "full", "shuffle", "replace"; "kaiming", "normal") and their parsers
 * (MG_ERR_ARG with the accepted names on a bad one). */
MG_API const char *mg_optim_name(mg_optim_kind k);
/* The same names as NULL-terminated tables indexed by value (for field
 * descriptors, fields.h). */
MG_API extern const char *const mg_optim_names[];
MG_API extern const char *const mg_loss_names[];
MG_API extern const char *const mg_batch_mode_names[];
MG_API extern const char *const mg_init_names[];
MG_API const char *mg_loss_name(mg_loss_kind k);
MG_API const char *mg_batch_mode_name(mg_batch_mode m);
MG_API const char *mg_init_name(mg_init_kind k);
MG_API mg_status mg_optim_parse(const char *s, mg_optim_kind *out);
MG_API mg_status mg_loss_parse(const char *s, mg_loss_kind *out);

/* The lr and weight decay a run uses after applying PyTorch's defaults. */
MG_API double mg_train_resolved_lr(const mg_train_params *p);
MG_API double mg_train_resolved_wd(const mg_train_params *p);

/* Checks every field (ranges, SGD needs an lr, n >= batch for shuffle, ...)
 * for data with n rows of dimension d; MG_ERR_ARG naming the field. */
MG_API mg_status mg_train_params_check(const mg_train_params *p, int64_t n, int64_t d);

/* The lambda of Eq. 6 that a run with these parameters minimises, for data
 * dimension d (see the table at the top); NaN where no exact mapping exists
 * (AdamW with wd != 0; wd != 0 with biases). */
MG_API double mg_train_effective_lambda(const mg_train_params *p, int64_t d);

/* ---- loss and gradient (Eq. 6) ------------------------------------------- */

/* Floats of workspace mg_train_loss_grad needs for a batch of B rows. */
MG_API size_t mg_train_ws_floats(int64_t B, int64_t d, int64_t p);

/* Where in a workspace to put the noisy inputs (B x d, ld d) so that a tied
 * model's two weight-gradient products run as one (optional). */
MG_API float *mg_train_ws_input(float *ws, int64_t B, int64_t d, int64_t p);

/* For noisy inputs Xn and clean targets X0 (both B x d): data loss
 * D = (1/B) sum ||f(Xn_i) - X0_i||^2 into *data_loss, and into grad
 * (mg_dae_param_count floats, the layout of mg_dae_params) the gradient of
 * data_scale * D + lambda * P (P as above). ws: mg_train_ws_floats floats,
 * on return ws[0 .. B*p) holds the representation H = relu(Xn W1 + b1).
 * On return ws also holds R = s (f(Xn) - X0) (s = 2 data_scale / B).
 * Matrix products: H = Xn W1, Y = H W2^T, dH = R W2 masked by H > 0,
 * dW2 = R^T H, dW1 = Xn^T dH (tied: dW1 + dW2, one product when Xn is in
 * the workspace's input slot). */
MG_API mg_status mg_train_loss_grad(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                             float *ws, double *data_loss);

/* ---- the trainer ---------------------------------------------------------- */

typedef struct mg_trainer mg_trainer;

/* What the progress callback and the log see after step `step`. */
typedef struct {
    int64_t step, total;     /* completed updates, params.steps */
    double loss;             /* data_scale * D + lambda * P of the last batch (the loss PyTorch reports) */
    double data_loss;        /* D of the last batch, Eq. 6 units (1/B sum ||r_i||^2) */
    double grad_norm;        /* ||grad J|| of the last update (before coupled weight decay) */
    double rep_std_mean;     /* mean over the probe rows of std(h(x)) (population std over the p units) */
    double rep_std_max;      /* max over the probe rows */
    double elapsed;          /* seconds since run start (this process) */
} mg_train_progress;

/* Observation and persistence of a run: none of it changes the trajectory. */
typedef struct {
    const char *log_path;        /* CSV "step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max"; NULL: none */
    int64_t log_every;           /* steps between log rows (0: 100) */
    int64_t probe_rows;          /* clean training rows used for rep_std (0: min(n, 256)) */
    const char *checkpoint_path; /* NULL: no checkpoints */
    int64_t checkpoint_every;    /* steps between periodic checkpoints (0: none) */
    int checkpoint_at_end;       /* also write one when the run completes */
    void (*progress)(void *ctx, const mg_train_progress *pr); /* every log_every steps and at the end */
    void *ctx;
    double log_flush_seconds;    /* the log file is rewritten (atomically) at checkpoints, at the end and
                                    at most this often (0: 30 s) */
} mg_train_io;

/* A trainer for `model` (borrowed: updated in place, must outlive the
 * trainer; its shape must match params and X) on the rows of X (borrowed,
 * n x d, must outlive the trainer). rng: the run's generator (copied; see
 * the stream list above). Allocates every buffer the step loop needs.
 * Caller frees with mg_trainer_free. */
MG_API mg_status mg_trainer_create(const mg_train_params *params, mg_dae *model, mg_mat X, const mg_rng *rng,
                            mg_trainer **out);
MG_API void mg_trainer_free(mg_trainer *tr);

/* Completed updates so far. */
MG_API int64_t mg_trainer_step_count(const mg_trainer *tr);

/* The resolved parameters the trainer runs with. */
MG_API const mg_train_params *mg_trainer_params(const mg_trainer *tr);

/* Rows per step (n for full batch). */
MG_API int64_t mg_trainer_batch_rows(const mg_trainer *tr);

/* Bytes of memory the trainer allocated (batch buffers, gradient, optimizer
 * state, sampler, probe batch); the model and the data are not included. */
MG_API size_t mg_trainer_bytes(const mg_trainer *tr);

/* The row indices of the batch of the last step taken from the sampler
 * (batch_rows entries, owned by the trainer). */
MG_API const int64_t *mg_trainer_batch_indices(const mg_trainer *tr);

/* One update. rows: batch_rows indices into X, or NULL to take the next batch
 * of the sampler; eps: batch_rows x d standard normals, or NULL to draw fresh
 * noise from the trainer's stream. Passing explicit rows/noise does not
 * advance the corresponding stream (this is how a run is replayed against
 * an external reference, or driven with custom noise). Fails with
 * MG_ERR_NUMERIC (parameters untouched) if the loss is not finite.
 * *pr (may be NULL) receives loss, data_loss and step. */
MG_API mg_status mg_trainer_step(mg_trainer *tr, const int64_t *rows, const float *eps, mg_train_progress *pr);

/* Fills rep_std_mean/max (probe batch, current weights) and grad_norm (last
 * update) in *pr. */
MG_API mg_status mg_trainer_probe(mg_trainer *tr, mg_train_progress *pr);

/* Runs until params.steps updates are done, logging and checkpointing as io
 * says (io may be NULL). Stops early with MG_ERR_INTERRUPTED after writing a
 * checkpoint when a stop was requested (mg_train_request_stop, or a signal
 * caught by mg_train_catch_signals), and with MG_ERR_NUMERIC when the loss
 * turns NaN/Inf (the last good checkpoint is kept, not overwritten). When
 * resuming (step > 0) an existing log file is kept up to the resumed step.
 * A run that diverges but stays finite also fails with MG_ERR_NUMERIC, at
 * its end (the model, log and checkpoints are as the run left them): when the
 * last batch's loss exceeds MG_TRAIN_DIVERGE_FACTOR times the first batch's
 * loss of this run, or the parameters' Euclidean norm exceeds that factor
 * times max(1, its norm at the start). Legitimate runs stay far inside
 * both: the loss falls, and a memorizing model's weights grow to about the
 * size of its training samples. */
#define MG_TRAIN_DIVERGE_FACTOR 1e3
MG_API mg_status mg_trainer_run(mg_trainer *tr, const mg_train_io *io);

/* Writes a checkpoint of the current state (atomic). */
MG_API mg_status mg_trainer_save_checkpoint(const mg_trainer *tr, const char *path);

/* Restores model, optimizer, RNG, sampler and step from a checkpoint written
 * by a trainer with the same trajectory parameters (steps may differ) and
 * the same data; any mismatch is MG_ERR_ARG naming the field. */
MG_API mg_status mg_trainer_load_checkpoint(mg_trainer *tr, const char *path);

/* Reads the parameters, the run's rng and the data shape stored in a
 * checkpoint, so that a resumed run can be set up from the file alone. io
 * (may be NULL) receives the observation settings of the run that wrote it
 * (log_every, probe_rows, checkpoint_every; paths and callbacks are zeroed),
 * so that the resumed run logs at the same steps on the same probe rows. */
MG_API mg_status mg_train_checkpoint_info(const char *path, mg_train_params *params, mg_rng *rng, int64_t *step,
                                   int64_t *n, int64_t *d, mg_train_io *io);

/* A new model initialised as params says (shape d x params.hidden) from
 * stream 1 of rng (caller frees). */
MG_API mg_status mg_train_init_model(const mg_train_params *params, int64_t d, const mg_rng *rng, mg_dae **out);

/* Records sigma and the training hyper-parameters as model metadata
 * (sigma, lambda = the effective Eq. 6 lambda, loss, optim, lr, wd, steps,
 * batch, seed, stream, data_n, data_d, ...). */
MG_API mg_status mg_train_annotate_model(mg_dae *model, const mg_train_params *params, const mg_rng *rng, int64_t n,
                                  int64_t d);

/* One call for the common case (and for a set trainer, once per noise level
 * with mg_rng_fork(&base, level)): if *model is NULL a model is initialised
 * from params; trains to params.steps with io; annotates the model. On
 * failure an allocated *model is kept for the caller to free. */
MG_API mg_status mg_train_dae(const mg_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                       mg_dae **model);

/* ---- DAE sets over noise levels (App. B.1) --------------------------------- */

/* How mg_train_daeset observes and persists each level's run. */
typedef struct {
    /* Called before level k (of count, noise sigma) is trained, with a zeroed
     * io to fill (log/checkpoint paths, progress callback); NULL: no io. */
    void (*level_io)(void *ctx, int level, int count, double sigma, mg_train_io *io);
    void *ctx;
    int resume; /* 1: a level whose io.checkpoint_path exists continues from that checkpoint */
} mg_train_set_opts;

/* Trains one DAE per sigma (count levels, strictly ascending) on X into *out
 * (caller frees with mg_daeset_free): level k uses params with sigma =
 * sigmas[k] and the generator mg_rng_fork(rng, k), so it equals the single
 * run mg_train_dae would give with that sigma and generator. Levels are
 * trained one after another, each using all threads. opts may be NULL.
 * On failure *out is freed and the error names the level. */
MG_API mg_status mg_train_daeset(const mg_train_params *params, const double *sigmas, int count, mg_mat X, const mg_rng *rng,
                          const mg_train_set_opts *opts, mg_daeset *out);

/* ---- stopping on request ---------------------------------------------------- */

/* Installs SIGINT/SIGTERM handlers that request a stop (the running loop
 * checkpoints and returns MG_ERR_INTERRUPTED). Process-wide, so only on the
 * caller's request: no library function installs them (a program that keeps
 * its own handlers calls mg_train_request_stop from them instead). Returns
 * MG_ERR_IO if sigaction fails. */
MG_API mg_status mg_train_catch_signals(void);
/* Requests / clears / queries a stop (async-signal-safe flag). */
MG_API void mg_train_request_stop(void);
MG_API void mg_train_clear_stop(void);
MG_API int mg_train_stop_requested(void);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_TRAIN_H */
