/*
 * The partition of the training data behind a closed-form construction
 * (Theorem 3.1 and its corollaries, theory.h): which samples share a block
 * of the model. One call resolves it from what the caller has:
 *
 *   - mode "lae":    one block holding every sample (Lemma C.1);
 *   - mode "mem":    one cluster per sample (Corollary 3.2, W_mem);
 *   - mode "blocks": clusters from given labels (classes, mixture
 *                    components), from spherical k-means, or one base
 *                    cluster; then, optionally, every group of copies of a
 *                    sample split into a cluster of its own, memorised by one
 *                    column (Corollary 3.4, the hybrid regime);
 *   - mode "auto":   "blocks" when labels, a cluster count or a duplicate
 *                    count is given, else "mem" when the model is wide
 *                    enough (hidden >= n), else "lae".
 *
 * The result always holds compact labels (0..K-1, one per sample), so that
 * every consumer (mg_partition_construct, mg_separability_compute,
 * mg_dae_block_widths) takes the same arrays whatever the mode.
 *
 * Usage:
 *     mg_partition_params pp = mg_partition_params_default();
 *     pp.labels = &labels;          // an n-element integer array, any values
 *     pp.duplicates = 2;            // Cor. 3.4: copies become rank-1 clusters
 *     mg_partition part;
 *     MG_TRY(mg_partition_make(X, &pp, NULL, &part));
 *     mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
 *     cp.hidden = 64, cp.sigma = 0.2;
 *     mg_status s = mg_partition_construct(X, &part, &cp, &con);
 *     mg_partition_free(&part);
 */
#ifndef MEMGEN_PARTITION_H
#define MEMGEN_PARTITION_H

#include "memgen/core.h"
#include "memgen/rng.h"
#include "memgen/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the samples are grouped into blocks. */
typedef enum {
    MG_PARTITION_AUTO = 0, /* resolved by mg_partition_make (see above) */
    MG_PARTITION_LAE,      /* one block: Lemma C.1 */
    MG_PARTITION_MEM,      /* one cluster per sample: Corollary 3.2 */
    MG_PARTITION_BLOCKS    /* clusters (labels / k-means / one base cluster, duplicates split): Theorem 3.1, Cor. 3.3-3.4 */
} mg_partition_mode;

/* "auto", "lae", "mem", "blocks" ("?" out of range). */
MG_API const char *mg_partition_mode_str(mg_partition_mode m);

/* The mode named `name` (one of the strings above); MG_ERR_ARG otherwise. */
MG_API mg_status mg_partition_mode_parse(const char *name, mg_partition_mode *out);

/* What the partition is made from (defaults from mg_partition_params_default). */
typedef struct {
    mg_partition_mode mode;  /* default MG_PARTITION_AUTO */
    const mg_array *labels;  /* n integer (or integral float) cluster ids of any values, borrowed; NULL: none
                                (mode blocks; ids are numbered compactly in increasing order of the values) */
    const char *labels_name; /* names the labels in messages (a file name; NULL: "labels") */
    int64_t clusters;        /* > 0: spherical k-means with this many clusters (mode blocks; needs a generator;
                                not with labels); default 0 */
    int kmeans_iters;        /* Lloyd iterations per k-means restart (default 100) */
    int kmeans_restarts;     /* k-means restarts (default 4) */
    int64_t duplicates;      /* >= 2: groups of at least this many copies of a sample become clusters of their
                                own (mode blocks, Cor. 3.4); 0 (default): off */
    double dup_dist;         /* rows i, j are copies when |x_i - x_j| <= dup_dist max(|x_i|, |x_j|) (default 1e-6) */
    int64_t hidden;          /* the model's width, for mode auto (mem when hidden >= n); 0: not known */
} mg_partition_params;

/* The library defaults (mode auto, no labels, no k-means, no duplicate
 * split, k-means 100 iterations x 4 restarts, dup_dist 1e-6). */
MG_API mg_partition_params mg_partition_params_default(void);

/* A resolved partition. Zero-initialised = empty; free with mg_partition_free. */
typedef struct {
    mg_partition_mode mode;  /* resolved: MG_PARTITION_LAE, _MEM or _BLOCKS */
    int64_t n;               /* samples */
    int64_t K;               /* clusters (1 for lae, n for mem) */
    int64_t *labels;         /* n compact cluster ids 0..K-1, every cluster nonempty (owned); lae: all 0,
                                mem: i; blocks: the labels' / k-means ids, then the duplicate groups
                                (mg_split_duplicates' numbering) */
    int64_t *label_values;   /* K: the original value of each id when the ids come from the labels unchanged
                                (no duplicate split); else NULL (owned) */
    double kmeans_objective; /* mean cosine of each row to its k-means centroid; NAN when k-means did not run */
    int64_t dup_groups;      /* groups of copies split into clusters of their own (0 without a split) */
} mg_partition;

/* Resolves the partition of the rows of X (n x d). rng: the generator of
 * spherical k-means (used as given, advanced by the call), required only
 * when p->clusters > 0, else may be NULL. Fails with MG_ERR_ARG (nothing
 * allocated) when the inputs do not fit the mode: mode blocks without
 * labels, clusters or duplicates; labels, clusters or duplicates in mode lae
 * or mem; labels and clusters together; clusters > n; duplicates == 1 or
 * < 0; dup_dist < 0; with the labels' own errors (mg_labels_compact) and
 * those of k-means and duplicate detection (theory.h). Caller frees *out
 * with mg_partition_free. */
MG_API mg_status mg_partition_make(mg_mat X, const mg_partition_params *p, mg_rng *rng, mg_partition *out);

/* Frees the arrays and zeroes the struct; safe on NULL and on a zeroed struct. */
MG_API void mg_partition_free(mg_partition *p);

/* The construction of Theorem 3.1 for a partition of the same X: mode mem
 * gives Corollary 3.2's W_mem (mg_construct_mem: one column per sample,
 * needs cp->hidden >= n, cp->widths ignored); lae and blocks give
 * mg_construct with the partition's labels (for lae that is Lemma C.1 on all
 * the data, as mg_construct_lae). Caller frees *out with
 * mg_construction_free. */
MG_API mg_status mg_partition_construct(mg_mat X, const mg_partition *part, const mg_construct_params *cp,
                                 mg_construction *out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_PARTITION_H */
