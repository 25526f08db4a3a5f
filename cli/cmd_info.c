/*
 * memgen info: what a data or model file holds. The kind is detected from
 * the magic bytes, not the name: .npy (version, dtype, shape, Fortran order,
 * sizes), .safetensors (every tensor's dtype and shape, every metadata
 * key=value, in natural order, after a summary of the model it holds), .png,
 * .jpg and .idx / .idx.gz (shape, dtype). For numeric data it
 * adds min/max/mean/std over the finite values and the NaN/Inf counts.
 * --json prints one machine-readable JSON object on stdout instead.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "memgen/dae.h"
#include "memgen/daeset.h"
#include "memgen/idx.h"
#include "memgen/jpeg.h"
#include "memgen/npy.h"
#include "memgen/safetensors.h"
#include "memgen/tcdae.h"

enum { KIND_UNKNOWN, KIND_NPY, KIND_SAFETENSORS, KIND_PNG, KIND_JPEG, KIND_IDX, KIND_IDX_GZ };

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen info FILE [options]\n\n"
            "Prints what FILE holds; the kind is detected from its first bytes:\n"
            "  .npy          format version, dtype, shape, Fortran order, sizes\n"
            "  .safetensors  a model's summary (kind, levels and sigmas, d, p, tied, bias,\n"
            "                training settings, or why it does not load as a memgen model),\n"
            "                each tensor's dtype and shape, each metadata key=value, in natural\n"
            "                order (level2 before level10); a DAE set shows level 0's tensors and\n"
            "                each per-level key once unless --all\n"
            "  .png, .jpg, .idx, .idx.gz   shape and dtype\n"
            "plus, for numeric data, min/max/mean/std of the finite values and the\n"
            "number of NaN and Inf values. Exits 1 with a one-line error on a bad file.\n\n"
            "options:\n"
            "  --json        print one JSON object on stdout instead (default: text)\n"
            "  --no-stats    skip the statistics (default: compute them)\n"
            "  --all         every level's tensors and metadata of a DAE set (default: folded)\n"
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
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return KIND_JPEG;
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

/* Compares two names naturally: runs of digits by value (level2 before
 * level10), everything else byte by byte. */
static int natcmp(const char *a, const char *b) {
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1])) a++;
            while (*b == '0' && isdigit((unsigned char)b[1])) b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la])) la++;
            while (isdigit((unsigned char)b[lb])) lb++;
            if (la != lb) return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c) return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b) return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* qsort comparator of natcmp over an array of names. */
static int natcmp_ptr(const void *x, const void *y) { return natcmp(*(const char *const *)x, *(const char *const *)y); }

/* The tensor names (what = 0) or metadata keys (what = 1) of st in natural
 * order; the caller frees the array (the strings belong to st). */
static const char **sorted_names(const mg_st *st, int what, int *count) {
    int n = what ? mg_st_meta_count(st) : mg_st_count(st);
    const char **v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v) return NULL;
    for (int i = 0; i < n; i++) v[i] = what ? mg_st_meta_key(st, i) : mg_st_name(st, i);
    qsort(v, (size_t)n, sizeof *v, natcmp_ptr);
    *count = n;
    return v;
}

/* The level of a name "level<k>.rest" (rest into *rest), or -1. */
static int level_of(const char *name, const char **rest) {
    if (strncmp(name, "level", 5) || !isdigit((unsigned char)name[5])) return -1;
    char *end;
    long k = strtol(name + 5, &end, 10);
    if (*end != '.' || k < 0 || k > 100000) return -1;
    *rest = end + 1;
    return (int)k;
}

/* Prints one metadata line "  key = value" with both escaped. */
static void print_meta(const char *key, const char *value) {
    printf("  ");
    print_escaped(key);
    printf(" = ");
    print_escaped(value);
    printf("\n");
}

/* The summary of a memgen model file printed before its tensors: kind, levels
 * and their sigmas, d, p, tied, bias and the training settings (those of level
 * 0 in a set), or why the file does not load as a memgen model (the loader's
 * own message, which names the expected tensors and layout). */
