/*
 * The paper reproduction (issue 8): `memgen reproduce` runs the paper's
 * experiments on built-in defaults (the Gaussian mixture of App. A.1/B.1
 * always, Fashion-MNIST when the Debian package dataset-fashion-mnist is
 * installed) and writes DIR/index.html, a self-contained report with one
 * section per reproduced result (Fig. 3, 4, 5, 7, 9, 14-15, 16, 17, Table 1,
 * a Fig. 8 analog, predicted vs measured losses). Each section states the
 * paper's claim, what memgen measured and a verdict; every number behind it
 * is written beside the page as CSV/JSON/.npy, and DIR/config.json records
 * every setting and seed, so `memgen reproduce` with the same scale and seed
 * reproduces the run bit for bit.
 *
 * Scales: MG_REPRO_QUICK finishes within minutes on 2 cores; MG_REPRO_FULL
 * uses the paper's sizes (d = 1000 MoG, 10,000-sample generalizing sets, 21
 * noise levels) with shortened training; MG_REPRO_SMOKE is a seconds-long
 * miniature that exercises every code path (tests).
 */
#ifndef MEMGEN_REPRODUCE_H
#define MEMGEN_REPRODUCE_H

#include <stdint.h>

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { MG_REPRO_SMOKE = 0, MG_REPRO_QUICK, MG_REPRO_FULL } mg_repro_scale;

/* "smoke", "quick", "full" and the parser (MG_ERR_ARG on anything else). */
MG_API const char *mg_repro_scale_name(mg_repro_scale s);
MG_API mg_status mg_repro_scale_parse(const char *s, mg_repro_scale *out);

/* What the progress callback sees: the running stage, a line of detail, the
 * estimated fraction of the whole run done, and the seconds elapsed. */
typedef struct {
    const char *stage;  /* section id ("data", "fig3", ..., "report") */
    const char *detail; /* e.g. "mog: memorizing set, level 3/7" */
    double fraction;    /* 0..1, by the sections' estimated costs */
    double elapsed;
} mg_repro_progress;

typedef struct {
    mg_repro_scale scale;
    const char *out_dir;    /* report folder (created with its parents) */
    uint64_t seed;          /* every random choice of the run derives from it */
    const char *fmnist_dir; /* NULL: MG_FMNIST_DIR */
    int fmnist;             /* 1: use Fashion-MNIST when its files are present; 0: MoG only */
    const char *sections;   /* comma-separated section ids to run (NULL or "": all) */
    void (*progress)(void *ctx, const mg_repro_progress *pr); /* optional */
    void *progress_ctx;
    const char *real_model; /* section real's fixture: NULL or "fixture" = the committed one (tests/fixtures/
                               real_model); "rerun" = run the PyTorch pipeline of examples/real_model first (preset
                               tiny at smoke / quick scale, full at full scale; needs Python with PyTorch) into
                               <out_dir>/real/pipeline; anything else = a fixture folder */
    int replace;            /* out_dir holds an earlier report (index.html, config.json or summary.json):
                               0 = refuse (MG_ERR_ARG, nothing touched); 1 = first remove that report's own
                               files and folders (those three, setup/ and every section's folder), leaving
                               anything else in out_dir alone */
} mg_repro_config;

#define MG_REPRO_CONFIG_DEFAULT {MG_REPRO_QUICK, "memgen-report", 0, NULL, 1, NULL, NULL, NULL, NULL, 0}
/* The same defaults as a function (for bindings that cannot use the macro). */
MG_API mg_repro_config mg_repro_config_default(void);

/* What a run produced. */
typedef struct {
    int verdicts[4];     /* claims that hold / do not / partly / not measured (mg_verdict order) */
    int sections_run;    /* sections completed */
    int sections_failed; /* sections that stopped on an error (reported in the page) */
    double seconds;      /* wall time */
} mg_repro_summary;

/* Comma-separated ids of every section, in report order. */
MG_API const char *mg_repro_section_list(void);

/* Runs the reproduction as cfg says and writes cfg->out_dir/index.html,
 * config.json and summary.json (config.json: the settings of cfg as keys
 * scale, seed and seed_text, section_ids ("" = all), fmnist (asked for), fmnist_dir and
 * real_model, the rerun command, and every dataset's parameters). A section that fails is reported in the
 * page (its error message as a "does not hold" box) and the run goes on;
 * the return is then MG_ERR_NUMERIC (or the first section's error kind) after
 * the report is written, so scripts can tell. Errors before any report can be
 * written (bad config, unwritable folder) return at once. */
MG_API mg_status mg_reproduce(const mg_repro_config *cfg, mg_repro_summary *summary);

/* Runs one experiment of the report (experiment.h) exactly as the report
 * runs it: cfg's scale, seed and datasets (cfg->sections is ignored), the
 * section's parameters at that scale, then the overrides sets[0..nsets)
 * ("name=value", a parameter of the experiment: see `memgen experiment
 * show ID`). Writes no page: cfg->out_dir receives params.json and, per call
 * (per dataset for the experiments that run on each), every result table
 * (<prefix><table>.csv), every array (<prefix><field>.npy) and the numbers
 * (<prefix>results.json), prefix "<dataset>_" or "". */
MG_API mg_status mg_repro_experiment(const mg_repro_config *cfg, const char *id, const char *const *sets, int nsets);

/* The parameters the report gives experiment `id` at a scale (params holds
 * the experiment's params_size bytes). */
MG_API mg_status mg_repro_experiment_params(mg_repro_scale scale, const char *id, void *params);

/* Comma-separated ids of the experiments mg_repro_experiment runs. */
MG_API const char *mg_repro_experiment_list(void);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_REPRODUCE_H */
