/*
 * Memorization measures of generated samples against a training set (paper
 * Fig. 3, App. B.2; Gu et al. 2023 "On memorization in diffusion models"):
 *
 *  - the nearest-neighbour ratio r = |s - NN1(s)| / |s - NN2(s)|, with NN1,
 *    NN2 the two nearest training samples; s is memorized when r < threshold
 *    (1/3 by default, Gu et al.);
 *  - the largest cosine similarity to a training sample (the authors'
 *    notebooks and the SSCD-style labels of App. B.2: > 0.9 memorized,
 *    < 0.5 generalized);
 *  - the near-duplicate rate among the generations themselves: the fraction
 *    of generations whose ratio against the *other* generations is below the
 *    threshold (mode collapse onto a few outputs).
 */
#ifndef MEMGEN_MEMORIZATION_H
#define MEMGEN_MEMORIZATION_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t n;          /* number of generated samples */
    double threshold;   /* ratio threshold used for the flags */
    int64_t *nn1, *nn2; /* n: indices of the two nearest training rows */
    double *d1, *d2;    /* n: their Euclidean distances */
    double *ratio;      /* n: d1 / d2 (0 when d1 == 0, 1 when d1 == d2 == 0) */
    int *memorized;     /* n: ratio < threshold */
    int64_t *cos_idx;   /* n: training row of largest cosine similarity */
    double *cos_max;    /* n: that cosine */
    double *gen_ratio;  /* n: ratio against the other generations (NaN if n < 3) */
    /* summary */
    double frac_memorized;      /* mean of memorized */
    double frac_near_duplicate; /* mean of gen_ratio < threshold */
    double mean_ratio, median_ratio, mean_cos_max;
    int64_t distinct_memorized; /* distinct training rows hit by memorized samples */
} mg_memratio;

/* Computes every measure for samples S (n x d) against training rows X
 * (m x d, m >= 2). Caller frees with mg_memratio_free. */
MG_API mg_status mg_memratio_compute(mg_mat S, mg_mat X, double threshold, mg_memratio *out);

/* The same measures for samples read from an .npy file (n x d, any dtype
 * mg_npy_rows_read_f32 takes) chunk_rows rows at a time: memory for the
 * samples is two chunks (the near-duplicate ratio reads the file once per
 * chunk), besides the n-long results. The same bits as mg_memratio_compute
 * on the whole file. */
MG_API mg_status mg_memratio_compute_file(const char *samples, int64_t chunk_rows, mg_mat X, double threshold,
                                          mg_memratio *out);

/* *out (X.rows x X.cols float32, owned by the caller) = every row of X
 * divided by its Euclidean norm (computed in double); a zero row stays zero. */
MG_API mg_status mg_rows_unit_norm(mg_mat X, mg_array *out);

/* The same measures up to scale: every row of S and of X divided by its
 * norm first (|u - v|^2 = 2 - 2 cos(u, v), so the ratio ranks by cosine).
 * A sample that is a training row at another scale (what a positively
 * homogeneous model makes) has ratio 0 here. */
MG_API mg_status mg_memratio_compute_upto_scale(mg_mat S, mg_mat X, double threshold, mg_memratio *out);

/* Frees the arrays; safe on a zeroed struct. */
MG_API void mg_memratio_free(mg_memratio *r);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_MEMORIZATION_H */
