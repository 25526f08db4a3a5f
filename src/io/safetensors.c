/*
 * .safetensors reader and writer.
 *
 * Layout: u64 LE header length N, N bytes of UTF-8 JSON
 *   {"__metadata__": {str: str}, "<name>": {"dtype": "F32", "shape": [..],
 *    "data_offsets": [begin, end]}, ...}
 * (padded with spaces), then the data section; offsets are relative to it.
 *
 * The reader follows the reference implementation's rules: header <= 100 MB,
 * starts with '{', valid UTF-8; every tensor's size matches its offsets and
 * the tensors tile the data section exactly (no overlap, no hole, nothing
 * after the last one); tensors may appear in any order. BOOL is read as U8
 * (0/1), I8/I16/U16 as I32 and U32 as I64; other dtypes (F8_*, U64, ...) are
 * refused with MG_ERR_UNSUPPORTED.
 *
 * The writer emits the bytes safetensors.torch.save_file emits: data laid out
 * by dtype alignment (largest first) then name, compact JSON with
 * "__metadata__" first (keys sorted), padded with spaces to a multiple of 8.
 * Lookups (mg_st_name) go through a name-sorted table.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "memgen/fileio.h"
#include "memgen/safetensors.h"
#include "rawconv.h"

#define ST_MAX_HEADER 100000000u   /* the reference implementation's limit */
#define ST_MAX_INT 9007199254740992.0 /* 2^53: JSON numbers above lose exactness */

typedef struct {
    char *name;
    mg_array a;
} st_tensor;

typedef struct {
    char *key, *value;
} st_meta;

struct mg_st {
    st_tensor *t; /* [n], sorted by name (strcmp) */
    int n, cap;
    st_meta *m;   /* [nm], sorted by key */
    int nm, mcap;
};

/* ---- collection ------------------------------------------------------------ */

/* New empty collection. */
mg_st *mg_st_new(void) { return calloc(1, sizeof(mg_st)); }

/* Frees every tensor and string. */
void mg_st_free(mg_st *st) {
    if (!st) return;
    for (int i = 0; i < st->n; i++) {
        free(st->t[i].name);
        mg_array_free(&st->t[i].a);
    }
    for (int i = 0; i < st->nm; i++) {
        free(st->m[i].key);
        free(st->m[i].value);
    }
    free(st->t);
    free(st->m);
    free(st);
}

/* Binary search by name: index if found, else -(insertion point) - 1. */
static int find_tensor(const mg_st *st, const char *name) {
    int lo = 0, hi = st->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(st->t[mid].name, name);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -lo - 1;
}

/* Same for metadata keys. */
static int find_meta(const mg_st *st, const char *key) {
    int lo = 0, hi = st->nm - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(st->m[mid].key, key);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -lo - 1;
}

/* Nonzero if s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
static int utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned min;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xe0) == 0xc0) { k = 1; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { k = 2; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
        i += k + 1;
    }
    return 1;
}

/* Checks a, and that name is usable, before adding. */
static mg_status check_add(const mg_st *st, const char *name, const mg_array *a) {
    if (!st || !name || !a) return mg_fail(MG_ERR_ARG, "mg_st_add: NULL argument");
    if (!strcmp(name, "__metadata__")) return mg_fail(MG_ERR_ARG, "'__metadata__' is reserved and cannot name a tensor");
    if (!utf8_valid((const unsigned char *)name, strlen(name)))
        return mg_fail(MG_ERR_ARG, "tensor name is not valid UTF-8");
    if (mg_dtype_size(a->dtype) == 0) return mg_fail(MG_ERR_ARG, "tensor '%s' has an invalid dtype", name);
    if (a->ndim < 0 || a->ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_ARG, "tensor '%s': rank %d out of range 0..%d", name, a->ndim, MG_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] < 0) return mg_fail(MG_ERR_ARG, "tensor '%s' has a negative dimension", name);
        if (mg_mul_overflow_size(n, (size_t)a->shape[i], &n)) return mg_fail(MG_ERR_ARG, "tensor '%s': size overflows", name);
    }
    size_t bytes;
    if (mg_mul_overflow_size(n, mg_dtype_size(a->dtype), &bytes) || bytes > (size_t)INT64_MAX)
        return mg_fail(MG_ERR_ARG, "tensor '%s': size overflows", name);
    if (bytes && !a->data) return mg_fail(MG_ERR_ARG, "tensor '%s' has no data", name);
    return MG_OK;
}

