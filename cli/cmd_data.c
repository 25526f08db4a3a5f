/*
 * memgen data: make or load the datasets of the paper's experiments and write
 * them as .npy (float32 samples, one per row; int64 labels):
 *   data mog            Gaussian mixtures (paper Eq. 4, App. A.1 / B.1) + parameters
 *   data fashion-mnist  Fashion-MNIST from the Debian package dataset-fashion-mnist
 *   data images         a folder of PNG files (the authors' CelebA recipe, see --help)
 *   data duplicate      duplicated subsets / injected rank-1 clusters (Cor. 3.4, App. A.4)
 *   data split          seeded train/test split of any .npy (and its labels)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/dup.h"
#include "memgen/fileio.h"
#include "memgen/fmnist.h"
#include "memgen/image.h"
#include "memgen/imagefolder.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/png.h"
#include "memgen/split.h"

/* Top-level usage of `memgen data`. */
static void usage_data(FILE *f) {
    fprintf(f,
            "usage: memgen data <source> [options]   (memgen data <source> --help for details)\n\n"
            "Makes or loads a dataset and writes it as .npy (float32, one sample per row) with\n"
            "int64 labels.\n\n"
            "sources:\n"
            "  mog            Gaussian mixture (paper Eq. 4); default: the paper's d = 1000, K = 2,\n"
            "                 mu_1 = -mu_2 = 5 e_1, 5000 samples per mode\n"
            "  fashion-mnist  Fashion-MNIST (Debian package dataset-fashion-mnist)\n"
            "  images         a folder of PNG images (e.g. CelebA, the authors' 32x32 gray recipe)\n"
            "  duplicate      repeat m rows c times or inject rank-1 clusters (Cor. 3.4)\n"
            "  split          seeded train/test split of an .npy file and its labels\n");
}

/* ---- shared helpers ------------------------------------------------------ */

/* Parses a comma-separated list of up to max numbers into out (the
 * library's list parser); returns the count or -1. */
static int parse_list(const char *s, double *out, int max) {
    double *v = NULL;
    int64_t n = 0;
    if (mg_parse_f64_list(s, "list", &v, &n) != MG_OK || n > max) {
        free(v);
        return -1;
    }
    memcpy(out, v, (size_t)n * sizeof *v);
    free(v);
    return (int)n;
}

/* Parses "HxW" or "N" (N x N) into positive sizes; 0 on success. */
static int parse_hw(const char *s, int *h, int *w) {
    char tail;
    if (sscanf(s, "%dx%d%c", h, w, &tail) == 2 && *h > 0 && *w > 0) return 0;
    if (sscanf(s, "%d%c", h, &tail) == 1 && *h > 0) {
        *w = *h;
        return 0;
    }
    return -1;
}

/* Writes n int64 values as a 1-D .npy. */
static mg_status write_i64(const char *path, const int64_t *v, int64_t n) {
    mg_array a = {0};
    a.dtype = MG_I64;
    a.ndim = 1;
    a.shape[0] = n;
    a.data = (void *)v;
    return mg_npy_write(path, &a);
}

/* Writes an n x d float32 matrix as .npy. */
static mg_status write_f32(const char *path, const float *X, int64_t n, int64_t d) {
    int64_t shape[2] = {n, d};
    return mg_npy_write_f32(path, X, 2, shape);
}

/* Parses a --scale value. */
static int parse_scale(const char *s, mg_scale_kind *k) {
    if (!strcmp(s, "pm1")) *k = MG_SCALE_PM1;
    else if (!strcmp(s, "unit")) *k = MG_SCALE_UNIT;
    else if (!strcmp(s, "raw")) *k = MG_SCALE_RAW;
    else if (!strcmp(s, "standardize")) *k = MG_SCALE_STANDARDIZE;
    else return -1;
    return 0;
}

/* Parses a --resample value. */
static int parse_resample(const char *s, mg_resize_kind *k) {
    if (!strcmp(s, "pil")) *k = MG_RESIZE_PIL;
    else if (!strcmp(s, "bilinear")) *k = MG_RESIZE_BILINEAR;
    else if (!strcmp(s, "area")) *k = MG_RESIZE_AREA;
    else return -1;
    return 0;
}

static const char *const scale_names[] = {"pm1", "unit", "raw", "standardize"};
static const char *const resample_names[] = {"pil", "bilinear", "area"};
_Static_assert(sizeof scale_names / sizeof *scale_names == MG_SCALE_COUNT, "a name per scale kind");
_Static_assert(sizeof resample_names / sizeof *resample_names == MG_RESIZE_COUNT, "a name per resize kind");

