/*
 * Tests of the SVG plot writer: nice and log ticks on known ranges, tick
 * labels, XML escaping (entities, control characters, invalid UTF-8), every
 * plot kind rendering well-formed SVG, NaN / Inf / non-positive-on-log points
 * skipped with the line resuming in a new subpath, clipping to the plot area,
 * histogram counts and density, deterministic bytes, the file writer and
 * argument checks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/plot.h"

/* Nice ticks on known ranges. */
static void test_nice_ticks(void **state) {
    (void)state;
    struct {
        double lo, hi;
        int max;
        double step;
        int n;
        double first, last;
    } c[] = {{0, 1, 6, 0.2, 6, 0, 1},          {0, 100, 6, 20, 6, 0, 100},       {0, 100, 5, 50, 3, 0, 100},
             {-3.7, 12.2, 8, 2, 8, -2, 12},    {0.001, 0.0049, 5, 0.001, 4, 0.001, 0.004},
             {1e6, 3e6, 5, 5e5, 5, 1e6, 3e6}, {-1, 1, 3, 1, 3, -1, 1},          {5, 5.0001, 5, 5e-5, 3, 5, 5.0001}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        double t[16], st;
        int n = mg_plot_nice_ticks(c[i].lo, c[i].hi, c[i].max, t, &st);
        assert_int_equal(n, c[i].n);
        assert_true(fabs(st - c[i].step) <= 1e-12 * c[i].step);
        assert_true(fabs(t[0] - c[i].first) <= 1e-9 * fmax(1, fabs(c[i].first)));
        assert_true(fabs(t[n - 1] - c[i].last) <= 1e-9 * fmax(1, fabs(c[i].last)));
        for (int k = 0; k < n; k++) assert_true(t[k] >= c[i].lo - 1e-9 * st && t[k] <= c[i].hi + 1e-9 * st);
    }
    double t[8], st;
    assert_int_equal(mg_plot_nice_ticks(1, 1, 5, t, &st), 0);
    assert_int_equal(mg_plot_nice_ticks(NAN, 1, 5, t, &st), 0);
    assert_int_equal(mg_plot_nice_ticks(0, INFINITY, 5, t, &st), 0);
    assert_int_equal(mg_plot_nice_ticks(0, 1, 1, t, &st), 0);
    /* zero is exactly zero (no -0 or 1e-17) */
    int n = mg_plot_nice_ticks(-0.3, 0.3, 7, t, &st);
    assert_int_equal(n, 7);
    assert_true(t[3] == 0 && !signbit(t[3]));
}

/* Log ticks: decades, thinned decades, 1-2-5 for short ranges. */
static void test_log_ticks(void **state) {
    (void)state;
    double t[64];
    int n = mg_plot_log_ticks(1e-3, 1e2, t, 64);
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++) assert_true(fabs(t[i] / pow(10, i - 3) - 1) < 1e-12);
    double want[] = {0.5, 1, 2, 5, 10, 20};
    n = mg_plot_log_ticks(0.5, 20, t, 64);
    assert_int_equal(n, 6);
    for (int i = 0; i < n; i++) assert_true(fabs(t[i] / want[i] - 1) < 1e-12);
    n = mg_plot_log_ticks(1e-20, 1e20, t, 64);
    assert_true(n >= 2 && n <= 9);
    for (int i = 0; i < n; i++) assert_true(fabs(log10(t[i]) - round(log10(t[i]))) < 1e-9);
    assert_int_equal(mg_plot_log_ticks(0, 10, t, 64), 0);
    assert_int_equal(mg_plot_log_ticks(-1, 10, t, 64), 0);
    assert_int_equal(mg_plot_log_ticks(10, 1, t, 64), 0);
    assert_int_equal(mg_plot_log_ticks(0.02, 2, t, 3), 3); /* capped */
}

