/*
 * Image preprocessing shared by Fashion-MNIST and PNG folders: resampling
 * (Pillow's BILINEAR bit for bit, plain bilinear, area), torchvision-style
 * Resize(int) and CenterCrop, grayscale/RGB, scaling to [-1, 1] / [0, 1] /
 * raw / standardised, and dataset centering. See image.h for the exact
 * semantics of each resampling kind and which torchvision pipeline they match.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/image.h"

/* Pillow's fixed-point precision for 8-bit resampling (Resample.c). */
#define PIL_PRECISION_BITS (32 - 8 - 2)
/* Largest accepted image side anywhere in the pipeline. */
#define MG_IMG_MAX_SIDE 16384

/* Pillow's bilinear (triangle) filter, support 1. */
static double pil_bilinear_filter(double x) {
    if (x < 0.0) x = -x;
    if (x < 1.0) return 1.0 - x;
    return 0.0;
}

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis: for each
 * output index, the first input index bounds[2i], the tap count bounds[2i+1]
 * and ksize fixed-point weights kk[i*ksize ..]. Caller frees *bounds, *kk. */
static mg_status pil_coeffs(int in_size, int out_size, int **bounds_out, int32_t **kk_out, int *ksize_out) {
    double scale = (double)in_size / out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 1.0 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    double *pre = malloc((size_t)out_size * (size_t)ksize * sizeof(double)); /* out x ksize */
    int32_t *kk = malloc((size_t)out_size * (size_t)ksize * sizeof(int32_t));
    int *bounds = malloc((size_t)out_size * 2 * sizeof(int));
    if (!pre || !kk || !bounds) {
        free(pre);
        free(kk);
        free(bounds);
        return mg_fail(MG_ERR_NOMEM, "resize: out of memory");
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale;
        double ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double *k = pre + (size_t)xx * ksize;
        int x;
        for (x = 0; x < xmax; x++) {
            double w = pil_bilinear_filter((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0) k[x] /= ww;
        for (; x < ksize; x++) k[x] = 0;
        bounds[xx * 2] = xmin;
        bounds[xx * 2 + 1] = xmax;
    }
    for (size_t i = 0; i < (size_t)out_size * (size_t)ksize; i++)
        kk[i] = pre[i] < 0 ? (int32_t)(-0.5 + pre[i] * (1 << PIL_PRECISION_BITS))
                           : (int32_t)(0.5 + pre[i] * (1 << PIL_PRECISION_BITS));
    free(pre);
    *bounds_out = bounds;
    *kk_out = kk;
    *ksize_out = ksize;
    return MG_OK;
}

/* Pillow's clip8: round-to-nearest already added; shift and clamp to 0..255. */
static uint8_t pil_clip8(int64_t in) {
    int64_t v = in >> PIL_PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Resamples 8-bit HWC with Pillow's BILINEAR: horizontal pass into a uint8
 * temporary, then the vertical pass (each skipped when that size is kept). */
mg_status mg_resize_u8_pil(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow) {
    if (!in || !out || h < 1 || w < 1 || c < 1 || oh < 1 || ow < 1 || h > MG_IMG_MAX_SIDE || w > MG_IMG_MAX_SIDE ||
        oh > MG_IMG_MAX_SIDE || ow > MG_IMG_MAX_SIDE || c > 4)
        return mg_fail(MG_ERR_ARG, "resize: invalid sizes %dx%dx%d -> %dx%d", h, w, c, oh, ow);
    uint8_t *tmp = NULL; /* h x ow x c after the horizontal pass */
    const uint8_t *src = in;
    if (ow != w) {
        int *b = NULL, ks = 0;
        int32_t *kk = NULL;
        MG_TRY(pil_coeffs(w, ow, &b, &kk, &ks));
        tmp = malloc((size_t)h * (size_t)ow * (size_t)c);
        if (!tmp) {
            free(b);
            free(kk);
            return mg_fail(MG_ERR_NOMEM, "resize: out of memory");
        }
        for (int y = 0; y < h; y++)
            for (int xx = 0; xx < ow; xx++) {
                const int32_t *k = kk + (size_t)xx * ks;
                int xmin = b[2 * xx], xn = b[2 * xx + 1];
                for (int ch = 0; ch < c; ch++) {
                    int64_t ss = 1 << (PIL_PRECISION_BITS - 1);
                    for (int x = 0; x < xn; x++) ss += (int64_t)in[((size_t)y * w + xmin + x) * c + ch] * k[x];
                    tmp[((size_t)y * ow + xx) * c + ch] = pil_clip8(ss);
                }
            }
        free(b);
        free(kk);
        src = tmp;
    }
    if (oh != h) {
        int *b = NULL, ks = 0;
        int32_t *kk = NULL;
        mg_status st = pil_coeffs(h, oh, &b, &kk, &ks);
        if (st != MG_OK) {
            free(tmp);
            return st;
        }
        for (int yy = 0; yy < oh; yy++) {
            const int32_t *k = kk + (size_t)yy * ks;
            int ymin = b[2 * yy], yn = b[2 * yy + 1];
            for (int x = 0; x < ow; x++)
                for (int ch = 0; ch < c; ch++) {
                    int64_t ss = 1 << (PIL_PRECISION_BITS - 1);
                    for (int y = 0; y < yn; y++) ss += (int64_t)src[((size_t)(ymin + y) * ow + x) * c + ch] * k[y];
                    out[((size_t)yy * ow + x) * c + ch] = pil_clip8(ss);
                }
        }
        free(b);
        free(kk);
    } else {
        memcpy(out, src, (size_t)h * (size_t)ow * (size_t)c);
    }
    free(tmp);
    return MG_OK;
}

/* One axis of plain bilinear (half-pixel centers, clamped): for output i,
 * input indices i0[i], i1[i] and the weight l1[i] of i1. */
static void bilinear_axis(int in, int out, int *i0, int *i1, double *l1) {
    double scale = (double)in / out;
    for (int i = 0; i < out; i++) {
        double s = (i + 0.5) * scale - 0.5;
        if (s < 0) s = 0;
        int a = (int)s;
        if (a > in - 1) a = in - 1;
        i0[i] = a;
        i1[i] = a < in - 1 ? a + 1 : a;
        l1[i] = s - a;
    }
}

/* Resamples float HWC with plain bilinear or area averaging (image.h). */
mg_status mg_resize_f32(const float *in, int h, int w, int c, float *out, int oh, int ow, mg_resize_kind kind) {
    if (!in || !out || h < 1 || w < 1 || c < 1 || oh < 1 || ow < 1 || h > MG_IMG_MAX_SIDE || w > MG_IMG_MAX_SIDE ||
        oh > MG_IMG_MAX_SIDE || ow > MG_IMG_MAX_SIDE)
        return mg_fail(MG_ERR_ARG, "resize: invalid sizes %dx%dx%d -> %dx%d", h, w, c, oh, ow);
    if (kind == MG_RESIZE_BILINEAR) {
        int *y0 = malloc(sizeof(int) * (size_t)oh), *y1 = malloc(sizeof(int) * (size_t)oh);
        int *x0 = malloc(sizeof(int) * (size_t)ow), *x1 = malloc(sizeof(int) * (size_t)ow);
        double *ly = malloc(sizeof(double) * (size_t)oh), *lx = malloc(sizeof(double) * (size_t)ow);
        if (!y0 || !y1 || !x0 || !x1 || !ly || !lx) {
            free(y0), free(y1), free(x0), free(x1), free(ly), free(lx);
            return mg_fail(MG_ERR_NOMEM, "resize: out of memory");
        }
        bilinear_axis(h, oh, y0, y1, ly);
        bilinear_axis(w, ow, x0, x1, lx);
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int ch = 0; ch < c; ch++) {
                    double a = in[((size_t)y0[i] * w + x0[j]) * c + ch], b = in[((size_t)y0[i] * w + x1[j]) * c + ch];
                    double p = in[((size_t)y1[i] * w + x0[j]) * c + ch], q = in[((size_t)y1[i] * w + x1[j]) * c + ch];
                    double top = (1 - lx[j]) * a + lx[j] * b, bot = (1 - lx[j]) * p + lx[j] * q;
                    out[((size_t)i * ow + j) * c + ch] = (float)((1 - ly[i]) * top + ly[i] * bot);
                }
        free(y0), free(y1), free(x0), free(x1), free(ly), free(lx);
        return MG_OK;
    }
    if (kind == MG_RESIZE_AREA) {
        for (int i = 0; i < oh; i++) {
            int ys = (int)(((int64_t)i * h) / oh), ye = (int)(((int64_t)(i + 1) * h + oh - 1) / oh);
            for (int j = 0; j < ow; j++) {
                int xs = (int)(((int64_t)j * w) / ow), xe = (int)(((int64_t)(j + 1) * w + ow - 1) / ow);
                double inv = 1.0 / ((double)(ye - ys) * (double)(xe - xs));
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int y = ys; y < ye; y++)
                        for (int x = xs; x < xe; x++) s += in[((size_t)y * w + x) * c + ch];
                    out[((size_t)i * ow + j) * c + ch] = (float)(s * inv);
                }
            }
        }
        return MG_OK;
    }
    return mg_fail(MG_ERR_ARG, "resize: unknown float resampling kind %d", (int)kind);
}

