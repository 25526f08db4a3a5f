/*
 * Tests of the DAE comparison (Fig. 4 / Fig. 9 agreement table): spectra,
 * principal angles per block, column and sample matching, on models whose
 * relation to a construction is known exactly (permuted, rotated within a
 * block, tilted by a known angle, rescaled, untied).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/compare.h"
#include "memgen/theory.h"

#define PI 3.14159265358979323846

/* Three well-separated clusters in d = 10 and their construction (p = 7 + 2
 * unused columns); returns the data (caller frees). */
static float *setup(mg_construction *c, int64_t *n_out, int64_t *lab) {
    int64_t K = 3, m = 20, d = 10, n = K * m;
    float *x = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_rng_normal(&r, x, (size_t)(n * d));
    for (int64_t i = 0; i < n; i++) {
        int64_t k = i / m;
        lab[i] = k;
        for (int64_t j = 0; j < d; j++) {
            double mu = j < K ? 5.0 * ((j == k) - 1.0 / K) / sqrt(1.0 - 1.0 / K) : 0.0;
            x[i * d + j] = (float)(mu + (j < K ? 0.05 : 0.4 + 0.1 * j) * x[i * d + j]);
        }
    }
    int64_t widths[3] = {3, 2, 2};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.2, cp.wd = 1e-4, cp.hidden = 9, cp.widths = widths;
    mg_mat X = {n, d, d, x};
    tu_assert_ok(mg_construct(X, lab, K, &cp, c));
    *n_out = n;
    return x;
}

/* A tied model holding W (d x p). */
static mg_dae *model_of(const float *W, int64_t d, int64_t p) {
    mg_dae *m;
    tu_assert_ok(mg_dae_create(d, p, 1, 0, &m));
    memcpy(mg_dae_w1(m), W, (size_t)(d * p) * sizeof(float));
    return m;
}

/* A construction compared with itself agrees perfectly. */
static void test_compare_self(void **state) {
    (void)state;
    mg_construction c;
    int64_t n, lab[60];
    float *x = setup(&c, &n, lab);
    mg_dae *B;
    tu_assert_ok(mg_construction_to_dae(&c, &B));
    mg_dae *A = model_of(c.W, c.d, c.p);
    mg_compare cmp;
    mg_mat X = {n, c.d, c.d, x};
    tu_assert_ok(mg_compare_daes(A, B, X, 0, &cmp));
    assert_int_equal(cmp.r, 9);
    assert_int_equal(cmp.ref, 'B');
    assert_int_equal(cmp.nblocks, 3);
    assert_int_equal(cmp.eig_lead, 7);
    assert_true(cmp.eig_rel_err < 1e-6);
    for (int64_t b = 0; b < 3; b++) {
        assert_int_equal(cmp.block_rank[b], c.blocks[b].kept);
        assert_int_equal(cmp.block_units[b], c.blocks[b].kept);
        assert_true(cmp.angle_max[b] < 0.05);
    }
    assert_int_equal(cmp.bcols_nonzero, 7);
    for (int64_t j = 0; j < 7; j++) {
        assert_int_equal(cmp.bcol_match[j], j);
        assert_true(fabs(cmp.bcol_cos[j] - 1) < 1e-6);
        assert_true(fabs(cmp.bcol_ratio[j] - 1) < 1e-6);
    }
    assert_int_equal(cmp.bcol_match[8], -1);
    assert_int_equal(cmp.n, n);
    for (int64_t i = 0; i < n; i++) assert_int_equal(cmp.sample_col_a[i], cmp.sample_col_b[i]);
    mg_compare_free(&cmp);
    mg_compare_free(&cmp);
    mg_compare_free(NULL);
    mg_dae_free(A), mg_dae_free(B);
    mg_construction_free(&c);
    free(x);
}

/* Permuting units and rotating within a block leaves spectra and subspaces
 * unchanged (angles ~0); tilting one direction of a block by a known angle
 * shows up as exactly that principal angle. */
