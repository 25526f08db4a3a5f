/*
 * The training loss of the DAE (paper Eq. 6) on one batch and its gradient.
 * Batches of more than MG_SMALL_B rows (or with p < 16) use five GEMMs and
 * no copies:
 *
 *   H  = relu(Xn W1 + b1)          (B x p)   sgemm N,N
 *   R  = s (H W2^T + b2 - X0)      (B x d)   sgemm N,T   s = 2 c / B
 *   dH = (R W2) .* [H > 0]         (B x p)   sgemm N,N
 *   gW2 = R^T H                    (d x p)   sgemm T,N
 *   gW1 = Xn^T dH                  (d x p)   sgemm T,N
 *   gb2 = sum_i R_i,  gb1 = sum_i dH_i,  + 2 lambda W per weight matrix
 *
 * For a tied model the two weight gradients are one product with K = 2B,
 * [R; Xn]^T [H; dH], when the inputs sit in the workspace's input slot
 * (mg_train_ws_input), which the trainer always uses.
 *
 * Smaller batches (the memorization setting: n = 5, full batch) take the
 * streaming path of small.c instead, because sgemm with 5 rows spends its
 * time packing W.
 *
 * Per-row loss sums are kept in double and added in a fixed order, so the
 * value does not depend on the thread count.
 */
#include <math.h>
#include <string.h>

#include "memgen/blas.h"
#include "train_internal.h"

/* Rows handed to one thread at a time in the row-wise passes: enough work
 * per chunk (about 32k elements) that threads pay off. */
static int64_t row_grain(int64_t cols) { return cols >= 32768 ? 1 : 32768 / cols; }

/* Workspace: H (B x p) immediately followed by dH (B x p) | R (B x d)
 * immediately followed by the input slot (B x d) | row losses (B doubles) |
 * (B <= MG_SMALL_B) the small path's scratch. The adjacency lets a tied
 * model's two weight-gradient GEMMs run as one: gW = [R'; Xn]^T [H; dH]
 * with K = 2B. */
size_t mg_train_ws_floats(int64_t B, int64_t d, int64_t p) {
    size_t bp = (size_t)B * (size_t)p, bd = (size_t)B * (size_t)d;
    size_t n = mg_round16(2 * bp) + mg_round16(2 * bd) + mg_round16(2 * (size_t)B);
    if (B <= MG_SMALL_B) n += mg_train_small_ws_floats(B, p);
    return n;
}

/* The regions of a workspace (see mg_train_ws_floats). */
mg_train_ws_parts mg_train_ws_split(float *ws, int64_t B, int64_t d, int64_t p) {
    const size_t bp = (size_t)B * (size_t)p, bd = (size_t)B * (size_t)d;
    mg_train_ws_parts w;
    w.H = ws;
    w.dH = ws + bp;
    w.R = ws + mg_round16(2 * bp);
    w.input = w.R + bd;
    w.rowloss = (double *)(void *)(ws + mg_round16(2 * bp) + mg_round16(2 * bd));
    w.small = B <= MG_SMALL_B ? ws + mg_round16(2 * bp) + mg_round16(2 * bd) + mg_round16(2 * (size_t)B) : NULL;
    return w;
}

/* The workspace's input slot (B x d). */
float *mg_train_ws_input(float *ws, int64_t B, int64_t d, int64_t p) { return mg_train_ws_split(ws, B, d, p).input; }

/* sum of v[i]^2 in double over LANES fixed lanes (lane = i mod LANES), the
 * lanes added in order: vectorisable and the same for any thread count. */
#define LANES 8
static double sumsq_fixed(const float *v, int64_t n) {
    double part[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) part[l] += (double)v[i + l] * (double)v[i + l];
    for (int l = 0; i + l < n; l++) part[l] += (double)v[i + l] * (double)v[i + l];
    double s = 0.0;
    for (int l = 0; l < LANES; l++) s += part[l];
    return s;
}

/* P = ||W1||^2 (tied: 2 ||W||^2), accumulated in double. */
double mg_dae_weight_penalty(const mg_dae *m) {
    int64_t dp = mg_dae_dim(m) * mg_dae_hidden(m);
    const float *w1 = mg_dae_w1_const(m), *w2 = mg_dae_w2_const(m);
    double s1 = sumsq_fixed(w1, dp);
    if (mg_dae_is_tied(m)) return 2.0 * s1;
    return s1 + sumsq_fixed(w2, dp);
}

/* Arguments of the row-wise passes. */
typedef struct {
    float *H, *dH, *R;
    const float *X0, *b1, *b2;
    int64_t ld0, d, p;
    float s;
    double *rowloss;
} pass_ctx;

/* H = relu(H + b1) on rows lo..hi. */
static void relu_rows(void *vc, int64_t lo, int64_t hi) {
    const pass_ctx *c = vc;
    for (int64_t i = lo; i < hi; i++) {
        float *h = c->H + i * c->p;
        if (c->b1)
            for (int64_t j = 0; j < c->p; j++) h[j] += c->b1[j];
        for (int64_t j = 0; j < c->p; j++) h[j] = h[j] > 0.0f ? h[j] : 0.0f;
    }
}

