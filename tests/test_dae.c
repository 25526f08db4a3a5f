/*
 * Tests of the ReLU DAE model (paper Eq. 5): structure and accessors, the
 * forward pass against a naive loop (tied/untied, with/without biases,
 * padded views), W1's columns as rows, initialisers' statistics,
 * .safetensors round trips (plain and prefixed as inside a set) and every
 * malformed-file case.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/dae.h"
#include "memgen/safetensors.h"

/* Fills the whole parameter vector with N(0, 0.3^2). */
static void fill_params(mg_dae *m, uint64_t seed) {
    mg_rng r;
    mg_rng_init(&r, seed);
    int64_t n;
    float *w = mg_dae_params(m, &n);
    mg_rng_normal(&r, w, (size_t)n);
    for (int64_t i = 0; i < n; i++) w[i] *= 0.3f;
}

/* Layout of the flat vector and the accessors. */
static void test_create_and_layout(void **state) {
    (void)state;
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(7, 3, 0, 1, &m));
    assert_int_equal(mg_dae_dim(m), 7);
    assert_int_equal(mg_dae_hidden(m), 3);
    assert_int_equal(mg_dae_is_tied(m), 0);
    assert_int_equal(mg_dae_has_bias(m), 1);
    int64_t n;
    float *w = mg_dae_params(m, &n);
    assert_int_equal(n, 7 * 3 * 2 + 3 + 7);
    assert_int_equal(mg_dae_param_count(m), n);
    assert_ptr_equal(mg_dae_w1(m), w);
    assert_ptr_equal(mg_dae_w2(m), w + 21);
    assert_ptr_equal(mg_dae_b1(m), w + 42);
    assert_ptr_equal(mg_dae_b2(m), w + 45);
    for (int64_t i = 0; i < n; i++) assert_true(w[i] == 0.0f);
    assert_true(isnan(mg_dae_sigma(m)));
    mg_dae_free(m);
    tu_assert_ok(mg_dae_create(7, 3, 1, 0, &m));
    assert_ptr_equal(mg_dae_w1(m), mg_dae_w2(m));
    assert_null(mg_dae_b1(m));
    assert_null(mg_dae_b2(m));
    assert_int_equal(mg_dae_param_count(m), 21);
    mg_dae_free(m);
    mg_dae_free(NULL);
    /* invalid or absurd sizes fail cleanly */
    assert_int_equal(mg_dae_create(0, 3, 1, 0, &m), MG_ERR_ARG);
    assert_null(m);
    assert_int_equal(mg_dae_create(5, -1, 1, 0, &m), MG_ERR_ARG);
    assert_int_equal(mg_dae_create((int64_t)1 << 40, (int64_t)1 << 40, 1, 0, &m), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "too large"));
}

/* Forward and encode against a double loop, with padded views. */
static void test_forward_vs_naive(void **state) {
    (void)state;
    const int64_t n = 9, d = 13, p = 6, ldx = 15, ldh = 8, ldy = 14;
    for (int cfg = 0; cfg < 4; cfg++) {
        int tied = cfg & 1, bias = cfg >> 1;
        mg_dae *m = NULL;
        tu_assert_ok(mg_dae_create(d, p, tied, bias, &m));
        fill_params(m, 10 + (uint64_t)cfg);
        float X[9 * 15], H[9 * 8], Y[9 * 14];
        mg_rng r;
        mg_rng_init(&r, 3);
        mg_rng_normal(&r, X, sizeof X / sizeof *X);
        tu_assert_ok(mg_dae_forward(m, (mg_mat){n, d, ldx, X}, (mg_mat){n, p, ldh, H}, (mg_mat){n, d, ldy, Y}));
        double href[9 * 6], yref[9 * 13];
        const float *W1 = mg_dae_w1(m), *W2 = mg_dae_w2(m), *b1 = mg_dae_b1(m), *b2 = mg_dae_b2(m);
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = 0; j < p; j++) {
                double a = bias ? b1[j] : 0;
                for (int64_t k = 0; k < d; k++) a += (double)X[i * ldx + k] * W1[k * p + j];
                href[i * p + j] = a > 0 ? a : 0;
            }
            for (int64_t k = 0; k < d; k++) {
                double y = bias ? b2[k] : 0;
                for (int64_t j = 0; j < p; j++) y += href[i * p + j] * W2[k * p + j];
                yref[i * d + k] = y;
            }
        }
        double hg[9 * 6], yg[9 * 13];
        for (int64_t i = 0; i < n; i++) {
            for (int64_t j = 0; j < p; j++) hg[i * p + j] = H[i * ldh + j];
            for (int64_t k = 0; k < d; k++) yg[i * d + k] = Y[i * ldy + k];
        }
        tu_assert_close_d(hg, href, n * p, 1e-5, 1e-5, "H");
        tu_assert_close_d(yg, yref, n * d, 1e-5, 1e-5, "Y");
        /* H == NULL: the call allocates its own workspace */
        float Y2[9 * 14];
        tu_assert_ok(mg_dae_forward(m, (mg_mat){n, d, ldx, X}, (mg_mat){0, 0, 0, NULL}, (mg_mat){n, d, ldy, Y2}));
        for (int64_t i = 0; i < n; i++) assert_memory_equal(Y + i * ldy, Y2 + i * ldy, (size_t)d * sizeof(float));
        /* ReLU: no negative activations */
        for (int64_t i = 0; i < n * p; i++) assert_true(hg[i] >= 0);
        mg_dae_free(m);
    }
}