/* Inserts or replaces `name` with the array *a (ownership of a->data moves). */
static mg_status put_tensor(mg_st *st, const char *name, mg_array *a) {
    int i = find_tensor(st, name);
    if (i >= 0) {
        mg_array_free(&st->t[i].a);
        st->t[i].a = *a;
        memset(a, 0, sizeof *a);
        return MG_OK;
    }
    i = -i - 1;
    if (st->n == st->cap) {
        int nc = st->cap ? 2 * st->cap : 8;
        st_tensor *t = realloc(st->t, (size_t)nc * sizeof *t);
        if (!t) return mg_fail(MG_ERR_NOMEM, "out of memory adding tensor '%s'", name);
        st->t = t;
        st->cap = nc;
    }
    char *nm = strdup(name);
    if (!nm) return mg_fail(MG_ERR_NOMEM, "out of memory adding tensor '%s'", name);
    memmove(st->t + i + 1, st->t + i, (size_t)(st->n - i) * sizeof *st->t);
    st->t[i].name = nm;
    st->t[i].a = *a;
    memset(a, 0, sizeof *a);
    st->n++;
    return MG_OK;
}

/* Adds a copy of a under name. */
mg_status mg_st_add(mg_st *st, const char *name, const mg_array *a) {
    MG_TRY(check_add(st, name, a));
    mg_array c;
    MG_TRY(mg_array_alloc(&c, a->dtype, a->ndim, a->shape));
    size_t nb = mg_array_nbytes(&c);
    if (nb) memcpy(c.data, a->data, nb);
    mg_status s = put_tensor(st, name, &c);
    mg_array_free(&c);
    return s;
}

/* Adds a copy of a float32 buffer. */
mg_status mg_st_add_f32(mg_st *st, const char *name, const float *data, int ndim, const int64_t *shape) {
    mg_array a;
    memset(&a, 0, sizeof a);
    if (ndim < 0 || ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_ARG, "tensor '%s': rank %d out of range 0..%d", name ? name : "", ndim, MG_MAX_DIMS);
    a.dtype = MG_F32;
    a.ndim = ndim;
    for (int i = 0; i < ndim; i++) a.shape[i] = shape[i];
    a.data = (void *)data; /* only read */
    return mg_st_add(st, name, &a);
}

/* Adds a, taking its data; on failure a is left with the caller. */
mg_status mg_st_add_take(mg_st *st, const char *name, mg_array *a) {
    MG_TRY(check_add(st, name, a));
    return put_tensor(st, name, a);
}

/* Number of tensors. */
int mg_st_count(const mg_st *st) { return st ? st->n : 0; }

/* i-th tensor name in sorted order, NULL if out of range. */
const char *mg_st_name(const mg_st *st, int i) {
    if (!st || i < 0 || i >= st->n) return NULL;
    return st->t[i].name;
}

/* The tensor called name, or NULL. */
const mg_array *mg_st_get(const mg_st *st, const char *name) {
    if (!st || !name) return NULL;
    int i = find_tensor(st, name);
    return i >= 0 ? &st->t[i].a : NULL;
}

/* Shape-checked float32 copy of a tensor. */
mg_status mg_st_get_f32(const mg_st *st, const char *name, int ndim, const int64_t *shape, mg_array *out) {
    memset(out, 0, sizeof *out);
    const mg_array *a = mg_st_get(st, name);
    if (!a) return mg_fail(MG_ERR_NOT_FOUND, "no tensor named '%s'", name ? name : "(null)");
    int ok = a->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        if (shape && shape[i] != -1 && shape[i] != a->shape[i]) ok = 0;
    if (!ok) {
        char got[256], want[256];
        mg_shape_str(a->ndim, a->shape, got, sizeof got);
        if (shape) {
            int n = snprintf(want, sizeof want, "(");
            for (int i = 0; i < ndim && n < (int)sizeof want; i++) {
                if (shape[i] == -1) n += snprintf(want + n, sizeof want - (size_t)n, "%s*", i ? ", " : "");
                else n += snprintf(want + n, sizeof want - (size_t)n, "%s%lld", i ? ", " : "", (long long)shape[i]);
            }
            if (n < (int)sizeof want) snprintf(want + n, sizeof want - (size_t)n, ndim == 1 ? ",)" : ")");
        } else {
            snprintf(want, sizeof want, "%d dimensions", ndim);
        }
        return mg_fail(MG_ERR_SHAPE, "tensor '%s' has shape %s, expected %s", name, got, want);
    }
    mg_status s = mg_array_to_f32(a, out);
    if (s != MG_OK) return mg_fail_context(s, "tensor '%s'", name);
    return MG_OK;
}

