/*
 * PNG images through libpng: write single images and image grids (samples laid
 * out in a rows x cols mosaic with a given value range), and read PNG files as
 * arrays (8- and 16-bit, gray/RGB/palette/alpha, interlaced) for datasets.
 */
#ifndef MEMGEN_PNG_H
#define MEMGEN_PNG_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How to lay out n samples (each a flattened h x w x channels image, stored
 * row-major with channels last, i.e. HWC) as a PNG grid. */
typedef struct {
    int height, width;  /* image size in pixels */
    int channels;       /* 1 (gray) or 3 (RGB) */
    int grid_cols;      /* images per row of the grid; 0 = ceil(sqrt(n)) */
    int pad;            /* padding pixels between images */
    float vmin, vmax;   /* value range mapped to 0..255 (values are clipped) */
    int chw;            /* nonzero: samples are channels-first (CHW, PyTorch) */
    unsigned char pad_value; /* gray level of the padding */
} mg_png_grid;

#define MG_PNG_GRID_DEFAULT {32, 32, 1, 0, 2, -1.0f, 1.0f, 0, 255}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_png_grid mg_png_grid_default(void);

/* Writes n samples (rows of `data`, each height*width*channels floats) as a
 * grid PNG at `path` atomically. NaN values are drawn as vmin. */
MG_API mg_status mg_png_write_grid(const char *path, const float *data, int64_t n, const mg_png_grid *g);

/* Writes an 8-bit image (h x w x channels, channels 1, 3 or 4) atomically. */
MG_API mg_status mg_png_write_u8(const char *path, const unsigned char *pixels, int height, int width, int channels);

/* Reads a PNG into a uint8 array of shape (h, w, c) with c = 1 (gray) or 3
 * (RGB), decoded as PIL's Image.open(f).convert("RGB") does (so datasets match
 * torchvision pipelines bit for bit): alpha and tRNS transparency are dropped
 * (not composited), 16-bit samples keep their high byte, palettes and low bit
 * depths are expanded, gamma chunks are ignored. `want_channels` 1 or 3
 * converts (RGB->gray is PIL's convert("L") integer ITU-R 601-2 luma,
 * (19595 R + 38470 G + 7471 B + 32768) >> 16); 0 keeps the file's (gray or
 * RGB). Images larger than 16384 pixels a side, or whose declared size the
 * compressed data could not hold, are refused with MG_ERR_FORMAT. */
MG_API mg_status mg_png_read(const char *path, int want_channels, mg_array *out);

/* Same, from memory; `name` is used in error messages. */
MG_API mg_status mg_png_read_mem(const void *buf, size_t len, const char *name, int want_channels, mg_array *out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_PNG_H */
