/*
 * The "Setup" stage of `memgen reproduce`: builds the shared datasets of the
 * experiment layer (mg_exp_data_build: the paper's Gaussian mixture always,
 * Fashion-MNIST when installed) at the run's scale, trains their DAE sets
 * over the run's noise grid, and describes them on the page and in
 * config.json.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/data.h"
#include "repro.h"

/* The data parameters of a source at the run's scale. */
static mg_exp_data_params data_params(const mg_repro_ctx *ctx, mg_exp_source src) {
    mg_exp_data_params p = mg_exp_data_params_default(src);
    int mog = src == MG_EXP_MOG;
    p.fmnist_dir = ctx->cfg->fmnist_dir;
    if (mog) p.d = mg_repro_pick(ctx, 64, 1000, 1000);
    p.n_gen = mog ? 2 * mg_repro_pick(ctx, 250, 5000, 5000) : mg_repro_pick(ctx, 500, 10000, 10000);
    p.n_test = mog ? 2 * mg_repro_pick(ctx, 50, 250, 1000) : mg_repro_pick(ctx, 100, 1000, 2000);
    p.mem_train.steps = mg_repro_pick(ctx, 3000, 20000, 200000);
    p.gen_train.hidden = mog ? mg_repro_pick(ctx, 16, 50, 50) : mg_repro_pick(ctx, 16, 64, 64);
    p.gen_train.steps = mg_repro_pick(ctx, 300, 1500, 20000);
    return p;
}

/* A borrowed legacy view of a built dataset. */
static void legacy_view(const mg_exp_data *x, mg_repro_data *d) {
    memset(d, 0, sizeof *d);
    d->name = x->name;
    snprintf(d->title, sizeof d->title, "%s", x->title);
    d->d = x->d;
    d->img_h = x->img_h;
    d->img_w = x->img_w;
    d->vmin = x->vmin;
    d->vmax = x->vmax;
    d->center = x->center.data;
    d->mem_max_cosine = x->mem_max_cosine;
    d->mem = mg_exp_mem(x);
    d->gen = mg_exp_gen(x);
    d->test = mg_exp_test(x);
    d->mem_labels = x->mem_labels;
    d->gen_labels = x->gen_labels;
    d->test_labels = x->test_labels;
    d->nclasses = x->nclasses;
    d->has_mog = x->has_mog;
    d->mog = x->mog;
    d->mem_params = x->params.mem_train;
    d->gen_params = x->params.gen_train;
    d->mem_set = x->mem_set;
    d->gen_set = x->gen_set;
    d->train_seconds[0] = x->train_seconds[0];
    d->train_seconds[1] = x->train_seconds[1];
}

/* Build progress of dataset i, mapped into its share of the stage. */
typedef struct {
    mg_repro_ctx *ctx;
    double f0, f1;
} build_progress;

/* mg_exp_progress_fn of a build. */
static void on_build(void *vp, const char *detail, double fraction) {
    build_progress *bp = vp;
    mg_repro_step(bp->ctx, detail, bp->f0 + fraction * (bp->f1 - bp->f0));
}

/* One row of the setup table. */
static void setup_row(char cells[][48], const mg_exp_data *d, const char *regime, const mg_array *X,
                      const mg_train_params *p, double secs) {
    snprintf(cells[0], 48, "%s", d->name);
    snprintf(cells[1], 48, "%s", regime);
    snprintf(cells[2], 48, "%lld", (long long)X->shape[0]);
    snprintf(cells[3], 48, "%lld", (long long)X->shape[1]);
    snprintf(cells[4], 48, "%lld", (long long)p->hidden);
    snprintf(cells[5], 48, "%s", mg_optim_name(p->optim));
    snprintf(cells[6], 48, "%g", p->lr);
    snprintf(cells[7], 48, "%g", p->weight_decay);
    snprintf(cells[8], 48, "%s", p->batch_mode == MG_BATCH_FULL ? "full" : "256");
    snprintf(cells[9], 48, "%lld", (long long)p->steps);
    snprintf(cells[10], 48, "%.1f", secs);
}

/* Records a dataset's settings in config.json. */
static mg_status record(mg_repro_ctx *ctx, const mg_exp_data *d) {
    cJSON *o = cJSON_AddObjectToObject(cJSON_GetObjectItem(ctx->config, "datasets"), d->name);
    if (!o) return mg_fail(MG_ERR_NOMEM, "out of memory");
    const struct {
        const char *regime;
        const mg_array *X;
        const mg_train_params *p;
    } r[2] = {{"memorizing", &d->mem, &d->params.mem_train}, {"generalizing", &d->gen, &d->params.gen_train}};
    cJSON_AddStringToObject(o, "title", d->title);
    cJSON_AddNumberToObject(o, "test_rows", (double)d->test.shape[0]);
    cJSON_AddNumberToObject(o, "memorizing_max_pair_cosine", d->mem_max_cosine);
    cJSON_AddBoolToObject(o, "centered", d->center.data != NULL);
    for (int i = 0; i < 2; i++) {
        cJSON *t = cJSON_AddObjectToObject(o, r[i].regime);
        if (!t) return mg_fail(MG_ERR_NOMEM, "out of memory");
        cJSON_AddNumberToObject(t, "n", (double)r[i].X->shape[0]);
        cJSON_AddNumberToObject(t, "hidden", (double)r[i].p->hidden);
        cJSON_AddStringToObject(t, "optim", mg_optim_name(r[i].p->optim));
        cJSON_AddStringToObject(t, "loss", mg_loss_name(r[i].p->loss));
        cJSON_AddNumberToObject(t, "lr", r[i].p->lr);
        cJSON_AddNumberToObject(t, "weight_decay", r[i].p->weight_decay);
        cJSON_AddStringToObject(t, "batch", r[i].p->batch_mode == MG_BATCH_FULL ? "full" : "256");
        cJSON_AddNumberToObject(t, "steps", (double)r[i].p->steps);
        cJSON_AddBoolToObject(t, "tied", r[i].p->tied);
    }
    return MG_OK;
}

