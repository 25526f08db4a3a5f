/*
 * Exact k-nearest neighbours and maximal cosine similarity between row sets,
 * blocked over queries and references so memory stays bounded (a 256 x 2048
 * Gram block) while every product goes through mg_sgemm_det (parallel on
 * OpenMP threads, the same bits on any thread count).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/blas.h"
#include "memgen/neighbors.h"

#define QBLOCK 256
#define RBLOCK 2048
#define EXTRA_CANDIDATES 8

/* Called for each Gram block G (qn x rn, ld RBLOCK) of queries q0.. and
 * references r0.. . */
typedef void (*block_visitor)(void *ctx, int64_t q0, int64_t qn, int64_t r0, int64_t rn, const float *G);

/* Runs the visitor over all blocks of Q R^T. */
static mg_status scan_blocks(mg_mat Q, mg_mat R, block_visitor visit, void *ctx) {
    float *G = mg_alloc((size_t)QBLOCK * RBLOCK, sizeof(float));
    if (!G) return mg_fail(MG_ERR_NOMEM, "neighbours: cannot allocate the Gram block");
    for (int64_t q0 = 0; q0 < Q.rows; q0 += QBLOCK) {
        int64_t qn = Q.rows - q0 < QBLOCK ? Q.rows - q0 : QBLOCK;
        for (int64_t r0 = 0; r0 < R.rows; r0 += RBLOCK) {
            int64_t rn = R.rows - r0 < RBLOCK ? R.rows - r0 : RBLOCK;
            /* G = Q[q0:q0+qn] R[r0:r0+rn]^T */
            mg_sgemm_det(0, 1, qn, rn, Q.cols, 1.0f, Q.data + q0 * Q.ld, Q.ld, R.data + r0 * R.ld, R.ld, 0.0f, G,
                         RBLOCK);
            visit(ctx, q0, qn, r0, rn, G);
        }
    }
    free(G);
    return MG_OK;
}

/* Squared norms of the rows of A (in double). */
static double *row_sqnorms(mg_mat A) {
    double *n = malloc((size_t)(A.rows > 0 ? A.rows : 1) * sizeof(double));
    if (!n) return NULL;
    for (int64_t i = 0; i < A.rows; i++) {
        const float *a = A.data + i * A.ld;
        double s = 0;
        for (int64_t j = 0; j < A.cols; j++) s += (double)a[j] * a[j];
        n[i] = s;
    }
    return n;
}

/* Validates a pair of row sets. */
static mg_status check_pair(mg_mat Q, mg_mat R, int exclude_self, const char *what) {
    if (Q.cols != R.cols)
        return mg_fail(MG_ERR_SHAPE, "%s: queries have %lld features but references %lld", what, (long long)Q.cols,
                       (long long)R.cols);
    if (exclude_self && Q.rows != R.rows)
        return mg_fail(MG_ERR_SHAPE, "%s: excluding self needs the same set on both sides", what);
    if (Q.cols > INT32_MAX || Q.ld > INT32_MAX || R.ld > INT32_MAX)
        return mg_fail(MG_ERR_SHAPE, "%s: rows too long for BLAS", what);
    if (Q.rows > 0) MG_TRY(mg_mat_check(Q, what));
    if (R.rows > 0) MG_TRY(mg_mat_check(R, what));
    return MG_OK;
}

/* State of the candidate search: per query a list of c (approx d2, index)
 * pairs kept sorted ascending. */
typedef struct {
    int c;
    int exclude_self;
    const double *qn, *rn;
    double *cd;   /* m x c approximate squared distances */
    int64_t *ci;  /* m x c indices, -1 = empty */
} knn_state;

/* Inserts candidates from one Gram block. */
static void knn_visit(void *ctx, int64_t q0, int64_t qn, int64_t r0, int64_t rn, const float *G) {
    knn_state *s = ctx;
    for (int64_t a = 0; a < qn; a++) {
        int64_t i = q0 + a;
        double *cd = s->cd + i * s->c;
        int64_t *ci = s->ci + i * s->c;
        const float *g = G + a * RBLOCK;
        for (int64_t b = 0; b < rn; b++) {
            int64_t j = r0 + b;
            if (s->exclude_self && j == i) continue;
            double d2 = s->qn[i] + s->rn[j] - 2.0 * (double)g[b];
            if (d2 >= cd[s->c - 1]) continue;
            int pos = s->c - 1;
            while (pos > 0 && cd[pos - 1] > d2) {
                cd[pos] = cd[pos - 1];
                ci[pos] = ci[pos - 1];
                pos--;
            }
            cd[pos] = d2;
            ci[pos] = j;
        }
    }
}

/* Exact squared distance in double. */
static double exact_d2(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) {
        double u = (double)a[t] - b[t];
        s += u * u;
    }
    return s;
}

