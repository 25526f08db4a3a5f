/*
 * Tests of representations and spikiness metrics (repr.h; also the two-peak
 * histogram test and the Monte Carlo denoising error): every metric
 * against NumPy (dev/detect_reference.py), orientation (one-hot spikier than
 * balanced), the zero-row and NaN conventions, summaries and histograms against
 * numpy's rules, the seeded noise (independent of chunking), representations
 * of DAEs and sets against a manual encode, the memorizing-vs-generalizing
 * contrast of Fig. 5 on constructed models, and `memgen repr`.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

/* Every metric of every fixture row matches NumPy, through all three entry points. */
static void test_metrics_fixture(void **state) {
    (void)state;
    mg_array H, M;
    tu_assert_ok(mg_npy_read(tu_fixture("detect/repr_h.npy"), &H));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/repr_metrics.npy"), &M));
    int64_t n = H.shape[0], F = H.shape[1];
    assert_int_equal(M.shape[1], MG_SPIKE_COUNT);
    const double *ref = M.data;
    double *all = malloc((size_t)(n * MG_SPIKE_COUNT) * sizeof(double)), *col = malloc((size_t)n * sizeof(double));
    double *want = malloc((size_t)n * sizeof(double));
    tu_assert_ok(mg_spikiness_all(mg_mat_of_array(&H), all));
    tu_assert_close_d(all, ref, n * MG_SPIKE_COUNT, 1e-12, 1e-9, "all metrics");
    for (int m = 0; m < MG_SPIKE_COUNT; m++) {
        for (int64_t i = 0; i < n; i++) want[i] = ref[i * MG_SPIKE_COUNT + m];
        tu_assert_ok(mg_spikiness_rows(mg_mat_of_array(&H), (mg_spike_metric)m, col));
        tu_assert_close_d(col, want, n, 1e-12, 1e-9, mg_spike_metric_name((mg_spike_metric)m));
        for (int64_t i = 0; i < n; i++)
            assert_true(fabs(mg_spikiness((const float *)H.data + i * F, F, (mg_spike_metric)m) - want[i]) <=
                        1e-12 + 1e-9 * fabs(want[i]));
    }
    free(all);
    free(col);
    free(want);
    mg_array_free(&H);
    mg_array_free(&M);
}

/* Higher = spikier for every metric; zero rows score as the most balanced;
 * NaN rows fail with a message; names parse back. */