static void test_compare_rotations(void **state) {
    (void)state;
    mg_construction c;
    int64_t n, lab[60];
    float *x = setup(&c, &n, lab);
    int64_t d = c.d, p = c.p;
    mg_dae *B;
    tu_assert_ok(mg_construction_to_dae(&c, &B));
    /* A: block 0 rotated by a Givens rotation (units 0, 1), units reversed */
    float *W = malloc((size_t)(d * p) * sizeof(float));
    double th = 0.7;
    for (int64_t i = 0; i < d; i++) {
        float row[16];
        memcpy(row, c.W + i * p, (size_t)p * sizeof(float));
        float a = row[0], b = row[1];
        row[0] = (float)(cos(th) * a - sin(th) * b);
        row[1] = (float)(sin(th) * a + cos(th) * b);
        for (int64_t j = 0; j < p; j++) W[i * p + j] = row[p - 1 - j];
    }
    mg_dae *A = model_of(W, d, p);
    mg_compare cmp;
    mg_mat none = {0, 0, 0, NULL};
    tu_assert_ok(mg_compare_daes(A, B, none, 0, &cmp));
    assert_true(cmp.eig_rel_err < 1e-5);
    for (int64_t b = 0; b < 3; b++) assert_true(cmp.angle_max[b] < 0.05);
    assert_int_equal(cmp.n, 0);
    mg_compare_free(&cmp);
    mg_dae_free(A);
    /* A: column 4 (block 1's second direction) tilted towards e_9 by 20 degrees,
     * keeping its norm: block 1's largest principal angle is 20 degrees */
    memcpy(W, c.W, (size_t)(d * p) * sizeof(float));
    int64_t col = c.blocks[1].col_start + 1;
    double nn = 0, v9 = 0;
    for (int64_t i = 0; i < d; i++) nn += (double)W[i * p + col] * W[i * p + col];
    /* component of e_9 orthogonal to block 1's span */
    double e[10] = {0}, proj[10] = {0};
    e[9] = 1;
    /* Gram-Schmidt e_9 against the block's span via its orthonormal basis */
    mg_scatter_eig eg;
    int64_t rows[20];
    for (int64_t i = 0; i < 20; i++) rows[i] = 20 + i;
    mg_mat X = {n, d, d, x};
    tu_assert_ok(mg_scatter_eig_top(X, rows, 20, 2, 1, &eg));
    for (int64_t j = 0; j < 2; j++) {
        double dot = eg.evecs[9 * 2 + j];
        for (int64_t i = 0; i < d; i++) proj[i] += dot * eg.evecs[i * 2 + j];
    }
    for (int64_t i = 0; i < d; i++) e[i] -= proj[i], v9 += e[i] * e[i];
    double tilt = 20.0 * PI / 180.0;
    for (int64_t i = 0; i < d; i++)
        W[i * p + col] = (float)(cos(tilt) * W[i * p + col] + sin(tilt) * sqrt(nn) * e[i] / sqrt(v9));
    mg_scatter_eig_free(&eg);
    A = model_of(W, d, p);
    tu_assert_ok(mg_compare_daes(A, B, none, 0, &cmp));
    assert_true(cmp.angle_max[0] < 0.05 && cmp.angle_max[2] < 0.05);
    /* the tilted column mixes with the other unit of the block: the subspace
     * moves by less than the tilt but clearly */
    assert_true(cmp.angle_max[1] > 5.0 && cmp.angle_max[1] < 20.5);
    /* lead = 1: only the leading direction, which barely moves */
    mg_compare c1;
    tu_assert_ok(mg_compare_daes(A, B, none, 1, &c1));
    assert_int_equal(c1.block_lead[1], 1);
    assert_true(c1.angle_max[1] < cmp.angle_max[1]);
    mg_compare_free(&c1);
    mg_compare_free(&cmp);
    mg_dae_free(A), mg_dae_free(B);
    mg_construction_free(&c);
    free(W), free(x);
}

/* Memorization: a model whose columns are r_i x_i permuted and scaled by
 * 1.03 matches every sample with cosine 1 and norm ratio 1.03; an untied model
 * with W2 = 2 W1 has doubled eigenvalues. */
