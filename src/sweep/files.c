/*
 * A sweep's folder (memgen/sweep.h): DIR/sweep.json (the canonical grid and
 * the base seed), one atomically written DIR/cells/<index>.json per finished
 * cell, the local runner (worker processes over cells, pool.c; resuming) and the tables
 * assembled from the cell files.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#include <cblas.h>
#include <cjson/cJSON.h>

#include "io/jsonio.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/sweep.h"
#include "memgen/train.h"
#include "sweep_internal.h"

/* Largest sweep.json / cell file read. */
#define SWEEP_MAX_JSON (1 << 24)

/* DIR/cells/<index>.json. */
void mg__sweep_cell_path(const char *dir, int64_t index, char *buf, size_t len) {
    snprintf(buf, len, "%s/cells/%lld.json", dir, (long long)index);
}

/* Reads and parses a JSON file (MG_ERR_NOT_FOUND when it does not exist). */
static mg_status read_json(const char *path, cJSON **out) {
    struct stat sb;
    if (stat(path, &sb) != 0 && errno == ENOENT) return mg_fail(MG_ERR_NOT_FOUND, "%s: no such file", path);
    unsigned char *buf;
    size_t len;
    MG_TRY(mg_read_file(path, SWEEP_MAX_JSON, &buf, &len));
    *out = cJSON_ParseWithLength((const char *)buf, len);
    free(buf);
    return *out ? MG_OK : mg_fail(MG_ERR_FORMAT, "%s: not valid JSON", path);
}

/* Writes DIR/sweep.json, or checks an existing one. */
mg_status mg_sweep_dir_init(const char *dir, const mg_sweep_grid *g, uint64_t base_seed) {
    char path[4096];
    snprintf(path, sizeof path, "%s/cells", dir);
    MG_TRY(mg_mkdir_p(path));
    char *spec = mg_sweep_grid_format(g);
    if (!spec) return mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    mg_sweep_grid old;
    uint64_t old_seed;
    mg_status st = mg_sweep_dir_load(dir, &old, &old_seed);
    if (st == MG_OK) {
        char *ospec = mg_sweep_grid_format(&old);
        int same = ospec && !strcmp(ospec, spec) && old_seed == base_seed;
        if (!same)
            st = mg_fail(MG_ERR_ARG, "sweep: %s holds another sweep (grid '%s', seed %" PRIu64 "); use a new folder",
                         dir, ospec ? ospec : "?", old_seed);
        free(ospec);
        mg_sweep_grid_free(&old);
        free(spec);
        return st;
    }
    if (st != MG_ERR_NOT_FOUND) {
        free(spec);
        return st;
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, base_seed);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "memgen.kind", "sweep");
    cJSON_AddStringToObject(o, "grid", spec);
    cJSON_AddStringToObject(o, "seed", seed);
    cJSON_AddNumberToObject(o, "cells", (double)mg_sweep_cell_count(g));
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    st = mg_write_json_atomic(path, o);
    cJSON_Delete(o);
    free(spec);
    return st;
}

/* Reads DIR/sweep.json. */
mg_status mg_sweep_dir_load(const char *dir, mg_sweep_grid *g, uint64_t *base_seed) {
    char path[4096];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    cJSON *o;
    MG_TRY(read_json(path, &o));
    const cJSON *gr = cJSON_GetObjectItemCaseSensitive(o, "grid"), *sd = cJSON_GetObjectItemCaseSensitive(o, "seed");
    mg_status st = MG_OK;
    char *end = NULL;
    if (!cJSON_IsString(gr) || !cJSON_IsString(sd))
        st = mg_fail(MG_ERR_FORMAT, "%s: not a sweep file (no grid or seed)", path);
    else {
        errno = 0;
        *base_seed = strtoull(sd->valuestring, &end, 10);
        if (errno || *end || !*sd->valuestring) st = mg_fail(MG_ERR_FORMAT, "%s: bad seed", path);
    }
    if (st == MG_OK) st = mg_sweep_grid_parse(gr->valuestring, g);
    cJSON_Delete(o);
    return st == MG_OK ? MG_OK : mg_fail_context(st, "%s", path);
}

/* Adds a double that reads back as the same bits: %.17g (cJSON's own printing keeps 15 digits whenever they
 * come within an epsilon of the value, which can lose the last bit), NaN and infinities as null. */
static void add_exact(cJSON *o, const char *name, double x) {
    char buf[32];
    if (!isfinite(x)) cJSON_AddNullToObject(o, name);
    else {
        snprintf(buf, sizeof buf, "%.17g", x);
        cJSON_AddRawToObject(o, name, buf);
    }
}

