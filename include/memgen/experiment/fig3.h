/*
 * Experiment fig3 (paper Fig. 3, Sec. 3.1-3.2, App. B.1): sampling with
 * memorizing and generalizing models of one dataset, two ways side by side,
 * next to the empirical optimal denoiser f_emp (Eq. 3) of the memorizing
 * training set, the "fully memorizing" reference.
 *
 * The two ways:
 *  - the paper's text: the memorizing and the generalizing DAE sets of the
 *    shared data (one DAE per noise level) sampled by deterministic DDIM
 *    over the run's noise grid, each level's DAE nearest in log sigma;
 *  - the authors' code: their time-conditioned model (tcdae.h) trained here
 *    on the same memorizing and generalizing rows (their optimizers: RMSprop
 *    wd 1e-2 full batch / Adam wd 5e-4 batches of tc_gen_batch; sigma
 *    log-uniform in [tc_sigma_min, tc_sigma_max]), sampled with their
 *    stochastic sampler (MG_SAMPLER_ANCESTRAL over tc_levels geometric levels
 *    from tc_sigma_max down to tc_sigma_min, then 0, from x = tc_sigma_max z)
 *    with every step clamped to the data range (the generalizing training
 *    rows' global minimum and maximum; the authors clamp to [-1, 1], their
 *    data's range).
 *
 * Six sets of rows, each measured against a training set:
 *
 *   mem     samples of the memorizing DAE set        vs its training rows
 *   emp     samples of f_emp (DDIM)                  vs the same rows
 *   gen     samples of the generalizing DAE set      vs its training rows
 *   test    held-out test rows (not sampled)         vs the generalizing training rows
 *   tc_mem  samples of the memorizing tc model       vs the memorizing training rows
 *   tc_gen  samples of the generalizing tc model     vs the generalizing training rows
 *
 * Literal measures per row ("<set>_measures"): the nearest-neighbour ratio
 * d1/d2 (a copy when under ratio_threshold, Gu et al. 2023), the largest
 * cosine to a training row and the norm (memorization.h); for the Gaussian
 * mixture also the log-density of the true mixture smoothed to the grid's
 * lowest noise level, the squared Mahalanobis distance to the nearest mode
 * (same smoothing) and the coordinate along that mode's mean.
 *
 * Measures up to scale per row ("<set>_upto_scale"): the same ratio after
 * normalising every row and every training row to unit norm (a copy up to
 * scale when under ratio_threshold), whether the largest cosine is at least
 * direction_cosine (the authors' notebook measure), and the norm over the
 * training rows' median norm. The literal ratio is scale-sensitive, and the
 * scale of a sample is a property of the model: a bias-free ReLU DAE is
 * positively homogeneous, so DDIM from N(0, sigma_max^2 I) sets a sample's
 * scale by the initial noise, not by the data (tests/test_set_train.c checks
 * sample(c sigmas) = c sample(sigmas)).
 *
 * In-distribution checks (the sets measured against the generalizing rows:
 * gen, tc_gen, and test as the reference), literal and up to scale:
 *  - literal: for the mixture the share whose squared Mahalanobis distance
 *    to the nearest mode is within the held-out 95% quantile; for images the
 *    share inside the held-out 5-95% ranges of both the distance to the
 *    nearest training image and the norm;
 *  - up to scale: every row, the held-out rows included, rescaled to the
 *    held-out rows' median norm first (a comparison of directions); then the
 *    mixture's Mahalanobis check against the rescaled held-out 95% quantile,
 *    or the images' nearest-training-image distance within the rescaled
 *    held-out 5-95% range (the norm check is moot after rescaling).
 *
 * Generators: mg_rng_fork(env->rng, 3 * env->index + k), k = 0 memorizing
 * set, 1 f_emp, 2 generalizing set (the initial noise of DDIM); the
 * time-conditioned runs fork t = mg_rng_fork_named(env->rng, "tc") and use
 * mg_rng_fork(&t, 4 * env->index + k), k = 0 training of the memorizing
 * model, 1 its sampling, 2 training of the generalizing model, 3 its
 * sampling (no stream of the DDIM runs is touched).
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
    double ratio_threshold;         /* a copy when d1/d2 < this, literal or on unit-norm rows (default 1/3) */
    double direction_cosine;        /* a copy up to scale when the largest cosine is >= this (default 0.95) */
    /* the authors' time-conditioned model (tcdae.h, tctrain.h) */
    int64_t tc_mem_steps;           /* memorizing model: RMSprop steps, wd 1e-2 (default 3000) */
    double tc_mem_lr;               /* its learning rate (default 5e-4; the authors' 1e-3 spikes, sec_fig3.c) */
    int64_t tc_mem_p;               /* its hidden units (default 256, the authors') */
    int64_t tc_mem_batch;           /* rows per step, 0: full batch (default 0, the authors') */
    int64_t tc_gen_steps;           /* generalizing model: Adam steps, wd 5e-4 (default 1500) */
    double tc_gen_lr;               /* its learning rate (default 1e-3) */
    int64_t tc_gen_p;               /* its hidden units, 0: the generalizing DAE set's p (default 0) */
    int64_t tc_gen_batch;           /* rows per step, without replacement, drop_last (default 256, the authors') */
    double tc_sigma_min, tc_sigma_max; /* training range of sigma and the sampler's grid (default 0.02, 2) */
    int64_t tc_levels;              /* the sampler's geometric levels before the final 0 (default 60) */
    int tc_clamp;                   /* 1: clamp every sampler step to the data range (default 1) */
} mg_exp_fig3_params;

