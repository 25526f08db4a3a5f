/*
 * Tests of the PNG reader and writers: every color type and bit depth against
 * PIL's decoding (fixtures from dev/make_png_fixtures.py), write/read round
 * trips, the grid layout and value mapping, and corrupt, truncated and
 * oversized files.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "testutil.h"
#include "memgen/png.h"

/* Reads tests/fixtures/png/<name><ext> into a malloc'd buffer. */
static unsigned char *load(const char *name, const char *ext, size_t *len) {
    char rel[128];
    snprintf(rel, sizeof rel, "png/%s%s", name, ext);
    return tu_fixture_bytes(rel, len);
}

/* Every fixture decodes to exactly PIL's convert("RGB") / convert("L") bytes,
 * and want_channels = 0 keeps gray files gray and makes the rest RGB. */
static void test_decode_matches_pil(void **state) {
    (void)state;
    struct {
        const char *name;
        int gray;
    } cases[] = {
        {"gray8", 1}, {"rgb8", 0},  {"rgb8_interlaced", 0}, {"rgba8", 0},     {"graya8", 1},
        {"rgb16", 0}, {"rgba16_interlaced", 0}, {"gray1", 1}, {"gray2", 1},     {"gray4", 1},
        {"pal1", 0},  {"pal2", 0},  {"pal4", 0},            {"pal8_trns", 0}, {"gray8_trns", 1},
        {"gray16", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = cases[i].name;
        size_t nrgb, nl;
        unsigned char *rgb = load(name, ".rgb", &nrgb);
        unsigned char *lum = load(name, ".l", &nl);
        assert_int_equal(nrgb, 3 * nl);
        char rel[128];
        snprintf(rel, sizeof rel, "png/%s.png", name);
        mg_array a;
        tu_assert_ok(mg_png_read(tu_fixture(rel), 3, &a));
        assert_int_equal(a.dtype, MG_U8);
        assert_int_equal(a.ndim, 3);
        assert_int_equal(a.shape[2], 3);
        assert_int_equal(mg_array_nbytes(&a), nrgb);
        if (memcmp(a.data, rgb, nrgb)) print_error("%s: RGB differs from PIL\n", name);
        assert_memory_equal(a.data, rgb, nrgb);
        mg_array_free(&a);

        tu_assert_ok(mg_png_read(tu_fixture(rel), 1, &a));
        assert_int_equal(a.shape[2], 1);
        assert_int_equal(mg_array_nbytes(&a), nl);
        if (memcmp(a.data, lum, nl)) print_error("%s: L differs from PIL\n", name);
        assert_memory_equal(a.data, lum, nl);
        mg_array_free(&a);

        tu_assert_ok(mg_png_read(tu_fixture(rel), 0, &a));
        assert_int_equal(a.shape[2], cases[i].gray ? 1 : 3);
        assert_memory_equal(a.data, cases[i].gray ? lum : rgb, cases[i].gray ? nl : nrgb);
        mg_array_free(&a);
        free(rgb);
        free(lum);
    }
}

/* mg_png_write_u8 then mg_png_read gives the same pixels (alpha dropped). */
static void test_write_read_roundtrip(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "img.png");
    int h = 13, w = 17;
    unsigned char px[13 * 17 * 4];
    for (int i = 0; i < h * w * 4; i++) px[i] = (unsigned char)(i * 7 + 3);
    for (int ch = 1; ch <= 4; ch++) {
        if (ch == 2) continue;
        tu_assert_ok(mg_png_write_u8(path, px, h, w, ch));
        mg_array a;
        tu_assert_ok(mg_png_read(path, 0, &a));
        int got_ch = ch == 4 ? 3 : ch;
        assert_int_equal(a.shape[0], h);
        assert_int_equal(a.shape[1], w);
        assert_int_equal(a.shape[2], got_ch);
        const unsigned char *d = a.data;
        for (int p = 0; p < h * w; p++)
            for (int c = 0; c < got_ch; c++) assert_int_equal(d[p * got_ch + c], px[p * ch + c]);
        mg_array_free(&a);
    }
    /* Bad arguments: nothing written. */
    char *bad = tu_path(dir, "bad.png");
    assert_int_equal(mg_png_write_u8(bad, px, h, w, 2), MG_ERR_ARG);
    assert_int_equal(mg_png_write_u8(bad, px, 0, w, 1), MG_ERR_ARG);
    assert_int_equal(access(bad, F_OK), -1);
    /* Unwritable folder: an I/O error naming the path, no file. */
    assert_int_equal(mg_png_write_u8("/nonexistent-dir/x.png", px, h, w, 1), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "/nonexistent-dir/x.png"));
    free(bad);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Grid: layout, padding, value mapping with clipping and rounding, NaN,
 * and CHW input giving the same picture as HWC. */
