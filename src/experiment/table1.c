/*
 * Experiment table1 (memgen/experiment/table1.h; paper Table 1, Sec. 4.1,
 * Algorithm 1, Cor. 3.4 / App. A.4): the hybrid regime built end to end (a
 * mixture whose scarce modes hold one duplicated sample each -> a DAE set
 * constructed by Theorem 3.1 -> DDIM generations), the detector suite of
 * detect.h on its generations, repeated over several seeds, and the
 * aggregates the report's claims read (mean / worst AUROC of std over the
 * seeds, std against each prompt-free baseline, median times).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "hybrid.h"
#include "memgen/partition.h"
#include "memgen/denoiser.h"
#include "memgen/experiment/table1.h"
#include "memgen/data.h"
#include "memgen/mog.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/theory.h"

/* mg_rng_fork purpose ids of a run's root generator. */
enum { FORK_DATA = 0x7410, FORK_SAMPLE = 0x7411, FORK_DETECT = 0x7412 };

#define MAX_ROWS 16 /* detectors of the suite (MG_SPIKE_COUNT metrics + 5) */

/* The prompt-free baselines std is compared with (the oracle is apart). */
static const char *const BASELINES[] = {"flipd", "jacobian", "denoise", "clique"};
#define NBASE 4

/* The detectors with a ROC table and named result fields, in that order. */
static const char *const NAMED[] = {"std", "flipd", "jacobian", "denoise", "clique", "nn_ratio"};
#define NNAMED 6

#define P_ mg_exp_table1_params
static const mg_field PARAM_FIELDS[] = {
    MG_HYBRID_FIELDS(P_, ),
    MG_FIELD_AS(P_, bench.sigma, "bench.sigma", MG_FIELD_F64,
                "noise level of x_t for the spikiness metrics and the denoising error"),
    MG_FIELD_AS(P_, bench.flipd_sigma, "bench.flipd_sigma", MG_FIELD_F64,
                "level of FLIPD and the Jacobian rank (0: bench.sigma)"),
    MG_FIELD_AS(P_, bench.fpr, "bench.fpr", MG_FIELD_F64, "target false-positive rate of the TPR and the threshold"),
    MG_FIELD_AS(P_, bench.bootstrap, "bench.bootstrap", MG_FIELD_INT, "bootstrap resamples of the intervals"),
    MG_FIELD_AS(P_, bench.level, "bench.level", MG_FIELD_F64, "confidence level of the intervals"),
    MG_HYBRID_LABEL_FIELDS(P_, ),
    MG_FIELD_AS(P_, bench.dedup_tol, "bench.dedup_tol", MG_FIELD_F64,
                "training rows are copies when |a - b| <= tol max(|a|, |b|)"),
    MG_FIELD_AS(P_, bench.clique_tau, "bench.clique_tau", MG_FIELD_F64, "near duplicates: |a - b| <= tau (|a| + |b|) / 2"),
    MG_FIELD_AS(P_, bench.clique_k, "bench.clique_k", MG_FIELD_INT, "nearest generations the near-duplicate count examines"),
    MG_FIELD_AS(P_, bench.all_metrics, "bench.all_metrics", MG_FIELD_BOOL, "every spikiness metric (else std only)"),
    MG_FIELD_AS(P_, bench.repeats, "bench.repeats", MG_FIELD_INT, "timings per detector (the fastest is kept)"),
    MG_FIELD(P_, bench_skip, MG_FIELD_BOOL, "stop after the generations (no detectors)"),
    MG_FIELD(P_, seeds, MG_FIELD_INT, "runs, each with its own seed"),
    MG_FIELD(P_, seed, MG_FIELD_I64, "-1: seeds drawn from the generator; else run j's seed is seed + j"),
};
#undef P_

