/*
 * memgen detect: memorization detection from representation spikiness
 * (paper Algorithm 1, Section 4.1, Table 1): score samples of a memgen model or
 * activations exported from any framework, calibrate a threshold on
 * generalized reference samples, evaluate against labels (AUROC, TPR at 1%
 * FPR, bootstrap intervals), benchmark every detector against the baselines
 * on labelled generations, or run the Table-1 experiment end to end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "features_cli.h"
#include "memgen/detect.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"
#include "memgen/schedule.h"

/* Usage text with defaults. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen detect (--model SET --data S.npy | --features A.npy) [options]\n"
            "       memgen detect --benchmark --model SET --train X.npy --data S.npy [options]\n"
            "       memgen detect --table1 [experiment options]\n\n"
            "Detects memorized samples by the spikiness of their representation (Algorithm 1):\n"
            "x_t = x + sigma eps, h = relu(W1^T x_t) at the DAE level nearest sigma, score =\n"
            "metric(h); higher = memorized; flagged when score > threshold.\n"
            "Modes follow the inputs: scores (always), a threshold (--threshold, or calibrated\n"
            "on --reference generalized samples at --fpr: the threshold is the (n-k)-th smallest\n"
            "reference score, k = floor(fpr n)), evaluation (--labels: exact AUROC with midranks,\n"
            "TPR at --fpr = the largest TPR whose FPR <= fpr, no interpolation, stratified\n"
            "bootstrap intervals).\n\n"
            "inputs:\n"
            "  --model PATH        a memgen DAE set or single DAE (.safetensors)\n"
            "  --data PATH         samples to score, n x d .npy (with --model)\n"
            "  --features PATH     activations from another framework, .npy: n x F, n x C x H x W\n"
            "                      or n x T x C (reduced by --pool over H, W or T)\n"
            "  --layout L          auto | nf | nchw | nhwc | ntc (default auto: 2-D nf, 3-D ntc,\n"
            "                      4-D+ nchw)\n"
            "  --pool P            max | mean | none (default max: global max pooling, App. B.2)\n"
            "  --reference PATH    generalized reference samples (or activations) for calibration\n"
            "  --labels PATH       0/1 labels of the scored samples (1 = memorized), .npy\n"
            "detector:\n"
            "  --metric M          std | l4l2 | negentropy | maxmin | top1 | negpr | all (default std)\n"
            "  --sigma S           noise level of x_t and the DAE level (default 0.2; 0 = clean x,\n"
            "                      lowest level)\n"
            "  --sigmas SPEC       several levels (list:0.1,0.2 or geom:A:B:K), same noise scaled\n"
            "  --combine C         mean | concat: per-level scores averaged or representations\n"
            "                      concatenated (default mean)\n"
            "  --seed K            noise seed (default 0)\n"
            "  --threshold T       flag score > T (single metric)\n"
            "  --fpr A             target false-positive rate (default 0.01)\n"
            "  --bootstrap B       bootstrap resamples for intervals (default 200; 0 = none)\n"
            "  --ci LEVEL          interval level (default 0.95)\n"
            "outputs:\n"
            "  --out PATH          per-sample CSV: scores (+ flag, label) (default: none)\n"
            "  --scores-out PATH   scores as float64 .npy, n (one metric) or n x metrics (default: none)\n"
            "  --flags-out PATH    flags as int64 .npy (needs a threshold) (default: none)\n"
            "  --roc PATH          ROC curve CSV per metric (needs --labels) (default: none)\n"
            "  --json PATH         summary JSON (default: none)\n"
            "benchmark and table 1 (every detector: the spikiness metrics, FLIPD/LID, the\n"
            "denoising error, the near-duplicate count, the NN-ratio oracle; see detect.h):\n"
            "  --benchmark         label --data by NN ratio against --train and score every detector\n"
            "  --train PATH        training data (benchmark)\n"
            "  --mem-ratio R       memorized when NN ratio < R (default 0.3333333333)\n"
            "  --gen-ratio R       generalized when NN ratio >= R and max cosine <= --gen-cos;\n"
            "                      otherwise dropped as ambiguous (default 0.5)\n"
            "  --gen-cos C         (default 0.9; 1 = no cosine condition). The training set is\n"
            "                      deduplicated first (copies within --dedup-tol), else a generation\n"
            "                      equal to a duplicated sample would have ratio 1\n"
            "  --dedup-tol T       rows are copies when |a-b| <= T max(|a|,|b|) (default 1e-6)\n"
            "  --flipd-sigma S     level of FLIPD and of the Jacobian rank (default: --sigma)\n"
            "  --clique-tau T      near duplicates: |a-b| <= T (|a|+|b|)/2 (default 0.1)\n"
            "  --clique-k K        nearest generations examined (default 50)\n"
            "  --repeats R         time each detector R times, keep the fastest (default 3)\n"
            "  --table PATH        the table as CSV (default: none)\n"
            "  --table1            build the hybrid regime (Cor. 3.4: a Gaussian mixture whose abundant\n"
            "                      modes are generalised and whose scarce modes hold one duplicated\n"
            "                      sample each, memorised; means on a simplex) as a CONSTRUCTED DAE\n"
            "                      set, sample with DDIM, and run the benchmark:\n"
            "    --d D             dimension (default 256)\n"
            "    --modes K         abundant components (default 1)\n"
            "    --per-mode N      training samples per abundant component (default 500)\n"
            "    --mean-scale S    |mu_k| (default 5)\n"
            "    --cov-rate R      covariance eigenvalue decay (default 0.9)\n"
            "    --cov-rank R      nonzero covariance eigenvalues (default 64)\n"
            "    --dup-count M     scarce components = duplicated samples (default 2)\n"
            "    --dup-times C     copies of each (default 10)\n"
            "    --hidden P        DAE width (default 64)\n"
            "    --wd L            weight decay lambda (default 0)\n"
            "    --sigma-min S, --sigma-max S, --levels K   the set's grid (default 0.02, 20, 20)\n"
            "    --n-gen N         generations (default 1000)\n"
            "    --save-dir DIR    also write train.npy, model.safetensors, gens.npy, eval_index.npy,\n"
            "                      eval_labels.npy, scores.csv there (default: none)\n"
            "  -h, --help          this text\n");
}

/* Resolved options. */
typedef struct {
    const char *model, *data, *reference, *labels, *sigspec, *train;
    const char *out, *scores_out, *flags_out, *roc, *json, *table, *save_dir;
    fc_opts fc; /* --features, --layout, --pool */
    int all_metrics;
    mg_spike_metric metric;
    mg_detect_params dp;
    double *sigmas;
    int nsigmas;
    uint64_t seed;
    int have_thr;
    double threshold, fpr, ci;
    int bootstrap, benchmark, table1;
    mg_table1_params t1;
} detect_opts;

