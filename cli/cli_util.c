/*
 * CLI helpers: error printing, strict option parsing (values and whole
 * option tables) and progress output.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Prints the library's last error for a failed command. */
int cli_fail(const char *cmd, mg_status st) {
    const char *msg = mg_last_error();
    fprintf(stderr, "memgen %s: error: %s\n", cmd, (msg && *msg) ? msg : mg_status_str(st));
    return CLI_FAIL;
}

/* Prints a usage error with a pointer to --help. */
int cli_usage(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "memgen %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'memgen %s --help')\n", cmd);
    return CLI_USAGE;
}

/* Parses a finite double; the whole string must be consumed. */
int cli_parse_double(const char *cmd, const char *opt, const char *s, double *out) {
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0.0;
    if (!s || !*s || *end || errno == ERANGE || !isfinite(v)) {
        cli_usage(cmd, "option %s expects a finite number, got '%s'", opt, s ? s : "");
        return 1;
    }
    *out = v;
    return 0;
}

/* Parses a signed 64-bit integer (decimal; also accepts 1e6-style exact values). */
int cli_parse_int64(const char *cmd, const char *opt, const char *s, int64_t *out) {
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (s && *s && *end && errno == 0) { /* allow "5e5" when it is an exact integer */
        double d = strtod(s, &end);
        if (!*end && isfinite(d) && d == floor(d) && fabs(d) < 9.0e15) {
            *out = (int64_t)d;
            return 0;
        }
    }
    if (!s || !*s || *end || errno == ERANGE) {
        cli_usage(cmd, "option %s expects an integer, got '%s'", opt, s ? s : "");
        return 1;
    }
    *out = v;
    return 0;
}

/* Parses a nonnegative 64-bit integer (seeds). */
int cli_parse_uint64(const char *cmd, const char *opt, const char *s, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (!s || !*s || *s == '-') {
        cli_usage(cmd, "option %s expects a nonnegative integer, got '%s'", opt, s ? s : "");
        return 1;
    }
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE) {
        cli_usage(cmd, "option %s expects a nonnegative integer, got '%s'", opt, s);
        return 1;
    }
    *out = v;
    return 0;
}

/* Stores one option's argument as its table entry says; 0 or CLI_USAGE. */
static int store_option(const char *cmd, const cli_opt *o, const char *arg) {
    char flag[128];
    snprintf(flag, sizeof flag, "--%s", o->name);
    int64_t v = 0;
    switch (o->kind) {
    case CLI_ARG_STR: *(const char **)o->dest = arg; break;
    case CLI_ARG_FLAG: *(int *)o->dest = 1; break;
    case CLI_ARG_INT:
    case CLI_ARG_INT32:
        if (cli_parse_int64(cmd, flag, arg, &v)) return CLI_USAGE;
        if (o->hi > o->lo && (v < o->lo || v > o->hi)) {
            if (o->hi == INT64_MAX) return cli_usage(cmd, "%s must be >= %lld", flag, (long long)o->lo);
            return cli_usage(cmd, "%s must be in %lld..%lld", flag, (long long)o->lo, (long long)o->hi);
        }
        if (o->kind == CLI_ARG_INT) *(int64_t *)o->dest = v;
        else *(int *)o->dest = (int)v;
        break;
    case CLI_ARG_UINT:
        if (cli_parse_uint64(cmd, flag, arg, o->dest)) return CLI_USAGE;
        break;
    case CLI_ARG_DOUBLE:
        if (cli_parse_double(cmd, flag, arg, o->dest)) return CLI_USAGE;
        break;
    case CLI_ARG_FN:
        if (o->fn(cmd, arg, o->dest)) return CLI_USAGE;
        break;
    }
    if (o->given) *o->given = 1;
    return 0;
}

/* getopt_long over a cli_opt table (see cli.h). */
int cli_parse_options(const char *cmd, int argc, char **argv, const cli_opt *opts, void (*usage)(FILE *), int *rest) {
    int n = 0;
    while (opts[n].name) n++;
    struct option *lo = calloc((size_t)n + 2, sizeof *lo); /* the table, --help, the end */
    if (!lo) return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    for (int i = 0; i < n; i++) {
        lo[i].name = opts[i].name;
        lo[i].has_arg = opts[i].kind == CLI_ARG_FLAG ? no_argument : required_argument;
        lo[i].val = 256 + i; /* beyond every short option */
    }
    lo[n].name = "help";
    lo[n].val = 'h';
    int c, rc = CLI_RUN;
    optind = 1;
    while (rc == CLI_RUN && (c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c >= 256 && c < 256 + n) {
            if (store_option(cmd, &opts[c - 256], optarg)) rc = CLI_USAGE;
        } else if (c == 'h') {
            usage(stdout);
            rc = CLI_OK;
        } else {
            rc = cli_usage(cmd, "unknown option");
        }
    }
    free(lo);
    if (rc != CLI_RUN) return rc;
    if (rest) *rest = optind;
    else if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    return CLI_RUN;
}

/* Formats seconds as "1h02m", "3m05s" or "12.3s". */
static void fmt_secs(double s, char *buf, size_t n) {
    if (!isfinite(s) || s < 0) snprintf(buf, n, "?");
    else if (s >= 3600) snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
    else if (s >= 60) snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, n, "%.1fs", s);
}

/* Starts a progress display for `total` units of work. */
void cli_progress_start(cli_progress *p, const char *label, int64_t total) {
    p->label = label;
    p->total = total;
    p->t_start = p->t_last = mg_now();
    p->tty = isatty(STDERR_FILENO);
    p->last_done = 0;
}

/* Redraws the bar (terminal, at most 10 Hz) or prints a line (every 5 s). */
void cli_progress_update(cli_progress *p, int64_t done, const char *extra) {
    double now = mg_now();
    double gap = p->tty ? 0.1 : 5.0;
    if (done < p->total && now - p->t_last < gap) return;
    p->t_last = now;
    p->last_done = done;
    double el = now - p->t_start;
    double rate = el > 0 ? (double)done / el : 0.0;
    double eta = rate > 0 ? (double)(p->total - done) / rate : NAN;
    char e1[32], e2[32];
    fmt_secs(el, e1, sizeof e1);
    fmt_secs(eta, e2, sizeof e2);
    double frac = p->total > 0 ? (double)done / (double)p->total : 1.0;
    if (p->tty) {
        char bar[31];
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %3.0f%% %lld/%lld %.1f/s elapsed %s eta %s %s\033[K", p->label, bar,
                100 * frac, (long long)done, (long long)p->total, rate, e1, e2, extra ? extra : "");
    } else {
        fprintf(stderr, "%s: %lld/%lld (%.0f%%) %.1f/s elapsed %s eta %s %s\n", p->label, (long long)done,
                (long long)p->total, 100 * frac, rate, e1, e2, extra ? extra : "");
    }
    fflush(stderr);
}

/* Final progress line. */
void cli_progress_end(cli_progress *p, const char *extra) {
    double el = mg_now() - p->t_start;
    char e1[32];
    fmt_secs(el, e1, sizeof e1);
    fprintf(stderr, "%s%s: done in %s %s\n", p->tty ? "\r\033[K" : "", p->label, e1, extra ? extra : "");
}
