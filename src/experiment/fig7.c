/*
 * Experiment fig7 (memgen/experiment/fig7.h; paper Fig. 7, Cor. 3.4): the
 * hybrid regime under duplication. Builds the hybrid training set, trains a
 * DAE on it, builds Cor. 3.4's closed form on the same rows (the partition
 * of partition.h: classes / modes, each group of copies a rank-1 cluster),
 * matches every column of each W1 against the duplicated points and the
 * other rows, compares the learned and the closed-form blocks, and on a
 * mixture trains again from the closed form.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/compare.h"
#include "memgen/data.h"
#include "memgen/experiment/fig7.h"
#include "memgen/neighbors.h"
#include "memgen/partition.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

#define NDUP MG_EXP_FIG7_NDUP

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig7_params, sigma, MG_FIELD_F64, "noise level of the trainings and of the losses"),
    MG_FIELD(mg_exp_fig7_params, times, MG_FIELD_I64, "copies of each duplicated point"),
    MG_FIELD(mg_exp_fig7_params, steps_mog, MG_FIELD_I64, "training steps from scratch, mixture"),
    MG_FIELD(mg_exp_fig7_params, steps_fmnist, MG_FIELD_I64, "training steps from scratch, images"),
    MG_FIELD(mg_exp_fig7_params, warm_steps, MG_FIELD_I64, "training steps from the closed form (mixture)"),
    MG_FIELD(mg_exp_fig7_params, lr, MG_FIELD_F64, "Adam learning rate (a tenth from the closed form)"),
    MG_FIELD(mg_exp_fig7_params, weight_decay, MG_FIELD_F64, "coupled weight decay"),
    MG_FIELD(mg_exp_fig7_params, batch, MG_FIELD_I64, "shuffled minibatch rows"),
    MG_FIELD(mg_exp_fig7_params, mem_cos, MG_FIELD_F64, "a column copies a row at cosine >= mem_cos"),
    MG_FIELD(mg_exp_fig7_params, share_cos, MG_FIELD_F64, "a column helps store a duplicated point at cosine >= share_cos"),
    MG_FIELD(mg_exp_fig7_params, lead, MG_FIELD_I64, "leading directions compared per block"),
};

/* The fields of one model, under the prefix P ("trained", ...). */
#define MODEL_FIELDS(m)                                                                                                \
    MG_FIELD_AS(mg_exp_fig7_result, m.have, #m ".have", MG_FIELD_BOOL, "1: this model was run"),                       \
        MG_FIELD_AS(mg_exp_fig7_result, m.p, #m ".p", MG_FIELD_I64, "columns of W1"),                                  \
        MG_FIELD_AS(mg_exp_fig7_result, m.memorizing_columns, #m ".memorizing_columns", MG_FIELD_I64,                  \
                    "columns copying a duplicated point"),                                                             \
        MG_FIELD_AS(mg_exp_fig7_result, m.generalizing_columns, #m ".generalizing_columns", MG_FIELD_I64,              \
                    "columns matching no single row"),                                                                 \
        MG_FIELD_AS(mg_exp_fig7_result, m.columns_copying_other_sample, #m ".columns_copying_other_sample",            \
                    MG_FIELD_I64, "columns copying one non-duplicated row"),                                           \
        MG_FIELD_AS(mg_exp_fig7_result, m.max_nonmem_row_cos, #m ".max_nonmem_row_cos", MG_FIELD_F64,                  \
                    "largest cosine of a non-memorizing column to a row"),                                             \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_cos[0], #m ".best_dup_cos_1", MG_FIELD_F64,                         \
                    "largest cosine of a column to duplicated point 1"),                                               \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_cos[1], #m ".best_dup_cos_2", MG_FIELD_F64, "... point 2"),         \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_cos[2], #m ".best_dup_cos_3", MG_FIELD_F64, "... point 3"),         \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_col[0], #m ".best_dup_col_1", MG_FIELD_I64, "that column, point 1"), \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_col[1], #m ".best_dup_col_2", MG_FIELD_I64, "... point 2"),         \
        MG_FIELD_AS(mg_exp_fig7_result, m.best_dup_col[2], #m ".best_dup_col_3", MG_FIELD_I64, "... point 3"),         \
        MG_FIELD_AS(mg_exp_fig7_result, m.columns_per_dup[0], #m ".columns_per_dup_1", MG_FIELD_I64,                   \
                    "columns sharing duplicated point 1"),                                                             \
        MG_FIELD_AS(mg_exp_fig7_result, m.columns_per_dup[1], #m ".columns_per_dup_2", MG_FIELD_I64, "... point 2"),   \
        MG_FIELD_AS(mg_exp_fig7_result, m.columns_per_dup[2], #m ".columns_per_dup_3", MG_FIELD_I64, "... point 3"),   \
        MG_FIELD_AS(mg_exp_fig7_result, m.min_dup_cos, #m ".min_dup_cos", MG_FIELD_F64, "smallest best_dup_cos"),      \
        MG_FIELD_AS(mg_exp_fig7_result, m.loss, #m ".loss", MG_FIELD_F64, "Monte Carlo data loss"),                    \
        MG_FIELD_AS(mg_exp_fig7_result, m.train_seconds, #m ".train_seconds", MG_FIELD_F64, "training wall time")
_Static_assert(NDUP == 3, "MODEL_FIELDS lists three duplicated points");

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_fig7_result, base_rows, MG_FIELD_I64, "generalizing rows the hybrid set starts from"),
    MG_FIELD(mg_exp_fig7_result, rows, MG_FIELD_I64, "rows of the hybrid training set"),
    MG_FIELD(mg_exp_fig7_result, duplicated, MG_FIELD_I64, "distinct duplicated points"),
    MG_FIELD(mg_exp_fig7_result, copies, MG_FIELD_I64, "copies of each"),
    MG_FIELD(mg_exp_fig7_result, injected, MG_FIELD_BOOL, "1: injected points, 0: picked rows"),
    MG_FIELD(mg_exp_fig7_result, hidden, MG_FIELD_I64, "width of the DAEs"),
    MG_FIELD(mg_exp_fig7_result, steps, MG_FIELD_I64, "training steps from scratch"),
    MG_FIELD(mg_exp_fig7_result, lambda, MG_FIELD_F64, "Eq. 6 lambda of the training and the closed form"),
    MG_FIELD(mg_exp_fig7_result, clusters, MG_FIELD_I64, "clusters of the closed form"),
    MG_FIELD(mg_exp_fig7_result, base_clusters, MG_FIELD_I64, "of those, classes / modes"),
    MG_FIELD(mg_exp_fig7_result, rank1_clusters, MG_FIELD_I64, "memorised (rank-1) clusters"),
    MG_FIELD(mg_exp_fig7_result, predicted_loss_closed_form, MG_FIELD_F64, "Theorem 3.1's training data term"),
    MG_FIELD(mg_exp_fig7_result, separability_alpha, MG_FIELD_F64, "Definition 3.1's alpha"),
    MG_FIELD(mg_exp_fig7_result, separability_beta, MG_FIELD_F64, "Definition 3.1's beta"),
    MG_FIELD(mg_exp_fig7_result, mask_violations, MG_FIELD_I64, "rows where the closed form's masks fail"),
    MG_FIELD(mg_exp_fig7_result, has_note, MG_FIELD_BOOL, "1: the construction left a note"),
    MG_FIELD(mg_exp_fig7_result, construction_note, MG_FIELD_TEXT, "the construction's note"),
    MODEL_FIELDS(trained),
    MODEL_FIELDS(construction),
    MODEL_FIELDS(from_closed_form),
    MG_FIELD(mg_exp_fig7_result, columns_trained, MG_FIELD_TABLE, "columns of W1 trained from scratch"),
    MG_FIELD(mg_exp_fig7_result, columns_construction, MG_FIELD_TABLE, "columns of the closed form"),
    MG_FIELD(mg_exp_fig7_result, columns_from_closed_form, MG_FIELD_TABLE, "columns of W1 trained from the closed form"),
    MG_FIELD(mg_exp_fig7_result, models, MG_FIELD_TABLE, "column counts and losses per model"),
    MG_FIELD(mg_exp_fig7_result, duplicated_matches, MG_FIELD_TABLE, "best column per duplicated point and model"),
    MG_FIELD(mg_exp_fig7_result, block_angles, MG_FIELD_TABLE, "principal angles, learned vs closed-form blocks"),
    MG_FIELD(mg_exp_fig7_result, W1_trained, MG_FIELD_ARRAY, "W1 trained from scratch (d x p)"),
    MG_FIELD(mg_exp_fig7_result, W_closed_form, MG_FIELD_ARRAY, "the closed form's W (d x p)"),
    MG_FIELD(mg_exp_fig7_result, duplicated_points, MG_FIELD_ARRAY, "the duplicated points (NDUP x d)"),
    MG_FIELD(mg_exp_fig7_result, column_grid, MG_FIELD_ARRAY, "images: duplicated points and columns, for viewing"),
    MG_FIELD(mg_exp_fig7_result, grid_other, MG_FIELD_I64, "other columns in column_grid"),
};

/* Library defaults (the quick report's). */
mg_exp_fig7_params mg_exp_fig7_defaults(void) {
    mg_exp_fig7_params p = {0.2, 300, 3000, 3000, 1000, 3e-3, 1e-4, 128, 0.95, 0.5, 5};
    return p;
}

/* Frees a result. */
void mg_exp_fig7_free(mg_exp_fig7_result *r) {
    if (!r) return;
    mg_table_free(&r->columns_trained);
    mg_table_free(&r->columns_construction);
    mg_table_free(&r->columns_from_closed_form);
    mg_table_free(&r->models);
    mg_table_free(&r->duplicated_matches);
    mg_table_free(&r->block_angles);
    mg_array_free(&r->W1_trained);
    mg_array_free(&r->W_closed_form);
    mg_array_free(&r->duplicated_points);
    mg_array_free(&r->column_grid);
    memset(r, 0, sizeof *r);
}

/* The hybrid training set and its partition. */
typedef struct {
    mg_dup_result dup;     /* rows: the generalizing rows, then the duplicated points' copies */
    float *U;              /* NDUP x d: the distinct duplicated points (owned by the result's array) */
    float *R;              /* nr x d: the non-duplicated rows */
    int64_t nr;
    mg_partition part;     /* the classes / modes, then each duplicated group its own cluster */
    mg_train_params tp;    /* training from scratch */
} hybrid;

/* Frees the hybrid set (not U, which the result owns). */
static void hybrid_free(hybrid *h) {
    mg_dup_result_free(&h->dup);
    free(h->R);
    mg_partition_free(&h->part);
}

/* The hybrid set's rows as a matrix. */
static mg_mat hybrid_rows(const hybrid *h) { return mg_mat_of_array(&h->dup.X); }

/* Builds the hybrid training set: the dataset's generalizing rows plus NDUP
 * points repeated p->times times (injected for a mixture, picked for
 * images), and Cor. 3.4's partition of it. */
static mg_status make_data(const mg_exp_fig7_params *p, const mg_exp_env *env, hybrid *h, mg_exp_fig7_result *r) {
    const mg_exp_data *d = env->data[0];
    mg_mat gen = mg_exp_gen(d);
    int64_t D = d->d;
    mg_dup_spec ds = {NDUP, p->times, d->has_mog, 0.0, 0.0};
    mg_rng rng = mg_rng_fork(env->rng, (uint64_t)(10 * env->index));
    MG_TRY(mg_data_duplicate(gen, d->gen_labels, &ds, &rng, &h->dup));
    int64_t n = h->dup.X.shape[0], u = 0, shape[2] = {NDUP, D};
    MG_TRY(mg_array_alloc(&r->duplicated_points, MG_F32, 2, shape));
    h->U = r->duplicated_points.data;
    h->R = mg_alloc((size_t)(n * D), sizeof(float));
    if (!h->R) return mg_fail(MG_ERR_NOMEM, "fig7: out of memory");
    for (int64_t i = 0; i < n; i++) {
        const float *x = (const float *)h->dup.X.data + i * D;
        if (h->dup.group[i] == i && u < NDUP) memcpy(h->U + (u++) * D, x, (size_t)D * sizeof(float));
        else if (h->dup.group[i] < 0) memcpy(h->R + (h->nr++) * D, x, (size_t)D * sizeof(float));
    }
    if (u != NDUP) return mg_fail(MG_ERR_NUMERIC, "fig7: found %lld duplicated points, expected %d", (long long)u, NDUP);
    /* Cor. 3.4: the classes / components (injected points carry label -1), each duplicated group a rank-1 cluster */
    mg_array labels = {MG_I64, 1, {n}, h->dup.labels}; /* a view, not owned */
    mg_partition_params pp = mg_partition_params_default();
    pp.mode = MG_PARTITION_BLOCKS;
    pp.labels = h->dup.labels ? &labels : NULL;
    pp.labels_name = "fig7: class labels";
    pp.duplicates = 2;
    pp.dup_dist = 1e-6;
    MG_TRY(mg_partition_make(hybrid_rows(h), &pp, NULL, &h->part));
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = d->params.gen_train.hidden + NDUP;
    tp.sigma = p->sigma;
    tp.optim = MG_OPTIM_ADAM;
    tp.lr = p->lr;
    tp.weight_decay = p->weight_decay;
    tp.batch = p->batch;
    tp.batch_mode = MG_BATCH_SHUFFLE;
    tp.steps = d->has_mog ? p->steps_mog : p->steps_fmnist;
    h->tp = tp;
    return MG_OK;
}

/* The columns' CSV header (the last column's name says what its codes mean). */
#define COLUMNS_HEADER                                                                                              \
    "column,norm,best_duplicated_point,cos_duplicated,best_other_row,cos_other_row,"                                \
    "kind(1 memorizing 2 matches_one_sample 0 generalizing -1 zero)"

/* Matches every column of the model's W1 against the duplicated points and
 * the non-duplicated rows, and each duplicated point against the columns:
 * the model's summary c and its per-column table t named `name`. */
static mg_status analyse(const mg_exp_fig7_params *p, const hybrid *h, const mg_dae *m, const char *name,
                         mg_exp_fig7_model *c, mg_table *t) {
    int64_t D = h->dup.X.shape[1], P = mg_dae_hidden(m);
    c->p = P;
    float *C = mg_alloc((size_t)(P * D), sizeof(float));            /* P x D: the columns as rows */
    double *norm = mg_alloc((size_t)P, sizeof(double));
    int64_t *dup_idx = mg_alloc((size_t)P, sizeof(int64_t)), *row_idx = mg_alloc((size_t)P, sizeof(int64_t));
    double *dup_cos = mg_alloc((size_t)P, sizeof(double)), *row_cos = mg_alloc((size_t)P, sizeof(double));
    mg_status s = C && norm && dup_idx && row_idx && dup_cos && row_cos ? MG_OK
                                                                       : mg_fail(MG_ERR_NOMEM, "fig7: out of memory");
    mg_mat Cm = {P, D, D, C}, Um = {NDUP, D, D, h->U};
    if (s == MG_OK) {
        mg_dae_columns(m, C, norm);
        s = mg_max_cosine(Cm, Um, 0, dup_idx, dup_cos);
    }
    if (s == MG_OK) s = mg_max_cosine(Cm, (mg_mat){h->nr, D, D, h->R}, 0, row_idx, row_cos);
    if (s == MG_OK) s = mg_max_cosine(Um, Cm, 0, c->best_dup_col, c->best_dup_cos);
    if (s == MG_OK) s = mg_table_init(t, name, P, COLUMNS_HEADER);
    c->max_nonmem_row_cos = -1;
    for (int64_t j = 0; j < P && s == MG_OK; j++) {
        int kind = norm[j] <= 0 ? -1 : dup_cos[j] >= p->mem_cos ? 1 : row_cos[j] >= p->mem_cos ? 2 : 0;
        double v[7] = {(double)j, norm[j], (double)dup_idx[j], dup_cos[j], (double)row_idx[j], row_cos[j], kind};
        for (int k = 0; k < 7; k++) t->cols[k].num[j] = v[k];
        if (kind < 0) continue; /* an unused (zero) column */
        if (dup_cos[j] >= p->share_cos) c->columns_per_dup[dup_idx[j]]++;
        if (kind == 1) c->memorizing_columns++;
        else {
            if (kind == 2) c->columns_copying_other_sample++;
            else c->generalizing_columns++;
            c->max_nonmem_row_cos = fmax(c->max_nonmem_row_cos, row_cos[j]);
        }
    }
    c->min_dup_cos = INFINITY;
    for (int k = 0; k < NDUP; k++) c->min_dup_cos = fmin(c->min_dup_cos, c->best_dup_cos[k]);
    c->have = s == MG_OK;
    free(C), free(norm), free(dup_idx), free(row_idx), free(dup_cos), free(row_cos);
    return s;
}

/* Monte Carlo data loss of a model on the hybrid set (one noise draw per row,
 * the same draws for every model). */
static mg_status mc_loss(const mg_exp_fig7_params *p, const mg_exp_env *env, const hybrid *h, const mg_dae *m,
                         double *loss) {
    mg_rng r = mg_rng_fork(env->rng, (uint64_t)(10 * env->index + 3));
    return mg_denoise_error(m, hybrid_rows(h), p->sigma, &r, 1, NULL, loss, NULL);
}

/* Progress of a training run, mapped to [f0, f1] of the call. */
typedef struct {
    const mg_exp_env *env;
    const char *what;
    double f0, f1;
} train_slot;

/* mg_train_io.progress: reports through the env. */
static void train_progress(void *ctx, const mg_train_progress *pr) {
    const train_slot *sl = ctx;
    double f = pr->total > 0 ? (double)pr->step / (double)pr->total : 1.0;
    mg_exp_progress(sl->env, sl->what, sl->f0 + f * (sl->f1 - sl->f0));
}

/* Trains one DAE on the hybrid set (from scratch when *m is NULL) with
 * generator k; the wall time in *secs. */
static mg_status train(const mg_exp_env *env, const hybrid *h, mg_train_params tp, uint64_t k, double f0, double f1,
                       const char *what, mg_dae **m, double *secs) {
    train_slot sl = {env, what, f0, f1};
    mg_train_io io;
    memset(&io, 0, sizeof io);
    io.log_every = 500;
    io.probe_rows = 1;
    io.progress = train_progress;
    io.ctx = &sl;
    mg_rng r = mg_rng_fork(env->rng, (uint64_t)(10 * env->index) + k);
    double t = mg_now();
    mg_status s = mg_train_dae(&tp, hybrid_rows(h), &r, &io, m);
    *secs = mg_now() - t;
    return s;
}

/* A d x p float32 array holding a model's W1. */
static mg_status w1_array(const mg_dae *m, mg_array *out) {
    int64_t shape[2] = {mg_dae_dim(m), mg_dae_hidden(m)};
    MG_TRY(mg_array_alloc(out, MG_F32, 2, shape));
    memcpy(out->data, mg_dae_w1_const(m), (size_t)(shape[0] * shape[1]) * sizeof(float));
    return MG_OK;
}

/* The models table: one row per model run. */
static mg_status models_table(mg_exp_fig7_result *r) {
    const mg_exp_fig7_model *ms[3] = {&r->trained, &r->construction, &r->from_closed_form};
    static const char *const labels[3] = {"trained from scratch", "closed form (Cor. 3.4)",
                                          "trained from the closed form"};
    int64_t n = 0;
    for (int k = 0; k < 3; k++) n += ms[k]->have;
    MG_TRY(mg_table_init(&r->models, "models", n, NULL));
    int cm;
    MG_TRY(mg_table_add(&r->models, "model", MG_COL_TEXT, &cm));
    static const char *const num[8] = {"index", "memorizing", "generalizing", "copying_other",
                                       "max_other_cos", "loss", "predicted", NULL};
    for (int j = 0; num[j]; j++) MG_TRY(mg_table_add(&r->models, num[j], MG_COL_F64, NULL));
    for (int k = 0, i = 0; k < 3; k++) {
        const mg_exp_fig7_model *m = ms[k];
        if (!m->have) continue;
        MG_TRY(mg_table_set_text(&r->models, cm, i, labels[k]));
        double v[7] = {k, m->memorizing_columns, m->generalizing_columns, m->columns_copying_other_sample,
                       m->max_nonmem_row_cos, m->loss, k == 1 ? r->predicted_loss_closed_form : NAN};
        for (int j = 0; j < 7; j++) r->models.cols[1 + j].num[i] = v[j];
        i++;
    }
    return MG_OK;
}

/* The duplicated table: the best column of each model per duplicated point. */
static mg_status duplicated_table(mg_exp_fig7_result *r) {
    const mg_exp_fig7_model *ms[3] = {&r->trained, &r->construction, &r->from_closed_form};
    MG_TRY(mg_table_init(&r->duplicated_matches, "duplicated", NDUP,
                         "point,trained_cos,trained_col,trained_columns,construction_cos,construction_col,"
                         "construction_columns,from_closed_form_cos,from_closed_form_col,from_closed_form_columns"));
    for (int k = 0; k < NDUP; k++) {
        r->duplicated_matches.cols[0].num[k] = k + 1;
        for (int m = 0; m < 3; m++) {
            int have = ms[m]->have;
            r->duplicated_matches.cols[1 + 3 * m].num[k] = have ? ms[m]->best_dup_cos[k] : NAN;
            r->duplicated_matches.cols[2 + 3 * m].num[k] = have ? (double)ms[m]->best_dup_col[k] : NAN;
            r->duplicated_matches.cols[3 + 3 * m].num[k] = have ? (double)ms[m]->columns_per_dup[k] : NAN;
        }
    }
    return MG_OK;
}

/* The block_angles table from the comparison of the learned and the closed-form W. */
static mg_status angles_table(const mg_compare *cmp, int64_t K, int64_t groups, mg_table *t) {
    MG_TRY(mg_table_init(t, "block_angles", cmp->nblocks, "block,duplicated,rank,units,lead,angle_max_deg"));
    for (int64_t b = 0; b < cmp->nblocks; b++) {
        double v[6] = {(double)b, b >= K - groups, (double)cmp->block_rank[b], (double)cmp->block_units[b],
                       (double)cmp->block_lead[b], cmp->angle_max[b]};
        for (int j = 0; j < 6; j++) t->cols[j].num[b] = v[j];
    }
    return MG_OK;
}

/* Images: the duplicated points (pixels), the trained column most similar
 * to each, then up to 2 NDUP other nonzero non-memorizing columns, each
 * column scaled to its largest entry (negative entries 0). */
static mg_status column_grid(const mg_exp_fig7_params *p, const mg_exp_data *d, const hybrid *h, const mg_dae *model,
                             mg_exp_fig7_result *r) {
    const mg_exp_fig7_model *c = &r->trained;
    const mg_table *t = &r->columns_trained;
    int64_t D = d->d, nother = 0, P = c->p;
    int64_t other[2 * NDUP];
    const double *norm = t->cols[1].num, *dup_cos = t->cols[3].num;
    for (int64_t j = 0; j < P && nother < 2 * NDUP; j++)
        if (norm[j] > 0 && dup_cos[j] < p->mem_cos) other[nother++] = j;
    int64_t n = 2 * NDUP + nother, shape[2] = {n, D};
    MG_TRY(mg_array_alloc(&r->column_grid, MG_F32, 2, shape));
    float *G = r->column_grid.data;
    const float *ctr = d->center.data, *W = mg_dae_w1_const(model); /* W: D x P */
    memcpy(G, h->U, (size_t)(NDUP * D) * sizeof(float));
    for (int64_t k = 0; ctr && k < NDUP; k++) /* data rows back to pixels */
        for (int64_t i = 0; i < D; i++) G[k * D + i] += ctr[i];
    for (int64_t k = 0; k < NDUP + nother; k++) {
        int64_t j = k < NDUP ? c->best_dup_col[k] : other[k - NDUP];
        float mx = 0;
        for (int64_t i = 0; i < D; i++) mx = fmaxf(mx, W[i * P + j]);
        for (int64_t i = 0; mx > 0 && i < D; i++) G[(NDUP + k) * D + i] = fmaxf(W[i * P + j], 0) / mx;
    }
    r->grid_other = nother;
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig7_run(const mg_exp_fig7_params *p, const mg_exp_env *env, mg_exp_fig7_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig7, env));
    if (!(p->sigma > 0) || p->times < 2 || p->steps_mog < 1 || p->steps_fmnist < 1 || p->warm_steps < 1 ||
        !(p->lr > 0) || !(p->weight_decay >= 0) || p->batch < 1 || p->lead < 1)
        return mg_fail(MG_ERR_ARG, "fig7: need sigma > 0, times >= 2, steps >= 1, lr > 0, weight_decay >= 0, batch "
                       ">= 1 and lead >= 1");
    const mg_exp_data *d = env->data[0];
    int64_t D = d->d;
    hybrid h;
    memset(&h, 0, sizeof h);
    mg_dae *model = NULL, *cdae = NULL, *wdae = NULL;
    mg_construction cons;
    memset(&cons, 0, sizeof cons);
    mg_compare cmp;
    memset(&cmp, 0, sizeof cmp);
    double cut = d->has_mog ? 0.75 : 0.9;
    mg_exp_progress(env, "duplicating points", 0.0);
    mg_status s = make_data(p, env, &h, r);
    mg_mat X = hybrid_rows(&h);
    if (s == MG_OK)
        s = train(env, &h, h.tp, 1, 0.0, cut, "training the hybrid DAE from scratch", &model, &r->trained.train_seconds);
    if (s == MG_OK) s = analyse(p, &h, model, "columns_trained", &r->trained, &r->columns_trained);
    if (s == MG_OK) s = mc_loss(p, env, &h, model, &r->trained.loss);
    /* the closed form of Cor. 3.4 on the same rows, at the trained model's lambda of Eq. 6 */
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = p->sigma;
    cp.wd = mg_train_effective_lambda(&h.tp, D);
    cp.hidden = h.tp.hidden;
    mg_exp_progress(env, "closed form of Cor. 3.4", cut);
    if (s == MG_OK) s = mg_partition_construct(X, &h.part, &cp, &cons);
    if (s == MG_OK) s = mg_construction_to_dae(&cons, &cdae);
    if (s == MG_OK) s = analyse(p, &h, cdae, "columns_construction", &r->construction, &r->columns_construction);
    if (s == MG_OK) s = mc_loss(p, env, &h, cdae, &r->construction.loss);
    if (s == MG_OK) s = mg_compare_daes(model, cdae, (mg_mat){0, D, D, NULL}, p->lead, &cmp);
    /* Definition 3.1 on these clusters and Theorem 3.1's masks measured on the closed form */
    mg_separability sep;
    memset(&sep, 0, sizeof sep);
    if (s == MG_OK) s = mg_separability_compute(X, h.part.labels, h.part.K, &sep);
    if (s == MG_OK) s = mg_theory_verdict(X, &cons, &sep);
    /* training from the closed form (only where Theorem 3.1's separability can hold: the mixture) */
    if (s == MG_OK && d->has_mog) {
        mg_train_params wp = h.tp;
        wp.steps = p->warm_steps;
        wp.lr = h.tp.lr / 10;
        s = mg_dae_clone(cdae, &wdae);
        if (s == MG_OK)
            s = train(env, &h, wp, 2, cut + 0.02, 1.0, "training from the closed form", &wdae,
                      &r->from_closed_form.train_seconds);
        if (s == MG_OK)
            s = analyse(p, &h, wdae, "columns_from_closed_form", &r->from_closed_form, &r->columns_from_closed_form);
        if (s == MG_OK) s = mc_loss(p, env, &h, wdae, &r->from_closed_form.loss);
    }
    if (s == MG_OK) {
        r->base_rows = d->gen.shape[0];
        r->rows = h.dup.X.shape[0];
        r->duplicated = NDUP;
        r->copies = p->times;
        r->injected = d->has_mog;
        r->hidden = h.tp.hidden;
        r->steps = h.tp.steps;
        r->lambda = cp.wd;
        r->clusters = h.part.K;
        r->base_clusters = h.part.K - h.part.dup_groups;
        r->rank1_clusters = cons.rank1_clusters;
        r->predicted_loss_closed_form = cons.train_mse;
        r->separability_alpha = sep.alpha;
        r->separability_beta = sep.beta;
        r->mask_violations = sep.mask_violations;
        r->has_note = cons.note[0] != '\0';
        snprintf(r->construction_note, sizeof r->construction_note, "%s", cons.note);
        s = models_table(r);
    }
    if (s == MG_OK) s = duplicated_table(r);
    if (s == MG_OK) s = angles_table(&cmp, h.part.K, h.part.dup_groups, &r->block_angles);
    if (s == MG_OK) s = w1_array(model, &r->W1_trained);
    if (s == MG_OK) {
        int64_t shape[2] = {D, cons.p};
        s = mg_array_alloc(&r->W_closed_form, MG_F32, 2, shape);
        if (s == MG_OK) memcpy(r->W_closed_form.data, cons.W, (size_t)(D * cons.p) * sizeof(float));
    }
    if (s == MG_OK && d->img_h > 0) s = column_grid(p, d, &h, model, r);
    mg_dae_free(model);
    mg_dae_free(cdae);
    mg_dae_free(wdae);
    mg_construction_free(&cons);
    mg_compare_free(&cmp);
    hybrid_free(&h);
    if (s != MG_OK) mg_exp_fig7_free(r);
    return s;
}

MG_EXP_DEFINE(fig7, mg_exp_fig7_params, mg_exp_fig7_result, "The hybrid regime under duplication",
              "Fig. 7, Cor. 3.4, App. C.6", MG_EXP_EACH_DATASET);
