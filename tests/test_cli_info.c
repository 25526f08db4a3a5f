/*
 * End-to-end tests of `memgen info` (the binary named by $MEMGEN, default
 * build/memgen): text and --json output for .npy, .safetensors, .png and
 * .idx.gz fixtures, statistics against NumPy's values, detection by magic
 * bytes rather than the name, one-line errors with exit 1 on bad files and
 * exit 2 on usage errors; a DAE set's summary and natural order, and the
 * hints for a DAE exported from PyTorch with the wrong names or layout.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "memgen/dae.h"
#include "memgen/daeset.h"
#include "memgen/safetensors.h"
#include "testutil.h"

/* A temporary folder holding the captured stdout/stderr of each run. */
typedef struct {
    char *dir;
    char *out, *err; /* contents of the last run (NUL-terminated) */
} ctx;

static int setup(void **state) {
    ctx *c = calloc(1, sizeof *c);
    c->dir = tu_mkdtemp();
    *state = c;
    return 0;
}

static int teardown(void **state) {
    ctx *c = *state;
    tu_rmtree(c->dir);
    free(c->dir);
    free(c->out);
    free(c->err);
    free(c);
    return 0;
}

/* Runs `memgen info <args>`, captures stdout/stderr into c, returns the exit code. */
static int run(ctx *c, const char *args) {
    const char *bin = getenv("MEMGEN");
    if (!bin || !*bin) bin = "build/memgen";
    char *o = tu_path(c->dir, "stdout"), *e = tu_path(c->dir, "stderr");
    size_t len = strlen(bin) + strlen(args) + strlen(o) + strlen(e) + 64;
    char *cmd = malloc(len);
    snprintf(cmd, len, "'%s' info %s > '%s' 2> '%s'", bin, args, o, e);
    int rc = system(cmd);
    free(cmd);
    free(c->out);
    free(c->err);
    c->out = tu_read_text(o);
    c->err = tu_read_text(e);
    free(o);
    free(e);
    assert_true(c->out && c->err && WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

/* Asserts the last stdout contains needle (printing it otherwise). */
static void out_has(const ctx *c, const char *needle) {
    if (!strstr(c->out, needle)) print_error("stdout lacks '%s':\n%s\nstderr:\n%s\n", needle, c->out, c->err);
    assert_non_null(strstr(c->out, needle));
}

/* Asserts a failed run printed exactly one error line naming `needle`. */
static void one_line_error(const ctx *c, const char *needle) {
    if (!strstr(c->err, needle)) print_error("stderr lacks '%s':\n%s\n", needle, c->err);
    assert_non_null(strstr(c->err, needle));
    assert_true(!strncmp(c->err, "memgen info: error: ", 20));
    char *nl = strchr(c->err, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0');
    assert_string_equal(c->out, "");
}

/* Parses the last stdout as JSON (caller deletes). */
static cJSON *out_json(const ctx *c) {
    cJSON *j = cJSON_Parse(c->out);
    if (!j) print_error("stdout is not JSON:\n%s\n", c->out);
    assert_non_null(j);
    return j;
}

/* Number member of a JSON object (fails if absent). */
static double num(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) print_error("JSON lacks the number '%s'\n", key);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

/* String member of a JSON object (fails if absent). */
static const char *str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* Checks a JSON shape array. */
static void shape_is(const cJSON *o, int ndim, const int64_t *shape) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "shape");
    assert_true(cJSON_IsArray(s));
    assert_int_equal(cJSON_GetArraySize(s), ndim);
    for (int i = 0; i < ndim; i++) assert_true(cJSON_GetArrayItem(s, i)->valuedouble == (double)shape[i]);
}

/* Writes a .safetensors of the given tensors (name, rows, cols; rows 0 = 1-D
 * of cols values) and metadata pairs (key, value; NULL ends) into dir/name. */
static char *write_st(const ctx *c, const char *name, int nt, const char *const *tn, const int64_t (*shape)[2],
                      const char *const *meta) {
    mg_st *st = mg_st_new();
    assert_non_null(st);
    float *zeros = calloc(64 * 64, sizeof(float));
    for (int i = 0; i < nt; i++) {
        int64_t sh[2] = {shape[i][0] ? shape[i][0] : shape[i][1], shape[i][1]};
        assert_int_equal(mg_st_add_f32(st, tn[i], zeros, shape[i][0] ? 2 : 1, sh), MG_OK);
    }
    for (int i = 0; meta && meta[i]; i += 2) assert_int_equal(mg_st_set_meta(st, meta[i], meta[i + 1]), MG_OK);
    char *path = tu_path(c->dir, name);
    assert_int_equal(mg_st_write(st, path), MG_OK);
    mg_st_free(st);
    free(zeros);
    return path;
}

/* A DAE set: a summary first (kind, levels, sigmas, d, p, tied, settings),
 * level 0's tensors and each per-level key once; --all lists every level in
 * natural order (level2 before level10). */
static void test_dae_set_summary(void **state) {
    ctx *c = *state;
    double sig[11];
    for (int k = 0; k < 11; k++) sig[k] = 0.02 * pow(100.0, k / 10.0);
    mg_daeset set;
    assert_int_equal(mg_daeset_alloc(11, sig, &set), MG_OK);
    float W[6] = {1, 0, 0, 1, 1, 1};
    for (int k = 0; k < 11; k++) {
        set.levels[k] = tu_tied_dae(3, 2, W);
        assert_int_equal(mg_dae_set_meta(set.levels[k], "optim", "adam"), MG_OK);
        assert_int_equal(mg_dae_set_meta(set.levels[k], "steps", "1500"), MG_OK);
        char seed[16];
        snprintf(seed, sizeof seed, "%d", k);
        assert_int_equal(mg_dae_set_meta(set.levels[k], "seed", seed), MG_OK);
    }
    char *path = tu_path(c->dir, "set.safetensors");
    assert_int_equal(mg_daeset_save(&set, path), MG_OK);
    mg_daeset_free(&set);
    char args[600];
    snprintf(args, sizeof args, "--no-stats '%s'", path);
    assert_int_equal(run(c, args), 0);
    out_has(c, "model:    DAE set (dae_set), 11 levels, sigma 0.02 .. 2\n");
    out_has(c, "shape:    d = 3, p = 2, tied (W2 = W1), no biases\n");
    out_has(c, "settings: optim adam, steps 1500, seed 0 (level 0)\n");
    out_has(c, "  level0.W1 ");
    out_has(c, "  level*.optim = adam\n");
    out_has(c, "  level*.seed = 0 .. 10  (differs by level)\n");
    assert_null(strstr(c->out, "level10.W1"));
    assert_null(strstr(c->out, "level3.seed"));
    assert_true(strstr(c->out, "model:") < strstr(c->out, "tensors:"));
    snprintf(args, sizeof args, "--no-stats --all '%s'", path);
    assert_int_equal(run(c, args), 0);
    const char *l2 = strstr(c->out, "level2.W1"), *l10 = strstr(c->out, "level10.W1");
    assert_true(l2 && l10 && l2 < l10);
    l2 = strstr(c->out, "level2.seed");
    l10 = strstr(c->out, "level10.seed");
    assert_true(l2 && l10 && l2 < l10);
    free(path);
}

/* A DAE saved from PyTorch the wrong way: info and the loaders name what they
 * found, the layout memgen expects and the README section. */
static void test_import_hints(void **state) {
    ctx *c = *state;
    const char *torch_names[] = {"fc1.weight", "fc2.weight"};
    const int64_t torch_shapes[][2] = {{8, 64}, {64, 8}};
    const char *meta[] = {"sigma", "0.2", NULL};
    char *p1 = write_st(c, "torch.safetensors", 2, torch_names, torch_shapes, meta);
    char args[600];
    snprintf(args, sizeof args, "--no-stats '%s'", p1);
    assert_int_equal(run(c, args), 0);
    out_has(c, "model:    not loadable as a memgen DAE or DAE set: ");
    out_has(c, "found 'fc1.weight' (8 x 64), 'fc2.weight' (64 x 8): memgen expects W1 (d x p) = the encoder "
               "nn.Linear(d, p)'s weight (p x d) transposed");
    out_has(c, "see README 'Importing a DAE from PyTorch'");
    mg_daeset set;
    assert_int_equal(mg_daeset_load(p1, &set), MG_ERR_NOT_FOUND);
    assert_non_null(strstr(mg_last_error(), "fc1.weight"));

    const char *w_names[] = {"W1"};
    const int64_t w_shapes[][2] = {{8, 64}};
    const char *dmeta[] = {"sigma", "0.2", "d", "64", "p", "8", NULL};
    char *p2 = write_st(c, "transposed.safetensors", 1, w_names, w_shapes, dmeta);
    assert_int_equal(mg_daeset_load(p2, &set), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "tensor 'W1' is 8 x 64 but the metadata says d = 64, p = 8: W1 is "
                                            "transposed"));

    const char *u_names[] = {"W1", "W2"};
    const int64_t u_shapes[][2] = {{64, 8}, {8, 64}};
    char *p3 = write_st(c, "w2.safetensors", 2, u_names, u_shapes, meta);
    assert_int_equal(mg_daeset_load(p3, &set), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "'W2' is 8 x 64 but 'W1' is 64 x 8: both are d x p, so one is transposed"));

    const char *b_names[] = {"W1", "b1", "b2"};
    const int64_t b_shapes[][2] = {{8, 64}, {0, 8}, {0, 64}};
    char *p4 = write_st(c, "bias.safetensors", 3, b_names, b_shapes, meta);
    assert_int_equal(mg_daeset_load(p4, &set), MG_ERR_SHAPE);
    assert_non_null(strstr(mg_last_error(), "W1 looks transposed"));
    const char *l_names[] = {"level0.W1", "level1.W1"};
    const int64_t l_shapes[][2] = {{64, 8}, {64, 8}};
    char *p5 = write_st(c, "levels.safetensors", 2, l_names, l_shapes, NULL);
    assert_int_equal(mg_daeset_load(p5, &set), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "a DAE set needs the metadata memgen.kind = dae_set and sigmas"));
    const char *one[] = {"W1"};
    const int64_t one_shape[][2] = {{64, 8}};
    char *p6 = write_st(c, "nosigma.safetensors", 1, one, one_shape, NULL);
    assert_int_equal(mg_daeset_load(p6, &set), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "needs a positive 'sigma' in its metadata (the noise level it denoises"));
    free(p1);
    free(p2);
    free(p3);
    free(p4);
    free(p5);
    free(p6);
}

