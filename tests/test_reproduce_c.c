/*
 * Sections fig9, losses and fig16 of `memgen reproduce` at smoke scale (the
 * page is well-formed, every data file exists, the headline numbers in
 * summary.json are finite and in range), and the two library computations
 * they added: the Monte Carlo denoising error (mg_denoise_error) against a
 * naive loop and a closed form, and the Jacobian's energy share in a
 * subspace (mg_jacobian_subspace_share) against the dense Jacobian.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/dae.h"
#include "memgen/data.h"
#include "memgen/jacobian.h"
#include "memgen/repr.h"
#include "memgen/rng.h"

/* ---- mg_denoise_error ------------------------------------------------------ */

/* A d x p tied model with the given weights (row-major d x p). */
static mg_dae *model_of(int64_t d, int64_t p, const float *W) {
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(d, p, 1, 0, &m));
    memcpy(mg_dae_w1(m), W, (size_t)(d * p) * sizeof(float));
    return m;
}

/* Equals a per-row, per-draw loop with the documented noise (row index t*n + i),
 * row means and the standard error included. */
static void test_denoise_error_naive(void **state) {
    (void)state;
    enum { N = 5, D = 6, P = 3, T = 4 };
    float W[D * P], X[N * D];
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, W, D * P);
    mg_rng_normal(&r, X, N * D);
    mg_dae *m = model_of(D, P, W);
    mg_rng noise;
    mg_rng_init(&noise, 9);
    mg_mat Xm = {N, D, D, X};
    double err[N], mean, se, sigma = 0.3;
    tu_assert_ok(mg_denoise_error(m, Xm, sigma, &noise, T, err, &mean, &se));
    double ref[N] = {0}, vals[N * T], s = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            float y[D], h[P], f[D];
            mg_rng ri = mg_rng_fork(&noise, (uint64_t)(t * N + i));
            mg_rng_add_noise(&ri, X + i * D, (float)sigma, y, D);
            for (int j = 0; j < P; j++) {
                double a = 0;
                for (int k = 0; k < D; k++) a += (double)y[k] * W[k * P + j];
                h[j] = a > 0 ? (float)a : 0.0f;
            }
            double e = 0;
            for (int k = 0; k < D; k++) {
                double a = 0;
                for (int j = 0; j < P; j++) a += (double)W[k * P + j] * h[j];
                f[k] = (float)a;
                e += ((double)f[k] - X[i * D + k]) * ((double)f[k] - X[i * D + k]);
            }
            ref[i] += e / T;
            vals[t * N + i] = e;
            s += e;
        }
    double mu = s / (N * T), v = 0;
    for (int k = 0; k < N * T; k++) v += (vals[k] - mu) * (vals[k] - mu);
    double se_ref = sqrt(v / (N * T - 1) / (N * T));
    tu_assert_close_d(err, ref, N, 1e-5, 1e-5, "per-row error");
    tu_assert_close_d(&mean, &mu, 1, 1e-5, 1e-5, "mean error");
    tu_assert_close_d(&se, &se_ref, 1, 1e-5, 1e-4, "standard error");
    /* one draw of one row: no standard error; bad arguments refused */
    mg_mat one = {1, D, D, X};
    tu_assert_ok(mg_denoise_error(m, one, sigma, &noise, 1, NULL, &mean, &se));
    assert_true(se == 0.0);
    assert_int_equal(mg_denoise_error(m, Xm, sigma, &noise, 0, NULL, &mean, NULL), MG_ERR_ARG);
    mg_mat bad = {N, D - 1, D - 1, X};
    assert_int_equal(mg_denoise_error(m, bad, sigma, &noise, 1, NULL, &mean, NULL), MG_ERR_SHAPE);
    mg_dae_free(m);
}

/* Closed form: d = 2, one unit w = a e_1 that stays active (x_1 = 10, small
 * sigma), so f(y) = a^2 y_1 e_1 and E|f - x|^2 = (a^2 - 1)^2 x_1^2 + a^4 sigma^2 + x_2^2. */
