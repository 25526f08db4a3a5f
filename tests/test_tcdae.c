/*
 * The authors' time-conditioned model (tcdae.h) and its trainer (tctrain.h):
 * the gradient of every parameter against central finite differences of a
 * double-precision loss, away from kinks; 100 RMSprop and 100 Adam steps
 * against PyTorch (tests/fixtures/train/torch_tc_ref.safetensors, written by
 * dev/torch_tc_reference.py with the authors' module, the same initial
 * values, noise levels and noise); a run stopped at a checkpoint and resumed
 * ends bit-identical to an uninterrupted one; the same bits on 1 and 2
 * threads; save/load with the PyTorch state_dict names; the model at one
 * sigma as a DAE with skip (gated and ungated) equals the model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "testutil.h"
#include <lapacke.h>

#include "memgen/dae.h"
#include "memgen/jacobian.h"
#include "memgen/tcdae.h"
#include "memgen/tctrain.h"

/* ---- helpers ------------------------------------------------------------------ */

/* A random model: the authors' init, then (perturb) nonzero last layer and skip. */
static mg_tcdae *random_model(int64_t d, int64_t p, uint64_t seed, int perturb) {
    mg_tcdae *m = NULL;
    tu_assert_ok(mg_tcdae_create(d, p, &m));
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_tcdae_init(m, &r);
    if (perturb) {
        mg_tcdae_parts v = mg_tcdae_parts_of(m);
        mg_rng_normal(&r, v.A2, (size_t)(p * p));
        for (int64_t i = 0; i < p * p; i++) v.A2[i] *= 0.3f;
        mg_rng_normal(&r, v.c2, (size_t)p);
        for (int64_t i = 0; i < p; i++) v.c2[i] *= 0.3f;
        v.skip[0] = 0.4f;
    }
    return m;
}

/* The loss c (1/B) sum ||f(Xn_i, t_i) - X0_i||^2 in double, plain loops over
 * the parameters P (flat, memgen's order); *kink receives the smallest
 * |pre-activation| seen (encoder and gate MLP). */
static double loss_d(const double *P, int64_t d, int64_t p, int64_t B, const float *Xn, const float *X0,
                     const float *t, double c, double *kink) {
    const double *W = P, *a1 = W + p * d, *c1 = a1 + p, *A2 = c1 + p, *c2 = A2 + p * p, s = c2[p];
    double *h = malloc((size_t)p * sizeof(double)), *u = malloc((size_t)p * sizeof(double));
    double L = 0.0;
    *kink = INFINITY;
    for (int64_t i = 0; i < B; i++) {
        const float *x = Xn + i * d, *x0 = X0 + i * d;
        for (int64_t k = 0; k < p; k++) {
            double z = a1[k] * (double)t[i] + c1[k];
            *kink = fmin(*kink, fabs(z));
            u[k] = z > 0 ? z : 0;
        }
        for (int64_t j = 0; j < p; j++) {
            double a = 0, z = c2[j];
            for (int64_t k = 0; k < d; k++) a += W[j * d + k] * x[k];
            for (int64_t k = 0; k < p; k++) z += A2[j * p + k] * u[k];
            *kink = fmin(*kink, fabs(a));
            h[j] = (a > 0 ? a : 0) * exp(z);
        }
        for (int64_t k = 0; k < d; k++) {
            double y = s * x[k];
            for (int64_t j = 0; j < p; j++) y += h[j] * W[j * d + k];
            L += (y - x0[k]) * (y - x0[k]);
        }
    }
    free(h);
    free(u);
    return c * L / (double)B;
}

/* ---- gradients ----------------------------------------------------------------- */

/* mg_tc_loss_grad against central differences of loss_d for every parameter,
 * both conventions, with the input slot (one product for dW) and without. */
