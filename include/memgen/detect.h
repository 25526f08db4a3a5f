/*
 * Memorization detection (paper Section 4.1, Algorithm 1, Table 1, App. B.2):
 * the representation-spikiness detector, its calibration and evaluation, the
 * prompt-free baselines, and the suite that labels generations and scores
 * every detector on them (src/detect/suite.c). The Table-1 experiment that
 * builds a model and its generations for the suite is experiment table1
 * (memgen/experiment/table1.h).
 *
 * Every score follows one convention: HIGHER = MORE LIKELY MEMORIZED. A sample
 * is flagged when score > THRES (strict, as Algorithm 1's Std(h) > THRES).
 * Labels are ints, 1 = memorized (positive), 0 = generalized (negative).
 *
 * ---- Algorithm 1 -----------------------------------------------------------
 *   x_t = x + sigma eps (seeded; sigma = 0: none), h = relu(W1^T x_t + b1) at
 *   the DAE level nearest sigma, score = metric(h) (repr.h; std = the paper's).
 * For a DAE set several levels can be combined (mg_detect_params): MEAN
 * averages the per-level scores, CONCAT scores the concatenated
 * representation. For activations exported from another framework (.npy),
 * mg_features_reduce brings them to n x F first (global max pooling over
 * spatial dims or tokens, App. B.2).
 *
 * ---- Calibration (the quantile rule) -------------------------------------------
 * Given reference scores r_1..r_n of GENERALIZED samples and a target false-
 * positive rate a in [0, 1): with r_(1) <= ... <= r_(n) sorted and
 * k = floor(a n), the threshold is r_(n-k) (r_(n) for k = 0). Flagging
 * score > threshold then flags at most k reference samples (exactly k when
 * there are no ties at the threshold), so the empirical FPR on the reference
 * is <= a, and it is the smallest order statistic with that guarantee.
 *
 * ---- Evaluation ----------------------------------------------------------------
 * AUROC is exact: the Mann-Whitney statistic with midranks for ties,
 *   AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg),
 * R_pos = sum of the (average) ranks of the positives, = P(s+ > s-) +
 * P(s+ = s-)/2 (what sklearn.metrics.roc_auc_score returns).
 * The ROC curve has one point per distinct score value t (flag score >= t),
 * from (0, 0) to (1, 1); tied scores move together (no split of a tie).
 * TPR at FPR a: the largest TPR among ROC points with FPR <= a, no
 * interpolation (the conservative step rule; with ties it can be < the
 * interpolated value). The threshold reported is that point's t.
 * Confidence intervals: stratified percentile bootstrap, B resamples drawing
 * n_pos positives and n_neg negatives with replacement (so both classes are
 * always present); replicate b uses mg_rng_fork(rng, b); the interval is the
 * ((1-level)/2, (1+level)/2) quantiles (linear interpolation) of the B values.
 *
 * ---- Baselines (all prompt-free, unconditional) ---------------------------------
 *  flipd     LID from the denoiser Jacobian (FLIPD, Kamkari et al. 2024; the
 *            memorization view of Ross et al. 2024: memorized samples lie on
 *            low-dimensional pieces, so LOW LID = memorized). For VE with
 *            s(x) = (f(x) - x)/sigma^2 at the level sigma nearest the
 *            requested one, FLIPD(x) = d + sigma^2 (tr grad s + |s|^2)
 *            = tr J(x) + |f(x) - x|^2 / sigma^2, evaluated at the clean x;
 *            tr J is exact for the ReLU DAE (jacobian.h). score = -FLIPD.
 *  jacobian  the Jacobian-spectrum signature of App. A.3 (Kadkhodaie et al.
 *            2024; Stanczuk et al.'s rank view of LID): the Jacobian at a
 *            memorized sample is ~rank one, so score = -erank(J(x)) at the
 *            clean x (jacobian.h: exp of the entropy of the normalised
 *            singular values), through one thin-QR SVD per sample. This is
 *            the generic route; flipd above is cheap only because the ReLU
 *            DAE's trace is closed-form (a deep network needs JVPs).
 *  denoise   output-space denoising error at x_t = x + sigma eps:
 *            e = |f(x_t) - x|^2 (memorized samples are denoised almost
 *            perfectly); score = -e.
 *  clique    density / near-duplicate graph among the generations (Carlini et
 *            al. 2023, who flag a generation with >= 10 near-duplicates among
 *            500 per prompt): generations a, b are neighbours when
 *            |a - b| <= tau (|a| + |b|) / 2; score = the number of neighbours
 *            among the k_max nearest other generations (exact k-NN; the
 *            count is capped at k_max, ties broken by the AUROC's midranks).
 *  nn_ratio  the nearest-neighbour-ratio oracle (needs the training data):
 *            score = -|s - NN1| / |s - NN2|, the ratio of mg_memratio_compute
 *            (computed with mg_knn, k = 2, only; the benchmark passes the
 *            deduplicated training rows). When the labels come from the same
 *            ratio, its AUROC is 1 by construction; it is listed for its cost.
 */
