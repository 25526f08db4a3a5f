/*
 * Tests of the Gaussian-mixture generator (paper Eq. 4): the paper's default
 * means, the controlled-cosine construction, orthonormal bases, sample
 * statistics against the parameters (tolerances of 5 standard errors
 * computed from n), a naive-loop oracle for the sampling kernel, exact
 * per-seed reproducibility (also across BLAS thread counts), shuffling and
 * bad specs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "testutil.h"
#include "memgen/mog.h"

/* Pairwise cosine of two length-d vectors. */
static double cosine(const double *a, const double *b, int64_t d) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t i = 0; i < d; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

/* Largest |B^T B - I| entry of a d x d basis (naive loops). */
static double orth_error(const double *B, int64_t d) {
    double worst = 0;
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < d; j++) {
            double s = 0;
            for (int64_t t = 0; t < d; t++) s += B[t * d + i] * B[t * d + j];
            double e = fabs(s - (i == j));
            if (e > worst) worst = e;
        }
    return worst;
}

/* The default spec gives the paper's mu_1 = -mu_2 = 5 e_1, decaying spectrum,
 * random orthonormal bases. */
static void test_paper_default(void **state) {
    (void)state;
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    assert_int_equal(s.K, 2);
    assert_int_equal(s.d, 1000);
    s.d = 40; /* same construction, smaller for speed */
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_mog m;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    tu_assert_ok(mg_mog_validate(&m));
    assert_true(m.means[0] == 5.0);
    assert_true(m.means[40] == -5.0);
    for (int64_t j = 1; j < 40; j++) assert_true(m.means[j] == 0.0 && m.means[40 + j] == 0.0);
    assert_true(m.weights[0] == 0.5 && m.weights[1] == 0.5);
    for (int k = 0; k < 2; k++) {
        for (int64_t j = 0; j < 40; j++) assert_true(fabs(m.eigvals[k * 40 + j] - pow(0.9, (double)j)) < 1e-15);
        assert_true(orth_error(m.bases + k * 1600, 40) < 1e-12);
    }
    /* The two components have different bases. */
    assert_true(memcmp(m.bases, m.bases + 1600, 1600 * sizeof(double)) != 0);
    mg_mog_free(&m);
    mg_mog_free(&m); /* freeing twice is safe */
}

/* Means: norm mean_scale, all pairwise cosines as requested; axis mode keeps
 * them in span(e_1..e_r). */
static void test_mean_cosines(void **state) {
    (void)state;
    const struct {
        int K;
        double c;
        int random;
        int r;
    } cases[] = {{4, 0.3, 1, 4}, {5, NAN, 0, 4}, {3, 0.0, 0, 3}, {6, -0.1, 1, 6}, {1, NAN, 0, 1}, {2, 0.5, 0, 2}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
        s.K = cases[t].K;
        s.d = 12;
        s.mean_cosine = cases[t].c;
        s.mean_random = cases[t].random;
        s.mean_scale = 3.0;
        s.cov_random = 0;
        mg_rng r;
        mg_rng_init(&r, 7 + t);
        mg_mog m;
        tu_assert_ok(mg_mog_make(&s, &r, &m));
        double want = isnan(cases[t].c) ? -1.0 / (s.K - 1) : cases[t].c;
        for (int k = 0; k < s.K; k++) {
            double nn = 0;
            for (int j = 0; j < 12; j++) nn += m.means[k * 12 + j] * m.means[k * 12 + j];
            assert_true(fabs(sqrt(nn) - 3.0) < 1e-12);
            if (!cases[t].random)
                for (int j = cases[t].r; j < 12; j++) assert_true(m.means[k * 12 + j] == 0.0);
            for (int l = 0; l < k; l++) {
                double c = cosine(m.means + k * 12, m.means + l * 12, 12);
                if (fabs(c - want) > 1e-12) print_error("K=%d: cos(%d,%d) = %.15g, want %g\n", s.K, k, l, c, want);
                assert_true(fabs(c - want) < 1e-12);
            }
        }
        /* Axis-aligned covariance: identity bases. */
        for (int j = 0; j < 144; j++) assert_true(m.bases[j] == ((j % 13) == 0 ? 1.0 : 0.0));
        mg_mog_free(&m);
    }
}

