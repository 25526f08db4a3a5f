/*
 * Tests of the generic result containers the experiment layer is built on:
 * results tables (table.h) and their CSV form, field descriptors
 * (fields.h), and the report's expression / template language
 * (src/reproduce/template.h): values, formats, branches, the scope chain,
 * IEEE behaviour and the errors of malformed input.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fields.h"
#include "memgen/table.h"
#include "reproduce/template.h"

/* A table: columns, lookups, text cells, refusals, list. */
static void test_table_basics(void **state) {
    (void)state;
    mg_table t;
    tu_assert_ok(mg_table_init(&t, "metrics", 3, "a,b"));
    assert_int_equal(t.ncols, 2);
    assert_int_equal(mg_table_find(&t, "b"), 1);
    assert_int_equal(mg_table_find(&t, "c"), -1);
    double *a = mg_table_col(&t, "a");
    assert_non_null(a);
    assert_true(a[0] == 0 && a[2] == 0);
    int tc;
    tu_assert_ok(mg_table_add(&t, "name", MG_COL_TEXT, &tc));
    assert_int_equal(tc, 2);
    assert_null(mg_table_col(&t, "name")); /* text, not numeric */
    tu_assert_ok(mg_table_set_text(&t, tc, 1, "x,\"y\""));
    assert_int_equal(mg_table_add(&t, "a", MG_COL_F64, NULL), MG_ERR_ARG);
    assert_int_equal(mg_table_set_text(&t, tc, 3, "out"), MG_ERR_ARG);
    assert_int_equal(mg_table_set_text(&t, 0, 0, "numeric column"), MG_ERR_ARG);
    mg_table_free(&t);
    mg_table_free(&t); /* twice is safe */
    mg_table_free(NULL);
    assert_int_equal(mg_table_init(&t, "dup", 1, "a,a"), MG_ERR_ARG);
    assert_int_equal(mg_table_init(&t, "empty", 1, "a,,b"), MG_ERR_ARG);
    assert_int_equal(mg_table_init(&t, "", 1, "a"), MG_ERR_ARG);
    assert_int_equal(mg_table_init(&t, "neg", -1, "a"), MG_ERR_ARG);
    mg_table_list l = {0};
    mg_table *p;
    tu_assert_ok(mg_table_list_add(&l, &p));
    tu_assert_ok(mg_table_init(p, "roc_std", 2, "fpr,tpr"));
    tu_assert_ok(mg_table_list_add(&l, &p));
    tu_assert_ok(mg_table_init(p, "roc_flipd", 2, "fpr,tpr"));
    assert_int_equal(l.n, 2);
    assert_ptr_equal(mg_table_list_find(&l, "roc_flipd"), &l.t[1]);
    assert_null(mg_table_list_find(&l, "roc"));
    mg_table_list_free(&l);
    assert_int_equal(l.n, 0);
}

/* CSV: %.9g numbers, nan / inf, RFC 4180 quoting, empty text. */
static void test_table_csv(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "t.csv");
    mg_table t;
    tu_assert_ok(mg_table_init(&t, "t", 3, "x"));
    int tc;
    tu_assert_ok(mg_table_add(&t, "label", MG_COL_TEXT, &tc));
    t.cols[0].num[0] = 1.0 / 3.0;
    t.cols[0].num[1] = NAN;
    t.cols[0].num[2] = -INFINITY;
    tu_assert_ok(mg_table_set_text(&t, tc, 0, "plain"));
    tu_assert_ok(mg_table_set_text(&t, tc, 1, "a,\"b\""));
    tu_assert_ok(mg_table_write_csv(&t, path));
    char *txt = tu_read_text(path);
    assert_string_equal(txt, "x,label\n0.333333333,plain\nnan,\"a,\"\"b\"\"\"\n-inf,\n");
    free(txt);
    mg_table_free(&t);
    mg_table empty = {0};
    assert_int_equal(mg_table_write_csv(&empty, path), MG_ERR_ARG);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

