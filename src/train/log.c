/*
 * The training log: one CSV row per logged step (step, loss, data_loss,
 * grad_norm, rep_std_mean, rep_std_max), kept in memory and rewritten
 * atomically by the run loop; a resumed run keeps the rows of the earlier
 * run up to the checkpoint's step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/fileio.h"
#include "train_internal.h"

static const char k_log_header[] = "step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max\n";

/* Appends n bytes, growing geometrically (amortised; only at log steps). */
static mg_status log_append(mg_train_log *lb, const char *s, size_t n) {
    if (lb->len + n + 1 > lb->cap) {
        size_t nc = lb->cap ? lb->cap * 2 : 65536;
        while (nc < lb->len + n + 1) nc *= 2;
        char *nb = realloc(lb->buf, nc);
        if (!nb) return mg_fail(MG_ERR_NOMEM, "training log: out of memory");
        lb->buf = nb;
        lb->cap = nc;
    }
    memcpy(lb->buf + lb->len, s, n);
    lb->len += n;
    lb->buf[lb->len] = '\0';
    return MG_OK;
}

/* Starts the log: on a resumed run keeps the existing file's rows up to the
 * resumed step, otherwise only the header. */
mg_status mg_train_log_start(mg_train_log *lb, const char *path, int64_t step) {
    MG_TRY(log_append(lb, k_log_header, sizeof k_log_header - 1));
    if (step <= 0) return MG_OK;
    unsigned char *old = NULL;
    size_t len = 0;
    if (mg_read_file(path, 0, &old, &len) != MG_OK) {
        mg_clear_error();
        return MG_OK; /* no earlier log: start a fresh one */
    }
    size_t pos = 0;
    mg_status s = MG_OK;
    while (pos < len && s == MG_OK) {
        size_t end = pos;
        while (end < len && old[end] != '\n') end++;
        if (end < len) { /* complete lines only */
            char *stop = NULL;
            long long st = strtoll((const char *)old + pos, &stop, 10);
            if (stop != (const char *)old + pos && *stop == ',' && st >= 1 && st <= step)
                s = log_append(lb, (const char *)old + pos, end - pos + 1);
        }
        pos = end + 1;
    }
    free(old);
    return s;
}

/* Appends one row (values with 9 significant digits). */
mg_status mg_train_log_row(mg_train_log *lb, const mg_train_progress *pr) {
    char line[256];
    int n = snprintf(line, sizeof line, "%lld,%.9g,%.9g,%.9g,%.9g,%.9g\n", (long long)pr->step, pr->loss,
                     pr->data_loss, pr->grad_norm, pr->rep_std_mean, pr->rep_std_max);
    return log_append(lb, line, (size_t)n);
}

/* Rewrites the log file at path (atomically). */
mg_status mg_train_log_write(const mg_train_log *lb, const char *path) {
    mg_status s = mg_write_file_atomic(path, lb->buf, lb->len);
    return s == MG_OK ? s : mg_fail_context(s, "writing the training log");
}

/* Frees the buffer and zeroes *lb. */
void mg_train_log_free(mg_train_log *lb) {
    if (!lb) return;
    free(lb->buf);
    memset(lb, 0, sizeof *lb);
}
