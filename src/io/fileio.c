/*
 * Atomic writes (temp file in the destination folder, fsync, rename) and
 * bounded whole-file reads.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memgen/fileio.h"

/* Builds "<dir>/.<base>.tmp.XXXXXX" for path (caller frees). */
static char *temp_name_for(const char *path) {
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;
    const char *base = slash ? slash + 1 : path;
    size_t len = dirlen + 1 + strlen(base) + sizeof ".tmp.XXXXXX";
    char *t = malloc(len);
    if (!t) return NULL;
    snprintf(t, len, "%.*s.%s.tmp.XXXXXX", (int)dirlen, path, base);
    return t;
}

/* Opens a temporary file beside `path`. */
mg_status mg_atomic_open(mg_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    if (!path || !*path) return mg_fail(MG_ERR_ARG, "empty output path");
    size_t plen = strlen(path);
    if (path[plen - 1] == '/') return mg_fail(MG_ERR_ARG, "%s: output path is a folder", path);
    af->tmp_path = temp_name_for(path);
    af->final_path = strdup(path);
    if (!af->tmp_path || !af->final_path) {
        mg_atomic_abort(af);
        return mg_fail(MG_ERR_NOMEM, "out of memory opening %s", path);
    }
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(af->tmp_path);
        af->tmp_path = NULL;
        mg_atomic_abort(af);
        return mg_fail(MG_ERR_IO, "%s: cannot create a file in its folder: %s", path, strerror(e));
    }
    /* mkstemp makes 0600 files; give the usual permissions. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    af->fp = fdopen(fd, "wb");
    if (!af->fp) {
        int e = errno;
        close(fd);
        mg_atomic_abort(af);
        return mg_fail(MG_ERR_IO, "%s: %s", path, strerror(e));
    }
    return MG_OK;
}

/* Removes the temp file and releases everything. */
void mg_atomic_abort(mg_atomic_file *af) {
    if (!af) return;
    if (af->fp) fclose(af->fp);
    if (af->tmp_path) unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
}

/* Flushes, syncs and renames the temp file onto the final name. */
mg_status mg_atomic_commit(mg_atomic_file *af) {
    if (!af->fp) return mg_fail(MG_ERR_ARG, "atomic write not open");
    int bad = ferror(af->fp);
    if (fflush(af->fp) != 0) bad = 1;
    if (!bad && fsync(fileno(af->fp)) != 0) bad = 1;
    int e = errno;
    if (fclose(af->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    af->fp = NULL;
    if (bad) {
        char *p = af->final_path;
        af->final_path = NULL;
        mg_atomic_abort(af);
        mg_status st = mg_fail(MG_ERR_IO, "%s: write failed: %s", p, strerror(e));
        free(p);
        return st;
    }
    if (rename(af->tmp_path, af->final_path) != 0) {
        e = errno;
        mg_status st = mg_fail(MG_ERR_IO, "%s: cannot rename into place: %s", af->final_path, strerror(e));
        mg_atomic_abort(af);
        return st;
    }
    free(af->tmp_path);
    free(af->final_path);
    memset(af, 0, sizeof *af);
    return MG_OK;
}

/* One-shot atomic write of a buffer. */
mg_status mg_write_file_atomic(const char *path, const void *data, size_t len) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    if (len && fwrite(data, 1, len, af.fp) != len) {
        int e = errno;
        mg_atomic_abort(&af);
        return mg_fail(MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
    }
    return mg_atomic_commit(&af);
}

/* fopen "rb" plus the regular-file check and the size. */
mg_status mg_open_regular(const char *path, FILE **fp, uint64_t *size) {
    *fp = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return mg_fail(MG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(f);
        return mg_fail(MG_ERR_IO, "%s: not a regular file", path);
    }
    *fp = f;
    *size = (uint64_t)sb.st_size;
    return MG_OK;
}

/* Reads a whole regular file (bounded by max_bytes when nonzero). */
mg_status mg_read_file(const char *path, size_t max_bytes, unsigned char **out, size_t *len) {
    *out = NULL;
    *len = 0;
    FILE *fp;
    uint64_t total;
    MG_TRY(mg_open_regular(path, &fp, &total));
    size_t size = (size_t)total;
    if (max_bytes && size > max_bytes) {
        fclose(fp);
        return mg_fail(MG_ERR_FORMAT, "%s: file too large (%zu bytes, limit %zu)", path, size, max_bytes);
    }
    unsigned char *buf = size < SIZE_MAX ? malloc(size + 1) : NULL; /* + the terminating NUL */
    if (!buf) {
        fclose(fp);
        return mg_fail(MG_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, size);
    }
    size_t got = size ? fread(buf, 1, size, fp) : 0;
    int err = ferror(fp);
    fclose(fp);
    if (got != size || err) {
        free(buf);
        return mg_fail(MG_ERR_IO, "%s: short read (%zu of %zu bytes)", path, got, size);
    }
    buf[size] = '\0';
    *out = buf;
    *len = size;
    return MG_OK;
}

/* Creates one folder; an existing folder is fine. */
static mg_status mkdir_one(const char *path) {
    if (mkdir(path, 0777) == 0) return MG_OK;
    int e = errno;
    struct stat sb;
    if (e == EEXIST && stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return MG_OK;
        return mg_fail(MG_ERR_IO, "%s: exists and is not a folder", path);
    }
    return mg_fail(MG_ERR_IO, "%s: cannot create folder: %s", path, strerror(e));
}

/* mkdir -p: every prefix ending at a '/' then the whole path. */
mg_status mg_mkdir_p(const char *path) {
    if (!path || !*path) return mg_fail(MG_ERR_ARG, "empty folder name");
    size_t n = strlen(path);
    char *buf = malloc(n + 1);
    if (!buf) return mg_fail(MG_ERR_NOMEM, "out of memory");
    memcpy(buf, path, n + 1);
    mg_status st = MG_OK;
    for (size_t i = 1; i < n && st == MG_OK; i++) {
        if (buf[i] != '/' || buf[i - 1] == '/') continue;
        buf[i] = '\0';
        st = mkdir_one(buf);
        buf[i] = '/';
    }
    if (st == MG_OK) st = mkdir_one(buf);
    free(buf);
    return st;
}
