/*
 * Owned n-d arrays, dtypes and their conversions, matrix views, and small
 * allocation/timing helpers shared by every module.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__F16C__) && defined(__AVX__)
#include <immintrin.h>
#endif

#include "memgen/core.h"

/* Bytes per element. */
size_t mg_dtype_size(mg_dtype dt) {
    switch (dt) {
    case MG_F32: return 4;
    case MG_F64: return 8;
    case MG_U8: return 1;
    case MG_I32: return 4;
    case MG_I64: return 8;
    case MG_F16: return 2;
    case MG_BF16: return 2;
    default: return 0;
    }
}

/* Human-readable dtype name (NumPy spelling). */
const char *mg_dtype_name(mg_dtype dt) {
    switch (dt) {
    case MG_F32: return "float32";
    case MG_F64: return "float64";
    case MG_U8: return "uint8";
    case MG_I32: return "int32";
    case MG_I64: return "int64";
    case MG_F16: return "float16";
    case MG_BF16: return "bfloat16";
    default: return "invalid";
    }
}

/* Overflow-checked a*b. */
int mg_mul_overflow_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return 1;
    *out = a * b;
    return 0;
}

/* 64-byte aligned allocation of count*size bytes (NULL on 0 or overflow). */
void *mg_alloc(size_t count, size_t size) {
    size_t n;
    if (mg_mul_overflow_size(count, size, &n) || n == 0) return NULL;
    size_t rounded = (n + 63) & ~(size_t)63;
    if (rounded < n) return NULL;
    return aligned_alloc(64, rounded);
}

/* Zero-filled mg_alloc. */
void *mg_calloc(size_t count, size_t size) {
    void *p = mg_alloc(count, size);
    if (p) memset(p, 0, count * size);
    return p;
}

/* Monotonic wall-clock seconds. */
double mg_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Product of the shape (1 for a scalar). */
int64_t mg_array_numel(const mg_array *a) {
    int64_t n = 1;
    for (int i = 0; i < a->ndim; i++) n *= a->shape[i];
    return n;
}

/* Data size in bytes. */
size_t mg_array_nbytes(const mg_array *a) {
    return (size_t)mg_array_numel(a) * mg_dtype_size(a->dtype);
}

/* Zero-filled allocation of an array with overflow checks. */
mg_status mg_array_alloc(mg_array *out, mg_dtype dt, int ndim, const int64_t *shape) {
    memset(out, 0, sizeof *out);
    if (ndim < 0 || ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_ARG, "array rank %d out of range 0..%d", ndim, MG_MAX_DIMS);
    size_t isz = mg_dtype_size(dt);
    if (isz == 0) return mg_fail(MG_ERR_ARG, "invalid dtype %d", (int)dt);
    size_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0) return mg_fail(MG_ERR_ARG, "negative dimension %lld", (long long)shape[i]);
        if (mg_mul_overflow_size(n, (size_t)shape[i], &n))
            return mg_fail(MG_ERR_NOMEM, "array size overflows");
    }
    size_t bytes;
    if (mg_mul_overflow_size(n, isz, &bytes) || bytes > (size_t)INT64_MAX)
        return mg_fail(MG_ERR_NOMEM, "array size overflows");
    void *data = NULL;
    if (bytes > 0) {
        data = mg_calloc(n, isz);
        if (!data) return mg_fail(MG_ERR_NOMEM, "cannot allocate %zu bytes", bytes);
    }
    out->dtype = dt;
    out->ndim = ndim;
    for (int i = 0; i < ndim; i++) out->shape[i] = shape[i];
    out->data = data;
    return MG_OK;
}

/* Frees the data and resets the array. */
void mg_array_free(mg_array *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* IEEE half -> float. */
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do { mant <<= 1; e++; } while (!(mant & 0x400u));
            mant &= 0x3ffu;
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Element i of any numeric array as double. */
static double elem_as_double(const mg_array *a, int64_t i) {
    switch (a->dtype) {
    case MG_F32: return ((const float *)a->data)[i];
    case MG_F64: return ((const double *)a->data)[i];
    case MG_U8: return ((const uint8_t *)a->data)[i];
    case MG_I32: return ((const int32_t *)a->data)[i];
    case MG_I64: return (double)((const int64_t *)a->data)[i];
    case MG_F16: return half_to_float(((const uint16_t *)a->data)[i]);
    case MG_BF16: {
        uint32_t bits = (uint32_t)((const uint16_t *)a->data)[i] << 16;
        float f;
        memcpy(&f, &bits, 4);
        return f;
    }
    default: return NAN;
    }
}

/* New float32 copy of any numeric array. */
mg_status mg_array_to_f32(const mg_array *in, mg_array *out) {
    MG_TRY(mg_array_alloc(out, MG_F32, in->ndim, in->shape));
    mg_status st = mg_convert_to_f32(in->dtype, in->data, mg_array_numel(in), out->data);
    if (st != MG_OK) mg_array_free(out);
    return st;
}

/* n elements of dtype dt to float32 in place of the caller (see core.h). */
mg_status mg_convert_to_f32(mg_dtype dt, const void *src, int64_t n, float *dst) {
    if (dt == MG_F32) {
        if (n) memcpy(dst, src, (size_t)n * 4);
        return MG_OK;
    }
    if (dt == MG_F16) { /* exact in float: no range check, no detour through double */
        const uint16_t *h = src;
        int64_t i = 0;
#if defined(__F16C__) && defined(__AVX__)
        /* vcvtph2ps is exact; groups holding Inf/NaN go the scalar way, which keeps NaN payloads as they are */
        int64_t groups = n / 8;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n > 262144)
#endif
        for (int64_t g = 0; g < groups; g++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(h + 8 * g));
            __m128i e = _mm_and_si128(v, _mm_set1_epi16(0x7c00));
            if (_mm_movemask_epi8(_mm_cmpeq_epi16(e, _mm_set1_epi16(0x7c00))))
                for (int j = 0; j < 8; j++) dst[8 * g + j] = half_to_float(h[8 * g + j]);
            else
                _mm256_storeu_ps(dst + 8 * g, _mm256_cvtph_ps(v));
        }
        i = 8 * groups;
#endif
        for (; i < n; i++) dst[i] = half_to_float(h[i]);
        return MG_OK;
    }
    mg_array in = {0};
    in.dtype = dt;
    in.data = (void *)src; /* only read */
    for (int64_t i = 0; i < n; i++) {
        double v = elem_as_double(&in, i);
        if (isfinite(v) && fabs(v) > 3.4028234663852886e38)
            return mg_fail(MG_ERR_NUMERIC, "value %g at index %lld does not fit in float32", v, (long long)i);
        dst[i] = (float)v;
    }
    return MG_OK;
}

