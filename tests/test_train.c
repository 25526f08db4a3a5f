/*
 * Tests of the training engine: 100 steps of every optimizer and loss
 * convention against PyTorch (fixture from dev/torch_train_reference.py),
 * gradients against central finite differences in double and against a
 * naive loop, the deterministic GEMM, the Eq. 6 lambda mapping (derived and
 * checked numerically), parameter validation, batch sampling, determinism
 * over thread counts, the fused small-batch step, NaN handling, interruption
 * and in-process resume.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <cblas.h>

#include "testutil.h"
#include "memgen/fileio.h"
#include "memgen/safetensors.h"
#include "memgen/blas.h"
#include "memgen/train.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Fills a buffer with N(0, scale^2) from a seeded generator. */
static void randn(float *x, size_t n, uint64_t seed, float scale) {
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_rng_normal(&r, x, n);
    for (size_t i = 0; i < n; i++) x[i] *= scale;
}

/* A model with random weights (and biases) for gradient tests. */
static mg_dae *random_model(int64_t d, int64_t p, int tied, int bias, uint64_t seed) {
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(d, p, tied, bias, &m));
    int64_t n;
    float *w = mg_dae_params(m, &n);
    randn(w, (size_t)n, seed, 0.5f);
    return m;
}

/* Naive double-precision loss c*D + lambda*P of a model on (Xn, X0). */
static double naive_loss(const mg_dae *m, const float *Xn, const float *X0, int64_t B, double c, double lambda,
                         const double *w /* flat params in double */) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), dp = d * p;
    int tied = mg_dae_is_tied(m), bias = mg_dae_has_bias(m);
    const double *W1 = w, *W2 = tied ? w : w + dp;
    const double *b1 = bias ? w + dp * (tied ? 1 : 2) : NULL, *b2 = bias ? b1 + p : NULL;
    double D = 0;
    double *h = malloc((size_t)p * sizeof(double));
    for (int64_t i = 0; i < B; i++) {
        for (int64_t j = 0; j < p; j++) {
            double a = bias ? b1[j] : 0;
            for (int64_t k = 0; k < d; k++) a += (double)Xn[i * d + k] * W1[k * p + j];
            h[j] = a > 0 ? a : 0;
        }
        for (int64_t k = 0; k < d; k++) {
            double y = bias ? b2[k] : 0;
            for (int64_t j = 0; j < p; j++) y += h[j] * W2[k * p + j];
            double r = y - X0[i * d + k];
            D += r * r;
        }
    }
    free(h);
    D /= (double)B;
    double P = 0;
    for (int64_t i = 0; i < dp; i++) P += W1[i] * W1[i];
    P = tied ? 2 * P : P;
    if (!tied)
        for (int64_t i = 0; i < dp; i++) P += W2[i] * W2[i];
    return c * D + lambda * P;
}

/* Minimum |pre-activation| over the batch (distance to the ReLU kink). */
static double min_preact(const mg_dae *m, const float *Xn, int64_t B, const double *w) {
    int64_t d = mg_dae_dim(m), p = mg_dae_hidden(m), dp = d * p;
    const double *b1 = mg_dae_has_bias(m) ? w + dp * (mg_dae_is_tied(m) ? 1 : 2) : NULL;
    double mn = INFINITY;
    for (int64_t i = 0; i < B; i++)
        for (int64_t j = 0; j < p; j++) {
            double a = b1 ? b1[j] : 0;
            for (int64_t k = 0; k < d; k++) a += (double)Xn[i * d + k] * w[k * p + j];
            if (fabs(a) < mn) mn = fabs(a);
        }
    return mn;
}

/* ---- PyTorch reference ----------------------------------------------------------- */

/* Metadata value "<cfg>.<key>" of the fixture. */
static const char *cfg_meta(const mg_st *st, const char *cfg, const char *key) {
    char k[256];
    snprintf(k, sizeof k, "%s.%s", cfg, key);
    const char *v = mg_st_meta(st, k);
    if (!v) fail_msg("fixture lacks metadata %s", k);
    return v;
}

/* Tensor of the fixture as float (converted from any float dtype). */
static float *fixture_f32(const mg_st *st, const char *name, int64_t *count) {
    const mg_array *a = mg_st_get(st, name);
    if (!a) fail_msg("fixture lacks tensor %s", name);
    mg_array f;
    tu_assert_ok(mg_array_to_f32(a, &f));
    if (count) *count = mg_array_numel(&f);
    return f.data;
}

/* Replays every PyTorch configuration through mg_trainer_step with the
 * fixture's noise and batches. */
