/*
 * Benchmark of the sweep runners (memgen/sweep.h, `memgen sweep`): the wall
 * and CPU time of the same grid (the library's default n x p grid, 25 cells,
 * training (100000 steps) and closed form in every cell) run by 1 worker on
 * one core, by 1 worker whose cells use OpenMP inside, by 2 local workers
 * (forked processes, one cell per core), by 2 shard processes side by side
 * (as `--shard 0/2` and `--shard 1/2` would run) and, when build/memgen-mpi
 * and mpirun exist, by `mpirun -n 1` and `mpirun -n 2` (rank 0 works too),
 * each into a fresh folder; the speed-ups over 1 worker and a check that
 * every table is the same bits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
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

/* CPU seconds (user + system) of this process's threads and its waited-for children so far. */
static double cpu_seconds(void) {
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
           1e-6 * (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec + b.ru_stime.tv_usec);
}

/* CPU seconds of the last run (run, run_shards): the work the cells cost, whatever the other load of the
 * machine; a lock the workers contend on shows as more CPU time, not only as more wall time. */
static double last_cpu;

/* The end of a timed run into dir that started at t0 with c0 CPU seconds: sets last_cpu, assembles the
 * table into *t, returns the seconds. */
static double ended(const char *dir, double t0, double c0, mg_table *t) {
    double s = mg_now() - t0;
    last_cpu = cpu_seconds() - c0;
    const char *dirs[1] = {dir};
    int64_t missing;
    check(mg_sweep_assemble(dirs, 1, t, NULL, &missing), "assemble");
    return s;
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
    double t0 = mg_now(), c0 = cpu_seconds();
    check(mg_sweep_run_dir(dir, &o, NULL, NULL), "run");
    return ended(dir, t0, c0, t);
}

/* Runs the grid as 2 shard processes side by side into base/name (one cell
 * at a time each, OpenMP off inside); returns the seconds and the merged table. */
static double run_shards(const char *base, const char *name, const mg_sweep_grid *g, mg_table *t) {
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", base, name);
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    check(mg_sweep_dir_init(dir, g, 1), "init");
    double t0 = mg_now(), c0 = cpu_seconds();
    pid_t pid[2];
    for (int k = 0; k < 2; k++) {
        pid[k] = fork();
        if (pid[k] < 0) check(mg_fail(MG_ERR_IO, "fork failed"), "fork");
        if (pid[k] == 0) {
            mg_sweep_run_opts o = {k, 2, 0, 1, NULL, NULL};
            _exit(mg_sweep_run_dir(dir, &o, NULL, NULL) == MG_OK ? 0 : 1);
        }
    }
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        int ws;
        ok &= waitpid(pid[k], &ws, 0) == pid[k] && WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
    }
    if (!ok) check(mg_fail(MG_ERR_IO, "a shard process failed"), "shards");
    return ended(dir, t0, c0, t);
}

/* Runs the grid under `mpirun -n ranks` of the MPI binary into base/name; returns the seconds (negative
 * when mpirun or the binary is missing) and the table. */
static double run_mpi(const char *base, const char *name, const mg_sweep_grid *g, int ranks, mg_table *t) {
    const char *mpi = getenv("MEMGEN_MPI") ? getenv("MEMGEN_MPI") : "build/memgen-mpi";
    if (access(mpi, X_OK) != 0 || system("command -v mpirun >/dev/null 2>&1") != 0) return -1;
    char dir[512], cmd[2048];
    snprintf(dir, sizeof dir, "%s/%s", base, name);
    char *spec = mg_sweep_grid_format(g);
    if (!spec) check(mg_fail(MG_ERR_NOMEM, "out of memory"), "grid");
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 mpirun --allow-run-as-root --oversubscribe -n %d %s sweep --out %s "
             "--grid '%s' --seed 1 --threads 1 >%s.log 2>&1", ranks, mpi, dir, spec, dir);
    free(spec);
    double t0 = mg_now(), c0 = cpu_seconds();
    if (system(cmd) != 0) check(mg_fail(MG_ERR_IO, "%s failed (see %s.log)", cmd, dir), "mpirun");
    return ended(dir, t0, c0, t);
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