static void test_gradient_fd(void **state) {
    (void)state;
    const int64_t d = 7, p = 6, B = 5;
    mg_tcdae *m = random_model(d, p, 11, 1);
    const int64_t np = mg_tcdae_param_count(m);
    float *Xn = malloc((size_t)(B * d) * sizeof(float)), *X0 = malloc((size_t)(B * d) * sizeof(float));
    float t[5];
    mg_rng r;
    mg_rng_init(&r, 5);
    mg_rng_normal(&r, X0, (size_t)(B * d));
    mg_rng_normal(&r, Xn, (size_t)(B * d));
    for (int64_t i = 0; i < B * d; i++) Xn[i] = X0[i] + 0.5f * Xn[i];
    for (int64_t i = 0; i < B; i++) t[i] = logf(0.02f * powf(100.0f, (float)i / (float)(B - 1)));
    double *P = malloc((size_t)np * sizeof(double)), *fd = malloc((size_t)np * sizeof(double));
    double *gd = malloc((size_t)np * sizeof(double));
    float *grad = malloc((size_t)np * sizeof(float));
    float *ws = mg_calloc(mg_tc_train_ws_floats(B, d, p), sizeof(float));
    const float *w = mg_tcdae_params_const(m, NULL);
    for (int64_t q = 0; q < np; q++) P[q] = w[q];
    double kink;
    loss_d(P, d, p, B, Xn, X0, t, 1.0, &kink);
    assert_true(kink > 1e-3); /* away from the kinks of both ReLUs */
    for (int slot = 0; slot < 2; slot++)
        for (int conv = 0; conv < 2; conv++) {
            const double c = conv ? 1.0 / (double)d : 1.0, h = 1e-6;
            float *in = Xn;
            if (slot) {
                in = mg_tc_train_ws_input(ws, B, d, p);
                memcpy(in, Xn, (size_t)(B * d) * sizeof(float));
            }
            double D;
            tu_assert_ok(mg_tc_loss_grad(m, (mg_mat){B, d, d, in}, (mg_mat){B, d, d, X0}, t, c, grad, ws, &D));
            double k2, L0 = loss_d(P, d, p, B, Xn, X0, t, 1.0, &k2);
            assert_true(fabs(D - L0) <= 1e-5 * fabs(L0));
            double scale = 0;
            for (int64_t q = 0; q < np; q++) {
                const double keep = P[q];
                P[q] = keep + h;
                double lp = loss_d(P, d, p, B, Xn, X0, t, c, &k2);
                P[q] = keep - h;
                double lm = loss_d(P, d, p, B, Xn, X0, t, c, &k2);
                P[q] = keep;
                fd[q] = (lp - lm) / (2 * h);
                gd[q] = grad[q];
                scale = fmax(scale, fabs(fd[q]));
            }
            char what[64];
            snprintf(what, sizeof what, "gradient vs finite differences (%s, %s)", conv ? "torch" : "eq6",
                     slot ? "input slot" : "own input");
            tu_assert_close_d(gd, fd, np, 1e-5 * scale, 1e-4, what);
            double worst = 0;
            for (int64_t q = 0; q < np; q++) worst = fmax(worst, fabs(gd[q] - fd[q]) / scale);
            printf("# %s: max |grad - fd| / max |fd| = %.3g over %lld parameters\n", what, worst, (long long)np);
        }
    free(P), free(fd), free(gd), free(grad), free(ws), free(Xn), free(X0);
    mg_tcdae_free(m);
}

/* ---- PyTorch reference ------------------------------------------------------------ */

/* A fixture tensor as a malloc'd float array (*n: its element count). */
static float *fixture_f32(const mg_st *st, const char *name, int64_t *n) {
    const mg_array *a = mg_st_get(st, name);
    if (!a) fail_msg("fixture tensor %s missing", name);
    mg_array f;
    tu_assert_ok(mg_array_to_f32(a, &f));
    if (n) *n = mg_array_numel(&f);
    return f.data;
}

/* 100 steps of each configuration through mg_tc_trainer_step with PyTorch's
 * rows, noise levels and noise: parameters after 1 and 100 steps, every loss. */
