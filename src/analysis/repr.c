/*
 * Representations h = relu(W1^T x_t + b1) of memgen DAEs at a noise level, and
 * the spikiness metrics of repr.h (paper Section 3.1-3.2, Algorithm 1,
 * App. B.2), with per-dataset summaries and histograms.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/repr.h"

/* Rows processed per chunk when building representations (bounds the x_t copy). */
#define REPR_CHUNK 1024

static const char *const k_metric_names[] = {"std", "l4l2", "negentropy", "maxmin", "top1", "negpr", "std_sample"};
_Static_assert(sizeof k_metric_names / sizeof *k_metric_names == MG_SPIKE_COUNT, "a name per metric");

/* The metric's name. */
const char *mg_spike_metric_name(mg_spike_metric m) {
    return (m >= 0 && m < MG_SPIKE_COUNT) ? k_metric_names[m] : "?";
}

/* Name -> metric, with the aliases documented in repr.h. */
mg_status mg_spike_metric_parse(const char *name, mg_spike_metric *out) {
    if (!name) return mg_fail(MG_ERR_ARG, "spikiness metric: no name given");
    for (int m = 0; m < MG_SPIKE_COUNT; m++)
        if (!strcmp(name, k_metric_names[m])) {
            *out = (mg_spike_metric)m;
            return MG_OK;
        }
    if (!strcmp(name, "entropy")) {
        *out = MG_SPIKE_NEGENTROPY;
        return MG_OK;
    }
    if (!strcmp(name, "pr")) {
        *out = MG_SPIKE_NEGPR;
        return MG_OK;
    }
    return mg_fail(MG_ERR_ARG,
                   "unknown spikiness metric '%s' (use std, l4l2, negentropy, maxmin, top1, negpr or std_sample)", name);
}

/* Standard deviation over the F entries (two passes, double), with the
 * denominator F - ddof: ddof 0 the population std, 1 the sample std. */
static double row_std(const float *h, int64_t F, int ddof) {
    if (F < 2) return isnan(h[0]) ? NAN : 0.0;
    double s = 0;
    for (int64_t i = 0; i < F; i++) s += h[i];
    double mean = s / (double)F, q = 0;
    for (int64_t i = 0; i < F; i++) {
        double e = h[i] - mean;
        q += e * e;
    }
    return sqrt(q / (double)(F - ddof));
}

/* Sum of |h|, of h^2, of h^4, and max |h| in one pass. */
static void row_moments(const float *h, int64_t F, double *s1, double *s2, double *s4, double *amax) {
    double a1 = 0, a2 = 0, a4 = 0, mx = 0;
    for (int64_t i = 0; i < F; i++) {
        double a = fabs((double)h[i]), q = a * a;
        a1 += a;
        a2 += q;
        a4 += q * q;
        if (a > mx || isnan(a)) mx = a;
    }
    *s1 = a1;
    *s2 = a2;
    *s4 = a4;
    *amax = mx;
}

/* One metric of one row, as defined in repr.h. */
double mg_spikiness(const float *h, int64_t F, mg_spike_metric m) {
    if (F < 1 || !h) return NAN;
    double s1, s2, s4, amax;
    switch (m) {
    case MG_SPIKE_STD: return row_std(h, F, 0);
    case MG_SPIKE_STD_SAMPLE: return row_std(h, F, 1);
    case MG_SPIKE_MAXMIN: {
        double lo = h[0], hi = h[0];
        for (int64_t i = 1; i < F; i++) {
            if (isnan(h[i])) return NAN;
            if (h[i] < lo) lo = h[i];
            if (h[i] > hi) hi = h[i];
        }
        return isnan(lo) ? NAN : hi - lo;
    }
    case MG_SPIKE_L4L2:
        row_moments(h, F, &s1, &s2, &s4, &amax);
        if (isnan(s2)) return NAN;
        if (s2 == 0) return pow((double)F, -0.25);
        return sqrt(sqrt(s4)) / sqrt(s2);
    case MG_SPIKE_TOP1:
        row_moments(h, F, &s1, &s2, &s4, &amax);
        if (isnan(s1)) return NAN;
        return s1 == 0 ? 1.0 / (double)F : amax / s1;
    case MG_SPIKE_NEGPR:
        row_moments(h, F, &s1, &s2, &s4, &amax);
        if (isnan(s2)) return NAN;
        return s2 == 0 ? -(double)F : -(s1 * s1) / s2;
    case MG_SPIKE_NEGENTROPY: {
        double a1 = 0;
        for (int64_t i = 0; i < F; i++) a1 += fabs((double)h[i]);
        if (isnan(a1)) return NAN;
        if (a1 == 0) return -log((double)F);
        double s = 0;
        for (int64_t i = 0; i < F; i++) {
            double p = fabs((double)h[i]) / a1;
            if (p > 0) s += p * log(p);
        }
        return s;
    }
    default: return NAN;
    }
}

