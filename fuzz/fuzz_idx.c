/*
 * libFuzzer target for the IDX reader (mg_idx_read_mem), plain and gzip.
 * Any crash, leak, sanitizer report or huge allocation is a bug; errors are
 * expected.
 */
#include <stdint.h>

#include "memgen/idx.h"

/* One fuzz input: parse it, free the result. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mg_array a;
    if (mg_idx_read_mem(data, size, "fuzz.idx", &a) == MG_OK) {
        volatile unsigned char sink = 0;
        size_t nb = mg_array_nbytes(&a);
        if (nb) sink ^= ((unsigned char *)a.data)[nb - 1];
        (void)sink;
        mg_array_free(&a);
    }
    return 0;
}
