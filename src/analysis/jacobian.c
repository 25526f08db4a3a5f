/*
 * Jacobians of the ReLU DAE (paper App. A.3, Fig. 16): J(x) = W2 diag(mask) W1^T
 * (+ s I for a model with a skip, tcdae.h) from the active set, its trace from
 * per-unit traces, and its singular values through thin QR of the d x |S|
 * factors (see jacobian.h), never a d x d SVD when |S| <= d (2|S| <= d with a
 * skip).
 */
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/jacobian.h"
#include "memgen/neighbors.h"

/* Rows encoded per chunk for the trace. */
#define TRACE_CHUNK 1024

/* Active units of x: w1_j^T x + b1_j > 0 (dot in double). */
mg_status mg_jacobian_active(const mg_dae *m, const float *x, int64_t *S, int64_t *s) {
    if (!m || !x || !S || !s) return mg_fail(MG_ERR_ARG, "Jacobian: NULL argument");
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m);
    const float *W1 = mg_dae_w1_const(m), *b1 = mg_dae_b1_const(m);
    double *z = calloc((size_t)p, sizeof(double)); /* p: pre-activations */
    if (!z) return mg_fail(MG_ERR_NOMEM, "Jacobian: out of memory for %lld units", (long long)p);
    for (int64_t a = 0; a < d; a++) {
        double xa = x[a];
        const float *w = W1 + a * p;
        for (int64_t j = 0; j < p; j++) z[j] += xa * w[j];
    }
    int64_t k = 0;
    for (int64_t j = 0; j < p; j++)
        if (z[j] + (b1 ? b1[j] : 0.0) > 0) S[k++] = j;
    *s = k;
    free(z);
    return MG_OK;
}

/* Dense J = W2_S W1_S^T by a plain loop (test oracle). */
mg_status mg_jacobian_dense(const mg_dae *m, const float *x, double *J) {
    if (!J) return mg_fail(MG_ERR_ARG, "Jacobian: NULL output");
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), s;
    int64_t *S = malloc((size_t)p * sizeof(int64_t));
    if (!S) return mg_fail(MG_ERR_NOMEM, "Jacobian: out of memory");
    mg_status st = mg_jacobian_active(m, x, S, &s);
    if (st == MG_OK) {
        const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
        for (int64_t a = 0; a < d; a++)
            for (int64_t b = 0; b < d; b++) {
                double acc = 0;
                for (int64_t k = 0; k < s; k++) acc += (double)W2[a * p + S[k]] * W1[b * p + S[k]];
                J[a * d + b] = acc + (a == b ? (double)mg_dae_skip(m) : 0.0);
            }
    }
    free(S);
    return st;
}

/* c_j = sum_a W2[a, j] W1[a, j]. */
mg_status mg_jacobian_unit_traces(const mg_dae *m, double *c) {
    if (!m || !c) return mg_fail(MG_ERR_ARG, "Jacobian: NULL argument");
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m);
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    memset(c, 0, (size_t)p * sizeof(double));
    for (int64_t a = 0; a < d; a++)
        for (int64_t j = 0; j < p; j++) c[j] += (double)W2[a * p + j] * W1[a * p + j];
    return MG_OK;
}

/* Checks X against the model. */
static mg_status check_data(const mg_dae *m, mg_mat X, const void *out) {
    if (!m) return mg_fail(MG_ERR_ARG, "Jacobian: no model");
    if (X.cols != mg_dae_dim(m))
        return mg_fail(MG_ERR_SHAPE, "Jacobian: data have %lld features but the model has dimension %lld",
                       (long long)X.cols, (long long)mg_dae_dim(m));
    if (X.rows > 0 && (!X.data || !out || X.ld < X.cols)) return mg_fail(MG_ERR_ARG, "Jacobian: invalid data view");
    return X.rows > 0 ? mg_mat_check(X, "Jacobian") : MG_OK;
}

