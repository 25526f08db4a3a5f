/*
 * Fashion-MNIST from the Debian package dataset-fashion-mnist: train or test
 * split, class filter, first-n or seeded random-n selection, with labels and
 * the indices of the selected images in the original files.
 *
 * Randomness: every function takes an mg_rng and derives its sub-streams with
 * mg_rng_fork(rng, id) for the fixed purpose ids below; none advances the
 * caller's rng (see memgen/data.h).
 */
#ifndef MEMGEN_FMNIST_H
#define MEMGEN_FMNIST_H

#include "memgen/core.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mg_rng_fork purpose id used here. */
enum {
    MG_FORK_SUBSET = 0x5301 /* random subsets (Fashion-MNIST n) */
};

#define MG_FMNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct {
    const char *dir;     /* folder of the four .gz files; NULL = MG_FMNIST_DIR */
    int train;           /* 1: train (60000), 0: test (t10k, 10000) */
    uint32_t class_mask; /* bit k keeps class k (0..9); 0 = all classes */
    int64_t n;           /* how many to keep after the class filter; 0 = all */
    int random;          /* 0: the first n; 1: a seeded random subset of n (kept in file order) */
} mg_fmnist_opts;

/* Loads the selected Fashion-MNIST images as uint8 (n, 28, 28, 1) with their
 * labels (n int64, 0..9) and their indices in the file (n int64); caller frees
 * all three (labels/index via free). The random subset uses fork
 * MG_FORK_SUBSET. A missing folder or file gives MG_ERR_NOT_FOUND saying to
 * install the Debian package dataset-fashion-mnist. */
MG_API mg_status mg_fmnist_load(const mg_fmnist_opts *o, const mg_rng *rng, mg_array *images, int64_t **labels,
                         int64_t **index);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_FMNIST_H */