/* Writes one cell file atomically: its index, values and wall times. */
mg_status mg_sweep_cell_write(const char *dir, int64_t index, const mg_sweep_result *r) {
    char path[4096];
    mg__sweep_cell_path(dir, index, path, sizeof path);
    cJSON *o = cJSON_CreateObject(), *v = cJSON_CreateObject(), *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", (double)index);
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) add_exact(v, mg_sweep_columns[i], r->v[i]);
    for (int i = 0; i < MG_SWEEP_NTIMES; i++) add_exact(t, mg_sweep_time_columns[i], r->seconds[i]);
    cJSON_AddItemToObject(o, "values", v);
    cJSON_AddItemToObject(o, "seconds", t);
    mg_status st = mg_write_json_atomic(path, o);
    cJSON_Delete(o);
    return st;
}

/* A number of an object by name (null: NaN); -1 when absent or not a number. */
static int get_num(const cJSON *o, const char *name, double *out) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsNull(x)) *out = NAN;
    else if (cJSON_IsNumber(x)) *out = x->valuedouble;
    else return -1;
    return 0;
}

/* Reads one cell file. */
mg_status mg_sweep_cell_read(const char *dir, int64_t index, mg_sweep_result *r) {
    char path[4096];
    mg__sweep_cell_path(dir, index, path, sizeof path);
    cJSON *o;
    MG_TRY(read_json(path, &o));
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "values"), *t = cJSON_GetObjectItemCaseSensitive(o, "seconds");
    double idx;
    int bad = get_num(o, "index", &idx) || idx != (double)index || !cJSON_IsObject(v) || !cJSON_IsObject(t);
    for (int i = 0; i < MG_SWEEP_NCOLS && !bad; i++) bad = get_num(v, mg_sweep_columns[i], &r->v[i]);
    for (int i = 0; i < MG_SWEEP_NTIMES && !bad; i++) bad = get_num(t, mg_sweep_time_columns[i], &r->seconds[i]);
    cJSON_Delete(o);
    return bad ? mg_fail(MG_ERR_FORMAT, "%s: not the cell file of cell %lld", path, (long long)index) : MG_OK;
}

/* The local runner's list: the cells still to run, where they go and whom to tell. */
typedef struct {
    const mg_sweep_grid *g;
    uint64_t seed;
    const int64_t *cells;    /* the grid's indices of the items */
    const char *dir;         /* NULL: keep results in memory (res) */
    mg_sweep_result *res;    /* by grid index, when dir is NULL */
    const mg_sweep_run_opts *o;
    int64_t done, total;
} local_run;

/* Pool callback: runs one cell. */
static mg_status local_cell(void *ctx, int64_t item, mg_sweep_result *r) {
    const local_run *L = ctx;
    return mg_sweep_run_cell(L->g, L->cells[item], L->seed, r);
}

/* Pool callback: writes a finished cell (or keeps it) and reports it. */
static mg_status local_done(void *ctx, int64_t item, const mg_sweep_result *r) {
    local_run *L = ctx;
    int64_t c = L->cells[item];
    if (L->dir) MG_TRY(mg_sweep_cell_write(L->dir, c, r));
    else L->res[c] = *r;
    L->done++;
    if (L->o && L->o->progress) L->o->progress(L->o->ctx, c, L->done, L->total, r);
    return MG_OK;
}

/* Runs the cells through the worker pool with OpenBLAS on one thread, set once for the whole run (a cell's
 * own save / set 1 / restore in mg_sgemm_det and mg_trainer_run then never touches this process-wide
 * setting, whose change while another cell runs would send its products through OpenBLAS's thread server). */
static mg_status local_pool(local_run *L, int64_t ncells, int workers) {
#ifdef _OPENMP
    if (workers <= 0) workers = omp_get_max_threads();
#endif
    if (workers <= 0) workers = 1;
    const int blas_threads = openblas_get_num_threads();
    if (blas_threads != 1) openblas_set_num_threads(1);
    mg_sweep_pool_job job = {ncells, local_cell, local_done, L};
    mg_status st = mg__sweep_pool_run(&job, workers);
    if (blas_threads != 1) openblas_set_num_threads(blas_threads);
    return st;
}

