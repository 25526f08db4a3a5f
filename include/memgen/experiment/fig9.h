/*
 * Experiment fig9 (paper Fig. 9, App. A.1): the generalizing ReLU DAE
 * learned on the Gaussian mixture at one noise level against the
 * closed-form local minimiser of Theorem 3.1 (Eq. 7-8), built from the true
 * mode labels with the Eq. 6 weight decay that training minimises and with
 * the block widths the learned model chose (each unit counted for the mode
 * whose mean excites it most): the eigenvalues of W2 W1^T side by side, and
 * per block the principal angles between the learned and the constructed
 * column spaces (compare.h).
 *
 * The learned model is the shared generalizing set's level at sigma, then
 * (when the step counts are positive) a copy of it trained further on the
 * same data at the set's settings, first extra_steps_lr steps at its
 * learning rate, then extra_steps_lr_over_10 steps at a tenth of it, so it
 * is close to convergence. Both are compared; the headline numbers are the
 * further-trained model's (the shared one's when no steps are added).
 *
 * Generators: mg_rng_fork(env->rng, 2 * env->index + k), k = 0 the first further-training
 * phase, 1 the second (training draws batches and noise from it, train.h).
 */
#ifndef MEMGEN_EXPERIMENT_FIG9_H
#define MEMGEN_EXPERIMENT_FIG9_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma;                    /* noise level (a level of the sets; default 0.2, the paper's) */
    int64_t extra_steps_lr;          /* further steps at the set's learning rate (default 6000) */
    int64_t extra_steps_lr_over_10;  /* then steps at a tenth of it (default 3000) */
    int64_t lead;                    /* leading directions per block of the second angle measure (default 10) */
    double eig_tol;                  /* relative difference up to which a learned eigenvalue matches the
                                        constructed one (default 0.05) */
} mg_exp_fig9_params;

typedef struct {
    /* the data and the shared model's training */
    int64_t n, d, p;                 /* training rows, dimension, hidden units */
    char optim[16];                  /* optimizer ("adam", ...) */
    double lr, weight_decay;         /* learning rate, weight decay (PyTorch's, on MSELoss) */
    int64_t batch, shared_steps;     /* batch rows, steps of the shared set's training */
    int trained_further;             /* 1: the further-trained model is compared (step counts > 0) */
    double lambda_eq6;               /* the Eq. 6 weight decay lambda that training minimises (train.h) */
    double n_lambda;                 /* n lambda: the construction keeps directions with eigenvalue above it */
    /* the further-trained model (the shared one without further steps) vs its construction */
    int64_t eig_compared;            /* nonzero constructed eigenvalues compared (compare.h eig_lead) */
    int64_t eig_within_tol;          /* of those, learned within eig_tol relative */
    double eig_share_within_tol;     /* eig_within_tol / eig_compared (NaN when none) */
    double eig_max_rel_err;          /* largest relative difference over the compared eigenvalues */
    double eig_median_rel_err;       /* median of them (NaN when none) */
    double angle_max_deg;            /* largest principal angle over the blocks */
    double angle_max_lead_deg;       /* the same over the leading `lead` directions of each block */
    double angle_max_mode0_deg;      /* largest angle of mode 0's block */
    double angle_max_mode1_deg;      /* of mode 1's block (90 when there is none) */
    int64_t worst_block;             /* mode of the block with the largest angle (1-based) */
    int64_t learned_width_mode0;     /* learned units counted for mode 0 */
    int64_t learned_width_mode1;     /* for mode 1 */
    int64_t learned_units_unassigned; /* learned units positive on no mode mean */
    int64_t construction_dropped_directions; /* allocated directions with eigenvalue <= n lambda */
    int construction_has_note;       /* 1: construction_note is not empty */
    char construction_note[512];     /* the construction's remarks (drops, unused columns) */
    double mask_violation_share;     /* share of training rows on which Theorem 3.1's masks fail */
    double alpha;                    /* Definition 3.1's alpha of the modes */
    /* the shared model vs its construction */
    double shared_eig_max_rel_err, shared_angle_max_deg, shared_angle_max_lead_deg;
    mg_table eigenvalues;            /* "eigenvalues": j, learned, constructed, rel_err (every eigenvalue, descending) */
    mg_table angles;                 /* "angles": block, index, angle_deg, angle_leading<lead>_deg (NaN past lead) */
    mg_table blocks;                 /* "blocks": mode, constructed (kept directions), learned_units, compared,
                                        median_angle, max_angle, max_angle_lead */
    mg_table models;                 /* "models": one row per compared model (shared, then further-trained):
                                        further, steps, width_mode0, width_mode1, eig_max_rel_err, angle_max,
                                        angle_max_lead */
} mg_exp_fig9_result;

MG_API mg_exp_fig9_params mg_exp_fig9_defaults(void);

/* Runs on env->data[0], the Gaussian mixture (MG_EXP_MOG_DATASET). Free with mg_exp_fig9_free. */
MG_API mg_status mg_exp_fig9_run(const mg_exp_fig9_params *p, const mg_exp_env *env, mg_exp_fig9_result *r);

/* Frees what a run filled and zeroes the result; safe on NULL. */
MG_API void mg_exp_fig9_free(mg_exp_fig9_result *r);

MG_API extern const mg_experiment mg_exp_fig9;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG9_H */
