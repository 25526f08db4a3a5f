/*
 * End-to-end tests of `memgen solve`, `memgen theory` and `memgen compare`
 * on small data: the written models equal the library's constructions, sets
 * over sigmas load as DAE sets, the JSON holds the library's numbers, and
 * usage errors (exit 2) and failures (exit 1, clear message) behave.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/daeset.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/theory.h"

typedef struct {
    tu_workdir w;
    mg_mog mog;
    float *x;
    int64_t lab[400];
} fixture;

#define N 400
#define D 8

/* Path of name inside the fixture folder. */
static const char *P(const fixture *f, const char *name) { return tu_wpath(&f->w, name); }

/* A two-mode mixture in d = 8 (200 samples each), written with labels and params. */
static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    tu_workdir_open(&f->w);
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.d = D, s.cov_scale = 0.3, s.cov_rate = 0.6;
    mg_rng r;
    mg_rng_init(&r, 12);
    if (mg_mog_make(&s, &r, &f->mog) != MG_OK) return -1;
    f->x = malloc((size_t)N * D * sizeof(float));
    int64_t counts[2] = {N / 2, N / 2};
    if (mg_mog_sample(&f->mog, counts, 0, &r, (mg_mat){N, f->mog.d, f->mog.d, f->x}, f->lab) != MG_OK)
        return -1;
    int64_t shx[2] = {N, D}, shl[1] = {N};
    mg_array L;
    mg_array_alloc(&L, MG_I64, 1, shl);
    for (int i = 0; i < N; i++) ((int64_t *)L.data)[i] = 10 + 5 * f->lab[i]; /* arbitrary ids */
    if (mg_npy_write_f32(P(f, "X.npy"), f->x, 2, shx) != MG_OK || mg_npy_write(P(f, "L.npy"), &L) != MG_OK ||
        mg_mog_save(&f->mog, P(f, "mog.safetensors")) != MG_OK)
        return -1;
    mg_array_free(&L);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    tu_workdir_close(&f->w);
    free(f->x);
    mg_mog_free(&f->mog);
    free(f);
    return 0;
}

/* The library's construction for the fixture data. */
static void construct(const fixture *f, double sigma, mg_construction *c) {
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = sigma, cp.wd = 1e-4, cp.hidden = 6;
    mg_mat X = {N, D, D, f->x};
    tu_assert_ok(mg_construct(X, f->lab, 2, &cp, c));
}

/* solve writes the library's construction with its metadata and JSON. */
static void test_solve_blocks(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --labels %s --sigma 0.3 --lambda 1e-4 --hidden 6 --out %s "
                               "--json %s", P(f, "X.npy"), P(f, "L.npy"), P(f, "m.safetensors"), P(f, "m.json")), 0);
    assert_true(tu_log_has(&f->w, "construction gen"));
    mg_dae *m;
    tu_assert_ok(mg_dae_load(P(f, "m.safetensors"), &m));
    mg_construction c;
    construct(f, 0.3, &c);
    tu_assert_close_f(mg_dae_w1_const(m), c.W, D * 6, 0, 0, "solve W1");
    assert_string_equal(mg_dae_meta(m, "construction"), "gen");
    assert_string_equal(mg_dae_meta(m, "widths"), "3,3");
    assert_true(fabs(mg_dae_sigma(m) - 0.3) < 1e-15);
    cJSON *j = tu_read_json(P(f, "m.json"));
    cJSON *lv = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "levels"), 0);
    double loss = cJSON_GetObjectItem(cJSON_GetObjectItem(lv, "predicted"), "train_loss_eq6")->valuedouble;
    assert_true(fabs(loss - c.train_loss) < 1e-12 * c.train_loss);
    cJSON_Delete(j);
    mg_construction_free(&c);
    mg_dae_free(m);
}

/* --clusters (k-means) finds the two modes; --labels-out records them;
 * mode mem defaults hidden to n. */
