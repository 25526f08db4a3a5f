/*
 * Representation steering (paper Section 4.2, Eq. 11; App. B.3-B.4, Fig. 8):
 *
 *     f_steered(x_t) = g(h(x_t) + a v),   v = (1/|S|) sum_{x in S} h(x + s eps),
 *
 * for the two-layer ReLU DAE of Eq. 5, h(x) = relu(W1^T x + b1) and the
 * decoder g(h) = W2 h + b2. Each level of a DAE set has its own W1, so the
 * steering vector is computed per level: v_k = mean over the target-concept
 * samples of level k's representation at the chosen noise level s (the paper
 * extracts features at t = 10 of 1000, a small noise; same seeded noise for
 * every level). Because g is linear, g(h + a v) = g(h) + a u with u = W2 v,
 * so the steered denoiser adds a u_k to level k's output; between levels
 * (MG_LEVEL_INTERP) the offsets blend with the same weights as the outputs.
 * Steering is applied only at the final sampling steps, i.e. at noise levels
 * in a window sigma_lo < sigma <= sigma_hi (the paper steers the final 20 of
 * 40 steps, sigma_lo = 0); mg_steer_window turns "the last K steps of this
 * grid, but not the last J" into the window.
 *
 * Steerability measures (Fig. 8: generalized samples move smoothly toward the
 * target, memorized ones resist or jump): per starting sample (same seed, so
 * same initial noise, for every a), the distance of the final sample to the
 * target concept's centroid as a function of a, the target-mode posterior
 * for a Gaussian mixture, the displacement from the first a, and from these
 * the monotonicity, Spearman correlation, largest single jump and the
 * fraction of the way to the target covered.
 */
#ifndef MEMGEN_STEER_H
#define MEMGEN_STEER_H

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/denoiser.h"
#include "memgen/mog.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- steering vectors (Eq. 11) ------------------------------------------- */

/* How to compute the steering vectors. */
typedef struct {
    double sigma;  /* noise level s of the target samples' representations, >= 0
                      (0 = clean samples); NaN = each level at its own sigma */
    int level;     /* -1: a vector for every level; k >= 0: only level k (the
                      other levels are not steered) */
} mg_steer_vec_params;

#define MG_STEER_VEC_PARAMS_DEFAULT {0.02, -1}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_steer_vec_params mg_steer_vec_params_default(void);

/* Steering vectors of a DAE set. */
typedef struct {
    int count;       /* levels of the set */
    int64_t d;       /* data dimension */
    int64_t pmax;    /* largest hidden width over the levels */
    int64_t *p;      /* count: hidden width of each level */
    int *active;     /* count: 1 if level k has a vector (is steered) */
    double *sigma;   /* count: noise level used for level k's vector (NaN if inactive) */
    float *V;        /* count x pmax: v_k in row k, zero-padded beyond p[k]; zero rows when inactive */
    float *U;        /* count x d: u_k = W2_k v_k (the decoder image of v_k, no b2); zero when inactive */
    int64_t n_target;/* number of target samples averaged */
} mg_steer_vectors;

/* Computes v_k = mean_i relu(W1_k^T (x_i + s eps_i) + b1_k) over the target
 * rows Xt (m x d, m >= 1) and u_k = W2_k v_k, for every level (or the one
 * chosen). eps_i (d) comes from mg_rng_fork(rng, i) and is the same at every
 * level, so the vectors do not depend on the level order or thread count.
 * prm NULL = MG_STEER_VEC_PARAMS_DEFAULT. Caller frees with mg_steer_vectors_free. */
MG_API mg_status mg_steer_vectors_compute(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                   const mg_rng *rng, mg_steer_vectors *out);

/* Reference oracle: the same vectors by plain double loops (for tests). */
MG_API mg_status mg_steer_vectors_naive(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                 const mg_rng *rng, mg_steer_vectors *out);

/* Frees the arrays; safe on NULL and on a zeroed struct. */
MG_API void mg_steer_vectors_free(mg_steer_vectors *v);

/* ---- the steered denoiser -------------------------------------------------- */

/* When and how strongly to steer: level k outputs W2_k (h + alpha v_k) + b2_k
 * = f_k + alpha u_k at every noise level sigma with sigma_lo < sigma <= sigma_hi
 * (the window of sampling steps; the paper steers the final 20 of 40 steps of
 * SD 1.4, i.e. sigma_lo = 0, and steps 30-35 of 40 of SD 3.5, a window that
 * stops before the end). */
typedef struct {
    double alpha;     /* strength a of Eq. 11, finite, any sign */
    double sigma_hi;  /* steer at sigma <= sigma_hi (0: never) */
    double sigma_lo;  /* ... and sigma > sigma_lo (0: to the end of sampling) */
} mg_steer_params;

#define MG_STEER_PARAMS_DEFAULT {0.0, 0.0, 0.0}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_steer_params mg_steer_params_default(void);

/* A denoiser over the DAE set (level selection as mg_denoiser_daeset) with
 * Eq. 11's representation offset inside the window; outside it, for inactive
 * levels and for alpha == 0 it returns exactly the plain DAE-set output.
 * set and vecs are borrowed (must outlive the denoiser). Name
 * "dae_set_steered". */
MG_API mg_status mg_denoiser_steered(const mg_daeset *set, mg_level_mode mode, const mg_steer_vectors *vecs,
                              const mg_steer_params *prm, mg_denoiser *out);

/* Changes the strength of a denoiser made by mg_denoiser_steered (for
 * sweeps without rebuilding it). */