/* mg_dae_columns: W1^T element by element and the column norms (a zero column has norm 0). */
static void test_columns(void **state) {
    (void)state;
    const int64_t d = 5, p = 4;
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(d, p, 0, 1, &m));
    fill_params(m, 21);
    float *W1 = mg_dae_w1(m);
    for (int64_t i = 0; i < d; i++) W1[i * p + 2] = 0; /* column 2 unused */
    float C[4 * 5];
    double norms[4];
    mg_dae_columns(m, C, norms);
    for (int64_t j = 0; j < p; j++) {
        double q = 0;
        for (int64_t i = 0; i < d; i++) {
            assert_true(C[j * d + i] == W1[i * p + j]);
            q += (double)W1[i * p + j] * W1[i * p + j];
        }
        assert_true(norms[j] == sqrt(q));
    }
    assert_true(norms[2] == 0.0);
    float C2[4 * 5];
    mg_dae_columns(m, C2, NULL); /* norms are optional */
    assert_memory_equal(C, C2, sizeof C);
    mg_dae_free(m);
}

/* Shape errors are reported, never crash. */
static void test_forward_shape_errors(void **state) {
    (void)state;
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(4, 2, 1, 0, &m));
    float X[12], H[6], Y[12];
    assert_int_equal(mg_dae_encode(m, (mg_mat){3, 5, 5, X}, (mg_mat){3, 2, 2, H}), MG_ERR_SHAPE);
    assert_int_equal(mg_dae_encode(m, (mg_mat){3, 4, 4, X}, (mg_mat){3, 3, 3, H}), MG_ERR_SHAPE);
    assert_int_equal(mg_dae_encode(m, (mg_mat){3, 4, 2, X}, (mg_mat){3, 2, 2, H}), MG_ERR_ARG);
    assert_int_equal(mg_dae_forward(m, (mg_mat){3, 4, 4, X}, (mg_mat){3, 2, 2, H}, (mg_mat){2, 4, 4, Y}), MG_ERR_SHAPE);
    tu_assert_ok(mg_dae_forward(m, (mg_mat){0, 4, 4, X}, (mg_mat){0, 2, 2, H}, (mg_mat){0, 4, 4, Y}));
    mg_dae_free(m);
}

/* Kaiming: W1 std sqrt(2/d), W2 std sqrt(2/p), biases zero; normal: scale. */
static void test_initialisers(void **state) {
    (void)state;
    const int64_t d = 400, p = 100;
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(d, p, 0, 1, &m));
    fill_params(m, 1);
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_dae_init_kaiming(m, &r);
    double s1 = 0, s2 = 0, m1 = 0;
    for (int64_t i = 0; i < d * p; i++) {
        s1 += (double)mg_dae_w1(m)[i] * mg_dae_w1(m)[i];
        s2 += (double)mg_dae_w2(m)[i] * mg_dae_w2(m)[i];
        m1 += mg_dae_w1(m)[i];
    }
    double n = (double)(d * p);
    assert_true(fabs(sqrt(s1 / n) / sqrt(2.0 / d) - 1) < 0.02);
    assert_true(fabs(sqrt(s2 / n) / sqrt(2.0 / p) - 1) < 0.02);
    assert_true(fabs(m1 / n) < 4 * sqrt(2.0 / d) / sqrt(n));
    for (int64_t j = 0; j < p + d; j++) assert_true(mg_dae_b1(m)[j] == 0.0f);
    /* same seed, same weights; the generator advanced by exactly the draws */
    mg_rng r2;
    mg_rng_init(&r2, 5);
    mg_dae *m2 = NULL;
    tu_assert_ok(mg_dae_create(d, p, 0, 1, &m2));
    mg_dae_init_kaiming(m2, &r2);
    assert_memory_equal(mg_dae_params(m, NULL), mg_dae_params(m2, NULL), (size_t)mg_dae_param_count(m) * 4);
    assert_true(r2.counter == (uint64_t)(2 * d * p / 4));
    mg_dae_init_normal(m2, &r2, 0.05f);
    s1 = 0;
    for (int64_t i = 0; i < 2 * d * p; i++) s1 += (double)mg_dae_params(m2, NULL)[i] * mg_dae_params(m2, NULL)[i];
    assert_true(fabs(sqrt(s1 / (2 * n)) / 0.05 - 1) < 0.02);
    mg_dae_free(m);
    mg_dae_free(m2);
}

