/*
 * The driver of `memgen reproduce` (issue 8): validates the configuration,
 * builds the shared datasets and DAE sets, runs every selected section in
 * report order (a failing section is reported in the page and the run goes
 * on), and writes index.html, config.json and summary.json.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "experiment/exp_internal.h"
#include "memgen/fileio.h"
#include "memgen/fmnist.h"
#include "memgen/schedule.h"
#include "repro.h"
#include "section.h"

/* The sections in report order (each a table of src/reproduce/sec_<id>.c). */
static const mg_section *const SECTIONS[] = {
    &mg_sec_fig3, &mg_sec_fig4, &mg_sec_fig5, &mg_sec_fig14, &mg_sec_fig16,  &mg_sec_fig9,
    &mg_sec_losses, &mg_sec_fig7, &mg_sec_fig17, &mg_sec_table1, &mg_sec_fig8, &mg_sec_real, &mg_sec_phase,
};
#define NSECTIONS ((int)(sizeof SECTIONS / sizeof SECTIONS[0]))

/* The value for the run's scale. */
static double pick(const mg_repro_ctx *ctx, double smoke, double quick, double full) {
    return ctx->scale == MG_REPRO_SMOKE ? smoke : ctx->scale == MG_REPRO_QUICK ? quick : full;
}

/* The data stage's weight on the same scale: 45% of a quick run, but 91% of
 * a full one (21 levels x 10x longer training; measured 1507 s of 1651 s). */
static double data_weight(const mg_repro_ctx *ctx) { return pick(ctx, 45.0, 45.0, 580.0); }

/* Sends a progress report for the running stage. */
void mg_repro_step(mg_repro_ctx *ctx, const char *detail, double fraction) {
    if (!ctx->cfg->progress) return;
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    mg_repro_progress pr;
    pr.stage = ctx->stage ? ctx->stage : "";
    pr.detail = detail ? detail : "";
    pr.fraction = ctx->total_weight > 0 ? (ctx->done_weight + fraction * ctx->stage_weight) / ctx->total_weight : 0;
    pr.elapsed = mg_now() - ctx->t0;
    ctx->cfg->progress(ctx->cfg->progress_ctx, &pr);
}

/* MG_REPRO_CONFIG_DEFAULT as a value. */
mg_repro_config mg_repro_config_default(void) {
    mg_repro_config c = MG_REPRO_CONFIG_DEFAULT;
    return c;
}

/* Scale names. */
const char *mg_repro_scale_name(mg_repro_scale s) {
    return s == MG_REPRO_SMOKE ? "smoke" : s == MG_REPRO_QUICK ? "quick" : s == MG_REPRO_FULL ? "full" : "?";
}

/* Parses a scale name. */
mg_status mg_repro_scale_parse(const char *s, mg_repro_scale *out) {
    for (int k = MG_REPRO_SMOKE; k <= MG_REPRO_FULL; k++)
        if (s && !strcmp(s, mg_repro_scale_name((mg_repro_scale)k))) {
            *out = (mg_repro_scale)k;
            return MG_OK;
        }
    return mg_fail(MG_ERR_ARG, "unknown scale '%s' (smoke, quick, full)", s ? s : "");
}

/* Comma-separated section ids. */
const char *mg_repro_section_list(void) {
    static char list[256];
    if (!list[0])
        for (int i = 0; i < NSECTIONS; i++) {
            if (i) strcat(list, ",");
            strcat(list, SECTIONS[i]->id);
        }
    return list;
}

/* Marks in chosen[] the sections the comma-separated list names (a NULL or
 * empty list chooses all); an unknown name is MG_ERR_ARG. */
static mg_status parse_sections(const char *list, int chosen[NSECTIONS]) {
    for (int i = 0; i < NSECTIONS; i++) chosen[i] = !list || !*list;
    if (!list) return MG_OK;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int found = -1;
        for (int i = 0; i < NSECTIONS && found < 0; i++)
            if (strlen(SECTIONS[i]->id) == len && !strncmp(p, SECTIONS[i]->id, len)) found = i;
        if (found < 0)
            return mg_fail(MG_ERR_ARG, "unknown section '%.*s' (sections: %s)", (int)len, p, mg_repro_section_list());
        chosen[found] = 1;
        if (!e) break;
        p = e + 1;
    }
    return MG_OK;
}

