/*
 * Tests of DAE sets and their denoiser: save/load round trip (and a single
 * DAE loading as a one-level set), nearest-level and log-sigma interpolation
 * against direct forward passes, refusal of malformed sets; DDIM sampling
 * with a set giving the same bits on 1 and 2 threads (OpenMP and OpenBLAS);
 * and sampling with the empirical optimal denoiser (Eq. 3), which must
 * reproduce training samples (issue: memorized fraction >= 0.9).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/daeset.h"
#include "memgen/denoiser.h"
#include "memgen/memorization.h"
#include "memgen/safetensors.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"

/* A 2-level set (d = 4, p = 3) with distinct random weights. */
static void make_set(mg_daeset *set) {
    double sig[2] = {0.1, 1.0};
    tu_assert_ok(mg_daeset_alloc(2, sig, set));
    mg_rng r;
    mg_rng_init(&r, 4);
    for (int k = 0; k < 2; k++) {
        tu_assert_ok(mg_dae_create(4, 3, 1, 0, &set->levels[k]));
        mg_dae_init_normal(set->levels[k], &r, 0.5f);
        mg_dae_set_sigma(set->levels[k], sig[k]);
    }
    tu_assert_ok(mg_daeset_set_meta(set, "trained_by", "test"));
}

/* Save + load gives identical weights, sigmas and metadata. */
static void test_roundtrip(void **state) {
    (void)state;
    mg_daeset set, back;
    make_set(&set);
    char *dir = tu_mkdtemp(), *p = tu_path(dir, "set.safetensors");
    tu_assert_ok(mg_daeset_save(&set, p));
    tu_assert_ok(mg_daeset_load(p, &back));
    assert_int_equal(back.count, 2);
    tu_assert_close_d(back.sigmas, set.sigmas, 2, 0, 0, "sigmas");
    for (int k = 0; k < 2; k++)
        tu_assert_close_f(mg_dae_w1(back.levels[k]), mg_dae_w1(set.levels[k]), 12, 0, 0, "W1");
    assert_string_equal(mg_st_meta(back.meta, "trained_by"), "test");
    mg_daeset_free(&back);
    /* a single DAE file is a one-level set */
    char *q = tu_path(dir, "one.safetensors");
    tu_assert_ok(mg_dae_save(set.levels[1], q));
    tu_assert_ok(mg_daeset_load(q, &back));
    assert_int_equal(back.count, 1);
    assert_true(back.sigmas[0] == 1.0);
    mg_daeset_free(&back);
    /* a set file whose sigmas and count disagree is refused */
    mg_st *st;
    tu_assert_ok(mg_st_read(p, &st));
    tu_assert_ok(mg_st_set_meta(st, "count", "3"));
    tu_assert_ok(mg_st_write(st, p));
    assert_int_equal(mg_daeset_load(p, &back), MG_ERR_FORMAT);
    tu_assert_ok(mg_st_set_meta(st, "count", "2"));
    tu_assert_ok(mg_st_set_meta(st, "sigmas", "0.1,oops"));
    tu_assert_ok(mg_st_write(st, p));
    assert_int_equal(mg_daeset_load(p, &back), MG_ERR_FORMAT);
    mg_st_free(st);
    /* unordered sigmas are refused at allocation */
    double bad[2] = {1.0, 0.5};
    assert_int_equal(mg_daeset_alloc(2, bad, &back), MG_ERR_ARG);
    mg_daeset_free(&set);
    free(p);
    free(q);
    tu_rmtree(dir);
    free(dir);
}

/* Nearest picks the right level; interp blends in log sigma. */
static void test_denoiser_levels(void **state) {
    (void)state;
    mg_daeset set;
    make_set(&set);
    float x[8] = {0.3f, -1.0f, 0.7f, 0.2f, -0.5f, 0.4f, 1.1f, -0.9f};
    float y0[8], y1[8], h[6], got[8], want[8];
    mg_mat X = {2, 4, 4, x}, H = {2, 3, 3, h};
    mg_mat Y0 = {2, 4, 4, y0}, Y1 = {2, 4, 4, y1}, G = {2, 4, 4, got};
    tu_assert_ok(mg_dae_forward(set.levels[0], X, H, Y0));
    tu_assert_ok(mg_dae_forward(set.levels[1], X, H, Y1));
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_daeset(&set, MG_LEVEL_NEAREST, &den));
    tu_assert_ok(mg_denoise(&den, 0.2, X, G)); /* log-nearer to 0.1 */
    tu_assert_close_f(got, y0, 8, 0, 0, "nearest low");
    tu_assert_ok(mg_denoise(&den, 0.5, X, G));
    tu_assert_close_f(got, y1, 8, 0, 0, "nearest high");
    mg_denoiser_free(&den);
    tu_assert_ok(mg_denoiser_daeset(&set, MG_LEVEL_INTERP, &den));
    double s = sqrt(0.1); /* halfway in log sigma */
    tu_assert_ok(mg_denoise(&den, s, X, G));
    for (int i = 0; i < 8; i++) want[i] = 0.5f * y0[i] + 0.5f * y1[i];
    tu_assert_close_f(got, want, 8, 1e-6, 1e-6, "interp");
    tu_assert_ok(mg_denoise(&den, 5.0, X, G)); /* clamped above */
    tu_assert_close_f(got, y1, 8, 0, 0, "clamp");
    mg_mat Bad = {2, 3, 3, got};
    assert_int_equal(mg_denoise(&den, 0.5, Bad, Bad), MG_ERR_SHAPE);
    assert_int_equal(mg_denoise(&den, -1.0, X, G), MG_ERR_ARG);
    mg_denoiser_free(&den);
    mg_denoiser_free(&den);
    mg_daeset_free(&set);
    mg_daeset_free(&set);
}

