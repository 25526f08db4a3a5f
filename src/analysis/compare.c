/*
 * Agreement between two DAEs (paper Fig. 4 and Fig. 9): eigenvalues of
 * W2 W1^T side by side, principal angles between the leading subspaces per
 * block of the constructed model, and column-to-column / column-to-sample
 * matching by cosine similarity (through mg_max_cosine).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#include <lapacke.h>

#include "memgen/compare.h"
#include "memgen/neighbors.h"

#define RAD2DEG (180.0 / 3.14159265358979323846)

/* Frees every array (safe on NULL / zeroed). */
void mg_compare_free(mg_compare *c) {
    if (!c) return;
    free(c->eig_a), free(c->eig_b);
    free(c->block_rank), free(c->block_units), free(c->block_lead), free(c->angles), free(c->angle_max);
    free(c->bcol_match), free(c->bcol_cos), free(c->bcol_ratio);
    free(c->sample_col_a), free(c->sample_col_b), free(c->sample_cos_a), free(c->sample_cos_b);
    free(c->acol_sample), free(c->bcol_sample), free(c->acol_cos), free(c->bcol_scos);
    memset(c, 0, sizeof(*c));
}

/* Sorts values descending (insertion sort on parallel arrays re/im). */
static void sort_desc(double *re, double *im, int64_t n) {
    for (int64_t i = 1; i < n; i++) {
        double r = re[i], m = im ? im[i] : 0;
        int64_t j = i;
        while (j > 0 && re[j - 1] < r) {
            re[j] = re[j - 1];
            if (im) im[j] = im[j - 1];
            j--;
        }
        re[j] = r;
        if (im) im[j] = m;
    }
}

/* The r leading eigenvalues of W2 W1^T (d x d) through the smaller of
 * W2 W1^T and W1^T W2 (p x p), which share their nonzero eigenvalues. */
static mg_status model_eigs(const mg_dae *m, int64_t r, double *ev, double *imag_max, const char *name) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), s = d < p ? d : p;
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    int tied = mg_dae_is_tied(m);
    double *a = mg_alloc((size_t)d * (size_t)p, sizeof(double)); /* d x p */
    double *b = mg_alloc((size_t)d * (size_t)p, sizeof(double)); /* d x p */
    double *M = mg_alloc((size_t)s * (size_t)s, sizeof(double)); /* s x s */
    double *wr = mg_alloc((size_t)s, sizeof(double)), *wi = mg_alloc((size_t)s, sizeof(double));
    if (!a || !b || !M || !wr || !wi) {
        free(a), free(b), free(M), free(wr), free(wi);
        return mg_fail(MG_ERR_NOMEM, "compare: out of memory for the spectrum of model %s", name);
    }
    for (int64_t i = 0; i < d * p; i++) a[i] = W1[i], b[i] = W2[i];
    if (s == p) /* M = W1^T W2 (p x p) */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)p, (int)p, (int)d, 1.0, a, (int)p, b, (int)p, 0.0, M,
                    (int)p);
    else /* M = W2 W1^T (d x d) */
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)p, 1.0, b, (int)p, a, (int)p, 0.0, M,
                    (int)d);
    lapack_int info;
    if (tied) {
        info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)s, M, (lapack_int)s, wr);
        memset(wi, 0, (size_t)s * sizeof(double));
    } else {
        info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)s, M, (lapack_int)s, wr, wi, NULL, 1, NULL, 1);
    }
    mg_status st = MG_OK;
    if (info != 0) {
        st = mg_fail(MG_ERR_NUMERIC, "compare: eigenvalues of model %s failed (LAPACK info %d)", name, (int)info);
    } else {
        sort_desc(wr, wi, s);
        *imag_max = 0;
        for (int64_t i = 0; i < r; i++) {
            ev[i] = wr[i];
            if (fabs(wi[i]) > *imag_max) *imag_max = fabs(wi[i]);
        }
    }
    free(a), free(b), free(M), free(wr), free(wi);
    return st;
}

/* Parses "3,4,5" (nonnegative) into a malloc'd array; returns 0 when the
 * list is absent or malformed (the caller then ignores the metadata). */
static int parse_list(const char *s, int64_t **vals, int64_t *count) {
    *vals = NULL;
    *count = 0;
    if (!s || mg_parse_i64_list(s, "block metadata", vals, count) != MG_OK) return 0;
    for (int64_t i = 0; i < *count; i++)
        if ((*vals)[i] < 0) {
            free(*vals);
            *vals = NULL;
            *count = 0;
            return 0;
        }
    return 1;
}

