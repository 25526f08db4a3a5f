/*
 * Benchmark of DDIM sampling with the empirical optimal denoiser f_emp
 * (paper Eq. 3; the update x <- f + (s'/s)(x - f) of Eq. 1 as corrected in
 * docs/corrections.md) over the 6 x 10^4 Fashion-MNIST training rows
 * (d = 784; random rows when the dataset is missing), against the same loop
 * in PyTorch (dev/bench_femp_torch.py) on 1 and on 2 torch threads, measured
 * in one run from the same starting noise; the outputs are checked to
 * tolerance. Sizes: MEMGEN_BENCH_FEMP_N samples (256), _STEPS (20), _TRAIN
 * (60000). `make bench` runs it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
 * unset (both sides alike).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_fmnist.h"
#include "memgen/denoiser.h"
#include "memgen/npy.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"

/* Writes an array of the given dtype and shape from data. */
static int write_npy(const char *path, mg_dtype dt, int ndim, const int64_t *shape, const void *data, size_t bytes) {
    mg_array a = {0};
    if (mg_array_alloc(&a, dt, ndim, shape) != MG_OK) return -1;
    memcpy(a.data, data, bytes);
    mg_status st = mg_npy_write(path, &a);
    mg_array_free(&a);
    return st == MG_OK ? 0 : -1;
}

/* Runs the PyTorch loop on `threads` threads; returns its seconds (NAN when
 * torch is missing or fails) and its result in *out. */
static double run_torch(const char *dir, int threads, mg_array *out) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u OPENBLAS_NUM_THREADS /usr/bin/python3 dev/bench_femp_torch.py "
             "--train %s/train.npy --x0 %s/x0.npy --sigmas %s/sigmas.npy --threads %d --out %s/torch.npy 2>&1",
             dir, dir, dir, threads, dir);
    FILE *f = popen(cmd, "r");
    if (!f) return NAN;
    char line[512];
    double t = NAN;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "seconds %lf", &t) != 1) printf("torch: %s", line);
    pclose(f);
    snprintf(cmd, sizeof cmd, "%s/torch.npy", dir);
    if (isnan(t) || mg_npy_read(cmd, out) != MG_OK) return NAN;
    return t;
}

int main(void) {
    const int64_t n = bench_env_int("MEMGEN_BENCH_FEMP_N", 256), m = bench_env_int("MEMGEN_BENCH_FEMP_TRAIN", 60000), d = 784;
    const int K = (int)bench_env_int("MEMGEN_BENCH_FEMP_STEPS", 20);
    const int threads = bench_threads();
    mg_rng r;
    mg_rng_init(&r, 5);
    const char *what = NULL;
    float *X = bench_training_rows(m, d, &r, &what);
    double *sig = malloc((size_t)K * sizeof(double));
    mg_sigmas_geometric(0.02, 20.0, K, sig);
    float *traj = malloc((size_t)(K + 1) * (size_t)(n * d) * sizeof(float));
    mg_mat Xm = {m, d, d, X};
    mg_sample_params prm = MG_SAMPLE_PARAMS_DEFAULT;
    prm.sigmas = sig;
    prm.nsigmas = K;
    prm.trajectory = traj;
    mg_denoiser den;
    if (mg_denoiser_emp(Xm, &den) != MG_OK) return 1;
    float *out = malloc((size_t)(n * d) * sizeof(float));
    mg_mat O = {n, d, d, out};
    double t0 = mg_now();
    if (mg_sample(&den, &prm, &r, O) != MG_OK) {
        fprintf(stderr, "bench_femp: %s\n", mg_last_error());
        return 1;
    }
    const double t_mg = mg_now() - t0;
    char dir[] = "/tmp/memgen_bench_femp_XXXXXX", path[160];
    if (!mkdtemp(dir)) return 1;
    int64_t sh2[2] = {n, d}, shx[2] = {m, d}, sh1[1] = {K};
    snprintf(path, sizeof path, "%s/train.npy", dir);
    int bad = write_npy(path, MG_F32, 2, shx, X, (size_t)(m * d) * sizeof(float));
    snprintf(path, sizeof path, "%s/x0.npy", dir);
    bad |= write_npy(path, MG_F32, 2, sh2, traj, (size_t)(n * d) * sizeof(float));
    snprintf(path, sizeof path, "%s/sigmas.npy", dir);
    bad |= write_npy(path, MG_F64, 1, sh1, sig, (size_t)K * sizeof(double));
    if (bad) return 1;
    printf("bench_femp: DDIM, %d steps, %lld samples, f_emp over %lld training rows (%s), d = %lld, %d threads\n",
           K, (long long)n, (long long)m, what, (long long)d, threads);
    printf("%-36s %10s %10s %22s\n", "", "seconds", "vs memgen", "rows within 1e-3");
    printf("%-36s %10.2f %10s\n", "memgen mg_sample + f_emp", t_mg, "1.00x");
    double best = NAN;
    const int cfg[2] = {1, 2};
    for (int c = 0; c < 2; c++) {
        mg_array tr = {0};
        double t = getenv("MEMGEN_BENCH_FEMP_NO_TORCH") ? NAN : run_torch(dir, cfg[c], &tr);
        if (isnan(t)) {
            printf("PyTorch: SKIPPED (python3-torch missing or failed)\n");
            break;
        }
        int64_t close = 0;
        const float *y = tr.data;
        for (int64_t i = 0; i < n; i++) {
            double e = 0;
            for (int64_t j = 0; j < d; j++) e = fmax(e, fabs((double)y[i * d + j] - out[i * d + j]));
            close += e <= 1e-3;
        }
        printf("PyTorch, torch.set_num_threads(%d)%*s %10.2f %9.2fx %15lld of %lld\n", cfg[c], 3, "", t,
               t / t_mg, (long long)close, (long long)n);
        if (!(t >= best)) best = t;
        mg_array_free(&tr);
    }
    if (!isnan(best)) printf("memgen vs PyTorch (fastest thread configuration): %.2fx its speed\n", best / t_mg);
    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0) fprintf(stderr, "bench_femp: could not remove %s\n", dir);
    mg_denoiser_free(&den);
    free(X), free(sig), free(traj), free(out);
    return 0;
}
