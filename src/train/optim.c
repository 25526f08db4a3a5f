/*
 * Optimizers with the exact update rules and defaults of PyTorch 1.13
 * (torch/optim/{sgd,adam,adamw,rmsprop}.py, the single-tensor code paths):
 * every scalar hyper-parameter enters a float32 operation as float, the bias
 * corrections of Adam are computed in double from the step count, and each
 * element sees the same sequence of float operations as in PyTorch. Coupled
 * weight decay (grad + wd * param) for SGD, Adam and RMSprop; decoupled
 * (param * (1 - lr * wd)) for AdamW. The loops are elementwise, so any thread
 * split gives the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

/* Allocates slot i (zeroed) with its PyTorch state name. */
static mg_status add_slot(mg_optim *o, int i, const char *name) {
    o->buf[i] = mg_calloc((size_t)o->n, sizeof(float));
    o->name[i] = name;
    if (!o->buf[i]) return mg_fail(MG_ERR_NOMEM, "optimizer: cannot allocate state '%s' (%lld floats)", name, (long long)o->n);
    return MG_OK;
}

/* Sets up the buffers the optimizer keeps (PyTorch's state dict). */
mg_status mg_optim_init(mg_optim *o, const mg_train_params *p, int64_t n) {
    memset(o, 0, sizeof *o);
    o->kind = p->optim;
    o->lr = mg_train_resolved_lr(p);
    o->wd = mg_train_resolved_wd(p);
    o->momentum = p->momentum;
    o->dampening = p->dampening;
    o->nesterov = p->nesterov;
    o->beta1 = p->beta1;
    o->beta2 = p->beta2;
    o->eps = p->eps;
    o->alpha = p->alpha;
    o->centered = p->centered;
    o->n = n;
    mg_status s = MG_OK;
    switch (o->kind) {
    case MG_OPTIM_SGD:
        if (o->momentum != 0) s = add_slot(o, 0, "momentum_buffer");
        break;
    case MG_OPTIM_ADAM:
    case MG_OPTIM_ADAMW:
        s = add_slot(o, 0, "exp_avg");
        if (s == MG_OK) s = add_slot(o, 1, "exp_avg_sq");
        break;
    case MG_OPTIM_RMSPROP:
        s = add_slot(o, 0, "square_avg");
        if (s == MG_OK && o->momentum > 0) s = add_slot(o, 1, "momentum_buffer");
        if (s == MG_OK && o->centered) s = add_slot(o, 2, "grad_avg");
        break;
    case MG_OPTIM_COUNT: s = mg_fail(MG_ERR_ARG, "optimizer: invalid kind %d", (int)o->kind); break;
    }
    if (s != MG_OK) mg_optim_free(o);
    return s;
}

/* Frees the state buffers. */
void mg_optim_free(mg_optim *o) {
    if (!o) return;
    for (int i = 0; i < MG_OPTIM_SLOTS; i++) free(o->buf[i]);
    memset(o, 0, sizeof *o);
}

/* What a chunk of the update needs. */
typedef struct {
    const mg_optim *o;
    float *w;
    const float *g;
} optim_ctx;

/* Element loops are written once per variant, with the variant chosen
 * outside the loop: a loop that tests a flag per element is vectorised with
 * AVX-512 masks, and a masked access to an unused (NULL) state buffer then
 * costs a fault-suppression assist per vector (measured: 40x slower). */

/* The range functions below apply update number o->t + 1 (o->t counts the
 * updates done before this one) to elements lo..hi of the flat vectors. */

/* torch.optim.SGD: d = g + wd p; buf = d (first step) or momentum buf +
 * (1 - dampening) d; d = nesterov ? d + momentum buf : buf; p -= lr d. */
static void sgd_range(void *vc, int64_t lo, int64_t hi) {
    const optim_ctx *c = vc;
    const mg_optim *o = c->o;
    const int64_t n = hi - lo;
    float *restrict w = c->w + lo;
    const float *restrict g = c->g + lo;
    const float wd = (float)o->wd, mom = (float)o->momentum, damp1 = (float)(1.0 - o->dampening);
    const float nlr = (float)(-o->lr);
    float *restrict buf = o->buf[0] ? o->buf[0] + lo : NULL;
    if (o->momentum == 0) {
        for (int64_t i = 0; i < n; i++) w[i] = w[i] + nlr * (g[i] + wd * w[i]);
        return;
    }
    if (o->t == 0) { /* the first update */
        for (int64_t i = 0; i < n; i++) buf[i] = g[i] + wd * w[i];
    } else {
        for (int64_t i = 0; i < n; i++) buf[i] = buf[i] * mom + damp1 * (g[i] + wd * w[i]);
    }
    if (o->nesterov) {
        for (int64_t i = 0; i < n; i++) w[i] = w[i] + nlr * ((g[i] + wd * w[i]) + mom * buf[i]);
    } else {
        for (int64_t i = 0; i < n; i++) w[i] = w[i] + nlr * buf[i];
    }
}

/* torch.optim.Adam / AdamW (amsgrad off). Coupled decay enters the gradient
 * (Adam), decoupled decay scales the parameter first (AdamW). */
