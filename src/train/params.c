/*
 * Training parameters: names and parsers, PyTorch's defaults, validation,
 * the mapping of a run to Eq. 6's lambda, and the "train.*" metadata that
 * checkpoints carry so that a resumed run can be checked against the original.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train_internal.h"

/* Names indexed by the enums' values; the counts are checked at compile time. */
const char *const mg_optim_names[] = {"sgd", "adam", "adamw", "rmsprop", NULL};
const char *const mg_loss_names[] = {"eq6", "torch", NULL};
const char *const mg_batch_mode_names[] = {"full", "shuffle", "replace", NULL};
const char *const mg_init_names[] = {"kaiming", "normal", NULL};
#define NAMES_OF(tab, count) _Static_assert(sizeof tab / sizeof *tab == count + 1, "a name per value of " #count)
NAMES_OF(mg_optim_names, MG_OPTIM_COUNT);
NAMES_OF(mg_loss_names, MG_LOSS_COUNT);
NAMES_OF(mg_batch_mode_names, MG_BATCH_COUNT);
NAMES_OF(mg_init_names, MG_INIT_COUNT);

/* Name of an enum value from a table (or "?" when out of range). */
static const char *name_of(const char *const *tab, int count, int v) {
    return v >= 0 && v < count ? tab[v] : "?";
}

/* Index of s in tab, or -1. */
static int index_of(const char *const *tab, int count, const char *s) {
    for (int i = 0; s && i < count; i++)
        if (!strcmp(tab[i], s)) return i;
    return -1;
}

const char *mg_optim_name(mg_optim_kind k) { return name_of(mg_optim_names, MG_OPTIM_COUNT, (int)k); }
const char *mg_loss_name(mg_loss_kind k) { return name_of(mg_loss_names, MG_LOSS_COUNT, (int)k); }
const char *mg_batch_mode_name(mg_batch_mode m) { return name_of(mg_batch_mode_names, MG_BATCH_COUNT, (int)m); }
const char *mg_init_name(mg_init_kind k) { return name_of(mg_init_names, MG_INIT_COUNT, (int)k); }

/* "adam" -> MG_OPTIM_ADAM. */
mg_status mg_optim_parse(const char *s, mg_optim_kind *out) {
    int i = index_of(mg_optim_names, MG_OPTIM_COUNT, s);
    if (i < 0) return mg_fail(MG_ERR_ARG, "unknown optimizer '%s' (use sgd, adam, adamw or rmsprop)", s ? s : "");
    *out = (mg_optim_kind)i;
    return MG_OK;
}

/* "eq6" -> MG_LOSS_EQ6. */
mg_status mg_loss_parse(const char *s, mg_loss_kind *out) {
    int i = index_of(mg_loss_names, MG_LOSS_COUNT, s);
    if (i < 0) return mg_fail(MG_ERR_ARG, "unknown loss convention '%s' (use eq6 or torch)", s ? s : "");
    *out = (mg_loss_kind)i;
    return MG_OK;
}

/* lr after PyTorch's defaults (NaN stays NaN for SGD, which has none). */
double mg_train_resolved_lr(const mg_train_params *p) {
    if (!isnan(p->lr)) return p->lr;
    switch (p->optim) {
    case MG_OPTIM_ADAM:
    case MG_OPTIM_ADAMW: return 1e-3;
    case MG_OPTIM_RMSPROP: return 1e-2;
    default: return NAN;
    }
}

/* weight_decay after PyTorch's defaults (AdamW 1e-2, others 0). */
double mg_train_resolved_wd(const mg_train_params *p) {
    if (!isnan(p->weight_decay)) return p->weight_decay;
    return p->optim == MG_OPTIM_ADAMW ? 1e-2 : 0.0;
}

/* Fails unless lo <= v <= hi (and v is a number). */
static mg_status check_range(const char *what, double v, double lo, double hi) {
    if (!(v >= lo && v <= hi)) return mg_fail(MG_ERR_ARG, "training: %s = %g is out of range [%g, %g]", what, v, lo, hi);
    return MG_OK;
}

