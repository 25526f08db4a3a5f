/*
 * Tests of image preprocessing: Pillow-exact bilinear resampling, plain
 * bilinear and area resampling against NumPy/PyTorch references (fixtures
 * from dev/make_resize_fixtures.py), the full CelebA recipes (Resize, Grayscale,
 * ToTensor, x*2-1; Resize(int) + CenterCrop) bit for bit, layouts, scalings,
 * dataset standardisation and centering, and bad arguments.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/image.h"

/* Reads tests/fixtures/data/<name> and checks its size. Caller frees. */
static void *load(const char *name, size_t want) {
    char rel[256];
    snprintf(rel, sizeof rel, "data/%s", name);
    size_t len = 0;
    unsigned char *buf = tu_fixture_bytes(rel, &len);
    assert_int_equal(len, want);
    return buf;
}

static const struct {
    const char *name;
    int h, w, c, oh, ow;
} cases[] = {
    {"up_28_32", 28, 28, 1, 32, 32},         {"down_7x5_3x4", 7, 5, 1, 3, 4},
    {"up_13x9_32x32", 13, 9, 1, 32, 32},     {"rgb_45x37_8x8", 45, 37, 3, 8, 8},
    {"mixed_10x30_20x7", 10, 30, 3, 20, 7},  {"down_int_12x12_4x4", 12, 12, 1, 4, 4},
};

/* Pillow BILINEAR bit for bit; bilinear and area within float rounding of the
 * float64 references; upscaling PIL == bilinear up to the 8-bit rounding. */
static void test_resize_references(void **state) {
    (void)state;
    char fn[128];
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        int h = cases[t].h, w = cases[t].w, c = cases[t].c, oh = cases[t].oh, ow = cases[t].ow;
        size_t nin = (size_t)h * w * c, nout = (size_t)oh * ow * c;
        snprintf(fn, sizeof fn, "%s.in.u8", cases[t].name);
        uint8_t *in = load(fn, nin);
        snprintf(fn, sizeof fn, "%s.pil.u8", cases[t].name);
        uint8_t *pil = load(fn, nout);
        snprintf(fn, sizeof fn, "%s.bil.f32", cases[t].name);
        float *bil = load(fn, nout * 4);
        snprintf(fn, sizeof fn, "%s.area.f32", cases[t].name);
        float *area = load(fn, nout * 4);

        uint8_t *o8 = malloc(nout);
        tu_assert_ok(mg_resize_u8_pil(in, h, w, c, o8, oh, ow));
        int64_t diff = 0;
        for (size_t i = 0; i < nout; i++) diff += o8[i] != pil[i];
        if (diff) print_error("%s: %lld pixels differ from Pillow\n", cases[t].name, (long long)diff);
        assert_int_equal(diff, 0);

        float *f = malloc(nin * sizeof(float)), *of = malloc(nout * sizeof(float));
        for (size_t i = 0; i < nin; i++) f[i] = in[i];
        tu_assert_ok(mg_resize_f32(f, h, w, c, of, oh, ow, MG_RESIZE_BILINEAR));
        tu_assert_close_f(of, bil, (int64_t)nout, 1e-4, 1e-6, cases[t].name);
        if (oh >= h && ow >= w)
            for (size_t i = 0; i < nout; i++) assert_true(fabsf((float)o8[i] - of[i]) <= 1.0f);
        tu_assert_ok(mg_resize_f32(f, h, w, c, of, oh, ow, MG_RESIZE_AREA));
        tu_assert_close_f(of, area, (int64_t)nout, 1e-4, 1e-6, cases[t].name);
        free(in), free(pil), free(bil), free(area), free(o8), free(f), free(of);
    }
}

/* Area with an integer factor is the exact block mean; resizing to the same
 * size is the identity for every kind. */