/* ---- metadata --------------------------------------------------------------- */

/* Sets (or replaces) a metadata string. */
mg_status mg_st_set_meta(mg_st *st, const char *key, const char *value) {
    if (!st || !key || !value) return mg_fail(MG_ERR_ARG, "mg_st_set_meta: NULL argument");
    if (!utf8_valid((const unsigned char *)key, strlen(key)) || !utf8_valid((const unsigned char *)value, strlen(value)))
        return mg_fail(MG_ERR_ARG, "metadata '%s' is not valid UTF-8", key);
    char *v = strdup(value);
    if (!v) return mg_fail(MG_ERR_NOMEM, "out of memory setting metadata '%s'", key);
    int i = find_meta(st, key);
    if (i >= 0) {
        free(st->m[i].value);
        st->m[i].value = v;
        return MG_OK;
    }
    i = -i - 1;
    if (st->nm == st->mcap) {
        int nc = st->mcap ? 2 * st->mcap : 8;
        st_meta *m = realloc(st->m, (size_t)nc * sizeof *m);
        if (!m) {
            free(v);
            return mg_fail(MG_ERR_NOMEM, "out of memory setting metadata '%s'", key);
        }
        st->m = m;
        st->mcap = nc;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return mg_fail(MG_ERR_NOMEM, "out of memory setting metadata '%s'", key);
    }
    memmove(st->m + i + 1, st->m + i, (size_t)(st->nm - i) * sizeof *st->m);
    st->m[i].key = k;
    st->m[i].value = v;
    st->nm++;
    return MG_OK;
}

/* Metadata from a double ("%.17g", round-trips exactly). */
mg_status mg_st_set_meta_double(mg_st *st, const char *key, double value) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", value);
    return mg_st_set_meta(st, key, buf);
}

/* Metadata from an integer. */
mg_status mg_st_set_meta_int(mg_st *st, const char *key, int64_t value) {
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    return mg_st_set_meta(st, key, buf);
}

/* Metadata value or NULL. */
const char *mg_st_meta(const mg_st *st, const char *key) {
    if (!st || !key) return NULL;
    int i = find_meta(st, key);
    return i >= 0 ? st->m[i].value : NULL;
}

/* Metadata parsed as a double (whole string must be a number). */
mg_status mg_st_meta_double(const mg_st *st, const char *key, double *value) {
    const char *s = mg_st_meta(st, key);
    if (!s) return mg_fail(MG_ERR_NOT_FOUND, "metadata key '%s' is missing", key ? key : "(null)");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || (errno == ERANGE && isinf(v)))
        return mg_fail(MG_ERR_FORMAT, "metadata '%s' = '%s' is not a number", key, s);
    *value = v;
    return MG_OK;
}

/* Metadata parsed as a 64-bit integer. */
mg_status mg_st_meta_int(const mg_st *st, const char *key, int64_t *value) {
    const char *s = mg_st_meta(st, key);
    if (!s) return mg_fail(MG_ERR_NOT_FOUND, "metadata key '%s' is missing", key ? key : "(null)");
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno == ERANGE)
        return mg_fail(MG_ERR_FORMAT, "metadata '%s' = '%s' is not a 64-bit integer", key, s);
    *value = v;
    return MG_OK;
}

/* Number of metadata entries. */
int mg_st_meta_count(const mg_st *st) { return st ? st->nm : 0; }

/* i-th metadata key (sorted), NULL if out of range. */
const char *mg_st_meta_key(const mg_st *st, int i) {
    if (!st || i < 0 || i >= st->nm) return NULL;
    return st->m[i].key;
}

/* ---- dtypes ------------------------------------------------------------------ */

/* safetensors dtype names and how memgen stores them. */
static const struct {
    const char *name;
    mg_raw_kind raw;
} ST_DTYPES[] = {
    {"F32", MG_RAW_F32}, {"F64", MG_RAW_F64}, {"U8", MG_RAW_U8},   {"I32", MG_RAW_I32},
    {"I64", MG_RAW_I64}, {"F16", MG_RAW_F16}, {"BF16", MG_RAW_BF16}, {"BOOL", MG_RAW_BOOL},
    {"I8", MG_RAW_I8},   {"I16", MG_RAW_I16}, {"U16", MG_RAW_U16},   {"U32", MG_RAW_U32},
};