/* Save/load round trip with sigma and free-form metadata; clone. */
static void test_save_load_roundtrip(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "m.safetensors");
    for (int cfg = 0; cfg < 4; cfg++) {
        int tied = cfg & 1, bias = cfg >> 1;
        mg_dae *m = NULL;
        tu_assert_ok(mg_dae_create(5, 3, tied, bias, &m));
        fill_params(m, 7);
        mg_dae_set_sigma(m, 0.123456789012345);
        tu_assert_ok(mg_dae_set_meta(m, "optim", "rmsprop"));
        tu_assert_ok(mg_dae_set_meta(m, "lambda", "0.0125"));
        assert_int_equal(mg_dae_set_meta(m, "tied", "0"), MG_ERR_ARG); /* reserved */
        tu_assert_ok(mg_dae_save(m, path));
        mg_dae *l = NULL;
        tu_assert_ok(mg_dae_load(path, &l));
        assert_int_equal(mg_dae_is_tied(l), tied);
        assert_int_equal(mg_dae_has_bias(l), bias);
        assert_int_equal(mg_dae_param_count(l), mg_dae_param_count(m));
        assert_memory_equal(mg_dae_params(l, NULL), mg_dae_params(m, NULL), (size_t)mg_dae_param_count(m) * 4);
        assert_true(mg_dae_sigma(l) == 0.123456789012345);
        assert_string_equal(mg_dae_meta(l, "optim"), "rmsprop");
        assert_string_equal(mg_dae_meta(l, "lambda"), "0.0125");
        assert_null(mg_dae_meta(l, "memgen.kind"));
        assert_null(mg_dae_meta(l, "d"));
        mg_dae *c = NULL;
        tu_assert_ok(mg_dae_clone(l, &c));
        assert_memory_equal(mg_dae_params(c, NULL), mg_dae_params(m, NULL), (size_t)mg_dae_param_count(m) * 4);
        assert_string_equal(mg_dae_meta(c, "optim"), "rmsprop");
        assert_true(mg_dae_sigma(c) == mg_dae_sigma(m));
        /* the file is what a PyTorch user expects: W1 (d, p) */
        mg_st *st = NULL;
        tu_assert_ok(mg_st_read(path, &st));
        const mg_array *w1 = mg_st_get(st, "W1");
        assert_non_null(w1);
        assert_int_equal(w1->dtype, MG_F32);
        assert_int_equal(w1->shape[0], 5);
        assert_int_equal(w1->shape[1], 3);
        assert_true((mg_st_get(st, "W2") != NULL) == !tied);
        assert_string_equal(mg_st_meta(st, "memgen.kind"), "dae");
        mg_st_free(st);
        mg_dae_free(m);
        mg_dae_free(l);
        mg_dae_free(c);
    }
    tu_rmtree(dir);
    free(path);
    free(dir);
}

/* Two models under prefixes in one collection, as a DAE set stores them. */
static void test_prefixed_models(void **state) {
    (void)state;
    mg_dae *a = NULL, *b = NULL;
    tu_assert_ok(mg_dae_create(4, 2, 1, 0, &a));
    tu_assert_ok(mg_dae_create(4, 3, 0, 1, &b));
    fill_params(a, 1);
    fill_params(b, 2);
    mg_dae_set_sigma(a, 0.1);
    mg_dae_set_sigma(b, 0.2);
    tu_assert_ok(mg_dae_set_meta(b, "note", "second"));
    mg_st *st = mg_st_new();
    tu_assert_ok(mg_dae_to_st(a, st, "level0."));
    tu_assert_ok(mg_dae_to_st(b, st, "level1."));
    assert_null(mg_st_meta(st, "memgen.kind")); /* the set writes its own kind */
    mg_dae *a2 = NULL, *b2 = NULL;
    tu_assert_ok(mg_dae_from_st(st, "level0.", &a2));
    tu_assert_ok(mg_dae_from_st(st, "level1.", &b2));
    assert_int_equal(mg_dae_hidden(a2), 2);
    assert_int_equal(mg_dae_hidden(b2), 3);
    assert_true(mg_dae_is_tied(a2) && !mg_dae_is_tied(b2) && mg_dae_has_bias(b2));
    assert_true(mg_dae_sigma(a2) == 0.1 && mg_dae_sigma(b2) == 0.2);
    assert_string_equal(mg_dae_meta(b2, "note"), "second");
    assert_null(mg_dae_meta(a2, "note"));
    assert_memory_equal(mg_dae_params(b2, NULL), mg_dae_params(b, NULL), (size_t)mg_dae_param_count(b) * 4);
    mg_dae *none = NULL;
    assert_int_equal(mg_dae_from_st(st, "level2.", &none), MG_ERR_NOT_FOUND);
    assert_null(none);
    mg_st_free(st);
    mg_dae_free(a);
    mg_dae_free(b);
    mg_dae_free(a2);
    mg_dae_free(b2);
}

