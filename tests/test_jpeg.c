/*
 * Tests of the JPEG reader (memgen/jpeg.h): baseline 4:2:0 and 4:4:4, gray and
 * progressive files against PIL's decoding and within JPEG's tolerance of the
 * images they were encoded from (fixtures from dev/make_jpeg_fixtures.py),
 * mg_image_read's dispatch by content, clear errors on truncated and corrupt
 * files, and `memgen data images` / `memgen info` on a folder mixing PNG and
 * JPEG files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "memgen/image.h"
#include "memgen/jpeg.h"
#include "memgen/npy.h"
#include "memgen/png.h"

/* Reads tests/fixtures/jpeg/<name><ext> into a malloc'd buffer. */
static unsigned char *load(const char *name, const char *ext, size_t *len) {
    char rel[128];
    snprintf(rel, sizeof rel, "jpeg/%s%s", name, ext);
    return tu_fixture_bytes(rel, len);
}

/* Largest absolute difference of two byte buffers; *mean gets the mean. */
static int max_diff(const unsigned char *a, const unsigned char *b, size_t n, double *mean) {
    int worst = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        if (d > worst) worst = d;
        sum += d;
    }
    *mean = n ? sum / (double)n : 0;
    return worst;
}

/* Every fixture decodes to PIL's convert("RGB") / convert("L") bytes (within
 * 1, for another libjpeg build) and within JPEG's error of its source image;
 * want_channels = 0 keeps a gray JPEG gray and a color one RGB. */
static void test_decode_matches_pil(void **state) {
    (void)state;
    /* worst: the largest error against the source; 4:2:0 chroma (rgb,
     * progressive) halves the colour resolution, so the red square's edges
     * blur by up to ~66 levels there, while 4:4:4 and gray stay within 8 */
    struct {
        const char *name;
        int gray, worst;
    } cases[] = {{"rgb", 0, 80}, {"rgb444", 0, 10}, {"gray", 1, 10}, {"progressive", 0, 80}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = cases[i].name;
        size_t nrgb, nl, nsrc;
        unsigned char *rgb = load(name, ".rgb", &nrgb), *lum = load(name, ".l", &nl);
        unsigned char *src = load(name, ".src", &nsrc);
        char rel[128];
        snprintf(rel, sizeof rel, "jpeg/%s.jpg", name);
        mg_array a;
        double mean;
        tu_assert_ok(mg_jpeg_read(tu_fixture(rel), 3, &a));
        assert_int_equal(a.dtype, MG_U8);
        assert_int_equal(a.ndim, 3);
        assert_int_equal(a.shape[2], 3);
        assert_int_equal(mg_array_nbytes(&a), nrgb);
        int d = max_diff(a.data, rgb, nrgb, &mean);
        if (d > 1) print_error("%s: RGB differs from PIL's by up to %d\n", name, d);
        assert_true(d <= 1);
        mg_array_free(&a);

        tu_assert_ok(mg_jpeg_read(tu_fixture(rel), 1, &a));
        assert_int_equal(a.shape[2], 1);
        assert_int_equal(mg_array_nbytes(&a), nl);
        assert_true(max_diff(a.data, lum, nl, &mean) <= 1);
        mg_array_free(&a);

        /* the file's own channels, against the image it was encoded from:
         * quality 90-95 keeps the mean error to a few levels */
        tu_assert_ok(mg_image_read(tu_fixture(rel), 0, &a));
        assert_int_equal(a.shape[2], cases[i].gray ? 1 : 3);
        assert_int_equal(mg_array_nbytes(&a), nsrc);
        d = max_diff(a.data, src, nsrc, &mean);
        if (mean > 3.5 || d > cases[i].worst)
            print_error("%s: mean error %.2f, max %d against the source\n", name, mean, d);
        assert_true(mean <= 3.5 && d <= cases[i].worst);
        mg_array_free(&a);
        free(rgb);
        free(lum);
        free(src);
    }
}

