/*
 * Image preprocessing shared by Fashion-MNIST and PNG folders: resize
 * (Pillow's bilinear exactly, plain bilinear, or area), center crop,
 * grayscale/RGB, scaling, and the dataset-level standardisation and
 * centering. Each step matches a torchvision pipeline (named below).
 */
#ifndef MEMGEN_IMAGE_H
#define MEMGEN_IMAGE_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /* Pillow's Image.resize(..., BILINEAR) bit for bit (what torchvision's
     * Resize does to PIL images, antialias always on): a triangle filter whose
     * support widens by in/out when shrinking, separable (horizontal pass then
     * vertical), 8-bit coefficients with 22 fractional bits, uint8 rounding
     * after each pass. Upscaling is plain bilinear with half-pixel centers
     * plus that rounding. */
    MG_RESIZE_PIL = 0,
    /* Plain bilinear in float, half-pixel centers, clamped at the borders, no
     * antialiasing: torch.nn.functional.interpolate(mode="bilinear",
     * align_corners=False, antialias=False). Equal to MG_RESIZE_PIL when
     * upscaling up to the 8-bit rounding. */
    MG_RESIZE_BILINEAR = 1,
    /* Area (box) averaging in float: output pixel i averages input pixels
     * floor(i in/out) .. ceil((i+1) in/out) - 1 with equal weights, as
     * torch's interpolate(mode="area") / adaptive_avg_pool2d. Exact block
     * means for integer factors. */
    MG_RESIZE_AREA = 2,
    MG_RESIZE_COUNT /* number of kinds */
} mg_resize_kind;

typedef enum {
    MG_SCALE_PM1 = 0,  /* u / 255 * 2 - 1 in float32 (ToTensor then x*2-1, the authors' recipe) */
    MG_SCALE_UNIT,     /* u / 255 in [0, 1] (ToTensor) */
    MG_SCALE_RAW,      /* u in 0..255 */
    MG_SCALE_STANDARDIZE, /* (u/255 - m) / s with the scalar mean m and std s over the whole dataset */
    MG_SCALE_COUNT        /* number of kinds */
} mg_scale_kind;

/* Per-image pipeline: resize -> center crop -> channels -> scale (-> center). */
typedef struct {
    int resize_h, resize_w; /* exact output size; 0 = no exact resize */
    int resize_short;       /* alternatively: shorter side to this, keeping the aspect ratio
                               (torchvision Resize(int)); 0 = off */
    int crop_h, crop_w;     /* center crop after resizing (torchvision CenterCrop); 0 = none */
    mg_resize_kind resize;  /* resampling */
    int channels;           /* 1 = grayscale (PIL convert("L") luma), 3 = RGB, 0 = as stored */
    int chw;                /* RGB rows as channels-first (PyTorch tensor layout) if nonzero, else HWC */
    mg_scale_kind scale;
    int center;             /* subtract the per-feature mean over the dataset */
} mg_image_prep;

#define MG_IMAGE_PREP_DEFAULT {0, 0, 0, 0, 0, MG_RESIZE_PIL, 0, 1, MG_SCALE_PM1, 0}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_image_prep mg_image_prep_default(void);

/* Resamples uint8 h x w x c (HWC) to oh x ow x c with Pillow's BILINEAR
 * (MG_RESIZE_PIL above). out is caller-allocated (oh*ow*c bytes). */
MG_API mg_status mg_resize_u8_pil(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow);

/* Resamples float h x w x c (HWC) to oh x ow x c with MG_RESIZE_BILINEAR or
 * MG_RESIZE_AREA. out is caller-allocated (oh*ow*c floats). */
MG_API mg_status mg_resize_f32(const float *in, int h, int w, int c, float *out, int oh, int ow, mg_resize_kind kind);

/* Output size of the pipeline for an h x w x c image: *oh, *ow, *oc. */
MG_API mg_status mg_image_prep_shape(const mg_image_prep *p, int h, int w, int c, int *oh, int *ow, int *oc);

/* Runs resize, crop, channel conversion and the per-pixel part of the scaling
 * on one uint8 (h, w, c) image, writing oh*ow*oc floats to row (caller-
 * allocated; size from mg_image_prep_shape). `name` is used in messages.
 * With MG_RESIZE_PIL every step rounds to uint8 like Pillow; the float
 * methods keep full precision and use luma (19595 R + 38470 G + 7471 B)/65536.
 * For MG_SCALE_STANDARDIZE the row holds u/255; mg_image_finish completes it. */
MG_API mg_status mg_image_prepare(const mg_array *img, const mg_image_prep *p, const char *name, float *row);

/* Dataset-level steps on the rows of X (n x D, a view, modified in place):
 * standardisation (p->scale == MG_SCALE_STANDARDIZE: *std_mean / *std_std
 * receive m and s) and centering (p->center: mean_out, D floats,
 * caller-allocated or NULL, receives the subtracted mean image). Means and
 * variances accumulate in double. */
MG_API mg_status mg_image_finish(mg_mat X, const mg_image_prep *p, float *mean_out, double *std_mean, double *std_std);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_IMAGE_H */
