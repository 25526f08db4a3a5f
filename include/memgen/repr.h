/*
 * Representations and their spikiness (paper Section 3.1-3.2, Fig. 5-6,
 * App. B.2).
 *
 * The representation of a sample x at noise level sigma is the hidden layer of
 * the DAE of Eq. 5 evaluated on a noisy copy (Algorithm 1, AddForwardNoise):
 *
 *     x_t = x + sigma * eps,   eps ~ N(0, I),   h = relu(W1^T x_t + b1)   (p units).
 *
 * Memorized samples give spiky, nearly one-hot h (Cor. 3.2); generalized
 * samples give balanced h spread over a block of units (Cor. 3.3). A
 * spikiness metric maps one row h (F features: p units of a memgen DAE, or
 * the pooled activations of any other network) to a number. Every metric is
 * oriented so that HIGHER means SPIKIER (more memorization-like); metrics
 * that are naturally "higher = more balanced" are negated. With
 * a_i = |h_i| and p_i = a_i / sum_j a_j:
 *
 *   std        sqrt(sum_i (h_i - mean h)^2 / F), the population standard
 *              deviation: the paper's detector (Algorithm 1) as the authors
 *              compute it (NumPy's .std(), torch's std(unbiased=False)).
 *   std_sample sqrt(sum_i (h_i - mean h)^2 / (F - 1)), torch.Tensor.std's
 *              default: sqrt(F / (F - 1)) times std, so it ranks rows the
 *              same way for a fixed F; for thresholds from PyTorch code
 *              written with the default. Both are 0 for F = 1.
 *   l4l2       ||h||_4 / ||h||_2, in [F^(-1/4), 1]; 1 for a one-hot vector.
 *   negentropy -(-sum_i p_i log p_i) = sum_i p_i log p_i (natural log), in
 *              [-log F, 0]; 0 for a one-hot vector.
 *   maxmin     max_i h_i - min_i h_i (signed h).
 *   top1       max_i p_i, the share of the largest unit, in [1/F, 1].
 *   negpr      -PR with the participation ratio PR = (sum a_i)^2 / sum a_i^2
 *              = 1 / sum p_i^2 (the effective number of active units, the
 *              exponential of the Renyi-2 entropy of p), in [-F, -1].
 *
 * Magnitudes |h| are used by the distribution-type metrics so that signed
 * activations from other frameworks (SiLU, GroupNorm outputs) are handled;
 * for ReLU representations |h| = h. An all-zero row (no unit active) has no
 * direction to be spiky in: p is taken uniform, so it scores as the most
 * balanced value of every metric (std 0, l4l2 F^(-1/4), negentropy -log F,
 * maxmin 0, top1 1/F, negpr -F). Sums accumulate in double.
 */
#ifndef MEMGEN_REPR_H
#define MEMGEN_REPR_H

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- spikiness metrics ----------------------------------------------------- */

typedef enum {
    MG_SPIKE_STD = 0,    /* standard deviation across units (Algorithm 1) */
    MG_SPIKE_L4L2,       /* l4 / l2 norm ratio */
    MG_SPIKE_NEGENTROPY, /* minus the entropy of the normalised |h| */
    MG_SPIKE_MAXMIN,     /* max minus min */
    MG_SPIKE_TOP1,       /* share of the largest |h_i| */
    MG_SPIKE_NEGPR,      /* minus the participation ratio */
    MG_SPIKE_STD_SAMPLE, /* standard deviation with the F - 1 denominator (torch.std's default) */
    MG_SPIKE_COUNT
} mg_spike_metric;

/* "std", "l4l2", "negentropy", "maxmin", "top1", "negpr", "std_sample" ("?" if invalid). */
MG_API const char *mg_spike_metric_name(mg_spike_metric m);

/* Parses one of the names above (also "entropy" for negentropy, "pr" for
 * negpr: the orientation is always higher = spikier). */
MG_API mg_status mg_spike_metric_parse(const char *name, mg_spike_metric *out);

/* The metric of one row h (F >= 1 features). NaN if h holds a NaN. */
MG_API double mg_spikiness(const float *h, int64_t F, mg_spike_metric m);

/* out[i] = metric of row i of H (n x F), threads over rows. Fails on F < 1
 * or on a non-finite score (naming the row). */
MG_API mg_status mg_spikiness_rows(mg_mat H, mg_spike_metric m, double *out);

/* Every metric of every row: out is n x MG_SPIKE_COUNT (row-major, column m
 * = metric m), one pass over H. */
MG_API mg_status mg_spikiness_all(mg_mat H, double *out);

/* ---- summaries and histograms ---------------------------------------------- */

/* Per-dataset summary of a score column. Quantiles interpolate linearly
 * between order statistics (numpy.quantile's default rule). std divides by n. */
