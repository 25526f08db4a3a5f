/*
 * Experiments fig3 (sampling with memorizing vs generalizing DAE sets) and
 * fig4 (what the encoder W1 stores) called from C without the report, on
 * the shared datasets built at the smoke report's sizes (the Gaussian
 * mixture; Fashion-MNIST too when installed). Every per-row number is
 * checked against a direct recomputation from the samples, the training
 * rows and the trained weights (distances, norms, cosines, column norms),
 * the summaries against their tables, f_emp's samples are copies, and the
 * runs are reproducible and depend on the dataset's index. fig3's measures
 * up to scale are recomputed by hand from the rows normalised to unit norm,
 * its rescaled in-distribution checks from the held-out quantiles; its
 * time-conditioned runs are reproducible, measured like the DDIM runs,
 * inside the sampler's clamp, and leave the DDIM runs' bits alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/dae.h"
#include "memgen/experiment/fig3.h"
#include "memgen/experiment/fig4.h"
#include "memgen/schedule.h"

enum { NSIG = 3 };
static mg_exp_data g_data[2];
static int g_ndata;
static double g_sigmas[NSIG];
static mg_rng g_rng;

/* The smoke report's data sizes for a source. */
static mg_exp_data_params smoke_params(mg_exp_source src) {
    mg_exp_data_params p = mg_exp_data_params_default(src);
    int mog = src == MG_EXP_MOG;
    if (mog) p.d = 64;
    p.n_gen = 500;
    p.n_test = 100;
    p.mem_train.steps = 3000;
    p.gen_train.hidden = 16;
    p.gen_train.steps = 300;
    return p;
}

/* Builds the datasets once: the grid geom:0.02:2:3 with 0.2 in the middle. */
static int setup(void **state) {
    (void)state;
    mg_rng_init(&g_rng, 7);
    if (mg_sigmas_geometric(0.02, 2.0, NSIG, g_sigmas) != MG_OK) return -1;
    g_sigmas[NSIG / 2] = 0.2;
    mg_exp_data_params mp = smoke_params(MG_EXP_MOG), fp = smoke_params(MG_EXP_FMNIST);
    if (mg_exp_data_build(&mp, g_sigmas, NSIG, &g_rng, NULL, NULL, &g_data[0]) != MG_OK) return -1;
    g_ndata = 1;
    mg_status s = mg_exp_data_build(&fp, g_sigmas, NSIG, &g_rng, NULL, NULL, &g_data[1]);
    if (s == MG_OK) g_ndata = 2;
    else if (s != MG_ERR_NOT_FOUND) return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    for (int i = 0; i < 2; i++) mg_exp_data_free(&g_data[i]);
    return 0;
}

/* The environment of dataset i at position `index` of a run. */
static mg_exp_env env_of(const mg_exp_data *const *d, int index, const mg_rng *rng) {
    mg_exp_env e = {d, 1, index, rng, g_sigmas, NSIG, NULL, NULL};
    return e;
}

/* Euclidean distance of two float rows, in double. */
static double dist(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return sqrt(s);
}

/* Cosine of two float rows (0 when one is zero). */
static double cosine(const float *a, const float *b, int64_t d) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t j = 0; j < d; j++) ab += (double)a[j] * b[j], aa += (double)a[j] * a[j], bb += (double)b[j] * b[j];
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
}

/* One set's measures table against its rows S and training rows X: d1 and
 * d2 are the distances to rows nn1 and nn2, ratio = d1 / d2, memorized =
 * ratio < threshold and its mean is the summary, cos_max the cosine to row
 * cos_idx and no larger than 1, norm the row's norm. */