/* Sample means and covariances match the parameters within 5 standard errors;
 * directions beyond the rank carry no variance. */
static void test_sample_statistics(void **state) {
    (void)state;
    enum { K = 3, D = 6 };
    const int64_t n_k = 20000, n = K * n_k;
    double wts[K] = {1, 1, 2};
    mg_mog_spec s = {K, D, wts, 4.0, NAN, 1, 2.0, 0.7, 4, 1};
    mg_rng r;
    mg_rng_init(&r, 42);
    mg_mog m;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    assert_true(fabs(m.weights[2] - 0.5) < 1e-15);
    int64_t counts[K] = {n_k, n_k, n_k};
    float *X = malloc((size_t)n * D * sizeof(float));
    int64_t *lab = malloc((size_t)n * sizeof(int64_t));
    tu_assert_ok(mg_mog_sample(&m, counts, 0, &r, (mg_mat){n, m.d, m.d, X}, lab));
    int64_t bad = 0;
    for (int k = 0; k < K; k++) {
        const double *mu = m.means + k * D, *B = m.bases + k * D * D, *ev = m.eigvals + k * D;
        double Sig[D][D];
        for (int i = 0; i < D; i++)
            for (int j = 0; j < D; j++) {
                Sig[i][j] = 0;
                for (int t = 0; t < D; t++) Sig[i][j] += B[i * D + t] * ev[t] * B[j * D + t];
            }
        double mean[D] = {0}, C[D][D] = {{0}};
        for (int64_t i = 0; i < n; i++) {
            if (lab[i] != k) continue;
            assert_true(i >= k * n_k && i < (k + 1) * n_k); /* grouped by component */
            for (int a = 0; a < D; a++) mean[a] += X[i * D + a];
        }
        for (int a = 0; a < D; a++) mean[a] /= (double)n_k;
        for (int64_t i = k * n_k; i < (k + 1) * n_k; i++)
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++) C[a][b] += (X[i * D + a] - mean[a]) * (X[i * D + b] - mean[b]);
        for (int a = 0; a < D; a++) {
            double tol = 5 * sqrt(Sig[a][a] / (double)n_k) + 1e-6;
            if (fabs(mean[a] - mu[a]) > tol) {
                print_error("comp %d mean[%d] = %g, want %g (tol %g)\n", k, a, mean[a], mu[a], tol);
                bad++;
            }
            for (int b = 0; b < D; b++) {
                double c = C[a][b] / (double)(n_k - 1);
                double tolc = 5 * sqrt((Sig[a][a] * Sig[b][b] + Sig[a][b] * Sig[a][b]) / (double)n_k) + 1e-6;
                if (fabs(c - Sig[a][b]) > tolc) {
                    print_error("comp %d cov[%d][%d] = %g, want %g (tol %g)\n", k, a, b, c, Sig[a][b], tolc);
                    bad++;
                }
            }
        }
        /* Rank 4 of 6: no spread along eigenvectors 4 and 5. */
        for (int64_t i = k * n_k; i < (k + 1) * n_k; i++)
            for (int t = 4; t < D; t++) {
                double p = 0;
                for (int a = 0; a < D; a++) p += (X[i * D + a] - mu[a]) * B[a * D + t];
                if (fabs(p) > 1e-5) bad++;
            }
    }
    assert_int_equal(bad, 0);

    /* Weight-drawn components: counts within 5 standard errors of n w_k. */
    tu_assert_ok(mg_mog_sample(&m, NULL, 0, &r, (mg_mat){n, m.d, m.d, X}, lab));
    int64_t got[K] = {0};
    for (int64_t i = 0; i < n; i++) {
        assert_true(lab[i] >= 0 && lab[i] < K);
        got[lab[i]]++;
    }
    for (int k = 0; k < K; k++) {
        double w = m.weights[k], sd = sqrt((double)n * w * (1 - w));
        assert_true(fabs((double)got[k] - n * w) < 5 * sd);
    }
    free(X);
    free(lab);
    mg_mog_free(&m);
}

