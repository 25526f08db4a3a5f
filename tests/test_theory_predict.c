/*
 * Tests of the predictions: every predicted loss against a Monte Carlo
 * estimate through the actual ReLU DAE (within 1%), the Corollary 3.3 oracle
 * risk and the second-moment spectrum against NumPy, separability
 * (Definition 3.1) against NumPy, the margin of Eq. 16 and the measured mask
 * margins, and spherical k-means.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "testutil.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/theory.h"

/* Loads tests/fixtures/theory/<name>.npy (caller frees); name is a string literal. */
#define load(name) tu_fixture_npy("theory/" name ".npy")

/* |W relu(W^T y) - x|^2 for a tied DAE W (d x p), in double. */
static double dae_err(const float *W, int64_t d, int64_t p, const double *x, const double *y) {
    double h[512], err = 0;
    for (int64_t u = 0; u < p; u++) {
        double s = 0;
        for (int64_t i = 0; i < d; i++) s += W[i * p + u] * y[i];
        h[u] = s > 0 ? s : 0;
    }
    for (int64_t i = 0; i < d; i++) {
        double o = 0;
        for (int64_t u = 0; u < p; u++) o += W[i * p + u] * h[u];
        err += (o - x[i]) * (o - x[i]);
    }
    return err;
}

/* Monte Carlo of (1/n) sum_i E|f(x_i + sigma eps) - x_i|^2, `draws` per sample. */
static double mc_train_mse(const mg_construction *c, mg_mat X, double sigma, int64_t draws, uint64_t seed) {
    mg_rng r;
    mg_rng_init(&r, seed);
    int64_t d = X.cols;
    double x[64], y[64], eps[64], tot = 0;
    for (int64_t i = 0; i < X.rows; i++) {
        for (int64_t j = 0; j < d; j++) x[j] = X.data[i * X.ld + j];
        for (int64_t t = 0; t < draws; t++) {
            mg_rng_normal_d(&r, eps, (size_t)d);
            for (int64_t j = 0; j < d; j++) y[j] = x[j] + sigma * eps[j];
            tot += dae_err(c->W, d, c->p, x, y);
        }
    }
    return tot / (double)(X.rows * draws);
}

/* K clusters of m rows in d dims around scaled simplex directions in the
 * first K coordinates (pairwise mean cosine -1/(K-1)), Gaussian spread
 * `spread` in those coordinates and `spread_rest` in the others (orthogonal
 * to every mean); rows grouped by cluster, labels by cluster. */
static float *simplex_clusters2(int64_t K, int64_t m, int64_t d, double scale, double spread, double spread_rest,
                                uint64_t seed, int64_t *labels) {
    mg_rng r;
    mg_rng_init(&r, seed);
    float *x = malloc((size_t)(K * m * d) * sizeof(float));
    mg_rng_normal(&r, x, (size_t)(K * m * d));
    for (int64_t k = 0; k < K; k++)
        for (int64_t i = 0; i < m; i++) {
            float *row = x + (k * m + i) * d;
            for (int64_t j = 0; j < d; j++) {
                double mu = j < K ? scale * ((j == k) - 1.0 / K) / sqrt(1.0 - 1.0 / K) : 0.0;
                row[j] = (float)(mu + (j < K ? spread : spread_rest) * row[j]);
            }
            labels[k * m + i] = k;
        }
    return x;
}

/* The same with isotropic spread. */
static float *simplex_clusters(int64_t K, int64_t m, int64_t d, double scale, double spread, uint64_t seed,
                               int64_t *labels) {
    return simplex_clusters2(K, m, d, scale, spread, spread, seed, labels);
}

