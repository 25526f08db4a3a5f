/*
 * The real-model pipeline end to end, at its tiny preset (issue 14): `memgen
 * reproduce --scale smoke --sections real --real-model rerun` trains the
 * tiny UNet of examples/real_model for a few hundred steps, samples, labels,
 * exports, steers and writes a fixture, and the section reads it; then the
 * experiment is run on that fixture from C, with thresholds taken from its
 * similarities so that both groups exist whatever the tiny model learned,
 * and every file's wiring is checked (shapes, the pooling, std, labels,
 * steering sizes). Skipped, with the reason, when no Python imports torch
 * (Debian: python3-torch python3-numpy) or Fashion-MNIST is not installed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/experiment/real.h"
#include "memgen/fmnist.h"
#include "memgen/npy.h"

/* 1 when a Python the pipeline would use imports torch (the same search as
 * `--real-model rerun`: MEMGEN_PYTHON, python3, /usr/bin/python3). */
static int have_torch(void) {
    const char *env = getenv("MEMGEN_PYTHON");
    const char *cand[3] = {env && *env ? env : NULL, "python3", "/usr/bin/python3"};
    for (int i = 0; i < 3; i++) {
        char cmd[600];
        if (!cand[i]) continue;
        snprintf(cmd, sizeof cmd, "'%s' -c 'import torch, numpy' >/dev/null 2>&1", cand[i]);
        if (system(cmd) == 0) return 1;
    }
    return 0;
}

/* The q-quantile (0..1) of an .npy file's values. */
static double quantile(const char *path, double q) {
    mg_array a, b;
    tu_assert_ok(mg_npy_read(path, &a));
    tu_assert_ok(mg_array_to_f64(&a, &b));
    int64_t n = b.shape[0];
    double *v = b.data;
    for (int64_t i = 1; i < n; i++) /* insertion sort: a few hundred values */
        for (int64_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    double x = v[(int64_t)(q * (double)(n - 1))];
    mg_array_free(&a);
    mg_array_free(&b);
    return x;
}

/* The tiny pipeline through the report, then the experiment on its fixture. */
static void test_tiny_pipeline(void **state) {
    (void)state;
    if (!have_torch()) {
        print_message("SKIPPED: no Python imports torch and numpy (apt-get install python3-torch python3-numpy, or "
                      "set MEMGEN_PYTHON): the real-model pipeline is not tested\n");
        skip();
    }
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", MG_FMNIST_DIR);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        print_message("SKIPPED: Fashion-MNIST is not installed (%s): the real-model pipeline is not tested\n", probe);
        skip();
    }
    fclose(f);
    char *dir = tu_mkdtemp(), *log = tu_path(dir, "log.txt");
    /* the whole pipeline through the report's --real-model rerun */
    int rc = tu_memgen(log, "reproduce --scale smoke --sections real --real-model rerun --out %s/rep", dir);
    if (rc != 0) {
        char *t = tu_read_text(log);
        print_message("%s\n", t ? t : "(no log)");
        free(t);
    }
    assert_int_equal(rc, 0);
    char fix[1100], path[1200];
    snprintf(fix, sizeof fix, "%s/rep/real/pipeline/fixture", dir);
    snprintf(path, sizeof path, "%s/meta.json", fix);
    cJSON *meta = tu_read_json(path);
    assert_string_equal(cJSON_GetObjectItem(meta, "preset")->valuestring, "tiny");
    assert_non_null(strstr(cJSON_GetObjectItem(meta, "command")->valuestring, "--preset tiny"));
    cJSON_Delete(meta);
    /* the section ran on it (its summary names the tiny model) */
    snprintf(path, sizeof path, "%s/rep/real/summary.json", dir);
    cJSON *sum = tu_read_json(path);
    assert_string_equal(cJSON_GetObjectItem(sum, "preset")->valuestring, "tiny");
    cJSON_Delete(sum);
    /* the experiment from C, with thresholds that make both groups */
    snprintf(path, sizeof path, "%s/similarity.npy", fix);
    mg_exp_real_params p = mg_exp_real_defaults();
    p.fixture = fix;
    p.mem_sim = quantile(path, 0.8);
    p.gen_sim = quantile(path, 0.5);
    p.bootstrap = 50;
    p.repeats = 1;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    mg_exp_env env = {NULL, 0, 0, &rng, NULL, 0, NULL, NULL};
    mg_exp_real_result r;
    tu_assert_ok(mg_exp_real_run(&p, &env, &r));
    print_message("tiny pipeline: %s, %lld params, %lld generations (%lld / %lld / %lld at thresholds %.3f / %.3f), "
                  "std AUROC %.3f\n",
                  r.model, (long long)r.params, (long long)r.n, (long long)r.n_memorized, (long long)r.n_generalized,
                  (long long)r.n_ambiguous, p.mem_sim, p.gen_sim, r.std.auroc);
    assert_true(r.n == 150 && r.channels == 16 && r.train_steps == 200);
    assert_true(r.n_memorized > 0 && r.n_generalized > 0);
    assert_true(r.pool_max_abs_diff == 0 && r.std_max_rel_diff < 1e-5);
    const mg_exp_real_det *d[] = {&r.std, &r.denoise, &r.flipd, &r.clique, &r.nn_ratio};
    for (int k = 0; k < 5; k++) {
        tu_assert_in_range(d[k]->auroc, 0, 1, "AUROC");
        assert_true(d[k]->usec_per_sample > 0);
    }
    assert_true(r.steer_gen.count + r.steer_mem.count == r.steer_samples.nrows);
    assert_true(r.steer_curves.nrows == 2 * 3); /* two groups x the tiny preset's 3 strengths */
    assert_true(r.train_loss.nrows >= 1);
    mg_exp_real_free(&r);
    tu_rmtree(dir);
    free(log);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tiny_pipeline)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
