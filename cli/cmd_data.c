/*
 * memgen data: make or load the datasets of the paper's experiments and write
 * them as .npy (float32 samples, one per row; int64 labels). This file holds
 * the dispatcher and the pieces its sub-verbs share (data_cli.h); each
 * sub-verb is its own file:
 *   data mog            Gaussian mixtures (paper Eq. 4, App. A.1 / B.1) + parameters   data_mog.c
 *   data fashion-mnist  Fashion-MNIST from the Debian package dataset-fashion-mnist     data_fmnist.c
 *   data images         a folder of PNG/JPEG files (the authors' CelebA recipe, see --help)  data_images.c
 *   data duplicate      duplicated subsets / injected rank-1 clusters (Cor. 3.4)        data_duplicate.c
 *   data split          seeded train/test split of any .npy (and its labels)            data_split.c
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/npy.h"

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
            "  images         a folder of PNG/JPEG images (e.g. CelebA, the authors' 32x32 gray recipe)\n"
            "  duplicate      repeat m rows c times or inject rank-1 clusters (Cor. 3.4)\n"
            "  split          seeded train/test split of an .npy file and its labels\n");
}

/* ---- shared helpers ------------------------------------------------------ */

/* Parses a comma-separated list of up to max numbers into out (the
 * library's list parser); returns the count or -1. */
int dc_parse_list(const char *s, double *out, int max) {
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
int dc_parse_hw(const char *s, int *h, int *w) {
    char tail;
    if (sscanf(s, "%dx%d%c", h, w, &tail) == 2 && *h > 0 && *w > 0) return 0;
    if (sscanf(s, "%d%c", h, &tail) == 1 && *h > 0) {
        *w = *h;
        return 0;
    }
    return -1;
}

/* Writes n int64 values as a 1-D .npy. */
mg_status dc_write_i64(const char *path, const int64_t *v, int64_t n) {
    mg_array a = {0};
    a.dtype = MG_I64;
    a.ndim = 1;
    a.shape[0] = n;
    a.data = (void *)v;
    return mg_npy_write(path, &a);
}

/* Writes an n x d float32 matrix as .npy. */
mg_status dc_write_f32(const char *path, const float *X, int64_t n, int64_t d) {
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

/* Finishes an image dataset: standardisation/centering and the mean image. */
int dc_finish_images(const char *cmd, float *X, int64_t n, int64_t D, const mg_image_prep *p,
                         const char *mean_out, double *sm, double *ss) {
    float *mean = p->center ? malloc((size_t)D * sizeof(float)) : NULL;
    if (p->center && !mean) return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    mg_status st = mg_image_finish((mg_mat){n, D, D, X}, p, mean, sm, ss);
    if (st == MG_OK && mean_out) st = dc_write_f32(mean_out, mean, 1, D);
    free(mean);
    return st == MG_OK ? CLI_OK : cli_fail(cmd, st);
}

/* Resolves them into p; CLI_OK, or CLI_USAGE after a message. */
int dc_prep_resolve(const char *cmd, const dc_prep_opts *po, mg_image_prep *p) {
    if (po->resize && dc_parse_hw(po->resize, &p->resize_h, &p->resize_w))
        return cli_usage(cmd, "--resize expects HxW or N (got '%s')", po->resize);
    if (parse_resample(po->resample, &p->resize)) return cli_usage(cmd, "--resample must be pil, bilinear or area");
    if (parse_scale(po->scale, &p->scale)) return cli_usage(cmd, "--scale must be pm1, unit, raw or standardize");
    p->center = po->center;
    if (po->mean_out && !po->center) return cli_usage(cmd, "--mean-out needs --center");
    return CLI_OK;
}

/* Adds the resolved pipeline (and the standardisation's mean/std) to a JSON summary. */
void dc_prep_json(cJSON *o, const mg_image_prep *p, double sm, double ss) {
    cJSON_AddStringToObject(o, "resample", resample_names[p->resize]);
    cJSON_AddStringToObject(o, "scale", scale_names[p->scale]);
    cJSON_AddBoolToObject(o, "center", p->center);
    if (p->scale == MG_SCALE_STANDARDIZE) {
        cJSON_AddNumberToObject(o, "standardize_mean", sm);
        cJSON_AddNumberToObject(o, "standardize_std", ss);
    }
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
    static const char *const sources[] = {"mog", "fashion-mnist", "images", "duplicate", "split"};
    const char *near = cli_nearest(sub, sources, (int)(sizeof sources / sizeof sources[0]));
    fprintf(stderr, "memgen data: unknown source '%s'%s%s%s\n\n", sub, near ? " (did you mean " : "",
            near ? near : "", near ? "?)" : "");
    usage_data(stderr);
    return CLI_USAGE;
}
