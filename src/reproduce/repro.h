/*
 * Internals of `memgen reproduce` shared by the driver and the section files
 * (src/reproduce/sec_*.c): the run context, the shared datasets and trained
 * DAE sets every figure reuses, scale-dependent sizes, output writers
 * (CSV/JSON/.npy beside the report) and progress.
 *
 * A section is a function mg_status mg_repro_<id>(mg_repro_ctx *ctx) that
 * adds its content to ctx->rep (mg_report_section first), writes its numbers
 * under <report folder>/<id>/, records its settings in mg_repro_settings(ctx, id)
 * and its headline numbers in mg_repro_results(ctx, id), and reports progress
 * with mg_repro_step. It draws randomness only from mg_repro_rng(ctx, id, k),
 * so sections are independent of each other and of which ones run.
 */
#ifndef MEMGEN_REPRO_INTERNAL_H
#define MEMGEN_REPRO_INTERNAL_H

#include <cjson/cJSON.h>

#include "io/jsonio.h"
#include "memgen/daeset.h"
#include "memgen/detect.h"
#include "memgen/experiment.h"
#include "memgen/mog.h"
#include "memgen/report.h"
#include "memgen/reproduce.h"
#include "memgen/rng.h"
#include "memgen/sampler.h"
#include "memgen/train.h"

/* A dataset in both regimes, with its trained DAE sets: a borrowed view of
 * ctx->xdata[i] for the sections not yet written as tables (section.h). */
typedef struct {
    const char *name;         /* "mog" or "fmnist": file prefixes and ids */
    char title[96];           /* for headings, e.g. "Gaussian mixture (d = 1000)" */
    int64_t d;                /* dimension */
    int img_h, img_w;         /* image shape for PNG grids (0 for non-image data) */
    float vmin, vmax;         /* value range mapped to black..white in grids (after adding center) */
    float *center;            /* d floats subtracted from every row (the mean image of the generalizing
                                 set, Fashion-MNIST), or NULL (owned) */
    double mem_max_cosine;    /* largest pairwise cosine of the memorizing rows (separability) */
    mg_mat mem;               /* memorization regime training set: few rows (owned) */
    mg_mat gen;               /* generalization regime training set: many rows (owned) */
    mg_mat test;              /* held-out rows of the same distribution (owned) */
    int64_t *mem_labels, *gen_labels, *test_labels; /* component / class per row (owned) */
    int nclasses;             /* number of components / classes */
    int has_mog;              /* 1: mog is the true distribution */
    mg_mog mog;
    mg_train_params mem_params, gen_params; /* how the sets were trained (sigma varies per level) */
    mg_daeset mem_set, gen_set;             /* trained over ctx->sigmas */
    double train_seconds[2];                /* wall time of the two set trainings */
} mg_repro_data;

typedef struct {
    const mg_repro_config *cfg;
    mg_repro_scale scale;
    mg_report *rep;
    mg_rng rng;               /* the run's base generator (seed) */
    double *sigmas;           /* the DAE sets' noise grid, geom:0.02:2:K (K odd) */
    int nsigmas;
    int level02;              /* index of sigma = 0.2 in sigmas (the middle level) */
    mg_exp_data xdata[2];     /* xdata[0] = MoG, xdata[1] = Fashion-MNIST when present (owned) */
    mg_repro_data data[2];    /* views of xdata */
    int ndata;
    cJSON *config;            /* config.json: run settings, then one object per section */
    cJSON *results;           /* summary.json: headline numbers per section */
    cJSON *claims;            /* summary.json's "claims": {claim id: verdict} in report order (owned by results) */
    /* progress bookkeeping (driver.c) */
    const char *stage;
    double done_weight, stage_weight, total_weight, t0;
} mg_repro_ctx;

/* ---- the shared datasets (setup.c) ------------------------------------------- */

/* Builds ctx->xdata (MoG always, Fashion-MNIST when enabled, installed and
 * not mog_only) and trains their memorizing and generalizing sets over
 * ctx->sigmas. */
mg_status mg_repro_build_data(mg_repro_ctx *ctx, int mog_only);

/* Records the datasets in config.json and describes them in the page's
 * current ("Setup") section. */
mg_status mg_repro_describe_data(mg_repro_ctx *ctx);

/* ---- the renderer (render.c) ---------------------------------------------------- */

struct mg_section_s;
/* Runs a section written as tables (section.h) and renders it. */
mg_status mg_repro_render(mg_repro_ctx *ctx, const struct mg_section_s *sec);

/* The parameters a section runs its experiment with: the library defaults,
 * the section's values at the run's scale, then the overrides "name=value"
 * (sets may be NULL). params has the experiment's params_size bytes. */
mg_status mg_repro_section_params(const mg_repro_ctx *ctx, const struct mg_section_s *sec, const char *const *sets,
                                  int nsets, void *params);

/* Runs a section's experiment as the report does, with the overrides, and
 * writes its results (no page) to dir: params.json, then per call every
 * table (CSV), array (.npy) and <prefix>results.json. */
