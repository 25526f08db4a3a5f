/*
 * Experiments table1 and fig17 (memgen/experiment/table1.h, fig17.h) called
 * from C without the report: Table 1 at reduced scale (the std detector's
 * AUROC >= 0.98, at least every baseline but the oracle, faster than the
 * Jacobian-rank and clique baselines, and every table consistent with the
 * suite it summarises); several seeds drawn from the generator (each run
 * repeated alone from its seed, the aggregates equal to the per-run rows);
 * bench_skip (the same data and generations, no suite); and fig17 on the
 * same regime (groups, copies of the duplicated samples, histograms).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/experiment/fig17.h"
#include "memgen/experiment/table1.h"

/* An environment for experiments that make their own data. */
static mg_exp_env own_env(const mg_rng *rng) {
    mg_exp_env e = {NULL, 0, 0, rng, NULL, 0, NULL, NULL};
    return e;
}

/* The row of a detector in a table with a "detector" text column (-1 if none). */
static int64_t detector_row(const mg_table *t, const char *name) {
    int c = mg_table_find(t, "detector");
    for (int64_t i = 0; c >= 0 && i < t->nrows; i++)
        if (!strcmp(t->cols[c].text[i], name)) return i;
    return -1;
}

/* Table 1 at reduced scale (d = 256, 300 training samples of the abundant
 * mode, 2 duplicated samples, 500 generations; the std detector was >= 0.996
 * on 8 seeds of this setting), seed 0. */
static void test_table1_reduced(void **state) {
    (void)state;
    mg_exp_table1_params p = mg_exp_table1_defaults();
    p.per_mode = 300;
    p.n_gen = 500;
    p.levels = 12;
    p.bench.bootstrap = 50;
    p.seed = 0;
    mg_rng rng;
    mg_rng_init(&rng, 99);
    mg_exp_env env = own_env(&rng);
    mg_exp_table1_result t;
    tu_assert_ok(mg_exp_table1_run(&p, &env, &t));
    const mg_detect_bench *b = &t.model.bench;
    assert_string_equal(t.seed_list, "0");
    assert_true(t.model.seed == 0);
    assert_true(b->n_mem >= 50 && b->n_gen >= 100);
    assert_true(t.rank1_clusters == 2 && t.n_train == 320 && t.clusters == 3);
    assert_true(t.n_memorized_seed0 == b->n_mem && t.n_generalized_seed0 == b->n_gen &&
                t.n_ambiguous_seed0 == b->n_ambiguous);
    for (int r = 0; r < b->nrows; r++)
        print_message("%-10s AUROC %.4f [%.4f, %.4f] TPR@1%% %.3f  %.2f us/sample\n", b->rows[r].name,
                      b->rows[r].ev.auroc, b->rows[r].ev.auroc_lo, b->rows[r].ev.auroc_hi, b->rows[r].ev.tpr,
                      1e6 * b->rows[r].ev.sec_per_sample);
    /* the headline: std >= 0.98, at least every prompt-free baseline, faster than the costly ones */
    assert_true(t.std.auroc_seed0 >= 0.98);
    assert_true(t.std.auroc_lo_seed0 <= t.std.auroc_seed0 && t.std.auroc_seed0 <= t.std.auroc_hi_seed0);
    assert_true(t.std.auroc_seed0 >= t.flipd.auroc_seed0 && t.std.auroc_seed0 >= t.jacobian.auroc_seed0 &&
                t.std.auroc_seed0 >= t.denoise.auroc_seed0 && t.std.auroc_seed0 >= t.clique.auroc_seed0);
    assert_true(t.baseline_wins == 4 && t.baseline_ties == 0 && t.baseline_losses == 0 && !t.baseline_lost[0]);
    assert_true(t.std.usec_per_sample < t.jacobian.usec_per_sample);
    assert_true(t.std.usec_per_sample < t.clique.usec_per_sample);
    assert_true(t.time_ratio_min > 0 && t.time_ratio_min <= t.time_ratio_max);
    assert_true(t.nn_ratio.auroc_seed0 == 1.0);
    /* one run: the aggregates are the run's numbers */
    assert_true(t.std.auroc_mean == t.std.auroc_seed0 && t.std.auroc_min == t.std.auroc_seed0);
    /* labels follow the rule */
    for (int64_t i = 0; i < b->n; i++)
        assert_true(b->labels[i] ? b->ratio[i] < 1.0 / 3 : (b->ratio[i] >= 0.5 && b->cos_max[i] <= 0.9));
    assert_int_equal(b->n + b->n_ambiguous, 500);
    /* the tables describe the suite */
    assert_int_equal(t.detectors.nrows, b->nrows);
    assert_int_equal(t.scores.nrows, b->n);
    assert_int_equal(t.per_seed.nrows, 1);
    assert_int_equal(t.roc.n, 6);
    int64_t is = detector_row(&t.detectors, "std");
    assert_true(is == 0 && mg_table_col(&t.detectors, "auroc")[is] == t.std.auroc_seed0);
    assert_true(mg_table_col(&t.per_seed, "auroc_std")[0] == t.std.auroc_seed0);
    assert_true(mg_table_col(&t.per_seed, "n_memorized")[0] == (double)b->n_mem);
    const double *lab = mg_table_col(&t.scores, "memorized"), *std = mg_table_col(&t.scores, "std");
    int64_t nm = 0;
    for (int64_t i = 0; i < b->n; i++) nm += lab[i] == 1;
    assert_true(nm == b->n_mem);
    /* the calibrated threshold flags at most 1% of the generalized generations */
    int64_t flagged = 0;
    for (int64_t i = 0; i < b->n; i++) flagged += !lab[i] && std[i] > t.std_threshold_1pct_fpr_seed0;
    assert_true(flagged <= (int64_t)floor(0.01 * (double)b->n_gen));
    /* every ROC curve goes from (0, 0) to (1, 1) */
    for (int k = 0; k < t.roc.n; k++) {
        const mg_table *roc = &t.roc.t[k];
        const double *f = mg_table_col(roc, "fpr"), *tp = mg_table_col(roc, "tpr");
        assert_true(roc->nrows >= 2 && f[0] == 0 && tp[0] == 0 && f[roc->nrows - 1] == 1 && tp[roc->nrows - 1] == 1);
    }
    assert_non_null(mg_table_list_find(&t.roc, "roc_nn_ratio"));
    /* wall times: one per detector and run */
    assert_int_equal(t.timings.nrows, b->nrows);
    assert_true(mg_table_col(&t.timings, "usec_median")[is] == t.std.usec_per_sample);
    assert_int_equal(t.run_seconds.nrows, 1);
    /* bench_skip: the same training rows and generations, no suite */
    mg_exp_table1_params q = p;
    q.bench_skip = 1;
    mg_exp_table1_result u;
    tu_assert_ok(mg_exp_table1_run(&q, &env, &u));
    assert_true(u.model.bench.nrows == 0 && !u.model.bench.rows && u.model.bench.n == 0);
    assert_true(u.detectors.ncols == 0 && u.roc.n == 0);
    assert_true(u.n_train == t.n_train && u.rank1_clusters == t.rank1_clusters);
    assert_memory_equal(u.model.train.data, t.model.train.data, (size_t)(t.n_train * p.d) * sizeof(float));
    assert_memory_equal(u.model.gens.data, t.model.gens.data, (size_t)(p.n_gen * p.d) * sizeof(float));
    mg_exp_table1_free(&u);
    mg_exp_table1_free(&t);
    mg_exp_table1_free(&t);
    mg_exp_table1_free(NULL);
}

