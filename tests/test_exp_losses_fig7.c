/*
 * Experiments losses and fig7 called from C without the report
 * (memgen/experiment/losses.h, fig7.h), on a small Gaussian mixture built
 * and trained by mg_exp_data_build: the tables hold what their headers say
 * (Cor. 3.2's loss recomputed by hand, the sigma grid, every tally recounted
 * from the rows), the construction's Monte Carlo loss matches its closed
 * form where the masks hold at small noise (Theorem 3.1), Cor. 3.4's closed
 * form stores every duplicated point as one column r x, the column counts
 * add up, and the same seed gives the same numbers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/experiment/fig7.h"
#include "memgen/experiment/losses.h"

enum { NSIG = 3 };
static const double SIGMAS[NSIG] = {0.05, 0.2, 1.0};

/* The shared mixture: d = 32, 2 x 150 generalizing rows, small sets trained over SIGMAS. */
static mg_exp_data g_data;

/* Builds the dataset once for the file. */
static int setup(void **state) {
    (void)state;
    mg_exp_data_params p = mg_exp_data_params_default(MG_EXP_MOG);
    p.d = 32;
    p.n_gen = 300;
    p.n_test = 60;
    p.mem_train.steps = 1500;
    p.gen_train.hidden = 12;
    p.gen_train.steps = 200;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    return mg_exp_data_build(&p, SIGMAS, NSIG, &rng, NULL, NULL, &g_data) == MG_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    mg_exp_data_free(&g_data);
    return 0;
}

/* The environment of a call on g_data with the experiment's generator. */
static mg_exp_env env_of(const mg_exp_data *const *datas, mg_rng *rng, const char *id) {
    mg_rng base;
    mg_rng_init(&base, 11);
    *rng = mg_rng_fork_named(&base, id);
    mg_exp_env e = {datas, 1, 0, rng, SIGMAS, NSIG, NULL, NULL};
    return e;
}

/* A numeric column of a table (fails the test when missing). */
static const double *col(const mg_table *t, const char *name) {
    const double *c = mg_table_col(t, name);
    if (!c) fail_msg("table %s has no column %s", t->name, name);
    return c;
}