static void test_resize_exact(void **state) {
    (void)state;
    float in[6 * 4], out[3 * 2];
    for (int i = 0; i < 24; i++) in[i] = (float)(i * i % 17);
    tu_assert_ok(mg_resize_f32(in, 6, 4, 1, out, 3, 2, MG_RESIZE_AREA));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) {
            double s = in[(2 * i) * 4 + 2 * j] + in[(2 * i) * 4 + 2 * j + 1] + in[(2 * i + 1) * 4 + 2 * j] +
                       in[(2 * i + 1) * 4 + 2 * j + 1];
            assert_true(out[i * 2 + j] == (float)(s / 4));
        }
    float same[24];
    tu_assert_ok(mg_resize_f32(in, 6, 4, 1, same, 6, 4, MG_RESIZE_BILINEAR));
    assert_memory_equal(same, in, sizeof in);
    tu_assert_ok(mg_resize_f32(in, 6, 4, 1, same, 6, 4, MG_RESIZE_AREA));
    assert_memory_equal(same, in, sizeof in);
    uint8_t u[24], v[24];
    for (int i = 0; i < 24; i++) u[i] = (uint8_t)(i * 11);
    tu_assert_ok(mg_resize_u8_pil(u, 4, 2, 3, v, 4, 2));
    assert_memory_equal(u, v, 24);
    /* A constant image stays constant under every method. */
    memset(u, 77, sizeof u);
    uint8_t big[9 * 7];
    tu_assert_ok(mg_resize_u8_pil(u, 6, 4, 1, big, 9, 7));
    for (int i = 0; i < 63; i++) assert_int_equal(big[i], 77);
    assert_int_equal(mg_resize_u8_pil(u, 6, 4, 1, big, 0, 7), MG_ERR_ARG);
    assert_int_equal(mg_resize_f32(in, 6, 4, 1, out, 3, 2, MG_RESIZE_PIL), MG_ERR_ARG);
}

/* The authors' CelebA recipe, reproduced bit for bit. */
static void test_celeba_recipes(void **state) {
    (void)state;
    uint8_t *src = load("rgb_45x37_8x8.in.u8", 45 * 37 * 3);
    mg_array img = {MG_U8, 3, {45, 37, 3}, src};
    float *want = load("celeba_exact.f32", 32 * 32 * 4);
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.resize_h = p.resize_w = 32;
    p.channels = 1;
    int oh, ow, oc;
    tu_assert_ok(mg_image_prep_shape(&p, 45, 37, 3, &oh, &ow, &oc));
    assert_int_equal(oh, 32);
    assert_int_equal(ow, 32);
    assert_int_equal(oc, 1);
    float row[32 * 32];
    tu_assert_ok(mg_image_prepare(&img, &p, "celeba", row));
    tu_assert_close_f(row, want, 32 * 32, 0, 0, "Resize((32,32)) Grayscale ToTensor x*2-1");
    free(want);

    want = load("celeba_crop.f32", 16 * 16 * 4);
    mg_image_prep q = MG_IMAGE_PREP_DEFAULT;
    q.resize_short = 16;
    q.crop_h = q.crop_w = 16;
    q.channels = 1;
    tu_assert_ok(mg_image_prep_shape(&q, 45, 37, 3, &oh, &ow, &oc));
    assert_int_equal(oh, 16);
    assert_int_equal(ow, 16);
    tu_assert_ok(mg_image_prepare(&img, &q, "celeba", row));
    tu_assert_close_f(row, want, 16 * 16, 0, 0, "Resize(16) CenterCrop(16) Grayscale ToTensor x*2-1");
    free(want);
    free(src);
}

