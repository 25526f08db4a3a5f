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
#include "io/jsonio.h" /* mg_write_json_atomic (internal, -Isrc) */
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

/* Table-driven long options: each command lists its options once, as
 * cli_opt entries (the CLI_OPT_* macros check the destination's type), and
 * cli_parse_options runs getopt_long over them. */
typedef enum {
    CLI_ARG_STR,    /* const char **: the argument itself */
    CLI_ARG_OUT,    /* const char **: a file the command writes (checked by cli_check_output) */
    CLI_ARG_OUTDIR, /* const char **: a folder the command writes into (likewise) */
    CLI_ARG_FLAG,   /* int *: set to 1; the option takes no argument */
    CLI_ARG_INT,    /* int64_t *: cli_parse_int64, in [lo, hi] when hi > lo */
    CLI_ARG_INT32,  /* int *: likewise, then narrowed */
    CLI_ARG_UINT,   /* uint64_t *: cli_parse_uint64 (seeds) */
    CLI_ARG_DOUBLE, /* double *: cli_parse_double */
    CLI_ARG_FN      /* any: fn(cmd, arg, dest) parses it */
} cli_arg_kind;

/* A parser of one option value into dest; returns 0, or nonzero after
 * printing a usage error (cli_usage) naming cmd. */
typedef int (*cli_opt_fn)(const char *cmd, const char *arg, void *dest);

/* Defines `int fn(cmd, arg, dest)`, a cli_opt_fn that parses with the
 * library's mg_status parse(const char *s, T *out) and reports its error
 * (mg_last_error) as a usage error. */
#define CLI_DEFINE_PARSER(fn, parse)                                                    \
    int fn(const char *cmd, const char *arg, void *dest) {                             \
        return parse(arg, dest) == MG_OK ? 0 : cli_usage(cmd, "%s", mg_last_error()); \
    }

/* One option --name. given (optional) is set to 1 when the option is seen. */
typedef struct {
    const char *name;
    cli_arg_kind kind;
    void *dest;
    int64_t lo, hi;
    cli_opt_fn fn;
    int *given;
} cli_opt;

/* The entries: CLI_OPT_<KIND>(name, p, ...) stores into p; the _G forms
 * also set *given when the option is seen. */
#define CLI_OPT_PTR_(T, p) ((void *)(1 ? (p) : (T *)0)) /* warns unless p is a T * */
#define CLI_OPT_STR_G(name, p, given) {(name), CLI_ARG_STR, CLI_OPT_PTR_(const char *, p), 0, 0, NULL, (given)}
#define CLI_OPT_FLAG_G(name, p, given) {(name), CLI_ARG_FLAG, CLI_OPT_PTR_(int, p), 0, 0, NULL, (given)}
#define CLI_OPT_INT_G(name, p, given) {(name), CLI_ARG_INT, CLI_OPT_PTR_(int64_t, p), 0, 0, NULL, (given)}
#define CLI_OPT_UINT_G(name, p, given) {(name), CLI_ARG_UINT, CLI_OPT_PTR_(uint64_t, p), 0, 0, NULL, (given)}
#define CLI_OPT_DOUBLE_G(name, p, given) {(name), CLI_ARG_DOUBLE, CLI_OPT_PTR_(double, p), 0, 0, NULL, (given)}
#define CLI_OPT_FN_G(name, fn, p, given) {(name), CLI_ARG_FN, (p), 0, 0, (fn), (given)}
#define CLI_OPT_STR(name, p) CLI_OPT_STR_G(name, p, NULL)
#define CLI_OPT_OUT(name, p) {(name), CLI_ARG_OUT, CLI_OPT_PTR_(const char *, p), 0, 0, NULL, NULL}
#define CLI_OPT_OUTDIR(name, p) {(name), CLI_ARG_OUTDIR, CLI_OPT_PTR_(const char *, p), 0, 0, NULL, NULL}
#define CLI_OPT_FLAG(name, p) CLI_OPT_FLAG_G(name, p, NULL)
#define CLI_OPT_INT(name, p) CLI_OPT_INT_G(name, p, NULL)
#define CLI_OPT_UINT(name, p) CLI_OPT_UINT_G(name, p, NULL)
#define CLI_OPT_DOUBLE(name, p) CLI_OPT_DOUBLE_G(name, p, NULL)
#define CLI_OPT_FN(name, fn, p) CLI_OPT_FN_G(name, fn, p, NULL)
#define CLI_OPT_INT_IN(name, p, lo, hi) {(name), CLI_ARG_INT, CLI_OPT_PTR_(int64_t, p), (lo), (hi), NULL, NULL}
#define CLI_OPT_INT_MIN(name, p, lo) CLI_OPT_INT_IN(name, p, lo, INT64_MAX) /* "must be >= lo" */
#define CLI_OPT_INT32_IN(name, p, lo, hi) {(name), CLI_ARG_INT32, CLI_OPT_PTR_(int, p), (lo), (hi), NULL, NULL}
#define CLI_OPT_END {NULL, CLI_ARG_STR, NULL, 0, 0, NULL, NULL}

/* The usage error (returns CLI_USAGE) for an option word getopt refused:
 * "option --x needs a value" when missing, "option '--s' is ambiguous" for
 * an abbreviation of several options, else "unknown option '--sigam' (did
 * you mean --sigma?)" naming the nearest of names[0..n) and help by edit
 * distance, when one is near enough. */
int cli_unknown_option(const char *cmd, const char *word, const char *const *names, int n, int missing);

/* The name of names[0..n) nearest to word (edit distance within a third of
 * its length, at least 2), or NULL: "did you mean" for commands and verbs. */
const char *cli_nearest(const char *word, const char *const *names, int n);

/* cli_parse_options' answer when the command should go on and run. */
#define CLI_RUN (-1)

/* Checks, before any work, that the command can write its output `path`
 * (given by option opt, e.g. "--out"): for a file (folder = 0) its folder
 * exists and is writable and the path is not a folder; for a folder
 * (folder = 1, created with its parents) the path is a writable folder or
 * its nearest existing ancestor is. NULL and "" pass. Returns CLI_OK, or
 * CLI_FAIL after printing "memgen <cmd>: error: ..." naming opt and path. */
int cli_check_output(const char *cmd, const char *opt, const char *path, int folder);

/* Parses argv[1..argc) against opts (ended by CLI_OPT_END) plus -h/--help,
 * which prints usage(stdout). Returns CLI_RUN with every given option stored
 * and every given output (CLI_ARG_OUT, CLI_ARG_OUTDIR) checked by
 * cli_check_output, CLI_OK after --help, CLI_USAGE (message printed) for an
 * unknown option, a bad value or a leftover argument, or CLI_FAIL for an
 * output that cannot be written. rest: NULL to refuse arguments that are not
 * options, else it receives the index of the first of them. */
int cli_parse_options(const char *cmd, int argc, char **argv, const cli_opt *opts, void (*usage)(FILE *), int *rest);

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
