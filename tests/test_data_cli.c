/*
 * End-to-end tests of `memgen data` on small sizes: mog (files equal to the
 * library's result for the same seed, reproducible bytes, parameter file),
 * duplicate, split, images (equal to the library pipeline), fashion-mnist
 * (skipped without the Debian package), usage errors (exit 2) and failures
 * (exit 1 with a clear message).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/fmnist.h"
#include "memgen/image.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/png.h"

/* Per-test work folder (tu_workdir_setup / tu_workdir_teardown). */
typedef tu_workdir fixture;

/* Path of name inside the fixture folder. */
static const char *P(const fixture *f, const char *name) { return tu_wpath(f, name); }

/* data mog: same bits as the library for the same seed, reproducible files,
 * a loadable parameter file, labels, JSON. */
static void test_mog(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->log, "data mog --K 3 --d 8 --n-per-mode 100,50,20 --cov-rate 0.7 --seed 3 "
                                       "--out %s --labels-out %s --params-out %s --json %s",
                               P(f, "X.npy"), P(f, "L.npy"), P(f, "P.safetensors"), P(f, "m.json")),
                     0);
    assert_true(tu_log_has(f, "K=3 d=8 n=170"));
    mg_array X, L;
    tu_assert_ok(mg_npy_read(P(f, "X.npy"), &X));
    tu_assert_ok(mg_npy_read(P(f, "L.npy"), &L));
    assert_int_equal(X.dtype, MG_F32);
    assert_int_equal(X.shape[0], 170);
    assert_int_equal(X.shape[1], 8);
    assert_int_equal(L.dtype, MG_I64);
    double w[3] = {100, 50, 20};
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.K = 3;
    s.d = 8;
    s.weights = w;
    s.cov_rate = 0.7;
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_mog m, loaded;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    float ref[170 * 8];
    int64_t lab[170], counts[3] = {100, 50, 20};
    tu_assert_ok(mg_mog_sample(&m, counts, 0, &r, (mg_mat){170, m.d, m.d, ref}, lab));
    assert_memory_equal(X.data, ref, sizeof ref);
    assert_memory_equal(L.data, lab, sizeof lab);
    tu_assert_ok(mg_mog_load(P(f, "P.safetensors"), &loaded));
    assert_memory_equal(loaded.means, m.means, 24 * sizeof(double));
    assert_memory_equal(loaded.bases, m.bases, 3 * 64 * sizeof(double));
    assert_true(fabs(loaded.weights[0] - 100.0 / 170) < 1e-15);
    mg_mog_free(&m);
    mg_mog_free(&loaded);
    /* Same command again: byte-identical samples. */
    assert_int_equal(tu_memgen(f->log, "data mog --K 3 --d 8 --n-per-mode 100,50,20 --cov-rate 0.7 --seed 3 --out %s",
                               P(f, "X2.npy")),
                     0);
    unsigned char *a, *b;
    size_t na, nb;
    tu_assert_ok(mg_read_file(P(f, "X.npy"), 0, &a, &na));
    tu_assert_ok(mg_read_file(P(f, "X2.npy"), 0, &b, &nb));
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
    unsigned char *js;
    size_t nj;
    tu_assert_ok(mg_read_file(P(f, "m.json"), 0, &js, &nj));
    assert_non_null(memchr(js, '{', nj));
    free(js);
    mg_array_free(&X);
    mg_array_free(&L);
}

/* Usage errors exit 2, failures exit 1 with the library's message. */
static void test_errors(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->log, "data mog --d 8 --bogus 1 --out %s", P(f, "x.npy")), 2);
    assert_int_equal(tu_memgen(f->log, "data mog --d 8"), 2);
    assert_true(tu_log_has(f, "--out is required"));
    assert_int_equal(tu_memgen(f->log, "data mog --d 8 --K 3 --n-per-mode 1,2 --out %s", P(f, "x.npy")), 2);
    assert_int_equal(tu_memgen(f->log, "data mog --d 8 --K 3 --mean-cosine -0.9 --out %s", P(f, "x.npy")), 1);
    assert_true(tu_log_has(f, "cosine -0.9"));
    assert_int_equal(tu_memgen(f->log, "data nosuch"), 2);
    assert_int_equal(tu_memgen(f->log, "data"), 2);
    assert_int_equal(tu_memgen(f->log, "data duplicate --data %s --count 2 --times 2 --out %s", P(f, "missing.npy"),
                               P(f, "y.npy")),
                     1);
    assert_true(tu_log_has(f, "missing.npy"));
    assert_int_equal(tu_memgen(f->log, "data fashion-mnist --dir /nonexistent/fm --out %s", P(f, "x.npy")), 1);
    assert_true(tu_log_has(f, "apt-get install dataset-fashion-mnist"));
    /* Every source answers --help with its options and exit 0. */
    const char *subs[5] = {"mog", "fashion-mnist", "images", "duplicate", "split"};
    for (int i = 0; i < 5; i++) assert_int_equal(tu_memgen(f->log, "data %s --help", subs[i]), 0);
    assert_true(tu_log_has(f, "(default 0.9)"));
    assert_true(tu_log_has(f, "Grayscale(), ToTensor()"));
}

