/*
 * Tests of the .npy reader/writer against files NumPy wrote
 * (dev/make_io_fixtures.py -> tests/fixtures/io/): every dtype, format
 * versions 1.0/2.0/3.0, Fortran order, 0-d, empty, 3-D/4-D, big-endian;
 * byte-identical output to numpy.save; hand-made header variants; corrupt
 * inputs (every truncation, bad magic, lying headers, overflow); round trips
 * through files; float32 matrix loading; fuzzer regressions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Reads a fixture and checks dtype and shape. */
static void read_fixture(const char *rel, mg_array *a, mg_dtype dt, int ndim, const int64_t *shape) {
    tu_assert_ok(mg_npy_read(tu_fixture(rel), a));
    assert_int_equal(a->dtype, dt);
    assert_int_equal(a->ndim, ndim);
    for (int i = 0; i < ndim; i++) assert_int_equal(a->shape[i], shape[i]);
}

/* Builds an .npy image from a header dict text and raw data (caller frees). */
static unsigned char *make_npy(int major, const char *dict, const void *data, size_t n, size_t *len) {
    size_t dl = strlen(dict), pre = major == 1 ? 10 : 12;
    size_t hl = dl + 1;
    *len = pre + hl + n;
    unsigned char *b = malloc(*len);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < pre - 8; i++) b[8 + i] = (unsigned char)(hl >> (8 * i));
    memcpy(b + pre, dict, dl);
    b[pre + dl] = '\n';
    if (n) memcpy(b + pre + hl, data, n);
    return b;
}

/* Expects reading buf to fail with st and a message containing `needle`. */
static void expect_fail_mem(const void *buf, size_t len, mg_status st, const char *needle) {
    mg_array a;
    mg_status got = mg_npy_read_mem(buf, len, "bad.npy", &a);
    if (got != st || !strstr(mg_last_error(), needle))
        print_error("want %s containing '%s', got %s: %s\n", mg_status_str(st), needle, mg_status_str(got), mg_last_error());
    assert_int_equal(got, st);
    assert_non_null(strstr(mg_last_error(), needle));
    assert_non_null(strstr(mg_last_error(), "bad.npy"));
    assert_null(a.data);
}

/* Every numeric dtype NumPy writes, with its values. */
static void test_read_dtypes(void **state) {
    (void)state;
    mg_array a;
    read_fixture("io/f4_2x3.npy", &a, MG_F32, 2, (int64_t[]){2, 3});
    for (int i = 0; i < 6; i++) assert_true(((float *)a.data)[i] == (float)i * 0.5f - 1.0f);
    mg_array_free(&a);

    read_fixture("io/f8_5.npy", &a, MG_F64, 1, (int64_t[]){5});
    for (int i = 0; i < 5; i++) assert_true(((double *)a.data)[i] == (i - 2) / 3.0);
    mg_array_free(&a);

    read_fixture("io/u1_2x4.npy", &a, MG_U8, 2, (int64_t[]){2, 4});
    for (int i = 0; i < 8; i++) assert_int_equal(((uint8_t *)a.data)[i], i * 30);
    mg_array_free(&a);

    read_fixture("io/i4_3x2.npy", &a, MG_I32, 2, (int64_t[]){3, 2});
    for (int i = 0; i < 6; i++) assert_int_equal(((int32_t *)a.data)[i], (i - 3) * 100000);
    mg_array_free(&a);

    read_fixture("io/i8_4.npy", &a, MG_I64, 1, (int64_t[]){4});
    int64_t want8[4] = {-(INT64_C(1) << 40), 0, 7, INT64_C(1) << 62};
    assert_memory_equal(a.data, want8, sizeof want8);
    mg_array_free(&a);

    /* float16: 0, 1, -2.5, 65504 (max), 2^-24 (smallest subnormal), inf. */
    read_fixture("io/f2_6.npy", &a, MG_F16, 1, (int64_t[]){6});
    uint16_t wanth[6] = {0x0000, 0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00};
    assert_memory_equal(a.data, wanth, sizeof wanth);
    mg_array f;
    tu_assert_ok(mg_array_to_f32(&a, &f));
    float wantf[6] = {0, 1, -2.5f, 65504, 5.9604644775390625e-08f, INFINITY};
    tu_assert_close_f(f.data, wantf, 6, 0, 0, "f16->f32");
    mg_array_free(&f);
    mg_array_free(&a);
}

