/*
 * Training throughput of the DAE (paper Eq. 5-6) against PyTorch doing the
 * same loop on the same CPU, and against the OpenBLAS roofline, in one run:
 *   A: d=1024, p=100, batch 256 of n=4096, Adam, tied (a generalizing run);
 *   B: n=5, full batch, d=1024, p=100, RMSprop, tied (the memorization run).
 * The roofline of a setting is the time its five GEMMs take in OpenBLAS's own
 * (threaded) sgemm at exactly the step's shapes; "% roofline" is that time
 * over memgen's measured step time. PyTorch runs dev/bench_train_torch.py
 * when /usr/bin/python3 has torch (else its columns read n/a), in the
 * specified configuration (2 threads) and in the best-tuned ones (see
 * k_torch). Both are timed as the best of WINDOWS windows of WINDOW_S
 * seconds, since the machines are shared. `make bench` runs memgen with the
 * memgen CLI's thread policy (cli/main.c: GOMP_SPINCOUNT=1000, OpenBLAS
 * single-threaded); PyTorch runs with its own defaults.
 *
 * Allocations inside the step loop are counted by interposing malloc & co.
 * (glibc's __libc_* entry points) while the timed loop runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "bench_gemm.h"
#include "memgen/train.h"

/* ---- allocation counter ------------------------------------------------------- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t s);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t a, size_t n);
extern void __libc_free(void *p);

static volatile int g_counting = 0;
static long g_allocs = 0;

/* Counts one allocation when counting is on. */
static void count_alloc(void) {
    if (g_counting) __atomic_fetch_add(&g_allocs, 1, __ATOMIC_RELAXED);
}
void *malloc(size_t n) { count_alloc(); return __libc_malloc(n); }
void *calloc(size_t n, size_t s) { count_alloc(); return __libc_calloc(n, s); }
void *realloc(void *p, size_t n) { count_alloc(); return __libc_realloc(p, n); }
void *aligned_alloc(size_t a, size_t n) { count_alloc(); return __libc_memalign(a, n); }
void *memalign(size_t a, size_t n) { count_alloc(); return __libc_memalign(a, n); }
int posix_memalign(void **out, size_t a, size_t n) {
    count_alloc();
    void *p = __libc_memalign(a, n);
    if (!p && n) return 12; /* ENOMEM */
    *out = p;
    return 0;
}
void free(void *p) { __libc_free(p); }

/* ---- GEMM roofline -------------------------------------------------------------- */

typedef struct {
    int ta, tb;
    int64_t M, N, K;
    float beta;
    const char *what;
} gemm_shape;

/* ---- one setting ------------------------------------------------------------------ */

/* Timed windows per setting and their length (s); PyTorch is timed the same
 * way (dev/bench_train_torch.py --windows). */
#define WINDOWS 6
#define WINDOW_S 0.5

typedef struct {
    const char *name;
    int64_t n, d, p, batch; /* batch 0 = full */
    mg_optim_kind optim;
    double lr, wd;
    /* results */
    double steps_per_s, flops, roof_s, det_s, gflops;
    long allocs;
    size_t trainer_bytes, bound_bytes;
} setting;

