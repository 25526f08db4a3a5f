/*
 * The posterior-mean denoisers the trained DAEs are measured against (the
 * optimal denoisers of the paper; not to be confused with the denoiser
 * interface of src/diffusion/denoiser.c, which wraps these among others):
 *
 *  - f_emp (Eq. 3), the posterior mean under the empirical distribution of
 *    the training set: a softmax over training samples of -|y - x|^2/(2s^2).
 *    Distances come from one sgemm per block of queries, on data centred by
 *    the training mean (translation invariance removes a common offset from
 *    the expansion); the weights are a log-sum-exp in double. Products go
 *    through mg_sgemm_det, so results are bit-identical on any thread count.
 *    The GEMM expansion |y|^2 - 2 y.x + |x|^2 loses about sqrt(d) *
 *    FLT_EPSILON * |y||x| to cancellation, which matters when sigma is small:
 *    then the few candidates within the softmax window are recomputed
 *    exactly in double (and sigma = 0 is the exact nearest sample).
 *  - f_gt of a Gaussian mixture (Eq. 4 with Tweedie's formula), in double
 *    through the stored eigen-decompositions: posterior log-weights from the
 *    eigenvalues, component means mu + B diag(ev/(ev+s^2)) B^T (y - mu), and a
 *    streaming log-sum-exp over components.
 *
 * Each has a naive reference beside it as the test oracle.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/blas.h"
#include "theory_internal.h"

/* Softmax window: weights below exp(-FEMP_WINDOW) of the largest are zero. */
#define FEMP_WINDOW 40.0
/* Float expansion errors below this fraction of a logit are left alone. */
#define FEMP_REFINE_TOL 1e-6
/* Budget of the per-block cross-product matrix (floats, 64 MiB): up to 65536
 * training rows the blocks hold 256 queries, whose GEMMs run about 1.5x faster
 * than 64-query blocks (bench_femp at 6 x 10^4 rows). */
#define FEMP_BLOCK_FLOATS ((int64_t)1 << 24)

struct mg_femp {
    mg_mat X;          /* n x d training rows (not owned) */
    float *Xc;         /* n x d: X - center, for the GEMM distances */
    double *center;    /* d: mean training row */
    float *Yc;         /* bm x d: a block of queries - center */
    double *xn;        /* n: |x_i - center|^2 */
    double max_xnorm;  /* max_i |x_i - center| */
    int64_t bm;        /* query rows per block */
    float *D;          /* bm x n: y.x products, then softmax weights */
    float *O;          /* bm x d: dense block output */
    int *dense;        /* bm: row needs the dense product */
    int nthreads;
    int64_t *cidx;     /* nthreads x n: candidate indices */
    double *cdist;     /* nthreads x n: their exact distances */
};

/* Frees the context (safe on NULL). */
void mg_femp_free(mg_femp *f) {
    if (!f) return;
    free(f->Xc), free(f->center), free(f->Yc);
    free(f->xn), free(f->D), free(f->O), free(f->dense), free(f->cidx), free(f->cdist);
    free(f);
}