static void test_orientation_and_conventions(void **state) {
    (void)state;
    enum { F = 16 };
    float onehot[F] = {0}, flat[F], zero[F] = {0}, nanrow[F] = {0};
    onehot[3] = 2.0f;
    for (int i = 0; i < F; i++) flat[i] = 2.0f / F;
    nanrow[5] = NAN;
    for (int m = 0; m < MG_SPIKE_COUNT; m++) {
        double a = mg_spikiness(onehot, F, (mg_spike_metric)m), b = mg_spikiness(flat, F, (mg_spike_metric)m);
        double z = mg_spikiness(zero, F, (mg_spike_metric)m);
        assert_true(a > b);
        assert_true(fabs(z - b) < 1e-12); /* zero row = uniform */
        assert_true(isnan(mg_spikiness(nanrow, F, (mg_spike_metric)m)));
        mg_spike_metric back;
        tu_assert_ok(mg_spike_metric_parse(mg_spike_metric_name((mg_spike_metric)m), &back));
        assert_int_equal(back, m);
    }
    /* closed forms at the extremes */
    assert_true(fabs(mg_spikiness(onehot, F, MG_SPIKE_L4L2) - 1.0) < 1e-15);
    assert_true(fabs(mg_spikiness(flat, F, MG_SPIKE_L4L2) - pow(F, -0.25)) < 1e-12);
    assert_true(fabs(mg_spikiness(flat, F, MG_SPIKE_NEGENTROPY) + log(F)) < 1e-12);
    assert_true(fabs(mg_spikiness(flat, F, MG_SPIKE_NEGPR) + F) < 1e-9);
    assert_true(fabs(mg_spikiness(onehot, F, MG_SPIKE_TOP1) - 1.0) < 1e-15);
    /* a one-hot row of height a: population std a sqrt(F - 1) / F; with the F - 1 denominator a / sqrt(F) */
    assert_true(fabs(mg_spikiness(onehot, F, MG_SPIKE_STD) - 2.0 * sqrt(F - 1.0) / F) < 1e-12);
    assert_true(fabs(mg_spikiness(onehot, F, MG_SPIKE_STD_SAMPLE) - 2.0 / sqrt(F)) < 1e-12);
    mg_spike_metric m;
    tu_assert_ok(mg_spike_metric_parse("entropy", &m));
    assert_int_equal(m, MG_SPIKE_NEGENTROPY);
    tu_assert_ok(mg_spike_metric_parse("pr", &m));
    assert_int_equal(m, MG_SPIKE_NEGPR);
    assert_int_equal(mg_spike_metric_parse("kurtosis", &m), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "kurtosis"));
    /* a NaN row makes the batch call fail, naming the row */
    float rows[2 * F];
    memcpy(rows, flat, sizeof flat);
    memcpy(rows + F, nanrow, sizeof nanrow);
    double out[2], all[2 * MG_SPIKE_COUNT];
    assert_int_equal(mg_spikiness_rows((mg_mat){2, F, F, rows}, MG_SPIKE_STD, out), MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "row 1"));
    assert_int_equal(mg_spikiness_all((mg_mat){2, F, F, rows}, all), MG_ERR_NUMERIC);
    assert_int_equal(mg_spikiness_rows((mg_mat){2, 0, 0, rows}, MG_SPIKE_STD, out), MG_ERR_ARG);
    /* F = 1: std is 0, not NaN */
    assert_true(mg_spikiness(onehot + 3, 1, MG_SPIKE_STD) == 0.0);
}

/* Summary quantiles follow numpy's linear rule; histogram edges follow numpy. */
static void test_summary_histogram(void **state) {
    (void)state;
    double x[7] = {3, 1, 4, 1, 5, 9, 2};
    mg_summary s;
    tu_assert_ok(mg_summarize(x, 7, &s));
    /* np.quantile([1,1,2,3,4,5,9], [.05,.25,.5,.75,.95]) = 1, 1.5, 3, 4.5, 7.8 */
    assert_true(fabs(s.q05 - 1.0) < 1e-12 && fabs(s.q25 - 1.5) < 1e-12 && fabs(s.median - 3.0) < 1e-12);
    assert_true(fabs(s.q75 - 4.5) < 1e-12 && fabs(s.q95 - 7.8) < 1e-12);
    assert_true(s.min == 1 && s.max == 9 && fabs(s.mean - 25.0 / 7) < 1e-12);
    assert_true(fabs(s.std - 2.610809554642438) < 1e-12); /* np.std (ddof 0) */
    /* np.histogram([0, .1, .5, 1, 1, 2, -1], bins=4, range=(0, 1)) -> [2, 0, 1, 2] */
    double h[7] = {0, 0.1, 0.5, 1, 1, 2, -1};
    int64_t c[4];
    tu_assert_ok(mg_histogram(h, 7, 4, 0, 1, c));
    assert_true(c[0] == 2 && c[1] == 0 && c[2] == 1 && c[3] == 2);
    /* 0.3 lies on no edge; 0.25 on the first interior edge goes up */
    double e[2] = {0.25, 0.3};
    tu_assert_ok(mg_histogram(e, 2, 4, 0, 1, c));
    assert_true(c[0] == 0 && c[1] == 2);
    assert_int_equal(mg_histogram(h, 7, 0, 0, 1, c), MG_ERR_ARG);
    assert_int_equal(mg_histogram(h, 7, 3, 1, 1, c), MG_ERR_ARG);
    assert_int_equal(mg_summarize(x, 0, &s), MG_ERR_ARG);
    x[2] = INFINITY;
    assert_int_equal(mg_summarize(x, 7, &s), MG_ERR_NUMERIC);
}

