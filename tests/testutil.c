/*
 * Implementation of the shared test helpers.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "testutil.h"

/* Shared body of the float/double mismatch counters. */
#define TU_COUNT_BODY                                                                   \
    int64_t bad = 0;                                                                    \
    for (int64_t i = 0; i < n; i++) {                                                   \
        double a = got[i], b = ref[i];                                                  \
        int ok = (isnan(a) && isnan(b)) || (a == b) || fabs(a - b) <= atol + rtol * fabs(b); \
        if (!ok) {                                                                      \
            if (bad < 8)                                                                \
                fprintf(stderr, "  %s[%lld]: got %.9g want %.9g (|diff| %.3g)\n", what,  \
                        (long long)i, a, b, fabs(a - b));                               \
            bad++;                                                                      \
        }                                                                               \
    }                                                                                   \
    if (bad) fprintf(stderr, "  %s: %lld of %lld values differ (atol %g rtol %g)\n", what, \
                     (long long)bad, (long long)n, atol, rtol);                          \
    return bad;

/* Counts float mismatches, printing the first few. */
int64_t tu_count_mismatch_f(const float *got, const float *ref, int64_t n, double atol, double rtol, const char *what) {
    TU_COUNT_BODY
}

/* Counts double mismatches, printing the first few. */
int64_t tu_count_mismatch_d(const double *got, const double *ref, int64_t n, double atol, double rtol, const char *what) {
    TU_COUNT_BODY
}

/* mkdtemp under $TMPDIR or /tmp. */
char *tu_mkdtemp(void) {
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    size_t len = strlen(base) + 32;
    char *t = malloc(len);
    snprintf(t, len, "%s/memgen-test-XXXXXX", base);
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

/* nftw callback removing one entry. */
static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

/* Recursively removes dir. */
void tu_rmtree(const char *dir) {
    if (dir) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir + "/" + name. */
char *tu_path(const char *dir, const char *name) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* Raw file write for corrupt-input tests. */
void tu_write_bytes(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    if (len) fwrite(data, 1, len, f);
    fclose(f);
}

/* "tests/fixtures/<rel>". */
const char *tu_fixture(const char *rel) {
    static _Thread_local char buf[1024];
    snprintf(buf, sizeof buf, "tests/fixtures/%s", rel);
    return buf;
}

/* Runs the memgen binary named by $MEMGEN (or build/memgen) with the given
 * arguments through /bin/sh; output goes to `log` (appended) or /dev/null. */
int tu_memgen(const char *log, const char *fmt, ...) {
    const char *bin = getenv("MEMGEN");
    if (!bin || !*bin) bin = "build/memgen";
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s >>%s 2>&1", bin, args, log ? log : "/dev/null");
    int rc = system(cmd);
    if (rc == -1 || !WIFEXITED(rc)) return -1;
    return WEXITSTATUS(rc);
}
