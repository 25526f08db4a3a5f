/*
 * Activations exported from other frameworks (PyTorch forward hooks, JAX, ...)
 * brought to one feature row per sample: global max (or mean) pooling over the
 * spatial dims of a conv feature map or over the tokens of a transformer
 * (paper App. B.2), or flattening.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/npy.h"

/* Layout names. */
mg_status mg_feat_layout_parse(const char *s, mg_feat_layout *out) {
    if (!s) return mg_fail(MG_ERR_ARG, "feature layout: no name");
    if (!strcmp(s, "auto")) *out = MG_LAYOUT_AUTO;
    else if (!strcmp(s, "nf")) *out = MG_LAYOUT_NF;
    else if (!strcmp(s, "nchw") || !strcmp(s, "nc")) *out = MG_LAYOUT_NCHW;
    else if (!strcmp(s, "nhwc") || !strcmp(s, "ntc") || !strcmp(s, "clast")) *out = MG_LAYOUT_CLAST;
    else return mg_fail(MG_ERR_ARG, "unknown feature layout '%s' (use auto, nf, nchw, nhwc or ntc)", s);
    return MG_OK;
}

/* Pooling names. */
mg_status mg_pool_parse(const char *s, mg_pool_kind *out) {
    if (!s) return mg_fail(MG_ERR_ARG, "pooling: no name");
    if (!strcmp(s, "max")) *out = MG_POOL_MAX;
    else if (!strcmp(s, "mean")) *out = MG_POOL_MEAN;
    else if (!strcmp(s, "none")) *out = MG_POOL_NONE;
    else return mg_fail(MG_ERR_ARG, "unknown pooling '%s' (use max, mean or none)", s);
    return MG_OK;
}

/* "max", "mean", "none". */
const char *mg_pool_name(mg_pool_kind k) {
    return k == MG_POOL_MAX ? "max" : k == MG_POOL_MEAN ? "mean" : k == MG_POOL_NONE ? "none" : "?";
}

