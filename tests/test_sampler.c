/*
 * Tests of the VE samplers with analytic denoisers: the Gaussian N(0, c^2 I)
 * (f(y) = c^2/(c^2+sigma^2) y, whose samples must have variance c^2), and a
 * point mass (every sampler must return the point). Also DDIM == Euler,
 * independence of the chunk size, trajectories and argument checks; the
 * authors' sampler (their ve_sample_x0, written out here as they wrote it)
 * equals the ancestral sampler on their time-conditioned model, and a clamp
 * keeps every step of every sampler inside [lo, hi]. A stop request ends a
 * run with MG_ERR_INTERRUPTED.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/tcdae.h"
#include "memgen/train.h"

/* Analytic Gaussian denoiser: ctx points to c^2. */
static mg_status gauss_fn(void *ctx, double sigma, mg_mat X, mg_mat Y) {
    double c2 = *(double *)ctx;
    float a = (float)(c2 / (c2 + sigma * sigma));
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = 0; j < X.cols; j++) Y.data[i * Y.ld + j] = a * X.data[i * X.ld + j];
    return MG_OK;
}

/* Point-mass denoiser: always returns the point in ctx (d floats). */
static mg_status point_fn(void *ctx, double sigma, mg_mat X, mg_mat Y) {
    const float *p = ctx;
    for (int64_t i = 0; i < X.rows; i++) memcpy(Y.data + i * Y.ld, p, (size_t)X.cols * sizeof(float));
    return MG_OK;
}

