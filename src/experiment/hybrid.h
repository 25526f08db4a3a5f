/*
 * The parameter fields of the hybrid regime (mg_exp_table1_params,
 * memgen/experiment/table1.h), shared by the experiments that build it:
 * table1 itself and fig17, whose parameters embed one. Internal to
 * src/experiment.
 *
 * MG_HYBRID_FIELDS(T, path): the mixture, the construction's grid and the
 * number of generations, as fields of struct T whose embedded
 * mg_exp_table1_params sits at member path `path` (written with its trailing
 * dot, e.g. `model.`; empty for T = mg_exp_table1_params).
 * MG_HYBRID_LABEL_FIELDS(T, path): the suite's labelling rule.
 */
#ifndef MEMGEN_EXP_HYBRID_H
#define MEMGEN_EXP_HYBRID_H

#include "memgen/experiment/table1.h"

#define MG_HYBRID_FIELDS(T, path)                                                                                   \
    MG_FIELD_AS(T, path d, "d", MG_FIELD_I64, "dimension"),                                                         \
        MG_FIELD_AS(T, path modes, "modes", MG_FIELD_INT, "abundant (well-sampled) mixture components"),            \
        MG_FIELD_AS(T, path per_mode, "per_mode", MG_FIELD_I64, "training samples per abundant component"),         \
        MG_FIELD_AS(T, path mean_scale, "mean_scale", MG_FIELD_F64, "|mu_k|: norm of every component mean"),        \
        MG_FIELD_AS(T, path cov_rate, "cov_rate", MG_FIELD_F64, "covariance eigenvalue decay"),                     \
        MG_FIELD_AS(T, path cov_rank, "cov_rank", MG_FIELD_I64, "nonzero covariance eigenvalues"),                  \
        MG_FIELD_AS(T, path dup_count, "dup_count", MG_FIELD_I64, "duplicated samples (scarce components)"),        \
        MG_FIELD_AS(T, path dup_times, "dup_times", MG_FIELD_I64, "copies of each duplicated sample"),              \
        MG_FIELD_AS(T, path hidden, "hidden", MG_FIELD_I64, "DAE width p"),                                         \
        MG_FIELD_AS(T, path wd, "lambda", MG_FIELD_F64, "the Eq. 6 lambda (solve --lambda)"),                       \
        MG_FIELD_AS(T, path sigma_min, "sigma_min", MG_FIELD_F64, "smallest noise level of the set"),               \
        MG_FIELD_AS(T, path sigma_max, "sigma_max", MG_FIELD_F64, "largest noise level of the set"),                \
        MG_FIELD_AS(T, path levels, "levels", MG_FIELD_INT, "levels of the set (geometric grid)"),                  \
        MG_FIELD_AS(T, path n_gen, "n_gen", MG_FIELD_I64, "DDIM generations per run")

#define MG_HYBRID_LABEL_FIELDS(T, path)                                                                             \
    MG_FIELD_AS(T, path bench.mem_ratio, "bench.mem_ratio", MG_FIELD_F64, "memorized when the NN ratio is below"),   \
        MG_FIELD_AS(T, path bench.gen_ratio, "bench.gen_ratio", MG_FIELD_F64,                                      \
                    "generalized needs an NN ratio at least this ..."),                                             \
        MG_FIELD_AS(T, path bench.gen_cos, "bench.gen_cos", MG_FIELD_F64,                                          \
                    "... and a largest cosine to a training row at most this (else ambiguous)")

#endif /* MEMGEN_EXP_HYBRID_H */
