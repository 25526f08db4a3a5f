/*
 * The shared data of the experiments (experiment.h): the paper's two-mode
 * Gaussian mixture (App. A.1/B.1: mu_1 = -mu_2 = 5 e_1, exponentially
 * decaying spectra) or Fashion-MNIST (standing in for the paper's CelebA),
 * each in the memorization regime (2 samples per mode / 5 images chosen for
 * separability, p >= n) and the generalization regime (many samples,
 * p << n), with held-out test rows; and the DAE sets trained on both over a
 * noise grid (App. B.1: RMSprop lr 1e-3, weight decay 1e-2, full batch for
 * memorization; the generalizing sets use Adam lr 1e-3, wd 1e-4, batch 256
 * so that they converge in minutes instead of the paper's 4e7 steps).
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/data.h"
#include "memgen/experiment.h"

const char *const mg_exp_source_names[] = {"mog", "fmnist", NULL};

/* The recorded fields of one training's parameters, under a prefix. */
#define TRAIN_FIELDS(m, what)                                                                                      \
    MG_FIELD_AS(mg_exp_data_params, m.hidden, #m ".hidden", MG_FIELD_I64, "hidden units p of the " what " sets"),  \
        {#m ".optim", MG_FIELD_ENUM, offsetof(mg_exp_data_params, m.optim), "optimizer", mg_optim_names},          \
        {#m ".loss", MG_FIELD_ENUM, offsetof(mg_exp_data_params, m.loss), "loss convention (train.h)",            \
         mg_loss_names},                                                                                           \
        MG_FIELD_AS(mg_exp_data_params, m.lr, #m ".lr", MG_FIELD_F64, "learning rate"),                           \
        MG_FIELD_AS(mg_exp_data_params, m.weight_decay, #m ".weight_decay", MG_FIELD_F64,                          \
                    "PyTorch (coupled) weight decay"),                                                             \
        {#m ".batch_mode", MG_FIELD_ENUM, offsetof(mg_exp_data_params, m.batch_mode), "batch sampling",           \
         mg_batch_mode_names},                                                                                     \
        MG_FIELD_AS(mg_exp_data_params, m.batch, #m ".batch", MG_FIELD_I64, "rows per step (not full batch)"),     \
        MG_FIELD_AS(mg_exp_data_params, m.steps, #m ".steps", MG_FIELD_I64, "updates per noise level"),            \
        MG_FIELD_AS(mg_exp_data_params, m.tied, #m ".tied", MG_FIELD_BOOL, "W2 = W1")

static const mg_field DATA_PARAM_FIELDS[] = {
    {"source", MG_FIELD_ENUM, offsetof(mg_exp_data_params, source), "which dataset", mg_exp_source_names},
    MG_FIELD(mg_exp_data_params, d, MG_FIELD_I64, "dimension (Fashion-MNIST: 784)"),
    MG_FIELD(mg_exp_data_params, n_gen, MG_FIELD_I64, "generalizing training rows"),
    MG_FIELD(mg_exp_data_params, n_test, MG_FIELD_I64, "held-out rows"),
    MG_FIELD(mg_exp_data_params, name, MG_FIELD_STR, "the dataset's name (NULL: the source's)"),
    MG_FIELD(mg_exp_data_params, cov_scale, MG_FIELD_F64,
             "mixture: the covariance's largest eigenvalue (eigenvalues cov_scale x 0.9^j)"),
    MG_FIELD(mg_exp_data_params, mem_pool, MG_FIELD_I64,
             "Fashion-MNIST: the first training images the memorizing ones are picked among"),
    TRAIN_FIELDS(mem_train, "memorizing"),
    TRAIN_FIELDS(gen_train, "generalizing"),
};

/* The data parameters' descriptors. */
const mg_field *mg_exp_data_param_fields(int *n) {
    *n = (int)(sizeof DATA_PARAM_FIELDS / sizeof DATA_PARAM_FIELDS[0]);
    return DATA_PARAM_FIELDS;
}

/* Library defaults: the quick report's sizes. */
mg_exp_data_params mg_exp_data_params_default(mg_exp_source source) {
    mg_exp_data_params p;
    memset(&p, 0, sizeof p);
    p.source = source;
    mg_train_params m = MG_TRAIN_PARAMS_DEFAULT, g = MG_TRAIN_PARAMS_DEFAULT;
    m.hidden = source == MG_EXP_MOG ? 8 : 10; /* p = 2n: twice the memorizing rows (4 / 5) */
    m.optim = MG_OPTIM_RMSPROP;
    m.lr = 1e-3;
    m.weight_decay = 1e-2;
    m.batch_mode = MG_BATCH_FULL;
    m.steps = 20000;
    g.hidden = source == MG_EXP_MOG ? 50 : 64;
    g.optim = MG_OPTIM_ADAM;
    g.lr = 1e-3;
    g.weight_decay = 1e-4;
    g.batch = 256;
    g.batch_mode = MG_BATCH_SHUFFLE;
    g.steps = 1500;
    p.mem_train = m;
    p.gen_train = g;
    p.d = source == MG_EXP_MOG ? 1000 : 784;
    p.n_gen = 10000;
    p.n_test = source == MG_EXP_MOG ? 500 : 1000;
    p.mem_pool = 60000; /* the whole training split */
    p.cov_scale = 0.1;  /* tight modes: Definition 3.1 and Theorem 3.1's masks hold (the paper's 1 does not) */
    return p;
}

/* Row views. */
mg_mat mg_exp_mem(const mg_exp_data *d) { return mg_mat_of_array(&d->mem); }
mg_mat mg_exp_gen(const mg_exp_data *d) { return mg_mat_of_array(&d->gen); }
mg_mat mg_exp_test(const mg_exp_data *d) { return mg_mat_of_array(&d->test); }

/* Frees a dataset. */
void mg_exp_data_free(mg_exp_data *d) {
    if (!d) return;
    mg_array_free(&d->mem);
    mg_array_free(&d->gen);
    mg_array_free(&d->test);
    mg_array_free(&d->center);
    free(d->mem_labels);
    free(d->gen_labels);
    free(d->test_labels);
    mg_mog_free(&d->mog);
    mg_daeset_free(&d->mem_set);
    mg_daeset_free(&d->gen_set);
    memset(d, 0, sizeof *d);
}

/* Allocates an n x d float32 array and n labels. */
static mg_status alloc_rows(int64_t n, int64_t d, mg_array *X, int64_t **labels) {
    int64_t shape[2] = {n, d};
    MG_TRY(mg_array_alloc(X, MG_F32, 2, shape));
    *labels = mg_alloc((size_t)n, sizeof(int64_t));
    if (!*labels) return mg_fail(MG_ERR_NOMEM, "out of memory (%lld labels)", (long long)n);
    return MG_OK;
}

/* Cosine of two rows of length d (1 when either is zero). */
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

/* The paper's MoG: memorizing (2 per mode), generalizing and test rows. */
static mg_status build_mog(const mg_exp_data_params *p, const mg_rng *rng, mg_exp_data *d) {
    mg_mog_spec spec = MG_MOG_SPEC_DEFAULT;
    spec.d = p->d;
    spec.cov_scale = p->cov_scale;
    if (p->n_gen < 2 || p->n_gen % 2 || p->n_test < 2 || p->n_test % 2)
        return mg_fail(MG_ERR_ARG, "mixture data: n_gen and n_test must be even and >= 2 (one half per mode)");
    if (!(p->cov_scale > 0) || !isfinite(p->cov_scale))
        return mg_fail(MG_ERR_ARG, "mixture data: the covariance scale must be positive and finite (got %g)",
                       p->cov_scale);
    const mg_mog_spec paper = MG_MOG_SPEC_DEFAULT; /* App. B.1's mixture */
    if (p->cov_scale == paper.cov_scale)
        snprintf(d->title, sizeof d->title, "Gaussian mixture as the paper states it (2 modes, d = %lld, covariance "
                 "eigenvalues 0.9^j)", (long long)spec.d);
    else
        snprintf(d->title, sizeof d->title, "Gaussian mixture with tight modes (2 modes, d = %lld, covariance "
                 "eigenvalues %g x 0.9^j)", (long long)spec.d, p->cov_scale);
    d->d = spec.d;
    d->nclasses = 2;
    d->has_mog = 1;
    char fork[32];
    snprintf(fork, sizeof fork, "data.%s", d->name);
    mg_rng base = mg_rng_fork_named(rng, fork);
    mg_rng r = mg_rng_fork(&base, 0);
    MG_TRY(mg_mog_make(&spec, &r, &d->mog));
    const struct {
        mg_array *X;
        int64_t **lab;
        int64_t per;
    } parts[3] = {{&d->mem, &d->mem_labels, 2}, {&d->gen, &d->gen_labels, p->n_gen / 2},
                  {&d->test, &d->test_labels, p->n_test / 2}};
    for (int i = 0; i < 3; i++) {
        int64_t counts[2] = {parts[i].per, parts[i].per};
        MG_TRY(alloc_rows(2 * parts[i].per, spec.d, parts[i].X, parts[i].lab));
        mg_rng ri = mg_rng_fork(&base, (uint64_t)(1 + i));
        MG_TRY(mg_mog_sample(&d->mog, counts, 1, &ri, mg_mat_of_array(parts[i].X), *parts[i].lab));
    }
    return MG_OK;
}

/* Loads n Fashion-MNIST images (train or test file, the first n) as rows in [0, 1]. */
static mg_status load_fmnist(const mg_exp_data_params *p, const mg_rng *rng, int train, int64_t n, mg_array *X,
                             int64_t **labels) {
    mg_fmnist_opts o = {p->fmnist_dir, train, 0, n, 0};
    mg_array img;
    int64_t *lab = NULL, *idx = NULL;
    mg_rng base = mg_rng_fork_named(rng, "data.fmnist");
    mg_rng r = mg_rng_fork(&base, 0);
    MG_TRY(mg_fmnist_load(&o, &r, &img, &lab, &idx));
    free(idx);
    mg_status s = alloc_rows(img.shape[0], 784, X, labels);
    if (s == MG_OK) {
        const uint8_t *u = img.data;
        float *x = X->data;
        for (int64_t i = 0; i < img.shape[0] * 784; i++) x[i] = (float)u[i] / 255.0f;
        memcpy(*labels, lab, (size_t)img.shape[0] * sizeof(int64_t));
    }
    free(lab);
    mg_array_free(&img);
    return s;
}

/* The largest cosine of row i of X to the chosen rows other than chosen[skip]
 * (2 when i is one of them); stops early once it reaches `stop`. */
static double worst_cosine(mg_mat X, int64_t i, const int64_t *chosen, int m, int skip, double stop) {
    double worst = -2;
    for (int j = 0; j < m && worst < stop; j++) {
        if (j == skip) continue;
        if (chosen[j] == i) return 2;
        double c = row_cosine(X.data + i * X.ld, X.data + chosen[j] * X.ld, X.cols);
        if (c > worst) worst = c;
    }
    return worst;
}

/* Picks m rows of X "chosen for clear separability" (App. B.1): the first
 * row, then greedily the row whose largest cosine to those already chosen is
 * smallest; then, while it helps, each chosen row is swapped for the row with
 * the smallest largest cosine to the others (the largest pairwise cosine of
 * the set never grows). Writes the chosen indices. */
static void pick_separable(mg_mat X, int m, int64_t *chosen) {
    chosen[0] = 0;
    for (int k = 1; k < m; k++) {
        double best = 2;
        for (int64_t i = 0; i < X.rows; i++) {
            double worst = worst_cosine(X, i, chosen, k, -1, best);
            if (worst < best) {
                best = worst;
                chosen[k] = i;
            }
        }
    }
    for (int pass = 0, improved = 1; improved && pass < 10; pass++) {
        improved = 0;
        for (int k = 0; k < m; k++) {
            double best = worst_cosine(X, chosen[k], chosen, m, k, 2);
            int64_t pick = chosen[k];
            for (int64_t i = 0; i < X.rows; i++) {
                double worst = worst_cosine(X, i, chosen, m, k, best);
                if (worst < best) best = worst, pick = i;
            }
            improved |= pick != chosen[k];
            chosen[k] = pick;
        }
    }
}

/* Subtracts the mean row of X (computed in double) from X and from T; the
 * mean goes to center (1 x d). A bias-free DAE f(x) = W2 relu(W1^T x) is
 * positively homogeneous and cannot output a constant offset, so image data
 * are centred, as is usual for diffusion models (pixels in [-1, 1] or
 * standardised); displays add the centre back. */
static mg_status center_rows(mg_mat X, mg_mat T, mg_array *center) {
    int64_t shape[2] = {1, X.cols};
    MG_TRY(mg_array_alloc(center, MG_F32, 2, shape));
    double *acc = calloc((size_t)X.cols, sizeof(double));
    if (!acc) return mg_fail(MG_ERR_NOMEM, "out of memory");
    float *c = center->data;
    for (int64_t i = 0; i < X.rows; i++)
        for (int64_t j = 0; j < X.cols; j++) acc[j] += X.data[i * X.ld + j];
    for (int64_t j = 0; j < X.cols; j++) c[j] = (float)(acc[j] / (double)X.rows);
    free(acc);
    const mg_mat both[2] = {X, T};
    for (int k = 0; k < 2; k++)
        for (int64_t i = 0; i < both[k].rows; i++)
            for (int64_t j = 0; j < both[k].cols; j++) both[k].data[i * both[k].ld + j] -= c[j];
    return MG_OK;
}

/* Fashion-MNIST, centred by the generalizing set's mean image: the first
 * n_gen training images (generalization), the first n_test test images, and
 * 5 images (memorization) picked among the first mem_pool training images
 * (the whole split by default) so that every pairwise cosine of the centred
 * images is negative: Definition 3.1's separability with beta < 0, as the
 * authors' hand-picked CelebA images (their stored columns have pairwise
 * cosines -0.05 to -0.32). */
static mg_status build_fmnist(const mg_exp_data_params *p, const mg_rng *rng, mg_exp_data *d) {
    snprintf(d->title, sizeof d->title, "Fashion-MNIST (28 x 28, pixels in [0, 1], mean image subtracted)");
    d->d = 784;
    d->img_h = d->img_w = 28;
    d->vmin = 0.0f;
    d->vmax = 1.0f;
    d->nclasses = 10;
    const int m = 5;
    if (p->n_gen < 1 || p->mem_pool < m)
        return mg_fail(MG_ERR_ARG, "Fashion-MNIST: need n_gen >= 1 and at least %d images to pick from", m);
    mg_array pool = {0};
    int64_t *pool_labels = NULL, chosen[5];
    mg_status s = load_fmnist(p, rng, 1, p->n_gen > p->mem_pool ? p->n_gen : p->mem_pool, &pool, &pool_labels);
    int64_t npool = s == MG_OK ? pool.shape[0] : 0, ngen = p->n_gen < npool ? p->n_gen : npool;
    if (s == MG_OK) s = alloc_rows(ngen, 784, &d->gen, &d->gen_labels);
    if (s == MG_OK) {
        memcpy(d->gen.data, pool.data, (size_t)(ngen * 784) * sizeof(float));
        memcpy(d->gen_labels, pool_labels, (size_t)ngen * sizeof(int64_t));
        s = load_fmnist(p, rng, 0, p->n_test, &d->test, &d->test_labels);
    }
    if (s == MG_OK) s = center_rows(mg_exp_gen(d), mg_exp_test(d), &d->center);
    mg_mat P = mg_mat_of_array(&pool);
    if (s == MG_OK) {
        const float *c = d->center.data;
        for (int64_t i = 0; i < P.rows; i++)
            for (int64_t j = 0; j < 784; j++) P.data[i * P.ld + j] -= c[j];
        if (P.rows > p->mem_pool) P.rows = p->mem_pool;
        pick_separable(P, m, chosen);
        s = alloc_rows(m, 784, &d->mem, &d->mem_labels);
    }
    for (int k = 0; k < m && s == MG_OK; k++) {
        memcpy((float *)d->mem.data + k * 784, P.data + chosen[k] * P.ld, 784 * sizeof(float));
        d->mem_labels[k] = pool_labels[chosen[k]];
    }
    if (s == MG_OK && !(max_pair_cosine(mg_exp_mem(d)) < 0))
        s = mg_fail(MG_ERR_NUMERIC, "Fashion-MNIST: no %d images with negative pairwise cosines among the first %lld "
                    "(largest %.3f); give a larger mem_pool", m, (long long)P.rows, max_pair_cosine(mg_exp_mem(d)));
    mg_array_free(&pool);
    free(pool_labels);
    return s;
}

/* Training progress of one level, mapped into the build's fraction. */
typedef struct {
    mg_exp_progress_fn fn;
    void *ctx;
    char what[64];
    char detail[128];
    double f0, f1;      /* the fraction of the build this set spans */
    double l0, l1;      /* the running level's share */
} level_ctx;

/* mg_train_io.progress of a level: the step fraction into [l0, l1]. */
static void level_progress(void *vctx, const mg_train_progress *pr) {
    level_ctx *lc = vctx;
    double f = pr->total > 0 ? (double)pr->step / (double)pr->total : 1.0;
    lc->fn(lc->ctx, lc->detail, lc->l0 + f * (lc->l1 - lc->l0));
}

/* mg_train_set_opts.level_io: progress for level k. */
static void level_io(void *vctx, int level, int count, double sigma, mg_train_io *io) {
    level_ctx *lc = vctx;
    snprintf(lc->detail, sizeof lc->detail, "%s, level %d/%d (sigma %.3g)", lc->what, level + 1, count, sigma);
    double w = (lc->f1 - lc->f0) / count;
    lc->l0 = lc->f0 + level * w;
    lc->l1 = lc->l0 + w;
    io->log_every = 500;
    io->probe_rows = 1;
    if (lc->fn) {
        io->progress = level_progress;
        io->ctx = lc;
    }
}

/* Trains one set over sigmas (generator fork `rng_name` of rng). */
static mg_status train_set(const mg_train_params *p, const double *sigmas, int nsigmas, mg_mat X, const mg_rng *rng,
                           const char *rng_name, const char *what, mg_exp_progress_fn progress, void *pctx, double f0,
                           double f1, mg_daeset *out, double *seconds) {
    level_ctx lc;
    memset(&lc, 0, sizeof lc);
    lc.fn = progress;
    lc.ctx = pctx;
    snprintf(lc.what, sizeof lc.what, "%s", what);
    lc.f0 = f0;
    lc.f1 = f1;
    mg_train_set_opts o = {level_io, &lc, 0};
    mg_rng base = mg_rng_fork_named(rng, rng_name);
    mg_rng r = mg_rng_fork(&base, 0);
    double t = mg_now();
    mg_status s = mg_train_daeset(p, sigmas, nsigmas, X, &r, &o, out);
    *seconds = mg_now() - t;
    return s;
}

/* Builds a dataset and trains its two sets. */
mg_status mg_exp_data_build(const mg_exp_data_params *p, const double *sigmas, int nsigmas, const mg_rng *rng,
                            mg_exp_progress_fn progress, void *progress_ctx, mg_exp_data *out) {
    memset(out, 0, sizeof *out);
    if (!p || !sigmas || nsigmas < 1 || !rng) return mg_fail(MG_ERR_ARG, "building data: missing arguments");
    out->source = p->source;
    out->params = *p;
    out->params.name = NULL; /* the name lives in out->name */
    if (p->name && (!*p->name || strlen(p->name) >= sizeof out->name || strpbrk(p->name, "/. ")))
        return mg_fail(MG_ERR_ARG, "building data: a dataset name is 1 to %d letters, digits or _ (got '%s')",
                       (int)sizeof out->name - 1, p->name);
    snprintf(out->name, sizeof out->name, "%s", p->name ? p->name : mg_exp_source_names[p->source]);
    if ((int)p->source < 0 || p->source > MG_EXP_FMNIST)
        return mg_fail(MG_ERR_ARG, "building data: unknown source %d", (int)p->source);
    mg_status s = p->source == MG_EXP_MOG      ? build_mog(p, rng, out)
                  : p->source == MG_EXP_FMNIST ? build_fmnist(p, rng, out)
                                               : mg_fail(MG_ERR_ARG, "building data: unknown source %d", (int)p->source);
    if (s == MG_OK) out->mem_max_cosine = max_pair_cosine(mg_exp_mem(out));
    char what[64], gname[32];
    snprintf(what, sizeof what, "%s: memorizing set", out->name);
    if (s == MG_OK)
        s = train_set(&p->mem_train, sigmas, nsigmas, mg_exp_mem(out), rng, out->name, what, progress, progress_ctx,
                      0.0, 0.35, &out->mem_set, &out->train_seconds[0]);
    snprintf(what, sizeof what, "%s: generalizing set", out->name);
    snprintf(gname, sizeof gname, "%s.gen", out->name);
    if (s == MG_OK)
        s = train_set(&p->gen_train, sigmas, nsigmas, mg_exp_gen(out), rng, gname, what, progress, progress_ctx,
                      0.35, 1.0, &out->gen_set, &out->train_seconds[1]);
    if (s != MG_OK) mg_exp_data_free(out);
    return s;
}