/* .npy as text: version, dtype, shape, order, bytes and NumPy's statistics. */
static void test_npy_text(void **state) {
    ctx *c = *state;
    assert_int_equal(run(c, "tests/fixtures/io/f4_2x3.npy"), 0);
    out_has(c, "file:          tests/fixtures/io/f4_2x3.npy");
    out_has(c, "format:        npy 1.0");
    out_has(c, "dtype:         float32 (<f4 in the file)");
    out_has(c, "shape:         (2, 3)");
    out_has(c, "fortran_order: false");
    out_has(c, "bytes:         152 (header 128, data 24)");
    /* np.std([-1, -.5, 0, .5, 1, 1.5]) = 0.8539125638299665 */
    out_has(c, "min -1  max 1.5  mean 0.25  std 0.853912564  (6 values, 0 NaN, 0 Inf)");
    assert_string_equal(c->err, "");

    assert_int_equal(run(c, "tests/fixtures/io/fortran_f8_3x4.npy"), 0);
    out_has(c, "fortran_order: true");
    out_has(c, "float64");
    assert_int_equal(run(c, "--no-stats tests/fixtures/io/v3_f4_3.npy"), 0);
    out_has(c, "npy 3.0");
    assert_null(strstr(c->out, "stats:"));
    assert_int_equal(run(c, "tests/fixtures/io/i1_4.npy"), 0);
    out_has(c, "int32 (|i1 in the file)");
    assert_int_equal(run(c, "tests/fixtures/io/empty_f4_0x5.npy"), 0);
    out_has(c, "shape:         (0, 5)");
    out_has(c, "stats:         empty");
}