/* tr J(x_i) = sum over active units of c_j, the mask from one sgemm per chunk. */
mg_status mg_jacobian_trace(const mg_dae *m, mg_mat X, double *trace) {
    MG_TRY(check_data(m, X, trace));
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    if (n == 0) return MG_OK;
    int64_t chunk = n < TRACE_CHUNK ? n : TRACE_CHUNK;
    double *c = malloc((size_t)p * sizeof(double));            /* p: unit traces */
    float *H = mg_alloc((size_t)chunk * (size_t)p, sizeof(float)); /* chunk x p */
    mg_status st = MG_OK;
    if (!c || !H) st = mg_fail(MG_ERR_NOMEM, "Jacobian trace: out of memory for %lld x %lld", (long long)chunk,
                               (long long)p);
    if (st == MG_OK) st = mg_jacobian_unit_traces(m, c);
    for (int64_t r0 = 0; r0 < n && st == MG_OK; r0 += chunk) {
        int64_t k = n - r0 < chunk ? n - r0 : chunk;
        st = mg_dae_encode(m, (mg_mat){k, d, X.ld, X.data + r0 * X.ld}, (mg_mat){k, p, p, H});
        for (int64_t i = 0; i < k && st == MG_OK; i++) {
            const float *h = H + i * p;
            double t = 0;
            for (int64_t j = 0; j < p; j++)
                if (h[j] > 0) t += c[j];
            trace[r0 + i] = t + (double)mg_dae_skip(m) * (double)d;
        }
    }
    free(c);
    free(H);
    return st;
}

/* The same trace by an O(d s) loop per row. */
mg_status mg_jacobian_trace_naive(const mg_dae *m, mg_mat X, double *trace) {
    MG_TRY(check_data(m, X, trace));
    int64_t d = X.cols, p = mg_dae_hidden(m), s;
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    int64_t *S = malloc((size_t)p * sizeof(int64_t));
    if (!S) return mg_fail(MG_ERR_NOMEM, "Jacobian: out of memory");
    mg_status st = MG_OK;
    for (int64_t i = 0; i < X.rows && st == MG_OK; i++) {
        st = mg_jacobian_active(m, X.data + i * X.ld, S, &s);
        double t = 0;
        for (int64_t k = 0; k < s; k++)
            for (int64_t a = 0; a < d; a++) t += (double)W2[a * p + S[k]] * W1[a * p + S[k]];
        trace[i] = t + (double)mg_dae_skip(m) * (double)d;
    }
    free(S);
    return st;
}

/* exp(entropy of sv / sum sv); 0 for an empty or zero spectrum. */
double mg_effective_rank(const double *sv, int64_t r) {
    double sum = 0;
    for (int64_t i = 0; i < r; i++) sum += sv[i];
    if (!(sum > 0)) return 0.0;
    double h = 0;
    for (int64_t i = 0; i < r; i++) {
        double q = sv[i] / sum;
        if (q > 0) h -= q * log(q);
    }
    return exp(h);
}

/* #{i : sv_i > rel * sv_0}; 0 for an empty or zero spectrum. */
int64_t mg_rank_above(const double *sv, int64_t r, double rel) {
    if (r < 1 || !(sv[0] > 0)) return 0;
    int64_t k = 0;
    for (int64_t i = 0; i < r; i++) k += sv[i] > rel * sv[0];
    return k;
}

/* Workspace of one SVD: factors, Householder scalars, the small matrix.
 * With a skip, A holds [W2_S W1_S] (d x 2s), q = min(d, 2p) and sv has d
 * entries (the |s| of the complement too). */
typedef struct {
    int64_t d, p;
    double skip;
    int64_t *S;                    /* p */
    double *A, *B, *tau_a, *tau_b; /* d x p (skip: d x 2p), d x p, p (skip: 2p), p */
    double *M, *U, *VT, *sv, *v;   /* q x q, q x q, q x q, q (skip: d), d  with q = min(d, p) (skip: min(d, 2p)) */
} svd_ws;

/* Frees a workspace. */
static void ws_free(svd_ws *w) {
    free(w->S);
    free(w->A);
    free(w->B);
    free(w->tau_a);
    free(w->tau_b);
    free(w->M);
    free(w->U);
    free(w->VT);
    free(w->sv);
    free(w->v);
    memset(w, 0, sizeof *w);
}

