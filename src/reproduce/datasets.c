/*
 * The shared data of the reproduction: the paper's two-mode Gaussian mixture
 * (App. A.1/B.1: mu_1 = -mu_2 = 5 e_1, exponentially decaying spectra) and,
 * when installed, Fashion-MNIST (standing in for the paper's CelebA), each in
 * the memorization regime (2 samples per mode / 5 images chosen for
 * separability, p >= n) and the generalization regime (10,000 samples,
 * p << n), with held-out test rows; and the DAE sets trained on both over the
 * sigma grid (App. B.1: RMSprop lr 1e-3, weight decay 1e-2, full batch for
 * memorization; the generalizing sets use Adam lr 1e-3, wd 1e-4, batch 256 so
 * that they converge in minutes instead of the paper's 4e7 steps).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/data.h"
#include "repro.h"

/* Frees a dataset's arrays and sets. */
void mg_repro_data_free(mg_repro_data *d) {
    free(d->mem.data);
    free(d->gen.data);
    free(d->test.data);
    free(d->mem_labels);
    free(d->gen_labels);
    free(d->test_labels);
    free(d->center);
    mg_mog_free(&d->mog);
    mg_daeset_free(&d->mem_set);
    mg_daeset_free(&d->gen_set);
    memset(d, 0, sizeof *d);
}

/* Allocates an n x d matrix and n labels. */
static mg_status alloc_rows(int64_t n, int64_t d, mg_mat *X, int64_t **labels) {
    X->rows = n;
    X->cols = d;
    X->ld = d;
    X->data = mg_alloc((size_t)(n * d), sizeof(float));
    *labels = mg_alloc((size_t)n, sizeof(int64_t));
    if (!X->data || !*labels) return mg_fail(MG_ERR_NOMEM, "out of memory (%lld x %lld data)", (long long)n, (long long)d);
    return MG_OK;
}

/* Cosine of two rows of length d. */
static double row_cosine(const float *a, const float *b, int64_t d) {
    double ab = 0, aa = 0, bb = 0;
    for (int64_t j = 0; j < d; j++) {
        ab += (double)a[j] * b[j];
        aa += (double)a[j] * a[j];
        bb += (double)b[j] * b[j];
    }
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 1.0;
}

/* Largest pairwise cosine of the rows of X. */
static double max_pair_cosine(mg_mat X) {
    double m = -1;
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = i + 1; j < X.rows; j++) {
            double c = row_cosine(X.data + i * X.ld, X.data + j * X.ld, X.cols);
            if (c > m) m = c;
        }
    return m;
}

/* The paper's MoG, scaled to the run: memorizing, generalizing and test rows. */
static mg_status build_mog(mg_repro_ctx *ctx, mg_repro_data *d) {
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.d = mg_repro_pick(ctx, 64, 1000, 1000);
    int64_t per_gen = mg_repro_pick(ctx, 250, 5000, 5000), per_test = mg_repro_pick(ctx, 50, 250, 1000);
    d->name = "mog";
    snprintf(d->title, sizeof d->title, "Gaussian mixture (2 modes, d = %lld)", (long long)spec.d);
    d->d = spec.d;
    d->nclasses = 2;
    d->has_mog = 1;
    mg_rng r = mg_repro_rng(ctx, "data.mog", 0);
    MG_TRY(mg_mog_make(&spec, &r, &d->mog));
    const struct {
        mg_mat *X;
        int64_t **lab;
        int64_t per;
    } parts[3] = {{&d->mem, &d->mem_labels, 2}, {&d->gen, &d->gen_labels, per_gen}, {&d->test, &d->test_labels, per_test}};
    for (int i = 0; i < 3; i++) {
        int64_t counts[2] = {parts[i].per, parts[i].per};
        MG_TRY(alloc_rows(2 * parts[i].per, spec.d, parts[i].X, parts[i].lab));
        mg_rng ri = mg_repro_rng(ctx, "data.mog", (uint64_t)(1 + i));
        MG_TRY(mg_mog_sample(&d->mog, 2 * parts[i].per, counts, 1, &ri, parts[i].X->data, *parts[i].lab));
    }
    d->mem_max_cosine = max_pair_cosine(d->mem);
    return MG_OK;
}

