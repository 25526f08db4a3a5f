/*
 * The renderer of `memgen reproduce`: runs a section's experiment (section.h)
 * and lays its results out from the section's tables, the same way for
 * every section: per dataset (or once) the opening paragraph, the figures,
 * the tables, the data files (every result table as CSV, every array as
 * .npy, image arrays as PNG grids), then the claim boxes with their verdicts;
 * the parameters go to config.json, the results and verdicts to
 * summary.json and <section>/summary.json.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/exp_internal.h"
#include "memgen/fileio.h"
#include "repro.h"
#include "section.h"
#include "template.h"

/* One call of a section's experiment and what the templates see. */
typedef struct {
    mg_repro_ctx *ctx;
    const mg_section *sec;
    const void *params;
    const mg_exp_data *data; /* the dataset of an EACH / MOG call, else NULL */
    const void *result;
    char prefix[24];         /* "mog_" for per-dataset calls, else "" */
    cJSON *res;              /* this call's object in summary.json */
    mg_tpl_scope claims_sc, run_sc, data_sc, params_sc, result_sc;
} call_t;

/* ---- scopes ------------------------------------------------------------------------ */

/* run.*: the run's facts. */
static mg_status run_lookup(const void *vctx, const char *name, double *num, const char **text) {
    const mg_repro_ctx *ctx = vctx;
    if (strncmp(name, "run.", 4)) return MG_ERR_NOT_FOUND;
    name += 4;
    if (!strcmp(name, "nsigmas")) *num = ctx->nsigmas;
    else if (!strcmp(name, "sigma_min")) *num = ctx->sigmas[0];
    else if (!strcmp(name, "sigma_max")) *num = ctx->sigmas[ctx->nsigmas - 1];
    else if (!strcmp(name, "seed")) *num = (double)ctx->cfg->seed;
    else if (!strcmp(name, "scale")) *text = mg_repro_scale_name(ctx->scale);
    else if (!strcmp(name, "ndata")) *num = ctx->ndata;
    else if (!strcmp(name, "fmnist_wanted")) *num = ctx->cfg->fmnist;
    else return MG_ERR_NOT_FOUND;
    return MG_OK;
}

static mg_status threshold_lookup(const void *vcl, const char *name, double *num, const char **text);

/* claims.<id>.H1, claims.<id>.P1, ...: a threshold of one of the section's
 * claims, so a figure can draw it without repeating it. */
static mg_status claims_lookup(const void *vsec, const char *name, double *num, const char **text) {
    const mg_section *sec = vsec;
    const char *id = name + 7, *dot = strrchr(name, '.');
    if (strncmp(name, "claims.", 7) || dot < id) return MG_ERR_NOT_FOUND;
    for (int i = 0; i < sec->nclaims; i++)
        if (strlen(sec->claims[i].id) == (size_t)(dot - id) && !strncmp(sec->claims[i].id, id, (size_t)(dot - id)))
            return threshold_lookup(&sec->claims[i], dot + 1, num, text);
    return MG_ERR_NOT_FOUND;
}

/* data.*: the dataset's facts. */
static mg_status data_lookup(const void *vd, const char *name, double *num, const char **text) {
    const mg_exp_data *d = vd;
    if (!d || strncmp(name, "data.", 5)) return MG_ERR_NOT_FOUND;
    name += 5;
    if (!strcmp(name, "name")) *text = d->name;
    else if (!strcmp(name, "title")) *text = d->title;
    else if (!strcmp(name, "d")) *num = (double)d->d;
    else if (!strcmp(name, "has_mog")) *num = d->has_mog;
    else if (!strcmp(name, "images")) *num = d->img_h > 0;
    else if (!strcmp(name, "n_mem")) *num = (double)d->mem.shape[0];
    else if (!strcmp(name, "n_gen")) *num = (double)d->gen.shape[0];
    else if (!strcmp(name, "n_test")) *num = (double)d->test.shape[0];
    else if (!strcmp(name, "p_mem")) *num = (double)d->params.mem_train.hidden;
    else if (!strcmp(name, "p_gen")) *num = (double)d->params.gen_train.hidden;
    else if (!strcmp(name, "mem_max_cosine")) *num = d->mem_max_cosine;
    else if (!strcmp(name, "nclasses")) *num = d->nclasses;
    else return MG_ERR_NOT_FOUND;
    return MG_OK;
}

/* A described struct seen as a scope. */
typedef struct {
    const mg_field *fields;
    int n;
    const void *obj;
} fields_ctx;

/* Names of a described struct: number and text fields, and <table>.rows. */
static mg_status fields_lookup(const void *vfc, const char *name, double *num, const char **text) {
    const fields_ctx *fc = vfc;
    const mg_field *f = mg_field_find(fc->fields, fc->n, name);
    if (f && mg_field_is_number(f->type)) return mg_field_get(fc->obj, f, num);
    if (f && f->type == MG_FIELD_TEXT) {
        *text = mg_field_ptr(fc->obj, f);
        return MG_OK;
    }
    if (f && f->type == MG_FIELD_STR) {
        const char *s = *(const char *const *)mg_field_ptr(fc->obj, f);
        *text = s ? s : "";
        return MG_OK;
    }
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".rows")) {
        char base[96];
        snprintf(base, sizeof base, "%.*s", (int)(dot - name), name);
        f = mg_field_find(fc->fields, fc->n, base);
        if (f && f->type == MG_FIELD_TABLE) {
            *num = (double)((const mg_table *)mg_field_ptr(fc->obj, f))->nrows;
            return MG_OK;
        }
        if (f && f->type == MG_FIELD_ARRAY) {
            *num = (double)((const mg_array *)mg_field_ptr(fc->obj, f))->shape[0];
            return MG_OK;
        }
    }
    return MG_ERR_NOT_FOUND;
}

