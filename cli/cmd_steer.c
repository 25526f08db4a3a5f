/*
 * memgen steer: representation steering (paper Eq. 11, Fig. 8). Computes the
 * steering vectors of a DAE set from target-concept samples, samples with
 * W2 (h + a v) during the final steps for every a of a sweep (same initial
 * noise for every a), and measures how each sample moves toward the target:
 * distance to its centroid (and a mixture mode's posterior), monotonicity,
 * largest jump, kink, split by memorized / generalized when a training set
 * is given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/memorization.h"
#include "memgen/npy.h"
#include "memgen/steer.h"
#include "model_cli.h"
#include "sample_cli.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen steer --model SET.safetensors --target XT.npy --out DIR [options]\n\n"
            "Representation steering (paper Eq. 11): v = mean representation relu(W1^T x_t) of the\n"
            "target samples at noise level --sigma, one vector per level of the set; during the\n"
            "final sampling steps each level outputs W2 (h + a v) instead of W2 h. Every starting\n"
            "sample keeps its initial noise for every a, so its curve over a is comparable.\n\n"
            "required:\n"
            "  --model PATH        a DAE set (memgen train/solve --sigmas), a single DAE, or a\n"
            "                      time-conditioned model (memgen train --kind tc: its levels are the\n"
            "                      sampling grid, the vector is added to the chosen representation)\n"
            MC_HELP
            "  --target PATH       target-concept samples, m x d .npy\n"
            "  --out DIR           output folder (created)\n"
            "steering:\n"
            "  --sigma S|own       noise level of the target representations (default 0.02, the\n"
            "                      paper's t = 10 of 1000; 0 = clean; own = each level's own sigma)\n"
            "  --vector-level K    compute and apply the vector at level K only (default: all levels)\n"
            "  --alphas SPEC       list:A1,A2,... or lin:A:B:K, ascending (default lin:0:1:11); the\n"
            "                      spellings of --sigmas: lin/linear, geom, karras, list\n"
            "  --final-steps K     steer the last K sampling steps, one per level (default: half of\n"
            "                      --levels, as the paper's final 20 of 40)\n"
            "  --skip-last J       but not the last J steps (default 0; SD 3.5 in the paper stops early)\n"
            "  --vector-seed K     seed of the target representations' noise (default 1)\n"
            "sampling:\n"
            "  --n N               starting samples (default 16)\n"
            "  --levels K          noise levels visited (default: the set's own levels; 60 for a\n"
            "                      time-conditioned model, geometric over its training range)\n"
            "  --sigmas SPEC       explicit grid (geom:SMIN:SMAX:K, list:...)\n"
            "  --sampler NAME      ddim | ancestral | euler | heun (default ddim); ancestral is the\n"
            "                      authors' stochastic VE sampler (also called authors)\n"
            "  --clamp LO:HI       clamp x to [LO, HI] after every step, for every sampler (default:\n"
            "                      none; the authors clamp to -1:1)\n"
            "  --level MODE        nearest | interp (default nearest)\n"
            "  --seed K            seed of the initial noise (default 0)\n"
            "measures:\n"
            "  --train PATH        training set: labels each sample memorized when its NN ratio at\n"
            "                      the alpha nearest 0 is below --threshold, and splits the summary\n"
            "  --threshold R       NN-ratio threshold (default 0.3333333333)\n"
            "  --mog PATH          Gaussian mixture: also report the posterior of --target-mode\n"
            "  --target-mode K     the target component of --mog (default 0)\n"
            "  --post-sigma S      noise level of that posterior (default 0.05)\n"
            "images:\n"
            "  --grid              write grid.png: rows = samples, columns = alphas\n"
            "  --image HxW[xC]     image shape (default: square gray if d is a square)\n"
            "  --range LO:HI       value range mapped to black..white (default -1:1)\n"
            "  -h, --help          this text\n\n"
            "writes DIR/samples.npy (alphas x n x d), alphas.npy, steer_vectors.npy (levels x p),\n"
            "steer_offsets.npy (levels x d: W2 v), curves.csv, per_sample.csv, summary.json [, grid.png]\n");
}

/* Joins DIR and a file name into buf. */
static const char *join(char *buf, size_t len, const char *dir, const char *name) {
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/* Writes curves.csv: one row per (sample, alpha). */
static mg_status write_curves(const char *path, const mg_steer_curves *c, const int *memo) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,alpha_index,alpha,distance,displacement,posterior%s\n", memo ? ",memorized" : "");
    for (int64_t i = 0; i < c->n; i++)
        for (int j = 0; j < c->na; j++) {
            fprintf(af.fp, "%lld,%d,%.9g,%.9g,%.9g,", (long long)i, j, c->alphas[j], c->dist[i * c->na + j],
                    c->disp[i * c->na + j]);
            if (c->post) fprintf(af.fp, "%.9g", c->post[i * c->na + j]);
            if (memo) fprintf(af.fp, ",%d", memo[i]);
            fputc('\n', af.fp);
        }
    return mg_atomic_commit(&af);
}

