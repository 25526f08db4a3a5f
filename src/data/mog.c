/*
 * Gaussian-mixture parameters (paper Eq. 4): allocation, validation and the
 * .safetensors parameter file that f_gt and `memgen theory` read (layout in
 * include/memgen/mog.h). The generator lives in mog_gen.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/blas.h"
#include "memgen/mog.h"
#include "memgen/safetensors.h"

/* Largest K and d accepted from a file or a caller (bases are K*d*d doubles). */
#define MG_MOG_MAX_K 100000
#define MG_MOG_MAX_D 100000

/* Allocates a K-component mixture in dimension d: zero means and eigenvalues,
 * uniform weights, identity bases. Caller frees with mg_mog_free. */
mg_status mg_mog_alloc(mg_mog *m, int K, int64_t d) {
    memset(m, 0, sizeof *m);
    if (K < 1 || K > MG_MOG_MAX_K) return mg_fail(MG_ERR_ARG, "mixture: K = %d is outside 1..%d", K, MG_MOG_MAX_K);
    if (d < 1 || d > MG_MOG_MAX_D)
        return mg_fail(MG_ERR_ARG, "mixture: d = %lld is outside 1..%d", (long long)d, MG_MOG_MAX_D);
    size_t kd = (size_t)K * (size_t)d, kdd;
    if (mg_mul_overflow_size(kd, (size_t)d, &kdd) || kdd > ((size_t)1 << 34))
        return mg_fail(MG_ERR_NOMEM, "mixture: %d bases of %lld x %lld are too large", K, (long long)d, (long long)d);
    m->K = K;
    m->d = d;
    m->weights = mg_calloc((size_t)K, sizeof(double));
    m->means = mg_calloc(kd, sizeof(double));
    m->eigvals = mg_calloc(kd, sizeof(double));
    m->bases = mg_calloc(kdd, sizeof(double));
    if (!m->weights || !m->means || !m->eigvals || !m->bases) {
        mg_mog_free(m);
        return mg_fail(MG_ERR_NOMEM, "mixture: cannot allocate K = %d, d = %lld", K, (long long)d);
    }
    for (int k = 0; k < K; k++) {
        m->weights[k] = 1.0 / K;
        double *B = m->bases + (size_t)k * (size_t)d * (size_t)d;
        for (int64_t i = 0; i < d; i++) B[i * d + i] = 1.0;
    }
    return MG_OK;
}

/* Frees the arrays and zeroes *m (safe on NULL and on a zeroed struct). */
void mg_mog_free(mg_mog *m) {
    if (!m) return;
    free(m->weights);
    free(m->means);
    free(m->eigvals);
    free(m->bases);
    memset(m, 0, sizeof *m);
}

/* Checks weights, finiteness, descending nonnegative eigenvalues and
 * orthonormal bases (max |B^T B - I| <= 1e-6, by dsyrk). */
