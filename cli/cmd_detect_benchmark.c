/*
 * memgen detect --benchmark (paper Table 1, Section 4.1): labels given
 * generations memorized / generalized by the nearest-neighbour ratio against
 * the training data and scores every detector on them (mg_detect_benchmark,
 * detect.h); and the outputs --benchmark and --table1 share (the table as
 * CSV, JSON and text, per-sample scores). Options are parsed by
 * cmd_detect.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "detect_cli.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Adds an evaluation to a JSON object. */
void detect_eval_json(cJSON *o, const mg_detect_eval *e) {
    cJSON_AddNumberToObject(o, "n_memorized", (double)e->n_pos);
    cJSON_AddNumberToObject(o, "n_generalized", (double)e->n_neg);
    cJSON_AddNumberToObject(o, "auroc", e->auroc);
    cJSON_AddNumberToObject(o, "tpr", e->tpr);
    cJSON_AddNumberToObject(o, "fpr_target", e->fpr_target);
    cJSON_AddNumberToObject(o, "tpr_threshold", e->thr_at_fpr);
    cJSON_AddNumberToObject(o, "bootstrap", e->bootstrap);
    cJSON_AddNumberToObject(o, "ci_level", e->level);
    cJSON_AddNumberToObject(o, "auroc_lo", e->auroc_lo);
    cJSON_AddNumberToObject(o, "auroc_hi", e->auroc_hi);
    cJSON_AddNumberToObject(o, "tpr_lo", e->tpr_lo);
    cJSON_AddNumberToObject(o, "tpr_hi", e->tpr_hi);
    cJSON_AddNumberToObject(o, "seconds", e->seconds);
    cJSON_AddNumberToObject(o, "sec_per_sample", e->sec_per_sample);
}

/* The benchmark table as JSON rows. */
static cJSON *bench_json(const mg_detect_bench *b) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n_samples", (double)b->n_samples);
    cJSON_AddNumberToObject(o, "n_memorized", (double)b->n_mem);
    cJSON_AddNumberToObject(o, "n_generalized", (double)b->n_gen);
    cJSON_AddNumberToObject(o, "n_ambiguous", (double)b->n_ambiguous);
    cJSON *arr = cJSON_AddArrayToObject(o, "detectors");
    for (int r = 0; r < b->nrows; r++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", b->rows[r].name);
        cJSON_AddBoolToObject(e, "needs_training_data", b->rows[r].needs_train);
        detect_eval_json(e, &b->rows[r].ev);
        cJSON_AddItemToArray(arr, e);
    }
    return o;
}

/* Writes the table CSV. */
static mg_status write_table(const char *path, const mg_detect_bench *b) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "detector,auroc,auroc_lo,auroc_hi,tpr,tpr_lo,tpr_hi,fpr_target,seconds,sec_per_sample,n_mem,n_gen\n");
    for (int r = 0; r < b->nrows; r++) {
        const mg_detect_eval *e = &b->rows[r].ev;
        fprintf(af.fp, "%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%g,%.6g,%.6g,%lld,%lld\n", b->rows[r].name, e->auroc,
                e->auroc_lo, e->auroc_hi, e->tpr, e->tpr_lo, e->tpr_hi, e->fpr_target, e->seconds, e->sec_per_sample,
                (long long)e->n_pos, (long long)e->n_neg);
    }
    return mg_atomic_commit(&af);
}

/* Per-sample scores of every detector. */
mg_status detect_write_bench_scores(const char *path, const mg_detect_bench *b) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,label,nn_ratio_value");
    for (int r = 0; r < b->nrows; r++) fprintf(af.fp, ",%s", b->rows[r].name);
    fprintf(af.fp, "\n");
    for (int64_t i = 0; i < b->n; i++) {
        fprintf(af.fp, "%lld,%d,%.9g", (long long)b->index[i], b->labels[i], b->ratio[i]);
        for (int r = 0; r < b->nrows; r++) fprintf(af.fp, ",%.9g", b->rows[r].scores[i]);
        fprintf(af.fp, "\n");
    }
    return mg_atomic_commit(&af);
}