/* Writes per_sample.csv: the measures of each curve. */
static mg_status write_per_sample(const char *path, const mg_steer_curves *c, const int *memo, const double *ratio) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,class,mono,spearman,jump,path_jump,kink,gain,dist_first,dist_last,post_first,post_last%s\n",
            memo ? ",memorized,nn_ratio" : "");
    int na = c->na;
    for (int64_t i = 0; i < c->n; i++) {
        fprintf(af.fp, "%lld,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.9g,%.9g,", (long long)i, mg_steer_class_name(c->cls[i]),
                c->mono[i], c->spearman[i], c->jump[i], c->path_jump[i], c->kink[i], c->gain[i], c->dist[i * na],
                c->dist[i * na + na - 1]);
        if (c->post) fprintf(af.fp, "%.6g,%.6g", c->post[i * na], c->post[i * na + na - 1]);
        else fputc(',', af.fp);
        if (memo) fprintf(af.fp, ",%d,%.6g", memo[i], ratio[i]);
        fputc('\n', af.fp);
    }
    return mg_atomic_commit(&af);
}

/* A JSON object of a group summary. */
static cJSON *summary_json(const mg_steer_summary *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)s->count);
    cJSON_AddNumberToObject(o, "mono", s->mono);
    cJSON_AddNumberToObject(o, "spearman", s->spearman);
    cJSON_AddNumberToObject(o, "jump", s->jump);
    cJSON_AddNumberToObject(o, "path_jump", s->path_jump);
    cJSON_AddNumberToObject(o, "kink_median", s->kink_median);
    cJSON_AddNumberToObject(o, "gain", s->gain);
    cJSON_AddNumberToObject(o, "frac_smooth", s->frac_smooth);
    cJSON_AddNumberToObject(o, "frac_threshold", s->frac_threshold);
    cJSON_AddNumberToObject(o, "frac_static", s->frac_static);
    cJSON_AddNumberToObject(o, "dist_first", s->dist_first);
    cJSON_AddNumberToObject(o, "dist_last", s->dist_last);
    cJSON_AddNumberToObject(o, "post_first", s->post_first);
    cJSON_AddNumberToObject(o, "post_last", s->post_last);
    return o;
}

/* Prints one summary line. */
static void print_summary(const char *what, const mg_steer_summary *s) {
    printf("  %-12s n=%-5lld distance %.3g -> %.3g  mono %.2f  spearman %5.2f  jump %.2f  kink %5.2f  gain %5.2f  "
           "smooth %.2f  threshold %.2f  static %.2f\n",
           what, (long long)s->count, s->dist_first, s->dist_last, s->mono, s->spearman, s->jump, s->kink_median,
           s->gain, s->frac_smooth, s->frac_threshold, s->frac_static);
}

