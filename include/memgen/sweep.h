/*
 * Sweeps: the memorization-generalization phase diagram (issue 16). A grid
 * over the number of training rows n, the width p, the noise level sigma,
 * the lambda of Eq. 6, the data set and a replicate seed; every cell makes
 * its data, trains a DAE (train.h) and/or builds the closed form of
 * Theorem 3.1 / Cor. 3.2-3.3 (theory.h), and measures both the same way:
 * the memorized fraction of generated samples (memorization.h, literal and
 * up to scale), the representation std of training and held-out rows
 * (repr.h, Algorithm 1's metric), the train/test denoising-loss ratio
 * (Eq. 6's data term), the separability verdict (Def. 3.1) and the phase
 * the theory predicts (p >= n: W_mem, Cor. 3.2; p < n: W_gen, Cor. 3.3).
 *
 * ---- Grid spec ----------------------------------------------------------
 * "key=v1,v2,...; key=v; ..." (';' or newlines separate items, '#' starts a
 * comment to the end of the line). Axes (lists): n, p, sigma, lambda (the
 * lambda of Eq. 6, solve/theory/train --lambda; wd is its old name), data,
 * seed. Data names: "mog" (two modes, covariance 0.1 x 0.9^j, the
 * experiments' tight mixture) or "mog:K:COV" (K modes, covariance COV x
 * 0.9^j, means of norm 5 with pairwise cosine -1/(K-1)).
 * Settings (one value): task (train, solve, both), d, steps, lr, batch,
 * samples, levels, smin, smax, ntest, draws, threshold. Every cell of the
 * grid uses every setting; mg_sweep_grid_format writes the canonical form
 * (every key, values as %.17g), which is what identifies a sweep's folder.
 *
 * ---- Cells and determinism ---------------------------------------------
 * Cells are numbered in a fixed mixed-radix order, n fastest, then p,
 * sigma, lambda, seed, data. A cell's randomness is forked from the base seed
 * and the VALUES of its coordinates (not their positions), so a cell gives
 * the same bits whichever process, thread count or grid holds it:
 *   data:      fork_named(base, "sweep.data:<data>:<seed>") (the mixture and
 *              the rows; n rows are the first n/K of each mode, so smaller n
 *              are subsets of larger ones);
 *   training:  fork_named(base, "sweep.train:<coordinates>");
 *   measures:  fork_named(base, "sweep.measure:<coordinates>").
 * Sampling uses a one-level DAE set (the cell's single DAE at its sigma)
 * with DDIM over `levels` geometric levels in [smin, smax]: the same model
 * denoises at every level, which is cheap (levels forward passes of
 * `samples` rows) and, since a bias-free ReLU DAE is positively homogeneous,
 * the up-to-scale ratio is the meaningful memorization measure.
 *
 * ---- Folders --------------------------------------------------------------
 * DIR/sweep.json holds the canonical grid and the base seed; each finished
 * cell is DIR/cells/<index>.json, written atomically (fileio.h), so a killed
 * sweep resumes without redoing or losing a finished cell. The table is
 * always assembled from the cell files: results.csv / results.json /
 * measures.npy (deterministic: the same bits for a local run, shards
 * merged or MPI) and timings.csv (wall times, which are not).
 */
#ifndef MEMGEN_SWEEP_H
#define MEMGEN_SWEEP_H

#include <stdint.h>

#include "memgen/core.h"
#include "memgen/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a cell does. */
typedef enum { MG_SWEEP_TRAIN = 1, MG_SWEEP_SOLVE = 2, MG_SWEEP_BOTH = 3 } mg_sweep_task;

/* Axes, in cell order (n varies fastest). */
typedef enum { MG_SWEEP_AX_N = 0, MG_SWEEP_AX_P, MG_SWEEP_AX_SIGMA, MG_SWEEP_AX_WD, MG_SWEEP_AX_SEED,
               MG_SWEEP_AX_DATA, MG_SWEEP_NAXES } mg_sweep_axis;

/* "n", "p", "sigma", "lambda", "seed", "data" (NULL-terminated, by mg_sweep_axis). */
MG_API extern const char *const mg_sweep_axis_names[];

