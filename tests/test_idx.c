/*
 * Tests of the IDX reader: every data type plain and gzip (fixtures from
 * dev/make_idx_fixtures.py), corrupt and truncated files, and the real
 * Fashion-MNIST files of the Debian package dataset-fashion-mnist (skipped
 * with a message when the package is absent), checked against values
 * computed with Python's gzip + NumPy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/idx.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist/"

/* Reads fixture `name` both from the file and from memory, expecting success. */
static void read_fixture(const char *name, mg_array *a) {
    tu_assert_ok(mg_idx_read(tu_fixture(name), a));
    size_t len;
    unsigned char *buf = tu_fixture_bytes(name, &len);
    mg_array b;
    tu_assert_ok(mg_idx_read_mem(buf, len, name, &b));
    assert_int_equal(a->dtype, b.dtype);
    assert_int_equal(a->ndim, b.ndim);
    assert_int_equal(mg_array_nbytes(a), mg_array_nbytes(&b));
    assert_memory_equal(a->data, b.data, mg_array_nbytes(a));
    mg_array_free(&b);
    free(buf);
}

/* Checks the values of every type, plain and gzip (same numbers as the script). */
static void test_types(void **state) {
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        const char *sfx = gz ? ".gz" : "";
        char name[64];
        mg_array a;

        snprintf(name, sizeof name, "idx/u8.idx%s", sfx);
        read_fixture(name, &a);
        assert_int_equal(a.dtype, MG_U8);
        assert_int_equal(a.ndim, 3);
        assert_int_equal(a.shape[0], 2);
        assert_int_equal(a.shape[1], 3);
        assert_int_equal(a.shape[2], 4);
        for (int i = 0; i < 24; i++) assert_int_equal(((uint8_t *)a.data)[i], (i * 37 + 11) % 256);
        mg_array_free(&a);

        snprintf(name, sizeof name, "idx/i8.idx%s", sfx);
        read_fixture(name, &a);
        assert_int_equal(a.dtype, MG_I32);
        int32_t i8[5] = {-128, -1, 0, 1, 127};
        assert_int_equal(a.shape[0], 5);
        assert_memory_equal(a.data, i8, sizeof i8);
        mg_array_free(&a);

        snprintf(name, sizeof name, "idx/i16.idx%s", sfx);
        read_fixture(name, &a);
        int32_t i16[6] = {-32768, -1, 0, 1, 32767, 1234};
        assert_int_equal(a.dtype, MG_I32);
        assert_int_equal(a.ndim, 2);
        assert_int_equal(a.shape[1], 3);
        assert_memory_equal(a.data, i16, sizeof i16);
        mg_array_free(&a);

        snprintf(name, sizeof name, "idx/i32.idx%s", sfx);
        read_fixture(name, &a);
        int32_t i32[4] = {INT32_MIN, -1, 0, INT32_MAX};
        assert_int_equal(a.dtype, MG_I32);
        assert_memory_equal(a.data, i32, sizeof i32);
        mg_array_free(&a);

        snprintf(name, sizeof name, "idx/f32.idx%s", sfx);
        read_fixture(name, &a);
        float f32[4] = {1.5f, -2.25f, 3.4028234663852886e38f, 1e-40f};
        assert_int_equal(a.dtype, MG_F32);
        assert_int_equal(a.shape[0], 2);
        assert_memory_equal(a.data, f32, sizeof f32);
        mg_array_free(&a);

        snprintf(name, sizeof name, "idx/f64.idx%s", sfx);
        read_fixture(name, &a);
        double f64[3] = {3.141592653589793, -0.0, 1e-310};
        assert_int_equal(a.dtype, MG_F64);
        assert_memory_equal(a.data, f64, sizeof f64);
        assert_true(signbit(((double *)a.data)[1]));
        mg_array_free(&a);
    }
}

/* Each corrupt fixture fails with MG_ERR_FORMAT and a message naming the file
 * and the problem; the output array stays empty. */
static void test_corrupt(void **state) {
    (void)state;
    struct {
        const char *file;
        const char *needle;
    } cases[] = {
        {"idx/bad_magic.idx", "not an IDX file"},
        {"idx/bad_type.idx", "unknown IDX data type 0x07"},
        {"idx/rank0.idx", "rank 0"},
        {"idx/rank9.idx", "rank 9"},
        {"idx/short_header.idx", "truncated IDX header"},
        {"idx/truncated.idx", "truncated"},
        {"idx/trailing.idx", "trailing garbage"},
        {"idx/huge_header.idx", "larger than"},
        {"idx/truncated.idx.gz", "truncated"},
        {"idx/badcrc.idx.gz", "incorrect data check"},
        {"idx/trailing.idx.gz", "longer than the header implies"},
        {"idx/garbage_after.idx.gz", "after the gzip stream"},
        {"idx/bomb_header.idx.gz", "compressed bytes can hold"},
        {"idx/header_only.idx.gz", "before the IDX header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mg_array a;
        mg_status st = mg_idx_read(tu_fixture(cases[i].file), &a);
        if (st != MG_ERR_FORMAT || !strstr(mg_last_error(), cases[i].needle) ||
            !strstr(mg_last_error(), cases[i].file))
            print_error("%s: status %s, message '%s' (wanted '%s')\n", cases[i].file, mg_status_str(st),
                        mg_last_error(), cases[i].needle);
        assert_int_equal(st, MG_ERR_FORMAT);
        assert_non_null(strstr(mg_last_error(), cases[i].needle));
        assert_non_null(strstr(mg_last_error(), cases[i].file));
        assert_null(a.data);
    }
    /* Missing file, empty and tiny buffers. */
    mg_array a;
    assert_int_equal(mg_idx_read("tests/fixtures/idx/does-not-exist.idx", &a), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "does-not-exist"));
    assert_int_equal(mg_idx_read_mem("", 0, "empty", &a), MG_ERR_FORMAT);
    assert_int_equal(mg_idx_read_mem("\x1f\x8b", 2, "gzmagic", &a), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "gzmagic"));
}

