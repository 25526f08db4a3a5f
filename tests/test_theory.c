/*
 * Tests of the closed forms: scatter eigenpairs (both routes against a
 * Jacobi oracle), Lemma C.1 coefficients, Theorem 3.1 / Corollaries 3.2-3.4
 * against NumPy fixtures (dev/theory_reference.py), the choice of O_k, the
 * width-allocation rule, weight-decay drops, rank-1 detection, the DAE
 * wrapper and bad input.
 */
#include <float.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/npy.h"
#include "memgen/dup.h"
#include "memgen/theory.h"

/* Loads tests/fixtures/theory/<name>.npy (caller frees); name is a string literal. */
#define load(name) tu_fixture_npy("theory/" name ".npy")

/* Random float matrix (n x d) with i.i.d. N(0, scale^2) entries. */
static float *randn(mg_rng *r, int64_t n, int64_t d, float scale) {
    float *x = malloc((size_t)(n * d) * sizeof(float));
    mg_rng_normal(r, x, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) x[i] *= scale;
    return x;
}

/* |u^T v| for columns j of U (d x q) and V (d x q2). */
static double col_dot(const double *U, int64_t q, int64_t j, const double *V, int64_t q2, int64_t k, int64_t d) {
    double s = 0;
    for (int64_t i = 0; i < d; i++) s += U[i * q + j] * V[i * q2 + k];
    return fabs(s);
}

/* Fast eigenpairs (Gram route n < d and scatter route n > d, on a row
 * subset) agree with the Jacobi oracle; vectors are orthonormal. */
static void test_scatter_eig_routes(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 7);
    for (int route = 0; route < 2; route++) {
        int64_t n = route ? 40 : 9, d = 12;
        float *x = randn(&r, n, d, 1.0f);
        for (int64_t i = 0; i < n; i++) x[i * d] += 3.0f; /* a dominant direction */
        int64_t rows[40], m = 0;
        for (int64_t i = 0; i < n; i += 1 + (i % 3 == 0)) rows[m++] = i; /* a subset */
        mg_mat X = {n, d, d, x};
        mg_scatter_eig fast, slow;
        tu_assert_ok(mg_scatter_eig_top(X, rows, m, 5, 1, &fast));
        tu_assert_ok(mg_scatter_eig_naive(X, rows, m, &slow));
        assert_int_equal(fast.q, 5);
        assert_int_equal(slow.q, m < d ? m : d);
        tu_assert_close_d(fast.evals, slow.evals, 5, 1e-10, 1e-10, "eigenvalues");
        assert_true(fabs(fast.trace - slow.trace) < 1e-9 * slow.trace);
        double sum = 0;
        for (int64_t j = 0; j < slow.q; j++) sum += slow.evals[j];
        assert_true(fabs(sum - slow.trace) < 1e-9 * slow.trace);
        for (int64_t j = 0; j < 5; j++) {
            assert_true(fabs(col_dot(fast.evecs, 5, j, slow.evecs, slow.q, j, d) - 1) < 1e-8);
            for (int64_t k = 0; k < j; k++) assert_true(col_dot(fast.evecs, 5, j, fast.evecs, 5, k, d) < 1e-10);
        }
        /* eigenvalues only: same numbers, no vectors */
        mg_scatter_eig ev;
        tu_assert_ok(mg_scatter_eig_top(X, rows, m, 5, 0, &ev));
        assert_null(ev.evecs);
        tu_assert_close_d(ev.evals, fast.evals, 5, 0, 1e-12, "eigenvalues only");
        mg_scatter_eig_free(&fast);
        mg_scatter_eig_free(&slow);
        mg_scatter_eig_free(&ev);
        mg_scatter_eig_free(&ev);
        mg_scatter_eig_free(NULL);
        free(x);
    }
}

/* Rank-deficient data return only the numerically nonzero eigenpairs;
 * all-zero data return none; bad rows are refused. */
