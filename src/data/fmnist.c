/*
 * Fashion-MNIST from the Debian package dataset-fashion-mnist (IDX .gz files
 * under /usr/share/datasets/fashion-mnist): train or test split, class
 * filter, first-n or seeded random-n selection, with labels and the indices
 * of the selected images in the original files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memgen/fmnist.h"
#include "memgen/idx.h"

/* Path buffer size for dir + file name. */
#define FM_PATH 4096

/* Builds "<dir>/<file>" and checks it is readable; a clear install hint if not. */
static mg_status fm_path(const char *dir, const char *file, char *out) {
    int len = snprintf(out, FM_PATH, "%s/%s", dir, file);
    if (len < 0 || len >= FM_PATH) return mg_fail(MG_ERR_ARG, "Fashion-MNIST folder path is too long");
    if (access(out, R_OK) != 0) {
        if (!strcmp(dir, MG_FMNIST_DIR))
            return mg_fail(MG_ERR_NOT_FOUND,
                           "Fashion-MNIST not found (%s is missing): install the Debian package "
                           "dataset-fashion-mnist (apt-get install dataset-fashion-mnist)",
                           out);
        return mg_fail(MG_ERR_NOT_FOUND,
                       "Fashion-MNIST not found (%s is missing): point to the folder holding "
                       "train-images-idx3-ubyte.gz etc., or install the Debian package dataset-fashion-mnist "
                       "(apt-get install dataset-fashion-mnist) and use its default folder %s",
                       out, MG_FMNIST_DIR);
    }
    return MG_OK;
}

/* Loads the selection described by *o (see mog.h). */
mg_status mg_fmnist_load(const mg_fmnist_opts *o, const mg_rng *rng, mg_array *images, int64_t **labels,
                         int64_t **index) {
    memset(images, 0, sizeof *images);
    *labels = NULL;
    *index = NULL;
    if (!o) return mg_fail(MG_ERR_ARG, "Fashion-MNIST: NULL options");
    if (o->n < 0) return mg_fail(MG_ERR_ARG, "Fashion-MNIST: n = %lld is negative", (long long)o->n);
    if (o->class_mask >> 10) return mg_fail(MG_ERR_ARG, "Fashion-MNIST: classes are 0..9");
    if (o->random && !rng) return mg_fail(MG_ERR_ARG, "Fashion-MNIST: a random subset needs an rng");
    const char *dir = o->dir ? o->dir : MG_FMNIST_DIR;
    const char *pre = o->train ? "train" : "t10k";
    char ip[FM_PATH], lp[FM_PATH], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte.gz", pre);
    MG_TRY(fm_path(dir, name, ip));
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte.gz", pre);
    MG_TRY(fm_path(dir, name, lp));

    mg_array X = {0}, Y = {0};
    int64_t *cand = NULL, *lab = NULL, *idx = NULL;
    mg_status st = mg_idx_read(ip, &X);
    if (st == MG_OK) st = mg_idx_read(lp, &Y);
    if (st != MG_OK) goto done;
    if (X.dtype != MG_U8 || X.ndim != 3 || X.shape[1] != 28 || X.shape[2] != 28) {
        st = mg_fail(MG_ERR_FORMAT, "%s: expected uint8 images of shape (N, 28, 28)", ip);
        goto done;
    }
    if (Y.dtype != MG_U8 || Y.ndim != 1 || Y.shape[0] != X.shape[0]) {
        st = mg_fail(MG_ERR_FORMAT, "%s: expected %lld uint8 labels to match %s", lp, (long long)X.shape[0], ip);
        goto done;
    }
    int64_t N = X.shape[0];
    const uint8_t *y = Y.data;
    cand = malloc((size_t)(N ? N : 1) * sizeof *cand); /* indices passing the class filter */
    if (!cand) {
        st = mg_fail(MG_ERR_NOMEM, "Fashion-MNIST: out of memory");
        goto done;
    }
    int64_t m = 0;
    for (int64_t i = 0; i < N; i++) {
        if (y[i] > 9) {
            st = mg_fail(MG_ERR_FORMAT, "%s: label %d at index %lld is not a class 0..9", lp, y[i], (long long)i);
            goto done;
        }
        if (!o->class_mask || (o->class_mask >> y[i]) & 1u) cand[m++] = i;
    }
    int64_t n = o->n ? o->n : m;
    if (n > m) {
        st = mg_fail(MG_ERR_ARG, "Fashion-MNIST %s: asked for %lld images but only %lld match the class filter", pre,
                     (long long)n, (long long)m);
        goto done;
    }
    if (n == 0) {
        st = mg_fail(MG_ERR_ARG, "Fashion-MNIST %s: no image matches the class filter", pre);
        goto done;
    }
    if (o->random && n < m) {
        /* Partial Fisher-Yates: the first n of a random permutation, then file order. */
        mg_rng r = mg_rng_fork(rng, MG_FORK_SUBSET);
        for (int64_t i = 0; i < n; i++) {
            int64_t j = i + (int64_t)mg_rng_below(&r, (uint64_t)(m - i));
            int64_t t = cand[i];
            cand[i] = cand[j];
            cand[j] = t;
        }
        /* Insertion-free sort of the chosen indices via a mark array. */
        uint8_t *mark = calloc((size_t)N, 1);
        if (!mark) {
            st = mg_fail(MG_ERR_NOMEM, "Fashion-MNIST: out of memory");
            goto done;
        }
        for (int64_t i = 0; i < n; i++) mark[cand[i]] = 1;
        int64_t k = 0;
        for (int64_t i = 0; i < N; i++)
            if (mark[i]) cand[k++] = i;
        free(mark);
    }
    int64_t shape[4] = {n, 28, 28, 1};
    st = mg_array_alloc(images, MG_U8, 4, shape);
    lab = malloc((size_t)n * sizeof *lab);
    idx = malloc((size_t)n * sizeof *idx);
    if (st == MG_OK && (!lab || !idx)) st = mg_fail(MG_ERR_NOMEM, "Fashion-MNIST: out of memory");
    if (st != MG_OK) goto done;
    for (int64_t i = 0; i < n; i++) {
        memcpy((uint8_t *)images->data + i * 784, (const uint8_t *)X.data + cand[i] * 784, 784);
        lab[i] = y[cand[i]];
        idx[i] = cand[i];
    }
    *labels = lab;
    *index = idx;
    lab = idx = NULL;

done:
    if (st != MG_OK) mg_array_free(images);
    mg_array_free(&X);
    mg_array_free(&Y);
    free(cand);
    free(lab);
    free(idx);
    return st;
}
