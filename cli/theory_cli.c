/*
 * Shared pieces of `memgen solve` and `memgen theory` (see theory_cli.h):
 * turning the partition options into the library's partition (partition.h),
 * building a construction for one sigma, and JSON / text views of the
 * results.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/npy.h"
#include "theory_cli.h"

/* Parses --mode into an mg_partition_mode (a cli_opt_fn). */
int tc_parse_mode(const char *cmd, const char *arg, void *dest) {
    if (mg_partition_mode_parse(arg, (mg_partition_mode *)dest) == MG_OK) return 0;
    return cli_usage(cmd, "--mode must be auto, lae, mem or blocks, got '%s'", arg);
}

/* The problem's part of a JSON summary. */
void tc_problem_json(cJSON *js, const tc_opts *o, const tc_problem *p) {
    cJSON_AddStringToObject(js, "data", o->data);
    cJSON_AddStringToObject(js, "mode", mg_partition_mode_str(p->part.mode));
    if (!isnan(p->part.kmeans_objective)) cJSON_AddNumberToObject(js, "kmeans_mean_cosine", p->part.kmeans_objective);
}

/* Frees the resolved problem. */
void tc_problem_free(tc_problem *p) {
    mg_array_free(&p->X);
    mg_partition_free(&p->part);
    free(p->widths);
    memset(p, 0, sizeof(*p));
}

/* Parses "3,4,2" into K nonnegative widths (the core list parser). */
static mg_status parse_widths(const char *spec, int64_t K, int64_t **out) {
    int64_t n = 0;
    mg_status st = mg_parse_i64_list(spec, "--widths", out, &n);
    for (int64_t k = 0; st == MG_OK && k < n; k++)
        if ((*out)[k] < 0) st = MG_ERR_ARG;
    if (st == MG_OK && n == K) return MG_OK;
    free(*out);
    *out = NULL;
    return mg_fail(MG_ERR_ARG, "--widths '%s': expected %lld comma-separated nonnegative integers (one per cluster)",
                   spec, (long long)K);
}

/* Loads the data (and the --labels file) and resolves the partition through
 * mg_partition_make (auto: blocks with --labels/--clusters/--duplicates,
 * else mem when hidden >= n, else lae; k-means; duplicate groups split into
 * clusters), writes --labels-out and parses --widths. The combinations of
 * flags are checked here first, so that the messages name the flags.
 * Frees with tc_problem_free. */
static mg_status tc_problem_load(const char *cmd, const tc_opts *o, tc_problem *p) {
    memset(p, 0, sizeof(*p));
    p->part.kmeans_objective = NAN;
    MG_TRY(mg_npy_read_matrix(o->data, "training data", 0, &p->X));
    int64_t n = p->X.shape[0];
    int defines = o->labels || o->clusters > 0 || o->duplicates;
    mg_array L = {0};
    mg_status st = MG_OK;
    if (o->mode == MG_PARTITION_BLOCKS && !defines)
        st = mg_fail(MG_ERR_ARG, "mode 'blocks' needs --labels L.npy, --clusters K or --duplicates C");
    else if (o->mode != MG_PARTITION_AUTO && o->mode != MG_PARTITION_BLOCKS && defines)
        st = mg_fail(MG_ERR_ARG, "--labels/--clusters/--duplicates only apply to mode 'blocks' (got mode '%s')",
                     mg_partition_mode_str(o->mode));
    else if (o->labels)
        st = mg_npy_read(o->labels, &L);
    else if (o->clusters > n)
        st = mg_fail(MG_ERR_ARG, "--clusters %lld exceeds the %lld samples", (long long)o->clusters, (long long)n);
    if (st != MG_OK) goto fail;
    mg_partition_params pp = mg_partition_params_default();
    pp.mode = o->mode;
    pp.labels = o->labels ? &L : NULL;
    pp.labels_name = o->labels;
    pp.clusters = o->clusters;
    pp.kmeans_iters = o->kmeans_iters;
    pp.kmeans_restarts = o->kmeans_restarts;
    pp.duplicates = o->duplicates;
    pp.dup_dist = o->dup_dist;
    pp.hidden = o->hidden;
    mg_rng rng;
    mg_rng_init(&rng, o->seed);
    if (o->clusters > 0 && !o->labels)
        fprintf(stderr, "%s: spherical k-means, K = %lld, %d restarts of <= %d iterations (seed %llu)\n", cmd,
                (long long)o->clusters, o->kmeans_restarts, o->kmeans_iters, (unsigned long long)o->seed);
    st = mg_partition_make(mg_mat_of_array(&p->X), &pp, &rng, &p->part);
    mg_array_free(&L);
    if (st != MG_OK) goto fail;
    if (o->duplicates)
        fprintf(stderr, "%s: %lld groups of >= %lld copies split into clusters of their own (%lld clusters now)\n",
                cmd, (long long)p->part.dup_groups, (long long)o->duplicates, (long long)p->part.K);
    if (o->labels_out && p->part.mode != MG_PARTITION_BLOCKS) {
        st = mg_fail(MG_ERR_ARG, "--labels-out needs mode 'blocks'");
        goto fail;
    }
    if (o->labels_out) {
        int64_t shape[1] = {n};
        st = mg_array_alloc(&L, MG_I64, 1, shape);
        if (st == MG_OK) {
            memcpy(L.data, p->part.labels, (size_t)n * sizeof(int64_t));
            st = mg_npy_write(o->labels_out, &L);
            mg_array_free(&L);
        }
        if (st != MG_OK) goto fail;
    }
    if (o->widths_spec) {
        if (p->part.mode == MG_PARTITION_MEM) {
            st = mg_fail(MG_ERR_ARG, "--widths does not apply to mode 'mem' (one column per sample)");
            goto fail;
        }
        st = parse_widths(o->widths_spec, p->part.K, &p->widths);
        if (st != MG_OK) goto fail;
    }
    return MG_OK;
fail:
    tc_problem_free(p);
    return st;
}

