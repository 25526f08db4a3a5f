/*
 * memgen detect --table1 (paper Table 1, Sec. 4.1, Cor. 3.4 / App. A.4):
 * experiment table1 (memgen/experiment/table1.h), one run with the given
 * seed: the hybrid regime as a constructed DAE set, DDIM generations and the
 * detector suite; prints and writes the suite's table like --benchmark, and
 * with --save-dir the run's data, model and generations. Options are parsed
 * by cmd_detect.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect_cli.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Joins dir/name into buf. */
static const char *join(char *buf, size_t n, const char *dir, const char *name) {
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

/* Writes the run's data, model, generations and the suite's labels and scores. */
static mg_status save_run(const char *dir, const mg_exp_table1_model *m) {
    char p[4096];
    MG_TRY(mg_mkdir_p(dir));
    MG_TRY(mg_npy_write(join(p, sizeof p, dir, "train.npy"), &m->train));
    MG_TRY(mg_npy_write(join(p, sizeof p, dir, "gens.npy"), &m->gens));
    MG_TRY(mg_daeset_save(&m->set, join(p, sizeof p, dir, "model.safetensors")));
    const mg_detect_bench *b = &m->bench;
    mg_array a;
    int64_t s1[1] = {b->n};
    MG_TRY(mg_array_alloc(&a, MG_I64, 1, s1));
    for (int64_t i = 0; i < b->n; i++) ((int64_t *)a.data)[i] = b->index[i];
    mg_status st = mg_npy_write(join(p, sizeof p, dir, "eval_index.npy"), &a);
    for (int64_t i = 0; i < b->n; i++) ((int64_t *)a.data)[i] = b->labels[i];
    if (st == MG_OK) st = mg_npy_write(join(p, sizeof p, dir, "eval_labels.npy"), &a);
    mg_array_free(&a);
    if (st == MG_OK) st = detect_write_bench_scores(join(p, sizeof p, dir, "scores.csv"), b);
    return st;
}

/* The experiment's settings as JSON: its top-level numeric parameters, read
 * through the field descriptors (the suite's go with the table). */
static mg_status params_json(const mg_exp_table1_params *p, cJSON *o) {
    const mg_experiment *e = &mg_exp_table1;
    for (int i = 0; i < e->nparams; i++) {
        const mg_field *f = &e->params[i];
        double v;
        if (strchr(f->name, '.') || !mg_field_is_number(f->type)) continue;
        MG_TRY(mg_field_get(p, f, &v));
        if (!cJSON_AddNumberToObject(o, f->name, v)) return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    return MG_OK;
}

/* --table1: one run of experiment table1 with the given seed. */
int detect_table1(detect_opts *o) {
    detect_bench_params(o);
    mg_exp_table1_params *p = &o->t1;
    const mg_bench_params *bp = &p->bench;
    if (o->seed > (uint64_t)INT64_MAX) return cli_usage("detect", "--seed must be below 2^63 for --table1");
    p->seed = (int64_t)o->seed;
    p->seeds = 1;
    fprintf(stderr,
            "detect --table1: d=%lld modes=%d per_mode=%lld mean_scale=%g cov_rate=%g cov_rank=%lld dup=%lldx%lld "
            "hidden=%lld lambda=%g sigmas=geom:%g:%g:%d n_gen=%lld sigma=%g fpr=%g bootstrap=%d mem/gen ratio=%g/%g "
            "clique tau=%g k=%d seed=%llu\n",
            (long long)p->d, p->modes, (long long)p->per_mode, p->mean_scale, p->cov_rate, (long long)p->cov_rank,
            (long long)p->dup_count, (long long)p->dup_times, (long long)p->hidden, p->wd, p->sigma_min, p->sigma_max,
            p->levels, (long long)p->n_gen, bp->sigma, bp->fpr, bp->bootstrap, bp->mem_ratio, bp->gen_ratio,
            bp->clique_tau, bp->clique_k, (unsigned long long)o->seed);
    mg_rng rng; /* unused: the run's generators come from the seed */
    mg_rng_init(&rng, o->seed);
    mg_exp_env env = {NULL, 0, 0, &rng, NULL, 0, NULL, NULL};
    mg_exp_table1_result t;
    cJSON *js = cJSON_CreateObject();
    mg_status st = js ? mg_exp_table1_run(p, &env, &t) : mg_fail(MG_ERR_NOMEM, "out of memory");
    if (st != MG_OK) {
        cJSON_Delete(js);
        return cli_fail("detect", st);
    }
    const mg_exp_table1_model *m = &t.model;
    printf("hybrid regime: %lld training rows (%lld clusters, %lld rank-1), built in %.2f s; %lld generations in "
           "%.2f s, %.1f%% memorized\n",
           (long long)t.n_train, (long long)t.clusters, (long long)t.rank1_clusters, m->seconds_build,
           (long long)p->n_gen, m->seconds_sample, 100 * t.frac_memorized_seed0);
    cJSON *e = cJSON_AddObjectToObject(js, "experiment");
    st = e ? params_json(p, e) : mg_fail(MG_ERR_NOMEM, "out of memory");
    if (st == MG_OK) {
        cJSON_AddStringToObject(e, "model", "constructed (Theorem 3.1 / Cor. 3.4), not trained");
        cJSON_AddNumberToObject(e, "n_train", (double)t.n_train);
        cJSON_AddNumberToObject(e, "clusters", (double)t.clusters);
        cJSON_AddNumberToObject(e, "rank1_clusters", (double)t.rank1_clusters);
        cJSON_AddNumberToObject(e, "frac_memorized", t.frac_memorized_seed0);
        cJSON_AddNumberToObject(e, "seconds_build", m->seconds_build);
        cJSON_AddNumberToObject(e, "seconds_sample", m->seconds_sample);
    }
    if (st == MG_OK && o->save_dir) st = save_run(o->save_dir, m);
    if (st == MG_OK) st = detect_bench_finish(o, &m->bench, js);
    cJSON_Delete(js);
    mg_exp_table1_free(&t);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}
