/*
 * libFuzzer target for the PNG reader (mg_png_read_mem). Before decoding, the
 * CRC of every complete chunk is recomputed in a copy of the input, so that
 * mutations reach the chunk parsers and the decoder instead of dying at the
 * CRC check; the last input byte picks the requested channel count (0, 1, 3).
 * Any crash, leak or sanitizer report is a bug; errors are expected.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "memgen/png.h"
#include "fuzz_touch.h"

/* Recomputes the CRC of each whole chunk after the 8-byte signature. */
static void fix_chunk_crcs(unsigned char *p, size_t len) {
    size_t pos = 8;
    while (pos + 12 <= len) {
        uint32_t n = ((uint32_t)p[pos] << 24) | ((uint32_t)p[pos + 1] << 16) | ((uint32_t)p[pos + 2] << 8) | p[pos + 3];
        if (n > len - pos - 12) break;
        uLong crc = crc32(0, p + pos + 4, (uInt)(n + 4));
        unsigned char *c = p + pos + 8 + n;
        c[0] = (unsigned char)(crc >> 24);
        c[1] = (unsigned char)(crc >> 16);
        c[2] = (unsigned char)(crc >> 8);
        c[3] = (unsigned char)crc;
        pos += 12 + (size_t)n;
    }
}

/* One fuzz input: decode it, free the result. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int wants[3] = {0, 1, 3};
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    fix_chunk_crcs(copy, size);
    int want = size ? wants[data[size - 1] % 3] : 0;
    mg_array a;
    if (mg_png_read_mem(copy, size, "fuzz.png", want, &a) == MG_OK) fuzz_touch_free(&a);
    free(copy);
    return 0;
}
