/*
 * The experiment layer on its own (experiment.h): the registry's
 * descriptors are well-formed, an experiment runs from C on data built
 * without the report and its numbers are consistent with its own tables,
 * it is deterministic and its streams depend on the dataset index, and
 * `memgen experiment run` writes the same bits as the report's data files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/detect.h"
#include "memgen/experiment.h"
#include "memgen/experiment/fig5.h"

/* Every registered experiment: unique id, checked field tables, defaults
 * that the parameter fields can format, entry points present. */
static void test_registry(void **state) {
    (void)state;
    assert_true(mg_experiment_count() >= 1);
    for (int i = 0; i < mg_experiment_count(); i++) {
        const mg_experiment *e = mg_experiment_at(i);
        assert_non_null(e);
        assert_ptr_equal(mg_experiment_find(e->id), e);
        assert_true(e->title && *e->title && e->paper && *e->paper);
        assert_non_null(e->run);
        assert_non_null(e->free);
        tu_assert_ok(mg_fields_check(e->params, e->nparams, e->id));
        tu_assert_ok(mg_fields_check(e->results, e->nresults, e->id));
        for (int k = 0; k < e->nparams; k++) assert_true(e->params[k].offset < e->params_size);
        for (int k = 0; k < e->nresults; k++) assert_true(e->results[k].offset < e->result_size);
        void *p = calloc(1, e->params_size);
        e->defaults(p);
        free(p);
    }
    assert_null(mg_experiment_find("fig99"));
    assert_null(mg_experiment_at(-1));
    assert_null(mg_experiment_at(mg_experiment_count()));
}

/* A small mixture in both regimes with briefly trained sets over 3 levels. */
static void small_mog(mg_exp_data *d, const double sig[3]) {
    mg_exp_data_params p = mg_exp_data_params_default(MG_EXP_MOG);
    p.d = 32;
    p.n_gen = 200;
    p.n_test = 40;
    p.mem_train.steps = 600;
    p.gen_train.hidden = 8;
    p.gen_train.steps = 200;
    p.gen_train.batch = 64;
    mg_rng rng;
    mg_rng_init(&rng, 11);
    tu_assert_ok(mg_exp_data_build(&p, sig, 3, &rng, NULL, NULL, d));
    assert_int_equal(d->mem.shape[0], 4);
    assert_int_equal(d->gen.shape[0], 200);
    assert_int_equal(d->mem_set.count, 3);
}

/* fig5 from C: shapes, AUROCs recomputed from its own tables, determinism,
 * the index in the streams, and refusal of a missing dataset. */
static void test_fig5_from_c(void **state) {
    (void)state;
    const double sig[3] = {0.02, 0.2, 2.0};
    mg_exp_data d;
    small_mog(&d, sig);
    const mg_exp_data *dp = &d;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    mg_exp_env env = {&dp, 1, 0, &rng, sig, 3, NULL, NULL};
    mg_exp_fig5_params p = mg_exp_fig5_defaults();
    p.rows = 64;
    mg_exp_fig5_result r, r2, r3;
    tu_assert_ok(mg_exp_fig5_run(&p, &env, &r));
    assert_int_equal(r.rows_mem, 64);
    assert_int_equal(r.rows_gen, 64);
    assert_int_equal(r.p_mem, 8);
    assert_int_equal(r.p_gen, 8);
    assert_int_equal(r.mem_metrics.nrows, 64);
    assert_int_equal(r.single_h_mem.shape[1], 8);
    /* the AUROC of std, recomputed from the two metric tables */
    double s[128];
    int lab[128];
    for (int i = 0; i < 64; i++) {
        s[i] = mg_table_col(&r.mem_metrics, "std")[i], lab[i] = 1;
        s[64 + i] = mg_table_col(&r.gen_metrics, "std")[i], lab[64 + i] = 0;
    }
    double auc;
    tu_assert_ok(mg_auroc_naive(s, lab, 128, &auc));
    assert_true(fabs(auc - r.std.auroc) < 1e-12);
    assert_true(r.separation.nrows == 4 && fabs(mg_table_col(&r.separation, "auroc")[0] - r.std.auroc) < 1e-15);
    /* row 0 of the memorizing group is the single sample shown */
    assert_true(r.single_std_mem == mg_table_col(&r.mem_metrics, "std")[0]);
    /* the same call again gives the same bits; another index other streams */
    tu_assert_ok(mg_exp_fig5_run(&p, &env, &r2));
    assert_memory_equal(r.mem_metrics.cols[0].num, r2.mem_metrics.cols[0].num, 64 * sizeof(double));
    env.index = 1;
    tu_assert_ok(mg_exp_fig5_run(&p, &env, &r3));
    assert_memory_not_equal(r.mem_metrics.cols[0].num, r3.mem_metrics.cols[0].num, 64 * sizeof(double));
    /* the untyped entry point is the same function */
    mg_exp_fig5_result r4;
    env.index = 0;
    tu_assert_ok(mg_exp_fig5.run(&p, &env, &r4));
    assert_memory_equal(r.gen_metrics.cols[0].num, r4.gen_metrics.cols[0].num, 64 * sizeof(double));
    mg_exp_fig5_free(&r), mg_exp_fig5_free(&r2), mg_exp_fig5_free(&r3), mg_exp_fig5_free(&r4);
    mg_exp_fig5_free(&r4); /* twice is safe */
    /* a level the sets do not hold, and no data */
    p.sigma = 0.3;
    assert_int_equal(mg_exp_fig5_run(&p, &env, &r), MG_ERR_ARG);
    p.sigma = 0.2;
    env.ndata = 0;
    assert_int_equal(mg_exp_fig5_run(&p, &env, &r), MG_ERR_ARG);
    mg_exp_data_free(&d);
    mg_exp_data_free(&d);
}

