/*
 * IDX files (MNIST / Fashion-MNIST), plain or gzip-compressed, into mg_arrays.
 *
 * Layout: bytes 0 0 <type> <ndim>, then ndim big-endian uint32 sizes, then the
 * big-endian data. A gzip file is inflated with zlib in two bounded steps: the
 * header first (at most 4 + 4*MG_MAX_DIMS bytes), which fixes the payload size,
 * then exactly that many bytes into a buffer of exactly that size; the stream
 * must then end cleanly (trailer CRC and length checked by zlib) with nothing
 * left over. Sizes are validated before any allocation: the payload must be at
 * most MG_IDX_MAX_BYTES and reachable from the compressed bytes present
 * (deflate cannot do better than about 1032:1), so a corrupt or hostile file
 * gives MG_ERR_FORMAT naming the file, never a huge allocation.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "memgen/fileio.h"
#include "memgen/idx.h"

/* Largest accepted payload (2 GiB). */
#define MG_IDX_MAX_BYTES ((uint64_t)1 << 31)
/* Largest accepted file: the largest payload plus the largest header. */
#define MG_IDX_MAX_FILE ((size_t)MG_IDX_MAX_BYTES + 4 + 4 * MG_MAX_DIMS)
/* Deflate's best possible compression ratio is about 1032:1; with slack. */
#define MG_IDX_MAX_RATIO 1040

/* A decoded IDX header. */
typedef struct {
    int type;            /* 0x08 .. 0x0E */
    int ndim;            /* 1 .. MG_MAX_DIMS */
    int64_t shape[MG_MAX_DIMS];
    size_t in_size;      /* bytes per element in the file */
    mg_dtype out_dtype;  /* dtype of the resulting array */
    uint64_t payload;    /* numel * in_size, validated <= MG_IDX_MAX_BYTES */
} idx_header;

/* Big-endian uint32 at p. */
static uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Decodes the 4-byte magic (needs 4 bytes); sets type, ndim, sizes. */
static mg_status parse_magic(const unsigned char *m, const char *name, idx_header *h) {
    memset(h, 0, sizeof *h);
    if (m[0] != 0 || m[1] != 0)
        return mg_fail(MG_ERR_FORMAT, "%s: not an IDX file (magic %02x %02x %02x %02x does not start with 00 00)",
                       name, m[0], m[1], m[2], m[3]);
    h->type = m[2];
    switch (h->type) {
    case 0x08: h->in_size = 1; h->out_dtype = MG_U8; break;
    case 0x09: h->in_size = 1; h->out_dtype = MG_I32; break;
    case 0x0B: h->in_size = 2; h->out_dtype = MG_I32; break;
    case 0x0C: h->in_size = 4; h->out_dtype = MG_I32; break;
    case 0x0D: h->in_size = 4; h->out_dtype = MG_F32; break;
    case 0x0E: h->in_size = 8; h->out_dtype = MG_F64; break;
    default:
        return mg_fail(MG_ERR_FORMAT, "%s: unknown IDX data type 0x%02x (expected 08, 09, 0B, 0C, 0D or 0E)",
                       name, h->type);
    }
    h->ndim = m[3];
    if (h->ndim < 1 || h->ndim > MG_MAX_DIMS)
        return mg_fail(MG_ERR_FORMAT, "%s: IDX rank %d is outside 1..%d", name, h->ndim, MG_MAX_DIMS);
    return MG_OK;
}

/* Decodes the sizes (4*ndim bytes at p) and validates the payload size. */
static mg_status parse_dims(const unsigned char *p, const char *name, idx_header *h) {
    uint64_t numel = 1;
    for (int i = 0; i < h->ndim; i++) {
        uint32_t s = be32(p + 4 * i);
        h->shape[i] = s;
        numel *= s; /* < 2^31 * 2^32: the check below keeps numel <= 2^31 between steps */
        if (numel > MG_IDX_MAX_BYTES / h->in_size)
            return mg_fail(MG_ERR_FORMAT, "%s: IDX header declares a payload larger than %llu bytes (corrupt header?)",
                           name, (unsigned long long)MG_IDX_MAX_BYTES);
    }
    h->payload = numel * h->in_size;
    return MG_OK;
}