static void test_denoise_error_closed_form(void **state) {
    (void)state;
    const double a = 0.9, sigma = 0.5;
    float W[2] = {(float)a, 0.0f}, X[2] = {10.0f, 1.5f};
    mg_dae *m = model_of(2, 1, W);
    mg_rng noise;
    mg_rng_init(&noise, 21);
    mg_mat Xm = {1, 2, 2, X};
    double mean, se;
    tu_assert_ok(mg_denoise_error(m, Xm, sigma, &noise, 20000, NULL, &mean, &se));
    double a2 = (double)W[0] * W[0];
    double want = (a2 - 1) * (a2 - 1) * 100.0 + a2 * a2 * sigma * sigma + 1.5 * 1.5;
    if (!(fabs(mean - want) <= 4 * se)) fail_msg("MC %g +- %g vs closed form %g", mean, se, want);
    assert_true(se > 0 && se < 0.01 * want);
    /* sigma = 0: the exact error |f(x) - x|^2 */
    tu_assert_ok(mg_denoise_error(m, Xm, 0.0, &noise, 3, NULL, &mean, &se));
    double exact = (a2 - 1) * (a2 - 1) * 100.0 + 1.5 * 1.5;
    tu_assert_close_d(&mean, &exact, 1, 1e-9, 1e-5, "noise-free error");
    mg_dae_free(m);
}

/* ---- mg_jacobian_subspace_share --------------------------------------------- */

/* The share equals |U^T J|_F^2 / |J|_F^2 with the dense Jacobian; U = I gives
 * 1; a point with no active unit gives 0. */
static void test_subspace_share_dense(void **state) {
    (void)state;
    enum { D = 7, P = 4, Q = 3 };
    float W[D * P], x[D];
    mg_rng r;
    mg_rng_init(&r, 17);
    mg_rng_normal(&r, W, D * P);
    mg_rng_normal(&r, x, D);
    mg_dae *m = model_of(D, P, W);
    int64_t S[P], s;
    tu_assert_ok(mg_jacobian_active(m, x, S, &s));
    assert_true(s >= 1 && s < P); /* a generic point: some units on, some off */
    double U[D * Q]; /* orthonormal columns, d x q row-major */
    tu_assert_ok(mg_random_orthonormal(&r, D, Q, U));
    double J[D * D], in = 0, tot = 0;
    tu_assert_ok(mg_jacobian_dense(m, x, J));
    for (int a = 0; a < D; a++)
        for (int b = 0; b < D; b++) tot += J[a * D + b] * J[a * D + b];
    for (int j = 0; j < Q; j++)
        for (int b = 0; b < D; b++) {
            double v = 0;
            for (int a = 0; a < D; a++) v += U[a * Q + j] * J[a * D + b];
            in += v * v;
        }
    double share, want = in / tot;
    tu_assert_ok(mg_jacobian_subspace_share(m, x, U, Q, &share));
    tu_assert_close_d(&share, &want, 1, 1e-10, 1e-9, "subspace share");
    double I[D * D];
    for (int i = 0; i < D * D; i++) I[i] = i % (D + 1) == 0;
    tu_assert_ok(mg_jacobian_subspace_share(m, x, I, D, &share));
    tu_assert_close_d(&share, &(double){1.0}, 1, 1e-12, 1e-12, "share in the whole space");
    float zero[D] = {0};
    tu_assert_ok(mg_jacobian_subspace_share(m, zero, U, Q, &share));
    assert_true(share == 0.0);
    assert_int_equal(mg_jacobian_subspace_share(m, x, U, D + 1, &share), MG_ERR_ARG);
    mg_dae_free(m);
}

/* ---- the sections at smoke scale ---------------------------------------------- */