/* Allocates a workspace for the d x p model m. */
static mg_status ws_alloc(svd_ws *w, const mg_dae *m) {
    memset(w, 0, sizeof *w);
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m);
    w->skip = mg_dae_skip(m);
    const int64_t pa = w->skip != 0 ? 2 * p : p, q = d < pa ? d : pa;
    w->d = d;
    w->p = p;
    w->S = malloc((size_t)p * sizeof(int64_t));
    w->A = mg_alloc((size_t)d * (size_t)pa, sizeof(double));
    w->B = mg_alloc((size_t)d * (size_t)p, sizeof(double));
    w->tau_a = malloc((size_t)pa * sizeof(double));
    w->tau_b = malloc((size_t)p * sizeof(double));
    w->M = mg_alloc((size_t)q * (size_t)q, sizeof(double));
    w->U = mg_alloc((size_t)q * (size_t)q, sizeof(double));
    w->VT = mg_alloc((size_t)q * (size_t)q, sizeof(double));
    w->sv = malloc((size_t)(w->skip != 0 ? d : q) * sizeof(double));
    w->v = malloc((size_t)d * sizeof(double));
    if (!w->S || !w->A || !w->B || !w->tau_a || !w->tau_b || !w->M || !w->U || !w->VT || !w->sv || !w->v) {
        ws_free(w);
        return mg_fail(MG_ERR_NOMEM, "Jacobian SVD: out of memory for a %lld x %lld model", (long long)d, (long long)p);
    }
    return MG_OK;
}

/* Descending order of doubles. */
static int cmp_desc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* u1 (d) = the unit vector v (d) with its largest-magnitude entry made positive. */
static void set_sign(const double *v, int64_t d, double *u1) {
    int64_t big = 0;
    for (int64_t a = 1; a < d; a++)
        if (fabs(v[a]) > fabs(v[big])) big = a;
    double sg = v[big] < 0 ? -1.0 : 1.0;
    for (int64_t a = 0; a < d; a++) u1[a] = sg * v[a];
}

/* svd_one for a model with a skip s: J = s I + A B^T (A = W2_S, B = W1_S) maps
 * V = span[A B] into itself and is s I on its complement, so with thin QR
 * [A B] = Q R (k = 2|S| <= d columns) the singular values are those of the
 * k x k matrix s I + Ra Rb^T (R = [Ra Rb]) and d - k times |s|; when 2|S| > d
 * the d x d matrix s I + A B^T is decomposed directly. *r = d. */
static mg_status svd_skip(const mg_dae *m, svd_ws *w, int64_t s, int64_t *r, double *u1) {
    const int64_t d = w->d, p = w->p, k2 = 2 * s;
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    const int thin = k2 <= d;
    const int64_t q = thin ? k2 : d;
    lapack_int info;
    if (thin) { /* C = [A B] (d x 2s, ld 2s) in w->A */
        for (int64_t a = 0; a < d; a++)
            for (int64_t k = 0; k < s; k++) {
                w->A[a * k2 + k] = W2[a * p + w->S[k]];
                w->A[a * k2 + s + k] = W1[a * p + w->S[k]];
            }
        info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)k2, w->A, (lapack_int)k2, w->tau_a);
        if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: QR failed (LAPACK info %d)", (int)info);
        for (int64_t i = 0; i < k2; i++)
            for (int64_t j = 0; j < k2; j++) {
                /* (Ra Rb^T)_ij = sum_k R[i, k] R[j, s + k], R upper triangular */
                double acc = i == j ? w->skip : 0.0;
                for (int64_t k = i; k < s; k++)
                    if (s + k >= j) acc += w->A[i * k2 + k] * w->A[j * k2 + s + k];
                w->M[i * k2 + j] = acc;
            }
    } else { /* M = s I + A B^T, d x d */
        for (int64_t a = 0; a < d; a++)
            for (int64_t k = 0; k < s; k++) {
                w->A[a * s + k] = W2[a * p + w->S[k]];
                w->B[a * s + k] = W1[a * p + w->S[k]];
            }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)s, 1.0, w->A, (int)s, w->B, (int)s,
                    0.0, w->M, (int)d);
        for (int64_t a = 0; a < d; a++) w->M[a * d + a] += w->skip;
    }
    info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, u1 ? 'S' : 'N', (lapack_int)q, (lapack_int)q, w->M, (lapack_int)q, w->sv,
                          w->U, (lapack_int)q, w->VT, (lapack_int)q);
    if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: dgesdd did not converge (info %d)", (int)info);
    if (u1) { /* the top singular vector within V (Q U[:, 0]) */
        memset(w->v, 0, (size_t)d * sizeof(double));
        for (int64_t i = 0; i < q; i++) w->v[i] = w->U[i * q];
        if (thin) {
            info = LAPACKE_dormqr(LAPACK_ROW_MAJOR, 'L', 'N', (lapack_int)d, 1, (lapack_int)k2, w->A, (lapack_int)k2,
                                  w->tau_a, w->v, 1);
            if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: applying Q failed (info %d)", (int)info);
        }
        set_sign(w->v, d, u1);
    }
    for (int64_t i = q; i < d; i++) w->sv[i] = fabs(w->skip);
    qsort(w->sv, (size_t)d, sizeof(double), cmp_desc);
    *r = d;
    return MG_OK;
}