/* Noise of row i depends only on (seed, row0 + i); sigma = 0 copies; aliasing works. */
static void test_noisy_rows(void **state) {
    (void)state;
    enum { N = 9, D = 5 };
    float X[N * D], A[N * D], B[N * D];
    for (int i = 0; i < N * D; i++) X[i] = (float)i * 0.1f;
    mg_rng r;
    mg_rng_init(&r, 77);
    tu_assert_ok(mg_noisy_rows((mg_mat){N, D, D, X}, 0.5, &r, 0, (mg_mat){N, D, D, A}));
    tu_assert_ok(mg_noisy_rows((mg_mat){4, D, D, X}, 0.5, &r, 0, (mg_mat){4, D, D, B}));
    tu_assert_ok(mg_noisy_rows((mg_mat){5, D, D, X + 4 * D}, 0.5, &r, 4, (mg_mat){5, D, D, B + 4 * D}));
    tu_assert_close_f(B, A, N * D, 0, 0, "chunked noise");
    /* the noise is x + sigma z with z from fork(rng, i) */
    mg_rng f = mg_rng_fork(&r, 2);
    float z[D];
    mg_rng_normal(&f, z, D);
    for (int j = 0; j < D; j++) assert_true(A[2 * D + j] == X[2 * D + j] + 0.5f * z[j]);
    memcpy(B, X, sizeof X);
    tu_assert_ok(mg_noisy_rows((mg_mat){N, D, D, B}, 0.5, &r, 0, (mg_mat){N, D, D, B}));
    tu_assert_close_f(B, A, N * D, 0, 0, "in place");
    tu_assert_ok(mg_noisy_rows((mg_mat){N, D, D, X}, 0.0, NULL, 0, (mg_mat){N, D, D, B}));
    tu_assert_close_f(B, X, N * D, 0, 0, "sigma 0");
    assert_int_equal(mg_noisy_rows((mg_mat){N, D, D, X}, 0.5, NULL, 0, (mg_mat){N, D, D, B}), MG_ERR_ARG);
    assert_int_equal(mg_noisy_rows((mg_mat){N, D, D, X}, -1, &r, 0, (mg_mat){N, D, D, B}), MG_ERR_ARG);
    assert_int_equal(mg_noisy_rows((mg_mat){N, D, D, X}, 0.5, &r, 0, (mg_mat){N, 4, 4, B}), MG_ERR_SHAPE);
}

/* A small random untied, biased DAE. */
static mg_dae *random_dae(int64_t d, int64_t p, uint64_t seed) {
    mg_dae *m;
    if (mg_dae_create(d, p, 0, 1, &m) != MG_OK) return NULL;
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_dae_init_normal(m, &r, 0.4f);
    mg_rng_normal(&r, mg_dae_b1(m), (size_t)p);
    return m;
}

/* mg_repr_dae = encode(x + sigma eps); sets pick the nearest level; multi-level
 * concatenation shares one eps; chunking (n > 1024) does not change anything. */