/* Format versions 2.0 and 3.0, 0-d, empty, 3-D and 4-D arrays. */
static void test_read_versions_and_shapes(void **state) {
    (void)state;
    mg_array a;
    mg_npy_info info;
    const char *files[2] = {"io/v2_f4_3.npy", "io/v3_f4_3.npy"};
    for (int k = 0; k < 2; k++) {
        read_fixture(files[k], &a, MG_F32, 1, (int64_t[]){3});
        float want[3] = {0, 1, 2};
        tu_assert_close_f(a.data, want, 3, 0, 0, files[k]);
        mg_array_free(&a);
        tu_assert_ok(mg_npy_inspect(tu_fixture(files[k]), &info));
        assert_int_equal(info.major, k + 2);
        assert_int_equal(info.minor, 0);
        assert_int_equal(info.data_offset % 64, 0);
    }

    read_fixture("io/scalar_f8.npy", &a, MG_F64, 0, NULL);
    assert_int_equal(mg_array_numel(&a), 1);
    assert_true(*(double *)a.data == 3.25);
    mg_array_free(&a);

    read_fixture("io/empty_f4_0x5.npy", &a, MG_F32, 2, (int64_t[]){0, 5});
    assert_int_equal(mg_array_numel(&a), 0);
    assert_null(a.data);
    mg_array_free(&a);

    read_fixture("io/f4_2x3x4.npy", &a, MG_F32, 3, (int64_t[]){2, 3, 4});
    for (int i = 0; i < 24; i++) assert_true(((float *)a.data)[i] == 0.25f * (float)i);
    mg_array_free(&a);

    read_fixture("io/i4_2x1x3x2.npy", &a, MG_I32, 4, (int64_t[]){2, 1, 3, 2});
    for (int i = 0; i < 12; i++) assert_int_equal(((int32_t *)a.data)[i], i - 6);
    mg_array_free(&a);
}

/* Fortran order (2-D transposed, >2-D refused) and big-endian data. */
static void test_fortran_and_big_endian(void **state) {
    (void)state;
    mg_array a;
    mg_npy_info info;
    read_fixture("io/fortran_f8_3x4.npy", &a, MG_F64, 2, (int64_t[]){3, 4});
    for (int i = 0; i < 12; i++) assert_true(((double *)a.data)[i] == i);
    mg_array_free(&a);
    tu_assert_ok(mg_npy_inspect(tu_fixture("io/fortran_f8_3x4.npy"), &info));
    assert_true(info.fortran_order);
    assert_string_equal(info.descr, "<f8");
    assert_int_equal(info.data_bytes, 96);

    read_fixture("io/be_fortran_f8_2x3.npy", &a, MG_F64, 2, (int64_t[]){2, 3});
    for (int i = 0; i < 6; i++) assert_true(((double *)a.data)[i] == i);
    mg_array_free(&a);

    assert_int_equal(mg_npy_read(tu_fixture("io/fortran_f4_2x3x2.npy"), &a), MG_ERR_UNSUPPORTED);
    assert_non_null(strstr(mg_last_error(), "Fortran"));
    assert_non_null(strstr(mg_last_error(), "fortran_f4_2x3x2.npy"));

    read_fixture("io/be_f4_2x3.npy", &a, MG_F32, 2, (int64_t[]){2, 3});
    for (int i = 0; i < 6; i++) assert_true(((float *)a.data)[i] == (float)i * 0.5f - 1.0f);
    mg_array_free(&a);
    tu_assert_ok(mg_npy_inspect(tu_fixture("io/be_f4_2x3.npy"), &info));
    assert_string_equal(info.descr, ">f4");

    read_fixture("io/be_i8_3.npy", &a, MG_I64, 1, (int64_t[]){3});
    int64_t want[3] = {-5, INT64_C(1) << 33, 12};
    assert_memory_equal(a.data, want, sizeof want);
    mg_array_free(&a);

    /* Reading from memory gives the same as from the file. */
    size_t len;
    unsigned char *b = tu_fixture_bytes("io/be_fortran_f8_2x3.npy", &len);
    tu_assert_ok(mg_npy_read_mem(b, len, "mem", &a));
    for (int i = 0; i < 6; i++) assert_true(((double *)a.data)[i] == i);
    mg_array_free(&a);
    free(b);
}

