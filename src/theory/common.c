/*
 * Shared helpers of the theory module: data validation, cluster membership
 * lists and cluster means (see theory_internal.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory_internal.h"

/* Validates a data matrix: nonempty, consistent stride, finite entries, and
 * sizes BLAS's 32-bit integers can hold. */
mg_status mg__check_data(mg_mat X, const char *what) {
    if (X.data && X.rows >= 1 && X.cols >= 1 && X.ld >= X.cols &&
        (X.cols > INT32_MAX || X.rows > INT32_MAX || X.ld > INT32_MAX))
        return mg_fail(MG_ERR_SHAPE, "%s: %lld x %lld exceeds BLAS's 32-bit sizes", what, (long long)X.rows,
                       (long long)X.cols);
    return mg_mat_check(X, what);
}

/* Frees the membership lists (safe on a zeroed struct). */
void mg__clusters_free(mg_clusters *c) {
    if (!c) return;
    free(c->start);
    free(c->idx);
    memset(c, 0, sizeof(*c));
}

/* Validates labels and builds membership lists by counting sort. */
mg_status mg__clusters_build(const int64_t *labels, int64_t n, int64_t K, const char *what, mg_clusters *out) {
    memset(out, 0, sizeof(*out));
    MG_TRY(mg_labels_check(labels, n, K, what));
    out->K = K;
    out->start = mg_calloc((size_t)K + 1, sizeof(int64_t));
    out->idx = mg_alloc((size_t)n, sizeof(int64_t));
    if (!out->start || !out->idx) {
        mg__clusters_free(out);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory for %lld cluster ids", what, (long long)n);
    }
    for (int64_t i = 0; i < n; i++) out->start[labels[i] + 1]++;
    for (int64_t k = 0; k < K; k++) out->start[k + 1] += out->start[k];
    int64_t *fill = mg_alloc((size_t)K, sizeof(int64_t));
    if (!fill) {
        mg__clusters_free(out);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory", what);
    }
    memcpy(fill, out->start, (size_t)K * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) out->idx[fill[labels[i]]++] = i;
    free(fill);
    return MG_OK;
}

/* Mean of a subset of rows, accumulated in double. */
void mg__rows_mean(mg_mat X, const int64_t *idx, int64_t m, double *mean) {
    memset(mean, 0, (size_t)X.cols * sizeof(double));
    for (int64_t r = 0; r < m; r++) {
        const float *x = X.data + idx[r] * X.ld;
        for (int64_t j = 0; j < X.cols; j++) mean[j] += x[j];
    }
    for (int64_t j = 0; j < X.cols; j++) mean[j] /= (double)m;
}