/* Tick labels. */
static void test_format_tick(void **state) {
    (void)state;
    struct {
        double v, step;
        const char *want;
    } c[] = {{0.25, 0.05, "0.25"}, {1500, 500, "1500"},     {-2, 1, "-2"},          {0.2, 0.2, "0.2"},
             {-1e-17, 0.1, "0.0"}, {2e6, 5e5, "2.0e+06"},   {5.00005, 5e-5, "5.00005"}, {3e-8, 1e-8, "3e-08"},
             {0, 1e7, "0e+00"},    {1e5, 2e4, "100000"}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char buf[32];
        mg_plot_format_tick(c[i].v, c[i].step, buf, sizeof buf);
        if (strcmp(buf, c[i].want))
            print_error("format_tick(%g, %g) = '%s', want '%s'\n", c[i].v, c[i].step, buf, c[i].want);
        assert_string_equal(buf, c[i].want);
    }
}

/* Escaping: entities, control characters, UTF-8 kept or replaced. */
static void test_escape(void **state) {
    (void)state;
    char *e = mg_xml_escape("<a & 'b'>\"");
    assert_string_equal(e, "&lt;a &amp; &#39;b&#39;&gt;&quot;");
    free(e);
    e = mg_xml_escape("x\x01y\tz\n\x7f");
    assert_string_equal(e, "xy\tz\n\x7f");
    free(e);
    e = mg_xml_escape("caf\xc3\xa9 \xce\xbb=2 \xf0\x9f\x98\x80");
    assert_string_equal(e, "caf\xc3\xa9 \xce\xbb=2 \xf0\x9f\x98\x80");
    free(e);
    /* a stray byte, an overlong '/', a surrogate, a truncated sequence */
    e = mg_xml_escape("a\xffz \xc0\xaf \xed\xa0\x80 \xe2\x82");
    assert_string_equal(e, "a\xef\xbf\xbdz \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                           "\xef\xbf\xbd\xef\xbf\xbd");
    free(e);
    e = mg_xml_escape(NULL);
    assert_string_equal(e, "");
    free(e);
}

/* A plot of every series kind with hostile text: well-formed, escaped. */
static void test_all_kinds_wellformed(void **state) {
    (void)state;
    const char *evil = "a<b>&c \"d\" 'e' </svg><script>x</script> \x01 \xff";
    mg_plot *p;
    tu_assert_ok(mg_plot_create(640, 420, &p));
    tu_assert_ok(mg_plot_title(p, evil));
    tu_assert_ok(mg_plot_xlabel(p, evil));
    tu_assert_ok(mg_plot_ylabel(p, evil));
    double x[50], y[50];
    for (int i = 0; i < 50; i++) x[i] = i * 0.1, y[i] = sin(i * 0.3);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    for (int m = MG_MARKER_NONE; m <= MG_MARKER_CROSS; m++) {
        st.marker = (mg_marker)m;
        st.label = evil;
        st.dashed = m % 2;
        for (int i = 0; i < 50; i++) y[i] = sin(i * 0.3) + m;
        tu_assert_ok(mg_plot_line(p, x, y, 50, &st));
    }
    st.marker = MG_MARKER_NONE;
    tu_assert_ok(mg_plot_scatter(p, x, y, 50, &st));
    tu_assert_ok(mg_plot_hist(p, y, 50, 10, NAN, NAN, 0, &st, NULL));
    tu_assert_ok(mg_plot_hline(p, 0.5, &st));
    tu_assert_ok(mg_plot_vline(p, 2.5, &st));
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    assert_null(strstr(svg, "<script"));
    assert_null(strstr(svg, "nan"));
    assert_null(strstr(svg, "inf"));
    assert_non_null(strstr(svg, "a&lt;b&gt;&amp;c &quot;d&quot; &#39;e&#39; &lt;/svg&gt;"));
    assert_int_equal(tu_count_of(svg, "<svg xmlns"), 1); /* one document; markers sit in nested viewports */
    assert_int_equal(tu_count_of(svg, "class=\"legend\""), 1);
    free(svg);
    mg_plot_free(p);

    /* bars with categories, each legend position */
    for (int pos = 0; pos <= MG_LEGEND_AUTO; pos++) {
        tu_assert_ok(mg_plot_create(500, 300, &p));
        const char *cats[3] = {"std & l4", "<LID>", "a rather long category name that must rotate"};
        tu_assert_ok(mg_plot_categories(p, cats, 3));
        double v1[3] = {0.99, 0.9, NAN}, v2[3] = {0.5, -0.2, 0.7};
        mg_plot_style b = MG_PLOT_STYLE_DEFAULT;
        b.label = "MoG";
        tu_assert_ok(mg_plot_bars(p, v1, 3, &b));
        b.label = "F-MNIST";
        b.color = "#ABC";
        tu_assert_ok(mg_plot_bars(p, v2, 3, &b));
        mg_plot_legend(p, (mg_legend_pos)pos);
        tu_assert_ok(mg_plot_svg(p, &svg));
        tu_assert_wellformed(svg, 0);
        assert_non_null(strstr(svg, "&lt;LID&gt;"));
        assert_non_null(strstr(svg, "#aabbcc"));
        assert_non_null(strstr(svg, "rotate(-35"));
        assert_int_equal(tu_count_of(svg, "class=\"legend\""), pos != MG_LEGEND_NONE);
        free(svg);
        mg_plot_free(p);
    }

    /* heatmap with a NaN cell and a colour bar, each colour map */
    for (int cm = 0; cm <= MG_CMAP_GRAY; cm++) {
        tu_assert_ok(mg_plot_create(400, 300, &p));
        double M[6 * 7];
        for (int i = 0; i < 42; i++) M[i] = i - 20.0;
        M[3] = NAN;
        tu_assert_ok(mg_plot_heatmap(p, M, 6, 7, NAN, NAN, (mg_colormap)cm, "w & b"));
        tu_assert_ok(mg_plot_hline(p, 2, NULL));
        tu_assert_ok(mg_plot_svg(p, &svg));
        tu_assert_wellformed(svg, 0);
        assert_int_equal(tu_count_of(svg, "fill=\"#f0d0f0\""), 1); /* the NaN cell */
        assert_non_null(strstr(svg, "w &amp; b"));
        free(svg);
        assert_int_equal(mg_plot_scatter(p, M, M, 3, NULL), MG_ERR_ARG); /* no data series on a heatmap */
        /* but lines in cell units (a boundary) and labels of the cells */
        const char *xl[7] = {"n=2", "n=4", "n=8", "a<b", "16", "32", "64"}, *yl[6] = {"1", "2", "3", "4", "5", "6"};
        double bx[3] = {0.5, 0.5, NAN}, by[3] = {-0.5, 5.5, NAN};
        tu_assert_ok(mg_plot_heatmap_labels(p, xl, yl));
        tu_assert_ok(mg_plot_line(p, bx, by, 3, NULL));
        tu_assert_ok(mg_plot_svg(p, &svg));
        tu_assert_wellformed(svg, 0);
        assert_non_null(strstr(svg, ">n=8<"));
        assert_non_null(strstr(svg, "a&lt;b"));
        free(svg);
        mg_plot_free(p);
    }
}

/* Parses every coordinate in the d="..." attributes of the SVG and checks
 * it lies within [lo, hi]; returns the number of coordinates seen. */
static int check_path_coords(const char *svg, double lo, double hi) {
    int count = 0;
    for (const char *p = strstr(svg, " d=\""); p; p = strstr(p, " d=\"")) {
        p += 4;
        while (*p && *p != '"') {
            if (*p == '-' || (*p >= '0' && *p <= '9') || *p == '.') {
                char *end;
                double v = strtod(p, &end);
                if (v < lo || v > hi) {
                    print_error("path coordinate %g outside [%g, %g]\n", v, lo, hi);
                    return -1;
                }
                count++;
                p = end;
            } else {
                p++;
            }
        }
    }
    return count;
}

/* NaN / Inf points are skipped and the line resumes with a new subpath; on
 * a log axis points <= 0 are skipped; lines are clipped to the plot area. */
static void test_nonfinite_and_clipping(void **state) {
    (void)state;
    mg_plot *p;
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    double y[9] = {1, 2, NAN, 3, 4, INFINITY, 5, 6, 7};
    tu_assert_ok(mg_plot_line(p, x, y, 9, NULL));
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    const char *d = strstr(svg, "stroke-linecap=\"round\" d=\"");
    assert_non_null(d);
    char path[512];
    sscanf(d + strlen("stroke-linecap=\"round\" d=\""), "%511[^\"]", path);
    /* three runs with >= 2 points: {0,1}, {3,4}, {6,7,8}: three subpaths */
    assert_int_equal(tu_count_of(path, "M"), 3);
    assert_int_equal(tu_count_of(path, "L"), 4);
    assert_null(strstr(svg, "nan"));
    free(svg);
    mg_plot_free(p);

    /* all points non-finite: an empty but valid plot */
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double bad[3] = {NAN, INFINITY, -INFINITY};
    tu_assert_ok(mg_plot_line(p, bad, bad, 3, NULL));
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    free(svg);
    mg_plot_free(p);

    /* log axes: y <= 0 skipped, ticks are decades */
    tu_assert_ok(mg_plot_create(400, 300, &p));
    mg_plot_xlog(p, 1);
    mg_plot_ylog(p, 1);
    double lx[5] = {0.01, 0.1, 1, 10, 100}, ly[5] = {1e-3, 0, 1e-1, -5, 1e1};
    tu_assert_ok(mg_plot_line(p, lx, ly, 5, NULL));
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    assert_non_null(strstr(svg, ">0.01</text>"));
    assert_non_null(strstr(svg, ">100</text>"));
    assert_non_null(strstr(svg, ">0.001</text>"));
    free(svg);
    mg_plot_free(p);

    /* clipping: a user window much smaller than the data */
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double cx[4] = {-100, 0, 100, 1e6}, cy[4] = {-100, 0.5, 100, -1e6};
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.marker = MG_MARKER_CIRCLE;
    tu_assert_ok(mg_plot_line(p, cx, cy, 4, &st));
    mg_plot_xlim(p, -1, 1);
    mg_plot_ylim(p, 0, 1);
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    assert_true(check_path_coords(svg, 0, 400) > 0);
    assert_int_equal(tu_count_of(svg, "<circle"), 1); /* only (0, 0.5) is inside */
    free(svg);
    mg_plot_free(p);
}

/* The automatic legend avoids the data: a line through the top right puts
 * it elsewhere; a line through every corner but the bottom left puts it there. */
static void test_legend_auto(void **state) {
    (void)state;
    double x[50], y[50];
    for (int i = 0; i < 50; i++) x[i] = i, y[i] = i; /* bottom left to top right */
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "diagonal";
    st.marker = MG_MARKER_CIRCLE;
    mg_plot *p;
    tu_assert_ok(mg_plot_create(400, 300, &p));
    tu_assert_ok(mg_plot_line(p, x, y, 50, &st));
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    /* the legend box starts at x = L + 8 (left corners) or R - 8 - w (right) */
    const char *g = strstr(svg, "<g class=\"legend\"><rect x=\"");
    assert_non_null(g);
    double lx = atof(g + strlen("<g class=\"legend\"><rect x=\""));
    const char *yy = strstr(g, "y=\"");
    double ly = atof(yy + 3);
    print_message("legend at (%.1f, %.1f)\n", lx, ly);
    assert_true(lx < 200 && ly < 150); /* top left: the diagonal leaves it empty */
    free(svg);
    mg_plot_free(p);
    tu_assert_ok(mg_plot_create(400, 300, &p));
    for (int i = 0; i < 50; i++) y[i] = 49 - i; /* top left to bottom right */
    tu_assert_ok(mg_plot_line(p, x, y, 50, &st));
    tu_assert_ok(mg_plot_svg(p, &svg));
    g = strstr(svg, "<g class=\"legend\"><rect x=\"");
    lx = atof(g + strlen("<g class=\"legend\"><rect x=\""));
    assert_true(lx > 200); /* top right */
    free(svg);
    mg_plot_free(p);
}

/* Histogram counts: bins, the upper edge, values outside, NaN, density. */
static void test_hist_counts(void **state) {
    (void)state;
    mg_plot *p;
    tu_assert_ok(mg_plot_create(400, 300, &p));
    double v[10] = {0, 0.5, 1, 1.5, 2, 3.9, 4, 4.0001, -1, NAN};
    double *c;
    tu_assert_ok(mg_plot_hist(p, v, 10, 4, 0, 4, 0, NULL, &c));
    double want[4] = {2, 2, 1, 2}; /* 4 goes in the last bin; 4.0001, -1, NaN are not counted */
    for (int i = 0; i < 4; i++) assert_true(c[i] == want[i]);
    free(c);
    tu_assert_ok(mg_plot_hist(p, v, 10, 4, 0, 4, 1, NULL, &c));
    double area = 0;
    for (int i = 0; i < 4; i++) area += c[i] * 1.0;
    assert_true(fabs(area - 1) < 1e-12);
    free(c);
    /* automatic range from the finite data; all-equal data */
    double same[3] = {2, 2, 2};
    tu_assert_ok(mg_plot_hist(p, same, 3, 5, NAN, NAN, 0, NULL, &c));
    double s = 0;
    for (int i = 0; i < 5; i++) s += c[i];
    assert_true(s == 3);
    free(c);
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    tu_assert_wellformed(svg, 0);
    free(svg);
    mg_plot_free(p);
}

/* Builds the same plot every time (caller frees). */
static mg_plot *make_plot(void) {
    mg_plot *p;
    tu_assert_ok(mg_plot_create(600, 400, &p));
    tu_assert_ok(mg_plot_title(p, "deterministic"));
    double x[100], y[100];
    for (int i = 0; i < 100; i++) x[i] = i / 7.0, y[i] = exp(-i / 30.0) * cos(i / 5.0);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "y";
    st.marker = MG_MARKER_DIAMOND;
    tu_assert_ok(mg_plot_line(p, x, y, 100, &st));
    tu_assert_ok(mg_plot_hist(p, y, 100, 13, NAN, NAN, 1, NULL, NULL));
    return p;
}

/* That plot as an SVG string. */
static char *build_plot(void) {
    mg_plot *p = make_plot();
    char *svg;
    tu_assert_ok(mg_plot_svg(p, &svg));
    mg_plot_free(p);
    return svg;
}

/* Same input, same bytes; the file writer adds the XML declaration. */
static void test_deterministic_and_save(void **state) {
    (void)state;
    char *a = build_plot(), *b = build_plot();
    assert_string_equal(a, b);
    assert_null(strstr(a, "-0.00"));
    char *dir = tu_mkdtemp(), *path = tu_path(dir, "p.svg");
    mg_plot *p = make_plot();
    tu_assert_ok(mg_plot_save(p, path));
    unsigned char *buf;
    size_t len;
    tu_assert_ok(mg_read_file(path, 0, &buf, &len));
    const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    assert_true(len == strlen(decl) + strlen(a));
    assert_memory_equal(buf, decl, strlen(decl));
    assert_memory_equal(buf + strlen(decl), a, strlen(a));
    char *text = malloc(len + 1);
    memcpy(text, buf, len);
    text[len] = '\0';
    tu_assert_wellformed(text, 0);
    free(text);
    free(buf);
    mg_plot_free(p);
    tu_rmtree(dir);
    free(dir), free(path), free(a), free(b);
}

/* Colour maps: end points and clamping. */
static void test_colormaps(void **state) {
    (void)state;
    char c[8];
    mg_colormap_hex(MG_CMAP_VIRIDIS, 0, c);
    assert_string_equal(c, "#440154");
    mg_colormap_hex(MG_CMAP_VIRIDIS, 1, c);
    assert_string_equal(c, "#fde725");
    mg_colormap_hex(MG_CMAP_DIVERGING, 0.5, c);
    assert_string_equal(c, "#f7f7f7");
    mg_colormap_hex(MG_CMAP_GRAY, 0.5, c);
    assert_string_equal(c, "#808080");
    mg_colormap_hex(MG_CMAP_GRAY, -3, c);
    assert_string_equal(c, "#000000");
    mg_colormap_hex(MG_CMAP_GRAY, NAN, c);
    assert_string_equal(c, "#000000");
    mg_colormap_hex(MG_CMAP_GRAY, 7, c);
    assert_string_equal(c, "#ffffff");
}

/* Argument checks. */
static void test_errors(void **state) {
    (void)state;
    mg_plot *p;
    assert_int_equal(mg_plot_create(100, 300, &p), MG_ERR_ARG);
    assert_null(p);
    assert_int_equal(mg_plot_create(300, 5000, &p), MG_ERR_ARG);
    tu_assert_ok(mg_plot_create(300, 300, &p));
    double v[3] = {1, 2, 3};
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.color = "red";
    assert_int_equal(mg_plot_line(p, v, v, 3, &st), MG_ERR_ARG);
    st.color = "#12345g";
    assert_int_equal(mg_plot_line(p, v, v, 3, &st), MG_ERR_ARG);
    st.color = NULL, st.opacity = 2;
    assert_int_equal(mg_plot_line(p, v, v, 3, &st), MG_ERR_ARG);
    assert_int_equal(mg_plot_line(p, v, NULL, 3, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_line(p, v, v, -1, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_bars(p, v, 3, NULL), MG_ERR_ARG); /* no categories */
    const char *cats[2] = {"a", "b"};
    tu_assert_ok(mg_plot_categories(p, cats, 2));
    assert_int_equal(mg_plot_bars(p, v, 3, NULL), MG_ERR_SHAPE);
    tu_assert_ok(mg_plot_bars(p, v, 2, NULL));
    assert_int_equal(mg_plot_categories(p, cats, 1), MG_ERR_ARG);
    assert_int_equal(mg_plot_hist(p, v, 3, 0, 0, 1, 0, NULL, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_hist(p, v, 3, 5, 2, 1, 0, NULL, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_hline(p, NAN, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_heatmap(p, v, 1, 3, NAN, NAN, MG_CMAP_VIRIDIS, NULL), MG_ERR_ARG); /* has series */
    mg_plot_free(p);
    tu_assert_ok(mg_plot_create(300, 300, &p));
    assert_int_equal(mg_plot_heatmap(p, v, 1000, 1000, NAN, NAN, MG_CMAP_VIRIDIS, NULL), MG_ERR_ARG);
    assert_int_equal(mg_plot_heatmap(p, v, 1, 3, 2, 1, MG_CMAP_VIRIDIS, NULL), MG_ERR_ARG);
    tu_assert_ok(mg_plot_heatmap(p, v, 1, 3, NAN, NAN, MG_CMAP_VIRIDIS, NULL));
    assert_int_equal(mg_plot_heatmap(p, v, 1, 3, NAN, NAN, MG_CMAP_VIRIDIS, NULL), MG_ERR_ARG);
    mg_plot_free(p);
    mg_plot_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_ticks),        cmocka_unit_test(test_log_ticks),
        cmocka_unit_test(test_format_tick),       cmocka_unit_test(test_escape),
        cmocka_unit_test(test_all_kinds_wellformed), cmocka_unit_test(test_nonfinite_and_clipping),
        cmocka_unit_test(test_hist_counts),       cmocka_unit_test(test_deterministic_and_save),
        cmocka_unit_test(test_colormaps),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_legend_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
