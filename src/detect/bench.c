/*
 * Table 1 on memgen models (paper Section 4.1, Table 1, Cor. 3.4, App. A.4):
 * label generations memorized/generalized by the nearest-neighbour ratio, score
 * every detector (the spikiness metrics of Algorithm 1 and the baselines),
 * evaluate AUROC / TPR at 1% FPR / time; and the end-to-end hybrid-regime
 * experiment (mixture + duplicated points -> constructed DAE set -> DDIM
 * generations -> benchmark).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "memgen/data.h"
#include "memgen/mog.h"
#include "memgen/denoiser.h"
#include "memgen/detect.h"
#include "memgen/memorization.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/theory.h"

/* mg_rng_fork purpose ids of this module (children of the caller's rng). */
enum {
    FORK_DETECT_NOISE = 0x7401, /* x_t of the detectors and the denoising baseline */
    FORK_BOOTSTRAP = 0x7402,    /* bootstrap resamples (+ detector index) */
    FORK_T1_DATA = 0x7410,      /* Table 1: mixture and duplicates */
    FORK_T1_SAMPLE = 0x7411,    /* Table 1: generations */
    FORK_T1_DETECT = 0x7412     /* Table 1: the benchmark */
};

/* Frees a benchmark result. */
void mg_detect_bench_free(mg_detect_bench *b) {
    if (!b) return;
    for (int i = 0; i < b->nrows; i++) free(b->rows[i].scores);
    free(b->rows);
    free(b->index);
    free(b->labels);
    free(b->ratio);
    free(b->cos_max);
    memset(b, 0, sizeof *b);
}

/* The detectors, in table order. */
typedef enum { DET_SPIKE, DET_FLIPD, DET_JACOBIAN, DET_DENOISE, DET_CLIQUE, DET_NN } det_kind;
#define NBASELINES 5

/* Scores one detector on the kept samples Sk (n x d) or, for the clique
 * baseline, on all generations S (then picks the kept ones). */
static mg_status run_detector(det_kind kind, int metric, const mg_daeset *set, mg_mat train, mg_mat S, mg_mat Sk,
                              const int64_t *index, const mg_bench_params *p, const mg_rng *noise, double *all,
                              double *scores) {
    switch (kind) {
    case DET_SPIKE: {
        mg_detect_params dp = MG_DETECT_PARAMS_DEFAULT;
        dp.metric = (mg_spike_metric)metric;
        dp.sigma = p->sigma;
        return mg_detect_model(set, Sk, &dp, noise, scores);
    }
    case DET_FLIPD: return mg_baseline_flipd(set, Sk, p->flipd_sigma > 0 ? p->flipd_sigma : p->sigma, scores);
    case DET_JACOBIAN:
        return mg_baseline_jacobian(set, Sk, p->flipd_sigma > 0 ? p->flipd_sigma : p->sigma, scores);
    case DET_DENOISE: return mg_baseline_denoise(set, Sk, p->sigma, noise, scores);
    case DET_CLIQUE:
        MG_TRY(mg_baseline_clique(S, p->clique_tau, p->clique_k, all));
        for (int64_t i = 0; i < Sk.rows; i++) scores[i] = all[index[i]];
        return MG_OK;
    case DET_NN: return mg_baseline_nn_ratio(Sk, train, scores);
    }
    return mg_fail(MG_ERR_ARG, "benchmark: unknown detector");
}

/* One representative per group of copies among the rows of X (the first row
 * of each group, in order): *U (m x d, malloc'd, caller frees), *m. */
static mg_status dedup_rows(mg_mat X, double tol, float **U, int64_t *m) {
    int64_t n = X.rows, d = X.cols, K = n;
    *U = NULL;
    *m = 0;
    if (n < 2) return mg_fail(MG_ERR_ARG, "benchmark: the training set needs at least 2 rows");
    int64_t *lab = malloc((size_t)n * sizeof(int64_t)); /* n: unique-point id of each row */
    char *seen = calloc((size_t)n, 1);
    float *u = mg_alloc((size_t)n * (size_t)d, sizeof(float));
    mg_status st = lab && seen && u ? MG_OK : mg_fail(MG_ERR_NOMEM, "benchmark: out of memory for deduplication");
    for (int64_t i = 0; st == MG_OK && i < n; i++) lab[i] = i;
    if (st == MG_OK) st = mg_split_duplicates(X, tol, 2, lab, &K, NULL);
    int64_t k = 0;
    for (int64_t i = 0; st == MG_OK && i < n; i++) {
        if (seen[lab[i]]) continue;
        seen[lab[i]] = 1;
        memcpy(u + k * d, X.data + i * X.ld, (size_t)d * sizeof(float));
        k++;
    }
    if (st == MG_OK && k < 2) st = mg_fail(MG_ERR_ARG, "benchmark: the training set has fewer than 2 distinct rows");
    free(lab);
    free(seen);
    if (st != MG_OK) {
        free(u);
        return st;
    }
    *U = u;
    *m = k;
    return MG_OK;
}

