/*
 * Sweep grids (memgen/sweep.h): parsing and formatting the grid spec, and
 * the fixed mixed-radix order of the cells (n fastest, data slowest).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/sweep.h"
#include "sweep_internal.h"

const char *const mg_sweep_axis_names[] = {"n", "p", "sigma", "lambda", "seed", "data", NULL};

static const char *const TASK_NAMES[] = {NULL, "train", "solve", "both"};

/* Frees the grid's arrays and zeroes it. */
void mg_sweep_grid_free(mg_sweep_grid *g) {
    if (!g) return;
    for (int a = 0; a < MG_SWEEP_NAXES; a++) free(g->values[a]);
    for (int64_t i = 0; g->data && i < g->count[MG_SWEEP_AX_DATA]; i++) free(g->data[i]);
    free(g->data);
    memset(g, 0, sizeof *g);
}

/* Parses a data name: "mog" or "mog:K:COV" into K and the covariance scale. */
mg_status mg__sweep_data_parse(const char *name, int *K, double *cov) {
    *K = 2, *cov = 0.1;
    if (strcmp(name, "mog") == 0) return MG_OK;
    char *end;
    if (strncmp(name, "mog:", 4) == 0) {
        long k = strtol(name + 4, &end, 10);
        if (*end == ':' && k >= 1 && k <= 1000) {
            double c = strtod(end + 1, &end);
            if (*end == '\0' && c > 0 && isfinite(c)) {
                *K = (int)k, *cov = c;
                return MG_OK;
            }
        }
    }
    return mg_fail(MG_ERR_ARG, "sweep: data '%s' is not 'mog' or 'mog:K:COV' (K modes, covariance COV x 0.9^j)",
                   name);
}

/* Sets an axis to a copy of n values. */
static mg_status set_axis(mg_sweep_grid *g, int a, const double *v, int64_t n) {
    double *c = mg_alloc((size_t)n, sizeof(double));
    if (!c) return mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    memcpy(c, v, (size_t)n * sizeof(double));
    free(g->values[a]);
    g->values[a] = c;
    g->count[a] = n;
    return MG_OK;
}

/* Sets the data axis from a comma-separated list of names. */
static mg_status set_data(mg_sweep_grid *g, const char *list) {
    int64_t n = 1;
    for (const char *s = list; *s; s++) n += *s == ',';
    char **names = calloc((size_t)n, sizeof(char *));
    double *idx = mg_alloc((size_t)n, sizeof(double));
    mg_status st = names && idx ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    const char *s = list;
    for (int64_t i = 0; i < n && st == MG_OK; i++) {
        size_t len = strcspn(s, ",");
        names[i] = malloc(len + 1);
        if (!names[i]) st = mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
        else {
            memcpy(names[i], s, len);
            names[i][len] = '\0';
            int K;
            double cov;
            st = mg__sweep_data_parse(names[i], &K, &cov);
        }
        idx[i] = (double)i;
        s += len + (s[len] == ',');
    }
    int64_t old = g->count[MG_SWEEP_AX_DATA]; /* entries of the names being replaced */
    if (st == MG_OK) st = set_axis(g, MG_SWEEP_AX_DATA, idx, n);
    free(idx);
    if (st != MG_OK) {
        for (int64_t i = 0; names && i < n; i++) free(names[i]);
        free(names);
        return st;
    }
    for (int64_t i = 0; g->data && i < old; i++) free(g->data[i]);
    free(g->data);
    g->data = names;
    return MG_OK;
}

/* A numeric axis: the list, each value in [lo, hi] and integral when asked. */
static mg_status parse_axis(mg_sweep_grid *g, int a, const char *val, double lo, double hi, int integral) {
    double *v;
    int64_t n;
    MG_TRY(mg_parse_f64_list(val, mg_sweep_axis_names[a], &v, &n));
    for (int64_t i = 0; i < n; i++)
        if (!(v[i] >= lo && v[i] <= hi) || (integral && v[i] != floor(v[i]))) {
            mg_status st = mg_fail(MG_ERR_ARG, "sweep: %s=%.17g is not %s in [%g, %g]", mg_sweep_axis_names[a], v[i],
                                   integral ? "an integer" : "a number", lo, hi);
            free(v);
            return st;
        }
    mg_status st = set_axis(g, a, v, n);
    free(v);
    return st;
}

/* One setting value as an integer in [lo, hi]. */
static mg_status parse_int(const char *key, const char *val, int64_t lo, int64_t hi, int64_t *out) {
    int64_t *v, n;
    MG_TRY(mg_parse_i64_list(val, key, &v, &n));
    int64_t x = v[0];
    free(v);
    if (n != 1 || x < lo || x > hi)
        return mg_fail(MG_ERR_ARG, "sweep: %s=%s must be one integer in [%lld, %lld]", key, val, (long long)lo,
                       (long long)hi);
    *out = x;
    return MG_OK;
}

