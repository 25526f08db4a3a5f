/*
 * Benchmark of the exact top-2 search behind memratio (Gu et al. 2023's
 * ratio d(x, NN1) / d(x, NN2), paper App. B.2): 10^5 generated rows against
 * the 6 x 10^4 Fashion-MNIST training rows at d = 784 (random rows when the
 * dataset is missing), measured in one run on the same data:
 *  - memgen's mg_nn_topk (k = 2, L2) on the OpenMP threads;
 *  - FAISS's exact flat search (IndexFlatL2, k = 2, dev/bench_faiss.py) on
 *    the same number of threads, its answers checked against memgen's exact
 *    ones (any difference must be a near-tie within FAISS's float32 rounding);
 *  - the sgemm roofline: cblas_sgemm of the same FLOPs (square) on the same
 *    threads, timed slice by slice right after each tenth of memgen's queries.
 * Sizes: MEMGEN_BENCH_NN_GEN, MEMGEN_BENCH_NN_TRAIN (defaults 100000, 60000;
 * about a minute per side on 2 cores); MEMGEN_BENCH_NN_QB, MEMGEN_BENCH_NN_RB
 * override mg_nn_topk's block sizes). `make bench` runs it with
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (both sides alike).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>

#include "bench_fmnist.h"
#include "memgen/neighbors.h"
#include "memgen/npy.h"
#include "memgen/rng.h"

/* Generated rows: a third are training rows plus 1% noise (memorized), the
 * rest blends of two training rows plus noise. */
static float *generated_rows(const float *X, int64_t n_train, int64_t n, int64_t d, mg_rng *r) {
    float *G = malloc((size_t)n * (size_t)d * sizeof(float)), u[3];
    mg_rng_normal(r, G, (size_t)(n * d));
    for (int64_t i = 0; i < n; i++) {
        mg_rng_uniform(r, u, 3);
        int64_t a = (int64_t)(u[0] * (float)n_train) % n_train, b = (int64_t)(u[1] * (float)n_train) % n_train;
        float w = i % 3 == 0 ? 1.0f : 0.3f + 0.4f * u[2], s = i % 3 == 0 ? 0.01f : 0.05f;
        for (int64_t t = 0; t < d; t++)
            G[i * d + t] = w * X[a * d + t] + (1 - w) * X[b * d + t] + s * G[i * d + t];
    }
    return G;
}

/* Writes an n x d float32 .npy. */
static int write_rows(const char *path, float *A, int64_t n, int64_t d) {
    mg_array a = {0};
    int64_t shape[2] = {n, d};
    if (mg_array_alloc(&a, MG_F32, 2, shape) != MG_OK) return -1;
    memcpy(a.data, A, (size_t)(n * d) * sizeof(float));
    mg_status st = mg_npy_write(path, &a);
    mg_array_free(&a);
    return st == MG_OK ? 0 : -1;
}

/* Seconds of one cblas_sgemm of about `flops` (square, on `threads` OpenBLAS threads). */
static double roofline_seconds(double flops, int threads, double *gflops) {
    int64_t n = (int64_t)cbrt(flops / 2.0);
    float *A = malloc((size_t)(n * n) * sizeof(float)), *B = malloc((size_t)(n * n) * sizeof(float));
    float *C = malloc((size_t)(n * n) * sizeof(float));
    if (!A || !B || !C) return NAN;
    for (int64_t t = 0; t < n * n; t++) A[t] = B[t] = (float)(t % 7) * 0.125f, C[t] = 0;
    const int saved = openblas_get_num_threads();
    openblas_set_num_threads(threads);
    double t0 = mg_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)n, (int)n, 1.0f, A, (int)n, B, (int)n, 0.0f, C,
                (int)n);
    double t = mg_now() - t0;
    openblas_set_num_threads(saved);
    free(A), free(B), free(C);
    *gflops = 2.0 * (double)n * (double)n * (double)n / t / 1e9;
    return t * flops / (2.0 * (double)n * (double)n * (double)n);
}

/* Exact squared distance in double. */
static double exact_d2(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t t = 0; t < d; t++) s += ((double)a[t] - b[t]) * ((double)a[t] - b[t]);
    return s;
}

/* Runs FAISS; returns its seconds (NAN when skipped) and its answers. */
static double run_faiss(const char *dir, int threads, mg_array *fi, mg_array *fd) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "OPENBLAS_NUM_THREADS=%d /usr/bin/python3 dev/bench_faiss.py --gen %s/gen.npy --train %s/train.npy "
             "--threads %d --out-idx %s/fi.npy --out-dist %s/fd.npy",
             threads, dir, dir, threads, dir, dir);
    FILE *f = popen(cmd, "r");
    if (!f) return NAN;
    char line[256];
    double t = NAN;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "seconds %lf", &t) != 1) printf("FAISS: %s", line);
    }
    pclose(f);
    if (isnan(t)) return NAN;
    snprintf(cmd, sizeof cmd, "%s/fi.npy", dir);
    if (mg_npy_read(cmd, fi) != MG_OK) return NAN;
    snprintf(cmd, sizeof cmd, "%s/fd.npy", dir);
    if (mg_npy_read(cmd, fd) != MG_OK) return NAN;
    return t;
}

