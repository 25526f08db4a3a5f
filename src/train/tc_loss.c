/*
 * The loss of the time-conditioned model (tctrain.h: nn.MSELoss of
 * f(x + sigma eps, sigma) against x, each row its own sigma) and its
 * gradient, by hand: seven products and elementwise passes whose sums run in
 * a fixed order. Each product is cut by its shape alone into at most
 * TC_TILES tiles of at least TC_TILE_MIN rows (or columns) of the output,
 * each tile one single-threaded sgemm, tiles over OpenMP threads: the same
 * bits on any thread count (as mg_sgemm_det, whose smaller tiles would pack
 * the shared operand several times more: measured 20% of a step at d = 1024,
 * p = 256, batch 256).
 *
 *   gates   U = relu(t a1^T + c1), G = exp(U A2^T + c2)      mg_tcdae_gates
 *   encode  H = relu(Xn W^T)                                  B x p x d
 *   decode  Y = (H.*G) W + s Xn, R = Y - X0, dY = (2c/B) R    B x d x p
 *   back    dHG = dY W^T                                      B x p x d
 *           dW = [H.*G; dHp]^T [dY; Xn]                       p x d x 2B (one product)
 *           dA2 = dZ2^T U,  dU = dZ2 A2                       p x p x B, B x p x p
 *
 * Workspace (floats, each region 64-byte aligned): H, U, G | HG, dHp
 * (adjacent) | dY, input slot (adjacent) | dHG | dZ2 | dU | row losses and
 * skip partials (2B doubles).
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "core/reduce.h"
#include "memgen/blas.h"
#include "memgen/tctrain.h"
#include "train_internal.h"
#ifdef _OPENMP
#include <omp.h>
#endif

/* Products below this many multiply-adds are one tile; others are cut into
 * at most TC_TILES tiles of at least TC_TILE_MIN rows or columns. */
#define TC_MIN_WORK (1 << 18)
#define TC_TILE_MIN 128
#define TC_TILES 8

/* One product C = alpha op(A) op(B) + beta C and its tiling. */
typedef struct {
    enum CBLAS_TRANSPOSE ta, tb;
    int by_rows;
    int64_t M, N, K, tile;
    float alpha, beta;
    const float *A, *B;
    float *C;
    int64_t lda, ldb, ldc;
} tc_gemm_job;

/* Tile t of the product: single-threaded sgemm on its rows (or columns) of C. */
static void tc_gemm_tile(const tc_gemm_job *j, int64_t t) {
    const int64_t lo = t * j->tile, size = j->by_rows ? j->M : j->N, len = size - lo < j->tile ? size - lo : j->tile;
    if (j->by_rows)
        cblas_sgemm(CblasRowMajor, j->ta, j->tb, (int)len, (int)j->N, (int)j->K, j->alpha,
                    j->A + (j->ta == CblasTrans ? lo : lo * j->lda), (int)j->lda, j->B, (int)j->ldb, j->beta,
                    j->C + lo * j->ldc, (int)j->ldc);
    else
        cblas_sgemm(CblasRowMajor, j->ta, j->tb, (int)j->M, (int)len, (int)j->K, j->alpha, j->A, (int)j->lda,
                    j->B + (j->tb == CblasTrans ? lo * j->ldb : lo), (int)j->ldb, j->beta, j->C + lo, (int)j->ldc);
}

/* C = alpha op(A) op(B) + beta C, row-major, tiled by shape (see the top). */
static void tc_gemm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                    const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    tc_gemm_job j = {ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M >= N, M, N, K, 0, alpha, beta,
                     A, B, C, lda, ldb, ldc};
    const int64_t size = j.by_rows ? M : N;
    j.tile = M * N * K >= TC_MIN_WORK ? mg_det_tile(size, TC_TILE_MIN, TC_TILES) : size;
    const int64_t ntiles = (size + j.tile - 1) / j.tile;
#ifdef _OPENMP
    if (ntiles > 1 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t t = 0; t < ntiles; t++) tc_gemm_tile(&j, t);
        return;
    }
#endif
    for (int64_t t = 0; t < ntiles; t++) tc_gemm_tile(&j, t); /* without entering a region */
}

/* The regions of a workspace of mg_tc_train_ws_floats(B, d, p) floats. */
typedef struct {
    float *H, *U, *G, *HG, *dHp, *dY, *input, *dHG, *dZ2, *dU;
    double *rowloss, *skipg;
} tc_ws;

/* Splits the workspace (see the top). */
static tc_ws ws_split(float *ws, int64_t B, int64_t d, int64_t p) {
    const size_t bp = mg_round16((size_t)B * (size_t)p), bd = (size_t)B * (size_t)d;
    tc_ws w;
    w.H = ws;
    w.U = w.H + bp;
    w.G = w.U + bp;
    w.HG = w.G + bp;
    w.dHp = w.HG + (size_t)B * (size_t)p;
    w.dY = w.HG + mg_round16(2 * (size_t)B * (size_t)p);
    w.input = w.dY + bd;
    w.dHG = w.dY + mg_round16(2 * bd);
    w.dZ2 = w.dHG + bp;
    w.dU = w.dZ2 + bp;
    w.rowloss = (double *)(void *)(w.dU + bp);
    w.skipg = w.rowloss + B;
    return w;
}

/* Floats of the workspace. */
size_t mg_tc_train_ws_floats(int64_t B, int64_t d, int64_t p) {
    const size_t bp = mg_round16((size_t)B * (size_t)p), bd = (size_t)B * (size_t)d;
    return 6 * bp + mg_round16(2 * (size_t)B * (size_t)p) + mg_round16(2 * bd) + mg_round16(4 * (size_t)B);
}

