/*
 * Test helpers shared by every test binary (cmocka): tolerance comparisons
 * that print the first mismatches, temporary folders, fixture paths.
 */
#ifndef MEMGEN_TESTUTIL_H
#define MEMGEN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "memgen/core.h"

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

/* Path of a committed fixture: "tests/fixtures/<rel>" (static buffer). Tests
 * run from the repository root. */
const char *tu_fixture(const char *rel);

/* Runs the memgen CLI, `$MEMGEN <args>` (default build/memgen; `make test`
 * sets MEMGEN), through the shell with stdout and stderr appended to the file
 * `log` (NULL: discarded). Returns the exit status, or -1 if it did not exit. */
int tu_memgen(const char *log, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Checks that text is well-formed markup: every tag closed in order (HTML
 * void elements such as <meta>, <img>, <br> need no close tag when html is
 * nonzero), attribute values quoted, no raw '<' or '&' outside a valid
 * entity (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;), names well-formed,
 * one root element (html: after an optional <!DOCTYPE>; xml: after an
 * optional <?xml ...?>), no control characters. Returns 1 if well-formed,
 * else 0 with a message (position and problem) in err. */
int tu_markup_wellformed(const char *text, int html, char *err, size_t errlen);

#endif /* MEMGEN_TESTUTIL_H */
