/*
 * libFuzzer target for the .safetensors reader: mg_st_read_mem must never
 * crash or over-allocate; whatever it accepts must re-encode (mg_st_encode)
 * and read back to the same names, dtypes, shapes, bytes and metadata, and
 * re-encoding that must give identical bytes. Seeds in
 * fuzz/seeds/fuzz_safetensors/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/safetensors.h"

/* Aborts (a finding) when two collections differ. */
static void same_or_die(const mg_st *x, const mg_st *y) {
    if (mg_st_count(x) != mg_st_count(y) || mg_st_meta_count(x) != mg_st_meta_count(y)) abort();
    for (int i = 0; i < mg_st_count(x); i++) {
        const char *n = mg_st_name(x, i);
        if (strcmp(n, mg_st_name(y, i)) != 0) abort();
        const mg_array *a = mg_st_get(x, n), *b = mg_st_get(y, n);
        if (!a || !b || a->dtype != b->dtype || a->ndim != b->ndim) abort();
        for (int d = 0; d < MG_MAX_DIMS; d++)
            if (a->shape[d] != b->shape[d]) abort();
        size_t nb = mg_array_nbytes(a);
        if (nb && memcmp(a->data, b->data, nb) != 0) abort();
    }
    for (int i = 0; i < mg_st_meta_count(x); i++) {
        const char *k = mg_st_meta_key(x, i);
        if (strcmp(k, mg_st_meta_key(y, i)) != 0) abort();
        if (strcmp(mg_st_meta(x, k), mg_st_meta(y, k)) != 0) abort();
    }
}

/* One input: parse, and on success check the encode/decode round trip. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mg_st *a = NULL, *b = NULL;
    if (mg_st_read_mem(data, size, "fuzz.safetensors", &a) != MG_OK) {
        if (a) abort();
        return 0;
    }
    unsigned char *e1, *e2;
    size_t l1, l2;
    if (mg_st_encode(a, &e1, &l1) != MG_OK) abort();
    if (mg_st_read_mem(e1, l1, "re.safetensors", &b) != MG_OK) abort();
    same_or_die(a, b);
    if (mg_st_encode(b, &e2, &l2) != MG_OK) abort();
    if (l1 != l2 || memcmp(e1, e2, l1) != 0) abort();
    free(e1);
    free(e2);
    mg_st_free(a);
    mg_st_free(b);
    return 0;
}
