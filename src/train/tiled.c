/*
 * The training step of the DAE (paper Eq. 6) for batches of more than
 * MG_SMALL_B rows (or fewer than 16 hidden units), as one OpenMP region with
 * one barrier:
 *
 *   1. per tile of batch rows, tiles in any order on any thread:
 *        (ex) gather the clean rows X0, draw Xn = X0 + sigma eps
 *        H  = relu(Xn W1 + b1)                      sgemm N,N
 *        R  = s (H W2^T + b2 - X0), s = 2 c / B     sgemm N,T   (+ row losses)
 *        dH = (R W2) .* [H > 0]                     sgemm N,N
 *      -- barrier; D = (1/B) sum of the row losses, in row order
 *   2. per tile of rows of W:
 *        tied: gW = [R; Xn]^T [H; dH] + 4 lambda W    one sgemm T,N with K = 2B
 *              (when Xn sits in the workspace's input slot, after R)
 *        else: gW2 = R^T H + 2 lambda W2, gW1 = Xn^T dH + 2 lambda W1
 *        gb2 = sum_i R_i on those rows; (ex) the optimizer update of the rows
 *   after: gb1 = sum_i dH_i and its update.
 *
 * Before, the step ran as ten parallel regions (gather, noise, five GEMMs,
 * three row passes, the optimizer), each a hand-off between threads: with
 * passive waiting a fifth of the step at d = 1024, batch 256. Each tile's
 * products are single-threaded OpenBLAS calls on a tile cut by the shape
 * alone, and every sum runs in a fixed order, so the bits do not depend on
 * the thread count nor on which thread takes which tile.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "memgen/blas.h"
#include "train_internal.h"

/* Tiles are about TILE_MIN rows or more, at most TILE_MAX of them (at
 * d = 1024, batch 256, tiles of 64 rows beat 32 and 16: fewer packings of W
 * per step). */
#define TILE_MIN 64
#define TILE_MAX 64

/* Everything a tile needs. */
typedef struct {
    int64_t B, d, p, ldx, ld0;
    float *Xn, *X0;
    const float *W1, *W2, *b1, *b2;
    float *H, *dH, *R;        /* B x p, B x p, B x d */
    double *rowloss;          /* B */
    float *gW1, *gW2, *gb2;   /* gradient parts (gW2 == gW1 when tied; gb2 NULL without biases) */
    float s, c1;              /* residual scale 2c/B, penalty factor 2 lambda (tied: 4 lambda) */
    int tied, one_product;    /* one_product: Xn directly follows R (see top) */
    int64_t dp, rtile, nrt, wtile, nwt;
    const mg_train_fused *ex;
} tiled_ctx;

/* Phase 1 on batch tile t (see top). */
static void batch_tile(const tiled_ctx *c, int64_t t) {
    const int64_t d = c->d, p = c->p, i0 = t * c->rtile, n = c->B - i0 < c->rtile ? c->B - i0 : c->rtile;
    const mg_train_fused *ex = c->ex;
    float *X0 = c->X0 + i0 * c->ld0, *Xn = c->Xn + i0 * c->ldx, *H = c->H + i0 * p, *R = c->R + i0 * d;
    float *dH = c->dH + i0 * p;
    if (ex && ex->rows)
        for (int64_t i = 0; i < n; i++)
            memcpy(X0 + i * c->ld0, ex->src + ex->rows[i0 + i] * ex->ld_src, (size_t)d * sizeof(float));
    if (ex && ex->noise)
        for (int64_t i = 0; i < n; i++)
            mg_rng_add_noise_at(ex->noise, (size_t)((i0 + i) * d), X0 + i * c->ld0, ex->sigma, Xn + i * c->ldx,
                                (size_t)d);
    /* H = relu(Xn W1 + b1) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p, (int)d, 1.0f, Xn, (int)c->ldx, c->W1,
                (int)p, 0.0f, H, (int)p);
    for (int64_t i = 0; i < n; i++) {
        float *h = H + i * p;
        if (c->b1)
            for (int64_t j = 0; j < p; j++) h[j] += c->b1[j];
        for (int64_t j = 0; j < p; j++) h[j] = h[j] > 0.0f ? h[j] : 0.0f;
    }
    /* R = s (H W2^T + b2 - X0), the row losses of the unscaled residual */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d, (int)p, 1.0f, H, (int)p, c->W2, (int)p, 0.0f,
                R, (int)d);
    for (int64_t i = 0; i < n; i++) {
        float *r = R + i * d;
        const float *x = X0 + i * c->ld0;
        if (c->b2)
            for (int64_t j = 0; j < d; j++) r[j] += c->b2[j];
        for (int64_t j = 0; j < d; j++) r[j] -= x[j];
        c->rowloss[i0 + i] = mg_train_sumsq(r, d);
        for (int64_t j = 0; j < d; j++) r[j] *= c->s;
    }
    /* dH = R W2, 0 where the unit is off (PyTorch's ReLU derivative: 0 at 0) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)p, (int)d, 1.0f, R, (int)d, c->W2, (int)p,
                0.0f, dH, (int)p);
    for (int64_t i = 0; i < n * p; i++)
        if (!(H[i] > 0.0f)) dH[i] = 0.0f;
}

/* D = (1/B) sum_i rowloss_i, added in row order. */
static double batch_loss(const tiled_ctx *c) {
    double D = 0.0;
    for (int64_t i = 0; i < c->B; i++) D += c->rowloss[i];
    return D / (double)c->B;
}

