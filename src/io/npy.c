/*
 * NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0).
 *
 * Layout: "\x93NUMPY", major, minor, header length (u16 LE for 1.0, u32 LE for
 * 2.0/3.0), a Python dict literal {'descr': ..., 'fortran_order': ...,
 * 'shape': (...), } padded with spaces and '\n', then the raw array bytes.
 * The reader parses the dict itself (keys in any order, either quote style,
 * trailing commas, Python-2 'L' suffixes) and checks every size against the
 * file before allocating. The writer emits exactly what numpy.save writes
 * (NumPy >= 1.24: 21-digit growth space after the dict, total preamble a
 * multiple of 64 bytes).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "rawconv.h"

static const unsigned char NPY_MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
enum { NPY_ALIGN = 64, NPY_GROWTH_DIGITS = 21, NPY_HDR_CAP = 1024 };

/* A parsed header: what callers see plus how the data is stored. */
typedef struct {
    mg_npy_info info;
    mg_raw_kind raw; /* stored element type */
    int big_endian;  /* stored byte order */
} npy_hdr;

/* ---- header parsing ------------------------------------------------------ */

/* Cursor over the header text; name is the file for messages. */
typedef struct {
    const char *p, *e;
    const char *name;
} npy_cur;

/* Skips Python whitespace. */
static void cur_ws(npy_cur *c) {
    while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

/* Consumes ch after optional whitespace; returns 1 if it was there. */
static int cur_lit(npy_cur *c, char ch) {
    cur_ws(c);
    if (c->p < c->e && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* Consumes the identifier `word` (not followed by an identifier char). */
static int cur_word(npy_cur *c, const char *word) {
    size_t n = strlen(word);
    cur_ws(c);
    if ((size_t)(c->e - c->p) < n || memcmp(c->p, word, n) != 0) return 0;
    if ((size_t)(c->e - c->p) > n) {
        char nx = c->p[n];
        if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') || (nx >= '0' && nx <= '9') || nx == '_') return 0;
    }
    c->p += n;
    return 1;
}

/* Parses a quoted Python string literal (no escapes) into buf[cap]. */
static mg_status cur_str(npy_cur *c, char *buf, size_t cap, const char *what) {
    cur_ws(c);
    if (c->p >= c->e || (*c->p != '\'' && *c->p != '"'))
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: expected a quoted %s", c->name, what);
    char q = *c->p++;
    const char *s = c->p;
    while (c->p < c->e && *c->p != q) {
        if (*c->p == '\\')
            return mg_fail(MG_ERR_FORMAT, "%s: .npy header: escape sequence in the %s is not supported", c->name, what);
        c->p++;
    }
    if (c->p >= c->e) return mg_fail(MG_ERR_FORMAT, "%s: .npy header: unterminated string in the %s", c->name, what);
    size_t n = (size_t)(c->p - s);
    c->p++;
    if (n >= cap)
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: %s '%.*s...' is too long", c->name, what, 20, s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    return MG_OK;
}

/* Parses a nonnegative decimal integer (Python-2 'L' suffix allowed). */
static mg_status cur_dim(npy_cur *c, int64_t *v) {
    cur_ws(c);
    if (c->p < c->e && *c->p == '-')
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: negative dimension in the shape", c->name);
    if (c->p >= c->e || *c->p < '0' || *c->p > '9')
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: expected an integer in the shape tuple", c->name);
    int64_t x = 0;
    while (c->p < c->e && *c->p >= '0' && *c->p <= '9') {
        int d = *c->p - '0';
        if (x > (INT64_MAX - d) / 10)
            return mg_fail(MG_ERR_FORMAT, "%s: .npy header: shape entry does not fit in 64 bits", c->name);
        x = x * 10 + d;
        c->p++;
    }
    if (c->p < c->e && (*c->p == 'L' || *c->p == 'l')) c->p++;
    *v = x;
    return MG_OK;
}

/* Parses the shape tuple "()", "(3,)", "(2, 3)" into h. */
static mg_status cur_shape(npy_cur *c, npy_hdr *h) {
    if (!cur_lit(c, '('))
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: 'shape' is not a tuple", c->name);
    int n = 0, trailing_comma = 0;
    for (;;) {
        if (cur_lit(c, ')')) break;
        if (n == MG_MAX_DIMS)
            return mg_fail(MG_ERR_UNSUPPORTED, "%s: array has more than %d dimensions", c->name, MG_MAX_DIMS);
        MG_TRY(cur_dim(c, &h->info.shape[n]));
        n++;
        trailing_comma = 0;
        if (cur_lit(c, ',')) {
            trailing_comma = 1;
            continue;
        }
        if (cur_lit(c, ')')) break;
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: expected ',' or ')' in the shape tuple", c->name);
    }
    if (n == 1 && !trailing_comma)
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: shape (%lld) is not a tuple (a 1-D shape is written (n,))",
                       c->name, (long long)h->info.shape[0]);
    h->info.ndim = n;
    return MG_OK;
}

/* Maps a descr string ("<f4", ">i8", "|u1", ...) to the stored type. */
static mg_status parse_descr(const char *descr, const char *name, npy_hdr *h) {
    const char *t = descr;
    h->big_endian = 0;
    if (*t == '<' || *t == '|' || *t == '=') t++;
    else if (*t == '>') {
        h->big_endian = 1;
        t++;
    }
    static const struct {
        const char *code;
        mg_raw_kind raw;
    } map[] = {
        {"f2", MG_RAW_F16}, {"f4", MG_RAW_F32}, {"f8", MG_RAW_F64}, {"u1", MG_RAW_U8},  {"b1", MG_RAW_BOOL},
        {"i1", MG_RAW_I8},  {"i2", MG_RAW_I16}, {"u2", MG_RAW_U16}, {"i4", MG_RAW_I32}, {"u4", MG_RAW_U32},
        {"i8", MG_RAW_I64},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (!strcmp(t, map[i].code)) {
            h->raw = map[i].raw;
            h->info.dtype = mg_raw_dtype(map[i].raw);
            if (mg_raw_size(h->raw) == 1) h->big_endian = 0;
            return MG_OK;
        }
    }
    return mg_fail(MG_ERR_UNSUPPORTED,
                   "%s: dtype '%s' is not supported (memgen reads float16/32/64, uint8/16/32, int8/16/32/64 "
                   "and bool arrays; convert with arr.astype(np.float32))", name, descr);
}

/* Parses the header dict text h[0..n) into hd. */
static mg_status parse_dict(const char *text, size_t n, const char *name, npy_hdr *hd) {
    npy_cur c = {text, text + n, name};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    char descr[sizeof hd->info.descr];
    if (!cur_lit(&c, '{'))
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header is not a Python dict literal (no '{')", name);
    for (;;) {
        if (cur_lit(&c, '}')) break;
        char key[32];
        MG_TRY(cur_str(&c, key, sizeof key, "dict key"));
        if (!cur_lit(&c, ':'))
            return mg_fail(MG_ERR_FORMAT, "%s: .npy header: expected ':' after the key '%s'", name, key);
        int *seen;
        if (!strcmp(key, "descr")) {
            seen = &have_descr;
            cur_ws(&c);
            if (c.p < c.e && (*c.p == '[' || *c.p == '{'))
                return mg_fail(MG_ERR_UNSUPPORTED, "%s: structured dtypes are not supported; save a plain numeric array", name);
            MG_TRY(cur_str(&c, descr, sizeof descr, "descr"));
        } else if (!strcmp(key, "fortran_order")) {
            seen = &have_fortran;
            if (cur_word(&c, "True")) hd->info.fortran_order = 1;
            else if (cur_word(&c, "False")) hd->info.fortran_order = 0;
            else return mg_fail(MG_ERR_FORMAT, "%s: .npy header: 'fortran_order' is not True or False", name);
        } else if (!strcmp(key, "shape")) {
            seen = &have_shape;
            MG_TRY(cur_shape(&c, hd));
        } else {
            return mg_fail(MG_ERR_FORMAT,
                           "%s: .npy header has the unexpected key '%s' (expected 'descr', 'fortran_order', 'shape')", name, key);
        }
        if (*seen) return mg_fail(MG_ERR_FORMAT, "%s: .npy header repeats the key '%s'", name, key);
        *seen = 1;
        if (cur_lit(&c, ',')) continue;
        if (cur_lit(&c, '}')) break;
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header: expected ',' or '}' after the value of '%s'", name, key);
    }
    cur_ws(&c);
    if (c.p != c.e) return mg_fail(MG_ERR_FORMAT, "%s: .npy header: unexpected text after the dict", name);
    if (!have_descr || !have_fortran || !have_shape)
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header lacks the key '%s'", name,
                       !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    memcpy(hd->info.descr, descr, sizeof descr);
    return parse_descr(descr, name, hd);
}

/* Checks magic and version in b[0..avail) and finds the header extent;
 * total is the whole file size. */
static mg_status npy_preamble(const unsigned char *b, size_t avail, uint64_t total, const char *name,
                              npy_hdr *h, size_t *hdr_off, size_t *hdr_len) {
    size_t m = avail < 6 ? avail : 6;
    if (memcmp(b, NPY_MAGIC, m) != 0)
        return mg_fail(MG_ERR_FORMAT, "%s: not an .npy file (bad magic; expected \\x93NUMPY)", name);
    if (avail < 10)
        return mg_fail(MG_ERR_FORMAT, "%s: truncated .npy file (%zu bytes; the preamble alone needs 10)", name, avail);
    h->info.major = b[6];
    h->info.minor = b[7];
    if (!((b[6] >= 1 && b[6] <= 3) && b[7] == 0))
        return mg_fail(MG_ERR_UNSUPPORTED, "%s: .npy format version %d.%d is not supported (1.0, 2.0, 3.0 are)", name,
                       b[6], b[7]);
    if (b[6] == 1) {
        *hdr_off = 10;
        *hdr_len = (size_t)b[8] | (size_t)b[9] << 8;
    } else {
        if (avail < 12)
            return mg_fail(MG_ERR_FORMAT, "%s: truncated .npy file (%zu bytes; a version %d.0 preamble needs 12)", name,
                           avail, b[6]);
        *hdr_off = 12;
        *hdr_len = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    }
    if ((uint64_t)*hdr_len > total - *hdr_off)
        return mg_fail(MG_ERR_FORMAT, "%s: .npy header length %zu runs past the end of the file (%llu bytes): truncated?",
                       name, *hdr_len, (unsigned long long)total);
    return MG_OK;
}

/* Parses preamble + header in b[0..avail) (avail covers the whole header)
 * and checks the data size against the file size `total`. */
static mg_status npy_parse(const unsigned char *b, size_t avail, uint64_t total, const char *name, npy_hdr *h) {
    memset(h, 0, sizeof *h);
    size_t off, hlen;
    MG_TRY(npy_preamble(b, avail, total, name, h, &off, &hlen));
    if (avail < off + hlen)
        return mg_fail(MG_ERR_FORMAT, "%s: truncated .npy header", name);
    const char *text = (const char *)b + off;
    for (size_t i = 0; i < hlen; i++)
        if (text[i] == '\0') return mg_fail(MG_ERR_FORMAT, "%s: .npy header contains a NUL byte", name);
    MG_TRY(parse_dict(text, hlen, name, h));
    mg_npy_info *in = &h->info;
    if (in->fortran_order && in->ndim > 2)
        return mg_fail(MG_ERR_UNSUPPORTED,
                       "%s: Fortran-ordered array of %d dimensions; save it in C order (np.ascontiguousarray) first",
                       name, in->ndim);
    /* Same overflow rule as mg_array_alloc: sequential product in size_t. */
    size_t numel = 1, bytes, decoded;
    char sh[256];
    mg_shape_str(in->ndim, in->shape, sh, sizeof sh);
    for (int i = 0; i < in->ndim; i++)
        if (mg_mul_overflow_size(numel, (size_t)in->shape[i], &numel)) goto overflow;
    if (mg_mul_overflow_size(numel, mg_raw_size(h->raw), &bytes) || bytes > (size_t)INT64_MAX ||
        mg_mul_overflow_size(numel, mg_dtype_size(in->dtype), &decoded))
        goto overflow;
    in->data_offset = off + hlen;
    in->data_bytes = bytes;
    uint64_t have = total - in->data_offset;
    if (have < bytes)
        return mg_fail(MG_ERR_FORMAT, "%s: truncated .npy data: shape %s of %s needs %zu bytes, the file has %llu (%llu missing)",
                       name, sh, in->descr, bytes, (unsigned long long)have,
                       (unsigned long long)(bytes - have));
    if (have > bytes)
        return mg_fail(MG_ERR_FORMAT, "%s: %llu bytes of trailing data after the array (the header says %zu data bytes)",
                       name, (unsigned long long)(have - bytes), bytes);
    return MG_OK;
overflow:
    return mg_fail(MG_ERR_FORMAT, "%s: .npy shape %s is impossibly large (size overflows)", name, sh);
}

/* Allocates *out and decodes the stored data (byte order, widening, Fortran
 * order) into it. */
static mg_status npy_decode(const npy_hdr *h, const unsigned char *data, const char *name, mg_array *out) {
    const mg_npy_info *in = &h->info;
    mg_status st = mg_array_alloc(out, in->dtype, in->ndim, in->shape);
    if (st != MG_OK) return mg_fail_context(st, "%s", name);
    size_t n = (size_t)mg_array_numel(out);
    if (!in->fortran_order || in->ndim < 2 || n == 0) {
        mg_raw_decode(data, h->raw, h->big_endian, n, out->data);
        return MG_OK;
    }
    /* Fortran 2-D: element (i, j) is stored at j*rows + i. */
    size_t es = mg_dtype_size(in->dtype);
    unsigned char *tmp = mg_alloc(n, es); /* (cols, rows) C order */
    if (!tmp) {
        mg_array_free(out);
        return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %zu bytes to transpose", name, n * es);
    }
    mg_raw_decode(data, h->raw, h->big_endian, n, tmp);
    size_t rows = (size_t)in->shape[0], cols = (size_t)in->shape[1];
    unsigned char *dst = out->data;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) memcpy(dst + (i * cols + j) * es, tmp + (j * rows + i) * es, es);
    free(tmp);
    return MG_OK;
}

/* ---- reading --------------------------------------------------------------- */

/* Parses the header of an in-memory .npy image. */
mg_status mg_npy_inspect_mem(const void *buf, size_t len, const char *name, mg_npy_info *info) {
    npy_hdr h;
    if (!name) name = "<memory>";
    MG_TRY(npy_parse(buf, len, len, name, &h));
    *info = h.info;
    return MG_OK;
}

/* Parses an in-memory .npy image into *out (caller frees). */
mg_status mg_npy_read_mem(const void *buf, size_t len, const char *name, mg_array *out) {
    npy_hdr h;
    memset(out, 0, sizeof *out);
    if (!name) name = "<memory>";
    MG_TRY(npy_parse(buf, len, len, name, &h));
    return npy_decode(&h, (const unsigned char *)buf + h.info.data_offset, name, out);
}

/* Reads exactly n bytes or fails naming the file. */
static mg_status read_exact(FILE *fp, void *dst, size_t n, const char *path) {
    if (n && fread(dst, 1, n, fp) != n)
        return mg_fail(MG_ERR_IO, "%s: short read (%s)", path, ferror(fp) ? strerror(errno) : "file shrank while reading");
    return MG_OK;
}

/* Opens path and parses its header; on success *fp is positioned at the data
 * (caller closes). */
static mg_status npy_open(const char *path, FILE **fpp, npy_hdr *h) {
    *fpp = NULL;
    FILE *fp;
    uint64_t total;
    MG_TRY(mg_open_regular(path, &fp, &total));
    unsigned char pre[12];
    size_t got = fread(pre, 1, total < 12 ? (size_t)total : 12, fp);
    size_t off, hlen;
    mg_status st = npy_preamble(pre, got, total, path, h, &off, &hlen);
    if (st != MG_OK) {
        fclose(fp);
        return st;
    }
    unsigned char *buf = malloc(off + hlen);
    if (!buf) {
        fclose(fp);
        return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate the %zu-byte header", path, hlen);
    }
    /* pre may already hold bytes past the header when the header is tiny. */
    size_t keep = got < off + hlen ? got : off + hlen;
    memcpy(buf, pre, keep);
    st = read_exact(fp, buf + keep, off + hlen - keep, path);
    if (st == MG_OK) st = npy_parse(buf, off + hlen, total, path, h);
    if (st == MG_OK && fseeko(fp, (off_t)h->info.data_offset, SEEK_SET) != 0)
        st = mg_fail(MG_ERR_IO, "%s: cannot seek to the data: %s", path, strerror(errno));
    free(buf);
    if (st != MG_OK) {
        fclose(fp);
        return st;
    }
    *fpp = fp;
    return MG_OK;
}

/* Header of a file without its data. */
mg_status mg_npy_inspect(const char *path, mg_npy_info *info) {
    FILE *fp;
    npy_hdr h;
    MG_TRY(npy_open(path, &fp, &h));
    fclose(fp);
    *info = h.info;
    return MG_OK;
}

/* Reads an .npy file into *out (caller frees). */
mg_status mg_npy_read(const char *path, mg_array *out) {
    FILE *fp;
    npy_hdr h;
    memset(out, 0, sizeof *out);
    MG_TRY(npy_open(path, &fp, &h));
    mg_status st;
    int fortran = h.info.fortran_order && h.info.ndim >= 2;
    if (mg_raw_is_direct(h.raw, h.big_endian) && !fortran) {
        /* Common case: read straight into the array. */
        st = mg_array_alloc(out, h.info.dtype, h.info.ndim, h.info.shape);
        if (st != MG_OK) st = mg_fail_context(st, "%s", path);
        else st = read_exact(fp, out->data, h.info.data_bytes, path);
    } else {
        unsigned char *raw = h.info.data_bytes ? malloc(h.info.data_bytes) : NULL;
        if (h.info.data_bytes && !raw) st = mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, h.info.data_bytes);
        else st = read_exact(fp, raw, h.info.data_bytes, path);
        if (st == MG_OK) st = npy_decode(&h, raw, path, out);
        free(raw);
    }
    fclose(fp);
    if (st != MG_OK) mg_array_free(out);
    return st;
}

