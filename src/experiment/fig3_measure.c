/*
 * The measures of experiment fig3 (memgen/experiment/fig3.h; paper Fig. 3,
 * Sec. 3.2): for a set of rows against its training rows, the literal
 * memorization measures (nearest-neighbour ratio, largest cosine, norm, and
 * the true mixture's density), the same up to scale (the ratio on unit-norm
 * rows, the cosine threshold), and the in-distribution checks of the rows
 * measured against the generalizing training set, literal and after
 * rescaling every row to the held-out rows' median norm.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fig3_internal.h"
#include "memgen/neighbors.h"
#include "memgen/repr.h"

const char *const mg_f3_keys[F3_NSETS] = {"mem", "emp", "gen", "test", "tc_mem", "tc_gen"};

/* The nearest mode of each row of Y by squared Mahalanobis distance (the
 * true mixture smoothed to sigma_min): the distance into maha, the mode into
 * mode (may be NULL), the log-density into logp (may be NULL). */
static mg_status nearest_mode(const mg_mog *mog, mg_mat Y, double sigma_min, double *logp, double *maha, double *mode) {
    int64_t n = Y.rows, K = mog->K;
    double *m2 = mg_alloc((size_t)(n * K > 0 ? n * K : 1), sizeof(double)); /* n x K squared distances */
    double *lp = logp ? NULL : mg_alloc((size_t)(n > 0 ? n : 1), sizeof(double));
    mg_status st = m2 && (logp || lp) ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
    if (st == MG_OK) st = mg_mog_logpdf(mog, Y, sigma_min, logp ? logp : lp, m2);
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        int64_t b = 0;
        for (int64_t k = 1; k < K; k++)
            if (m2[i * K + k] < m2[i * K + b]) b = k;
        if (mode) mode[i] = (double)b;
        maha[i] = m2[i * K + b];
    }
    free(m2);
    free(lp);
    return st;
}

/* The mixture's columns of a measures table: the log-density of the true
 * mixture smoothed to sigma_min, the nearest mode by Mahalanobis distance,
 * that distance and the coordinate along the mode's mean. */
static mg_status mog_measures(const mg_exp_data *d, double sigma_min, f3_set *s) {
    int64_t n = s->S.rows, D = d->d;
    int c[4];
    static const char *const names[4] = {"logp_smoothed", "mahalanobis2_nearest", "nearest_mode", "mean_axis_coord"};
    for (int j = 0; j < 4; j++) MG_TRY(mg_table_add(s->t, names[j], MG_COL_F64, &c[j]));
    double *logp = s->t->cols[c[0]].num, *maha = s->t->cols[c[1]].num, *mode = s->t->cols[c[2]].num,
           *axis = s->t->cols[c[3]].num;
    MG_TRY(nearest_mode(&d->mog, s->S, sigma_min, logp, maha, mode));
    for (int64_t i = 0; i < n; i++) {
        const double *mu = d->mog.means + (int64_t)mode[i] * D;
        double dot = 0, mm = 0;
        for (int64_t j = 0; j < D; j++) mm += mu[j] * mu[j];
        for (int64_t j = 0; j < D; j++) dot += s->S.data[i * s->S.ld + j] * mu[j];
        axis[i] = mm > 0 ? dot / sqrt(mm) : 0.0;
    }
    return MG_OK;
}

/* The memorization measures and norms of a set (and the mixture's columns)
 * into its table, and its summary. */
mg_status mg_f3_measure(const mg_exp_fig3_params *p, const mg_exp_data *d, double sigma_min, f3_set *s) {
    MG_TRY(mg_memratio_compute(s->S, s->train, p->ratio_threshold, &s->mr));
    int64_t n = s->S.rows;
    char name[32];
    snprintf(name, sizeof name, "%s_measures", mg_f3_keys[s->key]);
    MG_TRY(mg_table_init(s->t, name, n, "ratio,d1,d2,nn1,nn2,memorized,cos_max,cos_idx,norm"));
    double *c[9];
    for (int j = 0; j < 9; j++) c[j] = s->t->cols[j].num;
    const mg_memratio *mr = &s->mr;
    for (int64_t k = 0; k < n; k++) {
        c[0][k] = mr->ratio[k], c[1][k] = mr->d1[k], c[2][k] = mr->d2[k];
        c[3][k] = (double)mr->nn1[k], c[4][k] = (double)mr->nn2[k], c[5][k] = (double)mr->memorized[k];
        c[6][k] = mr->cos_max[k], c[7][k] = (double)mr->cos_idx[k];
    }
    double *norm = NULL;
    mg_status st = mg_exp_row_norms(s->S, &norm);
    if (st == MG_OK) memcpy(c[8], norm, (size_t)n * sizeof(double));
    free(norm);
    if (st == MG_OK && d->has_mog) st = mog_measures(d, sigma_min, s);
    mg_exp_fig3_set *m = s->sum;
    m->training_rows = s->train.rows;
    m->samples = n;
    m->memorized = mr->frac_memorized;
    m->distinct_copied = mr->distinct_memorized;
    m->median_ratio = mr->median_ratio;
    m->mean_cos_max = mr->mean_cos_max;
    m->near_duplicate = mr->frac_near_duplicate;
    return st;
}

