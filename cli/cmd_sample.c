/*
 * memgen sample: diffusion sampling with a DAE set, the empirical optimal
 * denoiser (Eq. 3) or the true denoiser of a Gaussian mixture.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/npy.h"
#include "memgen/png.h"
#include "memgen/sampler.h"
#include "memgen/schedule.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen sample (--model SET.safetensors | --emp X.npy | --mog PARAMS.safetensors)\n"
            "                     --out S.npy [options]\n\n"
            "Generates samples by running a VE diffusion sampler (paper Eq. 1, App. B.1) from\n"
            "x ~ N(0, sigma_max^2 I) down the noise grid with the chosen denoiser.\n\n"
            "denoiser (exactly one):\n"
            "  --model PATH       a DAE set (memgen train/solve --sigmas) or a single DAE\n"
            "  --emp PATH         the empirical optimal denoiser of these training rows (Eq. 3)\n"
            "  --mog PATH         the true denoiser of this Gaussian mixture (memgen data mog)\n"
            "options:\n"
            "  --out PATH         samples, n x d float32 .npy (required)\n"
            "  --n N              number of samples (default 64)\n"
            "  --steps T          noise levels visited (default: the set's own levels for --model,\n"
            "                     60 otherwise); the grid is geometric between the set's extreme\n"
            "                     levels, or --sigma-min/--sigma-max\n"
            "  --sigmas SPEC      explicit grid (geom:SMIN:SMAX:K, list:..., see memgen train --help)\n"
            "  --sigma-min S      lowest level when no set gives it (default 0.02)\n"
            "  --sigma-max S      highest level when no set gives it (default 2)\n"
            "  --sampler NAME     ddim | ancestral | euler | heun (default ddim)\n"
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

/* Parses "HxW" or "HxWxC". */
static int parse_image(const char *s, int *h, int *w, int *c) {
    *c = 1;
    int n = sscanf(s, "%dx%dx%d", h, w, c);
    return (n == 2 || n == 3) && *h > 0 && *w > 0 && (*c == 1 || *c == 3) ? 0 : -1;
}

/* Progress callback forwarding to the CLI bar. */
static void on_progress(void *ctx, int64_t done, int64_t total) {
    (void)total;
    cli_progress_update(ctx, done, NULL);
}

