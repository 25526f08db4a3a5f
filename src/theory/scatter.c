/*
 * Eigenpairs of a cluster's scatter matrix S = sum_i x_i x_i^T (the paper's
 * X_k X_k^T), the Lemma C.1 coefficients built on them, and compact cluster
 * labels. The fast path works on the smaller side (n x n Gram when n <= d,
 * else d x d) with one dsyrk and one dsyevr, so closed forms at n = 10,000,
 * d = 1024 take about a second; a Jacobi-rotation reference sits beside it as
 * the test oracle.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <lapacke.h>

#include "memgen/blas.h"
#include "memgen/theory.h"

/* Rows gathered per dsyrk when accumulating the d x d scatter matrix. */
#define SCATTER_BLOCK 1024

/* Frees the eigen-decomposition arrays (safe on NULL / zeroed). */
void mg_scatter_eig_free(mg_scatter_eig *e) {
    if (!e) return;
    free(e->evals);
    free(e->evecs);
    memset(e, 0, sizeof(*e));
}

/* Validates X and the row subset shared by both eigen routines. */
static mg_status check_rows(mg_mat X, const int64_t *rows, int64_t m, const char *what) {
    if (!X.data || X.rows < 1 || X.cols < 1 || X.ld < X.cols)
        return mg_fail(MG_ERR_ARG, "%s: empty or malformed data matrix (%lld x %lld, ld %lld)", what,
                       (long long)X.rows, (long long)X.cols, (long long)X.ld);
    if (X.cols > INT32_MAX || m > INT32_MAX)
        return mg_fail(MG_ERR_SHAPE, "%s: %lld x %lld is too large for LAPACK's 32-bit sizes", what, (long long)m,
                       (long long)X.cols);
    if (m < 1) return mg_fail(MG_ERR_ARG, "%s: a cluster needs at least one sample", what);
    if (rows)
        for (int64_t i = 0; i < m; i++)
            if (rows[i] < 0 || rows[i] >= X.rows)
                return mg_fail(MG_ERR_ARG, "%s: row index %lld out of range [0, %lld)", what, (long long)rows[i],
                               (long long)X.rows);
    return MG_OK;
}

/* Copies rows [r0, r0 + cnt) of the subset into a dense double block (cnt x d). */
static void gather_rows(mg_mat X, const int64_t *rows, int64_t r0, int64_t cnt, double *dst) {
    for (int64_t i = 0; i < cnt; i++) {
        const float *src = X.data + (rows ? rows[r0 + i] : r0 + i) * X.ld;
        double *o = dst + i * X.cols;
        for (int64_t j = 0; j < X.cols; j++) o[j] = src[j];
    }
}

/* Flips each column of U (d x q) so that its entry of largest magnitude is
 * positive: a deterministic sign independent of the LAPACK build. */
static void fix_signs(double *U, int64_t d, int64_t q) {
    for (int64_t j = 0; j < q; j++) {
        int64_t imax = 0;
        double amax = -1;
        for (int64_t i = 0; i < d; i++)
            if (fabs(U[i * q + j]) > amax) {
                amax = fabs(U[i * q + j]);
                imax = i;
            }
        if (U[imax * q + j] < 0)
            for (int64_t i = 0; i < d; i++) U[i * q + j] = -U[i * q + j];
    }
}

/* Numerical-rank threshold: eigenvalues at or below it are zero. */
static double rank_threshold(double ev_max, int64_t m, int64_t d) {
    return 64.0 * (double)(m > d ? m : d) * DBL_EPSILON * (ev_max > 0 ? ev_max : 0);
}

