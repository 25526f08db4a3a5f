/*
 * Jacobians of the ReLU DAE (paper App. A.3, Fig. 16).
 *
 * f(x) = W2 relu(W1^T x + b1) + b2 is piecewise linear; away from the kinks
 * its Jacobian is exactly
 *
 *     J(x) = W2 diag(mask(x)) W1^T = W2_S W1_S^T        (d x d),
 *
 * with mask(x)_j = [w1_j^T x + b1_j > 0] and S the active set (|S| = s units).
 * So the rank of J is at most s, its trace is sum_{j in S} <w2_j, w1_j>, and
 * its singular values come from the two d x s factors without ever forming
 * or decomposing a d x d matrix: with thin QR A = W2_S = Qa Ra and
 * B = W1_S = Qb Rb (r = min(d, s) columns), J = Qa (Ra Rb^T) Qb^T, so the
 * singular values of J are those of the r x r matrix M = Ra Rb^T, and the
 * left singular vectors are Qa U_M. Everything runs in double (LAPACKE
 * dgeqrf/dorgqr/dgesdd).
 *
 * Near a memorized sample J is ~rank one and its top left singular vector is
 * the stored training sample (Cor. 3.2); near a generalized sample it is the
 * local Wiener filter of the cluster (Cor. 3.3), of higher effective rank.
 *
 * A model with a skip (the time-conditioned model at one sigma, tcdae.h)
 * has J(x) = s I + W2_S W1_S^T: its trace gains s d, and J maps
 * V = span[W2_S W1_S] into itself and is s I on the complement, so with thin
 * QR [W2_S W1_S] = Q R (2|S| <= d) the singular values are those of the
 * 2|S| x 2|S| matrix s I + Ra Rb^T plus d - 2|S| copies of |s| (all d of them
 * are reported: the skip makes J full rank); the top left singular vector is
 * taken within V.
 *
 * Effective rank, two definitions reported side by side:
 *   erank   = exp(H(q)), q_i = sv_i / sum_j sv_j, H the Shannon entropy
 *             (Roy & Vetterli 2007); 1 for rank one, r for r equal values;
 *   rank1pc = #{i : sv_i > 0.01 sv_1}, the count above 1% of the largest.
 * A zero Jacobian (no active unit) has erank = rank1pc = 0.
 */
#ifndef MEMGEN_JACOBIAN_H
#define MEMGEN_JACOBIAN_H

#include "memgen/core.h"
#include "memgen/dae.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The active set of x: S[0..*s-1] = the units j with w1_j^T x + b1_j > 0, in
 * increasing order (S holds p entries). x has d entries. */
MG_API mg_status mg_jacobian_active(const mg_dae *m, const float *x, int64_t *S, int64_t *s);

/* The dense Jacobian J(x) (d x d, row-major, double, caller-allocated):
 * J[a*d + b] = df_a / dx_b = sum_{j in S} W2[a, j] W1[b, j]. For tests and
 * small d; the analysis below never forms it. */
MG_API mg_status mg_jacobian_dense(const mg_dae *m, const float *x, double *J);

/* Per-unit traces c_j = <w2_j, w1_j> (p, double, caller-allocated): tr J(x)
 * is the sum of c_j over the active units. */
MG_API mg_status mg_jacobian_unit_traces(const mg_dae *m, double *c);

/* tr J(x_i) for every row of X (n x d): one encode (sgemm) plus O(p) per row
 * with the unit traces (the FLIPD term of Kamkari et al. 2024; exact here;
 * plus s d with a skip). */
MG_API mg_status mg_jacobian_trace(const mg_dae *m, mg_mat X, double *trace);

/* Reference for tests: the trace through a plain loop over active units and
 * dimensions, O(d s) per row. */
MG_API mg_status mg_jacobian_trace_naive(const mg_dae *m, mg_mat X, double *trace);

/* Singular values of J(x), descending, through the thin QR route above.
 * sv has room for min(d, p) values (d with a skip); *r receives how many
 * were computed (min(d, s), 0 when no unit is active; d with a skip). u1 (d,
 * may be NULL) receives the top left singular vector (sign: largest-magnitude entry positive; zero
 * when r = 0). */
MG_API mg_status mg_jacobian_svd(const mg_dae *m, const float *x, double *sv, int64_t *r, double *u1);

/* Per-sample Jacobian analysis. */
typedef struct {
    int64_t active;   /* s = |S| */
    double trace;     /* tr J */
    double sv1;       /* largest singular value */
    double erank;     /* exp(entropy of sv / sum sv) */
    int64_t rank1pc;  /* singular values above 1% of the largest */
    double sv_ratio;  /* sv1 / sum sv (share of the top direction; 0 if r = 0) */
    int64_t nn;       /* nearest training row to x (-1 without training data) */
    double align_nn;  /* |cos(u1, x_nn)| (NaN without training data) */
    double align_x;   /* |cos(u1, x)|: alignment with the evaluated point itself */
} mg_jacobian_info;

/* Analyses every row of X (n x d): info (n) and, if sv is not NULL, the top
 * `keep` singular values of each row into sv (n x keep, zero-padded); if u1
 * is not NULL, the top left singular vector of each row into u1 (n x d, as
 * mg_jacobian_svd gives it). train (m x d, may have rows == 0) gives the
 * nearest training sample for the alignment (exact k-NN, mg_knn). Threads
 * over rows. */
MG_API mg_status mg_jacobian_analyze(const mg_dae *m, mg_mat X, mg_mat train, mg_jacobian_info *info, double *sv,
                              int64_t keep, double *u1);

/* erank (exp entropy, above) of J(x_i) for every row of X (n x d): singular
 * values only (no vectors), one thin-QR SVD per row. */
MG_API mg_status mg_jacobian_erank(const mg_dae *m, mg_mat X, double *erank);

/* Share of the Jacobian's energy inside a subspace of the output space:
 * ||U^T J(x)||_F^2 / ||J(x)||_F^2 for U (d x q, row-major, orthonormal
 * columns), i.e. how much of what f does around x lies in span(U): 1 when
 * every output direction of J is in it, q/d on average for a random
 * subspace, 0 when J = 0 (no active unit). Computed from the d x s factors
 * (s active units) without forming J: with A = W2_S, B = W1_S and C = U^T A,
 * ||J||_F^2 = sum_ij (A^T A)_ij (B^T B)_ij and ||U^T J||_F^2 likewise with C^T C. */
MG_API mg_status mg_jacobian_subspace_share(const mg_dae *m, const float *x, const double *U, int64_t q, double *share);

/* Effective ranks of a descending list of nonnegative singular values. */
MG_API double mg_effective_rank(const double *sv, int64_t r);
MG_API int64_t mg_rank_above(const double *sv, int64_t r, double rel);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_JACOBIAN_H */