/* Checks a matrix view of scores to compute. */
static mg_status check_rows(mg_mat H, const void *out, const char *what) {
    if (H.rows < 0 || H.cols < 1 || H.ld < H.cols || (H.rows > 0 && (!H.data || !out)))
        return mg_fail(MG_ERR_ARG, "%s: representation of %lld x %lld (ld %lld) is empty or invalid", what,
                       (long long)H.rows, (long long)H.cols, (long long)H.ld);
    return MG_OK;
}

/* First row whose score is not finite, or -1. */
static int64_t first_bad(const double *v, int64_t n, int64_t stride) {
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(v[i * stride])) return i;
    return -1;
}

/* Scores of every row for one metric. */
mg_status mg_spikiness_rows(mg_mat H, mg_spike_metric m, double *out) {
    MG_TRY(check_rows(H, out, "spikiness"));
    if (m < 0 || m >= MG_SPIKE_COUNT) return mg_fail(MG_ERR_ARG, "spikiness: invalid metric %d", (int)m);
    int64_t n = H.rows;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n * H.cols > 262144)
#endif
    for (int64_t i = 0; i < n; i++) out[i] = mg_spikiness(H.data + i * H.ld, H.cols, m);
    int64_t bad = first_bad(out, n, 1);
    if (bad >= 0)
        return mg_fail(MG_ERR_NUMERIC, "spikiness: the %s of row %lld is not finite (the representation holds NaN/Inf)",
                       mg_spike_metric_name(m), (long long)bad);
    return MG_OK;
}

/* All metrics of every row (n x MG_SPIKE_COUNT). */
mg_status mg_spikiness_all(mg_mat H, double *out) {
    MG_TRY(check_rows(H, out, "spikiness"));
    int64_t n = H.rows, F = H.cols;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n * F > 65536)
#endif
    for (int64_t i = 0; i < n; i++) {
        const float *h = H.data + i * H.ld;
        double *o = out + i * MG_SPIKE_COUNT;
        double s1, s2, s4, amax, lo = h[0], hi = h[0];
        row_moments(h, F, &s1, &s2, &s4, &amax);
        for (int64_t j = 1; j < F; j++) {
            if (h[j] < lo) lo = h[j];
            if (h[j] > hi) hi = h[j];
        }
        o[MG_SPIKE_STD] = row_std(h, F, 0);
        o[MG_SPIKE_STD_SAMPLE] = row_std(h, F, 1);
        o[MG_SPIKE_MAXMIN] = hi - lo;
        o[MG_SPIKE_L4L2] = s2 == 0 ? pow((double)F, -0.25) : sqrt(sqrt(s4)) / sqrt(s2);
        o[MG_SPIKE_TOP1] = s1 == 0 ? 1.0 / (double)F : amax / s1;
        o[MG_SPIKE_NEGPR] = s2 == 0 ? -(double)F : -(s1 * s1) / s2;
        double e = 0;
        if (s1 == 0) {
            e = -log((double)F);
        } else {
            for (int64_t j = 0; j < F; j++) {
                double p = fabs((double)h[j]) / s1;
                if (p > 0) e += p * log(p);
            }
        }
        o[MG_SPIKE_NEGENTROPY] = e;
    }
    for (int m = 0; m < MG_SPIKE_COUNT; m++) {
        int64_t bad = first_bad(out + m, n, MG_SPIKE_COUNT);
        if (bad >= 0)
            return mg_fail(MG_ERR_NUMERIC,
                           "spikiness: the %s of row %lld is not finite (the representation holds NaN/Inf)",
                           mg_spike_metric_name((mg_spike_metric)m), (long long)bad);
    }
    return MG_OK;
}

