/*
 * The denoiser interface samplers use: Y = f_sigma(X), an estimate of
 * E[x | x + sigma eps = y] for every row, with one backend per kind of
 * denoiser (a DAE set, the authors' time-conditioned model, the empirical
 * optimal denoiser of Eq. 3, the true denoiser of a Gaussian mixture, ...). Tweedie: score = (f(y) - y) / sigma^2.
 */
#ifndef MEMGEN_DENOISER_H
#define MEMGEN_DENOISER_H

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/mog.h"
#include "memgen/tcdae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t d;       /* data dimension */
    void *ctx;       /* backend state, owned unless free_ctx is NULL */
    /* Y = f_sigma(X); X and Y are n x d and must not alias. */
    mg_status (*fn)(void *ctx, double sigma, mg_mat X, mg_mat Y);
    void (*free_ctx)(void *ctx);
    char name[64];   /* "dae_set", "f_emp", "f_gt", ... */
} mg_denoiser;

/* Releases the backend state. Safe on a zeroed struct. */
MG_API void mg_denoiser_free(mg_denoiser *den);

/* How a DAE set answers a sigma between its levels. */
typedef enum {
    MG_LEVEL_NEAREST = 0, /* the level nearest in log sigma */
    MG_LEVEL_INTERP = 1   /* linear in log sigma between the two neighbouring levels' outputs */
} mg_level_mode;

/* The levels a DAE-set denoiser uses at sigma: its output is
 * (1 - w) f_k0 + w f_k1, with k1 == k0 and w == 0 when one level answers
 * (nearest mode, a one-level set, sigma outside the grid, or on a level).
 * Shared by the DAE-set backend and the steered backend (steer.h). */
MG_API void mg_daeset_blend(const mg_daeset *set, mg_level_mode mode, double sigma, int *k0, int *k1, double *w);

/* A denoiser backed by a DAE set (borrowed: the set must outlive it). */
MG_API mg_status mg_denoiser_daeset(const mg_daeset *set, mg_level_mode mode, mg_denoiser *out);

/* The authors' time-conditioned model (borrowed: it must outlive the
 * denoiser), answering every sigma exactly: Y = f(X, sigma) of tcdae.h.
 * Name "tc_dae". */
MG_API mg_status mg_denoiser_tcdae(const mg_tcdae *m, mg_denoiser *out);

/* The empirical optimal denoiser of Eq. 3 over training rows X (n x d,
 * borrowed: X must outlive the denoiser). Sampling with it reproduces the
 * training set (the fully memorizing model). */
MG_API mg_status mg_denoiser_emp(mg_mat X, mg_denoiser *out);

/* The same denoiser over the training rows of an .npy file (n x d, any
 * dtype mg_npy_rows_read_f32 takes) read chunk_rows at a time on every call,
 * so memory is bounded by the chunk, independent of n: each chunk's f_emp
 * and log-normaliser (mg_femp_apply_logz) are folded into the whole set's by
 * an online log-sum-exp. Equal to mg_denoiser_emp over the whole file up to
 * float rounding. */
MG_API mg_status mg_denoiser_emp_chunked(const char *path, int64_t chunk_rows, mg_denoiser *out);

/* The true denoiser f_gt of a Gaussian mixture (borrowed). */
MG_API mg_status mg_denoiser_mog(const mg_mog *mog, mg_denoiser *out);

/* Applies a denoiser after checking shapes (X, Y: n x d, sigma > 0). */
MG_API mg_status mg_denoise(const mg_denoiser *den, double sigma, mg_mat X, mg_mat Y);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DENOISER_H */
