/*
 * memgen info: what a data or model file holds. The kind is detected from
 * the magic bytes, not the name: .npy (version, dtype, shape, Fortran order,
 * sizes), .safetensors (every tensor's dtype and shape, every metadata
 * key=value), .png and .idx / .idx.gz (shape, dtype). For numeric data it
 * adds min/max/mean/std over the finite values and the NaN/Inf counts.
 * --json prints one machine-readable JSON object on stdout instead.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "memgen/idx.h"
#include "memgen/npy.h"
#include "memgen/png.h"
#include "memgen/safetensors.h"

enum { KIND_UNKNOWN, KIND_NPY, KIND_SAFETENSORS, KIND_PNG, KIND_IDX, KIND_IDX_GZ };

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen info FILE [options]\n\n"
            "Prints what FILE holds; the kind is detected from its first bytes:\n"
            "  .npy          format version, dtype, shape, Fortran order, sizes\n"
            "  .safetensors  each tensor's dtype and shape, each metadata key=value\n"
            "  .png, .idx, .idx.gz   shape and dtype\n"
            "plus, for numeric data, min/max/mean/std of the finite values and the\n"
            "number of NaN and Inf values. Exits 1 with a one-line error on a bad file.\n\n"
            "options:\n"
            "  --json        print one JSON object on stdout instead (default: text)\n"
            "  --no-stats    skip the statistics (default: compute them)\n"
            "  -h, --help    this text\n");
}

/* Statistics of the finite values of an array. */
typedef struct {
    int64_t count, finite, nan, inf;
    double min, max, mean, std; /* over finite values; NaN when there are none */
} stats;

/* Computes stats in double, converting chunks through mg_array_to_f64 so
 * memory stays bounded (Welford's update for mean and variance). */
static mg_status compute_stats(const mg_array *a, stats *s) {
    memset(s, 0, sizeof *s);
    s->min = s->max = s->mean = s->std = NAN;
    int64_t n = mg_array_numel(a);
    size_t es = mg_dtype_size(a->dtype);
    double mean = 0, m2 = 0;
    const int64_t chunk = 65536;
    for (int64_t off = 0; off < n; off += chunk) {
        int64_t m = n - off < chunk ? n - off : chunk;
        mg_array view = {a->dtype, 1, {m}, (unsigned char *)a->data + (size_t)off * es};
        mg_array d;
        MG_TRY(mg_array_to_f64(&view, &d));
        const double *v = d.data; /* [m] */
        for (int64_t i = 0; i < m; i++) {
            double x = v[i];
            if (isnan(x)) { s->nan++; continue; }
            if (isinf(x)) { s->inf++; continue; }
            if (s->finite == 0 || x < s->min) s->min = x;
            if (s->finite == 0 || x > s->max) s->max = x;
            s->finite++;
            double delta = x - mean;
            mean += delta / (double)s->finite;
            m2 += delta * (x - mean);
        }
        mg_array_free(&d);
    }
    s->count = n;
    if (s->finite > 0) {
        s->mean = mean;
        s->std = sqrt(m2 / (double)s->finite); /* population std, as numpy's default */
    }
    return MG_OK;
}

/* One-line text form of stats. */
static void print_stats(const stats *s) {
    if (s->count == 0) {
        printf("empty");
        return;
    }
    if (s->finite > 0)
        printf("min %.9g  max %.9g  mean %.9g  std %.9g", s->min, s->max, s->mean, s->std);
    else
        printf("no finite values");
    printf("  (%lld values, %lld NaN, %lld Inf)", (long long)s->count, (long long)s->nan, (long long)s->inf);
}

/* JSON form of stats (null where undefined). */
static cJSON *stats_json(const stats *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)s->count);
    cJSON_AddNumberToObject(o, "finite", (double)s->finite);
    cJSON_AddNumberToObject(o, "nan", (double)s->nan);
    cJSON_AddNumberToObject(o, "inf", (double)s->inf);
    const char *names[4] = {"min", "max", "mean", "std"};
    const double vals[4] = {s->min, s->max, s->mean, s->std};
    for (int i = 0; i < 4; i++) {
        if (s->finite > 0) cJSON_AddNumberToObject(o, names[i], vals[i]);
        else cJSON_AddNullToObject(o, names[i]);
    }
    return o;
}

