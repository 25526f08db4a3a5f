/*
 * Noise schedules: grids of noise levels sigma for DAE sets and samplers
 * (VE diffusion, paper App. B.1: sigma in [0.02, 2]).
 *
 * A grid is given by a spec string:
 *   geom:SMIN:SMAX:K      K levels equally spaced in log sigma (VE, the default)
 *   lin:SMIN:SMAX:K       K levels equally spaced in sigma (also linear:...)
 *   karras:SMIN:SMAX:K[:RHO]  EDM's sigma_i = (smax^(1/rho) + i/(K-1) (smin^(1/rho)
 *                         - smax^(1/rho)))^rho, rho = 7 by default
 *   list:S1,S2,...        explicit levels (also S1,S2,... without list:)
 *   S                     a single level (a plain number)
 * Grids are returned in ascending order, without duplicates. Steering's
 * alpha sweeps (mg_steer_parse_alphas) take the same spellings.
 */
#ifndef MEMGEN_SCHEDULE_H
#define MEMGEN_SCHEDULE_H

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses a spec into a malloc'd ascending array (*sigmas, caller frees) of
 * *count levels. Every level must be finite and > 0; K in 1..100000. */
MG_API mg_status mg_sigmas_parse(const char *spec, double **sigmas, int *count);

/* Fills out[0..K-1] with K log-spaced levels from smin to smax (ascending). */
MG_API mg_status mg_sigmas_geometric(double smin, double smax, int K, double *out);

/* Formats levels as "0.02,0.0365,..." (%.17g) into a malloc'd string (caller frees). */
MG_API char *mg_sigmas_format(const double *sigmas, int count);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_SCHEDULE_H */
