/*
 * Section fig4 of `memgen reproduce` (paper Fig. 4, Cor. 3.2 and 3.3): what
 * the encoder W1 of the sigma = 0.2 DAE stores. Memorizing model: every
 * training sample should be a column of W1 (Cor. 3.2, W1 = [r_i x_i, 0]), so
 * each sample's best cosine to a column is ~1. Generalizing model: no column
 * is a single training sample; the columns span the data's principal
 * directions (Cor. 3.3: per mode, the top eigenvectors of X_k X_k^T). The
 * latter is measured (a) on held-out rows: the share of their energy inside
 * span(W1) against the share inside the training set's top-p principal
 * subspace (the best any p-dimensional subspace does), and (b) for the MoG,
 * whose modes are separable: the block structure, each column's energy inside
 * the top-p eigen-subspace of one mode's scatter matrix.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/neighbors.h"
#include "memgen/repr.h"
#include "memgen/theory.h"
#include "repro.h"

#define SEC "fig4"
#define STORE_COS 0.95     /* a column "stores" a sample at cosine >= this */
#define SPAN_PASS 0.9      /* held-out energy in span(W1) / in the top-p subspace */
#define SPAN_PARTIAL 0.7
#define BLOCK_PASS 0.9     /* median over columns of the best mode's energy share */
#define BLOCK_PARTIAL 0.5

/* Squared norm of a float row in double. */
static double sqnorm(const float *x, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += (double)x[j] * x[j];
    return s;
}

/* Energy of row x inside span(U), U (d x q, orthonormal columns, row-major):
 * sum_j (x . u_j)^2. */
static double energy_in(const float *x, const double *U, int64_t d, int64_t q) {
    double e = 0;
    for (int64_t j = 0; j < q; j++) {
        double t = 0;
        for (int64_t i = 0; i < d; i++) t += (double)x[i] * U[i * q + j];
        e += t * t;
    }
    return e;
}

/* Share of the total energy of the rows of X inside span(U). */
static double energy_share(mg_mat X, const double *U, int64_t q) {
    double in = 0, tot = 0;
    for (int64_t i = 0; i < X.rows; i++) {
        const float *x = X.data + i * X.ld;
        in += energy_in(x, U, X.cols, q);
        tot += sqnorm(x, X.cols);
    }
    return tot > 0 ? in / tot : 0.0;
}

/* Everything measured on one dataset. */
typedef struct {
    mg_mat Cm, Cg;                     /* W1^T of the memorizing / generalizing DAE at sigma = 0.2 */
    int64_t *s_col; double *s_cos;     /* mem samples: best column of the memorizing W1, cosine */
    int64_t *cm_s; double *cm_cos;     /* memorizing columns: best training sample, cosine */
    int64_t *cg_s; double *cg_cos;     /* generalizing columns: best training sample, cosine */
    double *norm_m, *norm_g;           /* column norms */
    double span_w1, span_pca, span_mem; /* held-out energy shares: span(W1 gen), top-p PCA, span(W1 mem) */
    int64_t rank_g, rank_m;            /* dimensions of span(W1) */
    double *eblock;                    /* MoG: K x pg energy share of each column (row k: in mode k's subspace) */
    double *ebest;                     /* MoG: pg, max over modes */
    double block_median;
} f4_meas;

/* Frees the measurements. */
static void meas_free(f4_meas *m) {
    free(m->Cm.data), free(m->Cg.data);
    free(m->s_col), free(m->s_cos), free(m->cm_s), free(m->cm_cos), free(m->cg_s), free(m->cg_cos);
    free(m->norm_m), free(m->norm_g), free(m->eblock), free(m->ebest);
    memset(m, 0, sizeof *m);
}

/* Block structure of the generalizing columns (the two-mode MoG): each column's energy
 * share inside the top-p eigen-subspace of each mode's (uncentred) scatter
 * matrix, from at most cap rows per mode. */
