/*
 * memgen detect (score / calibrate / evaluate; paper Algorithm 1, Section
 * 4.1): scores samples of a memgen model or activations exported from any
 * framework, calibrates a threshold on generalized reference samples and
 * evaluates the scores against labels (AUROC, TPR at the target FPR,
 * bootstrap intervals). Options are parsed by cmd_detect.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_cli.h"
#include "stream_cli.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Scores of every metric ms[0..nm) for the rows of a stream, block by block
 * (model: noise of row i from mg_rng_fork(seed, i) whatever the block);
 * secs[k] (may be NULL) accumulates the scoring time of metric k; when csv is
 * given, each block's rows of --out are written as soon as they are scored. */
static mg_status score_stream(const detect_opts *o, const mg_daeset *set, stream_in *s, int nm,
                              const mg_spike_metric *ms, double *const *scores, double *secs, FILE *csv,
                              double thr, int have_thr, const int *labels) {
    mg_rng rng;
    mg_rng_init(&rng, o->seed);
    mg_status st = MG_OK;
    for (int64_t r0 = 0; r0 < s->n && st == MG_OK; r0 += s->k) {
        int64_t m = s->n - r0 < s->k ? s->n - r0 : s->k;
        st = stream_read(s, r0, m);
        mg_mat X = {m, s->F, s->F, s->buf};
        for (int k = 0; k < nm && st == MG_OK; k++) {
            double t0 = mg_now();
            if (s->features) {
                st = mg_spikiness_rows(X, ms[k], scores[k] + r0);
            } else {
                mg_detect_params p = o->dp;
                p.metric = ms[k];
                st = mg_detect_model_rows(set, X, &p, &rng, r0, scores[k] + r0);
            }
            if (secs) secs[k] += mg_now() - t0;
        }
        for (int64_t i = r0; csv && st == MG_OK && i < r0 + m; i++) {
            fprintf(csv, "%lld", (long long)i);
            for (int k = 0; k < nm; k++) fprintf(csv, ",%.17g", scores[k][i]);
            if (have_thr) fprintf(csv, ",%d", scores[0][i] > thr);
            if (labels) fprintf(csv, ",%d", labels[i]);
            fprintf(csv, "\n");
        }
    }
    return st;
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
int detect_score(detect_opts *o) {
    mc_model mm = MC_MODEL_INIT;
    const mg_daeset *set = &mm.set;
    stream_in X = {0}, R = {0};
    mg_atomic_file af;
    int af_open = 0;
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
    if (o->model)
        st = o->sigmas ? detect_load_model(o, o->sigmas, o->nsigmas, &mm) : detect_load_model(o, &o->dp.sigma, 1, &mm);
    const fc_opts *fc = o->fc.path ? &o->fc : NULL;
    int64_t align = o->model ? MG_DETECT_BLOCK_ALIGN : 1; /* aligned blocks: the bits of one whole call (detect.h) */
    if (st == MG_OK && o->data) st = stream_open(o->data, "samples", fc, o->chunk_rows, align, &X);
    if (st == MG_OK && o->reference) st = stream_open(o->reference, "reference samples", fc, o->chunk_rows, align, &R);
    if (st == MG_OK && o->model) {
        int64_t d = mg_dae_dim(set->levels[0]);
        if ((X.r && X.F != d) || (R.r && R.F != d))
            st = mg_fail(MG_ERR_SHAPE, "samples have %lld features but the model has dimension %lld",
                         (long long)(X.r ? X.F : R.F), (long long)d);
    }
    if (st == MG_OK && X.r && R.r && X.F != R.F)
        st = mg_fail(MG_ERR_SHAPE, "reference has %lld features, samples %lld", (long long)R.F, (long long)X.F);
    int64_t n = X.r ? X.n : 0, F = X.r ? X.F : (R.r ? R.F : 0);
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
    if (R.r) {
        nref = R.n;
        double *rs = malloc((size_t)(nref > 0 ? nref : 1) * sizeof(double));
        st = rs ? score_stream(o, set, &R, 1, ms, &rs, NULL, NULL, 0, 0, NULL) : mg_fail(MG_ERR_NOMEM, "out of memory");
        if (st == MG_OK) st = mg_detect_calibrate(rs, nref, o->fpr, &thr);
        if (st == MG_OK) ref_fpr = (double)mg_detect_flag(rs, nref, thr, NULL) / (double)nref;
        free(rs);
        if (st != MG_OK) goto done;
        printf("calibrated threshold %.9g on %lld reference samples (target FPR %g, reference FPR %.4f)\n", thr,
               (long long)nref, o->fpr, ref_fpr);
    }
    int have_thr = o->have_thr || R.r;
    for (int k = 0; k < nm && n > 0; k++) {
        scores[k] = malloc((size_t)n * sizeof(double));
        if (!scores[k]) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    /* --out is written block by block as the scores come, renamed into place at the end */
    if (o->out && n > 0) {
        st = mg_atomic_open(&af, o->out);
        if (st != MG_OK) goto done;
        af_open = 1;
        fprintf(af.fp, "sample");
        for (int k = 0; k < nm; k++) fprintf(af.fp, ",%s", mg_spike_metric_name(ms[k]));
        if (have_thr) fprintf(af.fp, ",flag");
        if (labels) fprintf(af.fp, ",label");
        fprintf(af.fp, "\n");
    }
    if (n > 0) st = score_stream(o, set, &X, nm, ms, scores, secs, af_open ? af.fp : NULL, thr, have_thr, labels);
    if (st != MG_OK) goto done;
    if (af_open) {
        af_open = 0;
        st = mg_atomic_commit(&af);
        if (st != MG_OK) goto done;
    }
    for (int k = 0; k < nm && n > 0; k++) {
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
    if (o->scores_out && n > 0) {
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
            cJSON_AddStringToObject(t, "rule", R.r ? "calibrated: (n-k)-th smallest reference score, k = floor(fpr n)"
                                                      : "given");
            if (R.r) {
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
            if (labels) detect_eval_json(e, &ev[k]);
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
    if (af_open) mg_atomic_abort(&af);
    stream_close(&X);
    stream_close(&R);
    mc_free(&mm);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}
