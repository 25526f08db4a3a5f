/*
 * memgen core: status codes, the thread-local error message, dtypes, owned n-d
 * arrays and non-owning matrix views. Every other module builds on these.
 *
 * Conventions:
 *  - the library never prints or exits; functions return mg_status and, on
 *    failure, leave a human-readable message in mg_last_error();
 *  - arrays are row-major, one sample per row; sizes are int64_t / size_t;
 *  - every function that returns memory says who frees it; *_free(NULL) is safe.
 */
#ifndef MEMGEN_CORE_H
#define MEMGEN_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MG_VERSION_MAJOR 0
#define MG_VERSION_MINOR 1
#define MG_VERSION_PATCH 0
#define MG_VERSION_STRING "0.1.0"

/* Marks the public API: the library is compiled with hidden visibility, so
 * the shared library exports these declarations and nothing else. */
#if defined(__GNUC__) || defined(__clang__)
#define MG_API __attribute__((visibility("default")))
#else
#define MG_API
#endif

/* Result codes. MG_OK is zero; everything else is a failure class. */
typedef enum {
    MG_OK = 0,
    MG_ERR_NOMEM,       /* an allocation failed or would be absurdly large */
    MG_ERR_IO,          /* open/read/write/rename failed (errno in message) */
    MG_ERR_FORMAT,      /* a file is malformed, truncated or of the wrong kind */
    MG_ERR_UNSUPPORTED, /* a valid file or request memgen does not handle */
    MG_ERR_SHAPE,       /* shapes of arguments do not agree */
    MG_ERR_ARG,         /* an invalid argument or impossible hyper-parameter */
    MG_ERR_NUMERIC,     /* NaN/Inf met, or a numerical routine failed */
    MG_ERR_INTERRUPTED, /* stopped on request (SIGINT/SIGTERM) */
    MG_ERR_NOT_FOUND,   /* a named tensor, key or file is absent */
    MG_STATUS_COUNT
} mg_status;

/* Short constant name of a status code ("MG_ERR_FORMAT"). Never NULL. */
MG_API const char *mg_status_str(mg_status st);

/* The message of the last failure on this thread ("" if none). Valid until the
 * next failing call on this thread. */
MG_API const char *mg_last_error(void);

/* Records a printf-style message as this thread's last error and returns st,
 * so failures read `return mg_fail(MG_ERR_FORMAT, "%s: bad magic", path);`. */