/* Precomputes norms and allocates the block workspace. */
mg_status mg_femp_create(mg_mat X, mg_femp **out) {
    *out = NULL;
    MG_TRY(mg__check_data(X, "empirical denoiser"));
    mg_femp *f = calloc(1, sizeof(*f));
    if (!f) return mg_fail(MG_ERR_NOMEM, "empirical denoiser: out of memory");
    int64_t n = X.rows, d = X.cols;
    f->X = X;
#ifdef _OPENMP
    f->nthreads = omp_get_max_threads();
#else
    f->nthreads = 1;
#endif
    f->bm = FEMP_BLOCK_FLOATS / n;
    if (f->bm < 1) f->bm = 1;
    if (f->bm > 256) f->bm = 256;
    f->Xc = mg_alloc((size_t)n * (size_t)d, sizeof(float));
    f->center = mg_calloc((size_t)d, sizeof(double));
    f->Yc = mg_alloc((size_t)f->bm * (size_t)d, sizeof(float));
    f->xn = mg_alloc((size_t)n, sizeof(double));
    f->D = mg_alloc((size_t)f->bm * (size_t)n, sizeof(float));
    f->O = mg_alloc((size_t)f->bm * (size_t)d, sizeof(float));
    f->dense = mg_alloc((size_t)f->bm, sizeof(int));
    f->cidx = mg_alloc((size_t)f->nthreads * (size_t)n, sizeof(int64_t));
    f->cdist = mg_alloc((size_t)f->nthreads * (size_t)n, sizeof(double));
    if (!f->Xc || !f->center || !f->Yc || !f->xn || !f->D || !f->O || !f->dense || !f->cidx || !f->cdist) {
        mg_femp_free(f);
        return mg_fail(MG_ERR_NOMEM, "empirical denoiser: out of memory for %lld training samples", (long long)n);
    }
    /* Distances are translation invariant: centring the data first removes
     * the common offset from the GEMM expansion and its cancellation. */
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) f->center[j] += X.data[i * X.ld + j];
    for (int64_t j = 0; j < d; j++) f->center[j] /= (double)n;
    for (int64_t i = 0; i < n; i++) {
        const float *x = X.data + i * X.ld;
        float *xc = f->Xc + i * d;
        double s = 0;
        for (int64_t j = 0; j < d; j++) {
            xc[j] = (float)(x[j] - f->center[j]);
            s += (double)xc[j] * xc[j];
        }
        f->xn[i] = s;
        if (sqrt(s) > f->max_xnorm) f->max_xnorm = sqrt(s);
    }
    *out = f;
    return MG_OK;
}

/* Checks queries, output and sigma against the training rows. */
static mg_status check_queries(mg_mat Y, mg_mat Out, int64_t d, double sigma, const char *what) {
    if (!Y.data || Y.rows < 1 || Y.cols != d || Y.ld < Y.cols)
        return mg_fail(MG_ERR_SHAPE, "%s: queries are %lld x %lld, expected rows of %lld features", what,
                       (long long)Y.rows, (long long)Y.cols, (long long)d);
    if (!Out.data || Out.rows != Y.rows || Out.cols != d || Out.ld < d)
        return mg_fail(MG_ERR_SHAPE, "%s: output is %lld x %lld, expected %lld x %lld", what, (long long)Out.rows,
                       (long long)Out.cols, (long long)Y.rows, (long long)d);
    if (Out.data == Y.data) return mg_fail(MG_ERR_ARG, "%s: output may not alias the queries", what);
    if (!(sigma >= 0) || !isfinite(sigma))
        return mg_fail(MG_ERR_ARG, "%s: sigma must be a finite number >= 0 (got %g)", what, sigma);
    if (Y.ld > INT32_MAX || Out.ld > INT32_MAX) return mg_fail(MG_ERR_SHAPE, "%s: rows too long for BLAS", what);
    return MG_OK;
}

/* One query row y (yc = y - center): softmax weights into w (n floats, on
 * entry the products yc.xc; dense rows), or the exact sparse result written
 * straight to out (returns 0 then, 1 for dense). *logz: the log of Eq. 3's
 * normaliser, log sum_i exp(-|y - x_i|^2 / (2 s2)), or -min_i |y - x_i|^2
 * when s2 = 0 (what mg_femp_apply_logz reports). */
