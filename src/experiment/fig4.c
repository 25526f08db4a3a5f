/*
 * Experiment fig4 (memgen/experiment/fig4.h; paper Fig. 4, Cor. 3.2-3.3):
 * the columns of the encoder W1 of the memorizing and the generalizing DAE
 * at sigma = 0.2, matched with the training samples by cosine similarity,
 * the share of held-out energy their span holds against the training set's
 * top-p principal subspace, and for the two-mode mixture each generalizing
 * column's energy inside each mode's top-p eigen-subspace (Thm. 3.1's
 * blocks).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/dae.h"
#include "memgen/experiment/fig4.h"
#include "memgen/neighbors.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig4_params, sigma, MG_FIELD_F64, "noise level of the DAEs read"),
    MG_FIELD(mg_exp_fig4_params, store_cosine, MG_FIELD_F64, "a column stores a sample at cosine >= this"),
    MG_FIELD(mg_exp_fig4_params, pca_rows_cap, MG_FIELD_I64, "training rows per principal subspace (per mode)"),
};

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_fig4_result, p_mem, MG_FIELD_I64, "hidden units of the memorizing DAE"),
    MG_FIELD(mg_exp_fig4_result, p_gen, MG_FIELD_I64, "hidden units of the generalizing DAE"),
    MG_FIELD(mg_exp_fig4_result, mem_samples, MG_FIELD_I64, "memorizing training samples n"),
    MG_FIELD(mg_exp_fig4_result, mem_samples_stored, MG_FIELD_I64, "samples with a column at cosine >= store_cosine"),
    MG_FIELD(mg_exp_fig4_result, mem_stored_share, MG_FIELD_F64, "share of the samples stored"),
    MG_FIELD(mg_exp_fig4_result, mem_distinct_columns, MG_FIELD_I64, "distinct columns holding the stored samples"),
    MG_FIELD(mg_exp_fig4_result, mem_stored_distinct_share, MG_FIELD_F64,
             "share of the samples stored each in a column of its own"),
    MG_FIELD(mg_exp_fig4_result, mem_min_best_cosine, MG_FIELD_F64, "smallest best cosine of a sample to a column"),
    MG_FIELD(mg_exp_fig4_result, mem_max_pairwise_cosine, MG_FIELD_F64, "largest cosine between two samples"),
    MG_FIELD(mg_exp_fig4_result, lambda, MG_FIELD_F64, "Eq. 6 lambda of the memorizing training"),
    MG_FIELD(mg_exp_fig4_result, mem_n_lambda, MG_FIELD_F64, "n lambda"),
    MG_FIELD(mg_exp_fig4_result, mem_min_sqnorm, MG_FIELD_F64, "smallest squared norm of a sample"),
    MG_FIELD(mg_exp_fig4_result, gen_columns_storing_a_sample, MG_FIELD_I64,
             "generalizing columns at cosine >= store_cosine with a training sample"),
    MG_FIELD(mg_exp_fig4_result, gen_max_column_sample_cosine, MG_FIELD_F64,
             "largest cosine of a generalizing column to a training sample"),
    MG_FIELD(mg_exp_fig4_result, sample_pc1_median_cosine, MG_FIELD_F64,
             "median |cosine| of a training row with the data's leading principal direction"),
    MG_FIELD(mg_exp_fig4_result, heldout_energy_span_w1_gen, MG_FIELD_F64,
             "held-out energy share inside span(W1), generalizing"),
    MG_FIELD(mg_exp_fig4_result, heldout_energy_top_p_pca, MG_FIELD_F64,
             "held-out energy share inside the top-p principal subspace"),
    MG_FIELD(mg_exp_fig4_result, heldout_energy_span_w1_mem, MG_FIELD_F64,
             "held-out energy share inside span(W1), memorizing"),
    MG_FIELD(mg_exp_fig4_result, span_ratio, MG_FIELD_F64, "span(W1) share / top-p share"),
    MG_FIELD(mg_exp_fig4_result, rank_w1_gen, MG_FIELD_I64, "dimension of span(W1), generalizing"),
    MG_FIELD(mg_exp_fig4_result, rank_w1_mem, MG_FIELD_I64, "dimension of span(W1), memorizing"),
    MG_FIELD(mg_exp_fig4_result, block_median_energy, MG_FIELD_F64, "MoG: median best-mode energy share of a column"),
    MG_FIELD(mg_exp_fig4_result, random_energy_share, MG_FIELD_F64, "the share of a random direction, p_gen / d"),
    MG_FIELD(mg_exp_fig4_result, columns_mode0, MG_FIELD_I64, "MoG: generalizing columns leaning to mode 0"),
    MG_FIELD(mg_exp_fig4_result, columns_mode1, MG_FIELD_I64, "MoG: generalizing columns leaning to mode 1"),
    MG_FIELD(mg_exp_fig4_result, W1_mem, MG_FIELD_ARRAY, "memorizing encoder (d x p_mem)"),
    MG_FIELD(mg_exp_fig4_result, W1_gen, MG_FIELD_ARRAY, "generalizing encoder (d x p_gen)"),
    MG_FIELD(mg_exp_fig4_result, samples, MG_FIELD_TABLE, "best column and cosine of each memorizing sample"),
    MG_FIELD(mg_exp_fig4_result, mem_columns, MG_FIELD_TABLE, "norm, best sample and cosine of each memorizing column"),
    MG_FIELD(mg_exp_fig4_result, gen_columns, MG_FIELD_TABLE,
             "the same per generalizing column, with the mode energy shares for the MoG"),
    MG_FIELD(mg_exp_fig4_result, mem_pairs, MG_FIELD_ARRAY, "images: training images over their best columns (2 x n x d)"),
    MG_FIELD(mg_exp_fig4_result, mem_column_images, MG_FIELD_ARRAY, "images: memorizing columns scaled to [0, 1]"),
    MG_FIELD(mg_exp_fig4_result, gen_column_images, MG_FIELD_ARRAY, "images: generalizing columns scaled to [0, 1]"),
};

/* Library defaults. */
mg_exp_fig4_params mg_exp_fig4_defaults(void) {
    mg_exp_fig4_params p = {0.2, 0.95, 2000};
    return p;
}