/* Runs the shard's unfinished cells, several at a time. */
mg_status mg_sweep_run_dir(const char *dir, const mg_sweep_run_opts *o, int64_t *ran, int64_t *skipped) {
    static const mg_sweep_run_opts none = {0, 0, 0, 0, NULL, NULL};
    if (!o) o = &none;
    mg_sweep_grid g;
    uint64_t seed;
    MG_TRY(mg_sweep_dir_load(dir, &g, &seed));
    int64_t total = mg_sweep_cell_count(&g), N = o->nshards > 1 ? o->nshards : 1, me = o->nshards > 1 ? o->shard : 0;
    if (me < 0 || me >= N) {
        mg_sweep_grid_free(&g);
        return mg_fail(MG_ERR_ARG, "sweep: shard %lld of %lld does not exist", (long long)me, (long long)N);
    }
    int64_t *todo = mg_alloc((size_t)(total / N + 1), sizeof(int64_t)), ntodo = 0, nskip = 0;
    mg_status st = todo ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    for (int64_t i = me; i < total && st == MG_OK; i += N) {
        mg_sweep_result r;
        mg_status s = mg_sweep_cell_read(dir, i, &r);
        if (s == MG_OK) nskip++;
        else if (s == MG_ERR_NOT_FOUND) todo[ntodo++] = i;
        else st = s;
    }
    int64_t limit = o->max_cells > 0 && o->max_cells < ntodo ? o->max_cells : ntodo;
    local_run L = {&g, seed, todo, dir, NULL, o, 0, ntodo};
    if (st == MG_OK) st = local_pool(&L, limit, o->threads);
    if (st == MG_ERR_INTERRUPTED)
        st = mg_fail(MG_ERR_INTERRUPTED, "sweep: stopped on request after %lld cells (finished cells are kept)",
                     (long long)L.done);
    free(todo);
    mg_sweep_grid_free(&g);
    if (ran) *ran = L.done;
    if (skipped) *skipped = nskip;
    return st;
}

/* Starts the result table of a grid (the deterministic columns and "data", total rows) and, when times is
 * not NULL, the wall-time table; *dcol, cols and tcols receive the columns' positions. */
static mg_status tables_begin(int64_t total, mg_table *t, mg_table *times, int *dcol, int cols[MG_SWEEP_NCOLS],
                              int tcols[MG_SWEEP_NTIMES]) {
    MG_TRY(mg_table_init(t, "results", total, "index"));
    MG_TRY(mg_table_add(t, "data", MG_COL_TEXT, dcol));
    cols[0] = 0;
    for (int i = 1; i < MG_SWEEP_NCOLS; i++) MG_TRY(mg_table_add(t, mg_sweep_columns[i], MG_COL_F64, &cols[i]));
    if (!times) return MG_OK;
    MG_TRY(mg_table_init(times, "timings", total, "index"));
    for (int i = 0; i < MG_SWEEP_NTIMES; i++)
        MG_TRY(mg_table_add(times, mg_sweep_time_columns[i], MG_COL_F64, &tcols[i]));
    return MG_OK;
}

/* Row c of the tables from a cell's result. */
static mg_status tables_row(const mg_sweep_grid *g, int64_t c, const mg_sweep_result *r, mg_table *t,
                            mg_table *times, int dcol, const int cols[MG_SWEEP_NCOLS],
                            const int tcols[MG_SWEEP_NTIMES]) {
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) t->cols[cols[i]].num[c] = r->v[i];
    if (times) {
        times->cols[0].num[c] = (double)c;
        for (int i = 0; i < MG_SWEEP_NTIMES; i++) times->cols[tcols[i]].num[c] = r->seconds[i];
    }
    mg_sweep_cell cell;
    MG_TRY(mg_sweep_cell_at(g, c, &cell));
    return mg_table_set_text(t, dcol, c, cell.data);
}

/* Assembles the tables from the first folder holding each cell. */
mg_status mg_sweep_assemble(const char *const *dirs, int ndirs, mg_table *t, mg_table *times, int64_t *missing) {
    memset(t, 0, sizeof *t);
    if (times) memset(times, 0, sizeof *times);
    if (ndirs < 1) return mg_fail(MG_ERR_ARG, "sweep: no folder to assemble");
    mg_sweep_grid g;
    uint64_t seed;
    MG_TRY(mg_sweep_dir_load(dirs[0], &g, &seed));
    char *spec = mg_sweep_grid_format(&g);
    mg_status st = spec ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory");
    for (int k = 1; k < ndirs && st == MG_OK; k++) { /* every folder must hold the same sweep */
        mg_sweep_grid gk;
        uint64_t sk;
        st = mg_sweep_dir_load(dirs[k], &gk, &sk);
        char *speck = st == MG_OK ? mg_sweep_grid_format(&gk) : NULL;
        if (st == MG_OK && (!speck || strcmp(speck, spec) || sk != seed))
            st = mg_fail(MG_ERR_ARG, "sweep: %s holds another sweep than %s (grid or seed differ)", dirs[k], dirs[0]);
        free(speck);
        if (st == MG_OK) mg_sweep_grid_free(&gk);
    }
    int64_t total = mg_sweep_cell_count(&g), miss = 0;
    int dcol = -1, cols[MG_SWEEP_NCOLS], tcols[MG_SWEEP_NTIMES];
    if (st == MG_OK) st = tables_begin(total, t, times, &dcol, cols, tcols);
    for (int64_t c = 0; c < total && st == MG_OK; c++) {
        mg_sweep_result r;
        mg_status s = MG_ERR_NOT_FOUND;
        for (int k = 0; k < ndirs && s == MG_ERR_NOT_FOUND; k++) s = mg_sweep_cell_read(dirs[k], c, &r);
        if (s == MG_ERR_NOT_FOUND) {
            miss++;
            for (int i = 0; i < MG_SWEEP_NCOLS; i++) r.v[i] = NAN;
            for (int i = 0; i < MG_SWEEP_NTIMES; i++) r.seconds[i] = NAN;
            r.v[0] = (double)c;
        } else if (s != MG_OK) {
            st = s;
            break;
        }
        st = tables_row(&g, c, &r, t, times, dcol, cols, tcols);
    }
    free(spec);
    mg_sweep_grid_free(&g);
    if (missing) *missing = miss;
    if (st != MG_OK) {
        mg_table_free(t);
        if (times) mg_table_free(times);
    }
    return st;
}