/* Reads an .npy file as float32. */
mg_status mg_npy_read_f32(const char *path, mg_array *out) {
    mg_array a;
    memset(out, 0, sizeof *out);
    MG_TRY(mg_npy_read(path, &a));
    if (a.dtype == MG_F32) {
        *out = a;
        return MG_OK;
    }
    mg_status st = mg_array_to_f32(&a, out);
    mg_array_free(&a);
    if (st != MG_OK) return mg_fail_context(st, "%s", path);
    return MG_OK;
}

/* Reads a float32 matrix: 2-D as is, 1-D as a row or column, higher ranks
 * flattened to (shape[0], rest). */
mg_status mg_npy_read_matrix(const char *path, const char *what, int as_column, mg_array *out) {
    if (!what) what = "matrix";
    mg_status st = mg_npy_read_f32(path, out);
    if (st != MG_OK) return mg_fail_context(st, "%s", what);
    if (out->ndim == 2) return MG_OK;
    if (out->ndim == 0) {
        mg_array_free(out);
        return mg_fail(MG_ERR_SHAPE, "%s: %s holds a 0-d scalar, expected a matrix (one sample per row)", what, path);
    }
    int64_t rows, cols;
    if (out->ndim == 1) {
        rows = as_column ? out->shape[0] : 1;
        cols = as_column ? 1 : out->shape[0];
    } else {
        size_t rest = 1;
        for (int i = 1; i < out->ndim; i++) {
            if (mg_mul_overflow_size(rest, (size_t)out->shape[i], &rest) || rest > (size_t)INT64_MAX) {
                mg_array_free(out);
                return mg_fail(MG_ERR_SHAPE, "%s: %s: the trailing dimensions are too large to flatten", what, path);
            }
        }
        rows = out->shape[0];
        cols = (int64_t)rest;
    }
    for (int i = 0; i < MG_MAX_DIMS; i++) out->shape[i] = 0;
    out->ndim = 2;
    out->shape[0] = rows;
    out->shape[1] = cols;
    return MG_OK;
}

