/*
 * Experiment fig5 (paper Fig. 5, Sec. 3.1, Cor. 3.2-3.3): spiky vs balanced
 * representations. The representations h = relu(W1^T (x + sigma eps)) of
 * training samples under the memorizing and the generalizing DAE of one
 * dataset at one noise level: the memorizing set's few training samples,
 * each under many noise draws (rows cycled), and the generalizing set's
 * first training rows. Every spikiness metric (repr.h) of every row, the
 * AUROC of each shown metric between the two groups (memorizing positive)
 * and their medians, and the representation of one training sample under
 * each model (the same sample when it is in both training sets, else one of
 * the same class / mode).
 *
 * Generators: mg_rng_fork(env->rng, 2 * env->index + g), g = 0 memorizing
 * group, 1 generalizing group (row i's noise from fork i of that, repr.h).
 */
#ifndef MEMGEN_EXPERIMENT_FIG5_H
#define MEMGEN_EXPERIMENT_FIG5_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma;  /* noise level (a level of the sets; default 0.2, the paper's) */
    int64_t rows;  /* rows per group (default 1000) */
} mg_exp_fig5_params;

/* Separation of the two groups by one metric. */
typedef struct {
    double auroc;       /* memorizing rows positive */
    double median_mem, median_gen;
} mg_exp_fig5_sep;

typedef struct {
    int64_t p_mem, p_gen;        /* widths of the two DAEs */
    int64_t rows_mem, rows_gen;  /* rows scored per group (rows_gen <= the generalizing set) */
    int64_t samples_mem;         /* distinct memorizing training samples behind rows_mem */
    mg_exp_fig5_sep std, top1, l4l2, negpr; /* the shown metrics */
    double single_std_mem, single_std_gen, single_top1_mem, single_top1_gen;
    int partner_same;            /* 1: the single sample is the same under both models */
    mg_table mem_metrics;        /* "mem_train_metrics": every metric of every memorizing row */
    mg_table gen_metrics;        /* "gen_train_metrics": the same for the generalizing rows */
    mg_table separation;         /* "separation": metric, median_mem, median_gen, ratio, auroc (shown metrics) */
    mg_array single_h_mem;       /* 1 x p_mem: h of the memorizing group's row 0 */
    mg_array single_h_gen;       /* 1 x p_gen: h of the same / a same-class sample under the generalizing model */
} mg_exp_fig5_result;

MG_API mg_exp_fig5_params mg_exp_fig5_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). Free with mg_exp_fig5_free. */
MG_API mg_status mg_exp_fig5_run(const mg_exp_fig5_params *p, const mg_exp_env *env, mg_exp_fig5_result *r);
MG_API void mg_exp_fig5_free(mg_exp_fig5_result *r);

MG_API extern const mg_experiment mg_exp_fig5;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG5_H */