static void check_measures(const mg_table *t, mg_mat S, mg_mat X, const mg_exp_fig3_set *sum, double thr) {
    assert_int_equal(t->nrows, S.rows);
    assert_int_equal(sum->samples, S.rows);
    assert_int_equal(sum->training_rows, X.rows);
    const double *ratio = mg_table_col(t, "ratio"), *d1 = mg_table_col(t, "d1"), *d2 = mg_table_col(t, "d2"),
                 *nn1 = mg_table_col(t, "nn1"), *nn2 = mg_table_col(t, "nn2"), *mem = mg_table_col(t, "memorized"),
                 *cmax = mg_table_col(t, "cos_max"), *cidx = mg_table_col(t, "cos_idx"), *norm = mg_table_col(t, "norm");
    assert_true(ratio && d1 && d2 && nn1 && nn2 && mem && cmax && cidx && norm);
    double copies = 0;
    for (int64_t i = 0; i < S.rows; i++) {
        const float *s = S.data + i * S.ld;
        double e1 = dist(s, X.data + (int64_t)nn1[i] * X.ld, S.cols), e2 = dist(s, X.data + (int64_t)nn2[i] * X.ld, S.cols);
        assert_true(nn1[i] != nn2[i]);
        assert_true(fabs(d1[i] - e1) <= 1e-3 + 1e-4 * e1 && fabs(d2[i] - e2) <= 1e-3 + 1e-4 * e2);
        assert_true(d1[i] <= d2[i] + 1e-9);
        if (d2[i] > 0) assert_true(fabs(ratio[i] - d1[i] / d2[i]) <= 1e-9);
        assert_true(mem[i] == (ratio[i] < thr ? 1.0 : 0.0));
        copies += mem[i];
        assert_true(fabs(cmax[i] - cosine(s, X.data + (int64_t)cidx[i] * X.ld, S.cols)) <= 1e-5);
        assert_true(cmax[i] <= 1 + 1e-6);
        double q = 0;
        for (int64_t j = 0; j < S.cols; j++) q += (double)s[j] * s[j];
        assert_true(fabs(norm[i] - sqrt(q)) <= 1e-9 * (1 + sqrt(q)));
    }
    assert_true(fabs(sum->memorized - copies / (double)S.rows) <= 1e-12);
    assert_true(sum->distinct_copied >= 0 && sum->distinct_copied <= X.rows);
}

/* The unit-norm copy of a float row, in double (a zero row stays zero). */
static void unit_row(const float *a, int64_t d, double *out) {
    double q = 0;
    for (int64_t j = 0; j < d; j++) q += (double)a[j] * a[j];
    q = sqrt(q);
    for (int64_t j = 0; j < d; j++) out[j] = q > 0 ? a[j] / q : 0.0;
}