/* Pools an n x F array of float32 features; see detect.h. */
mg_status mg_features_reduce(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, mg_array *out) {
    memset(out, 0, sizeof *out);
    if (!acts || acts->ndim < 2)
        return mg_fail(MG_ERR_SHAPE,
                       "activations must have at least 2 dimensions (samples x features, or samples x C x H x W, "
                       "or samples x tokens x C); got %d",
                       acts ? acts->ndim : 0);
    for (int i = 0; i < acts->ndim; i++)
        if (acts->shape[i] < 1)
            return mg_fail(MG_ERR_SHAPE, "activations: dimension %d is empty", i);
    /* auto decides 2-D (nf) and 3-D (tokens, channels last); from 4-D on, NCHW and NHWC both fit every shape
     * (n x 4 x 4 x 32 is 4 channels of 4 x 32 or 32 channels of 4 x 4), so the caller must say which */
    if (layout == MG_LAYOUT_AUTO && acts->ndim >= 4 && pool != MG_POOL_NONE) {
        char shape[256];
        mg_shape_str(acts->ndim, acts->shape, shape, sizeof shape);
        return mg_fail(MG_ERR_ARG, "activations of shape %s: a %d-D array may be channels-first or channels-last; "
                       "give the layout (--layout nchw or --layout nhwc; layout auto decides 2-D and 3-D arrays only)",
                       shape, acts->ndim);
    }
    if (layout == MG_LAYOUT_AUTO) layout = acts->ndim == 2 ? MG_LAYOUT_NF : MG_LAYOUT_CLAST;
    if (layout == MG_LAYOUT_NF && acts->ndim != 2 && pool != MG_POOL_NONE)
        return mg_fail(MG_ERR_SHAPE, "activations: layout nf needs a 2-D array but this one has %d dimensions; "
                       "use nchw, nhwc/ntc or --pool none", acts->ndim);
    if (layout != MG_LAYOUT_NF && acts->ndim < 3 && pool != MG_POOL_NONE)
        return mg_fail(MG_ERR_SHAPE, "activations: pooling over spatial dims or tokens needs >= 3 dimensions, got 2");
    mg_array f32 = {0};
    const mg_array *a = acts;
    if (acts->dtype != MG_F32) {
        MG_TRY(mg_array_to_f32(acts, &f32));
        a = &f32;
    }
    int64_t n = a->shape[0], rest = mg_array_numel(a) / n;
    /* channels C, pooled extent L: channels-first C x L, channels-last L x C */
    int64_t C, L;
    if (pool == MG_POOL_NONE || layout == MG_LAYOUT_NF) {
        C = rest;
        L = 1;
    } else if (layout == MG_LAYOUT_NCHW) {
        C = a->shape[1];
        L = rest / C;
    } else {
        C = a->shape[a->ndim - 1];
        L = rest / C;
    }
    int64_t shape[2] = {n, C};
    mg_status st = mg_array_alloc(out, MG_F32, 2, shape);
    const float *src = a->data;
    float *dst = out->data;
    /* the first sample holding a non-finite value, if any (rows in parallel; each row's result is the same) */
    int64_t bad = n;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(min : bad) if (st == MG_OK && n * rest > 262144)
#endif
    for (int64_t i = 0; i < n; i++) {
        if (st != MG_OK) continue;
        const float *x = src + i * rest;
        int ok = 1;
        for (int64_t k = 0; k < rest; k++) ok &= isfinite(x[k]) != 0;
        if (!ok && i < bad) bad = i;
    }
    if (st == MG_OK && bad < n) {
        int64_t k = 0;
        while (isfinite(src[bad * rest + k])) k++;
        st = mg_fail(MG_ERR_NUMERIC, "activations: sample %lld holds a non-finite value at flat offset %lld",
                     (long long)bad, (long long)k);
    }
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (st == MG_OK && n * rest > 262144)
#endif
    for (int64_t i = 0; i < n; i++) {
        if (st != MG_OK) continue;
        const float *x = src + i * rest;
        float *y = dst + i * C;
        if (L == 1) {
            memcpy(y, x, (size_t)C * sizeof(float));
            continue;
        }
        for (int64_t c = 0; c < C; c++) {
            /* element (c, l): channels-first x[c*L + l], channels-last x[l*C + c] */
            int64_t step = layout == MG_LAYOUT_NCHW ? 1 : C, base = layout == MG_LAYOUT_NCHW ? c * L : c;
            if (pool == MG_POOL_MAX) {
                float m = x[base];
                for (int64_t l = 1; l < L; l++)
                    if (x[base + l * step] > m) m = x[base + l * step];
                y[c] = m;
            } else {
                double s = 0;
                for (int64_t l = 0; l < L; l++) s += x[base + l * step];
                y[c] = (float)(s / (double)L);
            }
        }
    }
    mg_array_free(&f32);
    if (st != MG_OK) mg_array_free(out);
    return st;
}

/* 0/1 labels from an .npy file. */
mg_status mg_detect_read_labels(const char *path, int64_t n, int **labels, int64_t *n_out) {
    *labels = NULL;
    mg_array a = {0}, f = {0};
    MG_TRY(mg_npy_read(path, &a));
    int64_t m = mg_array_numel(&a);
    mg_status st = MG_OK;
    if (a.ndim > 2 || (a.ndim == 2 && a.shape[1] != 1))
        st = mg_fail(MG_ERR_SHAPE, "%s: labels must be a vector of n values (or n x 1), got %d dimensions", path,
                     a.ndim);
    else if (n >= 0 && m != n)
        st = mg_fail(MG_ERR_SHAPE, "%s: %lld labels for %lld samples", path, (long long)m, (long long)n);
    if (st == MG_OK) st = mg_array_to_f64(&a, &f);
    if (st == MG_OK) {
        *labels = malloc((size_t)(m > 0 ? m : 1) * sizeof(int));
        if (!*labels) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    }
    for (int64_t i = 0; st == MG_OK && i < m; i++) {
        double v = ((const double *)f.data)[i];
        if (v != 0 && v != 1)
            st = mg_fail(MG_ERR_FORMAT, "%s: label %lld is %g; labels must be 1 (memorized) or 0 (generalized)", path,
                         (long long)i, v);
        else (*labels)[i] = (int)v;
    }
    if (st == MG_OK && n_out) *n_out = m;
    if (st != MG_OK) {
        free(*labels);
        *labels = NULL;
    }
    mg_array_free(&a);
    mg_array_free(&f);
    return st;
}
