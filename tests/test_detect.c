/*
 * Tests of the detector (detect.h): AUROC with ties, TPR at FPR and the
 * calibrated threshold against NumPy (dev/detect_reference.py), the pair-count
 * oracle, ROC curves, bootstrap intervals, one-class and bad-label errors,
 * pooling of exported activations, label files, Algorithm 1 on DAE sets
 * (single and several levels, chunking), every baseline against a direct
 * computation, and `memgen detect` (score, --benchmark, --table1). The
 * Table-1 experiment itself is tested in test_exp_table1.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/detect.h"
#include "memgen/fileio.h"
#include "memgen/jacobian.h"
#include "memgen/memorization.h"
#include "memgen/neighbors.h"
#include "memgen/npy.h"
#include "memgen/steer.h"

/* Fixture scores and labels as double / int arrays (caller frees). */
static int64_t load_eval(double **s, int **y, double *res) {
    mg_array S, Y, R;
    if (mg_npy_read(tu_fixture("detect/eval_scores.npy"), &S) || mg_npy_read(tu_fixture("detect/eval_labels.npy"), &Y) ||
        mg_npy_read(tu_fixture("detect/eval_results.npy"), &R))
        return -1;
    int64_t n = S.shape[0];
    *s = malloc((size_t)n * sizeof(double));
    *y = malloc((size_t)n * sizeof(int));
    memcpy(*s, S.data, (size_t)n * sizeof(double));
    for (int64_t i = 0; i < n; i++) (*y)[i] = (int)((int64_t *)Y.data)[i];
    memcpy(res, R.data, 13 * sizeof(double));
    mg_array_free(&S), mg_array_free(&Y), mg_array_free(&R);
    return n;
}

/* AUROC, TPR at 4 FPRs (value and threshold) and calibration = NumPy, with ties. */
static void test_eval_fixture(void **state) {
    (void)state;
    double *s, res[13], auc, aucn, tpr, thr;
    int *y;
    int64_t n = load_eval(&s, &y, res);
    assert_true(n > 0);
    tu_assert_ok(mg_auroc(s, y, n, &auc));
    tu_assert_ok(mg_auroc_naive(s, y, n, &aucn));
    assert_true(fabs(auc - res[0]) < 1e-12);
    assert_true(fabs(aucn - res[0]) < 1e-12);
    double fprs[4] = {0.01, 0.05, 0.1, 0.0};
    for (int k = 0; k < 4; k++) {
        tu_assert_ok(mg_tpr_at_fpr(s, y, n, fprs[k], &tpr, &thr));
        assert_true(fabs(tpr - res[1 + 2 * k]) < 1e-12);
        assert_true(thr == res[2 + 2 * k]);
    }
    /* calibration on the generalized (label 0) scores */
    double *ref = malloc((size_t)n * sizeof(double));
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (!y[i]) ref[m++] = s[i];
    for (int k = 0; k < 4; k++) {
        tu_assert_ok(mg_detect_calibrate(ref, m, fprs[k], &thr));
        assert_true(thr == res[9 + k]);
        int64_t fl = mg_detect_flag(ref, m, thr, NULL);
        assert_true((double)fl <= fprs[k] * (double)m + 1e-9); /* the guarantee */
    }
    free(ref), free(s), free(y);
}

/* The ROC curve: endpoints, monotone, trapezoid area = AUROC (ties are
 * diagonal segments), one point per distinct score. */
static void test_roc_curve(void **state) {
    (void)state;
    double *s, res[13];
    int *y;
    int64_t n = load_eval(&s, &y, res);
    double *f, *t, *th;
    int64_t np;
    tu_assert_ok(mg_roc_curve(s, y, n, &f, &t, &th, &np));
    assert_true(f[0] == 0 && t[0] == 0 && isinf(th[0]));
    assert_true(f[np - 1] == 1 && t[np - 1] == 1);
    double area = 0;
    for (int64_t k = 1; k < np; k++) {
        assert_true(f[k] >= f[k - 1] && t[k] >= t[k - 1] && th[k] < th[k - 1]);
        area += (f[k] - f[k - 1]) * 0.5 * (t[k] + t[k - 1]);
    }
    assert_true(fabs(area - res[0]) < 1e-12);
    int64_t distinct = 0;
    for (int64_t i = 0; i < n; i++) {
        int seen = 0;
        for (int64_t j = 0; j < i && !seen; j++) seen = s[j] == s[i];
        distinct += !seen;
    }
    assert_int_equal(np, distinct + 1);
    free(f), free(t), free(th), free(s), free(y);
}

