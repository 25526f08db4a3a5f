/*
 * The paper's closed forms (Section 3, Appendix C), in double precision:
 *
 *  - Lemma C.1: the global minimiser of the regularised linear autoencoder
 *    (LAE) objective, through the top eigenpairs of the scatter matrix
 *    sum_i x_i x_i^T computed on the smaller side (n x n Gram or d x d);
 *  - Theorem 3.1: the block-wise local minimiser of the DAE loss (Eq. 6) from
 *    a partition of the data into clusters (Eq. 7-8), with the orthogonal
 *    factor O_k of Appendix C.2 step (1) chosen so that every unit of block k
 *    has the same positive pre-activation on the cluster mean;
 *  - Corollaries 3.2 (W_mem), 3.3 (W_gen) and 3.4 (hybrid: duplicated,
 *    rank-1 clusters memorised, well-sampled clusters generalised; the
 *    duplicate groups are found by mg_split_duplicates, memgen/dup.h);
 *  - spherical k-means to find clusters, and a width-allocation rule;
 *  - predicted losses, (alpha, beta)-separability (Definition 3.1), the margin
 *    gamma of Eq. 16 and a verdict on Theorem 3.1's assumptions;
 *  - the empirical optimal denoiser f_emp (Eq. 3) and the true denoiser f_gt
 *    of a Gaussian mixture (Eq. 4), each with a naive reference beside it.
 *
 * ---- Which lambda -------------------------------------------------------
 * Every function here takes `wd` = the paper's lambda of Eq. 6:
 *
 *   L_X(W2, W1) = (1/n) sum_i E ||f(x_i + sigma eps) - x_i||^2
 *                 + wd (||W1||_F^2 + ||W2||_F^2),          n = all samples.
 *
 * The block problems are the LAE objective of Lemma C.1 multiplied by n, so
 * block k uses the LAE weight decay lambda' = n * wd and the noise weight
 * n_k * sigma^2 (docs/corrections.md, section 4). The only function that takes the
 * LAE lambda' itself is mg_lae_alpha (named `wd_lae`).
 *
 * Directions whose eigenvalue is <= n * wd (or numerically zero) are dropped,
 * as in the Remark after Lemma C.1: their columns are zero, the counts are
 * reported, and no result is ever NaN.
 *
 * Data are row-major float matrices, one sample per row (n x d); models are
 * d x p with W1 = W2 = W (row-major, element (i, j) at [i*p + j]).
 */
#ifndef MEMGEN_THEORY_H
#define MEMGEN_THEORY_H

#include "memgen/core.h"
#include "memgen/dae.h"
#include "memgen/mog.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- labels -------------------------------------------------------------- */

/* Converts a 1-D integer (or integral float) array of n labels into compact
 * ids 0..K-1, numbered in increasing order of the original values.
 * *labels (n) and *values (K, the original value of each id) are malloc'd;
 * the caller frees both. Fails with a message naming `what` on a wrong
 * length, a non-integral value, or K > n. */
MG_API mg_status mg_labels_compact(const mg_array *a, int64_t n, const char *what, int64_t **labels, int64_t *K,
                            int64_t **values);

/* ---- eigenpairs of a cluster's scatter matrix (Lemma C.1, Theorem 3.1) --- */

/* The top eigenpairs of S = sum_i x_i x_i^T (the paper's X X^T, d x d). */
typedef struct {
    int64_t d;      /* dimension */
    int64_t n;      /* number of samples (rows) it was computed from */
    int64_t q;      /* eigenpairs held, descending; eigenvalues at or below the
                       numerical-rank threshold are not returned */
    double trace;   /* sum_i |x_i|^2: the sum of ALL eigenvalues of S */
    double *evals;  /* q, descending, > 0 */
    double *evecs;  /* d x q row-major (column j = unit eigenvector j), or NULL
                       when only eigenvalues were asked for. Sign fixed so the
                       entry of largest magnitude is positive. */
} mg_scatter_eig;

/* Computes up to q_max leading eigenpairs of the scatter matrix of the rows
 * `rows[0..nrows-1]` of X (all X.rows rows when rows == NULL; nrows is then
 * ignored), in double, through
 * the smaller side: the nrows x nrows Gram matrix when nrows <= d (then
 * u = X^T v / sqrt(ev)), else the d x d scatter matrix; one dsyrk + one
 * dsyevr. want_vectors = 0 computes eigenvalues only. Eigenvalues below
 * 64 * max(n, d) * DBL_EPSILON * ev_max are treated as zero and not returned.
 * Caller frees with mg_scatter_eig_free. */
