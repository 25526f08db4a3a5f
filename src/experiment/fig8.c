/*
 * Experiment fig8 (memgen/experiment/fig8.h; paper Fig. 8, Eq. 11, Sec. 4.2,
 * App. B.3-B.4): steering curves. Each set of a dataset is sampled again
 * with f_steered(x_t) = W2 (h(x_t) + a v) inside a window of the last steps,
 * for a sweep of a with the same initial noise; each sample's path toward
 * the target concept is measured (steer.h) and summarised per group:
 * generalized samples of the generalizing set vs memorized samples (copies)
 * of the memorizing set.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/experiment/fig8.h"
#include "memgen/memorization.h"
#include "memgen/repr.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"

/* The strengths scanned for the end of the sweep. */
static const double SCAN[] = {1.0 / 64, 1.0 / 32, 1.0 / 16, 0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32};
#define NSCAN ((int)(sizeof SCAN / sizeof SCAN[0]))
#define STRIP_ROWS 3 /* samples of each group in the image strip */

#define P_ mg_exp_fig8_params
static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(P_, steps, MG_FIELD_INT, "DDIM steps over the run's noise grid"),
    MG_FIELD(P_, final_steps, MG_FIELD_INT, "the steered window: the last final_steps steps ..."),
    MG_FIELD(P_, skip_last, MG_FIELD_INT, "... except the very last skip_last"),
    MG_FIELD(P_, samples, MG_FIELD_I64, "starting samples per set"),
    MG_FIELD(P_, alphas, MG_FIELD_INT, "values of a in the sweep, 0 .. alpha_max"),
    MG_FIELD(P_, vector_sigma, MG_FIELD_F64, "noise of the target representations"),
    MG_FIELD(P_, posterior_sigma, MG_FIELD_F64, "MoG: noise level of the target-mode posterior"),
    MG_FIELD(P_, gain_scale, MG_FIELD_F64, "the sweep ends where generalized samples cover this share of the way"),
    MG_FIELD(P_, ratio, MG_FIELD_F64, "copies: NN ratio up to scale below this; new samples: at least this"),
    MG_FIELD(P_, shown, MG_FIELD_INT, "individual curves per group"),
};
#undef P_