/* Measures memgen's steps/s for a setting and its roofline. */
static void run_setting(setting *s, int threads) {
    const int64_t n = s->n, d = s->d, p = s->p, B = s->batch ? s->batch : s->n;
    float *X = mg_alloc((size_t)(n * d), sizeof(float));
    mg_rng r;
    mg_rng_init(&r, 1);
    mg_rng_normal(&r, X, (size_t)(n * d));
    mg_train_params tp = MG_TRAIN_PARAMS_DEFAULT;
    tp.hidden = p;
    tp.tied = 1;
    tp.optim = s->optim;
    tp.lr = s->lr;
    tp.weight_decay = s->wd;
    tp.batch_mode = s->batch ? MG_BATCH_SHUFFLE : MG_BATCH_FULL;
    tp.batch = s->batch;
    tp.sigma = 0.2;
    /* calibrate: a short run gives the step time */
    mg_dae *m = NULL;
    mg_trainer *tr = NULL;
    tp.steps = 20;
    if (mg_train_init_model(&tp, d, &r, &m) != MG_OK || mg_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr) != MG_OK ||
        mg_trainer_run(tr, NULL) != MG_OK) {
        fprintf(stderr, "bench_train: %s\n", mg_last_error());
        exit(1);
    }
    mg_trainer_free(tr);
    tp.steps = 40;
    mg_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr);
    double t0 = mg_now();
    mg_trainer_run(tr, NULL);
    double per = (mg_now() - t0) / 40;
    mg_trainer_free(tr);
    /* timed: WINDOWS runs of ~WINDOW_S s each (the model carries on from one
       to the next), the best rate kept (the machine is shared); allocations
       counted over all of them */
    int64_t steps = (int64_t)fmax(20, WINDOW_S / per);
    tp.steps = steps;
    mg_train_io io = {0};
    io.log_every = steps + 1; /* no probe inside the timed loop except at the end */
    s->allocs = 0;
    s->steps_per_s = 0;
    for (int w = 0; w < WINDOWS; w++) {
        if (mg_trainer_create(&tp, m, (mg_mat){n, d, d, X}, &r, &tr) != MG_OK) {
            fprintf(stderr, "bench_train: %s\n", mg_last_error());
            exit(1);
        }
        g_allocs = 0;
        g_counting = 1;
        t0 = mg_now();
        mg_status st = mg_trainer_run(tr, &io);
        double el = mg_now() - t0;
        g_counting = 0;
        if (st != MG_OK) {
            fprintf(stderr, "bench_train: %s\n", mg_last_error());
            exit(1);
        }
        s->allocs += g_allocs;
        s->steps_per_s = fmax(s->steps_per_s, (double)steps / el);
        if (w < WINDOWS - 1) mg_trainer_free(tr);
    }
    s->trainer_bytes = mg_trainer_bytes(tr) + (size_t)mg_dae_param_count(m) * sizeof(float) + (size_t)(n * d) * 4;
    size_t np = (size_t)mg_dae_param_count(m);
    size_t opt = (s->optim == MG_OPTIM_ADAM || s->optim == MG_OPTIM_ADAMW) ? 2 * np : np;
    s->bound_bytes = 2 * ((size_t)(n * d) + np + opt + (size_t)B * (size_t)(2 * d + p)) * sizeof(float);
    mg_trainer_free(tr);
    mg_dae_free(m);
    /* roofline: the step's five GEMMs in threaded OpenBLAS, and through mg_sgemm_det */
    gemm_shape g[5] = {{0, 0, B, p, d, 0.0f, "H = Xn W1"},
                       {0, 1, B, d, p, 0.0f, "Y = H W2^T"},
                       {1, 0, d, p, B, 0.0f, "gW2 = R^T H"},
                       {0, 0, B, p, d, 0.0f, "dH = R W2"},
                       {1, 0, d, p, B, 1.0f, "gW1 += Xn^T dH"}};
    size_t big = (size_t)((B > d ? B : d) * (d > p ? d : p));
    float *A = mg_alloc(big, sizeof(float)), *Bm = mg_alloc(big, sizeof(float)), *C = mg_alloc(big, sizeof(float));
    mg_rng_normal(&r, A, big);
    mg_rng_normal(&r, Bm, big);
    memset(C, 0, big * sizeof(float));
    s->flops = 0;
    s->roof_s = 0;
    s->det_s = 0;
    printf("  %s: GEMMs of one step (OpenBLAS %d threads | mg_sgemm_det)\n", s->name, threads);
    for (int i = 0; i < 5; i++) {
        double f = 2.0 * (double)g[i].M * (double)g[i].N * (double)g[i].K;
        double tb = bench_gemm_seconds(g[i].ta, g[i].tb, g[i].M, g[i].N, g[i].K, g[i].beta, 0, A, Bm, C);
        double td = bench_gemm_seconds(g[i].ta, g[i].tb, g[i].M, g[i].N, g[i].K, g[i].beta, 1, A, Bm, C);
        printf("    %-16s %5lld x %5lld x %5lld  %7.1f | %7.1f GFLOP/s\n", g[i].what, (long long)g[i].M,
               (long long)g[i].N, (long long)g[i].K, f / tb * 1e-9, f / td * 1e-9);
        s->flops += f;
        s->roof_s += tb;
        s->det_s += td;
    }
    s->gflops = s->flops * s->steps_per_s * 1e-9;
    free(A);
    free(Bm);
    free(C);
    free(X);
}

/* PyTorch configurations on two cores: torch.set_num_threads(torch) and
 * OpenBLAS's own pthreads (blas; 0: its default, one per core). Debian's
 * torch does its matrix products in the system OpenBLAS, whose threads are
 * separate from torch's OpenMP threads: with 2 + 2 the four threads contend
 * for the two cores. The first is the configuration the benchmark is
 * specified against (2 threads); the others are the best-tuned ones. */
typedef struct {
    int torch, blas;
    const char *name;
} torch_config;
static const torch_config k_torch[] = {{2, 0, "2 threads"}, {1, 0, "1 + 2 BLAS"}, {2, 1, "2 + 1 BLAS"}};
#define NTORCH (int)(sizeof k_torch / sizeof k_torch[0])

/* Runs the PyTorch script in configuration c (torch is importable); fills
 * a (setting A) and b (setting B) or NAN. It runs without the thread
 * settings of the benchmark (libgomp's default wait policy, OpenBLAS's
 * default thread count) unless c sets them. */
