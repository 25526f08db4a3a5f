/*
 * Tests of the HTML report builder: a document with every element kind is
 * well-formed markup with all text escaped, numeric table columns are
 * right-aligned, claims are counted and summarised, PNG images are embedded
 * as base64 data: URIs that decode to the file's bytes, PNG grids are written
 * beside the report, links stay inside the report folder, output is
 * deterministic and written atomically, and bad input is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/plot.h"
#include "memgen/png.h"
#include "memgen/report.h"

/* Decodes base64 (test oracle, strict); returns the length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n % 4) return -1;
    long o = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char c = s[i + k];
            const char *q = c ? strchr(tab, c) : NULL;
            if (c == '=' && i + 4 == n && k >= 2) {
                pad++;
                v <<= 6;
                continue;
            }
            if (!q || pad) return -1;
            v = (v << 6) | (unsigned)(q - tab);
        }
        out[o++] = (unsigned char)(v >> 16);
        if (pad < 2) out[o++] = (unsigned char)(v >> 8);
        if (pad < 1) out[o++] = (unsigned char)v;
    }
    return o;
}

/* RFC 4648 test vectors and a round trip of all byte values. */
static void test_base64(void **state) {
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *e = mg_base64_encode((const unsigned char *)in[i], strlen(in[i]));
        assert_string_equal(e, want[i]);
        free(e);
    }
    unsigned char all[256], back[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    char *e = mg_base64_encode(all, 256);
    assert_int_equal(b64_decode(e, strlen(e), back), 256);
    assert_memory_equal(all, back, 256);
    free(e);
}

/* A fixture: a temporary report folder and a small PNG file. */
typedef struct {
    char *dir, *png, *notpng;
} fixture;

/* Makes the folder and the files. */
static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->dir = tu_mkdtemp();
    f->png = tu_path(f->dir, "img.png");
    f->notpng = tu_path(f->dir, "img.txt");
    unsigned char px[4 * 6 * 3];
    for (int i = 0; i < 72; i++) px[i] = (unsigned char)(i * 3);
    tu_assert_ok(mg_png_write_u8(f->png, px, 4, 6, 3));
    tu_write_bytes(f->notpng, "hello", 5);
    *state = f;
    return 0;
}

/* Removes the folder. */
static int teardown(void **state) {
    fixture *f = *state;
    tu_rmtree(f->dir);
    free(f->dir), free(f->png), free(f->notpng), free(f);
    return 0;
}

/* Builds a report with every element kind into folder sub (under f->dir). */
static mg_report *build(const fixture *f, const char *sub) {
    const char *evil = "<script>alert('x')</script> & \"q\" \x02 \xff";
    char *dir = tu_path(f->dir, sub);
    mg_report *r;
    tu_assert_ok(mg_report_create(dir, evil, &r));
    free(dir);
    tu_assert_ok(mg_report_intro(r, evil));
    tu_assert_ok(mg_report_section(r, evil));
    tu_assert_ok(mg_report_paragraph(r, evil));
    tu_assert_ok(mg_report_paragraphf(r, "measured %d of %d (%.1f%%) <ok>", 3, 4, 75.0));
    tu_assert_ok(mg_report_claim(r, evil, "AUROC 0.99", MG_VERDICT_PASS, NULL));
    tu_assert_ok(mg_report_claim(r, "claim 2", evil, MG_VERDICT_FAIL, evil));
    tu_assert_ok(mg_report_section(r, "Second"));
    tu_assert_ok(mg_report_subsection(r, evil));
    tu_assert_ok(mg_report_claim(r, "claim 3", "half", MG_VERDICT_PARTIAL, NULL));
    tu_assert_ok(mg_report_claim(r, "claim 4", "skipped", MG_VERDICT_NA, NULL));
    const char *hdr[4] = {"name", "AUROC", "TPR", "note"};
    const char *cells[12] = {"std", "0.99", "12%", evil, "LID", "-1.5e-3", "n/a", NULL, "x<y", " 7 ", "", "nan"};
    tu_assert_ok(mg_report_table(r, evil, 4, hdr, 3, cells));
    tu_assert_ok(mg_report_table(r, NULL, 2, NULL, 0, NULL));
    mg_plot *p;
    tu_assert_ok(mg_plot_create(300, 200, &p));
    tu_assert_ok(mg_plot_title(p, evil));
    double x[3] = {0, 1, 2};
    tu_assert_ok(mg_plot_line(p, x, x, 3, NULL));
    tu_assert_ok(mg_report_plot(r, p, evil));
    mg_plot_free(p);
    const char *raw = "  <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"></svg>";
    tu_assert_ok(mg_report_svg(r, raw, NULL));
    tu_assert_ok(mg_report_image(r, f->png, 120, evil));
    tu_assert_ok(mg_report_image(r, f->png, 0, NULL));
    float data[3 * 16];
    for (int i = 0; i < 48; i++) data[i] = (float)(i % 16) / 8.0f - 1.0f;
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = 4, g.width = 4;
    tu_assert_ok(mg_report_png_grid(r, "sub dir/grid.png", data, 3, &g, 0, "a grid"));
    tu_assert_ok(mg_report_link(r, "data/a b&c.csv", evil));
    const char *files[2] = {"x.json", "fig 3/y.npy"};
    tu_assert_ok(mg_report_files(r, files, 2));
    tu_assert_ok(mg_report_code(r, evil));
    return r;
}

