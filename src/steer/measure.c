/*
 * Steerability measures (paper Fig. 8: generalized samples move smoothly
 * toward the target concept as the strength a grows, memorized ones resist
 * or jump): per-sample distance / posterior / displacement curves over an
 * alpha sweep, monotonicity, Spearman correlation, largest single jump, and
 * group summaries; plus the parser of alpha sweeps.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/schedule.h"
#include "memgen/steer.h"
#include "memgen/theory.h"

/* Name of a curve class. */
const char *mg_steer_class_name(int cls) {
    switch (cls) {
    case MG_STEER_STATIC: return "static";
    case MG_STEER_SMOOTH: return "smooth";
    case MG_STEER_THRESHOLD: return "threshold";
    default: return "invalid";
    }
}

/* Frees the curves. */
void mg_steer_curves_free(mg_steer_curves *c) {
    if (!c) return;
    free(c->alphas);
    free(c->dist);
    free(c->post);
    free(c->disp);
    free(c->mono);
    free(c->spearman);
    free(c->jump);
    free(c->path_jump);
    free(c->gain);
    free(c->kink);
    free(c->cls);
    memset(c, 0, sizeof *c);
}

/* Euclidean distance of two float vectors (d), in double. */
static double dist2(const float *a, const float *b, int64_t d) {
    double s = 0;
    for (int64_t j = 0; j < d; j++) {
        double t = (double)a[j] - b[j];
        s += t * t;
    }
    return sqrt(s);
}

/* Average ranks (1-based, ties share their mean rank) of x (n) into r (n);
 * idx is an n workspace. Insertion sort: n is the number of alpha values. */
static void ranks(const double *x, int n, int *idx, double *r) {
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 1; i < n; i++) {
        int t = idx[i], j = i - 1;
        while (j >= 0 && x[idx[j]] > x[t]) {
            idx[j + 1] = idx[j];
            j--;
        }
        idx[j + 1] = t;
    }
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && x[idx[j + 1]] == x[idx[i]]) j++;
        double avg = 0.5 * (i + j) + 1.0;
        for (int t = i; t <= j; t++) r[idx[t]] = avg;
        i = j + 1;
    }
}

