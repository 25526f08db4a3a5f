/*
 * libFuzzer target for the JPEG reader (mg_jpeg_read_mem); the last input
 * byte picks the requested channel count (0, 1, 3). Any crash, leak or
 * sanitizer report is a bug; errors (corrupt data, warnings) are expected.
 */
#include <stdint.h>
#include <stdlib.h>

#include "memgen/jpeg.h"
#include "fuzz_touch.h"

/* One fuzz input: decode it, touch the last byte of the result, free it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const int wants[3] = {0, 1, 3};
    int want = size ? wants[data[size - 1] % 3] : 0;
    mg_array a;
    if (mg_jpeg_read_mem(data, size, "fuzz.jpg", want, &a) == MG_OK) fuzz_touch_free(&a);
    return 0;
}
