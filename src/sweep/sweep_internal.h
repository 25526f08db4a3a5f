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

#endif /* MEMGEN_SWEEP_INTERNAL_H */
