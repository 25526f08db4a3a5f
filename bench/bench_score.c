/*
 * Benchmark of Algorithm 1 on in-memory activations, the native-C side of
 * issue 13's overhead bound: mg_features_reduce (layout, global max pooling)
 * then mg_spikiness_rows (std) on n = 10^5 rows, best of R calls:
 *   nf   float32 n x 64 (pooled features of the width the real UNet's detector
 *        scores, tests/fixtures/real_model/acts.npy);
 *   nchw float16 n x 16 x 2 x 2 (a half-precision feature map, max-pooled).
 * The sizes keep every buffer the library allocates per call under glibc's
 * largest mmap threshold (32 MiB), so the times measure the work rather than
 * page faults of fresh mappings, which vary by tens of percent between runs.
 * The input is copied into memory advised for transparent huge pages, as
 * NumPy backs its large arrays, so that both sides read it from the same kind
 * of memory (with 4 KiB pages the C side was up to 2x slower, which would
 * flatter Python). bench/bench_python.py times memgen.score_activations on the
 * same arrays (passing them here as .npy files) and compares.
 *
 * usage: bench_score [--repeats R] [A.npy LAYOUT ...]   (default: the two
 * cases above, generated from seed 0; R = 20). One line per case:
 *   NAME best MS ms of R (NS ns/row)
 */
#define _DEFAULT_SOURCE /* madvise */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "memgen/detect.h"
#include "memgen/npy.h"
#include "memgen/rng.h"

/* float -> IEEE half, rounding to nearest even; values below the normal half
 * range flush to zero (enough for benchmark data; no _Float16 needed). */
static uint16_t half_of(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    int32_t e = (int32_t)((x >> 23) & 0xffu) - 127 + 15;
    if (e <= 0) return sign;
    if (e >= 31) return (uint16_t)(sign | 0x7c00u);
    uint32_t m = x & 0x7fffffu, h = ((uint32_t)e << 10) | (m >> 13), rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

/* relu(N(0, 1)) activations of the given shape, as float32 or float16. */
static mg_status make_acts(mg_dtype dt, int ndim, const int64_t *shape, mg_array *out) {
    MG_TRY(mg_array_alloc(out, dt, ndim, shape));
    size_t n = (size_t)mg_array_numel(out), chunk = (size_t)1 << 20;
    float *z = malloc(chunk * sizeof(float));
    if (!z) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_rng r;
    mg_rng_init(&r, 0);
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t m = n - i0 < chunk ? n - i0 : chunk;
        mg_rng_normal(&r, z, m);
        for (size_t i = 0; i < m; i++) {
            float v = z[i] > 0 ? z[i] : 0;
            if (dt == MG_F16) ((uint16_t *)out->data)[i0 + i] = half_of(v);
            else ((float *)out->data)[i0 + i] = v;
        }
    }
    free(z);
    return MG_OK;
}

/* Moves a's data into 2 MiB-aligned memory advised for huge pages (NumPy's
 * hugepage_setup does the same for arrays of 4 MiB and more). */
static mg_status huge_backing(mg_array *a) {
    size_t nb = mg_array_nbytes(a), al = (size_t)1 << 21, sz = (nb + al - 1) / al * al;
    void *p = NULL;
    if (posix_memalign(&p, al, sz)) return mg_fail(MG_ERR_NOMEM, "out of memory");
#ifdef MADV_HUGEPAGE
    madvise(p, sz, MADV_HUGEPAGE);
#endif
    memcpy(p, a->data, nb);
    free(a->data);
    a->data = p;
    return MG_OK;
}

/* Best time of `reps` calls of reduce + std scores; 0 on success. */
static int time_case(const char *name, const mg_array *a, const char *layout, int reps) {
    mg_feat_layout lay;
    if (mg_feat_layout_parse(layout, &lay) != MG_OK) {
        fprintf(stderr, "bench_score: %s\n", mg_last_error());
        return 1;
    }
    int64_t n = a->shape[0];
    double *scores = malloc((size_t)n * sizeof(double)), best = 1e30;
    if (!scores) return 1;
    for (int k = 0; k < reps; k++) {
        double t0 = mg_now();
        mg_array H = {0};
        mg_status st = mg_features_reduce(a, lay, MG_POOL_MAX, &H);
        if (st == MG_OK) st = mg_spikiness_rows(mg_mat_of_array(&H), MG_SPIKE_STD, scores);
        mg_array_free(&H);
        double el = mg_now() - t0;
        if (st != MG_OK) {
            fprintf(stderr, "bench_score: %s: %s\n", name, mg_last_error());
            free(scores);
            return 1;
        }
        if (el < best) best = el;
    }
    printf("%-32s best %10.3f ms of %d (%7.1f ns/row)\n", name, 1e3 * best, reps, 1e9 * best / (double)n);
    free(scores);
    return 0;
}

int main(int argc, char **argv) {
    int reps = 20, i = 1, rc = 0;
    if (argc > 2 && !strcmp(argv[1], "--repeats")) {
        reps = atoi(argv[2]);
        i = 3;
    }
    if (reps < 1 || (argc - i) % 2) {
        fprintf(stderr, "usage: bench_score [--repeats R] [A.npy LAYOUT ...]\n");
        return 2;
    }
    if (i == argc) { /* the two default cases */
        const int64_t nf[2] = {100000, 64}, nchw[4] = {100000, 16, 2, 2};
        mg_array a = {0}, b = {0};
        if (make_acts(MG_F32, 2, nf, &a) != MG_OK || make_acts(MG_F16, 4, nchw, &b) != MG_OK ||
            huge_backing(&a) != MG_OK || huge_backing(&b) != MG_OK) {
            fprintf(stderr, "bench_score: %s\n", mg_last_error());
            return 1;
        }
        printf("Algorithm 1 on in-memory activations: mg_features_reduce + mg_spikiness_rows (std)\n");
        rc = time_case("nf_f32_100000x64", &a, "nf", reps) || time_case("nchw_f16_100000x16x2x2", &b, "nchw", reps);
        mg_array_free(&a);
        mg_array_free(&b);
        return rc;
    }
    for (; i < argc && !rc; i += 2) {
        mg_array a = {0};
        if (mg_npy_read(argv[i], &a) != MG_OK || huge_backing(&a) != MG_OK) {
            fprintf(stderr, "bench_score: %s\n", mg_last_error());
            return 1;
        }
        const char *base = strrchr(argv[i], '/');
        rc = time_case(base ? base + 1 : argv[i], &a, argv[i + 1], reps);
        mg_array_free(&a);
    }
    return rc;
}
