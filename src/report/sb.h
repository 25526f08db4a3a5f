/*
 * A growable string buffer for the SVG and HTML writers of src/report/
 * (internal to the report module). Appends never fail visibly: an allocation
 * failure sets `oom`, later appends are ignored, and sb_finish reports it, so
 * writers can append freely and check once.
 */
#ifndef MEMGEN_REPORT_SB_H
#define MEMGEN_REPORT_SB_H

#include <stddef.h>

#include "memgen/core.h"

typedef struct {
    char *buf;  /* len + 1 bytes used, NUL-terminated (NULL until the first append) */
    size_t len; /* bytes of text */
    size_t cap; /* bytes allocated */
    int oom;    /* an allocation failed; the contents are incomplete */
} sb_t;

/* Appends n bytes of s. */
void sb_putn(sb_t *b, const char *s, size_t n);

/* Appends a NUL-terminated string. */
void sb_puts(sb_t *b, const char *s);

/* Appends printf-formatted text. */
void sb_printf(sb_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends s escaped for XML / HTML text and attribute values: & < > " ' as
 * entities, control characters other than tab / newline / CR dropped
 * (XML 1.0 forbids them), invalid UTF-8 bytes replaced by U+FFFD. NULL
 * appends nothing. */
void sb_escape(sb_t *b, const char *s);

/* Appends a coordinate with two decimals ("-0.00" written as "0.00"), so
 * output bytes depend only on the input. */
void sb_num(sb_t *b, double v);

/* Hands the text to the caller (*out, caller frees) or fails with
 * MG_ERR_NOMEM naming `what`; the buffer is reset either way. */
mg_status sb_finish(sb_t *b, const char *what, char **out);

/* Frees the buffer. */
void sb_free(sb_t *b);

#endif /* MEMGEN_REPORT_SB_H */
