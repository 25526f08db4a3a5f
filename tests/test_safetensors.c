/*
 * Tests of the .safetensors reader/writer: files written from PyTorch tensors
 * the way safetensors.torch.save_file writes them (dev/make_io_fixtures.py),
 * the reference implementation's own serialisation examples, byte-identical
 * re-encoding, any tensor order, widened dtypes, refused dtypes, corrupt
 * headers (lengths, JSON, offsets, overlaps, holes, overflow, UTF-8), every
 * truncation, the collection API, file round trips, and the interop file
 * tests/fixtures/io/written_by_memgen.safetensors that
 * dev/check_safetensors_interop.py loads into torch.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/safetensors.h"

/* Builds an image from header text and data bytes (caller frees). */
static unsigned char *make_st(const char *json, const void *data, size_t n, size_t *len) {
    size_t h = strlen(json);
    *len = 8 + h + n;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, json, h);
    if (n) memcpy(b + 8 + h, data, n);
    return b;
}

/* Expects parsing buf to fail with st and a message containing needle. */
static void expect_fail(const void *buf, size_t len, mg_status st, const char *needle) {
    mg_st *s = (mg_st *)1;
    mg_status got = mg_st_read_mem(buf, len, "bad.safetensors", &s);
    if (got != st || !strstr(mg_last_error(), needle))
        print_error("want %s containing '%s', got %s: %s\n", mg_status_str(st), needle, mg_status_str(got), mg_last_error());
    assert_int_equal(got, st);
    assert_non_null(strstr(mg_last_error(), needle));
    assert_non_null(strstr(mg_last_error(), "bad.safetensors"));
    assert_null(s);
}

/* Expects a header (with n data bytes) to be refused. */
static void expect_fail_json(const char *json, size_t n, mg_status st, const char *needle) {
    unsigned char data[64] = {0};
    size_t len;
    unsigned char *b = make_st(json, data, n, &len);
    expect_fail(b, len, st, needle);
    free(b);
}

/* The tensors of model.safetensors and their values. */
static void check_model(const mg_st *s) {
    const char *names[] = {"W1", "W2", "bf", "bias", "counts", "empty", "h", "mask", "scalar", "steps"};
    assert_int_equal(mg_st_count(s), 10);
    for (int i = 0; i < 10; i++) assert_string_equal(mg_st_name(s, i), names[i]);
    assert_null(mg_st_name(s, 10));
    assert_null(mg_st_name(s, -1));

    const mg_array *a = mg_st_get(s, "W1");
    assert_int_equal(a->dtype, MG_F32);
    assert_int_equal(a->ndim, 2);
    assert_int_equal(a->shape[0], 4);
    assert_int_equal(a->shape[1], 3);
    for (int i = 0; i < 12; i++) assert_true(((float *)a->data)[i] == (float)i * 0.1f);
    a = mg_st_get(s, "W2");
    for (int i = 0; i < 12; i++) assert_true(((float *)a->data)[i] == -(float)i);
    a = mg_st_get(s, "bias");
    assert_int_equal(a->dtype, MG_F64);
    for (int i = 0; i < 3; i++) assert_true(((double *)a->data)[i] == (i - 1) / 7.0);
    a = mg_st_get(s, "steps");
    assert_int_equal(a->dtype, MG_I64);
    assert_memory_equal(a->data, ((int64_t[]){-1, INT64_C(1) << 40}), 16);
    a = mg_st_get(s, "counts");
    assert_int_equal(a->dtype, MG_I32);
    assert_memory_equal(a->data, ((int32_t[]){-2, -1, 0, 1}), 16);
    a = mg_st_get(s, "mask");
    assert_int_equal(a->dtype, MG_U8);
    assert_memory_equal(a->data, ((uint8_t[]){0, 50, 100, 150, 200}), 5);
    a = mg_st_get(s, "h");
    assert_int_equal(a->dtype, MG_F16);
    assert_memory_equal(a->data, ((uint16_t[]){0x3c00, 0xb800, 0x7bff, 0x0001}), 8);
    a = mg_st_get(s, "bf");
    assert_int_equal(a->dtype, MG_BF16);
    /* torch rounds 3.0e38 to the nearest bfloat16, 0x7f62. */
    assert_memory_equal(a->data, ((uint16_t[]){0x3f80, 0xc020, 0x7f62}), 6);
    a = mg_st_get(s, "scalar");
    assert_int_equal(a->ndim, 0);
    assert_true(*(float *)a->data == 7.5f);
    a = mg_st_get(s, "empty");
    assert_int_equal(a->ndim, 2);
    assert_int_equal(a->shape[0], 0);
    assert_int_equal(a->shape[1], 4);
    assert_null(a->data);
    assert_null(mg_st_get(s, "nope"));

    assert_int_equal(mg_st_meta_count(s), 3);
    assert_string_equal(mg_st_meta_key(s, 0), "n");
    assert_string_equal(mg_st_meta_key(s, 1), "note");
    assert_string_equal(mg_st_meta_key(s, 2), "sigma");
    assert_null(mg_st_meta_key(s, 3));
    assert_string_equal(mg_st_meta(s, "note"), "tab\there \"quoted\" back\\slash \xc3\xa9\n");
    double sigma;
    int64_t n;
    tu_assert_ok(mg_st_meta_double(s, "sigma", &sigma));
    assert_true(sigma == 0.5);
    tu_assert_ok(mg_st_meta_int(s, "n", &n));
    assert_int_equal(n, 1000);
}

