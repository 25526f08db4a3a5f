/*
 * memgen reproduce: the paper's figures and tables in one command (issue 8).
 * Runs the experiments at the chosen scale and writes DIR/index.html with the
 * CSV/JSON/.npy behind every number, config.json and summary.json.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/fmnist.h"
#include "memgen/reproduce.h"
#include "memgen/train.h"

/* Usage text with every option and its default. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen reproduce [--quick | --full | --scale NAME] [--out DIR] [options]\n\n"
            "Reproduces the paper's results (Fig. 3, 4, 5, 7, 8 analog, 9, 14-17, Table 1, predicted vs\n"
            "measured losses) on the two-mode Gaussian mixture and, when the Debian package\n"
            "dataset-fashion-mnist is installed, on Fashion-MNIST, and detection and steering on a real\n"
            "diffusion UNet (examples/real_model); writes DIR/index.html (self-contained),\n"
            "the data behind every number, config.json (settings and seeds) and summary.json.\n\n"
            "  --quick              minutes on 2 cores (the default scale)\n"
            "  --full               the paper's sizes, 21 noise levels, longer training (see README for time)\n"
            "  --scale NAME         smoke | quick | full (smoke: a seconds-long miniature, for tests)\n"
            "  --out DIR            report folder (default memgen-report)\n"
            "  --seed K             seed of every random choice (default 0)\n"
            "  --sections LIST      comma-separated subset of: %s (default all)\n"
            "  --fmnist-dir DIR     Fashion-MNIST folder (default %s)\n"
            "  --no-fmnist          MoG only\n"
            "  --real-model WHAT    section real's fixture: fixture (default: the committed full run,\n"
            "                       tests/fixtures/real_model), rerun (run the PyTorch pipeline of\n"
            "                       examples/real_model first: preset tiny, full with --full; needs\n"
            "                       Python with PyTorch) or a fixture folder\n"
            "  --config FILE        rerun a recorded run: the scale, seed, sections, Fashion-MNIST\n"
            "                       choice and folder and real-model choice of its config.json; the\n"
            "                       options above, given beside it, override single settings\n"
            "  --force              DIR holds an earlier report: replace it (its index.html,\n"
            "                       config.json, summary.json, setup/ and section folders are removed\n"
            "                       first; other files stay). Without --force such a DIR is refused.\n"
            "  -h, --help           this text\n",
            mg_repro_section_list(), MG_FMNIST_DIR);
}

/* Progress: one bar over the whole run, with the stage and its detail. */
static void on_progress(void *ctx, const mg_repro_progress *pr) {
    cli_progress *bar = ctx;
    char extra[200];
    snprintf(extra, sizeof extra, "%s: %s", pr->stage, pr->detail);
    cli_progress_update(bar, (int64_t)(pr->fraction * 1000.0 + 0.5), extra);
}

/* The string at key of a recorded config (NULL when absent or not a string). */
static const char *config_str(const cJSON *j, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads the settings of a recorded run (config.json of mg_reproduce) into
 * cfg, except those given[] marks as set on the command line (scale, seed,
 * sections, fmnist, fmnist_dir, real_model). *json keeps the strings. */
static mg_status read_config(const char *path, const int given[6], mg_repro_config *cfg, cJSON **json) {
    unsigned char *text = NULL;
    size_t len = 0;
    MG_TRY(mg_read_file(path, 1 << 24, &text, &len));
    cJSON *j = cJSON_ParseWithLength((const char *)text, len);
    free(text);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return mg_fail(MG_ERR_FORMAT, "%s: not a JSON object (expected a report's config.json)", path);
    }
    *json = j;
    const char *scale = config_str(j, "scale"), *seed = config_str(j, "seed_text");
    const cJSON *fm = cJSON_GetObjectItemCaseSensitive(j, "fmnist");
    if (!scale || !seed || !cJSON_IsBool(fm) || !config_str(j, "section_ids") || !config_str(j, "real_model"))
        return mg_fail(MG_ERR_FORMAT, "%s: lacks scale, seed_text, section_ids, fmnist or real_model (not a "
                       "config.json of memgen reproduce, or one written before it recorded them)", path);
    if (!given[0]) MG_TRY(mg_repro_scale_parse(scale, &cfg->scale));
    char *end = NULL;
    unsigned long long s = strtoull(seed, &end, 10);
    if (!*seed || *end) return mg_fail(MG_ERR_FORMAT, "%s: seed_text '%s' is not a seed", path, seed);
    if (!given[1]) cfg->seed = s;
    if (!given[2]) cfg->sections = config_str(j, "section_ids");
    if (!given[3]) cfg->fmnist = cJSON_IsTrue(fm);
    if (!given[4] && config_str(j, "fmnist_dir")) cfg->fmnist_dir = config_str(j, "fmnist_dir");
    if (!given[5]) cfg->real_model = config_str(j, "real_model");
    return MG_OK;
}