/* Block layout of a constructed model from its metadata: nb blocks, the
 * first column and the number of kept columns of each. 0 if absent/invalid. */
static int model_blocks(const mg_dae *m, int64_t *nb, int64_t **start, int64_t **kept) {
    int64_t *w = NULL, *k = NULL, nw = 0, nk = 0;
    *nb = 0;
    *start = *kept = NULL;
    if (!parse_list(mg_dae_meta(m, "widths"), &w, &nw) || !parse_list(mg_dae_meta(m, "kept"), &k, &nk) || nw != nk) {
        free(w), free(k);
        return 0;
    }
    int64_t col = 0;
    for (int64_t i = 0; i < nw; i++) {
        if (k[i] > w[i] || col + w[i] > mg_dae_hidden(m)) {
            free(w), free(k);
            return 0;
        }
        int64_t c0 = col;
        col += w[i];
        w[i] = c0; /* reuse as start */
    }
    *nb = nw;
    *start = w;
    *kept = k;
    return 1;
}

/* Orthonormal basis (d x q, row-major) of the leading q left singular vectors
 * of the map W2[:, S] W1[:, S]^T over the unit subset S (s units): QR of
 * W2[:, S] = Q R, then the SVD of R W1[:, S]^T (kq x d) gives U = Q U'.
 * Returns the number of columns produced (<= q). */
static int64_t leading_basis(const mg_dae *m, const int64_t *S, int64_t s, int64_t q, double *basis, mg_status *st) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), kq = d < s ? d : s;
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    *st = MG_OK;
    if (s == 0 || q == 0) return 0;
    double *A = mg_alloc((size_t)d * (size_t)s, sizeof(double));  /* d x s: W2[:, S], then Q */
    double *B = mg_alloc((size_t)d * (size_t)s, sizeof(double));  /* d x s: W1[:, S] */
    double *M = mg_alloc((size_t)kq * (size_t)d, sizeof(double)); /* kq x d: R W1S^T */
    double *R = mg_alloc((size_t)kq * (size_t)s, sizeof(double)); /* kq x s */
    double *U = mg_alloc((size_t)kq * (size_t)kq, sizeof(double));
    double *sv = mg_alloc((size_t)kq, sizeof(double)), *tau = mg_alloc((size_t)kq, sizeof(double));
    double *VT = mg_alloc((size_t)kq * (size_t)d, sizeof(double));
    int64_t got = 0;
    if (!A || !B || !M || !R || !U || !sv || !tau || !VT) {
        *st = mg_fail(MG_ERR_NOMEM, "compare: out of memory for a %lld x %lld block", (long long)d, (long long)s);
        goto done;
    }
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = 0; j < s; j++) {
            A[i * s + j] = W2[i * p + S[j]];
            B[i * s + j] = W1[i * p + S[j]];
        }
    if (LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)s, A, (lapack_int)s, tau) != 0) {
        *st = mg_fail(MG_ERR_NUMERIC, "compare: QR factorisation failed");
        goto done;
    }
    for (int64_t i = 0; i < kq; i++)
        for (int64_t j = 0; j < s; j++) R[i * s + j] = j >= i ? A[i * s + j] : 0.0;
    if (LAPACKE_dorgqr(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)kq, (lapack_int)kq, A, (lapack_int)s, tau) != 0) {
        *st = mg_fail(MG_ERR_NUMERIC, "compare: forming Q failed");
        goto done;
    }
    /* M = R W1S^T (kq x d) */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)kq, (int)d, (int)s, 1.0, R, (int)s, B, (int)s, 0.0, M,
                (int)d);
    if (LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', (lapack_int)kq, (lapack_int)d, M, (lapack_int)d, sv, U, (lapack_int)kq, VT,
                       (lapack_int)d) != 0) {
        *st = mg_fail(MG_ERR_NUMERIC, "compare: SVD failed");
        goto done;
    }
    got = q < kq ? q : kq;
    while (got > 0 && !(sv[got - 1] > 1e-12 * sv[0])) got--; /* only directions the map really has */
    /* basis = Q U'[:, :got]; Q is d x kq stored with ld s */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)got, (int)kq, 1.0, A, (int)s, U, (int)kq, 0.0,
                basis, (int)got);
done:
    free(A), free(B), free(M), free(R), free(U), free(sv), free(tau), free(VT);
    return got;
}

