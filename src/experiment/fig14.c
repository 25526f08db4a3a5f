/*
 * Experiment fig14 (memgen/experiment/fig14.h; paper Fig. 14-15, App. A.2):
 * one-step denoising y = f(x + sigma eps) of training and held-out test rows
 * with the memorizing and the generalizing DAE at two noise levels, the
 * per-row MSE |y - x|^2 / d and the spikiness of the hidden layer of the same
 * forward pass. A memorizing DAE pulls a test input toward its stored
 * training samples (high test MSE, outputs close to training rows); a
 * generalizing one denoises both alike.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/detect.h"
#include "memgen/experiment/fig14.h"
#include "memgen/neighbors.h"
#include "memgen/repr.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig14_params, sigma, MG_FIELD_F64, "first noise level (a level of the sets)"),
    MG_FIELD(mg_exp_fig14_params, sigma_hi, MG_FIELD_F64, "second noise level: the sets' level nearest this"),
    MG_FIELD(mg_exp_fig14_params, train_rows, MG_FIELD_I64, "training rows per model (memorizing rows cycled)"),
    MG_FIELD(mg_exp_fig14_params, test_rows, MG_FIELD_I64, "held-out rows (at most the dataset's)"),
};

#define LEVEL_FIELD(l, m, doc) MG_FIELD_AS(mg_exp_fig14_result, l.m, #l "." #m, MG_FIELD_F64, doc)
#define LEVEL_FIELDS(l)                                                                                           \
    MG_FIELD_AS(mg_exp_fig14_result, l.level, #l ".level", MG_FIELD_I64, "index of the level in the noise grid"), \
        LEVEL_FIELD(l, sigma, "noise level"),                                                                     \
        LEVEL_FIELD(l, mem_train_mse, "memorizing DAE, training rows: mean MSE per coordinate"),                  \
        LEVEL_FIELD(l, mem_test_mse, "memorizing DAE, test rows: mean MSE per coordinate"),                       \
        LEVEL_FIELD(l, gen_train_mse, "generalizing DAE, training rows: mean MSE per coordinate"),                \
        LEVEL_FIELD(l, gen_test_mse, "generalizing DAE, test rows: mean MSE per coordinate"),                     \
        LEVEL_FIELD(l, mem_train_median_std, "memorizing DAE, training rows: median std of h"),                   \
        LEVEL_FIELD(l, mem_test_median_std, "memorizing DAE, test rows: median std of h"),                        \
        LEVEL_FIELD(l, gen_train_median_std, "generalizing DAE, training rows: median std of h"),                 \
        LEVEL_FIELD(l, gen_test_median_std, "generalizing DAE, test rows: median std of h"),                      \
        LEVEL_FIELD(l, mem_train_median_top1, "memorizing DAE, training rows: median top-1 share of h"),          \
        LEVEL_FIELD(l, mem_test_median_top1, "memorizing DAE, test rows: median top-1 share of h"),               \
        LEVEL_FIELD(l, gen_train_median_top1, "generalizing DAE, training rows: median top-1 share of h"),        \
        LEVEL_FIELD(l, gen_test_median_top1, "generalizing DAE, test rows: median top-1 share of h"),             \
        LEVEL_FIELD(l, mem_test_input_cos, "mean largest cosine of a clean test row to a memorizing training row"), \
        LEVEL_FIELD(l, mem_test_output_cos, "the same for the memorizing DAE's outputs of the test rows"),       \
        LEVEL_FIELD(l, mem_mse_ratio, "memorizing DAE: test / train MSE"),                                        \
        LEVEL_FIELD(l, gen_mse_ratio, "generalizing DAE: test / train MSE"),                                      \
        LEVEL_FIELD(l, mem_std_ratio, "memorizing DAE: test / train median std"),                                 \
        LEVEL_FIELD(l, gen_std_ratio, "generalizing DAE: test / train median std"),                               \
        LEVEL_FIELD(l, mem_top1_ratio, "memorizing DAE: test / train median top-1 share"),                        \
        LEVEL_FIELD(l, gen_top1_ratio, "generalizing DAE: test / train median top-1 share"),                       \
        LEVEL_FIELD(l, test_std_auroc, "Fig. 15: AUROC of std, test rows, memorizing (positive) vs generalizing"),  \
        LEVEL_FIELD(l, test_top1_auroc, "Fig. 15: AUROC of the top-1 share, test rows, memorizing vs generalizing")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_fig14_result, samples_mem, MG_FIELD_I64, "distinct memorizing training samples"),
    MG_FIELD(mg_exp_fig14_result, rows_train_mem, MG_FIELD_I64, "memorizing training rows (samples cycled)"),
    MG_FIELD(mg_exp_fig14_result, rows_train_gen, MG_FIELD_I64, "generalizing training rows"),
    MG_FIELD(mg_exp_fig14_result, rows_test, MG_FIELD_I64, "test rows"),
    MG_FIELD(mg_exp_fig14_result, grid_train, MG_FIELD_I64, "training images per grid row (image data)"),
    MG_FIELD(mg_exp_fig14_result, grid_test, MG_FIELD_I64, "test images per grid row (image data)"),
    LEVEL_FIELDS(lo),
    LEVEL_FIELDS(hi),
    MG_FIELD(mg_exp_fig14_result, cells, MG_FIELD_TABLES, "per-row MSE and spikiness of every (level, model, rows)"),
    MG_FIELD(mg_exp_fig14_result, denoising, MG_FIELD_TABLE, "mean MSE and median spikiness per (model, level)"),
    MG_FIELD(mg_exp_fig14_result, grid_lo, MG_FIELD_ARRAY, "image grid at sigma: clean, noisy, both outputs"),
    MG_FIELD(mg_exp_fig14_result, grid_hi, MG_FIELD_ARRAY, "image grid at the second level"),
};

/* Library defaults. */
mg_exp_fig14_params mg_exp_fig14_defaults(void) {
    mg_exp_fig14_params p = {0.2, 1.0, 1000, 1000};
    return p;
}