/* fig9, losses and fig16 at smoke scale, with Fashion-MNIST when installed. */
static void test_sections_smoke(void **state) {
    (void)state;
    mg_repro_summary run;
    int fm;
    char *dir = tu_repro_smoke("fig9,losses,fig16", 3, 4, (const char *[]){"Theorem 3.1", NULL}, &run, &fm);
    cJSON *res = tu_repro_summary(dir);
    const cJSON *sec = cJSON_GetObjectItem(res, "sections");
    print_message("sections fig9, losses, fig16 (%s): %.1f s\n", fm ? "MoG + Fashion-MNIST" : "MoG only", run.seconds);
    /* fig9 */
    tu_assert_file_nonempty(dir, "fig9/eigenvalues.csv");
    tu_assert_file_nonempty(dir, "fig9/angles.csv");
    tu_assert_file_nonempty(dir, "fig9/fig9.json");
    tu_assert_in_range(tu_json_num(sec, "fig9", "eig_median_rel_err", NULL), 0.0, 1e6, "fig9 median eigenvalue error");
    tu_assert_in_range(tu_json_num(sec, "fig9", "angle_max_deg", NULL), 0.0, 90.0, "fig9 largest angle");
    double amax = tu_json_num(sec, "fig9", "angle_max_deg", NULL);
    double alead = tu_json_num(sec, "fig9", "angle_max_lead_deg", NULL);
    tu_assert_in_range(alead, 0.0, amax + 1e-9, "fig9 leading angle");
    tu_assert_in_range(tu_json_num(sec, "fig9", "mask_violation_share", NULL), 0.0, 1.0, "fig9 mask violations");
    /* losses: the closed form of every construction whose masks hold is its Monte Carlo loss */
    tu_assert_file_nonempty(dir, "losses/train_losses.csv");
    tu_assert_file_nonempty(dir, "losses/mog_test_losses.csv");
    double n = tu_json_num(sec, "losses", "checks_masks_hold", NULL);
    tu_assert_in_range(n, 0, 1e4, "losses checks");
    tu_assert_in_range(tu_json_num(sec, "losses", "constructed_within_tol", NULL), 0, n, "losses agreeing checks");
    if (n > 0)
        tu_assert_in_range(tu_json_num(sec, "losses", "constructed_worst_rel", NULL), 0.0, 0.1,
                           "construction vs closed form");
    tu_assert_in_range(tu_json_num(sec, "losses", "test_levels", NULL), 1, 100, "losses test levels");
    tu_assert_in_range(tu_json_num(sec, "losses", "test_trained_worst_rel", NULL), 0.0, 100.0,
                       "trained test loss vs Cor. 3.3");
    /* fig16 */
    const char *names[2] = {"mog", "fmnist"};
    for (int i = 0; i < 1 + fm; i++) {
        const char *nm = names[i];
        char rel[96];
        snprintf(rel, sizeof rel, "fig16/%s_points.csv", nm);
        tu_assert_file_nonempty(dir, rel);
        snprintf(rel, sizeof rel, "fig16/%s_spectra.csv", nm);
        tu_assert_file_nonempty(dir, rel);
        const cJSON *f = cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "fig16"), nm);
        tu_assert_in_range(tu_json_num(f, "mem_erank_median", NULL), 0.0, 1e3, "memorizing effective rank");
        tu_assert_in_range(tu_json_num(f, "gen_erank_median", NULL), 0.0, 1e3, "generalizing effective rank");
        tu_assert_in_range(tu_json_num(f, "mem_align_median", NULL), 0.0, 1.0 + 1e-9, "memorizing alignment");
        tu_assert_in_range(tu_json_num(f, "gen_sample_share_median", NULL), 0.0, 1.0, "energy along a sample");
        tu_assert_in_range(tu_json_num(f, "gen_class_share_median", NULL), 0.0, 1.0, "energy in class subspace");
    }
    if (fm) {
        tu_assert_file_nonempty(dir, "fig16/fmnist_mem_pairs.png");
        tu_assert_file_nonempty(dir, "fig16/fmnist_gen_pairs_u1.npy");
    }
    cJSON_Delete(res);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_denoise_error_naive),
        cmocka_unit_test(test_denoise_error_closed_form),
        cmocka_unit_test(test_subspace_share_dense),
        cmocka_unit_test(test_sections_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
