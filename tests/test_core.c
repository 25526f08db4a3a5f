/*
 * Tests of the core: status strings and error messages, arrays and dtype
 * conversions, atomic writes, comma-separated number lists, data checks,
 * where the shipped data lies.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "memgen/fileio.h"

/* Every status has a distinct name and failure messages are kept. */
static void test_status_and_errors(void **state) {
    (void)state;
    assert_string_equal(mg_status_str(MG_OK), "MG_OK");
    assert_string_equal(mg_status_str(MG_ERR_FORMAT), "MG_ERR_FORMAT");
    assert_string_equal(mg_status_str((mg_status)999), "MG_ERR_UNKNOWN");
    for (int i = 0; i < MG_STATUS_COUNT; i++)
        for (int j = i + 1; j < MG_STATUS_COUNT; j++)
            assert_string_not_equal(mg_status_str((mg_status)i), mg_status_str((mg_status)j));
    mg_clear_error();
    assert_string_equal(mg_last_error(), "");
    assert_int_equal(mg_fail(MG_ERR_ARG, "bad value %d", 7), MG_ERR_ARG);
    assert_string_equal(mg_last_error(), "bad value 7");
    assert_int_equal(mg_fail_context(MG_ERR_ARG, "reading %s", "x.npy"), MG_ERR_ARG);
    assert_string_equal(mg_last_error(), "reading x.npy: bad value 7");
}

/* Allocation, overflow refusal and conversions to float/double. */
static void test_array_alloc_convert(void **state) {
    (void)state;
    mg_array a, f;
    int64_t shape[2] = {2, 3};
    tu_assert_ok(mg_array_alloc(&a, MG_I64, 2, shape));
    assert_int_equal(mg_array_numel(&a), 6);
    assert_int_equal(mg_array_nbytes(&a), 48);
    for (int i = 0; i < 6; i++) ((int64_t *)a.data)[i] = i - 2;
    tu_assert_ok(mg_array_to_f32(&a, &f));
    assert_int_equal(f.dtype, MG_F32);
    float want[6] = {-2, -1, 0, 1, 2, 3};
    tu_assert_close_f(f.data, want, 6, 0, 0, "i64->f32");
    mg_array_free(&a);
    mg_array_free(&f);
    mg_array_free(&f); /* double free of an emptied array is safe */
    mg_array_free(NULL);

    int64_t huge[3] = {INT64_C(1) << 40, INT64_C(1) << 40, 16};
    assert_int_equal(mg_array_alloc(&a, MG_F32, 3, huge), MG_ERR_NOMEM);
    int64_t neg[1] = {-1};
    assert_int_equal(mg_array_alloc(&a, MG_F32, 1, neg), MG_ERR_ARG);

    /* float64 overflow into float32 is refused, with the index named. */
    int64_t one[1] = {2};
    tu_assert_ok(mg_array_alloc(&a, MG_F64, 1, one));
    ((double *)a.data)[1] = 1e300;
    assert_int_equal(mg_array_to_f32(&a, &f), MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "index 1"));
    ((double *)a.data)[1] = NAN;
    assert_int_equal(mg_array_check_finite(&a, "x"), MG_ERR_NUMERIC);
    mg_array_free(&a);
}

/* half and bfloat16 decode to the right floats. */
static void test_half_conversion(void **state) {
    (void)state;
    mg_array h, f;
    int64_t shape[1] = {6};
    tu_assert_ok(mg_array_alloc(&h, MG_F16, 1, shape));
    uint16_t v[6] = {0x3c00, 0xc000, 0x0001, 0x7bff, 0x7c00, 0x0000};
    memcpy(h.data, v, sizeof v);
    tu_assert_ok(mg_array_to_f32(&h, &f));
    float want[6] = {1.0f, -2.0f, 5.9604645e-8f, 65504.0f, INFINITY, 0.0f};
    tu_assert_close_f(f.data, want, 6, 0, 1e-7, "f16");
    mg_array_free(&h);
    mg_array_free(&f);
    tu_assert_ok(mg_array_alloc(&h, MG_BF16, 1, shape));
    uint16_t b[6] = {0x3f80, 0xc000, 0x4049, 0, 0x7f80, 0xbf80};
    memcpy(h.data, b, sizeof b);
    tu_assert_ok(mg_array_to_f32(&h, &f));
    float wantb[6] = {1.0f, -2.0f, 3.140625f, 0.0f, INFINITY, -1.0f};
    tu_assert_close_f(f.data, wantb, 6, 0, 0, "bf16");
    mg_array_free(&h);
    mg_array_free(&f);
}

