/*
 * Trained DAE sets over noise levels (issue 6, App. B.1): mg_train_daeset's
 * level k is exactly the single run with sigma_k and fork k of the seed;
 * `memgen train --sigmas` writes the set and resumes level by level; the
 * regime claims at reduced scale: a memorizing set generates copies of the
 * training samples' directions, a generalizing set produces new samples
 * (memorized fraction <= 0.1); and the identity behind what a bias-free
 * set cannot do: DDIM with a positively homogeneous denoiser is homogeneous
 * in sigma_max, so samples come out scaled by the grid, not the data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "memgen/daeset.h"
#include "memgen/denoiser.h"
#include "memgen/fileio.h"
#include "memgen/memorization.h"
#include "memgen/npy.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"
#include "memgen/train.h"

/* n Gaussian rows of dimension d (nearly orthogonal: separable data). */
static float *gaussian_rows(int64_t n, int64_t d, uint64_t seed) {
    float *X = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_rng_normal(&r, X, (size_t)(n * d));
    return X;
}

/* Memorization-regime parameters of App. B.1 (RMSprop lr 1e-3, wd 1e-2, full batch). */
static mg_train_params mem_params(int64_t p, int64_t steps) {
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p;
    tp.optim = MG_OPTIM_RMSPROP;
    tp.lr = 1e-3;
    tp.weight_decay = 1e-2;
    tp.batch_mode = MG_BATCH_FULL;
    tp.steps = steps;
    return tp;
}

/* Level k of a trained set equals mg_train_dae with sigma_k and fork k, bit for bit. */
static void test_level_is_single_run(void **state) {
    (void)state;
    float *X = gaussian_rows(4, 16, 1);
    mg_mat Xm = {4, 16, 16, X};
    double sig[3] = {0.05, 0.2, 1.0};
    mg_train_params tp = mem_params(6, 200);
    mg_rng rng;
    mg_rng_init(&rng, 7);
    mg_daeset set;
    tu_assert_ok(mg_train_daeset(&tp, sig, 3, Xm, &rng, NULL, &set));
    for (int k = 0; k < 3; k++) {
        mg_train_params pk = tp;
        pk.sigma = sig[k];
        mg_rng rk = mg_rng_fork(&rng, (uint64_t)k);
        mg_dae *m = NULL;
        tu_assert_ok(mg_train_dae(&pk, Xm, &rk, NULL, &m));
        assert_memory_equal(mg_dae_w1(m), mg_dae_w1(set.levels[k]), 16 * 6 * sizeof(float));
        assert_true(mg_dae_sigma(set.levels[k]) == sig[k]);
        mg_dae_free(m);
    }
    mg_daeset_free(&set);
    /* a bad level is reported with its index, and nothing is left allocated */
    double bad[2] = {0.1, 0.05};
    assert_int_equal(mg_train_daeset(&tp, bad, 2, Xm, &rng, NULL, &set), MG_ERR_ARG);
    free(X);
}

/* DDIM samples of a set (n rows) with seed 3. */
static float *sample_set(const mg_daeset *set, int64_t n) {
    mg_denoiser den;
    tu_assert_ok(mg_denoiser_daeset(set, MG_LEVEL_NEAREST, &den));
    mg_sample_params sp = MG_SAMPLE_PARAMS_DEFAULT;
    sp.sigmas = set->sigmas;
    sp.nsigmas = set->count;
    float *S = malloc((size_t)(n * den.d) * sizeof(float));
    mg_mat Sm = {n, den.d, den.d, S};
    mg_rng r;
    mg_rng_init(&r, 3);
    tu_assert_ok(mg_sample(&den, &sp, &r, Sm));
    mg_denoiser_free(&den);
    return S;
}

/* Memorizing set: generations copy training directions (cosine >= 0.95 for
 * most, every training sample hit); generalizing set: NN-ratio memorized
 * fraction <= 0.1. */
static void test_regimes(void **state) {
    (void)state;
    const int64_t d = 32, n_mem = 4, n_gen = 800, ns = 200;
    double sig[11];
    tu_assert_ok(mg_sigmas_geometric(0.02, 2.0, 11, sig));
    mg_rng rng;
    mg_rng_init(&rng, 11);
    /* memorization: 4 separable samples, p = 8 >= n */
    float *Xm = gaussian_rows(n_mem, d, 2);
    mg_mat Xmm = {n_mem, d, d, Xm};
    mg_train_params tp = mem_params(8, 5000);
    mg_daeset set;
    tu_assert_ok(mg_train_daeset(&tp, sig, 11, Xmm, &rng, NULL, &set));
    float *S = sample_set(&set, ns);
    mg_memratio mr;
    tu_assert_ok(mg_memratio_compute((mg_mat){ns, d, d, S}, Xmm, 1.0 / 3.0, &mr));
    int64_t copies = 0, hit[4] = {0};
    for (int64_t i = 0; i < ns; i++)
        if (mr.cos_max[i] >= 0.95) {
            copies++;
            hit[mr.cos_idx[i]] = 1;
        }
    print_message("memorizing set: %.2f of generations have cosine >= 0.95 to a training sample "
                  "(NN-ratio memorized %.2f)\n", (double)copies / ns, mr.frac_memorized);
    assert_true(copies >= 0.6 * ns);
    for (int k = 0; k < 4; k++) assert_true(hit[k]);
    mg_memratio_free(&mr);
    free(S);
    mg_daeset_free(&set);
    /* generalization: 800 samples of a 2-mode mixture-like cloud, p = 8 << n */
    float *Xg = gaussian_rows(n_gen, d, 3);
    for (int64_t i = 0; i < n_gen; i++) Xg[i * d] += (i % 2) ? 3.0f : -3.0f;
    mg_mat Xgm = {n_gen, d, d, Xg};
    mg_train_params tg = MG_TRAIN_PARAMS_DEFAULT;
    tg.hidden = 8;
    tg.optim = MG_OPTIM_ADAM;
    tg.lr = 1e-3;
    tg.weight_decay = 1e-4;
    tg.batch = 128;
    tg.steps = 600;
    tu_assert_ok(mg_train_daeset(&tg, sig, 11, Xgm, &rng, NULL, &set));
    S = sample_set(&set, ns);
    tu_assert_ok(mg_memratio_compute((mg_mat){ns, d, d, S}, Xgm, 1.0 / 3.0, &mr));
    print_message("generalizing set: NN-ratio memorized fraction %.3f\n", mr.frac_memorized);
    assert_true(mr.frac_memorized <= 0.1);
    mg_memratio_free(&mr);
    free(S);
    mg_daeset_free(&set);
    free(Xm);
    free(Xg);
}

