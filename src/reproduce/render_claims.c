/*
 * Claims of a section (render_internal.h): each claim's verdict from its
 * rule, its box on the page and its record in summary.json; and the check
 * that every name a section's templates and rules use is defined.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

/* Records a claim's verdict in summary.json's "claims" object (and its id in
 * "timing_claims" when its rule reads wall times). */
static mg_status rd_record_claim(mg_repro_ctx *ctx, const char *id, mg_verdict v, int timing) {
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

/* ---- claims ------------------------------------------------------------------------------- */


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
        MG_TRY(rd_eval(c, cs[k].expr, sc, &v));
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
    MG_TRY(rd_eval(c, cl->needs, sc, &need));
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
mg_status rd_claim(const call_t *c, const mg_claim_spec *cl) {
    int yes;
    MG_TRY(rd_holds_when(c, cl->when, &c->result_sc, &yes));
    if (!yes) return MG_OK;
    mg_tpl_scope sc = {rd_threshold_lookup, cl, &c->result_sc};
    mg_verdict v = MG_VERDICT_NA;
    MG_TRY(claim_verdict(c, cl, &sc, &v));
    char *text = NULL, *meas = NULL, *note = NULL, *extra = NULL;
    mg_status s = rd_expand(c, cl->claim, &sc, &text);
    if (s == MG_OK) s = rd_expand(c, cl->measured, &sc, &meas);
    if (s == MG_OK) s = rd_expand(c, cl->note, &sc, &note);
    const char *more = v == MG_VERDICT_NA ? cl->note_if_na : v != MG_VERDICT_PASS ? cl->note_unless_holds : NULL;
    if (s == MG_OK) s = rd_expand(c, more, &sc, &extra);
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
    if (s == MG_OK) s = rd_record_claim(c->ctx, id, v, cl->timing);
    free(text), free(meas), free(note), free(extra), free(full);
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
mg_status rd_check_names(const call_t *c) {
    const mg_section *sec = c->sec;
    const mg_tpl_scope *sc = &c->result_sc;
    MG_TRY(check_text(c, sec->analog, 1, &c->params_sc, 0, "the analog note"));
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
        const mg_table *t = rd_result_table(c, pt->table), *join = pt->join ? rd_result_table(c, pt->join) : NULL;
        if (!t || t->nrows < 1) continue; /* page_table reports a missing table; an empty one has no cells */
        row_ctx rc = {t, 0, NULL, join};
        mg_tpl_scope rs = {rd_row_lookup, &rc, sc};
        for (int k = 0; k < MG_SEC_MAX_COLS && pt->cols[k].header; k++)
            MG_TRY(check_text(c, pt->cols[k].cell, 1, &rs, 0, "a table cell"));
    }
    for (int i = 0; i < sec->nclaims; i++) {
        const mg_claim_spec *cl = &sec->claims[i];
        mg_tpl_scope ts = {rd_threshold_lookup, cl, sc};
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

