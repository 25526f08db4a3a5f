/*
 * The partition of the data behind a closed-form construction
 * (memgen/partition.h): mode resolution, labels numbered compactly, k-means
 * and duplicate splitting equal to the theory functions they call, the
 * injected points' -1 label vanishing once their copies are split off, the
 * construction of each mode equal to the construction called directly, and
 * every refused combination of inputs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/dup.h"
#include "memgen/partition.h"

/* n x d rows: two directions (+4 e_0, -4 e_0) plus noise; row-major, caller frees. */
static float *two_modes(int64_t n, int64_t d, uint64_t seed) {
    float *x = malloc((size_t)(n * d) * sizeof(float));
    assert_non_null(x);
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_rng_normal(&r, x, n * d);
    for (int64_t i = 0; i < n * d; i++) x[i] *= 0.3f;
    for (int64_t i = 0; i < n; i++) x[i * d] += i % 2 ? -4.0f : 4.0f;
    return x;
}

/* A 1-D int64 array view of v (not owned). */
static mg_array i64_view(int64_t *v, int64_t n) {
    mg_array a = {MG_I64, 1, {n}, v};
    return a;
}

/* Names round-trip; unknown names and modes are refused. */
static void test_mode_names(void **state) {
    (void)state;
    for (int m = MG_PARTITION_AUTO; m <= MG_PARTITION_BLOCKS; m++) {
        mg_partition_mode got;
        tu_assert_ok(mg_partition_mode_parse(mg_partition_mode_str((mg_partition_mode)m), &got));
        assert_int_equal(got, m);
    }
    assert_string_equal(mg_partition_mode_str(MG_PARTITION_MEM), "mem");
    assert_string_equal(mg_partition_mode_str((mg_partition_mode)9), "?");
    mg_partition_mode got;
    assert_int_equal(mg_partition_mode_parse("kmeans", &got), MG_ERR_ARG);
    assert_int_equal(mg_partition_mode_parse(NULL, &got), MG_ERR_ARG);
    mg_partition_free(NULL);
    mg_partition z;
    memset(&z, 0, sizeof z);
    mg_partition_free(&z);
}

/* Auto: mem when the model has a column per sample, else lae; blocks from labels. */
static void test_auto_and_labels(void **state) {
    (void)state;
    enum { N = 6, D = 4 };
    float *x = two_modes(N, D, 1);
    mg_mat X = {N, D, D, x};
    mg_partition_params pp = mg_partition_params_default();
    mg_partition p;
    pp.hidden = N;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.mode, MG_PARTITION_MEM);
    assert_int_equal(p.K, N);
    assert_int_equal(p.n, N);
    for (int64_t i = 0; i < N; i++) assert_int_equal(p.labels[i], i);
    assert_null(p.label_values);
    assert_true(isnan(p.kmeans_objective));
    mg_partition_free(&p);
    pp.hidden = N - 1;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.mode, MG_PARTITION_LAE);
    assert_int_equal(p.K, 1);
    for (int64_t i = 0; i < N; i++) assert_int_equal(p.labels[i], 0);
    mg_partition_free(&p);
    /* labels of any values: ids in increasing order of the values, the values kept */
    int64_t raw[N] = {7, 3, 7, 9, 3, 9};
    mg_array L = i64_view(raw, N);
    pp.labels = &L;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.mode, MG_PARTITION_BLOCKS);
    assert_int_equal(p.K, 3);
    const int64_t want[N] = {1, 0, 1, 2, 0, 2};
    for (int64_t i = 0; i < N; i++) assert_int_equal(p.labels[i], want[i]);
    assert_non_null(p.label_values);
    assert_int_equal(p.label_values[0], 3);
    assert_int_equal(p.label_values[2], 9);
    assert_int_equal(p.dup_groups, 0);
    mg_partition_free(&p);
    /* the labels' own errors name them */
    mg_array short_l = i64_view(raw, N - 1);
    pp.labels = &short_l;
    pp.labels_name = "my-labels.npy";
    assert_int_equal(mg_partition_make(X, &pp, NULL, &p), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "my-labels.npy"));
    assert_null(p.labels);
    free(x);
}