/* .npy as JSON, including NaN/Inf counts. */
static void test_npy_json(void **state) {
    ctx *c = *state;
    assert_int_equal(run(c, "--json tests/fixtures/io/f4_nan_inf.npy"), 0);
    cJSON *j = out_json(c);
    assert_string_equal(str(j, "path"), "tests/fixtures/io/f4_nan_inf.npy");
    assert_string_equal(str(j, "format"), "npy");
    assert_string_equal(str(j, "version"), "1.0");
    assert_string_equal(str(j, "dtype"), "float32");
    assert_string_equal(str(j, "descr"), "<f4");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "fortran_order")));
    shape_is(j, 1, (int64_t[]){5});
    assert_true(num(j, "file_bytes") == 148);
    assert_true(num(j, "data_bytes") == 20);
    const cJSON *s = cJSON_GetObjectItem(j, "stats");
    assert_true(num(s, "count") == 5);
    assert_true(num(s, "finite") == 2);
    assert_true(num(s, "nan") == 1);
    assert_true(num(s, "inf") == 2);
    assert_true(num(s, "min") == 1 && num(s, "max") == 3 && num(s, "mean") == 2 && num(s, "std") == 1);
    cJSON_Delete(j);

    assert_int_equal(run(c, "--json tests/fixtures/io/f4_10x10.npy"), 0);
    j = out_json(c);
    s = cJSON_GetObjectItem(j, "stats");
    /* np.arange(100).std() = 28.86607004772212 */
    assert_true(fabs(num(s, "std") - 28.86607004772212) < 1e-12);
    assert_true(num(s, "mean") == 49.5);
    cJSON_Delete(j);

    assert_int_equal(run(c, "--json --no-stats tests/fixtures/io/empty_f4_0x5.npy"), 0);
    j = out_json(c);
    assert_null(cJSON_GetObjectItem(j, "stats"));
    shape_is(j, 2, (int64_t[]){0, 5});
    cJSON_Delete(j);
}

