/*
 * Sections fig7, fig17, table1 and fig8 of `memgen reproduce` (helper b):
 * a smoke-scale run of the four (with Fashion-MNIST when installed) writes a
 * well-formed page, their data files and sane headline numbers (the closed
 * form of Cor. 3.4 stores each duplicated sample as a column, AUROCs and
 * fractions in range, finite medians); the two-peak histogram test of
 * repr.h used for Fig. 17's bimodal similarity, on hand-made histograms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/repr.h"

/* The four sections at smoke scale. */
static void test_sections_smoke(void **state) {
    (void)state;
    mg_repro_summary run;
    int fm;
    const char *page_has[] = {"Cor. 3.4", "TPR at 1% FPR", NULL};
    char *dir = tu_repro_smoke("fig7,fig17,table1,fig8", 4, 3, page_has, &run, &fm);
    cJSON *res = tu_repro_summary(dir);
    const cJSON *secs = cJSON_GetObjectItem(res, "sections");
    print_message("smoke: %.1f s, Fashion-MNIST %s\n", run.seconds, fm ? "used" : "not installed");
    static const char *files[] = {"fig7/summary.json", "fig7/mog_columns_trained.csv", "fig7/mog_columns_construction.csv",
                                  "fig7/mog_W1_trained.npy", "fig17/generations.csv", "fig17/hist_ratio.csv",
                                  "fig17/hist_cos.csv", "table1/detectors_seed0.csv", "table1/seeds.csv",
                                  "table1/roc_std.csv", "table1/scores_seed0.csv", "fig8/summary.json",
                                  "fig8/mog_gen_curves.csv", "fig8/mog_mem_per_sample.csv", "fig8/mog_groups.csv",
                                  "fig8/mog_gen_shown_curves.csv", "table1/over_seeds.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) tu_assert_file_nonempty(dir, files[i]);
    if (fm) {
        tu_assert_file_nonempty(dir, "fig7/fmnist_columns.png");
        tu_assert_file_nonempty(dir, "fig8/fmnist_strip.png");
    }
    /* fig7: the closed form stores each duplicated sample as a column r x (cosine 1) */
    const cJSON *f7 = cJSON_GetObjectItem(secs, "fig7");
    for (int k = 0; k < (fm ? 2 : 1); k++)
        for (int j = 1; j <= 3; j++) {
            char name[32];
            snprintf(name, sizeof name, "best_dup_cos_%d", j);
            assert_true(tu_json_num(f7, k ? "fmnist" : "mog", "construction", name, NULL) > 0.9999);
        }
    double tl = tu_json_num(f7, "mog", "trained", "loss", NULL);
    assert_true(isfinite(tl) && tl > 0);
    /* fig17: fractions and medians */
    const cJSON *f17 = cJSON_GetObjectItem(secs, "fig17");
    double fmem = tu_json_num(f17, "frac_memorized", NULL), fgen = tu_json_num(f17, "frac_generalized", NULL);
    assert_true(fmem > 0 && fmem < 1 && fgen > 0 && fmem + fgen <= 1 + 1e-12);
    assert_true(tu_json_num(f17, "std_median_memorized", NULL) > 0);
    double au = tu_json_num(f17, "std_auroc", NULL);
    assert_true(au >= 0 && au <= 1);
    /* table1: AUROC in [0, 1], times positive */
    const cJSON *t1 = cJSON_GetObjectItem(secs, "table1");
    double a0 = tu_json_num(t1, "std_auroc_seed0", NULL);
    assert_true(a0 >= 0 && a0 <= 1);
    assert_true(tu_json_num(t1, "std_usec_per_sample", NULL) > 0);
    assert_true(tu_json_num(t1, "flipd_usec_per_sample", NULL) > 0);
    assert_true(tu_json_num(t1, "n_memorized_seed0", NULL) >= 1);
    /* fig8: a positive sweep end and finite summaries */
    const cJSON *f8 = cJSON_GetObjectItem(secs, "fig8");
    assert_true(tu_json_num(f8, "mog", "alpha_max", NULL) > 0);
    double g = tu_json_num(f8, "mog", "generalized", "count", NULL);
    assert_true(g >= 1);
    assert_true(isfinite(tu_json_num(f8, "mog", "generalized", "mono", NULL)));
    cJSON_Delete(res);
    tu_rmtree(dir);
    free(dir);
}

/* The two-peak histogram test (mg_histogram_bimodal). */
static void test_bimodal(void **state) {
    (void)state;
    mg_bimodal b;
    /* two clear peaks: main at bin 1 (5), second at bin 4 (4), valley bin 3 (0) */
    int64_t h1[6] = {0, 5, 1, 0, 4, 0};
    tu_assert_ok(mg_histogram_bimodal(h1, 6, 0.5, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak1, 1);
    assert_int_equal(b.peak2, 4);
    assert_int_equal(b.valley, 3);
    tu_assert_close_d(&b.dip, (double[]){0.0}, 1, 0, 0, "dip");
    /* a shoulder, not a peak: the valley (6) is more than half of 7 */
    int64_t h2[5] = {10, 8, 6, 7, 2};
    tu_assert_ok(mg_histogram_bimodal(h2, 5, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(b.peak1, 0);
    assert_int_equal(b.peak2, -1);
    assert_true(isnan(b.dip));
    /* ... but it is one with a looser valley rule: dip 6/7 */
    tu_assert_ok(mg_histogram_bimodal(h2, 5, 0.9, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak2, 3);
    tu_assert_close_d(&b.dip, (double[]){6.0 / 7.0}, 1, 1e-15, 0, "dip");
    /* monotone: one peak */
    int64_t h3[4] = {1, 2, 3, 4};
    tu_assert_ok(mg_histogram_bimodal(h3, 4, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(b.peak1, 3);
    /* ties: the first highest bin is the main peak; an adjacent equal bin has no valley */
    int64_t h4[4] = {3, 3, 0, 3};
    tu_assert_ok(mg_histogram_bimodal(h4, 4, 0.5, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak1, 0);
    assert_int_equal(b.peak2, 3);
    assert_int_equal(b.valley, 2);
    /* the highest second peak wins over a nearer, lower one */
    int64_t h5[7] = {9, 0, 2, 0, 0, 5, 0};
    tu_assert_ok(mg_histogram_bimodal(h5, 7, 0.5, &b));
    assert_int_equal(b.peak2, 5);
    assert_int_equal(b.valley, 1);
    /* one bin, and bad arguments */
    int64_t h6[1] = {4};
    tu_assert_ok(mg_histogram_bimodal(h6, 1, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(mg_histogram_bimodal(h6, 0, 0.5, &b), MG_ERR_ARG);
    assert_int_equal(mg_histogram_bimodal(h6, 1, 1.0, &b), MG_ERR_ARG);
    int64_t h7[2] = {1, -1};
    assert_int_equal(mg_histogram_bimodal(h7, 2, 0.5, &b), MG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bimodal),
        cmocka_unit_test(test_sections_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
