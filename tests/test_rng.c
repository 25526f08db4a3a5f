/*
 * Tests of the Philox4x32-10 generator: known-answer vectors (Random123),
 * independence of the thread count and of call splitting, accuracy of the
 * float Box-Muller against libm in double, distribution checks (moments and a
 * Kolmogorov-Smirnov statistic), integer draws and permutations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/rng.h"

/* Random123's published philox4x32_10 known answers. */
static void test_philox_kat(void **state) {
    (void)state;
    uint32_t out[4];
    mg_rng_block(0, 0, 0, out);
    uint32_t w1[4] = {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u};
    assert_memory_equal(out, w1, sizeof w1);
    mg_rng_block(UINT64_MAX, UINT64_MAX, UINT64_MAX, out);
    uint32_t w2[4] = {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu};
    assert_memory_equal(out, w2, sizeof w2);
    mg_rng_block(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull, out);
    uint32_t w3[4] = {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u};
    assert_memory_equal(out, w3, sizeof w3);
}

/* Same numbers for any thread count, and for a call split on block edges. */
static void test_thread_and_split_independence(void **state) {
    (void)state;
    size_t n = 1 << 20;
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
    mg_rng r;
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    mg_rng_init(&r, 42);
    mg_rng_normal(&r, a, n);
    assert_int_equal(r.counter, n / 4);
#ifdef _OPENMP
    omp_set_num_threads(4);
#endif
    mg_rng_init(&r, 42);
    mg_rng_normal(&r, b, n);
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    assert_memory_equal(a, b, n * sizeof(float));
    /* split into calls of multiples of 4 */
    mg_rng_init(&r, 42);
    mg_rng_normal(&r, b, 1000);
    mg_rng_normal(&r, b + 1000, 4);
    mg_rng_normal(&r, b + 1004, n - 1004);
    assert_memory_equal(a, b, n * sizeof(float));
    /* a partial block consumes the whole block */
    mg_rng_init(&r, 42);
    mg_rng_normal(&r, b, 5);
    assert_int_equal(r.counter, 2);
    free(a);
    free(b);
}

/* The float Box-Muller equals the double libm transform of the same bits. */
static void test_normal_accuracy(void **state) {
    (void)state;
    size_t nblocks = 1 << 16;
    float *z = malloc(4 * nblocks * sizeof(float));
    double *ref = malloc(4 * nblocks * sizeof(double));
    mg_rng r;
    mg_rng_init(&r, 7);
    r.stream = 3;
    mg_rng_normal(&r, z, 4 * nblocks);
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t w[4];
        mg_rng_block(7, 3, i, w);
        for (int pair = 0; pair < 2; pair++) {
            double u1 = (double)((w[2 * pair] >> 8) + 1u) * 0x1.0p-24;
            double u2 = (double)(w[2 * pair + 1] >> 8) * 0x1.0p-24;
            double rad = sqrt(-2.0 * log(u1));
            ref[4 * i + 2 * pair] = rad * cos(6.283185307179586 * u2);
            ref[4 * i + 2 * pair + 1] = rad * sin(6.283185307179586 * u2);
        }
    }
    double maxerr = 0;
    for (size_t i = 0; i < 4 * nblocks; i++) {
        double e = fabs(z[i] - ref[i]) / (1.0 + fabs(ref[i]));
        if (e > maxerr) maxerr = e;
    }
    print_message("max relative error vs double Box-Muller: %.3g\n", maxerr);
    assert_true(maxerr < 1e-6);
    free(z);
    free(ref);
}

/* Standard normal CDF. */
static double phi(double x) { return 0.5 * erfc(-x / sqrt(2.0)); }

/* Compares doubles for qsort. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Moments and the KS distance of n samples against N(0, 1). */
static void check_normal_sample(const double *v, size_t n) {
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++) m1 += v[i];
    m1 /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - m1, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= (double)n;
    m3 /= (double)n;
    m4 /= (double)n;
    double se = 1.0 / sqrt((double)n);
    print_message("mean %.5f var %.5f skew %.5f kurt %.5f\n", m1, m2, m3 / pow(m2, 1.5), m4 / (m2 * m2));
    assert_true(fabs(m1) < 5 * se);
    assert_true(fabs(m2 - 1) < 5 * sqrt(2.0) * se);
    assert_true(fabs(m3 / pow(m2, 1.5)) < 5 * sqrt(6.0) * se);
    assert_true(fabs(m4 / (m2 * m2) - 3) < 5 * sqrt(24.0) * se);
    double *s = malloc(n * sizeof(double));
    memcpy(s, v, n * sizeof(double));
    qsort(s, n, sizeof(double), cmp_double);
    double dmax = 0;
    for (size_t i = 0; i < n; i++) {
        double f = phi(s[i]);
        double d = fmax(fabs(f - (double)i / (double)n), fabs(f - (double)(i + 1) / (double)n));
        if (d > dmax) dmax = d;
    }
    free(s);
    print_message("KS D = %.5f (1%% critical %.5f)\n", dmax, 1.63 * se);
    assert_true(dmax < 1.63 * se);
}

