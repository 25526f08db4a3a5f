/*
 * The training loss of the DAE (paper Eq. 6) on one batch and its gradient.
 * Batches of more than SMALL_B rows use five GEMMs and no copies:
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
 * Smaller batches (the memorization setting: n = 5, full batch) use three
 * streaming passes over the rows of W instead (small_batch), because sgemm
 * with 5 rows spends its time packing W.
 *
 * Per-row loss sums are kept in double and added in a fixed order, so the
 * value does not depend on the thread count.
 */
#include <math.h>
#include <string.h>

#include "train_internal.h"

/* Rows handed to one thread at a time in the row-wise passes: enough work
 * per chunk (about 32k elements) that threads pay off. */
static int64_t row_grain(int64_t cols) { return cols >= 32768 ? 1 : 32768 / cols; }

/* Batches of at most SMALL_B rows skip BLAS: with so few rows sgemm spends
 * its time packing W, so three streaming passes over the rows of W do the
 * work instead (see small_batch). Reductions over the d rows of W are cut
 * into KCHUNKS fixed chunks whose partial sums are added in chunk order, so
 * the result does not depend on the thread count either. */
#define SMALL_B 32
#define KCHUNKS 8

/* Rounds a float count up to a multiple of 16 (64 bytes). */
static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* Workspace: H (B x p) immediately followed by dH (B x p) | R (B x d)
 * immediately followed by the input slot (B x d) | row losses (B doubles).
 * The adjacency lets a tied model's two weight-gradient GEMMs run as one:
 * gW = [R'; Xn]^T [H; dH] with K = 2B. */
size_t mg_train_ws_floats(int64_t B, int64_t d, int64_t p) {
    size_t bp = (size_t)B * (size_t)p, bd = (size_t)B * (size_t)d;
    size_t n = round16(2 * bp) + round16(2 * bd) + round16(2 * (size_t)B);
    if (B <= SMALL_B) n += round16(KCHUNKS * bp) + round16(2 * KCHUNKS * (size_t)B); /* per-chunk partials */
    return n;
}

/* The workspace's input slot (B x d). */
float *mg_train_ws_input(float *ws, int64_t B, int64_t d, int64_t p) {
    return ws + round16(2 * (size_t)B * (size_t)p) + (size_t)B * (size_t)d;
}

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

/* ---- small batches: three streaming passes over W ------------------------------ */

/* Arguments of the small-batch passes. */
typedef struct {
    int64_t B, d, p, ldx, ld0;
    const float *Xn, *X0, *W1, *W2, *b2;
    float *H, *dH, *R, *gW1, *gW2, *gb2;
    float *part;     /* KCHUNKS x B x p partial sums */
    double *lpart;   /* KCHUNKS x B partial row losses */
    float s, c1;     /* residual scale 2c/B, penalty factor 2 lambda (tied: 4 lambda) */
    int tied;
} small_ctx;

/* Rows of W in chunk c: [lo, hi). */
static void chunk_rows(int64_t d, int64_t c, int64_t *lo, int64_t *hi) {
    *lo = d * c / KCHUNKS;
    *hi = d * (c + 1) / KCHUNKS;
}

/* 16 floats as one GCC/Clang vector (AVX-512: one register; AVX2: two). */
typedef float v16f __attribute__((vector_size(64)));

/* Unaligned load / store of 16 floats (macros: a vector-typed argument or
 * return value would change the ABI when the target lacks AVX-512). */
#define LD16(v, src) memcpy(&(v), (src), sizeof(v16f))
#define ST16(dst, v) memcpy((dst), &(v), sizeof(v16f))

/* Sum of the 16 lanes of *v by a fixed pairwise tree. */
static inline float tree16(const v16f *v) {
    float a[16], b[8];
    memcpy(a, v, sizeof a);
    for (int l = 0; l < 8; l++) b[l] = a[l] + a[l + 8];
    for (int l = 0; l < 4; l++) b[l] = b[l] + b[l + 4];
    return (b[0] + b[2]) + (b[1] + b[3]);
}

/* part[i][:] = sum_{k in [lo, hi)} A[i][k] W[k][:] for i < B (part: B x p):
 * 4 rows x 16 columns of accumulators in registers, k in order (a scalar
 * loop in the same order when p < 16). */
static void rows_times_w(const float *A, int64_t lda, int64_t B, const float *W, int64_t p, int64_t lo, int64_t hi,
                         float *part) {
    const int64_t pf = p / 16 * 16;
    for (int64_t i0 = 0; i0 < B; i0 += 4) {
        const int64_t nb = B - i0 < 4 ? B - i0 : 4;
        const float *a0 = A + i0 * lda, *a1 = nb > 1 ? a0 + lda : a0, *a2 = nb > 2 ? a0 + 2 * lda : a0,
                    *a3 = nb > 3 ? a0 + 3 * lda : a0;
        /* full blocks, then (p >= 16) one block ending at column p that
           overlaps the last full one: its overlapping columns are computed
           the same way and rewritten with the same values */
        const int64_t nblk = pf / 16 + (p >= 16 && pf < p);
        for (int64_t bk = 0; bk < nblk; bk++) {
            const int64_t j0 = bk * 16 < pf ? bk * 16 : p - 16;
            v16f c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
            for (int64_t k = lo; k < hi; k++) {
                v16f w;
                LD16(w, W + k * p + j0);
                c0 += a0[k] * w;
                c1 += a1[k] * w;
                c2 += a2[k] * w;
                c3 += a3[k] * w;
            }
            ST16(part + i0 * p + j0, c0);
            if (nb > 1) ST16(part + (i0 + 1) * p + j0, c1);
            if (nb > 2) ST16(part + (i0 + 2) * p + j0, c2);
            if (nb > 3) ST16(part + (i0 + 3) * p + j0, c3);
        }
        for (int64_t t = 0; t < nb && p < 16; t++)
            for (int64_t j = 0; j < p; j++) {
                float acc = 0.0f;
                for (int64_t k = lo; k < hi; k++) acc += A[(i0 + t) * lda + k] * W[k * p + j];
                part[(i0 + t) * p + j] = acc;
            }
    }
}

/* Y[i][k] = H[i] . W[k] for i < B, k in [lo, hi) (Y with leading dimension
 * d): 16-lane partial sums (the last p mod 16 columns through a masked window
 * ending at p) reduced by a fixed tree; a scalar loop when p < 16. */
static void dots_rows(const float *H, int64_t B, const float *W, int64_t p, int64_t lo, int64_t hi, float *Y,
                      int64_t d) {
    const int64_t pf = p / 16 * 16;
    v16f tailmask;
    for (int l = 0; l < 16; l++) tailmask[l] = l >= 16 - (p - pf) ? 1.0f : 0.0f;
    for (int64_t k = lo; k < hi; k++) {
        const float *w = W + k * p;
        for (int64_t i0 = 0; i0 < B; i0 += 4) {
            const int64_t nb = B - i0 < 4 ? B - i0 : 4;
            const float *h0 = H + i0 * p, *h1 = nb > 1 ? h0 + p : h0, *h2 = nb > 2 ? h0 + 2 * p : h0,
                        *h3 = nb > 3 ? h0 + 3 * p : h0;
            v16f c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
            for (int64_t j = 0; j < pf; j += 16) {
                v16f wv, x0, x1, x2, x3;
                LD16(wv, w + j);
                LD16(x0, h0 + j);
                LD16(x1, h1 + j);
                LD16(x2, h2 + j);
                LD16(x3, h3 + j);
                c0 += x0 * wv;
                c1 += x1 * wv;
                c2 += x2 * wv;
                c3 += x3 * wv;
            }
            if (p >= 16 && pf < p) { /* the window ending at p, lanes already summed masked out */
                v16f wv, x0, x1, x2, x3;
                LD16(wv, w + p - 16);
                wv *= tailmask;
                LD16(x0, h0 + p - 16);
                LD16(x1, h1 + p - 16);
                LD16(x2, h2 + p - 16);
                LD16(x3, h3 + p - 16);
                c0 += x0 * wv;
                c1 += x1 * wv;
                c2 += x2 * wv;
                c3 += x3 * wv;
            }
            const v16f cs[4] = {c0, c1, c2, c3};
            for (int64_t t = 0; t < nb; t++) {
                float y = tree16(&cs[t]);
                for (int64_t j = pf; j < p && p < 16; j++) y += H[(i0 + t) * p + j] * w[j];
                Y[(i0 + t) * d + k] = y;
            }
        }
    }
}

/* Pass 1, chunk c: part_c = rows of Xn times W1 over the chunk's rows of W1. */
static void small_enc(void *vc, int64_t c0, int64_t c1) {
    const small_ctx *c = vc;
    for (int64_t ch = c0; ch < c1; ch++) {
        int64_t lo, hi;
        chunk_rows(c->d, ch, &lo, &hi);
        rows_times_w(c->Xn, c->ldx, c->B, c->W1, c->p, lo, hi, c->part + ch * c->B * c->p);
    }
}

/* Pass 2, chunk c: for the chunk's rows k of W2, R[i][k] = s (H[i] . W2[k]
 * + b2[k] - X0[i][k]) with the chunk's row losses, then part_c = R times W2
 * over those rows (the chunk's share of dH = R W2). */
static void small_dec(void *vc, int64_t c0, int64_t c1) {
    const small_ctx *c = vc;
    const int64_t B = c->B, d = c->d;
    for (int64_t ch = c0; ch < c1; ch++) {
        int64_t lo, hi;
        chunk_rows(d, ch, &lo, &hi);
        double *lp = c->lpart + ch * B;
        dots_rows(c->H, B, c->W2, c->p, lo, hi, c->R, d);
        for (int64_t i = 0; i < B; i++) {
            float *r = c->R + i * d;
            const float *x = c->X0 + i * c->ld0;
            double acc = 0.0;
            for (int64_t k = lo; k < hi; k++) {
                float v = r[k] + (c->b2 ? c->b2[k] : 0.0f) - x[k];
                acc += (double)v * (double)v;
                r[k] = v * c->s;
            }
            lp[i] = acc;
        }
        rows_times_w(c->R, d, B, c->W2, c->p, lo, hi, c->part + ch * B * c->p);
    }
}

/* Pass 3, rows lo..hi of the weight gradients: gW2[k] = sum_i R[i][k] H[i],
 * gW1[k] = sum_i Xn[i][k] dH[i] (tied: one row, the two sums added), gb2[k]
 * and the penalty; 16 columns at a time summed over i in registers. */
static void small_grad(void *vc, int64_t lo, int64_t hi) {
    const small_ctx *c = vc;
    const int64_t B = c->B, p = c->p, d = c->d, pf = p / 16 * 16;
    float r[SMALL_B], x[SMALL_B];
    for (int64_t k = lo; k < hi; k++) {
        for (int64_t i = 0; i < B; i++) {
            r[i] = c->R[i * d + k];
            x[i] = c->Xn[i * c->ldx + k];
        }
        float *g2 = c->gW2 + k * p, *g1 = c->gW1 + k * p;
        const float *w1 = c->W1 + k * p, *w2 = c->W2 + k * p;
        const int64_t nblk = pf / 16 + (p >= 16 && pf < p); /* last block overlaps, as in rows_times_w */
        for (int64_t bk = 0; bk < nblk; bk++) {
            const int64_t j = bk * 16 < pf ? bk * 16 : p - 16;
            v16f a2 = {0}, a1 = {0};
            v16f v, w;
            for (int64_t i = 0; i < B; i++) {
                LD16(v, c->H + i * p + j);
                a2 += r[i] * v;
            }
            for (int64_t i = 0; i < B; i++) {
                LD16(v, c->dH + i * p + j);
                a1 += x[i] * v;
            }
            if (c->tied) {
                LD16(w, w1 + j);
                v = (a2 + a1) + c->c1 * w;
                ST16(g1 + j, v);
            } else {
                LD16(w, w2 + j);
                v = a2 + c->c1 * w;
                ST16(g2 + j, v);
                LD16(w, w1 + j);
                v = a1 + c->c1 * w;
                ST16(g1 + j, v);
            }
        }
        for (int64_t j = 0; j < p && p < 16; j++) {
            float a2 = 0.0f, a1 = 0.0f;
            for (int64_t i = 0; i < B; i++) a2 += r[i] * c->H[i * p + j];
            for (int64_t i = 0; i < B; i++) a1 += x[i] * c->dH[i * p + j];
            if (c->tied) {
                g1[j] = (a2 + a1) + c->c1 * w1[j];
            } else {
                g2[j] = a2 + c->c1 * w2[j];
                g1[j] = a1 + c->c1 * w1[j];
            }
        }
        if (c->gb2) {
            float acc = 0.0f;
            for (int64_t i = 0; i < B; i++) acc += r[i];
            c->gb2[k] = acc;
        }
    }
}

/* Adds the KCHUNKS partials into out (B x p), in chunk order. */
static void sum_parts(const float *part, int64_t B, int64_t p, float *out) {
    const int64_t n = B * p;
    memcpy(out, part, (size_t)n * sizeof(float));
    for (int64_t ch = 1; ch < KCHUNKS; ch++)
        for (int64_t i = 0; i < n; i++) out[i] += part[ch * n + i];
}

/* The loss and gradient for B <= SMALL_B rows without BLAS (same quantities
 * as the GEMM path; mg_train_loss_grad documents them). */
static double small_batch(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                          float *ws) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows;
    const int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const size_t bp = (size_t)B * (size_t)p, bd = (size_t)B * (size_t)d;
    const int64_t dp = d * p;
    float *H = ws, *dH = ws + bp, *R = ws + round16(2 * bp);
    float *part = ws + round16(2 * bp) + round16(2 * bd) + round16(2 * (size_t)B);
    double *lpart = (double *)(void *)(part + round16(KCHUNKS * bp));
    float *gb1 = bias ? grad + dp * (tied ? 1 : 2) : NULL;
    small_ctx c = {B, d, p, Xn.ld, X0.ld, Xn.data, X0.data, mg_dae_w1_const(m), mg_dae_w2_const(m),
                   mg_dae_b2_const(m), H, dH, R, grad, tied ? grad : grad + dp, bias ? gb1 + p : NULL, part, lpart,
                   (float)(2.0 * data_scale / (double)B), (float)((tied ? 4.0 : 2.0) * lambda), tied};
    /* threads only when a chunk has real work */
    const int64_t grain = dp * B >= 262144 ? 1 : KCHUNKS;
    const float *b1 = mg_dae_b1_const(m);
    /* 1: H = relu(Xn W1 + b1) */
    mg_train_par(KCHUNKS, grain, small_enc, &c);
    sum_parts(part, B, p, H);
    for (int64_t i = 0; i < B; i++)
        for (int64_t j = 0; j < p; j++) {
            float h = H[i * p + j] + (b1 ? b1[j] : 0.0f);
            H[i * p + j] = h > 0.0f ? h : 0.0f;
        }
    /* 2: R = s (H W2^T + b2 - X0), row losses, dH = R W2 masked */
    mg_train_par(KCHUNKS, grain, small_dec, &c);
    sum_parts(part, B, p, dH);
    for (size_t i = 0; i < bp; i++)
        if (!(H[i] > 0.0f)) dH[i] = 0.0f;
    double D = 0.0;
    for (int64_t i = 0; i < B; i++) {
        double li = 0.0;
        for (int64_t ch = 0; ch < KCHUNKS; ch++) li += lpart[ch * B + i];
        D += li;
    }
    /* 3: weight gradients row by row (+ gb2, penalty), then gb1 */
    mg_train_par(d, grain == 1 ? (d + 2 * KCHUNKS - 1) / (2 * KCHUNKS) : d, small_grad, &c);
    if (bias) {
        for (int64_t j = 0; j < p; j++) gb1[j] = 0.0f;
        for (int64_t i = 0; i < B; i++)
            for (int64_t j = 0; j < p; j++) gb1[j] += dH[i * p + j];
    }
    return D / (double)B;
}