/* Builds the scope chain of a call: result -> params -> data -> run -> claims. */
static void call_scopes(call_t *c, fields_ctx *pf, fields_ctx *rf) {
    const mg_experiment *e = c->sec->exp;
    *pf = (fields_ctx){e->params, e->nparams, c->params};
    *rf = (fields_ctx){e->results, e->nresults, c->result};
    c->claims_sc = (mg_tpl_scope){claims_lookup, c->sec, NULL};
    c->run_sc = (mg_tpl_scope){run_lookup, c->ctx, &c->claims_sc};
    c->data_sc = (mg_tpl_scope){data_lookup, c->data, &c->run_sc};
    c->params_sc = (mg_tpl_scope){fields_lookup, pf, &c->data_sc};
    c->result_sc = (mg_tpl_scope){fields_lookup, rf, &c->params_sc};
}

/* One row of a table as a scope. */
typedef struct {
    const mg_table *t;
    int64_t i;
    const char *group;    /* series label: the group value */
    const mg_table *join; /* page tables: a second table whose row i is also in scope, or NULL */
} row_ctx;

/* Column c of row i as a number or text. */
static void cell(const mg_table *t, int c, int64_t i, double *num, const char **text) {
    if (t->cols[c].kind == MG_COL_F64) *num = t->cols[c].num[i];
    else *text = t->cols[c].text[i] ? t->cols[c].text[i] : "";
}

/* Columns of the row (then of the joined row) by name; "table" and "group" for series labels. */
static mg_status row_lookup(const void *vrc, const char *name, double *num, const char **text) {
    const row_ctx *rc = vrc;
    if (!strcmp(name, "table") && rc->t) {
        *text = rc->t->name;
        return MG_OK;
    }
    if (!strcmp(name, "group") && rc->group) {
        *text = rc->group;
        return MG_OK;
    }
    int c = rc->t && rc->i >= 0 ? mg_table_find(rc->t, name) : -1;
    if (c >= 0) {
        cell(rc->t, c, rc->i, num, text);
        return MG_OK;
    }
    c = rc->join && rc->i >= 0 && rc->i < rc->join->nrows ? mg_table_find(rc->join, name) : -1;
    if (c < 0) return MG_ERR_NOT_FOUND;
    cell(rc->join, c, rc->i, num, text);
    return MG_OK;
}

/* Expands a template in a scope; the message names the section. */
static mg_status expand(const call_t *c, const char *tpl, const mg_tpl_scope *sc, char **out) {
    mg_status s = mg_tpl_expand(tpl, sc, out);
    return s == MG_OK ? s : mg_fail_context(s, "section %s", c->sec->id);
}

/* Evaluates an expression; NULL is 1 (an absent condition holds). */
static mg_status eval(const call_t *c, const char *expr, const mg_tpl_scope *sc, double *v) {
    if (!expr) {
        *v = 1;
        return MG_OK;
    }
    mg_status s = mg_tpl_eval(expr, sc, v);
    return s == MG_OK ? s : mg_fail_context(s, "section %s", c->sec->id);
}

/* Whether an optional condition expression holds (nonzero, not NaN). */
static mg_status holds_when(const call_t *c, const char *when, const mg_tpl_scope *sc, int *yes) {
    double v;
    MG_TRY(eval(c, when, sc, &v));
    *yes = v != 0 && !isnan(v);
    return MG_OK;
}

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

/* Records a claim's verdict in summary.json's "claims" object (and its id in
 * "timing_claims" when its rule reads wall times). */
static mg_status record_claim(mg_repro_ctx *ctx, const char *id, mg_verdict v, int timing) {
    if (!ctx->claims && !(ctx->claims = cJSON_AddObjectToObject(ctx->results, "claims")))
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    if (cJSON_GetObjectItemCaseSensitive(ctx->claims, id))
        return mg_fail(MG_ERR_ARG, "reproduce: claim id '%s' is used twice", id);
    if (!cJSON_AddStringToObject(ctx->claims, id, mg_verdict_str(v))) return mg_fail(MG_ERR_NOMEM, "out of memory");
    if (timing) {
        cJSON *t = cJSON_GetObjectItemCaseSensitive(ctx->results, "timing_claims");
        if (!t) t = cJSON_AddArrayToObject(ctx->results, "timing_claims");
        cJSON *item = cJSON_CreateString(id);
        if (!t || !item || !cJSON_AddItemToArray(t, item)) {
            cJSON_Delete(item);
            return mg_fail(MG_ERR_NOMEM, "out of memory");
        }
    }
    return MG_OK;
}

/* Titles, labels, embeds and frees a plot; s is the status of building it so
 * far (when not MG_OK the plot is only freed). */
