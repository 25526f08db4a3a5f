/*
 * Section fig16 of memgen reproduce: Fig. 16 / App. A.3. Jacobians of the
 * sigma = 0.2 DAEs of the shared sets, J(y) = W2 diag(mask(y)) W1^T
 * (jacobian.h), at noisy copies y = x + sigma eps of memorized training
 * samples (memorizing set) and of held-out test samples (generalizing set):
 * singular value spectra, effective ranks, the alignment of the top singular
 * vector with the nearest training sample, the share of J's energy along
 * that sample, and the share inside the principal subspace of the sample's
 * mode / class (the top eigenvectors of that class's training scatter
 * matrix, Eq. 10). Both datasets; medians and quartiles over the points.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/jacobian.h"
#include "memgen/repr.h"
#include "memgen/theory.h"
#include "repro.h"

/* Verdict thresholds, stated on the page. */
#define MEM_ERANK_PASS 1.5     /* memorized: median effective rank at most this ("~1") */
#define MEM_ERANK_PARTIAL 3.0
#define MEM_ALIGN_PASS 0.95    /* ... and median |cos(u1, nearest training sample)| at least this */
#define MEM_ALIGN_PARTIAL 0.90
#define GEN_ERANK_MIN 3.0      /* generalized: median effective rank at least this */
#define GEN_SAMPLE_MAX 0.5     /* ... median energy share along the nearest sample at most this */
#define GEN_CLASS_MIN 0.8      /* ... median energy share in the class's principal subspace at least this */

/* Statistics of the points of one model. */
typedef struct {
    const char *regime;     /* "memorizing" / "generalizing" */
    int64_t n, keep;        /* points, singular values kept per point */
    mg_jacobian_info *info; /* n */
    double *sv;             /* n x keep */
    double *sample_share;   /* n: energy share along the nearest training sample */
    double *class_share;    /* n: energy share in the class subspace */
    int64_t *cls;           /* n: class of the point */
    int64_t *src;           /* n: row of the source set (training or test) */
    double *align_mean;     /* n: |cos(u1, mean of the point's class in the model's training set)| */
    double *u1;             /* n x d: top left singular vectors */
    mg_summary erank, rank1, ratio, align, sshare, cshare, amean;
} jac_stats;

/* Frees one model's statistics. */
static void stats_free(jac_stats *j) {
    free(j->info), free(j->sv), free(j->sample_share), free(j->class_share), free(j->cls), free(j->src), free(j->u1);
    free(j->align_mean);
    memset(j, 0, sizeof *j);
}

/* The class subspaces (top-q eigenvectors of each class's training scatter), computed on demand. */
typedef struct {
    int64_t q;
    mg_scatter_eig *eig; /* nclasses, evecs NULL until computed */
} class_bases;

/* The orthonormal basis (d x q) of class k's principal subspace. */
static mg_status class_basis(const mg_repro_data *d, class_bases *cb, int64_t k, const double **U, int64_t *q) {
    mg_scatter_eig *e = &cb->eig[k];
    if (!e->evecs) {
        int64_t *rows = mg_alloc((size_t)d->gen.rows, sizeof(int64_t)), n = 0;
        if (!rows) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
        for (int64_t i = 0; i < d->gen.rows; i++)
            if (d->gen_labels[i] == k) rows[n++] = i;
        mg_status s = n > 0 ? mg_scatter_eig_top(d->gen, rows, n, cb->q, 1, e)
                            : mg_fail(MG_ERR_ARG, "fig16: class %lld has no training rows", (long long)k);
        free(rows);
        MG_TRY(s);
    }
    *U = e->evecs;
    *q = e->q;
    return MG_OK;
}

/* *sums (nclasses x d, malloc'd): row k is the sum of the rows of X labelled
 * k, added in row order (the direction of class k's mean; zero when empty). */
static mg_status class_sums(mg_mat X, const int64_t *labels, int nclasses, double **sums) {
    int64_t d = X.cols;
    *sums = mg_calloc((size_t)nclasses * (size_t)d, sizeof(double));
    if (!*sums) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    for (int64_t i = 0; i < X.rows; i++) {
        if (labels[i] < 0 || labels[i] >= nclasses)
            return mg_fail(MG_ERR_ARG, "fig16: row %lld has class %lld (of %d)", (long long)i, (long long)labels[i],
                           nclasses);
        double *sum = *sums + labels[i] * d;
        for (int64_t a = 0; a < d; a++) sum[a] += X.data[i * X.ld + a];
    }
    return MG_OK;
}