mg_status mg_repro_run_experiment(mg_repro_ctx *ctx, const struct mg_section_s *sec, const char *const *sets,
                                  int nsets, const char *dir);

/* Records a claim's verdict under its id in summary.json ("claims"). */
mg_status mg_repro_record_claim(mg_repro_ctx *ctx, const char *id, mg_verdict v);

/* ---- helpers (util.c) ---------------------------------------------------------- */

/* The value for the run's scale. */
int64_t mg_repro_pick(const mg_repro_ctx *ctx, int64_t smoke, int64_t quick, int64_t full);
double mg_repro_pick_d(const mg_repro_ctx *ctx, double smoke, double quick, double full);

/* Generator k of a section: independent of every other (section, k). */
mg_rng mg_repro_rng(const mg_repro_ctx *ctx, const char *section, uint64_t k);

/* The section's object in config.json / summary.json (created on first use;
 * owned by ctx). Add settings / numbers with cJSON_Add*ToObject. */
cJSON *mg_repro_settings(mg_repro_ctx *ctx, const char *section);
cJSON *mg_repro_results(mg_repro_ctx *ctx, const char *section);

/* Writes DIR/rel as CSV: header "a,b,c" then nrows rows of ncols columns
 * (cols[j][i], %.9g; NaN as "nan"). Atomic. */
mg_status mg_repro_csv(const mg_repro_ctx *ctx, const char *rel, const char *header, int ncols, int64_t nrows,
                       const double *const *cols);

/* Writes a cJSON value (not consumed) to DIR/rel, pretty-printed, atomically. */
mg_status mg_repro_json(const mg_repro_ctx *ctx, const char *rel, const cJSON *v);

/* Writes an n x d float matrix to DIR/rel as .npy. */
mg_status mg_repro_npy(const mg_repro_ctx *ctx, const char *rel, const float *X, int64_t n, int64_t d);

/* Embeds the data files of a section as links ("Data: ...") under the current section. */
mg_status mg_repro_files(mg_repro_ctx *ctx, const char *const *rels, int n);

/* Finishes a plot: sets its title and axis labels, embeds it with the
 * caption and frees it. s is the status of building it so far: when it is
 * not MG_OK the plot is only freed and s returned (p may be NULL then). */
mg_status mg_repro_plot_emit(mg_repro_ctx *ctx, mg_plot *p, mg_status s, const char *title, const char *xlabel,
                             const char *ylabel, const char *caption);

/* Verdict of v against pass / partial thresholds: PASS when v >= pass,
 * PARTIAL when v >= partial, else FAIL (NaN fails); at_most: the same with <=. */
mg_verdict mg_repro_at_least(double v, double pass, double partial);
mg_verdict mg_repro_at_most(double v, double pass, double partial);

/* Writes the section's results (mg_repro_results) to DIR/<section>/summary.json
 * and links it under the current section. */
mg_status mg_repro_summary_file(mg_repro_ctx *ctx, const char *section);

/* A PNG grid of DATA rows of an image dataset (n rows of d->d values in the
 * dataset's centred coordinates: d->center is added back for display;
 * shaped d->img_h x d->img_w, ncols per row of the grid) written to DIR/rel
 * and embedded with a caption. */
mg_status mg_repro_image_grid(mg_repro_ctx *ctx, const mg_repro_data *d, const char *rel, const float *rows,
                              int64_t n, int ncols, const char *caption);

/* The same for rows already in display units [d->vmin, d->vmax] (weights or
 * vectors scaled for viewing; nothing is added). */
mg_status mg_repro_image_grid_raw(mg_repro_ctx *ctx, const mg_repro_data *d, const char *rel, const float *rows,
                                  int64_t n, int ncols, const char *caption);

/* Adds d->center to n data rows in place (display units); no-op without a centre. */
void mg_repro_uncenter(const mg_repro_data *d, float *rows, int64_t n);

/* *out (n x src.cols, data malloc'd, caller frees) = the rows of src cycled:
 * row i is src row i mod src.rows, so a small set can be seen under many
 * noise draws (noise drawn per row index). src.rows >= 1. */
mg_status mg_repro_cycle_rows(mg_mat src, int64_t n, mg_mat *out);

/* *out (X.rows doubles, malloc'd, caller frees) = the Euclidean norm of
 * every row of X, summed in double. */
mg_status mg_repro_row_norms(mg_mat X, double **out);

/* Progress inside the running section: detail text and the fraction (0..1)
 * of the section done. */
void mg_repro_step(mg_repro_ctx *ctx, const char *detail, double fraction);

/* The progress of one training run, reported through mg_repro_step with
 * `detail`, the run's steps mapped to [f0, f1] of the section. Filled by the
 * adapter below; it must live as long as the run. */
typedef struct {
    mg_repro_ctx *ctx;
    char detail[128];
    double f0, f1;
} mg_repro_progress_slot;

/* An mg_train_io whose progress callback reports through *slot. */
mg_train_io mg_repro_train_io(mg_repro_ctx *ctx, mg_repro_progress_slot *slot, const char *detail, double f0,
                              double f1);

#endif /* MEMGEN_REPRO_INTERNAL_H */
