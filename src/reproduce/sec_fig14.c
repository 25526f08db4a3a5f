/*
 * Section fig14 of `memgen reproduce` (paper Fig. 14-15, App. A.2): one-step
 * denoising of training and held-out test samples, y = f(x + sigma eps), with
 * the memorizing and the generalizing DAE at sigma = 0.2 and at the grid
 * level nearest sigma = 1. A memorizing DAE denoises its training samples
 * almost perfectly but maps a test sample to a training-like output (high
 * test MSE); a generalizing DAE denoises both about equally well. The hidden
 * layer of the same forward pass gives the representations of Fig. 15: test
 * samples should be as spiky as training ones under the memorizing model and
 * as balanced under the generalizing one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"
#include "memgen/neighbors.h"
#include "memgen/repr.h"
#include "repro.h"

#define SEC "fig14"
#define MEM_GAP 5.0     /* memorizing model: test MSE at least this many times train MSE */
#define GEN_CLOSE 1.25  /* generalizing model: test / train MSE at most this */
#define GEN_PARTIAL 2.0
#define REPR_LO 0.67    /* test / train median spikiness >= REPR_LO: "as spiky as" (memorizing model); */
                        /* inside [REPR_LO, REPR_HI]: "as balanced as" (generalizing model) */
#define REPR_HI 1.5

/* One (model, rows) cell: per-row MSE and spikiness. */
typedef struct {
    int64_t n;
    double *mse;     /* n: |f(x_t) - x|^2 / d */
    double *metric;  /* MG_SPIKE_COUNT x n: metric m of h(x_t) of row i at metric[m * n + i] */
    double mse_mean, std_median, top1_median;
    double cos_out;  /* mean largest cosine of the outputs to the reference rows (NaN without them) */
} f14_cell;

/* Frees a cell. */
static void cell_free(f14_cell *c) {
    free(c->mse), free(c->metric);
    memset(c, 0, sizeof *c);
}

/* Y = f(X + sigma eps) with the noise of stream k (row i: fork i), the
 * representation into H (n x p); Xt receives the noisy rows. All caller-sized. */
static mg_status denoise(mg_repro_ctx *ctx, const mg_dae *m, double sigma, uint64_t k, mg_mat X, mg_mat Xt, mg_mat H,
                         mg_mat Y) {
    mg_rng rng = mg_repro_rng(ctx, SEC, k);
    MG_TRY(mg_noisy_rows(X, sigma, &rng, 0, Xt));
    return mg_dae_forward(m, Xt, H, Y);
}

/* Mean over rows of the largest cosine to a training row. */
static mg_status mean_max_cos(mg_mat Q, mg_mat R, double *out) {
    int64_t *idx = mg_alloc((size_t)Q.rows, sizeof(int64_t));
    double *c = mg_alloc((size_t)Q.rows, sizeof(double));
    mg_status s = idx && c ? mg_max_cosine(Q, R, 0, idx, c) : mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    *out = 0;
    for (int64_t i = 0; i < Q.rows && s == MG_OK; i++) *out += c[i] / (double)Q.rows;
    free(idx), free(c);
    return s;
}

/* Fills a cell: denoises X with model m at sigma (noise stream k); with ref
 * (may be NULL), how close the outputs come to those rows (c->cos_out). */