/* ---- mapping a matrix ------------------------------------------------------- */

/* Maps path's float32 matrix, or reads it (npy.h). */
mg_status mg_npy_map_matrix(const char *path, const char *what, mg_npy_map *m, mg_mat *out) {
    memset(m, 0, sizeof *m);
    if (!what) what = "matrix";
    FILE *fp;
    npy_hdr h;
    mg_status st = npy_open(path, &fp, &h);
    if (st != MG_OK) return mg_fail_context(st, "%s", what);
    int64_t rows = h.info.ndim >= 2 ? h.info.shape[0] : 1, cols = 1;
    for (int i = h.info.ndim >= 2 ? 1 : 0; i < h.info.ndim; i++) cols *= h.info.shape[i]; /* npy_parse bounded it */
    int direct = h.info.dtype == MG_F32 && mg_raw_is_direct(h.raw, h.big_endian) && h.info.ndim >= 1 &&
                 !(h.info.fortran_order && h.info.ndim >= 2) && h.info.data_offset % sizeof(float) == 0 &&
                 h.info.data_bytes > 0;
    if (direct) {
        m->len = h.info.data_offset + h.info.data_bytes;
        void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
        if (p != MAP_FAILED) m->base = p;
        else m->len = 0; /* cannot map (a pipe, a file system without mmap): read it instead */
    }
    fclose(fp);
    if (m->base) {
        *out = (mg_mat){rows, cols, cols, (float *)((char *)m->base + h.info.data_offset)};
        return MG_OK;
    }
    MG_TRY(mg_npy_read_matrix(path, what, 0, &m->owned));
    *out = mg_mat_of_array(&m->owned);
    return MG_OK;
}

