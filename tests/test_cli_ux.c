/*
 * What a new user hits (issue 17), end to end through the memgen CLI (the
 * binary named by $MEMGEN, default build/memgen): silent wrong answers are
 * errors (NaN rows, unstated 4-D layouts, noise levels outside a set's
 * range, finite divergence), mistyped options get the
 * nearest real one, every output path is checked before the work starts,
 * reproduce refuses to mix a new report into an earlier one (--force
 * replaces it) and reruns a recorded config.json, progress lines read
 * cleanly, and one option name means one quantity in every command.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

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

/* A mistyped option, command or data source names the nearest real one; a
 * missing value and an ambiguous abbreviation say so. */
static void test_option_suggestion(void **state) {
    tu_workdir *w = *state;
    static const struct {
        const char *args, *says;
    } cases[] = {
        {"detect --sigam 0.2", "unknown option '--sigam' (did you mean --sigma?)"},
        {"train --stpes 10", "did you mean --steps?"},
        {"info --jsno x.npy", "did you mean --json?"},
        {"data mog --outt x.npy", "did you mean --out?"},
        {"sample --frobnicate 1", "unknown option '--frobnicate'\n"},
        {"train --data", "option --data needs a value"},
        {"train --s 3", "option '--s' is ambiguous"},
        {"info --json=1 x.npy", "option --json takes no value"},
        {"trian --steps 1", "unknown command 'trian' (did you mean train?)"},
        {"data mogg --out x.npy", "unknown source 'mogg' (did you mean mog?)"},
        {"xyzzy", "unknown command 'xyzzy'\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(run(w, "%s", cases[i].args), 2);
        assert_true(tu_log_has(w, cases[i].says));
    }
}

/* Whether text has `opt` as a whole option name (not a prefix of a longer one). */
static int has_option(const char *text, const char *opt) {
    size_t n = strlen(opt);
    for (const char *p = strstr(text, opt); p; p = strstr(p + 1, opt)) {
        char next = p[n];
        if ((p == text || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '[' || p[-1] == '(' || p[-1] == '|') &&
            !(next == '-' || (next >= 'a' && next <= 'z')))
            return 1;
    }
    return 0;
}

/* One name, one quantity (issue 17): no command's --help lists --wd (the
 * optimizer's decay is train --weight-decay, the Eq. 6 lambda is --lambda
 * everywhere), --steps (updates) only in train, the noise levels visited
 * are --levels, a JSON summary is --json; the old spellings say what they
 * became; --sigmas and --alphas take the same grid spellings. */
static void test_vocabulary(void **state) {
    tu_workdir *w = *state;
    assert_int_equal(run(w, "--help"), 0);
    char *top = tu_read_text(w->log);
    assert_non_null(top);
    const char *list = strstr(top, "commands:\n");
    assert_non_null(list);
    int ncmd = 0;
    const char *p = strchr(list, '\n') + 1;
    while (p && !strncmp(p, "  ", 2) && p[2] > ' ') {
        char name[32];
        assert_int_equal(sscanf(p, " %31s", name), 1);
        assert_int_equal(run(w, "%s --help", name), 0);
        char *help = tu_read_text(w->log);
        assert_non_null(help);
        if (has_option(help, "--wd") || has_option(help, "--summary PATH") ||
            (has_option(help, "--steps") && strcmp(name, "train") != 0)) {
            fprintf(stderr, "memgen %s --help:\n%s\n", name, help);
            fail_msg("memgen %s --help uses an old name (--wd, --steps outside train, --summary)", name);
        }
        if (!strcmp(name, "train"))
            assert_true(has_option(help, "--weight-decay") && has_option(help, "--lambda") &&
                        has_option(help, "--steps"));
        if (!strcmp(name, "solve") || !strcmp(name, "theory") || !strcmp(name, "detect"))
            assert_true(has_option(help, "--lambda"));
        if (!strcmp(name, "sample") || !strcmp(name, "steer")) assert_true(has_option(help, "--levels"));
        if (!strcmp(name, "repr")) assert_true(has_option(help, "--json"));
        free(help);
        ncmd++;
        p = strchr(p, '\n');
        if (p) p++;
    }
    if (ncmd < 15) fail_msg("memgen --help lists %d commands:\n%s", ncmd, top);
    free(top);
    static const struct {
        const char *args, *says;
    } old[] = {
        {"train --wd 1e-2", "--weight-decay is the optimizer's weight decay"},
        {"solve --wd 1e-4", "--lambda is the Eq. 6 lambda"},
        {"theory --wd 1e-4", "--lambda is the Eq. 6 lambda"},
        {"detect --table1 --wd 0", "--lambda is the Eq. 6 lambda"},
        {"sample --steps 8", "--levels is the number of noise levels visited"},
        {"steer --steps 8", "--levels is the number of noise levels visited"},
    };
    for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
        assert_int_equal(run(w, "%s", old[i].args), 2);
        assert_true(tu_log_has(w, old[i].says));
    }
    /* the grid spellings of both parsers reach the commands */
    make_data(w);
    assert_int_equal(run(w, "sample --emp %s --n 2 --sigmas lin:0.1:1:4 --out %s", tu_wpath(w, "x.npy"),
                         tu_wpath(w, "s.npy")), 0);
    assert_true(tu_log_has(w, "levels=4"));
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

/* Silent wrong answers become clear errors: a NaN row under detect --model,
 * a 4-D activation array of unstated layout, a noise level outside a set's
 * range (detect, repr, jacobian, sample), a training run that diverges but
 * stays finite. */
static void test_no_silent_answers(void **state) {
    tu_workdir *w = *state;
    make_data(w);
    char x[1024], set[1024]; /* tu_wpath's buffers are reused */
    snprintf(x, sizeof x, "%s", tu_wpath(w, "x.npy"));
    snprintf(set, sizeof set, "%s", tu_wpath(w, "set.safetensors"));
    assert_int_equal(run(w, "train --data %s --hidden 8 --sigmas list:0.02,0.2,2 --steps 20 --out %s", x, set), 0);
    /* a NaN row */
    mg_array X;
    tu_assert_ok(mg_npy_read(x, &X));
    ((float *)X.data)[2 * 8 + 5] = NAN;
    tu_assert_ok(mg_npy_write(tu_wpath(w, "nan.npy"), &X));
    mg_array_free(&X);
    assert_int_equal(run(w, "detect --model %s --data %s", set, tu_wpath(w, "nan.npy")), 1);
    assert_true(tu_log_has(w, "sample 2, feature 5 is nan"));
    /* n x 4 x 4 x 32 channels last: auto does not guess */
    int64_t sh[4] = {6, 4, 4, 32};
    mg_array A;
    tu_assert_ok(mg_array_alloc(&A, MG_F32, 4, sh));
    for (int64_t i = 0; i < mg_array_numel(&A); i++) ((float *)A.data)[i] = (float)((i * 7919) % 101) / 101.0f;
    tu_assert_ok(mg_npy_write(tu_wpath(w, "acts.npy"), &A));
    mg_array_free(&A);
    assert_int_equal(run(w, "detect --features %s", tu_wpath(w, "acts.npy")), 1);
    assert_true(tu_log_has(w, "--layout nchw or --layout nhwc"));
    assert_int_equal(run(w, "detect --features %s --layout nhwc", tu_wpath(w, "acts.npy")), 0);
    assert_true(tu_log_has(w, "features=32"));
    /* noise levels beyond the set's 0.02 .. 2 (a factor 1.5 is accepted) */
    assert_int_equal(run(w, "detect --model %s --data %s --sigma 100", set, x), 1);
    assert_true(tu_log_has(w, "outside the model's noise levels 0.02 .. 2"));
    assert_int_equal(run(w, "detect --model %s --data %s --sigma 2.9", set, x), 0);
    assert_int_equal(run(w, "detect --model %s --data %s --sigmas list:0.2,5", set, x), 1);
    assert_int_equal(run(w, "repr --model %s --data %s --sigma 0.001 --out %s", set, x, tu_wpath(w, "h.npy")), 1);
    assert_true(tu_log_has(w, "outside the model's noise levels"));
    assert_int_equal(run(w, "jacobian --model %s --data %s --sigma 10", set, x), 1);
    assert_true(tu_log_has(w, "outside the model's noise levels"));
    assert_int_equal(run(w, "sample --model %s --n 4 --sigmas list:0.02,0.2,80 --out %s", set, tu_wpath(w, "s.npy")),
                     1);
    assert_true(tu_log_has(w, "sampling grid: sigma = 80"));
    /* divergence that stays finite */
    assert_int_equal(run(w, "train --data %s --hidden 8 --lr 1e5 --steps 300 --out %s", x, tu_wpath(w, "m.st")), 1);
    assert_true(tu_log_has(w, "training diverged"));
    assert_int_equal(run(w, "train --data %s --hidden 8 --lr 1e-3 --steps 300 --out %s", x, tu_wpath(w, "m.st")), 0);
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
    assert_json_str(w, "r/config.json", "section_ids", "fig4");
    assert_int_equal(run(w, "reproduce --config %s --out %s", tu_wpath(w, "r/config.json"), tu_wpath(w, "r2")), 0);
    assert_json_str(w, "r2/config.json", "seed_text", "3");
    assert_json_str(w, "r2/config.json", "scale", "smoke");
    assert_json_str(w, "r2/config.json", "rerun",
                    "memgen reproduce --scale smoke --seed 3 --no-fmnist --sections fig4");
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
    assert_json_str(w, "r3/config.json", "section_ids", "fig5");
    assert_json_str(w, "r3/config.json", "scale", "smoke");
    /* not a config */
    assert_int_equal(run(w, "reproduce --config %s --out %s", tu_wpath(w, "r/notes.txt"), tu_wpath(w, "r4")), 1);
    assert_true(tu_log_has(w, "not a JSON object"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_option_suggestion, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_vocabulary, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_output_paths_checked_first, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_no_silent_answers, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_reproduce_rerun, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
