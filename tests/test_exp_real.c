/*
 * Experiment real (memgen/experiment/real.h) called from C without the
 * report, on the committed fixture of the real UNet (tests/fixtures/
 * real_model, made by examples/real_model/run.py --preset full): the labels
 * recomputed from the similarities equal the pipeline's; memgen's max pooling
 * of the raw activations equals the pipeline's exactly and its std equals
 * torch.std; every AUROC equals the pair count of its scores; the histogram
 * holds every generation; the steering summaries are the means of the
 * per-sample measures; the run is reproducible from its generator; a missing
 * fixture is MG_ERR_NOT_FOUND. Also pins what the full run measured (the
 * numbers the README and the report quote).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/detect.h"
#include "memgen/experiment/real.h"
#include "memgen/npy.h"

#define FIXTURE "tests/fixtures/real_model"

/* An environment for experiments that make their own data. */
static mg_exp_env own_env(const mg_rng *rng) {
    mg_exp_env e = {NULL, 0, 0, rng, NULL, 0, NULL, NULL};
    return e;
}

/* Runs the experiment on the committed fixture with generator seed. */
static void run(uint64_t seed, int bootstrap, mg_exp_real_result *r) {
    mg_exp_real_params p = mg_exp_real_defaults();
    p.fixture = FIXTURE;
    p.bootstrap = bootstrap;
    p.repeats = 1;
    mg_rng rng;
    mg_rng_init(&rng, seed);
    mg_exp_env env = own_env(&rng);
    tu_assert_ok(mg_exp_real_run(&p, &env, r));
}

/* The fixture's .npy file name as a float64 array. */
static mg_array npy64(const char *name) {
    char rel[128];
    snprintf(rel, sizeof rel, "real_model/%s.npy", name);
    mg_array a = tu_fixture_npy(rel), b;
    tu_assert_ok(mg_array_to_f64(&a, &b));
    mg_array_free(&a);
    return b;
}

/* The row of a detector in a table with a "detector" column (-1 if none). */
static int64_t detector_row(const mg_table *t, const char *name) {
    int c = mg_table_find(t, "detector");
    for (int64_t i = 0; c >= 0 && i < t->nrows; i++)
        if (!strcmp(t->cols[c].text[i], name)) return i;
    return -1;
}

/* Detector k of a result (the order of the detectors table). */
static const mg_exp_real_det *det(const mg_exp_real_result *r, int k) {
    const mg_exp_real_det *all[10] = {&r->std,   &r->l4l2,    &r->negentropy, &r->maxmin, &r->top1,
                                      &r->negpr, &r->denoise, &r->flipd,      &r->clique, &r->nn_ratio};
    return all[k];
}

/* Labels, counts, histogram and the checks of the pooling and of std. */
static void test_labels_and_features(void **state) {
    (void)state;
    mg_exp_real_result r;
    run(1, 0, &r);
    mg_array sim = npy64("similarity"), lab = npy64("labels"), dup = npy64("nn_is_dup");
    int64_t n = sim.shape[0], mem = 0, gen = 0, copies = 0;
    const double *s = sim.data, *l = lab.data, *d = dup.data;
    for (int64_t i = 0; i < n; i++) {
        int want = s[i] > 0.9 ? 1 : s[i] < 0.5 ? 0 : -1;
        assert_int_equal(want, (int)l[i]);
        mem += want == 1, gen += want == 0, copies += want == 1 && d[i] != 0;
    }
    assert_true(r.n == n && r.n_memorized == mem && r.n_generalized == gen && r.n_ambiguous == n - mem - gen);
    assert_true(r.labels_mismatch == 0 && r.memorized_duplicates == copies);
    /* every generation is in the histogram of [0, 1], and the shares sum to 1 */
    double tot = 0, share = 0;
    for (int64_t b = 0; b < r.hist.nrows; b++) {
        tot += mg_table_col(&r.hist, "generations")[b];
        share += mg_table_col(&r.hist, "heldout_test_share")[b];
    }
    assert_true(tot == (double)n);
    assert_true(fabs(share - 1) < 1e-9);
    /* memgen's max pooling of the raw activations is the pipeline's, bit for bit;
       its std_sample (F - 1 denominator) is torch.std's to float rounding */
    assert_true(r.pool_max_abs_diff == 0);
    assert_true(r.std_max_rel_diff < 1e-5);
    /* the std column (the population std, the authors') recomputed here from the pooled activations */
    mg_array acts = tu_fixture_npy("real_model/acts.npy");
    const float *A = acts.data;
    int64_t C = acts.shape[1];
    assert_true(C == r.channels && acts.shape[0] == n);
    const double *std = mg_table_col(&r.generations, "std");
    for (int64_t i = 0; i < n; i += 97) {
        double m = 0, v = 0;
        for (int64_t c = 0; c < C; c++) m += A[i * C + c];
        m /= (double)C;
        for (int64_t c = 0; c < C; c++) v += (A[i * C + c] - m) * (A[i * C + c] - m);
        assert_true(fabs(sqrt(v / (double)C) - std[i]) <= 1e-6 * fabs(std[i]) + 1e-9);
    }
    mg_array_free(&acts);
    mg_array_free(&sim);
    mg_array_free(&lab);
    mg_array_free(&dup);
    mg_exp_real_free(&r);
}

