/*
 * Section fig8 of `memgen reproduce` (paper Fig. 8, Eq. 11, Sec. 4.2, App.
 * B.3-B.4): representation steering. For each shared dataset, the steering
 * vectors v_k = mean representation of target-concept samples (the other MoG
 * mode; a Fashion-MNIST class) are computed per level of the generalizing and
 * of the memorizing DAE set (steer.h), and every starting sample is drawn
 * again with W2 (h + a v) during the final sampling steps, for a sweep of a
 * (same initial noise for every a). Steerability is measured per sample as
 * the distance of the result to the target centroid (and, for the MoG, the
 * target mode's posterior) as a function of a: monotonicity, largest jump,
 * kink, and the smooth / threshold-like / static class of steer.h, for
 * generalized samples of the generalizing set vs memorized samples (copies of
 * a non-target training sample) of the memorizing set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/memorization.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/steer.h"
#include "repro.h"

#define SEC "fig8"
#define RATIO (1.0 / 3.0)     /* new samples: NN ratio >= 1/3 against the set's own training rows */
#define COPY_COS 0.98         /* copies (up to scale): largest cosine to a training row >= 0.98 */
#define VEC_SIGMA 0.02        /* noise of the target representations (the paper's t = 10 of 1000) */
#define POST_SIGMA 0.05       /* MoG: noise level of the target-mode posterior */
#define GAIN_SCALE 0.5        /* the sweep ends at the first a of the scan where generalized samples cover half the way */
#define SMOOTH_PASS 0.5       /* generalized: at least half of the curves smooth */
#define BRITTLE_PASS 0.5      /* memorized: at least half threshold-like or static */
#define MORE_STEERABLE 2.0    /* generalized gain at least twice the memorized gain */
#define NSHOW 4               /* individual curves drawn per group */
static const double SCAN[] = {1.0 / 64, 1.0 / 32, 1.0 / 16, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32};
#define NSCAN ((int)(sizeof SCAN / sizeof SCAN[0]))

/* One set's sweep and its measures. */
typedef struct {
    const char *key, *label;
    const mg_daeset *set;
    mg_mat train;          /* its training rows (borrowed) */
    mg_steer_vectors vec;
    float *S;              /* na x n x d samples */
    mg_steer_curves cv;
    int *group;            /* n: 1 = in the analysed group (generalized / memorized copy of a non-target sample) */
    int64_t ngroup;
    mg_steer_summary sum;
    double med_cos, med_norm, train_norm; /* memorizing set only, at a = 0: median largest cosine and norm of the
                                             samples, median training-row norm */
} f8_set;

/* Frees a set's sweep. */
static void set_free(f8_set *s) {
    mg_steer_vectors_free(&s->vec);
    free(s->S);
    mg_steer_curves_free(&s->cv);
    free(s->group);
}

/* The sampling grid and the steering window shared by every sweep. */
typedef struct {
    double *sig;    /* nsteps ascending */
    int nsteps, final_steps, skip_last;
    mg_steer_params sp; /* window (alpha set per sweep) */
    int64_t n;      /* starting samples */
} f8_plan;

/* Draws the n starting samples with strength alpha into S (n x d), from
 * stream k of the section (the same initial noise for every alpha). */
static mg_status draw(mg_repro_ctx *ctx, mg_denoiser *den, const f8_plan *pl, double alpha, uint64_t k, float *S,
                      int64_t d) {
    MG_TRY(mg_denoiser_steered_set_alpha(den, alpha));
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.sigmas = pl->sig;
    p.nsigmas = pl->nsteps;
    mg_rng rng = mg_repro_rng(ctx, SEC, k);
    return mg_sample(den, &p, &rng, (mg_mat){pl->n, d, d, S});
}

/* Mean over samples of the fraction of the way to the centroid covered at
 * strength a relative to a = 0 (S0, Sa: n x d). */
static double mean_gain(const float *S0, const float *Sa, int64_t n, int64_t d, const float *c) {
    double g = 0;
    for (int64_t i = 0; i < n; i++) {
        double d0 = 0, d1 = 0;
        for (int64_t j = 0; j < d; j++) {
            double a = S0[i * d + j] - c[j], b = Sa[i * d + j] - c[j];
            d0 += a * a, d1 += b * b;
        }
        g += d0 > 0 ? (sqrt(d0) - sqrt(d1)) / sqrt(d0) : 0;
    }
    return g / (double)n;
}

/* Picks the end of the sweep on the generalizing set: the first a of SCAN at
 * which its samples cover GAIN_SCALE of the way to the target; if none does,
 * the a of SCAN with the largest mean gain (samples can overshoot the target:
 * the gain then falls again). */
