/*
 * Shared by the fuzz targets whose parsers return an mg_array: reads the
 * last byte of the result (so that ASan catches a size the parser got
 * wrong) and frees it.
 */
#ifndef MEMGEN_FUZZ_TOUCH_H
#define MEMGEN_FUZZ_TOUCH_H

#include "memgen/core.h"

/* Touches the last byte of a parsed array, then frees it. */
static inline void fuzz_touch_free(mg_array *a) {
    volatile unsigned char sink = 0;
    size_t nb = mg_array_nbytes(a);
    if (nb) sink ^= ((unsigned char *)a->data)[nb - 1];
    (void)sink;
    mg_array_free(a);
}

#endif /* MEMGEN_FUZZ_TOUCH_H */