/* Text of the image-pipeline options shared by fashion-mnist and images. */
#define PREP_HELP                                                                                         \
    "  --resize HxW|N      resize to exactly H x W (N: N x N) (default: keep the size)\n"                  \
    "  --resample KIND     pil | bilinear | area (default pil):\n"                                         \
    "                        pil      Pillow's Image.resize(BILINEAR), bit for bit: what torchvision's\n"  \
    "                                 Resize does to PIL images (antialiased when shrinking; when\n"       \
    "                                 enlarging it is plain bilinear rounded to 8 bits)\n"                 \
    "                        bilinear plain bilinear in float, half-pixel centers, no antialias\n"         \
    "                                 (torch interpolate(mode='bilinear', align_corners=False))\n"         \
    "                        area     box averaging in float (interpolate(mode='area')); exact block\n"    \
    "                                 means for integer factors; use it for shrinking\n"                   \
    "  --scale KIND        pm1: x/255*2-1 in [-1,1], the authors' recipe | unit: x/255 in [0,1] |\n"      \
    "                      raw: 0..255 | standardize: (x/255 - m)/s with the dataset's scalar mean m\n"   \
    "                      and population std s (default pm1)\n"                                          \
    "  --center            also subtract the mean image of the selected samples (default off)\n"          \
    "  --mean-out PATH     write that mean image (1 x D float32 .npy); needs --center\n"

/* Finishes an image dataset: standardisation/centering and the mean image. */
static int finish_images(const char *cmd, float *X, int64_t n, int64_t D, const mg_image_prep *p,
                         const char *mean_out, double *sm, double *ss) {
    float *mean = p->center ? malloc((size_t)D * sizeof(float)) : NULL;
    if (p->center && !mean) return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    mg_status st = mg_image_finish((mg_mat){n, D, D, X}, p, mean, sm, ss);
    if (st == MG_OK && mean_out) st = write_f32(mean_out, mean, 1, D);
    free(mean);
    return st == MG_OK ? CLI_OK : cli_fail(cmd, st);
}

/* The image-pipeline options shared by fashion-mnist and images (PREP_HELP). */
typedef struct {
    const char *resize, *resample, *scale, *mean_out;
    int center;
} prep_opts;

#define PREP_OPTS_DEFAULT {NULL, "pil", "pm1", NULL, 0}

/* Their cli_opt entries, stored into the prep_opts *po. */
#define PREP_OPTIONS(po)                                                                                   \
    CLI_OPT_STR("resize", &(po)->resize), CLI_OPT_STR("resample", &(po)->resample),                         \
        CLI_OPT_STR("scale", &(po)->scale), CLI_OPT_FLAG("center", &(po)->center),                          \
        CLI_OPT_STR("mean-out", &(po)->mean_out)

/* Resolves them into p; CLI_OK, or CLI_USAGE after a message. */
static int prep_resolve(const char *cmd, const prep_opts *po, mg_image_prep *p) {
    if (po->resize && parse_hw(po->resize, &p->resize_h, &p->resize_w))
        return cli_usage(cmd, "--resize expects HxW or N (got '%s')", po->resize);
    if (parse_resample(po->resample, &p->resize)) return cli_usage(cmd, "--resample must be pil, bilinear or area");
    if (parse_scale(po->scale, &p->scale)) return cli_usage(cmd, "--scale must be pm1, unit, raw or standardize");
    p->center = po->center;
    if (po->mean_out && !po->center) return cli_usage(cmd, "--mean-out needs --center");
    return CLI_OK;
}

/* Adds the resolved pipeline (and the standardisation's mean/std) to a JSON summary. */
static void prep_json(cJSON *o, const mg_image_prep *p, double sm, double ss) {
    cJSON_AddStringToObject(o, "resample", resample_names[p->resize]);
    cJSON_AddStringToObject(o, "scale", scale_names[p->scale]);
    cJSON_AddBoolToObject(o, "center", p->center);
    if (p->scale == MG_SCALE_STANDARDIZE) {
        cJSON_AddNumberToObject(o, "standardize_mean", sm);
        cJSON_AddNumberToObject(o, "standardize_std", ss);
    }
}

