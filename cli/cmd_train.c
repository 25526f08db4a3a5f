/*
 * memgen train: trains one ReLU DAE (paper Eq. 5-6, Appendix B.1), a DAE set,
 * or the authors' time-conditioned model (--kind tc, tctrain.h) on an .npy
 * data matrix and writes it as .safetensors, with a CSV log, periodic
 * checkpoints, checkpoint-on-signal and bit-identical resume.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "memgen/daeset.h"
#include "memgen/npy.h"
#include "memgen/schedule.h"
#include "memgen/tctrain.h"
#include "memgen/train.h"

/* Usage text with every option and its default. */
static void usage(FILE *f) {
    fprintf(f,
            "usage: memgen train --data X.npy --out MODEL.safetensors [options]\n\n"
            "Trains f(x) = W2 relu(W1^T x) (paper Eq. 5) on the rows of X by minimising the\n"
            "denoising loss (Eq. 6) with fresh Gaussian noise every step; or, with --kind tc, the\n"
            "authors' time-conditioned model f(x, sigma) = W^T [relu(W x) * exp(MLP(log sigma))] + s x\n"
            "(their ReLU_Diffusion notebook: one tied bias-free W for every noise level, a gate MLP\n"
            "Linear(1,p)-ReLU-Linear(p,p), a scalar skip), each row with its own sigma drawn\n"
            "log-uniformly in [--sigma-min, --sigma-max] every step, target the clean row.\n"
            "The authors' runs: memorization --kind tc --optim rmsprop --lr 1e-3 --weight-decay 1e-2\n"
            "--batch full; generalization --kind tc --optim adam --lr 5e-5 --weight-decay 5e-4\n"
            "--batch 256 (loss torch).\n\n"
            "data and output:\n"
            "  --data PATH           training data, n x d .npy (required)\n"
            "  --out PATH            trained model .safetensors (required)\n"
            "  --log PATH            CSV: step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max (default none)\n"
            "  --log-every N         steps between log rows and progress updates (default 100)\n"
            "  --probe N             training rows whose representation std is logged (default 256)\n"
            "model:\n"
            "  --kind K              dae | tc: the DAE of Eq. 5 or the time-conditioned model (default dae)\n"
            "  --hidden P            hidden units p (required for dae unless --init file: or --resume;\n"
            "                        tc: default 256, the authors')\n"
            "  --tied | --untied     W2 = W1 (default) or separate decoder weights\n"
            "  --bias                add biases b1, b2 (default: bias-free, as the paper)\n"
            "  --init SPEC           kaiming | normal:SCALE | file:PATH (default kaiming); tc: authors (their\n"
            "                        init: W kaiming-uniform, gate MLP last layer 0, skip 0) | file:PATH\n"
            "                        (a tc model file, e.g. their state_dict saved as .safetensors)\n"
            "objective:\n"
            "  --sigma S             noise level (default 0.2; dae only)\n"
            "  --sigma-min S         tc: lowest noise level drawn (default 0.02)\n"
            "  --sigma-max S         tc: highest noise level drawn (default 2)\n"
            "  --sigmas SPEC         train a DAE set instead: one DAE per level of SPEC (geom:SMIN:SMAX:K,\n"
            "                        lin:SMIN:SMAX:K (or linear:), karras:SMIN:SMAX:K or list:S1,S2,...), level k seeded\n"
            "                        with fork k of --seed; OUT holds the set (App. B.1). Per-level logs and\n"
            "                        checkpoints get a .level<k> suffix; --resume-levels continues a killed\n"
            "                        set run from the level checkpoints that exist\n"
            "  --loss NAME           torch: MSELoss mean over B*d entries + optimizer weight decay\n"
            "                        (the authors' code); eq6: (1/B) sum ||r||^2 + lambda(||W1||^2+||W2||^2)\n"
            "                        (default torch; the Eq. 6 lambda a run means is printed at start)\n"
            "  --lambda L            explicit Eq. 6 penalty lambda in the loss (default 0; dae only): the\n"
            "                        quantity solve/theory/detect --table1 call --lambda\n"
            "optimizer (PyTorch semantics and defaults):\n"
            "  --optim NAME          sgd | adam | adamw | rmsprop (default rmsprop, as App. B.1)\n"
            "  --lr LR               learning rate (default: adam/adamw 1e-3, rmsprop 1e-2; sgd needs one)\n"
            "  --weight-decay WD     optimizer weight decay, coupled (sgd/adam/rmsprop) or decoupled\n"
            "                        (adamw) (default 0; adamw 0.01); not the Eq. 6 lambda (--lambda)\n"
            "  --momentum M          sgd/rmsprop momentum (default 0)\n"
            "  --dampening X         sgd dampening (default 0)\n"
            "  --nesterov            sgd Nesterov momentum (default off)\n"
            "  --beta1 B --beta2 B   adam/adamw (default 0.9, 0.999)\n"
            "  --eps E               adam/adamw/rmsprop (default 1e-8)\n"
            "  --alpha A             rmsprop smoothing (default 0.99)\n"
            "  --centered            centered rmsprop (default off)\n"
            "schedule:\n"
            "  --steps N             number of updates (default 1000)\n"
            "  --batch B|full        rows per step, or the whole data set (default 256; full when the\n"
            "                        data has at most 256 rows)\n"
            "  --replace             draw batch rows with replacement (default: without, reshuffled\n"
            "                        every epoch, an incomplete last batch is skipped)\n"
            "  --seed K              random seed: initial weights, noise, batch order (default 0)\n"
            "checkpoints:\n"
            "  --checkpoint PATH     checkpoint file (default: OUT with .ckpt.safetensors); written on\n"
            "                        SIGINT/SIGTERM, every --checkpoint-every steps and at the end\n"
            "                        (the last two when --checkpoint or --checkpoint-every is given)\n"
            "  --checkpoint-every N  steps between checkpoints (default 0: none periodic)\n"
            "  --resume PATH         continue from a checkpoint; its settings (and its --log-every,\n"
            "                        --probe, --checkpoint-every) are used, training options given\n"
            "                        here must agree with them (--steps may change)\n"
            "  --resume-levels       with --sigmas: continue from existing per-level checkpoints\n"
            "  -h, --help            this text\n");
}