/* duplicate and split on a small MoG. */
static void test_duplicate_split(void **state) {
    fixture *f = *state;
    assert_int_equal(tu_memgen(f->log, "data mog --d 6 --n-per-mode 30 --out %s --labels-out %s", P(f, "X.npy"),
                               P(f, "L.npy")),
                     0);
    assert_int_equal(tu_memgen(f->log,
                               "data duplicate --data %s --class-labels %s --count 5 --times 4 --seed 2 --out %s "
                               "--labels-out %s --group-out %s --class-labels-out %s",
                               P(f, "X.npy"), P(f, "L.npy"), P(f, "Y.npy"), P(f, "D.npy"), P(f, "G.npy"),
                               P(f, "C.npy")),
                     0);
    mg_array Y, D, G, C, X;
    tu_assert_ok(mg_npy_read(P(f, "X.npy"), &X));
    tu_assert_ok(mg_npy_read(P(f, "Y.npy"), &Y));
    tu_assert_ok(mg_npy_read(P(f, "D.npy"), &D));
    tu_assert_ok(mg_npy_read(P(f, "G.npy"), &G));
    tu_assert_ok(mg_npy_read(P(f, "C.npy"), &C));
    assert_int_equal(Y.shape[0], 60 + 15);
    assert_int_equal(D.shape[0], 75);
    const int64_t *d = D.data, *g = G.data, *c = C.data;
    int64_t marked = 0;
    for (int i = 0; i < 75; i++) {
        marked += d[i];
        assert_int_equal(d[i], g[i] >= 0);
        if (i >= 60) {
            assert_memory_equal((float *)Y.data + i * 6, (float *)X.data + g[i] * 6, 6 * sizeof(float));
            assert_int_equal(c[i], g[i] < 30 ? 0 : 1);
        }
    }
    assert_int_equal(marked, 20);
    assert_int_equal(tu_memgen(f->log,
                               "data split --data %s --labels %s --test-fraction 0.2 --seed 9 --out-train %s "
                               "--out-test %s --labels-train-out %s --labels-test-out %s --split-out %s",
                               P(f, "Y.npy"), P(f, "C.npy"), P(f, "A.npy"), P(f, "B.npy"), P(f, "LA.npy"),
                               P(f, "LB.npy"), P(f, "S.npy")),
                     0);
    mg_array A, B, LA, LB, S;
    tu_assert_ok(mg_npy_read(P(f, "A.npy"), &A));
    tu_assert_ok(mg_npy_read(P(f, "B.npy"), &B));
    tu_assert_ok(mg_npy_read(P(f, "LA.npy"), &LA));
    tu_assert_ok(mg_npy_read(P(f, "LB.npy"), &LB));
    tu_assert_ok(mg_npy_read(P(f, "S.npy"), &S));
    assert_int_equal(B.shape[0], 15); /* round(75 * 0.2) */
    assert_int_equal(A.shape[0], 60);
    assert_int_equal(A.shape[1], 6);
    assert_int_equal(LB.shape[0], 15);
    int64_t ia = 0, ib = 0;
    for (int i = 0; i < 75; i++) {
        int t = (int)((int64_t *)S.data)[i];
        const float *row = (float *)Y.data + i * 6;
        if (t) {
            assert_memory_equal((float *)B.data + ib * 6, row, 6 * sizeof(float));
            assert_int_equal(((int64_t *)LB.data)[ib++], c[i]);
        } else {
            assert_memory_equal((float *)A.data + ia * 6, row, 6 * sizeof(float));
            assert_int_equal(((int64_t *)LA.data)[ia++], c[i]);
        }
    }
    mg_array_free(&X), mg_array_free(&Y), mg_array_free(&D), mg_array_free(&G), mg_array_free(&C);
    mg_array_free(&A), mg_array_free(&B), mg_array_free(&LA), mg_array_free(&LB), mg_array_free(&S);
}

