/*
 * VE diffusion samplers (DDIM, Euler, Heun, ancestral) over any denoiser; see
 * sampler.h for the update rules and the paper's Eq. 1.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/sampler.h"
#include "memgen/train.h" /* the stop request */

/* Sampler names, indexed by mg_sampler_kind. */
static const char *const sampler_names[] = {"ddim", "ancestral", "euler", "heun"};
_Static_assert(sizeof sampler_names / sizeof *sampler_names == MG_SAMPLER_COUNT, "a name per sampler");

/* Parses a sampler name ("authors" names the ancestral sampler: it is theirs). */
mg_status mg_sampler_parse(const char *name, mg_sampler_kind *out) {
    if (name && !strcmp(name, "authors")) {
        *out = MG_SAMPLER_ANCESTRAL;
        return MG_OK;
    }
    for (int k = 0; k < MG_SAMPLER_COUNT; k++)
        if (name && !strcmp(name, sampler_names[k])) {
            *out = (mg_sampler_kind)k;
            return MG_OK;
        }
    return mg_fail(MG_ERR_ARG, "unknown sampler '%s' (use ddim, ancestral (= authors), euler or heun)", name ? name : "");
}

/* Name of a sampler. */
const char *mg_sampler_name(mg_sampler_kind k) {
    return (int)k >= 0 && (int)k < MG_SAMPLER_COUNT ? sampler_names[k] : "invalid";
}

/* Per-chunk buffers. */
typedef struct {
    float *F;    /* rows x d: denoiser output */
    float *E;    /* rows x d: Heun's Euler proposal */
    float *F2;   /* rows x d: denoiser output at the proposal */
    float *Z;    /* d: one row of noise */
    mg_rng *rngs; /* rows: per-sample generators */
} chunk_buf;

/* One sampler step from level s to s2 (< s, possibly 0) for rows X. */
static mg_status step(const mg_denoiser *den, mg_sampler_kind kind, double s, double s2, mg_mat X, chunk_buf *b) {
    int64_t n = X.rows, d = X.cols;
    mg_mat F = {n, d, d, b->F};
    MG_TRY(mg_denoise(den, s, X, F));
    if (kind == MG_SAMPLER_DDIM) {
        float r = (float)(s2 / s);
        for (int64_t i = 0; i < n; i++) {
            float *x = X.data + i * X.ld;
            const float *f = F.data + i * d;
            for (int64_t j = 0; j < d; j++) x[j] = f[j] + r * (x[j] - f[j]);
        }
    } else if (kind == MG_SAMPLER_EULER || (kind == MG_SAMPLER_HEUN && s2 <= 0)) {
        float h = (float)((s2 - s) / s);
        for (int64_t i = 0; i < n; i++) {
            float *x = X.data + i * X.ld;
            const float *f = F.data + i * d;
            for (int64_t j = 0; j < d; j++) x[j] += h * (x[j] - f[j]);
        }
    } else if (kind == MG_SAMPLER_HEUN) {
        /* Euler proposal E, then the trapezoid of the slopes at s and s2 */
        float h = (float)(s2 - s);
        mg_mat E = {n, d, d, b->E}, F2 = {n, d, d, b->F2};
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < d; j++) {
                float x = X.data[i * X.ld + j];
                b->E[i * d + j] = x + h * (x - b->F[i * d + j]) / (float)s;
            }
        MG_TRY(mg_denoise(den, s2, E, F2));
        for (int64_t i = 0; i < n; i++) {
            float *x = X.data + i * X.ld;
            for (int64_t j = 0; j < d; j++) {
                float d1 = (x[j] - b->F[i * d + j]) / (float)s;
                float d2 = (b->E[i * d + j] - b->F2[i * d + j]) / (float)s2;
                x[j] += 0.5f * h * (d1 + d2);
            }
        }
    } else { /* ancestral */
        if (s2 <= 0) {
            for (int64_t i = 0; i < n; i++) memcpy(X.data + i * X.ld, F.data + i * d, (size_t)d * sizeof(float));
            return MG_OK;
        }
        double var = s * s - s2 * s2;
        float a = (float)(var / (s * s)), sd = (float)sqrt(var);
        for (int64_t i = 0; i < n; i++) {
            float *x = X.data + i * X.ld;
            const float *f = F.data + i * d;
            mg_rng_normal(&b->rngs[i], b->Z, (size_t)d);
            for (int64_t j = 0; j < d; j++) x[j] += a * (f[j] - x[j]) + sd * b->Z[j];
        }
    }
    return MG_OK;
}

/* Clamps rows X to [lo, hi] elementwise. */
static void clamp_rows(mg_mat X, float lo, float hi) {
    for (int64_t i = 0; i < X.rows; i++) {
        float *x = X.data + i * X.ld;
        for (int64_t j = 0; j < X.cols; j++) x[j] = x[j] < lo ? lo : x[j] > hi ? hi : x[j];
    }
}