/* Frees a result. */
void mg_exp_fig4_free(mg_exp_fig4_result *r) {
    if (!r) return;
    mg_table_free(&r->samples);
    mg_table_free(&r->mem_columns);
    mg_table_free(&r->gen_columns);
    mg_array_free(&r->W1_mem);
    mg_array_free(&r->W1_gen);
    mg_array_free(&r->mem_pairs);
    mg_array_free(&r->mem_column_images);
    mg_array_free(&r->gen_column_images);
    memset(r, 0, sizeof *r);
}

/* Squared norm of a float row in double. */
static double sqnorm(const float *x, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += (double)x[j] * x[j];
    return s;
}

/* Energy of row x inside span(U), U (d x q, orthonormal columns, row-major):
 * sum_j (x . u_j)^2. */
static double energy_in(const float *x, const double *U, int64_t d, int64_t q) {
    double e = 0;
    for (int64_t j = 0; j < q; j++) {
        double t = 0;
        for (int64_t i = 0; i < d; i++) t += (double)x[i] * U[i * q + j];
        e += t * t;
    }
    return e;
}

/* Share of the total energy of the rows of X inside span(U). */
static double energy_share(mg_mat X, const double *U, int64_t q) {
    double in = 0, tot = 0;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        in += energy_in(x, U, X.cols, q);
        tot += sqnorm(x, X.cols);
    }
    return tot > 0 ? in / tot : 0.0;
}

/* The columns of a DAE's W1 as rows (*C, p x d owned) and its W1 (*W, d x p
 * owned); the column norms go to the table column `norm`. */
static mg_status columns(const mg_dae *m, mg_array *C, mg_array *W, double *norm) {
    int64_t p = mg_dae_hidden(m), d = mg_dae_dim(m), sc[2] = {p, d}, sw[2] = {d, p};
    MG_TRY(mg_array_alloc(C, MG_F32, 2, sc));
    MG_TRY(mg_array_alloc(W, MG_F32, 2, sw));
    mg_dae_columns(m, C->data, norm);
    memcpy(W->data, mg_dae_w1_const(m), (size_t)(d * p) * sizeof(float));
    return MG_OK;
}

/* A table of n rows named `name` with the columns listed, column 0 = the row
 * index. */
static mg_status index_table(mg_table *t, const char *name, int64_t n, const char *cols) {
    MG_TRY(mg_table_init(t, name, n, cols));
    for (int64_t i = 0; i < n; i++) t->cols[0].num[i] = (double)i;
    return MG_OK;
}

/* Best match by cosine of each row of Q among the rows of R into the table
 * columns idx (as doubles) and cos. */
