/*
 * Tests of exact nearest neighbours, maximal cosine similarity and the
 * memorization measures against brute-force double loops.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/memorization.h"
#include "memgen/neighbors.h"
#include "memgen/rng.h"

/* Brute-force top k in double (the oracle): the key of mg_nn_topk (squared
 * distance, or -cos), lower index first on ties; val as mg_nn_topk reports. */
static void naive_topk(mg_mat Q, mg_mat R, int k, mg_nn_metric metric, int excl, int64_t *idx, double *val) {
    double *key = malloc((size_t)k * sizeof(double));
    for (int64_t i = 0; i < Q.rows; i++) {
        const float *q = Q.data + i * Q.ld;
        for (int a = 0; a < k; a++) key[a] = INFINITY, idx[i * k + a] = -1;
        for (int64_t j = 0; j < R.rows; j++) {
            if (excl && i == j) continue;
            const float *r = R.data + j * R.ld;
            double s = 0, qq = 0, rr = 0;
            for (int64_t t = 0; t < Q.cols; t++) {
                double u = (double)q[t] - r[t];
                s += metric == MG_NN_L2 ? u * u : (double)q[t] * r[t];
            }
            if (metric == MG_NN_COSINE) {
                for (int64_t t = 0; t < Q.cols; t++) qq += (double)q[t] * q[t], rr += (double)r[t] * r[t];
                double den = sqrt(qq) * sqrt(rr);
                s = den > 0 ? -s / den : 0.0;
            }
            int pos = k;
            while (pos > 0 && (idx[i * k + pos - 1] < 0 || key[pos - 1] > s)) pos--;
            if (pos == k) continue;
            for (int b = k - 1; b > pos; b--) key[b] = key[b - 1], idx[i * k + b] = idx[i * k + b - 1];
            key[pos] = s;
            idx[i * k + pos] = j;
        }
        for (int a = 0; a < k; a++) val[i * k + a] = metric == MG_NN_L2 ? sqrt(key[a]) : -key[a];
    }
    free(key);
}

/* Brute-force k-NN in Euclidean distance. */
static void naive_knn(mg_mat Q, mg_mat R, int k, int excl, int64_t *idx, double *dist) {
    naive_topk(Q, R, k, MG_NN_L2, excl, idx, dist);
}

/* A random m x d matrix (caller frees data). */
static mg_mat random_mat(mg_rng *r, int64_t m, int64_t d, float offset) {
    mg_mat A = {m, d, d, malloc((size_t)(m * d) * sizeof(float))};
    mg_rng_normal(r, A.data, (size_t)(m * d));
    for (int64_t i = 0; i < m * d; i++) A.data[i] += offset;
    return A;
}

/* k-NN equals brute force, across several Gram blocks, with a large offset
 * that makes the GEMM expansion cancel badly. */
static void test_knn_matches_bruteforce(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 1);
    int64_t m = 300, n = 2500, d = 33;
    int k = 3;
    mg_mat Q = random_mat(&r, m, d, 50.0f), R = random_mat(&r, n, d, 50.0f);
    int64_t *idx = malloc((size_t)(m * k) * sizeof(int64_t)), *ref = malloc((size_t)(m * k) * sizeof(int64_t));
    double *dist = malloc((size_t)(m * k) * sizeof(double)), *rd = malloc((size_t)(m * k) * sizeof(double));
    tu_assert_ok(mg_knn(Q, R, k, 0, idx, dist));
    naive_knn(Q, R, k, 0, ref, rd);
    assert_memory_equal(idx, ref, (size_t)(m * k) * sizeof(int64_t));
    tu_assert_close_d(dist, rd, m * k, 1e-9, 1e-12, "knn dist");
    /* self-exclusion within one set */
    int64_t *ref2 = malloc((size_t)(n * k) * sizeof(int64_t));
    double *rd2 = malloc((size_t)(n * k) * sizeof(double));
    int64_t *idx2 = malloc((size_t)(n * k) * sizeof(int64_t));
    double *dist2 = malloc((size_t)(n * k) * sizeof(double));
    tu_assert_ok(mg_knn(R, R, k, 1, idx2, dist2));
    naive_knn(R, R, k, 1, ref2, rd2);
    assert_memory_equal(idx2, ref2, (size_t)(n * k) * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) assert_true(idx2[i * k] != i);
    free(ref2);
    free(rd2);
    free(idx2);
    free(dist2);
    free(idx);
    free(ref);
    free(dist);
    free(rd);
    free(Q.data);
    free(R.data);
}