/* The set up to scale: the nearest-neighbour ratio of its rows at unit norm
 * against the training rows at unit norm (|u - v|^2 = 2 - 2 cos), the
 * cosine threshold of the authors' notebooks, and the norm relative to the
 * training rows'. */
mg_status mg_f3_measure_scale(const mg_exp_fig3_params *p, f3_set *s) {
    mg_array us;
    MG_TRY(mg_rows_unit_norm(s->S, &us));
    mg_status st = mg_memratio_compute(mg_mat_of_array(&us), s->unit_train, p->ratio_threshold, &s->ur);
    mg_array_free(&us);
    MG_TRY(st);
    int64_t n = s->S.rows, copies = 0;
    char name[32];
    snprintf(name, sizeof name, "%s_upto_scale", mg_f3_keys[s->key]);
    MG_TRY(mg_table_init(s->u, name, n,
                         "unit_ratio,unit_d1,unit_d2,unit_nn1,unit_nn2,unit_memorized,direction_copy,norm_over_train"));
    double *c[8];
    for (int j = 0; j < 8; j++) c[j] = s->u->cols[j].num;
    const double *cos = mg_table_col(s->t, "cos_max"), *norm = mg_table_col(s->t, "norm");
    const mg_memratio *ur = &s->ur;
    for (int64_t k = 0; k < n; k++) {
        c[0][k] = ur->ratio[k], c[1][k] = ur->d1[k], c[2][k] = ur->d2[k];
        c[3][k] = (double)ur->nn1[k], c[4][k] = (double)ur->nn2[k], c[5][k] = (double)ur->memorized[k];
        c[6][k] = cos[k] >= p->direction_cosine;
        c[7][k] = norm[k] / s->train_median_norm;
        copies += cos[k] >= p->direction_cosine;
    }
    mg_summary sn;
    MG_TRY(mg_summarize(norm, n, &sn));
    mg_exp_fig3_set *m = s->sum;
    m->direction_copies = (double)copies / (double)n;
    m->unit_memorized = ur->frac_memorized;
    m->unit_distinct_copied = ur->distinct_memorized;
    m->median_unit_ratio = ur->median_ratio;
    m->median_norm = sn.median;
    m->train_median_norm = s->train_median_norm;
    return MG_OK;
}

/* ---- in-distribution ------------------------------------------------------------------ */

/* The held-out reference: quantiles of the held-out rows, literal and rescaled. */
typedef struct {
    mg_summary norm;        /* norms */
    mg_summary maha, smaha; /* MoG: squared Mahalanobis distance to the nearest mode, literal / rescaled */
    mg_summary nn, snn;     /* images: distance to the nearest training image, literal / rescaled */
} f3_ref;

/* The rescaled columns of a set: every row scaled to norm m (a zero row
 * kept), then the squared Mahalanobis distance of the rescaled row to the
 * nearest mode (MoG) or its distance to the nearest training image. */
static mg_status scaled_columns(const mg_exp_data *d, double sigma_min, double m, f3_set *s) {
    int64_t n = s->S.rows, D = s->S.cols;
    int cs, cm;
    MG_TRY(mg_table_add(s->u, "scale", MG_COL_F64, &cs));
    MG_TRY(mg_table_add(s->u, d->has_mog ? "scaled_mahalanobis2_nearest" : "scaled_d1", MG_COL_F64, &cm));
    double *scale = s->u->cols[cs].num, *out = s->u->cols[cm].num;
    const double *norm = mg_table_col(s->t, "norm");
    int64_t shape[2] = {n, D};
    mg_array Y;
    MG_TRY(mg_array_alloc(&Y, MG_F32, 2, shape));
    float *y = Y.data;
    for (int64_t i = 0; i < n; i++) {
        scale[i] = norm[i] > 0 ? m / norm[i] : 1.0;
        for (int64_t j = 0; j < D; j++) y[i * D + j] = (float)(s->S.data[i * s->S.ld + j] * scale[i]);
    }
    mg_status st;
    if (d->has_mog) st = nearest_mode(&d->mog, mg_mat_of_array(&Y), sigma_min, NULL, out, NULL);
    else {
        int64_t *idx = mg_alloc((size_t)(n > 0 ? n : 1), sizeof(int64_t));
        st = idx ? mg_knn(mg_mat_of_array(&Y), s->train, 1, 0, idx, out) : mg_fail(MG_ERR_NOMEM, "fig3: out of memory");
        free(idx);
    }
    mg_array_free(&Y);
    return st;
}

/* Median of a column into *out. */
static mg_status median_of(const double *x, int64_t n, double *out) {
    mg_summary s;
    MG_TRY(mg_summarize(x, n, &s));
    *out = s.median;
    return MG_OK;
}