/* Options that change the trajectory; on --resume the ones given must agree. */
enum {
    G_HIDDEN, G_TIED, G_BIAS, G_SIGMA, G_LOSS, G_LAMBDA, G_OPTIM, G_LR, G_WD, G_MOM, G_DAMP, G_NEST, G_B1, G_B2,
    G_EPS, G_ALPHA, G_CENT, G_BATCH, G_REPLACE, G_STEPS, G_INIT, G_COUNT
};

/* Copies the fields whose option was given from src to dst. */
static void overlay(mg_train_params *dst, const mg_train_params *src, const int *given) {
#define OV(g, f) if (given[g]) dst->f = src->f
    OV(G_HIDDEN, hidden); OV(G_TIED, tied); OV(G_BIAS, bias); OV(G_SIGMA, sigma); OV(G_LOSS, loss);
    OV(G_LAMBDA, lambda); OV(G_OPTIM, optim); OV(G_LR, lr); OV(G_WD, weight_decay); OV(G_MOM, momentum);
    OV(G_DAMP, dampening); OV(G_NEST, nesterov); OV(G_B1, beta1); OV(G_B2, beta2); OV(G_EPS, eps);
    OV(G_ALPHA, alpha); OV(G_CENT, centered); OV(G_STEPS, steps);
#undef OV
    if (given[G_BATCH] || given[G_REPLACE]) {
        dst->batch_mode = src->batch_mode;
        dst->batch = src->batch;
    }
}

/* The progress display and the last reported values. */
typedef struct {
    cli_progress bar;
    mg_train_progress last;
    int have;
} progress_ctx;

/* Progress callback: the CLI bar with loss and representation std. */
static void on_progress(void *ctx, const mg_train_progress *pr) {
    progress_ctx *pc = ctx;
    char extra[96];
    snprintf(extra, sizeof extra, "loss %.4g rep-std %.3g", pr->loss, pr->rep_std_mean);
    cli_progress_update(&pc->bar, pr->step, extra);
    pc->last = *pr;
    pc->have = 1;
}

/* Length of path without its extension ext (the whole length if it has another one). */
static size_t stem_len(const char *path, const char *ext) {
    size_t n = strlen(path), e = strlen(ext);
    return n >= e && !strcmp(path + n - e, ext) ? n - e : n;
}

/* "<out stem>.ckpt.safetensors" (caller frees). */
static char *default_ckpt(const char *out) {
    size_t stem = stem_len(out, ".safetensors");
    char *p = malloc(stem + 32);
    if (p) snprintf(p, stem + 32, "%.*s.ckpt.safetensors", (int)stem, out);
    return p;
}

/* What `memgen train --sigmas` needs besides the trajectory parameters. */
typedef struct {
    const char *data, *out, *log, *ckpt;
    int64_t log_every, probe, ckpt_every, steps;
    int resume;
} set_run;

/* Per-level state of a set run: file names and the progress bar. */
typedef struct {
    const set_run *run;
    char log[1024], ckpt[1024], label[64]; /* label: the bar keeps a pointer to it */
    progress_ctx prog;
    int started;
} set_level_ctx;

/* "<path without .ext>.level<k><ext>" into buf (ext: ".csv" / ".safetensors"). */
static void level_path(char *buf, size_t len, const char *path, int k, const char *ext) {
    snprintf(buf, len, "%.*s.level%d%s", (int)stem_len(path, ext), path, k, ext);
}

