/*
 * Tests of duplicated subsets (Cor. 3.4): picked rows repeated c times with
 * group markers and inherited labels, injected rank-1 clusters, jitter,
 * reproducibility, bad arguments; and the seeded train/test split.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/dup.h"
#include "memgen/split.h"

enum { N = 20, D = 5 };

/* A small dataset with distinct rows and labels i % 3. */
static void make_data(float *X, int64_t *lab) {
    for (int i = 0; i < N; i++) {
        lab[i] = i % 3;
        for (int j = 0; j < D; j++) X[i * D + j] = (float)(i * 10 + j) * 0.25f - 3.0f;
    }
}

/* The rows of a result. */
#define OUT(o) ((const float *)(o).X.data)

/* Pick mode: originals untouched, m groups of c exact rows, markers and labels. */
static void test_pick(void **state) {
    (void)state;
    float X[N * D];
    int64_t lab[N];
    make_data(X, lab);
    mg_rng r;
    mg_rng_init(&r, 11);
    mg_dup_spec s = {4, 3, 0, 0, 0};
    mg_dup_result o;
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D, X}, lab, &s, &r, &o));
    assert_int_equal(o.X.shape[0], N + 4 * 2);
    assert_int_equal(o.X.shape[1], D);
    assert_memory_equal(OUT(o), X, sizeof X);
    int marked = 0;
    for (int64_t i = 0; i < N; i++) {
        if (o.group[i] >= 0) {
            assert_int_equal(o.group[i], i);
            marked++;
        }
        assert_int_equal(o.labels[i], lab[i]);
    }
    assert_int_equal(marked, 4);
    for (int64_t i = N; i < o.X.shape[0]; i++) {
        int64_t g = o.group[i];
        assert_true(g >= 0 && g < N);
        assert_int_equal(o.group[g], g);
        assert_memory_equal(OUT(o) + i * D, X + g * D, D * sizeof(float));
        assert_int_equal(o.labels[i], lab[g]);
        if ((i - N) % 2 == 1) assert_int_equal(o.group[i], o.group[i - 1]); /* copies consecutive */
    }
    /* Each picked row occurs exactly c = 3 times in the output. */
    for (int64_t i = 0; i < N; i++) {
        if (o.group[i] < 0) continue;
        int occ = 0;
        for (int64_t k = 0; k < o.X.shape[0]; k++) occ += memcmp(OUT(o) + k * D, X + i * D, D * sizeof(float)) == 0;
        assert_int_equal(occ, 3);
    }
    /* Same seed: same picks; another seed: different picks. */
    mg_dup_result o2, o3;
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r, &o2));
    assert_memory_equal(o.group, o2.group, (size_t)o.X.shape[0] * sizeof(int64_t));
    assert_null(o2.labels);
    mg_rng r2;
    mg_rng_init(&r2, 12);
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r2, &o3));
    assert_true(memcmp(o.group, o3.group, (size_t)o.X.shape[0] * sizeof(int64_t)) != 0);
    /* The rows as a view into a wider matrix (ld > d): the same result. */
    float Wd[N * (D + 3)];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D + 3; j++) Wd[i * (D + 3) + j] = j < D ? X[i * D + j] : NAN;
    mg_dup_result ow;
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D + 3, Wd}, lab, &s, &r, &ow));
    assert_int_equal(ow.X.shape[0], o.X.shape[0]);
    assert_memory_equal(ow.X.data, o.X.data, mg_array_nbytes(&o.X));
    assert_memory_equal(ow.group, o.group, (size_t)o.X.shape[0] * sizeof(int64_t));
    assert_memory_equal(ow.labels, o.labels, (size_t)o.X.shape[0] * sizeof(int64_t));
    mg_dup_result_free(&ow);
    mg_dup_result_free(&o);
    mg_dup_result_free(&o2);
    mg_dup_result_free(&o3);
    mg_dup_result_free(&o3);
    mg_dup_result_free(NULL);
}

/* Inject mode: new points of the median row norm (or a given norm), each c
 * times, label -1; jitter perturbs only the extra copies, by about jitter. */
