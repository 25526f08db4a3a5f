/*
 * Thread-count-independent sgemm (see include/memgen/blas.h). OpenBLAS 0.3.21
 * with the Haswell kernels (the ones OPENBLAS_CORETYPE=Haswell selects here)
 * returns different bits for the same product on 1 and on 2 threads, even at
 * 5 x 100 x 1024. mg_sgemm_det cuts C into tiles by its shape only, computes
 * each tile with single-threaded OpenBLAS (every element is then a fixed
 * function of the shapes and inputs) and runs the tiles in parallel over
 * OpenMP threads.
 */
#include <cblas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/blas.h"

/* Products below this many flops run as one tile (threads would not pay). */
#define DET_MIN_FLOPS (1 << 19)
/* Tiles are at least this many rows/columns wide (multiples of 4), at most
 * DET_MAX_TILES of them. */
#define DET_MIN_TILE 32
#define DET_MAX_TILES 16

/* One product of mg_sgemm_det and its tiling. */
typedef struct {
    enum CBLAS_TRANSPOSE ta, tb;
    int by_rows;                 /* tiles are row ranges of C (else column ranges) */
    int64_t M, N, K, tile, size; /* size: M or N, cut into tiles of `tile` */
    float alpha, beta;
    const float *A;
    int64_t lda;
    const float *B;
    int64_t ldb;
    float *C;
    int64_t ldc;
} tile_job;

/* Tile t: single-threaded sgemm on rows (or columns) t*tile .. of C. */
static void run_tile(const tile_job *j, int64_t t) {
    const int64_t lo = t * j->tile, len = j->size - lo < j->tile ? j->size - lo : j->tile;
    if (j->by_rows) {
        /* rows lo..lo+len of C and of op(A) */
        const float *a = j->ta == CblasTrans ? j->A + lo : j->A + lo * j->lda;
        cblas_sgemm(CblasRowMajor, j->ta, j->tb, (int)len, (int)j->N, (int)j->K, j->alpha, a, (int)j->lda, j->B,
                    (int)j->ldb, j->beta, j->C + lo * j->ldc, (int)j->ldc);
    } else {
        /* columns lo..lo+len of C and of op(B) */
        const float *b = j->tb == CblasTrans ? j->B + lo * j->ldb : j->B + lo;
        cblas_sgemm(CblasRowMajor, j->ta, j->tb, (int)j->M, (int)len, (int)j->K, j->alpha, j->A, (int)j->lda, b,
                    (int)j->ldb, j->beta, j->C + lo, (int)j->ldc);
    }
}

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
    const tile_job job = {ta, tb, by_rows, M, N, K, tile, size, alpha, beta, A, lda, B, ldb, C, ldc};
#ifdef _OPENMP
    if (ntiles > 1 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t t = 0; t < ntiles; t++) run_tile(&job, t);
    } else
#endif
    { /* one tile, or one thread: the same tiles (their bits depend on their shapes) without entering a
         region (libgomp allocates a team for every region entered, even a one-thread one) */
        for (int64_t t = 0; t < ntiles; t++) run_tile(&job, t);
    }
    if (saved != 1) openblas_set_num_threads(saved);
}