/* Singular values (descending) of J(x) into w->sv and the top left singular
 * vector into u1 (may be NULL); *r = min(d, s) (d with a skip), *active = s
 * (the active set stays in w->S). */
static mg_status svd_one(const mg_dae *m, const float *x, svd_ws *w, int64_t *r, int64_t *active, double *u1) {
    int64_t d = w->d, p = w->p, s;
    MG_TRY(mg_jacobian_active(m, x, w->S, &s));
    *active = s;
    *r = 0;
    if (u1) memset(u1, 0, (size_t)d * sizeof(double));
    if (w->skip != 0) return svd_skip(m, w, s, r, u1);
    if (s == 0) return MG_OK;
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    /* A = W2_S, B = W1_S: d x s row-major (ld s) */
    for (int64_t a = 0; a < d; a++)
        for (int64_t k = 0; k < s; k++) {
            w->A[a * s + k] = W2[a * p + w->S[k]];
            w->B[a * s + k] = W1[a * p + w->S[k]];
        }
    int64_t q = s <= d ? s : d;
    lapack_int info;
    int thin = s <= d;
    if (thin) {
        /* A = Qa Ra, B = Qb Rb; M = Ra Rb^T (s x s, upper x lower) */
        info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)s, w->A, (lapack_int)s, w->tau_a);
        if (info == 0)
            info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)s, w->B, (lapack_int)s, w->tau_b);
        if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: QR failed (LAPACK info %d)", (int)info);
        for (int64_t i = 0; i < s; i++)
            for (int64_t j = 0; j < s; j++) {
                /* (Ra Rb^T)_ij = sum_k Ra[i,k] Rb[j,k], k >= max(i, j) */
                double acc = 0;
                for (int64_t k = i > j ? i : j; k < s; k++) acc += w->A[i * s + k] * w->B[j * s + k];
                w->M[i * s + j] = acc;
            }
    } else {
        /* s > d: M = A B^T is d x d already */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)s, 1.0, w->A, (int)s, w->B, (int)s,
                    0.0, w->M, (int)d);
    }
    info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, u1 ? 'S' : 'N', (lapack_int)q, (lapack_int)q, w->M, (lapack_int)q, w->sv,
                          w->U, (lapack_int)q, w->VT, (lapack_int)q);
    if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: dgesdd did not converge (info %d)", (int)info);
    *r = q;
    if (u1) {
        /* u1 = Qa U[:, 0] (thin) or U[:, 0] (s > d) */
        memset(w->v, 0, (size_t)d * sizeof(double));
        for (int64_t i = 0; i < q; i++) w->v[i] = w->U[i * q];
        if (thin) {
            info = LAPACKE_dormqr(LAPACK_ROW_MAJOR, 'L', 'N', (lapack_int)d, 1, (lapack_int)s, w->A, (lapack_int)s,
                                  w->tau_a, w->v, 1);
            if (info != 0) return mg_fail(MG_ERR_NUMERIC, "Jacobian SVD: applying Q failed (info %d)", (int)info);
        }
        set_sign(w->v, d, u1);
    }
    return MG_OK;
}