/* ---- data mog -------------------------------------------------------------- */

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
static int data_mog(int argc, char **argv) {
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
        CLI_OPT_FLAG("shuffle", &shuffle), CLI_OPT_UINT("seed", &seed), CLI_OPT_STR("out", &out),
        CLI_OPT_STR("labels-out", &labels_out), CLI_OPT_STR("params-out", &params_out), CLI_OPT_STR("json", &json),
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
        if (parse_list(weights_s, w, (int)K) != K) {
            rc = cli_usage(cmd, "--weights needs %lld comma-separated numbers (got '%s')", (long long)K, weights_s);
            goto end;
        }
        have_w = 1;
    }
    int64_t n = 0;
    if (!have_n) {
        int got = parse_list(per_mode, cnt, (int)K);
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
    if (st == MG_OK) st = write_f32(out, X, n, d);
    if (st == MG_OK && labels_out) st = write_i64(labels_out, lab, n);
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

/* ---- data fashion-mnist ------------------------------------------------------- */

static void usage_fmnist(FILE *f) {
    fprintf(f,
            "usage: memgen data fashion-mnist --out X.npy [options]\n\n"
            "Loads Fashion-MNIST from the Debian package dataset-fashion-mnist (IDX .gz files in\n"
            "%s; apt-get install dataset-fashion-mnist) as n x D float32 rows\n"
            "(28x28 = 784 gray pixels unless resized).\n\n"
            "  --split NAME        train (60000) | test (10000) (default train)\n"
            "  --dir DIR           folder of the IDX files (default %s)\n"
            "  --classes LIST      keep only these classes, e.g. 0,3,7 (default all 10)\n"
            "  --n N               number of images after the class filter (default all)\n"
            "  --random            a seeded random subset of n (kept in file order) instead of the\n"
            "                      first n (default off)\n"
            "  --seed K            seed of --random (default 0)\n" PREP_HELP
            "  --out PATH          images, n x D float32 .npy (required)\n"
            "  --labels-out PATH   class of each row (0..9), int64 .npy\n"
            "  --index-out PATH    index of each row in the IDX file, int64 .npy\n"
            "  --json PATH         resolved configuration and statistics as JSON\n"
            "  -h, --help          this text\n\n"
            "torchvision's FashionMNIST + Resize(32) + ToTensor() + x*2-1 is reproduced bit for bit\n"
            "by --resize 32 (with the default --resample pil --scale pm1).\n",
            MG_FMNIST_DIR, MG_FMNIST_DIR);
}

/* `memgen data fashion-mnist`. */
static int data_fmnist(int argc, char **argv) {
    const char *cmd = "data fashion-mnist";
    const char *split = "train", *dir = MG_FMNIST_DIR, *classes = NULL, *out = NULL, *labels_out = NULL;
    const char *index_out = NULL, *json = NULL;
    prep_opts po = PREP_OPTS_DEFAULT;
    int64_t n = 0;
    int random = 0;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("split", &split), CLI_OPT_STR("dir", &dir), CLI_OPT_STR("classes", &classes),
        CLI_OPT_INT("n", &n), CLI_OPT_FLAG("random", &random), CLI_OPT_UINT("seed", &seed), PREP_OPTIONS(&po),
        CLI_OPT_STR("out", &out), CLI_OPT_STR("labels-out", &labels_out), CLI_OPT_STR("index-out", &index_out),
        CLI_OPT_STR("json", &json), CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_fmnist, NULL);
    if (rc != CLI_RUN) return rc;
    if (!out) return cli_usage(cmd, "--out is required");
    mg_fmnist_opts fo = {dir, 1, 0, 0, random};
    if (!strcmp(split, "test")) fo.train = 0;
    else if (strcmp(split, "train")) return cli_usage(cmd, "--split must be train or test (got '%s')", split);
    if (n < 0) return cli_usage(cmd, "--n must be >= 0");
    fo.n = n;
    if (classes) {
        double cl[10];
        int k = parse_list(classes, cl, 10);
        if (k < 1) return cli_usage(cmd, "--classes expects comma-separated classes 0..9 (got '%s')", classes);
        for (int i = 0; i < k; i++) {
            if (cl[i] < 0 || cl[i] > 9 || cl[i] != floor(cl[i]))
                return cli_usage(cmd, "--classes: %g is not a class 0..9", cl[i]);
            fo.class_mask |= 1u << (int)cl[i];
        }
    }
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.channels = 1;
    if ((rc = prep_resolve(cmd, &po, &p)) != CLI_OK) return rc;
    printf("memgen data fashion-mnist: split=%s dir=%s classes=%s n=%s%s seed=%llu resize=%s resample=%s "
           "scale=%s center=%s\n",
           split, dir, classes ? classes : "all", n ? "" : "all", random ? " (random subset)" : " (first)",
           (unsigned long long)seed, po.resize ? po.resize : "none (28x28)", po.resample, po.scale,
           po.center ? "yes" : "no");
    if (n) printf("  n = %lld\n", (long long)n);
    fflush(stdout);

    mg_rng rng;
    mg_rng_init(&rng, seed);
    mg_array imgs;
    int64_t *lab = NULL, *idx = NULL;
    mg_status st = mg_fmnist_load(&fo, &rng, &imgs, &lab, &idx);
    if (st != MG_OK) return cli_fail(cmd, st);
    int64_t N = imgs.shape[0];
    int oh, ow, oc;
    st = mg_image_prep_shape(&p, 28, 28, 1, &oh, &ow, &oc);
    int64_t D = (int64_t)oh * ow * oc;
    float *X = st == MG_OK ? mg_alloc((size_t)N * (size_t)D, sizeof(float)) : NULL; /* N x D */
    if (st == MG_OK && !X) st = mg_fail(MG_ERR_NOMEM, "out of memory for %lld x %lld", (long long)N, (long long)D);
    for (int64_t i = 0; st == MG_OK && i < N; i++) {
        mg_array one = {MG_U8, 3, {28, 28, 1}, (uint8_t *)imgs.data + i * 784};
        st = mg_image_prepare(&one, &p, "fashion-mnist", X + i * D);
    }
    double sm = 0, ss = 0;
    if (st != MG_OK) rc = cli_fail(cmd, st);
    if (rc == CLI_OK) rc = finish_images(cmd, X, N, D, &p, po.mean_out, &sm, &ss);
    if (rc == CLI_OK) {
        st = write_f32(out, X, N, D);
        if (st == MG_OK && labels_out) st = write_i64(labels_out, lab, N);
        if (st == MG_OK && index_out) st = write_i64(index_out, idx, N);
        if (st == MG_OK && json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "command", "data fashion-mnist");
            cJSON_AddStringToObject(o, "split", split);
            cJSON_AddStringToObject(o, "classes", classes ? classes : "all");
            cJSON_AddNumberToObject(o, "n", (double)N);
            cJSON_AddNumberToObject(o, "height", oh);
            cJSON_AddNumberToObject(o, "width", ow);
            cJSON_AddBoolToObject(o, "random", random);
            cJSON_AddNumberToObject(o, "seed", (double)seed);
            prep_json(o, &p, sm, ss);
            st = mg_write_json_atomic(json, o);
            cJSON_Delete(o);
        }
        if (st != MG_OK) rc = cli_fail(cmd, st);
    }
    if (rc == CLI_OK) {
        printf("wrote %s (%lld x %lld float32, %dx%d images)", out, (long long)N, (long long)D, oh, ow);
        if (p.scale == MG_SCALE_STANDARDIZE) printf(", standardised with mean %.6g std %.6g", sm, ss);
        printf("\n");
    }
    free(X);
    free(lab);
    free(idx);
    mg_array_free(&imgs);
    return rc;
}

