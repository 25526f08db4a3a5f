/*
 * Internal to src/io: what the PNG and JPEG readers share: the channel
 * conversion (PIL's integer luma for RGB -> gray, replication for gray ->
 * RGB) and reading a file whole to decode it from memory.
 */
#ifndef MEMGEN_IO_IMGCONV_H
#define MEMGEN_IO_IMGCONV_H

#include "memgen/core.h"

/* Converts a uint8 (h, w, 3) array to (h, w, 1) or (h, w, 1) to (h, w, 3);
 * want 0 or the array's own count leaves it. Replaces *a. */
mg_status mg_u8_convert_channels(mg_array *a, int want);

/* MG_ERR_ARG naming the image unless want (the channels asked for) is 0, 1 or 3. */
mg_status mg_image_check_want(const char *name, int want);

/* A decoder of an image held in memory (mg_png_read_mem, mg_jpeg_read_mem). */
typedef mg_status (*mg_image_mem_fn)(const void *buf, size_t len, const char *name, int want_channels, mg_array *out);

/* Reads the file at path whole (at most 1 GiB) and decodes it with fn. */
mg_status mg_image_file_read(const char *path, int want_channels, mg_image_mem_fn fn, mg_array *out);

#endif /* MEMGEN_IO_IMGCONV_H */
