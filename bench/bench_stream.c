/*
 * Benchmark of streaming detection (issue 18): `memgen detect --features` on
 * a ~1 GiB float16 activation file (n x 64 x 32 x 32, written to /tmp and
 * removed after) read in blocks: its peak RSS (the child's ru_maxrss) and its
 * throughput as a fraction of reading the same file from the page cache with
 * `cat file > /dev/null`. Skips with a message when /tmp lacks the space.
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

enum { ROWS = 8192, CH = 64, HW = 32 * 32 };

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
    const double bytes = 128.0 + (double)ROWS * CH * HW * 2;
    struct statvfs vfs;
    if (statvfs("/tmp", &vfs) != 0 || (double)vfs.f_bavail * (double)vfs.f_frsize < bytes + 256e6) {
        printf("bench_stream: SKIPPED (/tmp has less than %.2f GB free)\n", (bytes + 256e6) / 1e9);
        return 0;
    }
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
    double t_det = 1e30;
    for (int r = 0; r < 2; r++) {
        double t = run_child(argv);
        if (t < 0) {
            fprintf(stderr, "bench_stream: memgen detect failed\n");
            unlink(path);
            unlink(out);
            return 1;
        }
        if (t < t_det) t_det = t;
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double rss = (double)ru.ru_maxrss * 1024.0;
    double t_cat = 1e30;
    for (int r = 0; r < 3; r++) {
        double t = time_cat(path);
        if (t > 0 && t < t_cat) t_cat = t;
    }
    unlink(path);
    unlink(out);
    printf("streaming detect: %d x %d x 32 x 32 float16 activations, %.2f GiB, /tmp, page cache warm\n", ROWS, CH,
           bytes / 1073741824.0);
    printf("  cat file > /dev/null     %7.3f s  %6.2f GB/s\n", t_cat, bytes / t_cat / 1e9);
    printf("  memgen detect --features %7.3f s  %6.2f GB/s  = %.0f%% of cat (goal >= 50%%)\n", t_det,
           bytes / t_det / 1e9, 100.0 * t_cat / t_det);
    printf("  peak RSS of detect       %7.1f MiB (file %.0f MiB; goal < 512 MiB)\n", rss / 1048576.0,
           bytes / 1048576.0);
    return 0;
}