/* bool, int8, int16, uint16, uint32 widen losslessly; others are refused. */
static void test_widen_and_unsupported(void **state) {
    (void)state;
    mg_array a;
    read_fixture("io/b1_4.npy", &a, MG_U8, 1, (int64_t[]){4});
    assert_memory_equal(a.data, ((uint8_t[]){1, 0, 0, 1}), 4);
    mg_array_free(&a);
    read_fixture("io/i1_4.npy", &a, MG_I32, 1, (int64_t[]){4});
    assert_memory_equal(a.data, ((int32_t[]){-128, -1, 0, 127}), 16);
    mg_array_free(&a);
    read_fixture("io/i2_3.npy", &a, MG_I32, 1, (int64_t[]){3});
    assert_memory_equal(a.data, ((int32_t[]){-32768, 5, 32767}), 12);
    mg_array_free(&a);
    read_fixture("io/u2_3.npy", &a, MG_I32, 1, (int64_t[]){3});
    assert_memory_equal(a.data, ((int32_t[]){0, 1, 65535}), 12);
    mg_array_free(&a);
    read_fixture("io/u4_2.npy", &a, MG_I64, 1, (int64_t[]){2});
    assert_memory_equal(a.data, ((int64_t[]){0, INT64_C(4294967295)}), 16);
    mg_array_free(&a);

    const char *bad[3][2] = {{"io/c8_2.npy", "<c8"}, {"io/u8_2.npy", "<u8"}, {"io/struct_2.npy", "structured"}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(mg_npy_read(tu_fixture(bad[i][0]), &a), MG_ERR_UNSUPPORTED);
        assert_non_null(strstr(mg_last_error(), bad[i][1]));
        assert_null(a.data);
    }
}

/* mg_npy_encode reproduces numpy.save's bytes exactly, and so does
 * mg_npy_write on disk. */
static void test_numpy_identical_bytes(void **state) {
    (void)state;
    const char *files[] = {"io/f4_2x3.npy",    "io/f8_5.npy",      "io/u1_2x4.npy",       "io/i4_3x2.npy",
                           "io/i8_4.npy",      "io/f2_6.npy",      "io/scalar_f8.npy",    "io/empty_f4_0x5.npy",
                           "io/f4_2x3x4.npy",  "io/i4_2x1x3x2.npy", "io/f4_10x10.npy",   "io/f4_nan_inf.npy"};
    char *dir = tu_mkdtemp();
    char *out = tu_path(dir, "x.npy");
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len, elen, wlen;
        unsigned char *b = tu_fixture_bytes(files[k], &len), *e, *w;
        mg_array a;
        tu_assert_ok(mg_npy_read_mem(b, len, files[k], &a));
        tu_assert_ok(mg_npy_encode(&a, &e, &elen));
        if (elen != len || memcmp(e, b, len)) print_error("%s: encoding differs from numpy.save\n", files[k]);
        assert_int_equal(elen, len);
        assert_memory_equal(e, b, len);
        tu_assert_ok(mg_npy_write(out, &a));
        tu_assert_ok(mg_read_file(out, 0, &w, &wlen));
        assert_int_equal(wlen, len);
        assert_memory_equal(w, b, len);
        free(w);
        free(e);
        free(b);
        mg_array_free(&a);
    }
    free(out);
    tu_rmtree(dir);
    free(dir);
}