/* k nearest neighbours with exact distances. */
mg_status mg_knn(mg_mat Q, mg_mat R, int k, int exclude_self, int64_t *idx, double *dist) {
    MG_TRY(check_pair(Q, R, exclude_self, "nearest neighbours"));
    int64_t avail = R.rows - (exclude_self ? 1 : 0);
    if (k < 1 || k > avail)
        return mg_fail(MG_ERR_ARG, "nearest neighbours: k = %d but only %lld reference rows are available", k,
                       (long long)avail);
    if (Q.rows == 0) return MG_OK;
    knn_state s;
    s.c = (int)((int64_t)k + EXTRA_CANDIDATES < avail ? k + EXTRA_CANDIDATES : avail);
    s.exclude_self = exclude_self;
    double *qn = row_sqnorms(Q), *rn = row_sqnorms(R);
    s.qn = qn;
    s.rn = rn;
    s.cd = malloc((size_t)Q.rows * (size_t)s.c * sizeof(double));
    s.ci = malloc((size_t)Q.rows * (size_t)s.c * sizeof(int64_t));
    mg_status st = MG_OK;
    if (!qn || !rn || !s.cd || !s.ci) {
        st = mg_fail(MG_ERR_NOMEM, "nearest neighbours: out of memory");
        goto done;
    }
    for (int64_t t = 0; t < Q.rows * s.c; t++) {
        s.cd[t] = INFINITY;
        s.ci[t] = -1;
    }
    st = scan_blocks(Q, R, knn_visit, &s);
    if (st != MG_OK) goto done;
    /* exact re-ranking of the candidates */
    for (int64_t i = 0; i < Q.rows; i++) {
        double *cd = s.cd + i * s.c;
        int64_t *ci = s.ci + i * s.c;
        for (int a = 0; a < s.c; a++) cd[a] = exact_d2(Q.data + i * Q.ld, R.data + ci[a] * R.ld, Q.cols);
        for (int a = 1; a < s.c; a++) { /* insertion sort by (distance, index) */
            double v = cd[a];
            int64_t vi = ci[a];
            int b = a;
            while (b > 0 && (cd[b - 1] > v || (cd[b - 1] == v && ci[b - 1] > vi))) {
                cd[b] = cd[b - 1];
                ci[b] = ci[b - 1];
                b--;
            }
            cd[b] = v;
            ci[b] = vi;
        }
        for (int a = 0; a < k; a++) {
            idx[i * k + a] = ci[a];
            dist[i * k + a] = sqrt(cd[a]);
        }
    }
done:
    free(qn);
    free(rn);
    free(s.cd);
    free(s.ci);
    return st;
}

/* State of the max-cosine search. */
typedef struct {
    int exclude_self;
    const double *qn, *rn; /* norms (not squared) */
    int64_t *idx;
    double *best;
} cos_state;

/* Updates the best cosine per query from one block. */
static void cos_visit(void *ctx, int64_t q0, int64_t qn, int64_t r0, int64_t rn, const float *G) {
    cos_state *s = ctx;
    for (int64_t a = 0; a < qn; a++) {
        int64_t i = q0 + a;
        const float *g = G + a * RBLOCK;
        for (int64_t b = 0; b < rn; b++) {
            int64_t j = r0 + b;
            if (s->exclude_self && j == i) continue;
            double den = s->qn[i] * s->rn[j];
            double c = den > 0 ? (double)g[b] / den : 0.0;
            if (s->idx[i] < 0 || c > s->best[i]) {
                s->best[i] = c;
                s->idx[i] = j;
            }
        }
    }
}

/* Largest cosine similarity per query (recomputed exactly in double). */
mg_status mg_max_cosine(mg_mat Q, mg_mat R, int exclude_self, int64_t *idx, double *cos) {
    MG_TRY(check_pair(Q, R, exclude_self, "cosine similarity"));
    if (R.rows - (exclude_self ? 1 : 0) < 1) return mg_fail(MG_ERR_ARG, "cosine similarity: no reference rows");
    double *qn = row_sqnorms(Q), *rn = row_sqnorms(R);
    if (!qn || !rn) {
        free(qn);
        free(rn);
        return mg_fail(MG_ERR_NOMEM, "cosine similarity: out of memory");
    }
    for (int64_t i = 0; i < Q.rows; i++) qn[i] = sqrt(qn[i]);
    for (int64_t j = 0; j < R.rows; j++) rn[j] = sqrt(rn[j]);
    cos_state s = {exclude_self, qn, rn, idx, cos};
    for (int64_t i = 0; i < Q.rows; i++) idx[i] = -1;
    mg_status st = scan_blocks(Q, R, cos_visit, &s);
    for (int64_t i = 0; st == MG_OK && i < Q.rows; i++) {
        const float *q = Q.data + i * Q.ld, *r = R.data + idx[i] * R.ld;
        double dot = 0;
        for (int64_t t = 0; t < Q.cols; t++) dot += (double)q[t] * r[t];
        double den = qn[i] * rn[idx[i]];
        cos[i] = den > 0 ? dot / den : 0.0;
    }
    free(qn);
    free(rn);
    return st;
}
