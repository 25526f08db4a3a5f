/*
 * Figure files (plot.h): a plot as a standalone SVG, and SVG documents
 * rendered to PNG and PDF by librsvg and cairo. librsvg is optional: the
 * Makefile compiles this file with -DMG_HAVE_RSVG and links librsvg where
 * pkg-config finds librsvg2-dev; without it only SVG is written and
 * mg_plot_formats says why.
 */
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "plot_internal.h"

#ifdef MG_HAVE_RSVG
#include <cairo-pdf.h>
#include <cairo.h>
#include <librsvg/rsvg.h>

/* Formats of this build. */
int mg_plot_formats(const char **why_not) {
    if (why_not) *why_not = NULL;
    return MG_PLOT_SVG | MG_PLOT_PNG | MG_PLOT_PDF;
}

/* A growing byte buffer that cairo's stream writers append to. */
typedef struct {
    unsigned char *buf;
    size_t len, cap;
    int fail;
} bytes_t;

/* cairo_write_func_t into a bytes_t. */
static cairo_status_t bytes_write(void *closure, const unsigned char *data, unsigned int n) {
    bytes_t *b = closure;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n) cap *= 2;
        unsigned char *nb = realloc(b->buf, cap);
        if (!nb) {
            b->fail = 1;
            return CAIRO_STATUS_NO_MEMORY;
        }
        b->buf = nb, b->cap = cap;
    }
    memcpy(b->buf + b->len, data, n);
    b->len += n;
    return CAIRO_STATUS_SUCCESS;
}

/* Loads SVG text into a handle and reads its size in pixels. */
static mg_status load_svg(const char *svg, size_t len, RsvgHandle **h, double *w, double *hgt) {
    GError *err = NULL;
    *h = rsvg_handle_new_from_data((const guint8 *)svg, len, &err);
    if (!*h) {
        mg_status st = mg_fail(MG_ERR_FORMAT, "librsvg cannot read the SVG: %s", err ? err->message : "?");
        if (err) g_error_free(err);
        return st;
    }
    gboolean ok = rsvg_handle_get_intrinsic_size_in_pixels(*h, w, hgt);
    if (!ok || !(*w > 0) || !(*hgt > 0)) {
        g_object_unref(*h);
        *h = NULL;
        return mg_fail(MG_ERR_FORMAT, "the SVG has no size in pixels (width and height are needed)");
    }
    return MG_OK;
}

/* Renders the handle onto a cairo surface, filling a viewport of vw x vh. */
static mg_status render_on(RsvgHandle *h, cairo_surface_t *sf, double vw, double vh) {
    cairo_t *cr = cairo_create(sf);
    RsvgRectangle vp = {0, 0, vw, vh};
    GError *err = NULL;
    gboolean ok = rsvg_handle_render_document(h, cr, &vp, &err);
    mg_status st = MG_OK;
    if (!ok) st = mg_fail(MG_ERR_FORMAT, "librsvg cannot render the SVG: %s", err ? err->message : "?");
    else if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        st = mg_fail(MG_ERR_IO, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
    if (err) g_error_free(err);
    cairo_destroy(cr);
    return st;
}

/* Writes the collected bytes to path atomically unless rendering failed
 * (st) or the stream did (cs); frees them either way. */
static mg_status bytes_commit(bytes_t *b, mg_status st, cairo_status_t cs, const char *path) {
    if (st != MG_OK) {
    } else if (b->fail) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", path);
    else if (cs != CAIRO_STATUS_SUCCESS) st = mg_fail(MG_ERR_IO, "%s: cairo: %s", path, cairo_status_to_string(cs));
    else st = mg_write_file_atomic(path, b->buf, b->len);
    free(b->buf);
    return st;
}

/* SVG to PNG at scale x its pixel size. */
mg_status mg_svg_to_png(const char *svg, size_t len, double scale, const char *path) {
    if (!(scale > 0 && scale <= 8)) return mg_fail(MG_ERR_ARG, "%s: PNG scale %g is outside (0, 8]", path, scale);
    RsvgHandle *h;
    double w, hgt;
    MG_TRY(load_svg(svg, len, &h, &w, &hgt));
    int pw = (int)(w * scale + 0.5), ph = (int)(hgt * scale + 0.5);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    mg_status st = render_on(h, sf, pw, ph);
    bytes_t b = {0};
    cairo_status_t cs = st == MG_OK ? cairo_surface_write_to_png_stream(sf, bytes_write, &b) : CAIRO_STATUS_SUCCESS;
    cairo_surface_destroy(sf);
    g_object_unref(h);
    return bytes_commit(&b, st, cs, path);
}

/* SVG to a one-page PDF of its size (96 px per inch). The creation date is
 * fixed, so the same SVG gives the same bytes. */
mg_status mg_svg_to_pdf(const char *svg, size_t len, const char *path) {
    RsvgHandle *h;
    double w, hgt;
    MG_TRY(load_svg(svg, len, &h, &w, &hgt));
    bytes_t b = {0};
    cairo_surface_t *sf = cairo_pdf_surface_create_for_stream(bytes_write, &b, w * 0.75, hgt * 0.75);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "memgen");
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    mg_status st = render_on(h, sf, w * 0.75, hgt * 0.75);
    cairo_surface_finish(sf);
    cairo_status_t cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    g_object_unref(h);
    return bytes_commit(&b, st, cs, path);
}

