/*
 * memgen jacobian: the Jacobian J(x) = W2 diag(mask(x)) W1^T of a memgen DAE at
 * samples (paper App. A.3, Fig. 16): trace, singular values, effective rank,
 * and the alignment of the top singular vector with the nearest training
 * sample (memorized: ~rank one and aligned; generalized: higher rank).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/jacobian.h"
#include "memgen/npy.h"
#include "memgen/repr.h"
#include "model_cli.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen jacobian --model M --data X.npy [options]\n\n"
            "Analyses the denoiser Jacobian J(x) = W2 diag(mask(x)) W1^T (exact for the ReLU DAE;\n"
            "a time-conditioned model adds its skip: J = s I + W^T diag(g(sigma) mask(x)) W)\n"
            "at x_t = x + sigma eps under the level of the set nearest sigma. Singular values come\n"
            "from thin QR of the two d x |active| factors (no d x d SVD). Effective rank: erank =\n"
            "exp(entropy of sv/sum sv) and rank1pc = #{sv > 1%% of the largest}. Alignment:\n"
            "|cos| of the top left singular vector with the nearest training sample (--train)\n"
            "and with the evaluated point itself.\n\n"
            "options:\n"
            "  --model PATH      memgen DAE, DAE set or time-conditioned model (.safetensors) (required)\n"
            "  --data PATH       samples, n x d .npy (required)\n"
            "  --sigma S         noise level: the DAE level and the noise of x_t (default 0.2)\n"
            "  --clean           evaluate at the samples themselves (no noise) (default: noisy)\n"
            "  --seed K          noise seed (default 0)\n"
            "  --train PATH      training data for the alignment, m x d .npy (default: none)\n"
            "  --keep K          singular values kept per sample in --sv-out (default 32)\n"
            "  --out PATH        per-sample CSV (default: none)\n"
            "  --sv-out PATH     singular values, n x K float64 .npy, zero-padded (default: none)\n"
            "  --json PATH       summary JSON (default: none)\n"
            "  -h, --help        this text\n");
}

/* Median of v[0..n-1] (sorts a copy). */
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Per-sample CSV. */
static mg_status write_csv(const char *path, const mg_jacobian_info *in, int64_t n) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,active,trace,sv1,erank,rank1pc,sv_ratio,nn,align_nn,align_x\n");
    for (int64_t i = 0; i < n; i++)
        fprintf(af.fp, "%lld,%lld,%.9g,%.9g,%.9g,%lld,%.9g,%lld,%.9g,%.9g\n", (long long)i, (long long)in[i].active,
                in[i].trace, in[i].sv1, in[i].erank, (long long)in[i].rank1pc, in[i].sv_ratio, (long long)in[i].nn,
                in[i].align_nn, in[i].align_x);
    return mg_atomic_commit(&af);
}