static void test_grid(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p1 = tu_path(dir, "g1.png"), *p2 = tu_path(dir, "g2.png");
    /* 5 RGB samples of 2x3 pixels, 3 per grid row, 1 pixel of padding. */
    enum { N = 5, HH = 2, WW = 3, C = 3, D = HH * WW * C };
    float hwc[N * D], chw[N * D];
    for (int s = 0; s < N; s++)
        for (int y = 0; y < HH; y++)
            for (int x = 0; x < WW; x++)
                for (int c = 0; c < C; c++) {
                    float v = -1.2f + 0.05f * (float)(s * D + (y * WW + x) * C + c);
                    hwc[s * D + (y * WW + x) * C + c] = v;
                    chw[s * D + c * HH * WW + y * WW + x] = v;
                }
    hwc[0] = NAN;
    chw[0] = NAN;
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = HH;
    g.width = WW;
    g.channels = C;
    g.grid_cols = 3;
    g.pad = 1;
    g.pad_value = 77;
    tu_assert_ok(mg_png_write_grid(p1, hwc, N, &g));
    g.chw = 1;
    tu_assert_ok(mg_png_write_grid(p2, chw, N, &g));
    mg_array a, b;
    tu_assert_ok(mg_png_read(p1, 3, &a));
    tu_assert_ok(mg_png_read(p2, 3, &b));
    int64_t GH = 2 * HH + 1, GW = 3 * WW + 2;
    assert_int_equal(a.shape[0], GH);
    assert_int_equal(a.shape[1], GW);
    assert_memory_equal(a.data, b.data, (size_t)(GH * GW * 3));
    const unsigned char *img = a.data;
    for (int64_t y = 0; y < GH; y++)
        for (int64_t x = 0; x < GW; x++)
            for (int c = 0; c < 3; c++) {
                int64_t cy = y / (HH + 1), oy = y % (HH + 1), cx = x / (WW + 1), ox = x % (WW + 1);
                int64_t s = cy * 3 + cx;
                int want;
                if (oy == HH || ox == WW || s >= N) {
                    want = 77;
                } else {
                    float v = hwc[s * D + (oy * WW + ox) * C + c];
                    double t = ((double)v + 1.0) / 2.0 * 255.0;
                    want = isnan(v) ? 0 : t <= 0 ? 0 : t >= 255 ? 255 : (int)floor(t + 0.5);
                }
                assert_int_equal(img[(y * GW + x) * 3 + c], want);
            }
    /* Spot values: -1.2 clips to 0, values >= 1 clip to 255, NaN -> 0. */
    assert_int_equal(img[0], 0);
    assert_int_equal(img[((HH + 1) * GW + 2 * (WW + 1) - 1) * 3], 77); /* padding column */
    mg_array_free(&a);
    mg_array_free(&b);

    /* Exact mapping: vmin -> 0, vmax -> 255, midpoint 127.5 rounds up. */
    float vals[3] = {0.0f, 0.5f, 1.0f};
    mg_png_grid g1 = {1, 3, 1, 0, 0, 0.0f, 1.0f, 0, 0};
    tu_assert_ok(mg_png_write_grid(p1, vals, 1, &g1));
    tu_assert_ok(mg_png_read(p1, 0, &a));
    const unsigned char *v = a.data;
    assert_int_equal(v[0], 0);
    assert_int_equal(v[1], 128);
    assert_int_equal(v[2], 255);
    mg_array_free(&a);

    /* Default columns: ceil(sqrt(n)); 10 samples -> 4 columns, 3 rows. */
    float ten[10] = {0};
    mg_png_grid g2 = {1, 1, 1, 0, 0, 0.0f, 1.0f, 0, 9};
    tu_assert_ok(mg_png_write_grid(p1, ten, 10, &g2));
    tu_assert_ok(mg_png_read(p1, 0, &a));
    assert_int_equal(a.shape[0], 3);
    assert_int_equal(a.shape[1], 4);
    assert_int_equal(((unsigned char *)a.data)[11], 9); /* empty cell is padding */
    mg_array_free(&a);

    /* Invalid grids. */
    mg_png_grid bad = g1;
    bad.vmax = bad.vmin;
    assert_int_equal(mg_png_write_grid(p1, vals, 1, &bad), MG_ERR_ARG);
    bad = g1;
    bad.channels = 2;
    assert_int_equal(mg_png_write_grid(p1, vals, 1, &bad), MG_ERR_ARG);
    assert_int_equal(mg_png_write_grid(p1, vals, 0, &g1), MG_ERR_ARG);
    free(p1);
    free(p2);
    tu_rmtree(dir);
    free(dir);
}