/* Checks, loads and resolves --hidden (see theory_cli.h). */
int tc_load(const char *cmd, tc_opts *o, tc_problem *p) {
    if (o->wd < 0) return cli_usage(cmd, "--lambda must be >= 0");
    if (o->dup_tol < 0 || o->dup_tol >= 1) return cli_usage(cmd, "--dup-tol must be in [0, 1)");
    if (o->duplicates == 1 || o->duplicates < 0) return cli_usage(cmd, "--duplicates must be 0 or >= 2");
    if (o->dup_dist < 0) return cli_usage(cmd, "--dup-dist must be >= 0");
    if (o->labels && o->clusters) return cli_usage(cmd, "give either --labels or --clusters, not both");
    mg_status st = tc_problem_load(cmd, o, p);
    if (st != MG_OK) return cli_fail(cmd, st);
    if (o->hidden == 0) {
        if (p->part.mode != MG_PARTITION_MEM) {
            mg_partition_mode mode = p->part.mode; /* tc_problem_free clears it */
            tc_problem_free(p);
            return cli_usage(cmd, "--hidden is required for mode '%s'", mg_partition_mode_str(mode));
        }
        o->hidden = p->X.shape[0];
    }
    return CLI_OK;
}

/* One construction at noise level sigma. */
mg_status tc_construct(const tc_opts *o, const tc_problem *p, double sigma, mg_construction *c) {
    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = sigma;
    cp.wd = o->wd;
    cp.hidden = o->hidden;
    cp.widths = p->widths;
    cp.dup_tol = o->dup_tol;
    return mg_partition_construct(mg_mat_of_array(&p->X), &p->part, &cp, c);
}

/* JSON of a construction: kind, sizes, predicted losses, blocks. */
cJSON *tc_construction_json(const mg_construction *c, int64_t blocks_max) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "construction", mg_construction_kind_str(c->kind));
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    cJSON_AddNumberToObject(o, "d", (double)c->d);
    cJSON_AddNumberToObject(o, "hidden", (double)c->p);
    cJSON_AddNumberToObject(o, "clusters", (double)c->K);
    cJSON_AddNumberToObject(o, "sigma", c->sigma);
    cJSON_AddNumberToObject(o, "lambda", c->wd);
    cJSON_AddNumberToObject(o, "n_lambda", (double)c->n * c->wd);
    cJSON_AddNumberToObject(o, "unused_columns", (double)c->unused);
    cJSON_AddNumberToObject(o, "dropped_directions", (double)c->dropped);
    cJSON_AddNumberToObject(o, "rank1_clusters", (double)c->rank1_clusters);
    cJSON *pl = cJSON_AddObjectToObject(o, "predicted");
    cJSON_AddNumberToObject(pl, "train_mse", c->train_mse);
    cJSON_AddNumberToObject(pl, "train_reg", c->train_reg);
    cJSON_AddNumberToObject(pl, "train_loss_eq6", c->train_loss);
    cJSON_AddStringToObject(o, "note", c->note);
    cJSON *bl = cJSON_AddArrayToObject(o, "blocks");
    for (int64_t k = 0; k < c->K && k < blocks_max; k++) {
        const mg_block_info *b = &c->blocks[k];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "n", (double)b->n);
        cJSON_AddNumberToObject(e, "col_start", (double)b->col_start);
        cJSON_AddNumberToObject(e, "width", (double)b->width);
        cJSON_AddNumberToObject(e, "kept", (double)b->kept);
        cJSON_AddNumberToObject(e, "dropped", (double)b->dropped);
        cJSON_AddNumberToObject(e, "excluded_by_wd", (double)b->excluded_wd);
        cJSON_AddBoolToObject(e, "rank1", b->rank1);
        cJSON_AddNumberToObject(e, "mean_norm", b->mean_norm);
        cJSON_AddNumberToObject(e, "pre_activation", b->pre_act);
        cJSON_AddNumberToObject(e, "lae_loss", b->lae_loss);
        cJSON_AddNumberToObject(e, "train_mse", b->train_mse);
        cJSON *ev = cJSON_AddArrayToObject(e, "eigenvalues");
        cJSON *sv = cJSON_AddArrayToObject(e, "scales");
        for (int64_t j = 0; j < b->kept; j++) {
            cJSON_AddItemToArray(ev, cJSON_CreateNumber(c->col_eig[b->col_start + j]));
            cJSON_AddItemToArray(sv, cJSON_CreateNumber(c->col_s[b->col_start + j]));
        }
        cJSON_AddItemToArray(bl, e);
    }
    if (c->K > blocks_max) cJSON_AddNumberToObject(o, "blocks_not_listed", (double)(c->K - blocks_max));
    return o;
}

