/*
 * memgen memratio: memorization measures of generated samples against the
 * training set (nearest-neighbour ratio, largest cosine, near duplicates).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/memorization.h"
#include "memgen/npy.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen memratio --samples S.npy --train X.npy [options]\n\n"
            "Measures how many generated samples reproduce training samples.\n"
            "A sample s is memorized when |s - NN1| / |s - NN2| < threshold, with NN1, NN2\n"
            "its two nearest training samples (Gu et al. 2023).\n\n"
            "options:\n"
            "  --samples PATH     generated samples, n x d .npy (required)\n"
            "  --train PATH       training set, m x d .npy (required; float32 files are memory-mapped,\n"
            "                     so they may be larger than memory)\n"
            "  --threshold R      ratio threshold (default 0.3333333333 = 1/3)\n"
            "  --out PATH         per-sample CSV (default: none)\n"
            "  --json PATH        summary JSON (default: none)\n"
            "  --flags-out PATH   per-sample memorized flags as int64 .npy (default: none)\n"
            "  --chunk-rows K     read --samples K rows at a time, so memory for the samples does not\n"
            "                     grow with n (the same results, bit for bit; the near-duplicate\n"
            "                     measure reads the file once per chunk). Default: the whole file\n"
            "  -h, --help         this text\n");
}

/* Writes the per-sample CSV atomically. */
static mg_status write_csv(const char *path, const mg_memratio *r) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,nn1,d1,nn2,d2,ratio,memorized,cos_idx,cos_max,gen_ratio\n");
    for (int64_t i = 0; i < r->n; i++)
        fprintf(af.fp, "%lld,%lld,%.9g,%lld,%.9g,%.9g,%d,%lld,%.9g,%.9g\n", (long long)i, (long long)r->nn1[i],
                r->d1[i], (long long)r->nn2[i], r->d2[i], r->ratio[i], r->memorized[i], (long long)r->cos_idx[i],
                r->cos_max[i], r->gen_ratio[i]);
    return mg_atomic_commit(&af);
}

/* Writes the summary JSON atomically. */
static mg_status write_json(const char *path, const mg_memratio *r, const char *samples, const char *train) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "samples", samples);
    cJSON_AddStringToObject(o, "train", train);
    cJSON_AddNumberToObject(o, "n", (double)r->n);
    cJSON_AddNumberToObject(o, "threshold", r->threshold);
    cJSON_AddNumberToObject(o, "frac_memorized", r->frac_memorized);
    cJSON_AddNumberToObject(o, "distinct_memorized", (double)r->distinct_memorized);
    cJSON_AddNumberToObject(o, "frac_near_duplicate", r->frac_near_duplicate);
    cJSON_AddNumberToObject(o, "mean_ratio", r->mean_ratio);
    cJSON_AddNumberToObject(o, "median_ratio", r->median_ratio);
    cJSON_AddNumberToObject(o, "mean_cos_max", r->mean_cos_max);
    mg_status st = mg_write_json_atomic(path, o);
    cJSON_Delete(o);
    return st;
}

/* Entry point of `memgen memratio`. */
int cmd_memratio(int argc, char **argv) {
    const char *samples = NULL, *train = NULL, *out = NULL, *json = NULL, *flags = NULL;
    double thr = 1.0 / 3.0;
    int64_t chunk_rows = 0;
    const cli_opt opts[] = {
        CLI_OPT_INT_MIN("chunk-rows", &chunk_rows, 1),
        CLI_OPT_STR("samples", &samples), CLI_OPT_STR("train", &train), CLI_OPT_DOUBLE("threshold", &thr),
        CLI_OPT_OUT("out", &out), CLI_OPT_OUT("json", &json), CLI_OPT_OUT("flags-out", &flags), CLI_OPT_END};
    int rc = cli_parse_options("memratio", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (!samples || !train) return cli_usage("memratio", "--samples and --train are required");
    if (!(thr > 0)) return cli_usage("memratio", "--threshold must be > 0");
    fprintf(stderr, "memratio: samples=%s train=%s threshold=%.6g\n", samples, train, thr);
    mg_array S = {0};
    mg_npy_map Xmap;
    mg_mat X;
    mg_memratio r = {0};
    mg_status st = mg_npy_map_matrix(train, "training data", &Xmap, &X); /* mapped: may exceed memory */
    if (st == MG_OK && chunk_rows) st = mg_memratio_compute_file(samples, chunk_rows, X, thr, &r);
    else if (st == MG_OK && (st = mg_npy_read_matrix(samples, "generated samples", 0, &S)) == MG_OK)
        st = mg_memratio_compute(mg_mat_of_array(&S), X, thr, &r);
    if (st == MG_OK && out) st = write_csv(out, &r);
    if (st == MG_OK && json) st = write_json(json, &r, samples, train);
    if (st == MG_OK && flags) {
        mg_array fl;
        int64_t shape[1] = {r.n};
        st = mg_array_alloc(&fl, MG_I64, 1, shape);
        for (int64_t i = 0; st == MG_OK && i < r.n; i++) ((int64_t *)fl.data)[i] = r.memorized[i];
        if (st == MG_OK) st = mg_npy_write(flags, &fl);
        mg_array_free(&fl);
    }
    if (st == MG_OK)
        printf("memorized: %.1f%% of %lld samples (ratio < %.4g), hitting %lld distinct training samples\n"
               "median NN ratio %.4f, mean max cosine %.4f, near duplicates among samples %.1f%%\n",
               100 * r.frac_memorized, (long long)r.n, thr, (long long)r.distinct_memorized, r.median_ratio,
               r.mean_cos_max, 100 * r.frac_near_duplicate);
    mg_memratio_free(&r);
    mg_array_free(&S);
    mg_npy_unmap(&Xmap);
    return st == MG_OK ? CLI_OK : cli_fail("memratio", st);
}
