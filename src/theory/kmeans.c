/*
 * Spherical k-means: clusters samples by direction (cosine similarity to unit
 * centroids), which matches the bias-free ReLU layers of the paper, whose
 * blocks are gated by the angle between a sample and the cluster means
 * (Definition 3.1). k-means++ seeding on the sphere, Lloyd iterations with the
 * similarities from mg_sgemm_det (bit-identical on any thread count), several
 * restarts, the best objective kept.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "memgen/blas.h"
#include "theory_internal.h"

/* Rows per similarity block (rows x K floats). */
#define KM_ROWS 1024

/* Normalised copy of the rows of X (zero rows stay zero): n x d. */
static float *unit_rows(mg_mat X) {
    float *U = mg_alloc((size_t)X.rows * (size_t)X.cols, sizeof(float));
    if (!U) return NULL;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double nn = 0;
        for (int64_t j = 0; j < X.cols; j++) nn += (double)x[j] * x[j];
        double inv = nn > 0 ? 1.0 / sqrt(nn) : 0.0;
        for (int64_t j = 0; j < X.cols; j++) U[i * X.cols + j] = (float)(x[j] * inv);
    }
    return U;
}

/* Cosine of unit rows a and b (double accumulation). */
static double dot_f(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += (double)a[j] * b[j];
    return s;
}

/* k-means++ on the sphere: C (K x d) from rows drawn with probability
 * proportional to 2 - 2 max cos to the centroids chosen so far. */
static void seed_pp(const float *U, int64_t n, int64_t d, int64_t K, mg_rng *rng, float *C, double *best) {
    int64_t first = (int64_t)mg_rng_below(rng, (uint64_t)n);
    memcpy(C, U + first * d, (size_t)d * sizeof(float));
    for (int64_t i = 0; i < n; i++) best[i] = dot_f(U + i * d, C, d);
    for (int64_t c = 1; c < K; c++) {
        double tot = 0;
        for (int64_t i = 0; i < n; i++) tot += fmax(0.0, 2.0 - 2.0 * best[i]);
        int64_t pick;
        if (tot > 0) {
            double u = mg_rng_uniform_d(rng) * tot, acc = 0;
            pick = n - 1;
            for (int64_t i = 0; i < n; i++) {
                acc += fmax(0.0, 2.0 - 2.0 * best[i]);
                if (acc > u) {
                    pick = i;
                    break;
                }
            }
        } else {
            pick = (int64_t)mg_rng_below(rng, (uint64_t)n); /* fewer distinct directions than K */
        }
        float *cc = C + c * d;
        memcpy(cc, U + pick * d, (size_t)d * sizeof(float));
        for (int64_t i = 0; i < n; i++) {
            double s = dot_f(U + i * d, cc, d);
            if (s > best[i]) best[i] = s;
        }
    }
}