/* Prints the table. */
static void print_table(const mg_detect_bench *b, double fpr) {
    printf("%lld generations: %lld memorized, %lld generalized, %lld ambiguous (dropped)\n", (long long)b->n_samples,
           (long long)b->n_mem, (long long)b->n_gen, (long long)b->n_ambiguous);
    printf("%-11s %-26s %-26s %s\n", "detector", "AUROC [CI]", "TPR@FPR [CI]", "time/sample");
    for (int r = 0; r < b->nrows; r++) {
        const mg_detect_eval *e = &b->rows[r].ev;
        char a[64], t[64];
        snprintf(a, sizeof a, "%.4f [%.4f, %.4f]", e->auroc, e->auroc_lo, e->auroc_hi);
        snprintf(t, sizeof t, "%.4f [%.4f, %.4f]", e->tpr, e->tpr_lo, e->tpr_hi);
        printf("%-11s %-26s %-26s %8.2f us%s\n", b->rows[r].name, a, t, 1e6 * e->sec_per_sample,
               b->rows[r].needs_train ? "  (oracle: needs training data)" : "");
    }
    (void)fpr;
}

/* Copies the detection options into the suite's parameters. */
void detect_bench_params(detect_opts *o) {
    mg_bench_params *bp = &o->t1.bench;
    bp->sigma = o->dp.sigma;
    bp->fpr = o->fpr;
    bp->bootstrap = o->bootstrap;
    bp->level = o->ci;
}

/* The table as JSON, CSV and text. */
mg_status detect_bench_finish(const detect_opts *o, const mg_detect_bench *b, cJSON *js) {
    cJSON_AddItemToObject(js, "benchmark", bench_json(b));
    cJSON_AddNumberToObject(js, "sigma", o->t1.bench.sigma);
    cJSON_AddStringToObject(js, "tpr_rule", "largest TPR whose FPR <= fpr_target, no interpolation");
    cJSON_AddStringToObject(js, "auroc_rule", "Mann-Whitney with midranks");
    mg_status st = MG_OK;
    if (o->table) st = write_table(o->table, b);
    if (st == MG_OK && o->json) st = mg_write_json_atomic(o->json, js);
    if (st == MG_OK) print_table(b, o->fpr);
    return st;
}

/* --benchmark: the suite on given model, training data and generations. */
int detect_benchmark(detect_opts *o) {
    detect_bench_params(o);
    const mg_bench_params *bp = &o->t1.bench;
    mg_detect_bench bench = {0};
    mc_model mm = MC_MODEL_INIT;
    mg_array X = {0}, S = {0};
    cJSON *js = cJSON_CreateObject();
    fprintf(stderr, "detect --benchmark: model=%s train=%s data=%s sigma=%g fpr=%g bootstrap=%d seed=%llu\n", o->model,
            o->train, o->data, bp->sigma, bp->fpr, bp->bootstrap, (unsigned long long)o->seed);
    mg_status st = js ? MG_OK : mg_fail(MG_ERR_NOMEM, "out of memory");
    const double levels[2] = {bp->sigma, bp->flipd_sigma > 0 ? bp->flipd_sigma : bp->sigma};
    if (st == MG_OK) st = detect_load_model(o, levels, 2, &mm);
    if (st == MG_OK) st = mg_npy_read_matrix(o->train, "training data", 0, &X);
    if (st == MG_OK) st = mg_npy_read_matrix(o->data, "generations", 0, &S);
    mg_rng rng;
    mg_rng_init(&rng, o->seed);
    if (st == MG_OK) st = mg_detect_benchmark(&mm.set, mg_mat_of_array(&X), mg_mat_of_array(&S), bp, &rng, &bench);
    if (st == MG_OK && o->out) st = detect_write_bench_scores(o->out, &bench);
    if (st == MG_OK) st = detect_bench_finish(o, &bench, js);
    cJSON_Delete(js);
    mg_detect_bench_free(&bench);
    mc_free(&mm);
    mg_array_free(&X);
    mg_array_free(&S);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}