#define R_ mg_exp_table1_result
#define DET_FIELDS(m)                                                                                               \
    MG_FIELD_AS(R_, m.auroc_seed0, #m "_auroc_seed0", MG_FIELD_F64, "run 0: AUROC of " #m),                        \
        MG_FIELD_AS(R_, m.auroc_lo_seed0, #m "_auroc_lo_seed0", MG_FIELD_F64, "run 0: lower end of its interval"), \
        MG_FIELD_AS(R_, m.auroc_hi_seed0, #m "_auroc_hi_seed0", MG_FIELD_F64, "run 0: upper end of its interval"), \
        MG_FIELD_AS(R_, m.tpr_seed0, #m "_tpr_seed0", MG_FIELD_F64, "run 0: TPR of " #m " at bench.fpr"),          \
        MG_FIELD_AS(R_, m.auroc_mean, #m "_auroc_mean", MG_FIELD_F64, "mean AUROC of " #m " over the runs"),       \
        MG_FIELD_AS(R_, m.auroc_min, #m "_auroc_min", MG_FIELD_F64, "smallest AUROC of " #m " over the runs"),     \
        MG_FIELD_AS(R_, m.usec_per_sample, #m "_usec_per_sample", MG_FIELD_F64,                                   \
                    "median over the runs of " #m "'s wall time per scored sample (us)")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(R_, seed_list, MG_FIELD_TEXT, "the runs' seeds, comma-separated"),
    MG_FIELD(R_, n_train, MG_FIELD_I64, "run 0: training rows"),
    MG_FIELD(R_, clusters, MG_FIELD_I64, "run 0: clusters of the construction"),
    MG_FIELD(R_, rank1_clusters, MG_FIELD_I64, "run 0: rank-1 (duplicated) clusters"),
    MG_FIELD(R_, n_memorized_seed0, MG_FIELD_I64, "run 0: generations labelled memorized"),
    MG_FIELD(R_, n_generalized_seed0, MG_FIELD_I64, "run 0: generations labelled generalized"),
    MG_FIELD(R_, n_ambiguous_seed0, MG_FIELD_I64, "run 0: generations dropped as ambiguous"),
    MG_FIELD(R_, frac_memorized_seed0, MG_FIELD_F64, "run 0: memorized share of all generations"),
    MG_FIELD(R_, std_threshold_1pct_fpr_seed0, MG_FIELD_F64,
             "run 0: std's threshold calibrated on the generalized generations at bench.fpr"),
    DET_FIELDS(std),
    DET_FIELDS(flipd),
    DET_FIELDS(jacobian),
    DET_FIELDS(denoise),
    DET_FIELDS(clique),
    DET_FIELDS(nn_ratio),
    MG_FIELD(R_, baseline_wins, MG_FIELD_I64, "runs x baselines where std's AUROC is >= the baseline's"),
    MG_FIELD(R_, baseline_ties, MG_FIELD_I64, "... else where the baseline's AUROC is inside std's interval"),
    MG_FIELD(R_, baseline_losses, MG_FIELD_I64, "... the others"),
    MG_FIELD(R_, baseline_lost, MG_FIELD_TEXT, "the losses: baseline (seed j), ..."),
    MG_FIELD(R_, time_ratio_min, MG_FIELD_F64, "smallest over the baselines of std's median time / the baseline's"),
    MG_FIELD(R_, time_ratio_max, MG_FIELD_F64, "largest over the baselines of std's median time / the baseline's"),
    MG_FIELD(R_, detectors, MG_FIELD_TABLE, "run 0: every detector's evaluation"),
    MG_FIELD(R_, scores, MG_FIELD_TABLE, "run 0: every labelled generation's scores"),
    MG_FIELD(R_, per_seed, MG_FIELD_TABLE, "per run: label counts, AUROC and TPR of every detector"),
    MG_FIELD(R_, over_seeds, MG_FIELD_TABLE, "per detector: AUROC and TPR over the runs"),
    MG_FIELD(R_, roc, MG_FIELD_TABLES, "run 0: ROC curves of the named detectors"),
    MG_FIELD(R_, timings, MG_FIELD_TABLE, "wall times per detector"),
    MG_FIELD(R_, run_seconds, MG_FIELD_TABLE, "wall times per run"),
};
#undef R_

/* Library defaults. */
mg_exp_table1_params mg_exp_table1_defaults(void) {
    mg_exp_table1_params p = {256,  1,    500, 5.0, 0.9, 64, 2, 10, 64, 0.0, 0.02, 20.0, 20, 1000,
                              MG_BENCH_PARAMS_DEFAULT, 0, 1, -1};
    return p;
}

/* Frees what a run built. */
static void model_free(mg_exp_table1_model *m) {
    mg_array_free(&m->train);
    free(m->train_labels);
    mg_daeset_free(&m->set);
    mg_array_free(&m->gens);
    mg_detect_bench_free(&m->bench);
    memset(m, 0, sizeof *m);
}

/* Frees a result. */
void mg_exp_table1_free(mg_exp_table1_result *r) {
    if (!r) return;
    mg_table_free(&r->detectors);
    mg_table_free(&r->scores);
    mg_table_free(&r->per_seed);
    mg_table_free(&r->over_seeds);
    mg_table_list_free(&r->roc);
    mg_table_free(&r->timings);
    mg_table_free(&r->run_seconds);
    model_free(&r->model);
    memset(r, 0, sizeof *r);
}

/* Checks the parameters. */
static mg_status check_params(const mg_exp_table1_params *p) {
    if (p->d < 2 || p->d > 100000 || p->modes < 1 || p->modes > 1000 || p->per_mode < 2 || p->dup_count < 1 ||
        p->dup_times < 2 || p->hidden < 1 || p->levels < 1 || p->levels > 10000 || p->n_gen < 3)
        return mg_fail(MG_ERR_ARG, "table 1: need d >= 2, modes >= 1, per_mode >= 2, dup_count >= 1, dup_times >= 2, "
                       "hidden >= 1, 1..10000 levels and n_gen >= 3");
    if (!(p->sigma_min > 0) || !(p->sigma_max >= p->sigma_min) || !(p->wd >= 0) || !(p->mean_scale >= 0) ||
        !(p->cov_rate > 0 && p->cov_rate <= 1) || p->cov_rank < 0 || p->cov_rank > p->d)
        return mg_fail(MG_ERR_ARG, "table 1: need 0 < sigma_min <= sigma_max, wd >= 0, mean_scale >= 0, cov_rate in "
                       "(0, 1], 0 <= cov_rank <= d");
    if (p->d < p->modes + p->dup_count)
        return mg_fail(MG_ERR_ARG, "table 1: d = %lld cannot hold %lld simplex means (modes + dup_count)",
                       (long long)p->d, (long long)(p->modes + p->dup_count));
    int64_t n = (int64_t)p->modes * p->per_mode + p->dup_count * p->dup_times;
    if (n > 10000000 || (double)n * (double)p->d > 4e9 || (double)p->n_gen * (double)p->d > 4e9)
        return mg_fail(MG_ERR_ARG, "table 1: %lld training rows / %lld generations of dimension %lld is too large",
                       (long long)n, (long long)p->n_gen, (long long)p->d);
    if (p->seeds < 1 || p->seeds > MG_EXP_TABLE1_MAX_SEEDS || p->seed < -1)
        return mg_fail(MG_ERR_ARG, "table 1: need 1..%d seeds and seed >= -1 (got %d, %lld)", MG_EXP_TABLE1_MAX_SEEDS,
                       p->seeds, (long long)p->seed);
    return MG_OK;
}

/* The imbalanced mixture: `modes` abundant components, dup_count scarce ones
 * holding one sample repeated dup_times; rows grouped by component into
 * m->train, their components into m->train_labels. */
static mg_status make_data(const mg_exp_table1_params *p, const mg_rng *rng, mg_exp_table1_model *m) {
    int KT = p->modes + (int)p->dup_count;
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.K = KT;
    spec.d = p->d;
    spec.mean_scale = p->mean_scale;
    spec.mean_cosine = NAN; /* -1/(K-1): a regular simplex */
    spec.cov_rate = p->cov_rate;
    spec.cov_rank = p->cov_rank;
    mg_mog mog = {0};
    int64_t d = p->d, n = (int64_t)p->modes * p->per_mode + p->dup_count * p->dup_times, shape[2] = {n, d};
    int64_t *counts = malloc((size_t)KT * sizeof(int64_t)); /* KT */
    m->train_labels = malloc((size_t)n * sizeof(int64_t));  /* n */
    mg_status st = counts && m->train_labels ? MG_OK : mg_fail(MG_ERR_NOMEM, "table 1: out of memory for the data");
    if (st == MG_OK) st = mg_array_alloc(&m->train, MG_F32, 2, shape);
    for (int k = 0; st == MG_OK && k < KT; k++) counts[k] = k < p->modes ? p->per_mode : p->dup_times;
    if (st == MG_OK) st = mg_mog_make(&spec, rng, &mog);
    float *X = m->train.data;
    if (st == MG_OK) st = mg_mog_sample(&mog, counts, 0, rng, mg_mat_of_array(&m->train), m->train_labels);
    if (st == MG_OK) {
        /* rows are grouped by component: the scarce ones become copies of their first draw */
        int64_t row = 0;
        for (int k = 0; k < KT; k++) {
            if (k >= p->modes)
                for (int64_t c = 1; c < counts[k]; c++) memcpy(X + (row + c) * d, X + row * d, (size_t)d * sizeof(float));
            row += counts[k];
        }
    }
    mg_mog_free(&mog);
    free(counts);
    return st;
}

/* One run: data, constructed set, generations and (unless bench_skip) the
 * suite, from the seed's own generators. Fills m (free with model_free). */
static mg_status build_run(const mg_exp_table1_params *p, uint64_t seed, mg_exp_table1_model *m, int64_t *clusters,
                           int64_t *rank1) {
    memset(m, 0, sizeof *m);
    m->seed = seed;
    mg_rng root;
    mg_rng_init(&root, seed);
    mg_rng rdata = mg_rng_fork(&root, FORK_DATA), rsamp = mg_rng_fork(&root, FORK_SAMPLE),
           rdet = mg_rng_fork(&root, FORK_DETECT);
    double *sig = malloc((size_t)p->levels * sizeof(double)); /* levels, ascending */
    mg_denoiser den = {0};
    mg_status st = sig ? MG_OK : mg_fail(MG_ERR_NOMEM, "table 1: out of memory");
    double t0 = mg_now();
    if (st == MG_OK) st = make_data(p, &rdata, m);
    if (st == MG_OK) st = mg_sigmas_geometric(p->sigma_min, p->sigma_max, p->levels, sig);
    if (st == MG_OK) st = mg_daeset_alloc(p->levels, sig, &m->set);
    mg_mat X = mg_mat_of_array(&m->train);
    /* Cor. 3.4's partition: the components (each duplicated point its own
     * component, so its copies are already a cluster of their own) */
    mg_partition part = {0};
    if (st == MG_OK) {
        mg_array comp = {MG_I64, 1, {X.rows}, m->train_labels}; /* a view */
        mg_partition_params pp = mg_partition_params_default();
        pp.mode = MG_PARTITION_BLOCKS;
        pp.labels = &comp;
        pp.labels_name = "table 1: mixture components";
        st = mg_partition_make(X, &pp, NULL, &part);
        *clusters = part.K;
    }
    for (int l = 0; st == MG_OK && l < p->levels; l++) {
        mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
        cp.sigma = sig[l];
        cp.wd = p->wd;
        cp.hidden = p->hidden;
        mg_construction c = {0};
        st = mg_partition_construct(X, &part, &cp, &c);
        if (st == MG_OK) {
            *rank1 = c.rank1_clusters;
            st = mg_construction_to_dae(&c, &m->set.levels[l]);
        }
        mg_construction_free(&c);
        if (st != MG_OK) st = mg_fail_context(st, "table 1: constructing level %d (sigma %g)", l, sig[l]);
    }
    mg_partition_free(&part);
    if (st == MG_OK) st = mg_daeset_set_meta(&m->set, "construction", "hybrid (Theorem 3.1 / Cor. 3.4, memgen detect --table1)");
    m->seconds_build = mg_now() - t0;
    t0 = mg_now();
    int64_t shape[2] = {p->n_gen, p->d};
    if (st == MG_OK) st = mg_array_alloc(&m->gens, MG_F32, 2, shape);
    if (st == MG_OK) st = mg_denoiser_daeset(&m->set, MG_LEVEL_NEAREST, &den);
    if (st == MG_OK) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.sigmas = sig;
        sp.nsigmas = p->levels;
        st = mg_sample(&den, &sp, &rsamp, mg_mat_of_array(&m->gens));
    }
    m->seconds_sample = mg_now() - t0;
    if (st == MG_OK && !p->bench_skip)
        st = mg_detect_benchmark(&m->set, X, mg_mat_of_array(&m->gens), &p->bench, &rdet, &m->bench);
    mg_denoiser_free(&den);
    free(sig);
    if (st != MG_OK) model_free(m);
    return st;
}

/* What the aggregates keep of each run (times in us per scored sample). */
typedef struct {
    int64_t n_mem, n_gen, n_amb;
    double frac_mem, seconds, seconds_build, seconds_sample;
    double auroc[MAX_ROWS], hi[MAX_ROWS], tpr[MAX_ROWS], usec[MAX_ROWS];
} run_stats;

/* Copies the numbers of one run. */
static void keep_run(const mg_exp_table1_model *m, int64_t n_gen, double secs, run_stats *k) {
    const mg_detect_bench *b = &m->bench;
    memset(k, 0, sizeof *k);
    k->n_mem = b->n_mem;
    k->n_gen = b->n_gen;
    k->n_amb = b->n_ambiguous;
    k->frac_mem = (double)b->n_mem / (double)n_gen;
    k->seconds = secs;
    k->seconds_build = m->seconds_build;
    k->seconds_sample = m->seconds_sample;
    for (int i = 0; i < b->nrows && i < MAX_ROWS; i++) {
        const mg_detect_eval *e = &b->rows[i].ev;
        k->auroc[i] = e->auroc;
        k->hi[i] = e->auroc_hi;
        k->tpr[i] = e->tpr;
        k->usec[i] = 1e6 * e->sec_per_sample;
    }
}

/* Index of the detector row named `name` (-1 if absent). */
static int find_row(const mg_detect_bench *b, const char *name) {
    for (int i = 0; i < b->nrows; i++)
        if (!strcmp(b->rows[i].name, name)) return i;
    return -1;
}

/* What kind of detector a row is. */
static const char *row_kind(const mg_bench_row *r) {
    if (r->needs_train) return "oracle (needs the training data)";
    for (int q = 0; q < NBASE; q++)
        if (!strcmp(r->name, BASELINES[q])) return "prompt-free baseline";
    return "spikiness of h (Algorithm 1)";
}

/* Detector row i over the ns runs. */
typedef struct {
    double auroc_mean, auroc_min, auroc_max, tpr_mean, usec_median;
} over_runs;

/* Mean / min / max AUROC, mean TPR and median time of row i over the runs. */
static mg_status row_over_runs(const run_stats *k, int ns, int i, over_runs *o) {
    double t[MG_EXP_TABLE1_MAX_SEEDS];
    o->auroc_mean = 0, o->auroc_min = INFINITY, o->auroc_max = -INFINITY, o->tpr_mean = 0;
    for (int j = 0; j < ns; j++) {
        o->auroc_mean += k[j].auroc[i] / ns;
        o->auroc_min = fmin(o->auroc_min, k[j].auroc[i]);
        o->auroc_max = fmax(o->auroc_max, k[j].auroc[i]);
        o->tpr_mean += k[j].tpr[i] / ns;
        t[j] = k[j].usec[i];
    }
    mg_summary sm;
    MG_TRY(mg_summarize(t, ns, &sm));
    o->usec_median = sm.median;
    return MG_OK;
}

/* Adds a numeric column `<prefix><detector>` per detector of the suite. */
static mg_status add_columns(mg_table *t, const char *prefix, const mg_detect_bench *b) {
    for (int i = 0; i < b->nrows; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", prefix, b->rows[i].name);
        MG_TRY(mg_table_add(t, name, MG_COL_F64, NULL));
    }
    return MG_OK;
}

/* A table whose first column is the detector names (text), then the
 * numeric columns listed. */
static mg_status detector_rows(mg_table *t, const char *name, const mg_detect_bench *b, const char *const *num, int nnum) {
    int c;
    MG_TRY(mg_table_init(t, name, b->nrows, NULL));
    MG_TRY(mg_table_add(t, "detector", MG_COL_TEXT, &c));
    for (int i = 0; i < b->nrows; i++) MG_TRY(mg_table_set_text(t, c, i, b->rows[i].name));
    for (int j = 0; j < nnum; j++) MG_TRY(mg_table_add(t, num[j], MG_COL_F64, NULL));
    return MG_OK;
}

/* "detectors_seed0": run 0's evaluation of every detector. */
static mg_status detectors_table(const mg_detect_bench *b, mg_table *t) {
    static const char *const num[] = {"needs_training_data", "auroc", "auroc_lo", "auroc_hi", "tpr_at_fpr", "tpr_lo",
                                      "tpr_hi", "fpr_target", "roc_threshold_at_fpr", "n_pos", "n_neg"};
    MG_TRY(detector_rows(t, "detectors_seed0", b, num, 11));
    int ck;
    MG_TRY(mg_table_add(t, "kind", MG_COL_TEXT, &ck));
    for (int i = 0; i < b->nrows; i++) {
        const mg_detect_eval *e = &b->rows[i].ev;
        const double v[11] = {b->rows[i].needs_train, e->auroc, e->auroc_lo, e->auroc_hi, e->tpr, e->tpr_lo,
                              e->tpr_hi, e->fpr_target, e->thr_at_fpr, (double)e->n_pos, (double)e->n_neg};
        for (int j = 0; j < 11; j++) t->cols[1 + j].num[i] = v[j];
        MG_TRY(mg_table_set_text(t, ck, i, row_kind(&b->rows[i])));
    }
    return MG_OK;
}

/* "scores_seed0": NN ratio, cosine, label and every detector's score of
 * run 0's labelled generations (the ratio is nn_ratio_value, as in the CLI's
 * scores.csv: the oracle detector's column is nn_ratio). */
static mg_status scores_table(const mg_detect_bench *b, mg_table *t) {
    MG_TRY(mg_table_init(t, "scores_seed0", b->n, "generation,nn_ratio_value,cos_max,memorized"));
    MG_TRY(add_columns(t, "", b));
    for (int64_t i = 0; i < b->n; i++) {
        t->cols[0].num[i] = (double)b->index[i];
        t->cols[1].num[i] = b->ratio[i];
        t->cols[2].num[i] = b->cos_max[i];
        t->cols[3].num[i] = b->labels[i];
        for (int r = 0; r < b->nrows; r++) t->cols[4 + r].num[i] = b->rows[r].scores[i];
    }
    return MG_OK;
}

/* "seeds": one row per run (numbered; the seeds themselves are seed_list). */
static mg_status seeds_table(const mg_detect_bench *b, const run_stats *k, int ns, mg_table *t) {
    MG_TRY(mg_table_init(t, "seeds", ns, "seed_index,n_memorized,n_generalized,n_ambiguous,frac_memorized"));
    MG_TRY(add_columns(t, "auroc_", b));
    MG_TRY(add_columns(t, "tpr_", b));
    int nr = b->nrows;
    for (int j = 0; j < ns; j++) {
        t->cols[0].num[j] = j;
        t->cols[1].num[j] = (double)k[j].n_mem;
        t->cols[2].num[j] = (double)k[j].n_gen;
        t->cols[3].num[j] = (double)k[j].n_amb;
        t->cols[4].num[j] = k[j].frac_mem;
        for (int i = 0; i < nr; i++) {
            t->cols[5 + i].num[j] = k[j].auroc[i];
            t->cols[5 + nr + i].num[j] = k[j].tpr[i];
        }
    }
    return MG_OK;
}

/* "over_seeds" and the wall-time tables "timings" and "run_seconds". */
static mg_status over_tables(const mg_detect_bench *b, const run_stats *k, int ns, mg_exp_table1_result *r) {
    static const char *const num[] = {"auroc_mean", "auroc_min", "auroc_max", "tpr_mean"};
    static const char *const tnum[] = {"usec_per_sample", "seconds", "usec_median"};
    MG_TRY(detector_rows(&r->over_seeds, "over_seeds", b, num, 4));
    MG_TRY(detector_rows(&r->timings, "timings", b, tnum, 3));
    for (int j = 0; j < ns; j++) {
        char name[32];
        snprintf(name, sizeof name, "usec_seed%d", j);
        MG_TRY(mg_table_add(&r->timings, name, MG_COL_F64, NULL));
    }
    for (int i = 0; i < b->nrows; i++) {
        over_runs o;
        MG_TRY(row_over_runs(k, ns, i, &o));
        const double v[4] = {o.auroc_mean, o.auroc_min, o.auroc_max, o.tpr_mean};
        for (int c = 0; c < 4; c++) r->over_seeds.cols[1 + c].num[i] = v[c];
        r->timings.cols[1].num[i] = 1e6 * b->rows[i].ev.sec_per_sample;
        r->timings.cols[2].num[i] = b->rows[i].ev.seconds;
        r->timings.cols[3].num[i] = o.usec_median;
        for (int j = 0; j < ns; j++) r->timings.cols[4 + j].num[i] = k[j].usec[i];
    }
    MG_TRY(mg_table_init(&r->run_seconds, "run_seconds", ns, "seed_index,seconds,seconds_build,seconds_sample"));
    for (int j = 0; j < ns; j++) {
        const double v[4] = {j, k[j].seconds, k[j].seconds_build, k[j].seconds_sample};
        for (int c = 0; c < 4; c++) r->run_seconds.cols[c].num[j] = v[c];
    }
    return MG_OK;
}

/* "roc_<name>" for the named detectors (run 0). */
static mg_status roc_tables(const mg_detect_bench *b, mg_table_list *l) {
    for (int k = 0; k < NNAMED; k++) {
        char name[48];
        snprintf(name, sizeof name, "roc_%s", NAMED[k]);
        MG_TRY(mg_exp_roc_table(b->rows[find_row(b, NAMED[k])].scores, b->labels, b->n, name, l));
    }
    return MG_OK;
}

/* The named detectors' fields, std against the baselines, and std's threshold. */
static mg_status headline(const mg_detect_bench *b, const run_stats *k, int ns, mg_exp_table1_result *r) {
    mg_exp_table1_det *det[NNAMED] = {&r->std, &r->flipd, &r->jacobian, &r->denoise, &r->clique, &r->nn_ratio};
    int row[NNAMED];
    for (int q = 0; q < NNAMED; q++) {
        row[q] = find_row(b, NAMED[q]);
        const mg_detect_eval *e = &b->rows[row[q]].ev;
        over_runs o;
        MG_TRY(row_over_runs(k, ns, row[q], &o));
        *det[q] = (mg_exp_table1_det){e->auroc, e->auroc_lo, e->auroc_hi, e->tpr, o.auroc_mean, o.auroc_min, o.usec_median};
    }
    /* std (row[0]) against each prompt-free baseline (rows 1..4) on every run */
    size_t len = 0;
    r->time_ratio_min = INFINITY, r->time_ratio_max = -INFINITY;
    for (int q = 1; q <= NBASE; q++) {
        for (int j = 0; j < ns; j++) {
            double a = k[j].auroc[row[0]], o = k[j].auroc[row[q]];
            if (a >= o) r->baseline_wins++;
            else if (o <= k[j].hi[row[0]]) r->baseline_ties++;
            else {
                r->baseline_losses++;
                if (len < sizeof r->baseline_lost - 40)
                    len += (size_t)snprintf(r->baseline_lost + len, sizeof r->baseline_lost - len, "%s%s (seed %d)",
                                            len ? ", " : "", NAMED[q], j);
            }
        }
        double ratio = r->std.usec_per_sample / det[q]->usec_per_sample;
        r->time_ratio_min = fmin(r->time_ratio_min, ratio);
        r->time_ratio_max = fmax(r->time_ratio_max, ratio);
    }
    /* Algorithm 1's threshold on run 0's generalized generations */
    double *gen = malloc((size_t)(b->n > 0 ? b->n : 1) * sizeof(double));
    if (!gen) return mg_fail(MG_ERR_NOMEM, "table 1: out of memory");
    int64_t ng = 0;
    for (int64_t i = 0; i < b->n; i++)
        if (!b->labels[i]) gen[ng++] = b->rows[row[0]].scores[i];
    mg_status s = mg_detect_calibrate(gen, ng, b->rows[row[0]].ev.fpr_target, &r->std_threshold_1pct_fpr_seed0);
    free(gen);
    return s;
}

/* Fills the result from run 0 (r->model) and every run's numbers. */
static mg_status summarize(const mg_exp_table1_params *p, const run_stats *k, int ns, mg_exp_table1_result *r) {
    const mg_detect_bench *b = &r->model.bench;
    if (b->nrows > MAX_ROWS) return mg_fail(MG_ERR_NUMERIC, "table 1: %d detectors (at most %d)", b->nrows, MAX_ROWS);
    for (int q = 0; q < NNAMED; q++)
        if (find_row(b, NAMED[q]) < 0) return mg_fail(MG_ERR_NUMERIC, "table 1: the suite has no %s row", NAMED[q]);
    r->n_memorized_seed0 = b->n_mem;
    r->n_generalized_seed0 = b->n_gen;
    r->n_ambiguous_seed0 = b->n_ambiguous;
    r->frac_memorized_seed0 = (double)b->n_mem / (double)p->n_gen;
    MG_TRY(headline(b, k, ns, r));
    MG_TRY(detectors_table(b, &r->detectors));
    MG_TRY(scores_table(b, &r->scores));
    MG_TRY(seeds_table(b, k, ns, &r->per_seed));
    MG_TRY(over_tables(b, k, ns, r));
    return roc_tables(b, &r->roc);
}

/* Runs the experiment. */
mg_status mg_exp_table1_run(const mg_exp_table1_params *p, const mg_exp_env *env, mg_exp_table1_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_table1, env));
    if (!p) return mg_fail(MG_ERR_ARG, "table 1: NULL parameters");
    MG_TRY(check_params(p));
    int ns = p->seeds;
    uint64_t seeds[MG_EXP_TABLE1_MAX_SEEDS];
    size_t len = 0;
    for (int j = 0; j < ns; j++) {
        mg_rng g = mg_rng_fork(env->rng, (uint64_t)j);
        seeds[j] = p->seed >= 0 ? (uint64_t)p->seed + (uint64_t)j : mg_rng_below(&g, (uint64_t)1 << 62);
        len += (size_t)snprintf(r->seed_list + len, sizeof r->seed_list - len, "%s%" PRIu64, j ? "," : "", seeds[j]);
    }
    run_stats *kept = calloc((size_t)ns, sizeof *kept);
    mg_status s = kept ? MG_OK : mg_fail(MG_ERR_NOMEM, "table 1: out of memory");
    for (int j = 0; j < ns && s == MG_OK; j++) {
        char what[96];
        snprintf(what, sizeof what, "hybrid regime and detectors, seed %d of %d", j + 1, ns);
        mg_exp_progress(env, what, (double)j / ns);
        mg_exp_table1_model m;
        int64_t clusters = 0, rank1 = 0;
        double t = mg_now();
        s = build_run(p, seeds[j], j ? &m : &r->model, &clusters, &rank1);
        if (s != MG_OK) {
            s = mg_fail_context(s, "table 1: seed %d (%" PRIu64 ")", j, seeds[j]);
            break;
        }
        if (j == 0) {
            r->n_train = r->model.train.shape[0];
            r->clusters = clusters;
            r->rank1_clusters = rank1;
        }
        keep_run(j ? &m : &r->model, p->n_gen, mg_now() - t, &kept[j]);
        if (j) model_free(&m);
    }
    if (s == MG_OK && !p->bench_skip) s = summarize(p, kept, ns, r);
    free(kept);
    if (s != MG_OK) mg_exp_table1_free(r);
    return s;
}

MG_EXP_DEFINE(table1, mg_exp_table1_params, mg_exp_table1_result, "Detecting memorized generations",
              "Table 1, Sec. 4.1, Algorithm 1, Cor. 3.4", MG_EXP_OWN_DATA);
