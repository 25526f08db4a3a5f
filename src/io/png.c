/*
 * PNG images through libpng: reading (file or memory) into uint8 arrays for
 * datasets, writing 8-bit images and sample grids, all atomically.
 *
 * Every libpng error is turned into MG_ERR_FORMAT (reading) or MG_ERR_IO
 * (writing) naming the file: libpng's error callback longjmps back into the
 * function that set it up, and the warning callback is silent, so libpng never
 * prints or aborts. Decompression bombs are refused before any image buffer
 * is allocated: dimensions are capped (png_set_user_limits) and the raw image
 * size must be reachable from the compressed bytes actually present (deflate
 * cannot compress better than about 1032:1).
 *
 * Reading follows PIL's Image.open(f).convert("RGB"/"L") so that datasets
 * match the torchvision pipelines researchers use: 16-bit samples keep their
 * high byte, palettes and 1/2/4-bit gray are expanded, alpha and tRNS
 * transparency are dropped (not composited), gamma chunks are ignored, and
 * RGB -> gray is PIL's integer ITU-R 601-2 luma
 * L = (19595 R + 38470 G + 7471 B + 32768) >> 16.
 */
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "memgen/fileio.h"
#include "memgen/png.h"
#include "imgconv.h"

/* Largest accepted width and height; 16384^2 = 256 Mi pixels. */
#define MG_PNG_MAX_DIM 16384
/* Largest PNG file read from disk (bytes). */
#define MG_PNG_MAX_FILE ((size_t)1 << 30)
/* Deflate's best possible compression ratio is about 1032:1; with slack. */
#define MG_PNG_MAX_RATIO 1040

/* Error state shared with libpng's callbacks: the jump target and message. */
typedef struct {
    jmp_buf jb;
    char msg[256];
} png_err;

/* libpng error callback: records the message and jumps back (never returns). */
static void on_png_error(png_structp png, png_const_charp msg) {
    png_err *e = (png_err *)png_get_error_ptr(png);
    snprintf(e->msg, sizeof e->msg, "%s", msg ? msg : "unknown libpng error");
    longjmp(e->jb, 1);
}

/* libpng warning callback: silent (the library never prints). */
static void on_png_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

/* ---- reading ------------------------------------------------------------ */

/* State of one read, on the heap so that nothing the error path needs lives
 * in a local modified between setjmp and longjmp. */
typedef struct {
    png_err err;
    const char *name;         /* for messages */
    const unsigned char *buf; /* len bytes of PNG data */
    size_t len, pos;
    png_structp png;
    png_infop info;
    png_bytep *rows; /* h row pointers into arr.data */
    mg_array arr;    /* (h, w, c) uint8 result */
} read_ctx;

/* libpng read callback over a memory buffer; running off the end is an error. */
static void mem_read(png_structp png, png_bytep out, png_size_t n) {
    read_ctx *c = (read_ctx *)png_get_io_ptr(png);
    if (n > c->len - c->pos) png_error(png, "unexpected end of data (file truncated)");
    memcpy(out, c->buf + c->pos, n);
    c->pos += n;
}

/* The channel counts the readers decode to (imgconv.h; the JPEG reader shares it). */
mg_status mg_image_check_want(const char *name, int want) {
    if (want == 0 || want == 1 || want == 3) return MG_OK;
    return mg_fail(MG_ERR_ARG, "%s: want_channels must be 0, 1 or 3 (got %d)", name, want);
}

/* Converts a (h, w, 3) RGB array to (h, w, 1) gray with PIL's integer luma,
 * or a (h, w, 1) gray array to (h, w, 3) by replication. Replaces *a (the
 * JPEG reader shares it: imgconv.h). */
mg_status mg_u8_convert_channels(mg_array *a, int want) {
    int have = (int)a->shape[2];
    if (want == 0 || want == have) return MG_OK;
    int64_t shape[3] = {a->shape[0], a->shape[1], want};
    mg_array b;
    MG_TRY(mg_array_alloc(&b, MG_U8, 3, shape));
    int64_t npix = a->shape[0] * a->shape[1];
    const unsigned char *src = (const unsigned char *)a->data;
    unsigned char *dst = (unsigned char *)b.data;
    if (want == 1) {
        for (int64_t i = 0; i < npix; i++) {
            const unsigned char *p = src + 3 * i;
            dst[i] = (unsigned char)(((uint32_t)p[0] * 19595u + (uint32_t)p[1] * 38470u +
                                      (uint32_t)p[2] * 7471u + 0x8000u) >> 16);
        }
    } else {
        for (int64_t i = 0; i < npix; i++) dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = src[i];
    }
    mg_array_free(a);
    *a = b;
    return MG_OK;
}

