/*
 * Internal to src/sweep: helpers shared by the grid, cell, file and page
 * parts of the sweep module (memgen/sweep.h).
 */
#ifndef MEMGEN_SWEEP_INTERNAL_H
#define MEMGEN_SWEEP_INTERNAL_H

#include "memgen/sweep.h"

/* Parses a data name ("mog" or "mog:K:COV") into its modes and covariance scale. */
mg_status mg__sweep_data_parse(const char *name, int *K, double *cov);

/* DIR/cells/<index>.json into buf. */
void mg__sweep_cell_path(const char *dir, int64_t index, char *buf, size_t len);

/* A list of n cells for the worker pool: run(ctx, item, r) computes item k (0 <= k < n) in a worker;
 * done(ctx, item, r) takes its result in the caller's process, in finishing order. */
typedef struct {
    int64_t n;
    mg_status (*run)(void *ctx, int64_t item, mg_sweep_result *r);
    mg_status (*done)(void *ctx, int64_t item, const mg_sweep_result *r);
    void *ctx;
} mg_sweep_pool_job;

/* Runs the job's items in `workers` forked single-threaded processes (pool.c; in this process when
 * workers <= 1). MG_ERR_INTERRUPTED, without a message, when a stop is requested; the first failing
 * item's status and message otherwise. */
mg_status mg__sweep_pool_run(const mg_sweep_pool_job *job, int workers);

#endif /* MEMGEN_SWEEP_INTERNAL_H */
