/*
 * Predicted losses: the memorization loss of Corollary 3.2, the population
 * risk of the rank-p_k Wiener filter on each Gaussian mode (Corollary 3.3 /
 * Appendix C.5 step 3, with the corrected per-direction term
 * sigma^2 eig / (eig + sigma^2) plus the discarded tail), and the test risk
 * of a constructed DAE on a Gaussian mixture under Theorem 3.1's masks.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "memgen/blas.h"
#include "theory_internal.h"

/* Corollary 3.2 (lambda -> 0): (1/n) sum sigma^2 |x|^2 / (sigma^2 + |x|^2). */
double mg_mem_loss(mg_mat X, double sigma) {
    double s2 = sigma * sigma, tot = 0;
    if (X.rows < 1) return 0.0;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double nn = 0;
        for (int64_t j = 0; j < X.cols; j++) nn += (double)x[j] * x[j];
        tot += s2 + nn > 0 ? s2 * nn / (s2 + nn) : 0.0;
    }
    return tot / (double)X.rows;
}

/* Section 3.2: KL(sampled || empirical) <= (pi/2) max_i |x_i| under Corollary 3.2. */
double mg_mem_kl_bound(mg_mat X) {
    double maxnorm = 0;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double nn = 0;
        for (int64_t j = 0; j < X.cols; j++) nn += (double)x[j] * x[j];
        maxnorm = fmax(maxnorm, sqrt(nn));
    }
    return 1.57079632679489661923 * maxnorm; /* pi / 2 */
}

/* T = B_k diag(sqrt(ev_k)) (d x d), so Sigma_k = T T^T. */
static void cov_factor(const mg_mog *mog, int k, double *T) {
    int64_t d = mog->d;
    const double *B = mog->bases + (size_t)k * (size_t)d * (size_t)d, *ev = mog->eigvals + (size_t)k * (size_t)d;
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < d; j++) T[i * d + j] = B[i * d + j] * sqrt(ev[j] > 0 ? ev[j] : 0.0);
}

/* Checks the mixture's shapes and values (mg_mog_validate) and the component. */
static mg_status check_mog(const mg_mog *mog, const char *what) {
    if (!mog || mog->K < 1 || mog->d < 1 || !mog->weights || !mog->means || !mog->eigvals || !mog->bases)
        return mg_fail(MG_ERR_ARG, "%s: empty Gaussian mixture", what);
    if (mog->d > INT32_MAX) return mg_fail(MG_ERR_SHAPE, "%s: dimension too large", what);
    mg_status st = mg_mog_validate(mog);
    if (st != MG_OK) return mg_fail_context(st, "%s", what);
    return MG_OK;
}

/* Eigenvalues of S_k = mu mu^T + Sigma_k (Eq. 10), descending. */
mg_status mg_mog_second_moment_eigs(const mg_mog *mog, int k, double *ev) {
    MG_TRY(check_mog(mog, "second-moment eigenvalues"));
    if (k < 0 || k >= mog->K)
        return mg_fail(MG_ERR_ARG, "second-moment eigenvalues: component %d of %d", k, mog->K);
    int64_t d = mog->d;
    double *T = mg_alloc((size_t)d * (size_t)d, sizeof(double)); /* d x d */
    double *S = mg_alloc((size_t)d * (size_t)d, sizeof(double)); /* d x d */
    if (!T || !S) {
        free(T), free(S);
        return mg_fail(MG_ERR_NOMEM, "second-moment eigenvalues: out of memory (d = %lld)", (long long)d);
    }
    cov_factor(mog, k, T);
    mg_dsyrk_det(0, d, d, 1.0, T, d, 0.0, S, d);
    cblas_dsyr(CblasRowMajor, CblasLower, (int)d, 1.0, mog->means + (size_t)k * (size_t)d, 1, S, (int)d);
    lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'U', (lapack_int)d, S, (lapack_int)d, ev);
    free(T), free(S);
    if (info != 0) return mg_fail(MG_ERR_NUMERIC, "second-moment eigenvalues: LAPACK dsyevd failed (info %d)", (int)info);
    for (int64_t i = 0; i < d / 2; i++) { /* ascending -> descending */
        double t = ev[i];
        ev[i] = ev[d - 1 - i];
        ev[d - 1 - i] = t;
    }
    for (int64_t i = 0; i < d; i++)
        if (ev[i] < 0) ev[i] = 0; /* rounding of a PSD matrix */
    return MG_OK;
}

/* Corollary 3.3 (corrected) population risk of the rank-p_k Wiener filters. */
mg_status mg_mog_oracle_risk(const mg_mog *mog, double sigma, double wd, const int64_t *widths, double *risk,
                             double *total) {
    MG_TRY(check_mog(mog, "oracle risk"));
    if (!(sigma >= 0) || !isfinite(sigma) || !(wd >= 0) || !isfinite(wd))
        return mg_fail(MG_ERR_ARG, "oracle risk: sigma and lambda must be finite and >= 0 (got %g, %g)", sigma, wd);
    int64_t d = mog->d;
    double *ev = mg_alloc((size_t)d, sizeof(double));
    if (!ev) return mg_fail(MG_ERR_NOMEM, "oracle risk: out of memory");
    double s2 = sigma * sigma, tot = 0;
    for (int k = 0; k < mog->K; k++) {
        mg_status st = mg_mog_second_moment_eigs(mog, k, ev);
        if (st != MG_OK) {
            free(ev);
            return st;
        }
        int64_t pk = widths ? widths[k] : d;
        if (pk < 0 || pk > d) pk = pk < 0 ? 0 : d;
        double shrink = wd / mog->weights[k], r = 0;
        for (int64_t j = 0; j < d; j++) {
            double e = ev[j];
            if (j < pk && e > shrink && e + s2 > 0) {
                double a = (e - shrink) / (e + s2);
                r += e * (1 - a) * (1 - a) + s2 * a * a; /* = s2 e / (e + s2) at wd = 0 */
            } else {
                r += e; /* discarded direction: not reconstructed */
            }
        }
        if (risk) risk[k] = r;
        tot += mog->weights[k] * r;
    }
    free(ev);
    if (total) *total = tot;
    return MG_OK;
}