/* Argument checks: k too large, shape mismatch. */
static void test_knn_errors(void **state) {
    (void)state;
    float a[6] = {0, 1, 2, 3, 4, 5};
    mg_mat Q = {2, 3, 3, a}, R = {2, 3, 3, a}, R2 = {3, 2, 2, a};
    int64_t idx[6];
    double dist[6];
    assert_int_equal(mg_knn(Q, R, 3, 0, idx, dist), MG_ERR_ARG);
    assert_int_equal(mg_knn(Q, R, 2, 1, idx, dist), MG_ERR_ARG);
    assert_int_equal(mg_knn(Q, R2, 1, 0, idx, dist), MG_ERR_SHAPE);
}

/* Max cosine equals brute force. */
static void test_max_cosine(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 2);
    int64_t m = 100, n = 700, d = 20;
    mg_mat Q = random_mat(&r, m, d, 0.0f), R = random_mat(&r, n, d, 0.0f);
    int64_t *idx = malloc((size_t)m * sizeof(int64_t));
    double *c = malloc((size_t)m * sizeof(double));
    tu_assert_ok(mg_max_cosine(Q, R, 0, idx, c));
    for (int64_t i = 0; i < m; i++) {
        double best = -2;
        int64_t bi = -1;
        for (int64_t j = 0; j < n; j++) {
            double dot = 0, qq = 0, rr = 0;
            for (int64_t t = 0; t < d; t++) {
                dot += (double)Q.data[i * d + t] * R.data[j * d + t];
                qq += (double)Q.data[i * d + t] * Q.data[i * d + t];
                rr += (double)R.data[j * d + t] * R.data[j * d + t];
            }
            double v = dot / sqrt(qq * rr);
            if (v > best) {
                best = v;
                bi = j;
            }
        }
        assert_int_equal(idx[i], bi);
        assert_true(fabs(c[i] - best) < 1e-12);
    }
    free(idx);
    free(c);
    free(Q.data);
    free(R.data);
}

/* Copies of training rows (plus tiny noise) are flagged memorized, fresh
 * samples are not; near-duplicates among generations are counted. */
static void test_memratio(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 3);
    int64_t n = 50, d = 64, m = 40;
    mg_mat X = random_mat(&r, n, d, 0.0f);
    mg_mat S = random_mat(&r, m, d, 0.0f);
    /* first 20 samples: training rows 0..9 each twice, plus 1% noise */
    for (int64_t i = 0; i < 20; i++)
        for (int64_t t = 0; t < d; t++) S.data[i * d + t] = X.data[(i % 10) * d + t] + 0.01f * S.data[i * d + t];
    mg_memratio mr;
    tu_assert_ok(mg_memratio_compute(S, X, 1.0 / 3.0, &mr));
    for (int64_t i = 0; i < m; i++) {
        assert_int_equal(mr.memorized[i], i < 20);
        if (i < 20) {
            assert_int_equal(mr.nn1[i], i % 10);
            assert_int_equal(mr.cos_idx[i], i % 10);
            assert_true(mr.cos_max[i] > 0.999);
            assert_true(mr.gen_ratio[i] < 1.0 / 3.0); /* its twin is a near duplicate */
        } else {
            assert_true(mr.ratio[i] > 0.5);
        }
    }
    assert_true(fabs(mr.frac_memorized - 0.5) < 1e-12);
    assert_int_equal(mr.distinct_memorized, 10);
    assert_true(fabs(mr.frac_near_duplicate - 0.5) < 1e-12);
    mg_memratio_free(&mr);
    mg_memratio_free(&mr);
    free(X.data);
    free(S.data);
}

/* Up to scale: a training row at a tenth of its norm is a copy (ratio 0 at
 * unit norm) though its literal ratio is not; the measures equal the literal
 * ones of the rows normalised by hand; a zero row stays zero. */