/* R = s (Y + b2 - X0) with the row losses of the unscaled residual. */
static void resid_rows(void *vc, int64_t lo, int64_t hi) {
    const pass_ctx *c = vc;
    for (int64_t i = lo; i < hi; i++) {
        float *r = c->R + i * c->d;
        const float *x = c->X0 + i * c->ld0;
        if (c->b2)
            for (int64_t j = 0; j < c->d; j++) r[j] += c->b2[j];
        for (int64_t j = 0; j < c->d; j++) r[j] -= x[j];
        c->rowloss[i] = sumsq_fixed(r, c->d);
        for (int64_t j = 0; j < c->d; j++) r[j] *= c->s;
    }
}

/* dH = 0 where the unit is off (ReLU derivative, PyTorch's: 0 at 0). */
static void mask_rows(void *vc, int64_t lo, int64_t hi) {
    const pass_ctx *c = vc;
    for (int64_t i = lo * c->p; i < hi * c->p; i++)
        if (!(c->H[i] > 0.0f)) c->dH[i] = 0.0f;
}

/* ---- the entry point -------------------------------------------------------------- */

/* Data loss and gradient of data_scale * D + lambda * P for one batch. */
mg_status mg_train_loss_grad(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                             float *ws, double *data_loss) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows;
    if (Xn.cols != d || X0.cols != d || X0.rows != B || B < 1 || Xn.ld < d || X0.ld < d)
        return mg_fail(MG_ERR_SHAPE, "loss: inputs are %lld x %lld and targets %lld x %lld, the model needs B x %lld",
                       (long long)Xn.rows, (long long)Xn.cols, (long long)X0.rows, (long long)X0.cols, (long long)d);
    if (mg_train_small_ok(B, p)) {
        *data_loss = mg_train_small(m, Xn, X0, data_scale, lambda, grad, ws, NULL);
        return MG_OK;
    }
    const int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    const mg_train_ws_parts w = mg_train_ws_split(ws, B, d, p);
    float *H = w.H, *dH = w.dH;          /* B x p each, adjacent */
    float *R = w.R, *slot = w.input;     /* B x d each, adjacent */
    double *rowloss = w.rowloss;         /* B */
    const int64_t dp = d * p;
    float *gW1 = grad, *gW2 = tied ? grad : grad + dp;
    float *gb1 = bias ? grad + dp * (tied ? 1 : 2) : NULL, *gb2 = bias ? gb1 + p : NULL;
    pass_ctx c = {H, dH, R, X0.data, mg_dae_b1_const(m), mg_dae_b2_const(m), X0.ld, d, p,
                  (float)(2.0 * data_scale / (double)B), rowloss};

    /* H = relu(Xn W1 + b1) */
    mg_sgemm_det(0, 0, B, p, d, 1.0f, Xn.data, Xn.ld, W1, p, 0.0f, H, p);
    mg_train_par(B, row_grain(p), relu_rows, &c);
    /* R = s (H W2^T + b2 - X0), s = 2 c / B; row losses before the scaling */
    mg_sgemm_det(0, 1, B, d, p, 1.0f, H, p, W2, p, 0.0f, R, d);
    mg_train_par(B, row_grain(d), resid_rows, &c);
    double D = 0.0;
    for (int64_t i = 0; i < B; i++) D += rowloss[i];
    D /= (double)B;
    *data_loss = D;
    /* dH = R W2, masked where the unit is off */
    mg_sgemm_det(0, 0, B, p, d, 1.0f, R, d, W2, p, 0.0f, dH, p);
    mg_train_par(B, row_grain(p), mask_rows, &c);
    if (tied && Xn.data == slot && Xn.ld == d) {
        /* gW = R^T H + Xn^T dH = [R; Xn]^T [H; dH] in one product (K = 2B) */
        mg_sgemm_det(1, 0, d, p, 2 * B, 1.0f, R, d, H, p, 0.0f, gW1, p);
    } else {
        /* gW2 = R^T H; gW1 = Xn^T dH (tied: added onto gW2, the same buffer) */
        mg_sgemm_det(1, 0, d, p, B, 1.0f, R, d, H, p, 0.0f, gW2, p);
        mg_sgemm_det(1, 0, d, p, B, 1.0f, Xn.data, Xn.ld, dH, p, tied ? 1.0f : 0.0f, gW1, p);
    }
    if (bias) {
        memset(gb1, 0, (size_t)(p + d) * sizeof(float));
        for (int64_t i = 0; i < B; i++) {
            const float *g = dH + i * p, *r = R + i * d;
            for (int64_t j = 0; j < p; j++) gb1[j] += g[j];
            for (int64_t j = 0; j < d; j++) gb2[j] += r[j];
        }
    }
    /* + 2 lambda W per weight matrix (tied: both terms land on W: 4 lambda W) */
    if (lambda != 0.0) {
        const float c1 = (float)((tied ? 4.0 : 2.0) * lambda);
        for (int64_t i = 0; i < dp; i++) gW1[i] += c1 * W1[i];
        if (!tied)
            for (int64_t i = 0; i < dp; i++) gW2[i] += c1 * W2[i];
    }
    return MG_OK;
}
