/*
 * Tests of the report's figure files and plot quality: the formats this
 * build writes and why not, a plot exported as a standalone SVG (one root
 * with xmlns, width, height and viewBox, styles inline) and, with librsvg,
 * as PNG (its signature, and 2x the SVG's size read back through libpng) and
 * PDF (header and trailer), the same bytes twice, librsvg loading the SVG
 * file and refusing broken ones; log axes labelling at least 3 ticks (minor
 * ones when a span is short), markers clipped to the plot area, the legend
 * moved below a plot whose corners all hold data, and figure text written
 * with the paper's symbols.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/plot.h"
#include "memgen/png.h"
#include "report/plot_internal.h"
#include "reproduce/render_internal.h"

/* A file's bytes (NULL when missing); *len its length. */
static unsigned char *slurp(const char *path, size_t *len) {
    unsigned char *b = NULL;
    *len = 0;
    if (mg_read_file(path, 64u << 20, &b, len) != MG_OK) return NULL;
    return b;
}

/* The number in attribute `name` of the first element that starts with tag (e.g. "<svg"); -1 when absent. */
static double attr_of(const char *doc, const char *tag, const char *name) {
    const char *el = strstr(doc, tag), *end = el ? strchr(el, '>') : NULL;
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = el ? strstr(el, key) : NULL;
    return a && a < end ? atof(a + strlen(key)) : -1;
}

/* The number in attribute `name` of the root <svg> of a document. */
static double root_attr(const char *doc, const char *name) { return attr_of(doc, "<svg", name); }

/* A small plot: a line with markers and a labelled scatter. */
static mg_plot *sample_plot(void) {
    mg_plot *p;
    tu_assert_ok(mg_plot_create(500, 300, &p));
    double x[20], y[20];
    for (int i = 0; i < 20; i++) x[i] = i, y[i] = sin(i * 0.4);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "sin (σ = 0.1)";
    st.marker = MG_MARKER_SQUARE;
    tu_assert_ok(mg_plot_line(p, x, y, 20, &st));
    tu_assert_ok(mg_plot_title(p, "W₁ᵀ x"));
    tu_assert_ok(mg_plot_xlabel(p, "x"));
    return p;
}

/* SVG always; PNG and PDF together, or neither with a reason. */
static void test_formats(void **state) {
    (void)state;
    const char *why = "unset";
    int f = mg_plot_formats(&why);
    assert_true(f & MG_PLOT_SVG);
    assert_int_equal(!!(f & MG_PLOT_PNG), !!(f & MG_PLOT_PDF));
    if (f & MG_PLOT_PNG) assert_null(why);
    else assert_non_null(strstr(why, "librsvg"));
    assert_int_equal(mg_plot_formats(NULL), f);
}

/* A plot's files: a standalone SVG, and the PNG and PDF where the build writes them. */
static void test_export_files(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *stem = tu_path(dir, "fig"), *svgp = tu_path(dir, "fig.svg");
    char *pngp = tu_path(dir, "fig.png"), *pdfp = tu_path(dir, "fig.pdf");
    mg_plot *p = sample_plot();
    int written = 0, formats = mg_plot_formats(NULL);
    tu_assert_ok(mg_plot_export(p, stem, &written));
    assert_int_equal(written, formats);
    char *doc = tu_read_text(svgp);
    assert_non_null(doc);
    assert_int_equal(strncmp(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44), 0);
    assert_int_equal(tu_count_of(doc, "<svg xmlns=\"http://www.w3.org/2000/svg\""), 1);
    double W = root_attr(doc, "width"), H = root_attr(doc, "height");
    assert_true(W == 500 && H >= 300);
    char vb[64];
    snprintf(vb, sizeof vb, "viewBox=\"0 0 %.0f %.0f\"", W, H);
    assert_non_null(strstr(doc, vb));
    assert_non_null(strstr(doc, "font-family=\"DejaVu Sans")); /* styles inline: no page CSS */
    assert_null(strstr(doc, "<style"));
    tu_assert_wellformed(strstr(doc, "<svg"), 0);
    size_t n = 0;
    unsigned char *png = slurp(pngp, &n), *pdf = NULL;
    if (formats & MG_PLOT_PNG) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        assert_true(png && n > 8 && !memcmp(png, sig, 8));
        mg_array img;
        tu_assert_ok(mg_png_read(pngp, 3, &img));
        assert_int_equal(img.shape[0], (int64_t)(2 * H));
        assert_int_equal(img.shape[1], (int64_t)(2 * W));
        mg_array_free(&img);
        size_t m = 0;
        pdf = slurp(pdfp, &m);
        assert_true(pdf && m > 64 && !memcmp(pdf, "%PDF-", 5));
        assert_true(m >= 6 && !memcmp(pdf + m - 6, "%%EOF\n", 6));
        /* the same plot gives the same bytes (no clock in the PDF) */
        tu_assert_ok(mg_plot_export(p, stem, NULL));
        size_t n2 = 0, m2 = 0;
        unsigned char *png2 = slurp(pngp, &n2), *pdf2 = slurp(pdfp, &m2);
        assert_true(n2 == n && !memcmp(png, png2, n));
        assert_true(m2 == m && !memcmp(pdf, pdf2, m));
        free(png2), free(pdf2);
    } else {
        assert_null(png);
        assert_int_equal(mg_svg_to_png(doc, strlen(doc), 1, pngp), MG_ERR_UNSUPPORTED);
        assert_int_equal(mg_svg_to_pdf(doc, strlen(doc), pdfp), MG_ERR_UNSUPPORTED);
    }
    free(png), free(pdf), free(doc);
    mg_plot_free(p);
    tu_rmtree(dir);
    free(dir), free(stem), free(svgp), free(pngp), free(pdfp);
}

