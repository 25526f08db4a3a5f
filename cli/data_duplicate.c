/*
 * memgen data duplicate: duplicated subsets and injected rank-1 clusters (Cor. 3.4, App. A.4)
 * appended to an .npy dataset.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/dup.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Usage of `memgen data duplicate`. */
static void usage_duplicate(FILE *f) {
    fprintf(f,
            "usage: memgen data duplicate --data X.npy --count M --times C --out Y.npy [options]\n\n"
            "Adds duplicated points to a dataset (paper Cor. 3.4, App. A.4): M existing rows, picked at\n"
            "random, each occur C times in total (C-1 copies appended), or with --inject M new points\n"
            "(rank-1 clusters: random directions of a given norm) each appended C times. The input rows\n"
            "come first, unchanged; then the copies, those of one point consecutive.\n\n"
            "  --data PATH           input rows, n x d .npy (any float or integer dtype; required)\n"
            "  --count M             number of distinct duplicated points (required)\n"
            "  --times C             occurrences of each, >= 2 (required)\n"
            "  --inject              add M new points instead of repeating existing rows (default off)\n"
            "  --inject-norm S       norm of injected points (default: the median row norm)\n"
            "  --jitter S            std of Gaussian noise added to each extra copy (default 0: exact)\n"
            "  --class-labels PATH   class labels of the input (n, integer .npy) to carry over\n"
            "  --seed K              random seed (default 0)\n"
            "  --out PATH            the rows, (n + added) x d float32 .npy (required)\n"
            "  --labels-out PATH     1 for rows of a duplicated group (original and copies), else 0;\n"
            "                        int64 .npy (the memorization ground truth)\n"
            "  --group-out PATH      for each row: the row index of its group's first occurrence\n"
            "                        (the original row for picked points), or -1; int64 .npy\n"
            "  --class-labels-out PATH  class labels extended: copies inherit, injected points get -1\n"
            "  -h, --help            this text\n");
}

/* Reads an integer label vector with n entries as int64 (caller frees). */
static mg_status read_labels(const char *path, int64_t n, int64_t **out) {
    mg_array a;
    *out = NULL;
    MG_TRY(mg_npy_read(path, &a));
    mg_status st = MG_OK;
    if (a.ndim < 1 || a.shape[0] != n || mg_array_numel(&a) != n)
        st = mg_fail(MG_ERR_SHAPE, "%s: expected %lld labels (one per row)", path, (long long)n);
    int64_t *v = st == MG_OK ? malloc((size_t)(n ? n : 1) * sizeof *v) : NULL;
    if (st == MG_OK && !v) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    for (int64_t i = 0; st == MG_OK && i < n; i++) {
        switch (a.dtype) {
        case MG_I64: v[i] = ((int64_t *)a.data)[i]; break;
        case MG_I32: v[i] = ((int32_t *)a.data)[i]; break;
        case MG_U8: v[i] = ((uint8_t *)a.data)[i]; break;
        case MG_F32:
        case MG_F64: {
            double x = a.dtype == MG_F32 ? ((float *)a.data)[i] : ((double *)a.data)[i];
            if (x != floor(x) || fabs(x) > 9e15) st = mg_fail(MG_ERR_FORMAT, "%s: label %lld is not an integer", path, (long long)i);
            else v[i] = (int64_t)x;
            break;
        }
        default: st = mg_fail(MG_ERR_FORMAT, "%s: labels must be integers (got %s)", path, mg_dtype_name(a.dtype));
        }
    }
    mg_array_free(&a);
    if (st != MG_OK) free(v);
    else *out = v;
    return st;
}

/* `memgen data duplicate`. */
/* `memgen data duplicate`. */
int data_duplicate(int argc, char **argv) {
    const char *cmd = "data duplicate";
    const char *data = NULL, *cls = NULL, *out = NULL, *labels_out = NULL, *group_out = NULL, *cls_out = NULL;
    int64_t m = -1, times = -1;
    double norm = 0, jitter = 0;
    int inject = 0;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("data", &data), CLI_OPT_INT("count", &m), CLI_OPT_INT("times", &times),
        CLI_OPT_FLAG("inject", &inject), CLI_OPT_DOUBLE("inject-norm", &norm), CLI_OPT_DOUBLE("jitter", &jitter),
        CLI_OPT_STR("class-labels", &cls), CLI_OPT_UINT("seed", &seed), CLI_OPT_OUT("out", &out),
        CLI_OPT_OUT("labels-out", &labels_out), CLI_OPT_OUT("group-out", &group_out),
        CLI_OPT_OUT("class-labels-out", &cls_out), CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_duplicate, NULL);
    if (rc != CLI_RUN) return rc;
    if (!data || !out) return cli_usage(cmd, "--data and --out are required");
    if (m < 1) return cli_usage(cmd, "--count M (>= 1) is required");
    if (times < 2) return cli_usage(cmd, "--times C (>= 2) is required");
    if (cls_out && !cls) return cli_usage(cmd, "--class-labels-out needs --class-labels");
    if (jitter < 0) return cli_usage(cmd, "--jitter must be >= 0");
    printf("memgen data duplicate: data=%s count=%lld times=%lld mode=%s inject-norm=%s jitter=%g seed=%llu\n", data,
           (long long)m, (long long)times, inject ? "inject" : "pick", norm > 0 ? "given" : "median row norm", jitter,
           (unsigned long long)seed);
    if (inject && norm > 0) printf("  inject-norm = %g\n", norm);
    fflush(stdout);

    mg_array X;
    mg_status st = mg_npy_read_matrix(data, "input data", 0, &X);
    if (st != MG_OK) return cli_fail(cmd, st);
    int64_t n = X.shape[0], d = X.shape[1];
    int64_t *lab = NULL, *mark = NULL;
    mg_dup_result r = {0};
    if (cls) st = read_labels(cls, n, &lab);
    if (st == MG_OK) {
        mg_rng rng;
        mg_rng_init(&rng, seed);
        mg_dup_spec s = {m, times, inject, norm, jitter};
        st = mg_data_duplicate(mg_mat_of_array(&X), lab, &s, &rng, &r);
    }
    const int64_t nout = r.X.shape[0];
    if (st == MG_OK) st = mg_npy_write(out, &r.X);
    if (st == MG_OK && (labels_out)) {
        mark = malloc((size_t)nout * sizeof *mark);
        if (!mark) st = mg_fail(MG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; mark && i < nout; i++) mark[i] = r.group[i] >= 0;
        if (st == MG_OK) st = dc_write_i64(labels_out, mark, nout);
    }
    if (st == MG_OK && group_out) st = dc_write_i64(group_out, r.group, nout);
    if (st == MG_OK && cls_out) st = dc_write_i64(cls_out, r.labels, nout);
    rc = st == MG_OK ? CLI_OK : cli_fail(cmd, st);
    if (rc == CLI_OK) {
        int64_t dup_rows = 0;
        for (int64_t i = 0; i < nout; i++) dup_rows += r.group[i] >= 0;
        printf("wrote %s (%lld x %lld float32): %lld input rows + %lld added; %lld rows in %lld duplicated groups\n",
               out, (long long)nout, (long long)d, (long long)n, (long long)(nout - n), (long long)dup_rows, (long long)m);
    }
    mg_dup_result_free(&r);
    mg_array_free(&X);
    free(lab);
    free(mark);
    return rc;
}
