/*
 * What the audit benchmarks (bench_nn, bench_femp) share: sizes from the
 * environment, the OpenMP thread count, and the Fashion-MNIST training rows
 * they run on (random normal rows when the dataset is missing).
 */
#ifndef MEMGEN_BENCH_FMNIST_H
#define MEMGEN_BENCH_FMNIST_H

#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/fmnist.h"
#include "memgen/rng.h"

/* An integer from the environment, or def. */
static inline int64_t bench_env_int(const char *name, int64_t def) {
    const char *s = getenv(name);
    return s && *s ? strtoll(s, NULL, 10) : def;
}

/* The OpenMP threads memgen runs on. */
static inline int bench_threads(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* n x d training rows (malloc'd): the first n Fashion-MNIST training images
 * in [0, 1] when d = 784 and the dataset is there, else standard normal
 * rows; *what names which. */
static inline float *bench_training_rows(int64_t n, int64_t d, mg_rng *r, const char **what) {
    float *X = malloc((size_t)n * (size_t)d * sizeof(float));
    mg_fmnist_opts o = {.train = 1, .n = n};
    mg_array img = {0};
    int64_t *lab = NULL, *ix = NULL;
    if (X && n <= 60000 && d == 784 && mg_fmnist_load(&o, r, &img, &lab, &ix) == MG_OK) {
        const unsigned char *p = img.data;
        for (int64_t t = 0; t < n * d; t++) X[t] = (float)p[t] / 255.0f;
        *what = "Fashion-MNIST train";
    } else if (X) {
        mg_rng_normal(r, X, (size_t)(n * d));
        *what = "random normal";
    }
    mg_array_free(&img);
    free(lab), free(ix);
    return X;
}

#endif /* MEMGEN_BENCH_FMNIST_H */
