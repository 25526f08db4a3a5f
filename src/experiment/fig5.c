/*
 * Experiment fig5 (memgen/experiment/fig5.h; paper Fig. 5, Cor. 3.2-3.3):
 * representations of training samples under the memorizing and the
 * generalizing DAE, every spikiness metric of every row, and how well each
 * metric separates the two groups. Memorizing model: each training sample
 * lights up its own stored column (a nearly one-hot, spiky h with a high
 * std over units); generalizing model: h spread over a block of units
 * (balanced, low std).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/detect.h"
#include "memgen/experiment/fig5.h"
#include "memgen/repr.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig5_params, sigma, MG_FIELD_F64, "noise level of x_t and of the DAE level"),
    MG_FIELD(mg_exp_fig5_params, rows, MG_FIELD_I64, "rows per group (memorizing rows cycled under fresh noise)"),
};

#define SEP_FIELDS(m)                                                                                               \
    MG_FIELD_AS(mg_exp_fig5_result, m.auroc, #m ".auroc", MG_FIELD_F64, "AUROC of " #m ", memorizing rows positive"), \
        MG_FIELD_AS(mg_exp_fig5_result, m.median_mem, #m ".median_mem", MG_FIELD_F64, "median " #m ", memorizing"),   \
        MG_FIELD_AS(mg_exp_fig5_result, m.median_gen, #m ".median_gen", MG_FIELD_F64, "median " #m ", generalizing")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_fig5_result, p_mem, MG_FIELD_I64, "hidden units of the memorizing DAE"),
    MG_FIELD(mg_exp_fig5_result, p_gen, MG_FIELD_I64, "hidden units of the generalizing DAE"),
    MG_FIELD(mg_exp_fig5_result, rows_mem, MG_FIELD_I64, "memorizing rows scored"),
    MG_FIELD(mg_exp_fig5_result, rows_gen, MG_FIELD_I64, "generalizing rows scored"),
    MG_FIELD(mg_exp_fig5_result, samples_mem, MG_FIELD_I64, "distinct memorizing training samples"),
    SEP_FIELDS(std),
    SEP_FIELDS(top1),
    SEP_FIELDS(l4l2),
    SEP_FIELDS(negpr),
    MG_FIELD(mg_exp_fig5_result, single_std_mem, MG_FIELD_F64, "std of one training sample's h, memorizing DAE"),
    MG_FIELD(mg_exp_fig5_result, single_std_gen, MG_FIELD_F64, "std of its h under the generalizing DAE"),
    MG_FIELD(mg_exp_fig5_result, single_top1_mem, MG_FIELD_F64, "top-1 share of that h, memorizing DAE"),
    MG_FIELD(mg_exp_fig5_result, single_top1_gen, MG_FIELD_F64, "top-1 share, generalizing DAE"),
    MG_FIELD(mg_exp_fig5_result, partner_same, MG_FIELD_BOOL, "1: the same sample under both models"),
    MG_FIELD(mg_exp_fig5_result, mem_metrics, MG_FIELD_TABLE, "every metric of every memorizing row"),
    MG_FIELD(mg_exp_fig5_result, gen_metrics, MG_FIELD_TABLE, "every metric of every generalizing row"),
    MG_FIELD(mg_exp_fig5_result, separation, MG_FIELD_TABLE, "medians and AUROC per shown metric"),
    MG_FIELD(mg_exp_fig5_result, single_h_mem, MG_FIELD_ARRAY, "h of one training sample, memorizing DAE (1 x p)"),
    MG_FIELD(mg_exp_fig5_result, single_h_gen, MG_FIELD_ARRAY, "h of the same / a same-class sample, generalizing DAE"),
};

/* The metrics shown, in the order of the separation table. */
static const mg_spike_metric SHOWN[4] = {MG_SPIKE_STD, MG_SPIKE_TOP1, MG_SPIKE_L4L2, MG_SPIKE_NEGPR};

/* Library defaults. */
mg_exp_fig5_params mg_exp_fig5_defaults(void) {
    mg_exp_fig5_params p = {0.2, 1000};
    return p;
}