/* PyTorch-written files read back with exact values, in any layout. */
static void test_read_torch_files(void **state) {
    (void)state;
    mg_st *s;
    tu_assert_ok(mg_st_read(tu_fixture("io/model.safetensors"), &s));
    check_model(s);
    mg_st_free(s);
    tu_assert_ok(mg_st_read(tu_fixture("io/unordered.safetensors"), &s));
    check_model(s);
    mg_st_free(s);
    size_t len;
    unsigned char *b = tu_fixture_bytes("io/unordered.safetensors", &len);
    tu_assert_ok(mg_st_read_mem(b, len, "mem", &s));
    check_model(s);
    mg_st_free(s);
    free(b);
}

/* Encoding reproduces save_file's bytes; a scrambled file re-encodes to them. */
static void test_identical_bytes(void **state) {
    (void)state;
    size_t mlen, ulen, elen, wlen;
    unsigned char *model = tu_fixture_bytes("io/model.safetensors", &mlen);
    unsigned char *unord = tu_fixture_bytes("io/unordered.safetensors", &ulen);
    unsigned char *e, *w;
    const unsigned char *srcs[2] = {model, unord};
    size_t lens[2] = {mlen, ulen};
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "m.safetensors");
    for (int k = 0; k < 2; k++) {
        mg_st *s;
        tu_assert_ok(mg_st_read_mem(srcs[k], lens[k], "src", &s));
        tu_assert_ok(mg_st_encode(s, &e, &elen));
        assert_int_equal(elen, mlen);
        assert_memory_equal(e, model, mlen);
        tu_assert_ok(mg_st_write(s, p));
        tu_assert_ok(mg_read_file(p, 0, &w, &wlen));
        assert_int_equal(wlen, mlen);
        assert_memory_equal(w, model, mlen);
        free(w);
        free(e);
        mg_st_free(s);
    }
    free(p);
    tu_rmtree(dir);
    free(dir);
    free(model);
    free(unord);
}

/* The byte-level examples of the reference implementation's own tests
 * (safetensors/src/tensor.rs: test_serialization, test_empty,
 * test_serialization_forced_alignement). */
