/*
 * memgen theory: what the paper's theory says about a dataset at a noise
 * level and weight decay: (alpha, beta)-separability (Definition 3.1), the
 * margin of Eq. 16 and whether Theorem 3.1's assumptions hold, the predicted
 * losses of the closed-form minimiser, the memorization loss of Corollary
 * 3.2, and, for a Gaussian mixture, the population risks of Corollary 3.3.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/fileio.h"
#include "memgen/mog.h"
#include "theory_cli.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen theory --data X.npy [--labels L.npy | --clusters K] --sigma S --lambda L\n"
            "                     [--hidden P] [--mog params.safetensors] [--json out.json]\n\n"
            "Reports, for the data partitioned into clusters: (alpha, beta)-separability\n"
            "(Definition 3.1), the margin gamma of Eq. 16, the measured pre-activation margins\n"
            "of the closed-form minimiser and a verdict on Theorem 3.1's assumptions; the\n"
            "predicted training loss (Eq. 6) of the construction; the memorization loss\n"
            "(1/n) sum s^2|x|^2/(s^2+|x|^2) of Corollary 3.2 (< sigma^2); with --mog the\n"
            "population risk of each Gaussian mode's rank-p_k Wiener filter (Corollary 3.3,\n"
            "per-direction term s^2 e/(e+s^2) plus the discarded tail) and the construction's\n"
            "test risk on the mixture.\n\n"
            "options:\n"
            TC_HELP_PARTITION
            "  --sigma S            noise level sigma of Eq. 6 (required)\n"
            "  --lambda L           the Eq. 6 lambda (train --lambda; default 0)\n"
            "  --hidden P           hidden width p (required, except mode mem: default n)\n"
            "  --widths A,B,...     width of each cluster (default: the allocation rule)\n"
            "  --dup-tol T          rank-1 (duplicated) cluster threshold eig2/eig1 (default 1e-6)\n"
            TC_HELP_CLUSTERING
            "  --mog PATH           Gaussian-mixture parameters (memgen data mog) for the\n"
            "                       population risks (default: none)\n"
            "  --json PATH          everything above as JSON (default: none)\n"
            "  -h, --help           this text\n");
}

/* Population risks on the mixture: oracle and construction (JSON + text). */
static mg_status mog_section(const char *path, const tc_problem *pr, const mg_construction *c, double wd,
                             cJSON *js) {
    mg_mog mog;
    MG_TRY(mg_mog_load(path, &mog));
    mg_status st = MG_OK;
    int K = mog.K;
    int64_t d = mog.d;
    int64_t *match = malloc((size_t)c->K * sizeof(int64_t)), *wk = calloc((size_t)K, sizeof(int64_t));
    double *risk_c = malloc((size_t)K * sizeof(double)), *risk_o = malloc((size_t)K * sizeof(double));
    double *risk_f = malloc((size_t)K * sizeof(double)), *ev = malloc((size_t)d * sizeof(double));
    double tot_c = 0, tot_o = 0, tot_f = 0;
    if (!match || !wk || !risk_c || !risk_o || !risk_f || !ev) {
        st = mg_fail(MG_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (d != c->d) {
        st = mg_fail(MG_ERR_SHAPE, "%s: the mixture has dimension %lld but the data %lld", path, (long long)d,
                     (long long)c->d);
        goto done;
    }
    if ((st = mg_construction_mog_risk(mg_mat_of_array(&pr->X), c, &mog, match, risk_c, &tot_c)) != MG_OK) goto done;
    for (int64_t b = 0; b < c->K; b++) wk[match[b]] += c->blocks[b].kept;
    if ((st = mg_mog_oracle_risk(&mog, c->sigma, wd, wk, risk_o, &tot_o)) != MG_OK) goto done;
    if ((st = mg_mog_oracle_risk(&mog, c->sigma, 0.0, NULL, risk_f, &tot_f)) != MG_OK) goto done;
    cJSON *m = cJSON_AddObjectToObject(js, "mixture");
    cJSON_AddStringToObject(m, "params", path);
    cJSON_AddNumberToObject(m, "construction_test_risk", tot_c);
    cJSON_AddNumberToObject(m, "oracle_rank_p_risk", tot_o);
    cJSON_AddNumberToObject(m, "full_rank_wiener_risk", tot_f);
    cJSON *comps = cJSON_AddArrayToObject(m, "components");
    printf("population risk on the mixture (%d modes): construction %.6g, oracle rank-p_k Wiener filters %.6g, "
           "full-rank per-mode Wiener %.6g\n", K, tot_c, tot_o, tot_f);
    for (int k = 0; k < K; k++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "weight", mog.weights[k]);
        cJSON_AddNumberToObject(e, "width", (double)wk[k]);
        cJSON_AddNumberToObject(e, "construction_risk", risk_c[k]);
        cJSON_AddNumberToObject(e, "oracle_risk", risk_o[k]);
        cJSON_AddNumberToObject(e, "full_rank_risk", risk_f[k]);
        if ((st = mg_mog_second_moment_eigs(&mog, k, ev)) != MG_OK) {
            cJSON_Delete(e);
            goto done;
        }
        cJSON *top = cJSON_AddArrayToObject(e, "second_moment_top_eigenvalues");
        for (int64_t j = 0; j < d && j < 64; j++) cJSON_AddItemToArray(top, cJSON_CreateNumber(ev[j]));
        cJSON_AddItemToArray(comps, e);
        printf("  mode %d (weight %.3g, width %lld): construction %.6g, oracle %.6g, full rank %.6g\n", k,
               mog.weights[k], (long long)wk[k], risk_c[k], risk_o[k], risk_f[k]);
    }
    cJSON *mb = cJSON_AddArrayToObject(m, "block_component");
    for (int64_t b = 0; b < c->K && b < 4096; b++) cJSON_AddItemToArray(mb, cJSON_CreateNumber((double)match[b]));
done:
    free(match), free(wk), free(risk_c), free(risk_o), free(risk_f), free(ev);
    mg_mog_free(&mog);
    return st;
}

/* Entry point of `memgen theory`. */
int cmd_theory(int argc, char **argv) {
    tc_opts o = TC_OPTS_DEFAULT;
    const char *json = NULL, *mogp = NULL;
    double sigma = NAN;
    const cli_opt opts[] = {
        TC_OPTIONS(&o), CLI_OPT_DOUBLE("sigma", &sigma), CLI_OPT_STR("mog", &mogp), CLI_OPT_OUT("json", &json),
        CLI_OPT_END};
    int rc = cli_parse_options("theory", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (sigma < 0) return cli_usage("theory", "--sigma must be >= 0");
    if (!o.data) return cli_usage("theory", "--data is required");
    if (isnan(sigma)) return cli_usage("theory", "--sigma is required");

    tc_problem pr;
    if ((rc = tc_load("theory", &o, &pr)) != CLI_OK) return rc;
    int64_t n = pr.X.shape[0], d = pr.X.shape[1];
    fprintf(stderr, "theory: data=%s (%lld x %lld) mode=%s clusters=%lld hidden=%lld sigma=%.6g lambda=%.6g "
            "(n*lambda = %.6g) widths=%s mog=%s\n", o.data, (long long)n, (long long)d, mg_partition_mode_str(pr.part.mode),
            (long long)pr.part.K, (long long)o.hidden, sigma, o.wd, (double)n * o.wd, o.widths_spec ? o.widths_spec : "auto",
            mogp ? mogp : "none");

    mg_status st = MG_OK;
    mg_construction con = {0};
    mg_separability sep;
    int64_t K = pr.part.K;
    const int64_t *lab = pr.part.labels;
    cJSON *js = cJSON_CreateObject();
    mg_mat X = mg_mat_of_array(&pr.X);
    if (!js) st = mg_fail(MG_ERR_NOMEM, "out of memory");
    if (st == MG_OK) st = tc_construct(&o, &pr, sigma, &con);
    if (st == MG_OK) st = mg_separability_compute(X, lab, K, &sep);
    if (st == MG_OK) st = mg_theory_verdict(X, &con, &sep);
    if (st == MG_OK) {
        double mem = mg_mem_loss(X, sigma), kl = mg_mem_kl_bound(X);
        tc_problem_json(js, &o, &pr);
        cJSON_AddItemToObject(js, "separability", tc_separability_json(&sep));
        cJSON_AddItemToObject(js, "construction", tc_construction_json(&con, 256));
        cJSON *b = cJSON_AddObjectToObject(js, "memorization");
        cJSON_AddNumberToObject(b, "loss_cor_3_2", mem);
        cJSON_AddNumberToObject(b, "sigma_squared_bound", sigma * sigma);
        cJSON_AddNumberToObject(b, "kl_bound_pi_over_2_max_norm", kl);

        printf("separability (Definition 3.1): alpha = %.4g (sample %lld), beta = %.4g", sep.alpha,
               (long long)sep.alpha_sample, sep.beta);
        if (K > 1) printf(" (clusters %lld, %lld)", (long long)sep.beta_k, (long long)sep.beta_l);
        printf("\nmargin gamma (Eq. 16) = %.4g; measured pre-activations: own block >= %.4g, other blocks <= %.4g "
               "(%lld samples violate the masks)\n", sep.gamma, sep.on_min, sep.off_max,
               (long long)sep.mask_violations);
        printf("Theorem 3.1 assumptions: %s", sep.holds ? "hold" : "do not all hold:");
        if (!sep.beta_negative) printf(" beta >= 0;");
        if (!sep.alpha_below_one) printf(" alpha too large for c_proj;");
        if (!sep.alpha_small) printf(" alpha > |beta|/4;");
        if (!sep.gamma_positive) printf(" gamma <= 0;");
        if (!sep.wd_ok) printf(" n*lambda >= some eigenvalues (directions dropped);");
        if (!sep.masks_ok) printf(" masks fail on the data;");
        printf("\n");
        tc_print_construction(stdout, &con);
        printf("memorization loss (Cor. 3.2, lambda -> 0): %.6g (< sigma^2 = %.6g); paper's KL bound pi/2 max|x| = "
               "%.4g\n", mem, sigma * sigma, kl);
        if (mogp) st = mog_section(mogp, &pr, &con, o.wd, js);
    }
    if (st == MG_OK && json) st = mg_write_json_atomic(json, js);
    cJSON_Delete(js);
    mg_construction_free(&con);
    tc_problem_free(&pr);
    return st == MG_OK ? CLI_OK : cli_fail("theory", st);
}