static mg_status blocks(const mg_repro_data *d, f4_meas *m, int64_t cap) {
    int K = d->nclasses;
    int64_t p = m->Cg.rows, D = d->d;
    if (K != 2) return mg_fail(MG_ERR_ARG, "fig4: the block measures expect the report's two-mode mixture (K = %d)", K);
    m->eblock = mg_calloc((size_t)(p * K), sizeof(double));
    m->ebest = mg_calloc((size_t)p, sizeof(double));
    int64_t *rows = mg_alloc((size_t)d->gen.rows, sizeof(int64_t));
    mg_status s = m->eblock && m->ebest && rows ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    for (int k = 0; k < K && s == MG_OK; k++) {
        int64_t nr = 0;
        for (int64_t i = 0; i < d->gen.rows && nr < cap; i++)
            if (d->gen_labels[i] == k) rows[nr++] = i;
        mg_scatter_eig e;
        memset(&e, 0, sizeof e);
        s = mg_scatter_eig_top(d->gen, rows, nr, p, 1, &e);
        for (int64_t j = 0; j < p && s == MG_OK; j++) {
            const float *w = m->Cg.data + j * D;
            double n2 = sqnorm(w, D);
            m->eblock[k * p + j] = n2 > 0 ? energy_in(w, e.evecs, D, e.q) / n2 : 0.0;
            if (m->eblock[k * p + j] > m->ebest[j]) m->ebest[j] = m->eblock[k * p + j];
        }
        mg_scatter_eig_free(&e);
    }
    free(rows);
    if (s == MG_OK) {
        mg_summary sm;
        s = mg_summarize(m->ebest, p, &sm);
        m->block_median = sm.median;
    }
    return s;
}

/* All measurements of one dataset; the principal subspaces use at most cap
 * training rows (per mode for the MoG). */
static mg_status measure(mg_repro_ctx *ctx, const mg_repro_data *d, int64_t cap, f4_meas *m) {
    const mg_dae *mem = d->mem_set.levels[ctx->level02], *gen = d->gen_set.levels[ctx->level02];
    int64_t n = d->mem.rows, pm = mg_dae_hidden(mem), pg = mg_dae_hidden(gen), D = d->d;
    m->Cm = (mg_mat){pm, D, D, mg_alloc((size_t)(pm * D), sizeof(float))};
    m->Cg = (mg_mat){pg, D, D, mg_alloc((size_t)(pg * D), sizeof(float))};
    m->s_col = mg_alloc((size_t)n, sizeof(int64_t));
    m->s_cos = mg_alloc((size_t)n, sizeof(double));
    m->cm_s = mg_alloc((size_t)pm, sizeof(int64_t));
    m->cm_cos = mg_alloc((size_t)pm, sizeof(double));
    m->cg_s = mg_alloc((size_t)pg, sizeof(int64_t));
    m->cg_cos = mg_alloc((size_t)pg, sizeof(double));
    m->norm_m = mg_alloc((size_t)pm, sizeof(double));
    m->norm_g = mg_alloc((size_t)pg, sizeof(double));
    if (!m->Cm.data || !m->Cg.data || !m->s_col || !m->s_cos || !m->cm_s || !m->cm_cos || !m->cg_s || !m->cg_cos ||
        !m->norm_m || !m->norm_g)
        return mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    mg_dae_columns(mem, m->Cm.data, m->norm_m);
    mg_dae_columns(gen, m->Cg.data, m->norm_g);
    mg_repro_step(ctx, "matching samples and columns", 0.1);
    MG_TRY(mg_max_cosine(d->mem, m->Cm, 0, m->s_col, m->s_cos));
    MG_TRY(mg_max_cosine(m->Cm, d->mem, 0, m->cm_s, m->cm_cos));
    MG_TRY(mg_max_cosine(m->Cg, d->gen, 0, m->cg_s, m->cg_cos));
    /* (a) held-out energy in span(W1) vs the training set's top-p principal subspace */
    mg_repro_step(ctx, "principal subspaces", 0.3);
    mg_scatter_eig eg, ep, em;
    memset(&eg, 0, sizeof eg), memset(&ep, 0, sizeof ep), memset(&em, 0, sizeof em);
    mg_mat sub = d->gen;
    if (sub.rows > cap) sub.rows = cap;
    mg_status s = mg_scatter_eig_top(m->Cg, NULL, 0, pg, 1, &eg);
    if (s == MG_OK) s = mg_scatter_eig_top(m->Cm, NULL, 0, pm, 1, &em);
    if (s == MG_OK) s = mg_scatter_eig_top(sub, NULL, 0, pg, 1, &ep);
    if (s == MG_OK) {
        m->rank_g = eg.q;
        m->rank_m = em.q;
        m->span_w1 = energy_share(d->test, eg.evecs, eg.q);
        m->span_mem = energy_share(d->test, em.evecs, em.q);
        m->span_pca = energy_share(d->test, ep.evecs, ep.q);
    }
    mg_scatter_eig_free(&eg), mg_scatter_eig_free(&ep), mg_scatter_eig_free(&em);
    mg_repro_step(ctx, "mode subspaces", 0.6);
    if (s == MG_OK && d->has_mog) s = blocks(d, m, cap);
    return s;
}

