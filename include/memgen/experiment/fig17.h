/*
 * Experiment fig17 (paper Fig. 17, App. A.4): duplication of training data
 * induces a memorization mode. One run of experiment table1 with bench_skip
 * (its hybrid-regime DAE set: a Gaussian mixture whose abundant mode is
 * generalised and whose scarce modes hold one duplicated sample each,
 * memorised by one column each; Theorem 3.1 / Cor. 3.4 at every noise level)
 * generates samples with DDIM; each generation is compared with the
 * deduplicated training set (largest cosine, the authors' notebook measure;
 * the nearest-neighbour ratio d1/d2 of Gu et al.), labelled by table1's rule
 * (memorized d1/d2 < mem_ratio; generalized d1/d2 >= gen_ratio and cosine
 * <= gen_cos; else ambiguous), its copies traced back to the duplicated
 * samples, and its representation std (Algorithm 1's statistic) measured.
 * Both similarities are histogrammed over [0, 1] and tested for two peaks
 * (mg_histogram_bimodal, repr.h); Std(h) of memorized generations is set
 * against that of generalized ones (Fig. 17b).
 *
 * Generators: the run's seed is table1's run 0 from env->rng
 * (mg_rng_fork(env->rng, 0)) unless model.seed >= 0; the noise of Std(h)
 * is mg_rng_fork(env->rng, 1) (row i's from fork i of that, detect.h).
 */
#ifndef MEMGEN_EXPERIMENT_FIG17_H
#define MEMGEN_EXPERIMENT_FIG17_H

#include "memgen/experiment/table1.h"
#include "memgen/repr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    mg_exp_table1_params model; /* the hybrid regime and the labelling rule (model.bench.mem_ratio, gen_ratio,
                                   gen_cos); run once with bench_skip whatever model.seeds / bench_skip say.
                                   Default: table1's with n_gen = 2000 */
    double std_sigma;           /* noise level of Std(h) and the level it is read at (default 0.2, Algorithm 1's) */
    int bins;                   /* similarity histograms: equal bins over [0, 1] (default 20) */
    double max_valley;          /* bimodal when a second peak's valley is at most this share of its height
                                   (default 0.5; in [0, 1)) */
} mg_exp_fig17_params;

typedef struct {
    char seed[24];                 /* the run's seed (decimal text: a 62-bit integer) */
    int64_t n;                     /* generations */
    int64_t n_memorized, n_generalized, n_ambiguous; /* by the labelling rule */
    int64_t memorized_duplicates;  /* memorized generations whose nearest training sample is a duplicated one */
    double frac_memorized, frac_generalized, frac_ambiguous; /* of the n generations */
    double copies_of_duplicates_share; /* memorized_duplicates / n_memorized (NaN without copies) */
    mg_bimodal cos, ratio;         /* the two-peak test of the largest-cosine and the NN-ratio histograms (bins) */
    double std_median_memorized, std_median_generalized; /* median Std(h) of the groups (NaN when empty) */
    double std_auroc;              /* AUROC of Std(h), memorized positive vs generalized (NaN when a group is empty) */
    mg_table generations;          /* "generations": nn_ratio, cos_max, nn1_unique_row, nn1_is_duplicated, std_h,
                                      group (1 memorized, 0 generalized, -1 ambiguous), one row per generation */
    mg_table hist_cos, hist_ratio; /* "hist_cos", "hist_ratio": bin_lo, bin_hi, count */
} mg_exp_fig17_result;

MG_API mg_exp_fig17_params mg_exp_fig17_defaults(void);

/* Runs the experiment (MG_EXP_OWN_DATA). Free with mg_exp_fig17_free. */
MG_API mg_status mg_exp_fig17_run(const mg_exp_fig17_params *p, const mg_exp_env *env, mg_exp_fig17_result *r);
MG_API void mg_exp_fig17_free(mg_exp_fig17_result *r);

MG_API extern const mg_experiment mg_exp_fig17;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_FIG17_H */
