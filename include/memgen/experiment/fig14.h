/*
 * Experiment fig14 (paper Fig. 14-15, App. A.2): one-step denoising of
 * training and held-out test samples, y = f(x + sigma eps), with the
 * memorizing and the generalizing DAE of one dataset at two noise levels
 * (sigma, default 0.2, and the sets' level nearest sigma_hi, default 1). A
 * memorizing DAE denoises its training samples almost perfectly but maps a
 * test sample to a training-like output (high test MSE); a generalizing DAE
 * denoises both about equally well. The hidden layer of the same forward
 * pass gives the representations of Fig. 15, scored by every spikiness
 * metric (repr.h).
 *
 * Rows: the memorizing set's few training samples cycled to train_rows rows
 * (each under its own noise draw), the generalizing set's first train_rows
 * training rows, and the first test_rows held-out rows, which both models
 * see with the same noise.
 *
 * Generators: mg_rng_fork(env->rng, 16 * env->index + 4 * l + g) for level l
 * (0: sigma, 1: the level nearest sigma_hi) and rows g (0: memorizing
 * training rows, 1: generalizing training rows, 2: test rows);
 * 16 * env->index + 12 + l for the image grid of level l. Row i's noise is
 * fork i of that (mg_noisy_rows).
 */
#ifndef MEMGEN_EXPERIMENT_FIG14_H
#define MEMGEN_EXPERIMENT_FIG14_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma;        /* first noise level (a level of the sets; default 0.2, the paper's) */
    double sigma_hi;     /* second noise level: the sets' level nearest this (default 1) */
    int64_t train_rows;  /* training rows per model (memorizing rows cycled; default 1000) */
    int64_t test_rows;   /* held-out rows (at most the dataset's; default 1000) */
} mg_exp_fig14_params;

/* The numbers of one noise level. MSE: mean over rows of |f(x + sigma eps) - x|^2 / d;
 * medians over rows of the hidden layer's spikiness. Ratios are test / train
 * (NaN when the train value is 0). */
typedef struct {
    int64_t level;                 /* index of the level in the sets' noise grid */
    double sigma;                  /* its noise level */
    double mem_train_mse, mem_test_mse, gen_train_mse, gen_test_mse;
    double mem_train_median_std, mem_test_median_std, gen_train_median_std, gen_test_median_std;
    double mem_train_median_top1, mem_test_median_top1, gen_train_median_top1, gen_test_median_top1;
    double mem_test_input_cos;     /* mean over test rows of the largest cosine of the clean row to a memorizing
                                      training row (the same at both levels) */
    double mem_test_output_cos;    /* the same for the memorizing DAE's outputs of the noisy test rows */
    double mem_mse_ratio, gen_mse_ratio;   /* test / train MSE of each model */
    double mem_std_ratio, gen_std_ratio;   /* test / train median std */
    double mem_top1_ratio, gen_top1_ratio; /* test / train median top-1 share */
    double test_std_auroc, test_top1_auroc; /* Fig. 15: the test rows' std / top-1 share under the memorizing DAE
                                               (positive) against the same rows under the generalizing DAE */
} mg_exp_fig14_level;

typedef struct {
    int64_t samples_mem;        /* distinct memorizing training samples */
    int64_t rows_train_mem;     /* memorizing rows (the samples cycled) */
    int64_t rows_train_gen;     /* generalizing training rows (at most train_rows) */
    int64_t rows_test;          /* test rows (at most test_rows) */
    int64_t grid_train, grid_test; /* image data: training / test images per grid row (else 0) */
    mg_exp_fig14_level lo, hi;  /* at sigma and at the level nearest sigma_hi */
    mg_table_list cells;        /* 8 tables "<mem|gen>_<train|test>_level<L>" (level, model, rows order):
                                   per row "mse" and every spikiness metric of the hidden layer */
    mg_table denoising;         /* "denoising": one row per (model, level), memorizing first: dae, label,
                                   level, sigma, train_mse, test_mse, ratio, std_train, std_test,
                                   top1_train, top1_test */
    mg_array grid_lo, grid_hi;  /* image data: 4 x (grid_train + grid_test) x d (dataset coordinates): the
                                   clean images (training, then test), the noisy inputs, the memorizing
                                   DAE's outputs, the generalizing DAE's outputs; empty otherwise */
} mg_exp_fig14_result;

MG_API mg_exp_fig14_params mg_exp_fig14_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). Free with mg_exp_fig14_free. */
MG_API mg_status mg_exp_fig14_run(const mg_exp_fig14_params *p, const mg_exp_env *env, mg_exp_fig14_result *r);

/* Frees what a run filled and zeroes the result; safe on NULL. */
MG_API void mg_exp_fig14_free(mg_exp_fig14_result *r);

MG_API extern const mg_experiment mg_exp_fig14;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG14_H */