/* Copies each row of C (p x d) into out scaled to [0, 1] by its own min and
 * max (a constant row becomes 0.5): per-column normalisation for display. */
static void normalise_rows(mg_mat C, float *out) {
    for (int64_t j = 0; j < C.rows; j++) {
        const float *c = C.data + j * C.ld;
        float lo = c[0], hi = c[0];
        for (int64_t i = 1; i < C.cols; i++) lo = c[i] < lo ? c[i] : lo, hi = c[i] > hi ? c[i] : hi;
        for (int64_t i = 0; i < C.cols; i++) out[j * C.cols + i] = hi > lo ? (c[i] - lo) / (hi - lo) : 0.5f;
    }
}

/* Fashion-MNIST pictures: training images over their best columns, all
 * memorizing columns, all generalizing columns (normalised per column). */
static mg_status grids(mg_repro_ctx *ctx, const mg_repro_data *d, const f4_meas *m) {
    int64_t n = d->mem.rows, D = d->d, pm = m->Cm.rows, pg = m->Cg.rows;
    float *nm = mg_alloc((size_t)(pm * D), sizeof(float)), *ng = mg_alloc((size_t)(pg * D), sizeof(float));
    float *pair = mg_alloc((size_t)(2 * n * D), sizeof(float));
    mg_status s = nm && ng && pair ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    if (s == MG_OK) {
        normalise_rows(m->Cm, nm);
        normalise_rows(m->Cg, ng);
        memcpy(pair, d->mem.data, (size_t)(n * D) * sizeof(float));
        mg_repro_uncenter(d, pair, n);
        for (int64_t i = 0; i < n; i++)
            memcpy(pair + (n + i) * D, nm + m->s_col[i] * D, (size_t)D * sizeof(float));
        s = mg_repro_image_grid_raw(ctx, d, SEC "/fmnist_mem_pairs.png", pair, 2 * n, (int)n,
                                "Top: the 5 memorizing training images. Bottom: for each, the column of the memorizing "
                                "DAE's W1 (sigma = 0.2) most cosine-similar to it (each column scaled to [0, 1]).");
    }
    if (s == MG_OK)
        s = mg_repro_image_grid_raw(ctx, d, SEC "/fmnist_mem_columns.png", nm, pm, (int)(pm < 10 ? pm : 10),
                                "All columns of the memorizing W1 (p = 2n), each scaled to [0, 1] (columns near zero "
                                "show up as noise). Cor. 3.2 expects n of them to be training images and the rest "
                                "zero.");
    if (s == MG_OK)
        s = mg_repro_image_grid_raw(ctx, d, SEC "/fmnist_gen_columns.png", ng, pg, 16,
                                "All columns of the generalizing W1 (sigma = 0.2), each scaled to [0, 1]. Cor. 3.3 "
                                "expects principal directions of the data (smooth prototypes and contrasts), not "
                                "individual training images.");
    free(nm), free(ng), free(pair);
    return s;
}

