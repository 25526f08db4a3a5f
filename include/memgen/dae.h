/*
 * The two-layer ReLU denoising autoencoder of the paper, Eq. 5:
 *
 *     f(x) = W2 [W1^T x + b1]_+ + b2 (+ s x),     W1, W2 in R^{d x p},
 *
 * bias-free by default (b1 = b2 = 0, as the paper). The scalar skip s is 0
 * for the paper's DAE; it is what a time-conditioned model (tcdae.h) at one
 * noise level needs to be a DAE, and it is not a trainable parameter here
 * (not in mg_dae_params; the DAE trainer refuses a model with s != 0). Tied models share one
 * parameter matrix (W2 = W1). Batched over rows: with X (n x d) the
 * representation is H = relu(X W1 + b1) (n x p) and the output Y = H W2^T + b2.
 *
 * Storage: W1 and W2 are row-major d x p (element (i, j) at [i*p + j]), which
 * is exactly the array `W1` a PyTorch user sees after
 * safetensors.torch.load_file (shape [d, p]). From nn.Linear layers (weights
 * stored out x in): W1 = encoder.weight.T, W2 = decoder.weight, b1 =
 * encoder.bias, b2 = decoder.bias (README 'Importing a DAE from PyTorch');
 * mg_dae_from_st names what it found when the names or shapes do not fit.
 *
 * File layout (.safetensors): tensors "W1" (d, p), "W2" (d, p, untied only),
 * "b1" (p), "b2" (d) when biased, "skip" (1) when s != 0; metadata "memgen.kind" = "dae", "d", "p",
 * "tied" ("1"/"0"), "bias", "sigma" plus any free-form keys set by the
 * creator (training hyper-parameters, closed-form provenance, ...).
 */
#ifndef MEMGEN_DAE_H
#define MEMGEN_DAE_H

#include "memgen/core.h"
#include "memgen/rng.h"
#include "memgen/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mg_dae mg_dae;

/* Allocates a d x p model with zero weights (caller frees with mg_dae_free).
 * tied: W2 is W1. bias: adds b1 (p) and b2 (d), zero-initialised. */
MG_API mg_status mg_dae_create(int64_t d, int64_t p, int tied, int bias, mg_dae **out);

/* Frees the model. Safe on NULL. */
MG_API void mg_dae_free(mg_dae *m);

/* A deep copy (caller frees). */
MG_API mg_status mg_dae_clone(const mg_dae *m, mg_dae **out);

MG_API int64_t mg_dae_dim(const mg_dae *m);     /* d */
MG_API int64_t mg_dae_hidden(const mg_dae *m);  /* p */
MG_API int mg_dae_is_tied(const mg_dae *m);
MG_API int mg_dae_has_bias(const mg_dae *m);

/* Parameter buffers (owned by the model). w2 returns w1's buffer when tied;
 * b1/b2 return NULL for a bias-free model. */
MG_API float *mg_dae_w1(mg_dae *m);
MG_API float *mg_dae_w2(mg_dae *m);
MG_API float *mg_dae_b1(mg_dae *m);
MG_API float *mg_dae_b2(mg_dae *m);
MG_API const float *mg_dae_w1_const(const mg_dae *m);
MG_API const float *mg_dae_w2_const(const mg_dae *m);
MG_API const float *mg_dae_b1_const(const mg_dae *m);
MG_API const float *mg_dae_b2_const(const mg_dae *m);

/* The columns of W1 as rows: C (p x d, the caller's buffer) = W1^T, and
 * norms (p doubles, or NULL) = each column's Euclidean norm, summed in double
 * over i = 0..d-1. */
MG_API void mg_dae_columns(const mg_dae *m, float *C, double *norms);

/* All parameters as one flat float vector owned by the model, in the fixed
 * order W1 (d x p), W2 (d x p, untied only), b1 (p), b2 (d) (biased only);
 * the accessors above point into it. Optimizers and checkpoints work on this
 * vector. *count receives its length (may be NULL). */
MG_API float *mg_dae_params(mg_dae *m, int64_t *count);
MG_API const float *mg_dae_params_const(const mg_dae *m, int64_t *count);

/* Number of floats in mg_dae_params: d*p*(tied ? 1 : 2) + (bias ? p + d : 0). */
MG_API int64_t mg_dae_param_count(const mg_dae *m);

/* The skip s of f(x) = ... + s x (0 unless set). */
MG_API float mg_dae_skip(const mg_dae *m);
MG_API void mg_dae_set_skip(mg_dae *m, float s);

/* The noise level the model was trained or built for (NaN if unknown). */
MG_API double mg_dae_sigma(const mg_dae *m);
MG_API void mg_dae_set_sigma(mg_dae *m, double sigma);

/* Free-form string metadata saved with the model (copied). */
MG_API mg_status mg_dae_set_meta(mg_dae *m, const char *key, const char *value);
MG_API const char *mg_dae_meta(const mg_dae *m, const char *key);

/* The weight penalty of the training loss (Eq. 6 with an explicit lambda):
 * P = ||W1||^2 + ||W2||^2 (tied: 2 ||W||^2), summed in double in a fixed
 * order (biases are not penalised). */
MG_API double mg_dae_weight_penalty(const mg_dae *m);

/* Initialisers. Kaiming-normal as torch.nn.init.kaiming_normal_ on the
 * PyTorch weight of shape (p, d) for the encoder (std = sqrt(2 / d)) and
 * (d, p) for the decoder (std = sqrt(2 / p)); scaled normal: every entry
 * N(0, scale^2). Biases are zeroed. */
MG_API void mg_dae_init_kaiming(mg_dae *m, mg_rng *rng);
MG_API void mg_dae_init_normal(mg_dae *m, mg_rng *rng, float scale);

/* H = relu(X W1 + b1). X: n x d, H: n x p (views, ld >= cols). */
MG_API mg_status mg_dae_encode(const mg_dae *m, mg_mat X, mg_mat H);

/* Y = f(X) (with the skip: + s X). X: n x d, Y: n x d. H is an n x p workspace that receives the
 * representation; pass H.data == NULL to let the call allocate one. */
MG_API mg_status mg_dae_forward(const mg_dae *m, mg_mat X, mg_mat H, mg_mat Y);

/* Adds the model's tensors and metadata to st, each name prefixed by
 * `prefix` ("" for a plain model file, "level3." inside a set). */
MG_API mg_status mg_dae_to_st(const mg_dae *m, mg_st *st, const char *prefix);

/* Builds a model from the tensors under `prefix` in st (caller frees), with
 * full shape checks and a finite-value check. */
MG_API mg_status mg_dae_from_st(const mg_st *st, const char *prefix, mg_dae **out);

/* Saves / loads a single model file (atomic write). */
MG_API mg_status mg_dae_save(const mg_dae *m, const char *path);
MG_API mg_status mg_dae_load(const char *path, mg_dae **out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DAE_H */
