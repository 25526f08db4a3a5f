/*
 * libFuzzer target for the .npy reader: mg_npy_read_mem must never crash or
 * over-allocate; whatever it accepts must re-encode (mg_npy_encode) and read
 * back to the same dtype, shape and bytes, and re-encoding that must give
 * identical bytes. `make fuzz` runs it; seeds in fuzz/seeds/fuzz_npy/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/npy.h"

/* Aborts (a finding) when two arrays differ in dtype, shape or bytes. */
static void same_or_die(const mg_array *a, const mg_array *b) {
    if (a->dtype != b->dtype || a->ndim != b->ndim) abort();
    for (int i = 0; i < MG_MAX_DIMS; i++)
        if (a->shape[i] != b->shape[i]) abort();
    size_t n = mg_array_nbytes(a);
    if (n != mg_array_nbytes(b)) abort();
    if (n && memcmp(a->data, b->data, n) != 0) abort();
}

/* One input: parse, and on success check the encode/decode round trip. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mg_array a, b;
    mg_npy_info info;
    mg_status st = mg_npy_read_mem(data, size, "fuzz.npy", &a);
    mg_status si = mg_npy_inspect_mem(data, size, "fuzz.npy", &info);
    if (st != MG_OK) {
        if (a.data) abort(); /* failures leave nothing allocated */
        /* inspect may succeed where decoding cannot (allocation), never the reverse */
        return 0;
    }
    if (si != MG_OK || info.ndim != a.ndim || info.dtype != a.dtype) abort();
    unsigned char *e1, *e2;
    size_t l1, l2;
    if (mg_npy_encode(&a, &e1, &l1) != MG_OK) abort();
    if (mg_npy_read_mem(e1, l1, "re.npy", &b) != MG_OK) abort();
    same_or_die(&a, &b);
    if (mg_npy_encode(&b, &e2, &l2) != MG_OK) abort();
    if (l1 != l2 || memcmp(e1, e2, l1) != 0) abort();
    free(e1);
    free(e2);
    mg_array_free(&a);
    mg_array_free(&b);
    return 0;
}