/* JSON array of a shape. */
static cJSON *shape_json(int ndim, const int64_t *shape) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < ndim; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)shape[i]));
    return a;
}

/* Prints s with control characters escaped, so a value stays on one line. */
static void print_escaped(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') fputs("\\n", stdout);
        else if (c == '\t') fputs("\\t", stdout);
        else if (c == '\\') fputs("\\\\", stdout);
        else if (c < 0x20 || c == 0x7f) printf("\\x%02x", c);
        else putchar(c);
    }
}

/* Guesses the kind of a file from its first bytes b[0..n) and its size. */
static int detect_kind(const unsigned char *b, size_t n, uint64_t size) {
    if (n >= 6 && !memcmp(b, "\x93NUMPY", 6)) return KIND_NPY;
    if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return KIND_PNG;
    if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) return KIND_IDX_GZ;
    int idx_ok = n >= 4 && b[0] == 0 && b[1] == 0 && b[3] >= 1 &&
                 (b[2] == 0x08 || b[2] == 0x09 || b[2] == 0x0b || b[2] == 0x0c || b[2] == 0x0d || b[2] == 0x0e);
    int st_brace = n >= 9 && b[8] == '{';
    uint64_t hl = 0;
    for (int i = 7; n >= 8 && i >= 0; i--) hl = (hl << 8) | b[i];
    int st_ok = st_brace && hl <= 100000000u && hl <= size - 8;
    if (idx_ok && st_ok) {
        /* Both plausible: the IDX reading holds only if its sizes add up. */
        int nd = b[3];
        if ((size_t)4 + 4 * (size_t)nd > n) return KIND_SAFETENSORS;
        static const int isz[16] = {[0x08] = 1, [0x09] = 1, [0x0b] = 2, [0x0c] = 4, [0x0d] = 4, [0x0e] = 8};
        uint64_t total = (uint64_t)isz[b[2]];
        for (int d = 0; d < nd; d++) {
            const unsigned char *p = b + 4 + 4 * d;
            uint64_t dim = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3];
            if (dim && total > UINT64_MAX / dim) return KIND_SAFETENSORS;
            total *= dim;
        }
        return total + 4 + 4 * (uint64_t)nd == size ? KIND_IDX : KIND_SAFETENSORS;
    }
    if (st_ok) return KIND_SAFETENSORS;
    if (idx_ok) return KIND_IDX;
    /* Near misses go to the reader that explains what is wrong. */
    if (st_brace) return KIND_SAFETENSORS;
    if (n >= 4 && b[0] == 0 && b[1] == 0) return KIND_IDX;
    return KIND_UNKNOWN;
}

/* Reports an .npy file. */
static mg_status info_npy(const char *path, uint64_t size, int json, int want_stats, cJSON *out) {
    mg_npy_info in;
    mg_array a = {0};
    stats s;
    MG_TRY(mg_npy_inspect(path, &in));
    if (want_stats) {
        MG_TRY(mg_npy_read(path, &a));
        mg_status st = compute_stats(&a, &s);
        mg_array_free(&a);
        MG_TRY(st);
    }
    char shape[256], ver[16];
    mg_shape_str(in.ndim, in.shape, shape, sizeof shape);
    snprintf(ver, sizeof ver, "%d.%d", in.major, in.minor);
    if (json) {
        cJSON_AddStringToObject(out, "format", "npy");
        cJSON_AddStringToObject(out, "version", ver);
        cJSON_AddStringToObject(out, "descr", in.descr);
        cJSON_AddStringToObject(out, "dtype", mg_dtype_name(in.dtype));
        cJSON_AddItemToObject(out, "shape", shape_json(in.ndim, in.shape));
        cJSON_AddBoolToObject(out, "fortran_order", in.fortran_order);
        cJSON_AddNumberToObject(out, "file_bytes", (double)size);
        cJSON_AddNumberToObject(out, "data_offset", (double)in.data_offset);
        cJSON_AddNumberToObject(out, "data_bytes", (double)in.data_bytes);
        if (want_stats) cJSON_AddItemToObject(out, "stats", stats_json(&s));
        return MG_OK;
    }
    printf("file:          %s\n", path);
    printf("format:        npy %s\n", ver);
    printf("dtype:         %s (%s in the file)\n", mg_dtype_name(in.dtype), in.descr);
    printf("shape:         %s\n", shape);
    printf("fortran_order: %s\n", in.fortran_order ? "true" : "false");
    printf("bytes:         %llu (header %zu, data %zu)\n", (unsigned long long)size, in.data_offset, in.data_bytes);
    if (want_stats) {
        printf("stats:         ");
        print_stats(&s);
        printf("\n");
    }
    return MG_OK;
}

