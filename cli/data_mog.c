/*
 * memgen data mog: Gaussian mixtures (paper Eq. 4, App. A.1 / B.1): samples, labels and the
 * parameter file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/fileio.h"
#include "memgen/mog.h"
#include "memgen/npy.h"

/* Usage of `memgen data mog`. */
static void usage_mog(FILE *f) {
    fprintf(f,
            "usage: memgen data mog --out X.npy [options]\n\n"
            "Samples a Gaussian mixture p(x) = sum_k rho_k N(mu_k, Sigma_k) (paper Eq. 4). The defaults\n"
            "are the paper's MoG (App. A.1 / B.1): d = 1000, K = 2, mu_1 = -mu_2 = 5 e_1, 5000 samples\n"
            "per mode; the paper only says the spectra decay exponentially: memgen uses\n"
            "eigenvalue_j = 0.9^j (j = 0..d-1) in a random orthonormal basis per mode.\n\n"
            "  --K K               components (default 2)\n"
            "  --d D               dimension (default 1000)\n"
            "  --n-per-mode LIST   samples of each component: one number for all, or K numbers\n"
            "                      separated by commas; rows grouped by component (default 5000)\n"
            "  --n N               instead: N samples, each component drawn from the weights\n"
            "  --weights LIST      K weights rho_k, normalised (default: uniform, or proportional\n"
            "                      to a --n-per-mode list)\n"
            "  --mean-scale S      norm of every mean (default 5)\n"
            "  --mean-cosine C     pairwise cosine of the means, >= -1/(K-1) (default -1/(K-1): the\n"
            "                      most separated, a regular simplex; -1 for K = 2)\n"
            "  --mean-dirs KIND    axis: means in span(e_1..e_K) by a fixed (Helmert) construction,\n"
            "                      K = 2 giving mu_1 = -mu_2 = S e_1 | random: random orthonormal\n"
            "                      directions (default axis)\n"
            "  --cov-scale S       largest covariance eigenvalue (default 1)\n"
            "  --cov-rate R        ratio of consecutive eigenvalues, in (0, 1] (default 0.9)\n"
            "  --cov-rank R        number of nonzero eigenvalues (default d)\n"
            "  --cov-basis KIND    random: a Haar-random orthonormal eigenbasis per component (QR of a\n"
            "                      Gaussian matrix) | axis: the standard basis (default random)\n"
            "  --shuffle           shuffle the rows (default off: grouped by component)\n"
            "  --seed K            random seed; the same seed gives the same bits (default 0)\n"
            "  --out PATH          samples, n x d float32 .npy (required)\n"
            "  --labels-out PATH   component of each row, int64 .npy\n"
            "  --params-out PATH   mixture parameters .safetensors (weights, means, cov_eigvals,\n"
            "                      cov_bases) for f_gt and memgen theory\n"
            "  --json PATH         resolved configuration and counts as JSON\n"
            "  -h, --help          this text\n");
}

