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
#include "partial_cli.h"
#include "stream_cli.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

/* Where the scored rows go as they come: the partial outputs (partial_cli.h)
 * and the threshold and labels their columns need. */
typedef struct {
    partial_run *pr; /* NULL: nothing written while scoring */
    int csv, npy, flags, store; /* indices in pr->f, -1 when not asked for */
    double thr;
    int have_thr;
    const int *labels;
} row_sink;

/* Writes rows [r0, r0 + m) to every partial output and flushes them. */
static mg_status sink_rows(const row_sink *w, int nm, double *const *scores, int64_t r0, int64_t m) {
    if (!w->pr) return MG_OK;
    partial_run *pr = w->pr;
    for (int64_t i = r0; i < r0 + m; i++) {
        if (w->csv >= 0) {
            FILE *fp = pr->f[w->csv].fp;
            fprintf(fp, "%lld", (long long)i);
            for (int k = 0; k < nm; k++) fprintf(fp, ",%.17g", scores[k][i]);
            if (w->have_thr) fprintf(fp, ",%d", scores[0][i] > w->thr);
            if (w->labels) fprintf(fp, ",%d", w->labels[i]);
            fprintf(fp, "\n");
        }
        for (int k = 0; k < nm; k++) { /* the store and --scores-out: float64, nm per row */
            fwrite(&scores[k][i], sizeof(double), 1, pr->f[w->store].fp);
            if (w->npy >= 0) fwrite(&scores[k][i], sizeof(double), 1, pr->f[w->npy].fp);
        }
        if (w->flags >= 0) {
            int64_t fl = scores[0][i] > w->thr;
            fwrite(&fl, sizeof fl, 1, pr->f[w->flags].fp);
        }
    }
    return partial_flush(pr);
}

/* Scores of every metric ms[0..nm) for rows [start, n) of a stream, block by
 * block (model: noise of row i from mg_rng_fork(seed, i) whatever the block);
 * secs[k] (may be NULL) accumulates the scoring time of metric k; each
 * block's rows go to the sink as soon as they are scored. Shows rate and ETA
 * on stderr (label) when o->progress says so. */
static mg_status score_stream(const detect_opts *o, const mg_daeset *set, stream_in *s, int nm,
                              const mg_spike_metric *ms, double *const *scores, double *secs, int64_t start,
                              const row_sink *sink, const char *label) {
    mg_rng rng;
    mg_rng_init(&rng, o->seed);
    mg_status st = MG_OK;
    cli_progress bar;
    double row_mb = stream_row_bytes(s) / 1e6;
    if (o->progress) cli_progress_start(&bar, label, s->n - start);
    for (int64_t r0 = start; r0 < s->n && st == MG_OK; r0 += s->k) {
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
        if (st == MG_OK && sink) st = sink_rows(sink, nm, scores, r0, m);
        if (st == MG_OK && o->progress) {
            char extra[64];
            double el = mg_now() - bar.t_start, done = (double)(r0 + m - start);
            snprintf(extra, sizeof extra, "%.1f MB/s", el > 0 ? done * row_mb / el : 0.0);
            cli_progress_update(&bar, r0 + m - start, extra);
        }
    }
    if (o->progress) cli_progress_end(&bar, st == MG_OK ? NULL : "stopped on an error");
    return st;
}

/* The settings a resumed run must find unchanged: every input's identity,
 * every option the rows depend on, the block size and the outputs. */
static mg_status resume_key(const detect_opts *o, int64_t k, cJSON *key) {
    char buf[64];
    if (o->model) MG_TRY(partial_identity(key, "model", o->model));
    MG_TRY(partial_identity(key, o->fc.path ? "features" : "data", o->data));
    if (o->reference) MG_TRY(partial_identity(key, "reference", o->reference));
    if (o->labels) MG_TRY(partial_identity(key, "labels", o->labels));
    cJSON_AddStringToObject(key, "metric", o->all_metrics ? "all" : mg_spike_metric_name(o->metric));
    if (o->fc.path) {
        cJSON_AddStringToObject(key, "pool", mg_pool_name(o->fc.pool));
        cJSON_AddNumberToObject(key, "layout", (double)o->fc.layout);
    } else {
        snprintf(buf, sizeof buf, "%a", o->dp.sigma);
        cJSON_AddStringToObject(key, "sigma", buf);
        cJSON_AddStringToObject(key, "sigmas", o->sigspec ? o->sigspec : "");
        cJSON_AddNumberToObject(key, "combine", (double)o->dp.combine);
        cJSON_AddNumberToObject(key, "representation", (double)o->rep);
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)o->seed);
        cJSON_AddStringToObject(key, "seed", buf);
    }
    snprintf(buf, sizeof buf, "%a", o->have_thr ? o->threshold : 0.0);
    cJSON_AddStringToObject(key, "threshold", o->have_thr ? buf : "");
    snprintf(buf, sizeof buf, "%a", o->fpr);
    cJSON_AddStringToObject(key, "fpr", buf);
    cJSON_AddNumberToObject(key, "chunk_rows", (double)k);
    cJSON *outs = cJSON_AddObjectToObject(key, "outputs");
    cJSON_AddStringToObject(outs, "out", o->out ? o->out : "");
    cJSON_AddStringToObject(outs, "scores_out", o->scores_out ? o->scores_out : "");
    cJSON_AddStringToObject(outs, "flags_out", o->flags_out ? o->flags_out : "");
    return MG_OK;
}