/* Validates a parameter set for n x d data. */
mg_status mg_train_params_check(const mg_train_params *p, int64_t n, int64_t d) {
    if (n < 1 || d < 1) return mg_fail(MG_ERR_ARG, "training data must have at least one row and one column");
    if (p->hidden < 1) return mg_fail(MG_ERR_ARG, "training: the number of hidden units must be >= 1 (got %lld)",
                                      (long long)p->hidden);
    if ((unsigned)p->optim >= MG_OPTIM_COUNT) return mg_fail(MG_ERR_ARG, "training: invalid optimizer %d", (int)p->optim);
    if ((unsigned)p->loss >= MG_LOSS_COUNT) return mg_fail(MG_ERR_ARG, "training: invalid loss convention %d", (int)p->loss);
    if ((unsigned)p->batch_mode >= MG_BATCH_COUNT)
        return mg_fail(MG_ERR_ARG, "training: invalid batch mode %d", (int)p->batch_mode);
    if ((unsigned)p->init >= MG_INIT_COUNT) return mg_fail(MG_ERR_ARG, "training: invalid init %d", (int)p->init);
    if (p->init == MG_INIT_NORMAL) MG_TRY(check_range("init scale", p->init_scale, 0.0, 1e30));
    MG_TRY(check_range("sigma", p->sigma, 0.0, 1e30));
    MG_TRY(check_range("lambda", p->lambda, 0.0, 1e30));
    double lr = mg_train_resolved_lr(p), wd = mg_train_resolved_wd(p);
    if (isnan(lr)) return mg_fail(MG_ERR_ARG, "training: SGD needs an explicit learning rate (PyTorch has no default)");
    if (!(lr > 0) || !isfinite(lr)) return mg_fail(MG_ERR_ARG, "training: learning rate %g must be positive", lr);
    MG_TRY(check_range("weight decay", wd, 0.0, 1e30));
    MG_TRY(check_range("momentum", p->momentum, 0.0, 1e30));
    MG_TRY(check_range("dampening", p->dampening, 0.0, 1.0));
    MG_TRY(check_range("eps", p->eps, 0.0, 1e30));
    if (!(p->beta1 >= 0 && p->beta1 < 1) || !(p->beta2 >= 0 && p->beta2 < 1))
        return mg_fail(MG_ERR_ARG, "training: Adam betas (%g, %g) must lie in [0, 1)", p->beta1, p->beta2);
    MG_TRY(check_range("RMSprop alpha", p->alpha, 0.0, 1.0));
    if (p->optim == MG_OPTIM_SGD && p->nesterov && (!(p->momentum > 0) || p->dampening != 0))
        return mg_fail(MG_ERR_ARG, "training: Nesterov momentum requires a momentum and zero dampening");
    if (p->steps < 0) return mg_fail(MG_ERR_ARG, "training: the number of steps must be >= 0");
    if (p->batch_mode != MG_BATCH_FULL) {
        if (p->batch < 1) return mg_fail(MG_ERR_ARG, "training: batch size must be >= 1 (got %lld)", (long long)p->batch);
        if (p->batch_mode == MG_BATCH_SHUFFLE && p->batch > n)
            return mg_fail(MG_ERR_ARG,
                           "training: batch size %lld exceeds the %lld training rows; use a full batch or "
                           "sampling with replacement",
                           (long long)p->batch, (long long)n);
    }
    int64_t rows = p->batch_mode == MG_BATCH_FULL ? n : p->batch;
    int64_t wide = d > p->hidden ? d : p->hidden;
    if (rows > 2147483647 || d > 2147483647 || p->hidden > 2147483647 || rows > ((int64_t)1 << 32) / wide)
        return mg_fail(MG_ERR_ARG,
                       "training: a batch of %lld rows x %lld columns is too large (at most 2^32 floats per "
                       "buffer); use a smaller batch",
                       (long long)rows, (long long)wide);
    return MG_OK;
}

