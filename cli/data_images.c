/*
 * memgen data images: a folder of PNG or JPEG files (or class subfolders) through the image pipeline
 * (the authors' CelebA recipe).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/fileio.h"
#include "memgen/imagefolder.h"
#include "memgen/npy.h"
#include "memgen/jpeg.h"

/* Usage of `memgen data images`. */
static void usage_images(FILE *f) {
    fprintf(f,
            "usage: memgen data images --dir DIR --out X.npy [options]\n\n"
            "Reads the PNG and JPEG files (.png, .jpg, .jpeg) of a folder, in bytewise name order,\n"
            "into n x D float32 rows. Decoding follows PIL's Image.open(f).convert(\"RGB\"): 16-bit\n"
            "PNG samples keep their high byte, JPEGs decode with libjpeg's defaults as PIL's do,\n"
            "palettes expand, alpha is dropped (not composited); gray is PIL's convert(\"L\") luma\n"
            "L = (19595 R + 38470 G + 7471 B + 32768) >> 16. Pipeline: resize, center crop, channels,\n"
            "scale, center.\n\n"
            "  --dir DIR           the folder (required)\n"
            "  --class-folders     read DIR/<class>/*.png|jpg instead (torchvision ImageFolder layout);\n"
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
            "  memgen data images --dir img_align_celeba --resize 32x32 --channels 1 --scale pm1\n"
            "(Resize(32) + CenterCrop(32) instead: --resize-short 32 --center-crop 32). Exact means:\n"
            "the same decoded pixels give the same floats. CelebA ships as JPEG: memgen decodes it\n"
            "with the system libjpeg and PIL's defaults, so with the same libjpeg-turbo the pixels are\n"
            "PIL's; another libjpeg build may differ by a level here and there.\n");
}

/* `memgen data images`. */
/* `memgen data images`. */
int data_images(int argc, char **argv) {
    const char *cmd = "data images";
    const char *dir = NULL, *crop = NULL, *layout = "chw", *out = NULL, *labels_out = NULL, *names_out = NULL;
    const char *json = NULL;
    dc_prep_opts po = PREP_OPTS_DEFAULT;
    int64_t n = 0, channels = 1, rshort = 0;
    int class_folders = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("dir", &dir), CLI_OPT_FLAG("class-folders", &class_folders), CLI_OPT_INT("n", &n),
        CLI_OPT_INT("resize-short", &rshort), CLI_OPT_STR("center-crop", &crop), CLI_OPT_INT("channels", &channels),
        CLI_OPT_STR("layout", &layout), PREP_OPTIONS(&po), CLI_OPT_OUT("out", &out),
        CLI_OPT_OUT("labels-out", &labels_out), CLI_OPT_OUT("names-out", &names_out), CLI_OPT_OUT("json", &json),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_images, NULL);
    if (rc != CLI_RUN) return rc;
    if (!dir) return cli_usage(cmd, "--dir is required");
    if (!out) return cli_usage(cmd, "--out is required");
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    if ((rc = dc_prep_resolve(cmd, &po, &p)) != CLI_OK) return rc;
    if (po.resize && rshort) return cli_usage(cmd, "give --resize or --resize-short, not both");
    if (rshort < 0 || rshort > 16384) return cli_usage(cmd, "--resize-short must be in 1..16384");
    p.resize_short = (int)rshort;
    if (crop && dc_parse_hw(crop, &p.crop_h, &p.crop_w))
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
    mg_status st = mg_list_images(dir, class_folders, &fl);
    if (st != MG_OK) return cli_fail(cmd, st);
    int64_t N = n && n < fl.n ? n : fl.n;
    float *X = NULL;
    int64_t D = 0;
    int oh0 = 0, ow0 = 0;
    cli_progress pr;
    cli_progress_start(&pr, "images", N);
    for (int64_t i = 0; st == MG_OK && i < N; i++) {
        mg_array img;
        st = mg_image_read(fl.paths[i], 0, &img);
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
    if (rc == CLI_OK) rc = dc_finish_images(cmd, X, N, D, &p, po.mean_out, &sm, &ss);
    if (rc == CLI_OK) {
        st = dc_write_f32(out, X, N, D);
        if (st == MG_OK && labels_out) st = dc_write_i64(labels_out, fl.labels, N);
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
            dc_prep_json(o, &p, sm, ss);
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