static void test_reference_examples(void **state) {
    (void)state;
    const float v[6] = {0, 1, 2, 3, 4, 5};
    mg_st *s = mg_st_new();
    tu_assert_ok(mg_st_add_f32(s, "attn.0", v, 3, (int64_t[]){1, 2, 3}));
    unsigned char *e;
    size_t len;
    tu_assert_ok(mg_st_encode(s, &e, &len));
    const char *h1 = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    assert_int_equal(len, 8 + 64 + 24);
    assert_int_equal(e[0], 64);
    assert_memory_equal(e + 8, h1, 64);
    assert_memory_equal(e + 72, v, 24);
    free(e);
    mg_st_free(s);

    s = mg_st_new();
    tu_assert_ok(mg_st_add_f32(s, "attn0", v, 4, (int64_t[]){1, 1, 2, 3}));
    tu_assert_ok(mg_st_encode(s, &e, &len));
    const char *h2 = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ";
    assert_int_equal(e[0], 72);
    assert_memory_equal(e + 8, h2, 72);
    free(e);
    mg_st_free(s);

    s = mg_st_new();
    tu_assert_ok(mg_st_encode(s, &e, &len));
    assert_int_equal(len, 16);
    assert_memory_equal(e, "\x08\0\0\0\0\0\0\0{}      ", 16);
    free(e);
    tu_assert_ok(mg_st_set_meta(s, "framework", "pt"));
    tu_assert_ok(mg_st_encode(s, &e, &len));
    assert_int_equal(len, 48);
    assert_memory_equal(e, "\x28\0\0\0\0\0\0\0{\"__metadata__\":{\"framework\":\"pt\"}}     ", 48);
    mg_st *r;
    tu_assert_ok(mg_st_read_mem(e, len, "meta only", &r));
    assert_int_equal(mg_st_count(r), 0);
    assert_string_equal(mg_st_meta(r, "framework"), "pt");
    mg_st_free(r);
    free(e);
    mg_st_free(s);
}