/* Labels, scores and evaluates every detector. */
mg_status mg_detect_benchmark(const mg_daeset *set, mg_mat train, mg_mat S, const mg_bench_params *p,
                              const mg_rng *rng, mg_detect_bench *out) {
    memset(out, 0, sizeof *out);
    if (!set || !p || !rng) return mg_fail(MG_ERR_ARG, "benchmark: NULL argument");
    MG_TRY(mg_daeset_validate(set));
    int64_t d = mg_dae_dim(set->levels[0]);
    if (S.cols != d || train.cols != d)
        return mg_fail(MG_ERR_SHAPE, "benchmark: generations (%lld features) and training data (%lld) must match the "
                       "model dimension %lld", (long long)S.cols, (long long)train.cols, (long long)d);
    if (!(p->mem_ratio > 0 && p->gen_ratio >= p->mem_ratio))
        return mg_fail(MG_ERR_ARG, "benchmark: need 0 < mem_ratio <= gen_ratio (got %g, %g)", p->mem_ratio,
                       p->gen_ratio);
    if (!(p->sigma > 0) || p->repeats < 1 || p->repeats > 100)
        return mg_fail(MG_ERR_ARG, "benchmark: need sigma > 0 and 1..100 timing repeats (got %g, %d)", p->sigma,
                       p->repeats);
    if (!(p->gen_cos >= -1 && p->gen_cos <= 1) || !(p->dedup_tol >= 0))
        return mg_fail(MG_ERR_ARG, "benchmark: need gen_cos in [-1, 1] and dedup_tol >= 0 (got %g, %g)", p->gen_cos,
                       p->dedup_tol);
    int64_t ns = S.rows;
    mg_memratio mr = {0};
    float *Tu = NULL;
    MG_TRY(dedup_rows(train, p->dedup_tol, &Tu, &out->n_train_unique));
    mg_mat Tum = {out->n_train_unique, d, d, Tu};
    mg_status st = mg_memratio_compute(S, Tum, p->mem_ratio, &mr);
    if (st != MG_OK) {
        free(Tu);
        return st;
    }
    out->n_samples = ns;
    out->index = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(int64_t));
    out->labels = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(int));
    out->ratio = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(double));
    out->cos_max = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(double));
    float *Sk = NULL;
    double *all = NULL;
    if (!out->index || !out->labels || !out->ratio || !out->cos_max) st = mg_fail(MG_ERR_NOMEM, "benchmark: out of memory");
    for (int64_t i = 0; st == MG_OK && i < ns; i++) {
        double r = mr.ratio[i], c = mr.cos_max[i];
        int lab = r < p->mem_ratio ? 1 : (r >= p->gen_ratio && c <= p->gen_cos ? 0 : -1);
        if (lab < 0) {
            out->n_ambiguous++;
            continue;
        }
        out->index[out->n] = i;
        out->labels[out->n] = lab;
        out->ratio[out->n] = r;
        out->cos_max[out->n] = c;
        out->n++;
        if (lab) out->n_mem++;
        else out->n_gen++;
    }
    mg_memratio_free(&mr);
    if (st == MG_OK && (out->n_mem == 0 || out->n_gen == 0))
        st = mg_fail(MG_ERR_ARG,
                     "benchmark: %lld memorized and %lld generalized generations (%lld ambiguous) among %lld; both "
                     "classes are needed: give more generations or other labelling thresholds (mem_ratio, gen_ratio, gen_cos)",
                     (long long)out->n_mem, (long long)out->n_gen, (long long)out->n_ambiguous, (long long)ns);
    int64_t n = out->n;
    if (st == MG_OK) {
        Sk = mg_alloc((size_t)n * (size_t)d, sizeof(float)); /* n x d: the kept generations */
        all = malloc((size_t)ns * sizeof(double));           /* ns: clique scores of all generations */
        int nmet = p->all_metrics ? MG_SPIKE_COUNT : 1;
        out->rows = calloc((size_t)(nmet + NBASELINES), sizeof(mg_bench_row));
        if (!Sk || !all || !out->rows) st = mg_fail(MG_ERR_NOMEM, "benchmark: out of memory");
    }
    if (st == MG_OK)
        for (int64_t i = 0; i < n; i++)
            memcpy(Sk + i * d, S.data + out->index[i] * S.ld, (size_t)d * sizeof(float));
    mg_mat Skm = {n, d, d, Sk};
    mg_rng noise = mg_rng_fork(rng, FORK_DETECT_NOISE);
    int nmet = p->all_metrics ? MG_SPIKE_COUNT : 1;
    for (int r = 0; st == MG_OK && r < nmet + NBASELINES; r++) {
        det_kind kind = r < nmet ? DET_SPIKE : (det_kind)(DET_FLIPD + (r - nmet));
        mg_bench_row *row = &out->rows[r];
        snprintf(row->name, sizeof row->name, "%s",
                 kind == DET_SPIKE ? mg_spike_metric_name((mg_spike_metric)r)
                 : kind == DET_FLIPD ? "flipd" : kind == DET_JACOBIAN ? "jacobian" : kind == DET_DENOISE ? "denoise"
                 : kind == DET_CLIQUE ? "clique" : "nn_ratio");
        row->needs_train = kind == DET_NN;
        row->scores = malloc((size_t)n * sizeof(double));
        out->nrows = r + 1;
        if (!row->scores) {
            st = mg_fail(MG_ERR_NOMEM, "benchmark: out of memory");
            break;
        }
        double best = INFINITY;
        for (int rep = 0; rep < p->repeats && st == MG_OK; rep++) {
            double t0 = mg_now();
            st = run_detector(kind, r, set, Tum, S, Skm, out->index, p, &noise, all, row->scores);
            double t = mg_now() - t0;
            if (t < best) best = t;
        }
        if (st != MG_OK) {
            st = mg_fail_context(st, "detector %s", row->name);
            break;
        }
        mg_rng boot = mg_rng_fork(rng, FORK_BOOTSTRAP + (uint64_t)r);
        st = mg_detect_evaluate(row->scores, out->labels, n, p->fpr, p->bootstrap, p->level, &boot, &row->ev);
        row->ev.seconds = best;
        row->ev.sec_per_sample = best / (double)(kind == DET_CLIQUE ? ns : n);
    }
    free(Sk);
    free(all);
    free(Tu);
    if (st != MG_OK) mg_detect_bench_free(out);
    return st;
}

