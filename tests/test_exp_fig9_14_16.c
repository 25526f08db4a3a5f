/*
 * Experiments fig14, fig16 and fig9 called from C without the report, on a
 * smoke-size Gaussian mixture built by mg_exp_data_build: their numbers
 * against direct recomputation (the documented noise generators, the dense
 * Jacobian, the result tables behind the headline numbers), their
 * invariants and their argument checks; and the comparison operators of the
 * report's expression language that their verdict rules use.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/dae.h"
#include "memgen/experiment/fig14.h"
#include "memgen/experiment/fig16.h"
#include "memgen/experiment/fig9.h"
#include "memgen/jacobian.h"
#include "memgen/repr.h"

/* The shared MoG dataset (smoke sizes of `memgen reproduce`) and the noise grid. */
static mg_exp_data g_data;
static const double SIGMAS[3] = {0.02, 0.2, 2.0};
static mg_rng g_rng; /* the experiments' generator */

/* Builds the dataset once for the group. */
static int setup(void **state) {
    (void)state;
    mg_exp_data_params p = mg_exp_data_params_default(MG_EXP_MOG);
    p.d = 64;
    p.n_gen = 500;
    p.n_test = 100;
    p.mem_train.steps = 3000;
    p.gen_train.hidden = 16;
    p.gen_train.steps = 300;
    mg_rng r;
    mg_rng_init(&r, 3);
    if (mg_exp_data_build(&p, SIGMAS, 3, &r, NULL, NULL, &g_data) != MG_OK) return -1;
    g_rng = mg_rng_fork_named(&r, "h2-test");
    return 0;
}

/* Frees it. */
static int teardown(void **state) {
    (void)state;
    mg_exp_data_free(&g_data);
    return 0;
}

/* The environment of a call on the dataset at position index. */
static mg_exp_env env_of(const mg_exp_data *const *d, int index) {
    mg_exp_env e = {d, 1, index, &g_rng, SIGMAS, 3, NULL, NULL};
    return e;
}

/* Mean of a numeric column. */
static double col_mean(const mg_table *t, const char *name) {
    const double *v = mg_table_col(t, name);
    assert_non_null(v);
    double s = 0;
    for (int64_t i = 0; i < t->nrows; i++) s += v[i] / (double)t->nrows;
    return s;
}

/* |f(x + sigma eps) - x|^2 / d for row i of X, eps = row i's noise of generator k. */
static double row_mse(const mg_dae *m, mg_mat X, int64_t i, double sigma, uint64_t k) {
    int64_t d = X.cols;
    float *xt = malloc((size_t)d * sizeof(float)), *y = malloc((size_t)d * sizeof(float));
    mg_rng r = mg_rng_fork(&g_rng, k);
    mg_mat x1 = {1, d, d, X.data + i * X.ld}, xt1 = {1, d, d, xt}, y1 = {1, d, d, y}, h = {1, 0, 0, NULL};
    tu_assert_ok(mg_noisy_rows(x1, sigma, &r, i, xt1));
    tu_assert_ok(mg_dae_forward(m, xt1, h, y1));
    double e = 0;
    for (int64_t j = 0; j < d; j++) e += ((double)y[j] - x1.data[j]) * ((double)y[j] - x1.data[j]);
    free(xt), free(y);
    return e / (double)d;
}

