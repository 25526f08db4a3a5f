/*
 * The exact top-k neighbour search (see memgen/neighbors.h). Per query block
 * (one OpenMP thread each), reference blocks stream through one
 * single-threaded cblas_sgemm each, G = Q_b R_b^T; a float key per pair
 * ranks the references (L2: |r|^2 - 2 q.r, which is |q - r|^2 - |q|^2;
 * cosine: -q.r / |r|, which is -cos |q|) and the best k + EXTRA keys are
 * kept. The candidates are then recomputed in double and sorted; a float32
 * error bound on the keys decides whether a reference outside the candidates
 * could still belong to the top k, and such a query is rescanned in double.
 * Several searches (memratio's L2 and cosine) can share each Gram block.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/neighbors.h"

#define DEFAULT_QBLOCK 256
#define DEFAULT_RBLOCK 1024
#define EXTRA_CANDIDATES 8

/* One search over the shared Gram blocks: a metric, its k, and where its
 * results go. */
typedef struct {
    mg_nn_metric metric;
    int k, c;             /* neighbours wanted, candidates kept */
    float *ka, *kb;       /* R rows: key = ka[j] + kb[j] * (q . r_j) */
    int64_t *idx;         /* m x k results */
    double *val;
} nn_search;

/* Everything the scan of one query block reads (shared, read-only): the
 * searches (one, or memratio's L2 and cosine together) share every block. */
typedef struct {
    mg_mat Q, R;
    int exclude;
    int64_t off;
    int64_t qb, rb;
    int ns;                  /* searches */
    nn_search s[2];
    const double *qsq, *rsq; /* squared norms in double */
    double rmax;             /* max_j |r_j| */
} nn_job;

/* Validates a pair of row sets. */
static mg_status check_pair(mg_mat Q, mg_mat R, const char *what) {
    if (Q.cols != R.cols)
        return mg_fail(MG_ERR_SHAPE, "%s: queries have %lld features but references %lld", what, (long long)Q.cols,
                       (long long)R.cols);
    if (Q.cols > INT32_MAX || Q.ld > INT32_MAX || R.ld > INT32_MAX)
        return mg_fail(MG_ERR_SHAPE, "%s: rows too long for BLAS", what);
    if (Q.rows > 0) MG_TRY(mg_mat_check(Q, what));
    if (R.rows > 0) MG_TRY(mg_mat_check(R, what));
    return MG_OK;
}

/* Squared norm of a float row, summed in double. */
static double sqnorm(const float *a, int64_t d) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) s += (double)a[t] * a[t];
    return s;
}

/* The exact sort key of pair (q, r) in double, lower is nearer: the squared
 * distance sum_t (q_t - r_t)^2, or -cos = -(q . r) / (|q| |r|) (0 when a norm
 * is 0), the value the results report (after sqrt, or negated). */
static double exact_key(const nn_job *jb, mg_nn_metric metric, const float *q, double qn, int64_t j) {
    const float *r = jb->R.data + j * jb->R.ld;
    double s = 0;
    if (metric == MG_NN_L2) {
        for (int64_t t = 0; t < jb->Q.cols; t++) {
            double u = (double)q[t] - r[t];
            s += u * u;
        }
        return s;
    }
    for (int64_t t = 0; t < jb->Q.cols; t++) s += (double)q[t] * r[t];
    double den = qn * sqrt(jb->rsq[j]);
    return den > 0 ? -s / den : 0.0;
}

/* Inserts (key, j) into the ascending list of n entries (drops the last). */
static void insert_sorted_d(double *keys, int64_t *ids, int n, double key, int64_t j) {
    int pos = n - 1;
    while (pos > 0 && (keys[pos - 1] > key || (keys[pos - 1] == key && ids[pos - 1] > j))) {
        keys[pos] = keys[pos - 1];
        ids[pos] = ids[pos - 1];
        pos--;
    }
    keys[pos] = key;
    ids[pos] = j;
}

