/*
 * Tests of the DAE Jacobian (jacobian.h, App. A.3; also its energy share in a
 * subspace against the dense Jacobian): the dense Jacobian, its
 * trace and singular values against PyTorch autograd (dev/detect_reference.py),
 * a central finite-difference check on the forward pass away from kinks, the
 * thin-QR SVD against a dense LAPACK SVD in both regimes (|S| <= d and
 * |S| > d), the top singular vector, effective ranks, the no-active-unit case,
 * the memorized-vs-generalized signature (rank one, aligned with the stored
 * sample), and `memgen jacobian`.
 */
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/jacobian.h"
#include "memgen/npy.h"
#include "memgen/theory.h"

/* The fixture's untied, biased DAE (d = 12, p = 7). */
static mg_dae *fixture_dae(void) {
    mg_array W1, W2, b1, b2;
    if (mg_npy_read(tu_fixture("detect/jac_W1.npy"), &W1) || mg_npy_read(tu_fixture("detect/jac_W2.npy"), &W2) ||
        mg_npy_read(tu_fixture("detect/jac_b1.npy"), &b1) || mg_npy_read(tu_fixture("detect/jac_b2.npy"), &b2))
        return NULL;
    mg_dae *m;
    if (mg_dae_create(W1.shape[0], W1.shape[1], 0, 1, &m) != MG_OK) return NULL;
    memcpy(mg_dae_w1(m), W1.data, mg_array_nbytes(&W1));
    memcpy(mg_dae_w2(m), W2.data, mg_array_nbytes(&W2));
    memcpy(mg_dae_b1(m), b1.data, mg_array_nbytes(&b1));
    memcpy(mg_dae_b2(m), b2.data, mg_array_nbytes(&b2));
    mg_array_free(&W1), mg_array_free(&W2), mg_array_free(&b1), mg_array_free(&b2);
    return m;
}

/* Dense J, trace and singular values equal autograd's. */
static void test_against_autograd(void **state) {
    (void)state;
    mg_dae *m = fixture_dae();
    assert_non_null(m);
    mg_array X, J, SV, TR;
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_X.npy"), &X));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_J.npy"), &J));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_sv.npy"), &SV));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_trace.npy"), &TR));
    int64_t n = X.shape[0], d = X.shape[1], p = mg_dae_hidden(m);
    double Jd[12 * 12], sv[7], tr[4], trn[4];
    for (int64_t i = 0; i < n; i++) {
        const float *x = (const float *)X.data + i * d;
        tu_assert_ok(mg_jacobian_dense(m, x, Jd));
        tu_assert_close_d(Jd, (const double *)J.data + i * d * d, d * d, 1e-12, 1e-9, "dense J");
        int64_t r;
        tu_assert_ok(mg_jacobian_svd(m, x, sv, &r, NULL));
        for (int64_t k = r; k < p; k++) sv[k] = 0;
        tu_assert_close_d(sv, (const double *)SV.data + i * p, p, 1e-10, 1e-9, "singular values");
    }
    tu_assert_ok(mg_jacobian_trace(m, mg_mat_of_array(&X), tr));
    tu_assert_ok(mg_jacobian_trace_naive(m, mg_mat_of_array(&X), trn));
    tu_assert_close_d(tr, TR.data, n, 1e-6, 1e-6, "trace");
    tu_assert_close_d(trn, TR.data, n, 1e-10, 1e-9, "naive trace");
    mg_array_free(&X), mg_array_free(&J), mg_array_free(&SV), mg_array_free(&TR);
    mg_dae_free(m);
}

/* Central differences of the float forward pass, with a step that crosses no
 * kink (smaller than the distance of every pre-activation to zero). */
