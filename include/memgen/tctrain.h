/*
 * Training the authors' time-conditioned model (tcdae.h) as their notebook
 * 1-Theory/ReLU_Diffusion.ipynb does: every step, every row of the batch gets
 * its own noise level sigma_i drawn log-uniformly in [sigma_min, sigma_max]
 * (default [0.02, 2]) and its own Gaussian noise, the target is the clean
 * row, and the loss is nn.MSELoss (the mean over B x d entries):
 *
 *   J = c (1/B) sum_i ||f(x_i + sigma_i eps_i, sigma_i) - x_i||^2,
 *   c = 1/d (MG_LOSS_TORCH, the authors') or 1 (MG_LOSS_EQ6),
 *
 * with PyTorch's optimizers (coupled weight decay on EVERY parameter, the
 * gate MLP's biases and the skip included, as torch.optim does). The
 * authors' settings: memorization RMSprop lr 1e-3 wd 1e-2 full batch;
 * generalization Adam lr 5e-5 wd 5e-4 batches of 256 (without replacement,
 * drop_last).
 *
 * Everything else is the DAE trainer's (train.h), shared code and all: the
 * optimizers, the batch sampler, the CSV log and progress (rep_std_* is the
 * gated representation of the clean probe rows at sigma_min), checkpoints
 * and bit-identical resume, stop on signal, thread-count independence (every
 * product through mg_sgemm_det, every sum in a fixed order). Streams of the
 * run's generator: 1 initial weights, 2 noise, 3 batch order, 4 probe rows,
 * 5 noise levels. A checkpoint is a training checkpoint (train.h) with
 * "train.model" = "tc", the model's tensors under "model." (tcdae.h names),
 * the generator "rng.sigma" and metadata "train.sigma_min",
 * "train.sigma_max".
 *
 * The gradient (one step, dY = (2c/B) R, R = f - X0, H = relu(Xn W^T),
 * U = relu(t a1^T + c1), G = exp(U A2^T + c2), t_i = log sigma_i):
 *   dHG = dY W^T,  dW = (H.*G)^T dY + ((dHG.*G).*[H>0])^T Xn,  ds = sum dY.*Xn,
 *   dZ2 = (dHG.*H).*G,  dA2 = dZ2^T U,  dc2 = sum_i dZ2_i,
 *   dZ1 = (dZ2 A2).*[U>0],  da1 = sum_i t_i dZ1_i,  dc1 = sum_i dZ1_i.
 */
#ifndef MEMGEN_TCTRAIN_H
#define MEMGEN_TCTRAIN_H

#include "memgen/tcdae.h"
#include "memgen/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything that determines a trajectory of the time-conditioned model. */
typedef struct {
    /* hidden (p), loss, optimizer, batch, batch_mode and steps as for the DAE
       (train.h); the DAE-only fields must keep their defaults: tied = 1,
       bias = 0, lambda = 0 (init, init_scale and sigma are not used) */
    mg_train_params base;
    double sigma_min, sigma_max; /* noise levels drawn log-uniformly in [sigma_min, sigma_max], 0 < min <= max */
} mg_tc_train_params;

/* The defaults: base = MG_TRAIN_PARAMS_DEFAULT with hidden 256 (the
 * authors' p), sigma in [0.02, 2]. */
MG_API mg_tc_train_params mg_tc_train_params_default(void);

/* Checks every field for n x d data (MG_ERR_ARG naming it). */
MG_API mg_status mg_tc_train_params_check(const mg_tc_train_params *p, int64_t n, int64_t d);

/* ---- loss and gradient ------------------------------------------------------ */

/* Floats of workspace mg_tc_loss_grad needs for a batch of B rows. */
MG_API size_t mg_tc_train_ws_floats(int64_t B, int64_t d, int64_t p);

/* Where in the workspace to put the noisy inputs (B x d, ld d) so that the
 * two products of dW run as one (optional). */
MG_API float *mg_tc_train_ws_input(float *ws, int64_t B, int64_t d, int64_t p);

/* For noisy inputs Xn, clean targets X0 (both B x d) and the model's time
 * inputs t[i] = log(sigma_i) (B floats): D = (1/B) sum ||f(Xn_i, sigma_i) -
 * X0_i||^2 into *data_loss, and into grad (mg_tcdae_param_count floats, the
 * layout of mg_tcdae_params) the gradient of data_scale * D. ws:
 * mg_tc_train_ws_floats floats. */
