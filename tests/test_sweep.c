/*
 * Tests of sweeps (memgen/sweep.h, `memgen sweep`): grid parsing and cell
 * order, a cell's bits independent of the thread count, and the same table
 * bit for bit from a local run, three shards merged, a run stopped after a
 * few cells and resumed, and (when mpirun and build/memgen-mpi exist) an MPI
 * run with 3 ranks and with 2 (rank 0 works too); a rank or a local worker process that dies is
 * reported and the rerun completes;
 * the in-memory runner gives the folder's table; experiment phase's groups.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include "memgen/experiment/phase.h"
#include "memgen/sweep.h"

/* The small grid of the CLI tests: 6 cells of about 10 ms each. */
#define GRID "\"n=2,4,8;p=2,8;d=8;steps=200;samples=16;ntest=16;levels=4;draws=1\""

/* The files that must be identical however the cells were run. */
static const char *const SAME[] = {"results.csv", "results.json", "measures.npy", "index.html"};

/* Whether two files hold the same bytes (both must exist). */
static int same_bytes(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    if (!same) print_error("%s and %s differ\n", a, b);
    return same;
}

/* Asserts that folder b's tables and page equal folder a's. */
static void assert_same_tables(const tu_workdir *w, const char *a, const char *b) {
    for (size_t i = 0; i < sizeof SAME / sizeof SAME[0]; i++) {
        char pa[512], pb[512];
        snprintf(pa, sizeof pa, "%s/%s/%s", w->dir, a, SAME[i]);
        snprintf(pb, sizeof pb, "%s/%s/%s", w->dir, b, SAME[i]);
        assert_true(same_bytes(pa, pb));
    }
}

/* Parsing, canonical form, cell order and bad specs. */
static void test_grid(void **state) {
    (void)state;
    mg_sweep_grid g, h;
    tu_assert_ok(mg_sweep_grid_parse("n=2,4; p=8 # a comment\n sigma=0.1,0.2;data=mog,mog:3:0.5", &g));
    assert_int_equal(mg_sweep_cell_count(&g), 2 * 1 * 2 * 1 * 1 * 2);
    char *s = mg_sweep_grid_format(&g);
    tu_assert_ok(mg_sweep_grid_parse(s, &h));
    char *s2 = mg_sweep_grid_format(&h);
    assert_string_equal(s, s2);
    mg_sweep_cell c;
    tu_assert_ok(mg_sweep_cell_at(&g, 1, &c));
    assert_true(c.n == 4 && c.p == 8 && c.sigma == 0.1);
    tu_assert_ok(mg_sweep_cell_at(&g, 2, &c));
    assert_true(c.n == 2 && c.sigma == 0.2 && !strcmp(c.data, "mog"));
    tu_assert_ok(mg_sweep_cell_at(&g, 7, &c));
    assert_true(c.n == 4 && c.sigma == 0.2 && !strcmp(c.data, "mog:3:0.5"));
    assert_int_equal(mg_sweep_cell_at(&g, 8, &c), MG_ERR_ARG);
    free(s), free(s2);
    mg_sweep_grid_free(&g);
    mg_sweep_grid_free(&h);
    const char *bad[] = {"n=1", "p=0", "foo=1", "data=bar", "task=x", "sigma=-1", "n=2.5", "steps=1,2", "n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(mg_sweep_grid_parse(bad[i], &g), MG_ERR_ARG);
        assert_true(strlen(mg_last_error()) > 0);
    }
}