/* mg_train_set_opts.level_io: per-level log/checkpoint names and a new bar. */
static void set_level_io(void *vctx, int level, int count, double sigma, mg_train_io *io) {
    set_level_ctx *lc = vctx;
    const set_run *r = lc->run;
    if (lc->started) cli_progress_end(&lc->prog.bar, "");
    snprintf(lc->label, sizeof lc->label, "level %d/%d sigma=%.4g", level + 1, count, sigma);
    memset(&lc->prog, 0, sizeof lc->prog);
    io->log_every = r->log_every;
    io->probe_rows = r->probe;
    if (r->log) {
        level_path(lc->log, sizeof lc->log, r->log, level, ".csv");
        io->log_path = lc->log;
    }
    if (r->ckpt || r->ckpt_every > 0) {
        char *own = r->ckpt ? NULL : default_ckpt(r->out);
        const char *base = r->ckpt ? r->ckpt : own;
        if (base) {
            level_path(lc->ckpt, sizeof lc->ckpt, base, level, ".safetensors");
            io->checkpoint_path = lc->ckpt;
            io->checkpoint_every = r->ckpt_every;
            io->checkpoint_at_end = 1;
        }
        free(own);
    }
    io->progress = on_progress;
    io->ctx = &lc->prog;
    lc->started = 1;
    cli_progress_start(&lc->prog.bar, lc->label, r->steps);
}

/* `memgen train --sigmas SPEC`: one DAE per level (App. B.1), saved as a set. */
static mg_status train_set(const set_run *run, const mg_train_params *p, const char *spec, mg_mat X, const mg_rng *rng) {
    double *sigmas = NULL;
    int count = 0;
    MG_TRY(mg_sigmas_parse(spec, &sigmas, &count));
    fprintf(stderr, "train: data=%s (%lld x %lld) hidden=%lld %s optim=%s lr=%g weight-decay=%g steps=%lld seed=%llu\n"
            "       a set of %d DAEs over sigma %g .. %g (%s); Eq. 6 lambda = %.6g\n",
            run->data, (long long)X.rows, (long long)X.cols, (long long)p->hidden, p->tied ? "tied" : "untied",
            mg_optim_name(p->optim), mg_train_resolved_lr(p), mg_train_resolved_wd(p), (long long)p->steps,
            (unsigned long long)rng->key, count, sigmas[0], sigmas[count - 1], spec,
            mg_train_effective_lambda(p, X.cols));
    set_level_ctx lc;
    memset(&lc, 0, sizeof lc);
    lc.run = run;
    mg_train_set_opts o = {set_level_io, &lc, run->resume};
    mg_daeset set;
    double t0 = mg_now();
    mg_status st = mg_train_catch_signals();
    if (st == MG_OK) st = mg_train_daeset(p, sigmas, count, X, rng, &o, &set);
    if (lc.started) cli_progress_end(&lc.prog.bar, "");
    if (st == MG_OK) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)rng->key);
        st = mg_daeset_set_meta(&set, "train.seed", buf);
        if (st == MG_OK) st = mg_daeset_set_meta(&set, "train.sigmas_spec", spec);
        if (st == MG_OK) st = mg_daeset_save(&set, run->out);
        if (st == MG_OK)
            printf("trained a set of %d %lld-unit DAEs on %lld x %lld data in %.2f s; wrote %s\n", count,
                   (long long)p->hidden, (long long)X.rows, (long long)X.cols, mg_now() - t0, run->out);
        mg_daeset_free(&set);
    } else if (st == MG_ERR_INTERRUPTED) {
        fprintf(stderr, "memgen train: %s\nresume with the same command plus --resume-levels%s\n", mg_last_error(),
                run->ckpt || run->ckpt_every > 0 ? "" : " (no level checkpoints were requested: add --checkpoint-every)");
    }
    free(sigmas);
    return st;
}

/* What `memgen train --kind tc` needs besides the trajectory parameters. */
typedef struct {
    const char *data, *out, *log, *ckpt_arg, *resume, *init_file;
    int64_t log_every, probe, ckpt_every;
    int log_every_given, probe_given, ckpt_every_given, seed_given, range_given[2];
    uint64_t seed;
} tc_run;

/* `memgen train --kind tc`: the authors' time-conditioned model (tctrain.h),
 * with the DAE run's log, checkpoints, resume and progress. */
