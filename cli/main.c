/*
 * memgen: the command-line front end. `memgen <command> [options]`; every
 * command answers --help with its options and defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* libgomp reads its wait policy once, when it is loaded (before main). Its
 * default lets idle worker threads spin, which on a machine shared with other
 * jobs makes memgen's many short parallel regions crawl (measured: smoke-scale
 * training 0.6 s -> 29 s at load 4 on 2 cores), while passive waiting was no
 * slower on an idle machine (n = 5 training 0.81 s vs 0.92 s). So unless the
 * user set a policy, memgen re-executes itself once with
 * OMP_WAIT_POLICY=PASSIVE; if that fails it carries on with the default. */
static void prefer_passive_waiting(char **argv) {
    if (getenv("OMP_WAIT_POLICY") || getenv("GOMP_SPINCOUNT")) return;
    if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    execv("/proc/self/exe", argv);
}

int main(int argc, char **argv) {
    prefer_passive_waiting(argv);
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
    fprintf(stderr, "memgen: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}
