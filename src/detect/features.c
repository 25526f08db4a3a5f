/*
 * Activations exported from other frameworks (PyTorch forward hooks, JAX, ...)
 * brought to one feature row per sample: global max (or mean) pooling over the
 * spatial dims of a conv feature map or over the tokens of a transformer
 * (paper App. B.2), or flattening.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/npy.h"

#if defined(__AVX__) || defined(__F16C__)
#include <immintrin.h>
#endif

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

/* ---- pooling kernels ------------------------------------------------------------ */

/* A row's values as stored: float16 or float32 (others are converted first). */
typedef struct {
    const void *x;
    int f16;
} feat_row;

/* Value i of a row as float (exact for float16). */
static inline float ld1(feat_row r, int64_t i) {
    if (!r.f16) return ((const float *)r.x)[i];
#if defined(__F16C__)
    return _cvtsh_ss(((const uint16_t *)r.x)[i]);
#else
    float f;
    mg_convert_to_f32(MG_F16, (const uint16_t *)r.x + i, 1, &f);
    return f;
#endif
}

#if defined(__AVX2__) && defined(__F16C__)
#define FEAT_SIMD 1
/* Values i..i+7 of a row as floats. */
static inline __m256 ld8(feat_row r, int64_t i) {
    return r.f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)r.x + i)))
                 : _mm256_loadu_ps((const float *)r.x + i);
}

/* Values i..i+3 of a row as doubles. */
static inline __m256d ld4d(feat_row r, int64_t i) {
    __m128 f = r.f16 ? _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)((const uint16_t *)r.x + i)))
                     : _mm_loadu_ps((const float *)r.x + i);
    return _mm256_cvtps_pd(f);
}
#endif

/* 1 when every value of the row (n of them) is finite: the exponent bits are
 * not all ones (16 or 8 values at a time on AVX2). */
static int row_finite(feat_row r, int64_t n) {
    int64_t i = 0;
    int bad = 0;
#ifdef FEAT_SIMD
    __m256i acc = _mm256_setzero_si256();
    if (r.f16) {
        const uint16_t *h = r.x;
        const __m256i e = _mm256_set1_epi16(0x7c00);
        for (; i + 16 <= n; i += 16) {
            __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(h + i)), e);
            acc = _mm256_or_si256(acc, _mm256_cmpeq_epi16(v, e));
        }
    } else {
        const float *f = r.x;
        const __m256i e = _mm256_set1_epi32(0x7f800000);
        for (; i + 8 <= n; i += 8) {
            __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(f + i)), e);
            acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(v, e));
        }
    }
    bad = !_mm256_testz_si256(acc, acc);
#endif
    for (; i < n && !bad; i++) bad = !isfinite(ld1(r, i));
    return !bad;
}

/* Max of the L values at base, base + step, ... kept as a scalar scan keeps
 * it: the first of equal values (which matters for the sign of a zero). */
static float max_scalar(feat_row r, int64_t base, int64_t step, int64_t L) {
    float m = ld1(r, base);
    for (int64_t l = 1; l < L; l++) {
        float v = ld1(r, base + l * step);
        if (v > m) m = v;
    }
    return m;
}

#ifdef FEAT_SIMD
/* The max of 4 x 8 lanes (each x > m ? x : m), then of the lanes in order. */
static float max_fold(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 m8 = _mm256_max_ps(b, a);
    m8 = _mm256_max_ps(c, m8);
    m8 = _mm256_max_ps(d, m8);
    float v[8];
    _mm256_storeu_ps(v, m8);
    float m = v[0];
    for (int j = 1; j < 8; j++)
        if (v[j] > m) m = v[j];
    return m;
}

/* Max of the L >= 32 contiguous values at base, four independent chains of 8
 * lanes (the value of the scalar scan's max; a zero's sign may differ). */
static float max_simd(feat_row r, int64_t base, int64_t L) {
    __m256 a = ld8(r, base), b = ld8(r, base + 8), c = ld8(r, base + 16), d = ld8(r, base + 24);
    int64_t l = 32;
    if (r.f16) {
        const __m128i *h = (const __m128i *)((const uint16_t *)r.x + base);
        for (; l + 32 <= L; l += 32) {
            a = _mm256_max_ps(_mm256_cvtph_ps(_mm_loadu_si128(h + l / 8)), a);
            b = _mm256_max_ps(_mm256_cvtph_ps(_mm_loadu_si128(h + l / 8 + 1)), b);
            c = _mm256_max_ps(_mm256_cvtph_ps(_mm_loadu_si128(h + l / 8 + 2)), c);
            d = _mm256_max_ps(_mm256_cvtph_ps(_mm_loadu_si128(h + l / 8 + 3)), d);
        }
    } else {
        const float *f = (const float *)r.x + base;
        for (; l + 32 <= L; l += 32) {
            a = _mm256_max_ps(_mm256_loadu_ps(f + l), a);
            b = _mm256_max_ps(_mm256_loadu_ps(f + l + 8), b);
            c = _mm256_max_ps(_mm256_loadu_ps(f + l + 16), c);
            d = _mm256_max_ps(_mm256_loadu_ps(f + l + 24), d);
        }
    }
    float m = max_fold(a, b, c, d);
    for (; l < L; l++)
        if (ld1(r, base + l) > m) m = ld1(r, base + l);
    return m;
}
#endif

/* Pools one row: channels C over extent L (channels-first x[c L + l] or
 * channels-last x[l C + c]) into y[C]; L == 1 copies. */
