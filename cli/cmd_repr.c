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
#include "stream_cli.h"

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
            "  --chunk-rows K    read --data / --features K rows at a time, so memory does not grow\n"
            "                    with the input (default: about 2 MB of float32 samples, 1 MB of\n"
            "                    activations as stored; --model rounds K up to a multiple of 2048); the\n"
            "                    outputs are the same bits whatever K; --out and --stats are written as\n"
            "                    the rows come and renamed into place at the end\n"
            "  -h, --help        this text\n");
}

/* The per-sample CSV's rows r0.. of a block H with its metrics met. */
static void write_stats_rows(FILE *fp, mg_mat H, const double *met, int64_t r0) {
    for (int64_t i = 0; i < H.rows; i++) {
        const float *h = H.data + i * H.ld;
        int64_t act = 0;
        double q = 0;
        for (int64_t j = 0; j < H.cols; j++) {
            act += h[j] > 0;
            q += (double)h[j] * h[j];
        }
        fprintf(fp, "%lld", (long long)(r0 + i));
        for (int m = 0; m < MG_SPIKE_COUNT; m++) fprintf(fp, ",%.9g", met[i * MG_SPIKE_COUNT + m]);
        fprintf(fp, ",%lld,%.9g\n", (long long)act, sqrt(q));
    }
}

/* The outputs written block by block as the representations come
 * (atomically: renamed into place at the end). */
typedef struct {
    mg_atomic_file out, stats;
    int have_out, have_stats;
} repr_outs;

/* Opens --out (an n x p float32 .npy, its header first) and --stats. */
static mg_status outs_open(repr_outs *w, const char *out, const char *stats, int64_t n, int64_t p) {
    memset(w, 0, sizeof *w);
    if (out) {
        unsigned char head[1024];
        size_t hl;
        int64_t shape[2] = {n, p};
        MG_TRY(mg_npy_header(MG_F32, 2, shape, head, sizeof head, &hl));
        MG_TRY(mg_atomic_open(&w->out, out));
        w->have_out = 1;
        fwrite(head, 1, hl, w->out.fp);
    }
    if (stats) {
        MG_TRY(mg_atomic_open(&w->stats, stats));
        w->have_stats = 1;
        fprintf(w->stats.fp, "sample");
        for (int m = 0; m < MG_SPIKE_COUNT; m++) fprintf(w->stats.fp, ",%s", mg_spike_metric_name((mg_spike_metric)m));
        fprintf(w->stats.fp, ",active,l2norm\n");
    }
    return MG_OK;
}

/* Renames the outputs into place (st == MG_OK) or removes them. */
static mg_status outs_close(repr_outs *w, mg_status st) {
    if (w->have_out) st = st == MG_OK ? mg_atomic_commit(&w->out) : (mg_atomic_abort(&w->out), st);
    if (w->have_stats) st = st == MG_OK ? mg_atomic_commit(&w->stats) : (mg_atomic_abort(&w->stats), st);
    return st;
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
    int64_t bins = 30, chunk_rows = 0;
    mc_model mm = MC_MODEL_INIT;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", &model), CLI_OPT_STR("data", &data), FC_OPTIONS(&fo), CLI_OPT_DOUBLE("sigma", &sigma),
        CLI_OPT_UINT("seed", &seed), CLI_OPT_OUT("out", &out), CLI_OPT_OUT("stats", &stats),
        CLI_OPT_OUT("json", &summary), CLI_OPT_OUT("summary", &summary_old), CLI_OPT_INT("bins", &bins),
        CLI_OPT_INT_MIN("chunk-rows", &chunk_rows, 1),
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
    stream_in S = {0};
    repr_outs w = {0};
    float *H = NULL; /* a block of representations (model); activations are pooled into S.buf */
    double *met = NULL;
    cJSON *js = cJSON_CreateObject();
    int level = -1;
    int64_t p = 0;
    mg_status st = MG_OK;
    if (model) {
        st = mc_load(model, &mm);
        if (st == MG_OK) st = mc_levels(&mm, &sigma, 1);
        if (st == MG_OK) st = mg_daeset_validate(set);
        if (st == MG_OK) st = mg_daeset_level(set, sigma, "--sigma", &level);
        /* blocks aligned to MG_DETECT_BLOCK_ALIGN (a multiple of the 1024-row sub-blocks): the bits of one call */
        if (st == MG_OK) st = stream_open(data, "samples", NULL, chunk_rows, MG_DETECT_BLOCK_ALIGN, &S);
        if (st == MG_OK && S.F != mg_dae_dim(set->levels[level]))
            st = mg_fail(MG_ERR_SHAPE, "representation: data have %lld features but the model has dimension %lld",
                         (long long)S.F, (long long)mg_dae_dim(set->levels[level]));
        if (st == MG_OK) {
            p = mg_dae_hidden(set->levels[level]);
            H = malloc((size_t)S.k * (size_t)p * sizeof(float) + 1);
            if (!H) st = mg_fail(MG_ERR_NOMEM, "out of memory for a block of %lld representations", (long long)S.k);
        }
        if (st == MG_OK)
            fprintf(stderr, "repr: model=%s (level %d of %d, sigma %g) data=%s n=%lld d=%lld p=%lld noise sigma=%g seed=%llu\n",
                    model, level, set->count, set->sigmas[level], data, (long long)S.n, (long long)S.F, (long long)p,
                    sigma, (unsigned long long)seed);
    } else {
        st = stream_open(feat, "activations", &fo, chunk_rows, 1, &S);
        p = S.F;
        if (st == MG_OK)
            fprintf(stderr, "repr: features=%s n=%lld F=%lld pool=%s\n", feat, (long long)S.n, (long long)p,
                    mg_pool_name(fo.pool));
    }
    int64_t n = S.r ? S.n : 0;
    if (st == MG_OK && n < 1) st = mg_fail(MG_ERR_SHAPE, "no samples to describe");
    if (st == MG_OK) {
        met = malloc((size_t)n * MG_SPIKE_COUNT * sizeof(double));
        if (!met) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    if (st == MG_OK) st = outs_open(&w, out, stats, n, p);
    mg_rng rng;
    mg_rng_init(&rng, seed);
    for (int64_t r0 = 0; st == MG_OK && r0 < n; r0 += S.k) {
        int64_t m = n - r0 < S.k ? n - r0 : S.k;
        st = stream_read(&S, r0, m);
        mg_mat Hb = {m, p, p, model ? H : S.buf};
        if (st == MG_OK && model)
            st = mg_repr_dae_rows(set->levels[level], (mg_mat){m, S.F, S.F, S.buf}, sigma, &rng, r0, Hb);
        if (st == MG_OK) st = mg_spikiness_all(Hb, met + r0 * MG_SPIKE_COUNT);
        if (st == MG_OK && w.have_out && fwrite(Hb.data, sizeof(float), (size_t)(m * p), w.out.fp) != (size_t)(m * p))
            st = mg_fail(MG_ERR_IO, "%s: write failed", out);
        if (st == MG_OK && w.have_stats) write_stats_rows(w.stats.fp, Hb, met + r0 * MG_SPIKE_COUNT, r0);
    }
    st = outs_close(&w, st);
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
        cJSON_AddNumberToObject(js, "features", (double)p);
        printf("%lld representations of %lld units\n", (long long)n, (long long)p);
        st = summarize(summary, n, met, (int)bins, js);
    }
    cJSON_Delete(js);
    free(met);
    free(H);
    stream_close(&S);
    mc_free(&mm);
    return st == MG_OK ? CLI_OK : cli_fail("repr", st);
}