/* The libpng part of a read: everything after setjmp reads and writes only
 * *c, so no local can be clobbered by the longjmp of an error. Leaves the
 * decoded (h, w, c) array in c->arr. */
static mg_status decode_png(read_ctx *c, int want_channels) {
    if (setjmp(c->err.jb)) return mg_fail(MG_ERR_FORMAT, "%s: invalid PNG: %s", c->name, c->err.msg);
    png_set_read_fn(c->png, c, mem_read);
    png_set_user_limits(c->png, MG_PNG_MAX_DIM, MG_PNG_MAX_DIM);
    png_read_info(c->png, c->info);

    png_uint_32 w = png_get_image_width(c->png, c->info);
    png_uint_32 h = png_get_image_height(c->png, c->info);
    int depth = png_get_bit_depth(c->png, c->info);
    int ctype = png_get_color_type(c->png, c->info);
    int file_ch = png_get_channels(c->png, c->info);
    if (w == 0 || h == 0 || w > MG_PNG_MAX_DIM || h > MG_PNG_MAX_DIM)
        return mg_fail(MG_ERR_FORMAT, "%s: image size %ux%u is outside 1..%d per side", c->name, (unsigned)w,
                       (unsigned)h, MG_PNG_MAX_DIM);
    /* Bomb guard: the raw (filtered) image must fit in what the bytes present
     * could decompress to. Checked before allocating anything image-sized. */
    uint64_t raw = ((uint64_t)w * (uint64_t)file_ch * (uint64_t)depth + 7) / 8 + 1;
    raw *= h;
    if (raw > (uint64_t)MG_PNG_MAX_RATIO * (uint64_t)c->len + 1024)
        return mg_fail(MG_ERR_FORMAT,
                       "%s: header declares a %ux%u image (%llu raw bytes) but the file has only %zu bytes: "
                       "truncated or corrupt",
                       c->name, (unsigned)w, (unsigned)h, (unsigned long long)raw, c->len);

    if (depth == 16) png_set_strip_16(c->png);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(c->png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(c->png);
    /* Palette expansion also turns tRNS into alpha: strip that too. */
    if ((ctype & PNG_COLOR_MASK_ALPHA) || png_get_valid(c->png, c->info, PNG_INFO_tRNS))
        png_set_strip_alpha(c->png);
    (void)png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);

    int ch = png_get_channels(c->png, c->info);
    size_t rowbytes = png_get_rowbytes(c->png, c->info);
    if ((ch != 1 && ch != 3) || png_get_bit_depth(c->png, c->info) != 8 || rowbytes != (size_t)w * (size_t)ch)
        return mg_fail(MG_ERR_UNSUPPORTED, "%s: unexpected PNG layout after expansion (%d channels, %zu bytes/row)",
                       c->name, ch, rowbytes);
    int64_t shape[3] = {(int64_t)h, (int64_t)w, ch};
    MG_TRY(mg_array_alloc(&c->arr, MG_U8, 3, shape));
    c->rows = (png_bytep *)malloc((size_t)h * sizeof *c->rows);
    if (!c->rows) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", c->name);
    for (png_uint_32 y = 0; y < h; y++) c->rows[y] = (png_bytep)c->arr.data + (size_t)y * rowbytes;
    png_read_image(c->png, c->rows);
    /* Trailing chunks after the image data are not read: like PIL, a file
     * whose pixels decoded completely is accepted. */
    return mg_u8_convert_channels(&c->arr, want_channels);
}

