/*
 * Exact nearest neighbours between sets of rows: the one search behind
 * memratio (Gu et al. 2023's ratio, paper App. B.2), the near-duplicate and
 * NN-ratio baselines (src/detect) and the largest cosine similarity. Float32
 * Gram blocks through single-threaded sgemm, |q|^2 - 2 q.r + |r|^2 (the norms
 * trick), a few candidates kept per query while the reference blocks stream
 * by, OpenMP over query blocks; then the candidates' values are recomputed in
 * double, and a query whose float32 margin does not certify its top k (within
 * the float32 error bound of the expansion) is rescanned in double. Results
 * are therefore the exact double answer, the same for any block size and any
 * thread count, and no ratio verdict flips on float rounding.
 */
#ifndef MEMGEN_NEIGHBORS_H
#define MEMGEN_NEIGHBORS_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What "near" means: Euclidean distance (ascending) or cosine similarity
 * (descending; a zero row has cosine 0 with everything). */
typedef enum { MG_NN_L2 = 0, MG_NN_COSINE = 1 } mg_nn_metric;

/* Options of mg_nn_topk; zero-initialised is L2, no exclusion, default blocks. */
typedef struct {
    mg_nn_metric metric;
    int exclude_diag;     /* reference row i + diag_offset may not be query i's neighbour */
    int64_t diag_offset;  /* (Q and R the same set: exclude_diag = 1, diag_offset = 0) */
    int64_t query_block;  /* query rows per block (0: 256) */
    int64_t ref_block;    /* reference rows per Gram block (0: 1024) */
    int64_t rescanned;    /* out: queries whose float32 margin was too thin, rescanned in double */
} mg_nn_opts;

/* For each of the m query rows of Q (m x d), the k nearest rows of R (n x d):
 * idx (m x k, row-major) and val (m x k): Euclidean distances ascending, or
 * cosines descending; ties go to the lower index. The values are double
 * computations over the float rows (sum of squared differences, or dot
 * product over the product of norms), identical to a brute-force double loop.
 * Requires 1 <= k <= the rows available to every query. opts may be NULL. */
MG_API mg_status mg_nn_topk(mg_mat Q, mg_mat R, int k, mg_nn_opts *opts, int64_t *idx, double *val);

/* Both of memratio's searches in one pass over the Gram blocks (the
 * products are shared): the k nearest rows in L2 (idx, dist: m x k) and the
 * kc of largest cosine (cidx, cos: m x kc), the same results as two
 * mg_nn_topk calls; opts' metric is ignored, its rescanned counts both. */
MG_API mg_status mg_nn_topk_l2_cosine(mg_mat Q, mg_mat R, int k, int64_t *idx, double *dist, int kc, int64_t *cidx,
                                      double *cos, mg_nn_opts *opts);

/* mg_nn_topk in L2. exclude_self: Q and R are the same set and row i may
 * not be its own neighbour. */
MG_API mg_status mg_knn(mg_mat Q, mg_mat R, int k, int exclude_self, int64_t *idx, double *dist);

/* For each query row, the reference row of largest cosine similarity:
 * idx (m) and cos (m) (mg_nn_topk in cosine, k = 1). */
MG_API mg_status mg_max_cosine(mg_mat Q, mg_mat R, int exclude_self, int64_t *idx, double *cos);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_NEIGHBORS_H */
