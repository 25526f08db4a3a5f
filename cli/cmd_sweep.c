/*
 * memgen sweep: the memorization-generalization phase diagram over a grid
 * of n, p, sigma, lambda (Eq. 6), data and seed (memgen/sweep.h). Local by
 * default (cells over all cores, resumable), `--shard I/N` for job arrays
 * with `--merge`, and, in the binary built with -DMG_HAVE_MPI (build/memgen-mpi),
 * `mpirun -n K memgen-mpi sweep ...` with rank 0 handing cells out (and running
 * cells itself on a worker thread, so K ranks are K workers).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef MG_HAVE_MPI
#include <mpi.h>
#include <pthread.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/sweep.h"
#include "memgen/train.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen sweep --out DIR [--grid SPEC | --grid @FILE] [options]\n"
            "       memgen sweep --merge [--out OUT] DIR...\n\n"
            "Runs a grid of cells (data, closed form and/or training, measures) and writes\n"
            "DIR/results.csv|json, DIR/measures.npy, DIR/timings.csv and the phase diagram\n"
            "DIR/index.html. Each finished cell is DIR/cells/<index>.json: rerunning the same\n"
            "command (or just --out DIR) resumes. Grid SPEC: \"n=4,8,16; p=4,16; sigma=0.5;\n"
            "lambda=1e-4; data=mog; seed=0,1; task=both; d=32; steps=1500; ...\" (see\n"
            "include/memgen/sweep.h; missing keys take the defaults).\n\n"
            "options:\n"
            "  --grid SPEC|@FILE  the grid (default: the library's default grid, or DIR's)\n"
            "  --out DIR          the sweep folder (merge: where the table goes; default the first DIR)\n"
            "  --seed S           base seed (default 0)\n"
            "  --threads K        cells run at once, each in a worker process of one thread\n"
            "                     (default: all cores)\n"
            "  --shard I/N        run only cells with index %% N == I (then --merge the folders)\n"
            "  --max-cells K      stop after K newly finished cells (resume later)\n"
            "  --merge            assemble the table from the folders given as arguments\n"
            "  --partial          write the table even if cells are missing (their rows are NaN)\n"
            "  --count            print the number of cells and exit\n"
            "  --measure NAME     the column drawn in the phase diagram (default tr_mem_frac_scale,\n"
            "                     cf_mem_frac_scale for task=solve)\n"
            "  --x AXIS, --y AXIS the diagram's axes: n, p, sigma, lambda, seed, data (default n, p)\n"
            "  -h, --help         this text\n");
}

/* Options of a run. */
typedef struct {
    const char *grid, *out, *measure, *xaxis, *yaxis, *shard;
    uint64_t seed;
    int64_t threads, max_cells, shard_i, shard_n;
    int merge, partial, count;
} sweep_opts;

/* Parses "I/N" into the shard index and count. */
static int parse_shard(sweep_opts *o) {
    if (!o->shard) return 0;
    char *end;
    errno = 0;
    long long i = strtoll(o->shard, &end, 10);
    if (*end != '/' || errno) return cli_usage("sweep", "--shard %s is not I/N", o->shard);
    long long n = strtoll(end + 1, &end, 10);
    if (*end || errno || n < 1 || i < 0 || i >= n) return cli_usage("sweep", "--shard %s: need 0 <= I < N", o->shard);
    o->shard_i = i, o->shard_n = n;
    return 0;
}

/* The grid of the options: --grid (text or @FILE) or, without it, DIR's
 * own grid when DIR holds a sweep, else the defaults. */
static mg_status load_grid(const sweep_opts *o, mg_sweep_grid *g, uint64_t *seed, int *from_dir) {
    *from_dir = 0;
    if (!o->grid && o->out) {
        mg_status st = mg_sweep_dir_load(o->out, g, seed);
        if (st != MG_ERR_NOT_FOUND) {
            *from_dir = st == MG_OK;
            return st;
        }
    }
    *seed = o->seed;
    if (o->grid && o->grid[0] == '@') {
        unsigned char *buf;
        size_t len;
        MG_TRY(mg_read_file(o->grid + 1, 1 << 20, &buf, &len));
        mg_status st = mg_sweep_grid_parse((const char *)buf, g);
        free(buf);
        return st;
    }
    return mg_sweep_grid_parse(o->grid, g);
}