/* The summary of one set of rows against its training set. */
typedef struct {
    int64_t training_rows;   /* rows of the training set it is measured against */
    int64_t samples;         /* rows measured */
    double memorized;        /* share with d1/d2 < ratio_threshold (literal) */
    int64_t distinct_copied; /* distinct training rows those copy */
    double median_ratio;     /* median d1/d2 */
    double mean_cos_max;     /* mean largest cosine to a training row */
    double near_duplicate;   /* share that copy another row of the same set (NaN under 3 rows) */
    double sampling_seconds; /* wall time of sampling (NaN for the held-out rows) */
    /* up to scale */
    double direction_copies; /* share with largest cosine >= direction_cosine */
    double unit_memorized;   /* share with d1/d2 < ratio_threshold on unit-norm rows */
    int64_t unit_distinct_copied; /* distinct training rows those copy */
    double median_unit_ratio;     /* median d1/d2 on unit-norm rows */
    double median_norm;           /* median norm of the rows */
    double train_median_norm;     /* median norm of the training rows */
    double train_seconds;         /* wall time of training (the time-conditioned models; NaN otherwise) */
    /* in-distribution (gen, tc_gen, test; NaN for the others), literal ... */
    double inside_share;          /* share inside the held-out range (see the top of the file) */
    double inside_nn_dist_share, inside_norm_share; /* images: inside each of the two ranges alone */
    double median_mahalanobis2;   /* MoG: median squared Mahalanobis distance to the nearest mode */
    double median_mean_axis;      /* MoG: median coordinate along the nearest mode's mean */
    double mode0_share;           /* MoG: share whose nearest mode is mode 0 */
    double median_nn_dist;        /* images: median distance to the nearest training image */
    /* ... and up to scale (every row rescaled to the held-out median norm) */
    double scaled_inside_share;   /* share inside the rescaled held-out range */
    double scaled_median_mahalanobis2; /* MoG */
    double scaled_median_nn_dist;      /* images */
} mg_exp_fig3_set;