/* Ascending order for qsort. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* numpy.quantile (linear) of sorted s[0..n-1] at q in [0, 1]. */
static double quantile_sorted(const double *s, int64_t n, double q) {
    double pos = q * (double)(n - 1);
    int64_t lo = (int64_t)floor(pos);
    if (lo >= n - 1) return s[n - 1];
    double t = pos - (double)lo;
    return s[lo] + t * (s[lo + 1] - s[lo]);
}

/* Mean, std (1/n), min, quantiles and max of a column. */
mg_status mg_summarize(const double *x, int64_t n, mg_summary *out) {
    memset(out, 0, sizeof *out);
    if (n < 1 || !x) return mg_fail(MG_ERR_ARG, "summary: no values to summarise");
    int64_t bad = first_bad(x, n, 1);
    if (bad >= 0) return mg_fail(MG_ERR_NUMERIC, "summary: value %lld is not finite", (long long)bad);
    double *s = mg_alloc((size_t)n, sizeof(double)); /* n: sorted copy */
    if (!s) return mg_fail(MG_ERR_NOMEM, "summary: out of memory for %lld values", (long long)n);
    memcpy(s, x, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    double sum = 0, q = 0;
    for (int64_t i = 0; i < n; i++) sum += x[i];
    double mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++) q += (x[i] - mean) * (x[i] - mean);
    out->n = n;
    out->mean = mean;
    out->std = sqrt(q / (double)n);
    out->min = s[0];
    out->max = s[n - 1];
    out->q05 = quantile_sorted(s, n, 0.05);
    out->q25 = quantile_sorted(s, n, 0.25);
    out->median = quantile_sorted(s, n, 0.5);
    out->q75 = quantile_sorted(s, n, 0.75);
    out->q95 = quantile_sorted(s, n, 0.95);
    free(s);
    return MG_OK;
}

/* Equal-width histogram over [lo, hi] (numpy.histogram's bin rule). */
mg_status mg_histogram(const double *x, int64_t n, int bins, double lo, double hi, int64_t *counts) {
    if (bins < 1 || !(lo < hi) || !isfinite(lo) || !isfinite(hi) || !counts)
        return mg_fail(MG_ERR_ARG, "histogram: need bins >= 1 and finite lo < hi (got %d bins over [%g, %g])", bins,
                       lo, hi);
    memset(counts, 0, (size_t)bins * sizeof(int64_t));
    double w = (hi - lo) / bins;
    for (int64_t i = 0; i < n; i++) {
        double v = x[i];
        if (!(v >= lo && v <= hi)) continue;
        int64_t b = (int64_t)((v - lo) / w);
        if (b >= bins) b = bins - 1;
        /* numpy places a value on an interior edge in the upper bin; (v-lo)/w
         * can round below an exact edge, so correct against the edge itself */
        if (b + 1 < bins && v >= lo + (double)(b + 1) * w) b++;
        counts[b]++;
    }
    return MG_OK;
}

/* Two-peak test of a histogram (see repr.h). */
mg_status mg_histogram_bimodal(const int64_t *counts, int bins, double max_valley, mg_bimodal *out) {
    if (!counts || !out || bins < 1 || !(max_valley >= 0 && max_valley < 1))
        return mg_fail(MG_ERR_ARG, "bimodality: need counts, bins >= 1 and 0 <= max_valley < 1 (got %d, %g)", bins,
                       max_valley);
    out->bimodal = 0;
    out->peak1 = out->peak2 = out->valley = -1;
    out->dip = NAN;
    int p1 = 0;
    for (int b = 0; b < bins; b++) {
        if (counts[b] < 0) return mg_fail(MG_ERR_ARG, "bimodality: negative count in bin %d", b);
        if (counts[b] > counts[p1]) p1 = b;
    }
    out->peak1 = p1;
    for (int j = 0; j < bins; j++) {
        if (j == p1 || counts[j] <= 0) continue;
        if ((j > 0 && counts[j - 1] > counts[j]) || (j + 1 < bins && counts[j + 1] > counts[j])) continue;
        int lo = j < p1 ? j : p1, hi = j < p1 ? p1 : j, v = -1;
        for (int b = lo + 1; b < hi; b++)
            if (v < 0 || counts[b] < counts[v]) v = b;
        if (v < 0 || (double)counts[v] > max_valley * (double)counts[j]) continue;
        int better = out->peak2 < 0 || counts[j] > counts[out->peak2] ||
                     (counts[j] == counts[out->peak2] && abs(j - p1) < abs(out->peak2 - p1));
        if (better) {
            out->peak2 = j;
            out->valley = v;
            out->dip = (double)counts[v] / (double)counts[j];
        }
    }
    out->bimodal = out->peak2 >= 0;
    return MG_OK;
}