/* One setting value as a number in (lo, hi] (lo_open) or [lo, hi]. */
static mg_status parse_num(const char *key, const char *val, double lo, double hi, int lo_open, double *out) {
    double *v;
    int64_t n;
    MG_TRY(mg_parse_f64_list(val, key, &v, &n));
    double x = v[0];
    free(v);
    if (n != 1 || x > hi || x < lo || (lo_open && x == lo))
        return mg_fail(MG_ERR_ARG, "sweep: %s=%s must be one number in %s%g, %g]", key, val, lo_open ? "(" : "[", lo,
                       hi);
    *out = x;
    return MG_OK;
}

/* Applies one "key=value" item. */
static mg_status apply_item(mg_sweep_grid *g, const char *key, const char *val) {
    if (!strcmp(key, "n")) return parse_axis(g, MG_SWEEP_AX_N, val, 2, 1e9, 1);
    if (!strcmp(key, "p")) return parse_axis(g, MG_SWEEP_AX_P, val, 1, 1e9, 1);
    if (!strcmp(key, "sigma")) return parse_axis(g, MG_SWEEP_AX_SIGMA, val, 1e-300, 1e300, 0);
    if (!strcmp(key, "lambda") || !strcmp(key, "wd")) /* wd: its old name */
        return parse_axis(g, MG_SWEEP_AX_WD, val, 0, 1e300, 0);
    if (!strcmp(key, "seed")) return parse_axis(g, MG_SWEEP_AX_SEED, val, 0, 9007199254740992.0, 1);
    if (!strcmp(key, "data")) return set_data(g, val);
    if (!strcmp(key, "task")) {
        for (int t = 1; t <= 3; t++)
            if (!strcmp(val, TASK_NAMES[t])) {
                g->task = (mg_sweep_task)t;
                return MG_OK;
            }
        return mg_fail(MG_ERR_ARG, "sweep: task=%s is not train, solve or both", val);
    }
    if (!strcmp(key, "d")) return parse_int(key, val, 1, 1 << 20, &g->d);
    if (!strcmp(key, "steps")) return parse_int(key, val, 1, INT64_C(1) << 40, &g->steps);
    if (!strcmp(key, "batch")) return parse_int(key, val, 1, INT64_C(1) << 30, &g->batch);
    if (!strcmp(key, "samples")) return parse_int(key, val, 1, INT64_C(1) << 24, &g->samples);
    if (!strcmp(key, "levels")) return parse_int(key, val, 1, 10000, &g->levels);
    if (!strcmp(key, "ntest")) return parse_int(key, val, 1, INT64_C(1) << 24, &g->ntest);
    if (!strcmp(key, "draws")) return parse_int(key, val, 1, 1 << 20, &g->draws);
    if (!strcmp(key, "lr")) return parse_num(key, val, 0, 1e300, 1, &g->lr);
    if (!strcmp(key, "smin")) return parse_num(key, val, 0, 1e300, 1, &g->smin);
    if (!strcmp(key, "smax")) return parse_num(key, val, 0, 1e300, 1, &g->smax);
    if (!strcmp(key, "threshold")) return parse_num(key, val, 0, 1, 1, &g->threshold);
    return mg_fail(MG_ERR_ARG, "sweep: unknown key '%s' (axes: n, p, sigma, lambda, seed, data; settings: task, d, "
                   "steps, lr, batch, samples, levels, smin, smax, ntest, draws, threshold)", key);
}

/* Copies s[0..len) without surrounding white space into a new string. */
static char *trimmed(const char *s, size_t len) {
    while (len && isspace((unsigned char)*s)) s++, len--;
    while (len && isspace((unsigned char)s[len - 1])) len--;
    char *o = malloc(len + 1);
    if (o) memcpy(o, s, len), o[len] = '\0';
    return o;
}

/* Applies every item of a spec: ';' or newline separated, '#' comments. */
static mg_status apply_spec(mg_sweep_grid *g, const char *spec) {
    const char *s = spec;
    while (*s) {
        size_t len = strcspn(s, ";\n#");
        char *item = trimmed(s, len);
        if (!item) return mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
        s += len;
        if (*s == '#') s += strcspn(s, "\n");
        if (*s) s++;
        if (!*item) {
            free(item);
            continue;
        }
        char *eq = strchr(item, '=');
        mg_status st = MG_OK;
        if (!eq) st = mg_fail(MG_ERR_ARG, "sweep: grid item '%s' is not key=value", item);
        else {
            *eq = '\0';
            char *key = trimmed(item, strlen(item)), *val = trimmed(eq + 1, strlen(eq + 1));
            st = key && val ? apply_item(g, key, val) : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
            free(key);
            free(val);
        }
        free(item);
        MG_TRY(st);
    }
    return MG_OK;
}

/* The library defaults (sweep.h). */
static const char *const DEFAULT_SPEC = "n=2,4,8,16,32;p=2,4,8,16,32;sigma=0.5;lambda=1e-4;data=mog;seed=0;task=both;"
                                        "d=32;steps=1500;lr=0.01;batch=256;samples=64;levels=8;smin=0.05;smax=2;"
                                        "ntest=128;draws=2;threshold=0.33333333333333331";

