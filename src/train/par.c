/*
 * Threads in training: mg_train_par, the OpenMP helper for elementwise and
 * row-wise work whose result does not depend on how it is split, and
 * mg_train_sched, the measured choice between one thread and the team for
 * the fused steps (small.c, tiled.c).
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

/* The thread choice of the fused steps (mg_train_sched). The chosen mode (0 one thread,
 * 1 the team) runs `period` steps, then the other one runs a probe of
 * SCHED_PROBE steps (fewer when its first steps already take twice as
 * long); the mode with the lower mean step time over the two stretches is
 * chosen next. The period is long enough that a probe costs about
 * SCHED_OVERHEAD of the time at most, and doubles (up to SCHED_MAX_PERIOD)
 * each time a probe confirms the choice. One thread starts (a team's first
 * steps cost the most on a loaded machine), the team is first probed after
 * SCHED_FIRST steps. */
#define SCHED_FIRST 16
#define SCHED_PROBE 3
#define SCHED_MIN_PERIOD 64
#define SCHED_MAX_PERIOD 16384
#define SCHED_OVERHEAD 0.02

/* Whether the next step runs on the team (else on one thread). */
int mg_train_sched_team(mg_train_sched *sc) {
    if (sc->period == 0) sc->period = sc->left = SCHED_FIRST;
    return sc->probing ? 1 - sc->mode : sc->mode;
}

/* Accounts one step of `seconds` and advances the schedule. */
void mg_train_sched_record(mg_train_sched *sc, double seconds) {
    if (!sc->probing) { /* the chosen mode */
        sc->sum[0] += seconds;
        sc->n++;
        if (--sc->left <= 0) sc->probing = 1;
        return;
    }
    sc->sum[1] += seconds;
    sc->probed++;
    const double chosen = sc->sum[0] / (double)sc->n, probe = sc->sum[1] / sc->probed;
    if (sc->probed < SCHED_PROBE && probe < 2.0 * chosen) return;
    const int change = probe < chosen;
    const double fast = change ? probe : chosen, slow = change ? chosen : probe;
    double period = slow / (SCHED_OVERHEAD * fast); /* steps that make a probe cost SCHED_OVERHEAD */
    if (!change && period < 2.0 * (double)sc->period) period = 2.0 * (double)sc->period;
    period = period < SCHED_MIN_PERIOD ? SCHED_MIN_PERIOD : period > SCHED_MAX_PERIOD ? SCHED_MAX_PERIOD : period;
    sc->mode = change ? 1 - sc->mode : sc->mode;
    sc->period = sc->left = (int64_t)period;
    sc->sum[0] = sc->sum[1] = 0.0;
    sc->n = 0;
    sc->probed = sc->probing = 0;
}

/* Threads for one fused step (see train_internal.h). */
int mg_train_step_threads(int64_t work, int64_t pieces, mg_train_sched **sc) {
    int nt = 1;
#ifdef _OPENMP
    /* threads only for real work, and not inside a caller's parallel region */
    if (work >= MG_PAR_MIN_WORK && !omp_in_parallel()) {
        nt = omp_get_max_threads();
        if (nt > pieces) nt = (int)pieces;
    }
#else
    (void)work;
    (void)pieces;
#endif
    if (nt < 2) *sc = NULL; /* nothing to choose */
    if (*sc && !mg_train_sched_team(*sc)) nt = 1;
    return nt;
}