/* JSON of separability and the verdict. */
cJSON *tc_separability_json(const mg_separability *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "alpha", s->alpha);
    cJSON_AddNumberToObject(o, "alpha_sample", (double)s->alpha_sample);
    cJSON_AddNumberToObject(o, "beta", s->beta);
    cJSON_AddNumberToObject(o, "beta_pair_k", (double)s->beta_k);
    cJSON_AddNumberToObject(o, "beta_pair_l", (double)s->beta_l);
    cJSON_AddNumberToObject(o, "min_mean_norm", s->min_mean_norm);
    cJSON_AddNumberToObject(o, "c_proj", s->c_proj);
    cJSON_AddNumberToObject(o, "s_min", s->s_min);
    cJSON_AddNumberToObject(o, "s_max", s->s_max);
    cJSON_AddNumberToObject(o, "gamma_eq16", s->gamma);
    cJSON_AddNumberToObject(o, "measured_on_block_min", s->on_min);
    cJSON_AddNumberToObject(o, "measured_off_block_max", s->off_max);
    cJSON_AddNumberToObject(o, "mask_violations", (double)s->mask_violations);
    cJSON *a = cJSON_AddObjectToObject(o, "assumptions");
    cJSON_AddBoolToObject(a, "beta_negative", s->beta_negative);
    cJSON_AddBoolToObject(a, "alpha_below_one", s->alpha_below_one);
    cJSON_AddBoolToObject(a, "alpha_small_vs_beta", s->alpha_small);
    cJSON_AddBoolToObject(a, "gamma_positive", s->gamma_positive);
    cJSON_AddBoolToObject(a, "n_lambda_below_kept_eigenvalues", s->wd_ok);
    cJSON_AddBoolToObject(a, "masks_hold_on_data", s->masks_ok);
    cJSON_AddBoolToObject(o, "theorem_3_1_applies", s->holds);
    return o;
}

/* Short text summary of a construction. */
void tc_print_construction(FILE *f, const mg_construction *c) {
    fprintf(f, "construction %s: n = %lld, d = %lld, p = %lld, %lld cluster%s (%lld memorized), sigma = %g, lambda = %g\n",
            mg_construction_kind_str(c->kind), (long long)c->n, (long long)c->d, (long long)c->p, (long long)c->K,
            c->K == 1 ? "" : "s", (long long)c->rank1_clusters, c->sigma, c->wd);
    int64_t show = c->K < 8 ? c->K : 8;
    if (c->kind != MG_CONSTRUCTION_MEM || c->K <= 8) {
        fprintf(f, "  widths:");
        for (int64_t k = 0; k < show; k++)
            fprintf(f, " %lld%s", (long long)c->blocks[k].width, c->blocks[k].kept < c->blocks[k].width ? "*" : "");
        fprintf(f, "%s\n", c->K > show ? " ..." : "");
    }
    fprintf(f, "  predicted training loss (Eq. 6): %.6g = denoising %.6g + weight decay %.6g\n", c->train_loss,
            c->train_mse, c->train_reg);
    if (c->note[0]) fprintf(f, "  note: %s\n", c->note);
}