/* Median of n doubles (copies them). */
static double median_of(const double *x, int64_t n) {
    double *v = malloc((size_t)n * sizeof *v);
    memcpy(v, x, (size_t)n * sizeof *v);
    for (int64_t i = 1; i < n; i++)
        for (int64_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    double m = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    free(v);
    return m;
}

/* One set's table up to scale, recomputed by hand: every row of S and X
 * normalised to unit norm, the two nearest unit training rows by brute
 * force give unit_d1 <= unit_d2 and the ratio, the copies (and their share)
 * are ratio < thr, direction_copy is cos_max >= dircos (its share the
 * summary's), norm_over_train the norm over the training rows' median norm. */
static void check_upto_scale(const mg_table *u, const mg_table *t, mg_mat S, mg_mat X, const mg_exp_fig3_set *sum,
                             double thr, double dircos) {
    int64_t n = S.rows, m = X.rows, D = S.cols;
    assert_int_equal(u->nrows, n);
    const double *ur = mg_table_col(u, "unit_ratio"), *ud1 = mg_table_col(u, "unit_d1"), *ud2 = mg_table_col(u, "unit_d2"),
                 *un1 = mg_table_col(u, "unit_nn1"), *umem = mg_table_col(u, "unit_memorized"),
                 *dc = mg_table_col(u, "direction_copy"), *not_ = mg_table_col(u, "norm_over_train"),
                 *cmax = mg_table_col(t, "cos_max"), *norm = mg_table_col(t, "norm");
    assert_true(ur && ud1 && ud2 && un1 && umem && dc && not_);
    double *xu = malloc((size_t)(m * D) * sizeof(double)), *su = malloc((size_t)D * sizeof(double));
    double *xn = malloc((size_t)m * sizeof(double));
    for (int64_t k = 0; k < m; k++) {
        unit_row(X.data + k * X.ld, D, xu + k * D);
        double q = 0;
        for (int64_t j = 0; j < D; j++) q += (double)X.data[k * X.ld + j] * X.data[k * X.ld + j];
        xn[k] = sqrt(q);
    }
    double tmed = median_of(xn, m), copies = 0, dcopies = 0;
    assert_true(fabs(sum->train_median_norm - tmed) <= 1e-9 * tmed);
    for (int64_t i = 0; i < n; i++) {
        unit_row(S.data + i * S.ld, D, su);
        double e1 = INFINITY, e2 = INFINITY;
        for (int64_t k = 0; k < m; k++) {
            double q = 0;
            for (int64_t j = 0; j < D; j++) q += (su[j] - xu[k * D + j]) * (su[j] - xu[k * D + j]);
            q = sqrt(q);
            if (q < e1) e2 = e1, e1 = q;
            else if (q < e2) e2 = q;
        }
        assert_true(fabs(ud1[i] - e1) <= 1e-4 && fabs(ud2[i] - e2) <= 1e-4);
        double q = 0; /* the distance to the row it names */
        for (int64_t j = 0; j < D; j++) q += (su[j] - xu[(int64_t)un1[i] * D + j]) * (su[j] - xu[(int64_t)un1[i] * D + j]);
        assert_true(fabs(sqrt(q) - e1) <= 1e-4);
        if (ud2[i] > 0) assert_true(fabs(ur[i] - ud1[i] / ud2[i]) <= 1e-9);
        if (e2 > 1e-3 && fabs(e1 / e2 - thr) > 1e-3) assert_true(umem[i] == (e1 / e2 < thr ? 1.0 : 0.0));
        assert_true(umem[i] == (ur[i] < thr ? 1.0 : 0.0));
        copies += umem[i];
        assert_true(dc[i] == (cmax[i] >= dircos ? 1.0 : 0.0));
        dcopies += dc[i];
        assert_true(fabs(not_[i] - norm[i] / tmed) <= 1e-12 * (1 + not_[i]));
    }
    assert_true(fabs(sum->unit_memorized - copies / (double)n) <= 1e-12);
    assert_true(fabs(sum->direction_copies - dcopies / (double)n) <= 1e-12);
    assert_true(fabs(sum->median_norm - median_of(norm, n)) <= 1e-12 * (1 + sum->median_norm));
    assert_true(fabs(sum->median_unit_ratio - median_of(ur, n)) <= 1e-12);
    free(xu), free(su), free(xn);
}

/* The in-distribution columns of a set measured against the generalizing
 * rows: each row rescaled by `scale` lands on the held-out median norm, the
 * flags follow the held-out quantiles, the shares are the flags' means. */
static void check_in_distribution(const mg_exp_data *d, const mg_exp_fig3_result *r, const mg_table *t,
                                  const mg_table *u, const mg_exp_fig3_set *sum) {
    int64_t n = t->nrows;
    const double *norm = mg_table_col(t, "norm"), *scale = mg_table_col(u, "scale"), *in = mg_table_col(u, "inside"),
                 *sin_ = mg_table_col(u, "scaled_inside");
    assert_true(norm && scale && in && sin_);
    double a = 0, b = 0;
    for (int64_t i = 0; i < n; i++) {
        if (norm[i] > 0) assert_true(fabs(norm[i] * scale[i] - r->test_median_norm) <= 1e-9 * r->test_median_norm);
        if (d->has_mog) {
            double m2 = mg_table_col(t, "mahalanobis2_nearest")[i], s2 = mg_table_col(u, "scaled_mahalanobis2_nearest")[i];
            assert_true(in[i] == (m2 <= r->test_q95_mahalanobis2 ? 1.0 : 0.0));
            assert_true(sin_[i] == (s2 <= r->test_scaled_q95_mahalanobis2 ? 1.0 : 0.0));
        } else {
            double d1 = mg_table_col(t, "d1")[i], sd = mg_table_col(u, "scaled_d1")[i];
            int lit = d1 >= r->test_q05_nn_dist && d1 <= r->test_q95_nn_dist && norm[i] >= r->test_q05_norm &&
                      norm[i] <= r->test_q95_norm;
            assert_true(in[i] == (double)lit);
            assert_true(sin_[i] == (sd >= r->test_scaled_q05_nn_dist && sd <= r->test_scaled_q95_nn_dist ? 1.0 : 0.0));
        }
        a += in[i], b += sin_[i];
    }
    assert_true(fabs(sum->inside_share - a / (double)n) <= 1e-12);
    assert_true(fabs(sum->scaled_inside_share - b / (double)n) <= 1e-12);
}

/* fig3's parameters in these tests: 16 samples, 40 held-out rows, short
 * time-conditioned runs (200 memorizing steps at p = 32, 50 generalizing). */
static mg_exp_fig3_params fig3_params(void) {
    mg_exp_fig3_params p = mg_exp_fig3_defaults();
    p.samples_per_model = 16;
    p.heldout_reference_rows = 40;
    p.tc_mem_steps = 200;
    p.tc_mem_p = 32;
    p.tc_gen_steps = 50;
    return p;
}

/* fig3 on one dataset at position `index` of a run with parameters p, with
 * every per-row check: literal, up to scale, in-distribution, the
 * time-conditioned runs inside their clamp. */
static void run_fig3_with(const mg_exp_data *d, int index, const mg_exp_fig3_params *pp, mg_exp_fig3_result *r) {
    const mg_exp_data *ds[1] = {d};
    mg_rng rng = mg_rng_fork_named(&g_rng, "fig3");
    mg_exp_env env = env_of(ds, index, &rng);
    mg_exp_fig3_params p = *pp;
    tu_assert_ok(mg_exp_fig3_run(&p, &env, r));
    mg_mat mem = mg_exp_mem(d), gen = mg_exp_gen(d), test = mg_exp_test(d);
    test.rows = 40;
    assert_int_equal(r->mem_samples.shape[0], 16);
    assert_int_equal(r->mem_samples.shape[1], d->d);
    mg_mat S[6] = {mg_mat_of_array(&r->mem_samples),    mg_mat_of_array(&r->emp_samples),
                   mg_mat_of_array(&r->gen_samples),    test,
                   mg_mat_of_array(&r->tc_mem_samples), mg_mat_of_array(&r->tc_gen_samples)};
    mg_mat X[6] = {mem, mem, gen, gen, mem, gen};
    const mg_table *t[6] = {&r->mem_measures, &r->emp_measures, &r->gen_measures,
                            &r->test_measures, &r->tc_mem_measures, &r->tc_gen_measures};
    const mg_table *u[6] = {&r->mem_upto_scale, &r->emp_upto_scale, &r->gen_upto_scale,
                            &r->test_upto_scale, &r->tc_mem_upto_scale, &r->tc_gen_upto_scale};
    const mg_exp_fig3_set *sum[6] = {&r->mem, &r->emp, &r->gen, &r->test, &r->tc_mem, &r->tc_gen};
    for (int k = 0; k < 6; k++) {
        check_measures(t[k], S[k], X[k], sum[k], p.ratio_threshold);
        check_upto_scale(u[k], t[k], S[k], X[k], sum[k], p.ratio_threshold, p.direction_cosine);
        if (X[k].data == gen.data) check_in_distribution(d, r, t[k], u[k], sum[k]);
        else assert_true(isnan(sum[k]->inside_share) && mg_table_find(u[k], "scaled_inside") < 0);
    }
    /* f_emp (Eq. 3) ends every DDIM run on a training row: all copies, literally and up to scale */
    assert_true(r->emp.memorized == 1.0 && r->emp.unit_memorized == 1.0);
    assert_true(r->emp.mean_cos_max > 0.999);
    assert_true(isnan(r->test.sampling_seconds) && r->gen.sampling_seconds >= 0);
    assert_true(r->tc_mem.train_seconds >= 0 && r->tc_gen.sampling_seconds >= 0 && isnan(r->mem.train_seconds));
    assert_int_equal(r->sets.nrows, 4);
    assert_int_equal(r->runs.nrows, 6);
    assert_int_equal(r->in_distribution.nrows, 3);
    assert_int_equal(r->timing.nrows, 6);
    assert_true(r->gen_inside_share == r->gen.inside_share);
    assert_true(r->gen_inside_share >= 0 && r->gen_inside_share <= 1);
    assert_true(r->mem_direction_copies == r->mem.direction_copies);
    assert_true(r->mem_direction_copies >= 0 && r->mem_direction_copies <= 1);
    assert_true(r->logp_sigma == g_sigmas[0]);
    /* the authors' sampler's clamp: the generalizing rows' global range, and every sample inside it */
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < gen.rows * gen.cols; i++) lo = fminf(lo, gen.data[i]), hi = fmaxf(hi, gen.data[i]);
    if (p.tc_clamp) {
        assert_true(r->tc_clamp_lo == lo && r->tc_clamp_hi == hi);
        for (int k = 4; k < 6; k++)
            for (int64_t i = 0; i < S[k].rows * S[k].cols; i++) assert_true(S[k].data[i] >= lo && S[k].data[i] <= hi);
    } else assert_true(isnan(r->tc_clamp_lo) && isnan(r->tc_clamp_hi));
    assert_int_equal(r->tc_mem_p, p.tc_mem_p);
    assert_int_equal(r->tc_gen_p, p.tc_gen_p > 0 ? p.tc_gen_p : d->params.gen_train.hidden);
    assert_true(isfinite(r->tc_mem_loss) && isfinite(r->tc_gen_skip));
}