/* Frees a result. */
void mg_exp_fig14_free(mg_exp_fig14_result *r) {
    if (!r) return;
    mg_table_list_free(&r->cells);
    mg_table_free(&r->denoising);
    mg_array_free(&r->grid_lo);
    mg_array_free(&r->grid_hi);
    memset(r, 0, sizeof *r);
}

/* The summary numbers of one (level, model, rows) cell. */
typedef struct {
    double mse_mean, std_median, top1_median;
    double cos_out; /* mean largest cosine of the outputs to the reference rows (NaN without them) */
} cell_stats;

/* Y = f(X + sigma eps) with the noise of generator k (row i: fork i), the
 * representation into H (n x p, or no columns); Xt receives the noisy rows. */
static mg_status denoise(const mg_exp_env *env, const mg_dae *m, double sigma, uint64_t k, mg_mat X, mg_mat Xt,
                         mg_mat H, mg_mat Y) {
    mg_rng rng = mg_rng_fork(env->rng, k);
    MG_TRY(mg_noisy_rows(X, sigma, &rng, 0, Xt));
    return mg_dae_forward(m, Xt, H, Y);
}

/* Mean over the rows of Q of the largest cosine to a row of R. */
static mg_status mean_max_cos(mg_mat Q, mg_mat R, double *out) {
    int64_t *idx = mg_alloc((size_t)Q.rows, sizeof(int64_t));
    double *c = mg_alloc((size_t)Q.rows, sizeof(double));
    mg_status s = idx && c ? mg_max_cosine(Q, R, 0, idx, c) : mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    *out = 0;
    for (int64_t i = 0; i < Q.rows && s == MG_OK; i++) *out += c[i] / (double)Q.rows;
    free(idx), free(c);
    return s;
}

/* One cell: denoises X with model m at sigma (noise generator k) into the
 * table t named `name` (per row: mse, every metric); with ref (may be NULL),
 * how close the outputs come to those rows (st->cos_out). */