/* Builds every dataset the run needs and trains its two sets. */
mg_status mg_repro_build_data(mg_repro_ctx *ctx, int mog_only) {
    const int want_fmnist = ctx->cfg->fmnist && !mog_only;
    double span = want_fmnist ? 0.5 : 1.0;
    build_progress bp = {ctx, 0.0, span};
    mg_exp_data_params mp = data_params(ctx, MG_EXP_MOG);
    MG_TRY(mg_exp_data_build(&mp, ctx->sigmas, ctx->nsigmas, &ctx->rng, on_build, &bp, &ctx->xdata[0]));
    ctx->ndata = 1;
    if (want_fmnist) { /* the loader's own check of its four files decides whether it is installed */
        mg_repro_step(ctx, "loading Fashion-MNIST", span);
        mg_exp_data_params fp = data_params(ctx, MG_EXP_FMNIST);
        bp.f0 = span, bp.f1 = 1.0;
        mg_status st = mg_exp_data_build(&fp, ctx->sigmas, ctx->nsigmas, &ctx->rng, on_build, &bp, &ctx->xdata[1]);
        if (st == MG_OK) {
            ctx->ndata = 2;
        } else {
            if (st != MG_ERR_NOT_FOUND) return st;
            mg_clear_error();
        }
    }
    for (int i = 0; i < ctx->ndata; i++) legacy_view(&ctx->xdata[i], &ctx->data[i]);
    return MG_OK;
}

/* Describes the datasets in config.json and the page's "Setup" section. */
mg_status mg_repro_describe_data(mg_repro_ctx *ctx) {
    if (!cJSON_AddObjectToObject(ctx->config, "datasets")) return mg_fail(MG_ERR_NOMEM, "out of memory");
    const char *fdir = ctx->cfg->fmnist_dir ? ctx->cfg->fmnist_dir : MG_FMNIST_DIR;
    char cells[4][11][48];
    const char *cellp[44];
    for (int i = 0; i < ctx->ndata; i++) {
        const mg_exp_data *d = &ctx->xdata[i];
        MG_TRY(record(ctx, d));
        setup_row(cells[2 * i], d, "memorizing", &d->mem, &d->params.mem_train, d->train_seconds[0]);
        setup_row(cells[2 * i + 1], d, "generalizing", &d->gen, &d->params.gen_train, d->train_seconds[1]);
    }
    for (int r = 0; r < 2 * ctx->ndata; r++)
        for (int c = 0; c < 11; c++) cellp[r * 11 + c] = cells[r][c];
    MG_TRY(mg_report_paragraphf(
        ctx->rep,
        "Every figure below reuses these DAE sets: tied, bias-free ReLU DAEs f(x) = W2 relu(W1^T x) (Eq. 5), one per "
        "noise level of the VE grid sigma = 0.02 .. 2 (%d geometric levels; the middle one is sigma = 0.2, the level "
        "the paper's single-DAE figures use), trained with PyTorch's MSELoss plus coupled weight decay (the authors' "
        "code; App. B.1). Memorizing sets follow App. B.1 (RMSprop, lr 1e-3, wd 1e-2, full batch) with fewer steps; "
        "generalizing sets use Adam (lr 1e-3, wd 1e-4, batch 256) for a few thousand steps instead of RMSprop for "
        "4e7 steps. The MoG is the paper's (mu_1 = -mu_2 = 5 e_1, eigenvalues 0.9^j in random bases).%s",
        ctx->nsigmas,
        ctx->ndata > 1 ? " Fashion-MNIST stands in for CelebA, with pixels in [0, 1] minus the mean image of the "
                         "generalizing set (a bias-free DAE is positively homogeneous, f(cx) = c f(x), and cannot "
                         "output a constant offset; grids add the mean back): the memorizing set holds 5 training "
                         "images picked for separability (greedy smallest pairwise cosine among the first 1000), the "
                         "generalizing set the first training images."
        : ctx->cfg->fmnist ? " Fashion-MNIST was not found (install the Debian package dataset-fashion-mnist), so only "
                             "the MoG parts run."
                           : " Fashion-MNIST was switched off for this run."));
    static const char *hdr[11] = {"data", "regime", "n", "d", "p", "optimizer", "lr", "weight decay", "batch",
                                  "steps per level", "train seconds"};
    MG_TRY(mg_report_table(ctx->rep, "The trained DAE sets (one DAE per noise level).", 11, hdr, 2 * ctx->ndata,
                           cellp));
    for (int i = 0; i < ctx->ndata; i++)
        MG_TRY(mg_report_paragraphf(
            ctx->rep,
            "%s memorizing set: largest pairwise cosine between its %lld training rows %.3f (%s: the separability of "
            "Def. 3.1 behind Cor. 3.2 asks for rows that are not positively correlated; when they are, App. A.1 / "
            "Fig. 11 expect processed versions of the data in W1 rather than the raw samples).",
            ctx->xdata[i].name, (long long)ctx->xdata[i].mem.shape[0], ctx->xdata[i].mem_max_cosine,
            ctx->xdata[i].mem_max_cosine <= 0 ? "separable" : "not separable"));
    cJSON_AddBoolToObject(ctx->config, "fmnist_used", ctx->ndata > 1);
    cJSON_AddStringToObject(ctx->config, "fmnist_dir", fdir);
    return MG_OK;
}
