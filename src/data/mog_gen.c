/*
 * Gaussian-mixture generator (paper Eq. 4, App. A.1 / B.1): means with a
 * controlled pairwise cosine (Helmert construction, see mog.h), covariances
 * with exponentially decaying spectra in axis-aligned or Haar-random
 * orthonormal bases, and sampling x = mu_k + B_k diag(sqrt(ev_k)) z.
 * All arithmetic in double; samples are rounded to float at the end.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "memgen/blas.h"
#include "memgen/mog.h"

/* Rows of z drawn and transformed per block while sampling (even, so that
 * blocks concatenate to one contiguous normal stream; see mg_rng.h). */
#define MOG_BLOCK_ROWS 2048

/* Haar-random d x k orthonormal columns: QR of a Gaussian matrix, sign-fixed. */
mg_status mg_random_orthonormal(mg_rng *rng, int64_t d, int64_t k, double *Q) {
    if (d < 1 || k < 1 || k > d || d > INT32_MAX)
        return mg_fail(MG_ERR_ARG, "random orthonormal matrix: need 1 <= k <= d (got d = %lld, k = %lld)",
                       (long long)d, (long long)k);
    double *tau = mg_alloc((size_t)k, sizeof(double));
    double *sgn = mg_alloc((size_t)k, sizeof(double));
    if (!tau || !sgn) {
        free(tau);
        free(sgn);
        return mg_fail(MG_ERR_NOMEM, "random orthonormal matrix: out of memory");
    }
    mg_rng_normal_d(rng, Q, (size_t)d * (size_t)k); /* d x k Gaussian */
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)k, Q, (lapack_int)k, tau);
    if (info == 0) {
        /* R's diagonal sits on Q's diagonal after dgeqrf. */
        for (int64_t j = 0; j < k; j++) sgn[j] = Q[j * k + j] < 0 ? -1.0 : 1.0;
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)k, (lapack_int)k, Q, (lapack_int)k, tau);
    }
    if (info == 0)
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < k; j++) Q[i * k + j] *= sgn[j];
    free(tau);
    free(sgn);
    if (info != 0) return mg_fail(MG_ERR_NUMERIC, "random orthonormal matrix: LAPACK QR failed (info %d)", (int)info);
    return MG_OK;
}

/* Coordinates w_k (K x r, row-major) of K unit vectors with pairwise cosine c
 * in an r-dimensional basis (mog.h): r = K-1 when c = -1/(K-1), else K. */
static mg_status mean_coords(int K, double c, double *w, int *r_out) {
    double cmin = K > 1 ? -1.0 / (K - 1) : -1.0;
    if (!(c >= cmin - 1e-12) || !(c <= 1.0))
        return mg_fail(MG_ERR_ARG, "mixture: mean cosine %g is outside [%g, 1] (K = %d unit vectors cannot have it)", c,
                       cmin, K);
    double common = (1.0 + (K - 1) * c) / K; /* squared weight on the all-ones direction */
    if (common < 0) common = 0;
    int r = (K > 1 && common <= 1e-15) ? K - 1 : K;
    double a = sqrt(1.0 - c < 0 ? 0 : 1.0 - c);
    for (int k = 0; k < K; k++) {
        double *row = w + (size_t)k * r;
        for (int j = 1; j <= K - 1; j++) {
            /* Helmert vector j: ones on 0..j-1, -j at j, zeros after. */
            double h = k < j ? 1.0 : (k == j ? -(double)j : 0.0);
            row[j - 1] = a * h / sqrt((double)j * (j + 1));
        }
        if (r == K) row[K - 1] = sqrt(common);
    }
    *r_out = r;
    return MG_OK;
}