static void test_repr_models(void **state) {
    (void)state;
    enum { N = 1500, D = 6, P = 5 };
    float *X = malloc(N * D * sizeof(float)), *Xt = malloc(N * D * sizeof(float));
    float *H = malloc(N * P * sizeof(float)), *R = malloc(N * P * sizeof(float)), *H2 = malloc(N * 2 * P * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, X, N * D);
    double sig[2] = {0.1, 0.4};
    mg_daeset set;
    tu_assert_ok(mg_daeset_alloc(2, sig, &set));
    set.levels[0] = random_dae(D, P, 1);
    set.levels[1] = random_dae(D, P, 2);
    mg_mat Xm = {N, D, D, X}, Hm = {N, P, P, H}, Rm = {N, P, P, R};
    /* one DAE at sigma 0.3 */
    tu_assert_ok(mg_repr_dae(set.levels[1], Xm, 0.3, &r, Hm));
    tu_assert_ok(mg_noisy_rows(Xm, 0.3, &r, 0, (mg_mat){N, D, D, Xt}));
    tu_assert_ok(mg_dae_encode(set.levels[1], (mg_mat){N, D, D, Xt}, Rm));
    tu_assert_close_f(H, R, N * P, 0, 0, "repr = encode(x_t)");
    /* sigma 0 = encode(x) */
    tu_assert_ok(mg_repr_dae(set.levels[0], Xm, 0.0, NULL, Hm));
    tu_assert_ok(mg_dae_encode(set.levels[0], Xm, Rm));
    tu_assert_close_f(H, R, N * P, 0, 0, "sigma 0");
    /* the set picks the level nearest in log sigma */
    int lev;
    tu_assert_ok(mg_repr_set(&set, Xm, 0.3, &r, Hm, &lev));
    assert_int_equal(lev, 1);
    tu_assert_ok(mg_repr_dae(set.levels[1], Xm, 0.3, &r, Rm));
    tu_assert_close_f(H, R, N * P, 0, 0, "set level");
    /* concatenation of two levels from the same eps */
    assert_int_equal(mg_repr_multi_width(&set, sig, 2), 2 * P);
    tu_assert_ok(mg_repr_multi(&set, Xm, sig, 2, &r, 0, (mg_mat){N, 2 * P, 2 * P, H2}));
    mg_rng f = mg_rng_fork(&r, 1234);
    float z[D], xt[D], h[P];
    mg_rng_normal(&f, z, D);
    for (int l = 0; l < 2; l++) {
        for (int j = 0; j < D; j++) xt[j] = X[1234 * D + j] + (float)sig[l] * z[j];
        tu_assert_ok(mg_dae_encode(set.levels[l], (mg_mat){1, D, D, xt}, (mg_mat){1, P, P, h}));
        tu_assert_close_f(H2 + 1234 * 2 * P + l * P, h, P, 1e-6, 1e-6, "multi block");
    }
    /* errors */
    assert_int_equal(mg_repr_dae(set.levels[0], (mg_mat){N, D - 1, D - 1, X}, 0.1, &r, Hm), MG_ERR_SHAPE);
    assert_int_equal(mg_repr_dae(set.levels[0], Xm, 0.1, &r, (mg_mat){N, P - 1, P - 1, H}), MG_ERR_SHAPE);
    assert_int_equal(mg_repr_dae(set.levels[0], Xm, 0.1, NULL, Hm), MG_ERR_ARG);
    mg_daeset_free(&set);
    free(X), free(Xt), free(H), free(R), free(H2);
}

/* Fig. 5: training samples have spiky representations under the memorizing
 * construction (Cor. 3.2) and balanced ones under the generalizing one
 * (Cor. 3.3), at sigma = 0.2, for every metric. */
static void test_mem_vs_gen_spikiness(void **state) {
    (void)state;
    mg_rng r;
    mg_rng_init(&r, 11);
    tu_mog2 t;
    tu_mog2_make(&t, 64, 32, 400, &r);
    int64_t d = t.d;
    /* memorizing: 4 samples (2 per mode), p = 4 */
    float Xs[4 * 64];
    memcpy(Xs, t.X, 2 * 64 * sizeof(float));
    memcpy(Xs + 2 * 64, t.X + 200 * 64, 2 * 64 * sizeof(float));
    mg_dae *mm, *mgen;
    tu_mem_gen_daes(&t, Xs, 4, 0.2, 32, &mm, &mgen);
    float Hm[4 * 32], Hg[4 * 32];
    double sm[4], sg[4];
    tu_assert_ok(mg_repr_dae(mm, (mg_mat){4, d, d, Xs}, 0.2, &r, (mg_mat){4, 32, 32, Hm}));
    tu_assert_ok(mg_repr_dae(mgen, (mg_mat){4, d, d, Xs}, 0.2, &r, (mg_mat){4, 32, 32, Hg}));
    for (int m = 0; m < MG_SPIKE_COUNT; m++) {
        tu_assert_ok(mg_spikiness_rows((mg_mat){4, 32, 32, Hm}, (mg_spike_metric)m, sm));
        tu_assert_ok(mg_spikiness_rows((mg_mat){4, 32, 32, Hg}, (mg_spike_metric)m, sg));
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < 4; i++) lo = fmin(lo, sm[i]), hi = fmax(hi, sg[i]);
        print_message("%-10s memorizing min %.4g  generalizing max %.4g\n", mg_spike_metric_name((mg_spike_metric)m),
                      lo, hi);
        assert_true(lo > hi);
    }
    mg_dae_free(mm);
    mg_dae_free(mgen);
    tu_mog2_free(&t);
}