MG_API mg_status mg_denoiser_steered_set_alpha(mg_denoiser *den, double alpha);

/* The window that steers the last `final_steps` steps of a sampler visiting
 * the ascending grid sigmas[0..K-1] from the top, except the very last
 * `skip_last` of them: *sigma_hi = sigmas[final_steps-1] (0 when
 * final_steps <= 0, sigmas[K-1] when final_steps >= K) and
 * *sigma_lo = sigmas[skip_last-1] (0 when skip_last <= 0). */
MG_API void mg_steer_window(const double *sigmas, int K, int final_steps, int skip_last, double *sigma_hi,
                     double *sigma_lo);

/* ---- steerability measures ------------------------------------------------- */

/* Per-sample curves over the alpha sweep, and their summaries. */
typedef struct {
    int64_t n;        /* starting samples */
    int na;           /* alpha values */
    double *alphas;   /* na, copy of the sweep (ascending) */
    double *dist;     /* n x na: |x_i(a_j) - centroid| */
    double *post;     /* n x na: target-mode posterior P(target | x_i(a_j)) at sigma_post, or NULL */
    double *disp;     /* n x na: |x_i(a_j) - x_i(a_0)| */
    /* per sample, from the distance curve */
    double *mono;     /* n: fraction of consecutive alpha steps that decrease the distance (by > tol) */
    double *spearman; /* n: Spearman rank correlation of alpha with -distance (0 when static) */
    double *jump;     /* n: max_j |dist_{j+1} - dist_j| / sum_j |dist_{j+1} - dist_j|: 1/(na-1)
                         for an even slide, 1 for a single jump (0 when static) */
    double *path_jump;/* n: the same ratio on the path in x: max_j |x(a_{j+1}) - x(a_j)| /
                         sum_j |x(a_{j+1}) - x(a_j)| (0 when static) */
    double *kink;     /* n: max_j |x(a_{j+1}) - x(a_j)| / min_j |x(a_{j+1}) - x(a_j)| (capped at
                         1e6): 1 for a uniform slide, large when the sample barely moves
                         until some alpha and then speeds up (0 when static) */
    double *gain;     /* n: (dist_0 - dist_last) / dist_0, fraction of the way to the centroid */
    int *cls;         /* n: MG_STEER_STATIC, MG_STEER_SMOOTH or MG_STEER_THRESHOLD */
} mg_steer_curves;

/* Classes of a steering curve: static = the path in x is shorter than
 * 1e-3 x the starting distance to the centroid; threshold-like = a single
 * alpha step carries more than half of the path (path_jump > 0.5: a jump) or
 * the fastest alpha step is at least 3 times the slowest (kink >= 3: the
 * sample barely moves until some strength, then moves; with a two-layer DAE
 * the decoder is linear, so this kink, not a jump, is what memorized samples
 * show); smooth otherwise. */
enum { MG_STEER_STATIC = 0, MG_STEER_SMOOTH = 1, MG_STEER_THRESHOLD = 2 };
MG_API const char *mg_steer_class_name(int cls);

/* Optional target-mode posterior for a Gaussian mixture. */
typedef struct {
    const mg_mog *mog; /* the mixture (borrowed), or NULL for no posterior */
    int mode;          /* the target component */
    double sigma;      /* noise level of the posterior (Eq. 4 with Sigma_k + sigma^2 I), > 0 */
} mg_steer_post;

/* The target concept's centroid: the mean of the rows of T into c (T.cols floats; sums in double, row by
 * row, as the curves' distances are measured to it). */
MG_API mg_status mg_steer_centroid(mg_mat T, float *c);

/* Computes the curves for samples S (na x n x d: S[j] = the n samples drawn
 * with alpha = alphas[j], sample i from the same seed for every j), target
 * centroid c (d) and an optional posterior (post may be NULL). alphas must be
 * strictly ascending, na >= 2. Caller frees with mg_steer_curves_free. */
MG_API mg_status mg_steer_measure(const float *S, int na, const double *alphas, int64_t n, int64_t d, const float *centroid,
                           const mg_steer_post *post, mg_steer_curves *out);

/* Frees the arrays; safe on NULL and on a zeroed struct. */
MG_API void mg_steer_curves_free(mg_steer_curves *c);

/* Summary of the curves over a group of samples. */
typedef struct {
    int64_t count;                       /* samples in the group */
    double mono, spearman, jump, path_jump, gain; /* means over the group (NaN if empty) */
    double kink_median;                  /* median of kink over the group (NaN if empty) */
    double frac_static, frac_smooth, frac_threshold;
    double dist_first, dist_last;        /* mean distance at the first and last alpha */
    double post_first, post_last;        /* mean posterior at the first and last alpha (NaN without) */
} mg_steer_summary;

/* Summarises the samples i with mask[i] == want (every sample when mask is NULL). */
MG_API mg_status mg_steer_summarize(const mg_steer_curves *c, const int *mask, int want, mg_steer_summary *out);

/* Parses an alpha sweep: "list:A1,A2,..." or "A1,A2,..." (ascending, distinct,
 * finite, any sign) or "lin:A:B:K" / "linear:A:B:K" (K >= 2 evenly spaced
 * values from A to B, A < B), or the positive grids geom:A:B:K and
 * karras:A:B:K[:RHO] of mg_sigmas_parse (memgen/schedule.h): one spelling set. *alphas is malloc'd (caller frees), at most 10000 values. */
MG_API mg_status mg_steer_parse_alphas(const char *spec, double **alphas, int *count);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_STEER_H */
