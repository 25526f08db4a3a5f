/*
 * The HTML report builder of report.h: the body is accumulated as escaped
 * HTML while sections, claims, tables and figures are added; mg_report_html
 * wraps it with the head (inline CSS), the title, the verdict summary and the
 * table of contents. Images are embedded as base64 data: URIs.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "memgen/report.h"
#include "sb.h"

/* Largest PNG embedded (bytes). */
#define REPORT_MAX_IMAGE ((size_t)32 << 20)

/* A claim as listed in the summary. */
typedef struct {
    char *claim;    /* the claim text (owned) */
    int section;    /* 1-based section it belongs to (0 = before any) */
    mg_verdict verdict;
} claim_ref;

struct mg_report {
    char *dir, *title;
    sb_t intro;       /* intro paragraphs (HTML) */
    sb_t body;        /* sections (HTML) */
    sb_t toc;         /* table-of-contents items (HTML) */
    int nsections, in_section, nfigures;
    claim_ref *claims;
    int nclaims, cap_claims;
    int counts[4];
};

/* Verdict names. */
const char *mg_verdict_str(mg_verdict v) {
    switch (v) {
    case MG_VERDICT_PASS: return "holds";
    case MG_VERDICT_FAIL: return "does not hold";
    case MG_VERDICT_PARTIAL: return "partly";
    case MG_VERDICT_NA: return "not measured";
    default: return "invalid";
    }
}

/* CSS class of a verdict. */
static const char *verdict_class(mg_verdict v) {
    static const char *const cls[] = {"pass", "fail", "partial", "na"};
    _Static_assert(sizeof cls / sizeof *cls == MG_VERDICT_COUNT, "a class per verdict");
    return (int)v >= 0 && v < MG_VERDICT_COUNT ? cls[v] : "na";
}

/* Checks that a text argument is present. */
static mg_status need(const char *s, const char *what) {
    return s ? MG_OK : mg_fail(MG_ERR_ARG, "report: %s is NULL", what);
}

/* A new report; creates the folder. */
mg_status mg_report_create(const char *dir, const char *title, mg_report **out) {
    *out = NULL;
    MG_TRY(need(dir, "the folder"));
    MG_TRY(need(title, "the title"));
    MG_TRY(mg_mkdir_p(dir));
    mg_report *r = calloc(1, sizeof *r);
    if (!r) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    r->dir = strdup(dir);
    r->title = strdup(title);
    if (!r->dir || !r->title) {
        mg_report_free(r);
        return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    }
    *out = r;
    return MG_OK;
}

/* Frees the report. */
void mg_report_free(mg_report *r) {
    if (!r) return;
    free(r->dir);
    free(r->title);
    sb_free(&r->intro);
    sb_free(&r->body);
    sb_free(&r->toc);
    for (int i = 0; i < r->nclaims; i++) free(r->claims[i].claim);
    free(r->claims);
    free(r);
}

/* The folder. */
const char *mg_report_dir(const mg_report *r) { return r->dir; }

/* Fails if an earlier append ran out of memory. */
static mg_status check(const mg_report *r) {
    if (r->body.oom || r->intro.oom || r->toc.oom) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    return MG_OK;
}

/* Intro paragraph. */
mg_status mg_report_intro(mg_report *r, const char *text) {
    MG_TRY(need(text, "the intro text"));
    sb_puts(&r->intro, "<p>");
    sb_escape(&r->intro, text);
    sb_puts(&r->intro, "</p>\n");
    return check(r);
}

/* New section. */
mg_status mg_report_section(mg_report *r, const char *heading) {
    MG_TRY(need(heading, "the section heading"));
    if (r->in_section) sb_puts(&r->body, "</section>\n");
    r->nsections++;
    r->in_section = 1;
    sb_printf(&r->body, "<section id=\"s%d\">\n<h2>", r->nsections);
    sb_escape(&r->body, heading);
    sb_puts(&r->body, "</h2>\n");
    sb_printf(&r->toc, "<li><a href=\"#s%d\">", r->nsections);
    sb_escape(&r->toc, heading);
    sb_puts(&r->toc, "</a></li>\n");
    return check(r);
}

/* Sub-heading. */
mg_status mg_report_subsection(mg_report *r, const char *heading) {
    MG_TRY(need(heading, "the sub-heading"));
    sb_puts(&r->body, "<h3>");
    sb_escape(&r->body, heading);
    sb_puts(&r->body, "</h3>\n");
    return check(r);
}

/* Paragraph. */
mg_status mg_report_paragraph(mg_report *r, const char *text) {
    MG_TRY(need(text, "the paragraph"));
    sb_puts(&r->body, "<p>");
    sb_escape(&r->body, text);
    sb_puts(&r->body, "</p>\n");
    return check(r);
}