static void test_torch_reference(void **state) {
    (void)state;
    mg_st *st = NULL;
    tu_assert_ok(mg_st_read(tu_fixture("train/torch_ref.safetensors"), &st));
    const mg_array *xa = mg_st_get(st, "X");
    assert_non_null(xa);
    const int64_t n = xa->shape[0], d = xa->shape[1];
    const mg_array *w1a = mg_st_get(st, "W1_init");
    assert_non_null(w1a);
    const int64_t p = w1a->shape[1];
    const mg_array *na = mg_st_get(st, "noise");
    assert_non_null(na);
    const int64_t steps = na->shape[0];
    float *X = fixture_f32(st, "X", NULL), *W1 = fixture_f32(st, "W1_init", NULL), *W2 = fixture_f32(st, "W2_init", NULL);
    float *b1 = fixture_f32(st, "b1_init", NULL), *b2 = fixture_f32(st, "b2_init", NULL);
    float *noise = fixture_f32(st, "noise", NULL);
    const mg_array *ia = mg_st_get(st, "batch_idx");
    assert_non_null(ia);
    assert_int_equal(ia->dtype, MG_I64);
    const int64_t *idx = ia->data;
    const int64_t ib = ia->shape[1];
    double sigma = atof(mg_st_meta(st, "sigma"));
    char *cfgs = strdup(mg_st_meta(st, "configs"));
    int ncfg = 0;
    for (char *save = NULL, *cfg = strtok_r(cfgs, ",", &save); cfg; cfg = strtok_r(NULL, ",", &save), ncfg++) {
        mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
        tu_assert_ok(mg_optim_parse(cfg_meta(st, cfg, "optim"), &tp.optim));
        tu_assert_ok(mg_loss_parse(cfg_meta(st, cfg, "loss"), &tp.loss));
        const char *lr = cfg_meta(st, cfg, "lr"), *wd = cfg_meta(st, cfg, "wd");
        tp.lr = strcmp(lr, "default") ? atof(lr) : NAN;
        tp.weight_decay = strcmp(wd, "default") ? atof(wd) : NAN;
        tp.momentum = atof(cfg_meta(st, cfg, "momentum"));
        tp.dampening = atof(cfg_meta(st, cfg, "dampening"));
        tp.nesterov = atoi(cfg_meta(st, cfg, "nesterov"));
        tp.centered = atoi(cfg_meta(st, cfg, "centered"));
        tp.lambda = atof(cfg_meta(st, cfg, "lambda"));
        tp.tied = atoi(cfg_meta(st, cfg, "tied"));
        tp.bias = atoi(cfg_meta(st, cfg, "bias"));
        int64_t batch = atoll(cfg_meta(st, cfg, "batch"));
        tp.batch_mode = batch ? MG_BATCH_SHUFFLE : MG_BATCH_FULL;
        tp.batch = batch;
        tp.hidden = p;
        tp.sigma = sigma;
        tp.steps = steps;
        mg_dae *m = NULL;
        tu_assert_ok(mg_dae_create(d, p, tp.tied, tp.bias, &m));
        memcpy(mg_dae_w1(m), W1, (size_t)(d * p) * sizeof(float));
        if (!tp.tied) memcpy(mg_dae_w2(m), W2, (size_t)(d * p) * sizeof(float));
        if (tp.bias) {
            memcpy(mg_dae_b1(m), b1, (size_t)p * sizeof(float));
            memcpy(mg_dae_b2(m), b2, (size_t)d * sizeof(float));
        }
        mg_rng rng;
        mg_rng_init(&rng, 0);
        mg_trainer *tr = NULL;
        tu_assert_ok(mg_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &rng, &tr));
        int64_t B = mg_trainer_batch_rows(tr);
        char what[256];
        char name[256];
        snprintf(name, sizeof name, "%s.loss", cfg);
        int64_t nl;
        float *ref_loss = fixture_f32(st, name, &nl);
        assert_int_equal(nl, steps);
        float *loss = malloc((size_t)steps * sizeof(float));
        for (int64_t t = 0; t < steps; t++) {
            mg_train_progress pr;
            tu_assert_ok(mg_trainer_step(tr, batch ? idx + t * ib : NULL, noise + t * n * d, &pr));
            loss[t] = (float)pr.loss;
            if (t == 0) {
                snprintf(name, sizeof name, "%s.step1", cfg);
                int64_t np;
                float *ref = fixture_f32(st, name, &np);
                assert_int_equal(np, mg_dae_param_count(m));
                snprintf(what, sizeof what, "%s after 1 step", cfg);
                tu_assert_close_f(mg_dae_params(m, NULL), ref, np, 2e-6, 2e-5, what);
                free(ref);
            }
        }
        assert_int_equal(B, batch ? batch : n);
        snprintf(what, sizeof what, "%s loss per step", cfg);
        tu_assert_close_f(loss, ref_loss, steps, 1e-6, 1e-5, what);
        snprintf(name, sizeof name, "%s.final", cfg);
        int64_t np;
        float *ref = fixture_f32(st, name, &np);
        snprintf(what, sizeof what, "%s after %lld steps", cfg, (long long)steps);
        tu_assert_close_f(mg_dae_params(m, NULL), ref, np, 2e-6, 2e-5, what);
        /* how close, for the record */
        double maxd = 0;
        for (int64_t i = 0; i < np; i++) maxd = fmax(maxd, fabs(mg_dae_params(m, NULL)[i] - ref[i]));
        printf("  %-44s max |memgen - torch| after %lld steps: %.2e\n", cfg, (long long)steps, maxd);
        free(ref);
        free(loss);
        free(ref_loss);
        mg_trainer_free(tr);
        mg_dae_free(m);
    }
    assert_int_equal(ncfg, 10);
    free(cfgs);
    free(X);
    free(W1);
    free(W2);
    free(b1);
    free(b2);
    free(noise);
    mg_st_free(st);
}

/* ---- gradients ------------------------------------------------------------------- */

/* Central finite differences in double of the naive loss vs the analytic
 * gradient, for every structure, both scalings, with lambda. Parameters
 * whose perturbation could cross a ReLU kink are ruled out by choosing the
 * step well below the smallest |pre-activation|. */