static void test_scatter_eig_rank(void **state) {
    (void)state;
    float x[4 * 6] = {0};
    for (int j = 0; j < 6; j++) x[j] = (float)(j + 1), x[6 + j] = 2.0f * (j + 1), x[12 + j] = -1.0f * (j + 1);
    x[18] = 1.0f; /* rank 2 */
    mg_mat X = {4, 6, 6, x};
    mg_scatter_eig e;
    tu_assert_ok(mg_scatter_eig_top(X, NULL, 0, 4, 1, &e));
    assert_int_equal(e.q, 2);
    for (int64_t j = 0; j < e.q; j++) assert_true(e.evals[j] > 0);
    mg_scatter_eig_free(&e);
    float z[12] = {0};
    mg_mat Z = {2, 6, 6, z};
    tu_assert_ok(mg_scatter_eig_top(Z, NULL, 0, 2, 1, &e));
    assert_int_equal(e.q, 0);
    mg_scatter_eig_free(&e);
    int64_t bad[1] = {9};
    assert_int_equal(mg_scatter_eig_top(X, bad, 1, 1, 1, &e), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "out of range"));
    assert_int_equal(mg_scatter_eig_top(X, NULL, 0, 0, 1, &e), MG_ERR_ARG);
}

/* Lemma C.1: alpha minimises ev (1 - a)^2 + c a^2 + 2 l a over a >= 0. */
static void test_lae_alpha(void **state) {
    (void)state;
    double cases[][3] = {{5, 0.4, 0.3}, {2, 0, 0}, {0.5, 1, 0.7}, {3, 2, 0}, {1e-3, 1e-2, 0}};
    for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
        double ev = cases[t][0], c = cases[t][1], l = cases[t][2];
        double a = mg_lae_alpha(ev, c, l), pen;
        double best = INFINITY, abest = 0;
        for (int i = 0; i <= 200000; i++) { /* brute force on a grid */
            double x = i * 1e-5, f = ev * (1 - x) * (1 - x) + c * x * x + 2 * l * x;
            if (f < best) best = f, abest = x;
        }
        assert_true(fabs(a - abest) < 2e-5);
        double f = mg_lae_direction_loss(ev, c, l, &pen);
        assert_true(fabs(f + pen - best) < 1e-8 * (1 + best));
        assert_true(fabs(pen - 2 * l * a) < 1e-15);
    }
    assert_true(mg_lae_alpha(0.3, 1.0, 0.5) == 0.0); /* ev <= lambda': dropped */
    assert_true(mg_lae_alpha(0.0, 0.0, 0.0) == 0.0);  /* never NaN */
}

/* Arbitrary integral labels are renumbered in value order; bad ones refused. */
static void test_labels_compact(void **state) {
    (void)state;
    mg_array a;
    int64_t shape[1] = {6};
    tu_assert_ok(mg_array_alloc(&a, MG_I64, 1, shape));
    int64_t v[6] = {7, -2, 7, 3, -2, 3};
    memcpy(a.data, v, sizeof(v));
    int64_t *lab, K, *vals;
    tu_assert_ok(mg_labels_compact(&a, 6, "labels", &lab, &K, &vals));
    assert_int_equal(K, 3);
    int64_t want[6] = {2, 0, 2, 1, 0, 1}, wv[3] = {-2, 3, 7};
    for (int i = 0; i < 6; i++) assert_int_equal(lab[i], want[i]);
    for (int i = 0; i < 3; i++) assert_int_equal(vals[i], wv[i]);
    free(lab), free(vals);
    assert_int_equal(mg_labels_compact(&a, 5, "labels.npy", &lab, &K, &vals), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "labels.npy"));
    mg_array_free(&a);
    tu_assert_ok(mg_array_alloc(&a, MG_F32, 1, shape));
    ((float *)a.data)[2] = 0.5f;
    assert_int_equal(mg_labels_compact(&a, 6, "labels", &lab, &K, &vals), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "label 2"));
    mg_array_free(&a);
}

/* Theorem 3.1 with given widths matches the NumPy construction exactly
 * (weights, per-block LAE losses, predicted Eq. 6 loss). */