/* The safetensors dtype written for a memgen dtype. */
static const char *st_dtype_name(mg_dtype dt) {
    switch (dt) {
    case MG_F32: return "F32";
    case MG_F64: return "F64";
    case MG_U8: return "U8";
    case MG_I32: return "I32";
    case MG_I64: return "I64";
    case MG_F16: return "F16";
    case MG_BF16: return "BF16";
    default: return NULL;
    }
}

/* Rank of a dtype in the reference implementation's Dtype order (which it
 * documents as alignment order); the data section is laid out by descending
 * rank, then by name. */
static int st_dtype_rank(mg_dtype dt) {
    switch (dt) {
    case MG_U8: return 1;
    case MG_F16: return 2;
    case MG_BF16: return 3;
    case MG_I32: return 4;
    case MG_F32: return 5;
    case MG_F64: return 6;
    case MG_I64: return 7;
    default: return 0;
    }
}

/* ---- reading ------------------------------------------------------------------ */

/* Where one tensor's bytes are, from the header. */
typedef struct {
    const char *name;  /* points into the cJSON tree */
    mg_raw_kind raw;
    int ndim;
    int64_t shape[MG_MAX_DIMS];
    uint64_t begin, end;
} st_plan;

/* Reads a JSON number that must be an exact nonnegative integer <= 2^53. */
static int json_uint(const cJSON *j, uint64_t *v) {
    if (!cJSON_IsNumber(j)) return 0;
    double d = j->valuedouble;
    if (!(d >= 0) || d > ST_MAX_INT || d != floor(d)) return 0;
    *v = (uint64_t)d;
    return 1;
}

/* Checks the raw header bytes: starts with '{', UTF-8, no control
 * characters other than whitespace, no \u0000 escape (C strings). */
static mg_status st_check_header_bytes(const unsigned char *h, size_t n, const char *name) {
    if (n == 0 || h[0] != '{')
        return mg_fail(MG_ERR_FORMAT, "%s: not a .safetensors file (the header does not start with '{')", name);
    if (!utf8_valid(h, n)) return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header is not valid UTF-8", name);
    for (size_t i = 0; i < n; i++) {
        if (h[i] < 0x20 && h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && h[i] != '\r')
            return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header contains the control byte 0x%02x at offset %zu",
                           name, h[i], i);
        if (h[i] == '\\' && i + 1 < n) {
            if (h[i + 1] == 'u' && i + 5 < n && !memcmp(h + i + 2, "0000", 4))
                return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header contains a \\u0000 escape", name);
            i++; /* skip the escaped character */
        }
    }
    return MG_OK;
}

