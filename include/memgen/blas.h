/*
 * Matrix products whose bits do not depend on the thread count. OpenBLAS
 * sgemm results depend on its thread count (seen with the Haswell kernels
 * that OPENBLAS_CORETYPE=Haswell selects, even at 5 x 100 x 1024), which
 * would make training, f_emp and k-means depend on the machine; every
 * product that has to be reproducible goes through these. They are also how
 * memgen's products use several cores: the memgen CLI runs OpenBLAS
 * single-threaded (cli/main.c) and these tile over OpenMP threads.
 */
#ifndef MEMGEN_BLAS_H
#define MEMGEN_BLAS_H

#include <stdint.h>

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* C = alpha op(A) op(B) + beta C, row-major, like cblas_sgemm (op = transpose
 * when trans_a / trans_b is nonzero), but the result does not depend on the
 * number of threads: the output is cut into tiles by its shape only, each
 * tile computed by single-threaded OpenBLAS, tiles in parallel over OpenMP
 * threads.
 *
 * Thread safety: OpenBLAS's thread count is a process-wide setting, and
 * mg_sgemm_det sets it to 1 for the duration of the call and restores the
 * previous value after (nothing is changed when it already is 1). It must
 * therefore not run concurrently from several user threads (threads the
 * caller created, as opposed to the OpenMP threads it starts itself), nor
 * beside other code of the process that calls OpenBLAS or changes its
 * thread count: one call could restore a count the other still relies on.
 * Callers that loop over many products may set OpenBLAS to one thread
 * themselves (openblas_set_num_threads(1)), as mg_trainer_run does; the
 * calls then never touch the setting. */
MG_API void mg_sgemm_det(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                  const float *B, int64_t ldb, float beta, float *C, int64_t ldc);

/* The tile length of a shape-only cut of `size` rows: size / min_tile tiles
 * (at least 1, at most max_tiles), each a multiple of 4 rows long except
 * when there is one tile (the whole). The products here cut their outputs
 * this way; so does the training step (src/train/tiled.c). */
MG_API int64_t mg_det_tile(int64_t size, int64_t min_tile, int64_t max_tiles);

/* The same in double (like cblas_dgemm). */
MG_API void mg_dgemm_det(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha, const double *A,
                  int64_t lda, const double *B, int64_t ldb, double beta, double *C, int64_t ldc);

/* The lower triangle (row-major: C[i][j], i >= j) of the n x n matrix
 * C = alpha A^T A + beta C for A of k x n (trans nonzero), or
 * C = alpha A A^T + beta C for A of n x k: cblas_dsyrk(CblasRowMajor,
 * CblasLower, ...) with the same guarantees as mg_sgemm_det. The strict
 * upper triangle is not touched. */
MG_API void mg_dsyrk_det(int trans, int64_t n, int64_t k, double alpha, const double *A, int64_t lda, double beta, double *C,
                  int64_t ldc);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_BLAS_H */
