/*
 * Implementation of the shared test helpers.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <ctype.h>
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

/* Reports a markup error at offset pos. */
static int markup_err(char *err, size_t errlen, const char *text, const char *p, const char *what) {
    snprintf(err, errlen, "offset %ld: %s near \"%.30s\"", (long)(p - text), what, p);
    return 0;
}

/* Whether c may start / continue a tag or attribute name. */
static int name_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
static int name_char(int c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

/* Checks an entity at p ('&'); returns its length or 0. */
static size_t markup_entity(const char *p) {
    static const char *const named[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
    for (int i = 0; i < 5; i++)
        if (!strncmp(p, named[i], strlen(named[i]))) return strlen(named[i]);
    if (p[1] == '#') {
        size_t i = 2;
        int hex = p[2] == 'x';
        if (hex) i++;
        size_t d0 = i;
        while ((p[i] >= '0' && p[i] <= '9') || (hex && ((p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F'))))
            i++;
        if (i > d0 && p[i] == ';') return i + 1;
    }
    return 0;
}

/* Well-formedness check (see testutil.h). */
int tu_markup_wellformed(const char *text, int html, char *err, size_t errlen) {
    static const char *const voids[] = {"meta", "img", "br", "hr", "link", "input", "col", "area", "base", "wbr",
                                        "source"};
    char stack[256][64];
    int depth = 0, roots = 0;
    const char *p = text;
    if (html && !strncmp(p, "<!DOCTYPE html>", 15)) p += 15;
    if (!html && !strncmp(p, "<?xml", 5)) {
        const char *e = strstr(p, "?>");
        if (!e) return markup_err(err, errlen, text, p, "unterminated XML declaration");
        p = e + 2;
    }
    while (*p) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return markup_err(err, errlen, text, p, "control character");
        if (c == '&') {
            size_t n = markup_entity(p);
            if (!n) return markup_err(err, errlen, text, p, "raw '&' or unknown entity");
            p += n;
            continue;
        }
        if (c == '>') return markup_err(err, errlen, text, p, "raw '>' in text");
        if (c != '<') {
            if (!depth && !isspace(c)) return markup_err(err, errlen, text, p, "text outside the root element");
            p++;
            continue;
        }
        if (!strncmp(p, "<!--", 4)) {
            const char *e = strstr(p + 4, "-->");
            if (!e) return markup_err(err, errlen, text, p, "unterminated comment");
            p = e + 3;
            continue;
        }
        int closing = p[1] == '/';
        const char *q = p + 1 + closing;
        if (!name_start((unsigned char)*q)) return markup_err(err, errlen, text, p, "bad tag name");
        char name[64];
        size_t nl = 0;
        while (name_char((unsigned char)*q)) {
            if (nl + 1 >= sizeof name) return markup_err(err, errlen, text, p, "tag name too long");
            name[nl++] = *q++;
        }
        name[nl] = '\0';
        int self = 0;
        if (closing) {
            while (isspace((unsigned char)*q)) q++;
            if (*q != '>') return markup_err(err, errlen, text, p, "bad closing tag");
            if (!depth || strcmp(stack[depth - 1], name)) return markup_err(err, errlen, text, p, "mismatched closing tag");
            depth--;
            p = q + 1;
            continue;
        }
        while (1) { /* attributes */
            int sp = 0;
            while (isspace((unsigned char)*q)) q++, sp = 1;
            if (*q == '>') break;
            if (q[0] == '/' && q[1] == '>') {
                self = 1;
                q++;
                break;
            }
            if (!sp || !name_start((unsigned char)*q)) return markup_err(err, errlen, text, q, "bad attribute");
            while (name_char((unsigned char)*q)) q++;
            if (*q != '=' || (q[1] != '"' && q[1] != '\'')) return markup_err(err, errlen, text, q, "unquoted attribute");
            char quote = q[1];
            q += 2;
            while (*q && *q != quote) {
                if (*q == '<') return markup_err(err, errlen, text, q, "'<' in an attribute value");
                if (*q == '&') {
                    size_t n = markup_entity(q);
                    if (!n) return markup_err(err, errlen, text, q, "raw '&' in an attribute value");
                    q += n;
                    continue;
                }
                q++;
            }
            if (!*q) return markup_err(err, errlen, text, q, "unterminated attribute value");
            q++;
        }
        p = q + 1;
        int is_void = 0;
        for (size_t i = 0; html && i < sizeof voids / sizeof *voids; i++) is_void |= !strcmp(name, voids[i]);
        if (!depth) roots++;
        if (roots > 1) return markup_err(err, errlen, text, p, "more than one root element");
        if (self || is_void) continue;
        if (depth == 256) return markup_err(err, errlen, text, p, "nesting too deep");
        memcpy(stack[depth++], name, nl + 1);
        if (html && (!strcmp(name, "style") || !strcmp(name, "script"))) { /* raw text up to the close tag */
            char close[80];
            snprintf(close, sizeof close, "</%s>", name);
            const char *e = strstr(p, close);
            if (!e) return markup_err(err, errlen, text, p, "unterminated style/script");
            p = e;
        }
    }
    if (depth) return markup_err(err, errlen, text, p, "unclosed element at the end");
    if (!roots) return markup_err(err, errlen, text, p, "no root element");
    return 1;
}
