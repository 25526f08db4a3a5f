/*
 * Internals of the report's renderer, shared by its files: a call of a
 * section's experiment and the scopes its templates see (render_scope.c),
 * figures and page tables (render_figures.c), claims and the check of every
 * name a section uses (render_claims.c), and the section driver itself
 * (render.c).
 */
#ifndef MEMGEN_REPRO_RENDER_INTERNAL_H
#define MEMGEN_REPRO_RENDER_INTERNAL_H

#include "report/sb.h"
#include "repro.h"
#include "section.h"
#include "template.h"

/* The section's matplotlib script as it is built, figure by figure (render_script.c). */
typedef struct {
    sb_t body;  /* the figure functions */
    sb_t calls; /* the names of the functions, in order */
    int nbars;  /* bar series of the figure being written */
} rd_script;

/* One plot of the section kept for its whole figure (render_panels.c). */
typedef struct {
    char *fig; /* the figure's id */
    int col;   /* its dataset's column */
    char *svg; /* the plot's <svg> element */
} rd_panel;

/* The section's plots, to lay out as the paper does: a row per figure, a column per dataset. */
typedef struct {
    rd_panel *p;
    int n, cap;
    int ncols;
    char col_prefix[MG_REPRO_MAX_DATASETS + 1][24];
    int col_images[MG_REPRO_MAX_DATASETS + 1]; /* an image dataset (the paper's CelebA side: the left columns) */
    int col_paper[MG_REPRO_MAX_DATASETS + 1];  /* a dataset the paper shows this result on */
} rd_panels;

/* A described struct seen as a scope. */
typedef struct {
    const mg_field *fields;
    int n;
    const void *obj;
} fields_ctx;

/* One call of a section's experiment and what the templates see. */
typedef struct {
    mg_repro_ctx *ctx;
    const mg_section *sec;
    const void *params;
    const mg_exp_data *data; /* the dataset of an EACH / MOG call, else NULL */
    const void *result;
    char prefix[24];         /* "mog_" for per-dataset calls, else "" */
    cJSON *res;              /* this call's object in summary.json */
    mg_tpl_scope claims_sc, run_sc, data_sc, params_sc, result_sc;
    rd_script *py;           /* the section's matplotlib script (NULL: none is written) */
    rd_panels *panels;       /* the section's plots for its whole figure (NULL: none is written) */
} call_t;

/* One row of a table as a scope. */
typedef struct {
    const mg_table *t;
    int64_t i;
    const char *group;    /* series label: the group value */
    const mg_table *join; /* page tables: a second table whose row i is also in scope, or NULL */
} row_ctx;

/* ---- render_scope.c ---------------------------------------------------------- */

/* Builds the scope chain of a call: result -> params -> data -> run -> claims
 * (pf and rf must live as long as the call). */
void rd_call_scopes(call_t *c, fields_ctx *pf, fields_ctx *rf);

/* Column c of row i of t as a number or text. */
void rd_cell(const mg_table *t, int c, int64_t i, double *num, const char **text);

/* A row_ctx's lookup: the row's columns (then the joined row's); "table" and "group". */
mg_status rd_row_lookup(const void *vrc, const char *name, double *num, const char **text);

/* H1.. / P1..: the thresholds of the claim vcl (an mg_claim_spec). */
mg_status rd_threshold_lookup(const void *vcl, const char *name, double *num, const char **text);

/* Expands a template / evaluates an expression (NULL is 1) in a scope; errors name the section. */
mg_status rd_expand(const call_t *c, const char *tpl, const mg_tpl_scope *sc, char **out);
mg_status rd_eval(const call_t *c, const char *expr, const mg_tpl_scope *sc, double *v);

/* Whether an optional condition expression holds (nonzero, not NaN; NULL holds). */
mg_status rd_holds_when(const call_t *c, const char *when, const mg_tpl_scope *sc, int *yes);

/* The result's field of that name and type, or NULL. */
const void *rd_result_member(const call_t *c, const char *name, mg_field_type type);

/* The result table named `name` (a TABLE field or a table of a TABLES list), or NULL. */
const mg_table *rd_result_table(const call_t *c, const char *name);