/* Parses one tensor entry of the header into *p. */
static mg_status st_parse_entry(const cJSON *e, const char *name, st_plan *p) {
    const char *tn = e->string;
    if (!cJSON_IsObject(e)) return mg_fail(MG_ERR_FORMAT, "%s: header entry '%s' is not an object", name, tn);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *of = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt)) return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s' has no string 'dtype'", name, tn);
    if (!cJSON_IsArray(sh)) return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s' has no 'shape' array", name, tn);
    if (!cJSON_IsArray(of) || cJSON_GetArraySize(of) != 2)
        return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s' has no 'data_offsets' [begin, end] pair", name, tn);
    size_t k;
    for (k = 0; k < sizeof ST_DTYPES / sizeof ST_DTYPES[0]; k++)
        if (!strcmp(dt->valuestring, ST_DTYPES[k].name)) break;
    if (k == sizeof ST_DTYPES / sizeof ST_DTYPES[0])
        return mg_fail(MG_ERR_UNSUPPORTED,
                       "%s: tensor '%s' has dtype %.40s, which memgen does not read (F32 F64 F16 BF16 U8 I32 I64 and "
                       "BOOL I8 I16 U16 U32 are read; convert it to float32 first)", name, tn, dt->valuestring);
    p->name = tn;
    p->raw = ST_DTYPES[k].raw;
    int nd = cJSON_GetArraySize(sh);
    if (nd > MG_MAX_DIMS)
        return mg_fail(MG_ERR_UNSUPPORTED, "%s: tensor '%s' has %d dimensions (at most %d supported)", name, tn, nd, MG_MAX_DIMS);
    p->ndim = nd;
    size_t numel = 1, bytes, decoded;
    int i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, sh) {
        uint64_t v;
        if (!json_uint(x, &v))
            return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': shape entries must be nonnegative integers", name, tn);
        p->shape[i++] = (int64_t)v;
        if (mg_mul_overflow_size(numel, (size_t)v, &numel))
            return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': shape is impossibly large (size overflows)", name, tn);
    }
    if (mg_mul_overflow_size(numel, mg_raw_size(p->raw), &bytes) || bytes > (size_t)INT64_MAX ||
        mg_mul_overflow_size(numel, mg_dtype_size(mg_raw_dtype(p->raw)), &decoded))
        return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': shape is impossibly large (size overflows)", name, tn);
    if (!json_uint(cJSON_GetArrayItem(of, 0), &p->begin) || !json_uint(cJSON_GetArrayItem(of, 1), &p->end))
        return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': data_offsets must be nonnegative integers", name, tn);
    if (p->end < p->begin)
        return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu) end before they begin", name, tn,
                       (unsigned long long)p->begin, (unsigned long long)p->end);
    if (p->end - p->begin != (uint64_t)bytes) {
        char s[256];
        mg_shape_str(p->ndim, p->shape, s, sizeof s);
        return mg_fail(MG_ERR_FORMAT, "%s: tensor '%s': shape %s of %s needs %zu bytes but data_offsets span %llu", name,
                       tn, s, dt->valuestring, bytes, (unsigned long long)(p->end - p->begin));
    }
    return MG_OK;
}

/* qsort order of plans by (begin, end). */
static int plan_cmp(const void *a, const void *b) {
    const st_plan *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

/* Parses the JSON header h[0..hlen) for a data section of data_size bytes:
 * metadata goes into st, tensor locations into *plans (caller frees; names
 * point into *root, which the caller deletes). */
static mg_status st_parse_header(const unsigned char *h, size_t hlen, uint64_t data_size, const char *name, mg_st *st,
                                 cJSON **root_out, st_plan **plans_out, int *nplans) {
    *root_out = NULL;
    *plans_out = NULL;
    *nplans = 0;
    MG_TRY(st_check_header_bytes(h, hlen, name));
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts((const char *)h, hlen, &end, 0);
    if (!root) {
        const char *at = cJSON_GetErrorPtr();
        size_t off = (at && at >= (const char *)h && at <= (const char *)h + hlen) ? (size_t)(at - (const char *)h) : 0;
        return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header is not valid JSON (near byte %zu of the header)", name, off);
    }
    *root_out = root;
    for (const char *q = end; q < (const char *)h + hlen; q++)
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r')
            return mg_fail(MG_ERR_FORMAT, "%s: unexpected bytes after the JSON header", name);
    if (!cJSON_IsObject(root)) return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header is not a JSON object", name);
    int count = cJSON_GetArraySize(root);
    st_plan *plans = calloc((size_t)(count > 0 ? count : 1), sizeof *plans);
    if (!plans) return mg_fail(MG_ERR_NOMEM, "%s: out of memory parsing the header", name);
    *plans_out = plans;
    int np = 0, have_meta = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!strcmp(e->string, "__metadata__")) {
            if (have_meta) return mg_fail(MG_ERR_FORMAT, "%s: the header has two '__metadata__' entries", name);
            have_meta = 1;
            if (cJSON_IsNull(e)) continue;
            if (!cJSON_IsObject(e))
                return mg_fail(MG_ERR_FORMAT, "%s: '__metadata__' is not an object of strings", name);
            const cJSON *kv;
            cJSON_ArrayForEach(kv, e) {
                if (!cJSON_IsString(kv))
                    return mg_fail(MG_ERR_FORMAT,
                                   "%s: metadata '%s' is not a string (safetensors metadata maps strings to strings)",
                                   name, kv->string);
                if (mg_st_meta(st, kv->string))
                    return mg_fail(MG_ERR_FORMAT, "%s: metadata key '%s' appears twice", name, kv->string);
                mg_status ms = mg_st_set_meta(st, kv->string, kv->valuestring);
                if (ms != MG_OK) return mg_fail_context(ms, "%s", name);
            }
            continue;
        }
        MG_TRY(st_parse_entry(e, name, &plans[np]));
        np++;
    }
    *nplans = np; /* duplicate names are refused by st_fill */
    /* Tensors must tile [0, data_size) exactly. */
    qsort(plans, (size_t)np, sizeof *plans, plan_cmp);
    uint64_t cursor = 0;
    const char *prev = NULL;
    for (int i = 0; i < np; i++) {
        const st_plan *p = &plans[i];
        if (p->end > data_size)
            return mg_fail(MG_ERR_FORMAT,
                           "%s: tensor '%s': data_offsets [%llu, %llu) go past the end of the data section (%llu bytes): "
                           "truncated file?", name, p->name, (unsigned long long)p->begin, (unsigned long long)p->end,
                           (unsigned long long)data_size);
        if (p->begin < cursor)
            return mg_fail(MG_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap (bytes %llu..%llu)", name, prev, p->name,
                           (unsigned long long)p->begin, (unsigned long long)cursor);
        if (p->begin > cursor)
            return mg_fail(MG_ERR_FORMAT, "%s: bytes [%llu, %llu) of the data section belong to no tensor (a hole before '%s')",
                           name, (unsigned long long)cursor, (unsigned long long)p->begin, p->name);
        cursor = p->end;
        prev = p->name;
    }
    if (cursor != data_size)
        return mg_fail(MG_ERR_FORMAT, "%s: %llu bytes after the last tensor belong to no tensor",
                       name, (unsigned long long)(data_size - cursor));
    return MG_OK;
}