static mg_status run_cell(mg_repro_ctx *ctx, const mg_dae *m, double sigma, uint64_t k, mg_mat X, const mg_mat *ref,
                          f14_cell *c) {
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    c->n = n;
    c->cos_out = NAN;
    c->mse = mg_alloc((size_t)n, sizeof(double));
    c->metric = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double));
    double *sc = mg_alloc((size_t)(n * MG_SPIKE_COUNT), sizeof(double)); /* n x MG_SPIKE_COUNT */
    mg_mat Xt = {n, d, d, mg_alloc((size_t)(n * d), sizeof(float))}, Y = {n, d, d, mg_alloc((size_t)(n * d), sizeof(float))};
    mg_mat H = {n, p, p, mg_alloc((size_t)(n * p), sizeof(float))};
    mg_status s = c->mse && c->metric && sc && Xt.data && Y.data && H.data
                      ? MG_OK
                      : mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    if (s == MG_OK) s = denoise(ctx, m, sigma, k, X, Xt, H, Y);
    if (s == MG_OK) s = mg_spikiness_all(H, sc);
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        for (int mt = 0; mt < MG_SPIKE_COUNT; mt++) c->metric[mt * n + i] = sc[i * MG_SPIKE_COUNT + mt];
    if (s == MG_OK && ref) s = mean_max_cos(Y, *ref, &c->cos_out);
    mg_summary sm;
    c->mse_mean = 0;
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        double e = 0;
        for (int64_t j = 0; j < d; j++) {
            double r = (double)Y.data[i * d + j] - X.data[i * X.ld + j];
            e += r * r;
        }
        c->mse[i] = e / (double)d;
        c->mse_mean += c->mse[i] / (double)n;
    }
    for (int pass = 0; pass < 2 && s == MG_OK; pass++) {
        mg_spike_metric mt = pass ? MG_SPIKE_TOP1 : MG_SPIKE_STD;
        s = mg_summarize(c->metric + mt * n, n, &sm);
        if (s == MG_OK) *(pass ? &c->top1_median : &c->std_median) = sm.median;
    }
    free(sc), free(Xt.data), free(Y.data), free(H.data);
    return s;
}

/* Fashion-MNIST grid at one sigma: columns = the memorizing training images
 * then as many test images; rows = clean, noisy, memorizing output,
 * generalizing output (the same noisy input to both models). */
static mg_status grid(mg_repro_ctx *ctx, const mg_repro_data *d, int level, uint64_t k) {
    int64_t nm = d->mem.rows, nt = nm < d->test.rows ? nm : d->test.rows, n = nm + nt, D = d->d;
    double sigma = ctx->sigmas[level];
    const mg_dae *mm = d->mem_set.levels[level], *mgn = d->gen_set.levels[level];
    float *G = mg_alloc((size_t)(4 * n * D), sizeof(float)); /* 4 x n images */
    if (!G) return mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    memcpy(G, d->mem.data, (size_t)(nm * D) * sizeof(float));
    memcpy(G + nm * D, d->test.data, (size_t)(nt * D) * sizeof(float));
    mg_mat X = {n, D, D, G}, Xt = {n, D, D, G + n * D}, Ym = {n, D, D, G + 2 * n * D}, Yg = {n, D, D, G + 3 * n * D};
    mg_mat Hn = {n, 0, 0, NULL};
    mg_status s = denoise(ctx, mm, sigma, k, X, Xt, Hn, Ym);
    if (s == MG_OK) s = mg_dae_forward(mgn, Xt, Hn, Yg);
    char rel[96], cap[400];
    snprintf(rel, sizeof rel, SEC "/fmnist_denoise_level%d.png", level);
    snprintf(cap, sizeof cap,
             "Fig. 14 at sigma = %.3g. Columns: the %lld memorizing training images (also in the generalizing "
             "training set), then %lld test images. Rows: clean, noisy input (clipped to [0, 1] for display), the "
             "memorizing DAE's output, the generalizing DAE's output.",
             sigma, (long long)nm, (long long)nt);
    if (s == MG_OK) s = mg_repro_image_grid(ctx, d, rel, G, 4 * n, (int)n, cap);
    free(G);
    return s;
}

/* Ratio a / b (NaN when b is 0). */
static double ratio(double a, double b) { return b != 0 ? a / b : NAN; }

/* Cells of one dataset: [level][model][rows], model 0 = memorizing, rows 0 =
 * train. The memorizing model's test cells carry the mean largest cosine of
 * their outputs to its training rows (cos_out; training-like outputs move
 * toward 1), cos_in that of the clean test inputs. */
typedef struct {
    int levels[2];
    f14_cell c[2][2][2];
    double cos_in;
} f14_data;