mg_status mg_mog_validate(const mg_mog *m) {
    if (!m || m->K < 1 || m->d < 1 || !m->weights || !m->means || !m->eigvals || !m->bases)
        return mg_fail(MG_ERR_ARG, "mixture: empty or unallocated parameters");
    int K = m->K;
    int64_t d = m->d;
    double wsum = 0;
    for (int k = 0; k < K; k++) {
        double w = m->weights[k];
        if (!isfinite(w) || !(w > 0)) return mg_fail(MG_ERR_ARG, "mixture: weight %d is %g (must be positive)", k, w);
        wsum += w;
    }
    if (fabs(wsum - 1.0) > 1e-9) return mg_fail(MG_ERR_ARG, "mixture: weights sum to %.12g, not 1", wsum);
    for (int64_t i = 0; i < (int64_t)K * d; i++) {
        if (!isfinite(m->means[i]))
            return mg_fail(MG_ERR_NUMERIC, "mixture: mean %lld, coordinate %lld is not finite", (long long)(i / d),
                           (long long)(i % d));
        double ev = m->eigvals[i];
        if (!isfinite(ev) || ev < 0)
            return mg_fail(MG_ERR_ARG, "mixture: eigenvalue %lld of component %lld is %g (must be finite, >= 0)",
                           (long long)(i % d), (long long)(i / d), ev);
        if (i % d && ev > m->eigvals[i - 1])
            return mg_fail(MG_ERR_ARG, "mixture: eigenvalues of component %lld are not in descending order at %lld",
                           (long long)(i / d), (long long)(i % d));
    }
    double *G = mg_alloc((size_t)d * (size_t)d, sizeof(double)); /* d x d Gram matrix B^T B */
    if (!G) return mg_fail(MG_ERR_NOMEM, "mixture: cannot allocate a %lld x %lld check matrix", (long long)d,
                           (long long)d);
    mg_status st = MG_OK;
    for (int k = 0; k < K && st == MG_OK; k++) {
        const double *B = m->bases + (size_t)k * (size_t)d * (size_t)d;
        for (int64_t i = 0; i < d * d; i++)
            if (!isfinite(B[i])) {
                st = mg_fail(MG_ERR_NUMERIC, "mixture: basis %d has a non-finite entry", k);
                break;
            }
        if (st != MG_OK) break;
        /* Lower triangle of G = B^T B. */
        mg_dsyrk_det(1, d, d, 1.0, B, d, 0.0, G, d);
        double worst = 0;
        for (int64_t i = 0; i < d; i++)
            for (int64_t j = 0; j <= i; j++) {
                double e = fabs(G[i * d + j] - (i == j ? 1.0 : 0.0));
                if (!(e <= worst)) worst = e;
            }
        if (!(worst <= 1e-6))
            st = mg_fail(MG_ERR_ARG, "mixture: basis %d is not orthonormal (max |B^T B - I| = %.3g)", k, worst);
    }
    free(G);
    return st;
}

/* Saves the mixture with extra metadata pairs (keys[i] -> values[i]). */
mg_status mg_mog_save_with_meta(const mg_mog *m, const char *path, int nmeta, const char *const *keys,
                                const char *const *values) {
    MG_TRY(mg_mog_validate(m));
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    int64_t K = m->K, d = m->d;
    struct {
        const char *name;
        const double *data;
        int ndim;
        int64_t shape[3];
    } t[4] = {
        {"weights", m->weights, 1, {K, 0, 0}},
        {"means", m->means, 2, {K, d, 0}},
        {"cov_eigvals", m->eigvals, 2, {K, d, 0}},
        {"cov_bases", m->bases, 3, {K, d, d}},
    };
    mg_status s = MG_OK;
    for (int i = 0; i < 4 && s == MG_OK; i++) {
        mg_array a = {0};
        a.dtype = MG_F64;
        a.ndim = t[i].ndim;
        for (int j = 0; j < t[i].ndim; j++) a.shape[j] = t[i].shape[j];
        a.data = (void *)t[i].data; /* borrowed: mg_st_add copies */
        s = mg_st_add(st, t[i].name, &a);
    }
    if (s == MG_OK) s = mg_st_set_meta(st, "memgen.kind", "mog");
    if (s == MG_OK) s = mg_st_set_meta_int(st, "K", K);
    if (s == MG_OK) s = mg_st_set_meta_int(st, "d", d);
    for (int i = 0; i < nmeta && s == MG_OK; i++) s = mg_st_set_meta(st, keys[i], values[i]);
    if (s == MG_OK) s = mg_st_write(st, path);
    mg_st_free(st);
    if (s != MG_OK) return mg_fail_context(s, "saving mixture parameters to %s", path);
    return MG_OK;
}

/* Saves the mixture parameter file (see mog.h) atomically. */
mg_status mg_mog_save(const mg_mog *m, const char *path) { return mg_mog_save_with_meta(m, path, 0, NULL, NULL); }

/* Copies tensor `name` (any float dtype) of the expected shape into dst (double). */
static mg_status get_f64(const mg_st *st, const char *path, const char *name, int ndim, const int64_t *shape,
                         double *dst) {
    const mg_array *a = mg_st_get(st, name);
    if (!a) return mg_fail(MG_ERR_NOT_FOUND, "%s: mixture file has no tensor '%s'", path, name);
    int ok = a->ndim == ndim && (a->dtype == MG_F64 || a->dtype == MG_F32);
    for (int i = 0; ok && i < ndim; i++) ok = a->shape[i] == shape[i];
    if (!ok) {
        char got[96], want[96];
        mg_shape_str(a->ndim, a->shape, got, sizeof got);
        mg_shape_str(ndim, shape, want, sizeof want);
        return mg_fail(MG_ERR_SHAPE, "%s: tensor '%s' is %s %s, expected float64 %s", path, name,
                       mg_dtype_name(a->dtype), got, want);
    }
    mg_array f;
    MG_TRY(mg_array_to_f64(a, &f));
    memcpy(dst, f.data, mg_array_nbytes(&f));
    mg_array_free(&f);
    return MG_OK;
}