/* Releases a mapped or read matrix. */
void mg_npy_unmap(mg_npy_map *m) {
    if (m->base) munmap(m->base, m->len);
    mg_array_free(&m->owned);
    memset(m, 0, sizeof *m);
}

/* ---- reading in row chunks ------------------------------------------------- */

/* An open file, its header, and a scratch buffer for stored bytes. */
struct mg_npy_rows {
    FILE *fp;
    npy_hdr h;
    char *path;
    int64_t width;         /* elements per row */
    unsigned char *raw;    /* scratch: stored bytes */
    size_t raw_cap;
    unsigned char *dec;    /* scratch: decoded values before the float32 conversion */
    size_t dec_cap;
};

/* Opens a file for reading rows. */
mg_status mg_npy_rows_open(const char *path, mg_npy_rows **out) {
    *out = NULL;
    mg_npy_rows *r = calloc(1, sizeof *r);
    if (!r) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    r->path = malloc(strlen(path) + 1);
    if (!r->path) {
        free(r);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    }
    strcpy(r->path, path);
    mg_status st = npy_open(path, &r->fp, &r->h);
    if (st == MG_OK && r->h.info.ndim < 1)
        st = mg_fail(MG_ERR_SHAPE, "%s: holds a 0-d scalar, expected an array of rows", path);
    r->width = 1;
    for (int i = 1; st == MG_OK && i < r->h.info.ndim; i++) /* fits: npy_parse checked the size */
        r->width *= r->h.info.shape[i];
    if (st != MG_OK) {
        mg_npy_rows_close(r);
        return st;
    }
    /* blocks are read in order, mostly: ask the kernel for a larger read-ahead */
    (void)posix_fadvise(fileno(r->fp), (off_t)r->h.info.data_offset, 0, POSIX_FADV_SEQUENTIAL);
    *out = r;
    return MG_OK;
}

