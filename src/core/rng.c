/*
 * Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror, Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11) and the Box-Muller
 * transform with vectorisable float log/sin/cos.
 *
 * Block i of a stream is philox(key, counter = (counter + i, stream)), so any
 * split of the work over threads gives the same numbers. The hot loops work on
 * BATCH (or TAIL) blocks at a time in structure-of-arrays form so that the compiler can
 * vectorise the 32x32->64-bit multiplies and the polynomial evaluation.
 */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/rng.h"

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

/* Blocks per vectorised batch (each block gives 4 x 32 bits): 8 vectors of
 * 8 blocks in flight hide the multiplies' latency (16 blocks: 1.19 ns per
 * normal; 64: 0.78 ns). The end of a fill that is not a whole batch goes in
 * pieces of TAIL blocks, so short fills stay cheap. */
#define BATCH 64
#define TAIL 8
/* Work above this many blocks is split over OpenMP threads. */
#define PAR_BLOCKS 16384

/* 8 unsigned 64-bit lanes: a 32-bit Philox word of 8 blocks, so that one
 * vector multiply (vpmuludq) gives the full 32 x 32 -> 64-bit products.
 * Written with vector types because the auto-vectoriser left the plain
 * loops half scalar (2x slower noise in the training step). */
typedef uint64_t v8u64 __attribute__((vector_size(64)));

#define INLINE static inline __attribute__((always_inline))

/* Philox4x32-10 on nb (BATCH or TAIL) consecutive counters starting at
 * `counter`, writing the four output words of block b to w0[b]..w3[b]. */
INLINE void philox_blocks(uint64_t key, uint64_t stream, uint64_t counter, uint32_t *w0, uint32_t *w1,
                          uint32_t *w2, uint32_t *w3, const int nb) {
    const int NV = nb / 8;
    const uint64_t lo = 0xffffffffull;
    const v8u64 iota = {0, 1, 2, 3, 4, 5, 6, 7}, zero = {0};
    v8u64 c0[BATCH / 8], c1[BATCH / 8], c2[BATCH / 8], c3[BATCH / 8];
    for (int v = 0; v < NV; v++) {
        const v8u64 c = iota + (counter + 8 * (uint64_t)v);
        c0[v] = c & lo;
        c1[v] = c >> 32;
        c2[v] = zero + (stream & lo);
        c3[v] = zero + (stream >> 32);
    }
    uint64_t k0 = key & lo, k1 = key >> 32;
    for (int round = 0; round < 10; round++) {
        for (int v = 0; v < NV; v++) {
            v8u64 p0 = c0[v] * PHILOX_M0;
            v8u64 p1 = c2[v] * PHILOX_M1;
            v8u64 n0 = (p1 >> 32) ^ c1[v] ^ k0;
            v8u64 n2 = (p0 >> 32) ^ c3[v] ^ k1;
            c1[v] = p1 & lo;
            c3[v] = p0 & lo;
            c0[v] = n0;
            c2[v] = n2;
        }
        k0 = (k0 + PHILOX_W0) & lo;
        k1 = (k1 + PHILOX_W1) & lo;
    }
    for (int v = 0; v < NV; v++)
        for (int l = 0; l < 8; l++) {
            w0[8 * v + l] = (uint32_t)c0[v][l];
            w1[8 * v + l] = (uint32_t)c1[v][l];
            w2[8 * v + l] = (uint32_t)c2[v][l];
            w3[8 * v + l] = (uint32_t)c3[v][l];
        }
}

/* The raw block for (key, stream, counter). */
void mg_rng_block(uint64_t key, uint64_t stream, uint64_t counter, uint32_t out[4]) {
    uint32_t w0[TAIL], w1[TAIL], w2[TAIL], w3[TAIL];
    philox_blocks(key, stream, counter, w0, w1, w2, w3, TAIL);
    out[0] = w0[0];
    out[1] = w1[0];
    out[2] = w2[0];
    out[3] = w3[0];
}

/* splitmix64 finaliser: a bijective 64-bit mix. */
static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Seeds a generator at stream 0, counter 0. */
void mg_rng_init(mg_rng *r, uint64_t seed) {
    r->key = seed;
    r->stream = 0;
    r->counter = 0;
}

/* An independent generator for sub-task id. */
mg_rng mg_rng_fork(const mg_rng *r, uint64_t id) {
    mg_rng f;
    f.key = r->key;
    f.stream = mix64(mix64(r->stream) ^ (id + 0x632BE59BD9B4E019ull));
    f.counter = 0;
    return f;
}

/* The fork of a name: FNV-1a 64 of its bytes as the id. */
mg_rng mg_rng_fork_named(const mg_rng *r, const char *name) {
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = name; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return mg_rng_fork(r, h);
}

/* ln(x) for x in (0, 1], float, vectorisable (no branches, no libm):
 * x = m 2^e with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s), s = (m-1)/(m+1),
 * |s| <= 0.1716, series to s^9 (truncation < 2e-9 relative). */