static void test_construct_gen_fixture(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels"), P = load("gen_params"), Wd = load("gen_widths");
    mg_array W = load("gen_W"), lae = load("gen_lae"), loss = load("gen_losses");
    const double *prm = P.data;
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = prm[0], cp.wd = prm[1], cp.hidden = (int64_t)prm[2], cp.widths = Wd.data;
    mg_construction c;
    tu_assert_ok(mg_construct(mg_mat_of_array(&X), L.data, 3, &cp, &c));
    assert_int_equal(c.kind, MG_CONSTRUCTION_GEN);
    assert_int_equal(c.p, 10);
    assert_int_equal(c.unused, 1);
    double *Wc = malloc((size_t)(c.d * c.p) * sizeof(double));
    for (int64_t i = 0; i < c.d * c.p; i++) Wc[i] = c.W[i];
    tu_assert_close_d(Wc, W.data, c.d * c.p, 2e-6, 1e-5, "W_gen");
    double got_lae[3];
    for (int k = 0; k < 3; k++) got_lae[k] = c.blocks[k].lae_loss;
    tu_assert_close_d(got_lae, lae.data, 3, 1e-9, 1e-9, "block LAE losses");
    double got_loss[2] = {c.train_mse, c.train_loss};
    tu_assert_close_d(got_loss, loss.data, 2, 1e-10, 1e-9, "predicted losses");
    /* (1/n) sum_k lae_k == train_loss (Theorem C.2, Eq. 13 leading term) */
    assert_true(fabs((got_lae[0] + got_lae[1] + got_lae[2]) / (double)c.n - c.train_loss) < 1e-12);
    free(Wc);
    mg_construction_free(&c);
    mg_construction_free(&c);
    mg_construction_free(NULL);
    mg_array_free(&X), mg_array_free(&L), mg_array_free(&P), mg_array_free(&Wd);
    mg_array_free(&W), mg_array_free(&lae), mg_array_free(&loss);
}

/* Appendix C.2 step (1): every kept unit of block k has the same positive
 * pre-activation on the cluster mean, and W_k W_k^T is the Lemma C.1 map
 * U diag(alpha) U^T (so O_k is orthogonal). */
static void test_construct_equal_preactivation(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels");
    mg_mat Xm = mg_mat_of_array(&X);
    const int64_t *lab = L.data;
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3, cp.wd = 0.001, cp.hidden = 9;
    mg_construction c;
    tu_assert_ok(mg_construct(Xm, lab, 3, &cp, &c));
    int64_t d = c.d, p = c.p;
    for (int64_t k = 0; k < 3; k++) {
        const mg_block_info *b = &c.blocks[k];
        assert_true(b->kept >= 1);
        double mean[16] = {0};
        for (int64_t i = 0; i < c.n; i++)
            if (lab[i] == k)
                for (int64_t j = 0; j < d; j++) mean[j] += Xm.data[i * d + j] / (double)b->n;
        for (int64_t u = 0; u < b->kept; u++) {
            double pa = 0;
            for (int64_t j = 0; j < d; j++) pa += c.W[j * p + b->col_start + u] * mean[j];
            assert_true(pa > 0);
            assert_true(fabs(pa - b->pre_act) < 1e-5 * b->pre_act);
        }
        /* W_k W_k^T = sum_j alpha_j u_j u_j^T: compare with the eigenpairs */
        int64_t rows[32], m = 0;
        for (int64_t i = 0; i < c.n; i++)
            if (lab[i] == k) rows[m++] = i;
        mg_scatter_eig e;
        tu_assert_ok(mg_scatter_eig_top(Xm, rows, m, b->kept, 1, &e));
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < d; j++) {
                double a = 0, want = 0;
                for (int64_t u = 0; u < b->kept; u++) {
                    a += (double)c.W[i * p + b->col_start + u] * c.W[j * p + b->col_start + u];
                    double al = mg_lae_alpha(e.evals[u], (double)b->n * 0.09, c.n * 0.001);
                    want += al * e.evecs[i * e.q + u] * e.evecs[j * e.q + u];
                }
                assert_true(fabs(a - want) < 2e-6);
            }
        mg_scatter_eig_free(&e);
    }
    mg_construction_free(&c);
    mg_array_free(&X), mg_array_free(&L);
}

/* Corollary 3.2: W_mem columns are r_i x_i (trailing zeros), the predicted
 * loss at lambda = 0 is the memorization loss, and p < n is refused. */