/* The header. */
const mg_npy_info *mg_npy_rows_info(const mg_npy_rows *r) { return &r->h.info; }

/* Elements per row. */
int64_t mg_npy_rows_width(const mg_npy_rows *r) { return r->width; }

/* Grows a scratch buffer (*buf of *cap bytes) to n bytes. */
static mg_status rows_grow(mg_npy_rows *r, unsigned char **buf, size_t *cap, size_t n) {
    if (n <= *cap) return MG_OK;
    unsigned char *p = realloc(*buf, n);
    if (!p) return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %zu bytes for a block of rows", r->path, n);
    *buf = p;
    *cap = n;
    return MG_OK;
}

/* Grows the stored-bytes scratch to n bytes. */
static mg_status rows_scratch(mg_npy_rows *r, size_t n) { return rows_grow(r, &r->raw, &r->raw_cap, n); }

/* Reads n stored bytes at data offset `at` into dst. */
static mg_status rows_pread(mg_npy_rows *r, uint64_t at, void *dst, size_t n) {
    if (fseeko(r->fp, (off_t)(r->h.info.data_offset + at), SEEK_SET) != 0)
        return mg_fail(MG_ERR_IO, "%s: cannot seek: %s", r->path, strerror(errno));
    return read_exact(r->fp, dst, n, r->path);
}