static void test_grad_finite_differences(void **state) {
    (void)state;
    const int64_t B = 6, d = 7, p = 4;
    int checked_total = 0;
    for (int cfg = 0; cfg < 8; cfg++) {
        int tied = cfg & 1, bias = (cfg >> 1) & 1, torchc = (cfg >> 2) & 1;
        double c = torchc ? 1.0 / (double)d : 1.0, lambda = 0.03;
        mg_dae *m = random_model(d, p, tied, bias, 100 + (uint64_t)cfg);
        float Xn[6 * 7], X0[6 * 7];
        randn(X0, (size_t)(B * d), 7 + (uint64_t)cfg, 1.0f);
        randn(Xn, (size_t)(B * d), 9 + (uint64_t)cfg, 1.0f);
        for (int64_t i = 0; i < B * d; i++) Xn[i] += X0[i];
        int64_t np = mg_dae_param_count(m);
        float *g = malloc((size_t)np * sizeof(float));
        float *ws = malloc(mg_train_ws_floats(B, d, p) * sizeof(float));
        double D;
        tu_assert_ok(mg_train_loss_grad(m, (mg_mat){B, d, d, Xn}, (mg_mat){B, d, d, X0}, c, lambda, g, ws, &D));
        double *w = malloc((size_t)np * sizeof(double));
        for (int64_t i = 0; i < np; i++) w[i] = mg_dae_params(m, NULL)[i];
        /* the data loss returned matches the naive one */
        double Dn = naive_loss(m, Xn, X0, B, 1.0, 0.0, w);
        assert_true(fabs(D - Dn) <= 1e-5 * fabs(Dn));
        double kink = min_preact(m, Xn, B, w);
        assert_true(kink > 1e-4); /* the chosen seeds stay away from kinks */
        double h = kink * 1e-3;
        double *fd = malloc((size_t)np * sizeof(double)), *gd = malloc((size_t)np * sizeof(double));
        for (int64_t i = 0; i < np; i++) {
            double w0 = w[i];
            /* the largest input entry bounds how far a pre-activation moves */
            w[i] = w0 + h;
            double lp = naive_loss(m, Xn, X0, B, c, lambda, w);
            w[i] = w0 - h;
            double lm = naive_loss(m, Xn, X0, B, c, lambda, w);
            w[i] = w0;
            fd[i] = (lp - lm) / (2 * h);
            gd[i] = g[i];
        }
        char what[64];
        snprintf(what, sizeof what, "grad tied=%d bias=%d torch=%d", tied, bias, torchc);
        double scale = 0;
        for (int64_t i = 0; i < np; i++) scale = fmax(scale, fabs(fd[i]));
        tu_assert_close_d(gd, fd, np, 1e-5 * scale, 1e-4, what);
        checked_total += (int)np;
        free(fd);
        free(gd);
        free(w);
        free(g);
        free(ws);
        mg_dae_free(m);
    }
    assert_true(checked_total > 200);
}

/* The gradient equals a naive loop (in double): with B = 300 through the
 * tiled path (several batch and weight tiles, inputs outside the
 * workspace: two weight-gradient products), with B = 5,
 * B = 32 (on threads) and B = 7 through the small-batch streaming path
 * (several row chunks; d = 203, p = 17: a partial last block of W and an
 * overlapping last column window). */
static void test_grad_vs_naive_loop(void **state) {
    (void)state;
    for (int cfg = 0; cfg < 16; cfg++) {
        int tied = cfg & 1, bias = (cfg >> 1) & 1;
        const int64_t B = cfg < 4 ? 300 : cfg < 8 ? 5 : cfg < 12 ? 32 : 7, p = cfg < 8 ? 40 : cfg < 12 ? 48 : 17;
        const int64_t d = cfg < 12 ? 200 : 203;
        mg_dae *m = random_model(d, p, tied, bias, 55 + (uint64_t)cfg);
        float *w = mg_dae_params(m, NULL);
        for (int64_t i = 0; i < mg_dae_param_count(m); i++) w[i] *= 0.2f;
        float *Xn = malloc((size_t)(B * d) * sizeof(float)), *X0 = malloc((size_t)(B * d) * sizeof(float));
        randn(X0, (size_t)(B * d), 1, 1.0f);
        randn(Xn, (size_t)(B * d), 2, 0.3f);
        for (int64_t i = 0; i < B * d; i++) Xn[i] += X0[i];
        int64_t np = mg_dae_param_count(m), dp = d * p;
        float *g = malloc((size_t)np * sizeof(float));
        float *ws = malloc(mg_train_ws_floats(B, d, p) * sizeof(float));
        double D;
        const double lambda = 0.01, c = 1.0;
        tu_assert_ok(mg_train_loss_grad(m, (mg_mat){B, d, d, Xn}, (mg_mat){B, d, d, X0}, c, lambda, g, ws, &D));
        /* naive reference */
        const float *W1 = mg_dae_w1(m), *W2 = mg_dae_w2(m), *b1 = mg_dae_b1(m), *b2 = mg_dae_b2(m);
        double *H = calloc((size_t)(B * p), sizeof(double)), *R = calloc((size_t)(B * d), sizeof(double));
        double *ref = calloc((size_t)np, sizeof(double)), Dref = 0;
        double *gW1 = ref, *gW2 = tied ? ref : ref + dp, *gb1 = bias ? ref + dp * (tied ? 1 : 2) : NULL;
        double *gb2 = bias ? gb1 + p : NULL;
        double s = 2.0 * c / (double)B;
        for (int64_t i = 0; i < B; i++) {
            for (int64_t j = 0; j < p; j++) {
                double a = bias ? b1[j] : 0;
                for (int64_t k = 0; k < d; k++) a += (double)Xn[i * d + k] * W1[k * p + j];
                H[i * p + j] = a > 0 ? a : 0;
            }
            for (int64_t k = 0; k < d; k++) {
                double y = bias ? b2[k] : 0;
                for (int64_t j = 0; j < p; j++) y += H[i * p + j] * W2[k * p + j];
                R[i * d + k] = y - X0[i * d + k];
                Dref += R[i * d + k] * R[i * d + k];
            }
        }
        Dref /= (double)B;
        for (int64_t i = 0; i < B; i++)
            for (int64_t j = 0; j < p; j++) {
                double dh = 0;
                for (int64_t k = 0; k < d; k++) {
                    gW2[k * p + j] += s * R[i * d + k] * H[i * p + j];
                    dh += s * R[i * d + k] * W2[k * p + j];
                }
                if (!(H[i * p + j] > 0)) dh = 0;
                for (int64_t k = 0; k < d; k++) gW1[k * p + j] += (double)Xn[i * d + k] * dh;
                if (bias) gb1[j] += dh;
            }
        if (bias)
            for (int64_t i = 0; i < B; i++)
                for (int64_t k = 0; k < d; k++) gb2[k] += s * R[i * d + k];
        for (int64_t i = 0; i < dp; i++) gW1[i] += (tied ? 4 : 2) * lambda * W1[i];
        if (!tied)
            for (int64_t i = 0; i < dp; i++) gW2[i] += 2 * lambda * W2[i];
        double *gd = malloc((size_t)np * sizeof(double));
        double scale = 0;
        for (int64_t i = 0; i < np; i++) {
            gd[i] = g[i];
            scale = fmax(scale, fabs(ref[i]));
        }
        assert_true(fabs(D - Dref) <= 1e-5 * Dref);
        tu_assert_close_d(gd, ref, np, 1e-5 * scale, 1e-4, "gradient vs naive loop");
        /* H is left in the workspace */
        for (int64_t i = 0; i < B * p; i++) assert_true(fabs(ws[i] - H[i]) <= 1e-4 * (1 + fabs(H[i])));
        free(gd);
        free(H);
        free(R);
        free(ref);
        free(g);
        free(ws);
        free(Xn);
        free(X0);
        mg_dae_free(m);
    }
}