/* BOOL/I8/I16/U16/U32 are widened; F8_E4M3 is refused naming the dtype. */
static void test_widen_and_unsupported(void **state) {
    (void)state;
    mg_st *s;
    tu_assert_ok(mg_st_read(tu_fixture("io/widen.safetensors"), &s));
    const mg_array *a = mg_st_get(s, "b");
    assert_int_equal(a->dtype, MG_U8);
    assert_memory_equal(a->data, ((uint8_t[]){1, 0, 1}), 3);
    a = mg_st_get(s, "i8");
    assert_int_equal(a->dtype, MG_I32);
    assert_memory_equal(a->data, ((int32_t[]){-3, 100}), 8);
    a = mg_st_get(s, "i16");
    assert_int_equal(a->dtype, MG_I32);
    assert_memory_equal(a->data, ((int32_t[]){-30000, 7}), 8);
    mg_st_free(s);
    tu_assert_ok(mg_st_read(tu_fixture("io/u16_u32.safetensors"), &s));
    a = mg_st_get(s, "u16");
    assert_int_equal(a->dtype, MG_I32);
    assert_memory_equal(a->data, ((int32_t[]){1, 65535}), 8);
    a = mg_st_get(s, "u32");
    assert_int_equal(a->dtype, MG_I64);
    assert_memory_equal(a->data, ((int64_t[]){0, INT64_C(4294967295)}), 16);
    mg_st_free(s);

    assert_int_equal(mg_st_read(tu_fixture("io/f8_e4m3.safetensors"), &s), MG_ERR_UNSUPPORTED);
    assert_non_null(strstr(mg_last_error(), "F8_E4M3"));
    assert_non_null(strstr(mg_last_error(), "f8_e4m3.safetensors"));
    assert_non_null(strstr(mg_last_error(), "'x'"));
    assert_null(s);
    expect_fail_json("{\"x\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, MG_ERR_UNSUPPORTED, "U64");
    expect_fail_json("{\"x\":{\"dtype\":\"float32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, MG_ERR_UNSUPPORTED,
                     "float32");
}

/* Corrupt headers are refused with a message naming the problem. */
static void test_corrupt_headers(void **state) {
    (void)state;
    const char *T = "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\"";
    char j[512];
    struct {
        const char *fmt;
        size_t n;
        mg_status st;
        const char *needle;
    } cases[] = {
        {"{\"a\":{%s:[0,8]},\"b\":{%s:[4,12]}}", 12, MG_ERR_FORMAT, "overlap"},
        {"{\"a\":{%s:[0,8]},\"b\":{%s:[0,8]}}", 8, MG_ERR_FORMAT, "overlap"},
        {"{\"a\":{%s:[0,8]},\"b\":{%s:[12,20]}}", 20, MG_ERR_FORMAT, "hole"},
        {"{\"a\":{%s:[4,12]}}", 12, MG_ERR_FORMAT, "hole"},
        {"{\"a\":{%s:[0,8]}}", 12, MG_ERR_FORMAT, "4 bytes after the last tensor"},
        {"{\"a\":{%s:[0,8]}}", 4, MG_ERR_FORMAT, "past the end"},
        {"{\"a\":{%s:[8,0]}}", 8, MG_ERR_FORMAT, "end before they begin"},
        {"{\"a\":{%s:[0,12]}}", 12, MG_ERR_FORMAT, "needs 8 bytes"},
        {"{\"a\":{%s:[0,-8]}}", 8, MG_ERR_FORMAT, "nonnegative integers"},
        {"{\"a\":{%s:[0,8.5]}}", 8, MG_ERR_FORMAT, "nonnegative integers"},
        {"{\"a\":{%s:[0,8,9]}}", 8, MG_ERR_FORMAT, "data_offsets"},
        {"{\"a\":{%s:\"0-8\"}}", 8, MG_ERR_FORMAT, "data_offsets"},
        {"{\"a\":{%s:[0,1e300]}}", 8, MG_ERR_FORMAT, "nonnegative integers"},
        {"{\"a\":{%s:[0,8]},\"a\":{%s:[8,16]}}", 16, MG_ERR_FORMAT, "twice"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(j, sizeof j, cases[k].fmt, T, T);
        expect_fail_json(j, cases[k].n, cases[k].st, cases[k].needle);
    }
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, MG_ERR_FORMAT, "shape entries");
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, MG_ERR_FORMAT, "shape entries");
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 8,
                     MG_ERR_FORMAT, "impossibly large");
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[9007199254740992,9007199254740992],\"data_offsets\":[0,8]}}",
                     8, MG_ERR_FORMAT, "impossibly large");
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,2],\"data_offsets\":[0,8]}}", 8,
                     MG_ERR_UNSUPPORTED, "dimensions");
    expect_fail_json("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, MG_ERR_FORMAT, "'shape'");
    expect_fail_json("{\"a\":{\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, MG_ERR_FORMAT, "'dtype'");
    expect_fail_json("{\"a\":[1,2]}", 0, MG_ERR_FORMAT, "not an object");
    expect_fail_json("{\"__metadata__\":{\"k\":1}}", 0, MG_ERR_FORMAT, "metadata 'k' is not a string");
    expect_fail_json("{\"__metadata__\":[\"k\"]}", 0, MG_ERR_FORMAT, "'__metadata__' is not an object");
    expect_fail_json("{\"__metadata__\":{},\"__metadata__\":{}}", 0, MG_ERR_FORMAT, "two '__metadata__'");
    expect_fail_json("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, MG_ERR_FORMAT, "appears twice");
    expect_fail_json("{\"a\":{", 0, MG_ERR_FORMAT, "not valid JSON");
    expect_fail_json("{\"a\":1,}", 0, MG_ERR_FORMAT, "not valid JSON");
    expect_fail_json("{} x", 0, MG_ERR_FORMAT, "after the JSON header");
    expect_fail_json("[1,2]", 0, MG_ERR_FORMAT, "does not start with '{'");
    expect_fail_json(" {}", 0, MG_ERR_FORMAT, "does not start with '{'");
    expect_fail_json("", 0, MG_ERR_FORMAT, "does not start with '{'");
    expect_fail_json("{\"\xff\":1}", 0, MG_ERR_FORMAT, "UTF-8");
    expect_fail_json("{\"\xc0\xaf\":1}", 0, MG_ERR_FORMAT, "UTF-8"); /* overlong */
    expect_fail_json("{\"\xed\xa0\x80\":1}", 0, MG_ERR_FORMAT, "UTF-8"); /* surrogate */
    expect_fail_json("{\"a\x01\":1}", 0, MG_ERR_FORMAT, "control byte");
    expect_fail_json("{\"a\\u0000b\":1}", 0, MG_ERR_FORMAT, "\\u0000");
    /* An escaped backslash followed by u0000 is a plain string, not NUL. */
    mg_st *s;
    size_t len;
    unsigned char *b = make_st("{\"__metadata__\":{\"k\":\"\\\\u0000\"}}", NULL, 0, &len);
    tu_assert_ok(mg_st_read_mem(b, len, "esc", &s));
    assert_string_equal(mg_st_meta(s, "k"), "\\u0000");
    mg_st_free(s);
    free(b);
    /* Null metadata is accepted as none. */
    b = make_st("{\"__metadata__\":null}", NULL, 0, &len);
    tu_assert_ok(mg_st_read_mem(b, len, "null meta", &s));
    assert_int_equal(mg_st_meta_count(s), 0);
    mg_st_free(s);
    free(b);

    /* Header length field problems. */
    unsigned char big[16] = {0, 0, 0, 0, 0, 1, 0, 0, '{', '}'};
    expect_fail(big, sizeof big, MG_ERR_FORMAT, "100 MB");
    unsigned char over[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
    expect_fail(over, sizeof over, MG_ERR_FORMAT, "100 MB");
    unsigned char past[16] = {9, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
    expect_fail(past, 16, MG_ERR_FORMAT, "runs past the end");
    expect_fail(past, 5, MG_ERR_FORMAT, "too short");
    past[0] = 8;
    tu_assert_ok(mg_st_read_mem(past, 16, "ok", &s));
    mg_st_free(s);
}

/* Every truncation of valid files fails cleanly, in memory and on disk. */
static void test_truncated_every_offset(void **state) {
    (void)state;
    const char *files[] = {"io/small.safetensors", "io/model.safetensors"};
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "t.safetensors");
    for (size_t k = 0; k < 2; k++) {
        size_t len;
        unsigned char *b = tu_fixture_bytes(files[k], &len);
        for (size_t n = 0; n < len; n++) {
            mg_st *s = (mg_st *)1;
            mg_status st = mg_st_read_mem(b, n, "cut.safetensors", &s);
            if (st == MG_OK) print_error("%s cut at %zu bytes was accepted\n", files[k], n);
            assert_int_not_equal(st, MG_OK);
            assert_null(s);
            assert_non_null(strstr(mg_last_error(), "cut.safetensors"));
            tu_write_bytes(p, b, n);
            assert_int_not_equal(mg_st_read(p, &s), MG_OK);
            assert_non_null(strstr(mg_last_error(), p));
        }
        free(b);
    }
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* The collection API: add/replace/take, lookups, shape checks, metadata. */
static void test_api(void **state) {
    (void)state;
    mg_st_free(NULL);
    assert_int_equal(mg_st_count(NULL), 0);
    mg_st *s = mg_st_new();
    const float v[6] = {1, 2, 3, 4, 5, 6};
    tu_assert_ok(mg_st_add_f32(s, "z", v, 2, (int64_t[]){2, 3}));
    tu_assert_ok(mg_st_add_f32(s, "a", v, 1, (int64_t[]){6}));
    tu_assert_ok(mg_st_add_f32(s, "m", v, 1, (int64_t[]){2}));
    assert_int_equal(mg_st_count(s), 3);
    assert_string_equal(mg_st_name(s, 0), "a");
    assert_string_equal(mg_st_name(s, 1), "m");
    assert_string_equal(mg_st_name(s, 2), "z");
    /* Replace keeps the count; take empties the source. */
    mg_array t;
    tu_assert_ok(mg_array_alloc(&t, MG_I64, 1, (int64_t[]){3}));
    ((int64_t *)t.data)[2] = 9;
    tu_assert_ok(mg_st_add_take(s, "m", &t));
    assert_null(t.data);
    assert_int_equal(mg_st_count(s), 3);
    assert_int_equal(mg_st_get(s, "m")->dtype, MG_I64);
    /* A copy is independent of the source buffer. */
    float w[2] = {7, 8};
    tu_assert_ok(mg_st_add_f32(s, "w", w, 1, (int64_t[]){2}));
    w[0] = 0;
    assert_true(((float *)mg_st_get(s, "w")->data)[0] == 7.0f);

    mg_array out;
    tu_assert_ok(mg_st_get_f32(s, "z", 2, (int64_t[]){2, -1}, &out));
    tu_assert_close_f(out.data, v, 6, 0, 0, "z");
    mg_array_free(&out);
    tu_assert_ok(mg_st_get_f32(s, "m", 1, (int64_t[]){3}, &out));
    assert_true(((float *)out.data)[2] == 9.0f);
    mg_array_free(&out);
    assert_int_equal(mg_st_get_f32(s, "z", 2, (int64_t[]){3, 2}, &out), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "'z'"));
    assert_non_null(strstr(mg_last_error(), "(2, 3)"));
    assert_non_null(strstr(mg_last_error(), "(3, 2)"));
    assert_int_equal(mg_st_get_f32(s, "z", 1, (int64_t[]){-1}, &out), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "(*,)"));
    assert_int_equal(mg_st_get_f32(s, "missing", 1, (int64_t[]){-1}, &out), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "'missing'"));
    assert_null(out.data);
    /* float64 values beyond float32 are refused with the tensor named. */
    mg_array big;
    tu_assert_ok(mg_array_alloc(&big, MG_F64, 1, (int64_t[]){1}));
    ((double *)big.data)[0] = 1e300;
    tu_assert_ok(mg_st_add_take(s, "big", &big));
    assert_int_equal(mg_st_get_f32(s, "big", 1, (int64_t[]){1}, &out), MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "'big'"));

    /* Refused names and arrays; on failure add_take leaves the array alone. */
    assert_int_equal(mg_st_add_f32(s, "__metadata__", v, 1, (int64_t[]){1}), MG_ERR_ARG);
    assert_int_equal(mg_st_add_f32(s, "\xff", v, 1, (int64_t[]){1}), MG_ERR_ARG);
    assert_int_equal(mg_st_add_f32(s, "neg", v, 1, (int64_t[]){-1}), MG_ERR_ARG);
    assert_int_equal(mg_st_add_f32(s, "rank", v, 9, (int64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}), MG_ERR_ARG);
    assert_int_equal(mg_st_add_f32(s, "nodata", NULL, 1, (int64_t[]){2}), MG_ERR_ARG);
    tu_assert_ok(mg_array_alloc(&t, MG_F32, 1, (int64_t[]){2}));
    assert_int_equal(mg_st_add_take(s, "__metadata__", &t), MG_ERR_ARG);
    assert_non_null(t.data);
    mg_array_free(&t);
    assert_int_equal(mg_st_count(s), 5);

    /* Metadata. */
    tu_assert_ok(mg_st_set_meta_double(s, "lr", 0.1));
    tu_assert_ok(mg_st_set_meta_int(s, "steps", -12345678901234));
    tu_assert_ok(mg_st_set_meta(s, "name", "first"));
    tu_assert_ok(mg_st_set_meta(s, "name", "second"));
    assert_int_equal(mg_st_meta_count(s), 3);
    assert_string_equal(mg_st_meta(s, "name"), "second");
    assert_string_equal(mg_st_meta(s, "lr"), "0.10000000000000001");
    double d;
    int64_t i;
    tu_assert_ok(mg_st_meta_double(s, "lr", &d));
    assert_true(d == 0.1);
    tu_assert_ok(mg_st_meta_int(s, "steps", &i));
    assert_true(i == -12345678901234);
    assert_int_equal(mg_st_meta_double(s, "name", &d), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "'name'"));
    assert_int_equal(mg_st_meta_int(s, "lr", &i), MG_ERR_FORMAT);
    assert_int_equal(mg_st_meta_int(s, "absent", &i), MG_ERR_NOT_FOUND);
    assert_int_equal(mg_st_meta_double(s, "absent", &d), MG_ERR_NOT_FOUND);
    tu_assert_ok(mg_st_set_meta(s, "huge", "99999999999999999999"));
    assert_int_equal(mg_st_meta_int(s, "huge", &i), MG_ERR_FORMAT);
    tu_assert_ok(mg_st_set_meta(s, "empty", ""));
    assert_int_equal(mg_st_meta_double(s, "empty", &d), MG_ERR_FORMAT);
    assert_int_equal(mg_st_set_meta(s, "bad", "\xc3"), MG_ERR_ARG);
    assert_null(mg_st_meta(s, "bad"));
    mg_st_free(s);
}

