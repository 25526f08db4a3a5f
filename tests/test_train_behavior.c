/*
 * Expected behaviour of trained DAEs at reduced scale (paper Sec. 3, Fig. 4
 * left and Fig. 5, App. B.1 settings with d = 64):
 *  - memorization: 5 well-separated samples, RMSprop lr 1e-3, wd 1e-2, full
 *    batch: every sample is matched by its own column of W1 with cosine >=
 *    0.95 and its representation is spiky (one unit carries most of ||h||^2);
 *  - generalization: 2000 samples of the paper's two-mode mixture, Adam
 *    lr 1e-4, wd 1e-4, batch 256: no column of W1 matches any single sample
 *    and the representations are balanced, with a clearly lower std than the
 *    memorizing model's.
 * MEMGEN_TEST_QUICK=1 (or an ASan build) shortens the generalizing run; the
 * assertions stay the same.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/mog.h"
#include "memgen/train.h"

#if defined(__SANITIZE_ADDRESS__)
#define TB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TB_ASAN 1
#endif
#endif
#ifndef TB_ASAN
#define TB_ASAN 0
#endif

/* Nonzero when runs should be shortened. */
static int quick(void) {
    const char *q = getenv("MEMGEN_TEST_QUICK");
    return TB_ASAN || (q && *q && strcmp(q, "0"));
}

/* Cosine of column j of W (d x p) with row x. */
static double col_cos(const float *W, int64_t d, int64_t p, int64_t j, const float *x) {
    double dot = 0, nw = 0, nx = 0;
    for (int64_t k = 0; k < d; k++) {
        dot += (double)W[k * p + j] * x[k];
        nw += (double)W[k * p + j] * W[k * p + j];
        nx += (double)x[k] * x[k];
    }
    return nw > 0 && nx > 0 ? dot / sqrt(nw * nx) : 0;
}

/* Largest cosine of row i of X with any column of W1; its column in *arg. */
static double best_match(const mg_dae *m, const float *x, int64_t *arg) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m);
    double best = -2;
    for (int64_t j = 0; j < p; j++) {
        double c = col_cos(mg_dae_w1_const(m), d, p, j, x);
        if (c > best) {
            best = c;
            if (arg) *arg = j;
        }
    }
    return best;
}

/* Representation statistics of the rows of X: mean std over units and mean
 * share of ||h||^2 carried by the largest unit. */
static void rep_stats(const mg_dae *m, const float *X, int64_t n, double *std_mean, double *top_share) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m);
    float *H = malloc((size_t)(n * p) * sizeof(float));
    tu_assert_ok(mg_dae_encode(m, (mg_mat){n, d, d, (float *)X}, (mg_mat){n, p, p, H}));
    double ss = 0, sh = 0;
    for (int64_t i = 0; i < n; i++) {
        const float *h = H + i * p;
        double mu = 0, var = 0, tot = 0, mx = 0;
        for (int64_t j = 0; j < p; j++) mu += h[j];
        mu /= (double)p;
        for (int64_t j = 0; j < p; j++) {
            var += (h[j] - mu) * (h[j] - mu);
            tot += (double)h[j] * h[j];
            if ((double)h[j] * h[j] > mx) mx = (double)h[j] * h[j];
        }
        ss += sqrt(var / (double)p);
        sh += tot > 0 ? mx / tot : 0;
    }
    *std_mean = ss / (double)n;
    *top_share = sh / (double)n;
    free(H);
}

/* Draws n rows from a mixture spec. */
static float *mog_rows(const mg_mog_spec *spec, int64_t n, const int64_t *counts, uint64_t seed) {
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_mog mog;
    tu_assert_ok(mg_mog_make(spec, &r, &mog));
    float *X = malloc((size_t)(n * spec->d) * sizeof(float));
    tu_assert_ok(mg_mog_sample(&mog, counts, 1, &r, (mg_mat){n, mog.d, mog.d, X}, NULL));
    mg_mog_free(&mog);
    return X;
}

/* The representation std of the memorizing model, shared with the
 * generalization test (which runs second). */
static double g_mem_std = NAN;