static void print_model_summary(const char *path, const mg_st *st) {
    const char *kind = mg_st_meta(st, "memgen.kind");
    const char *pre = kind && !strcmp(kind, "dae_set") ? "level0." : "";
    int tc = mg_tcdae_st_is(st, "");
    if (kind && strcmp(kind, "dae") && strcmp(kind, "dae_set") && strcmp(kind, "tc_dae")) {
        printf("kind:     %s\n", kind);
        return;
    }
    int any2d = 0;
    for (int i = 0; i < mg_st_count(st); i++) any2d |= mg_st_get(st, mg_st_name(st, i))->ndim == 2;
    if (!kind && !any2d) return; /* plain arrays, not a model */
    if (tc) {
        mg_tcdae *m = NULL;
        if (mg_tcdae_load(path, &m) != MG_OK) {
            printf("model:    not loadable as the time-conditioned model: %s\n", mg_last_error());
            return;
        }
        double lo, hi;
        mg_tcdae_sigma_range(m, &lo, &hi);
        printf("model:    time-conditioned DAE (tc_dae), sigma %g .. %g\n", lo, hi);
        mg_tcdae_free(m);
    } else {
        mg_daeset set;
        if (mg_daeset_load(path, &set) != MG_OK) {
            printf("model:    not loadable as a memgen DAE or DAE set: %s\n", mg_last_error());
            return;
        }
        const mg_dae *m = set.levels[0];
        if (kind && !strcmp(kind, "dae_set"))
            printf("model:    DAE set (dae_set), %d levels, sigma %g .. %g\n", set.count, set.sigmas[0],
                   set.sigmas[set.count - 1]);
        else
            printf("model:    single DAE (%s), sigma %g\n", kind ? kind : "no memgen.kind", set.sigmas[0]);
        printf("shape:    d = %lld, p = %lld, %s, %s\n", (long long)mg_dae_dim(m), (long long)mg_dae_hidden(m),
               mg_dae_is_tied(m) ? "tied (W2 = W1)" : "untied", mg_dae_has_bias(m) ? "biases b1, b2" : "no biases");
        mg_daeset_free(&set);
    }
    static const char *const train_keys[] = {"optim", "lr", "steps", "batch", "loss", "weight_decay", "lambda",
                                             "seed", "trained_by"};
    int shown = 0;
    for (size_t i = 0; i < sizeof train_keys / sizeof *train_keys; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", pre, train_keys[i]);
        const char *v = mg_st_meta(st, key);
        if (!v) continue;
        char *end;
        double num = strtod(v, &end);
        if (*v && !*end) printf("%s%s %.6g", shown++ ? ", " : "settings: ", train_keys[i], num);
        else printf("%s%s %s", shown++ ? ", " : "settings: ", train_keys[i], v);
    }
    if (shown) printf("%s\n", *pre ? " (level 0)" : "");
}

/* Prints the metadata of a DAE set compactly: keys outside the levels as they
 * are, then each per-level key once, as "level*.key = value" when every level
 * has the same value and "first .. last" when it differs. keys: sorted. */
static void print_meta_levels(const mg_st *st, const char **keys, int n, int levels) {
    for (int i = 0; i < n; i++) {
        const char *rest;
        if (level_of(keys[i], &rest) < 0) print_meta(keys[i], mg_st_meta(st, keys[i]));
    }
    for (int i = 0; i < n; i++) {
        const char *rest;
        if (level_of(keys[i], &rest) != 0) continue;
        const char *first = mg_st_meta(st, keys[i]), *last = first;
        int same = 1;
        for (int k = 1; k < levels; k++) {
            char key[300];
            snprintf(key, sizeof key, "level%d.%s", k, rest);
            const char *v = mg_st_meta(st, key);
            if (!v || strcmp(v, first)) same = 0;
            if (v) last = v;
        }
        char shown[300];
        snprintf(shown, sizeof shown, "level*.%s", rest);
        if (same) {
            print_meta(shown, first);
        } else {
            printf("  ");
            print_escaped(shown);
            printf(" = ");
            print_escaped(first);
            printf(" .. ");
            print_escaped(last);
            printf("  (differs by level)\n");
        }
    }
}