/* A cell gives the same bits on one thread and on all of them. */
static void test_cell_threads(void **state) {
    (void)state;
    mg_sweep_grid g;
    tu_assert_ok(mg_sweep_grid_parse("n=6;p=8;d=8;steps=300;samples=16;ntest=16;levels=3", &g));
    mg_sweep_result a, b;
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    tu_assert_ok(mg_sweep_run_cell(&g, 0, 7, &a));
#ifdef _OPENMP
    omp_set_num_threads(nt > 1 ? nt : 2);
#endif
    tu_assert_ok(mg_sweep_run_cell(&g, 0, 7, &b));
#ifdef _OPENMP
    omp_set_num_threads(nt);
#endif
    assert_memory_equal(a.v, b.v, sizeof a.v);
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) /* both tasks ran: every column is set */
        if (!isfinite(a.v[i])) print_error("column %s is not finite\n", mg_sweep_columns[i]);
    assert_true(isfinite(a.v[mg_sweep_column_find("tr_loss_ratio")]));
    assert_true(isfinite(a.v[mg_sweep_column_find("cf_loss_pred")]));
    assert_true(a.v[mg_sweep_column_find("pred_mem")] == 1);
    mg_sweep_grid_free(&g);
}

/* Local run, three shards merged, a stopped and resumed run: same table. */
static void test_local_shards_resume(void **state) {
    tu_workdir *w = *state;
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid " GRID " --seed 3", tu_wpath(w, "local")), 0);
    tu_assert_file_nonempty(w->dir, "local/results.csv");
    char *html = tu_read_text(tu_wpath(w, "local/index.html"));
    assert_non_null(html);
    tu_assert_wellformed(html, 1);
    assert_non_null(strstr(html, "<svg"));
    assert_non_null(strstr(html, "By that assumption: of the ")); /* departures split by Def. 3.1 */
    assert_non_null(strstr(html, "Cor. 3.2 where its assumption holds"));
    free(html);
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i);
        assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid " GRID " --seed 3 --shard %d/3 --threads 1",
                                   tu_wpath(w, name), i), 0);
    }
    assert_int_equal(tu_count_entries(tu_wpath(w, "s1/cells")), 2); /* cells 1 and 4 */
    /* a missing shard is an error, not a silent table of NaN */
    assert_int_equal(tu_memgen(w->log, "sweep --merge --out %s %s %s", tu_wpath(w, "m2"), tu_wpath(w, "s0"),
                               tu_wpath(w, "s1")), 1);
    assert_true(tu_log_has(w, "2 of 6 cells are missing"));
    assert_int_equal(tu_memgen(w->log, "sweep --merge --out %s %s %s %s", tu_wpath(w, "merged"), tu_wpath(w, "s0"),
                               tu_wpath(w, "s1"), tu_wpath(w, "s2")), 0);
    assert_same_tables(w, "local", "merged");
    /* stopped after 2 cells (as a killed run would be, its tables not written), then resumed */
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid " GRID " --seed 3 --max-cells 2", tu_wpath(w, "r")),
                     0);
    assert_int_equal(tu_count_entries(tu_wpath(w, "r/cells")), 2);
    assert_true(access(tu_wpath(w, "r/results.csv"), F_OK) != 0);
    tu_write_bytes(tu_wpath(w, "r/cells/.5.json.tmp.abcdef"), "{\"ind", 5); /* a write cut by a kill */
    assert_int_equal(tu_memgen(w->log, "sweep --out %s", tu_wpath(w, "r")), 0);
    assert_true(tu_log_has(w, "ran 4 cells, 2 were already done"));
    assert_same_tables(w, "local", "r");
    /* a folder holds one sweep */
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid \"n=2,4\"", tu_wpath(w, "r")), 1);
    assert_true(tu_log_has(w, "holds another sweep"));
}

/* A local run's worker process killed mid-cell: the sweep fails naming the worker, the signal and the
 * cell it held (finished cells kept), and the rerun completes the same table as an undisturbed run. */
static void test_worker_dies(void **state) {
    tu_workdir *w = *state;
    const char *bin = getenv("MEMGEN");
    if (!bin || !*bin) bin = "build/memgen";
    const char *grid = "\"n=2,4,8;p=2,8;d=8;steps=100000;samples=16;ntest=16;levels=4;draws=1\"";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s sweep --out %s --grid %s --threads 2 >>%s 2>&1 & P=$!; C=; i=0; "
             "while [ -z \"$C\" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); "
             "C=$(cat /proc/$P/task/$P/children 2>/dev/null); done; kill -9 ${C%%%% *}; wait $P",
             bin, tu_wpath(w, "k"), grid, w->log);
    int rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
    assert_true(tu_log_has(w, "died (signal 9) while running item"));
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --threads 2", tu_wpath(w, "k")), 0);
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid %s --threads 1", tu_wpath(w, "one"), grid), 0);
    assert_same_tables(w, "one", "k");
}