/* Definition 3.1 on the NumPy fixture. */
static void test_separability_fixture(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels"), S = load("gen_sep");
    mg_separability sep;
    tu_assert_ok(mg_separability_compute(mg_mat_of_array(&X), L.data, 3, &sep));
    double got[2] = {sep.alpha, sep.beta};
    tu_assert_close_d(got, S.data, 2, 1e-7, 1e-6, "alpha, beta");
    assert_int_equal(sep.K, 3);
    assert_true(sep.beta_k >= 0 && sep.beta_l > sep.beta_k);
    /* with the fixture's construction a unit fires off-block: masks fail */
    mg_array P = load("gen_params"), Wd = load("gen_widths");
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = ((double *)P.data)[0], cp.wd = ((double *)P.data)[1], cp.hidden = 10, cp.widths = Wd.data;
    mg_construction c;
    tu_assert_ok(mg_construct(mg_mat_of_array(&X), L.data, 3, &cp, &c));
    tu_assert_ok(mg_theory_verdict(mg_mat_of_array(&X), &c, &sep));
    assert_true(sep.off_max > 0);
    assert_false(sep.masks_ok);
    assert_true(sep.mask_violations > 0);
    assert_false(sep.alpha_small); /* alpha 0.42 > |beta| / 4 */
    assert_false(sep.holds);
    mg_construction_free(&c);
    mg_array_free(&X), mg_array_free(&L), mg_array_free(&S), mg_array_free(&P), mg_array_free(&Wd);
}

/* Well-separated clusters: the verdict holds; gamma follows Eq. 16 and is
 * below the measured on-block margin. */