/* ---- data images ---------------------------------------------------------------- */

static void usage_images(FILE *f) {
    fprintf(f,
            "usage: memgen data images --dir DIR --out X.npy [options]\n\n"
            "Reads the PNG files of a folder, in bytewise name order, into n x D float32 rows.\n"
            "Decoding follows PIL's Image.open(f).convert(\"RGB\"): 16-bit samples keep their high byte,\n"
            "palettes expand, alpha is dropped (not composited); gray is PIL's convert(\"L\") luma\n"
            "L = (19595 R + 38470 G + 7471 B + 32768) >> 16. Pipeline: resize, center crop, channels,\n"
            "scale, center.\n\n"
            "  --dir DIR           the folder (required)\n"
            "  --class-folders     read DIR/<class>/*.png instead (torchvision ImageFolder layout);\n"
            "                      labels are class indices in sorted folder order (default off: label 0)\n"
            "  --n N               only the first N files in that order (default all)\n"
            "  --resize-short S    resize the shorter side to S keeping the aspect ratio, long side\n"
            "                      int(S * long / short) (torchvision Resize(S)) (default off)\n"
            "  --center-crop HxW|N torchvision CenterCrop after resizing (default off)\n"
            "  --channels C        1: grayscale | 3: RGB (default 1, the paper's recipe)\n"
            "  --layout KIND       chw: channels-first rows (PyTorch tensors flattened) | hwc\n"
            "                      (default chw; no effect with one channel)\n" PREP_HELP
            "  --out PATH          images, n x D float32 .npy (required)\n"
            "  --labels-out PATH   label of each row, int64 .npy\n"
            "  --names-out PATH    the file of each row, one path per line\n"
            "  --json PATH         resolved configuration as JSON\n"
            "  -h, --help          this text\n\n"
            "The authors' CelebA data (32x32 gray in [-1,1]): transforms.Compose([Resize((32, 32)),\n"
            "Grayscale(), ToTensor()]) then x*2-1 on PIL images is reproduced bit for bit by\n"
            "  memgen data images --dir CELEBA_PNG --resize 32x32 --channels 1 --scale pm1\n"
            "(Resize(32) + CenterCrop(32) instead: --resize-short 32 --center-crop 32). Exact means:\n"
            "the same decoded pixels give the same floats. CelebA ships as JPEG and memgen reads PNG\n"
            "only: convert the files losslessly to PNG first (e.g. ImageMagick: mogrify -format png\n"
            "*.jpg); JPEG decoders (libjpeg-turbo versions, IDCT and upsampling settings) may differ\n"
            "from PIL's by a level here and there, so that step is the only approximate one.\n");
}

