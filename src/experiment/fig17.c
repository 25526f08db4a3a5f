/*
 * Experiment fig17 (memgen/experiment/fig17.h; paper Fig. 17, App. A.4):
 * the generations of the hybrid-regime set (experiment table1, one run
 * without the detector suite) measured against the deduplicated training
 * set: the similarity of each to its nearest training sample (two measures,
 * each histogrammed and tested for two peaks), which generations copy a
 * duplicated sample, and the representation std of copies vs new samples.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "hybrid.h"
#include "memgen/detect.h"
#include "memgen/experiment/fig17.h"
#include "memgen/memorization.h"

#define P_ mg_exp_fig17_params
static const mg_field PARAM_FIELDS[] = {
    MG_HYBRID_FIELDS(P_, model.),
    MG_HYBRID_LABEL_FIELDS(P_, model.),
    MG_FIELD(P_, std_sigma, MG_FIELD_F64, "noise level of x_t and of the DAE level for Std(h)"),
    MG_FIELD(P_, bins, MG_FIELD_INT, "similarity histograms: equal bins over [0, 1]"),
    MG_FIELD(P_, max_valley, MG_FIELD_F64, "bimodal when a second peak's valley is at most this share of its height"),
};
#undef P_

#define R_ mg_exp_fig17_result
#define BIMODAL_FIELDS(m)                                                                                          \
    MG_FIELD_AS(R_, m.bimodal, #m "_bimodal", MG_FIELD_BOOL, "1: the " #m " histogram has two peaks"),            \
        MG_FIELD_AS(R_, m.peak1, #m "_peak1", MG_FIELD_INT, "bin of its highest peak"),                            \
        MG_FIELD_AS(R_, m.peak2, #m "_peak2", MG_FIELD_INT, "bin of its second peak (-1: none)"),                  \
        MG_FIELD_AS(R_, m.valley, #m "_valley", MG_FIELD_INT, "bin of the valley between them (-1: none)"),        \
        MG_FIELD_AS(R_, m.dip, #m "_dip", MG_FIELD_F64, "valley / second peak height (NaN: none)")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(R_, seed, MG_FIELD_TEXT, "the run's seed"),
    MG_FIELD(R_, n, MG_FIELD_I64, "generations"),
    MG_FIELD(R_, n_memorized, MG_FIELD_I64, "generations labelled memorized (copies)"),
    MG_FIELD(R_, n_generalized, MG_FIELD_I64, "generations labelled generalized"),
    MG_FIELD(R_, n_ambiguous, MG_FIELD_I64, "generations neither rule labels"),
    MG_FIELD(R_, memorized_duplicates, MG_FIELD_I64, "copies whose nearest training sample is a duplicated one"),
    MG_FIELD(R_, frac_memorized, MG_FIELD_F64, "memorized share of the generations"),
    MG_FIELD(R_, frac_generalized, MG_FIELD_F64, "generalized share of the generations"),
    MG_FIELD(R_, frac_ambiguous, MG_FIELD_F64, "ambiguous share of the generations"),
    MG_FIELD(R_, copies_of_duplicates_share, MG_FIELD_F64, "share of the copies that copy a duplicated sample"),
    BIMODAL_FIELDS(cos),
    BIMODAL_FIELDS(ratio),
    MG_FIELD(R_, std_median_memorized, MG_FIELD_F64, "median Std(h) of the memorized generations"),
    MG_FIELD(R_, std_median_generalized, MG_FIELD_F64, "median Std(h) of the generalized generations"),
    MG_FIELD(R_, std_auroc, MG_FIELD_F64, "AUROC of Std(h), memorized vs generalized"),
    MG_FIELD(R_, generations, MG_FIELD_TABLE, "every generation's similarities, Std(h) and group"),
    MG_FIELD(R_, hist_cos, MG_FIELD_TABLE, "histogram of the largest cosine"),
    MG_FIELD(R_, hist_ratio, MG_FIELD_TABLE, "histogram of the NN ratio"),
};
#undef R_

/* Library defaults: table1's regime with 2000 generations. */
mg_exp_fig17_params mg_exp_fig17_defaults(void) {
    mg_exp_fig17_params p;
    p.model = mg_exp_table1_defaults();
    p.model.n_gen = 2000;
    p.model.bench.bootstrap = 0;
    p.model.bench.repeats = 1;
    p.model.bench.all_metrics = 0;
    p.std_sigma = 0.2;
    p.bins = 20;
    p.max_valley = 0.5;
    return p;
}