/* Size after the resize step: exact, shorter-side (torchvision Resize(int)) or kept. */
static mg_status resized_size(const mg_image_prep *p, int h, int w, int *rh, int *rw) {
    if (p->resize_h > 0 || p->resize_w > 0) {
        if (p->resize_h < 1 || p->resize_w < 1 || p->resize_h > MG_IMG_MAX_SIDE || p->resize_w > MG_IMG_MAX_SIDE)
            return mg_fail(MG_ERR_ARG, "resize: size %dx%d is invalid", p->resize_h, p->resize_w);
        *rh = p->resize_h;
        *rw = p->resize_w;
    } else if (p->resize_short > 0) {
        if (p->resize_short > MG_IMG_MAX_SIDE) return mg_fail(MG_ERR_ARG, "resize: size %d too large", p->resize_short);
        int s = p->resize_short;
        int sh = w <= h ? w : h, lg = w <= h ? h : w;
        /* torchvision: new_long = int(size * long / short) */
        int nl = (int)((double)s * (double)lg / (double)sh);
        if (nl < 1) nl = 1;
        if (nl > MG_IMG_MAX_SIDE) return mg_fail(MG_ERR_ARG, "resize: %dx%d to short side %d is too large", h, w, s);
        *rw = w <= h ? s : nl;
        *rh = w <= h ? nl : s;
    } else {
        *rh = h;
        *rw = w;
    }
    return MG_OK;
}