/* ---- lambda mapping ----------------------------------------------------------------- */

/* The table of train.h, and NaN where no mapping exists. */
static void test_effective_lambda_table(void **state) {
    (void)state;
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 10;
    p.optim = MG_OPTIM_RMSPROP;
    p.weight_decay = 1e-2;
    p.loss = MG_LOSS_TORCH;
    p.tied = 0;
    assert_true(fabs(mg_train_effective_lambda(&p, 1000) - 5.0) < 1e-12); /* d wd / 2 */
    p.tied = 1;
    assert_true(fabs(mg_train_effective_lambda(&p, 1000) - 2.5) < 1e-12); /* d wd / 4 */
    p.loss = MG_LOSS_EQ6;
    p.weight_decay = 0;
    p.lambda = 0.125;
    assert_true(mg_train_effective_lambda(&p, 1000) == 0.125);
    p.weight_decay = 0.5; /* lambda + wd/4 */
    assert_true(fabs(mg_train_effective_lambda(&p, 1000) - 0.25) < 1e-12);
    p.optim = MG_OPTIM_ADAMW;
    assert_true(isnan(mg_train_effective_lambda(&p, 1000)));
    p.weight_decay = NAN; /* AdamW's default 1e-2 */
    assert_true(isnan(mg_train_effective_lambda(&p, 1000)));
    p.weight_decay = 0;
    assert_true(mg_train_effective_lambda(&p, 1000) == 0.125);
    p.optim = MG_OPTIM_SGD;
    p.bias = 1;
    p.weight_decay = 1e-3;
    assert_true(isnan(mg_train_effective_lambda(&p, 1000)));
    /* resolved defaults */
    mg_train_params q = MG_TRAIN_PARAMS_DEFAULT;
    q.optim = MG_OPTIM_ADAM;
    assert_true(mg_train_resolved_lr(&q) == 1e-3 && mg_train_resolved_wd(&q) == 0);
    q.optim = MG_OPTIM_RMSPROP;
    assert_true(mg_train_resolved_lr(&q) == 1e-2);
    q.optim = MG_OPTIM_ADAMW;
    assert_true(mg_train_resolved_wd(&q) == 1e-2);
    q.optim = MG_OPTIM_SGD;
    assert_true(isnan(mg_train_resolved_lr(&q)));
}

/* The mapping is exact: the torch-convention gradient with coupled weight
 * decay wd, times d, equals the Eq. 6 gradient with lambda_eff, tied and
 * untied. */
static void test_effective_lambda_gradients(void **state) {
    (void)state;
    const int64_t B = 9, d = 11, p = 6;
    for (int tied = 0; tied < 2; tied++) {
        mg_dae *m = random_model(d, p, tied, 0, 31 + (uint64_t)tied);
        float Xn[9 * 11], X0[9 * 11];
        randn(X0, (size_t)(B * d), 3, 1.0f);
        randn(Xn, (size_t)(B * d), 4, 1.0f);
        mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
        tp.hidden = p;
        tp.tied = tied;
        tp.optim = MG_OPTIM_ADAM;
        tp.loss = MG_LOSS_TORCH;
        tp.weight_decay = 0.02;
        double lam = mg_train_effective_lambda(&tp, d);
        int64_t np = mg_dae_param_count(m);
        float *gt = malloc((size_t)np * sizeof(float)), *ge = malloc((size_t)np * sizeof(float));
        float *ws = malloc(mg_train_ws_floats(B, d, p) * sizeof(float));
        double D;
        tu_assert_ok(mg_train_loss_grad(m, (mg_mat){B, d, d, Xn}, (mg_mat){B, d, d, X0}, 1.0 / d, 0, gt, ws, &D));
        tu_assert_ok(mg_train_loss_grad(m, (mg_mat){B, d, d, Xn}, (mg_mat){B, d, d, X0}, 1.0, lam, ge, ws, &D));
        const float *w = mg_dae_params(m, NULL);
        for (int64_t i = 0; i < np; i++) gt[i] = (float)(((double)gt[i] + tp.weight_decay * w[i]) * d);
        tu_assert_close_f(gt, ge, np, 1e-5, 1e-4, tied ? "tied mapping" : "untied mapping");
        free(gt);
        free(ge);
        free(ws);
        mg_dae_free(m);
    }
}

/* ---- parameters, sampling, determinism ------------------------------------------------ */

