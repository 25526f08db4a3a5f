/*
 * Experiment fig9 (memgen/experiment/fig9.h; paper Fig. 9, App. A.1,
 * Theorem 3.1): the learned generalizing DAE of the Gaussian mixture against
 * the Theorem 3.1 construction (Eq. 7-8) matched to it. Each block of the
 * construction is a rank-limited Wiener filter of one mode: its columns are
 * the top eigenvectors of the mode's scatter matrix scaled by the gains
 * (ev - n lambda)/(ev + n_k sigma^2) of Eq. 8, so a learned model that
 * reached this minimiser has the same eigenvalues of W2 W1^T and spans the
 * same subspaces per block.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/compare.h"
#include "memgen/experiment/fig9.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_fig9_params, sigma, MG_FIELD_F64, "noise level of the learned model and the construction"),
    MG_FIELD(mg_exp_fig9_params, extra_steps_lr, MG_FIELD_I64, "further training steps at the set's learning rate"),
    MG_FIELD(mg_exp_fig9_params, extra_steps_lr_over_10, MG_FIELD_I64, "then steps at a tenth of the learning rate"),
    MG_FIELD(mg_exp_fig9_params, lead, MG_FIELD_I64, "leading directions per block of the second angle measure"),
    MG_FIELD(mg_exp_fig9_params, eig_tol, MG_FIELD_F64, "relative difference up to which an eigenvalue matches"),
};

#define F(m, type, doc) MG_FIELD(mg_exp_fig9_result, m, type, doc)
static const mg_field RESULT_FIELDS[] = {
    F(n, MG_FIELD_I64, "training rows"),
    F(d, MG_FIELD_I64, "dimension"),
    F(p, MG_FIELD_I64, "hidden units"),
    F(optim, MG_FIELD_TEXT, "optimizer of the shared set"),
    F(lr, MG_FIELD_F64, "learning rate of the shared set"),
    F(weight_decay, MG_FIELD_F64, "weight decay of the shared set (PyTorch's)"),
    F(batch, MG_FIELD_I64, "batch rows"),
    F(shared_steps, MG_FIELD_I64, "steps of the shared set's training"),
    F(trained_further, MG_FIELD_BOOL, "1: the further-trained model is compared"),
    F(lambda_eq6, MG_FIELD_F64, "the Eq. 6 weight decay lambda training minimises"),
    F(n_lambda, MG_FIELD_F64, "n lambda, the construction's eigenvalue cutoff"),
    F(eig_compared, MG_FIELD_I64, "nonzero constructed eigenvalues compared"),
    F(eig_within_tol, MG_FIELD_I64, "compared eigenvalues learned within eig_tol"),
    F(eig_share_within_tol, MG_FIELD_F64, "share of the compared eigenvalues within eig_tol"),
    F(eig_max_rel_err, MG_FIELD_F64, "largest relative eigenvalue difference"),
    F(eig_median_rel_err, MG_FIELD_F64, "median relative eigenvalue difference"),
    F(angle_max_deg, MG_FIELD_F64, "largest principal angle over the blocks (degrees)"),
    F(angle_max_lead_deg, MG_FIELD_F64, "largest angle over the leading directions of each block"),
    F(angle_max_mode0_deg, MG_FIELD_F64, "largest angle of mode 0's block"),
    F(angle_max_mode1_deg, MG_FIELD_F64, "largest angle of mode 1's block"),
    F(worst_block, MG_FIELD_I64, "mode of the block with the largest angle"),
    F(learned_width_mode0, MG_FIELD_I64, "learned units counted for mode 0"),
    F(learned_width_mode1, MG_FIELD_I64, "learned units counted for mode 1"),
    F(learned_units_unassigned, MG_FIELD_I64, "learned units positive on no mode mean"),
    F(construction_dropped_directions, MG_FIELD_I64, "allocated directions dropped by the construction"),
    F(construction_has_note, MG_FIELD_BOOL, "1: the construction has remarks"),
    F(construction_note, MG_FIELD_TEXT, "the construction's remarks"),
    F(mask_violation_share, MG_FIELD_F64, "share of training rows on which Theorem 3.1's masks fail"),
    F(alpha, MG_FIELD_F64, "Definition 3.1's alpha of the modes"),
    F(shared_eig_max_rel_err, MG_FIELD_F64, "shared model: largest relative eigenvalue difference"),
    F(shared_angle_max_deg, MG_FIELD_F64, "shared model: largest principal angle"),
    F(shared_angle_max_lead_deg, MG_FIELD_F64, "shared model: largest angle over the leading directions"),
    F(eigenvalues, MG_FIELD_TABLE, "every eigenvalue of W2 W1^T, learned and constructed"),
    F(angles, MG_FIELD_TABLE, "every principal angle per block"),
    F(blocks, MG_FIELD_TABLE, "principal angles summarised per block"),
    F(models, MG_FIELD_TABLE, "agreement of each compared model with its construction"),
};
#undef F

/* Library defaults. */
mg_exp_fig9_params mg_exp_fig9_defaults(void) {
    mg_exp_fig9_params p = {0.2, 6000, 3000, 10, 0.05};
    return p;
}