/* New float64 copy of any numeric array. */
mg_status mg_array_to_f64(const mg_array *in, mg_array *out) {
    MG_TRY(mg_array_alloc(out, MG_F64, in->ndim, in->shape));
    int64_t n = mg_array_numel(in);
    double *dst = out->data;
    for (int64_t i = 0; i < n; i++) dst[i] = elem_as_double(in, i);
    return MG_OK;
}

/* "(3, 4)" style shape string. */
void mg_shape_str(int ndim, const int64_t *shape, char *buf, size_t buflen) {
    size_t used = 0;
    if (buflen == 0) return;
    buf[0] = '\0';
    used += (size_t)snprintf(buf + used, buflen - used, "(");
    for (int i = 0; i < ndim && used < buflen; i++)
        used += (size_t)snprintf(buf + used, buflen - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < buflen) snprintf(buf + used, buflen - used, ndim == 1 ? ",)" : ")");
}

/* MG_OK iff every element of a float array is finite. */
mg_status mg_array_check_finite(const mg_array *a, const char *what) {
    int64_t n = mg_array_numel(a);
    if (a->dtype == MG_F32) {
        const float *p = a->data;
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(p[i]))
                return mg_fail(MG_ERR_NUMERIC, "%s: non-finite value (%g) at flat index %lld", what, (double)p[i], (long long)i);
    } else if (a->dtype == MG_F64) {
        const double *p = a->data;
        for (int64_t i = 0; i < n; i++)
            if (!isfinite(p[i]))
                return mg_fail(MG_ERR_NUMERIC, "%s: non-finite value (%g) at flat index %lld", what, p[i], (long long)i);
    }
    return MG_OK;
}

/* Row-major view of a 1-D or 2-D float32 array. */
mg_mat mg_mat_of_array(const mg_array *a) {
    mg_mat m = {0, 0, 0, NULL};
    if (a->dtype != MG_F32) return m;
    if (a->ndim == 1) {
        m.rows = 1;
        m.cols = m.ld = a->shape[0];
    } else if (a->ndim == 2) {
        m.rows = a->shape[0];
        m.cols = m.ld = a->shape[1];
    } else {
        return m;
    }
    m.data = a->data;
    return m;
}

/* Validates a data matrix: nonempty, consistent stride, finite entries. */
mg_status mg_mat_check(mg_mat X, const char *what) {
    if (!X.data || X.rows < 1 || X.cols < 1 || X.ld < X.cols)
        return mg_fail(MG_ERR_ARG, "%s: empty or malformed data matrix (%lld x %lld, ld %lld)", what,
                       (long long)X.rows, (long long)X.cols, (long long)X.ld);
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        for (int64_t j = 0; j < X.cols; j++)
            if (!isfinite(x[j]))
                return mg_fail(MG_ERR_NUMERIC, "%s: sample %lld, feature %lld is %g; remove or fix non-finite values",
                               what, (long long)i, (long long)j, (double)x[j]);
    }
    return MG_OK;
}

/* Validates compact labels: in range, no empty cluster. */
mg_status mg_labels_check(const int64_t *labels, int64_t n, int64_t K, const char *what) {
    if (!labels) return mg_fail(MG_ERR_ARG, "%s: no labels given", what);
    if (K < 1 || K > n)
        return mg_fail(MG_ERR_ARG, "%s: %lld clusters for %lld samples (need 1 <= K <= n)", what, (long long)K,
                       (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= K)
            return mg_fail(MG_ERR_ARG, "%s: sample %lld has cluster id %lld outside [0, %lld)", what, (long long)i,
                           (long long)labels[i], (long long)K);
    unsigned char *seen = calloc((size_t)K, 1);
    if (!seen) return mg_fail(MG_ERR_NOMEM, "%s: out of memory for %lld clusters", what, (long long)K);
    for (int64_t i = 0; i < n; i++) seen[labels[i]] = 1;
    int64_t empty = -1;
    for (int64_t k = 0; k < K && empty < 0; k++)
        if (!seen[k]) empty = k;
    free(seen);
    if (empty >= 0)
        return mg_fail(MG_ERR_ARG, "%s: cluster %lld has no samples; renumber the labels compactly", what,
                       (long long)empty);
    return MG_OK;
}
