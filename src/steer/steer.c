/*
 * Representation steering (paper Eq. 11): steering vectors v_k = mean
 * representation of target-concept samples at every level of a DAE set, and
 * the steered denoiser that adds a W2_k v_k to level k's output at the final
 * sampling steps. See steer.h for the reasoning (the decoder is linear, so
 * W2 (h + a v) + b2 = f(x) + a W2 v exactly).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/steer.h"

/* Rows of target samples encoded per batch. */
#define STEER_CHUNK 512

/* Frees the steering vectors. */
void mg_steer_vectors_free(mg_steer_vectors *v) {
    if (!v) return;
    free(v->p);
    free(v->active);
    free(v->sigma);
    free(v->V);
    free(v->U);
    memset(v, 0, sizeof *v);
}

/* Checks the inputs and allocates *out with every level's width, the active
 * flags and the noise level of each active level. */
static mg_status vectors_prepare(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                 mg_steer_vectors *out) {
    static const mg_steer_vec_params def = MG_STEER_VEC_PARAMS_DEFAULT;
    memset(out, 0, sizeof *out);
    if (!prm) prm = &def;
    MG_TRY(mg_daeset_validate(set));
    int64_t d = mg_dae_dim(set->levels[0]);
    if (Xt.cols != d)
        return mg_fail(MG_ERR_SHAPE, "steering: the target samples have %lld columns but the model works in dimension "
                       "%lld", (long long)Xt.cols, (long long)d);
    if (Xt.rows < 1) return mg_fail(MG_ERR_ARG, "steering: no target samples to average");
    MG_TRY(mg_mat_check(Xt, "steering targets"));
    if (!isnan(prm->sigma) && !(prm->sigma >= 0 && isfinite(prm->sigma)))
        return mg_fail(MG_ERR_ARG, "steering: the noise level of the target representations must be >= 0 (got %g)",
                       prm->sigma);
    if (prm->level < -1 || prm->level >= set->count)
        return mg_fail(MG_ERR_ARG, "steering: level %d does not exist (the set has levels 0..%d)", prm->level,
                       set->count - 1);
    int K = set->count;
    out->count = K;
    out->d = d;
    out->n_target = Xt.rows;
    out->p = calloc((size_t)K, sizeof(int64_t));
    out->active = calloc((size_t)K, sizeof(int));
    out->sigma = calloc((size_t)K, sizeof(double));
    if (!out->p || !out->active || !out->sigma) {
        mg_steer_vectors_free(out);
        return mg_fail(MG_ERR_NOMEM, "steering: out of memory");
    }
    for (int k = 0; k < K; k++) {
        out->p[k] = mg_dae_hidden(set->levels[k]);
        if (out->p[k] > out->pmax) out->pmax = out->p[k];
        out->active[k] = prm->level < 0 || prm->level == k;
        out->sigma[k] = !out->active[k] ? NAN : isnan(prm->sigma) ? set->sigmas[k] : prm->sigma;
    }
    out->V = mg_calloc((size_t)K * (size_t)out->pmax, sizeof(float));
    out->U = mg_calloc((size_t)K * (size_t)d, sizeof(float));
    if (!out->V || !out->U) {
        mg_steer_vectors_free(out);
        return mg_fail(MG_ERR_NOMEM, "steering: cannot allocate %d x %lld steering vectors", K, (long long)out->pmax);
    }
    return MG_OK;
}

/* Draws eps (rows x d) for target rows i0 .. i0+rows-1: row i from fork(rng, i). */
static void draw_eps(const mg_rng *rng, int64_t i0, int64_t rows, int64_t d, float *eps) {
    for (int64_t i = 0; i < rows; i++) {
        mg_rng r = mg_rng_fork(rng, (uint64_t)(i0 + i));
        mg_rng_normal(&r, eps + i * d, (size_t)d);
    }
}

/* u_k = W2_k v_k (d), accumulated in double, for every active level. */
static void decode_vectors(const mg_daeset *set, mg_steer_vectors *v) {
    for (int k = 0; k < v->count; k++) {
        if (!v->active[k]) continue;
        const float *W2 = mg_dae_w2_const(set->levels[k]); /* d x p */
        const float *vk = v->V + (size_t)k * (size_t)v->pmax;
        int64_t p = v->p[k];
        for (int64_t i = 0; i < v->d; i++) {
            double s = 0;
            for (int64_t j = 0; j < p; j++) s += (double)W2[i * p + j] * vk[j];
            v->U[(size_t)k * (size_t)v->d + (size_t)i] = (float)s;
        }
    }
}

/* Eq. 11's v for every level: batched encodes (sgemm inside mg_dae_encode),
 * column sums in double. */
