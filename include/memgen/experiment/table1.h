/*
 * Experiment table1 (paper Table 1, Sec. 4.1, Algorithm 1, App. B.2; the
 * hybrid regime of Cor. 3.4 / App. A.4): memorization detection on a memgen
 * model built end to end, repeated over several seeds. Each run (seed):
 *  - data: a Gaussian mixture (Eq. 4, mg_mog_make) of modes + dup_count
 *    components whose means form a regular simplex (pairwise cosine
 *    -1/(K-1), the most separated: Definition 3.1 with beta < 0); each of the
 *    first `modes` components contributes per_mode samples, each of the other
 *    dup_count components ONE sample repeated dup_times (a duplicated image);
 *  - model: a DAE set CONSTRUCTED by Theorem 3.1 at every level of a
 *    geometric grid (mg_construct with one cluster per component, so each
 *    duplicated sample is a rank-1 cluster memorised by one column: Cor.
 *    3.4). The construction is used rather than training because it IS the
 *    theory's minimiser and takes seconds;
 *  - n_gen generations by DDIM over the set's levels (mg_sample);
 *  - the detector suite (mg_detect_benchmark, detect.h): generations labelled
 *    memorized / generalized by the nearest-neighbour ratio against the
 *    deduplicated training set, and every detector scored and evaluated on
 *    them (the spikiness metrics of Algorithm 1, std first; the prompt-free
 *    baselines flipd, jacobian, denoise, clique; the nn_ratio oracle),
 *    unless bench_skip.
 * Why so few duplicated points by default: bias-free ReLU DAEs gate by
 * half-spaces and are positively homogeneous, so DDIM from pure noise ends in
 * a superposition of every stored direction that stays active; with many
 * memorised points few generations end on a single one (measured at the
 * defaults, seed 0: 1 or 2 points give ~20% memorised generations, 3 give
 * 10%, 4 give 3%, 8 or more none), and the superpositions of two or three
 * stored points that pass as "generalized" are spiky at a large scale, which
 * costs the scale-dependent std far more than the scale-free l4l2/top1
 * (std AUROC 0.82 vs l4l2 0.999 with 3 points).
 *
 * The result holds run 0's evaluation of every detector, the per-run AUROC
 * and TPR, aggregates over the runs, the comparison of std with the four
 * prompt-free baselines, and the wall times (which differ between runs of
 * one seed, so they sit in the scalar *_usec_per_sample fields and the
 * tables `timings` and `run_seconds` only). `model` keeps what run 0 built
 * (data, constructed set, generations, the suite's labels and scores) for C
 * callers: `memgen detect --table1` saves it, experiment fig17 measures it.
 *
 * Generators: run j's seed is mg_rng_below(mg_rng_fork(env->rng, j), 2^62),
 * or seed + j when params.seed >= 0; a run seeds its own root generator
 * (mg_rng_init) and forks it for the data (0x7410), the generations (0x7411)
 * and the suite (0x7412), so `memgen detect --table1 --seed S` repeats run j
 * of a report whose seed_list names S.
 */
#ifndef MEMGEN_EXPERIMENT_TABLE1_H
#define MEMGEN_EXPERIMENT_TABLE1_H

#include "memgen/detect.h"
#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MG_EXP_TABLE1_MAX_SEEDS 16

typedef struct {
    int64_t d;             /* dimension (default 256) */
    int modes;             /* well-sampled (abundant) components (default 1) */
    int64_t per_mode;      /* training samples per abundant component (default 500) */
    double mean_scale;     /* |mu_k| (default 5) */
    double cov_rate;       /* covariance eigenvalue decay (default 0.9) */
    int64_t cov_rank;      /* nonzero covariance eigenvalues (default 64) */
    int64_t dup_count;     /* duplicated samples = scarce components (default 2) */
    int64_t dup_times;     /* copies of each (default 10) */
    int64_t hidden;        /* DAE width p (default 64) */
    double wd;             /* weight decay lambda of Eq. 6 (default 0) */
    double sigma_min, sigma_max; /* the set's noise grid (defaults 0.02, 20) */
    int levels;            /* levels of the grid, geometric (default 20) */
    int64_t n_gen;         /* generations per run (default 1000) */
    mg_bench_params bench; /* the suite: labelling rule, detection noise, FPR, bootstrap, timing (MG_BENCH_PARAMS_DEFAULT) */
    int bench_skip;        /* 1: stop after the generations; only `model` (less its bench), n_train, clusters,
                              rank1_clusters and seed_list are filled (default 0) */
    int seeds;             /* runs, each a fresh mixture, construction, generations and detector noise (1..16; default 1) */
    int64_t seed;          /* -1 (default): run j's seed is drawn from env->rng; >= 0: run j's seed is seed + j */
} mg_exp_table1_params;

