/*
 * Agreement between two DAEs, typically a trained model A and a closed-form
 * construction B (paper Fig. 4 and Fig. 9):
 *
 *  - the eigenvalues of W2 W1^T of both, side by side (the nonzero ones are
 *    the eigenvalues of the p x p matrix W1^T W2);
 *  - per block of the reference model (the construction's "widths"/"kept"
 *    metadata; B's when present, else A's, else one block of rank
 *    min(pA, pB)), the principal angles between the block's column space and
 *    the leading subspace of the other model's units assigned to that block
 *    (each unit goes to the block whose span holds most of its W1 column);
 *  - column matching: for every nonzero column of B's W1 the most
 *    cosine-similar column of A's W1 and their norm ratio (Fig. 4: trained
 *    columns vs r_i x_i); with data, for each sample the most similar column
 *    of each model and for each column the most similar sample;
 *  - the block widths a trained model chose (which cluster's mean gates each
 *    of its units), to build the construction it should have landed on.
 */
#ifndef MEMGEN_COMPARE_H
#define MEMGEN_COMPARE_H

#include "memgen/core.h"
#include "memgen/dae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t d, pa, pb;
    /* eigenvalues of W2 W1^T */
    int64_t r;               /* listed per model: min(pa, pb, d) */
    double *eig_a, *eig_b;   /* r each, descending real parts */
    double imag_a, imag_b;   /* largest |imaginary part| (0 when tied) */
    int64_t eig_lead;        /* leading pairs with |eig_b| >= 1e-3 |eig_b[0]| */
    double eig_rel_err;      /* max |eig_a - eig_b| / |eig_b| over those */
    /* blocks */
    char ref;                /* 'B' or 'A': whose block metadata is the reference, 'N' none */
    int64_t nblocks;
    int64_t *block_rank;     /* nblocks: dimension of the reference block */
    int64_t *block_units;    /* nblocks: units of the other model assigned */
    int64_t *block_lead;     /* nblocks: dimension compared (min(lead, rank, units)) */
    int64_t angle_stride;    /* row length of angles */
    double *angles;          /* nblocks x angle_stride, degrees ascending; -1 past block_lead */
    double *angle_max;       /* nblocks: largest compared angle (degrees; 90 if none) */
    /* columns of B matched to A */
    int64_t *bcol_match;     /* pb: best column of A (-1 for a zero column of B) */
    double *bcol_cos;        /* pb: its cosine (0 for zero columns) */
    double *bcol_ratio;      /* pb: |A column| / |B column| (0 for zero columns) */
    int64_t bcols_nonzero;
    /* with data (n = 0 otherwise) */
    int64_t n;
    int64_t *sample_col_a, *sample_col_b; /* n: most similar column */
    double *sample_cos_a, *sample_cos_b;  /* n */
    int64_t *acol_sample, *bcol_sample;   /* pa / pb: most similar sample */
    double *acol_cos, *bcol_scos;         /* pa / pb */
    char note[256];          /* remarks (ignored metadata, ...) */
} mg_compare;

/* Compares A and B (same d). X (n x d) is optional: pass X.data == NULL to
 * skip the sample matching. lead >= 1 caps the subspace dimension compared
 * per block (0 = the full block). Caller frees with mg_compare_free. */
MG_API mg_status mg_compare_daes(const mg_dae *A, const mg_dae *B, mg_mat X, int64_t lead, mg_compare *out);

/* Frees the arrays; safe on NULL and on a zeroed struct. */
MG_API void mg_compare_free(mg_compare *c);

/* The block widths a trained model chose: unit u (a nonzero column of W1)
 * belongs to the cluster k whose mean gives it the largest positive
 * pre-activation w_u^T xbar_k (the gating of Theorem 3.1's masks). widths (K)
 * receives the counts; *unassigned (may be NULL) the nonzero units positive
 * on no cluster mean. Feed widths to mg_construct to build the construction
 * the model should have landed on (Theorem 3.1 holds for any split p_k). */
MG_API mg_status mg_dae_block_widths(const mg_dae *m, mg_mat X, const int64_t *labels, int64_t K, int64_t *widths,
                              int64_t *unassigned);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_COMPARE_H */