/* Bound on |float key - exact key| over every reference for a query of norm
 * qn (squared qsq): the sgemm dot product errs by at most gamma_d |q| |r|
 * (Higham, any summation order), plus the roundings of the key's own terms;
 * 1.5x margin, and the double terms' rounding. */
static double key_error_bound(const nn_job *jb, mg_nn_metric metric, double qn, double qsq, double worst) {
    const double u = FLT_EPSILON / 2, d = (double)jb->Q.cols, gam = d * u / (1 - d * u);
    const double R = jb->rmax, dbl = 8 * DBL_EPSILON * (qsq + R * R + fabs(worst) + qn);
    if (metric == MG_NN_L2) return 1.5 * ((2 * gam + 4 * u) * qn * R + 3 * u * R * R) + dbl;
    return 1.5 * (gam + 3 * u) * qn + dbl;
}

/* Exact top k of query i by a double scan over every reference (ck, ci: k
 * slots). */
static void rescan_query(const nn_job *jb, const nn_search *sr, int64_t i, double *ck, int64_t *ci) {
    const float *q = jb->Q.data + i * jb->Q.ld;
    double qn = sqrt(jb->qsq[i]);
    for (int a = 0; a < sr->k; a++) ck[a] = INFINITY, ci[a] = -1;
    for (int64_t j = 0; j < jb->R.rows; j++) {
        if (jb->exclude && j == i + jb->off) continue;
        double key = exact_key(jb, sr->metric, q, qn, j);
        if (ci[sr->k - 1] < 0 || key < ck[sr->k - 1]) insert_sorted_d(ck, ci, sr->k, key, j);
    }
}

/* Finishes query i from its nc float candidates (fk, fi: ascending float
 * keys): exact keys in double, sorted; certified when the k-th exact key is
 * below the lowest float key a non-candidate can have, less the error bound;
 * otherwise rescanned. Writes k results; returns 1 when rescanned. */
static int finish_query(const nn_job *jb, const nn_search *sr, int64_t i, const float *fk, const int64_t *fi, int nc,
                        double *ek, int64_t *ei) {
    const float *q = jb->Q.data + i * jb->Q.ld;
    double qsq = jb->qsq[i], qn = sqrt(qsq);
    int k = sr->k, c = sr->c, rescanned = 0, l2 = sr->metric == MG_NN_L2;
    for (int a = 0; a < c; a++) ek[a] = INFINITY, ei[a] = -1;
    for (int a = 0; a < nc; a++) insert_sorted_d(ek, ei, c, exact_key(jb, sr->metric, q, qn, fi[a]), fi[a]);
    if (nc == c) {
        /* every non-candidate has float key >= fk[c - 1]; exact keys in float-key units */
        double worst = fk[c - 1], e = key_error_bound(jb, sr->metric, qn, qsq, worst);
        double kth = l2 ? ek[k - 1] - qsq : ek[k - 1] * qn;
        if (!(kth < worst - e)) {
            rescan_query(jb, sr, i, ek, ei);
            rescanned = 1;
        }
    }
    for (int a = 0; a < k; a++) {
        sr->idx[i * k + a] = ei[a];
        if (ei[a] < 0)
            sr->val[i * k + a] = l2 ? INFINITY : -INFINITY;
        else
            sr->val[i * k + a] = l2 ? sqrt(ek[a]) : -ek[a];
    }
    return rescanned;
}

/* Keeps the c lowest float keys of one Gram block row g (references r0..r0+rn)
 * for query i in (fk, fi), ascending; *nc counts the entries. */