/* Losses: the tables, the tallies recounted from them, and Theorem 3.1 where the masks hold. */
static void test_losses(void **state) {
    (void)state;
    const mg_exp_data *datas[1] = {&g_data};
    mg_rng rng;
    mg_exp_env env = env_of(datas, &rng, "losses");
    mg_exp_losses_params p = mg_exp_losses_defaults();
    p.mc_mem = 400;
    p.mc_gen = 2;
    p.mc_test = 4;
    mg_exp_losses_result r;
    tu_assert_ok(mg_exp_losses_run(&p, &env, &r));
    /* train_losses: the CSV's columns, one row per regime and level */
    const mg_table *t = &r.train_losses;
    assert_string_equal(t->name, "train_losses");
    assert_int_equal(t->ncols, 12);
    assert_int_equal(t->nrows, 2 * NSIG);
    assert_int_equal(r.rows, 2 * NSIG);
    const double *gen = col(t, "generalizing"), *sig = col(t, "sigma"), *hold = col(t, "masks_hold");
    const double *viol = col(t, "mask_violation_share"), *pred = col(t, "predicted"), *con = col(t, "constructed_mc");
    const double *se = col(t, "constructed_se"), *trn = col(t, "trained_mc"), *m0 = col(t, "cor32_lambda0");
    int64_t nhold = 0, nfail = 0;
    double worst = 0;
    mg_mat M = mg_exp_mem(&g_data);
    for (int64_t i = 0; i < t->nrows; i++) {
        assert_true(col(t, "dataset")[i] == 0);
        assert_true(gen[i] == (i >= NSIG));
        assert_true(sig[i] == SIGMAS[i % NSIG]);
        assert_true(col(t, "level")[i] == i % NSIG);
        tu_assert_in_range(viol[i], 0, 1, "mask violation share");
        assert_true(pred[i] > 0 && con[i] > 0 && trn[i] > 0 && se[i] >= 0);
        if (hold[i]) assert_true(viol[i] == 0);
        nhold += hold[i] != 0;
        nfail += hold[i] == 0;
        if (hold[i]) worst = fmax(worst, fabs(trn[i] - pred[i]) / pred[i]);
        /* Cor. 3.2 at lambda -> 0, by hand: (1/n) sum sigma^2 |x|^2 / (sigma^2 + |x|^2) */
        if (gen[i]) {
            assert_true(isnan(m0[i]));
            continue;
        }
        double s2 = sig[i] * sig[i], want = 0;
        for (int64_t k = 0; k < M.rows; k++) {
            double q = 0;
            for (int64_t j = 0; j < M.cols; j++) q += (double)M.data[k * M.ld + j] * M.data[k * M.ld + j];
            want += s2 * q / (s2 + q) / (double)M.rows;
        }
        assert_true(fabs(m0[i] - want) <= 1e-9 * want);
        /* Theorem 3.1: where the masks hold at small noise the constructed model's loss is the closed form */
        if (hold[i] && sig[i] <= 0.2) assert_true(fabs(con[i] - pred[i]) <= fmax(0.02 * pred[i], 4 * se[i]));
    }
    assert_true(nhold >= 1); /* the memorizing mixture rows are separable */
    assert_int_equal(r.rows_masks_fail, nfail);
    assert_int_equal(r.trained_rows_masks_hold, nhold);
    assert_true(r.trained_worst_rel == worst);
    assert_true(r.trained_median_rel <= r.trained_worst_rel);
    assert_true(r.constructed_within_tol <= r.checks_masks_hold);
    assert_true(r.checks_low_sigma_within_tol <= r.checks_low_sigma && r.checks_low_sigma <= r.checks_masks_hold);
    /* the mixture's test losses: one row per level */
    assert_int_equal(r.test_levels, NSIG);
    assert_int_equal(r.test_losses.nrows, NSIG);
    for (int64_t i = 0; i < NSIG; i++) {
        assert_true(col(&r.test_losses, "sigma")[i] == SIGMAS[i]);
        assert_true(col(&r.test_losses, "cor33_oracle")[i] > 0);
        assert_true(col(&r.test_losses, "construction_risk")[i] > 0);
    }
    tu_assert_in_range(r.gen_violation_share, 0, 1, "mixture violation share");
    assert_true(r.gen_alpha >= 0 && r.gen_beta < 0); /* two modes at mu and -mu */
    assert_true(col(&r.partitions, "gamma")[1] == col(&r.partitions, "gamma")[1]); /* recorded (not NaN) */
    /* partitions: memorizing then generalizing, levels counted from the rows */
    assert_int_equal(r.partitions.nrows, 2);
    assert_true(col(&r.partitions, "levels")[0] == NSIG);
    double held0 = 0;
    for (int64_t i = 0; i < NSIG; i++) held0 += hold[i];
    assert_true(col(&r.partitions, "levels_masks_hold")[0] == held0);
    /* the same generator, the same numbers */
    mg_exp_losses_result r2;
    env = env_of(datas, &rng, "losses");
    tu_assert_ok(mg_exp_losses_run(&p, &env, &r2));
    for (int c = 0; c < t->ncols; c++)
        for (int64_t i = 0; i < t->nrows; i++) {
            double a = t->cols[c].num[i], b = r2.train_losses.cols[c].num[i];
            assert_true(a == b || (isnan(a) && isnan(b)));
        }
    mg_exp_losses_free(&r2);
    mg_exp_losses_free(&r);
    mg_exp_losses_free(NULL);
    /* a set trained over another grid is refused */
    env = env_of(datas, &rng, "losses");
    env.nsigmas = 2;
    assert_int_equal(mg_exp_losses_run(&p, &env, &r), MG_ERR_ARG);
}