static void test_finite_differences(void **state) {
    (void)state;
    enum { D = 10, P = 14 };
    mg_dae *m;
    tu_assert_ok(mg_dae_create(D, P, 0, 1, &m));
    mg_rng r;
    mg_rng_init(&r, 21);
    mg_dae_init_normal(m, &r, 0.5f);
    mg_rng_normal(&r, mg_dae_b1(m), P);
    mg_rng_normal(&r, mg_dae_b2(m), D);
    float x[D], xp[D], xm[D], yp[D], ym[D];
    mg_rng_normal(&r, x, D);
    /* margin: min_j |z_j| / max_j |W1[b, j]| over every direction b */
    const float *W1 = mg_dae_w1_const(m), *b1 = mg_dae_b1_const(m);
    double zmin = INFINITY, wmax = 0;
    for (int j = 0; j < P; j++) {
        double z = b1[j];
        for (int a = 0; a < D; a++) z += (double)x[a] * W1[a * P + j];
        zmin = fmin(zmin, fabs(z));
        for (int a = 0; a < D; a++) wmax = fmax(wmax, fabs(W1[a * P + j]));
    }
    double h = 0.25 * zmin / wmax;
    assert_true(h > 1e-4); /* the random point is not next to a kink */
    double J[D * D], fd[D * D];
    tu_assert_ok(mg_jacobian_dense(m, x, J));
    for (int b = 0; b < D; b++) {
        memcpy(xp, x, sizeof x);
        memcpy(xm, x, sizeof x);
        xp[b] += (float)h;
        xm[b] -= (float)h;
        double hb = ((double)xp[b] - xm[b]) / 2; /* the step actually taken in float */
        tu_assert_ok(mg_dae_forward(m, (mg_mat){1, D, D, xp}, (mg_mat){0, 0, 0, NULL}, (mg_mat){1, D, D, yp}));
        tu_assert_ok(mg_dae_forward(m, (mg_mat){1, D, D, xm}, (mg_mat){0, 0, 0, NULL}, (mg_mat){1, D, D, ym}));
        for (int a = 0; a < D; a++) fd[a * D + b] = ((double)yp[a] - ym[a]) / (2 * hb);
    }
    tu_assert_close_d(fd, J, D * D, 2e-3, 1e-3, "finite differences");
    mg_dae_free(m);
}

