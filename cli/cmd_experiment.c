/*
 * memgen experiment: one of the report's experiments on its own, without the
 * page. `list` names them, `show ID` lists an experiment's parameters (with
 * the defaults and the values a report scale uses) and its results, `run ID`
 * runs it as the report would, with `--set name=value` overrides, and
 * writes its numbers as CSV / .npy / JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/data.h"
#include "memgen/experiment.h"
#include "memgen/reproduce.h"
#include "memgen/train.h"

/* Usage text with every option and its default. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen experiment list\n"
            "       memgen experiment show ID\n"
            "       memgen experiment run ID [--set NAME=VALUE ...] [--scale NAME] [--out DIR] [options]\n\n"
            "One experiment of `memgen reproduce` on its own: the same data, parameters and seeds as the report\n"
            "at that scale, without the page. run writes DIR/params.json and, per dataset the experiment runs\n"
            "on (file prefix mog_ / fmnist_), every result table as CSV, every array as .npy and the numbers\n"
            "as results.json.\n\n"
            "  --set NAME=VALUE     override one parameter (repeatable; `show ID` lists them)\n"
            "  --scale NAME         smoke | quick | full: the report scale whose data and parameters are used\n"
            "                       (default quick)\n"
            "  --out DIR            output folder (default memgen-experiment)\n"
            "  --seed K             seed of every random choice (default 0)\n"
            "  --fmnist-dir DIR     Fashion-MNIST folder (default %s)\n"
            "  --no-fmnist          the Gaussian mixture only\n"
            "  -h, --help           this text\n\n"
            "experiments: %s\n",
            MG_FMNIST_DIR, mg_repro_experiment_list());
}

/* The inputs in words. */
static const char *inputs_str(mg_exp_inputs in) {
    switch (in) {
    case MG_EXP_EACH_DATASET: return "each dataset";
    case MG_EXP_MOG_DATASET: return "the Gaussian mixture";
    case MG_EXP_ALL_DATASETS: return "all datasets at once";
    case MG_EXP_OWN_DATA: return "its own data";
    }
    return "?";
}

/* `list`: one line per experiment. */
static int list(void) {
    for (int i = 0; i < mg_experiment_count(); i++) {
        const mg_experiment *e = mg_experiment_at(i);
        printf("%-8s %s (%s; runs on %s)\n", e->id, e->title, e->paper, inputs_str(e->inputs));
    }
    return CLI_OK;
}

/* `show ID`: parameters with defaults, then results. */
static int show(const char *cmd, const char *id) {
    const mg_experiment *e = mg_experiment_find(id);
    if (!e) return cli_usage(cmd, "unknown experiment '%s' (experiments: %s)", id, mg_repro_experiment_list());
    /* the library default, then the report's value at each scale */
    void *p[4];
    mg_status st = MG_OK;
    for (int k = 0; k < 4; k++)
        if (!(p[k] = calloc(1, e->params_size))) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (st == MG_OK) e->defaults(p[0]);
    for (int k = 1; k < 4 && st == MG_OK; k++) st = mg_repro_experiment_params((mg_repro_scale)(k - 1), id, p[k]);
    if (st != MG_OK) {
        for (int k = 0; k < 4; k++) free(p[k]);
        return cli_fail(cmd, st);
    }
    printf("%s: %s (%s; runs on %s)\n\nparameters:\n  %-20s %-10s %-10s %-10s %-10s\n", e->id, e->title, e->paper,
           inputs_str(e->inputs), "name", "default", "smoke", "quick", "full");
    for (int i = 0; i < e->nparams; i++) {
        char v[4][64];
        for (int k = 0; k < 4; k++) mg_field_format(p[k], &e->params[i], v[k], sizeof v[k]);
        printf("  %-20s %-10s %-10s %-10s %-10s %s\n", e->params[i].name, v[0], v[1], v[2], v[3], e->params[i].doc);
    }
    for (int k = 0; k < 4; k++) free(p[k]);
    printf("\nresults:\n");
    for (int i = 0; i < e->nresults; i++)
        printf("  %-20s %-6s %s\n", e->results[i].name, mg_field_type_name(e->results[i].type), e->results[i].doc);
    return CLI_OK;
}