/* Plots: the memorizing samples' best cosines, and the per-column best
 * cosine to a training sample of both models. */
static mg_status plots(mg_repro_ctx *ctx, const mg_repro_data *d, const f4_meas *m) {
    int64_t n = d->mem.rows;
    char title[160];
    mg_plot *p;
    MG_TRY(mg_plot_create(600, 320, &p));
    char names[16][24];
    const char *np[16];
    for (int64_t i = 0; i < n && i < 16; i++) snprintf(names[i], 24, "x%lld", (long long)(i + 1)), np[i] = names[i];
    snprintf(title, sizeof title, "%s: best W1 column of each memorizing sample", d->name);
    mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
    st.label = "best cosine";
    mg_plot_style ref = MG_PLOT_STYLE_DEFAULT;
    ref.label = "0.95";
    ref.color = "#555555";
    ref.dashed = 1;
    mg_status s = mg_plot_categories(p, np, (int)(n < 16 ? n : 16));
    if (s == MG_OK) s = mg_plot_bars(p, m->s_cos, (int)(n < 16 ? n : 16), &st);
    if (s == MG_OK) s = mg_plot_hline(p, STORE_COS, &ref);
    mg_plot_ylim(p, 0.0, 1.05);
    MG_TRY(mg_repro_plot_emit(ctx, p, s, title, "training sample", "max cosine to a column of W1",
                              "Cor. 3.2: each bar near 1 means the sample is stored as a column."));
    MG_TRY(mg_plot_create(640, 320, &p));
    snprintf(title, sizeof title, "%s: best cosine of each W1 column to one sample", d->name);
    st.label = "memorizing W1";
    s = mg_plot_hist(p, m->cm_cos, m->Cm.rows, 25, -1.0, 1.0, 0, &st, NULL);
    st.label = "generalizing W1";
    if (s == MG_OK) s = mg_plot_hist(p, m->cg_cos, m->Cg.rows, 25, -1.0, 1.0, 0, &st, NULL);
    if (s == MG_OK) s = mg_plot_vline(p, STORE_COS, &ref);
    MG_TRY(mg_repro_plot_emit(ctx, p, s, title, "max cosine of the column to any training sample", "columns",
                              "Cor. 3.2 expects n memorizing columns at cosine ~1 (the rest zero, cosine ~0); "
                              "Cor. 3.3 expects no generalizing column near 1."));
    if (!d->has_mog) return MG_OK;
    MG_TRY(mg_plot_create(420, 380, &p));
    int64_t pg = m->Cg.rows;
    snprintf(title, sizeof title, "%s: block structure of the generalizing W1", d->name);
    st.label = "columns";
    mg_plot_xlim(p, 0, 1);
    mg_plot_ylim(p, 0, 1);
    s = mg_plot_scatter(p, m->eblock, m->eblock + pg, pg, &st);
    return mg_repro_plot_emit(ctx, p, s, title, "energy share in mode 1's top-p subspace",
                              "energy share in mode 2's top-p subspace",
                              "Cor. 3.3: each column belongs to one mode's block (a corner: (1, 0) or (0, 1)); a "
                              "column mixing modes would sit near the diagonal.");
}

