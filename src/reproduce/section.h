/*
 * The section tables of `memgen reproduce` (internal to src/reproduce). A
 * section is data: which experiment it runs with which parameters at each
 * scale, the paragraphs, figures and tables it shows, and the paper's claims
 * it checks, each claim with its verdict rule. One renderer (render.c) runs
 * the experiment and lays every section out the same way: paragraphs,
 * figures, tables, the data files (every table and array of the result, as
 * CSV and .npy), then the claim boxes; it records the parameters in
 * config.json and the results and verdicts in summary.json.
 *
 * Every text field is a template (template.h) that sees, innermost first:
 * the claim's thresholds (H1, H2, ... of `holds`, P1, P2, ... of `partly`)
 * or a page table's row (its columns by name), the experiment's result
 * fields, its parameters, the dataset (data.name, data.title, data.d,
 * data.has_mog, data.images, data.n_mem, data.n_gen, data.n_test,
 * data.p_mem, data.p_gen, data.mem_max_cosine, data.nclasses) and the run
 * (run.nsigmas, run.sigma_min, run.sigma_max, run.scale, run.seed), and
 * the thresholds of the section's claims (claims.<id>.H1, ...). A threshold
 * is written once, in the claim's rule; the sentence names it, and a figure
 * that draws it names it as claims.<id>.H1.
 */
#ifndef MEMGEN_REPRO_SECTION_H
#define MEMGEN_REPRO_SECTION_H

#include "memgen/experiment.h"
#include "memgen/plot.h"

#define MG_SEC_MAX_CONDS 3
#define MG_SEC_MAX_SERIES 8
#define MG_SEC_MAX_LINES 3
#define MG_SEC_MAX_COLS 12
#define MG_SEC_MAX_FIGURES 32

/* A parameter's value at each scale (smoke, quick, full); set through the
 * parameter's field descriptor (numbers only). */
typedef struct mg_sec_scaled_s {
    const char *param;
    double at[3];
} mg_sec_scaled;

/* Comparison of a condition. */
typedef enum { MG_GE = 0, MG_LE, MG_GT, MG_LT, MG_EQ, MG_NE } mg_cmp;

/* expr CMP at. A NaN expression fails every comparison. */
typedef struct {
    const char *expr;
    mg_cmp cmp;
    double at;
} mg_cond;

/* One dataset of a run (the setup section's list): its source, its name
 * (NULL: the source's) and its parameters at each scale, set by
 * mg_exp_data_param_fields names over mg_exp_data_params_default(source). */
typedef struct mg_sec_dataset_s {
    mg_exp_source source;
    const char *name;
    const mg_sec_scaled *scaled;
    int nscaled;
} mg_sec_dataset;

/* A claim of the paper and its verdict rule: "holds" when every `holds`
 * condition is true, else "partly" when `partly` has conditions and every
 * one (with partly_any: at least one) is true, else "does not hold"; "not
 * measured" when `needs` is given and evaluates to 0. */
typedef struct {
    const char *id;          /* unique in the section; the claim's id is <section>.<id>[.<dataset>] */
    const char *when;        /* expression: the claim is made only when nonzero (NULL: always) */
    const char *claim;       /* template: the paper's claim and the rule in words ({H1}, {P1}, ...) */
    const char *measured;    /* template: what was measured */
    mg_cond holds[MG_SEC_MAX_CONDS];
    mg_cond partly[MG_SEC_MAX_CONDS];
    int partly_any;          /* 1: "partly" when ANY `partly` condition is true (else when every one is) */
    const char *needs;       /* expression: 0 means the claim could not be measured (NULL: always measured) */
    const char *note;        /* template, shown whatever the verdict (NULL: none) */
    const char *note_unless_holds; /* template, shown when the verdict is not "holds" */
    const char *note_if_na;  /* template, shown when not measured */
    int timing;              /* 1: the rule reads wall times, so the verdict may differ between runs of one seed
                                (listed in summary.json's "timing_claims"; the tests do not pin it) */
} mg_claim_spec;

/* Figure kinds. */
typedef enum {
    MG_FIG_HIST = 0, /* histograms of one column per series */
    MG_FIG_LINES,    /* y against x per series (with `group`: one line per distinct value) */
    MG_FIG_SCATTER,  /* points y against x per series */
    MG_FIG_BARS,     /* one bar per row of column y (categories from column x), or per value of an array's row 0 */
    MG_FIG_IMAGES    /* a PNG grid of an array's rows (image datasets) */
} mg_fig_kind;