/* Frees a Table-1 result. */
void mg_table1_free(mg_table1_result *r) {
    if (!r) return;
    free(r->train);
    free(r->train_labels);
    free(r->gens);
    mg_daeset_free(&r->set);
    mg_detect_bench_free(&r->bench);
    memset(r, 0, sizeof *r);
}

/* Checks the experiment's parameters. */
static mg_status check_table1(const mg_table1_params *p) {
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
    return MG_OK;
}

/* The imbalanced mixture: `modes` abundant components, dup_count scarce ones
 * holding one sample repeated dup_times; labels = component. */
static mg_status make_data(const mg_table1_params *p, const mg_rng *rng, mg_table1_result *out) {
    int KT = p->modes + (int)p->dup_count;
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.K = KT;
    spec.d = p->d;
    spec.mean_scale = p->mean_scale;
    spec.mean_cosine = NAN; /* -1/(K-1): a regular simplex */
    spec.cov_rate = p->cov_rate;
    spec.cov_rank = p->cov_rank;
    mg_mog mog = {0};
    int64_t d = p->d, n = (int64_t)p->modes * p->per_mode + p->dup_count * p->dup_times;
    int64_t *counts = malloc((size_t)KT * sizeof(int64_t)); /* KT */
    float *X = mg_alloc((size_t)n * (size_t)d, sizeof(float)); /* n x d */
    int64_t *lab = malloc((size_t)n * sizeof(int64_t));       /* n */
    mg_status st = counts && X && lab ? MG_OK : mg_fail(MG_ERR_NOMEM, "table 1: out of memory for the data");
    for (int k = 0; st == MG_OK && k < KT; k++) counts[k] = k < p->modes ? p->per_mode : p->dup_times;
    if (st == MG_OK) st = mg_mog_make(&spec, rng, &mog);
    if (st == MG_OK) st = mg_mog_sample(&mog, counts, 0, rng, (mg_mat){n, mog.d, mog.d, X}, lab);
    if (st == MG_OK) {
        /* rows are grouped by component: the scarce ones become copies of their first draw */
        int64_t row = 0;
        for (int k = 0; k < KT; k++) {
            if (k >= p->modes)
                for (int64_t c = 1; c < counts[k]; c++)
                    memcpy(X + (row + c) * d, X + row * d, (size_t)d * sizeof(float));
            row += counts[k];
        }
        out->n_train = n;
        out->d = d;
        out->clusters = KT;
        out->train = X;
        out->train_labels = lab;
        X = NULL;
        lab = NULL;
    }
    mg_mog_free(&mog);
    free(counts);
    free(X);
    free(lab);
    return st;
}