/* Layouts (HWC vs CHW), channel conversion, and every scaling. */
static void test_layout_and_scaling(void **state) {
    (void)state;
    uint8_t px[2 * 3 * 3];
    for (int i = 0; i < 18; i++) px[i] = (uint8_t)(i * 15);
    mg_array img = {MG_U8, 3, {2, 3, 3}, px};
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    float hwc[18], chw[18];
    p.chw = 0;
    p.scale = MG_SCALE_RAW;
    tu_assert_ok(mg_image_prepare(&img, &p, "x", hwc));
    for (int i = 0; i < 18; i++) assert_true(hwc[i] == px[i]);
    p.chw = 1;
    tu_assert_ok(mg_image_prepare(&img, &p, "x", chw));
    for (int pix = 0; pix < 6; pix++)
        for (int c = 0; c < 3; c++) assert_true(chw[c * 6 + pix] == hwc[pix * 3 + c]);
    p.scale = MG_SCALE_UNIT;
    tu_assert_ok(mg_image_prepare(&img, &p, "x", chw));
    assert_true(chw[6] == 15.0f / 255.0f);
    p.scale = MG_SCALE_PM1;
    tu_assert_ok(mg_image_prepare(&img, &p, "x", chw));
    assert_true(chw[0] == -1.0f);
    assert_true(chw[6] == 15.0f / 255.0f * 2.0f - 1.0f);
    /* Gray: PIL luma; gray -> RGB replicates. */
    p.channels = 1;
    p.scale = MG_SCALE_RAW;
    float g[6];
    tu_assert_ok(mg_image_prepare(&img, &p, "x", g));
    for (int i = 0; i < 6; i++) {
        uint32_t l = ((uint32_t)px[3 * i] * 19595u + (uint32_t)px[3 * i + 1] * 38470u + (uint32_t)px[3 * i + 2] * 7471u +
                      0x8000u) >> 16;
        assert_true(g[i] == (float)l);
    }
    uint8_t gp[4] = {0, 100, 200, 255};
    mg_array gimg = {MG_U8, 3, {2, 2, 1}, gp};
    p.channels = 3;
    p.chw = 0;
    float rgb[12];
    tu_assert_ok(mg_image_prepare(&gimg, &p, "x", rgb));
    for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) assert_true(rgb[i * 3 + c] == gp[i]);
    /* Float methods: luma without rounding. */
    p.channels = 1;
    p.resize = MG_RESIZE_BILINEAR;
    tu_assert_ok(mg_image_prepare(&img, &p, "x", g));
    for (int i = 0; i < 6; i++)
        assert_true(fabs(g[i] - (19595.0 * px[3 * i] + 38470.0 * px[3 * i + 1] + 7471.0 * px[3 * i + 2]) / 65536.0) < 1e-4);
    /* Bad requests. */
    p.crop_h = p.crop_w = 5;
    assert_int_equal(mg_image_prepare(&img, &p, "crop.png", g), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "crop.png"));
    p.crop_h = p.crop_w = 0;
    p.channels = 2;
    assert_int_equal(mg_image_prepare(&img, &p, "x", g), MG_ERR_ARG);
}

/* Standardisation (scalar mean/std over the dataset) and centering. */
static void test_finish(void **state) {
    (void)state;
    float X[3 * 2] = {0, 1, 2, 3, 4, 5};
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.scale = MG_SCALE_STANDARDIZE;
    double m, s;
    tu_assert_ok(mg_image_finish((mg_mat){3, 2, 2, X}, &p, NULL, &m, &s));
    assert_true(fabs(m - 2.5) < 1e-12);
    assert_true(fabs(s - sqrt(17.5 / 6)) < 1e-12);
    double mean = 0, var = 0;
    for (int i = 0; i < 6; i++) mean += X[i];
    for (int i = 0; i < 6; i++) var += (X[i] - mean / 6) * (X[i] - mean / 6);
    assert_true(fabs(mean) < 1e-6);
    assert_true(fabs(var / 6 - 1) < 1e-6);
    float Y[3 * 2] = {1, 10, 2, 20, 6, 30}, mimg[2];
    mg_image_prep c = MG_IMAGE_PREP_DEFAULT;
    c.scale = MG_SCALE_RAW;
    c.center = 1;
    tu_assert_ok(mg_image_finish((mg_mat){3, 2, 2, Y}, &c, mimg, NULL, NULL));
    assert_true(mimg[0] == 3.0f && mimg[1] == 20.0f);
    float wantY[6] = {-2, -10, -1, 0, 3, 10};
    tu_assert_close_f(Y, wantY, 6, 0, 0, "centered");
    float Yw[3 * 3] = {1, 10, -7, 2, 20, -7, 6, 30, -7}; /* the same rows with a stride of 3 */
    tu_assert_ok(mg_image_finish((mg_mat){3, 2, 3, Yw}, &c, mimg, NULL, NULL));
    float wantYw[9] = {-2, -10, -7, -1, 0, -7, 3, 10, -7};
    tu_assert_close_f(Yw, wantYw, 9, 0, 0, "centered, strided");
    float Z[4] = {2, 2, 2, 2};
    assert_int_equal(mg_image_finish((mg_mat){2, 2, 2, Z}, &p, NULL, &m, &s), MG_ERR_NUMERIC);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_references), cmocka_unit_test(test_resize_exact),
        cmocka_unit_test(test_celeba_recipes),    cmocka_unit_test(test_layout_and_scaling),
        cmocka_unit_test(test_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