/* Header dicts NumPy (or a hand-written tool) may produce. */
static void test_header_variants(void **state) {
    (void)state;
    const float data[3] = {1.5f, -2, 4};
    const char *ok[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
        "{\"shape\": (3,), \"descr\": \"<f4\", \"fortran_order\": False}",
        "{ 'fortran_order' :False ,'shape':( 3 , ) ,'descr':'<f4' }   \t ",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3L,), }",
        "{'descr': '=f4', 'fortran_order': False, 'shape': (3,)}",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }",
    };
    for (int major = 1; major <= 3; major++) {
        for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
            size_t len;
            unsigned char *b = make_npy(major, ok[k], data, sizeof data, &len);
            mg_array a;
            mg_status st = mg_npy_read_mem(b, len, "variant.npy", &a);
            if (st != MG_OK) print_error("header %s: %s\n", ok[k], mg_last_error());
            assert_int_equal(st, MG_OK);
            assert_int_equal(mg_array_numel(&a), 3);
            tu_assert_close_f(a.data, data, 3, 0, 0, "variant");
            mg_array_free(&a);
            free(b);
        }
    }
    /* A Fortran (2, 2) matrix written by hand. */
    size_t len;
    const float colmajor[4] = {1, 3, 2, 4}; /* [[1, 2], [3, 4]] */
    unsigned char *b = make_npy(1, "{'descr':'<f4','fortran_order':True,'shape':(2,2)}", colmajor, 16, &len);
    mg_array a;
    tu_assert_ok(mg_npy_read_mem(b, len, "f.npy", &a));
    const float rowmajor[4] = {1, 2, 3, 4};
    tu_assert_close_f(a.data, rowmajor, 4, 0, 0, "fortran 2x2");
    mg_array_free(&a);
    free(b);
    /* Eight dimensions are fine. */
    b = make_npy(1, "{'descr':'|u1','fortran_order':False,'shape':(1,1,1,1,1,1,1,2)}", "ab", 2, &len);
    tu_assert_ok(mg_npy_read_mem(b, len, "d8.npy", &a));
    assert_int_equal(a.ndim, 8);
    mg_array_free(&a);
    free(b);
}

/* Malformed headers give MG_ERR_FORMAT/UNSUPPORTED naming the problem. */
static void test_header_errors(void **state) {
    (void)state;
    const unsigned char d12[12] = {0};
    struct {
        const char *dict;
        mg_status st;
        const char *needle;
    } cases[] = {
        {"{'descr': '<f4', 'fortran_order': False}", MG_ERR_FORMAT, "lacks the key 'shape'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "repeats the key"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", MG_ERR_FORMAT, "unexpected key 'x'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", MG_ERR_FORMAT, "not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [3]}", MG_ERR_FORMAT, "not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", MG_ERR_FORMAT, "negative dimension"},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': (3,)}", MG_ERR_FORMAT, "True or False"},
        {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (3,)}", MG_ERR_FORMAT, "True or False"},
        {"{'descr' '<f4', 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "expected ':'"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "after the value of 'descr'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} x", MG_ERR_FORMAT, "after the dict"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "expected ',' or '}'"},
        {"['descr', '<f4']", MG_ERR_FORMAT, "not a Python dict"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,,)}", MG_ERR_FORMAT, "expected an integer"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3 4)}", MG_ERR_FORMAT, "expected ',' or ')'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", MG_ERR_FORMAT, "64 bits"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}", MG_ERR_FORMAT,
         "impossibly large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,3)}", MG_ERR_UNSUPPORTED, "dimensions"},
        {"{'descr': '<f3', 'fortran_order': False, 'shape': (3,)}", MG_ERR_UNSUPPORTED, "'<f3'"},
        {"{'descr': 'O', 'fortran_order': False, 'shape': (3,)}", MG_ERR_UNSUPPORTED, "'O'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,)}", MG_ERR_UNSUPPORTED, "structured"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", MG_ERR_FORMAT, "trailing data"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", MG_ERR_FORMAT, "4 missing"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}", MG_ERR_FORMAT, "missing"},
        {"{'descr': '<f4\\x', 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "escape"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", MG_ERR_FORMAT, "after the value of 'shape'"},
        {"{'descr': '<f4', 3: 4}", MG_ERR_FORMAT, "expected a quoted dict key"},
        {"{'descr': '<f4aaaaaaaaaaaaaaaaaaaaaaa', 'fortran_order': False, 'shape': (3,)}", MG_ERR_FORMAT, "too long"},
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 3)}", MG_ERR_UNSUPPORTED, "Fortran"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len;
        unsigned char *b = make_npy(1, cases[k].dict, d12, 12, &len);
        expect_fail_mem(b, len, cases[k].st, cases[k].needle);
        free(b);
    }
    /* A NUL inside the header. */
    size_t len;
    unsigned char *b = make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", d12, 12, &len);
    b[20] = '\0';
    expect_fail_mem(b, len, MG_ERR_FORMAT, "NUL");
    free(b);
}