/* Loads samples or activations as an n x F float matrix. */
static mg_status load_rows(const detect_opts *o, const char *path, const char *what, mg_array *out) {
    if (o->fc.path) return fc_read(&o->fc, path, out);
    return mg_npy_read_matrix(path, what, 0, out);
}

/* Scores of one metric for the loaded rows (model or features). */
static mg_status score_rows(const detect_opts *o, const mg_daeset *set, const mg_array *X, mg_spike_metric m,
                            double *scores) {
    if (o->fc.path) return mg_spikiness_rows(mg_mat_of_array(X), m, scores);
    mg_detect_params p = o->dp;
    p.metric = m;
    mg_rng rng;
    mg_rng_init(&rng, o->seed);
    return mg_detect_model(set, mg_mat_of_array(X), &p, &rng, scores);
}

/* Adds an evaluation to a JSON object. */
static void eval_json(cJSON *o, const mg_detect_eval *e) {
    cJSON_AddNumberToObject(o, "n_memorized", (double)e->n_pos);
    cJSON_AddNumberToObject(o, "n_generalized", (double)e->n_neg);
    cJSON_AddNumberToObject(o, "auroc", e->auroc);
    cJSON_AddNumberToObject(o, "tpr", e->tpr);
    cJSON_AddNumberToObject(o, "fpr_target", e->fpr_target);
    cJSON_AddNumberToObject(o, "tpr_threshold", e->thr_at_fpr);
    cJSON_AddNumberToObject(o, "bootstrap", e->bootstrap);
    cJSON_AddNumberToObject(o, "ci_level", e->level);
    cJSON_AddNumberToObject(o, "auroc_lo", e->auroc_lo);
    cJSON_AddNumberToObject(o, "auroc_hi", e->auroc_hi);
    cJSON_AddNumberToObject(o, "tpr_lo", e->tpr_lo);
    cJSON_AddNumberToObject(o, "tpr_hi", e->tpr_hi);
    cJSON_AddNumberToObject(o, "seconds", e->seconds);
    cJSON_AddNumberToObject(o, "sec_per_sample", e->sec_per_sample);
}