/* x + sigma * eps per row, eps of row i from fork(rng, row0 + i). */
mg_status mg_noisy_rows(mg_mat X, double sigma, const mg_rng *rng, int64_t row0, mg_mat Xt) {
    if (Xt.rows != X.rows || Xt.cols != X.cols || Xt.ld < Xt.cols || X.ld < X.cols)
        return mg_fail(MG_ERR_SHAPE, "noisy copy: output %lld x %lld does not match input %lld x %lld",
                       (long long)Xt.rows, (long long)Xt.cols, (long long)X.rows, (long long)X.cols);
    if (!(sigma >= 0) || !isfinite(sigma)) return mg_fail(MG_ERR_ARG, "noisy copy: sigma must be >= 0 (got %g)", sigma);
    if (sigma > 0 && !rng) return mg_fail(MG_ERR_ARG, "noisy copy: sigma > 0 needs a random generator");
    int64_t n = X.rows, d = X.cols;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n * d > 262144)
#endif
    for (int64_t i = 0; i < n; i++) {
        const float *x = X.data + i * X.ld;
        float *y = Xt.data + i * Xt.ld;
        if (sigma > 0) {
            mg_rng r = mg_rng_fork(rng, (uint64_t)(row0 + i));
            mg_rng_add_noise(&r, x, (float)sigma, y, (size_t)d);
        } else if (y != x) {
            memcpy(y, x, (size_t)d * sizeof(float));
        }
    }
    return MG_OK;
}

/* Checks that H is n x width with ld >= width. */
static mg_status check_out(mg_mat H, int64_t n, int64_t width, const char *what) {
    if (H.rows != n || H.cols != width || H.ld < H.cols || (n > 0 && !H.data))
        return mg_fail(MG_ERR_SHAPE, "%s: output is %lld x %lld, expected %lld x %lld", what, (long long)H.rows,
                       (long long)H.cols, (long long)n, (long long)width);
    return MG_OK;
}

/* Representations at sigma for a list of (model, sigma) pairs written side by
 * side into H, from ONE noise draw per row (Algorithm 1 per level). */
