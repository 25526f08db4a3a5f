/*
 * The experiment layer: each of the paper's figures and tables as a library
 * function that takes plain parameters and data and fills a plain result
 * struct (numbers, tables of per-row numbers, arrays); no HTML, no JSON.
 * `memgen reproduce` lays the results out as a report, `memgen experiment`
 * writes them as files, and the Python package returns them as dicts; C
 * callers use the typed functions of memgen/experiment/<id>.h directly.
 *
 * The shared inputs (mg_exp_data): a dataset in both regimes of the paper,
 * the memorization regime (a few training samples, p >= n) and the
 * generalization regime (many samples, p << n), with held-out test rows and
 * the DAE sets trained on both over one noise grid. Most experiments read
 * them; a few build their own data (Table 1's hybrid mixture).
 *
 * The registry: every experiment is also described by an mg_experiment
 * (its id, what data it needs, its parameter and result structs as field
 * tables, and untyped run / free entry points), so generic code can list,
 * configure and run any of them.
 *
 * Randomness: an experiment draws only from env->rng, forking generator k as
 * mg_rng_fork(env->rng, k) with k a function of env->index (the dataset's
 * position in a run), so results do not depend on which other experiments
 * run, nor on the thread count.
 */
#ifndef MEMGEN_EXPERIMENT_H
#define MEMGEN_EXPERIMENT_H

#include <stdint.h>

#include "memgen/core.h"
#include "memgen/daeset.h"
#include "memgen/fields.h"
#include "memgen/mog.h"
#include "memgen/rng.h"
#include "memgen/table.h"
#include "memgen/train.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shared data ----------------------------------------------------------------- */

/* Which dataset. */
typedef enum {
    MG_EXP_MOG = 0, /* the paper's two-mode Gaussian mixture (App. A.1 / B.1) */
    MG_EXP_FMNIST   /* Fashion-MNIST (the Debian package), standing in for CelebA */
} mg_exp_source;

/* How a dataset in both regimes is made and its DAE sets trained. */
typedef struct {
    mg_exp_source source;
    const char *name;       /* the dataset's name in files and ids (NULL: "mog" / "fmnist"; at most 15 characters) */
    int64_t d;              /* MoG dimension (Fashion-MNIST: always 784) */
    double cov_scale;       /* MoG: the covariance eigenvalues are cov_scale x 0.9^j (the paper's App. B.1: 1;
                               default 0.1, tight enough for Definition 3.1 and Theorem 3.1's masks to hold) */
    int64_t n_gen;          /* generalizing training rows (MoG: split evenly over the modes) */
    int64_t n_test;         /* held-out rows (MoG: split evenly) */
    int64_t mem_pool;       /* Fashion-MNIST: the 5 memorizing images, every pairwise cosine negative (Def. 3.1),
                               are picked among the first mem_pool training images (default 60000: all) */
    const char *fmnist_dir; /* NULL: MG_FMNIST_DIR */
    mg_train_params mem_train, gen_train; /* the two sets' training (sigma is set per level) */
} mg_exp_data_params;

/* Library defaults for a source (the quick report's sizes). */
MG_API mg_exp_data_params mg_exp_data_params_default(mg_exp_source source);

/* The fields of mg_exp_data_params (the two trainings as "mem_train.*" and
 * "gen_train.*"), for recording and setting them by name; *n receives the count. */
MG_API const mg_field *mg_exp_data_param_fields(int *n);

/* "mog", "fmnist" (NULL-terminated, indexed by mg_exp_source). */
MG_API extern const char *const mg_exp_source_names[];

/* A dataset in both regimes with its trained sets. Every matrix is an owned
 * float32 2-D array, one sample per row; free with mg_exp_data_free. */
typedef struct {
    char name[16];            /* "mog" or "fmnist": file prefixes and claim ids */
    char title[128];          /* for headings */
    mg_exp_source source;
    int64_t d;                /* dimension */
    int img_h, img_w;         /* image shape (0 for non-image data) */
    float vmin, vmax;         /* display range of the uncentred values */
    mg_array center;          /* 1 x d mean image subtracted from every row, or empty */
    mg_array mem, gen, test;  /* memorizing training rows (few), generalizing rows (many), held-out rows */
    int64_t *mem_labels, *gen_labels, *test_labels; /* component / class per row (owned) */
    int nclasses;
    double mem_max_cosine;    /* largest pairwise cosine of the memorizing rows */
    int has_mog;              /* 1: mog is the true distribution */
    mg_mog mog;
    mg_exp_data_params params;
    mg_daeset mem_set, gen_set; /* trained over the run's noise grid */
    double train_seconds[2];    /* wall time of the two trainings */
} mg_exp_data;