/* Writes the ROC curves of every scored metric to one CSV. */
static mg_status write_roc(const char *path, int nm, const mg_spike_metric *ms, double *const *scores,
                           const int *labels, int64_t n) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "metric,threshold,fpr,tpr\n");
    mg_status st = MG_OK;
    for (int k = 0; k < nm && st == MG_OK; k++) {
        double *f, *t, *th;
        int64_t np;
        st = mg_roc_curve(scores[k], labels, n, &f, &t, &th, &np);
        for (int64_t i = 0; st == MG_OK && i < np; i++)
            fprintf(af.fp, "%s,%.17g,%.17g,%.17g\n", mg_spike_metric_name(ms[k]), th[i], f[i], t[i]);
        if (st == MG_OK) {
            free(f);
            free(t);
            free(th);
        }
    }
    if (st != MG_OK) {
        mg_atomic_abort(&af);
        return st;
    }
    return mg_atomic_commit(&af);
}

/* Score / calibrate / evaluate mode. */
static int run_score(detect_opts *o) {
    mg_daeset set = {0};
    mg_array X = {0}, R = {0};
    int *labels = NULL, *flags = NULL;
    mg_spike_metric ms[MG_SPIKE_COUNT];
    double *scores[MG_SPIKE_COUNT] = {0};
    mg_detect_eval ev[MG_SPIKE_COUNT];
    double secs[MG_SPIKE_COUNT] = {0};
    int nm = 0;
    if (o->all_metrics)
        for (int m = 0; m < MG_SPIKE_COUNT; m++) ms[nm++] = (mg_spike_metric)m;
    else
        ms[nm++] = o->metric;
    double thr = o->threshold, ref_fpr = NAN;
    int64_t nflag = 0, nref = 0;
    cJSON *js = NULL;
    mg_status st = MG_OK;
    if (o->model) st = mg_daeset_load(o->model, &set);
    if (st == MG_OK && o->data) st = load_rows(o, o->data, "samples", &X);
    if (st == MG_OK && o->reference) st = load_rows(o, o->reference, "reference samples", &R);
    if (st == MG_OK && o->model) {
        int64_t d = mg_dae_dim(set.levels[0]);
        if ((X.data && X.shape[1] != d) || (R.data && R.shape[1] != d))
            st = mg_fail(MG_ERR_SHAPE, "samples have %lld features but the model has dimension %lld",
                         (long long)(X.data ? X.shape[1] : R.shape[1]), (long long)d);
    }
    if (st == MG_OK && X.data && R.data && X.shape[1] != R.shape[1])
        st = mg_fail(MG_ERR_SHAPE, "reference has %lld features, samples %lld", (long long)R.shape[1],
                     (long long)X.shape[1]);
    int64_t n = X.data ? X.shape[0] : 0, F = X.data ? X.shape[1] : (R.data ? R.shape[1] : 0);
    if (st == MG_OK && o->labels) st = mg_detect_read_labels(o->labels, n, &labels, NULL);
    if (st != MG_OK) goto done;
    fprintf(stderr, "detect: source=%s %s%s n=%lld features=%lld metric=%s", o->model ? "model" : "features",
            o->model ? o->model : o->fc.path, o->data ? "" : " (calibration only)", (long long)n, (long long)F,
            o->all_metrics ? "all" : mg_spike_metric_name(o->metric));
    if (o->model)
        fprintf(stderr, " sigma=%g%s combine=%s seed=%llu", o->dp.sigma, o->sigspec ? " (several levels)" : "",
                o->dp.combine == MG_COMBINE_MEAN ? "mean" : "concat", (unsigned long long)o->seed);
    else
        fprintf(stderr, " pool=%s", mg_pool_name(o->fc.pool));
    fprintf(stderr, " threshold=%s fpr=%g bootstrap=%d\n", o->have_thr ? "given" : (o->reference ? "calibrated" : "none"),
            o->fpr, o->bootstrap);
    if (R.data) {
        nref = R.shape[0];
        double *rs = malloc((size_t)(nref > 0 ? nref : 1) * sizeof(double));
        st = rs ? score_rows(o, &set, &R, ms[0], rs) : mg_fail(MG_ERR_NOMEM, "out of memory");
        if (st == MG_OK) st = mg_detect_calibrate(rs, nref, o->fpr, &thr);
        if (st == MG_OK) ref_fpr = (double)mg_detect_flag(rs, nref, thr, NULL) / (double)nref;
        free(rs);
        if (st != MG_OK) goto done;
        printf("calibrated threshold %.9g on %lld reference samples (target FPR %g, reference FPR %.4f)\n", thr,
               (long long)nref, o->fpr, ref_fpr);
    }
    int have_thr = o->have_thr || R.data;
    for (int k = 0; k < nm && n > 0; k++) {
        scores[k] = malloc((size_t)n * sizeof(double));
        if (!scores[k]) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
        double t0 = mg_now();
        st = score_rows(o, &set, &X, ms[k], scores[k]);
        secs[k] = mg_now() - t0;
        if (st != MG_OK) goto done;
        if (labels) {
            mg_rng boot;
            mg_rng_init(&boot, o->seed);
            boot = mg_rng_fork(&boot, 0x7402 + (uint64_t)ms[k]);
            st = mg_detect_evaluate(scores[k], labels, n, o->fpr, o->bootstrap, o->ci, &boot, &ev[k]);
            if (st != MG_OK) goto done;
            ev[k].seconds = secs[k];
            ev[k].sec_per_sample = secs[k] / (double)n;
        }
    }
    if (have_thr && n > 0) {
        flags = malloc((size_t)n * sizeof(int));
        if (!flags) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
        nflag = mg_detect_flag(scores[0], n, thr, flags);
    }
    /* outputs */
    if (o->out && n > 0) {
        mg_atomic_file af;
        st = mg_atomic_open(&af, o->out);
        if (st != MG_OK) goto done;
        fprintf(af.fp, "sample");
        for (int k = 0; k < nm; k++) fprintf(af.fp, ",%s", mg_spike_metric_name(ms[k]));
        if (flags) fprintf(af.fp, ",flag");
        if (labels) fprintf(af.fp, ",label");
        fprintf(af.fp, "\n");
        for (int64_t i = 0; i < n; i++) {
            fprintf(af.fp, "%lld", (long long)i);
            for (int k = 0; k < nm; k++) fprintf(af.fp, ",%.17g", scores[k][i]);
            if (flags) fprintf(af.fp, ",%d", flags[i]);
            if (labels) fprintf(af.fp, ",%d", labels[i]);
            fprintf(af.fp, "\n");
        }
        st = mg_atomic_commit(&af);
    }
    if (st == MG_OK && o->scores_out && n > 0) {
        mg_array a;
        int64_t shape[2] = {n, nm};
        st = mg_array_alloc(&a, MG_F64, nm == 1 ? 1 : 2, shape);
        for (int64_t i = 0; st == MG_OK && i < n; i++)
            for (int k = 0; k < nm; k++) ((double *)a.data)[i * nm + k] = scores[k][i];
        if (st == MG_OK) st = mg_npy_write(o->scores_out, &a);
        mg_array_free(&a);
    }
    if (st == MG_OK && o->flags_out) {
        if (!flags) {
            st = mg_fail(MG_ERR_ARG, "--flags-out needs samples and a threshold (--threshold or --reference)");
        } else {
            mg_array a;
            int64_t shape[1] = {n};
            st = mg_array_alloc(&a, MG_I64, 1, shape);
            for (int64_t i = 0; st == MG_OK && i < n; i++) ((int64_t *)a.data)[i] = flags[i];
            if (st == MG_OK) st = mg_npy_write(o->flags_out, &a);
            mg_array_free(&a);
        }
    }
    if (st == MG_OK && o->roc) st = write_roc(o->roc, nm, ms, scores, labels, n);
    if (st == MG_OK && o->json) {
        js = cJSON_CreateObject();
        cJSON_AddStringToObject(js, "source", o->model ? "model" : "features");
        cJSON_AddStringToObject(js, "input", o->model ? o->model : o->fc.path);
        if (o->data) cJSON_AddStringToObject(js, "data", o->data);
        cJSON_AddNumberToObject(js, "n", (double)n);
        cJSON_AddNumberToObject(js, "features", (double)F);
        if (o->model) {
            cJSON_AddNumberToObject(js, "sigma", o->dp.sigma);
            if (o->sigspec) cJSON_AddStringToObject(js, "sigmas", o->sigspec);
            cJSON_AddStringToObject(js, "combine", o->dp.combine == MG_COMBINE_MEAN ? "mean" : "concat");
            cJSON_AddNumberToObject(js, "seed", (double)o->seed);
        } else {
            cJSON_AddStringToObject(js, "pool", mg_pool_name(o->fc.pool));
        }
        if (have_thr) {
            cJSON *t = cJSON_AddObjectToObject(js, "threshold");
            cJSON_AddStringToObject(t, "metric", mg_spike_metric_name(ms[0]));
            cJSON_AddNumberToObject(t, "value", thr);
            cJSON_AddStringToObject(t, "rule", R.data ? "calibrated: (n-k)-th smallest reference score, k = floor(fpr n)"
                                                      : "given");
            if (R.data) {
                cJSON_AddStringToObject(t, "reference", o->reference);
                cJSON_AddNumberToObject(t, "n_reference", (double)nref);
                cJSON_AddNumberToObject(t, "fpr_target", o->fpr);
                cJSON_AddNumberToObject(t, "reference_fpr", ref_fpr);
            }
            if (flags) cJSON_AddNumberToObject(js, "flagged", (double)nflag);
        }
        cJSON *arr = cJSON_AddArrayToObject(js, "metrics");
        for (int k = 0; k < nm && n > 0; k++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "name", mg_spike_metric_name(ms[k]));
            cJSON_AddNumberToObject(e, "seconds", secs[k]);
            cJSON_AddNumberToObject(e, "sec_per_sample", secs[k] / (double)n);
            if (labels) eval_json(e, &ev[k]);
            cJSON_AddItemToArray(arr, e);
        }
        st = mg_write_json_atomic(o->json, js);
    }
    if (st != MG_OK) goto done;
    /* summary */
    for (int k = 0; k < nm && n > 0; k++) {
        printf("%-10s scored %lld samples in %.3g s (%.3g us/sample)", mg_spike_metric_name(ms[k]), (long long)n,
               secs[k], 1e6 * secs[k] / (double)n);
        if (labels)
            printf(": AUROC %.4f [%.4f, %.4f], TPR@%g%%FPR %.4f [%.4f, %.4f]", ev[k].auroc, ev[k].auroc_lo,
                   ev[k].auroc_hi, 100 * o->fpr, ev[k].tpr, ev[k].tpr_lo, ev[k].tpr_hi);
        printf("\n");
    }
    if (flags) printf("flagged %lld of %lld samples as memorized (%s > %.9g)\n", (long long)nflag, (long long)n,
                      mg_spike_metric_name(ms[0]), thr);
