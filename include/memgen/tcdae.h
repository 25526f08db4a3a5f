/*
 * The authors' time-conditioned ReLU denoiser (their notebook
 * 1-Theory/ReLU_Diffusion.ipynb; the model behind the paper's Fig. 4-5): one
 * tied, bias-free ReLU autoencoder shared by every noise level, whose hidden
 * units are scaled by a gate computed from log sigma, plus a learnable scalar
 * skip:
 *
 *     f(x, sigma) = W^T [relu(W x) * g(sigma)] + s x,
 *     g(sigma)    = exp(A2 relu(a1 log(sigma) + c1) + c2)      (p gates, all > 0),
 *
 * W (p x d) the tied encoder/decoder, a1, c1 (p) the first layer of the gate
 * MLP (PyTorch Linear(1, p)), A2 (p x p), c2 (p) its second layer
 * (Linear(p, p)), s a scalar. Batched over rows: with X (n x d),
 * H = relu(X W^T) (n x p) and Y = (H .* g) W + s X.
 *
 * Representations (paper Section 3, Algorithm 1) at level sigma: the GATED
 * hidden vector h_g = relu(W x) .* g(sigma) (the default: what the decoder
 * sees, and what makes the model at a fixed sigma a DAE of Eq. 5), or the
 * UNGATED relu(W x) that the authors' rep() returns in their plots
 * (mg_tc_rep). The Jacobian at (x, sigma) is
 * J = s I + W^T diag(g .* [W x > 0]) W.
 *
 * At a fixed sigma the model IS a two-layer ReLU DAE with a skip
 * (dae.h): f = W2 relu(W1^T x) + s x with, for the gated representation,
 * W1 = (diag(g) W)^T, W2 = W^T (since g > 0, relu(g_j w_j.x) = g_j relu(w_j.x)),
 * and for the ungated one W1 = W^T, W2 = (diag(g) W)^T. mg_tcdae_to_dae /
 * mg_tcdae_to_daeset build those, so that every analysis of a DAE set
 * (representations, the detector, Jacobians, steering) runs on this model
 * unchanged; the products are the same up to float rounding (one product
 * g_j * w_jk per weight).
 *
 * Storage: all parameters in one flat float vector, in the order (and with
 * the layouts) of the authors' PyTorch state_dict:
 *   encoder.weight    (p, d)  W, row-major (W[j*d + k])
 *   time_mlp.0.weight (p, 1)  a1
 *   time_mlp.0.bias   (p)     c1
 *   time_mlp.2.weight (p, p)  A2, row-major (A2[j*p + k]: gate j from unit k)
 *   time_mlp.2.bias   (p)     c2
 *   skip              (1)     s
 * The .safetensors file holds exactly these tensors under these names (a
 * user converts the authors' checkpoint with
 * safetensors.torch.save_file(model.state_dict(), path) and loads it here; a
 * 0-dimensional "skip" is accepted too), plus metadata "memgen.kind" =
 * "tc_dae", "d", "p", "sigma_min", "sigma_max" (the training range, when
 * known) and any free-form keys of the creator.
 */
#ifndef MEMGEN_TCDAE_H
#define MEMGEN_TCDAE_H

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/rng.h"
#include "memgen/safetensors.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mg_tcdae mg_tcdae;

/* Which hidden vector is "the representation" at a noise level. */
typedef enum {
    MG_TC_GATED = 0, /* relu(W x) .* g(sigma): the default */
    MG_TC_UNGATED,   /* relu(W x): the authors' rep() */
    MG_TC_REP_COUNT
} mg_tc_rep;

/* "gated", "ungated" ("?" if invalid) and the parser (MG_ERR_ARG naming the
 * accepted values). */
MG_API const char *mg_tc_rep_name(mg_tc_rep r);
MG_API mg_status mg_tc_rep_parse(const char *s, mg_tc_rep *out);

/* Allocates a d x p model with every parameter zero (caller frees with
 * mg_tcdae_free). */
MG_API mg_status mg_tcdae_create(int64_t d, int64_t p, mg_tcdae **out);

/* Frees the model. Safe on NULL. */
MG_API void mg_tcdae_free(mg_tcdae *m);

/* A deep copy, metadata included (caller frees). */
MG_API mg_status mg_tcdae_clone(const mg_tcdae *m, mg_tcdae **out);

MG_API int64_t mg_tcdae_dim(const mg_tcdae *m);    /* d */
MG_API int64_t mg_tcdae_hidden(const mg_tcdae *m); /* p */

/* Views of the parameter blocks inside the flat vector (owned by the model). */
typedef struct {
    float *W;    /* p x d: encoder.weight */
    float *a1;   /* p: time_mlp.0.weight */
    float *c1;   /* p: time_mlp.0.bias */
    float *A2;   /* p x p: time_mlp.2.weight */
    float *c2;   /* p: time_mlp.2.bias */
    float *skip; /* 1: skip */
} mg_tcdae_parts;
MG_API mg_tcdae_parts mg_tcdae_parts_of(mg_tcdae *m);

