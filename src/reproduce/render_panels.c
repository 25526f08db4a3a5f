/*
 * The whole figure of a section (render_internal.h): the plots its calls
 * drew, laid out as the paper lays out its figure, a row per figure and a
 * column per dataset with the image dataset (Fashion-MNIST, standing in for
 * CelebA) on the left of the mixtures, as the paper's "CelebA | MoG". Each
 * plot keeps its own document as a nested <svg>; the whole is written as
 * DIR/<section>/figures/<section>.svg and, where the build can, .png / .pdf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_internal.h"

/* Keeps a plot as a panel of the call's column. */
mg_status rd_panel_add(const call_t *c, const char *fig, char *svg) {
    rd_panels *pn = c->panels;
    int col = 0;
    while (col < pn->ncols && strcmp(pn->col_prefix[col], c->prefix)) col++;
    if (col == pn->ncols && col <= MG_REPRO_MAX_DATASETS) {
        snprintf(pn->col_prefix[col], sizeof pn->col_prefix[col], "%s", c->prefix);
        pn->col_images[col] = c->data && c->data->img_h > 0;
        pn->col_paper[col] = c->data && rd_in_list(c->sec->paper_data, mg_exp_source_names[c->data->source]);
        pn->ncols++;
    }
    if (pn->n == pn->cap) {
        int cap = pn->cap ? 2 * pn->cap : 16;
        rd_panel *np = realloc(pn->p, (size_t)cap * sizeof *np);
        if (!np) {
            free(svg);
            return mg_fail(MG_ERR_NOMEM, "out of memory for the figure panels");
        }
        pn->p = np, pn->cap = cap;
    }
    char *id = strdup(fig);
    if (!id || col > MG_REPRO_MAX_DATASETS) {
        free(id), free(svg);
        return mg_fail(MG_ERR_NOMEM, "out of memory for the figure panels");
    }
    pn->p[pn->n++] = (rd_panel){id, col, svg};
    return MG_OK;
}

/* The value of a numeric attribute of an SVG element's start tag (0 when absent). */
static double attr_of(const char *svg, const char *name) {
    const char *end = strchr(svg, '>');
    char key[32];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *a = strstr(svg, key);
    return a && (!end || a < end) ? atof(a + strlen(key)) : 0;
}

/* The columns shown, in order (image datasets first), into order[]; returns their count. */
static int shown_columns(const rd_panels *pn, int *order) {
    int any_paper = 0, n = 0;
    for (int k = 0; k < pn->ncols; k++) any_paper |= pn->col_paper[k];
    for (int pass = 1; pass >= 0; pass--) /* images, then the rest, each in run order */
        for (int k = 0; k < pn->ncols; k++)
            if (pn->col_images[k] == pass && (!any_paper || pn->col_paper[k])) order[n++] = k;
    return n;
}

/* Lays the panels out and writes the files (when write); frees the panels. */
mg_status rd_panels_write(mg_repro_ctx *ctx, const mg_section *sec, rd_panels *pn, int write) {
    int order[MG_REPRO_MAX_DATASETS + 1], ncol = shown_columns(pn, order), nrow = 0;
    int *row = calloc((size_t)(pn->n + 1), sizeof *row); /* the row of each panel (-1: not shown) */
    double colw[MG_REPRO_MAX_DATASETS + 1] = {0}, *rowh = calloc((size_t)(pn->n + 1), sizeof *rowh);
    mg_status s = row && rowh ? MG_OK : mg_fail(MG_ERR_NOMEM, "out of memory for the figure panels");
    for (int i = 0; s == MG_OK && i < pn->n; i++) {
        int x = -1;
        for (int k = 0; k < ncol; k++) x = order[k] == pn->p[i].col ? k : x;
        row[i] = -1;
        if (x < 0) continue;
        for (int j = 0; j < i && row[i] < 0; j++)
            if (row[j] >= 0 && !strcmp(pn->p[j].fig, pn->p[i].fig)) row[i] = row[j];
        if (row[i] < 0) row[i] = nrow++;
        colw[x] = colw[x] > attr_of(pn->p[i].svg, "width") ? colw[x] : attr_of(pn->p[i].svg, "width");
        double h = attr_of(pn->p[i].svg, "height");
        rowh[row[i]] = rowh[row[i]] > h ? rowh[row[i]] : h;
    }
    if (s == MG_OK && write && nrow > 0) {
        double W = 0, H = 0;
        for (int k = 0; k < ncol; k++) W += colw[k];
        for (int r = 0; r < nrow; r++) H += rowh[r];
        sb_t b = {0};
        sb_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                      "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n<rect width=\"100%%\" "
                      "height=\"100%%\" fill=\"#ffffff\"/>\n", W, H, W, H);
        for (int i = 0; i < pn->n; i++) {
            if (row[i] < 0) continue;
            double x = 0, y = 0;
            for (int k = 0; k < ncol && order[k] != pn->p[i].col; k++) x += colw[k];
            for (int r = 0; r < row[i]; r++) y += rowh[r];
            sb_printf(&b, "<svg x=\"%.0f\" y=\"%.0f\"", x, y);
            sb_puts(&b, pn->p[i].svg + 4); /* the panel's own <svg ...> after its "<svg" */
        }
        sb_puts(&b, "</svg>\n");
        char rel[96], *doc = NULL, *path = NULL;
        snprintf(rel, sizeof rel, "%s/figures/%s", sec->id, sec->id);
        s = sb_finish(&b, rel, &doc);
        if (s == MG_OK) s = mg_report_path(ctx->rep, rel, &path);
        int written = 0;
        if (s == MG_OK) s = mg_svg_export(doc, path, &written);
        char names[3][112];
        const char *links[3];
        static const char *const ext[3] = {"svg", "png", "pdf"};
        int n = 0;
        for (int k = 0; k < 3; k++)
            if (written & (1 << k)) snprintf(names[n], sizeof names[n], "%s.%s", rel, ext[k]), links[n] = names[n], n++;
        const char *why = NULL;
        mg_plot_formats(&why);
        if (s == MG_OK && n > 0)
            s = mg_report_files_as(ctx->rep, "The whole figure, laid out as the paper's (a row per plot, a column per "
                                             "dataset)", links, n, why);
        free(doc);
        free(path);
    }
    for (int i = 0; i < pn->n; i++) free(pn->p[i].fig), free(pn->p[i].svg);
    free(pn->p);
    free(row);
    free(rowh);
    pn->p = NULL, pn->n = pn->cap = 0;
    return s;
}