/* The checks of one set against the reference: per row "inside" (literal)
 * and "scaled_inside" (rescaled), and the summary's shares and medians.
 * MoG: squared Mahalanobis distance at most the held-out 95% quantile (a
 * density at least as high as 95% of real samples). Images: distance to the
 * nearest training image AND norm inside the held-out 5-95% ranges
 * (two-sided: dim or blurred outputs sit unusually close to the training set
 * without being copies); rescaled, the distance alone. */
static mg_status check(const mg_exp_data *d, const f3_ref *ref, f3_set *s) {
    int64_t n = s->S.rows, c = 0, cs = 0;
    int ci, csi;
    MG_TRY(mg_table_add(s->u, "inside", MG_COL_F64, &ci));
    MG_TRY(mg_table_add(s->u, "scaled_inside", MG_COL_F64, &csi));
    double *in = s->u->cols[ci].num, *sin_ = s->u->cols[csi].num;
    mg_exp_fig3_set *m = s->sum;
    const double *norm = mg_table_col(s->t, "norm");
    if (d->has_mog) {
        const double *gm = mg_table_col(s->t, "mahalanobis2_nearest"), *mode = mg_table_col(s->t, "nearest_mode");
        const double *sm = mg_table_col(s->u, "scaled_mahalanobis2_nearest");
        double m0 = 0;
        for (int64_t i = 0; i < n; i++) {
            in[i] = gm[i] <= ref->maha.q95;
            sin_[i] = sm[i] <= ref->smaha.q95;
            c += in[i] != 0, cs += sin_[i] != 0, m0 += mode[i] == 0.0;
        }
        m->mode0_share = m0 / (double)n;
        MG_TRY(median_of(gm, n, &m->median_mahalanobis2));
        MG_TRY(median_of(mg_table_col(s->t, "mean_axis_coord"), n, &m->median_mean_axis));
        MG_TRY(median_of(sm, n, &m->scaled_median_mahalanobis2));
    } else {
        const double *gd = mg_table_col(s->t, "d1"), *sd = mg_table_col(s->u, "scaled_d1");
        int64_t cd = 0, cn = 0;
        for (int64_t i = 0; i < n; i++) {
            int a = gd[i] >= ref->nn.q05 && gd[i] <= ref->nn.q95;
            int b = norm[i] >= ref->norm.q05 && norm[i] <= ref->norm.q95;
            in[i] = a && b;
            sin_[i] = sd[i] >= ref->snn.q05 && sd[i] <= ref->snn.q95;
            cd += a, cn += b, c += a && b, cs += sin_[i] != 0;
        }
        m->inside_nn_dist_share = (double)cd / (double)n;
        m->inside_norm_share = (double)cn / (double)n;
        MG_TRY(median_of(gd, n, &m->median_nn_dist));
        MG_TRY(median_of(sd, n, &m->scaled_median_nn_dist));
    }
    m->inside_share = (double)c / (double)n;
    m->scaled_inside_share = (double)cs / (double)n;
    return MG_OK;
}

/* The in-distribution checks of every set measured against the
 * generalizing rows: the held-out reference, the rescaled columns, then the
 * checks. */
mg_status mg_f3_in_distribution(const mg_exp_data *d, double sigma_min, f3_set set[F3_NSETS], mg_exp_fig3_result *r) {
    f3_set *t = &set[F3_TEST];
    const mg_table *tt = t->t;
    int64_t nt = tt->nrows;
    f3_ref ref;
    memset(&ref, 0, sizeof ref);
    MG_TRY(mg_summarize(mg_table_col(tt, "norm"), nt, &ref.norm));
    double m = ref.norm.median; /* every rescaled row gets the held-out median norm */
    for (int i = 0; i < F3_NSETS; i++)
        if (set[i].gen_like) MG_TRY(scaled_columns(d, sigma_min, m, &set[i]));
    r->test_median_norm = m;
    if (d->has_mog) {
        MG_TRY(mg_summarize(mg_table_col(tt, "mahalanobis2_nearest"), nt, &ref.maha));
        MG_TRY(mg_summarize(mg_table_col(t->u, "scaled_mahalanobis2_nearest"), nt, &ref.smaha));
        r->test_median_mahalanobis2 = ref.maha.median;
        r->test_q95_mahalanobis2 = ref.maha.q95;
        r->test_scaled_q95_mahalanobis2 = ref.smaha.q95;
    } else {
        MG_TRY(mg_summarize(mg_table_col(tt, "d1"), nt, &ref.nn));
        MG_TRY(mg_summarize(mg_table_col(t->u, "scaled_d1"), nt, &ref.snn));
        r->test_median_nn_dist = ref.nn.median;
        r->test_q05_nn_dist = ref.nn.q05;
        r->test_q95_nn_dist = ref.nn.q95;
        r->test_q05_norm = ref.norm.q05;
        r->test_q95_norm = ref.norm.q95;
        r->test_scaled_q05_nn_dist = ref.snn.q05;
        r->test_scaled_q95_nn_dist = ref.snn.q95;
    }
    for (int i = 0; i < F3_NSETS; i++)
        if (set[i].gen_like) MG_TRY(check(d, &ref, &set[i]));
    return MG_OK;
}