static mg_status pick_amax(mg_repro_ctx *ctx, mg_denoiser *den, const f8_plan *pl, uint64_t k, int64_t d,
                           const float *c, double *amax) {
    float *S0 = mg_alloc((size_t)(pl->n * d), sizeof(float)), *Sa = mg_alloc((size_t)(pl->n * d), sizeof(float));
    mg_status s = S0 && Sa ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) s = draw(ctx, den, pl, 0.0, k, S0, d);
    double best = -INFINITY;
    *amax = SCAN[0];
    for (int i = 0; i < NSCAN && s == MG_OK; i++) {
        s = draw(ctx, den, pl, SCAN[i], k, Sa, d);
        double g = s == MG_OK ? mean_gain(S0, Sa, pl->n, d, c) : -INFINITY;
        if (g > best) best = g, *amax = SCAN[i];
        if (g >= GAIN_SCALE) break;
    }
    free(S0);
    free(Sa);
    return s;
}

/* The sweep of one set over alphas with den, its steered denoiser (same
 * initial noise, stream k, for every a), then its curves. */
static mg_status sweep(mg_repro_ctx *ctx, const mg_repro_data *dd, f8_set *fs, mg_denoiser *den, const f8_plan *pl,
                       const double *al, int na, uint64_t k, const float *c, const mg_steer_post *post) {
    int64_t d = dd->d, n = pl->n;
    fs->S = mg_alloc((size_t)na * (size_t)(n * d), sizeof(float)); /* na x n x d */
    mg_status s = fs->S ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory for the sweep");
    for (int j = 0; j < na && s == MG_OK; j++) s = draw(ctx, den, pl, al[j], k, fs->S + (size_t)j * (size_t)(n * d), d);
    if (s == MG_OK) s = mg_steer_measure(fs->S, na, al, n, d, c, post, &fs->cv);
    return s;
}

/* Nearest of the class centroids C (ncls x d) to row x. */
static int nearest_centroid(const float *x, const float *C, int ncls, int64_t d) {
    int best = 0;
    double bd = INFINITY;
    for (int k = 0; k < ncls; k++) {
        double s = 0;
        for (int64_t j = 0; j < d; j++) s += (x[j] - C[k * d + j]) * (double)(x[j] - C[k * d + j]);
        if (s < bd) bd = s, best = k;
    }
    return best;
}

/* Median of the Euclidean norms of the rows of X. */
static mg_status median_norm(mg_mat X, double *median) {
    double *nv;
    MG_TRY(mg_repro_row_norms(X, &nv));
    mg_summary sm;
    mg_status s = mg_summarize(nv, X.rows, &sm);
    if (s == MG_OK) *median = sm.median;
    free(nv);
    return s;
}

/* Marks the analysed starting samples of a set at a = 0: for the generalizing
 * set the new samples (NN ratio >= 1/3 and largest cosine < COPY_COS) outside
 * the target, for the memorizing set the copies of a training row of another
 * concept (and its median cosine and norms, for the claims' note). Copies are
 * found by cosine, not by the NN ratio: a bias-free ReLU DAE is positively
 * homogeneous (f(t x) = t f(x)), so its sampler ends on t x_i, a stored sample
 * at another scale, whose NN ratio is near 1. */
static mg_status mark_group(const mg_repro_data *dd, f8_set *fs, int memorizing, const int64_t *train_labels,
                            int target, const float *C, int64_t n) {
    mg_memratio mr;
    int64_t d = dd->d;
    MG_TRY(mg_memratio_compute((mg_mat){n, d, d, fs->S}, fs->train, RATIO, &mr));
    fs->group = malloc((size_t)n * sizeof(int));
    if (!fs->group) {
        mg_memratio_free(&mr);
        return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    }
    fs->ngroup = 0;
    for (int64_t i = 0; i < n; i++) {
        int in;
        if (memorizing) in = mr.cos_max[i] >= COPY_COS && train_labels[mr.cos_idx[i]] != target;
        else {
            int outside = fs->cv.post ? fs->cv.post[i * fs->cv.na] < 0.5
                                      : nearest_centroid(fs->S + i * d, C, dd->nclasses, d) != target;
            in = !mr.memorized[i] && mr.cos_max[i] < COPY_COS && outside;
        }
        fs->group[i] = in;
        fs->ngroup += in;
    }
    mg_status s = MG_OK;
    if (memorizing) {
        mg_summary sm;
        s = mg_summarize(mr.cos_max, n, &sm);
        if (s == MG_OK) fs->med_cos = sm.median;
        if (s == MG_OK) s = median_norm((mg_mat){n, d, d, fs->S}, &fs->med_norm);
        if (s == MG_OK) s = median_norm(fs->train, &fs->train_norm);
    }
    mg_memratio_free(&mr);
    if (s != MG_OK) return s;
    return mg_steer_summarize(&fs->cv, fs->group, 1, &fs->sum);
}