static mg_status run_cell(const mg_exp_env *env, const mg_dae *m, double sigma, uint64_t k, mg_mat X,
                          const mg_mat *ref, const char *name, mg_table *t, cell_stats *st) {
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    char cols[200] = "mse";
    for (int mt = 0; mt < MG_SPIKE_COUNT; mt++) strcat(cols, ","), strcat(cols, mg_spike_metric_name((mg_spike_metric)mt));
    MG_TRY(mg_table_init(t, name, n, cols));
    st->cos_out = NAN;
    double *sc = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double)); /* n x MG_SPIKE_COUNT */
    mg_array bufs[3] = {{0}}; /* the noisy rows, the outputs (n x d) and the representations (n x p) */
    const int64_t shapes[3][2] = {{n, d}, {n, d}, {n, p}};
    mg_status s = sc ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    for (int b = 0; b < 3 && s == MG_OK; b++) s = mg_array_alloc(&bufs[b], MG_F32, 2, shapes[b]);
    mg_mat Xt = mg_mat_of_array(&bufs[0]), Y = mg_mat_of_array(&bufs[1]), H = mg_mat_of_array(&bufs[2]);
    if (s == MG_OK) s = denoise(env, m, sigma, k, X, Xt, H, Y);
    if (s == MG_OK) s = mg_spikiness_all(H, sc);
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        for (int mt = 0; mt < MG_SPIKE_COUNT; mt++) t->cols[1 + mt].num[i] = sc[i * MG_SPIKE_COUNT + mt];
    if (s == MG_OK && ref) s = mean_max_cos(Y, *ref, &st->cos_out);
    double *mse = t->cols[0].num;
    st->mse_mean = 0;
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        double e = 0;
        for (int64_t j = 0; j < d; j++) {
            double r = (double)Y.data[i * d + j] - X.data[i * X.ld + j];
            e += r * r;
        }
        mse[i] = e / (double)d;
        st->mse_mean += mse[i] / (double)n;
    }
    mg_summary sm;
    if (s == MG_OK) s = mg_summarize(t->cols[1 + MG_SPIKE_STD].num, n, &sm);
    if (s == MG_OK) st->std_median = sm.median;
    if (s == MG_OK) s = mg_summarize(t->cols[1 + MG_SPIKE_TOP1].num, n, &sm);
    if (s == MG_OK) st->top1_median = sm.median;
    free(sc);
    for (int b = 0; b < 3; b++) mg_array_free(&bufs[b]);
    return s;
}

/* Image data, one level: *out (4 x n x d, n = the memorizing training rows
 * then as many test rows) holds the clean rows, the noisy inputs (generator
 * k) and both models' outputs of the same noisy inputs. */
static mg_status grid(const mg_exp_env *env, const mg_exp_data *d, int level, uint64_t k, int64_t nt, mg_array *out) {
    mg_mat mem = mg_exp_mem(d), test = mg_exp_test(d);
    int64_t nm = mem.rows, n = nm + nt, D = d->d;
    int64_t shape[3] = {4, n, D};
    MG_TRY(mg_array_alloc(out, MG_F32, 3, shape));
    float *G = out->data;
    memcpy(G, mem.data, (size_t)(nm * D) * sizeof(float));
    memcpy(G + nm * D, test.data, (size_t)(nt * D) * sizeof(float));
    mg_mat X = {n, D, D, G}, Xt = {n, D, D, G + n * D}, Ym = {n, D, D, G + 2 * n * D}, Yg = {n, D, D, G + 3 * n * D};
    mg_mat Hn = {n, 0, 0, NULL};
    double sigma = d->mem_set.sigmas[level];
    MG_TRY(denoise(env, d->mem_set.levels[level], sigma, k, X, Xt, Hn, Ym));
    return mg_dae_forward(d->gen_set.levels[level], Xt, Hn, Yg);
}

/* AUROC of metric m (1 + spike metric column of a cell table) between two
 * tables' rows, the first positive. */
static mg_status cells_auroc(const mg_table *pos, const mg_table *neg, int col, double *auc) {
    int64_t np = pos->nrows, nn = neg->nrows, n = np + nn;
    double *s = mg_alloc((size_t)n, sizeof(double));
    int *lab = mg_alloc((size_t)n, sizeof(int));
    mg_status st = s && lab ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        s[i] = i < np ? pos->cols[col].num[i] : neg->cols[col].num[i - np];
        lab[i] = i < np;
    }
    if (st == MG_OK) st = mg_auroc(s, lab, n, auc);
    free(s), free(lab);
    return st;
}

/* a / b (NaN when b is 0). */
static double ratio(double a, double b) { return b != 0 ? a / b : NAN; }