/* Loads and validates a mixture parameter file (caller frees with mg_mog_free). */
mg_status mg_mog_load(const char *path, mg_mog *out) {
    memset(out, 0, sizeof *out);
    mg_st *st = NULL;
    MG_TRY(mg_st_read(path, &st));
    mg_status s = MG_OK;
    const char *kind = mg_st_meta(st, "memgen.kind");
    if (kind && strcmp(kind, "mog") != 0)
        s = mg_fail(MG_ERR_FORMAT, "%s: a '%s' file, not mixture parameters (memgen.kind = mog)", path, kind);
    const mg_array *w = s == MG_OK ? mg_st_get(st, "weights") : NULL;
    const mg_array *mu = s == MG_OK ? mg_st_get(st, "means") : NULL;
    if (s == MG_OK && (!w || !mu))
        s = mg_fail(MG_ERR_NOT_FOUND, "%s: not a mixture parameter file (needs tensors weights, means, cov_eigvals, "
                                      "cov_bases)", path);
    if (s == MG_OK && (w->ndim != 1 || mu->ndim != 2 || mu->shape[0] != w->shape[0]))
        s = mg_fail(MG_ERR_SHAPE, "%s: 'weights' must be (K,) and 'means' (K, d)", path);
    if (s == MG_OK && (w->shape[0] < 1 || w->shape[0] > MG_MOG_MAX_K || mu->shape[1] < 1 || mu->shape[1] > MG_MOG_MAX_D))
        s = mg_fail(MG_ERR_FORMAT, "%s: K = %lld or d = %lld out of range", path, (long long)w->shape[0],
                    (long long)mu->shape[1]);
    if (s == MG_OK) {
        int K = (int)w->shape[0];
        int64_t d = mu->shape[1];
        int64_t mk, md;
        if (mg_st_meta_int(st, "K", &mk) == MG_OK && mk != K)
            s = mg_fail(MG_ERR_FORMAT, "%s: metadata K = %lld but the tensors hold %d components", path, (long long)mk, K);
        else if (mg_st_meta_int(st, "d", &md) == MG_OK && md != d)
            s = mg_fail(MG_ERR_FORMAT, "%s: metadata d = %lld but the tensors have dimension %lld", path, (long long)md,
                        (long long)d);
        if (s == MG_OK) s = mg_mog_alloc(out, K, d);
        int64_t s1[1] = {K}, s2[2] = {K, d}, s3[3] = {K, d, d};
        if (s == MG_OK) s = get_f64(st, path, "weights", 1, s1, out->weights);
        if (s == MG_OK) s = get_f64(st, path, "means", 2, s2, out->means);
        if (s == MG_OK) s = get_f64(st, path, "cov_eigvals", 2, s2, out->eigvals);
        if (s == MG_OK) s = get_f64(st, path, "cov_bases", 3, s3, out->bases);
        if (s == MG_OK) {
            s = mg_mog_validate(out);
            if (s != MG_OK) s = mg_fail_context(s, "%s", path);
        }
    }
    mg_st_free(st);
    if (s != MG_OK) mg_mog_free(out);
    return s;
}

/* Log-density of the sigma-smoothed mixture (see mog.h): per block of rows
 * and component, Z = (Y - mu_k) B_k gives the coordinates in the eigenbasis,
 * so (y - mu)^T C^-1 (y - mu) = sum_j z_j^2 / (ev_j + sigma^2) and
 * log det C = sum_j log(ev_j + sigma^2). */
