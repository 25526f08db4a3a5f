/*
 * Tests of the real-image sources: the Fashion-MNIST loader (selection, class
 * filter, seeded subsets, the install hint when missing; skipped with a
 * message when dataset-fashion-mnist is absent) and PNG folder listing (order,
 * class folders, filtering, errors).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/fmnist.h"
#include "memgen/imagefolder.h"
#include "memgen/png.h"

/* Skips the calling test when the Debian Fashion-MNIST package is absent. */
static int have_fmnist(void) {
    if (access(MG_FMNIST_DIR "/train-images-idx3-ubyte.gz", R_OK) == 0) return 1;
    print_message("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): skipping\n");
    return 0;
}

/* First n, class filter and the known first labels of the test split. */
static void test_fmnist_select(void **state) {
    (void)state;
    if (!have_fmnist()) skip();
    mg_fmnist_opts o = {NULL, 0, 0, 10, 0};
    mg_array X;
    int64_t *lab, *idx;
    tu_assert_ok(mg_fmnist_load(&o, NULL, &X, &lab, &idx));
    assert_int_equal(X.ndim, 4);
    assert_int_equal(X.shape[0], 10);
    assert_int_equal(X.shape[3], 1);
    const int64_t first[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    assert_memory_equal(lab, first, sizeof first);
    for (int i = 0; i < 10; i++) assert_int_equal(idx[i], i);
    int64_t s0 = 0;
    for (int i = 0; i < 784; i++) s0 += ((uint8_t *)X.data)[i];
    assert_int_equal(s0, 33456);
    mg_array_free(&X);
    free(lab);
    free(idx);

    /* Classes 1 and 6 of the training split: first five are their first occurrences. */
    mg_fmnist_opts c = {NULL, 1, (1u << 1) | (1u << 6), 0, 0};
    tu_assert_ok(mg_fmnist_load(&c, NULL, &X, &lab, &idx));
    assert_int_equal(X.shape[0], 12000);
    for (int64_t i = 0; i < 12000; i++) {
        assert_true(lab[i] == 1 || lab[i] == 6);
        if (i) assert_true(idx[i] > idx[i - 1]);
    }
    mg_array_free(&X);
    free(lab);
    free(idx);
}

/* Seeded random subsets: reproducible, in file order, seed-dependent. */
static void test_fmnist_random(void **state) {
    (void)state;
    if (!have_fmnist()) skip();
    mg_fmnist_opts o = {NULL, 0, 1u << 3, 50, 1};
    mg_rng r;
    mg_rng_init(&r, 8);
    mg_array X1, X2, X3;
    int64_t *l1, *l2, *l3, *i1, *i2, *i3;
    tu_assert_ok(mg_fmnist_load(&o, &r, &X1, &l1, &i1));
    tu_assert_ok(mg_fmnist_load(&o, &r, &X2, &l2, &i2));
    mg_rng_init(&r, 9);
    tu_assert_ok(mg_fmnist_load(&o, &r, &X3, &l3, &i3));
    assert_memory_equal(i1, i2, 50 * sizeof(int64_t));
    assert_memory_equal(X1.data, X2.data, 50 * 784);
    assert_true(memcmp(i1, i3, 50 * sizeof(int64_t)) != 0);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(l1[i], 3);
        if (i) assert_true(i1[i] > i1[i - 1]);
    }
    assert_true(i1[49] > 100); /* not simply the first 50 of class 3 (1000 of them) */
    mg_array_free(&X1), mg_array_free(&X2), mg_array_free(&X3);
    free(l1), free(l2), free(l3), free(i1), free(i2), free(i3);
    /* Too many asked. */
    o.n = 1001;
    assert_int_equal(mg_fmnist_load(&o, &r, &X1, &l1, &i1), MG_ERR_ARG);
}

/* A missing folder names the Debian package to install. */
static void test_fmnist_missing(void **state) {
    (void)state;
    mg_fmnist_opts o = {"/nonexistent/fmnist", 1, 0, 0, 0};
    mg_array X;
    int64_t *l, *i;
    assert_int_equal(mg_fmnist_load(&o, NULL, &X, &l, &i), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "apt-get install dataset-fashion-mnist"));
    assert_non_null(strstr(mg_last_error(), "/nonexistent/fmnist/train-images-idx3-ubyte.gz"));
    assert_null(X.data);
    assert_null(l);
}

/* Writes a 2x2 gray PNG of value v at dir/name. */
static void put_png(const char *dir, const char *name, unsigned char v) {
    char *p = tu_path(dir, name);
    unsigned char px[4] = {v, v, v, v};
    tu_assert_ok(mg_png_write_u8(p, px, 2, 2, 1));
    free(p);
}

/* Folder listing: bytewise order, extension filter, class folders. */
static void test_list_images(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    put_png(dir, "b.png", 1);
    put_png(dir, "A.PNG", 2);
    put_png(dir, "a10.png", 3);
    put_png(dir, "a9.png", 4);
    put_png(dir, ".hidden.png", 5);
    char *txt = tu_path(dir, "notes.txt");
    tu_write_bytes(txt, "x", 1);
    mg_file_list l;
    tu_assert_ok(mg_list_images(dir, 0, &l));
    assert_int_equal(l.n, 4);
    const char *want[4] = {"A.PNG", "a10.png", "a9.png", "b.png"};
    for (int i = 0; i < 4; i++) {
        const char *base = strrchr(l.paths[i], '/') + 1;
        assert_string_equal(base, want[i]);
        assert_int_equal(l.labels[i], 0);
    }
    assert_int_equal(l.nclasses, 0);
    mg_file_list_free(&l);
    mg_file_list_free(&l);

    /* Class folders: labels by sorted folder name; top-level files ignored. */
    char *cat = tu_path(dir, "cat"), *dog = tu_path(dir, "dog");
    mkdir(dog, 0777);
    mkdir(cat, 0777);
    put_png(dog, "1.png", 10);
    put_png(dog, "0.png", 11);
    put_png(cat, "z.png", 12);
    tu_assert_ok(mg_list_images(dir, 1, &l));
    assert_int_equal(l.nclasses, 2);
    assert_string_equal(l.classes[0], "cat");
    assert_string_equal(l.classes[1], "dog");
    assert_int_equal(l.n, 3);
    assert_non_null(strstr(l.paths[0], "cat/z.png"));
    assert_non_null(strstr(l.paths[1], "dog/0.png"));
    assert_non_null(strstr(l.paths[2], "dog/1.png"));
    int64_t wl[3] = {0, 1, 1};
    assert_memory_equal(l.labels, wl, sizeof wl);
    mg_file_list_free(&l);

    /* Errors: no PNG, no folder. */
    char *empty = tu_path(dir, "empty");
    mkdir(empty, 0777);
    assert_int_equal(mg_list_images(empty, 0, &l), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "no .png, .jpg or .jpeg files"));
    assert_int_equal(mg_list_images(empty, 1, &l), MG_ERR_NOT_FOUND);
    assert_int_equal(mg_list_images("/nonexistent/images", 0, &l), MG_ERR_IO);
    assert_non_null(strstr(mg_last_error(), "/nonexistent/images"));
    free(txt), free(cat), free(dog), free(empty);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmnist_select),
        cmocka_unit_test(test_fmnist_random),
        cmocka_unit_test(test_fmnist_missing),
        cmocka_unit_test(test_list_images),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
