/*
 * Benchmark of the random-number hot path: standard normals per second from
 * mg_rng_normal (vectorised Philox + float Box-Muller) against a scalar
 * Box-Muller on libm (double) fed by the same Philox blocks, in one run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/rng.h"

/* Scalar reference: libm Box-Muller on the same Philox bits. */
static void normals_libm(uint64_t seed, float *out, size_t n) {
    for (size_t i = 0; i < n / 4; i++) {
        uint32_t w[4];
        mg_rng_block(seed, 0, i, w);
        for (int p = 0; p < 2; p++) {
            double u1 = (double)((w[2 * p] >> 8) + 1u) * 0x1.0p-24;
            double u2 = (double)(w[2 * p + 1] >> 8) * 0x1.0p-24;
            double r = sqrt(-2.0 * log(u1));
            out[4 * i + 2 * p] = (float)(r * cos(6.283185307179586 * u2));
            out[4 * i + 2 * p + 1] = (float)(r * sin(6.283185307179586 * u2));
        }
    }
}

int main(void) {
    size_t n = (size_t)1 << 22;
    float *z = malloc(n * sizeof(float));
    mg_rng r;
    int reps = 5;
    double best1 = 1e9, bestN = 1e9, bestRef = 1e9;
    int nthreads = 1;
#ifdef _OPENMP
    nthreads = omp_get_max_threads();
#endif
    for (int k = 0; k < reps; k++) {
#ifdef _OPENMP
        omp_set_num_threads(1);
#endif
        mg_rng_init(&r, (uint64_t)k);
        double t0 = mg_now();
        mg_rng_normal(&r, z, n);
        double t1 = mg_now();
        if (t1 - t0 < best1) best1 = t1 - t0;
#ifdef _OPENMP
        omp_set_num_threads(nthreads);
#endif
        mg_rng_init(&r, (uint64_t)k);
        t0 = mg_now();
        mg_rng_normal(&r, z, n);
        t1 = mg_now();
        if (t1 - t0 < bestN) bestN = t1 - t0;
        t0 = mg_now();
        normals_libm((uint64_t)k, z, n);
        t1 = mg_now();
        if (t1 - t0 < bestRef) bestRef = t1 - t0;
    }
    printf("%-34s %12s %12s %8s\n", "normals (2^22 per call)", "ns/normal", "Mnormal/s", "vs libm");
    printf("%-34s %12.3f %12.1f %8.2fx\n", "scalar libm Box-Muller (1 thread)", 1e9 * bestRef / n, n / bestRef / 1e6, 1.0);
    printf("%-34s %12.3f %12.1f %8.2fx\n", "mg_rng_normal (1 thread)", 1e9 * best1 / n, n / best1 / 1e6, bestRef / best1);
    printf("%-34s %12.3f %12.1f %8.2fx  (%d threads)\n", "mg_rng_normal (all threads)", 1e9 * bestN / n, n / bestN / 1e6,
           bestRef / bestN, nthreads);
    free(z);
    return 0;
}
