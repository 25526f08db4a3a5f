/*
 * What a new user hits (issue 17), end to end through the memgen CLI (the
 * binary named by $MEMGEN, default build/memgen): mistyped options get the
 * nearest real one, every output path is checked before the work starts,
 * and progress lines read cleanly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Runs `memgen <args>` with a fresh log (the previous run's output is
 * dropped); returns the exit status. */
static int run(const tu_workdir *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static int run(const tu_workdir *w, const char *fmt, ...) {
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    tu_write_bytes(w->log, "", 0);
    return tu_memgen(w->log, "%s", args);
}

/* A 40 x 8 two-mode mixture in W/x.npy. */
static void make_data(const tu_workdir *w) {
    assert_int_equal(run(w, "data mog --d 8 --n 40 --seed 1 --out %s", tu_wpath(w, "x.npy")), 0);
}

/* A mistyped option names the nearest real one; a missing value and an
 * ambiguous abbreviation say so. */
static void test_option_suggestion(void **state) {
    tu_workdir *w = *state;
    assert_int_equal(run(w, "detect --sigam 0.2"), 2);
    assert_true(tu_log_has(w, "unknown option '--sigam' (did you mean --sigma?)"));
    assert_int_equal(run(w, "train --stpes 10"), 2);
    assert_true(tu_log_has(w, "did you mean --steps?"));
    assert_int_equal(run(w, "info --jsno x.npy"), 2);
    assert_true(tu_log_has(w, "did you mean --json?"));
    assert_int_equal(run(w, "data mog --outt x.npy"), 2);
    assert_true(tu_log_has(w, "did you mean --out?"));
    assert_int_equal(run(w, "sample --frobnicate 1"), 2);
    assert_true(tu_log_has(w, "unknown option '--frobnicate'\n"));
    assert_int_equal(run(w, "train --data"), 2);
    assert_true(tu_log_has(w, "option --data needs a value"));
    assert_int_equal(run(w, "info --json=1 x.npy"), 2);
    assert_true(tu_log_has(w, "option --json takes no value"));
}

/* Outputs in folders that do not exist fail at once, before any work,
 * naming the option and the folder, in every command that writes files. */
static void test_output_paths_checked_first(void **state) {
    tu_workdir *w = *state;
    make_data(w);
    const char *x = tu_wpath(w, "x.npy");
    char bad[1024];
    snprintf(bad, sizeof bad, "%s/no/such/dir/m.safetensors", w->dir);
    double t0 = mg_now();
    /* long enough to notice: without the check this trains first */
    assert_int_equal(run(w, "train --data %s --steps 200000 --out %s", x, bad), 1);
    assert_true(mg_now() - t0 < 5.0);
    assert_true(tu_log_has(w, "--out "));
    assert_true(tu_log_has(w, "does not exist"));
    assert_int_equal(run(w, "train --data %s --steps 10 --out %s --log %s/nope/log.csv", x, tu_wpath(w, "m.st"),
                         w->dir), 1);
    assert_true(tu_log_has(w, "--log "));
    assert_int_equal(tu_count_entries(w->dir), 2); /* x.npy and the log: no model written */
    assert_int_equal(run(w, "data mog --d 8 --n 40 --out %s --labels-out %s/nope/l.npy", tu_wpath(w, "y.npy"), w->dir),
                     1);
    assert_true(tu_log_has(w, "--labels-out "));
    assert_int_equal(run(w, "memratio --samples %s --train %s --json %s/nope/r.json", x, x, w->dir), 1);
    assert_true(tu_log_has(w, "--json "));
    assert_int_equal(run(w, "sample --emp %s --n 4 --out %s", x, w->dir), 1);
    assert_true(tu_log_has(w, "is a folder, not a file"));
    assert_int_equal(run(w, "reproduce --scale smoke --out %s/sub", x), 1);
    assert_true(tu_log_has(w, "not a folder"));
    assert_int_equal(tu_count_entries(w->dir), 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_option_suggestion, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_output_paths_checked_first, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
