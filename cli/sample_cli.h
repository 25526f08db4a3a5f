/*
 * Pieces shared by `memgen sample` and `memgen steer`: the sampling options
 * (--sigmas, --levels, --sampler, --level, --clamp) and the PNG grid options
 * (--image, --range), resolving them, the noise grid, and sampler progress on a CLI
 * progress bar.
 */
#ifndef MEMGEN_SAMPLE_CLI_H
#define MEMGEN_SAMPLE_CLI_H

#include <math.h>

#include "cli.h"
#include "memgen/png.h"
#include "memgen/sampler.h"

/* The shared options as given, and (after sc_resolve) their parsed values. */
typedef struct {
    const char *sigmas, *sampler, *level, *image, *range, *clamp;
    int64_t steps;          /* noise levels visited; 0: the command's default */
    mg_sampler_kind kind;   /* resolved --sampler */
    mg_level_mode mode;     /* resolved --level */
    float vmin, vmax;       /* resolved --range */
    double clamp_lo, clamp_hi; /* resolved --clamp (NaN: none) */
} sc_opts;

#define SC_OPTS_DEFAULT                                                                                        \
    {NULL, "ddim", "nearest", NULL, "-1:1", NULL, 0, MG_SAMPLER_DDIM, MG_LEVEL_NEAREST, -1.0f, 1.0f, NAN, NAN}

/* Their cli_opt entries, stored into the sc_opts *o. */
#define SC_OPTIONS(o)                                                                                      \
    CLI_OPT_STR("sigmas", &(o)->sigmas), CLI_OPT_INT("levels", &(o)->steps), CLI_OPT_STR("sampler", &(o)->sampler), \
        CLI_OPT_STR("level", &(o)->level), CLI_OPT_STR("image", &(o)->image), CLI_OPT_STR("range", &(o)->range), \
        CLI_OPT_STR("clamp", &(o)->clamp)

/* The --help lines of --sampler and --clamp. */
#define SC_HELP_SAMPLER                                                                                       \
    "  --sampler NAME     ddim | ancestral | euler | heun (default ddim); ancestral is the authors'\n"     \
    "                     stochastic VE sampler (also called authors; their run: --sampler authors\n"    \
    "                     --levels 60 --sigma-min 0.02 --sigma-max 2 --clamp -1:1)\n"                     \
    "  --clamp LO:HI      clamp x to [LO, HI] after every step, for every sampler (default: none;\n"     \
    "                     the authors clamp to -1:1)\n"

/* Checks --levels and parses --sampler, --level, --range and --clamp; CLI_OK, or
 * CLI_USAGE after a message naming cmd. */
int sc_resolve(const char *cmd, sc_opts *o);

/* The noise grid (*sig, caller frees, K ascending levels): --sigmas if given;
 * else `levels` (a set's own nlevels levels) when they exist and --levels is 0;
 * else --levels (or default_steps when 0) levels geometric from lo to hi.
 * With a set's levels, every sigma of the grid must be within their reach
 * (mg_sigma_check_reach: MG_ERR_ARG otherwise). */
mg_status sc_sigma_grid(const sc_opts *o, const double *levels, int nlevels, int64_t default_steps, double lo,
                        double hi, double **sig, int *K);

/* A PNG grid of samples of dimension d: shape from --image, or a square of
 * gray pixels when d is a square; value range from --range. */
mg_status sc_grid(const sc_opts *o, int64_t d, mg_png_grid *g);

/* Where sampler progress goes: a progress bar, offset by base units already done. */
typedef struct {
    cli_progress *bar;
    int64_t base;
} sc_progress;

/* Sampler parameters for the grid sig[0..K) with the resolved --sampler and
 * progress reported through pc (borrowed; the rest as MG_SAMPLE_PARAMS_DEFAULT). */
mg_sample_params sc_sample_params(const sc_opts *o, const double *sig, int K, sc_progress *pc);

#endif /* MEMGEN_SAMPLE_CLI_H */
