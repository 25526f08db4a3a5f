/*
 * Tests of the posterior-mean (optimal) denoisers: f_emp (Eq. 3) against NumPy and the naive
 * double loop at small and large sigma, its sigma -> 0 limit (the nearest
 * sample) and stability with large norms; f_gt of a Gaussian mixture against
 * NumPy, the Cholesky oracle, a Monte Carlo posterior mean and a d = 1000
 * mixture with a tiny-eigenvalue spectrum; f_gt never reads its workspace
 * before writing it (heap left full of NaN by earlier work does not leak in);
 * f_emp streamed from a file in chunks equals f_emp over the whole file.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/denoiser.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/theory.h"

/* Loads tests/fixtures/theory/<name>.npy (caller frees); name is a string literal. */
#define load(name) tu_fixture_npy("theory/" name ".npy")

/* Eq. 3 matches NumPy at three noise levels, one-shot and with a context. */
static void test_femp_fixture(void **state) {
    (void)state;
    mg_array X = load("femp_X"), Y = load("femp_Y"), S = load("femp_sigmas"), O = load("femp_out");
    mg_mat Xm = mg_mat_of_array(&X), Ym = mg_mat_of_array(&Y);
    float out[7 * 5], naive[7 * 5], ref[7 * 5];
    mg_mat Om = {7, 5, 5, out}, Nm = {7, 5, 5, naive};
    mg_femp *f;
    tu_assert_ok(mg_femp_create(Xm, &f));
    for (int s = 0; s < 3; s++) {
        double sigma = ((double *)S.data)[s];
        for (int i = 0; i < 35; i++) ref[i] = (float)((double *)O.data)[s * 35 + i];
        tu_assert_ok(mg_femp_apply(f, Ym, sigma, Om));
        tu_assert_close_f(out, ref, 35, 2e-6, 2e-5, "f_emp (context)");
        tu_assert_ok(mg_femp_once(Xm, Ym, sigma, Om));
        tu_assert_close_f(out, ref, 35, 2e-6, 2e-5, "f_emp (one-shot)");
        tu_assert_ok(mg_femp_naive(Xm, Ym, sigma, Nm));
        tu_assert_close_f(naive, ref, 35, 2e-6, 2e-5, "f_emp (naive)");
    }
    mg_femp_free(f);
    mg_femp_free(NULL);
    mg_array_free(&X), mg_array_free(&Y), mg_array_free(&S), mg_array_free(&O);
}

/* Against the naive double loop over many sigmas on data with large norms
 * and a large offset (where the GEMM expansion cancels), n > block size. */
