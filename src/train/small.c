/*
 * The training step of the DAE (paper Eq. 6) for batches of at most
 * MG_SMALL_B rows, the memorization setting (n = 5, full batch), without
 * BLAS. With 5 x 1024 inputs and 1024 x 100 weights a step is ~5 MFLOP:
 * sgemm would spend its time packing W, and passes over W, thread hand-offs
 * and memory traffic dominate. So the step is one OpenMP region in which
 * every thread owns fixed row chunks of W and makes three passes over them:
 *
 *   0. (trainer) its columns of the noisy inputs Xn = X0 + sigma eps;
 *   1. part_c = Xn[:, c] W1[c]                          encoder, per chunk c
 *      -- barrier; H = relu(sum_c part_c + b1), each thread its own copy
 *   2. R[:, c] = s (H W2[c]^T + b2 - X0[:, c]), s = 2 c / B, row losses;
 *      part_c = R[:, c] W2[c]                          the chunk's share of dH
 *      -- barrier; dH = sum_c part_c masked by H > 0; D from the row losses
 *   3. the rows of gW2 = R^T H + 2 lambda W2, gW1 = Xn^T dH + 2 lambda W1
 *      (tied: one row, R^T H + Xn^T dH + 4 lambda W) and (trainer) the
 *      optimizer update of those rows while they are in cache.
 *
 * Chunks are cut by the shape alone, partial sums are added in chunk order
 * and every kernel sums in a fixed order, so results do not depend on the
 * thread count. The kernels use fused multiply-adds (see the pragma below);
 * the noise and the optimizer keep their own arithmetic (rng.c, optim.c),
 * which is what makes them match mg_rng_add_noise and PyTorch.
 */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "train_internal.h"

/* Fixed row chunks of W (the unit of the partial sums); at most this many
 * threads work on a step. */
#define KCHUNKS 8
/* Rows of W whose optimizer update follows their gradient as one piece. */
#define UPDATE_ROWS 16

/* The small path needs p >= 16 (one 16-float window per row of W). */
int mg_train_small_ok(int64_t B, int64_t p) { return B >= 1 && B <= MG_SMALL_B && p >= 16; }

/* Scratch: KCHUNKS partials (B x p) of H and as many of dH (apart, so that
 * no thread writes the second while another still reads the first),
 * KCHUNKS x B row losses (double), and H, dH copies for threads 1 ..
 * KCHUNKS-1. */
size_t mg_train_small_ws_floats(int64_t B, int64_t p) {
    const size_t bp = (size_t)B * (size_t)p;
    return mg_round16(2 * KCHUNKS * bp) + mg_round16(2 * KCHUNKS * (size_t)B) + (KCHUNKS - 1) * mg_round16(2 * bp);
}

/* Rows of W in chunk c: [lo, hi), cut at multiples of 16 (the dot kernel's
 * block) by the shape alone; only the last chunk may end in a partial block. */
static void chunk_rows(int64_t d, int64_t c, int64_t *lo, int64_t *hi) {
    const int64_t nblk = (d + 15) / 16;
    *lo = 16 * (nblk * c / KCHUNKS);
    *hi = 16 * (nblk * (c + 1) / KCHUNKS);
    if (*hi > d) *hi = d;
    if (*lo > d) *lo = d;
}

/* Everything a thread of the step needs. */
typedef struct {
    int64_t B, d, p, ldx, ld0;
    float *Xn;                /* B x d (ldx), written in phase 0 when noise is set */
    const float *X0, *W1, *W2, *b1, *b2;
    float *H, *dH, *R;        /* H, dH: thread 0's copies (the workspace's) */
    float *hpart, *dpart;     /* KCHUNKS x B x p partials of H and of dH */
    float *copies;            /* H, dH of threads 1.. */
    double *lpart;            /* KCHUNKS x B row losses */
    float *grad, *gb2;        /* gradient (layout of mg_dae_params), its b2 part or NULL */
    float s, c1;              /* residual scale 2c/B, penalty factor 2 lambda (tied: 4 lambda) */
    int tied;
    const mg_train_fused *ex;
    double D;                 /* the data loss, set by thread 0 */
} small_ctx;