done:
    cJSON_Delete(js);
    for (int k = 0; k < nm; k++) free(scores[k]);
    free(labels);
    free(flags);
    mg_array_free(&X);
    mg_array_free(&R);
    mg_daeset_free(&set);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}

/* The benchmark table as JSON rows. */
static cJSON *bench_json(const mg_detect_bench *b) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "n_samples", (double)b->n_samples);
    cJSON_AddNumberToObject(o, "n_memorized", (double)b->n_mem);
    cJSON_AddNumberToObject(o, "n_generalized", (double)b->n_gen);
    cJSON_AddNumberToObject(o, "n_ambiguous", (double)b->n_ambiguous);
    cJSON *arr = cJSON_AddArrayToObject(o, "detectors");
    for (int r = 0; r < b->nrows; r++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", b->rows[r].name);
        cJSON_AddBoolToObject(e, "needs_training_data", b->rows[r].needs_train);
        eval_json(e, &b->rows[r].ev);
        cJSON_AddItemToArray(arr, e);
    }
    return o;
}

/* Writes the table CSV. */
static mg_status write_table(const char *path, const mg_detect_bench *b) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "detector,auroc,auroc_lo,auroc_hi,tpr,tpr_lo,tpr_hi,fpr_target,seconds,sec_per_sample,n_mem,n_gen\n");
    for (int r = 0; r < b->nrows; r++) {
        const mg_detect_eval *e = &b->rows[r].ev;
        fprintf(af.fp, "%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%g,%.6g,%.6g,%lld,%lld\n", b->rows[r].name, e->auroc,
                e->auroc_lo, e->auroc_hi, e->tpr, e->tpr_lo, e->tpr_hi, e->fpr_target, e->seconds, e->sec_per_sample,
                (long long)e->n_pos, (long long)e->n_neg);
    }
    return mg_atomic_commit(&af);
}