/* Test risk of a construction on the mixture (see theory.h). */
mg_status mg_construction_mog_risk(mg_mat X, const mg_construction *c, const mg_mog *mog, int64_t *match,
                                   double *risk, double *total) {
    MG_TRY(check_mog(mog, "construction risk"));
    MG_TRY(mg__check_data(X, "construction risk"));
    if (!c || !c->W || c->d != mog->d || c->n != X.rows || c->d != X.cols)
        return mg_fail(MG_ERR_SHAPE, "construction risk: the construction (d = %lld, n = %lld), data (%lld x %lld) "
                       "and mixture (d = %lld) do not agree", c ? (long long)c->d : 0LL, c ? (long long)c->n : 0LL,
                       (long long)X.rows, (long long)X.cols, (long long)mog->d);
    int64_t d = c->d, p = c->p, K = c->K;
    mg_clusters cl;
    MG_TRY(mg__clusters_build(c->labels, c->n, K, "construction risk", &cl));
    mg_status st = MG_OK;
    double *xbar = mg_alloc((size_t)d, sizeof(double));
    int64_t *comp = mg_alloc((size_t)K, sizeof(int64_t));             /* K: matched component */
    double *Wk = mg_alloc((size_t)d * (size_t)p, sizeof(double));       /* d x q: matched columns */
    double *T = mg_alloc((size_t)d * (size_t)d, sizeof(double));        /* d x d: Sigma = T T^T */
    double *WT = mg_alloc((size_t)p * (size_t)d, sizeof(double));       /* q x d: W^T T */
    double *G = mg_alloc((size_t)p * (size_t)p, sizeof(double));        /* q x q: W^T W */
    double *M = mg_alloc((size_t)p * (size_t)p, sizeof(double));        /* q x q: W^T S W */
    double *wm = mg_alloc((size_t)p, sizeof(double));                   /* q: W^T mu */
    if (!xbar || !comp || !Wk || !T || !WT || !G || !M || !wm) {
        st = mg_fail(MG_ERR_NOMEM, "construction risk: out of memory (d = %lld, p = %lld)", (long long)d, (long long)p);
        goto done;
    }
    for (int64_t b = 0; b < K; b++) {
        mg__rows_mean(X, cl.idx + cl.start[b], cl.start[b + 1] - cl.start[b], xbar);
        double best = INFINITY;
        comp[b] = 0;
        for (int k = 0; k < mog->K; k++) {
            const double *mu = mog->means + (size_t)k * (size_t)d;
            double dd = 0;
            for (int64_t j = 0; j < d; j++) dd += (xbar[j] - mu[j]) * (xbar[j] - mu[j]);
            if (dd < best) best = dd, comp[b] = k;
        }
        if (match) match[b] = comp[b];
    }
    double tot = 0, s2 = c->sigma * c->sigma;
    for (int k = 0; k < mog->K; k++) {
        const double *mu = mog->means + (size_t)k * (size_t)d, *ev = mog->eigvals + (size_t)k * (size_t)d;
        double trS = 0;
        for (int64_t j = 0; j < d; j++) trS += (ev[j] > 0 ? ev[j] : 0.0) + mu[j] * mu[j];
        /* gather the kept columns of the blocks matched to k */
        int64_t q = 0;
        for (int64_t b = 0; b < K; b++) {
            if (comp[b] != k) continue;
            for (int64_t j = 0; j < c->blocks[b].kept; j++, q++)
                for (int64_t i = 0; i < d; i++) Wk[i * p + q] = c->W[i * p + c->blocks[b].col_start + j];
        }
        double r = trS;
        if (q > 0) {
            /* A = W W^T: tr(A S A) - 2 tr(A S) + tr(S) + sigma^2 tr(A A), with
             * tr(A S A) = tr(G M), tr(A S) = tr(M), tr(A A) = |G|_F^2. */
            cov_factor(mog, k, T);
            mg_dgemm_det(1, 0, q, d, d, 1.0, Wk, p, T, d, 0.0, WT, d);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)q, (int)d, 1.0, WT, (int)d, 0.0, M, (int)q);
            cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)q, 1.0, Wk, (int)p, mu, 1, 0.0, wm, 1);
            cblas_dsyr(CblasRowMajor, CblasUpper, (int)q, 1.0, wm, 1, M, (int)q);
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)q, (int)d, 1.0, Wk, (int)p, 0.0, G, (int)q);
            double trGM = 0, trM = 0, g2 = 0;
            for (int64_t i = 0; i < q; i++)
                for (int64_t j = i; j < q; j++) {
                    double gij = G[i * q + j], mij = M[i * q + j], f = i == j ? 1.0 : 2.0;
                    trGM += f * gij * mij;
                    g2 += f * gij * gij;
                    if (i == j) trM += mij;
                }
            r = trGM - 2 * trM + trS + s2 * g2;
            if (r < 0) r = 0;
        }
        if (risk) risk[k] = r;
        tot += mog->weights[k] * r;
    }
    if (total) *total = tot;
done:
    free(xbar), free(comp), free(Wk), free(T), free(WT), free(G), free(M), free(wm);
    mg__clusters_free(&cl);
    return st;
}