/* Bad hyper-parameters give MG_ERR_ARG with a message. */
static void test_params_check(void **state) {
    (void)state;
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 4;
    p.batch = 8;
    tu_assert_ok(mg_train_params_check(&p, 16, 3));
    mg_train_params q = p;
    q.hidden = 0;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.optim = MG_OPTIM_SGD; /* no default lr */
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "learning rate"));
    q.lr = 0.1;
    tu_assert_ok(mg_train_params_check(&q, 16, 3));
    q.nesterov = 1; /* needs momentum */
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.batch = 17;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "exceeds"));
    q.batch_mode = MG_BATCH_REPLACE;
    tu_assert_ok(mg_train_params_check(&q, 16, 3));
    q = p;
    q.sigma = -1;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.lr = -1e-3;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.beta2 = 1.0;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.weight_decay = -1.0;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    q = p;
    q.batch_mode = MG_BATCH_REPLACE;
    q.batch = (int64_t)1 << 40;
    assert_int_equal(mg_train_params_check(&q, 16, 3), MG_ERR_ARG);
    mg_optim_kind k;
    assert_int_equal(mg_optim_parse("adagrad", &k), MG_ERR_ARG);
    tu_assert_ok(mg_optim_parse("adamw", &k));
    assert_int_equal(k, MG_OPTIM_ADAMW);
    assert_string_equal(mg_optim_name(MG_OPTIM_RMSPROP), "rmsprop");
    /* a model that does not match the parameters */
    mg_dae *m = NULL;
    tu_assert_ok(mg_dae_create(3, 5, 1, 0, &m));
    float X[16 * 3] = {0};
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_trainer *tr = NULL;
    assert_int_equal(mg_trainer_create(&p, m, (mg_mat){16, 3, 3, X}, &r, &tr), MG_ERR_SHAPE);
    assert_null(tr);
    mg_dae_free(m);
}

/* Without replacement every row appears once per epoch; with replacement
 * indices are in range; the order depends on the seed only. */
static void test_batch_sampling(void **state) {
    (void)state;
    const int64_t n = 24, d = 3, B = 6;
    float X[24 * 3];
    randn(X, sizeof X / sizeof *X, 5, 1.0f);
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 2;
    p.batch = B;
    p.optim = MG_OPTIM_SGD;
    p.lr = 1e-3;
    mg_rng r;
    mg_rng_init(&r, 77);
    mg_dae *m = NULL;
    tu_assert_ok(mg_train_init_model(&p, d, &r, &m));
    mg_trainer *tr = NULL;
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    int64_t first[6];
    for (int epoch = 0; epoch < 3; epoch++) {
        int count[24] = {0};
        for (int s = 0; s < n / B; s++) {
            tu_assert_ok(mg_trainer_step(tr, NULL, NULL, NULL));
            const int64_t *rows = mg_trainer_batch_indices(tr);
            if (epoch == 0 && s == 0) memcpy(first, rows, sizeof first);
            for (int64_t i = 0; i < B; i++) count[rows[i]]++;
        }
        for (int64_t i = 0; i < n; i++) assert_int_equal(count[i], 1);
    }
    int identity = 1;
    for (int i = 0; i < 6; i++) identity &= first[i] == i;
    assert_false(identity); /* shuffled */
    mg_trainer_free(tr);
    p.batch_mode = MG_BATCH_REPLACE;
    p.batch = 50; /* more than n is fine with replacement */
    mg_dae_free(m);
    m = NULL;
    tu_assert_ok(mg_train_init_model(&p, d, &r, &m));
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    int seen[24] = {0}, dup = 0;
    tu_assert_ok(mg_trainer_step(tr, NULL, NULL, NULL));
    for (int64_t i = 0; i < 50; i++) {
        int64_t v = mg_trainer_batch_indices(tr)[i];
        assert_true(v >= 0 && v < n);
        dup += seen[v]++ > 0;
    }
    assert_true(dup > 0);
    /* explicit rows out of range are refused */
    int64_t bad[50] = {0};
    bad[3] = n;
    assert_int_equal(mg_trainer_step(tr, bad, NULL, NULL), MG_ERR_ARG);
    mg_trainer_free(tr);
    mg_dae_free(m);
}

/* A short Adam run (mini-batches of 256: tiled path; or a full batch of 8:
 * small-batch path, large enough to run on threads); returns the final flat
 * parameters (caller frees). */
static float *small_run(int64_t steps, uint64_t seed, int full8, int64_t *np_out) {
    const int64_t n = full8 ? 8 : 512, d = full8 ? 1024 : 160, p = full8 ? 72 : 40;
    float *X = malloc((size_t)(n * d) * sizeof(float));
    randn(X, (size_t)(n * d), 11, 1.0f);
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p;
    tp.optim = MG_OPTIM_ADAM;
    tp.lr = 1e-3;
    tp.batch = 256;
    tp.batch_mode = full8 ? MG_BATCH_FULL : MG_BATCH_SHUFFLE;
    tp.steps = steps;
    tp.tied = full8;
    tp.bias = !full8;
    mg_rng r;
    mg_rng_init(&r, seed);
    mg_dae *m = NULL;
    tu_assert_ok(mg_train_dae(&tp, (mg_mat){n, d, d, X}, &r, NULL, &m));
    int64_t np = mg_dae_param_count(m);
    float *out = malloc((size_t)np * sizeof(float));
    memcpy(out, mg_dae_params(m, NULL), (size_t)np * sizeof(float));
    *np_out = np;
    mg_dae_free(m);
    free(X);
    return out;
}

/* The same run on 1 and on 2 threads (OpenMP and OpenBLAS) ends with the
 * same bits; another seed gives other bits. */