/* Sample variance over all entries. */
static double variance(const float *x, int64_t n) {
    double m = 0, v = 0;
    for (int64_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (int64_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return v / (double)(n - 1);
}

/* Every sampler turns N(0, smax^2) into N(0, c^2) for Gaussian data. */
static void test_gaussian_variance(void **state) {
    (void)state;
    double c2 = 0.25;
    mg_denoiser den = {16, &c2, gauss_fn, NULL, "gauss"};
    double *sig;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.01:100:400", &sig, &K));
    int64_t n = 2000, d = 16;
    float *X = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 1);
    for (int kind = 0; kind < 4; kind++) {
        mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
        p.kind = (mg_sampler_kind)kind;
        p.sigmas = sig;
        p.nsigmas = K;
        mg_mat Xm = {n, d, d, X};
        tu_assert_ok(mg_sample(&den, &p, &r, Xm));
        double v = variance(X, n * d);
        print_message("%s: variance %.4f (want %.4f)\n", mg_sampler_name(p.kind), v, c2);
        /* statistical error ~ sqrt(2/(n d)) = 0.8%; discretisation well below */
        assert_true(fabs(v / c2 - 1) < 0.05);
    }
    free(X);
    free(sig);
}

/* A point-mass denoiser makes every sampler return the point exactly. */
static void test_point_mass(void **state) {
    (void)state;
    float pt[3] = {1.5f, -2.0f, 0.25f};
    mg_denoiser den = {3, pt, point_fn, NULL, "point"};
    double sig[3] = {0.1, 0.5, 2.0};
    float X[5 * 3];
    mg_rng r;
    mg_rng_init(&r, 2);
    for (int kind = 0; kind < 4; kind++) {
        mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
        p.kind = (mg_sampler_kind)kind;
        p.sigmas = sig;
        p.nsigmas = 3;
        mg_mat Xm = {5, 3, 3, X};
        tu_assert_ok(mg_sample(&den, &p, &r, Xm));
        for (int i = 0; i < 5; i++) tu_assert_close_f(X + 3 * i, pt, 3, 1e-6, 0, "point");
    }
}

/* DDIM and Euler agree; results do not depend on the chunk size; the
 * trajectory starts at the initial noise and ends at the result. */
static void test_equivalences(void **state) {
    (void)state;
    double c2 = 1.0;
    mg_denoiser den = {8, &c2, gauss_fn, NULL, "gauss"};
    double *sig;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.02:2:10", &sig, &K));
    int64_t n = 37, d = 8;
    float *A = malloc((size_t)(n * d) * 4), *B = malloc((size_t)(n * d) * 4);
    float *traj = malloc((size_t)((K + 1) * n * d) * 4);
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.sigmas = sig;
    p.nsigmas = K;
    mg_mat Am = {n, d, d, A}, Bm = {n, d, d, B};
    tu_assert_ok(mg_sample(&den, &p, &r, Am));
    p.kind = MG_SAMPLER_EULER;
    tu_assert_ok(mg_sample(&den, &p, &r, Bm));
    tu_assert_close_f(B, A, n * d, 1e-5, 1e-5, "euler vs ddim");
    p.kind = MG_SAMPLER_ANCESTRAL;
    p.chunk = 0;
    p.trajectory = traj;
    tu_assert_ok(mg_sample(&den, &p, &r, Am));
    p.chunk = 7;
    p.trajectory = NULL;
    tu_assert_ok(mg_sample(&den, &p, &r, Bm));
    assert_memory_equal(A, B, (size_t)(n * d) * 4);
    tu_assert_close_f(traj + K * n * d, A, n * d, 0, 0, "trajectory end");
    /* the first slice is sigma_max times the per-sample normals */
    mg_rng f = mg_rng_fork(&r, 5);
    float z[8];
    mg_rng_normal(&f, z, 8);
    for (int j = 0; j < 8; j++) z[j] *= 2.0f;
    tu_assert_close_f(traj + 5 * d, z, d, 1e-6, 1e-6, "trajectory start");
    free(A);
    free(B);
    free(traj);
    free(sig);
}

/* Bad grids and shapes are refused. */
static void test_errors(void **state) {
    (void)state;
    double c2 = 1.0;
    mg_denoiser den = {4, &c2, gauss_fn, NULL, "gauss"};
    float X[8];
    mg_mat Xm = {2, 4, 4, X}, Xbad = {2, 3, 3, X};
    mg_rng r;
    mg_rng_init(&r, 0);
    double desc[2] = {2.0, 1.0}, neg[2] = {-1.0, 1.0}, ok[2] = {0.5, 1.0};
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.nsigmas = 2;
    p.sigmas = desc;
    assert_int_equal(mg_sample(&den, &p, &r, Xm), MG_ERR_ARG);
    p.sigmas = neg;
    assert_int_equal(mg_sample(&den, &p, &r, Xm), MG_ERR_ARG);
    p.sigmas = ok;
    assert_int_equal(mg_sample(&den, &p, &r, Xbad), MG_ERR_SHAPE);
    mg_sampler_kind k;
    assert_int_equal(mg_sampler_parse("ddpm", &k), MG_ERR_ARG);
    tu_assert_ok(mg_sampler_parse("heun", &k));
    assert_int_equal(k, MG_SAMPLER_HEUN);
}

/* A time-conditioned model with nonzero gates and skip (d x p). */
static mg_tcdae *tc_model(int64_t d, int64_t p) {
    mg_tcdae *m = NULL;
    tu_assert_ok(mg_tcdae_create(d, p, &m));
    mg_rng r;
    mg_rng_init(&r, 9);
    mg_tcdae_init(m, &r);
    mg_tcdae_parts v = mg_tcdae_parts_of(m);
    mg_rng_normal(&r, v.A2, (size_t)(p * p));
    for (int64_t i = 0; i < p * p; i++) v.A2[i] *= 0.2f;
    v.skip[0] = 0.2f;
    return m;
}

/* The authors' sampler as their notebook writes it: sigmas = geomspace(2,
 * 0.02, 60) then 0; x = 2 z; per level x0 = f(x, s), score = (x0 - x)/s^2,
 * delta = s^2 - s'^2, x += delta score, plus sqrt(delta) z when s' > 0,
 * clamp(-1, 1) after every step. Same per-sample noise as mg_sample (fork i
 * of the generator: the start, then one draw per noisy step). */
static void authors_loop(const mg_tcdae *m, int64_t n, const mg_rng *rng, int clamp, float *out) {
    const int64_t d = mg_tcdae_dim(m);
    double sig[61];
    tu_assert_ok(mg_sigmas_geometric(0.02, 2.0, 60, sig));
    float *x = malloc((size_t)d * 4), *f = malloc((size_t)d * 4), *z = malloc((size_t)d * 4);
    for (int64_t i = 0; i < n; i++) {
        mg_rng r = mg_rng_fork(rng, (uint64_t)i);
        mg_rng_normal(&r, x, (size_t)d);
        for (int64_t k = 0; k < d; k++) x[k] *= 2.0f;
        for (int t = 59; t >= 0; t--) {
            double s = sig[t], s2 = t > 0 ? sig[t - 1] : 0.0;
            tu_assert_ok(mg_tcdae_forward(m, (mg_mat){1, d, d, x}, s, (mg_mat){1, d, d, f}));
            double delta = s * s - s2 * s2;
            for (int64_t k = 0; k < d; k++) x[k] += (float)(delta * (((double)f[k] - x[k]) / (s * s)));
            if (s2 > 0) {
                mg_rng_normal(&r, z, (size_t)d);
                for (int64_t k = 0; k < d; k++) x[k] += (float)sqrt(delta) * z[k];
            }
            if (clamp)
                for (int64_t k = 0; k < d; k++) x[k] = x[k] < -1.0f ? -1.0f : x[k] > 1.0f ? 1.0f : x[k];
        }
        memcpy(out + i * d, x, (size_t)d * 4);
    }
    free(x), free(f), free(z);
}

/* The ancestral sampler ("authors") on the time-conditioned denoiser is the
 * authors' loop, with and without their clamp. */
static void test_authors_sampler(void **state) {
    (void)state;
    const int64_t d = 12, p = 8, n = 6;
    mg_tcdae *m = tc_model(d, p);
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_tcdae(m, &den));
    assert_string_equal(den.name, "tc_dae");
    double sig[60];
    tu_assert_ok(mg_sigmas_geometric(0.02, 2.0, 60, sig));
    mg_sampler_kind k;
    tu_assert_ok(mg_sampler_parse("authors", &k));
    assert_int_equal(k, MG_SAMPLER_ANCESTRAL);
    float *A = malloc((size_t)(n * d) * 4), *B = malloc((size_t)(n * d) * 4);
    mg_rng r;
    mg_rng_init(&r, 21);
    for (int clamp = 0; clamp < 2; clamp++) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.kind = k;
        sp.sigmas = sig;
        sp.nsigmas = 60;
        if (clamp) sp.clamp_lo = -1.0, sp.clamp_hi = 1.0;
        tu_assert_ok(mg_sample(&den, &sp, &r, (mg_mat){n, d, d, A}));
        authors_loop(m, n, &r, clamp, B);
        tu_assert_close_f(A, B, n * d, 1e-5, 1e-4, clamp ? "authors' loop with clamp" : "authors' loop");
    }
    free(A), free(B);
    mg_denoiser_free(&den);
    mg_tcdae_free(m);
}

