/*
 * Sections fig3, fig4, fig5 and fig14 of `memgen reproduce` at smoke scale
 * (the page is well-formed, every data file exists, the headline numbers in
 * summary.json are finite and in range, and f_emp's samples are copies), and
 * the mixture log-density they use (mg_mog_logpdf) against a dense
 * covariance computation and the 1-D closed form.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/data.h"
#include "memgen/mog.h"

#define PI_ 3.14159265358979323846

/* log det and inverse of a small SPD matrix A (n x n, row-major) by
 * Gauss-Jordan elimination without pivoting (fine for SPD): A is destroyed,
 * inv receives A^-1. Returns log det A. */
static double spd_inverse(double *A, double *inv, int n) {
    double ld = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) inv[i * n + j] = i == j;
    for (int c = 0; c < n; c++) {
        double piv = A[c * n + c];
        ld += log(piv);
        for (int j = 0; j < n; j++) A[c * n + j] /= piv, inv[c * n + j] /= piv;
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = A[r * n + c];
            for (int j = 0; j < n; j++) A[r * n + j] -= f * A[c * n + j], inv[r * n + j] -= f * inv[c * n + j];
        }
    }
    return ld;
}

/* The smoothed mixture's log-density equals a dense evaluation with
 * C_k = B_k diag(ev_k) B_k^T + sigma^2 I formed explicitly. */
static void test_logpdf_dense(void **state) {
    (void)state;
    enum { D = 4, K = 2, N = 5 };
    mg_mog m;
    tu_assert_ok(mg_mog_alloc(&m, K, D));
    mg_rng r;
    mg_rng_init(&r, 11);
    const double ev[K][D] = {{2.0, 0.7, 0.2, 0.0}, {1.5, 1.0, 0.5, 0.1}};
    m.weights[0] = 0.3, m.weights[1] = 0.7;
    for (int k = 0; k < K; k++) {
        tu_assert_ok(mg_random_orthonormal(&r, D, D, m.bases + k * D * D));
        for (int j = 0; j < D; j++) {
            m.eigvals[k * D + j] = ev[k][j];
            m.means[k * D + j] = (k ? -1.0 : 1.0) * (j + 1) * 0.5;
        }
    }
    tu_assert_ok(mg_mog_validate(&m));
    float Y[N * D];
    for (int i = 0; i < N * D; i++) Y[i] = (float)(((i * 37) % 11) - 5) * 0.3f;
    mg_mat Ym = {N, D, D, Y};
    double sigma = 0.3, logp[N], maha[N * K], ref[N], refm[N * K];
    tu_assert_ok(mg_mog_logpdf(&m, Ym, sigma, logp, maha));
    for (int i = 0; i < N; i++) {
        double lw[K];
        for (int k = 0; k < K; k++) {
            double C[D * D], inv[D * D], v[D];
            const double *B = m.bases + k * D * D;
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++) {
                    double s = a == b ? sigma * sigma : 0.0;
                    for (int l = 0; l < D; l++) s += B[a * D + l] * ev[k][l] * B[b * D + l];
                    C[a * D + b] = s;
                }
            double ld = spd_inverse(C, inv, D);
            for (int a = 0; a < D; a++) v[a] = Y[i * D + a] - m.means[k * D + a];
            double q = 0;
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++) q += v[a] * inv[a * D + b] * v[b];
            refm[i * K + k] = q;
            lw[k] = log(m.weights[k]) - 0.5 * (q + ld + D * log(2 * PI_));
        }
        double mx = fmax(lw[0], lw[1]);
        ref[i] = mx + log(exp(lw[0] - mx) + exp(lw[1] - mx));
    }
    tu_assert_close_d(logp, ref, N, 1e-9, 1e-9, "log-density");
    tu_assert_close_d(maha, refm, N * K, 1e-9, 1e-9, "Mahalanobis");
    /* sigma = 0 with a zero eigenvalue is singular: refused */
    assert_int_equal(mg_mog_logpdf(&m, Ym, 0.0, logp, NULL), MG_ERR_ARG);
    mg_mat bad = {N, D - 1, D - 1, Y};
    assert_int_equal(mg_mog_logpdf(&m, bad, sigma, logp, NULL), MG_ERR_SHAPE);
    mg_mog_free(&m);
}