/* fig14: the tables behind the headline numbers, the documented noise, determinism. */
static void test_fig14(void **state) {
    (void)state;
    const mg_exp_data *dp = &g_data;
    mg_exp_env env = env_of(&dp, 0);
    mg_exp_fig14_params p = mg_exp_fig14_defaults();
    p.train_rows = 24;
    p.test_rows = 30;
    mg_exp_fig14_result r, r2;
    tu_assert_ok(mg_exp_fig14_run(&p, &env, &r));
    assert_int_equal(r.lo.level, 1);
    assert_int_equal(r.hi.level, 2); /* nearest 1 on {0.02, 0.2, 2} */
    assert_true(r.lo.sigma == 0.2 && r.hi.sigma == 2.0);
    assert_int_equal(r.rows_train_mem, 24);
    assert_int_equal(r.rows_test, 30);
    assert_int_equal(r.samples_mem, g_data.mem.shape[0]);
    assert_int_equal(r.cells.n, 8);
    const mg_table *mt = mg_table_list_find(&r.cells, "mem_test_level1"), *gt = mg_table_list_find(&r.cells, "gen_test_level1");
    const mg_table *mtr = mg_table_list_find(&r.cells, "mem_train_level2");
    assert_non_null(mt);
    assert_non_null(gt);
    assert_non_null(mtr);
    assert_int_equal(mt->nrows, 30);
    assert_int_equal(mtr->nrows, 24);
    assert_int_equal(mg_table_find(mt, "mse"), 0);
    assert_true(mg_table_find(mt, "std") > 0 && mg_table_find(mt, "top1") > 0);
    /* headline numbers are the tables' means and medians */
    tu_assert_close_d(&r.lo.mem_test_mse, &(double){col_mean(mt, "mse")}, 1, 1e-12, 1e-9, "mean test MSE");
    tu_assert_close_d(&r.hi.mem_train_mse, &(double){col_mean(mtr, "mse")}, 1, 1e-12, 1e-9, "mean train MSE");
    mg_summary sm;
    tu_assert_ok(mg_summarize(mg_table_col(gt, "top1"), gt->nrows, &sm));
    assert_true(sm.median == r.lo.gen_test_median_top1);
    tu_assert_close_d(&r.lo.mem_mse_ratio, &(double){r.lo.mem_test_mse / r.lo.mem_train_mse}, 1, 0, 1e-12, "ratio");
    /* both models see the same noisy test rows: generator 16 * index + 4 * level + 2, row i fork i */
    mg_mat test = mg_exp_test(&g_data);
    for (int64_t i = 0; i < 3; i++) {
        double want_m = row_mse(g_data.mem_set.levels[1], test, i, 0.2, 2);
        double want_g = row_mse(g_data.gen_set.levels[1], test, i, 0.2, 2);
        tu_assert_close_d(&mt->cols[0].num[i], &want_m, 1, 1e-7, 1e-4, "memorizing test-row MSE");
        tu_assert_close_d(&gt->cols[0].num[i], &want_g, 1, 1e-7, 1e-4, "generalizing test-row MSE");
    }
    /* cosines, the page table, no image grids for the mixture */
    tu_assert_in_range(r.lo.mem_test_input_cos, -1.0, 1.0, "input cosine");
    assert_true(r.lo.mem_test_input_cos == r.hi.mem_test_input_cos);
    tu_assert_in_range(r.hi.mem_test_output_cos, -1.0, 1.0 + 1e-9, "output cosine");
    assert_int_equal(r.denoising.nrows, 4);
    assert_true(mg_table_col(&r.denoising, "test_mse")[3] == r.hi.gen_test_mse);
    assert_null(r.grid_lo.data);
    assert_int_equal(r.grid_train, 0);
    /* deterministic; another dataset position draws other noise */
    tu_assert_ok(mg_exp_fig14_run(&p, &env, &r2));
    assert_memory_equal(mt->cols[1].num, mg_table_list_find(&r2.cells, "mem_test_level1")->cols[1].num,
                        (size_t)mt->nrows * sizeof(double));
    mg_exp_fig14_free(&r2);
    mg_exp_env env1 = env_of(&dp, 1);
    tu_assert_ok(mg_exp_fig14_run(&p, &env1, &r2));
    assert_true(r2.lo.mem_test_mse != r.lo.mem_test_mse);
    mg_exp_fig14_free(&r2);
    mg_exp_fig14_free(&r);
    mg_exp_fig14_free(NULL);
    /* a sigma that is not a level is refused */
    p.sigma = 0.3;
    assert_int_equal(mg_exp_fig14_run(&p, &env, &r), MG_ERR_ARG);
}