/* Progress: one bar over data and experiment. */
static void on_progress(void *ctx, const mg_repro_progress *pr) {
    cli_progress *bar = ctx;
    char extra[200];
    snprintf(extra, sizeof extra, "%s: %s", pr->stage, pr->detail);
    cli_progress_update(bar, (int64_t)(pr->fraction * 1000.0 + 0.5), extra);
}

/* `run ID [options]`. */
static int run(const char *cmd, const char *id, int argc, char **argv) {
    mg_repro_config cfg = MG_REPRO_CONFIG_DEFAULT;
    cfg.out_dir = "memgen-experiment";
    const char *scale = NULL;
    int no_fmnist = 0;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0;
    if (!sets) return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    /* --set may repeat: collect those, hand the rest to the option table */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    int nrest = 0;
    if (!rest) {
        free(sets);
        return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    }
    rest[nrest++] = argv[0];
    int rc = CLI_RUN;
    for (int i = 1; i < argc && rc == CLI_RUN; i++) {
        if (!strcmp(argv[i], "--set")) {
            if (i + 1 >= argc) rc = cli_usage(cmd, "--set needs NAME=VALUE");
            else sets[nsets++] = argv[++i];
        } else if (!strncmp(argv[i], "--set=", 6)) sets[nsets++] = argv[i] + 6;
        else rest[nrest++] = argv[i];
    }
    const cli_opt opts[] = {CLI_OPT_STR("scale", &scale),          CLI_OPT_OUTDIR("out", &cfg.out_dir),
                            CLI_OPT_UINT("seed", &cfg.seed),        CLI_OPT_STR("fmnist-dir", &cfg.fmnist_dir),
                            CLI_OPT_FLAG("no-fmnist", &no_fmnist), CLI_OPT_END};
    if (rc == CLI_RUN) rc = cli_parse_options(cmd, nrest, rest, opts, usage, NULL);
    if (rc == CLI_RUN && scale && mg_repro_scale_parse(scale, &cfg.scale) != MG_OK)
        rc = cli_usage(cmd, "%s", mg_last_error());
    if (rc == CLI_RUN) {
        if (no_fmnist) cfg.fmnist = 0;
        fprintf(stderr, "memgen experiment: %s at scale %s, seed %llu, %d override(s), output %s\n", id,
                mg_repro_scale_name(cfg.scale), (unsigned long long)cfg.seed, nsets, cfg.out_dir);
        mg_status st = mg_train_catch_signals();
        cli_progress bar;
        cli_progress_start(&bar, "experiment", 1000);
        cfg.progress = on_progress;
        cfg.progress_ctx = &bar;
        if (st == MG_OK) st = mg_repro_experiment(&cfg, id, sets, nsets);
        cli_progress_end(&bar, st == MG_OK ? NULL : "stopped on an error");
        if (st == MG_ERR_ARG) rc = cli_usage(cmd, "%s", mg_last_error());
        else if (st != MG_OK) rc = cli_fail(cmd, st);
        else {
            printf("%s: results in %s (params.json, results.json per dataset, CSV and .npy files)\n", id, cfg.out_dir);
            rc = CLI_OK;
        }
    }
    free(sets);
    free(rest);
    return rc;
}

/* Entry point of `memgen experiment`. */
int cmd_experiment(int argc, char **argv) {
    const char *cmd = "experiment";
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (!strcmp(argv[1], "list")) return argc == 2 ? list() : cli_usage(cmd, "list takes no arguments");
    if (!strcmp(argv[1], "show")) return argc == 3 ? show(cmd, argv[2]) : cli_usage(cmd, "show takes one ID");
    if (!strcmp(argv[1], "run")) {
        if (argc < 3 || argv[2][0] == '-') return cli_usage(cmd, "run needs an experiment ID");
        return run(cmd, argv[2], argc - 2, argv + 2);
    }
    return cli_usage(cmd, "unknown verb '%s' (list, show, run)", argv[1]);
}