static void scan_row(const nn_job *jb, const nn_search *sr, int64_t i, const float *g, int64_t r0, int64_t rn,
                     float *fk, int64_t *fi, int *nc) {
    const float *ka = sr->ka + r0, *kb = sr->kb + r0;
    const int c = sr->c;
    float thr = fk[c - 1];
    for (int64_t b = 0; b < rn; b++) {
        float key = ka[b] + kb[b] * g[b];
        if (!(key < thr)) continue;
        int64_t j = r0 + b;
        if (jb->exclude && j == i + jb->off) continue;
        int pos = c - 1;
        while (pos > 0 && fk[pos - 1] > key) {
            fk[pos] = fk[pos - 1];
            fi[pos] = fi[pos - 1];
            pos--;
        }
        fk[pos] = key;
        fi[pos] = j;
        if (*nc < c) ++*nc;
        thr = fk[c - 1];
    }
}

/* Per-thread candidate lists of one search over a query block. */
typedef struct {
    float *fk;   /* qb x c float keys, ascending */
    int64_t *fi; /* qb x c their references */
    int *nc;     /* qb: entries kept */
} cand_lists;

/* Every search of one query block [q0, q0 + qn) with this thread's
 * workspace (G, the lists, ek / ei of the widest c); returns the number of
 * rescanned queries. */
static int64_t run_block(const nn_job *jb, int64_t q0, int64_t qn, float *G, cand_lists *cl, double *ek, int64_t *ei) {
    for (int t = 0; t < jb->ns; t++) {
        for (int64_t a = 0; a < qn * jb->s[t].c; a++) cl[t].fk[a] = INFINITY, cl[t].fi[a] = -1;
        for (int64_t a = 0; a < qn; a++) cl[t].nc[a] = 0;
    }
    for (int64_t r0 = 0; r0 < jb->R.rows; r0 += jb->rb) {
        int64_t rn = jb->R.rows - r0 < jb->rb ? jb->R.rows - r0 : jb->rb;
        /* G = Q[q0 : q0 + qn] R[r0 : r0 + rn]^T, one thread */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)qn, (int)rn, (int)jb->Q.cols, 1.0f,
                    jb->Q.data + q0 * jb->Q.ld, (int)jb->Q.ld, jb->R.data + r0 * jb->R.ld, (int)jb->R.ld, 0.0f, G,
                    (int)jb->rb);
        for (int t = 0; t < jb->ns; t++) {
            const int c = jb->s[t].c;
            for (int64_t a = 0; a < qn; a++)
                scan_row(jb, &jb->s[t], q0 + a, G + a * jb->rb, r0, rn, cl[t].fk + a * c, cl[t].fi + a * c,
                         cl[t].nc + a);
        }
    }
    int64_t rescanned = 0;
    for (int t = 0; t < jb->ns; t++) {
        const int c = jb->s[t].c;
        for (int64_t a = 0; a < qn; a++)
            rescanned += finish_query(jb, &jb->s[t], q0 + a, cl[t].fk + a * c, cl[t].fi + a * c, cl[t].nc[a], ek, ei);
    }
    return rescanned;
}

/* Norms of both sets and each search's key coefficients: L2 ranks by
 * |q - r|^2 - |q|^2 = |r|^2 - 2 q.r, cosine by -cos |q| = -q.r / |r|. */
static mg_status prepare(nn_job *jb, double **qsq, double **rsq) {
    int64_t n = jb->R.rows, m = jb->Q.rows;
    size_t nn = (size_t)(n > 0 ? n : 1);
    *rsq = mg_alloc(nn, sizeof(double));
    *qsq = mg_alloc((size_t)(m > 0 ? m : 1), sizeof(double));
    for (int t = 0; t < jb->ns; t++) {
        jb->s[t].ka = mg_alloc(nn, sizeof(float));
        jb->s[t].kb = mg_alloc(nn, sizeof(float));
        if (!jb->s[t].ka || !jb->s[t].kb) return mg_fail(MG_ERR_NOMEM, "nearest neighbours: out of memory");
    }
    if (!*rsq || !*qsq) return mg_fail(MG_ERR_NOMEM, "nearest neighbours: out of memory");
    jb->rmax = 0;
    for (int64_t j = 0; j < n; j++) {
        double s = sqnorm(jb->R.data + j * jb->R.ld, jb->R.cols), rn = sqrt(s);
        (*rsq)[j] = s;
        if (rn > jb->rmax) jb->rmax = rn;
        for (int t = 0; t < jb->ns; t++) {
            int l2 = jb->s[t].metric == MG_NN_L2;
            jb->s[t].ka[j] = l2 ? (float)s : 0.0f;
            jb->s[t].kb[j] = l2 ? -2.0f : rn > 0 ? (float)(-1.0 / rn) : 0.0f;
        }
    }
    for (int64_t i = 0; i < m; i++) (*qsq)[i] = sqnorm(jb->Q.data + i * jb->Q.ld, jb->Q.cols);
    jb->qsq = *qsq, jb->rsq = *rsq;
    return MG_OK;
}

