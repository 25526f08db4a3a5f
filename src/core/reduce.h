/*
 * Reductions whose bits do not depend on the compiler's vectorisation or the
 * thread count (internal, header-only so that each user compiles the loop
 * with its own flags: the training step's copy runs at -O3).
 */
#ifndef MEMGEN_CORE_REDUCE_H
#define MEMGEN_CORE_REDUCE_H

#include <stdint.h>

/* sum of v[i]^2 in double over 8 fixed lanes (lane = i mod 8), the lanes
 * added in order: vectorisable, and the same value for any build. Used by
 * the weight penalty (mg_dae_weight_penalty) and the training loss's row
 * sums, so the penalty in a logged loss is the same number either way. */
static inline double mg_sumsq_lanes(const float *v, int64_t n) {
    enum { LANES = 8 };
    double part[LANES] = {0};
    int64_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++) part[l] += (double)v[i + l] * (double)v[i + l];
    for (int l = 0; i + l < n; l++) part[l] += (double)v[i + l] * (double)v[i + l];
    double s = 0.0;
    for (int l = 0; l < LANES; l++) s += part[l];
    return s;
}

#endif /* MEMGEN_CORE_REDUCE_H */
