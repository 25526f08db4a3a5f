/*
 * (alpha, beta)-separability of a partition (Definition 3.1), the margin
 * gamma of Eq. 16 (Appendix C.2 step 1) for a construction, the measured
 * pre-activation margins of the constructed weights on the data, and a
 * verdict on whether Theorem 3.1's assumptions hold.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/blas.h"
#include "theory_internal.h"

/* Rows per block of cluster means or samples in the Gram products. */
#define SEP_ROWS 256

/* Definition 3.1: alpha (within-cluster spread) and beta (max mean cosine). */
mg_status mg_separability_compute(mg_mat X, const int64_t *labels, int64_t K, mg_separability *out) {
    memset(out, 0, sizeof(*out));
    MG_TRY(mg__check_data(X, "separability"));
    int64_t n = X.rows, d = X.cols;
    mg_clusters cl;
    MG_TRY(mg__clusters_build(labels, n, K, "separability", &cl));
    double *M = mg_alloc((size_t)K * (size_t)d, sizeof(double)); /* K x d: means, then unit means */
    double *nrm = mg_alloc((size_t)K, sizeof(double));           /* K: |xbar_k| */
    int64_t gb = K < SEP_ROWS ? K : SEP_ROWS;
    double *G = mg_alloc((size_t)gb * (size_t)K, sizeof(double)); /* gb x K cosine block */
    if (!M || !nrm || !G) {
        free(M), free(nrm), free(G);
        mg__clusters_free(&cl);
        return mg_fail(MG_ERR_NOMEM, "separability: out of memory for %lld cluster means", (long long)K);
    }
    out->K = K;
    out->alpha = 0;
    out->alpha_sample = cl.idx[0];
    out->min_mean_norm = INFINITY;
    for (int64_t k = 0; k < K; k++) {
        double *m = M + k * d;
        int64_t m0 = cl.start[k], mk = cl.start[k + 1] - m0;
        mg__rows_mean(X, cl.idx + m0, mk, m);
        double nn = 0;
        for (int64_t j = 0; j < d; j++) nn += m[j] * m[j];
        nrm[k] = sqrt(nn);
        if (nrm[k] < out->min_mean_norm) out->min_mean_norm = nrm[k];
        for (int64_t r = 0; r < mk; r++) {
            int64_t i = cl.idx[m0 + r];
            const float *x = X.data + i * X.ld;
            double dd = 0;
            for (int64_t j = 0; j < d; j++) dd += (x[j] - m[j]) * (x[j] - m[j]);
            /* a zero mean makes the ratio infinite unless the sample is the mean */
            double a = dd == 0 ? 0.0 : (nrm[k] > 0 ? sqrt(dd) / nrm[k] : INFINITY);
            if (a > out->alpha) {
                out->alpha = a;
                out->alpha_sample = i;
            }
        }
        double inv = nrm[k] > 0 ? 1.0 / nrm[k] : 0.0; /* a zero mean has cosine 0 with all */
        for (int64_t j = 0; j < d; j++) m[j] *= inv;
    }
    out->beta = -1.0;
    out->beta_k = out->beta_l = -1;
    if (K > 1) {
        out->beta = -INFINITY;
        for (int64_t r0 = 0; r0 < K; r0 += gb) {
            int64_t rn = K - r0 < gb ? K - r0 : gb;
            mg_dgemm_det(0, 1, rn, K, d, 1.0, M + r0 * d, d, M, d, 0.0, G, K);
            for (int64_t i = 0; i < rn; i++)
                for (int64_t l = r0 + i + 1; l < K; l++)
                    if (G[i * K + l] > out->beta) {
                        out->beta = G[i * K + l];
                        out->beta_k = r0 + i;
                        out->beta_l = l;
                    }
        }
    }
    free(M), free(nrm), free(G);
    mg__clusters_free(&cl);
    return MG_OK;
}