/* fig3 with the tests' parameters. */
static void run_fig3(const mg_exp_data *d, int index, mg_exp_fig3_result *r) {
    mg_exp_fig3_params p = fig3_params();
    run_fig3_with(d, index, &p, r);
}

/* fig3 on the mixture: the density columns, the one-sided check against
 * the held-out 95% quantile, and no image fields. */
static void test_fig3_mog(void **state) {
    (void)state;
    const mg_exp_data *d = &g_data[0];
    mg_exp_fig3_result r;
    run_fig3(d, 0, &r);
    assert_int_equal(r.mem_measures.ncols, 13);
    assert_int_equal(r.tc_gen_measures.ncols, 13);
    const double *gm = mg_table_col(&r.gen_measures, "mahalanobis2_nearest"),
                 *tm = mg_table_col(&r.test_measures, "mahalanobis2_nearest"),
                 *mode = mg_table_col(&r.gen_measures, "nearest_mode");
    int64_t in = 0, tin = 0;
    for (int64_t i = 0; i < 16; i++) {
        assert_true(gm[i] >= 0 && (mode[i] == 0 || mode[i] == 1));
        in += gm[i] <= r.test_q95_mahalanobis2;
    }
    for (int64_t i = 0; i < 40; i++) tin += tm[i] <= r.test_q95_mahalanobis2;
    assert_true(tin >= 38); /* a 95% quantile has at least 95% of the rows at or under it */
    assert_true(r.gen_inside_share == (double)in / 16.0);
    assert_true(isnan(r.test_q05_nn_dist) && isnan(r.gen_inside_norm_share));
    assert_null(r.mem_grid.data);
    assert_int_equal(r.grid_samples, 0);
    /* reproducible; another dataset index draws other noise */
    mg_exp_fig3_result r2;
    run_fig3(d, 0, &r2);
    assert_memory_equal(r.gen_samples.data, r2.gen_samples.data, mg_array_nbytes(&r.gen_samples));
    assert_memory_equal(r.tc_mem_samples.data, r2.tc_mem_samples.data, mg_array_nbytes(&r.tc_mem_samples));
    assert_memory_equal(r.tc_gen_samples.data, r2.tc_gen_samples.data, mg_array_nbytes(&r.tc_gen_samples));
    assert_true(r.tc_mem_loss == r2.tc_mem_loss && r.tc_gen_skip == r2.tc_gen_skip);
    mg_exp_fig3_free(&r2);
    /* the time-conditioned runs draw from their own generators: other settings of theirs leave the DDIM runs'
     * bits alone, and change their own samples */
    mg_exp_fig3_params q = fig3_params();
    q.tc_mem_steps = 100;
    q.tc_gen_p = 8;
    q.tc_clamp = 0;
    run_fig3_with(d, 0, &q, &r2);
    assert_memory_equal(r.mem_samples.data, r2.mem_samples.data, mg_array_nbytes(&r.mem_samples));
    assert_memory_equal(r.emp_samples.data, r2.emp_samples.data, mg_array_nbytes(&r.emp_samples));
    assert_memory_equal(r.gen_samples.data, r2.gen_samples.data, mg_array_nbytes(&r.gen_samples));
    assert_true(memcmp(r.tc_mem_samples.data, r2.tc_mem_samples.data, mg_array_nbytes(&r.tc_mem_samples)) != 0);
    assert_true(isnan(r2.tc_clamp_lo) && r2.tc_gen_p == 8);
    mg_exp_fig3_free(&r2);
    run_fig3(d, 1, &r2);
    assert_true(memcmp(r.gen_samples.data, r2.gen_samples.data, mg_array_nbytes(&r.gen_samples)) != 0);
    mg_exp_fig3_free(&r2);
    const mg_exp_data *ds[1] = {d};
    mg_rng rng = mg_rng_fork_named(&g_rng, "fig3");
    mg_exp_env env = env_of(ds, 0, &rng);
    mg_exp_fig3_params p = fig3_params();
    p.samples_per_model = 0;
    assert_int_equal(mg_exp_fig3_run(&p, &env, &r2), MG_ERR_ARG);
    p = fig3_params();
    p.tc_levels = 1;
    assert_int_equal(mg_exp_fig3_run(&p, &env, &r2), MG_ERR_ARG);
    mg_exp_fig3_free(&r);
    mg_exp_fig3_free(&r);
    mg_exp_fig3_free(NULL);
}