/* Offset of each tensor's data in an encoded image, from its header. */
static void check_alignment(const unsigned char *img, size_t len) {
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = (hl << 8) | img[i];
    assert_int_equal(hl % 8, 0);
    assert_true(8 + hl <= len);
    cJSON *root = cJSON_ParseWithLength((const char *)img + 8, hl);
    assert_non_null(root);
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (!strcmp(e->string, "__metadata__")) continue;
        const char *dt = cJSON_GetObjectItem(e, "dtype")->valuestring;
        int sz = (!strcmp(dt, "F64") || !strcmp(dt, "I64")) ? 8 : (!strcmp(dt, "F32") || !strcmp(dt, "I32")) ? 4
                 : (!strcmp(dt, "U8")) ? 1 : 2;
        double begin = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "data_offsets"), 0)->valuedouble;
        assert_int_equal(((uint64_t)begin + 8 + hl) % (uint64_t)sz, 0);
    }
    cJSON_Delete(root);
}

/* Every dtype survives write -> read; data stays aligned; writes are atomic. */
static void test_round_trip(void **state) {
    (void)state;
    const mg_dtype dts[] = {MG_U8, MG_F16, MG_F32, MG_BF16, MG_F64, MG_I32, MG_I64};
    mg_st *s = mg_st_new();
    for (int k = 0; k < 7; k++) {
        for (int odd = 0; odd < 2; odd++) {
            char name[32];
            snprintf(name, sizeof name, "t%d_%s\n\"%d", k, mg_dtype_name(dts[k]), odd);
            mg_array a;
            tu_assert_ok(mg_array_alloc(&a, dts[k], 2, (int64_t[]){odd ? 3 : 0, 3}));
            unsigned char *raw = a.data;
            for (size_t i = 0; i < mg_array_nbytes(&a); i++) raw[i] = (unsigned char)(i * 13 + k);
            tu_assert_ok(mg_st_add_take(s, name, &a));
        }
    }
    tu_assert_ok(mg_st_set_meta(s, "k\x01", "\xe2\x9c\x93 \t\\"));
    unsigned char *e;
    size_t len;
    tu_assert_ok(mg_st_encode(s, &e, &len));
    check_alignment(e, len);
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "r.safetensors");
    tu_assert_ok(mg_st_write(s, p));
    mg_st *r;
    tu_assert_ok(mg_st_read(p, &r));
    assert_int_equal(mg_st_count(r), 14);
    for (int i = 0; i < 14; i++) {
        assert_string_equal(mg_st_name(r, i), mg_st_name(s, i));
        const mg_array *x = mg_st_get(s, mg_st_name(s, i)), *y = mg_st_get(r, mg_st_name(s, i));
        assert_int_equal(x->dtype, y->dtype);
        assert_int_equal(x->ndim, y->ndim);
        assert_memory_equal(x->shape, y->shape, sizeof x->shape);
        if (mg_array_nbytes(x)) assert_memory_equal(x->data, y->data, mg_array_nbytes(x));
    }
    assert_string_equal(mg_st_meta(r, "k\x01"), "\xe2\x9c\x93 \t\\");
    mg_st_free(r);
    assert_int_equal(tu_count_entries(dir), 1);
    /* Unwritable destination leaves nothing behind. */
    char *bad = tu_path(dir, "no/such/dir.safetensors");
    assert_int_equal(mg_st_write(s, bad), MG_ERR_IO);
    assert_int_equal(mg_st_read(bad, &r), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), bad));
    free(bad);
    assert_int_equal(tu_count_entries(dir), 1);
    free(p);
    tu_rmtree(dir);
    free(dir);
    free(e);
    mg_st_free(s);
}

