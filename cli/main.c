/*
 * memgen: the command-line front end. `memgen <command> [options]`; every
 * command answers --help with its options and defaults.
 */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv) {
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