/* Phase 2 on tile t of the rows of W (see top); `update`: then the
 * optimizer's update of those rows. */
static void weight_tile(const tiled_ctx *c, int64_t t, int update) {
    const int64_t B = c->B, d = c->d, p = c->p, k0 = t * c->wtile, m = d - k0 < c->wtile ? d - k0 : c->wtile;
    float *g1 = c->gW1 + k0 * p, *g2 = c->gW2 + k0 * p;
    const float *w1 = c->W1 + k0 * p, *w2 = c->W2 + k0 * p;
    if (c->one_product) { /* [R; Xn]^T [H; dH]: R and Xn, H and dH are adjacent */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)p, (int)(2 * B), 1.0f, c->R + k0, (int)d,
                    c->H, (int)p, 0.0f, g1, (int)p);
    } else { /* tied: both products land on the same rows */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)p, (int)B, 1.0f, c->R + k0, (int)d, c->H,
                    (int)p, 0.0f, g2, (int)p);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)m, (int)p, (int)B, 1.0f, c->Xn + k0, (int)c->ldx,
                    c->dH, (int)p, c->tied ? 1.0f : 0.0f, g1, (int)p);
    }
    if (c->c1 != 0.0f) {
        for (int64_t i = 0; i < m * p; i++) g1[i] += c->c1 * w1[i];
        if (!c->tied)
            for (int64_t i = 0; i < m * p; i++) g2[i] += c->c1 * w2[i];
    }
    if (c->gb2) {
        float *gb = c->gb2 + k0;
        memset(gb, 0, (size_t)m * sizeof(float));
        for (int64_t i = 0; i < B; i++)
            for (int64_t k = 0; k < m; k++) gb[k] += c->R[i * d + k0 + k];
    }
    if (update) {
        const mg_train_fused *ex = c->ex;
        mg_optim_apply(ex->opt, ex->param, c->gW1, k0 * p, (k0 + m) * p);
        if (!c->tied) mg_optim_apply(ex->opt, ex->param, c->gW1, c->dp + k0 * p, c->dp + (k0 + m) * p);
    }
}

/* Whether phase 2 updates the parameters: an optimizer is given and the loss
 * is finite (a non-finite loss leaves the parameters alone). */
static int wants_update(const tiled_ctx *c) { return c->ex && c->ex->opt && isfinite(batch_loss(c)); }

/* The larger-batch loss, gradient and (ex) fused gather, noise and update. */
double mg_train_tiled(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                      float *ws, const mg_train_fused *ex) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows, dp = d * p;
    const int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const int64_t wcount = dp * (tied ? 1 : 2);
    const mg_train_ws_parts w = mg_train_ws_split(ws, B, d, p);
    float *gb1 = bias ? grad + wcount : NULL;
    tiled_ctx c = {B, d, p, Xn.ld, X0.ld, Xn.data, X0.data, mg_dae_w1_const(m), mg_dae_w2_const(m),
                   mg_dae_b1_const(m), mg_dae_b2_const(m), w.H, w.dH, w.R, w.rowloss, grad, tied ? grad : grad + dp,
                   bias ? gb1 + p : NULL, (float)(2.0 * data_scale / (double)B), (float)((tied ? 4.0 : 2.0) * lambda),
                   tied, tied && Xn.data == w.input && Xn.ld == d, dp, mg_det_tile(B, TILE_MIN, TILE_MAX), 0,
                   mg_det_tile(d, TILE_MIN, TILE_MAX), 0, ex};
    c.nrt = (B + c.rtile - 1) / c.rtile;
    c.nwt = (d + c.wtile - 1) / c.wtile;
    if (ex && ex->opt) mg_optim_begin(ex->opt);
    const int blas_threads = openblas_get_num_threads(); /* each tile is one single-threaded product */
    if (blas_threads != 1) openblas_set_num_threads(1);
    mg_train_sched *sc = ex ? ex->sched : NULL;
    const int nt = mg_train_step_threads(B * dp, c.nrt, &sc);
    const double t0 = sc ? mg_now() : 0.0;
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        {
#pragma omp for schedule(dynamic, 1)
            for (int64_t t = 0; t < c.nrt; t++) batch_tile(&c, t);
            const int update = wants_update(&c);
#pragma omp for schedule(dynamic, 1) nowait
            for (int64_t t = 0; t < c.nwt; t++) weight_tile(&c, t, update);
        }
    } else
#endif
    { /* the same tiles without entering a region (libgomp allocates a team for every region entered) */
        for (int64_t t = 0; t < c.nrt; t++) batch_tile(&c, t);
        const int update = wants_update(&c);
        for (int64_t t = 0; t < c.nwt; t++) weight_tile(&c, t, update);
    }
    if (sc) mg_train_sched_record(sc, mg_now() - t0);
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
    const double D = batch_loss(&c);
    mg_train_fused_finish(m, w.dH, B, D, grad, ex);
    return D;
}