/* Data files of one dataset; names receives the relative paths. */
static mg_status write_files(mg_repro_ctx *ctx, const mg_repro_data *d, const f4_meas *m, char names[][96],
                             int *nf) {
    int64_t n = d->mem.rows, pm = m->Cm.rows, pg = m->Cg.rows, D = d->d;
    snprintf(names[*nf], 96, SEC "/%s_W1_mem.npy", d->name);
    MG_TRY(mg_repro_npy(ctx, names[(*nf)++], mg_dae_w1_const(d->mem_set.levels[ctx->level02]), D, pm));
    snprintf(names[*nf], 96, SEC "/%s_W1_gen.npy", d->name);
    MG_TRY(mg_repro_npy(ctx, names[(*nf)++], mg_dae_w1_const(d->gen_set.levels[ctx->level02]), D, pg));
    int64_t mx = n > pm ? n : pm;
    mx = mx > pg ? mx : pg;
    double *idx = mg_alloc((size_t)mx, sizeof(double)), *col = mg_alloc((size_t)mx, sizeof(double));
    mg_status s = idx && col ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    for (int64_t i = 0; i < mx && s == MG_OK; i++) idx[i] = (double)i;
    if (s == MG_OK) {
        for (int64_t i = 0; i < n; i++) col[i] = (double)m->s_col[i];
        const double *c[3] = {idx, col, m->s_cos};
        snprintf(names[*nf], 96, SEC "/%s_mem_samples.csv", d->name);
        s = mg_repro_csv(ctx, names[(*nf)++], "sample,best_column,cosine", 3, n, c);
    }
    if (s == MG_OK) {
        for (int64_t j = 0; j < pm; j++) col[j] = (double)m->cm_s[j];
        const double *c[4] = {idx, m->norm_m, col, m->cm_cos};
        snprintf(names[*nf], 96, SEC "/%s_mem_columns.csv", d->name);
        s = mg_repro_csv(ctx, names[(*nf)++], "column,norm,best_sample,cosine", 4, pm, c);
    }
    if (s == MG_OK) {
        for (int64_t j = 0; j < pg; j++) col[j] = (double)m->cg_s[j];
        const double *c[7] = {idx, m->norm_g, col, m->cg_cos, m->eblock, m->eblock ? m->eblock + pg : NULL,
                              m->ebest};
        snprintf(names[*nf], 96, SEC "/%s_gen_columns.csv", d->name);
        s = mg_repro_csv(ctx, names[(*nf)++],
                         d->has_mog ? "column,norm,best_sample,cosine,energy_mode1,energy_mode2,energy_best"
                                    : "column,norm,best_sample,cosine",
                         d->has_mog ? 7 : 4, pg, c);
    }
    free(idx), free(col);
    return s;
}