/* Singular values of a dense d x d matrix (LAPACK), descending. */
static void dense_sv(const double *J, int64_t d, double *sv) {
    double *A = malloc((size_t)(d * d) * sizeof(double)), *sup = malloc((size_t)d * sizeof(double));
    memcpy(A, J, (size_t)(d * d) * sizeof(double));
    assert_int_equal(LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', (int)d, (int)d, A, (int)d, sv, NULL, 1, NULL, 1, sup), 0);
    free(A);
    free(sup);
}

/* Thin QR route = dense SVD with |S| < d and with |S| > d; u1 is the top
 * eigenvector of J J^T; no active unit gives an empty spectrum. */
static void test_svd_regimes(void **state) {
    (void)state;
    int64_t shapes[2][2] = {{16, 6}, {5, 11}}; /* p < d, then p > d (|S| may exceed d) */
    for (int c = 0; c < 2; c++) {
        int64_t d = shapes[c][0], p = shapes[c][1];
        mg_dae *m;
        tu_assert_ok(mg_dae_create(d, p, 0, 0, &m));
        mg_rng r;
        mg_rng_init(&r, 40 + c);
        mg_dae_init_normal(m, &r, 0.7f);
        float *x = malloc((size_t)d * sizeof(float));
        double *J = malloc((size_t)(d * d) * sizeof(double)), *ref = malloc((size_t)d * sizeof(double));
        double *sv = malloc((size_t)d * sizeof(double)), *u = malloc((size_t)d * sizeof(double));
        double *v = malloc((size_t)d * sizeof(double));
        int64_t *S = malloc((size_t)p * sizeof(int64_t)), s, rr;
        for (int trial = 0; trial < 5; trial++) {
            mg_rng_normal(&r, x, (size_t)d);
            tu_assert_ok(mg_jacobian_active(m, x, S, &s));
            tu_assert_ok(mg_jacobian_dense(m, x, J));
            dense_sv(J, d, ref);
            tu_assert_ok(mg_jacobian_svd(m, x, sv, &rr, u));
            assert_int_equal(rr, s < d ? s : d);
            for (int64_t k = rr; k < d; k++) sv[k] = 0;
            tu_assert_close_d(sv, ref, d, 1e-10, 1e-9, "thin-QR singular values");
            if (rr == 0) continue;
            /* J J^T u = sv1^2 u, |u| = 1 */
            double nu = 0;
            for (int64_t a = 0; a < d; a++) nu += u[a] * u[a];
            assert_true(fabs(nu - 1) < 1e-10);
            for (int64_t a = 0; a < d; a++) { /* v = J^T u */
                v[a] = 0;
                for (int64_t b = 0; b < d; b++) v[a] += J[b * d + a] * u[b];
            }
            for (int64_t a = 0; a < d; a++) {
                double w = 0;
                for (int64_t b = 0; b < d; b++) w += J[a * d + b] * v[b];
                assert_true(fabs(w - sv[0] * sv[0] * u[a]) < 1e-9 * (1 + sv[0] * sv[0]));
            }
        }
        /* a point that activates nothing */
        float *zero = calloc((size_t)d, sizeof(float));
        tu_assert_ok(mg_jacobian_svd(m, zero, sv, &rr, u));
        assert_int_equal(rr, 0);
        for (int64_t a = 0; a < d; a++) assert_true(u[a] == 0);
        free(zero);
        free(x), free(J), free(ref), free(sv), free(u), free(v), free(S);
        mg_dae_free(m);
    }
}

/* The effective-rank definitions. */
static void test_effective_rank(void **state) {
    (void)state;
    double eq[4] = {2, 2, 2, 2}, one[3] = {5, 0, 0}, z[2] = {0, 0}, mix[4] = {10, 1, 0.05, 0.01};
    assert_true(fabs(mg_effective_rank(eq, 4) - 4) < 1e-12);
    assert_true(fabs(mg_effective_rank(one, 3) - 1) < 1e-12);
    assert_true(mg_effective_rank(z, 2) == 0 && mg_rank_above(z, 2, 0.01) == 0);
    assert_int_equal(mg_rank_above(mix, 4, 0.01), 2);
    assert_int_equal(mg_rank_above(eq, 4, 0.01), 4);
    assert_true(mg_effective_rank(mix, 4) > 1 && mg_effective_rank(mix, 4) < 2);
}

/* App. A.3 on constructions: at a memorized sample J is ~rank one and its top
 * singular vector is the stored sample; at a generalized sample the rank is
 * higher and the top vector is not a single training sample. */
static void test_memorized_signature(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 8);
    tu_mog2 t;
    tu_mog2_make(&t, 48, 24, 300, &r);
    int64_t n = t.n, d = t.d;
    float *X = t.X, Xs[4 * 48];
    /* memorized samples negatively correlated with one another (the remark after
     * Cor. 3.2): simplex vertices of norm ~5 with a little noise */
    float e[4 * 48];
    mg_rng_normal(&r, e, 4 * 48);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 48; j++)
            Xs[i * 48 + j] = (j < 4 ? 5.0f * (float)(((i == j) - 0.25) / sqrt(0.75)) : 0.0f) + 0.1f * e[i * 48 + j];
    mg_dae *mm, *mgen;
    tu_mem_gen_daes(&t, Xs, 4, 0.2, 24, &mm, &mgen);
    mg_jacobian_info im[4], ig[4];
    double sv[4 * 8], u1[4 * 48], sv_ref[48], u1_ref[48]; /* sv_ref: min(d, p) <= d values */
    tu_assert_ok(mg_jacobian_analyze(mm, (mg_mat){4, d, d, Xs}, (mg_mat){4, d, d, Xs}, im, sv, 8, u1));
    /* the top left singular vectors are mg_jacobian_svd's */
    for (int i = 0; i < 4; i++) {
        int64_t r_ref;
        tu_assert_ok(mg_jacobian_svd(mm, Xs + i * d, sv_ref, &r_ref, u1_ref));
        for (int64_t a = 0; a < d; a++) assert_true(u1[i * d + a] == u1_ref[a]);
    }
    /* generalized: training samples of the mixture under the block construction */
    tu_assert_ok(mg_jacobian_analyze(mgen, (mg_mat){4, d, d, X + 100 * d}, (mg_mat){n, d, d, X}, ig, NULL, 0, NULL));
    for (int i = 0; i < 4; i++) {
        print_message("sample %d: memorizing erank %.3f align %.4f | generalizing erank %.2f align %.3f\n", i,
                      im[i].erank, im[i].align_nn, ig[i].erank, ig[i].align_nn);
        assert_true(im[i].nn == i);
        assert_true(im[i].align_nn > 0.99);
        assert_true(im[i].erank < 1.05 && im[i].rank1pc == 1);
        assert_true(ig[i].erank > 3 * im[i].erank);
        assert_true(ig[i].align_nn < 0.95); /* the mode's mean direction, not one sample */
        assert_true(fabs(sv[i * 8] - im[i].sv1) < 1e-15);
        assert_true(fabs(im[i].trace - 1.0) < 0.3); /* ~ |x|^2 / (|x|^2 + sigma^2) plus leakage */
    }
    mg_dae_free(mm), mg_dae_free(mgen);
    tu_mog2_free(&t);
}