/* Principal angles (degrees, ascending) between span(P) and span(Q), both
 * d x q orthonormal. */
static mg_status principal_angles(const double *P, const double *Q, int64_t d, int64_t q, double *deg) {
    double *C = mg_alloc((size_t)q * (size_t)q, sizeof(double)), *sv = mg_alloc((size_t)q, sizeof(double));
    double *sup = mg_alloc((size_t)q, sizeof(double));
    if (!C || !sv || !sup) {
        free(C), free(sv), free(sup);
        return mg_fail(MG_ERR_NOMEM, "compare: out of memory");
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)q, (int)q, (int)d, 1.0, P, (int)q, Q, (int)q, 0.0, C,
                (int)q);
    lapack_int info = LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int)q, (lapack_int)q, C, (lapack_int)q, sv,
                                     NULL, 1, NULL, 1, sup);
    if (info == 0)
        for (int64_t i = 0; i < q; i++) deg[i] = acos(sv[i] > 1 ? 1.0 : (sv[i] < 0 ? 0.0 : sv[i])) * RAD2DEG;
    free(C), free(sv), free(sup);
    return info == 0 ? MG_OK : mg_fail(MG_ERR_NUMERIC, "compare: SVD for principal angles failed");
}

/* Per-block principal angles (fills the block fields of out). */
static mg_status compare_blocks(const mg_dae *ref, const mg_dae *oth, int64_t nb, const int64_t *start,
                                const int64_t *kept, int64_t lead, mg_compare *out) {
    int64_t d = mg_dae_dim(ref), po = mg_dae_hidden(oth);
    mg_status st = MG_OK;
    int64_t tot = 0, maxr = 1;
    for (int64_t b = 0; b < nb; b++) {
        tot += kept[b];
        if (kept[b] > maxr) maxr = kept[b];
    }
    out->nblocks = nb;
    out->angle_stride = maxr;
    out->block_rank = mg_calloc((size_t)nb, sizeof(int64_t));
    out->block_units = mg_calloc((size_t)nb, sizeof(int64_t));
    out->block_lead = mg_calloc((size_t)nb, sizeof(int64_t));
    out->angles = mg_alloc((size_t)nb * (size_t)maxr, sizeof(double));
    out->angle_max = mg_alloc((size_t)nb, sizeof(double));
    double *basis = mg_alloc((size_t)d * (size_t)(tot ? tot : 1), sizeof(double)); /* d x tot: reference bases */
    int64_t *boff = mg_alloc((size_t)nb + 1, sizeof(int64_t));
    int64_t *S = mg_alloc((size_t)(po > maxr ? po : maxr), sizeof(int64_t));
    int64_t *assign = mg_alloc((size_t)po, sizeof(int64_t));
    double *tmp = mg_alloc((size_t)d * (size_t)maxr, sizeof(double)), *tmp2 = mg_alloc((size_t)d * (size_t)maxr, sizeof(double));
    double *F = mg_alloc((size_t)po * (size_t)(tot ? tot : 1), sizeof(double)); /* po x tot projections */
    double *Wo = mg_alloc((size_t)d * (size_t)po, sizeof(double));
    if (!out->block_rank || !out->block_units || !out->block_lead || !out->angles || !out->angle_max || !basis ||
        !boff || !S || !assign || !tmp || !tmp2 || !F || !Wo) {
        st = mg_fail(MG_ERR_NOMEM, "compare: out of memory for %lld blocks", (long long)nb);
        goto done;
    }
    for (int64_t i = 0; i < nb * maxr; i++) out->angles[i] = -1;
    /* reference bases, packed side by side in `basis` (d x tot) */
    boff[0] = 0;
    for (int64_t b = 0; b < nb; b++) {
        for (int64_t j = 0; j < kept[b]; j++) S[j] = start[b] + j;
        int64_t r = leading_basis(ref, S, kept[b], kept[b], tmp, &st);
        if (st != MG_OK) goto done;
        out->block_rank[b] = r;
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j < r; j++) basis[i * (tot ? tot : 1) + boff[b] + j] = tmp[i * r + j];
        boff[b + 1] = boff[b] + r;
    }
    int64_t ld = tot ? tot : 1, used = boff[nb];
    /* assign each unit of the other model to the block holding most of its column */
    const float *W1o = mg_dae_w1_const(oth);
    for (int64_t i = 0; i < d * po; i++) Wo[i] = W1o[i];
    if (used > 0)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)po, (int)used, (int)d, 1.0, Wo, (int)po, basis, (int)ld,
                    0.0, F, (int)used);
    for (int64_t u = 0; u < po; u++) {
        double nn = 0;
        for (int64_t i = 0; i < d; i++) nn += Wo[i * po + u] * Wo[i * po + u];
        assign[u] = -1;
        if (!(nn > 0) || used == 0) continue;
        double best = -1;
        for (int64_t b = 0; b < nb; b++) {
            double f = 0;
            for (int64_t j = boff[b]; j < boff[b + 1]; j++) f += F[u * used + j] * F[u * used + j];
            if (f > best) best = f, assign[u] = b;
        }
    }
    for (int64_t b = 0; b < nb; b++) {
        int64_t s = 0;
        for (int64_t u = 0; u < po; u++)
            if (assign[u] == b) S[s++] = u;
        out->block_units[b] = s;
        int64_t r = out->block_rank[b], L = lead > 0 && lead < r ? lead : r;
        int64_t got = leading_basis(oth, S, s, L, tmp2, &st);
        if (st != MG_OK) goto done;
        out->block_lead[b] = got;
        out->angle_max[b] = 90.0;
        if (got == 0) continue;
        for (int64_t i = 0; i < d; i++) /* the reference's leading `got` directions */
            for (int64_t j = 0; j < got; j++) tmp[i * got + j] = basis[i * ld + boff[b] + j];
        st = principal_angles(tmp, tmp2, d, got, out->angles + b * maxr);
        if (st != MG_OK) goto done;
        out->angle_max[b] = out->angles[b * maxr + got - 1];
    }
