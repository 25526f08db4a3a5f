/*
 * Tables of results: named columns of equal length, numeric (double) or
 * text, the form every experiment hands its per-row numbers out in. A table
 * is what a CSV file beside the report holds, what a plot draws its series
 * from, and what the Python package turns into a dict of NumPy arrays.
 *
 * Usage:
 *     mg_table t;
 *     MG_TRY(mg_table_init(&t, "train_metrics", n, "std,l4l2,top1"));
 *     double *std = mg_table_col(&t, "std");   // n values, zero-filled
 *     ...
 *     mg_table_write_csv(&t, "out/train_metrics.csv");
 *     mg_table_free(&t);
 */
#ifndef MEMGEN_TABLE_H
#define MEMGEN_TABLE_H

#include <stdint.h>

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kind of a column. */
typedef enum {
    MG_COL_F64 = 0, /* doubles (NaN allowed: written "nan") */
    MG_COL_TEXT     /* strings (owned copies; NULL = empty) */
} mg_col_kind;

/* One column: name and values (one of the two arrays, by kind). */
typedef struct {
    char *name;        /* owned */
    mg_col_kind kind;
    double *num;       /* nrows values (MG_COL_F64), owned */
    char **text;       /* nrows strings (MG_COL_TEXT), owned */
} mg_col;

/* A table of nrows rows. Zero-initialised = empty; free with mg_table_free. */
typedef struct {
    char *name;        /* what the table is (file stem, e.g. "train_metrics"), owned */
    int ncols;
    int64_t nrows;
    mg_col *cols;      /* ncols, owned */
} mg_table;

/* A list of tables whose count is known only at run time (one per detector,
 * per noise level, ...). Free with mg_table_list_free. */
typedef struct {
    int n;
    mg_table *t;       /* n, owned */
} mg_table_list;

/* Makes t a table named `name` of nrows rows with the numeric columns a
 * comma-separated list names ("a,b,c"; NULL or "" = none yet), every value 0.
 * Fails on a bad name list (empty or repeated names) or nrows < 0. */
MG_API mg_status mg_table_init(mg_table *t, const char *name, int64_t nrows, const char *columns);

/* Appends a column of the given kind (zero / NULL filled); returns its index
 * in *index (may be NULL). Fails on a repeated name. */
MG_API mg_status mg_table_add(mg_table *t, const char *name, mg_col_kind kind, int *index);

/* Index of the column `name`, or -1. */
MG_API int mg_table_find(const mg_table *t, const char *name);

/* The values of the numeric column `name`, or NULL when there is none. */
MG_API double *mg_table_col(const mg_table *t, const char *name);

/* Sets the text of row i of text column c (copied; NULL = empty). */
MG_API mg_status mg_table_set_text(mg_table *t, int c, int64_t i, const char *text);

/* Frees the table and zeroes it; safe on NULL and on a zeroed table. */
MG_API void mg_table_free(mg_table *t);

/* Appends an empty table to the list and returns it in *out (owned by the list). */
MG_API mg_status mg_table_list_add(mg_table_list *l, mg_table **out);

/* The table named `name` in the list, or NULL. */
MG_API const mg_table *mg_table_list_find(const mg_table_list *l, const char *name);

/* Frees every table of the list and zeroes it; safe on NULL. */
MG_API void mg_table_list_free(mg_table_list *l);

/* Writes the table as CSV, atomically: a header of the column names, then
 * one line per row; numbers as %.9g ("nan" for NaN, "inf"/"-inf"), text
 * quoted when it holds a comma, quote or line break (RFC 4180). */
MG_API mg_status mg_table_write_csv(const mg_table *t, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_TABLE_H */