static mg_status plot_emit(mg_repro_ctx *ctx, mg_plot *p, mg_status s, const char *title, const char *xlabel,
                           const char *ylabel, const char *caption) {
    if (s == MG_OK) s = mg_plot_title(p, title);
    if (s == MG_OK) s = mg_plot_xlabel(p, xlabel);
    if (s == MG_OK) s = mg_plot_ylabel(p, ylabel);
    if (s == MG_OK) s = mg_report_plot(ctx->rep, p, caption);
    mg_plot_free(p);
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

/* ---- result access ------------------------------------------------------------------ */

/* The result's field of a type by name, or NULL. */
static const void *result_member(const call_t *c, const char *name, mg_field_type type) {
    const mg_field *f = mg_field_find(c->sec->exp->results, c->sec->exp->nresults, name);
    return f && f->type == type ? mg_field_ptr(c->result, f) : NULL;
}

/* The result table named `name` (its own name, the stem of its CSV file):
 * a TABLE field or a table of a TABLES list. */
static const mg_table *result_table(const call_t *c, const char *name) {
    const mg_experiment *e = c->sec->exp;
    for (int i = 0; i < e->nresults; i++) {
        const void *m = mg_field_ptr(c->result, &e->results[i]);
        if (e->results[i].type == MG_FIELD_TABLE && ((const mg_table *)m)->name &&
            !strcmp(((const mg_table *)m)->name, name))
            return m;
        if (e->results[i].type == MG_FIELD_TABLES) {
            const mg_table *t = mg_table_list_find(m, name);
            if (t) return t;
        }
    }
    return NULL;
}

/* The tables a series names: one, or every table of the lists whose name
 * starts with the prefix before '*'; the name is a template (tables named
 * after a run-time value). Fills up to max pointers. */
static int series_tables(const call_t *c, const char *pattern, const mg_table **out, int max) {
    char *name = NULL;
    if (strchr(pattern, '{')) {
        if (mg_tpl_expand(pattern, &c->result_sc, &name) != MG_OK) return 0;
        pattern = name;
    }
    const char *star = strchr(pattern, '*');
    int n = 0;
    if (!star) {
        out[0] = result_table(c, pattern);
        n = out[0] ? 1 : 0;
    }
    size_t len = star ? (size_t)(star - pattern) : 0;
    const mg_experiment *e = c->sec->exp;
    for (int i = 0; star && i < e->nresults; i++) {
        if (e->results[i].type != MG_FIELD_TABLES) continue;
        const mg_table_list *l = mg_field_ptr(c->result, &e->results[i]);
        for (int k = 0; k < l->n && n < max; k++)
            if (!strncmp(l->t[k].name, pattern, len)) out[n++] = &l->t[k];
    }
    free(name);
    return n;
}

/* The values of a series: a numeric column of a table, or an expression
 * over each row's columns (then *owned holds the values; caller frees). A
 * bare name that is no numeric column is an error naming both. */
static mg_status column(const call_t *c, const mg_table *t, const char *col, const double **out, double **owned) {
    *owned = NULL;
    *out = mg_table_col(t, col);
    if (*out) return MG_OK;
    if (!strpbrk(col, "()+-*/ "))
        return mg_fail(MG_ERR_ARG, "section %s: table %s has no numeric column '%s'", c->sec->id, t->name, col);
    double *v = mg_alloc((size_t)(t->nrows > 0 ? t->nrows : 1), sizeof(double));
    if (!v) return mg_fail(MG_ERR_NOMEM, "out of memory for a series");
    mg_status s = MG_OK;
    for (int64_t i = 0; i < t->nrows && s == MG_OK; i++) {
        row_ctx rc = {t, i, NULL, NULL};
        mg_tpl_scope sc = {row_lookup, &rc, &c->result_sc};
        s = eval(c, col, &sc, &v[i]);
    }
    if (s != MG_OK) {
        free(v);
        return s;
    }
    *out = *owned = v;
    return MG_OK;
}

/* ---- figures ------------------------------------------------------------------------ */

/* Style of a series. */
static mg_plot_style series_style(const mg_series_spec *s, const char *label) {
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = label;
    st.color = s->color;
    st.dashed = s->dashed;
    st.width = s->width;
    st.marker = s->marker;
    if (s->opacity > 0) st.opacity = s->opacity;
    return st;
}

/* A series label in the scope of its table (and group). */
static mg_status series_label(const call_t *c, const mg_series_spec *s, const mg_table *t, const char *group,
                              char **out) {
    row_ctx rc = {t, -1, group, NULL};
    mg_tpl_scope sc = {row_lookup, &rc, &c->result_sc};
    return expand(c, s->label, &sc, out);
}

/* Whether row i of table t passes the series' `where` expression. */
static mg_status row_selected(const call_t *c, const mg_series_spec *s, const mg_table *t, int64_t i, int *yes) {
    row_ctx rc = {t, i, NULL, NULL};
    mg_tpl_scope sc = {row_lookup, &rc, &c->result_sc};
    return holds_when(c, s->where, &sc, yes);
}

/* The finite range of a figure's histogram columns (NaN ends when none). */
static mg_status hist_range(const call_t *c, const mg_figure_spec *f, double *lo, double *hi) {
    double mn = INFINITY, mx = -INFINITY;
    for (int k = 0; k < MG_SEC_MAX_SERIES && f->series[k].table; k++) {
        const mg_table *ts[64];
        int nt = series_tables(c, f->series[k].table, ts, 64);
        for (int j = 0; j < nt; j++) {
            const double *v;
            double *owned;
            MG_TRY(column(c, ts[j], f->series[k].y, &v, &owned));
            mg_status st = MG_OK;
            for (int64_t i = 0; i < ts[j]->nrows && st == MG_OK; i++) {
                int sel = 1;
                if (f->series[k].where) st = row_selected(c, &f->series[k], ts[j], i, &sel);
                if (st == MG_OK && sel && isfinite(v[i])) mn = fmin(mn, v[i]), mx = fmax(mx, v[i]);
            }
            free(owned);
            MG_TRY(st);
        }
    }
    double v;
    MG_TRY(eval(c, f->lo ? f->lo : "0", &c->result_sc, &v));
    *lo = f->lo ? v : mn;
    MG_TRY(eval(c, f->hi ? f->hi : "0", &c->result_sc, &v));
    *hi = f->hi ? v : mx;
    if (isnan(*lo)) *lo = mn;
    if (isnan(*hi)) *hi = mx;
    if (!(*hi > *lo)) *hi = *lo + 1;
    return MG_OK;
}

/* Distinct values of a column in order of first appearance (at most max). */
static int distinct(const double *g, int64_t n, double *vals, int max) {
    int k = 0;
    for (int64_t i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = vals[j] == g[i];
        if (!seen && k < max) vals[k++] = g[i];
    }
    return k;
}

/* Draws one series spec (possibly several tables / groups) into p. */
static mg_status draw_series(const call_t *c, const mg_figure_spec *f, const mg_series_spec *s, double lo, double hi,
                             mg_plot *p) {
    int yes;
    MG_TRY(holds_when(c, s->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    if (f->kind == MG_FIG_BARS && s->array) {
        const mg_array *a = result_member(c, s->array, MG_FIELD_ARRAY);
        if (!a || a->ndim != 2) return mg_fail(MG_ERR_ARG, "section %s: no 2-D array '%s'", c->sec->id, s->array);
        int64_t n = a->shape[1];
        double *v = mg_alloc((size_t)n, sizeof(double));
        char(*nm)[24] = mg_alloc((size_t)n, sizeof *nm);
        const char **np = mg_alloc((size_t)n, sizeof *np);
        char *label = NULL;
        mg_status st = v && nm && np ? series_label(c, s, NULL, NULL, &label) : mg_fail(MG_ERR_NOMEM, "out of memory");
        int every = n <= 16 ? 1 : n <= 40 ? 5 : 10;
        for (int64_t j = 0; j < n && st == MG_OK; j++) {
            if (j % every == 0) snprintf(nm[j], 24, "%lld", (long long)j);
            else nm[j][0] = '\0';
            np[j] = nm[j];
            v[j] = ((const float *)a->data)[j];
        }
        if (st == MG_OK) st = mg_plot_categories(p, np, (int)n);
        mg_plot_style ps = series_style(s, label);
        if (st == MG_OK) st = mg_plot_bars(p, v, (int)n, &ps);
        free(v), free(nm), free(np), free(label);
        return st;
    }
    const mg_table *ts[64];
    int nt = series_tables(c, s->table, ts, 64);
    if (nt == 0) return mg_fail(MG_ERR_ARG, "section %s: no result table '%s'", c->sec->id, s->table);
    mg_status st = MG_OK;
    for (int j = 0; j < nt && st == MG_OK; j++) {
        const mg_table *t = ts[j];
        const double *y = NULL, *x = NULL, *g = NULL;
        double *own[3] = {NULL, NULL, NULL};
        st = column(c, t, s->y, &y, &own[0]);
        if (st == MG_OK && s->x && f->kind != MG_FIG_BARS) st = column(c, t, s->x, &x, &own[1]);
        if (st == MG_OK && s->group) st = column(c, t, s->group, &g, &own[2]);
        double gv[256];
        int ng = g ? distinct(g, t->nrows, gv, 256) : 1;
        for (int k = 0; k < ng && st == MG_OK; k++) {
            /* the rows of this group (all rows without a group column) */
            int64_t n = 0;
            double *xs = mg_alloc((size_t)(t->nrows > 0 ? t->nrows : 1), sizeof(double));
            double *ys = mg_alloc((size_t)(t->nrows > 0 ? t->nrows : 1), sizeof(double));
            if (!xs || !ys) st = mg_fail(MG_ERR_NOMEM, "out of memory for a series");
            for (int64_t i = 0; i < t->nrows && st == MG_OK; i++) {
                int sel = !g || g[i] == gv[k];
                if (sel && s->where) st = row_selected(c, s, t, i, &sel);
                if (st == MG_OK && sel) {
                    xs[n] = x ? x[i] : (double)n;
                    ys[n++] = y[i];
                }
            }
            if (st == MG_OK && n == 0) { /* nothing to draw (e.g. no row kept by `where`) */
                free(xs), free(ys);
                continue;
            }
            char gname[32], *label = NULL;
            snprintf(gname, sizeof gname, "%.6g", g ? gv[k] : 0.0);
            if (st == MG_OK) st = series_label(c, s, t, g ? gname : NULL, &label);
            mg_plot_style ps = series_style(s, label && *label ? label : NULL);
            if (st != MG_OK) {
            } else if (f->kind == MG_FIG_HIST)
                st = mg_plot_hist(p, ys, n, f->bins > 0 ? f->bins : 40, lo, hi, !f->counts, &ps, NULL);
            else if (f->kind == MG_FIG_LINES && !s->markers_only) st = mg_plot_line(p, xs, ys, n, &ps);
            else if (f->kind == MG_FIG_LINES) st = mg_plot_scatter(p, xs, ys, n, &ps);
            else if (f->kind == MG_FIG_SCATTER) st = mg_plot_scatter(p, xs, ys, n, &ps);
            else if (f->kind == MG_FIG_BARS) {
                int cx = s->x ? mg_table_find(t, s->x) : -1;
                char(*nm)[32] = mg_alloc((size_t)(n > 0 ? n : 1), sizeof *nm);
                const char **np = mg_alloc((size_t)(n > 0 ? n : 1), sizeof *np);
                if (!nm || !np) st = mg_fail(MG_ERR_NOMEM, "out of memory for bar names");
                for (int64_t i = 0; i < n && st == MG_OK; i++) {
                    if (cx >= 0 && t->cols[cx].kind == MG_COL_TEXT)
                        snprintf(nm[i], 32, "%s", t->cols[cx].text[i] ? t->cols[cx].text[i] : "");
                    else snprintf(nm[i], 32, "%.6g", cx >= 0 ? t->cols[cx].num[i] : (double)i);
                    np[i] = nm[i];
                }
                if (st == MG_OK && k == 0 && j == 0 && s == &f->series[0]) st = mg_plot_categories(p, np, (int)n);
                if (st == MG_OK) st = mg_plot_bars(p, ys, (int)n, &ps);
                free(nm), free(np);
            }
            free(label), free(xs), free(ys);
        }
        free(own[0]), free(own[1]), free(own[2]);
    }
    return st;
}

/* Reference lines of a figure. */
static mg_status draw_lines(const call_t *c, const mg_refline_spec *ls, int vertical, mg_plot *p) {
    for (int k = 0; k < MG_SEC_MAX_LINES && ls[k].at; k++) {
        double at;
        MG_TRY(eval(c, ls[k].at, &c->result_sc, &at));
        if (!isfinite(at)) continue;
        char *label = NULL;
        if (ls[k].label) MG_TRY(expand(c, ls[k].label, &c->result_sc, &label));
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        st.label = label;
        st.color = ls[k].color ? ls[k].color : "#555555";
        st.dashed = !ls[k].solid;
        mg_status s = vertical ? mg_plot_vline(p, at, &st) : mg_plot_hline(p, at, &st);
        free(label);
        MG_TRY(s);
    }
    return MG_OK;
}

/* A PNG grid of an array's rows: written beside the page and embedded. A
 * 3-D array (grid rows x grid columns x d) keeps its layout. */
static mg_status draw_images(const call_t *c, const mg_figure_spec *f, const char *caption) {
    const mg_exp_data *d = c->data;
    const mg_array *a = result_member(c, f->array, MG_FIELD_ARRAY);
    if (!a || (a->ndim != 2 && a->ndim != 3))
        return mg_fail(MG_ERR_ARG, "section %s: no 2-D or 3-D array '%s'", c->sec->id, f->array);
    int64_t D = a->shape[a->ndim - 1], n = mg_array_numel(a) / (D > 0 ? D : 1);
    if (!d || d->img_h <= 0 || (int64_t)d->img_h * d->img_w != D)
        return mg_fail(MG_ERR_ARG, "section %s: array %s is not a set of images of the dataset", c->sec->id, f->array);
    float *rows = mg_alloc((size_t)(n * D), sizeof(float));
    if (!rows) return mg_fail(MG_ERR_NOMEM, "out of memory for an image grid");
    memcpy(rows, a->data, (size_t)(n * D) * sizeof(float));
    const float *ctr = d->center.data;
    if (!f->raw && ctr)
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < D; j++) rows[i * D + j] += ctr[j];
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = d->img_h;
    g.width = d->img_w;
    g.channels = 1;
    g.grid_cols = a->ndim == 3 ? (int)a->shape[1] : f->ncols > 0 ? f->ncols : (int)n;
    g.vmin = d->vmin;
    g.vmax = d->vmax;
    int width_px = (int)(g.grid_cols * (d->img_w + g.pad) * 2);
    if (width_px > 900) width_px = 900;
    char rel[160], *id = NULL;
    mg_status s = expand(c, f->id, &c->result_sc, &id);
    if (s == MG_OK) snprintf(rel, sizeof rel, "%s/%s%s.png", c->sec->id, c->prefix, id);
    if (s == MG_OK) s = mg_report_png_grid(c->ctx->rep, rel, rows, n, &g, width_px, caption);
    free(rows);
    free(id);
    return s;
}

/* One figure. */
static mg_status figure(const call_t *c, const mg_figure_spec *f) {
    int yes;
    MG_TRY(holds_when(c, f->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    char *title = NULL, *xl = NULL, *yl = NULL, *cap = NULL;
    mg_status s = expand(c, f->caption, &c->result_sc, &cap);
    if (s == MG_OK && f->kind == MG_FIG_IMAGES) {
        s = draw_images(c, f, cap);
        free(cap);
        return s;
    }
    if (s == MG_OK) s = expand(c, f->title, &c->result_sc, &title);
    if (s == MG_OK) s = expand(c, f->xlabel, &c->result_sc, &xl);
    if (s == MG_OK) s = expand(c, f->ylabel, &c->result_sc, &yl);
    mg_plot *p = NULL;
    if (s == MG_OK) s = mg_plot_create(f->width ? f->width : 640, f->height ? f->height : 340, &p);
    double lo = NAN, hi = NAN;
    if (s == MG_OK && f->kind == MG_FIG_HIST) s = hist_range(c, f, &lo, &hi);
    if (s == MG_OK) {
        mg_plot_xlog(p, f->xlog);
        mg_plot_ylog(p, f->ylog);
        if (f->xlim[0] != f->xlim[1]) mg_plot_xlim(p, f->xlim[0], f->xlim[1]);
        if (f->ylim[0] != f->ylim[1]) mg_plot_ylim(p, f->ylim[0], f->ylim[1]);
        if (f->legend) mg_plot_legend(p, (mg_legend_pos)(f->legend - 1));
    }
    for (int k = 0; k < MG_SEC_MAX_SERIES && s == MG_OK && (f->series[k].table || f->series[k].array); k++)
        s = draw_series(c, f, &f->series[k], lo, hi, p);
    if (s == MG_OK) s = draw_lines(c, f->vlines, 1, p);
    if (s == MG_OK) s = draw_lines(c, f->hlines, 0, p);
    if (s == MG_OK) s = plot_emit(c->ctx, p, s, title, xl, yl, cap);
    else mg_plot_free(p);
    free(title), free(xl), free(yl), free(cap);
    return s;
}

/* ---- page tables ----------------------------------------------------------------------- */

/* One page table. */
static mg_status page_table(const call_t *c, const mg_page_table_spec *pt) {
    int yes;
    MG_TRY(holds_when(c, pt->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    const mg_table *t = result_table(c, pt->table), *join = pt->join ? result_table(c, pt->join) : NULL;
    if (!t) return mg_fail(MG_ERR_ARG, "section %s: no result table '%s'", c->sec->id, pt->table);
    if (pt->join && (!join || join->nrows != t->nrows))
        return mg_fail(MG_ERR_ARG, "section %s: no result table '%s' with the %lld rows of '%s'", c->sec->id, pt->join,
                       (long long)t->nrows, pt->table);
    int nc = 0;
    while (nc < MG_SEC_MAX_COLS && pt->cols[nc].header) nc++;
    int64_t nr = t->nrows;
    char **cells = calloc((size_t)(nr * nc + 1), sizeof *cells);
    const char *hdr[MG_SEC_MAX_COLS];
    char *cap = NULL;
    mg_status s = cells ? expand(c, pt->caption, &c->result_sc, &cap) : mg_fail(MG_ERR_NOMEM, "out of memory");
    for (int j = 0; j < nc; j++) hdr[j] = pt->cols[j].header;
    for (int64_t i = 0; i < nr && s == MG_OK; i++) {
        row_ctx rc = {t, i, NULL, join};
        mg_tpl_scope sc = {row_lookup, &rc, &c->result_sc};
        for (int j = 0; j < nc && s == MG_OK; j++) s = expand(c, pt->cols[j].cell, &sc, &cells[i * nc + j]);
    }
    if (s == MG_OK) s = mg_report_table(c->ctx->rep, cap, nc, hdr, nr, (const char *const *)cells);
    for (int64_t i = 0; cells && i < nr * nc; i++) free(cells[i]);
    free(cells);
    free(cap);
    return s;
}

/* ---- data files ---------------------------------------------------------------------------- */

/* Whether a result table holds wall times (mg_section.wall_time_tables). */
static int is_wall_time(const mg_section *sec, const char *name) {
    size_t len = strlen(name);
    for (const char *p = sec->wall_time_tables; p && *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == len && !strncmp(p, name, len)) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
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

/* ---- claims ------------------------------------------------------------------------------- */

/* H1.. / P1..: a claim's thresholds. */
static mg_status threshold_lookup(const void *vcl, const char *name, double *num, const char **text) {
    const mg_claim_spec *cl = vcl;
    (void)text;
    if ((name[0] != 'H' && name[0] != 'P') || name[1] < '1' || name[1] > '9' || name[2]) return MG_ERR_NOT_FOUND;
    const mg_cond *cs = name[0] == 'H' ? cl->holds : cl->partly;
    int k = name[1] - '1';
    if (k >= MG_SEC_MAX_CONDS || !cs[k].expr) return MG_ERR_NOT_FOUND;
    *num = cs[k].at;
    return MG_OK;
}

/* Symbols of the comparisons. */
static const char *cmp_str(mg_cmp c) {
    static const char *const s[] = {">=", "<=", ">", "<", "==", "!="};
    return (int)c >= 0 && c <= MG_NE ? s[c] : "?";
}

/* Whether every condition of a list holds (*all) and whether one does
 * (*some); *any: the list is not empty. */
static mg_status conds_hold(const call_t *c, const mg_cond *cs, const mg_tpl_scope *sc, int *all, int *some,
                            int *any) {
    *all = 1;
    *some = 0;
    *any = 0;
    for (int k = 0; k < MG_SEC_MAX_CONDS && cs[k].expr; k++) {
        double v;
        MG_TRY(eval(c, cs[k].expr, sc, &v));
        int ok = cs[k].cmp == MG_GE ? v >= cs[k].at : cs[k].cmp == MG_LE ? v <= cs[k].at
                 : cs[k].cmp == MG_GT ? v > cs[k].at : cs[k].cmp == MG_LT ? v < cs[k].at
                 : cs[k].cmp == MG_EQ ? v == cs[k].at : v != cs[k].at && !isnan(v);
        *any = 1;
        if (!ok) *all = 0;
        else *some = 1;
    }
    return MG_OK;
}

/* Appends "a >= 0.9 and b <= 2" (or_: "... or ...") for a condition list to buf. */
static void conds_text(const mg_cond *cs, int or_, char *buf, size_t len) {
    for (int k = 0; k < MG_SEC_MAX_CONDS && cs[k].expr; k++) {
        size_t u = strlen(buf);
        snprintf(buf + u, len - u, "%s%s %s %.6g", k ? (or_ ? " or " : " and ") : "", cs[k].expr, cmp_str(cs[k].cmp),
                 cs[k].at);
    }
}

/* The verdict of a claim. */
static mg_status claim_verdict(const call_t *c, const mg_claim_spec *cl, const mg_tpl_scope *sc, mg_verdict *v) {
    double need;
    MG_TRY(eval(c, cl->needs, sc, &need));
    if (need == 0 || isnan(need)) {
        *v = MG_VERDICT_NA;
        return MG_OK;
    }
    int all, some, any;
    MG_TRY(conds_hold(c, cl->holds, sc, &all, &some, &any));
    if (!any) return mg_fail(MG_ERR_ARG, "section %s: claim %s has no rule", c->sec->id, cl->id);
    if (all) {
        *v = MG_VERDICT_PASS;
        return MG_OK;
    }
    MG_TRY(conds_hold(c, cl->partly, sc, &all, &some, &any));
    *v = any && (cl->partly_any ? some : all) ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
    return MG_OK;
}

/* One claim box, recorded in summary.json. */
static mg_status claim(const call_t *c, const mg_claim_spec *cl) {
    int yes;
    MG_TRY(holds_when(c, cl->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    mg_tpl_scope sc = {threshold_lookup, cl, &c->result_sc};
    mg_verdict v = MG_VERDICT_NA;
    MG_TRY(claim_verdict(c, cl, &sc, &v));
    char *text = NULL, *meas = NULL, *note = NULL, *extra = NULL;
    mg_status s = expand(c, cl->claim, &sc, &text);
    if (s == MG_OK) s = expand(c, cl->measured, &sc, &meas);
    if (s == MG_OK) s = expand(c, cl->note, &sc, &note);
    const char *more = v == MG_VERDICT_NA ? cl->note_if_na : v != MG_VERDICT_PASS ? cl->note_unless_holds : NULL;
    if (s == MG_OK) s = expand(c, more, &sc, &extra);
    char rule[768] = "Rule: holds when ";
    conds_text(cl->holds, 0, rule, sizeof rule);
    if (cl->partly[0].expr) {
        strncat(rule, "; partly when ", sizeof rule - strlen(rule) - 1);
        conds_text(cl->partly, cl->partly_any, rule, sizeof rule);
    }
    if (cl->needs) {
        size_t u = strlen(rule);
        snprintf(rule + u, sizeof rule - u, "; not measured when %s is 0", cl->needs);
    }
    strncat(rule, ".", sizeof rule - strlen(rule) - 1);
    char *full = NULL;
    if (s == MG_OK) {
        size_t n = strlen(note) + strlen(extra) + strlen(rule) + 4;
        full = malloc(n);
        if (!full) s = mg_fail(MG_ERR_NOMEM, "out of memory");
        else snprintf(full, n, "%s%s%s%s%s", note, *note && *extra ? " " : "", extra, *note || *extra ? " " : "", rule);
    }
    if (s == MG_OK) s = mg_report_claim(c->ctx->rep, text, meas, v, full);
    char id[128];
    snprintf(id, sizeof id, "%s.%s%s%s", c->sec->id, cl->id, c->data ? "." : "", c->data ? c->data->name : "");
    if (s == MG_OK) s = record_claim(c->ctx, id, v, cl->timing);
    free(text), free(meas), free(note), free(extra), free(full);
    return s;
}

/* Adds the wall-time tables of a result to o: {table: {column: [values]}}. */
static mg_status wall_times_json(const call_t *c, cJSON *o) {
    const mg_experiment *e = c->sec->exp;
    for (int i = 0; i < e->nresults; i++) {
        const mg_table *t = mg_field_ptr(c->result, &e->results[i]);
        if (e->results[i].type != MG_FIELD_TABLE || !t->name || !is_wall_time(c->sec, t->name)) continue;
        cJSON *to = cJSON_AddObjectToObject(o, t->name);
        for (int k = 0; to && k < t->ncols; k++) {
            cJSON *a = cJSON_AddArrayToObject(to, t->cols[k].name);
            for (int64_t r = 0; a && r < t->nrows; r++) {
                double v;
                const char *text = NULL;
                cell(t, k, r, &v, &text);
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
    MG_TRY(expand(c, tpl, sc, &text));
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

/* ---- checking a section's names ------------------------------------------------------ */

/* What mg_tpl_names' callback resolves a name in. */
typedef struct {
    const call_t *c;
    const mg_tpl_scope *sc;
    int dynamic;       /* 1: the names may also be columns known only per row (series x / y / where, labels) */
    const char *where; /* what is being checked, for the message */
} name_check;

/* mg_tpl_names callback: the name must resolve (functions are not names). */
static mg_status check_name(void *vnc, const char *name) {
    const name_check *nc = vnc;
    double num;
    const char *text;
    for (const mg_tpl_scope *sc = nc->sc; sc; sc = sc->parent)
        if (sc->lookup(sc->ctx, name, &num, &text) != MG_ERR_NOT_FOUND) return MG_OK;
    if (nc->dynamic) return MG_OK;
    return mg_fail(MG_ERR_ARG, "section %s: %s names '%s', which nothing defines", nc->c->sec->id, nc->where, name);
}

/* Checks the names of one template (is_template) or expression. */
static mg_status check_text(const call_t *c, const char *text, int is_template, const mg_tpl_scope *sc, int dynamic,
                            const char *where) {
    if (!text) return MG_OK;
    name_check nc = {c, sc, dynamic, where};
    mg_status s = mg_tpl_names(text, is_template, check_name, &nc);
    return s == MG_OK ? s : mg_fail_context(s, "section %s, %s", c->sec->id, where);
}

/* Every template and expression of the section must name only what its
 * scope defines, in both branches of every {?...}, before anything is drawn:
 * a misspelt name fails the run instead of hiding in a branch that this run
 * does not take. Per-row names (series columns, page-table cells) are
 * checked against the first row of their table. */
static mg_status check_names(const call_t *c) {
    const mg_section *sec = c->sec;
    const mg_tpl_scope *sc = &c->result_sc;
    MG_TRY(check_text(c, sec->intro, 1, &c->params_sc, 0, "the intro"));
    MG_TRY(check_text(c, sec->dataset_intro, 1, sc, 0, "the dataset intro"));
    for (int i = 0; i < sec->nfigures; i++) {
        const mg_figure_spec *f = &sec->figures[i];
        const char *texts[] = {f->id, f->title, f->xlabel, f->ylabel, f->caption};
        for (int k = 0; k < 5; k++) MG_TRY(check_text(c, texts[k], 1, sc, 0, "a figure"));
        MG_TRY(check_text(c, f->when, 0, sc, 0, "a figure's condition"));
        MG_TRY(check_text(c, f->lo, 0, sc, 0, "a histogram range"));
        MG_TRY(check_text(c, f->hi, 0, sc, 0, "a histogram range"));
        for (int k = 0; k < MG_SEC_MAX_LINES; k++) {
            const mg_refline_spec *ls[2] = {&f->vlines[k], &f->hlines[k]};
            for (int j = 0; j < 2; j++) {
                MG_TRY(check_text(c, ls[j]->at, 0, sc, 0, "a reference line"));
                MG_TRY(check_text(c, ls[j]->label, 1, sc, 0, "a reference line"));
            }
        }
        for (int k = 0; k < MG_SEC_MAX_SERIES; k++) {
            const mg_series_spec *se = &f->series[k];
            MG_TRY(check_text(c, se->table, 1, sc, 0, "a series' table"));
            MG_TRY(check_text(c, se->when, 0, sc, 0, "a series' condition"));
            MG_TRY(check_text(c, se->label, 1, sc, 1, "a series' label"));
            MG_TRY(check_text(c, se->where, 0, sc, 1, "a series' row filter"));
        }
    }
    for (int i = 0; i < sec->ntables; i++) {
        const mg_page_table_spec *pt = &sec->tables[i];
        MG_TRY(check_text(c, pt->caption, 1, sc, 0, "a table caption"));
        MG_TRY(check_text(c, pt->when, 0, sc, 0, "a table's condition"));
        const mg_table *t = result_table(c, pt->table), *join = pt->join ? result_table(c, pt->join) : NULL;
        if (!t || t->nrows < 1) continue; /* page_table reports a missing table; an empty one has no cells */
        row_ctx rc = {t, 0, NULL, join};
        mg_tpl_scope rs = {row_lookup, &rc, sc};
        for (int k = 0; k < MG_SEC_MAX_COLS && pt->cols[k].header; k++)
            MG_TRY(check_text(c, pt->cols[k].cell, 1, &rs, 0, "a table cell"));
    }
    for (int i = 0; i < sec->nclaims; i++) {
        const mg_claim_spec *cl = &sec->claims[i];
        mg_tpl_scope ts = {threshold_lookup, cl, sc};
        const char *tpls[] = {cl->claim, cl->measured, cl->note, cl->note_unless_holds, cl->note_if_na};
        for (int k = 0; k < 5; k++) MG_TRY(check_text(c, tpls[k], 1, &ts, 0, cl->id));
        const char *exprs[] = {cl->when, cl->needs};
        for (int k = 0; k < 2; k++) MG_TRY(check_text(c, exprs[k], 0, &ts, 0, cl->id));
        for (int k = 0; k < MG_SEC_MAX_CONDS; k++) {
            MG_TRY(check_text(c, cl->holds[k].expr, 0, &ts, 0, cl->id));
            MG_TRY(check_text(c, cl->partly[k].expr, 0, &ts, 0, cl->id));
        }
    }
    return MG_OK;
}

/* The body of one call: paragraphs, figures, tables, files, claims, results. */
static mg_status render_call(call_t *c, int subsection) {
    const mg_section *sec = c->sec;
    MG_TRY(check_names(c));
    if (subsection) MG_TRY(mg_report_subsection(c->ctx->rep, c->data->title));
    mg_status s = paragraphs(c, sec->dataset_intro, &c->result_sc);
    for (int i = 0; i < sec->nfigures && s == MG_OK; i++) s = figure(c, &sec->figures[i]);
    for (int i = 0; i < sec->ntables && s == MG_OK; i++) s = page_table(c, &sec->tables[i]);
    if (s == MG_OK) s = data_files(c);
    for (int i = 0; i < sec->nclaims && s == MG_OK; i++) s = claim(c, &sec->claims[i]);
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
    const mg_exp_data *datas[2];
    int ncalls = 0, per = e->inputs == MG_EXP_EACH_DATASET;
    for (int i = 0; i < ctx->ndata; i++) datas[i] = &ctx->xdata[i];
    if (per) ncalls = ctx->ndata;
    else if (e->inputs == MG_EXP_MOG_DATASET) ncalls = ctx->ndata > 0 && ctx->xdata[0].has_mog ? 1 : 0;
    else ncalls = 1;
    mg_rng rng = mg_rng_fork_named(&ctx->rng, sec->id);
    fields_ctx pf, rf;
    mg_status s = MG_OK;
    for (int k = 0; k < ncalls && s == MG_OK; k++) {
        void *result = calloc(1, e->result_size);
        if (!result) return mg_fail(MG_ERR_NOMEM, "out of memory");
        exp_progress ep = {ctx, "", (double)k / ncalls, (double)(k + 1) / ncalls};
        mg_exp_env env = {datas + (per ? k : 0), e->inputs == MG_EXP_ALL_DATASETS ? ctx->ndata
                                                  : e->inputs == MG_EXP_OWN_DATA   ? 0
                                                                                   : 1,
                          per ? k : 0, &rng, ctx->sigmas, ctx->nsigmas, on_progress, &ep};
        call_t c = {ctx, sec, params, NULL, result, "", res, {0}, {0}, {0}, {0}, {0}};
        if (per || e->inputs == MG_EXP_MOG_DATASET) {
            c.data = datas[per ? k : 0];
            snprintf(ep.what, sizeof ep.what, "%s", c.data->name);
        }
        if (per) {
            snprintf(c.prefix, sizeof c.prefix, "%s_", c.data->name);
            if (res && !(c.res = cJSON_AddObjectToObject(res, c.data->name))) s = mg_fail(MG_ERR_NOMEM, "out of memory");
        }
        call_scopes(&c, &pf, &rf);
        if (s == MG_OK) s = e->run(params, &env, result);
        if (s == MG_OK) s = fn(&c, arg);
        e->free(result);
        free(result);
    }
    return s;
}

/* call_fn of the report: the call's part of the page. */
static mg_status render_fn(call_t *c, void *arg) { return render_call(c, *(const int *)arg); }

/* Runs a section and renders it (the heading is already on the page). */
mg_status mg_repro_render(mg_repro_ctx *ctx, const mg_section *sec) {
    const mg_experiment *e = sec->exp;
    void *params = calloc(1, e->params_size);
    if (!params) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_status s = mg_repro_section_params(ctx, sec, NULL, 0, params);
    cJSON *set = mg_repro_settings(ctx, sec->id), *res = mg_repro_results(ctx, sec->id);
    if (s == MG_OK && (!set || !res)) s = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_exp_fields_json(set, e->params, e->nparams, params);
    call_t c0 = {ctx, sec, params, NULL, NULL, "", res, {0}, {0}, {0}, {0}, {0}};
    fields_ctx pf, rf;
    call_scopes(&c0, &pf, &rf);
    if (s == MG_OK) s = paragraphs(&c0, sec->intro, &c0.params_sc);
    int per = e->inputs == MG_EXP_EACH_DATASET;
    if (s == MG_OK) s = for_each_call(ctx, sec, params, res, render_fn, &per);
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
