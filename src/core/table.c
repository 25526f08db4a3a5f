/*
 * Tables of results (table.h): named columns of equal length, numeric or
 * text, built by the experiments and written / drawn by the report.
 */
#include <stdlib.h>
#include <string.h>

#include "memgen/table.h"

/* Index of the column `name`, or -1. */
int mg_table_find(const mg_table *t, const char *name) {
    for (int c = 0; t && name && c < t->ncols; c++)
        if (!strcmp(t->cols[c].name, name)) return c;
    return -1;
}

/* A malloc'd copy of the first len bytes of s, NUL-terminated (NULL on OOM). */
static char *dup_n(const char *s, size_t len) {
    char *p = malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

/* Appends a zero / NULL-filled column named by the first len bytes of name. */
static mg_status add_n(mg_table *t, const char *name, size_t len, mg_col_kind kind, int *index) {
    if (len == 0) return mg_fail(MG_ERR_ARG, "table %s: empty column name", t->name ? t->name : "");
    for (int c = 0; c < t->ncols; c++)
        if (strlen(t->cols[c].name) == len && !strncmp(t->cols[c].name, name, len))
            return mg_fail(MG_ERR_ARG, "table %s: column '%.*s' given twice", t->name ? t->name : "", (int)len, name);
    mg_col *cols = realloc(t->cols, (size_t)(t->ncols + 1) * sizeof *cols);
    if (!cols) return mg_fail(MG_ERR_NOMEM, "out of memory for a table column");
    t->cols = cols;
    mg_col *c = &cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->name = dup_n(name, len);
    size_t rows = (size_t)(t->nrows > 0 ? t->nrows : 1);
    if (kind == MG_COL_F64) c->num = calloc(rows, sizeof(double));
    else c->text = calloc(rows, sizeof(char *));
    if (!c->name || (!c->num && !c->text)) {
        free(c->name);
        free(c->num);
        free(c->text);
        return mg_fail(MG_ERR_NOMEM, "out of memory for a table column of %lld rows", (long long)t->nrows);
    }
    if (index) *index = t->ncols;
    t->ncols++;
    return MG_OK;
}

/* A table of nrows rows with the listed numeric columns. */
mg_status mg_table_init(mg_table *t, const char *name, int64_t nrows, const char *columns) {
    memset(t, 0, sizeof *t);
    if (!name || !*name) return mg_fail(MG_ERR_ARG, "a table needs a name");
    if (nrows < 0) return mg_fail(MG_ERR_ARG, "table %s: negative row count", name);
    t->nrows = nrows;
    if (!(t->name = dup_n(name, strlen(name)))) return mg_fail(MG_ERR_NOMEM, "out of memory for a table");
    for (const char *p = columns; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        mg_status s = add_n(t, p, len, MG_COL_F64, NULL);
        if (s != MG_OK) {
            mg_table_free(t);
            return s;
        }
        if (!e) break;
        p = e + 1;
    }
    return MG_OK;
}

/* Appends a column. */
mg_status mg_table_add(mg_table *t, const char *name, mg_col_kind kind, int *index) {
    if (!name) return mg_fail(MG_ERR_ARG, "table column: NULL name");
    return add_n(t, name, strlen(name), kind, index);
}

/* The values of a numeric column, or NULL. */
double *mg_table_col(const mg_table *t, const char *name) {
    int c = mg_table_find(t, name);
    return c >= 0 && t->cols[c].kind == MG_COL_F64 ? t->cols[c].num : NULL;
}

/* Sets one text cell (copied). */
mg_status mg_table_set_text(mg_table *t, int c, int64_t i, const char *text) {
    if (c < 0 || c >= t->ncols || t->cols[c].kind != MG_COL_TEXT || i < 0 || i >= t->nrows)
        return mg_fail(MG_ERR_ARG, "table %s: no text cell (%d, %lld)", t->name, c, (long long)i);
    char *v = NULL;
    if (text && !(v = dup_n(text, strlen(text)))) return mg_fail(MG_ERR_NOMEM, "out of memory for a table cell");
    free(t->cols[c].text[i]);
    t->cols[c].text[i] = v;
    return MG_OK;
}

/* Frees a table. */
void mg_table_free(mg_table *t) {
    if (!t) return;
    for (int c = 0; c < t->ncols; c++) {
        mg_col *col = &t->cols[c];
        if (col->text)
            for (int64_t i = 0; i < t->nrows; i++) free(col->text[i]);
        free(col->text);
        free(col->num);
        free(col->name);
    }
    free(t->cols);
    free(t->name);
    memset(t, 0, sizeof *t);
}

/* Appends an empty table to a list. */
mg_status mg_table_list_add(mg_table_list *l, mg_table **out) {
    mg_table *t = realloc(l->t, (size_t)(l->n + 1) * sizeof *t);
    if (!t) return mg_fail(MG_ERR_NOMEM, "out of memory for a table list");
    l->t = t;
    memset(&t[l->n], 0, sizeof t[0]);
    *out = &t[l->n++];
    return MG_OK;
}

/* The table of the list with that name. */
const mg_table *mg_table_list_find(const mg_table_list *l, const char *name) {
    for (int i = 0; l && name && i < l->n; i++)
        if (l->t[i].name && !strcmp(l->t[i].name, name)) return &l->t[i];
    return NULL;
}

/* Frees a list of tables. */
void mg_table_list_free(mg_table_list *l) {
    if (!l) return;
    for (int i = 0; i < l->n; i++) mg_table_free(&l->t[i]);
    free(l->t);
    memset(l, 0, sizeof *l);
}