/* Float and double normals are N(0, 1). */
static void test_normal_distribution(void **state) {
    (void)state;
    size_t n = 1 << 20;
    float *z = malloc(n * sizeof(float));
    double *v = malloc(n * sizeof(double));
    mg_rng r;
    mg_rng_init(&r, 2024);
    mg_rng_normal(&r, z, n);
    for (size_t i = 0; i < n; i++) v[i] = z[i];
    check_normal_sample(v, n);
    mg_rng_normal_d(&r, v, n);
    check_normal_sample(v, n);
    free(z);
    free(v);
}

/* add_noise is x + sigma * (the normals mg_rng_normal gives). */
static void test_add_noise(void **state) {
    (void)state;
    size_t n = 1001;
    float x[1001], y[1001], z[1001], want[1001];
    for (size_t i = 0; i < n; i++) x[i] = (float)i * 0.01f;
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_add_noise(&r, x, 0.3f, y, n);
    uint64_t c = r.counter;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, z, n);
    assert_int_equal(r.counter, c);
    for (size_t i = 0; i < n; i++) want[i] = x[i] + 0.3f * z[i];
    tu_assert_close_f(y, want, (int64_t)n, 0, 0, "add_noise");
    mg_rng_init(&r, 5);
    memcpy(y, x, sizeof x);
    mg_rng_add_noise(&r, y, 0.3f, y, n); /* in place */
    tu_assert_close_f(y, want, (int64_t)n, 0, 0, "add_noise in place");
    /* pieces through add_noise_at, at every alignment and across batches of
       64 values, give the same bits and leave r alone */
    const size_t cuts[] = {0, 1, 2, 3, 5, 63, 64, 67, 130, 700, 999, 1001};
    mg_rng_init(&r, 5);
    r.counter = 0;
    memset(y, 0, sizeof y);
    for (size_t k = 0; k + 1 < sizeof cuts / sizeof cuts[0]; k++)
        mg_rng_add_noise_at(&r, cuts[k], x + cuts[k], 0.3f, y + cuts[k], cuts[k + 1] - cuts[k]);
    assert_int_equal(r.counter, 0);
    tu_assert_close_f(y, want, (int64_t)n, 0, 0, "add_noise_at pieces");
}

/* Forked streams are reproducible, distinct from each other and the parent. */
static void test_fork(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 9);
    mg_rng a = mg_rng_fork(&r, 1), a2 = mg_rng_fork(&r, 1), b = mg_rng_fork(&r, 2);
    assert_true(a.stream == a2.stream && a.counter == 0);
    assert_true(a.stream != b.stream && a.stream != r.stream && b.stream != r.stream);
    float x[8], y[8];
    mg_rng_normal(&a, x, 8);
    mg_rng_normal(&b, y, 8);
    assert_memory_not_equal(x, y, sizeof x);
}

/* Uniform integers: in range, chi-square-uniform; permutations are valid. */
static void test_integers(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 11);
    enum { K = 10, N = 100000 };
    int64_t count[K] = {0};
    for (int i = 0; i < N; i++) {
        uint64_t v = mg_rng_below(&r, K);
        assert_true(v < K);
        count[v]++;
    }
    double chi2 = 0, e = (double)N / K;
    for (int k = 0; k < K; k++) chi2 += (count[k] - e) * (count[k] - e) / e;
    assert_true(chi2 < 27.88); /* 0.1% critical value, 9 dof */
    int64_t perm[1000];
    int seen[1000] = {0};
    mg_rng_permutation(&r, perm, 1000);
    for (int i = 0; i < 1000; i++) seen[perm[i]]++;
    for (int i = 0; i < 1000; i++) assert_int_equal(seen[i], 1);
    float u[1003];
    mg_rng_uniform(&r, u, 1003);
    double mean = 0;
    for (int i = 0; i < 1003; i++) {
        assert_true(u[i] >= 0.0f && u[i] < 1.0f);
        mean += u[i];
    }
    assert_true(fabs(mean / 1003 - 0.5) < 5 * sqrt(1.0 / 12 / 1003));
    double d = mg_rng_uniform_d(&r);
    assert_true(d >= 0.0 && d < 1.0);
    assert_int_equal(mg_rng_below(&r, 1), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_thread_and_split_independence),
        cmocka_unit_test(test_normal_accuracy),
        cmocka_unit_test(test_normal_distribution),
        cmocka_unit_test(test_add_noise),
        cmocka_unit_test(test_fork),
        cmocka_unit_test(test_integers),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