/* fig16: per-point measures against the dense Jacobian, summaries against the tables. */
static void test_fig16(void **state) {
    (void)state;
    const mg_exp_data *dp = &g_data;
    mg_exp_env env = env_of(&dp, 0);
    mg_exp_fig16_params p = mg_exp_fig16_defaults();
    p.noise_draws_per_memorized_sample = 3;
    p.test_points = 7;
    mg_exp_fig16_result r;
    tu_assert_ok(mg_exp_fig16_run(&p, &env, &r));
    int64_t nm = g_data.mem.shape[0] * 3, d = g_data.d;
    assert_int_equal(r.mem.points, nm);
    assert_int_equal(r.gen.points, 7);
    assert_int_equal(r.points.nrows, nm + 7);
    assert_int_equal(r.gen.units, 16);
    assert_int_equal(r.class_subspace_dim, 16);
    tu_assert_close_d(&r.random_share, &(double){16.0 / (double)d}, 1, 0, 1e-12, "random share");
    assert_int_equal(r.spectra.nrows, r.mem.units > r.gen.units ? r.mem.units : r.gen.units);
    /* spectra: singular values sorted per point, so their medians are too; NaN past a model's units */
    const double *gm = mg_table_col(&r.spectra, "gen_median");
    for (int64_t k = 1; k < r.gen.units; k++) assert_true(gm[k] <= gm[k - 1]);
    /* ranges of the per-point measures */
    const double *er = mg_table_col(&r.points, "erank"), *ss = mg_table_col(&r.points, "energy_share_nearest_sample");
    const double *cs = mg_table_col(&r.points, "energy_share_class_subspace"), *nn = mg_table_col(&r.points, "nearest_train_row");
    const double *gen_flag = mg_table_col(&r.points, "model_is_generalizing");
    for (int64_t i = 0; i < r.points.nrows; i++) {
        tu_assert_in_range(er[i], 0.0, 16.0 + 1e-9, "effective rank");
        tu_assert_in_range(ss[i], 0.0, 1.0 + 1e-9, "share along a sample");
        tu_assert_in_range(cs[i], 0.0, 1.0 + 1e-9, "share in a subspace");
        assert_true(gen_flag[i] == (i >= nm));
    }
    /* the generalizing points' share along the nearest training row, from the dense Jacobian at the
     * documented point y = x_test[i] + sigma eps_i (generator 2 * index + 1, fork i) */
    mg_mat test = mg_exp_test(&g_data), gen = mg_exp_gen(&g_data);
    double *J = malloc((size_t)(d * d) * sizeof(double));
    float *y = malloc((size_t)d * sizeof(float));
    double *mean = malloc((size_t)d * sizeof(double)), *res = malloc((size_t)d * sizeof(double));
    const double *os = mg_table_col(&r.points, "energy_share_own_direction");
    for (int64_t i = 0; i < 3; i++) {
        mg_rng rr = mg_rng_fork(&g_rng, 1);
        mg_mat x1 = {1, d, d, test.data + i * test.ld}, y1 = {1, d, d, y};
        tu_assert_ok(mg_noisy_rows(x1, 0.2, &rr, i, y1));
        tu_assert_ok(mg_jacobian_dense(g_data.gen_set.levels[1], y, J));
        int64_t k = (int64_t)nn[nm + i];
        const float *x = gen.data + k * gen.ld;
        /* the nearest row's part orthogonal to its class's mean, r = x - (x.m / m.m) m */
        double xx = 0, xm = 0, mm = 0, r2 = 0, tot = 0, along = 0, along_r = 0;
        for (int64_t a = 0; a < d; a++) mean[a] = 0;
        for (int64_t j = 0; j < gen.rows; j++)
            for (int64_t a = 0; a < d && g_data.gen_labels[j] == g_data.gen_labels[k]; a++)
                mean[a] += gen.data[j * gen.ld + a];
        for (int64_t a = 0; a < d; a++) xx += (double)x[a] * x[a], xm += x[a] * mean[a], mm += mean[a] * mean[a];
        for (int64_t a = 0; a < d; a++) res[a] = x[a] - xm / mm * mean[a], r2 += res[a] * res[a];
        for (int64_t b = 0; b < d; b++) {
            double v = 0, w = 0;
            for (int64_t a = 0; a < d; a++) {
                v += x[a] / sqrt(xx) * J[a * d + b], w += res[a] / sqrt(r2) * J[a * d + b];
                tot += J[a * d + b] * J[a * d + b];
            }
            along += v * v, along_r += w * w;
        }
        tu_assert_close_d(&ss[nm + i], &(double){along / tot}, 1, 1e-6, 1e-4, "share along the nearest row");
        tu_assert_close_d(&os[nm + i], &(double){along_r / tot}, 1, 1e-6, 1e-4, "share along its own direction");
    }
    free(J), free(y), free(mean), free(res);
    /* summaries are those of the point table */
    mg_summary sm;
    double *v = malloc((size_t)nm * sizeof(double));
    memcpy(v, er, (size_t)nm * sizeof(double));
    tu_assert_ok(mg_summarize(v, nm, &sm));
    assert_true(sm.median == r.mem.erank.median && sm.max == r.mem.erank.max);
    free(v);
    assert_int_equal(r.stats.nrows, 2);
    assert_true(mg_table_col(&r.stats, "class_share_median")[1] == r.gen.class_share.median);
    assert_null(r.mem_pairs.data); /* no images */
    mg_exp_fig16_free(&r);
    p.test_points = 0;
    assert_int_equal(mg_exp_fig16_run(&p, &env, &r), MG_ERR_ARG);
}

