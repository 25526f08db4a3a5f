/*
 * Training throughput of the authors' time-conditioned model (tctrain.h)
 * against PyTorch doing the same loop (dev/bench_tc_torch.py: their module,
 * nn.MSELoss, per-row log-uniform sigma, fresh noise) on the same CPU, in one
 * run, d = 1024 (32 x 32 images), p = 256 (theirs):
 *   A: batches of 256 from n = 4096, Adam lr 5e-5 wd 5e-4 (their generalization run);
 *   B: n = 5 full batch, RMSprop lr 1e-3 wd 1e-2 (their memorization run).
 * PyTorch runs in several thread configurations (torch threads x OpenBLAS
 * threads, as bench_train.c) and the fastest is the one compared against.
 * Both sides are timed as the best of WINDOWS windows of WINDOW_S seconds
 * (the machines are shared). `make bench` runs this program with
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, for memgen and PyTorch alike.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <cblas.h>

#include "memgen/tctrain.h"

#define WINDOWS 6
#define WINDOW_S 0.5

typedef struct {
    const char *name;
    int64_t n, d, p, batch; /* batch 0 = full */
    mg_optim_kind optim;
    double lr, wd;
    double steps_per_s;
} setting;

/* memgen's best steps/s for a setting. */
static void run_setting(setting *s) {
    const int64_t n = s->n, d = s->d;
    float *X = mg_alloc((size_t)(n * d), sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_rng_uniform(&r, X, (size_t)(n * d));
    for (int64_t i = 0; i < n * d; i++) X[i] = 2.0f * X[i] - 1.0f;
    mg_tc_train_params tp = mg_tc_train_params_default();
    tp.base.hidden = s->p;
    tp.base.optim = s->optim;
    tp.base.lr = s->lr;
    tp.base.weight_decay = s->wd;
    tp.base.batch_mode = s->batch ? MG_BATCH_SHUFFLE : MG_BATCH_FULL;
    tp.base.batch = s->batch ? s->batch : 256;
    mg_tcdae *m = NULL;
    mg_tc_trainer *tr = NULL;
    tp.base.steps = 20; /* warm-up and calibration */
    if (mg_tc_train_init_model(&tp, d, &r, &m) != MG_OK ||
        mg_tc_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr) != MG_OK) {
        fprintf(stderr, "bench_tc: %s\n", mg_last_error());
        exit(1);
    }
    double t0 = mg_now();
    mg_tc_trainer_run(tr, NULL);
    const double per = (mg_now() - t0) / 20;
    mg_tc_trainer_free(tr);
    const int64_t steps = (int64_t)fmax(20, WINDOW_S / per);
    tp.base.steps = steps;
    mg_train_io io = {0};
    io.log_every = steps + 1;
    s->steps_per_s = 0;
    for (int w = 0; w < WINDOWS; w++) {
        if (mg_tc_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr) != MG_OK) {
            fprintf(stderr, "bench_tc: %s\n", mg_last_error());
            exit(1);
        }
        t0 = mg_now();
        mg_status st = mg_tc_trainer_run(tr, &io);
        const double el = mg_now() - t0;
        mg_tc_trainer_free(tr);
        if (st != MG_OK) {
            fprintf(stderr, "bench_tc: %s\n", mg_last_error());
            exit(1);
        }
        s->steps_per_s = fmax(s->steps_per_s, (double)steps / el);
    }
    mg_tcdae_free(m);
    free(X);
}

/* PyTorch configurations: torch threads, OpenBLAS threads (0: its default). */
typedef struct {
    int torch, blas;
    const char *name;
} torch_config;
static const torch_config k_torch[] = {
    {2, 0, "2 threads"}, {1, 0, "1 + 2 BLAS"}, {2, 1, "2 + 1 BLAS"}, {1, 1, "1 + 1 BLAS"}};
#define NTORCH (int)(sizeof k_torch / sizeof k_torch[0])

/* Runs the PyTorch script in configuration c; fills a (setting A), b (B) or NAN. */
static void run_torch(const torch_config *c, double *a, double *b) {
    *a = *b = NAN;
    char blas[48] = "", cmd[320];
    if (c->blas) snprintf(blas, sizeof blas, "OPENBLAS_NUM_THREADS=%d ", c->blas);
    snprintf(cmd, sizeof cmd,
             "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u OPENBLAS_NUM_THREADS %s/usr/bin/python3 "
             "dev/bench_tc_torch.py --threads %d --windows %d --seconds %g 2>/dev/null",
             blas, c->torch, WINDOWS, WINDOW_S);
    FILE *f = popen(cmd, "r");
    if (!f) return;
    char line[128];
    while (fgets(line, sizeof line, f)) {
        char which;
        double v;
        if (sscanf(line, "%c %lf", &which, &v) == 2) {
            if (which == 'A') *a = v;
            if (which == 'B') *b = v;
        }
    }
    pclose(f);
}

int main(void) {
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    const char *ct = getenv("OPENBLAS_CORETYPE"), *l2 = getenv("OPENBLAS_L2_SIZE");
    printf("bench_tc: %d threads, OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s, %s\n", threads, ct ? ct : "unset",
           l2 ? l2 : "unset", openblas_get_config());
    setting S[2] = {
        {"A: d=1024 p=256 batch 256 Adam", 4096, 1024, 256, 256, MG_OPTIM_ADAM, 5e-5, 5e-4, 0},
        {"B: n=5 full batch RMSprop", 5, 1024, 256, 0, MG_OPTIM_RMSPROP, 1e-3, 1e-2, 0},
    };
    for (int i = 0; i < 2; i++) run_setting(&S[i]);
    double torch[NTORCH][2];
    const int have_torch = system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
    for (int c = 0; c < NTORCH; c++) {
        if (have_torch) run_torch(&k_torch[c], &torch[c][0], &torch[c][1]);
        else torch[c][0] = torch[c][1] = NAN;
    }
    printf("PyTorch (dev/bench_tc_torch.py):");
    for (int c = 0; c < NTORCH; c++)
        printf(" %s: A %.1f, B %.1f steps/s%s", k_torch[c].name, torch[c][0], torch[c][1], c + 1 < NTORCH ? ";" : "\n");
    printf("%-34s %10s %12s %8s\n", "setting", "memgen/s", "torch best/s", "ratio");
    for (int i = 0; i < 2; i++) {
        double best = NAN;
        for (int c = 0; c < NTORCH; c++)
            if (!isnan(torch[c][i]) && !(torch[c][i] <= best)) best = torch[c][i];
        printf("%-34s %10.1f %12.1f %7.2fx\n", S[i].name, S[i].steps_per_s, best, S[i].steps_per_s / best);
    }
    printf("(ratio: memgen steps/s over the fastest PyTorch configuration; n/a without torch)\n");
    return 0;
}