static void adam_range(void *vc, int64_t lo, int64_t hi) {
    const optim_ctx *c = vc;
    const mg_optim *o = c->o;
    const int64_t n = hi - lo;
    float *restrict w = c->w + lo;
    const float *restrict g = c->g + lo;
    const double bc1 = o->bc1, bc2 = o->bc2; /* of update t + 1 (mg_optim_begin) */
    const float step_neg = (float)(-(o->lr / bc1)), bc2_sqrt = (float)sqrt(bc2);
    const float b1 = (float)o->beta1, b2 = (float)o->beta2;
    const float omb1 = (float)(1.0 - o->beta1), omb2 = (float)(1.0 - o->beta2), eps = (float)o->eps;
    const int adamw = o->kind == MG_OPTIM_ADAMW;
    /* Adam: g + wd w (wd may be 0: adding 0 * w changes nothing for finite w);
       AdamW: w (1 - lr wd), skipped when wd = 0 as PyTorch multiplies by exactly 1 */
    const float wd = adamw ? 0.0f : (float)o->wd, decay = (float)(1.0 - o->lr * o->wd);
    float *restrict m = o->buf[0] + lo, *restrict v = o->buf[1] + lo;
    if (adamw && o->wd != 0) {
        for (int64_t i = 0; i < n; i++) w[i] = w[i] * decay;
    }
    for (int64_t i = 0; i < n; i++) {
        float gi = g[i] + wd * w[i];
        float mi = m[i] * b1 + omb1 * gi;
        float vi = v[i] * b2 + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] + step_neg * mi / (sqrtf(vi) / bc2_sqrt + eps);
    }
}

/* torch.optim.RMSprop: square_avg, optional grad_avg (centered) and
 * momentum buffer. */
static void rmsprop_range(void *vc, int64_t lo, int64_t hi) {
    const optim_ctx *c = vc;
    const mg_optim *o = c->o;
    const int64_t n = hi - lo;
    float *restrict w = c->w + lo;
    const float *restrict g = c->g + lo;
    const float a = (float)o->alpha, oma = (float)(1.0 - o->alpha), eps = (float)o->eps;
    const float wd = (float)o->wd, mom = (float)o->momentum, nlr = (float)(-o->lr);
    float *restrict sq = o->buf[0] + lo;
    float *restrict buf = o->buf[1] ? o->buf[1] + lo : NULL, *restrict ga = o->buf[2] ? o->buf[2] + lo : NULL;
    /* avg = sqrt(square_avg) + eps, or sqrt(square_avg - grad_avg^2) + eps (centered);
       the update is p - lr g / avg, or through the momentum buffer */
    if (!o->centered && !(o->momentum > 0)) {
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            float s = sq[i] * a + oma * gi * gi;
            sq[i] = s;
            w[i] = w[i] + nlr * gi / (sqrtf(s) + eps);
        }
    } else if (!o->centered) {
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            float s = sq[i] * a + oma * gi * gi;
            sq[i] = s;
            float b = buf[i] * mom + gi / (sqrtf(s) + eps);
            buf[i] = b;
            w[i] = w[i] + nlr * b;
        }
    } else if (!(o->momentum > 0)) {
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            float s = sq[i] * a + oma * gi * gi;
            float gai = ga[i] * a + oma * gi;
            sq[i] = s;
            ga[i] = gai;
            w[i] = w[i] + nlr * gi / (sqrtf(s + -1.0f * gai * gai) + eps);
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            float gi = g[i] + wd * w[i];
            float s = sq[i] * a + oma * gi * gi;
            float gai = ga[i] * a + oma * gi;
            sq[i] = s;
            ga[i] = gai;
            float b = buf[i] * mom + gi / (sqrtf(s + -1.0f * gai * gai) + eps);
            buf[i] = b;
            w[i] = w[i] + nlr * b;
        }
    }
}

/* A range function of the kind above. */
typedef void (*range_fn_t)(void *ctx, int64_t lo, int64_t hi);

/* The range function of the optimizer's kind. */
static range_fn_t range_fn(const mg_optim *o) {
    switch (o->kind) {
    case MG_OPTIM_SGD: return sgd_range;
    case MG_OPTIM_ADAM:
    case MG_OPTIM_ADAMW: return adam_range;
    case MG_OPTIM_RMSPROP:
    case MG_OPTIM_COUNT: break;
    }
    return rmsprop_range;
}

/* Prepares update number o->t + 1: Adam's bias corrections, in double from
 * the step count as PyTorch computes them. */
void mg_optim_begin(mg_optim *o) {
    const double t = (double)(o->t + 1);
    o->bc1 = 1.0 - pow(o->beta1, t);
    o->bc2 = 1.0 - pow(o->beta2, t);
}

/* Update number o->t + 1 on elements lo..hi only (see train_internal.h). */
void mg_optim_apply(const mg_optim *o, float *param, const float *grad, int64_t lo, int64_t hi) {
    if (hi <= lo) return;
    optim_ctx c = {o, param, grad};
    range_fn(o)(&c, lo, hi);
}