/* `memgen data images`. */
static int data_images(int argc, char **argv) {
    const char *cmd = "data images";
    const char *dir = NULL, *crop = NULL, *layout = "chw", *out = NULL, *labels_out = NULL, *names_out = NULL;
    const char *json = NULL;
    prep_opts po = PREP_OPTS_DEFAULT;
    int64_t n = 0, channels = 1, rshort = 0;
    int class_folders = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("dir", &dir), CLI_OPT_FLAG("class-folders", &class_folders), CLI_OPT_INT("n", &n),
        CLI_OPT_INT("resize-short", &rshort), CLI_OPT_STR("center-crop", &crop), CLI_OPT_INT("channels", &channels),
        CLI_OPT_STR("layout", &layout), PREP_OPTIONS(&po), CLI_OPT_STR("out", &out),
        CLI_OPT_STR("labels-out", &labels_out), CLI_OPT_STR("names-out", &names_out), CLI_OPT_STR("json", &json),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_images, NULL);
    if (rc != CLI_RUN) return rc;
    if (!dir) return cli_usage(cmd, "--dir is required");
    if (!out) return cli_usage(cmd, "--out is required");
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    if ((rc = prep_resolve(cmd, &po, &p)) != CLI_OK) return rc;
    if (po.resize && rshort) return cli_usage(cmd, "give --resize or --resize-short, not both");
    if (rshort < 0 || rshort > 16384) return cli_usage(cmd, "--resize-short must be in 1..16384");
    p.resize_short = (int)rshort;
    if (crop && parse_hw(crop, &p.crop_h, &p.crop_w))
        return cli_usage(cmd, "--center-crop expects HxW or N (got '%s')", crop);
    if (channels != 1 && channels != 3) return cli_usage(cmd, "--channels must be 1 or 3");
    p.channels = (int)channels;
    if (!strcmp(layout, "hwc")) p.chw = 0;
    else if (strcmp(layout, "chw")) return cli_usage(cmd, "--layout must be chw or hwc");
    if (n < 0) return cli_usage(cmd, "--n must be >= 0");
    printf("memgen data images: dir=%s class-folders=%s n=%s resize=%s resize-short=%lld center-crop=%s "
           "channels=%lld layout=%s resample=%s scale=%s center=%s\n",
           dir, class_folders ? "yes" : "no", n ? "first N" : "all", po.resize ? po.resize : "none", (long long)rshort,
           crop ? crop : "none", (long long)channels, layout, po.resample, po.scale, po.center ? "yes" : "no");
    fflush(stdout);

    mg_file_list fl;
    mg_status st = mg_list_pngs(dir, class_folders, &fl);
    if (st != MG_OK) return cli_fail(cmd, st);
    int64_t N = n && n < fl.n ? n : fl.n;
    float *X = NULL;
    int64_t D = 0;
    int oh0 = 0, ow0 = 0;
    cli_progress pr;
    cli_progress_start(&pr, "images", N);
    for (int64_t i = 0; st == MG_OK && i < N; i++) {
        mg_array img;
        st = mg_png_read(fl.paths[i], 0, &img);
        if (st != MG_OK) break;
        int oh, ow, oc;
        st = mg_image_prep_shape(&p, (int)img.shape[0], (int)img.shape[1], (int)img.shape[2], &oh, &ow, &oc);
        if (st != MG_OK) {
            st = mg_fail_context(st, "%s", fl.paths[i]);
        } else if (i == 0) {
            D = (int64_t)oh * ow * oc;
            oh0 = oh;
            ow0 = ow;
            X = mg_alloc((size_t)N * (size_t)D, sizeof(float)); /* N x D */
            if (!X) st = mg_fail(MG_ERR_NOMEM, "out of memory for %lld x %lld", (long long)N, (long long)D);
        } else if (oh != oh0 || ow != ow0) {
            st = mg_fail(MG_ERR_SHAPE,
                         "%s: gives a %dx%d image but %s gave %dx%d: use --resize (or --resize-short with "
                         "--center-crop) to make all images the same size",
                         fl.paths[i], oh, ow, fl.paths[0], oh0, ow0);
        }
        if (st == MG_OK) st = mg_image_prepare(&img, &p, fl.paths[i], X + i * D);
        mg_array_free(&img);
        cli_progress_update(&pr, i + 1, NULL);
    }
    rc = st == MG_OK ? CLI_OK : cli_fail(cmd, st);
    if (rc == CLI_OK && N > 1) cli_progress_end(&pr, NULL);
    double sm = 0, ss = 0;
    if (rc == CLI_OK) rc = finish_images(cmd, X, N, D, &p, po.mean_out, &sm, &ss);
    if (rc == CLI_OK) {
        st = write_f32(out, X, N, D);
        if (st == MG_OK && labels_out) st = write_i64(labels_out, fl.labels, N);
        if (st == MG_OK && names_out) {
            size_t len = 0;
            for (int64_t i = 0; i < N; i++) len += strlen(fl.paths[i]) + 1;
            char *txt = malloc(len + 1), *q = txt;
            if (!txt) st = mg_fail(MG_ERR_NOMEM, "out of memory");
            for (int64_t i = 0; txt && i < N; i++) q += sprintf(q, "%s\n", fl.paths[i]);
            if (txt) st = mg_write_file_atomic(names_out, txt, len);
            free(txt);
        }
        if (st == MG_OK && json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "command", "data images");
            cJSON_AddStringToObject(o, "dir", dir);
            cJSON_AddNumberToObject(o, "n", (double)N);
            cJSON_AddNumberToObject(o, "height", oh0);
            cJSON_AddNumberToObject(o, "width", ow0);
            cJSON_AddNumberToObject(o, "channels", (double)channels);
            cJSON_AddStringToObject(o, "layout", p.chw ? "chw" : "hwc");
            if (fl.nclasses) {
                cJSON *cl = cJSON_AddArrayToObject(o, "classes");
                for (int i = 0; i < fl.nclasses; i++) cJSON_AddItemToArray(cl, cJSON_CreateString(fl.classes[i]));
            }
            prep_json(o, &p, sm, ss);
            st = mg_write_json_atomic(json, o);
            cJSON_Delete(o);
        }
        if (st != MG_OK) rc = cli_fail(cmd, st);
    }
    if (rc == CLI_OK)
        printf("wrote %s (%lld x %lld float32, %dx%dx%lld images%s)\n", out, (long long)N, (long long)D, oh0, ow0,
               (long long)channels, fl.nclasses ? ", labels = class folders" : "");
    free(X);
    mg_file_list_free(&fl);
    return rc;
}