/* The runs compared, in the order they are timed within a round. */
enum { R_W1, R_W1OMP, R_W2, R_SHARDS, R_MPI1, R_MPI2, R_COUNT };
static const char *const run_label[R_COUNT] = {
    "1 worker, 1 thread", "1 worker, OpenMP inside", "2 local workers (processes)", "2 shard processes, 1 thread",
    "mpirun -n 1", "mpirun -n 2 (rank 0 works too)"};

/* Runs configuration k into base/<k>_<round>; returns the seconds (negative: not available) and the table. */
static double run_config(int k, int round, const char *base, const mg_sweep_grid *g, int cores, mg_table *t) {
    char name[32];
    snprintf(name, sizeof name, "%d_%d", k, round);
    switch (k) {
    case R_W1: return run(base, name, g, 1, 1, t);
    case R_W1OMP: return run(base, name, g, 1, cores, t);
    case R_W2: return run(base, name, g, 2, 1, t);
    case R_SHARDS: return run_shards(base, name, g, t);
    default: return run_mpi(base, name, g, k == R_MPI1 ? 1 : 2, t);
    }
}

/* Times every configuration, best of MEMGEN_BENCH_SWEEP_ROUNDS rounds (default 3; the rounds interleave the
 * configurations, so a burst of load from elsewhere hits them alike), and prints the table. */
int main(void) {
    char base[] = "/tmp/bench_sweep.XXXXXX";
    if (!mkdtemp(base)) return 1;
    mg_sweep_grid g;
    check(mg_sweep_grid_parse("steps=100000", &g), "grid");
    int cores = 1, rounds = getenv("MEMGEN_BENCH_SWEEP_ROUNDS") ? atoi(getenv("MEMGEN_BENCH_SWEEP_ROUNDS")) : 3;
    if (rounds < 1) rounds = 1;
#ifdef _OPENMP
    cores = omp_get_num_procs();
#endif
    double best[R_COUNT], cpu[R_COUNT];
    mg_table ref = {0};
    int ok = 1;
    for (int k = 0; k < R_COUNT; k++) best[k] = -1, cpu[k] = 0;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < R_COUNT; k++) {
            if (k == R_MPI2 && best[R_MPI1] < 0) continue;
            mg_table t = {0};
            double sec = run_config(k, r, base, &g, cores, &t);
            if (sec < 0) continue;
            if (!ref.cols) ref = t;
            else {
                ok &= same(&ref, &t);
                mg_table_free(&t);
            }
            if (best[k] < 0 || sec < best[k]) best[k] = sec, cpu[k] = last_cpu;
        }
    printf("bench_sweep: default n x p grid, %lld cells (train + closed form, d = %lld, %lld steps), %d cores, "
           "best of %d rounds\n", (long long)mg_sweep_cell_count(&g), (long long)g.d, (long long)g.steps, cores,
           rounds);
    for (int k = 0; k < R_COUNT; k++)
        if (best[k] >= 0)
            printf("  %-32s %7.2f s  %6.3f s/cell  %6.2f CPU s\n", run_label[k], best[k], best[k] / ref.nrows,
                   cpu[k]);
    printf("  speed-up of 2 local workers over 1: %.2fx (over 1 worker with OpenMP inside: %.2fx)\n",
           best[R_W1] / best[R_W2], best[R_W1OMP] / best[R_W2]);
    printf("  speed-up of 2 shard processes over 1 worker: %.2fx\n", best[R_W1] / best[R_SHARDS]);
    if (best[R_MPI1] < 0) printf("  MPI: no build/memgen-mpi or mpirun, not measured\n");
    else printf("  speed-up of 2 ranks over 1: %.2fx\n", best[R_MPI1] / best[R_MPI2]);
    printf("  tables identical bit for bit: %s\n", ok ? "yes" : "NO");
    mg_table_free(&ref);
    mg_sweep_grid_free(&g);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0) fprintf(stderr, "bench_sweep: could not remove %s\n", base);
    return ok ? 0 : 1;
}
