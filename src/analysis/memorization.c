/*
 * Memorization measures of generated samples (see memorization.h): nearest-
 * neighbour ratios against the training set, largest cosine similarity, and
 * near duplicates among the generations; the samples in memory or read from
 * an .npy file a chunk of rows at a time (the same code: in memory is one
 * chunk), through the one neighbour search of neighbors.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/memorization.h"
#include "memgen/neighbors.h"
#include "memgen/npy.h"

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

/* Where the generated rows come from: a matrix in memory (whole) or an .npy
 * file read `chunk` rows at a time into two buffers (queries, references). */
typedef struct {
    mg_mat mem;       /* data NULL: read from file */
    mg_npy_rows *file;
    int64_t n, d, chunk;
    float *qbuf, *rbuf;
} sample_rows;

/* Rows [r0, r0 + k) of the samples as a matrix (a view, or read into buf). */
static mg_status sample_chunk(const sample_rows *s, int64_t r0, int64_t k, float *buf, mg_mat *out) {
    if (s->mem.data) {
        *out = (mg_mat){k, s->d, s->mem.ld, s->mem.data + r0 * s->mem.ld};
        return MG_OK;
    }
    MG_TRY(mg_npy_rows_read_f32(s->file, r0, k, buf));
    *out = (mg_mat){k, s->d, s->d, buf};
    return MG_OK;
}

/* Merges a reference chunk's top 2 (idx local to the chunk at r0, -1 empty)
 * into the running top 2 of each query: ascending distance, lower index on
 * ties. */
static void merge_top2(int64_t m, const int64_t *ci, const double *cd, int64_t r0, int64_t *idx, double *dist) {
    for (int64_t i = 0; i < m; i++)
        for (int a = 0; a < 2; a++) {
            if (ci[2 * i + a] < 0) continue;
            int64_t j = ci[2 * i + a] + r0;
            double v = cd[2 * i + a];
            int64_t *I = idx + 2 * i;
            double *D = dist + 2 * i;
            if (I[1] >= 0 && (D[1] < v || (D[1] == v && I[1] < j))) continue;
            if (I[0] < 0 || v < D[0] || (v == D[0] && j < I[0])) {
                I[1] = I[0], D[1] = D[0];
                I[0] = j, D[0] = v;
            } else {
                I[1] = j, D[1] = v;
            }
        }
}

/* The per-sample measures of samples [q0, q0 + Q.rows) (Q): ratio against
 * the training rows and largest cosine (one pass over X), and the ratio
 * against every other sample, over the samples' chunks (idx, dist, ci, cd: 2 Q.rows scratch). */
static mg_status measure_chunk(const sample_rows *s, mg_mat Q, int64_t q0, mg_mat X, mg_memratio *out, int64_t *idx,
                               double *dist, int64_t *ci, double *cd) {
    int64_t m = Q.rows;
    MG_TRY(mg_nn_topk_l2_cosine(Q, X, 2, idx, dist, 1, out->cos_idx + q0, out->cos_max + q0, NULL));
    for (int64_t i = 0; i < m; i++) {
        out->nn1[q0 + i] = idx[2 * i];
        out->nn2[q0 + i] = idx[2 * i + 1];
        out->d1[q0 + i] = dist[2 * i];
        out->d2[q0 + i] = dist[2 * i + 1];
        out->ratio[q0 + i] = nn_ratio(dist[2 * i], dist[2 * i + 1]);
        out->memorized[q0 + i] = out->ratio[q0 + i] < out->threshold;
    }
    if (s->n < 3) {
        for (int64_t i = 0; i < m; i++) out->gen_ratio[q0 + i] = NAN;
        return MG_OK;
    }
    for (int64_t i = 0; i < 2 * m; i++) idx[i] = -1, dist[i] = INFINITY;
    for (int64_t r0 = 0; r0 < s->n; r0 += s->chunk) {
        int64_t rn = s->n - r0 < s->chunk ? s->n - r0 : s->chunk;
        mg_mat R;
        if (r0 == q0 && !s->mem.data) R = Q; /* the query chunk itself: no second read */
        else MG_TRY(sample_chunk(s, r0, rn, s->rbuf, &R));
        mg_nn_opts o = {.metric = MG_NN_L2, .exclude_diag = 1, .diag_offset = q0 - r0};
        MG_TRY(mg_nn_topk(Q, R, 2, &o, ci, cd));
        merge_top2(m, ci, cd, r0, idx, dist);
    }
    for (int64_t i = 0; i < m; i++) out->gen_ratio[q0 + i] = nn_ratio(dist[2 * i], dist[2 * i + 1]);
    return MG_OK;
}

