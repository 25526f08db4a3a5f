/*
 * memgen data fashion-mnist: Fashion-MNIST from the Debian package dataset-fashion-mnist, through the
 * image pipeline.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/fileio.h"
#include "memgen/fmnist.h"
#include "memgen/npy.h"

/* Usage of `memgen data fashion-mnist`. */
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
/* `memgen data fashion-mnist`. */
int data_fmnist(int argc, char **argv) {
    const char *cmd = "data fashion-mnist";
    const char *split = "train", *dir = MG_FMNIST_DIR, *classes = NULL, *out = NULL, *labels_out = NULL;
    const char *index_out = NULL, *json = NULL;
    dc_prep_opts po = PREP_OPTS_DEFAULT;
    int64_t n = 0;
    int random = 0;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("split", &split), CLI_OPT_STR("dir", &dir), CLI_OPT_STR("classes", &classes),
        CLI_OPT_INT("n", &n), CLI_OPT_FLAG("random", &random), CLI_OPT_UINT("seed", &seed), PREP_OPTIONS(&po),
        CLI_OPT_OUT("out", &out), CLI_OPT_OUT("labels-out", &labels_out), CLI_OPT_OUT("index-out", &index_out),
        CLI_OPT_OUT("json", &json), CLI_OPT_END};
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
        int k = dc_parse_list(classes, cl, 10);
        if (k < 1) return cli_usage(cmd, "--classes expects comma-separated classes 0..9 (got '%s')", classes);
        for (int i = 0; i < k; i++) {
            if (cl[i] < 0 || cl[i] > 9 || cl[i] != floor(cl[i]))
                return cli_usage(cmd, "--classes: %g is not a class 0..9", cl[i]);
            fo.class_mask |= 1u << (int)cl[i];
        }
    }
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.channels = 1;
    if ((rc = dc_prep_resolve(cmd, &po, &p)) != CLI_OK) return rc;
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
    if (rc == CLI_OK) rc = dc_finish_images(cmd, X, N, D, &p, po.mean_out, &sm, &ss);
    if (rc == CLI_OK) {
        st = dc_write_f32(out, X, N, D);
        if (st == MG_OK && labels_out) st = dc_write_i64(labels_out, lab, N);
        if (st == MG_OK && index_out) st = dc_write_i64(index_out, idx, N);
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
            dc_prep_json(o, &p, sm, ss);
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