static void test_construct_mem(void **state) {
    (void)state;
    mg_array X = load("mem_X"), P = load("mem_params"), W = load("mem_W"), ML = load("mem_loss");
    const double *prm = P.data;
    mg_mat Xm = mg_mat_of_array(&X);
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = prm[0], cp.wd = prm[1], cp.hidden = (int64_t)prm[2];
    mg_construction c;
    tu_assert_ok(mg_construct_mem(Xm, &cp, &c));
    assert_int_equal(c.kind, MG_CONSTRUCTION_MEM);
    assert_int_equal(c.K, 4);
    assert_int_equal(c.rank1_clusters, 4);
    assert_int_equal(c.unused, 2);
    double *Wc = malloc((size_t)(c.d * c.p) * sizeof(double));
    for (int64_t i = 0; i < c.d * c.p; i++) Wc[i] = c.W[i];
    tu_assert_close_d(Wc, W.data, c.d * c.p, 1e-7, 1e-6, "W_mem");
    free(Wc);
    mg_construction_free(&c);
    cp.wd = 0;
    tu_assert_ok(mg_construct_mem(Xm, &cp, &c));
    assert_true(fabs(c.train_mse - ((double *)ML.data)[0]) < 1e-12);
    assert_true(fabs(mg_mem_loss(Xm, cp.sigma) - ((double *)ML.data)[0]) < 1e-12);
    assert_true(c.train_mse < cp.sigma * cp.sigma); /* Cor. 3.2: below sigma^2 */
    mg_construction_free(&c);
    cp.hidden = 3;
    assert_int_equal(mg_construct_mem(Xm, &cp, &c), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "hidden >= n"));
    mg_array_free(&X), mg_array_free(&P), mg_array_free(&W), mg_array_free(&ML);
}

/* Weight decay larger than some eigenvalues: those directions are dropped
 * (zero columns, counted, explained), nothing is NaN; a sample with
 * |x|^2 <= n lambda gets a zero memorization column. */
static void test_construct_wd_drops(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels");
    mg_mat Xm = mg_mat_of_array(&X);
    int64_t widths[3] = {4, 6, 5};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3, cp.wd = 0.05, cp.hidden = 15, cp.widths = widths; /* n*wd = 0.95 */
    mg_construction c;
    tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &c));
    assert_true(c.dropped > 0);
    assert_non_null(strstr(c.note, "dropped"));
    for (int64_t k = 0; k < 3; k++) {
        const mg_block_info *b = &c.blocks[k];
        assert_int_equal(b->kept + b->dropped, b->width);
        for (int64_t u = 0; u < b->width; u++) {
            double nn = 0;
            for (int64_t i = 0; i < c.d; i++) nn += (double)c.W[i * c.p + b->col_start + u] * c.W[i * c.p + b->col_start + u];
            if (u < b->kept) {
                assert_true(c.col_eig[b->col_start + u] > c.n * cp.wd);
                assert_true(nn > 0);
            } else {
                assert_true(nn == 0);
            }
        }
    }
    for (int64_t i = 0; i < c.d * c.p; i++) assert_true(isfinite(c.W[i]));
    assert_true(isfinite(c.train_loss));
    mg_construction_free(&c);
    /* huge decay: every direction dropped, model is zero, loss = mean |x|^2 */
    cp.wd = 1e6;
    tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &c));
    assert_int_equal(c.dropped, 15);
    double tr = 0;
    for (int64_t i = 0; i < c.n * c.d; i++) tr += (double)Xm.data[i] * Xm.data[i];
    assert_true(fabs(c.train_mse - tr / (double)c.n) < 1e-9 * tr);
    mg_construction_free(&c);
    mg_array_free(&X), mg_array_free(&L);
    /* memorization: one sample too small for n*lambda */
    float xm[3 * 4] = {2, 0, 0, 0, -1, 1.9f, 0, 0, 0, 0, 0.1f, 0};
    mg_mat M = {3, 4, 4, xm};
    mg_construct_params mp = MG_CONSTRUCT_PARAMS_DEFAULT;
    mp.sigma = 0.1, mp.wd = 0.01, mp.hidden = 3; /* n*wd = 0.03 > 0.01 = |x_3|^2 */
    tu_assert_ok(mg_construct_mem(M, &mp, &c));
    assert_int_equal(c.dropped, 1);
    for (int64_t i = 0; i < 4; i++) assert_true(c.W[i * 3 + 2] == 0.0f);
    double r0 = sqrt((4 - 0.03) / (16 + 0.01 * 4));
    assert_true(fabs(c.W[0] - 2 * r0) < 1e-6);
    mg_construction_free(&c);
}

