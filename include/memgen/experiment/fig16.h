/*
 * Experiment fig16 (paper Fig. 16, App. A.3): Jacobians of the DAEs of one
 * dataset at one noise level, J(y) = W2 diag(mask(y)) W1^T (jacobian.h), at
 * noisy copies y = x + sigma eps of the memorized training samples
 * (memorizing DAE; each sample under several noise draws) and of the first
 * held-out test samples (generalizing DAE): singular value spectra,
 * effective ranks, the alignment of the top left singular vector u1 with the
 * nearest training sample and with the mean of the point's class in the
 * model's training set, the share of J's energy along the nearest training
 * sample, and the share inside the principal subspace of the point's mode /
 * class (the top eigenvectors of that class's scatter matrix in the
 * generalizing training set, Eq. 10; as many as the generalizing DAE has
 * hidden units). Around memorized data J should be nearly rank one along the
 * sample (Cor. 3.2); around generalized samples it should reflect the class
 * structure (Cor. 3.3).
 *
 * Generators: mg_rng_fork(env->rng, 2 * env->index + g), g = 0 memorizing
 * points, 1 generalizing points; point i's noise is fork i of that
 * (mg_noisy_rows).
 */
#ifndef MEMGEN_EXPERIMENT_FIG16_H
#define MEMGEN_EXPERIMENT_FIG16_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma;                              /* noise level of the points and of the DAEs (default 0.2) */
    int64_t noise_draws_per_memorized_sample;  /* points per memorized sample (default 8) */
    int64_t test_points;                       /* test samples (at most the dataset's; default 32) */
} mg_exp_fig16_params;

/* Median, quartiles and range of one per-point measure. */
typedef struct {
    double median, q25, q75, min, max;
} mg_exp_fig16_stat;

/* The points of one model. */
typedef struct {
    int64_t points;                  /* Jacobians analysed */
    int64_t units;                   /* hidden units (singular values kept per point) */
    mg_exp_fig16_stat erank;         /* effective rank exp(entropy of sv / sum sv) */
    mg_exp_fig16_stat rank1;         /* singular values above 1% of the largest */
    mg_exp_fig16_stat sv1_share;     /* sv1 / sum sv */
    mg_exp_fig16_stat align;         /* |cos(u1, nearest training sample)| */
    mg_exp_fig16_stat align_mean;    /* |cos(u1, mean of the point's class in the model's training set)| */
    mg_exp_fig16_stat sample_share;  /* |x_nn^T J|^2 / |J|_F^2, x_nn the unit nearest training sample */
    mg_exp_fig16_stat class_share;   /* |U^T J|_F^2 / |J|_F^2, U the class's principal subspace */
    mg_exp_fig16_stat own_share;     /* the sample share along the part of x_nn orthogonal to its class's mean (what
                                        sets the sample apart from its class; 0 when x_nn is along the mean) */
} mg_exp_fig16_model;

typedef struct {
    int64_t samples_mem;        /* memorized training samples */
    int64_t class_subspace_dim; /* q: eigenvectors spanning a class subspace */
    double random_share;        /* q / d: a random q-dimensional subspace's expected share */
    mg_exp_fig16_model mem;     /* memorizing DAE at its training samples (fields "mem_<measure>_<stat>") */
    mg_exp_fig16_model gen;     /* generalizing DAE at test samples (fields "gen_<measure>_<stat>") */
    mg_table spectra;           /* "spectra": k, then the median, 5% and 95% quantiles of the k-th singular value
                                   over each model's points (mem_*, gen_*; NaN past a model's units) */
    mg_table points;            /* "points": one row per point (memorizing first): model_is_generalizing,
                                   source_row, class, active_units, erank, rank_above_1pct, sv1_share,
                                   nearest_train_row, abs_cos_u1_nearest, abs_cos_u1_class_mean,
                                   energy_share_nearest_sample, energy_share_class_subspace */
    mg_table stats;             /* "stats": one row per model: regime, points, units and median / q25 / q75 of
                                   every measure (<measure>_median, ...) */
    mg_array mem_pairs;         /* image data: 2 x (up to 5) images for display, each point's clean image (display
                                   units) beside its u1 min-max scaled to the display range; else empty */
    mg_array gen_pairs;         /* the same for the generalizing DAE's test points */
    mg_array mem_pairs_u1;      /* image data: those points' u1 (up to 5 x d); else empty */
    mg_array gen_pairs_u1;
} mg_exp_fig16_result;

MG_API mg_exp_fig16_params mg_exp_fig16_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). Free with mg_exp_fig16_free. */
MG_API mg_status mg_exp_fig16_run(const mg_exp_fig16_params *p, const mg_exp_env *env, mg_exp_fig16_result *r);

/* Frees what a run filled and zeroes the result; safe on NULL. */
MG_API void mg_exp_fig16_free(mg_exp_fig16_result *r);

MG_API extern const mg_experiment mg_exp_fig16;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG16_H */