/* k-means: the same labels as mg_spherical_kmeans from the same generator state. */
static void test_kmeans(void **state) {
    (void)state;
    enum { N = 40, D = 6 };
    float *x = two_modes(N, D, 2);
    mg_mat X = {N, D, D, x};
    mg_partition_params pp = mg_partition_params_default();
    pp.clusters = 2;
    pp.kmeans_iters = 30;
    pp.kmeans_restarts = 2;
    mg_rng r1, r2;
    mg_rng_init(&r1, 5);
    mg_rng_init(&r2, 5);
    mg_partition p;
    tu_assert_ok(mg_partition_make(X, &pp, &r1, &p));
    int64_t ref[N];
    double obj;
    tu_assert_ok(mg_spherical_kmeans(X, 2, &r2, 30, 2, ref, &obj));
    assert_int_equal(p.mode, MG_PARTITION_BLOCKS);
    assert_int_equal(p.K, 2);
    assert_memory_equal(p.labels, ref, sizeof ref);
    assert_true(p.kmeans_objective == obj);
    /* the two modes are separated: alternate rows in alternate clusters */
    for (int64_t i = 0; i < N; i++) assert_int_equal(p.labels[i] == p.labels[0], i % 2 == 0);
    mg_partition_free(&p);
    free(x);
}

/* Duplicate groups become clusters of their own, after the base clusters;
 * a base cluster made of copies only (injected points, label -1) vanishes. */
static void test_duplicates(void **state) {
    (void)state;
    enum { N0 = 20, D = 5, C = 4, N = N0 + 2 * C };
    float *x = two_modes(N, D, 3);
    int64_t lab[N];
    for (int64_t i = 0; i < N0; i++) lab[i] = i % 2 ? 11 : 10;
    /* two injected points (label -1), each present C times */
    for (int g = 0; g < 2; g++)
        for (int c = 0; c < C; c++) {
            int64_t row = N0 + g * C + c;
            for (int64_t j = 0; j < D; j++) x[row * D + j] = (float)(g + 1) * (j == 1 + g ? 6.0f : 0.5f);
            lab[row] = -1;
        }
    mg_mat X = {N, D, D, x};
    mg_array L = i64_view(lab, N);
    mg_partition_params pp = mg_partition_params_default();
    pp.labels = &L;
    pp.duplicates = 2;
    mg_partition p;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.mode, MG_PARTITION_BLOCKS);
    assert_int_equal(p.dup_groups, 2);
    assert_int_equal(p.K, 4);
    assert_null(p.label_values); /* ids no longer match the values */
    for (int64_t i = 0; i < N; i++) {
        int64_t want = i < N0 ? (i % 2) : 2 + (i - N0) / C;
        assert_int_equal(p.labels[i], want);
    }
    /* the same as mapping -1 to a base cluster first and splitting directly */
    int64_t ref[N], K = 2;
    for (int64_t i = 0; i < N; i++) ref[i] = i < N0 ? i % 2 : 0;
    tu_assert_ok(mg_split_duplicates(X, 1e-6, 2, ref, &K, NULL));
    assert_int_equal(K, p.K);
    assert_memory_equal(ref, p.labels, sizeof ref);
    mg_partition_free(&p);
    /* duplicates alone: one base cluster, then the groups */
    pp.labels = NULL;
    pp.mode = MG_PARTITION_AUTO;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.mode, MG_PARTITION_BLOCKS);
    assert_int_equal(p.K, 3);
    assert_int_equal(p.labels[0], 0);
    assert_int_equal(p.labels[N - 1], 2);
    mg_partition_free(&p);
    /* groups smaller than the minimum stay in their cluster */
    pp.duplicates = C + 1;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    assert_int_equal(p.K, 1);
    assert_int_equal(p.dup_groups, 0);
    mg_partition_free(&p);
    free(x);
}