static void test_inject_and_jitter(void **state) {
    (void)state;
    float X[N * D];
    int64_t lab[N];
    make_data(X, lab);
    double norms[N];
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int j = 0; j < D; j++) s += (double)X[i * D + j] * X[i * D + j];
        norms[i] = sqrt(s);
    }
    /* median of 20 values: mean of the 10th and 11th smallest */
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            if (norms[j] < norms[i]) {
                double t = norms[i];
                norms[i] = norms[j];
                norms[j] = t;
            }
    double med = 0.5 * (norms[9] + norms[10]);
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_dup_spec s = {3, 4, 1, 0, 0};
    mg_dup_result o;
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D, X}, lab, &s, &r, &o));
    assert_int_equal(o.X.shape[0], N + 12);
    for (int64_t i = 0; i < N; i++) assert_int_equal(o.group[i], -1);
    for (int64_t g = 0; g < 3; g++) {
        int64_t first = N + 4 * g;
        assert_int_equal(o.group[first], first);
        assert_int_equal(o.labels[first], -1);
        double s2 = 0;
        for (int j = 0; j < D; j++) s2 += (double)OUT(o)[first * D + j] * OUT(o)[first * D + j];
        assert_true(fabs(sqrt(s2) - med) < 1e-5 * med);
        for (int k = 1; k < 4; k++) {
            assert_int_equal(o.group[first + k], first);
            assert_memory_equal(OUT(o) + (first + k) * D, OUT(o) + first * D, D * sizeof(float));
        }
    }
    mg_dup_result_free(&o);

    /* Jitter 0.01 with a fixed norm of 7. */
    mg_dup_spec sj = {2, 50, 1, 7.0, 0.01};
    tu_assert_ok(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &sj, &r, &o));
    double ss = 0;
    int64_t cnt = 0;
    for (int64_t i = N; i < o.X.shape[0]; i++) {
        int64_t g = o.group[i];
        if (g == i) {
            double s2 = 0;
            for (int j = 0; j < D; j++) s2 += (double)OUT(o)[i * D + j] * OUT(o)[i * D + j];
            assert_true(fabs(sqrt(s2) - 7.0) < 1e-5);
            continue;
        }
        for (int j = 0; j < D; j++) {
            double e = OUT(o)[i * D + j] - OUT(o)[g * D + j];
            ss += e * e;
            cnt++;
        }
    }
    double sd = sqrt(ss / (double)cnt); /* 490 draws: within 15% of 0.01 */
    assert_true(fabs(sd - 0.01) < 0.0015);
    mg_dup_result_free(&o);
}

/* Bad specifications. */
static void test_dup_errors(void **state) {
    (void)state;
    float X[N * D];
    int64_t lab[N];
    make_data(X, lab);
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_dup_result o;
    mg_dup_spec s = {21, 2, 0, 0, 0};
    assert_int_equal(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r, &o), MG_ERR_ARG);
    assert_null(o.X.data);
    s.count = 2;
    s.times = 1;
    assert_int_equal(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r, &o), MG_ERR_ARG);
    s.times = 2;
    s.jitter = -1;
    assert_int_equal(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r, &o), MG_ERR_ARG);
    s.jitter = 0;
    s.count = 0;
    assert_int_equal(mg_data_duplicate((mg_mat){N, D, D, X}, NULL, &s, &r, &o), MG_ERR_ARG);
}

/* Split: round(n f) test rows, seed-determined, uniform over seeds. */
static void test_split(void **state) {
    (void)state;
    enum { M = 1000 };
    uint8_t a[M], b[M];
    mg_rng r;
    mg_rng_init(&r, 3);
    int64_t nt;
    tu_assert_ok(mg_data_split(M, 0.25, &r, a, &nt));
    assert_int_equal(nt, 250);
    int64_t cnt = 0;
    for (int i = 0; i < M; i++) cnt += a[i];
    assert_int_equal(cnt, 250);
    tu_assert_ok(mg_data_split(M, 0.25, &r, b, &nt));
    assert_memory_equal(a, b, M);
    /* Over 200 seeds every row is test about 25% of the time (5 SE). */
    int hits[M] = {0};
    for (uint64_t seed = 0; seed < 200; seed++) {
        mg_rng_init(&r, seed);
        tu_assert_ok(mg_data_split(M, 0.25, &r, a, NULL));
        for (int i = 0; i < M; i++) hits[i] += a[i];
    }
    int64_t first_half = 0;
    for (int i = 0; i < M / 2; i++) first_half += hits[i];
    double want = 200 * 0.25 * M / 2, se = sqrt(200 * 0.25 * 0.75 * M / 2);
    assert_true(fabs((double)first_half - want) < 5 * se);
    tu_assert_ok(mg_data_split(7, 0.5, &r, a, &nt));
    assert_int_equal(nt, 4);
    tu_assert_ok(mg_data_split(7, 0.0, &r, a, &nt));
    assert_int_equal(nt, 0);
    tu_assert_ok(mg_data_split(7, 1.0, &r, a, &nt));
    assert_int_equal(nt, 7);
    assert_int_equal(mg_data_split(7, 1.5, &r, a, &nt), MG_ERR_ARG);
    assert_int_equal(mg_data_split(0, 0.5, &r, a, &nt), MG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_inject_and_jitter),
        cmocka_unit_test(test_dup_errors),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