typedef enum { COLOR_RED, COLOR_BLUE } color;
typedef struct {
    double x;
    int64_t n;
    int k;
    int on;
    int c;
    const char *s;
    char text[16];
    struct {
        double a;
    } in;
} demo;
static const char *const COLORS[] = {"red", "blue", NULL};
static const mg_field DEMO[] = {
    MG_FIELD(demo, x, MG_FIELD_F64, "a double"),
    MG_FIELD(demo, n, MG_FIELD_I64, "an int64"),
    MG_FIELD(demo, k, MG_FIELD_INT, "an int"),
    MG_FIELD(demo, on, MG_FIELD_BOOL, "a flag"),
    MG_FIELD_ENUM_OF(demo, c, COLORS, "a colour"),
    MG_FIELD(demo, s, MG_FIELD_STR, "a string"),
    MG_FIELD(demo, text, MG_FIELD_TEXT, "inline text"),
    MG_FIELD_AS(demo, in.a, "in.a", MG_FIELD_F64, "nested"),
};
#define NDEMO ((int)(sizeof DEMO / sizeof DEMO[0]))

/* Field descriptors: get, format, strict parse, enums, check. */
static void test_fields(void **state) {
    (void)state;
    tu_assert_ok(mg_fields_check(DEMO, NDEMO, "demo"));
    demo d = {0.5, 7, -3, 1, COLOR_BLUE, "hi", "txt", {2.5}};
    double v;
    tu_assert_ok(mg_field_get(&d, mg_field_find(DEMO, NDEMO, "n"), &v));
    assert_true(v == 7);
    tu_assert_ok(mg_field_get(&d, mg_field_find(DEMO, NDEMO, "in.a"), &v));
    assert_true(v == 2.5);
    assert_int_equal(mg_field_get(&d, mg_field_find(DEMO, NDEMO, "s"), &v), MG_ERR_ARG);
    char buf[64];
    mg_field_format(&d, mg_field_find(DEMO, NDEMO, "c"), buf, sizeof buf);
    assert_string_equal(buf, "blue");
    mg_field_format(&d, mg_field_find(DEMO, NDEMO, "n"), buf, sizeof buf);
    assert_string_equal(buf, "7");
    mg_field_format(&d, mg_field_find(DEMO, NDEMO, "text"), buf, sizeof buf);
    assert_string_equal(buf, "txt");
    tu_assert_ok(mg_field_parse(&d, mg_field_find(DEMO, NDEMO, "x"), "1e-3"));
    assert_true(d.x == 1e-3);
    tu_assert_ok(mg_field_parse(&d, mg_field_find(DEMO, NDEMO, "c"), "red"));
    assert_int_equal(d.c, COLOR_RED);
    tu_assert_ok(mg_field_parse(&d, mg_field_find(DEMO, NDEMO, "on"), "false"));
    assert_int_equal(d.on, 0);
    tu_assert_ok(mg_field_parse(&d, mg_field_find(DEMO, NDEMO, "n"), "-9000000000"));
    assert_true(d.n == -9000000000LL);
    const char *bad[][2] = {{"x", "nan"}, {"x", "1x"}, {"x", ""}, {"n", "1.5"}, {"k", "3000000000"},
                            {"on", "yes"}, {"c", "green"}, {"text", "t"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mg_field_parse(&d, mg_field_find(DEMO, NDEMO, bad[i][0]), bad[i][1]), MG_ERR_ARG);
        assert_non_null(strstr(mg_last_error(), bad[i][0]));
    }
    assert_non_null(strstr(mg_last_error(), "text"));
    mg_field twice[2] = {DEMO[0], DEMO[0]};
    assert_int_equal(mg_fields_check(twice, 2, "twice"), MG_ERR_ARG);
    mg_field noenum = DEMO[4];
    noenum.names = NULL;
    assert_int_equal(mg_fields_check(&noenum, 1, "enum"), MG_ERR_ARG);
    assert_null(mg_field_find(DEMO, NDEMO, "nope"));
}