/* Decodes a PNG held in memory into a uint8 (h, w, c) array (caller frees). */
mg_status mg_png_read_mem(const void *buf, size_t len, const char *name, int want_channels, mg_array *out) {
    memset(out, 0, sizeof *out);
    if (!name) name = "<memory>";
    MG_TRY(mg_image_check_want(name, want_channels));
    if (!buf || len < 8 || png_sig_cmp((png_const_bytep)buf, 0, 8) != 0)
        return mg_fail(MG_ERR_FORMAT, "%s: not a PNG file (bad signature)", name);

    read_ctx *c = (read_ctx *)calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);
    c->name = name;
    c->buf = (const unsigned char *)buf;
    c->len = len;
    mg_status st;
    c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c->err, on_png_error, on_png_warning);
    if (c->png) c->info = png_create_info_struct(c->png);
    if (!c->png || !c->info) st = mg_fail(MG_ERR_NOMEM, "%s: cannot create a PNG decoder", name);
    else st = decode_png(c, want_channels);
    if (st == MG_OK) {
        *out = c->arr;
        memset(&c->arr, 0, sizeof c->arr);
    }
    if (c->png) png_destroy_read_struct(&c->png, c->info ? &c->info : NULL, NULL);
    free(c->rows);
    mg_array_free(&c->arr);
    free(c);
    return st;
}

/* Reads an image file whole and decodes it from memory (imgconv.h). */
mg_status mg_image_file_read(const char *path, int want_channels, mg_image_mem_fn fn, mg_array *out) {
    unsigned char *buf = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    MG_TRY(mg_read_file(path, MG_PNG_MAX_FILE, &buf, &len));
    mg_status st = fn(buf, len, path, want_channels, out);
    free(buf);
    return st;
}

/* Reads a PNG file into a uint8 (h, w, c) array (caller frees). */
mg_status mg_png_read(const char *path, int want_channels, mg_array *out) {
    return mg_image_file_read(path, want_channels, mg_png_read_mem, out);
}

/* ---- writing ------------------------------------------------------------ */

/* State of one write (heap, for the same setjmp reason as read_ctx). */
typedef struct {
    png_err err;
    mg_atomic_file af;
    png_structp png;
    png_infop info;
} write_ctx;

/* The libpng part of a write (see decode_png for why it is separate). */
static mg_status encode_png(write_ctx *c, const unsigned char *pixels, int height, int width, int channels,
                            int ctype) {
    if (setjmp(c->err.jb)) return mg_fail(MG_ERR_IO, "%s: PNG write failed: %s", c->af.final_path, c->err.msg);
    png_init_io(c->png, c->af.fp);
    png_set_IHDR(c->png, c->info, (png_uint_32)width, (png_uint_32)height, 8, ctype, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(c->png, c->info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) png_write_row(c->png, (png_const_bytep)(pixels + (size_t)y * stride));
    png_write_end(c->png, NULL);
    return MG_OK;
}

/* Validates and writes h x w x ch 8-bit pixels (ch 1, 3 or 4) to path atomically. */
mg_status mg_png_write_u8(const char *path, const unsigned char *pixels, int height, int width, int channels) {
    if (!path || !pixels) return mg_fail(MG_ERR_ARG, "PNG write: NULL path or pixels");
    if (height < 1 || width < 1 || height > 1000000 || width > 1000000)
        return mg_fail(MG_ERR_ARG, "%s: image size %dx%d is outside 1..1000000 per side", path, height, width);
    int ctype;
    switch (channels) {
    case 1: ctype = PNG_COLOR_TYPE_GRAY; break;
    case 3: ctype = PNG_COLOR_TYPE_RGB; break;
    case 4: ctype = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default: return mg_fail(MG_ERR_ARG, "%s: PNG channels must be 1, 3 or 4 (got %d)", path, channels);
    }
    write_ctx *c = (write_ctx *)calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    mg_status st = mg_atomic_open(&c->af, path);
    if (st != MG_OK) {
        free(c);
        return st;
    }
    c->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c->err, on_png_error, on_png_warning);
    if (c->png) c->info = png_create_info_struct(c->png);
    if (!c->png || !c->info) st = mg_fail(MG_ERR_NOMEM, "%s: cannot create a PNG encoder", path);
    else st = encode_png(c, pixels, height, width, channels, ctype);
    if (c->png) png_destroy_write_struct(&c->png, c->info ? &c->info : NULL);
    if (st == MG_OK) st = mg_atomic_commit(&c->af);
    else mg_atomic_abort(&c->af);
    free(c);
    return st;
}

