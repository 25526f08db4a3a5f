/*
 * Experiment setup: what the shared data of a run are (experiment.h's
 * mg_exp_data): per dataset and regime the rows, dimension, width and
 * training settings of its DAE set, the training wall time, and the
 * separability of the memorizing rows (Def. 3.1: Cor. 3.2 expects rows
 * that are not positively correlated). It reads the datasets and computes
 * nothing new; the report's "Setup" section is drawn from it.
 */
#ifndef MEMGEN_EXPERIMENT_SETUP_H
#define MEMGEN_EXPERIMENT_SETUP_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma_ref; /* the level the paper's single-DAE figures use (default 0.2); must be a level of the sets */
} mg_exp_setup_params;

typedef struct {
    int ndata;              /* datasets seen */
    int nsigmas;            /* levels of every set */
    double sigma_min, sigma_max;
    int fmnist_used;        /* 1: Fashion-MNIST is among the datasets */
    mg_table trained_sets;  /* "trained_sets": dataset, regime, n, d, p, optimizer, lr, weight_decay, batch, steps */
    mg_table train_seconds; /* "train_seconds": dataset, regime, seconds (wall time of each set's training) */
    mg_table datasets;      /* "datasets": dataset, n_mem, mem_max_cosine, separable, n_test, centered */
} mg_exp_setup_result;

MG_API mg_exp_setup_params mg_exp_setup_defaults(void);

/* Runs on every dataset of env (MG_EXP_ALL_DATASETS). Free with mg_exp_setup_free. */
MG_API mg_status mg_exp_setup_run(const mg_exp_setup_params *p, const mg_exp_env *env, mg_exp_setup_result *r);
MG_API void mg_exp_setup_free(mg_exp_setup_result *r);

MG_API extern const mg_experiment mg_exp_setup;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_SETUP_H */