/* Frees a result. */
void mg_exp_fig17_free(mg_exp_fig17_result *r) {
    if (!r) return;
    mg_table_free(&r->generations);
    mg_table_free(&r->hist_cos);
    mg_table_free(&r->hist_ratio);
    memset(r, 0, sizeof *r);
}

/* The unique training rows of the hybrid data: every row of the abundant
 * modes (clusters < modes) and the first row of each duplicated cluster
 * (rows are grouped by cluster). *U (m x d, malloc'd), *is_dup (m). */
static mg_status unique_rows(const mg_exp_table1_model *m, int modes, float **U, int **is_dup, int64_t *nu) {
    int64_t n = m->train.shape[0], d = m->train.shape[1], k = 0;
    const float *X = m->train.data;
    *U = mg_alloc((size_t)(n * d), sizeof(float));
    *is_dup = malloc((size_t)n * sizeof(int));
    if (!*U || !*is_dup) return mg_fail(MG_ERR_NOMEM, "fig17: out of memory");
    for (int64_t i = 0; i < n; i++) {
        int64_t c = m->train_labels[i];
        int dup = c >= modes;
        if (dup && i > 0 && m->train_labels[i - 1] == c) continue;
        memcpy(*U + k * d, X + i * d, (size_t)d * sizeof(float));
        (*is_dup)[k++] = dup;
    }
    *nu = k;
    return MG_OK;
}

/* The generations table: NN ratio and cosine against the unique rows,
 * whether the nearest is duplicated, Std(h), the group; and the counts. */
static mg_status measure(const mg_exp_fig17_params *p, const mg_exp_env *env, const mg_exp_table1_model *m,
                         mg_exp_fig17_result *r) {
    const mg_bench_params *bp = &p->model.bench; /* table 1's labelling rule */
    int64_t n = m->gens.shape[0], d = m->gens.shape[1], nu = 0;
    float *U = NULL;
    int *is_dup = NULL;
    mg_memratio mr = {0};
    mg_mat S = mg_mat_of_array(&m->gens);
    mg_status s = unique_rows(m, p->model.modes, &U, &is_dup, &nu);
    if (s == MG_OK) s = mg_memratio_compute(S, (mg_mat){nu, d, d, U}, bp->mem_ratio, &mr);
    if (s == MG_OK)
        s = mg_table_init(&r->generations, "generations", n, "nn_ratio,cos_max,nn1_unique_row,nn1_is_duplicated,std_h,group");
    mg_col *c = r->generations.cols;
    if (s == MG_OK) {
        mg_detect_params dp = MG_DETECT_PARAMS_DEFAULT; /* std */
        dp.sigma = p->std_sigma;
        mg_rng noise = mg_rng_fork(env->rng, 1);
        s = mg_detect_model(&m->set, S, &dp, &noise, c[4].num);
    }
    for (int64_t i = 0; s == MG_OK && i < n; i++) {
        double ratio = mr.ratio[i], cs = mr.cos_max[i];
        int g = ratio < bp->mem_ratio ? 1 : ratio >= bp->gen_ratio && cs <= bp->gen_cos ? 0 : -1;
        int dup = is_dup[mr.nn1[i]];
        c[0].num[i] = ratio, c[1].num[i] = cs, c[2].num[i] = (double)mr.nn1[i], c[3].num[i] = dup, c[5].num[i] = g;
        if (g == 1) r->n_memorized++, r->memorized_duplicates += dup;
        else if (g == 0) r->n_generalized++;
        else r->n_ambiguous++;
    }
    mg_memratio_free(&mr);
    free(U);
    free(is_dup);
    if (s == MG_OK) {
        r->n = n;
        r->frac_memorized = (double)r->n_memorized / (double)n;
        r->frac_generalized = (double)r->n_generalized / (double)n;
        r->frac_ambiguous = (double)r->n_ambiguous / (double)n;
        r->copies_of_duplicates_share = r->n_memorized ? (double)r->memorized_duplicates / (double)r->n_memorized : NAN;
    }
    return s;
}