/* Entry point of `memgen jacobian`. */
int cmd_jacobian(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *train = NULL, *out = NULL, *svout = NULL, *json = NULL;
    double sigma = 0.2;
    int clean = 0;
    uint64_t seed = 0;
    int64_t keep = 32;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", &model), CLI_OPT_STR("data", &data), CLI_OPT_DOUBLE("sigma", &sigma),
        CLI_OPT_FLAG("clean", &clean), CLI_OPT_UINT("seed", &seed), CLI_OPT_STR("train", &train),
        CLI_OPT_INT("keep", &keep), CLI_OPT_OUT("out", &out), CLI_OPT_OUT("sv-out", &svout),
        CLI_OPT_OUT("json", &json), CLI_OPT_END};
    int rc = cli_parse_options("jacobian", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (!model || !data) return cli_usage("jacobian", "--model and --data are required");
    if (!(sigma > 0)) return cli_usage("jacobian", "--sigma must be > 0 (it selects the DAE level)");
    if (keep < 1 || keep > 100000) return cli_usage("jacobian", "--keep must be in 1..100000");

    mc_model mm = MC_MODEL_INIT;
    const mg_daeset *set = &mm.set;
    mg_array X = {0}, T = {0}, Xt = {0}, SV = {0};
    mg_jacobian_info *info = NULL;
    cJSON *js = NULL;
    mg_status st = mc_load(model, &mm);
    if (st == MG_OK) st = mc_levels(&mm, &sigma, 1);
    if (st == MG_OK) st = mg_npy_read_matrix(data, "samples", 0, &X);
    if (st == MG_OK && train) st = mg_npy_read_matrix(train, "training data", 0, &T);
    int k = 0;
    if (st == MG_OK) st = mg_daeset_level(set, sigma, "--sigma", &k);
    int64_t n = X.data ? X.shape[0] : 0;
    if (st == MG_OK && X.shape[1] != mg_dae_dim(set->levels[k]))
        st = mg_fail(MG_ERR_SHAPE, "%s has %lld features but the model has dimension %lld", data,
                     (long long)X.shape[1], (long long)mg_dae_dim(set->levels[k]));
    if (st == MG_OK) st = mg_array_alloc(&Xt, MG_F32, 2, X.shape);
    if (st == MG_OK) {
        fprintf(stderr, "jacobian: model=%s (level %d, sigma %g) data=%s n=%lld d=%lld p=%lld at=%s seed=%llu train=%s\n",
                model, k, set->sigmas[k], data, (long long)n, (long long)X.shape[1],
                (long long)mg_dae_hidden(set->levels[k]), clean ? "clean x" : "x + sigma eps", (unsigned long long)seed,
                train ? train : "-");
        mg_rng rng;
        mg_rng_init(&rng, seed);
        st = mg_noisy_rows(mg_mat_of_array(&X), clean ? 0.0 : sigma, &rng, 0, mg_mat_of_array(&Xt));
    }
    if (st == MG_OK) {
        info = calloc((size_t)(n > 0 ? n : 1), sizeof *info);
        int64_t shape[2] = {n, keep};
        st = info ? mg_array_alloc(&SV, MG_F64, 2, shape) : mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    double t0 = mg_now();
    mg_mat Tm = T.data ? mg_mat_of_array(&T) : (mg_mat){0, X.shape[1], X.shape[1], NULL};
    if (st == MG_OK) st = mg_jacobian_analyze(set->levels[k], mg_mat_of_array(&Xt), Tm, info, SV.data, keep, NULL);
    double el = mg_now() - t0;
    if (st == MG_OK && out) st = write_csv(out, info, n);
    if (st == MG_OK && svout) st = mg_npy_write(svout, &SV);
    if (st == MG_OK && n > 0) {
        double *v = malloc((size_t)n * sizeof(double));
        double med[4] = {0};
        const char *names[4] = {"erank", "rank1pc", "active", "align_nn"};
        for (int q = 0; v && q < 4; q++) {
            for (int64_t i = 0; i < n; i++)
                v[i] = q == 0 ? info[i].erank : q == 1 ? (double)info[i].rank1pc : q == 2 ? (double)info[i].active
                                                                                          : info[i].align_nn;
            qsort(v, (size_t)n, sizeof(double), cmp_d);
            med[q] = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
        }
        free(v);
        js = cJSON_CreateObject();
        cJSON_AddStringToObject(js, "model", model);
        cJSON_AddStringToObject(js, "data", data);
        cJSON_AddNumberToObject(js, "n", (double)n);
        cJSON_AddNumberToObject(js, "level", k);
        cJSON_AddNumberToObject(js, "level_sigma", set->sigmas[k]);
        cJSON_AddBoolToObject(js, "clean", clean);
        cJSON_AddNumberToObject(js, "seed", (double)seed);
        cJSON_AddNumberToObject(js, "seconds", el);
        cJSON *m = cJSON_AddObjectToObject(js, "median");
        for (int q = 0; q < 4; q++)
            if (q < 3 || train) cJSON_AddNumberToObject(m, names[q], med[q]);
        if (json) st = mg_write_json_atomic(json, js);
        printf("Jacobians of %lld samples in %.3g s: median erank %.3g, median rank(>1%%) %.0f, median active %.0f", (long long)n,
               el, med[0], med[1], med[2]);
        if (train) printf(", median |cos(u1, nearest training sample)| %.3f", med[3]);
        printf("\n");
    }
    cJSON_Delete(js);
    free(info);
    mg_array_free(&X);
    mg_array_free(&T);
    mg_array_free(&Xt);
    mg_array_free(&SV);
    mc_free(&mm);
    return st == MG_OK ? CLI_OK : cli_fail("jacobian", st);
}