#define R_ mg_exp_fig8_result
#define SUMMARY_FIELDS(m, what)                                                                                    \
    MG_FIELD_AS(R_, m.count, #m ".count", MG_FIELD_I64, "analysed samples: " what),                               \
        MG_FIELD_AS(R_, m.mono, #m ".mono", MG_FIELD_F64, "mean share of a steps that bring a sample closer"),     \
        MG_FIELD_AS(R_, m.spearman, #m ".spearman", MG_FIELD_F64, "mean Spearman correlation of a with -distance"), \
        MG_FIELD_AS(R_, m.jump, #m ".jump", MG_FIELD_F64, "mean largest distance step / distance path"),          \
        MG_FIELD_AS(R_, m.path_jump, #m ".path_jump", MG_FIELD_F64, "mean largest step / path length in x"),      \
        MG_FIELD_AS(R_, m.kink_median, #m ".kink_median", MG_FIELD_F64, "median fastest / slowest step"),         \
        MG_FIELD_AS(R_, m.gain, #m ".gain", MG_FIELD_F64, "mean share of the way to the target at alpha_max"),    \
        MG_FIELD_AS(R_, m.frac_smooth, #m ".frac_smooth", MG_FIELD_F64, "share of smooth curves"),                \
        MG_FIELD_AS(R_, m.frac_threshold, #m ".frac_threshold", MG_FIELD_F64, "share of threshold-like curves"),  \
        MG_FIELD_AS(R_, m.frac_static, #m ".frac_static", MG_FIELD_F64, "share of static curves"),                \
        MG_FIELD_AS(R_, m.dist_first, #m ".dist_first", MG_FIELD_F64, "mean distance to the target at a = 0"),    \
        MG_FIELD_AS(R_, m.dist_last, #m ".dist_last", MG_FIELD_F64, "mean distance to the target at alpha_max"),  \
        MG_FIELD_AS(R_, m.post_first, #m ".post_first", MG_FIELD_F64, "mean target posterior at a = 0 (MoG)"),    \
        MG_FIELD_AS(R_, m.post_last, #m ".post_last", MG_FIELD_F64, "mean target posterior at alpha_max (MoG)")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(R_, target, MG_FIELD_INT, "target component / class"),
    MG_FIELD(R_, target_name, MG_FIELD_TEXT, "the target concept in words"),
    MG_FIELD(R_, target_rows, MG_FIELD_I64, "held-out rows behind the steering vectors"),
    MG_FIELD(R_, alpha_max, MG_FIELD_F64, "end of the sweep"),
    MG_FIELD(R_, sigma_hi, MG_FIELD_F64, "steered noise levels: sigma <= sigma_hi ..."),
    MG_FIELD(R_, sigma_lo, MG_FIELD_F64, "... and sigma > sigma_lo"),
    SUMMARY_FIELDS(generalized, "new samples of the generalizing set outside the target"),
    SUMMARY_FIELDS(memorized, "copies of non-target training samples by the memorizing set"),
    MG_FIELD(R_, mem_samples_median_cos, MG_FIELD_F64, "memorizing set at a = 0: median largest cosine of its samples"),
    MG_FIELD(R_, mem_samples_median_unit_ratio, MG_FIELD_F64,
             "memorizing set at a = 0: median NN ratio up to scale of its samples"),
    MG_FIELD(R_, mem_samples_median_norm, MG_FIELD_F64, "memorizing set at a = 0: median norm of its samples"),
    MG_FIELD(R_, mem_train_median_norm, MG_FIELD_F64, "median norm of the memorizing set's training rows"),
    MG_FIELD(R_, gen_per_sample, MG_FIELD_TABLE, "generalizing set: every sample's measures"),
    MG_FIELD(R_, gen_curves, MG_FIELD_TABLE, "generalizing set: every sample's curve"),
    MG_FIELD(R_, mem_per_sample, MG_FIELD_TABLE, "memorizing set: every sample's measures"),
    MG_FIELD(R_, mem_curves, MG_FIELD_TABLE, "memorizing set: every sample's curve"),
    MG_FIELD(R_, groups, MG_FIELD_TABLE, "the two analysed groups' summaries"),
    MG_FIELD(R_, gen_shown, MG_FIELD_TABLE, "generalizing set: mean and a few curves of the group"),
    MG_FIELD(R_, mem_shown, MG_FIELD_TABLE, "memorizing set: mean and a few curves of the group"),
    MG_FIELD(R_, strip, MG_FIELD_ARRAY, "images: a few samples of each group across the sweep"),
};
#undef R_

/* Library defaults (the quick report's sizes). */
mg_exp_fig8_params mg_exp_fig8_defaults(void) {
    mg_exp_fig8_params p = {20, 10, 3, 64, 11, 0.02, 0.05, 0.5, 1.0 / 3.0, 4};
    return p;
}

/* Frees a result. */
void mg_exp_fig8_free(mg_exp_fig8_result *r) {
    if (!r) return;
    mg_table_free(&r->gen_per_sample);
    mg_table_free(&r->mem_per_sample);
    mg_table_free(&r->gen_curves);
    mg_table_free(&r->mem_curves);
    mg_table_free(&r->groups);
    mg_table_free(&r->gen_shown);
    mg_table_free(&r->mem_shown);
    mg_array_free(&r->strip);
    memset(r, 0, sizeof *r);
}

/* One set's sweep and its measures. */
typedef struct {
    const char *key, *label;
    const mg_daeset *set;
    mg_mat train;         /* its training rows (borrowed) */
    const int64_t *train_labels;
    mg_steer_vectors vec;
    float *S;             /* na x n x d samples */
    mg_steer_curves cv;
    int *group;           /* n: 1 = in the analysed group */
    mg_steer_summary sum;
} set_sweep;

/* Frees a set's sweep. */
static void sweep_free(set_sweep *s) {
    mg_steer_vectors_free(&s->vec);
    free(s->S);
    mg_steer_curves_free(&s->cv);
    free(s->group);
}

/* The sampling grid and window shared by every sweep of a call. */
typedef struct {
    const mg_exp_fig8_params *p;
    const mg_exp_env *env;
    double *sig;        /* steps, ascending */
    mg_steer_params sp; /* the window (alpha set per draw) */
} plan;

/* Draws the starting samples with strength alpha into S (samples x d) from
 * generator k (the same initial noise for every alpha). */
static mg_status draw(const plan *pl, mg_denoiser *den, double alpha, uint64_t k, float *S, int64_t d) {
    MG_TRY(mg_denoiser_steered_set_alpha(den, alpha));
    mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
    sp.sigmas = pl->sig;
    sp.nsigmas = pl->p->steps;
    mg_rng rng = mg_rng_fork(pl->env->rng, k);
    return mg_sample(den, &sp, &rng, (mg_mat){pl->p->samples, d, d, S});
}

/* Mean over samples of the fraction of the way to the centroid c covered at
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

/* The end of the sweep, from the generalizing set: the first a of SCAN at
 * which its samples cover gain_scale of the way to the target; if none does,
 * the a of SCAN with the largest mean gain (samples can overshoot the
 * target: the gain then falls again). */
static mg_status pick_amax(const plan *pl, mg_denoiser *den, uint64_t k, int64_t d, const float *c, double *amax) {
    int64_t n = pl->p->samples;
    float *S0 = mg_alloc((size_t)(n * d), sizeof(float)), *Sa = mg_alloc((size_t)(n * d), sizeof(float));
    mg_status s = S0 && Sa ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) s = draw(pl, den, 0.0, k, S0, d);
    double best = -INFINITY;
    *amax = SCAN[0];
    for (int i = 0; i < NSCAN && s == MG_OK; i++) {
        s = draw(pl, den, SCAN[i], k, Sa, d);
        double g = s == MG_OK ? mean_gain(S0, Sa, n, d, c) : -INFINITY;
        if (g > best) best = g, *amax = SCAN[i];
        if (g >= pl->p->gain_scale) break;
    }
    free(S0);
    free(Sa);
    return s;
}

/* The sweep of one set over alphas with its steered denoiser (generator k
 * for every a), then its curves. */
static mg_status sweep(const plan *pl, set_sweep *fs, mg_denoiser *den, const double *al, uint64_t k, int64_t d,
                       const float *c, const mg_steer_post *post) {
    int64_t n = pl->p->samples;
    int na = pl->p->alphas;
    fs->S = mg_alloc((size_t)na * (size_t)(n * d), sizeof(float)); /* na x n x d */
    mg_status s = fs->S ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory for the sweep");
    for (int j = 0; j < na && s == MG_OK; j++) s = draw(pl, den, al[j], k, fs->S + (size_t)j * (size_t)(n * d), d);
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
    MG_TRY(mg_exp_row_norms(X, &nv));
    mg_summary sm;
    mg_status s = mg_summarize(nv, X.rows, &sm);
    if (s == MG_OK) *median = sm.median;
    free(nv);
    return s;
}

/* Marks the analysed starting samples of a set at a = 0 (fig8.h): for the
 * generalizing set the new samples outside the target, for the memorizing
 * set the copies up to scale of a training row of another concept (and
 * their median cosine, ratio up to scale and norms into r); then the
 * group's summary. */
static mg_status mark_group(const plan *pl, const mg_exp_data *dd, set_sweep *fs, int memorizing, int target,
                            const float *C, mg_exp_fig8_result *r) {
    mg_memratio mr, ur;
    int64_t d = dd->d, n = pl->p->samples;
    mg_mat S = {n, d, d, fs->S};
    MG_TRY(mg_memratio_compute(S, fs->train, pl->p->ratio, &mr));
    mg_status s = mg_memratio_compute_upto_scale(S, fs->train, pl->p->ratio, &ur);
    fs->group = s == MG_OK ? malloc((size_t)n * sizeof(int)) : NULL;
    if (s == MG_OK && !fs->group) s = mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    for (int64_t i = 0; i < n && s == MG_OK; i++) {
        int in;
        if (memorizing) in = ur.memorized[i] && fs->train_labels[ur.nn1[i]] != target;
        else {
            int outside = fs->cv.post ? fs->cv.post[i * fs->cv.na] < 0.5
                                      : nearest_centroid(fs->S + i * d, C, dd->nclasses, d) != target;
            in = !mr.memorized[i] && !ur.memorized[i] && outside;
        }
        fs->group[i] = in;
    }
    if (memorizing && s == MG_OK) {
        mg_summary sm;
        s = mg_summarize(mr.cos_max, n, &sm);
        if (s == MG_OK) r->mem_samples_median_cos = sm.median;
        if (s == MG_OK) r->mem_samples_median_unit_ratio = ur.median_ratio;
        if (s == MG_OK) s = median_norm(S, &r->mem_samples_median_norm);
        if (s == MG_OK) s = median_norm(fs->train, &r->mem_train_median_norm);
    }
    mg_memratio_free(&mr);
    mg_memratio_free(&ur);
    if (s != MG_OK) return s;
    return mg_steer_summarize(&fs->cv, fs->group, 1, &fs->sum);
}

/* The target concept: MoG mode 1 (component 1); for images the class with
 * most held-out rows among those not in the memorizing set. Fills its
 * held-out rows (*Xt, malloc'd copy, *m x d), their centroid c (d) and its
 * name. */
static mg_status target_rows(const mg_exp_data *dd, mg_exp_fig8_result *r, float **Xt, int64_t *m, float *c) {
    mg_mat test = mg_exp_test(dd);
    int64_t d = dd->d, cnt[16] = {0};
    int t = 1;
    if (!dd->has_mog) {
        int used[16] = {0};
        for (int64_t i = 0; i < dd->mem.shape[0]; i++) used[dd->mem_labels[i] & 15] = 1;
        for (int64_t i = 0; i < test.rows; i++) cnt[dd->test_labels[i] & 15]++;
        t = -1;
        for (int k = 0; k < dd->nclasses && k < 16; k++)
            if (!used[k] && (t < 0 || cnt[k] > cnt[t])) t = k;
        if (t < 0) return mg_fail(MG_ERR_ARG, "fig8: every class is in the memorizing set");
    }
    int64_t k = 0;
    for (int64_t i = 0; i < test.rows; i++) k += dd->test_labels[i] == t;
    if (k < 1) return mg_fail(MG_ERR_ARG, "fig8: no held-out row of the target concept");
    *Xt = mg_alloc((size_t)(k * d), sizeof(float));
    double *acc = mg_calloc((size_t)d, sizeof(double));
    if (!*Xt || !acc) {
        free(acc);
        return mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    }
    k = 0;
    for (int64_t i = 0; i < test.rows; i++)
        if (dd->test_labels[i] == t) {
            memcpy(*Xt + k * d, test.data + i * test.ld, (size_t)d * sizeof(float));
            for (int64_t j = 0; j < d; j++) acc[j] += (*Xt)[k * d + j];
            k++;
        }
    for (int64_t j = 0; j < d; j++) c[j] = (float)(acc[j] / (double)k);
    free(acc);
    r->target = t;
    r->target_rows = *m = k;
    static const char *const fm[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    if (dd->has_mog) snprintf(r->target_name, sizeof r->target_name, "mode 1 (mu = +5 e_1)");
    else if (dd->source == MG_EXP_FMNIST && t >= 0 && t < 10)
        snprintf(r->target_name, sizeof r->target_name, "class %d (%s)", t, fm[t]);
    else snprintf(r->target_name, sizeof r->target_name, "class %d", t);
    return MG_OK;
}

/* Class centroids of the held-out rows (nclasses x d), for "outside the target". */
static mg_status class_centroids(const mg_exp_data *dd, float **C) {
    mg_mat test = mg_exp_test(dd);
    int64_t d = dd->d, K = dd->nclasses;
    double *acc = mg_calloc((size_t)(K * d), sizeof(double)), *cnt = mg_calloc((size_t)K, sizeof(double));
    *C = mg_alloc((size_t)(K * d), sizeof(float));
    mg_status s = acc && cnt && *C ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    for (int64_t i = 0; s == MG_OK && i < test.rows; i++) {
        int64_t k = dd->test_labels[i];
        if (k < 0 || k >= K) continue;
        cnt[k]++;
        for (int64_t j = 0; j < d; j++) acc[k * d + j] += test.data[i * test.ld + j];
    }
    for (int64_t k = 0; s == MG_OK && k < K; k++)
        for (int64_t j = 0; j < d; j++) (*C)[k * d + j] = cnt[k] > 0 ? (float)(acc[k * d + j] / cnt[k]) : INFINITY;
    free(acc);
    free(cnt);
    return s;
}

/* "<key>_per_sample" and "<key>_curves" of one set. */
static mg_status set_tables(const set_sweep *fs, mg_table *per, mg_table *curves) {
    const mg_steer_curves *c = &fs->cv;
    int64_t n = c->n, m = n * c->na;
    int na = c->na;
    char name[32];
    snprintf(name, sizeof name, "%s_per_sample", fs->key);
    MG_TRY(mg_table_init(per, name, n, "sample,in_group,class(0 static 1 smooth 2 threshold),mono,spearman,jump,"
                                       "path_jump,kink,gain"));
    const double *src[6] = {c->mono, c->spearman, c->jump, c->path_jump, c->kink, c->gain};
    for (int64_t i = 0; i < n; i++) {
        per->cols[0].num[i] = (double)i;
        per->cols[1].num[i] = fs->group[i];
        per->cols[2].num[i] = c->cls[i];
        for (int k = 0; k < 6; k++) per->cols[3 + k].num[i] = src[k][i];
    }
    snprintf(name, sizeof name, "%s_curves", fs->key);
    MG_TRY(mg_table_init(curves, name, m, "sample,alpha,distance_to_target,displacement,target_posterior"));
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < na; j++) {
            int64_t r = i * na + j;
            curves->cols[0].num[r] = (double)i;
            curves->cols[1].num[r] = c->alphas[j];
            curves->cols[2].num[r] = c->dist[r];
            curves->cols[3].num[r] = c->disp[r];
            curves->cols[4].num[r] = c->post ? c->post[r] : NAN;
        }
    return MG_OK;
}

/* "<key>_shown_curves": the group's mean curve (sample -1) and the curves of
 * its first `shown` samples, the distance relative to a = 0 and the
 * posterior (NaN without a mixture). */
static mg_status shown_table(const set_sweep *fs, int shown, mg_table *t) {
    const mg_steer_curves *c = &fs->cv;
    int na = c->na;
    int64_t k = fs->sum.count < shown ? fs->sum.count : shown, row = 0;
    char name[32];
    snprintf(name, sizeof name, "%s_shown_curves", fs->key);
    MG_TRY(mg_table_init(t, name, (k + 1) * na, "sample,alpha,rel_distance,posterior"));
    double *mean = t->cols[2].num + k * na, *pmean = t->cols[3].num + k * na; /* the mean's rows come last */
    for (int64_t i = 0, taken = 0; i < c->n; i++) {
        if (!fs->group[i]) continue;
        for (int j = 0; j < na; j++) {
            double d0 = c->dist[i * na], y = d0 > 0 ? c->dist[i * na + j] / d0 : 1.0;
            double q = c->post ? c->post[i * na + j] : NAN;
            mean[j] += y / (double)fs->sum.count;
            pmean[j] += q / (double)fs->sum.count;
            if (taken < k) {
                t->cols[0].num[row] = (double)i, t->cols[1].num[row] = c->alphas[j];
                t->cols[2].num[row] = y, t->cols[3].num[row++] = q;
            }
        }
        taken++;
    }
    for (int j = 0; j < na; j++) {
        t->cols[0].num[row + j] = -1, t->cols[1].num[row + j] = c->alphas[j];
        if (!fs->sum.count) mean[j] = pmean[j] = NAN; /* no group, no mean */
    }
    return MG_OK;
}

/* "groups": one row per analysed group and its summary. */
static mg_status groups_table(const set_sweep *sets, mg_table *t) {
    MG_TRY(mg_table_init(t, "groups", 2, NULL));
    int cg;
    MG_TRY(mg_table_add(t, "group", MG_COL_TEXT, &cg));
    static const char *const num[] = {"samples", "mono", "spearman", "path_jump", "kink_median", "gain",
                                      "frac_smooth", "frac_threshold", "frac_static", "dist_first", "dist_last"};
    for (int k = 0; k < 11; k++) MG_TRY(mg_table_add(t, num[k], MG_COL_F64, NULL));
    for (int g = 0; g < 2; g++) {
        const mg_steer_summary *m = &sets[g].sum;
        const double v[11] = {(double)m->count, m->mono, m->spearman, m->path_jump, m->kink_median, m->gain,
                              m->frac_smooth, m->frac_threshold, m->frac_static, m->dist_first, m->dist_last};
        MG_TRY(mg_table_set_text(t, cg, g, sets[g].label));
        for (int k = 0; k < 11; k++) t->cols[1 + k].num[g] = v[k];
    }
    return MG_OK;
}

/* Image data: up to STRIP_ROWS analysed samples of each group (rows) across
 * the sweep (columns) as a rows x alphas x d array. */
static mg_status strip_array(const set_sweep *sets, int64_t d, mg_array *out) {
    int na = sets[0].cv.na;
    int64_t rows[2 * STRIP_ROWS], nr = 0;
    const set_sweep *from[2 * STRIP_ROWS];
    for (int g = 0; g < 2; g++) {
        int taken = 0;
        for (int64_t i = 0; i < sets[g].cv.n && taken < STRIP_ROWS; i++)
            if (sets[g].group[i]) rows[nr] = i, from[nr++] = &sets[g], taken++;
    }
    if (!nr) return MG_OK;
    int64_t shape[3] = {nr, na, d};
    MG_TRY(mg_array_alloc(out, MG_F32, 3, shape));
    float *G = out->data;
    for (int64_t r = 0; r < nr; r++)
        for (int j = 0; j < na; j++)
            memcpy(G + (r * na + j) * d, from[r]->S + ((size_t)j * (size_t)from[r]->cv.n + (size_t)rows[r]) * (size_t)d,
                   (size_t)d * sizeof(float));
    return MG_OK;
}

/* Checks the parameters. */
static mg_status check_params(const mg_exp_fig8_params *p) {
    if (p->steps < 2 || p->final_steps < 1 || p->final_steps > p->steps || p->skip_last < 0 ||
        p->skip_last >= p->final_steps || p->samples < 2 || p->alphas < 2 || p->shown < 0)
        return mg_fail(MG_ERR_ARG, "fig8: need 2 <= steps, 0 <= skip_last < final_steps <= steps, 2 or more samples "
                       "and alphas, shown >= 0");
    if (!(p->vector_sigma >= 0) || !(p->posterior_sigma > 0) || !(p->gain_scale > 0) || !(p->ratio > 0))
        return mg_fail(MG_ERR_ARG, "fig8: need vector_sigma >= 0, posterior_sigma, gain_scale and ratio > 0");
    return MG_OK;
}

/* Runs the experiment on one dataset. */
mg_status mg_exp_fig8_run(const mg_exp_fig8_params *p, const mg_exp_env *env, mg_exp_fig8_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_fig8, env));
    MG_TRY(check_params(p));
    const mg_exp_data *dd = env->data[0];
    int64_t d = dd->d, mt = 0;
    int na = p->alphas;
    uint64_t k0 = 2 * (uint64_t)env->index;
    plan pl = {p, env, malloc((size_t)p->steps * sizeof(double)), {0, 0, 0}};
    float *Xt = NULL, *C = NULL, *c = mg_alloc((size_t)d, sizeof(float));
    double *al = malloc((size_t)na * sizeof(double));
    set_sweep sets[2];
    memset(sets, 0, sizeof sets);
    sets[0] = (set_sweep){.key = "gen", .label = "generalized samples, generalizing set", .set = &dd->gen_set,
                          .train = mg_exp_gen(dd), .train_labels = dd->gen_labels};
    sets[1] = (set_sweep){.key = "mem", .label = "memorized samples, memorizing set", .set = &dd->mem_set,
                          .train = mg_exp_mem(dd), .train_labels = dd->mem_labels};
    mg_status s = c && al && pl.sig ? MG_OK : mg_fail(MG_ERR_NOMEM, "fig8: out of memory");
    if (s == MG_OK) s = mg_sigmas_geometric(env->sigmas[0], env->sigmas[env->nsigmas - 1], p->steps, pl.sig);
    if (s == MG_OK) {
        mg_steer_window(pl.sig, p->steps, p->final_steps, p->skip_last, &pl.sp.sigma_hi, &pl.sp.sigma_lo);
        r->sigma_hi = pl.sp.sigma_hi, r->sigma_lo = pl.sp.sigma_lo;
    }
    if (s == MG_OK) s = target_rows(dd, r, &Xt, &mt, c);
    if (s == MG_OK && !dd->has_mog) s = class_centroids(dd, &C);
    mg_steer_post post = {dd->has_mog ? &dd->mog : NULL, r->target, p->posterior_sigma};
    mg_steer_vec_params vp = {p->vector_sigma, -1};
    mg_rng vr = mg_rng_fork(env->rng, 100 + (uint64_t)env->index);
    for (int g = 0; g < 2 && s == MG_OK; g++)
        s = mg_steer_vectors_compute(sets[g].set, (mg_mat){mt, d, d, Xt}, &vp, &vr, &sets[g].vec);
    r->alpha_max = 1.0;
    for (int g = 0; g < 2 && s == MG_OK; g++) {
        mg_exp_progress(env, g ? "steering the mem set" : "steering the gen set", 0.5 * g);
        mg_denoiser den;
        s = mg_denoiser_steered(sets[g].set, MG_LEVEL_NEAREST, &sets[g].vec, &pl.sp, &den);
        if (s == MG_OK && g == 0) {
            /* the sweep's end comes from the generalizing set; both sets use the same a values */
            s = pick_amax(&pl, &den, k0, d, c, &r->alpha_max);
            for (int j = 0; j < na; j++) al[j] = r->alpha_max * j / (na - 1);
        }
        if (s == MG_OK) s = sweep(&pl, &sets[g], &den, al, k0 + (uint64_t)g, d, c, &post);
        mg_denoiser_free(&den);
        if (s == MG_OK) s = mark_group(&pl, dd, &sets[g], g, r->target, C, r);
    }
    if (s == MG_OK) {
        r->generalized = sets[0].sum;
        r->memorized = sets[1].sum;
        s = set_tables(&sets[0], &r->gen_per_sample, &r->gen_curves);
    }
    if (s == MG_OK) s = set_tables(&sets[1], &r->mem_per_sample, &r->mem_curves);
    if (s == MG_OK) s = groups_table(sets, &r->groups);
    if (s == MG_OK) s = shown_table(&sets[0], p->shown, &r->gen_shown);
    if (s == MG_OK) s = shown_table(&sets[1], p->shown, &r->mem_shown);
    if (s == MG_OK && dd->img_h > 0) s = strip_array(sets, d, &r->strip);
    for (int g = 0; g < 2; g++) sweep_free(&sets[g]);
    free(pl.sig);
    free(Xt);
    free(C);
    free(c);
    free(al);
    if (s != MG_OK) mg_exp_fig8_free(r);
    return s;
}

MG_EXP_DEFINE(fig8, mg_exp_fig8_params, mg_exp_fig8_result, "Steering curves of generalized vs memorized samples",
              "Fig. 8, Eq. 11, Sec. 4.2, App. B.3-B.4", MG_EXP_EACH_DATASET);
