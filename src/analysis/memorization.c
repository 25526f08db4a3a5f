/*
 * Memorization measures of generated samples (see memorization.h): nearest-
 * neighbour ratios against the training set, largest cosine similarity, and
 * near duplicates among the generations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/memorization.h"
#include "memgen/neighbors.h"

/* d1 / d2 with the degenerate cases defined. */
static double nn_ratio(double d1, double d2) {
    if (d2 > 0) return d1 / d2;
    return d1 > 0 ? INFINITY : 1.0; /* d1 <= d2, so d2 == 0 forces d1 == 0 */
}

/* Ascending comparison for qsort. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Frees every array of the result. */
void mg_memratio_free(mg_memratio *r) {
    if (!r) return;
    free(r->nn1);
    free(r->nn2);
    free(r->d1);
    free(r->d2);
    free(r->ratio);
    free(r->memorized);
    free(r->cos_idx);
    free(r->cos_max);
    free(r->gen_ratio);
    memset(r, 0, sizeof *r);
}

/* All measures of S against X. */
mg_status mg_memratio_compute(mg_mat S, mg_mat X, double threshold, mg_memratio *out) {
    memset(out, 0, sizeof *out);
    if (S.cols != X.cols)
        return mg_fail(MG_ERR_SHAPE, "memorization: samples have %lld features but training data %lld",
                       (long long)S.cols, (long long)X.cols);
    if (X.rows < 2) return mg_fail(MG_ERR_ARG, "memorization: the training set needs at least 2 rows");
    if (!(threshold > 0) || !isfinite(threshold))
        return mg_fail(MG_ERR_ARG, "memorization: ratio threshold must be > 0 (got %g)", threshold);
    int64_t n = S.rows;
    size_t nn = (size_t)(n > 0 ? n : 1);
    out->n = n;
    out->threshold = threshold;
    out->nn1 = malloc(nn * sizeof(int64_t));
    out->nn2 = malloc(nn * sizeof(int64_t));
    out->d1 = malloc(nn * sizeof(double));
    out->d2 = malloc(nn * sizeof(double));
    out->ratio = malloc(nn * sizeof(double));
    out->memorized = malloc(nn * sizeof(int));
    out->cos_idx = malloc(nn * sizeof(int64_t));
    out->cos_max = malloc(nn * sizeof(double));
    out->gen_ratio = malloc(nn * sizeof(double));
    int64_t *idx = malloc(2 * nn * sizeof(int64_t));
    double *dist = malloc(2 * nn * sizeof(double));
    mg_status st = MG_OK;
    if (!out->nn1 || !out->nn2 || !out->d1 || !out->d2 || !out->ratio || !out->memorized || !out->cos_idx ||
        !out->cos_max || !out->gen_ratio || !idx || !dist) {
        st = mg_fail(MG_ERR_NOMEM, "memorization: out of memory");
        goto done;
    }
    if (n == 0) goto done;
    st = mg_knn(S, X, 2, 0, idx, dist);
    if (st != MG_OK) goto done;
    for (int64_t i = 0; i < n; i++) {
        out->nn1[i] = idx[2 * i];
        out->nn2[i] = idx[2 * i + 1];
        out->d1[i] = dist[2 * i];
        out->d2[i] = dist[2 * i + 1];
        out->ratio[i] = nn_ratio(dist[2 * i], dist[2 * i + 1]);
        out->memorized[i] = out->ratio[i] < threshold;
    }
    st = mg_max_cosine(S, X, 0, out->cos_idx, out->cos_max);
    if (st != MG_OK) goto done;
    if (n >= 3) {
        st = mg_knn(S, S, 2, 1, idx, dist);
        if (st != MG_OK) goto done;
        for (int64_t i = 0; i < n; i++) out->gen_ratio[i] = nn_ratio(dist[2 * i], dist[2 * i + 1]);
    } else {
        for (int64_t i = 0; i < n; i++) out->gen_ratio[i] = NAN;
    }
    /* summary */
    double mem = 0, dup = 0, sr = 0, sc = 0;
    char *hit = calloc((size_t)X.rows, 1);
    if (!hit) {
        st = mg_fail(MG_ERR_NOMEM, "memorization: out of memory");
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        mem += out->memorized[i];
        dup += n >= 3 && out->gen_ratio[i] < threshold;
        sr += out->ratio[i];
        sc += out->cos_max[i];
        if (out->memorized[i] && !hit[out->nn1[i]]) {
            hit[out->nn1[i]] = 1;
            out->distinct_memorized++;
        }
    }
    free(hit);
    out->frac_memorized = mem / (double)n;
    out->frac_near_duplicate = n >= 3 ? dup / (double)n : NAN;
    out->mean_ratio = sr / (double)n;
    out->mean_cos_max = sc / (double)n;
    memcpy(dist, out->ratio, (size_t)n * sizeof(double));
    qsort(dist, (size_t)n, sizeof(double), cmp_double);
    out->median_ratio = n % 2 ? dist[n / 2] : 0.5 * (dist[n / 2 - 1] + dist[n / 2]);
done:
    free(idx);
    free(dist);
    if (st != MG_OK) mg_memratio_free(out);
    return st;
}

/* Rows at unit norm. */
mg_status mg_rows_unit_norm(mg_mat X, mg_array *out) {
    int64_t shape[2] = {X.rows, X.cols};
    MG_TRY(mg_array_alloc(out, MG_F32, 2, shape));
    float *o = out->data;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double q = 0;
        for (int64_t j = 0; j < X.cols; j++) q += (double)x[j] * x[j];
        q = sqrt(q);
        for (int64_t j = 0; j < X.cols; j++) o[i * X.cols + j] = q > 0 ? (float)((double)x[j] / q) : 0.0f;
    }
    return MG_OK;
}

/* The measures of S against X, both at unit norm. */
mg_status mg_memratio_compute_upto_scale(mg_mat S, mg_mat X, double threshold, mg_memratio *out) {
    memset(out, 0, sizeof *out);
    mg_array us = {0}, ux = {0};
    mg_status s = mg_rows_unit_norm(S, &us);
    if (s == MG_OK) s = mg_rows_unit_norm(X, &ux);
    if (s == MG_OK) s = mg_memratio_compute(mg_mat_of_array(&us), mg_mat_of_array(&ux), threshold, out);
    mg_array_free(&us);
    mg_array_free(&ux);
    return s;
}