/* Formatted paragraph. */
mg_status mg_report_paragraphf(mg_report *r, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return mg_fail(MG_ERR_ARG, "report: bad paragraph format");
    char *buf = malloc((size_t)n + 1);
    if (!buf) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    va_start(ap, fmt);
    vsnprintf(buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    mg_status st = mg_report_paragraph(r, buf);
    free(buf);
    return st;
}

/* Claim box. */
mg_status mg_report_claim(mg_report *r, const char *claim, const char *measured, mg_verdict verdict,
                          const char *note) {
    MG_TRY(need(claim, "the claim"));
    MG_TRY(need(measured, "the measurement"));
    if ((int)verdict < 0 || verdict >= MG_VERDICT_COUNT)
        return mg_fail(MG_ERR_ARG, "report: invalid verdict %d", (int)verdict);
    if (r->nclaims == r->cap_claims) {
        int cap = r->cap_claims ? 2 * r->cap_claims : 16;
        claim_ref *c = realloc(r->claims, (size_t)cap * sizeof *c);
        if (!c) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
        r->claims = c;
        r->cap_claims = cap;
    }
    char *copy = strdup(claim);
    if (!copy) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    r->claims[r->nclaims] = (claim_ref){copy, r->nsections, verdict};
    r->nclaims++;
    r->counts[verdict]++;
    sb_printf(&r->body, "<div class=\"claim %s\" id=\"c%d\">\n<div class=\"verdict\">%s</div>\n",
              verdict_class(verdict), r->nclaims, mg_verdict_str(verdict));
    sb_puts(&r->body, "<dl>\n<dt>Claim</dt><dd>");
    sb_escape(&r->body, claim);
    sb_puts(&r->body, "</dd>\n<dt>Measured</dt><dd>");
    sb_escape(&r->body, measured);
    sb_puts(&r->body, "</dd>\n");
    if (note) {
        sb_puts(&r->body, "<dt>Note</dt><dd>");
        sb_escape(&r->body, note);
        sb_puts(&r->body, "</dd>\n");
    }
    sb_puts(&r->body, "</dl>\n</div>\n");
    return check(r);
}

/* Whether a cell reads as a number ("1.5", "-2e-3", "98%", "nan", "inf"). */
static int is_numeric(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return 0;
    char *end;
    errno = 0;
    (void)strtod(s, &end);
    if (end == s) return 0;
    if (*end == '%') end++;
    while (isspace((unsigned char)*end)) end++;
    return *end == '\0';
}

/* Table. */
mg_status mg_report_table(mg_report *r, const char *caption, int ncols, const char *const *header, int64_t nrows,
                          const char *const *cells) {
    if (ncols < 1 || ncols > 1000 || nrows < 0 || nrows > 10000000 || (nrows > 0 && !cells))
        return mg_fail(MG_ERR_ARG, "report: table of %lld x %d cells is invalid", (long long)nrows, ncols);
    int *num = calloc((size_t)ncols, sizeof(int));
    if (!num) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    for (int c = 0; c < ncols; c++) {
        int any = 0, all = 1;
        for (int64_t i = 0; i < nrows && all; i++) {
            const char *v = cells[i * ncols + c];
            if (!v || !*v) continue;
            any = 1;
            all = is_numeric(v);
        }
        num[c] = any && all;
    }
    sb_puts(&r->body, "<div class=\"tablewrap\"><table>\n");
    if (caption) {
        sb_puts(&r->body, "<caption>");
        sb_escape(&r->body, caption);
        sb_puts(&r->body, "</caption>\n");
    }
    if (header) {
        sb_puts(&r->body, "<thead><tr>");
        for (int c = 0; c < ncols; c++) {
            sb_puts(&r->body, num[c] ? "<th class=\"num\">" : "<th>");
            sb_escape(&r->body, header[c] ? header[c] : "");
            sb_puts(&r->body, "</th>");
        }
        sb_puts(&r->body, "</tr></thead>\n");
    }
    sb_puts(&r->body, "<tbody>\n");
    for (int64_t i = 0; i < nrows; i++) {
        sb_puts(&r->body, "<tr>");
        for (int c = 0; c < ncols; c++) {
            sb_puts(&r->body, num[c] ? "<td class=\"num\">" : "<td>");
            const char *v = cells[i * ncols + c];
            sb_escape(&r->body, v ? v : "");
            sb_puts(&r->body, "</td>");
        }
        sb_puts(&r->body, "</tr>\n");
    }
    sb_puts(&r->body, "</tbody></table></div>\n");
    free(num);
    return check(r);
}

/* Opens a figure. */
static void figure_open(mg_report *r) {
    r->nfigures++;
    sb_printf(&r->body, "<figure id=\"f%d\">\n", r->nfigures);
}

/* Closes a figure with its caption. */
static void figure_close(mg_report *r, const char *caption) {
    if (caption) {
        sb_printf(&r->body, "<figcaption><b>Figure %d.</b> ", r->nfigures);
        sb_escape(&r->body, caption);
        sb_puts(&r->body, "</figcaption>\n");
    }
    sb_puts(&r->body, "</figure>\n");
}

/* Inline SVG text. */
mg_status mg_report_svg(mg_report *r, const char *svg, const char *caption) {
    MG_TRY(need(svg, "the SVG"));
    const char *s = svg;
    while (isspace((unsigned char)*s)) s++;
    if (strncmp(s, "<svg", 4))
        return mg_fail(MG_ERR_ARG, "report: inline SVG must start with <svg (no XML declaration)");
    figure_open(r);
    sb_puts(&r->body, s);
    if (r->body.len && r->body.buf[r->body.len - 1] != '\n') sb_puts(&r->body, "\n");
    figure_close(r, caption);
    return check(r);
}

/* Inline SVG of a plot. */
mg_status mg_report_plot(mg_report *r, const mg_plot *p, const char *caption) {
    char *svg;
    MG_TRY(mg_plot_svg(p, &svg));
    mg_status st = mg_report_svg(r, svg, caption);
    free(svg);
    return st;
}

/* Base64 with padding. */
char *mg_base64_encode(const unsigned char *data, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > ((size_t)1 << 40)) return NULL;
    size_t out_len = 4 * ((n + 2) / 3);
    char *out = malloc(out_len + 1);
    if (!out) return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        out[o++] = tab[v >> 18], out[o++] = tab[(v >> 12) & 63], out[o++] = tab[(v >> 6) & 63], out[o++] = tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < n ? (unsigned)data[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18], out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

/* Embedded PNG. */
mg_status mg_report_image(mg_report *r, const char *png_path, int width_px, const char *caption) {
    MG_TRY(need(png_path, "the image path"));
    if (width_px < 0 || width_px > 10000) return mg_fail(MG_ERR_ARG, "report: image width %d px is invalid", width_px);
    unsigned char *buf;
    size_t len;
    MG_TRY(mg_read_file(png_path, REPORT_MAX_IMAGE, &buf, &len));
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (len < 8 || memcmp(buf, sig, 8)) {
        free(buf);
        return mg_fail(MG_ERR_FORMAT, "%s: not a PNG file (bad signature); the report embeds PNG images only",
                       png_path);
    }
    char *b64 = mg_base64_encode(buf, len);
    free(buf);
    if (!b64) return mg_fail(MG_ERR_NOMEM, "%s: out of memory encoding the image", png_path);
    figure_open(r);
    sb_puts(&r->body, "<img");
    if (width_px > 0) sb_printf(&r->body, " class=\"scaled\" width=\"%d\"", width_px);
    sb_puts(&r->body, " alt=\"");
    sb_escape(&r->body, caption ? caption : png_path);
    sb_puts(&r->body, "\" src=\"data:image/png;base64,");
    sb_puts(&r->body, b64);
    sb_puts(&r->body, "\">\n");
    free(b64);
    figure_close(r, caption);
    return check(r);
}

/* Checks that href stays inside the report folder. */
static mg_status check_href(const char *href) {
    if (!href || !*href) return mg_fail(MG_ERR_ARG, "report: empty link");
    if (href[0] == '/' || strchr(href, ':') || strchr(href, '\\'))
        return mg_fail(MG_ERR_ARG, "report: link '%s' must be a relative path inside the report folder", href);
    for (const char *p = href; *p; p++)
        if (p[0] == '.' && p[1] == '.' && (p == href || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
            return mg_fail(MG_ERR_ARG, "report: link '%s' leaves the report folder", href);
    return MG_OK;
}

/* Appends href percent-encoded (unreserved characters and '/' kept). */
static void put_href(sb_t *b, const char *href) {
    for (const unsigned char *p = (const unsigned char *)href; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p)) sb_putn(b, (const char *)p, 1);
        else sb_printf(b, "%%%02X", *p);
    }
}

/* DIR/rel with its sub-folder made (see report.h). */
mg_status mg_report_path(const mg_report *r, const char *rel, char **out) {
    *out = NULL;
    MG_TRY(check_href(rel));
    size_t len = strlen(r->dir) + strlen(rel) + 2;
    char *path = malloc(len);
    if (!path) return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    snprintf(path, len, "%s/%s", r->dir, rel);
    char *slash = strrchr(path + strlen(r->dir) + 1, '/');
    if (slash) { /* a sub-folder of the report folder */
        *slash = '\0';
        mg_status st = mg_mkdir_p(path);
        *slash = '/';
        if (st != MG_OK) {
            free(path);
            return st;
        }
    }
    *out = path;
    return MG_OK;
}

/* PNG grid written beside the report and embedded. */
mg_status mg_report_png_grid(mg_report *r, const char *name, const float *data, int64_t n, const mg_png_grid *g,
                             int width_px, const char *caption) {
    char *path;
    MG_TRY(mg_report_path(r, name, &path));
    mg_status st = mg_png_write_grid(path, data, n, g);
    if (st == MG_OK) st = mg_report_image(r, path, width_px, caption);
    free(path);
    return st;
}

/* A link. */
mg_status mg_report_link(mg_report *r, const char *href, const char *text) {
    MG_TRY(check_href(href));
    sb_puts(&r->body, "<p><a href=\"");
    put_href(&r->body, href);
    sb_puts(&r->body, "\">");
    sb_escape(&r->body, text ? text : href);
    sb_puts(&r->body, "</a></p>\n");
    return check(r);
}

/* A line of data-file links. */
mg_status mg_report_files(mg_report *r, const char *const *hrefs, int n) {
    return mg_report_files_as(r, "Data", hrefs, n, NULL);
}

/* A labelled line of file links with an optional note. */
mg_status mg_report_files_as(mg_report *r, const char *label, const char *const *hrefs, int n, const char *note) {
    if (n < 1 || !hrefs) return mg_fail(MG_ERR_ARG, "report: no files to link");
    MG_TRY(need(label, "the label of a file line"));
    for (int i = 0; i < n; i++) MG_TRY(check_href(hrefs[i]));
    sb_puts(&r->body, "<p class=\"files\">");
    sb_escape(&r->body, label);
    sb_puts(&r->body, ": ");
    for (int i = 0; i < n; i++) {
        if (i) sb_puts(&r->body, ", ");
        sb_puts(&r->body, "<a href=\"");
        put_href(&r->body, hrefs[i]);
        sb_puts(&r->body, "\">");
        sb_escape(&r->body, hrefs[i]);
        sb_puts(&r->body, "</a>");
    }
    if (note) {
        sb_puts(&r->body, " (");
        sb_escape(&r->body, note);
        sb_puts(&r->body, ")");
    }
    sb_puts(&r->body, "</p>\n");
    return check(r);
}

/* Preformatted text. */
mg_status mg_report_code(mg_report *r, const char *text) {
    MG_TRY(need(text, "the code text"));
    sb_puts(&r->body, "<pre>");
    sb_escape(&r->body, text);
    sb_puts(&r->body, "</pre>\n");
    return check(r);
}

/* Verdict counts. */
void mg_report_counts(const mg_report *r, int counts[4]) { memcpy(counts, r->counts, sizeof r->counts); }

/* The inline style sheet. */
static const char *const css =
    "body{font-family:system-ui,-apple-system,'Segoe UI','DejaVu Sans',Helvetica,Arial,sans-serif;color:#222;"
    "max-width:1100px;margin:0 auto;padding:24px 28px 60px;line-height:1.5;background:#fff}\n"
    "h1{font-size:1.9em;margin:0.2em 0 0.4em}\n"
    "h2{font-size:1.45em;margin-top:2.2em;padding-bottom:0.2em;border-bottom:2px solid #e3e3e3}\n"
    "h3{font-size:1.15em;margin-top:1.6em}\n"
    "a{color:#1a5fb4}\n"
    ".summary{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0 8px}\n"
    ".badge{padding:6px 14px;border-radius:16px;font-weight:600;font-size:0.95em}\n"
    ".badge.pass{background:#e6f4ea;color:#1e6b30}.badge.fail{background:#fdecea;color:#a61b1b}\n"
    ".badge.partial{background:#fff3e0;color:#8a5300}.badge.na{background:#eeeeee;color:#555}\n"
    ".claim{border-left:6px solid #999;border-radius:4px;padding:10px 16px;margin:16px 0;background:#f5f5f5}\n"
    ".claim.pass{border-color:#2e7d32;background:#edf7ee}.claim.fail{border-color:#c62828;background:#fdeeee}\n"
    ".claim.partial{border-color:#ef8f00;background:#fff6e8}.claim.na{border-color:#8a8a8a;background:#f3f3f3}\n"
    ".claim .verdict{font-weight:700;text-transform:uppercase;letter-spacing:0.04em;font-size:0.85em}\n"
    ".claim.pass .verdict{color:#1e6b30}.claim.fail .verdict{color:#a61b1b}.claim.partial .verdict{color:#8a5300}\n"
    ".claim.na .verdict{color:#555}\n"
    ".claim dl{display:grid;grid-template-columns:7em 1fr;gap:4px 12px;margin:6px 0 0}\n"
    ".claim dt{font-weight:600;color:#444}.claim dd{margin:0}\n"
    ".tablewrap{overflow-x:auto;margin:14px 0}\n"
    "table{border-collapse:collapse;font-size:0.95em}\n"
    "caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}\n"
    "th,td{padding:5px 12px;border-bottom:1px solid #e0e0e0;text-align:left;vertical-align:top}\n"
    "th{background:#f4f6f8;border-bottom:2px solid #cfd4da}\n"
    "td.num,th.num{text-align:right;font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-variant-numeric:tabular-nums}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    "figure{margin:18px 0}figure svg{max-width:100%;height:auto;display:block}\n"
    "figure img{max-width:100%;height:auto;display:block;border:1px solid #ddd}\n"
    "img.scaled{image-rendering:pixelated}\n"
    "figcaption{color:#555;font-size:0.92em;margin-top:6px;max-width:900px}\n"
    "pre{background:#f6f8fa;border:1px solid #e3e6ea;border-radius:4px;padding:10px 14px;overflow-x:auto;"
    "font-size:0.88em}\n"
    ".files{font-size:0.92em;color:#444}\n"
    "nav ol{columns:2;padding-left:1.4em}\n"
    "table.claims td:last-child{white-space:nowrap}\n";

/* The whole document. */
mg_status mg_report_html(const mg_report *r, char **html) {
    *html = NULL;
    MG_TRY(check(r));
    sb_t b = {0};
    sb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    sb_puts(&b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    sb_escape(&b, r->title);
    sb_puts(&b, "</title>\n<style>\n");
    sb_puts(&b, css);
    sb_puts(&b, "</style>\n</head>\n<body>\n<header>\n<h1>");
    sb_escape(&b, r->title);
    sb_puts(&b, "</h1>\n");
    if (r->intro.buf) sb_puts(&b, r->intro.buf);
    sb_puts(&b, "</header>\n");
    if (r->nclaims) {
        sb_puts(&b, "<section id=\"summary\">\n<h2>Summary of verdicts</h2>\n<div class=\"summary\">");
        for (int v = 0; v < 4; v++)
            if (r->counts[v])
                sb_printf(&b, "<span class=\"badge %s\">%d %s</span>", verdict_class((mg_verdict)v), r->counts[v],
                          mg_verdict_str((mg_verdict)v));
        sb_puts(&b, "</div>\n<div class=\"tablewrap\"><table class=\"claims\">\n<thead><tr><th>#</th><th>Claim</th>"
                    "<th>Verdict</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < r->nclaims; i++) {
            sb_printf(&b, "<tr><td><a href=\"#c%d\">%d</a></td><td>", i + 1, i + 1);
            sb_escape(&b, r->claims[i].claim);
            mg_verdict v = r->claims[i].verdict;
            sb_printf(&b, "</td><td><span class=\"badge %s\">%s</span></td></tr>\n", verdict_class(v), mg_verdict_str(v));
        }
        sb_puts(&b, "</tbody></table></div>\n</section>\n");
    }
    if (r->nsections) {
        sb_puts(&b, "<nav>\n<h2>Contents</h2>\n<ol>\n");
        sb_puts(&b, r->toc.buf);
        sb_puts(&b, "</ol>\n</nav>\n");
    }
    sb_puts(&b, "<main>\n");
    if (r->body.buf) sb_puts(&b, r->body.buf);
    if (r->in_section) sb_puts(&b, "</section>\n");
    sb_puts(&b, "</main>\n</body>\n</html>\n");
    return sb_finish(&b, "report", html);
}

/* Writes DIR/name. */
mg_status mg_report_write(const mg_report *r, const char *name) {
    MG_TRY(check_href(name));
    char *html;
    MG_TRY(mg_report_html(r, &html));
    size_t len = strlen(r->dir) + strlen(name) + 2;
    char *path = malloc(len);
    if (!path) {
        free(html);
        return mg_fail(MG_ERR_NOMEM, "report: out of memory");
    }
    snprintf(path, len, "%s/%s", r->dir, name);
    mg_status st = mg_write_file_atomic(path, html, strlen(html));
    free(path);
    free(html);
    return st;
}
