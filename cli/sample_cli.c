/*
 * Shared pieces of `memgen sample` and `memgen steer` (see sample_cli.h):
 * sampler and grid options, the noise grid, progress forwarding.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/schedule.h"
#include "sample_cli.h"

/* The grid of sc_sigma_grid, before its check against the set's levels. */
static mg_status sc_sigma_grid_(const sc_opts *o, const double *levels, int nlevels, int64_t default_steps, double lo,
                                double hi, double **sig, int *K) {
    *sig = NULL;
    *K = 0;
    if (o->sigmas) return mg_sigmas_parse(o->sigmas, sig, K);
    int64_t steps = o->steps ? o->steps : (levels ? 0 : default_steps);
    if (!steps) {
        *sig = malloc((size_t)nlevels * sizeof(double));
        if (!*sig) return mg_fail(MG_ERR_NOMEM, "out of memory");
        memcpy(*sig, levels, (size_t)nlevels * sizeof(double));
        *K = nlevels;
        return MG_OK;
    }
    if (!(lo > 0) || !(hi >= lo)) return mg_fail(MG_ERR_ARG, "need 0 < --sigma-min <= --sigma-max");
    *sig = malloc((size_t)steps * sizeof(double));
    if (!*sig) return mg_fail(MG_ERR_NOMEM, "out of memory");
    *K = (int)steps;
    return mg_sigmas_geometric(lo, hi, *K, *sig);
}

/* Validates and parses the shared options (--clamp as two finite numbers). */
int sc_resolve(const char *cmd, sc_opts *o) {
    if (o->steps < 0 || o->steps > 100000) return cli_usage(cmd, "--levels must be in 1..100000");
    if (mg_sampler_parse(o->sampler, &o->kind) != MG_OK) return cli_usage(cmd, "%s", mg_last_error());
    if (!strcmp(o->level, "nearest")) o->mode = MG_LEVEL_NEAREST;
    else if (!strcmp(o->level, "interp")) o->mode = MG_LEVEL_INTERP;
    else return cli_usage(cmd, "--level must be nearest or interp");
    if (sscanf(o->range, "%f:%f", &o->vmin, &o->vmax) != 2 || !(o->vmax > o->vmin))
        return cli_usage(cmd, "--range must be LO:HI with LO < HI");
    if (o->clamp) {
        char tail;
        if (sscanf(o->clamp, "%lf:%lf%c", &o->clamp_lo, &o->clamp_hi, &tail) != 2 || !isfinite(o->clamp_lo) ||
            !isfinite(o->clamp_hi) || !(o->clamp_hi > o->clamp_lo))
            return cli_usage(cmd, "--clamp must be LO:HI with finite LO < HI, got '%s'", o->clamp);
    }
    return CLI_OK;
}

/* The grid of noise levels the sampler visits. */
mg_status sc_sigma_grid(const sc_opts *o, const double *levels, int nlevels, int64_t default_steps, double lo,
                        double hi, double **sig, int *K) {
    mg_status st = sc_sigma_grid_(o, levels, nlevels, default_steps, lo, hi, sig, K);
    /* a set answers the grid only within reach of its own levels */
    for (int k = 0; st == MG_OK && levels && nlevels > 0 && k < *K; k++)
        st = mg_sigma_check_reach((*sig)[k], levels[0], levels[nlevels - 1], "sampling grid");
    if (st != MG_OK) {
        free(*sig);
        *sig = NULL;
        *K = 0;
    }
    return st;
}

/* Parses "HxW" or "HxWxC" (C = 1 or 3). */
static int parse_image(const char *s, int *h, int *w, int *c) {
    *c = 1;
    int n = sscanf(s, "%dx%dx%d", h, w, c);
    return (n == 2 || n == 3) && *h > 0 && *w > 0 && (*c == 1 || *c == 3) ? 0 : -1;
}

/* Shape and value range of a sample grid. */
mg_status sc_grid(const sc_opts *o, int64_t d, mg_png_grid *g) {
    mg_png_grid def = MG_PNG_GRID_DEFAULT;
    *g = def;
    g->vmin = o->vmin;
    g->vmax = o->vmax;
    if (o->image) {
        if (parse_image(o->image, &g->height, &g->width, &g->channels) ||
            (int64_t)g->height * g->width * g->channels != d)
            return mg_fail(MG_ERR_ARG, "--image %s does not describe %lld values per sample", o->image, (long long)d);
        return MG_OK;
    }
    g->height = g->width = (int)llround(sqrt((double)d));
    if ((int64_t)g->height * g->width != d)
        return mg_fail(MG_ERR_ARG, "d = %lld is not a square: give --image HxW[xC] for --grid", (long long)d);
    return MG_OK;
}

/* Sampler progress callback (ctx: an sc_progress): the bar, offset by the units already done. */
static void sc_on_progress(void *ctx, int64_t done, int64_t total) {
    (void)total;
    const sc_progress *p = ctx;
    cli_progress_update(p->bar, p->base + done, NULL);
}

/* Sampler parameters of the shared options. */
mg_sample_params sc_sample_params(const sc_opts *o, const double *sig, int K, sc_progress *pc) {
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.kind = o->kind;
    p.sigmas = sig;
    p.nsigmas = K;
    p.progress = sc_on_progress;
    p.progress_ctx = pc;
    p.clamp_lo = o->clamp_lo;
    p.clamp_hi = o->clamp_hi;
    return p;
}