/* Claims of one dataset and its summary numbers. */
static mg_status claims(mg_repro_ctx *ctx, const mg_repro_data *d, const f4_meas *m) {
    int64_t n = d->mem.rows, pg = m->Cg.rows, stored = 0, gen_stores = 0;
    double min_cos = 2, max_g = -2;
    for (int64_t i = 0; i < n; i++) {
        stored += m->s_cos[i] >= STORE_COS;
        if (m->s_cos[i] < min_cos) min_cos = m->s_cos[i];
    }
    int64_t distinct = 0; /* distinct columns used by the stored samples */
    for (int64_t i = 0; i < n; i++) {
        int first = 1;
        for (int64_t k = 0; k < i; k++) first &= m->s_col[k] != m->s_col[i];
        distinct += first && m->s_cos[i] >= STORE_COS;
    }
    for (int64_t j = 0; j < pg; j++) {
        gen_stores += m->cg_cos[j] >= STORE_COS;
        if (m->cg_cos[j] > max_g) max_g = m->cg_cos[j];
    }
    char claim[512], meas[768];
    snprintf(claim, sizeof claim,
             "Cor. 3.2 / Fig. 4 (left): the memorizing DAE (sigma = 0.2, p = %lld, n = %lld) stores every training "
             "sample as a column of W1. Holds when every sample has a column with cosine >= %.2f; partly when at least "
             "half do.",
             (long long)m->Cm.rows, (long long)n, STORE_COS);
    snprintf(meas, sizeof meas, "%lld of %lld samples stored (in %lld distinct columns); smallest best cosine %.4f.",
             (long long)stored, (long long)n, (long long)distinct, min_cos);
    mg_verdict v = stored == n ? MG_VERDICT_PASS : 2 * stored >= n ? MG_VERDICT_PARTIAL : MG_VERDICT_FAIL;
    /* Cor. 3.2's assumptions on this set: pairwise cosines < 0 and n lambda < min |x_i|^2 */
    int64_t *nb = mg_alloc((size_t)n, sizeof(int64_t));
    double *nc = mg_alloc((size_t)n, sizeof(double));
    mg_status s = nb && nc ? mg_max_cosine(d->mem, d->mem, 1, nb, nc) : mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    double beta = -2, xmin = INFINITY, lam = mg_train_effective_lambda(&d->mem_params, d->d);
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        beta = nc[i] > beta ? nc[i] : beta;
        double q = sqnorm(d->mem.data + i * d->mem.ld, d->d);
        xmin = q < xmin ? q : xmin;
    }
    free(nb), free(nc);
    MG_TRY(s);
    char note[512];
    snprintf(note, sizeof note,
             "Cor. 3.2 assumes (0, beta_1)-separable samples with beta_1 < 0 (pairwise negatively correlated) and "
             "n lambda < min |x_i|^2. Here the largest pairwise cosine is %.3f, and n lambda = %.3g (lambda = %.3g, "
             "the Eq. 6 lambda the training minimises) vs min |x_i|^2 = %.3g. Outside separability the paper expects "
             "a processed version of the data matrix instead (App. A.1, Fig. 11).",
             beta, (double)n * lam, lam, xmin);
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, v, note));
    snprintf(claim, sizeof claim,
             "Cor. 3.3 / Fig. 4 (right): the generalizing DAE (p = %lld, n = %lld) stores no single training sample: "
             "holds when no column reaches cosine %.2f with any training sample.",
             (long long)pg, (long long)d->gen.rows, STORE_COS);
    snprintf(meas, sizeof meas, "%lld of %lld columns reach it; the largest cosine of any column to any training "
             "sample is %.4f.", (long long)gen_stores, (long long)pg, max_g);
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, gen_stores == 0 ? MG_VERDICT_PASS : MG_VERDICT_FAIL, NULL));
    double ratio = m->span_pca > 0 ? m->span_w1 / m->span_pca : 0;
    snprintf(claim, sizeof claim,
             "Cor. 3.3: the generalizing W1 captures the data's statistics (its columns span principal directions of "
             "the data). Measured on held-out rows: the share of their energy inside span(W1) relative to the share "
             "inside the training set's top-p principal subspace (the best p-dimensional subspace). Holds at >= %.2f, "
             "partly at >= %.2f.",
             SPAN_PASS, SPAN_PARTIAL);
    snprintf(meas, sizeof meas,
             "span(W1) (dimension %lld) holds %.1f%% of the held-out energy, the top-%lld principal subspace %.1f%%: "
             "ratio %.3f. For contrast, the memorizing W1's span (dimension %lld) holds %.1f%%.",
             (long long)m->rank_g, 100 * m->span_w1, (long long)pg, 100 * m->span_pca, ratio, (long long)m->rank_m,
             100 * m->span_mem);
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, mg_repro_at_least(ratio, SPAN_PASS, SPAN_PARTIAL), NULL));
    if (d->has_mog) {
        snprintf(claim, sizeof claim,
                 "Cor. 3.3 / Thm. 3.1: the generalizing W1 is block-wise, each block inside one mode's principal "
                 "subspace. Holds when the median column has >= %.0f%% of its energy inside the top-p eigen-subspace "
                 "of one mode's scatter matrix X_k X_k^T; partly at >= %.0f%%.",
                 100 * BLOCK_PASS, 100 * BLOCK_PARTIAL);
        int64_t c0 = 0;
        for (int64_t j = 0; j < pg; j++) c0 += m->eblock[j] >= m->eblock[pg + j];
        snprintf(meas, sizeof meas,
                 "median best-mode energy share %.3f (a random direction: %.3f); %lld columns lean to mode 1, %lld to "
                 "mode 2.",
                 m->block_median, (double)pg / (double)d->d, (long long)c0, (long long)(pg - c0));
        MG_TRY(mg_report_claim(ctx->rep, claim, meas, mg_repro_at_least(m->block_median, BLOCK_PASS, BLOCK_PARTIAL),
                               NULL));
    }
    cJSON *r = cJSON_AddObjectToObject(mg_repro_results(ctx, SEC), d->name);
    if (!r) return mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    cJSON_AddNumberToObject(r, "mem_samples_stored", (double)stored);
    cJSON_AddNumberToObject(r, "mem_samples", (double)n);
    cJSON_AddNumberToObject(r, "mem_min_best_cosine", min_cos);
    cJSON_AddNumberToObject(r, "mem_max_pairwise_cosine", beta);
    cJSON_AddNumberToObject(r, "mem_n_lambda", (double)n * lam);
    cJSON_AddNumberToObject(r, "mem_min_sqnorm", xmin);
    cJSON_AddNumberToObject(r, "gen_columns_storing_a_sample", (double)gen_stores);
    cJSON_AddNumberToObject(r, "gen_max_column_sample_cosine", max_g);
    cJSON_AddNumberToObject(r, "heldout_energy_span_w1_gen", m->span_w1);
    cJSON_AddNumberToObject(r, "heldout_energy_top_p_pca", m->span_pca);
    cJSON_AddNumberToObject(r, "heldout_energy_span_w1_mem", m->span_mem);
    cJSON_AddNumberToObject(r, "span_ratio", ratio);
    cJSON_AddNumberToObject(r, "rank_w1_gen", (double)m->rank_g);
    if (d->has_mog) cJSON_AddNumberToObject(r, "block_median_energy", m->block_median);
    return MG_OK;
}