/* The same views of a const model. */
typedef struct {
    const float *W, *a1, *c1, *A2, *c2, *skip;
} mg_tcdae_cparts;
MG_API mg_tcdae_cparts mg_tcdae_cparts_of(const mg_tcdae *m);

/* The flat parameter vector (order above) and its length
 * p*d + p + p + p*p + p + 1 (count may be NULL). Optimizers and checkpoints
 * work on it. */
MG_API float *mg_tcdae_params(mg_tcdae *m, int64_t *count);
MG_API const float *mg_tcdae_params_const(const mg_tcdae *m, int64_t *count);
MG_API int64_t mg_tcdae_param_count(const mg_tcdae *m);

/* The authors' initialisation: W ~ kaiming_uniform_(a=0, fan_in, relu), i.e.
 * U(-sqrt(6/d), sqrt(6/d)); the gate MLP's first layer as PyTorch's default
 * Linear(1, p) init (weight and bias U(-1, 1): fan_in 1); its last layer
 * zero (so every gate starts at 1); skip 0. Draws W, then a1, then c1. */
MG_API void mg_tcdae_init(mg_tcdae *m, mg_rng *rng);

/* Free-form metadata saved with the model (copied). The structural keys
 * "memgen.kind", "d", "p" are reserved. */
MG_API mg_status mg_tcdae_set_meta(mg_tcdae *m, const char *key, const char *value);
MG_API const char *mg_tcdae_meta(const mg_tcdae *m, const char *key);

/* The training range of sigma (NaN when unknown; set by the trainer, saved
 * as metadata "sigma_min", "sigma_max"). */
MG_API void mg_tcdae_sigma_range(const mg_tcdae *m, double *lo, double *hi);
MG_API void mg_tcdae_set_sigma_range(mg_tcdae *m, double lo, double hi);

/* The gates of n noise levels: row i of G (n x p, ld p) = g(sigma_i) for
 * t[i] = log(sigma_i) (float, as the model's input). U (n x p, may be NULL)
 * receives relu(a1 t_i + c1), the gate MLP's hidden layer. Products through
 * mg_sgemm_det (thread-count independent). */
MG_API mg_status mg_tcdae_gates(const mg_tcdae *m, const float *t, int64_t n, float *G, float *U);

/* g(sigma) for one sigma > 0 (p floats). */
MG_API mg_status mg_tcdae_gate(const mg_tcdae *m, double sigma, float *g);

/* The representation of every row of X (n x d) at level sigma > 0 into H
 * (n x p): relu(W x) .* g(sigma) (gated) or relu(W x) (ungated). No noise is
 * added here (see mg_repr_* for x + sigma eps). */
MG_API mg_status mg_tcdae_encode(const mg_tcdae *m, mg_mat X, double sigma, mg_tc_rep rep, mg_mat H);

/* Y = f(X, sigma) (both n x d; must not alias), sigma > 0. */
MG_API mg_status mg_tcdae_forward(const mg_tcdae *m, mg_mat X, double sigma, mg_mat Y);

/* The DAE (with skip) that equals the model at level sigma (see the top),
 * its hidden layer the chosen representation; caller frees. Its sigma is
 * set, its metadata records "tc.rep" and "tc.sigma". */
MG_API mg_status mg_tcdae_to_dae(const mg_tcdae *m, double sigma, mg_tc_rep rep, mg_dae **out);

/* A DAE set with one such level per sigma (count > 0, strictly ascending,
 * positive); caller frees with mg_daeset_free. */
MG_API mg_status mg_tcdae_to_daeset(const mg_tcdae *m, const double *sigmas, int count, mg_tc_rep rep, mg_daeset *out);

/* Whether a safetensors collection holds a time-conditioned model under
 * prefix ("" for a model file): its "<prefix>encoder.weight" and
 * "<prefix>time_mlp.2.weight" exist. */
MG_API int mg_tcdae_st_is(const mg_st *st, const char *prefix);

/* Adds the tensors (names above, each prefixed) and, at prefix "", the
 * metadata to st. */
MG_API mg_status mg_tcdae_to_st(const mg_tcdae *m, mg_st *st, const char *prefix);

/* Builds a model from the tensors under prefix (caller frees), with shape
 * checks (every tensor against encoder.weight's (p, d)) and a finite-value
 * check; tensors of any float dtype are converted to float32. */
MG_API mg_status mg_tcdae_from_st(const mg_st *st, const char *prefix, mg_tcdae **out);

/* Saves (atomic write) / loads a model file. */
MG_API mg_status mg_tcdae_save(const mg_tcdae *m, const char *path);
MG_API mg_status mg_tcdae_load(const char *path, mg_tcdae **out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_TCDAE_H */