/* Starts a progress stage of the given weight. */
static void begin_stage(mg_repro_ctx *ctx, const char *id, double weight) {
    ctx->stage = id;
    ctx->stage_weight = weight;
    mg_repro_step(ctx, "starting", 0.0);
}

/* Closes a stage: its weight counts as done. */
static void end_stage(mg_repro_ctx *ctx) {
    mg_repro_step(ctx, "done", 1.0);
    ctx->done_weight += ctx->stage_weight;
}

/* The run-level part of config.json and the rerun command. */
static mg_status record_config(mg_repro_ctx *ctx) {
    const mg_repro_config *c = ctx->cfg;
    cJSON *j = ctx->config;
    char cmd[1024];
    int sec = c->sections && *c->sections;
    int real = c->real_model && *c->real_model && strcmp(c->real_model, "fixture");
    snprintf(cmd, sizeof cmd, "memgen reproduce --scale %s --seed %llu%s%s%s%s%s", mg_repro_scale_name(c->scale),
             (unsigned long long)c->seed, c->fmnist ? "" : " --no-fmnist", sec ? " --sections " : "",
             sec ? c->sections : "", real ? " --real-model " : "", real ? c->real_model : "");
    cJSON *sig = cJSON_CreateDoubleArray(ctx->sigmas, ctx->nsigmas);
    /* the seed as a string too: a double holds integers exactly only up to 2^53 */
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
    if (!cJSON_AddStringToObject(j, "memgen_version", MG_VERSION_STRING) ||
        !cJSON_AddStringToObject(j, "scale", mg_repro_scale_name(c->scale)) ||
        !cJSON_AddNumberToObject(j, "seed", (double)c->seed) || !cJSON_AddStringToObject(j, "seed_text", seed) ||
        !cJSON_AddStringToObject(j, "section_ids", sec ? c->sections : "") ||
        !cJSON_AddBoolToObject(j, "fmnist", c->fmnist != 0) ||
        !cJSON_AddStringToObject(j, "real_model", real ? c->real_model : "fixture") ||
        !cJSON_AddStringToObject(j, "rerun", cmd) || !sig || !cJSON_AddItemToObject(j, "sigmas", sig))
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    return MG_OK;
}

/* Build progress of one dataset, mapped into its share of the data stage. */
typedef struct {
    mg_repro_ctx *ctx;
    double f0, f1;
} build_progress;

/* mg_exp_progress_fn of a build. */
static void on_build(void *vp, const char *detail, double fraction) {
    build_progress *bp = vp;
    mg_repro_step(bp->ctx, detail, bp->f0 + fraction * (bp->f1 - bp->f0));
}

/* Builds the dataset of slot k at the run's scale (the setup section's
 * data tables) into ctx->xdata[k]; progress over [f0, f1] of the stage. */
static mg_status build_one(mg_repro_ctx *ctx, int k, double f0, double f1) {
    const mg_sec_dataset *ds = &mg_sec_setup.datasets[k];
    mg_exp_data_params p = mg_exp_data_params_default(ds->source);
    p.name = ds->name;
    p.fmnist_dir = ctx->cfg->fmnist_dir;
    int nf;
    const mg_field *fields = mg_exp_data_param_fields(&nf);
    MG_TRY(mg_repro_apply_scaled(ctx, ds->scaled, ds->nscaled, fields, nf, &p, "setup"));
    build_progress bp = {ctx, f0, f1};
    return mg_exp_data_build(&p, ctx->sigmas, ctx->nsigmas, &ctx->rng, on_build, &bp, &ctx->xdata[k]);
}

/* Builds the datasets the run needs (every mixture; Fashion-MNIST when
 * wanted, installed and not mog_only) and trains their sets. */
