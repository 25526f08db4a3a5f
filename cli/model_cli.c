/*
 * Loading the model files of the analysis commands (see model_cli.h): a DAE
 * or DAE set through mg_daeset_load, a time-conditioned model through
 * mg_tcdae_load, told apart by their tensors.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_cli.h"

/* --representation gated|ungated. */
CLI_DEFINE_PARSER(mc_parse_rep, mg_tc_rep_parse)

/* Loads either kind of file. */
mg_status mc_load(const char *path, mc_model *m) {
    mg_st *st = NULL;
    MG_TRY(mg_st_read(path, &st));
    const int tc = mg_tcdae_st_is(st, "");
    mg_st_free(st);
    if (tc) return mg_tcdae_load(path, &m->tc);
    return mg_daeset_load(path, &m->set);
}

/* The training range (defaults 0.02, 2). */
void mc_range(const mc_model *m, double *lo, double *hi) {
    *lo = 0.02;
    *hi = 2.0;
    if (!m->tc) return;
    double a, b;
    mg_tcdae_sigma_range(m->tc, &a, &b);
    if (a > 0) *lo = a;
    if (b > 0) *hi = b;
}

/* Ascending order of doubles. */
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The time-conditioned model's levels at the given sigmas. */
mg_status mc_levels(mc_model *m, const double *sigmas, int n) {
    if (!m->tc) return MG_OK;
    double lo, hi;
    mc_range(m, &lo, &hi);
    double *s = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!s) return mg_fail(MG_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        mg_status st = mg_sigma_check_reach(sigmas[i], lo, hi, "time-conditioned model");
        if (st != MG_OK) {
            free(s);
            return st;
        }
        s[i] = sigmas[i] > 0 ? sigmas[i] : lo;
    }
    if (n == 0) s[n++] = lo;
    qsort(s, (size_t)n, sizeof(double), cmp_d);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || s[i] > s[k - 1]) s[k++] = s[i];
    mg_daeset_free(&m->set);
    memset(&m->set, 0, sizeof m->set);
    mg_status st = mg_tcdae_to_daeset(m->tc, s, k, m->rep, &m->set);
    free(s);
    return st;
}

/* Frees the model. */
void mc_free(mc_model *m) {
    mg_daeset_free(&m->set);
    mg_tcdae_free(m->tc);
    m->tc = NULL;
}