static mg_status best_match(mg_mat Q, mg_mat R, int exclude_self, double *idx, double *cos) {
    int64_t *k = mg_alloc((size_t)(Q.rows > 0 ? Q.rows : 1), sizeof(int64_t));
    if (!k) return mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    mg_status s = mg_max_cosine(Q, R, exclude_self, k, cos);
    for (int64_t i = 0; i < Q.rows && s == MG_OK && idx; i++) idx[i] = (double)k[i];
    free(k);
    return s;
}

/* Block structure of the generalizing columns Cg (the two-mode MoG): each
 * column's energy share inside the top-p eigen-subspace of each mode's
 * (uncentred) scatter matrix, from at most cap rows per mode, into the
 * table columns energy_mode0/1 and energy_best; their median. */
static mg_status blocks(const mg_exp_data *d, mg_mat Cg, int64_t cap, mg_exp_fig4_result *r) {
    int K = d->nclasses;
    int64_t p = Cg.rows, D = d->d;
    mg_mat gen = mg_exp_gen(d);
    if (K != 2) return mg_fail(MG_ERR_ARG, "fig4: the block measures expect the report's two-mode mixture (K = %d)", K);
    int c[3];
    MG_TRY(mg_table_add(&r->gen_columns, "energy_mode0", MG_COL_F64, &c[0]));
    MG_TRY(mg_table_add(&r->gen_columns, "energy_mode1", MG_COL_F64, &c[1]));
    MG_TRY(mg_table_add(&r->gen_columns, "energy_best", MG_COL_F64, &c[2]));
    double *best = r->gen_columns.cols[c[2]].num;
    int64_t *rows = mg_alloc((size_t)gen.rows, sizeof(int64_t));
    mg_status s = rows ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    for (int k = 0; k < K && s == MG_OK; k++) {
        double *ek = r->gen_columns.cols[c[k]].num;
        int64_t nr = 0;
        for (int64_t i = 0; i < gen.rows && nr < cap; i++)
            if (d->gen_labels[i] == k) rows[nr++] = i;
        mg_scatter_eig e;
        memset(&e, 0, sizeof e);
        s = mg_scatter_eig_top(gen, rows, nr, p, 1, &e);
        for (int64_t j = 0; j < p && s == MG_OK; j++) {
            const float *w = Cg.data + j * D;
            double n2 = sqnorm(w, D);
            ek[j] = n2 > 0 ? energy_in(w, e.evecs, D, e.q) / n2 : 0.0;
            if (ek[j] > best[j]) best[j] = ek[j];
        }
        mg_scatter_eig_free(&e);
    }
    free(rows);
    mg_summary sm;
    if (s == MG_OK) s = mg_summarize(best, p, &sm);
    if (s == MG_OK) {
        const double *e1 = r->gen_columns.cols[c[0]].num, *e2 = r->gen_columns.cols[c[1]].num;
        r->block_median_energy = sm.median;
        for (int64_t j = 0; j < p; j++) r->columns_mode0 += e1[j] >= e2[j];
        r->columns_mode1 = p - r->columns_mode0;
    }
    return s;
}

/* Median over the rows of X of |cos(x_i, u_1)|, u_1 the leading eigenvector
 * of e (NaN when e holds none). */
static mg_status pc1_median_cosine(mg_mat X, const mg_scatter_eig *e, double *out) {
    *out = NAN;
    if (e->q < 1 || X.rows < 1) return MG_OK;
    double *c = mg_alloc((size_t)X.rows, sizeof(double));
    if (!c) return mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double dot = 0, n2 = 0;
        for (int64_t j = 0; j < X.cols; j++) dot += x[j] * e->evecs[j * e->q], n2 += (double)x[j] * x[j];
        c[i] = n2 > 0 ? fabs(dot) / sqrt(n2) : 0.0;
    }
    mg_summary sm;
    mg_status s = mg_summarize(c, X.rows, &sm);
    if (s == MG_OK) *out = sm.median;
    free(c);
    return s;
}

/* Held-out energy in span(W1) of both models vs the training set's top-p
 * principal subspace (from at most cap rows). */