/* memgen jacobian end to end; usage errors. */
static void test_jacobian_cli(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *log = tu_path(dir, "log.txt"), *model = tu_path(dir, "m.safetensors");
    char *data = tu_path(dir, "X.npy"), *csv = tu_path(dir, "j.csv"), *svp = tu_path(dir, "sv.npy");
    char *js = tu_path(dir, "j.json");
    mg_dae *m = fixture_dae();
    mg_dae_set_sigma(m, 0.2);
    tu_assert_ok(mg_dae_save(m, model));
    mg_array X;
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_X.npy"), &X));
    tu_assert_ok(mg_npy_write(data, &X));
    assert_int_equal(tu_memgen(log, "jacobian --model %s --data %s --clean --train %s --out %s --sv-out %s --keep 7 "
                               "--json %s", model, data, data, csv, svp, js), 0);
    mg_array SV, REF;
    tu_assert_ok(mg_npy_read(svp, &SV));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/jac_sv.npy"), &REF));
    assert_true(SV.shape[0] == 4 && SV.shape[1] == 7);
    tu_assert_close_d(SV.data, REF.data, 28, 1e-10, 1e-9, "CLI singular values");
    unsigned char *txt;
    size_t len;
    tu_assert_ok(mg_read_file(csv, 0, &txt, &len));
    assert_non_null(strstr((char *)txt, "sample,active,trace,sv1,erank,rank1pc,sv_ratio,nn,align_nn,align_x"));
    free(txt);
    assert_int_equal(tu_memgen(log, "jacobian --model %s", model), 2);
    assert_int_equal(tu_memgen(log, "jacobian --model %s --data %s --sigma 0", model, data), 2);
    assert_int_equal(tu_memgen(log, "jacobian --model %s --data %s --train %s/none.npy", model, data, dir), 1);
    mg_array_free(&X), mg_array_free(&SV), mg_array_free(&REF);
    mg_dae_free(m);
    tu_rmtree(dir);
    free(dir), free(log), free(model), free(data), free(csv), free(svp), free(js);
}

/* ---- mg_jacobian_subspace_share --------------------------------------------- */

/* The share equals |U^T J|_F^2 / |J|_F^2 with the dense Jacobian; U = I gives
 * 1; a point with no active unit gives 0. */
static void test_subspace_share_dense(void **state) {
    (void)state;
    enum { D = 7, P = 4, Q = 3 };
    float W[D * P], x[D];
    mg_rng r;
    mg_rng_init(&r, 17);
    mg_rng_normal(&r, W, D * P);
    mg_rng_normal(&r, x, D);
    mg_dae *m = tu_tied_dae(D, P, W);
    int64_t S[P], s;
    tu_assert_ok(mg_jacobian_active(m, x, S, &s));
    assert_true(s >= 1 && s < P); /* a generic point: some units on, some off */
    double U[D * Q]; /* orthonormal columns, d x q row-major */
    tu_assert_ok(mg_random_orthonormal(&r, D, Q, U));
    double J[D * D], in = 0, tot = 0;
    tu_assert_ok(mg_jacobian_dense(m, x, J));
    for (int a = 0; a < D; a++)
        for (int b = 0; b < D; b++) tot += J[a * D + b] * J[a * D + b];
    for (int j = 0; j < Q; j++)
        for (int b = 0; b < D; b++) {
            double v = 0;
            for (int a = 0; a < D; a++) v += U[a * Q + j] * J[a * D + b];
            in += v * v;
        }
    double share, want = in / tot;
    tu_assert_ok(mg_jacobian_subspace_share(m, x, U, Q, &share));
    tu_assert_close_d(&share, &want, 1, 1e-10, 1e-9, "subspace share");
    double Id[D * D];
    for (int i = 0; i < D * D; i++) Id[i] = i % (D + 1) == 0;
    tu_assert_ok(mg_jacobian_subspace_share(m, x, Id, D, &share));
    tu_assert_close_d(&share, &(double){1.0}, 1, 1e-12, 1e-12, "share in the whole space");
    float zero[D] = {0};
    tu_assert_ok(mg_jacobian_subspace_share(m, zero, U, Q, &share));
    assert_true(share == 0.0);
    assert_int_equal(mg_jacobian_subspace_share(m, x, U, D + 1, &share), MG_ERR_ARG);
    mg_dae_free(m);
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subspace_share_dense),
        cmocka_unit_test(test_against_autograd),   cmocka_unit_test(test_finite_differences),
        cmocka_unit_test(test_svd_regimes),        cmocka_unit_test(test_effective_rank),
        cmocka_unit_test(test_memorized_signature), cmocka_unit_test(test_jacobian_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
