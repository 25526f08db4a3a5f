/*
 * Comma-separated number lists (core.h): the library's one parser of
 * "a,b,c" for floats and whole numbers, and the matching formatter.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/core.h"

/* Items in s: commas + 1, or 0 for an empty or NULL string. */
static int64_t count_items(const char *s) {
    if (!s || !*s) return 0;
    int64_t n = 1;
    for (const char *p = s; *p; p++) n += *p == ',';
    return n;
}

/* Length of the item starting at p (up to the comma or the end). */
static int item_len(const char *p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    return len > 64 ? 64 : (int)len;
}

/* Reads one item at p as a double (whole = 0) or int64 (whole = 1) into
 * slot i of vals; *end receives where it stopped. Nonzero on a bad number. */
static int read_item(const char *p, int whole, void *vals, int64_t i, char **end) {
    errno = 0;
    if (whole) {
        long long x = strtoll(p, end, 10);
        ((int64_t *)vals)[i] = x;
        return *end == p || errno == ERANGE;
    }
    double x = strtod(p, end);
    ((double *)vals)[i] = x;
    return *end == p || errno == ERANGE || !isfinite(x);
}

/* The list parser of both kinds (see core.h). */
static mg_status parse_list(const char *s, const char *what, int whole, void **vals, int64_t *count) {
    const char *kind = whole ? "whole number" : "finite number";
    *vals = NULL;
    *count = 0;
    int64_t n = count_items(s);
    if (n == 0) return mg_fail(MG_ERR_ARG, "%s: empty list (expected comma-separated %ss)", what, kind);
    void *v = malloc((size_t)n * (whole ? sizeof(int64_t) : sizeof(double)));
    if (!v) return mg_fail(MG_ERR_NOMEM, "%s: out of memory for %lld numbers", what, (long long)n);
    const char *p = s;
    for (int64_t i = 0; i < n; i++) {
        char *end;
        if (read_item(p, whole, v, i, &end) || (*end != ',' && *end) || (*end == ',') != (i + 1 < n)) {
            free(v);
            return mg_fail(MG_ERR_ARG, "%s '%s': item %lld ('%.*s') is not a %s", what, s, (long long)i + 1,
                           item_len(p), p, kind);
        }
        p = end + 1;
    }
    *vals = v;
    *count = n;
    return MG_OK;
}

/* Parses a list of doubles (see core.h). */
mg_status mg_parse_f64_list(const char *s, const char *what, double **vals, int64_t *count) {
    void *v = NULL;
    mg_status st = parse_list(s, what, 0, &v, count);
    *vals = v;
    return st;
}

/* Parses a list of whole numbers (see core.h). */
mg_status mg_parse_i64_list(const char *s, const char *what, int64_t **vals, int64_t *count) {
    void *v = NULL;
    mg_status st = parse_list(s, what, 1, &v, count);
    *vals = v;
    return st;
}

/* "%.17g" comma-joined values (caller frees). */
char *mg_format_f64_list(const double *v, int64_t n) {
    size_t cap = (size_t)(n > 0 ? n : 0) * 26 + 1;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t used = 0;
    s[0] = '\0';
    for (int64_t i = 0; i < n; i++) used += (size_t)snprintf(s + used, cap - used, "%s%.17g", i ? "," : "", v[i]);
    return s;
}