/* Frees a result. */
void mg_exp_fig5_free(mg_exp_fig5_result *r) {
    if (!r) return;
    mg_table_free(&r->mem_metrics);
    mg_table_free(&r->gen_metrics);
    mg_table_free(&r->separation);
    mg_array_free(&r->single_h_mem);
    mg_array_free(&r->single_h_gen);
    memset(r, 0, sizeof *r);
}

/* Representations at sigma of the rows X under a set (generator g) into H
 * (n x p, owned) and every metric of every row into the table `name`. */
static mg_status represent(const mg_exp_fig5_params *p, const mg_exp_env *env, const mg_daeset *set, mg_mat X,
                           int g, const char *name, mg_array *H, mg_table *t) {
    int lv;
    MG_TRY(mg_exp_level(set, p->sigma, &lv));
    int64_t n = X.rows, units = mg_dae_hidden(set->levels[lv]);
    int64_t shape[2] = {n, units};
    MG_TRY(mg_array_alloc(H, MG_F32, 2, shape));
    char cols[160] = "";
    for (int m = 0; m < MG_SPIKE_COUNT; m++) {
        strcat(cols, m ? "," : "");
        strcat(cols, mg_spike_metric_name((mg_spike_metric)m));
    }
    MG_TRY(mg_table_init(t, name, n, cols));
    double *sc = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double)); /* n x MG_SPIKE_COUNT, as computed */
    if (!sc) return mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    mg_rng rng = mg_rng_fork(env->rng, (uint64_t)(2 * env->index + g));
    mg_status s = mg_repr_set(set, X, p->sigma, &rng, mg_mat_of_array(H), NULL);
    if (s == MG_OK) s = mg_spikiness_all(mg_mat_of_array(H), sc);
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        for (int m = 0; m < MG_SPIKE_COUNT; m++) t->cols[m].num[i] = sc[i * MG_SPIKE_COUNT + m];
    free(sc);
    return s;
}

/* AUROC of metric m (memorizing group positive) and both medians. */
static mg_status separation(const mg_table *a, const mg_table *b, mg_spike_metric m, mg_exp_fig5_sep *out) {
    int64_t na = a->nrows, nb = b->nrows, n = na + nb;
    double *s = mg_alloc((size_t)n, sizeof(double));
    int *lab = mg_alloc((size_t)n, sizeof(int));
    mg_status st = s && lab ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig5: out of memory");
    if (st == MG_OK) {
        memcpy(s, a->cols[m].num, (size_t)na * sizeof(double));
        memcpy(s + na, b->cols[m].num, (size_t)nb * sizeof(double));
    }
    for (int64_t i = 0; i < n && st == MG_OK; i++) lab[i] = i < na;
    mg_summary sa, sb;
    if (st == MG_OK) st = mg_auroc(s, lab, n, &out->auroc);
    if (st == MG_OK) st = mg_summarize(s, na, &sa);
    if (st == MG_OK) st = mg_summarize(s + na, nb, &sb);
    if (st == MG_OK) out->median_mem = sa.median, out->median_gen = sb.median;
    free(s), free(lab);
    return st;
}

/* The row of the generalizing set to show beside the memorizing row 0: the
 * same sample when the memorizing rows are part of the generalizing
 * training set (Fashion-MNIST), else the first generalizing row of the same
 * class / mode. */
static int64_t partner_row(const mg_exp_data *d, int *same) {
    mg_mat mem = mg_exp_mem(d), gen = mg_exp_gen(d);
    *same = 1;
    for (int64_t i = 0; i < gen.rows; i++)
        if (!memcmp(gen.data + i * gen.ld, mem.data, (size_t)d->d * sizeof(float))) return i;
    *same = 0;
    for (int64_t i = 0; i < gen.rows; i++)
        if (d->gen_labels[i] == d->mem_labels[0]) return i;
    return 0;
}

