/*
 * Diffusion samplers for the variance-exploding process x_t = x_0 + sigma_t eps
 * (paper Eq. 1, App. B.1), driven by any mg_denoiser.
 *
 * With f the denoiser at level s and s' < s the next level (s' = 0 at the end):
 *  - DDIM (deterministic; the correct form of Eq. 1, whose two sign slips
 *    cancel, see docs/corrections.md): x <- f + (s'/s)(x - f).
 *  - Euler on the probability-flow ODE dx/dsigma = (x - f(x))/sigma:
 *    x <- x + (s' - s)(x - f)/s. For VE with sigma as the time variable this
 *    is algebraically the same update as DDIM (Karras et al. 2022, Sec. 3);
 *    both are offered, and a test checks they agree.
 *  - Heun (EDM's 2nd-order correction of Euler; plain Euler on the last step).
 *  - Ancestral (the stochastic VE sampler of Song et al. 2021, which is the
 *    authors' sampler: ve_sample_x0 of their ReLU_Diffusion notebook; the
 *    parser also takes the name "authors"):
 *    x <- x + (s^2 - s'^2) score + sqrt(s^2 - s'^2) z, score = (f - x)/s^2;
 *    the last step (s' = 0) returns f without adding noise. Their run: 60
 *    levels geometric from 2 down to 0.02 (mg_sigmas_geometric(0.02, 2, 60)),
 *    then 0, and a clamp to [-1, 1] after every step (clamp_lo/clamp_hi).
 * Sampling starts from x ~ N(0, sigma_max^2 I) at the top of the grid.
 * With a clamp, every step's result (the last one included, not the starting
 * noise) is clamped elementwise to [clamp_lo, clamp_hi], for every sampler
 * (Heun clamps the result of its corrector, not its Euler proposal).
 *
 * Sample i draws all its randomness from mg_rng_fork(rng, i), so results do
 * not depend on the chunk size or the thread count.
 */
#ifndef MEMGEN_SAMPLER_H
#define MEMGEN_SAMPLER_H

#include <math.h>

#include "memgen/denoiser.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MG_SAMPLER_DDIM = 0,
    MG_SAMPLER_ANCESTRAL,
    MG_SAMPLER_EULER,
    MG_SAMPLER_HEUN,
    MG_SAMPLER_COUNT /* number of kinds */
} mg_sampler_kind;

/* Parses "ddim", "ancestral" (or "authors", the same), "euler", "heun". */
MG_API mg_status mg_sampler_parse(const char *name, mg_sampler_kind *out);
MG_API const char *mg_sampler_name(mg_sampler_kind k);

typedef struct {
    mg_sampler_kind kind;
    const double *sigmas; /* ascending grid; sampling visits it from the top */
    int nsigmas;
    int64_t chunk;        /* rows per batch; 0 = 1024 */
    float *trajectory;    /* optional, (nsigmas + 1) x n x d: x before each step, then the result */
    void (*progress)(void *ctx, int64_t done, int64_t total); /* optional, per step of each chunk */
    void *progress_ctx;
    double clamp_lo, clamp_hi; /* clamp every step's x to [clamp_lo, clamp_hi] (lo < hi, finite); NaN: no clamp */
} mg_sample_params;

#define MG_SAMPLE_PARAMS_DEFAULT {MG_SAMPLER_DDIM, NULL, 0, 0, NULL, NULL, NULL, NAN, NAN}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_sample_params mg_sample_params_default(void);

/* Draws X.rows samples into X (n x d). Stops with MG_ERR_INTERRUPTED after the
 * step during which a stop was requested (mg_train_request_stop, train.h). */
MG_API mg_status mg_sample(const mg_denoiser *den, const mg_sample_params *p, const mg_rng *rng, mg_mat X);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_SAMPLER_H */