/* Random scores: midrank AUROC = pair count; bootstrap intervals bracket the
 * estimate, are reproducible and shrink with more data. */
static void test_auroc_random_and_bootstrap(void **state) {
    (void)state;
    enum { N = 600 };
    double s[N];
    int y[N];
    mg_rng r;
    mg_rng_init(&r, 9);
    for (int i = 0; i < N; i++) {
        y[i] = mg_rng_uniform_d(&r) < 0.4;
        s[i] = floor(4 * mg_rng_uniform_d(&r) + 2 * y[i]); /* heavy ties */
    }
    double a, b;
    tu_assert_ok(mg_auroc(s, y, N, &a));
    tu_assert_ok(mg_auroc_naive(s, y, N, &b));
    assert_true(fabs(a - b) < 1e-12);
    mg_detect_eval e1, e2, e3;
    tu_assert_ok(mg_detect_evaluate(s, y, N, 0.01, 300, 0.9, &r, &e1));
    tu_assert_ok(mg_detect_evaluate(s, y, N, 0.01, 300, 0.9, &r, &e2));
    assert_true(e1.auroc == a && e1.auroc_lo == e2.auroc_lo && e1.tpr_hi == e2.tpr_hi);
    assert_true(e1.auroc_lo < a && a < e1.auroc_hi && e1.tpr_lo <= e1.tpr && e1.tpr <= e1.tpr_hi);
    assert_true(e1.n_pos + e1.n_neg == N);
    tu_assert_ok(mg_detect_evaluate(s, y, 100, 0.01, 300, 0.9, &r, &e3));
    assert_true(e3.auroc_hi - e3.auroc_lo > e1.auroc_hi - e1.auroc_lo);
    tu_assert_ok(mg_detect_evaluate(s, y, N, 0.01, 0, 0.9, NULL, &e3));
    assert_true(isnan(e3.auroc_lo) && isnan(e3.tpr_hi));
    /* perfect separation */
    double ps[4] = {0.1, 0.2, 0.9, 0.8};
    int py[4] = {0, 0, 1, 1};
    double tpr;
    tu_assert_ok(mg_auroc(ps, py, 4, &a));
    tu_assert_ok(mg_tpr_at_fpr(ps, py, 4, 0.0, &tpr, NULL));
    assert_true(a == 1.0 && tpr == 1.0);
}

/* One class, bad labels, NaN scores, bad FPR: clear errors. */
static void test_eval_errors(void **state) {
    (void)state;
    double s[4] = {1, 2, 3, 4}, a, t;
    int ones[4] = {1, 1, 1, 1}, zeros[4] = {0}, bad[4] = {0, 1, 2, 0}, ok[4] = {0, 1, 0, 1};
    assert_int_equal(mg_auroc(s, ones, 4, &a), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "both memorized (1) and generalized (0)"));
    assert_int_equal(mg_auroc(s, zeros, 4, &a), MG_ERR_ARG);
    assert_int_equal(mg_tpr_at_fpr(s, zeros, 4, 0.01, &a, NULL), MG_ERR_ARG);
    assert_int_equal(mg_auroc(s, bad, 4, &a), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "label 2 is 2"));
    s[2] = NAN;
    assert_int_equal(mg_auroc(s, ok, 4, &a), MG_ERR_NUMERIC);
    s[2] = 3;
    assert_int_equal(mg_tpr_at_fpr(s, ok, 4, 1.5, &a, NULL), MG_ERR_ARG);
    assert_int_equal(mg_detect_calibrate(s, 4, 1.0, &t), MG_ERR_ARG);
    assert_int_equal(mg_detect_calibrate(s, 0, 0.1, &t), MG_ERR_ARG);
    mg_detect_eval e;
    assert_int_equal(mg_detect_evaluate(s, ok, 4, 0.01, 10, 1.5, NULL, &e), MG_ERR_ARG);
    tu_assert_ok(mg_detect_calibrate(s, 4, 0.0, &t));
    assert_true(t == 4); /* fpr 0: the largest reference score, nothing flagged */
    int fl[4];
    assert_int_equal(mg_detect_flag(s, 4, 2.5, fl), 2);
    assert_true(fl[0] == 0 && fl[3] == 1);
}