typedef struct {
    mg_exp_fig3_set mem, emp, gen, test, tc_mem, tc_gen; /* the six sets (see the top of the file) */
    double logp_sigma;                   /* the smoothing of the mixture's density: the grid's lowest sigma */
    /* the memorizing set up to scale (= mem.direction_copies, mem.median_norm, mem.train_median_norm) */
    double mem_direction_copies;         /* share of its samples with largest cosine >= direction_cosine */
    double mem_median_norm;              /* median norm of its samples */
    double mem_train_median_norm;        /* median norm of its training rows */
    /* in-distribution check of the generalizing set's samples against the held-out rows (= gen.*) */
    double gen_inside_share;             /* share inside the held-out range (see the top of the file) */
    double gen_median_norm, test_median_norm; /* test_median_norm: the norm of the rescaled checks */
    /* ... for the mixture (NaN otherwise) */
    double gen_median_mahalanobis2, test_median_mahalanobis2, test_q95_mahalanobis2;
    double gen_median_mean_axis, test_median_mean_axis; /* coordinate along the nearest mode's mean */
    double gen_mode0_share;              /* share of samples whose nearest mode is mode 0 */
    double test_scaled_q95_mahalanobis2; /* the 95% quantile of the rescaled held-out rows */
    /* ... for images (NaN otherwise) */
    double gen_median_nn_dist, test_median_nn_dist;     /* distance to the nearest training image */
    double test_q05_nn_dist, test_q95_nn_dist, test_q05_norm, test_q95_norm;
    double gen_inside_nn_dist_share, gen_inside_norm_share; /* inside each of the two ranges alone */
    double test_scaled_q05_nn_dist, test_scaled_q95_nn_dist; /* the range of the rescaled held-out rows */
    int64_t grid_samples;                /* images: generations shown per grid (0: none) */
    /* the time-conditioned runs */
    int64_t tc_mem_p, tc_gen_p;          /* hidden units used */
    double tc_mem_loss, tc_gen_loss;     /* training loss of the last step (MSELoss) */
    double tc_mem_skip, tc_gen_skip;     /* the learned scalar skip s */
    double tc_clamp_lo, tc_clamp_hi;     /* the sampler's clamp (NaN: none) */
    /* per-row numbers, literal: ratio, d1, d2, nn1, nn2, memorized, cos_max, cos_idx, norm, and for the
     * mixture logp_smoothed, mahalanobis2_nearest, nearest_mode, mean_axis_coord */
    mg_table mem_measures, emp_measures, gen_measures, test_measures; /* "<set>_measures" */
    mg_table tc_mem_measures, tc_gen_measures;
    /* per-row numbers up to scale ("<set>_upto_scale"): unit_ratio, unit_d1, unit_d2, unit_nn1, unit_nn2,
     * unit_memorized, direction_copy, norm_over_train (norm / training rows' median norm); for gen, tc_gen
     * and test also inside (the literal check), scale (the factor to the held-out median norm), the rescaled
     * row's scaled_mahalanobis2_nearest (MoG) or scaled_d1 (images), and scaled_inside */
    mg_table mem_upto_scale, emp_upto_scale, gen_upto_scale, test_upto_scale, tc_mem_upto_scale, tc_gen_upto_scale;
    mg_array mem_samples, emp_samples, gen_samples; /* samples_per_model x d each (dataset coordinates) */
    mg_array tc_mem_samples, tc_gen_samples;
    mg_table sets;                       /* "sets": mem, emp, gen, test, one row each (column set: the name) */
    mg_table runs;                       /* "runs": all six sets with how they were made, literal and up to
                                            scale (columns how, set, key and the set's summary) */
    mg_table in_distribution;            /* "in_distribution": gen, tc_gen, test, literal and up to scale */
    mg_table timing;                     /* "timing": train_seconds, sampling_seconds of the rows of runs */
    /* pictures (image datasets only; empty otherwise), dataset coordinates */
    mg_array mem_train;                  /* n x d: the memorizing training rows */
    mg_array mem_grid, emp_grid, gen_grid; /* (2 pairs) x cols x d: rows of generations, each followed by the
                                              row of their nearest training images */
    mg_array tc_mem_grid, tc_gen_grid;   /* the same for the time-conditioned runs */
    mg_array autocontrast_grid;          /* 8 x cols x d DISPLAY values in the model's (centred) coordinates:
                                            each image clipped to the data range (the generalizing rows' global
                                            minimum and maximum), then min-max stretched to the display range, as
                                            the authors show images; rows of generations of mem, tc_mem, gen,
                                            tc_gen, each followed by their nearest training images up to scale */
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
