/*
 * Tests of the mixture parameter file (include/memgen/mog.h): save/load round
 * trip bit for bit with metadata, and clear errors for files that are not
 * mixtures, have wrong shapes, inconsistent metadata or invalid parameters;
 * the smoothed mixture log-density (mg_mog_logpdf) against a dense covariance
 * computation and the 1-D closed form.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/mog.h"
#include "memgen/safetensors.h"

/* Round trip: every array identical, metadata present, validation passes. */
static void test_roundtrip(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "mog.safetensors");
    mg_mog_spec s = {3, 9, NULL, 2.0, 0.1, 1, 1.5, 0.8, 6, 1};
    double w[3] = {1, 2, 3};
    s.weights = w;
    mg_rng r;
    mg_rng_init(&r, 17);
    mg_mog m, l;
    tu_assert_ok(mg_mog_make(&s, &r, &m));
    const char *keys[1] = {"mog.note"}, *vals[1] = {"hello"};
    tu_assert_ok(mg_mog_save_with_meta(&m, path, 1, keys, vals));
    tu_assert_ok(mg_mog_load(path, &l));
    assert_int_equal(l.K, 3);
    assert_int_equal(l.d, 9);
    assert_memory_equal(l.weights, m.weights, 3 * sizeof(double));
    assert_memory_equal(l.means, m.means, 27 * sizeof(double));
    assert_memory_equal(l.eigvals, m.eigvals, 27 * sizeof(double));
    assert_memory_equal(l.bases, m.bases, 243 * sizeof(double));
    mg_st *st;
    tu_assert_ok(mg_st_read(path, &st));
    assert_string_equal(mg_st_meta(st, "memgen.kind"), "mog");
    assert_string_equal(mg_st_meta(st, "K"), "3");
    assert_string_equal(mg_st_meta(st, "d"), "9");
    assert_string_equal(mg_st_meta(st, "mog.note"), "hello");
    assert_int_equal(mg_st_get(st, "cov_bases")->dtype, MG_F64);
    mg_st_free(st);
    /* Plain mg_mog_save too. */
    tu_assert_ok(mg_mog_save(&l, path));
    mg_mog_free(&l);
    tu_assert_ok(mg_mog_load(path, &l));
    assert_memory_equal(l.bases, m.bases, 243 * sizeof(double));
    /* Saving invalid parameters is refused and leaves the old file. */
    l.weights[0] = -1;
    assert_int_equal(mg_mog_save(&l, path), MG_ERR_ARG);
    mg_mog_free(&l);
    tu_assert_ok(mg_mog_load(path, &l));
    mg_mog_free(&l);
    mg_mog_free(&m);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* Builds a file from a valid K = 2, d = 3 mixture after `edit` mutates the
 * collection, then expects mg_mog_load to fail with `want` and `needle`. */
static void expect_load_error(const char *dir, int edit, mg_status want, const char *needle) {
    mg_mog m;
    tu_assert_ok(mg_mog_alloc(&m, 2, 3));
    for (int i = 0; i < 6; i++) m.eigvals[i] = 1.0 / (1 + i % 3);
    mg_st *st = mg_st_new();
    assert_non_null(st);
    int64_t s1[1] = {2}, s2[2] = {2, 3}, s3[3] = {2, 3, 3};
    mg_array a = {0};
    a.dtype = MG_F64;
    struct {
        const char *name;
        double *data;
        int ndim;
        int64_t *shape;
    } t[4] = {{"weights", m.weights, 1, s1}, {"means", m.means, 2, s2}, {"cov_eigvals", m.eigvals, 2, s2},
              {"cov_bases", m.bases, 3, s3}};
    if (edit == 4) m.bases[1] = 0.3;        /* not orthonormal */
    if (edit == 5) m.eigvals[1] = 7;        /* not descending */
    for (int i = 0; i < 4; i++) {
        if (edit == 1 && i == 2) continue;  /* missing cov_eigvals */
        a.ndim = t[i].ndim;
        for (int j = 0; j < a.ndim; j++) a.shape[j] = t[i].shape[j];
        if (edit == 2 && i == 3) a.shape[2] = 1; /* wrong basis shape: (2, 3, 1) */
        a.data = t[i].data;
        tu_assert_ok(mg_st_add(st, t[i].name, &a));
    }
    tu_assert_ok(mg_st_set_meta(st, "memgen.kind", edit == 3 ? "dae" : "mog"));
    if (edit == 6) tu_assert_ok(mg_st_set_meta(st, "K", "5"));
    char *p = tu_path(dir, "bad.safetensors");
    tu_assert_ok(mg_st_write(st, p));
    mg_st_free(st);
    mg_mog l;
    mg_status got = mg_mog_load(p, &l);
    if (want == MG_OK) {
        tu_assert_ok(got);
        mg_mog_free(&l);
        free(p);
        mg_mog_free(&m);
        return;
    }
    if (got != want || !strstr(mg_last_error(), needle))
        print_error("edit %d: %s '%s' (wanted %s '%s')\n", edit, mg_status_str(got), mg_last_error(),
                    mg_status_str(want), needle);
    assert_int_equal(got, want);
    assert_non_null(strstr(mg_last_error(), needle));
    assert_non_null(strstr(mg_last_error(), "bad.safetensors"));
    assert_null(l.means);
    free(p);
    mg_mog_free(&m);
}

