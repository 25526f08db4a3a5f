/*
 * JPEG reading through libjpeg (memgen/jpeg.h): baseline and progressive,
 * grayscale or color, decoded with the library's defaults (ISLOW DCT, fancy
 * upsampling), which is what PIL does, then converted to the channels asked
 * as PNGs are. Errors and warnings (corrupt or truncated data) both end the
 * decode through a longjmp and come back as one clear message. Also
 * mg_image_read, which dispatches a file to the PNG or the JPEG reader.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "memgen/jpeg.h"
#include "memgen/png.h"
#include "imgconv.h"

/* Largest image side accepted (as the PNG reader). */
#define MG_JPEG_MAX_DIM 16384

/* libjpeg's error manager extended with the jump back and the message. */
typedef struct {
    struct jpeg_error_mgr mgr;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
} jpeg_err;

/* State of one decode, on the heap so that nothing the longjmp skips over
 * lives in a register of the function that called setjmp. */
typedef struct {
    jpeg_err err;
    struct jpeg_decompress_struct cinfo;
    int created;
    mg_array arr;
    const char *name;
} read_ctx;

/* libjpeg's fatal errors: keep the message and jump back. */
static void on_jpeg_error(j_common_ptr ci) {
    jpeg_err *e = (jpeg_err *)ci->err;
    (*ci->err->format_message)(ci, e->msg);
    longjmp(e->jb, 1);
}

/* libjpeg's messages: a warning (level -1: corrupt data, premature end) is
 * an error here; trace messages (level >= 0) are ignored. */
static void on_jpeg_message(j_common_ptr ci, int level) {
    if (level < 0) on_jpeg_error(ci);
}

/* The libjpeg part of a read (every state in *c, see read_ctx). Leaves the
 * decoded (h, w, c) array in c->arr. */
static mg_status decode_jpeg(read_ctx *c, const unsigned char *buf, size_t len, int want_channels) {
    if (setjmp(c->err.jb)) return mg_fail(MG_ERR_FORMAT, "%s: invalid JPEG: %s", c->name, c->err.msg);
    c->cinfo.err = jpeg_std_error(&c->err.mgr);
    c->err.mgr.error_exit = on_jpeg_error;
    c->err.mgr.emit_message = on_jpeg_message;
    jpeg_create_decompress(&c->cinfo);
    c->created = 1;
    jpeg_mem_src(&c->cinfo, buf, (unsigned long)len);
    jpeg_read_header(&c->cinfo, TRUE);
    J_COLOR_SPACE cs = c->cinfo.jpeg_color_space;
    if (cs == JCS_CMYK || cs == JCS_YCCK)
        return mg_fail(MG_ERR_UNSUPPORTED, "%s: CMYK JPEGs are not supported (convert it to RGB first)", c->name);
    unsigned w = c->cinfo.image_width, h = c->cinfo.image_height;
    if (w == 0 || h == 0 || w > MG_JPEG_MAX_DIM || h > MG_JPEG_MAX_DIM)
        return mg_fail(MG_ERR_FORMAT, "%s: image size %ux%u is outside 1..%d per side", c->name, w, h,
                       MG_JPEG_MAX_DIM);
    c->cinfo.out_color_space = c->cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&c->cinfo);
    int ch = c->cinfo.output_components;
    if ((ch != 1 && ch != 3) || c->cinfo.output_width != w || c->cinfo.output_height != h)
        return mg_fail(MG_ERR_UNSUPPORTED, "%s: unexpected JPEG output (%d components, %ux%u)", c->name, ch,
                       c->cinfo.output_width, c->cinfo.output_height);
    int64_t shape[3] = {(int64_t)h, (int64_t)w, ch};
    MG_TRY(mg_array_alloc(&c->arr, MG_U8, 3, shape));
    while (c->cinfo.output_scanline < h) {
        JSAMPROW row = (JSAMPROW)c->arr.data + (size_t)c->cinfo.output_scanline * w * (size_t)ch;
        jpeg_read_scanlines(&c->cinfo, &row, 1);
    }
    jpeg_finish_decompress(&c->cinfo);
    return mg_u8_convert_channels(&c->arr, want_channels);
}

/* Decodes a JPEG held in memory into a uint8 (h, w, c) array (caller frees). */
mg_status mg_jpeg_read_mem(const void *buf, size_t len, const char *name, int want_channels, mg_array *out) {
    memset(out, 0, sizeof *out);
    if (!name) name = "<memory>";
    MG_TRY(mg_image_check_want(name, want_channels));
    const unsigned char *b = buf;
    if (!buf || len < 3 || b[0] != 0xff || b[1] != 0xd8 || b[2] != 0xff)
        return mg_fail(MG_ERR_FORMAT, "%s: not a JPEG file (it does not start with FF D8 FF)", name);
    read_ctx *c = calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", name);
    c->name = name;
    mg_status st = decode_jpeg(c, b, len, want_channels);
    if (st == MG_OK) {
        *out = c->arr;
        memset(&c->arr, 0, sizeof c->arr);
    }
    if (c->created) jpeg_destroy_decompress(&c->cinfo);
    mg_array_free(&c->arr);
    free(c);
    return st;
}

/* Reads a JPEG file into a uint8 (h, w, c) array (caller frees). */
mg_status mg_jpeg_read(const char *path, int want_channels, mg_array *out) {
    return mg_image_file_read(path, want_channels, mg_jpeg_read_mem, out);
}

/* Decodes a PNG or a JPEG held in memory, told apart by its first bytes. */
static mg_status image_read_mem(const void *buf, size_t len, const char *name, int want_channels, mg_array *out) {
    const unsigned char *b = buf;
    if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return mg_png_read_mem(buf, len, name, want_channels, out);
    if (len >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return mg_jpeg_read_mem(buf, len, name, want_channels, out);
    return mg_fail(MG_ERR_FORMAT, "%s: neither a PNG nor a JPEG file (by its first bytes)", name);
}

/* Reads a PNG or JPEG file, by its first bytes, into a uint8 (h, w, c) array. */
mg_status mg_image_read(const char *path, int want_channels, mg_array *out) {
    return mg_image_file_read(path, want_channels, image_read_mem, out);
}