/* The hybrid-regime experiment end to end. */
mg_status mg_table1_run(const mg_table1_params *p, uint64_t seed, mg_table1_result *out) {
    memset(out, 0, sizeof *out);
    if (!p) return mg_fail(MG_ERR_ARG, "table 1: NULL parameters");
    MG_TRY(check_table1(p));
    out->params = *p;
    mg_rng root;
    mg_rng_init(&root, seed);
    mg_rng rdata = mg_rng_fork(&root, FORK_T1_DATA), rsamp = mg_rng_fork(&root, FORK_T1_SAMPLE),
           rdet = mg_rng_fork(&root, FORK_T1_DETECT);
    double *sig = malloc((size_t)p->levels * sizeof(double));
    mg_denoiser den = {0};
    mg_status st = sig ? MG_OK : mg_fail(MG_ERR_NOMEM, "table 1: out of memory");
    double t0 = mg_now();
    if (st == MG_OK) st = make_data(p, &rdata, out);
    if (st == MG_OK) st = mg_sigmas_geometric(p->sigma_min, p->sigma_max, p->levels, sig);
    if (st == MG_OK) st = mg_daeset_alloc(p->levels, sig, &out->set);
    mg_mat X = {out->n_train, out->d, out->d, out->train};
    for (int l = 0; st == MG_OK && l < p->levels; l++) {
        mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
        cp.sigma = sig[l];
        cp.wd = p->wd;
        cp.hidden = p->hidden;
        mg_construction c = {0};
        st = mg_construct(X, out->train_labels, out->clusters, &cp, &c);
        if (st == MG_OK) {
            out->rank1_clusters = c.rank1_clusters;
            st = mg_construction_to_dae(&c, &out->set.levels[l]);
        }
        mg_construction_free(&c);
        if (st != MG_OK) st = mg_fail_context(st, "table 1: constructing level %d (sigma %g)", l, sig[l]);
    }
    if (st == MG_OK) st = mg_daeset_set_meta(&out->set, "construction", "hybrid (Theorem 3.1 / Cor. 3.4, memgen detect --table1)");
    out->seconds_build = mg_now() - t0;
    t0 = mg_now();
    if (st == MG_OK) {
        out->gens = mg_alloc((size_t)p->n_gen * (size_t)out->d, sizeof(float)); /* n_gen x d */
        if (!out->gens) st = mg_fail(MG_ERR_NOMEM, "table 1: out of memory for %lld generations", (long long)p->n_gen);
    }
    if (st == MG_OK) st = mg_denoiser_daeset(&out->set, MG_LEVEL_NEAREST, &den);
    if (st == MG_OK) {
        mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
        sp.sigmas = sig;
        sp.nsigmas = p->levels;
        st = mg_sample(&den, &sp, &rsamp, (mg_mat){p->n_gen, out->d, out->d, out->gens});
    }
    out->seconds_sample = mg_now() - t0;
    if (st == MG_OK && !p->bench_skip) {
        mg_mat S = {p->n_gen, out->d, out->d, out->gens};
        st = mg_detect_benchmark(&out->set, X, S, &p->bench, &rdet, &out->bench);
        if (st == MG_OK) out->frac_memorized = (double)out->bench.n_mem / (double)p->n_gen;
    }
    mg_denoiser_free(&den);
    free(sig);
    if (st != MG_OK) mg_table1_free(out);
    return st;
}

/* The parameters as named numbers in o (detect.h). */
mg_status mg_table1_params_json(const mg_table1_params *p, int with_bench, cJSON *o) {
    const struct {
        const char *key;
        double v;
    } f[] = {{"d", (double)p->d},
             {"modes", p->modes},
             {"per_mode", (double)p->per_mode},
             {"mean_scale", p->mean_scale},
             {"cov_rate", p->cov_rate},
             {"cov_rank", (double)p->cov_rank},
             {"dup_count", (double)p->dup_count},
             {"dup_times", (double)p->dup_times},
             {"hidden", (double)p->hidden},
             {"wd", p->wd},
             {"sigma_min", p->sigma_min},
             {"sigma_max", p->sigma_max},
             {"levels", p->levels},
             {"n_gen", (double)p->n_gen},
             /* detection settings (with_bench) */
             {"detect_sigma", p->bench.sigma},
             {"fpr", p->bench.fpr},
             {"bootstrap", p->bench.bootstrap},
             {"ci_level", p->bench.level},
             {"mem_ratio", p->bench.mem_ratio},
             {"gen_ratio", p->bench.gen_ratio},
             {"gen_cos", p->bench.gen_cos},
             {"clique_tau", p->bench.clique_tau},
             {"clique_k", p->bench.clique_k},
             {"timing_repeats", p->bench.repeats}};
    size_t n = with_bench ? sizeof f / sizeof f[0] : 14; /* the first 14 are the experiment's */
    for (size_t i = 0; i < n; i++)
        if (!cJSON_AddNumberToObject(o, f[i].key, f[i].v))
            return mg_fail(MG_ERR_NOMEM, "table 1 parameters: out of memory");
    return MG_OK;
}