static int femp_row(const mg_femp *f, const float *y, const float *yc, double s2, float *w, float *out,
                    int64_t *cidx, double *cdist, double *logz) {
    int64_t n = f->X.rows, d = f->X.cols;
    double yn = 0;
    for (int64_t l = 0; l < d; l++) yn += (double)yc[l] * yc[l];
    double dmin = INFINITY;
    for (int64_t j = 0; j < n; j++) {
        double dist = yn - 2.0 * w[j] + f->xn[j];
        if (dist < 0) dist = 0;
        w[j] = (float)dist; /* keep the approximate distance for the next pass */
        if (dist < dmin) dmin = dist;
    }
    double err = 4.0 * (sqrt((double)d) + 2.0) * FLT_EPSILON * (sqrt(yn) * f->max_xnorm + yn + f->max_xnorm * f->max_xnorm);
    int refine = s2 == 0 || err > FEMP_REFINE_TOL * 2.0 * s2;
    if (refine) {
        double win = 2.0 * s2 * FEMP_WINDOW + 2.0 * err;
        int64_t nc = 0, cap = n / 16 > 64 ? n / 16 : 64;
        for (int64_t j = 0; j < n; j++)
            if (w[j] <= dmin + win) cidx[nc++] = j;
        if (s2 == 0 || nc <= cap) {
            /* exact distances of the candidates, in double */
            double emin = INFINITY;
            for (int64_t c = 0; c < nc; c++) {
                const float *x = f->X.data + cidx[c] * f->X.ld;
                double dd = 0;
                for (int64_t l = 0; l < d; l++) {
                    double t = (double)y[l] - x[l];
                    dd += t * t;
                }
                cdist[c] = dd;
                if (dd < emin) emin = dd;
            }
            double acc_w = 0;
            for (int64_t c = 0; c < nc; c++) {
                double wc;
                if (s2 == 0) {
                    wc = cdist[c] == emin && acc_w == 0 ? 1.0 : 0.0; /* first (lowest index) nearest */
                } else {
                    wc = exp(-(cdist[c] - emin) / (2.0 * s2));
                }
                cdist[c] = wc;
                acc_w += wc;
            }
            for (int64_t l = 0; l < d; l++) {
                double s = 0;
                for (int64_t c = 0; c < nc; c++)
                    if (cdist[c] != 0) s += cdist[c] * f->X.data[cidx[c] * f->X.ld + l];
                out[l] = (float)(s / acc_w);
            }
            *logz = s2 == 0 ? -emin : -emin / (2.0 * s2) + log(acc_w);
            return 0;
        }
    }
    /* dense: weights from the GEMM distances */
    double tot = 0;
    for (int64_t j = 0; j < n; j++) {
        double e = ((double)w[j] - dmin) / (2.0 * s2);
        double wj = e > FEMP_WINDOW ? 0.0 : exp(-e);
        w[j] = (float)wj;
        tot += wj;
    }
    float inv = (float)(1.0 / tot);
    for (int64_t j = 0; j < n; j++) w[j] *= inv;
    *logz = -dmin / (2.0 * s2) + log(tot);
    return 1;
}

/* Eq. 3 for a batch of queries, with the log-normalisers (see theory.h). */
mg_status mg_femp_apply_logz(mg_femp *f, mg_mat Y, double sigma, mg_mat Out, double *logz) {
    if (!f) return mg_fail(MG_ERR_ARG, "empirical denoiser: no context");
    int64_t n = f->X.rows, d = f->X.cols, m = Y.rows;
    MG_TRY(check_queries(Y, Out, d, sigma, "empirical denoiser"));
    double s2 = sigma * sigma;
    for (int64_t r0 = 0; r0 < m; r0 += f->bm) {
        int64_t rn = m - r0 < f->bm ? m - r0 : f->bm;
        /* D = Yc Xc^T (rn x n), both centred */
        for (int64_t i = 0; i < rn; i++)
            for (int64_t j = 0; j < d; j++) f->Yc[i * d + j] = (float)(Y.data[(r0 + i) * Y.ld + j] - f->center[j]);
        mg_sgemm_det(0, 1, rn, n, d, 1.0f, f->Yc, d, f->Xc, d, 0.0f, f->D, n);
        int any_dense = 0;
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic, 4) reduction(| : any_dense) if (rn * n > 65536)
#endif
        for (int64_t i = 0; i < rn; i++) {
#ifdef _OPENMP
            int t = omp_get_thread_num();
#else
            int t = 0;
#endif
            double lz;
            f->dense[i] = femp_row(f, Y.data + (r0 + i) * Y.ld, f->Yc + i * d, s2, f->D + i * n,
                                   Out.data + (r0 + i) * Out.ld,
                                   f->cidx + (size_t)t * (size_t)n, f->cdist + (size_t)t * (size_t)n, &lz);
            if (logz) logz[r0 + i] = lz;
            any_dense |= f->dense[i];
        }
        if (any_dense) {
            mg_sgemm_det(0, 0, rn, d, n, 1.0f, f->D, n, f->X.data, f->X.ld, 0.0f, f->O, d);
            for (int64_t i = 0; i < rn; i++)
                if (f->dense[i]) memcpy(Out.data + (r0 + i) * Out.ld, f->O + i * d, (size_t)d * sizeof(float));
        }
    }
    return MG_OK;
}