/* librsvg loads the standalone file it is given and refuses broken or sizeless SVG. */
static void test_rsvg_loads(void **state) {
    (void)state;
    if (!(mg_plot_formats(NULL) & MG_PLOT_PNG)) skip();
    char *dir = tu_mkdtemp(), *svgp = tu_path(dir, "a.svg"), *pngp = tu_path(dir, "a.png");
    mg_plot *p = sample_plot();
    tu_assert_ok(mg_plot_save(p, svgp));
    char *doc = tu_read_text(svgp);
    tu_assert_ok(mg_svg_to_png(doc, strlen(doc), 1, pngp));
    mg_array img;
    tu_assert_ok(mg_png_read(pngp, 3, &img));
    assert_int_equal(img.shape[1], 500);
    mg_array_free(&img);
    const char *broken = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><g>";
    assert_int_not_equal(mg_svg_to_png(broken, strlen(broken), 1, pngp), MG_OK);
    const char *sizeless = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"5\" height=\"5\"/></svg>";
    assert_int_not_equal(mg_svg_to_pdf(sizeless, strlen(sizeless), pngp), MG_OK);
    assert_int_equal(mg_svg_to_png(doc, strlen(doc), 0, pngp), MG_ERR_ARG);
    free(doc);
    mg_plot_free(p);
    tu_rmtree(dir);
    free(dir), free(svgp), free(pngp);
}

/* Labelled (non-empty) ticks of a log axis over [lo, hi]; *minor_labelled: a labelled tick that is no power of ten. */
static int log_labels(double lo, double hi, int *minor_labelled) {
    mg__axis a = {0};
    a.log = 1, a.lo = lo, a.hi = hi;
    mg__axis_ticks(&a, 5);
    int n = 0;
    *minor_labelled = 0;
    for (int i = 0; i < a.nt; i++) {
        assert_true(a.ticks[i] >= lo * (1 - 1e-9) && a.ticks[i] <= hi * (1 + 1e-9));
        if (!a.labels[i][0]) continue;
        n++;
        double e = log10(a.ticks[i]);
        if (fabs(e - round(e)) > 1e-9) *minor_labelled = 1;
    }
    return n;
}

/* A log axis labels at least 3 ticks whatever its span; short spans label minor ticks. */
static void test_log_axis_labels(void **state) {
    (void)state;
    const double spans[][2] = {{0.3, 0.8},  {2, 150},  {0.011, 0.9}, {1.5, 190}, {1, 1e6},
                               {0.95, 1.05}, {1e-20, 1e20}, {0.07, 0.12}, {3, 4}};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        int minor = 0, n = log_labels(spans[i][0], spans[i][1], &minor);
        if (n < 3) print_error("[%g, %g]: %d labels\n", spans[i][0], spans[i][1], n);
        assert_true(n >= 3);
        if (log10(spans[i][1] / spans[i][0]) < 2) assert_true(minor); /* under two decades: minor ticks labelled */
    }
    /* and on a plot: a y axis over less than one decade shows at least 3 labels */
    mg_plot *p;
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double x[3] = {1, 2, 3}, y[3] = {0.3, 0.5, 0.8};
    tu_assert_ok(mg_plot_line(p, x, y, 3, NULL));
    mg_plot_ylog(p, 1);
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    assert_true(tu_count_of(svg, "text-anchor=\"end\"") >= 3); /* the y tick labels */
    free(svg);
    mg_plot_free(p);
}

