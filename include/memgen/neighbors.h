/*
 * Exact nearest neighbours between sets of rows, through blocked sgemm:
 * squared distances |q|^2 - 2 q.r + |r|^2 pick a few candidates per query,
 * whose distances are then recomputed exactly in double and sorted, so the
 * result does not suffer from the cancellation of the GEMM expansion.
 */
#ifndef MEMGEN_NEIGHBORS_H
#define MEMGEN_NEIGHBORS_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* For each of the m query rows of Q (m x d), the k nearest rows of R (n x d)
 * in Euclidean distance: idx (m x k, row-major) and dist (m x k, ascending).
 * exclude_self: Q and R are the same set and row i may not be its own
 * neighbour. Requires k <= n (n - 1 with exclude_self). */
MG_API mg_status mg_knn(mg_mat Q, mg_mat R, int k, int exclude_self, int64_t *idx, double *dist);

/* For each query row, the reference row of largest cosine similarity:
 * idx (m) and cos (m). Zero rows have cosine 0 with everything. */
MG_API mg_status mg_max_cosine(mg_mat Q, mg_mat R, int exclude_self, int64_t *idx, double *cos);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_NEIGHBORS_H */