/* The tables a series names (a template; "name*" = every listed table with that prefix), up to max. */
int rd_series_tables(const call_t *c, const char *pattern, const mg_table **out, int max);

/* A numeric column of t, or an expression over each row's columns (*owned
 * then holds the values, caller frees; else NULL). */
mg_status rd_column(const call_t *c, const mg_table *t, const char *col, const double **out, double **owned);

/* ---- render_figures.c ------------------------------------------------------------ */

/* One figure (an SVG plot, or a PNG grid of an image array) on the page. */
mg_status rd_figure(const call_t *c, const mg_figure_spec *f);

/* One page table, a line per row of a result table. */
mg_status rd_page_table(const call_t *c, const mg_page_table_spec *pt);

/* The stem of a figure's files inside the report folder: "<section>/figures/<section>_<prefix><id>". */
mg_status rd_figure_stem(const call_t *c, const mg_figure_spec *f, char *rel, size_t len);

/* Figure text with the paper's symbols: sigma, lambda, eps, alpha as Greek letters, W1 / W2 with
 * subscripts, ^T ^2 as superscripts, || as the norm bar, <= >= as signs (malloc'd copy, NULL on OOM). */
char *rd_math_text(const char *s);

/* Whether a result table holds wall times (mg_section.wall_time_tables: never written as a file). */
int rd_is_wall_time(const mg_section *sec, const char *name);

/* ---- render_script.c ---------------------------------------------------------------- */

/* Starts a figure function of px_w x px_h pixels drawing the files stem (basename of rd_figure_stem). */
void rd_py_figure_begin(const call_t *c, const char *stem, int px_w, int px_h);

/* The rows of a table a series draws (`where` and a group's value applied) as Python variables x, y
 * (x: the column or expression, or the row's position when xcol is NULL). gv is the group value
 * when the series has a group column. */
mg_status rd_py_rows(const call_t *c, const mg_series_spec *s, const mg_table *t, const char *xcol, const double *gv);

/* Draws the rows picked by rd_py_rows: a histogram over [lo, hi] in bins (density or counts), a line,
 * points, or bars (categories from column xcol of t, or indices); label and style as the SVG's. */
void rd_py_hist(const call_t *c, double lo, double hi, int bins, int density, const mg_plot_style *st);
void rd_py_line(const call_t *c, int points_only, const mg_plot_style *st);
void rd_py_bars(const call_t *c, const char *xcol, const mg_plot_style *st);

/* Bars of row 0 of a result array (its .npy file). */
void rd_py_array_bars(const call_t *c, const char *array, const mg_plot_style *st);

/* A reference line. */
void rd_py_refline(const call_t *c, int vertical, double at, const mg_plot_style *st);

/* Ends the figure: title, labels, scales, limits, legend, and the file it writes. */
void rd_py_figure_end(const call_t *c, const mg_figure_spec *f, const char *stem, const char *title, const char *xl,
                      const char *yl);

/* Writes DIR/<section>/plot_<section>.py when `write` and the section drew a figure; frees the script. */
mg_status rd_py_write(mg_repro_ctx *ctx, const mg_section *sec, rd_script *py, int write);

/* ---- render_panels.c ---------------------------------------------------------------- */

/* Keeps a plot's SVG element (taken over: freed here, also on failure) as the panel of figure `fig` of the call. */
mg_status rd_panel_add(const call_t *c, const char *fig, char *svg);

/* Writes the section's whole figure, DIR/<section>/figures/<section>.svg|png|pdf: a row per figure and a column
 * per dataset the paper shows (all datasets when it shows none of them), image datasets first (the paper's
 * CelebA | MoG), and links it on the page, when `write`; frees the panels. */
mg_status rd_panels_write(mg_repro_ctx *ctx, const mg_section *sec, rd_panels *pn, int write);

/* Whether name is in a comma-separated list; a NULL list holds every name. */
int rd_in_list(const char *list, const char *name);

/* ---- render_claims.c ------------------------------------------------------------------ */

/* One claim box with its verdict, recorded in summary.json. */
mg_status rd_claim(const call_t *c, const mg_claim_spec *cl);

/* Checks every name the section's templates and rules use against the call's scopes. */
mg_status rd_check_names(const call_t *c);

#endif /* MEMGEN_REPRO_RENDER_INTERNAL_H */