/* The input slot. */
float *mg_tc_train_ws_input(float *ws, int64_t B, int64_t d, int64_t p) { return ws_split(ws, B, d, p).input; }

/* Loss and gradient of data_scale * D (see tctrain.h). */
mg_status mg_tc_loss_grad(const mg_tcdae *m, mg_mat Xn, mg_mat X0, const float *t, double data_scale, float *grad,
                          float *ws, double *data_loss) {
    const int64_t d = mg_tcdae_dim(m), p = mg_tcdae_hidden(m), B = Xn.rows;
    if (Xn.cols != d || X0.cols != d || X0.rows != B || B < 1 || Xn.ld < d || X0.ld < d || !t || !grad || !ws)
        return mg_fail(MG_ERR_SHAPE,
                       "time-conditioned loss: inputs are %lld x %lld, targets %lld x %lld; the model needs B x %lld",
                       (long long)Xn.rows, (long long)Xn.cols, (long long)X0.rows, (long long)X0.cols, (long long)d);
    const tc_ws w = ws_split(ws, B, d, p);
    const mg_tcdae_cparts v = mg_tcdae_cparts_of(m);
    mg_tcdae_parts g;
    {
        int64_t o = 0;
        g.W = grad + o, o += p * d;
        g.a1 = grad + o, o += p;
        g.c1 = grad + o, o += p;
        g.A2 = grad + o, o += p * p;
        g.c2 = grad + o, o += p;
        g.skip = grad + o;
    }
    const float sk = v.skip[0], sc = (float)(2.0 * data_scale / (double)B);
    const int blas_threads = openblas_get_num_threads(); /* each tile is one single-threaded product */
    if (blas_threads != 1) openblas_set_num_threads(1);
    /* gates, then H = relu(Xn W^T) and HG = H .* G */
    mg_status st = mg_tcdae_gates(m, t, B, w.G, w.U);
    if (st != MG_OK) {
        if (blas_threads != 1) openblas_set_num_threads(blas_threads);
        return st;
    }
    tc_gemm(0, 1, B, p, d, 1.0f, Xn.data, Xn.ld, v.W, d, 0.0f, w.H, p);
    for (int64_t i = 0; i < B * p; i++) {
        w.H[i] = w.H[i] > 0.0f ? w.H[i] : 0.0f;
        w.HG[i] = w.H[i] * w.G[i];
    }
    /* Y = HG W + s Xn into dY; R = Y - X0, its row loss, dY = sc R, the skip's partials */
    tc_gemm(0, 0, B, d, p, 1.0f, w.HG, p, v.W, d, 0.0f, w.dY, d);
    for (int64_t i = 0; i < B; i++) {
        float *r = w.dY + i * d;
        const float *xn = Xn.data + i * Xn.ld, *x0 = X0.data + i * X0.ld;
        for (int64_t k = 0; k < d; k++) r[k] = (r[k] + sk * xn[k]) - x0[k];
        w.rowloss[i] = mg_sumsq_lanes(r, d);
        double gs = 0.0;
        for (int64_t k = 0; k < d; k++) {
            r[k] *= sc;
            gs += (double)r[k] * (double)xn[k];
        }
        w.skipg[i] = gs;
    }
    double D = 0.0, gsk = 0.0;
    for (int64_t i = 0; i < B; i++) {
        D += w.rowloss[i];
        gsk += w.skipg[i];
    }
    *data_loss = D / (double)B;
    g.skip[0] = (float)gsk;
    /* dHG = dY W^T; dHp = (dHG .* G) masked by H > 0; dZ2 = (dHG .* H) .* G */
    tc_gemm(0, 1, B, p, d, 1.0f, w.dY, d, v.W, d, 0.0f, w.dHG, p);
    for (int64_t i = 0; i < B * p; i++) {
        const float dhg = w.dHG[i];
        w.dHp[i] = w.H[i] > 0.0f ? dhg * w.G[i] : 0.0f;
        w.dZ2[i] = (dhg * w.H[i]) * w.G[i];
    }
    /* dW = [HG; dHp]^T [dY; Xn] (one product when Xn is in the input slot) */
    if (Xn.data == w.input && Xn.ld == d) {
        tc_gemm(1, 0, p, d, 2 * B, 1.0f, w.HG, p, w.dY, d, 0.0f, g.W, d);
    } else {
        tc_gemm(1, 0, p, d, B, 1.0f, w.HG, p, w.dY, d, 0.0f, g.W, d);
        tc_gemm(1, 0, p, d, B, 1.0f, w.dHp, p, Xn.data, Xn.ld, 1.0f, g.W, d);
    }
    /* the gate MLP: dA2 = dZ2^T U, dc2 = sum_i dZ2_i, dU = dZ2 A2, dZ1 = dU masked by U > 0 */
    tc_gemm(1, 0, p, p, B, 1.0f, w.dZ2, p, w.U, p, 0.0f, g.A2, p);
    tc_gemm(0, 0, B, p, p, 1.0f, w.dZ2, p, v.A2, p, 0.0f, w.dU, p);
    memset(g.c2, 0, (size_t)p * sizeof(float));
    memset(g.a1, 0, (size_t)p * sizeof(float));
    memset(g.c1, 0, (size_t)p * sizeof(float));
    for (int64_t i = 0; i < B; i++) {
        const float *dz2 = w.dZ2 + i * p, *u = w.U + i * p;
        float *du = w.dU + i * p;
        for (int64_t k = 0; k < p; k++) {
            g.c2[k] += dz2[k];
            du[k] = u[k] > 0.0f ? du[k] : 0.0f;
            g.a1[k] += du[k] * t[i];
            g.c1[k] += du[k];
        }
    }
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
    return MG_OK;
}