/* Entry point of `memgen sample`. */
int cmd_sample(int argc, char **argv) {
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"emp", required_argument, 0, 'e'},
        {"mog", required_argument, 0, 'g'},     {"out", required_argument, 0, 'o'},
        {"n", required_argument, 0, 'n'},       {"steps", required_argument, 0, 'T'},
        {"sigmas", required_argument, 0, 'S'},  {"sigma-min", required_argument, 0, 'a'},
        {"sigma-max", required_argument, 0, 'b'}, {"sampler", required_argument, 0, 'k'},
        {"level", required_argument, 0, 'l'},   {"seed", required_argument, 0, 's'},
        {"chunk", required_argument, 0, 'c'},   {"trajectory", required_argument, 0, 't'},
        {"grid", required_argument, 0, 'G'},    {"image", required_argument, 0, 'I'},
        {"range", required_argument, 0, 'r'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *model = NULL, *emp = NULL, *mogp = NULL, *out = NULL, *sigspec = NULL, *traj = NULL, *grid = NULL;
    const char *image = NULL, *range = "-1:1", *sampler = "ddim", *level = "nearest";
    int64_t n = 64, steps = 0, chunk = 0;
    uint64_t seed = 0;
    double smin = 0.02, smax = 2.0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'e': emp = optarg; break;
        case 'g': mogp = optarg; break;
        case 'o': out = optarg; break;
        case 'S': sigspec = optarg; break;
        case 'k': sampler = optarg; break;
        case 'l': level = optarg; break;
        case 't': traj = optarg; break;
        case 'G': grid = optarg; break;
        case 'I': image = optarg; break;
        case 'r': range = optarg; break;
        case 'n': if (cli_parse_int64("sample", "--n", optarg, &n)) return CLI_USAGE; break;
        case 'T': if (cli_parse_int64("sample", "--steps", optarg, &steps)) return CLI_USAGE; break;
        case 'c': if (cli_parse_int64("sample", "--chunk", optarg, &chunk)) return CLI_USAGE; break;
        case 's': if (cli_parse_uint64("sample", "--seed", optarg, &seed)) return CLI_USAGE; break;
        case 'a': if (cli_parse_double("sample", "--sigma-min", optarg, &smin)) return CLI_USAGE; break;
        case 'b': if (cli_parse_double("sample", "--sigma-max", optarg, &smax)) return CLI_USAGE; break;
        case 'h': usage(stdout); return CLI_OK;
        default: return cli_usage("sample", "unknown option");
        }
    }
    if (optind < argc) return cli_usage("sample", "unexpected argument '%s'", argv[optind]);
    if ((model != NULL) + (emp != NULL) + (mogp != NULL) != 1)
        return cli_usage("sample", "give exactly one of --model, --emp, --mog");
    if (!out) return cli_usage("sample", "--out is required");
    if (n < 1 || n > 100000000) return cli_usage("sample", "--n must be in 1..1e8");
    if (steps < 0 || steps > 100000) return cli_usage("sample", "--steps must be in 1..100000");
    if (chunk < 0) return cli_usage("sample", "--chunk must be positive");
    mg_sampler_kind kind;
    if (mg_sampler_parse(sampler, &kind) != MG_OK) return cli_usage("sample", "%s", mg_last_error());
    mg_level_mode mode;
    if (!strcmp(level, "nearest")) mode = MG_LEVEL_NEAREST;
    else if (!strcmp(level, "interp")) mode = MG_LEVEL_INTERP;
    else return cli_usage("sample", "--level must be nearest or interp");
    float vlo, vhi;
    if (sscanf(range, "%f:%f", &vlo, &vhi) != 2 || !(vhi > vlo)) return cli_usage("sample", "--range must be LO:HI with LO < HI");

    mg_daeset set = {0};
    mg_array X = {0}, S = {0};
    mg_mog mog = {0};
    mg_denoiser den = {0};
    double *sig = NULL;
    int K = 0;
    float *trajbuf = NULL;
    mg_status st = MG_OK;
    if (model) {
        st = mg_daeset_load(model, &set);
        if (st == MG_OK) st = mg_denoiser_daeset(&set, mode, &den);
        if (st == MG_OK) {
            smin = set.sigmas[0];
            smax = set.sigmas[set.count - 1];
        }
    } else if (emp) {
        st = mg_npy_read_matrix(emp, "training data", 0, &X);
        if (st == MG_OK) st = mg_denoiser_emp(mg_mat_of_array(&X), &den);
        if (!steps) steps = 60;
    } else {
        st = mg_mog_load(mogp, &mog);
        if (st == MG_OK) st = mg_denoiser_mog(&mog, &den);
        if (!steps) steps = 60;
    }
    if (st == MG_OK) {
        if (sigspec) {
            st = mg_sigmas_parse(sigspec, &sig, &K);
        } else if (model && !steps) {
            K = set.count;
            sig = malloc((size_t)K * sizeof(double));
            memcpy(sig, set.sigmas, (size_t)K * sizeof(double));
        } else if (!(smin > 0) || !(smax >= smin)) {
            st = mg_fail(MG_ERR_ARG, "need 0 < --sigma-min <= --sigma-max");
        } else {
            K = (int)steps;
            sig = malloc((size_t)K * sizeof(double));
            st = mg_sigmas_geometric(smin, smax, K, sig);
        }
    }
    if (st != MG_OK) goto done;
    int64_t d = den.d;
    int gh = 0, gw = 0, gc = 1;
    if (grid) {
        if (image) {
            if (parse_image(image, &gh, &gw, &gc) || (int64_t)gh * gw * gc != d) {
                st = mg_fail(MG_ERR_ARG, "--image %s does not describe %lld values per sample", image, (long long)d);
                goto done;
            }
        } else {
            gh = gw = (int)llround(sqrt((double)d));
            if ((int64_t)gh * gw != d) {
                st = mg_fail(MG_ERR_ARG, "d = %lld is not a square: give --image HxW[xC] for --grid", (long long)d);
                goto done;
            }
        }
    }
    fprintf(stderr, "sample: denoiser=%s (%s) d=%lld n=%lld sampler=%s levels=%d [%g .. %g] level=%s seed=%llu\n",
            den.name, model ? model : emp ? emp : mogp, (long long)d, (long long)n, mg_sampler_name(kind), K, sig[0],
            sig[K - 1], level, (unsigned long long)seed);
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
    mg_sample_params p = MG_SAMPLE_PARAMS_DEFAULT;
    p.kind = kind;
    p.sigmas = sig;
    p.nsigmas = K;
    p.chunk = chunk;
    p.trajectory = trajbuf;
    p.progress = on_progress;
    p.progress_ctx = &prog;
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
    if (st == MG_OK && grid) {
        mg_png_grid g = MG_PNG_GRID_DEFAULT;
        g.height = gh;
        g.width = gw;
        g.channels = gc;
        g.vmin = vlo;
        g.vmax = vhi;
        st = mg_png_write_grid(grid, S.data, n, &g);
    }
    if (st == MG_OK)
        printf("wrote %lld samples of dimension %lld to %s (%.2f s, %.1f samples/s)\n", (long long)n, (long long)d, out,
               el, (double)n / el);
done:
    mg_denoiser_free(&den);
    mg_daeset_free(&set);
    mg_mog_free(&mog);
    mg_array_free(&X);
    mg_array_free(&S);
    free(sig);
    free(trajbuf);
    return st == MG_OK ? CLI_OK : cli_fail("sample", st);
}