/* Singular values and top left singular vector of J(x). */
mg_status mg_jacobian_svd(const mg_dae *m, const float *x, double *sv, int64_t *r, double *u1) {
    if (!m || !x || !sv || !r) return mg_fail(MG_ERR_ARG, "Jacobian SVD: NULL argument");
    svd_ws w;
    MG_TRY(ws_alloc(&w, m));
    int64_t s;
    mg_status st = svd_one(m, x, &w, r, &s, u1);
    if (st == MG_OK) memcpy(sv, w.sv, (size_t)*r * sizeof(double));
    ws_free(&w);
    return st;
}

/* |cos(u, x)| with u in double and x in float; 0 if either is zero. */
static double abs_cos(const double *u, const float *x, int64_t d) {
    double uu = 0, xx = 0, ux = 0;
    for (int64_t a = 0; a < d; a++) {
        uu += u[a] * u[a];
        xx += (double)x[a] * x[a];
        ux += u[a] * x[a];
    }
    return uu > 0 && xx > 0 ? fabs(ux) / sqrt(uu * xx) : 0.0;
}

/* Trace, spectrum, effective ranks and alignments for every row. */
mg_status mg_jacobian_analyze(const mg_dae *m, mg_mat X, mg_mat train, mg_jacobian_info *info, double *sv,
                              int64_t keep, double *u1_out) {
    MG_TRY(check_data(m, X, info));
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    if (train.rows > 0 && train.cols != d)
        return mg_fail(MG_ERR_SHAPE, "Jacobian: training data have %lld features, the samples %lld",
                       (long long)train.cols, (long long)d);
    if (sv && keep < 1) return mg_fail(MG_ERR_ARG, "Jacobian: keep must be >= 1 to return singular values");
    if (n == 0) return MG_OK;
    int64_t *nn = NULL;
    double *nd = NULL, *c = malloc((size_t)p * sizeof(double));
    double *u1 = u1_out ? NULL : malloc((size_t)d * sizeof(double)); /* d: scratch when u1 is not returned */
    svd_ws w = {0};
    mg_status st = (c && (u1_out || u1)) ? MG_OK : mg_fail(MG_ERR_NOMEM, "Jacobian: out of memory");
    if (st == MG_OK && train.rows > 0) {
        nn = malloc((size_t)n * sizeof(int64_t)); /* n: nearest training row */
        nd = malloc((size_t)n * sizeof(double));
        st = nn && nd ? mg_knn(X, train, 1, 0, nn, nd) : mg_fail(MG_ERR_NOMEM, "Jacobian: out of memory");
    }
    if (st == MG_OK) st = mg_jacobian_unit_traces(m, c);
    if (st == MG_OK) st = ws_alloc(&w, m);
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        const float *x = X.data + i * X.ld;
        int64_t r, s;
        double *u = u1_out ? u1_out + i * d : u1;
        st = svd_one(m, x, &w, &r, &s, u);
        if (st != MG_OK) break;
        mg_jacobian_info *o = info + i;
        double t = (double)mg_dae_skip(m) * (double)d, ssum = 0;
        for (int64_t k = 0; k < s; k++) t += c[w.S[k]];
        for (int64_t k = 0; k < r; k++) ssum += w.sv[k];
        o->active = s;
        o->trace = t;
        o->sv1 = r > 0 ? w.sv[0] : 0.0;
        o->erank = mg_effective_rank(w.sv, r);
        o->rank1pc = mg_rank_above(w.sv, r, 0.01);
        o->sv_ratio = ssum > 0 ? w.sv[0] / ssum : 0.0;
        o->nn = nn ? nn[i] : -1;
        o->align_nn = nn ? (r > 0 ? abs_cos(u, train.data + nn[i] * train.ld, d) : 0.0) : NAN;
        o->align_x = r > 0 ? abs_cos(u, x, d) : 0.0;
        if (sv)
            for (int64_t k = 0; k < keep; k++) sv[i * keep + k] = k < r ? w.sv[k] : 0.0;
    }
    ws_free(&w);
    free(c);
    free(u1);
    free(nn);
    free(nd);
    return st;
}

/* Effective rank of J at every row (singular values only). */
mg_status mg_jacobian_erank(const mg_dae *m, mg_mat X, double *erank) {
    MG_TRY(check_data(m, X, erank));
    if (X.rows == 0) return MG_OK;
    svd_ws w;
    MG_TRY(ws_alloc(&w, m));
    mg_status st = MG_OK;
    for (int64_t i = 0; i < X.rows && st == MG_OK; i++) {
        int64_t r, s;
        st = svd_one(m, X.data + i * X.ld, &w, &r, &s, NULL);
        if (st == MG_OK) erank[i] = mg_effective_rank(w.sv, r);
    }
    ws_free(&w);
    return st;
}