/* .safetensors: every tensor and every metadata entry, text and JSON. */
static void test_safetensors(void **state) {
    ctx *c = *state;
    assert_int_equal(run(c, "tests/fixtures/io/model.safetensors"), 0);
    out_has(c, "format:   safetensors");
    out_has(c, "tensors:  10");
    out_has(c, "  W1      float32   (4, 3)");
    out_has(c, "  bf      bfloat16  (3,)");
    out_has(c, "  scalar  float32   ()");
    out_has(c, "mean 7.5");
    out_has(c, "metadata: 3");
    out_has(c, "  sigma = 0.5\n");
    out_has(c, "  n = 1000\n");
    out_has(c, "  note = tab\\there \"quoted\" back\\\\slash \xc3\xa9\\n\n");

    assert_int_equal(run(c, "--json tests/fixtures/io/model.safetensors"), 0);
    cJSON *j = out_json(c);
    assert_string_equal(str(j, "format"), "safetensors");
    assert_true(num(j, "file_bytes") == 871);
    const cJSON *t = cJSON_GetObjectItem(j, "tensors");
    assert_int_equal(cJSON_GetArraySize(t), 10);
    const cJSON *w1 = cJSON_GetArrayItem(t, 0);
    assert_string_equal(str(w1, "name"), "W1");
    assert_string_equal(str(w1, "dtype"), "float32");
    shape_is(w1, 2, (int64_t[]){4, 3});
    assert_true(num(w1, "bytes") == 48);
    assert_true(num(cJSON_GetObjectItem(w1, "stats"), "max") == (double)1.1f);
    const cJSON *m = cJSON_GetObjectItem(j, "metadata");
    assert_string_equal(str(m, "note"), "tab\there \"quoted\" back\\slash \xc3\xa9\n");
    assert_string_equal(str(m, "sigma"), "0.5");
    cJSON_Delete(j);
}

