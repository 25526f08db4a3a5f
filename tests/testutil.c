/*
 * Implementation of the shared test helpers.
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/mog.h"
#include "memgen/npy.h"
#include "memgen/reproduce.h"
#include "memgen/theory.h"

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

/* Entries of dir other than . and .. */
int tu_count_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    if (d) closedir(d);
    return n;
}

/* The file as a C string. */
char *tu_read_text(const char *path) {
    unsigned char *b;
    size_t n;
    if (mg_read_file(path, 0, &b, &n) != MG_OK) return NULL;
    char *s = malloc(n + 1);
    memcpy(s, b, n);
    s[n] = '\0';
    free(b);
    return s;
}

/* The file parsed as JSON. */
cJSON *tu_read_json(const char *path) {
    unsigned char *b;
    size_t n;
    tu_assert_ok(mg_read_file(path, 0, &b, &n));
    cJSON *j = cJSON_ParseWithLength((const char *)b, n);
    free(b);
    if (!j) print_error("%s is not valid JSON\n", path);
    assert_non_null(j);
    return j;
}

/* The number at a path of keys. */
double tu_json_num(const cJSON *o, ...) {
    va_list ap;
    va_start(ap, o);
    for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
        o = cJSON_GetObjectItemCaseSensitive(o, k);
        if (!o) {
            va_end(ap);
            fail_msg("JSON lacks the key %s", k);
        }
    }
    va_end(ap);
    if (!cJSON_IsNumber(o)) fail_msg("JSON value is not a number");
    return o->valuedouble;
}

/* DIR/rel exists and is not empty. */
void tu_assert_file_nonempty(const char *dir, const char *rel) {
    char *p = tu_path(dir, rel);
    FILE *f = fopen(p, "rb");
    free(p);
    if (!f) fail_msg("missing %s", rel);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    if (n <= 0) fail_msg("%s is empty", rel);
}

/* lo <= v <= hi and v finite. */
void tu_assert_in_range(double v, double lo, double hi, const char *what) {
    if (!(isfinite(v) && v >= lo && v <= hi)) fail_msg("%s = %g outside [%g, %g]", what, v, lo, hi);
}

/* A smoke-scale reproduction of some sections, checked (see testutil.h). */
char *tu_repro_smoke(const char *sections, int nsections, uint64_t seed, const char *const *must_contain,
                     mg_repro_summary *sum, int *fmnist) {
    char *dir = tu_mkdtemp();
    mg_repro_config c = MG_REPRO_CONFIG_DEFAULT;
    c.scale = MG_REPRO_SMOKE;
    c.out_dir = dir;
    c.seed = seed;
    c.sections = sections;
    mg_repro_summary run;
    tu_assert_ok(mg_reproduce(&c, &run));
    assert_int_equal(run.sections_run, nsections);
    assert_int_equal(run.sections_failed, 0);
    char *index = tu_path(dir, "index.html"), *cp = tu_path(dir, "config.json");
    char *txt = tu_read_text(index);
    assert_non_null(txt);
    tu_assert_wellformed(txt, 1);
    assert_null(strstr(txt, "placeholder"));
    for (const char *const *needle = must_contain; needle && *needle; needle++)
        if (!strstr(txt, *needle)) fail_msg("index.html lacks \"%s\"", *needle);
    cJSON *cfg = tu_read_json(cp);
    if (fmnist) *fmnist = cJSON_IsTrue(cJSON_GetObjectItem(cfg, "fmnist_used"));
    if (sum) *sum = run;
    cJSON_Delete(cfg);
    free(txt), free(index), free(cp);
    return dir;
}

/* DIR/summary.json, parsed. */
cJSON *tu_repro_summary(const char *dir) {
    char *p = tu_path(dir, "summary.json");
    cJSON *j = tu_read_json(p);
    free(p);
    return j;
}

/* A tied, bias-free DAE with the given weights. */
mg_dae *tu_tied_dae(int64_t d, int64_t p, const float *W) {
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(d, p, 1, 0, &m));
    memcpy(mg_dae_w1(m), W, (size_t)(d * p) * sizeof(float));
    return m;
}

