/*
 * Detector thresholds and evaluation (detect.h): calibration at a target FPR,
 * exact AUROC with midranks (Mann-Whitney), the ROC curve, TPR at a fixed FPR
 * (step rule, no interpolation) and stratified bootstrap intervals. The rules
 * are stated in detect.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/detect.h"

/* Slack for comparing a count against a * n (a * n is rarely exact in binary). */
#define FPR_EPS 1e-9

/* Ascending order for qsort. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Checks scores and labels; counts the classes. */
static mg_status check_labelled(const double *scores, const int *labels, int64_t n, int64_t *npos, int64_t *nneg,
                                const char *what) {
    if (n < 1 || !scores || !labels) return mg_fail(MG_ERR_ARG, "%s: no samples", what);
    int64_t p = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i] != 0 && labels[i] != 1)
            return mg_fail(MG_ERR_ARG, "%s: label %lld is %d; labels must be 1 (memorized) or 0 (generalized)", what,
                           (long long)i, labels[i]);
        if (!isfinite(scores[i]))
            return mg_fail(MG_ERR_NUMERIC, "%s: score %lld is not finite", what, (long long)i);
        p += labels[i];
    }
    if (p == 0 || p == n)
        return mg_fail(MG_ERR_ARG,
                       "%s: all %lld samples are %s; AUROC and TPR need both memorized (1) and generalized (0) samples",
                       what, (long long)n, p == 0 ? "generalized (label 0)" : "memorized (label 1)");
    *npos = p;
    *nneg = n - p;
    return MG_OK;
}

/* Threshold = r_(n-k), k = floor(fpr n). */
mg_status mg_detect_calibrate(const double *ref, int64_t n, double fpr, double *threshold) {
    if (n < 1 || !ref) return mg_fail(MG_ERR_ARG, "calibration: no reference scores");
    if (!(fpr >= 0 && fpr < 1))
        return mg_fail(MG_ERR_ARG, "calibration: target false-positive rate must be in [0, 1) (got %g)", fpr);
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(ref[i])) return mg_fail(MG_ERR_NUMERIC, "calibration: reference score %lld is not finite", (long long)i);
    double *s = malloc((size_t)n * sizeof(double)); /* n: sorted copy */
    if (!s) return mg_fail(MG_ERR_NOMEM, "calibration: out of memory");
    memcpy(s, ref, (size_t)n * sizeof(double));
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    int64_t k = (int64_t)floor(fpr * (double)n + FPR_EPS);
    if (k > n - 1) k = n - 1;
    *threshold = s[n - 1 - k];
    free(s);
    return MG_OK;
}

/* flags[i] = scores[i] > threshold (Algorithm 1). */
int64_t mg_detect_flag(const double *scores, int64_t n, double threshold, int *flags) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) {
        int f = scores[i] > threshold;
        if (flags) flags[i] = f;
        c += f;
    }
    return c;
}

/* Index sort by score (ascending) with a context-free comparator. */
typedef struct {
    double s;
    int label;
} scored;

static int cmp_scored(const void *a, const void *b) {
    double x = ((const scored *)a)->s, y = ((const scored *)b)->s;
    return (x > y) - (x < y);
}

/* AUROC of already-checked (score, label) pairs; sorts v in place. */
static double auroc_pairs(scored *v, int64_t n, int64_t npos, int64_t nneg) {
    qsort(v, (size_t)n, sizeof *v, cmp_scored);
    double rpos = 0; /* sum of the midranks of the positives (ranks 1..n) */
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        int64_t pos = 0;
        while (j < n && v[j].s == v[i].s) pos += v[j++].label;
        double mid = 0.5 * (double)(i + 1 + j); /* average of ranks i+1 .. j */
        rpos += mid * (double)pos;
        i = j;
    }
    return (rpos - 0.5 * (double)npos * (double)(npos + 1)) / ((double)npos * (double)nneg);
}

/* Exact AUROC (Mann-Whitney U with midranks). */
mg_status mg_auroc(const double *scores, const int *labels, int64_t n, double *auc) {
    int64_t np, nn;
    MG_TRY(check_labelled(scores, labels, n, &np, &nn, "AUROC"));
    scored *v = malloc((size_t)n * sizeof *v);
    if (!v) return mg_fail(MG_ERR_NOMEM, "AUROC: out of memory for %lld samples", (long long)n);
    for (int64_t i = 0; i < n; i++) v[i] = (scored){scores[i], labels[i]};
    *auc = auroc_pairs(v, n, np, nn);
    free(v);
    return MG_OK;
}

