/*
 * Theorem 3.1 (Eq. 7-8): the block-wise local minimiser of the DAE loss
 * (Eq. 6) built from a partition of the data, and its special cases:
 * Lemma C.1 on one block (LAE), Corollary 3.2 (W_mem, singleton clusters),
 * Corollary 3.3 (W_gen) and Corollary 3.4 (hybrid: rank-1 duplicated
 * clusters memorised). Block k solves the LAE of Lemma C.1 with noise weight
 * n_k sigma^2 and weight decay n * wd; its orthogonal factor O_k is the
 * Householder reflection of Appendix C.2 step (1) that gives every unit of
 * the block the same positive pre-activation on the cluster mean.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theory_internal.h"

#define DEFAULT_BUDGET ((size_t)1 << 30)

/* The metadata name of a construction kind. */
const char *mg_construction_kind_str(mg_construction_kind k) {
    switch (k) {
    case MG_CONSTRUCTION_LAE: return "lae";
    case MG_CONSTRUCTION_GEN: return "gen";
    case MG_CONSTRUCTION_MEM: return "mem";
    case MG_CONSTRUCTION_HYBRID: return "hybrid";
    }
    return "unknown";
}

/* Frees every array of a construction (safe on NULL / zeroed). */
void mg_construction_free(mg_construction *c) {
    if (!c) return;
    free(c->W);
    free(c->col_eig);
    free(c->col_s);
    free(c->blocks);
    free(c->labels);
    memset(c, 0, sizeof(*c));
}