/* images: the CLI equals mg_png_read + mg_image_prepare; size mismatches fail. */
static void test_images(void **state) {
    fixture *f = *state;
    char *imgs = tu_path(f->dir, "imgs");
    assert_int_equal(tu_memgen(NULL, "version"), 0);
    char cmdline[1024];
    snprintf(cmdline, sizeof cmdline, "mkdir -p %s", imgs);
    assert_int_equal(system(cmdline), 0);
    unsigned char px[10 * 8 * 3];
    const char *names[3] = {"c.png", "a.png", "b.png"};
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 240; i++) px[i] = (unsigned char)(i * (k + 3) + 17 * k);
        char *p = tu_path(imgs, names[k]);
        tu_assert_ok(mg_png_write_u8(p, px, 10, 8, 3));
        free(p);
    }
    assert_int_equal(tu_memgen(f->log, "data images --dir %s --resize 4x4 --out %s --labels-out %s --names-out %s",
                               imgs, P(f, "I.npy"), P(f, "IL.npy"), P(f, "names.txt")),
                     0);
    mg_array I;
    tu_assert_ok(mg_npy_read(P(f, "I.npy"), &I));
    assert_int_equal(I.shape[0], 3);
    assert_int_equal(I.shape[1], 16);
    mg_image_prep p = MG_IMAGE_PREP_DEFAULT;
    p.resize_h = p.resize_w = 4;
    p.channels = 1;
    const char *sorted[3] = {"a.png", "b.png", "c.png"};
    for (int k = 0; k < 3; k++) {
        char *path = tu_path(imgs, sorted[k]);
        mg_array img;
        tu_assert_ok(mg_png_read(path, 0, &img));
        float row[16];
        tu_assert_ok(mg_image_prepare(&img, &p, path, row));
        assert_memory_equal((float *)I.data + k * 16, row, sizeof row);
        mg_array_free(&img);
        free(path);
    }
    unsigned char *txt;
    size_t nt;
    tu_assert_ok(mg_read_file(P(f, "names.txt"), 0, &txt, &nt));
    char *t0 = malloc(nt + 1);
    memcpy(t0, txt, nt);
    t0[nt] = 0;
    assert_true(strstr(t0, "a.png\n") && strstr(t0, "c.png\n") && strstr(t0, "a.png") < strstr(t0, "b.png"));
    free(t0);
    free(txt);
    mg_array_free(&I);
    /* A differently sized image without --resize: exit 1 naming both files. */
    char *odd = tu_path(imgs, "d.png");
    tu_assert_ok(mg_png_write_u8(odd, px, 5, 8, 3));
    assert_int_equal(tu_memgen(f->log, "data images --dir %s --out %s", imgs, P(f, "J.npy")), 1);
    assert_true(tu_log_has(f, "d.png"));
    assert_true(tu_log_has(f, "--resize"));
    free(odd);
    free(imgs);
}

/* fashion-mnist: 20 test images resized to 32x32 in [-1, 1]. */
static void test_fashion_mnist(void **state) {
    fixture *f = *state;
    if (access(MG_FMNIST_DIR "/t10k-images-idx3-ubyte.gz", R_OK) != 0) {
        print_message("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist): skipping\n");
        skip();
    }
    assert_int_equal(tu_memgen(f->log, "data fashion-mnist --split test --n 20 --resize 32 --out %s --labels-out %s",
                               P(f, "F.npy"), P(f, "FL.npy")),
                     0);
    mg_array F, L;
    tu_assert_ok(mg_npy_read(P(f, "F.npy"), &F));
    tu_assert_ok(mg_npy_read(P(f, "FL.npy"), &L));
    assert_int_equal(F.shape[0], 20);
    assert_int_equal(F.shape[1], 1024);
    const int64_t first[5] = {9, 2, 1, 1, 6};
    assert_memory_equal(L.data, first, sizeof first);
    const float *x = F.data;
    float lo = 1, hi = -1;
    for (int i = 0; i < 20 * 1024; i++) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    assert_true(lo == -1.0f && hi <= 1.0f && hi > 0.5f);
    mg_array_free(&F);
    mg_array_free(&L);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mog, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_errors, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_split, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_images, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_fashion_mnist, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
