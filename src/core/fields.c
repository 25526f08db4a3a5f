/*
 * Field descriptors (fields.h): reading, formatting and setting the members
 * of a described struct by name.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fields.h"

/* Type names. */
const char *mg_field_type_name(mg_field_type t) {
    static const char *const names[] = {"f64", "i64", "int", "bool", "enum", "str", "text", "table", "tables", "array"};
    _Static_assert(sizeof names / sizeof names[0] == MG_FIELD_TYPE_COUNT, "a name per field type");
    return (int)t >= 0 && t < MG_FIELD_TYPE_COUNT ? names[t] : "?";
}

/* Number-valued types. */
int mg_field_is_number(mg_field_type t) { return t <= MG_FIELD_ENUM; }

/* Descriptor by name. */
const mg_field *mg_field_find(const mg_field *fields, int n, const char *name) {
    for (int i = 0; name && i < n; i++)
        if (!strcmp(fields[i].name, name)) return &fields[i];
    return NULL;
}

/* Member address. */
void *mg_field_ptr(const void *obj, const mg_field *f) { return (char *)obj + f->offset; }

/* Member as a double. */
mg_status mg_field_get(const void *obj, const mg_field *f, double *v) {
    const void *p = mg_field_ptr(obj, f);
    switch (f->type) {
    case MG_FIELD_F64: *v = *(const double *)p; return MG_OK;
    case MG_FIELD_I64: *v = (double)*(const int64_t *)p; return MG_OK;
    case MG_FIELD_INT:
    case MG_FIELD_BOOL:
    case MG_FIELD_ENUM: *v = *(const int *)p; return MG_OK;
    default: return mg_fail(MG_ERR_ARG, "field %s is a %s, not a number", f->name, mg_field_type_name(f->type));
    }
}

/* Number of names in an enum's table. */
static int enum_count(const mg_field *f) {
    int n = 0;
    while (f->names && f->names[n]) n++;
    return n;
}

/* Member as text. */
void mg_field_format(const void *obj, const mg_field *f, char *buf, size_t len) {
    const void *p = mg_field_ptr(obj, f);
    if (!len) return;
    switch (f->type) {
    case MG_FIELD_F64: { /* the shortest of %.15g / %.17g that reads back exactly */
        double v = *(const double *)p;
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
        break;
    }
    case MG_FIELD_I64: snprintf(buf, len, "%" PRId64, *(const int64_t *)p); break;
    case MG_FIELD_INT:
    case MG_FIELD_BOOL: snprintf(buf, len, "%d", *(const int *)p); break;
    case MG_FIELD_ENUM: {
        int v = *(const int *)p;
        if (v >= 0 && v < enum_count(f)) snprintf(buf, len, "%s", f->names[v]);
        else snprintf(buf, len, "%d", v);
        break;
    }
    case MG_FIELD_STR: snprintf(buf, len, "%s", *(const char *const *)p ? *(const char *const *)p : ""); break;
    case MG_FIELD_TEXT: snprintf(buf, len, "%s", (const char *)p); break;
    default: snprintf(buf, len, "<%s>", mg_field_type_name(f->type)); break;
    }
}

/* Strict integer parse into [lo, hi]. */
static mg_status parse_int(const mg_field *f, const char *text, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end || errno == ERANGE || v < lo || v > hi)
        return mg_fail(MG_ERR_ARG, "%s: expected a whole number in [%lld, %lld], got '%s'", f->name, lo, hi, text);
    *out = v;
    return MG_OK;
}

/* Sets a member from text. */
mg_status mg_field_parse(void *obj, const mg_field *f, const char *text) {
    void *p = mg_field_ptr(obj, f);
    long long iv;
    if (!text) return mg_fail(MG_ERR_ARG, "%s: no value", f->name);
    switch (f->type) {
    case MG_FIELD_F64: {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (end == text || *end || errno == ERANGE || !isfinite(v))
            return mg_fail(MG_ERR_ARG, "%s: expected a finite number, got '%s'", f->name, text);
        *(double *)p = v;
        return MG_OK;
    }
    case MG_FIELD_I64:
        MG_TRY(parse_int(f, text, INT64_MIN, INT64_MAX, &iv));
        *(int64_t *)p = iv;
        return MG_OK;
    case MG_FIELD_INT:
        MG_TRY(parse_int(f, text, -2147483647LL - 1, 2147483647LL, &iv));
        *(int *)p = (int)iv;
        return MG_OK;
    case MG_FIELD_BOOL:
        if (!strcmp(text, "1") || !strcmp(text, "true")) *(int *)p = 1;
        else if (!strcmp(text, "0") || !strcmp(text, "false")) *(int *)p = 0;
        else return mg_fail(MG_ERR_ARG, "%s: expected 0, 1, true or false, got '%s'", f->name, text);
        return MG_OK;
    case MG_FIELD_ENUM: {
        int n = enum_count(f);
        for (int i = 0; i < n; i++)
            if (!strcmp(text, f->names[i])) {
                *(int *)p = i;
                return MG_OK;
            }
        char list[256] = "";
        for (int i = 0; i < n; i++) {
            strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
            strncat(list, f->names[i], sizeof list - strlen(list) - 1);
        }
        return mg_fail(MG_ERR_ARG, "%s: expected one of %s, got '%s'", f->name, list, text);
    }
    case MG_FIELD_STR: *(const char **)p = text; return MG_OK;
    default: return mg_fail(MG_ERR_ARG, "%s: a %s cannot be set from text", f->name, mg_field_type_name(f->type));
    }
}

/* Checks a descriptor table. */
mg_status mg_fields_check(const mg_field *fields, int n, const char *what) {
    for (int i = 0; i < n; i++) {
        const mg_field *f = &fields[i];
        if (!f->name || !*f->name) return mg_fail(MG_ERR_ARG, "%s: field %d has no name", what, i);
        if ((int)f->type < 0 || f->type >= MG_FIELD_TYPE_COUNT)
            return mg_fail(MG_ERR_ARG, "%s: field %s has a bad type", what, f->name);
        if ((f->type == MG_FIELD_ENUM) != (f->names != NULL) || (f->names && !f->names[0]))
            return mg_fail(MG_ERR_ARG, "%s: field %s: names belong to enums, and every enum needs them", what, f->name);
        for (int j = 0; j < i; j++)
            if (!strcmp(fields[j].name, f->name)) return mg_fail(MG_ERR_ARG, "%s: field %s named twice", what, f->name);
    }
    return MG_OK;
}
