/*
 * Counter-based random numbers (Philox4x32-10, Salmon et al. 2011).
 *
 * The state is (key, stream, counter): block i of a stream is a pure function
 * of (key, stream, counter + i), so a buffer filled by any number of threads
 * is bit-identical to one filled by a single thread, and a checkpoint only has
 * to store three integers. Every draw advances `counter` by the number of
 * 4 x 32-bit blocks consumed: ceil(n / 4) for n floats (normals or uniforms),
 * ceil(n / 2) for n doubles, one per integer draw.
 *
 * Normals use the Box-Muller transform with vectorisable polynomial log and
 * sin/cos (max error about 2 ulp of float); doubles use libm.
 */
#ifndef MEMGEN_RNG_H
#define MEMGEN_RNG_H

#include <stddef.h>
#include <stdint.h>
#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint64_t key;     /* the seed */
    uint64_t stream;  /* independent sub-stream id (see mg_rng_fork) */
    uint64_t counter; /* next block index */
} mg_rng;

/* Seeds a generator: key = seed, stream = 0, counter = 0. */
MG_API void mg_rng_init(mg_rng *r, uint64_t seed);

/* An independent generator for sub-task `id` (a noise level, a worker, a
 * purpose): same key, stream derived from (r->stream, id) by a hash, counter 0.
 * Does not advance r. */
MG_API mg_rng mg_rng_fork(const mg_rng *r, uint64_t id);

/* mg_rng_fork with the id hashed from a name (FNV-1a 64): the generator of a
 * named purpose ("data.mog", "fig5"), independent of every other name. */
MG_API mg_rng mg_rng_fork_named(const mg_rng *r, const char *name);

/* The raw Philox4x32-10 block for (key, stream, counter): out[0..3]. */
MG_API void mg_rng_block(uint64_t key, uint64_t stream, uint64_t counter, uint32_t out[4]);

/* Fills out[0..n-1] with standard normals (float). */
MG_API void mg_rng_normal(mg_rng *r, float *out, size_t n);

/* Fills out[0..n-1] with standard normals (double, full precision). */
MG_API void mg_rng_normal_d(mg_rng *r, double *out, size_t n);

/* y[i] = x[i] + sigma * z[i] with z standard normal: the fused "add noise"
 * step of denoising training. The z drawn are exactly those mg_rng_normal
 * would give. x may equal y. */
MG_API void mg_rng_add_noise(mg_rng *r, const float *x, float sigma, float *y, size_t n);

/* y[j] = x[j] + sigma * z[start + j] for j < n, z the normals of r's stream
 * from its counter on: the values mg_rng_add_noise(r, ...) would write at
 * positions start .. start + n - 1 of a longer fill, for filling one fill's
 * pieces independently (on threads). r is not advanced. */
MG_API void mg_rng_add_noise_at(const mg_rng *r, size_t start, const float *x, float sigma, float *y, size_t n);

/* Uniform floats in [0, 1) with 24 random bits. */
MG_API void mg_rng_uniform(mg_rng *r, float *out, size_t n);

/* Uniform double in [0, 1) with 53 random bits. */
MG_API double mg_rng_uniform_d(mg_rng *r);

/* A uniform integer in [0, n) without modulo bias (n > 0). */
MG_API uint64_t mg_rng_below(mg_rng *r, uint64_t n);

/* Fisher-Yates shuffle of idx[0..n-1]. */
MG_API void mg_rng_shuffle(mg_rng *r, int64_t *idx, int64_t n);

/* Writes a uniformly random permutation of 0..n-1 into idx. */
MG_API void mg_rng_permutation(mg_rng *r, int64_t *idx, int64_t n);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_RNG_H */
