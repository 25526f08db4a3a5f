/*
 * Internals of `memgen reproduce` shared by the driver (driver.c) and the
 * renderer (render.c): the run context and the few services the renderer
 * uses from the driver. Sections are data (section.h); the renderer runs a
 * section's experiment and lays it out; the driver builds the shared data,
 * runs the sections in order and writes index.html, config.json and
 * summary.json.
 */
#ifndef MEMGEN_REPRO_INTERNAL_H
#define MEMGEN_REPRO_INTERNAL_H

#include <cjson/cJSON.h>

#include "io/jsonio.h"
#include "memgen/experiment.h"
#include "memgen/report.h"
#include "memgen/reproduce.h"
#include "memgen/rng.h"

/* Datasets a run can hold (the setup section lists them). */
#define MG_REPRO_MAX_DATASETS 3

/* A run. */
typedef struct {
    const mg_repro_config *cfg;
    mg_repro_scale scale;
    mg_report *rep;           /* the page (NULL for `memgen experiment run`, which writes no page) */
    mg_rng rng;               /* the run's base generator (seed) */
    double *sigmas;           /* the DAE sets' noise grid, geom:0.02:2:K (K odd, the middle level exactly 0.2) */
    int nsigmas;
    mg_exp_data xdata[MG_REPRO_MAX_DATASETS]; /* by slot, the setup section's order (owned) */
    int have[MG_REPRO_MAX_DATASETS];          /* 1: xdata[slot] was built */
    int ndata;                                /* datasets built */
    cJSON *config;            /* config.json: run settings, then one object per section */
    cJSON *results;           /* summary.json: headline numbers per section */
    cJSON *claims;            /* summary.json's "claims": {claim id: verdict} in report order (owned by results) */
    const char *const *sets;  /* overrides "name=value" of the section being rendered (NULL: none) */
    int nsets;
    /* progress bookkeeping (driver.c) */
    const char *stage;
    double done_weight, stage_weight, total_weight, t0;
} mg_repro_ctx;

/* ---- driver.c ------------------------------------------------------------------- */

/* Progress inside the running stage: detail text and the fraction (0..1) of
 * the stage done. */
void mg_repro_step(mg_repro_ctx *ctx, const char *detail, double fraction);

/* ---- real_model.c ------------------------------------------------------------------ */

/* The fixture folder section real reads, from cfg->real_model (reproduce.h):
 * "" for the experiment's default (the committed fixture), the folder given,
 * or, for "rerun", the fixture the PyTorch pipeline just wrote under
 * <out_dir>/real/pipeline (its output lines are the stage's progress). */
mg_status mg_repro_real_fixture(mg_repro_ctx *ctx, char *dir, size_t len);

/* ---- render.c --------------------------------------------------------------------- */

struct mg_section_s;

/* Runs a section written as tables (section.h) and renders it under the
 * page's current heading. */
mg_status mg_repro_render(mg_repro_ctx *ctx, const struct mg_section_s *sec);

/* The parameters a section runs its experiment with: the library defaults,
 * the section's values at the run's scale, then the overrides "name=value"
 * (sets may be NULL). params has the experiment's params_size bytes. */
mg_status mg_repro_section_params(const mg_repro_ctx *ctx, const struct mg_section_s *sec, const char *const *sets,
                                  int nsets, void *params);

/* Applies a list of scaled values (section.h's mg_sec_scaled, at the run's
 * scale) to a described struct. */
struct mg_sec_scaled_s;
mg_status mg_repro_apply_scaled(const mg_repro_ctx *ctx, const struct mg_sec_scaled_s *scaled, int n,
                                const mg_field *fields, int nfields, void *obj, const char *what);

/* Runs a section's experiment as the report does, with the overrides, and
 * writes its results (no page) to dir: params.json, then per call every
 * table (CSV), array (.npy) and <prefix>results.json. */
mg_status mg_repro_run_experiment(mg_repro_ctx *ctx, const struct mg_section_s *sec, const char *const *sets,
                                  int nsets, const char *dir);

/* The section's object in config.json / summary.json (created on first use;
 * owned by ctx). */
cJSON *mg_repro_settings(mg_repro_ctx *ctx, const char *section);
cJSON *mg_repro_results(mg_repro_ctx *ctx, const char *section);

/* Writes a cJSON value (not consumed) to DIR/rel, pretty-printed, atomically. */
mg_status mg_repro_json(const mg_repro_ctx *ctx, const char *rel, const cJSON *v);

#endif /* MEMGEN_REPRO_INTERNAL_H */
