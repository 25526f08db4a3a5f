/*
 * Experiment fig3 (paper Fig. 3, Sec. 3.1-3.2, App. B.1): sampling with the
 * memorizing and the generalizing DAE sets of one dataset as diffusion
 * models (deterministic DDIM over the run's noise grid, each level's DAE
 * nearest in log sigma), next to the empirical optimal denoiser f_emp
 * (Eq. 3) of the memorizing training set, the "fully memorizing" reference.
 * Four sets of rows, each measured against a training set:
 *
 *   mem   samples of the memorizing set     vs its training rows
 *   emp   samples of f_emp                  vs the same rows
 *   gen   samples of the generalizing set   vs its training rows
 *   test  held-out test rows (not sampled)  vs the generalizing training rows
 *
 * Per row: the nearest-neighbour ratio d1/d2 (a copy when under
 * ratio_threshold, Gu et al. 2023), the largest cosine to a training row and
 * the norm (memorization.h); for the Gaussian mixture also the log-density
 * of the true mixture smoothed to the grid's lowest noise level, the squared
 * Mahalanobis distance to the nearest mode (same smoothing) and the
 * coordinate along that mode's mean. The in-distribution check compares the
 * generalizing set's samples with the held-out rows: for the mixture the
 * share whose Mahalanobis distance is within the held-out 95% quantile, for
 * images the share inside the held-out 5-95% ranges of both the distance to
 * the nearest training image and the norm.
 *
 * Generators: mg_rng_fork(env->rng, 3 * env->index + k), k = 0 memorizing
 * set, 1 f_emp, 2 generalizing set (the initial noise of DDIM).
 */
#ifndef MEMGEN_EXPERIMENT_FIG3_H
#define MEMGEN_EXPERIMENT_FIG3_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t samples_per_model;      /* samples drawn from each model (default 300) */
    int64_t heldout_reference_rows; /* held-out rows measured, at most the dataset's (default 500) */
    double ratio_threshold;         /* a copy when d1/d2 < this (default 1/3) */
    double direction_cosine;        /* a copy up to scale when the largest cosine is >= this (default 0.95) */
} mg_exp_fig3_params;

/* The summary of one set of rows against its training set. */
typedef struct {
    int64_t training_rows;   /* rows of the training set it is measured against */
    int64_t samples;         /* rows measured */
    double memorized;        /* share with d1/d2 < ratio_threshold */
    int64_t distinct_copied; /* distinct training rows those copy */
    double median_ratio;     /* median d1/d2 */
    double mean_cos_max;     /* mean largest cosine to a training row */
    double near_duplicate;   /* share that copy another row of the same set (NaN under 3 rows) */
    double sampling_seconds; /* wall time of sampling (NaN for the held-out rows) */
} mg_exp_fig3_set;

typedef struct {
    mg_exp_fig3_set mem, emp, gen, test; /* the four sets (see the top of the file) */
    double logp_sigma;                   /* the smoothing of the mixture's density: the grid's lowest sigma */
    /* the memorizing set up to scale */
    double mem_direction_copies;         /* share of its samples with largest cosine >= direction_cosine */
    double mem_median_norm;              /* median norm of its samples */
    double mem_train_median_norm;        /* median norm of its training rows */
    /* in-distribution check of the generalizing set's samples against the held-out rows */
    double gen_inside_share;             /* share inside the held-out range (see the top of the file) */
    double gen_median_norm, test_median_norm;
    /* ... for the mixture (NaN otherwise) */
    double gen_median_mahalanobis2, test_median_mahalanobis2, test_q95_mahalanobis2;
    double gen_median_mean_axis, test_median_mean_axis; /* coordinate along the nearest mode's mean */
    double gen_mode1_share;              /* share of samples whose nearest mode is mode 1 */
    /* ... for images (NaN otherwise) */
    double gen_median_nn_dist, test_median_nn_dist;     /* distance to the nearest training image */
    double test_q05_nn_dist, test_q95_nn_dist, test_q05_norm, test_q95_norm;
    double gen_inside_nn_dist_share, gen_inside_norm_share; /* inside each of the two ranges alone */
    int64_t grid_samples;                /* images: generations shown per grid (0: none) */
    /* per-row numbers: ratio, d1, d2, nn1, nn2, memorized, cos_max, cos_idx, norm, and for the mixture
     * logp_smoothed, mahalanobis2_nearest, nearest_mode, mean_axis_coord */
    mg_table mem_measures, emp_measures, gen_measures, test_measures; /* "<set>_measures" */
    mg_array mem_samples, emp_samples, gen_samples; /* samples_per_model x d each (dataset coordinates) */
    mg_table sets;                       /* "sets": the four summaries, one row each (column set: the name) */
    /* pictures (image datasets only; empty otherwise), dataset coordinates */
    mg_array mem_train;                  /* n x d: the memorizing training rows */
    mg_array mem_grid, emp_grid, gen_grid; /* (2 pairs) x cols x d: rows of generations, each followed by the
                                              row of their nearest training images */
} mg_exp_fig3_result;

MG_API mg_exp_fig3_params mg_exp_fig3_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). The result owns its tables and
 * arrays; free with mg_exp_fig3_free (run frees them itself on failure). */
MG_API mg_status mg_exp_fig3_run(const mg_exp_fig3_params *p, const mg_exp_env *env, mg_exp_fig3_result *r);
MG_API void mg_exp_fig3_free(mg_exp_fig3_result *r);

MG_API extern const mg_experiment mg_exp_fig3;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG3_H */
