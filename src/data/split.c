/*
 * Seeded train/test splits (split.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/split.h"

/* Marks a uniformly random round(n * f) rows as test (split.h). */
mg_status mg_data_split(int64_t n, double test_fraction, const mg_rng *rng, uint8_t *is_test, int64_t *n_test) {
    if (n < 1 || !rng || !is_test) return mg_fail(MG_ERR_ARG, "split: empty data or NULL argument");
    if (!(test_fraction >= 0) || !(test_fraction <= 1))
        return mg_fail(MG_ERR_ARG, "split: test fraction %g must be in [0, 1]", test_fraction);
    int64_t nt = (int64_t)floor((double)n * test_fraction + 0.5);
    if (nt > n) nt = n;
    int64_t *perm = malloc((size_t)n * sizeof *perm);
    if (!perm) return mg_fail(MG_ERR_NOMEM, "split: out of memory for %lld rows", (long long)n);
    mg_rng r = mg_rng_fork(rng, MG_FORK_SPLIT);
    mg_rng_permutation(&r, perm, n);
    memset(is_test, 0, (size_t)n);
    for (int64_t i = 0; i < nt; i++) is_test[perm[i]] = 1;
    free(perm);
    if (n_test) *n_test = nt;
    return MG_OK;
}