mg_status mg_mog_logpdf(const mg_mog *m, mg_mat Y, double sigma, double *logp, double *maha2) {
    if (!m || m->K < 1 || m->d < 1 || !m->weights || !m->means || !m->eigvals || !m->bases)
        return mg_fail(MG_ERR_ARG, "mixture log-density: empty mixture");
    if (Y.cols != m->d || Y.rows < 0 || (Y.rows > 0 && (!Y.data || Y.ld < Y.cols)) || !logp)
        return mg_fail(MG_ERR_SHAPE, "mixture log-density: %lld x %lld queries for a mixture in d = %lld",
                       (long long)Y.rows, (long long)Y.cols, (long long)m->d);
    if (!(sigma >= 0) || !isfinite(sigma)) return mg_fail(MG_ERR_ARG, "mixture log-density: sigma = %g", sigma);
    int64_t d = m->d, n = Y.rows, K = m->K, bm = n < 256 ? n : 256;
    double s2 = sigma * sigma;
    for (int64_t i = 0; i < K * d; i++)
        if (!(m->eigvals[i] + s2 > 0))
            return mg_fail(MG_ERR_ARG, "mixture log-density: component %lld has a zero covariance eigenvalue and "
                           "sigma = 0 (singular density); use sigma > 0", (long long)(i / d));
    if (n == 0) return MG_OK;
    double *Yc = mg_alloc((size_t)bm * (size_t)d, sizeof(double)); /* bm x d: y - mu_k */
    double *Z = mg_alloc((size_t)bm * (size_t)d, sizeof(double));  /* bm x d: (y - mu_k) B_k */
    double *lw = mg_alloc((size_t)bm * (size_t)K, sizeof(double)); /* bm x K: log rho_k N(y; mu_k, C_k) */
    double *inv = mg_alloc((size_t)d, sizeof(double));             /* d: 1 / (ev_j + s2) */
    if (!Yc || !Z || !lw || !inv) {
        free(Yc), free(Z), free(lw), free(inv);
        return mg_fail(MG_ERR_NOMEM, "mixture log-density: out of memory (d = %lld)", (long long)d);
    }
    const double log2pi = log(2.0 * 3.14159265358979323846);
    for (int64_t r0 = 0; r0 < n; r0 += bm) {
        int64_t rn = n - r0 < bm ? n - r0 : bm;
        for (int64_t k = 0; k < K; k++) {
            const double *ev = m->eigvals + k * d;
            double logdet = 0;
            for (int64_t j = 0; j < d; j++) {
                inv[j] = 1.0 / (ev[j] + s2);
                logdet += log(ev[j] + s2);
            }
            mg_mog_component_coords(m, (int)k, Y, r0, rn, Yc, Z);
            for (int64_t i = 0; i < rn; i++) {
                double q = 0;
                for (int64_t j = 0; j < d; j++) q += Z[i * d + j] * Z[i * d + j] * inv[j];
                if (maha2) maha2[(r0 + i) * K + k] = q;
                lw[i * K + k] = log(m->weights[k]) - 0.5 * (q + logdet + (double)d * log2pi);
            }
        }
        for (int64_t i = 0; i < rn; i++) {
            double mx = lw[i * K], s = 0;
            for (int64_t k = 1; k < K; k++)
                if (lw[i * K + k] > mx) mx = lw[i * K + k];
            for (int64_t k = 0; k < K; k++) s += exp(lw[i * K + k] - mx);
            logp[r0 + i] = mx + log(s);
        }
    }
    free(Yc), free(Z), free(lw), free(inv);
    return MG_OK;
}

/* Z = (Y rows r0 .. r0+rn-1 - mu_k) B_k in double (Yc: rn x d scratch). */
void mg_mog_component_coords(const mg_mog *m, int k, mg_mat Y, int64_t r0, int64_t rn, double *Yc, double *Z) {
    const int64_t d = m->d;
    const double *mu = m->means + (int64_t)k * d, *B = m->bases + (int64_t)k * d * d;
    for (int64_t i = 0; i < rn; i++) {
        const float *y = Y.data + (r0 + i) * Y.ld;
        for (int64_t j = 0; j < d; j++) Yc[i * d + j] = (double)y[j] - mu[j];
    }
    mg_dgemm_det(0, 0, rn, d, d, 1.0, Yc, d, B, d, 0.0, Z, d);
}
