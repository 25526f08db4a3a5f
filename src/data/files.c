/*
 * Image folders: the PNG and JPEG files of a folder (or of its class subfolders, the
 * torchvision ImageFolder layout), in bytewise name order so that every
 * machine sees the same row order.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "memgen/imagefolder.h"

/* A growable list of malloc'd strings. */
typedef struct {
    char **s;
    int64_t n, cap;
} strvec;

/* Appends a copy of str; nonzero on out-of-memory. */
static int sv_push(strvec *v, const char *str) {
    if (v->n == v->cap) {
        int64_t cap = v->cap ? 2 * v->cap : 64;
        char **s = realloc(v->s, (size_t)cap * sizeof *s);
        if (!s) return 1;
        v->s = s;
        v->cap = cap;
    }
    v->s[v->n] = strdup(str);
    if (!v->s[v->n]) return 1;
    v->n++;
    return 0;
}

/* Frees every string and the array. */
static void sv_free(strvec *v) {
    for (int64_t i = 0; i < v->n; i++) free(v->s[i]);
    free(v->s);
    memset(v, 0, sizeof *v);
}

/* qsort comparator: bytewise order of C strings. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Joins dir and name (caller frees), NULL on out-of-memory. */
static char *join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t k = a;
    if (a && dir[a - 1] != '/') p[k++] = '/';
    memcpy(p + k, name, b + 1);
    return p;
}

/* Whether a file name ends in .png, .jpg or .jpeg (any case). */
static int is_image_name(const char *nm) {
    size_t len = strlen(nm);
    return (len > 4 && (!strcasecmp(nm + len - 4, ".png") || !strcasecmp(nm + len - 4, ".jpg"))) ||
           (len > 5 && !strcasecmp(nm + len - 5, ".jpeg"));
}

/* Collects the sorted names in dir of regular image files (.png, .jpg, .jpeg;
 * want_dirs = 0) or of subfolders (want_dirs = 1), skipping hidden entries. */
static mg_status scan(const char *dir, int want_dirs, strvec *out) {
    DIR *d = opendir(dir);
    if (!d) return mg_fail(MG_ERR_IO, "%s: cannot open the folder", dir);
    mg_status st = MG_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (nm[0] == '.') continue;
        char *full = join(dir, nm);
        if (!full) {
            st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
        struct stat sb;
        int ok = stat(full, &sb) == 0;
        free(full);
        if (!ok) continue;
        int keep = want_dirs ? S_ISDIR(sb.st_mode) : (S_ISREG(sb.st_mode) && is_image_name(nm));
        if (keep && sv_push(out, nm)) {
            st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", dir);
            break;
        }
    }
    closedir(d);
    if (st == MG_OK && out->n > 1) qsort(out->s, (size_t)out->n, sizeof *out->s, cmp_str);
    return st;
}

/* Lists the PNG and JPEG files of dir (or of its class subfolders); see imagefolder.h. */
mg_status mg_list_images(const char *dir, int class_folders, mg_file_list *out) {
    memset(out, 0, sizeof *out);
    if (!dir || !*dir) return mg_fail(MG_ERR_ARG, "image folder: empty path");
    strvec classes = {0}, paths = {0};
    mg_status st = MG_OK;
    int64_t *labels = NULL;
    int64_t lcap = 0;
    if (class_folders) {
        MG_TRY(scan(dir, 1, &classes));
        if (classes.n == 0) {
            st = mg_fail(MG_ERR_NOT_FOUND, "%s: no class subfolders (expected DIR/<class>/*.png or *.jpg)", dir);
            goto fail;
        }
    }
    int64_t nsub = class_folders ? classes.n : 1;
    for (int64_t c = 0; c < nsub; c++) {
        char *sub = class_folders ? join(dir, classes.s[c]) : strdup(dir);
        strvec files = {0};
        if (!sub) {
            st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", dir);
            goto fail;
        }
        st = scan(sub, 0, &files);
        for (int64_t i = 0; st == MG_OK && i < files.n; i++) {
            char *p = join(sub, files.s[i]);
            if (!p || sv_push(&paths, p)) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", dir);
            free(p);
            if (st == MG_OK && paths.n > lcap) {
                lcap = paths.cap;
                int64_t *nl = realloc(labels, (size_t)lcap * sizeof *nl);
                if (!nl) st = mg_fail(MG_ERR_NOMEM, "%s: out of memory", dir);
                else labels = nl;
            }
            if (st == MG_OK) labels[paths.n - 1] = c;
        }
        sv_free(&files);
        free(sub);
        if (st != MG_OK) goto fail;
    }
    if (paths.n == 0) {
        st = mg_fail(MG_ERR_NOT_FOUND, "%s: no .png, .jpg or .jpeg files found%s", dir,
                     class_folders ? " in its class subfolders"
                                   : " (for class subfolders use the class-folder option)");
        goto fail;
    }
    out->n = paths.n;
    out->paths = paths.s;
    out->labels = labels;
    out->nclasses = (int)classes.n;
    out->classes = classes.n ? classes.s : NULL;
    if (!classes.n) free(classes.s);
    return MG_OK;
fail:
    sv_free(&classes);
    sv_free(&paths);
    free(labels);
    return st;
}

/* Frees a file list (safe on NULL and on a zeroed list). */
void mg_file_list_free(mg_file_list *l) {
    if (!l) return;
    for (int64_t i = 0; i < l->n; i++) free(l->paths[i]);
    for (int i = 0; i < l->nclasses; i++) free(l->classes[i]);
    free(l->paths);
    free(l->classes);
    free(l->labels);
    memset(l, 0, sizeof *l);
}
