/*
 * The renderer of `memgen reproduce`: runs a section's experiment (section.h)
 * and lays its results out from the section's tables, the same way for
 * every section: per dataset (or once) the opening paragraph, the figures
 * and tables (render_figures.c), the data files (every result table as CSV,
 * every array as .npy, image arrays as PNG grids), then the claim boxes with
 * their verdicts (render_claims.c); the parameters go to config.json, the
 * results and verdicts to summary.json and <section>/summary.json. The same
 * calls also run an experiment for `memgen experiment run`, without a page.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/exp_internal.h"
#include "memgen/fileio.h"
#include "render_internal.h"

/* ---- the run's JSON records and output files ----------------------------------------------- */

/* The object `key` of parent, created when missing (NULL on OOM). */
static cJSON *child_object(cJSON *parent, const char *key) {
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!o) o = cJSON_AddObjectToObject(parent, key);
    return o;
}

/* The section's settings object in config.json. */
cJSON *mg_repro_settings(mg_repro_ctx *ctx, const char *section) {
    return child_object(child_object(ctx->config, "sections"), section);
}

/* The section's object in summary.json. */
cJSON *mg_repro_results(mg_repro_ctx *ctx, const char *section) {
    return child_object(child_object(ctx->results, "sections"), section);
}

/* JSON file beside the report. */
mg_status mg_repro_json(const mg_repro_ctx *ctx, const char *rel, const cJSON *v) {
    char *path;
    MG_TRY(mg_report_path(ctx->rep, rel, &path));
    mg_status s = mg_write_json_atomic(path, v);
    free(path);
    return s;
}



/* Writes a section's results object to DIR/<section>/<name> and links it. */
static mg_status summary_file(mg_repro_ctx *ctx, const char *section, const char *name, const cJSON *res) {
    char rel[160];
    snprintf(rel, sizeof rel, "%s/%s", section, name);
    const char *f = rel;
    MG_TRY(mg_repro_json(ctx, rel, res));
    return mg_report_files(ctx->rep, &f, 1);
}


/* ---- data files ---------------------------------------------------------------------------- */