/* A scope of fixed names for the template tests: a = 2, b = 0.5, z = 0,
 * big = 20000, nan = NaN, name = "mog". */
static mg_status demo_lookup(const void *ctx, const char *name, double *num, const char **text) {
    (void)ctx;
    if (!strcmp(name, "a")) *num = 2;
    else if (!strcmp(name, "b")) *num = 0.5;
    else if (!strcmp(name, "z")) *num = 0;
    else if (!strcmp(name, "big")) *num = 20000;
    else if (!strcmp(name, "nan")) *num = NAN;
    else if (!strcmp(name, "data.name")) *text = "mog";
    else return MG_ERR_NOT_FOUND;
    return MG_OK;
}

/* An inner scope that shadows a. */
static mg_status inner_lookup(const void *ctx, const char *name, double *num, const char **text) {
    (void)ctx, (void)text;
    if (!strcmp(name, "a")) *num = 10;
    else if (!strcmp(name, "H1")) *num = 0.9;
    else return MG_ERR_NOT_FOUND;
    return MG_OK;
}

/* Evaluates e in the demo scopes (inner over outer). */
static double ev(const char *e) {
    mg_tpl_scope outer = {demo_lookup, NULL, NULL}, inner = {inner_lookup, NULL, &outer};
    double v = -12345;
    tu_assert_ok(mg_tpl_eval(e, &inner, &v));
    return v;
}

/* Expressions: precedence, unary ops, functions, scopes, IEEE cases. */
static void test_expressions(void **state) {
    (void)state;
    assert_true(ev("1 + 2 * 3") == 7);
    assert_true(ev("(1 + 2) * 3") == 9);
    assert_true(ev("8 / 2 / 2") == 2);
    assert_true(ev("2 - 3 - 4") == -5);
    assert_true(ev("-b * 4") == -2);
    assert_true(ev("a") == 10); /* the inner scope wins */
    assert_true(ev("!z") == 1 && ev("!b") == 0 && ev("!!b") == 1);
    assert_true(ev("min(3, b, 7)") == 0.5 && ev("max(3, b, 7)") == 7);
    assert_true(ev("abs(-2.5)") == 2.5 && ev("sqrt(16)") == 4 && ev("log10(1000)") == 3);
    assert_true(isnan(ev("min(b, nan)")) && isnan(ev("max(nan, b)")));
    assert_true(isinf(ev("b / z")) && ev("b / z") > 0);
    assert_true(isnan(ev("z / z")));
    assert_true(ev("1e-3 * 1000") == 1);
    assert_true(ev(".5 + H1") == 1.4);
    mg_tpl_scope outer = {demo_lookup, NULL, NULL};
    double v;
    const char *bad[] = {"", "1 +", "(1", "1)", "nope", "min()", "abs(1, 2)", "foo(1)", "data.name", "2 3", "a $ b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(mg_tpl_eval(bad[i], &outer, &v), MG_OK);
    assert_int_equal(mg_tpl_eval("x + nope", &outer, &v), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "nope"));
}

/* Expands a template in the demo scopes. */
static char *ex(const char *t) {
    mg_tpl_scope outer = {demo_lookup, NULL, NULL};
    char *out = NULL;
    tu_assert_ok(mg_tpl_expand(t, &outer, &out));
    return out;
}