/* Two seeds drawn from the generator: seed j = mg_rng_below(fork j, 2^62);
 * run 1 alone from its seed gives the same numbers; the aggregates are those
 * of the per-run rows. */
static void test_table1_seeds(void **state) {
    (void)state;
    mg_exp_table1_params p = mg_exp_table1_defaults();
    p.d = 64;
    p.cov_rank = 16;
    p.per_mode = 150;
    p.n_gen = 300;
    p.levels = 8;
    p.bench.bootstrap = 20;
    p.bench.repeats = 1;
    p.seeds = 2;
    mg_rng rng;
    mg_rng_init(&rng, 5);
    mg_exp_env env = own_env(&rng);
    mg_exp_table1_result t;
    tu_assert_ok(mg_exp_table1_run(&p, &env, &t));
    uint64_t s[2];
    for (int j = 0; j < 2; j++) {
        mg_rng g = mg_rng_fork(&rng, (uint64_t)j);
        s[j] = mg_rng_below(&g, (uint64_t)1 << 62);
    }
    char want[64];
    snprintf(want, sizeof want, "%" PRIu64 ",%" PRIu64, s[0], s[1]);
    assert_string_equal(t.seed_list, want);
    assert_int_equal(t.per_seed.nrows, 2);
    const double *a = mg_table_col(&t.per_seed, "auroc_std");
    assert_true(t.std.auroc_min == fmin(a[0], a[1]));
    assert_true(fabs(t.std.auroc_mean - 0.5 * (a[0] + a[1])) < 1e-15);
    int64_t is = detector_row(&t.over_seeds, "std");
    assert_true(mg_table_col(&t.over_seeds, "auroc_max")[is] == fmax(a[0], a[1]));
    assert_int_equal(t.baseline_wins + t.baseline_ties + t.baseline_losses, 8);
    /* run 1 on its own */
    mg_exp_table1_params q = p;
    q.seeds = 1;
    q.seed = (int64_t)s[1];
    mg_exp_table1_result u;
    tu_assert_ok(mg_exp_table1_run(&q, &env, &u));
    assert_true(u.std.auroc_seed0 == a[1]);
    assert_true(mg_table_col(&u.per_seed, "n_memorized")[0] == mg_table_col(&t.per_seed, "n_memorized")[1]);
    mg_exp_table1_free(&u);
    /* bad parameters are refused with a message */
    q.seeds = MG_EXP_TABLE1_MAX_SEEDS + 1;
    assert_int_equal(mg_exp_table1_run(&q, &env, &u), MG_ERR_ARG);
    q = p;
    q.dup_times = 1;
    assert_int_equal(mg_exp_table1_run(&q, &env, &u), MG_ERR_ARG);
    mg_exp_table1_free(&t);
}