static mg_status build_data(mg_repro_ctx *ctx, int mog_only) {
    _Static_assert(MG_REPRO_MAX_DATASETS >= 3, "room for the setup section's datasets");
    const mg_section *su = &mg_sec_setup;
    int want[MG_REPRO_MAX_DATASETS] = {0}, nwant = 0, done = 0;
    for (int k = 0; k < su->ndatasets && k < MG_REPRO_MAX_DATASETS; k++) {
        int fm = su->datasets[k].source == MG_EXP_FMNIST;
        want[k] = !fm || (ctx->cfg->fmnist && !mog_only);
        nwant += want[k];
    }
    for (int k = 0; k < su->ndatasets && k < MG_REPRO_MAX_DATASETS; k++) {
        if (!want[k]) continue;
        double f0 = (double)done / nwant, f1 = (double)(done + 1) / nwant;
        done++;
        if (su->datasets[k].source == MG_EXP_FMNIST) mg_repro_step(ctx, "loading Fashion-MNIST", f0);
        mg_status st = build_one(ctx, k, f0, f1);
        /* the loader's own check of its four files decides whether Fashion-MNIST is installed */
        if (st == MG_ERR_NOT_FOUND && su->datasets[k].source == MG_EXP_FMNIST) {
            mg_clear_error();
            continue;
        }
        MG_TRY(st);
        ctx->have[k] = 1;
        ctx->ndata++;
    }
    return MG_OK;
}

/* Records the datasets' parameters in config.json. */
static mg_status record_data(mg_repro_ctx *ctx) {
    cJSON *o = cJSON_AddObjectToObject(ctx->config, "datasets");
    int nf, fmnist = 0;
    const mg_field *fields = mg_exp_data_param_fields(&nf);
    for (int k = 0; o && k < MG_REPRO_MAX_DATASETS; k++) {
        if (!ctx->have[k]) continue;
        fmnist |= ctx->xdata[k].source == MG_EXP_FMNIST;
        cJSON *d = cJSON_AddObjectToObject(o, ctx->xdata[k].name);
        if (!d) return mg_fail(MG_ERR_NOMEM, "out of memory");
        MG_TRY(mg_exp_fields_json(d, fields, nf, &ctx->xdata[k].params));
    }
    const char *fdir = ctx->cfg->fmnist_dir ? ctx->cfg->fmnist_dir : MG_FMNIST_DIR;
    if (!o || !cJSON_AddBoolToObject(ctx->config, "fmnist_used", fmnist) ||
        !cJSON_AddStringToObject(ctx->config, "fmnist_dir", fdir))
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    return MG_OK;
}

/* Frees everything the context owns (not the config). */
static void ctx_free(mg_repro_ctx *ctx) {
    for (int k = 0; k < MG_REPRO_MAX_DATASETS; k++) mg_exp_data_free(&ctx->xdata[k]);
    free(ctx->sigmas);
    mg_report_free(ctx->rep);
    cJSON_Delete(ctx->config);
    cJSON_Delete(ctx->results);
}

/* Runs one section, turning a failure into a box on the page. Returns the
 * section's status. */
static mg_status run_section(mg_repro_ctx *ctx, int i, cJSON *timing) {
    begin_stage(ctx, SECTIONS[i]->id, SECTIONS[i]->weight);
    double t = mg_now();
    mg_status s = mg_report_section(ctx->rep, SECTIONS[i]->heading);
    /* section real reads the fixture --real-model names (or makes) */
    char set[1100], dir[1024] = "";
    const char *sets[1] = {set};
    if (s == MG_OK && SECTIONS[i] == &mg_sec_real) s = mg_repro_real_fixture(ctx, dir, sizeof dir);
    if (s == MG_OK && *dir) {
        snprintf(set, sizeof set, "fixture=%s", dir);
        ctx->sets = sets;
        ctx->nsets = 1;
    }
    if (s == MG_OK) s = mg_repro_render(ctx, SECTIONS[i]);
    ctx->sets = NULL;
    ctx->nsets = 0;
    double secs = mg_now() - t;
    cJSON_AddNumberToObject(timing, SECTIONS[i]->id, secs);
    if (s != MG_OK && s != MG_ERR_NOMEM) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: %s", mg_status_str(s), mg_last_error());
        mg_status r = mg_report_claim(ctx->rep, "This section runs to completion.", msg, MG_VERDICT_FAIL,
                                      "The section stopped on this error; the rest of the report is unaffected.");
        if (r != MG_OK) return r;
    }
    end_stage(ctx);
    return s;
}

