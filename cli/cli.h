/*
 * Shared pieces of the memgen command-line tool: the command table, error
 * reporting, strict number parsing and progress output. Each subcommand lives
 * in cli/cmd_<name>.c and is listed once in cli/commands.def.
 */
#ifndef MEMGEN_CLI_H
#define MEMGEN_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "memgen/core.h"

/* Exit codes: success, a failure while running, a usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Declares int cmd_<name>(int argc, char **argv) for every listed command. */
#define MG_COMMAND(name, summary) int cmd_##name(int argc, char **argv);
#include "commands.def"
#undef MG_COMMAND

/* Prints "memgen <cmd>: error: <last library error>" to stderr; returns CLI_FAIL. */
int cli_fail(const char *cmd, mg_status st);

/* Prints "memgen <cmd>: <message>" and a hint to run --help; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Strict parsers for option values: the whole string must be a finite number
 * (in range). On failure they print a usage error naming `opt` and return
 * nonzero. */
int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out);
int cli_parse_int64(const char *cmd, const char *opt, const char *s, int64_t *out);
int cli_parse_uint64(const char *cmd, const char *opt, const char *s, uint64_t *out);

/* Writes a cJSON value to `path` atomically (pretty-printed, trailing
 * newline; non-finite numbers become null). Does not free obj. */
mg_status cli_write_json(const char *path, const cJSON *obj);

/* A progress line on stderr: a bar with rate and ETA on a terminal, plain
 * lines (at most every few seconds) otherwise. */
typedef struct {
    const char *label;
    int64_t total;
    double t_start, t_last;
    int tty;
    int64_t last_done;
} cli_progress;

void cli_progress_start(cli_progress *p, const char *label, int64_t total);
void cli_progress_update(cli_progress *p, int64_t done, const char *extra);
void cli_progress_end(cli_progress *p, const char *extra);

#endif /* MEMGEN_CLI_H */