/* ---- data duplicate ----------------------------------------------------------- */

static void usage_duplicate(FILE *f) {
    fprintf(f,
            "usage: memgen data duplicate --data X.npy --count M --times C --out Y.npy [options]\n\n"
            "Adds duplicated points to a dataset (paper Cor. 3.4, App. A.4): M existing rows, picked at\n"
            "random, each occur C times in total (C-1 copies appended), or with --inject M new points\n"
            "(rank-1 clusters: random directions of a given norm) each appended C times. The input rows\n"
            "come first, unchanged; then the copies, those of one point consecutive.\n\n"
            "  --data PATH           input rows, n x d .npy (any float or integer dtype; required)\n"
            "  --count M             number of distinct duplicated points (required)\n"
            "  --times C             occurrences of each, >= 2 (required)\n"
            "  --inject              add M new points instead of repeating existing rows (default off)\n"
            "  --inject-norm S       norm of injected points (default: the median row norm)\n"
            "  --jitter S            std of Gaussian noise added to each extra copy (default 0: exact)\n"
            "  --class-labels PATH   class labels of the input (n, integer .npy) to carry over\n"
            "  --seed K              random seed (default 0)\n"
            "  --out PATH            the rows, (n + added) x d float32 .npy (required)\n"
            "  --labels-out PATH     1 for rows of a duplicated group (original and copies), else 0;\n"
            "                        int64 .npy (the memorization ground truth)\n"
            "  --group-out PATH      for each row: the row index of its group's first occurrence\n"
            "                        (the original row for picked points), or -1; int64 .npy\n"
            "  --class-labels-out PATH  class labels extended: copies inherit, injected points get -1\n"
            "  -h, --help            this text\n");
}

/* Reads an integer label vector with n entries as int64 (caller frees). */
static mg_status read_labels(const char *path, int64_t n, int64_t **out) {
    mg_array a;
    *out = NULL;
    MG_TRY(mg_npy_read(path, &a));
    mg_status st = MG_OK;
    if (a.ndim < 1 || a.shape[0] != n || mg_array_numel(&a) != n)
        st = mg_fail(MG_ERR_SHAPE, "%s: expected %lld labels (one per row)", path, (long long)n);
    int64_t *v = st == MG_OK ? malloc((size_t)(n ? n : 1) * sizeof *v) : NULL;
    if (st == MG_OK && !v) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == MG_OK && i < n; i++) {
        switch (a.dtype) {
        case MG_I64: v[i] = ((int64_t *)a.data)[i]; break;
        case MG_I32: v[i] = ((int32_t *)a.data)[i]; break;
        case MG_U8: v[i] = ((uint8_t *)a.data)[i]; break;
        case MG_F32:
        case MG_F64: {
            double x = a.dtype == MG_F32 ? ((float *)a.data)[i] : ((double *)a.data)[i];
            if (x != floor(x) || fabs(x) > 9e15) st = mg_fail(MG_ERR_FORMAT, "%s: label %lld is not an integer", path, (long long)i);
            else v[i] = (int64_t)x;
            break;
        }
        default: st = mg_fail(MG_ERR_FORMAT, "%s: labels must be integers (got %s)", path, mg_dtype_name(a.dtype));
        }
    }
    mg_array_free(&a);
    if (st != MG_OK) free(v);
    else *out = v;
    return st;
}