/* Every detector's AUROC equals the pair count of its scores; the table,
 * the fields and the intervals agree; the run repeats from its generator. */
static void test_detectors(void **state) {
    (void)state;
    mg_exp_real_result r, again, other;
    run(2, 200, &r);
    run(2, 200, &again);
    run(3, 200, &other);
    static const char *const names[] = {"std", "l4l2", "negentropy", "maxmin", "top1", "negpr",
                                        "denoise", "flipd", "clique", "nn_ratio"};
    int64_t m = r.scores.nrows;
    assert_true(m == r.n_memorized + r.n_generalized);
    int *y = malloc((size_t)m * sizeof(int));
    const double *mem = mg_table_col(&r.scores, "memorized");
    for (int64_t i = 0; i < m; i++) y[i] = (int)mem[i];
    assert_int_equal(r.detectors.nrows, 10);
    for (int k = 0; k < 10; k++) {
        double a;
        tu_assert_ok(mg_auroc_naive(mg_table_col(&r.scores, names[k]), y, m, &a));
        int64_t row = detector_row(&r.detectors, names[k]);
        assert_true(row == k);
        assert_true(fabs(a - det(&r, k)->auroc) < 1e-12);
        assert_true(fabs(mg_table_col(&r.detectors, "auroc")[row] - a) < 1e-12);
        assert_true(det(&r, k)->auroc_lo <= a + 1e-12 && a <= det(&r, k)->auroc_hi + 1e-12);
        assert_true(det(&r, k)->tpr_lo <= det(&r, k)->tpr + 1e-12 && det(&r, k)->tpr <= det(&r, k)->tpr_hi + 1e-12);
        assert_true(mg_table_col(&r.detectors, "n_pos")[row] == (double)r.n_memorized);
        /* the same generator gives the same intervals; another gives the same point estimates */
        const mg_exp_real_det *f = det(&r, k), *g = det(&again, k), *o = det(&other, k);
        assert_true(g->auroc_lo == f->auroc_lo && g->auroc_hi == f->auroc_hi);
        assert_true(o->auroc == f->auroc && o->tpr == f->tpr);
        print_message("%-10s AUROC %.4f [%.4f, %.4f]  TPR@1%% %.3f  %.1f us/sample\n", names[k], a,
                      det(&r, k)->auroc_lo, det(&r, k)->auroc_hi, det(&r, k)->tpr, det(&r, k)->usec_per_sample);
    }
    /* the wins / ties / losses of std against the three prompt-free baselines */
    assert_true(r.baseline_wins + r.baseline_ties + r.baseline_losses == 3);
    /* Algorithm 1's threshold flags at most 1% of the generalized generations */
    int64_t flagged = 0;
    const double *sc = mg_table_col(&r.scores, "std");
    for (int64_t i = 0; i < m; i++) flagged += !y[i] && sc[i] > r.std_threshold;
    assert_true(flagged <= (int64_t)floor(0.01 * (double)r.n_generalized));
    /* the paper's rows come first, then this model's std and flipd */
    assert_true(r.paper.nrows == 4 && mg_table_col(&r.paper, "auroc")[0] == 0.998);
    assert_true(mg_table_col(&r.paper, "auroc")[2] == r.std.auroc);
    free(y);
    mg_exp_real_free(&r);
    mg_exp_real_free(&again);
    mg_exp_real_free(&other);
}

/* The steering summaries are the means of the per-sample measures; the
 * mean curves start at 1; the strip holds the first samples of each group. */