done:
    free(basis), free(boff), free(S), free(assign), free(tmp), free(tmp2), free(F), free(Wo);
    return st;
}

/* The comparison (see compare.h). */
mg_status mg_compare_daes(const mg_dae *A, const mg_dae *B, mg_mat X, int64_t lead, mg_compare *out) {
    memset(out, 0, sizeof(*out));
    if (!A || !B) return mg_fail(MG_ERR_ARG, "compare: two models are needed");
    int64_t d = mg_dae_dim(A), pa = mg_dae_hidden(A), pb = mg_dae_hidden(B);
    if (mg_dae_dim(B) != d)
        return mg_fail(MG_ERR_SHAPE, "compare: model A has dimension %lld but model B %lld", (long long)d,
                       (long long)mg_dae_dim(B));
    if (d > INT32_MAX || pa > INT32_MAX || pb > INT32_MAX)
        return mg_fail(MG_ERR_SHAPE, "compare: models too large for LAPACK");
    if (X.data && (X.cols != d || X.rows < 1))
        return mg_fail(MG_ERR_SHAPE, "compare: data have %lld features but the models %lld", (long long)X.cols,
                       (long long)d);
    if (lead < 0) return mg_fail(MG_ERR_ARG, "compare: lead must be >= 0");
    out->d = d, out->pa = pa, out->pb = pb;
    int64_t r = pa < pb ? pa : pb;
    if (d < r) r = d;
    out->r = r;
    mg_status st = MG_OK;
    int64_t nb = 0, *start = NULL, *kept = NULL;
    float *AT = NULL, *BT = NULL;
    double *na = NULL, *nbn = NULL;
    out->eig_a = mg_alloc((size_t)r, sizeof(double));
    out->eig_b = mg_alloc((size_t)r, sizeof(double));
    if (!out->eig_a || !out->eig_b) {
        st = mg_fail(MG_ERR_NOMEM, "compare: out of memory");
        goto done;
    }
    if ((st = model_eigs(A, r, out->eig_a, &out->imag_a, "A")) != MG_OK) goto done;
    if ((st = model_eigs(B, r, out->eig_b, &out->imag_b, "B")) != MG_OK) goto done;
    double thr = 1e-3 * fabs(out->eig_b[0]);
    for (int64_t j = 0; j < r && fabs(out->eig_b[j]) >= thr && fabs(out->eig_b[j]) > 0; j++) {
        double e = fabs(out->eig_a[j] - out->eig_b[j]) / fabs(out->eig_b[j]);
        if (e > out->eig_rel_err) out->eig_rel_err = e;
        out->eig_lead = j + 1;
    }

    /* blocks: B's construction metadata, else A's, else one block */
    const mg_dae *ref = B, *oth = A;
    out->ref = 'B';
    if (!model_blocks(B, &nb, &start, &kept)) {
        if (mg_dae_meta(B, "widths"))
            snprintf(out->note, sizeof(out->note), "model B's widths/kept metadata is malformed and was ignored. ");
        if (model_blocks(A, &nb, &start, &kept)) {
            ref = A, oth = B;
            out->ref = 'A';
        } else {
            out->ref = 'N';
            nb = 1;
            start = calloc(1, sizeof(int64_t));
            kept = malloc(sizeof(int64_t));
            if (!start || !kept) {
                st = mg_fail(MG_ERR_NOMEM, "compare: out of memory");
                goto done;
            }
            kept[0] = r;
        }
    }
    if (out->ref == 'N') {
        /* no block structure: compare the leading r-dimensional subspaces of the two maps */
        out->nblocks = 1;
        out->angle_stride = r > 0 ? r : 1;
        out->block_rank = calloc(1, sizeof(int64_t));
        out->block_units = calloc(1, sizeof(int64_t));
        out->block_lead = calloc(1, sizeof(int64_t));
        out->angles = malloc((size_t)out->angle_stride * sizeof(double));
        out->angle_max = malloc(sizeof(double));
        int64_t *Sa = mg_alloc((size_t)(pa > pb ? pa : pb), sizeof(int64_t));
        double *Pa = mg_alloc((size_t)d * (size_t)out->angle_stride, sizeof(double));
        double *Pb = mg_alloc((size_t)d * (size_t)out->angle_stride, sizeof(double));
        if (!out->block_rank || !out->block_units || !out->block_lead || !out->angles || !out->angle_max || !Sa ||
            !Pa || !Pb) {
            free(Sa), free(Pa), free(Pb);
            st = mg_fail(MG_ERR_NOMEM, "compare: out of memory");
            goto done;
        }
        for (int64_t i = 0; i < out->angle_stride; i++) out->angles[i] = -1;
        int64_t L = lead > 0 && lead < r ? lead : r;
        for (int64_t u = 0; u < pb; u++) Sa[u] = u;
        int64_t gb = leading_basis(B, Sa, pb, L, Pb, &st);
        for (int64_t u = 0; u < pa && st == MG_OK; u++) Sa[u] = u;
        int64_t ga = st == MG_OK ? leading_basis(A, Sa, pa, L, Pa, &st) : 0;
        int64_t g = ga < gb ? ga : gb;
        out->block_rank[0] = gb;
        out->block_units[0] = pa;
        out->block_lead[0] = g;
        out->angle_max[0] = 90.0;
        if (st == MG_OK && g > 0) {
            /* repack both to d x g */
            for (int64_t i = 0; i < d; i++)
                for (int64_t j = 0; j < g; j++) Pa[i * g + j] = Pa[i * ga + j];
            for (int64_t i = 0; i < d; i++)
                for (int64_t j = 0; j < g; j++) Pb[i * g + j] = Pb[i * gb + j];
            st = principal_angles(Pb, Pa, d, g, out->angles);
            if (st == MG_OK) out->angle_max[0] = out->angles[g - 1];
        }
        free(Sa), free(Pa), free(Pb);
        if (st != MG_OK) goto done;
    } else {
        if ((st = compare_blocks(ref, oth, nb, start, kept, lead, out)) != MG_OK) goto done;
    }

    /* column matching: each nonzero column of B to its most similar column of A */
    na = mg_alloc((size_t)pa, sizeof(double));
    nbn = mg_alloc((size_t)pb, sizeof(double));
    AT = mg_alloc((size_t)pa * (size_t)d, sizeof(float));
    BT = mg_alloc((size_t)pb * (size_t)d, sizeof(float));
    out->bcol_match = mg_alloc((size_t)pb, sizeof(int64_t));
    out->bcol_cos = mg_alloc((size_t)pb, sizeof(double));
    out->bcol_ratio = mg_alloc((size_t)pb, sizeof(double));
    if (!na || !nbn || !AT || !BT || !out->bcol_match || !out->bcol_cos || !out->bcol_ratio) {
        st = mg_fail(MG_ERR_NOMEM, "compare: out of memory for the column matching");
        goto done;
    }
    mg_dae_columns(A, AT, na);
    mg_dae_columns(B, BT, nbn);
    mg_mat Am = {pa, d, d, AT}, Bm = {pb, d, d, BT};
    if ((st = mg_max_cosine(Bm, Am, 0, out->bcol_match, out->bcol_cos)) != MG_OK) goto done;
    for (int64_t j = 0; j < pb; j++) {
        if (!(nbn[j] > 0)) {
            out->bcol_match[j] = -1;
            out->bcol_cos[j] = 0;
            out->bcol_ratio[j] = 0;
            continue;
        }
        out->bcols_nonzero++;
        out->bcol_ratio[j] = na[out->bcol_match[j]] / nbn[j];
    }
    if (X.data) {
        int64_t n = X.rows;
        out->n = n;
        out->sample_col_a = mg_alloc((size_t)n, sizeof(int64_t));
        out->sample_col_b = mg_alloc((size_t)n, sizeof(int64_t));
        out->sample_cos_a = mg_alloc((size_t)n, sizeof(double));
        out->sample_cos_b = mg_alloc((size_t)n, sizeof(double));
        out->acol_sample = mg_alloc((size_t)pa, sizeof(int64_t));
        out->bcol_sample = mg_alloc((size_t)pb, sizeof(int64_t));
        out->acol_cos = mg_alloc((size_t)pa, sizeof(double));
        out->bcol_scos = mg_alloc((size_t)pb, sizeof(double));
        if (!out->sample_col_a || !out->sample_col_b || !out->sample_cos_a || !out->sample_cos_b ||
            !out->acol_sample || !out->bcol_sample || !out->acol_cos || !out->bcol_scos) {
            st = mg_fail(MG_ERR_NOMEM, "compare: out of memory for the sample matching");
            goto done;
        }
        if ((st = mg_max_cosine(X, Am, 0, out->sample_col_a, out->sample_cos_a)) != MG_OK) goto done;
        if ((st = mg_max_cosine(X, Bm, 0, out->sample_col_b, out->sample_cos_b)) != MG_OK) goto done;
        if ((st = mg_max_cosine(Am, X, 0, out->acol_sample, out->acol_cos)) != MG_OK) goto done;
        if ((st = mg_max_cosine(Bm, X, 0, out->bcol_sample, out->bcol_scos)) != MG_OK) goto done;
    }
done:
    free(start), free(kept), free(AT), free(BT), free(na), free(nbn);
    if (st != MG_OK) mg_compare_free(out);
    return st;
}

