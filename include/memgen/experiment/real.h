/*
 * Experiment real (paper Table 1, Fig. 17, Eq. 11 / Fig. 8; issue 14):
 * detection and steering on a real diffusion network that nobody
 * constructed. The network is the PyTorch UNet of examples/real_model (an
 * EDM-preconditioned UNet with residual blocks, group norm, attention at
 * 7x7 and a noise-level embedding) trained on Fashion-MNIST with a
 * duplicated subset, the setting of the paper's Fig. 17 (EDM on CIFAR-10
 * with duplicates). The Python pipeline writes a fixture folder (the
 * repository keeps the full run's in tests/fixtures/real_model, with the
 * command that made it in meta.json); this experiment reads it and does
 * everything memgen does on it (MG_EXP_OWN_DATA: no shared dataset):
 *
 *  - labels (App. B.2): a generation is memorized when its similarity to the
 *    nearest training image is > mem_sim, generalized when < gen_sim, else
 *    ambiguous (dropped); the similarity histogram over [0, 1] and its
 *    two-peak test (repr.h, Fig. 17a), beside the same similarity of held-out
 *    test images (novel by construction) and of noisy training images
 *    (copies), the references that fixed the similarity (label.py);
 *  - detection (Table 1, Algorithm 1): the hooked activations (global max
 *    pooling over 7 x 7, done by the pipeline; the raw activations of the
 *    first generations are re-pooled here by mg_features_reduce as a check)
 *    scored by every spikiness metric (repr.h), and the baselines that apply
 *    to a real model, scored by the pipeline with the model: its denoising
 *    error, -FLIPD with Hutchinson's trace of the real Jacobian, the
 *    near-duplicate count among the generations, and the nearest-neighbour
 *    ratio oracle; each evaluated on the labelled generations by
 *    mg_detect_evaluate (AUROC, TPR at fpr, stratified bootstrap intervals);
 *  - time per sample: the pipeline's wall time per generation of each
 *    score's model work (for the spikiness metrics, the forward pass to the
 *    hooked block) plus, for the metrics, memgen's own time to score the
 *    pooled activations (best of `repeats`);
 *  - steering (Eq. 11): generations of each group regenerated from their
 *    own starting noise with a v added at the hooked block for a sweep of a;
 *    per sample the distance to the target class's mean image along the
 *    sweep and steer.h's monotonicity / jump / kink / gain and class, per
 *    group the summary and the mean curve.
 *
 * Generators: the bootstrap of detector k uses mg_rng_fork(env->rng, k).
 */
#ifndef MEMGEN_EXPERIMENT_REAL_H
#define MEMGEN_EXPERIMENT_REAL_H

#include "memgen/experiment.h"
#include "memgen/repr.h"
#include "memgen/steer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The committed fixture, relative to the repository root and to an install's
 * share/memgen; mg_data_path (memgen/fileio.h) finds it at run time. */
#define MG_REAL_FIXTURE_REL "tests/fixtures/real_model"

typedef struct {
    const char *fixture;   /* the fixture folder, borrowed; NULL or "": the committed one, looked up when the
                              experiment runs (default: where mg_data_path found it first, NULL when it did not) */
    double mem_sim;        /* memorized: similarity > mem_sim (default 0.9, the paper's) */
    double gen_sim;        /* generalized: similarity < gen_sim (default 0.5, the paper's) */
    double fpr;            /* the TPR's false-positive rate (default 0.01) */
    int bootstrap;         /* bootstrap resamples of the intervals (default 1000) */
    double level;          /* confidence level of the intervals (default 0.95) */
    int bins;              /* similarity histogram: equal bins over [0, 1] (default 20) */
    double max_valley;     /* two peaks when the valley is at most this share of the second (default 0.5) */
    int repeats;           /* timings of memgen's metrics, the fastest kept (default 3) */
} mg_exp_real_params;

/* One detector's evaluation on the labelled generations (NaN when a class is empty). */
typedef struct {
    double auroc, auroc_lo, auroc_hi; /* AUROC and its bootstrap interval */
    double tpr, tpr_lo, tpr_hi;       /* TPR at fpr and its interval */
    double usec_per_sample;           /* wall time per generation, us (see the header comment) */
} mg_exp_real_det;

/* Steering of one group (steer.h's summary, flattened for the field table). */
typedef struct {
    int64_t count;                    /* samples of the group */
    double gain;                      /* mean share of the way to the target covered at the largest a */
    double mono;                      /* mean share of a-steps that bring the sample closer */
    double spearman;                  /* mean rank correlation of a with -distance */
    double path_jump;                 /* mean largest single a-step's share of the path */
    double kink_median;               /* median fastest / slowest a-step */
    double frac_smooth, frac_threshold, frac_static; /* classes (steer.h) */
    double dist_first, dist_last;     /* mean distance to the target's mean image at the first / last a */
    double target_share_last;         /* share whose nearest class mean image is the target's at the last a */
} mg_exp_real_steer;

