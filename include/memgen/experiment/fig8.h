/*
 * Experiment fig8 (paper Fig. 8, Eq. 11, Sec. 4.2, App. B.3-B.4):
 * representation steering. On one dataset, the steering vectors v_k = the
 * mean representation of target-concept samples (the MoG's other mode; a
 * Fashion-MNIST class: the one with most held-out rows among those not in
 * the memorizing set) are computed per level of the generalizing and of the
 * memorizing DAE set (steer.h), and every starting sample is drawn again
 * with W2 (h + a v) during a window of the final sampling steps, for a sweep
 * of a (the same initial noise for every a). The sweep's end is the first a
 * of {1/64, 1/32, ..., 32} at which the generalizing set's samples cover
 * gain_scale of the way to the target centroid (else the a that brings them
 * closest); both sets use the same a values.
 *
 * Analysed groups: the generalizing set's new samples (NN ratio >= ratio
 * against its training rows, literally and up to scale) that start outside
 * the target, and the memorizing set's copies up to scale (NN ratio < ratio
 * with every row at unit norm, memorization.h: a bias-free ReLU DAE is
 * positively homogeneous, f(t x) = t f(x), so its sampler ends on t x_i, a
 * stored sample at another scale, whose literal NN ratio is near 1) of a
 * training sample not of the target. Up to scale, a sample in a tight mode
 * that is no single training row's copy is not counted as one (a cosine
 * threshold would count it: every point of a tight mode is near the mean). Per sample: the distance
 * to the target centroid (and, for the MoG, the target mode's posterior) as
 * a function of a, with steer.h's monotonicity, largest jump, kink and
 * smooth / threshold-like / static class; per group their summary.
 *
 * Generators (k of mg_rng_fork(env->rng, k)): the target representations
 * 100 + env->index; the starting noise of the generalizing set's sweep (and
 * of the scan for its end) 2 env->index, of the memorizing set's
 * 2 env->index + 1.
 */
#ifndef MEMGEN_EXPERIMENT_FIG8_H
#define MEMGEN_EXPERIMENT_FIG8_H

#include "memgen/experiment.h"
#include "memgen/steer.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int steps;              /* DDIM steps, geometric over the run's noise grid, top to bottom (default 20) */
    int final_steps;        /* the steered window covers the last final_steps steps ... (default 10) */
    int skip_last;          /* ... except the very last skip_last (default 3; mg_steer_window) */
    int64_t samples;        /* starting samples per set (default 64) */
    int alphas;             /* values of a in the sweep, evenly from 0 to alpha_max (default 11) */
    double vector_sigma;    /* noise of the target representations (default 0.02: the paper's t = 10 of 1000) */
    double posterior_sigma; /* MoG: noise level of the target-mode posterior (default 0.05) */
    double gain_scale;      /* the sweep ends where the generalizing set's samples cover this share of the way to
                               the target (default 0.5) */
    double ratio;           /* copies: NN ratio < ratio up to scale; new samples: >= ratio (default 1/3) */
    int shown;              /* individual curves per group in shown_curves (default 4) */
} mg_exp_fig8_params;

typedef struct {
    int target;                  /* the target concept: MoG component / image class */
    char target_name[64];        /* e.g. "mode 1 (mu = +5 e_1)", "class 2 (Pullover)" */
    int64_t target_rows;         /* held-out rows the steering vectors average */
    double alpha_max;            /* end of the sweep */
    double sigma_hi, sigma_lo;   /* the steered noise levels: sigma_lo < sigma <= sigma_hi */
    mg_steer_summary generalized; /* the generalizing set's analysed (new, outside the target) samples */
    mg_steer_summary memorized;  /* the memorizing set's analysed samples (copies of a non-target training sample) */
    double mem_samples_median_cos;  /* memorizing set, a = 0: median largest cosine of its samples to its training rows */
    double mem_samples_median_unit_ratio; /* ... and their median NN ratio up to scale */
    double mem_samples_median_norm; /* ... median norm of its samples */
    double mem_train_median_norm;   /* ... median norm of its training rows */
    mg_table gen_per_sample, mem_per_sample; /* "gen_per_sample", "mem_per_sample": sample, in_group,
                                    class(0 static 1 smooth 2 threshold), mono, spearman, jump, path_jump, kink, gain */
    mg_table gen_curves, mem_curves; /* "gen_curves", "mem_curves": sample, alpha, distance_to_target,
                                    displacement, target_posterior (NaN without a mixture); samples x alphas rows */
    mg_table groups;             /* "groups": one row per analysed group: group, samples, and its summary */
    mg_table gen_shown, mem_shown; /* "gen_shown_curves", "mem_shown_curves": sample (-1: the group's mean), alpha,
                                    rel_distance (to the target, / at a = 0), posterior; the mean and the first
                                    `shown` samples of the group */
    mg_array strip;              /* image data: rows x alphas x d, up to 3 analysed samples of each group across the
                                    sweep (empty for non-image data) */
} mg_exp_fig8_result;

MG_API mg_exp_fig8_params mg_exp_fig8_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET) over env->sigmas. Free with
 * mg_exp_fig8_free. */
MG_API mg_status mg_exp_fig8_run(const mg_exp_fig8_params *p, const mg_exp_env *env, mg_exp_fig8_result *r);
MG_API void mg_exp_fig8_free(mg_exp_fig8_result *r);

MG_API extern const mg_experiment mg_exp_fig8;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG8_H */
