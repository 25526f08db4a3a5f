/*
 * memgen sample: diffusion sampling with a DAE set, the authors'
 * time-conditioned model, the empirical optimal denoiser (Eq. 3) or the true
 * denoiser of a Gaussian mixture.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "memgen/npy.h"
#include "model_cli.h"
#include "sample_cli.h"

/* --emp files of more values than this are streamed by default (1 GiB of float32). */
#define EMP_WHOLE_MAX ((double)(1 << 28))

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen sample (--model SET.safetensors | --emp X.npy | --mog PARAMS.safetensors)\n"
            "                     --out S.npy [options]\n\n"
            "Generates samples by running a VE diffusion sampler (paper Eq. 1, App. B.1) from\n"
            "x ~ N(0, sigma_max^2 I) down the noise grid with the chosen denoiser.\n\n"
            "denoiser (exactly one):\n"
            "  --model PATH       a DAE set (memgen train/solve --sigmas), a single DAE, or a\n"
            "                     time-conditioned model (memgen train --kind tc), which answers\n"
            "                     every sigma exactly\n"
            "  --emp PATH         the empirical optimal denoiser of these training rows (Eq. 3)\n"
            "  --chunk-rows K     read --emp's training rows K at a time on every step (memory bounded\n"
            "                     by the chunk; an online log-sum-exp makes the result the whole\n"
            "                     file's up to float rounding). Default: the whole file in memory\n"
            "                     when it holds at most 2^28 values (1 GiB of float32), else chunks\n"
            "                     of 2^28 / d rows\n"
            "  --mog PATH         the true denoiser of this Gaussian mixture (memgen data mog)\n"
            "options:\n"
            "  --out PATH         samples, n x d float32 .npy (required)\n"
            "  --n N              number of samples (default 64)\n"
            "  --levels K         noise levels visited (default: a DAE set's own levels, 60 otherwise);\n"
            "                     the grid is geometric between the set's extreme levels, the\n"
            "                     time-conditioned model's training range, or --sigma-min/--sigma-max\n"
            "  --sigmas SPEC      explicit grid (geom:SMIN:SMAX:K, list:..., see memgen train --help)\n"
            "  --sigma-min S      lowest level when no set gives it (default 0.02)\n"
            "  --sigma-max S      highest level when no set gives it (default 2)\n"
            SC_HELP_SAMPLER
            "  --level MODE       nearest | interp: how a DAE set answers levels between its own\n"
            "                     (default nearest)\n"
            "  --seed K           random seed (default 0)\n"
            "  --chunk N          samples per batch (default 1024)\n"
            "  --trajectory PATH  also write (T+1) x n x d .npy of the states\n"
            "  --grid PATH        also write a PNG grid of the samples\n"
            "  --image HxW[xC]    image shape for --grid (default: square gray if d is a square)\n"
            "  --range LO:HI      value range mapped to black..white (default -1:1)\n"
            "  -h, --help         this text\n");
}

