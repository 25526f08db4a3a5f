/*
 * The sgemm roofline the benchmarks compare against: one product timed in
 * OpenBLAS on one thread per OpenMP thread (whatever OPENBLAS_NUM_THREADS
 * says: memgen runs OpenBLAS single-threaded and parallelises its own
 * products with OpenMP), or through mg_sgemm_det.
 */
#ifndef MEMGEN_BENCH_GEMM_H
#define MEMGEN_BENCH_GEMM_H

#include <math.h>
#include <stdlib.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/blas.h"
#include "memgen/core.h"

/* Best-of-3 seconds of C = op(A) op(B) + beta C (row-major, dense leading
 * dimensions, op = transpose when ta / tb is nonzero) through threaded
 * OpenBLAS (det = 0) or mg_sgemm_det (det = 1). A, B, C: the caller's
 * buffers, or NULL to use zeroed ones of the right size. Each measurement
 * repeats the product for about 3 GFLOP (5 to 2000 times). */
static inline double bench_gemm_seconds(int ta, int tb, int64_t M, int64_t N, int64_t K, float beta, int det,
                                        float *A, float *B, float *C) {
    const int64_t lda = ta ? M : K, ldb = tb ? K : N;
    float *own[3] = {NULL, NULL, NULL};
    if (!A) A = own[0] = calloc((size_t)(M * K), sizeof(float));
    if (!B) B = own[1] = calloc((size_t)(K * N), sizeof(float));
    if (!C) C = own[2] = calloc((size_t)(M * N), sizeof(float));
    const int saved = openblas_get_num_threads();
#ifdef _OPENMP
    if (!det) openblas_set_num_threads(omp_get_max_threads());
#endif
    const double flops = 2.0 * (double)M * (double)N * (double)K;
    const int reps = (int)fmin(2000, fmax(5, 3e9 / flops));
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        const double t0 = mg_now();
        for (int i = 0; i < reps; i++) {
            if (det)
                mg_sgemm_det(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, N);
            else
                cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M,
                            (int)N, (int)K, 1.0f, A, (int)lda, B, (int)ldb, beta, C, (int)N);
        }
        const double t = (mg_now() - t0) / reps;
        if (t < best) best = t;
    }
    openblas_set_num_threads(saved);
    for (int i = 0; i < 3; i++) free(own[i]);
    return best;
}

#endif /* MEMGEN_BENCH_GEMM_H */
