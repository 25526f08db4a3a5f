/*
 * memgen solve: the closed-form DAE of Theorem 3.1 (Lemma C.1 blocks,
 * Corollaries 3.2-3.4) for a dataset, written as an ordinary memgen DAE (or,
 * with --sigmas, a DAE set with one construction per noise level).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/daeset.h"
#include "memgen/fileio.h"
#include "memgen/schedule.h"
#include "theory_cli.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen solve --data X.npy [--labels L.npy | --clusters K] --sigma S --lambda L\n"
            "                    --hidden P --out model.safetensors [options]\n\n"
            "Builds the closed-form minimiser of the DAE loss (paper Eq. 6) without training:\n"
            "block k of W1 = W2 is U_k (I + n_k s^2 L_k^-1)^-1/2 (I - n lambda L_k^-1)^1/2 O_k^T\n"
            "(Theorem 3.1, Eq. 8) from the eigenpairs of cluster k's scatter matrix.\n"
            "Modes: 'mem' = one cluster per sample (Corollary 3.2, needs P >= n); 'blocks' =\n"
            "clusters from --labels or spherical k-means (Corollaries 3.3/3.4: rank-1\n"
            "duplicated clusters are detected and memorised by one column; --duplicates splits\n"
            "copies of a sample off into such clusters); 'lae' = one block\n"
            "(Lemma C.1). Directions with eigenvalue <= n*lambda are dropped (zero columns).\n\n"
            "options:\n"
            TC_HELP_PARTITION
            "  --sigma S            noise level sigma of Eq. 6 (required unless --sigmas)\n"
            "  --sigmas SPEC        a set over noise levels: geom:SMIN:SMAX:K, list:S1,S2,...\n"
            "                       (writes a DAE set; one construction per level)\n"
            "  --lambda L           the Eq. 6 lambda (train --lambda; default 0): loss =\n"
            "                       (1/n) sum E|f(x+sigma eps)-x|^2 + lambda (|W1|^2 + |W2|^2)\n"
            "  --hidden P           hidden width p (required, except mode mem: default n)\n"
            "  --widths A,B,...     width of each cluster (default: the allocation rule, which\n"
            "                       minimises the predicted training loss)\n"
            "  --dup-tol T          a cluster is rank-1 (duplicated) when eig2 <= T eig1 (default 1e-6)\n"
            TC_HELP_CLUSTERING
            "  --json PATH          construction summary: blocks, eigenvalues, predicted losses\n"
            "                       (default: none)\n"
            "  --out PATH           output model .safetensors (required)\n"
            "  -h, --help           this text\n");
}

/* Entry point of `memgen solve`. */
int cmd_solve(int argc, char **argv) {
    tc_opts o = TC_OPTS_DEFAULT;
    const char *sigspec = NULL, *json = NULL, *out = NULL;
    double sigma = NAN;
    const cli_opt opts[] = {
        TC_OPTIONS(&o), CLI_OPT_DOUBLE("sigma", &sigma), CLI_OPT_STR("sigmas", &sigspec), CLI_OPT_OUT("json", &json),
        CLI_OPT_OUT("out", &out), CLI_OPT_END};
    int rc = cli_parse_options("solve", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (sigma < 0) return cli_usage("solve", "--sigma must be >= 0");
    if (!o.data || !out) return cli_usage("solve", "--data and --out are required");
    if (isnan(sigma) == !sigspec) return cli_usage("solve", "give exactly one of --sigma and --sigmas");

    double *sigmas = NULL;
    int nsig = 1;
    mg_status st = MG_OK;
    if (sigspec) {
        st = mg_sigmas_parse(sigspec, &sigmas, &nsig);
        if (st != MG_OK) return cli_usage("solve", "--sigmas: %s", mg_last_error());
    } else {
        sigmas = malloc(sizeof(double));
        if (!sigmas) return cli_fail("solve", mg_fail(MG_ERR_NOMEM, "out of memory"));
        sigmas[0] = sigma;
    }
    tc_problem pr;
    if ((rc = tc_load("solve", &o, &pr)) != CLI_OK) {
        free(sigmas);
        return rc;
    }
    int64_t n = pr.X.shape[0], d = pr.X.shape[1];
    fprintf(stderr, "solve: data=%s (%lld x %lld) mode=%s clusters=%lld%s%s hidden=%lld lambda=%.6g (n*lambda = %.6g) "
            "dup-tol=%g sigmas=%d (%.6g..%.6g) widths=%s out=%s\n",
            o.data, (long long)n, (long long)d, mg_partition_mode_str(pr.part.mode), (long long)pr.part.K, o.labels ? " from " : "",
            o.labels ? o.labels : (o.clusters ? " by k-means" : ""), (long long)o.hidden, o.wd, (double)n * o.wd,
            o.dup_tol, nsig, sigmas[0], sigmas[nsig - 1], o.widths_spec ? o.widths_spec : "auto", out);
    if (!isnan(pr.part.kmeans_objective))
        fprintf(stderr, "solve: k-means mean cosine to centroid %.4f\n", pr.part.kmeans_objective);

    mg_daeset set = {0};
    mg_dae *single = NULL;
    cJSON *js = json ? cJSON_CreateObject() : NULL, *jl = NULL;
    if (js) {
        tc_problem_json(js, &o, &pr);
        jl = cJSON_AddArrayToObject(js, "levels");
    }
    if (nsig > 1) st = mg_daeset_alloc(nsig, sigmas, &set);
    cli_progress prog;
    if (nsig > 1) cli_progress_start(&prog, "solve", nsig);
    double t_total = 0;
    mg_construction con = {0};
    for (int k = 0; k < nsig && st == MG_OK; k++) {
        double t0 = mg_now();
        st = tc_construct(&o, &pr, sigmas[k], &con);
        double dt = mg_now() - t0;
        t_total += dt;
        if (st != MG_OK) {
            mg_fail_context(st, "sigma = %g", sigmas[k]);
            break;
        }
        mg_dae *m = NULL;
        st = mg_construction_to_dae(&con, &m);
        if (st == MG_OK) st = mg_dae_set_meta(m, "data", o.data);
        if (st == MG_OK) {
            if (nsig > 1) set.levels[k] = m;
            else single = m;
        } else {
            mg_dae_free(m);
        }
        if (jl) {
            cJSON *e = tc_construction_json(&con, 256);
            cJSON_AddNumberToObject(e, "seconds", dt);
            cJSON_AddItemToArray(jl, e);
        }
        if (nsig == 1 || k == nsig - 1) tc_print_construction(stdout, &con);
        if (nsig > 1) cli_progress_update(&prog, k + 1, NULL);
        mg_construction_free(&con);
    }
    if (nsig > 1) cli_progress_end(&prog, NULL);
    if (st == MG_OK && nsig > 1) {
        st = mg_daeset_set_meta(&set, "construction", "closed-form (memgen solve)");
        if (st == MG_OK) st = mg_daeset_save(&set, out);
    } else if (st == MG_OK) {
        st = mg_dae_save(single, out);
    }
    if (st == MG_OK && js) {
        cJSON_AddNumberToObject(js, "seconds", t_total);
        st = mg_write_json_atomic(json, js);
    }
    if (st == MG_OK)
        printf("wrote %s (%s, %d noise level%s) in %.3f s of closed forms%s%s\n", out,
               nsig > 1 ? "DAE set" : "DAE", nsig, nsig > 1 ? "s" : "", t_total, json ? "; summary " : "",
               json ? json : "");
    cJSON_Delete(js);
    mg_dae_free(single);
    mg_daeset_free(&set);
    tc_problem_free(&pr);
    free(sigmas);
    return st == MG_OK ? CLI_OK : cli_fail("solve", st);
}