/* DDIM with a bias-free (positively homogeneous) set: scaling every sigma
 * of the grid by c scales every sample by c (same seed, same weights). */
static void test_homogeneity(void **state) {
    (void)state;
    double sig[5], sig2[5];
    tu_assert_ok(mg_sigmas_geometric(0.02, 2.0, 5, sig));
    const double c = 2.5;
    for (int k = 0; k < 5; k++) sig2[k] = c * sig[k];
    mg_daeset a, b;
    tu_assert_ok(mg_daeset_alloc(5, sig, &a));
    tu_assert_ok(mg_daeset_alloc(5, sig2, &b));
    mg_rng r;
    mg_rng_init(&r, 5);
    for (int k = 0; k < 5; k++) {
        tu_assert_ok(mg_dae_create(12, 6, 1, 0, &a.levels[k]));
        mg_dae_init_normal(a.levels[k], &r, 0.4f);
        mg_dae_set_sigma(a.levels[k], sig[k]);
        tu_assert_ok(mg_dae_clone(a.levels[k], &b.levels[k]));
        mg_dae_set_sigma(b.levels[k], sig2[k]);
    }
    float *Sa = sample_set(&a, 50), *Sb = sample_set(&b, 50);
    for (int64_t i = 0; i < 50 * 12; i++) Sa[i] *= (float)c;
    tu_assert_close_f(Sb, Sa, 50 * 12, 1e-5, 1e-4, "samples of the scaled grid");
    free(Sa);
    free(Sb);
    mg_daeset_free(&a);
    mg_daeset_free(&b);
}

/* Reads a whole file. */
static unsigned char *slurp(const char *p, size_t *len) {
    unsigned char *buf = NULL;
    tu_assert_ok(mg_read_file(p, 0, &buf, len));
    return buf;
}

/* `memgen train --sigmas`: the set file, per-level checkpoints and logs, a
 * resumed run giving the same bytes, and refused option combinations. */
static void test_cli(void **state) {
    (void)state;
    char *dir = tu_mkdtemp(), *x = tu_path(dir, "x.npy"), *out = tu_path(dir, "set.safetensors");
    char *log = tu_path(dir, "cli.log");
    float *X = gaussian_rows(4, 16, 9);
    int64_t shape[2] = {4, 16};
    tu_assert_ok(mg_npy_write_f32(x, X, 2, shape));
    const char *common = "--hidden 6 --optim rmsprop --lr 1e-3 --weight-decay 1e-2 --steps 300 --sigmas geom:0.05:1:3 --seed 4";
    assert_int_equal(tu_memgen(log, "train --data %s %s --out %s --checkpoint-every 100 --log %s/l.csv", x, common, out,
                               dir), 0);
    mg_daeset set;
    tu_assert_ok(mg_daeset_load(out, &set));
    assert_int_equal(set.count, 3);
    tu_assert_close_d(set.sigmas + 2, (double[]){1.0}, 1, 1e-15, 0, "top sigma");
    mg_daeset_free(&set);
    char *l2 = tu_path(dir, "l.level2.csv"), *c1 = tu_path(dir, "set.ckpt.level1.safetensors");
    assert_int_equal(access(l2, R_OK), 0);
    assert_int_equal(access(c1, R_OK), 0);
    size_t n1, n2;
    unsigned char *first = slurp(out, &n1);
    /* drop the output and level 1's checkpoint: level 0 and 2 resume from
     * their final checkpoints, level 1 is retrained; the bytes must agree */
    remove(out);
    remove(c1);
    assert_int_equal(tu_memgen(log, "train --data %s %s --out %s --checkpoint-every 100 --resume-levels", x, common,
                               out), 0);
    unsigned char *second = slurp(out, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(first, second, n1);
    /* refused combinations */
    assert_int_equal(tu_memgen(log, "train --data %s %s --sigma 0.2 --out %s", x, common, out), 2);
    assert_int_equal(tu_memgen(log, "train --data %s --hidden 4 --out %s --resume-levels", x, out), 2);
    assert_int_equal(tu_memgen(log, "train --data %s --hidden 4 --sigmas geom:1:0.1:3 --out %s", x, out), 1);
    free(first);
    free(second);
    free(X);
    free(l2);
    free(c1);
    tu_rmtree(dir);
    free(dir);
    free(x);
    free(out);
    free(log);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_is_single_run),
        cmocka_unit_test(test_regimes),
        cmocka_unit_test(test_homogeneity),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