/* Fills one level's numbers from its cells ([model][rows], 0 = memorizing / train). */
static void fill_level(mg_exp_fig14_level *L, int level, double sigma, cell_stats c[2][2], double cos_in) {
    L->level = level;
    L->sigma = sigma;
    L->mem_train_mse = c[0][0].mse_mean, L->mem_test_mse = c[0][1].mse_mean;
    L->gen_train_mse = c[1][0].mse_mean, L->gen_test_mse = c[1][1].mse_mean;
    L->mem_train_median_std = c[0][0].std_median, L->mem_test_median_std = c[0][1].std_median;
    L->gen_train_median_std = c[1][0].std_median, L->gen_test_median_std = c[1][1].std_median;
    L->mem_train_median_top1 = c[0][0].top1_median, L->mem_test_median_top1 = c[0][1].top1_median;
    L->gen_train_median_top1 = c[1][0].top1_median, L->gen_test_median_top1 = c[1][1].top1_median;
    L->mem_test_input_cos = cos_in;
    L->mem_test_output_cos = c[0][1].cos_out;
    L->mem_mse_ratio = ratio(L->mem_test_mse, L->mem_train_mse);
    L->gen_mse_ratio = ratio(L->gen_test_mse, L->gen_train_mse);
    L->mem_std_ratio = ratio(L->mem_test_median_std, L->mem_train_median_std);
    L->gen_std_ratio = ratio(L->gen_test_median_std, L->gen_train_median_std);
    L->mem_top1_ratio = ratio(L->mem_test_median_top1, L->mem_train_median_top1);
    L->gen_top1_ratio = ratio(L->gen_test_median_top1, L->gen_train_median_top1);
}

/* The "denoising" table: one row per (model, level), memorizing model first. */
static mg_status denoising_table(mg_exp_fig14_result *r) {
    const char *num = "level,sigma,train_mse,test_mse,ratio,std_train,std_test,top1_train,top1_test";
    int cd, cl;
    MG_TRY(mg_table_init(&r->denoising, "denoising", 4, NULL));
    MG_TRY(mg_table_add(&r->denoising, "dae", MG_COL_TEXT, &cd));
    MG_TRY(mg_table_add(&r->denoising, "label", MG_COL_TEXT, &cl));
    char names[160];
    snprintf(names, sizeof names, "%s", num);
    for (char *c = strtok(names, ","); c; c = strtok(NULL, ",")) MG_TRY(mg_table_add(&r->denoising, c, MG_COL_F64, NULL));
    for (int m = 0; m < 2; m++)
        for (int l = 0; l < 2; l++) {
            const mg_exp_fig14_level *L = l ? &r->hi : &r->lo;
            int64_t row = 2 * m + l;
            char label[48];
            snprintf(label, sizeof label, "%s, sigma %.2g", m ? "gen" : "mem", L->sigma);
            MG_TRY(mg_table_set_text(&r->denoising, cd, row, m ? "generalizing" : "memorizing"));
            MG_TRY(mg_table_set_text(&r->denoising, cl, row, label));
            double v[9] = {(double)L->level,
                           L->sigma,
                           m ? L->gen_train_mse : L->mem_train_mse,
                           m ? L->gen_test_mse : L->mem_test_mse,
                           m ? L->gen_mse_ratio : L->mem_mse_ratio,
                           m ? L->gen_train_median_std : L->mem_train_median_std,
                           m ? L->gen_test_median_std : L->mem_test_median_std,
                           m ? L->gen_train_median_top1 : L->mem_train_median_top1,
                           m ? L->gen_test_median_top1 : L->mem_test_median_top1};
            for (int j = 0; j < 9; j++) r->denoising.cols[2 + j].num[row] = v[j];
        }
    return MG_OK;
}

