/*
 * Lossless decoding of stored element types (either byte order) into memgen
 * dtypes; shared by the .npy and .safetensors readers.
 */
#include <stdint.h>
#include <string.h>

#include "rawconv.h"

/* Bytes per stored element. */
size_t mg_raw_size(mg_raw_kind k) {
    switch (k) {
    case MG_RAW_BOOL: case MG_RAW_U8: case MG_RAW_I8: return 1;
    case MG_RAW_I16: case MG_RAW_U16: case MG_RAW_F16: case MG_RAW_BF16: return 2;
    case MG_RAW_I32: case MG_RAW_U32: case MG_RAW_F32: return 4;
    case MG_RAW_I64: case MG_RAW_F64: return 8;
    }
    return 0;
}

/* Smallest memgen dtype holding the stored values exactly. */
mg_dtype mg_raw_dtype(mg_raw_kind k) {
    switch (k) {
    case MG_RAW_BOOL: case MG_RAW_U8: return MG_U8;
    case MG_RAW_I8: case MG_RAW_I16: case MG_RAW_U16: case MG_RAW_I32: return MG_I32;
    case MG_RAW_U32: case MG_RAW_I64: return MG_I64;
    case MG_RAW_F16: return MG_F16;
    case MG_RAW_BF16: return MG_BF16;
    case MG_RAW_F32: return MG_F32;
    case MG_RAW_F64: return MG_F64;
    }
    return MG_DTYPE_COUNT;
}

/* True when a memcpy decodes the stored bytes. */
int mg_raw_is_direct(mg_raw_kind k, int big_endian) {
    switch (k) {
    case MG_RAW_U8: return 1;
    case MG_RAW_I32: case MG_RAW_I64: case MG_RAW_F16: case MG_RAW_BF16: case MG_RAW_F32: case MG_RAW_F64:
        return !big_endian;
    default: return 0;
    }
}

/* Loads an unsigned integer of sz bytes in the given byte order. */
static uint64_t load_uint(const unsigned char *p, size_t sz, int big_endian) {
    uint64_t v = 0;
    if (big_endian)
        for (size_t i = 0; i < sz; i++) v = (v << 8) | p[i];
    else
        for (size_t i = sz; i-- > 0;) v = (v << 8) | p[i];
    return v;
}

/* Decodes n elements, widening / swapping / normalising as needed. */
void mg_raw_decode(const void *src, mg_raw_kind k, int big_endian, size_t n, void *dst) {
    const unsigned char *s = src;
    size_t sz = mg_raw_size(k);
    if (n == 0) return;
    if (mg_raw_is_direct(k, big_endian)) {
        memcpy(dst, src, n * sz);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t v = load_uint(s + i * sz, sz, big_endian);
        switch (k) {
        case MG_RAW_BOOL: ((uint8_t *)dst)[i] = v != 0; break;
        case MG_RAW_U8: ((uint8_t *)dst)[i] = (uint8_t)v; break;
        case MG_RAW_I8: ((int32_t *)dst)[i] = (int32_t)(v & 0xffu) - ((v & 0x80u) ? 256 : 0); break;
        case MG_RAW_I16: ((int32_t *)dst)[i] = (int32_t)(v & 0xffffu) - ((v & 0x8000u) ? 65536 : 0); break;
        case MG_RAW_U16: ((int32_t *)dst)[i] = (int32_t)v; break;
        case MG_RAW_U32: ((int64_t *)dst)[i] = (int64_t)v; break;
        case MG_RAW_F16: case MG_RAW_BF16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
        case MG_RAW_I32: case MG_RAW_F32: {
            uint32_t u = (uint32_t)v;
            memcpy((unsigned char *)dst + 4 * i, &u, 4);
            break;
        }
        case MG_RAW_I64: case MG_RAW_F64:
            memcpy((unsigned char *)dst + 8 * i, &v, 8);
            break;
        }
    }
}
