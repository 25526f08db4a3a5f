/*
 * Duplicated subsets (paper Cor. 3.4, App. A.4): repeat m existing samples c
 * times, or inject m new rank-1 clusters (a point repeated c times), into any
 * dataset, recording which rows belong to a duplicated group.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/dup.h"

/* qsort comparator for doubles. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median Euclidean norm of the rows of X, in double. */
static mg_status median_norm(mg_mat X, double *out) {
    const int64_t n = X.rows;
    double *nr = malloc((size_t)n * sizeof *nr); /* n row norms */
    if (!nr) return mg_fail(MG_ERR_NOMEM, "duplicates: out of memory");
    for (int64_t i = 0; i < n; i++) {
        const float *x = X.data + i * X.ld;
        double s = 0;
        for (int64_t j = 0; j < X.cols; j++) s += (double)x[j] * x[j];
        nr[i] = sqrt(s);
    }
    qsort(nr, (size_t)n, sizeof *nr, cmp_double);
    *out = n % 2 ? nr[n / 2] : 0.5 * (nr[n / 2 - 1] + nr[n / 2]);
    free(nr);
    return MG_OK;
}

/* Appends duplicated or injected groups (dup.h). */
mg_status mg_data_duplicate(mg_mat X, const int64_t *labels, const mg_dup_spec *s, const mg_rng *rng,
                            mg_dup_result *out) {
    memset(out, 0, sizeof *out);
    const int64_t n = X.rows, d = X.cols;
    if (!X.data || !s || !rng || n < 1 || d < 1 || X.ld < d)
        return mg_fail(MG_ERR_ARG, "duplicates: empty data, bad leading dimension or NULL argument");
    int64_t m = s->count, c = s->times;
    if (m < 1) return mg_fail(MG_ERR_ARG, "duplicates: count %lld must be >= 1", (long long)m);
    if (c < 2) return mg_fail(MG_ERR_ARG, "duplicates: times %lld must be >= 2 (total occurrences of each point)",
                              (long long)c);
    if (!s->inject && m > n)
        return mg_fail(MG_ERR_ARG, "duplicates: cannot pick %lld distinct rows out of %lld", (long long)m, (long long)n);
    if (!(s->jitter >= 0) || !isfinite(s->jitter) || !isfinite(s->inject_norm))
        return mg_fail(MG_ERR_ARG, "duplicates: jitter %g / norm %g must be finite, jitter >= 0", s->jitter,
                       s->inject_norm);
    int64_t extra_per = s->inject ? c : c - 1;
    if (m > (INT64_C(1) << 40) / extra_per)
        return mg_fail(MG_ERR_ARG, "duplicates: %lld x %lld copies is too many", (long long)m, (long long)c);
    int64_t nout = n + m * extra_per;
    size_t bytes;
    if (mg_mul_overflow_size((size_t)nout, (size_t)d, &bytes) || bytes > ((size_t)1 << 38))
        return mg_fail(MG_ERR_NOMEM, "duplicates: output of %lld x %lld is too large", (long long)nout, (long long)d);

    mg_status st = mg_array_alloc(&out->X, MG_F32, 2, (int64_t[]){nout, d});
    if (st != MG_OK) return mg_fail_context(st, "duplicates");
    float *Y = out->X.data; /* nout x d */
    out->group = malloc((size_t)nout * sizeof(int64_t));
    if (labels) out->labels = malloc((size_t)nout * sizeof(int64_t));
    int64_t *pick = malloc((size_t)(s->inject ? 1 : n) * sizeof(int64_t));
    double *dir = malloc((size_t)d * sizeof(double)); /* one injected direction */
    float *noise = malloc((size_t)d * sizeof(float));
    if (!out->group || (labels && !out->labels) || !pick || !dir || !noise) {
        st = mg_fail(MG_ERR_NOMEM, "duplicates: out of memory for %lld x %lld", (long long)nout, (long long)d);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) memcpy(Y + i * d, X.data + i * X.ld, (size_t)d * sizeof(float));
    for (int64_t i = 0; i < nout; i++) out->group[i] = -1;
    if (labels) memcpy(out->labels, labels, (size_t)n * sizeof(int64_t));

    double norm = s->inject_norm;
    if (s->inject && norm <= 0) {
        st = median_norm(X, &norm);
        if (st != MG_OK) goto done;
    }
    if (!s->inject) {
        /* The first m of a random permutation, in the order drawn. */
        mg_rng pr = mg_rng_fork(rng, MG_FORK_DUP_PICK);
        mg_rng_permutation(&pr, pick, n);
    }
    mg_rng ir = mg_rng_fork(rng, MG_FORK_DUP_INJECT);
    mg_rng jr = mg_rng_fork(rng, MG_FORK_DUP_JITTER);
    int64_t row = n;
    for (int64_t g = 0; g < m; g++) {
        int64_t first; /* output row holding the exact point */
        if (s->inject) {
            mg_rng_normal_d(&ir, dir, (size_t)d);
            double nn = 0;
            for (int64_t j = 0; j < d; j++) nn += dir[j] * dir[j];
            nn = sqrt(nn);
            first = row++;
            for (int64_t j = 0; j < d; j++) Y[first * d + j] = (float)(norm * dir[j] / nn);
            out->group[first] = first;
            if (labels) out->labels[first] = -1;
        } else {
            first = pick[g];
            out->group[first] = first;
        }
        for (int64_t k = 1; k < c; k++, row++) {
            float *dst = Y + row * d;
            const float *src = Y + first * d;
            if (s->jitter > 0) {
                mg_rng_normal(&jr, noise, (size_t)d);
                for (int64_t j = 0; j < d; j++) dst[j] = src[j] + (float)s->jitter * noise[j];
            } else {
                memcpy(dst, src, (size_t)d * sizeof(float));
            }
            out->group[row] = first;
            if (labels) out->labels[row] = out->labels[first];
        }
    }

done:
    free(pick);
    free(dir);
    free(noise);
    if (st != MG_OK) mg_dup_result_free(out);
    return st;
}

/* Frees a duplication result (safe on NULL and on a zeroed struct). */
void mg_dup_result_free(mg_dup_result *r) {
    if (!r) return;
    mg_array_free(&r->X);
    free(r->group);
    free(r->labels);
    memset(r, 0, sizeof *r);
}