/* |cos(u, v)| of two d-vectors (0 when either is zero). */
static double abs_cos(const double *u, const double *v, int64_t d) {
    double uu = 0, vv = 0, uv = 0;
    for (int64_t a = 0; a < d; a++) uu += u[a] * u[a], vv += v[a] * v[a], uv += u[a] * v[a];
    return uu > 0 && vv > 0 ? fabs(uv) / sqrt(uu * vv) : 0.0;
}

/* Analyses the Jacobians of model m at noisy copies of the rows of P named
 * by j->src (classes j->cls), with `train` (labels train_labels) as the
 * model's training set. */
static mg_status analyse(mg_repro_ctx *ctx, const mg_repro_data *d, const mg_dae *m, mg_mat P, mg_mat train,
                         const int64_t *train_labels, class_bases *cb, uint64_t rng_k, jac_stats *j) {
    int64_t n = j->n, dim = d->d;
    j->keep = mg_dae_hidden(m);
    j->info = mg_calloc((size_t)n, sizeof(mg_jacobian_info));
    j->sv = mg_alloc((size_t)n * (size_t)j->keep, sizeof(double));
    j->sample_share = mg_alloc((size_t)n, sizeof(double));
    j->class_share = mg_alloc((size_t)n, sizeof(double));
    float *Y = mg_alloc((size_t)n * (size_t)dim, sizeof(float)); /* n x d: the points */
    double *unit = mg_alloc((size_t)dim, sizeof(double)), *sums = NULL;
    j->u1 = mg_alloc((size_t)n * (size_t)dim, sizeof(double));
    j->align_mean = mg_alloc((size_t)n, sizeof(double));
    mg_status s = j->info && j->sv && j->sample_share && j->class_share && Y && unit && j->u1 && j->align_mean
                      ? MG_OK
                      : mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    /* y_i = x_src[i] + sigma eps_i, the noise of point i from fork i of the section's generator */
    for (int64_t i = 0; i < n && s == MG_OK; i++)
        memcpy(Y + i * dim, P.data + j->src[i] * P.ld, (size_t)dim * sizeof(float));
    mg_rng r = mg_repro_rng(ctx, "fig16", rng_k);
    mg_mat Ym = {n, dim, dim, Y};
    if (s == MG_OK) s = mg_noisy_rows(Ym, ctx->sigmas[ctx->level02], &r, 0, Ym);
    if (s == MG_OK) s = mg_jacobian_analyze(m, Ym, train, j->info, j->sv, j->keep, j->u1);
    if (s == MG_OK) s = class_sums(train, train_labels, d->nclasses, &sums);
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        const float *y = Y + i * dim, *x = train.data + j->info[i].nn * train.ld;
        double nn = 0;
        for (int64_t a = 0; a < dim; a++) nn += (double)x[a] * x[a];
        for (int64_t a = 0; a < dim; a++) unit[a] = nn > 0 ? x[a] / sqrt(nn) : 0.0;
        s = mg_jacobian_subspace_share(m, y, unit, 1, &j->sample_share[i]);
        const double *U = NULL;
        int64_t q = 0;
        if (s == MG_OK) s = class_basis(d, cb, j->cls[i], &U, &q);
        if (s == MG_OK) s = mg_jacobian_subspace_share(m, y, U, q, &j->class_share[i]);
        if (s == MG_OK) j->align_mean[i] = abs_cos(j->u1 + i * dim, sums + j->cls[i] * dim, dim);
    }
    free(Y);
    free(unit);
    free(sums);
    double *v = mg_alloc((size_t)n, sizeof(double));
    if (s == MG_OK && !v) s = mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    struct {
        mg_summary *out;
        int what;
    } cols[4] = {{&j->erank, 0}, {&j->rank1, 1}, {&j->ratio, 2}, {&j->align, 3}};
    for (int c = 0; c < 4 && s == MG_OK; c++) {
        for (int64_t i = 0; i < n; i++) {
            const mg_jacobian_info *o = &j->info[i];
            v[i] = cols[c].what == 0 ? o->erank : cols[c].what == 1 ? (double)o->rank1pc
                   : cols[c].what == 2 ? o->sv_ratio : o->align_nn;
        }
        s = mg_summarize(v, n, cols[c].out);
    }
    free(v);
    if (s == MG_OK) s = mg_summarize(j->sample_share, n, &j->sshare);
    if (s == MG_OK) s = mg_summarize(j->class_share, n, &j->cshare);
    if (s == MG_OK) s = mg_summarize(j->align_mean, n, &j->amean);
    return s;
}