/* Rows [r0, r0 + k) decoded to info.dtype into dst. */
mg_status mg_npy_rows_read(mg_npy_rows *r, int64_t r0, int64_t k, void *dst) {
    const mg_npy_info *in = &r->h.info;
    if (r0 < 0 || k < 0 || r0 > in->shape[0] || k > in->shape[0] - r0)
        return mg_fail(MG_ERR_ARG, "%s: rows [%lld, %lld) out of range (the file has %lld rows)", r->path,
                       (long long)r0, (long long)(r0 + k), (long long)in->shape[0]);
    size_t n = (size_t)k * (size_t)r->width, rs = mg_raw_size(r->h.raw), es = mg_dtype_size(in->dtype);
    if (n == 0) return MG_OK;
    if (in->fortran_order && in->ndim == 2) {
        /* element (i, j) is stored at j*rows + i: read each column's run of k values */
        int64_t rows = in->shape[0], cols = in->shape[1];
        MG_TRY(rows_scratch(r, (size_t)k * (rs + es)));
        unsigned char *col = r->raw + (size_t)k * rs, *d = dst;
        for (int64_t j = 0; j < cols; j++) {
            MG_TRY(rows_pread(r, ((uint64_t)j * (uint64_t)rows + (uint64_t)r0) * rs, r->raw, (size_t)k * rs));
            mg_raw_decode(r->raw, r->h.raw, r->h.big_endian, (size_t)k, col);
            for (int64_t i = 0; i < k; i++)
                memcpy(d + ((size_t)i * (size_t)cols + (size_t)j) * es, col + (size_t)i * es, es);
        }
        return MG_OK;
    }
    uint64_t at = (uint64_t)r0 * (uint64_t)r->width * rs;
    if (mg_raw_is_direct(r->h.raw, r->h.big_endian)) return rows_pread(r, at, dst, n * rs);
    MG_TRY(rows_scratch(r, n * rs));
    MG_TRY(rows_pread(r, at, r->raw, n * rs));
    mg_raw_decode(r->raw, r->h.raw, r->h.big_endian, n, dst);
    return MG_OK;
}