/* Loads n Fashion-MNIST images (train or test file, the first n) as rows in [0, 1]. */
static mg_status load_fmnist(const mg_repro_ctx *ctx, int train, int64_t n, mg_mat *X, int64_t **labels) {
    mg_fmnist_opts o = {ctx->cfg->fmnist_dir, train, 0, n, 0};
    mg_array img;
    int64_t *lab = NULL, *idx = NULL;
    mg_rng r = mg_repro_rng(ctx, "data.fmnist", 0);
    MG_TRY(mg_fmnist_load(&o, &r, &img, &lab, &idx));
    free(idx);
    mg_status s = alloc_rows(img.shape[0], 784, X, labels);
    if (s == MG_OK) {
        const uint8_t *u = img.data;
        for (int64_t i = 0; i < X->rows * 784; i++) X->data[i] = (float)u[i] / 255.0f;
        memcpy(*labels, lab, (size_t)X->rows * sizeof(int64_t));
    }
    free(lab);
    mg_array_free(&img);
    return s;
}

/* Picks m rows of X "chosen for clear separability" (App. B.1): the first row,
 * then greedily the row whose largest cosine to those already chosen is
 * smallest. Writes the chosen indices. */
static void pick_separable(mg_mat X, int m, int64_t *chosen) {
    chosen[0] = 0;
    for (int k = 1; k < m; k++) {
        double best = 2;
        for (int64_t i = 0; i < X.rows; i++) {
            double worst = -2;
            for (int j = 0; j < k && worst < best; j++) {
                if (chosen[j] == i) worst = 2;
                else {
                    double c = row_cosine(X.data + i * X.ld, X.data + chosen[j] * X.ld, X.cols);
                    if (c > worst) worst = c;
                }
            }
            if (worst < best) {
                best = worst;
                chosen[k] = i;
            }
        }
    }
}

/* Subtracts the mean row of X (computed in double) from X and from T; the
 * mean goes to center (d floats). A bias-free DAE f(x) = W2 relu(W1^T x) is
 * positively homogeneous and cannot output a constant offset, so image data
 * are centred, as is usual for diffusion models (pixels in [-1, 1] or
 * standardised); the report adds the centre back for display. */
static mg_status center_rows(mg_mat X, mg_mat T, float **center) {
    double *acc = calloc((size_t)X.cols, sizeof(double));
    *center = mg_alloc((size_t)X.cols, sizeof(float));
    if (!acc || !*center) {
        free(acc);
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = 0; j < X.cols; j++) acc[j] += X.data[i * X.ld + j];
    for (int64_t j = 0; j < X.cols; j++) (*center)[j] = (float)(acc[j] / (double)X.rows);
    free(acc);
    const mg_mat both[2] = {X, T};
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; i < both[k].rows; i++)
            for (int64_t j = 0; j < both[k].cols; j++) both[k].data[i * both[k].ld + j] -= (*center)[j];
    return MG_OK;
}

/* Fashion-MNIST, centred by the generalizing set's mean image: 5 separable
 * images (memorization), the first n_gen training images (generalization)
 * and the first n_test test images. */
static mg_status build_fmnist(mg_repro_ctx *ctx, mg_repro_data *d) {
    int64_t n_gen = mg_repro_pick(ctx, 500, 10000, 10000), n_test = mg_repro_pick(ctx, 100, 1000, 2000);
    d->name = "fmnist";
    snprintf(d->title, sizeof d->title, "Fashion-MNIST (28 x 28, pixels in [0, 1], mean image subtracted)");
    d->d = 784;
    d->img_h = d->img_w = 28;
    d->vmin = 0.0f;
    d->vmax = 1.0f;
    d->nclasses = 10;
    MG_TRY(load_fmnist(ctx, 1, n_gen, &d->gen, &d->gen_labels));
    MG_TRY(load_fmnist(ctx, 0, n_test, &d->test, &d->test_labels));
    MG_TRY(center_rows(d->gen, d->test, &d->center));
    const int m = 5;
    int64_t chosen[5];
    mg_mat pool = d->gen;
    if (pool.rows > 1000) pool.rows = 1000;
    pick_separable(pool, m, chosen);
    MG_TRY(alloc_rows(m, 784, &d->mem, &d->mem_labels));
    for (int k = 0; k < m; k++) {
        memcpy(d->mem.data + k * 784, d->gen.data + chosen[k] * 784, 784 * sizeof(float));
        d->mem_labels[k] = d->gen_labels[chosen[k]];
    }
    d->mem_max_cosine = max_pair_cosine(d->mem);
    return MG_OK;
}