/* Pooling of NCHW and NTC activations = NumPy; layouts; dtypes; errors. */
static void test_features_reduce(void **state) {
    (void)state;
    mg_array A4, A3, R, out;
    tu_assert_ok(mg_npy_read(tu_fixture("detect/acts_nchw.npy"), &A4));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/acts_ntc.npy"), &A3));
    const char *cases[3] = {"detect/pool_nchw_max.npy", "detect/pool_nchw_mean.npy", "detect/pool_ntc_max.npy"};
    for (int c = 0; c < 3; c++) {
        tu_assert_ok(mg_npy_read(tu_fixture(cases[c]), &R));
        tu_assert_ok(mg_features_reduce(c < 2 ? &A4 : &A3, c < 2 ? MG_LAYOUT_NCHW : MG_LAYOUT_AUTO,
                                        c == 1 ? MG_POOL_MEAN : MG_POOL_MAX, &out));
        assert_true(out.ndim == 2 && out.shape[0] == R.shape[0] && out.shape[1] == R.shape[1]);
        tu_assert_close_f(out.data, R.data, mg_array_numel(&R), 1e-6, 1e-6, cases[c]);
        mg_array_free(&out);
        mg_array_free(&R);
    }
    /* NTC read as channels-first pools the other axis */
    tu_assert_ok(mg_features_reduce(&A3, MG_LAYOUT_NCHW, MG_POOL_MAX, &out));
    assert_true(out.shape[1] == A3.shape[1]);
    mg_array_free(&out);
    /* none flattens; float64 input converts */
    mg_array D;
    tu_assert_ok(mg_array_to_f64(&A4, &D));
    tu_assert_ok(mg_features_reduce(&D, MG_LAYOUT_AUTO, MG_POOL_NONE, &out));
    assert_true(out.shape[1] == 6 * 3 * 4);
    tu_assert_close_f(out.data, A4.data, mg_array_numel(&A4), 0, 0, "flatten");
    mg_array_free(&out);
    /* a 4-D array's layout is not guessed: auto asks for it (n x 6 x 3 x 4 fits NCHW and NHWC alike) */
    assert_int_equal(mg_features_reduce(&A4, MG_LAYOUT_AUTO, MG_POOL_MAX, &out), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "nchw"));
    assert_non_null(strstr(mg_last_error(), "nhwc"));
    assert_int_equal(mg_features_reduce(&A4, MG_LAYOUT_AUTO, MG_POOL_MEAN, &out), MG_ERR_ARG);
    tu_assert_ok(mg_features_reduce(&A4, MG_LAYOUT_CLAST, MG_POOL_MAX, &out)); /* stated: taken as said */
    assert_true(out.shape[1] == 4);
    mg_array_free(&out);
    /* errors: 1-D, layout nf on 4-D, non-finite values */
    mg_array v;
    int64_t s1[1] = {5};
    tu_assert_ok(mg_array_alloc(&v, MG_F32, 1, s1));
    assert_int_equal(mg_features_reduce(&v, MG_LAYOUT_AUTO, MG_POOL_MAX, &out), MG_ERR_SHAPE);
    assert_int_equal(mg_features_reduce(&A4, MG_LAYOUT_NF, MG_POOL_MAX, &out), MG_ERR_SHAPE);
    ((float *)A4.data)[3 * 72 + 5] = INFINITY;
    assert_int_equal(mg_features_reduce(&A4, MG_LAYOUT_NCHW, MG_POOL_MAX, &out), MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "sample 3"));
    mg_feat_layout l;
    mg_pool_kind pk;
    tu_assert_ok(mg_feat_layout_parse("ntc", &l));
    assert_int_equal(l, MG_LAYOUT_CLAST);
    assert_int_equal(mg_feat_layout_parse("hwcn", &l), MG_ERR_ARG);
    assert_int_equal(mg_pool_parse("median", &pk), MG_ERR_ARG);
    mg_array_free(&v), mg_array_free(&A4), mg_array_free(&A3), mg_array_free(&D);
}

