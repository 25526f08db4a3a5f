/*
 * Benchmark of diffusion sampling: 1,000 samples, 60 DDIM steps, a DAE set
 * at d = 1024, p = 100 (the target: seconds), reported as samples/s
 * and as a fraction of the OpenBLAS sgemm roofline at the same shapes (sgemm
 * on all cores, whatever OPENBLAS_NUM_THREADS says; memgen's own products
 * run on OpenMP threads); plus f_emp sampling over 1,000 training rows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_gemm.h"
#include "memgen/daeset.h"
#include "memgen/denoiser.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"

int main(void) {
    int64_t d = 1024, p = 100, n = 1000;
    int K = 60;
    double *sig = malloc((size_t)K * sizeof(double));
    mg_sigmas_geometric(0.02, 2.0, K, sig);
    mg_daeset set;
    if (mg_daeset_alloc(K, sig, &set) != MG_OK) return 1;
    mg_rng r;
    mg_rng_init(&r, 1);
    for (int k = 0; k < K; k++) {
        mg_dae_create(d, p, 1, 0, &set.levels[k]);
        mg_dae_init_normal(set.levels[k], &r, 0.02f);
    }
    mg_denoiser den;
    mg_denoiser_daeset(&set, MG_LEVEL_NEAREST, &den);
    float *S = malloc((size_t)(n * d) * 4);
    mg_mat Sm = {n, d, d, S};
    mg_sample_params prm = MG_SAMPLE_PARAMS_DEFAULT;
    prm.sigmas = sig;
    prm.nsigmas = K;
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = mg_now();
        if (mg_sample(&den, &prm, &r, Sm) != MG_OK) {
            fprintf(stderr, "%s\n", mg_last_error());
            return 1;
        }
        double t = mg_now() - t0;
        if (t < best) best = t;
    }
    /* roofline: the two GEMMs per step at the same shapes */
    double tg = bench_gemm_seconds(0, 0, n, p, d, 0.0f, 0, NULL, NULL, NULL) +
                bench_gemm_seconds(0, 1, n, d, p, 0.0f, 0, NULL, NULL, NULL);
    double flops = 4.0 * (double)n * (double)d * (double)p * K;
    printf("%-44s %10s %12s %10s %10s\n", "sampling (n=1000, 60 steps, d=1024, p=100)", "seconds", "samples/s",
           "GFLOP/s", "roofline");
    printf("%-44s %10.3f %12.1f %10.1f %9.0f%%\n", "DDIM with a DAE set", best, (double)n / best, flops / best / 1e9,
           100.0 * tg * K / best);
    mg_denoiser_free(&den);
    /* f_emp over 1000 training rows */
    int64_t m = 1000;
    float *X = malloc((size_t)(m * d) * 4);
    mg_rng_normal(&r, X, (size_t)(m * d));
    mg_mat Xm = {m, d, d, X};
    mg_denoiser emp;
    if (mg_denoiser_emp(Xm, &emp) != MG_OK) return 1;
    double t0 = mg_now();
    if (mg_sample(&emp, &prm, &r, Sm) != MG_OK) return 1;
    double te = mg_now() - t0;
    printf("%-44s %10.3f %12.1f\n", "DDIM with f_emp (1000 training rows)", te, (double)n / te);
    mg_denoiser_free(&emp);
    mg_daeset_free(&set);
    free(X);
    free(S);
    free(sig);
    return 0;
}