/* AUROC by counting every (positive, negative) pair. */
mg_status mg_auroc_naive(const double *scores, const int *labels, int64_t n, double *auc) {
    int64_t np, nn;
    MG_TRY(check_labelled(scores, labels, n, &np, &nn, "AUROC"));
    double c = 0;
    for (int64_t i = 0; i < n; i++) {
        if (!labels[i]) continue;
        for (int64_t j = 0; j < n; j++) {
            if (labels[j]) continue;
            c += scores[i] > scores[j] ? 1.0 : (scores[i] == scores[j] ? 0.5 : 0.0);
        }
    }
    *auc = c / ((double)np * (double)nn);
    return MG_OK;
}

/* Walks the descending groups of equal score: the ROC points (fp, tp, t). If
 * fpr/tpr/thr are NULL only *npts is computed; returns the best TPR with
 * FPR <= target in *best (and its threshold in *best_thr) when best != NULL. */
static void roc_walk(scored *v, int64_t n, int64_t npos, int64_t nneg, double *fpr, double *tpr, double *thr,
                     int64_t *npts, double target, double *best, double *best_thr) {
    qsort(v, (size_t)n, sizeof *v, cmp_scored);
    int64_t k = 0, tp = 0, fp = 0;
    double lim = target * (double)nneg + FPR_EPS;
    if (fpr) {
        fpr[0] = 0;
        tpr[0] = 0;
        thr[0] = INFINITY;
    }
    k = 1;
    if (best) {
        *best = 0;
        *best_thr = INFINITY;
    }
    for (int64_t i = n - 1; i >= 0;) {
        int64_t j = i;
        while (j >= 0 && v[j].s == v[i].s) {
            tp += v[j].label;
            fp += !v[j].label;
            j--;
        }
        double f = (double)fp / (double)nneg, t = (double)tp / (double)npos;
        if (fpr) {
            fpr[k] = f;
            tpr[k] = t;
            thr[k] = v[i].s;
        }
        if (best && (double)fp <= lim && t > *best) {
            *best = t;
            *best_thr = v[i].s;
        }
        k++;
        i = j;
    }
    *npts = k;
}

/* The ROC curve, one point per distinct score. */
mg_status mg_roc_curve(const double *scores, const int *labels, int64_t n, double **fpr, double **tpr, double **thr,
                       int64_t *npts) {
    *fpr = *tpr = *thr = NULL;
    int64_t np, nn;
    MG_TRY(check_labelled(scores, labels, n, &np, &nn, "ROC curve"));
    scored *v = malloc((size_t)n * sizeof *v);
    double *a = malloc((size_t)(n + 1) * sizeof(double)), *b = malloc((size_t)(n + 1) * sizeof(double)),
           *c = malloc((size_t)(n + 1) * sizeof(double));
    if (!v || !a || !b || !c) {
        free(v);
        free(a);
        free(b);
        free(c);
        return mg_fail(MG_ERR_NOMEM, "ROC curve: out of memory for %lld samples", (long long)n);
    }
    for (int64_t i = 0; i < n; i++) v[i] = (scored){scores[i], labels[i]};
    roc_walk(v, n, np, nn, a, b, c, npts, 0, NULL, NULL);
    free(v);
    *fpr = a;
    *tpr = b;
    *thr = c;
    return MG_OK;
}

/* Largest TPR whose FPR <= target. */
mg_status mg_tpr_at_fpr(const double *scores, const int *labels, int64_t n, double fpr, double *tpr, double *thr) {
    int64_t np, nn, k;
    MG_TRY(check_labelled(scores, labels, n, &np, &nn, "TPR at FPR"));
    if (!(fpr >= 0 && fpr <= 1)) return mg_fail(MG_ERR_ARG, "TPR at FPR: target FPR must be in [0, 1] (got %g)", fpr);
    scored *v = malloc((size_t)n * sizeof *v);
    if (!v) return mg_fail(MG_ERR_NOMEM, "TPR at FPR: out of memory");
    for (int64_t i = 0; i < n; i++) v[i] = (scored){scores[i], labels[i]};
    double t, th;
    roc_walk(v, n, np, nn, NULL, NULL, NULL, &k, fpr, &t, &th);
    free(v);
    *tpr = t;
    if (thr) *thr = th;
    return MG_OK;
}