/* One series of a figure. */
typedef struct {
    const char *table;   /* result table (a template); "name*" = every table of a table list whose name starts with "name" */
    const char *x, *y;   /* columns (hist: y holds the values; bars from a table: x the categories); x and y
                            may also be expressions over a row's columns ("log10(d2)") */
    const char *array;   /* bars: a result array whose row 0 is drawn (instead of table/y) */
    const char *group;   /* lines: one line per distinct value of this column */
    const char *label;   /* legend template ({table} = the table's name, {group} = the group value) */
    const char *color;   /* "#rrggbb" or NULL (the palette) */
    int dashed;
    double width;        /* 0: default */
    mg_marker marker;
    int markers_only;    /* lines figure: draw this series as points only (no line; a circle without a marker) */
    double opacity;      /* 0: the plot's default */
    const char *when;    /* expression: drawn only when nonzero */
    const char *where;   /* expression in the scope of each row: only the rows where it is nonzero (NULL: all);
                            a series left with no row is not drawn (a histogram's range still spans all rows) */
} mg_series_spec;

/* A reference line at an expression's value (skipped when it is NaN). */
typedef struct {
    const char *at;
    const char *label;   /* template or NULL */
    const char *color;   /* NULL: grey */
    int solid;           /* 0: dashed */
} mg_refline_spec;

/* A figure. */
typedef struct {
    const char *id;      /* unique in the section: the stem of its files (a template) */
    const char *when;    /* expression: drawn only when nonzero */
    mg_fig_kind kind;
    const char *title, *xlabel, *ylabel, *caption; /* templates */
    mg_series_spec series[MG_SEC_MAX_SERIES];
    mg_refline_spec vlines[MG_SEC_MAX_LINES], hlines[MG_SEC_MAX_LINES];
    int bins;            /* hist: bins (0: 40) */
    int counts;          /* hist: 1 = counts, 0 = density */
    const char *lo, *hi; /* hist: range expressions (NULL: the data's range) */
    int xlog, ylog;
    double xlim[2], ylim[2]; /* equal ends: automatic; an end may be NaN (automatic) */
    mg_legend_pos legend;
    int width, height;   /* 0: 640 x 340 */
    const char *array;   /* images: the result array drawn: n x D (ncols per grid row), or r x c x D (an r x c grid) */
    int ncols;           /* images, n x D arrays: grid columns (0: all rows in one row) */
    int raw;             /* images: values are already display values (no centre added) */
    int img_h, img_w;    /* images: the image shape when the call has no image dataset (MG_EXP_OWN_DATA); 0: the
                            dataset's. Values are then display values shown over [vmin, vmax] */
    double vmin, vmax;
} mg_figure_spec;

/* A column of a page table: header and cell template (the row's columns in scope). */
typedef struct {
    const char *header;
    const char *cell;
} mg_pcol_spec;

/* A table on the page, one line per row of a result table. */
typedef struct {
    const char *table;   /* result table */
    const char *when;
    const char *caption; /* template */
    const char *join;    /* a second result table of as many rows whose columns are also in the cells' scope (NULL: none) */
    mg_pcol_spec cols[MG_SEC_MAX_COLS];
} mg_page_table_spec;

/* A section of the report. */
typedef struct mg_section_s {
    const char *id;               /* the experiment id and the section's folder */
    const char *heading;
    double weight;                /* share of a quick run's time (progress and ETA) */
    const mg_experiment *exp;
    const mg_sec_scaled *scaled;  /* parameters that depend on the scale */
    int nscaled;
    const char *analog;           /* template: what the paper measured that this section stands in for (shown
                                     first, as "Analog of the paper's result: ..."); NULL: the paper's own result */
    const char *paper_data;       /* the sources ("mog", "fmnist" standing in for CelebA) the paper shows this
                                     result on, comma-separated; a dataset of another source is labelled an
                                     extension. NULL: no label (the section is not per dataset) */
    const char *intro;            /* template: the section's opening paragraphs (blank lines, "\n\n", part them) */
    const char *dataset_intro;    /* template: opening paragraphs of each call (each dataset's part) */
    const mg_figure_spec *figures;
    int nfigures;
    const mg_page_table_spec *tables;
    int ntables;
    const mg_claim_spec *claims;
    int nclaims;
    const char *summary_file;     /* name of the results file in the section's folder (NULL: summary.json) */
    const struct mg_sec_dataset_s *datasets; /* the setup section only: the run's datasets, in slot order */
    int ndatasets;
    const char *wall_time_tables; /* comma-separated result tables that hold wall times: shown on the page and
                                     recorded in summary.json ({column: [values]}), never written as files (the data
                                     files of two runs with one seed are the same) */
} mg_section;

#define MG_SEC_COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The data stage's section (the shared datasets and their sets). */
extern const mg_section mg_sec_setup;

/* The sections, in report order (one file each). */
extern const mg_section mg_sec_fig3;
extern const mg_section mg_sec_fig4;
extern const mg_section mg_sec_fig5;
extern const mg_section mg_sec_fig14;
extern const mg_section mg_sec_fig16;
extern const mg_section mg_sec_fig9;
extern const mg_section mg_sec_losses;
extern const mg_section mg_sec_fig7;
extern const mg_section mg_sec_fig17;
extern const mg_section mg_sec_table1;
extern const mg_section mg_sec_fig8;
extern const mg_section mg_sec_real;
extern const mg_section mg_sec_phase;

#endif /* MEMGEN_REPRO_SECTION_H */