/* Section fig4: the encoder columns of the memorizing vs generalizing DAE. */
mg_status mg_repro_fig4(mg_repro_ctx *ctx) {
    int64_t cap = mg_repro_pick(ctx, 500, 2000, 5000);
    cJSON *set = mg_repro_settings(ctx, SEC);
    if (!set) return mg_fail(MG_ERR_NOMEM, "fig4: out of memory");
    cJSON_AddNumberToObject(set, "sigma", ctx->sigmas[ctx->level02]);
    cJSON_AddNumberToObject(set, "store_cosine", STORE_COS);
    cJSON_AddNumberToObject(set, "pca_rows_cap", (double)cap);
    MG_TRY(mg_report_paragraphf(
        ctx->rep,
        "Paper (Fig. 4): the encoder W1 of a DAE trained at sigma = 0.2 on 5 images stores the training images in its "
        "columns (Cor. 3.2: W1 = [r_1 x_1, ..., r_n x_n, 0, ..., 0]); trained on 10,000 images it captures data "
        "statistics (Cor. 3.3: per mode, the top eigenvectors of X_k X_k^T). memgen reads W1 of the sigma = %.3g "
        "level of the shared memorizing and generalizing sets, matches columns and samples by cosine similarity, and "
        "measures how much of held-out data the column span holds. The principal subspaces use at most %lld training "
        "rows (per mode for the MoG).",
        ctx->sigmas[ctx->level02], (long long)cap));
    for (int di = 0; di < ctx->ndata; di++) {
        const mg_repro_data *d = &ctx->data[di];
        MG_TRY(mg_report_subsection(ctx->rep, d->title));
        f4_meas m;
        memset(&m, 0, sizeof m);
        char names[8][96];
        const char *np[8];
        int nf = 0;
        mg_status s = measure(ctx, d, cap, &m);
        if (s == MG_OK) s = plots(ctx, d, &m);
        if (s == MG_OK && d->img_h > 0) s = grids(ctx, d, &m);
        if (s == MG_OK) s = write_files(ctx, d, &m, names, &nf);
        for (int i = 0; i < nf; i++) np[i] = names[i];
        if (s == MG_OK) s = mg_repro_files(ctx, np, nf);
        if (s == MG_OK) s = claims(ctx, d, &m);
        meas_free(&m);
        MG_TRY(s);
    }
    MG_TRY(mg_report_subsection(ctx->rep, "All numbers"));
    return mg_repro_summary_file(ctx, SEC);
}
