/*
 * Thread-count-independent sgemm. OpenBLAS 0.3.21 with the Haswell kernels
 * (the ones OPENBLAS_CORETYPE=Haswell selects here) returns different bits for
 * the same product on 1 and on 2 threads, even at 5 x 100 x 1024, which would
 * make training depend on the machine's thread count. mg_sgemm_det cuts C into
 * tiles by its shape only, computes each tile with single-threaded OpenBLAS
 * (every element is then a fixed function of the shapes and inputs) and runs
 * the tiles in parallel over OpenMP threads.
 */
#include <cblas.h>

#include "train_internal.h"

/* Products below this many flops run as one tile (threads would not pay). */
#define DET_MIN_FLOPS (1 << 19)
/* Tiles are at least this many rows/columns wide (multiples of 4), at most
 * DET_MAX_TILES of them. */
#define DET_MIN_TILE 32
#define DET_MAX_TILES 16

/* C = alpha op(A) op(B) + beta C with a shape-only tiling (see top). */
void mg_sgemm_det(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                  const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    if (M <= 0 || N <= 0) return;
    enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans, tb = trans_b ? CblasTrans : CblasNoTrans;
    int saved = openblas_get_num_threads();
    if (saved != 1) openblas_set_num_threads(1);
    double flops = 2.0 * (double)M * (double)N * (double)K;
    int by_rows = M >= N;
    int64_t size = by_rows ? M : N, tile = size, ntiles = 1;
    if (flops >= DET_MIN_FLOPS && size >= 2 * DET_MIN_TILE) {
        ntiles = size / DET_MIN_TILE < DET_MAX_TILES ? size / DET_MIN_TILE : DET_MAX_TILES;
        tile = (size + ntiles - 1) / ntiles;
        tile = (tile + 3) / 4 * 4;
        ntiles = (size + tile - 1) / tile;
    }
    if (ntiles == 1) { /* no OpenMP region: libgomp allocates a team even for if(false) */
        cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
        if (saved != 1) openblas_set_num_threads(saved);
        return;
    }
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t t = 0; t < ntiles; t++) {
        int64_t lo = t * tile, len = size - lo < tile ? size - lo : tile;
        if (by_rows) {
            /* rows lo..lo+len of C and of op(A) */
            const float *a = trans_a ? A + lo : A + lo * lda;
            cblas_sgemm(CblasRowMajor, ta, tb, (int)len, (int)N, (int)K, alpha, a, (int)lda, B, (int)ldb, beta,
                        C + lo * ldc, (int)ldc);
        } else {
            /* columns lo..lo+len of C and of op(B) */
            const float *b = trans_b ? B + lo * ldb : B + lo;
            cblas_sgemm(CblasRowMajor, ta, tb, (int)M, (int)len, (int)K, alpha, A, (int)lda, b, (int)ldb, beta,
                        C + lo, (int)ldc);
        }
    }
    if (saved != 1) openblas_set_num_threads(saved);
}

/* Runs fn over [0, n) in chunks of `grain` on OpenMP threads, or in one call
 * when n <= grain. The direct call matters: libgomp allocates a team for every
 * parallel region entered, even one whose if() clause is false, and the step
 * loop must not allocate. */
void mg_train_par(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (n <= grain) {
        fn(ctx, 0, n);
        return;
    }
    int64_t chunks = (n + grain - 1) / grain;
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; c++) {
        int64_t lo = c * grain, hi = lo + grain < n ? lo + grain : n;
        fn(ctx, lo, hi);
    }
}
