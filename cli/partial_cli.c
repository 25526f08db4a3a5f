/*
 * Resumable outputs of long streamed runs (see partial_cli.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgen/fileio.h"
#include "partial_cli.h"

/* malloc'd a + b. */
static char *cat2(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Starts the list. */
mg_status partial_init(partial_run *p, const char *base) {
    memset(p, 0, sizeof *p);
    p->base = cat2(base, "");
    p->state = cat2(base, ".partial.json");
    if (!p->base || !p->state) {
        partial_free(p);
        return mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    return MG_OK;
}

/* Adds an output. */
mg_status partial_add(partial_run *p, const char *final, part_kind kind, int64_t row_bytes, const void *head,
                      size_t head_len, int *idx) {
    if (p->nf == PART_MAX) return mg_fail(MG_ERR_ARG, "too many partial outputs");
    part_file *f = &p->f[p->nf++];
    f->final = final ? cat2(final, "") : NULL;
    f->path = final ? cat2(final, ".partial") : cat2(p->base, ".partial.scores");
    f->kind = kind;
    f->row_bytes = row_bytes;
    f->head = malloc(head_len + 1);
    f->head_len = head_len;
    if (!f->path || (final && !f->final) || !f->head) return mg_fail(MG_ERR_NOMEM, "out of memory");
    if (head_len) memcpy(f->head, head, head_len);
    *idx = p->nf - 1;
    return MG_OK;
}

/* Adds a file's identity to obj. */
mg_status partial_identity(cJSON *obj, const char *name, const char *path) {
    struct stat sb;
    if (stat(path, &sb) != 0) return mg_fail(MG_ERR_IO, "%s: %s", path, strerror(errno));
    char mt[64];
    snprintf(mt, sizeof mt, "%lld.%09ld", (long long)sb.st_mtim.tv_sec, (long)sb.st_mtim.tv_nsec);
    cJSON *o = cJSON_AddObjectToObject(obj, name);
    cJSON_AddStringToObject(o, "path", path);
    cJSON_AddNumberToObject(o, "bytes", (double)sb.st_size);
    cJSON_AddStringToObject(o, "mtime", mt);
    return MG_OK;
}

/* Removes the state and every partial file (missing ones are fine). */
static void remove_all(partial_run *p) {
    for (int i = 0; i < p->nf; i++) {
        if (p->f[i].fp) fclose(p->f[i].fp);
        p->f[i].fp = NULL;
        unlink(p->f[i].path);
    }
    unlink(p->state);
}

/* Looks for a partial run with this key. */
mg_status partial_find(partial_run *p, const cJSON *key, int force, const char *cmd, cJSON **state) {
    *state = NULL;
    unsigned char *text;
    size_t len;
    if (access(p->state, F_OK) != 0) {
        remove_all(p); /* partial files without a state are from no run that can go on */
        return MG_OK;
    }
    if (force) {
        fprintf(stderr, "%s: --force: discarding the partial run at %s\n", cmd, p->state);
        remove_all(p);
        return MG_OK;
    }
    MG_TRY(mg_read_file(p->state, 1 << 20, &text, &len));
    cJSON *js = cJSON_Parse((const char *)text);
    free(text);
    const cJSON *old = js ? cJSON_GetObjectItemCaseSensitive(js, "key") : NULL;
    if (!old) {
        cJSON_Delete(js);
        return mg_fail(MG_ERR_FORMAT, "%s: not a memgen partial-run state; remove it, or rerun with --force",
                       p->state);
    }
    if (!cJSON_Compare(old, key, 1)) {
        const char *what = "the outputs asked for";
        for (const cJSON *it = key->child; it; it = it->next) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(old, it->string);
            if (!o || !cJSON_Compare(o, it, 1)) {
                what = it->string;
                break;
            }
        }
        cJSON_Delete(js);
        return mg_fail(MG_ERR_ARG,
                       "%s holds a partial run of other inputs or options (%s differs): rerun the same command "
                       "to resume it, or add --force to start over",
                       p->state, what);
    }
    *state = js;
    return MG_OK;
}

/* Starts fresh. */
mg_status partial_create(partial_run *p, const cJSON *state) {
    remove_all(p);
    for (int i = 0; i < p->nf; i++) {
        part_file *f = &p->f[i];
        f->fp = fopen(f->path, "w+b");
        if (!f->fp) return mg_fail(MG_ERR_IO, "%s: cannot create: %s", f->path, strerror(errno));
        if (f->head_len && fwrite(f->head, 1, f->head_len, f->fp) != f->head_len)
            return mg_fail(MG_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
    }
    MG_TRY(partial_flush(p));
    return mg_write_json_atomic(p->state, state); /* last: a state means every file is there */
}

/* Whole rows in file f (open) into *rows; with off, the byte offset where row `want` ends. */
static mg_status count_rows(part_file *f, int64_t want, int64_t *rows, long long *off) {
    unsigned char buf[65536];
    if (fseeko(f->fp, 0, SEEK_END) != 0) return mg_fail(MG_ERR_IO, "%s: cannot seek", f->path);
    long long size = (long long)ftello(f->fp), pos = 0;
    rewind(f->fp);
    if (size < (long long)f->head_len || fread(buf, 1, f->head_len, f->fp) != f->head_len ||
        memcmp(buf, f->head, f->head_len) != 0)
        return mg_fail(MG_ERR_FORMAT, "%s: does not begin as this run's output would; rerun with --force", f->path);
    if (f->kind == PART_BIN) {
        *rows = (size - (long long)f->head_len) / f->row_bytes;
        if (off) *off = (long long)f->head_len + (want < 0 ? 0 : want) * f->row_bytes;
        return MG_OK;
    }
    int64_t lines = 0;
    pos = (long long)f->head_len;
    if (off) *off = pos;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f->fp)) > 0) {
        for (size_t j = 0; j < got; j++)
            if (buf[j] == '\n') {
                lines++;
                if (off && lines == want) *off = pos + (long long)j + 1;
            }
        pos += (long long)got;
    }
    *rows = lines;
    return MG_OK;
}