/* The separation table of the shown metrics. */
static mg_status separation_table(mg_exp_fig5_result *r, mg_exp_fig5_sep *const sep[4]) {
    MG_TRY(mg_table_init(&r->separation, "separation", 4, NULL));
    int tc;
    MG_TRY(mg_table_add(&r->separation, "metric", MG_COL_TEXT, &tc));
    static const char *const num[4] = {"median_mem", "median_gen", "ratio", "auroc"};
    for (int j = 0; j < 4; j++) MG_TRY(mg_table_add(&r->separation, num[j], MG_COL_F64, NULL));
    for (int k = 0; k < 4; k++) {
        MG_TRY(mg_table_set_text(&r->separation, tc, k, mg_spike_metric_name(SHOWN[k])));
        r->separation.cols[1].num[k] = sep[k]->median_mem;
        r->separation.cols[2].num[k] = sep[k]->median_gen;
        r->separation.cols[3].num[k] = sep[k]->median_gen != 0 ? sep[k]->median_mem / sep[k]->median_gen : NAN;
        r->separation.cols[4].num[k] = sep[k]->auroc;
    }
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig5_run(const mg_exp_fig5_params *p, const mg_exp_env *env, mg_exp_fig5_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig5, env));
    if (!(p->sigma > 0) || p->rows < 2) return mg_fail(MG_ERR_ARG, "fig5: need sigma > 0 and at least 2 rows");
    const mg_exp_data *d = env->data[0];
    mg_mat gen = mg_exp_gen(d);
    int same;
    int64_t n = p->rows, ng = n < gen.rows ? n : gen.rows, j1 = partner_row(d, &same);
    mg_array xm = {0}, hm = {0}, hg = {0};
    mg_mat xg = gen; /* the first ng generalizing rows */
    xg.rows = ng;
    mg_status s = mg_exp_cycle_rows(mg_exp_mem(d), n, &xm);
    mg_exp_progress(env, "memorizing model", 0.0);
    if (s == MG_OK) s = represent(p, env, &d->mem_set, mg_mat_of_array(&xm), 0, "mem_train_metrics", &hm, &r->mem_metrics);
    mg_exp_progress(env, "generalizing model", 0.5);
    if (s == MG_OK) s = represent(p, env, &d->gen_set, xg, 1, "gen_train_metrics", &hg, &r->gen_metrics);
    mg_array_free(&xm);
    if (s == MG_OK) {
        r->p_mem = hm.shape[1];
        r->p_gen = hg.shape[1];
        r->rows_mem = n;
        r->rows_gen = ng;
        r->samples_mem = d->mem.shape[0];
        r->partner_same = same;
        s = mg_exp_row_array(hm.data, r->p_mem, &r->single_h_mem);
    }
    /* the single sample under the generalizing model: its own row (noise of row j1) */
    if (s == MG_OK && j1 < ng) s = mg_exp_row_array((float *)hg.data + j1 * r->p_gen, r->p_gen, &r->single_h_gen);
    else if (s == MG_OK) {
        int64_t shape[2] = {1, r->p_gen};
        s = mg_array_alloc(&r->single_h_gen, MG_F32, 2, shape);
        mg_mat x1 = {1, d->d, d->d, gen.data + j1 * gen.ld}, h = {1, r->p_gen, r->p_gen, r->single_h_gen.data};
        mg_rng g = mg_rng_fork(env->rng, (uint64_t)(2 * env->index + 1));
        const double sigma = p->sigma;
        if (s == MG_OK) s = mg_repr_multi(&d->gen_set, x1, &sigma, 1, &g, j1, h);
    }
    mg_array_free(&hm);
    mg_array_free(&hg);
    mg_exp_fig5_sep *sep[4] = {&r->std, &r->top1, &r->l4l2, &r->negpr};
    for (int k = 0; k < 4 && s == MG_OK; k++) s = separation(&r->mem_metrics, &r->gen_metrics, SHOWN[k], sep[k]);
    if (s == MG_OK) s = separation_table(r, sep);
    if (s == MG_OK) {
        const float *h1 = r->single_h_gen.data;
        r->single_std_mem = r->mem_metrics.cols[MG_SPIKE_STD].num[0];
        r->single_top1_mem = r->mem_metrics.cols[MG_SPIKE_TOP1].num[0];
        r->single_std_gen = mg_spikiness(h1, r->p_gen, MG_SPIKE_STD);
        r->single_top1_gen = mg_spikiness(h1, r->p_gen, MG_SPIKE_TOP1);
    }
    if (s != MG_OK) mg_exp_fig5_free(r);
    return s;
}

MG_EXP_DEFINE(fig5, mg_exp_fig5_params, mg_exp_fig5_result, "Spiky vs balanced representations",
              "Fig. 5, Sec. 3.1, Cor. 3.2-3.3", MG_EXP_EACH_DATASET);
