/*
 * What a new user hits (issue 17), end to end through the memgen CLI (the
 * binary named by $MEMGEN, default build/memgen): mistyped options get the
 * nearest real one, every output path is checked before the work starts,
 * reproduce refuses to mix a new report into an earlier one (--force
 * replaces it) and reruns a recorded config.json, and progress lines read
 * cleanly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/fileio.h"

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

/* Whether W/rel exists. */
static int exists(const tu_workdir *w, const char *rel) {
    FILE *f = fopen(tu_wpath(w, rel), "r");
    if (f) fclose(f);
    return f != NULL;
}

/* The string at key of W/rel (a JSON object), compared with want. */
static void assert_json_str(const tu_workdir *w, const char *rel, const char *key, const char *want) {
    cJSON *j = tu_read_json(tu_wpath(w, rel));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
    if (!cJSON_IsString(v)) fail_msg("%s lacks the string %s", rel, key);
    assert_string_equal(v->valuestring, want);
    cJSON_Delete(j);
}

/* reproduce: a folder holding an earlier report is refused unless --force,
 * which replaces that report's files and section folders; --config reruns a
 * recorded run bit for bit, options beside it override single settings; the
 * last progress line says "done" once. */
static void test_reproduce_rerun(void **state) {
    tu_workdir *w = *state;
    const char *smoke = "reproduce --scale smoke --no-fmnist";
    assert_int_equal(run(w, "%s --sections fig5 --seed 3 --out %s", smoke, tu_wpath(w, "r")), 0);
    assert_true(tu_log_has(w, "reproduce: done in "));
    char *log = tu_read_text(w->log);
    assert_non_null(log);
    assert_null(strstr(log, "s done"));
    free(log);
    assert_true(exists(w, "r/fig5/mog_separation.csv"));
    /* a second run into the same folder: refused, nothing touched */
    assert_int_equal(run(w, "%s --sections fig4 --seed 3 --out %s", smoke, tu_wpath(w, "r")), 1);
    assert_true(tu_log_has(w, "holds an earlier report"));
    assert_true(tu_log_has(w, "--force"));
    assert_false(exists(w, "r/fig4/mog_gen_columns.csv"));
    assert_true(exists(w, "r/fig5/mog_separation.csv"));
    /* --force: the earlier report's folders go, other files stay */
    tu_write_bytes(tu_wpath(w, "r/notes.txt"), "mine", 4);
    assert_int_equal(run(w, "%s --sections fig4 --seed 3 --out %s --force", smoke, tu_wpath(w, "r")), 0);
    assert_true(exists(w, "r/fig4/mog_gen_columns.csv"));
    assert_false(exists(w, "r/fig5/mog_separation.csv"));
    assert_true(exists(w, "r/notes.txt"));
    /* --config: the same run again, bit for bit */
    assert_json_str(w, "r/config.json", "sections", "fig4");
    assert_int_equal(run(w, "reproduce --config %s --out %s", tu_wpath(w, "r/config.json"), tu_wpath(w, "r2")), 0);
    assert_json_str(w, "r2/config.json", "seed_text", "3");
    assert_json_str(w, "r2/config.json", "scale", "smoke");
    assert_json_str(w, "r2/config.json", "rerun", "memgen reproduce --scale smoke --seed 3 --no-fmnist --sections fig4");
    size_t la, lb;
    unsigned char *a = NULL, *b = NULL;
    tu_assert_ok(mg_read_file(tu_wpath(w, "r/fig4/mog_W1_mem.npy"), 0, &a, &la));
    tu_assert_ok(mg_read_file(tu_wpath(w, "r2/fig4/mog_W1_mem.npy"), 0, &b, &lb));
    assert_true(la == lb && !memcmp(a, b, la));
    free(a);
    free(b);
    /* an option beside it overrides one setting */
    assert_int_equal(run(w, "reproduce --config %s --seed 4 --sections fig5 --out %s", tu_wpath(w, "r/config.json"),
                         tu_wpath(w, "r3")),
                     0);
    assert_json_str(w, "r3/config.json", "seed_text", "4");
    assert_json_str(w, "r3/config.json", "sections", "fig5");
    assert_json_str(w, "r3/config.json", "scale", "smoke");
    /* not a config */
    assert_int_equal(run(w, "reproduce --config %s --out %s", tu_wpath(w, "r/notes.txt"), tu_wpath(w, "r4")), 1);
    assert_true(tu_log_has(w, "not a JSON object"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_option_suggestion, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_output_paths_checked_first, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_reproduce_rerun, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