/* fig7: Cor. 3.4's closed form memorises each duplicated point; counts add up. */
static void test_fig7(void **state) {
    (void)state;
    const mg_exp_data *datas[1] = {&g_data};
    mg_rng rng;
    mg_exp_env env = env_of(datas, &rng, "fig7");
    mg_exp_fig7_params p = mg_exp_fig7_defaults();
    p.times = 10;
    p.steps_mog = 120;
    p.warm_steps = 40;
    mg_exp_fig7_result r;
    tu_assert_ok(mg_exp_fig7_run(&p, &env, &r));
    assert_int_equal(r.rows, g_data.gen.shape[0] + MG_EXP_FIG7_NDUP * p.times);
    assert_true(r.injected);
    assert_int_equal(r.base_clusters, 2);
    assert_int_equal(r.clusters, 2 + MG_EXP_FIG7_NDUP);
    assert_true(r.rank1_clusters >= MG_EXP_FIG7_NDUP);
    assert_int_equal(r.hidden, g_data.params.gen_train.hidden + MG_EXP_FIG7_NDUP);
    /* the closed form: each duplicated point is one column r x (cosine 1), checked on the arrays */
    const mg_exp_fig7_model *mods[3] = {&r.trained, &r.construction, &r.from_closed_form};
    const mg_table *cols[3] = {&r.columns_trained, &r.columns_construction, &r.columns_from_closed_form};
    int64_t d = g_data.d, P = r.hidden;
    assert_int_equal(r.W_closed_form.shape[0], d);
    assert_int_equal(r.W_closed_form.shape[1], P);
    assert_int_equal(r.duplicated_points.shape[0], MG_EXP_FIG7_NDUP);
    const float *W = r.W_closed_form.data, *U = r.duplicated_points.data;
    for (int k = 0; k < MG_EXP_FIG7_NDUP; k++) {
        int64_t j = r.construction.best_dup_col[k];
        double uw = 0, uu = 0, ww = 0;
        for (int64_t i = 0; i < d; i++) {
            double u = U[k * d + i], w = W[i * P + j];
            uw += u * w, uu += u * u, ww += w * w;
        }
        assert_true(uw / sqrt(uu * ww) > 0.9999);
        assert_true(fabs(r.construction.best_dup_cos[k] - uw / sqrt(uu * ww)) < 1e-6);
    }
    assert_true(r.construction.memorizing_columns >= MG_EXP_FIG7_NDUP);
    assert_true(r.construction.min_dup_cos > 0.9999);
    /* every model: the column table's kinds are the counts */
    for (int m = 0; m < 3; m++) {
        const mg_exp_fig7_model *c = mods[m];
        assert_true(c->have);
        assert_true(isfinite(c->loss) && c->loss > 0);
        assert_int_equal(cols[m]->nrows, c->p);
        const double *kind = cols[m]->cols[6].num;
        int64_t n[4] = {0}; /* zero, generalizing, memorizing, copying */
        for (int64_t j = 0; j < c->p; j++) n[(int)kind[j] + 1]++;
        assert_int_equal(n[2], c->memorizing_columns);
        assert_int_equal(n[1], c->generalizing_columns);
        assert_int_equal(n[3], c->columns_copying_other_sample);
        double mn = INFINITY;
        for (int k = 0; k < MG_EXP_FIG7_NDUP; k++) mn = fmin(mn, c->best_dup_cos[k]);
        assert_true(mn == c->min_dup_cos);
    }
    assert_true(r.trained.train_seconds > 0 && r.from_closed_form.train_seconds > 0);
    assert_int_equal(r.models.nrows, 3);
    assert_int_equal(r.duplicated_matches.nrows, MG_EXP_FIG7_NDUP);
    assert_int_equal(r.block_angles.nrows, r.clusters);
    assert_null(r.column_grid.data); /* not images */
    /* the same generator, the same model */
    mg_exp_fig7_result r2;
    env = env_of(datas, &rng, "fig7");
    tu_assert_ok(mg_exp_fig7_run(&p, &env, &r2));
    assert_memory_equal(r.W1_trained.data, r2.W1_trained.data, (size_t)(d * P) * sizeof(float));
    assert_true(r.trained.loss == r2.trained.loss);
    mg_exp_fig7_free(&r2);
    mg_exp_fig7_free(&r);
    mg_exp_fig7_free(NULL);
    /* bad parameters are refused */
    p.times = 1;
    assert_int_equal(mg_exp_fig7_run(&p, &env, &r), MG_ERR_ARG);
}

/* Both are registered with well-formed field tables. */
static void test_registered(void **state) {
    (void)state;
    const char *ids[2] = {"losses", "fig7"};
    for (int i = 0; i < 2; i++) {
        const mg_experiment *e = mg_experiment_find(ids[i]);
        assert_non_null(e);
        tu_assert_ok(mg_fields_check(e->params, e->nparams, ids[i]));
        tu_assert_ok(mg_fields_check(e->results, e->nresults, ids[i]));
    }
    assert_int_equal(mg_experiment_find("losses")->inputs, MG_EXP_EACH_DATASET);
    assert_int_equal(mg_experiment_find("fig7")->inputs, MG_EXP_EACH_DATASET);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registered),
        cmocka_unit_test(test_losses),
        cmocka_unit_test(test_fig7),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