/* Runs every cell of a grid in memory into the tables. */
mg_status mg_sweep_run_table(const mg_sweep_grid *g, uint64_t base_seed, mg_table *t, mg_table *times) {
    memset(t, 0, sizeof *t);
    if (times) memset(times, 0, sizeof *times);
    int64_t total = mg_sweep_cell_count(g);
    mg_sweep_result *res = mg_alloc((size_t)total, sizeof *res);
    int64_t *cells = mg_alloc((size_t)total, sizeof *cells);
    mg_status st = res && cells ? MG_OK : mg_fail(MG_ERR_NOMEM, "sweep: out of memory for %lld cells", (long long)total);
    for (int64_t c = 0; c < total && st == MG_OK; c++) cells[c] = c;
    local_run L = {g, base_seed, cells, NULL, res, NULL, 0, total};
    if (st == MG_OK) st = local_pool(&L, total, 0);
    if (st == MG_ERR_INTERRUPTED) st = mg_fail(MG_ERR_INTERRUPTED, "sweep: stopped on request");
    free(cells);
    int dcol = -1, cols[MG_SWEEP_NCOLS], tcols[MG_SWEEP_NTIMES];
    if (st == MG_OK) st = tables_begin(total, t, times, &dcol, cols, tcols);
    for (int64_t c = 0; c < total && st == MG_OK; c++) st = tables_row(g, c, &res[c], t, times, dcol, cols, tcols);
    free(res);
    if (st != MG_OK) {
        mg_table_free(t);
        if (times) mg_table_free(times);
    }
    return st;
}

/* Writes results.csv, results.json, measures.npy and timings.csv. */
mg_status mg_sweep_write_tables(const char *out_dir, const mg_table *t, const mg_table *times) {
    MG_TRY(mg_mkdir_p(out_dir));
    char path[4096];
    snprintf(path, sizeof path, "%s/results.csv", out_dir);
    MG_TRY(mg_table_write_csv(t, path));
    if (times) {
        snprintf(path, sizeof path, "%s/timings.csv", out_dir);
        MG_TRY(mg_table_write_csv(times, path));
    }
    /* results.json: one object per row, columns in table order */
    cJSON *arr = cJSON_CreateArray();
    for (int64_t r = 0; r < t->nrows; r++) {
        cJSON *row = cJSON_CreateObject();
        for (int c = 0; c < t->ncols; c++) {
            if (t->cols[c].kind == MG_COL_TEXT)
                cJSON_AddStringToObject(row, t->cols[c].name, t->cols[c].text[r] ? t->cols[c].text[r] : "");
            else cJSON_AddNumberToObject(row, t->cols[c].name, t->cols[c].num[r]);
        }
        cJSON_AddItemToArray(arr, row);
    }
    snprintf(path, sizeof path, "%s/results.json", out_dir);
    mg_status st = mg_write_json_atomic(path, arr);
    cJSON_Delete(arr);
    MG_TRY(st);
    /* measures.npy: the numeric columns in mg_sweep_columns order */
    mg_array a;
    int64_t shape[2] = {t->nrows, MG_SWEEP_NCOLS};
    MG_TRY(mg_array_alloc(&a, MG_F64, 2, shape));
    double *x = a.data;
    for (int i = 0; i < MG_SWEEP_NCOLS; i++) {
        const double *col = mg_table_col(t, mg_sweep_columns[i]);
        for (int64_t r = 0; col && r < t->nrows; r++) x[r * MG_SWEEP_NCOLS + i] = col[r];
    }
    snprintf(path, sizeof path, "%s/measures.npy", out_dir);
    st = mg_npy_write(path, &a);
    mg_array_free(&a);
    return st;
}
