/*
 * memgen detect: memorization detection from representation spikiness
 * (paper Algorithm 1, Section 4.1, Table 1). This file holds the options and
 * the dispatch to the three sub-verbs, one file each (detect_cli.h): score
 * samples of a memgen model or activations exported from any framework,
 * calibrate a threshold and evaluate against labels (cmd_detect_score.c);
 * --benchmark, every detector against the baselines on labelled generations
 * (cmd_detect_benchmark.c); --table1, experiment table1 end to end
 * (cmd_detect_table1.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect_cli.h"
#include "memgen/schedule.h"

/* --model as a DAE set at the given sigmas (see detect_cli.h). */
mg_status detect_load_model(const detect_opts *o, const double *sigmas, int n, mc_model *m) {
    m->rep = o->rep;
    MG_TRY(mc_load(o->model, m));
    return mc_levels(m, sigmas, n);
}

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
            "  --model PATH        a memgen DAE set, single DAE or time-conditioned model (.safetensors;\n"
            "                      a time-conditioned model is read at exactly the --sigma(s) asked)\n"
            MC_HELP
            "  --data PATH         samples to score, n x d .npy (with --model)\n"
            "  --features PATH     activations from another framework, .npy: n x F, n x C x H x W\n"
            "                      or n x T x C (reduced by --pool over H, W or T)\n"
            "  --layout L          auto | nf | nchw | nhwc | ntc (default auto: 2-D nf, 3-D ntc;\n"
            "                      a 4-D+ array needs nchw or nhwc, unless --pool none)\n"
            "  --pool P            max | mean | none (default max: global max pooling, App. B.2)\n"
            "  --reference PATH    generalized reference samples (or activations) for calibration\n"
            "  --labels PATH       0/1 labels of the scored samples (1 = memorized), .npy\n"
            "  --chunk-rows K      read --data / --features / --reference K rows at a time, so memory\n"
            "                      does not grow with n (default: about 1 MB of --features as stored,\n"
            "                      2 MB of float32 samples;\n"
            "                      --model rounds K up to a multiple of 2048 rows)\n"
            "  --progress          rows/s, MB/s and ETA on stderr (always on a terminal)\n"
            "  --force             start over, discarding a partial run of other inputs or options\n"
            "detector:\n"
            "  --metric M          std | l4l2 | negentropy | maxmin | top1 | negpr | std_sample | all\n"
            "                      (default std: the population std, the authors'; std_sample divides\n"
            "                      by F - 1 as torch.std does by default)\n"
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
            "outputs (written as the rows come to OUT.partial, renamed at the end; a killed run leaves\n"
            "OUT.partial + BASE.partial.json/.scores, BASE = the first output, and the same command\n"
            "resumes it from its last finished block):\n"
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
            "    --lambda L        the Eq. 6 lambda of the solved DAEs (default 0)\n"
            "    --sigma-min S, --sigma-max S, --levels K   the set's grid (default 0.02, 20, 20)\n"
            "    --n-gen N         generations (default 1000)\n"
            "    --save-dir DIR    also write train.npy, model.safetensors, gens.npy, eval_index.npy,\n"
            "                      eval_labels.npy, scores.csv there (default: none)\n"
            "  -h, --help          this text\n");
}