/* Histogram of column `col` of the generations over [0, 1] as the table
 * `name` (bin_lo, bin_hi, count) and its two-peak test. */
static mg_status similarity_hist(const mg_exp_fig17_params *p, const mg_table *g, const char *col, const char *name,
                                 mg_table *t, mg_bimodal *bm) {
    int64_t *counts = malloc((size_t)p->bins * sizeof(int64_t)); /* bins */
    mg_status s = counts ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig17: out of memory");
    if (s == MG_OK) s = mg_histogram(mg_table_col(g, col), g->nrows, p->bins, 0.0, 1.0, counts);
    if (s == MG_OK) s = mg_histogram_bimodal(counts, p->bins, p->max_valley, bm);
    if (s == MG_OK) s = mg_table_init(t, name, p->bins, "bin_lo,bin_hi,count");
    for (int b = 0; s == MG_OK && b < p->bins; b++) {
        t->cols[0].num[b] = (double)b / p->bins;
        t->cols[1].num[b] = (double)(b + 1) / p->bins;
        t->cols[2].num[b] = (double)counts[b];
    }
    free(counts);
    return s;
}

/* Median Std(h) of a group (NaN if empty); vals is scratch of n doubles. */
static double group_median(const mg_table *g, int group, double *vals) {
    const double *std = mg_table_col(g, "std_h"), *grp = mg_table_col(g, "group");
    int64_t k = 0;
    for (int64_t i = 0; i < g->nrows; i++)
        if (grp[i] == group) vals[k++] = std[i];
    mg_summary sm;
    return k && mg_summarize(vals, k, &sm) == MG_OK ? sm.median : NAN;
}

/* Medians of Std(h) per group and its AUROC, memorized vs generalized. */
static mg_status std_separation(const mg_table *g, mg_exp_fig17_result *r) {
    int64_t n = g->nrows;
    double *sc = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    int *lab = malloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    mg_status s = sc && lab ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig17: out of memory");
    r->std_auroc = NAN;
    if (s == MG_OK) {
        r->std_median_memorized = group_median(g, 1, sc);
        r->std_median_generalized = group_median(g, 0, sc);
    }
    if (s == MG_OK && r->n_memorized > 0 && r->n_generalized > 0) {
        const double *std = mg_table_col(g, "std_h"), *grp = mg_table_col(g, "group");
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            if (grp[i] >= 0) lab[k] = (int)grp[i], sc[k++] = std[i];
        s = mg_auroc(sc, lab, k, &r->std_auroc);
    }
    free(sc);
    free(lab);
    return s;
}

/* Runs the experiment. */
mg_status mg_exp_fig17_run(const mg_exp_fig17_params *p, const mg_exp_env *env, mg_exp_fig17_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig17, env));
    if (!p || !(p->std_sigma > 0) || p->bins < 2 || p->bins > 100000 || !(p->max_valley >= 0 && p->max_valley < 1))
        return mg_fail(MG_ERR_ARG, "fig17: need std_sigma > 0, 2..100000 bins and max_valley in [0, 1)");
    mg_exp_table1_params tp = p->model;
    tp.bench_skip = 1; /* the generations are measured here */
    tp.seeds = 1;
    mg_exp_table1_result t;
    mg_exp_progress(env, "building the hybrid set and sampling", 0.05);
    MG_TRY(mg_exp_table1_run(&tp, env, &t));
    mg_exp_progress(env, "measuring the generations", 0.7);
    snprintf(r->seed, sizeof r->seed, "%" PRIu64, t.model.seed);
    mg_status s = measure(p, env, &t.model, r);
    if (s == MG_OK) s = similarity_hist(p, &r->generations, "cos_max", "hist_cos", &r->hist_cos, &r->cos);
    if (s == MG_OK) s = similarity_hist(p, &r->generations, "nn_ratio", "hist_ratio", &r->hist_ratio, &r->ratio);
    if (s == MG_OK) s = std_separation(&r->generations, r);
    mg_exp_table1_free(&t);
    if (s != MG_OK) mg_exp_fig17_free(r);
    return s;
}

MG_EXP_DEFINE(fig17, mg_exp_fig17_params, mg_exp_fig17_result, "Duplication induces a memorization mode",
              "Fig. 17, App. A.4", MG_EXP_OWN_DATA);