/* Curves plot: the distance to the target centroid relative to a = 0, mean
 * of each group and a few individual samples. */
static mg_status curves_plot(mg_repro_ctx *ctx, const mg_repro_data *dd, f8_set *sets, int post) {
    int na = sets[0].cv.na;
    const double *al = sets[0].cv.alphas;
    mg_plot *p;
    MG_TRY(mg_plot_create(640, 400, &p));
    char title[160];
    snprintf(title, sizeof title, "%s: steerability curves (Eq. 11)", dd->name);
    mg_status s = MG_OK;
    static const char *col[2] = {"#1f77b4", "#d62728"};
    double *y = malloc((size_t)na * sizeof(double)), *m = malloc((size_t)na * sizeof(double));
    if (s == MG_OK && (!y || !m)) s = mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    for (int g = 0; g < 2 && s == MG_OK; g++) {
        const mg_steer_curves *c = &sets[g].cv;
        int shown = 0;
        for (int j = 0; j < na; j++) m[j] = 0;
        for (int64_t i = 0; i < c->n && s == MG_OK; i++) {
            if (!sets[g].group[i]) continue;
            for (int j = 0; j < na; j++) {
                double d0 = c->dist[i * na];
                y[j] = post ? c->post[i * na + j] : d0 > 0 ? c->dist[i * na + j] / d0 : 1.0;
                m[j] += y[j] / (double)sets[g].ngroup;
            }
            if (shown++ < NSHOW) {
                mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
                st.color = col[g];
                st.width = 0.8;
                st.opacity = 0.45;
                s = mg_plot_line(p, al, y, na, &st);
            }
        }
        if (s == MG_OK && sets[g].ngroup > 0) {
            char lab[128];
            snprintf(lab, sizeof lab, "%s (mean of %lld)", sets[g].label, (long long)sets[g].ngroup);
            mg_plot_style st = MG_PLOT_STYLE_DEFAULT;
            st.label = lab;
            st.color = col[g];
            st.width = 3;
            st.marker = g ? MG_MARKER_SQUARE : MG_MARKER_CIRCLE;
            s = mg_plot_line(p, al, m, na, &st);
        }
    }
    free(y);
    free(m);
    return mg_repro_plot_emit(ctx, p, s, title, "steering strength a (multiples of the mean target representation v)",
                              post ? "posterior of the target mode" : "distance to target / at a = 0",
                              post ? "Posterior probability of the target mode (true mixture at sigma = 0.05) of each "
                                  "steered sample: thick lines are group means, thin lines individual samples. The "
                                  "posterior of one sample switches from 0 to 1 within a short stretch of its path "
                                  "(the modes are far apart), so individual curves look like steps even when the "
                                  "sample moves evenly; the distance plot above shows the path itself."
                                : "Distance of each steered sample to the target centroid, relative to its unsteered "
                                  "distance: thick lines are group means, thin lines individual samples. A smooth "
                                  "edit slides down steadily; a threshold-like one stays flat, then drops.");
}

/* Fashion-MNIST strip: a few samples of each group (rows) across the sweep (columns). */
static mg_status image_strip(mg_repro_ctx *ctx, const mg_repro_data *dd, f8_set *sets) {
    int na = sets[0].cv.na;
    int64_t d = dd->d, rows[6], nr = 0;
    const f8_set *from[6];
    for (int g = 0; g < 2; g++) {
        int taken = 0;
        for (int64_t i = 0; i < sets[g].cv.n && taken < 3; i++)
            if (sets[g].group[i]) rows[nr] = i, from[nr++] = &sets[g], taken++;
    }
    if (!nr) return MG_OK;
    float *G = mg_alloc((size_t)(nr * na * d), sizeof(float)); /* (nr * na) x d */
    if (!G) return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    for (int64_t r = 0; r < nr; r++)
        for (int j = 0; j < na; j++)
            memcpy(G + (r * na + j) * d, from[r]->S + ((size_t)j * (size_t)from[r]->cv.n + (size_t)rows[r]) * (size_t)d,
                   (size_t)d * sizeof(float));
    char cap[256];
    snprintf(cap, sizeof cap, "Sweeps of a from %.3g (left) to %.3g (right): the first rows are generalized samples of "
             "the generalizing set, the last rows memorized samples of the memorizing set.",
             sets[0].cv.alphas[0], sets[0].cv.alphas[na - 1]);
    mg_status s = mg_repro_image_grid(ctx, dd, SEC "/fmnist_strip.png", G, nr * na, na, cap);
    free(G);
    return s;
}