static mg_status spans(const mg_exp_data *d, mg_mat Cm, mg_mat Cg, int64_t cap, mg_exp_fig4_result *r) {
    mg_scatter_eig eg, ep, em;
    memset(&eg, 0, sizeof eg), memset(&ep, 0, sizeof ep), memset(&em, 0, sizeof em);
    mg_mat sub = mg_exp_gen(d), test = mg_exp_test(d);
    if (sub.rows > cap) sub.rows = cap;
    mg_status s = mg_scatter_eig_top(Cg, NULL, 0, Cg.rows, 1, &eg);
    if (s == MG_OK) s = mg_scatter_eig_top(Cm, NULL, 0, Cm.rows, 1, &em);
    if (s == MG_OK) s = mg_scatter_eig_top(sub, NULL, 0, Cg.rows, 1, &ep);
    if (s == MG_OK) {
        r->rank_w1_gen = eg.q;
        r->rank_w1_mem = em.q;
        r->heldout_energy_span_w1_gen = energy_share(test, eg.evecs, eg.q);
        r->heldout_energy_span_w1_mem = energy_share(test, em.evecs, em.q);
        r->heldout_energy_top_p_pca = energy_share(test, ep.evecs, ep.q);
        r->span_ratio =
            r->heldout_energy_top_p_pca > 0 ? r->heldout_energy_span_w1_gen / r->heldout_energy_top_p_pca : 0;
        s = pc1_median_cosine(sub, &ep, &r->sample_pc1_median_cosine);
    }
    mg_scatter_eig_free(&eg), mg_scatter_eig_free(&ep), mg_scatter_eig_free(&em);
    return s;
}

/* The counts behind the claims: stored samples (and their distinct
 * columns), the smallest best cosine, generalizing columns that store a
 * sample, and Cor. 3.2's assumptions on the memorizing set (largest pairwise
 * cosine, n lambda vs min |x_i|^2). */
static mg_status counts(const mg_exp_fig4_params *p, const mg_exp_data *d, mg_exp_fig4_result *r) {
    mg_mat mem = mg_exp_mem(d);
    int64_t n = mem.rows, pg = r->p_gen;
    const double *s_col = r->samples.cols[1].num, *s_cos = r->samples.cols[2].num, *cg_cos = r->gen_columns.cols[3].num;
    r->mem_samples = n;
    r->mem_min_best_cosine = 2;
    for (int64_t i = 0; i < n; i++) {
        r->mem_samples_stored += s_cos[i] >= p->store_cosine;
        if (s_cos[i] < r->mem_min_best_cosine) r->mem_min_best_cosine = s_cos[i];
        int first = 1;
        for (int64_t k = 0; k < i; k++) first &= s_col[k] != s_col[i];
        r->mem_distinct_columns += first && s_cos[i] >= p->store_cosine;
    }
    r->mem_stored_share = (double)r->mem_samples_stored / (double)n;
    r->mem_stored_distinct_share = (double)r->mem_distinct_columns / (double)n;
    r->gen_max_column_sample_cosine = -2;
    for (int64_t j = 0; j < pg; j++) {
        r->gen_columns_storing_a_sample += cg_cos[j] >= p->store_cosine;
        if (cg_cos[j] > r->gen_max_column_sample_cosine) r->gen_max_column_sample_cosine = cg_cos[j];
    }
    double *nc = mg_alloc((size_t)n, sizeof(double));
    mg_status s = nc ? best_match(mem, mem, 1, NULL, nc) : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    r->mem_max_pairwise_cosine = -2;
    r->mem_min_sqnorm = INFINITY;
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        r->mem_max_pairwise_cosine = nc[i] > r->mem_max_pairwise_cosine ? nc[i] : r->mem_max_pairwise_cosine;
        double q = sqnorm(mem.data + i * mem.ld, d->d);
        r->mem_min_sqnorm = q < r->mem_min_sqnorm ? q : r->mem_min_sqnorm;
    }
    free(nc);
    r->lambda = mg_train_effective_lambda(&d->params.mem_train, d->d);
    r->mem_n_lambda = (double)n * r->lambda;
    return s;
}

/* Copies each row of C (p x d) into out scaled to [0, 1] by its own min and
 * max (a constant row becomes 0.5): per-column normalisation for display. */
static void normalise_rows(mg_mat C, float *out) {
    for (int64_t j = 0; j < C.rows; j++) {
        const float *c = C.data + j * C.ld;
        float lo = c[0], hi = c[0];
        for (int64_t i = 1; i < C.cols; i++) lo = c[i] < lo ? c[i] : lo, hi = c[i] > hi ? c[i] : hi;
        for (int64_t i = 0; i < C.cols; i++) out[j * C.cols + i] = hi > lo ? (c[i] - lo) / (hi - lo) : 0.5f;
    }
}

/* The pictures of an image dataset: the training images (uncentred) over
 * their best memorizing columns, and every column of both models, each
 * scaled to [0, 1]. */