/* 5 separated samples, overparameterised (p = 16 >= n): memorization. */
static void test_memorizing_run(void **state) {
    (void)state;
    const int64_t n = 5, d = 64, p = 16;
    /* 5 components with pairwise mean cosine -1/4, tiny spread: one sample each */
    mg_mog_spec spec = {5, d, NULL, 5.0, NAN, 1, 0.02, 0.9, 0, 1};
    int64_t counts[5] = {1, 1, 1, 1, 1};
    float *X = mog_rows(&spec, n, counts, 21);
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p;
    tp.sigma = 0.2;
    tp.optim = MG_OPTIM_RMSPROP;
    tp.lr = 1e-3;
    tp.weight_decay = 1e-2;
    tp.batch_mode = MG_BATCH_FULL;
    tp.steps = 70000; /* RMSprop needs ~50k steps to prune the split columns (spikiness); ~0.5 s */
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_dae *m = NULL;
    double t0 = mg_now();
    tu_assert_ok(mg_train_dae(&tp, (mg_mat){n, d, d, X}, &r, NULL, &m));
    double el = mg_now() - t0;
    int64_t used[16] = {0};
    double worst = 2;
    for (int64_t i = 0; i < n; i++) {
        int64_t j = -1;
        double c = best_match(m, X + i * d, &j);
        if (c < worst) worst = c;
        assert_true(c >= 0.95);
        assert_true(j >= 0);
        used[j]++;
    }
    for (int64_t j = 0; j < p; j++) assert_true(used[j] <= 1); /* each sample has its own column */
    double sd, share;
    rep_stats(m, X, n, &sd, &share);
    printf("  memorizing: %lld steps in %.2f s; worst best-column cosine %.4f; rep std %.4f; top unit carries "
           "%.1f%% of ||h||^2\n", (long long)tp.steps, el, worst, sd, 100 * share);
    assert_true(share >= 0.9); /* spiky: one dominant unit */
    g_mem_std = sd;
    mg_dae_free(m);
    free(X);
}

/* 2000 samples of the two-mode mixture, p = 16 << n: generalization. */
static void test_generalizing_run(void **state) {
    (void)state;
    const int64_t n = 2000, d = 64, p = 16;
    /* the paper's two modes mu = +-m e_1 with exponentially decaying spectra, at d = 64 with
       m = 2 and ev_j = 0.95^j so that ||x||^2 (~23) matches the memorizing data's (~25) and the
       within-mode structure, not the mean, carries most of the energy */
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.d = d;
    spec.mean_scale = 2.0;
    spec.cov_rate = 0.95;
    int64_t counts[2] = {n / 2, n / 2};
    float *X = mog_rows(&spec, n, counts, 22);
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p;
    tp.sigma = 0.2;
    tp.optim = MG_OPTIM_ADAM;
    tp.lr = 1e-4;
    tp.weight_decay = 1e-4;
    tp.batch = 256;
    tp.steps = quick() ? 2000 : 4000;
    mg_rng r;
    mg_rng_init(&r, 4);
    mg_dae *m = NULL;
    double t0 = mg_now();
    tu_assert_ok(mg_train_dae(&tp, (mg_mat){n, d, d, X}, &r, NULL, &m));
    double el = mg_now() - t0;
    double best = -2;
    for (int64_t i = 0; i < n; i++) best = fmax(best, best_match(m, X + i * d, NULL));
    double sd, share;
    rep_stats(m, X, n, &sd, &share);
    printf("  generalizing: %lld steps in %.2f s; best column-sample cosine %.4f; rep std %.4f (memorizing %.4f); "
           "top unit carries %.1f%% of ||h||^2\n", (long long)tp.steps, el, best, sd, g_mem_std, 100 * share);
    assert_true(best < 0.95);  /* no column stores a sample */
    assert_true(share < 0.6);  /* balanced */
    assert_false(isnan(g_mem_std));
    assert_true(sd < 0.7 * g_mem_std); /* clearly lower than the memorizing model's (Fig. 5) */
    mg_dae_free(m);
    free(X);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memorizing_run),
        cmocka_unit_test(test_generalizing_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