/* Progress of the local runner: one line per finished cell. */
static void on_cell(void *ctx, int64_t index, int64_t done, int64_t total, const mg_sweep_result *r) {
    const char *label = ctx;
    fprintf(stderr, "sweep%s: cell %lld done (%lld/%lld) n=%g p=%g sigma=%g lambda=%g seed=%g in %.2f s\n", label,
            (long long)index, (long long)done, (long long)total, r->v[2], r->v[3], r->v[4], r->v[5], r->v[6],
            r->seconds[3]);
}

/* Assembles the table of dirs into out and draws the page. */
static int assemble(const sweep_opts *o, const char *const *dirs, int ndirs, const char *out) {
    int64_t cells = 0, missing = 0;
    mg_status st = mg_sweep_finish(dirs, ndirs, out, o->measure, o->xaxis, o->yaxis, o->partial, &cells, &missing);
    if (st != MG_OK) return cli_fail("sweep", st);
    printf("sweep: %lld cells (%lld missing) -> %s/results.csv, results.json, measures.npy, timings.csv, "
           "index.html\n", (long long)cells, (long long)missing, out);
    return CLI_OK;
}

#ifdef MG_HAVE_MPI
/* Message tags: a worker's request (payload: the cell it finished, -1 at
 * first, or -2 - cell when it failed) and rank 0's answer (a cell, or -1: stop). */
enum { TAG_REQ = 1, TAG_CELL = 2 };

/* What rank 0 prints when mpirun stops the job (a rank died): the cells in
 * flight, kept up to date as a preformatted string (async-signal-safe write). */
static char g_inflight[4096];

/* SIGTERM handler of rank 0: reports the cells in flight and exits. */
static void on_term(int sig) {
    (void)sig;
    ssize_t w = write(2, g_inflight, strlen(g_inflight));
    (void)w;
    _exit(1);
}

/* Rewrites the in-flight report from the cell each rank holds. */
static void update_inflight(const int64_t *holds, int size, const char *dir) {
    int len = snprintf(g_inflight, sizeof g_inflight, "memgen sweep (MPI rank 0): job stopped (a rank died or was "
                       "killed); cells in flight, lost and to be rerun on resume (memgen sweep --out %s):", dir);
    for (int r = 0; r < size && len < (int)sizeof g_inflight - 40; r++)
        if (holds[r] >= 0) len += snprintf(g_inflight + len, sizeof g_inflight - len, " rank %d: cell %lld;", r,
                                           (long long)holds[r]);
    if (len < (int)sizeof g_inflight - 2) snprintf(g_inflight + len, sizeof g_inflight - len, "\n");
}

/* Rank 0's hand-out state, shared by its coordinating loop (requests of the other ranks) and its own
 * worker thread; every field is read and written under `lock`. */
typedef struct {
    pthread_mutex_t lock;
    const sweep_opts *o;
    const mg_sweep_grid *g;
    uint64_t seed;
    int64_t total, next, started, limit, done, failed, N, I;
    int64_t *holds; /* the cell each rank holds, -1: none */
    int size;
    double t0;
} handout;

/* The next cell of the shard that is not done yet, or -1; marks it held by rank r. Under h->lock. */
static int64_t claim_cell(handout *h, int r) {
    int64_t cell = -1;
    while (!h->failed && h->started < h->limit && h->next < h->total) {
        int64_t c = h->next++;
        mg_sweep_result res;
        if (c % h->N != h->I || mg_sweep_cell_read(h->o->out, c, &res) == MG_OK) continue;
        cell = c;
        h->started++;
        break;
    }
    h->holds[r] = cell;
    update_inflight(h->holds, h->size, h->o->out);
    return cell;
}