/* DDIM with a 3-level set at a size where the forward passes are cut into
 * tiles (300 samples, d = 128, p = 64): the same bits on 1 and 2 threads. */
static void test_sampling_thread_independent(void **state) {
    (void)state;
    const int64_t n = 300, d = 128, p = 64;
    double sig[3] = {0.05, 0.3, 2.0};
    mg_daeset set;
    tu_assert_ok(mg_daeset_alloc(3, sig, &set));
    mg_rng r;
    mg_rng_init(&r, 8);
    for (int k = 0; k < 3; k++) {
        tu_assert_ok(mg_dae_create(d, p, k != 1, k == 2, &set.levels[k]));
        mg_dae_init_normal(set.levels[k], &r, 0.1f);
    }
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_daeset(&set, MG_LEVEL_INTERP, &den));
    double *grid;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.05:2:12", &grid, &K));
    float *S[2];
    const int blas = openblas_get_num_threads();
    for (int run = 0; run < 2; run++) {
#ifdef _OPENMP
        const int saved = omp_get_max_threads();
        omp_set_num_threads(1 + run);
#endif
        openblas_set_num_threads(1 + run);
        S[run] = malloc((size_t)(n * d) * sizeof(float));
        mg_sample_params prm = MG_SAMPLE_PARAMS_DEFAULT;
        prm.sigmas = grid;
        prm.nsigmas = K;
        tu_assert_ok(mg_sample(&den, &prm, &r, (mg_mat){n, d, d, S[run]}));
#ifdef _OPENMP
        omp_set_num_threads(saved);
#endif
    }
    openblas_set_num_threads(blas);
    assert_memory_equal(S[0], S[1], (size_t)(n * d) * sizeof(float));
    free(S[0]);
    free(S[1]);
    free(grid);
    mg_denoiser_free(&den);
    mg_daeset_free(&set);
}

/* Sampling with f_emp reproduces training samples. */
static void test_femp_sampling_memorizes(void **state) {
    (void)state;
    int64_t n = 8, d = 64, m = 100;
    float *X = malloc((size_t)(n * d) * 4), *S = malloc((size_t)(m * d) * 4);
    mg_rng r;
    mg_rng_init(&r, 6);
    mg_rng_normal(&r, X, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) X[i] *= 0.5f;
    mg_mat Xm = {n, d, d, X}, Sm = {m, d, d, S};
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_emp(Xm, &den));
    double *sig;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.02:20:60", &sig, &K));
    for (int kind = 0; kind < 2; kind++) { /* ddim and ancestral */
        mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
        p.kind = (mg_sampler_kind)kind;
        p.sigmas = sig;
        p.nsigmas = K;
        tu_assert_ok(mg_sample(&den, &p, &r, Sm));
        mg_memratio mr;
        tu_assert_ok(mg_memratio_compute(Sm, Xm, 1.0 / 3.0, &mr));
        print_message("%s: memorized %.2f, distinct %lld of %lld\n", mg_sampler_name(p.kind), mr.frac_memorized,
                      (long long)mr.distinct_memorized, (long long)n);
        assert_true(mr.frac_memorized >= 0.9);
        assert_true(mr.distinct_memorized >= n / 2); /* not collapsed onto one sample */
        mg_memratio_free(&mr);
    }
    mg_denoiser_free(&den);
    free(sig);
    free(X);
    free(S);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_denoiser_levels),
        cmocka_unit_test(test_sampling_thread_independent),
        cmocka_unit_test(test_femp_sampling_memorizes),
    };
    return cmocka_run_group_tests_name("daeset", tests, NULL, NULL);
}
