/*
 * memgen: the command-line front end. `memgen <command> [options]`; every
 * command answers --help with its options and defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
#define MG_COMMAND(name, summary) {#name, cmd_##name, summary},
#include "commands.def"
#undef MG_COMMAND
};

/* Top-level usage text. */
static void usage(FILE *f) {
    fprintf(f,
            "memgen %s: memorization and generalization of diffusion models, through\n"
            "two-layer ReLU denoising autoencoders and their representations.\n\n"
            "usage: memgen <command> [options]      (memgen <command> --help for details)\n\n"
            "commands:\n",
            MG_VERSION_STRING);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
}

/* How memgen's threads behave on a machine it shares with other jobs.
 *
 * libgomp reads its wait policy once, when it is loaded (before main). Its
 * default lets idle workers spin for about 3 ms, which on a loaded machine
 * steals the cores the other workers need (measured: smoke-scale training
 * 0.6 s -> 29 s at load 4 on 2 cores); passive waiting (no spin) costs a
 * futex wake-up per parallel region instead (n = 5 training: 14,600 vs
 * 27,400 steps/s). A short bounded spin, GOMP_SPINCOUNT=1000 (about 10 us),
 * is as fast as spinning when idle and as safe as passive waiting under
 * load. So unless the user set a policy, memgen re-executes itself once with
 * it; if that fails it carries on with the default. */
static void bounded_spin_waiting(char **argv) {
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
    if (setenv("GOMP_SPINCOUNT", "1000", 1) != 0) return;
    execv("/proc/self/exe", argv);
}

/* OpenBLAS (Debian's pthreads build) runs its own worker threads beside
 * memgen's OpenMP ones; they spin between calls and a product split across
 * them waits for a descheduled worker. At load 4 on 2 cores that made
 * `memgen reproduce --scale smoke` take 95 s instead of 4.5 s. memgen's
 * parallel work is its own (OpenMP, with products tiled by mg_sgemm_det),
 * so OpenBLAS runs single-threaded unless OPENBLAS_NUM_THREADS says
 * otherwise. */
static void single_threaded_blas(void) {
    if (!getenv("OPENBLAS_NUM_THREADS")) openblas_set_num_threads(1);
}

int main(int argc, char **argv) {
    bounded_spin_waiting(argv);
    single_threaded_blas();
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "--version")) cmd = "version";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    const char *names[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) names[i] = commands[i].name;
    const char *near = cli_nearest(cmd, names, (int)(sizeof names / sizeof names[0]));
    if (near) fprintf(stderr, "memgen: unknown command '%s' (did you mean %s?)\n\n", cmd, near);
    else fprintf(stderr, "memgen: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}