#else /* no librsvg */

/* Why PNG and PDF are missing from this build. */
static const char *const no_rsvg = "PNG and PDF were not written: this memgen was built without librsvg; "
                                   "install Debian's librsvg2-dev and rebuild to get them";

/* Formats of this build. */
int mg_plot_formats(const char **why_not) {
    if (why_not) *why_not = no_rsvg;
    return MG_PLOT_SVG;
}

/* Unavailable: no librsvg. */
mg_status mg_svg_to_png(const char *svg, size_t len, double scale, const char *path) {
    return mg_fail(MG_ERR_UNSUPPORTED, "%s: %s", path, no_rsvg);
}

/* Unavailable: no librsvg. */
mg_status mg_svg_to_pdf(const char *svg, size_t len, const char *path) {
    return mg_fail(MG_ERR_UNSUPPORTED, "%s: %s", path, no_rsvg);
}
#endif

/* stem.svg, and stem.png / stem.pdf where the build can write them. */
mg_status mg_svg_export(const char *doc, const char *stem, int *written) {
    if (written) *written = 0;
    if (!doc || !stem || !*stem) return mg_fail(MG_ERR_ARG, "figure export: NULL document or empty file stem");
    size_t n = strlen(stem), len = strlen(doc);
    char *path = malloc(n + 5);
    if (!path) return mg_fail(MG_ERR_NOMEM, "figure export: out of memory");
    memcpy(path, stem, n);
    mg_status st = MG_OK;
    int formats = mg_plot_formats(NULL), done = 0;
    static const char *const ext[3] = {".svg", ".png", ".pdf"};
    for (int k = 0; k < 3 && st == MG_OK; k++) {
        if (!(formats & (1 << k))) continue;
        memcpy(path + n, ext[k], 5);
        if (k == 0) st = mg_write_file_atomic(path, doc, len);
        else if (k == 1) st = mg_svg_to_png(doc, len, 2.0, path);
        else st = mg_svg_to_pdf(doc, len, path);
        if (st == MG_OK) done |= 1 << k;
    }
    free(path);
    if (written) *written = done;
    return st;
}

/* The plot's standalone document through mg_svg_export. */
mg_status mg_plot_export(const mg_plot *p, const char *stem, int *written) {
    if (written) *written = 0;
    if (!p) return mg_fail(MG_ERR_ARG, "plot export: NULL plot");
    char *doc = NULL;
    MG_TRY(mg__plot_document(p, stem ? stem : "plot", &doc));
    mg_status st = mg_svg_export(doc, stem, written);
    free(doc);
    return st;
}