static void test_verdict_holds(void **state) {
    (void)state;
    int64_t K = 3, m = 40, d = 6, lab[120];
    float *x = simplex_clusters(K, m, d, 6.0, 0.05, 5, lab);
    mg_mat X = {K * m, d, d, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.1, cp.wd = 1e-5, cp.hidden = 3;
    mg_construction c;
    tu_assert_ok(mg_construct(X, lab, K, &cp, &c));
    mg_separability sep;
    tu_assert_ok(mg_separability_compute(X, lab, K, &sep));
    tu_assert_ok(mg_theory_verdict(X, &c, &sep));
    assert_true(sep.beta < 0 && fabs(sep.beta + 0.5) < 0.05);
    assert_true(sep.alpha < 0.1);
    assert_true(sep.beta_negative && sep.alpha_below_one && sep.alpha_small && sep.wd_ok && sep.masks_ok);
    assert_true(sep.gamma_positive);
    assert_true(sep.holds);
    assert_int_equal(sep.mask_violations, 0);
    double t = sep.alpha * sep.alpha / (1 - sep.alpha * sep.alpha);
    assert_true(fabs(sep.c_proj - sqrt(1 - t * t)) < 1e-15);
    double g = INFINITY;
    for (int64_t k = 0; k < K; k++) {
        double gk = c.blocks[k].mean_norm * fmin(sep.s_min * sep.c_proj / sqrt((double)c.blocks[k].kept) -
                                                    sep.s_max * sep.alpha, sep.s_max * fabs(sep.beta) / 2);
        g = fmin(g, gk);
    }
    assert_true(fabs(sep.gamma - g) < 1e-12);
    assert_true(sep.gamma <= sep.on_min && -sep.gamma >= sep.off_max);
    mg_construction_free(&c);
    free(x);
}

/* Corollary 3.2 with weight decay: the predicted loss matches a Monte Carlo
 * of the ReLU DAE within 1%. */
static void test_mc_mem_loss(void **state) {
    (void)state;
    mg_array X = load("mem_X");
    mg_mat Xm = mg_mat_of_array(&X);
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.1, cp.wd = 0.01, cp.hidden = 6; /* sigma well inside the margin (Theorem 3.1's residual) */
    mg_construction c;
    tu_assert_ok(mg_construct_mem(Xm, &cp, &c));
    double mc = mc_train_mse(&c, Xm, cp.sigma, 100000, 1);
    print_message("mem: predicted %.6g, Monte Carlo %.6g\n", c.train_mse, mc);
    assert_true(fabs(mc / c.train_mse - 1) < 0.01);
    mg_construction_free(&c);
    mg_array_free(&X);
}

/* Section 3.2's KL bound (pi/2) max |x_i| on a hand-made matrix with a padded row stride: rows of norm
 * 5 (3-4-0), 13 (5-12-0) and 1, so 6.5 pi; an empty matrix bounds at 0. */
static void test_kl_bound(void **state) {
    (void)state;
    float x[12] = {3, 4, 0, -99, 5, -12, 0, -99, 0, 0, 1, -99};
    mg_mat X = {3, 3, 4, x};
    assert_true(fabs(mg_mem_kl_bound(X) - 6.5 * 3.14159265358979323846) < 1e-12);
    mg_mat E = {0, 3, 4, x};
    assert_true(mg_mem_kl_bound(E) == 0.0);
}

/* Theorem 3.1 blocks (per-cluster LAE): predicted training MSE vs Monte Carlo
 * through the ReLU DAE, overall and per cluster, within 1%. */
static void test_mc_gen_loss(void **state) {
    (void)state;
    int64_t K = 3, m = 30, d = 8, lab[90];
    float *x = simplex_clusters2(K, m, d, 5.0, 0.05, 0.5, 9, lab);
    mg_mat X = {K * m, d, d, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.25, cp.wd = 1e-3, cp.hidden = 9;
    mg_construction c;
    tu_assert_ok(mg_construct(X, lab, K, &cp, &c));
    mg_separability sep;
    tu_assert_ok(mg_separability_compute(X, lab, K, &sep));
    tu_assert_ok(mg_theory_verdict(X, &c, &sep));
    assert_true(sep.masks_ok);
    double mc = mc_train_mse(&c, X, cp.sigma, 4000, 2);
    print_message("gen: predicted %.6g, Monte Carlo %.6g\n", c.train_mse, mc);
    assert_true(fabs(mc / c.train_mse - 1) < 0.01);
    for (int64_t k = 0; k < K; k++) {
        mg_mat Xk = {m, d, d, x + k * m * d};
        double mk = mc_train_mse(&c, Xk, cp.sigma, 8000, 3 + (uint64_t)k);
        assert_true(fabs(mk / c.blocks[k].train_mse - 1) < 0.015);
    }
    mg_construction_free(&c);
    free(x);
}

/* A small mixture for the population tests: K = 2, d = 6, means +-5 e1,
 * exponentially decaying covariance spectra in random bases. */
static void small_mog(mg_mog *mog, double cov_scale) {
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.d = 6, s.cov_scale = cov_scale, s.cov_rate = 0.5;
    mg_rng r;
    mg_rng_init(&r, 77);
    tu_assert_ok(mg_mog_make(&s, &r, mog));
}

/* The oracle risk and S_k's spectrum match NumPy; with the per-direction
 * term sigma^2 e/(e+sigma^2) the risk matches a Monte Carlo of the rank-p_k
 * Wiener filters within 1% (the bias-only term of the paper's text does not). */
static void test_mc_oracle_risk(void **state) {
    (void)state;
    mg_array mu = load("fgt_means"), ev = load("fgt_eigvals"), B = load("fgt_bases"), w = load("fgt_weights");
    mg_array Wd = load("oracle_widths"), R = load("oracle_risk"), E0 = load("moment_eigs0");
    mg_mog f;
    tu_assert_ok(mg_mog_alloc(&f, 3, 4));
    memcpy(f.means, mu.data, 12 * sizeof(double));
    memcpy(f.eigvals, ev.data, 12 * sizeof(double));
    memcpy(f.bases, B.data, 48 * sizeof(double));
    memcpy(f.weights, w.data, 3 * sizeof(double));
    double e0[4], risk[4];
    tu_assert_ok(mg_mog_second_moment_eigs(&f, 0, e0));
    tu_assert_close_d(e0, E0.data, 4, 1e-12, 1e-12, "eig(S_0)");
    tu_assert_ok(mg_mog_oracle_risk(&f, 0.5, 0.01, Wd.data, risk, risk + 3));
    tu_assert_close_d(risk, R.data, 4, 1e-12, 1e-12, "oracle risk");
    mg_mog_free(&f);

    /* Monte Carlo at lambda = 0 */
    mg_mog mog;
    small_mog(&mog, 1.0);
    int64_t d = mog.d, widths[2] = {2, 3};
    double sigma = 0.4, s2 = sigma * sigma, total, rk[2];
    tu_assert_ok(mg_mog_oracle_risk(&mog, sigma, 0.0, widths, rk, &total));
    mg_rng r;
    mg_rng_init(&r, 3);
    double bias_only = 0;
    for (int k = 0; k < 2; k++) {
        /* D_k = sum_{j < p_k} e/(e+s2) u u^T from S_k = mu mu^T + Sigma_k */
        double S[36], e[6], D[36] = {0};
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < d; j++) {
                double s = mog.means[k * d + i] * mog.means[k * d + j];
                for (int64_t l = 0; l < d; l++)
                    s += mog.bases[k * d * d + i * d + l] * mog.eigvals[k * d + l] * mog.bases[k * d * d + j * d + l];
                S[i * d + j] = s;
            }
        assert_int_equal(LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, S, (lapack_int)d, e), 0);
        double bo = 0;
        for (int64_t t = 0; t < d; t++) {
            int64_t j = d - 1 - t; /* descending */
            if (t < widths[k]) {
                double a = e[j] / (e[j] + s2);
                for (int64_t i = 0; i < d; i++)
                    for (int64_t l = 0; l < d; l++) D[i * d + l] += a * S[i * d + j] * S[l * d + j];
                bo += e[j] * s2 * s2 / ((e[j] + s2) * (e[j] + s2));
            } else {
                bo += e[j];
            }
        }
        bias_only += mog.weights[k] * bo;
        double tot = 0, z[6], x[6], y[6];
        int64_t N = 200000;
        for (int64_t t = 0; t < N; t++) {
            mg_rng_normal_d(&r, z, 6);
            for (int64_t i = 0; i < d; i++) {
                x[i] = mog.means[k * d + i];
                for (int64_t l = 0; l < d; l++)
                    x[i] += mog.bases[k * d * d + i * d + l] * sqrt(mog.eigvals[k * d + l]) * z[l];
            }
            mg_rng_normal_d(&r, z, 6);
            for (int64_t i = 0; i < d; i++) y[i] = x[i] + sigma * z[i];
            for (int64_t i = 0; i < d; i++) {
                double o = 0;
                for (int64_t l = 0; l < d; l++) o += D[i * d + l] * y[l];
                tot += (o - x[i]) * (o - x[i]);
            }
        }
        print_message("oracle risk, component %d: predicted %.6g, Monte Carlo %.6g, bias-only %.6g\n", k, rk[k],
                      tot / (double)N, bo);
        assert_true(fabs(tot / (double)N / rk[k] - 1) < 0.01);
    }
    assert_true(fabs(total - (mog.weights[0] * rk[0] + mog.weights[1] * rk[1])) < 1e-12);
    assert_true(bias_only < 0.98 * total); /* the corrected term matters */
    mg_mog_free(&mog);
    mg_array_free(&mu), mg_array_free(&ev), mg_array_free(&B), mg_array_free(&w);
    mg_array_free(&Wd), mg_array_free(&R), mg_array_free(&E0);
}