/* With a clamp every state after the start lies in [lo, hi], for every
 * sampler; without it the same run leaves the range; a bad clamp is refused. */
static void test_clamp(void **state) {
    (void)state;
    const int64_t d = 10, p = 8, n = 16;
    mg_tcdae *m = tc_model(d, p);
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_tcdae(m, &den));
    double *sig;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.02:2:12", &sig, &K));
    float *X = malloc((size_t)(n * d) * 4), *traj = malloc((size_t)((K + 1) * n * d) * 4);
    mg_rng r;
    mg_rng_init(&r, 2);
    const float lo = -0.5f, hi = 0.7f;
    for (int kind = 0; kind < MG_SAMPLER_COUNT; kind++) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.kind = (mg_sampler_kind)kind;
        sp.sigmas = sig;
        sp.nsigmas = K;
        sp.trajectory = traj;
        tu_assert_ok(mg_sample(&den, &sp, &r, (mg_mat){n, d, d, X}));
        int64_t outside = 0;
        for (int64_t i = n * d; i < (K + 1) * n * d; i++) outside += traj[i] < lo || traj[i] > hi;
        assert_true(outside > 0);
        sp.clamp_lo = lo;
        sp.clamp_hi = hi;
        tu_assert_ok(mg_sample(&den, &sp, &r, (mg_mat){n, d, d, X}));
        for (int64_t i = n * d; i < (K + 1) * n * d; i++)
            if (!(traj[i] >= lo && traj[i] <= hi))
                fail_msg("%s: state %lld = %g outside the clamp", mg_sampler_name(sp.kind), (long long)i, traj[i]);
        assert_memory_equal(X, traj + K * n * d, (size_t)(n * d) * 4);
        sp.clamp_hi = lo;
        assert_int_equal(mg_sample(&den, &sp, &r, (mg_mat){n, d, d, X}), MG_ERR_ARG);
        sp.clamp_hi = NAN;
        assert_int_equal(mg_sample(&den, &sp, &r, (mg_mat){n, d, d, X}), MG_ERR_ARG);
    }
    free(X), free(traj), free(sig);
    mg_denoiser_free(&den);
    mg_tcdae_free(m);
}

/* A stop requested before (or during) a run ends it with MG_ERR_INTERRUPTED
 * after one step; once cleared, the same call runs to the end. */
static void test_stop_request(void **state) {
    (void)state;
    float pt[3] = {1.5f, -2.0f, 0.25f};
    mg_denoiser den = {3, pt, point_fn, NULL, "point"};
    double sig[3] = {0.1, 0.5, 2.0};
    float X[4 * 3];
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.sigmas = sig;
    p.nsigmas = 3;
    mg_mat Xm = {4, 3, 3, X};
    mg_train_request_stop();
    assert_int_equal(mg_sample(&den, &p, &r, Xm), MG_ERR_INTERRUPTED);
    assert_non_null(strstr(mg_last_error(), "stopped on request"));
    mg_train_clear_stop();
    tu_assert_ok(mg_sample(&den, &p, &r, Xm));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gaussian_variance),
        cmocka_unit_test(test_point_mass),
        cmocka_unit_test(test_equivalences),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_authors_sampler),
        cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_stop_request),
    };
    return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
