/*
 * Pieces shared by the sub-verbs of `memgen data` (cli/cmd_data.c dispatches
 * to cli/data_<verb>.c): number lists and sizes on the command line, .npy
 * writers of labels and rows, and the image-pipeline options of
 * fashion-mnist and images.
 */
#ifndef MEMGEN_DATA_CLI_H
#define MEMGEN_DATA_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "memgen/image.h"

/* The sub-verbs: `memgen data <verb> ...` with argv[0] = the verb. */
int data_mog(int argc, char **argv);
int data_fmnist(int argc, char **argv);
int data_images(int argc, char **argv);
int data_duplicate(int argc, char **argv);
int data_split(int argc, char **argv);

/* Parses a comma-separated list of up to max numbers into out; returns the
 * count or -1. */
int dc_parse_list(const char *s, double *out, int max);
/* Parses "HxW" or "N" (N x N) into positive sizes; 0 on success. */
int dc_parse_hw(const char *s, int *h, int *w);
/* Writes n int64 values as a 1-D .npy. */
mg_status dc_write_i64(const char *path, const int64_t *v, int64_t n);
/* Writes an n x d float32 matrix as .npy. */
mg_status dc_write_f32(const char *path, const float *X, int64_t n, int64_t d);

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

/* The image-pipeline options shared by fashion-mnist and images (PREP_HELP). */
typedef struct {
    const char *resize, *resample, *scale, *mean_out;
    int center;
} dc_prep_opts;

#define PREP_OPTS_DEFAULT {NULL, "pil", "pm1", NULL, 0}

/* Their cli_opt entries, stored into the dc_prep_opts *po. */
#define PREP_OPTIONS(po)                                                                                   \
    CLI_OPT_STR("resize", &(po)->resize), CLI_OPT_STR("resample", &(po)->resample),                         \
        CLI_OPT_STR("scale", &(po)->scale), CLI_OPT_FLAG("center", &(po)->center),                          \
        CLI_OPT_OUT("mean-out", &(po)->mean_out)

/* Resolves them into p; CLI_OK, or CLI_USAGE after a message. */
int dc_prep_resolve(const char *cmd, const dc_prep_opts *po, mg_image_prep *p);
/* Adds the resolved pipeline (and the standardisation's mean/std) to a JSON summary. */
void dc_prep_json(cJSON *o, const mg_image_prep *p, double sm, double ss);
/* Finishes an image dataset (n x D rows): standardisation/centering and the
 * mean image written to mean_out (may be NULL); CLI_OK or CLI_FAIL. */
int dc_finish_images(const char *cmd, float *X, int64_t n, int64_t D, const mg_image_prep *p, const char *mean_out,
                     double *sm, double *ss);

#endif /* MEMGEN_DATA_CLI_H */
