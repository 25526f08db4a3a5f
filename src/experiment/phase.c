/*
 * Experiment phase (memgen/experiment/phase.h; issue 16, paper Cor.
 * 3.2-3.3): a small n x p grid of sweep cells on a mixture of many tight
 * modes, run in memory through the sweep library (mg_sweep_run_table), with
 * the means of the measures over the memorizing (p >= n, separable rows)
 * and the generalizing (n >> p) cells.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/experiment/phase.h"
#include "memgen/sweep.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_phase_params, modes, MG_FIELD_I64, "mixture modes (n = 2, modes/2, modes, 8 modes, 32 modes)"),
    MG_FIELD(mg_exp_phase_params, cov, MG_FIELD_F64, "covariance scale of every mode (cov x 0.9^j)"),
    MG_FIELD(mg_exp_phase_params, d, MG_FIELD_I64, "dimension"),
    MG_FIELD(mg_exp_phase_params, sigma, MG_FIELD_F64, "the cells' noise level"),
    MG_FIELD(mg_exp_phase_params, steps, MG_FIELD_I64, "training steps per cell"),
    MG_FIELD(mg_exp_phase_params, samples, MG_FIELD_I64, "generated samples per model"),
    MG_FIELD(mg_exp_phase_params, ntest, MG_FIELD_I64, "held-out rows"),
    MG_FIELD(mg_exp_phase_params, seeds, MG_FIELD_I64, "replicates of every cell"),
    MG_FIELD(mg_exp_phase_params, gen_ratio, MG_FIELD_F64, "n >= gen_ratio x p counts as n >> p"),
};

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_phase_result, grid, MG_FIELD_TEXT, "the sweep's canonical grid spec"),
    MG_FIELD(mg_exp_phase_result, ncells, MG_FIELD_I64, "cells"),
    MG_FIELD(mg_exp_phase_result, mem_cells, MG_FIELD_I64, "cells with p >= n"),
    MG_FIELD(mg_exp_phase_result, mem_separable, MG_FIELD_I64, "of those, cells with separable rows (Def. 3.1)"),
    MG_FIELD(mg_exp_phase_result, mem_cf_frac, MG_FIELD_F64, "memorizing cells: memorized fraction, closed form"),
    MG_FIELD(mg_exp_phase_result, mem_tr_frac, MG_FIELD_F64, "memorizing cells: memorized fraction, trained"),
    MG_FIELD(mg_exp_phase_result, mem_cf_loss_ratio, MG_FIELD_F64, "memorizing cells: train/test loss, closed form"),
    MG_FIELD(mg_exp_phase_result, mem_tr_loss_ratio, MG_FIELD_F64, "memorizing cells: train/test loss, trained"),
    MG_FIELD(mg_exp_phase_result, gen_cells, MG_FIELD_I64, "cells with n >= gen_ratio x p"),
    MG_FIELD(mg_exp_phase_result, gen_cf_frac, MG_FIELD_F64, "generalizing cells: memorized fraction, closed form"),
    MG_FIELD(mg_exp_phase_result, gen_tr_frac, MG_FIELD_F64, "generalizing cells: memorized fraction, trained"),
    MG_FIELD(mg_exp_phase_result, gen_cf_loss_ratio, MG_FIELD_F64, "generalizing cells: train/test loss, closed form"),
    MG_FIELD(mg_exp_phase_result, gen_tr_loss_ratio, MG_FIELD_F64, "generalizing cells: train/test loss, trained"),
    MG_FIELD(mg_exp_phase_result, gen_cf_holds, MG_FIELD_F64, "generalizing cells: share where Theorem 3.1 holds"),
    MG_FIELD(mg_exp_phase_result, agree, MG_FIELD_F64, "share of cells whose trained phase is the predicted one"),
    MG_FIELD(mg_exp_phase_result, cells, MG_FIELD_TABLE, "the sweep's table, one row per cell"),
    MG_FIELD(mg_exp_phase_result, boundary, MG_FIELD_TABLE, "the predicted boundary p = n"),
};

/* Library defaults (the quick report's sizes). */
mg_exp_phase_params mg_exp_phase_defaults(void) {
    mg_exp_phase_params p = {8, 0.01, 32, 0.5, 3000, 128, 128, 2, 8};
    return p;
}

/* Frees a result. */
void mg_exp_phase_free(mg_exp_phase_result *r) {
    if (!r) return;
    mg_table_free(&r->cells);
    mg_table_free(&r->boundary);
    memset(r, 0, sizeof *r);
}

/* The grid spec of the parameters into buf (seeds 0 .. seeds-1). */
static mg_status grid_spec(const mg_exp_phase_params *p, char *buf, size_t len) {
    long long K = (long long)p->modes;
    int at = snprintf(buf, len,
                      "data=mog:%lld:%.17g; n=2,%lld,%lld,%lld,%lld; p=%lld,%lld,%lld; sigma=%.17g; d=%lld; "
                      "steps=%lld; samples=%lld; ntest=%lld; seed=0",
                      K, p->cov, K / 2, K, 8 * K, 32 * K, K / 2, K, 4 * K, p->sigma, (long long)p->d,
                      (long long)p->steps, (long long)p->samples, (long long)p->ntest);
    for (int64_t k = 1; k < p->seeds && at > 0 && (size_t)at < len; k++)
        at += snprintf(buf + at, len - (size_t)at, ",%lld", (long long)k);
    if (at < 0 || (size_t)at >= len)
        return mg_fail(MG_ERR_ARG, "phase: %lld seeds make too long a grid", (long long)p->seeds);
    return MG_OK;
}

