/*
 * DAE sets over noise levels: allocation, validation, level lookup and the
 * single-file .safetensors layout described in daeset.h.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/daeset.h"

/* A set with empty levels. */
mg_status mg_daeset_alloc(int count, const double *sigmas, mg_daeset *out) {
    memset(out, 0, sizeof *out);
    if (count < 1) return mg_fail(MG_ERR_ARG, "a DAE set needs at least one level");
    for (int k = 0; k < count; k++) {
        if (!(sigmas[k] > 0) || !isfinite(sigmas[k]))
            return mg_fail(MG_ERR_ARG, "DAE set: sigma %g of level %d is not a positive number", sigmas[k], k);
        if (k && !(sigmas[k] > sigmas[k - 1]))
            return mg_fail(MG_ERR_ARG, "DAE set: sigmas must be strictly ascending (level %d)", k);
    }
    out->sigmas = malloc((size_t)count * sizeof(double));
    out->levels = calloc((size_t)count, sizeof(mg_dae *));
    out->meta = mg_st_new();
    if (!out->sigmas || !out->levels || !out->meta) {
        mg_daeset_free(out);
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    memcpy(out->sigmas, sigmas, (size_t)count * sizeof(double));
    out->count = count;
    return MG_OK;
}

/* Frees levels, arrays and metadata. */
void mg_daeset_free(mg_daeset *set) {
    if (!set) return;
    if (set->levels)
        for (int k = 0; k < set->count; k++) mg_dae_free(set->levels[k]);
    free(set->levels);
    free(set->sigmas);
    mg_st_free(set->meta);
    memset(set, 0, sizeof *set);
}

/* Free-form metadata saved with the set. */
mg_status mg_daeset_set_meta(mg_daeset *set, const char *key, const char *value) {
    return mg_st_set_meta(set->meta, key, value);
}

/* Every level present, same d and p. */
mg_status mg_daeset_validate(const mg_daeset *set) {
    if (set->count < 1 || !set->levels) return mg_fail(MG_ERR_ARG, "empty DAE set");
    for (int k = 0; k < set->count; k++) {
        if (!set->levels[k]) return mg_fail(MG_ERR_ARG, "DAE set: level %d (sigma %g) has no model", k, set->sigmas[k]);
        if (mg_dae_dim(set->levels[k]) != mg_dae_dim(set->levels[0]))
            return mg_fail(MG_ERR_SHAPE, "DAE set: level %d has dimension %lld but level 0 has %lld", k,
                           (long long)mg_dae_dim(set->levels[k]), (long long)mg_dae_dim(set->levels[0]));
    }
    return MG_OK;
}

/* Writes all levels under "level<k>." plus the set metadata. */
mg_status mg_daeset_save(const mg_daeset *set, const char *path) {
    MG_TRY(mg_daeset_validate(set));
    mg_st *st = mg_st_new();
    if (!st) return mg_fail(MG_ERR_NOMEM, "out of memory");
    mg_status s = MG_OK;
    char prefix[32];
    for (int k = 0; k < set->count && s == MG_OK; k++) {
        snprintf(prefix, sizeof prefix, "level%d.", k);
        s = mg_dae_to_st(set->levels[k], st, prefix);
    }
    for (int i = 0; set->meta && i < mg_st_meta_count(set->meta) && s == MG_OK; i++) {
        const char *key = mg_st_meta_key(set->meta, i);
        s = mg_st_set_meta(st, key, mg_st_meta(set->meta, key));
    }
    char *sig = mg_format_f64_list(set->sigmas, set->count);
    if (s == MG_OK) s = sig ? mg_st_set_meta(st, "sigmas", sig) : mg_fail(MG_ERR_NOMEM, "out of memory");
    if (s == MG_OK) s = mg_st_set_meta_int(st, "count", set->count);
    if (s == MG_OK) s = mg_st_set_meta(st, "memgen.kind", "dae_set");
    free(sig);
    if (s == MG_OK) s = mg_st_write(st, path);
    mg_st_free(st);
    return s;
}

/* Loads a set file or a single DAE as a one-level set. */
mg_status mg_daeset_load(const char *path, mg_daeset *out) {
    memset(out, 0, sizeof *out);
    mg_st *st = NULL;
    MG_TRY(mg_st_read(path, &st));
    mg_status s = MG_OK;
    const char *kind = mg_st_meta(st, "memgen.kind");
    if (kind && !strcmp(kind, "dae_set")) {
        const char *sig = mg_st_meta(st, "sigmas");
        double *sigmas = NULL;
        int64_t count = 0;
        if (!sig) {
            s = mg_fail(MG_ERR_FORMAT, "%s: DAE set without 'sigmas' metadata", path);
        } else if (mg_parse_f64_list(sig, "'sigmas' metadata", &sigmas, &count) != MG_OK) {
            s = mg_fail_context(MG_ERR_FORMAT, "%s", path);
        } else {
            int64_t declared;
            if (mg_st_meta_int(st, "count", &declared) == MG_OK && declared != count)
                s = mg_fail(MG_ERR_FORMAT, "%s: 'count' says %lld levels but 'sigmas' lists %lld", path,
                            (long long)declared, (long long)count);
            else if (count > 100000)
                s = mg_fail(MG_ERR_FORMAT, "%s: 'sigmas' lists %lld levels (at most 100000)", path, (long long)count);
            if (s == MG_OK && mg_daeset_alloc((int)count, sigmas, out) != MG_OK) /* positive, strictly ascending */
                s = mg_fail_context(MG_ERR_FORMAT, "%s: bad 'sigmas' metadata", path);
            char prefix[32];
            for (int k = 0; k < count && s == MG_OK; k++) {
                snprintf(prefix, sizeof prefix, "level%d.", k);
                s = mg_dae_from_st(st, prefix, &out->levels[k]);
                if (s != MG_OK) s = mg_fail_context(s, "%s: level %d", path, k);
            }
        }
        free(sigmas);
    } else {
        mg_dae *m = NULL;
        s = mg_dae_from_st(st, "", &m);
        if (s != MG_OK) {
            s = mg_fail_context(s, "%s", path);
        } else {
            double sigma = mg_dae_sigma(m);
            if (!(sigma > 0)) {
                s = mg_fail(MG_ERR_FORMAT, "%s: a single DAE used as a set needs a positive 'sigma' in its metadata "
                            "(the noise level it denoises; see README 'Importing a DAE from PyTorch')", path);
            } else if ((s = mg_daeset_alloc(1, &sigma, out)) == MG_OK) {
                out->levels[0] = m;
                m = NULL;
            }
        }
        mg_dae_free(m);
    }
    if (s == MG_OK) {
        for (int i = 0; i < mg_st_meta_count(st) && s == MG_OK; i++) {
            const char *key = mg_st_meta_key(st, i);
            if (strcmp(key, "memgen.kind") && strcmp(key, "sigmas") && strcmp(key, "count"))
                s = mg_st_set_meta(out->meta, key, mg_st_meta(st, key));
        }
        if (s == MG_OK) s = mg_daeset_validate(out);
    }
    mg_st_free(st);
    if (s != MG_OK) mg_daeset_free(out);
    return s;
}

/* Whether sigma lies within reach of the levels lo .. hi (see daeset.h). */
mg_status mg_sigma_check_reach(double sigma, double lo, double hi, const char *what) {
    if (sigma == 0) return MG_OK;
    if (!(sigma > 0) || !isfinite(sigma)) return mg_fail(MG_ERR_ARG, "%s: sigma must be >= 0 (got %g)", what, sigma);
    if (sigma >= lo / MG_SIGMA_REACH && sigma <= hi * MG_SIGMA_REACH) return MG_OK;
    return mg_fail(MG_ERR_ARG, "%s: sigma = %g is outside the model's noise levels %g .. %g (accepted within a factor "
                   "%g of them: %g .. %g); choose a sigma there, or a model trained at it", what, sigma, lo, hi,
                   MG_SIGMA_REACH, lo / MG_SIGMA_REACH, hi * MG_SIGMA_REACH);
}

/* The nearest level of a sigma within the set's reach. */
mg_status mg_daeset_level(const mg_daeset *set, double sigma, const char *what, int *level) {
    if (!set || set->count < 1 || !set->sigmas) return mg_fail(MG_ERR_ARG, "%s: no DAE set", what);
    MG_TRY(mg_sigma_check_reach(sigma, set->sigmas[0], set->sigmas[set->count - 1], what));
    *level = mg_daeset_nearest(set, sigma);
    return MG_OK;
}

/* Nearest level in log sigma. */
int mg_daeset_nearest(const mg_daeset *set, double sigma) {
    int best = 0;
    double ls = log(sigma), bd = INFINITY;
    for (int k = 0; k < set->count; k++) {
        double dd = fabs(log(set->sigmas[k]) - ls);
        if (dd < bd) {
            bd = dd;
            best = k;
        }
    }
    return best;
}