static void test_femp_vs_naive(void **state) {
    (void)state;
    int64_t n = 700, d = 64, m = 40;
    float *x = malloc((size_t)(n * d) * sizeof(float)), *y = malloc((size_t)(m * d) * sizeof(float));
    float *a = malloc((size_t)(m * d) * sizeof(float)), *b = malloc((size_t)(m * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, x, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) x[i] += (i % d) == 0 ? 100.0f : 0.0f; /* |x| ~ 100 */
    for (int64_t q = 0; q < m; q++) {
        int64_t src = (q * 37) % n;
        for (int64_t j = 0; j < d; j++) y[q * d + j] = x[src * d + j];
    }
    mg_rng_add_noise(&r, y, 0.3f, y, (size_t)(m * d));
    mg_mat X = {n, d, d, x}, Y = {m, d, d, y}, A = {m, d, d, a}, B = {m, d, d, b};
    double sigmas[] = {0.001, 0.05, 0.3, 1.0, 3.0, 30.0};
    mg_femp *f;
    tu_assert_ok(mg_femp_create(X, &f));
    for (size_t s = 0; s < sizeof(sigmas) / sizeof(sigmas[0]); s++) {
        tu_assert_ok(mg_femp_apply(f, Y, sigmas[s], A));
        tu_assert_ok(mg_femp_naive(X, Y, sigmas[s], B));
        char what[64];
        snprintf(what, sizeof(what), "f_emp sigma=%g", sigmas[s]);
        tu_assert_close_f(a, b, m * d, 1e-4, 1e-5, what);
    }
    mg_femp_free(f);
    free(x), free(y), free(a), free(b);
}

/* The same bits on 1 and on 2 threads (sampling stays reproducible). */
static void test_femp_thread_independent(void **state) {
    (void)state;
#ifdef _OPENMP
    int64_t n = 3000, d = 96, m = 70;
    float *x = malloc((size_t)(n * d) * sizeof(float)), *y = malloc((size_t)(m * d) * sizeof(float));
    float *a = malloc((size_t)(m * d) * sizeof(float)), *b = malloc((size_t)(m * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 15);
    mg_rng_normal(&r, x, (size_t)(n * d));
    mg_rng_normal(&r, y, (size_t)(m * d));
    for (int64_t i = 0; i < m * d; i++) y[i] = x[i] + 0.5f * y[i];
    mg_mat X = {n, d, d, x}, Y = {m, d, d, y}, A = {m, d, d, a}, B = {m, d, d, b};
    int saved = omp_get_max_threads();
    for (int s = 0; s < 2; s++) {
        double sigma = s ? 2.0 : 0.3;
        omp_set_num_threads(1);
        tu_assert_ok(mg_femp_once(X, Y, sigma, A));
        omp_set_num_threads(2);
        tu_assert_ok(mg_femp_once(X, Y, sigma, B));
        assert_memory_equal(a, b, (size_t)(m * d) * sizeof(float));
    }
    omp_set_num_threads(saved);
    free(x), free(y), free(a), free(b);
#else
    skip();
#endif
}

/* sigma -> 0 (and sigma = 0) returns exactly the nearest training sample,
 * lowest index on ties; shape errors are refused. */
static void test_femp_small_sigma(void **state) {
    (void)state;
    int64_t n = 50, d = 16, m = 20;
    float *x = malloc((size_t)(n * d) * sizeof(float)), *y = malloc((size_t)(m * d) * sizeof(float));
    float *o = malloc((size_t)(m * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 8);
    mg_rng_normal(&r, x, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) x[i] = 1000.0f + 5.0f * x[i]; /* huge offset */
    mg_rng_normal(&r, y, (size_t)(m * d));
    for (int64_t i = 0; i < m * d; i++) y[i] = 1000.0f + 5.0f * y[i];
    memcpy(x + 7 * d, x + 3 * d, (size_t)d * sizeof(float)); /* an exact duplicate: row 3 wins */
    memcpy(y, x + 3 * d, (size_t)d * sizeof(float));
    mg_mat X = {n, d, d, x}, Y = {m, d, d, y}, O = {m, d, d, o};
    for (int z = 0; z < 2; z++) {
        double sigma = z ? 0.0 : 1e-6;
        tu_assert_ok(mg_femp_once(X, Y, sigma, O));
        for (int64_t q = 0; q < m; q++) {
            int64_t best = 0;
            double bd = INFINITY;
            for (int64_t j = 0; j < n; j++) {
                double s = 0;
                for (int64_t l = 0; l < d; l++) s += ((double)y[q * d + l] - x[j * d + l]) * ((double)y[q * d + l] - x[j * d + l]);
                if (s < bd) bd = s, best = j;
            }
            assert_memory_equal(o + q * d, x + best * d, (size_t)d * sizeof(float));
        }
    }
    mg_mat bad = {m, d - 1, d - 1, y};
    assert_int_equal(mg_femp_once(X, bad, 0.1, O), MG_ERR_SHAPE);
    assert_int_equal(mg_femp_once(X, Y, -1, O), MG_ERR_ARG);
    assert_int_equal(mg_femp_once(X, Y, 0.1, Y), MG_ERR_ARG);
    free(x), free(y), free(o);
}

/* Copies the fixture mixture into an mg_mog. */
static void fixture_mog(mg_mog *m) {
    mg_array mu = load("fgt_means"), ev = load("fgt_eigvals"), B = load("fgt_bases"), w = load("fgt_weights");
    tu_assert_ok(mg_mog_alloc(m, 3, 4));
    memcpy(m->means, mu.data, 12 * sizeof(double));
    memcpy(m->eigvals, ev.data, 12 * sizeof(double));
    memcpy(m->bases, B.data, 48 * sizeof(double));
    memcpy(m->weights, w.data, 3 * sizeof(double));
    mg_array_free(&mu), mg_array_free(&ev), mg_array_free(&B), mg_array_free(&w);
}

/* f_gt matches NumPy (explicit covariances) and the Cholesky oracle,
 * posteriors included. */
static void test_fgt_fixture(void **state) {
    (void)state;
    mg_mog mog;
    fixture_mog(&mog);
    mg_array Y = load("fgt_Y"), S = load("fgt_sigma"), O = load("fgt_out"), P = load("fgt_post");
    double sigma = ((double *)S.data)[0];
    float out[40], ref[40];
    double post[30], postn[30];
    mg_mat Om = {10, 4, 4, out};
    for (int i = 0; i < 40; i++) ref[i] = (float)((double *)O.data)[i];
    tu_assert_ok(mg_fgt(&mog, mg_mat_of_array(&Y), sigma, Om, post));
    tu_assert_close_f(out, ref, 40, 1e-6, 1e-5, "f_gt");
    tu_assert_close_d(post, P.data, 30, 1e-10, 1e-8, "posteriors");
    tu_assert_ok(mg_fgt_naive(&mog, mg_mat_of_array(&Y), sigma, Om, postn));
    tu_assert_close_f(out, ref, 40, 1e-6, 1e-5, "f_gt (naive)");
    tu_assert_close_d(postn, P.data, 30, 1e-10, 1e-8, "posteriors (naive)");
    tu_assert_ok(mg_fgt(&mog, mg_mat_of_array(&Y), sigma, Om, NULL));
    mg_mat bad = {10, 4, 4, out};
    mg_mat Yw = {10, 3, 4, Y.data};
    assert_int_equal(mg_fgt(&mog, Yw, sigma, bad, NULL), MG_ERR_SHAPE);
    mog.eigvals[3] = 0.0;
    assert_int_equal(mg_fgt(&mog, mg_mat_of_array(&Y), 0.0, Om, NULL), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "sigma > 0"));
    mg_mog_free(&mog);
    mg_array_free(&Y), mg_array_free(&S), mg_array_free(&O), mg_array_free(&P);
}

/* f_gt is the posterior mean: E[x | y] by self-normalised importance
 * sampling from the mixture agrees within the Monte Carlo error. */
static void test_fgt_monte_carlo(void **state) {
    (void)state;
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.K = 3, s.d = 3, s.mean_scale = 2.0, s.cov_scale = 0.5, s.cov_rate = 0.5;
    mg_rng r;
    mg_rng_init(&r, 4);
    mg_mog mog;
    tu_assert_ok(mg_mog_make(&s, &r, &mog));
    int64_t N = 400000, d = 3;
    float *xs = malloc((size_t)(N * d) * sizeof(float));
    tu_assert_ok(mg_mog_sample(&mog, NULL, 0, &r, (mg_mat){N, mog.d, mog.d, xs}, NULL));
    double sigma = 0.8;
    float yq[4 * 3] = {0.5f, 0.2f, 0.0f, -1.0f, 1.0f, 0.5f, 2.5f, -0.5f, 0.3f, 0.0f, 0.0f, 0.0f};
    float out[12];
    mg_mat Y = {4, 3, 3, yq}, O = {4, 3, 3, out};
    tu_assert_ok(mg_fgt(&mog, Y, sigma, O, NULL));
    for (int q = 0; q < 4; q++) {
        double sw = 0, sw2 = 0, acc[3] = {0}, acc2[3] = {0};
        for (int64_t t = 0; t < N; t++) {
            double dd = 0;
            for (int j = 0; j < 3; j++) dd += (yq[q * 3 + j] - xs[t * 3 + j]) * (yq[q * 3 + j] - xs[t * 3 + j]);
            double w = exp(-dd / (2 * sigma * sigma));
            sw += w, sw2 += w * w;
            for (int j = 0; j < 3; j++) acc[j] += w * xs[t * 3 + j], acc2[j] += w * xs[t * 3 + j] * xs[t * 3 + j];
        }
        double ess = sw * sw / sw2;
        for (int j = 0; j < 3; j++) {
            double mean = acc[j] / sw, var = acc2[j] / sw - mean * mean;
            double se = sqrt(var / ess);
            assert_true(fabs(out[q * 3 + j] - mean) < 5 * se + 1e-6);
        }
    }
    free(xs);
    mg_mog_free(&mog);
}

/* d = 1000, eigenvalues decaying to 1e-8, sigma = 0.01: log-densities span
 * ~1e7, yet the result is finite and equals the single-Gaussian Wiener filter
 * of the (overwhelmingly) responsible component, matching the naive oracle's
 * per-coordinate formula in an axis-aligned basis. */
static void test_fgt_high_dim(void **state) {
    (void)state;
    int64_t d = 1000, m = 3;
    mg_mog mog;
    tu_assert_ok(mg_mog_alloc(&mog, 2, d)); /* identity bases */
    mog.weights[0] = 0.3, mog.weights[1] = 0.7;
    for (int k = 0; k < 2; k++)
        for (int64_t j = 0; j < d; j++) mog.eigvals[k * d + j] = pow(0.982, (double)j); /* 1 .. 1.3e-8 */
    mog.means[0] = 5.0, mog.means[d] = -5.0;
    float *y = malloc((size_t)(m * d) * sizeof(float)), *o = malloc((size_t)(m * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 6);
    mg_rng_normal(&r, y, (size_t)(m * d));
    for (int64_t q = 0; q < m; q++) y[q * d] += q == 1 ? -5.0f : 5.0f;
    mg_mat Y = {m, d, d, y}, O = {m, d, d, o};
    double sigma = 0.01, post[6];
    tu_assert_ok(mg_fgt(&mog, Y, sigma, O, post));
    for (int64_t q = 0; q < m; q++) {
        int k = q == 1;
        assert_true(fabs(post[q * 2 + k] - 1) < 1e-12);
        for (int64_t j = 0; j < d; j++) {
            double ev = mog.eigvals[k * d + j], mu = mog.means[k * d + j];
            double want = mu + ev / (ev + sigma * sigma) * (y[q * d + j] - mu);
            assert_true(isfinite(o[q * d + j]));
            assert_true(fabs(o[q * d + j] - want) < 1e-5 * (1 + fabs(want)));
        }
    }
    free(y), free(o);
    mg_mog_free(&mog);
}

/* f_gt's running sum starts from its first component's term, not from the
 * workspace's old contents: with the heap's recently freed blocks (the sizes
 * f_gt allocates next from) filled with NaN, the result is still finite and equal
 * to the Cholesky oracle. (It once computed old * 0 + term, and NaN * 0 is NaN.) */
static void test_fgt_ignores_stale_memory(void **state) {
    (void)state;
    int64_t d = 6, m = 5;
    mg_mog mog;
    tu_assert_ok(mg_mog_alloc(&mog, 2, d));
    mog.weights[0] = 0.5, mog.weights[1] = 0.5;
    for (int64_t j = 0; j < 2 * d; j++) mog.eigvals[j] = 0.5;
    mog.means[0] = 2.0, mog.means[d + 1] = 2.0;
    float y[5 * 6], o[5 * 6], ref[5 * 6];
    mg_rng r;
    mg_rng_init(&r, 9);
    mg_rng_normal(&r, y, (size_t)(m * d));
    mg_mat Y = {m, d, d, y}, O = {m, d, d, o}, R = {m, d, d, ref};
    for (int round = 0; round < 3; round++) {
        double *junk[64]; /* blocks of the sizes f_gt takes (mg_alloc: 64-byte aligned), full of NaN */
        for (int j = 0; j < 64; j++) {
            size_t cnt = (size_t)(32 + 8 * (j % 4));
            junk[j] = mg_alloc(cnt, sizeof(double));
            assert_non_null(junk[j]);
            for (size_t l = 0; l < cnt; l++) junk[j][l] = NAN;
        }
        for (int j = 63; j >= 0; j--) free(junk[j]);
        tu_assert_ok(mg_fgt(&mog, Y, 0.3, O, NULL));
        for (int64_t j = 0; j < m * d; j++) assert_true(isfinite(o[j]));
    }
    tu_assert_ok(mg_fgt_naive(&mog, Y, 0.3, R, NULL));
    tu_assert_close_f(o, ref, (size_t)(m * d), 1e-5, 1e-5, "f_gt after stale memory");
    mg_mog_free(&mog);
}

/* f_emp streamed from an .npy file in chunks (online log-sum-exp over the
 * chunks' normalisers) equals f_emp over the whole set up to float rounding,
 * for chunks of 1 row to more than the file, at sigma = 0 (the nearest row,
 * lowest index on ties: a duplicated row) to large sigma. */
static void test_femp_chunked_equals_whole(void **state) {
    (void)state;
    int64_t n = 300, d = 48, m = 25;
    mg_array xa = {0};
    int64_t shape[2] = {n, d};
    tu_assert_ok(mg_array_alloc(&xa, MG_F32, 2, shape));
    float *x = xa.data, *y = malloc((size_t)(m * d) * sizeof(float));
    float *a = malloc((size_t)(m * d) * sizeof(float)), *b = malloc((size_t)(m * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 9);
    mg_rng_normal(&r, x, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) x[i] += (i % d) == 0 ? 30.0f : 0.0f;
    memcpy(x + 200 * d, x + 17 * d, (size_t)d * sizeof(float)); /* a duplicate in another chunk */
    for (int64_t q = 0; q < m; q++)
        for (int64_t j = 0; j < d; j++) y[q * d + j] = x[((q * 37) % n) * d + j];
    mg_rng_add_noise(&r, y, 0.3f, y, (size_t)(m * d));
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "x.npy");
    tu_assert_ok(mg_npy_write(path, &xa));
    mg_mat X = {n, d, d, x}, Y = {m, d, d, y}, A = {m, d, d, a}, B = {m, d, d, b};
    mg_denoiser whole;
    tu_assert_ok(mg_denoiser_emp(X, &whole));
    const int64_t chunks[] = {1, 7, 64, 299, 300, 1000};
    const double sigmas[] = {0.0, 0.001, 0.05, 0.3, 1.0, 3.0, 30.0};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        mg_denoiser ch;
        tu_assert_ok(mg_denoiser_emp_chunked(path, chunks[c], &ch));
        for (size_t s = 0; s < sizeof sigmas / sizeof sigmas[0]; s++) {
            if (sigmas[s] == 0) { /* mg_denoise takes sigma > 0: the backends directly */
                tu_assert_ok(whole.fn(whole.ctx, 0.0, Y, A));
                tu_assert_ok(ch.fn(ch.ctx, 0.0, Y, B));
                assert_memory_equal(a, b, (size_t)(m * d) * sizeof(float));
                continue;
            }
            tu_assert_ok(mg_denoise(&whole, sigmas[s], Y, A));
            tu_assert_ok(mg_denoise(&ch, sigmas[s], Y, B));
            char what[64];
            snprintf(what, sizeof what, "chunked f_emp, chunk %lld sigma=%g", (long long)chunks[c], sigmas[s]);
            tu_assert_close_f(b, a, m * d, 2e-5, 1e-6, what);
        }
        mg_denoiser_free(&ch);
    }
    mg_denoiser_free(&whole);
    tu_rmtree(dir);
    free(dir), free(path), free(y), free(a), free(b);
    mg_array_free(&xa);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_femp_fixture),
        cmocka_unit_test(test_femp_vs_naive),
        cmocka_unit_test(test_femp_thread_independent),
        cmocka_unit_test(test_femp_small_sigma),
        cmocka_unit_test(test_femp_chunked_equals_whole),
        cmocka_unit_test(test_fgt_fixture),
        cmocka_unit_test(test_fgt_monte_carlo),
        cmocka_unit_test(test_fgt_high_dim),
        cmocka_unit_test(test_fgt_ignores_stale_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