/* Frees a result. */
void mg_exp_fig9_free(mg_exp_fig9_result *r) {
    if (!r) return;
    mg_table_free(&r->eigenvalues);
    mg_table_free(&r->angles);
    mg_table_free(&r->blocks);
    mg_table_free(&r->models);
    memset(r, 0, sizeof *r);
}

/* What one comparison of a learned model with its construction produced. */
typedef struct {
    mg_construction con;
    mg_dae *B;            /* the construction as a model */
    mg_compare cmp;       /* full blocks */
    mg_compare lead;      /* leading `lead` directions of each block */
    int64_t widths[2];    /* learned block widths (units per mode) */
    int64_t unassigned;   /* learned units positive on no mode mean */
    double *eig_rel;      /* cmp.r: |learned - constructed| / |constructed| per eigenvalue (NaN where 0) */
    double eig_median;    /* median relative eigenvalue error over the cmp.eig_lead compared ones */
    int64_t eig_ok;       /* compared eigenvalues within eig_tol */
    double angle_worst;   /* largest principal angle over blocks (full) */
    double lead_worst;    /* ... over the leading directions */
    int64_t worst_block;  /* block with the largest angle */
} comparison;

/* Frees a comparison. */
static void comparison_free(comparison *r) {
    mg_construction_free(&r->con);
    mg_dae_free(r->B);
    mg_compare_free(&r->cmp);
    mg_compare_free(&r->lead);
    free(r->eig_rel);
    memset(r, 0, sizeof *r);
}

/* Builds the Theorem 3.1 construction matched to model A (its block widths,
 * the Eq. 6 lambda its training minimises) and compares A with it. */
static mg_status compare_model(const mg_exp_data *d, const mg_exp_fig9_params *p, const mg_dae *A, double sigma,
                               double lambda, comparison *r) {
    memset(r, 0, sizeof *r);
    mg_mat X = mg_exp_gen(d);
    MG_TRY(mg_dae_block_widths(A, X, d->gen_labels, 2, r->widths, &r->unassigned));
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = sigma;
    cp.wd = lambda;
    cp.hidden = mg_dae_hidden(A);
    cp.widths = r->widths;
    MG_TRY(mg_construct(X, d->gen_labels, 2, &cp, &r->con));
    MG_TRY(mg_construction_to_dae(&r->con, &r->B));
    mg_mat none = {0, 0, 0, NULL};
    MG_TRY(mg_compare_daes(A, r->B, none, 0, &r->cmp));
    MG_TRY(mg_compare_daes(A, r->B, none, p->lead, &r->lead));
    const mg_compare *c = &r->cmp;
    r->eig_rel = mg_alloc((size_t)(c->r > 0 ? c->r : 1), sizeof(double));
    if (!r->eig_rel) return mg_fail(MG_ERR_NOMEM, "fig9: out of memory");
    for (int64_t j = 0; j < c->r; j++)
        r->eig_rel[j] = c->eig_b[j] != 0 ? fabs(c->eig_a[j] - c->eig_b[j]) / fabs(c->eig_b[j]) : NAN;
    for (int64_t j = 0; j < c->eig_lead; j++) r->eig_ok += r->eig_rel[j] <= p->eig_tol; /* eig_b[j] != 0 there */
    mg_summary s;
    mg_status st = c->eig_lead > 0 ? mg_summarize(r->eig_rel, c->eig_lead, &s) : MG_OK;
    r->eig_median = c->eig_lead > 0 ? s.median : NAN;
    for (int64_t b = 0; b < r->cmp.nblocks; b++) {
        if (r->cmp.angle_max[b] > r->angle_worst) r->angle_worst = r->cmp.angle_max[b], r->worst_block = b;
        if (r->lead.angle_max[b] > r->lead_worst) r->lead_worst = r->lead.angle_max[b];
    }
    return st;
}

