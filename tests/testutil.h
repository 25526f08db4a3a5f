/*
 * Test helpers shared by every test binary (cmocka): tolerance comparisons
 * that print the first mismatches, temporary folders, fixture files, running
 * the CLI in a work folder and checking its output, markup checks.
 */
#ifndef MEMGEN_TESTUTIL_H
#define MEMGEN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memgen/core.h"
#include "memgen/dae.h"
#include "memgen/mog.h"
#include "memgen/reproduce.h"
#include "memgen/rng.h"

struct cJSON;

/* Number of mismatches where |a-b| > atol + rtol*|ref|; prints the first few
 * (index, got, want) to stderr under the label `what`. */
int64_t tu_count_mismatch_f(const float *got, const float *ref, int64_t n, double atol, double rtol, const char *what);
int64_t tu_count_mismatch_d(const double *got, const double *ref, int64_t n, double atol, double rtol, const char *what);

/* cmocka assertions built on the counters. */
#define tu_assert_close_f(got, ref, n, atol, rtol, what) \
    assert_int_equal(tu_count_mismatch_f((got), (ref), (n), (atol), (rtol), (what)), 0)
#define tu_assert_close_d(got, ref, n, atol, rtol, what) \
    assert_int_equal(tu_count_mismatch_d((got), (ref), (n), (atol), (rtol), (what)), 0)

/* Asserts st == MG_OK, printing mg_last_error() otherwise. */
#define tu_assert_ok(expr)                                                         \
    do {                                                                           \
        mg_status tu_st_ = (expr);                                                 \
        if (tu_st_ != MG_OK) print_error("%s failed: %s (%s)\n", #expr,            \
                                         mg_status_str(tu_st_), mg_last_error());  \
        assert_int_equal(tu_st_, MG_OK);                                           \
    } while (0)

/* Creates a fresh temporary folder (caller frees the string; tu_rmtree removes it). */
char *tu_mkdtemp(void);
void tu_rmtree(const char *dir);

/* Joins dir and name into a malloc'd path. */
char *tu_path(const char *dir, const char *name);

/* Writes bytes to a file (non-atomic; for making corrupt inputs). */
void tu_write_bytes(const char *path, const void *data, size_t len);

/* Number of entries of a folder besides . and .. */
int tu_count_entries(const char *dir);

/* A whole file as a NUL-terminated string (caller frees), NULL if unreadable. */
char *tu_read_text(const char *path);

/* A JSON file parsed (caller cJSON_Deletes); fails the test if it cannot. */
struct cJSON *tu_read_json(const char *path);

/* The number at a path of object keys (NULL-terminated) below o; fails the
 * test naming the missing key, or if the value is not a number. */
double tu_json_num(const struct cJSON *o, ...);

/* Fails the test unless DIR/rel exists and is not empty. */
void tu_assert_file_nonempty(const char *dir, const char *rel);

/* Fails the test unless v is finite and lo <= v <= hi (what names it). */
void tu_assert_in_range(double v, double lo, double hi, const char *what);

/* Runs `memgen reproduce` at smoke scale (Fashion-MNIST when installed) on
 * the comma-separated sections (NULL: all; nsections of them) with the seed
 * into a fresh temporary folder; asserts every section ran without failing
 * and that index.html is well-formed, holds no placeholder and contains each
 * string of the NULL-terminated list `must_contain` (may be NULL). Returns the
 * folder (caller tu_rmtree's and frees); *sum (may be NULL) receives the run's
 * summary, *fmnist (may be NULL) whether Fashion-MNIST was used. */
char *tu_repro_smoke(const char *sections, int nsections, uint64_t seed, const char *const *must_contain,
                     mg_repro_summary *sum, int *fmnist);

/* The summary.json of a report folder, parsed (caller cJSON_Deletes); fails
 * the test if it cannot be read. */
struct cJSON *tu_repro_summary(const char *dir);