/* The collection dev/check_safetensors_interop.py expects (keep in sync). */
static mg_st *interop_collection(void) {
    mg_st *s = mg_st_new();
    float w1[12], w2[12];
    for (int i = 0; i < 12; i++) {
        w1[i] = (float)(i - 5) * 0.125f;
        w2[i] = (float)((double)(i * i) / 7.0);
    }
    tu_assert_ok(mg_st_add_f32(s, "W1", w1, 2, (int64_t[]){3, 4}));
    tu_assert_ok(mg_st_add_f32(s, "W2", w2, 2, (int64_t[]){3, 4}));
    mg_array a;
    tu_assert_ok(mg_array_alloc(&a, MG_F64, 1, (int64_t[]){4}));
    for (int i = 0; i < 4; i++) ((double *)a.data)[i] = 1.0 / (i + 1);
    tu_assert_ok(mg_st_add_take(s, "b", &a));
    tu_assert_ok(mg_array_alloc(&a, MG_I64, 1, (int64_t[]){3}));
    memcpy(a.data, ((int64_t[]){-(INT64_C(1) << 40), 0, (INT64_C(1) << 53) + 1}), 24);
    tu_assert_ok(mg_st_add_take(s, "idx", &a));
    tu_assert_ok(mg_array_alloc(&a, MG_I32, 1, (int64_t[]){2}));
    memcpy(a.data, ((int32_t[]){-7, 2147483647}), 8);
    tu_assert_ok(mg_st_add_take(s, "k", &a));
    tu_assert_ok(mg_array_alloc(&a, MG_U8, 1, (int64_t[]){4}));
    memcpy(a.data, ((uint8_t[]){0, 1, 128, 255}), 4);
    tu_assert_ok(mg_st_add_take(s, "u", &a));
    tu_assert_ok(mg_array_alloc(&a, MG_F16, 1, (int64_t[]){5}));
    memcpy(a.data, ((uint16_t[]){0x3c00, 0xc100, 0x7bff, 0x0001, 0x7c00}), 10);
    tu_assert_ok(mg_st_add_take(s, "h", &a));
    tu_assert_ok(mg_array_alloc(&a, MG_BF16, 1, (int64_t[]){3}));
    memcpy(a.data, ((uint16_t[]){0x3f80, 0xc020, 0x7f7f}), 6);
    tu_assert_ok(mg_st_add_take(s, "bf", &a));
    float sc = 42.5f;
    tu_assert_ok(mg_st_add_f32(s, "scalar", &sc, 0, NULL));
    tu_assert_ok(mg_st_add_f32(s, "empty", NULL, 2, (int64_t[]){0, 3}));
    tu_assert_ok(mg_st_set_meta(s, "memgen_version", MG_VERSION_STRING));
    tu_assert_ok(mg_st_set_meta_double(s, "sigma", 0.1));
    tu_assert_ok(mg_st_set_meta(s, "note", "unicode \xc3\xa9 \xe2\x9c\x93 and \"quotes\"\n"));
    return s;
}