/* fig4 on one dataset: W1 as trained, column norms, every best match
 * against all cosines, the counts behind the claims, the spans. */
static void run_fig4(const mg_exp_data *d, mg_exp_fig4_result *r) {
    const mg_exp_data *ds[1] = {d};
    mg_rng rng = mg_rng_fork_named(&g_rng, "fig4");
    mg_exp_env env = env_of(ds, 0, &rng);
    mg_exp_fig4_params p = mg_exp_fig4_defaults();
    tu_assert_ok(mg_exp_fig4_run(&p, &env, r));
    const mg_dae *m = d->mem_set.levels[NSIG / 2];
    int64_t D = d->d, pm = mg_dae_hidden(m), n = d->mem.shape[0];
    assert_int_equal(r->p_mem, pm);
    assert_int_equal(r->W1_mem.shape[0], D);
    assert_int_equal(r->W1_mem.shape[1], pm);
    const float *W = r->W1_mem.data;
    assert_memory_equal(W, mg_dae_w1_const(m), (size_t)(D * pm) * sizeof(float));
    const double *norm = mg_table_col(&r->mem_columns, "norm");
    for (int64_t j = 0; j < pm; j++) {
        double q = 0;
        for (int64_t i = 0; i < D; i++) q += (double)W[i * pm + j] * W[i * pm + j];
        assert_true(fabs(norm[j] - sqrt(q)) <= 1e-6 * (1 + sqrt(q)));
    }
    /* each sample's best column: the largest cosine over every column of W1 */
    mg_mat X = mg_exp_mem(d);
    float *col = malloc((size_t)D * sizeof(float));
    const double *bc = mg_table_col(&r->samples, "best_column"), *bcos = mg_table_col(&r->samples, "cosine");
    for (int64_t i = 0; i < n; i++) {
        double best = -2;
        int64_t arg = -1;
        for (int64_t j = 0; j < pm; j++) {
            for (int64_t k = 0; k < D; k++) col[k] = W[k * pm + j];
            double c = cosine(X.data + i * X.ld, col, D);
            if (c > best) best = c, arg = j;
        }
        assert_true(fabs(bcos[i] - best) <= 1e-5);
        if (fabs(bcos[i] - best) > 1e-9) continue; /* a near tie may pick either column */
        assert_int_equal((int64_t)bc[i], arg);
    }
    free(col);
    int64_t st = 0;
    for (int64_t i = 0; i < n; i++) st += bcos[i] >= 0.95;
    assert_int_equal(r->mem_samples_stored, st);
    assert_true(r->mem_stored_share == (double)st / (double)n);
    assert_true(r->mem_distinct_columns <= st);
    assert_true(r->mem_max_pairwise_cosine >= -1 - 1e-9 && r->mem_max_pairwise_cosine <= 1 + 1e-9);
    assert_true(r->mem_n_lambda == (double)n * r->lambda);
    /* spans: shares of energy, the ranks at most the widths */
    assert_true(r->rank_w1_gen >= 1 && r->rank_w1_gen <= r->p_gen && r->rank_w1_mem <= r->p_mem);
    tu_assert_in_range(r->heldout_energy_span_w1_gen, 0, 1 + 1e-9, "span(W1) share");
    tu_assert_in_range(r->heldout_energy_top_p_pca, 0, 1 + 1e-9, "top-p share");
    tu_assert_in_range(r->heldout_energy_span_w1_mem, 0, 1 + 1e-9, "span(W1 mem) share");
    assert_true(fabs(r->span_ratio - r->heldout_energy_span_w1_gen / r->heldout_energy_top_p_pca) <= 1e-12);
    const double *gc = mg_table_col(&r->gen_columns, "cosine");
    int64_t gs = 0;
    for (int64_t j = 0; j < r->p_gen; j++) gs += gc[j] >= 0.95;
    assert_int_equal(r->gen_columns_storing_a_sample, gs);
}

