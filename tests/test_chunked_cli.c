/*
 * Chunked and whole-file runs through the memgen CLI (the binary named by
 * $MEMGEN, default build/memgen): `memratio --chunk-rows` writes the same
 * bytes (per-sample CSV, flags, summary) as memratio on the whole file, for
 * chunks of one row to more than the file; `sample --emp --chunk-rows`
 * (f_emp streamed, combined by log-sum-exp) gives the whole file's samples up
 * to float rounding.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/npy.h"

/* The text of W/name (caller frees). */
static char *text(const tu_workdir *w, const char *name) {
    char *s = tu_read_text(tu_wpath(w, name));
    assert_non_null(s);
    return s;
}

/* Training rows W/x.npy (120 x 12) and samples W/s.npy (101 x 12): copies of
 * training rows, twins among the samples, fresh draws. */
static void make_sets(const tu_workdir *w) {
    assert_int_equal(tu_memgen(w->log, "data mog --d 12 --n 120 --seed 3 --out %s", tu_wpath(w, "x.npy")), 0);
    assert_int_equal(tu_memgen(w->log, "data mog --d 12 --n 101 --seed 4 --out %s", tu_wpath(w, "s.npy")), 0);
    mg_array x = {0}, s = {0};
    tu_assert_ok(mg_npy_read(tu_wpath(w, "x.npy"), &x));
    tu_assert_ok(mg_npy_read(tu_wpath(w, "s.npy"), &s));
    float *xs = x.data, *ss = s.data;
    for (int64_t i = 0; i < 30; i++) /* samples 0..29: training rows 0..14, each twice, nearly exact */
        for (int64_t t = 0; t < 12; t++) ss[i * 12 + t] = xs[(i % 15) * 12 + t] * (1.0f + 1e-4f * (float)(i / 15));
    tu_assert_ok(mg_npy_write(tu_wpath(w, "s.npy"), &s));
    mg_array_free(&x), mg_array_free(&s);
}

/* memratio on chunks of 1, 7, 100, 101 and 5000 rows writes the whole file's bytes. */
static void test_memratio_chunked_same_bytes(void **state) {
    tu_workdir *w = *state;
    make_sets(w);
    char x[1024], s[1024]; /* tu_wpath's buffers rotate */
    snprintf(x, sizeof x, "%s", tu_wpath(w, "x.npy"));
    snprintf(s, sizeof s, "%s", tu_wpath(w, "s.npy"));
    assert_int_equal(tu_memgen(w->log, "memratio --samples %s --train %s --out %s --flags-out %s", s, x, tu_wpath(w, "a.csv"),
                         tu_wpath(w, "a.npy")),
                     0);
    char *a = text(w, "a.csv");
    assert_true(strstr(a, ",1,") != NULL); /* some memorized */
    mg_array fa = {0};
    tu_assert_ok(mg_npy_read(tu_wpath(w, "a.npy"), &fa));
    const int chunks[] = {1, 7, 100, 101, 5000};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        assert_int_equal(tu_memgen(w->log, "memratio --samples %s --train %s --out %s --flags-out %s --chunk-rows %d", s, x,
                             tu_wpath(w, "b.csv"), tu_wpath(w, "b.npy"), chunks[c]),
                         0);
        char *b = text(w, "b.csv");
        assert_string_equal(a, b);
        mg_array fb = {0};
        tu_assert_ok(mg_npy_read(tu_wpath(w, "b.npy"), &fb));
        assert_memory_equal(fa.data, fb.data, (size_t)fa.shape[0] * sizeof(int64_t));
        mg_array_free(&fb);
        free(b);
    }
    mg_array_free(&fa);
    free(a);
}

/* sample --emp streamed in chunks of 7 and 64 rows equals the whole file's
 * samples to float rounding (DDIM, the same seed). */
static void test_sample_emp_chunked(void **state) {
    tu_workdir *w = *state;
    make_sets(w);
    char x[1024];
    snprintf(x, sizeof x, "%s", tu_wpath(w, "x.npy"));
    assert_int_equal(tu_memgen(w->log, "sample --emp %s --n 16 --levels 12 --sigma-max 8 --out %s", x, tu_wpath(w, "a.npy")), 0);
    mg_array a = {0};
    tu_assert_ok(mg_npy_read(tu_wpath(w, "a.npy"), &a));
    const int chunks[] = {7, 64};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        assert_int_equal(tu_memgen(w->log, "sample --emp %s --n 16 --levels 12 --sigma-max 8 --chunk-rows %d --out %s", x,
                             chunks[c], tu_wpath(w, "b.npy")),
                         0);
        mg_array b = {0};
        tu_assert_ok(mg_npy_read(tu_wpath(w, "b.npy"), &b));
        tu_assert_close_f(b.data, a.data, 16 * 12, 1e-4, 1e-5, "sample --emp chunked");
        mg_array_free(&b);
    }
    mg_array_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_memratio_chunked_same_bytes, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_sample_emp_chunked, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests_name("chunked_cli", tests, NULL, NULL);
}