/* memgen repr on a model and on pooled activations; usage errors. */
static void test_repr_cli(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *log = tu_path(dir, "log.txt");
    char *model = tu_path(dir, "m.safetensors"), *data = tu_path(dir, "X.npy"), *out = tu_path(dir, "H.npy");
    char *stats = tu_path(dir, "s.csv"), *sum = tu_path(dir, "s.json");
    mg_dae *m = random_dae(6, 5, 3);
    mg_dae_set_sigma(m, 0.2);
    tu_assert_ok(mg_dae_save(m, model));
    float X[10 * 6];
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_rng_normal(&r, X, 60);
    int64_t sh[2] = {10, 6};
    tu_assert_ok(mg_npy_write_f32(data, X, 2, sh));
    assert_int_equal(tu_memgen(log, "repr --model %s --data %s --sigma 0.2 --seed 4 --out %s --stats %s --json %s",
                               model, data, out, stats, sum), 0);
    mg_array H;
    tu_assert_ok(mg_npy_read(out, &H));
    assert_true(H.shape[0] == 10 && H.shape[1] == 5);
    float want[50];
    mg_rng s;
    mg_rng_init(&s, 4);
    tu_assert_ok(mg_repr_dae(m, (mg_mat){10, 6, 6, X}, 0.2, &s, (mg_mat){10, 5, 5, want}));
    tu_assert_close_f(H.data, want, 50, 0, 0, "CLI representation");
    mg_array_free(&H);
    char *txt = tu_read_text(stats);
    int lines = 0;
    for (const char *c = txt; *c; c++) lines += *c == '\n';
    assert_int_equal(lines, 11);
    assert_non_null(strstr(txt, "sample,std,l4l2,negentropy,maxmin,top1,negpr,std_sample,active,l2norm"));
    free(txt);
    txt = tu_read_text(sum);
    assert_non_null(strstr(txt, "\"histogram\""));
    free(txt);
    /* activations: n x C x H x W pooled to n x C */
    assert_int_equal(tu_memgen(log, "repr --features %s --layout nchw --out %s", tu_fixture("detect/acts_nchw.npy"),
                               out),
                     0);
    mg_array P, Q;
    tu_assert_ok(mg_npy_read(out, &P));
    tu_assert_ok(mg_npy_read(tu_fixture("detect/pool_nchw_max.npy"), &Q));
    tu_assert_close_f(P.data, Q.data, mg_array_numel(&Q), 0, 0, "pooled");
    mg_array_free(&P);
    mg_array_free(&Q);
    /* usage errors and failures */
    assert_int_equal(tu_memgen(log, "repr --model %s", model), 2);
    assert_int_equal(tu_memgen(log, "repr --model %s --data %s --pool median", model, data), 2);
    assert_int_equal(tu_memgen(log, "repr --model %s --data %s --features %s", model, data, data), 2);
    assert_int_equal(tu_memgen(log, "repr --model %s --data %s/missing.npy", model, dir), 1);
    mg_dae_free(m);
    tu_rmtree(dir);
    free(dir), free(log), free(model), free(data), free(out), free(stats), free(sum);
}