/* Theorem 3.1's masks for the construction of r on the modes: the share of
 * training samples on which they fail and Definition 3.1's alpha. */
static mg_status mask_check(const mg_exp_data *d, const comparison *r, double *viol, double *alpha) {
    mg_separability sep;
    mg_mat X = mg_exp_gen(d);
    MG_TRY(mg_separability_compute(X, d->gen_labels, 2, &sep));
    MG_TRY(mg_theory_verdict(X, &r->con, &sep));
    *viol = (double)sep.mask_violations / (double)X.rows;
    *alpha = sep.alpha;
    return MG_OK;
}

/* Training progress of one phase, mapped into [f0, f1] of the run. */
typedef struct {
    const mg_exp_env *env;
    const char *what;
    double f0, f1;
} train_slot;

/* mg_train_io.progress of a phase. */
static void train_progress(void *v, const mg_train_progress *pr) {
    const train_slot *t = v;
    double f = pr->total > 0 ? (double)pr->step / (double)pr->total : 1.0;
    mg_exp_progress(t->env, t->what, t->f0 + f * (t->f1 - t->f0));
}

/* The learned model: a clone of the shared set's level trained extra1 more
 * steps at the set's settings, then extra2 steps at a tenth of its learning
 * rate (either count may be 0). */
static mg_status learned_model(const mg_exp_env *env, const mg_exp_data *d, int level, int64_t extra1, int64_t extra2,
                               mg_dae **out) {
    *out = NULL;
    MG_TRY(mg_dae_clone(d->gen_set.levels[level], out));
    const mg_train_params *gp = &d->params.gen_train;
    double f = extra1 + extra2 > 0 ? 0.05 + 0.85 * (double)extra1 / (double)(extra1 + extra2) : 0.9;
    const struct {
        int64_t steps;
        double lr, f0, f1;
        const char *what;
    } phase[2] = {{extra1, gp->lr, 0.05, f, "training the sigma level's DAE further"},
                  {extra2, gp->lr / 10, f, 0.9, "training the sigma level's DAE further (lr / 10)"}};
    for (int k = 0; k < 2; k++) {
        if (phase[k].steps <= 0) continue;
        mg_train_params tp = *gp;
        tp.sigma = d->gen_set.sigmas[level];
        tp.steps = phase[k].steps;
        tp.lr = phase[k].lr;
        train_slot slot = {env, phase[k].what, phase[k].f0, phase[k].f1};
        mg_train_io io;
        memset(&io, 0, sizeof io);
        io.log_every = 500;
        io.probe_rows = 1;
        io.progress = train_progress;
        io.ctx = &slot;
        mg_rng r = mg_rng_fork(env->rng, (uint64_t)(2 * env->index + k));
        MG_TRY(mg_train_dae(&tp, mg_exp_gen(d), &r, &io, out));
    }
    return MG_OK;
}