/* The MSE / representation table and the bar chart of the MSEs. */
static mg_status show(mg_repro_ctx *ctx, const mg_repro_data *d, const f14_data *r) {
    char cells[4][9][32];
    const char *cp[36];
    static const char *who[2] = {"memorizing", "generalizing"};
    char cats[4][48];
    const char *cn[4];
    double tr[4], te[4];
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 2; m++) {
            int row = 2 * m + l;
            const f14_cell *a = &r->c[l][m][0], *b = &r->c[l][m][1];
            snprintf(cells[row][0], 32, "%s", who[m]);
            snprintf(cells[row][1], 32, "%.3g", ctx->sigmas[r->levels[l]]);
            snprintf(cells[row][2], 32, "%.4g", a->mse_mean);
            snprintf(cells[row][3], 32, "%.4g", b->mse_mean);
            snprintf(cells[row][4], 32, "%.3g", ratio(b->mse_mean, a->mse_mean));
            snprintf(cells[row][5], 32, "%.4g", a->std_median);
            snprintf(cells[row][6], 32, "%.4g", b->std_median);
            snprintf(cells[row][7], 32, "%.3f", a->top1_median);
            snprintf(cells[row][8], 32, "%.3f", b->top1_median);
            for (int j = 0; j < 9; j++) cp[row * 9 + j] = cells[row][j];
            snprintf(cats[row], 48, "%s, sigma %.2g", m ? "gen" : "mem", ctx->sigmas[r->levels[l]]);
            cn[row] = cats[row];
            tr[row] = a->mse_mean;
            te[row] = b->mse_mean;
        }
    static const char *hdr[9] = {"DAE", "sigma", "train MSE", "test MSE", "test / train", "median std (train)",
                                 "median std (test)", "median top-1 share (train)", "median top-1 share (test)"};
    MG_TRY(mg_report_table(ctx->rep,
                           "One-step denoising error per pixel, mean over rows, and the spikiness of the hidden layer "
                           "of the same forward pass (Fig. 15).",
                           9, hdr, 4, cp));
    mg_plot *p;
    MG_TRY(mg_plot_create(640, 340, &p));
    char title[160];
    snprintf(title, sizeof title, "%s: one-step denoising error, train vs test", d->name);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    mg_plot_ylog(p, 1);
    mg_status s = mg_plot_categories(p, cn, 4);
    st.label = "training samples";
    st.color = "#2ca02c";
    if (s == MG_OK) s = mg_plot_bars(p, tr, 4, &st);
    st.label = "test samples";
    st.color = "#9467bd";
    if (s == MG_OK) s = mg_plot_bars(p, te, 4, &st);
    MG_TRY(mg_repro_plot_emit(ctx, p, s, title, NULL, "MSE per coordinate (log)",
                              "Per-coordinate MSE of one-step denoising. The paper expects the memorizing DAE's test "
                              "bar far above its train bar, and equal bars for the generalizing DAE."));
    /* Fig. 15: std distributions of train vs test under both models at sigma = 0.2 */
    MG_TRY(mg_plot_create(640, 340, &p));
    snprintf(title, sizeof title, "%s: representation std, train vs test (sigma = %.2g)", d->name,
             ctx->sigmas[r->levels[0]]);
    static const char *lab[4] = {"memorizing DAE, train", "memorizing DAE, test", "generalizing DAE, train",
                                 "generalizing DAE, test"};
    static const char *col[4] = {"#d62728", "#ff9896", "#1f77b4", "#aec7e8"};
    double lo = INFINITY, hi = -INFINITY;
    for (int q = 0; q < 4; q++) {
        const f14_cell *c = &r->c[0][q / 2][q % 2];
        for (int64_t i = 0; i < c->n; i++) {
            double v = c->metric[MG_SPIKE_STD * c->n + i];
            lo = v < lo ? v : lo, hi = v > hi ? v : hi;
        }
    }
    if (!(hi > lo)) hi = lo + 1;
    for (int q = 0; q < 4 && s == MG_OK; q++) {
        const f14_cell *c = &r->c[0][q / 2][q % 2];
        st.label = lab[q];
        st.color = col[q];
        s = mg_plot_hist(p, c->metric + MG_SPIKE_STD * c->n, c->n, 40, lo, hi, 1, &st, NULL);
    }
    return mg_repro_plot_emit(ctx, p, s, title, "std of h over hidden units", "density",
                              "Fig. 15: the memorizing model's test representations vs its training ones, and the "
                              "same for the generalizing model.");
}

