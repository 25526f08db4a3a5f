/*
 * Internals of experiment fig3 (memgen/experiment/fig3.h) shared by fig3.c
 * (the runs: sampling, the time-conditioned models, tables, pictures) and
 * fig3_measure.c (the measures of a set of rows: literal, up to scale, and
 * the in-distribution checks).
 */
#ifndef MEMGEN_EXP_FIG3_INTERNAL_H
#define MEMGEN_EXP_FIG3_INTERNAL_H

#include "exp_internal.h"
#include "memgen/experiment/fig3.h"
#include "memgen/memorization.h"

/* The six sets of rows, in the order of the result's struct. */
enum { F3_MEM = 0, F3_EMP, F3_GEN, F3_TEST, F3_TCM, F3_TCG, F3_NSETS };

/* "mem", "emp", "gen", "test", "tc_mem", "tc_gen": table-name prefixes. */
extern const char *const mg_f3_keys[F3_NSETS];

/* One set of rows being measured (the working state of a run). */
typedef struct {
    int key;                  /* F3_* */
    mg_mat train;             /* the training rows it is measured against (borrowed) */
    mg_mat unit_train;        /* the same rows at unit norm (borrowed from the run) */
    double train_median_norm; /* median norm of the training rows */
    mg_mat S;                 /* the rows (a result array, or the held-out rows: borrowed) */
    mg_memratio mr, ur;       /* literal measures, and on unit-norm rows */
    mg_table *t;              /* its "<set>_measures" table */
    mg_table *u;              /* its "<set>_upto_scale" table */
    mg_exp_fig3_set *sum;
    int gen_like;             /* measured against the generalizing rows: in-distribution checks */
} f3_set;

/* The literal measures of s (s->t, its summary's literal fields). */
mg_status mg_f3_measure(const mg_exp_fig3_params *p, const mg_exp_data *d, double sigma_min, f3_set *s);

/* The measures up to scale of s (s->u, its summary's up-to-scale fields);
 * after mg_f3_measure. */
mg_status mg_f3_measure_scale(const mg_exp_fig3_params *p, f3_set *s);

/* The in-distribution checks, literal and up to scale, of the sets with
 * gen_like (the held-out set first gives the reference), into their tables
 * and summaries and the result's reference fields (test_*). */
mg_status mg_f3_in_distribution(const mg_exp_data *d, double sigma_min, f3_set set[F3_NSETS], mg_exp_fig3_result *r);

#endif /* MEMGEN_EXP_FIG3_INTERNAL_H */
