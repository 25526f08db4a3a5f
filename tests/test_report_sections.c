/*
 * The report's sections at smoke scale, in three groups (with Fashion-MNIST
 * when installed): each group's page is well-formed, its data files exist,
 * and the headline numbers of summary.json are finite and in range (the
 * experiments' own numbers are tested in tests/test_exp_*.c; every verdict
 * of the whole smoke run is pinned by tests/test_reproduce.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"

/* The four sections at smoke scale, with Fashion-MNIST when installed. */
static void test_sections_samples_and_representations(void **state) {
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
                               "fig3/%s_runs.csv", "fig3/%s_tc_mem_measures.csv", "fig3/%s_tc_gen_upto_scale.csv",
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
        tu_assert_in_range(tu_json_num(sec, "fig3", n, "emp", "unit_memorized", NULL), 0.9, 1.0,
                           "f_emp memorized fraction up to scale");
        tu_assert_in_range(tu_json_num(sec, "fig3", n, "tc_gen", "scaled_inside_share", NULL), 0.0, 1.0,
                           "share inside up to scale");
        tu_assert_in_range(tu_json_num(sec, "fig4", n, "mem_min_best_cosine", NULL), -1.0, 1.0, "best cosine");
        tu_assert_in_range(tu_json_num(sec, "fig4", n, "span_ratio", NULL), 0.0, 1.5, "span ratio");
        tu_assert_in_range(tu_json_num(sec, "fig5", n, "std", "auroc", NULL), 0.0, 1.0, "AUROC of std");
        tu_assert_in_range(tu_json_num(sec, "fig5", n, "top1", "median_mem", NULL), 0.0, 1.0, "top-1 share");
        tu_assert_in_range(tu_json_num(sec, "fig14", n, "lo", "gen_test_mse", NULL), 0.0, 1e3, "test MSE");
        tu_assert_in_range(tu_json_num(sec, "fig14", n, "lo", "mem_train_mse", NULL), 0.0, 1e3, "train MSE");
    }
    if (fm) {
        tu_assert_file_nonempty(dir, "fig3/fmnist_gen_grid.png");
        tu_assert_file_nonempty(dir, "fig3/fmnist_tc_mem_grid.png");
        tu_assert_file_nonempty(dir, "fig3/fmnist_autocontrast_grid.png");
        tu_assert_file_nonempty(dir, "fig4/fmnist_gen_columns.png");
        tu_assert_file_nonempty(dir, "fig14/fmnist_denoise_level1.png");
    }
    tu_assert_file_nonempty(dir, "fig3/summary.json");
    tu_assert_file_nonempty(dir, "fig14/summary.json");
    cJSON_Delete(res);
    tu_rmtree(dir);
    free(dir);
}

/* The four sections at smoke scale. */
static void test_sections_duplication_and_detection(void **state) {
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

/* fig9, losses and fig16 at smoke scale, with Fashion-MNIST when installed. */
static void test_sections_theory(void **state) {
    (void)state;
    mg_repro_summary run;
    int fm;
    char *dir = tu_repro_smoke("fig9,losses,fig16", 3, 4, (const char *[]){"Theorem 3.1", NULL}, &run, &fm);
    cJSON *res = tu_repro_summary(dir);
    const cJSON *sec = cJSON_GetObjectItem(res, "sections");
    print_message("sections fig9, losses, fig16 (%s): %.1f s\n", fm ? "MoG + Fashion-MNIST" : "MoG only", run.seconds);
    /* fig9 and losses run once per Gaussian mixture (tight modes, and the paper's literal one) */
    const char *mogs[2] = {"mog", "mog_paper"};
    for (int i = 0; i < 2; i++) {
        const char *nm = mogs[i];
        char rel[96];
        const char *files[] = {"fig9/%s_eigenvalues.csv", "fig9/%s_angles.csv", "losses/%s_train_losses.csv",
                               "losses/%s_test_losses.csv", "losses/%s_partitions.csv"};
        for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
            snprintf(rel, sizeof rel, files[k], nm);
            tu_assert_file_nonempty(dir, rel);
        }
        const cJSON *f9 = cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "fig9"), nm);
        tu_assert_in_range(tu_json_num(f9, "eig_median_rel_err", NULL), 0.0, 1e6, "fig9 median eigenvalue error");
        double amax = tu_json_num(f9, "angle_max_deg", NULL);
        tu_assert_in_range(amax, 0.0, 90.0, "fig9 largest angle");
        tu_assert_in_range(tu_json_num(f9, "angle_max_lead_deg", NULL), 0.0, amax + 1e-9, "fig9 leading angle");
        tu_assert_in_range(tu_json_num(f9, "mask_violation_share", NULL), 0.0, 1.0, "fig9 mask violations");
        /* losses: the closed form of every construction whose masks hold is its Monte Carlo loss */
        const cJSON *ls = cJSON_GetObjectItem(cJSON_GetObjectItem(sec, "losses"), nm);
        double n = tu_json_num(ls, "checks_masks_hold", NULL);
        tu_assert_in_range(n, 0, 1e4, "losses checks");
        tu_assert_in_range(tu_json_num(ls, "constructed_within_tol", NULL), 0, n, "losses agreeing checks");
        if (n > 0)
            tu_assert_in_range(tu_json_num(ls, "constructed_worst_rel", NULL), 0.0, 0.1,
                               "construction vs closed form");
        tu_assert_in_range(tu_json_num(ls, "test_levels", NULL), 1, 100, "losses test levels");
        tu_assert_in_range(tu_json_num(ls, "test_trained_worst_rel", NULL), 0.0, 100.0,
                           "trained test loss vs Cor. 3.3");
    }
    tu_assert_file_nonempty(dir, "fig9/fig9.json");
    if (fm)
        tu_assert_file_nonempty(dir, "losses/fmnist_train_losses.csv");
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
        cmocka_unit_test(test_sections_samples_and_representations),
        cmocka_unit_test(test_sections_duplication_and_detection),
        cmocka_unit_test(test_sections_theory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
