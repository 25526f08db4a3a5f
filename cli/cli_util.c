/*
 * CLI helpers: error printing, strict option parsing and progress output.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "memgen/fileio.h"

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

/* Pretty-prints a cJSON value into a file, atomically. */
mg_status cli_write_json(const char *path, const cJSON *obj) {
    char *txt = cJSON_Print(obj);
    if (!txt) return mg_fail(MG_ERR_NOMEM, "%s: cannot format JSON", path);
    size_t len = strlen(txt);
    char *buf = realloc(txt, len + 2);
    if (!buf) {
        free(txt);
        return mg_fail(MG_ERR_NOMEM, "%s: cannot format JSON", path);
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    mg_status st = mg_write_file_atomic(path, buf, len + 1);
    free(buf);
    return st;
}
