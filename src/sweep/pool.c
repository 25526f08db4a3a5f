/*
 * The sweep's local worker pool: runs the cells of a list in K forked worker
 * processes, one cell at a time each, one thread each, handing cells out
 * dynamically (a shared atomic counter). Processes, not threads: cells are
 * many small BLAS products, and OpenBLAS takes a process-wide lock around
 * the buffer of every call, so K threads of one process contend on it
 * (bench_sweep measured 2 threads at 1.13x of one for 1.64x the CPU time,
 * 2 processes at 2.09x). Results come back to the parent through a pipe as
 * fixed-size records (each write below PIPE_BUF, so atomic); the parent
 * alone writes files and calls the progress callback, so nothing a caller
 * sees runs in a child. A stop request (mg_train_request_stop) or a failing
 * cell ends the run: the children are killed, the finished cells are kept.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "memgen/train.h"
#include "sweep_internal.h"

/* What a child reports for one cell. */
typedef struct {
    int64_t item;    /* position in the list */
    int32_t status;  /* the cell's status */
    char err[512];   /* its message when it failed */
    mg_sweep_result r;
} cell_record;
_Static_assert(sizeof(cell_record) <= PIPE_BUF, "a cell record must be written atomically into the pipe");

/* The memory the parent and its children share: the next item to claim and, per worker, the item it holds. */
typedef struct {
    _Atomic int64_t next;
    _Atomic int64_t holds[]; /* -1: none */
} pool_shared;

/* Writes all of buf (retrying on EINTR); 0 when it was written. */
static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A worker process: claims items until none is left, runs each, reports it; never returns. */
static _Noreturn void child_loop(const mg_sweep_pool_job *job, pool_shared *sh, int w, int fd) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a killed parent takes its workers with it */
#endif
    signal(SIGINT, SIG_IGN); /* the parent decides what a Ctrl-C stops (it kills the workers) */
    signal(SIGTERM, SIG_DFL); /* not the caller's stop-request handler: a worker told to end, ends */
#ifdef _OPENMP
    omp_set_num_threads(1); /* one core per worker */
#endif
    for (;;) {
        int64_t k = atomic_fetch_add(&sh->next, 1);
        if (k >= job->n) break;
        atomic_store(&sh->holds[w], k);
        cell_record rec;
        memset(&rec, 0, sizeof rec);
        rec.item = k;
        rec.status = job->run(job->ctx, k, &rec.r);
        if (rec.status != MG_OK) snprintf(rec.err, sizeof rec.err, "%s", mg_last_error());
        if (write_all(fd, &rec, sizeof rec) != 0) _exit(2);
        atomic_store(&sh->holds[w], -1);
        if (rec.status != MG_OK) break;
    }
    _exit(0);
}

/* Kills and reaps the workers still running. */
static void stop_workers(pid_t *pid, int workers) {
    for (int w = 0; w < workers; w++)
        if (pid[w] > 0) kill(pid[w], SIGKILL);
    for (int w = 0; w < workers; w++)
        if (pid[w] > 0) {
            while (waitpid(pid[w], NULL, 0) < 0 && errno == EINTR) {
            }
            pid[w] = 0;
        }
}

/* Reaps the workers that ended (all of them, waiting, when `block`); a worker that did not exit 0 fails the
 * run, naming the item it held. */
static mg_status reap_workers(pid_t *pid, int workers, pool_shared *sh, int block) {
    for (int w = 0; w < workers; w++) {
        if (pid[w] <= 0) continue;
        int ws;
        pid_t r = waitpid(pid[w], &ws, block ? 0 : WNOHANG);
        while (r < 0 && errno == EINTR) r = waitpid(pid[w], &ws, block ? 0 : WNOHANG);
        if (r == 0) continue;
        pid[w] = 0;
        if (r > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0) continue;
        long long held = (long long)atomic_load(&sh->holds[w]);
        if (r > 0 && WIFSIGNALED(ws))
            return mg_fail(MG_ERR_IO, "sweep: worker process %d died (signal %d) while running item %lld", w,
                           WTERMSIG(ws), held);
        return mg_fail(MG_ERR_IO, "sweep: worker process %d failed (exit %d) while running item %lld", w,
                       r > 0 ? WEXITSTATUS(ws) : -1, held);
    }
    return MG_OK;
}

