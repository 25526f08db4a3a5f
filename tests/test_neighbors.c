/*
 * Tests of exact nearest neighbours, maximal cosine similarity and the
 * memorization measures against brute-force double loops.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/memorization.h"
#include "memgen/neighbors.h"
#include "memgen/rng.h"

/* Brute-force k-NN in double (the oracle). */
static void naive_knn(mg_mat Q, mg_mat R, int k, int excl, int64_t *idx, double *dist) {
    for (int64_t i = 0; i < Q.rows; i++) {
        for (int a = 0; a < k; a++) {
            idx[i * k + a] = -1;
            dist[i * k + a] = INFINITY;
        }
        for (int64_t j = 0; j < R.rows; j++) {
            if (excl && i == j) continue;
            double s = 0;
            for (int64_t t = 0; t < Q.cols; t++) {
                double u = (double)Q.data[i * Q.ld + t] - R.data[j * R.ld + t];
                s += u * u;
            }
            s = sqrt(s);
            int pos = k;
            while (pos > 0 && dist[i * k + pos - 1] > s) pos--;
            if (pos == k) continue;
            for (int b = k - 1; b > pos; b--) {
                dist[i * k + b] = dist[i * k + b - 1];
                idx[i * k + b] = idx[i * k + b - 1];
            }
            dist[i * k + pos] = s;
            idx[i * k + pos] = j;
        }
    }
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memratio_upto_scale),
        cmocka_unit_test(test_knn_matches_bruteforce),
        cmocka_unit_test(test_knn_errors),
        cmocka_unit_test(test_max_cosine),
        cmocka_unit_test(test_memratio),
    };
    return cmocka_run_group_tests_name("neighbors", tests, NULL, NULL);
}