/* Records what rank r reported for its last cell (msg: the cell, -2 - cell when it failed). Under h->lock. */
static void cell_reported(handout *h, int r, int64_t msg) {
    if (msg >= 0) {
        h->done++;
        fprintf(stderr, "sweep (MPI): cell %lld done by rank %d (%lld done, %.1f s)\n", (long long)msg, r,
                (long long)h->done, mg_now() - h->t0);
    } else if (msg <= -2) {
        h->failed++;
        fprintf(stderr, "sweep (MPI): rank %d failed on cell %lld (see its message above)\n", r,
                (long long)(-2 - msg));
    }
    h->holds[r] = -1;
}

/* Rank 0's own worker: a thread that claims and runs cells beside the coordinating loop (no MPI calls), one
 * core like every rank, so K ranks are K workers. */
static void *local_worker(void *arg) {
    handout *h = arg;
#ifdef _OPENMP
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
#endif
    int64_t msg = -1;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        if (msg != -1) cell_reported(h, 0, msg);
        int64_t cell = claim_cell(h, 0);
        pthread_mutex_unlock(&h->lock);
        if (cell < 0) break;
        mg_sweep_result r;
        mg_status s = mg_sweep_run_cell(h->g, cell, h->seed, &r);
        if (s == MG_OK) s = mg_sweep_cell_write(h->o->out, cell, &r);
        if (s != MG_OK) cli_fail("sweep", s);
        msg = s == MG_OK ? cell : -2 - cell;
    }
    return NULL;
}

/* Rank 0: hands the shard's unfinished cells out one at a time to whichever rank asks (dynamic), polling
 * so that it does not spin on a core, and, when MPI allows threads (`threaded`), runs cells itself on a
 * worker thread. */
static int mpi_master(const sweep_opts *o, int size, int threaded) {
    mg_sweep_grid g = {0}; /* freed even when the folder cannot be read */
    handout h = {.o = o, .size = size, .t0 = mg_now()};
    mg_status st = mg_sweep_dir_load(o->out, &g, &h.seed);
    h.total = st == MG_OK ? mg_sweep_cell_count(&g) : 0;
    h.g = &g;
    h.N = o->shard_n > 1 ? o->shard_n : 1;
    h.I = o->shard_n > 1 ? o->shard_i : 0;
    h.limit = o->max_cells > 0 ? o->max_cells : INT64_MAX;
    h.holds = calloc((size_t)size, sizeof(int64_t));
    if (!h.holds) st = mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    if (st != MG_OK) h.failed = 1; /* the ranks are still answered, with "stop" */
    for (int r = 0; h.holds && r < size; r++) h.holds[r] = -1;
    pthread_mutex_init(&h.lock, NULL);
    update_inflight(h.holds, size, o->out);
    signal(SIGTERM, on_term);
    pthread_t local;
    int local_on = threaded && st == MG_OK && pthread_create(&local, NULL, local_worker, &h) == 0;
    int active = size - 1;
    while (active > 0) {
        int64_t msg;
        MPI_Request req;
        MPI_Status ms;
        int flag = 0;
        MPI_Irecv(&msg, 1, MPI_INT64_T, MPI_ANY_SOURCE, TAG_REQ, MPI_COMM_WORLD, &req);
        while (!flag) {
            MPI_Test(&req, &flag, &ms);
            if (!flag) nanosleep(&(struct timespec){0, 1000000}, NULL); /* 1 ms: costs its worker no core */
        }
        int r = ms.MPI_SOURCE;
        pthread_mutex_lock(&h.lock);
        cell_reported(&h, r, msg);
        int64_t cell = h.holds ? claim_cell(&h, r) : -1;
        pthread_mutex_unlock(&h.lock);
        MPI_Send(&cell, 1, MPI_INT64_T, r, TAG_CELL, MPI_COMM_WORLD);
        if (cell < 0) active--;
    }
    if (local_on) pthread_join(local, NULL);
    signal(SIGTERM, SIG_DFL);
    pthread_mutex_destroy(&h.lock);
    free(h.holds);
    mg_sweep_grid_free(&g);
    if (st != MG_OK) return cli_fail("sweep", st);
    fprintf(stderr, "sweep (MPI): %lld cells run by %d workers in %.1f s\n", (long long)h.done,
            size - 1 + local_on, mg_now() - h.t0);
    return h.failed ? CLI_FAIL : CLI_OK;
}