/* Per-row files: MSE and metrics of every cell. */
static mg_status write_files(mg_repro_ctx *ctx, const mg_repro_data *d, const f14_data *r, char names[][96],
                             int *nf) {
    static const char *mn[2] = {"mem", "gen"}, *rn[2] = {"train", "test"};
    char hdr[200] = "mse";
    for (int m = 0; m < MG_SPIKE_COUNT; m++) strcat(hdr, ","), strcat(hdr, mg_spike_metric_name((mg_spike_metric)m));
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 2; m++)
            for (int q = 0; q < 2; q++) {
                const f14_cell *c = &r->c[l][m][q];
                const double *cols[1 + MG_SPIKE_COUNT] = {c->mse};
                for (int k = 0; k < MG_SPIKE_COUNT; k++) cols[1 + k] = c->metric + k * c->n;
                snprintf(names[*nf], 96, SEC "/%s_%s_%s_level%d.csv", d->name, mn[m], rn[q], r->levels[l]);
                MG_TRY(mg_repro_csv(ctx, names[*nf], hdr, 1 + MG_SPIKE_COUNT, c->n, cols));
                (*nf)++;
            }
    return MG_OK;
}

/* Claims of one dataset and its summary numbers. */
static mg_status claims(mg_repro_ctx *ctx, const mg_repro_data *d, const f14_data *r) {
    char claim[640], meas[768];
    double g[2], q[2], rs[2][2], rt[2][2]; /* test/train MSE: memorizing (g), generalizing (q); repr ratios */
    for (int l = 0; l < 2; l++) {
        g[l] = ratio(r->c[l][0][1].mse_mean, r->c[l][0][0].mse_mean);
        q[l] = ratio(r->c[l][1][1].mse_mean, r->c[l][1][0].mse_mean);
        for (int m = 0; m < 2; m++) {
            rs[l][m] = ratio(r->c[l][m][1].std_median, r->c[l][m][0].std_median);
            rt[l][m] = ratio(r->c[l][m][1].top1_median, r->c[l][m][0].top1_median);
        }
    }
    double s0 = ctx->sigmas[r->levels[0]], s1 = ctx->sigmas[r->levels[1]];
    snprintf(claim, sizeof claim,
             "App. A.2 / Fig. 14: the memorizing DAE denoises its training samples well but maps test samples to "
             "training-like outputs, so its test MSE is much higher than its train MSE. Holds when test MSE >= %.0f x "
             "train MSE at both noise levels; partly at one.",
             MEM_GAP);
    snprintf(meas, sizeof meas,
             "test / train MSE = %.3g at sigma %.3g (train %.4g, test %.4g) and %.3g at sigma %.3g (train %.4g, test "
             "%.4g). The outputs for test inputs are pulled toward the training images: mean largest cosine to a "
             "memorizing training image %.3f (clean test inputs) -> %.3f (outputs) at sigma %.3g, %.3f -> %.3f at "
             "sigma %.3g.",
             g[0], s0, r->c[0][0][0].mse_mean, r->c[0][0][1].mse_mean, g[1], s1, r->c[1][0][0].mse_mean,
             r->c[1][0][1].mse_mean, r->cos_in, r->c[0][0][1].cos_out, s0, r->cos_in, r->c[1][0][1].cos_out, s1);
    int ok = (g[0] >= MEM_GAP) + (g[1] >= MEM_GAP);
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, mg_repro_at_least(ok, 2, 1), NULL));
    snprintf(claim, sizeof claim,
             "App. A.2 / Fig. 14: the generalizing DAE denoises training and test samples equally well. Holds when "
             "test / train MSE <= %.2f at both noise levels; partly when <= %.1f.",
             GEN_CLOSE, GEN_PARTIAL);
    snprintf(meas, sizeof meas, "test / train MSE = %.3f at sigma %.3g (train %.4g, test %.4g), %.3f at sigma %.3g "
             "(train %.4g, test %.4g).",
             q[0], s0, r->c[0][1][0].mse_mean, r->c[0][1][1].mse_mean, q[1], s1, r->c[1][1][0].mse_mean,
             r->c[1][1][1].mse_mean);
    double qmax = q[0] > q[1] ? q[0] : q[1];
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, mg_repro_at_most(qmax, GEN_CLOSE, GEN_PARTIAL), NULL));
    snprintf(claim, sizeof claim,
             "App. A.2 / Fig. 15: test representations are (at least) as spiky as training ones under the memorizing "
             "DAE and as balanced as training ones under the generalizing DAE (sigma = %.3g). Holds when the test / "
             "train ratio of median std AND of median top-1 share is >= %.2f under the memorizing DAE and inside "
             "[%.2f, %.2f] under the generalizing DAE; partly when only one model meets it.",
             s0, REPR_LO, REPR_LO, REPR_HI);
    snprintf(meas, sizeof meas,
             "memorizing DAE: test / train median std %.3f, median top-1 share %.3f (%.3f vs %.3f); generalizing "
             "DAE: %.3f and %.3f (%.3f vs %.3f).",
             rs[0][0], rt[0][0], r->c[0][0][1].top1_median, r->c[0][0][0].top1_median, rs[0][1], rt[0][1],
             r->c[0][1][1].top1_median, r->c[0][1][0].top1_median);
    int in[2];
    for (int m = 0; m < 2; m++) /* "as spiky as" is one-sided for the memorizing model */
        in[m] = rs[0][m] >= REPR_LO && rt[0][m] >= REPR_LO && (m == 0 || (rs[0][m] <= REPR_HI && rt[0][m] <= REPR_HI));
    MG_TRY(mg_report_claim(ctx->rep, claim, meas,
                           in[0] && in[1] ? MG_VERDICT_PASS : in[0] || in[1] ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL,
                           NULL));
    cJSON *o = cJSON_AddObjectToObject(mg_repro_results(ctx, SEC), d->name);
    if (!o) return mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    static const char *mn[2] = {"mem", "gen"}, *rn[2] = {"train", "test"};
    for (int l = 0; l < 2; l++) {
        char key[32];
        snprintf(key, sizeof key, "sigma_%.3g", ctx->sigmas[r->levels[l]]);
        cJSON *lo = cJSON_AddObjectToObject(o, key);
        if (!lo) return mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
        for (int m = 0; m < 2; m++)
            for (int k = 0; k < 2; k++) {
                char kk[48];
                const f14_cell *c = &r->c[l][m][k];
                snprintf(kk, sizeof kk, "%s_%s_mse", mn[m], rn[k]);
                cJSON_AddNumberToObject(lo, kk, c->mse_mean);
                snprintf(kk, sizeof kk, "%s_%s_median_std", mn[m], rn[k]);
                cJSON_AddNumberToObject(lo, kk, c->std_median);
                snprintf(kk, sizeof kk, "%s_%s_median_top1", mn[m], rn[k]);
                cJSON_AddNumberToObject(lo, kk, c->top1_median);
            }
        cJSON_AddNumberToObject(lo, "mem_test_input_cos", r->cos_in);
        cJSON_AddNumberToObject(lo, "mem_test_output_cos", r->c[l][0][1].cos_out);
    }
    return MG_OK;
}

