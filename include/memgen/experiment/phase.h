/*
 * Experiment phase (issue 16; paper Cor. 3.2-3.3, Sec. 3): the
 * memorization-generalization phase diagram at a report's size. A small
 * grid of sweep cells (memgen/sweep.h) over the number of training rows n
 * and the width p, on a Gaussian mixture of `modes` tight, well-separated
 * modes (means of norm 5, pairwise cosine -1/(modes-1), covariance
 * cov x 0.9^j): n = 2, modes/2, modes (at most one row per mode, so the
 * rows are separable in the sense of Def. 3.1: every pairwise cosine is
 * negative) and n = 8 modes, 32 modes (many rows per mode), against p =
 * modes/2, modes, 4 modes; `seeds` replicates of every cell. Each cell
 * builds the closed form (W_mem when p >= n, Cor. 3.2; the block
 * construction on the modes otherwise, Cor. 3.3) and trains a DAE on Eq. 6,
 * and measures both (memorized fraction of generated samples up to scale,
 * train/test loss ratio, ...).
 *
 * Summaries: the memorizing cells are those with p >= n whose rows are
 * separable (sep_mem_beta <= 0), the generalizing cells those with
 * n >= gen_ratio p ("n >> p"); the means of their measures.
 *
 * Generator: the sweep's base seed is drawn from mg_rng_fork(env->rng,
 * env->index); the cells' bits then follow sweep.h (independent of the
 * thread count).
 */
#ifndef MEMGEN_EXPERIMENT_PHASE_H
#define MEMGEN_EXPERIMENT_PHASE_H

#include "memgen/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int64_t modes;    /* mixture modes (>= 6; default 8) */
    double cov;       /* covariance scale of every mode (default 0.01) */
    int64_t d;        /* dimension (default 32) */
    double sigma;     /* the cells' noise level (default 0.5) */
    int64_t steps;    /* training steps per cell (default 3000) */
    int64_t samples;  /* generated samples per model (default 128) */
    int64_t ntest;    /* held-out rows (default 128) */
    int64_t seeds;    /* replicates of every cell (default 2) */
    double gen_ratio; /* n >= gen_ratio x p counts as n >> p (default 8) */
} mg_exp_phase_params;

typedef struct {
    char grid[1024];          /* the sweep's canonical grid spec */
    int64_t ncells;
    int64_t mem_cells;        /* cells with p >= n */
    int64_t mem_separable;    /* of those, the ones whose rows are separable (Def. 3.1): the memorizing cells */
    double mem_cf_frac, mem_tr_frac;             /* their mean memorized fraction (up to scale): closed form, trained */
    double mem_cf_loss_ratio, mem_tr_loss_ratio; /* their mean train/test loss ratio */
    int64_t gen_cells;        /* cells with n >= gen_ratio x p */
    double gen_cf_frac, gen_tr_frac, gen_cf_loss_ratio, gen_tr_loss_ratio; /* the same over those */
    double gen_cf_holds;      /* share of them where Theorem 3.1's assumptions hold for the closed form */
    double agree;             /* share of all cells where the trained DAE's phase (memorized fraction >= 1/2)
                                 is the predicted one (p >= n) */
    mg_table cells;           /* the sweep's table (sweep.h's columns) */
    mg_table boundary;        /* the predicted boundary p = n over the grid's range (columns n, p) */
} mg_exp_phase_result;

MG_API mg_exp_phase_params mg_exp_phase_defaults(void);
MG_API mg_status mg_exp_phase_run(const mg_exp_phase_params *p, const mg_exp_env *env, mg_exp_phase_result *r);
MG_API void mg_exp_phase_free(mg_exp_phase_result *r);

MG_API extern const mg_experiment mg_exp_phase;

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_PHASE_H */