#ifndef MEMGEN_DETECT_H
#define MEMGEN_DETECT_H

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/repr.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- activations from other frameworks --------------------------------------- */

typedef enum {
    MG_LAYOUT_AUTO = 0,  /* 2-D: nf; 3-D: ntc (tokens, channels last); >= 4-D: an error (MG_ERR_ARG) asking
                            for nchw or nhwc, unless pooling is none (layout does not matter then) */
    MG_LAYOUT_NF,        /* n x F, used as is */
    MG_LAYOUT_NCHW,      /* channels first: n x C x (any spatial dims) */
    MG_LAYOUT_CLAST      /* channels last: n x (spatial dims or tokens T) x C (NHWC, NTC) */
} mg_feat_layout;

typedef enum {
    MG_POOL_MAX = 0,  /* global max pooling over spatial dims / tokens (App. B.2) */
    MG_POOL_MEAN,     /* global average pooling */
    MG_POOL_NONE      /* flatten everything after the first dim */
} mg_pool_kind;

/* Parse "auto", "nf", "nchw" (also "nc"), "nhwc"/"ntc"/"clast"; "max", "mean", "none". */
MG_API mg_status mg_feat_layout_parse(const char *s, mg_feat_layout *out);
MG_API mg_status mg_pool_parse(const char *s, mg_pool_kind *out);
MG_API const char *mg_pool_name(mg_pool_kind k);

/* Brings an activation array (any numeric dtype incl. float16/bfloat16;
 * ndim >= 2, n = shape[0] samples) to an n x F float32 matrix in *out (caller
 * frees with mg_array_free), pooling the non-channel dims as asked. Fails on
 * ndim < 2, an empty dimension, or a non-finite value (naming the sample).
 * The layout rule: MG_LAYOUT_AUTO is accepted where the shape decides it,
 * 2-D (n x F) and 3-D (n x tokens x C, channels last as transformers store
 * them); a 4-D or larger array is as plausibly NCHW as NHWC, so with auto it
 * fails (MG_ERR_ARG naming the shape and asking for a layout) instead of
 * guessing, except with MG_POOL_NONE, which flattens either way. */
MG_API mg_status mg_features_reduce(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, mg_array *out);

/* F, the features per sample mg_features_reduce makes of acts (the same
 * checks of the shape and layout, none of the values). */
MG_API mg_status mg_features_width(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, int64_t *F);

/* mg_features_reduce into a caller's buffer of shape[0] x F floats: the same
 * bits, and for float16 and float32 input no allocation and one pass over the
 * values (the check for non-finite values, the conversion and the pooling per
 * row; rows in parallel, each the same whatever the thread count), so a
 * caller pooling a large file block by block reuses one buffer. */
MG_API mg_status mg_features_reduce_into(const mg_array *acts, mg_feat_layout layout, mg_pool_kind pool, float *out);

/* Reads binary labels from an .npy of n values (any integer, bool or float
 * dtype; every value must be exactly 0 or 1, 1 = memorized) into a malloc'd
 * int array (*labels, caller frees). n < 0 accepts any length (returned in
 * *n_out, may be NULL). */
MG_API mg_status mg_detect_read_labels(const char *path, int64_t n, int **labels, int64_t *n_out);

/* ---- Algorithm 1 on memgen models ------------------------------------------------ */

/* Several levels were measured on the Table-1 regime (seed 0, AUROC of std):
 * sigma 0.05: 0.9999, 0.2: 0.9999, 0.5: 0.9988, 1: 0.990, 2: 0.944; mean over
 * {0.05, 0.2, 0.5}: 0.9999, over {0.2, 0.5, 1, 2}: 0.995 (concat: the same).
 * So combining did not help there: low noise levels carry the signal and
 * averaging in high ones dilutes it. The option stays for models whose best
 * level is unknown. */
typedef enum {
    MG_COMBINE_MEAN = 0, /* mean over levels of the per-level scores */
    MG_COMBINE_CONCAT    /* metric of the concatenated representations */
} mg_level_combine;

typedef struct {
    mg_spike_metric metric;   /* default MG_SPIKE_STD */
    double sigma;             /* noise level of x_t and of the DAE level; 0 = clean x, lowest level */
    const double *sigmas;     /* optional: several levels (same eps, scaled); NULL = {sigma} */
    int nsigmas;
    mg_level_combine combine; /* how several levels are combined */
} mg_detect_params;