/* Median and 10% / 90% quantiles of the k-th singular value over the points
 * (linear interpolation between order statistics). */
static mg_status sv_quantiles(const jac_stats *j, double *med, double *lo, double *hi) {
    double *v = mg_alloc((size_t)j->n, sizeof(double));
    if (!v) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    mg_status s = MG_OK;
    for (int64_t k = 0; k < j->keep && s == MG_OK; k++) {
        for (int64_t i = 0; i < j->n; i++) v[i] = j->sv[i * j->keep + k];
        mg_summary sm;
        s = mg_summarize(v, j->n, &sm);
        med[k] = sm.median;
        /* 10% / 90% from the 5/25 and 75/95 quantiles would be coarse; use q05 / q95 as the spread */
        lo[k] = sm.q05;
        hi[k] = sm.q95;
    }
    free(v);
    return s;
}

/* The spectrum plot of one dataset: medians (solid) and 5-95% bands (dashed). */
static mg_status plot_spectra(mg_repro_ctx *ctx, const mg_repro_data *d, jac_stats *js, char *csv_rel, size_t csv_len) {
    int64_t keep = js[0].keep > js[1].keep ? js[0].keep : js[1].keep;
    double *buf = mg_calloc((size_t)keep * 7, sizeof(double));
    if (!buf) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    double *x = buf, *q[2][3];
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) q[r][c] = buf + keep * (1 + 3 * r + c);
    for (int64_t k = 0; k < keep; k++) x[k] = (double)(k + 1);
    mg_status s = MG_OK;
    for (int r = 0; r < 2 && s == MG_OK; r++) {
        for (int64_t k = 0; k < keep; k++) q[r][0][k] = q[r][1][k] = q[r][2][k] = NAN;
        s = sv_quantiles(&js[r], q[r][0], q[r][1], q[r][2]);
    }
    mg_plot *p = NULL;
    if (s == MG_OK) s = mg_plot_create(720, 400, &p);
    static const char *colors[2] = {"#d62728", "#1f77b4"};
    char title[160], lab[96];
    for (int r = 0; r < 2 && s == MG_OK; r++) {
        mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
        snprintf(lab, sizeof lab, "%s DAE at %s samples (median)", js[r].regime, r ? "test" : "training");
        st.label = lab;
        st.color = colors[r];
        st.marker = r ? MG_MARKER_SQUARE : MG_MARKER_CIRCLE;
        s = mg_plot_line(p, x, q[r][0], js[r].keep, &st);
        mg_plot_style b = MG_PLOT_STYLE_DEFAULT;
        b.color = colors[r];
        b.dashed = 1;
        b.width = 1;
        b.label = r ? "" : "5% and 95% quantiles (dashed)";
        if (s == MG_OK) s = mg_plot_line(p, x, q[r][1], js[r].keep, &b);
        b.label = NULL;
        if (s == MG_OK) s = mg_plot_line(p, x, q[r][2], js[r].keep, &b);
    }
    snprintf(title, sizeof title, "Jacobian singular values, %s, sigma = 0.2", d->name);
    if (p) mg_plot_ylog(p, 1);
    s = mg_repro_plot_emit(ctx, p, s, title, "index k", "singular value of J (log scale)",
                           "Singular values of J(x + sigma eps) around memorized training samples (memorizing set) and "
                           "around test samples (generalizing set). Zeros (beyond the number of active units) are "
                           "not drawn on the log axis, so a line ends where the median becomes 0.");
    snprintf(csv_rel, csv_len, "fig16/%s_spectra.csv", d->name);
    if (s == MG_OK) {
        const double *cols[7] = {x, q[0][0], q[0][1], q[0][2], q[1][0], q[1][1], q[1][2]};
        s = mg_repro_csv(ctx, csv_rel, "k,mem_median,mem_q05,mem_q95,gen_median,gen_q05,gen_q95", 7, keep, cols);
    }
    free(buf);
    return s;
}