/* Training progress of one level, mapped into the data stage. */
typedef struct {
    mg_repro_ctx *ctx;
    mg_repro_progress_slot slot;
    const char *what;
    double f0, f1; /* the data stage's fraction this set spans */
} level_ctx;

/* mg_train_set_opts.level_io: progress for level k. */
static void level_io(void *vctx, int level, int count, double sigma, mg_train_io *io) {
    level_ctx *lc = vctx;
    char detail[128];
    snprintf(detail, sizeof detail, "%s, level %d/%d (sigma %.3g)", lc->what, level + 1, count, sigma);
    double w = (lc->f1 - lc->f0) / count;
    *io = mg_repro_train_io(lc->ctx, &lc->slot, detail, lc->f0 + level * w, lc->f0 + (level + 1) * w);
}

/* Trains one set over ctx->sigmas, reporting progress over [f0, f1] of the stage. */
static mg_status train_set(mg_repro_ctx *ctx, const mg_train_params *p, mg_mat X, const char *rng_name,
                           const char *what, double f0, double f1, mg_daeset *out, double *seconds) {
    level_ctx lc;
    memset(&lc, 0, sizeof lc);
    lc.ctx = ctx;
    lc.what = what;
    lc.f0 = f0;
    lc.f1 = f1;
    mg_train_set_opts o = {level_io, &lc, 0};
    mg_rng r = mg_repro_rng(ctx, rng_name, 0);
    double t = mg_now();
    mg_status s = mg_train_daeset(p, ctx->sigmas, ctx->nsigmas, X, &r, &o, out);
    *seconds = mg_now() - t;
    return s;
}

/* The memorizing and generalizing training settings of a dataset. */
static void set_params(const mg_repro_ctx *ctx, mg_repro_data *d) {
    mg_train_params m = MG_TRAIN_PARAMS_DEFAULT, g = MG_TRAIN_PARAMS_DEFAULT;
    m.hidden = 2 * d->mem.rows;
    m.optim = MG_OPTIM_RMSPROP;
    m.lr = 1e-3;
    m.weight_decay = 1e-2;
    m.batch_mode = MG_BATCH_FULL;
    m.steps = mg_repro_pick(ctx, 3000, 20000, 200000);
    g.hidden = d->has_mog ? mg_repro_pick(ctx, 16, 50, 50) : mg_repro_pick(ctx, 16, 64, 64);
    g.optim = MG_OPTIM_ADAM;
    g.lr = 1e-3;
    g.weight_decay = 1e-4;
    g.batch = 256;
    g.batch_mode = MG_BATCH_SHUFFLE;
    g.steps = mg_repro_pick(ctx, 300, 1500, 20000);
    d->mem_params = m;
    d->gen_params = g;
}

/* One row of the setup table. */
static void setup_row(char cells[][48], const mg_repro_data *d, const char *regime, mg_mat X,
                      const mg_train_params *p, double secs) {
    snprintf(cells[0], 48, "%s", d->name);
    snprintf(cells[1], 48, "%s", regime);
    snprintf(cells[2], 48, "%lld", (long long)X.rows);
    snprintf(cells[3], 48, "%lld", (long long)X.cols);
    snprintf(cells[4], 48, "%lld", (long long)p->hidden);
    snprintf(cells[5], 48, "%s", mg_optim_name(p->optim));
    snprintf(cells[6], 48, "%g", p->lr);
    snprintf(cells[7], 48, "%g", p->weight_decay);
    snprintf(cells[8], 48, "%s", p->batch_mode == MG_BATCH_FULL ? "full" : "256");
    snprintf(cells[9], 48, "%lld", (long long)p->steps);
    snprintf(cells[10], 48, "%.1f", secs);
}