static void test_thread_count_independence(void **state) {
    (void)state;
#ifdef _OPENMP
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    openblas_set_num_threads(1);
    int64_t n1, n2, n3, m1, m2;
    float *a = small_run(40, 3, 0, &n1), *s1 = small_run(20, 3, 1, &m1);
#ifdef _OPENMP
    omp_set_num_threads(2);
#endif
    openblas_set_num_threads(2);
    float *b = small_run(40, 3, 0, &n2), *s2 = small_run(20, 3, 1, &m2);
    float *c = small_run(40, 4, 0, &n3);
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, (size_t)n1 * sizeof(float));
    assert_memory_not_equal(a, c, (size_t)n1 * sizeof(float));
    assert_int_equal(m1, m2);
    assert_memory_equal(s1, s2, (size_t)m1 * sizeof(float));
    free(a);
    free(b);
    free(c);
    free(s1);
    free(s2);
}

/* The fused steps (noise, loss, gradient and update in one OpenMP region:
 * B <= 32 rows with p >= 16 in small.c, larger mini-batches, gathered in the
 * step, in tiled.c) draw exactly the noise mg_rng_normal gives on the noise
 * stream (fork 2), with the same bits on 1 and on 2 threads, at widths that
 * leave partial windows, blocks, tiles and noise blocks (d = 1023, p = 44);
 * a non-finite loss leaves parameters, optimizer state, RNG and step
 * untouched (the checkpoints before and after are the same bytes). */
static void test_fused_steps(void **state) {
    (void)state;
    /* 20 steps: a trainer starts a fused step on one thread and runs the
       team from step 17 on at least once (its speed probe), see par.c */
    const int64_t nmax = 300, d = 1023, p = 44, steps = 20;
    float *X = malloc((size_t)(nmax * d) * sizeof(float)), *eps = malloc((size_t)(nmax * d) * sizeof(float));
    randn(X, (size_t)(nmax * d), 5, 1.0f);
    char *dir = tu_mkdtemp();
    char *ck1 = tu_path(dir, "before.safetensors"), *ck2 = tu_path(dir, "after.safetensors");
#ifdef _OPENMP
    const int saved = omp_get_max_threads();
#endif
    for (int cfg = 0; cfg < 5; cfg++) { /* 0-2: full batches of 6 (small.c); 3, 4: batches of 150 of 300 */
        const int tiled = cfg >= 3;
        const int64_t n = tiled ? nmax : 6, B = tiled ? 150 : n;
        mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
        tp.hidden = p;
        tp.batch_mode = tiled ? MG_BATCH_SHUFFLE : MG_BATCH_FULL;
        tp.batch = tiled ? B : 0;
        tp.steps = steps + 1;
        tp.tied = cfg != 1 && cfg != 4;
        tp.bias = cfg == 1 || cfg == 4;
        tp.optim = cfg == 0 || cfg == 4 ? MG_OPTIM_RMSPROP : cfg == 1 || cfg == 3 ? MG_OPTIM_ADAM : MG_OPTIM_SGD;
        tp.lr = 1e-3;
        tp.weight_decay = cfg == 1 ? 0.0 : 1e-2;
        tp.momentum = cfg == 2 ? 0.9 : 0.0;
        tp.lambda = cfg == 2 || cfg == 3 ? 1e-3 : 0.0;
        float *ref = NULL;
        for (int run = 0; run < 4; run++) {
            const int threads = 1 + run / 2, explicit_eps = run % 2;
#ifdef _OPENMP
            omp_set_num_threads(threads);
#else
            (void)threads;
#endif
            mg_rng r;
            mg_rng_init(&r, 9);
            mg_dae *m = NULL;
            mg_trainer *tr = NULL;
            tu_assert_ok(mg_train_init_model(&tp, d, &r, &m));
            tu_assert_ok(mg_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr));
            mg_rng noise = mg_rng_fork(&r, 2);
            for (int64_t t = 0; t < steps; t++) {
                if (explicit_eps) mg_rng_normal(&noise, eps, (size_t)(B * d));
                tu_assert_ok(mg_trainer_step(tr, NULL, explicit_eps ? eps : NULL, NULL));
            }
            int64_t np;
            const float *w = mg_dae_params(m, &np);
            if (!ref) {
                ref = malloc((size_t)np * sizeof(float));
                memcpy(ref, w, (size_t)np * sizeof(float));
            } else {
                assert_memory_equal(w, ref, (size_t)np * sizeof(float));
            }
            if (run == 3) { /* an infinite input: a non-finite loss, refused, nothing changes */
                tu_assert_ok(mg_trainer_save_checkpoint(tr, ck1));
                mg_rng_normal(&noise, eps, (size_t)(B * d));
                eps[B * d / 2] = INFINITY; /* explicit rows too: a sampled batch would advance the sampler */
                assert_int_equal(mg_trainer_step(tr, mg_trainer_batch_indices(tr), eps, NULL), MG_ERR_NUMERIC);
                tu_assert_ok(mg_trainer_save_checkpoint(tr, ck2));
                unsigned char *a = NULL, *b = NULL;
                size_t la = 0, lb = 0;
                tu_assert_ok(mg_read_file(ck1, 0, &a, &la));
                tu_assert_ok(mg_read_file(ck2, 0, &b, &lb));
                assert_int_equal(la, lb);
                assert_memory_equal(a, b, la);
                free(a);
                free(b);
            }
            mg_trainer_free(tr);
            mg_dae_free(m);
        }
        free(ref);
    }
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    tu_rmtree(dir);
    free(ck1);
    free(ck2);
    free(dir);
    free(X);
    free(eps);
}

/* ---- NaN, interruption, resume ----------------------------------------------------------- */

typedef struct {
    int64_t stop_at;
    int calls;
} stop_ctx;

/* Progress callback that requests a stop at a given step. */
static void stop_cb(void *ctx, const mg_train_progress *pr) {
    stop_ctx *c = ctx;
    c->calls++;
    if (pr->step == c->stop_at) mg_train_request_stop();
}

/* A diverging run stops with MG_ERR_NUMERIC, names the step, and leaves the
 * last good checkpoint (finite, earlier step) loadable. */
