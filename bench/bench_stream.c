/*
 * Benchmark of streaming detection (issue 18): `memgen detect --features` on
 * a 4 GiB float16 activation file (n x 64 x 32 x 32, written to /tmp and
 * removed after) read in blocks: its peak RSS (the child's ru_maxrss) and its
 * throughput as a fraction of reading the same file from the page cache with
 * `cat file > /dev/null`, the two timed alternately in the same run (best of
 * 3 each). Where /tmp (or the memory, for the page cache) lacks the room the
 * file shrinks to the largest multiple of 1024 rows that fits, saying so.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "memgen/core.h"

enum { FULL_ROWS = 32768, CH = 64, HW = 32 * 32 };
static int ROWS = FULL_ROWS;

/* Writes the activation file (float16, finite values); returns 0 on success. */
static int write_file(const char *path) {
    FILE *fp = fopen(path, "wb");
    if (!fp) return -1;
    char hdr[118];
    int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f2', 'fortran_order': False, 'shape': (%d, %d, 32, 32), }",
                      ROWS, CH);
    memset(hdr + hl, ' ', sizeof hdr - (size_t)hl);
    hdr[117] = '\n';
    const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    int ok = fwrite(pre, 1, 10, fp) == 10 && fwrite(hdr, 1, 118, fp) == 118;
    unsigned short *row = malloc((size_t)CH * HW * 2);
    for (int i = 0; ok && row && i < ROWS; i++) {
        for (int j = 0; j < CH * HW; j++) row[j] = (unsigned short)(0x2000 + ((i * 131 + j * 7) & 0x1FFF));
        ok = fwrite(row, 2, (size_t)CH * HW, fp) == (size_t)CH * HW;
    }
    free(row);
    return (fclose(fp) == 0 && ok && row) ? 0 : -1;
}

/* Runs argv as a child; returns its wall seconds (< 0 on failure). */
static double run_child(char *const argv[]) {
    double t0 = mg_now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return mg_now() - t0;
}

/* Times `cat path > /dev/null` (the file already in the page cache). */
static double time_cat(const char *path) {
    char *argv[] = {"/bin/cat", (char *)path, NULL};
    return run_child(argv);
}

/* Entry point. */
int main(void) {
    const double row = (double)CH * HW * 2;
    struct statvfs vfs;
    double room = statvfs("/tmp", &vfs) == 0 ? (double)vfs.f_bavail * (double)vfs.f_frsize - 256e6 : 0;
    double mem = (double)sysconf(_SC_AVPHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) * 0.6; /* page cache room */
    if (mem < room) room = mem;
    if (room < FULL_ROWS * row) ROWS = (int)(room / row) / 1024 * 1024;
    if (ROWS < 1024) {
        printf("bench_stream: SKIPPED (/tmp or the memory has less than %.2f GB free)\n", (1024 * row + 256e6) / 1e9);
        return 0;
    }
    if (ROWS < FULL_ROWS)
        printf("bench_stream: only %.2f GB free in /tmp or memory: a %d-row file instead of %d\n", room / 1e9, ROWS,
               FULL_ROWS);
    const double bytes = 128.0 + (double)ROWS * row;
    const char *memgen = getenv("MEMGEN") ? getenv("MEMGEN") : "build/memgen";
    if (access(memgen, X_OK) != 0) {
        printf("bench_stream: SKIPPED (no memgen binary at %s; set MEMGEN)\n", memgen);
        return 0;
    }
    char path[64], out[80];
    snprintf(path, sizeof path, "/tmp/memgen_bench_stream_%d.npy", (int)getpid());
    snprintf(out, sizeof out, "%s.csv", path);
    if (write_file(path) != 0) {
        fprintf(stderr, "bench_stream: cannot write %s\n", path);
        unlink(path);
        return 1;
    }
    /* memgen detect first, so the children's peak RSS is its own (cat's is tiny) */
    time_cat(path); /* into the page cache */
    char *argv[] = {(char *)memgen, "detect", "--features", path, "--layout", "nchw", "--out", out, NULL};
    double t_det = 1e30, t_cat = 1e30;
    for (int r = 0; r < 3; r++) { /* alternately, so both see the same load from other jobs */
        double t = run_child(argv);
        if (t < 0) {
            fprintf(stderr, "bench_stream: memgen detect failed\n");
            unlink(path);
            unlink(out);
            return 1;
        }
        if (t < t_det) t_det = t;
        t = time_cat(path);
        if (t > 0 && t < t_cat) t_cat = t;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru); /* the largest child's: detect's (cat's is a few hundred KiB) */
    double rss = (double)ru.ru_maxrss * 1024.0;
    unlink(path);
    unlink(out);
    printf("streaming detect: %d x %d x 32 x 32 float16 activations, %.2f GB, /tmp, page cache warm\n", ROWS, CH,
           bytes / 1e9);
    printf("  cat file > /dev/null     %7.3f s  %6.2f GB/s\n", t_cat, bytes / t_cat / 1e9);
    printf("  memgen detect --features %7.3f s  %6.2f GB/s  = %.0f%% of cat (goal >= 50%%)\n", t_det,
           bytes / t_det / 1e9, 100.0 * t_cat / t_det);
    printf("  peak RSS of detect       %7.1f MB (file %.0f MB; goal < 512 MB)\n", rss / 1e6, bytes / 1e6);
    return 0;
}