/* Writes per-sample measures and curves of one set. */
static mg_status write_set(mg_repro_ctx *ctx, const mg_repro_data *dd, const f8_set *fs, char names[][96], int *nf) {
    const mg_steer_curves *c = &fs->cv;
    int64_t n = c->n;
    int na = c->na;
    double *buf = malloc((size_t)n * 3 * sizeof(double)); /* 3 columns of n */
    double *cb = malloc((size_t)(n * na) * 5 * sizeof(double)); /* 5 columns of n * na */
    mg_status s = buf && cb ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) {
        for (int64_t i = 0; i < n; i++) buf[i] = (double)i, buf[n + i] = fs->group[i], buf[2 * n + i] = c->cls[i];
        const double *cols[10] = {buf, buf + n, buf + 2 * n, c->mono, c->spearman, c->jump, c->path_jump, c->kink,
                                  c->gain, NULL};
        snprintf(names[*nf], 96, SEC "/%s_%s_per_sample.csv", dd->name, fs->key);
        s = mg_repro_csv(ctx, names[*nf], "sample,in_group,class(0 static 1 smooth 2 threshold),mono,spearman,jump,"
                         "path_jump,kink,gain", 9, n, cols);
        if (s == MG_OK) (*nf)++;
    }
    if (s == MG_OK) {
        int64_t m = n * na;
        for (int64_t i = 0; i < n; i++)
            for (int j = 0; j < na; j++) {
                int64_t r = i * na + j;
                cb[r] = (double)i, cb[m + r] = c->alphas[j], cb[2 * m + r] = c->dist[r], cb[3 * m + r] = c->disp[r];
                cb[4 * m + r] = c->post ? c->post[r] : NAN;
            }
        const double *cols[5] = {cb, cb + m, cb + 2 * m, cb + 3 * m, cb + 4 * m};
        snprintf(names[*nf], 96, SEC "/%s_%s_curves.csv", dd->name, fs->key);
        s = mg_repro_csv(ctx, names[*nf], "sample,alpha,distance_to_target,displacement,target_posterior", 5, m, cols);
        if (s == MG_OK) (*nf)++;
    }
    free(buf);
    free(cb);
    return s;
}

/* A summary row of a group ("n/a" cells for an empty group). */
static void summary_row(char cells[][40], const f8_set *fs) {
    const mg_steer_summary *m = &fs->sum;
    snprintf(cells[0], 40, "%s", fs->label);
    snprintf(cells[1], 40, "%lld", (long long)m->count);
    if (m->count == 0) {
        for (int j = 2; j < 9; j++) snprintf(cells[j], 40, "n/a");
        return;
    }
    snprintf(cells[2], 40, "%.3f", m->mono);
    snprintf(cells[3], 40, "%.3f", m->spearman);
    snprintf(cells[4], 40, "%.3f", m->path_jump);
    snprintf(cells[5], 40, "%.3f", m->kink_median);
    snprintf(cells[6], 40, "%.3f", m->gain);
    snprintf(cells[7], 40, "%.2f / %.2f / %.2f", m->frac_smooth, m->frac_threshold, m->frac_static);
    snprintf(cells[8], 40, "%.3g -> %.3g", m->dist_first, m->dist_last);
}

/* A JSON object of a group summary. */
static cJSON *summary_json(const f8_set *fs) {
    const mg_steer_summary *m = &fs->sum;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "count", (double)m->count);
    cJSON_AddNumberToObject(o, "mono", m->mono);
    cJSON_AddNumberToObject(o, "spearman", m->spearman);
    cJSON_AddNumberToObject(o, "jump", m->jump);
    cJSON_AddNumberToObject(o, "path_jump", m->path_jump);
    cJSON_AddNumberToObject(o, "kink_median", m->kink_median);
    cJSON_AddNumberToObject(o, "gain", m->gain);
    cJSON_AddNumberToObject(o, "frac_smooth", m->frac_smooth);
    cJSON_AddNumberToObject(o, "frac_threshold", m->frac_threshold);
    cJSON_AddNumberToObject(o, "frac_static", m->frac_static);
    cJSON_AddNumberToObject(o, "dist_first", m->dist_first);
    cJSON_AddNumberToObject(o, "dist_last", m->dist_last);
    if (fs->cv.post) {
        cJSON_AddNumberToObject(o, "post_first", m->post_first);
        cJSON_AddNumberToObject(o, "post_last", m->post_last);
    }
    return o;
}