/* Top-q eigenpairs through the smaller side of the cluster matrix (see header). */
mg_status mg_scatter_eig_top(mg_mat X, const int64_t *rows, int64_t nrows, int64_t q_max, int want_vectors,
                             mg_scatter_eig *out) {
    memset(out, 0, sizeof(*out));
    int64_t m = rows ? nrows : X.rows, d = X.cols;
    MG_TRY(check_rows(X, rows, m, "scatter eigenpairs"));
    if (q_max < 1) return mg_fail(MG_ERR_ARG, "scatter eigenpairs: asked for %lld eigenpairs", (long long)q_max);
    int64_t side = m <= d ? m : d; /* the matrix we diagonalise is side x side */
    int64_t q = q_max < side ? q_max : side;
    mg_status st = MG_OK;
    double *A = mg_alloc((size_t)side * (size_t)side, sizeof(double)); /* side x side */
    double *Xk = NULL;  /* m x d when side == m (kept for U = X^T V), else a row block */
    double *w = mg_alloc((size_t)side, sizeof(double));               /* side eigenvalues */
    double *Z = mg_alloc(want_vectors ? (size_t)side * (size_t)q : 1, sizeof(double)); /* col-major side x q */
    lapack_int *isuppz = mg_alloc(2 * (size_t)q, sizeof(lapack_int));
    if (!A || !w || !Z || !isuppz) {
        st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: cannot allocate a %lld x %lld matrix", (long long)side,
                     (long long)side);
        goto done;
    }
    double trace = 0;
    if (side == m) {
        /* Gram route: A = Xk Xk^T (m x m); eigenvectors of S are X^T v / sqrt(ev). */
        Xk = mg_alloc((size_t)m * (size_t)d, sizeof(double));
        if (!Xk) {
            st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: cannot copy %lld x %lld samples", (long long)m,
                         (long long)d);
            goto done;
        }
        gather_rows(X, rows, 0, m, Xk);
        mg_dsyrk_det(0, m, d, 1.0, Xk, d, 0.0, A, m);
        for (int64_t i = 0; i < m; i++) trace += A[i * m + i];
    } else {
        /* Scatter route: A = sum over row blocks of Xb^T Xb (d x d). */
        int64_t bs = m < SCATTER_BLOCK ? m : SCATTER_BLOCK;
        Xk = mg_alloc((size_t)bs * (size_t)d, sizeof(double)); /* bs x d row block */
        if (!Xk) {
            st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: cannot allocate a row block");
            goto done;
        }
        for (int64_t r0 = 0; r0 < m; r0 += bs) {
            int64_t cnt = m - r0 < bs ? m - r0 : bs;
            gather_rows(X, rows, r0, cnt, Xk);
            mg_dsyrk_det(1, d, cnt, 1.0, Xk, d, r0 ? 1.0 : 0.0, A, d);
        }
        for (int64_t i = 0; i < d; i++) trace += A[i * d + i];
    }
    if (!isfinite(trace)) {
        st = mg_fail(MG_ERR_NUMERIC, "scatter eigenpairs: the data contain NaN/Inf or overflow (trace %g)", trace);
        goto done;
    }
    /* Row-major lower triangle == column-major upper triangle: no transposition. */
    lapack_int found = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, want_vectors ? 'V' : 'N', 'I', 'U', (lapack_int)side, A,
                                     (lapack_int)side, 0.0, 0.0, (lapack_int)(side - q + 1), (lapack_int)side, 0.0,
                                     &found, w, Z, want_vectors ? (lapack_int)side : 1, isuppz);
    if (info != 0 || found != q) {
        st = mg_fail(MG_ERR_NUMERIC, "scatter eigenpairs: LAPACK dsyevr failed (info %d, %d of %lld eigenvalues)",
                     (int)info, (int)found, (long long)q);
        goto done;
    }
    /* w is ascending: the j-th largest is w[q-1-j]. */
    double thr = rank_threshold(w[q - 1], m, d);
    int64_t qe = 0;
    while (qe < q && w[q - 1 - qe] > thr) qe++;
    out->d = d;
    out->n = m;
    out->q = qe;
    out->trace = trace;
    out->evals = mg_alloc(qe ? (size_t)qe : 1, sizeof(double));
    if (!out->evals) {
        st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: out of memory");
        goto done;
    }
    for (int64_t j = 0; j < qe; j++) out->evals[j] = w[q - 1 - j];
    if (want_vectors && qe > 0) {
        double *U = mg_alloc((size_t)d * (size_t)qe, sizeof(double)); /* d x qe */
        if (!U) {
            st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: cannot allocate %lld x %lld eigenvectors", (long long)d,
                         (long long)qe);
            goto done;
        }
        out->evecs = U;
        if (side == m) {
            /* Zsel (qe x m, row j = Gram eigenvector of the j-th largest) is the
             * column-major Z read row-wise; U = Xk^T Zsel^T. */
            double *Zsel = mg_alloc((size_t)qe * (size_t)m, sizeof(double));
            if (!Zsel) {
                st = mg_fail(MG_ERR_NOMEM, "scatter eigenpairs: out of memory");
                goto done;
            }
            for (int64_t j = 0; j < qe; j++) memcpy(Zsel + j * m, Z + (q - 1 - j) * m, (size_t)m * sizeof(double));
            mg_dgemm_det(1, 1, d, qe, m, 1.0, Xk, d, Zsel, m, 0.0, U, qe);
            free(Zsel);
            for (int64_t j = 0; j < qe; j++) { /* normalise (|X^T v| = sqrt(ev) up to rounding) */
                double nn = 0;
                for (int64_t i = 0; i < d; i++) nn += U[i * qe + j] * U[i * qe + j];
                double sc = nn > 0 ? 1.0 / sqrt(nn) : 0.0;
                for (int64_t i = 0; i < d; i++) U[i * qe + j] *= sc;
            }
        } else {
            for (int64_t i = 0; i < d; i++)
                for (int64_t j = 0; j < qe; j++) U[i * qe + j] = Z[(q - 1 - j) * d + i];
        }
        fix_signs(U, d, qe);
    }
