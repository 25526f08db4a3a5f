/*
 * Noise-level grids for DAE sets and samplers (see schedule.h for the spec
 * syntax).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/schedule.h"

#define MAX_LEVELS 100000

/* Parses a finite double occupying all of s. */
static int parse_num(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (s == end || *end || errno == ERANGE || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

/* Ascending comparison for qsort. */
static int cmp_asc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* K log-spaced levels from smin to smax. */
mg_status mg_sigmas_geometric(double smin, double smax, int K, double *out) {
    if (!(smin > 0) || !(smax >= smin) || !isfinite(smax) || K < 1)
        return mg_fail(MG_ERR_ARG, "geometric grid needs 0 < sigma_min <= sigma_max and K >= 1 (got %g, %g, %d)",
                       smin, smax, K);
    if (K == 1) {
        out[0] = smin;
        return MG_OK;
    }
    double a = log(smin), b = log(smax);
    for (int i = 0; i < K; i++) out[i] = exp(a + (b - a) * (double)i / (double)(K - 1));
    out[0] = smin;
    out[K - 1] = smax;
    return MG_OK;
}

/* Splits "a:b:c" into at most max fields (in place); returns the count. */
static int split(char *s, char sep, char **fields, int max) {
    int n = 0;
    fields[n++] = s;
    for (char *p = s; *p; p++)
        if (*p == sep) {
            if (n == max) return max + 1;
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

/* Parses "kind:smin:smax:K[:rho]" grids. */
static mg_status parse_range(const char *spec, const char *kind, char **f, int nf, double **sigmas, int *count) {
    double smin, smax, Kd, rho = 7.0;
    int want = strcmp(kind, "karras") == 0 ? 5 : 4;
    if (nf != 4 && !(nf == 5 && want == 5))
        return mg_fail(MG_ERR_ARG, "noise schedule '%s': expected %s:SMIN:SMAX:K%s", spec, kind,
                       want == 5 ? "[:RHO]" : "");
    if (parse_num(f[1], &smin) || parse_num(f[2], &smax) || parse_num(f[3], &Kd) || (nf == 5 && parse_num(f[4], &rho)))
        return mg_fail(MG_ERR_ARG, "noise schedule '%s': fields must be numbers", spec);
    if (Kd != floor(Kd) || Kd < 1 || Kd > MAX_LEVELS)
        return mg_fail(MG_ERR_ARG, "noise schedule '%s': K must be an integer in 1..%d", spec, MAX_LEVELS);
    if (!(smin > 0) || !(smax >= smin))
        return mg_fail(MG_ERR_ARG, "noise schedule '%s': need 0 < SMIN <= SMAX", spec);
    if (!(rho > 0)) return mg_fail(MG_ERR_ARG, "noise schedule '%s': RHO must be > 0", spec);
    int K = (int)Kd;
    double *s = malloc((size_t)K * sizeof *s);
    if (!s) return mg_fail(MG_ERR_NOMEM, "out of memory");
    if (!strcmp(kind, "geom")) {
        mg_sigmas_geometric(smin, smax, K, s);
    } else if (!strcmp(kind, "linear")) {
        for (int i = 0; i < K; i++) s[i] = K == 1 ? smin : smin + (smax - smin) * (double)i / (double)(K - 1);
    } else { /* karras, generated descending then reversed */
        double a = pow(smax, 1.0 / rho), b = pow(smin, 1.0 / rho);
        for (int i = 0; i < K; i++) s[K - 1 - i] = K == 1 ? smin : pow(a + (double)i / (double)(K - 1) * (b - a), rho);
        s[0] = smin;
        s[K - 1] = smax;
    }
    *sigmas = s;
    *count = K;
    return MG_OK;
}

/* Parses any spec into an ascending, duplicate-free grid. */
mg_status mg_sigmas_parse(const char *spec, double **sigmas, int *count) {
    *sigmas = NULL;
    *count = 0;
    if (!spec || !*spec) return mg_fail(MG_ERR_ARG, "empty noise schedule");
    size_t len = strlen(spec);
    if (len > 1 << 20) return mg_fail(MG_ERR_ARG, "noise schedule string too long");
    char *copy = malloc(len + 1);
    if (!copy) return mg_fail(MG_ERR_NOMEM, "out of memory");
    memcpy(copy, spec, len + 1);
    mg_status st = MG_OK;
    char *f[6];
    if (!strncmp(copy, "list:", 5) || (!strchr(copy, ':') && strchr(copy, ','))) {
        int64_t n = 0;
        st = mg_parse_f64_list(copy + (copy[0] == 'l' ? 5 : 0), "noise schedule", sigmas, &n);
        for (int64_t i = 0; st == MG_OK && i < n; i++)
            if (!((*sigmas)[i] > 0))
                st = mg_fail(MG_ERR_ARG, "noise schedule '%s': level %g is not a positive number", spec, (*sigmas)[i]);
        if (st == MG_OK && n > MAX_LEVELS) st = mg_fail(MG_ERR_ARG, "noise schedule: more than %d levels", MAX_LEVELS);
        if (st != MG_OK) {
            free(*sigmas);
            *sigmas = NULL;
        } else {
            *count = (int)n;
        }
    } else if (strchr(copy, ':')) {
        int nf = split(copy, ':', f, 5);
        if (nf <= 5 && !strcmp(f[0], "lin")) f[0] = "linear"; /* the spelling --alphas takes too */
        if (nf > 5 || (strcmp(f[0], "geom") && strcmp(f[0], "linear") && strcmp(f[0], "karras")))
            st = mg_fail(MG_ERR_ARG, "noise schedule '%s': unknown kind (use geom, lin (or linear), karras or list)",
                         spec);
        else
            st = parse_range(spec, f[0], f, nf, sigmas, count);
    } else {
        double v;
        if (parse_num(copy, &v) || !(v > 0)) {
            st = mg_fail(MG_ERR_ARG, "noise level '%s' is not a positive number", spec);
        } else {
            *sigmas = malloc(sizeof(double));
            **sigmas = v;
            *count = 1;
        }
    }
    free(copy);
    if (st != MG_OK) return st;
    /* ascending, unique */
    qsort(*sigmas, (size_t)*count, sizeof(double), cmp_asc);
    int u = 0;
    for (int i = 0; i < *count; i++)
        if (u == 0 || (*sigmas)[i] != (*sigmas)[u - 1]) (*sigmas)[u++] = (*sigmas)[i];
    *count = u;
    return MG_OK;
}

/* "%.17g" comma-joined levels (caller frees). */
char *mg_sigmas_format(const double *sigmas, int count) { return mg_format_f64_list(sigmas, count); }
