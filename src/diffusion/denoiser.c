/*
 * Denoiser backends. This file holds the interface glue and the DAE-set
 * backends: a DAE set (nearest level or interpolation in log sigma), the
 * authors' time-conditioned model (tcdae.h), and adapters over the theory
 * module's f_emp (Eq. 3; whole, or streamed from a file in chunks of rows
 * combined by log-sum-exp) and f_gt (Eq. 4).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/denoiser.h"
#include "memgen/npy.h"
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

/* State of the chunked f_emp backend: the open file, one chunk of training
 * rows, and per query the running combination over the chunks read so far. */
typedef struct {
    mg_npy_rows *src;
    int64_t n, d, chunk_rows, cap;
    float *buf;   /* chunk_rows x d: training rows of the current chunk */
    float *part;  /* cap x d: f_emp over the current chunk */
    double *acc;  /* cap x d: f_emp over the chunks so far */
    double *lz;   /* cap: the current chunk's log-normalisers */
    double *L;    /* cap: log-normaliser of the chunks so far */
} emp_chunked_ctx;

/* Frees the chunked f_emp state. */
static void emp_chunked_free(void *p) {
    emp_chunked_ctx *c = p;
    mg_npy_rows_close(c->src);
    free(c->buf), free(c->part), free(c->acc), free(c->lz), free(c->L);
    free(c);
}

/* Makes the per-query buffers hold m rows. */
static mg_status emp_chunked_reserve(emp_chunked_ctx *c, int64_t m) {
    if (m <= c->cap) return MG_OK;
    free(c->part), free(c->acc), free(c->lz), free(c->L);
    c->part = mg_alloc((size_t)m * (size_t)c->d, sizeof(float));
    c->acc = mg_alloc((size_t)m * (size_t)c->d, sizeof(double));
    c->lz = mg_alloc((size_t)m, sizeof(double));
    c->L = mg_alloc((size_t)m, sizeof(double));
    c->cap = c->part && c->acc && c->lz && c->L ? m : 0;
    return c->cap ? MG_OK : mg_fail(MG_ERR_NOMEM, "chunked f_emp: out of memory for %lld queries", (long long)m);
}

/* Folds one chunk's f_emp (part, log-normalisers lz) into the running result:
 * Eq. 3 over a union of disjoint sets is the Z-weighted mean of each set's
 * f_emp, Z = exp(logz); at sigma = 0 the chunk of the strictly nearer row wins
 * (the earlier chunk on ties: the lowest index, as whole-set f_emp). */
static void emp_chunked_fold(emp_chunked_ctx *c, int64_t m, int first, double sigma) {
    const int64_t d = c->d;
    for (int64_t i = 0; i < m; i++) {
        double *acc = c->acc + i * d;
        const float *part = c->part + i * d;
        double a = 0.0, b = 1.0;
        if (!first && sigma == 0) {
            if (!(c->lz[i] > c->L[i])) continue;
            c->L[i] = c->lz[i];
        } else if (!first) { /* L' = log(exp(L) + exp(lz)), computed stably */
            double hi = fmax(c->L[i], c->lz[i]), Ln = hi + log1p(exp(-fabs(c->L[i] - c->lz[i])));
            a = exp(c->L[i] - Ln), b = exp(c->lz[i] - Ln);
            c->L[i] = Ln;
        } else {
            c->L[i] = c->lz[i];
        }
        if (a == 0.0) /* acc holds nothing yet (or a chunk that lost) */
            for (int64_t j = 0; j < d; j++) acc[j] = b * part[j];
        else
            for (int64_t j = 0; j < d; j++) acc[j] = a * acc[j] + b * part[j];
    }
}

/* f_emp of the whole file: every chunk through mg_femp_apply_logz, folded. */
static mg_status emp_chunked_fn(void *p, double sigma, mg_mat X, mg_mat Y) {
    emp_chunked_ctx *c = p;
    MG_TRY(emp_chunked_reserve(c, X.rows));
    mg_mat P = {X.rows, c->d, c->d, c->part};
    for (int64_t r0 = 0; r0 < c->n; r0 += c->chunk_rows) {
        int64_t rn = c->n - r0 < c->chunk_rows ? c->n - r0 : c->chunk_rows;
        MG_TRY(mg_npy_rows_read_f32(c->src, r0, rn, c->buf));
        mg_femp *f = NULL;
        MG_TRY(mg_femp_create((mg_mat){rn, c->d, c->d, c->buf}, &f));
        mg_status st = mg_femp_apply_logz(f, X, sigma, P, c->lz);
        mg_femp_free(f);
        MG_TRY(st);
        emp_chunked_fold(c, X.rows, r0 == 0, sigma);
    }
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = 0; j < c->d; j++) Y.data[i * Y.ld + j] = (float)c->acc[i * c->d + j];
    return MG_OK;
}

/* Denoiser over the training rows of an .npy file, streamed in chunks. */
mg_status mg_denoiser_emp_chunked(const char *path, int64_t chunk_rows, mg_denoiser *out) {
    memset(out, 0, sizeof *out);
    if (chunk_rows < 1) return mg_fail(MG_ERR_ARG, "chunked f_emp: chunk_rows must be >= 1 (got %lld)",
                                       (long long)chunk_rows);
    emp_chunked_ctx *c = calloc(1, sizeof *c);
    if (!c) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_status st = mg_npy_rows_open(path, &c->src);
    if (st == MG_OK) {
        const mg_npy_info *in = mg_npy_rows_info(c->src);
        c->n = in->shape[0];
        c->d = mg_npy_rows_width(c->src);
        if (in->ndim != 2 || c->n < 1 || c->d < 1)
            st = mg_fail(MG_ERR_SHAPE, "chunked f_emp: %s must be a nonempty n x d matrix", path);
    }
    if (st == MG_OK) {
        c->chunk_rows = chunk_rows < c->n ? chunk_rows : c->n;
        c->buf = mg_alloc((size_t)c->chunk_rows * (size_t)c->d, sizeof(float));
        if (!c->buf) st = mg_fail(MG_ERR_NOMEM, "chunked f_emp: cannot hold %lld rows", (long long)c->chunk_rows);
    }
    if (st != MG_OK) {
        emp_chunked_free(c);
        return st;
    }
    out->d = c->d;
    out->ctx = c;
    out->fn = emp_chunked_fn;
    out->free_ctx = emp_chunked_free;
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