/* Every truncation of the gzip and plain u8 fixtures is refused cleanly. */
static void test_every_truncation(void **state) {
    (void)state;
    const char *files[2] = {"idx/u8.idx", "idx/u8.idx.gz"};
    for (int f = 0; f < 2; f++) {
        size_t len;
        unsigned char *buf = tu_fixture_bytes(files[f], &len);
        for (size_t cut = 0; cut < len; cut++) {
            unsigned char *copy = malloc(cut ? cut : 1); /* exact-size copy so ASan sees overreads */
            memcpy(copy, buf, cut);
            mg_array a;
            mg_status st = mg_idx_read_mem(copy, cut, "cut", &a);
            if (st == MG_OK) print_error("%s cut to %zu bytes was accepted\n", files[f], cut);
            assert_int_equal(st, MG_ERR_FORMAT);
            assert_null(a.data);
            free(copy);
        }
        free(buf);
    }
}

/* Checks one Fashion-MNIST split against values computed with Python. */
static void check_fmnist(const char *images, const char *labels, int64_t n, int64_t per_class,
                         const int *first_labels, int64_t img0_sum, const uint8_t *img0_row14,
                         int64_t last_sum, int64_t total_sum) {
    mg_array X, y;
    tu_assert_ok(mg_idx_read(images, &X));
    tu_assert_ok(mg_idx_read(labels, &y));
    assert_int_equal(X.dtype, MG_U8);
    assert_int_equal(X.ndim, 3);
    assert_int_equal(X.shape[0], n);
    assert_int_equal(X.shape[1], 28);
    assert_int_equal(X.shape[2], 28);
    assert_int_equal(y.dtype, MG_U8);
    assert_int_equal(y.ndim, 1);
    assert_int_equal(y.shape[0], n);
    const uint8_t *px = X.data, *lb = y.data;
    int64_t counts[10] = {0};
    for (int64_t i = 0; i < n; i++) {
        assert_true(lb[i] < 10);
        counts[lb[i]]++;
    }
    for (int k = 0; k < 10; k++) assert_int_equal(counts[k], per_class);
    for (int i = 0; i < 10; i++) assert_int_equal(lb[i], first_labels[i]);
    int64_t s0 = 0, sl = 0, tot = 0;
    for (int i = 0; i < 784; i++) {
        s0 += px[i];
        sl += px[(n - 1) * 784 + i];
    }
    for (int64_t i = 0; i < n * 784; i++) tot += px[i];
    assert_int_equal(s0, img0_sum);
    assert_int_equal(sl, last_sum);
    assert_int_equal(tot, total_sum);
    assert_memory_equal(px + 14 * 28, img0_row14, 28);
    mg_array_free(&X);
    mg_array_free(&y);
}

/* The real Fashion-MNIST files (Debian package dataset-fashion-mnist). */
static void test_fashion_mnist(void **state) {
    (void)state;
    if (access(FMNIST_DIR "train-images-idx3-ubyte.gz", R_OK) != 0) {
        print_message("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): skipping\n");
        skip();
    }
    const int train_first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    const uint8_t train_row14[28] = {0,   0,   1,   4,   6,   7,   2,   0,   0,   0,   0,   0,   237, 226,
                                     217, 223, 222, 219, 222, 221, 216, 223, 229, 215, 218, 255, 77,  0};
    check_fmnist(FMNIST_DIR "train-images-idx3-ubyte.gz", FMNIST_DIR "train-labels-idx1-ubyte.gz", 60000, 6000,
                 train_first, 76247, train_row14, 16684, INT64_C(3431114169));
    const int test_first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    const uint8_t test_row14[28] = {0,  0,   0,   0,   0,   0,   2,   4,   1,   0,   0,   0,   98,  136,
                                    110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158, 169, 119, 0};
    check_fmnist(FMNIST_DIR "t10k-images-idx3-ubyte.gz", FMNIST_DIR "t10k-labels-idx1-ubyte.gz", 10000, 1000,
                 test_first, 33456, test_row14, 24390, INT64_C(573469082));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_fashion_mnist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
