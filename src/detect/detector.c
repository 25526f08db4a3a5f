/*
 * Scoring: Algorithm 1 (representation spikiness) on memgen DAE sets, and the
 * prompt-free baselines of detect.h (FLIPD/LID from the exact Jacobian trace,
 * the denoising error, the near-duplicate count of Carlini et al., and the
 * nearest-neighbour-ratio oracle).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/jacobian.h"
#include "memgen/neighbors.h"

/* Rows per chunk (bounds the workspaces: chunk x (d + p) floats). Aligned
 * blocks of mg_detect_model_rows give the bits of one call because they are
 * cut into the same chunks (and repr.c's REPR_CHUNK divides this). */
#define DET_CHUNK MG_DETECT_BLOCK_ALIGN

/* Algorithm 1 for every row, chunk by chunk; X's row i is row row0 + i of the caller's data. */
mg_status mg_detect_model_rows(const mg_daeset *set, mg_mat X, const mg_detect_params *p, const mg_rng *rng,
                               int64_t row0, double *scores) {
    if (row0 < 0) return mg_fail(MG_ERR_ARG, "detector: negative first row index %lld", (long long)row0);
    if (!set || !p || (X.rows > 0 && !scores)) return mg_fail(MG_ERR_ARG, "detector: NULL argument");
    MG_TRY(mg_daeset_validate(set));
    if (X.rows > 0) MG_TRY(mg_mat_check(X, "detector"));
    if (p->metric < 0 || p->metric >= MG_SPIKE_COUNT) return mg_fail(MG_ERR_ARG, "detector: invalid metric");
    const double *sig = p->sigmas ? p->sigmas : &p->sigma;
    int L = p->sigmas ? p->nsigmas : 1;
    if (L < 1 || L > 10000) return mg_fail(MG_ERR_ARG, "detector: %d noise levels given (need 1..10000)", L);
    if (p->combine != MG_COMBINE_MEAN && p->combine != MG_COMBINE_CONCAT)
        return mg_fail(MG_ERR_ARG, "detector: invalid level combination %d", (int)p->combine);
    for (int l = 0; l < L; l++) {
        int k;
        MG_TRY(mg_daeset_level(set, sig[l], "detector", &k));
    }
    int64_t n = X.rows, W = mg_repr_multi_width(set, sig, L);
    if (n == 0) return MG_OK;
    int64_t chunk = n < DET_CHUNK ? n : DET_CHUNK;
    float *H = mg_alloc((size_t)chunk * (size_t)W, sizeof(float)); /* chunk x W */
    double *tmp = L > 1 && p->combine == MG_COMBINE_MEAN ? malloc((size_t)chunk * sizeof(double)) : NULL;
    if (!H || (L > 1 && p->combine == MG_COMBINE_MEAN && !tmp)) {
        free(H);
        free(tmp);
        return mg_fail(MG_ERR_NOMEM, "detector: out of memory for a %lld x %lld representation chunk",
                       (long long)chunk, (long long)W);
    }
    mg_status st = MG_OK;
    for (int64_t r0 = 0; r0 < n && st == MG_OK; r0 += chunk) {
        int64_t m = n - r0 < chunk ? n - r0 : chunk;
        mg_mat Hc = {m, W, W, H};
        st = mg_repr_multi(set, (mg_mat){m, X.cols, X.ld, X.data + r0 * X.ld}, sig, L, rng, row0 + r0, Hc);
        if (st != MG_OK) break;
        if (L == 1 || p->combine == MG_COMBINE_CONCAT) {
            st = mg_spikiness_rows(Hc, p->metric, scores + r0);
            continue;
        }
        /* mean of the per-level scores */
        for (int64_t i = 0; i < m; i++) scores[r0 + i] = 0;
        int64_t col = 0;
        for (int l = 0; l < L && st == MG_OK; l++) {
            int64_t pl = mg_dae_hidden(set->levels[mg_daeset_nearest(set, sig[l])]);
            st = mg_spikiness_rows((mg_mat){m, pl, W, H + col}, p->metric, tmp);
            for (int64_t i = 0; i < m; i++) scores[r0 + i] += tmp[i] / L;
            col += pl;
        }
    }
    free(H);
    free(tmp);
    return st;
}