/* Per-point CSV of one dataset. */
static mg_status write_points(mg_repro_ctx *ctx, const mg_repro_data *d, const jac_stats *js, char *rel, size_t len) {
    int64_t n = js[0].n + js[1].n;
    double *b = mg_alloc((size_t)n * 12, sizeof(double));
    if (!b) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    const double *cols[12];
    for (int c = 0; c < 12; c++) cols[c] = b + c * n;
    int64_t t = 0;
    for (int r = 0; r < 2; r++)
        for (int64_t i = 0; i < js[r].n; i++, t++) {
            const mg_jacobian_info *o = &js[r].info[i];
            double v[12] = {r, (double)js[r].src[i], (double)js[r].cls[i], (double)o->active, o->erank,
                            (double)o->rank1pc, o->sv_ratio, (double)o->nn, o->align_nn, js[r].align_mean[i],
                            js[r].sample_share[i], js[r].class_share[i]};
            for (int c = 0; c < 12; c++) b[c * n + t] = v[c];
        }
    snprintf(rel, len, "fig16/%s_points.csv", d->name);
    mg_status s = mg_repro_csv(ctx, rel,
                               "model_is_generalizing,source_row,class,active_units,erank,rank_above_1pct,sv1_share,"
                               "nearest_train_row,abs_cos_u1_nearest,abs_cos_u1_class_mean,energy_share_nearest_sample,"
                               "energy_share_class_subspace",
                               12, n, cols);
    free(b);
    return s;
}

/* Image data: the first (up to 5) points' clean images (in display units)
 * next to the top singular vector of J, min-max scaled to the display range,
 * as fig16/<data>_<key>_pairs.png; the vectors themselves go to u1_rel
 * (fig16/<data>_<key>_pairs_u1.npy). */
static mg_status image_pairs(mg_repro_ctx *ctx, const mg_repro_data *d, const jac_stats *j, mg_mat P, const char *key,
                             const char *caption, char *u1_rel, size_t u1_len) {
    int64_t dim = d->d, show = j->n < 5 ? j->n : 5;
    char rel[96];
    snprintf(rel, sizeof rel, "fig16/%s_%s_pairs.png", d->name, key);
    snprintf(u1_rel, u1_len, "fig16/%s_%s_pairs_u1.npy", d->name, key);
    float *g = mg_alloc((size_t)(2 * show) * (size_t)dim, sizeof(float));
    if (!g) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    for (int64_t i = 0; i < show; i++) {
        memcpy(g + (2 * i) * dim, P.data + j->src[i] * P.ld, (size_t)dim * sizeof(float));
        mg_repro_uncenter(d, g + (2 * i) * dim, 1);
        const double *u = j->u1 + i * dim;
        double lo = u[0], hi = u[0], span = (double)d->vmax - d->vmin;
        for (int64_t a = 1; a < dim; a++) lo = fmin(lo, u[a]), hi = fmax(hi, u[a]);
        for (int64_t a = 0; a < dim; a++)
            g[(2 * i + 1) * dim + a] = (float)(d->vmin + (hi > lo ? (u[a] - lo) / (hi - lo) : 0.5) * span);
    }
    mg_status s = mg_repro_image_grid_raw(ctx, d, rel, g, 2 * show, (int)(2 * show), caption);
    if (s == MG_OK) {
        for (int64_t i = 0; i < show; i++)
            for (int64_t a = 0; a < dim; a++) g[i * dim + a] = (float)j->u1[i * dim + a];
        s = mg_repro_npy(ctx, u1_rel, g, show, dim);
    }
    free(g);
    return s;
}

/* Formats "median [q25, q75]". */
static void fmt_iqr(char *buf, size_t n, const mg_summary *s, const char *f) {
    char a[24], b[24], c[24];
    snprintf(a, sizeof a, f, s->median);
    snprintf(b, sizeof b, f, s->q25);
    snprintf(c, sizeof c, f, s->q75);
    snprintf(buf, n, "%s [%s, %s]", a, b, c);
}

/* One dataset: points (draws noisy copies of each memorized sample, the
 * first ntest test samples), analyses, plot, table, claims, files. */