static void test_compare_columns_untied(void **state) {
    (void)state;
    int64_t n = 4, d = 6, p = 5;
    float x[24] = {3, 0, 0, 0, 1, 0, -1, 2.5f, 0, 0, 0, 0.5f, -1, -1, 2, 0, 0, 0, 0, -1, -1, 2.2f, 0, 0};
    mg_mat X = {n, d, d, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.2, cp.wd = 1e-3, cp.hidden = p;
    mg_construction c;
    tu_assert_ok(mg_construct_mem(X, &cp, &c));
    mg_dae *B;
    tu_assert_ok(mg_construction_to_dae(&c, &B));
    float W[30] = {0};
    int perm[5] = {3, 0, 4, 1, 2}; /* column j of A is column perm[j] of B */
    for (int64_t i = 0; i < d; i++)
        for (int j = 0; j < 5; j++) W[i * p + j] = 1.03f * c.W[i * p + perm[j]];
    mg_dae *A = model_of(W, d, p);
    mg_compare cmp;
    tu_assert_ok(mg_compare_daes(A, B, X, 0, &cmp));
    assert_int_equal(cmp.bcols_nonzero, 4);
    for (int64_t j = 0; j < 4; j++) {
        assert_int_equal(perm[cmp.bcol_match[j]], j);
        assert_true(cmp.bcol_cos[j] > 0.999999);
        assert_true(fabs(cmp.bcol_ratio[j] - 1.03) < 1e-5);
    }
    for (int64_t i = 0; i < n; i++) {
        assert_int_equal(cmp.sample_col_b[i], i);
        assert_int_equal(perm[cmp.sample_col_a[i]], i);
        assert_true(cmp.sample_cos_a[i] > 0.999999);
        assert_int_equal(cmp.bcol_sample[i], i);
    }
    assert_true(fabs(cmp.eig_rel_err - (1.03 * 1.03 - 1)) < 1e-5);
    mg_compare_free(&cmp);
    mg_dae_free(A);
    /* untied: W2 = 2 W1 */
    tu_assert_ok(mg_dae_create(d, p, 0, 0, &A));
    memcpy(mg_dae_w1(A), c.W, sizeof(W));
    for (int64_t i = 0; i < d * p; i++) mg_dae_w2(A)[i] = 2.0f * c.W[i];
    tu_assert_ok(mg_compare_daes(A, B, X, 0, &cmp));
    for (int64_t j = 0; j < 4; j++) assert_true(fabs(cmp.eig_a[j] - 2 * cmp.eig_b[j]) < 1e-5 * cmp.eig_b[j]);
    assert_true(cmp.imag_a < 1e-9);
    for (int64_t b = 0; b < 4; b++) assert_true(cmp.angle_max[b] < 0.05);
    mg_compare_free(&cmp);
    mg_dae_free(A), mg_dae_free(B);
    mg_construction_free(&c);
}

/* Without block metadata the leading subspaces of the two maps are
 * compared as one block; mismatched dimensions are refused. */
static void test_compare_plain_and_errors(void **state) {
    (void)state;
    int64_t d = 5, p = 3;
    float W[15] = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0}; /* columns e0, 2 e1, 3 e2 */
    float V[15] = {3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}; /* 3 e0, 2 e1, e2 */
    mg_dae *A = model_of(W, d, p), *B = model_of(V, d, p);
    mg_compare cmp;
    mg_mat none = {0, 0, 0, NULL};
    tu_assert_ok(mg_compare_daes(A, B, none, 0, &cmp));
    assert_int_equal(cmp.ref, 'N');
    assert_int_equal(cmp.nblocks, 1);
    assert_true(cmp.eig_rel_err < 1e-12);
    assert_true(cmp.angle_max[0] < 1e-5);
    mg_compare_free(&cmp);
    /* lead 1: the top direction of A (e2) vs of B (e0): 90 degrees */
    tu_assert_ok(mg_compare_daes(A, B, none, 1, &cmp));
    assert_true(fabs(cmp.angles[0] - 90.0) < 1e-5);
    mg_compare_free(&cmp);
    mg_dae *C;
    tu_assert_ok(mg_dae_create(4, 3, 1, 0, &C));
    assert_int_equal(mg_compare_daes(A, C, none, 0, &cmp), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "dimension"));
    tu_assert_ok(mg_dae_set_meta(B, "widths", "2,x"));
    tu_assert_ok(mg_dae_set_meta(B, "kept", "2,1"));
    tu_assert_ok(mg_compare_daes(A, B, none, 0, &cmp));
    assert_int_equal(cmp.ref, 'N');
    assert_non_null(strstr(cmp.note, "malformed"));
    mg_compare_free(&cmp);
    mg_dae_free(A), mg_dae_free(B), mg_dae_free(C);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_self),
        cmocka_unit_test(test_compare_rotations),
        cmocka_unit_test(test_compare_columns_untied),
        cmocka_unit_test(test_compare_plain_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