static void test_steering(void **state) {
    (void)state;
    mg_exp_real_result r;
    run(4, 0, &r);
    mg_array grp = npy64("steer_group"), al = npy64("steer_alphas");
    int64_t ns = grp.shape[0], na = al.shape[0], nm = 0;
    for (int64_t i = 0; i < ns; i++) nm += ((const double *)grp.data)[i] == 1;
    assert_true(r.steer_mem.count == nm && r.steer_gen.count == ns - nm);
    assert_true(r.steer_samples.nrows == ns && r.steer_curves.nrows == 2 * na);
    assert_true(r.alpha_max == ((const double *)al.data)[na - 1]);
    for (int g = 0; g < 2; g++) {
        const mg_exp_real_steer *o = g ? &r.steer_mem : &r.steer_gen;
        double gain = 0, mono = 0;
        for (int64_t i = 0; i < ns; i++)
            if (mg_table_col(&r.steer_samples, "group")[i] == g) {
                gain += mg_table_col(&r.steer_samples, "gain")[i];
                mono += mg_table_col(&r.steer_samples, "mono")[i];
            }
        if (o->count) {
            assert_true(fabs(gain / (double)o->count - o->gain) < 1e-9);
            assert_true(fabs(mono / (double)o->count - o->mono) < 1e-9);
            assert_true(fabs(o->frac_smooth + o->frac_threshold + o->frac_static - 1) < 1e-9);
        }
        for (int64_t q = 0; q < r.steer_curves.nrows; q++)
            if (mg_table_col(&r.steer_curves, "group")[q] == g && mg_table_col(&r.steer_curves, "alpha")[q] == 0 &&
                o->count)
                assert_true(fabs(mg_table_col(&r.steer_curves, "rel_distance")[q] - 1) < 1e-12);
        print_message("steering, %s: %lld samples, gain %.3f, monotonicity %.3f, target class at the end %.2f\n",
                      g ? "memorized" : "generalized", (long long)o->count, o->gain, o->mono, o->target_share_last);
    }
    assert_true(r.steer_strip.ndim == 3 && r.steer_strip.shape[1] == na && r.steer_strip.shape[2] == 784);
    mg_array_free(&grp);
    mg_array_free(&al);
    mg_exp_real_free(&r);
}

/* What the committed full run measured: a memorizing and generalizing model
 * (both groups large, the copies copy duplicated images, a bimodal
 * similarity) on which std separates the groups. The README and the report
 * quote these numbers; a new fixture that changes them must update both. */
static void test_full_run_numbers(void **state) {
    (void)state;
    mg_exp_real_result r;
    run(5, 100, &r);
    assert_string_equal(r.preset, "full");
    print_message("%s: %lld generations, %lld memorized, %lld generalized, %lld ambiguous; std AUROC %.4f, TPR %.3f; "
                  "std median ratio %.2f\n",
                  r.model, (long long)r.n, (long long)r.n_memorized, (long long)r.n_generalized,
                  (long long)r.n_ambiguous, r.std.auroc, r.std.tpr, r.std_median_ratio);
    assert_true(r.n_memorized >= 100 && r.n_generalized >= 100);
    assert_true(r.copies_of_duplicates_share >= 0.9);
    assert_true(r.sim.bimodal);
    assert_true(r.std.auroc >= 0.95);
    assert_true(r.std_median_ratio > 1.5);
    mg_exp_real_free(&r);
}

/* The default fixture is found; bad parameters and a missing fixture are refused with their reason. */
static void test_errors(void **state) {
    (void)state;
    mg_exp_real_params p = mg_exp_real_defaults();
    mg_rng rng;
    mg_rng_init(&rng, 1);
    mg_exp_env env = own_env(&rng);
    mg_exp_real_result r;
    /* the default is the committed fixture, found in the source tree (mg_data_path) */
    assert_non_null(p.fixture);
    size_t n = strlen(p.fixture), k = strlen("/" MG_REAL_FIXTURE_REL);
    assert_true(n > k && !strcmp(p.fixture + n - k, "/" MG_REAL_FIXTURE_REL));
    char *dir = tu_mkdtemp();
    p.fixture = dir;
    assert_int_equal(mg_exp_real_run(&p, &env, &r), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "meta.json"));
    p.fixture = FIXTURE;
    p.gen_sim = 0.95;
    assert_int_equal(mg_exp_real_run(&p, &env, &r), MG_ERR_ARG);
    mg_exp_real_free(NULL);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels_and_features), cmocka_unit_test(test_detectors),
        cmocka_unit_test(test_steering),            cmocka_unit_test(test_full_run_numbers),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