/* Eq. 3 for a batch of queries (see theory.h). */
mg_status mg_femp_apply(mg_femp *f, mg_mat Y, double sigma, mg_mat Out) {
    return mg_femp_apply_logz(f, Y, sigma, Out, NULL);
}

/* One-shot Eq. 3. */
mg_status mg_femp_once(mg_mat X, mg_mat Y, double sigma, mg_mat Out) {
    mg_femp *f = NULL;
    MG_TRY(mg_femp_create(X, &f));
    mg_status st = mg_femp_apply(f, Y, sigma, Out);
    mg_femp_free(f);
    return st;
}

/* Reference Eq. 3: exact distances and softmax in double, one query at a time. */
mg_status mg_femp_naive(mg_mat X, mg_mat Y, double sigma, mg_mat Out) {
    MG_TRY(mg__check_data(X, "empirical denoiser (naive)"));
    int64_t n = X.rows, d = X.cols;
    MG_TRY(check_queries(Y, Out, d, sigma, "empirical denoiser (naive)"));
    double *dist = mg_alloc((size_t)n, sizeof(double));
    double *acc = mg_alloc((size_t)d, sizeof(double));
    if (!dist || !acc) {
        free(dist), free(acc);
        return mg_fail(MG_ERR_NOMEM, "empirical denoiser (naive): out of memory");
    }
    double s2 = sigma * sigma;
    for (int64_t q = 0; q < Y.rows; q++) {
        const float *y = Y.data + q * Y.ld;
        double dmin = INFINITY;
        int64_t jmin = 0;
        for (int64_t j = 0; j < n; j++) {
            const float *x = X.data + j * X.ld;
            double s = 0;
            for (int64_t l = 0; l < d; l++) s += ((double)y[l] - x[l]) * ((double)y[l] - x[l]);
            dist[j] = s;
            if (s < dmin) dmin = s, jmin = j;
        }
        memset(acc, 0, (size_t)d * sizeof(double));
        double tot = 0;
        for (int64_t j = 0; j < n; j++) {
            double w = s2 > 0 ? exp(-(dist[j] - dmin) / (2.0 * s2)) : (j == jmin ? 1.0 : 0.0);
            tot += w;
            for (int64_t l = 0; l < d; l++) acc[l] += w * X.data[j * X.ld + l];
        }
        for (int64_t l = 0; l < d; l++) Out.data[q * Out.ld + l] = (float)(acc[l] / tot);
    }
    free(dist), free(acc);
    return MG_OK;
}

/* Cheap per-call checks of the mixture (O(K d); the full mg_mog_validate,
 * O(K d^3), is the loader's job) and that Sigma_k + sigma^2 I is nonsingular. */
static mg_status check_fgt(const mg_mog *mog, mg_mat Y, mg_mat Out, double sigma, const char *what) {
    if (!mog || mog->K < 1 || mog->d < 1 || !mog->weights || !mog->means || !mog->eigvals || !mog->bases)
        return mg_fail(MG_ERR_ARG, "%s: empty Gaussian mixture", what);
    if (mog->d > INT32_MAX) return mg_fail(MG_ERR_SHAPE, "%s: dimension too large", what);
    MG_TRY(check_queries(Y, Out, mog->d, sigma, what));
    double s2 = sigma * sigma;
    for (int k = 0; k < mog->K; k++) {
        if (!(mog->weights[k] > 0) || !isfinite(mog->weights[k]))
            return mg_fail(MG_ERR_ARG, "%s: mixture weight %d is %g (must be positive)", what, k, mog->weights[k]);
        for (int64_t j = 0; j < mog->d; j++) {
            double ev = mog->eigvals[(size_t)k * (size_t)mog->d + j];
            if (!(ev >= 0) || !isfinite(ev))
                return mg_fail(MG_ERR_ARG, "%s: covariance eigenvalue %lld of component %d is %g (must be finite, "
                               ">= 0)", what, (long long)j, k, ev);
            if (!(ev + s2 > 0))
                return mg_fail(MG_ERR_ARG, "%s: component %d has a zero covariance eigenvalue and sigma = 0, so its "
                               "density is singular; use sigma > 0", what, k);
        }
    }
    return MG_OK;
}