/* Builds a collection with W1 of the given shape (and optional extras). */
static mg_st *st_with_w1(int64_t d, int64_t p) {
    mg_st *st = mg_st_new();
    float *w = calloc((size_t)(d * p), sizeof(float));
    int64_t sh[2] = {d, p};
    tu_assert_ok(mg_st_add_f32(st, "W1", w, 2, sh));
    free(w);
    return st;
}

/* Every malformed model is refused with a message naming the problem. */
static void test_malformed_models(void **state) {
    (void)state;
    mg_dae *m = NULL;
    /* a bare W1 (as a PyTorch user might write) is a tied bias-free model */
    mg_st *st = st_with_w1(6, 2);
    tu_assert_ok(mg_dae_from_st(st, "", &m));
    assert_true(mg_dae_is_tied(m) && !mg_dae_has_bias(m));
    mg_dae_free(m);
    /* tied=0 without W2 */
    tu_assert_ok(mg_st_set_meta(st, "tied", "0"));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "W2"));
    tu_assert_ok(mg_st_set_meta(st, "tied", "maybe"));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_FORMAT);
    tu_assert_ok(mg_st_set_meta(st, "tied", "1"));
    /* d disagreeing with W1 */
    tu_assert_ok(mg_st_set_meta(st, "d", "7"));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_FORMAT);
    tu_assert_ok(mg_st_set_meta(st, "d", "6"));
    /* W2 of the wrong shape */
    float w[14] = {0};
    int64_t s72[2] = {7, 2};
    tu_assert_ok(mg_st_set_meta(st, "tied", "0"));
    tu_assert_ok(mg_st_add_f32(st, "W2", w, 2, s72));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "W2"));
    mg_st_free(st);
    /* only one bias */
    st = st_with_w1(6, 2);
    int64_t s2 = 2;
    tu_assert_ok(mg_st_add_f32(st, "b1", w, 1, &s2));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "bias"));
    mg_st_free(st);
    /* a NaN weight */
    st = st_with_w1(3, 2);
    float bad[6] = {0, 1, NAN, 0, 0, 0};
    int64_t s32[2] = {3, 2};
    tu_assert_ok(mg_st_add_f32(st, "W1", bad, 2, s32));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_NUMERIC);
    mg_st_free(st);
    /* W1 of rank 1 */
    st = mg_st_new();
    int64_t s6 = 6;
    tu_assert_ok(mg_st_add_f32(st, "W1", w, 1, &s6));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_SHAPE);
    mg_st_free(st);
    /* no W1 at all, a file of another kind */
    st = mg_st_new();
    tu_assert_ok(mg_st_set_meta(st, "memgen.kind", "mog"));
    assert_int_equal(mg_dae_from_st(st, "", &m), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "mog"));
    /* a DAE set file given to mg_dae_load */
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "set.safetensors");
    tu_assert_ok(mg_st_set_meta(st, "memgen.kind", "dae_set"));
    tu_assert_ok(mg_st_write(st, path));
    assert_int_equal(mg_dae_load(path, &m), MG_ERR_UNSUPPORTED);
    assert_non_null(strstr(mg_last_error(), "set"));
    /* a missing file */
    char *missing = tu_path(dir, "none.safetensors");
    assert_int_not_equal(mg_dae_load(missing, &m), MG_OK);
    assert_null(m);
    mg_st_free(st);
    tu_rmtree(dir);
    free(path);
    free(missing);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_layout),
        cmocka_unit_test(test_forward_vs_naive),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_forward_shape_errors),
        cmocka_unit_test(test_initialisers),
        cmocka_unit_test(test_save_load_roundtrip),
        cmocka_unit_test(test_prefixed_models),
        cmocka_unit_test(test_malformed_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