/* Markers sit in a nested viewport of the plot area (clipped there); points far outside are not drawn. */
static void test_markers_clipped(void **state) {
    (void)state;
    mg_plot *p;
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double x[4] = {0, 0.5, 1, 5}, y[4] = {0, 0.5, 1, 0.5};
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.marker_size = 6;
    tu_assert_ok(mg_plot_scatter(p, x, y, 4, &st));
    mg_plot_xlim(p, 0, 1);
    mg_plot_ylim(p, 0, 1);
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    const char *clip = strstr(svg, "<svg overflow=\"hidden\""), *end = clip ? strstr(clip, "</svg>") : NULL;
    assert_non_null(clip);
    assert_non_null(end);
    assert_int_equal(tu_count_of(svg, "<circle"), 3); /* the corner points, half outside, are drawn and clipped */
    for (const char *c = strstr(svg, "<circle"); c; c = strstr(c + 1, "<circle")) assert_true(c > clip && c < end);
    free(svg);
    /* no markers: no nested viewport */
    mg_plot_free(p);
    tu_assert_ok(mg_plot_create(400, 300, &p));
    tu_assert_ok(mg_plot_line(p, x, y, 3, NULL));
    tu_assert_ok(mg_plot_svg(p, &svg));
    assert_null(strstr(svg, "<svg overflow"));
    free(svg);
    mg_plot_free(p);
}

/* Data in every corner: the automatic legend goes below the plot, which grows to hold it. */
static void test_legend_off_the_data(void **state) {
    (void)state;
    mg_plot *p;
    tu_assert_ok(mg_plot_create(500, 300, &p));
    double x[400], y[400];
    for (int i = 0; i < 400; i++) x[i] = i % 20, y[i] = i / 20; /* a full grid */
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "grid points";
    tu_assert_ok(mg_plot_scatter(p, x, y, 400, &st));
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    double H = root_attr(svg, "height");
    assert_true(H > 300);
    assert_true(attr_of(strstr(svg, "class=\"legend\""), "<rect", "y") >= 300);
    free(svg);
    mg_plot_free(p);
    /* an empty corner keeps the legend inside */
    tu_assert_ok(mg_plot_create(500, 300, &p));
    double x2[3] = {0, 1, 2}, y2[3] = {0, 0.1, 1};
    tu_assert_ok(mg_plot_line(p, x2, y2, 3, &st));
    tu_assert_ok(mg_plot_svg(p, &svg));
    assert_true(root_attr(svg, "height") == 300);
    free(svg);
    mg_plot_free(p);
}

/* Figure text with the paper's symbols, whole words only. */
static void test_math_text(void **state) {
    (void)state;
    const char *cases[][2] = {{"relu(W1^T x_t)", "relu(W\u2081\u1d40 x_t)"},
                              {"sigma = 0.1, sigma_min^2", "\u03c3 = 0.1, sigma_min\u00b2"},
                              {"E|f(x + sigma eps) - x|^2", "E|f(x + \u03c3 \u03b5) - x|\u00b2"},
                              {"||W2 - W1|| <= lambda", "\u2016W\u2082 - W\u2081\u2016 \u2264 \u03bb"},
                              {"sigmas epsilon W12 summary", "sigmas \u03b5 W12 summary"},
                              {"", ""}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = rd_math_text(cases[i][0]);
        assert_string_equal(t, cases[i][1]);
        free(t);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),         cmocka_unit_test(test_export_files),
        cmocka_unit_test(test_rsvg_loads),      cmocka_unit_test(test_log_axis_labels),
        cmocka_unit_test(test_markers_clipped), cmocka_unit_test(test_legend_off_the_data),
        cmocka_unit_test(test_math_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