/* `memgen data duplicate`. */
static int data_duplicate(int argc, char **argv) {
    const char *cmd = "data duplicate";
    const char *data = NULL, *cls = NULL, *out = NULL, *labels_out = NULL, *group_out = NULL, *cls_out = NULL;
    int64_t m = -1, times = -1;
    double norm = 0, jitter = 0;
    int inject = 0;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("data", &data), CLI_OPT_INT("count", &m), CLI_OPT_INT("times", &times),
        CLI_OPT_FLAG("inject", &inject), CLI_OPT_DOUBLE("inject-norm", &norm), CLI_OPT_DOUBLE("jitter", &jitter),
        CLI_OPT_STR("class-labels", &cls), CLI_OPT_UINT("seed", &seed), CLI_OPT_STR("out", &out),
        CLI_OPT_STR("labels-out", &labels_out), CLI_OPT_STR("group-out", &group_out),
        CLI_OPT_STR("class-labels-out", &cls_out), CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_duplicate, NULL);
    if (rc != CLI_RUN) return rc;
    if (!data || !out) return cli_usage(cmd, "--data and --out are required");
    if (m < 1) return cli_usage(cmd, "--count M (>= 1) is required");
    if (times < 2) return cli_usage(cmd, "--times C (>= 2) is required");
    if (cls_out && !cls) return cli_usage(cmd, "--class-labels-out needs --class-labels");
    if (jitter < 0) return cli_usage(cmd, "--jitter must be >= 0");
    printf("memgen data duplicate: data=%s count=%lld times=%lld mode=%s inject-norm=%s jitter=%g seed=%llu\n", data,
           (long long)m, (long long)times, inject ? "inject" : "pick", norm > 0 ? "given" : "median row norm", jitter,
           (unsigned long long)seed);
    if (inject && norm > 0) printf("  inject-norm = %g\n", norm);
    fflush(stdout);

    mg_array X;
    mg_status st = mg_npy_read_matrix(data, "input data", 0, &X);
    if (st != MG_OK) return cli_fail(cmd, st);
    int64_t n = X.shape[0], d = X.shape[1];
    int64_t *lab = NULL, *mark = NULL;
    mg_dup_result r = {0};
    if (cls) st = read_labels(cls, n, &lab);
    if (st == MG_OK) {
        mg_rng rng;
        mg_rng_init(&rng, seed);
        mg_dup_spec s = {m, times, inject, norm, jitter};
        st = mg_data_duplicate(mg_mat_of_array(&X), lab, &s, &rng, &r);
    }
    const int64_t nout = r.X.shape[0];
    if (st == MG_OK) st = mg_npy_write(out, &r.X);
    if (st == MG_OK && (labels_out)) {
        mark = malloc((size_t)nout * sizeof *mark);
        if (!mark) st = mg_fail(MG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; mark && i < nout; i++) mark[i] = r.group[i] >= 0;
        if (st == MG_OK) st = write_i64(labels_out, mark, nout);
    }
    if (st == MG_OK && group_out) st = write_i64(group_out, r.group, nout);
    if (st == MG_OK && cls_out) st = write_i64(cls_out, r.labels, nout);
    rc = st == MG_OK ? CLI_OK : cli_fail(cmd, st);
    if (rc == CLI_OK) {
        int64_t dup_rows = 0;
        for (int64_t i = 0; i < nout; i++) dup_rows += r.group[i] >= 0;
        printf("wrote %s (%lld x %lld float32): %lld input rows + %lld added; %lld rows in %lld duplicated groups\n",
               out, (long long)nout, (long long)d, (long long)n, (long long)(nout - n), (long long)dup_rows, (long long)m);
    }
    mg_dup_result_free(&r);
    mg_array_free(&X);
    free(lab);
    free(mark);
    return rc;
}

/* ---- data split ------------------------------------------------------------------ */

static void usage_split(FILE *f) {
    fprintf(f,
            "usage: memgen data split --data X.npy --out-train A.npy --out-test B.npy [options]\n\n"
            "Splits the rows (first axis) of an .npy file, and of its labels, into a random test part\n"
            "of round(n * F) rows and a train part; each part keeps the original row order and dtype.\n\n"
            "  --data PATH              input .npy, any dtype and shape (required)\n"
            "  --labels PATH            labels .npy with the same first dimension (optional)\n"
            "  --test-fraction F        in [0, 1] (default 0.2)\n"
            "  --seed K                 random seed (default 0)\n"
            "  --out-train PATH         train rows (required)\n"
            "  --out-test PATH          test rows (required)\n"
            "  --labels-train-out PATH  train labels (needs --labels)\n"
            "  --labels-test-out PATH   test labels (needs --labels)\n"
            "  --split-out PATH         per input row 1 = test, 0 = train (int64 .npy)\n"
            "  -h, --help               this text\n");
}

