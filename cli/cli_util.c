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
#include <sys/stat.h>
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
    case CLI_ARG_STR:
    case CLI_ARG_OUT:
    case CLI_ARG_OUTDIR: *(const char **)o->dest = arg; break;
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

/* Whether dir is a folder this process may create entries in. */
static int writable_dir(const char *dir) {
    struct stat sb;
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode) && access(dir, W_OK | X_OK) == 0;
}

/* Checks an output path before the work starts (see cli.h). */
int cli_check_output(const char *cmd, const char *opt, const char *path, int folder) {
    if (!path || !*path) return CLI_OK;
    struct stat sb;
    int exists = stat(path, &sb) == 0;
    if (exists && !folder && S_ISDIR(sb.st_mode))
        return cli_fail(cmd, mg_fail(MG_ERR_IO, "%s %s: is a folder, not a file", opt, path));
    if (exists && folder && !S_ISDIR(sb.st_mode))
        return cli_fail(cmd, mg_fail(MG_ERR_IO, "%s %s: exists and is not a folder", opt, path));
    size_t len = strlen(path);
    char *dir = malloc(len + 2);
    if (!dir) return cli_fail(cmd, mg_fail(MG_ERR_NOMEM, "out of memory"));
    memcpy(dir, path, len + 1);
    /* a file's folder; a folder itself if it exists, else its nearest existing ancestor */
    int ok = 0;
    for (int first = 1;; first = 0) {
        if (!(first && folder)) {
            while (len > 1 && dir[len - 1] == '/') dir[--len] = '\0'; /* trailing slashes */
            char *slash = strrchr(dir, '/');
            if (!slash) strcpy(dir, ".");
            else if (slash == dir) dir[1] = '\0';
            else *slash = '\0';
            len = strlen(dir);
        }
        if (stat(dir, &sb) == 0 || !folder || !strcmp(dir, ".") || !strcmp(dir, "/")) {
            ok = writable_dir(dir);
            break;
        }
    }
    int rc = CLI_OK;
    if (!ok && stat(dir, &sb) != 0)
        rc = cli_fail(cmd, mg_fail(MG_ERR_IO, "%s %s: folder %s does not exist (create it first)", opt, path, dir));
    else if (!ok)
        rc = cli_fail(cmd, mg_fail(MG_ERR_IO, "%s %s: cannot write in %s (%s)", opt, path, dir,
                                   S_ISDIR(sb.st_mode) ? "permission denied" : "not a folder"));
    free(dir);
    return rc;
}

/* Edit distance between a and b (insertions, deletions, substitutions and
 * swaps of two neighbouring characters, each costing 1), up to 63 chars. */
static int edit_distance(const char *a, size_t na, const char *b) {
    size_t nb = strlen(b);
    if (na > 63 || nb > 63) return 64;
    int d[64][64];
    for (size_t i = 0; i <= na; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= nb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[na][nb];
}

/* The name of names[0..n) nearest to word by edit_distance, when it is within
 * a third of word's length (at least 2 edits), else NULL: the "did you mean"
 * of commands, sources and verbs. */
const char *cli_nearest(const char *word, const char *const *names, int n) {
    const char *best = NULL;
    int bd = 64;
    size_t len = strlen(word);
    for (int i = 0; i < n; i++) {
        int dd = edit_distance(word, len, names[i]);
        if (dd < bd) {
            bd = dd;
            best = names[i];
        }
    }
    int limit = (int)len / 3 > 2 ? (int)len / 3 : 2;
    return bd <= limit ? best : NULL;
}

/* The usage error for argv word `word` that getopt refused: an option it does
 * not know (with the nearest of names[0..n), "help" included, when one is
 * within a third of its length, at least 2 edits), a missing value, or an
 * ambiguous abbreviation. */
int cli_unknown_option(const char *cmd, const char *word, const char *const *names, int n, int missing) {
    if (!word) word = "?";
    if (missing) return cli_usage(cmd, "option %s needs a value", word);
    const char *name = word;
    while (*name == '-') name++;
    size_t len = strcspn(name, "=");
    /* options renamed so that one name means one quantity in every command */
    static const char *const renamed[][3] = {
        {"wd", "weight-decay", "the optimizer's weight decay"},
        {"wd", "lambda", "the Eq. 6 lambda"},
        {"steps", "levels", "the number of noise levels visited"},
    };
    for (size_t r = 0; r < sizeof renamed / sizeof renamed[0]; r++)
        if (strlen(renamed[r][0]) == len && !strncmp(name, renamed[r][0], len))
            for (int i = 0; i < n; i++)
                if (!strcmp(names[i], renamed[r][1]))
                    return cli_usage(cmd, "option --%s was renamed: --%s is %s", renamed[r][0], renamed[r][1],
                                     renamed[r][2]);
    const char *best = NULL;
    int bd = 64, nprefix = 0;
    for (int i = 0; i <= n; i++) {
        const char *cand = i < n ? names[i] : "help";
        if (len && !strncmp(cand, name, len)) nprefix++;
        int dd = edit_distance(name, len, cand);
        if (dd < bd) {
            bd = dd;
            best = cand;
        }
    }
    int limit = (int)len / 3 > 2 ? (int)len / 3 : 2;
    if (bd == 0) return cli_usage(cmd, "option --%s takes no value", best);
    if (nprefix > 1) return cli_usage(cmd, "option '%.*s' is ambiguous: it abbreviates %d options", (int)(len + 2),
                                      word, nprefix);
    if (best && bd <= limit) return cli_usage(cmd, "unknown option '%.*s' (did you mean --%s?)",
                                              (int)(name - word + len), word, best);
    return cli_usage(cmd, "unknown option '%.*s'", (int)(name - word + len), word);
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
    opterr = 0; /* cli_unknown_option says what went wrong */
    while (rc == CLI_RUN && (c = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
        if (c >= 256 && c < 256 + n) {
            if (store_option(cmd, &opts[c - 256], optarg)) rc = CLI_USAGE;
        } else if (c == 'h') {
            usage(stdout);
            rc = CLI_OK;
        } else {
            const char **names = malloc((size_t)(n ? n : 1) * sizeof *names);
            for (int i = 0; names && i < n; i++) names[i] = opts[i].name;
            rc = cli_unknown_option(cmd, argv[optind - 1], names, names ? n : 0, c == ':');
            free(names);
        }
    }
    free(lo);
    for (int i = 0; i < n && rc == CLI_RUN; i++)
        if (opts[i].kind == CLI_ARG_OUT || opts[i].kind == CLI_ARG_OUTDIR) {
            char flag[128];
            snprintf(flag, sizeof flag, "--%s", opts[i].name);
            if (cli_check_output(cmd, flag, *(const char **)opts[i].dest, opts[i].kind == CLI_ARG_OUTDIR))
                rc = CLI_FAIL;
        }
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

/* Final progress line: "label: done in T", or "label: done in T, extra". */
void cli_progress_end(cli_progress *p, const char *extra) {
    double el = mg_now() - p->t_start;
    char e1[32];
    fmt_secs(el, e1, sizeof e1);
    int more = extra && *extra;
    fprintf(stderr, "%s%s: done in %s%s%s\n", p->tty ? "\r\033[K" : "", p->label, e1, more ? ", " : "",
            more ? extra : "");
}
