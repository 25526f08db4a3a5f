/*
 * Experiment fig7 (paper Fig. 7, Cor. 3.4, App. C.6): the hybrid regime. A
 * DAE is TRAINED at sigma on a dataset's generalizing training set to which
 * MG_EXP_FIG7_NDUP points were added many times (data.h: mg_data_duplicate):
 * for a Gaussian mixture, injected rank-1 points in random directions
 * (separable from the modes, as Definition 3.1 and Cor. 3.4 assume); for
 * images, training images picked at random (real duplicates, which share
 * the positive pixel cone with every other image). Every column of the
 * learned W1 is matched against the duplicated points and against the other
 * training rows: memorizing columns copy a duplicated point, generalizing
 * columns match no single row. The closed form of Cor. 3.4 (partition.h:
 * the classes / modes as clusters, each group of copies a rank-1 cluster of
 * its own; Theorem 3.1 on that partition) is built on the same rows at the
 * trained model's lambda of Eq. 6, compared with the learned W1
 * (compare.h), and, on a mixture, used as the start of a second training run
 * to test that it is a (near) stationary point.
 *
 * Generators: mg_rng_fork(env->rng, 10 env->index + k): k = 0 the
 * duplicates, 1 training from scratch, 2 training from the closed form,
 * 3 the noise of the Monte Carlo losses (the same draws for every model).
 */
#ifndef MEMGEN_EXPERIMENT_FIG7_H
#define MEMGEN_EXPERIMENT_FIG7_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Duplicated points added to the training set. */
#define MG_EXP_FIG7_NDUP 3

typedef struct {
    double sigma;          /* noise level of both trainings and of the losses (default 0.2, the paper's) */
    int64_t times;         /* copies of each duplicated point in the training set (default 300) */
    int64_t steps_mog;     /* training steps from scratch on a mixture (default 3000) */
    int64_t steps_fmnist;  /* ... on images (default 3000) */
    int64_t warm_steps;    /* training steps from the closed form (mixture only; default 1000) */
    double lr;             /* Adam learning rate from scratch (default 3e-3; a tenth of it from the closed form) */
    double weight_decay;   /* coupled weight decay (default 1e-4) */
    int64_t batch;         /* shuffled minibatch rows (default 128); MSE loss, width = the generalizing width + NDUP */
    double mem_cos;        /* a column copies a row when their cosine is >= mem_cos (default 0.95) */
    double share_cos;      /* a column takes part in storing a duplicated point at cosine >= share_cos (default 0.5) */
    int64_t lead;          /* leading directions compared per block of the closed form (default 5) */
} mg_exp_fig7_params;

/* The columns of one model's W1 and what they match. */
typedef struct {
    int have;                              /* 0: not run (training from the closed form needs a mixture) */
    int64_t p;                             /* columns */
    int64_t memorizing_columns;            /* cosine >= mem_cos to a duplicated point */
    int64_t generalizing_columns;          /* nonzero, not memorizing, cosine < mem_cos to every other row */
    int64_t columns_copying_other_sample;  /* nonzero, not memorizing, cosine >= mem_cos to a non-duplicated row */
    double max_nonmem_row_cos;             /* largest cosine of a nonzero non-memorizing column to a non-duplicated
                                              row (-1: none) */
    double best_dup_cos[MG_EXP_FIG7_NDUP]; /* per duplicated point: the largest cosine to a column */
    int64_t best_dup_col[MG_EXP_FIG7_NDUP];/* ... that column */
    int64_t columns_per_dup[MG_EXP_FIG7_NDUP]; /* nonzero columns of cosine >= share_cos whose best point it is */
    double min_dup_cos;                    /* the smallest best_dup_cos */
    double loss;                           /* Monte Carlo data loss (1/n) sum |f(x + sigma eps) - x|^2, one draw per row */
    double train_seconds;                  /* wall time of its training (0: not trained) */
} mg_exp_fig7_model;

typedef struct {
    int64_t base_rows;        /* generalizing rows the hybrid set starts from */
    int64_t rows;             /* rows of the hybrid training set */
    int64_t duplicated;       /* distinct duplicated points (MG_EXP_FIG7_NDUP) */
    int64_t copies;           /* copies of each (times) */
    int injected;             /* 1: injected points (mixture), 0: picked training rows */
    int64_t hidden;           /* width of the trained DAEs and of the closed form */
    int64_t steps;            /* training steps from scratch */
    double lambda;            /* Eq. 6 lambda of that training (and of the closed form) */
    int64_t clusters;         /* clusters of the closed form */
    int64_t base_clusters;    /* of those, the classes / modes (the rest: one per duplicated group) */
    int64_t rank1_clusters;   /* memorised (rank-1) clusters */
    double predicted_loss_closed_form; /* Theorem 3.1's training data term of the closed form */
    double separability_alpha, separability_beta; /* Definition 3.1 on the clusters */
    int64_t mask_violations;  /* rows where the closed form's masks fail */
    int has_note;             /* 1: the construction left a note */
    char construction_note[512];
    mg_exp_fig7_model trained;          /* trained from scratch */
    mg_exp_fig7_model construction;     /* the closed form of Cor. 3.4 */
    mg_exp_fig7_model from_closed_form; /* trained from the closed form (mixture only) */
    /* "columns_trained", "columns_construction", "columns_from_closed_form" (the last empty unless run): per
     * column: column, norm, best_duplicated_point, cos_duplicated, best_other_row, cos_other_row, and
     * "kind(1 memorizing 2 matches_one_sample 0 generalizing -1 zero)" */
    mg_table columns_trained, columns_construction, columns_from_closed_form;
    /* "models": per model run: model (text), index (0 trained, 1 closed form, 2 from the closed form),
     * memorizing, generalizing, copying_other, max_other_cos, loss, predicted (closed form only, else NaN) */
    mg_table models;
    /* "duplicated": per duplicated point: point (1-based), then <model>_cos, <model>_col, <model>_columns for
     * trained, construction, from_closed_form (NaN when not run) */
    mg_table duplicated_matches;
    /* "block_angles": per block of the closed form: block, duplicated (0/1), rank, units (learned units
     * assigned), lead (directions compared), angle_max_deg (largest principal angle, compare.h) */
    mg_table block_angles;
    mg_array W1_trained;        /* d x hidden: W1 trained from scratch */
    mg_array W_closed_form;     /* d x hidden: the closed form's W */
    mg_array duplicated_points; /* NDUP x d: the distinct duplicated points */
    /* images only: NDUP duplicated images (pixels), the most similar trained column to each, then up to
     * 2 NDUP other trained columns, each column scaled to its largest entry (negatives 0); else empty */
    mg_array column_grid;
    int64_t grid_other;         /* the other columns in column_grid */
} mg_exp_fig7_result;

MG_API mg_exp_fig7_params mg_exp_fig7_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). Free with mg_exp_fig7_free. */
MG_API mg_status mg_exp_fig7_run(const mg_exp_fig7_params *p, const mg_exp_env *env, mg_exp_fig7_result *r);
MG_API void mg_exp_fig7_free(mg_exp_fig7_result *r);

MG_API extern const mg_experiment mg_exp_fig7;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG7_H */
