/*
 * Denoiser backends. This file holds the interface glue and the DAE-set
 * backends: a DAE set (nearest level or interpolation in log sigma), the
 * authors' time-conditioned model (tcdae.h), and adapters over the theory
 * module's f_emp (Eq. 3) and f_gt (Eq. 4).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/denoiser.h"
#include "memgen/theory.h"

/* Releases a denoiser's state. */
void mg_denoiser_free(mg_denoiser *den) {
    if (!den) return;
    if (den->free_ctx && den->ctx) den->free_ctx(den->ctx);
    memset(den, 0, sizeof *den);
}

/* Shape-checked call of the backend. */
mg_status mg_denoise(const mg_denoiser *den, double sigma, mg_mat X, mg_mat Y) {
    if (!den || !den->fn) return mg_fail(MG_ERR_ARG, "denoiser not initialised");
    if (!(sigma > 0) || !isfinite(sigma)) return mg_fail(MG_ERR_ARG, "denoiser: sigma must be > 0 (got %g)", sigma);
    if (X.cols != den->d || Y.cols != den->d || X.rows != Y.rows)
        return mg_fail(MG_ERR_SHAPE, "denoiser %s: expects n x %lld input and output, got %lld x %lld -> %lld x %lld",
                       den->name, (long long)den->d, (long long)X.rows, (long long)X.cols, (long long)Y.rows,
                       (long long)Y.cols);
    if (X.rows == 0) return MG_OK;
    return den->fn(den->ctx, sigma, X, Y);
}

/* State of the DAE-set backend: workspaces grow to the largest batch seen. */
typedef struct {
    const mg_daeset *set;
    mg_level_mode mode;
    int64_t cap;   /* rows the workspaces hold */
    float *H;      /* cap x pmax */
    float *Y2;     /* cap x d, second level's output when interpolating */
    int64_t pmax;
} daeset_ctx;

/* Frees the DAE-set backend state. */
static void daeset_free(void *p) {
    daeset_ctx *c = p;
    free(c->H);
    free(c->Y2);
    free(c);
}

/* Makes the workspaces hold n rows. */
static mg_status daeset_reserve(daeset_ctx *c, int64_t n, int64_t d) {
    if (n <= c->cap) return MG_OK;
    free(c->H);
    free(c->Y2);
    c->H = mg_alloc((size_t)n * (size_t)c->pmax, sizeof(float));
    c->Y2 = mg_alloc((size_t)n * (size_t)d, sizeof(float));
    c->cap = c->H && c->Y2 ? n : 0;
    if (!c->cap) return mg_fail(MG_ERR_NOMEM, "DAE-set denoiser: cannot allocate workspaces for %lld rows", (long long)n);
    return MG_OK;
}

/* Runs level k on X into Y. */
static mg_status run_level(daeset_ctx *c, int k, mg_mat X, mg_mat Y) {
    const mg_dae *m = c->set->levels[k];
    mg_mat H = {X.rows, mg_dae_hidden(m), mg_dae_hidden(m), c->H};
    return mg_dae_forward(m, X, H, Y);
}

/* The level(s) and blend weight the DAE-set backend uses at sigma. */
void mg_daeset_blend(const mg_daeset *s, mg_level_mode mode, double sigma, int *k0, int *k1, double *w) {
    *w = 0.0;
    if (mode == MG_LEVEL_NEAREST || s->count == 1 || sigma <= s->sigmas[0] || sigma >= s->sigmas[s->count - 1]) {
        *k0 = *k1 = mg_daeset_nearest(s, sigma);
        return;
    }
    int k = 0;
    while (k + 1 < s->count && s->sigmas[k + 1] < sigma) k++;
    /* sigmas[k] < sigma <= sigmas[k+1] */
    double t = (log(sigma) - log(s->sigmas[k])) / (log(s->sigmas[k + 1]) - log(s->sigmas[k]));
    if (t >= 1.0) {
        *k0 = *k1 = k + 1;
        return;
    }
    *k0 = k;
    *k1 = k + 1;
    *w = t;
}