/* The automatic widths are the allocation minimising the predicted training
 * loss (checked by brute force over all splits), with every cluster served. */
static void test_width_allocation(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels");
    mg_mat Xm = mg_mat_of_array(&X);
    for (int64_t p = 3; p <= 12; p += 3) {
        mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
        cp.sigma = 0.3, cp.wd = 0.002, cp.hidden = p;
        mg_construction c;
        tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &c));
        double best = INFINITY;
        for (int64_t a = 1; a <= p; a++)
            for (int64_t b = 1; a + b <= p; b++)
                for (int64_t e = 1; a + b + e <= p; e++) {
                    int64_t w[3] = {a, b, e};
                    cp.widths = w;
                    mg_construction t;
                    tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &t));
                    if (t.train_loss < best) best = t.train_loss;
                    mg_construction_free(&t);
                }
        cp.widths = NULL;
        assert_true(c.train_loss <= best * (1 + 1e-12));
        for (int k = 0; k < 3; k++) assert_true(c.blocks[k].width >= 1);
        mg_construction_free(&c);
    }
    mg_array_free(&X), mg_array_free(&L);
}

/* Corollary 3.4: duplicated clusters are detected as rank-1 and memorised by
 * one column r x (parallel to the duplicate), the others generalise. */
static void test_hybrid_duplicates(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 11);
    int64_t d = 8, ng = 30, nd = 5, n = ng + 2 * nd;
    float *x = randn(&r, n, d, 0.3f);
    int64_t lab[40];
    float dup[2][8] = {{0, -3, 1, 0, 0, 0, 0, 0}, {0, 0, -2, -3, 0, 0, 0, 0}};
    for (int64_t i = 0; i < n; i++) {
        if (i < ng) {
            x[i * d] += 4.0f;
            lab[i] = 0;
        } else {
            int k = (int)((i - ng) / nd);
            memcpy(x + i * d, dup[k], sizeof(dup[k]));
            lab[i] = 1 + k;
        }
    }
    mg_mat X = {n, d, d, x};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.2, cp.wd = 1e-4, cp.hidden = 6;
    mg_construction c;
    tu_assert_ok(mg_construct(X, lab, 3, &cp, &c));
    assert_int_equal(c.kind, MG_CONSTRUCTION_HYBRID);
    assert_int_equal(c.rank1_clusters, 2);
    assert_false(c.blocks[0].rank1);
    assert_int_equal(c.blocks[0].width, 4);
    for (int k = 1; k <= 2; k++) {
        const mg_block_info *b = &c.blocks[k];
        assert_true(b->rank1);
        assert_int_equal(b->width, 1);
        /* column = r x with r from Theorem 3.1 for n_k copies */
        double nx = 0, dot = 0, nw = 0;
        for (int64_t i = 0; i < d; i++) {
            double w = c.W[i * c.p + b->col_start];
            nx += (double)dup[k - 1][i] * dup[k - 1][i];
            dot += w * dup[k - 1][i];
            nw += w * w;
        }
        double ev = (double)nd * nx;
        double rr = sqrt((ev - n * cp.wd) / (ev + nd * cp.sigma * cp.sigma)) / sqrt(nx);
        assert_true(fabs(dot / sqrt(nw * nx) - 1) < 1e-6);
        assert_true(fabs(sqrt(nw) - rr * sqrt(nx)) < 1e-6);
    }
    mg_construction_free(&c);
    free(x);
}

/* Duplicated rows (with tiny jitter) found among generic samples become
 * their own clusters, and the construction is then a Corollary 3.4 hybrid. */