/* One named detector over the runs (times are wall times, us). */
typedef struct {
    double auroc_seed0, auroc_lo_seed0, auroc_hi_seed0; /* run 0: AUROC and its bootstrap interval */
    double tpr_seed0;       /* run 0: TPR at bench.fpr */
    double auroc_mean, auroc_min; /* over the runs */
    double usec_per_sample; /* median over the runs of the time per scored sample */
} mg_exp_table1_det;

/* What run 0 built. Every pointer is owned by the result. */
typedef struct {
    uint64_t seed;
    mg_array train;          /* n_train x d float32: rows grouped by cluster, the abundant modes first, then each
                                duplicated sample's copies */
    int64_t *train_labels;   /* n_train: the construction's cluster of each row (hybrid_partition in table1.c) */
    mg_daeset set;           /* the constructed set, one level per grid sigma */
    mg_array gens;           /* n_gen x d float32: the generations */
    mg_detect_bench bench;   /* the suite's labels and scores (empty with bench_skip) */
    double seconds_build, seconds_sample; /* wall times of the construction and of the sampling */
} mg_exp_table1_model;

typedef struct {
    char seed_list[MG_EXP_TABLE1_MAX_SEEDS * 21]; /* the runs' seeds, comma-separated (decimal text: 62-bit
                                                     integers, which a JSON or CSV number would round) */
    int64_t n_train, clusters, rank1_clusters;     /* run 0: training rows, clusters, rank-1 (duplicated) clusters */
    int64_t n_memorized_seed0, n_generalized_seed0, n_ambiguous_seed0; /* run 0's labelled generations */
    double frac_memorized_seed0;                  /* memorized share of all of run 0's generations */
    double std_threshold_1pct_fpr_seed0;          /* std's threshold calibrated on run 0's generalized generations
                                                     at bench.fpr (detect.h's quantile rule) */
    mg_exp_table1_det std, flipd, jacobian, denoise, clique, nn_ratio;
    int64_t baseline_wins, baseline_ties, baseline_losses; /* std vs each prompt-free baseline on each run: a win
                                                     when std's AUROC is >= the baseline's, a tie when the baseline's
                                                     AUROC is inside std's bootstrap interval, else a loss */
    char baseline_lost[256];                      /* the losses: "flipd (seed 2), ..." ("" when none) */
    double time_ratio_min, time_ratio_max;        /* std's median time per sample / a baseline's, smallest and
                                                     largest over the four prompt-free baselines */
    mg_table detectors;      /* "detectors_seed0": run 0, one row per detector: detector, kind, needs_training_data,
                                auroc, auroc_lo, auroc_hi, tpr_at_fpr, tpr_lo, tpr_hi, fpr_target,
                                roc_threshold_at_fpr, n_pos, n_neg */
    mg_table scores;         /* "scores_seed0": run 0's labelled generations: generation, nn_ratio_value (the
                                ratio), cos_max, memorized, then every detector's score (nn_ratio: the oracle's) */
    mg_table per_seed;       /* "seeds": one row per run: seed_index, n_memorized, n_generalized, n_ambiguous,
                                frac_memorized, auroc_<detector>..., tpr_<detector>... */
    mg_table over_seeds;     /* "over_seeds": per detector: auroc_mean, auroc_min, auroc_max, tpr_mean */
    mg_table_list roc;       /* "roc_<detector>" (fpr, tpr, threshold) of std, flipd, jacobian, denoise, clique,
                                nn_ratio on run 0 */
    mg_table timings;        /* "timings" (wall times): per detector: usec_per_sample and seconds of run 0,
                                usec_median over the runs, usec_seed<j> of run j */
    mg_table run_seconds;    /* "run_seconds" (wall times): per run: seed_index, seconds, seconds_build,
                                seconds_sample */
    mg_exp_table1_model model; /* run 0's data, set and generations (not described: C callers only) */
} mg_exp_table1_result;

MG_API mg_exp_table1_params mg_exp_table1_defaults(void);

/* Runs the experiment (MG_EXP_OWN_DATA: env needs only rng, and progress).
 * Free with mg_exp_table1_free. */
MG_API mg_status mg_exp_table1_run(const mg_exp_table1_params *p, const mg_exp_env *env, mg_exp_table1_result *r);
MG_API void mg_exp_table1_free(mg_exp_table1_result *r);

MG_API extern const mg_experiment mg_exp_table1;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_TABLE1_H */