static void pool_row(feat_row r, int64_t C, int64_t L, int chfirst, mg_pool_kind pool, float *y) {
    int64_t c = 0;
    if (L == 1) {
        if (!r.f16) memcpy(y, r.x, (size_t)C * sizeof(float));
        else mg_convert_to_f32(MG_F16, r.x, C, y);
        return;
    }
    if (pool == MG_POOL_MAX && chfirst) {
        for (; c < C; c++) {
            int64_t base = c * L;
#ifdef FEAT_SIMD
            if (L >= 32) {
                float m = max_simd(r, base, L);
                /* the value is the max; only a zero's sign can differ from the scan's: redo those */
                y[c] = m == 0.0f ? max_scalar(r, base, 1, L) : m;
                continue;
            }
#endif
            y[c] = max_scalar(r, base, 1, L);
        }
    } else if (pool == MG_POOL_MAX) {
#ifdef FEAT_SIMD
        for (; c + 8 <= C; c += 8) { /* lanes = channels: each lane is the scan itself */
            __m256 m8 = ld8(r, c);
            for (int64_t l = 1; l < L; l++) m8 = _mm256_max_ps(ld8(r, l * C + c), m8);
            _mm256_storeu_ps(y + c, m8);
        }
#endif
        for (; c < C; c++) y[c] = max_scalar(r, c, C, L);
    } else {
        /* mean: each channel's sum in double, in order of l (4 channels side by side) */
        int64_t step = chfirst ? 1 : C;
#ifdef FEAT_SIMD
        if (!chfirst)
            for (; c + 4 <= C; c += 4) {
                __m256d s = _mm256_setzero_pd();
                for (int64_t l = 0; l < L; l++) s = _mm256_add_pd(s, ld4d(r, l * C + c));
                double v[4];
                _mm256_storeu_pd(v, s);
                for (int j = 0; j < 4; j++) y[c + j] = (float)(v[j] / (double)L);
            }
#endif
        for (; c + 4 <= C; c += 4) {
            int64_t b = chfirst ? c * L : c, o1 = chfirst ? L : 1; /* channel c + j starts at b + j o1 */
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int64_t l = 0; l < L; l++) {
                s0 += ld1(r, b + l * step);
                s1 += ld1(r, b + o1 + l * step);
                s2 += ld1(r, b + 2 * o1 + l * step);
                s3 += ld1(r, b + 3 * o1 + l * step);
            }
            y[c] = (float)(s0 / (double)L);
            y[c + 1] = (float)(s1 / (double)L);
            y[c + 2] = (float)(s2 / (double)L);
            y[c + 3] = (float)(s3 / (double)L);
        }
        for (; c < C; c++) {
            int64_t base = chfirst ? c * L : c;
            double s = 0;
            for (int64_t l = 0; l < L; l++) s += ld1(r, base + l * step);
            y[c] = (float)(s / (double)L);
        }
    }
}

/* ---- reduction ----------------------------------------------------------------- */

/* Checks the shape and resolves the layout: channels C pooled over extent L
 * (L = 1: no pooling), *chfirst for channels-first. */
static mg_status feat_plan(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, int64_t *C, int64_t *L,
                           int *chfirst) {
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
    int64_t rest = mg_array_numel(acts) / acts->shape[0];
    *chfirst = layout == MG_LAYOUT_NCHW;
    if (pool == MG_POOL_NONE || layout == MG_LAYOUT_NF) {
        *C = rest;
        *L = 1;
    } else {
        *C = layout == MG_LAYOUT_NCHW ? acts->shape[1] : acts->shape[acts->ndim - 1];
        *L = rest / *C;
    }
    return MG_OK;
}

/* Features per sample after pooling; see detect.h. */
mg_status mg_features_width(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, int64_t *F) {
    int64_t L;
    int chfirst;
    return feat_plan(acts, layout, pool, F, &L, &chfirst);
}

/* Pools into a caller's buffer; see detect.h. */
mg_status mg_features_reduce_into(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, float *out) {
    int64_t C, L;
    int chfirst;
    MG_TRY(feat_plan(acts, layout, pool, &C, &L, &chfirst));
    mg_array f32 = {0};
    const mg_array *a = acts;
    if (acts->dtype != MG_F32 && acts->dtype != MG_F16) {
        MG_TRY(mg_array_to_f32(acts, &f32));
        a = &f32;
    }
    int64_t n = a->shape[0], rest = mg_array_numel(a) / n;
    size_t es = mg_dtype_size(a->dtype);
    const unsigned char *src = a->data;
    /* rows in parallel, each on its own: the same bits for any thread count; bad = the first non-finite row */
    int64_t bad = n;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) reduction(min : bad) if (n * rest > 262144)
#endif
    for (int64_t i = 0; i < n; i++) {
        feat_row r = {src + (size_t)i * (size_t)rest * es, a->dtype == MG_F16};
        if (!row_finite(r, rest)) {
            if (i < bad) bad = i;
            continue;
        }
        pool_row(r, C, L, chfirst, pool, out + i * C);
    }
    mg_status st = MG_OK;
    if (bad < n) {
        feat_row r = {src + (size_t)bad * (size_t)rest * es, a->dtype == MG_F16};
        int64_t k = 0;
        while (isfinite(ld1(r, k))) k++;
        st = mg_fail(MG_ERR_NUMERIC, "activations: sample %lld holds a non-finite value at flat offset %lld",
                     (long long)bad, (long long)k);
    }
    mg_array_free(&f32);
    return st;
}

/* Pools into a new n x F array; see detect.h. */
mg_status mg_features_reduce(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, mg_array *out) {
    memset(out, 0, sizeof *out);
    int64_t F;
    MG_TRY(mg_features_width(acts, layout, pool, &F));
    int64_t shape[2] = {acts->shape[0], F};
    MG_TRY(mg_array_alloc(out, MG_F32, 2, shape));
    mg_status st = mg_features_reduce_into(acts, layout, pool, out->data);
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
