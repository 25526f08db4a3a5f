/*
 * Field descriptors: a table that names the members of a plain C struct
 * (their type, offset and meaning), so that generic code can read and set
 * them by name. Every experiment describes its parameter and result structs
 * this way: the report records settings and headline numbers from the
 * descriptors, the CLI sets parameters with `--set name=value`, and the
 * Python package turns results into dicts, all without code per struct.
 *
 * Usage:
 *     typedef struct { int64_t n; double sigma; } my_params;
 *     static const mg_field MY_FIELDS[] = {
 *         MG_FIELD(my_params, n, MG_FIELD_I64, "samples"),
 *         MG_FIELD(my_params, sigma, MG_FIELD_F64, "noise level"),
 *     };
 *     mg_field_parse(&p, mg_field_find(MY_FIELDS, 2, "sigma"), "0.2");
 */
#ifndef MEMGEN_FIELDS_H
#define MEMGEN_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "memgen/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The C type of a described member. */
typedef enum {
    MG_FIELD_F64 = 0, /* double */
    MG_FIELD_I64,     /* int64_t */
    MG_FIELD_INT,     /* int */
    MG_FIELD_BOOL,    /* int holding 0 or 1 */
    MG_FIELD_ENUM,    /* int-valued enum; names[] spells each value from 0 */
    MG_FIELD_STR,     /* const char * (borrowed; NULL = unset) */
    MG_FIELD_TEXT,    /* char[] inside the struct, NUL-terminated (results) */
    MG_FIELD_TABLE,   /* mg_table (table.h; results) */
    MG_FIELD_TABLES,  /* mg_table_list (results) */
    MG_FIELD_ARRAY,   /* mg_array (results; written as .npy) */
    MG_FIELD_TYPE_COUNT
} mg_field_type;

/* One described member. */
typedef struct {
    const char *name;          /* snake_case; dotted for members of nested structs ("std.auroc") */
    mg_field_type type;
    size_t offset;             /* offsetof(struct, member) */
    const char *doc;           /* one line: what it is, in which unit */
    const char *const *names;  /* MG_FIELD_ENUM: NULL-terminated value names; else NULL */
} mg_field;

/* A descriptor entry: MG_FIELD(struct type, member designator, type, doc). */
#define MG_FIELD(T, member, type, doc) {#member, type, offsetof(T, member), doc, NULL}
/* The same under another name (nested members: MG_FIELD_AS(T, a.b, "a_b", ...)). */
#define MG_FIELD_AS(T, member, name, type, doc) {name, type, offsetof(T, member), doc, NULL}
/* An enum member with its names table. */
#define MG_FIELD_ENUM_OF(T, member, names, doc) {#member, MG_FIELD_ENUM, offsetof(T, member), doc, names}

/* "f64", "i64", "int", "bool", "enum", "str", "text", "table", "tables", "array". */
MG_API const char *mg_field_type_name(mg_field_type t);

/* 1 for the types that hold one number (f64, i64, int, bool, enum). */
MG_API int mg_field_is_number(mg_field_type t);

/* The descriptor named `name` among n, or NULL. */
MG_API const mg_field *mg_field_find(const mg_field *fields, int n, const char *name);

/* Address of the member inside obj. */
MG_API void *mg_field_ptr(const void *obj, const mg_field *f);

/* The member's value as a double (number types only; else MG_ERR_ARG). */
MG_API mg_status mg_field_get(const void *obj, const mg_field *f, double *v);

/* The member's text: STR / TEXT as stored ("" for NULL), ENUM as its name,
 * numbers formatted (doubles in the shortest of %.15g / %.17g that reads
 * back exactly; integers exactly). Writes at most len bytes. */
MG_API void mg_field_format(const void *obj, const mg_field *f, char *buf, size_t len);

/* Sets the member from text: numbers strictly parsed (integers must be whole
 * and in range, booleans 0/1/true/false, enums by name), STR pointed at
 * `text` (which must outlive obj). Errors name the field. */
MG_API mg_status mg_field_parse(void *obj, const mg_field *f, const char *text);

/* Checks a descriptor table: names unique and non-empty, types valid, enum
 * names present. For tests and for the experiment registry. */
MG_API mg_status mg_fields_check(const mg_field *fields, int n, const char *what);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_FIELDS_H */