/* The "eigenvalues" and "angles" tables of a comparison. */
static mg_status eig_angle_tables(const mg_exp_fig9_params *p, const comparison *r, mg_exp_fig9_result *res) {
    const mg_compare *c = &r->cmp;
    MG_TRY(mg_table_init(&res->eigenvalues, "eigenvalues", c->r, "j,learned,constructed,rel_err"));
    for (int64_t i = 0; i < c->r; i++) {
        res->eigenvalues.cols[0].num[i] = (double)(i + 1);
        res->eigenvalues.cols[1].num[i] = c->eig_a[i];
        res->eigenvalues.cols[2].num[i] = c->eig_b[i];
        res->eigenvalues.cols[3].num[i] = r->eig_rel[i];
    }
    int64_t m = 0;
    for (int64_t b = 0; b < c->nblocks; b++) m += c->block_lead[b];
    char cols[96];
    snprintf(cols, sizeof cols, "block,index,angle_deg,angle_leading%lld_deg", (long long)p->lead);
    MG_TRY(mg_table_init(&res->angles, "angles", m, cols));
    m = 0;
    for (int64_t b = 0; b < c->nblocks; b++)
        for (int64_t i = 0; i < c->block_lead[b]; i++, m++) {
            res->angles.cols[0].num[m] = (double)(b + 1);
            res->angles.cols[1].num[m] = (double)(i + 1);
            res->angles.cols[2].num[m] = c->angles[b * c->angle_stride + i];
            res->angles.cols[3].num[m] = i < r->lead.block_lead[b] ? r->lead.angles[b * r->lead.angle_stride + i] : NAN;
        }
    return MG_OK;
}

/* The "blocks" table: principal angles per block (at most two, the modes). */
static mg_status blocks_table(const comparison *r, mg_table *t) {
    const mg_compare *c = &r->cmp;
    int64_t nb = c->nblocks < 2 ? c->nblocks : 2;
    MG_TRY(mg_table_init(t, "blocks", nb, "mode,constructed,learned_units,compared,median_angle,max_angle,max_angle_lead"));
    for (int64_t b = 0; b < nb; b++) {
        const double *a = c->angles + b * c->angle_stride;
        int64_t m = c->block_lead[b];
        double v[7] = {(double)(b + 1), (double)r->con.blocks[b].kept, (double)c->block_units[b], (double)m,
                       m > 0 ? a[m / 2] : 90.0, c->angle_max[b], r->lead.angle_max[b]};
        for (int k = 0; k < 7; k++) t->cols[k].num[b] = v[k];
    }
    return MG_OK;
}

/* The "models" table: the shared model, then (when trained further) the further-trained one. */
static mg_status models_table(const comparison *shared, const comparison *r, const mg_exp_fig9_params *p,
                              mg_exp_fig9_result *res) {
    int n = res->trained_further ? 2 : 1;
    MG_TRY(mg_table_init(&res->models, "models", n,
                         "further,steps,width_mode0,width_mode1,eig_max_rel_err,angle_max,angle_max_lead"));
    const comparison *runs[2] = {shared, r};
    for (int i = 0; i < n; i++) {
        int further = res->trained_further && i == 1;
        double v[7] = {further,
                       (double)(res->shared_steps + (further ? p->extra_steps_lr + p->extra_steps_lr_over_10 : 0)),
                       (double)runs[i]->widths[0],
                       (double)runs[i]->widths[1],
                       runs[i]->cmp.eig_rel_err,
                       runs[i]->angle_worst,
                       runs[i]->lead_worst};
        for (int k = 0; k < 7; k++) res->models.cols[k].num[i] = v[k];
    }
    return MG_OK;
}

/* The headline numbers of the verdict model's comparison. */
static void headline(const comparison *r, double viol, double alpha, mg_exp_fig9_result *res) {
    const mg_compare *c = &r->cmp;
    res->eig_compared = c->eig_lead;
    res->eig_within_tol = r->eig_ok;
    res->eig_share_within_tol = c->eig_lead > 0 ? (double)r->eig_ok / (double)c->eig_lead : NAN;
    res->eig_max_rel_err = c->eig_rel_err;
    res->eig_median_rel_err = r->eig_median;
    res->angle_max_deg = r->angle_worst;
    res->angle_max_lead_deg = r->lead_worst;
    res->angle_max_mode0_deg = c->nblocks > 0 ? c->angle_max[0] : 90.0;
    res->angle_max_mode1_deg = c->nblocks > 1 ? c->angle_max[1] : 90.0;
    res->worst_block = r->worst_block; /* 0-based, as --target-mode and labels */
    res->learned_width_mode0 = r->widths[0];
    res->learned_width_mode1 = r->widths[1];
    res->learned_units_unassigned = r->unassigned;
    res->construction_dropped_directions = r->con.dropped;
    snprintf(res->construction_note, sizeof res->construction_note, "%s", r->con.note);
    res->construction_has_note = r->con.note[0] != '\0';
    res->mask_violation_share = viol;
    res->alpha = alpha;
}