MG_API mg_status mg_tc_loss_grad(const mg_tcdae *m, mg_mat Xn, mg_mat X0, const float *t, double data_scale,
                                 float *grad, float *ws, double *data_loss);

/* ---- the trainer -------------------------------------------------------------- */

typedef struct mg_tc_trainer mg_tc_trainer;

/* A trainer for `model` (borrowed, updated in place; its shape must match
 * params and X) on the rows of X (borrowed, n x d); rng: the run's generator
 * (copied). Caller frees with mg_tc_trainer_free. */
MG_API mg_status mg_tc_trainer_create(const mg_tc_train_params *params, mg_tcdae *model, mg_mat X, const mg_rng *rng,
                               mg_tc_trainer **out);
MG_API void mg_tc_trainer_free(mg_tc_trainer *tr);

MG_API int64_t mg_tc_trainer_step_count(const mg_tc_trainer *tr);
MG_API const mg_tc_train_params *mg_tc_trainer_params(const mg_tc_trainer *tr); /* resolved (lr, wd never NaN) */
MG_API int64_t mg_tc_trainer_batch_rows(const mg_tc_trainer *tr);               /* rows per step */
MG_API const int64_t *mg_tc_trainer_batch_indices(const mg_tc_trainer *tr);     /* rows of the last sampled batch */
MG_API const float *mg_tc_trainer_sigmas(const mg_tc_trainer *tr);              /* sigma of each row of the last step */
MG_API size_t mg_tc_trainer_bytes(const mg_tc_trainer *tr);                     /* the trainer's own allocations */

/* One update. rows (batch_rows indices or NULL: the sampler's next batch),
 * sigmas (batch_rows noise levels > 0 or NULL: drawn from stream 5), eps
 * (batch_rows x d standard normals or NULL: drawn from stream 2); what is
 * given does not advance its stream (how a run is replayed against a
 * reference). Fails with MG_ERR_NUMERIC (parameters untouched) when the loss
 * is not finite. *pr (may be NULL) receives step, loss and data_loss. */
MG_API mg_status mg_tc_trainer_step(mg_tc_trainer *tr, const int64_t *rows, const float *sigmas, const float *eps,
                             mg_train_progress *pr);

/* rep_std_* (gated representation of the clean probe rows at sigma_min) and
 * grad_norm (last update) into *pr. */
MG_API mg_status mg_tc_trainer_probe(mg_tc_trainer *tr, mg_train_progress *pr);

/* Runs to params.base.steps with io (may be NULL), as mg_trainer_run. */
MG_API mg_status mg_tc_trainer_run(mg_tc_trainer *tr, const mg_train_io *io);

/* Writes a checkpoint (atomic) / restores one written by a trainer with the
 * same trajectory parameters (steps may differ) and the same data. */
MG_API mg_status mg_tc_trainer_save_checkpoint(const mg_tc_trainer *tr, const char *path);
MG_API mg_status mg_tc_trainer_load_checkpoint(mg_tc_trainer *tr, const char *path);

/* The parameters, run generator, step, data shape and observation settings
 * stored in a checkpoint of this trainer (see mg_train_checkpoint_info). */
MG_API mg_status mg_tc_train_checkpoint_info(const char *path, mg_tc_train_params *params, mg_rng *rng, int64_t *step,
                                      int64_t *n, int64_t *d, mg_train_io *io);

/* A new model of dimension d and width params.base.hidden, initialised as
 * the authors' (mg_tcdae_init) from stream 1 of rng; caller frees. */
MG_API mg_status mg_tc_train_init_model(const mg_tc_train_params *params, int64_t d, const mg_rng *rng, mg_tcdae **out);

/* Records the sigma range and the hyper-parameters as model metadata. */
MG_API mg_status mg_tc_train_annotate_model(mg_tcdae *model, const mg_tc_train_params *params, const mg_rng *rng,
                                            int64_t n, int64_t d);

/* One call: initialise *model if NULL, train to params.base.steps with io
 * (may be NULL), annotate. On failure an allocated *model is kept for the
 * caller to free. */
MG_API mg_status mg_train_tcdae(const mg_tc_train_params *params, mg_mat X, const mg_rng *rng, const mg_train_io *io,
                         mg_tcdae **model);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_TCTRAIN_H */