/* Counts the units of a model by the cluster mean that activates them most
 * (see compare.h). The cluster means accumulate in double over each
 * cluster's rows in increasing order. */
mg_status mg_dae_block_widths(const mg_dae *m, mg_mat X, const int64_t *labels, int64_t K, int64_t *widths,
                              int64_t *unassigned) {
    MG_TRY(mg_mat_check(X, "block widths"));
    if (!m || mg_dae_dim(m) != X.cols)
        return mg_fail(MG_ERR_SHAPE, "block widths: the model's dimension %lld does not match the data's %lld",
                       m ? (long long)mg_dae_dim(m) : 0LL, (long long)X.cols);
    MG_TRY(mg_labels_check(labels, X.rows, K, "block widths"));
    int64_t d = X.cols, p = mg_dae_hidden(m);
    double *M = mg_calloc((size_t)K * (size_t)d, sizeof(double)); /* K x d cluster means */
    int64_t *cnt = mg_calloc((size_t)K, sizeof(int64_t));
    if (!M || !cnt) {
        free(M), free(cnt);
        return mg_fail(MG_ERR_NOMEM, "block widths: out of memory");
    }
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double *mk = M + labels[i] * d;
        for (int64_t j = 0; j < d; j++) mk[j] += x[j];
        cnt[labels[i]]++;
    }
    for (int64_t k = 0; k < K; k++)
        for (int64_t j = 0; j < d; j++) M[k * d + j] /= (double)cnt[k];
    const float *W = mg_dae_w1_const(m);
    int64_t none = 0;
    memset(widths, 0, (size_t)K * sizeof(int64_t));
    for (int64_t u = 0; u < p; u++) {
        double nn = 0, best = 0;
        int64_t arg = -1;
        for (int64_t i = 0; i < d; i++) nn += (double)W[i * p + u] * W[i * p + u];
        if (!(nn > 0)) continue;
        for (int64_t k = 0; k < K; k++) {
            double a = 0;
            for (int64_t i = 0; i < d; i++) a += W[i * p + u] * M[k * d + i];
            if (a > best) best = a, arg = k;
        }
        if (arg >= 0) widths[arg]++;
        else none++;
    }
    if (unassigned) *unassigned = none;
    free(M);
    free(cnt);
    return MG_OK;
}