static void test_solve_kmeans_and_mem(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --clusters 2 --sigma 0.3 --lambda 1e-4 --hidden 6 --out %s "
                               "--labels-out %s", P(f, "X.npy"), P(f, "k.safetensors"), P(f, "kl.npy")), 0);
    mg_array L;
    tu_assert_ok(mg_npy_read(P(f, "kl.npy"), &L));
    const int64_t *kl = L.data;
    for (int i = 0; i < N; i++) assert_int_equal(kl[i], f->lab[i] == f->lab[0] ? 0 : 1);
    mg_array_free(&L);
    /* 5 samples, memorization: p defaults to n */
    int64_t sh[2] = {5, D};
    tu_assert_ok(mg_npy_write_f32(P(f, "X5.npy"), f->x + 190 * D, 2, sh));
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --mode mem --sigma 0.1 --out %s", P(f, "X5.npy"),
                               P(f, "mem.safetensors")), 0);
    mg_dae *m;
    tu_assert_ok(mg_dae_load(P(f, "mem.safetensors"), &m));
    assert_int_equal(mg_dae_hidden(m), 5);
    assert_string_equal(mg_dae_meta(m, "construction"), "mem");
    mg_dae_free(m);
}

/* --duplicates: copies of a sample become a memorised cluster (hybrid). */
static void test_solve_duplicates(void **state) {
    fixture *f = *state;
    float *y = malloc((size_t)(N + 3) * D * sizeof(float));
    memcpy(y, f->x, (size_t)N * D * sizeof(float));
    for (int c = 0; c < 3; c++) memcpy(y + (N + c) * D, f->x + 7 * D, D * sizeof(float)); /* 4 copies of row 7 */
    int64_t sh[2] = {N + 3, D};
    tu_assert_ok(mg_npy_write_f32(P(f, "Xd.npy"), y, 2, sh));
    free(y);
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --clusters 2 --duplicates 3 --sigma 0.3 --lambda 1e-4 --hidden 7 "
                               "--out %s --labels-out %s", P(f, "Xd.npy"), P(f, "h.safetensors"), P(f, "hl.npy")), 0);
    assert_true(tu_log_has(&f->w, "construction hybrid"));
    assert_true(tu_log_has(&f->w, "1 groups of >= 3 copies"));
    mg_array L;
    tu_assert_ok(mg_npy_read(P(f, "hl.npy"), &L));
    const int64_t *l = L.data;
    assert_int_equal(l[7], 2);
    for (int c = 0; c < 3; c++) assert_int_equal(l[N + c], 2);
    mg_array_free(&L);
    mg_dae *m;
    tu_assert_ok(mg_dae_load(P(f, "h.safetensors"), &m));
    assert_string_equal(mg_dae_meta(m, "construction"), "hybrid");
    assert_string_equal(mg_dae_meta(m, "widths"), "3,3,1");
    mg_dae_free(m);
}

/* --sigmas writes a DAE set whose levels are the per-sigma constructions. */
static void test_solve_sigmas(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --labels %s --sigmas list:0.1,0.3,1 --lambda 1e-4 --hidden 6 "
                               "--out %s", P(f, "X.npy"), P(f, "L.npy"), P(f, "set.safetensors")), 0);
    mg_daeset set;
    tu_assert_ok(mg_daeset_load(P(f, "set.safetensors"), &set));
    assert_int_equal(set.count, 3);
    double want[3] = {0.1, 0.3, 1.0};
    for (int k = 0; k < 3; k++) {
        assert_true(fabs(set.sigmas[k] - want[k]) < 1e-15);
        mg_construction c;
        construct(f, want[k], &c);
        tu_assert_close_f(mg_dae_w1_const(set.levels[k]), c.W, D * 6, 0, 0, "set level");
        mg_construction_free(&c);
    }
    mg_daeset_free(&set);
}

/* theory's JSON holds separability, the construction's losses and the
 * mixture risks, equal to the library's. */