/* A worker rank: asks for cells, runs and writes each. A test hook,
 * MEMGEN_SWEEP_DIE_RANK=r, makes rank r die (exit 3, no MPI_Finalize)
 * holding its first cell, to check that a dead rank is reported. */
static int mpi_worker(const sweep_opts *o, int rank) {
    mg_sweep_grid g;
    uint64_t seed;
    mg_status st = mg_sweep_dir_load(o->out, &g, &seed);
    int64_t msg = -1, cell = -1, ran = 0;
    const char *die = getenv("MEMGEN_SWEEP_DIE_RANK");
    int rc = CLI_OK;
#ifdef _OPENMP
    if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1); /* one core per rank unless told otherwise */
#endif
    for (;;) {
        MPI_Send(&msg, 1, MPI_INT64_T, 0, TAG_REQ, MPI_COMM_WORLD);
        MPI_Recv(&cell, 1, MPI_INT64_T, 0, TAG_CELL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (cell < 0) break;
        if (die && atoi(die) == rank && ran == 0) {
            fprintf(stderr, "sweep (MPI): rank %d dies on purpose (MEMGEN_SWEEP_DIE_RANK) holding cell %lld\n", rank,
                    (long long)cell);
            _exit(3);
        }
        mg_sweep_result r;
        mg_status s = st == MG_OK ? mg_sweep_run_cell(&g, cell, seed, &r) : st;
        if (s == MG_OK) s = mg_sweep_cell_write(o->out, cell, &r);
        if (s != MG_OK) rc = cli_fail("sweep", s);
        msg = s == MG_OK ? cell : -2 - cell;
        ran++;
    }
    mg_sweep_grid_free(&g);
    return rc;
}

/* The MPI run: rank 0 sets the folder up and hands cells out, the others
 * work, rank 0 assembles the table when the grid is complete. */
