/*
 * Duplicated samples (paper Cor. 3.4, App. A.4), both ways round:
 *  - making them: repeat m existing rows c times, or inject m new rank-1
 *    clusters (a point repeated c times), recording which rows belong to a
 *    duplicated group (mg_data_duplicate);
 *  - finding them: groups of (near-)identical rows split off the clusters
 *    they fell in, so the blockwise construction memorises each with one
 *    column (mg_split_duplicates).
 *
 * Randomness: every function takes an mg_rng and derives its sub-streams with
 * mg_rng_fork(rng, id) for the fixed purpose ids below; none advances the
 * caller's rng (see memgen/data.h).
 */
#ifndef MEMGEN_DUP_H
#define MEMGEN_DUP_H

#include "memgen/core.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mg_rng_fork purpose ids used here. */
enum {
    MG_FORK_DUP_PICK = 0x4401,   /* which rows are duplicated */
    MG_FORK_DUP_INJECT = 0x4402, /* directions of injected rank-1 points */
    MG_FORK_DUP_JITTER = 0x4403  /* noise added to copies */
};

typedef struct {
    int64_t count;      /* m: number of distinct duplicated points, >= 1 */
    int64_t times;      /* c: occurrences of each in the output, >= 2 */
    int inject;         /* 0: pick m existing rows (without replacement);
                           1: add m new points (random directions, rank-1 clusters) */
    double inject_norm; /* norm of injected points; <= 0: the median row norm of X */
    double jitter;      /* std of Gaussian noise added to each extra copy (0 = exact) */
} mg_dup_spec;

/* Result of mg_data_duplicate; free with mg_dup_result_free. */
typedef struct {
    mg_array X;      /* float32 (n, d), owned: the input rows unchanged, then the new
                        rows; n = n_in + m (c-1) (pick) or n_in + m c (inject) */
    int64_t *group;  /* n: row index (in the output) of the first occurrence of this
                        row's duplicated point, or -1 if the row is not duplicated;
                        so for picked points it is the original row's index */
    int64_t *labels; /* n, only if labels were given: copies inherit their source's
                        label, injected points get -1; else NULL */
} mg_dup_result;

/* Appends duplicates to the rows of X (n_in x d, a view; not modified): for
 * each picked (or injected) point p, the output holds c rows equal to p (the
 * copies beyond the first with optional jitter). The copies of one point are
 * consecutive, points in the order picked. Picks use fork MG_FORK_DUP_PICK,
 * injected directions MG_FORK_DUP_INJECT, jitter MG_FORK_DUP_JITTER. labels
 * (n_in) may be NULL. */
MG_API mg_status mg_data_duplicate(mg_mat X, const int64_t *labels, const mg_dup_spec *s, const mg_rng *rng,
                            mg_dup_result *out);
/* Frees the arrays and zeroes *r; safe on NULL and on a zeroed struct. */
MG_API void mg_dup_result_free(mg_dup_result *r);

/* Corollary 3.4's duplicated clusters: finds groups of at least min_copies
 * (>= 2) samples that are copies of one another (|x_i - x_j| <= tol *
 * max(|x_i|, |x_j|), tol >= 0; linked through each sample's 8 nearest
 * neighbours, exact k-NN) and moves every group into a cluster of its own, so
 * the construction memorises it with one column. labels (n, compact ids,
 * updated in place; all 0 to start from one cluster) and *K are rewritten
 * compactly: the remaining clusters keep their order, the groups follow in
 * order of their first sample. *groups (may be NULL) = number of groups. */
MG_API mg_status mg_split_duplicates(mg_mat X, double tol, int64_t min_copies, int64_t *labels, int64_t *K,
                              int64_t *groups);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DUP_H */