/* Appends a printf-style remark to the construction's note (truncating). */
static void note_add(mg_construction *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void note_add(mg_construction *c, const char *fmt, ...) {
    size_t used = strlen(c->note), cap = sizeof(c->note);
    if (used + 4 >= cap) return;
    if (used > 0) {
        c->note[used++] = ' ';
        c->note[used] = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(c->note + used, cap - used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - used) memcpy(c->note + cap - 4, "...", 4);
}

/* Eigenpairs of one cluster: a direct formula for a single sample, else the
 * smaller-side route of mg_scatter_eig_top. q == 0 only measures the trace. */
static mg_status cluster_eig(mg_mat X, const int64_t *rows, int64_t m, int64_t q, int want_vectors,
                             mg_scatter_eig *e) {
    memset(e, 0, sizeof(*e));
    int64_t d = X.cols;
    if (q > 0 && m > 1) return mg_scatter_eig_top(X, rows, m, q, want_vectors, e);
    double tr = 0;
    for (int64_t r = 0; r < m; r++) {
        const float *x = X.data + rows[r] * X.ld;
        for (int64_t j = 0; j < d; j++) tr += (double)x[j] * x[j];
    }
    e->d = d;
    e->n = m;
    e->trace = tr;
    if (q == 0 || tr <= 0) return MG_OK;
    /* m == 1: S = x x^T has the single eigenpair (|x|^2, x / |x|). */
    e->q = 1;
    e->evals = mg_alloc(1, sizeof(double));
    if (!e->evals) return mg_fail(MG_ERR_NOMEM, "construction: out of memory");
    e->evals[0] = tr;
    if (want_vectors) {
        e->evecs = mg_alloc((size_t)d, sizeof(double));
        if (!e->evecs) return mg_fail(MG_ERR_NOMEM, "construction: out of memory");
        const float *x = X.data + rows[0] * X.ld;
        double inv = 1.0 / sqrt(tr);
        for (int64_t j = 0; j < d; j++) e->evecs[j] = x[j] * inv;
    }
    return MG_OK;
}

/* One candidate direction for the width allocation. */
typedef struct {
    double gain;
    int64_t k, j;
} cand_t;

/* Orders candidates by gain (descending), then cluster, then index. */
static int cmp_cand(const void *a, const void *b) {
    const cand_t *x = a, *y = b;
    if (x->gain != y->gain) return x->gain > y->gain ? -1 : 1;
    if (x->k != y->k) return x->k < y->k ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

/* Loss reduction of keeping a direction (Lemma C.1 objective with vs without). */
static double direction_gain(double ev, double noise_weight, double wd_lae) {
    double t = ev - wd_lae;
    return t > 0 ? t * t / (ev + noise_weight) : 0.0;
}

/* Writes block k: W_Xk = U diag(s) O_k^T with O_k the reflection that maps
 * diag(s) U^T xbar onto the all-equal direction (Appendix C.2 step 1). */
static mg_status build_block(mg_mat X, const mg_clusters *cl, int64_t k, const mg_scatter_eig *e, int64_t q,
                             double noise_weight, double wd_lae, mg_construction *c) {
    int64_t d = X.cols, p = c->p, qe = e->q, c0 = c->blocks[k].col_start;
    double *xbar = mg_alloc((size_t)d, sizeof(double)); /* d */
    double *s = mg_alloc((size_t)q, sizeof(double));    /* q */
    double *a = mg_alloc((size_t)q, sizeof(double));    /* q: diag(s) U^T xbar */
    double *w = mg_alloc((size_t)q, sizeof(double));    /* q: reflection vector */
    double *row = mg_alloc((size_t)q, sizeof(double));  /* q: one row of U diag(s) */
    if (!xbar || !s || !a || !w || !row) {
        free(xbar), free(s), free(a), free(w), free(row);
        return mg_fail(MG_ERR_NOMEM, "construction: out of memory building block %lld", (long long)k);
    }
    mg__rows_mean(X, cl->idx + cl->start[k], c->blocks[k].n, xbar);
    double anorm2 = 0;
    for (int64_t j = 0; j < q; j++) {
        s[j] = sqrt(mg_lae_alpha(e->evals[j], noise_weight, wd_lae));
        double t = 0;
        for (int64_t i = 0; i < d; i++) t += e->evecs[i * qe + j] * xbar[i];
        a[j] = s[j] * t;
        anorm2 += a[j] * a[j];
        c->col_eig[c0 + j] = e->evals[j];
        c->col_s[c0 + j] = s[j];
    }
    double anorm = sqrt(anorm2), ww = 0, inv_sqrt_q = 1.0 / sqrt((double)q);
    if (anorm > 0) {
        for (int64_t j = 0; j < q; j++) {
            w[j] = a[j] / anorm - inv_sqrt_q;
            ww += w[j] * w[j];
        }
    }
    int reflect = anorm > 0 && ww > 1e-28;
    for (int64_t i = 0; i < d; i++) {
        double t = 0;
        for (int64_t j = 0; j < q; j++) {
            row[j] = e->evecs[i * qe + j] * s[j];
            t += row[j] * w[j];
        }
        float *dst = c->W + i * p + c0;
        for (int64_t j = 0; j < q; j++) dst[j] = (float)(reflect ? row[j] - 2.0 * t * w[j] / ww : row[j]);
    }
    c->blocks[k].pre_act = anorm * inv_sqrt_q;
    free(xbar), free(s), free(a), free(w), free(row);
    return MG_OK;
}

/* Validates the construction parameters. */
static mg_status check_params(const mg_construct_params *prm, int64_t K) {
    if (!prm) return mg_fail(MG_ERR_ARG, "construction: no parameters given");
    if (!(prm->sigma >= 0) || !isfinite(prm->sigma))
        return mg_fail(MG_ERR_ARG, "construction: sigma must be a finite number >= 0 (got %g)", prm->sigma);
    if (!(prm->wd >= 0) || !isfinite(prm->wd))
        return mg_fail(MG_ERR_ARG, "construction: weight decay must be a finite number >= 0 (got %g)", prm->wd);
    if (prm->hidden < 1)
        return mg_fail(MG_ERR_ARG, "construction: hidden width must be >= 1 (got %lld)", (long long)prm->hidden);
    if (!(prm->dup_tol >= 0 && prm->dup_tol < 1))
        return mg_fail(MG_ERR_ARG, "construction: dup_tol must be in [0, 1) (got %g)", prm->dup_tol);
    if (prm->widths) {
        int64_t sum = 0;
        for (int64_t k = 0; k < K; k++) {
            if (prm->widths[k] < 0)
                return mg_fail(MG_ERR_ARG, "construction: width of cluster %lld is negative (%lld)", (long long)k,
                               (long long)prm->widths[k]);
            sum += prm->widths[k];
            if (sum > prm->hidden)
                return mg_fail(MG_ERR_ARG, "construction: the widths add up to more than the hidden width %lld",
                               (long long)prm->hidden);
        }
    }
    return MG_OK;
}

/* Theorem 3.1: the blockwise construction (see theory.h). */
mg_status mg_construct(mg_mat X, const int64_t *labels, int64_t K, const mg_construct_params *prm,
                       mg_construction *out) {
    memset(out, 0, sizeof(*out));
    MG_TRY(mg__check_data(X, "construction"));
    MG_TRY(check_params(prm, K));
    int64_t n = X.rows, d = X.cols, p = prm->hidden;
    double wd_lae = (double)n * prm->wd, sig2 = prm->sigma * prm->sigma;
    mg_clusters cl;
    MG_TRY(mg__clusters_build(labels, n, K, "construction", &cl));

    mg_status st = MG_OK;
    mg_scatter_eig *eig = mg_calloc((size_t)K, sizeof(mg_scatter_eig)); /* K */
    int64_t *qcap = mg_alloc((size_t)K, sizeof(int64_t));               /* K: directions that may be allocated */
    int64_t *usable = mg_alloc((size_t)K, sizeof(int64_t));             /* K: of those, eig > n wd */
    cand_t *cands = NULL;
    double *xbar = mg_alloc((size_t)d, sizeof(double)); /* d: a cluster mean */
    out->kind = MG_CONSTRUCTION_GEN;
    out->n = n, out->d = d, out->p = p, out->K = K;
    out->sigma = prm->sigma, out->wd = prm->wd;
    out->W = mg_calloc((size_t)d * (size_t)p, sizeof(float)); /* d x p */
    out->col_eig = mg_calloc((size_t)p, sizeof(double));
    out->col_s = mg_calloc((size_t)p, sizeof(double));
    out->blocks = mg_calloc((size_t)K, sizeof(mg_block_info));
    out->labels = mg_alloc((size_t)n, sizeof(int64_t));
    if (!eig || !qcap || !usable || !xbar || !out->W || !out->col_eig || !out->col_s || !out->blocks || !out->labels) {
        st = mg_fail(MG_ERR_NOMEM, "construction: cannot allocate a %lld x %lld model (%lld clusters)", (long long)d,
                     (long long)p, (long long)K);
        goto done;
    }
    memcpy(out->labels, labels, (size_t)n * sizeof(int64_t));

    /* Phase 1: eigenvalues (and vectors when they fit the budget). */
    size_t budget = prm->mem_budget ? prm->mem_budget : DEFAULT_BUDGET;
    double need = 0;
    for (int64_t k = 0; k < K; k++) {
        int64_t nk = cl.start[k + 1] - cl.start[k];
        int64_t cap = prm->widths ? prm->widths[k] : p;
        if (cap > nk) cap = nk;
        if (cap > d) cap = d;
        qcap[k] = cap;
        need += (double)cap * (double)d * sizeof(double);
    }
    int keep_vectors = need <= (double)budget;
    for (int64_t k = 0; k < K; k++) {
        int64_t nk = cl.start[k + 1] - cl.start[k];
        int64_t qeig = qcap[k];
        int64_t two = nk < 2 ? nk : 2;
        if (two > d) two = d;
        if (qcap[k] > 0 && qeig < two) qeig = two; /* a second eigenvalue to detect rank-1 clusters */
        st = cluster_eig(X, cl.idx + cl.start[k], nk, qeig, keep_vectors, &eig[k]);
        if (st != MG_OK) {
            mg_fail_context(st, "cluster %lld", (long long)k);
            goto done;
        }
        mg_block_info *b = &out->blocks[k];
        b->n = nk;
        b->trace = eig[k].trace;
        mg__rows_mean(X, cl.idx + cl.start[k], nk, xbar);
        double mn = 0;
        for (int64_t j = 0; j < d; j++) mn += xbar[j] * xbar[j];
        b->mean_norm = sqrt(mn);
        const double *ev = eig[k].evals;
        /* memorised: a single (nonzero) sample, or numerically one direction */
        b->rank1 = (nk == 1 && b->trace > 0) || (eig[k].q == 1 && qcap[k] > 0) ||
                   (eig[k].q >= 2 && ev[1] <= prm->dup_tol * ev[0]);
        int64_t avail = eig[k].q < qcap[k] ? eig[k].q : qcap[k];
        usable[k] = 0;
        for (int64_t j = 0; j < avail; j++) {
            if (ev[j] > wd_lae) usable[k]++;
            else b->excluded_wd++;
        }
        if (b->rank1) out->rank1_clusters++;
    }

    /* Width allocation. */
    if (prm->widths) {
        for (int64_t k = 0; k < K; k++) {
            mg_block_info *b = &out->blocks[k];
            b->width = prm->widths[k];
            b->kept = usable[k] < b->width ? usable[k] : b->width;
            b->dropped = b->width - b->kept;
        }
    } else {
        /* (a) every cluster with a usable direction gets its top one, best
         * gain first; (b) the rest go to the largest gains overall. */
        int64_t ncand = 0;
        for (int64_t k = 0; k < K; k++) {
            if (out->blocks[k].rank1 && usable[k] > 1) usable[k] = 1;
            ncand += usable[k];
        }
        cands = mg_alloc(ncand ? (size_t)ncand : 1, sizeof(cand_t));
        if (!cands) {
            st = mg_fail(MG_ERR_NOMEM, "construction: out of memory for the width allocation");
            goto done;
        }
        int64_t nt = 0;
        for (int64_t k = 0; k < K; k++)
            if (usable[k] > 0)
                cands[nt++] = (cand_t){direction_gain(eig[k].evals[0], (double)out->blocks[k].n * sig2, wd_lae), k, 0};
        qsort(cands, (size_t)nt, sizeof(cand_t), cmp_cand);
        int64_t left = p, starved = 0;
        for (int64_t t = 0; t < nt; t++) {
            if (left > 0) {
                out->blocks[cands[t].k].width = 1;
                left--;
            } else {
                starved++;
            }
        }
        if (starved)
            note_add(out, "%lld clusters got no unit (hidden width %lld < clusters with a usable direction); their "
                     "samples are mapped to 0.", (long long)starved, (long long)p);
        int64_t nr = 0;
        for (int64_t k = 0; k < K; k++)
            for (int64_t j = 1; j < usable[k]; j++)
                cands[nr++] = (cand_t){direction_gain(eig[k].evals[j], (double)out->blocks[k].n * sig2, wd_lae), k, j};
        qsort(cands, (size_t)nr, sizeof(cand_t), cmp_cand);
        for (int64_t t = 0; t < nr && left > 0; t++, left--) out->blocks[cands[t].k].width++;
        for (int64_t k = 0; k < K; k++) out->blocks[k].kept = out->blocks[k].width;
    }
    int64_t col = 0, nowidth = 0;
    for (int64_t k = 0; k < K; k++) {
        out->blocks[k].col_start = col;
        col += out->blocks[k].width;
        out->dropped += out->blocks[k].dropped;
        if (out->blocks[k].kept == 0 && usable[k] == 0) nowidth++;
    }
    out->unused = p - col;

    /* Phase 2 (over budget only): eigenvectors for the kept directions. */
    for (int64_t k = 0; k < K; k++) {
        int64_t q = out->blocks[k].kept;
        if (q == 0) continue;
        if (!keep_vectors) {
            mg_scatter_eig_free(&eig[k]);
            st = cluster_eig(X, cl.idx + cl.start[k], out->blocks[k].n, q, 1, &eig[k]);
            if (st != MG_OK) {
                mg_fail_context(st, "cluster %lld", (long long)k);
                goto done;
            }
            if (eig[k].q < q) { /* rounding moved an eigenvalue across the rank threshold */
                out->blocks[k].dropped += q - eig[k].q;
                out->dropped += q - eig[k].q;
                q = out->blocks[k].kept = eig[k].q;
                if (q == 0) continue;
            }
        }
        st = build_block(X, &cl, k, &eig[k], q, (double)out->blocks[k].n * sig2, wd_lae, out);
        if (st != MG_OK) goto done;
    }

    /* Predicted losses: per block the Lemma C.1 objective at its minimiser. */
    double sum_mse = 0, sum_alpha = 0;
    for (int64_t k = 0; k < K; k++) {
        mg_block_info *b = &out->blocks[k];
        double nw = (double)b->n * sig2, fit = 0, pen = 0, kept_ev = 0, alpha = 0;
        for (int64_t j = 0; j < b->kept; j++) {
            double pj;
            double ev = out->col_eig[b->col_start + j];
            fit += mg_lae_direction_loss(ev, nw, wd_lae, &pj);
            pen += pj;
            kept_ev += ev;
            alpha += out->col_s[b->col_start + j] * out->col_s[b->col_start + j];
        }
        double tail = b->trace - kept_ev; /* the discarded directions are not reconstructed */
        if (tail < 0) tail = 0;
        b->lae_loss = fit + tail + pen;
        b->train_mse = (fit + tail) / (double)b->n;
        b->reg = alpha;
        sum_mse += fit + tail;
        sum_alpha += alpha;
    }
    out->train_mse = sum_mse / (double)n;
    out->train_reg = 2.0 * prm->wd * sum_alpha;
    out->train_loss = out->train_mse + out->train_reg;

    if (K == 1) out->kind = MG_CONSTRUCTION_LAE;
    else if (out->rank1_clusters == K) out->kind = MG_CONSTRUCTION_MEM;
    else if (out->rank1_clusters > 0) out->kind = MG_CONSTRUCTION_HYBRID;
    else out->kind = MG_CONSTRUCTION_GEN;

    if (out->dropped)
        note_add(out, "%lld allocated directions dropped (eigenvalue <= n*lambda = %g or numerically zero; Remark "
                 "after Lemma C.1): their columns are zero.", (long long)out->dropped, wd_lae);
    if (nowidth)
        note_add(out, "%lld clusters have no direction with eigenvalue above n*lambda = %g: their samples are mapped "
                 "to 0.", (long long)nowidth, wd_lae);
    if (out->unused) note_add(out, "%lld trailing columns unused (zero).", (long long)out->unused);

done:
    if (eig)
        for (int64_t k = 0; k < K; k++) mg_scatter_eig_free(&eig[k]);
    free(eig);
    free(qcap);
    free(usable);
    free(cands);
    free(xbar);
    mg__clusters_free(&cl);
    if (st != MG_OK) mg_construction_free(out);
    return st;
}

/* Lemma C.1 on all data: a single block (K = 1). */
mg_status mg_construct_lae(mg_mat X, const mg_construct_params *prm, mg_construction *out) {
    memset(out, 0, sizeof(*out));
    if (!prm) return mg_fail(MG_ERR_ARG, "construction: no parameters given");
    if (X.rows < 1) return mg_fail(MG_ERR_ARG, "LAE construction: no samples");
    int64_t *lab = mg_calloc((size_t)X.rows, sizeof(int64_t));
    if (!lab) return mg_fail(MG_ERR_NOMEM, "LAE construction: out of memory");
    mg_status st = mg_construct(X, lab, 1, prm, out);
    free(lab);
    return st;
}

/* Corollary 3.2: one column r_i x_i per sample, in sample order. */
mg_status mg_construct_mem(mg_mat X, const mg_construct_params *prm, mg_construction *out) {
    memset(out, 0, sizeof(*out));
    if (!prm) return mg_fail(MG_ERR_ARG, "construction: no parameters given");
    if (X.rows < 1) return mg_fail(MG_ERR_ARG, "memorization construction: no samples");
    if (prm->hidden < X.rows)
        return mg_fail(MG_ERR_ARG, "memorization construction (Corollary 3.2) needs hidden >= n, got p = %lld < n = "
                       "%lld; use a blockwise (generalizing) construction instead", (long long)prm->hidden,
                       (long long)X.rows);
    int64_t n = X.rows;
    int64_t *lab = mg_alloc((size_t)n, sizeof(int64_t));
    int64_t *wid = mg_alloc((size_t)n, sizeof(int64_t));
    if (!lab || !wid) {
        free(lab), free(wid);
        return mg_fail(MG_ERR_NOMEM, "memorization construction: out of memory");
    }
    for (int64_t i = 0; i < n; i++) lab[i] = i, wid[i] = 1;
    mg_construct_params q = *prm;
    q.widths = wid; /* column i belongs to sample i even when it is dropped */
    mg_status st = mg_construct(X, lab, n, &q, out);
    free(lab), free(wid);
    if (st == MG_OK) out->kind = MG_CONSTRUCTION_MEM;
    return st;
}

/* Formats a comma-separated list of one int64 field of every block (malloc'd). */
static char *join_blocks(const mg_construction *c, int use_kept) {
    size_t cap = (size_t)c->K * 21 + 1;
    char *s = mg_alloc(cap, 1);
    if (!s) return NULL;
    size_t len = 0;
    s[0] = 0;
    for (int64_t k = 0; k < c->K; k++) {
        long long v = use_kept ? (long long)c->blocks[k].kept : (long long)c->blocks[k].width;
        len += (size_t)snprintf(s + len, cap - len, k ? ",%lld" : "%lld", v);
    }
    return s;
}

/* Wraps the construction as an ordinary tied DAE with provenance metadata. */
mg_status mg_construction_to_dae(const mg_construction *c, mg_dae **out) {
    *out = NULL;
    if (!c || !c->W) return mg_fail(MG_ERR_ARG, "construction to DAE: empty construction");
    mg_dae *m = NULL;
    MG_TRY(mg_dae_create(c->d, c->p, 1, 0, &m));
    memcpy(mg_dae_w1(m), c->W, (size_t)c->d * (size_t)c->p * sizeof(float));
    mg_dae_set_sigma(m, c->sigma);
    char num[64];
    mg_status st = mg_dae_set_meta(m, "construction", mg_construction_kind_str(c->kind));
    snprintf(num, sizeof(num), "%.17g", c->wd);
    if (st == MG_OK) st = mg_dae_set_meta(m, "lambda", num);
    snprintf(num, sizeof(num), "%lld", (long long)c->K);
    if (st == MG_OK) st = mg_dae_set_meta(m, "clusters", num);
    snprintf(num, sizeof(num), "%lld", (long long)c->n);
    if (st == MG_OK) st = mg_dae_set_meta(m, "n", num);
    for (int kept = 0; kept < 2 && st == MG_OK; kept++) {
        char *s = join_blocks(c, kept);
        if (!s) {
            st = mg_fail(MG_ERR_NOMEM, "construction to DAE: out of memory");
            break;
        }
        st = mg_dae_set_meta(m, kept ? "kept" : "widths", s);
        free(s);
    }
    if (st != MG_OK) {
        mg_dae_free(m);
        return st;
    }
    *out = m;
    return MG_OK;
}

/* MG_CONSTRUCT_PARAMS_DEFAULT as a value. */
mg_construct_params mg_construct_params_default(void) {
    mg_construct_params v = MG_CONSTRUCT_PARAMS_DEFAULT;
    return v;
}
