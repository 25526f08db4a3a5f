/*
 * Internals shared by the training sources (src/train/ *.c): the optimizer
 * state, the trainer object, and the parameter <-> metadata helpers used by
 * checkpoints. Not installed; the public API is include/memgen/train.h.
 */
#ifndef MEMGEN_TRAIN_INTERNAL_H
#define MEMGEN_TRAIN_INTERNAL_H

#include "memgen/safetensors.h"
#include "memgen/train.h"

/* Optimizer buffer slots (at most three per optimizer). */
#define MG_OPTIM_SLOTS 3

/* A PyTorch-semantics optimizer over one flat parameter vector of n floats. */
typedef struct {
    mg_optim_kind kind;
    double lr, wd, momentum, dampening, beta1, beta2, eps, alpha;
    int nesterov, centered;
    int64_t n;                        /* parameters */
    int64_t t;                        /* updates done (Adam's `step`; SGD's buffer exists iff t > 0) */
    float *buf[MG_OPTIM_SLOTS];       /* n floats each, NULL if unused */
    const char *name[MG_OPTIM_SLOTS]; /* PyTorch state names: "exp_avg", "square_avg", ... */
} mg_optim;

/* Sets up the optimizer for n parameters from resolved params (allocates and
 * zeroes its buffers). */
mg_status mg_optim_init(mg_optim *o, const mg_train_params *p, int64_t n);
void mg_optim_free(mg_optim *o);

/* One PyTorch update of param (n) with gradient grad (n). */
void mg_optim_step(mg_optim *o, float *param, const float *grad);

/* The trainer (see train.h). Buffers are allocated once at creation. */
struct mg_trainer {
    mg_train_params p;     /* resolved: lr and weight_decay are never NaN */
    mg_dae *model;         /* borrowed */
    mg_mat X;              /* borrowed data, n x d */
    int64_t n, d, hp, B;   /* rows, dimension, hidden units, batch rows */
    int64_t nparams;
    double data_scale;     /* c: 1 (eq6) or 1/d (torch) */
    mg_rng rng_run;        /* the run's generator as given */
    mg_rng rng_noise, rng_batch;
    int64_t step;
    uint64_t data_hash;    /* FNV-1a 64 of X's rows */
    /* sampler */
    int64_t *perm;         /* n, shuffle mode */
    int64_t perm_pos;      /* next index into perm; n means "reshuffle" */
    int64_t *rows;         /* B, the current batch's row indices */
    /* step buffers */
    float *x0buf;          /* B x d gathered clean rows (NULL when full batch reads X directly) */
    float *ws;             /* mg_train_ws_floats(B, d, p) */
    float *xn;             /* B x d noisy inputs: the input slot of ws (not a separate allocation) */
    float *grad;           /* nparams */
    mg_optim opt;
    double last_data_loss; /* of the last completed step */
    int64_t io_log_every, io_probe_rows, io_ckpt_every; /* of the current run, saved in checkpoints */
    /* probe batch for representation statistics */
    int64_t nprobe;
    float *probe_x;        /* nprobe x d clean rows */
    float *probe_h;        /* nprobe x p */
};

/* Runs fn(ctx, lo, hi) over [0, n): directly when n <= grain, else in chunks
 * of grain on OpenMP threads (gemm.c). For elementwise / row-wise work whose
 * result does not depend on the split. */
void mg_train_par(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx);

/* Writes the trajectory parameters as "train.*" metadata. */
mg_status mg_train_params_to_st(const mg_train_params *p, mg_st *st);
/* Reads them back (every key required). */
mg_status mg_train_params_from_st(const mg_st *st, const char *path, mg_train_params *p);
/* Returns MG_OK if a and b describe the same trajectory (steps may differ),
 * else MG_ERR_ARG naming the first differing field and both values. */
mg_status mg_train_params_same(const mg_train_params *ckpt, const mg_train_params *run, const char *path);

/* FNV-1a 64 fingerprint of the n x d rows of X. */
uint64_t mg_train_data_hash(mg_mat X);

#endif /* MEMGEN_TRAIN_INTERNAL_H */