/* Both comparisons and the result. */
static mg_status run(const mg_exp_fig9_params *p, const mg_exp_env *env, mg_exp_fig9_result *res, comparison *shared,
                     comparison *r, mg_dae **A) {
    const mg_exp_data *d = env->data[0];
    const mg_train_params *gp = &d->params.gen_train;
    int level;
    MG_TRY(mg_exp_level(&d->gen_set, p->sigma, &level));
    double sigma = d->gen_set.sigmas[level], lambda = mg_train_effective_lambda(gp, d->d);
    res->n = d->gen.shape[0];
    res->d = d->d;
    res->p = gp->hidden;
    snprintf(res->optim, sizeof res->optim, "%s", mg_optim_name(gp->optim));
    res->lr = gp->lr;
    res->weight_decay = gp->weight_decay;
    res->batch = gp->batch;
    res->shared_steps = gp->steps;
    res->trained_further = p->extra_steps_lr + p->extra_steps_lr_over_10 > 0;
    res->lambda_eq6 = lambda;
    res->n_lambda = lambda * (double)res->n;
    mg_exp_progress(env, "building the Theorem 3.1 construction for the shared DAE", 0.0);
    MG_TRY(compare_model(d, p, d->gen_set.levels[level], sigma, lambda, shared));
    const comparison *verdict = shared;
    if (res->trained_further) {
        MG_TRY(learned_model(env, d, level, p->extra_steps_lr, p->extra_steps_lr_over_10, A));
        mg_exp_progress(env, "comparing with the construction", 0.9);
        MG_TRY(compare_model(d, p, *A, sigma, lambda, r));
        verdict = r;
    }
    double viol = 0, alpha = 0;
    MG_TRY(mask_check(d, verdict, &viol, &alpha));
    headline(verdict, viol, alpha, res);
    res->shared_eig_max_rel_err = shared->cmp.eig_rel_err;
    res->shared_angle_max_deg = shared->angle_worst;
    res->shared_angle_max_lead_deg = shared->lead_worst;
    MG_TRY(eig_angle_tables(p, verdict, res));
    MG_TRY(blocks_table(verdict, &res->blocks));
    return models_table(shared, verdict, p, res);
}

/* Runs the experiment on the Gaussian mixture. */
mg_status mg_exp_fig9_run(const mg_exp_fig9_params *p, const mg_exp_env *env, mg_exp_fig9_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig9, env));
    if (!(p->sigma > 0) || p->extra_steps_lr < 0 || p->extra_steps_lr_over_10 < 0 || p->lead < 1 || !(p->eig_tol >= 0))
        return mg_fail(MG_ERR_ARG, "fig9: need sigma > 0, step counts >= 0, lead >= 1 and eig_tol >= 0");
    if (env->data[0]->nclasses != 2) return mg_fail(MG_ERR_ARG, "fig9: needs the two-mode mixture");
    comparison shared, further;
    memset(&shared, 0, sizeof shared);
    memset(&further, 0, sizeof further);
    mg_dae *A = NULL;
    mg_status s = run(p, env, r, &shared, &further, &A);
    comparison_free(&shared);
    comparison_free(&further);
    mg_dae_free(A);
    if (s != MG_OK) mg_exp_fig9_free(r);
    return s;
}

MG_EXP_DEFINE(fig9, mg_exp_fig9_params, mg_exp_fig9_result, "Learned DAE vs the construction of Theorem 3.1",
              "Fig. 9, App. A.1, Theorem 3.1", MG_EXP_MOG_DATASET);