MG_API mg_status mg_scatter_eig_top(mg_mat X, const int64_t *rows, int64_t nrows, int64_t q_max, int want_vectors,
                             mg_scatter_eig *out);

/* Reference oracle for tests: all eigenpairs of the d x d scatter matrix
 * formed by a plain triple loop and diagonalised by Jacobi rotations. */
MG_API mg_status mg_scatter_eig_naive(mg_mat X, const int64_t *rows, int64_t nrows, mg_scatter_eig *out);

/* Frees the arrays; safe on NULL and on a zeroed struct. */
MG_API void mg_scatter_eig_free(mg_scatter_eig *e);

/* Lemma C.1 coefficient for one direction: alpha = ((ev - wd_lae) /
 * (ev + noise_weight))_+, where noise_weight = n_k sigma^2 and wd_lae is the
 * LAE weight decay lambda' (= n * wd inside Theorem 3.1). The column scale of
 * Eq. 8 / Eq. 12 is s = sqrt(alpha). Returns 0 for ev <= wd_lae. */
MG_API double mg_lae_alpha(double ev, double noise_weight, double wd_lae);

/* Lemma C.1 objective value of one direction at its optimum, split into the
 * data-fit + noise part ev (1 - a)^2 + noise_weight a^2 (returned) and the
 * penalty 2 wd_lae a (in *penalty, may be NULL), a = mg_lae_alpha(...). */
MG_API double mg_lae_direction_loss(double ev, double noise_weight, double wd_lae, double *penalty);

/* ---- Theorem 3.1 and Corollaries 3.2-3.4 --------------------------------- */

typedef enum {
    MG_CONSTRUCTION_LAE = 0, /* one cluster: Lemma C.1 on all the data */
    MG_CONSTRUCTION_GEN,     /* clusters, none rank-1 (Corollary 3.3) */
    MG_CONSTRUCTION_MEM,     /* every sample its own cluster (Corollary 3.2) */
    MG_CONSTRUCTION_HYBRID   /* some rank-1 (duplicated) clusters (Corollary 3.4) */
} mg_construction_kind;

/* "lae", "gen", "mem", "hybrid" (the model metadata value). */
MG_API const char *mg_construction_kind_str(mg_construction_kind k);

typedef struct {
    double sigma;          /* noise level of Eq. 6, >= 0 */
    double wd;             /* lambda of Eq. 6, >= 0 (blocks use n * wd) */
    int64_t hidden;        /* total width p >= 1; unused columns are zero */
    const int64_t *widths; /* K requested widths (sum <= hidden), or NULL for
                              the allocation rule (mg_construct) */
    double dup_tol;        /* a cluster of >= 2 samples is rank-1 (duplicated)
                              when ev_2 <= dup_tol * ev_1 (default 1e-6) */
    size_t mem_budget;     /* bytes of eigenvectors kept between the two
                              phases (0 = 1 GiB); above it eigenvectors are
                              recomputed after the allocation */
} mg_construct_params;

#define MG_CONSTRUCT_PARAMS_DEFAULT {0.1, 0.0, 0, NULL, 1e-6, 0}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_construct_params mg_construct_params_default(void);

/* Per-cluster results. Columns col_start .. col_start + width - 1 of W
 * belong to the cluster; the first `kept` are nonzero. */
typedef struct {
    int64_t n;            /* samples n_k */
    int64_t col_start;    /* first column of the block */
    int64_t width;        /* allocated width p_k */
    int64_t kept;         /* nonzero columns (directions with eig > n*wd) */
    int64_t dropped;      /* allocated directions dropped: eig <= n*wd or
                             numerically zero (their columns are zero) */
    int64_t excluded_wd;  /* numerically nonzero directions (among the top
                             min(n_k, d, p)) with eig <= n*wd */
    int rank1;            /* memorised cluster: a single sample (Cor. 3.2)
                             or a rank-1 duplicated cluster (Cor. 3.4) */
    double mean_norm;     /* |xbar_k| */
    double pre_act;       /* the common pre-activation of the kept units on
                             xbar_k (Appendix C.2 step 1); 0 if undefined */
    double trace;         /* sum of |x|^2 over the cluster */
    double lae_loss;      /* Lemma C.1 objective of the block at the
                             minimiser: noise weight n_k sigma^2, decay n*wd */
    double train_mse;     /* predicted (1/n_k) sum E|f(x+sigma eps)-x|^2 over
                             the cluster (masks as in Theorem 3.1) */
    double reg;           /* the block's ||W_k||^2 = sum of alpha */
} mg_block_info;