/* Means over the cells of a group (NaN when empty). */
static double group_mean(const double *col, const int *in, int64_t n) {
    double s = 0;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (in[i]) s += col[i], k++;
    return k ? s / (double)k : NAN;
}

/* The summaries of the table (see phase.h). */
static mg_status summarize(const mg_exp_phase_params *p, mg_exp_phase_result *r) {
    const mg_table *t = &r->cells;
    int64_t n = t->nrows;
    int *mem = calloc((size_t)n, sizeof(int)), *gen = calloc((size_t)n, sizeof(int));
    if (!mem || !gen) {
        free(mem), free(gen);
        return mg_fail(MG_ERR_NOMEM, "phase: out of memory");
    }
    const double *cn = mg_table_col(t, "n"), *cp = mg_table_col(t, "p"), *sep = mg_table_col(t, "sep_mem_beta"),
                 *trf = mg_table_col(t, "tr_mem_frac_scale"), *pred = mg_table_col(t, "pred_mem");
    int64_t agree = 0;
    r->ncells = n;
    for (int64_t i = 0; i < n; i++) {
        r->mem_cells += cp[i] >= cn[i];
        mem[i] = cp[i] >= cn[i] && sep[i] <= 0;
        gen[i] = cn[i] >= p->gen_ratio * cp[i];
        r->mem_separable += mem[i];
        r->gen_cells += gen[i];
        agree += (trf[i] >= 0.5) == (pred[i] == 1);
    }
    r->agree = n ? (double)agree / (double)n : NAN;
    r->mem_cf_frac = group_mean(mg_table_col(t, "cf_mem_frac_scale"), mem, n);
    r->mem_tr_frac = group_mean(trf, mem, n);
    r->mem_cf_loss_ratio = group_mean(mg_table_col(t, "cf_loss_ratio"), mem, n);
    r->mem_tr_loss_ratio = group_mean(mg_table_col(t, "tr_loss_ratio"), mem, n);
    r->gen_cf_frac = group_mean(mg_table_col(t, "cf_mem_frac_scale"), gen, n);
    r->gen_tr_frac = group_mean(trf, gen, n);
    r->gen_cf_loss_ratio = group_mean(mg_table_col(t, "cf_loss_ratio"), gen, n);
    r->gen_tr_loss_ratio = group_mean(mg_table_col(t, "tr_loss_ratio"), gen, n);
    r->gen_cf_holds = group_mean(mg_table_col(t, "cf_holds"), gen, n);
    free(mem), free(gen);
    return MG_OK;
}

/* The boundary p = n from the least to the largest p, through the n values between. */
static mg_status boundary(const mg_sweep_grid *g, mg_table *b) {
    const double *pv = g->values[MG_SWEEP_AX_P], *nv = g->values[MG_SWEEP_AX_N];
    double lo = pv[0], hi = pv[g->count[MG_SWEEP_AX_P] - 1];
    int64_t k = 0;
    for (int64_t i = 0; i < g->count[MG_SWEEP_AX_N]; i++) k += nv[i] > lo && nv[i] < hi;
    MG_TRY(mg_table_init(b, "boundary", k + 2, "n,p"));
    double *bn = b->cols[0].num, *bp = b->cols[1].num;
    int64_t j = 0;
    bn[j] = bp[j] = lo, j++;
    for (int64_t i = 0; i < g->count[MG_SWEEP_AX_N]; i++)
        if (nv[i] > lo && nv[i] < hi) bn[j] = bp[j] = nv[i], j++;
    bn[j] = bp[j] = hi;
    return MG_OK;
}

/* Runs the grid and summarizes it. */
mg_status mg_exp_phase_run(const mg_exp_phase_params *p, const mg_exp_env *env, mg_exp_phase_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_phase, env));
    if (p->modes < 6 || p->modes > 1000 || p->seeds < 1 || p->seeds > 100 || !(p->gen_ratio > 1))
        return mg_fail(MG_ERR_ARG, "phase: need 6 <= modes <= 1000, 1 <= seeds <= 100 and gen_ratio > 1");
    MG_TRY(grid_spec(p, r->grid, sizeof r->grid));
    mg_sweep_grid g;
    MG_TRY(mg_sweep_grid_parse(r->grid, &g));
    mg_rng rs = mg_rng_fork(env->rng, (uint64_t)env->index);
    uint64_t seed = mg_rng_below(&rs, (uint64_t)1 << 53);
    mg_exp_progress(env, "sweep cells", 0.0);
    mg_status s = mg_sweep_run_table(&g, seed, &r->cells, NULL);
    char *name = s == MG_OK ? strdup("cells") : NULL; /* the table as the result names it */
    if (s == MG_OK && !name) s = mg_fail(MG_ERR_NOMEM, "phase: out of memory");
    if (name) free(r->cells.name), r->cells.name = name;
    if (s == MG_OK) s = summarize(p, r);
    if (s == MG_OK) s = boundary(&g, &r->boundary);
    mg_sweep_grid_free(&g);
    if (s != MG_OK) mg_exp_phase_free(r);
    return s;
}

MG_EXP_DEFINE(phase, mg_exp_phase_params, mg_exp_phase_result, "The memorization-generalization phase diagram",
              "Cor. 3.2-3.3, Sec. 3", MG_EXP_OWN_DATA);