#define MG_DETECT_PARAMS_DEFAULT {MG_SPIKE_STD, 0.2, NULL, 0, MG_COMBINE_MEAN}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_detect_params mg_detect_params_default(void);

/* scores (n) = Algorithm 1's statistic for every row of X (n x d) under the
 * set; noise of row i from mg_rng_fork(rng, i) (repr.h). */
MG_API mg_status mg_detect_model(const mg_daeset *set, mg_mat X, const mg_detect_params *p, const mg_rng *rng,
                          double *scores);

/* Rows per aligned block of mg_detect_model_rows (see there). */
#define MG_DETECT_BLOCK_ALIGN 2048

/* The same for a block of a larger sample set: X's row i is row row0 + i of
 * the whole set (row0 >= 0) and takes the noise of mg_rng_fork(rng, row0 + i).
 * Blocks that start at multiples of MG_DETECT_BLOCK_ALIGN rows and (but the
 * last) are multiples of it long give the bits of one call on all the rows:
 * the products then run on the same sub-blocks. Other blocks agree to
 * rounding only (OpenBLAS's bits for a row can depend on the product's shape). */
MG_API mg_status mg_detect_model_rows(const mg_daeset *set, mg_mat X, const mg_detect_params *p, const mg_rng *rng,
                                      int64_t row0, double *scores);

/* ---- threshold ------------------------------------------------------------------ */

/* The calibrated threshold of reference (generalized) scores at target FPR
 * fpr in [0, 1) (the quantile rule above). n >= 1, all finite. */
MG_API mg_status mg_detect_calibrate(const double *ref, int64_t n, double fpr, double *threshold);

/* flags[i] = scores[i] > threshold; returns the number flagged. */
MG_API int64_t mg_detect_flag(const double *scores, int64_t n, double threshold, int *flags);

/* ---- evaluation ---------------------------------------------------------------- */

/* Exact AUROC with midranks. Fails (MG_ERR_ARG) when a class is empty, on a
 * label other than 0/1, or on a non-finite score. */
MG_API mg_status mg_auroc(const double *scores, const int *labels, int64_t n, double *auc);

/* Reference for tests: the O(n_pos n_neg) pair count, ties counted 1/2. */
MG_API mg_status mg_auroc_naive(const double *scores, const int *labels, int64_t n, double *auc);

/* The ROC curve: *npts points (distinct scores + 1), fpr/tpr ascending, thr
 * descending (thr[0] = +inf for the (0, 0) point); arrays malloc'd, caller
 * frees all three. Same failures as mg_auroc. */
MG_API mg_status mg_roc_curve(const double *scores, const int *labels, int64_t n, double **fpr, double **tpr, double **thr,
                       int64_t *npts);

/* TPR at target FPR (rule above); *thr (may be NULL) the threshold t of the
 * chosen point (flag score >= t; +inf if only the origin qualifies). */
MG_API mg_status mg_tpr_at_fpr(const double *scores, const int *labels, int64_t n, double fpr, double *tpr, double *thr);

/* Everything a detector's row of Table 1 reports. */
typedef struct {
    int64_t n_pos, n_neg;
    double auroc, tpr;          /* AUROC, TPR at fpr_target */
    double fpr_target;
    double thr_at_fpr;          /* the ROC threshold of the TPR point */
    int bootstrap;              /* B (0: no intervals, the bounds are NaN) */
    double level;               /* confidence level of the intervals */
    double auroc_lo, auroc_hi, tpr_lo, tpr_hi;
    double seconds;             /* wall time to compute the scores (set by the caller) */
    double sec_per_sample;      /* seconds / number of scored samples */
} mg_detect_eval;

/* AUROC, TPR at fpr, and (bootstrap > 0) stratified percentile intervals at
 * `level` in (0, 1) seeded from rng. seconds / sec_per_sample are zeroed. */
MG_API mg_status mg_detect_evaluate(const double *scores, const int *labels, int64_t n, double fpr, int bootstrap,
                             double level, const mg_rng *rng, mg_detect_eval *out);

/* ---- baselines -------------------------------------------------------------------- */

/* -FLIPD at the level nearest sigma (> 0), on the clean rows of X. */
MG_API mg_status mg_baseline_flipd(const mg_daeset *set, mg_mat X, double sigma, double *scores);

/* -erank(J(x)) at the level nearest sigma (> 0), on the clean rows of X. */
MG_API mg_status mg_baseline_jacobian(const mg_daeset *set, mg_mat X, double sigma, double *scores);

/* -|f(x + sigma eps) - x|^2 at the level nearest sigma (> 0); noise of row i
 * from mg_rng_fork(rng, i). */