mg_status mg_steer_vectors_compute(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                   const mg_rng *rng, mg_steer_vectors *out) {
    MG_TRY(vectors_prepare(set, Xt, prm, out));
    int64_t d = out->d, m = Xt.rows, pmax = out->pmax, K = out->count;
    int64_t chunk = m < STEER_CHUNK ? m : STEER_CHUNK;
    float *eps = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));   /* chunk x d */
    float *Xn = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));    /* chunk x d */
    float *H = mg_alloc((size_t)chunk * (size_t)pmax, sizeof(float));  /* chunk x pmax */
    double *acc = mg_calloc((size_t)K * (size_t)pmax, sizeof(double)); /* K x pmax */
    mg_status st = MG_OK;
    if (!eps || !Xn || !H || !acc) st = mg_fail(MG_ERR_NOMEM, "steering: out of memory for %lld target rows",
                                                (long long)chunk);
    for (int64_t i0 = 0; i0 < m && st == MG_OK; i0 += chunk) {
        int64_t rows = m - i0 < chunk ? m - i0 : chunk;
        draw_eps(rng, i0, rows, d, eps);
        for (int k = 0; k < K && st == MG_OK; k++) {
            if (!out->active[k]) continue;
            float s = (float)out->sigma[k];
            for (int64_t i = 0; i < rows; i++) {
                const float *x = Xt.data + (i0 + i) * Xt.ld;
                for (int64_t j = 0; j < d; j++) Xn[i * d + j] = x[j] + s * eps[i * d + j];
            }
            int64_t p = out->p[k];
            mg_mat Xm = {rows, d, d, Xn}, Hm = {rows, p, p, H};
            st = mg_dae_encode(set->levels[k], Xm, Hm);
            for (int64_t i = 0; i < rows && st == MG_OK; i++)
                for (int64_t j = 0; j < p; j++) acc[k * pmax + j] += H[i * p + j];
        }
    }
    if (st == MG_OK) {
        for (int64_t t = 0; t < K * pmax; t++) out->V[t] = (float)(acc[t] / (double)m);
        decode_vectors(set, out);
    } else {
        mg_steer_vectors_free(out);
    }
    free(eps);
    free(Xn);
    free(H);
    free(acc);
    return st;
}

/* The test oracle: one target row at a time, pre-activations by a plain
 * double loop over W1 (d x p). */
mg_status mg_steer_vectors_naive(const mg_daeset *set, mg_mat Xt, const mg_steer_vec_params *prm,
                                 const mg_rng *rng, mg_steer_vectors *out) {
    MG_TRY(vectors_prepare(set, Xt, prm, out));
    int64_t d = out->d, m = Xt.rows, pmax = out->pmax;
    float *eps = mg_alloc((size_t)d, sizeof(float));
    float *xn = mg_alloc((size_t)d, sizeof(float));
    double *acc = mg_calloc((size_t)pmax, sizeof(double));
    if (!eps || !xn || !acc) {
        free(eps);
        free(xn);
        free(acc);
        mg_steer_vectors_free(out);
        return mg_fail(MG_ERR_NOMEM, "steering: out of memory");
    }
    for (int k = 0; k < out->count; k++) {
        if (!out->active[k]) continue;
        const float *W1 = mg_dae_w1_const(set->levels[k]), *b1 = mg_dae_b1_const(set->levels[k]);
        int64_t p = out->p[k];
        memset(acc, 0, (size_t)pmax * sizeof(double));
        for (int64_t i = 0; i < m; i++) {
            draw_eps(rng, i, 1, d, eps);
            for (int64_t j = 0; j < d; j++) xn[j] = Xt.data[i * Xt.ld + j] + (float)out->sigma[k] * eps[j];
            for (int64_t u = 0; u < p; u++) {
                double z = b1 ? b1[u] : 0.0;
                for (int64_t j = 0; j < d; j++) z += (double)W1[j * p + u] * xn[j];
                acc[u] += z > 0 ? z : 0;
            }
        }
        for (int64_t u = 0; u < p; u++) out->V[k * pmax + u] = (float)(acc[u] / (double)m);
    }
    decode_vectors(set, out);
    free(eps);
    free(xn);
    free(acc);
    return MG_OK;
}

/* ---- the steered denoiser -------------------------------------------------- */

/* State: the plain DAE-set backend plus the offsets. */
typedef struct {
    mg_denoiser base;              /* the DAE-set backend (owned) */
    const mg_daeset *set;          /* borrowed */
    const mg_steer_vectors *vecs;  /* borrowed */
    mg_level_mode mode;
    mg_steer_params prm;
    float *off;                    /* d: the offset of the current call */
} steer_ctx;

/* Frees the steered backend's state. */
static void steer_free(void *p) {
    steer_ctx *c = p;
    mg_denoiser_free(&c->base);
    free(c->off);
    free(c);
}

/* f_sigma(X) + alpha ((1-w) u_k0 + w u_k1) inside the window (Eq. 11 with
 * the linear decoder), the plain output otherwise. */