/* Runs the reproduction cfg describes, with a progress bar; the exit code. */
static int run(mg_repro_config *cfg) {
    const char *cmd = "reproduce";
    mg_status st = mg_train_catch_signals();
    if (st != MG_OK) return cli_fail(cmd, st);
    cli_progress bar;
    cli_progress_start(&bar, "reproduce", 1000);
    cfg->progress = on_progress;
    cfg->progress_ctx = &bar;
    mg_repro_summary sum;
    st = mg_reproduce(cfg, &sum);
    cli_progress_end(&bar, st == MG_OK ? NULL : "stopped on an error");
    if (st != MG_OK && sum.seconds == 0) return cli_fail(cmd, st);
    printf("report: %s/index.html (%d sections, %.1f s)\n", cfg->out_dir, sum.sections_run, sum.seconds);
    printf("claims: %d hold, %d do not hold, %d partly, %d not measured\n", sum.verdicts[0], sum.verdicts[1],
           sum.verdicts[2], sum.verdicts[3]);
    if (st != MG_OK) return cli_fail(cmd, st);
    return 0;
}

/* Entry point of `memgen reproduce`. */
int cmd_reproduce(int argc, char **argv) {
    const char *cmd = "reproduce", *scale = NULL, *config = NULL;
    mg_repro_config cfg = MG_REPRO_CONFIG_DEFAULT;
    int quick = 0, full = 0, no_fmnist = 0;
    int given[6] = {0}; /* scale, seed, sections, fmnist, fmnist_dir, real_model */
    const cli_opt opts[] = {CLI_OPT_FLAG("quick", &quick),          CLI_OPT_FLAG("full", &full),
                            CLI_OPT_STR("scale", &scale),           CLI_OPT_OUTDIR("out", &cfg.out_dir),
                            CLI_OPT_UINT_G("seed", &cfg.seed, &given[1]),
                            CLI_OPT_STR_G("sections", &cfg.sections, &given[2]),
                            CLI_OPT_STR_G("fmnist-dir", &cfg.fmnist_dir, &given[4]),
                            CLI_OPT_FLAG_G("no-fmnist", &no_fmnist, &given[3]),
                            CLI_OPT_STR_G("real-model", &cfg.real_model, &given[5]),
                            CLI_OPT_STR("config", &config),          CLI_OPT_FLAG("force", &cfg.replace),
                            CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (quick + full + (scale != NULL) > 1)
        return cli_usage(cmd, "--quick, --full and --scale all set the scale: give one");
    if (full) cfg.scale = MG_REPRO_FULL;
    if (quick) cfg.scale = MG_REPRO_QUICK;
    if (scale && mg_repro_scale_parse(scale, &cfg.scale) != MG_OK) return cli_usage(cmd, "%s", mg_last_error());
    if (no_fmnist) cfg.fmnist = 0;
    given[0] = quick + full + (scale != NULL);
    cJSON *recorded = NULL;
    mg_status st = config ? read_config(config, given, &cfg, &recorded) : MG_OK;
    if (st != MG_OK) {
        cJSON_Delete(recorded);
        return cli_fail(cmd, st);
    }
    rc = run(&cfg);
    cJSON_Delete(recorded);
    return rc;
}