static void test_memratio_upto_scale(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 4);
    int64_t n = 30, d = 32, m = 12;
    mg_mat X = random_mat(&r, n, d, 0.0f);
    mg_mat S = random_mat(&r, m, d, 0.0f);
    for (int64_t i = 0; i < 6; i++)
        for (int64_t t = 0; t < d; t++) S.data[i * d + t] = 0.1f * X.data[i * d + t];
    mg_memratio lit, up, ref;
    tu_assert_ok(mg_memratio_compute(S, X, 1.0 / 3.0, &lit));
    tu_assert_ok(mg_memratio_compute_upto_scale(S, X, 1.0 / 3.0, &up));
    for (int64_t i = 0; i < 6; i++) {
        assert_false(lit.memorized[i]);
        assert_true(up.memorized[i]);
        assert_int_equal(up.nn1[i], i);
        assert_true(up.ratio[i] < 1e-3);
    }
    for (int64_t i = 6; i < m; i++) assert_false(up.memorized[i]);
    /* by hand: every row divided by its norm */
    mg_mat Su = random_mat(&r, m, d, 0.0f), Xu = random_mat(&r, n, d, 0.0f);
    mg_mat src[2] = {S, X}, dst[2] = {Su, Xu};
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; i < src[k].rows; i++) {
            double q = 0;
            for (int64_t t = 0; t < d; t++) q += (double)src[k].data[i * d + t] * src[k].data[i * d + t];
            for (int64_t t = 0; t < d; t++) dst[k].data[i * d + t] = (float)(src[k].data[i * d + t] / sqrt(q));
        }
    tu_assert_ok(mg_memratio_compute(Su, Xu, 1.0 / 3.0, &ref));
    for (int64_t i = 0; i < m; i++) {
        assert_int_equal(up.nn1[i], ref.nn1[i]);
        assert_true(fabs(up.ratio[i] - ref.ratio[i]) < 1e-6);
    }
    mg_array u;
    memset(S.data, 0, (size_t)d * sizeof(float));
    tu_assert_ok(mg_rows_unit_norm(S, &u));
    for (int64_t t = 0; t < d; t++) assert_true(((float *)u.data)[t] == 0.0f);
    mg_array_free(&u);
    mg_memratio_free(&lit), mg_memratio_free(&up), mg_memratio_free(&ref);
    free(X.data), free(S.data), free(Su.data), free(Xu.data);
}

/* mg_nn_topk equals the brute-force double oracle, with the same bits, for
 * every block size and thread count; returns the rescans of the last run. */
static int64_t check_topk_configs(mg_mat Q, mg_mat R, int k, mg_nn_metric metric, int excl) {
    size_t n = (size_t)Q.rows * (size_t)k;
    int64_t *ref = malloc(n * sizeof(int64_t)), *idx = malloc(n * sizeof(int64_t));
    double *rv = malloc(n * sizeof(double)), *val = malloc(n * sizeof(double));
    naive_topk(Q, R, k, metric, excl, ref, rv);
    const int64_t blocks[][2] = {{0, 0}, {1, 1}, {3, 7}, {64, 5}, {17, 4096}};
    int64_t rescanned = 0;
    for (int threads = 1; threads <= 3; threads++) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            mg_nn_opts o = {.metric = metric, .exclude_diag = excl, .query_block = blocks[b][0],
                            .ref_block = blocks[b][1]};
            tu_assert_ok(mg_nn_topk(Q, R, k, &o, idx, val));
            assert_memory_equal(idx, ref, n * sizeof(int64_t));
            assert_memory_equal(val, rv, n * sizeof(double));
            rescanned = o.rescanned;
        }
    }
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    free(ref), free(idx), free(rv), free(val);
    return rescanned;
}

/* memratio's fused pass (L2 top k and cosine top kc sharing the Gram
 * blocks) equals the oracle of each, on any blocking and thread count. */
static void check_fused_configs(mg_mat Q, mg_mat R, int k, int kc) {
    size_t n = (size_t)Q.rows * (size_t)k, nc = (size_t)Q.rows * (size_t)kc;
    int64_t *ref = malloc(n * sizeof(int64_t)), *idx = malloc(n * sizeof(int64_t));
    int64_t *cref = malloc(nc * sizeof(int64_t)), *cidx = malloc(nc * sizeof(int64_t));
    double *rv = malloc(n * sizeof(double)), *val = malloc(n * sizeof(double));
    double *crv = malloc(nc * sizeof(double)), *cval = malloc(nc * sizeof(double));
    naive_topk(Q, R, k, MG_NN_L2, 0, ref, rv);
    naive_topk(Q, R, kc, MG_NN_COSINE, 0, cref, crv);
    const int64_t blocks[][2] = {{0, 0}, {1, 1}, {5, 3}, {64, 4096}};
    for (int threads = 1; threads <= 2; threads++) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            mg_nn_opts o = {.query_block = blocks[b][0], .ref_block = blocks[b][1]};
            tu_assert_ok(mg_nn_topk_l2_cosine(Q, R, k, idx, val, kc, cidx, cval, &o));
            assert_memory_equal(idx, ref, n * sizeof(int64_t));
            assert_memory_equal(val, rv, n * sizeof(double));
            assert_memory_equal(cidx, cref, nc * sizeof(int64_t));
            assert_memory_equal(cval, crv, nc * sizeof(double));
        }
    }
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    free(ref), free(idx), free(cref), free(cidx), free(rv), free(val), free(crv), free(cval);
}

/* Random data in both metrics and with self-exclusion: the oracle's answers
 * and bits on any blocking and thread count. */
