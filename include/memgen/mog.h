/*
 * Gaussian mixtures (paper Eq. 4): p(x) = sum_k rho_k N(mu_k, Sigma_k), with
 * each covariance stored by its eigen-decomposition Sigma_k = B_k diag(ev_k) B_k^T
 * (so sampling, densities and the true denoiser need no factorisation).
 *
 * File layout (.safetensors, float64): "weights" (K), "means" (K, d),
 * "cov_eigvals" (K, d) in descending order, "cov_bases" (K, d, d) with
 * cov_bases[k][i][j] = component i of eigenvector j (columns are eigenvectors);
 * metadata "memgen.kind" = "mog", "K", "d" and the generator's options.
 */
#ifndef MEMGEN_MOG_H
#define MEMGEN_MOG_H

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
mg_status mg_mog_alloc(mg_mog *m, int K, int64_t d);

/* Frees the arrays and zeroes *m. Safe on a zeroed struct. */
void mg_mog_free(mg_mog *m);

/* Checks shapes, weights (positive, sum 1 within 1e-9), finite values,
 * nonnegative eigenvalues and orthonormal bases (within 1e-6). */
mg_status mg_mog_validate(const mg_mog *m);

/* Saves / loads the parameter file described above (atomic write). */
mg_status mg_mog_save(const mg_mog *m, const char *path);
mg_status mg_mog_load(const char *path, mg_mog *out);

/* mg_mog_save plus nmeta extra metadata strings keys[i] -> values[i] (the
 * generator records its options this way). */
mg_status mg_mog_save_with_meta(const mg_mog *m, const char *path, int nmeta, const char *const *keys,
                                const char *const *values);

/* Log-density of the mixture smoothed by N(0, sigma^2 I) (Eq. 4 with
 * Sigma_k + sigma^2 I; sigma = 0 is the mixture itself) at the m rows of Y
 * (m x d): logp[i] = log sum_k rho_k N(y_i; mu_k, C_k), C_k = Sigma_k +
 * sigma^2 I, through the eigendecompositions, in double (log-sum-exp over
 * components). maha2 (m x K row-major, may be NULL) receives the squared
 * Mahalanobis distances (y_i - mu_k)^T C_k^-1 (y_i - mu_k). Fails when some
 * C_k is singular (a zero eigenvalue with sigma = 0). */
mg_status mg_mog_logpdf(const mg_mog *m, mg_mat Y, double sigma, double *logp, double *maha2);

/* Coordinates of data rows in component k's eigenbasis, the shared first
 * step of the mixture's density (mg_mog_logpdf) and true denoiser (mg_fgt):
 * Z = (Y[r0 .. r0+rn) - mu_k) B_k, rn x d doubles; Yc is rn x d scratch. */
void mg_mog_component_coords(const mg_mog *m, int k, mg_mat Y, int64_t r0, int64_t rn, double *Yc, double *Z);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_MOG_H */