/* The target concept of a dataset: MoG mode 2 (component 1); for images the
 * class with most test rows among those not in the memorizing set. Fills the
 * target rows (malloc'd copy, m x d) and their centroid (d). */
static mg_status target_rows(const mg_repro_data *dd, int *target, float **Xt, int64_t *m, float *c) {
    int64_t d = dd->d, cnt[16] = {0};
    int t = 1;
    if (!dd->has_mog) {
        int used[16] = {0};
        for (int64_t i = 0; i < dd->mem.rows; i++) used[dd->mem_labels[i] & 15] = 1;
        for (int64_t i = 0; i < dd->test.rows; i++) cnt[dd->test_labels[i] & 15]++;
        t = -1;
        for (int k = 0; k < dd->nclasses && k < 16; k++)
            if (!used[k] && (t < 0 || cnt[k] > cnt[t])) t = k;
        if (t < 0) return mg_fail(MG_ERR_ARG, "fig8: every class is in the memorizing set");
    }
    int64_t k = 0;
    for (int64_t i = 0; i < dd->test.rows; i++) k += dd->test_labels[i] == t;
    if (k < 1) return mg_fail(MG_ERR_ARG, "fig8: no held-out row of the target concept");
    *Xt = mg_alloc((size_t)(k * d), sizeof(float));
    if (!*Xt) return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    double *acc = mg_calloc((size_t)d, sizeof(double));
    if (!acc) return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    k = 0;
    for (int64_t i = 0; i < dd->test.rows; i++)
        if (dd->test_labels[i] == t) {
            memcpy(*Xt + k * d, dd->test.data + i * dd->test.ld, (size_t)d * sizeof(float));
            for (int64_t j = 0; j < d; j++) acc[j] += (*Xt)[k * d + j];
            k++;
        }
    for (int64_t j = 0; j < d; j++) c[j] = (float)(acc[j] / (double)k);
    free(acc);
    *target = t;
    *m = k;
    return MG_OK;
}

/* Class centroids of the held-out rows (nclasses x d), for "outside the target". */
static mg_status class_centroids(const mg_repro_data *dd, float **C) {
    int64_t d = dd->d, K = dd->nclasses;
    double *acc = mg_calloc((size_t)(K * d), sizeof(double)), *cnt = mg_calloc((size_t)K, sizeof(double));
    *C = mg_alloc((size_t)(K * d), sizeof(float));
    mg_status s = acc && cnt && *C ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    for (int64_t i = 0; s == MG_OK && i < dd->test.rows; i++) {
        int64_t k = dd->test_labels[i];
        if (k < 0 || k >= K) continue;
        cnt[k]++;
        for (int64_t j = 0; j < d; j++) acc[k * d + j] += dd->test.data[i * dd->test.ld + j];
    }
    for (int64_t k = 0; s == MG_OK && k < K; k++)
        for (int64_t j = 0; j < d; j++) (*C)[k * d + j] = cnt[k] > 0 ? (float)(acc[k * d + j] / cnt[k]) : INFINITY;
    free(acc);
    free(cnt);
    return s;
}