/* numpy.quantile (linear) of s[0..n-1], sorting it. */
static double quantile(double *s, int64_t n, double q) {
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    double pos = q * (double)(n - 1);
    int64_t lo = (int64_t)floor(pos);
    if (lo >= n - 1) return s[n - 1];
    return s[lo] + (pos - (double)lo) * (s[lo + 1] - s[lo]);
}

/* AUROC, TPR at fpr and stratified bootstrap intervals. */
mg_status mg_detect_evaluate(const double *scores, const int *labels, int64_t n, double fpr, int bootstrap,
                             double level, const mg_rng *rng, mg_detect_eval *out) {
    memset(out, 0, sizeof *out);
    int64_t np, nn;
    MG_TRY(check_labelled(scores, labels, n, &np, &nn, "evaluation"));
    if (!(fpr >= 0 && fpr <= 1)) return mg_fail(MG_ERR_ARG, "evaluation: target FPR must be in [0, 1] (got %g)", fpr);
    if (bootstrap < 0 || bootstrap > 1000000)
        return mg_fail(MG_ERR_ARG, "evaluation: bootstrap resamples must be in 0..1e6 (got %d)", bootstrap);
    if (bootstrap > 0 && (!(level > 0 && level < 1) || !rng))
        return mg_fail(MG_ERR_ARG, "evaluation: bootstrap needs a level in (0, 1) (got %g) and a random generator",
                       level);
    out->n_pos = np;
    out->n_neg = nn;
    out->fpr_target = fpr;
    out->bootstrap = bootstrap;
    out->level = level;
    out->auroc_lo = out->auroc_hi = out->tpr_lo = out->tpr_hi = NAN;
    MG_TRY(mg_auroc(scores, labels, n, &out->auroc));
    MG_TRY(mg_tpr_at_fpr(scores, labels, n, fpr, &out->tpr, &out->thr_at_fpr));
    if (bootstrap == 0) return MG_OK;

    int64_t *pos = malloc((size_t)np * sizeof(int64_t)), *neg = malloc((size_t)nn * sizeof(int64_t));
    scored *v = malloc((size_t)n * sizeof *v);
    double *aucs = malloc((size_t)bootstrap * sizeof(double)), *tprs = malloc((size_t)bootstrap * sizeof(double));
    mg_status st = MG_OK;
    if (!pos || !neg || !v || !aucs || !tprs) {
        st = mg_fail(MG_ERR_NOMEM, "evaluation: out of memory for %d bootstrap resamples", bootstrap);
        goto done;
    }
    int64_t a = 0, b = 0;
    for (int64_t i = 0; i < n; i++) {
        if (labels[i]) pos[a++] = i;
        else neg[b++] = i;
    }
    for (int r = 0; r < bootstrap; r++) {
        mg_rng g = mg_rng_fork(rng, (uint64_t)r);
        for (int64_t i = 0; i < np; i++) {
            int64_t k = pos[mg_rng_below(&g, (uint64_t)np)];
            v[i] = (scored){scores[k], 1};
        }
        for (int64_t i = 0; i < nn; i++) {
            int64_t k = neg[mg_rng_below(&g, (uint64_t)nn)];
            v[np + i] = (scored){scores[k], 0};
        }
        aucs[r] = auroc_pairs(v, n, np, nn);
        int64_t k;
        double th;
        roc_walk(v, n, np, nn, NULL, NULL, NULL, &k, fpr, &tprs[r], &th);
    }
    double lo = 0.5 * (1 - level), hi = 0.5 * (1 + level);
    out->auroc_lo = quantile(aucs, bootstrap, lo);
    out->auroc_hi = quantile(aucs, bootstrap, hi);
    out->tpr_lo = quantile(tprs, bootstrap, lo);
    out->tpr_hi = quantile(tprs, bootstrap, hi);
done:
    free(pos);
    free(neg);
    free(v);
    free(aucs);
    free(tprs);
    return st;
}