/* Reports a .safetensors file: a model summary first, tensors and metadata in
 * natural order; a DAE set's levels are folded into one unless all is set. */
static mg_status info_safetensors(const char *path, uint64_t size, uint64_t header_len, int json, int want_stats,
                                  int all, cJSON *out) {
    mg_st *st;
    MG_TRY(mg_st_read(path, &st));
    int n = 0, nm = 0;
    const char **names = sorted_names(st, 0, &n), **keys = sorted_names(st, 1, &nm);
    if (!names || !keys) {
        free(names);
        free(keys);
        mg_st_free(st);
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    const char *kind = mg_st_meta(st, "memgen.kind");
    int64_t levels = 0;
    if (kind && !strcmp(kind, "dae_set") && mg_st_meta_int(st, "count", &levels) != MG_OK) levels = 0;
    int fold = !all && levels > 1;
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
        print_model_summary(path, st);
        printf("tensors:  %d%s\n", n, fold ? " (level 0's shown; --all lists every level's)" : "");
    }
    int namew = 4;
    for (int i = 0; i < n; i++) {
        int l = (int)strlen(names[i]);
        if (l > namew) namew = l < 40 ? l : 40;
    }
    mg_status rc = MG_OK;
    for (int i = 0; i < n && rc == MG_OK; i++) {
        const char *name = names[i], *rest;
        if (!json && fold && level_of(name, &rest) > 0) continue;
        const mg_array *a = mg_st_get(st, name);
        stats s;
        if (want_stats && (rc = compute_stats(a, &s)) != MG_OK) {
            rc = mg_fail_context(rc, "%s: tensor '%s'", path, name);
            break;
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
    if (rc == MG_OK && json) {
        cJSON *meta = cJSON_AddObjectToObject(out, "metadata");
        for (int i = 0; i < nm; i++) cJSON_AddStringToObject(meta, keys[i], mg_st_meta(st, keys[i]));
    } else if (rc == MG_OK) {
        printf("metadata: %d%s\n", nm, fold ? " (per-level keys folded into level*; --all lists each)" : "");
        if (fold) print_meta_levels(st, keys, nm, (int)levels);
        else
            for (int i = 0; i < nm; i++) print_meta(keys[i], mg_st_meta(st, keys[i]));
    }
    free(names);
    free(keys);
    mg_st_free(st);
    return rc;
}

/* Reports a PNG, JPEG or IDX file (decoded into an array). */
static mg_status info_image(const char *path, int kind, uint64_t size, int json, int want_stats, cJSON *out) {
    mg_array a;
    if (kind == KIND_PNG || kind == KIND_JPEG) MG_TRY(mg_image_read(path, 0, &a));
    else MG_TRY(mg_idx_read(path, &a));
    stats s;
    if (want_stats) {
        mg_status rc = compute_stats(&a, &s);
        if (rc != MG_OK) {
            mg_array_free(&a);
            return rc;
        }
    }
    const char *fmt = kind == KIND_PNG ? "png" : kind == KIND_JPEG ? "jpeg" : "idx";
    if (json) {
        cJSON_AddStringToObject(out, "format", fmt);
        if (kind == KIND_IDX || kind == KIND_IDX_GZ) cJSON_AddBoolToObject(out, "gzip", kind == KIND_IDX_GZ);
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
        printf("shape:    %s%s\n", shape, kind == KIND_PNG || kind == KIND_JPEG ? " (height, width, channels)" : "");
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
    int json = 0, no_stats = 0, all = 0, first = 0;
    const cli_opt opts[] = {CLI_OPT_FLAG("json", &json), CLI_OPT_FLAG("no-stats", &no_stats), CLI_OPT_FLAG("all", &all),
                            CLI_OPT_END};
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
                                        "%s: unrecognised file (not .npy, .safetensors, .png, .jpg or .idx[.gz]; "
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
        st = info_safetensors(path, size, hl, json, want_stats, all, out);
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
