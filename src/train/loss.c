/*
 * The training loss of the DAE (paper Eq. 6) on one batch and its gradient:
 * the shared workspace and the entry point. The step itself runs in one of
 * two fused forms: small.c for batches of at most MG_SMALL_B rows (the
 * memorization setting: n = 5, full batch), where sgemm would spend its time
 * packing W, and tiled.c (single-threaded sgemm on fixed tiles in one
 * parallel region) for the rest.
 *
 * Per-row loss sums are kept in double and added in a fixed order, so the
 * value does not depend on the thread count.
 */
#include <math.h>
#include <string.h>

#include "core/reduce.h"
#include "train_internal.h"

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

/* sum of v[i]^2 in double in a fixed lane order (core/reduce.h), compiled
 * here at -O3 for the tiled step's row losses. */
double mg_train_sumsq(const float *v, int64_t n) { return mg_sumsq_lanes(v, n); }

/* The end of a fused step (see train_internal.h). */
void mg_train_fused_finish(const mg_dae *m, const float *dH, int64_t B, double D, float *grad, const mg_train_fused *ex) {
    const int update = ex && ex->opt && isfinite(D);
    if (ex && ex->opt && !update) return; /* a non-finite loss leaves the parameters alone */
    if (mg_dae_has_bias(m)) {             /* gb1 = sum_i dH_i (gb2 came with the rows), then the biases' update */
        const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), wcount = d * p * (mg_dae_is_tied(m) ? 1 : 2);
        float *gb1 = grad + wcount;
        memset(gb1, 0, (size_t)p * sizeof(float));
        for (int64_t i = 0; i < B; i++)
            for (int64_t j = 0; j < p; j++) gb1[j] += dH[i * p + j];
        if (update) mg_optim_apply(ex->opt, ex->param, grad, wcount, wcount + p + d);
    }
    if (update) ex->opt->t++;
}

/* ---- the entry point -------------------------------------------------------------- */

/* Data loss and gradient of data_scale * D + lambda * P for one batch. */
mg_status mg_train_loss_grad(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                             float *ws, double *data_loss) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows;
    if (Xn.cols != d || X0.cols != d || X0.rows != B || B < 1 || Xn.ld < d || X0.ld < d)
        return mg_fail(MG_ERR_SHAPE, "loss: inputs are %lld x %lld and targets %lld x %lld, the model needs B x %lld",
                       (long long)Xn.rows, (long long)Xn.cols, (long long)X0.rows, (long long)X0.cols, (long long)d);
    *data_loss = mg_train_small_ok(B, p) ? mg_train_small(m, Xn, X0, data_scale, lambda, grad, ws, NULL)
                                          : mg_train_tiled(m, Xn, X0, data_scale, lambda, grad, ws, NULL);
    return MG_OK;
}
