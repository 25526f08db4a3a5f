/*
 * Experiment losses (memgen/experiment/losses.h; Theorem 3.1, Cor. 3.2-3.3):
 * at every measured noise level of both regimes of one dataset, the
 * training loss the closed form predicts for the construction against the
 * Monte Carlo loss of the constructed model and of the trained DAE, and on a
 * Gaussian mixture the test losses (Cor. 3.3's rank-p_k Wiener filters and
 * the construction's exact risk) against Monte Carlo on held-out rows; plus
 * the tallies the claims rest on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/compare.h"
#include "memgen/experiment/losses.h"
#include "memgen/partition.h"
#include "memgen/repr.h"
#include "memgen/theory.h"

static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(mg_exp_losses_params, level_step, MG_FIELD_I64, "every level_step-th level of the grid is measured"),
    MG_FIELD(mg_exp_losses_params, mc_mem, MG_FIELD_I64, "Monte Carlo noise draws per memorizing training row"),
    MG_FIELD(mg_exp_losses_params, mc_gen, MG_FIELD_I64, "Monte Carlo noise draws per generalizing training row"),
    MG_FIELD(mg_exp_losses_params, mc_test, MG_FIELD_I64, "Monte Carlo noise draws per held-out row (mixture)"),
    MG_FIELD(mg_exp_losses_params, sigma_part, MG_FIELD_F64, "noise level at which the partitions are chosen"),
    MG_FIELD(mg_exp_losses_params, tol_rel, MG_FIELD_F64, "agreement: |MC - closed form| <= tol_rel |closed form| ..."),
    MG_FIELD(mg_exp_losses_params, tol_se, MG_FIELD_F64, "... or <= tol_se Monte Carlo standard errors"),
    MG_FIELD(mg_exp_losses_params, sigma_low, MG_FIELD_F64, "checks at sigma <= sigma_low are counted apart"),
};

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(mg_exp_losses_result, train_losses, MG_FIELD_TABLE, "training losses per regime and level"),
    MG_FIELD(mg_exp_losses_result, test_losses, MG_FIELD_TABLE, "mixture: test losses per level"),
    MG_FIELD(mg_exp_losses_result, partitions, MG_FIELD_TABLE, "the partition of each regime"),
    MG_FIELD(mg_exp_losses_result, rows, MG_FIELD_I64, "rows of train_losses"),
    MG_FIELD(mg_exp_losses_result, rows_masks_fail, MG_FIELD_I64, "rows whose masks fail"),
    MG_FIELD(mg_exp_losses_result, checks_masks_hold, MG_FIELD_I64, "constructed-model checks where the masks hold"),
    MG_FIELD(mg_exp_losses_result, constructed_within_tol, MG_FIELD_I64, "of those, within the tolerance"),
    MG_FIELD(mg_exp_losses_result, checks_low_sigma, MG_FIELD_I64, "checks at sigma <= sigma_low"),
    MG_FIELD(mg_exp_losses_result, checks_low_sigma_within_tol, MG_FIELD_I64, "of those, within the tolerance"),
    MG_FIELD(mg_exp_losses_result, constructed_worst_rel, MG_FIELD_F64, "largest relative difference, constructed"),
    MG_FIELD(mg_exp_losses_result, constructed_worst_sigma, MG_FIELD_F64, "its noise level"),
    MG_FIELD(mg_exp_losses_result, trained_rows_masks_hold, MG_FIELD_I64, "training rows where the masks hold"),
    MG_FIELD(mg_exp_losses_result, trained_median_rel, MG_FIELD_F64, "lower median relative difference, trained"),
    MG_FIELD(mg_exp_losses_result, trained_worst_rel, MG_FIELD_F64, "largest relative difference, trained"),
    MG_FIELD(mg_exp_losses_result, trained_worst_sigma, MG_FIELD_F64, "its noise level"),
    MG_FIELD(mg_exp_losses_result, test_levels, MG_FIELD_I64, "mixture: levels with a test loss"),
    MG_FIELD(mg_exp_losses_result, test_trained_median_rel, MG_FIELD_F64, "lower median relative difference to Cor. 3.3"),
    MG_FIELD(mg_exp_losses_result, test_trained_worst_rel, MG_FIELD_F64, "largest relative difference to Cor. 3.3"),
    MG_FIELD(mg_exp_losses_result, test_trained_worst_sigma, MG_FIELD_F64, "its noise level"),
    MG_FIELD(mg_exp_losses_result, gen_violation_share, MG_FIELD_F64,
             "generalizing set: share of rows whose masks fail at sigma_part"),
    MG_FIELD(mg_exp_losses_result, gen_alpha, MG_FIELD_F64, "Definition 3.1's alpha of the generalizing partition"),
    MG_FIELD(mg_exp_losses_result, gen_beta, MG_FIELD_F64, "Definition 3.1's beta of the generalizing partition"),
};

/* Library defaults (the quick report's). */
mg_exp_losses_params mg_exp_losses_defaults(void) {
    mg_exp_losses_params p = {1, 2000, 1, 20, 0.2, 0.02, 3.0, 0.2};
    return p;
}