/* Draws the samples chunk by chunk. */
mg_status mg_sample(const mg_denoiser *den, const mg_sample_params *p, const mg_rng *rng, mg_mat X) {
    if (!p->sigmas || p->nsigmas < 1) return mg_fail(MG_ERR_ARG, "sampler: empty noise grid");
    for (int k = 0; k < p->nsigmas; k++)
        if (!(p->sigmas[k] > 0) || !isfinite(p->sigmas[k]) || (k && !(p->sigmas[k] > p->sigmas[k - 1])))
            return mg_fail(MG_ERR_ARG, "sampler: the noise grid must be positive and strictly ascending");
    if ((int)p->kind < 0 || (int)p->kind >= MG_SAMPLER_COUNT) return mg_fail(MG_ERR_ARG, "sampler: invalid kind");
    const int clamp = !isnan(p->clamp_lo) || !isnan(p->clamp_hi);
    if (clamp && !(isfinite(p->clamp_lo) && isfinite(p->clamp_hi) && p->clamp_lo < p->clamp_hi))
        return mg_fail(MG_ERR_ARG, "sampler: the clamp [%g, %g] needs finite lo < hi (NaN, NaN: no clamp)", p->clamp_lo,
                       p->clamp_hi);
    if (X.cols != den->d)
        return mg_fail(MG_ERR_SHAPE, "sampler: output has %lld columns but the denoiser works in dimension %lld",
                       (long long)X.cols, (long long)den->d);
    int64_t n = X.rows, d = X.cols, T = p->nsigmas;
    int64_t chunk = p->chunk > 0 ? p->chunk : 1024;
    if (chunk > n) chunk = n > 0 ? n : 1;
    chunk_buf b;
    b.F = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));
    b.E = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));
    b.F2 = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));
    b.Z = mg_alloc((size_t)d, sizeof(float));
    b.rngs = malloc((size_t)chunk * sizeof(mg_rng));
    mg_status st = MG_OK;
    if (!b.F || !b.E || !b.F2 || !b.Z || !b.rngs) st = mg_fail(MG_ERR_NOMEM, "sampler: out of memory");
    double smax = p->sigmas[T - 1];
    for (int64_t c0 = 0; c0 < n && st == MG_OK; c0 += chunk) {
        int64_t cn = n - c0 < chunk ? n - c0 : chunk;
        mg_mat Xc = {cn, d, X.ld, X.data + c0 * X.ld};
        for (int64_t i = 0; i < cn; i++) {
            b.rngs[i] = mg_rng_fork(rng, (uint64_t)(c0 + i));
            mg_rng_normal(&b.rngs[i], Xc.data + i * X.ld, (size_t)d);
            float *x = Xc.data + i * X.ld;
            for (int64_t j = 0; j < d; j++) x[j] *= (float)smax;
        }
        for (int64_t t = T - 1; t >= 0 && st == MG_OK; t--) {
            if (p->trajectory)
                for (int64_t i = 0; i < cn; i++)
                    memcpy(p->trajectory + ((T - 1 - t) * n + c0 + i) * d, Xc.data + i * X.ld, (size_t)d * sizeof(float));
            double s = p->sigmas[t], s2 = t > 0 ? p->sigmas[t - 1] : 0.0;
            st = step(den, p->kind, s, s2, Xc, &b);
            if (clamp) clamp_rows(Xc, (float)p->clamp_lo, (float)p->clamp_hi);
            if (p->progress) p->progress(p->progress_ctx, c0 * T + (cn * (T - t)), n * T);
            if (st == MG_OK && mg_train_stop_requested())
                st = mg_fail(MG_ERR_INTERRUPTED, "sampler: stopped on request after %lld of %lld rows",
                             (long long)c0, (long long)n);
        }
        if (p->trajectory && st == MG_OK)
            for (int64_t i = 0; i < cn; i++)
                memcpy(p->trajectory + (T * n + c0 + i) * d, Xc.data + i * X.ld, (size_t)d * sizeof(float));
        for (int64_t i = 0; i < cn && st == MG_OK; i++)
            for (int64_t j = 0; j < d; j++)
                if (!isfinite(Xc.data[i * X.ld + j])) {
                    st = mg_fail(MG_ERR_NUMERIC, "sampler: sample %lld became non-finite", (long long)(c0 + i));
                    break;
                }
    }
    free(b.F);
    free(b.E);
    free(b.F2);
    free(b.Z);
    free(b.rngs);
    return st;
}

/* MG_SAMPLE_PARAMS_DEFAULT as a value. */
mg_sample_params mg_sample_params_default(void) {
    mg_sample_params v = MG_SAMPLE_PARAMS_DEFAULT;
    return v;
}