/* Records a dataset's settings in config.json. */
static mg_status record(mg_repro_ctx *ctx, const mg_repro_data *d) {
    cJSON *o = cJSON_AddObjectToObject(cJSON_GetObjectItem(ctx->config, "datasets"), d->name);
    if (!o) return mg_fail(MG_ERR_NOMEM, "out of memory");
    const struct {
        const char *regime;
        const mg_mat *X;
        const mg_train_params *p;
    } r[2] = {{"memorizing", &d->mem, &d->mem_params}, {"generalizing", &d->gen, &d->gen_params}};
    cJSON_AddStringToObject(o, "title", d->title);
    cJSON_AddNumberToObject(o, "test_rows", (double)d->test.rows);
    cJSON_AddNumberToObject(o, "memorizing_max_pair_cosine", d->mem_max_cosine);
    cJSON_AddBoolToObject(o, "centered", d->center != NULL);
    for (int i = 0; i < 2; i++) {
        cJSON *t = cJSON_AddObjectToObject(o, r[i].regime);
        if (!t) return mg_fail(MG_ERR_NOMEM, "out of memory");
        cJSON_AddNumberToObject(t, "n", (double)r[i].X->rows);
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

/* Builds every dataset and trains its two sets. */
mg_status mg_repro_build_data(mg_repro_ctx *ctx) {
    if (!cJSON_AddObjectToObject(ctx->config, "datasets")) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_repro_step(ctx, "sampling the Gaussian mixture", 0.0);
    MG_TRY(build_mog(ctx, &ctx->data[0]));
    ctx->ndata = 1;
    const char *fdir = ctx->cfg->fmnist_dir ? ctx->cfg->fmnist_dir : MG_FMNIST_DIR;
    const int want_fmnist = ctx->cfg->fmnist;
    if (want_fmnist) { /* the loader's own check of its four files decides whether it is installed */
        mg_repro_step(ctx, "loading Fashion-MNIST", 0.02);
        mg_status st = build_fmnist(ctx, &ctx->data[1]);
        if (st == MG_OK) {
            ctx->ndata = 2;
        } else {
            mg_repro_data_free(&ctx->data[1]);
            if (st != MG_ERR_NOT_FOUND) return st;
            mg_clear_error();
        }
    }
    char cells[4][11][48];
    const char *cellp[44];
    for (int i = 0; i < ctx->ndata; i++) {
        mg_repro_data *d = &ctx->data[i];
        set_params(ctx, d);
        char what[64];
        double span = 1.0 / ctx->ndata, base = i * span;
        snprintf(what, sizeof what, "%s: memorizing set", d->name);
        MG_TRY(train_set(ctx, &d->mem_params, d->mem, d->name, what, base, base + 0.35 * span, &d->mem_set,
                         &d->train_seconds[0]));
        snprintf(what, sizeof what, "%s: generalizing set", d->name);
        char rname[32];
        snprintf(rname, sizeof rname, "%s.gen", d->name);
        MG_TRY(train_set(ctx, &d->gen_params, d->gen, rname, what, base + 0.35 * span, base + span, &d->gen_set,
                         &d->train_seconds[1]));
        MG_TRY(record(ctx, d));
        setup_row(cells[2 * i], d, "memorizing", d->mem, &d->mem_params, d->train_seconds[0]);
        setup_row(cells[2 * i + 1], d, "generalizing", d->gen, &d->gen_params, d->train_seconds[1]);
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
        : want_fmnist ? " Fashion-MNIST was not found (install the Debian package dataset-fashion-mnist), so only the "
                        "MoG parts run."
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
            ctx->data[i].name, (long long)ctx->data[i].mem.rows, ctx->data[i].mem_max_cosine,
            ctx->data[i].mem_max_cosine <= 0 ? "separable" : "not separable"));
    cJSON_AddBoolToObject(ctx->config, "fmnist_used", ctx->ndata > 1);
    cJSON_AddStringToObject(ctx->config, "fmnist_dir", fdir);
    return MG_OK;
}