/* A constructed DAE: W1 = W2 = W (d x p). */
typedef struct {
    mg_construction_kind kind;
    int64_t n, d, p, K;
    double sigma, wd;
    float *W;              /* d x p row-major */
    double *col_eig;       /* p: eigenvalue behind each column (0 if zero column) */
    double *col_s;         /* p: its scale s = sqrt(alpha) (0 if zero column) */
    mg_block_info *blocks; /* K */
    int64_t *labels;       /* n: compact cluster id of each sample (copy) */
    int64_t unused;        /* trailing zero columns not allocated to any block */
    int64_t dropped;       /* sum of blocks[k].dropped */
    int64_t rank1_clusters;/* clusters with rank1 set (singletons included) */
    /* predicted Eq. 6 terms at the construction (masks as in Thm 3.1) */
    double train_mse;      /* (1/n) sum_i E ||f(x_i + sigma eps) - x_i||^2 */
    double train_reg;      /* wd (||W1||^2 + ||W2||^2) = 2 wd sum alpha */
    double train_loss;     /* train_mse + train_reg = (1/n) sum_k lae_loss_k */
    char note[512];        /* human-readable remarks (drops, unused columns) */
} mg_construction;

/* Theorem 3.1: builds W = (W_X1 ... W_XK) from the compact labels (n, values
 * 0..K-1, every cluster nonempty). Block k (Eq. 8):
 *   W_Xk = U_k diag(s) O_k^T,  s_j = sqrt(((ev_j - n wd)/(ev_j + n_k sigma^2))_+),
 * with O_k the Householder reflection that maps diag(s) U_k^T xbar_k onto the
 * all-equal direction (Appendix C.2 step 1, margin-maximising). Widths come
 * from prm->widths or from the allocation rule: every cluster with a usable
 * direction gets its top direction first (clusters ordered by gain), then the
 * remaining units go to the directions of largest gain
 * (ev - n wd)^2 / (ev + n_k sigma^2) over all clusters, which is the
 * allocation minimising the predicted training loss sum_k lae_loss_k; rank-1
 * clusters get one unit. The kind is LAE for K == 1, MEM when every cluster
 * is memorised (rank1: singletons or duplicates), HYBRID when some are, else
 * GEN.
 * Two readings of the paper made precise here: (1) Appendix C.2 writes the
 * condition on O_k as O_k^T U_k^T xbar_k = c 1, but the pre-activations are
 * W_Xk^T xbar_k = O_k diag(s) U_k^T xbar_k, so the reflection is applied to
 * diag(s) U_k^T xbar_k: then they are really equal (= pre_act), which is what
 * maximises the smallest one; (2) a duplicated cluster of c copies of x gets
 * the column r x with r = sqrt((c|x|^2 - n wd) / (c (|x|^4 + sigma^2 |x|^2)))
 * from Eq. 8 (noise weight c sigma^2), which is Corollary 3.2's r_i for c = 1
 * or wd = 0 (Corollary 3.4 quotes the c = 1 form).
 * Caller frees with mg_construction_free. */
MG_API mg_status mg_construct(mg_mat X, const int64_t *labels, int64_t K, const mg_construct_params *prm,
                       mg_construction *out);

/* Lemma C.1 on all the data as one block (noise weight n sigma^2, decay n wd),
 * width min(hidden, usable directions). */
MG_API mg_status mg_construct_lae(mg_mat X, const mg_construct_params *prm, mg_construction *out);

/* Corollary 3.2: W_mem = (r_1 x_1 ... r_n x_n 0 ... 0), requires hidden >= n;
 * r_i = sqrt((|x_i|^2 - n wd) / (|x_i|^4 + sigma^2 |x_i|^2)); samples with
 * |x_i|^2 <= n wd get a zero column (reported as dropped). */
MG_API mg_status mg_construct_mem(mg_mat X, const mg_construct_params *prm, mg_construction *out);

/* Frees every array; safe on NULL and on a zeroed struct. */
MG_API void mg_construction_free(mg_construction *c);

/* Builds a tied, bias-free memgen DAE holding W (caller frees with
 * mg_dae_free), sigma set, metadata "construction" (kind), "lambda" (wd of
 * Eq. 6), "clusters" (K), "widths" and "kept" (comma-separated), "n". */