/* Rewrites the CRC of the chunk whose data starts at `data` (length len). */
static void fix_crc(unsigned char *data, size_t len) {
    uLong crc = crc32(0, data - 4, (uInt)(len + 4));
    unsigned char *p = data + len;
    p[0] = (unsigned char)(crc >> 24);
    p[1] = (unsigned char)(crc >> 16);
    p[2] = (unsigned char)(crc >> 8);
    p[3] = (unsigned char)crc;
}

/* Stores a big-endian uint32. */
static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Corrupt files give MG_ERR_FORMAT naming the file; nothing is returned. */
static void test_corrupt(void **state) {
    (void)state;
    size_t len;
    unsigned char *png = load("rgb8_interlaced", ".png", &len);
    mg_array a;

    /* Every truncation (exact-size copies so ASan catches overreads). */
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, png, cut);
        mg_status st = mg_png_read_mem(copy, cut, "cut.png", 3, &a);
        /* Dropping only IEND (12 bytes) still leaves a complete image. */
        if (cut >= len - 12) {
            tu_assert_ok(st);
            mg_array_free(&a);
        } else {
            if (st != MG_ERR_FORMAT) print_error("cut at %zu: %s\n", cut, mg_status_str(st));
            assert_int_equal(st, MG_ERR_FORMAT);
            assert_non_null(strstr(mg_last_error(), "cut.png"));
            assert_null(a.data);
        }
        free(copy);
    }

    unsigned char *m = malloc(len);
    /* Bad signature. */
    memcpy(m, png, len);
    m[1] = 'X';
    assert_int_equal(mg_png_read_mem(m, len, "sig.png", 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "not a PNG"));
    /* Corrupt IHDR CRC. */
    memcpy(m, png, len);
    m[8 + 8 + 13] ^= 0x55;
    assert_int_equal(mg_png_read_mem(m, len, "crc.png", 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "crc.png: invalid PNG"));
    /* Width above the limit (valid CRC). */
    memcpy(m, png, len);
    put_be32(m + 16, 20000);
    fix_crc(m + 16, 13);
    assert_int_equal(mg_png_read_mem(m, len, "wide.png", 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "wide.png"));
    /* Decompression bomb: 16384 x 16384 RGB declared by a 300-byte file is
     * refused before any image buffer is allocated. */
    memcpy(m, png, len);
    put_be32(m + 16, 16384);
    put_be32(m + 20, 16384);
    fix_crc(m + 16, 13);
    assert_int_equal(mg_png_read_mem(m, len, "bomb.png", 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "truncated or corrupt"));
    /* Flipped bits inside IDAT (with a fixed CRC) are a zlib error. */
    memcpy(m, png, len);
    size_t idat = 8 + 25; /* first chunk after IHDR */
    uint32_t idat_len = ((uint32_t)m[idat] << 24) | ((uint32_t)m[idat + 1] << 16) | ((uint32_t)m[idat + 2] << 8) | m[idat + 3];
    assert_memory_equal(m + idat + 4, "IDAT", 4);
    for (uint32_t i = 2; i < idat_len; i += 3) m[idat + 8 + i] ^= 0xA5;
    fix_crc(m + idat + 8, idat_len);
    assert_int_equal(mg_png_read_mem(m, len, "idat.png", 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "idat.png"));
    free(m);

    /* Arguments and missing files. */
    assert_int_equal(mg_png_read_mem(png, len, "x.png", 2, &a), MG_ERR_ARG);
    assert_int_equal(mg_png_read("tests/fixtures/png/nope.png", 0, &a), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "nope.png"));
    free(png);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_matches_pil),
        cmocka_unit_test(test_write_read_roundtrip),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