static void test_theory_json(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "theory --data %s --labels %s --sigma 0.3 --lambda 1e-4 --hidden 6 --mog %s "
                               "--json %s", P(f, "X.npy"), P(f, "L.npy"), P(f, "mog.safetensors"), P(f, "t.json")), 0);
    assert_true(tu_log_has(&f->w, "Theorem 3.1 assumptions"));
    cJSON *j = tu_read_json(P(f, "t.json"));
    mg_construction c;
    construct(f, 0.3, &c);
    mg_mat X = {N, D, D, f->x};
    mg_separability sep;
    tu_assert_ok(mg_separability_compute(X, f->lab, 2, &sep));
    tu_assert_ok(mg_theory_verdict(X, &c, &sep));
    cJSON *js = cJSON_GetObjectItem(j, "separability");
    assert_true(fabs(cJSON_GetObjectItem(js, "alpha")->valuedouble - sep.alpha) < 1e-12);
    assert_true(fabs(cJSON_GetObjectItem(js, "beta")->valuedouble - sep.beta) < 1e-12);
    assert_int_equal(cJSON_IsTrue(cJSON_GetObjectItem(js, "theorem_3_1_applies")), sep.holds);
    double risk;
    tu_assert_ok(mg_construction_mog_risk(X, &c, &f->mog, NULL, NULL, &risk));
    cJSON *mx = cJSON_GetObjectItem(j, "mixture");
    assert_true(fabs(cJSON_GetObjectItem(mx, "construction_test_risk")->valuedouble - risk) < 1e-12 * risk);
    double mem = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "memorization"), "loss_cor_3_2")->valuedouble;
    assert_true(fabs(mem - mg_mem_loss(X, 0.3)) < 1e-15);
    cJSON_Delete(j);
    mg_construction_free(&c);
}

/* compare of a model with itself: zero differences, JSON written. */
static void test_compare_cli(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --labels %s --sigma 0.3 --lambda 1e-4 --hidden 6 --out %s",
                               P(f, "X.npy"), P(f, "L.npy"), P(f, "c.safetensors")), 0);
    assert_int_equal(tu_memgen(f->w.log, "compare %s %s --data %s --json %s", P(f, "c.safetensors"),
                               P(f, "c.safetensors"), P(f, "X.npy"), P(f, "c.json")), 0);
    assert_true(tu_log_has(&f->w, "principal angles per block"));
    cJSON *j = tu_read_json(P(f, "c.json"));
    assert_true(cJSON_GetObjectItem(j, "eig_max_rel_diff")->valuedouble < 1e-9);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "blocks")), 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "sample_best_cos_a")), N);
    cJSON_Delete(j);
}

/* Usage errors exit 2; failures exit 1 naming the problem. */
static void test_cli_errors(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->w.log, "solve --sigma 0.1 --hidden 3 --out %s", P(f, "e.safetensors")), 2);
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --sigma 0.1 --sigmas geom:0.1:1:3 --hidden 3 --out %s",
                               P(f, "X.npy"), P(f, "e.safetensors")), 2);
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --mode bogus --sigma 0.1 --out %s", P(f, "X.npy"),
                               P(f, "e.safetensors")), 2);
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --labels %s --sigma 0.1 --out %s", P(f, "X.npy"),
                               P(f, "L.npy"), P(f, "e.safetensors")), 2);
    assert_true(tu_log_has(&f->w, "--hidden is required"));
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --labels %s --sigma 0.1 --hidden 6 --widths 3 --out %s",
                               P(f, "X.npy"), P(f, "L.npy"), P(f, "e.safetensors")), 1);
    assert_true(tu_log_has(&f->w, "comma-separated"));
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --sigma 0.1 --hidden 3 --out %s", P(f, "nope.npy"),
                               P(f, "e.safetensors")), 1);
    assert_true(tu_log_has(&f->w, "nope.npy"));
    assert_int_equal(tu_memgen(f->w.log, "solve --data %s --mode mem --sigma 0.1 --hidden 3 --out %s", P(f, "X.npy"),
                               P(f, "e.safetensors")), 1);
    assert_true(tu_log_has(&f->w, "hidden >= n"));
    assert_int_equal(tu_memgen(f->w.log, "theory --data %s --hidden 3", P(f, "X.npy")), 2);
    assert_int_equal(tu_memgen(f->w.log, "compare %s", P(f, "X.npy")), 2);
    assert_int_equal(tu_memgen(f->w.log, "compare %s %s", P(f, "X.npy"), P(f, "X.npy")), 1);
    assert_int_equal(tu_memgen(f->w.log, "solve --help"), 0);
    assert_true(tu_log_has(&f->w, "--dup-tol T"));
    assert_int_equal(tu_memgen(f->w.log, "theory --help"), 0);
    assert_int_equal(tu_memgen(f->w.log, "compare --help"), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_solve_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_solve_kmeans_and_mem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_solve_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_solve_sigmas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_theory_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compare_cli, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
