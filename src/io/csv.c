/*
 * CSV form of a results table (table.h): a header of column names, one line
 * per row, numbers as %.9g (enough digits to read a float back exactly),
 * text quoted when RFC 4180 needs it; written atomically.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "memgen/fileio.h"
#include "memgen/table.h"

/* Writes one field of text, quoted when it holds a separator, quote or line break. */
static void put_text(FILE *fp, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

/* The table as CSV at path. */
mg_status mg_table_write_csv(const mg_table *t, const char *path) {
    if (!t || t->ncols < 1) return mg_fail(MG_ERR_ARG, "writing %s: a table with no columns", path ? path : "");
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    for (int c = 0; c < t->ncols; c++) {
        put_text(af.fp, t->cols[c].name);
        fputc(c + 1 < t->ncols ? ',' : '\n', af.fp);
    }
    for (int64_t i = 0; i < t->nrows; i++)
        for (int c = 0; c < t->ncols; c++) {
            const mg_col *col = &t->cols[c];
            if (col->kind == MG_COL_TEXT) put_text(af.fp, col->text[i]);
            else if (isnan(col->num[i])) fputs("nan", af.fp);
            else fprintf(af.fp, "%.9g", col->num[i]);
            fputc(c + 1 < t->ncols ? ',' : '\n', af.fp);
        }
    mg_status s = mg_atomic_commit(&af);
    return s == MG_OK ? s : mg_fail_context(s, "writing %s", path);
}