/* Label files: int64, bool, float; wrong values and lengths fail. */
static void test_read_labels(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *p = tu_path(dir, "l.npy");
    mg_array a;
    int64_t sh[1] = {4};
    int *lab;
    int64_t n;
    tu_assert_ok(mg_array_alloc(&a, MG_U8, 1, sh));
    ((uint8_t *)a.data)[1] = 1;
    tu_assert_ok(mg_npy_write(p, &a));
    tu_assert_ok(mg_detect_read_labels(p, 4, &lab, &n));
    assert_true(n == 4 && lab[0] == 0 && lab[1] == 1);
    free(lab);
    assert_int_equal(mg_detect_read_labels(p, 5, &lab, NULL), MG_ERR_SHAPE);
    mg_array_free(&a);
    tu_assert_ok(mg_array_alloc(&a, MG_F64, 1, sh));
    ((double *)a.data)[2] = 0.5;
    tu_assert_ok(mg_npy_write(p, &a));
    assert_int_equal(mg_detect_read_labels(p, -1, &lab, NULL), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "label 2 is 0.5"));
    assert_null(lab);
    mg_array_free(&a);
    tu_rmtree(dir);
    free(dir), free(p);
}

/* A two-level set of random untied DAEs (d = 7, p = 5 and 6). */
static void two_level_set(mg_daeset *set) {
    double sig[2] = {0.1, 0.5};
    assert_int_equal(mg_daeset_alloc(2, sig, set), MG_OK);
    mg_rng r;
    mg_rng_init(&r, 31);
    for (int l = 0; l < 2; l++) {
        assert_int_equal(mg_dae_create(7, 5 + l, 0, 0, &set->levels[l]), MG_OK);
        mg_dae_init_normal(set->levels[l], &r, 0.5f);
        mg_dae_set_sigma(set->levels[l], sig[l]);
    }
}

/* Algorithm 1 = metric(repr) per level; several levels: mean of scores and
 * concatenation; chunks (n > 2048) change nothing. */
static void test_detect_model(void **state) {
    (void)state;
    enum { N = 2500, D = 7 };
    mg_daeset set;
    two_level_set(&set);
    float *X = malloc(N * D * sizeof(float)), *H = malloc(N * 11 * sizeof(float));
    double *sc = malloc(N * sizeof(double)), *want = malloc(N * sizeof(double)), *tmp = malloc(N * sizeof(double));
    mg_rng r;
    mg_rng_init(&r, 4);
    mg_rng_normal(&r, X, N * D);
    mg_mat Xm = {N, D, D, X};
    mg_detect_params p = MG_DETECT_PARAMS_DEFAULT;
    p.metric = MG_SPIKE_L4L2;
    p.sigma = 0.4;
    tu_assert_ok(mg_detect_model(&set, Xm, &p, &r, sc));
    tu_assert_ok(mg_repr_set(&set, Xm, 0.4, &r, (mg_mat){N, 6, 6, H}, NULL));
    tu_assert_ok(mg_spikiness_rows((mg_mat){N, 6, 6, H}, MG_SPIKE_L4L2, want));
    tu_assert_close_d(sc, want, N, 0, 0, "single level");
    double sig[2] = {0.1, 0.5};
    p.sigmas = sig;
    p.nsigmas = 2;
    p.metric = MG_SPIKE_STD;
    tu_assert_ok(mg_repr_multi(&set, Xm, sig, 2, &r, 0, (mg_mat){N, 11, 11, H}));
    p.combine = MG_COMBINE_CONCAT;
    tu_assert_ok(mg_detect_model(&set, Xm, &p, &r, sc));
    tu_assert_ok(mg_spikiness_rows((mg_mat){N, 11, 11, H}, MG_SPIKE_STD, want));
    tu_assert_close_d(sc, want, N, 0, 0, "concat");
    p.combine = MG_COMBINE_MEAN;
    tu_assert_ok(mg_detect_model(&set, Xm, &p, &r, sc));
    tu_assert_ok(mg_spikiness_rows((mg_mat){N, 5, 11, H}, MG_SPIKE_STD, want));
    tu_assert_ok(mg_spikiness_rows((mg_mat){N, 6, 11, H + 5}, MG_SPIKE_STD, tmp));
    for (int i = 0; i < N; i++) want[i] = want[i] / 2 + tmp[i] / 2;
    tu_assert_close_d(sc, want, N, 1e-15, 1e-14, "mean of levels");
    /* sigma 0: the clean samples at the lowest level, no generator needed */
    mg_detect_params p0 = MG_DETECT_PARAMS_DEFAULT;
    p0.sigma = 0;
    tu_assert_ok(mg_detect_model(&set, Xm, &p0, NULL, sc));
    tu_assert_ok(mg_dae_encode(set.levels[0], Xm, (mg_mat){N, 5, 5, H}));
    tu_assert_ok(mg_spikiness_rows((mg_mat){N, 5, 5, H}, MG_SPIKE_STD, want));
    tu_assert_close_d(sc, want, N, 0, 0, "sigma 0");
    p.nsigmas = 0;
    assert_int_equal(mg_detect_model(&set, Xm, &p, &r, sc), MG_ERR_ARG);
    /* levels 0.1 .. 0.5 answer sigma within a factor MG_SIGMA_REACH of them, no further */
    p0.sigma = 0.5 * MG_SIGMA_REACH * 1.01;
    assert_int_equal(mg_detect_model(&set, Xm, &p0, &r, sc), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "outside the model's noise levels 0.1 .. 0.5"));
    assert_int_equal(mg_baseline_flipd(&set, Xm, 0.1 / MG_SIGMA_REACH / 1.01, sc), MG_ERR_ARG);
    p0.sigma = 0.5 * MG_SIGMA_REACH * 0.99;
    tu_assert_ok(mg_detect_model(&set, Xm, &p0, &r, sc));
    mg_daeset_free(&set);
    free(X), free(H), free(sc), free(want), free(tmp);
}