/* ---- kernels (fused multiply-adds) --------------------------------------------------- */

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")
#endif

/* 16 floats as one GCC/Clang vector (AVX-512: one register; AVX2: two), and
 * 8 doubles. */
typedef float v16f __attribute__((vector_size(64)));
typedef double v8d __attribute__((vector_size(64)));

/* Unaligned load / store of 16 floats. Vectors pass through macros or by
 * pointer throughout: a vector-typed argument or return value would change
 * the ABI when the target lacks AVX-512. */
#define LD16(v, src) memcpy(&(v), (src), sizeof(v16f))
#define ST16(dst, v) memcpy((dst), &(v), sizeof(v16f))
#define INLINE static inline __attribute__((always_inline))

/* Column windows of a row of p >= 16 floats: window v starts at 16 v, the
 * last at p - 16 (overlapping the one before when p is not a multiple of 16:
 * products over it recompute the shared columns with the same operations,
 * so writing them twice writes the same bits). */
INLINE int64_t win(int64_t v, int64_t p) { return 16 * v < p - 16 ? 16 * v : p - 16; }

/* out[r][:] = sum_{k in [lo, hi)} A[r][k] W[k][:] for RB rows r, on windows
 * v0 .. v0+VB-1: RB x VB accumulators in registers, k in order. */
INLINE void axw_block(const float *A, int64_t lda, const float *W, int64_t p, int64_t lo, int64_t hi, float *out,
                      int64_t v0, const int RB, const int VB) {
    int64_t j[4];
    for (int v = 0; v < VB; v++) j[v] = win(v0 + v, p);
    v16f acc[6][4];
    for (int r = 0; r < RB; r++)
        for (int v = 0; v < VB; v++) acc[r][v] = (v16f){0};
    for (int64_t k = lo; k < hi; k++) {
        v16f w[4];
        for (int v = 0; v < VB; v++) LD16(w[v], W + k * p + j[v]);
        for (int r = 0; r < RB; r++) {
            const float a = A[r * lda + k];
            for (int v = 0; v < VB; v++) acc[r][v] += a * w[v];
        }
    }
    for (int r = 0; r < RB; r++)
        for (int v = 0; v < VB; v++) ST16(out + r * p + j[v], acc[r][v]);
}

/* out (B x p) = A[:, lo..hi) W[lo..hi) for B <= MG_SMALL_B rows of A (ld
 * lda): blocks of at most 6 rows x 4 windows. */
static void rows_times_w(const float *A, int64_t lda, int64_t B, const float *W, int64_t p, int64_t lo, int64_t hi,
                         float *out) {
    const int64_t nv = (p + 15) / 16, nrb = (B + 5) / 6;
    for (int64_t rb = 0; rb < nrb; rb++) {
        const int64_t i0 = B * rb / nrb, R = B * (rb + 1) / nrb - i0;
        const float *a = A + i0 * lda;
        float *o = out + i0 * p;
        for (int64_t v0 = 0; v0 < nv; v0 += 4) {
            const int64_t V = nv - v0 < 4 ? nv - v0 : 4;
#define AXW(RB_, VB_) \
    case (RB_ - 1) * 4 + VB_ - 1: axw_block(a, lda, W, p, lo, hi, o, v0, RB_, VB_); break;
#define AXW_R(RB_) AXW(RB_, 1) AXW(RB_, 2) AXW(RB_, 3) AXW(RB_, 4)
            switch ((R - 1) * 4 + V - 1) {
                AXW_R(1) AXW_R(2) AXW_R(3) AXW_R(4) AXW_R(5) AXW_R(6)
            default: break;
            }
#undef AXW_R
#undef AXW
        }
    }
}

/* (*r)[l] = sum of the 16 lanes of a[l], l < 16, by a fixed pairwise tree
 * (halves, then quarters, ... of pairs of vectors): 30 shuffles, 15 adds. */