/* Converts the big-endian payload (h->payload bytes at src) into out. */
static mg_status convert_payload(const unsigned char *src, const idx_header *h, const char *name, mg_array *out) {
    MG_TRY(mg_array_alloc(out, h->out_dtype, h->ndim, h->shape));
    int64_t n = mg_array_numel(out);
    switch (h->type) {
    case 0x08:
        if (n) memcpy(out->data, src, (size_t)n);
        break;
    case 0x09: {
        int32_t *d = (int32_t *)out->data;
        for (int64_t i = 0; i < n; i++) d[i] = (int8_t)src[i];
        break;
    }
    case 0x0B: {
        int32_t *d = (int32_t *)out->data;
        for (int64_t i = 0; i < n; i++) d[i] = (int16_t)(uint16_t)(((unsigned)src[2 * i] << 8) | src[2 * i + 1]);
        break;
    }
    case 0x0C: {
        int32_t *d = (int32_t *)out->data;
        for (int64_t i = 0; i < n; i++) d[i] = (int32_t)be32(src + 4 * i);
        break;
    }
    case 0x0D: {
        float *d = (float *)out->data;
        for (int64_t i = 0; i < n; i++) {
            uint32_t u = be32(src + 4 * i);
            memcpy(&d[i], &u, 4);
        }
        break;
    }
    case 0x0E: {
        double *d = (double *)out->data;
        for (int64_t i = 0; i < n; i++) {
            uint64_t u = ((uint64_t)be32(src + 8 * i) << 32) | be32(src + 8 * i + 4);
            memcpy(&d[i], &u, 8);
        }
        break;
    }
    default:
        mg_array_free(out);
        return mg_fail(MG_ERR_FORMAT, "%s: unknown IDX data type 0x%02x", name, h->type);
    }
    return MG_OK;
}

/* Parses an uncompressed IDX image: the file size must match the header. */
static mg_status read_plain(const unsigned char *b, size_t len, const char *name, mg_array *out) {
    idx_header h;
    if (len < 4) return mg_fail(MG_ERR_FORMAT, "%s: truncated IDX file (%zu bytes, no header)", name, len);
    MG_TRY(parse_magic(b, name, &h));
    size_t hdr = 4 + 4 * (size_t)h.ndim;
    if (len < hdr)
        return mg_fail(MG_ERR_FORMAT, "%s: truncated IDX header (%zu bytes, need %zu for %d dimensions)", name, len,
                       hdr, h.ndim);
    MG_TRY(parse_dims(b + 4, name, &h));
    if ((uint64_t)(len - hdr) != h.payload)
        return mg_fail(MG_ERR_FORMAT, "%s: IDX data is %zu bytes but the header implies %llu (%s)", name, len - hdr,
                       (unsigned long long)h.payload, len - hdr < h.payload ? "truncated" : "trailing garbage");
    return convert_payload(b + hdr, &h, name, out);
}

/* Inflates up to `want` bytes into dst; returns the zlib code of the last
 * call (Z_OK, Z_STREAM_END, or an error) and the bytes produced in *got. */
static int inflate_some(z_stream *zs, unsigned char *dst, size_t want, size_t *got) {
    size_t done = 0;
    int rc = Z_OK;
    while (done < want) {
        size_t chunk = want - done;
        if (chunk > (1u << 30)) chunk = 1u << 30;
        zs->next_out = dst + done;
        zs->avail_out = (uInt)chunk;
        rc = inflate(zs, Z_NO_FLUSH);
        done += chunk - zs->avail_out;
        if (rc != Z_OK) break; /* Z_STREAM_END, Z_BUF_ERROR (input exhausted) or an error */
    }
    *got = done;
    return rc;
}

/* A readable description of a zlib failure for messages. */
static const char *zerr(int rc, const z_stream *zs) {
    if (zs->msg) return zs->msg;
    switch (rc) {
    case Z_STREAM_END: return "stream ended";
    case Z_BUF_ERROR: return "compressed data ends early";
    case Z_MEM_ERROR: return "out of memory";
    default: return "corrupt compressed data";
    }
}