/* A row holding NaN or Inf is an error (MG_ERR_NUMERIC naming the sample) in
 * every entry point that takes data rows, never a silent score. */
static void test_nonfinite_rows(void **state) {
    (void)state;
    enum { N = 10, D = 7 };
    mg_daeset set;
    two_level_set(&set);
    float X[N * D], H[N * 11], T[N * D];
    double sc[N];
    mg_rng r;
    mg_rng_init(&r, 8);
    mg_rng_normal(&r, X, N * D);
    memcpy(T, X, sizeof T);
    X[3 * D + 2] = NAN;
    T[5 * D] = INFINITY;
    mg_mat Xm = {N, D, D, X}, Tm = {N, D, D, T}, Ok = {N, D, D, T};
    Ok.rows = 5; /* the finite rows of T */
    mg_detect_params p = MG_DETECT_PARAMS_DEFAULT;
    double sig[2] = {0.1, 0.5};
#define NONFINITE(expr, sample)                                    \
    do {                                                           \
        assert_int_equal((expr), MG_ERR_NUMERIC);                  \
        assert_non_null(strstr(mg_last_error(), "sample " sample)); \
    } while (0)
    NONFINITE(mg_detect_model(&set, Xm, &p, &r, sc), "3");
    p.sigmas = sig;
    p.nsigmas = 2;
    NONFINITE(mg_detect_model(&set, Tm, &p, &r, sc), "5");
    NONFINITE(mg_repr_set(&set, Xm, 0.1, &r, (mg_mat){N, 5, 5, H}, NULL), "3");
    NONFINITE(mg_repr_dae(set.levels[0], Xm, 0, NULL, (mg_mat){N, 5, 5, H}), "3");
    NONFINITE(mg_repr_multi(&set, Xm, sig, 2, &r, 0, (mg_mat){N, 11, 11, H}), "3");
    NONFINITE(mg_denoise_error(set.levels[0], Xm, 0.1, &r, 1, sc, NULL, NULL), "3");
    NONFINITE(mg_baseline_flipd(&set, Xm, 0.1, sc), "3");
    NONFINITE(mg_baseline_jacobian(&set, Xm, 0.1, sc), "3");
    NONFINITE(mg_baseline_denoise(&set, Xm, 0.1, &r, sc), "3");
    NONFINITE(mg_baseline_clique(Xm, 0.1, 3, sc), "3");
    NONFINITE(mg_baseline_nn_ratio(Ok, Xm, sc), "3"); /* the training rows are checked too */
    NONFINITE(mg_jacobian_trace(set.levels[0], Xm, sc), "3");
    mg_memratio mr;
    NONFINITE(mg_memratio_compute(Xm, Ok, 1.0 / 3, &mr), "3");
    NONFINITE(mg_memratio_compute(Ok, Tm, 1.0 / 3, &mr), "5");
    int64_t idx[N];
    double dist[N];
    NONFINITE(mg_knn(Xm, Ok, 1, 0, idx, dist), "3");
    mg_steer_vectors v;
    NONFINITE(mg_steer_vectors_compute(&set, Xm, NULL, &r, &v), "3");
#undef NONFINITE
    /* the finite rows still score */
    p.sigmas = NULL;
    tu_assert_ok(mg_detect_model(&set, Ok, &p, &r, sc));
    mg_daeset_free(&set);
}