/* Each kind of broken file gives its own clear error. */
static void test_load_errors(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    expect_load_error(dir, 0, MG_OK, "");
    expect_load_error(dir, 1, MG_ERR_NOT_FOUND, "cov_eigvals");
    expect_load_error(dir, 2, MG_ERR_SHAPE, "cov_bases");
    expect_load_error(dir, 3, MG_ERR_FORMAT, "'dae'");
    expect_load_error(dir, 4, MG_ERR_ARG, "orthonormal");
    expect_load_error(dir, 5, MG_ERR_ARG, "descending");
    expect_load_error(dir, 6, MG_ERR_FORMAT, "metadata K = 5");
    mg_mog l;
    assert_int_equal(mg_mog_load("/nonexistent/mog.safetensors", &l), MG_ERR_IO);
    tu_rmtree(dir);
    free(dir);
}

#define PI_ 3.14159265358979323846

/* log det and inverse of a small SPD matrix A (n x n, row-major) by
 * Gauss-Jordan elimination without pivoting (fine for SPD): A is destroyed,
 * inv receives A^-1. Returns log det A. */
static double spd_inverse(double *A, double *inv, int n) {
    double ld = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) inv[i * n + j] = i == j;
    for (int c = 0; c < n; c++) {
        double piv = A[c * n + c];
        ld += log(piv);
        for (int j = 0; j < n; j++) A[c * n + j] /= piv, inv[c * n + j] /= piv;
        for (int r = 0; r < n; r++) {
            if (r == c) continue;
            double f = A[r * n + c];
            for (int j = 0; j < n; j++) A[r * n + j] -= f * A[c * n + j], inv[r * n + j] -= f * inv[c * n + j];
        }
    }
    return ld;
}

/* The smoothed mixture's log-density equals a dense evaluation with
 * C_k = B_k diag(ev_k) B_k^T + sigma^2 I formed explicitly. */
static void test_logpdf_dense(void **state) {
    (void)state;
    enum { D = 4, K = 2, N = 5 };
    mg_mog m;
    tu_assert_ok(mg_mog_alloc(&m, K, D));
    mg_rng r;
    mg_rng_init(&r, 11);
    const double ev[K][D] = {{2.0, 0.7, 0.2, 0.0}, {1.5, 1.0, 0.5, 0.1}};
    m.weights[0] = 0.3, m.weights[1] = 0.7;
    for (int k = 0; k < K; k++) {
        tu_assert_ok(mg_random_orthonormal(&r, D, D, m.bases + k * D * D));
        for (int j = 0; j < D; j++) {
            m.eigvals[k * D + j] = ev[k][j];
            m.means[k * D + j] = (k ? -1.0 : 1.0) * (j + 1) * 0.5;
        }
    }
    tu_assert_ok(mg_mog_validate(&m));
    float Y[N * D];
    for (int i = 0; i < N * D; i++) Y[i] = (float)(((i * 37) % 11) - 5) * 0.3f;
    mg_mat Ym = {N, D, D, Y};
    double sigma = 0.3, logp[N], maha[N * K], ref[N], refm[N * K];
    tu_assert_ok(mg_mog_logpdf(&m, Ym, sigma, logp, maha));
    for (int i = 0; i < N; i++) {
        double lw[K];
        for (int k = 0; k < K; k++) {
            double C[D * D], inv[D * D], v[D];
            const double *B = m.bases + k * D * D;
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++) {
                    double s = a == b ? sigma * sigma : 0.0;
                    for (int l = 0; l < D; l++) s += B[a * D + l] * ev[k][l] * B[b * D + l];
                    C[a * D + b] = s;
                }
            double ld = spd_inverse(C, inv, D);
            for (int a = 0; a < D; a++) v[a] = Y[i * D + a] - m.means[k * D + a];
            double q = 0;
            for (int a = 0; a < D; a++)
                for (int b = 0; b < D; b++) q += v[a] * inv[a * D + b] * v[b];
            refm[i * K + k] = q;
            lw[k] = log(m.weights[k]) - 0.5 * (q + ld + D * log(2 * PI_));
        }
        double mx = fmax(lw[0], lw[1]);
        ref[i] = mx + log(exp(lw[0] - mx) + exp(lw[1] - mx));
    }
    tu_assert_close_d(logp, ref, N, 1e-9, 1e-9, "log-density");
    tu_assert_close_d(maha, refm, N * K, 1e-9, 1e-9, "Mahalanobis");
    /* sigma = 0 with a zero eigenvalue is singular: refused */
    assert_int_equal(mg_mog_logpdf(&m, Ym, 0.0, logp, NULL), MG_ERR_ARG);
    mg_mat bad = {N, D - 1, D - 1, Y};
    assert_int_equal(mg_mog_logpdf(&m, bad, sigma, logp, NULL), MG_ERR_SHAPE);
    mg_mog_free(&m);
}

/* 1-D, one component: log N(y; mu, ev + sigma^2) in closed form. */
static void test_logpdf_1d(void **state) {
    (void)state;
    mg_mog m;
    tu_assert_ok(mg_mog_alloc(&m, 1, 1));
    m.means[0] = 2.0;
    m.eigvals[0] = 0.5;
    float y[3] = {2.0f, 0.0f, 5.5f};
    mg_mat Y = {3, 1, 1, y};
    double lp[3], mh[3];
    tu_assert_ok(mg_mog_logpdf(&m, Y, 0.5, lp, mh));
    for (int i = 0; i < 3; i++) {
        double v = 0.75, z = y[i] - 2.0;
        tu_assert_close_d(&lp[i], &(double){-0.5 * (z * z / v + log(2 * PI_ * v))}, 1, 1e-12, 1e-12, "1-D log-density");
        tu_assert_close_d(&mh[i], &(double){z * z / v}, 1, 1e-12, 1e-12, "1-D Mahalanobis");
    }
    mg_mog_free(&m);
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logpdf_dense),
        cmocka_unit_test(test_logpdf_1d),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
