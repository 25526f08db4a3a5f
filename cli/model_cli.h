/*
 * The model files the analysis commands (repr, detect, jacobian, steer,
 * sample) accept: a DAE, a DAE set, or the authors' time-conditioned model
 * (tcdae.h). A time-conditioned model is analysed as the DAE set of its
 * levels at the noise levels the command needs (mg_tcdae_to_daeset: exact,
 * the representation gated by default, --representation ungated for the
 * authors' rep()), so every command keeps one code path.
 */
#ifndef MEMGEN_MODEL_CLI_H
#define MEMGEN_MODEL_CLI_H

#include "cli.h"
#include "memgen/daeset.h"
#include "memgen/tcdae.h"

/* A loaded model file. */
typedef struct {
    mg_daeset set; /* the DAE (set) of the file, or the time-conditioned model's levels (mc_levels) */
    mg_tcdae *tc;  /* the time-conditioned model, or NULL for a DAE (set) file */
    mg_tc_rep rep; /* --representation (time-conditioned models only) */
} mc_model;

#define MC_MODEL_INIT {{0, NULL, NULL, NULL}, NULL, MG_TC_GATED}

/* cli_opt_fn parser of --representation (dest: mg_tc_rep *) and its entry. */
int mc_parse_rep(const char *cmd, const char *arg, void *dest);
#define MC_OPTION(m) CLI_OPT_FN("representation", mc_parse_rep, &(m)->rep)

/* The --help line of --representation. */
#define MC_HELP                                                                                        \
    "  --representation R  time-conditioned model: gated (relu(W x) * g(sigma), the default) or\n"   \
    "                      ungated (relu(W x), the authors' rep())\n"

/* Loads a DAE, DAE set or time-conditioned model file. */
mg_status mc_load(const char *path, mc_model *m);

/* A time-conditioned model's levels at sigmas[0..n) (any order, repeats
 * allowed; a sigma <= 0 means the lowest level of the model's training
 * range, 0.02 when unknown) into m->set, replacing earlier ones; nothing for
 * a DAE (set) file. */
mg_status mc_levels(mc_model *m, const double *sigmas, int n);

/* The lowest training sigma of a time-conditioned model (0.02 when unknown)
 * and the highest (2 when unknown). */
void mc_range(const mc_model *m, double *lo, double *hi);

/* Frees what mc_load / mc_levels allocated. */
void mc_free(mc_model *m);

#endif /* MEMGEN_MODEL_CLI_H */