/* Every baseline equals a direct computation. */
static void test_baselines(void **state) {
    (void)state;
    enum { N = 40, D = 7 };
    mg_daeset set;
    two_level_set(&set);
    float X[N * D], Y[N * D], Xt[N * D];
    double sc[N], tr[N];
    mg_rng r;
    mg_rng_init(&r, 6);
    mg_rng_normal(&r, X, N * D);
    mg_mat Xm = {N, D, D, X};
    const mg_dae *m = set.levels[1]; /* nearest to 0.4 */
    /* FLIPD: -(tr J + |f(x) - x|^2 / sigma_level^2) */
    tu_assert_ok(mg_baseline_flipd(&set, Xm, 0.4, sc));
    tu_assert_ok(mg_jacobian_trace_naive(m, Xm, tr));
    tu_assert_ok(mg_dae_forward(m, Xm, (mg_mat){0, 0, 0, NULL}, (mg_mat){N, D, D, Y}));
    for (int i = 0; i < N; i++) {
        double e = 0;
        for (int j = 0; j < D; j++) e += ((double)Y[i * D + j] - X[i * D + j]) * ((double)Y[i * D + j] - X[i * D + j]);
        double want = -(tr[i] + e / 0.25);
        assert_true(fabs(sc[i] - want) < 1e-9 * (1 + fabs(want)));
    }
    /* Jacobian rank: -erank */
    tu_assert_ok(mg_baseline_jacobian(&set, Xm, 0.4, sc));
    for (int i = 0; i < N; i += 7) {
        double sv[7];
        int64_t rr;
        tu_assert_ok(mg_jacobian_svd(m, X + i * D, sv, &rr, NULL));
        assert_true(fabs(sc[i] + mg_effective_rank(sv, rr)) < 1e-12);
    }
    /* denoising error at x + sigma eps (noise as mg_noisy_rows) */
    tu_assert_ok(mg_baseline_denoise(&set, Xm, 0.4, &r, sc));
    tu_assert_ok(mg_noisy_rows(Xm, 0.4, &r, 0, (mg_mat){N, D, D, Xt}));
    tu_assert_ok(mg_dae_forward(m, (mg_mat){N, D, D, Xt}, (mg_mat){0, 0, 0, NULL}, (mg_mat){N, D, D, Y}));
    for (int i = 0; i < N; i++) {
        double e = 0;
        for (int j = 0; j < D; j++) e += ((double)Y[i * D + j] - X[i * D + j]) * ((double)Y[i * D + j] - X[i * D + j]);
        assert_true(fabs(sc[i] + e) < 1e-9 * (1 + e));
    }
    /* NN-ratio oracle = -mg_memratio_compute's ratio */
    mg_memratio mr;
    tu_assert_ok(mg_baseline_nn_ratio((mg_mat){10, D, D, X}, (mg_mat){30, D, D, X + 10 * D}, sc));
    tu_assert_ok(mg_memratio_compute((mg_mat){10, D, D, X}, (mg_mat){30, D, D, X + 10 * D}, 1.0 / 3, &mr));
    for (int i = 0; i < 10; i++) assert_true(sc[i] == -mr.ratio[i]);
    mg_memratio_free(&mr);
    /* near duplicates: 5 copies (slightly jittered) of one point among 20 others */
    float G[25 * D];
    mg_rng_normal(&r, G, 25 * D);
    for (int i = 1; i < 5; i++)
        for (int j = 0; j < D; j++) G[i * D + j] = G[j] * (1.0f + 0.01f * (float)i);
    tu_assert_ok(mg_baseline_clique((mg_mat){25, D, D, G}, 0.1, 50, sc));
    for (int i = 0; i < 5; i++) assert_true(sc[i] == 4);
    for (int i = 5; i < 25; i++) assert_true(sc[i] < 4);
    tu_assert_ok(mg_baseline_clique((mg_mat){25, D, D, G}, 0.1, 2, sc));
    assert_true(sc[0] == 2); /* capped at k_max */
    assert_int_equal(mg_baseline_clique((mg_mat){1, D, D, G}, 0.1, 5, sc), MG_ERR_ARG);
    assert_int_equal(mg_baseline_flipd(&set, Xm, 0.0, sc), MG_ERR_ARG);
    assert_int_equal(mg_baseline_denoise(&set, (mg_mat){N, D - 1, D - 1, X}, 0.4, &r, sc), MG_ERR_SHAPE);
    mg_daeset_free(&set);
}

