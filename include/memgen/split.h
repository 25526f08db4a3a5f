/*
 * Seeded train/test splits of a dataset's rows.
 *
 * Randomness: every function takes an mg_rng and derives its sub-streams with
 * mg_rng_fork(rng, id) for the fixed purpose ids below; none advances the
 * caller's rng (see memgen/data.h).
 */
#ifndef MEMGEN_SPLIT_H
#define MEMGEN_SPLIT_H

#include "memgen/core.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mg_rng_fork purpose id used here. */
enum {
    MG_FORK_SPLIT = 0x5302 /* train/test split */
};

/* Marks n_test = round(n * test_fraction) rows as test (is_test[i] = 1), chosen
 * uniformly at random (fork MG_FORK_SPLIT), the rest train (0). Requires
 * 0 <= test_fraction <= 1. is_test: n entries, caller-allocated. */
MG_API mg_status mg_data_split(int64_t n, double test_fraction, const mg_rng *rng, uint8_t *is_test, int64_t *n_test);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_SPLIT_H */