MG_API mg_status mg_construction_to_dae(const mg_construction *c, mg_dae **out);

/* ---- spherical k-means ----------------------------------------------------- */

/* Clusters the rows of X by direction: k-means on the unit sphere (cosine
 * similarity to unit centroids), k-means++ seeding from rng, `restarts` runs
 * of at most max_iter Lloyd steps, best objective kept. Labels (n, written by
 * the call) are 0..K-1 numbered by first appearance. Zero rows have cosine
 * 0 with every centroid and join the first one. *objective (may be NULL)
 * = mean cosine of each row to its centroid. Deterministic for a given rng
 * state on any thread count. */
MG_API mg_status mg_spherical_kmeans(mg_mat X, int64_t K, mg_rng *rng, int max_iter, int restarts, int64_t *labels,
                              double *objective);

/* ---- separability (Definition 3.1) and the margin of Eq. 16 ---------------- */

typedef struct {
    int64_t K;
    double alpha;          /* max_{k,j} |x_kj - xbar_k| / |xbar_k| */
    int64_t alpha_sample;  /* the sample attaining it */
    double beta;           /* max_{k != l} cos(xbar_k, xbar_l); -1 if K == 1 */
    int64_t beta_k, beta_l;/* the pair attaining it (-1 if K == 1) */
    double min_mean_norm;  /* min_k |xbar_k| (the b of Theorem C.2) */
    /* with a construction (mg_theory_verdict) */
    double c_proj;         /* sqrt(1 - (alpha^2/(1-alpha^2))^2), 0 if undefined */
    double s_min, s_max;   /* over all kept columns */
    double gamma;          /* Eq. 16 (may be <= 0: the sufficient condition fails) */
    double on_min;         /* measured: min over samples of the pre-activation
                              of every kept unit of the sample's own block */
    double off_max;        /* measured: max over samples of the pre-activation
                              of kept units of other blocks (-inf if none) */
    int64_t mask_violations; /* samples whose own block is not all-positive
                                or another block is positive */
    /* the assumptions, each 1 when it holds */
    int beta_negative;     /* beta < 0 (or K == 1) */
    int alpha_below_one;   /* alpha^2 / (1 - alpha^2) < 1, so c_proj > 0 */
    int alpha_small;       /* alpha <= |beta| / 4 (the step-1 condition
                              beta + 2 alpha <= beta / 2) */
    int gamma_positive;    /* gamma > 0 */
    int wd_ok;             /* n*wd < every kept eigenvalue: nothing dropped */
    int masks_ok;          /* on_min > 0 and off_max <= 0 (measured) */
    int holds;             /* all of the above: Theorem 3.1 applies */
} mg_separability;

/* Definition 3.1 for compact labels (K clusters, each nonempty); the
 * construction fields are zeroed. */
MG_API mg_status mg_separability_compute(mg_mat X, const int64_t *labels, int64_t K, mg_separability *out);

/* Fills the construction-dependent fields of sep (computed by
 * mg_separability_compute on the same X and labels): gamma of Eq. 16 with
 * the construction's s values and widths, the measured pre-activation margins
 * of W on X, and the verdict. */
MG_API mg_status mg_theory_verdict(mg_mat X, const mg_construction *c, mg_separability *sep);

/* ---- predicted losses -------------------------------------------------------- */

/* Corollary 3.2 (wd -> 0): (1/n) sum_i sigma^2 |x_i|^2 / (sigma^2 + |x_i|^2). */
MG_API double mg_mem_loss(mg_mat X, double sigma);

/* Section 3.2's bound on the KL divergence between the distribution sampled with the memorizing solution of
 * Corollary 3.2 and the empirical one: (pi/2) max_i |x_i| (norms in double). */
MG_API double mg_mem_kl_bound(mg_mat X);

/* The eigenvalues of S_k = mu_k mu_k^T + Sigma_k (Eq. 10), all d, descending,
 * into ev (d). */
MG_API mg_status mg_mog_second_moment_eigs(const mg_mog *mog, int k, double *ev);

/* Population risk of the rank-p_k Wiener filter per component (Corollary 3.3,
 * corrected): for x ~ N(mu_k, Sigma_k),
 *   risk_k = sum_{j <= p_k} [e_j (1 - a_j)^2 + sigma^2 a_j^2] + sum_{j > p_k} e_j,
 * a_j = ((e_j - wd/rho_k)_+) / (e_j + sigma^2), e_j = eig_j(S_k); at wd = 0
 * the kept term is sigma^2 e_j / (e_j + sigma^2). widths (K) may be NULL (all
 * d directions). risk (K, may be NULL) receives risk_k; *total = sum rho_k risk_k. */