/* Shape strings look like NumPy's. */
static void test_shape_str(void **state) {
    (void)state;
    char buf[64];
    int64_t s[3] = {3, 4, 5};
    mg_shape_str(2, s, buf, sizeof buf);
    assert_string_equal(buf, "(3, 4)");
    mg_shape_str(1, s, buf, sizeof buf);
    assert_string_equal(buf, "(3,)");
    mg_shape_str(0, s, buf, sizeof buf);
    assert_string_equal(buf, "()");
}

/* Atomic writes replace the file whole; an aborted write leaves nothing. */
static void test_atomic_write(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = tu_path(dir, "out.bin");
    tu_assert_ok(mg_write_file_atomic(p, "hello", 5));
    unsigned char *buf;
    size_t len;
    tu_assert_ok(mg_read_file(p, 0, &buf, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "hello", 5);
    free(buf);

    mg_atomic_file af;
    tu_assert_ok(mg_atomic_open(&af, p));
    fputs("partial", af.fp);
    mg_atomic_abort(&af);
    tu_assert_ok(mg_read_file(p, 0, &buf, &len));
    assert_memory_equal(buf, "hello", 5); /* untouched */
    free(buf);
    assert_int_equal(tu_count_entries(dir), 1); /* no temp file left behind */

    assert_int_equal(mg_read_file(p, 3, &buf, &len), MG_ERR_FORMAT);
    char *missing = tu_path(dir, "nope/x.bin");
    assert_int_equal(mg_write_file_atomic(missing, "x", 1), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "nope/x.bin"));
    assert_int_equal(mg_read_file(missing, 0, &buf, &len), MG_ERR_IO);
    free(missing);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

/* Number lists: floats and whole numbers in order, the format round trip,
 * and every malformed form refused with a message and no array. */
static void test_number_lists(void **state) {
    (void)state;
    double *v = NULL;
    int64_t n = 0;
    tu_assert_ok(mg_parse_f64_list("0.5,-2,1e-3", "test", &v, &n));
    assert_int_equal(n, 3);
    assert_true(v[0] == 0.5 && v[1] == -2 && v[2] == 1e-3);
    char *txt = mg_format_f64_list(v, n);
    assert_string_equal(txt, "0.5,-2,0.001");
    free(txt);
    free(v);
    tu_assert_ok(mg_parse_f64_list("0.1", "test", &v, &n));
    assert_int_equal(n, 1);
    txt = mg_format_f64_list(v, n);
    assert_string_equal(txt, "0.10000000000000001");
    free(txt);
    free(v);
    const char *bad[] = {"", ",", "1,", ",1", "1,,2", "1;2", "x", "1x", "nan", "inf", "1e999", "1,2 3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mg_clear_error();
        assert_int_equal(mg_parse_f64_list(bad[i], "test", &v, &n), MG_ERR_ARG);
        assert_null(v);
        assert_int_equal(n, 0);
        assert_true(strlen(mg_last_error()) > 0);
    }
    assert_int_equal(mg_parse_f64_list(NULL, "test", &v, &n), MG_ERR_ARG);
    int64_t *w = NULL;
    tu_assert_ok(mg_parse_i64_list("3,0,-4,9000000000", "test", &w, &n));
    assert_int_equal(n, 4);
    assert_true(w[0] == 3 && w[1] == 0 && w[2] == -4 && w[3] == 9000000000LL);
    free(w);
    const char *badi[] = {"", "1,", "1.5", "2,x", "99999999999999999999", "1,,2"};
    for (size_t i = 0; i < sizeof badi / sizeof *badi; i++) {
        assert_int_equal(mg_parse_i64_list(badi[i], "test", &w, &n), MG_ERR_ARG);
        assert_null(w);
    }
}

/* Data checks: a matrix of finite values, compact labels. */
static void test_data_checks(void **state) {
    (void)state;
    float x[6] = {1, 2, 3, 4, 5, 6};
    tu_assert_ok(mg_mat_check((mg_mat){2, 3, 3, x}, "t"));
    assert_int_equal(mg_mat_check((mg_mat){0, 3, 3, x}, "t"), MG_ERR_ARG);
    assert_int_equal(mg_mat_check((mg_mat){2, 3, 2, x}, "t"), MG_ERR_ARG);
    x[4] = NAN;
    assert_int_equal(mg_mat_check((mg_mat){2, 3, 3, x}, "t"), MG_ERR_NUMERIC);
    tu_assert_ok(mg_mat_check((mg_mat){1, 3, 3, x}, "t")); /* the bad value is in row 1 */
    int64_t lab[4] = {0, 2, 1, 2};
    tu_assert_ok(mg_labels_check(lab, 4, 3, "t"));
    assert_int_equal(mg_labels_check(lab, 4, 4, "t"), MG_ERR_ARG); /* cluster 3 empty */
    assert_int_equal(mg_labels_check(lab, 4, 2, "t"), MG_ERR_ARG); /* label 2 out of range */
    assert_int_equal(mg_labels_check(lab, 4, 5, "t"), MG_ERR_ARG); /* K > n */
    assert_int_equal(mg_labels_check(NULL, 4, 3, "t"), MG_ERR_ARG);
}

/* mg_data_path: MEMGEN_DATA_DIR first, then the source tree; a miss names every folder it looked under. */
static void test_data_path(void **state) {
    (void)state;
    const char *old = getenv("MEMGEN_DATA_DIR");
    char *saved = old ? strdup(old) : NULL, buf[4096], want[4200];
    char *dir = tu_mkdtemp(), *sub = tu_path(dir, "x");
    tu_assert_ok(mg_mkdir_p(sub));
    snprintf(want, sizeof want, "%s/x/y.txt", dir);
    tu_write_bytes(want, "y", 1);
    unsetenv("MEMGEN_DATA_DIR");
    assert_int_equal(mg_data_path("x/y.txt", buf, sizeof buf), MG_ERR_NOT_FOUND);
    assert_string_equal(buf, "");
    assert_non_null(strstr(mg_last_error(), "x/y.txt not found (looked under the source tree "));
    assert_non_null(strstr(mg_last_error(), ", the installed data "));
    setenv("MEMGEN_DATA_DIR", dir, 1);
    tu_assert_ok(mg_data_path("x/y.txt", buf, sizeof buf));
    assert_string_equal(buf, want);
    /* what the folder lacks comes from the source tree the tests were built from */
    tu_assert_ok(mg_data_path("tests/fixtures/real_model/meta.json", buf, sizeof buf));
    assert_string_not_equal(buf, "");
    assert_null(strstr(buf, dir));
    FILE *f = fopen(buf, "rb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(mg_data_path("no/such/file", buf, sizeof buf), MG_ERR_NOT_FOUND);
    snprintf(want, sizeof want, "no/such/file not found (looked under MEMGEN_DATA_DIR=%s, the source tree ", dir);
    assert_non_null(strstr(mg_last_error(), want));
    assert_int_equal(mg_data_path("x/y.txt", buf, 8), MG_ERR_ARG);
    assert_int_equal(mg_data_path(NULL, buf, sizeof buf), MG_ERR_ARG);
    if (saved) setenv("MEMGEN_DATA_DIR", saved, 1);
    else unsetenv("MEMGEN_DATA_DIR");
    free(saved);
    tu_rmtree(dir);
    free(sub);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_and_errors),
        cmocka_unit_test(test_array_alloc_convert),
        cmocka_unit_test(test_half_conversion),
        cmocka_unit_test(test_shape_str),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_number_lists),
        cmocka_unit_test(test_data_checks),
        cmocka_unit_test(test_data_path),
    };
    return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