/* Tweedie posterior mean of a Gaussian mixture (see theory.h). */
mg_status mg_fgt(const mg_mog *mog, mg_mat Y, double sigma, mg_mat Out, double *post) {
    MG_TRY(check_fgt(mog, Y, Out, sigma, "true denoiser"));
    int64_t d = mog->d, m = Y.rows, K = mog->K;
    int64_t bm = m < 256 ? m : 256;
    double s2 = sigma * sigma;
    double *Yc = mg_alloc((size_t)bm * (size_t)d, sizeof(double));  /* bm x d: y - mu_k */
    double *Z = mg_alloc((size_t)bm * (size_t)d, sizeof(double));   /* bm x d: B^T (y - mu_k), then shrunk */
    double *Dn = mg_alloc((size_t)bm * (size_t)d, sizeof(double));  /* bm x d: component denoiser */
    double *acc = mg_alloc((size_t)bm * (size_t)d, sizeof(double)); /* bm x d: running weighted sum */
    double *lp = mg_alloc((size_t)bm * (size_t)K, sizeof(double));  /* bm x K: log posterior (unnormalised) */
    double *mx = mg_alloc((size_t)bm, sizeof(double)), *sw = mg_alloc((size_t)bm, sizeof(double));
    double *inv = mg_alloc((size_t)d, sizeof(double)), *shr = mg_alloc((size_t)d, sizeof(double));
    if (!Yc || !Z || !Dn || !acc || !lp || !mx || !sw || !inv || !shr) {
        free(Yc), free(Z), free(Dn), free(acc), free(lp), free(mx), free(sw), free(inv), free(shr);
        return mg_fail(MG_ERR_NOMEM, "true denoiser: out of memory (d = %lld)", (long long)d);
    }
    for (int64_t r0 = 0; r0 < m; r0 += bm) {
        int64_t rn = m - r0 < bm ? m - r0 : bm;
        for (int64_t k = 0; k < K; k++) {
            const double *mu = mog->means + k * d, *ev = mog->eigvals + k * d, *B = mog->bases + k * d * d;
            double logdet = 0;
            for (int64_t j = 0; j < d; j++) {
                double c = (ev[j] > 0 ? ev[j] : 0.0) + s2;
                inv[j] = 1.0 / c;
                shr[j] = (ev[j] > 0 ? ev[j] : 0.0) / c;
                logdet += log(c);
            }
            mg_mog_component_coords(mog, (int)k, Y, r0, rn, Yc, Z); /* coordinates in the eigenbasis */
            for (int64_t i = 0; i < rn; i++) {
                double q = 0;
                for (int64_t j = 0; j < d; j++) {
                    q += Z[i * d + j] * Z[i * d + j] * inv[j];
                    Z[i * d + j] *= shr[j];
                }
                lp[i * K + k] = log(mog->weights[k]) - 0.5 * q - 0.5 * logdet;
            }
            /* Dn = mu + Z diag(shr) B^T */
            mg_dgemm_det(0, 1, rn, d, d, 1.0, Z, d, B, d, 0.0, Dn, d);
            for (int64_t i = 0; i < rn; i++) {
                double l = lp[i * K + k], *a = acc + i * d, *dn = Dn + i * d;
                if (k == 0) { /* the sum starts here: acc holds no earlier term (nor anything defined) */
                    for (int64_t j = 0; j < d; j++) a[j] = dn[j] + mu[j];
                    sw[i] = 1.0;
                    mx[i] = l;
                } else if (l > mx[i]) {
                    double sc = exp(mx[i] - l);
                    for (int64_t j = 0; j < d; j++) a[j] = a[j] * sc + dn[j] + mu[j];
                    sw[i] = sw[i] * sc + 1.0;
                    mx[i] = l;
                } else {
                    double w = exp(l - mx[i]);
                    for (int64_t j = 0; j < d; j++) a[j] += w * (dn[j] + mu[j]);
                    sw[i] += w;
                }
            }
        }
        for (int64_t i = 0; i < rn; i++) {
            float *o = Out.data + (r0 + i) * Out.ld;
            for (int64_t j = 0; j < d; j++) o[j] = (float)(acc[i * d + j] / sw[i]);
            if (post)
                for (int64_t k = 0; k < K; k++) post[(r0 + i) * K + k] = exp(lp[i * K + k] - mx[i]) / sw[i];
        }
    }
    free(Yc), free(Z), free(Dn), free(acc), free(lp), free(mx), free(sw), free(inv), free(shr);
    return MG_OK;
}