/* Rows [r0, r0 + k) as float32 (the conversion of mg_array_to_f32). */
mg_status mg_npy_rows_read_f32(mg_npy_rows *r, int64_t r0, int64_t k, float *dst) {
    const mg_npy_info *in = &r->h.info;
    if (in->dtype == MG_F32) return mg_npy_rows_read(r, r0, k, dst);
    if (k <= 0) return mg_npy_rows_read(r, r0, k, dst); /* nothing, or the range error */
    size_t n = (size_t)k * (size_t)r->width;
    MG_TRY(rows_grow(r, &r->dec, &r->dec_cap, n * mg_dtype_size(in->dtype)));
    MG_TRY(mg_npy_rows_read(r, r0, k, r->dec));
    mg_status st = mg_convert_to_f32(in->dtype, r->dec, (int64_t)n, dst);
    if (st != MG_OK)
        st = mg_fail_context(st, "%s, rows [%lld, %lld)", r->path, (long long)r0, (long long)(r0 + k));
    return st;
}

/* Closes and frees. */
void mg_npy_rows_close(mg_npy_rows *r) {
    if (!r) return;
    if (r->fp) fclose(r->fp);
    free(r->raw);
    free(r->dec);
    free(r->path);
    free(r);
}

/* ---- writing --------------------------------------------------------------- */

/* Checks a is writable as .npy and returns its descr and data size. */
static mg_status npy_check_array(const mg_array *a, const char **descr, size_t *nbytes) {
    switch (a->dtype) {
    case MG_F32: *descr = "<f4"; break;
    case MG_F64: *descr = "<f8"; break;
    case MG_U8: *descr = "|u1"; break;
    case MG_I32: *descr = "<i4"; break;
    case MG_I64: *descr = "<i8"; break;
    case MG_F16: *descr = "<f2"; break;
    case MG_BF16:
        return mg_fail(MG_ERR_UNSUPPORTED, ".npy has no bfloat16 dtype; convert the array to float32 first");
    default: return mg_fail(MG_ERR_ARG, "cannot write an array of invalid dtype %d", (int)a->dtype);
    }
    if (a->ndim < 0 || a->ndim > MG_MAX_DIMS) return mg_fail(MG_ERR_ARG, "array rank %d out of range 0..%d", a->ndim, MG_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] < 0) return mg_fail(MG_ERR_ARG, "array has a negative dimension %lld", (long long)a->shape[i]);
        if (mg_mul_overflow_size(n, (size_t)a->shape[i], &n)) return mg_fail(MG_ERR_ARG, "array size overflows");
    }
    if (mg_mul_overflow_size(n, mg_dtype_size(a->dtype), nbytes)) return mg_fail(MG_ERR_ARG, "array size overflows");
    if (*nbytes && !a->data) return mg_fail(MG_ERR_ARG, "array of %zu bytes has no data", *nbytes);
    return MG_OK;
}

/* Builds the preamble + header numpy.save writes for a into hdr[NPY_HDR_CAP];
 * returns its length (a multiple of 64). */