/* Entry point of `memgen sample`. */
int cmd_sample(int argc, char **argv) {
    const char *model = NULL, *emp = NULL, *mogp = NULL, *out = NULL, *traj = NULL, *grid = NULL;
    sc_opts so = SC_OPTS_DEFAULT;
    int64_t n = 64, chunk = 0, chunk_rows = 0;
    uint64_t seed = 0;
    double smin = 0.02, smax = 2.0;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", &model), CLI_OPT_STR("emp", &emp), CLI_OPT_STR("mog", &mogp), CLI_OPT_OUT("out", &out),
        CLI_OPT_INT("n", &n), SC_OPTIONS(&so), CLI_OPT_DOUBLE("sigma-min", &smin), CLI_OPT_DOUBLE("sigma-max", &smax),
        CLI_OPT_UINT("seed", &seed), CLI_OPT_INT("chunk", &chunk), CLI_OPT_INT_MIN("chunk-rows", &chunk_rows, 1),
        CLI_OPT_OUT("trajectory", &traj),
        CLI_OPT_OUT("grid", &grid), CLI_OPT_END};
    int rc = cli_parse_options("sample", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if ((model != NULL) + (emp != NULL) + (mogp != NULL) != 1)
        return cli_usage("sample", "give exactly one of --model, --emp, --mog");
    if (!out) return cli_usage("sample", "--out is required");
    if (n < 1 || n > 100000000) return cli_usage("sample", "--n must be in 1..1e8");
    if (chunk < 0) return cli_usage("sample", "--chunk must be positive");
    if ((rc = sc_resolve("sample", &so)) != CLI_OK) return rc;

    mc_model mm = MC_MODEL_INIT;
    mg_array X = {0}, S = {0};
    mg_mog mog = {0};
    mg_denoiser den = {0};
    double *sig = NULL;
    int K = 0;
    float *trajbuf = NULL;
    mg_status st = MG_OK;
    const mg_daeset *set = &mm.set;
    if (model) {
        st = mc_load(model, &mm);
        if (st == MG_OK && mm.tc) {
            st = mg_denoiser_tcdae(mm.tc, &den);
            mc_range(&mm, &smin, &smax);
        } else if (st == MG_OK) {
            st = mg_denoiser_daeset(set, so.mode, &den);
            if (st == MG_OK) {
                smin = set->sigmas[0];
                smax = set->sigmas[set->count - 1];
            }
        }
    } else if (emp) {
        mg_npy_info in;
        st = mg_npy_inspect(emp, &in);
        /* files above the bound stream in chunks of about EMP_WHOLE_MAX values */
        if (st == MG_OK && !chunk_rows && in.ndim == 2 && (double)in.shape[0] * (double)in.shape[1] > EMP_WHOLE_MAX)
            chunk_rows = in.shape[1] < (1 << 28) ? (int64_t)(EMP_WHOLE_MAX / (double)in.shape[1]) : 1;
        if (st == MG_OK && chunk_rows) {
            st = mg_denoiser_emp_chunked(emp, chunk_rows, &den);
        } else if (st == MG_OK) {
            st = mg_npy_read_matrix(emp, "training data", 0, &X);
            if (st == MG_OK) st = mg_denoiser_emp(mg_mat_of_array(&X), &den);
        }
    } else {
        st = mg_mog_load(mogp, &mog);
        if (st == MG_OK) st = mg_denoiser_mog(&mog, &den);
    }
    if (st == MG_OK) st = sc_sigma_grid(&so, set->count ? set->sigmas : NULL, set->count, 60, smin, smax, &sig, &K);
    if (st != MG_OK) goto done;
    int64_t d = den.d;
    mg_png_grid g;
    if (grid && (st = sc_grid(&so, d, &g)) != MG_OK) goto done;
    fprintf(stderr, "sample: denoiser=%s (%s) d=%lld n=%lld sampler=%s levels=%d [%g .. %g] level=%s seed=%llu",
            den.name, model ? model : emp ? emp : mogp, (long long)d, (long long)n, mg_sampler_name(so.kind), K, sig[0],
            sig[K - 1], so.level, (unsigned long long)seed);
    if (so.clamp) fprintf(stderr, " clamp=[%g, %g]", so.clamp_lo, so.clamp_hi);
    fprintf(stderr, "\n");
    int64_t shape[3] = {n, d, 0};
    st = mg_array_alloc(&S, MG_F32, 2, shape);
    if (st == MG_OK && traj) {
        trajbuf = mg_alloc((size_t)(K + 1) * (size_t)n * (size_t)d, sizeof(float));
        if (!trajbuf) st = mg_fail(MG_ERR_NOMEM, "cannot hold a trajectory of %d x %lld x %lld floats", K + 1,
                                   (long long)n, (long long)d);
    }
    if (st != MG_OK) goto done;
    cli_progress prog;
    cli_progress_start(&prog, "sampling", n * K);
    sc_progress pc = {&prog, 0};
    mg_sample_params p = sc_sample_params(&so, sig, K, &pc);
    p.chunk = chunk;
    p.trajectory = trajbuf;
    mg_rng rng;
    mg_rng_init(&rng, seed);
    double t0 = mg_now();
    st = mg_sample(&den, &p, &rng, mg_mat_of_array(&S));
    double el = mg_now() - t0;
    if (st != MG_OK) goto done;
    cli_progress_end(&prog, NULL);
    st = mg_npy_write(out, &S);
    if (st == MG_OK && traj) {
        int64_t ts[3] = {K + 1, n, d};
        st = mg_npy_write_f32(traj, trajbuf, 3, ts);
    }
    if (st == MG_OK && grid) st = mg_png_write_grid(grid, S.data, n, &g);
    if (st == MG_OK)
        printf("wrote %lld samples of dimension %lld to %s (%.2f s, %.1f samples/s)\n", (long long)n, (long long)d, out,
               el, (double)n / el);
done:
    mg_denoiser_free(&den);
    mc_free(&mm);
    mg_mog_free(&mog);
    mg_array_free(&X);
    mg_array_free(&S);
    free(sig);
    free(trajbuf);
    return st == MG_OK ? CLI_OK : cli_fail("sample", st);
}