MG_API mg_status mg_fail(mg_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prefixes the current last-error message with context ("loading model: ").
 * Returns st unchanged; use as `return mg_fail_context(st, "reading %s", p);`. */
MG_API mg_status mg_fail_context(mg_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Clears this thread's last error. */
MG_API void mg_clear_error(void);

/* Propagate a failure: MG_TRY(expr) returns the status of expr if it failed. */
#define MG_TRY(expr)                         \
    do {                                     \
        mg_status mg_try_st_ = (expr);       \
        if (mg_try_st_ != MG_OK) return mg_try_st_; \
    } while (0)

/* ---- element types ------------------------------------------------------ */

typedef enum {
    MG_F32 = 0, /* float  (npy <f4, safetensors F32) */
    MG_F64,     /* double (npy <f8, safetensors F64) */
    MG_U8,      /* uint8  (npy |u1, safetensors U8)  */
    MG_I32,     /* int32  (npy <i4, safetensors I32) */
    MG_I64,     /* int64  (npy <i8, safetensors I64) */
    MG_F16,     /* IEEE half  (safetensors F16; npy <f2); read-only, convert */
    MG_BF16,    /* bfloat16   (safetensors BF16); read-only, convert */
    MG_DTYPE_COUNT
} mg_dtype;

/* Bytes per element of a dtype (0 for an invalid value). */
MG_API size_t mg_dtype_size(mg_dtype dt);
/* Human name: "float32", "float64", "uint8", "int32", "int64", "float16", "bfloat16". */
MG_API const char *mg_dtype_name(mg_dtype dt);

/* ---- owned n-d arrays ---------------------------------------------------- */

#define MG_MAX_DIMS 8

/* A dense C-order array that owns its data (malloc'd; freed by mg_array_free). */
typedef struct {
    mg_dtype dtype;
    int ndim;                       /* 0 (scalar) .. MG_MAX_DIMS */
    int64_t shape[MG_MAX_DIMS];     /* shape[0..ndim-1]; unused entries are 0 */
    void *data;                     /* numel * dtype_size bytes, or NULL if empty */
} mg_array;

/* Number of elements (product of shape; 1 for a scalar). */
MG_API int64_t mg_array_numel(const mg_array *a);
/* Size of the data in bytes. */
MG_API size_t mg_array_nbytes(const mg_array *a);

/* Allocates a zero-filled array; on success the caller owns out->data. Fails
 * with MG_ERR_ARG on negative dims or ndim out of range, MG_ERR_NOMEM on
 * overflow or allocation failure. */
MG_API mg_status mg_array_alloc(mg_array *out, mg_dtype dt, int ndim, const int64_t *shape);

/* Frees a->data and resets *a to an empty array. Safe on NULL and on a
 * zero-initialised array. */
MG_API void mg_array_free(mg_array *a);

/* Converts any numeric array to a new float32 (MG_F32) array of the same
 * shape in *out (caller frees). Conversion of a value that does not fit in
 * float (overflow from F64) fails with MG_ERR_NUMERIC. */
MG_API mg_status mg_array_to_f32(const mg_array *in, mg_array *out);

/* The same conversion of n elements of dtype dt at src into dst (n floats;
 * no allocation): what mg_array_to_f32 does, for callers that reuse a buffer. */
MG_API mg_status mg_convert_to_f32(mg_dtype dt, const void *src, int64_t n, float *dst);

/* Converts any numeric array to a new float64 array of the same shape. */
MG_API mg_status mg_array_to_f64(const mg_array *in, mg_array *out);

/* Formats the shape as "(3, 4)" into buf (always NUL-terminated). */
MG_API void mg_shape_str(int ndim, const int64_t *shape, char *buf, size_t buflen);

/* Returns MG_OK if every element of a float32/float64 array is finite, else
 * MG_ERR_NUMERIC with a message naming `what` and the first bad index. */
MG_API mg_status mg_array_check_finite(const mg_array *a, const char *what);

/* ---- matrix views -------------------------------------------------------- */

/* Non-owning row-major float matrix view: element (i, j) is data[i*ld + j]. */
typedef struct {
    int64_t rows, cols, ld;
    float *data;
} mg_mat;

/* Non-owning row-major double matrix view. */
typedef struct {
    int64_t rows, cols, ld;
    double *data;
} mg_matd;

/* View of a 2-D float32 array (or 1-D as a single row). */
MG_API mg_mat mg_mat_of_array(const mg_array *a);

/* Checks that X is a nonempty data matrix (rows, cols >= 1, ld >= cols, data
 * present: MG_ERR_ARG otherwise) of finite values (MG_ERR_NUMERIC naming
 * the first bad sample and feature); `what` names the caller in messages. */
MG_API mg_status mg_mat_check(mg_mat X, const char *what);

/* Checks compact cluster labels: labels (n entries) present, 1 <= K <= n,
 * every label in [0, K) and every cluster nonempty (MG_ERR_ARG otherwise,
 * naming `what`, the sample or the empty cluster). */
MG_API mg_status mg_labels_check(const int64_t *labels, int64_t n, int64_t K, const char *what);

/* ---- number lists -------------------------------------------------------- */

/* The one parser of comma-separated number lists ("0.02,0.2,2", "3,4,2"),
 * used by noise grids, DAE-set metadata, alpha sweeps, block widths and the
 * CLI. Each item is what strtod / strtoll (base 10) reads and must end at the
 * next comma or at the end of the string: no empty item, no trailing comma,
 * no value out of range (ERANGE) or not finite. On success *vals (malloc'd,
 * caller frees) holds the *count >= 1 values in order; on failure *vals is
 * NULL and the MG_ERR_ARG message names `what` and the bad item. Checks of
 * sign, order and count are the caller's. */
MG_API mg_status mg_parse_f64_list(const char *s, const char *what, double **vals, int64_t *count);
MG_API mg_status mg_parse_i64_list(const char *s, const char *what, int64_t **vals, int64_t *count);

/* The inverse of mg_parse_f64_list: the n values as "%.17g" joined by commas
 * (exact round trip), in a malloc'd string (caller frees); NULL when out of
 * memory. */
MG_API char *mg_format_f64_list(const double *v, int64_t n);

/* ---- misc helpers -------------------------------------------------------- */

/* Overflow-checked size arithmetic: return 0 on success, nonzero on overflow. */
MG_API int mg_mul_overflow_size(size_t a, size_t b, size_t *out);

/* malloc that returns NULL for n == 0 or on overflow of count*size; the memory
 * is 64-byte aligned (free with free()). */
MG_API void *mg_alloc(size_t count, size_t size);
/* Like mg_alloc but zero-filled. */
MG_API void *mg_calloc(size_t count, size_t size);

/* Wall-clock seconds from a monotonic clock (for timing and progress). */
MG_API double mg_now(void);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_CORE_H */