static mg_status one_dataset(mg_repro_ctx *ctx, int di, int64_t draws, int64_t ntest, cJSON *res, double f0,
                             double f1) {
    const mg_repro_data *d = &ctx->data[di];
    const mg_dae *mm = d->mem_set.levels[ctx->level02], *mgn = d->gen_set.levels[ctx->level02];
    jac_stats js[2];
    memset(js, 0, sizeof js);
    class_bases cb = {mg_dae_hidden(mgn), mg_calloc((size_t)d->nclasses, sizeof(mg_scatter_eig))};
    mg_status s = cb.eig ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    js[0].regime = "memorizing";
    js[1].regime = "generalizing";
    js[0].n = d->mem.rows * draws;
    js[1].n = ntest;
    for (int r = 0; r < 2 && s == MG_OK; r++) {
        js[r].cls = mg_alloc((size_t)js[r].n, sizeof(int64_t));
        js[r].src = mg_alloc((size_t)js[r].n, sizeof(int64_t));
        if (!js[r].cls || !js[r].src) s = mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    }
    if (s == MG_OK) {
        /* memorized points: each training sample `draws` times (different noise); test points: the first rows */
        for (int64_t i = 0; i < js[0].n; i++)
            js[0].src[i] = i % d->mem.rows, js[0].cls[i] = d->mem_labels[i % d->mem.rows];
        for (int64_t i = 0; i < js[1].n; i++) js[1].src[i] = i, js[1].cls[i] = d->test_labels[i];
    }
    char step[128];
    snprintf(step, sizeof step, "%s: Jacobians of the memorizing DAE", d->name);
    mg_repro_step(ctx, step, f0);
    if (s == MG_OK) s = analyse(ctx, d, mm, d->mem, d->mem, d->mem_labels, &cb, (uint64_t)(2 * di), &js[0]);
    snprintf(step, sizeof step, "%s: Jacobians of the generalizing DAE", d->name);
    mg_repro_step(ctx, step, (f0 + f1) / 2);
    if (s == MG_OK) s = analyse(ctx, d, mgn, d->test, d->gen, d->gen_labels, &cb, (uint64_t)(2 * di + 1), &js[1]);

    char sub[160], spec_rel[96], pts_rel[96], u1_rel[2][96];
    snprintf(sub, sizeof sub, "%s", d->title);
    if (s == MG_OK) s = mg_report_subsection(ctx->rep, sub);
    if (s == MG_OK)
        s = mg_report_paragraphf(ctx->rep,
                                 "Points: the %lld memorized training samples of the memorizing set, each with %lld "
                                 "noise draws (%lld points), and the first %lld test samples for the generalizing set, "
                                 "all at y = x + 0.2 eps. The class subspace is spanned by the top %lld eigenvectors "
                                 "of the scatter matrix of the point's %s in the generalizing training set (a random "
                                 "subspace of that size holds %.3f of the energy on average).",
                                 (long long)d->mem.rows, (long long)draws, (long long)js[0].n, (long long)js[1].n,
                                 (long long)cb.q, d->has_mog ? "mode" : "class", (double)cb.q / (double)d->d);
    if (s == MG_OK) s = plot_spectra(ctx, d, js, spec_rel, sizeof spec_rel);
    if (s == MG_OK && d->img_h > 0) {
        s = image_pairs(ctx, d, &js[0], d->mem, "mem",
                        "Memorizing DAE: each training image (left) and the top left singular vector of J at its "
                        "noisy copy (right, min-max scaled).",
                        u1_rel[0], sizeof u1_rel[0]);
        if (s == MG_OK)
            s = image_pairs(ctx, d, &js[1], d->test, "gen",
                            "Generalizing DAE: test images (left) and the top left singular vector of J at their "
                            "noisy copies (right, min-max scaled).",
                            u1_rel[1], sizeof u1_rel[1]);
    }
    if (s == MG_OK) {
        char cells[2][10][80];
        const char *cp[20];
        for (int r = 0; r < 2; r++) {
            snprintf(cells[r][0], 80, "%s", js[r].regime);
            snprintf(cells[r][1], 80, "%lld", (long long)js[r].n);
            fmt_iqr(cells[r][2], 80, &js[r].erank, "%.2f");
            fmt_iqr(cells[r][3], 80, &js[r].rank1, "%.0f");
            fmt_iqr(cells[r][4], 80, &js[r].ratio, "%.3f");
            fmt_iqr(cells[r][5], 80, &js[r].align, "%.3f");
            fmt_iqr(cells[r][6], 80, &js[r].amean, "%.3f");
            fmt_iqr(cells[r][7], 80, &js[r].sshare, "%.3f");
            fmt_iqr(cells[r][8], 80, &js[r].cshare, "%.3f");
            snprintf(cells[r][9], 80, "%lld", (long long)js[r].keep);
            for (int c = 0; c < 10; c++) cp[r * 10 + c] = cells[r][c];
        }
        static const char *hdr[10] = {"DAE (sigma = 0.2)", "points", "effective rank", "rank (sv > 1% sv1)",
                                      "sv1 / sum sv", "|cos(u1, nearest train)|", "|cos(u1, class mean)|",
                                      "energy along nearest train", "energy in class subspace", "hidden units"};
        s = mg_report_table(ctx->rep,
                            "Median [first quartile, third quartile] over the points. The class mean is that of the "
                            "model's own training set.", 10, hdr, 2, cp);
    }
    if (s == MG_OK) s = write_points(ctx, d, js, pts_rel, sizeof pts_rel);

    /* claims */
    const jac_stats *m = &js[0], *g = &js[1];
    double mem_beta = d->mem_max_cosine;
    char claim[256], meas[512], note[512];
    if (s == MG_OK) {
        mg_verdict v = m->erank.median <= MEM_ERANK_PASS && m->align.median >= MEM_ALIGN_PASS ? MG_VERDICT_PASS
                       : m->erank.median <= MEM_ERANK_PARTIAL && m->align.median >= MEM_ALIGN_PARTIAL
                           ? MG_VERDICT_PARTIAL
                           : MG_VERDICT_FAIL;
        snprintf(claim, sizeof claim,
                 "App. A.3 (%s): around memorized data the Jacobian is extremely low-rank and dominated by that data "
                 "vector (Cor. 3.2).", d->name);
        snprintf(meas, sizeof meas,
                 "Memorizing DAE, %lld points: median effective rank %.2f (max %.2f), median |cos(u1, nearest "
                 "training sample)| %.3f (min %.3f), median energy share along that sample %.3f; median |cos(u1, "
                 "mean of the sample's %s in the training set)| %.3f.",
                 (long long)m->n, m->erank.median, m->erank.max, m->align.median, m->align.min, m->sshare.median,
                 d->has_mog ? "mode" : "class", m->amean.median);
        snprintf(note, sizeof note,
                 "Holds when the median effective rank is <= %.1f and the median alignment >= %.2f; partly when <= "
                 "%.1f and >= %.2f. The largest cosine between two memorized samples is %.2f (Cor. 3.2 assumes it "
                 "negative). A top singular vector closer to the %s mean than to the sample itself means the DAE "
                 "stored the %s rather than each sample.",
                 MEM_ERANK_PASS, MEM_ALIGN_PASS, MEM_ERANK_PARTIAL, MEM_ALIGN_PARTIAL, mem_beta,
                 d->has_mog ? "mode's" : "class's", d->has_mog ? "mode" : "class");
        s = mg_report_claim(ctx->rep, claim, meas, v, note);
    }
    if (s == MG_OK) {
        int ok = (g->erank.median >= GEN_ERANK_MIN) + (g->sshare.median <= GEN_SAMPLE_MAX) +
                 (g->cshare.median >= GEN_CLASS_MIN);
        mg_verdict v = mg_repro_at_least(ok, 3, 2);
        snprintf(claim, sizeof claim,
                 "App. A.3 (%s): around generalized samples the Jacobian reflects the data structure (Cor. 3.3): "
                 "higher rank, its energy in the %s's principal subspace rather than along a single training sample.",
                 d->name, d->has_mog ? "mode" : "class");
        snprintf(meas, sizeof meas,
                 "Generalizing DAE, %lld test points: median effective rank %.2f (memorizing: %.2f), median energy "
                 "share along the nearest training sample %.3f (memorizing: %.3f), median share in the top-%lld "
                 "%s subspace %.3f (random subspace: %.3f).",
                 (long long)g->n, g->erank.median, m->erank.median, g->sshare.median, m->sshare.median,
                 (long long)cb.q, d->has_mog ? "mode" : "class", g->cshare.median, (double)cb.q / (double)d->d);
        snprintf(note, sizeof note,
                 "Holds when all three hold: median effective rank >= %.0f, median share along the nearest training "
                 "sample <= %.2f, median share in the class subspace >= %.2f; partly when two do.",
                 GEN_ERANK_MIN, GEN_SAMPLE_MAX, GEN_CLASS_MIN);
        s = mg_report_claim(ctx->rep, claim, meas, v, note);
    }
    if (s == MG_OK) {
        const char *files[4] = {spec_rel, pts_rel, u1_rel[0], u1_rel[1]}; /* the .npy files for image data only */
        s = mg_repro_files(ctx, files, d->img_h > 0 ? 4 : 2);
    }
    if (s == MG_OK) {
        cJSON *o = cJSON_AddObjectToObject(res, d->name);
        if (!o) s = mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
        else {
            cJSON_AddNumberToObject(o, "mem_erank_median", m->erank.median);
            cJSON_AddNumberToObject(o, "mem_align_median", m->align.median);
            cJSON_AddNumberToObject(o, "mem_sample_share_median", m->sshare.median);
            cJSON_AddNumberToObject(o, "gen_erank_median", g->erank.median);
            cJSON_AddNumberToObject(o, "gen_align_median", g->align.median);
            cJSON_AddNumberToObject(o, "gen_sample_share_median", g->sshare.median);
            cJSON_AddNumberToObject(o, "gen_class_share_median", g->cshare.median);
            cJSON_AddNumberToObject(o, "class_subspace_dim", (double)cb.q);
        }
    }
    for (int r = 0; r < 2; r++) stats_free(&js[r]);
    if (cb.eig)
        for (int k = 0; k < d->nclasses; k++) mg_scatter_eig_free(&cb.eig[k]);
    free(cb.eig);
    return s;
}

