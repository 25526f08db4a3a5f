/*
 * Duplicated samples as clusters of their own (Corollary 3.4): groups of
 * (near-)identical rows, found by exact k-nearest neighbours and union-find,
 * are split off the clusters they fell in, so the blockwise construction
 * memorises each with one rank-1 block while the rest generalises. Data
 * preparation for the construction (src/theory), which takes the labels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/dup.h"
#include "memgen/neighbors.h"

/* Neighbours examined per sample when linking copies. */
#define DUP_NEIGHBOURS 8

/* Union-find root with path halving. */
static int64_t find_root(int64_t *parent, int64_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

/* Splits groups of copies into their own clusters (see dup.h). */
mg_status mg_split_duplicates(mg_mat X, double tol, int64_t min_copies, int64_t *labels, int64_t *K,
                              int64_t *groups) {
    MG_TRY(mg_mat_check(X, "duplicate detection"));
    if (!(tol >= 0) || !isfinite(tol) || min_copies < 2)
        return mg_fail(MG_ERR_ARG, "duplicate detection: need tol >= 0 and min_copies >= 2 (got %g, %lld)", tol,
                       (long long)min_copies);
    int64_t n = X.rows, d = X.cols;
    MG_TRY(mg_labels_check(labels, n, *K, "duplicate detection"));
    if (groups) *groups = 0;
    if (n < 2) return MG_OK;
    int k = n - 1 < DUP_NEIGHBOURS ? (int)(n - 1) : DUP_NEIGHBOURS;
    int64_t *idx = mg_alloc((size_t)n * (size_t)k, sizeof(int64_t)); /* n x k neighbours */
    double *dist = mg_alloc((size_t)n * (size_t)k, sizeof(double));  /* n x k distances */
    double *nrm = mg_alloc((size_t)n, sizeof(double));
    int64_t *parent = mg_alloc((size_t)n, sizeof(int64_t)), *size = mg_calloc((size_t)n, sizeof(int64_t));
    int64_t *map = mg_alloc((size_t)n + (size_t)*K, sizeof(int64_t)); /* old cluster / group root -> new id */
    mg_status st = MG_OK;
    if (!idx || !dist || !nrm || !parent || !size || !map) {
        st = mg_fail(MG_ERR_NOMEM, "duplicate detection: out of memory for %lld samples", (long long)n);
        goto done;
    }
    if ((st = mg_knn(X, X, k, 1, idx, dist)) != MG_OK) goto done;
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) s += (double)X.data[i * X.ld + j] * X.data[i * X.ld + j];
        nrm[i] = sqrt(s);
        parent[i] = i;
    }
    for (int64_t i = 0; i < n; i++)
        for (int t = 0; t < k; t++) {
            int64_t j = idx[i * k + t];
            if (dist[i * k + t] <= tol * fmax(nrm[i], nrm[j])) {
                int64_t a = find_root(parent, i), b = find_root(parent, j);
                if (a != b) parent[a < b ? b : a] = a < b ? a : b; /* the root is the group's first sample */
            }
        }
    for (int64_t i = 0; i < n; i++) size[find_root(parent, i)]++;
    /* new ids: surviving old clusters in order, then the groups */
    int64_t K0 = *K, next = 0, ng = 0;
    for (int64_t c = 0; c < K0; c++) map[c] = -1;
    for (int64_t i = 0; i < n; i++)
        if (size[find_root(parent, i)] < min_copies) map[labels[i]] = 0; /* cluster keeps a sample */
    for (int64_t c = 0; c < K0; c++)
        if (map[c] == 0) map[c] = next++;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = find_root(parent, i);
        if (size[r] >= min_copies && r == i) map[K0 + i] = next++, ng++;
    }
    for (int64_t i = 0; i < n; i++) {
        int64_t r = find_root(parent, i);
        labels[i] = size[r] >= min_copies ? map[K0 + r] : map[labels[i]];
    }
    *K = next;
    if (groups) *groups = ng;
done:
    free(idx), free(dist), free(nrm), free(parent), free(size), free(map);
    return st;
}