/* fig9: the tables behind the headline numbers, shared vs further-trained, the mixture required. */
static void test_fig9(void **state) {
    (void)state;
    const mg_exp_data *dp = &g_data;
    mg_exp_env env = env_of(&dp, 0);
    mg_exp_fig9_params p = mg_exp_fig9_defaults();
    p.extra_steps_lr = 0;
    p.extra_steps_lr_over_10 = 0;
    mg_exp_fig9_result a, b;
    tu_assert_ok(mg_exp_fig9_run(&p, &env, &a));
    assert_false(a.trained_further);
    assert_int_equal(a.models.nrows, 1);
    assert_true(a.shared_eig_max_rel_err == a.eig_max_rel_err && a.shared_angle_max_deg == a.angle_max_deg);
    assert_int_equal(a.n, 500);
    assert_int_equal(a.p, 16);
    tu_assert_close_d(&a.n_lambda, &(double){500 * a.lambda_eq6}, 1, 0, 1e-12, "n lambda");
    /* eigenvalue table: rel_err as documented; the count within tolerance and the largest error */
    const double *le = mg_table_col(&a.eigenvalues, "learned"), *ce = mg_table_col(&a.eigenvalues, "constructed");
    const double *re = mg_table_col(&a.eigenvalues, "rel_err");
    assert_true(a.eig_compared >= 1 && a.eig_compared <= a.eigenvalues.nrows);
    int64_t ok = 0;
    double mx = 0;
    for (int64_t j = 0; j < a.eig_compared; j++) {
        double want = fabs(le[j] - ce[j]) / fabs(ce[j]);
        tu_assert_close_d(&re[j], &want, 1, 0, 1e-12, "relative eigenvalue error");
        ok += re[j] <= p.eig_tol;
        mx = fmax(mx, re[j]);
        if (j) assert_true(ce[j] <= ce[j - 1] + 1e-12); /* constructed eigenvalues descending */
    }
    assert_int_equal(a.eig_within_tol, ok);
    tu_assert_close_d(&a.eig_max_rel_err, &mx, 1, 0, 1e-12, "largest eigenvalue error");
    tu_assert_close_d(&a.eig_share_within_tol, &(double){(double)ok / (double)a.eig_compared}, 1, 0, 1e-12, "share");
    /* angles: in [0, 90], the largest is the headline, the leading ones no larger */
    const double *ang = mg_table_col(&a.angles, "angle_deg");
    assert_non_null(mg_table_col(&a.angles, "angle_leading10_deg"));
    double amax = 0;
    for (int64_t i = 0; i < a.angles.nrows; i++) {
        tu_assert_in_range(ang[i], 0.0, 90.0 + 1e-9, "principal angle");
        amax = fmax(amax, ang[i]);
    }
    tu_assert_close_d(&a.angle_max_deg, &amax, 1, 0, 1e-12, "largest angle");
    tu_assert_in_range(a.angle_max_lead_deg, 0.0, a.angle_max_deg + 1e-9, "leading angle");
    assert_int_equal(a.learned_width_mode0 + a.learned_width_mode1 + a.learned_units_unassigned, 16);
    tu_assert_in_range(a.mask_violation_share, 0.0, 1.0, "mask violations");
    assert_true(a.alpha > 0);
    /* trained further: two models, the shared one's numbers kept beside the verdict model's */
    p.extra_steps_lr = 30;
    p.extra_steps_lr_over_10 = 10;
    tu_assert_ok(mg_exp_fig9_run(&p, &env, &b));
    assert_true(b.trained_further);
    assert_int_equal(b.models.nrows, 2);
    assert_true(b.shared_eig_max_rel_err == a.eig_max_rel_err);
    assert_true(mg_table_col(&b.models, "steps")[1] == 300 + 40);
    assert_true(b.eig_max_rel_err != a.eig_max_rel_err || b.angle_max_deg != a.angle_max_deg);
    mg_exp_fig9_free(&b);
    mg_exp_fig9_free(&a);
    /* the experiment needs the mixture's true density */
    mg_exp_data fake = g_data;
    fake.has_mog = 0;
    const mg_exp_data *fp = &fake;
    mg_exp_env fenv = env_of(&fp, 0);
    assert_int_equal(mg_exp_fig9_run(&p, &fenv, &a), MG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig14),
        cmocka_unit_test(test_fig16),
        cmocka_unit_test(test_fig9),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