/* Pearson correlation of a and b (n); 0 when either is constant. */
static double pearson(const double *a, const double *b, int n) {
    double ma = 0, mb = 0;
    for (int i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= n;
    mb /= n;
    double sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}

/* Fills the per-sample measures of sample i from its curves. */
static void sample_measures(mg_steer_curves *c, int64_t i, const double *path, int *idx, double *ra, double *rb,
                            double *neg) {
    int na = c->na;
    const double *dist = c->dist + i * na;
    double d0 = dist[0], tv = 0, maxd = 0, plen = 0, maxp = 0, minp = INFINITY;
    int down = 0;
    double tol = 1e-6 * (d0 > 1e-12 ? d0 : 1e-12);
    for (int j = 0; j + 1 < na; j++) {
        double dd = dist[j + 1] - dist[j];
        tv += fabs(dd);
        if (fabs(dd) > maxd) maxd = fabs(dd);
        if (dd < -tol) down++;
        plen += path[j];
        if (path[j] > maxp) maxp = path[j];
        if (path[j] < minp) minp = path[j];
    }
    int is_static = plen < 1e-3 * (d0 > 1e-12 ? d0 : 1e-12);
    c->mono[i] = (double)down / (na - 1);
    c->jump[i] = tv > 0 && !is_static ? maxd / tv : 0.0;
    c->path_jump[i] = plen > 0 && !is_static ? maxp / plen : 0.0;
    c->gain[i] = d0 > 0 ? (d0 - dist[na - 1]) / d0 : 0.0;
    c->kink[i] = is_static ? 0.0 : maxp >= 1e6 * minp ? 1e6 : maxp / minp;
    for (int j = 0; j < na; j++) neg[j] = -dist[j];
    ranks(c->alphas, na, idx, ra);
    ranks(neg, na, idx, rb);
    c->spearman[i] = is_static ? 0.0 : pearson(ra, rb, na);
    c->cls[i] = is_static                                      ? MG_STEER_STATIC
                : c->path_jump[i] > 0.5 || c->kink[i] >= 3.0 ? MG_STEER_THRESHOLD
                                                             : MG_STEER_SMOOTH;
}

/* Curves and per-sample measures of an alpha sweep. */
/* The mean of T's rows (steer.h). */
mg_status mg_steer_centroid(mg_mat T, float *c) {
    MG_TRY(mg_mat_check(T, "steer: target rows"));
    for (int64_t j = 0; j < T.cols; j++) {
        double s = 0;
        for (int64_t i = 0; i < T.rows; i++) s += T.data[i * T.ld + j];
        c[j] = (float)(s / (double)T.rows);
    }
    return MG_OK;
}

/* Computes the curves (steer.h). */
mg_status mg_steer_measure(const float *S, int na, const double *alphas, int64_t n, int64_t d, const float *centroid,
                           const mg_steer_post *post, mg_steer_curves *out) {
    memset(out, 0, sizeof *out);
    if (na < 2) return mg_fail(MG_ERR_ARG, "steering measures need at least two alpha values (got %d)", na);
    for (int j = 0; j < na; j++)
        if (!isfinite(alphas[j]) || (j && !(alphas[j] > alphas[j - 1])))
            return mg_fail(MG_ERR_ARG, "steering measures: the alpha values must be finite and strictly ascending");
    if (n < 1 || d < 1) return mg_fail(MG_ERR_ARG, "steering measures: no samples (n = %lld, d = %lld)", (long long)n,
                                       (long long)d);
    int K = 0;
    if (post && post->mog) {
        MG_TRY(mg_mog_validate(post->mog));
        if (post->mog->d != d)
            return mg_fail(MG_ERR_SHAPE, "steering measures: the mixture is in dimension %lld, the samples in %lld",
                           (long long)post->mog->d, (long long)d);
        if (post->mode < 0 || post->mode >= post->mog->K)
            return mg_fail(MG_ERR_ARG, "steering measures: target mode %d does not exist (the mixture has %d)",
                           post->mode, post->mog->K);
        if (!(post->sigma > 0) || !isfinite(post->sigma))
            return mg_fail(MG_ERR_ARG, "steering measures: the posterior noise level must be > 0 (got %g)",
                           post->sigma);
        K = post->mog->K;
    }
    size_t nn = (size_t)n * (size_t)na;
    out->n = n;
    out->na = na;
    out->alphas = malloc((size_t)na * sizeof(double));
    out->dist = mg_alloc(nn, sizeof(double));
    out->disp = mg_alloc(nn, sizeof(double));
    out->post = K ? mg_alloc(nn, sizeof(double)) : NULL;
    out->mono = mg_alloc((size_t)n, sizeof(double));
    out->spearman = mg_alloc((size_t)n, sizeof(double));
    out->jump = mg_alloc((size_t)n, sizeof(double));
    out->path_jump = mg_alloc((size_t)n, sizeof(double));
    out->gain = mg_alloc((size_t)n, sizeof(double));
    out->kink = mg_alloc((size_t)n, sizeof(double));
    out->cls = mg_alloc((size_t)n, sizeof(int));
    double *path = malloc((size_t)na * sizeof(double));       /* na - 1 steps of one sample */
    double *work = malloc((size_t)na * 3 * sizeof(double));   /* ranks and -dist */
    int *idx = malloc((size_t)na * sizeof(int));
    float *fout = K ? mg_alloc((size_t)n * (size_t)d, sizeof(float)) : NULL; /* n x d, f_gt output (unused) */
    double *pk = K ? mg_alloc((size_t)n * (size_t)K, sizeof(double)) : NULL;  /* n x K posteriors */
    mg_status st = MG_OK;
    if (!out->alphas || !out->dist || !out->disp || (K && (!out->post || !fout || !pk)) || !out->mono ||
        !out->spearman || !out->jump || !out->path_jump || !out->gain || !out->kink || !out->cls || !path || !work ||
        !idx)
        st = mg_fail(MG_ERR_NOMEM, "steering measures: out of memory for %lld samples x %d alphas", (long long)n, na);
    if (st == MG_OK) memcpy(out->alphas, alphas, (size_t)na * sizeof(double));
    size_t slab = (size_t)n * (size_t)d;
    for (int j = 0; j < na && st == MG_OK; j++) {
        const float *Sj = S + (size_t)j * slab;
        for (int64_t i = 0; i < n; i++) {
            out->dist[i * na + j] = dist2(Sj + i * d, centroid, d);
            out->disp[i * na + j] = dist2(Sj + i * d, S + i * d, d);
        }
        if (K) {
            mg_mat Y = {n, d, d, (float *)Sj}, O = {n, d, d, fout};
            st = mg_fgt(post->mog, Y, post->sigma, O, pk);
            for (int64_t i = 0; i < n && st == MG_OK; i++) out->post[i * na + j] = pk[i * K + post->mode];
        }
    }
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        for (int j = 0; j + 1 < na; j++)
            path[j] = dist2(S + (size_t)(j + 1) * slab + i * d, S + (size_t)j * slab + i * d, d);
        sample_measures(out, i, path, idx, work, work + na, work + 2 * na);
    }
    free(path);
    free(work);
    free(idx);
    free(fout);
    free(pk);
    if (st != MG_OK) mg_steer_curves_free(out);
    return st;
}

