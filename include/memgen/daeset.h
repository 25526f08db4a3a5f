/*
 * A set of DAEs over noise levels: one model per sigma of a grid, the object
 * a diffusion sampler needs (paper App. B.1: "a set of DAEs with VE noise
 * scheduling over sigma in [0.02, 2]").
 *
 * File layout (.safetensors): each level's tensors under the prefix
 * "level<k>." (k = 0 .. count-1, ascending sigma), e.g. "level0.W1" (d, p);
 * metadata "memgen.kind" = "dae_set", "count", "sigmas" (comma-separated,
 * %.17g), plus the creator's keys. A plain single-DAE file loads as a set of
 * one level.
 */
#ifndef MEMGEN_DAESET_H
#define MEMGEN_DAESET_H

#include "memgen/dae.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int count;        /* number of levels */
    double *sigmas;   /* count, ascending */
    mg_dae **levels;  /* count models, owned; levels[k] is for sigmas[k] */
    mg_st *meta;      /* extra metadata (no tensors) saved with the set; owned */
} mg_daeset;

/* A set with the given (strictly ascending, positive) sigmas and empty
 * (NULL) levels, to be filled by the caller. Free with mg_daeset_free. */
MG_API mg_status mg_daeset_alloc(int count, const double *sigmas, mg_daeset *out);

/* Frees every level and the arrays; safe on a zeroed struct. */
MG_API void mg_daeset_free(mg_daeset *set);

/* Sets a free-form metadata key saved with the set. */
MG_API mg_status mg_daeset_set_meta(mg_daeset *set, const char *key, const char *value);

/* Checks that every level exists and all share d (and p). */
MG_API mg_status mg_daeset_validate(const mg_daeset *set);

/* Saves the set atomically. */
MG_API mg_status mg_daeset_save(const mg_daeset *set, const char *path);

/* Loads a set file, or a single-DAE file as a one-level set (its "sigma"
 * metadata must be present and positive). */
MG_API mg_status mg_daeset_load(const char *path, mg_daeset *out);

/* Index of the level nearest to sigma in log sigma (ties to the lower). */
MG_API int mg_daeset_nearest(const mg_daeset *set, double sigma);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DAESET_H */
