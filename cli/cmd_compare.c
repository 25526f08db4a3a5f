/*
 * memgen compare: agreement between two DAEs, typically a trained model and
 * the closed-form construction (paper Fig. 4 and Fig. 9): eigenvalues of
 * W2 W1^T side by side, principal angles per block, column matching.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/compare.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen compare A.safetensors B.safetensors [--data X.npy] [options]\n\n"
            "Compares two DAEs, e.g. a trained model A with a construction B from memgen solve:\n"
            "the eigenvalues of W2 W1^T side by side; per block of the construction (B's\n"
            "widths metadata, else A's, else one block) the principal angles between the\n"
            "block's column space and the leading subspace of the other model's units assigned\n"
            "to it; for each nonzero column of B the most cosine-similar column of A and their\n"
            "norm ratio; with --data, each sample's most similar column in A and in B.\n\n"
            "options:\n"
            "  --data PATH    training data, n x d .npy, for sample matching (default: none)\n"
            "  --lead L       compare only the leading L directions of each block (default 0 = all)\n"
            "  --top N        eigenvalues printed (default 10; the JSON has all)\n"
            "  --match-cos C  cosine counted as a match in the summary (default 0.99)\n"
            "  --json PATH    the full table as JSON (default: none)\n"
            "  -h, --help     this text\n");
}

/* Adds a double array to a JSON object. */
static void add_array(cJSON *o, const char *name, const double *v, int64_t n) {
    cJSON *a = cJSON_AddArrayToObject(o, name);
    for (int64_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
}

/* Adds an int64 array to a JSON object. */
static void add_iarray(cJSON *o, const char *name, const int64_t *v, int64_t n) {
    cJSON *a = cJSON_AddArrayToObject(o, name);
    for (int64_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
}

/* Comparison of doubles for qsort. */
static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Entry point of `memgen compare`. */
int cmd_compare(int argc, char **argv) {
    const char *data = NULL, *json = NULL;
    int64_t lead = 0, top = 10;
    double mcos = 0.99;
    const cli_opt opts[] = {CLI_OPT_STR("data", &data),     CLI_OPT_INT_MIN("lead", &lead, 0),
                            CLI_OPT_INT_MIN("top", &top, 0), CLI_OPT_DOUBLE("match-cos", &mcos),
                            CLI_OPT_OUT("json", &json),      CLI_OPT_END};
    int first = 0, rc = cli_parse_options("compare", argc, argv, opts, usage, &first);
    if (rc != CLI_RUN) return rc;
    if (argc - first != 2) return cli_usage("compare", "expected two model files, got %d", argc - first);
    const char *pa = argv[first], *pb = argv[first + 1];
    fprintf(stderr, "compare: A=%s B=%s data=%s lead=%lld match-cos=%.4g\n", pa, pb, data ? data : "none",
            (long long)lead, mcos);
    mg_dae *A = NULL, *B = NULL;
    mg_array X = {0};
    mg_compare r = {0};
    mg_status st = mg_dae_load(pa, &A);
    if (st == MG_OK) st = mg_dae_load(pb, &B);
    if (st == MG_OK && data) st = mg_npy_read_matrix(data, "training data", 0, &X);
    mg_mat Xm = {0, 0, 0, NULL};
    if (st == MG_OK && data) Xm = mg_mat_of_array(&X);
    if (st == MG_OK) st = mg_compare_daes(A, B, Xm, lead, &r);
    if (st != MG_OK) {
        mg_dae_free(A), mg_dae_free(B), mg_array_free(&X);
        return cli_fail("compare", st);
    }
    printf("eigenvalues of W2 W1^T (%lld of %lld):\n%6s %14s %14s %10s\n", (long long)(top < r.r ? top : r.r),
           (long long)r.r, "j", "A", "B", "rel.diff");
    for (int64_t j = 0; j < r.r && j < top; j++)
        printf("%6lld %14.6g %14.6g %9.2f%%\n", (long long)j, r.eig_a[j], r.eig_b[j],
               r.eig_b[j] != 0 ? 100 * fabs(r.eig_a[j] - r.eig_b[j]) / fabs(r.eig_b[j]) : 0.0);
    printf("leading %lld eigenvalues (|B| >= 1e-3 of the largest): max relative difference %.2f%%\n",
           (long long)r.eig_lead, 100 * r.eig_rel_err);
    if (r.imag_a > 0 || r.imag_b > 0) printf("largest imaginary parts: A %.3g, B %.3g\n", r.imag_a, r.imag_b);
    printf("principal angles per block (reference: %s):\n%6s %6s %8s %9s %12s\n",
           r.ref == 'B' ? "B's blocks" : (r.ref == 'A' ? "A's blocks" : "one block, no construction metadata"),
           "block", "rank", "units", "compared", "max angle");
    for (int64_t b = 0; b < r.nblocks && b < 32; b++)
        printf("%6lld %6lld %8lld %9lld %11.2f\n", (long long)b, (long long)r.block_rank[b],
               (long long)r.block_units[b], (long long)r.block_lead[b], r.angle_max[b]);
    if (r.nblocks > 32) printf("   ... %lld more blocks in the JSON\n", (long long)(r.nblocks - 32));
    double *cs = malloc((size_t)(r.pb > 0 ? r.pb : 1) * sizeof(double));
    int64_t m = 0, good = 0;
    double rmin = INFINITY, rmax = 0;
    for (int64_t j = 0; cs && j < r.pb; j++) {
        if (r.bcol_match[j] < 0) continue;
        cs[m++] = r.bcol_cos[j];
        good += r.bcol_cos[j] >= mcos;
        rmin = fmin(rmin, r.bcol_ratio[j]);
        rmax = fmax(rmax, r.bcol_ratio[j]);
    }
    if (m > 0) {
        qsort(cs, (size_t)m, sizeof(double), cmp_d);
        printf("columns of B matched to A: %lld nonzero; cosine min %.4f, median %.4f; %lld with cosine >= %.3g; "
               "norm ratio |A|/|B| in [%.4f, %.4f]\n", (long long)m, cs[0], cs[m / 2], (long long)good, mcos, rmin,
               rmax);
    }
    free(cs);
    if (r.n > 0) {
        int64_t ga = 0, gb = 0;
        double ma = 0, mb = 0;
        for (int64_t i = 0; i < r.n; i++) {
            ga += r.sample_cos_a[i] >= mcos, gb += r.sample_cos_b[i] >= mcos;
            ma += r.sample_cos_a[i], mb += r.sample_cos_b[i];
        }
        printf("samples with a column of cosine >= %.3g: A %lld of %lld (mean best cosine %.4f), B %lld (%.4f)\n",
               mcos, (long long)ga, (long long)r.n, ma / (double)r.n, (long long)gb, mb / (double)r.n);
    }
    if (r.note[0]) printf("note: %s\n", r.note);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model_a", pa);
        cJSON_AddStringToObject(o, "model_b", pb);
        cJSON_AddNumberToObject(o, "d", (double)r.d);
        cJSON_AddNumberToObject(o, "hidden_a", (double)r.pa);
        cJSON_AddNumberToObject(o, "hidden_b", (double)r.pb);
        add_array(o, "eig_a", r.eig_a, r.r);
        add_array(o, "eig_b", r.eig_b, r.r);
        cJSON_AddNumberToObject(o, "eig_lead", (double)r.eig_lead);
        cJSON_AddNumberToObject(o, "eig_max_rel_diff", r.eig_rel_err);
        cJSON_AddNumberToObject(o, "imag_max_a", r.imag_a);
        cJSON_AddNumberToObject(o, "imag_max_b", r.imag_b);
        char ref[2] = {r.ref, 0};
        cJSON_AddStringToObject(o, "block_reference", ref);
        cJSON *bl = cJSON_AddArrayToObject(o, "blocks");
        for (int64_t b = 0; b < r.nblocks; b++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddNumberToObject(e, "rank", (double)r.block_rank[b]);
            cJSON_AddNumberToObject(e, "units", (double)r.block_units[b]);
            cJSON_AddNumberToObject(e, "compared", (double)r.block_lead[b]);
            cJSON_AddNumberToObject(e, "max_angle_deg", r.angle_max[b]);
            add_array(e, "angles_deg", r.angles + b * r.angle_stride, r.block_lead[b]);
            cJSON_AddItemToArray(bl, e);
        }
        add_iarray(o, "b_column_match", r.bcol_match, r.pb);
        add_array(o, "b_column_cos", r.bcol_cos, r.pb);
        add_array(o, "b_column_norm_ratio", r.bcol_ratio, r.pb);
        if (r.n > 0) {
            add_iarray(o, "sample_best_column_a", r.sample_col_a, r.n);
            add_array(o, "sample_best_cos_a", r.sample_cos_a, r.n);
            add_iarray(o, "sample_best_column_b", r.sample_col_b, r.n);
            add_array(o, "sample_best_cos_b", r.sample_cos_b, r.n);
            add_iarray(o, "a_column_best_sample", r.acol_sample, r.pa);
            add_array(o, "a_column_best_cos", r.acol_cos, r.pa);
            add_iarray(o, "b_column_best_sample", r.bcol_sample, r.pb);
            add_array(o, "b_column_best_sample_cos", r.bcol_scos, r.pb);
        }
        cJSON_AddStringToObject(o, "note", r.note);
        st = mg_write_json_atomic(json, o);
        cJSON_Delete(o);
    }
    mg_compare_free(&r);
    mg_dae_free(A), mg_dae_free(B), mg_array_free(&X);
    return st == MG_OK ? CLI_OK : cli_fail("compare", st);
}
