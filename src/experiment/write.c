/*
 * Writing an experiment's result as files (experiment.h): every table as
 * CSV, every array as .npy, and the numbers and texts as one JSON object
 * (dotted field names nest), the form `memgen experiment run` and the
 * report's data files share.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "exp_internal.h"
#include "io/jsonio.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* The object at a dotted path under o, created as needed ("a.b.c" -> o.a.b, leaf "c"). */
static cJSON *path_parent(cJSON *o, const char *name, const char **leaf) {
    const char *p = name, *dot;
    while ((dot = strchr(p, '.'))) {
        char key[96];
        snprintf(key, sizeof key, "%.*s", (int)(dot - p), p);
        cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, key);
        if (!ch) ch = cJSON_AddObjectToObject(o, key);
        if (!ch || !cJSON_IsObject(ch)) return NULL;
        o = ch;
        p = dot + 1;
    }
    *leaf = p;
    return o;
}

/* Adds the number and text fields of a described struct to o. */
mg_status mg_exp_fields_json(struct cJSON *o, const mg_field *fs, int n, const void *obj) {
    for (int i = 0; i < n; i++) {
        const mg_field *f = &fs[i];
        cJSON *item = NULL;
        char buf[256];
        double v;
        if (f->type == MG_FIELD_BOOL) item = cJSON_CreateBool(*(const int *)mg_field_ptr(obj, f));
        else if (f->type == MG_FIELD_ENUM || f->type == MG_FIELD_STR || f->type == MG_FIELD_TEXT) {
            mg_field_format(obj, f, buf, sizeof buf);
            item = cJSON_CreateString(buf);
        } else if (mg_field_is_number(f->type) && mg_field_get(obj, f, &v) == MG_OK)
            item = isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
        else continue;
        const char *leaf;
        cJSON *parent = item ? path_parent(o, f->name, &leaf) : NULL;
        if (!parent || !cJSON_AddItemToObject(parent, leaf, item)) {
            cJSON_Delete(item);
            return mg_fail(MG_ERR_NOMEM, "out of memory");
        }
    }
    return MG_OK;
}

/* Whether name is in the NULL-terminated list. */
static int listed(const char *const *list, const char *name) {
    for (int i = 0; list && list[i]; i++)
        if (!strcmp(list[i], name)) return 1;
    return 0;
}

/* Appends a file name to the list. */
static mg_status add_name(char ***names, int *n, const char *rel) {
    char **l = realloc(*names, (size_t)(*n + 1) * sizeof *l);
    if (!l) return mg_fail(MG_ERR_NOMEM, "out of memory");
    *names = l;
    size_t len = strlen(rel) + 1;
    if (!(l[*n] = malloc(len))) return mg_fail(MG_ERR_NOMEM, "out of memory");
    memcpy(l[*n], rel, len);
    (*n)++;
    return MG_OK;
}

/* Writes one file of the result: dir/sub/prefix+name+ext, recording "sub/prefix+name+ext". */
static mg_status file_path(const char *dir, const char *sub, const char *prefix, const char *name, const char *ext,
                           char rel[256], char **path) {
    int n = snprintf(rel, 256, "%s%s%s%s%s", sub ? sub : "", sub ? "/" : "", prefix ? prefix : "", name, ext);
    if (n >= 256 || strstr(rel, "..") || strchr(name, '/'))
        return mg_fail(MG_ERR_ARG, "experiment output '%s' is not a plain file name", rel);
    size_t len = strlen(dir) + strlen(rel) + 2;
    if (!(*path = malloc(len))) return mg_fail(MG_ERR_NOMEM, "out of memory");
    snprintf(*path, len, "%s/%s", dir, rel);
    if (sub) {
        char *folder = malloc(len);
        if (!folder) return mg_fail(MG_ERR_NOMEM, "out of memory");
        snprintf(folder, len, "%s/%s", dir, sub);
        mg_status s = mg_mkdir_p(folder);
        free(folder);
        MG_TRY(s);
    }
    return MG_OK;
}

/* Writes the result's tables, arrays and (json_name != NULL) numbers. */
mg_status mg_experiment_write(const mg_experiment *e, const void *result, const mg_exp_write_opts *o, char ***names,
                              int *nnames) {
    *names = NULL;
    *nnames = 0;
    if (!e || !result || !o || !o->dir) return mg_fail(MG_ERR_ARG, "writing an experiment: missing arguments");
    MG_TRY(mg_mkdir_p(o->dir));
    mg_status s = MG_OK;
    char rel[256];
    for (int i = 0; i < e->nresults && s == MG_OK; i++) {
        const mg_field *f = &e->results[i];
        const void *m = mg_field_ptr(result, f);
        const mg_table *tabs = NULL;
        int nt = 0;
        if (f->type == MG_FIELD_TABLE && ((const mg_table *)m)->ncols > 0) tabs = m, nt = 1;
        if (f->type == MG_FIELD_TABLES) tabs = ((const mg_table_list *)m)->t, nt = ((const mg_table_list *)m)->n;
        for (int k = 0; k < nt && s == MG_OK; k++) {
            if (listed(o->skip, tabs[k].name)) continue;
            char *path = NULL;
            s = file_path(o->dir, o->subdir, o->prefix, tabs[k].name, ".csv", rel, &path);
            if (s == MG_OK) s = mg_table_write_csv(&tabs[k], path);
            if (s == MG_OK) s = add_name(names, nnames, rel);
            free(path);
        }
        if (f->type == MG_FIELD_ARRAY && ((const mg_array *)m)->data && !listed(o->skip, f->name)) {
            char *path = NULL;
            s = file_path(o->dir, o->subdir, o->prefix, f->name, ".npy", rel, &path);
            if (s == MG_OK) s = mg_npy_write(path, m);
            if (s == MG_OK) s = add_name(names, nnames, rel);
            free(path);
        }
    }
    if (s == MG_OK && o->json_name) {
        cJSON *j = cJSON_CreateObject();
        char *path = NULL;
        s = j ? mg_exp_fields_json(j, e->results, e->nresults, result) : mg_fail(MG_ERR_NOMEM, "out of memory");
        if (s == MG_OK) s = file_path(o->dir, o->subdir, o->prefix, o->json_name, ".json", rel, &path);
        if (s == MG_OK) s = mg_write_json_atomic(path, j);
        if (s == MG_OK) s = add_name(names, nnames, rel);
        free(path);
        cJSON_Delete(j);
    }
    if (s != MG_OK) {
        mg_experiment_names_free(*names, *nnames);
        *names = NULL;
        *nnames = 0;
    }
    return s;
}

/* Frees a list of written names. */
void mg_experiment_names_free(char **names, int n) {
    for (int i = 0; names && i < n; i++) free(names[i]);
    free(names);
}