static void run_torch(const torch_config *c, double *a, double *b) {
    *a = *b = NAN;
    char blas[48] = "";
    if (c->blas) snprintf(blas, sizeof blas, "OPENBLAS_NUM_THREADS=%d ", c->blas);
    char cmd[320];
    snprintf(cmd, sizeof cmd,
             "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u OPENBLAS_NUM_THREADS %s/usr/bin/python3 "
             "dev/bench_train_torch.py --threads %d --windows %d --seconds %g 2>/dev/null",
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

/* "v" with one decimal, or "n/a" for NaN. */
static void fmt_or_na(char *out, size_t n, const char *fmt, double v) {
    if (isnan(v)) snprintf(out, n, "n/a");
    else snprintf(out, n, fmt, v);
}

int main(void) {
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    setting S[2] = {
        {"A: d=1024 p=100 batch 256 Adam tied", 4096, 1024, 100, 256, MG_OPTIM_ADAM, 1e-4, 1e-4, 0, 0, 0, 0, 0, 0, 0, 0},
        {"B: n=5 full batch RMSprop tied", 5, 1024, 100, 0, MG_OPTIM_RMSPROP, 1e-3, 1e-2, 0, 0, 0, 0, 0, 0, 0, 0},
    };
    const char *policy = getenv("OMP_WAIT_POLICY"), *spin = getenv("GOMP_SPINCOUNT");
    printf("bench_train: %d threads, OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s, %s\n", threads, policy ? policy : "unset",
           spin ? spin : "unset", openblas_get_config());
    for (int i = 0; i < 2; i++) run_setting(&S[i], threads);
    double torch[NTORCH][2];
    const int have_torch = system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
    for (int c = 0; c < NTORCH; c++) {
        if (have_torch) run_torch(&k_torch[c], &torch[c][0], &torch[c][1]);
        else torch[c][0] = torch[c][1] = NAN; /* the columns read n/a */
    }
    printf("\nPyTorch (dev/bench_train_torch.py):");
    for (int c = 0; c < NTORCH; c++)
        printf(" %s: A %.1f, B %.1f steps/s%s", k_torch[c].name, torch[c][0], torch[c][1], c + 1 < NTORCH ? ";" : "\n");
    printf("\n%-38s %10s %10s %7s %10s %7s %8s %9s %9s %6s\n", "setting", "memgen/s", "torch2t/s", "ratio", "best/s",
           "ratio", "ceiling", "GFLOP/s", "roof/s", "%roof");
    for (int i = 0; i < 2; i++) {
        double best = NAN;
        for (int c = 0; c < NTORCH; c++)
            if (!isnan(torch[c][i]) && !(torch[c][i] <= best)) best = torch[c][i];
        const double roof = 1.0 / S[i].roof_s, t2 = torch[0][i];
        char v2[16], r2[16], vb[16], rb[16], ceil[16];
        fmt_or_na(v2, sizeof v2, "%.1f", t2);
        fmt_or_na(r2, sizeof r2, "%.1fx", S[i].steps_per_s / t2);
        fmt_or_na(vb, sizeof vb, "%.1f", best);
        fmt_or_na(rb, sizeof rb, "%.1fx", S[i].steps_per_s / best);
        fmt_or_na(ceil, sizeof ceil, "%.1fx", roof / best);
        printf("%-38s %10.1f %10s %7s %10s %7s %8s %9.1f %9.1f %5.0f%%\n", S[i].name, S[i].steps_per_s, v2, r2, vb, rb,
               ceil, S[i].gflops, roof, 100.0 * S[i].roof_s * S[i].steps_per_s);
    }
    printf("(torch2t: PyTorch with 2 threads as specified; best: the fastest PyTorch configuration above; "
           "ceiling: roof/s over best, the ratio a step running its GEMMs at the roofline and nothing else "
           "would reach)\n\n");
    for (int i = 0; i < 2; i++)
        printf("%s: %.1f MFLOP/step; GEMMs alone: OpenBLAS threaded %.3f ms, mg_sgemm_det %.3f ms, step %.3f ms; "
               "allocations in the timed loop: %ld; memory %.1f MiB (data+model+trainer) vs bound %.1f MiB\n",
               S[i].name, S[i].flops * 1e-6, S[i].roof_s * 1e3, S[i].det_s * 1e3, 1e3 / S[i].steps_per_s, S[i].allocs,
               S[i].trainer_bytes / 1048576.0, S[i].bound_bytes / 1048576.0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS of this process (incl. OpenBLAS buffers and the roofline matrices): %.1f MiB\n",
           ru.ru_maxrss / 1024.0);
    return 0;
}