static void test_torch_reference(void **state) {
    (void)state;
    mg_st *st = NULL;
    tu_assert_ok(mg_st_read(tu_fixture("train/torch_tc_ref.safetensors"), &st));
    const mg_array *xa = mg_st_get(st, "X"), *ia = mg_st_get(st, "batch_idx");
    assert_non_null(xa);
    assert_non_null(ia);
    const int64_t n = xa->shape[0], d = xa->shape[1], steps = atoll(mg_st_meta(st, "steps")), ib = ia->shape[1];
    float *X = fixture_f32(st, "X", NULL), *sig = fixture_f32(st, "sigma", NULL);
    float *noise = fixture_f32(st, "noise", NULL);
    const int64_t *idx = ia->data;
    char *cfgs = strdup(mg_st_meta(st, "configs"));
    int ncfg = 0;
    for (char *save = NULL, *cfg = strtok_r(cfgs, ",", &save); cfg; cfg = strtok_r(NULL, ",", &save), ncfg++) {
        char key[128], what[160];
        snprintf(key, sizeof key, "%s.start", cfg);
        snprintf(what, sizeof what, "%s.", mg_st_meta(st, key));
        mg_tcdae *m = NULL;
        tu_assert_ok(mg_tcdae_from_st(st, what, &m));
        mg_tc_train_params tp = mg_tc_train_params_default();
        tp.base.hidden = mg_tcdae_hidden(m);
        snprintf(key, sizeof key, "%s.optim", cfg);
        tu_assert_ok(mg_optim_parse(mg_st_meta(st, key), &tp.base.optim));
        snprintf(key, sizeof key, "%s.lr", cfg);
        tp.base.lr = atof(mg_st_meta(st, key));
        snprintf(key, sizeof key, "%s.wd", cfg);
        tp.base.weight_decay = atof(mg_st_meta(st, key));
        snprintf(key, sizeof key, "%s.batch", cfg);
        const int64_t batch = atoll(mg_st_meta(st, key));
        tp.base.batch_mode = batch ? MG_BATCH_SHUFFLE : MG_BATCH_FULL;
        tp.base.batch = batch ? batch : tp.base.batch;
        tp.base.steps = steps;
        mg_rng rng;
        mg_rng_init(&rng, 0);
        mg_tc_trainer *tr = NULL;
        tu_assert_ok(mg_tc_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &rng, &tr));
        const int64_t np = mg_tcdae_param_count(m);
        float *loss = malloc((size_t)steps * sizeof(float));
        for (int64_t t = 0; t < steps; t++) {
            mg_train_progress pr;
            tu_assert_ok(mg_tc_trainer_step(tr, batch ? idx + t * ib : NULL, sig + t * n, noise + t * n * d, &pr));
            loss[t] = (float)pr.loss;
            if (t == 0) {
                snprintf(key, sizeof key, "%s.step1", cfg);
                int64_t nr;
                float *ref = fixture_f32(st, key, &nr);
                assert_int_equal(nr, np);
                snprintf(what, sizeof what, "%s after 1 step", cfg);
                tu_assert_close_f(mg_tcdae_params(m, NULL), ref, np, 2e-6, 2e-5, what);
                free(ref);
            }
        }
        snprintf(key, sizeof key, "%s.loss", cfg);
        float *ref_loss = fixture_f32(st, key, NULL);
        snprintf(what, sizeof what, "%s loss per step", cfg);
        tu_assert_close_f(loss, ref_loss, steps, 1e-6, 1e-5, what);
        snprintf(key, sizeof key, "%s.final", cfg);
        float *ref = fixture_f32(st, key, NULL);
        snprintf(what, sizeof what, "%s after %lld steps", cfg, (long long)steps);
        tu_assert_close_f(mg_tcdae_params(m, NULL), ref, np, 2e-6, 2e-5, what);
        double worst = 0, worst_loss = 0;
        const float *w = mg_tcdae_params_const(m, NULL);
        for (int64_t q = 0; q < np; q++) worst = fmax(worst, fabs((double)w[q] - ref[q]));
        for (int64_t t = 0; t < steps; t++)
            worst_loss = fmax(worst_loss, fabs((double)loss[t] - ref_loss[t]) / fabs((double)ref_loss[t]));
        printf("# %s: max |param - torch| after %lld steps %.3g, max relative loss difference %.3g\n", cfg,
               (long long)steps, worst, worst_loss);
        free(ref);
        free(ref_loss);
        free(loss);
        mg_tc_trainer_free(tr);
        mg_tcdae_free(m);
    }
    assert_int_equal(ncfg, 3);
    free(cfgs), free(X), free(sig), free(noise);
    mg_st_free(st);
}