/* Whether name is in a comma-separated list; a NULL list holds every name. */
int rd_in_list(const char *list, const char *name) {
    if (!list) return 1;
    size_t len = strlen(name);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && !strncmp(p, name, len)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

/* Whether a result table holds wall times (mg_section.wall_time_tables). */
int rd_is_wall_time(const mg_section *sec, const char *name) {
    return sec->wall_time_tables && rd_in_list(sec->wall_time_tables, name);
}

/* Writes every table and array of the result (arrays drawn by an image
 * figure only as their PNG) and links them. */
static mg_status data_files(const call_t *c) {
    enum { MAXSKIP = MG_SEC_MAX_FIGURES + 16 };
    const char *skip[MAXSKIP + 1];
    char names_buf[512];
    int ns = 0;
    for (int i = 0; i < c->sec->nfigures && ns < MAXSKIP; i++)
        if (c->sec->figures[i].kind == MG_FIG_IMAGES) skip[ns++] = c->sec->figures[i].array;
    /* wall-time tables are shown and recorded in summary.json, never written as files */
    snprintf(names_buf, sizeof names_buf, "%s", c->sec->wall_time_tables ? c->sec->wall_time_tables : "");
    for (char *p = names_buf; *p && ns < MAXSKIP;) {
        char *e = strchr(p, ',');
        if (e) *e = '\0';
        skip[ns++] = p;
        if (!e) break;
        p = e + 1;
    }
    skip[ns] = NULL;
    mg_exp_write_opts o = {mg_report_dir(c->ctx->rep), c->sec->id, c->prefix, skip, NULL};
    char **names;
    int nf;
    MG_TRY(mg_experiment_write(c->sec->exp, c->result, &o, &names, &nf));
    mg_status s = nf > 0 ? mg_report_files(c->ctx->rep, (const char *const *)names, nf) : MG_OK;
    mg_experiment_names_free(names, nf);
    return s;
}


/* Adds the wall-time tables of a result to o: {table: {column: [values]}}. */
static mg_status wall_times_json(const call_t *c, cJSON *o) {
    const mg_experiment *e = c->sec->exp;
    for (int i = 0; i < e->nresults; i++) {
        const mg_table *t = mg_field_ptr(c->result, &e->results[i]);
        if (e->results[i].type != MG_FIELD_TABLE || !t->name || !rd_is_wall_time(c->sec, t->name)) continue;
        cJSON *to = cJSON_AddObjectToObject(o, t->name);
        for (int k = 0; to && k < t->ncols; k++) {
            cJSON *a = cJSON_AddArrayToObject(to, t->cols[k].name);
            for (int64_t r = 0; a && r < t->nrows; r++) {
                double v;
                const char *text = NULL;
                rd_cell(t, k, r, &v, &text);
                cJSON *item = text ? cJSON_CreateString(text) : isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
                if (!item || !cJSON_AddItemToArray(a, item)) {
                    cJSON_Delete(item);
                    a = NULL;
                }
            }
            if (!a) to = NULL;
        }
        if (!to) return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    return MG_OK;
}


/* ---- a section ---------------------------------------------------------------------------------- */

/* Expands an intro template in a scope and adds it to the page, one
 * paragraph per part between blank lines ("\n\n"); empty parts are skipped. */
static mg_status paragraphs(const call_t *c, const char *tpl, const mg_tpl_scope *sc) {
    char *text = NULL;
    MG_TRY(rd_expand(c, tpl, sc, &text));
    mg_status s = MG_OK;
    for (char *p = text; p && *p && s == MG_OK;) {
        char *e = strstr(p, "\n\n");
        if (e) *e = '\0';
        while (*p == ' ' || *p == '\n') p++;
        if (*p) s = mg_report_paragraph(c->ctx->rep, p);
        p = e ? e + 2 : NULL;
    }
    free(text);
    return s;
}


/* The body of one call: paragraphs, figures, tables, files, claims, results. */
static mg_status render_call(call_t *c, int subsection) {
    const mg_section *sec = c->sec;
    MG_TRY(rd_check_names(c));
    if (subsection) {
        char title[224];
        snprintf(title, sizeof title, "%s%s", c->data->title,
                 rd_in_list(sec->paper_data, mg_exp_source_names[c->data->source]) ? ""
                                                                               : " (an extension: not in the paper)");
        MG_TRY(mg_report_subsection(c->ctx->rep, title));
    }
    mg_status s = paragraphs(c, sec->dataset_intro, &c->result_sc);
    for (int i = 0; i < sec->nfigures && s == MG_OK; i++) s = rd_figure(c, &sec->figures[i]);
    for (int i = 0; i < sec->ntables && s == MG_OK; i++) s = rd_page_table(c, &sec->tables[i]);
    if (s == MG_OK) s = data_files(c);
    for (int i = 0; i < sec->nclaims && s == MG_OK; i++) s = rd_claim(c, &sec->claims[i]);
    if (s == MG_OK) s = mg_exp_fields_json(c->res, sec->exp->results, sec->exp->nresults, c->result);
    if (s == MG_OK) s = wall_times_json(c, c->res);
    return s;
}

/* Progress of an experiment, mapped into the section's share. */
typedef struct {
    mg_repro_ctx *ctx;
    char what[32];
    double f0, f1;
} exp_progress;

/* mg_exp_env.progress: "<dataset>: detail" at the call's slice of the section. */
static void on_progress(void *vp, const char *detail, double fraction) {
    exp_progress *ep = vp;
    char buf[192];
    snprintf(buf, sizeof buf, "%s%s%s", ep->what, *ep->what ? ": " : "", detail);
    mg_repro_step(ep->ctx, buf, ep->f0 + fraction * (ep->f1 - ep->f0));
}

/* Applies scaled values to a described struct. */
mg_status mg_repro_apply_scaled(const mg_repro_ctx *ctx, const mg_sec_scaled *scaled, int n, const mg_field *fields,
                                int nfields, void *obj, const char *what) {
    for (int i = 0; i < n; i++) {
        const mg_field *f = mg_field_find(fields, nfields, scaled[i].param);
        if (!f || !mg_field_is_number(f->type))
            return mg_fail(MG_ERR_ARG, "%s: no numeric parameter '%s'", what, scaled[i].param);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", scaled[i].at[ctx->scale]);
        MG_TRY(mg_field_parse(obj, f, buf));
    }
    return MG_OK;
}

/* The section's parameters: the library defaults, the scaled values, then
 * the overrides "name=value" (sets may be NULL). */
mg_status mg_repro_section_params(const mg_repro_ctx *ctx, const mg_section *sec, const char *const *sets, int nsets,
                                  void *params) {
    const mg_experiment *e = sec->exp;
    e->defaults(params);
    MG_TRY(mg_repro_apply_scaled(ctx, sec->scaled, sec->nscaled, e->params, e->nparams, params, sec->id));
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        char name[96];
        if (!eq || eq == sets[i] || (size_t)(eq - sets[i]) >= sizeof name)
            return mg_fail(MG_ERR_ARG, "'%s': expected name=value", sets[i]);
        snprintf(name, sizeof name, "%.*s", (int)(eq - sets[i]), sets[i]);
        const mg_field *f = mg_field_find(e->params, e->nparams, name);
        if (!f) {
            char list[512] = "";
            for (int k = 0; k < e->nparams; k++) {
                strncat(list, k ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, e->params[k].name, sizeof list - strlen(list) - 1);
            }
            return mg_fail(MG_ERR_ARG, "experiment %s has no parameter '%s' (parameters: %s)", e->id, name, list);
        }
        MG_TRY(mg_field_parse(params, f, eq + 1));
    }
    return MG_OK;
}

/* What is done with each call's result. */
typedef mg_status (*call_fn)(call_t *c, void *arg);

/* Runs the section's experiment once per dataset or once (as its inputs
 * say) and hands every result to fn. */
static mg_status for_each_call(mg_repro_ctx *ctx, const mg_section *sec, const void *params, cJSON *res, call_fn fn,
                               void *arg) {
    const mg_experiment *e = sec->exp;
    /* the datasets of the run in slot order, and the calls: one per dataset
     * (each, or each mixture), or one that sees them all / none */
    const mg_exp_data *all[MG_REPRO_MAX_DATASETS], *calls[MG_REPRO_MAX_DATASETS];
    int slots[MG_REPRO_MAX_DATASETS], nall = 0, ncalls = 0;
    int per = e->inputs == MG_EXP_EACH_DATASET || e->inputs == MG_EXP_MOG_DATASET;
    for (int k = 0; k < MG_REPRO_MAX_DATASETS; k++) {
        if (!ctx->have[k]) continue;
        all[nall++] = &ctx->xdata[k];
        if (e->inputs == MG_EXP_EACH_DATASET || (e->inputs == MG_EXP_MOG_DATASET && ctx->xdata[k].has_mog))
            slots[ncalls] = k, calls[ncalls++] = &ctx->xdata[k];
    }
    if (!per) ncalls = 1;
    mg_rng rng = mg_rng_fork_named(&ctx->rng, sec->id);
    fields_ctx pf, rf;
    mg_status s = MG_OK;
    for (int k = 0; k < ncalls && s == MG_OK; k++) {
        void *result = calloc(1, e->result_size);
        if (!result) return mg_fail(MG_ERR_NOMEM, "out of memory");
        exp_progress ep = {ctx, "", (double)k / ncalls, (double)(k + 1) / ncalls};
        mg_exp_env env = {per ? calls + k : all, per ? 1 : e->inputs == MG_EXP_ALL_DATASETS ? nall : 0,
                          per ? slots[k] : 0, &rng, ctx->sigmas, ctx->nsigmas, on_progress, &ep};
        call_t c = {ctx, sec, params, NULL, result, "", res, {0}, {0}, {0}, {0}, {0}, NULL, NULL};
        if (per) {
            c.data = calls[k];
            snprintf(ep.what, sizeof ep.what, "%s", c.data->name);
            snprintf(c.prefix, sizeof c.prefix, "%s_", c.data->name);
            if (res && !(c.res = cJSON_AddObjectToObject(res, c.data->name))) s = mg_fail(MG_ERR_NOMEM, "out of memory");
        }
        rd_call_scopes(&c, &pf, &rf);
        if (s == MG_OK) s = e->run(params, &env, result);
        if (s == MG_OK) s = fn(&c, arg);
        e->free(result);
        free(result);
    }
    return s;
}

/* What render_fn gets: whether the section is per dataset, and its script. */
typedef struct {
    int per;
    rd_script *py;
    rd_panels *panels;
} render_arg;

/* call_fn of the report: the call's part of the page. */
static mg_status render_fn(call_t *c, void *arg) {
    const render_arg *ra = arg;
    c->py = ra->py;
    c->panels = ra->panels;
    return render_call(c, ra->per);
}

/* Runs a section and renders it (the heading is already on the page). */
mg_status mg_repro_render(mg_repro_ctx *ctx, const mg_section *sec) {
    const mg_experiment *e = sec->exp;
    void *params = calloc(1, e->params_size);
    if (!params) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_status s = mg_repro_section_params(ctx, sec, ctx->sets, ctx->nsets, params);
    cJSON *set = mg_repro_settings(ctx, sec->id), *res = mg_repro_results(ctx, sec->id);
    if (s == MG_OK && (!set || !res)) s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_exp_fields_json(set, e->params, e->nparams, params);
    call_t c0 = {ctx, sec, params, NULL, NULL, "", res, {0}, {0}, {0}, {0}, {0}, NULL, NULL};
    fields_ctx pf, rf;
    rd_call_scopes(&c0, &pf, &rf);
    char *analog = NULL;
    if (s == MG_OK && sec->analog) s = rd_expand(&c0, sec->analog, &c0.params_sc, &analog);
    if (s == MG_OK && analog) s = mg_report_paragraphf(ctx->rep, "Analog of the paper's result: %s", analog);
    free(analog);
    if (s == MG_OK) s = paragraphs(&c0, sec->intro, &c0.params_sc);
    rd_script py = {{0}, {0}, 0};
    rd_panels panels = {0};
    render_arg ra = {e->inputs == MG_EXP_EACH_DATASET || e->inputs == MG_EXP_MOG_DATASET, &py, &panels};
    if (s == MG_OK) s = for_each_call(ctx, sec, params, res, render_fn, &ra);
    mg_status ps = rd_py_write(ctx, sec, &py, s == MG_OK); /* a failed section writes neither */
    if (s == MG_OK) s = ps;
    ps = rd_panels_write(ctx, sec, &panels, s == MG_OK);
    if (s == MG_OK) s = ps;
    if (s == MG_OK) s = mg_report_subsection(ctx->rep, "All numbers");
    if (s == MG_OK) s = summary_file(ctx, sec->id, sec->summary_file ? sec->summary_file : "summary.json", res);
    free(params);
    return s;
}

/* call_fn of `memgen experiment run`: the call's files in the output folder. */
static mg_status write_fn(call_t *c, void *arg) {
    mg_exp_write_opts o = {(const char *)arg, NULL, c->prefix, NULL, "results"};
    char **names;
    int n;
    MG_TRY(mg_experiment_write(c->sec->exp, c->result, &o, &names, &n));
    mg_experiment_names_free(names, n);
    return MG_OK;
}

/* Runs a section's experiment with overrides and writes its results to dir. */
mg_status mg_repro_run_experiment(mg_repro_ctx *ctx, const mg_section *sec, const char *const *sets, int nsets,
                                  const char *dir) {
    const mg_experiment *e = sec->exp;
    void *params = calloc(1, e->params_size);
    cJSON *pj = cJSON_CreateObject();
    mg_status s = params && pj ? mg_repro_section_params(ctx, sec, sets, nsets, params)
                               : mg_fail(MG_ERR_NOMEM, "out of memory");
    char *path = NULL;
    if (s == MG_OK) s = mg_exp_fields_json(pj, e->params, e->nparams, params);
    if (s == MG_OK) s = mg_mkdir_p(dir);
    if (s == MG_OK && !(path = malloc(strlen(dir) + 16))) s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) {
        sprintf(path, "%s/params.json", dir);
        s = mg_write_json_atomic(path, pj);
    }
    if (s == MG_OK) s = for_each_call(ctx, sec, params, NULL, write_fn, (void *)dir);
    free(path);
    cJSON_Delete(pj);
    free(params);
    return s;
}