/* Output shape of the pipeline (see image.h). */
mg_status mg_image_prep_shape(const mg_image_prep *p, int h, int w, int c, int *oh, int *ow, int *oc) {
    if (h < 1 || w < 1 || (c != 1 && c != 3))
        return mg_fail(MG_ERR_ARG, "image of shape %dx%dx%d is not gray or RGB", h, w, c);
    if (p->channels != 0 && p->channels != 1 && p->channels != 3)
        return mg_fail(MG_ERR_ARG, "image channels must be 0 (as stored), 1 or 3 (got %d)", p->channels);
    int rh, rw;
    MG_TRY(resized_size(p, h, w, &rh, &rw));
    if (p->crop_h > 0 || p->crop_w > 0) {
        if (p->crop_h < 1 || p->crop_w < 1 || p->crop_h > rh || p->crop_w > rw)
            return mg_fail(MG_ERR_ARG, "center crop %dx%d does not fit in the %dx%d (resized) image", p->crop_h,
                           p->crop_w, rh, rw);
        rh = p->crop_h;
        rw = p->crop_w;
    }
    *oh = rh;
    *ow = rw;
    *oc = p->channels ? p->channels : c;
    return MG_OK;
}

/* Scales one value given on the 0..255 scale (float32 operations, so the
 * PIL path equals ToTensor's u.float().div(255) then x*2-1 exactly). */
static float scale_value(float v, mg_scale_kind k) {
    switch (k) {
    case MG_SCALE_PM1: return v / 255.0f * 2.0f - 1.0f;
    case MG_SCALE_RAW: return v;
    case MG_SCALE_UNIT:
    case MG_SCALE_STANDARDIZE:
    default: return v / 255.0f;
    }
}

