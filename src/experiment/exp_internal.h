/*
 * Internals shared by the experiment files (src/experiment/): the macro that
 * registers an experiment's typed functions as an mg_experiment, and small
 * helpers several experiments use.
 */
#ifndef MEMGEN_EXP_INTERNAL_H
#define MEMGEN_EXP_INTERNAL_H

#include "memgen/experiment.h"

/* Defines `const mg_experiment mg_exp_<id>` from the typed functions
 * mg_exp_<id>_defaults / _run / _free and the file's field tables
 * PARAM_FIELDS and RESULT_FIELDS. */
#define MG_EXP_DEFINE(id, P, R, title, paper, inputs)                                                         \
    static void defaults_any(void *p) { *(P *)p = mg_exp_##id##_defaults(); }                                  \
    static mg_status run_any(const void *p, const mg_exp_env *env, void *r) {                                  \
        return mg_exp_##id##_run((const P *)p, env, (R *)r);                                                   \
    }                                                                                                          \
    static void free_any(void *r) { mg_exp_##id##_free((R *)r); }                                              \
    const mg_experiment mg_exp_##id = {#id,                                                                    \
                                       title,                                                                  \
                                       paper,                                                                  \
                                       inputs,                                                                 \
                                       sizeof(P),                                                              \
                                       sizeof(R),                                                              \
                                       PARAM_FIELDS,                                                           \
                                       (int)(sizeof PARAM_FIELDS / sizeof PARAM_FIELDS[0]),                    \
                                       RESULT_FIELDS,                                                          \
                                       (int)(sizeof RESULT_FIELDS / sizeof RESULT_FIELDS[0]),                  \
                                       defaults_any,                                                           \
                                       run_any,                                                                \
                                       free_any}

/* *out (n x src.cols float32, caller frees) = the rows of src cycled: row i
 * is src row i mod src.rows, so a small set can be seen under many noise
 * draws (noise drawn per row index). src.rows >= 1. */
mg_status mg_exp_cycle_rows(mg_mat src, int64_t n, mg_array *out);

/* *out (X.rows doubles, malloc'd, caller frees) = the Euclidean norm of
 * every row of X, summed in double. */
mg_status mg_exp_row_norms(mg_mat X, double **out);

/* The level of a set at sigma: the nearest level, which must equal sigma
 * within 1e-9 relative (the experiments read single levels of the run's
 * grid, which holds them exactly). */
mg_status mg_exp_level(const mg_daeset *set, double sigma, int *level);

struct cJSON;
/* Adds the number and text fields of a described struct to the JSON object
 * o (dotted names nest; NaN / infinities as null). */
mg_status mg_exp_fields_json(struct cJSON *o, const mg_field *fields, int n, const void *obj);

/* Appends to l the ROC curve (detect.h's mg_roc_curve) of scores with labels
 * (n each, 1 = positive) as a table `name` with columns fpr, tpr, threshold. */
mg_status mg_exp_roc_table(const double *scores, const int *labels, int64_t n, const char *name, mg_table_list *l);

/* A 1 x n float32 array holding v[0..n-1]. */
mg_status mg_exp_row_array(const float *v, int64_t n, mg_array *out);

#endif /* MEMGEN_EXP_INTERNAL_H */