/* 1-D, one component: log N(y; mu, ev + sigma^2) in closed form. */
static void test_logpdf_1d(void **state) {
    (void)state;
    mg_mog m;
    tu_assert_ok(mg_mog_alloc(&m, 1, 1));
    m.means[0] = 2.0;
    m.eigvals[0] = 0.5;
    float y[3] = {2.0f, 0.0f, 5.5f};
    mg_mat Y = {3, 1, 1, y};
    double lp[3], mh[3];
    tu_assert_ok(mg_mog_logpdf(&m, Y, 0.5, lp, mh));
    for (int i = 0; i < 3; i++) {
        double v = 0.75, z = y[i] - 2.0;
        tu_assert_close_d(&lp[i], &(double){-0.5 * (z * z / v + log(2 * PI_ * v))}, 1, 1e-12, 1e-12, "1-D log-density");
        tu_assert_close_d(&mh[i], &(double){z * z / v}, 1, 1e-12, 1e-12, "1-D Mahalanobis");
    }
    mg_mog_free(&m);
}

/* The four sections at smoke scale, with Fashion-MNIST when installed. */
static void test_sections_smoke(void **state) {
    (void)state;
    mg_repro_summary run;
    int fm;
    char *dir = tu_repro_smoke("fig3,fig4,fig5,fig14", 4, 3, NULL, &run, &fm);
    cJSON *res = tu_repro_summary(dir);
    const cJSON *sec = cJSON_GetObjectItem(res, "sections");
    print_message("sections fig3, fig4, fig5, fig14 (%s): %.1f s\n", fm ? "MoG + Fashion-MNIST" : "MoG only",
                  run.seconds);
    const char *names[2] = {"mog", "fmnist"};
    for (int i = 0; i < 1 + fm; i++) {
        const char *n = names[i];
        char rel[128];
        const char *files[] = {"fig3/%s_mem_measures.csv", "fig3/%s_gen_samples.npy", "fig3/%s_test_measures.csv",
                               "fig4/%s_W1_gen.npy", "fig4/%s_gen_columns.csv", "fig4/%s_mem_samples.csv",
                               "fig5/%s_mem_train_metrics.csv", "fig5/%s_single_h_gen.npy",
                               "fig14/%s_mem_test_level1.csv", "fig14/%s_gen_train_level2.csv"};
        for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
            snprintf(rel, sizeof rel, files[k], n);
            tu_assert_file_nonempty(dir, rel);
        }
        /* f_emp's samples are copies of its training rows by construction */
        tu_assert_in_range(tu_json_num(sec, "fig3", n, "emp", "memorized", NULL), 0.9, 1.0,
                           "f_emp memorized fraction");
        tu_assert_in_range(tu_json_num(sec, "fig3", n, "gen", "memorized", NULL), 0.0, 1.0,
                           "generalizing memorized fraction");
        tu_assert_in_range(tu_json_num(sec, "fig3", n, "gen_inside_share", NULL), 0.0, 1.0, "share inside");
        tu_assert_in_range(tu_json_num(sec, "fig4", n, "mem_min_best_cosine", NULL), -1.0, 1.0, "best cosine");
        tu_assert_in_range(tu_json_num(sec, "fig4", n, "span_ratio", NULL), 0.0, 1.5, "span ratio");
        tu_assert_in_range(tu_json_num(sec, "fig5", n, "std", "auroc", NULL), 0.0, 1.0, "AUROC of std");
        tu_assert_in_range(tu_json_num(sec, "fig5", n, "top1", "median_mem", NULL), 0.0, 1.0, "top-1 share");
        tu_assert_in_range(tu_json_num(sec, "fig14", n, "lo", "gen_test_mse", NULL), 0.0, 1e3, "test MSE");
        tu_assert_in_range(tu_json_num(sec, "fig14", n, "lo", "mem_train_mse", NULL), 0.0, 1e3, "train MSE");
    }
    if (fm) {
        tu_assert_file_nonempty(dir, "fig3/fmnist_gen_grid.png");
        tu_assert_file_nonempty(dir, "fig4/fmnist_gen_columns.png");
        tu_assert_file_nonempty(dir, "fig14/fmnist_denoise_level1.png");
    }
    tu_assert_file_nonempty(dir, "fig3/summary.json");
    tu_assert_file_nonempty(dir, "fig14/summary.json");
    cJSON_Delete(res);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logpdf_dense),
        cmocka_unit_test(test_logpdf_1d),
        cmocka_unit_test(test_sections_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
