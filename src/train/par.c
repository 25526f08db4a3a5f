/*
 * mg_train_par: the OpenMP helper of the training sources for elementwise and
 * row-wise work whose result does not depend on how it is split.
 */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "train_internal.h"

/* Runs fn over [0, n) in chunks of `grain` on OpenMP threads, or in one call
 * when n <= grain or only one thread would run. The direct call matters:
 * libgomp allocates a team for every parallel region entered, even one whose
 * if() clause is false or that has one thread, and the step loop must not
 * allocate. */
void mg_train_par(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
#ifdef _OPENMP
    const int one = omp_get_max_threads() == 1 || omp_in_parallel(); /* a region would have one thread */
#else
    const int one = 1;
#endif
    if (n <= grain || one) {
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