/* Frees a result. */
void mg_exp_losses_free(mg_exp_losses_result *r) {
    if (!r) return;
    mg_table_free(&r->train_losses);
    mg_table_free(&r->test_losses);
    mg_table_free(&r->partitions);
    memset(r, 0, sizeof *r);
}

/* One measured row: a (dataset, regime, level) triple. */
typedef struct {
    int di, regime;        /* dataset index; 0 memorizing, 1 generalizing */
    int level;
    double sigma;
    int applies;           /* Theorem 3.1's masks hold on the clean training data */
    double viol;           /* share of training samples whose masks fail */
    int holds;             /* Theorem 3.1's sufficient conditions (Def. 3.1, Eq. 16) hold */
    double pred;           /* predicted training data term (construction) */
    double mem0;           /* Cor. 3.2 at lambda -> 0 (memorizing rows; NaN otherwise) */
    double con, con_se;    /* Monte Carlo of the constructed model */
    double trn, trn_se;    /* Monte Carlo of the trained model */
    /* mixture generalizing rows: test losses (NaN otherwise) */
    double oracle;         /* Cor. 3.3 (corrected): rank-p_k Wiener filters on the true mixture */
    double con_risk;       /* the construction's exact risk on the mixture (masks of Theorem 3.1) */
    double con_test, con_test_se, trn_test, trn_test_se;
} loss_row;

/* A regime's partition and Definition 3.1 on it. */
typedef struct {
    mg_partition part;
    mg_separability sep0;  /* Definition 3.1 (construction-independent) */
    int64_t violations;    /* samples whose masks fail at sigma_part */
    double gamma;          /* Eq. 16's margin at sigma_part (with the construction there) */
} regime_part;

/* The regime's training rows, labels, set and Eq. 6 lambda. */
static mg_mat regime_rows(const mg_exp_data *d, int regime) { return regime ? mg_exp_gen(d) : mg_exp_mem(d); }
static const mg_daeset *regime_set(const mg_exp_data *d, int regime) { return regime ? &d->gen_set : &d->mem_set; }
static double regime_lambda(const mg_exp_data *d, int regime) {
    return mg_train_effective_lambda(regime ? &d->params.gen_train : &d->params.mem_train, d->d);
}

/* Names of the partitions (regime 1: generalizing). */
static const char *part_name(mg_partition_mode m, int mog, int regime) {
    if (m == MG_PARTITION_MEM) return "one sample per cluster (Cor. 3.2)";
    if (m == MG_PARTITION_LAE) return "one block (Lemma C.1)";
    if (mog) return regime ? "the mixture's modes (Cor. 3.3)" : "the mixture's modes (Theorem 3.1)";
    return "the classes (Theorem 3.1)";
}

/* Builds the construction of a partition for model m at sigma (block
 * widths: the trained model's), and its verdict. */