/* A bias-free tied DAE of d x p weights W (row-major, copied); the test fails
 * if it cannot be made. Caller frees with mg_dae_free. */
struct mg_dae;
struct mg_dae *tu_tied_dae(int64_t d, int64_t p, const float *W);

/* Path of a committed fixture: "tests/fixtures/<rel>" (static buffer). Tests
 * run from the repository root. */
const char *tu_fixture(const char *rel);

/* The bytes of fixture rel (caller frees; *len set), and an .npy fixture read
 * as an array (caller frees); both fail the test if the file cannot be read. */
unsigned char *tu_fixture_bytes(const char *rel, size_t *len);
mg_array tu_fixture_npy(const char *rel);

/* Runs the memgen CLI, `$MEMGEN <args>` (default build/memgen; `make test`
 * sets MEMGEN), through the shell with stdout and stderr appended to the file
 * `log` (NULL: discarded). Returns the exit status, or -1 if it did not exit. */
int tu_memgen(const char *log, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A two-mode test mixture: the default K = 2 mixture (mg_mog_make) in
 * dimension d with covariance rank `rank`, and n of its samples (n/2 per
 * mode, rows grouped by mode) drawn with r. */
typedef struct {
    mg_mog mog;
    int64_t n, d;
    float *X;     /* n x d */
    int64_t *lab; /* n: the mode of each row */
} tu_mog2;

void tu_mog2_make(tu_mog2 *t, int64_t d, int64_t rank, int64_t n, const mg_rng *r);
void tu_mog2_free(tu_mog2 *t);

/* At noise level sigma and width p, as DAEs (caller frees): the memorizing
 * construction (Cor. 3.2) of the m rows Xs (m x t->d), and the block
 * construction (Theorem 3.1) of t's samples clustered by mode. */
void tu_mem_gen_daes(const tu_mog2 *t, const float *Xs, int64_t m, double sigma, int64_t p, mg_dae **mem,
                     mg_dae **gen);

/* A work folder for CLI tests and the log file in it that tu_memgen appends
 * to. Fixtures needing more embed it (as their member `w`). */
typedef struct {
    char *dir, *log;
} tu_workdir;

/* Makes / removes a work folder in place; and as cmocka setup / teardown
 * functions whose *state is a malloc'd bare tu_workdir. */
void tu_workdir_open(tu_workdir *w);
void tu_workdir_close(tu_workdir *w);
int tu_workdir_setup(void **state);
int tu_workdir_teardown(void **state);

/* "<dir>/<name>", in a ring of 8 static buffers: valid until 8 more calls. */
const char *tu_wpath(const tu_workdir *w, const char *name);

/* Whether the log holds needle; prints the whole log when it does not. */
int tu_log_has(const tu_workdir *w, const char *needle);

/* Number of non-overlapping occurrences of needle in s. */
int tu_count_of(const char *s, const char *needle);

/* Checks that text is well-formed markup: every tag closed in order (HTML
 * void elements such as <meta>, <img>, <br> need no close tag when html is
 * nonzero), attribute values quoted, no raw '<' or '&' outside a valid
 * entity (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;), names well-formed,
 * one root element (html: after an optional <!DOCTYPE>; xml: after an
 * optional <?xml ...?>), no control characters. Returns 1 if well-formed,
 * else 0 with a message (position and problem) in err. */
int tu_markup_wellformed(const char *text, int html, char *err, size_t errlen);

/* Asserts tu_markup_wellformed, printing its message. */
#define tu_assert_wellformed(text, html)                                           \
    do {                                                                           \
        char tu_err_[256];                                                         \
        int tu_ok_ = tu_markup_wellformed((text), (html), tu_err_, sizeof tu_err_); \
        if (!tu_ok_) print_error("not well-formed: %s\n", tu_err_);                 \
        assert_true(tu_ok_);                                                       \
    } while (0)

#endif /* MEMGEN_TESTUTIL_H */