MG_API mg_status mg_mog_oracle_risk(const mg_mog *mog, double sigma, double wd, const int64_t *widths, double *risk,
                             double *total);

/* Test risk of a construction on the mixture, with the masks of Theorem 3.1
 * (a sample of component k only activates the block(s) matched to k): block b
 * is matched to the component whose mean is nearest its cluster mean (means
 * from X and c->labels); for A_k = sum of W_b W_b^T over matched blocks,
 *   risk_k = tr((A_k - I) S_k (A_k - I)) + sigma^2 ||A_k||_F^2.
 * match (K_blocks, may be NULL) receives the component of each block;
 * risk (mog->K, may be NULL) the per-component risk; *total = sum rho_k risk_k. */
MG_API mg_status mg_construction_mog_risk(mg_mat X, const mg_construction *c, const mg_mog *mog, int64_t *match,
                                   double *risk, double *total);

/* ---- posterior-mean denoisers f_emp and f_gt (src/theory/posterior_mean.c) ----- */

/* The empirical optimal denoiser (Eq. 3) over training rows X (n x d):
 *   f_emp(y) = sum_i w_i(y) x_i,  w = softmax_i(-|y - x_i|^2 / (2 sigma^2)).
 * Distances come from one sgemm per block of queries (|y|^2 - 2 y.x + |x|^2
 * on rows centred by the training mean, norms in double), weights by
 * log-sum-exp in double; when float rounding of the expansion could matter
 * (small sigma), the distances of the candidates within the softmax window
 * are recomputed exactly in double. sigma = 0 gives the nearest sample
 * (lowest index on ties). Bit-identical results on any thread count. The
 * context holds a centred copy of X, its norms and the workspace, and
 * borrows X itself (X must outlive it). */
typedef struct mg_femp mg_femp;

/* Creates a context for training rows X (caller frees with mg_femp_free). */
MG_API mg_status mg_femp_create(mg_mat X, mg_femp **out);
MG_API void mg_femp_free(mg_femp *f);

/* Out (m x d) = f_emp(Y) for queries Y (m x d); Out may not alias Y. */
MG_API mg_status mg_femp_apply(mg_femp *f, mg_mat Y, double sigma, mg_mat Out);

/* The same, and logz (m) = the log of Eq. 3's normaliser for each query,
 * log sum_i exp(-|y - x_i|^2 / (2 sigma^2)) (-min_i |y - x_i|^2 at sigma = 0):
 * results over disjoint parts of the training set combine into the whole
 * set's by log-sum-exp weights (mg_denoiser_emp_chunked streams a file so). */
MG_API mg_status mg_femp_apply_logz(mg_femp *f, mg_mat Y, double sigma, mg_mat Out, double *logz);

/* One-shot form of create + apply + free. */
MG_API mg_status mg_femp_once(mg_mat X, mg_mat Y, double sigma, mg_mat Out);

/* Reference oracle: a plain double loop over queries and samples. */
MG_API mg_status mg_femp_naive(mg_mat X, mg_mat Y, double sigma, mg_mat Out);

/* The true denoiser of a Gaussian mixture (Tweedie, Eq. 2-4):
 *   f_gt(y) = sum_k P(k | y) [mu_k + Sigma_k (Sigma_k + sigma^2 I)^-1 (y - mu_k)],
 * with P(k | y) proportional to rho_k N(y; mu_k, Sigma_k + sigma^2 I), all in
 * double through the stored eigendecompositions (log-densities from the
 * eigenvalues, a streaming log-sum-exp over components). sigma > 0 (or every
 * covariance eigenvalue positive). post (m x K row-major, may be NULL)
 * receives the posteriors. Only O(K d) checks run per call: the mixture is
 * assumed to have passed mg_mog_validate (mg_mog_load does it). */
MG_API mg_status mg_fgt(const mg_mog *mog, mg_mat Y, double sigma, mg_mat Out, double *post);

/* Reference oracle: per query and component, forms C = Sigma_k + sigma^2 I
 * explicitly, Cholesky-factors it and uses y - sigma^2 C^-1 (y - mu_k). */
MG_API mg_status mg_fgt_naive(const mg_mog *mog, mg_mat Y, double sigma, mg_mat Out, double *post);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_THEORY_H */