/* Sets up the resumable outputs of scoring n rows with nm metrics (base: the
 * first output asked for): a found run's state in *state (NULL: fresh). */
static mg_status resume_setup(const detect_opts *o, const char *base, int64_t n, int64_t k, int nm, int have_thr,
                              const int *labels, const mg_spike_metric *ms, partial_run *pr, row_sink *w,
                              cJSON **key, cJSON **state) {
    MG_TRY(partial_init(pr, base));
    w->csv = w->npy = w->flags = -1;
    w->have_thr = have_thr;
    w->labels = labels;
    char head[1024];
    size_t hl;
    if (o->out) {
        int c = snprintf(head, sizeof head, "sample");
        for (int j = 0; j < nm; j++)
            c += snprintf(head + c, sizeof head - (size_t)c, ",%s", mg_spike_metric_name(ms[j]));
        snprintf(head + c, sizeof head - (size_t)c, "%s%s\n", have_thr ? ",flag" : "", labels ? ",label" : "");
        MG_TRY(partial_add(pr, o->out, PART_CSV, 0, head, strlen(head), &w->csv));
    }
    if (o->scores_out) {
        int64_t shape[2] = {n, nm};
        MG_TRY(mg_npy_header(MG_F64, nm == 1 ? 1 : 2, shape, (unsigned char *)head, sizeof head, &hl));
        MG_TRY(partial_add(pr, o->scores_out, PART_BIN, 8 * nm, head, hl, &w->npy));
    }
    if (o->flags_out) {
        MG_TRY(mg_npy_header(MG_I64, 1, &n, (unsigned char *)head, sizeof head, &hl));
        MG_TRY(partial_add(pr, o->flags_out, PART_BIN, 8, head, hl, &w->flags));
    }
    MG_TRY(partial_add(pr, NULL, PART_BIN, 8 * nm, NULL, 0, &w->store));
    *key = cJSON_CreateObject();
    MG_TRY(resume_key(o, k, *key));
    MG_TRY(partial_find(pr, *key, o->force, "detect", state));
    w->pr = pr; /* from here on an error removes the partial run (a refused one above is kept) */
    return MG_OK;
}