/* The summary of the per-sample measures (sorted: n scratch doubles). */
static mg_status summarize(mg_memratio *out, int64_t train_rows, double *sorted) {
    int64_t n = out->n;
    double mem = 0, dup = 0, sr = 0, sc = 0;
    char *hit = calloc((size_t)train_rows, 1);
    if (!hit) return mg_fail(MG_ERR_NOMEM, "memorization: out of memory");
    for (int64_t i = 0; i < n; i++) {
        mem += out->memorized[i];
        dup += n >= 3 && out->gen_ratio[i] < out->threshold;
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
    memcpy(sorted, out->ratio, (size_t)n * sizeof(double));
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    out->median_ratio = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    return MG_OK;
}

/* All measures of the samples s against X, chunk by chunk. */
static mg_status memratio_run(sample_rows *s, mg_mat X, double threshold, mg_memratio *out) {
    memset(out, 0, sizeof *out);
    if (s->d != X.cols)
        return mg_fail(MG_ERR_SHAPE, "memorization: samples have %lld features but training data %lld",
                       (long long)s->d, (long long)X.cols);
    if (X.rows < 2) return mg_fail(MG_ERR_ARG, "memorization: the training set needs at least 2 rows");
    if (!(threshold > 0) || !isfinite(threshold))
        return mg_fail(MG_ERR_ARG, "memorization: ratio threshold must be > 0 (got %g)", threshold);
    int64_t n = s->n, c = s->chunk;
    size_t nn = (size_t)(n > 0 ? n : 1), cc = (size_t)(c > 0 ? c : 1);
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
    int64_t *idx = malloc(2 * cc * sizeof(int64_t)), *ci = malloc(2 * cc * sizeof(int64_t));
    double *dist = malloc(2 * cc * sizeof(double)), *cd = malloc(2 * cc * sizeof(double));
    double *sorted = malloc(nn * sizeof(double));
    mg_status st = MG_OK;
    if (!out->nn1 || !out->nn2 || !out->d1 || !out->d2 || !out->ratio || !out->memorized || !out->cos_idx ||
        !out->cos_max || !out->gen_ratio || !idx || !dist || !ci || !cd || !sorted)
        st = mg_fail(MG_ERR_NOMEM, "memorization: out of memory");
    for (int64_t q0 = 0; st == MG_OK && q0 < n; q0 += c) {
        int64_t qn = n - q0 < c ? n - q0 : c;
        mg_mat Q;
        st = sample_chunk(s, q0, qn, s->qbuf, &Q);
        if (st == MG_OK) st = measure_chunk(s, Q, q0, X, out, idx, dist, ci, cd);
    }
    if (st == MG_OK && n > 0) st = summarize(out, X.rows, sorted);
    free(idx), free(dist), free(ci), free(cd), free(sorted);
    if (st != MG_OK) mg_memratio_free(out);
    return st;
}

/* All measures of S against X (S in memory: one chunk). */
mg_status mg_memratio_compute(mg_mat S, mg_mat X, double threshold, mg_memratio *out) {
    sample_rows s = {.mem = S, .n = S.rows, .d = S.cols, .chunk = S.rows > 0 ? S.rows : 1};
    if (!S.data && S.rows > 0) return mg_fail(MG_ERR_ARG, "memorization: no samples");
    if (!S.data) s.mem.data = X.data; /* zero rows: any non-NULL view */
    return memratio_run(&s, X, threshold, out);
}

/* All measures of the samples of an .npy file, chunk_rows at a time. */
mg_status mg_memratio_compute_file(const char *samples, int64_t chunk_rows, mg_mat X, double threshold,
                                   mg_memratio *out) {
    memset(out, 0, sizeof *out);
    if (chunk_rows < 1)
        return mg_fail(MG_ERR_ARG, "memorization: chunk_rows must be >= 1 (got %lld)", (long long)chunk_rows);
    sample_rows s = {.chunk = chunk_rows};
    MG_TRY(mg_npy_rows_open(samples, &s.file));
    const mg_npy_info *in = mg_npy_rows_info(s.file);
    s.n = in->shape[0];
    s.d = mg_npy_rows_width(s.file);
    mg_status st = in->ndim == 2 ? MG_OK : mg_fail(MG_ERR_SHAPE, "memorization: %s is not an n x d matrix", samples);
    if (s.chunk > s.n) s.chunk = s.n > 0 ? s.n : 1;
    s.qbuf = mg_alloc((size_t)s.chunk * (size_t)(s.d > 0 ? s.d : 1), sizeof(float));
    s.rbuf = mg_alloc((size_t)s.chunk * (size_t)(s.d > 0 ? s.d : 1), sizeof(float));
    if (st == MG_OK && (!s.qbuf || !s.rbuf)) st = mg_fail(MG_ERR_NOMEM, "memorization: cannot hold a chunk");
    if (st == MG_OK) st = memratio_run(&s, X, threshold, out);
    free(s.qbuf), free(s.rbuf);
    mg_npy_rows_close(s.file);
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