static void test_nan_stops(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *ck = tu_path(dir, "ck.safetensors");
    const int64_t n = 32, d = 8;
    float X[32 * 8];
    randn(X, sizeof X / sizeof *X, 1, 3.0f);
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 6;
    p.optim = MG_OPTIM_SGD;
    p.lr = 0.03; /* too large for Eq. 6 on this data: grows for a few steps, then overflows */
    p.loss = MG_LOSS_EQ6;
    p.batch_mode = MG_BATCH_FULL;
    p.steps = 1000;
    mg_rng r;
    mg_rng_init(&r, 2);
    mg_dae *m = NULL;
    tu_assert_ok(mg_train_init_model(&p, d, &r, &m));
    mg_trainer *tr = NULL;
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    mg_train_io io = {0};
    io.checkpoint_path = ck;
    io.checkpoint_every = 2;
    io.log_every = 1;
    mg_status st = mg_trainer_run(tr, &io);
    assert_int_equal(st, MG_ERR_NUMERIC);
    assert_non_null(strstr(mg_last_error(), "diverged"));
    assert_non_null(strstr(mg_last_error(), "last good checkpoint"));
    fprintf(stderr, "  (expected) %s\n", mg_last_error());
    int64_t fail_step = mg_trainer_step_count(tr);
    assert_true(fail_step >= 4 && fail_step < 1000);
    mg_train_params cp;
    mg_rng cr;
    int64_t cs, cn, cd;
    tu_assert_ok(mg_train_checkpoint_info(ck, &cp, &cr, &cs, &cn, &cd, NULL));
    assert_true(cs >= 2 && cs <= fail_step);
    mg_st *s = NULL;
    tu_assert_ok(mg_st_read(ck, &s));
    mg_dae *cm = NULL;
    tu_assert_ok(mg_dae_from_st(s, "model.", &cm)); /* includes the finite check */
    mg_dae_free(cm);
    mg_st_free(s);
    mg_trainer_free(tr);
    mg_dae_free(m);
    tu_rmtree(dir);
    free(ck);
    free(dir);
}

/* A stop request checkpoints and returns MG_ERR_INTERRUPTED; resuming from
 * the checkpoint ends bit-identical to an uninterrupted run, log included. */
static void test_interrupt_and_resume(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *ck = tu_path(dir, "ck.safetensors"), *logA = tu_path(dir, "a.csv"), *logB = tu_path(dir, "b.csv");
    const int64_t n = 40, d = 10;
    float X[40 * 10];
    randn(X, sizeof X / sizeof *X, 8, 1.0f);
    for (int mode = 0; mode < 3; mode++) {
        mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
        p.hidden = 7;
        p.tied = mode != 1;
        p.optim = mode == 0 ? MG_OPTIM_ADAM : mode == 1 ? MG_OPTIM_RMSPROP : MG_OPTIM_SGD;
        p.momentum = mode == 2 ? 0.9 : mode == 1 ? 0.3 : 0;
        p.centered = mode == 1;
        p.lr = 1e-2;
        p.batch = 8;
        p.batch_mode = mode == 2 ? MG_BATCH_REPLACE : MG_BATCH_SHUFFLE;
        p.steps = 60;
        mg_rng r;
        mg_rng_init(&r, 99);
        r = mg_rng_fork(&r, 5); /* a non-zero stream, as a set trainer would pass */
        /* uninterrupted */
        mg_dae *a = NULL;
        mg_train_io io = {0};
        io.log_path = logA;
        io.log_every = 5;
        tu_assert_ok(mg_train_dae(&p, (mg_mat){n, d, d, X}, &r, &io, &a));
        /* interrupted at step 25 */
        mg_dae *b = NULL;
        tu_assert_ok(mg_train_init_model(&p, d, &r, &b));
        mg_trainer *tr = NULL;
        tu_assert_ok(mg_trainer_create(&p, b, (mg_mat){n, d, d, X}, &r, &tr));
        stop_ctx sc = {25, 0};
        io.log_path = logB;
        io.checkpoint_path = ck;
        io.progress = stop_cb;
        io.ctx = &sc;
        assert_int_equal(mg_trainer_run(tr, &io), MG_ERR_INTERRUPTED);
        assert_non_null(strstr(mg_last_error(), "interrupted at step 25"));
        mg_train_clear_stop();
        mg_trainer_free(tr);
        mg_dae_free(b);
        /* resume from the file alone */
        mg_train_params cp;
        mg_rng cr;
        int64_t cs, cn, cd;
        tu_assert_ok(mg_train_checkpoint_info(ck, &cp, &cr, &cs, &cn, &cd, NULL));
        assert_int_equal(cs, 25);
        assert_int_equal(cn, n);
        assert_int_equal(cd, d);
        assert_true(cr.key == r.key && cr.stream == r.stream && cr.counter == r.counter);
        b = NULL;
        tu_assert_ok(mg_dae_create(d, cp.hidden, cp.tied, cp.bias, &b));
        tu_assert_ok(mg_trainer_create(&cp, b, (mg_mat){n, d, d, X}, &cr, &tr));
        tu_assert_ok(mg_trainer_load_checkpoint(tr, ck));
        assert_int_equal(mg_trainer_step_count(tr), 25);
        io.progress = NULL;
        tu_assert_ok(mg_trainer_run(tr, &io));
        assert_int_equal(mg_trainer_step_count(tr), 60);
        assert_memory_equal(mg_dae_params(a, NULL), mg_dae_params(b, NULL),
                            (size_t)mg_dae_param_count(a) * sizeof(float));
        unsigned char *la, *lb;
        size_t na, nb;
        tu_assert_ok(mg_read_file(logA, 0, &la, &na));
        tu_assert_ok(mg_read_file(logB, 0, &lb, &nb));
        assert_int_equal(na, nb);
        assert_memory_equal(la, lb, na);
        int rows = 0;
        for (size_t i = 0; i < na; i++) rows += la[i] == '\n';
        assert_int_equal(rows, 1 + 60 / 5);
        assert_true(!strncmp((const char *)la, "step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max\n", 55));
        free(la);
        free(lb);
        mg_trainer_free(tr);
        mg_dae_free(a);
        mg_dae_free(b);
    }
    tu_rmtree(dir);
    free(ck);
    free(logA);
    free(logB);
    free(dir);
}

