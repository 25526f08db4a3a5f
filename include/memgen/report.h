/*
 * A self-contained HTML report (issue 8: `memgen reproduce` writes
 * DIR/index.html): a title, a summary of verdicts, sections with headings,
 * paragraphs, "claim / measured / verdict" boxes, tables (numeric columns
 * right-aligned), inline SVG plots, PNG images embedded as data: URIs, links
 * to the CSV/JSON files written beside it, and preformatted text. Inline CSS,
 * no JavaScript, nothing loaded from the network; every piece of text is
 * escaped; the output bytes depend only on the calls made (no clock, no
 * random ids), and the file is written atomically.
 *
 * Usage:
 *     mg_report *r;
 *     mg_report_create("out", "memgen: paper reproduction", &r);
 *     mg_report_section(r, "Fig. 3: memorization vs generalization");
 *     mg_report_paragraph(r, "...");
 *     mg_report_claim(r, "claim", "measured", MG_VERDICT_PASS, NULL);
 *     mg_report_plot(r, plot, "caption");
 *     mg_report_write(r, "index.html");
 *     mg_report_free(r);
 */
#ifndef MEMGEN_REPORT_H
#define MEMGEN_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "memgen/core.h"
#include "memgen/plot.h"
#include "memgen/png.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mg_report mg_report;

/* Verdict of a claim box. */
typedef enum {
    MG_VERDICT_PASS = 0, /* the claim holds (green) */
    MG_VERDICT_FAIL,     /* it does not (red) */
    MG_VERDICT_PARTIAL,  /* holds in part or with caveats (amber) */
    MG_VERDICT_NA,       /* not measured / not applicable (gray) */
    MG_VERDICT_COUNT     /* number of verdicts */
} mg_verdict;

/* "holds", "does not hold", "partly", "not measured". */
MG_API const char *mg_verdict_str(mg_verdict v);

/* A report whose files go to folder `dir` (created if missing, with its
 * parents). Caller frees with mg_report_free. */
MG_API mg_status mg_report_create(const char *dir, const char *title, mg_report **out);

/* Frees the report; safe on NULL. */
MG_API void mg_report_free(mg_report *r);

/* The report's folder (as given). */
MG_API const char *mg_report_dir(const mg_report *r);

/* A paragraph under the title, before the verdict summary (e.g. what was run). */
MG_API mg_status mg_report_intro(mg_report *r, const char *text);

/* Starts a section (<h2>, listed in the table of contents). */
MG_API mg_status mg_report_section(mg_report *r, const char *heading);

/* A sub-heading (<h3>) inside the current section. */
MG_API mg_status mg_report_subsection(mg_report *r, const char *heading);

/* A paragraph of plain text (escaped; blank lines are not special). */
MG_API mg_status mg_report_paragraph(mg_report *r, const char *text);

/* A paragraph from a printf format. */
MG_API mg_status mg_report_paragraphf(mg_report *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A claim box: the paper's claim, what memgen measured, the verdict (styled
 * pass / fail / partial / n.a.) and an optional note (NULL = none). Counted
 * in the summary at the top. */
MG_API mg_status mg_report_claim(mg_report *r, const char *claim, const char *measured, mg_verdict verdict,
                          const char *note);

/* A table of nrows x ncols strings (row-major cells; NULL cells are empty),
 * with a header row (ncols strings, may be NULL) and a caption (may be NULL).
 * A column whose non-empty cells all parse as numbers is right-aligned in a
 * monospaced font. */
MG_API mg_status mg_report_table(mg_report *r, const char *caption, int ncols, const char *const *header, int64_t nrows,
                          const char *const *cells);

/* An inline SVG figure of a plot, with a caption (may be NULL). */
MG_API mg_status mg_report_plot(mg_report *r, const mg_plot *p, const char *caption);

/* An inline SVG figure from SVG text the caller produced (trusted: it must be
 * a single well-formed <svg> element; it is checked to start with "<svg"). */
MG_API mg_status mg_report_svg(mg_report *r, const char *svg, const char *caption);

/* A PNG file embedded as a data: URI (the file must be a PNG, at most 32 MiB);
 * width_px > 0 sets the displayed width (0 = natural size, pixelated scaling
 * for small images is applied through CSS when width_px > 0). */
MG_API mg_status mg_report_image(mg_report *r, const char *png_path, int width_px, const char *caption);

/* The path of `rel` inside the report folder DIR (a relative name that
 * stays inside it, as links must), its sub-folder created: DIR/rel,
 * malloc'd into *out (caller frees). */
MG_API mg_status mg_report_path(const mg_report *r, const char *rel, char **out);

/* Writes a PNG grid of samples to DIR/name (mg_png_write_grid; sub-folders
 * of DIR in name are created) and embeds it. */
MG_API mg_status mg_report_png_grid(mg_report *r, const char *name, const float *data, int64_t n, const mg_png_grid *g,
                             int width_px, const char *caption);

/* A link to a file next to the report (relative path, e.g. "fig3/ratios.csv");
 * absolute paths, "..", and URL schemes are refused so the report folder
 * stays self-contained. */
MG_API mg_status mg_report_link(mg_report *r, const char *href, const char *text);

/* A line "Data: a.csv, b.json, ..." linking each relative file. */
MG_API mg_status mg_report_files(mg_report *r, const char *const *hrefs, int n);

/* A line "<label>: a, b, ..." linking each relative file, then an optional
 * note in parentheses (NULL: none); mg_report_files is its "Data" line. */
MG_API mg_status mg_report_files_as(mg_report *r, const char *label, const char *const *hrefs, int n,
                                    const char *note);

/* Preformatted text (configuration, commands). */
MG_API mg_status mg_report_code(mg_report *r, const char *text);

/* The complete HTML document (malloc'd, caller frees). */
MG_API mg_status mg_report_html(const mg_report *r, char **html);

/* Writes the document to DIR/name atomically. */
MG_API mg_status mg_report_write(const mg_report *r, const char *name);

/* Counts of claims by verdict (pass, fail, partial, n.a.). */
MG_API void mg_report_counts(const mg_report *r, int counts[4]);

/* Base64 (RFC 4648, with padding) of n bytes; malloc'd NUL-terminated text,
 * caller frees; NULL on OOM or absurd size. */
MG_API char *mg_base64_encode(const unsigned char *data, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_REPORT_H */