/* Eq. 6 lambda of a run (train.h): (lambda + wd/2) / c untied,
 * (lambda + wd/4) / c tied; NaN for AdamW or biases with wd != 0. */
double mg_train_effective_lambda(const mg_train_params *p, int64_t d) {
    double wd = mg_train_resolved_wd(p);
    if (wd != 0 && (p->optim == MG_OPTIM_ADAMW || p->bias)) return NAN;
    double c = p->loss == MG_LOSS_TORCH ? 1.0 / (double)d : 1.0;
    double coupled = p->tied ? wd / 4.0 : wd / 2.0;
    return (p->lambda + coupled) / c;
}

/* ---- metadata ------------------------------------------------------------ */

/* One trajectory parameter: key, type and offset inside mg_train_params. */
typedef struct {
    const char *key;
    char type; /* 'd' double, 'i' int, 'l' int64_t, 'o' optim, 's' loss, 'b' batch mode, 'n' init */
    size_t off;
} param_field;

#define PF(k, t, f) {k, t, offsetof(mg_train_params, f)}
static const param_field k_fields[] = {
    PF("train.hidden", 'l', hidden),    PF("train.tied", 'i', tied),          PF("train.bias", 'i', bias),
    PF("train.init", 'n', init),        PF("train.init_scale", 'd', init_scale), PF("train.sigma", 'd', sigma),
    PF("train.loss", 's', loss),        PF("train.lambda", 'd', lambda),      PF("train.optim", 'o', optim),
    PF("train.lr", 'd', lr),            PF("train.weight_decay", 'd', weight_decay),
    PF("train.momentum", 'd', momentum), PF("train.dampening", 'd', dampening), PF("train.nesterov", 'i', nesterov),
    PF("train.beta1", 'd', beta1),      PF("train.beta2", 'd', beta2),        PF("train.eps", 'd', eps),
    PF("train.alpha", 'd', alpha),      PF("train.centered", 'i', centered),  PF("train.batch", 'l', batch),
    PF("train.batch_mode", 'b', batch_mode), PF("train.steps", 'l', steps),
};
#undef PF
#define NFIELDS ((int)(sizeof k_fields / sizeof *k_fields))

/* Formats field f of p into buf (exact: %.17g for doubles). */
static void field_str(const param_field *f, const mg_train_params *p, char *buf, size_t n) {
    const char *base = (const char *)p + f->off;
    switch (f->type) {
    case 'd': snprintf(buf, n, "%.17g", *(const double *)base); break;
    case 'i': snprintf(buf, n, "%d", *(const int *)base); break;
    case 'l': snprintf(buf, n, "%lld", (long long)*(const int64_t *)base); break;
    case 'o': snprintf(buf, n, "%s", mg_optim_name(*(const mg_optim_kind *)base)); break;
    case 's': snprintf(buf, n, "%s", mg_loss_name(*(const mg_loss_kind *)base)); break;
    case 'b': snprintf(buf, n, "%s", mg_batch_mode_name(*(const mg_batch_mode *)base)); break;
    default: snprintf(buf, n, "%s", mg_init_name(*(const mg_init_kind *)base)); break;
    }
}

/* Writes every field, with lr and weight decay resolved. */
mg_status mg_train_params_to_st(const mg_train_params *p, mg_st *st) {
    mg_train_params r = *p;
    r.lr = mg_train_resolved_lr(p);
    r.weight_decay = mg_train_resolved_wd(p);
    char buf[64];
    for (int i = 0; i < NFIELDS; i++) {
        field_str(&k_fields[i], &r, buf, sizeof buf);
        MG_TRY(mg_st_set_meta(st, k_fields[i].key, buf));
    }
    return MG_OK;
}