/* "tests/fixtures/<rel>". */
const char *tu_fixture(const char *rel) {
    static _Thread_local char buf[1024];
    snprintf(buf, sizeof buf, "tests/fixtures/%s", rel);
    return buf;
}

/* The bytes of a fixture. */
unsigned char *tu_fixture_bytes(const char *rel, size_t *len) {
    unsigned char *b = NULL;
    tu_assert_ok(mg_read_file(tu_fixture(rel), 0, &b, len));
    return b;
}

/* An .npy fixture. */
mg_array tu_fixture_npy(const char *rel) {
    mg_array a;
    tu_assert_ok(mg_npy_read(tu_fixture(rel), &a));
    return a;
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

/* The two-mode mixture and its samples. */
void tu_mog2_make(tu_mog2 *t, int64_t d, int64_t rank, int64_t n, const mg_rng *r) {
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.d = d;
    spec.cov_rank = rank;
    tu_assert_ok(mg_mog_make(&spec, r, &t->mog));
    int64_t counts[2] = {n / 2, n - n / 2};
    t->n = n;
    t->d = d;
    t->X = malloc((size_t)(n * d) * sizeof(float));
    t->lab = malloc((size_t)n * sizeof(int64_t));
    assert_true(t->X && t->lab);
    tu_assert_ok(mg_mog_sample(&t->mog, counts, 0, r, (mg_mat){n, t->mog.d, t->mog.d, t->X}, t->lab));
}

/* Frees tu_mog2_make's data. */
void tu_mog2_free(tu_mog2 *t) {
    mg_mog_free(&t->mog);
    free(t->X);
    free(t->lab);
}

/* Memorizing and generalizing constructions as DAEs. */
void tu_mem_gen_daes(const tu_mog2 *t, const float *Xs, int64_t m, double sigma, int64_t p, mg_dae **mem,
                     mg_dae **gen) {
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = sigma;
    cp.hidden = p;
    mg_construction cm, cg;
    int64_t d = t->d;
    tu_assert_ok(mg_construct_mem((mg_mat){m, d, d, (float *)Xs}, &cp, &cm));
    tu_assert_ok(mg_construct((mg_mat){t->n, d, d, t->X}, t->lab, 2, &cp, &cg));
    tu_assert_ok(mg_construction_to_dae(&cm, mem));
    tu_assert_ok(mg_construction_to_dae(&cg, gen));
    mg_construction_free(&cm);
    mg_construction_free(&cg);
}

/* A fresh work folder and its log path. */
void tu_workdir_open(tu_workdir *w) {
    w->dir = tu_mkdtemp();
    assert_non_null(w->dir);
    w->log = tu_path(w->dir, "log.txt");
}

/* Removes the folder and frees the paths. */
void tu_workdir_close(tu_workdir *w) {
    tu_rmtree(w->dir);
    free(w->dir);
    free(w->log);
    w->dir = w->log = NULL;
}

/* cmocka setup: *state = a new work folder. */
int tu_workdir_setup(void **state) {
    tu_workdir *w = calloc(1, sizeof *w);
    tu_workdir_open(w);
    *state = w;
    return 0;
}

/* cmocka teardown of tu_workdir_setup. */
int tu_workdir_teardown(void **state) {
    tu_workdir_close(*state);
    free(*state);
    return 0;
}

/* dir/name in a ring of static buffers. */
const char *tu_wpath(const tu_workdir *w, const char *name) {
    static _Thread_local char buf[8][1024];
    static _Thread_local int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", w->dir, name);
    return buf[k];
}

/* Searches the log for needle. */
int tu_log_has(const tu_workdir *w, const char *needle) {
    char *s = tu_read_text(w->log);
    int ok = s && strstr(s, needle) != NULL;
    if (!ok) print_error("log does not contain '%s':\n%s\n", needle, s ? s : "(no log)");
    free(s);
    return ok;
}

/* Counts occurrences of needle. */
int tu_count_of(const char *s, const char *needle) {
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + strlen(needle), needle)) n++;
    return n;
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
