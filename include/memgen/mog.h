/*
 * Gaussian mixtures (paper Eq. 4): p(x) = sum_k rho_k N(mu_k, Sigma_k), with
 * each covariance stored by its eigen-decomposition Sigma_k = B_k diag(ev_k) B_k^T
 * (so sampling, densities and the true denoiser need no factorisation):
 * the parameters, their file, the smoothed density, and the generator of the
 * paper's mixtures (App. A.1 / B.1) with its sampler.
 *
 * File layout (.safetensors, float64): "weights" (K), "means" (K, d),
 * "cov_eigvals" (K, d) in descending order, "cov_bases" (K, d, d) with
 * cov_bases[k][i][j] = component i of eigenvector j (columns are eigenvectors);
 * metadata "memgen.kind" = "mog", "K", "d" and the generator's options.
 */
#ifndef MEMGEN_MOG_H
#define MEMGEN_MOG_H

#include <math.h>
#include "memgen/core.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int K;            /* number of components */
    int64_t d;        /* dimension */
    double *weights;  /* K, positive, sum to 1 */
    double *means;    /* K x d */
    double *eigvals;  /* K x d, each row descending, >= 0 */
    double *bases;    /* K x d x d, row-major, columns orthonormal */
} mg_mog;

/* Allocates a zeroed K-component mixture in dimension d (bases set to the
 * identity, weights uniform). Free with mg_mog_free. */
MG_API mg_status mg_mog_alloc(mg_mog *m, int K, int64_t d);

/* Frees the arrays and zeroes *m. Safe on a zeroed struct. */
MG_API void mg_mog_free(mg_mog *m);

/* Checks shapes, weights (positive, sum 1 within 1e-9), finite values,
 * nonnegative eigenvalues and orthonormal bases (within 1e-6). */
MG_API mg_status mg_mog_validate(const mg_mog *m);

/* Saves / loads the parameter file described above (atomic write). */
MG_API mg_status mg_mog_save(const mg_mog *m, const char *path);
MG_API mg_status mg_mog_load(const char *path, mg_mog *out);

/* mg_mog_save plus nmeta extra metadata strings keys[i] -> values[i] (the
 * generator records its options this way). */
MG_API mg_status mg_mog_save_with_meta(const mg_mog *m, const char *path, int nmeta, const char *const *keys,
                                const char *const *values);

/* Log-density of the mixture smoothed by N(0, sigma^2 I) (Eq. 4 with
 * Sigma_k + sigma^2 I; sigma = 0 is the mixture itself) at the m rows of Y
 * (m x d): logp[i] = log sum_k rho_k N(y_i; mu_k, C_k), C_k = Sigma_k +
 * sigma^2 I, through the eigendecompositions, in double (log-sum-exp over
 * components). maha2 (m x K row-major, may be NULL) receives the squared
 * Mahalanobis distances (y_i - mu_k)^T C_k^-1 (y_i - mu_k). Fails when some
 * C_k is singular (a zero eigenvalue with sigma = 0). */
MG_API mg_status mg_mog_logpdf(const mg_mog *m, mg_mat Y, double sigma, double *logp, double *maha2);

/* Coordinates of data rows in component k's eigenbasis, the shared first
 * step of the mixture's density (mg_mog_logpdf) and true denoiser (mg_fgt):
 * Z = (Y[r0 .. r0+rn) - mu_k) B_k, rn x d doubles; Yc is rn x d scratch. */
MG_API void mg_mog_component_coords(const mg_mog *m, int k, mg_mat Y, int64_t r0, int64_t rn, double *Yc, double *Z);

/* ---- the generator (App. A.1 / B.1) ----------------------------------------
 * Randomness: the generator and sampler take an mg_rng and derive their
 * sub-streams with mg_rng_fork(rng, id) for the fixed purpose ids below; none
 * advances the caller's rng (see memgen/data.h). */
enum {
    MG_FORK_MOG_MEANS = 0x4d01,   /* random mean directions */
    MG_FORK_MOG_BASIS = 0x4d10,   /* + k: eigenbasis of component k */
    MG_FORK_MOG_LABELS = 0x4d02,  /* component of each sample (weight-drawn) */
    MG_FORK_MOG_SHUFFLE = 0x4d03, /* row shuffle */
    MG_FORK_MOG_NOISE = 0x4e00    /* + k: z ~ N(0, I) of component k's samples */
};