INLINE void reduce16(const v16f a[16], v16f *r) {
    v16f x[8], y[4], z[2];
    for (int m = 0; m < 8; m++)
        x[m] = __builtin_shufflevector(a[2 * m], a[2 * m + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
               __builtin_shufflevector(a[2 * m], a[2 * m + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29,
                                       30, 31);
    for (int m = 0; m < 4; m++)
        y[m] = __builtin_shufflevector(x[2 * m], x[2 * m + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26,
                                       27) +
               __builtin_shufflevector(x[2 * m], x[2 * m + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30,
                                       31);
    for (int m = 0; m < 2; m++)
        z[m] = __builtin_shufflevector(y[2 * m], y[2 * m + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28,
                                       29) +
               __builtin_shufflevector(y[2 * m], y[2 * m + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30,
                                       31);
    *r = __builtin_shufflevector(z[0], z[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
         __builtin_shufflevector(z[0], z[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

/* Lane mask of the last window of a row of p floats: 1 on the columns the
 * windows before it do not cover. */
static void tail_mask(int64_t p, v16f *m) {
    const int64_t nv = (p + 15) / 16, first = 16 * nv - p; /* lanes below `first` are covered already */
    for (int l = 0; l < 16; l++) (*m)[l] = l >= first ? 1.0f : 0.0f;
}

/* Keeps a loaded vector in a register: without it GCC folds the load into
 * every multiply-add that uses it, which costs a load per multiply-add. */
#if defined(__AVX512F__)
#define PIN(v) __asm__("" : "+v"(v))
#else
#define PIN(v) ((void)0)
#endif

/* Y[i0 + r][k0 + t] = H[i0 + r] . W[k0 + t] for RB (1 or 2) rows r and t < 8
 * as one vector (lane 8 r + t): 8 RB accumulators over the windows, the
 * last window's H lanes masked, reduced by reduce16. */
INLINE void dots8(const float *H, int64_t i0, const float *W, int64_t p, int64_t k0, const v16f *mask, v16f *y,
                  const int RB) {
    const int64_t nv = (p + 15) / 16;
    const float *w[8], *h0 = H + i0 * p, *h1 = RB > 1 ? h0 + p : h0;
    for (int t = 0; t < 8; t++) w[t] = W + (k0 + t) * p;
    v16f acc[16];
    for (int t = 0; t < 16; t++) acc[t] = (v16f){0};
    for (int64_t v = 0; v < nv; v++) {
        const int64_t j = win(v, p);
        v16f x0, x1 = {0};
        LD16(x0, h0 + j);
        if (RB > 1) LD16(x1, h1 + j);
        if (v == nv - 1) {
            x0 *= *mask;
            x1 *= *mask;
        }
        PIN(x0);
        PIN(x1);
        for (int t = 0; t < 8; t++) {
            v16f wv;
            LD16(wv, w[t] + j);
            acc[t] += x0 * wv;
            if (RB > 1) acc[8 + t] += x1 * wv;
        }
    }
    reduce16(acc, y);
}

/* h . w for one row of W (the partial block at the end of W). */
static float dot1(const float *h, const float *w, int64_t p, const v16f *mask) {
    const int64_t nv = (p + 15) / 16;
    v16f acc = {0};
    for (int64_t v = 0; v < nv; v++) {
        const int64_t j = win(v, p);
        v16f hv, wv;
        LD16(hv, h + j);
        LD16(wv, w + j);
        if (v == nv - 1) hv *= *mask;
        acc += hv * wv;
    }
    v16f a[16] = {acc}, r;
    reduce16(a, &r);
    return r[0];
}

/* 8 floats: half of a dots8 result. */
typedef float v8f __attribute__((vector_size(32)));

/* r = (y + b2 - x) for 8 columns: adds r^2 (in double) to *lacc and
 * stores s r. */
INLINE void resid8(const v8f *yp, const v8f *b2v, const float *x, float s, float *out, v8d *lacc) {
    v8f xv, y;
    memcpy(&xv, x, sizeof xv);
    y = (*yp + *b2v) - xv;
    const v8d rd = __builtin_convertvector(y, v8d);
    *lacc += rd * rd;
    y *= s;
    memcpy(out, &y, sizeof y);
}

/* Phase 2 on chunk ch (rows lo..hi of W2): R[i][k] = s (H[i] . W2[k] + b2[k]
 * - X0[i][k]) with the chunk's row losses (of the unscaled residual, in
 * double), then part_ch = R[:, lo..hi) W2[lo..hi). Rows of W2 in blocks of
 * 8, rows of H in pairs (see dots8). */
static void decode_chunk(const small_ctx *c, const float *H, int64_t ch) {
    const int64_t B = c->B, d = c->d, p = c->p, ld0 = c->ld0, nrb = (B + 1) / 2;
    const float *W2 = c->W2, *X0 = c->X0, *b2 = c->b2, s = c->s;
    float *R = c->R;
    int64_t lo, hi;
    chunk_rows(d, ch, &lo, &hi);
    v16f mask;
    tail_mask(p, &mask);
    v8d lacc[MG_SMALL_B];
    double ltail[MG_SMALL_B];
    for (int64_t i = 0; i < B; i++) {
        lacc[i] = (v8d){0};
        ltail[i] = 0.0;
    }
    int64_t k0 = lo;
    for (; k0 + 8 <= hi; k0 += 8) {
        v8f b2v = {0};
        if (b2) memcpy(&b2v, b2 + k0, sizeof b2v);
        for (int64_t rb = 0; rb < nrb; rb++) {
            const int64_t i0 = 2 * rb, nr = i0 + 1 < B ? 2 : 1;
            v16f y;
            if (nr == 2) dots8(H, i0, W2, p, k0, &mask, &y, 2);
            else dots8(H, i0, W2, p, k0, &mask, &y, 1);
            const v8f y0 = __builtin_shufflevector(y, y, 0, 1, 2, 3, 4, 5, 6, 7),
                      y1 = __builtin_shufflevector(y, y, 8, 9, 10, 11, 12, 13, 14, 15);
            resid8(&y0, &b2v, X0 + i0 * ld0 + k0, s, R + i0 * d + k0, &lacc[i0]);
            if (nr == 2) resid8(&y1, &b2v, X0 + (i0 + 1) * ld0 + k0, s, R + (i0 + 1) * d + k0, &lacc[i0 + 1]);
        }
    }
    for (int64_t k = k0; k < hi; k++) /* the partial block at the end of W */
        for (int64_t i = 0; i < B; i++) {
            float r = (dot1(H + i * p, W2 + k * p, p, &mask) + (b2 ? b2[k] : 0.0f)) - X0[i * ld0 + k];
            ltail[i] += (double)r * (double)r;
            R[i * d + k] = r * s;
        }
    for (int64_t i = 0; i < B; i++) {
        const v8d l = lacc[i];
        c->lpart[ch * B + i] = (((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))) + ltail[i];
    }
    rows_times_w(R, d, B, W2, p, lo, hi, c->dpart + ch * B * p);
}

/* out[t][:] = sum_i A[i][k0+t] M[i][:] (+ sum_i A2[i][k0+t] M2[i][:])
 * (+ c1 W[k0+t][:]) for KB rows t, on NW windows starting at column jb (the
 * last one at jb + lastoff): KB x NW accumulators, i in order, the first sum
 * before the second. */
INLINE void grad_block(const float *A, int64_t lda, const float *M, const float *A2, int64_t lda2, const float *M2,
                       int64_t B, const float *W, float c1, int64_t p, int64_t k0, float *out, int64_t jb,
                       int64_t lastoff, const int KB, const int NW) {
    v16f acc[4][4];
    for (int t = 0; t < KB; t++)
        for (int v = 0; v < NW; v++) acc[t][v] = (v16f){0};
    for (int pass = 0; pass < 2; pass++) {
        const float *a = (pass ? A2 : A) + k0, *m = (pass ? M2 : M) + jb;
        const int64_t ld = pass ? lda2 : lda;
        if (pass && !A2) break;
        for (int64_t i = 0; i < B; i++, a += ld, m += p) {
            v16f mv[4];
            for (int v = 0; v < NW; v++) {
                LD16(mv[v], m + (v < NW - 1 ? 16 * v : lastoff));
                PIN(mv[v]);
            }
            for (int t = 0; t < KB; t++) {
                const float s = a[t];
                for (int v = 0; v < NW; v++) acc[t][v] += s * mv[v];
            }
        }
    }
    for (int t = 0; t < KB; t++) {
        const float *w = W + (k0 + t) * p + jb;
        float *o = out + (k0 + t) * p + jb;
        for (int v = 0; v < NW; v++) {
            const int64_t off = v < NW - 1 ? 16 * v : lastoff;
            if (c1 != 0.0f) {
                v16f wv;
                LD16(wv, w + off);
                acc[t][v] += c1 * wv;
            }
            ST16(o + off, acc[t][v]);
        }
    }
}

/* Rows k0..k1 of one weight gradient (see grad_block): blocks of at most 4
 * rows x 4 windows, the windows of a row split evenly into blocks. */
static void grad_rows(const float *A, int64_t lda, const float *M, const float *A2, int64_t lda2, const float *M2,
                      int64_t B, const float *W, float c1, int64_t p, int64_t k0, int64_t k1, float *out) {
    const int64_t nv = (p + 15) / 16, nwb = (nv + 3) / 4;
    for (int64_t k = k0; k < k1; k += 4) {
        const int64_t K = k1 - k < 4 ? k1 - k : 4;
        for (int64_t wb = 0; wb < nwb; wb++) {
            const int64_t v0 = nv * wb / nwb, V = nv * (wb + 1) / nwb - v0, jb = 16 * v0;
            const int64_t lastoff = win(v0 + V - 1, p) - jb;
#define GB(KB_, NW_)                                                                                            \
    case (KB_ - 1) * 4 + NW_ - 1:                                                                               \
        grad_block(A, lda, M, A2, lda2, M2, B, W, c1, p, k, out, jb, lastoff, KB_, NW_);                         \
        break;
#define GB_K(KB_) GB(KB_, 1) GB(KB_, 2) GB(KB_, 3) GB(KB_, 4)
            switch ((K - 1) * 4 + V - 1) {
                GB_K(1) GB_K(2) GB_K(3) GB_K(4)
            default: break;
            }
#undef GB_K
#undef GB
        }
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* ---- the step ------------------------------------------------------------------------ */

/* out (B x p) = the KCHUNKS partials added in chunk order. */
static void sum_parts(const float *part, int64_t B, int64_t p, float *out) {
    const int64_t n = B * p;
    memcpy(out, part, (size_t)n * sizeof(float));
    for (int64_t ch = 1; ch < KCHUNKS; ch++)
        for (int64_t i = 0; i < n; i++) out[i] += part[ch * n + i];
}

/* Waits for the other threads of the step (none when it runs alone: an
 * orphaned barrier would bind to an enclosing region of the caller). */
static void step_barrier(int nt) {
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp barrier
    }
#else
    (void)nt;
#endif
}

/* The step as run by thread tid of nt: its chunks, its rows of W. */
static void small_thread(small_ctx *c, int tid, int nt) {
    const int64_t B = c->B, d = c->d, p = c->p, bp = B * p, dp = d * p;
    const int64_t ch0 = KCHUNKS * tid / nt, ch1 = KCHUNKS * (tid + 1) / nt;
    const mg_train_fused *ex = c->ex;
    int64_t klo, khi, lo, hi;
    chunk_rows(d, ch0, &klo, &hi);
    chunk_rows(d, ch1 - 1, &lo, &khi);
    float *H = tid ? c->copies + (size_t)(tid - 1) * mg_round16(2 * (size_t)bp) : c->H, *dH = tid ? H + bp : c->dH;
    /* 0: this thread's columns of Xn */
    if (ex && ex->noise && khi > klo)
        for (int64_t i = 0; i < B; i++)
            mg_rng_add_noise_at(ex->noise, (size_t)(i * d + klo), c->X0 + i * c->ld0 + klo, ex->sigma,
                                c->Xn + i * c->ldx + klo, (size_t)(khi - klo));
    /* 1: encoder partials */
    for (int64_t ch = ch0; ch < ch1; ch++) {
        chunk_rows(d, ch, &lo, &hi);
        rows_times_w(c->Xn, c->ldx, B, c->W1, p, lo, hi, c->hpart + ch * bp);
    }
    step_barrier(nt);
    sum_parts(c->hpart, B, p, H);
    for (int64_t i = 0; i < B; i++)
        for (int64_t j = 0; j < p; j++) {
            const float h = H[i * p + j] + (c->b1 ? c->b1[j] : 0.0f);
            H[i * p + j] = h > 0.0f ? h : 0.0f;
        }
    /* 2: residuals, row losses, dH partials */
    for (int64_t ch = ch0; ch < ch1; ch++) decode_chunk(c, H, ch);
    step_barrier(nt);
    sum_parts(c->dpart, B, p, dH);
    for (int64_t i = 0; i < bp; i++)
        if (!(H[i] > 0.0f)) dH[i] = 0.0f;
    double D = 0.0;
    for (int64_t i = 0; i < B; i++) {
        double li = 0.0;
        for (int64_t ch = 0; ch < KCHUNKS; ch++) li += c->lpart[ch * B + i];
        D += li;
    }
    D /= (double)B;
    if (tid == 0) c->D = D;
    const int update = ex && ex->opt && isfinite(D);
    if (ex && ex->opt && !update) return; /* a non-finite loss leaves the parameters alone */
    /* 3: gradient rows (+ b2), each piece updated right away */
    float *gW1 = c->grad, *gW2 = c->tied ? c->grad : c->grad + dp;
    for (int64_t k0 = klo; k0 < khi; k0 += UPDATE_ROWS) {
        const int64_t k1 = khi - k0 < UPDATE_ROWS ? khi : k0 + UPDATE_ROWS;
        if (c->tied) {
            grad_rows(c->R, d, H, c->Xn, c->ldx, dH, B, c->W1, c->c1, p, k0, k1, gW1);
        } else {
            grad_rows(c->R, d, H, NULL, 0, NULL, B, c->W2, c->c1, p, k0, k1, gW2);
            grad_rows(c->Xn, c->ldx, dH, NULL, 0, NULL, B, c->W1, c->c1, p, k0, k1, gW1);
        }
        if (c->gb2)
            for (int64_t k = k0; k < k1; k++) {
                float acc = 0.0f;
                for (int64_t i = 0; i < B; i++) acc += c->R[i * d + k];
                c->gb2[k] = acc;
            }
        if (update) {
            mg_optim_apply(ex->opt, ex->param, c->grad, k0 * p, k1 * p);
            if (!c->tied) mg_optim_apply(ex->opt, ex->param, c->grad, dp + k0 * p, dp + k1 * p);
        }
    }
}

/* The small-batch loss, gradient and (ex) fused noise and update. */
double mg_train_small(const mg_dae *m, mg_mat Xn, mg_mat X0, double data_scale, double lambda, float *grad,
                      float *ws, const mg_train_fused *ex) {
    const int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), B = Xn.rows;
    const int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const int64_t bp = B * p, dp = d * p, wcount = dp * (tied ? 1 : 2);
    mg_train_ws_parts w = mg_train_ws_split(ws, B, d, p);
    float *gb1 = bias ? grad + wcount : NULL;
    small_ctx c = {B, d, p, Xn.ld, X0.ld, Xn.data, X0.data, mg_dae_w1_const(m), mg_dae_w2_const(m),
                   mg_dae_b1_const(m), mg_dae_b2_const(m), w.H, w.dH, w.R, w.small, w.small + KCHUNKS * bp,
                   w.small + mg_round16(2 * KCHUNKS * (size_t)bp) + mg_round16(2 * KCHUNKS * (size_t)B),
                   (double *)(void *)(w.small + mg_round16(2 * KCHUNKS * (size_t)bp)), grad, bias ? gb1 + p : NULL,
                   (float)(2.0 * data_scale / (double)B), (float)((tied ? 4.0 : 2.0) * lambda), tied, ex, NAN};
    if (ex && ex->opt) mg_optim_begin(ex->opt);
    mg_train_sched *sc = ex ? ex->sched : NULL;
    const int nt = mg_train_step_threads(B * dp, KCHUNKS, &sc);
    const double t0 = sc ? mg_now() : 0.0;
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        small_thread(&c, omp_get_thread_num(), omp_get_num_threads()); /* the runtime may give fewer */
    } else
#endif
    {
        small_thread(&c, 0, 1);
    }
    if (sc) mg_train_sched_record(sc, mg_now() - t0);
    mg_train_fused_finish(m, c.dH, B, c.D, grad, ex);
    return c.D;
}