/* ---- runs: resume and threads ---------------------------------------------------- */

/* Data for the run tests: n x d in [-1, 1]. */
static float *run_data(int64_t n, int64_t d) {
    float *X = malloc((size_t)(n * d) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 3);
    mg_rng_uniform(&r, X, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) X[i] = 2.0f * X[i] - 1.0f;
    return X;
}

/* Trains a fresh model for params (steps), optionally stopping at `stop`,
 * checkpointing, and resuming in a new trainer; returns the model. */
static mg_tcdae *train_run(const mg_tc_train_params *params, const float *X, int64_t n, int64_t d, int64_t stop,
                           const char *ckpt) {
    mg_rng rng;
    mg_rng_init(&rng, 42);
    mg_tcdae *m = NULL;
    tu_assert_ok(mg_tc_train_init_model(params, d, &rng, &m));
    mg_tc_trainer *tr = NULL;
    mg_mat Xm = {n, d, d, (float *)X};
    if (stop > 0) {
        mg_tc_train_params p1 = *params;
        p1.base.steps = stop;
        tu_assert_ok(mg_tc_trainer_create(&p1, m, Xm, &rng, &tr));
        tu_assert_ok(mg_tc_trainer_run(tr, NULL));
        tu_assert_ok(mg_tc_trainer_save_checkpoint(tr, ckpt));
        mg_tc_trainer_free(tr);
        mg_tcdae_free(m);
        /* a new process would know only the file */
        mg_tc_train_params p2;
        mg_rng r2;
        int64_t step, cn, cd;
        tu_assert_ok(mg_tc_train_checkpoint_info(ckpt, &p2, &r2, &step, &cn, &cd, NULL));
        assert_int_equal(step, stop);
        assert_int_equal(cn, n);
        assert_true(r2.key == rng.key);
        p2.base.steps = params->base.steps;
        tu_assert_ok(mg_tcdae_create(d, p2.base.hidden, &m));
        tu_assert_ok(mg_tc_trainer_create(&p2, m, Xm, &r2, &tr));
        tu_assert_ok(mg_tc_trainer_load_checkpoint(tr, ckpt));
    } else {
        tu_assert_ok(mg_tc_trainer_create(params, m, Xm, &rng, &tr));
    }
    tu_assert_ok(mg_tc_trainer_run(tr, NULL));
    assert_int_equal(mg_tc_trainer_step_count(tr), params->base.steps);
    mg_tc_trainer_free(tr);
    return m;
}

/* Bitwise equality of two models' parameters. */
static void assert_same_bits(const mg_tcdae *a, const mg_tcdae *b, const char *what) {
    int64_t n;
    const float *x = mg_tcdae_params_const(a, &n), *y = mg_tcdae_params_const(b, NULL);
    if (memcmp(x, y, (size_t)n * sizeof(float))) {
        int64_t q = 0;
        while (x[q] == y[q]) q++;
        fail_msg("%s: parameter %lld differs (%.9g vs %.9g)", what, (long long)q, (double)x[q], (double)y[q]);
    }
}

/* Stopped at a checkpoint and resumed = uninterrupted, bit for bit, for a
 * full batch (RMSprop) and shuffled mini-batches (Adam, the epoch boundary
 * inside the first part). */