/* Per-sample scores of every detector. */
static mg_status write_bench_scores(const char *path, const mg_detect_bench *b) {
    mg_atomic_file af;
    MG_TRY(mg_atomic_open(&af, path));
    fprintf(af.fp, "sample,label,nn_ratio_value");
    for (int r = 0; r < b->nrows; r++) fprintf(af.fp, ",%s", b->rows[r].name);
    fprintf(af.fp, "\n");
    for (int64_t i = 0; i < b->n; i++) {
        fprintf(af.fp, "%lld,%d,%.9g", (long long)b->index[i], b->labels[i], b->ratio[i]);
        for (int r = 0; r < b->nrows; r++) fprintf(af.fp, ",%.9g", b->rows[r].scores[i]);
        fprintf(af.fp, "\n");
    }
    return mg_atomic_commit(&af);
}

/* Prints the table. */
static void print_table(const mg_detect_bench *b, double fpr) {
    printf("%lld generations: %lld memorized, %lld generalized, %lld ambiguous (dropped)\n", (long long)b->n_samples,
           (long long)b->n_mem, (long long)b->n_gen, (long long)b->n_ambiguous);
    printf("%-11s %-26s %-26s %s\n", "detector", "AUROC [CI]", "TPR@FPR [CI]", "time/sample");
    for (int r = 0; r < b->nrows; r++) {
        const mg_detect_eval *e = &b->rows[r].ev;
        char a[64], t[64];
        snprintf(a, sizeof a, "%.4f [%.4f, %.4f]", e->auroc, e->auroc_lo, e->auroc_hi);
        snprintf(t, sizeof t, "%.4f [%.4f, %.4f]", e->tpr, e->tpr_lo, e->tpr_hi);
        printf("%-11s %-26s %-26s %8.2f us%s\n", b->rows[r].name, a, t, 1e6 * e->sec_per_sample,
               b->rows[r].needs_train ? "  (oracle: needs training data)" : "");
    }
    (void)fpr;
}

