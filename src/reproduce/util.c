/*
 * Helpers of the reproduction sections: scale-dependent sizes, per-section
 * random generators, config/summary JSON objects, output files beside the
 * report (CSV, JSON, .npy, PNG grids) and progress reporting.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/png.h"
#include "repro.h"

/* The value for the run's scale. */
int64_t mg_repro_pick(const mg_repro_ctx *ctx, int64_t smoke, int64_t quick, int64_t full) {
    return ctx->scale == MG_REPRO_SMOKE ? smoke : ctx->scale == MG_REPRO_QUICK ? quick : full;
}

/* The value for the run's scale (double). */
double mg_repro_pick_d(const mg_repro_ctx *ctx, double smoke, double quick, double full) {
    return ctx->scale == MG_REPRO_SMOKE ? smoke : ctx->scale == MG_REPRO_QUICK ? quick : full;
}

/* FNV-1a 64 of a string: the fork id of a section name. */
static uint64_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* Generator k of a section. */
mg_rng mg_repro_rng(const mg_repro_ctx *ctx, const char *section, uint64_t k) {
    mg_rng r = mg_rng_fork(&ctx->rng, name_hash(section));
    return mg_rng_fork(&r, k);
}

/* The object `key` of parent, created when missing (NULL on OOM). */
static cJSON *child_object(cJSON *parent, const char *key) {
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (!o) o = cJSON_AddObjectToObject(parent, key);
    return o;
}

/* The section's settings object in config.json. */
cJSON *mg_repro_settings(mg_repro_ctx *ctx, const char *section) {
    return child_object(child_object(ctx->config, "sections"), section);
}

/* The section's object in summary.json. */
cJSON *mg_repro_results(mg_repro_ctx *ctx, const char *section) {
    return child_object(child_object(ctx->results, "sections"), section);
}

/* CSV with a header and numeric columns. */
mg_status mg_repro_csv(const mg_repro_ctx *ctx, const char *rel, const char *header, int ncols, int64_t nrows,
                       const double *const *cols) {
    char *path;
    MG_TRY(mg_report_path(ctx->rep, rel, &path));
    mg_atomic_file af;
    mg_status s = mg_atomic_open(&af, path);
    if (s == MG_OK) {
        fprintf(af.fp, "%s\n", header);
        for (int64_t i = 0; i < nrows; i++)
            for (int j = 0; j < ncols; j++) {
                double v = cols[j][i];
                if (isnan(v)) fputs("nan", af.fp);
                else fprintf(af.fp, "%.9g", v);
                fputc(j + 1 < ncols ? ',' : '\n', af.fp);
            }
        s = mg_atomic_commit(&af);
    }
    if (s != MG_OK) s = mg_fail_context(s, "writing %s", path);
    free(path);
    return s;
}

/* JSON file beside the report. */
mg_status mg_repro_json(const mg_repro_ctx *ctx, const char *rel, const cJSON *v) {
    char *path;
    MG_TRY(mg_report_path(ctx->rep, rel, &path));
    mg_status s = mg_write_json_atomic(path, v);
    free(path);
    return s;
}

/* n x d float32 .npy beside the report. */
mg_status mg_repro_npy(const mg_repro_ctx *ctx, const char *rel, const float *X, int64_t n, int64_t d) {
    char *path;
    MG_TRY(mg_report_path(ctx->rep, rel, &path));
    int64_t shape[2] = {n, d};
    mg_status s = mg_npy_write_f32(path, X, 2, shape);
    free(path);
    return s;
}

/* Titles, labels, embeds and frees a plot. */
mg_status mg_repro_plot_emit(mg_repro_ctx *ctx, mg_plot *p, mg_status s, const char *title, const char *xlabel,
                             const char *ylabel, const char *caption) {
    if (s == MG_OK) s = mg_plot_title(p, title);
    if (s == MG_OK) s = mg_plot_xlabel(p, xlabel);
    if (s == MG_OK) s = mg_plot_ylabel(p, ylabel);
    if (s == MG_OK) s = mg_report_plot(ctx->rep, p, caption);
    mg_plot_free(p);
    return s;
}

/* Verdict of a value that must be at least pass (partial: at least partial). */
mg_verdict mg_repro_at_least(double v, double pass, double partial) {
    return v >= pass ? MG_VERDICT_PASS : v >= partial ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
}

/* Verdict of a value that must be at most pass (partial: at most partial). */
mg_verdict mg_repro_at_most(double v, double pass, double partial) {
    return v <= pass ? MG_VERDICT_PASS : v <= partial ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
}

/* Writes the section's headline numbers to DIR/<section>/summary.json and links it. */
mg_status mg_repro_summary_file(mg_repro_ctx *ctx, const char *section) {
    char rel[96];
    snprintf(rel, sizeof rel, "%s/summary.json", section);
    const char *f = rel;
    MG_TRY(mg_repro_json(ctx, f, mg_repro_results(ctx, section)));
    return mg_repro_files(ctx, &f, 1);
}

/* Links to the section's data files. */
mg_status mg_repro_files(mg_repro_ctx *ctx, const char *const *rels, int n) {
    return mg_report_files(ctx->rep, rels, n);
}