/* Parses a gzip-compressed IDX image with bounded inflation. */
static mg_status read_gzip(const unsigned char *b, size_t len, const char *name, mg_array *out) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return mg_fail(MG_ERR_NOMEM, "%s: cannot start zlib", name);
    mg_status st = MG_OK;
    unsigned char *payload = NULL;
    unsigned char hbuf[4 + 4 * MG_MAX_DIMS];
    idx_header h;
    size_t got;
    int rc;
    /* zlib's avail_in is 32-bit; files are capped at 2 GiB by the caller. */
    zs.next_in = (unsigned char *)b;
    zs.avail_in = (uInt)len;

    rc = inflate_some(&zs, hbuf, 4, &got);
    if (got < 4) {
        st = mg_fail(MG_ERR_FORMAT, "%s: gzip data ends before the IDX header (%s)", name, zerr(rc, &zs));
        goto done;
    }
    if ((st = parse_magic(hbuf, name, &h)) != MG_OK) goto done;
    rc = inflate_some(&zs, hbuf + 4, 4 * (size_t)h.ndim, &got);
    if (got < 4 * (size_t)h.ndim) {
        st = mg_fail(MG_ERR_FORMAT, "%s: gzip data ends inside the IDX header (%s)", name, zerr(rc, &zs));
        goto done;
    }
    if ((st = parse_dims(hbuf + 4, name, &h)) != MG_OK) goto done;
    if (h.payload > (uint64_t)MG_IDX_MAX_RATIO * len + 4096) {
        st = mg_fail(MG_ERR_FORMAT,
                     "%s: IDX header declares %llu data bytes, more than %zu compressed bytes can hold "
                     "(truncated or corrupt file)",
                     name, (unsigned long long)h.payload, len);
        goto done;
    }
    if (h.payload) {
        payload = (unsigned char *)malloc((size_t)h.payload); /* payload bytes, big-endian */
        if (!payload) {
            st = mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %llu bytes", name, (unsigned long long)h.payload);
            goto done;
        }
        rc = inflate_some(&zs, payload, (size_t)h.payload, &got);
        if (got < h.payload) {
            st = mg_fail(MG_ERR_FORMAT, "%s: IDX data truncated: %zu of %llu bytes (%s)", name, got,
                         (unsigned long long)h.payload, zerr(rc, &zs));
            goto done;
        }
    }
    /* The stream must end exactly here: no extra data, a valid trailer. */
    {
        unsigned char extra[1];
        rc = inflate_some(&zs, extra, 1, &got);
        if (got) {
            st = mg_fail(MG_ERR_FORMAT, "%s: IDX data is longer than the header implies (%llu bytes)", name,
                         (unsigned long long)h.payload);
            goto done;
        }
        if (rc != Z_STREAM_END) {
            st = mg_fail(MG_ERR_FORMAT, "%s: gzip stream does not end properly after the IDX data (%s)", name,
                         zerr(rc, &zs));
            goto done;
        }
        if (zs.avail_in) {
            st = mg_fail(MG_ERR_FORMAT, "%s: %u bytes of unexpected data after the gzip stream", name,
                         (unsigned)zs.avail_in);
            goto done;
        }
    }
    st = convert_payload(payload, &h, name, out);

done:
    inflateEnd(&zs);
    free(payload);
    return st;
}

/* Parses an IDX image in memory, gzip-compressed or not (caller frees out). */
mg_status mg_idx_read_mem(const void *buf, size_t len, const char *name, mg_array *out) {
    memset(out, 0, sizeof *out);
    if (!name) name = "<memory>";
    if (!buf && len) return mg_fail(MG_ERR_ARG, "%s: NULL buffer", name);
    if (len > MG_IDX_MAX_FILE)
        return mg_fail(MG_ERR_FORMAT, "%s: file too large (%zu bytes)", name, len);
    const unsigned char *b = (const unsigned char *)buf;
    if (len >= 2 && b[0] == 0x1f && b[1] == 0x8b) return read_gzip(b, len, name, out);
    return read_plain(b, len, name, out);
}

/* Reads an .idx or .idx.gz file (caller frees out). */
mg_status mg_idx_read(const char *path, mg_array *out) {
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    MG_TRY(mg_read_file(path, MG_IDX_MAX_FILE, &buf, &len));
    mg_status st = mg_idx_read_mem(buf, len, path, out);
    free(buf);
    return st;
}
