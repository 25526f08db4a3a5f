/*
 * Tests of noise-level grids: every spec kind, ordering, endpoints, and
 * refusal of malformed specs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/schedule.h"

/* geom:0.02:2:K is log-spaced with exact endpoints. */
static void test_geometric(void **state) {
    (void)state;
    double *s;
    int K;
    tu_assert_ok(mg_sigmas_parse("geom:0.02:2:5", &s, &K));
    assert_int_equal(K, 5);
    double want[5] = {0.02, 0.02 * pow(100, 0.25), 0.2, 0.02 * pow(100, 0.75), 2.0};
    tu_assert_close_d(s, want, 5, 0, 1e-14, "geom");
    for (int i = 1; i < K - 1; i++) assert_true(fabs(s[i] / s[i - 1] - s[i + 1] / s[i]) < 1e-12);
    free(s);
}

/* linear, karras (EDM rho = 7), list (sorted and deduplicated), single. */
static void test_other_kinds(void **state) {
    (void)state;
    double *s;
    int K;
    tu_assert_ok(mg_sigmas_parse("linear:1:3:3", &s, &K));
    double lin[3] = {1, 2, 3};
    tu_assert_close_d(s, lin, 3, 0, 1e-15, "linear");
    free(s);
    /* the spellings --alphas takes too: lin: for linear:, a bare list for list: */
    tu_assert_ok(mg_sigmas_parse("lin:1:3:3", &s, &K));
    assert_int_equal(K, 3);
    tu_assert_close_d(s, lin, 3, 0, 1e-15, "lin");
    free(s);
    tu_assert_ok(mg_sigmas_parse("3,1,2", &s, &K));
    assert_int_equal(K, 3);
    tu_assert_close_d(s, lin, 3, 0, 0, "bare list");
    free(s);
    tu_assert_ok(mg_sigmas_parse("karras:0.002:80:18", &s, &K));
    assert_int_equal(K, 18);
    double a = pow(80, 1.0 / 7), b = pow(0.002, 1.0 / 7);
    double mid = pow(a + 9.0 / 17 * (b - a), 7); /* descending index 9 = ascending index 8 */
    assert_true(fabs(s[8] - mid) < 1e-12 * mid);
    assert_true(s[0] == 0.002 && s[17] == 80);
    free(s);
    tu_assert_ok(mg_sigmas_parse("list:0.5,0.1,0.5,1", &s, &K));
    double lst[3] = {0.1, 0.5, 1};
    assert_int_equal(K, 3);
    tu_assert_close_d(s, lst, 3, 0, 0, "list");
    char *txt = mg_sigmas_format(s, K);
    assert_string_equal(txt, "0.10000000000000001,0.5,1");
    free(txt);
    free(s);
    tu_assert_ok(mg_sigmas_parse("0.2", &s, &K));
    assert_int_equal(K, 1);
    assert_true(s[0] == 0.2);
    free(s);
}

/* Malformed specs are refused with a message. */
static void test_bad_specs(void **state) {
    (void)state;
    const char *bad[] = {"", "geom:0.02:2", "geom:0:2:5", "geom:2:1:5", "geom:0.1:1:2.5", "geom:0.1:1:0",
                         "foo:1:2:3", "list:0.1,,0.2", "list:-1", "abc", "-0.1", "nan", "karras:0.1:1:3:0",
                         "geom:0.1:1:3:4:5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double *s = NULL;
        int K = -1;
        mg_clear_error();
        assert_int_equal(mg_sigmas_parse(bad[i], &s, &K), MG_ERR_ARG);
        assert_null(s);
        assert_true(strlen(mg_last_error()) > 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geometric),
        cmocka_unit_test(test_other_kinds),
        cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests_name("schedule", tests, NULL, NULL);
}
