/*
 * Benchmark of the closed forms at the paper's generalization scale
 * (n = 10,000 samples, d = 1024, two Gaussian modes, p = 50) against the
 * training they replace, measured in the same run: seconds for each closed
 * form (Theorem 3.1 blocks, Lemma C.1, Corollary 3.2 with p = n, k-means,
 * separability + verdict, f_emp and f_gt on 256 queries) and the trainer's
 * seconds per Adam step on the same data, projected to the step counts of
 * the paper (App. B.1: 4e7 steps for generalized models, 5e5 for memorized).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memgen/mog.h"
#include "memgen/theory.h"
#include "memgen/train.h"

/* Aborts the benchmark with the library's message. */
static void check(mg_status st, const char *what) {
    if (st != MG_OK) {
        fprintf(stderr, "bench_theory: %s failed: %s\n", what, mg_last_error());
        exit(1);
    }
}

/* Times each closed form once, then 300 training steps, and prints the table. */
int main(void) {
    const int64_t n = 10000, d = 1024, p = 50, m = 256;
    mg_mog_spec s = MG_MOG_SPEC_DEFAULT;
    s.d = d;
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_mog mog;
    check(mg_mog_make(&s, &r, &mog), "mixture");
    float *x = malloc((size_t)(n * d) * sizeof(float)), *y = malloc((size_t)(m * d) * sizeof(float));
    float *o = malloc((size_t)(m * d) * sizeof(float));
    int64_t *lab = malloc((size_t)n * sizeof(int64_t)), *klab = malloc((size_t)n * sizeof(int64_t));
    int64_t counts[2] = {n / 2, n / 2};
    check(mg_mog_sample(&mog, counts, 1, &r, (mg_mat){n, mog.d, mog.d, x}, lab), "samples");
    memcpy(y, x, (size_t)(m * d) * sizeof(float));
    mg_rng_add_noise(&r, y, 0.2f, y, (size_t)(m * d));
    mg_mat X = {n, d, d, x}, Y = {m, d, d, y}, O = {m, d, d, o};
    printf("closed forms at n = %lld, d = %lld, p = %lld (2-mode MoG, sigma = 0.2, lambda = 1e-4)\n", (long long)n,
           (long long)d, (long long)p);
    printf("%-52s %10s\n", "task", "seconds");

    mg_construct_params cp = MG_CONSTRUCT_PARAMS_DEFAULT;
    cp.sigma = 0.2, cp.wd = 1e-4, cp.hidden = p;
    mg_construction c;
    double t0 = mg_now();
    check(mg_construct(X, lab, 2, &cp, &c), "Theorem 3.1");
    double t_gen = mg_now() - t0;
    printf("%-52s %10.3f\n", "Theorem 3.1 blocks (2 clusters, widths auto)", t_gen);

    mg_separability sep;
    t0 = mg_now();
    check(mg_separability_compute(X, lab, 2, &sep), "separability");
    check(mg_theory_verdict(X, &c, &sep), "verdict");
    printf("%-52s %10.3f\n", "separability + Eq. 16 + measured margins", mg_now() - t0);
    mg_construction_free(&c);

    t0 = mg_now();
    check(mg_construct_lae(X, &cp, &c), "Lemma C.1");
    printf("%-52s %10.3f\n", "Lemma C.1 (one block, 10,000 x 1024 scatter)", mg_now() - t0);
    mg_construction_free(&c);

    mg_rng kr;
    mg_rng_init(&kr, 2);
    double obj;
    t0 = mg_now();
    check(mg_spherical_kmeans(X, 2, &kr, 100, 4, klab, &obj), "k-means");
    printf("%-52s %10.3f\n", "spherical k-means K = 2 (4 restarts)", mg_now() - t0);

    mg_construct_params mp = cp;
    mp.hidden = n;
    t0 = mg_now();
    check(mg_construct_mem(X, &mp, &c), "Corollary 3.2");
    printf("%-52s %10.3f\n", "Corollary 3.2 W_mem (p = n = 10,000)", mg_now() - t0);
    mg_construction_free(&c);

    mg_femp *fe;
    check(mg_femp_create(X, &fe), "f_emp");
    double sig[3] = {0.02, 0.2, 2.0};
    for (int k = 0; k < 3; k++) {
        t0 = mg_now();
        check(mg_femp_apply(fe, Y, sig[k], O), "f_emp");
        char lbl[64];
        snprintf(lbl, sizeof(lbl), "f_emp (Eq. 3), 256 queries, sigma = %g", sig[k]);
        printf("%-52s %10.3f\n", lbl, mg_now() - t0);
    }
    mg_femp_free(fe);
    t0 = mg_now();
    check(mg_fgt(&mog, Y, 0.2, O, NULL), "f_gt");
    printf("%-52s %10.3f\n", "f_gt of the MoG, 256 queries", mg_now() - t0);

    /* the training these closed forms replace: same data, p, sigma, lambda */
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p, tp.tied = 1, tp.sigma = 0.2, tp.loss = MG_LOSS_EQ6, tp.lambda = 1e-4, tp.weight_decay = 0.0;
    tp.optim = MG_OPTIM_ADAM, tp.lr = 1e-3, tp.batch = 256, tp.batch_mode = MG_BATCH_SHUFFLE, tp.steps = 300;
    mg_dae *model = NULL;
    mg_rng tr;
    mg_rng_init(&tr, 3);
    t0 = mg_now();
    check(mg_train_dae(&tp, X, &tr, NULL, &model), "training");
    double per_step = (mg_now() - t0) / (double)tp.steps;
    mg_dae_free(model);
    printf("\ntraining the same DAE (Adam, batch 256, tied): %.3f ms per step\n", 1e3 * per_step);
    printf("%-52s %10.0f s (%.1f h)\n", "  1e5 steps", 1e5 * per_step, 1e5 * per_step / 3600);
    printf("%-52s %10.0f s (%.1f h)\n", "  4e7 steps (paper App. B.1, generalized models)", 4e7 * per_step,
           4e7 * per_step / 3600);
    printf("closed form (Theorem 3.1) vs 1e5 training steps: %.0fx faster\n", 1e5 * per_step / t_gen);
    printf("(one run on a shared machine: OpenMP timings suffer from other load; read the ratios)\n");
    free(x), free(y), free(o), free(lab), free(klab);
    mg_mog_free(&mog);
    return 0;
}