/* Eq. 16 with the construction's scales, the measured margins, the verdict. */
mg_status mg_theory_verdict(mg_mat X, const mg_construction *c, mg_separability *sep) {
    MG_TRY(mg__check_data(X, "theory verdict"));
    if (!c || !c->W || c->n != X.rows || c->d != X.cols || sep->K != c->K)
        return mg_fail(MG_ERR_SHAPE, "theory verdict: the construction (%lld x %lld, %lld clusters) does not match "
                       "the data (%lld x %lld) or the separability (%lld clusters)", c ? (long long)c->n : 0LL,
                       c ? (long long)c->d : 0LL, c ? (long long)c->K : 0LL, (long long)X.rows, (long long)X.cols,
                       (long long)sep->K);
    int64_t n = X.rows, d = X.cols, p = c->p, K = c->K;
    double alpha = sep->alpha, beta = sep->beta;

    /* Eq. 16 */
    double t = alpha < 1 ? alpha * alpha / (1 - alpha * alpha) : INFINITY;
    sep->alpha_below_one = t < 1;
    sep->c_proj = t < 1 ? sqrt(1 - t * t) : 0.0;
    sep->s_min = INFINITY;
    sep->s_max = 0;
    for (int64_t j = 0; j < p; j++)
        if (c->col_s[j] > 0) {
            if (c->col_s[j] < sep->s_min) sep->s_min = c->col_s[j];
            if (c->col_s[j] > sep->s_max) sep->s_max = c->col_s[j];
        }
    if (!(sep->s_max > 0)) sep->s_min = 0;
    /* gamma = min_k |xbar_k| min{s_min c_proj / sqrt(p_k) - s_max alpha, s_max |beta| / 2} */
    sep->gamma = INFINITY;
    int all_blocks = 1, any_block = 0;
    for (int64_t k = 0; k < K; k++) {
        int64_t pk = c->blocks[k].kept;
        if (pk < 1) {
            all_blocks = 0;
            continue;
        }
        any_block = 1;
        double mn = c->blocks[k].mean_norm;
        double g = sep->s_min * sep->c_proj / sqrt((double)pk) - sep->s_max * alpha;
        if (K > 1) g = fmin(g, sep->s_max * fabs(beta) / 2);
        double gk = mn > 0 ? mn * g : 0.0; /* a zero mean leaves no margin */
        if (gk < sep->gamma) sep->gamma = gk;
    }
    if (!any_block) sep->gamma = 0.0;
    sep->beta_negative = K == 1 || beta < 0;
    sep->alpha_small = K == 1 || alpha <= fabs(beta) / 4;
    sep->gamma_positive = sep->gamma > 0 && all_blocks;
    sep->wd_ok = c->dropped == 0 && all_blocks;

    /* measured pre-activations P = X W, blockwise over samples */
    int64_t *blk = mg_alloc((size_t)p, sizeof(int64_t)); /* p: block of each kept column, -1 for zero columns */
    int64_t rb = n < SEP_ROWS ? n : SEP_ROWS;
    float *P = mg_alloc((size_t)rb * (size_t)p, sizeof(float)); /* rb x p */
    if (!blk || !P) {
        free(blk), free(P);
        return mg_fail(MG_ERR_NOMEM, "theory verdict: out of memory for %lld x %lld pre-activations", (long long)rb,
                       (long long)p);
    }
    for (int64_t j = 0; j < p; j++) blk[j] = -1;
    for (int64_t k = 0; k < K; k++)
        for (int64_t j = 0; j < c->blocks[k].kept; j++) blk[c->blocks[k].col_start + j] = k;
    sep->on_min = INFINITY;
    sep->off_max = -INFINITY;
    sep->mask_violations = 0;
    for (int64_t r0 = 0; r0 < n; r0 += rb) {
        int64_t rn = n - r0 < rb ? n - r0 : rb;
        mg_sgemm_det(0, 0, rn, p, d, 1.0f, X.data + r0 * X.ld, X.ld, c->W, p, 0.0f, P, p);
        for (int64_t i = 0; i < rn; i++) {
            int64_t k = c->labels[r0 + i];
            double on = INFINITY, off = -INFINITY;
            for (int64_t j = 0; j < p; j++) {
                if (blk[j] < 0) continue;
                double v = P[i * p + j];
                if (blk[j] == k) on = fmin(on, v);
                else off = fmax(off, v);
            }
            if (on < sep->on_min) sep->on_min = on;
            if (off > sep->off_max) sep->off_max = off;
            if (!(on > 0) || off > 0) sep->mask_violations++;
        }
    }
    free(blk), free(P);
    sep->masks_ok = sep->mask_violations == 0;
    sep->holds = sep->beta_negative && sep->alpha_below_one && sep->alpha_small && sep->gamma_positive &&
                 sep->wd_ok && sep->masks_ok;
    return MG_OK;
}
