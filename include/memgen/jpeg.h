/*
 * JPEG images through libjpeg (libjpeg-turbo on Debian), read as arrays the
 * way PNGs are (memgen/png.h), and mg_image_read, which reads either format
 * by its first bytes: image datasets such as CelebA ship as JPEG.
 */
#ifndef MEMGEN_JPEG_H
#define MEMGEN_JPEG_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads a JPEG (baseline or progressive; grayscale, YCbCr or RGB) into a
 * uint8 array of shape (h, w, c) with c = 1 (gray) or 3 (RGB), decoded with
 * libjpeg's defaults as PIL's Image.open(f).convert("RGB") does (the same
 * pixels with the same library). `want_channels` converts as mg_png_read
 * does (RGB->gray by PIL's integer luma, gray->RGB by replication; 0 keeps
 * the file's). CMYK JPEGs, images larger than 16384 pixels a side and
 * corrupt or truncated data (any libjpeg warning) are refused with
 * MG_ERR_FORMAT or MG_ERR_UNSUPPORTED and a message naming the file. */
MG_API mg_status mg_jpeg_read(const char *path, int want_channels, mg_array *out);

/* Same, from memory; `name` is used in error messages. */
MG_API mg_status mg_jpeg_read_mem(const void *buf, size_t len, const char *name, int want_channels, mg_array *out);

/* Reads a PNG or a JPEG, told apart by the first bytes (not the name), as
 * mg_png_read / mg_jpeg_read do; anything else is MG_ERR_FORMAT. */
MG_API mg_status mg_image_read(const char *path, int want_channels, mg_array *out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_JPEG_H */