/* Parses field f from string v into p. */
static int field_parse(const param_field *f, const char *v, mg_train_params *p) {
    char *base = (char *)p + f->off;
    char *end = NULL;
    int idx;
    switch (f->type) {
    case 'd': {
        double x = strtod(v, &end);
        if (!*v || *end) return -1;
        *(double *)base = x;
        return 0;
    }
    case 'i':
    case 'l': {
        long long x = strtoll(v, &end, 10);
        if (!*v || *end) return -1;
        if (f->type == 'i') {
            if (x < -2147483647 || x > 2147483647) return -1;
            *(int *)base = (int)x;
        } else {
            *(int64_t *)base = x;
        }
        return 0;
    }
    case 'o': idx = index_of(mg_optim_names, MG_OPTIM_COUNT, v); if (idx < 0) return -1; *(mg_optim_kind *)base = (mg_optim_kind)idx; return 0;
    case 's': idx = index_of(mg_loss_names, MG_LOSS_COUNT, v); if (idx < 0) return -1; *(mg_loss_kind *)base = (mg_loss_kind)idx; return 0;
    case 'b': idx = index_of(mg_batch_mode_names, MG_BATCH_COUNT, v); if (idx < 0) return -1; *(mg_batch_mode *)base = (mg_batch_mode)idx; return 0;
    default: idx = index_of(mg_init_names, MG_INIT_COUNT, v); if (idx < 0) return -1; *(mg_init_kind *)base = (mg_init_kind)idx; return 0;
    }
}

/* Reads every "train.*" field; a missing or malformed key is MG_ERR_FORMAT. */
mg_status mg_train_params_from_st(const mg_st *st, const char *path, mg_train_params *p) {
    mg_train_params r = MG_TRAIN_PARAMS_DEFAULT;
    for (int i = 0; i < NFIELDS; i++) {
        const char *v = mg_st_meta(st, k_fields[i].key);
        if (!v) return mg_fail(MG_ERR_FORMAT, "%s: checkpoint lacks metadata '%s'", path, k_fields[i].key);
        if (field_parse(&k_fields[i], v, &r))
            return mg_fail(MG_ERR_FORMAT, "%s: checkpoint metadata '%s' = '%s' is malformed", path, k_fields[i].key, v);
    }
    *p = r;
    return MG_OK;
}

/* Compares every field except train.steps (lr/wd resolved on both sides). */
mg_status mg_train_params_same(const mg_train_params *ckpt, const mg_train_params *run, const char *path) {
    mg_train_params a = *ckpt, b = *run;
    a.lr = mg_train_resolved_lr(ckpt);
    a.weight_decay = mg_train_resolved_wd(ckpt);
    b.lr = mg_train_resolved_lr(run);
    b.weight_decay = mg_train_resolved_wd(run);
    char va[64], vb[64];
    for (int i = 0; i < NFIELDS; i++) {
        if (!strcmp(k_fields[i].key, "train.steps")) continue;
        field_str(&k_fields[i], &a, va, sizeof va);
        field_str(&k_fields[i], &b, vb, sizeof vb);
        if (strcmp(va, vb))
            return mg_fail(MG_ERR_ARG, "%s: the checkpoint was written with %s = %s but this run has %s; "
                           "resume with the original settings", path, k_fields[i].key + 6, va, vb);
    }
    return MG_OK;
}

/* FNV-1a 64 over each row taken as 64-bit little-endian words (a trailing
 * 4-byte float, when d is odd, as one more word): 8x fewer rounds than the
 * byte-wise hash, the same collision behaviour for our purpose (detecting
 * other data on resume). */
uint64_t mg_train_data_hash(mg_mat X) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int64_t i = 0; i < X.rows; i++) {
        const unsigned char *b = (const unsigned char *)(X.data + i * X.ld);
        size_t nb = (size_t)X.cols * sizeof(float), k = 0;
        for (; k + 8 <= nb; k += 8) {
            uint64_t w;
            memcpy(&w, b + k, 8);
            h ^= w;
            h *= 0x100000001b3ull;
        }
        if (k < nb) {
            uint32_t w;
            memcpy(&w, b + k, 4);
            h ^= w;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

/* MG_TRAIN_PARAMS_DEFAULT as a value. */
mg_train_params mg_train_params_default(void) {
    mg_train_params v = MG_TRAIN_PARAMS_DEFAULT;
    return v;
}