/* Ascending order of doubles for qsort. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Group means (and the median kink) of the curves' measures. */
mg_status mg_steer_summarize(const mg_steer_curves *c, const int *mask, int want, mg_steer_summary *out) {
    memset(out, 0, sizeof *out);
    int na = c->na;
    double *kinks = mg_alloc((size_t)c->n, sizeof(double)); /* n: kinks of the group */
    if (!kinks) return mg_fail(MG_ERR_NOMEM, "steering summary: out of memory");
    for (int64_t i = 0; i < c->n; i++) {
        if (mask && mask[i] != want) continue;
        kinks[out->count++] = c->kink[i];
        out->mono += c->mono[i];
        out->spearman += c->spearman[i];
        out->jump += c->jump[i];
        out->path_jump += c->path_jump[i];
        out->gain += c->gain[i];
        out->frac_static += c->cls[i] == MG_STEER_STATIC;
        out->frac_smooth += c->cls[i] == MG_STEER_SMOOTH;
        out->frac_threshold += c->cls[i] == MG_STEER_THRESHOLD;
        out->dist_first += c->dist[i * na];
        out->dist_last += c->dist[i * na + na - 1];
        if (c->post) {
            out->post_first += c->post[i * na];
            out->post_last += c->post[i * na + na - 1];
        }
    }
    double m = out->count ? 1.0 / (double)out->count : NAN;
    out->mono *= m;
    out->spearman *= m;
    out->jump *= m;
    out->path_jump *= m;
    out->gain *= m;
    out->frac_static *= m;
    out->frac_smooth *= m;
    out->frac_threshold *= m;
    out->dist_first *= m;
    out->dist_last *= m;
    out->post_first = c->post ? out->post_first * m : NAN;
    out->post_last = c->post ? out->post_last * m : NAN;
    out->kink_median = NAN;
    if (out->count) {
        qsort(kinks, (size_t)out->count, sizeof(double), cmp_double);
        int64_t h = out->count / 2;
        out->kink_median = out->count % 2 ? kinks[h] : 0.5 * (kinks[h - 1] + kinks[h]);
    }
    free(kinks);
    return MG_OK;
}

/* Parses one finite number ending at a separator; advances *s. */
static int parse_num(const char **s, char sep, double *out) {
    char *end;
    errno = 0;
    *out = strtod(*s, &end);
    if (end == *s || errno || !isfinite(*out) || (*end != sep && *end != '\0')) return -1;
    *s = end;
    return 0;
}

/* Alpha sweeps: "list:...", "A1,A2,...", "lin:A:B:K" (or "linear:"), or the
 * positive grids "geom:A:B:K" and "karras:A:B:K[:RHO]" of mg_sigmas_parse. */
mg_status mg_steer_parse_alphas(const char *spec, double **alphas, int *count) {
    *alphas = NULL;
    *count = 0;
    if (!spec || !*spec) return mg_fail(MG_ERR_ARG, "empty alpha sweep (use list:A1,A2,... or lin:A:B:K)");
    if (!strncmp(spec, "geom:", 5) || !strncmp(spec, "karras:", 7)) { /* the noise grids' spellings */
        MG_TRY(mg_sigmas_parse(spec, alphas, count));
        if (*count < 2 || *count > 10000) {
            free(*alphas);
            *alphas = NULL;
            *count = 0;
            return mg_fail(MG_ERR_ARG, "alpha sweep '%s': needs 2..10000 distinct values", spec);
        }
        return MG_OK;
    }
    const int cap = 10000;
    const char *s = spec;
    double *a = NULL;
    int64_t n = 0;
    if (!strncmp(s, "lin:", 4) || !strncmp(s, "linear:", 7)) {
        s += s[3] == ':' ? 4 : 7;
        double lo, hi, k;
        if (parse_num(&s, ':', &lo) || *s++ != ':' || parse_num(&s, ':', &hi) || *s++ != ':' ||
            parse_num(&s, '\0', &k) || *s || k != floor(k) || k < 2 || k > cap || !(hi > lo))
            return mg_fail(MG_ERR_ARG, "alpha sweep '%s': expected lin:A:B:K (or linear:) with A < B and 2 <= K <= %d",
                           spec, cap);
        n = (int64_t)k;
        if (!(a = malloc((size_t)n * sizeof(double)))) return mg_fail(MG_ERR_NOMEM, "out of memory");
        for (int64_t j = 0; j < n; j++) a[j] = j == n - 1 ? hi : lo + (hi - lo) * (double)j / (double)(n - 1);
    } else {
        if (!strncmp(s, "list:", 5)) s += 5;
        MG_TRY(mg_parse_f64_list(s, "alpha sweep", &a, &n));
        mg_status st = MG_OK;
        if (n > cap) st = mg_fail(MG_ERR_ARG, "alpha sweep '%s': more than %d values", spec, cap);
        for (int64_t j = 1; j < n && st == MG_OK; j++)
            if (!(a[j] > a[j - 1]))
                st = mg_fail(MG_ERR_ARG, "alpha sweep '%s': the values must be strictly ascending", spec);
        if (st != MG_OK) {
            free(a);
            return st;
        }
    }
    *alphas = a;
    *count = (int)n;
    return MG_OK;
}
