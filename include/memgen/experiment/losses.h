/*
 * Experiment losses (paper Theorem 3.1, Cor. 3.2-3.3; App. C): the losses the
 * closed forms predict against Monte Carlo measurements, over the noise
 * levels of the shared DAE sets, for both regimes of every dataset:
 *
 *  - the training loss (the data term of Eq. 6, (1/n) sum E|f(x + sigma eps) - x|^2)
 *    that Theorem 3.1 / Cor. 3.2 / Cor. 3.3 predict for the construction
 *    (theory.h, masks as in Theorem 3.1), against the Monte Carlo loss of
 *    (a) the constructed model and (b) the trained DAE of the shared set;
 *  - for a Gaussian mixture, the test loss: Cor. 3.3's population risk of the
 *    rank-p_k Wiener filters (the corrected per-direction term of docs/corrections.md) and
 *    the construction's exact risk on the mixture, against the Monte Carlo
 *    loss of both models on held-out samples.
 *
 * The partition behind each construction (partition.h) is the first of the
 * natural ones whose masks hold on the data at sigma_part (memorizing sets:
 * one sample per cluster = Cor. 3.2, then the modes / classes; generalizing
 * sets: the modes / classes = Cor. 3.3, then one block = Lemma C.1), else
 * the one with the fewest samples violating them. Each construction uses the
 * Eq. 6 lambda its set's training minimises and, for block partitions, the
 * block widths the trained DAE chose (mg_dae_block_widths).
 *
 * Sees every dataset at once (MG_EXP_ALL_DATASETS). Generators: row
 * (dataset i, regime g, level l) draws its training noise from
 * mg_rng_fork(env->rng, 2 k) and its test noise from mg_rng_fork(env->rng,
 * 2 k + 1), k = (2 i + g) 64 + l; the constructed and the trained model see
 * the same draws (common random numbers).
 */
#ifndef MEMGEN_EXPERIMENT_LOSSES_H
#define MEMGEN_EXPERIMENT_LOSSES_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t level_step; /* measure every level_step-th level of the grid, from the first (default 1) */
    int64_t mc_mem;     /* Monte Carlo noise draws per memorizing training row (default 2000) */
    int64_t mc_gen;     /* ... per generalizing training row (default 1) */
    int64_t mc_test;    /* ... per held-out row, for the mixture's test losses (default 20) */
    double sigma_part;  /* noise level (a level of the grid) at which the partitions are chosen (default 0.2) */
    double tol_rel;     /* a Monte Carlo loss agrees with its closed form when |MC - closed| <= */
    double tol_se;      /* max(tol_rel |closed|, tol_se standard errors) (defaults 0.02 and 3) */
    double sigma_low;   /* checks at sigma <= sigma_low are also counted apart (default 0.2) */
} mg_exp_losses_params;

typedef struct {
    int ndata;                      /* datasets seen (1 or 2 are named below) */
    char dataset0[16], dataset1[16]; /* names of env->data[0] and [1] ("" when absent): the "dataset" column's 0, 1 */
    /* "train_losses": one row per (dataset, regime, level): dataset (index), generalizing (0/1), sigma,
     * masks_hold (Theorem 3.1's masks hold on the clean training rows), mask_violation_share (share of
     * rows whose masks fail), predicted (the construction's training data term), constructed_mc,
     * constructed_se, trained_mc, trained_se (Monte Carlo mean and standard error), cor32_lambda0
     * (Cor. 3.2 at lambda -> 0, memorizing rows; NaN else), level (index in the grid) */
    mg_table train_losses;
    /* "mog_test_losses": one row per level of the mixture's generalizing set: sigma, cor33_oracle
     * (Cor. 3.3, corrected), construction_risk (its exact risk on the mixture), constructed_mc,
     * constructed_se, trained_mc, trained_se (Monte Carlo on held-out rows). Empty without a mixture. */
    mg_table test_losses;
    /* "partitions": one row per (dataset, regime): data, regime, partition (text), K, alpha, beta
     * (Definition 3.1), levels_masks_hold, levels_all_assumptions (Definition 3.1 and Eq. 16 too), levels */
    mg_table partitions;
    int64_t rows;                     /* rows of train_losses */
    int64_t rows_masks_fail;          /* ... whose masks fail */
    /* the constructed model against its closed form, where the masks hold: every training row's loss and,
     * on the mixture, the construction's test risk */
    int64_t checks_masks_hold;        /* checks */
    int64_t constructed_within_tol;   /* checks within the tolerance (tol_rel, tol_se) */
    int64_t checks_low_sigma;         /* checks at sigma <= sigma_low */
    int64_t checks_low_sigma_within_tol;
    double constructed_worst_rel;     /* largest |MC - closed| / |closed| (0 without checks) */
    double constructed_worst_sigma;   /* its sigma */
    /* the trained DAEs against the closed form, on the training rows where the masks hold */
    int64_t trained_rows_masks_hold;  /* rows */
    double trained_median_rel;        /* lower median (the ceil(n/2)-th smallest) of |MC - closed| / |closed|;
                                         NaN counts as +inf; NaN without rows */
    double trained_worst_rel;         /* largest (+inf when one is NaN; NaN without rows) */
    double trained_worst_sigma;       /* its sigma */
    /* the trained DAEs' test loss against Cor. 3.3, at every level of the mixture's generalizing set */
    int64_t test_levels;
    double test_trained_median_rel, test_trained_worst_rel, test_trained_worst_sigma; /* as above */
    double mog_gen_violation_share;   /* mixture, generalizing set: share of rows whose masks fail at sigma_part */
    double mog_gen_alpha;             /* Definition 3.1's alpha of that set's partition (NaN without a mixture) */
} mg_exp_losses_result;

MG_API mg_exp_losses_params mg_exp_losses_defaults(void);

/* Runs on every dataset of env (MG_EXP_ALL_DATASETS, at most 2). Free with
 * mg_exp_losses_free. */
MG_API mg_status mg_exp_losses_run(const mg_exp_losses_params *p, const mg_exp_env *env, mg_exp_losses_result *r);
MG_API void mg_exp_losses_free(mg_exp_losses_result *r);

MG_API extern const mg_experiment mg_exp_losses;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_LOSSES_H */