/* fig17 on a small hybrid regime: its groups follow table1's rule, the
 * copies copy the duplicated samples, Std(h) is higher on the copies, the
 * histograms count every generation in range. */
static void test_fig17(void **state) {
    (void)state;
    mg_exp_fig17_params p = mg_exp_fig17_defaults();
    p.model.per_mode = 300;
    p.model.n_gen = 400;
    p.model.levels = 12;
    mg_rng rng;
    mg_rng_init(&rng, 11);
    mg_exp_env env = own_env(&rng);
    mg_exp_fig17_result r;
    tu_assert_ok(mg_exp_fig17_run(&p, &env, &r));
    mg_rng g = mg_rng_fork(&rng, 0);
    char want[24];
    snprintf(want, sizeof want, "%" PRIu64, mg_rng_below(&g, (uint64_t)1 << 62));
    assert_string_equal(r.seed, want);
    assert_true(r.n == 400 && r.n_memorized + r.n_generalized + r.n_ambiguous == 400);
    assert_true(r.n_memorized > 0 && r.n_generalized > 0);
    assert_true(fabs(r.frac_memorized + r.frac_generalized + r.frac_ambiguous - 1) < 1e-12);
    const mg_table *gt = &r.generations;
    const double *ratio = mg_table_col(gt, "nn_ratio"), *cs = mg_table_col(gt, "cos_max");
    const double *grp = mg_table_col(gt, "group"), *dup = mg_table_col(gt, "nn1_is_duplicated");
    int64_t copies_of_dup = 0, in_unit = 0;
    for (int64_t i = 0; i < gt->nrows; i++) {
        int want_g = ratio[i] < 1.0 / 3 ? 1 : ratio[i] >= 0.5 && cs[i] <= 0.9 ? 0 : -1;
        assert_true(grp[i] == want_g);
        copies_of_dup += grp[i] == 1 && dup[i] == 1;
        in_unit += cs[i] >= 0 && cs[i] <= 1;
    }
    assert_true(copies_of_dup == r.memorized_duplicates);
    assert_true(r.copies_of_duplicates_share >= 0.9);
    assert_true(r.std_median_memorized > r.std_median_generalized && r.std_auroc >= 0.9 && r.std_auroc <= 1);
    double nr = 0, nc = 0;
    for (int b = 0; b < p.bins; b++) nr += r.hist_ratio.cols[2].num[b], nc += r.hist_cos.cols[2].num[b];
    assert_true(nr == 400 && nc == (double)in_unit);
    assert_true(r.ratio.peak1 >= 0 && r.ratio.peak1 < p.bins);
    mg_exp_fig17_free(&r);
    mg_exp_fig17_free(&r);
}

/* The descriptors are well formed and registered. */
static void test_descriptors(void **state) {
    (void)state;
    const mg_experiment *e[2] = {mg_experiment_find("table1"), mg_experiment_find("fig17")};
    for (int k = 0; k < 2; k++) {
        assert_non_null(e[k]);
        assert_int_equal(e[k]->inputs, MG_EXP_OWN_DATA);
        tu_assert_ok(mg_fields_check(e[k]->params, e[k]->nparams, e[k]->id));
        tu_assert_ok(mg_fields_check(e[k]->results, e[k]->nresults, e[k]->id));
    }
    /* fig17's regime fields point into its embedded table1 parameters */
    mg_exp_fig17_params p = mg_exp_fig17_defaults();
    tu_assert_ok(mg_field_parse(&p, mg_field_find(e[1]->params, e[1]->nparams, "n_gen"), "123"));
    tu_assert_ok(mg_field_parse(&p, mg_field_find(e[1]->params, e[1]->nparams, "bench.gen_cos"), "0.8"));
    assert_true(p.model.n_gen == 123 && p.model.bench.gen_cos == 0.8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_table1_reduced),
        cmocka_unit_test(test_table1_seeds),
        cmocka_unit_test(test_fig17),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