/* Progress of a long call: a line of detail and the fraction done (0..1). */
typedef void (*mg_exp_progress_fn)(void *ctx, const char *detail, double fraction);

/* Builds a dataset (generator forks "data.<name>" of rng; Fashion-MNIST:
 * "data.fmnist") and trains its memorizing and generalizing sets over sigmas
 * (forks "<name>" and "<name>.gen"). A missing Fashion-MNIST is
 * MG_ERR_NOT_FOUND. */
MG_API mg_status mg_exp_data_build(const mg_exp_data_params *p, const double *sigmas, int nsigmas, const mg_rng *rng,
                            mg_exp_progress_fn progress, void *progress_ctx, mg_exp_data *out);

/* Frees everything a dataset owns; safe on a zeroed struct. */
MG_API void mg_exp_data_free(mg_exp_data *d);

/* Views of the three row sets. */
MG_API mg_mat mg_exp_mem(const mg_exp_data *d);
MG_API mg_mat mg_exp_gen(const mg_exp_data *d);
MG_API mg_mat mg_exp_test(const mg_exp_data *d);

/* ---- running an experiment --------------------------------------------------------- */

/* What a run of an experiment sees besides its parameters. */
typedef struct {
    const mg_exp_data *const *data; /* the datasets this call works on (see mg_exp_inputs) */
    int ndata;
    int index;                      /* the dataset's position in the run (part of every rng fork) */
    const mg_rng *rng;              /* the experiment's generator */
    const double *sigmas;           /* the run's noise grid (ascending) */
    int nsigmas;
    mg_exp_progress_fn progress;    /* optional */
    void *progress_ctx;
} mg_exp_env;

/* Reports progress through env (no-op without a callback). */
MG_API void mg_exp_progress(const mg_exp_env *env, const char *detail, double fraction);

/* What data an experiment needs. */
typedef enum {
    MG_EXP_EACH_DATASET = 0, /* one call per dataset (env->ndata = 1); results are per dataset */
    MG_EXP_MOG_DATASET,      /* one call per Gaussian-mixture dataset (it needs the true density) */
    MG_EXP_ALL_DATASETS,     /* one call that sees every dataset */
    MG_EXP_OWN_DATA          /* one call that makes its own data from env->rng */
} mg_exp_inputs;

/* The description of an experiment, for generic callers. */
typedef struct {
    const char *id;           /* "fig5", "table1", ... */
    const char *title;        /* one line */
    const char *paper;        /* where the paper has it ("Fig. 5, Sec. 3.1") */
    mg_exp_inputs inputs;
    size_t params_size, result_size;
    const mg_field *params;   /* the parameter struct's fields */
    int nparams;
    const mg_field *results;  /* the result struct's fields */
    int nresults;
    void (*defaults)(void *params);                                    /* library defaults */
    mg_status (*run)(const void *params, const mg_exp_env *env, void *result); /* fills result */
    void (*free)(void *result);                                        /* frees what run filled */
} mg_experiment;

/* The registered experiments, in report order. */
MG_API int mg_experiment_count(void);
MG_API const mg_experiment *mg_experiment_at(int i);

/* The experiment with that id, or NULL. */
MG_API const mg_experiment *mg_experiment_find(const char *id);

/* Checks env against what the experiment needs (datasets present, the MoG
 * for MG_EXP_MOG_DATASET, a generator). */
MG_API mg_status mg_experiment_check_env(const mg_experiment *e, const mg_exp_env *env);

/* ---- writing a result as files -------------------------------------------------------- */

/* Where and how mg_experiment_write puts a result. */
typedef struct {
    const char *dir;          /* folder (created with its parents) */
    const char *subdir;       /* sub-folder of dir for the files, or NULL */
    const char *prefix;       /* file-name prefix ("mog_"), or NULL */
    const char *const *skip;  /* NULL-terminated names of array fields or tables not to write, or NULL */
    const char *json_name;    /* stem of a JSON file of the number and text fields, or NULL for none */
} mg_exp_write_opts;

/* Writes every table of the result as <prefix><table name>.csv (table.h),
 * every array field as <prefix><field name>.npy and, with json_name, the
 * number and text fields as one JSON object (dotted names nest:
 * "std.auroc" -> {"std": {"auroc": ...}}; NaN and infinities as null).
 * Atomic per file. *names (malloc'd; free with mg_experiment_names_free)
 * receives the files written, relative to dir, in field order. */
MG_API mg_status mg_experiment_write(const mg_experiment *e, const void *result, const mg_exp_write_opts *o, char ***names,
                              int *nnames);
MG_API void mg_experiment_names_free(char **names, int n);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_EXPERIMENT_H */