/* Joins dir/name into buf. */
static const char *join(char *buf, size_t n, const char *dir, const char *name) {
    snprintf(buf, n, "%s/%s", dir, name);
    return buf;
}

/* Writes the experiment's data, model and generations. */
static mg_status save_table1(const char *dir, const mg_table1_result *r) {
    char p[4096];
    if (mkdir(dir, 0777) != 0) {
        struct stat sb;
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return mg_fail(MG_ERR_IO, "cannot create the folder %s", dir);
    }
    int64_t s2[2] = {r->n_train, r->d};
    MG_TRY(mg_npy_write_f32(join(p, sizeof p, dir, "train.npy"), r->train, 2, s2));
    s2[0] = r->params.n_gen;
    MG_TRY(mg_npy_write_f32(join(p, sizeof p, dir, "gens.npy"), r->gens, 2, s2));
    MG_TRY(mg_daeset_save(&r->set, join(p, sizeof p, dir, "model.safetensors")));
    mg_array a;
    int64_t s1[1] = {r->bench.n};
    MG_TRY(mg_array_alloc(&a, MG_I64, 1, s1));
    for (int64_t i = 0; i < r->bench.n; i++) ((int64_t *)a.data)[i] = r->bench.index[i];
    mg_status st = mg_npy_write(join(p, sizeof p, dir, "eval_index.npy"), &a);
    for (int64_t i = 0; i < r->bench.n; i++) ((int64_t *)a.data)[i] = r->bench.labels[i];
    if (st == MG_OK) st = mg_npy_write(join(p, sizeof p, dir, "eval_labels.npy"), &a);
    mg_array_free(&a);
    if (st == MG_OK) st = write_bench_scores(join(p, sizeof p, dir, "scores.csv"), &r->bench);
    return st;
}

/* --benchmark and --table1. */
static int run_bench(detect_opts *o) {
    mg_bench_params *bp = &o->t1.bench;
    bp->sigma = o->dp.sigma;
    bp->fpr = o->fpr;
    bp->bootstrap = o->bootstrap;
    bp->level = o->ci;
    mg_status st = MG_OK;
    mg_detect_bench *b = NULL;
    mg_detect_bench bench = {0};
    mg_table1_result t1 = {0};
    mg_daeset set = {0};
    mg_array X = {0}, S = {0};
    cJSON *js = cJSON_CreateObject();
    if (o->table1) {
        const mg_table1_params *p = &o->t1;
        fprintf(stderr,
                "detect --table1: d=%lld modes=%d per_mode=%lld mean_scale=%g cov_rate=%g cov_rank=%lld dup=%lldx%lld "
                "hidden=%lld wd=%g sigmas=geom:%g:%g:%d n_gen=%lld sigma=%g fpr=%g bootstrap=%d mem/gen ratio=%g/%g "
                "clique tau=%g k=%d seed=%llu\n",
                (long long)p->d, p->modes, (long long)p->per_mode, p->mean_scale, p->cov_rate, (long long)p->cov_rank,
                (long long)p->dup_count, (long long)p->dup_times, (long long)p->hidden, p->wd, p->sigma_min,
                p->sigma_max, p->levels, (long long)p->n_gen, bp->sigma, bp->fpr, bp->bootstrap, bp->mem_ratio,
                bp->gen_ratio, bp->clique_tau, bp->clique_k, (unsigned long long)o->seed);
        st = mg_table1_run(&o->t1, o->seed, &t1);
        if (st != MG_OK) goto done;
        b = &t1.bench;
        printf("hybrid regime: %lld training rows (%lld clusters, %lld rank-1), built in %.2f s; %lld generations in "
               "%.2f s, %.1f%% memorized\n",
               (long long)t1.n_train, (long long)t1.clusters, (long long)t1.rank1_clusters, t1.seconds_build,
               (long long)o->t1.n_gen, t1.seconds_sample, 100 * t1.frac_memorized);
        cJSON *e = cJSON_AddObjectToObject(js, "experiment");
        st = mg_table1_params_json(p, 0, e);
        cJSON_AddNumberToObject(e, "seed", (double)o->seed);
        cJSON_AddStringToObject(e, "model", "constructed (Theorem 3.1 / Cor. 3.4), not trained");
        cJSON_AddNumberToObject(e, "n_train", (double)t1.n_train);
        cJSON_AddNumberToObject(e, "clusters", (double)t1.clusters);
        cJSON_AddNumberToObject(e, "rank1_clusters", (double)t1.rank1_clusters);
        cJSON_AddNumberToObject(e, "frac_memorized", t1.frac_memorized);
        cJSON_AddNumberToObject(e, "seconds_build", t1.seconds_build);
        cJSON_AddNumberToObject(e, "seconds_sample", t1.seconds_sample);
        if (st == MG_OK && o->save_dir) st = save_table1(o->save_dir, &t1);
    } else {
        fprintf(stderr, "detect --benchmark: model=%s train=%s data=%s sigma=%g fpr=%g bootstrap=%d seed=%llu\n",
                o->model, o->train, o->data, bp->sigma, bp->fpr, bp->bootstrap, (unsigned long long)o->seed);
        st = mg_daeset_load(o->model, &set);
        if (st == MG_OK) st = mg_npy_read_matrix(o->train, "training data", 0, &X);
        if (st == MG_OK) st = mg_npy_read_matrix(o->data, "generations", 0, &S);
        mg_rng rng;
        mg_rng_init(&rng, o->seed);
        if (st == MG_OK) st = mg_detect_benchmark(&set, mg_mat_of_array(&X), mg_mat_of_array(&S), bp, &rng, &bench);
        b = &bench;
        if (st == MG_OK && o->out) st = write_bench_scores(o->out, b);
    }
    if (st != MG_OK) goto done;
    cJSON_AddItemToObject(js, "benchmark", bench_json(b));
    cJSON_AddNumberToObject(js, "sigma", bp->sigma);
    cJSON_AddStringToObject(js, "tpr_rule", "largest TPR whose FPR <= fpr_target, no interpolation");
    cJSON_AddStringToObject(js, "auroc_rule", "Mann-Whitney with midranks");
    if (o->table) st = write_table(o->table, b);
    if (st == MG_OK && o->json) st = mg_write_json_atomic(o->json, js);
    if (st == MG_OK) print_table(b, o->fpr);
done:
    cJSON_Delete(js);
    mg_table1_free(&t1);
    mg_detect_bench_free(&bench);
    mg_daeset_free(&set);
    mg_array_free(&X);
    mg_array_free(&S);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}

