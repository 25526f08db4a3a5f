/*
 * Status codes and the thread-local last-error message. The library records
 * what failed (file, tensor, value) here; the CLI prints it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memgen/core.h"

#define MG_ERRBUF 1024

static _Thread_local char mg_errbuf[MG_ERRBUF];

/* Short constant name of a status code. */
const char *mg_status_str(mg_status st) {
    static const char *const names[] = {
        "MG_OK",           "MG_ERR_NOMEM",   "MG_ERR_IO",
        "MG_ERR_FORMAT",   "MG_ERR_UNSUPPORTED", "MG_ERR_SHAPE",
        "MG_ERR_ARG",      "MG_ERR_NUMERIC", "MG_ERR_INTERRUPTED",
        "MG_ERR_NOT_FOUND",
    };
    _Static_assert(sizeof names / sizeof *names == MG_STATUS_COUNT, "a name per status");
    if ((int)st < 0 || st >= MG_STATUS_COUNT) return "MG_ERR_UNKNOWN";
    return names[st];
}

/* This thread's last failure message. */
const char *mg_last_error(void) { return mg_errbuf; }

/* Clears this thread's last failure message. */
void mg_clear_error(void) { mg_errbuf[0] = '\0'; }

/* Records a formatted failure message and returns st. */
mg_status mg_fail(mg_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(mg_errbuf, sizeof mg_errbuf, fmt, ap);
    va_end(ap);
    return st;
}

/* Prefixes the last failure message with "<context>: ". */
mg_status mg_fail_context(mg_status st, const char *fmt, ...) {
    char prefix[MG_ERRBUF];
    char old[MG_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, mg_errbuf, sizeof old);
    if (old[0])
        snprintf(mg_errbuf, sizeof mg_errbuf, "%.500s: %.500s", prefix, old);
    else
        snprintf(mg_errbuf, sizeof mg_errbuf, "%.900s: %s", prefix, mg_status_str(st));
    return st;
}