/* A set with one level as a file plus samples, labels and reference files. */
static void write_cli_inputs(const char *dir, mg_daeset *set) {
    char p[1024];
    two_level_set(set);
    snprintf(p, sizeof p, "%s/set.safetensors", dir);
    assert_int_equal(mg_daeset_save(set, p), MG_OK);
    float X[60 * 7];
    mg_rng r;
    mg_rng_init(&r, 2);
    mg_rng_normal(&r, X, 60 * 7);
    int64_t sh[2] = {60, 7}, sl[1] = {60};
    snprintf(p, sizeof p, "%s/X.npy", dir);
    assert_int_equal(mg_npy_write_f32(p, X, 2, sh), MG_OK);
    mg_array L;
    assert_int_equal(mg_array_alloc(&L, MG_I64, 1, sl), MG_OK);
    for (int i = 0; i < 60; i++) ((int64_t *)L.data)[i] = i % 3 == 0;
    snprintf(p, sizeof p, "%s/L.npy", dir);
    assert_int_equal(mg_npy_write(p, &L), MG_OK);
    for (int i = 0; i < 60; i++) ((int64_t *)L.data)[i] = 1;
    snprintf(p, sizeof p, "%s/ones.npy", dir);
    assert_int_equal(mg_npy_write(p, &L), MG_OK);
    mg_array_free(&L);
}