/* Test risk of a construction on the mixture: prediction vs Monte Carlo of
 * the ReLU DAE on fresh samples, within 1%; blocks matched to components. */
static void test_mc_construction_mog_risk(void **state) {
    (void)state;
    mg_mog mog;
    small_mog(&mog, 0.3);
    int64_t d = mog.d, n = 2000, counts[2] = {1000, 1000}, lab[2000];
    float *x = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 21);
    tu_assert_ok(mg_mog_sample(&mog, counts, 0, &r, (mg_mat){n, mog.d, mog.d, x}, lab));
    mg_mat X = {n, d, d, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3, cp.wd = 1e-5, cp.hidden = 4;
    mg_construction c;
    tu_assert_ok(mg_construct(X, lab, 2, &cp, &c));
    int64_t match[2];
    double risk[2], total;
    tu_assert_ok(mg_construction_mog_risk(X, &c, &mog, match, risk, &total));
    assert_int_equal(match[0], 0);
    assert_int_equal(match[1], 1);
    double oracle;
    int64_t widths[2] = {c.blocks[0].kept, c.blocks[1].kept};
    tu_assert_ok(mg_mog_oracle_risk(&mog, cp.sigma, 0.0, widths, NULL, &oracle));
    assert_true(oracle <= total * (1 + 1e-9)); /* the population filter is optimal */
    assert_true(total < oracle * 1.1);         /* and n_k = 1000 is close to it */
    /* Monte Carlo on fresh samples through the ReLU DAE */
    int64_t N = 100000, cnt2[2] = {N / 2, N / 2};
    float *xt = malloc((size_t)(N * d) * sizeof(float));
    mg_rng r2;
    mg_rng_init(&r2, 99);
    tu_assert_ok(mg_mog_sample(&mog, cnt2, 0, &r2, (mg_mat){N, mog.d, mog.d, xt}, NULL));
    double acc[2] = {0, 0}, xd[6], y[6], eps[6];
    for (int64_t t = 0; t < N; t++) {
        mg_rng_normal_d(&r2, eps, 6);
        for (int64_t i = 0; i < d; i++) xd[i] = xt[t * d + i], y[i] = xd[i] + cp.sigma * eps[i];
        acc[t >= N / 2] += dae_err(c.W, d, c.p, xd, y);
    }
    for (int k = 0; k < 2; k++) {
        print_message("construction risk, component %d: predicted %.6g, Monte Carlo %.6g (oracle total %.6g)\n", k,
                      risk[k], acc[k] / (N / 2), oracle);
        assert_true(fabs(acc[k] / (N / 2) / risk[k] - 1) < 0.01);
    }
    free(xt);
    mg_construction_free(&c);
    free(x);
    mg_mog_free(&mog);
}