/* Every element: well-formed, escaped, counted, numeric columns aligned. */
static void test_every_element(void **state) {
    fixture *f = *state;
    mg_report *r = build(f, "rep");
    char *html;
    tu_assert_ok(mg_report_html(r, &html));
    tu_assert_wellformed(html, 1);
    assert_true(!strncmp(html, "<!DOCTYPE html>", 15));
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "\xff"));
    assert_null(strstr(html, "src=\"http")); /* nothing loaded from the network */
    assert_true(tu_count_of(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") >= 10);
    /* claims: four boxes, summary badges and rows */
    int counts[4];
    mg_report_counts(r, counts);
    for (int v = 0; v < 4; v++) assert_int_equal(counts[v], 1);
    assert_int_equal(tu_count_of(html, "<div class=\"claim "), 4);
    assert_non_null(strstr(html, "<div class=\"claim pass\" id=\"c1\">"));
    assert_non_null(strstr(html, "<div class=\"claim fail\" id=\"c2\">"));
    assert_non_null(strstr(html, "<div class=\"claim partial\" id=\"c3\">"));
    assert_non_null(strstr(html, "<div class=\"claim na\" id=\"c4\">"));
    assert_non_null(strstr(html, "<a href=\"#c4\">4</a>"));
    assert_non_null(strstr(html, "<span class=\"badge fail\">1 does not hold</span>"));
    /* sections and contents */
    assert_non_null(strstr(html, "<section id=\"s2\">"));
    assert_non_null(strstr(html, "<li><a href=\"#s2\">Second</a></li>"));
    /* table: AUROC (numbers) right-aligned; TPR ("n/a") and note not */
    assert_non_null(strstr(html, "<th class=\"num\">AUROC</th><th>TPR</th>"));
    assert_non_null(strstr(html, "<td class=\"num\">-1.5e-3</td>"));
    assert_non_null(strstr(html, "<td class=\"num\"> 7 </td>"));
    assert_non_null(strstr(html, "<td>12%</td>"));
    assert_non_null(strstr(html, "<td>x&lt;y</td>"));
    /* figures: plot and svg inline, images embedded, grid written beside */
    assert_int_equal(tu_count_of(html, "<figure id=\"f"), 5);
    assert_int_equal(tu_count_of(html, "src=\"data:image/png;base64,"), 3);
    assert_non_null(strstr(html, "class=\"scaled\" width=\"120\""));
    char *grid = tu_path(f->dir, "rep/sub dir/grid.png");
    assert_int_equal(access(grid, R_OK), 0);
    free(grid);
    /* links: percent-encoded, escaped text */
    assert_non_null(strstr(html, "<a href=\"data/a%20b%26c.csv\">"));
    assert_non_null(strstr(html, "<a href=\"fig%203/y.npy\">fig 3/y.npy</a>"));
    assert_non_null(strstr(html, "<pre>&lt;script&gt;"));
    free(html);
    mg_report_free(r);
}

/* The embedded image decodes to the PNG file's bytes. */
static void test_image_bytes(void **state) {
    fixture *f = *state;
    char *dir = tu_path(f->dir, "img");
    mg_report *r;
    tu_assert_ok(mg_report_create(dir, "t", &r));
    tu_assert_ok(mg_report_image(r, f->png, 0, "c"));
    char *html;
    tu_assert_ok(mg_report_html(r, &html));
    const char *tag = "src=\"data:image/png;base64,";
    const char *b = strstr(html, tag);
    assert_non_null(b);
    b += strlen(tag);
    const char *e = strchr(b, '"');
    unsigned char *file, *dec = malloc((size_t)(e - b));
    size_t len;
    tu_assert_ok(mg_read_file(f->png, 0, &file, &len));
    assert_int_equal(b64_decode(b, (size_t)(e - b), dec), (long)len);
    assert_memory_equal(dec, file, len);
    free(dec), free(file), free(html), free(dir);
    mg_report_free(r);
}

/* Same calls, same bytes; the written file is the document. */
static void test_deterministic_and_write(void **state) {
    fixture *f = *state;
    mg_report *a = build(f, "a"), *b = build(f, "b");
    char *ha, *hb;
    tu_assert_ok(mg_report_html(a, &ha));
    tu_assert_ok(mg_report_html(b, &hb));
    assert_string_equal(ha, hb);
    tu_assert_ok(mg_report_write(a, "index.html"));
    char *path = tu_path(f->dir, "a/index.html");
    unsigned char *buf;
    size_t len;
    tu_assert_ok(mg_read_file(path, 0, &buf, &len));
    assert_int_equal(len, strlen(ha));
    assert_memory_equal(buf, ha, len);
    assert_string_equal(mg_report_dir(a), strstr(mg_report_dir(a), f->dir));
    free(buf), free(path), free(ha), free(hb);
    mg_report_free(a);
    mg_report_free(b);
    mg_report_free(NULL);
}

/* An empty report is still a valid page. */
static void test_empty(void **state) {
    fixture *f = *state;
    char *dir = tu_path(f->dir, "empty/nested/deeper");
    mg_report *r;
    tu_assert_ok(mg_report_create(dir, "Nothing yet", &r));
    char *html;
    tu_assert_ok(mg_report_html(r, &html));
    tu_assert_wellformed(html, 1);
    assert_null(strstr(html, "Summary of verdicts"));
    assert_null(strstr(html, "<nav>"));
    free(html), free(dir);
    mg_report_free(r);
}

/* Bad input: non-PNG image, missing file, links leaving the folder,
 * non-SVG text, NULL text, bad table, bad verdict, folder over a file. */
static void test_errors(void **state) {
    fixture *f = *state;
    char *dir = tu_path(f->dir, "err");
    mg_report *r;
    tu_assert_ok(mg_report_create(dir, "t", &r));
    assert_int_equal(mg_report_image(r, f->notpng, 0, NULL), MG_ERR_FORMAT);
    assert_int_equal(mg_report_image(r, "/nonexistent/x.png", 0, NULL), MG_ERR_IO);
    assert_int_equal(mg_report_image(r, f->png, -1, NULL), MG_ERR_ARG);
    const char *bad[] = {"", "/etc/passwd", "../x.csv", "a/../../x", "javascript:alert(1)", "http://example.com/x",
                         "a\\b", ".."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(mg_report_link(r, bad[i], "x"), MG_ERR_ARG);
        assert_int_equal(mg_report_write(r, bad[i]), MG_ERR_ARG);
    }
    tu_assert_ok(mg_report_link(r, "a..b/..c", NULL)); /* dots inside names are fine */
    float d[16] = {0};
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = g.width = 4;
    assert_int_equal(mg_report_png_grid(r, "../g.png", d, 1, &g, 0, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_svg(r, "<?xml version=\"1.0\"?><svg></svg>", NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_svg(r, "<div>", NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_paragraph(r, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_claim(r, "c", NULL, MG_VERDICT_PASS, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_claim(r, "c", "m", (mg_verdict)9, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_table(r, NULL, 0, NULL, 0, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_table(r, NULL, 2, NULL, 3, NULL), MG_ERR_ARG);
    assert_int_equal(mg_report_files(r, NULL, 0), MG_ERR_ARG);
    int counts[4];
    mg_report_counts(r, counts);
    assert_int_equal(counts[0] + counts[1] + counts[2] + counts[3], 0);
    mg_report_free(r);
    mg_report *r2;
    assert_int_equal(mg_report_create(f->png, "t", &r2), MG_ERR_IO); /* a file, not a folder */
    assert_int_equal(mg_report_create(dir, NULL, &r2), MG_ERR_ARG);
    free(dir);
}

/* The markup checker the other tests rely on rejects broken documents. */
static void test_checker_rejects(void **state) {
    (void)state;
    char err[256];
    const char *good[] = {"<a><b x=\"1\" y='2'/>t &amp; &#39; &#x27;</a>", "<?xml version=\"1.0\"?>\n<svg></svg>"};
    for (int i = 0; i < 2; i++) assert_int_equal(tu_markup_wellformed(good[i], 0, err, sizeof err), 1);
    assert_int_equal(tu_markup_wellformed("<!DOCTYPE html><html><meta charset=\"utf-8\"><img src=\"x\"></html>", 1,
                                          err, sizeof err), 1);
    const char *bad[] = {"<a><b></a></b>", "<a x=1></a>", "<a>&foo;</a>", "<a>x < y</a>", "<a></a><b></b>", "<a>",
                         "<a x=\"1></a>", "<a>\x01</a>", "text<a></a>", "<a x=\"<\"></a>", "<a>x > y</a>",
                         "<a><img></a>", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (tu_markup_wellformed(bad[i], 0, err, sizeof err)) print_error("accepted: %s\n", bad[i]);
        assert_int_equal(tu_markup_wellformed(bad[i], 0, err, sizeof err), 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_checker_rejects),
        cmocka_unit_test_setup_teardown(test_every_element, setup, teardown),
        cmocka_unit_test_setup_teardown(test_image_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic_and_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