/* How to build a mixture. Means: the K unit vectors with all pairwise cosines
 * equal to mean_cosine (c >= -1/(K-1)) are, in an orthonormal basis q_1..q_r,
 *   w_k = sqrt(1 - c) * (h_1[k], ..., h_{K-1}[k]) (+ sqrt((1 + (K-1) c) / K) on q_K),
 * where h_j = (1, ..., 1, -j, 0, ..., 0) / sqrt(j (j+1)) (j ones) are the
 * Helmert vectors spanning the complement of (1, ..., 1); the last coordinate
 * exists only when c > -1/(K-1), so r = K-1 or K. mu_k = mean_scale * sum_j
 * w_k[j] q_j with q_j = e_j (mean_random = 0) or the columns of a random
 * orthonormal d x r matrix (mean_random = 1). For K = 2 and the default
 * c = -1 this is the paper's mu_1 = -mu_2 = 5 e_1.
 * Covariances: Sigma_k = B_k diag(ev) B_k^T with ev_j = cov_scale * cov_rate^j
 * for j < cov_rank and 0 beyond (j = 0 .. d-1); B_k = I (cov_random = 0) or a
 * Haar-random orthogonal matrix per component (QR of a Gaussian matrix with
 * the signs of R's diagonal moved into Q). */
typedef struct {
    int K;                 /* number of components, >= 1 */
    int64_t d;             /* dimension, >= r above */
    const double *weights; /* K positive weights (normalised to sum 1), or NULL = uniform */
    double mean_scale;     /* ||mu_k||, >= 0 */
    double mean_cosine;    /* pairwise cosine of the means; NAN = -1/(K-1) (most separated) */
    int mean_random;       /* 0: means in span(e_1..e_r); 1: random orthonormal directions */
    double cov_scale;      /* largest eigenvalue, > 0 */
    double cov_rate;       /* eigenvalue ratio, in (0, 1] */
    int64_t cov_rank;      /* number of nonzero eigenvalues, 1..d; 0 = d */
    int cov_random;        /* 1: random eigenbasis per component; 0: axis-aligned */
} mg_mog_spec;

/* The paper's MoG (App. A.1 / B.1): K = 2, d = 1000, mu_1 = -mu_2 = 5 e_1,
 * ev_j = 0.9^j (the paper says only "exponentially decaying"; memgen's choice),
 * full rank, random eigenbases. */
#define MG_MOG_SPEC_DEFAULT {2, 1000, NULL, 5.0, NAN, 0, 1.0, 0.9, 0, 1}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_mog_spec mg_mog_spec_default(void);

/* Builds the mixture described by *s into *out (caller frees with
 * mg_mog_free). Uses forks MG_FORK_MOG_MEANS and MG_FORK_MOG_BASIS + k. */
MG_API mg_status mg_mog_make(const mg_mog_spec *s, const mg_rng *rng, mg_mog *out);

/* Draws n = X.rows samples x = mu_k + B_k diag(sqrt(ev_k)) z, z ~ N(0, I)
 * (Eq. 4) into the rows of X (n x d, a caller-owned view).
 * counts (K entries summing to n) fixes how many come from each component,
 * written grouped by component (0's first); counts = NULL draws each sample's
 * component from the weights. shuffle != 0 permutes the rows afterwards.
 * labels: n component indices (may be NULL), caller-allocated.
 * The z of component k come from fork MG_FORK_MOG_NOISE + k in order, so the
 * first m samples of a component do not depend on n or on other components. */
MG_API mg_status mg_mog_sample(const mg_mog *m, const int64_t *counts, int shuffle, const mg_rng *rng, mg_mat X,
                        int64_t *labels);

/* A random d x k matrix with orthonormal columns (k <= d), Haar-distributed:
 * QR (LAPACKE dgeqrf/dorgqr) of a Gaussian matrix drawn from *rng (advanced),
 * each column multiplied by the sign of R's diagonal entry. Q is d x k,
 * row-major, caller-allocated. */
MG_API mg_status mg_random_orthonormal(mg_rng *rng, int64_t d, int64_t k, double *Q);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_MOG_H */