int main(void) {
    const int64_t n_gen = bench_env_int("MEMGEN_BENCH_NN_GEN", 100000), n_train = bench_env_int("MEMGEN_BENCH_NN_TRAIN", 60000);
    const int64_t d = 784;
    const double thr = 1.0 / 3.0;
    const int threads = bench_threads();
    mg_rng r;
    mg_rng_init(&r, 7);
    const char *what = NULL;
    float *X = bench_training_rows(n_train, d, &r, &what), *G = generated_rows(X, n_train, n_gen, d, &r);
    char dir[] = "/tmp/memgen_bench_nn_XXXXXX", path[128];
    if (!mkdtemp(dir)) return 1;
    snprintf(path, sizeof path, "%s/train.npy", dir);
    if (write_rows(path, X, n_train, d)) return 1;
    snprintf(path, sizeof path, "%s/gen.npy", dir);
    if (write_rows(path, G, n_gen, d)) return 1;
    printf("bench_nn: top-2 of %lld generated vs %lld training rows (%s), d = %lld, %d threads, %s\n",
           (long long)n_gen, (long long)n_train, what, (long long)d, threads, openblas_get_config());
    mg_mat Q = {n_gen, d, d, G}, R = {n_train, d, d, X};
    int64_t *idx = malloc((size_t)n_gen * 2 * sizeof(int64_t));
    double *dist = malloc((size_t)n_gen * 2 * sizeof(double));
    mg_nn_opts o = {.metric = MG_NN_L2, .query_block = bench_env_int("MEMGEN_BENCH_NN_QB", 0),
                    .ref_block = bench_env_int("MEMGEN_BENCH_NN_RB", 0)};
    /* paired in time: each slice of queries, then one sgemm of the slice's FLOPs (the load of a shared
       machine drifts; pairing slice by slice keeps the ratio honest) */
    const int64_t slices = n_gen >= 40000 ? 10 : 4, per = (n_gen + slices - 1) / slices;
    const double flops = 2.0 * (double)n_gen * (double)n_train * (double)d;
    double t_mg = 0, t_roof = 0, gf_roof = 0;
    int64_t rescanned = 0;
    for (int64_t s0 = 0; s0 < n_gen; s0 += per) {
        int64_t sn = n_gen - s0 < per ? n_gen - s0 : per;
        mg_mat Qs = {sn, d, d, Q.data + s0 * d};
        double t0 = mg_now(), gf;
        if (mg_nn_topk(Qs, R, 2, &o, idx + 2 * s0, dist + 2 * s0) != MG_OK) {
            fprintf(stderr, "bench_nn: %s\n", mg_last_error());
            return 1;
        }
        t_mg += mg_now() - t0;
        rescanned += o.rescanned;
        t_roof += roofline_seconds(2.0 * (double)sn * (double)n_train * (double)d, threads, &gf);
    }
    gf_roof = flops / t_roof / 1e9;
    int64_t mem = 0;
    for (int64_t i = 0; i < n_gen; i++) mem += dist[2 * i] < thr * dist[2 * i + 1];
    mg_array fi = {0}, fd = {0};
    const double t_fa = getenv("MEMGEN_BENCH_NN_NO_FAISS") ? NAN : run_faiss(dir, threads, &fi, &fd);
    printf("%-40s %10s %10s %10s\n", "", "seconds", "GFLOP/s", "vs memgen");
    printf("%-40s %10.2f %10.1f %10s\n", "memgen mg_nn_topk (exact, k=2)", t_mg, flops / t_mg / 1e9, "1.00x");
    if (!isnan(t_fa))
        printf("%-40s %10.2f %10.1f %9.2fx\n", "FAISS IndexFlatL2 (k=2)", t_fa, flops / t_fa / 1e9, t_fa / t_mg);
    else
        printf("FAISS: SKIPPED (python3-faiss missing: apt-get install python3-faiss)\n");
    printf("%-40s %10.2f %10.1f %9.2fx\n", "sgemm roofline (same FLOPs, square)", t_roof, gf_roof, t_roof / t_mg);
    printf("memgen: %.1f%% of the sgemm roofline; %lld queries rescanned in double; %lld of %lld memorized "
           "(ratio < 1/3)\n", 100.0 * t_roof / t_mg, (long long)rescanned, (long long)mem, (long long)n_gen);
    if (!isnan(t_fa)) {
        /* same answers: FAISS's neighbours equal memgen's, or are near-ties within float32 rounding */
        const int64_t *FI = fi.data;
        int64_t same = 0, ties = 0, bad = 0, vsame = 0;
        for (int64_t i = 0; i < n_gen; i++) {
            int s = FI[2 * i] == idx[2 * i] && FI[2 * i + 1] == idx[2 * i + 1];
            same += s;
            double f1 = exact_d2(G + i * d, X + FI[2 * i] * d, d), f2 = exact_d2(G + i * d, X + FI[2 * i + 1] * d, d);
            double m1 = dist[2 * i] * dist[2 * i], m2 = dist[2 * i + 1] * dist[2 * i + 1];
            int fmem = sqrt(f1) < thr * sqrt(f2), mmem = dist[2 * i] < thr * dist[2 * i + 1];
            vsame += fmem == mmem;
            if (!s) {
                double tol = 1e-4 * (m2 + 1.0); /* float32 expansion error at |x|^2 ~ 100, d = 784 */
                if (fabs(fmin(f1, f2) - m1) <= tol && fabs(fmax(f1, f2) - m2) <= tol) ties++;
                else bad++;
            }
        }
        printf("answers: FAISS's NN1 and NN2 equal memgen's for %lld of %lld queries; %lld differ only by "
               "near-ties within float32 rounding, %lld otherwise; memorized verdicts agree on %lld\n",
               (long long)same, (long long)n_gen, (long long)ties, (long long)bad, (long long)vsame);
        printf("memgen vs FAISS: %.2fx FAISS's speed (same threads, same run)\n", t_fa / t_mg);
        if (bad) return 1;
    }
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0) fprintf(stderr, "bench_nn: could not remove %s\n", dir);
    mg_array_free(&fi), mg_array_free(&fd);
    free(X), free(G), free(idx), free(dist);
    return 0;
}
