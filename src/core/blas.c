/*
 * Thread-count-independent matrix products (see include/memgen/blas.h).
 * OpenBLAS 0.3.21 with the Haswell kernels (the ones OPENBLAS_CORETYPE=Haswell
 * selects here) returns different bits for the same product on 1 and on 2
 * threads, even at 5 x 100 x 1024. The products here cut C into tiles by its
 * shape only, compute each tile with single-threaded OpenBLAS (every element
 * is then a fixed function of the shapes and inputs) and run the tiles in
 * parallel over OpenMP threads.
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

/* What a tiled product computes. */
typedef enum { JOB_SGEMM, JOB_DGEMM, JOB_DSYRK } job_kind;

/* One product and its tiling. GEMM: C = alpha op(A) op(B) + beta C, tiles
 * are row ranges of C (by_rows) or column ranges. DSYRK: the lower triangle
 * of C = alpha op(A)^T op(A) + beta C (n = M = N, K), tiles are column
 * ranges of the lower triangle: a dsyrk on the diagonal block and a dgemm
 * below it. */
typedef struct {
    job_kind kind;
    enum CBLAS_TRANSPOSE ta, tb;
    int by_rows;
    int64_t M, N, K, tile, size; /* size: M or N, cut into tiles of `tile` */
    double alpha, beta;
    const void *A;
    int64_t lda;
    const void *B;
    int64_t ldb;
    void *C;
    int64_t ldc;
} tile_job;

/* GEMM of the job's kind on an M x N block (pointers already offset). */
static void gemm_block(const tile_job *j, int64_t M, int64_t N, const void *a, const void *b, void *c) {
    if (j->kind == JOB_SGEMM)
        cblas_sgemm(CblasRowMajor, j->ta, j->tb, (int)M, (int)N, (int)j->K, (float)j->alpha, a, (int)j->lda, b,
                    (int)j->ldb, (float)j->beta, c, (int)j->ldc);
    else
        cblas_dgemm(CblasRowMajor, j->ta, j->tb, (int)M, (int)N, (int)j->K, j->alpha, a, (int)j->lda, b, (int)j->ldb,
                    j->beta, c, (int)j->ldc);
}

/* Element e of a row-major buffer with element size `sz`, as a pointer. */
static const void *at(const void *p, int64_t e, int sz) { return (const char *)p + e * sz; }

/* Tile t: single-threaded OpenBLAS on rows (or columns) t*tile .. of C. */
static void run_tile(const tile_job *j, int64_t t) {
    const int sz = j->kind == JOB_SGEMM ? 4 : 8;
    const int64_t lo = t * j->tile, len = j->size - lo < j->tile ? j->size - lo : j->tile;
    if (j->kind == JOB_DSYRK) {
        /* columns lo..lo+len: the diagonal block, then the rows below it; op(A) = A^T (ta) or A has
           the n rows */
        const int trans = j->ta == CblasTrans;
        const void *a_lo = at(j->A, trans ? lo : lo * j->lda, sz);
        cblas_dsyrk(CblasRowMajor, CblasLower, j->ta, (int)len, (int)j->K, j->alpha, a_lo, (int)j->lda, j->beta,
                    (double *)j->C + lo * j->ldc + lo, (int)j->ldc);
        const int64_t hi = lo + len, below = j->size - hi;
        if (below > 0) {
            const void *a_hi = at(j->A, trans ? hi : hi * j->lda, sz);
            cblas_dgemm(CblasRowMajor, j->ta, trans ? CblasNoTrans : CblasTrans, (int)below, (int)len, (int)j->K,
                        j->alpha, a_hi, (int)j->lda, a_lo, (int)j->lda, j->beta, (double *)j->C + hi * j->ldc + lo,
                        (int)j->ldc);
        }
    } else if (j->by_rows) { /* rows lo..lo+len of C and of op(A) */
        gemm_block(j, len, j->N, at(j->A, j->ta == CblasTrans ? lo : lo * j->lda, sz), j->B,
                   (char *)j->C + lo * j->ldc * sz);
    } else { /* columns lo..lo+len of C and of op(B) */
        gemm_block(j, j->M, len, j->A, at(j->B, j->tb == CblasTrans ? lo * j->ldb : lo, sz), (char *)j->C + lo * sz);
    }
}

/* Rows per tile of a shape-only cut (see blas.h). */
int64_t mg_det_tile(int64_t size, int64_t min_tile, int64_t max_tiles) {
    int64_t ntiles = size / min_tile;
    ntiles = ntiles < 1 ? 1 : ntiles > max_tiles ? max_tiles : ntiles;
    if (ntiles == 1) return size;
    const int64_t tile = (size + ntiles - 1) / ntiles;
    return (tile + 3) / 4 * 4;
}

/* Cuts the job by its shape and runs its tiles (see top). */
static void run_job(tile_job *j) {
    if (j->M <= 0 || j->N <= 0) return;
    const int saved = openblas_get_num_threads();
    if (saved != 1) openblas_set_num_threads(1);
    const double flops = 2.0 * (double)j->M * (double)j->N * (double)j->K;
    j->size = j->by_rows ? j->M : j->N;
    j->tile = flops >= DET_MIN_FLOPS ? mg_det_tile(j->size, DET_MIN_TILE, DET_MAX_TILES) : j->size;
    const int64_t ntiles = (j->size + j->tile - 1) / j->tile;
#ifdef _OPENMP
    if (ntiles > 1 && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int64_t t = 0; t < ntiles; t++) run_tile(j, t);
    } else
#endif
    { /* one tile, or one thread: the same tiles (their bits depend on their shapes) without entering a
         region (libgomp allocates a team for every region entered, even a one-thread one) */
        for (int64_t t = 0; t < ntiles; t++) run_tile(j, t);
    }
    if (saved != 1) openblas_set_num_threads(saved);
}

/* C = alpha op(A) op(B) + beta C, float, with a shape-only tiling (see top). */
void mg_sgemm_det(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                  const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    tile_job j = {JOB_SGEMM, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M >= N, M, N, K,
                  0, 0, alpha, beta, A, lda, B, ldb, C, ldc};
    run_job(&j);
}

/* The same in double. */
void mg_dgemm_det(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha, const double *A,
                  int64_t lda, const double *B, int64_t ldb, double beta, double *C, int64_t ldc) {
    tile_job j = {JOB_DGEMM, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M >= N, M, N, K,
                  0, 0, alpha, beta, A, lda, B, ldb, C, ldc};
    run_job(&j);
}

/* The lower triangle of C = alpha op(A)^T op(A) + beta C, by column tiles. */
void mg_dsyrk_det(int trans, int64_t n, int64_t k, double alpha, const double *A, int64_t lda, double beta, double *C,
                  int64_t ldc) {
    tile_job j = {JOB_DSYRK, trans ? CblasTrans : CblasNoTrans, CblasNoTrans, 0, n, n, k,
                  0, 0, alpha, beta, A, lda, NULL, 0, C, ldc};
    run_job(&j);
}
