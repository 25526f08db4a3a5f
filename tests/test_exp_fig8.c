/*
 * Experiment fig8 (memgen/experiment/fig8.h) called from C without the
 * report, on the Gaussian mixture built at smoke sizes by mg_exp_data_build:
 * the steering window is mg_steer_window's, the sweep runs from 0 to an end
 * of the scan, every table agrees with the group summaries (counts, mean
 * gain, the mean curve), the MoG target is mode 1, the generalized samples
 * move toward it, and a second call gives the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/experiment/fig8.h"
#include "memgen/schedule.h"

/* The smoke report's mixture and its two trained sets over 0.02, 0.2, 2. */
static mg_exp_data g_data;
static double g_sigmas[3];

/* Builds the dataset once for every test. */
static int setup(void **state) {
    (void)state;
    mg_exp_data_params p = mg_exp_data_params_default(MG_EXP_MOG);
    p.d = 64;
    p.n_gen = 500;
    p.n_test = 100;
    p.mem_train.steps = 3000;
    p.gen_train.hidden = 16;
    p.gen_train.steps = 300;
    if (mg_sigmas_geometric(0.02, 2.0, 3, g_sigmas) != MG_OK) return 1;
    g_sigmas[1] = 0.2;
    mg_rng rng;
    mg_rng_init(&rng, 0);
    return mg_exp_data_build(&p, g_sigmas, 3, &rng, NULL, NULL, &g_data) == MG_OK ? 0 : 1;
}

/* Frees it. */
static int teardown(void **state) {
    (void)state;
    mg_exp_data_free(&g_data);
    return 0;
}

/* The smoke report's parameters. */
static mg_exp_fig8_params smoke_params(void) {
    mg_exp_fig8_params p = mg_exp_fig8_defaults();
    p.steps = 10;
    p.final_steps = 5;
    p.skip_last = 1;
    p.samples = 12;
    p.alphas = 5;
    return p;
}

/* Runs fig8 on the mixture as dataset `index` of a run seeded 3. */
static void run(const mg_exp_fig8_params *p, int index, mg_exp_fig8_result *r) {
    static mg_rng rng;
    mg_rng_init(&rng, 3);
    const mg_exp_data *datas[1] = {&g_data};
    mg_exp_env env = {datas, 1, index, &rng, g_sigmas, 3, NULL, NULL};
    tu_assert_ok(mg_exp_fig8_run(p, &env, r));
}

/* Numbers and tables agree with each other and with the definitions. */
static void test_fig8_invariants(void **state) {
    (void)state;
    mg_exp_fig8_params p = smoke_params();
    mg_exp_fig8_result r;
    run(&p, 0, &r);
    /* the window of steps 6..9 of 10 */
    double sig[10], hi, lo;
    tu_assert_ok(mg_sigmas_geometric(0.02, 2.0, 10, sig));
    mg_steer_window(sig, 10, 5, 1, &hi, &lo);
    assert_true(r.sigma_hi == hi && r.sigma_lo == lo && lo < hi);
    /* the MoG's target: mode 1, all of its held-out rows */
    int64_t nt = 0;
    for (int64_t i = 0; i < g_data.test.shape[0]; i++) nt += g_data.test_labels[i] == 1;
    assert_true(r.target == 1 && r.target_rows == nt);
    assert_string_equal(r.target_name, "mode 1 (mu = +5 e_1)");
    /* the sweep: 0 .. alpha_max evenly, alpha_max one of the scanned strengths */
    double scan = 1.0 / 64;
    while (scan < r.alpha_max && scan < 32) scan *= 2;
    assert_true(scan == r.alpha_max);
    const mg_table *gc = &r.gen_curves, *gp = &r.gen_per_sample;
    assert_int_equal(gc->nrows, 12 * 5);
    assert_int_equal(gp->nrows, 12);
    const double *al = mg_table_col(gc, "alpha"), *disp = mg_table_col(gc, "displacement");
    for (int j = 0; j < 5; j++) assert_true(fabs(al[j] - r.alpha_max * j / 4) <= 1e-15);
    for (int64_t i = 0; i < 12; i++) assert_true(disp[i * 5] == 0); /* a = 0 is the unsteered sample */
    /* the group: its count, its mean gain and its mean curve */
    const double *in = mg_table_col(gp, "in_group"), *gain = mg_table_col(gp, "gain");
    const double *dist = mg_table_col(gc, "distance_to_target");
    double n = 0, g = 0, mean_last = 0;
    for (int64_t i = 0; i < 12; i++) n += in[i];
    for (int64_t i = 0; i < 12; i++)
        if (in[i]) g += gain[i] / n, mean_last += dist[i * 5 + 4] / dist[i * 5] / n;
    assert_true(n == (double)r.generalized.count && n >= 1);
    assert_true(fabs(g - r.generalized.gain) < 1e-12);
    const mg_table *sh = &r.gen_shown;
    const double *ss = mg_table_col(sh, "sample"), *rel = mg_table_col(sh, "rel_distance");
    assert_true(ss[sh->nrows - 1] == -1 && fabs(rel[sh->nrows - 1] - mean_last) < 1e-12);
    assert_int_equal(sh->nrows, ((int64_t)fmin(n, p.shown) + 1) * 5);
    /* generalized samples move toward the target; posterior columns exist for the mixture */
    assert_true(r.generalized.gain > 0 && r.generalized.dist_last < r.generalized.dist_first);
    assert_true(!isnan(mg_table_col(gc, "target_posterior")[0]));
    /* the page table's two groups */
    assert_int_equal(r.groups.nrows, 2);
    assert_true(mg_table_col(&r.groups, "samples")[1] == (double)r.memorized.count);
    assert_null(r.strip.data); /* not image data */
    mg_exp_fig8_free(&r);
}

/* Same call, same bytes; another dataset index, other noise. */
static void test_fig8_deterministic(void **state) {
    (void)state;
    mg_exp_fig8_params p = smoke_params();
    mg_exp_fig8_result a, b, c;
    run(&p, 0, &a);
    run(&p, 0, &b);
    run(&p, 1, &c);
    const mg_table *ta = &a.gen_curves, *tb = &b.gen_curves, *tc = &c.gen_curves;
    for (int k = 0; k < ta->ncols; k++)
        assert_memory_equal(ta->cols[k].num, tb->cols[k].num, (size_t)ta->nrows * sizeof(double));
    assert_true(memcmp(ta->cols[2].num, tc->cols[2].num, (size_t)ta->nrows * sizeof(double)) != 0);
    mg_exp_fig8_free(&a);
    mg_exp_fig8_free(&b);
    mg_exp_fig8_free(&c);
    /* bad parameters are refused */
    p.skip_last = p.final_steps;
    mg_exp_fig8_result r;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    const mg_exp_data *datas[1] = {&g_data};
    mg_exp_env env = {datas, 1, 0, &rng, g_sigmas, 3, NULL, NULL};
    assert_int_equal(mg_exp_fig8_run(&p, &env, &r), MG_ERR_ARG);
    tu_assert_ok(mg_fields_check(mg_exp_fig8.results, mg_exp_fig8.nresults, "fig8"));
    tu_assert_ok(mg_fields_check(mg_exp_fig8.params, mg_exp_fig8.nparams, "fig8"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig8_invariants),
        cmocka_unit_test(test_fig8_deterministic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