/* Entry point of `memgen detect`. */
int cmd_detect(int argc, char **argv) {
    static const mg_table1_params t1def = MG_TABLE1_PARAMS_DEFAULT;
    static const mg_detect_params dpdef = MG_DETECT_PARAMS_DEFAULT;
    static const fc_opts fcdef = FC_OPTS_DEFAULT;
    detect_opts o;
    memset(&o, 0, sizeof o);
    o.dp = dpdef;
    o.t1 = t1def;
    o.fc = fcdef;
    o.fpr = 0.01;
    o.ci = 0.95;
    o.bootstrap = 200;
    const char *metric = "std", *combine = "mean";
    mg_bench_params *bp = &o.t1.bench;
    const cli_opt opts[] = {
        /* inputs, detector, outputs */
        CLI_OPT_STR("model", &o.model), CLI_OPT_STR("data", &o.data), FC_OPTIONS(&o.fc),
        CLI_OPT_STR("reference", &o.reference), CLI_OPT_STR("labels", &o.labels), CLI_OPT_STR("metric", &metric),
        CLI_OPT_DOUBLE("sigma", &o.dp.sigma), CLI_OPT_STR("sigmas", &o.sigspec), CLI_OPT_STR("combine", &combine),
        CLI_OPT_UINT("seed", &o.seed), CLI_OPT_DOUBLE_G("threshold", &o.threshold, &o.have_thr),
        CLI_OPT_DOUBLE("fpr", &o.fpr), CLI_OPT_INT32_IN("bootstrap", &o.bootstrap, 0, 100000),
        CLI_OPT_DOUBLE("ci", &o.ci), CLI_OPT_STR("out", &o.out), CLI_OPT_STR("scores-out", &o.scores_out),
        CLI_OPT_STR("flags-out", &o.flags_out), CLI_OPT_STR("roc", &o.roc), CLI_OPT_STR("json", &o.json),
        /* benchmark */
        CLI_OPT_FLAG("benchmark", &o.benchmark), CLI_OPT_STR("train", &o.train),
        CLI_OPT_DOUBLE("mem-ratio", &bp->mem_ratio), CLI_OPT_DOUBLE("gen-ratio", &bp->gen_ratio),
        CLI_OPT_DOUBLE("gen-cos", &bp->gen_cos), CLI_OPT_DOUBLE("dedup-tol", &bp->dedup_tol),
        CLI_OPT_DOUBLE("flipd-sigma", &bp->flipd_sigma), CLI_OPT_DOUBLE("clique-tau", &bp->clique_tau),
        CLI_OPT_INT32_IN("clique-k", &bp->clique_k, 1, 100000), CLI_OPT_INT32_IN("repeats", &bp->repeats, 1, 100),
        CLI_OPT_STR("table", &o.table),
        /* table 1 */
        CLI_OPT_FLAG("table1", &o.table1), CLI_OPT_INT_IN("d", &o.t1.d, 2, 100000),
        CLI_OPT_INT32_IN("modes", &o.t1.modes, 1, 1000), CLI_OPT_INT_IN("per-mode", &o.t1.per_mode, 2, 10000000),
        CLI_OPT_DOUBLE("mean-scale", &o.t1.mean_scale), CLI_OPT_DOUBLE("cov-rate", &o.t1.cov_rate),
        CLI_OPT_INT_IN("cov-rank", &o.t1.cov_rank, 0, 100000),
        CLI_OPT_INT_IN("dup-count", &o.t1.dup_count, 1, 10000000),
        CLI_OPT_INT_IN("dup-times", &o.t1.dup_times, 2, 1000000), CLI_OPT_INT_IN("hidden", &o.t1.hidden, 1, 10000000),
        CLI_OPT_DOUBLE("wd", &o.t1.wd), CLI_OPT_DOUBLE("sigma-min", &o.t1.sigma_min),
        CLI_OPT_DOUBLE("sigma-max", &o.t1.sigma_max), CLI_OPT_INT32_IN("levels", &o.t1.levels, 1, 10000),
        CLI_OPT_INT_IN("n-gen", &o.t1.n_gen, 3, 100000000), CLI_OPT_STR("save-dir", &o.save_dir), CLI_OPT_END};
    int rc = cli_parse_options("detect", argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (!(o.fpr >= 0 && o.fpr < 1)) return cli_usage("detect", "--fpr must be in [0, 1)");
    if (!(o.ci > 0 && o.ci < 1)) return cli_usage("detect", "--ci must be in (0, 1)");
    if (!(o.dp.sigma >= 0)) return cli_usage("detect", "--sigma must be >= 0");
    if (!strcmp(combine, "mean")) o.dp.combine = MG_COMBINE_MEAN;
    else if (!strcmp(combine, "concat")) o.dp.combine = MG_COMBINE_CONCAT;
    else return cli_usage("detect", "--combine must be mean or concat");
    if (o.table1 || o.benchmark) {
        if (o.table1 && o.benchmark) return cli_usage("detect", "give --table1 or --benchmark, not both");
        if (o.fc.path || o.reference || o.labels || o.sigspec)
            return cli_usage("detect", "--features, --reference, --labels and --sigmas do not apply to --%s",
                             o.table1 ? "table1" : "benchmark");
        if (o.benchmark && (!o.model || !o.train || !o.data))
            return cli_usage("detect", "--benchmark needs --model, --train and --data");
        if (o.table1 && (o.model || o.data || o.train))
            return cli_usage("detect", "--table1 builds its own data and model; drop --model/--data/--train");
        if (!(o.dp.sigma > 0)) return cli_usage("detect", "--sigma must be > 0 for the benchmark");
        return run_bench(&o);
    }
    if ((o.model != NULL) == (o.fc.path != NULL)) return cli_usage("detect", "give exactly one of --model and --features");
    if (o.model && !o.data && !o.reference) return cli_usage("detect", "--model needs --data (or --reference to calibrate)");
    if (o.fc.path) {
        o.data = o.fc.path;
        if (o.sigspec) return cli_usage("detect", "--sigmas applies to --model only");
    }
    if (!strcmp(metric, "all")) {
        o.all_metrics = 1;
        if (o.have_thr || o.reference || o.flags_out)
            return cli_usage("detect", "thresholds and flags need one metric, not --metric all");
    } else if (mg_spike_metric_parse(metric, &o.metric) != MG_OK) {
        return cli_usage("detect", "%s", mg_last_error());
    }
    if (o.have_thr && o.reference) return cli_usage("detect", "give --threshold or --reference, not both");
    if (o.roc && !o.labels) return cli_usage("detect", "--roc needs --labels");
    o.dp.metric = o.metric;
    if (o.sigspec) {
        if (mg_sigmas_parse(o.sigspec, &o.sigmas, &o.nsigmas) != MG_OK) return cli_usage("detect", "%s", mg_last_error());
        o.dp.sigmas = o.sigmas;
        o.dp.nsigmas = o.nsigmas;
    }
    rc = run_score(&o);
    free(o.sigmas);
    return rc;
}