/* A checkpoint refuses other hyper-parameters, other data, another seed, or
 * a file that is not a checkpoint. */
static void test_checkpoint_mismatch(void **state) {
    (void)state;
    char *dir = tu_mkdtemp();
    char *ck = tu_path(dir, "ck.safetensors");
    const int64_t n = 16, d = 5;
    float X[16 * 5];
    randn(X, sizeof X / sizeof *X, 3, 1.0f);
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 3;
    p.batch = 4;
    p.steps = 3;
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_dae *m = NULL;
    tu_assert_ok(mg_train_init_model(&p, d, &r, &m));
    mg_trainer *tr = NULL;
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    mg_train_io io = {0};
    io.checkpoint_path = ck;
    io.checkpoint_at_end = 1;
    tu_assert_ok(mg_trainer_run(tr, &io));
    mg_trainer_free(tr);
    /* other lr */
    mg_train_params q = p;
    q.lr = 0.5;
    tu_assert_ok(mg_trainer_create(&q, m, (mg_mat){n, d, d, X}, &r, &tr));
    assert_int_equal(mg_trainer_load_checkpoint(tr, ck), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "lr"));
    mg_trainer_free(tr);
    /* more steps is fine */
    q = p;
    q.steps = 10;
    tu_assert_ok(mg_trainer_create(&q, m, (mg_mat){n, d, d, X}, &r, &tr));
    tu_assert_ok(mg_trainer_load_checkpoint(tr, ck));
    assert_int_equal(mg_trainer_step_count(tr), 3);
    mg_trainer_free(tr);
    /* other data */
    X[7] += 1.0f;
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    assert_int_equal(mg_trainer_load_checkpoint(tr, ck), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "different data"));
    mg_trainer_free(tr);
    X[7] -= 1.0f;
    /* other seed */
    mg_rng r2;
    mg_rng_init(&r2, 2);
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r2, &tr));
    assert_int_equal(mg_trainer_load_checkpoint(tr, ck), MG_ERR_ARG);
    assert_non_null(strstr(mg_last_error(), "seed"));
    mg_trainer_free(tr);
    /* a model file is not a checkpoint */
    char *mp = tu_path(dir, "model.safetensors");
    tu_assert_ok(mg_dae_save(m, mp));
    tu_assert_ok(mg_trainer_create(&p, m, (mg_mat){n, d, d, X}, &r, &tr));
    assert_int_equal(mg_trainer_load_checkpoint(tr, mp), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "memgen.kind is 'dae'"));
    /* a corrupted permutation is refused */
    mg_st *st = NULL;
    tu_assert_ok(mg_st_read(ck, &st));
    mg_array perm;
    int64_t nn = n;
    tu_assert_ok(mg_array_alloc(&perm, MG_I64, 1, &nn)); /* all zeros: not a permutation */
    tu_assert_ok(mg_st_add_take(st, "sampler.perm", &perm));
    char *bad = tu_path(dir, "bad.safetensors");
    tu_assert_ok(mg_st_write(st, bad));
    mg_st_free(st);
    assert_int_equal(mg_trainer_load_checkpoint(tr, bad), MG_ERR_FORMAT);
    assert_non_null(strstr(mg_last_error(), "permutation"));
    mg_trainer_free(tr);
    mg_dae_free(m);
    tu_rmtree(dir);
    free(ck);
    free(mp);
    free(bad);
    free(dir);
}

/* mg_train_dae annotates the model with what the closed forms need. */
static void test_annotation(void **state) {
    (void)state;
    const int64_t n = 8, d = 4;
    float X[8 * 4];
    randn(X, sizeof X / sizeof *X, 1, 1.0f);
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    p.hidden = 3;
    p.batch_mode = MG_BATCH_FULL;
    p.steps = 2;
    p.sigma = 0.25;
    p.weight_decay = 0.01;
    p.tied = 0;
    mg_rng r;
    mg_rng_init(&r, 12345);
    mg_dae *m = NULL;
    tu_assert_ok(mg_train_dae(&p, (mg_mat){n, d, d, X}, &r, NULL, &m));
    assert_true(mg_dae_sigma(m) == 0.25);
    assert_true(fabs(atof(mg_dae_meta(m, "lambda")) - 4 * 0.01 / 2) < 1e-15);
    assert_string_equal(mg_dae_meta(m, "optim"), "rmsprop");
    assert_string_equal(mg_dae_meta(m, "loss"), "torch");
    assert_string_equal(mg_dae_meta(m, "batch"), "full");
    assert_string_equal(mg_dae_meta(m, "seed"), "12345");
    assert_string_equal(mg_dae_meta(m, "data_n"), "8");
    assert_string_equal(mg_dae_meta(m, "steps"), "2");
    mg_dae_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torch_reference),
        cmocka_unit_test(test_grad_finite_differences),
        cmocka_unit_test(test_grad_vs_naive_loop),
        cmocka_unit_test(test_effective_lambda_table),
        cmocka_unit_test(test_effective_lambda_gradients),
        cmocka_unit_test(test_params_check),
        cmocka_unit_test(test_batch_sampling),
        cmocka_unit_test(test_thread_count_independence),
        cmocka_unit_test(test_fused_steps),
        cmocka_unit_test(test_nan_stops),
        cmocka_unit_test(test_interrupt_and_resume),
        cmocka_unit_test(test_checkpoint_mismatch),
        cmocka_unit_test(test_annotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