/* Builds a mixture from a spec (mog.h): means, eigenvalues, bases. */
mg_status mg_mog_make(const mg_mog_spec *s, const mg_rng *rng, mg_mog *out) {
    memset(out, 0, sizeof *out);
    if (!s || !rng) return mg_fail(MG_ERR_ARG, "mixture: NULL spec or rng");
    int K = s->K;
    int64_t d = s->d;
    if (K < 1) return mg_fail(MG_ERR_ARG, "mixture: K = %d must be >= 1", K);
    if (!(s->mean_scale >= 0) || !isfinite(s->mean_scale))
        return mg_fail(MG_ERR_ARG, "mixture: mean scale %g must be finite and >= 0", s->mean_scale);
    if (!(s->cov_scale > 0) || !isfinite(s->cov_scale))
        return mg_fail(MG_ERR_ARG, "mixture: covariance scale %g must be finite and > 0", s->cov_scale);
    if (!(s->cov_rate > 0) || !(s->cov_rate <= 1))
        return mg_fail(MG_ERR_ARG, "mixture: eigenvalue decay rate %g must be in (0, 1]", s->cov_rate);
    int64_t rank = s->cov_rank == 0 ? d : s->cov_rank;
    if (rank < 1 || rank > d)
        return mg_fail(MG_ERR_ARG, "mixture: covariance rank %lld must be in 1..d = %lld", (long long)s->cov_rank,
                       (long long)d);
    double c = isnan(s->mean_cosine) ? (K > 1 ? -1.0 / (K - 1) : 1.0) : s->mean_cosine;
    double *w = mg_alloc((size_t)K * (size_t)K, sizeof(double)); /* K x r mean coordinates */
    if (!w) return mg_fail(MG_ERR_NOMEM, "mixture: out of memory");
    int r = 0;
    mg_status st = mean_coords(K, c, w, &r);
    if (st == MG_OK && r > d)
        st = mg_fail(MG_ERR_ARG, "mixture: %d means with pairwise cosine %g need d >= %d (got %lld)", K, c, r,
                     (long long)d);
    if (st == MG_OK) st = mg_mog_alloc(out, K, d);
    if (st != MG_OK) {
        free(w);
        return st;
    }

    /* Weights. */
    double wsum = 0;
    for (int k = 0; k < K; k++) {
        double v = s->weights ? s->weights[k] : 1.0;
        if (!(v > 0) || !isfinite(v)) {
            st = mg_fail(MG_ERR_ARG, "mixture: weight %d is %g (must be positive)", k, v);
            goto fail;
        }
        wsum += v;
    }
    for (int k = 0; k < K; k++) out->weights[k] = (s->weights ? s->weights[k] : 1.0) / wsum;

    /* Means: mu_k = scale * sum_j w_k[j] q_j. */
    if (!s->mean_random) {
        for (int k = 0; k < K; k++)
            for (int j = 0; j < r; j++) out->means[(size_t)k * d + j] = s->mean_scale * w[(size_t)k * r + j];
    } else {
        double *Qm = mg_alloc((size_t)d * (size_t)r, sizeof(double)); /* d x r */
        if (!Qm) {
            st = mg_fail(MG_ERR_NOMEM, "mixture: out of memory");
            goto fail;
        }
        mg_rng mr = mg_rng_fork(rng, MG_FORK_MOG_MEANS);
        st = mg_random_orthonormal(&mr, d, r, Qm);
        if (st == MG_OK) /* means (K x d) = scale * w (K x r) Qm^T */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, (int)d, r, s->mean_scale, w, r, Qm, r, 0.0,
                        out->means, (int)d);
        free(Qm);
        if (st != MG_OK) goto fail;
    }

    /* Spectra and bases. */
    for (int k = 0; k < K; k++) {
        double *ev = out->eigvals + (size_t)k * d;
        for (int64_t j = 0; j < d; j++) ev[j] = j < rank ? s->cov_scale * pow(s->cov_rate, (double)j) : 0.0;
        if (s->cov_random) {
            mg_rng br = mg_rng_fork(rng, MG_FORK_MOG_BASIS + (uint64_t)k);
            st = mg_random_orthonormal(&br, d, d, out->bases + (size_t)k * d * d);
            if (st != MG_OK) goto fail;
        }
    }
    free(w);
    return MG_OK;
fail:
    free(w);
    mg_mog_free(out);
    return st;
}