typedef struct {
    /* what the fixture says about the model and the run (meta.json) */
    char model[160];        /* e.g. "EDM-preconditioned UNet, widths [32, 64], ..." */
    char hook[48];          /* the hooked module */
    char data[200];         /* the training set */
    char command[400];      /* the command that made the fixture */
    char preset[16];
    int64_t params;         /* the network's parameters */
    int64_t channels;       /* C of the hooked activation */
    int64_t train_steps;
    double train_seconds, sample_seconds; /* wall times of the pipeline's training and sampling */
    double sigma;           /* the activations' noise level (0.17: DDPM t = 50) */
    double flipd_sigma;
    int64_t probes;         /* Hutchinson probes of FLIPD */
    int64_t whitening_k;    /* the similarity's whitening rank (label.py) */
    /* labels and the similarity (Fig. 17a) */
    int64_t n;              /* generations */
    int64_t n_memorized, n_generalized, n_ambiguous;
    double frac_memorized, frac_generalized;
    int64_t memorized_duplicates;    /* memorized generations whose nearest training image is a duplicated one */
    double copies_of_duplicates_share; /* memorized_duplicates / n_memorized (NaN without) */
    int64_t labels_mismatch;         /* generations whose label differs from the fixture's labels.npy */
    mg_bimodal sim;                  /* the two-peak test of the generations' similarity histogram */
    double sim_median_memorized, sim_median_generalized;
    double ref_test_median;          /* held-out test images: median similarity */
    double ref_test_below_gen;       /* ... share below gen_sim */
    double ref_copy_median;          /* noisy training images: median similarity */
    double ref_copy_above_mem;       /* ... share above mem_sim */
    /* detection (Table 1) */
    mg_exp_real_det std, l4l2, negentropy, maxmin, top1, negpr; /* spikiness metrics of the pooled activations */
    mg_exp_real_det denoise, flipd, clique, nn_ratio;            /* baselines; nn_ratio is the oracle */
    double std_median_memorized, std_median_generalized; /* Fig. 17b */
    double std_median_ratio;         /* memorized / generalized median std */
    double std_threshold;            /* std's threshold calibrated on the generalized generations at fpr */
    char best_metric[16];            /* the spikiness metric with the highest AUROC */
    double best_metric_auroc;
    int64_t baseline_wins, baseline_ties, baseline_losses; /* std vs denoise, flipd, clique: win when std's AUROC
                                       is >= the baseline's, tie when the baseline's is inside std's interval */
    char baseline_lost[96];          /* the baselines std loses to ("" when none) */
    double time_ratio_min, time_ratio_max; /* std's time per sample / each prompt-free baseline's */
    double pool_max_abs_diff;        /* memgen's max pooling of the raw activations vs the pipeline's */
    double std_max_rel_diff;         /* memgen's std_sample (F - 1 denominator) vs the pipeline's torch.std (unbiased,
                                        its default) of the pooled activations (largest relative difference) */
    /* steering (Eq. 11) */
    char target_name[32];            /* the target class */
    int64_t target;
    double alpha_max, steer_sigma_hi; /* end of the sweep; steering at sigma <= steer_sigma_hi */
    mg_exp_real_steer steer_gen, steer_mem;
    /* tables */
    mg_table detectors;     /* "detectors": detector, kind, auroc, auroc_lo, auroc_hi, tpr_at_fpr, tpr_lo, tpr_hi,
                               n_pos, n_neg */
    mg_table paper;         /* "paper_table1": method, source (text), auroc, tpr, seconds: the paper's Table 1
                               CIFAR-10 / EDM column and this model's std and FLIPD rows */
    mg_table scores;        /* "scores": the labelled generations: generation, similarity, memorized, nn_is_dup, then
                               every detector's score */
    mg_table hist;          /* "hist_similarity": bin_lo, bin_hi, then per set (generations, heldout_test,
                               noisy_copies) its counts and, as <set>_share, its shares of the set */
    mg_table generations;   /* "generations": generation, similarity, label (1, 0, -1), nn_is_dup, std (the
                               population std over the channels, repr.h's and the authors') */
    mg_table_list roc;      /* "roc_<detector>": fpr, tpr, threshold of std, denoise, flipd, clique, nn_ratio */
    mg_table steer_curves;  /* "steer_curves": group (1 memorized, 0 generalized), alpha, rel_distance (mean distance
                               / mean at a = 0), target_share */
    mg_table steer_samples; /* "steer_samples": sample, generation, group, class (steer.h), mono, spearman, jump,
                               path_jump, kink, gain */
    mg_table steer_groups;  /* "steer_groups": group, samples and the summary */
    mg_table timings;       /* "timings" (wall times): detector, usec_per_sample, usec_model (the pipeline's),
                               usec_memgen (memgen's metric time) */
    mg_table train_loss;    /* "train_loss": step, loss (the pipeline's log) */
    int64_t shown_memorized, shown_generalized; /* generations in the two grids below */
    mg_array grid_memorized;  /* 2 x m x 784: memorized generations over their nearest training images (uint8 range
                                 as float, 0..255) */
    mg_array grid_generalized;/* 2 x m x 784: the same for generalized generations */
    mg_array steer_strip;     /* rows x alphas x 784: up to 3 samples of each group along the sweep */
} mg_exp_real_result;

MG_API mg_exp_real_params mg_exp_real_defaults(void);

/* Runs the experiment on p->fixture (MG_EXP_OWN_DATA: env needs only rng).
 * A missing folder or file is MG_ERR_NOT_FOUND naming it. A class with no
 * generation leaves the detection numbers NaN (and the tables without rows)
 * rather than failing. Free with mg_exp_real_free. */
MG_API mg_status mg_exp_real_run(const mg_exp_real_params *p, const mg_exp_env *env, mg_exp_real_result *r);
MG_API void mg_exp_real_free(mg_exp_real_result *r);

MG_API extern const mg_experiment mg_exp_real;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_REAL_H */