/* The claims of one dataset. */
static mg_status claims(mg_repro_ctx *ctx, const mg_repro_data *dd, const f8_set *sets, cJSON *res) {
    const mg_steer_summary *g = &sets[0].sum, *m = &sets[1].sum;
    char claim[768], meas[768], note[768];
    snprintf(claim, sizeof claim,
             "Fig. 8 (%s): generalized samples change smoothly and progressively as the strength a grows. Holds when "
             "at least %.0f%% of their curves are smooth (steer.h: no single a step carries more than half of the "
             "path and the fastest step is less than 3x the slowest) and they move toward the target (mean gain > 0).",
             dd->name, 100 * SMOOTH_PASS);
    snprintf(meas, sizeof meas, "%lld generalized samples: %.0f%% smooth, %.0f%% threshold-like, %.0f%% static; "
             "monotonicity %.2f, median kink %.2f, largest-jump share %.2f, mean gain %.2f.",
             (long long)g->count, 100 * g->frac_smooth, 100 * g->frac_threshold, 100 * g->frac_static, g->mono,
             g->kink_median, g->path_jump, g->gain);
    mg_verdict vg = g->count == 0 ? MG_VERDICT_NA
                    : g->frac_smooth >= SMOOTH_PASS && g->gain > 0 ? MG_VERDICT_PASS
                    : g->frac_smooth > 0 ? MG_VERDICT_PARTIAL
                                         : MG_VERDICT_FAIL;
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, vg, g->count ? NULL : "No generalized sample started outside the "
                                                                       "target concept."));
    snprintf(claim, sizeof claim,
             "Fig. 8 (%s): memorized samples respond in a brittle, threshold-like way (or barely move). Holds when at "
             "least %.0f%% of their curves are threshold-like or static and their median kink exceeds the generalized "
             "samples'; partly when only one of the two holds.",
             dd->name, 100 * BRITTLE_PASS);
    snprintf(meas, sizeof meas, "%lld memorized samples: %.0f%% threshold-like, %.0f%% static, %.0f%% smooth; "
             "monotonicity %.2f, median kink %.2f (generalized %.2f), largest-jump share %.2f, mean gain %.2f.",
             (long long)m->count, 100 * m->frac_threshold, 100 * m->frac_static, 100 * m->frac_smooth, m->mono,
             m->kink_median, g->kink_median, m->path_jump, m->gain);
    double brittle = m->frac_threshold + m->frac_static;
    int a = brittle >= BRITTLE_PASS, b = m->kink_median > g->kink_median;
    mg_verdict vm = m->count == 0 ? MG_VERDICT_NA : a && b ? MG_VERDICT_PASS : a || b ? MG_VERDICT_PARTIAL
                                                                                      : MG_VERDICT_FAIL;
    snprintf(note, sizeof note,
             "No sample of the memorizing set is a copy (largest cosine >= %.2f) of a training sample outside the "
             "target: its %lld samples have median largest cosine %.3f and median norm %.3g, against %.3g for its "
             "training rows. Started from N(0, sigma_max^2 I), DDIM with this set ends on shrunken superpositions of "
             "the stored samples rather than on one of them (see Fig. 3), so there is no memorized sample to steer.",
             COPY_COS, (long long)sets[1].cv.n, sets[1].med_cos, sets[1].med_norm, sets[1].train_norm);
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, vm, m->count ? NULL : note));
    snprintf(claim, sizeof claim,
             "Sec. 4 (%s): generalized samples are substantially more steerable than memorized ones, which show "
             "minimal editing effects. Holds when the generalized samples' mean gain (fraction of the way to the "
             "target covered at the largest a) is at least %.0fx the memorized samples'; partly when it is larger.",
             dd->name, MORE_STEERABLE);
    snprintf(meas, sizeof meas, "Mean gain at a = %.3g: generalized %.3f, memorized %.3f.", sets[0].cv.alphas[sets[0].cv.na - 1],
             g->gain, m->gain);
    mg_verdict vs = g->count == 0 || m->count == 0 ? MG_VERDICT_NA
                    : g->gain > 0 && g->gain >= MORE_STEERABLE * fmax(m->gain, 0) ? MG_VERDICT_PASS
                    : g->gain > m->gain ? MG_VERDICT_PARTIAL
                                        : MG_VERDICT_FAIL;
    MG_TRY(mg_report_claim(ctx->rep, claim, meas, vs, m->count ? NULL : note));
    cJSON *o = cJSON_AddObjectToObject(res, dd->name);
    if (!o) return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    cJSON_AddStringToObject(o, "verdict_steerability", mg_verdict_str(vs));
    cJSON_AddItemToObject(o, "generalized", summary_json(&sets[0]));
    cJSON_AddItemToObject(o, "memorized", summary_json(&sets[1]));
    cJSON_AddStringToObject(o, "verdict_generalized", mg_verdict_str(vg));
    cJSON_AddStringToObject(o, "verdict_memorized", mg_verdict_str(vm));
    return MG_OK;
}

