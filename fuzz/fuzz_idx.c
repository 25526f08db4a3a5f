/*
 * libFuzzer target for the IDX reader (mg_idx_read_mem), plain and gzip.
 * Any crash, leak, sanitizer report or huge allocation is a bug; errors are
 * expected.
 */
#include <stdint.h>

#include "memgen/idx.h"
#include "fuzz_touch.h"

/* One fuzz input: parse it, free the result. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mg_array a;
    if (mg_idx_read_mem(data, size, "fuzz.idx", &a) == MG_OK) fuzz_touch_free(&a);
    return 0;
}