/* Lloyd iterations from the seeded centroids; returns the mean cosine. */
static double lloyd(const float *U, int64_t n, int64_t d, int64_t K, int max_iter, float *C, float *S, double *acc,
                    int64_t *lab, double *cosv, int64_t *cnt) {
    for (int64_t i = 0; i < n; i++) lab[i] = -1;
    double obj = 0;
    for (int it = 0; it < max_iter; it++) {
        int64_t changed = 0;
        for (int64_t r0 = 0; r0 < n; r0 += KM_ROWS) {
            int64_t rn = n - r0 < KM_ROWS ? n - r0 : KM_ROWS;
            mg_sgemm_det(0, 1, rn, K, d, 1.0f, U + r0 * d, d, C, d, 0.0f, S, K); /* thread-count independent */
            for (int64_t i = 0; i < rn; i++) {
                const float *s = S + i * K;
                int64_t arg = 0;
                for (int64_t c = 1; c < K; c++)
                    if (s[c] > s[arg]) arg = c;
                if (lab[r0 + i] != arg) changed++;
                lab[r0 + i] = arg;
                cosv[r0 + i] = s[arg];
            }
        }
        /* new centroids: normalised sums; an empty cluster takes the worst-fit row */
        memset(acc, 0, (size_t)K * (size_t)d * sizeof(double));
        memset(cnt, 0, (size_t)K * sizeof(int64_t));
        for (int64_t i = 0; i < n; i++) {
            cnt[lab[i]]++;
            double *a = acc + lab[i] * d;
            const float *u = U + i * d;
            for (int64_t j = 0; j < d; j++) a[j] += u[j];
        }
        for (int64_t c = 0; c < K; c++) {
            if (cnt[c] > 0) continue;
            int64_t worst = -1;
            for (int64_t i = 0; i < n; i++)
                if (cnt[lab[i]] > 1 && (worst < 0 || cosv[i] < cosv[worst])) worst = i;
            if (worst < 0) break; /* fewer samples than clusters cannot happen (K <= n) */
            const float *u = U + worst * d;
            double *from = acc + lab[worst] * d, *to = acc + c * d;
            for (int64_t j = 0; j < d; j++) from[j] -= u[j], to[j] += u[j];
            cnt[lab[worst]]--;
            cnt[c]++;
            lab[worst] = c;
            cosv[worst] = 1.0;
            changed++;
        }
        for (int64_t c = 0; c < K; c++) {
            double *a = acc + c * d, nn = 0;
            for (int64_t j = 0; j < d; j++) nn += a[j] * a[j];
            double inv = nn > 0 ? 1.0 / sqrt(nn) : 0.0;
            for (int64_t j = 0; j < d; j++) C[c * d + j] = (float)(a[j] * inv);
        }
        if (changed == 0) break;
    }
    obj = 0;
    for (int64_t i = 0; i < n; i++) obj += dot_f(U + i * d, C + lab[i] * d, d);
    return obj / (double)n;
}

/* Spherical k-means with restarts (see theory.h). */
mg_status mg_spherical_kmeans(mg_mat X, int64_t K, mg_rng *rng, int max_iter, int restarts, int64_t *labels,
                              double *objective) {
    MG_TRY(mg__check_data(X, "spherical k-means"));
    int64_t n = X.rows, d = X.cols;
    if (K < 1 || K > n)
        return mg_fail(MG_ERR_ARG, "spherical k-means: K = %lld clusters for %lld samples (need 1 <= K <= n)",
                       (long long)K, (long long)n);
    if (max_iter < 1 || restarts < 1 || !rng || !labels)
        return mg_fail(MG_ERR_ARG, "spherical k-means: need max_iter >= 1, restarts >= 1, an rng and a label buffer");
    int64_t rows = n < KM_ROWS ? n : KM_ROWS;
    float *U = unit_rows(X);                                    /* n x d */
    float *C = mg_alloc((size_t)K * (size_t)d, sizeof(float));  /* K x d */
    float *S = mg_alloc((size_t)rows * (size_t)K, sizeof(float)); /* rows x K */
    double *acc = mg_alloc((size_t)K * (size_t)d, sizeof(double)); /* K x d */
    double *cosv = mg_alloc((size_t)n, sizeof(double));
    int64_t *lab = mg_alloc((size_t)n, sizeof(int64_t));
    int64_t *cnt = mg_alloc((size_t)K, sizeof(int64_t));
    if (!U || !C || !S || !acc || !cosv || !lab || !cnt) {
        free(U), free(C), free(S), free(acc), free(cosv), free(lab), free(cnt);
        return mg_fail(MG_ERR_NOMEM, "spherical k-means: out of memory for %lld x %lld data and %lld clusters",
                       (long long)n, (long long)d, (long long)K);
    }
    double best = -INFINITY;
    for (int r = 0; r < restarts; r++) {
        seed_pp(U, n, d, K, rng, C, cosv);
        double obj = lloyd(U, n, d, K, max_iter, C, S, acc, lab, cosv, cnt);
        if (obj > best) {
            best = obj;
            memcpy(labels, lab, (size_t)n * sizeof(int64_t));
        }
    }
    /* number clusters by first appearance */
    int64_t *map = cnt, next = 0;
    for (int64_t c = 0; c < K; c++) map[c] = -1;
    for (int64_t i = 0; i < n; i++) {
        if (map[labels[i]] < 0) map[labels[i]] = next++;
        labels[i] = map[labels[i]];
    }
    if (objective) *objective = best;
    free(U), free(C), free(S), free(acc), free(cosv), free(lab), free(cnt);
    return MG_OK;
}