/* The memgen-mpi binary next to $MEMGEN, or NULL when it or mpirun is missing. */
static const char *mpi_binary(void) {
    static char path[1024];
    const char *bin = getenv("MEMGEN");
    if (!bin || !*bin) bin = "build/memgen";
    snprintf(path, sizeof path, "%s", bin);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0), "memgen-mpi");
    if (access(path, X_OK) != 0 || system("command -v mpirun >/dev/null 2>&1") != 0) return NULL;
    return path;
}

/* The environment of the test's mpirun commands: one OpenMP thread per rank, and
 * no leak report at exit in sanitizer builds (OpenMPI's own allocations are
 * reported, none from memgen's frames; the local runs of the same cells are
 * leak-checked). */
#define MPI_ENV "ASAN_OPTIONS=detect_leaks=0 OMP_NUM_THREADS=1 "

/* mpirun -n 3 (rank 0 hands out cells, 2 workers): the local table; a rank
 * that dies stops the job with a report of the cells lost, and the rerun
 * finishes with the same table. */
static void test_mpi(void **state) {
    tu_workdir *w = *state;
    const char *mpi = mpi_binary();
    if (!mpi) {
        fprintf(stderr, "test_mpi: no mpirun or memgen-mpi, skipped\n");
        skip();
    }
    const char *run = "mpirun --allow-run-as-root --oversubscribe -n 3";
    char cmd[4096];
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid " GRID " --seed 3", tu_wpath(w, "local")), 0);
    snprintf(cmd, sizeof cmd, MPI_ENV "%s %s sweep --out %s --grid " GRID " --seed 3 >>%s 2>&1", run, mpi,
             tu_wpath(w, "mpi"), w->log);
    assert_int_equal(system(cmd), 0);
    assert_same_tables(w, "local", "mpi");
    /* 2 ranks are 2 workers: rank 0 runs cells beside handing them out */
    snprintf(cmd, sizeof cmd, MPI_ENV "mpirun --allow-run-as-root --oversubscribe -n 2 %s sweep --out %s --grid " GRID
             " --seed 3 >>%s 2>&1", mpi, tu_wpath(w, "mpi2"), w->log);
    assert_int_equal(system(cmd), 0);
    assert_same_tables(w, "local", "mpi2");
    assert_true(tu_log_has(w, "rank 0 hands out cells and runs them, 2 workers"));
    assert_true(tu_log_has(w, "done by rank 0"));
    /* cells of ~50 ms, so that rank 1 surely gets one before rank 0's own worker has run them all */
    const char *slow = "\"n=2,4,8;p=2,8;d=8;steps=20000;samples=16;ntest=16;levels=4;draws=1\"";
    assert_int_equal(tu_memgen(w->log, "sweep --out %s --grid %s --seed 3", tu_wpath(w, "slow"), slow), 0);
    snprintf(cmd, sizeof cmd, MPI_ENV "MEMGEN_SWEEP_DIE_RANK=1 %s %s sweep --out %s --grid %s --seed 3 >>%s 2>&1",
             run, mpi, tu_wpath(w, "dead"), slow, w->log);
    assert_int_not_equal(system(cmd), 0);
    assert_true(tu_log_has(w, "rank 1 dies on purpose"));
    assert_true(tu_log_has(w, "cells in flight"));
    snprintf(cmd, sizeof cmd, MPI_ENV "%s %s sweep --out %s >>%s 2>&1", run, mpi, tu_wpath(w, "dead"),
             w->log);
    assert_int_equal(system(cmd), 0);
    assert_same_tables(w, "slow", "dead");
}

