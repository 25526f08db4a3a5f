/*
 * Benchmark of the local sweep runner (memgen/sweep.h): the wall time of
 * the same grid (the library's default n x p grid, 25 cells, training (6000
 * steps) and closed form in every cell) run by 1 worker on one core, by 1 worker whose
 * cells use OpenMP inside, and by 2 workers (one cell per core), each into a
 * fresh folder; the speed-up of 2 workers over 1 and a check that the three
 * tables are the same bits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/sweep.h"

/* Aborts the benchmark with the library's message. */
static void check(mg_status st, const char *what) {
    if (st != MG_OK) {
        fprintf(stderr, "bench_sweep: %s failed: %s\n", what, mg_last_error());
        exit(1);
    }
}

/* Runs the grid into a fresh folder base/name with `workers` cells at a
 * time and `inner` OpenMP threads; returns the seconds and the table. */
static double run(const char *base, const char *name, const mg_sweep_grid *g, int workers, int inner, mg_table *t) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", base, name);
#ifdef _OPENMP
    omp_set_num_threads(inner);
#endif
    check(mg_sweep_dir_init(dir, g, 1), "init");
    mg_sweep_run_opts o = {0, 0, 0, workers, NULL, NULL};
    double t0 = mg_now();
    check(mg_sweep_run_dir(dir, &o, NULL, NULL), "run");
    double s = mg_now() - t0;
    const char *dirs[1] = {dir};
    int64_t missing;
    check(mg_sweep_assemble(dirs, 1, t, NULL, &missing), "assemble");
    return s;
}

/* Whether two tables hold the same numbers, bit for bit. */
static int same(const mg_table *a, const mg_table *b) {
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) {
        const double *x = mg_table_col(a, mg_sweep_columns[i]), *y = mg_table_col(b, mg_sweep_columns[i]);
        for (int64_t r = 0; r < a->nrows; r++)
            if (memcmp(&x[r], &y[r], sizeof(double))) return 0;
    }
    return 1;
}

/* Times the three runs and prints the table. */
int main(void) {
    char base[] = "/tmp/bench_sweep.XXXXXX";
    if (!mkdtemp(base)) return 1;
    mg_sweep_grid g;
    check(mg_sweep_grid_parse("steps=6000", &g), "grid");
    int cores = 1;
#ifdef _OPENMP
    cores = omp_get_num_procs();
#endif
    mg_table t1, t1i, t2;
    double s1 = run(base, "w1", &g, 1, 1, &t1);
    double s1i = run(base, "w1omp", &g, 1, cores, &t1i);
    double s2 = run(base, "w2", &g, 2, 1, &t2);
    int ok = same(&t1, &t1i) && same(&t1, &t2);
    printf("bench_sweep: default n x p grid, %lld cells (train + closed form, d = %lld, %lld steps), %d cores\n",
           (long long)mg_sweep_cell_count(&g), (long long)g.d, (long long)g.steps, cores);
    printf("  1 worker, 1 thread            %8.2f s  %6.3f s/cell\n", s1, s1 / t1.nrows);
    printf("  1 worker, OpenMP inside (%d)   %8.2f s  %6.3f s/cell\n", cores, s1i, s1i / t1.nrows);
    printf("  2 workers, 1 thread each      %8.2f s  %6.3f s/cell\n", s2, s2 / t1.nrows);
    printf("  speed-up of 2 workers over 1: %.2fx (over 1 worker with OpenMP inside: %.2fx)\n", s1 / s2, s1i / s2);
    printf("  tables identical bit for bit: %s\n", ok ? "yes" : "NO");
    mg_table_free(&t1);
    mg_table_free(&t1i);
    mg_table_free(&t2);
    mg_sweep_grid_free(&g);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0) fprintf(stderr, "bench_sweep: could not remove %s\n", base);
    return ok ? 0 : 1;
}