static inline float log_unit(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    int32_t e = (int32_t)((bits >> 23) & 0xff) - 127;
    uint32_t mbits = (bits & 0x007fffffu) | 0x3f800000u; /* m in [1, 2) */
    float m;
    memcpy(&m, &mbits, 4);
    int big = m > 1.41421356f;
    m = big ? 0.5f * m : m;
    e = big ? e + 1 : e;
    float s = (m - 1.0f) / (m + 1.0f);
    float s2 = s * s;
    float poly = 2.0f + s2 * (0.666666667f + s2 * (0.4f + s2 * (0.285714286f + s2 * 0.222222222f)));
    return (float)e * 0.693147181f + s * poly;
}

/* cos and sin of 2*pi*u for u in [0, 1), float, vectorisable: quadrant
 * q = floor(4u), y = (frac(4u) - 1/2) * pi/2 in [-pi/4, pi/4), Taylor
 * polynomials to degree 11/12 (error < 1e-9), then rotation by pi/4 + q*pi/2. */
static inline void sincos_2pi(float u, float *c_out, float *s_out) {
    float t = 4.0f * u;
    int q = (int)t;
    float y = (t - (float)q - 0.5f) * 1.57079633f;
    float y2 = y * y;
    float sy = y * (1.0f + y2 * (-1.66666667e-1f + y2 * (8.33333333e-3f + y2 * (-1.98412698e-4f +
                                     y2 * (2.75573192e-6f + y2 * -2.50521084e-8f)))));
    float cy = 1.0f + y2 * (-0.5f + y2 * (4.16666667e-2f + y2 * (-1.38888889e-3f +
                                     y2 * (2.48015873e-5f + y2 * (-2.75573192e-7f + y2 * 2.08767570e-9f)))));
    /* angle = y + pi/4 + q pi/2 */
    float c = (cy - sy) * 0.707106781f;
    float s = (cy + sy) * 0.707106781f;
    /* branch-free quadrant rotation: q bit 0 swaps (c, s) -> (-s, c), bit 1 negates */
    float swap = (float)(q & 1), keep = 1.0f - swap;
    float neg = 1.0f - 2.0f * (float)(q >> 1);
    float c1 = neg * (keep * c - swap * s);
    float s1 = neg * (keep * s + swap * c);
    *c_out = c1;
    *s_out = s1;
}

/* Box-Muller on nb (BATCH or TAIL) blocks: 4 nb normals into z
 * (block-major order). */
INLINE void normals_blocks(uint64_t key, uint64_t stream, uint64_t counter, float *z, const int nb) {
    uint32_t w[4][BATCH];
    philox_blocks(key, stream, counter, w[0], w[1], w[2], w[3], nb);
    float zc[2][BATCH], zs[2][BATCH];
    for (int pair = 0; pair < 2; pair++) {
        for (int b = 0; b < nb; b++) {
            /* u1 in (0, 1], u2 in [0, 1), 24 bits each */
            float u1 = (float)((w[2 * pair][b] >> 8) + 1u) * 5.9604645e-8f;
            float u2 = (float)(w[2 * pair + 1][b] >> 8) * 5.9604645e-8f;
            float r = sqrtf(-2.0f * log_unit(u1));
            float c, s;
            sincos_2pi(u2, &c, &s);
            zc[pair][b] = r * c;
            zs[pair][b] = r * s;
        }
    }
    for (int b = 0; b < nb; b++) {
        z[4 * b + 0] = zc[0][b];
        z[4 * b + 1] = zs[0][b];
        z[4 * b + 2] = zc[1][b];
        z[4 * b + 3] = zs[1][b];
    }
}

/* out[i] = z[i], or x[i] + sigma z[i] when x is given, for i < len. */
static void put_normals(const float *z, size_t len, const float *x, float sigma, float *out) {
    if (x) {
        for (size_t i = 0; i < len; i++) out[i] = x[i] + sigma * z[i];
    } else {
        memcpy(out, z, len * sizeof(float));
    }
}

/* Fills batch bi (4 BATCH values) of the output: normals, or x + sigma z
 * when x is given; a partial last batch in pieces of TAIL blocks. */
static void fill_batch(uint64_t key, uint64_t stream, uint64_t counter, size_t n, const float *x, float sigma,
                       float *out, int64_t bi) {
    const size_t per = 4 * BATCH, off = (size_t)bi * per, len = n - off < per ? n - off : per;
    const uint64_t c0 = counter + (uint64_t)bi * BATCH;
    float z[4 * BATCH];
    if (len == per) {
        normals_blocks(key, stream, c0, z, BATCH);
        put_normals(z, len, x ? x + off : NULL, sigma, out + off);
        return;
    }
    for (size_t o = 0; o < len; o += 4 * TAIL) {
        const size_t m = len - o < 4 * TAIL ? len - o : 4 * TAIL;
        normals_blocks(key, stream, c0 + o / 4, z, TAIL);
        put_normals(z, m, x ? x + off + o : NULL, sigma, out + off + o);
    }
}