/* Algorithm 1 for every row of X (row0 = 0). */
mg_status mg_detect_model(const mg_daeset *set, mg_mat X, const mg_detect_params *p, const mg_rng *rng,
                          double *scores) {
    return mg_detect_model_rows(set, X, p, rng, 0, scores);
}

/* Shared checks of the model-based baselines; returns the level index. */
static mg_status baseline_level(const mg_daeset *set, mg_mat X, double sigma, const void *scores, const char *what,
                                int *k) {
    if (!set || (X.rows > 0 && !scores)) return mg_fail(MG_ERR_ARG, "%s: NULL argument", what);
    MG_TRY(mg_daeset_validate(set));
    if (!(sigma > 0) || !isfinite(sigma)) return mg_fail(MG_ERR_ARG, "%s: sigma must be > 0 (got %g)", what, sigma);
    MG_TRY(mg_daeset_level(set, sigma, what, k));
    if (X.cols != mg_dae_dim(set->levels[*k]))
        return mg_fail(MG_ERR_SHAPE, "%s: samples have %lld features but the model has dimension %lld", what,
                       (long long)X.cols, (long long)mg_dae_dim(set->levels[*k]));
    if (X.rows > 0) MG_TRY(mg_mat_check(X, what));
    return MG_OK;
}

/* -FLIPD = -(tr J(x) + |f(x) - x|^2 / sigma^2) at the clean x. */
mg_status mg_baseline_flipd(const mg_daeset *set, mg_mat X, double sigma, double *scores) {
    int k;
    MG_TRY(baseline_level(set, X, sigma, scores, "FLIPD baseline", &k));
    const mg_dae *m = set->levels[k];
    double s2 = set->sigmas[k] * set->sigmas[k];
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    if (n == 0) return MG_OK;
    int64_t chunk = n < DET_CHUNK ? n : DET_CHUNK;
    double *c = malloc((size_t)p * sizeof(double));               /* p: unit traces */
    float *H = mg_alloc((size_t)chunk * (size_t)p, sizeof(float)); /* chunk x p */
    float *Y = mg_alloc((size_t)chunk * (size_t)d, sizeof(float)); /* chunk x d */
    mg_status st = c && H && Y ? mg_jacobian_unit_traces(m, c) : mg_fail(MG_ERR_NOMEM, "FLIPD baseline: out of memory");
    for (int64_t r0 = 0; r0 < n && st == MG_OK; r0 += chunk) {
        int64_t b = n - r0 < chunk ? n - r0 : chunk;
        mg_mat Xc = {b, d, X.ld, X.data + r0 * X.ld};
        st = mg_dae_forward(m, Xc, (mg_mat){b, p, p, H}, (mg_mat){b, d, d, Y});
        for (int64_t i = 0; i < b && st == MG_OK; i++) {
            double tr = 0, e = 0;
            const float *h = H + i * p, *y = Y + i * d, *x = Xc.data + i * Xc.ld;
            for (int64_t j = 0; j < p; j++)
                if (h[j] > 0) tr += c[j];
            tr += (double)mg_dae_skip(m) * (double)d; /* a skip's s I */
            for (int64_t a = 0; a < d; a++) e += ((double)y[a] - x[a]) * ((double)y[a] - x[a]);
            scores[r0 + i] = -(tr + e / s2);
        }
    }
    free(c);
    free(H);
    free(Y);
    return st;
}

/* -erank(J(x)) by one thin-QR SVD per row. */
mg_status mg_baseline_jacobian(const mg_daeset *set, mg_mat X, double sigma, double *scores) {
    int k;
    MG_TRY(baseline_level(set, X, sigma, scores, "Jacobian-rank baseline", &k));
    MG_TRY(mg_jacobian_erank(set->levels[k], X, scores));
    for (int64_t i = 0; i < X.rows; i++) scores[i] = -scores[i];
    return MG_OK;
}