static mg_status repr_levels(const mg_dae *const *models, const double *sigmas, int L, mg_mat X, const mg_rng *rng,
                             int64_t row0, mg_mat H) {
    int64_t n = X.rows, d = X.cols;
    if (n == 0) return MG_OK;
    int64_t chunk = n < REPR_CHUNK ? n : REPR_CHUNK;
    int need_noise = 0;
    for (int l = 0; l < L; l++) {
        if (!(sigmas[l] >= 0) || !isfinite(sigmas[l]))
            return mg_fail(MG_ERR_ARG, "representation: sigma must be >= 0 (got %g)", sigmas[l]);
        need_noise |= sigmas[l] > 0;
    }
    if (need_noise && !rng) return mg_fail(MG_ERR_ARG, "representation: sigma > 0 needs a random generator");
    /* one level: x_t is made in one fused pass (mg_noisy_rows); several
     * levels share eps, which is drawn once per chunk */
    if (L == 1) need_noise = 0;
    float *E = need_noise ? mg_alloc((size_t)chunk * (size_t)d, sizeof(float)) : NULL;  /* chunk x d: eps */
    float *Xt = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));                     /* chunk x d: x_t */
    if (!Xt || (need_noise && !E)) {
        free(E);
        free(Xt);
        return mg_fail(MG_ERR_NOMEM, "representation: out of memory for a %lld x %lld chunk", (long long)chunk,
                       (long long)d);
    }
    mg_status st = MG_OK;
    for (int64_t r0 = 0; r0 < n && st == MG_OK; r0 += chunk) {
        int64_t m = n - r0 < chunk ? n - r0 : chunk;
        mg_mat Xc = {m, d, X.ld, X.data + r0 * X.ld};
        if (need_noise) {
            /* eps itself: noise added to zeros */
            memset(E, 0, (size_t)m * (size_t)d * sizeof(float));
            mg_mat Ec = {m, d, d, E};
            st = mg_noisy_rows(Ec, 1.0, rng, row0 + r0, Ec);
        }
        int64_t col = 0;
        if (L == 1 && st == MG_OK) {
            st = mg_noisy_rows(Xc, sigmas[0], rng, row0 + r0, (mg_mat){m, d, d, Xt});
            if (st == MG_OK) st = mg_dae_encode(models[0], (mg_mat){m, d, d, Xt}, (mg_mat){m, H.cols, H.ld, H.data + r0 * H.ld});
            continue;
        }
        for (int l = 0; l < L && st == MG_OK; l++) {
            float s = (float)sigmas[l];
            for (int64_t i = 0; i < m; i++) {
                const float *x = Xc.data + i * Xc.ld;
                float *y = Xt + i * d;
                if (s > 0) {
                    const float *e = E + i * d;
                    for (int64_t j = 0; j < d; j++) y[j] = x[j] + s * e[j];
                } else {
                    memcpy(y, x, (size_t)d * sizeof(float));
                }
            }
            int64_t p = mg_dae_hidden(models[l]);
            mg_mat Hc = {m, p, H.ld, H.data + r0 * H.ld + col};
            st = mg_dae_encode(models[l], (mg_mat){m, d, d, Xt}, Hc);
            col += p;
        }
    }
    free(E);
    free(Xt);
    return st;
}

/* h = relu(W1^T (x + sigma eps) + b1) for one DAE, X's row i being row row0 + i. */
mg_status mg_repr_dae_rows(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, int64_t row0, mg_mat H) {
    if (!m) return mg_fail(MG_ERR_ARG, "representation: no model");
    if (row0 < 0) return mg_fail(MG_ERR_ARG, "representation: first row %lld < 0", (long long)row0);
    if (X.cols != mg_dae_dim(m))
        return mg_fail(MG_ERR_SHAPE, "representation: data have %lld features but the model has dimension %lld",
                       (long long)X.cols, (long long)mg_dae_dim(m));
    if (X.rows > 0) MG_TRY(mg_mat_check(X, "representation"));
    MG_TRY(check_out(H, X.rows, mg_dae_hidden(m), "representation"));
    return repr_levels(&m, &sigma, 1, X, rng, row0, H);
}

/* h = relu(W1^T (x + sigma eps) + b1) for one DAE. */
mg_status mg_repr_dae(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, mg_mat H) {
    return mg_repr_dae_rows(m, X, sigma, rng, 0, H);
}

/* The representation at the set's level nearest sigma. */
mg_status mg_repr_set(const mg_daeset *set, mg_mat X, double sigma, const mg_rng *rng, mg_mat H, int *level) {
    MG_TRY(mg_daeset_validate(set));
    int k;
    MG_TRY(mg_daeset_level(set, sigma, "representation", &k));
    if (level) *level = k;
    return mg_repr_dae(set->levels[k], X, sigma, rng, H);
}

/* Sum of the widths of the levels nearest each sigma. */
int64_t mg_repr_multi_width(const mg_daeset *set, const double *sigmas, int nsigmas) {
    int64_t w = 0;
    for (int l = 0; l < nsigmas; l++) w += mg_dae_hidden(set->levels[mg_daeset_nearest(set, sigmas[l])]);
    return w;
}