/* The axis of a name in mg_sweep_axis_names, or -1. */
MG_API int mg_sweep_axis_find(const char *name);

/* A parsed grid. Free with mg_sweep_grid_free. */
typedef struct {
    double *values[MG_SWEEP_NAXES]; /* numeric axes' values (data: the index 0..count-1) */
    int64_t count[MG_SWEEP_NAXES];  /* values per axis, >= 1 */
    char **data;                    /* count[MG_SWEEP_AX_DATA] data names */
    mg_sweep_task task;
    int64_t d, steps, batch, samples, levels, ntest, draws;
    double lr, smin, smax, threshold;
} mg_sweep_grid;

/* Parses a spec (see the top) into *g; keys not given take the defaults
 * (n=2,4,8,16,32; p=2,4,8,16,32; sigma=0.5; lambda=1e-4; data=mog; seed=0;
 * task=both; d=32; steps=1500; lr=0.01; batch=256; samples=64; levels=8;
 * smin=0.05; smax=2; ntest=128; draws=2; threshold=1/3). NULL or "" gives
 * the defaults. MG_ERR_ARG names the bad key or value. */
MG_API mg_status mg_sweep_grid_parse(const char *spec, mg_sweep_grid *g);
MG_API void mg_sweep_grid_free(mg_sweep_grid *g);

/* The canonical spec (every key; parse(format(g)) == g), malloc'd. */
MG_API char *mg_sweep_grid_format(const mg_sweep_grid *g);

/* Number of cells (product of the axis counts). */
MG_API int64_t mg_sweep_cell_count(const mg_sweep_grid *g);

/* One cell's coordinates. */
typedef struct {
    int64_t index;
    int64_t at[MG_SWEEP_NAXES]; /* position on each axis */
    int64_t n, p;
    double sigma, wd;
    uint64_t seed;
    const char *data;           /* borrowed from the grid */
} mg_sweep_cell;

/* The coordinates of cell `index` (0 <= index < count). */
MG_API mg_status mg_sweep_cell_at(const mg_sweep_grid *g, int64_t index, mg_sweep_cell *out);

/* ---- results ---------------------------------------------------------------- */

/* The deterministic columns of a result row (NaN where a task did not run),
 * and the wall-time columns. */
enum { MG_SWEEP_NCOLS = 24, MG_SWEEP_NTIMES = 4 };
MG_API extern const char *const mg_sweep_columns[];      /* MG_SWEEP_NCOLS names */
MG_API extern const char *const mg_sweep_time_columns[]; /* MG_SWEEP_NTIMES names */

/* One cell's results. */
typedef struct {
    double v[MG_SWEEP_NCOLS];
    double seconds[MG_SWEEP_NTIMES];
} mg_sweep_result;

/* Index of a column name in mg_sweep_columns, or -1. */
MG_API int mg_sweep_column_find(const char *name);

/* Runs cell `index` of the grid from the base seed (see the top): builds the
 * data, trains and/or solves, measures. Threads: uses OpenMP inside when
 * called outside a parallel region; the bits do not depend on it. */
MG_API mg_status mg_sweep_run_cell(const mg_sweep_grid *g, int64_t index, uint64_t base_seed, mg_sweep_result *out);

/* ---- folders ------------------------------------------------------------------- */

/* Creates DIR (and DIR/cells) and writes DIR/sweep.json, or checks that an
 * existing one holds the same grid and seed (MG_ERR_ARG otherwise: a folder
 * holds one sweep). */
MG_API mg_status mg_sweep_dir_init(const char *dir, const mg_sweep_grid *g, uint64_t base_seed);

/* Reads DIR/sweep.json into *g (caller frees) and *base_seed. */
MG_API mg_status mg_sweep_dir_load(const char *dir, mg_sweep_grid *g, uint64_t *base_seed);

/* Writes DIR/cells/<index>.json atomically. */
MG_API mg_status mg_sweep_cell_write(const char *dir, int64_t index, const mg_sweep_result *r);

/* Reads DIR/cells/<index>.json (MG_ERR_NOT_FOUND when the cell is not done;
 * MG_ERR_FORMAT when it is not a cell file of this index). */
