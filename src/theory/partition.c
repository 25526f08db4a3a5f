/*
 * The partition of the data behind a closed-form construction (partition.h):
 * resolves the mode (one block, one cluster per sample, or clusters), makes
 * the compact labels from given labels, spherical k-means or one base
 * cluster, splits groups of copies into clusters of their own (Corollary
 * 3.4), and builds the construction of Theorem 3.1 for the result. This is
 * the one place where `memgen solve` / `memgen theory` and the experiments
 * decide which samples share a block.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/dup.h"
#include "memgen/partition.h"

static const char *const MODE_NAMES[] = {"auto", "lae", "mem", "blocks"};
_Static_assert(sizeof MODE_NAMES / sizeof MODE_NAMES[0] == MG_PARTITION_BLOCKS + 1, "one name per partition mode");

/* Name of a mode. */
const char *mg_partition_mode_str(mg_partition_mode m) {
    return (int)m >= 0 && m <= MG_PARTITION_BLOCKS ? MODE_NAMES[m] : "?";
}

/* Mode by name. */
mg_status mg_partition_mode_parse(const char *name, mg_partition_mode *out) {
    for (int m = MG_PARTITION_AUTO; name && m <= MG_PARTITION_BLOCKS; m++)
        if (!strcmp(name, MODE_NAMES[m])) {
            *out = (mg_partition_mode)m;
            return MG_OK;
        }
    return mg_fail(MG_ERR_ARG, "partition mode must be auto, lae, mem or blocks, got '%s'", name ? name : "");
}

/* Library defaults. */
mg_partition_params mg_partition_params_default(void) {
    mg_partition_params p;
    memset(&p, 0, sizeof p);
    p.mode = MG_PARTITION_AUTO;
    p.kmeans_iters = 100;
    p.kmeans_restarts = 4;
    p.dup_dist = 1e-6;
    return p;
}

/* Frees a partition. */
void mg_partition_free(mg_partition *p) {
    if (!p) return;
    free(p->labels);
    free(p->label_values);
    memset(p, 0, sizeof *p);
    p->kmeans_objective = NAN;
}

/* The mode a request resolves to (auto: blocks when something defines
 * clusters, else mem when the model has a column per sample, else lae). */
static mg_partition_mode resolve(const mg_partition_params *p, int64_t n) {
    if (p->mode != MG_PARTITION_AUTO) return p->mode;
    if (p->labels || p->clusters > 0 || p->duplicates) return MG_PARTITION_BLOCKS;
    return p->hidden >= n ? MG_PARTITION_MEM : MG_PARTITION_LAE;
}

/* Checks that the inputs fit the resolved mode. */
static mg_status check(const mg_partition_params *p, mg_partition_mode mode, int64_t n, const mg_rng *rng) {
    int defines = p->labels || p->clusters > 0 || p->duplicates;
    if ((int)mode < MG_PARTITION_AUTO || mode > MG_PARTITION_BLOCKS)
        return mg_fail(MG_ERR_ARG, "partition: unknown mode %d", (int)mode);
    if (mode == MG_PARTITION_BLOCKS && !defines)
        return mg_fail(MG_ERR_ARG, "partition: mode 'blocks' needs labels, a number of clusters (k-means) or a "
                       "duplicate count");
    if (mode != MG_PARTITION_BLOCKS && defines)
        return mg_fail(MG_ERR_ARG, "partition: labels, clusters and duplicates only apply to mode 'blocks' (got "
                       "mode '%s')", mg_partition_mode_str(mode));
    if (p->clusters < 0 || (p->labels && p->clusters > 0))
        return mg_fail(MG_ERR_ARG, "partition: give labels or a number of clusters >= 1, not both (got %lld clusters)",
                       (long long)p->clusters);
    if (p->clusters > n)
        return mg_fail(MG_ERR_ARG, "partition: %lld clusters exceed the %lld samples", (long long)p->clusters,
                       (long long)n);
    if (p->clusters > 0 && (!rng || p->kmeans_iters < 1 || p->kmeans_restarts < 1))
        return mg_fail(MG_ERR_ARG, "partition: k-means needs a generator and at least one iteration and restart");
    if (p->duplicates < 0 || p->duplicates == 1 || !(p->dup_dist >= 0))
        return mg_fail(MG_ERR_ARG, "partition: need duplicates 0 or >= 2 and dup_dist >= 0 (got %lld, %g)",
                       (long long)p->duplicates, p->dup_dist);
    return MG_OK;
}

/* The base clusters of mode blocks: the labels, k-means, or one cluster. */
static mg_status base_clusters(mg_mat X, const mg_partition_params *p, mg_rng *rng, mg_partition *out) {
    int64_t n = X.rows;
    if (p->labels)
        return mg_labels_compact(p->labels, n, p->labels_name ? p->labels_name : "labels", &out->labels, &out->K,
                                 &out->label_values);
    out->labels = mg_calloc((size_t)n, sizeof(int64_t));
    if (!out->labels) return mg_fail(MG_ERR_NOMEM, "partition: out of memory for %lld labels", (long long)n);
    out->K = 1;
    if (p->clusters <= 0) return MG_OK; /* duplicates alone: one base cluster */
    out->K = p->clusters;
    return mg_spherical_kmeans(X, p->clusters, rng, p->kmeans_iters, p->kmeans_restarts, out->labels,
                               &out->kmeans_objective);
}

/* Resolves the partition (see partition.h). */
mg_status mg_partition_make(mg_mat X, const mg_partition_params *p, mg_rng *rng, mg_partition *out) {
    memset(out, 0, sizeof *out);
    out->kmeans_objective = NAN;
    if (!p) return mg_fail(MG_ERR_ARG, "partition: no parameters given");
    if (!X.data || X.rows < 1 || X.cols < 1) return mg_fail(MG_ERR_ARG, "partition: no samples");
    int64_t n = X.rows;
    mg_partition_mode mode = resolve(p, n);
    MG_TRY(check(p, mode, n, rng));
    out->mode = mode;
    out->n = n;
    mg_status st = MG_OK;
    if (mode == MG_PARTITION_BLOCKS) {
        st = base_clusters(X, p, rng, out);
        if (st == MG_OK && p->duplicates) {
            free(out->label_values); /* the ids no longer match the labels' values */
            out->label_values = NULL;
            st = mg_split_duplicates(X, p->dup_dist, p->duplicates, out->labels, &out->K, &out->dup_groups);
        }
    } else {
        out->labels = mg_alloc((size_t)n, sizeof(int64_t));
        if (!out->labels) st = mg_fail(MG_ERR_NOMEM, "partition: out of memory for %lld labels", (long long)n);
        for (int64_t i = 0; st == MG_OK && i < n; i++) out->labels[i] = mode == MG_PARTITION_MEM ? i : 0;
        out->K = mode == MG_PARTITION_MEM ? n : 1;
    }
    if (st != MG_OK) mg_partition_free(out);
    return st;
}

/* Theorem 3.1 (or Cor. 3.2) for the partition. */
mg_status mg_partition_construct(mg_mat X, const mg_partition *part, const mg_construct_params *cp,
                                 mg_construction *out) {
    memset(out, 0, sizeof *out);
    if (!part || !part->labels || !cp) return mg_fail(MG_ERR_ARG, "construction: no partition or parameters given");
    if (part->n != X.rows)
        return mg_fail(MG_ERR_SHAPE, "construction: the partition has %lld samples but the data %lld",
                       (long long)part->n, (long long)X.rows);
    if (part->mode == MG_PARTITION_MEM) return mg_construct_mem(X, cp, out);
    return mg_construct(X, part->labels, part->K, cp, out);
}