/* memgen detect: scores = library, calibration, evaluation, features, table 1, errors. */
static void test_detect_cli(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *log = tu_path(dir, "log.txt");
    mg_daeset set;
    write_cli_inputs(dir, &set);
    /* score + evaluate with every metric */
    assert_int_equal(tu_memgen(log, "detect --model %s/set.safetensors --data %s/X.npy --sigma 0.4 --seed 3 --metric all "
                               "--labels %s/L.npy --bootstrap 20 --scores-out %s/s.npy --out %s/s.csv --json %s/s.json "
                               "--roc %s/roc.csv", dir, dir, dir, dir, dir, dir, dir), 0);
    mg_array S, X;
    char p[1024];
    snprintf(p, sizeof p, "%s/s.npy", dir);
    tu_assert_ok(mg_npy_read(p, &S));
    assert_true(S.ndim == 2 && S.shape[0] == 60 && S.shape[1] == MG_SPIKE_COUNT);
    snprintf(p, sizeof p, "%s/X.npy", dir);
    tu_assert_ok(mg_npy_read(p, &X));
    double want[60];
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_detect_params dp = MG_DETECT_PARAMS_DEFAULT;
    dp.sigma = 0.4;
    dp.metric = MG_SPIKE_TOP1;
    tu_assert_ok(mg_detect_model(&set, mg_mat_of_array(&X), &dp, &r, want));
    for (int i = 0; i < 60; i++) assert_true(((double *)S.data)[i * MG_SPIKE_COUNT + MG_SPIKE_TOP1] == want[i]);
    mg_array_free(&S);
    unsigned char *txt;
    size_t len;
    snprintf(p, sizeof p, "%s/s.json", dir);
    tu_assert_ok(mg_read_file(p, 0, &txt, &len));
    assert_non_null(strstr((char *)txt, "\"auroc\""));
    assert_non_null(strstr((char *)txt, "\"auroc_lo\""));
    free(txt);
    /* calibrate on a reference, flag */
    assert_int_equal(tu_memgen(log, "detect --model %s/set.safetensors --data %s/X.npy --sigma 0.4 --reference %s/X.npy "
                               "--fpr 0.1 --flags-out %s/f.npy --json %s/c.json", dir, dir, dir, dir, dir), 0);
    mg_array F;
    snprintf(p, sizeof p, "%s/f.npy", dir);
    tu_assert_ok(mg_npy_read(p, &F));
    int64_t flagged = 0;
    for (int i = 0; i < 60; i++) flagged += ((int64_t *)F.data)[i];
    assert_true(flagged <= 6); /* the same samples as reference: FPR <= 10% */
    mg_array_free(&F);
    /* calibration only (no samples to score): the threshold lands in the JSON */
    assert_int_equal(tu_memgen(log, "detect --model %s/set.safetensors --reference %s/X.npy --fpr 0.05 --json %s/c2.json",
                               dir, dir, dir), 0);
    snprintf(p, sizeof p, "%s/c2.json", dir);
    tu_assert_ok(mg_read_file(p, 0, &txt, &len));
    assert_non_null(strstr((char *)txt, "\"reference_fpr\""));
    free(txt);
    /* external activations: the CLI equals the library on the pooled rows */
    assert_int_equal(tu_memgen(log, "detect --features %s --metric l4l2 --scores-out %s/a.npy",
                               tu_fixture("detect/acts_nchw.npy"), dir), 1);
    assert_int_equal(tu_memgen(log, "detect --features %s --layout nchw --metric l4l2 --scores-out %s/a.npy",
                               tu_fixture("detect/acts_nchw.npy"), dir), 0);
    mg_array A, P;
    snprintf(p, sizeof p, "%s/a.npy", dir);
    tu_assert_ok(mg_npy_read(p, &A));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/pool_nchw_max.npy"), &P));
    double w5[5];
    tu_assert_ok(mg_spikiness_rows(mg_mat_of_array(&P), MG_SPIKE_L4L2, w5));
    tu_assert_close_d(A.data, w5, 5, 0, 0, "features via CLI");
    mg_array_free(&A), mg_array_free(&P);
    /* table 1, small */
    assert_int_equal(tu_memgen(log, "detect --table1 --d 128 --per-mode 100 --n-gen 200 --levels 6 --bootstrap 10 "
                               "--repeats 1 --table %s/t.csv --json %s/t.json --save-dir %s/t1", dir, dir, dir), 0);
    snprintf(p, sizeof p, "%s/t.csv", dir);
    tu_assert_ok(mg_read_file(p, 0, &txt, &len));
    assert_non_null(strstr((char *)txt, "\nstd,"));
    assert_non_null(strstr((char *)txt, "\nnn_ratio,"));
    free(txt);
    snprintf(p, sizeof p, "%s/t1/model.safetensors", dir);
    mg_daeset back;
    tu_assert_ok(mg_daeset_load(p, &back));
    assert_int_equal(back.count, 6);
    mg_daeset_free(&back);
    /* benchmark on the saved experiment */
    assert_int_equal(tu_memgen(log, "detect --benchmark --model %s/t1/model.safetensors --train %s/t1/train.npy "
                               "--data %s/t1/gens.npy --bootstrap 0 --repeats 1 --out %s/b.csv", dir, dir, dir, dir), 0);
    /* errors: one class (exit 1, clear), usage (exit 2) */
    assert_int_equal(tu_memgen(log, "detect --model %s/set.safetensors --data %s/X.npy --labels %s/ones.npy", dir, dir,
                               dir), 1);
    snprintf(p, sizeof p, "%s", log);
    tu_assert_ok(mg_read_file(p, 0, &txt, &len));
    assert_non_null(strstr((char *)txt, "all 60 samples are memorized"));
    free(txt);
    assert_int_equal(tu_memgen(log, "detect --model %s/set.safetensors", dir), 2);
    assert_int_equal(tu_memgen(log, "detect --features %s/X.npy --model %s/set.safetensors", dir, dir), 2);
    assert_int_equal(tu_memgen(log, "detect --features %s/X.npy --metric all --threshold 1", dir), 2);
    assert_int_equal(tu_memgen(log, "detect --features %s/X.npy --metric kurtosis", dir), 2);
    assert_int_equal(tu_memgen(log, "detect --table1 --benchmark"), 2);
    assert_int_equal(tu_memgen(log, "detect --features %s/X.npy --fpr 1", dir), 2);
    mg_array_free(&X);
    mg_daeset_free(&set);
    tu_rmtree(dir);
    free(dir), free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_fixture),        cmocka_unit_test(test_roc_curve),
        cmocka_unit_test(test_auroc_random_and_bootstrap), cmocka_unit_test(test_eval_errors),
        cmocka_unit_test(test_features_reduce),     cmocka_unit_test(test_read_labels),
        cmocka_unit_test(test_detect_model),        cmocka_unit_test(test_baselines),
        cmocka_unit_test(test_nonfinite_rows),
        cmocka_unit_test(test_detect_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
