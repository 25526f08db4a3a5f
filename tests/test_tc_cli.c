/*
 * The time-conditioned model through the CLI: `memgen train --kind tc`
 * (log, checkpoint, a run resumed from its checkpoint writes the same model
 * file byte for byte), `memgen sample --sampler authors --clamp -1:1` (every
 * value in range), and repr / jacobian / detect / steer reading the model
 * file (the gated representation is the ungated one times the gates).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/repr.h"
#include "memgen/tcdae.h"

#define P(w, name) tu_wpath((w), (name))

/* Writes n x d data in [-1, 1] to path. */
static void write_data(const char *path, int64_t n, int64_t d, uint64_t seed) {
    float *X = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_rng_uniform(&r, X, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) X[i] = 2.0f * X[i] - 1.0f;
    int64_t shape[2] = {n, d};
    tu_assert_ok(mg_npy_write_f32(path, X, 2, shape));
    free(X);
}

/* Whether two files hold the same bytes. */
static int same_file(const char *a, const char *b) {
    unsigned char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    tu_assert_ok(mg_read_file(a, 0, &x, &nx));
    tu_assert_ok(mg_read_file(b, 0, &y, &ny));
    int same = nx == ny && !memcmp(x, y, nx);
    free(x);
    free(y);
    return same;
}

/* Train (and resume), sample with the authors' sampler and clamp, analyse. */
static void test_tc_cli(void **state) {
    tu_workdir *w = *state;
    write_data(P(w, "X.npy"), 6, 36, 1);
    const char *common = "--kind tc --hidden 16 --optim rmsprop --lr 1e-3 --weight-decay 1e-2 --batch full --seed 3";
    assert_int_equal(tu_memgen(w->log, "train --data %s %s --steps 60 --out %s --log %s", P(w, "X.npy"), common,
                               P(w, "full.safetensors"), P(w, "full.csv")),
                     0);
    assert_int_equal(tu_memgen(w->log, "train --data %s %s --steps 25 --out %s --checkpoint %s", P(w, "X.npy"), common,
                               P(w, "part.safetensors"), P(w, "ck.safetensors")),
                     0);
    assert_int_equal(tu_memgen(w->log, "train --kind tc --data %s --resume %s --steps 60 --out %s", P(w, "X.npy"),
                               P(w, "ck.safetensors"), P(w, "resumed.safetensors")),
                     0);
    assert_true(same_file(P(w, "full.safetensors"), P(w, "resumed.safetensors")));
    /* a tc checkpoint is not a dae one; dae-only options are refused */
    assert_int_equal(tu_memgen(w->log, "train --data %s --resume %s --out %s", P(w, "X.npy"), P(w, "ck.safetensors"),
                               P(w, "bad.safetensors")),
                     1);
    assert_true(tu_log_has(w, "not of a 'dae' model"));
    assert_int_equal(tu_memgen(w->log, "train --data %s %s --sigma 0.3 --out %s", P(w, "X.npy"), common,
                               P(w, "bad.safetensors")),
                     2);
    char *log = tu_read_text(P(w, "full.csv"));
    assert_non_null(log);
    assert_true(tu_count_of(log, "\n") >= 2);
    free(log);
    /* the authors' sampler with their clamp */
    assert_int_equal(tu_memgen(w->log, "sample --model %s --out %s --n 20 --sampler authors --clamp -1:1 --seed 2",
                               P(w, "full.safetensors"), P(w, "S.npy")),
                     0);
    mg_array S = {0};
    tu_assert_ok(mg_npy_read_matrix(P(w, "S.npy"), "samples", 0, &S));
    assert_int_equal(S.shape[0], 20);
    for (int64_t i = 0; i < mg_array_numel(&S); i++) tu_assert_in_range(((float *)S.data)[i], -1.0, 1.0, "sample");
    mg_array_free(&S);
    assert_int_equal(tu_memgen(w->log, "sample --model %s --out %s --clamp 1:-1", P(w, "full.safetensors"),
                               P(w, "S2.npy")),
                     2);
    /* representations: gated = ungated .* g(sigma) on the same noisy inputs */
    assert_int_equal(tu_memgen(w->log, "repr --model %s --data %s --sigma 0.3 --out %s", P(w, "full.safetensors"),
                               P(w, "X.npy"), P(w, "Hg.npy")),
                     0);
    assert_int_equal(tu_memgen(w->log, "repr --model %s --data %s --sigma 0.3 --representation ungated --out %s",
                               P(w, "full.safetensors"), P(w, "X.npy"), P(w, "Hu.npy")),
                     0);
    mg_array Hg = {0}, Hu = {0};
    tu_assert_ok(mg_npy_read_matrix(P(w, "Hg.npy"), "H", 0, &Hg));
    tu_assert_ok(mg_npy_read_matrix(P(w, "Hu.npy"), "H", 0, &Hu));
    mg_tcdae *m = NULL;
    tu_assert_ok(mg_tcdae_load(P(w, "full.safetensors"), &m));
    float g[16];
    tu_assert_ok(mg_tcdae_gate(m, 0.3, g));
    const int64_t p = Hg.shape[1];
    assert_int_equal(p, 16);
    float *want = malloc((size_t)mg_array_numel(&Hu) * sizeof(float));
    for (int64_t i = 0; i < mg_array_numel(&Hu); i++) want[i] = ((float *)Hu.data)[i] * g[i % p];
    tu_assert_close_f(Hg.data, want, mg_array_numel(&Hg), 1e-6, 1e-5, "gated = ungated * g");
    free(want);
    mg_array_free(&Hg);
    mg_array_free(&Hu);
    mg_tcdae_free(m);
    /* Jacobian, detector and steering read the same file */
    assert_int_equal(tu_memgen(w->log, "jacobian --model %s --data %s --sigma 0.1 --train %s --json %s",
                               P(w, "full.safetensors"), P(w, "X.npy"), P(w, "X.npy"), P(w, "jac.json")),
                     0);
    assert_int_equal(tu_memgen(w->log, "detect --model %s --data %s --sigmas list:0.05,0.2 --out %s",
                               P(w, "full.safetensors"), P(w, "X.npy"), P(w, "det.csv")),
                     0);
    assert_int_equal(tu_memgen(w->log, "steer --model %s --target %s --out %s --n 3 --levels 8 --sampler authors "
                               "--clamp -1:1 --alphas lin:0:1:3",
                               P(w, "full.safetensors"), P(w, "X.npy"), P(w, "steer")),
                     0);
    tu_assert_file_nonempty(w->dir, "steer/summary.json");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tc_cli, tu_workdir_setup, tu_workdir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
