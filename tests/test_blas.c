/*
 * Tests of the thread-count-independent products (memgen/blas.h): each
 * agrees with a naive loop in double for every transpose, with alpha, beta
 * and padded leading dimensions, at shapes that run as one tile and as many
 * (by rows and by columns), and gives identical bits on 1 and on 2 threads
 * (OpenMP and OpenBLAS alike).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/blas.h"
#include "memgen/rng.h"

/* n standard normals from seed, in double. */
static double *randn_d(size_t n, uint64_t seed) {
    double *x = malloc(n * sizeof(double));
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_rng_normal_d(&r, x, n);
    return x;
}

/* Sets OpenMP's and OpenBLAS's thread counts (returns OpenMP's previous one). */
static int set_threads(int t) {
    int saved = 1;
#ifdef _OPENMP
    saved = omp_get_max_threads();
    omp_set_num_threads(t);
#endif
    openblas_set_num_threads(t);
    return saved;
}

/* Element (i, j) of op(X) for row-major X with leading dimension ld. */
static double op_at(const double *X, int64_t ld, int trans, int64_t i, int64_t j) {
    return trans ? X[j * ld + i] : X[i * ld + j];
}

/* Shapes (M, N, K): one tile, row tiles, column tiles, a product with 5 rows. */
static const int64_t k_shapes[][3] = {{300, 40, 200}, {40, 300, 200}, {5, 100, 1024}, {7, 3, 5}, {1024, 100, 5}};
#define NSHAPES (sizeof k_shapes / sizeof k_shapes[0])

/* mg_sgemm_det and mg_dgemm_det against the naive product, 1 vs 2 threads. */
static void test_gemm_det(void **state) {
    (void)state;
    for (int dbl = 0; dbl < 2; dbl++)
        for (size_t s = 0; s < NSHAPES; s++)
            for (int ta = 0; ta < 2; ta++)
                for (int tb = 0; tb < 2; tb++) {
                    const int64_t M = k_shapes[s][0], N = k_shapes[s][1], K = k_shapes[s][2];
                    const int64_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
                    const size_t na = (size_t)((ta ? K : M) * lda), nb = (size_t)((tb ? N : K) * ldb);
                    const size_t nc = (size_t)(M * ldc);
                    double *A = randn_d(na, 1 + s), *B = randn_d(nb, 2 + s), *C0 = randn_d(nc, 3 + s);
                    double *C1 = malloc(nc * sizeof(double)), *C2 = malloc(nc * sizeof(double));
                    float *Af = malloc(na * sizeof(float)), *Bf = malloc(nb * sizeof(float));
                    float *Cf1 = malloc(nc * sizeof(float)), *Cf2 = malloc(nc * sizeof(float));
                    for (size_t i = 0; i < na; i++) A[i] = Af[i] = (float)A[i]; /* the same values in both */
                    for (size_t i = 0; i < nb; i++) B[i] = Bf[i] = (float)B[i];
                    for (size_t i = 0; i < nc; i++) C0[i] = Cf1[i] = Cf2[i] = (float)C0[i];
                    memcpy(C1, C0, nc * sizeof(double));
                    memcpy(C2, C0, nc * sizeof(double));
                    for (int run = 0; run < 2; run++) {
                        const int saved = set_threads(1 + run);
                        if (dbl)
                            mg_dgemm_det(ta, tb, M, N, K, 0.5, A, lda, B, ldb, -0.25, run ? C2 : C1, ldc);
                        else
                            mg_sgemm_det(ta, tb, M, N, K, 0.5f, Af, lda, Bf, ldb, -0.25f, run ? Cf2 : Cf1, ldc);
                        assert_int_equal(openblas_get_num_threads(), 1 + run); /* restored */
                        set_threads(saved);
                    }
                    if (dbl) assert_memory_equal(C1, C2, nc * sizeof(double));
                    else assert_memory_equal(Cf1, Cf2, nc * sizeof(float));
                    double *ref = malloc((size_t)(M * N) * sizeof(double));
                    double *got = malloc((size_t)(M * N) * sizeof(double));
                    for (int64_t i = 0; i < M; i++)
                        for (int64_t j = 0; j < N; j++) {
                            double acc = 0;
                            for (int64_t k = 0; k < K; k++) acc += op_at(A, lda, ta, i, k) * op_at(B, ldb, tb, k, j);
                            ref[i * N + j] = 0.5 * acc - 0.25 * C0[i * ldc + j];
                            got[i * N + j] = dbl ? C1[i * ldc + j] : Cf1[i * ldc + j];
                        }
                    tu_assert_close_d(got, ref, M * N, (dbl ? 1e-12 : 1e-4) * sqrt((double)K), dbl ? 1e-12 : 1e-5,
                                      dbl ? "dgemm_det" : "sgemm_det");
                    /* padding columns of C are left alone */
                    for (int64_t i = 0; i < M; i++)
                        for (int64_t j = N; j < ldc; j++) {
                            const double pad = dbl ? C1[i * ldc + j] : Cf1[i * ldc + j];
                            assert_true(pad == C0[i * ldc + j]);
                        }
                    free(A), free(B), free(C0), free(C1), free(C2), free(Af), free(Bf), free(Cf1), free(Cf2);
                    free(ref), free(got);
                }
}

/* mg_dsyrk_det: the lower triangle of alpha op(A)^T op(A) + beta C against
 * the naive product, the strict upper triangle untouched, 1 vs 2 threads;
 * n from one tile to several, k from 3 to 700. */
static void test_dsyrk_det(void **state) {
    (void)state;
    const int64_t sizes[][2] = {{7, 3}, {100, 700}, {300, 64}, {513, 40}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int trans = 0; trans < 2; trans++) {
            const int64_t n = sizes[s][0], k = sizes[s][1], lda = (trans ? n : k) + 2, ldc = n + 1;
            const size_t na = (size_t)((trans ? k : n) * lda), nc = (size_t)(n * ldc);
            double *A = randn_d(na, 10 + s), *C0 = randn_d(nc, 20 + s);
            double *C1 = malloc(nc * sizeof(double)), *C2 = malloc(nc * sizeof(double));
            memcpy(C1, C0, nc * sizeof(double));
            memcpy(C2, C0, nc * sizeof(double));
            for (int run = 0; run < 2; run++) {
                const int saved = set_threads(1 + run);
                mg_dsyrk_det(trans, n, k, 0.5, A, lda, -0.25, run ? C2 : C1, ldc);
                set_threads(saved);
            }
            assert_memory_equal(C1, C2, nc * sizeof(double));
            double worst = 0;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < ldc; j++) {
                    if (j > i) { /* strict upper triangle and padding: untouched */
                        assert_true(C1[i * ldc + j] == C0[i * ldc + j]);
                        continue;
                    }
                    double acc = 0;
                    for (int64_t q = 0; q < k; q++) acc += op_at(A, lda, trans, i, q) * op_at(A, lda, trans, j, q);
                    const double want = 0.5 * acc - 0.25 * C0[i * ldc + j];
                    worst = fmax(worst, fabs(C1[i * ldc + j] - want) / (1.0 + fabs(want)));
                }
            assert_true(worst < 1e-12 * sqrt((double)k));
            free(A), free(C0), free(C1), free(C2);
        }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_det),
        cmocka_unit_test(test_dsyrk_det),
    };
    return cmocka_run_group_tests_name("blas", tests, NULL, NULL);
}