/* One dataset. */
static mg_status run_dataset(mg_repro_ctx *ctx, int di, int64_t ntr, int64_t nte) {
    const mg_repro_data *d = &ctx->data[di];
    MG_TRY(mg_report_subsection(ctx->rep, d->title));
    f14_data r;
    memset(&r, 0, sizeof r);
    r.levels[0] = ctx->level02;
    r.levels[1] = mg_daeset_nearest(&d->mem_set, 1.0);
    mg_mat rows[2][2]; /* [model][train/test] */
    memset(rows, 0, sizeof rows);
    mg_mat test = d->test, gtr = d->gen;
    if (test.rows > nte) test.rows = nte;
    if (gtr.rows > ntr) gtr.rows = ntr;
    mg_status s = mg_repro_cycle_rows(d->mem, ntr, &rows[0][0]);
    rows[0][1] = rows[1][1] = test;
    rows[1][0] = gtr;
    /* noise stream per (dataset, level, rows): the two models see the same noisy test rows */
    for (int l = 0; l < 2 && s == MG_OK; l++)
        for (int m = 0; m < 2 && s == MG_OK; m++)
            for (int q = 0; q < 2 && s == MG_OK; q++) {
                const mg_daeset *set = m ? &d->gen_set : &d->mem_set;
                uint64_t k = (uint64_t)(16 * di + 4 * l + (q ? 2 : m));
                const mg_mat *ref = m == 0 && q == 1 ? &d->mem : NULL; /* memorizing model, test rows */
                s = run_cell(ctx, set->levels[r.levels[l]], ctx->sigmas[r.levels[l]], k, rows[m][q], ref,
                             &r.c[l][m][q]);
            }
    if (s == MG_OK) s = mean_max_cos(test, d->mem, &r.cos_in);
    mg_repro_step(ctx, d->name, (di + 0.7) / ctx->ndata);
    if (s == MG_OK)
        s = mg_report_paragraphf(ctx->rep,
                                 "Rows: memorizing DAE, its %lld training samples cycled to %lld rows (each with its "
                                 "own noise draw) and %lld test rows; generalizing DAE, its first %lld training rows "
                                 "and the same %lld test rows with the same noise. Levels: sigma = %.3g and %.3g (the "
                                 "grid level nearest 1).",
                                 (long long)d->mem.rows, (long long)ntr, (long long)test.rows, (long long)gtr.rows,
                                 (long long)test.rows, ctx->sigmas[r.levels[0]], ctx->sigmas[r.levels[1]]);
    if (s == MG_OK) s = show(ctx, d, &r);
    for (int l = 0; l < 2 && s == MG_OK && d->img_h > 0; l++)
        s = grid(ctx, d, r.levels[l], (uint64_t)(16 * di + 12 + l));
    char names[10][96];
    const char *np[10];
    int nf = 0;
    if (s == MG_OK) s = write_files(ctx, d, &r, names, &nf);
    for (int i = 0; i < nf; i++) np[i] = names[i];
    if (s == MG_OK) s = mg_repro_files(ctx, np, nf);
    if (s == MG_OK) s = claims(ctx, d, &r);
    free(rows[0][0].data);
    for (int l = 0; l < 2; l++)
        for (int m = 0; m < 2; m++)
            for (int q = 0; q < 2; q++) cell_free(&r.c[l][m][q]);
    return s;
}