/* Adds the freshly read array *a for plan p (refusing a repeated name). */
static mg_status st_put_new(mg_st *st, const st_plan *p, mg_array *a, const char *name) {
    mg_status s;
    if (mg_st_get(st, p->name)) s = mg_fail(MG_ERR_FORMAT, "%s: tensor '%s' appears twice in the header", name, p->name);
    else s = put_tensor(st, p->name, a);
    mg_array_free(a);
    return s;
}

/* Allocates the array for plan p, decodes src (its stored bytes) into it and
 * adds it to st. */
static mg_status st_fill(mg_st *st, const st_plan *p, const unsigned char *src, const char *name) {
    mg_array a;
    mg_status s = mg_array_alloc(&a, mg_raw_dtype(p->raw), p->ndim, p->shape);
    if (s != MG_OK) return mg_fail_context(s, "%s: tensor '%s'", name, p->name);
    mg_raw_decode(src, p->raw, 0, (size_t)mg_array_numel(&a), a.data);
    return st_put_new(st, p, &a, name);
}

/* Reads plan p's bytes from fp (positioned anywhere) and adds the tensor:
 * straight into the array when no conversion is needed. */
static mg_status st_fill_file(mg_st *st, const st_plan *p, FILE *fp, uint64_t data_start, const char *path) {
    size_t nb = (size_t)(p->end - p->begin);
    if (nb && fseeko(fp, (off_t)(data_start + p->begin), SEEK_SET) != 0)
        return mg_fail(MG_ERR_IO, "%s: cannot seek to tensor '%s': %s", path, p->name, strerror(errno));
    if (mg_raw_is_direct(p->raw, 0)) {
        mg_array a;
        mg_status s = mg_array_alloc(&a, mg_raw_dtype(p->raw), p->ndim, p->shape);
        if (s != MG_OK) return mg_fail_context(s, "%s: tensor '%s'", path, p->name);
        if (nb && fread(a.data, 1, nb, fp) != nb) {
            mg_array_free(&a);
            return mg_fail(MG_ERR_IO, "%s: short read of tensor '%s'", path, p->name);
        }
        return st_put_new(st, p, &a, path);
    }
    unsigned char *tmp = nb ? malloc(nb) : NULL; /* [nb] stored bytes */
    if (nb && !tmp) return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %zu bytes for tensor '%s'", path, nb, p->name);
    mg_status s;
    if (nb && fread(tmp, 1, nb, fp) != nb) s = mg_fail(MG_ERR_IO, "%s: short read of tensor '%s'", path, p->name);
    else s = st_fill(st, p, tmp, path);
    free(tmp);
    return s;
}

