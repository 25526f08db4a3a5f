/*
 * Pieces shared by `memgen solve` and `memgen theory`: the options that say
 * how the data are partitioned (labels, k-means, memorization, one LAE
 * block, duplicate groups), turning them into the library's partition
 * (memgen/partition.h resolves the mode and makes the clusters), building
 * the construction for one sigma, and the JSON/summary views of
 * constructions and separability.
 */
#ifndef MEMGEN_THEORY_CLI_H
#define MEMGEN_THEORY_CLI_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "cli.h"
#include "memgen/partition.h"
#include "memgen/theory.h"

/* Options common to solve and theory (defaults from TC_OPTS_DEFAULT). */
typedef struct {
    const char *data, *labels, *labels_out, *widths_spec;
    int64_t clusters;     /* k-means K (0: none) */
    mg_partition_mode mode;
    double wd, dup_tol;
    int64_t hidden;       /* 0: not given */
    uint64_t seed;
    int kmeans_iters, kmeans_restarts;
    int64_t duplicates;   /* split groups of >= this many copies into clusters (0: off) */
    double dup_dist;      /* copies: |x_i - x_j| <= dup_dist * max(|x_i|, |x_j|) */
} tc_opts;

#define TC_OPTS_DEFAULT {NULL, NULL, NULL, NULL, 0, MG_PARTITION_AUTO, 0.0, 1e-6, 0, 0, 100, 4, 0, 1e-6}

/* The resolved problem: the data and its partition (partition.h). */
typedef struct {
    mg_array X;           /* n x d float32 */
    mg_partition part;    /* resolved mode (lae, mem or blocks), compact labels of every sample, K, k-means
                             objective (NAN unless k-means ran), duplicate groups split off */
    int64_t *widths;      /* part.K parsed from --widths, or NULL */
} tc_problem;

/* Parses a --mode value into the mg_partition_mode *dest (a cli_opt_fn). */
int tc_parse_mode(const char *cmd, const char *arg, void *dest);

/* The cli_opt entries of the options solve and theory share, stored into
 * the tc_opts *o (tc_load checks the values' ranges). */
#define TC_OPTIONS(o)                                                                                                  \
    CLI_OPT_STR("data", &(o)->data), CLI_OPT_STR("labels", &(o)->labels), CLI_OPT_OUT("labels-out", &(o)->labels_out), \
        CLI_OPT_STR("widths", &(o)->widths_spec), CLI_OPT_INT_MIN("clusters", &(o)->clusters, 1),                      \
        CLI_OPT_FN("mode", tc_parse_mode, &(o)->mode), CLI_OPT_DOUBLE("lambda", &(o)->wd),                                 \
        CLI_OPT_INT_MIN("hidden", &(o)->hidden, 1), CLI_OPT_DOUBLE("dup-tol", &(o)->dup_tol),                          \
        CLI_OPT_INT("duplicates", &(o)->duplicates), CLI_OPT_DOUBLE("dup-dist", &(o)->dup_dist),                       \
        CLI_OPT_UINT("seed", &(o)->seed), CLI_OPT_INT32_IN("kmeans-iters", &(o)->kmeans_iters, 1, 1000000),            \
        CLI_OPT_INT32_IN("kmeans-restarts", &(o)->kmeans_restarts, 1, 10000)

/* Usage text of the shared options: how the data are partitioned, and the
 * duplicate / k-means / labels options (the rest differs between solve and
 * theory). */
#define TC_HELP_PARTITION \
    "  --data PATH          training data, n x d .npy (required)\n" \
    "  --labels PATH        cluster id per sample, .npy of n integers (mode blocks)\n" \
    "  --clusters K         find K clusters by spherical k-means (mode blocks)\n" \
    "  --mode M             auto|lae|mem|blocks (default auto: blocks with --labels,\n" \
    "                       --clusters or --duplicates, else mem when P >= n, else lae)\n"

#define TC_HELP_CLUSTERING \
    "  --duplicates C       split groups of >= C copies of a sample into clusters of\n" \
    "                       their own, memorised by one column (Cor. 3.4; default 0 = off)\n" \
    "  --dup-dist T         rows are copies when |x_i - x_j| <= T max(|x_i|, |x_j|)\n" \
    "                       (default 1e-6)\n" \
    "  --seed N             k-means seed (default 0)\n" \
    "  --kmeans-iters N     Lloyd iterations per restart (default 100)\n" \
    "  --kmeans-restarts N  k-means restarts (default 4)\n" \
    "  --labels-out PATH    write the cluster ids used (int64 .npy; mode blocks)\n"

/* Checks the shared options' values, loads the data and the partition
 * (labels, k-means or duplicate groups, in the mode --mode resolves to) and
 * sets --hidden to n in mode mem when not given. Returns CLI_OK (free p with
 * tc_problem_free), or CLI_USAGE / CLI_FAIL after a message naming cmd
 * (nothing to free then). */
int tc_load(const char *cmd, tc_opts *o, tc_problem *p);

/* Adds the data, the resolved mode and the k-means objective to a JSON summary. */
void tc_problem_json(cJSON *js, const tc_opts *o, const tc_problem *p);

/* Frees a problem loaded by tc_load. */
void tc_problem_free(tc_problem *p);

/* Builds the construction for one sigma (mg_partition_construct). */
mg_status tc_construct(const tc_opts *o, const tc_problem *p, double sigma, mg_construction *c);

/* JSON views (caller owns the returned objects). blocks_max bounds the number
 * of per-block entries listed (the rest are summarised). */
cJSON *tc_construction_json(const mg_construction *c, int64_t blocks_max);
cJSON *tc_separability_json(const mg_separability *s);

/* Prints a short human summary of a construction to f. */
void tc_print_construction(FILE *f, const mg_construction *c);

#endif /* MEMGEN_THEORY_CLI_H */
