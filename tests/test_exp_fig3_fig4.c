/*
 * Experiments fig3 (sampling with memorizing vs generalizing DAE sets) and
 * fig4 (what the encoder W1 stores) called from C without the report, on
 * the shared datasets built at the smoke report's sizes (the Gaussian
 * mixture; Fashion-MNIST too when installed). Every per-row number is
 * checked against a direct recomputation from the samples, the training
 * rows and the trained weights (distances, norms, cosines, column norms),
 * the summaries against their tables, f_emp's samples are copies, and the
 * runs are reproducible and depend on the dataset's index.
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

/* fig3's parameters in these tests: 16 samples, 40 held-out rows. */
static mg_exp_fig3_params fig3_params(void) {
    mg_exp_fig3_params p = mg_exp_fig3_defaults();
    p.samples_per_model = 16;
    p.heldout_reference_rows = 40;
    return p;
}

/* fig3 on one dataset at position `index` of a run, with every per-row check. */
static void run_fig3(const mg_exp_data *d, int index, mg_exp_fig3_result *r) {
    const mg_exp_data *ds[1] = {d};
    mg_rng rng = mg_rng_fork_named(&g_rng, "fig3");
    mg_exp_env env = env_of(ds, index, &rng);
    mg_exp_fig3_params p = fig3_params();
    tu_assert_ok(mg_exp_fig3_run(&p, &env, r));
    mg_mat mem = mg_exp_mem(d), gen = mg_exp_gen(d), test = mg_exp_test(d);
    test.rows = 40;
    assert_int_equal(r->mem_samples.shape[0], 16);
    assert_int_equal(r->mem_samples.shape[1], d->d);
    check_measures(&r->mem_measures, mg_mat_of_array(&r->mem_samples), mem, &r->mem, p.ratio_threshold);
    check_measures(&r->emp_measures, mg_mat_of_array(&r->emp_samples), mem, &r->emp, p.ratio_threshold);
    check_measures(&r->gen_measures, mg_mat_of_array(&r->gen_samples), gen, &r->gen, p.ratio_threshold);
    check_measures(&r->test_measures, test, gen, &r->test, p.ratio_threshold);
    /* f_emp (Eq. 3) ends every DDIM run on a training row: all copies */
    assert_true(r->emp.memorized == 1.0);
    assert_true(r->emp.mean_cos_max > 0.999);
    assert_true(isnan(r->test.sampling_seconds) && r->gen.sampling_seconds >= 0);
    assert_int_equal(r->sets.nrows, 4);
    assert_true(r->gen_inside_share >= 0 && r->gen_inside_share <= 1);
    assert_true(r->mem_direction_copies >= 0 && r->mem_direction_copies <= 1);
    assert_true(r->logp_sigma == g_sigmas[0]);
}

/* fig3 on the mixture: the density columns, the one-sided check against
 * the held-out 95% quantile, and no image fields. */
static void test_fig3_mog(void **state) {
    (void)state;
    const mg_exp_data *d = &g_data[0];
    mg_exp_fig3_result r;
    run_fig3(d, 0, &r);
    assert_int_equal(r.mem_measures.ncols, 13);
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
    const double *e1 = mg_table_col(&r.gen_columns, "energy_mode1"), *e2 = mg_table_col(&r.gen_columns, "energy_mode2"),
                 *eb = mg_table_col(&r.gen_columns, "energy_best");
    int64_t lean1 = 0;
    for (int64_t j = 0; j < r.p_gen; j++) {
        assert_true(e1[j] >= 0 && e1[j] <= 1 + 1e-9 && e2[j] >= 0 && e2[j] <= 1 + 1e-9);
        assert_true(eb[j] == fmax(e1[j], e2[j]));
        lean1 += e1[j] >= e2[j];
    }
    assert_int_equal(r.columns_mode1, lean1);
    assert_int_equal(r.columns_mode1 + r.columns_mode2, r.p_gen);
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