/* Reports a .safetensors file. */
static mg_status info_safetensors(const char *path, uint64_t size, uint64_t header_len, int json, int want_stats,
                                  cJSON *out) {
    mg_st *st;
    MG_TRY(mg_st_read(path, &st));
    int n = mg_st_count(st);
    uint64_t data_bytes = size - 8 - header_len;
    cJSON *tensors = NULL;
    if (json) {
        cJSON_AddStringToObject(out, "format", "safetensors");
        cJSON_AddNumberToObject(out, "file_bytes", (double)size);
        cJSON_AddNumberToObject(out, "header_bytes", (double)header_len);
        cJSON_AddNumberToObject(out, "data_bytes", (double)data_bytes);
        tensors = cJSON_AddArrayToObject(out, "tensors");
    } else {
        printf("file:     %s\n", path);
        printf("format:   safetensors\n");
        printf("bytes:    %llu (header %llu, data %llu)\n", (unsigned long long)size,
               (unsigned long long)header_len, (unsigned long long)data_bytes);
        printf("tensors:  %d\n", n);
    }
    int namew = 4;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(mg_st_name(st, i));
        if (l > namew) namew = l < 40 ? l : 40;
    }
    for (int i = 0; i < n; i++) {
        const char *name = mg_st_name(st, i);
        const mg_array *a = mg_st_get(st, name);
        stats s;
        if (want_stats) {
            mg_status rc = compute_stats(a, &s);
            if (rc != MG_OK) {
                mg_st_free(st);
                return mg_fail_context(rc, "%s: tensor '%s'", path, name);
            }
        }
        if (json) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", name);
            cJSON_AddStringToObject(t, "dtype", mg_dtype_name(a->dtype));
            cJSON_AddItemToObject(t, "shape", shape_json(a->ndim, a->shape));
            cJSON_AddNumberToObject(t, "bytes", (double)mg_array_nbytes(a));
            if (want_stats) cJSON_AddItemToObject(t, "stats", stats_json(&s));
            cJSON_AddItemToArray(tensors, t);
        } else {
            char shape[256];
            mg_shape_str(a->ndim, a->shape, shape, sizeof shape);
            printf("  ");
            print_escaped(name);
            printf("%*s  %-8s  %-14s", namew - (int)strlen(name) > 0 ? namew - (int)strlen(name) : 0, "",
                   mg_dtype_name(a->dtype), shape);
            if (want_stats) {
                printf("  ");
                print_stats(&s);
            }
            printf("\n");
        }
    }
    int nm = mg_st_meta_count(st);
    if (json) {
        cJSON *meta = cJSON_AddObjectToObject(out, "metadata");
        for (int i = 0; i < nm; i++) {
            const char *k = mg_st_meta_key(st, i);
            cJSON_AddStringToObject(meta, k, mg_st_meta(st, k));
        }
    } else {
        printf("metadata: %d\n", nm);
        for (int i = 0; i < nm; i++) {
            const char *k = mg_st_meta_key(st, i);
            printf("  ");
            print_escaped(k);
            printf(" = ");
            print_escaped(mg_st_meta(st, k));
            printf("\n");
        }
    }
    mg_st_free(st);
    return MG_OK;
}