/* Section fig14: denoising and representations of training vs test samples. */
mg_status mg_repro_fig14(mg_repro_ctx *ctx) {
    int64_t ntr = mg_repro_pick(ctx, 40, 1000, 2000), nte = mg_repro_pick(ctx, 40, 1000, 2000);
    cJSON *set = mg_repro_settings(ctx, SEC);
    if (!set) return mg_fail(MG_ERR_NOMEM, "fig14: out of memory");
    cJSON_AddNumberToObject(set, "train_rows", (double)ntr);
    cJSON_AddNumberToObject(set, "test_rows", (double)nte);
    cJSON_AddNumberToObject(set, "mem_gap", MEM_GAP);
    cJSON_AddNumberToObject(set, "gen_close", GEN_CLOSE);
    cJSON_AddStringToObject(set, "rng_streams", "fig14/k, k = 16 * dataset + 4 * level + {0: mem train, 1: gen "
                                                "train, 2: test}, 12 + level: grids");
    MG_TRY(mg_report_paragraph(
        ctx->rep,
        "Paper (App. A.2, Fig. 14-15): denoising an unseen test image checks generalization. The memorizing DAE "
        "perfectly denoises a training image but turns a test image into a training-like output (high test MSE); the "
        "generalizing DAE denoises both while keeping input-specific structure. The memorizing DAE's test "
        "representations are spiky too (positive activations only at the stored samples a test image aligns with); "
        "the generalizing DAE's are as balanced as its training ones. memgen applies the sigma-level DAEs of the "
        "shared sets once to x + sigma eps (seeded) and reports the per-pixel MSE |f(x + sigma eps) - x|^2 / d and "
        "the spikiness of the hidden layer of the same pass."));
    for (int di = 0; di < ctx->ndata; di++) MG_TRY(run_dataset(ctx, di, ntr, nte));
    MG_TRY(mg_report_subsection(ctx->rep, "All numbers"));
    return mg_repro_summary_file(ctx, SEC);
}