/* Section fig16. */
mg_status mg_repro_fig16(mg_repro_ctx *ctx) {
    int64_t draws = mg_repro_pick(ctx, 2, 8, 16), ntest = mg_repro_pick(ctx, 6, 32, 64);
    for (int di = 0; di < ctx->ndata; di++) /* the same test points for every dataset */
        if (ntest > ctx->data[di].test.rows) ntest = ctx->data[di].test.rows;
    cJSON *set = mg_repro_settings(ctx, "fig16");
    if (!set) return mg_fail(MG_ERR_NOMEM, "fig16: out of memory");
    cJSON_AddNumberToObject(set, "sigma", ctx->sigmas[ctx->level02]);
    cJSON_AddNumberToObject(set, "noise_draws_per_memorized_sample", (double)draws);
    cJSON_AddNumberToObject(set, "test_points", (double)ntest);
    cJSON_AddNumberToObject(set, "threshold_mem_erank", MEM_ERANK_PASS);
    cJSON_AddNumberToObject(set, "threshold_mem_align", MEM_ALIGN_PASS);
    cJSON_AddNumberToObject(set, "threshold_gen_erank_min", GEN_ERANK_MIN);
    cJSON_AddNumberToObject(set, "threshold_gen_sample_share_max", GEN_SAMPLE_MAX);
    cJSON_AddNumberToObject(set, "threshold_gen_class_share_min", GEN_CLASS_MIN);
    MG_TRY(mg_report_paragraph(
        ctx->rep,
        "Paper (App. A.3, Fig. 16c): the ReLU DAE is piecewise linear, J(x) = W2 diag(mask(x)) W1^T. Around memorized "
        "data its Jacobian is extremely low-rank and dominated by that specific data vector (Cor. 3.2); around "
        "generalized samples it reflects the data structure of Cor. 3.3 (a local Wiener filter of the mode)."));
    MG_TRY(mg_report_paragraph(
        ctx->rep,
        "What memgen measured: the Jacobians of the sigma = 0.2 DAEs of the shared sets, through the thin-QR SVD of "
        "the active factors (no d x d matrix is formed). Effective rank = exp(entropy of sv / sum sv) (1 for rank "
        "one); u1 = top left singular vector; \"energy along nearest train\" = |x_nn^T J|^2 / |J|_F^2 for the unit "
        "nearest training sample x_nn (1 when J only outputs that sample's direction); \"energy in class subspace\" = "
        "|U^T J|_F^2 / |J|_F^2 for U the class's principal subspace."));
    cJSON *res = mg_repro_results(ctx, "fig16");
    for (int di = 0; di < ctx->ndata; di++)
        MG_TRY(one_dataset(ctx, di, draws, ntest, res, (double)di / ctx->ndata, (double)(di + 1) / ctx->ndata));
    return MG_OK;
}