/* f_sigma from the nearest level, or interpolated in log sigma. */
static mg_status daeset_fn(void *p, double sigma, mg_mat X, mg_mat Y) {
    daeset_ctx *c = p;
    MG_TRY(daeset_reserve(c, X.rows, X.cols));
    int k0, k1;
    double w;
    mg_daeset_blend(c->set, c->mode, sigma, &k0, &k1, &w);
    if (k0 == k1) return run_level(c, k0, X, Y);
    MG_TRY(run_level(c, k0, X, Y));
    mg_mat Y2 = {X.rows, X.cols, X.cols, c->Y2};
    MG_TRY(run_level(c, k1, X, Y2));
    float a = (float)(1.0 - w), b = (float)w;
    for (int64_t i = 0; i < X.rows; i++) {
        float *y = Y.data + i * Y.ld;
        const float *y2 = Y2.data + i * Y2.ld;
        for (int64_t j = 0; j < X.cols; j++) y[j] = a * y[j] + b * y2[j];
    }
    return MG_OK;
}

/* A denoiser over a DAE set. */
mg_status mg_denoiser_daeset(const mg_daeset *set, mg_level_mode mode, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    MG_TRY(mg_daeset_validate(set));
    daeset_ctx *c = calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "out of memory");
    c->set = set;
    c->mode = mode;
    for (int k = 0; k < set->count; k++)
        if (mg_dae_hidden(set->levels[k]) > c->pmax) c->pmax = mg_dae_hidden(set->levels[k]);
    if (c->pmax < 1) c->pmax = 1;
    out->d = mg_dae_dim(set->levels[0]);
    out->ctx = c;
    out->fn = daeset_fn;
    out->free_ctx = daeset_free;
    strcpy(out->name, "dae_set");
    return MG_OK;
}

/* Time-conditioned backend: the model is borrowed. */
static mg_status tcdae_fn(void *ctx, double sigma, mg_mat X, mg_mat Y) { return mg_tcdae_forward(ctx, X, sigma, Y); }

/* Denoiser over the time-conditioned model. */
mg_status mg_denoiser_tcdae(const mg_tcdae *m, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    if (!m) return mg_fail(MG_ERR_ARG, "time-conditioned denoiser: no model");
    out->d = mg_tcdae_dim(m);
    out->ctx = (void *)m;
    out->fn = tcdae_fn;
    out->free_ctx = NULL;
    strcpy(out->name, "tc_dae");
    return MG_OK;
}

/* f_emp backend: the theory module's context. */
static mg_status emp_fn(void *ctx, double sigma, mg_mat X, mg_mat Y) { return mg_femp_apply(ctx, X, sigma, Y); }

/* Frees the f_emp context. */
static void emp_free(void *ctx) { mg_femp_free(ctx); }

/* Denoiser over the empirical distribution of X. */
mg_status mg_denoiser_emp(mg_mat X, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    mg_femp *f = NULL;
    MG_TRY(mg_femp_create(X, &f));
    out->d = X.cols;
    out->ctx = f;
    out->fn = emp_fn;
    out->free_ctx = emp_free;
    strcpy(out->name, "f_emp");
    return MG_OK;
}

/* f_gt backend: the mixture is borrowed. */
static mg_status mog_fn(void *ctx, double sigma, mg_mat X, mg_mat Y) { return mg_fgt(ctx, X, sigma, Y, NULL); }

/* Denoiser of a Gaussian mixture. */
mg_status mg_denoiser_mog(const mg_mog *mog, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    MG_TRY(mg_mog_validate(mog));
    out->d = mog->d;
    out->ctx = (void *)mog;
    out->fn = mog_fn;
    out->free_ctx = NULL;
    strcpy(out->name, "f_gt");
    return MG_OK;
}