/* Entry point of `memgen detect`. */
int cmd_detect(int argc, char **argv) {
    static const mg_detect_params dpdef = MG_DETECT_PARAMS_DEFAULT;
    static const fc_opts fcdef = FC_OPTS_DEFAULT;
    detect_opts o;
    memset(&o, 0, sizeof o);
    o.dp = dpdef;
    o.t1 = mg_exp_table1_defaults();
    o.fc = fcdef;
    o.fpr = 0.01;
    o.ci = 0.95;
    o.bootstrap = 200;
    const char *metric = "std", *combine = "mean";
    mg_bench_params *bp = &o.t1.bench;
    const cli_opt opts[] = {
        /* inputs, detector, outputs */
        CLI_OPT_STR("model", &o.model), CLI_OPT_STR("data", &o.data), FC_OPTIONS(&o.fc),
        CLI_OPT_FN("representation", mc_parse_rep, &o.rep),
        CLI_OPT_STR("reference", &o.reference), CLI_OPT_STR("labels", &o.labels), CLI_OPT_STR("metric", &metric),
        CLI_OPT_INT_MIN("chunk-rows", &o.chunk_rows, 1), CLI_OPT_FLAG("progress", &o.progress),
        CLI_OPT_FLAG("force", &o.force),
        CLI_OPT_DOUBLE("sigma", &o.dp.sigma), CLI_OPT_STR("sigmas", &o.sigspec), CLI_OPT_STR("combine", &combine),
        CLI_OPT_UINT("seed", &o.seed), CLI_OPT_DOUBLE_G("threshold", &o.threshold, &o.have_thr),
        CLI_OPT_DOUBLE("fpr", &o.fpr), CLI_OPT_INT32_IN("bootstrap", &o.bootstrap, 0, 100000),
        CLI_OPT_DOUBLE("ci", &o.ci), CLI_OPT_OUT("out", &o.out), CLI_OPT_OUT("scores-out", &o.scores_out),
        CLI_OPT_OUT("flags-out", &o.flags_out), CLI_OPT_OUT("roc", &o.roc), CLI_OPT_OUT("json", &o.json),
        /* benchmark */
        CLI_OPT_FLAG("benchmark", &o.benchmark), CLI_OPT_STR("train", &o.train),
        CLI_OPT_DOUBLE("mem-ratio", &bp->mem_ratio), CLI_OPT_DOUBLE("gen-ratio", &bp->gen_ratio),
        CLI_OPT_DOUBLE("gen-cos", &bp->gen_cos), CLI_OPT_DOUBLE("dedup-tol", &bp->dedup_tol),
        CLI_OPT_DOUBLE("flipd-sigma", &bp->flipd_sigma), CLI_OPT_DOUBLE("clique-tau", &bp->clique_tau),
        CLI_OPT_INT32_IN("clique-k", &bp->clique_k, 1, 100000), CLI_OPT_INT32_IN("repeats", &bp->repeats, 1, 100),
        CLI_OPT_OUT("table", &o.table),
        /* table 1 */
        CLI_OPT_FLAG("table1", &o.table1), CLI_OPT_INT_IN("d", &o.t1.d, 2, 100000),
        CLI_OPT_INT32_IN("modes", &o.t1.modes, 1, 1000), CLI_OPT_INT_IN("per-mode", &o.t1.per_mode, 2, 10000000),
        CLI_OPT_DOUBLE("mean-scale", &o.t1.mean_scale), CLI_OPT_DOUBLE("cov-rate", &o.t1.cov_rate),
        CLI_OPT_INT_IN("cov-rank", &o.t1.cov_rank, 0, 100000),
        CLI_OPT_INT_IN("dup-count", &o.t1.dup_count, 1, 10000000),
        CLI_OPT_INT_IN("dup-times", &o.t1.dup_times, 2, 1000000), CLI_OPT_INT_IN("hidden", &o.t1.hidden, 1, 10000000),
        CLI_OPT_DOUBLE("lambda", &o.t1.wd), CLI_OPT_DOUBLE("sigma-min", &o.t1.sigma_min),
        CLI_OPT_DOUBLE("sigma-max", &o.t1.sigma_max), CLI_OPT_INT32_IN("levels", &o.t1.levels, 1, 10000),
        CLI_OPT_INT_IN("n-gen", &o.t1.n_gen, 3, 100000000), CLI_OPT_OUTDIR("save-dir", &o.save_dir), CLI_OPT_END};
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
        return o.table1 ? detect_table1(&o) : detect_benchmark(&o);
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
    if (isatty(STDERR_FILENO)) o.progress = 1;
    rc = detect_score(&o);
    free(o.sigmas);
    return rc;
}