/* ---- the entry point -------------------------------------------------------------- */

/* Data loss and gradient of data_scale * D + lambda * P for one batch. */
mg_status mg_train_loss_grad(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                             float *ws, double *data_loss) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows;
    if (Xn.cols != d || X0.cols != d || X0.rows != B || B < 1 || Xn.ld < d || X0.ld < d)
        return mg_fail(MG_ERR_SHAPE, "loss: inputs are %lld x %lld and targets %lld x %lld, the model needs B x %lld",
                       (long long)Xn.rows, (long long)Xn.cols, (long long)X0.rows, (long long)X0.cols, (long long)d);
    if (B <= SMALL_B) {
        *data_loss = small_batch(m, Xn, X0, data_scale, lambda, grad, ws);
        return MG_OK;
    }
    const int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const float *W1 = mg_dae_w1_const(m), *W2 = mg_dae_w2_const(m);
    const size_t bp = (size_t)B * (size_t)p, bd = (size_t)B * (size_t)d;
    float *H = ws;                       /* B x p */
    float *dH = ws + bp;                 /* B x p, right after H */
    float *R = ws + round16(2 * bp);     /* B x d */
    float *slot = R + bd;                /* B x d input slot, right after R */
    double *rowloss = (double *)(void *)(ws + round16(2 * bp) + round16(2 * bd)); /* B */
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