/* Maps v linearly from [vmin, vmax] to 0..255 with clipping and rounding
 * half up; NaN maps to 0 (vmin). */
static unsigned char to_u8(float v, float vmin, float vmax) {
    double t = ((double)v - (double)vmin) / ((double)vmax - (double)vmin) * 255.0;
    if (!(t > 0.0)) return 0; /* also NaN */
    if (t >= 255.0) return 255;
    return (unsigned char)floor(t + 0.5);
}

/* Writes n samples as a grid: cell (r, c) holds sample r*cols + c; cells are
 * separated by g->pad pixels of g->pad_value, empty cells are padding. */
mg_status mg_png_write_grid(const char *path, const float *data, int64_t n, const mg_png_grid *g) {
    if (!path || !data || !g) return mg_fail(MG_ERR_ARG, "PNG grid: NULL argument");
    if (n < 1) return mg_fail(MG_ERR_ARG, "%s: a grid needs at least one sample (got %lld)", path, (long long)n);
    if (g->height < 1 || g->width < 1 || g->height > MG_PNG_MAX_DIM || g->width > MG_PNG_MAX_DIM)
        return mg_fail(MG_ERR_ARG, "%s: sample image size %dx%d is invalid", path, g->height, g->width);
    if (g->channels != 1 && g->channels != 3)
        return mg_fail(MG_ERR_ARG, "%s: grid channels must be 1 or 3 (got %d)", path, g->channels);
    if (g->pad < 0 || g->pad > 1024) return mg_fail(MG_ERR_ARG, "%s: grid padding %d is invalid", path, g->pad);
    if (g->grid_cols < 0) return mg_fail(MG_ERR_ARG, "%s: grid_cols %d is negative", path, g->grid_cols);
    if (!isfinite(g->vmin) || !isfinite(g->vmax) || !(g->vmax > g->vmin))
        return mg_fail(MG_ERR_ARG, "%s: value range [%g, %g] is invalid (need finite vmin < vmax)", path,
                       (double)g->vmin, (double)g->vmax);
    int64_t cols = g->grid_cols;
    if (cols == 0) {
        cols = (int64_t)ceil(sqrt((double)n));
        while (cols * cols < n) cols++;
        while (cols > 1 && (cols - 1) * (cols - 1) >= n) cols--;
    }
    if (cols > n) cols = n;
    int64_t rows = (n + cols - 1) / cols;
    int64_t H = rows * g->height + (rows - 1) * g->pad;
    int64_t W = cols * g->width + (cols - 1) * g->pad;
    if (H > 1000000 || W > 1000000 || H * W > ((int64_t)1 << 30))
        return mg_fail(MG_ERR_ARG, "%s: grid of %lld samples would be %lldx%lld pixels, too large", path,
                       (long long)n, (long long)H, (long long)W);
    int C = g->channels;
    unsigned char *img = (unsigned char *)malloc((size_t)(H * W * C)); /* H x W x C */
    if (!img) return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate the grid image", path);
    memset(img, g->pad_value, (size_t)(H * W * C));
    int64_t hw = (int64_t)g->height * g->width;
    for (int64_t s = 0; s < n; s++) {
        const float *x = data + s * hw * C; /* one sample: height*width*C floats */
        int64_t y0 = (s / cols) * (g->height + g->pad), x0 = (s % cols) * (g->width + g->pad);
        for (int64_t y = 0; y < g->height; y++)
            for (int64_t xx = 0; xx < g->width; xx++)
                for (int ch = 0; ch < C; ch++) {
                    float v = g->chw ? x[ch * hw + y * g->width + xx] : x[(y * g->width + xx) * C + ch];
                    img[((y0 + y) * W + x0 + xx) * C + ch] = to_u8(v, g->vmin, g->vmax);
                }
    }
    mg_status st = mg_png_write_u8(path, img, (int)H, (int)W, C);
    free(img);
    return st;
}

/* MG_PNG_GRID_DEFAULT as a value. */
mg_png_grid mg_png_grid_default(void) {
    mg_png_grid v = MG_PNG_GRID_DEFAULT;
    return v;
}