done:
    free(A);
    free(Xk);
    free(w);
    free(Z);
    free(isuppz);
    if (st != MG_OK) mg_scatter_eig_free(out);
    return st;
}

/* Cyclic Jacobi diagonalisation of a symmetric n x n matrix A (destroyed):
 * eigenvalues into w, eigenvectors as the columns of V (row-major n x n). */
static void jacobi_eig(double *A, int64_t n, double *w, double *V) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) V[i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, tot = 0;
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < n; j++) {
                tot += A[i * n + j] * A[i * n + j];
                if (i != j) off += A[i * n + j] * A[i * n + j];
            }
        if (off <= 1e-30 * tot || off == 0) break;
        for (int64_t p = 0; p < n; p++)
            for (int64_t r = p + 1; r < n; r++) {
                double apr = A[p * n + r];
                if (apr == 0) continue;
                double theta = (A[r * n + r] - A[p * n + p]) / (2 * apr);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int64_t k = 0; k < n; k++) { /* A <- A J (columns p, r) */
                    double akp = A[k * n + p], akr = A[k * n + r];
                    A[k * n + p] = c * akp - s * akr;
                    A[k * n + r] = s * akp + c * akr;
                }
                for (int64_t k = 0; k < n; k++) { /* A <- J^T A (rows p, r) */
                    double apk = A[p * n + k], ark = A[r * n + k];
                    A[p * n + k] = c * apk - s * ark;
                    A[r * n + k] = s * apk + c * ark;
                }
                for (int64_t k = 0; k < n; k++) { /* V <- V J */
                    double vkp = V[k * n + p], vkr = V[k * n + r];
                    V[k * n + p] = c * vkp - s * vkr;
                    V[k * n + r] = s * vkp + c * vkr;
                }
            }
    }
    for (int64_t i = 0; i < n; i++) w[i] = A[i * n + i];
}

/* Reference: d x d scatter by a triple loop, Jacobi, sorted descending. */
mg_status mg_scatter_eig_naive(mg_mat X, const int64_t *rows, int64_t nrows, mg_scatter_eig *out) {
    memset(out, 0, sizeof(*out));
    int64_t m = rows ? nrows : X.rows, d = X.cols;
    MG_TRY(check_rows(X, rows, m, "scatter eigenpairs (naive)"));
    double *S = mg_calloc((size_t)d * (size_t)d, sizeof(double)); /* d x d */
    double *V = mg_alloc((size_t)d * (size_t)d, sizeof(double));  /* d x d */
    double *w = mg_alloc((size_t)d, sizeof(double));
    int64_t *ord = mg_alloc((size_t)d, sizeof(int64_t));
    if (!S || !V || !w || !ord) {
        free(S), free(V), free(w), free(ord);
        return mg_fail(MG_ERR_NOMEM, "scatter eigenpairs (naive): out of memory");
    }
    double trace = 0;
    for (int64_t r = 0; r < m; r++) {
        const float *x = X.data + (rows ? rows[r] : r) * X.ld;
        for (int64_t i = 0; i < d; i++) {
            trace += (double)x[i] * x[i];
            for (int64_t j = 0; j < d; j++) S[i * d + j] += (double)x[i] * x[j];
        }
    }
    jacobi_eig(S, d, w, V);
    for (int64_t i = 0; i < d; i++) ord[i] = i;
    for (int64_t i = 1; i < d; i++) { /* insertion sort, descending */
        int64_t t = ord[i], j = i;
        while (j > 0 && w[ord[j - 1]] < w[t]) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = t;
    }
    double thr = rank_threshold(w[ord[0]], m, d);
    int64_t qe = 0;
    while (qe < d && w[ord[qe]] > thr) qe++;
    out->d = d;
    out->n = m;
    out->q = qe;
    out->trace = trace;
    out->evals = mg_alloc(qe ? (size_t)qe : 1, sizeof(double));
    out->evecs = mg_alloc(qe ? (size_t)d * (size_t)qe : 1, sizeof(double));
    if (!out->evals || !out->evecs) {
        free(S), free(V), free(w), free(ord);
        mg_scatter_eig_free(out);
        return mg_fail(MG_ERR_NOMEM, "scatter eigenpairs (naive): out of memory");
    }
    for (int64_t j = 0; j < qe; j++) {
        out->evals[j] = w[ord[j]];
        for (int64_t i = 0; i < d; i++) out->evecs[i * qe + j] = V[i * d + ord[j]];
    }
    fix_signs(out->evecs, d, qe);
    free(S), free(V), free(w), free(ord);
    return MG_OK;
}