/* Reopens a found run and cuts it back to its last finished block. */
mg_status partial_reopen(partial_run *p, int64_t block, int64_t n, int64_t *done) {
    int64_t d = n;
    for (int i = 0; i < p->nf; i++) {
        part_file *f = &p->f[i];
        f->fp = fopen(f->path, "r+b");
        if (!f->fp)
            return mg_fail(MG_ERR_IO, "%s: cannot reopen the partial output (%s); rerun with --force", f->path,
                           strerror(errno));
        int64_t rows;
        MG_TRY(count_rows(f, -1, &rows, NULL));
        if (rows < d) d = rows;
    }
    if (d < n) d = d / block * block;
    for (int i = 0; i < p->nf; i++) {
        part_file *f = &p->f[i];
        int64_t rows;
        long long off;
        MG_TRY(count_rows(f, d, &rows, &off));
        if (fflush(f->fp) != 0 || ftruncate(fileno(f->fp), (off_t)off) != 0 || fseeko(f->fp, (off_t)off, SEEK_SET) != 0)
            return mg_fail(MG_ERR_IO, "%s: cannot cut back to %lld rows: %s", f->path, (long long)d, strerror(errno));
    }
    *done = d;
    return MG_OK;
}

/* Reads the first rows of a binary file. */
mg_status partial_load(partial_run *p, int i, int64_t rows, void *dst) {
    part_file *f = &p->f[i];
    size_t n = (size_t)rows * (size_t)f->row_bytes;
    long long end = (long long)f->head_len + (long long)n;
    if (fseeko(f->fp, (off_t)f->head_len, SEEK_SET) != 0 || (n && fread(dst, 1, n, f->fp) != n) ||
        fseeko(f->fp, (off_t)end, SEEK_SET) != 0)
        return mg_fail(MG_ERR_IO, "%s: cannot read back %lld rows", f->path, (long long)rows);
    return MG_OK;
}

/* Flushes every file. */
mg_status partial_flush(partial_run *p) {
    for (int i = 0; i < p->nf; i++)
        if (p->f[i].fp && (ferror(p->f[i].fp) || fflush(p->f[i].fp) != 0))
            return mg_fail(MG_ERR_IO, "%s: write failed: %s", p->f[i].path, strerror(errno));
    return MG_OK;
}

/* Renames the outputs into place and removes the rest. */
mg_status partial_commit(partial_run *p) {
    mg_status st = partial_flush(p);
    for (int i = 0; i < p->nf && st == MG_OK; i++) {
        part_file *f = &p->f[i];
        if (!f->final) continue;
        if (fsync(fileno(f->fp)) != 0 || fclose(f->fp) != 0)
            st = mg_fail(MG_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
        f->fp = NULL;
        if (st == MG_OK && rename(f->path, f->final) != 0)
            st = mg_fail(MG_ERR_IO, "%s: cannot rename into place: %s", f->final, strerror(errno));
    }
    if (st == MG_OK) remove_all(p);
    partial_free(p);
    return st;
}

/* Abandons the run. */
void partial_abort(partial_run *p) {
    remove_all(p);
    partial_free(p);
}

/* Frees p, leaving its files. */
void partial_free(partial_run *p) {
    for (int i = 0; i < p->nf; i++) {
        if (p->f[i].fp) fclose(p->f[i].fp);
        free(p->f[i].final);
        free(p->f[i].path);
        free(p->f[i].head);
    }
    free(p->base);
    free(p->state);
    memset(p, 0, sizeof *p);
}