static mg_status build(mg_mat X, const regime_part *rp, const mg_dae *m, double sigma, double lambda,
                       mg_construction *con, mg_separability *sep) {
    memset(con, 0, sizeof *con);
    int64_t *widths = NULL;
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = sigma;
    cp.wd = lambda;
    cp.hidden = mg_dae_hidden(m);
    if (rp->part.mode != MG_PARTITION_MEM) {
        widths = mg_alloc((size_t)rp->part.K, sizeof(int64_t));
        if (!widths) return mg_fail(MG_ERR_NOMEM, "losses: out of memory");
        int64_t none;
        mg_status s = mg_dae_block_widths(m, X, rp->part.labels, rp->part.K, widths, &none);
        if (s != MG_OK) {
            free(widths);
            return s;
        }
        cp.widths = widths;
    }
    mg_status s = mg_partition_construct(X, &rp->part, &cp, con);
    free(widths);
    MG_TRY(s);
    *sep = rp->sep0;
    return mg_theory_verdict(X, con, sep);
}

/* Picks the regime's partition: the first candidate whose masks hold on the
 * data at p->sigma_part, else the one with the fewest samples violating them. */
static mg_status choose_partition(const mg_exp_losses_params *p, const mg_exp_env *env, const mg_exp_data *d,
                                  int regime, regime_part *rp) {
    mg_mat X = regime_rows(d, regime);
    const mg_daeset *set = regime_set(d, regime);
    int lv;
    MG_TRY(mg_exp_level(set, p->sigma_part, &lv));
    const mg_dae *m = set->levels[lv];
    int64_t view_shape0 = X.rows;
    mg_array labels = {MG_I64, 1, {view_shape0}, regime ? d->gen_labels : d->mem_labels}; /* a view, not owned */
    mg_partition_mode cand[2] = {regime ? MG_PARTITION_BLOCKS : MG_PARTITION_MEM,
                                 regime ? MG_PARTITION_LAE : MG_PARTITION_BLOCKS};
    int64_t best = -1;
    memset(rp, 0, sizeof *rp);
    for (int c = 0; c < 2; c++) {
        regime_part t;
        memset(&t, 0, sizeof t);
        mg_partition_params pp = mg_partition_params_default();
        pp.mode = cand[c];
        pp.labels = cand[c] == MG_PARTITION_BLOCKS ? &labels : NULL;
        pp.labels_name = "losses: class labels";
        mg_status s = mg_partition_make(X, &pp, NULL, &t.part);
        if (s == MG_OK) s = mg_separability_compute(X, t.part.labels, t.part.K, &t.sep0);
        mg_construction con;
        mg_separability sep;
        memset(&con, 0, sizeof con);
        if (s == MG_OK) s = build(X, &t, m, env->sigmas[lv], regime_lambda(d, regime), &con, &sep);
        mg_construction_free(&con);
        if (s != MG_OK) {
            mg_partition_free(&t.part);
            return s;
        }
        t.violations = sep.mask_violations;
        t.gamma = sep.gamma;
        int64_t viol = sep.masks_ok ? 0 : (sep.mask_violations > 0 ? sep.mask_violations : 1);
        if (best < 0 || viol < best) {
            mg_partition_free(&rp->part);
            *rp = t;
            best = viol;
        } else {
            mg_partition_free(&t.part);
        }
        if (viol == 0) break;
    }
    return MG_OK;
}

/* Widths per mixture component: kept columns of the blocks matched to each component. */
static mg_status component_widths(mg_mat X, const mg_construction *con, const mg_mog *mog, int64_t *wk, double *risk) {
    int64_t *match = mg_alloc((size_t)con->K, sizeof(int64_t));
    if (!match) return mg_fail(MG_ERR_NOMEM, "losses: out of memory");
    mg_status s = mg_construction_mog_risk(X, con, mog, match, NULL, risk);
    memset(wk, 0, (size_t)mog->K * sizeof(int64_t));
    for (int64_t b = 0; s == MG_OK && b < con->K; b++) wk[match[b]] += con->blocks[b].kept;
    free(match);
    return s;
}