/* Lemma C.1: alpha = ((ev - lambda') / (ev + n sigma^2))_+ for one direction. */
double mg_lae_alpha(double ev, double noise_weight, double wd_lae) {
    if (!(ev > wd_lae) || !(ev + noise_weight > 0)) return 0.0;
    return (ev - wd_lae) / (ev + noise_weight);
}

/* Lemma C.1 proof step (3): the per-direction objective at its optimum. */
double mg_lae_direction_loss(double ev, double noise_weight, double wd_lae, double *penalty) {
    double a = mg_lae_alpha(ev, noise_weight, wd_lae);
    if (penalty) *penalty = 2.0 * wd_lae * a;
    return ev * (1 - a) * (1 - a) + noise_weight * a * a;
}

/* Comparison of doubles for qsort (ascending). */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Maps arbitrary integral labels to 0..K-1 in increasing value order. */
mg_status mg_labels_compact(const mg_array *a, int64_t n, const char *what, int64_t **labels, int64_t *K,
                            int64_t **values) {
    *labels = NULL;
    *values = NULL;
    *K = 0;
    if (!what) what = "labels";
    int64_t numel = mg_array_numel(a);
    if (a->ndim < 1 || a->ndim > 2 || (a->ndim == 2 && a->shape[1] != 1) || numel != n) {
        char buf[96];
        mg_shape_str(a->ndim, a->shape, buf, sizeof(buf));
        return mg_fail(MG_ERR_SHAPE, "%s: expected %lld labels of shape (%lld,), got shape %s", what, (long long)n,
                       (long long)n, buf);
    }
    if (n < 1) return mg_fail(MG_ERR_ARG, "%s: no labels", what);
    mg_array f;
    MG_TRY(mg_array_to_f64(a, &f));
    const double *v = f.data;
    double *sorted = mg_alloc((size_t)n, sizeof(double));
    int64_t *lab = mg_alloc((size_t)n, sizeof(int64_t));
    if (!sorted || !lab) {
        mg_array_free(&f), free(sorted), free(lab);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory", what);
    }
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || v[i] != floor(v[i]) || fabs(v[i]) > 9.0e15) {
            mg_status st = mg_fail(MG_ERR_FORMAT, "%s: label %lld is %g, not an integer; labels must be integer "
                                   "cluster ids", what, (long long)i, v[i]);
            mg_array_free(&f), free(sorted), free(lab);
            return st;
        }
        sorted[i] = v[i];
    }
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (i == 0 || sorted[i] != sorted[k - 1]) sorted[k++] = sorted[i];
    int64_t *vals = mg_alloc((size_t)k, sizeof(int64_t));
    if (!vals) {
        mg_array_free(&f), free(sorted), free(lab);
        return mg_fail(MG_ERR_NOMEM, "%s: out of memory", what);
    }
    for (int64_t j = 0; j < k; j++) vals[j] = (int64_t)sorted[j];
    for (int64_t i = 0; i < n; i++) {
        int64_t lo = 0, hi = k - 1;
        while (lo < hi) {
            int64_t mid = (lo + hi) / 2;
            if (sorted[mid] < v[i]) lo = mid + 1;
            else hi = mid;
        }
        lab[i] = lo;
    }
    mg_array_free(&f);
    free(sorted);
    *labels = lab;
    *values = vals;
    *K = k;
    return MG_OK;
}