static void test_split_duplicates(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 12);
    int64_t d = 8, n = 60;
    float *x = randn(&r, n, d, 0.3f);
    for (int64_t i = 0; i < n; i++) x[i * d] += 4.0f;
    /* rows 5, 17, 33 copy row 2 (first group); rows 40, 51 copy row 9 */
    int64_t copies[5][2] = {{5, 2}, {17, 2}, {33, 2}, {40, 9}, {51, 9}};
    for (int c = 0; c < 5; c++)
        for (int64_t j = 0; j < d; j++) x[copies[c][0] * d + j] = x[copies[c][1] * d + j] * (1.0f + 1e-7f * (float)(c + 1));
    mg_mat X = {n, d, d, x};
    int64_t lab[60] = {0}, K = 1, groups;
    tu_assert_ok(mg_split_duplicates(X, 1e-5, 4, lab, &K, &groups)); /* the second group has only 3 copies */
    assert_int_equal(K, 2);
    assert_int_equal(groups, 1);
    assert_int_equal(lab[2], 1);
    assert_int_equal(lab[33], 1);
    assert_int_equal(lab[9], 0);
    memset(lab, 0, sizeof(lab));
    K = 1;
    tu_assert_ok(mg_split_duplicates(X, 1e-5, 2, lab, &K, &groups));
    assert_int_equal(K, 3);
    assert_int_equal(groups, 2);
    for (int64_t i = 0; i < n; i++) {
        int64_t want = (i == 2 || i == 5 || i == 17 || i == 33) ? 1 : ((i == 9 || i == 40 || i == 51) ? 2 : 0);
        assert_int_equal(lab[i], want);
    }
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.2, cp.wd = 1e-4, cp.hidden = 6;
    mg_construction c;
    tu_assert_ok(mg_construct(X, lab, K, &cp, &c));
    assert_int_equal(c.kind, MG_CONSTRUCTION_HYBRID);
    assert_int_equal(c.rank1_clusters, 2);
    assert_int_equal(c.blocks[1].width, 1);
    assert_int_equal(c.blocks[2].width, 1);
    mg_construction_free(&c);
    /* exact tolerance 0 does not link jittered copies; bad arguments refused */
    memset(lab, 0, sizeof(lab));
    K = 1;
    tu_assert_ok(mg_split_duplicates(X, 0.0, 2, lab, &K, &groups));
    assert_int_equal(groups, 0);
    assert_int_equal(mg_split_duplicates(X, -1.0, 2, lab, &K, &groups), MG_ERR_ARG);
    assert_int_equal(mg_split_duplicates(X, 0.0, 1, lab, &K, &groups), MG_ERR_ARG);
    free(x);
}

/* Eigenvectors kept in memory or recomputed after the allocation (budget)
 * give identical models; the LAE construction is a single block. */
static void test_budget_two_phase_and_lae(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels");
    mg_mat Xm = mg_mat_of_array(&X);
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3, cp.wd = 0.003, cp.hidden = 8;
    mg_construction a, b;
    tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &a));
    cp.mem_budget = 1; /* forces the two-phase path */
    tu_assert_ok(mg_construct(Xm, L.data, 3, &cp, &b));
    tu_assert_close_f(b.W, a.W, a.d * a.p, 1e-6, 1e-5, "two-phase W");
    assert_true(fabs(a.train_loss - b.train_loss) < 1e-12);
    mg_construction_free(&a), mg_construction_free(&b);
    cp.mem_budget = 0;
    tu_assert_ok(mg_construct_lae(Xm, &cp, &a));
    assert_int_equal(a.kind, MG_CONSTRUCTION_LAE);
    assert_int_equal(a.K, 1);
    assert_int_equal(a.blocks[0].width, 7); /* min(p, d): all directions usable */
    assert_int_equal(a.unused, 1);
    /* Lemma C.1 directly: alpha on the global scatter with n sigma^2, n wd */
    mg_scatter_eig e;
    tu_assert_ok(mg_scatter_eig_top(Xm, NULL, 0, 7, 0, &e));
    for (int64_t j = 0; j < 7; j++) {
        double al = mg_lae_alpha(e.evals[j], Xm.rows * 0.09, Xm.rows * 0.003);
        assert_true(fabs(a.col_s[j] * a.col_s[j] - al) < 1e-12);
    }
    mg_scatter_eig_free(&e);
    mg_construction_free(&a);
    mg_array_free(&X), mg_array_free(&L);
}