static size_t npy_build_header(const mg_array *a, const char *descr, unsigned char *hdr) {
    char dict[NPY_HDR_CAP];
    size_t n = (size_t)snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
    for (int i = 0; i < a->ndim; i++)
        n += (size_t)snprintf(dict + n, sizeof dict - n, "%s%lld", i ? ", " : "", (long long)a->shape[i]);
    n += (size_t)snprintf(dict + n, sizeof dict - n, "%s), }", a->ndim == 1 ? "," : "");
    if (a->ndim > 0) { /* room to grow the first axis in place, as numpy does */
        int digits = snprintf(NULL, 0, "%lld", (long long)a->shape[0]);
        for (int i = digits; i < NPY_GROWTH_DIGITS; i++) dict[n++] = ' ';
    }
    size_t hlen = n + 1; /* + '\n' */
    int major = 1;
    size_t prefix = 10;
    size_t pad = NPY_ALIGN - (prefix + hlen) % NPY_ALIGN;
    if (hlen + pad > 65535) {
        major = 2;
        prefix = 12;
        pad = NPY_ALIGN - (prefix + hlen) % NPY_ALIGN;
    }
    size_t field = hlen + pad;
    memcpy(hdr, NPY_MAGIC, 6);
    hdr[6] = (unsigned char)major;
    hdr[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++) hdr[8 + i] = (unsigned char)(field >> (8 * i));
    memcpy(hdr + prefix, dict, n);
    memset(hdr + prefix + n, ' ', pad);
    hdr[prefix + n + pad] = '\n';
    return prefix + field;
}

/* The preamble + header numpy.save writes for an array of dtype dt and the
 * given shape, into buf[cap] (see npy.h). */
mg_status mg_npy_header(mg_dtype dt, int ndim, const int64_t *shape, unsigned char *buf, size_t cap, size_t *len) {
    mg_array a;
    memset(&a, 0, sizeof a);
    if (ndim < 0 || ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_ARG, "array rank %d out of range 0..%d", ndim, MG_MAX_DIMS);
    a.dtype = dt;
    a.ndim = ndim;
    for (int i = 0; i < ndim; i++) a.shape[i] = shape[i];
    a.data = buf; /* not read: only the header is built */
    const char *descr;
    size_t nbytes;
    MG_TRY(npy_check_array(&a, &descr, &nbytes));
    unsigned char hdr[NPY_HDR_CAP];
    size_t hl = npy_build_header(&a, descr, hdr);
    if (hl > cap) return mg_fail(MG_ERR_ARG, ".npy header of %zu bytes does not fit in %zu", hl, cap);
    memcpy(buf, hdr, hl);
    *len = hl;
    return MG_OK;
}

/* Serialises a into a malloc'd .npy image (caller frees *out). */
mg_status mg_npy_encode(const mg_array *a, unsigned char **out, size_t *len) {
    const char *descr;
    size_t nbytes, total;
    *out = NULL;
    *len = 0;
    MG_TRY(npy_check_array(a, &descr, &nbytes));
    unsigned char hdr[NPY_HDR_CAP];
    size_t hl = npy_build_header(a, descr, hdr);
    if (nbytes > SIZE_MAX - hl) return mg_fail(MG_ERR_NOMEM, "array too large to encode");
    total = hl + nbytes;
    unsigned char *buf = malloc(total);
    if (!buf) return mg_fail(MG_ERR_NOMEM, "cannot allocate %zu bytes for an .npy image", total);
    memcpy(buf, hdr, hl);
    if (nbytes) memcpy(buf + hl, a->data, nbytes);
    *out = buf;
    *len = total;
    return MG_OK;
}

/* Writes a to path atomically. */
mg_status mg_npy_write(const char *path, const mg_array *a) {
    const char *descr;
    size_t nbytes;
    mg_status st = npy_check_array(a, &descr, &nbytes);
    if (st != MG_OK) return mg_fail_context(st, "writing %s", path);
    unsigned char hdr[NPY_HDR_CAP];
    size_t hl = npy_build_header(a, descr, hdr);
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    if (fwrite(hdr, 1, hl, af.fp) != hl || (nbytes && fwrite(a->data, 1, nbytes, af.fp) != nbytes)) {
        int e = errno;
        mg_atomic_abort(&af);
        return mg_fail(MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return mg_atomic_commit(&af);
}

/* Writes a float32 buffer of the given shape. */
mg_status mg_npy_write_f32(const char *path, const float *data, int ndim, const int64_t *shape) {
    mg_array a;
    memset(&a, 0, sizeof a);
    if (ndim < 0 || ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_ARG, "writing %s: array rank %d out of range 0..%d", path, ndim, MG_MAX_DIMS);
    a.dtype = MG_F32;
    a.ndim = ndim;
    for (int i = 0; i < ndim; i++) a.shape[i] = shape[i];
    a.data = (void *)data; /* only read */
    return mg_npy_write(path, &a);
}
