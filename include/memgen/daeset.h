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

/* How far beyond its end levels a model trained over noise levels lo .. hi
 * is asked to answer: sigma in [lo / MG_SIGMA_REACH, hi * MG_SIGMA_REACH].
 * A level picked by nearest for a sigma further out answers a question it
 * was not trained for (a set whose levels stop at 2 asked at sigma 100), so
 * every command that picks a level by sigma refuses it. */
#define MG_SIGMA_REACH 1.5

/* MG_OK when sigma = 0 (the clean input, where a caller allows it) or lo /
 * MG_SIGMA_REACH <= sigma <= hi * MG_SIGMA_REACH; else MG_ERR_ARG naming
 * `what`, sigma, the levels lo .. hi and the accepted range. */
MG_API mg_status mg_sigma_check_reach(double sigma, double lo, double hi, const char *what);

/* The level nearest sigma (mg_daeset_nearest) after mg_sigma_check_reach on
 * the set's lowest and highest levels; sigma = 0 gives the lowest level. */
MG_API mg_status mg_daeset_level(const mg_daeset *set, double sigma, const char *what, int *level);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DAESET_H */