static mg_status steer_fn(void *p, double sigma, mg_mat X, mg_mat Y) {
    steer_ctx *c = p;
    MG_TRY(c->base.fn(c->base.ctx, sigma, X, Y));
    double alpha = c->prm.alpha, tol = 1 + 1e-12;
    if (alpha == 0 || !(sigma <= c->prm.sigma_hi * tol) || !(sigma > c->prm.sigma_lo * tol)) return MG_OK;
    int k0, k1;
    double w;
    mg_daeset_blend(c->set, c->mode, sigma, &k0, &k1, &w);
    const mg_steer_vectors *v = c->vecs;
    double w0 = v->active[k0] ? 1.0 - w : 0.0, w1 = v->active[k1] ? w : 0.0;
    if (k0 == k1) w1 = 0;
    if (w0 == 0 && w1 == 0) return MG_OK;
    const float *u0 = v->U + (size_t)k0 * (size_t)v->d, *u1 = v->U + (size_t)k1 * (size_t)v->d;
    for (int64_t j = 0; j < X.cols; j++) c->off[j] = (float)(alpha * (w0 * u0[j] + w1 * u1[j]));
    for (int64_t i = 0; i < X.rows; i++) {
        float *y = Y.data + i * Y.ld;
        for (int64_t j = 0; j < X.cols; j++) y[j] += c->off[j];
    }
    return MG_OK;
}

/* A DAE-set denoiser with Eq. 11's representation offset. */
mg_status mg_denoiser_steered(const mg_daeset *set, mg_level_mode mode, const mg_steer_vectors *vecs,
                              const mg_steer_params *prm, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    if (!prm) return mg_fail(MG_ERR_ARG, "steered denoiser: no parameters (alpha and the sigma window)");
    if (!vecs || !vecs->U || !vecs->active)
        return mg_fail(MG_ERR_ARG, "steered denoiser: no steering vectors (run mg_steer_vectors_compute first)");
    if (!isfinite(prm->alpha))
        return mg_fail(MG_ERR_ARG, "steered denoiser: the strength must be finite (got %g)", prm->alpha);
    if (!(prm->sigma_hi >= 0) || !(prm->sigma_lo >= 0) || !isfinite(prm->sigma_hi) || !isfinite(prm->sigma_lo))
        return mg_fail(MG_ERR_ARG, "steered denoiser: the window (%g, %g] must have finite bounds >= 0",
                       prm->sigma_lo, prm->sigma_hi);
    MG_TRY(mg_daeset_validate(set));
    if (vecs->count != set->count || vecs->d != mg_dae_dim(set->levels[0]))
        return mg_fail(MG_ERR_SHAPE, "steered denoiser: the steering vectors are for %d levels in dimension %lld, the "
                       "set has %d levels in dimension %lld; compute them from this set", vecs->count,
                       (long long)vecs->d, set->count, (long long)mg_dae_dim(set->levels[0]));
    for (int k = 0; k < set->count; k++)
        if (vecs->p[k] != mg_dae_hidden(set->levels[k]))
            return mg_fail(MG_ERR_SHAPE, "steered denoiser: level %d has width %lld but its steering vector %lld", k,
                           (long long)mg_dae_hidden(set->levels[k]), (long long)vecs->p[k]);
    steer_ctx *c = calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "out of memory");
    c->off = mg_alloc((size_t)vecs->d, sizeof(float));
    mg_status st = c->off ? mg_denoiser_daeset(set, mode, &c->base) : mg_fail(MG_ERR_NOMEM, "out of memory");
    if (st != MG_OK) {
        free(c->off);
        free(c);
        return st;
    }
    c->set = set;
    c->vecs = vecs;
    c->mode = mode;
    c->prm = *prm;
    out->d = vecs->d;
    out->ctx = c;
    out->fn = steer_fn;
    out->free_ctx = steer_free;
    strcpy(out->name, "dae_set_steered");
    return MG_OK;
}

/* Sets the steering strength of a steered denoiser. */
mg_status mg_denoiser_steered_set_alpha(mg_denoiser *den, double alpha) {
    if (!den || den->fn != steer_fn || !den->ctx)
        return mg_fail(MG_ERR_ARG, "set_alpha: the denoiser was not made by mg_denoiser_steered");
    if (!isfinite(alpha)) return mg_fail(MG_ERR_ARG, "steered denoiser: the strength must be finite (got %g)", alpha);
    ((steer_ctx *)den->ctx)->prm.alpha = alpha;
    return MG_OK;
}

/* The sigma window of the last final_steps steps but the last skip_last. */
void mg_steer_window(const double *sigmas, int K, int final_steps, int skip_last, double *sigma_hi,
                     double *sigma_lo) {
    *sigma_hi = final_steps <= 0 || K <= 0 ? 0.0 : sigmas[(final_steps < K ? final_steps : K) - 1];
    *sigma_lo = skip_last <= 0 || K <= 0 ? 0.0 : sigmas[(skip_last < K ? skip_last : K) - 1];
}

/* MG_STEER_VEC_PARAMS_DEFAULT as a value. */
mg_steer_vec_params mg_steer_vec_params_default(void) {
    mg_steer_vec_params v = MG_STEER_VEC_PARAMS_DEFAULT;
    return v;
}

/* MG_STEER_PARAMS_DEFAULT as a value. */
mg_steer_params mg_steer_params_default(void) {
    mg_steer_params v = MG_STEER_PARAMS_DEFAULT;
    return v;
}
