/*
 * memgen repr: representations h = relu(W1^T (x + sigma eps) + b1) of samples
 * under a memgen DAE (or set: the level nearest sigma), or pooled activations
 * exported from another framework, with the spikiness metrics of every sample
 * and per-dataset summaries and histograms (paper Fig. 5-6, App. B.2).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "features_cli.h"
#include "memgen/detect.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/repr.h"
#include "model_cli.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen repr (--model M --data X.npy | --features A.npy) [options]\n\n"
            "Computes representations h = relu(W1^T x_t + b1), x_t = x + sigma eps (paper Eq. 5,\n"
            "Algorithm 1) at the level of the DAE set nearest sigma, and their spikiness per\n"
            "sample (all metrics higher = spikier): std = sqrt(sum (h - mean h)^2 / p), the population\n"
            "std the paper's detector uses (the authors' NumPy .std()), std_sample the same over p - 1\n"
            "(torch.std's default), l4l2 = |h|_4/|h|_2, negentropy = -entropy(|h|/sum|h|),\n"
            "maxmin = max h - min h, top1 = max|h|/sum|h|, negpr = -(sum|h|)^2/sum h^2\n"
            "(see include/memgen/repr.h).\n\n"
            "options:\n"
            "  --model PATH      memgen DAE, DAE set or time-conditioned model (.safetensors); the\n"
            "                    time-conditioned model's representation is taken at exactly sigma\n"
            "  --representation R  time-conditioned model: gated (relu(W x) * g(sigma), the default)\n"
            "                    or ungated (relu(W x), the authors' rep())\n"
            "  --data PATH       samples, n x d .npy (with --model)\n"
            "  --features PATH   activations from another framework instead (n x F, n x C x H x W,\n"
            "                    n x T x C .npy), reduced by --pool\n"
            "  --layout L        auto | nf | nchw | nhwc | ntc (default auto: 2-D nf, 3-D ntc;\n"
            "                    a 4-D+ array needs nchw or nhwc, unless --pool none)\n"
            "  --pool P          max | mean | none (default max)\n"
            "  --sigma S         noise level (default 0.2; 0 = the clean samples at the lowest level:\n"
            "                    a time-conditioned model's lowest training sigma)\n"
            "  --seed K          noise seed; row i uses fork(seed, i) (default 0)\n"
            "  --out PATH        representations, n x p float32 .npy (default: none)\n"
            "  --stats PATH      per-sample CSV: every metric, active units, |h| (default: none)\n"
            "  --json PATH       JSON summary: per metric mean, std, quantiles and histogram\n"
            "                    (default: none; --summary is its old name, deprecated)\n"
            "  --bins N          histogram bins (default 30)\n"
            "  -h, --help        this text\n");
}

/* Per-sample CSV of every metric. */
static mg_status write_stats(const char *path, mg_mat H, const double *met) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample");
    for (int m = 0; m < MG_SPIKE_COUNT; m++) fprintf(af.fp, ",%s", mg_spike_metric_name((mg_spike_metric)m));
    fprintf(af.fp, ",active,l2norm\n");
    for (int64_t i = 0; i < H.rows; i++) {
        const float *h = H.data + i * H.ld;
        int64_t act = 0;
        double q = 0;
        for (int64_t j = 0; j < H.cols; j++) {
            act += h[j] > 0;
            q += (double)h[j] * h[j];
        }
        fprintf(af.fp, "%lld", (long long)i);
        for (int m = 0; m < MG_SPIKE_COUNT; m++) fprintf(af.fp, ",%.9g", met[i * MG_SPIKE_COUNT + m]);
        fprintf(af.fp, ",%lld,%.9g\n", (long long)act, sqrt(q));
    }
    return mg_atomic_commit(&af);
}

/* Summary and histogram of every metric as JSON (and the table on stdout). */
static mg_status summarize(const char *path, int64_t n, const double *met, int bins, cJSON *head) {
    double *col = malloc((size_t)n * sizeof(double));
    int64_t *cnt = malloc((size_t)bins * sizeof(int64_t));
    cJSON *arr = cJSON_AddArrayToObject(head, "metrics");
    mg_status st = col && cnt ? MG_OK : mg_fail(MG_ERR_NOMEM, "out of memory");
    printf("%-11s %11s %11s %11s %11s %11s\n", "metric", "mean", "q05", "median", "q95", "max");
    for (int m = 0; st == MG_OK && m < MG_SPIKE_COUNT; m++) {
        for (int64_t i = 0; i < n; i++) col[i] = met[i * MG_SPIKE_COUNT + m];
        mg_summary s;
        st = mg_summarize(col, n, &s);
        if (st != MG_OK) break;
        double lo = s.min, hi = s.max > s.min ? s.max : s.min + 1.0;
        st = mg_histogram(col, n, bins, lo, hi, cnt);
        if (st != MG_OK) break;
        printf("%-11s %11.5g %11.5g %11.5g %11.5g %11.5g\n", mg_spike_metric_name((mg_spike_metric)m), s.mean, s.q05,
               s.median, s.q95, s.max);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", mg_spike_metric_name((mg_spike_metric)m));
        cJSON_AddNumberToObject(o, "mean", s.mean);
        cJSON_AddNumberToObject(o, "std", s.std);
        cJSON_AddNumberToObject(o, "min", s.min);
        cJSON_AddNumberToObject(o, "q05", s.q05);
        cJSON_AddNumberToObject(o, "q25", s.q25);
        cJSON_AddNumberToObject(o, "median", s.median);
        cJSON_AddNumberToObject(o, "q75", s.q75);
        cJSON_AddNumberToObject(o, "q95", s.q95);
        cJSON_AddNumberToObject(o, "max", s.max);
        cJSON *h = cJSON_AddObjectToObject(o, "histogram");
        cJSON_AddNumberToObject(h, "lo", lo);
        cJSON_AddNumberToObject(h, "hi", hi);
        cJSON *c = cJSON_AddArrayToObject(h, "counts");
        for (int b = 0; b < bins; b++) cJSON_AddItemToArray(c, cJSON_CreateNumber((double)cnt[b]));
        cJSON_AddItemToArray(arr, o);
    }
    if (st == MG_OK && path) st = mg_write_json_atomic(path, head);
    free(col);
    free(cnt);
    return st;
}