/* Validates the 8-byte length against the file size and returns it. */
static mg_status st_header_len(const unsigned char *b, size_t avail, uint64_t total, const char *name, size_t *hlen) {
    if (avail < 8)
        return mg_fail(MG_ERR_FORMAT, "%s: too short for a .safetensors file (%zu bytes; the length field needs 8)", name, avail);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | b[i];
    if (n > ST_MAX_HEADER)
        return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header length %llu exceeds the 100 MB limit (not a safetensors file?)",
                       name, (unsigned long long)n);
    if (n > total - 8)
        return mg_fail(MG_ERR_FORMAT, "%s: .safetensors header length %llu runs past the end of the file (%llu bytes): truncated?",
                       name, (unsigned long long)n, (unsigned long long)total);
    *hlen = (size_t)n;
    return MG_OK;
}

/* Parses an in-memory .safetensors image into a new collection. */
mg_status mg_st_read_mem(const void *buf, size_t len, const char *name, mg_st **out) {
    const unsigned char *b = buf;
    *out = NULL;
    if (!name) name = "<memory>";
    size_t hlen;
    MG_TRY(st_header_len(b, len, len, name, &hlen));
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);
    cJSON *root;
    st_plan *plans;
    int np;
    const unsigned char *data = b + 8 + hlen;
    mg_status s = st_parse_header(b + 8, hlen, len - 8 - hlen, name, st, &root, &plans, &np);
    for (int i = 0; s == MG_OK && i < np; i++) s = st_fill(st, &plans[i], data + plans[i].begin, name);
    cJSON_Delete(root);
    free(plans);
    if (s != MG_OK) {
        mg_st_free(st);
        return s;
    }
    *out = st;
    return MG_OK;
}

/* Reads a .safetensors file: the header first, then each tensor straight
 * from its offset (no second copy of the whole file). */
mg_status mg_st_read(const char *path, mg_st **out) {
    *out = NULL;
    FILE *fp;
    uint64_t total;
    MG_TRY(mg_open_regular(path, &fp, &total));
    unsigned char lenb[8];
    size_t got = fread(lenb, 1, total < 8 ? (size_t)total : 8, fp);
    size_t hlen;
    mg_status s = st_header_len(lenb, got, total, path, &hlen);
    if (s != MG_OK) {
        fclose(fp);
        return s;
    }
    unsigned char *h = malloc(hlen ? hlen : 1);
    mg_st *st = mg_st_new();
    cJSON *root = NULL;
    st_plan *plans = NULL;
    int np = 0;
    if (!h || !st) s = mg_fail(MG_ERR_NOMEM, "%s: out of memory reading the header", path);
    else if (hlen && fread(h, 1, hlen, fp) != hlen) s = mg_fail(MG_ERR_IO, "%s: short read of the header", path);
    else s = st_parse_header(h, hlen, total - 8 - hlen, path, st, &root, &plans, &np);
    for (int i = 0; s == MG_OK && i < np; i++) s = st_fill_file(st, &plans[i], fp, 8 + (uint64_t)hlen, path);
    fclose(fp);
    cJSON_Delete(root);
    free(plans);
    free(h);
    if (s != MG_OK) {
        mg_st_free(st);
        return s;
    }
    *out = st;
    return MG_OK;
}

/* ---- writing --------------------------------------------------------------- */

/* A growable byte buffer for the header. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} st_buf;

/* Appends n bytes. */
static void buf_put(st_buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t nc = b->cap ? b->cap : 256;
        while (nc < b->n + n) nc *= 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

/* Appends a C string. */
static void buf_puts(st_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

/* Appends a JSON string literal, escaped as serde_json does. */
static void buf_json_str(st_buf *b, const char *s) {
    buf_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        switch (c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", c);
                buf_put(b, esc, 6);
            } else {
                buf_put(b, (const char *)&c, 1);
            }
        }
    }
    buf_put(b, "\"", 1);
}

/* Orders tensor indices for the data section: descending dtype rank, then
 * name (a stable counting sort of the name-sorted table by rank). */
static void st_layout(const mg_st *st, int *order) {
    int k = 0;
    for (int r = 7; r >= 0; r--)
        for (int i = 0; i < st->n; i++)
            if (st_dtype_rank(st->t[i].a.dtype) == r) order[k++] = i;
}

/* Builds the padded JSON header (*hdr, caller frees) and the layout order
 * (*order, caller frees); *data_bytes is the data section size. */
