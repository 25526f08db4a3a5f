/*
 * Experiment fig4 (paper Fig. 4, Cor. 3.2 and 3.3): what the encoder W1 of
 * the sigma = 0.2 DAE of one dataset stores. Memorizing model: every
 * training sample should be a column of W1 (Cor. 3.2, W1 = [r_i x_i, 0]),
 * so each sample's best cosine to a column is ~1. Generalizing model: no
 * column is a single training sample; the columns span the data's principal
 * directions (Cor. 3.3: per mode, the top eigenvectors of X_k X_k^T),
 * measured (a) on held-out rows: the share of their energy inside span(W1)
 * against the share inside the training set's top-p principal subspace (the
 * best any p-dimensional subspace does), and (b) for the two-mode mixture,
 * whose modes are separable: each column's energy share inside the top-p
 * eigen-subspace of each mode's scatter matrix (the block structure).
 *
 * No randomness: everything is read off the trained sets.
 */
#ifndef MEMGEN_EXPERIMENT_FIG4_H
#define MEMGEN_EXPERIMENT_FIG4_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double sigma;         /* noise level of the DAEs read (a level of the sets; default 0.2, the paper's) */
    double store_cosine;  /* a column "stores" a sample at cosine >= this (default 0.95) */
    int64_t pca_rows_cap; /* training rows behind each principal subspace, per mode for the MoG (default 2000) */
} mg_exp_fig4_params;

typedef struct {
    int64_t p_mem, p_gen;              /* widths of the two DAEs */
    /* memorizing model (Cor. 3.2) */
    int64_t mem_samples;               /* memorizing training samples n */
    int64_t mem_samples_stored;        /* samples with a column at cosine >= store_cosine */
    double mem_stored_share;           /* mem_samples_stored / mem_samples */
    int64_t mem_distinct_columns;      /* distinct columns holding the stored samples */
    double mem_stored_distinct_share;  /* mem_distinct_columns / mem_samples: samples stored each in a column of
                                          its own (a column shared by two samples stores neither as a column) */
    double mem_min_best_cosine;        /* smallest best cosine of a sample to a column */
    double mem_max_pairwise_cosine;    /* largest cosine between two training samples (beta_1 of Cor. 3.2) */
    double lambda;                     /* the Eq. 6 lambda the memorizing training minimises (NaN: none) */
    double mem_n_lambda;               /* n lambda */
    double mem_min_sqnorm;             /* min_i |x_i|^2 */
    /* generalizing model (Cor. 3.3) */
    int64_t gen_columns_storing_a_sample; /* columns at cosine >= store_cosine with some training sample */
    double gen_max_column_sample_cosine;  /* largest cosine of any column to any training sample */
    double sample_pc1_median_cosine;      /* median |cosine| of a generalizing training row with the data's leading
                                             principal direction: when it reaches store_cosine (modes so tight that
                                             every sample is nearly the mode's mean), a column that is a statistic
                                             of the data and one that is a sample cannot be told apart by cosine */
    double heldout_energy_span_w1_gen;    /* share of the held-out rows' energy inside span(W1), generalizing */
    double heldout_energy_top_p_pca;      /* the same inside the training set's top-p_gen principal subspace */
    double heldout_energy_span_w1_mem;    /* the same inside span(W1), memorizing */
    double span_ratio;                    /* span_w1_gen / top_p_pca (0 when the latter is 0) */
    int64_t rank_w1_gen, rank_w1_mem;     /* dimensions of the two spans */
    /* block structure (datasets with the mixture only; NaN / 0 otherwise) */
    double block_median_energy;        /* median over columns of the best mode's energy share */
    double random_energy_share;        /* the share of a random direction, p_gen / d */
    int64_t columns_mode0, columns_mode1; /* columns leaning to each mode */
    /* per-row numbers */
    mg_table samples;     /* "mem_samples": sample, best_column, cosine (one row per memorizing sample) */
    mg_table mem_columns; /* "mem_columns": column, norm, best_sample, cosine */
    mg_table gen_columns; /* "gen_columns": the same, plus energy_mode0, energy_mode1, energy_best for the MoG */
    mg_array W1_mem;      /* d x p_mem: the memorizing encoder */
    mg_array W1_gen;      /* d x p_gen: the generalizing encoder */
    /* pictures (image datasets only; empty otherwise), display values */
    mg_array mem_pairs;   /* 2 x n x d: the training images (uncentred), under each its best column */
    mg_array mem_column_images; /* p_mem x d: every memorizing column scaled to [0, 1] */
    mg_array gen_column_images; /* p_gen x d: every generalizing column scaled to [0, 1] */
} mg_exp_fig4_result;

MG_API mg_exp_fig4_params mg_exp_fig4_defaults(void);

/* Runs on env->data[0] (MG_EXP_EACH_DATASET). The result owns its tables and
 * arrays; free with mg_exp_fig4_free (also on failure: run frees what it
 * filled). */
MG_API mg_status mg_exp_fig4_run(const mg_exp_fig4_params *p, const mg_exp_env *env, mg_exp_fig4_result *r);
MG_API void mg_exp_fig4_free(mg_exp_fig4_result *r);

MG_API extern const mg_experiment mg_exp_fig4;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG4_H */