/* tests/fixtures/io/written_by_memgen.safetensors is exactly what memgen
 * writes today (MEMGEN_REGEN_FIXTURES=1 rewrites it); the Python check
 * loads that file into torch. */
static void test_written_by_memgen(void **state) {
    (void)state;
    mg_st *s = interop_collection();
    const char *path = tu_fixture("io/written_by_memgen.safetensors");
    const char *regen = getenv("MEMGEN_REGEN_FIXTURES");
    if (regen && *regen == '1') tu_assert_ok(mg_st_write(s, path));
    unsigned char *e, *f;
    size_t elen, flen;
    tu_assert_ok(mg_st_encode(s, &e, &elen));
    tu_assert_ok(mg_read_file(path, 0, &f, &flen));
    assert_int_equal(elen, flen);
    assert_memory_equal(e, f, flen);
    mg_st *r;
    tu_assert_ok(mg_st_read_mem(f, flen, path, &r));
    assert_int_equal(mg_st_count(r), 10);
    mg_st_free(r);
    free(e);
    free(f);
    mg_st_free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_torch_files),
        cmocka_unit_test(test_identical_bytes),
        cmocka_unit_test(test_reference_examples),
        cmocka_unit_test(test_widen_and_unsupported),
        cmocka_unit_test(test_corrupt_headers),
        cmocka_unit_test(test_truncated_every_offset),
        cmocka_unit_test(test_api),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_written_by_memgen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