/* Magic, version and header-length checks. */
static void test_preamble_errors(void **state) {
    (void)state;
    size_t len;
    unsigned char *b = tu_fixture_bytes("io/f4_2x3.npy", &len);
    unsigned char *c = malloc(len);

    memcpy(c, b, len);
    c[1] = 'X';
    expect_fail_mem(c, len, MG_ERR_FORMAT, "bad magic");
    expect_fail_mem("PK\x03\x04", 4, MG_ERR_FORMAT, "bad magic");
    expect_fail_mem("", 0, MG_ERR_FORMAT, "truncated");

    memcpy(c, b, len);
    c[6] = 4;
    expect_fail_mem(c, len, MG_ERR_UNSUPPORTED, "version 4.0");
    c[6] = 1;
    c[7] = 1;
    expect_fail_mem(c, len, MG_ERR_UNSUPPORTED, "version 1.1");

    /* Header length beyond the file. */
    memcpy(c, b, len);
    c[8] = 0xff;
    c[9] = 0xff;
    expect_fail_mem(c, len, MG_ERR_FORMAT, "runs past the end");
    /* Header length shorter than the dict: the dict is cut. */
    memcpy(c, b, len);
    c[8] = 20;
    c[9] = 0;
    expect_fail_mem(c, len, MG_ERR_FORMAT, "bad.npy");
    /* Version 2.0 with an absurd 32-bit length. */
    unsigned char v2[16] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{', '}', ' ', '\n'};
    expect_fail_mem(v2, sizeof v2, MG_ERR_FORMAT, "runs past the end");
    expect_fail_mem(v2, 11, MG_ERR_FORMAT, "truncated");
    /* Trailing garbage after valid data. */
    unsigned char *t = malloc(len + 3);
    memcpy(t, b, len);
    memcpy(t + len, "xyz", 3);
    expect_fail_mem(t, len + 3, MG_ERR_FORMAT, "3 bytes of trailing data");
    free(t);
    free(c);
    free(b);
}

