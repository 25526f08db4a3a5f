/*
 * IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed:
 * magic 0x00 0x00 <type> <ndim>, ndim big-endian uint32 sizes, then the data.
 * Types 0x08 (u8) become MG_U8; 0x09 (i8), 0x0B (i16), 0x0C (i32) become
 * MG_I32; 0x0D (f32) MG_F32; 0x0E (f64) MG_F64.
 */
#ifndef MEMGEN_IDX_H
#define MEMGEN_IDX_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Reads an .idx or .idx.gz file (detected by the gzip magic, not the name). */
MG_API mg_status mg_idx_read(const char *path, mg_array *out);

/* Parses an uncompressed or gzip-compressed IDX image in memory. */
MG_API mg_status mg_idx_read_mem(const void *buf, size_t len, const char *name, mg_array *out);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_IDX_H */