/* A written result: every table as CSV, arrays as .npy, numbers as JSON. */
static void test_write(void **state) {
    (void)state;
    const double sig[3] = {0.02, 0.2, 2.0};
    mg_exp_data d;
    small_mog(&d, sig);
    const mg_exp_data *dp = &d;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    mg_exp_env env = {&dp, 1, 0, &rng, sig, 3, NULL, NULL};
    mg_exp_fig5_params p = mg_exp_fig5_defaults();
    p.rows = 16;
    mg_exp_fig5_result r;
    tu_assert_ok(mg_exp_fig5_run(&p, &env, &r));
    char *dir = tu_mkdtemp();
    const char *skip[] = {"single_h_gen", NULL};
    mg_exp_write_opts o = {dir, "sub", "x_", skip, "results"};
    char **names;
    int n;
    tu_assert_ok(mg_experiment_write(&mg_exp_fig5, &r, &o, &names, &n));
    assert_int_equal(n, 5); /* three tables, one array, the JSON */
    assert_string_equal(names[0], "sub/x_mem_train_metrics.csv");
    assert_string_equal(names[3], "sub/x_single_h_mem.npy");
    assert_string_equal(names[4], "sub/x_results.json");
    mg_experiment_names_free(names, n);
    char *jp = tu_path(dir, "sub/x_results.json");
    struct cJSON *j = tu_read_json(jp);
    assert_true(fabs(tu_json_num(j, "std", "auroc", NULL) - r.std.auroc) < 1e-15);
    assert_true(tu_json_num(j, "rows_mem", NULL) == 16);
    cJSON_Delete(j);
    char *np = tu_path(dir, "sub/x_single_h_gen.npy");
    FILE *f = fopen(np, "rb");
    assert_null(f); /* skipped */
    free(np), free(jp);
    tu_rmtree(dir);
    free(dir);
    mg_exp_fig5_free(&r);
    mg_exp_data_free(&d);
}

/* `memgen experiment run` writes the bits the report writes. */
static void test_cli_matches_report(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *rep = tu_path(dir, "rep"), *exp = tu_path(dir, "exp"), *log = tu_path(dir, "log");
    assert_int_equal(tu_memgen(log, "reproduce --scale smoke --no-fmnist --seed 4 --sections fig5 --out %s", rep), 0);
    assert_int_equal(tu_memgen(log, "experiment run fig5 --scale smoke --no-fmnist --seed 4 --out %s", exp), 0);
    const char *files[] = {"mog_mem_train_metrics.csv", "mog_gen_train_metrics.csv", "mog_single_h_gen.npy"};
    for (int i = 0; i < 3; i++) {
        char *a = tu_path(rep, "fig5"), *pa = tu_path(a, files[i]), *pb = tu_path(exp, files[i]);
        size_t la, lb;
        FILE *fa = fopen(pa, "rb"), *fb = fopen(pb, "rb");
        assert_non_null(fa);
        assert_non_null(fb);
        fclose(fa), fclose(fb);
        char *ta = tu_read_text(pa), *tb = tu_read_text(pb);
        la = strlen(ta), lb = strlen(tb);
        assert_int_equal(la, lb);
        assert_memory_equal(ta, tb, la);
        free(ta), free(tb), free(a), free(pa), free(pb);
    }
    /* an override reaches the run; a bad one is a usage error naming the parameters */
    assert_int_equal(tu_memgen(log, "experiment run fig5 --scale smoke --no-fmnist --set rows=12 --out %s", exp), 0);
    char *pj = tu_path(exp, "params.json");
    struct cJSON *j = tu_read_json(pj);
    assert_true(tu_json_num(j, "rows", NULL) == 12);
    cJSON_Delete(j);
    assert_int_equal(tu_memgen(log, "experiment run fig5 --scale smoke --set rows=x --out %s", exp), 2);
    assert_int_equal(tu_memgen(log, "experiment run fig5 --scale smoke --set nope=1 --out %s", exp), 2);
    char *txt = tu_read_text(log);
    assert_non_null(strstr(txt, "parameters: sigma, rows"));
    assert_int_equal(tu_memgen(log, "experiment run fig99 --out %s", exp), 2);
    assert_int_equal(tu_memgen(log, "experiment show fig5"), 0);
    assert_int_equal(tu_memgen(log, "experiment list"), 0);
    free(txt), free(pj);
    tu_rmtree(dir);
    free(dir), free(rep), free(exp), free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_fig5_from_c),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_cli_matches_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