/* Adds the intro paragraphs and the timing table, then writes the files. */
static mg_status finish(mg_repro_ctx *ctx, cJSON *timing, double seconds, int failed) {
    char buf[1024], names[256] = "";
    for (int k = 0; k < MG_REPRO_MAX_DATASETS; k++)
        if (ctx->have[k]) {
            if (names[0]) strncat(names, "; ", sizeof names - strlen(names) - 1);
            strncat(names, ctx->xdata[k].title, sizeof names - strlen(names) - 1);
        }
    snprintf(buf, sizeof buf,
             "Scale '%s', seed %llu, %d noise levels (sigma %.3g .. %.3g), datasets: %s. Every number on this page is "
             "also in the CSV/JSON files linked beside it; config.json records every setting, and '%s' reruns it. "
             "Run time %.1f s.",
             mg_repro_scale_name(ctx->scale), (unsigned long long)ctx->cfg->seed, ctx->nsigmas, ctx->sigmas[0],
             ctx->sigmas[ctx->nsigmas - 1], names[0] ? names : "none",
             cJSON_GetObjectItem(ctx->config, "rerun")->valuestring, seconds);
    MG_TRY(mg_report_intro(ctx->rep, buf));
    if (failed) {
        snprintf(buf, sizeof buf, "%d section(s) stopped on an error; see the red boxes.", failed);
        MG_TRY(mg_report_intro(ctx->rep, buf));
    }
    MG_TRY(mg_report_section(ctx->rep, "Run time per stage"));
    int n = cJSON_GetArraySize(timing);
    const char **cells = calloc((size_t)n * 2, sizeof *cells);
    char(*num)[32] = calloc((size_t)n, sizeof *num);
    mg_status s = cells && num ? MG_OK : mg_fail(MG_ERR_NOMEM, "out of memory");
    int r = 0;
    for (cJSON *it = timing->child; it && s == MG_OK; it = it->next, r++) {
        snprintf(num[r], sizeof num[r], "%.2f", it->valuedouble);
        cells[2 * r] = it->string;
        cells[2 * r + 1] = num[r];
    }
    const char *hdr[2] = {"stage", "seconds"};
    if (s == MG_OK) s = mg_report_table(ctx->rep, "Wall time of each stage on this machine.", 2, hdr, n, cells);
    free(cells);
    free(num);
    int counts[4];
    mg_report_counts(ctx->rep, counts);
    cJSON *v = cJSON_AddObjectToObject(ctx->results, "verdicts");
    if (s == MG_OK && (!v || !cJSON_AddNumberToObject(v, "holds", counts[0]) ||
                       !cJSON_AddNumberToObject(v, "does_not_hold", counts[1]) ||
                       !cJSON_AddNumberToObject(v, "partly", counts[2]) ||
                       !cJSON_AddNumberToObject(v, "not_measured", counts[3])))
        s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_report_write(ctx->rep, "index.html");
    if (s == MG_OK) s = mg_repro_json(ctx, "config.json", ctx->config);
    if (s == MG_OK) s = mg_repro_json(ctx, "summary.json", ctx->results);
    return s;
}

/* Sets up a run's context: generator, noise grid, JSON records. */
static mg_status ctx_init(mg_repro_ctx *ctx, const mg_repro_config *cfg) {
    memset(ctx, 0, sizeof *ctx);
    ctx->cfg = cfg;
    ctx->scale = cfg->scale;
    ctx->t0 = mg_now();
    mg_rng_init(&ctx->rng, cfg->seed);
    ctx->nsigmas = (int)pick(ctx, 3, 7, 21);
    ctx->sigmas = malloc((size_t)ctx->nsigmas * sizeof(double));
    ctx->config = cJSON_CreateObject();
    ctx->results = cJSON_CreateObject();
    if (!ctx->sigmas || !ctx->config || !ctx->results) return mg_fail(MG_ERR_NOMEM, "out of memory");
    /* geom:0.02:2:K with K odd: the middle level is sqrt(0.02 * 2) = 0.2, the
     * level of the paper's single-DAE figures, stored exactly */
    MG_TRY(mg_sigmas_geometric(0.02, 2.0, ctx->nsigmas, ctx->sigmas));
    ctx->sigmas[ctx->nsigmas / 2] = 0.2;
    return MG_OK;
}