/* The in-memory runner (mg_sweep_run_table) gives the table of a folder
 * run bit for bit, on 2 cells at a time and on 1, and leaves OpenBLAS's
 * thread count as it found it. */
static void test_run_table(void **state) {
    tu_workdir *w = *state;
    mg_sweep_grid g;
    tu_assert_ok(mg_sweep_grid_parse("n=2,4,8;p=2,8;d=8;steps=200;samples=16;ntest=16;levels=4;draws=1", &g));
    const char *dir = tu_wpath(w, "lib");
    tu_assert_ok(mg_sweep_dir_init(dir, &g, 3));
    mg_sweep_run_opts o = {0, 0, 0, 2, NULL, NULL};
    tu_assert_ok(mg_sweep_run_dir(dir, &o, NULL, NULL));
    mg_table a, b, c;
    int64_t missing = -1;
    const char *dirs[1] = {dir};
    tu_assert_ok(mg_sweep_assemble(dirs, 1, &a, NULL, &missing));
    assert_int_equal(missing, 0);
    tu_assert_ok(mg_sweep_run_table(&g, 3, &b, NULL));
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    tu_assert_ok(mg_sweep_run_table(&g, 3, &c, NULL));
#ifdef _OPENMP
    omp_set_num_threads(nt);
#endif
    assert_int_equal(a.nrows, b.nrows);
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) {
        assert_memory_equal(mg_table_col(&a, mg_sweep_columns[i]), mg_table_col(&b, mg_sweep_columns[i]),
                            (size_t)a.nrows * sizeof(double));
        assert_memory_equal(mg_table_col(&a, mg_sweep_columns[i]), mg_table_col(&c, mg_sweep_columns[i]),
                            (size_t)a.nrows * sizeof(double));
    }
    mg_table_free(&a), mg_table_free(&b), mg_table_free(&c);
    mg_sweep_grid_free(&g);
}

/* Experiment phase: its grid's groups (every cell with p >= n has separable
 * rows on the many-mode mixture), the boundary p = n, and bad parameters. */
static void test_exp_phase(void **state) {
    (void)state;
    mg_exp_phase_params p = mg_exp_phase_defaults();
    p.steps = 100, p.samples = 16, p.ntest = 32, p.seeds = 1, p.d = 16;
    mg_rng rng;
    mg_rng_init(&rng, 4);
    mg_exp_env env = {NULL, 0, 0, &rng, NULL, 0, NULL, NULL};
    mg_exp_phase_result r;
    tu_assert_ok(mg_exp_phase_run(&p, &env, &r));
    assert_int_equal(r.ncells, 15);
    assert_int_equal(r.cells.nrows, 15);
    assert_string_equal(r.cells.name, "cells");
    assert_int_equal(r.mem_cells, 8);
    assert_int_equal(r.mem_separable, 8);
    assert_int_equal(r.gen_cells, 5); /* n = 64, 256 against p = 4, 8; n = 256 against p = 32 */
    tu_assert_in_range(r.mem_cf_frac, 0, 1, "mem_cf_frac");
    tu_assert_in_range(r.agree, 0, 1, "agree");
    const double *bn = mg_table_col(&r.boundary, "n"), *bp = mg_table_col(&r.boundary, "p");
    assert_int_equal(r.boundary.nrows, 3); /* p = 4, n = 8, p = 32 */
    assert_true(bn[0] == 4 && bn[1] == 8 && bn[2] == 32 && bp[2] == 32);
    mg_exp_phase_free(&r);
    p.modes = 4;
    assert_int_equal(mg_exp_phase_run(&p, &env, &r), MG_ERR_ARG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_cell_threads),
        cmocka_unit_test(test_exp_phase),
        cmocka_unit_test_setup_teardown(test_local_shards_resume, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_run_table, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_worker_dies, tu_workdir_setup, tu_workdir_teardown),
        cmocka_unit_test_setup_teardown(test_mpi, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
