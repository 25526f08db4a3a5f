/*
 * Benchmark of the memorization detectors (detect.h) at d = 1024, p = 100,
 * n = 1000 generations: time per sample of Algorithm 1 with every spikiness
 * metric and of every baseline (FLIPD, Jacobian rank, denoising error, near-
 * duplicate count, NN-ratio oracle), on the generations of the Table-1 hybrid
 * regime built at that size (experiment table1, one run, seed 0), next to the OpenBLAS sgemm that bounds the
 * encoder (n x d times d x p) and the evaluation cost (AUROC + bootstrap).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_gemm.h"
#include "memgen/detect.h"
#include "memgen/experiment/table1.h"

/* What one timed detector runs. */
typedef struct {
    const char *name;
    int kind; /* 0 spikiness metric, 1 flipd, 2 jacobian, 3 denoise, 4 clique, 5 nn ratio */
    int metric;
} det;

int main(void) {
    mg_exp_table1_params p = mg_exp_table1_defaults();
    p.d = 1024;
    p.hidden = 100;
    p.n_gen = 1000;
    p.bench.bootstrap = 0;
    p.bench.repeats = 1;
    p.seed = 0;
    mg_rng root;
    mg_rng_init(&root, 0);
    mg_exp_env env = {NULL, 0, 0, &root, NULL, 0, NULL, NULL};
    mg_exp_table1_result t;
    if (mg_exp_table1_run(&p, &env, &t) != MG_OK) {
        fprintf(stderr, "bench_detect: %s\n", mg_last_error());
        return 1;
    }
    int64_t n = p.n_gen, d = p.d;
    mg_mat S = mg_mat_of_array(&t.model.gens), T = mg_mat_of_array(&t.model.train);
    printf("detectors on %lld generations, d = %lld, p = %lld (Table-1 hybrid regime, %lld training rows)\n",
           (long long)n, (long long)d, (long long)p.hidden, (long long)t.n_train);
    double g = bench_gemm_seconds(0, 0, n, p.hidden, d, 0.0f, 0, NULL, NULL, NULL);
    printf("%-22s %10.3f us/sample  (%.1f GFLOP/s: the encoder's lower bound)\n", "sgemm n x d x p", 1e6 * g / n,
           2.0 * n * d * p.hidden / g * 1e-9);
    det dets[MG_SPIKE_COUNT + 6];
    int nd = 0;
    dets[nd++] = (det){"std (warm-up run)", 0, 0};
    for (int m = 0; m < MG_SPIKE_COUNT; m++) dets[nd++] = (det){mg_spike_metric_name((mg_spike_metric)m), 0, m};
    dets[nd++] = (det){"flipd (exact trace)", 1, 0};
    dets[nd++] = (det){"jacobian (erank, SVD)", 2, 0};
    dets[nd++] = (det){"denoise error", 3, 0};
    dets[nd++] = (det){"clique (near dups)", 4, 0};
    dets[nd++] = (det){"nn_ratio (oracle)", 5, 0};
    double *sc = malloc((size_t)n * sizeof(double)), std_t = 0;
    mg_rng rng;
    mg_rng_init(&rng, 3);
    for (int k = 0; k < nd; k++) {
        double best = 1e9;
        for (int rep = 0; rep < (dets[k].kind == 2 ? 1 : 5); rep++) {
            double t0 = mg_now();
            mg_status st = MG_OK;
            mg_detect_params dp = MG_DETECT_PARAMS_DEFAULT;
            dp.metric = (mg_spike_metric)dets[k].metric;
            switch (dets[k].kind) {
            case 0: st = mg_detect_model(&t.model.set, S, &dp, &rng, sc); break;
            case 1: st = mg_baseline_flipd(&t.model.set, S, 0.2, sc); break;
            case 2: st = mg_baseline_jacobian(&t.model.set, S, 0.2, sc); break;
            case 3: st = mg_baseline_denoise(&t.model.set, S, 0.2, &rng, sc); break;
            case 4: st = mg_baseline_clique(S, 0.1, 50, sc); break;
            default: st = mg_baseline_nn_ratio(S, T, sc); break;
            }
            if (st != MG_OK) {
                fprintf(stderr, "bench_detect: %s: %s\n", dets[k].name, mg_last_error());
                return 1;
            }
            double el = mg_now() - t0;
            if (el < best) best = el;
        }
        if (k <= 1) std_t = best;
        if (k == 0) continue;
        printf("%-22s %10.3f us/sample  %7.2fx the std detector\n", dets[k].name, 1e6 * best / n, best / std_t);
    }
    /* evaluation: AUROC and TPR with 200 bootstrap resamples on the labelled samples */
    const mg_detect_bench *b = &t.model.bench;
    mg_detect_eval ev;
    double t0 = mg_now();
    if (mg_detect_evaluate(b->rows[0].scores, b->labels, b->n, 0.01, 200, 0.95, &rng, &ev) != MG_OK) return 1;
    printf("%-22s %10.3f ms for %lld labelled samples (AUROC %.4f, TPR@1%% %.3f)\n", "evaluate + 200 bootstrap",
           1e3 * (mg_now() - t0), (long long)b->n, ev.auroc, ev.tpr);
    free(sc);
    mg_exp_table1_free(&t);
    return 0;
}