/* Writes the rows of `a` whose is_test flag equals `which` to path. */
static mg_status write_part(const char *path, const mg_array *a, const uint8_t *is_test, int which, int64_t count) {
    mg_array p = *a;
    p.shape[0] = count;
    int64_t n = a->shape[0];
    size_t row = n ? mg_array_nbytes(a) / (size_t)n : 0;
    size_t bytes = (size_t)count * row;
    p.data = bytes ? malloc(bytes) : NULL;
    if (bytes && !p.data) return mg_fail(MG_ERR_NOMEM, "out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (is_test[i] == which) memcpy((char *)p.data + (size_t)(k++) * row, (const char *)a->data + (size_t)i * row, row);
    mg_status st = mg_npy_write(path, &p);
    free(p.data);
    return st;
}

/* `memgen data split`. */
static int data_split(int argc, char **argv) {
    const char *cmd = "data split";
    const char *data = NULL, *labels = NULL, *otr = NULL, *ote = NULL, *ltr = NULL, *lte = NULL, *sout = NULL;
    double frac = 0.2;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("data", &data), CLI_OPT_STR("labels", &labels), CLI_OPT_DOUBLE("test-fraction", &frac),
        CLI_OPT_UINT("seed", &seed), CLI_OPT_STR("out-train", &otr), CLI_OPT_STR("out-test", &ote),
        CLI_OPT_STR("labels-train-out", &ltr), CLI_OPT_STR("labels-test-out", &lte), CLI_OPT_STR("split-out", &sout),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_split, NULL);
    if (rc != CLI_RUN) return rc;
    if (!data || !otr || !ote) return cli_usage(cmd, "--data, --out-train and --out-test are required");
    if ((ltr || lte) && !labels) return cli_usage(cmd, "--labels-train-out / --labels-test-out need --labels");
    if (!(frac >= 0 && frac <= 1)) return cli_usage(cmd, "--test-fraction must be in [0, 1]");
    printf("memgen data split: data=%s labels=%s test-fraction=%g seed=%llu\n", data, labels ? labels : "none", frac,
           (unsigned long long)seed);
    fflush(stdout);

    mg_array X = {0}, Y = {0};
    uint8_t *is_test = NULL;
    int64_t *flags = NULL;
    mg_status st = mg_npy_read(data, &X);
    if (st == MG_OK && X.ndim < 1) st = mg_fail(MG_ERR_SHAPE, "%s: a scalar has no rows to split", data);
    if (st == MG_OK && X.shape[0] < 1) st = mg_fail(MG_ERR_SHAPE, "%s: no rows to split", data);
    if (st == MG_OK && labels) {
        st = mg_npy_read(labels, &Y);
        if (st == MG_OK && (Y.ndim < 1 || Y.shape[0] != X.shape[0]))
            st = mg_fail(MG_ERR_SHAPE, "%s: first dimension must be %lld like %s", labels, (long long)X.shape[0], data);
    }
    int64_t n = st == MG_OK ? X.shape[0] : 0, nt = 0;
    if (st == MG_OK) {
        is_test = malloc((size_t)n);
        if (!is_test) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    if (st == MG_OK) {
        mg_rng rng;
        mg_rng_init(&rng, seed);
        st = mg_data_split(n, frac, &rng, is_test, &nt);
    }
    if (st == MG_OK) st = write_part(otr, &X, is_test, 0, n - nt);
    if (st == MG_OK) st = write_part(ote, &X, is_test, 1, nt);
    if (st == MG_OK && ltr) st = write_part(ltr, &Y, is_test, 0, n - nt);
    if (st == MG_OK && lte) st = write_part(lte, &Y, is_test, 1, nt);
    if (st == MG_OK && sout) {
        flags = malloc((size_t)n * sizeof *flags);
        if (!flags) st = mg_fail(MG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; flags && i < n; i++) flags[i] = is_test[i];
        if (st == MG_OK) st = write_i64(sout, flags, n);
    }
    rc = st == MG_OK ? CLI_OK : cli_fail(cmd, st);
    if (rc == CLI_OK)
        printf("wrote %s (%lld rows) and %s (%lld rows)\n", otr, (long long)(n - nt), ote, (long long)nt);
    mg_array_free(&X);
    mg_array_free(&Y);
    free(is_test);
    free(flags);
    return rc;
}

/* Entry point of `memgen data`: dispatches to the source. */
int cmd_data(int argc, char **argv) {
    if (argc < 2) {
        usage_data(stderr);
        return CLI_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage_data(stdout);
        return CLI_OK;
    }
    if (!strcmp(sub, "mog")) return data_mog(argc - 1, argv + 1);
    if (!strcmp(sub, "fashion-mnist")) return data_fmnist(argc - 1, argv + 1);
    if (!strcmp(sub, "images")) return data_images(argc - 1, argv + 1);
    if (!strcmp(sub, "duplicate")) return data_duplicate(argc - 1, argv + 1);
    if (!strcmp(sub, "split")) return data_split(argc - 1, argv + 1);
    fprintf(stderr, "memgen data: unknown source '%s'\n\n", sub);
    usage_data(stderr);
    return CLI_USAGE;
}