static int run_mpi(sweep_opts *o, int *handled) {
    int inited = 0, size = 1, rank = 0, provided = MPI_THREAD_SINGLE;
    MPI_Initialized(&inited);
    if (!inited) MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    else MPI_Query_thread(&provided);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    *handled = size > 1;
    if (size == 1) { /* one process: MPI is done with, the local runner takes the run */
        MPI_Finalize();
        return CLI_OK;
    }
    int rc = CLI_OK, ok = 1;
    if (rank == 0) {
        mg_sweep_grid g;
        uint64_t seed;
        int from_dir;
        mg_status st = load_grid(o, &g, &seed, &from_dir);
        if (st == MG_OK) st = mg_sweep_dir_init(o->out, &g, seed);
        if (st == MG_OK)
            fprintf(stderr, "sweep (MPI): %lld cells, %d ranks (rank 0 hands out cells%s, %d workers)\n",
                    (long long)mg_sweep_cell_count(&g), size, provided >= MPI_THREAD_FUNNELED ? " and runs them" : "",
                    size - (provided >= MPI_THREAD_FUNNELED ? 0 : 1));
        if (st != MG_OK) rc = cli_fail("sweep", st), ok = 0;
        if (st == MG_OK) mg_sweep_grid_free(&g);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (ok) rc = rank == 0 ? mpi_master(o, size, provided >= MPI_THREAD_FUNNELED) : mpi_worker(o, rank);
    int all = rc;
    MPI_Reduce(&rc, &all, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0 && ok && all == CLI_OK && !o->shard_n && !o->max_cells) {
        const char *dirs[1] = {o->out};
        all = assemble(o, dirs, 1, o->out);
    }
    MPI_Finalize();
    return rank == 0 ? all : rc;
}
#endif

/* Entry point of `memgen sweep`. */
int cmd_sweep(int argc, char **argv) {
    sweep_opts o = {NULL, NULL, NULL, "n", "p", NULL, 0, 0, 0, 0, 0, 0, 0, 0};
    const cli_opt opts[] = {CLI_OPT_STR("grid", &o.grid),       CLI_OPT_STR("out", &o.out),
                            CLI_OPT_UINT("seed", &o.seed),      CLI_OPT_INT_MIN("threads", &o.threads, 0),
                            CLI_OPT_STR("shard", &o.shard),     CLI_OPT_INT_MIN("max-cells", &o.max_cells, 0),
                            CLI_OPT_FLAG("merge", &o.merge),    CLI_OPT_FLAG("partial", &o.partial),
                            CLI_OPT_FLAG("count", &o.count),    CLI_OPT_STR("measure", &o.measure),
                            CLI_OPT_STR("x", &o.xaxis),         CLI_OPT_STR("y", &o.yaxis),
                            CLI_OPT_END};
    int rest = argc;
    int rc = cli_parse_options("sweep", argc, argv, opts, usage, &rest);
    if (rc != CLI_RUN) return rc;
    if (parse_shard(&o)) return CLI_USAGE;
    if (mg_sweep_axis_find(o.xaxis) < 0 || mg_sweep_axis_find(o.yaxis) < 0 || !strcmp(o.xaxis, o.yaxis))
        return cli_usage("sweep", "--x and --y must be two different axes of n, p, sigma, lambda, seed, data");
    if (o.measure && mg_sweep_column_find(o.measure) < 0)
        return cli_usage("sweep", "--measure %s is not a result column (see results.csv)", o.measure);
    if (o.merge) {
        if (rest >= argc) return cli_usage("sweep", "--merge needs the sweep folders as arguments");
        return assemble(&o, (const char *const *)argv + rest, argc - rest, o.out ? o.out : argv[rest]);
    }
    if (rest < argc) return cli_usage("sweep", "unexpected argument '%s'", argv[rest]);
    if (o.count) {
        mg_sweep_grid g;
        uint64_t seed;
        int from_dir;
        mg_status st = load_grid(&o, &g, &seed, &from_dir);
        if (st != MG_OK) return cli_fail("sweep", st);
        printf("%lld\n", (long long)mg_sweep_cell_count(&g));
        mg_sweep_grid_free(&g);
        return CLI_OK;
    }
    if (!o.out) return cli_usage("sweep", "--out DIR is required");
#ifdef MG_HAVE_MPI
    int handled = 0;
    rc = run_mpi(&o, &handled);
    if (handled) return rc;
#endif
    mg_sweep_grid g;
    uint64_t seed;
    int from_dir;
    mg_status st = load_grid(&o, &g, &seed, &from_dir);
    if (st == MG_OK) st = mg_sweep_dir_init(o.out, &g, seed);
    if (st != MG_OK) return cli_fail("sweep", st);
    char label[64] = "";
    if (o.shard_n) snprintf(label, sizeof label, " shard %lld/%lld", (long long)o.shard_i, (long long)o.shard_n);
    fprintf(stderr, "sweep%s: %lld cells in %s%s\n", label, (long long)mg_sweep_cell_count(&g), o.out,
            from_dir ? " (resuming)" : "");
    mg_sweep_grid_free(&g);
    mg_train_catch_signals();
    mg_sweep_run_opts ro = {o.shard_i, o.shard_n, o.max_cells, (int)o.threads, on_cell, label};
    int64_t ran = 0, skipped = 0;
    double t0 = mg_now();
    st = mg_sweep_run_dir(o.out, &ro, &ran, &skipped);
    fprintf(stderr, "sweep%s: ran %lld cells, %lld were already done, %.1f s\n", label, (long long)ran,
            (long long)skipped, mg_now() - t0);
    if (st != MG_OK) return cli_fail("sweep", st);
    if (o.shard_n) {
        printf("sweep: shard %lld/%lld done; assemble with: memgen sweep --merge DIR...\n", (long long)o.shard_i,
               (long long)o.shard_n);
        return CLI_OK;
    }
    const char *dirs[1] = {o.out};
    mg_table t;
    int64_t missing = 0;
    if (o.max_cells) { /* stopped early: only assemble when everything is there */
        st = mg_sweep_assemble(dirs, 1, &t, NULL, &missing);
        if (st == MG_OK) mg_table_free(&t);
        if (st != MG_OK) return cli_fail("sweep", st);
        if (missing) {
            printf("sweep: stopped after %lld new cells, %lld to go; rerun to resume\n", (long long)ran,
                   (long long)missing);
            return CLI_OK;
        }
    }
    return assemble(&o, dirs, 1, o.out);
}
