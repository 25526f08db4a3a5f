/*
 * Internal to src/io: the channel conversion shared by the PNG and JPEG
 * readers (PIL's integer luma for RGB -> gray, replication for gray -> RGB).
 */
#ifndef MEMGEN_IO_IMGCONV_H
#define MEMGEN_IO_IMGCONV_H

#include "memgen/core.h"

/* Converts a uint8 (h, w, 3) array to (h, w, 1) or (h, w, 1) to (h, w, 3);
 * want 0 or the array's own count leaves it. Replaces *a. */
mg_status mg_u8_convert_channels(mg_array *a, int want);

#endif /* MEMGEN_IO_IMGCONV_H */