/* -|f(x + sigma eps) - x|^2: mg_denoise_error with one draw, negated. */
mg_status mg_baseline_denoise(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, double *scores) {
    int k;
    MG_TRY(baseline_level(set, X, sigma, scores, "denoising-error baseline", &k));
    if (!rng) return mg_fail(MG_ERR_ARG, "denoising-error baseline: no random generator");
    if (X.rows == 0) return MG_OK;
    MG_TRY(mg_denoise_error(set->levels[k], X, sigma, rng, 1, scores, NULL, NULL));
    for (int64_t i = 0; i < X.rows; i++) scores[i] = -scores[i];
    return MG_OK;
}

/* Euclidean norm of a float row in double. */
static double row_norm(const float *x, int64_t d) {
    double s = 0;
    for (int64_t a = 0; a < d; a++) s += (double)x[a] * x[a];
    return sqrt(s);
}

/* Number of near duplicates among the k_max nearest other generations. */
mg_status mg_baseline_clique(mg_mat S, double tau, int k_max, double *scores) {
    if (S.rows < 2 || !scores)
        return mg_fail(MG_ERR_ARG, "near-duplicate baseline: needs at least 2 generations (got %lld)",
                       (long long)S.rows);
    if (!(tau > 0) || !isfinite(tau) || k_max < 1)
        return mg_fail(MG_ERR_ARG, "near-duplicate baseline: need tau > 0 and k_max >= 1 (got %g, %d)", tau, k_max);
    int64_t n = S.rows, d = S.cols;
    int k = (int64_t)k_max > n - 1 ? (int)(n - 1) : k_max;
    if ((double)n * (double)k > 2e9)
        return mg_fail(MG_ERR_ARG, "near-duplicate baseline: %lld generations x %d neighbours is too many; lower k_max",
                       (long long)n, k);
    int64_t *idx = malloc((size_t)n * (size_t)k * sizeof(int64_t)); /* n x k */
    double *dist = malloc((size_t)n * (size_t)k * sizeof(double));  /* n x k */
    double *nrm = malloc((size_t)n * sizeof(double));                /* n */
    mg_status st = idx && dist && nrm ? MG_OK : mg_fail(MG_ERR_NOMEM, "near-duplicate baseline: out of memory");
    if (st == MG_OK) st = mg_knn(S, S, k, 1, idx, dist);
    if (st == MG_OK) {
        for (int64_t i = 0; i < n; i++) nrm[i] = row_norm(S.data + i * S.ld, d);
        for (int64_t i = 0; i < n; i++) {
            int64_t c = 0;
            for (int j = 0; j < k; j++) {
                int64_t o = idx[i * k + j];
                if (dist[i * k + j] <= tau * 0.5 * (nrm[i] + nrm[o])) c++;
            }
            scores[i] = (double)c;
        }
    }
    free(idx);
    free(dist);
    free(nrm);
    return st;
}

/* -|s - NN1| / |s - NN2| against the training rows (the ratio of
 * mg_memratio_compute: 0 when d1 = 0, 1 when d1 = d2 = 0). */
mg_status mg_baseline_nn_ratio(mg_mat S, mg_mat train, double *scores) {
    if (train.rows < 2) return mg_fail(MG_ERR_ARG, "NN-ratio oracle: the training set needs at least 2 rows");
    if (S.rows > 0 && !scores) return mg_fail(MG_ERR_ARG, "NN-ratio oracle: NULL output");
    int64_t n = S.rows;
    if (n == 0) return MG_OK;
    int64_t *idx = malloc((size_t)n * 2 * sizeof(int64_t)); /* n x 2 */
    double *dist = malloc((size_t)n * 2 * sizeof(double));  /* n x 2 */
    mg_status st = idx && dist ? mg_knn(S, train, 2, 0, idx, dist) : mg_fail(MG_ERR_NOMEM, "NN-ratio oracle: out of memory");
    for (int64_t i = 0; st == MG_OK && i < n; i++) {
        double d1 = dist[2 * i], d2 = dist[2 * i + 1];
        scores[i] = -(d2 > 0 ? d1 / d2 : (d1 > 0 ? INFINITY : 1.0));
    }
    free(idx);
    free(dist);
    return st;
}

/* MG_DETECT_PARAMS_DEFAULT as a value. */
mg_detect_params mg_detect_params_default(void) {
    mg_detect_params v = MG_DETECT_PARAMS_DEFAULT;
    return v;
}