/* Fills out[0..n-1] with the normals of blocks counter.. (or, when x is
 * given, y = x + sigma z). Small fills, and any fill when one thread would
 * run, stay out of OpenMP entirely: libgomp allocates on entering a region
 * even when its if() clause is false or it has one thread, and these run
 * inside training step loops. */
static void normal_fill(uint64_t key, uint64_t stream, uint64_t counter, size_t n, const float *x, float sigma,
                        float *out) {
    const size_t per = 4 * BATCH;
    int64_t nb = (int64_t)((n + per - 1) / per);
#ifdef _OPENMP
    if (nb * BATCH >= PAR_BLOCKS && omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
        for (int64_t bi = 0; bi < nb; bi++) fill_batch(key, stream, counter, n, x, sigma, out, bi);
        return;
    }
#endif
    for (int64_t bi = 0; bi < nb; bi++) fill_batch(key, stream, counter, n, x, sigma, out, bi);
}

/* Standard normal floats. */
void mg_rng_normal(mg_rng *r, float *out, size_t n) {
    if (n == 0) return;
    normal_fill(r->key, r->stream, r->counter, n, NULL, 0.0f, out);
    r->counter += (n + 3) / 4;
}

/* Fused y = x + sigma z. */
void mg_rng_add_noise(mg_rng *r, const float *x, float sigma, float *y, size_t n) {
    if (n == 0) return;
    normal_fill(r->key, r->stream, r->counter, n, x, sigma, y);
    r->counter += (n + 3) / 4;
}

/* The piece start .. start + n - 1 of a fused fill from r's counter on: the
 * block holding `start` (when it is not the first of its block) through a
 * 4-value fill, the rest from its first whole block. */
void mg_rng_add_noise_at(const mg_rng *r, size_t start, const float *x, float sigma, float *y, size_t n) {
    const size_t head = start % 4;
    if (head && n) {
        float x4[4] = {0}, y4[4];
        const size_t take = 4 - head < n ? 4 - head : n;
        for (size_t j = 0; j < take; j++) x4[head + j] = x[j];
        normal_fill(r->key, r->stream, r->counter + start / 4, 4, x4, sigma, y4);
        for (size_t j = 0; j < take; j++) y[j] = y4[head + j];
        x += take, y += take, start += take, n -= take;
    }
    if (n) normal_fill(r->key, r->stream, r->counter + start / 4, n, x, sigma, y);
}

/* 53-bit uniform in [0, 1) from two words. */
static inline double u53(uint32_t hi, uint32_t lo) {
    uint64_t v = ((uint64_t)hi << 21) ^ (uint64_t)(lo >> 11);
    return (double)(v & ((1ull << 53) - 1)) * 0x1.0p-53;
}

/* Standard normal doubles (libm Box-Muller, two per block). */
void mg_rng_normal_d(mg_rng *r, double *out, size_t n) {
    for (size_t i = 0; i < n; i += 2) {
        uint32_t w[4];
        mg_rng_block(r->key, r->stream, r->counter++, w);
        double u1 = 1.0 - u53(w[0], w[1]); /* (0, 1] */
        double u2 = u53(w[2], w[3]);
        double rad = sqrt(-2.0 * log(u1));
        double th = 6.283185307179586 * u2;
        out[i] = rad * cos(th);
        if (i + 1 < n) out[i + 1] = rad * sin(th);
    }
}

/* Uniform floats in [0, 1), four per block. */
void mg_rng_uniform(mg_rng *r, float *out, size_t n) {
    for (size_t i = 0; i < n; i += 4) {
        uint32_t w[4];
        mg_rng_block(r->key, r->stream, r->counter++, w);
        for (size_t j = 0; j < 4 && i + j < n; j++) out[i + j] = (float)(w[j] >> 8) * 5.9604645e-8f;
    }
}

/* Uniform double in [0, 1). */
double mg_rng_uniform_d(mg_rng *r) {
    uint32_t w[4];
    mg_rng_block(r->key, r->stream, r->counter++, w);
    return u53(w[0], w[1]);
}

/* Unbiased integer in [0, n): rejection on 64-bit draws (one block each). */
uint64_t mg_rng_below(mg_rng *r, uint64_t n) {
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - (UINT64_MAX % n); /* accept v < limit */
    for (;;) {
        uint32_t w[4];
        mg_rng_block(r->key, r->stream, r->counter++, w);
        uint64_t v = ((uint64_t)w[0] << 32) | w[1];
        if (v < limit) return v % n;
    }
}

/* Fisher-Yates shuffle. */
void mg_rng_shuffle(mg_rng *r, int64_t *idx, int64_t n) {
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)mg_rng_below(r, (uint64_t)i + 1);
        int64_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* A random permutation of 0..n-1. */
void mg_rng_permutation(mg_rng *r, int64_t *idx, int64_t n) {
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    mg_rng_shuffle(r, idx, n);
}
