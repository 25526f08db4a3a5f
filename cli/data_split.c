/*
 * memgen data split: a seeded train/test split of any .npy (and its labels).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_cli.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/split.h"

/* Usage of `memgen data split`. */
static void usage_split(FILE *f) {
    fprintf(f,
            "usage: memgen data split --data X.npy --out-train A.npy --out-test B.npy [options]\n\n"
            "Splits the rows (first axis) of an .npy file, and of its labels, into a random test part\n"
            "of round(n * F) rows and a train part; each part keeps the original row order and dtype.\n\n"
            "  --data PATH              input .npy, any dtype and shape (required)\n"
            "  --labels PATH            labels .npy with the same first dimension (optional)\n"
            "  --test-fraction F        in [0, 1] (default 0.2)\n"
            "  --seed K                 random seed (default 0)\n"
            "  --out-train PATH         train rows (required)\n"
            "  --out-test PATH          test rows (required)\n"
            "  --labels-train-out PATH  train labels (needs --labels)\n"
            "  --labels-test-out PATH   test labels (needs --labels)\n"
            "  --split-out PATH         per input row 1 = test, 0 = train (int64 .npy)\n"
            "  -h, --help               this text\n");
}

/* Writes the rows of `a` whose is_test flag equals `which` to path. */
static mg_status write_part(const char *path, const mg_array *a, const uint8_t *is_test, int which, int64_t count) {
    mg_array p = *a;
    p.shape[0] = count;
    int64_t n = a->shape[0];
    size_t row = n ? mg_array_nbytes(a) / (size_t)n : 0;
    size_t bytes = (size_t)count * row;
    p.data = bytes ? malloc(bytes) : NULL;
    if (bytes && !p.data) return mg_fail(MG_ERR_NOMEM, "out of memory");
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (is_test[i] == which) memcpy((char *)p.data + (size_t)(k++) * row, (const char *)a->data + (size_t)i * row, row);
    mg_status st = mg_npy_write(path, &p);
    free(p.data);
    return st;
}

/* `memgen data split`. */
/* `memgen data split`. */
int data_split(int argc, char **argv) {
    const char *cmd = "data split";
    const char *data = NULL, *labels = NULL, *otr = NULL, *ote = NULL, *ltr = NULL, *lte = NULL, *sout = NULL;
    double frac = 0.2;
    uint64_t seed = 0;
    const cli_opt opts[] = {
        CLI_OPT_STR("data", &data), CLI_OPT_STR("labels", &labels), CLI_OPT_DOUBLE("test-fraction", &frac),
        CLI_OPT_UINT("seed", &seed), CLI_OPT_OUT("out-train", &otr), CLI_OPT_OUT("out-test", &ote),
        CLI_OPT_OUT("labels-train-out", &ltr), CLI_OPT_OUT("labels-test-out", &lte), CLI_OPT_OUT("split-out", &sout),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage_split, NULL);
    if (rc != CLI_RUN) return rc;
    if (!data || !otr || !ote) return cli_usage(cmd, "--data, --out-train and --out-test are required");
    if ((ltr || lte) && !labels) return cli_usage(cmd, "--labels-train-out / --labels-test-out need --labels");
    if (!(frac >= 0 && frac <= 1)) return cli_usage(cmd, "--test-fraction must be in [0, 1]");
    printf("memgen data split: data=%s labels=%s test-fraction=%g seed=%llu\n", data, labels ? labels : "none", frac,
           (unsigned long long)seed);
    fflush(stdout);

    mg_array X = {0}, Y = {0};
    uint8_t *is_test = NULL;
    int64_t *flags = NULL;
    mg_status st = mg_npy_read(data, &X);
    if (st == MG_OK && X.ndim < 1) st = mg_fail(MG_ERR_SHAPE, "%s: a scalar has no rows to split", data);
    if (st == MG_OK && X.shape[0] < 1) st = mg_fail(MG_ERR_SHAPE, "%s: no rows to split", data);
    if (st == MG_OK && labels) {
        st = mg_npy_read(labels, &Y);
        if (st == MG_OK && (Y.ndim < 1 || Y.shape[0] != X.shape[0]))
            st = mg_fail(MG_ERR_SHAPE, "%s: first dimension must be %lld like %s", labels, (long long)X.shape[0], data);
    }
    int64_t n = st == MG_OK ? X.shape[0] : 0, nt = 0;
    if (st == MG_OK) {
        is_test = malloc((size_t)n);
        if (!is_test) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    }
    if (st == MG_OK) {
        mg_rng rng;
        mg_rng_init(&rng, seed);
        st = mg_data_split(n, frac, &rng, is_test, &nt);
    }
    if (st == MG_OK) st = write_part(otr, &X, is_test, 0, n - nt);
    if (st == MG_OK) st = write_part(ote, &X, is_test, 1, nt);
    if (st == MG_OK && ltr) st = write_part(ltr, &Y, is_test, 0, n - nt);
    if (st == MG_OK && lte) st = write_part(lte, &Y, is_test, 1, nt);
    if (st == MG_OK && sout) {
        flags = malloc((size_t)n * sizeof *flags);
        if (!flags) st = mg_fail(MG_ERR_NOMEM, "out of memory");
        for (int64_t i = 0; flags && i < n; i++) flags[i] = is_test[i];
        if (st == MG_OK) st = dc_write_i64(sout, flags, n);
    }
    rc = st == MG_OK ? CLI_OK : cli_fail(cmd, st);
    if (rc == CLI_OK)
        printf("wrote %s (%lld rows) and %s (%lld rows)\n", otr, (long long)(n - nt), ote, (long long)nt);
    mg_array_free(&X);
    mg_array_free(&Y);
    free(is_test);
    free(flags);
    return rc;
}