/* Draws n samples of the mixture (Eq. 4); see mog.h for the stream layout. */
mg_status mg_mog_sample(const mg_mog *m, const int64_t *counts, int shuffle, const mg_rng *rng, mg_mat X,
                        int64_t *labels) {
    const int64_t n = X.rows, ld = X.ld;
    if (!m || !rng || (!X.data && n > 0)) return mg_fail(MG_ERR_ARG, "mixture sampling: NULL argument");
    if (n < 0) return mg_fail(MG_ERR_ARG, "mixture sampling: n = %lld is negative", (long long)n);
    int K = m->K;
    int64_t d = m->d;
    if (K < 1 || d < 1 || d > INT32_MAX) return mg_fail(MG_ERR_ARG, "mixture sampling: empty mixture");
    if (X.cols != d || ld < d)
        return mg_fail(MG_ERR_SHAPE, "mixture sampling: the output has %lld columns (ld %lld) but the mixture d = %lld",
                       (long long)X.cols, (long long)ld, (long long)d);
    if (counts) {
        int64_t tot = 0;
        for (int k = 0; k < K; k++) {
            if (counts[k] < 0) return mg_fail(MG_ERR_ARG, "mixture sampling: count of component %d is negative", k);
            tot += counts[k];
        }
        if (tot != n)
            return mg_fail(MG_ERR_ARG, "mixture sampling: component counts sum to %lld, not n = %lld", (long long)tot,
                           (long long)n);
    }
    if (n == 0) return MG_OK;

    int64_t *lab = malloc((size_t)n * sizeof *lab); /* n component indices */
    double *sq = mg_alloc((size_t)d, sizeof(double)); /* sqrt of one component's eigenvalues */
    double *Z = mg_alloc((size_t)MOG_BLOCK_ROWS * (size_t)d, sizeof(double)); /* block x r */
    double *Y = mg_alloc((size_t)MOG_BLOCK_ROWS * (size_t)d, sizeof(double)); /* block x d */
    int64_t *rows = malloc((size_t)MOG_BLOCK_ROWS * sizeof *rows);
    mg_status st = MG_OK;
    if (!lab || !sq || !Z || !Y || !rows) {
        st = mg_fail(MG_ERR_NOMEM, "mixture sampling: out of memory for n = %lld, d = %lld", (long long)n, (long long)d);
        goto done;
    }

    /* Component of every row. */
    if (counts) {
        int64_t i = 0;
        for (int k = 0; k < K; k++)
            for (int64_t j = 0; j < counts[k]; j++) lab[i++] = k;
    } else {
        mg_rng lr = mg_rng_fork(rng, MG_FORK_MOG_LABELS);
        for (int64_t i = 0; i < n; i++) {
            double u = mg_rng_uniform_d(&lr), acc = 0;
            int k = 0;
            for (; k < K - 1; k++) {
                acc += m->weights[k];
                if (u < acc) break;
            }
            lab[i] = k;
        }
    }

    /* Per component, in blocks of rows: Y = Z diag(sqrt(ev)) B[:, :r]^T + mu. */
    for (int k = 0; k < K; k++) {
        const double *ev = m->eigvals + (size_t)k * d;
        const double *B = m->bases + (size_t)k * d * d;
        const double *mu = m->means + (size_t)k * d;
        int64_t r = 0;
        while (r < d && ev[r] > 0) r++;
        for (int64_t j = 0; j < r; j++) sq[j] = sqrt(ev[j]);
        mg_rng zr = mg_rng_fork(rng, MG_FORK_MOG_NOISE + (uint64_t)k);
        int64_t next = 0; /* scan position in lab */
        for (;;) {
            int64_t nb = 0;
            while (next < n && nb < MOG_BLOCK_ROWS) {
                if (lab[next] == k) rows[nb++] = next;
                next++;
            }
            if (nb == 0) break;
            if (r > 0) {
                mg_rng_normal_d(&zr, Z, (size_t)nb * (size_t)r); /* nb x r */
                for (int64_t i = 0; i < nb; i++)
                    for (int64_t j = 0; j < r; j++) Z[i * r + j] *= sq[j];
                mg_dgemm_det(0, 1, nb, d, r, 1.0, Z, r, B, d, 0.0, Y, d);
            } else {
                memset(Y, 0, (size_t)nb * (size_t)d * sizeof(double));
            }
            for (int64_t i = 0; i < nb; i++) {
                float *x = X.data + rows[i] * ld;
                const double *y = Y + i * d;
                for (int64_t j = 0; j < d; j++) x[j] = (float)(y[j] + mu[j]);
            }
        }
    }

    if (shuffle) {
        /* Apply a random permutation in place by cycles (no second n x d buffer). */
        int64_t *perm = malloc((size_t)n * sizeof *perm);
        float *tmp = mg_alloc((size_t)d, sizeof(float));
        if (!perm || !tmp) {
            free(perm);
            free(tmp);
            st = mg_fail(MG_ERR_NOMEM, "mixture sampling: out of memory for the shuffle");
            goto done;
        }
        mg_rng sr = mg_rng_fork(rng, MG_FORK_MOG_SHUFFLE);
        mg_rng_permutation(&sr, perm, n);
        /* Row i of the result is old row perm[i]. */
        for (int64_t i = 0; i < n; i++) {
            if (perm[i] < 0) continue;
            int64_t j = i;
            memcpy(tmp, X.data + i * ld, (size_t)d * sizeof(float));
            int64_t lab0 = lab[i];
            for (;;) {
                int64_t src = perm[j];
                perm[j] = -1;
                if (src == i) {
                    memcpy(X.data + j * ld, tmp, (size_t)d * sizeof(float));
                    lab[j] = lab0;
                    break;
                }
                memcpy(X.data + j * ld, X.data + src * ld, (size_t)d * sizeof(float));
                lab[j] = lab[src];
                j = src;
            }
        }
        free(perm);
        free(tmp);
    }
    if (labels) memcpy(labels, lab, (size_t)n * sizeof *lab);

done:
    free(lab);
    free(sq);
    free(Z);
    free(Y);
    free(rows);
    return st;
}

/* MG_MOG_SPEC_DEFAULT as a value. */
mg_mog_spec mg_mog_spec_default(void) {
    mg_mog_spec v = MG_MOG_SPEC_DEFAULT;
    return v;
}
