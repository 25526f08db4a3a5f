/*
 * Shared pieces of `memgen detect` (cli/cmd_detect*.c): the resolved options
 * of every sub-verb and the writers the sub-verbs share. cmd_detect.c parses
 * the options and dispatches to one of
 *   detect_score      (cmd_detect_score.c)      score / calibrate / evaluate samples (Algorithm 1);
 *   detect_benchmark  (cmd_detect_benchmark.c) label given generations and score every detector;
 *   detect_table1     (cmd_detect_table1.c)    experiment table1: the hybrid regime end to end.
 */
#ifndef MEMGEN_DETECT_CLI_H
#define MEMGEN_DETECT_CLI_H

#include <stdint.h>

#include "cli.h"
#include "features_cli.h"
#include "model_cli.h"
#include "memgen/detect.h"
#include "memgen/experiment/table1.h"

/* Resolved options. */
typedef struct {
    const char *model, *data, *reference, *labels, *sigspec, *train;
    const char *out, *scores_out, *flags_out, *roc, *json, *table, *save_dir;
    fc_opts fc; /* --features, --layout, --pool */
    int all_metrics;
    mg_spike_metric metric;
    mg_detect_params dp;
    double *sigmas;
    int nsigmas;
    uint64_t seed;
    int have_thr;
    double threshold, fpr, ci;
    int bootstrap, benchmark, table1;
    int progress, force;     /* rate and ETA on stderr (--progress, or a terminal); --force: start over */
    int64_t chunk_rows;      /* --chunk-rows: rows read per block (0: about 2 MB of float32) */
    mg_exp_table1_params t1; /* --table1's experiment; t1.bench is also --benchmark's suite */
    mg_tc_rep rep;           /* --representation (time-conditioned models) */
} detect_opts;

/* Loads --model as the DAE set the detector needs: a DAE (set) file, or a
 * time-conditioned model's levels at sigmas[0..n) (model_cli.h). */
mg_status detect_load_model(const detect_opts *o, const double *sigmas, int n, mc_model *m);

/* The sub-verbs; each returns an exit code (CLI_OK or cli_fail's). */
int detect_score(detect_opts *o);
int detect_benchmark(detect_opts *o);
int detect_table1(detect_opts *o);

/* Adds an evaluation's numbers to a JSON object. */
void detect_eval_json(cJSON *o, const mg_detect_eval *e);

/* Copies --sigma, --fpr, --bootstrap and --ci into the suite's parameters. */
void detect_bench_params(detect_opts *o);

/* Per-sample scores of every detector of a suite run as CSV
 * (sample,label,nn_ratio_value,<detector>...). */
mg_status detect_write_bench_scores(const char *path, const mg_detect_bench *b);

/* The common end of --benchmark and --table1: adds the suite to js
 * ("benchmark", "sigma", the rules), writes --table and --json, prints the
 * table. Returns the status. */
mg_status detect_bench_finish(const detect_opts *o, const mg_detect_bench *b, cJSON *js);

#endif /* MEMGEN_DETECT_CLI_H */