/* Checks the parts of a configuration every run needs. */
static mg_status check_config(const mg_repro_config *cfg) {
    if (!cfg || !cfg->out_dir || !*cfg->out_dir) return mg_fail(MG_ERR_ARG, "reproduce: an output folder is required");
    if (cfg->scale < MG_REPRO_SMOKE || cfg->scale > MG_REPRO_FULL) return mg_fail(MG_ERR_ARG, "reproduce: bad scale");
    return MG_OK;
}

/* Removes path and everything below it (nftw callback). */
static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* The files a report writes at the top of its folder. */
static const char *const REPORT_FILES[] = {"index.html", "config.json", "summary.json"};

/* An earlier report in cfg->out_dir: refused unless cfg->replace, which
 * removes its own files and folders (setup/ and every section's) first. */
static mg_status clear_earlier_report(const mg_repro_config *cfg) {
    char path[4096];
    struct stat sb;
    int found = 0;
    for (size_t i = 0; i < sizeof REPORT_FILES / sizeof REPORT_FILES[0] && !found; i++) {
        snprintf(path, sizeof path, "%s/%s", cfg->out_dir, REPORT_FILES[i]);
        found = stat(path, &sb) == 0;
    }
    if (!found) return MG_OK;
    if (!cfg->replace)
        return mg_fail(MG_ERR_ARG, "reproduce: %s holds an earlier report (%s); choose another folder, or replace "
                       "that report (--force)", cfg->out_dir, path);
    const char *names[sizeof REPORT_FILES / sizeof REPORT_FILES[0] + 1 + NSECTIONS];
    int n = 0;
    for (size_t i = 0; i < sizeof REPORT_FILES / sizeof REPORT_FILES[0]; i++) names[n++] = REPORT_FILES[i];
    names[n++] = mg_sec_setup.id;
    for (int i = 0; i < NSECTIONS; i++) names[n++] = SECTIONS[i]->id;
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", cfg->out_dir, names[i]);
        if (lstat(path, &sb) != 0) continue;
        if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
            return mg_fail(MG_ERR_IO, "reproduce: cannot remove the earlier report's %s: %s", path, strerror(errno));
    }
    return MG_OK;
}

/* Runs the whole reproduction. */
mg_status mg_reproduce(const mg_repro_config *cfg, mg_repro_summary *summary) {
    if (summary) memset(summary, 0, sizeof *summary);
    MG_TRY(check_config(cfg));
    int chosen[NSECTIONS];
    MG_TRY(parse_sections(cfg->sections, chosen));
    MG_TRY(clear_earlier_report(cfg));
    mg_repro_ctx ctx;
    mg_status s = ctx_init(&ctx, cfg);
    cJSON *timing = s == MG_OK ? cJSON_AddObjectToObject(ctx.results, "seconds") : NULL;
    if (s == MG_OK && !timing) s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_report_create(cfg->out_dir, "memgen: reproducing \"Generalization of Diffusion Models Arises "
                                                       "with a Balanced Representation Space\"", &ctx.rep);
    if (s == MG_OK) s = record_config(&ctx);
    for (int i = 0; i < NSECTIONS; i++)
        if (chosen[i]) ctx.total_weight += SECTIONS[i]->weight;
    ctx.total_weight += data_weight(&ctx);
    if (s == MG_OK) {
        begin_stage(&ctx, "data", data_weight(&ctx));
        double t = mg_now();
        s = mg_report_section(ctx.rep, mg_sec_setup.heading);
        if (s == MG_OK) s = build_data(&ctx, 0);
        if (s == MG_OK) s = record_data(&ctx);
        if (s == MG_OK) s = mg_repro_render(&ctx, &mg_sec_setup);
        cJSON_AddNumberToObject(timing, "data", mg_now() - t);
        end_stage(&ctx);
    }
    mg_status first = MG_OK;
    int failed = 0, run = 0;
    for (int i = 0; i < NSECTIONS && s == MG_OK; i++) {
        if (!chosen[i]) continue;
        mg_status r = run_section(&ctx, i, timing);
        if (r == MG_ERR_NOMEM || r == MG_ERR_INTERRUPTED) s = r;
        else if (r != MG_OK) {
            failed++;
            if (first == MG_OK) first = r;
        } else run++;
    }
    double seconds = mg_now() - ctx.t0;
    if (s == MG_OK) {
        begin_stage(&ctx, "report", 0.0);
        s = finish(&ctx, timing, seconds, failed);
    }
    if (summary && ctx.rep) {
        mg_report_counts(ctx.rep, summary->verdicts);
        summary->sections_run = run;
        summary->sections_failed = failed;
        summary->seconds = seconds;
    }
    ctx_free(&ctx);
    if (s == MG_OK && first != MG_OK)
        s = mg_fail(first, "reproduce: %d section(s) failed; see %s/index.html", failed, cfg->out_dir);
    return s;
}