/* Truncated, corrupt and foreign files: MG_ERR_FORMAT with the file's name. */
static void test_bad_files(void **state) {
    (void)state;
    mg_array a;
    const char *trunc = tu_fixture("jpeg/truncated.jpg");
    assert_int_equal(mg_jpeg_read(trunc, 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "truncated.jpg: invalid JPEG: "));
    assert_int_equal(mg_image_read(tu_fixture("jpeg/notjpeg.jpg"), 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "notjpeg.jpg: invalid JPEG"));
    assert_int_equal(mg_jpeg_read(tu_fixture("png/rgb8.png"), 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "not a JPEG file"));
    assert_int_equal(mg_image_read(tu_fixture("io/f4_2x3.npy"), 0, &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "neither a PNG nor a JPEG"));
    assert_int_equal(mg_jpeg_read_mem("\xff\xd8\xff", 3, "three", 0, &a), MG_ERR_FORMAT);
    assert_int_equal(mg_jpeg_read_mem(NULL, 0, "none", 0, &a), MG_ERR_FORMAT);
    assert_int_equal(mg_jpeg_read(tu_fixture("jpeg/rgb.jpg"), 2, &a), MG_ERR_ARG);
    /* mg_image_read gives a PNG to the PNG reader */
    tu_assert_ok(mg_image_read(tu_fixture("png/rgb8.png"), 0, &a));
    assert_int_equal(a.shape[2], 3);
    mg_array_free(&a);
}

/* `memgen data images` reads .png, .jpg and .jpeg files alike (rows equal
 * mg_image_read + mg_image_prepare, same resize), `memgen info` describes a
 * JPEG, and a corrupt JPEG in the folder fails naming it. */
static void test_cli_folder(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *imgs = tu_path(dir, "imgs"), *log = tu_path(dir, "log");
    char *out = tu_path(dir, "X.npy");
    assert_int_equal(mkdir(imgs, 0777), 0);
    const char *copies[3][2] = {{"jpeg/rgb.jpg", "a.jpg"}, {"jpeg/gray.jpg", "b.JPEG"}, {"png/rgb8.png", "c.png"}};
    char *paths[3];
    for (int k = 0; k < 3; k++) {
        size_t len;
        unsigned char *b = tu_fixture_bytes(copies[k][0], &len);
        paths[k] = tu_path(imgs, copies[k][1]);
        tu_write_bytes(paths[k], b, len);
        free(b);
    }
    assert_int_equal(tu_memgen(log, "data images --dir %s --resize 8x8 --channels 1 --out %s", imgs, out), 0);
    mg_array X;
    tu_assert_ok(mg_npy_read(out, &X));
    assert_int_equal(X.shape[0], 3);
    assert_int_equal(X.shape[1], 64);
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.resize_h = p.resize_w = 8;
    p.channels = 1;
    for (int k = 0; k < 3; k++) {
        mg_array img;
        float row[64];
        tu_assert_ok(mg_image_read(paths[k], 0, &img));
        tu_assert_ok(mg_image_prepare(&img, &p, paths[k], row));
        assert_memory_equal((float *)X.data + k * 64, row, sizeof row);
        mg_array_free(&img);
    }
    mg_array_free(&X);
    assert_int_equal(tu_memgen(log, "info %s", paths[0]), 0);
    char *text = tu_read_text(log);
    assert_non_null(strstr(text, "format:   jpeg"));
    assert_non_null(strstr(text, "shape:    (24, 32, 3) (height, width, channels)"));
    free(text);

    size_t len;
    unsigned char *b = tu_fixture_bytes("jpeg/truncated.jpg", &len);
    char *bad = tu_path(imgs, "d.jpg");
    tu_write_bytes(bad, b, len);
    assert_int_equal(tu_memgen(log, "data images --dir %s --resize 8x8 --out %s", imgs, out), 1);
    text = tu_read_text(log);
    assert_non_null(strstr(text, "d.jpg: invalid JPEG: "));
    free(text);
    free(b);
    free(bad);
    for (int k = 0; k < 3; k++) free(paths[k]);
    tu_rmtree(dir);
    free(dir), free(imgs), free(log), free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_matches_pil),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_cli_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