/* fig4 on the mixture: the block measures of the two modes. */
static void test_fig4_mog(void **state) {
    (void)state;
    mg_exp_fig4_result r;
    run_fig4(&g_data[0], &r);
    assert_int_equal(r.gen_columns.ncols, 7);
    const double *e1 = mg_table_col(&r.gen_columns, "energy_mode0"), *e2 = mg_table_col(&r.gen_columns, "energy_mode1"),
                 *eb = mg_table_col(&r.gen_columns, "energy_best");
    int64_t lean1 = 0;
    for (int64_t j = 0; j < r.p_gen; j++) {
        assert_true(e1[j] >= 0 && e1[j] <= 1 + 1e-9 && e2[j] >= 0 && e2[j] <= 1 + 1e-9);
        assert_true(eb[j] == fmax(e1[j], e2[j]));
        lean1 += e1[j] >= e2[j];
    }
    assert_int_equal(r.columns_mode0, lean1);
    assert_int_equal(r.columns_mode0 + r.columns_mode1, r.p_gen);
    tu_assert_in_range(r.block_median_energy, 0, 1 + 1e-9, "block median");
    assert_true(r.random_energy_share == (double)r.p_gen / 64.0);
    assert_null(r.mem_pairs.data);
    mg_exp_fig4_params p = mg_exp_fig4_defaults();
    p.sigma = 0.3; /* not a level of the grid */
    const mg_exp_data *ds[1] = {&g_data[0]};
    mg_rng rng = mg_rng_fork_named(&g_rng, "fig4");
    mg_exp_env env = env_of(ds, 0, &rng);
    mg_exp_fig4_result bad;
    assert_int_equal(mg_exp_fig4_run(&p, &env, &bad), MG_ERR_ARG);
    mg_exp_fig4_free(&r);
    mg_exp_fig4_free(NULL);
}