/* The eight cells of one dataset, the grids and the tables. */
static mg_status run(const mg_exp_fig14_params *p, const mg_exp_env *env, mg_exp_fig14_result *r) {
    const mg_exp_data *d = env->data[0];
    int levels[2];
    MG_TRY(mg_exp_level(&d->mem_set, p->sigma, &levels[0]));
    MG_TRY(mg_daeset_level(&d->mem_set, p->sigma_hi, "fig14", &levels[1]));
    if (d->gen_set.count != d->mem_set.count)
        return mg_fail(MG_ERR_ARG, "fig14: the two DAE sets need the same noise grid");
    mg_mat mem = mg_exp_mem(d), test = mg_exp_test(d), gtr = mg_exp_gen(d);
    if (test.rows > p->test_rows) test.rows = p->test_rows;
    if (gtr.rows > p->train_rows) gtr.rows = p->train_rows;
    r->samples_mem = mem.rows;
    r->rows_train_mem = p->train_rows;
    r->rows_train_gen = gtr.rows;
    r->rows_test = test.rows;
    mg_array cyc = {0};
    MG_TRY(mg_exp_cycle_rows(mem, p->train_rows, &cyc));
    mg_mat rows[2][2] = {{mg_mat_of_array(&cyc), test}, {gtr, test}}; /* [model][train/test] */
    static const char *const mn[2] = {"mem", "gen"}, *const rn[2] = {"train", "test"};
    cell_stats c[2][2][2]; /* [level][model][rows] */
    double cos_in = NAN;
    mg_status s = MG_OK;
    /* noise generator per (dataset, level, rows): the two models see the same noisy test rows */
    for (int l = 0; l < 2 && s == MG_OK; l++)
        for (int m = 0; m < 2 && s == MG_OK; m++)
            for (int q = 0; q < 2 && s == MG_OK; q++) {
                const mg_daeset *set = m ? &d->gen_set : &d->mem_set;
                uint64_t k = (uint64_t)(16 * env->index + 4 * l + (q ? 2 : m));
                const mg_mat *ref = m == 0 && q == 1 ? &mem : NULL; /* memorizing model, test rows */
                char name[64];
                snprintf(name, sizeof name, "%s_%s_level%d", mn[m], rn[q], levels[l]);
                mg_table *t;
                s = mg_table_list_add(&r->cells, &t);
                if (s == MG_OK)
                    s = run_cell(env, set->levels[levels[l]], set->sigmas[levels[l]], k, rows[m][q], ref, name, t,
                                 &c[l][m][q]);
                mg_exp_progress(env, "denoising", (4 * l + 2 * m + q + 1) / 9.0);
            }
    mg_array_free(&cyc);
    if (s == MG_OK) s = mean_max_cos(test, mem, &cos_in);
    if (s == MG_OK) {
        fill_level(&r->lo, levels[0], d->mem_set.sigmas[levels[0]], c[0], cos_in);
        fill_level(&r->hi, levels[1], d->mem_set.sigmas[levels[1]], c[1], cos_in);
        /* Fig. 15: the same test rows under the two models (cells 4 l + 1 and 4 l + 3) */
        mg_exp_fig14_level *L[2] = {&r->lo, &r->hi};
        for (int l = 0; l < 2 && s == MG_OK; l++) {
            const mg_table *mt = &r->cells.t[4 * l + 1], *gt = &r->cells.t[4 * l + 3];
            s = cells_auroc(mt, gt, 1 + MG_SPIKE_STD, &L[l]->test_std_auroc);
            if (s == MG_OK) s = cells_auroc(mt, gt, 1 + MG_SPIKE_TOP1, &L[l]->test_top1_auroc);
        }
        if (s == MG_OK) s = denoising_table(r);
    }
    if (s == MG_OK && d->img_h > 0) {
        r->grid_train = mem.rows;
        r->grid_test = mem.rows < d->test.shape[0] ? mem.rows : d->test.shape[0];
        s = grid(env, d, levels[0], (uint64_t)(16 * env->index + 12), r->grid_test, &r->grid_lo);
        if (s == MG_OK) s = grid(env, d, levels[1], (uint64_t)(16 * env->index + 13), r->grid_test, &r->grid_hi);
    }
    return s;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig14_run(const mg_exp_fig14_params *p, const mg_exp_env *env, mg_exp_fig14_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig14, env));
    if (!(p->sigma > 0) || !(p->sigma_hi > 0) || p->train_rows < 1 || p->test_rows < 1)
        return mg_fail(MG_ERR_ARG, "fig14: need positive noise levels and at least one training and one test row");
    if (env->data[0]->test.shape[0] < 1) return mg_fail(MG_ERR_ARG, "fig14: the dataset has no test rows");
    mg_status s = run(p, env, r);
    if (s != MG_OK) mg_exp_fig14_free(r);
    return s;
}

MG_EXP_DEFINE(fig14, mg_exp_fig14_params, mg_exp_fig14_result, "Denoising and representations, train vs test",
              "Fig. 14-15, App. A.2", MG_EXP_EACH_DATASET);