/* sum_ij G_ij H_ij of two s x s matrices (the Frobenius inner product). */
static double frob_dot(const double *G, const double *H, int64_t s) {
    double t = 0;
    for (int64_t i = 0; i < s * s; i++) t += G[i] * H[i];
    return t;
}

/* ||U^T J(x)||_F^2 / ||J(x)||_F^2 through the active factors (see jacobian.h). */
mg_status mg_jacobian_subspace_share(const mg_dae *m, const float *x, const double *U, int64_t q, double *share) {
    if (!m || !x || !share || (q > 0 && !U)) return mg_fail(MG_ERR_ARG, "Jacobian subspace share: NULL argument");
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), s;
    const double sk = mg_dae_skip(m);
    if (q < 0 || q > d) return mg_fail(MG_ERR_ARG, "Jacobian subspace share: q = %lld outside 0..%lld", (long long)q,
                                       (long long)d);
    *share = 0.0;
    int64_t *S = malloc((size_t)p * sizeof(int64_t));
    if (!S) return mg_fail(MG_ERR_NOMEM, "Jacobian subspace share: out of memory");
    mg_status st = mg_jacobian_active(m, x, S, &s);
    if (st != MG_OK || q == 0 || (s == 0 && sk == 0)) {
        free(S);
        return st;
    }
    if (s == 0) { /* J = s I */
        *share = (double)q / (double)d;
        free(S);
        return MG_OK;
    }
    double *A = mg_alloc((size_t)d * (size_t)s, sizeof(double)); /* d x s: W2_S */
    double *B = mg_alloc((size_t)d * (size_t)s, sizeof(double)); /* d x s: W1_S */
    double *C = mg_alloc((size_t)q * (size_t)s, sizeof(double)); /* q x s: U^T A */
    double *E = mg_alloc((size_t)q * (size_t)s, sizeof(double)); /* q x s: U^T B (skip only) */
    double *G = mg_alloc((size_t)s * (size_t)s, sizeof(double)); /* s x s: B^T B */
    double *H = mg_alloc((size_t)s * (size_t)s, sizeof(double)); /* s x s: A^T A, then C^T C */
    if (!A || !B || !C || !E || !G || !H) {
        st = mg_fail(MG_ERR_NOMEM, "Jacobian subspace share: out of memory (%lld active units)", (long long)s);
    } else {
        const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
        for (int64_t a = 0; a < d; a++)
            for (int64_t k = 0; k < s; k++) {
                A[a * s + k] = W2[a * p + S[k]];
                B[a * s + k] = W1[a * p + S[k]];
            }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)s, (int)s, (int)d, 1.0, B, (int)s, B, (int)s, 0.0, G,
                    (int)s);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)s, (int)s, (int)d, 1.0, A, (int)s, A, (int)s, 0.0, H,
                    (int)s);
        double total = frob_dot(G, H, s);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q, (int)s, (int)d, 1.0, U, (int)q, A, (int)s, 0.0, C,
                    (int)s);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)s, (int)s, (int)q, 1.0, C, (int)s, C, (int)s, 0.0, H,
                    (int)s);
        double in = frob_dot(G, H, s);
        if (sk != 0) { /* J = s I + A B^T: s^2 tr(P) + 2 s tr(P A B^T P) + ||P A B^T||^2, P the projection */
            double trab = 0, trin = 0;
            for (int64_t i = 0; i < d * s; i++) trab += A[i] * B[i];
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q, (int)s, (int)d, 1.0, U, (int)q, B, (int)s, 0.0,
                        E, (int)s);
            for (int64_t i = 0; i < q * s; i++) trin += C[i] * E[i];
            total += sk * sk * (double)d + 2 * sk * trab;
            in += sk * sk * (double)q + 2 * sk * trin;
        }
        *share = total > 0 ? fmin(1.0, fmax(0.0, in / total)) : 0.0;
    }
    free(S), free(A), free(B), free(C), free(E), free(G), free(H);
    return st;
}
