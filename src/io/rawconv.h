/*
 * Internal to src/io: element types as stored in files (.npy descr,
 * safetensors dtype, IDX type codes) and their lossless decoding, with byte
 * swapping, into the memgen dtype that holds them exactly (int8/int16/uint16
 * widen to int32, uint32 to int64, bool to uint8 0/1).
 */
#ifndef MEMGEN_IO_RAWCONV_H
#define MEMGEN_IO_RAWCONV_H

#include <stddef.h>
#include "memgen/core.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "memgen's file formats assume a little-endian host"
#endif

typedef enum {
    MG_RAW_BOOL,
    MG_RAW_U8,
    MG_RAW_I8,
    MG_RAW_I16,
    MG_RAW_U16,
    MG_RAW_I32,
    MG_RAW_U32,
    MG_RAW_I64,
    MG_RAW_F16,
    MG_RAW_BF16,
    MG_RAW_F32,
    MG_RAW_F64
} mg_raw_kind;

/* Bytes per stored element. */
size_t mg_raw_size(mg_raw_kind k);

/* The memgen dtype that holds every value of kind k exactly. */
mg_dtype mg_raw_dtype(mg_raw_kind k);

/* Nonzero when the stored bytes are already the memgen representation (same
 * width, little-endian, no normalisation), so a plain copy decodes them. */
int mg_raw_is_direct(mg_raw_kind k, int big_endian);

/* Decodes n stored elements at src (n * mg_raw_size(k) bytes, byte order
 * big_endian) into dst (n elements of mg_raw_dtype(k)). */
void mg_raw_decode(const void *src, mg_raw_kind k, int big_endian, size_t n, void *dst);

#endif /* MEMGEN_IO_RAWCONV_H */