/* Entry point of `memgen repr`. */
int cmd_repr(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *out = NULL, *stats = NULL, *summary = NULL, *summary_old = NULL;
    fc_opts fo = FC_OPTS_DEFAULT;
    double sigma = 0.2;
    uint64_t seed = 0;
    int64_t bins = 30;
    mc_model mm = MC_MODEL_INIT;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", &model), CLI_OPT_STR("data", &data), FC_OPTIONS(&fo), CLI_OPT_DOUBLE("sigma", &sigma),
        CLI_OPT_UINT("seed", &seed), CLI_OPT_OUT("out", &out), CLI_OPT_OUT("stats", &stats),
        CLI_OPT_OUT("json", &summary), CLI_OPT_OUT("summary", &summary_old), CLI_OPT_INT("bins", &bins),
        MC_OPTION(&mm), CLI_OPT_END};
    int rc = cli_parse_options("repr", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (summary_old) { /* the old name of --json, kept for one release */
        if (summary) return cli_usage("repr", "--summary is the old name of --json: give one of them");
        fprintf(stderr, "repr: --summary is deprecated and will go in the next release: use --json\n");
        summary = summary_old;
    }
    const char *feat = fo.path;
    if ((model != NULL) == (feat != NULL)) return cli_usage("repr", "give exactly one of --model and --features");
    if (model && !data) return cli_usage("repr", "--model needs --data");
    if (feat && data) return cli_usage("repr", "--data applies to --model; --features is the input itself");
    if (!(sigma >= 0)) return cli_usage("repr", "--sigma must be >= 0");
    if (bins < 1 || bins > 100000) return cli_usage("repr", "--bins must be in 1..100000");

    const mg_daeset *set = &mm.set;
    mg_array X = {0}, H = {0};
    double *met = NULL;
    cJSON *js = cJSON_CreateObject();
    int level = -1;
    mg_status st = MG_OK;
    if (model) {
        st = mc_load(model, &mm);
        if (st == MG_OK) st = mc_levels(&mm, &sigma, 1);
        if (st == MG_OK) st = mg_npy_read_matrix(data, "samples", 0, &X);
        if (st == MG_OK) st = mg_daeset_level(set, sigma, "--sigma", &level);
        if (st == MG_OK) {
            int64_t shape[2] = {X.shape[0], mg_dae_hidden(set->levels[level])};
            st = mg_array_alloc(&H, MG_F32, 2, shape);
        }
        if (st == MG_OK) {
            fprintf(stderr, "repr: model=%s (level %d of %d, sigma %g) data=%s n=%lld d=%lld p=%lld noise sigma=%g seed=%llu\n",
                    model, level, set->count, set->sigmas[level], data, (long long)X.shape[0], (long long)X.shape[1],
                    (long long)H.shape[1], sigma, (unsigned long long)seed);
            mg_rng rng;
            mg_rng_init(&rng, seed);
            st = mg_repr_set(set, mg_mat_of_array(&X), sigma, &rng, mg_mat_of_array(&H), NULL);
        }
    } else {
        st = fc_read(&fo, feat, &H);
        if (st == MG_OK)
            fprintf(stderr, "repr: features=%s n=%lld F=%lld pool=%s\n", feat, (long long)H.shape[0],
                    (long long)H.shape[1], mg_pool_name(fo.pool));
    }
    int64_t n = H.data ? H.shape[0] : 0;
    if (st == MG_OK && n < 1) st = mg_fail(MG_ERR_SHAPE, "no samples to describe");
    if (st == MG_OK) {
        met = malloc((size_t)n * MG_SPIKE_COUNT * sizeof(double));
        st = met ? mg_spikiness_all(mg_mat_of_array(&H), met) : mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    if (st == MG_OK && out) st = mg_npy_write(out, &H);
    if (st == MG_OK && stats) st = write_stats(stats, mg_mat_of_array(&H), met);
    if (st == MG_OK) {
        cJSON_AddStringToObject(js, "source", model ? "model" : "features");
        cJSON_AddStringToObject(js, "input", model ? model : feat);
        if (model) {
            cJSON_AddStringToObject(js, "data", data);
            cJSON_AddNumberToObject(js, "sigma", sigma);
            cJSON_AddNumberToObject(js, "level", level);
            cJSON_AddNumberToObject(js, "level_sigma", set->sigmas[level]);
            if (mm.tc) cJSON_AddStringToObject(js, "representation", mg_tc_rep_name(mm.rep));
            cJSON_AddNumberToObject(js, "seed", (double)seed);
        } else {
            cJSON_AddStringToObject(js, "pool", mg_pool_name(fo.pool));
        }
        cJSON_AddNumberToObject(js, "n", (double)n);
        cJSON_AddNumberToObject(js, "features", (double)H.shape[1]);
        printf("%lld representations of %lld units\n", (long long)n, (long long)H.shape[1]);
        st = summarize(summary, n, met, (int)bins, js);
    }
    cJSON_Delete(js);
    free(met);
    mg_array_free(&X);
    mg_array_free(&H);
    mc_free(&mm);
    return st == MG_OK ? CLI_OK : cli_fail("repr", st);
}