/* PNG and IDX (gzip) files; detection by content, not by name. */
static void test_png_idx_and_detection(void **state) {
    ctx *c = *state;
    assert_int_equal(run(c, "--json tests/fixtures/png/rgb8.png"), 0);
    cJSON *j = out_json(c);
    assert_string_equal(str(j, "format"), "png");
    assert_string_equal(str(j, "dtype"), "uint8");
    const cJSON *s = cJSON_GetObjectItem(j, "shape");
    assert_int_equal(cJSON_GetArraySize(s), 3);
    assert_true(cJSON_GetArrayItem(s, 2)->valuedouble == 3);
    cJSON_Delete(j);

    assert_int_equal(run(c, "--json tests/fixtures/idx/u8.idx.gz"), 0);
    j = out_json(c);
    assert_string_equal(str(j, "format"), "idx");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "gzip")));
    shape_is(j, 3, (int64_t[]){2, 3, 4});
    cJSON_Delete(j);
    assert_int_equal(run(c, "tests/fixtures/idx/u8.idx"), 0);
    out_has(c, "format:   idx\n");
    out_has(c, "shape:    (2, 3, 4)");

    /* A safetensors file named .npy, and an .npy named .png. */
    size_t n;
    unsigned char *b;
    char *p1 = tu_path(c->dir, "model.npy"), *p2 = tu_path(c->dir, "array.png");
    b = tu_fixture_bytes("io/model.safetensors", &n);
    tu_write_bytes(p1, b, n);
    free(b);
    b = tu_fixture_bytes("io/f4_2x3.npy", &n);
    tu_write_bytes(p2, b, n);
    free(b);
    char args[1024];
    snprintf(args, sizeof args, "'%s'", p1);
    assert_int_equal(run(c, args), 0);
    out_has(c, "format:   safetensors");
    snprintf(args, sizeof args, "'%s'", p2);
    assert_int_equal(run(c, args), 0);
    out_has(c, "format:        npy 1.0");
    free(p1);
    free(p2);
}

/* Bad files: exit 1, nothing on stdout, one error line naming the file. */
static void test_bad_files(void **state) {
    ctx *c = *state;
    size_t n;
    unsigned char *b;
    char args[1024];
    char *p = tu_path(c->dir, "bad.npy");
    snprintf(args, sizeof args, "'%s'", p);

    b = tu_fixture_bytes("io/f4_2x3.npy", &n);
    tu_write_bytes(p, b, n - 7);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "7 missing");
    assert_non_null(strstr(c->err, p));
    snprintf(args, sizeof args, "--json '%s'", p);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "truncated");
    snprintf(args, sizeof args, "'%s'", p);
    b[9] = 0x7f; /* header length past the end */
    tu_write_bytes(p, b, n);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "runs past the end");
    free(b);

    b = tu_fixture_bytes("io/model.safetensors", &n);
    tu_write_bytes(p, b, n - 1);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "past the end of the data section");
    memcpy(b + 8, "{\"x\":", 5); /* broken JSON */
    tu_write_bytes(p, b, n);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "not valid JSON");
    free(b);

    tu_write_bytes(p, "hello world, not an array\n", 26);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "unrecognised file");
    tu_write_bytes(p, "", 0);
    assert_int_equal(run(c, args), 1);
    one_line_error(c, "empty");
    assert_int_equal(run(c, "tests/fixtures/io/f8_e4m3.safetensors"), 1);
    one_line_error(c, "F8_E4M3");
    assert_int_equal(run(c, "tests/fixtures/io/c8_2.npy"), 1);
    one_line_error(c, "'<c8'");
    assert_int_equal(run(c, "tests/fixtures/idx/truncated.idx.gz"), 1);
    one_line_error(c, "truncated.idx.gz");
    assert_int_equal(run(c, "tests/fixtures/io/no_such_file.npy"), 1);
    one_line_error(c, "cannot open");
    assert_int_equal(run(c, "tests/fixtures"), 1);
    one_line_error(c, "not a regular file");
    free(p);
}

/* Usage errors exit 2; --help exits 0 and lists every option with its default. */
static void test_usage(void **state) {
    ctx *c = *state;
    assert_int_equal(run(c, ""), 2);
    assert_non_null(strstr(c->err, "missing FILE"));
    assert_int_equal(run(c, "a.npy b.npy"), 2);
    assert_int_equal(run(c, "--frobnicate a.npy"), 2);
    assert_non_null(strstr(c->err, "--frobnicate"));
    assert_int_equal(run(c, "--help"), 0);
    out_has(c, "usage: memgen info FILE");
    out_has(c, "--json");
    out_has(c, "--no-stats");
    out_has(c, "default");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_npy_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_npy_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_safetensors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_png_idx_and_detection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dae_set_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_hints, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