/* The BLAS sampling kernel equals the naive formula x = mu + B diag(sqrt ev) z
 * with z from the documented stream (fork MG_FORK_MOG_NOISE + k). */
static void test_sample_oracle(void **state) {
    (void)state;
    enum { D = 7, K = 2 };
    mg_mog_spec s = {K, D, NULL, 1.5, 0.2, 1, 1.0, 0.8, 5, 1};
    mg_rng r;
    mg_rng_init(&r, 99);
    mg_mog m;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    int64_t counts[K] = {2500, 3}; /* more than one block for component 0 */
    int64_t n = counts[0] + counts[1];
    float *X = malloc((size_t)n * D * sizeof(float));
    tu_assert_ok(mg_mog_sample(&m, counts, 0, &r, (mg_mat){n, m.d, m.d, X}, NULL));
    float *ref = malloc((size_t)n * D * sizeof(float));
    int64_t row = 0;
    for (int k = 0; k < K; k++) {
        mg_rng zr = mg_rng_fork(&r, MG_FORK_MOG_NOISE + (uint64_t)k);
        double *z = malloc((size_t)counts[k] * 5 * sizeof(double));
        mg_rng_normal_d(&zr, z, (size_t)counts[k] * 5);
        for (int64_t i = 0; i < counts[k]; i++, row++)
            for (int a = 0; a < D; a++) {
                double v = m.means[k * D + a];
                for (int t = 0; t < 5; t++)
                    v += m.bases[(k * D + a) * D + t] * sqrt(m.eigvals[k * D + t]) * z[i * 5 + t];
                ref[row * D + a] = (float)v;
            }
        free(z);
    }
    tu_assert_close_f(X, ref, n * D, 1e-6, 1e-6, "mog sample vs naive");
    free(X);
    free(ref);
    mg_mog_free(&m);
}

/* Same seed, same bits (also with 1 vs several BLAS threads); the first
 * samples of a component do not depend on n; another seed differs. */
static void test_reproducible(void **state) {
    (void)state;
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.d = 64;
    int64_t counts[2] = {300, 200}, n = 500;
    float *X[3];
    int64_t *L[3];
    for (int t = 0; t < 3; t++) {
        openblas_set_num_threads(t == 1 ? 1 : 2);
        mg_rng r;
        mg_rng_init(&r, t == 2 ? 6 : 5);
        mg_mog m;
        tu_assert_ok(mg_mog_make(&s, &r, &m));
        X[t] = malloc((size_t)n * 64 * sizeof(float));
        L[t] = malloc((size_t)n * sizeof(int64_t));
        tu_assert_ok(mg_mog_sample(&m, counts, 1, &r, (mg_mat){n, m.d, m.d, X[t]}, L[t]));
        mg_mog_free(&m);
    }
    assert_memory_equal(X[0], X[1], (size_t)n * 64 * sizeof(float));
    assert_memory_equal(L[0], L[1], (size_t)n * sizeof(int64_t));
    assert_true(memcmp(X[0], X[2], (size_t)n * 64 * sizeof(float)) != 0);

    /* Prefix property: 100 samples of component 0 are the first 100 of 300. */
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_mog m;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    float *A = malloc(500 * 64 * sizeof(float)), *Bm = malloc(101 * 64 * sizeof(float));
    tu_assert_ok(mg_mog_sample(&m, counts, 0, &r, (mg_mat){500, m.d, m.d, A}, NULL));
    int64_t c2[2] = {100, 1};
    tu_assert_ok(mg_mog_sample(&m, c2, 0, &r, (mg_mat){101, m.d, m.d, Bm}, NULL));
    assert_memory_equal(A, Bm, 100 * 64 * sizeof(float));
    assert_memory_equal(A + 300 * 64, Bm + 100 * 64, 64 * sizeof(float));

    /* Shuffle: a permutation of the grouped rows, labels moved along. */
    int64_t *la = malloc(500 * sizeof(int64_t));
    tu_assert_ok(mg_mog_sample(&m, counts, 0, &r, (mg_mat){500, m.d, m.d, A}, la));
    int found = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t j = 0;
        while (j < n && memcmp(X[0] + i * 64, A + j * 64, 64 * sizeof(float)) != 0) j++;
        if (j < n && la[j] == L[0][i]) found++;
    }
    assert_int_equal(found, n);
    int moved = 0;
    for (int64_t i = 0; i < n; i++) moved += memcmp(X[0] + i * 64, A + i * 64, 64 * sizeof(float)) != 0;
    assert_true(moved > n / 2);
    free(la);
    free(A);
    free(Bm);
    mg_mog_free(&m);
    for (int t = 0; t < 3; t++) {
        free(X[t]);
        free(L[t]);
    }
}