/* Every truncation of valid files fails cleanly, in memory and on disk. */
static void test_truncated_every_offset(void **state) {
    (void)state;
    const char *files[] = {"io/f4_2x3.npy", "io/v3_f4_3.npy", "io/fortran_f8_3x4.npy", "io/scalar_f8.npy"};
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "t.npy");
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        size_t len;
        unsigned char *b = tu_fixture_bytes(files[k], &len);
        for (size_t n = 0; n < len; n++) {
            mg_array a;
            mg_status st = mg_npy_read_mem(b, n, "cut.npy", &a);
            if (st == MG_OK) print_error("%s cut at %zu bytes was accepted\n", files[k], n);
            assert_int_not_equal(st, MG_OK);
            assert_non_null(strstr(mg_last_error(), "cut.npy"));
            assert_null(a.data);
            tu_write_bytes(p, b, n);
            assert_int_not_equal(mg_npy_read(p, &a), MG_OK);
            assert_non_null(strstr(mg_last_error(), p));
            mg_npy_info info;
            assert_int_not_equal(mg_npy_inspect(p, &info), MG_OK);
        }
        free(b);
    }
    /* The message for cut data says how much is missing. */
    size_t len;
    unsigned char *b = tu_fixture_bytes("io/f4_2x3.npy", &len);
    mg_array a;
    assert_int_equal(mg_npy_read_mem(b, len - 5, "cut.npy", &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "5 missing"));
    free(b);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Anonymous resident memory of this process in kB (RssAnon in /proc/self/status), or -1. */
static long rss_anon_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "RssAnon:", 8)) kb = strtol(line + 8, NULL, 10);
    if (f) fclose(f);
    return kb;
}

/* mg_npy_map_matrix: a float32 file is mapped (the values of mg_npy_read_matrix, bit for bit, with the
 * anonymous memory flat while every value is read, where reading it whole adds its size), a 3-D file is
 * flattened to rows as mg_npy_read_matrix does, a float64 file is read and converted, a bad file fails and
 * leaves a map that releases safely. */
static void test_map_matrix(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "big.npy");
    int64_t shape[3] = {8192, 1024, 0}; /* 32 MiB */
    mg_array a, w;
    tu_assert_ok(mg_array_alloc(&a, MG_F32, 2, shape));
    for (int64_t i = 0; i < shape[0] * shape[1]; i++) ((float *)a.data)[i] = (float)(i % 1009) * 0.25f - 7.0f;
    tu_assert_ok(mg_npy_write(p, &a));
    mg_array_free(&a);
    mg_npy_map m;
    mg_mat X;
    long before = rss_anon_kb();
    tu_assert_ok(mg_npy_map_matrix(p, "training data", &m, &X));
    assert_non_null(m.base);
    assert_int_equal(X.rows, 8192), assert_int_equal(X.cols, 1024), assert_int_equal(X.ld, 1024);
    double sum = 0;
    for (int64_t i = 0; i < X.rows * X.cols; i++) sum += X.data[i];
    long mapped = rss_anon_kb();
    tu_assert_ok(mg_npy_read_matrix(p, "training data", 0, &w));
    long whole = rss_anon_kb();
    print_message("RssAnon: +%ld kB mapped and read, +%ld kB more read whole (sum %g)\n", mapped - before,
                  whole - mapped, sum);
    if (before >= 0) {
        assert_true(mapped - before < 8 * 1024);
        assert_true(whole - mapped >= 30 * 1024);
    }
    assert_memory_equal(w.data, X.data, mg_array_nbytes(&w));
    mg_array_free(&w);
    mg_npy_unmap(&m);
    assert_null(m.base);
    mg_npy_unmap(&m); /* twice is safe */

    int64_t s3[3] = {4, 3, 2};
    tu_assert_ok(mg_array_alloc(&a, MG_F32, 3, s3));
    for (int i = 0; i < 24; i++) ((float *)a.data)[i] = (float)i;
    tu_assert_ok(mg_npy_write(p, &a));
    tu_assert_ok(mg_npy_map_matrix(p, NULL, &m, &X));
    assert_non_null(m.base);
    assert_int_equal(X.rows, 4), assert_int_equal(X.cols, 6);
    assert_memory_equal(X.data, a.data, 24 * sizeof(float));
    mg_npy_unmap(&m);
    mg_array_free(&a);

    int64_t s2[2] = {3, 2};
    tu_assert_ok(mg_array_alloc(&a, MG_F64, 2, s2));
    for (int i = 0; i < 6; i++) ((double *)a.data)[i] = 0.1 * i;
    tu_assert_ok(mg_npy_write(p, &a));
    tu_assert_ok(mg_npy_map_matrix(p, NULL, &m, &X));
    assert_null(m.base); /* converted, not mapped */
    assert_true(X.rows == 3 && X.cols == 2 && X.data[5] == (float)0.5);
    mg_npy_unmap(&m);
    mg_array_free(&a);

    tu_write_bytes(p, "\x93NUMPY junk", 12);
    assert_int_not_equal(mg_npy_map_matrix(p, "training data", &m, &X), MG_OK);
    assert_non_null(strstr(mg_last_error(), "training data"));
    mg_npy_unmap(&m);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* write -> read gives back every dtype and shape; writes are atomic. */