/* Reference f_gt: explicit covariance, Cholesky, y - s^2 C^-1 (y - mu). */
mg_status mg_fgt_naive(const mg_mog *mog, mg_mat Y, double sigma, mg_mat Out, double *post) {
    MG_TRY(check_fgt(mog, Y, Out, sigma, "true denoiser (naive)"));
    int64_t d = mog->d, m = Y.rows, K = mog->K;
    double s2 = sigma * sigma;
    double *C = mg_alloc((size_t)K * (size_t)d * (size_t)d, sizeof(double)); /* K x d x d Cholesky factors */
    double *ld = mg_alloc((size_t)K, sizeof(double));                         /* K: log det C_k */
    double *v = mg_alloc((size_t)K * (size_t)d, sizeof(double));              /* K x d: C_k^-1 (y - mu_k) */
    double *lw = mg_alloc((size_t)K, sizeof(double));
    if (!C || !ld || !v || !lw) {
        free(C), free(ld), free(v), free(lw);
        return mg_fail(MG_ERR_NOMEM, "true denoiser (naive): out of memory");
    }
    mg_status st = MG_OK;
    for (int64_t k = 0; k < K && st == MG_OK; k++) {
        const double *B = mog->bases + k * d * d, *ev = mog->eigvals + k * d;
        double *Ck = C + k * d * d;
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < d; j++) {
                double s = 0;
                for (int64_t l = 0; l < d; l++) s += B[i * d + l] * ev[l] * B[j * d + l];
                Ck[i * d + j] = s + (i == j ? s2 : 0.0);
            }
        lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, Ck, (lapack_int)d);
        if (info != 0) st = mg_fail(MG_ERR_NUMERIC, "true denoiser (naive): covariance %lld not positive definite", (long long)k);
        ld[k] = 0;
        for (int64_t i = 0; i < d && st == MG_OK; i++) ld[k] += 2.0 * log(Ck[i * d + i]);
    }
    for (int64_t q = 0; q < m && st == MG_OK; q++) {
        const float *y = Y.data + q * Y.ld;
        double mx = -INFINITY, tot = 0;
        for (int64_t k = 0; k < K; k++) {
            const double *mu = mog->means + k * d;
            double *vk = v + k * d;
            for (int64_t j = 0; j < d; j++) vk[j] = (double)y[j] - mu[j];
            double *r = mg_alloc((size_t)d, sizeof(double));
            if (!r) {
                st = mg_fail(MG_ERR_NOMEM, "true denoiser (naive): out of memory");
                break;
            }
            memcpy(r, vk, (size_t)d * sizeof(double));
            LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'L', (lapack_int)d, 1, C + k * d * d, (lapack_int)d, vk, 1);
            double quad = 0;
            for (int64_t j = 0; j < d; j++) quad += r[j] * vk[j];
            free(r);
            lw[k] = log(mog->weights[k]) - 0.5 * quad - 0.5 * ld[k];
            if (lw[k] > mx) mx = lw[k];
        }
        if (st != MG_OK) break;
        for (int64_t k = 0; k < K; k++) tot += (lw[k] = exp(lw[k] - mx));
        for (int64_t j = 0; j < d; j++) {
            double s = 0;
            for (int64_t k = 0; k < K; k++) s += lw[k] / tot * ((double)y[j] - s2 * v[k * d + j]);
            Out.data[q * Out.ld + j] = (float)s;
        }
        if (post)
            for (int64_t k = 0; k < K; k++) post[q * K + k] = lw[k] / tot;
    }
    free(C), free(ld), free(v), free(lw);
    return st;
}