/* Runs the job in this process, item after item (one worker, or no fork). */
static mg_status run_here(const mg_sweep_pool_job *job) {
    for (int64_t k = 0; k < job->n; k++) {
        if (mg_train_stop_requested()) return MG_ERR_INTERRUPTED;
        mg_sweep_result r;
        MG_TRY(job->run(job->ctx, k, &r));
        MG_TRY(job->done(job->ctx, k, &r));
    }
    return MG_OK;
}

/* Reads the records waiting in the pipe and hands each to job->done. */
static mg_status drain(const mg_sweep_pool_job *job, int fd, int *eof) {
    cell_record rec;
    for (;;) {
        ssize_t got = read(fd, &rec, sizeof rec);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return MG_OK;
        if (got == 0) {
            *eof = 1;
            return MG_OK;
        }
        if (got != (ssize_t)sizeof rec) return mg_fail(MG_ERR_IO, "sweep: a worker's record was cut short");
        if (rec.status != MG_OK) return mg_fail((mg_status)rec.status, "%s", rec.err);
        MG_TRY(job->done(job->ctx, rec.item, &rec.r));
    }
}

/* Runs job->n items in `workers` processes (see the top). */
mg_status mg__sweep_pool_run(const mg_sweep_pool_job *job, int workers) {
    if (workers > job->n) workers = (int)job->n;
    if (workers <= 1) return run_here(job);
    size_t shsize = sizeof(pool_shared) + (size_t)workers * sizeof(_Atomic int64_t);
    pool_shared *sh = mmap(NULL, shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) return mg_fail(MG_ERR_NOMEM, "sweep: cannot map the workers' shared memory");
    atomic_init(&sh->next, 0);
    for (int w = 0; w < workers; w++) atomic_init(&sh->holds[w], -1);
    int fds[2];
    pid_t *pid = calloc((size_t)workers, sizeof *pid);
    mg_status st = pid ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    if (st == MG_OK && pipe(fds) != 0) {
        st = mg_fail(MG_ERR_IO, "sweep: cannot make a pipe: %s", strerror(errno));
        free(pid);
        pid = NULL;
    }
    if (st != MG_OK) {
        munmap(sh, shsize);
        return st;
    }
    fflush(NULL); /* buffered output must not be written twice */
    for (int w = 0; w < workers && st == MG_OK; w++) {
        pid[w] = fork();
        if (pid[w] == 0) {
            close(fds[0]);
            child_loop(job, sh, w, fds[1]);
        }
        if (pid[w] < 0) {
            pid[w] = 0;
            st = mg_fail(MG_ERR_IO, "sweep: cannot start a worker process: %s", strerror(errno));
        }
    }
    close(fds[1]);
    int flags = fcntl(fds[0], F_GETFL);
    fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
    int eof = 0;
    while (st == MG_OK && !eof) {
        if (mg_train_stop_requested()) {
            st = MG_ERR_INTERRUPTED;
            break;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int pr = poll(&pfd, 1, 100); /* wakes to see a stop request */
        if (pr < 0 && errno != EINTR) st = mg_fail(MG_ERR_IO, "sweep: poll failed: %s", strerror(errno));
        if (st == MG_OK && pr > 0) st = drain(job, fds[0], &eof);
        if (st == MG_OK) st = reap_workers(pid, workers, sh, 0);
    }
    if (st == MG_OK) st = reap_workers(pid, workers, sh, 1); /* the pipe closed: every worker has ended */
    stop_workers(pid, workers);
    if (st != MG_OK && mg_train_stop_requested()) st = MG_ERR_INTERRUPTED; /* a worker killed by the same signal */
    close(fds[0]);
    free(pid);
    munmap(sh, shsize);
    return st;
}