/* Runs every query block over OpenMP threads, OpenBLAS on one thread each. */
static mg_status run_all(const nn_job *jb, int64_t *rescanned) {
    int64_t nblocks = (jb->Q.rows + jb->qb - 1) / jb->qb, total = 0;
    int failed = 0, cmax = 0;
    for (int t = 0; t < jb->ns; t++) cmax = jb->s[t].c > cmax ? jb->s[t].c : cmax;
    const int saved = openblas_get_num_threads();
    if (saved != 1) openblas_set_num_threads(1);
#ifdef _OPENMP
#pragma omp parallel reduction(+ : total) reduction(| : failed) if (nblocks > 1)
#endif
    {
        float *G = mg_alloc((size_t)jb->qb * (size_t)jb->rb, sizeof(float));
        cand_lists cl[2] = {{0}};
        double *ek = mg_alloc((size_t)cmax, sizeof(double));
        int64_t *ei = mg_alloc((size_t)cmax, sizeof(int64_t));
        int ok = G && ek && ei;
        for (int t = 0; t < jb->ns; t++) {
            cl[t].fk = mg_alloc((size_t)jb->qb * (size_t)jb->s[t].c, sizeof(float));
            cl[t].fi = mg_alloc((size_t)jb->qb * (size_t)jb->s[t].c, sizeof(int64_t));
            cl[t].nc = mg_alloc((size_t)jb->qb, sizeof(int));
            ok = ok && cl[t].fk && cl[t].fi && cl[t].nc;
        }
        failed |= !ok;
#ifdef _OPENMP
#pragma omp for schedule(dynamic, 1)
#endif
        for (int64_t b = 0; b < nblocks; b++) {
            if (!ok) continue;
            int64_t q0 = b * jb->qb, qn = jb->Q.rows - q0 < jb->qb ? jb->Q.rows - q0 : jb->qb;
            total += run_block(jb, q0, qn, G, cl, ek, ei);
        }
        free(G), free(ek), free(ei);
        for (int t = 0; t < jb->ns; t++) free(cl[t].fk), free(cl[t].fi), free(cl[t].nc);
    }
    if (saved != 1) openblas_set_num_threads(saved);
    *rescanned = total;
    return failed ? mg_fail(MG_ERR_NOMEM, "nearest neighbours: cannot allocate the block workspaces") : MG_OK;
}

/* Checks the arguments and runs the ns searches of jb (metric, k, idx, val
 * set) over Q and R with opts' exclusion and blocks. */
