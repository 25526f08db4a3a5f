/*
 * Pieces shared by `memgen solve` and `memgen theory`: the options that say
 * how the data are partitioned (labels, k-means, memorization, one LAE
 * block), loading and resolving them, building the construction for one
 * sigma, and the JSON/summary views of constructions and separability.
 */
#ifndef MEMGEN_THEORY_CLI_H
#define MEMGEN_THEORY_CLI_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "memgen/theory.h"

/* How the samples are grouped into blocks. */
typedef enum { TC_AUTO = 0, TC_LAE, TC_MEM, TC_BLOCKS } tc_mode;

/* Options common to solve and theory (defaults from TC_OPTS_DEFAULT). */
typedef struct {
    const char *data, *labels, *labels_out, *widths_spec;
    int64_t clusters;     /* k-means K (0: none) */
    tc_mode mode;
    double wd, dup_tol;
    int64_t hidden;       /* 0: not given */
    uint64_t seed;
    int kmeans_iters, kmeans_restarts;
    int64_t duplicates;   /* split groups of >= this many copies into clusters (0: off) */
    double dup_dist;      /* copies: |x_i - x_j| <= dup_dist * max(|x_i|, |x_j|) */
} tc_opts;

#define TC_OPTS_DEFAULT {NULL, NULL, NULL, NULL, 0, TC_AUTO, 0.0, 1e-6, 0, 0, 100, 4, 0, 1e-6}

/* The resolved problem: data, compact labels (NULL for LAE/mem modes), K. */
typedef struct {
    mg_array X;           /* n x d float32 */
    tc_mode mode;         /* resolved: TC_LAE, TC_MEM or TC_BLOCKS */
    int64_t *labels;      /* n (TC_BLOCKS), compact */
    int64_t *label_values;/* K: original label values (labels file) or NULL */
    int64_t K;
    int64_t *widths;      /* K parsed from --widths, or NULL */
    double kmeans_objective; /* mean cosine (k-means), else NAN */
    int64_t dup_groups;   /* duplicate groups split off (--duplicates) */
} tc_problem;

/* Parses a --mode value; returns nonzero (after a usage message) if bad. */
int tc_parse_mode(const char *cmd, const char *s, tc_mode *out);
const char *tc_mode_str(tc_mode m);

/* Parses one of the long options solve and theory share (data, labels,
 * clusters, mode, wd, hidden, widths, dup-tol, duplicates, dup-dist, seed,
 * kmeans-iters, kmeans-restarts, labels-out) into o. Returns 0 if handled,
 * -1 if `name` is not a shared option, CLI_USAGE (after a usage message
 * naming cmd) on a bad value. */
int tc_parse_option(const char *cmd, const char *name, const char *arg, tc_opts *o);

/* Loads the data and labels or runs k-means, resolves the mode (auto: blocks
 * with --labels/--clusters/--duplicates, else mem when hidden >= n, else
 * lae), splits duplicate groups into clusters, parses --widths, writes
 * --labels-out. Frees with tc_problem_free. */
mg_status tc_problem_load(const char *cmd, const tc_opts *o, tc_problem *p);
void tc_problem_free(tc_problem *p);

/* The labels of every sample (all 0 for LAE, i for mem) as a malloc'd array. */
int64_t *tc_all_labels(const tc_problem *p, int64_t *K);

/* Builds the construction for one sigma. */
mg_status tc_construct(const tc_opts *o, const tc_problem *p, double sigma, mg_construction *c);

/* JSON views (caller owns the returned objects). blocks_max bounds the number
 * of per-block entries listed (the rest are summarised). */
cJSON *tc_construction_json(const mg_construction *c, int64_t blocks_max);
cJSON *tc_separability_json(const mg_separability *s);

/* Prints a short human summary of a construction to f. */
void tc_print_construction(FILE *f, const mg_construction *c);

#endif /* MEMGEN_THEORY_CLI_H */