static void test_resume_bit_identical(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *ckpt = tu_path(dir, "ck.safetensors");
    const int64_t n = 40, d = 24;
    float *X = run_data(n, d);
    for (int mode = 0; mode < 2; mode++) {
        mg_tc_train_params p = mg_tc_train_params_default();
        p.base.hidden = 16;
        p.base.steps = 30;
        if (mode == 0) {
            p.base.optim = MG_OPTIM_RMSPROP, p.base.lr = 1e-3, p.base.weight_decay = 1e-2;
            p.base.batch_mode = MG_BATCH_FULL;
        } else {
            p.base.optim = MG_OPTIM_ADAM, p.base.lr = 1e-3, p.base.weight_decay = 5e-4;
            p.base.batch_mode = MG_BATCH_SHUFFLE, p.base.batch = 16;
        }
        mg_tcdae *full = train_run(&p, X, n, d, 0, NULL);
        mg_tcdae *resumed = train_run(&p, X, n, d, 13, ckpt);
        assert_same_bits(full, resumed, mode ? "adam mini-batch resume" : "rmsprop full-batch resume");
        mg_tcdae_free(full);
        mg_tcdae_free(resumed);
    }
    /* a checkpoint of the other trainer or another sigma range is refused */
    mg_tc_train_params p = mg_tc_train_params_default();
    p.base.hidden = 16;
    p.base.steps = 30;
    p.base.batch_mode = MG_BATCH_FULL;
    mg_tcdae *m = train_run(&p, X, n, d, 5, ckpt);
    mg_tcdae_free(m);
    mg_train_params dp;
    mg_rng r;
    int64_t s, cn, cd;
    assert_int_equal(mg_train_checkpoint_info(ckpt, &dp, &r, &s, &cn, &cd, NULL), MG_ERR_ARG);
    p.sigma_max = 1.0;
    tu_assert_ok(mg_tcdae_create(d, 16, &m));
    mg_rng_init(&r, 42);
    mg_tc_trainer *tr = NULL;
    tu_assert_ok(mg_tc_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    assert_int_equal(mg_tc_trainer_load_checkpoint(tr, ckpt), MG_ERR_ARG);
    mg_tc_trainer_free(tr);
    mg_tcdae_free(m);
    free(X);
    free(ckpt);
    tu_rmtree(dir);
    free(dir);
}

/* The same bits on 1 and 2 threads (every product through mg_sgemm_det). */
static void test_threads(void **state) {
    (void)state;
#ifdef _OPENMP
    const int64_t n = 300, d = 64;
    float *X = run_data(n, d);
    mg_tc_train_params p = mg_tc_train_params_default();
    p.base.hidden = 48;
    p.base.steps = 6;
    p.base.optim = MG_OPTIM_ADAM;
    p.base.batch_mode = MG_BATCH_SHUFFLE;
    p.base.batch = 128;
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    mg_tcdae *a = train_run(&p, X, n, d, 0, NULL);
    omp_set_num_threads(2);
    mg_tcdae *b = train_run(&p, X, n, d, 0, NULL);
    omp_set_num_threads(saved);
    assert_same_bits(a, b, "1 vs 2 threads");
    mg_tcdae_free(a);
    mg_tcdae_free(b);
    free(X);
#else
    skip();
#endif
}

/* ---- files and the model at one sigma ------------------------------------------------ */

/* Save/load keeps every bit, the tensors carry the state_dict names and
 * shapes, a 0-dimensional skip loads, a DAE file is not taken for one. */
static void test_save_load(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "tc.safetensors");
    mg_tcdae *m = random_model(9, 5, 1, 1);
    mg_tcdae_set_sigma_range(m, 0.02, 2.0);
    tu_assert_ok(mg_tcdae_set_meta(m, "note", "x"));
    assert_int_equal(mg_tcdae_set_meta(m, "d", "3"), MG_ERR_ARG);
    tu_assert_ok(mg_tcdae_save(m, path));
    mg_st *st = NULL;
    tu_assert_ok(mg_st_read(path, &st));
    const char *names[6] = {"encoder.weight", "time_mlp.0.weight", "time_mlp.0.bias", "time_mlp.2.weight",
                            "time_mlp.2.bias", "skip"};
    const int64_t shapes[6][2] = {{5, 9}, {5, 1}, {5, 0}, {5, 5}, {5, 0}, {1, 0}};
    for (int b = 0; b < 6; b++) {
        const mg_array *a = mg_st_get(st, names[b]);
        assert_non_null(a);
        assert_int_equal(a->shape[0], shapes[b][0]);
        if (shapes[b][1]) assert_int_equal(a->shape[1], shapes[b][1]);
        else assert_int_equal(a->ndim, 1);
    }
    assert_string_equal(mg_st_meta(st, "memgen.kind"), "tc_dae");
    assert_true(mg_tcdae_st_is(st, ""));
    mg_tcdae *back = NULL;
    tu_assert_ok(mg_tcdae_load(path, &back));
    assert_same_bits(m, back, "save/load");
    double lo, hi;
    mg_tcdae_sigma_range(back, &lo, &hi);
    assert_true(lo == 0.02 && hi == 2.0);
    assert_string_equal(mg_tcdae_meta(back, "note"), "x");
    mg_tcdae_free(back);
    /* a PyTorch state_dict with a 0-dimensional skip and no metadata */
    mg_st *raw = mg_st_new();
    for (int b = 0; b < 6; b++) tu_assert_ok(mg_st_add(raw, names[b], mg_st_get(st, names[b])));
    mg_array s0;
    tu_assert_ok(mg_array_alloc(&s0, MG_F32, 0, NULL));
    ((float *)s0.data)[0] = mg_tcdae_cparts_of(m).skip[0];
    tu_assert_ok(mg_st_add(raw, "skip", &s0)); /* replaces the (1,) one */
    mg_array_free(&s0);
    tu_assert_ok(mg_st_write(raw, path));
    tu_assert_ok(mg_tcdae_load(path, &back));
    assert_same_bits(m, back, "0-dimensional skip");
    mg_tcdae_free(back);
    mg_st_free(raw);
    mg_st_free(st);
    /* a DAE file is not a time-conditioned model, and the other way round */
    mg_dae *dae = NULL;
    tu_assert_ok(mg_dae_create(9, 5, 1, 0, &dae));
    tu_assert_ok(mg_dae_save(dae, path));
    assert_int_not_equal(mg_tcdae_load(path, &back), MG_OK);
    mg_dae_free(dae);
    tu_assert_ok(mg_tcdae_save(m, path));
    assert_int_not_equal(mg_dae_load(path, &dae), MG_OK);
    mg_tcdae_free(m);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* The model at one sigma as a DAE with skip: forward and representation
 * equal the model's (gated and ungated), and the skip survives a DAE file. */
static void test_as_dae(void **state) {
    (void)state;
    const int64_t d = 20, p = 12, n = 9;
    mg_tcdae *m = random_model(d, p, 4, 1);
    float *X = malloc((size_t)(n * d) * sizeof(float)), *Y = malloc((size_t)(n * d) * sizeof(float));
    float *Y2 = malloc((size_t)(n * d) * sizeof(float));
    float *H = malloc((size_t)(n * p) * sizeof(float)), *H2 = malloc((size_t)(n * p) * sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 8);
    mg_rng_normal(&r, X, (size_t)(n * d));
    const double sigma = 0.3;
    tu_assert_ok(mg_tcdae_forward(m, (mg_mat){n, d, d, X}, sigma, (mg_mat){n, d, d, Y}));
    for (int rep = 0; rep < MG_TC_REP_COUNT; rep++) {
        mg_dae *dae = NULL;
        tu_assert_ok(mg_tcdae_to_dae(m, sigma, (mg_tc_rep)rep, &dae));
        assert_true(mg_dae_skip(dae) == mg_tcdae_cparts_of(m).skip[0]);
        tu_assert_ok(mg_dae_forward(dae, (mg_mat){n, d, d, X}, (mg_mat){n, p, p, H2}, (mg_mat){n, d, d, Y2}));
        tu_assert_close_f(Y2, Y, n * d, 1e-5, 1e-5, "DAE at sigma vs the model");
        tu_assert_ok(mg_tcdae_encode(m, (mg_mat){n, d, d, X}, sigma, (mg_tc_rep)rep, (mg_mat){n, p, p, H}));
        tu_assert_close_f(H2, H, n * p, 1e-5, 1e-5, rep ? "ungated representation" : "gated representation");
        if (rep == MG_TC_GATED) { /* gated = ungated .* g */
            float g[12], Hu[12 * 9];
            tu_assert_ok(mg_tcdae_gate(m, sigma, g));
            tu_assert_ok(mg_tcdae_encode(m, (mg_mat){n, d, d, X}, sigma, MG_TC_UNGATED, (mg_mat){n, p, p, Hu}));
            for (int64_t i = 0; i < n * p; i++) assert_true(H[i] == Hu[i] * g[i % p]);
        }
        char *dir = tu_mkdtemp(), *path = tu_path(dir, "dae.safetensors");
        tu_assert_ok(mg_dae_save(dae, path));
        mg_dae *back = NULL;
        tu_assert_ok(mg_dae_load(path, &back));
        assert_true(mg_dae_skip(back) == mg_dae_skip(dae));
        mg_dae_free(back);
        free(path);
        tu_rmtree(dir);
        free(dir);
        mg_dae_free(dae);
    }
    /* the gates start at 1 with the authors' init */
    mg_tcdae *m0 = random_model(d, p, 4, 0);
    float g[12];
    tu_assert_ok(mg_tcdae_gate(m0, 1.7, g));
    for (int64_t j = 0; j < p; j++) assert_true(g[j] == 1.0f);
    mg_tcdae_free(m0);
    free(X), free(Y), free(Y2), free(H), free(H2);
    mg_tcdae_free(m);
}

/* The Jacobian at (x, sigma) through the DAE with skip: dense J equals
 * s I + W^T diag(g .* [W x > 0]) W from the model's own parameters and
 * central differences of mg_tcdae_forward; the singular values of the QR
 * route (thin: 2|S| <= d, and dense: 2|S| > d) equal LAPACK's on dense J;
 * trace and subspace share agree with dense J. */
static void test_jacobian(void **state) {
    (void)state;
    const int64_t dims[2][2] = {{30, 8}, {7, 12}}; /* thin route; 2|S| > d */
    for (int c = 0; c < 2; c++) {
        const int64_t d = dims[c][0], p = dims[c][1];
        mg_tcdae *m = random_model(d, p, 6 + (uint64_t)c, 1);
        const mg_tcdae_cparts v = mg_tcdae_cparts_of(m);
        float *x = malloc((size_t)d * sizeof(float)), g[12];
        mg_rng r;
        mg_rng_init(&r, 13);
        mg_rng_normal(&r, x, (size_t)d);
        const double sigma = 0.4;
        tu_assert_ok(mg_tcdae_gate(m, sigma, g));
        double *J = malloc((size_t)(d * d) * sizeof(double)), *Jr = malloc((size_t)(d * d) * sizeof(double));
        double *Jc = malloc((size_t)(d * d) * sizeof(double));
        for (int64_t a = 0; a < d; a++)
            for (int64_t b = 0; b < d; b++) {
                double acc = a == b ? v.skip[0] : 0.0;
                for (int64_t j = 0; j < p; j++) {
                    double pre = 0;
                    for (int64_t k = 0; k < d; k++) pre += (double)v.W[j * d + k] * x[k];
                    if (pre > 0) acc += (double)v.W[j * d + a] * g[j] * v.W[j * d + b];
                }
                Jr[a * d + b] = acc;
            }
        for (int rep = 0; rep < MG_TC_REP_COUNT; rep++) {
            mg_dae *dae = NULL;
            tu_assert_ok(mg_tcdae_to_dae(m, sigma, (mg_tc_rep)rep, &dae));
            tu_assert_ok(mg_jacobian_dense(dae, x, J));
            tu_assert_close_d(J, Jr, d * d, 1e-5, 1e-5, "J = s I + W^T diag(g mask) W");
            /* singular values: QR route vs dgesdd on dense J */
            double *sv = malloc((size_t)d * sizeof(double)), *ref = malloc((size_t)d * sizeof(double));
            double *u1 = malloc((size_t)d * sizeof(double));
            int64_t rr;
            tu_assert_ok(mg_jacobian_svd(dae, x, sv, &rr, u1));
            assert_int_equal(rr, d);
            memcpy(Jc, J, (size_t)(d * d) * sizeof(double));
            assert_int_equal(LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', (lapack_int)d, (lapack_int)d, Jc, (lapack_int)d, ref,
                                            NULL, (lapack_int)d, NULL, (lapack_int)d),
                             0);
            tu_assert_close_d(sv, ref, d, 1e-9, 1e-9, c ? "singular values (dense route)" : "singular values (thin)");
            /* |J^T u1| = sv1 for the top left singular vector */
            double n2 = 0;
            for (int64_t b = 0; b < d; b++) {
                double t = 0;
                for (int64_t a = 0; a < d; a++) t += J[a * d + b] * u1[a];
                n2 += t * t;
            }
            assert_true(fabs(sqrt(n2) - sv[0]) <= 1e-9 * sv[0]);
            /* trace and subspace share */
            double tr, trd = 0;
            for (int64_t a = 0; a < d; a++) trd += J[a * d + a];
            tu_assert_ok(mg_jacobian_trace(dae, (mg_mat){1, d, d, x}, &tr));
            assert_true(fabs(tr - trd) <= 1e-5 * fabs(trd) + 1e-6);
            const int64_t q = 2;
            double *U = calloc((size_t)(d * q), sizeof(double)), share, in = 0, all = 0;
            U[0 * q + 0] = 1.0, U[1 * q + 1] = 1.0; /* span(e0, e1) */
            tu_assert_ok(mg_jacobian_subspace_share(dae, x, U, q, &share));
            for (int64_t a = 0; a < d; a++)
                for (int64_t b = 0; b < d; b++) {
                    all += J[a * d + b] * J[a * d + b];
                    if (a < 2) in += J[a * d + b] * J[a * d + b];
                }
            assert_true(fabs(share - in / all) <= 1e-9);
            free(U), free(sv), free(ref), free(u1);
            mg_dae_free(dae);
        }
        /* central differences of the model itself (float: coarse) */
        float *xp = malloc((size_t)d * sizeof(float)), *yp = malloc((size_t)d * sizeof(float));
        float *ym = malloc((size_t)d * sizeof(float));
        double hk = 1e-2; /* a step that crosses no kink: |pre_j| > h max_k |w_jk| for every unit */
        for (int64_t j = 0; j < p; j++) {
            double pre = 0, wmax = 0;
            for (int64_t k = 0; k < d; k++) {
                pre += (double)v.W[j * d + k] * x[k];
                wmax = fmax(wmax, fabs(v.W[j * d + k]));
            }
            hk = fmin(hk, 0.5 * fabs(pre) / wmax);
        }
        assert_true(hk > 1e-4);
        const float h = (float)hk;
        for (int64_t b = 0; b < d; b++) {
            memcpy(xp, x, (size_t)d * sizeof(float));
            xp[b] = x[b] + h;
            tu_assert_ok(mg_tcdae_forward(m, (mg_mat){1, d, d, xp}, sigma, (mg_mat){1, d, d, yp}));
            xp[b] = x[b] - h;
            tu_assert_ok(mg_tcdae_forward(m, (mg_mat){1, d, d, xp}, sigma, (mg_mat){1, d, d, ym}));
            for (int64_t a = 0; a < d; a++) Jc[a * d + b] = ((double)yp[a] - ym[a]) / (2.0 * h);
        }
        tu_assert_close_d(Jc, Jr, d * d, 2e-5 / hk, 2e-3, "J vs central differences of f");
        free(xp), free(yp), free(ym), free(J), free(Jr), free(Jc), free(x);
        mg_tcdae_free(m);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_fd),       cmocka_unit_test(test_torch_reference),
        cmocka_unit_test(test_resume_bit_identical), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_save_load),         cmocka_unit_test(test_as_dae),
        cmocka_unit_test(test_jacobian),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