static void test_topk_random_any_blocking(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 11);
    mg_mat Q = random_mat(&r, 97, 40, 0.5f), R = random_mat(&r, 301, 40, 0.5f);
    check_topk_configs(Q, R, 2, MG_NN_L2, 0);
    check_topk_configs(Q, R, 5, MG_NN_COSINE, 0);
    check_topk_configs(R, R, 3, MG_NN_L2, 1);
    check_topk_configs(R, R, 1, MG_NN_COSINE, 1);
    check_fused_configs(Q, R, 2, 1);
    check_fused_configs(Q, R, 3, 4);
    free(Q.data), free(R.data);
}

/* Adversarial ties: duplicated reference rows, rows at exactly equal
 * distance (q +- e_t on small integers), a zero query and zero rows, and
 * near-ties under a large common offset that float32 cannot separate (those
 * queries must be rescanned in double and still agree with the oracle). */
static void test_topk_ties(void **state) {
    (void)state;
    const int64_t d = 16, n = 200, m = 30;
    mg_mat R = {n, d, d, calloc((size_t)(n * d), sizeof(float))};
    mg_mat Q = {m, d, d, calloc((size_t)(m * d), sizeof(float))};
    for (int64_t j = 0; j < n; j++) /* small integers, many exact ties; rows 100.. duplicate rows 0.. */
        for (int64_t t = 0; t < d; t++) R.data[j * d + t] = (float)(((j % 100) * 7 + t * 3) % 5);
    for (int64_t j = 150; j < 160; j++) memset(R.data + j * d, 0, (size_t)d * sizeof(float)); /* zero rows */
    for (int64_t i = 0; i < m; i++)
        for (int64_t t = 0; t < d; t++) Q.data[i * d + t] = (float)((i * 5 + t * 2) % 5) + (t == i % d ? 0.5f : 0.0f);
    memset(Q.data, 0, (size_t)d * sizeof(float)); /* query 0: the zero row */
    check_topk_configs(Q, R, 2, MG_NN_L2, 0);
    check_topk_configs(Q, R, 3, MG_NN_COSINE, 0);
    check_topk_configs(R, R, 2, MG_NN_L2, 1);
    check_fused_configs(Q, R, 2, 1);
    /* near-ties at offset 1000: r_j = c + (1 + j 1e-4) e_0, q = c */
    for (int64_t j = 0; j < n; j++)
        for (int64_t t = 0; t < d; t++)
            R.data[j * d + t] = 1000.0f + (t == 0 ? 1.0f + 1e-4f * (float)((j * 37) % n) : 0.0f);
    for (int64_t i = 0; i < m; i++)
        for (int64_t t = 0; t < d; t++) Q.data[i * d + t] = 1000.0f + (t == 1 ? 1e-3f * (float)i : 0.0f);
    assert_true(check_topk_configs(Q, R, 2, MG_NN_L2, 0) > 0);
    free(Q.data), free(R.data);
}

/* A ratio exactly at the threshold is not memorized (ratio < threshold), the
 * same on every blocking: q = 0 with neighbours at distances 1 and 3 among
 * far rows, threshold 1/3. */
static void test_ratio_at_threshold(void **state) {
    (void)state;
    const int64_t d = 8, n = 50;
    mg_mat X = {n, d, d, calloc((size_t)(n * d), sizeof(float))}, S = {1, d, d, calloc((size_t)d, sizeof(float))};
    for (int64_t j = 0; j < n; j++) X.data[j * d + 1] = 10.0f + (float)j; /* far rows */
    X.data[7 * d + 0] = 1.0f;
    X.data[7 * d + 1] = 0.0f;
    X.data[31 * d + 2] = -3.0f;
    X.data[31 * d + 1] = 0.0f;
    mg_memratio mr;
    tu_assert_ok(mg_memratio_compute(S, X, 1.0 / 3.0, &mr));
    assert_int_equal(mr.nn1[0], 7);
    assert_int_equal(mr.nn2[0], 31);
    assert_true(mr.ratio[0] == 1.0 / 3.0);
    assert_int_equal(mr.memorized[0], 0);
    mg_memratio_free(&mr);
    tu_assert_ok(mg_memratio_compute(S, X, nextafter(1.0 / 3.0, 1.0), &mr));
    assert_int_equal(mr.memorized[0], 1);
    mg_memratio_free(&mr);
    free(X.data), free(S.data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memratio_upto_scale),
        cmocka_unit_test(test_knn_matches_bruteforce),
        cmocka_unit_test(test_knn_errors),
        cmocka_unit_test(test_max_cosine),
        cmocka_unit_test(test_memratio),
        cmocka_unit_test(test_topk_random_any_blocking),
        cmocka_unit_test(test_topk_ties),
        cmocka_unit_test(test_ratio_at_threshold),
    };
    return cmocka_run_group_tests_name("neighbors", tests, NULL, NULL);
}