static mg_status train_tc(tc_run *r, mg_tc_train_params p, const int *given, mg_mat X) {
    const int64_t n = X.rows, d = X.cols;
    mg_rng rng;
    mg_rng_init(&rng, r->seed);
    mg_tcdae *model = NULL;
    mg_tc_trainer *tr = NULL;
    char *ckpt = NULL;
    int64_t start_step = 0;
    mg_status st = MG_OK;
    if (r->resume) {
        mg_tc_train_params ck;
        int64_t cn, cd;
        mg_train_io cio;
        st = mg_tc_train_checkpoint_info(r->resume, &ck, &rng, &start_step, &cn, &cd, &cio);
        if (st != MG_OK) goto done;
        if (!r->log_every_given && cio.log_every > 0) r->log_every = cio.log_every;
        if (!r->probe_given && cio.probe_rows > 0) r->probe = cio.probe_rows;
        if (!r->ckpt_every_given) r->ckpt_every = cio.checkpoint_every;
        if (r->seed_given && r->seed != rng.key) {
            st = mg_fail(MG_ERR_ARG, "%s was trained with --seed %llu, not %llu", r->resume,
                         (unsigned long long)rng.key, (unsigned long long)r->seed);
            goto done;
        }
        overlay(&ck.base, &p.base, given);
        if (r->range_given[0]) ck.sigma_min = p.sigma_min;
        if (r->range_given[1]) ck.sigma_max = p.sigma_max;
        p = ck;
        st = mg_tcdae_create(d, p.base.hidden, &model);
    } else if (r->init_file) {
        st = mg_tcdae_load(r->init_file, &model);
        if (st == MG_OK && mg_tcdae_dim(model) != d)
            st = mg_fail(MG_ERR_SHAPE, "--init %s: the model has dimension %lld but the data has %lld columns",
                         r->init_file, (long long)mg_tcdae_dim(model), (long long)d);
        if (st == MG_OK && given[G_HIDDEN] && p.base.hidden != mg_tcdae_hidden(model))
            st = mg_fail(MG_ERR_ARG, "--init %s holds a %lld-unit model, not --hidden %lld", r->init_file,
                         (long long)mg_tcdae_hidden(model), (long long)p.base.hidden);
        if (st == MG_OK) p.base.hidden = mg_tcdae_hidden(model);
    } else {
        st = mg_tc_train_params_check(&p, n, d);
        if (st == MG_OK) st = mg_tc_train_init_model(&p, d, &rng, &model);
    }
    if (st == MG_OK) st = mg_tc_trainer_create(&p, model, X, &rng, &tr);
    if (st == MG_OK && r->resume) st = mg_tc_trainer_load_checkpoint(tr, r->resume);
    if (st != MG_OK) goto done;
    ckpt = r->ckpt_arg ? strdup(r->ckpt_arg) : default_ckpt(r->out);
    if (!ckpt) {
        st = mg_fail(MG_ERR_NOMEM, "out of memory");
        goto done;
    }
    const mg_tc_train_params *rp = mg_tc_trainer_params(tr);
    const mg_train_params *b = &rp->base;
    char batch[64];
    if (b->batch_mode == MG_BATCH_FULL) snprintf(batch, sizeof batch, "full (%lld)", (long long)n);
    else snprintf(batch, sizeof batch, "%lld (%s)", (long long)b->batch, mg_batch_mode_name(b->batch_mode));
    fprintf(stderr,
            "train: kind=tc data=%s (%lld x %lld) hidden=%lld init=%s sigma log-uniform in [%g, %g]\n"
            "       loss=%s optim=%s lr=%g weight-decay=%g momentum=%g",
            r->data, (long long)n, (long long)d, (long long)b->hidden,
            r->resume ? "checkpoint" : r->init_file ? r->init_file : "authors", rp->sigma_min, rp->sigma_max,
            mg_loss_name(b->loss), mg_optim_name(b->optim), b->lr, b->weight_decay, b->momentum);
    if (b->optim == MG_OPTIM_ADAM || b->optim == MG_OPTIM_ADAMW)
        fprintf(stderr, " betas=(%g, %g) eps=%g", b->beta1, b->beta2, b->eps);
    if (b->optim == MG_OPTIM_RMSPROP) fprintf(stderr, " alpha=%g eps=%g centered=%d", b->alpha, b->eps, b->centered);
    if (b->optim == MG_OPTIM_SGD) fprintf(stderr, " dampening=%g nesterov=%d", b->dampening, b->nesterov);
    fprintf(stderr, "\n       steps=%lld batch=%s seed=%llu stream=%llu out=%s log=%s checkpoint=%s every=%lld\n",
            (long long)b->steps, batch, (unsigned long long)rng.key, (unsigned long long)rng.stream, r->out,
            r->log ? r->log : "none", ckpt, (long long)r->ckpt_every);
    if (r->resume) fprintf(stderr, "       resuming from %s at step %lld\n", r->resume, (long long)start_step);
    st = mg_train_catch_signals();
    if (st != MG_OK) goto done;
    progress_ctx prog;
    memset(&prog, 0, sizeof prog);
    cli_progress_start(&prog.bar, "training", b->steps);
    mg_train_io io = {0};
    io.log_path = r->log;
    io.log_every = r->log_every;
    io.probe_rows = r->probe;
    io.checkpoint_path = ckpt;
    io.checkpoint_every = r->ckpt_every;
    io.checkpoint_at_end = r->ckpt_arg != NULL || r->ckpt_every > 0;
    io.progress = on_progress;
    io.ctx = &prog;
    const double t0 = mg_now();
    st = mg_tc_trainer_run(tr, &io);
    const double el = mg_now() - t0;
    if (st == MG_ERR_INTERRUPTED) {
        fprintf(stderr, "%smemgen train: %s\nresume with: memgen train --kind tc --data %s --resume %s --out %s%s%s\n",
                prog.bar.tty ? "\n" : "", mg_last_error(), r->data, ckpt, r->out, r->log ? " --log " : "",
                r->log ? r->log : "");
        goto done;
    }
    if (st != MG_OK) {
        if (prog.bar.tty) fprintf(stderr, "\n");
        goto done;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "%.1f steps/s", el > 0 ? (double)(b->steps - start_step) / el : 0.0);
    cli_progress_end(&prog.bar, extra);
    st = mg_tc_train_annotate_model(model, rp, &rng, n, d);
    if (st == MG_OK && r->init_file) {
        char buf[512];
        snprintf(buf, sizeof buf, "file:%s", r->init_file);
        st = mg_tcdae_set_meta(model, "init", buf);
    }
    if (st == MG_OK) st = mg_tcdae_save(model, r->out);
    if (st != MG_OK) goto done;
    printf("trained a %lld-unit time-conditioned model on %lld x %lld data to step %lld%s in %.2f s\n",
           (long long)b->hidden, (long long)n, (long long)d, (long long)mg_tc_trainer_step_count(tr),
           r->resume ? " (resumed)" : "", el);
    if (prog.have)
        printf("last batch: loss %.6g; gated representation std at sigma %g over the probe rows: mean %.4g, max %.4g\n",
               prog.last.loss, rp->sigma_min, prog.last.rep_std_mean, prog.last.rep_std_max);
    printf("wrote %s%s%s%s%s\n", r->out, r->log ? ", " : "", r->log ? r->log : "", io.checkpoint_at_end ? ", " : "",
           io.checkpoint_at_end ? ckpt : "");
done:
    mg_tc_trainer_free(tr);
    mg_tcdae_free(model);
    free(ckpt);
    return st;
}