static mg_status run_searches(mg_mat Q, mg_mat R, nn_job *jb, mg_nn_opts *opts) {
    MG_TRY(check_pair(Q, R, "nearest neighbours"));
    for (int t = 0; t < jb->ns; t++) {
        if (jb->s[t].k < 1) return mg_fail(MG_ERR_ARG, "nearest neighbours: k = %d must be >= 1", jb->s[t].k);
        if (jb->s[t].metric != MG_NN_L2 && jb->s[t].metric != MG_NN_COSINE)
            return mg_fail(MG_ERR_ARG, "nearest neighbours: unknown metric %d", (int)jb->s[t].metric);
        jb->s[t].c = jb->s[t].k + EXTRA_CANDIDATES;
    }
    if (opts->query_block < 0 || opts->ref_block < 0 || opts->query_block > (1 << 16) || opts->ref_block > (1 << 20))
        return mg_fail(MG_ERR_ARG, "nearest neighbours: block sizes %lld x %lld out of range",
                       (long long)opts->query_block, (long long)opts->ref_block);
    opts->rescanned = 0;
    if (Q.rows == 0) return MG_OK;
    jb->Q = Q, jb->R = R;
    jb->exclude = opts->exclude_diag;
    jb->off = opts->diag_offset;
    jb->qb = opts->query_block ? opts->query_block : DEFAULT_QBLOCK;
    jb->rb = opts->ref_block ? opts->ref_block : DEFAULT_RBLOCK;
    if (jb->rb > R.rows && R.rows > 0) jb->rb = R.rows;
    if (jb->qb > Q.rows) jb->qb = Q.rows;
    if (R.rows == 0) jb->rb = 1;
    double *qsq = NULL, *rsq = NULL;
    mg_status st = prepare(jb, &qsq, &rsq);
    if (st == MG_OK) st = run_all(jb, &opts->rescanned);
    for (int t = 0; t < jb->ns; t++) free(jb->s[t].ka), free(jb->s[t].kb);
    free(qsq), free(rsq);
    return st;
}

/* The exact top k of every query (see neighbors.h). */
mg_status mg_nn_topk(mg_mat Q, mg_mat R, int k, mg_nn_opts *opts, int64_t *idx, double *val) {
    mg_nn_opts def = {0};
    if (!opts) opts = &def;
    nn_job jb = {.ns = 1, .s = {{.metric = opts->metric, .k = k, .idx = idx, .val = val}}};
    return run_searches(Q, R, &jb, opts);
}

/* memratio's two searches in one pass (see neighbors.h). */
mg_status mg_nn_topk_l2_cosine(mg_mat Q, mg_mat R, int k, int64_t *idx, double *dist, int kc, int64_t *cidx,
                               double *cos, mg_nn_opts *opts) {
    mg_nn_opts def = {0};
    if (!opts) opts = &def;
    nn_job jb = {.ns = 2,
                 .s = {{.metric = MG_NN_L2, .k = k, .idx = idx, .val = dist},
                       {.metric = MG_NN_COSINE, .k = kc, .idx = cidx, .val = cos}}};
    return run_searches(Q, R, &jb, opts);
}

/* k nearest neighbours in Euclidean distance. */
mg_status mg_knn(mg_mat Q, mg_mat R, int k, int exclude_self, int64_t *idx, double *dist) {
    if (exclude_self && Q.rows != R.rows)
        return mg_fail(MG_ERR_SHAPE, "nearest neighbours: excluding self needs the same set on both sides");
    int64_t avail = R.rows - (exclude_self ? 1 : 0);
    if (k < 1 || k > avail)
        return mg_fail(MG_ERR_ARG, "nearest neighbours: k = %d but only %lld reference rows are available", k,
                       (long long)avail);
    mg_nn_opts o = {.metric = MG_NN_L2, .exclude_diag = exclude_self};
    return mg_nn_topk(Q, R, k, &o, idx, dist);
}

/* Largest cosine similarity per query. */
mg_status mg_max_cosine(mg_mat Q, mg_mat R, int exclude_self, int64_t *idx, double *cos) {
    if (exclude_self && Q.rows != R.rows)
        return mg_fail(MG_ERR_SHAPE, "cosine similarity: excluding self needs the same set on both sides");
    if (R.rows - (exclude_self ? 1 : 0) < 1) return mg_fail(MG_ERR_ARG, "cosine similarity: no reference rows");
    mg_nn_opts o = {.metric = MG_NN_COSINE, .exclude_diag = exclude_self};
    return mg_nn_topk(Q, R, 1, &o, idx, cos);
}