static void test_round_trip(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "r.npy");
    const mg_dtype dts[] = {MG_F32, MG_F64, MG_U8, MG_I32, MG_I64, MG_F16};
    const int64_t shapes[][MG_MAX_DIMS] = {{0}, {7}, {3, 5}, {0, 4}, {2, 3, 4}, {1, 2, 1, 3}, {2, 1, 1, 1, 1, 1, 1, 2}};
    const int ndims[] = {0, 1, 2, 2, 3, 4, 8};
    for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++) {
        for (size_t s = 0; s < sizeof ndims / sizeof ndims[0]; s++) {
            mg_array a, b;
            tu_assert_ok(mg_array_alloc(&a, dts[d], ndims[s], shapes[s]));
            unsigned char *raw = a.data;
            for (size_t i = 0; i < mg_array_nbytes(&a); i++) raw[i] = (unsigned char)(i * 37 + d);
            tu_assert_ok(mg_npy_write(p, &a));
            tu_assert_ok(mg_npy_read(p, &b));
            assert_int_equal(b.dtype, a.dtype);
            assert_int_equal(b.ndim, a.ndim);
            assert_memory_equal(b.shape, a.shape, sizeof a.shape);
            assert_int_equal(mg_array_nbytes(&b), mg_array_nbytes(&a));
            if (mg_array_nbytes(&a)) assert_memory_equal(b.data, a.data, mg_array_nbytes(&a));
            mg_npy_info info;
            tu_assert_ok(mg_npy_inspect(p, &info));
            assert_int_equal(info.major, 1);
            assert_int_equal(info.data_offset % 64, 0);
            mg_array_free(&a);
            mg_array_free(&b);
        }
    }
    assert_int_equal(tu_count_entries(dir), 1); /* no temporary files left */

    /* float32 buffer helper. */
    const float m[6] = {1, 2, 3, 4, 5, 6};
    mg_array b;
    tu_assert_ok(mg_npy_write_f32(p, m, 2, (int64_t[]){3, 2}));
    tu_assert_ok(mg_npy_read(p, &b));
    assert_int_equal(b.shape[0], 3);
    tu_assert_close_f(b.data, m, 6, 0, 0, "write_f32");
    mg_array_free(&b);

    /* bfloat16 has no .npy dtype; bad arrays are refused; the old file stays. */
    mg_array bf;
    tu_assert_ok(mg_array_alloc(&bf, MG_BF16, 1, (int64_t[]){2}));
    assert_int_equal(mg_npy_write(p, &bf), MG_ERR_UNSUPPORTED);
    assert_non_null(strstr(mg_last_error(), "bfloat16"));
    mg_array_free(&bf);
    mg_array bad = {MG_F32, 2, {2, 3}, NULL};
    assert_int_equal(mg_npy_write(p, &bad), MG_ERR_ARG);
    bad.shape[0] = -1;
    unsigned char *enc;
    size_t elen;
    assert_int_equal(mg_npy_encode(&bad, &enc, &elen), MG_ERR_ARG);
    tu_assert_ok(mg_npy_read(p, &b));
    tu_assert_close_f(b.data, m, 6, 0, 0, "old file intact");
    mg_array_free(&b);
    assert_int_equal(tu_count_entries(dir), 1);

    /* Unwritable destination. */
    char *nodir = tu_path(dir, "missing/x.npy");
    assert_int_equal(mg_npy_write_f32(nodir, m, 1, (int64_t[]){6}), MG_ERR_IO);
    assert_int_equal(mg_npy_read(nodir, &b), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), nodir));
    free(nodir);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* float32 loading and matrix shaping. */