/* Concatenated representations at several levels from one noise draw. */
mg_status mg_repr_multi(const mg_daeset *set, mg_mat X, const double *sigmas, int nsigmas, const mg_rng *rng,
                        int64_t row0, mg_mat H) {
    MG_TRY(mg_daeset_validate(set));
    if (nsigmas < 1 || !sigmas) return mg_fail(MG_ERR_ARG, "representation: no noise levels given");
    for (int l = 0; l < nsigmas; l++) {
        int k;
        MG_TRY(mg_daeset_level(set, sigmas[l], "representation", &k));
    }
    int64_t d = mg_dae_dim(set->levels[0]);
    if (X.cols != d)
        return mg_fail(MG_ERR_SHAPE, "representation: data have %lld features but the model has dimension %lld",
                       (long long)X.cols, (long long)d);
    if (X.rows > 0) MG_TRY(mg_mat_check(X, "representation"));
    MG_TRY(check_out(H, X.rows, mg_repr_multi_width(set, sigmas, nsigmas), "multi-level representation"));
    const mg_dae **models = malloc((size_t)nsigmas * sizeof *models);
    if (!models) return mg_fail(MG_ERR_NOMEM, "representation: out of memory");
    for (int l = 0; l < nsigmas; l++) models[l] = set->levels[mg_daeset_nearest(set, sigmas[l])];
    mg_status st = repr_levels(models, sigmas, nsigmas, X, rng, row0, H);
    free(models);
    return st;
}

/* Monte Carlo denoising error |f(x + sigma eps) - x|^2 per row (see repr.h). */
mg_status mg_denoise_error(const mg_dae *m, mg_mat X, double sigma, const mg_rng *rng, int64_t draws, double *err,
                           double *mean, double *se) {
    if (!m) return mg_fail(MG_ERR_ARG, "denoising error: no model");
    if (X.cols != mg_dae_dim(m) || X.rows < 1 || X.ld < X.cols)
        return mg_fail(MG_ERR_SHAPE, "denoising error: data are %lld x %lld but the model has dimension %lld",
                       (long long)X.rows, (long long)X.cols, (long long)mg_dae_dim(m));
    MG_TRY(mg_mat_check(X, "denoising error"));
    if (draws < 1) return mg_fail(MG_ERR_ARG, "denoising error: draws must be >= 1 (got %lld)", (long long)draws);
    int64_t n = X.rows, d = X.cols, p = mg_dae_hidden(m);
    int64_t chunk = n < REPR_CHUNK ? n : REPR_CHUNK;
    float *Xt = mg_alloc((size_t)chunk * (size_t)d, sizeof(float)); /* chunk x d: x + sigma eps */
    float *Y = mg_alloc((size_t)chunk * (size_t)d, sizeof(float));  /* chunk x d: f(x_t) */
    float *H = mg_alloc((size_t)chunk * (size_t)p, sizeof(float));  /* chunk x p: representation */
    double *acc = mg_calloc((size_t)n, sizeof(double));             /* n: sum over draws */
    if (!Xt || !Y || !H || !acc) {
        free(Xt), free(Y), free(H), free(acc);
        return mg_fail(MG_ERR_NOMEM, "denoising error: out of memory for a %lld x %lld chunk", (long long)chunk,
                       (long long)d);
    }
    mg_status st = MG_OK;
    double sum = 0, sum2 = 0;
    for (int64_t t = 0; t < draws && st == MG_OK; t++)
        for (int64_t r0 = 0; r0 < n && st == MG_OK; r0 += chunk) {
            int64_t c = n - r0 < chunk ? n - r0 : chunk;
            mg_mat Xc = {c, d, X.ld, X.data + r0 * X.ld}, Xtc = {c, d, d, Xt};
            st = mg_noisy_rows(Xc, sigma, rng, t * n + r0, Xtc);
            if (st == MG_OK) st = mg_dae_forward(m, Xtc, (mg_mat){c, p, p, H}, (mg_mat){c, d, d, Y});
            for (int64_t i = 0; i < c && st == MG_OK; i++) {
                const float *x = Xc.data + i * Xc.ld, *y = Y + i * d;
                double e = 0;
                for (int64_t j = 0; j < d; j++) e += ((double)y[j] - x[j]) * ((double)y[j] - x[j]);
                acc[r0 + i] += e;
                sum += e;
                sum2 += e * e;
            }
        }
    if (st == MG_OK) {
        double N = (double)n * (double)draws, mu = sum / N;
        if (err)
            for (int64_t i = 0; i < n; i++) err[i] = acc[i] / (double)draws;
        if (mean) *mean = mu;
        if (se) {
            double var = N > 1 ? (sum2 - N * mu * mu) / (N - 1) : 0.0;
            *se = var > 0 ? sqrt(var / N) : 0.0;
        }
    }
    free(Xt), free(Y), free(H), free(acc);
    return st;
}
