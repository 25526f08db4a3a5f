/*
 * The scopes a section's templates see (render_internal.h): the run, the
 * dataset, the experiment's parameters and result, a claim's thresholds, a
 * result table's row; and access to the result's tables and columns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

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


/* claims.<id>.H1, claims.<id>.P1, ...: a threshold of one of the section's
 * claims, so a figure can draw it without repeating it. */
static mg_status claims_lookup(const void *vsec, const char *name, double *num, const char **text) {
    const mg_section *sec = vsec;
    const char *id = name + 7, *dot = strrchr(name, '.');
    if (strncmp(name, "claims.", 7) || dot < id) return MG_ERR_NOT_FOUND;
    for (int i = 0; i < sec->nclaims; i++)
        if (strlen(sec->claims[i].id) == (size_t)(dot - id) && !strncmp(sec->claims[i].id, id, (size_t)(dot - id)))
            return rd_threshold_lookup(&sec->claims[i], dot + 1, num, text);
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
void rd_call_scopes(call_t *c, fields_ctx *pf, fields_ctx *rf) {
    const mg_experiment *e = c->sec->exp;
    *pf = (fields_ctx){e->params, e->nparams, c->params};
    *rf = (fields_ctx){e->results, e->nresults, c->result};
    c->claims_sc = (mg_tpl_scope){claims_lookup, c->sec, NULL};
    c->run_sc = (mg_tpl_scope){run_lookup, c->ctx, &c->claims_sc};
    c->data_sc = (mg_tpl_scope){data_lookup, c->data, &c->run_sc};
    c->params_sc = (mg_tpl_scope){fields_lookup, pf, &c->data_sc};
    c->result_sc = (mg_tpl_scope){fields_lookup, rf, &c->params_sc};
}


/* Column c of row i as a number or text. */
void rd_cell(const mg_table *t, int c, int64_t i, double *num, const char **text) {
    if (t->cols[c].kind == MG_COL_F64) *num = t->cols[c].num[i];
    else *text = t->cols[c].text[i] ? t->cols[c].text[i] : "";
}

/* Columns of the row (then of the joined row) by name; "table" and "group" for series labels. */
mg_status rd_row_lookup(const void *vrc, const char *name, double *num, const char **text) {
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
        rd_cell(rc->t, c, rc->i, num, text);
        return MG_OK;
    }
    c = rc->join && rc->i >= 0 && rc->i < rc->join->nrows ? mg_table_find(rc->join, name) : -1;
    if (c < 0) return MG_ERR_NOT_FOUND;
    rd_cell(rc->join, c, rc->i, num, text);
    return MG_OK;
}

/* Expands a template in a scope; the message names the section. */
mg_status rd_expand(const call_t *c, const char *tpl, const mg_tpl_scope *sc, char **out) {
    mg_status s = mg_tpl_expand(tpl, sc, out);
    return s == MG_OK ? s : mg_fail_context(s, "section %s", c->sec->id);
}

/* Evaluates an expression; NULL is 1 (an absent condition holds). */
mg_status rd_eval(const call_t *c, const char *expr, const mg_tpl_scope *sc, double *v) {
    if (!expr) {
        *v = 1;
        return MG_OK;
    }
    mg_status s = mg_tpl_eval(expr, sc, v);
    return s == MG_OK ? s : mg_fail_context(s, "section %s", c->sec->id);
}

/* Whether an optional condition expression holds (nonzero, not NaN). */
mg_status rd_holds_when(const call_t *c, const char *when, const mg_tpl_scope *sc, int *yes) {
    double v;
    MG_TRY(rd_eval(c, when, sc, &v));
    *yes = v != 0 && !isnan(v);
    return MG_OK;
}


/* H1.. / P1..: a claim's thresholds. */
mg_status rd_threshold_lookup(const void *vcl, const char *name, double *num, const char **text) {
    const mg_claim_spec *cl = vcl;
    (void)text;
    if ((name[0] != 'H' && name[0] != 'P') || name[1] < '1' || name[1] > '9' || name[2]) return MG_ERR_NOT_FOUND;
    const mg_cond *cs = name[0] == 'H' ? cl->holds : cl->partly;
    int k = name[1] - '1';
    if (k >= MG_SEC_MAX_CONDS || !cs[k].expr) return MG_ERR_NOT_FOUND;
    *num = cs[k].at;
    return MG_OK;
}

/* ---- result access ------------------------------------------------------------------ */

/* The result's field of a type by name, or NULL. */
const void *rd_result_member(const call_t *c, const char *name, mg_field_type type) {
    const mg_field *f = mg_field_find(c->sec->exp->results, c->sec->exp->nresults, name);
    return f && f->type == type ? mg_field_ptr(c->result, f) : NULL;
}

/* The result table named `name` (its own name, the stem of its CSV file):
 * a TABLE field or a table of a TABLES list. */
const mg_table *rd_result_table(const call_t *c, const char *name) {
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
int rd_series_tables(const call_t *c, const char *pattern, const mg_table **out, int max) {
    char *name = NULL;
    if (strchr(pattern, '{')) {
        if (mg_tpl_expand(pattern, &c->result_sc, &name) != MG_OK) return 0;
        pattern = name;
    }
    const char *star = strchr(pattern, '*');
    int n = 0;
    if (!star) {
        out[0] = rd_result_table(c, pattern);
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
mg_status rd_column(const call_t *c, const mg_table *t, const char *col, const double **out, double **owned) {
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
        mg_tpl_scope sc = {rd_row_lookup, &rc, &c->result_sc};
        s = rd_eval(c, col, &sc, &v[i]);
    }
    if (s != MG_OK) {
        free(v);
        return s;
    }
    *out = *owned = v;
    return MG_OK;
}