static void test_read_matrix(void **state) {
    (void)state;
    mg_array a;
    tu_assert_ok(mg_npy_read_f32(tu_fixture("io/f8_5.npy"), &a));
    assert_int_equal(a.dtype, MG_F32);
    for (int i = 0; i < 5; i++) assert_true(((float *)a.data)[i] == (float)((i - 2) / 3.0));
    mg_array_free(&a);

    tu_assert_ok(mg_npy_read_matrix(tu_fixture("io/i4_3x2.npy"), "data", 0, &a));
    assert_int_equal(a.dtype, MG_F32);
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 3);
    assert_int_equal(a.shape[1], 2);
    assert_true(((float *)a.data)[5] == 200000.0f);
    mg_array_free(&a);

    tu_assert_ok(mg_npy_read_matrix(tu_fixture("io/f8_5.npy"), "labels", 1, &a));
    assert_int_equal(a.shape[0], 5);
    assert_int_equal(a.shape[1], 1);
    mg_array_free(&a);
    tu_assert_ok(mg_npy_read_matrix(tu_fixture("io/f8_5.npy"), "labels", 0, &a));
    assert_int_equal(a.shape[0], 1);
    assert_int_equal(a.shape[1], 5);
    mg_array_free(&a);

    tu_assert_ok(mg_npy_read_matrix(tu_fixture("io/i4_2x1x3x2.npy"), "images", 0, &a));
    assert_int_equal(a.ndim, 2);
    assert_int_equal(a.shape[0], 2);
    assert_int_equal(a.shape[1], 6);
    assert_int_equal(a.shape[2], 0);
    assert_true(((float *)a.data)[11] == 5.0f);
    mg_array_free(&a);

    tu_assert_ok(mg_npy_read_matrix(tu_fixture("io/empty_f4_0x5.npy"), "data", 0, &a));
    assert_int_equal(a.shape[0], 0);
    assert_int_equal(a.shape[1], 5);
    mg_array_free(&a);

    assert_int_equal(mg_npy_read_matrix(tu_fixture("io/scalar_f8.npy"), "training data", 0, &a), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "training data"));
    assert_non_null(strstr(mg_last_error(), "scalar"));
    assert_int_equal(mg_npy_read_matrix("no/such/file.npy", "training data", 0, &a), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "training data"));
    assert_non_null(strstr(mg_last_error(), "no/such/file.npy"));
    assert_null(a.data);
}

/* Tiny and empty headers: the preamble read of a file must not run ahead. */
static void test_tiny_headers(void **state) {
    (void)state;
    /* v1 headers of length 0 and 1. */
    unsigned char h0[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    expect_fail_mem(h0, sizeof h0, MG_ERR_FORMAT, "not a Python dict");
    unsigned char h1[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 1, 0, '{', 'x'};
    expect_fail_mem(h1, 11, MG_ERR_FORMAT, "bad.npy");
    expect_fail_mem(h1, 12, MG_ERR_FORMAT, "bad.npy");
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "h1.npy");
    tu_write_bytes(p, h1, 12);
    mg_array a;
    assert_int_equal(mg_npy_read(p, &a), MG_ERR_FORMAT);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_dtypes),
        cmocka_unit_test(test_read_versions_and_shapes),
        cmocka_unit_test(test_fortran_and_big_endian),
        cmocka_unit_test(test_widen_and_unsupported),
        cmocka_unit_test(test_numpy_identical_bytes),
        cmocka_unit_test(test_header_variants),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_preamble_errors),
        cmocka_unit_test(test_truncated_every_offset),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_matrix),
        cmocka_unit_test(test_map_matrix),
        cmocka_unit_test(test_tiny_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