/* `memgen data mog`. */
/* `memgen data mog`. */
int data_mog(int argc, char **argv) {
    const char *cmd = "data mog";
    const char *out = NULL, *labels_out = NULL, *params_out = NULL, *json = NULL;
    const char *per_mode = NULL, *weights_s = NULL, *mean_dirs = "axis", *cov_basis = "random";
    int64_t K = 2, d = 1000, n_total = 0, rank = 0;
    double mean_scale = 5, mean_cos = NAN, cov_scale = 1, cov_rate = 0.9;
    int shuffle = 0, have_n = 0;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_INT("K", &K), CLI_OPT_INT("d", &d), CLI_OPT_STR("n-per-mode", &per_mode),
        CLI_OPT_INT_G("n", &n_total, &have_n), CLI_OPT_STR("weights", &weights_s),
        CLI_OPT_DOUBLE("mean-scale", &mean_scale), CLI_OPT_DOUBLE("mean-cosine", &mean_cos),
        CLI_OPT_STR("mean-dirs", &mean_dirs), CLI_OPT_DOUBLE("cov-scale", &cov_scale),
        CLI_OPT_DOUBLE("cov-rate", &cov_rate), CLI_OPT_INT("cov-rank", &rank), CLI_OPT_STR("cov-basis", &cov_basis),
        CLI_OPT_FLAG("shuffle", &shuffle), CLI_OPT_UINT("seed", &seed), CLI_OPT_OUT("out", &out),
        CLI_OPT_OUT("labels-out", &labels_out), CLI_OPT_OUT("params-out", &params_out), CLI_OPT_OUT("json", &json),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_mog, NULL);
    if (rc != CLI_RUN) return rc;
    int have_per_mode = per_mode != NULL;
    if (!per_mode) per_mode = "5000";
    if (!out) return cli_usage(cmd, "--out is required");
    if (K < 1 || K > 10000) return cli_usage(cmd, "--K must be in 1..10000 (got %lld)", (long long)K);
    if (d < 1 || d > 100000) return cli_usage(cmd, "--d must be in 1..100000 (got %lld)", (long long)d);
    if (have_n && have_per_mode) return cli_usage(cmd, "give either --n or --n-per-mode, not both");
    if (strcmp(mean_dirs, "axis") && strcmp(mean_dirs, "random"))
        return cli_usage(cmd, "--mean-dirs must be axis or random (got '%s')", mean_dirs);
    if (strcmp(cov_basis, "axis") && strcmp(cov_basis, "random"))
        return cli_usage(cmd, "--cov-basis must be axis or random (got '%s')", cov_basis);

    double *buf = malloc((size_t)K * 2 * sizeof(double)); /* weights (K) then counts (K) */
    int64_t *counts = malloc((size_t)K * sizeof(int64_t));
    if (!buf || !counts) {
        free(buf);
        free(counts);
        return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    }
    double *w = buf, *cnt = buf + K;
    int have_w = 0;
    rc = CLI_OK;
    if (weights_s) {
        if (dc_parse_list(weights_s, w, (int)K) != K) {
            rc = cli_usage(cmd, "--weights needs %lld comma-separated numbers (got '%s')", (long long)K, weights_s);
            goto end;
        }
        have_w = 1;
    }
    int64_t n = 0;
    if (!have_n) {
        int got = dc_parse_list(per_mode, cnt, (int)K);
        if (got == 1)
            for (int64_t k = 1; k < K; k++) cnt[k] = cnt[0];
        else if (got != K) {
            rc = cli_usage(cmd, "--n-per-mode needs 1 or %lld comma-separated counts (got '%s')", (long long)K, per_mode);
            goto end;
        }
        for (int64_t k = 0; k < K; k++) {
            if (cnt[k] < 0 || cnt[k] != floor(cnt[k]) || cnt[k] > 1e9) {
                rc = cli_usage(cmd, "--n-per-mode counts must be integers in 0..1e9");
                goto end;
            }
            counts[k] = (int64_t)cnt[k];
            n += counts[k];
        }
        if (!have_w && got == K && K > 1) {
            for (int64_t k = 0; k < K; k++) w[k] = cnt[k];
            have_w = 1;
        }
    } else {
        if (n_total < 1 || n_total > 1000000000) {
            rc = cli_usage(cmd, "--n must be in 1..1e9");
            goto end;
        }
        n = n_total;
    }
    if (n < 1) {
        rc = cli_usage(cmd, "no samples requested");
        goto end;
    }
    if ((double)n * (double)d > 4e9) {
        rc = cli_usage(cmd, "%lld x %lld samples would take more than 16 GB", (long long)n, (long long)d);
        goto end;
    }

    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.K = (int)K;
    spec.d = d;
    spec.weights = have_w ? w : NULL;
    spec.mean_scale = mean_scale;
    spec.mean_cosine = mean_cos;
    spec.mean_random = !strcmp(mean_dirs, "random");
    spec.cov_scale = cov_scale;
    spec.cov_rate = cov_rate;
    spec.cov_rank = rank;
    spec.cov_random = !strcmp(cov_basis, "random");
    double cos_resolved = isnan(mean_cos) ? (K > 1 ? -1.0 / (double)(K - 1) : 1.0) : mean_cos;
    printf("memgen data mog: K=%lld d=%lld n=%lld (%s) mean-scale=%g mean-cosine=%g mean-dirs=%s\n"
           "  cov: eigenvalue_j = %g * %g^j, rank %lld, basis %s; shuffle=%s seed=%llu\n",
           (long long)K, (long long)d, (long long)n, have_n ? "drawn by weights" : "exact per mode", mean_scale,
           cos_resolved, mean_dirs, cov_scale, cov_rate, (long long)(rank ? rank : d), cov_basis, shuffle ? "yes" : "no",
           (unsigned long long)seed);
    fflush(stdout);

    mg_rng rng;
    mg_rng_init(&rng, seed);
    mg_mog m;
    mg_status st = mg_mog_make(&spec, &rng, &m);
    if (st != MG_OK) {
        rc = cli_fail(cmd, st);
        goto end;
    }
    float *X = mg_alloc((size_t)n * (size_t)d, sizeof(float)); /* n x d */
    int64_t *lab = malloc((size_t)n * sizeof(int64_t));
    if (!X || !lab) st = mg_fail(MG_ERR_NOMEM, "cannot allocate %lld x %lld samples", (long long)n, (long long)d);
    double t0 = mg_now();
    if (st == MG_OK) st = mg_mog_sample(&m, have_n ? NULL : counts, shuffle, &rng, (mg_mat){n, d, d, X}, lab);
    if (st == MG_OK) st = dc_write_f32(out, X, n, d);
    if (st == MG_OK && labels_out) st = dc_write_i64(labels_out, lab, n);
    if (st == MG_OK && params_out) {
        char v[6][64];
        snprintf(v[0], 64, "%.17g", mean_scale);
        snprintf(v[1], 64, "%.17g", cos_resolved);
        snprintf(v[2], 64, "%.17g", cov_scale);
        snprintf(v[3], 64, "%.17g", cov_rate);
        snprintf(v[4], 64, "%lld", (long long)(rank ? rank : d));
        snprintf(v[5], 64, "%llu", (unsigned long long)seed);
        const char *keys[8] = {"mog.mean_scale", "mog.mean_cosine", "mog.cov_scale", "mog.cov_rate",
                               "mog.cov_rank",   "mog.seed",        "mog.mean_dirs", "mog.cov_basis"};
        const char *vals[8] = {v[0], v[1], v[2], v[3], v[4], v[5], mean_dirs, cov_basis};
        st = mg_mog_save_with_meta(&m, params_out, 8, keys, vals);
    }
    if (st == MG_OK) {
        int64_t *got = calloc((size_t)K, sizeof(int64_t));
        if (got) {
            for (int64_t i = 0; i < n; i++) got[lab[i]]++;
            printf("wrote %s (%lld x %lld float32) in %.2fs; per component:", out, (long long)n, (long long)d,
                   mg_now() - t0);
            for (int64_t k = 0; k < K && k < 16; k++) printf(" %lld", (long long)got[k]);
            printf("%s\n", K > 16 ? " ..." : "");
            if (labels_out) printf("labels: %s\n", labels_out);
            if (params_out) printf("parameters: %s\n", params_out);
        }
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "command", "data mog");
            cJSON_AddNumberToObject(o, "K", (double)K);
            cJSON_AddNumberToObject(o, "d", (double)d);
            cJSON_AddNumberToObject(o, "n", (double)n);
            cJSON_AddNumberToObject(o, "seed", (double)seed);
            cJSON_AddNumberToObject(o, "mean_scale", mean_scale);
            cJSON_AddNumberToObject(o, "mean_cosine", cos_resolved);
            cJSON_AddStringToObject(o, "mean_dirs", mean_dirs);
            cJSON_AddNumberToObject(o, "cov_scale", cov_scale);
            cJSON_AddNumberToObject(o, "cov_rate", cov_rate);
            cJSON_AddNumberToObject(o, "cov_rank", (double)(rank ? rank : d));
            cJSON_AddStringToObject(o, "cov_basis", cov_basis);
            cJSON_AddBoolToObject(o, "shuffle", shuffle);
            cJSON *wa = cJSON_AddArrayToObject(o, "weights");
            cJSON *ca = cJSON_AddArrayToObject(o, "counts");
            for (int64_t k = 0; k < K; k++) {
                cJSON_AddItemToArray(wa, cJSON_CreateNumber(m.weights[k]));
                cJSON_AddItemToArray(ca, cJSON_CreateNumber(got ? (double)got[k] : 0));
            }
            st = mg_write_json_atomic(json, o);
            cJSON_Delete(o);
        }
        free(got);
    }
    if (st != MG_OK) rc = cli_fail(cmd, st);
    free(X);
    free(lab);
    mg_mog_free(&m);
end:
    free(buf);
    free(counts);
    return rc;
}