/* A PNG grid of display-ready image rows, written beside the report and embedded. */
mg_status mg_repro_image_grid_raw(mg_repro_ctx *ctx, const mg_repro_data *d, const char *rel, const float *rows,
                                  int64_t n, int ncols, const char *caption) {
    if (d->img_h <= 0 || (int64_t)d->img_h * d->img_w != d->d)
        return mg_fail(MG_ERR_ARG, "%s is not an image dataset", d->name);
    mg_png_grid g = MG_PNG_GRID_DEFAULT;
    g.height = d->img_h;
    g.width = d->img_w;
    g.channels = 1;
    g.grid_cols = ncols;
    g.vmin = d->vmin;
    g.vmax = d->vmax;
    int width_px = (int)(ncols * (d->img_w + g.pad) * 2);
    if (width_px > 900) width_px = 900;
    return mg_report_png_grid(ctx->rep, rel, rows, n, &g, width_px, caption);
}

/* Adds the dataset's centre back to data rows. */
void mg_repro_uncenter(const mg_repro_data *d, float *rows, int64_t n) {
    if (!d->center) return;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d->d; j++) rows[i * d->d + j] += d->center[j];
}

/* A PNG grid of data rows (the centre added back), written and embedded. */
mg_status mg_repro_image_grid(mg_repro_ctx *ctx, const mg_repro_data *d, const char *rel, const float *rows,
                              int64_t n, int ncols, const char *caption) {
    if (!d->center) return mg_repro_image_grid_raw(ctx, d, rel, rows, n, ncols, caption);
    float *buf = mg_alloc((size_t)(n * d->d), sizeof(float));
    if (!buf) return mg_fail(MG_ERR_NOMEM, "out of memory for an image grid");
    memcpy(buf, rows, (size_t)(n * d->d) * sizeof(float));
    mg_repro_uncenter(d, buf, n);
    mg_status s = mg_repro_image_grid_raw(ctx, d, rel, buf, n, ncols, caption);
    free(buf);
    return s;
}

/* Sends a progress report for the running stage. */
void mg_repro_step(mg_repro_ctx *ctx, const char *detail, double fraction) {
    if (!ctx->cfg->progress) return;
    if (fraction < 0) fraction = 0;
    if (fraction > 1) fraction = 1;
    mg_repro_progress pr;
    pr.stage = ctx->stage ? ctx->stage : "";
    pr.detail = detail ? detail : "";
    pr.fraction = ctx->total_weight > 0 ? (ctx->done_weight + fraction * ctx->stage_weight) / ctx->total_weight : 0;
    pr.elapsed = mg_now() - ctx->t0;
    ctx->cfg->progress(ctx->cfg->progress_ctx, &pr);
}

/* Fills a progress slot. */
static void slot_init(mg_repro_progress_slot *slot, mg_repro_ctx *ctx, const char *detail, double f0, double f1) {
    slot->ctx = ctx;
    snprintf(slot->detail, sizeof slot->detail, "%s", detail);
    slot->f0 = f0;
    slot->f1 = f1;
}

/* Reports `done` of `total` steps of a slot's run as its slice of the section. */
static void slot_report(const mg_repro_progress_slot *slot, int64_t done, int64_t total) {
    double f = total > 0 ? (double)done / (double)total : 1.0;
    mg_repro_step(slot->ctx, slot->detail, slot->f0 + f * (slot->f1 - slot->f0));
}

/* mg_train_io.progress of a slot. */
static void train_progress(void *vslot, const mg_train_progress *pr) { slot_report(vslot, pr->step, pr->total); }

/* An io that reports training progress through mg_repro_step. */
mg_train_io mg_repro_train_io(mg_repro_ctx *ctx, mg_repro_progress_slot *slot, const char *detail, double f0,
                              double f1) {
    slot_init(slot, ctx, detail, f0, f1);
    mg_train_io io;
    memset(&io, 0, sizeof io);
    io.log_every = 500;
    io.probe_rows = 1;
    io.progress = train_progress;
    io.ctx = slot;
    return io;
}

/* The Euclidean norm of every row, in double. */
mg_status mg_repro_row_norms(mg_mat X, double **out) {
    if (!(*out = mg_alloc((size_t)X.rows, sizeof(double)))) return mg_fail(MG_ERR_NOMEM, "out of memory for row norms");
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        double q = 0;
        for (int64_t j = 0; j < X.cols; j++) q += (double)x[j] * x[j];
        (*out)[i] = sqrt(q);
    }
    return MG_OK;
}

/* n rows cycling through the rows of src (row i = src row i mod src.rows). */
mg_status mg_repro_cycle_rows(mg_mat src, int64_t n, mg_mat *out) {
    memset(out, 0, sizeof *out);
    if (src.rows < 1 || n < 1) return mg_fail(MG_ERR_ARG, "cycling rows: empty source or count");
    out->data = mg_alloc((size_t)(n * src.cols), sizeof(float));
    if (!out->data) return mg_fail(MG_ERR_NOMEM, "out of memory (%lld x %lld rows)", (long long)n, (long long)src.cols);
    out->rows = n;
    out->cols = src.cols;
    out->ld = src.cols;
    for (int64_t i = 0; i < n; i++)
        memcpy(out->data + i * src.cols, src.data + (i % src.rows) * src.ld, (size_t)src.cols * sizeof(float));
    return MG_OK;
}

/* Records a claim's verdict in summary.json's "claims" object. */
mg_status mg_repro_record_claim(mg_repro_ctx *ctx, const char *id, mg_verdict v) {
    if (!ctx->claims && !(ctx->claims = cJSON_AddObjectToObject(ctx->results, "claims")))
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    if (cJSON_GetObjectItemCaseSensitive(ctx->claims, id))
        return mg_fail(MG_ERR_ARG, "reproduce: claim id '%s' is used twice", id);
    if (!cJSON_AddStringToObject(ctx->claims, id, mg_verdict_str(v))) return mg_fail(MG_ERR_NOMEM, "out of memory");
    return MG_OK;
}
