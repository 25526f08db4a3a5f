/*
 * Helpers shared by the experiment files (exp_internal.h) and the entry
 * points of experiment.h that are not tied to one experiment.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/detect.h"

/* Progress through the env. */
void mg_exp_progress(const mg_exp_env *env, const char *detail, double fraction) {
    if (!env || !env->progress) return;
    env->progress(env->progress_ctx, detail ? detail : "", fraction < 0 ? 0 : fraction > 1 ? 1 : fraction);
}

/* n rows cycling through the rows of src. */
mg_status mg_exp_cycle_rows(mg_mat src, int64_t n, mg_array *out) {
    memset(out, 0, sizeof *out);
    if (src.rows < 1 || n < 1) return mg_fail(MG_ERR_ARG, "cycling rows: empty source or count");
    int64_t shape[2] = {n, src.cols};
    MG_TRY(mg_array_alloc(out, MG_F32, 2, shape));
    float *o = out->data;
    for (int64_t i = 0; i < n; i++)
        memcpy(o + i * src.cols, src.data + (i % src.rows) * src.ld, (size_t)src.cols * sizeof(float));
    return MG_OK;
}

/* The Euclidean norm of every row, in double. */
mg_status mg_exp_row_norms(mg_mat X, double **out) {
    if (!(*out = mg_alloc((size_t)(X.rows > 0 ? X.rows : 1), sizeof(double))))
        return mg_fail(MG_ERR_NOMEM, "out of memory for row norms");
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double q = 0;
        for (int64_t j = 0; j < X.cols; j++) q += (double)x[j] * x[j];
        (*out)[i] = sqrt(q);
    }
    return MG_OK;
}

/* The level holding sigma exactly. */
mg_status mg_exp_level(const mg_daeset *set, double sigma, int *level) {
    int lv = mg_daeset_nearest(set, sigma);
    if (lv < 0 || !(fabs(set->sigmas[lv] - sigma) <= 1e-9 * sigma))
        return mg_fail(MG_ERR_ARG, "the DAE set has no level at sigma = %g (nearest %g)", sigma,
                       lv >= 0 ? set->sigmas[lv] : NAN);
    *level = lv;
    return MG_OK;
}

/* A one-row float32 array. */
mg_status mg_exp_row_array(const float *v, int64_t n, mg_array *out) {
    int64_t shape[2] = {1, n};
    MG_TRY(mg_array_alloc(out, MG_F32, 2, shape));
    memcpy(out->data, v, (size_t)n * sizeof(float));
    return MG_OK;
}

/* Appends the ROC curve of scores / labels as table `name` (fpr, tpr, threshold). */
mg_status mg_exp_roc_table(const double *scores, const int *labels, int64_t n, const char *name, mg_table_list *l) {
    double *fpr = NULL, *tpr = NULL, *thr = NULL;
    int64_t np = 0;
    MG_TRY(mg_roc_curve(scores, labels, n, &fpr, &tpr, &thr, &np));
    mg_table *t = NULL;
    mg_status s = mg_table_list_add(l, &t);
    if (s == MG_OK) s = mg_table_init(t, name, np, "fpr,tpr,threshold");
    for (int64_t j = 0; s == MG_OK && j < np; j++)
        t->cols[0].num[j] = fpr[j], t->cols[1].num[j] = tpr[j], t->cols[2].num[j] = thr[j];
    free(fpr), free(tpr), free(thr);
    return s;
}