/* Reports a PNG or IDX file (decoded into an array). */
static mg_status info_image(const char *path, int kind, uint64_t size, int json, int want_stats, cJSON *out) {
    mg_array a;
    if (kind == KIND_PNG) MG_TRY(mg_png_read(path, 0, &a));
    else MG_TRY(mg_idx_read(path, &a));
    stats s;
    if (want_stats) {
        mg_status rc = compute_stats(&a, &s);
        if (rc != MG_OK) {
            mg_array_free(&a);
            return rc;
        }
    }
    const char *fmt = kind == KIND_PNG ? "png" : "idx";
    if (json) {
        cJSON_AddStringToObject(out, "format", fmt);
        if (kind != KIND_PNG) cJSON_AddBoolToObject(out, "gzip", kind == KIND_IDX_GZ);
        cJSON_AddStringToObject(out, "dtype", mg_dtype_name(a.dtype));
        cJSON_AddItemToObject(out, "shape", shape_json(a.ndim, a.shape));
        cJSON_AddNumberToObject(out, "file_bytes", (double)size);
        if (want_stats) cJSON_AddItemToObject(out, "stats", stats_json(&s));
    } else {
        char shape[256];
        mg_shape_str(a.ndim, a.shape, shape, sizeof shape);
        printf("file:     %s\n", path);
        printf("format:   %s%s\n", fmt, kind == KIND_IDX_GZ ? " (gzip)" : "");
        printf("dtype:    %s\n", mg_dtype_name(a.dtype));
        printf("shape:    %s%s\n", shape, kind == KIND_PNG ? " (height, width, channels)" : "");
        printf("bytes:    %llu\n", (unsigned long long)size);
        if (want_stats) {
            printf("stats:    ");
            print_stats(&s);
            printf("\n");
        }
    }
    mg_array_free(&a);
    return MG_OK;
}

/* Entry point of `memgen info`. */
int cmd_info(int argc, char **argv) {
    int json = 0, no_stats = 0, first = 0;
    const cli_opt opts[] = {CLI_OPT_FLAG("json", &json), CLI_OPT_FLAG("no-stats", &no_stats), CLI_OPT_END};
    int rc = cli_parse_options("info", argc, argv, opts, usage, &first);
    if (rc != CLI_RUN) return rc;
    int want_stats = !no_stats;
    if (first >= argc) return cli_usage("info", "missing FILE");
    if (first + 1 < argc) return cli_usage("info", "expected one FILE, got %d", argc - first);
    const char *path = argv[first];

    FILE *fp = fopen(path, "rb");
    struct stat sb;
    if (!fp) return cli_fail("info", mg_fail(MG_ERR_IO, "%s: cannot open: %s", path, strerror(errno)));
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return cli_fail("info", mg_fail(MG_ERR_IO, "%s: not a regular file", path));
    }
    unsigned char head[1040];
    size_t got = fread(head, 1, sizeof head, fp);
    fclose(fp);
    uint64_t size = (uint64_t)sb.st_size;
    int kind = detect_kind(head, got, size);
    if (kind == KIND_UNKNOWN) {
        char hex[64] = "";
        size_t hl = 0;
        for (size_t i = 0; i < got && i < 8; i++)
            hl += (size_t)snprintf(hex + hl, sizeof hex - hl, "%s%02x", i ? " " : "", head[i]);
        return cli_fail("info", mg_fail(MG_ERR_FORMAT,
                                        "%s: unrecognised file (not .npy, .safetensors, .png or .idx[.gz]; "
                                        "first bytes: %s)", path, got ? hex : "none, the file is empty"));
    }
    cJSON *out = json ? cJSON_CreateObject() : NULL;
    if (json) cJSON_AddStringToObject(out, "path", path);
    mg_status st;
    switch (kind) {
    case KIND_NPY: st = info_npy(path, size, json, want_stats, out); break;
    case KIND_SAFETENSORS: {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = (hl << 8) | head[i];
        st = info_safetensors(path, size, hl, json, want_stats, out);
        break;
    }
    default: st = info_image(path, kind, size, json, want_stats, out); break;
    }
    if (st != MG_OK) {
        cJSON_Delete(out);
        fflush(stdout);
        return cli_fail("info", st);
    }
    if (json) {
        char *text = cJSON_Print(out);
        if (!text) {
            cJSON_Delete(out);
            return cli_fail("info", mg_fail(MG_ERR_NOMEM, "out of memory printing JSON"));
        }
        printf("%s\n", text);
        free(text);
        cJSON_Delete(out);
    }
    return CLI_OK;
}