/* The two-peak histogram test (mg_histogram_bimodal). */
static void test_bimodal(void **state) {
    (void)state;
    mg_bimodal b;
    /* two clear peaks: main at bin 1 (5), second at bin 4 (4), valley bin 3 (0) */
    int64_t h1[6] = {0, 5, 1, 0, 4, 0};
    tu_assert_ok(mg_histogram_bimodal(h1, 6, 0.5, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak1, 1);
    assert_int_equal(b.peak2, 4);
    assert_int_equal(b.valley, 3);
    tu_assert_close_d(&b.dip, (double[]){0.0}, 1, 0, 0, "dip");
    /* a shoulder, not a peak: the valley (6) is more than half of 7 */
    int64_t h2[5] = {10, 8, 6, 7, 2};
    tu_assert_ok(mg_histogram_bimodal(h2, 5, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(b.peak1, 0);
    assert_int_equal(b.peak2, -1);
    assert_true(isnan(b.dip));
    /* ... but it is one with a looser valley rule: dip 6/7 */
    tu_assert_ok(mg_histogram_bimodal(h2, 5, 0.9, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak2, 3);
    tu_assert_close_d(&b.dip, (double[]){6.0 / 7.0}, 1, 1e-15, 0, "dip");
    /* monotone: one peak */
    int64_t h3[4] = {1, 2, 3, 4};
    tu_assert_ok(mg_histogram_bimodal(h3, 4, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(b.peak1, 3);
    /* ties: the first highest bin is the main peak; an adjacent equal bin has no valley */
    int64_t h4[4] = {3, 3, 0, 3};
    tu_assert_ok(mg_histogram_bimodal(h4, 4, 0.5, &b));
    assert_true(b.bimodal);
    assert_int_equal(b.peak1, 0);
    assert_int_equal(b.peak2, 3);
    assert_int_equal(b.valley, 2);
    /* the highest second peak wins over a nearer, lower one */
    int64_t h5[7] = {9, 0, 2, 0, 0, 5, 0};
    tu_assert_ok(mg_histogram_bimodal(h5, 7, 0.5, &b));
    assert_int_equal(b.peak2, 5);
    assert_int_equal(b.valley, 1);
    /* one bin, and bad arguments */
    int64_t h6[1] = {4};
    tu_assert_ok(mg_histogram_bimodal(h6, 1, 0.5, &b));
    assert_false(b.bimodal);
    assert_int_equal(mg_histogram_bimodal(h6, 0, 0.5, &b), MG_ERR_ARG);
    assert_int_equal(mg_histogram_bimodal(h6, 1, 1.0, &b), MG_ERR_ARG);
    int64_t h7[2] = {1, -1};
    assert_int_equal(mg_histogram_bimodal(h7, 2, 0.5, &b), MG_ERR_ARG);
}

/* ---- mg_denoise_error ------------------------------------------------------ */

/* Equals a per-row, per-draw loop with the documented noise (row index t*n + i),
 * row means and the standard error included. */
static void test_denoise_error_naive(void **state) {
    (void)state;
    enum { N = 5, D = 6, P = 3, T = 4 };
    float W[D * P], X[N * D];
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, W, D * P);
    mg_rng_normal(&r, X, N * D);
    mg_dae *m = tu_tied_dae(D, P, W);
    mg_rng noise;
    mg_rng_init(&noise, 9);
    mg_mat Xm = {N, D, D, X};
    double err[N], mean, se, sigma = 0.3;
    tu_assert_ok(mg_denoise_error(m, Xm, sigma, &noise, T, err, &mean, &se));
    double ref[N] = {0}, vals[N * T], s = 0;
    for (int t = 0; t < T; t++)
        for (int i = 0; i < N; i++) {
            float y[D], h[P], f[D];
            mg_rng ri = mg_rng_fork(&noise, (uint64_t)(t * N + i));
            mg_rng_add_noise(&ri, X + i * D, (float)sigma, y, D);
            for (int j = 0; j < P; j++) {
                double a = 0;
                for (int k = 0; k < D; k++) a += (double)y[k] * W[k * P + j];
                h[j] = a > 0 ? (float)a : 0.0f;
            }
            double e = 0;
            for (int k = 0; k < D; k++) {
                double a = 0;
                for (int j = 0; j < P; j++) a += (double)W[k * P + j] * h[j];
                f[k] = (float)a;
                e += ((double)f[k] - X[i * D + k]) * ((double)f[k] - X[i * D + k]);
            }
            ref[i] += e / T;
            vals[t * N + i] = e;
            s += e;
        }
    double mu = s / (N * T), v = 0;
    for (int k = 0; k < N * T; k++) v += (vals[k] - mu) * (vals[k] - mu);
    double se_ref = sqrt(v / (N * T - 1) / (N * T));
    tu_assert_close_d(err, ref, N, 1e-5, 1e-5, "per-row error");
    tu_assert_close_d(&mean, &mu, 1, 1e-5, 1e-5, "mean error");
    tu_assert_close_d(&se, &se_ref, 1, 1e-5, 1e-4, "standard error");
    /* one draw of one row: no standard error; bad arguments refused */
    mg_mat one = {1, D, D, X};
    tu_assert_ok(mg_denoise_error(m, one, sigma, &noise, 1, NULL, &mean, &se));
    assert_true(se == 0.0);
    assert_int_equal(mg_denoise_error(m, Xm, sigma, &noise, 0, NULL, &mean, NULL), MG_ERR_ARG);
    mg_mat bad = {N, D - 1, D - 1, X};
    assert_int_equal(mg_denoise_error(m, bad, sigma, &noise, 1, NULL, &mean, NULL), MG_ERR_SHAPE);
    mg_dae_free(m);
}

/* Closed form: d = 2, one unit w = a e_1 that stays active (x_1 = 10, small
 * sigma), so f(y) = a^2 y_1 e_1 and E|f - x|^2 = (a^2 - 1)^2 x_1^2 + a^4 sigma^2 + x_2^2. */
static void test_denoise_error_closed_form(void **state) {
    (void)state;
    const double a = 0.9, sigma = 0.5;
    float W[2] = {(float)a, 0.0f}, X[2] = {10.0f, 1.5f};
    mg_dae *m = tu_tied_dae(2, 1, W);
    mg_rng noise;
    mg_rng_init(&noise, 21);
    mg_mat Xm = {1, 2, 2, X};
    double mean, se;
    tu_assert_ok(mg_denoise_error(m, Xm, sigma, &noise, 20000, NULL, &mean, &se));
    double a2 = (double)W[0] * W[0];
    double want = (a2 - 1) * (a2 - 1) * 100.0 + a2 * a2 * sigma * sigma + 1.5 * 1.5;
    if (!(fabs(mean - want) <= 4 * se)) fail_msg("MC %g +- %g vs closed form %g", mean, se, want);
    assert_true(se > 0 && se < 0.01 * want);
    /* sigma = 0: the exact error |f(x) - x|^2 */
    tu_assert_ok(mg_denoise_error(m, Xm, 0.0, &noise, 3, NULL, &mean, &se));
    double exact = (a2 - 1) * (a2 - 1) * 100.0 + 1.5 * 1.5;
    tu_assert_close_d(&mean, &exact, 1, 1e-9, 1e-5, "noise-free error");
    mg_dae_free(m);
}


int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_denoise_error_naive),
        cmocka_unit_test(test_denoise_error_closed_form),
        cmocka_unit_test(test_bimodal),
        cmocka_unit_test(test_metrics_fixture),      cmocka_unit_test(test_orientation_and_conventions),
        cmocka_unit_test(test_summary_histogram),    cmocka_unit_test(test_noisy_rows),
        cmocka_unit_test(test_repr_models),          cmocka_unit_test(test_mem_vs_gen_spikiness),
        cmocka_unit_test(test_repr_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