static mg_status pictures(const mg_exp_data *d, mg_mat Cm, mg_mat Cg, mg_exp_fig4_result *r) {
    mg_mat mem = mg_exp_mem(d);
    int64_t n = mem.rows, D = d->d, sp[3] = {2, n, D}, sm[2] = {Cm.rows, D}, sg[2] = {Cg.rows, D};
    MG_TRY(mg_array_alloc(&r->mem_column_images, MG_F32, 2, sm));
    MG_TRY(mg_array_alloc(&r->gen_column_images, MG_F32, 2, sg));
    MG_TRY(mg_array_alloc(&r->mem_pairs, MG_F32, 3, sp));
    float *nm = r->mem_column_images.data, *pair = r->mem_pairs.data;
    const float *ctr = d->center.data;
    const double *s_col = r->samples.cols[1].num;
    normalise_rows(Cm, nm);
    normalise_rows(Cg, r->gen_column_images.data);
    for (int64_t i = 0; i < n; i++) {
        float *top = pair + i * D;
        memcpy(top, mem.data + i * mem.ld, (size_t)D * sizeof(float));
        for (int64_t j = 0; ctr && j < D; j++) top[j] += ctr[j];
        memcpy(pair + (n + i) * D, nm + (int64_t)s_col[i] * D, (size_t)D * sizeof(float));
    }
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig4_run(const mg_exp_fig4_params *p, const mg_exp_env *env, mg_exp_fig4_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig4, env));
    if (!(p->sigma > 0) || p->pca_rows_cap < 1) return mg_fail(MG_ERR_ARG, "fig4: need sigma > 0 and pca_rows_cap >= 1");
    const mg_exp_data *d = env->data[0];
    int lm, lg;
    MG_TRY(mg_exp_level(&d->mem_set, p->sigma, &lm));
    MG_TRY(mg_exp_level(&d->gen_set, p->sigma, &lg));
    const mg_dae *mem = d->mem_set.levels[lm], *gen = d->gen_set.levels[lg];
    mg_mat X = mg_exp_mem(d);
    int64_t n = X.rows, pm = mg_dae_hidden(mem), pg = mg_dae_hidden(gen);
    r->p_mem = pm;
    r->p_gen = pg;
    r->block_median_energy = NAN;
    r->random_energy_share = (double)pg / (double)d->d;
    mg_array am = {0}, ag = {0};
    mg_status s = index_table(&r->samples, "mem_samples", n, "sample,best_column,cosine");
    if (s == MG_OK) s = index_table(&r->mem_columns, "mem_columns", pm, "column,norm,best_sample,cosine");
    if (s == MG_OK) s = index_table(&r->gen_columns, "gen_columns", pg, "column,norm,best_sample,cosine");
    if (s == MG_OK) s = columns(mem, &am, &r->W1_mem, r->mem_columns.cols[1].num);
    if (s == MG_OK) s = columns(gen, &ag, &r->W1_gen, r->gen_columns.cols[1].num);
    mg_mat Cm = mg_mat_of_array(&am), Cg = mg_mat_of_array(&ag);
    mg_exp_progress(env, "matching samples and columns", 0.1);
    if (s == MG_OK) s = best_match(X, Cm, 0, r->samples.cols[1].num, r->samples.cols[2].num);
    if (s == MG_OK) s = best_match(Cm, X, 0, r->mem_columns.cols[2].num, r->mem_columns.cols[3].num);
    if (s == MG_OK) s = best_match(Cg, mg_exp_gen(d), 0, r->gen_columns.cols[2].num, r->gen_columns.cols[3].num);
    mg_exp_progress(env, "principal subspaces", 0.3);
    if (s == MG_OK) s = spans(d, Cm, Cg, p->pca_rows_cap, r);
    mg_exp_progress(env, "mode subspaces", 0.6);
    if (s == MG_OK && d->has_mog) s = blocks(d, Cg, p->pca_rows_cap, r);
    if (s == MG_OK && d->img_h > 0) s = pictures(d, Cm, Cg, r);
    if (s == MG_OK) s = counts(p, d, r);
    mg_array_free(&am);
    mg_array_free(&ag);
    if (s != MG_OK) mg_exp_fig4_free(r);
    return s;
}

MG_EXP_DEFINE(fig4, mg_exp_fig4_params, mg_exp_fig4_result, "What the encoder W1 stores",
              "Fig. 4, Cor. 3.2-3.3", MG_EXP_EACH_DATASET);