typedef struct {
    int64_t n;
    double mean, std, min, q05, q25, median, q75, q95, max;
} mg_summary;

/* Summarises x[0..n-1] (n >= 1, all finite). */
MG_API mg_status mg_summarize(const double *x, int64_t n, mg_summary *out);

/* counts[0..bins-1] = number of x in each of `bins` equal bins over [lo, hi]
 * (the last bin closed, as numpy.histogram); values outside are not counted.
 * Requires bins >= 1 and lo < hi (finite). */
MG_API mg_status mg_histogram(const double *x, int64_t n, int bins, double lo, double hi, int64_t *counts);

/* Two-peak test of a histogram (Fig. 17's "bimodal similarity"). The main
 * peak is the highest bin (the first on ties). A second peak is a local
 * maximum j (counts[j] >= both neighbours, counts[j] > 0) other than the main
 * peak whose valley, the lowest bin strictly between j and the main peak, is
 * at most max_valley * counts[j] (a real dip, not a shoulder; adjacent bins
 * have no valley). The histogram is bimodal when a second peak exists; the
 * highest one is reported (the nearest to the main peak on ties). */
typedef struct {
    int bimodal;      /* 1 if a second peak exists */
    int peak1, peak2; /* bins of the main and the second peak (-1 if none) */
    int valley;       /* bin of the valley between them (-1 if none) */
    double dip;       /* counts[valley] / counts[peak2] (NaN if none) */
} mg_bimodal;

/* Runs the test on counts[0..bins-1] (bins >= 1, counts >= 0) with
 * 0 <= max_valley < 1. */
MG_API mg_status mg_histogram_bimodal(const int64_t *counts, int bins, double max_valley, mg_bimodal *out);

/* ---- representations of a memgen DAE ---------------------------------------- */

/* Xt = X + sigma * eps (both n x d; may alias), where the noise of row i is
 * drawn from mg_rng_fork(rng, row0 + i): a row's noise depends only on the
 * seed and its index, not on chunking or thread count. sigma = 0 copies. */
MG_API mg_status mg_noisy_rows(mg_mat X, double sigma, const mg_rng *rng, int64_t row0, mg_mat Xt);

/* H = relu(W1^T (x + sigma eps) + b1) for every row of X (n x d) into H
 * (n x p), the noise as mg_noisy_rows with row0 = 0 (sigma = 0: no noise).
 * Works in chunks of rows (no n x d copy). */
MG_API mg_status mg_repr_dae(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, mg_mat H);

/* The same for a block of a larger X whose row i is row row0 + i of the whole
 * (row0 >= 0; its noise from mg_rng_fork(rng, row0 + i)). Blocks starting at
 * multiples of 1024 rows and (but the last) multiples of it long give the bits
 * of one call on all the rows (the products run on the same sub-blocks). */
MG_API mg_status mg_repr_dae_rows(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, int64_t row0,
                                  mg_mat H);

/* The same with the level of a DAE set nearest to sigma in log sigma
 * (mg_daeset_nearest; sigma = 0 takes the lowest level and adds no noise).
 * *level (may be NULL) receives the level index used. */
MG_API mg_status mg_repr_set(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, mg_mat H, int *level);

/* Representations at several noise levels, concatenated: H is
 * n x (sum over l of p_l), block l = the level nearest sigmas[l] applied to
 * x + sigmas[l] eps with the SAME eps for every level (one noise draw per
 * sample, scaled). nsigmas >= 1. The noise of row i comes from
 * mg_rng_fork(rng, row0 + i), so a caller working through a large X in
 * chunks passes each chunk's first row index and gets the same result as
 * one call on all of X. */
MG_API mg_status mg_repr_multi(const mg_daeset *set, mg_mat X, const double *sigmas, int nsigmas, const mg_rng *rng,
                        int64_t row0, mg_mat H);

/* Width of mg_repr_multi's output: sum of the hidden widths of the levels
 * nearest each sigma. */
MG_API int64_t mg_repr_multi_width(const mg_daeset *set, const double *sigmas, int nsigmas);

/* ---- denoising error -------------------------------------------------------- */

/* Monte Carlo denoising error of a DAE, the data term of Eq. 6: for every
 * row x_i of X (n x d) and draw t < draws, e_it = |f(x_i + sigma eps_it) - x_i|^2
 * with the noise of mg_noisy_rows at row index t*n + i (so the result does
 * not depend on chunking or threads). err (n, may be NULL) receives each
 * row's mean over its draws; *mean the mean of all n*draws values; *se (may
 * be NULL) its standard error, std / sqrt(n*draws) (std dividing by n*draws-1;
 * 0 for a single value). draws >= 1, n >= 1, sigma >= 0. */
MG_API mg_status mg_denoise_error(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, int64_t draws, double *err,
                           double *mean, double *se);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_REPR_H */