/* The DAE wrapper holds W and the provenance metadata. */
static void test_to_dae(void **state) {
    (void)state;
    mg_array X = load("gen_X"), L = load("gen_labels"), Wd = load("gen_widths");
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.3, cp.wd = 0.02, cp.hidden = 10, cp.widths = Wd.data;
    mg_construction c;
    tu_assert_ok(mg_construct(mg_mat_of_array(&X), L.data, 3, &cp, &c));
    mg_dae *m;
    tu_assert_ok(mg_construction_to_dae(&c, &m));
    assert_int_equal(mg_dae_dim(m), 7);
    assert_int_equal(mg_dae_hidden(m), 10);
    assert_true(mg_dae_is_tied(m));
    assert_true(fabs(mg_dae_sigma(m) - 0.3) < 1e-15);
    assert_string_equal(mg_dae_meta(m, "construction"), "gen");
    assert_string_equal(mg_dae_meta(m, "widths"), "3,4,2");
    assert_string_equal(mg_dae_meta(m, "clusters"), "3");
    assert_true(fabs(atof(mg_dae_meta(m, "lambda")) - 0.02) < 1e-15);
    tu_assert_close_f(mg_dae_w1_const(m), c.W, 70, 0, 0, "dae W1");
    mg_dae_free(m);
    mg_construction_free(&c);
    mg_array_free(&X), mg_array_free(&L), mg_array_free(&Wd);
}

/* Bad input gives clear errors, never a crash. */
static void test_construct_bad_input(void **state) {
    (void)state;
    float x[6] = {1, 2, 3, -1, -2, -3};
    mg_mat X = {2, 3, 3, x};
    int64_t lab[2] = {0, 1};
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.hidden = 2;
    mg_construction c;
    cp.sigma = -1;
    assert_int_equal(mg_construct(X, lab, 2, &cp, &c), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "sigma"));
    cp.sigma = 0.1, cp.wd = NAN;
    assert_int_equal(mg_construct(X, lab, 2, &cp, &c), MG_ERR_ARG);
    cp.wd = 0, cp.hidden = 0;
    assert_int_equal(mg_construct(X, lab, 2, &cp, &c), MG_ERR_ARG);
    cp.hidden = 2;
    int64_t w[2] = {2, 1};
    cp.widths = w;
    assert_int_equal(mg_construct(X, lab, 2, &cp, &c), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "widths"));
    cp.widths = NULL;
    int64_t lab_bad[2] = {0, 2};
    assert_int_equal(mg_construct(X, lab_bad, 2, &cp, &c), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "sample 1"));
    int64_t lab_gap[2] = {0, 0};
    assert_int_equal(mg_construct(X, lab_gap, 2, &cp, &c), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "cluster 1 has no samples"));
    x[4] = NAN;
    assert_int_equal(mg_construct(X, lab, 2, &cp, &c), MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "sample 1"));
    x[4] = -2;
    tu_assert_ok(mg_construct(X, lab, 2, &cp, &c));
    assert_int_equal(c.kind, MG_CONSTRUCTION_MEM); /* two singleton clusters */
    mg_construction_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scatter_eig_routes),
        cmocka_unit_test(test_scatter_eig_rank),
        cmocka_unit_test(test_lae_alpha),
        cmocka_unit_test(test_labels_compact),
        cmocka_unit_test(test_construct_gen_fixture),
        cmocka_unit_test(test_construct_equal_preactivation),
        cmocka_unit_test(test_construct_mem),
        cmocka_unit_test(test_construct_wd_drops),
        cmocka_unit_test(test_width_allocation),
        cmocka_unit_test(test_hybrid_duplicates),
        cmocka_unit_test(test_split_duplicates),
        cmocka_unit_test(test_budget_two_phase_and_lae),
        cmocka_unit_test(test_to_dae),
        cmocka_unit_test(test_construct_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
