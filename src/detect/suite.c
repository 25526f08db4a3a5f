/*
 * The detector suite (paper Section 4.1, Table 1, App. B.2): label
 * generations memorized / generalized by the nearest-neighbour ratio against
 * the deduplicated training set, score every detector on them (the
 * spikiness metrics of Algorithm 1 and the prompt-free baselines, plus the
 * NN-ratio oracle) and evaluate each (AUROC / TPR at a target FPR with
 * bootstrap intervals / time per sample). The experiment that builds a
 * model and its generations for this is experiment table1
 * (memgen/experiment/table1.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/dup.h"
#include "memgen/memorization.h"
#include "memgen/theory.h"

/* mg_rng_fork purpose ids of this module (children of the caller's rng). */
enum {
    FORK_DETECT_NOISE = 0x7401, /* x_t of the detectors and the denoising baseline */
    FORK_BOOTSTRAP = 0x7402     /* bootstrap resamples (+ detector index) */
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

/* MG_BENCH_PARAMS_DEFAULT as a value. */
mg_bench_params mg_bench_params_default(void) {
    mg_bench_params p = MG_BENCH_PARAMS_DEFAULT;
    return p;
}