/* Both experiments on Fashion-MNIST (skipped when it is not installed): the
 * picture arrays hold what the figures show. */
static void test_images(void **state) {
    (void)state;
    if (g_ndata < 2) skip();
    const mg_exp_data *d = &g_data[1];
    int64_t D = d->d, n = d->mem.shape[0];
    mg_exp_fig3_result r3;
    run_fig3(d, 0, &r3);
    assert_int_equal(r3.mem_measures.ncols, 9);
    assert_true(isnan(r3.test_q95_mahalanobis2) && isfinite(r3.test_q95_nn_dist) && isfinite(r3.gen_inside_norm_share));
    /* 16 samples: two pairs of rows of 8, generations over their nearest training images */
    assert_int_equal(r3.grid_samples, 16);
    assert_int_equal(r3.gen_grid.ndim, 3);
    assert_int_equal(r3.gen_grid.shape[0], 4);
    assert_int_equal(r3.gen_grid.shape[1], 8);
    assert_int_equal(r3.gen_grid.shape[2], D);
    const float *G = r3.gen_grid.data, *S = r3.gen_samples.data;
    const double *nn1 = mg_table_col(&r3.gen_measures, "nn1");
    mg_mat gen = mg_exp_gen(d);
    for (int64_t pr = 0; pr < 2; pr++)
        for (int64_t c = 0; c < 8; c++) {
            int64_t i = pr * 8 + c;
            assert_memory_equal(G + (2 * pr * 8 + c) * D, S + i * D, (size_t)D * sizeof(float));
            assert_memory_equal(G + ((2 * pr + 1) * 8 + c) * D, gen.data + (int64_t)nn1[i] * gen.ld,
                                (size_t)D * sizeof(float));
        }
    assert_memory_equal(r3.mem_train.data, d->mem.data, (size_t)(n * D) * sizeof(float));
    /* the time-conditioned runs' grid, laid out the same way */
    assert_int_equal(r3.tc_gen_grid.shape[0], 4);
    const double *tnn1 = mg_table_col(&r3.tc_gen_measures, "nn1");
    assert_memory_equal((const float *)r3.tc_gen_grid.data + 8 * D, gen.data + (int64_t)tnn1[0] * gen.ld,
                        (size_t)D * sizeof(float));
    /* the auto-contrasted grid: mem, tc_mem, gen, tc_gen samples over their nearest training images up to
     * scale, each image (centred, as the model sees it) clipped to the data range and min-max stretched to
     * [vmin, vmax] */
    assert_int_equal(r3.autocontrast_grid.shape[0], 8);
    assert_int_equal(r3.autocontrast_grid.shape[1], 8);
    const float *A = r3.autocontrast_grid.data;
    float glo = INFINITY, ghi = -INFINITY;
    for (int64_t i = 0; i < gen.rows * gen.cols; i++) glo = fminf(glo, gen.data[i]), ghi = fmaxf(ghi, gen.data[i]);
    const mg_array *rows[4] = {&r3.mem_samples, &r3.tc_mem_samples, &r3.gen_samples, &r3.tc_gen_samples};
    const mg_table *ups[4] = {&r3.mem_upto_scale, &r3.tc_mem_upto_scale, &r3.gen_upto_scale, &r3.tc_gen_upto_scale};
    mg_mat trains[4] = {mg_exp_mem(d), mg_exp_mem(d), gen, gen};
    double *v = malloc((size_t)D * sizeof(double));
    for (int k = 0; k < 4; k++)
        for (int64_t c = 0; c < 8; c++)
            for (int w = 0; w < 2; w++) {
                const float *x = w ? trains[k].data + (int64_t)mg_table_col(ups[k], "unit_nn1")[c] * trains[k].ld
                                   : (const float *)rows[k]->data + c * D;
                double a = INFINITY, b = -INFINITY;
                for (int64_t j = 0; j < D; j++) {
                    v[j] = fmin(fmax((double)x[j], glo), ghi);
                    a = fmin(a, v[j]), b = fmax(b, v[j]);
                }
                const float *g = A + ((2 * k + w) * 8 + c) * D;
                for (int64_t j = 0; j < D; j++)
                    assert_true(fabs(g[j] - (b > a ? d->vmin + (d->vmax - d->vmin) * (v[j] - a) / (b - a) : d->vmin)) <=
                                1e-5);
            }
    free(v);
    mg_exp_fig3_free(&r3);
    mg_exp_fig4_result r4;
    run_fig4(d, &r4);
    assert_int_equal(r4.gen_columns.ncols, 4);
    assert_true(isnan(r4.block_median_energy));
    assert_int_equal(r4.mem_pairs.shape[0], 2);
    assert_int_equal(r4.mem_pairs.shape[1], n);
    const float *P = r4.mem_pairs.data, *X = d->mem.data, *ctr = d->center.data;
    for (int64_t i = 0; i < n * D; i++) assert_true(P[i] == X[i] + (ctr ? ctr[i % D] : 0.0f));
    for (int64_t i = n * D; i < 2 * n * D; i++) assert_true(P[i] >= 0 && P[i] <= 1);
    const float *C = r4.gen_column_images.data;
    for (int64_t i = 0; i < r4.p_gen * D; i++) assert_true(C[i] >= 0 && C[i] <= 1);
    mg_exp_fig4_free(&r4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fig3_mog),
        cmocka_unit_test(test_fig4_mog),
        cmocka_unit_test(test_images),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