/* Runs one image through the per-image pipeline (image.h). */
mg_status mg_image_prepare(const mg_array *img, const mg_image_prep *p, const char *name, float *row) {
    if (!name) name = "image";
    if (!img || img->dtype != MG_U8 || img->ndim != 3)
        return mg_fail(MG_ERR_ARG, "%s: expected a uint8 (h, w, c) image", name);
    if (img->shape[0] > MG_IMG_MAX_SIDE || img->shape[1] > MG_IMG_MAX_SIDE)
        return mg_fail(MG_ERR_ARG, "%s: image too large", name);
    int h = (int)img->shape[0], w = (int)img->shape[1], c = (int)img->shape[2];
    int oh, ow, oc;
    mg_status st = mg_image_prep_shape(p, h, w, c, &oh, &ow, &oc);
    if (st != MG_OK) return mg_fail_context(st, "%s", name);
    if (p->resize != MG_RESIZE_PIL && p->resize != MG_RESIZE_BILINEAR && p->resize != MG_RESIZE_AREA)
        return mg_fail(MG_ERR_ARG, "%s: unknown resampling kind %d", name, (int)p->resize);
    if ((unsigned)p->scale >= MG_SCALE_COUNT) return mg_fail(MG_ERR_ARG, "%s: unknown scaling %d", name, (int)p->scale);
    int rh, rw;
    MG_TRY(resized_size(p, h, w, &rh, &rw));
    /* torchvision CenterCrop offsets: int(round((size - crop) / 2.0)), ties to even. */
    int top = (int)nearbyint((rh - oh) / 2.0), left = (int)nearbyint((rw - ow) / 2.0);
    size_t rn = (size_t)rh * (size_t)rw * (size_t)c;
    float *val = malloc((size_t)oh * (size_t)ow * (size_t)oc * sizeof(float)); /* oh x ow x oc on 0..255 */
    if (!val) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);

    if (p->resize == MG_RESIZE_PIL) {
        const uint8_t *src = img->data;
        uint8_t *res = NULL; /* rh x rw x c */
        if (rh != h || rw != w) {
            res = malloc(rn);
            if (!res) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);
            else st = mg_resize_u8_pil(img->data, h, w, c, res, rh, rw);
            src = res;
        }
        if (st == MG_OK)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    const uint8_t *px = src + ((size_t)(y + top) * rw + (x + left)) * c;
                    float *o = val + ((size_t)y * ow + x) * oc;
                    if (oc == c) {
                        for (int ch = 0; ch < c; ch++) o[ch] = px[ch];
                    } else if (oc == 1) { /* PIL convert("L") */
                        o[0] = (float)(((uint32_t)px[0] * 19595u + (uint32_t)px[1] * 38470u +
                                        (uint32_t)px[2] * 7471u + 0x8000u) >> 16);
                    } else {
                        o[0] = o[1] = o[2] = px[0];
                    }
                }
        free(res);
    } else {
        float *f = malloc((size_t)h * (size_t)w * (size_t)c * sizeof(float)); /* h x w x c */
        float *res = malloc(rn * sizeof(float));                              /* rh x rw x c */
        if (!f || !res) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);
        if (st == MG_OK) {
            const uint8_t *u = img->data;
            for (size_t i = 0; i < (size_t)h * (size_t)w * (size_t)c; i++) f[i] = u[i];
            if (rh != h || rw != w) st = mg_resize_f32(f, h, w, c, res, rh, rw, p->resize);
            else memcpy(res, f, rn * sizeof(float));
        }
        if (st == MG_OK)
            for (int y = 0; y < oh; y++)
                for (int x = 0; x < ow; x++) {
                    const float *px = res + ((size_t)(y + top) * rw + (x + left)) * c;
                    float *o = val + ((size_t)y * ow + x) * oc;
                    if (oc == c) {
                        for (int ch = 0; ch < c; ch++) o[ch] = px[ch];
                    } else if (oc == 1) {
                        o[0] = (float)((19595.0 * px[0] + 38470.0 * px[1] + 7471.0 * px[2]) / 65536.0);
                    } else {
                        o[0] = o[1] = o[2] = px[0];
                    }
                }
        free(f);
        free(res);
    }
    if (st == MG_OK) {
        size_t hw = (size_t)oh * (size_t)ow;
        for (size_t i = 0; i < hw; i++)
            for (int ch = 0; ch < oc; ch++) {
                float v = scale_value(val[i * oc + ch], p->scale);
                if (p->chw && oc > 1) row[ch * hw + i] = v;
                else row[i * oc + ch] = v;
            }
    }
    free(val);
    return st;
}

/* Dataset-level standardisation and centering (image.h). */
mg_status mg_image_finish(mg_mat X, const mg_image_prep *p, float *mean_out, double *std_mean, double *std_std) {
    const int64_t n = X.rows, D = X.cols;
    if (n < 1 || D < 1 || !X.data || X.ld < D) return mg_fail(MG_ERR_ARG, "image finishing: empty dataset");
    if (p->scale == MG_SCALE_STANDARDIZE) {
        double s = 0, ss = 0, total = (double)n * (double)D;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) s += X.data[i * X.ld + j];
        double m = s / total;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) ss += (X.data[i * X.ld + j] - m) * (X.data[i * X.ld + j] - m);
        double sd = sqrt(ss / total);
        if (!(sd > 0))
            return mg_fail(MG_ERR_NUMERIC, "standardisation: every pixel of the dataset has the same value (std 0)");
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) X.data[i * X.ld + j] = (float)((X.data[i * X.ld + j] - m) / sd);
        if (std_mean) *std_mean = m;
        if (std_std) *std_std = sd;
    }
    if (p->center) {
        double *mean = calloc((size_t)D, sizeof(double)); /* D */
        if (!mean) return mg_fail(MG_ERR_NOMEM, "centering: out of memory");
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) mean[j] += X.data[i * X.ld + j];
        for (int64_t j = 0; j < D; j++) mean[j] /= (double)n;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) X.data[i * X.ld + j] = (float)(X.data[i * X.ld + j] - mean[j]);
        if (mean_out)
            for (int64_t j = 0; j < D; j++) mean_out[j] = (float)mean[j];
        free(mean);
    }
    return MG_OK;
}

/* MG_IMAGE_PREP_DEFAULT as a value. */
mg_image_prep mg_image_prep_default(void) {
    mg_image_prep v = MG_IMAGE_PREP_DEFAULT;
    return v;
}