/* A double of the state saved as "%a" text (exact). */
static double state_num(const cJSON *state, const char *name) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(state, name);
    return cJSON_IsString(it) ? strtod(it->valuestring, NULL) : NAN;
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
    partial_run pr = {0};
    row_sink sink = {0};
    cJSON *key = NULL, *state = NULL;
    int64_t start = 0;
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
    int have_thr = o->have_thr || R.r;
    if (o->flags_out && !(have_thr && n > 0)) {
        st = mg_fail(MG_ERR_ARG, "--flags-out needs samples and a threshold (--threshold or --reference)");
        goto done;
    }
    /* the outputs are written as the rows come, to OUT.partial; a run killed before the end resumes */
    const char *base = o->out ? o->out : o->scores_out ? o->scores_out : o->flags_out ? o->flags_out : o->json;
    if (base && n > 0) {
        st = resume_setup(o, base, n, X.k, nm, have_thr, labels, ms, &pr, &sink, &key, &state);
        if (st != MG_OK) goto done;
    }
    if (state) { /* a found run: its threshold as calibrated then (the reference is not scored again) */
        thr = state_num(state, "threshold");
        nref = (int64_t)state_num(state, "n_reference");
        ref_fpr = state_num(state, "reference_fpr");
        if (R.r) printf("calibrated threshold %.9g on %lld reference samples (target FPR %g, reference FPR %.4f)\n",
                        thr, (long long)nref, o->fpr, ref_fpr);
    } else if (R.r) {
        nref = R.n;
        double *rs = malloc((size_t)(nref > 0 ? nref : 1) * sizeof(double));
        st = rs ? score_stream(o, set, &R, 1, ms, &rs, NULL, 0, NULL, "detect reference rows")
                : mg_fail(MG_ERR_NOMEM, "out of memory");
        if (st == MG_OK) st = mg_detect_calibrate(rs, nref, o->fpr, &thr);
        if (st == MG_OK) ref_fpr = (double)mg_detect_flag(rs, nref, thr, NULL) / (double)nref;
        free(rs);
        if (st != MG_OK) goto done;
        printf("calibrated threshold %.9g on %lld reference samples (target FPR %g, reference FPR %.4f)\n", thr,
               (long long)nref, o->fpr, ref_fpr);
    }
    sink.thr = thr;
    for (int k = 0; k < nm && n > 0; k++) {
        scores[k] = malloc((size_t)n * sizeof(double));
        if (!scores[k]) {
            st = mg_fail(MG_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    if (sink.pr && !state) { /* fresh: the state, then the files with their heads */
        state = cJSON_CreateObject();
        cJSON_AddItemReferenceToObject(state, "key", key);
        char num[64];
        snprintf(num, sizeof num, "%a", thr);
        cJSON_AddStringToObject(state, "threshold", num);
        snprintf(num, sizeof num, "%a", (double)nref);
        cJSON_AddStringToObject(state, "n_reference", num);
        snprintf(num, sizeof num, "%a", ref_fpr);
        cJSON_AddStringToObject(state, "reference_fpr", num);
        st = partial_create(&pr, state);
    } else if (sink.pr) { /* found: cut back to the last finished block, read its scores back */
        double *row = malloc((size_t)n * (size_t)nm * sizeof(double));
        st = row ? partial_reopen(&pr, X.k, n, &start) : mg_fail(MG_ERR_NOMEM, "out of memory");
        if (st == MG_OK) st = partial_load(&pr, sink.store, start, row);
        for (int64_t i = 0; st == MG_OK && i < start; i++)
            for (int k = 0; k < nm; k++) scores[k][i] = row[i * nm + k];
        free(row);
        if (st == MG_OK)
            fprintf(stderr, "detect: resuming the partial run at %s: %lld of %lld rows done\n", pr.state,
                    (long long)start, (long long)n);
    }
    if (st != MG_OK) goto done;
    if (n > 0) st = score_stream(o, set, &X, nm, ms, scores, secs, start, sink.pr ? &sink : NULL, "detect rows");
    int64_t scored = n - start > 0 ? n - start : 1; /* rows timed by this run (a resumed one: after the restart) */
    if (st == MG_OK && sink.pr) {
        st = partial_commit(&pr);
        sink.pr = NULL;
    }
    if (st != MG_OK) goto done;
    for (int k = 0; k < nm && n > 0; k++) {
        if (labels) {
            mg_rng boot;
            mg_rng_init(&boot, o->seed);
            boot = mg_rng_fork(&boot, 0x7402 + (uint64_t)ms[k]);
            st = mg_detect_evaluate(scores[k], labels, n, o->fpr, o->bootstrap, o->ci, &boot, &ev[k]);
            if (st != MG_OK) goto done;
            ev[k].seconds = secs[k];
            ev[k].sec_per_sample = secs[k] / (double)scored;
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
            cJSON_AddNumberToObject(e, "sec_per_sample", secs[k] / (double)scored);
            if (labels) detect_eval_json(e, &ev[k]);
            cJSON_AddItemToArray(arr, e);
        }
        st = mg_write_json_atomic(o->json, js);
    }
    if (st != MG_OK) goto done;
    /* summary */
    for (int k = 0; k < nm && n > 0; k++) {
        printf("%-10s scored %lld samples in %.3g s (%.3g us/sample)", mg_spike_metric_name(ms[k]), (long long)scored,
               secs[k], 1e6 * secs[k] / (double)scored);
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
    if (sink.pr) partial_abort(&pr); /* an error: no partial output left behind (a killed run keeps them) */
    else partial_free(&pr);
    cJSON_Delete(state);
    cJSON_Delete(key);
    stream_close(&X);
    stream_close(&R);
    mc_free(&mm);
    return st == MG_OK ? CLI_OK : cli_fail("detect", st);
}