/* Entry point of `memgen steer`. */
int cmd_steer(int argc, char **argv) {
    const char *model = NULL, *target = NULL, *outdir = NULL, *sigma_s = "0.02", *alpha_s = "lin:0:1:11";
    const char *train = NULL, *mogp = NULL;
    sc_opts so = SC_OPTS_DEFAULT;
    int64_t vlevel = -1, final_steps = -1, skip_last = 0, n = 16, tmode = 0;
    uint64_t seed = 0, vseed = 1;
    double thr = 1.0 / 3.0, post_sigma = 0.05;
    int grid = 0;
    mc_model mm = MC_MODEL_INIT;
    const cli_opt opts[] = {
        CLI_OPT_STR("model", &model), CLI_OPT_STR("target", &target), CLI_OPT_OUTDIR("out", &outdir),
        CLI_OPT_STR("sigma", &sigma_s), CLI_OPT_INT("vector-level", &vlevel), CLI_OPT_STR("alphas", &alpha_s),
        CLI_OPT_INT("final-steps", &final_steps), CLI_OPT_INT("skip-last", &skip_last),
        CLI_OPT_UINT("vector-seed", &vseed), CLI_OPT_INT("n", &n), SC_OPTIONS(&so), CLI_OPT_UINT("seed", &seed),
        CLI_OPT_STR("train", &train), CLI_OPT_DOUBLE("threshold", &thr), CLI_OPT_STR("mog", &mogp),
        CLI_OPT_INT("target-mode", &tmode), CLI_OPT_DOUBLE("post-sigma", &post_sigma), CLI_OPT_FLAG("grid", &grid),
        MC_OPTION(&mm), CLI_OPT_END};
    int rc = cli_parse_options("steer", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (!model || !target || !outdir) return cli_usage("steer", "--model, --target and --out are required");
    if (n < 1 || n > 10000000) return cli_usage("steer", "--n must be in 1..1e7");
    if (skip_last < 0 || final_steps < -1) return cli_usage("steer", "--final-steps and --skip-last must be >= 0");
    if (vlevel < -1 || vlevel > 100000) return cli_usage("steer", "--vector-level must be a level index");
    if (!(thr > 0)) return cli_usage("steer", "--threshold must be > 0");
    if (!(post_sigma > 0)) return cli_usage("steer", "--post-sigma must be > 0");
    if (tmode < 0 || tmode > 100000) return cli_usage("steer", "--target-mode must be a component index");
    double vsigma;
    if (!strcmp(sigma_s, "own")) vsigma = NAN;
    else if (cli_parse_double("steer", "--sigma", sigma_s, &vsigma)) return CLI_USAGE;
    else if (!(vsigma >= 0)) return cli_usage("steer", "--sigma must be >= 0 or 'own'");
    if ((rc = sc_resolve("steer", &so)) != CLI_OK) return rc;
    double *alphas = NULL;
    int na = 0;
    if (mg_steer_parse_alphas(alpha_s, &alphas, &na) != MG_OK) return cli_usage("steer", "%s", mg_last_error());
    if (na < 2) {
        free(alphas);
        return cli_usage("steer", "--alphas needs at least two values");
    }

    mg_daeset *set = &mm.set;
    mg_array Xt = {0}, Xtr = {0}, S = {0};
    mg_mog mog = {0};
    mg_steer_vectors vec = {0};
    mg_steer_curves cv = {0};
    mg_memratio mr = {0};
    mg_denoiser den = {0};
    double *sig = NULL;
    int K = 0, *memo = NULL, *outside_mask = NULL;
    float *cen = NULL, *gridbuf = NULL;
    cJSON *js = NULL;
    char path[4096];
    mg_status st = mc_load(model, &mm);
    if (st == MG_OK && mm.tc) { /* the time-conditioned model's levels are the sampling grid */
        double lo, hi;
        mc_range(&mm, &lo, &hi);
        st = sc_sigma_grid(&so, NULL, 0, 60, lo, hi, &sig, &K);
        if (st == MG_OK) st = mc_levels(&mm, sig, K);
        free(sig);
        sig = NULL;
    }
    if (st == MG_OK) st = mg_npy_read_matrix(target, "target samples", 0, &Xt);
    if (st == MG_OK && train) st = mg_npy_read_matrix(train, "training data", 0, &Xtr);
    if (st == MG_OK && mogp) st = mg_mog_load(mogp, &mog);
    if (st != MG_OK) goto done;
    int64_t d = mg_dae_dim(set->levels[0]);
    if (Xt.shape[1] != d || (train && Xtr.shape[1] != d) || (mogp && mog.d != d)) {
        st = mg_fail(MG_ERR_SHAPE, "the model works in dimension %lld but --target has %lld columns%s", (long long)d,
                     (long long)Xt.shape[1], train || mogp ? " (or --train / --mog differ)" : "");
        goto done;
    }
    if (train && Xtr.shape[0] < 2) {
        st = mg_fail(MG_ERR_ARG, "--train needs at least 2 rows for the nearest-neighbour ratio");
        goto done;
    }
    if (mogp && tmode >= mog.K) {
        st = mg_fail(MG_ERR_ARG, "--target-mode %lld: the mixture has %d components", (long long)tmode, mog.K);
        goto done;
    }
    if (vlevel >= set->count) {
        st = mg_fail(MG_ERR_ARG, "--vector-level %lld: the set has levels 0..%d", (long long)vlevel, set->count - 1);
        goto done;
    }
    st = sc_sigma_grid(&so, set->sigmas, set->count, 0, set->sigmas[0], set->sigmas[set->count - 1], &sig, &K);
    if (st != MG_OK) goto done;
    if (final_steps < 0) final_steps = K / 2;
    mg_png_grid g;
    if (grid && (st = sc_grid(&so, d, &g)) != MG_OK) goto done;
    mg_steer_params sp = MG_STEER_PARAMS_DEFAULT;
    mg_steer_window(sig, K, (int)(final_steps < K ? final_steps : K), (int)(skip_last < K ? skip_last : K),
                    &sp.sigma_hi, &sp.sigma_lo);
    fprintf(stderr,
            "steer: model=%s (%d levels, d=%lld) target=%s (%lld rows) sigma=%s vector-level=%s alphas=%d [%g .. %g]\n"
            "steer: n=%lld sampler=%s levels=%d [%g .. %g] level=%s final-steps=%lld skip-last=%lld (steered sigma in "
            "(%g, %g]) seed=%llu vector-seed=%llu out=%s\n",
            model, set->count, (long long)d, target, (long long)Xt.shape[0], sigma_s,
            vlevel < 0 ? "all" : "one", na, alphas[0], alphas[na - 1], (long long)n, mg_sampler_name(so.kind), K, sig[0],
            sig[K - 1], so.level, (long long)final_steps, (long long)skip_last, sp.sigma_lo, sp.sigma_hi,
            (unsigned long long)seed, (unsigned long long)vseed, outdir);
    if ((st = mg_mkdir_p(outdir)) != MG_OK) goto done;

    /* steering vectors (Eq. 11) */
    mg_steer_vec_params vp = {vsigma, (int)vlevel};
    mg_rng vr;
    mg_rng_init(&vr, vseed);
    if ((st = mg_steer_vectors_compute(set, mg_mat_of_array(&Xt), &vp, &vr, &vec)) != MG_OK) goto done;
    int64_t vshape[2] = {vec.count, vec.pmax}, ushape[2] = {vec.count, d};
    if ((st = mg_npy_write_f32(join(path, sizeof path, outdir, "steer_vectors.npy"), vec.V, 2, vshape)) != MG_OK ||
        (st = mg_npy_write_f32(join(path, sizeof path, outdir, "steer_offsets.npy"), vec.U, 2, ushape)) != MG_OK)
        goto done;

    /* the sweep: same seed for every alpha */
    if ((double)na * (double)n * (double)d > 1e9) {
        st = mg_fail(MG_ERR_ARG, "%d alphas x %lld samples x %lld values would need %.1f GB; reduce --n or --alphas",
                     na, (long long)n, (long long)d, (double)na * (double)n * (double)d * 4e-9);
        goto done;
    }
    int64_t shape[3] = {na, n, d};
    if ((st = mg_array_alloc(&S, MG_F32, 3, shape)) != MG_OK) goto done;
    if ((st = mg_denoiser_steered(set, so.mode, &vec, &sp, &den)) != MG_OK) goto done;
    cli_progress bar;
    cli_progress_start(&bar, "steering", (int64_t)na * n * K);
    sc_progress pc = {&bar, 0};
    mg_sample_params p = sc_sample_params(&so, sig, K, &pc);
    double t0 = mg_now();
    for (int j = 0; j < na && st == MG_OK; j++) {
        mg_rng rng;
        mg_rng_init(&rng, seed);
        pc.base = (int64_t)j * n * K;
        st = mg_denoiser_steered_set_alpha(&den, alphas[j]);
        mg_mat Sj = {n, d, d, (float *)S.data + (size_t)j * (size_t)(n * d)};
        if (st == MG_OK) st = mg_sample(&den, &p, &rng, Sj);
    }
    if (st != MG_OK) goto done;
    cli_progress_end(&bar, NULL);
    double el = mg_now() - t0;

    /* measures */
    cen = mg_calloc((size_t)d, sizeof(float));
    if (!cen) {
        st = mg_fail(MG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if ((st = mg_steer_centroid(mg_mat_of_array(&Xt), cen)) != MG_OK) goto done;
    mg_steer_post post = {mogp ? &mog : NULL, (int)tmode, post_sigma};
    if ((st = mg_steer_measure(S.data, na, alphas, n, d, cen, &post, &cv)) != MG_OK) goto done;
    int j0 = 0;
    for (int j = 1; j < na; j++)
        if (fabs(alphas[j]) < fabs(alphas[j0])) j0 = j;
    if (train) {
        mg_mat S0 = {n, d, d, (float *)S.data + (size_t)j0 * (size_t)(n * d)};
        if ((st = mg_memratio_compute(S0, mg_mat_of_array(&Xtr), thr, &mr)) != MG_OK) goto done;
        memo = malloc((size_t)n * sizeof(int));
        if (!memo) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int64_t i = 0; i < n; i++) memo[i] = mr.memorized[i];
    }
    mg_steer_summary all, mem, gen, outside;
    if ((st = mg_steer_summarize(&cv, NULL, 0, &all)) != MG_OK) goto done;
    if (mogp) { /* the samples that start outside the target mode */
        outside_mask = malloc((size_t)n * sizeof(int));
        if (!outside_mask) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int64_t i = 0; i < n; i++) outside_mask[i] = cv.post[i * na] < 0.5;
        if ((st = mg_steer_summarize(&cv, outside_mask, 1, &outside)) != MG_OK) goto done;
    }
    if (memo && ((st = mg_steer_summarize(&cv, memo, 1, &mem)) != MG_OK ||
                 (st = mg_steer_summarize(&cv, memo, 0, &gen)) != MG_OK))
        goto done;

    /* outputs */
    mg_array A = {MG_F64, 1, {na}, alphas}; /* na, borrowed */
    if ((st = mg_npy_write(join(path, sizeof path, outdir, "samples.npy"), &S)) != MG_OK ||
        (st = mg_npy_write(join(path, sizeof path, outdir, "alphas.npy"), &A)) != MG_OK ||
        (st = write_curves(join(path, sizeof path, outdir, "curves.csv"), &cv, memo)) != MG_OK ||
        (st = write_per_sample(join(path, sizeof path, outdir, "per_sample.csv"), &cv, memo, memo ? mr.ratio : NULL)) !=
            MG_OK)
        goto done;
    js = cJSON_CreateObject();
    cJSON *cfg = cJSON_AddObjectToObject(js, "config");
    cJSON_AddStringToObject(cfg, "model", model);
    cJSON_AddStringToObject(cfg, "target", target);
    cJSON_AddNumberToObject(cfg, "n_target", (double)Xt.shape[0]);
    cJSON_AddStringToObject(cfg, "sigma", sigma_s);
    cJSON_AddNumberToObject(cfg, "vector_level", (double)vlevel);
    cJSON_AddItemToObject(cfg, "alphas", cJSON_CreateDoubleArray(alphas, na));
    cJSON_AddNumberToObject(cfg, "n", (double)n);
    cJSON_AddItemToObject(cfg, "sigmas", cJSON_CreateDoubleArray(sig, K));
    cJSON_AddStringToObject(cfg, "sampler", mg_sampler_name(so.kind));
    cJSON_AddStringToObject(cfg, "level", so.level);
    cJSON_AddNumberToObject(cfg, "final_steps", (double)final_steps);
    cJSON_AddNumberToObject(cfg, "skip_last", (double)skip_last);
    cJSON_AddNumberToObject(cfg, "sigma_hi", sp.sigma_hi);
    cJSON_AddNumberToObject(cfg, "sigma_lo", sp.sigma_lo);
    cJSON_AddNumberToObject(cfg, "seed", (double)seed);
    cJSON_AddNumberToObject(cfg, "vector_seed", (double)vseed);
    if (train) {
        cJSON_AddStringToObject(cfg, "train", train);
        cJSON_AddNumberToObject(cfg, "threshold", thr);
        cJSON_AddNumberToObject(cfg, "label_alpha", alphas[j0]);
    }
    if (mogp) {
        cJSON_AddStringToObject(cfg, "mog", mogp);
        cJSON_AddNumberToObject(cfg, "target_mode", (double)tmode);
        cJSON_AddNumberToObject(cfg, "post_sigma", post_sigma);
    }
    cJSON_AddItemToObject(js, "all", summary_json(&all));
    if (mogp) cJSON_AddItemToObject(js, "start_outside_target", summary_json(&outside));
    if (memo) {
        cJSON_AddItemToObject(js, "memorized", summary_json(&mem));
        cJSON_AddItemToObject(js, "generalized", summary_json(&gen));
    }
    cJSON_AddNumberToObject(js, "seconds", el);
    if ((st = mg_write_json_atomic(join(path, sizeof path, outdir, "summary.json"), js)) != MG_OK) goto done;
    if (grid) {
        gridbuf = mg_alloc((size_t)na * (size_t)n * (size_t)d, sizeof(float));
        if (!gridbuf) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory for the grid");
            goto done;
        }
        for (int64_t i = 0; i < n; i++)
            for (int j = 0; j < na; j++)
                memcpy(gridbuf + ((size_t)i * (size_t)na + (size_t)j) * (size_t)d,
                       (float *)S.data + ((size_t)j * (size_t)n + (size_t)i) * (size_t)d, (size_t)d * sizeof(float));
        g.grid_cols = na;
        st = mg_png_write_grid(join(path, sizeof path, outdir, "grid.png"), gridbuf, (int64_t)na * n, &g);
        if (st != MG_OK) goto done;
    }
    printf("steered %lld samples over %d alphas [%g .. %g] in %.2f s; results in %s\n", (long long)n, na, alphas[0],
           alphas[na - 1], el, outdir);
    print_summary("all", &all);
    if (mogp) print_summary("from outside", &outside);
    if (memo) {
        print_summary("memorized", &mem);
        print_summary("generalized", &gen);
    }
done:
    mg_denoiser_free(&den);
    mc_free(&mm);
    mg_array_free(&Xt);
    mg_array_free(&Xtr);
    mg_array_free(&S);
    mg_mog_free(&mog);
    mg_steer_vectors_free(&vec);
    mg_steer_curves_free(&cv);
    mg_memratio_free(&mr);
    cJSON_Delete(js);
    free(sig);
    free(alphas);
    free(memo);
    free(outside_mask);
    free(cen);
    free(gridbuf);
    return st == MG_OK ? CLI_OK : cli_fail("steer", st);
}