/* --loss eq6|torch. */
static CLI_DEFINE_PARSER(parse_loss, mg_loss_parse)

/* --optim adam|adamw|rmsprop|sgd. */
static CLI_DEFINE_PARSER(parse_optim, mg_optim_parse)

/* --batch B|full into a mg_train_params (a size keeps --replace's mode). */
static int parse_batch(const char *cmd, const char *arg, void *dest) {
    mg_train_params *p = dest;
    if (!strcmp(arg, "full")) {
        p->batch_mode = MG_BATCH_FULL;
        return 0;
    }
    if (cli_parse_int64(cmd, "--batch", arg, &p->batch)) return CLI_USAGE;
    if (p->batch_mode == MG_BATCH_FULL) p->batch_mode = MG_BATCH_SHUFFLE;
    return 0;
}

/* Entry point of `memgen train`. */
int cmd_train(int argc, char **argv) {
    const char *cmd = "train";
    const char *data = NULL, *out = NULL, *logp = NULL, *ckpt_arg = NULL, *resume = NULL, *init = "kaiming";
    const char *sigmas_spec = NULL, *kind = "dae";
    int resume_levels = 0, tied = 0, untied = 0, range_given[2] = {0, 0};
    mg_tc_train_params tcp = mg_tc_train_params_default();
    int64_t log_every = 100, probe = 256, ckpt_every = 0;
    uint64_t seed = 0;
    int seed_given = 0, log_every_given = 0, probe_given = 0, ckpt_every_given = 0;
    mg_train_params p = MG_TRAIN_PARAMS_DEFAULT;
    int given[G_COUNT] = {0};
    const cli_opt opts[] = {
        CLI_OPT_STR("data", &data),
        CLI_OPT_OUT("out", &out),
        CLI_OPT_OUT("log", &logp),
        CLI_OPT_INT_G("log-every", &log_every, &log_every_given),
        CLI_OPT_INT_G("probe", &probe, &probe_given),
        CLI_OPT_INT_G("hidden", &p.hidden, &given[G_HIDDEN]),
        CLI_OPT_FLAG("tied", &tied),
        CLI_OPT_FLAG("untied", &untied),
        CLI_OPT_FLAG_G("bias", &p.bias, &given[G_BIAS]),
        CLI_OPT_STR_G("init", &init, &given[G_INIT]),
        CLI_OPT_DOUBLE_G("sigma", &p.sigma, &given[G_SIGMA]),
        CLI_OPT_FN_G("loss", parse_loss, &p.loss, &given[G_LOSS]),
        CLI_OPT_DOUBLE_G("lambda", &p.lambda, &given[G_LAMBDA]),
        CLI_OPT_FN_G("optim", parse_optim, &p.optim, &given[G_OPTIM]),
        CLI_OPT_DOUBLE_G("lr", &p.lr, &given[G_LR]),
        CLI_OPT_DOUBLE_G("weight-decay", &p.weight_decay, &given[G_WD]),
        CLI_OPT_DOUBLE_G("momentum", &p.momentum, &given[G_MOM]),
        CLI_OPT_DOUBLE_G("dampening", &p.dampening, &given[G_DAMP]),
        CLI_OPT_FLAG_G("nesterov", &p.nesterov, &given[G_NEST]),
        CLI_OPT_DOUBLE_G("beta1", &p.beta1, &given[G_B1]),
        CLI_OPT_DOUBLE_G("beta2", &p.beta2, &given[G_B2]),
        CLI_OPT_DOUBLE_G("eps", &p.eps, &given[G_EPS]),
        CLI_OPT_DOUBLE_G("alpha", &p.alpha, &given[G_ALPHA]),
        CLI_OPT_FLAG_G("centered", &p.centered, &given[G_CENT]),
        CLI_OPT_INT_G("steps", &p.steps, &given[G_STEPS]),
        CLI_OPT_FN_G("batch", parse_batch, &p, &given[G_BATCH]),
        CLI_OPT_FLAG("replace", &given[G_REPLACE]),
        CLI_OPT_UINT_G("seed", &seed, &seed_given),
        CLI_OPT_OUT("checkpoint", &ckpt_arg),
        CLI_OPT_INT_G("checkpoint-every", &ckpt_every, &ckpt_every_given),
        CLI_OPT_STR("resume", &resume),
        CLI_OPT_STR("sigmas", &sigmas_spec),
        CLI_OPT_FLAG("resume-levels", &resume_levels),
        CLI_OPT_STR("kind", &kind),
        CLI_OPT_DOUBLE_G("sigma-min", &tcp.sigma_min, &range_given[0]),
        CLI_OPT_DOUBLE_G("sigma-max", &tcp.sigma_max, &range_given[1]),
        CLI_OPT_END};
    int rc = cli_parse_options(cmd, argc, argv, opts, usage, NULL);
    if (rc != CLI_RUN) return rc;
    if (strcmp(kind, "dae") && strcmp(kind, "tc")) return cli_usage(cmd, "--kind must be dae or tc, got '%s'", kind);
    const int is_tc = !strcmp(kind, "tc");
    if (is_tc && (tied || untied || given[G_BIAS] || given[G_SIGMA] || given[G_LAMBDA] || sigmas_spec || resume_levels))
        return cli_usage(cmd, "--kind tc is tied and bias-free over all noise levels: --tied/--untied, --bias, "
                         "--sigma, --sigmas, --lambda and --resume-levels do not apply (use --sigma-min/--sigma-max)");
    if (!is_tc && (range_given[0] || range_given[1]))
        return cli_usage(cmd, "--sigma-min/--sigma-max apply to --kind tc (a DAE set takes --sigmas)");
    if (tied && untied) return cli_usage(cmd, "--tied and --untied exclude each other");
    if (tied || untied) {
        p.tied = tied;
        given[G_TIED] = 1;
    }
    if (!data) return cli_usage(cmd, "--data is required");
    if (!out) return cli_usage(cmd, "--out is required");
    if (given[G_REPLACE]) {
        if (p.batch_mode == MG_BATCH_FULL) return cli_usage(cmd, "--replace needs a batch size, not --batch full");
        p.batch_mode = MG_BATCH_REPLACE;
    }
    if (log_every < 1) return cli_usage(cmd, "--log-every must be >= 1");
    if (probe < 1) return cli_usage(cmd, "--probe must be >= 1");
    if (ckpt_every < 0) return cli_usage(cmd, "--checkpoint-every must be >= 0");
    if (resume && given[G_INIT]) return cli_usage(cmd, "--init and --resume exclude each other");
    if (sigmas_spec && (given[G_SIGMA] || resume))
        return cli_usage(cmd, "--sigmas trains a set: it excludes --sigma and --resume (use --resume-levels)");
    if (resume_levels && !sigmas_spec) return cli_usage(cmd, "--resume-levels needs --sigmas");
    const char *init_file = NULL;
    if (is_tc) {
        if (!strncmp(init, "file:", 5) && init[5]) init_file = init + 5;
        else if (given[G_INIT] && strcmp(init, "authors"))
            return cli_usage(cmd, "--kind tc: --init must be authors or file:PATH, got '%s'", init);
    } else if (!strcmp(init, "kaiming")) {
        p.init = MG_INIT_KAIMING;
    } else if (!strncmp(init, "normal:", 7)) {
        p.init = MG_INIT_NORMAL;
        if (cli_parse_double(cmd, "--init normal:SCALE", init + 7, &p.init_scale)) return CLI_USAGE;
        if (!(p.init_scale >= 0)) return cli_usage(cmd, "--init normal:SCALE needs SCALE >= 0");
    } else if (!strncmp(init, "file:", 5) && init[5]) {
        init_file = init + 5;
    } else {
        return cli_usage(cmd, "--init must be kaiming, normal:SCALE or file:PATH, got '%s'", init);
    }

    mg_array X = {0};
    mg_dae *model = NULL;
    mg_trainer *tr = NULL;
    char *ckpt = NULL;
    mg_rng rng;
    mg_rng_init(&rng, seed);
    int64_t start_step = 0;
    mg_status st = mg_npy_read_matrix(data, "training data", 0, &X);
    if (st != MG_OK) goto done;
    if (mg_array_numel(&X) == 0) {
        st = mg_fail(MG_ERR_ARG, "%s: the training data is empty", data);
        goto done;
    }
    st = mg_array_check_finite(&X, data);
    if (st != MG_OK) goto done;
    const int64_t n = X.shape[0], d = X.shape[1];
    if (!given[G_BATCH] && !given[G_REPLACE] && n <= p.batch) p.batch_mode = MG_BATCH_FULL; /* small data: full batch */
    if (is_tc) {
        const int64_t hidden = tcp.base.hidden;
        tcp.base = p;
        if (!given[G_HIDDEN]) tcp.base.hidden = hidden;
        tc_run run = {data, out, logp, ckpt_arg, resume, init_file, log_every, probe, ckpt_every, log_every_given,
                      probe_given, ckpt_every_given, seed_given, {range_given[0], range_given[1]}, seed};
        st = train_tc(&run, tcp, given, mg_mat_of_array(&X));
        if (st == MG_ERR_INTERRUPTED) goto done_quiet;
        goto done;
    }
    if (sigmas_spec) {
        if (init_file) {
            st = mg_fail(MG_ERR_ARG, "--sigmas trains every level from its own initialisation; --init file: is not "
                         "supported");
            goto done;
        }
        if (!given[G_HIDDEN]) {
            st = mg_fail(MG_ERR_ARG, "--hidden is required");
            goto done;
        }
        set_run run = {data, out, logp, ckpt_arg, log_every, probe, ckpt_every, p.steps, resume_levels};
        st = train_set(&run, &p, sigmas_spec, mg_mat_of_array(&X), &rng);
        if (st == MG_ERR_INTERRUPTED) goto done_quiet;
        goto done;
    }
    if (resume) {
        mg_train_params ck;
        int64_t cn, cd;
        mg_train_io cio;
        st = mg_train_checkpoint_info(resume, &ck, &rng, &start_step, &cn, &cd, &cio);
        if (st != MG_OK) goto done;
        /* observation settings of the original run, unless given again */
        if (!log_every_given && cio.log_every > 0) log_every = cio.log_every;
        if (!probe_given && cio.probe_rows > 0) probe = cio.probe_rows;
        if (!ckpt_every_given) ckpt_every = cio.checkpoint_every;
        if (seed_given && seed != rng.key) {
            st = mg_fail(MG_ERR_ARG, "%s was trained with --seed %llu, not %llu", resume, (unsigned long long)rng.key,
                         (unsigned long long)seed);
            goto done;
        }
        overlay(&ck, &p, given);
        p = ck;
        st = mg_dae_create(d, p.hidden, p.tied, p.bias, &model);
    } else if (init_file) {
        st = mg_dae_load(init_file, &model);
        if (st == MG_OK && mg_dae_dim(model) != d)
            st = mg_fail(MG_ERR_SHAPE, "--init %s: the model has dimension %lld but the data has %lld columns", init_file,
                         (long long)mg_dae_dim(model), (long long)d);
        if (st == MG_OK && ((given[G_HIDDEN] && p.hidden != mg_dae_hidden(model)) ||
                            (given[G_TIED] && p.tied != mg_dae_is_tied(model)) ||
                            (given[G_BIAS] && p.bias != mg_dae_has_bias(model))))
            st = mg_fail(MG_ERR_ARG, "--init %s: the file holds a %lld-unit %s%s model, which disagrees with "
                         "--hidden/--tied/--untied/--bias", init_file, (long long)mg_dae_hidden(model),
                         mg_dae_is_tied(model) ? "tied" : "untied", mg_dae_has_bias(model) ? " biased" : "");
        if (st == MG_OK) {
            p.hidden = mg_dae_hidden(model);
            p.tied = mg_dae_is_tied(model);
            p.bias = mg_dae_has_bias(model);
        }
    } else {
        if (!given[G_HIDDEN]) {
            st = mg_fail(MG_ERR_ARG, "--hidden is required (or --init file:PATH / --resume)");
            goto done;
        }
        st = mg_train_params_check(&p, n, d);
        if (st == MG_OK) st = mg_train_init_model(&p, d, &rng, &model);
    }
    if (st == MG_OK) st = mg_trainer_create(&p, model, mg_mat_of_array(&X), &rng, &tr);
    if (st == MG_OK && resume) st = mg_trainer_load_checkpoint(tr, resume);
    if (st != MG_OK) goto done;
    ckpt = ckpt_arg ? strdup(ckpt_arg) : default_ckpt(out);
    if (!ckpt) {
        st = mg_fail(MG_ERR_NOMEM, "out of memory");
        goto done;
    }

    /* the resolved configuration */
    const mg_train_params *rp = mg_trainer_params(tr);
    double lam = mg_train_effective_lambda(rp, d);
    char batch[64];
    if (rp->batch_mode == MG_BATCH_FULL) snprintf(batch, sizeof batch, "full (%lld)", (long long)n);
    else snprintf(batch, sizeof batch, "%lld (%s)", (long long)rp->batch, mg_batch_mode_name(rp->batch_mode));
    fprintf(stderr,
            "train: data=%s (%lld x %lld) hidden=%lld %s%s init=%s sigma=%g\n"
            "       loss=%s lambda=%g optim=%s lr=%g weight-decay=%g momentum=%g",
            data, (long long)n, (long long)d, (long long)rp->hidden, rp->tied ? "tied" : "untied",
            rp->bias ? " biased" : "", resume ? "checkpoint" : init, rp->sigma, mg_loss_name(rp->loss), rp->lambda,
            mg_optim_name(rp->optim), rp->lr, rp->weight_decay, rp->momentum);
    if (rp->optim == MG_OPTIM_ADAM || rp->optim == MG_OPTIM_ADAMW)
        fprintf(stderr, " betas=(%g, %g) eps=%g", rp->beta1, rp->beta2, rp->eps);
    if (rp->optim == MG_OPTIM_RMSPROP) fprintf(stderr, " alpha=%g eps=%g centered=%d", rp->alpha, rp->eps, rp->centered);
    if (rp->optim == MG_OPTIM_SGD) fprintf(stderr, " dampening=%g nesterov=%d", rp->dampening, rp->nesterov);
    fprintf(stderr, "\n       => Eq. 6 lambda = %.6g%s\n", lam,
            isnan(lam) ? " (no exact Eq. 6 equivalent: decoupled AdamW decay or decayed biases)" : "");
    fprintf(stderr, "       steps=%lld%s batch=%s seed=%llu stream=%llu out=%s log=%s checkpoint=%s every=%lld\n",
            (long long)rp->steps, "", batch, (unsigned long long)rng.key,
            (unsigned long long)rng.stream, out, logp ? logp : "none", ckpt, (long long)ckpt_every);
    if (resume) fprintf(stderr, "       resuming from %s at step %lld\n", resume, (long long)start_step);

    st = mg_train_catch_signals();
    if (st != MG_OK) goto done;
    progress_ctx prog;
    memset(&prog, 0, sizeof prog);
    cli_progress_start(&prog.bar, "training", rp->steps);
    mg_train_io io = {0};
    io.log_path = logp;
    io.log_every = log_every;
    io.probe_rows = probe;
    io.checkpoint_path = ckpt;
    io.checkpoint_every = ckpt_every;
    io.checkpoint_at_end = ckpt_arg != NULL || ckpt_every > 0;
    io.progress = on_progress;
    io.ctx = &prog;
    double t0 = mg_now();
    st = mg_trainer_run(tr, &io);
    double el = mg_now() - t0;
    if (st == MG_ERR_INTERRUPTED) {
        fprintf(stderr, "%smemgen train: %s\nresume with: memgen train --data %s --resume %s --out %s%s%s\n",
                prog.bar.tty ? "\n" : "", mg_last_error(), data, ckpt, out, logp ? " --log " : "", logp ? logp : "");
        st = MG_ERR_INTERRUPTED;
        goto done_quiet;
    }
    if (st != MG_OK) {
        if (prog.bar.tty) fprintf(stderr, "\n");
        goto done;
    }
    char extra[64];
    snprintf(extra, sizeof extra, "%.1f steps/s", el > 0 ? (double)(rp->steps - start_step) / el : 0.0);
    cli_progress_end(&prog.bar, extra);
    st = mg_train_annotate_model(model, rp, &rng, n, d);
    if (st == MG_OK && init_file) {
        char buf[512];
        snprintf(buf, sizeof buf, "file:%s", init_file);
        st = mg_dae_set_meta(model, "init", buf);
    }
    if (st == MG_OK) st = mg_dae_save(model, out);
    if (st != MG_OK) goto done;
    printf("trained a %lld-unit %s DAE on %lld x %lld data to step %lld%s in %.2f s\n", (long long)rp->hidden,
           rp->tied ? "tied" : "untied", (long long)n, (long long)d, (long long)mg_trainer_step_count(tr),
           resume ? " (resumed)" : "", el);
    if (prog.have)
        printf("last batch: loss %.6g, Eq. 6 data term %.6g; representation std over %lld probe rows: mean %.4g, "
               "max %.4g\n", prog.last.loss, prog.last.data_loss, (long long)(probe < n ? probe : n),
               prog.last.rep_std_mean, prog.last.rep_std_max);
    printf("wrote %s%s%s%s%s\n", out, logp ? ", " : "", logp ? logp : "", io.checkpoint_at_end ? ", " : "",
           io.checkpoint_at_end ? ckpt : "");
done:
    if (st != MG_OK) cli_fail(cmd, st);
done_quiet:
    mg_trainer_free(tr);
    mg_dae_free(model);
    mg_array_free(&X);
    free(ckpt);
    return st == MG_OK ? CLI_OK : CLI_FAIL;
}