/* Measures one row: the construction's prediction and the Monte Carlo losses. */
static mg_status measure(const mg_exp_losses_params *p, const mg_exp_env *env, int regime, int level,
                         const regime_part *rp, loss_row *row) {
    const mg_exp_data *d = env->data[0];
    const int di = env->index;
    mg_mat X = regime_rows(d, regime);
    const mg_dae *m = regime_set(d, regime)->levels[level];
    double sigma = env->sigmas[level], lambda = regime_lambda(d, regime);
    memset(row, 0, sizeof *row);
    row->di = di, row->regime = regime, row->level = level, row->sigma = sigma;
    row->mem0 = row->oracle = row->con_risk = row->con_test = row->con_test_se = row->trn_test = row->trn_test_se = NAN;
    mg_construction con;
    mg_separability sep;
    mg_status s = build(X, rp, m, sigma, lambda, &con, &sep);
    if (s != MG_OK) {
        mg_construction_free(&con);
        return s;
    }
    mg_dae *B = NULL;
    row->applies = sep.masks_ok;
    row->viol = (double)sep.mask_violations / (double)X.rows;
    row->holds = sep.holds;
    row->pred = con.train_mse;
    if (!regime) row->mem0 = mg_mem_loss(X, sigma);
    int64_t draws = regime ? p->mc_gen : p->mc_mem;
    /* the same noise for both models (common random numbers), a fresh stream per (dataset, regime, level) */
    uint64_t key = (uint64_t)((2 * di + regime) * 64 + level) * 2;
    mg_rng r = mg_rng_fork(env->rng, key);
    s = mg_construction_to_dae(&con, &B);
    if (s == MG_OK) s = mg_denoise_error(B, X, sigma, &r, draws, NULL, &row->con, &row->con_se);
    if (s == MG_OK) s = mg_denoise_error(m, X, sigma, &r, draws, NULL, &row->trn, &row->trn_se);
    if (s == MG_OK && regime && d->has_mog) {
        int64_t wk[16];
        if (d->mog.K > 16) s = mg_fail(MG_ERR_ARG, "losses: more than 16 mixture components");
        if (s == MG_OK) s = component_widths(X, &con, &d->mog, wk, &row->con_risk);
        if (s == MG_OK) s = mg_mog_oracle_risk(&d->mog, sigma, lambda, wk, NULL, &row->oracle);
        mg_rng rt = mg_rng_fork(env->rng, key + 1);
        mg_mat T = mg_exp_test(d);
        if (s == MG_OK) s = mg_denoise_error(B, T, sigma, &rt, p->mc_test, NULL, &row->con_test, &row->con_test_se);
        if (s == MG_OK) s = mg_denoise_error(m, T, sigma, &rt, p->mc_test, NULL, &row->trn_test, &row->trn_test_se);
    }
    mg_dae_free(B);
    mg_construction_free(&con);
    return s;
}

/* ---- tallies ----------------------------------------------------------------------- */

/* |a - b| / |b|. */
static double rel(double a, double b) { return fabs(a - b) / fabs(b); }

/* Adds a constructed-model check (measured, se, predicted) to the result's counts. */
static void tally_con(const mg_exp_losses_params *p, mg_exp_losses_result *r, double sigma, double meas, double se,
                      double pred) {
    int ok = fabs(meas - pred) <= fmax(p->tol_rel * fabs(pred), p->tol_se * se);
    r->checks_masks_hold++;
    r->constructed_within_tol += ok;
    if (sigma <= p->sigma_low + 1e-12) r->checks_low_sigma++, r->checks_low_sigma_within_tol += ok;
    double e = rel(meas, pred);
    if (e > r->constructed_worst_rel) r->constructed_worst_rel = e, r->constructed_worst_sigma = sigma;
}

/* Relative differences of trained models to their closed form (NaN counted as +inf). */
typedef struct {
    int64_t n;
    double *v;           /* n (capacity: the rows) */
    double worst, worst_sigma;
} rel_list;

/* Appends |trn - pred| / |pred| at sigma. */
static void rel_add(rel_list *l, double sigma, double trn, double pred) {
    double f = rel(trn, pred);
    if (isnan(f)) f = INFINITY;
    if (l->n == 0 || f > l->worst) l->worst = f, l->worst_sigma = sigma;
    l->v[l->n++] = f;
}

/* Ascending order of doubles (no NaN). */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The lower median (ceil(n/2)-th smallest) and the largest of a list; NaN when empty. */
static void rel_summary(rel_list *l, double *median, double *worst, double *worst_sigma) {
    *median = *worst = *worst_sigma = NAN;
    if (l->n == 0) return;
    qsort(l->v, (size_t)l->n, sizeof(double), cmp_double);
    *median = l->v[(l->n - 1) / 2];
    *worst = l->worst;
    *worst_sigma = l->worst_sigma;
}