/* Steering on one dataset. */
static mg_status run_dataset(mg_repro_ctx *ctx, int di, const f8_plan *pl, int na) {
    mg_repro_data *dd = &ctx->data[di];
    int64_t d = dd->d, mt = 0;
    int target = 0;
    float *Xt = NULL, *C = NULL, *c = mg_alloc((size_t)d, sizeof(float));
    double *al = malloc((size_t)na * sizeof(double));
    f8_set sets[2];
    memset(sets, 0, sizeof sets);
    sets[0].key = "gen", sets[0].label = "generalized samples, generalizing set";
    sets[0].set = &dd->gen_set, sets[0].train = dd->gen;
    sets[1].key = "mem", sets[1].label = "memorized samples, memorizing set";
    sets[1].set = &dd->mem_set, sets[1].train = dd->mem;
    mg_status s = c && al ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) s = target_rows(dd, &target, &Xt, &mt, c);
    if (s == MG_OK && !dd->has_mog) s = class_centroids(dd, &C);
    mg_steer_post post = {dd->has_mog ? &dd->mog : NULL, target, POST_SIGMA};
    mg_steer_vec_params vp = {VEC_SIGMA, -1};
    mg_rng vr = mg_repro_rng(ctx, SEC, 100 + (uint64_t)di);
    for (int g = 0; g < 2 && s == MG_OK; g++) s = mg_steer_vectors_compute(sets[g].set, (mg_mat){mt, d, d, Xt}, &vp, &vr, &sets[g].vec);
    double amax = 1.0;
    char det[128];
    for (int g = 0; g < 2 && s == MG_OK; g++) {
        snprintf(det, sizeof det, "%s: steering the %s set", dd->name, sets[g].key);
        mg_repro_step(ctx, det, (di + 0.5 * g) / ctx->ndata);
        mg_denoiser den;
        s = mg_denoiser_steered(sets[g].set, MG_LEVEL_NEAREST, &sets[g].vec, &pl->sp, &den);
        if (s == MG_OK && g == 0) {
            /* the sweep's end comes from the generalizing set; both sets use the same a values */
            s = pick_amax(ctx, &den, pl, (uint64_t)(2 * di), d, c, &amax);
            for (int j = 0; j < na; j++) al[j] = amax * j / (na - 1);
        }
        if (s == MG_OK) s = sweep(ctx, dd, &sets[g], &den, pl, al, na, (uint64_t)(2 * di + g), c, &post);
        mg_denoiser_free(&den);
        if (s == MG_OK) s = mark_group(dd, &sets[g], g, g ? dd->mem_labels : dd->gen_labels, target, C, pl->n);
    }
    char names[8][96];
    int nf = 0;
    if (s == MG_OK) {
        char tname[64];
        static const char *const fm[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
        if (dd->has_mog) snprintf(tname, sizeof tname, "mode 2 (mu = +5 e_1)");
        else if (!strcmp(dd->name, "fmnist") && target >= 0 && target < 10)
            snprintf(tname, sizeof tname, "class %d (%s)", target, fm[target]);
        else snprintf(tname, sizeof tname, "class %d", target);
        s = mg_report_subsection(ctx->rep, dd->title);
        if (s == MG_OK)
            s = mg_report_paragraphf(
                ctx->rep,
                "Target concept: %s; v_k = mean of relu(W1_k^T (x + %.2f eps)) over its %lld held-out rows, per level "
                "k of each set; distances are to their centroid. Sweep: %d values of a from 0 to %.3g (the first "
                "value of {1/64, 1/32, ..., 32} at which the generalizing set's samples cover %.0f%% of the way to "
                "the centroid, else the one bringing them closest); the same a values for both sets. Starting samples: %lld per set; analysed: the "
                "generalizing set's new samples (NN ratio >= 1/3 and largest cosine to a training row < %.2f) that "
                "start outside the target (%lld) and the memorizing set's copies (largest cosine >= %.2f: a bias-free "
                "ReLU DAE is positively homogeneous, f(t x) = t f(x), so its sampler ends on t x_i, a stored sample "
                "at another scale, whose NN ratio is near 1) of a training sample not of the target concept (%lld).",
                tname, VEC_SIGMA, (long long)mt, na, amax, 100 * GAIN_SCALE, (long long)pl->n, COPY_COS,
                (long long)sets[0].ngroup, COPY_COS, (long long)sets[1].ngroup);
    }
    if (s == MG_OK) {
        char cells[2][9][40];
        const char *cp[18];
        for (int g = 0; g < 2; g++) {
            summary_row(cells[g], &sets[g]);
            for (int j = 0; j < 9; j++) cp[g * 9 + j] = cells[g][j];
        }
        static const char *hdr[9] = {"group", "samples", "monotonicity", "Spearman", "largest-jump share",
                                     "median kink", "mean gain", "smooth / threshold / static", "distance a=0 -> max"};
        s = mg_report_table(ctx->rep,
                            "Steerability per group (steer.h): monotonicity = share of a steps that bring the sample "
                            "closer to the target; largest-jump share = largest single a step / path length in x "
                            "(1/(n-1) for an even slide, 1 for one jump); kink = fastest / slowest a step; gain = "
                            "fraction of the way to the target covered at the largest a.",
                            9, hdr, 2, cp);
    }
    if (s == MG_OK) s = curves_plot(ctx, dd, sets, 0);
    if (s == MG_OK && dd->has_mog) s = curves_plot(ctx, dd, sets, 1);
    if (s == MG_OK && !dd->has_mog) s = image_strip(ctx, dd, sets);
    for (int g = 0; g < 2 && s == MG_OK; g++) s = write_set(ctx, dd, &sets[g], names, &nf);
    if (s == MG_OK) {
        const char *fp[8];
        for (int i = 0; i < nf; i++) fp[i] = names[i];
        s = mg_repro_files(ctx, fp, nf);
    }
    cJSON *res = mg_repro_results(ctx, SEC);
    if (s == MG_OK && !res) s = mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) s = claims(ctx, dd, sets, res);
    if (s == MG_OK) {
        cJSON *o = cJSON_GetObjectItem(res, dd->name);
        cJSON_AddNumberToObject(o, "alpha_max", amax);
        cJSON_AddNumberToObject(o, "target", target);
        cJSON_AddNumberToObject(o, "target_rows", (double)mt);
    }
    for (int g = 0; g < 2; g++) set_free(&sets[g]);
    free(Xt);
    free(C);
    free(c);
    free(al);
    return s;
}