/* Invalid specs and sampling arguments are refused with MG_ERR_ARG. */
static void test_bad_specs(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 0);
    mg_mog m;
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.d = 8;
    s.K = 4;
    s.mean_cosine = -0.5; /* below -1/3 */
    assert_int_equal(mg_mog_make(&s, &r, &m), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "cosine"));
    s.mean_cosine = NAN;
    s.d = 2; /* simplex of 4 needs d >= 3 */
    assert_int_equal(mg_mog_make(&s, &r, &m), MG_ERR_ARG);
    s.d = 8;
    s.cov_rate = 1.5;
    assert_int_equal(mg_mog_make(&s, &r, &m), MG_ERR_ARG);
    s.cov_rate = 0.9;
    s.cov_rank = 9;
    assert_int_equal(mg_mog_make(&s, &r, &m), MG_ERR_ARG);
    s.cov_rank = 0;
    double w[4] = {1, 0, 1, 1};
    s.weights = w;
    assert_int_equal(mg_mog_make(&s, &r, &m), MG_ERR_ARG);
    s.weights = NULL;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    float X[16];
    int64_t counts[4] = {1, 1, 1, 0};
    assert_int_equal(mg_mog_sample(&m, counts, 0, &r, (mg_mat){2, m.d, m.d, X}, NULL), MG_ERR_ARG);
    counts[2] = 0;
    assert_int_equal(mg_mog_sample(&m, counts, 0, &r, (mg_mat){2, m.d + 1, m.d + 1, X}, NULL), MG_ERR_SHAPE);
    assert_int_equal(mg_mog_sample(&m, counts, 0, &r, (mg_mat){2, m.d, m.d - 1, X}, NULL), MG_ERR_SHAPE);
    /* Validation catches broken parameters. */
    m.bases[1] = 0.5;
    assert_int_equal(mg_mog_validate(&m), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "orthonormal"));
    m.bases[1] = 0;
    m.eigvals[3] = 5.0;
    assert_int_equal(mg_mog_validate(&m), MG_ERR_ARG);
    m.eigvals[3] = 0.9 * 0.9 * 0.9;
    m.weights[0] = 0.3;
    assert_int_equal(mg_mog_validate(&m), MG_ERR_ARG);
    mg_mog_free(&m);
    assert_int_equal(mg_mog_alloc(&m, 0, 5), MG_ERR_ARG);
    mg_mog_free(NULL);
}

/* Random orthonormal matrices: orthonormal, seed-determined. */
static void test_random_orthonormal(void **state) {
    (void)state;
    double Q[30 * 7], Q2[30 * 7];
    mg_rng r;
    mg_rng_init(&r, 3);
    tu_assert_ok(mg_random_orthonormal(&r, 30, 7, Q));
    mg_rng_init(&r, 3);
    tu_assert_ok(mg_random_orthonormal(&r, 30, 7, Q2));
    assert_memory_equal(Q, Q2, sizeof Q);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            double s = 0;
            for (int t = 0; t < 30; t++) s += Q[t * 7 + i] * Q[t * 7 + j];
            assert_true(fabs(s - (i == j)) < 1e-13);
        }
    assert_int_equal(mg_random_orthonormal(&r, 3, 4, Q), MG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_default),   cmocka_unit_test(test_mean_cosines),
        cmocka_unit_test(test_sample_statistics), cmocka_unit_test(test_sample_oracle),
        cmocka_unit_test(test_reproducible),    cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_random_orthonormal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