/* ---- tables --------------------------------------------------------------------------- */

/* The train_losses table (the columns of the CSV file, in its order). */
static mg_status train_table(const loss_row *rows, int64_t n, mg_table *t) {
    MG_TRY(mg_table_init(t, "train_losses", n,
                         "dataset,generalizing,sigma,masks_hold,mask_violation_share,predicted,constructed_mc,"
                         "constructed_se,trained_mc,trained_se,cor32_lambda0,level"));
    for (int64_t i = 0; i < n; i++) {
        const loss_row *r = &rows[i];
        double v[12] = {r->di,  r->regime, r->sigma,  r->applies, r->viol, r->pred,
                        r->con, r->con_se, r->trn, r->trn_se,  r->mem0, r->level};
        for (int c = 0; c < 12; c++) t->cols[c].num[i] = v[c];
    }
    return MG_OK;
}

/* The test_losses table of the rows with a test loss (a mixture's; left empty when none). */
static mg_status test_table(const loss_row *rows, int64_t n, int64_t ntest, mg_table *t) {
    if (ntest == 0) return MG_OK;
    MG_TRY(mg_table_init(t, "test_losses", ntest,
                         "sigma,cor33_oracle,construction_risk,constructed_mc,constructed_se,trained_mc,trained_se"));
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) {
        const loss_row *r = &rows[i];
        if (isnan(r->oracle)) continue;
        double v[7] = {r->sigma, r->oracle, r->con_risk, r->con_test, r->con_test_se, r->trn_test, r->trn_test_se};
        for (int c = 0; c < 7; c++) t->cols[c].num[k] = v[c];
        k++;
    }
    return MG_OK;
}

/* The partitions table: one row per regime. */
static mg_status partition_table(const mg_exp_env *env, const regime_part *parts, const loss_row *rows, int64_t n,
                                 mg_table *t) {
    MG_TRY(mg_table_init(t, "partitions", 2, NULL));
    int cd, cr, cp;
    MG_TRY(mg_table_add(t, "data", MG_COL_TEXT, &cd));
    MG_TRY(mg_table_add(t, "regime", MG_COL_TEXT, &cr));
    MG_TRY(mg_table_add(t, "partition", MG_COL_TEXT, &cp));
    static const char *const num[7] = {"K",     "alpha", "beta", "gamma", "levels_masks_hold", "levels_all_assumptions",
                                       "levels"};
    for (int j = 0; j < 7; j++) MG_TRY(mg_table_add(t, num[j], MG_COL_F64, NULL));
    for (int regime = 0; regime < 2; regime++) {
        int64_t app = 0, all = 0, tot = 0;
        const regime_part *rp = &parts[regime];
        for (int64_t i = 0; i < n; i++)
            if (rows[i].regime == regime) tot++, app += rows[i].applies, all += rows[i].holds;
        MG_TRY(mg_table_set_text(t, cd, regime, env->data[0]->name));
        MG_TRY(mg_table_set_text(t, cr, regime, regime ? "generalizing" : "memorizing"));
        MG_TRY(mg_table_set_text(t, cp, regime, part_name(rp->part.mode, env->data[0]->has_mog, regime)));
        double v[7] = {(double)rp->part.K, rp->sep0.alpha, rp->sep0.beta, rp->gamma, (double)app, (double)all,
                       (double)tot};
        for (int j = 0; j < 7; j++) t->cols[3 + j].num[regime] = v[j];
    }
    return MG_OK;
}