static mg_status st_build_header(const mg_st *st, char **hdr, size_t *hlen, int **order, size_t *data_bytes) {
    *hdr = NULL;
    *order = NULL;
    int *ord = malloc((size_t)(st->n > 0 ? st->n : 1) * sizeof *ord);
    if (!ord) return mg_fail(MG_ERR_NOMEM, "out of memory building a .safetensors header");
    st_layout(st, ord);
    st_buf b = {0};
    buf_puts(&b, "{");
    int first = 1;
    if (st->nm > 0) {
        buf_puts(&b, "\"__metadata__\":{");
        for (int i = 0; i < st->nm; i++) {
            if (i) buf_puts(&b, ",");
            buf_json_str(&b, st->m[i].key);
            buf_puts(&b, ":");
            buf_json_str(&b, st->m[i].value);
        }
        buf_puts(&b, "}");
        first = 0;
    }
    uint64_t off = 0;
    for (int k = 0; k < st->n; k++) {
        const st_tensor *t = &st->t[ord[k]];
        const char *dn = st_dtype_name(t->a.dtype);
        if (!dn) {
            free(b.p);
            free(ord);
            return mg_fail(MG_ERR_ARG, "tensor '%s' has an invalid dtype", t->name);
        }
        char num[64];
        if (!first) buf_puts(&b, ",");
        first = 0;
        buf_json_str(&b, t->name);
        buf_puts(&b, ":{\"dtype\":\"");
        buf_puts(&b, dn);
        buf_puts(&b, "\",\"shape\":[");
        for (int i = 0; i < t->a.ndim; i++) {
            snprintf(num, sizeof num, "%s%lld", i ? "," : "", (long long)t->a.shape[i]);
            buf_puts(&b, num);
        }
        uint64_t nb = (uint64_t)mg_array_nbytes(&t->a);
        snprintf(num, sizeof num, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                 (unsigned long long)(off + nb));
        buf_puts(&b, num);
        off += nb;
    }
    buf_puts(&b, "}");
    while (b.n % 8) buf_puts(&b, " ");
    if (b.oom) {
        free(b.p);
        free(ord);
        return mg_fail(MG_ERR_NOMEM, "out of memory building a .safetensors header");
    }
    *hdr = b.p;
    *hlen = b.n;
    *order = ord;
    *data_bytes = (size_t)off;
    return MG_OK;
}

/* Serialises into a malloc'd image. */
mg_status mg_st_encode(const mg_st *st, unsigned char **out, size_t *len) {
    *out = NULL;
    *len = 0;
    if (!st) return mg_fail(MG_ERR_ARG, "mg_st_encode: NULL collection");
    char *hdr;
    size_t hlen, dbytes;
    int *ord;
    MG_TRY(st_build_header(st, &hdr, &hlen, &ord, &dbytes));
    size_t total = 8 + hlen + dbytes;
    unsigned char *buf = total >= dbytes ? malloc(total) : NULL;
    if (!buf) {
        free(hdr);
        free(ord);
        return mg_fail(MG_ERR_NOMEM, "cannot allocate %zu bytes for a .safetensors image", total);
    }
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(buf + 8, hdr, hlen);
    size_t at = 8 + hlen;
    for (int k = 0; k < st->n; k++) {
        const mg_array *a = &st->t[ord[k]].a;
        size_t nb = mg_array_nbytes(a);
        if (nb) memcpy(buf + at, a->data, nb);
        at += nb;
    }
    free(hdr);
    free(ord);
    *out = buf;
    *len = total;
    return MG_OK;
}

/* Writes the collection atomically, streaming tensor data. */
mg_status mg_st_write(const mg_st *st, const char *path) {
    if (!st) return mg_fail(MG_ERR_ARG, "writing %s: NULL collection", path);
    char *hdr;
    size_t hlen, dbytes;
    int *ord;
    mg_status s = st_build_header(st, &hdr, &hlen, &ord, &dbytes);
    if (s != MG_OK) return mg_fail_context(s, "writing %s", path);
    mg_atomic_file af;
    s = mg_atomic_open(&af, path);
    if (s != MG_OK) {
        free(hdr);
        free(ord);
        return s;
    }
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    int bad = fwrite(lenb, 1, 8, af.fp) != 8 || fwrite(hdr, 1, hlen, af.fp) != hlen;
    for (int k = 0; !bad && k < st->n; k++) {
        const mg_array *a = &st->t[ord[k]].a;
        size_t nb = mg_array_nbytes(a);
        if (nb && fwrite(a->data, 1, nb, af.fp) != nb) bad = 1;
    }
    free(hdr);
    free(ord);
    if (bad) {
        int e = errno;
        mg_atomic_abort(&af);
        return mg_fail(MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return mg_atomic_commit(&af);
}