/* Templates: default and explicit formats, text, branches, braces, errors. */
static void test_templates(void **state) {
    (void)state;
    const char *cases[][2] = {
        {"plain", "plain"},
        {"{a} and {b}", "2 and 0.5"},
        {"{big}", "20000"},
        {"{1/3}", "0.3333"},
        {"{100 * b:%.1f}%", "50.0%"},
        {"{b:%.0f%%}", "0%"},
        {"{data.name}_x", "mog_x"},
        {"{?a|yes|no}", "yes"},
        {"{?z|yes|no}", "no"},
        {"{?z|only}", ""},
        {"{?nan|yes|no}", "no"},
        {"{?a|p = {a:%.2f}|q}", "p = 2.00"},
        {"{{literal}} {a}", "{literal} 2"},
        {"{nan}", "nan"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *o = ex(cases[i][0]);
        assert_string_equal(o, cases[i][1]);
        free(o);
    }
    char *o = NULL;
    mg_tpl_scope outer = {demo_lookup, NULL, NULL};
    tu_assert_ok(mg_tpl_expand(NULL, &outer, &o));
    assert_string_equal(o, "");
    free(o);
    const char *bad[] = {"{a", "a}", "{nope}", "{a:%d}", "{a:%f %f}", "{data.name:%.2f}", "{?a}", "{a +}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(mg_tpl_expand(bad[i], &outer, &o), MG_OK);
}

/* Collects names into a comma list. */
static mg_status collect(void *ctx, const char *name) {
    strcat(ctx, name);
    strcat(ctx, ",");
    return MG_OK;
}

/* mg_tpl_names lists every name of both branches without looking any up. */
static void test_names(void **state) {
    (void)state;
    char buf[256] = "";
    tu_assert_ok(mg_tpl_names("x {a.b:%.2f} {?c|{d}|{e}} {min(f, g) * 2}", 1, collect, buf));
    assert_string_equal(buf, "a.b,c,d,e,f,g,");
    buf[0] = '\0';
    tu_assert_ok(mg_tpl_names("max(p, q) - r", 0, collect, buf));
    assert_string_equal(buf, "p,q,r,");
}

/* Names x = 2, y = NaN for the expressions below. */
static mg_status xy_lookup(const void *ctx, const char *name, double *num, const char **text) {
    (void)ctx, (void)text;
    if (!strcmp(name, "x")) *num = 2;
    else if (!strcmp(name, "y")) *num = NAN;
    else return MG_ERR_NOT_FOUND;
    return MG_OK;
}

/* Comparisons are 1 or 0, bind loosest, are 0 on NaN, and combine with max/min. */
static void test_template_comparisons(void **state) {
    (void)state;
    mg_tpl_scope sc = {xy_lookup, NULL, NULL};
    static const struct {
        const char *e;
        double want;
    } cases[] = {{"x > 1", 1},          {"x >= 2", 1},       {"x < 2", 0},           {"x <= 1 + 1", 1},
                 {"x == 2", 1},         {"x != 2", 0},       {"1 + (x > 1)", 2},     {"max(x >= 3, x < 3)", 1},
                 {"min(x > 1, x > 5)", 0}, {"y > 0", 0},     {"y <= 0", 0},          {"y != 0", 0},
                 {"max(y > 0, x > 1)", 1}, {"!(x > 1)", 0}, {"x * 2 > 3 + 0.5", 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v;
        tu_assert_ok(mg_tpl_eval(cases[i].e, &sc, &v));
        if (v != cases[i].want) fail_msg("%s = %g, expected %g", cases[i].e, v, cases[i].want);
    }
    double v;
    assert_int_equal(mg_tpl_eval("x > 1 > 0", &sc, &v), MG_ERR_ARG); /* one comparison per level */
    assert_int_equal(mg_tpl_eval("x = 2", &sc, &v), MG_ERR_ARG);
    char *out = NULL;
    tu_assert_ok(mg_tpl_expand("{?x > 1|yes|no} {?y > 1|yes|no} {x >= 2:%.1f}", &sc, &out));
    assert_string_equal(out, "yes no 1.0");
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_basics), cmocka_unit_test(test_table_csv), cmocka_unit_test(test_fields),
        cmocka_unit_test(test_expressions),  cmocka_unit_test(test_templates), cmocka_unit_test(test_names),
        cmocka_unit_test(test_template_comparisons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