/* Counts, summaries and tables from the measured rows. */
static mg_status summarize(const mg_exp_losses_params *p, const mg_exp_env *env, const regime_part *parts,
                           const loss_row *rows, int64_t n, mg_exp_losses_result *r) {
    rel_list tr = {0, mg_alloc((size_t)(n > 0 ? n : 1), sizeof(double)), 0, NAN};
    rel_list te = {0, mg_alloc((size_t)(n > 0 ? n : 1), sizeof(double)), 0, NAN};
    mg_status s = tr.v && te.v ? MG_OK : mg_fail(MG_ERR_NOMEM, "losses: out of memory");
    r->rows = n;
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        const loss_row *w = &rows[i];
        if (!isnan(w->oracle)) rel_add(&te, w->sigma, w->trn_test, w->oracle);
        r->rows_masks_fail += !w->applies;
        if (!w->applies) continue;
        tally_con(p, r, w->sigma, w->con, w->con_se, w->pred);
        rel_add(&tr, w->sigma, w->trn, w->pred);
        if (!isnan(w->oracle)) tally_con(p, r, w->sigma, w->con_test, w->con_test_se, w->con_risk);
    }
    r->trained_rows_masks_hold = tr.n;
    r->test_levels = te.n;
    rel_summary(&tr, &r->trained_median_rel, &r->trained_worst_rel, &r->trained_worst_sigma);
    rel_summary(&te, &r->test_trained_median_rel, &r->test_trained_worst_rel, &r->test_trained_worst_sigma);
    r->gen_violation_share = (double)parts[1].violations / (double)env->data[0]->gen.shape[0];
    r->gen_alpha = parts[1].sep0.alpha;
    r->gen_beta = parts[1].sep0.beta;
    if (s == MG_OK) s = train_table(rows, n, &r->train_losses);
    if (s == MG_OK) s = test_table(rows, n, te.n, &r->test_losses);
    if (s == MG_OK) s = partition_table(env, parts, rows, n, &r->partitions);
    free(tr.v), free(te.v);
    return s;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_losses_run(const mg_exp_losses_params *p, const mg_exp_env *env, mg_exp_losses_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_losses, env));
    if (p->level_step < 1 || p->mc_mem < 1 || p->mc_gen < 1 || p->mc_test < 1 || !(p->sigma_part > 0) ||
        !(p->tol_rel >= 0) || !(p->tol_se >= 0))
        return mg_fail(MG_ERR_ARG, "losses: need level_step and Monte Carlo draws >= 1, sigma_part > 0, tolerances >= 0");
    const mg_exp_data *d = env->data[0];
    for (int regime = 0; regime < 2; regime++)
        if (regime_set(d, regime)->count != env->nsigmas)
            return mg_fail(MG_ERR_ARG, "losses: the DAE sets of %s are not trained over the run's %d levels", d->name,
                           env->nsigmas);
    int step = (int)p->level_step, nlev = (env->nsigmas + step - 1) / step;
    int64_t cap = 2 * (int64_t)nlev, nrows = 0;
    loss_row *rows = mg_calloc((size_t)cap, sizeof(loss_row));
    regime_part parts[2];
    memset(parts, 0, sizeof parts);
    mg_status s = rows ? MG_OK : mg_fail(MG_ERR_NOMEM, "losses: out of memory");
    /* partitions */
    for (int regime = 0; regime < 2 && s == MG_OK; regime++) {
        mg_exp_progress(env, regime ? "generalizing partition" : "memorizing partition", 0.05 * regime);
        s = choose_partition(p, env, d, regime, &parts[regime]);
    }
    /* measurements */
    for (int regime = 0; regime < 2 && s == MG_OK; regime++)
        for (int level = 0; level < env->nsigmas && s == MG_OK; level += step) {
            char st[128];
            snprintf(st, sizeof st, "%s set, sigma %.3g", regime ? "generalizing" : "memorizing", env->sigmas[level]);
            mg_exp_progress(env, st, 0.1 + 0.85 * (double)nrows / (double)cap);
            s = measure(p, env, regime, level, &parts[regime], &rows[nrows]);
            if (s == MG_OK) nrows++;
        }
    if (s == MG_OK) s = summarize(p, env, parts, rows, nrows, r);
    for (int regime = 0; regime < 2; regime++) mg_partition_free(&parts[regime].part);
    free(rows);
    if (s != MG_OK) mg_exp_losses_free(r);
    return s;
}

MG_EXP_DEFINE(losses, mg_exp_losses_params, mg_exp_losses_result, "Predicted vs measured losses",
              "Theorem 3.1, Cor. 3.2-3.3", MG_EXP_EACH_DATASET);