/* Parses a spec over the defaults. */
mg_status mg_sweep_grid_parse(const char *spec, mg_sweep_grid *g) {
    memset(g, 0, sizeof *g);
    mg_status st = apply_spec(g, DEFAULT_SPEC);
    if (st == MG_OK && spec) st = apply_spec(g, spec);
    if (st == MG_OK && g->smin >= g->smax && g->levels > 1)
        st = mg_fail(MG_ERR_ARG, "sweep: smin (%g) must be below smax (%g)", g->smin, g->smax);
    if (st == MG_OK && mg_sweep_cell_count(g) > (INT64_C(1) << 40))
        st = mg_fail(MG_ERR_ARG, "sweep: the grid has too many cells");
    if (st != MG_OK) mg_sweep_grid_free(g);
    return st;
}

/* Appends "key=list;" of an axis to a growing string. */
static int append(char **buf, size_t *len, const char *key, const char *val) {
    size_t add = strlen(key) + strlen(val) + 2;
    char *b = realloc(*buf, *len + add + 1);
    if (!b) return -1;
    snprintf(b + *len, add + 1, "%s%s=%s", *len ? ";" : "", key, val);
    *buf = b;
    *len += strlen(b + *len);
    return 0;
}

/* The canonical spec of a grid. */
char *mg_sweep_grid_format(const mg_sweep_grid *g) {
    char *buf = NULL;
    size_t len = 0;
    int bad = 0;
    for (int a = 0; a < MG_SWEEP_NAXES && !bad; a++) {
        char *v = NULL;
        if (a == MG_SWEEP_AX_DATA) {
            size_t vl = 1;
            for (int64_t i = 0; i < g->count[a]; i++) vl += strlen(g->data[i]) + 1;
            v = calloc(vl, 1);
            for (int64_t i = 0; v && i < g->count[a]; i++) strcat(strcat(v, i ? "," : ""), g->data[i]);
        } else {
            v = mg_format_f64_list(g->values[a], g->count[a]);
        }
        bad = !v || append(&buf, &len, mg_sweep_axis_names[a], v);
        free(v);
    }
    const struct {
        const char *key;
        int64_t iv;
        double dv;
        int isint;
    } set[] = {{"d", g->d, 0, 1},           {"steps", g->steps, 0, 1},     {"lr", 0, g->lr, 0},
               {"batch", g->batch, 0, 1},   {"samples", g->samples, 0, 1}, {"levels", g->levels, 0, 1},
               {"smin", 0, g->smin, 0},     {"smax", 0, g->smax, 0},       {"ntest", g->ntest, 0, 1},
               {"draws", g->draws, 0, 1},   {"threshold", 0, g->threshold, 0}};
    if (!bad) bad = append(&buf, &len, "task", TASK_NAMES[g->task]);
    for (size_t i = 0; i < sizeof set / sizeof set[0] && !bad; i++) {
        char v[40];
        if (set[i].isint) snprintf(v, sizeof v, "%lld", (long long)set[i].iv);
        else snprintf(v, sizeof v, "%.17g", set[i].dv);
        bad = append(&buf, &len, set[i].key, v);
    }
    if (bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Product of the axis counts. */
int64_t mg_sweep_cell_count(const mg_sweep_grid *g) {
    int64_t c = 1;
    for (int a = 0; a < MG_SWEEP_NAXES; a++) c *= g->count[a];
    return c;
}

/* Cell coordinates, n fastest. */
mg_status mg_sweep_cell_at(const mg_sweep_grid *g, int64_t index, mg_sweep_cell *out) {
    int64_t total = mg_sweep_cell_count(g);
    if (index < 0 || index >= total)
        return mg_fail(MG_ERR_ARG, "sweep: cell %lld is outside the grid (%lld cells)", (long long)index,
                       (long long)total);
    memset(out, 0, sizeof *out);
    out->index = index;
    int64_t r = index;
    for (int a = 0; a < MG_SWEEP_NAXES; a++) {
        out->at[a] = r % g->count[a];
        r /= g->count[a];
    }
    out->n = (int64_t)g->values[MG_SWEEP_AX_N][out->at[MG_SWEEP_AX_N]];
    out->p = (int64_t)g->values[MG_SWEEP_AX_P][out->at[MG_SWEEP_AX_P]];
    out->sigma = g->values[MG_SWEEP_AX_SIGMA][out->at[MG_SWEEP_AX_SIGMA]];
    out->wd = g->values[MG_SWEEP_AX_WD][out->at[MG_SWEEP_AX_WD]];
    out->seed = (uint64_t)g->values[MG_SWEEP_AX_SEED][out->at[MG_SWEEP_AX_SEED]];
    out->data = g->data[out->at[MG_SWEEP_AX_DATA]];
    return MG_OK;
}