MG_API mg_status mg_baseline_denoise(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, double *scores);

/* Near-duplicate counts among the generations S (n x d, n >= 2): tau > 0,
 * k_max >= 1 (clamped to n - 1). */
MG_API mg_status mg_baseline_clique(mg_mat S, double tau, int k_max, double *scores);

/* -NN ratio of each generation against the training rows (m >= 2). */
MG_API mg_status mg_baseline_nn_ratio(mg_mat S, mg_mat train, double *scores);

/* ---- benchmark: every detector on labelled generations ----------------------------- */

/* Labelling rule. The training set is first deduplicated (rows that are copies
 * of one another within dedup_tol, mg_split_duplicates): against a set holding
 * c >= 2 exact copies of x, a generation equal to x has NN1 = NN2 = x and a
 * ratio of 1, so without this step reproduced duplicates would count as
 * novel. Then, with r the NN ratio and c the largest cosine against the
 * unique training rows (mg_memratio_compute):
 *   memorized    r < mem_ratio (Gu et al. 2023: 1/3);
 *   generalized  r >= gen_ratio AND c <= gen_cos;
 *   dropped      otherwise (ambiguous, like the similarity band 0.5-0.9 the
 *                paper drops in App. B.2).
 * The cosine condition matters for bias-free ReLU DAEs: they are positively
 * homogeneous (f(t x) = t f(x)), so a sampler can land on t x_i, a stored
 * sample at another scale (c ~ 1, r ~ 1) that is neither a copy in distance
 * nor a novel sample; gen_cos = 1 switches the condition off. */
typedef struct {
    double sigma;          /* detection noise level for the spikiness detectors and denoise (default 0.2) */
    double flipd_sigma;    /* level of FLIPD and the Jacobian rank (default 0: the detection sigma) */
    double fpr;            /* TPR target (default 0.01) */
    int bootstrap;         /* bootstrap resamples (default 200) */
    double level;          /* interval level (default 0.95) */
    double mem_ratio;      /* memorized when NN ratio < mem_ratio (default 1/3) */
    double gen_ratio;      /* generalized needs NN ratio >= gen_ratio (default 1/2) */
    double gen_cos;        /* ... and largest cosine <= gen_cos (default 0.9) */
    double dedup_tol;      /* training copies: |x_i - x_j| <= tol max(|x_i|, |x_j|) (default 1e-6) */
    double clique_tau;     /* near-duplicate tolerance (default 0.1) */
    int clique_k;          /* neighbours examined (default 50) */
    int all_metrics;       /* 1: every spikiness metric, else std only (default 1) */
    int repeats;           /* time each detector this many times, keep the fastest (default 3) */
} mg_bench_params;

#define MG_BENCH_PARAMS_DEFAULT {0.2, 0.0, 0.01, 200, 0.95, 1.0 / 3.0, 0.5, 0.9, 1e-6, 0.1, 50, 1, 3}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_bench_params mg_bench_params_default(void);

/* One detector's results. */
typedef struct {
    char name[32];        /* "std", ..., "flipd", "jacobian", "denoise", "clique", "nn_ratio" */
    int needs_train;      /* 1 for the oracle */
    mg_detect_eval ev;
    double *scores;       /* n: scores of the evaluated samples (owned) */
} mg_bench_row;

typedef struct {
    int64_t n_samples;    /* generations given */
    int64_t n_train_unique; /* training rows left after deduplication */
    int64_t n;            /* evaluated (labelled) samples = n_mem + n_gen */
    int64_t n_mem, n_gen, n_ambiguous;
    int64_t *index;       /* n: row of each evaluated sample among the generations */
    int *labels;          /* n: 1 memorized, 0 generalized */
    double *ratio;        /* n: its NN ratio */
    double *cos_max;      /* n: its largest cosine to a training row */
    int nrows;
    mg_bench_row *rows;   /* nrows, the spikiness metrics first */
} mg_detect_bench;

/* Labels the generations S (n_s x d) against train (m x d) by the rule above
 * and scores every detector on the labelled ones (the clique baseline sees
 * ALL generations, as Carlini et al. do, and is evaluated on the labelled
 * ones; the oracle uses the deduplicated training rows). Times are per
 * detector, best of p->repeats, divided by the samples scored. Fails when a
 * class is empty. Free with mg_detect_bench_free. */
MG_API mg_status mg_detect_benchmark(const mg_daeset *set, mg_mat train, mg_mat S, const mg_bench_params *p,
                              const mg_rng *rng, mg_detect_bench *out);
MG_API void mg_detect_bench_free(mg_detect_bench *b);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DETECT_H */