MG_API mg_status mg_sweep_cell_read(const char *dir, int64_t index, mg_sweep_result *r);

/* How mg_sweep_run_dir runs. */
typedef struct {
    int64_t shard, nshards;  /* run only cells with index % nshards == shard (0 / 0 or 1: all) */
    int64_t max_cells;       /* stop after this many newly finished cells (0: no limit) */
    int threads;             /* cells run at once, each worker a forked one-thread process (0: omp_get_max_threads()) */
    void (*progress)(void *ctx, int64_t index, int64_t done, int64_t total, const mg_sweep_result *r);
    void *ctx;               /* passed to progress (called in the calling process, in finishing order) */
} mg_sweep_run_opts;

/* Runs the cells of DIR's sweep (mg_sweep_dir_init first) that this shard
 * owns and that are not done yet, `threads` cells at a time (forked worker
 * processes of one thread each, handed cells dynamically; in this process
 * when threads is 1), each written by this process as soon as it finishes
 * (the workers die with it). *ran and
 * *skipped (may be NULL) receive the cells run now and found done. Stops
 * with MG_ERR_INTERRUPTED (finished cells kept) when a stop is requested
 * (mg_train_request_stop). */
MG_API mg_status mg_sweep_run_dir(const char *dir, const mg_sweep_run_opts *o, int64_t *ran, int64_t *skipped);

/* Assembles the table of every cell, reading cell files from the first of
 * dirs (ndirs >= 1, all holding the same sweep) that has it. *t receives
 * the deterministic columns plus "data" (text), *times the wall-time columns
 * (may be NULL); *missing the number of cells in none of the folders (their
 * rows are NaN). Caller frees the tables. */
MG_API mg_status mg_sweep_assemble(const char *const *dirs, int ndirs, mg_table *t, mg_table *times, int64_t *missing);

/* Runs every cell of the grid without a folder (omp_get_max_threads() worker
 * processes, as mg_sweep_run_dir; nothing written), into the tables mg_sweep_assemble makes:
 * the same bits as a folder's sweep of the grid and seed. Caller frees. */
MG_API mg_status mg_sweep_run_table(const mg_sweep_grid *g, uint64_t base_seed, mg_table *t, mg_table *times);

/* Writes the assembled tables into out_dir: results.csv, results.json (an
 * array of row objects, NaN as null), measures.npy (cells x MG_SWEEP_NCOLS
 * float64, columns as in results.csv without "data") and timings.csv. */
MG_API mg_status mg_sweep_write_tables(const char *out_dir, const mg_table *t, const mg_table *times);

/* The phase-diagram page out_dir/index.html: a heat map of `measure` (a
 * column name) over the axes x and y (mean over the other axes), with the
 * theory's boundary (p >= n memorizes, Cor. 3.2; p < n generalizes,
 * Cor. 3.3) and the measured one (measure >= 0.5) drawn over it, a table
 * of the cells where they disagree, and links to the tables. */
MG_API mg_status mg_sweep_page(const char *out_dir, const mg_sweep_grid *g, const mg_table *t, const char *measure,
                               mg_sweep_axis x, mg_sweep_axis y);

/* The page's default measure for the grid's task: cf_mem_frac_scale when only the closed form runs,
 * tr_mem_frac_scale otherwise. */
MG_API const char *mg_sweep_default_measure(const mg_sweep_grid *g);

/* What `memgen sweep` writes once the cells are done: assembles the cells of dirs (mg_sweep_assemble),
 * fails with MG_ERR_NOT_FOUND when some are missing unless `partial` (their rows are NaN), and writes
 * the tables (mg_sweep_write_tables) and the page (mg_sweep_page) into out_dir. measure NULL: the
 * default; x, y: axis names (NULL: "n", "p"). *cells and *missing (may be NULL) receive the counts. */
MG_API mg_status mg_sweep_finish(const char *const *dirs, int ndirs, const char *out_dir, const char *measure,
                                 const char *x, const char *y, int partial, int64_t *cells, int64_t *missing);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_SWEEP_H */