/* Section fig8: steering curves of generalized vs memorized samples. */
mg_status mg_repro_fig8(mg_repro_ctx *ctx) {
    f8_plan pl;
    memset(&pl, 0, sizeof pl);
    pl.nsteps = (int)mg_repro_pick(ctx, 10, 20, 40);
    pl.final_steps = pl.nsteps / 2;      /* the paper steers the final 20 of 40 steps */
    pl.skip_last = 3 * pl.nsteps / 20;   /* ... here all but the last 15% of them */
    pl.n = mg_repro_pick(ctx, 12, 64, 200);
    int na = (int)mg_repro_pick(ctx, 5, 11, 11);
    pl.sig = malloc((size_t)pl.nsteps * sizeof(double));
    if (!pl.sig) return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    mg_status s = mg_sigmas_geometric(ctx->sigmas[0], ctx->sigmas[ctx->nsigmas - 1], pl.nsteps, pl.sig);
    if (s == MG_OK) mg_steer_window(pl.sig, pl.nsteps, pl.final_steps, pl.skip_last, &pl.sp.sigma_hi, &pl.sp.sigma_lo);
    cJSON *set = mg_repro_settings(ctx, SEC);
    if (s == MG_OK && !set) s = mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) {
        cJSON_AddNumberToObject(set, "sampling_steps", pl.nsteps);
        cJSON_AddNumberToObject(set, "steered_final_steps", pl.final_steps);
        cJSON_AddNumberToObject(set, "unsteered_last_steps", pl.skip_last);
        cJSON_AddNumberToObject(set, "sigma_hi", pl.sp.sigma_hi);
        cJSON_AddNumberToObject(set, "sigma_lo", pl.sp.sigma_lo);
        cJSON_AddNumberToObject(set, "vector_sigma", VEC_SIGMA);
        cJSON_AddNumberToObject(set, "starting_samples", (double)pl.n);
        cJSON_AddNumberToObject(set, "alphas", na);
        cJSON_AddNumberToObject(set, "gain_scale", GAIN_SCALE);
        cJSON_AddStringToObject(set, "sampler", "ddim, level nearest");
        cJSON_AddNumberToObject(set, "ratio_threshold", RATIO);
        cJSON_AddNumberToObject(set, "posterior_sigma", POST_SIGMA);
    }
    int first = pl.nsteps - pl.final_steps + 1, last = pl.nsteps - pl.skip_last;
    if (s == MG_OK)
        s = mg_report_paragraphf(
            ctx->rep,
            "Paper (Fig. 8, Eq. 11, App. B.3): adding a times the mean representation v of a target concept, "
            "f_steered(x_t) = g(h(x_t) + a v), edits generalized samples smoothly and progressively as a grows, "
            "while memorized samples respond in a brittle, threshold-like way. memgen steers the shared DAE sets "
            "(decoder g(h) = W2 h, so the edit adds a W2 v to each level's output). Sampling: DDIM over %d noise "
            "levels geometric from sigma = %.3g down to %.3g (each answered by the nearest level of the set). "
            "Steered: steps %d to %d of the %d, i.e. every step whose noise level sigma satisfies %.4g < sigma <= "
            "%.4g; the first %d steps and the last %d steps are not steered. The paper steers the final 20 of 40 "
            "steps; with a two-layer DAE the decoder is linear, so when the very last steps are steered every model's "
            "output shifts by exactly a W2 v and no curve can show a threshold; leaving the last steps unsteered lets "
            "the model's own denoising respond to the edit (as SD 3.5's window in App. B.4, which also stops before "
            "the end).",
            pl.nsteps, pl.sig[pl.nsteps - 1], pl.sig[0], first, last, pl.nsteps, pl.sp.sigma_lo, pl.sp.sigma_hi,
            first - 1, pl.skip_last);
    for (int di = 0; di < ctx->ndata && s == MG_OK; di++) s = run_dataset(ctx, di, &pl, na);
    if (s == MG_OK) s = mg_repro_summary_file(ctx, SEC);
    free(pl.sig);
    return s;
}