/* Spherical k-means recovers direction clusters (up to numbering), numbers
 * them by first appearance, is deterministic per seed; bad K is refused. */
static void test_kmeans(void **state) {
    (void)state;
    int64_t K = 4, m = 50, d = 10, truth[200], lab[200], lab2[200];
    float *x = simplex_clusters(K, m, d, 3.0, 0.3, 13, truth);
    /* scale rows differently: direction, not norm, decides */
    for (int64_t i = 0; i < K * m; i++)
        for (int64_t j = 0; j < d; j++) x[i * d + j] *= (float)(0.5 + (i % 7));
    /* interleave rows so the truth is not sorted */
    float *y = malloc((size_t)(K * m * d) * sizeof(float));
    int64_t tr2[200];
    for (int64_t i = 0; i < K * m; i++) {
        int64_t src = (i % K) * m + i / K;
        memcpy(y + i * d, x + src * d, (size_t)d * sizeof(float));
        tr2[i] = truth[src];
    }
    mg_mat X = {K * m, d, d, y};
    mg_rng r;
    mg_rng_init(&r, 1);
    double obj;
    tu_assert_ok(mg_spherical_kmeans(X, K, &r, 50, 3, lab, &obj));
    assert_true(obj > 0.9 && obj <= 1.0 + 1e-9);
    assert_int_equal(lab[0], 0);
    int64_t map[4] = {-1, -1, -1, -1};
    for (int64_t i = 0; i < K * m; i++) {
        if (map[tr2[i]] < 0) map[tr2[i]] = lab[i];
        assert_int_equal(lab[i], map[tr2[i]]);
    }
    mg_rng_init(&r, 1);
    tu_assert_ok(mg_spherical_kmeans(X, K, &r, 50, 3, lab2, NULL));
    for (int64_t i = 0; i < K * m; i++) assert_int_equal(lab[i], lab2[i]);
    assert_int_equal(mg_spherical_kmeans(X, 0, &r, 50, 3, lab, NULL), MG_ERR_ARG);
    assert_int_equal(mg_spherical_kmeans(X, K * m + 1, &r, 50, 3, lab, NULL), MG_ERR_ARG);
    /* K = n: every sample its own cluster */
    mg_mat X8 = {8, d, d, y};
    tu_assert_ok(mg_spherical_kmeans(X8, 8, &r, 20, 1, lab, NULL));
    for (int64_t i = 0; i < 8; i++)
        for (int64_t j = 0; j < i; j++) assert_true(lab[i] != lab[j]);
    free(x), free(y);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separability_fixture),
        cmocka_unit_test(test_verdict_holds),
        cmocka_unit_test(test_mc_mem_loss),
        cmocka_unit_test(test_kl_bound),
        cmocka_unit_test(test_mc_gen_loss),
        cmocka_unit_test(test_mc_oracle_risk),
        cmocka_unit_test(test_mc_construction_mog_risk),
        cmocka_unit_test(test_kmeans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