/* The section that runs experiment id (the setup section or a report section). */
static mg_status find_experiment(const char *id, const mg_section **out) {
    *out = id && !strcmp(id, mg_sec_setup.id) ? &mg_sec_setup : NULL;
    for (int i = 0; i < NSECTIONS && !*out; i++)
        if (id && !strcmp(SECTIONS[i]->id, id)) *out = SECTIONS[i];
    if (!*out)
        return mg_fail(MG_ERR_ARG, "unknown experiment '%s' (experiments: %s)", id ? id : "", mg_repro_experiment_list());
    return MG_OK;
}

/* The report's parameters of an experiment at a scale. */
mg_status mg_repro_experiment_params(mg_repro_scale scale, const char *id, void *params) {
    const mg_section *sec;
    MG_TRY(find_experiment(id, &sec));
    if (scale < MG_REPRO_SMOKE || scale > MG_REPRO_FULL) return mg_fail(MG_ERR_ARG, "reproduce: bad scale");
    mg_repro_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.scale = scale;
    return mg_repro_section_params(&ctx, sec, NULL, 0, params);
}

/* Runs one experiment as the report would and writes its results. */
mg_status mg_repro_experiment(const mg_repro_config *cfg, const char *id, const char *const *sets, int nsets) {
    MG_TRY(check_config(cfg));
    const mg_section *sec;
    MG_TRY(find_experiment(id, &sec));
    mg_repro_ctx ctx;
    mg_status s = ctx_init(&ctx, cfg);
    /* fail on a bad override before the data are built */
    void *probe = s == MG_OK ? calloc(1, sec->exp->params_size) : NULL;
    if (s == MG_OK && !probe) s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_repro_section_params(&ctx, sec, sets, nsets, probe);
    free(probe);
    ctx.total_weight = data_weight(&ctx) + sec->weight;
    if (s == MG_OK && sec->exp->inputs != MG_EXP_OWN_DATA) {
        begin_stage(&ctx, "data", data_weight(&ctx));
        s = build_data(&ctx, sec->exp->inputs == MG_EXP_MOG_DATASET);
        end_stage(&ctx);
    }
    if (s == MG_OK) {
        begin_stage(&ctx, id, sec->weight);
        s = mg_repro_run_experiment(&ctx, sec, sets, nsets, cfg->out_dir);
        end_stage(&ctx);
    }
    ctx_free(&ctx);
    return s;
}

/* Comma-separated ids of the experiments the report runs (setup first). */
const char *mg_repro_experiment_list(void) {
    static char list[256];
    if (!list[0]) {
        strcat(list, mg_sec_setup.id);
        for (int i = 0; i < NSECTIONS; i++) {
            strcat(list, ",");
            strcat(list, SECTIONS[i]->id);
        }
    }
    return list;
}