/* Every combination that does not fit the mode is refused, nothing allocated. */
static void test_refused(void **state) {
    (void)state;
    enum { N = 8, D = 3 };
    float *x = two_modes(N, D, 4);
    mg_mat X = {N, D, D, x};
    int64_t lab[N] = {0};
    mg_array L = i64_view(lab, N);
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_partition p;
    mg_partition_params pp = mg_partition_params_default();
    pp.mode = MG_PARTITION_BLOCKS; /* nothing defines the clusters */
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    assert_null(p.labels);
    assert_non_null(strstr(mg_last_error(), "blocks"));
    pp = mg_partition_params_default();
    pp.mode = MG_PARTITION_LAE;
    pp.labels = &L;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "'lae'"));
    pp.mode = MG_PARTITION_MEM;
    pp.labels = NULL;
    pp.duplicates = 2;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    pp = mg_partition_params_default();
    pp.labels = &L;
    pp.clusters = 2;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    pp.labels = NULL;
    pp.clusters = N + 1;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "exceed"));
    pp.clusters = 2;
    assert_int_equal(mg_partition_make(X, &pp, NULL, &p), MG_ERR_ARG); /* k-means without a generator */
    pp.clusters = 0;
    pp.duplicates = 1;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    pp.duplicates = 2;
    pp.dup_dist = -1;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    pp = mg_partition_params_default();
    pp.mode = (mg_partition_mode)7;
    assert_int_equal(mg_partition_make(X, &pp, &r, &p), MG_ERR_ARG);
    assert_int_equal(mg_partition_make(X, NULL, &r, &p), MG_ERR_ARG);
    mg_mat empty = {0, D, D, x};
    pp = mg_partition_params_default();
    assert_int_equal(mg_partition_make(empty, &pp, &r, &p), MG_ERR_ARG);
    free(x);
}

/* Two constructions are the same model, bit for bit. */
static void assert_same_construction(const mg_construction *a, const mg_construction *b) {
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->K, b->K);
    assert_int_equal(a->p, b->p);
    assert_memory_equal(a->W, b->W, (size_t)(a->d * a->p) * sizeof(float));
    assert_true(a->train_mse == b->train_mse);
}

/* The construction of each mode is the one the theory builds directly. */
static void test_construct(void **state) {
    (void)state;
    enum { N = 12, D = 8 };
    float *x = two_modes(N, D, 6);
    mg_mat X = {N, D, D, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3;
    cp.wd = 1e-4;
    cp.hidden = N;
    mg_partition_params pp = mg_partition_params_default();
    mg_partition p;
    mg_construction a, b;
    /* mem */
    pp.hidden = N;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    tu_assert_ok(mg_partition_construct(X, &p, &cp, &a));
    tu_assert_ok(mg_construct_mem(X, &cp, &b));
    assert_int_equal(a.kind, MG_CONSTRUCTION_MEM);
    assert_same_construction(&a, &b);
    mg_construction_free(&a), mg_construction_free(&b), mg_partition_free(&p);
    /* lae */
    pp.mode = MG_PARTITION_LAE;
    cp.hidden = 4;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    tu_assert_ok(mg_partition_construct(X, &p, &cp, &a));
    tu_assert_ok(mg_construct_lae(X, &cp, &b));
    assert_int_equal(a.kind, MG_CONSTRUCTION_LAE);
    assert_same_construction(&a, &b);
    mg_construction_free(&a), mg_construction_free(&b), mg_partition_free(&p);
    /* blocks from labels, with requested widths */
    int64_t lab[N], widths[2] = {2, 3};
    for (int64_t i = 0; i < N; i++) lab[i] = i % 2;
    mg_array L = i64_view(lab, N);
    pp.mode = MG_PARTITION_AUTO;
    pp.labels = &L;
    cp.hidden = 6;
    cp.widths = widths;
    tu_assert_ok(mg_partition_make(X, &pp, NULL, &p));
    tu_assert_ok(mg_partition_construct(X, &p, &cp, &a));
    tu_assert_ok(mg_construct(X, lab, 2, &cp, &b));
    assert_int_equal(a.kind, MG_CONSTRUCTION_GEN);
    assert_int_equal(a.blocks[1].width, 3);
    assert_same_construction(&a, &b);
    mg_construction_free(&a), mg_construction_free(&b);
    /* a partition of other data is refused */
    mg_mat fewer = {N - 1, D, D, x};
    assert_int_equal(mg_partition_construct(fewer, &p, &cp, &a), MG_ERR_SHAPE);
    mg_partition_free(&p);
    assert_int_equal(mg_partition_construct(X, &p, &cp, &a), MG_ERR_ARG);
    free(x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_names),   cmocka_unit_test(test_auto_and_labels), cmocka_unit_test(test_kmeans),
        cmocka_unit_test(test_duplicates),   cmocka_unit_test(test_refused),         cmocka_unit_test(test_construct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
