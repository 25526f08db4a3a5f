/*
 * Helpers shared by the files of src/theory (not part of the public API):
 * validation of data matrices and labels, cluster membership lists and
 * cluster means.
 */
#ifndef MEMGEN_THEORY_INTERNAL_H
#define MEMGEN_THEORY_INTERNAL_H

#include "memgen/theory.h"

/* Cluster membership in counting-sort order: the samples of cluster k are
 * idx[start[k] .. start[k+1]-1], in increasing row order. */
typedef struct {
    int64_t K;
    int64_t *start; /* K + 1 */
    int64_t *idx;   /* n */
} mg_clusters;

/* mg_mat_check (a nonempty matrix of finite values) plus sizes that BLAS's
 * 32-bit integers hold; `what` names the caller in messages. */
mg_status mg__check_data(mg_mat X, const char *what);

/* Checks the labels (mg_labels_check: in [0, K), no empty cluster), then
 * builds the membership lists (caller frees with mg__clusters_free). */
mg_status mg__clusters_build(const int64_t *labels, int64_t n, int64_t K, const char *what, mg_clusters *out);
void mg__clusters_free(mg_clusters *c);

/* Mean of the rows idx[0..m-1] of X into mean (d), in double. */
void mg__rows_mean(mg_mat X, const int64_t *idx, int64_t m, double *mean);

#endif /* MEMGEN_THEORY_INTERNAL_H */
