/*
 * Experiment real (memgen/experiment/real.h; paper Table 1, Fig. 17, Eq. 11;
 * issue 14): reads the fixture of the PyTorch pipeline of examples/real_model
 * (a UNet diffusion model trained on Fashion-MNIST with a duplicated subset)
 * and does memgen's part on it: labels from the similarity, the similarity
 * histogram and its two-peak test, every spikiness metric of the hooked
 * activations and every baseline's score evaluated on the labelled
 * generations (AUROC, TPR at 1% FPR, bootstrap intervals, time per sample),
 * and the steering sweeps measured by steer.h.
 *
 * The fixture's files (all written by examples/real_model/pipeline.py):
 *   meta.json                the configuration, the command, timings
 *   similarity.npy           n: each generation's similarity to its nearest training image
 *   labels.npy               n: the pipeline's labels (1, 0, -1), checked against ours
 *   nn_is_dup.npy            n: 1 when that nearest image is a duplicated one
 *   ref_test_similarity.npy  held-out test images' similarity (reference)
 *   ref_copy_similarity.npy  noisy training images' similarity (reference)
 *   acts.npy                 n x C: the hooked activations, max-pooled over 7 x 7
 *   acts_raw.npy             m x C x 7 x 7 (float16): the first m before pooling
 *   acts_std_torch.npy       n: torch.std (unbiased) of each row of acts (a check)
 *   score_<b>.npy            n: baseline b's score (higher = more likely memorized)
 *   images.npy, images_nn.npy, images_index.npy: some generations (uint8 28 x 28),
 *                            their nearest training images and their indices
 *   steer_*.npy, class_centroids.npy: the steering sweeps (steer.py)
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exp_internal.h"
#include "memgen/detect.h"
#include "memgen/experiment/real.h"
#include "memgen/fileio.h"
#include "memgen/npy.h"

#define D_IMG 784 /* 28 x 28 */

/* The detectors, in table order: the spikiness metrics of App. B.2 and repr.h
 * (std is the population std, as the authors compute it; repr.h's
 * std_sample, the F - 1 version, ranks the same and serves only to check the
 * pipeline's torch.std), then the baselines (files score_<name>.npy). */
static const mg_spike_metric METRICS[] = {MG_SPIKE_STD, MG_SPIKE_L4L2, MG_SPIKE_NEGENTROPY,
                                          MG_SPIKE_MAXMIN, MG_SPIKE_TOP1, MG_SPIKE_NEGPR};
enum { NMETRIC = (int)(sizeof METRICS / sizeof METRICS[0]), NBASE = 4, NDET = NMETRIC + NBASE };
static const char *const BASE_NAMES[NBASE] = {"denoise", "flipd", "clique", "nn_ratio"};
static const char *const BASE_KIND[NBASE] = {"baseline: the model's denoising error",
                                             "baseline: FLIPD / LID (Hutchinson trace of the real Jacobian)",
                                             "baseline: near-duplicate count among generations",
                                             "oracle: NN ratio (needs the training data)"};
/* Detectors with a ROC table: std (METRICS[0]), then the baselines. */
static const int ROC_DET[] = {0, NMETRIC + 0, NMETRIC + 1, NMETRIC + 2, NMETRIC + 3};

/* The paper's Table 1, CIFAR-10 / EDM column (AUROC, TPR at 1% FPR, seconds). */
static const struct {
    const char *method;
    double auroc, tpr, seconds;
} PAPER[] = {
    {"Ours (Std of h), paper", 0.998, 0.984, 0.020},
    {"Ross et al. 2024 (LID, score geometry), paper", 0.713, 0.013, 0.071},
};

#define P_ mg_exp_real_params
static const mg_field PARAM_FIELDS[] = {
    MG_FIELD(P_, fixture, MG_FIELD_STR,
             "folder of the pipeline's fixture (examples/real_model; \"\" = the committed one)"),
    MG_FIELD(P_, mem_sim, MG_FIELD_F64, "memorized: similarity to the nearest training image > mem_sim"),
    MG_FIELD(P_, gen_sim, MG_FIELD_F64, "generalized: similarity < gen_sim"),
    MG_FIELD(P_, fpr, MG_FIELD_F64, "false-positive rate of the TPR"),
    MG_FIELD(P_, bootstrap, MG_FIELD_INT, "bootstrap resamples of the intervals"),
    MG_FIELD(P_, level, MG_FIELD_F64, "confidence level of the intervals"),
    MG_FIELD(P_, bins, MG_FIELD_INT, "similarity histogram: equal bins over [0, 1]"),
    MG_FIELD(P_, max_valley, MG_FIELD_F64, "two peaks when the valley is at most this share of the second"),
    MG_FIELD(P_, repeats, MG_FIELD_INT, "timings of memgen's metrics (the fastest is kept)"),
};
#undef P_

#define R_ mg_exp_real_result
#define DET_FIELDS(m)                                                                                            \
    MG_FIELD_AS(R_, m.auroc, #m ".auroc", MG_FIELD_F64, "AUROC of " #m),                                          \
        MG_FIELD_AS(R_, m.auroc_lo, #m ".auroc_lo", MG_FIELD_F64, "lower end of its bootstrap interval"),         \
        MG_FIELD_AS(R_, m.auroc_hi, #m ".auroc_hi", MG_FIELD_F64, "upper end of its bootstrap interval"),         \
        MG_FIELD_AS(R_, m.tpr, #m ".tpr", MG_FIELD_F64, "TPR of " #m " at fpr"),                                  \
        MG_FIELD_AS(R_, m.tpr_lo, #m ".tpr_lo", MG_FIELD_F64, "lower end of its interval"),                       \
        MG_FIELD_AS(R_, m.tpr_hi, #m ".tpr_hi", MG_FIELD_F64, "upper end of its interval"),                       \
        MG_FIELD_AS(R_, m.usec_per_sample, #m ".usec_per_sample", MG_FIELD_F64, "wall time per generation (us)")
#define STEER_FIELDS(m)                                                                                          \
    MG_FIELD_AS(R_, m.count, #m ".count", MG_FIELD_I64, "samples of the group"),                                  \
        MG_FIELD_AS(R_, m.gain, #m ".gain", MG_FIELD_F64, "mean share of the way to the target at the last a"),  \
        MG_FIELD_AS(R_, m.mono, #m ".mono", MG_FIELD_F64, "mean share of a-steps that bring it closer"),         \
        MG_FIELD_AS(R_, m.spearman, #m ".spearman", MG_FIELD_F64, "mean rank correlation of a and -distance"),   \
        MG_FIELD_AS(R_, m.path_jump, #m ".path_jump", MG_FIELD_F64, "mean largest a-step's share of the path"),  \
        MG_FIELD_AS(R_, m.kink_median, #m ".kink_median", MG_FIELD_F64, "median fastest / slowest a-step"),      \
        MG_FIELD_AS(R_, m.frac_smooth, #m ".frac_smooth", MG_FIELD_F64, "share of smooth curves"),               \
        MG_FIELD_AS(R_, m.frac_threshold, #m ".frac_threshold", MG_FIELD_F64, "share of threshold-like curves"), \
        MG_FIELD_AS(R_, m.frac_static, #m ".frac_static", MG_FIELD_F64, "share of static curves"),               \
        MG_FIELD_AS(R_, m.dist_first, #m ".dist_first", MG_FIELD_F64, "mean distance to the target at a = 0"),   \
        MG_FIELD_AS(R_, m.dist_last, #m ".dist_last", MG_FIELD_F64, "mean distance to the target at the last a"), \
        MG_FIELD_AS(R_, m.target_share_last, #m ".target_share_last", MG_FIELD_F64,                               \
                    "share nearest to the target's class mean at the last a")

static const mg_field RESULT_FIELDS[] = {
    MG_FIELD(R_, model, MG_FIELD_TEXT, "the network"),
    MG_FIELD(R_, hook, MG_FIELD_TEXT, "the hooked module"),
    MG_FIELD(R_, data, MG_FIELD_TEXT, "the training set"),
    MG_FIELD(R_, command, MG_FIELD_TEXT, "the command that made the fixture"),
    MG_FIELD(R_, preset, MG_FIELD_TEXT, "the pipeline's preset"),
    MG_FIELD(R_, params, MG_FIELD_I64, "parameters of the network"),
    MG_FIELD(R_, channels, MG_FIELD_I64, "channels of the hooked activation"),
    MG_FIELD(R_, train_steps, MG_FIELD_I64, "training steps"),
    MG_FIELD(R_, train_seconds, MG_FIELD_F64, "the pipeline's training wall time (s)"),
    MG_FIELD(R_, sample_seconds, MG_FIELD_F64, "the pipeline's sampling wall time (s)"),
    MG_FIELD(R_, sigma, MG_FIELD_F64, "noise level of the activations and the denoising error"),
    MG_FIELD(R_, flipd_sigma, MG_FIELD_F64, "noise level of FLIPD"),
    MG_FIELD(R_, probes, MG_FIELD_I64, "Hutchinson probes of FLIPD"),
    MG_FIELD(R_, whitening_k, MG_FIELD_I64, "whitening rank of the similarity"),
    MG_FIELD(R_, n, MG_FIELD_I64, "generations"),
    MG_FIELD(R_, n_memorized, MG_FIELD_I64, "generations with similarity > mem_sim"),
    MG_FIELD(R_, n_generalized, MG_FIELD_I64, "generations with similarity < gen_sim"),
    MG_FIELD(R_, n_ambiguous, MG_FIELD_I64, "the others (dropped)"),
    MG_FIELD(R_, frac_memorized, MG_FIELD_F64, "memorized share of the generations"),
    MG_FIELD(R_, frac_generalized, MG_FIELD_F64, "generalized share of the generations"),
    MG_FIELD(R_, memorized_duplicates, MG_FIELD_I64, "memorized generations nearest to a duplicated image"),
    MG_FIELD(R_, copies_of_duplicates_share, MG_FIELD_F64, "their share of the memorized generations"),
    MG_FIELD(R_, labels_mismatch, MG_FIELD_I64, "labels that differ from the pipeline's"),
    MG_FIELD_AS(R_, sim.bimodal, "sim.bimodal", MG_FIELD_BOOL, "1: the similarity histogram has two peaks"),
    MG_FIELD_AS(R_, sim.peak1, "sim.peak1", MG_FIELD_INT, "bin of its highest peak"),
    MG_FIELD_AS(R_, sim.peak2, "sim.peak2", MG_FIELD_INT, "bin of its second peak (-1: none)"),
    MG_FIELD_AS(R_, sim.valley, "sim.valley", MG_FIELD_INT, "bin of the valley between them (-1: none)"),
    MG_FIELD_AS(R_, sim.dip, "sim.dip", MG_FIELD_F64, "valley / second peak height (NaN: none)"),
    MG_FIELD(R_, sim_median_memorized, MG_FIELD_F64, "median similarity of the memorized generations"),
    MG_FIELD(R_, sim_median_generalized, MG_FIELD_F64, "median similarity of the generalized generations"),
    MG_FIELD(R_, ref_test_median, MG_FIELD_F64, "held-out test images: median similarity"),
    MG_FIELD(R_, ref_test_below_gen, MG_FIELD_F64, "held-out test images: share below gen_sim"),
    MG_FIELD(R_, ref_copy_median, MG_FIELD_F64, "noisy training images: median similarity"),
    MG_FIELD(R_, ref_copy_above_mem, MG_FIELD_F64, "noisy training images: share above mem_sim"),
    DET_FIELDS(std),
    DET_FIELDS(l4l2),
    DET_FIELDS(negentropy),
    DET_FIELDS(maxmin),
    DET_FIELDS(top1),
    DET_FIELDS(negpr),
    DET_FIELDS(denoise),
    DET_FIELDS(flipd),
    DET_FIELDS(clique),
    DET_FIELDS(nn_ratio),
    MG_FIELD(R_, std_median_memorized, MG_FIELD_F64, "median std of the memorized generations' activations"),
    MG_FIELD(R_, std_median_generalized, MG_FIELD_F64, "median std of the generalized generations' activations"),
    MG_FIELD(R_, std_median_ratio, MG_FIELD_F64, "memorized / generalized median std"),
    MG_FIELD(R_, std_threshold, MG_FIELD_F64, "std's threshold calibrated on the generalized generations at fpr"),
    MG_FIELD(R_, best_metric, MG_FIELD_TEXT, "the spikiness metric with the highest AUROC"),
    MG_FIELD(R_, best_metric_auroc, MG_FIELD_F64, "its AUROC"),
    MG_FIELD(R_, baseline_wins, MG_FIELD_I64, "prompt-free baselines whose AUROC std's is >= to"),
    MG_FIELD(R_, baseline_ties, MG_FIELD_I64, "... else whose AUROC is inside std's interval"),
    MG_FIELD(R_, baseline_losses, MG_FIELD_I64, "... the others"),
    MG_FIELD(R_, baseline_lost, MG_FIELD_TEXT, "the baselines std loses to"),
    MG_FIELD(R_, time_ratio_min, MG_FIELD_F64, "smallest std time / a prompt-free baseline's"),
    MG_FIELD(R_, time_ratio_max, MG_FIELD_F64, "largest std time / a prompt-free baseline's"),
    MG_FIELD(R_, pool_max_abs_diff, MG_FIELD_F64, "memgen's max pooling vs the pipeline's (largest difference)"),
    MG_FIELD(R_, std_max_rel_diff, MG_FIELD_F64, "memgen's std_sample vs torch.std (largest relative difference)"),
    MG_FIELD(R_, target_name, MG_FIELD_TEXT, "the steering target class"),
    MG_FIELD(R_, target, MG_FIELD_I64, "its label"),
    MG_FIELD(R_, alpha_max, MG_FIELD_F64, "end of the steering sweep"),
    MG_FIELD(R_, steer_sigma_hi, MG_FIELD_F64, "steering at sigma <= steer_sigma_hi"),
    STEER_FIELDS(steer_gen),
    STEER_FIELDS(steer_mem),
    MG_FIELD(R_, detectors, MG_FIELD_TABLE, "every detector's evaluation"),
    MG_FIELD(R_, paper, MG_FIELD_TABLE, "the paper's Table 1 CIFAR-10 / EDM rows and this model's"),
    MG_FIELD(R_, scores, MG_FIELD_TABLE, "every detector's score of the labelled generations"),
    MG_FIELD(R_, hist, MG_FIELD_TABLE, "similarity histogram of the generations and the references"),
    MG_FIELD(R_, generations, MG_FIELD_TABLE, "every generation's similarity, label and std"),
    MG_FIELD(R_, roc, MG_FIELD_TABLES, "ROC curves of std and the baselines"),
    MG_FIELD(R_, steer_curves, MG_FIELD_TABLE, "mean steering curve per group"),
    MG_FIELD(R_, steer_samples, MG_FIELD_TABLE, "steering measures per sample"),
    MG_FIELD(R_, steer_groups, MG_FIELD_TABLE, "steering summary per group"),
    MG_FIELD(R_, timings, MG_FIELD_TABLE, "times per sample (wall)"),
    MG_FIELD(R_, train_loss, MG_FIELD_TABLE, "the pipeline's training loss"),
    MG_FIELD(R_, shown_memorized, MG_FIELD_I64, "memorized generations in grid_memorized"),
    MG_FIELD(R_, shown_generalized, MG_FIELD_I64, "generalized generations in grid_generalized"),
    MG_FIELD(R_, grid_memorized, MG_FIELD_ARRAY, "memorized generations over their nearest training images"),
    MG_FIELD(R_, grid_generalized, MG_FIELD_ARRAY, "generalized generations over their nearest training images"),
    MG_FIELD(R_, steer_strip, MG_FIELD_ARRAY, "samples of each group along the steering sweep"),
};
#undef R_

/* The committed fixture as found once per process (mg_data_path), "" when it is not. */
static char default_fixture[4096];
static pthread_once_t default_fixture_once = PTHREAD_ONCE_INIT;

/* Looks up default_fixture (pthread_once). */
static void find_default_fixture(void) {
    if (mg_data_path(MG_REAL_FIXTURE_REL, default_fixture, sizeof default_fixture) != MG_OK) default_fixture[0] = 0;
}

/* Library defaults. */
mg_exp_real_params mg_exp_real_defaults(void) {
    mg_exp_real_params p;
    pthread_once(&default_fixture_once, find_default_fixture);
    p.fixture = default_fixture[0] ? default_fixture : NULL;
    p.mem_sim = 0.9;
    p.gen_sim = 0.5;
    p.fpr = 0.01;
    p.bootstrap = 1000;
    p.level = 0.95;
    p.bins = 20;
    p.max_valley = 0.5;
    p.repeats = 3;
    return p;
}

/* Frees every owned member. */
void mg_exp_real_free(mg_exp_real_result *r) {
    if (!r) return;
    mg_table *t[] = {&r->detectors,    &r->paper,         &r->scores,       &r->hist,    &r->generations,
                     &r->steer_curves, &r->steer_samples, &r->steer_groups, &r->timings, &r->train_loss};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) mg_table_free(t[i]);
    mg_table_list_free(&r->roc);
    mg_array_free(&r->grid_memorized);
    mg_array_free(&r->grid_generalized);
    mg_array_free(&r->steer_strip);
}

/* ---- reading the fixture -------------------------------------------------------- */

/* The fixture's arrays, as read (converted where noted). */
typedef struct {
    cJSON *meta;
    mg_array sim, labels, nn_dup, ref_test, ref_copy; /* f64 (labels, nn_dup as read then f64) */
    mg_array acts, acts_raw, std_torch;               /* acts f32; acts_raw as read; std_torch f64 */
    mg_array base[NBASE];                             /* f64 */
    mg_array images, images_nn, images_index;         /* f64 */
    mg_array steer_alphas, steer_images, steer_group, steer_index, steer_centroid, class_centroids; /* f64 */
} fixture;

/* Frees what load_fixture read (safe on a zeroed fixture). */
static void fixture_free(fixture *f) {
    cJSON_Delete(f->meta);
    mg_array *all[] = {&f->sim,          &f->labels,       &f->nn_dup,       &f->ref_test,       &f->ref_copy,
                       &f->acts,         &f->acts_raw,     &f->std_torch,    &f->images,         &f->images_nn,
                       &f->images_index, &f->steer_alphas, &f->steer_images, &f->steer_group,    &f->steer_index,
                       &f->steer_centroid, &f->class_centroids};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) mg_array_free(all[i]);
    for (int i = 0; i < NBASE; i++) mg_array_free(&f->base[i]);
}

/* MG_ERR_NOT_FOUND naming path when it cannot be opened for reading. */
static mg_status need(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return mg_fail(MG_ERR_NOT_FOUND, "real: no fixture file %s (the committed fixture is %s; "
                                         "examples/real_model/run.py writes one)", path, MG_REAL_FIXTURE_REL);
    fclose(f);
    return MG_OK;
}

/* <dir>/<name>.npy into *out, converted to float64 (to_f64) or as stored. */
static mg_status load(const char *dir, const char *name, int to_f64, mg_array *out) {
    char path[4200]; /* a folder (up to 4095 bytes) and a file name */
    snprintf(path, sizeof path, "%s/%s.npy", dir, name);
    MG_TRY(need(path));
    mg_array a = {0};
    mg_status s = mg_npy_read(path, &a);
    if (s != MG_OK)
        return mg_fail_context(s, "real: fixture file %s (rerun examples/real_model/run.py, see README)", path);
    if (!to_f64) {
        *out = a;
        return MG_OK;
    }
    s = mg_array_to_f64(&a, out);
    mg_array_free(&a);
    return s;
}

/* Reads meta.json. */
static mg_status load_meta(const char *dir, cJSON **out) {
    char path[4200];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    MG_TRY(need(path));
    unsigned char *buf = NULL;
    size_t len = 0;
    mg_status s = mg_read_file(path, 1 << 24, &buf, &len);
    if (s != MG_OK) return mg_fail_context(s, "real: the fixture's meta.json (%s)", path);
    *out = cJSON_ParseWithLength((const char *)buf, len);
    free(buf);
    if (!*out) return mg_fail(MG_ERR_FORMAT, "real: %s is not valid JSON", path);
    return MG_OK;
}

/* The item at a dotted path of meta.json, or NULL. */
static const cJSON *meta_at(const cJSON *o, const char *path) {
    char key[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = 0;
        o = cJSON_GetObjectItemCaseSensitive(o, key);
        path += n + (dot ? 1 : 0);
    }
    return o;
}

/* A number of meta.json (NaN when absent). */
static double meta_num(const cJSON *m, const char *path) {
    const cJSON *o = meta_at(m, path);
    return cJSON_IsNumber(o) ? o->valuedouble : NAN;
}

/* A string of meta.json into buf ("" when absent). */
static void meta_str(const cJSON *m, const char *path, char *buf, size_t len) {
    const cJSON *o = meta_at(m, path);
    snprintf(buf, len, "%s", cJSON_IsString(o) ? o->valuestring : "");
}

/* Reads every file and checks the shapes agree. */
static mg_status load_fixture(const char *dir, fixture *f) {
    MG_TRY(load_meta(dir, &f->meta));
    MG_TRY(load(dir, "similarity", 1, &f->sim));
    MG_TRY(load(dir, "labels", 1, &f->labels));
    MG_TRY(load(dir, "nn_is_dup", 1, &f->nn_dup));
    MG_TRY(load(dir, "ref_test_similarity", 1, &f->ref_test));
    MG_TRY(load(dir, "ref_copy_similarity", 1, &f->ref_copy));
    mg_array a = {0};
    MG_TRY(load(dir, "acts", 0, &a));
    mg_status s = mg_array_to_f32(&a, &f->acts);
    mg_array_free(&a);
    MG_TRY(s);
    MG_TRY(load(dir, "acts_raw", 0, &f->acts_raw));
    MG_TRY(load(dir, "acts_std_torch", 1, &f->std_torch));
    for (int i = 0; i < NBASE; i++) {
        char name[32];
        snprintf(name, sizeof name, "score_%s", BASE_NAMES[i]);
        MG_TRY(load(dir, name, 1, &f->base[i]));
    }
    MG_TRY(load(dir, "images", 1, &f->images));
    MG_TRY(load(dir, "images_nn", 1, &f->images_nn));
    MG_TRY(load(dir, "images_index", 1, &f->images_index));
    MG_TRY(load(dir, "steer_alphas", 1, &f->steer_alphas));
    MG_TRY(load(dir, "steer_images", 1, &f->steer_images));
    MG_TRY(load(dir, "steer_group", 1, &f->steer_group));
    MG_TRY(load(dir, "steer_index", 1, &f->steer_index));
    MG_TRY(load(dir, "steer_centroid", 1, &f->steer_centroid));
    MG_TRY(load(dir, "class_centroids", 1, &f->class_centroids));
    int64_t n = f->sim.shape[0];
    const mg_array *per_gen[] = {&f->labels, &f->nn_dup, &f->std_torch, &f->base[0], &f->base[1], &f->base[2],
                                 &f->base[3]};
    for (size_t i = 0; i < sizeof per_gen / sizeof per_gen[0]; i++)
        if (per_gen[i]->ndim != 1 || per_gen[i]->shape[0] != n)
            return mg_fail(MG_ERR_FORMAT, "real: %s: a per-generation file has %lld values, similarity.npy %lld", dir,
                           (long long)per_gen[i]->shape[0], (long long)n);
    if (f->acts.ndim != 2 || f->acts.shape[0] != n || f->acts.shape[1] < 2)
        return mg_fail(MG_ERR_FORMAT, "real: %s/acts.npy must be %lld x C (C >= 2)", dir, (long long)n);
    if (f->acts_raw.ndim != 4 || f->acts_raw.shape[1] != f->acts.shape[1] || f->acts_raw.shape[0] > n)
        return mg_fail(MG_ERR_FORMAT, "real: %s/acts_raw.npy must be m x C x H x W with C as acts.npy", dir);
    int64_t na = f->steer_alphas.shape[0], ns = f->steer_group.shape[0];
    if (f->steer_images.ndim != 4 || f->steer_images.shape[0] != na || f->steer_images.shape[1] != ns ||
        f->steer_images.shape[2] * f->steer_images.shape[3] != D_IMG || mg_array_numel(&f->steer_centroid) != D_IMG ||
        f->class_centroids.ndim != 2 || f->class_centroids.shape[1] != D_IMG || f->steer_index.shape[0] != ns)
        return mg_fail(MG_ERR_FORMAT, "real: %s: the steering files' shapes disagree", dir);
    int64_t m = f->images.shape[0];
    if (f->images.ndim != 3 || f->images.shape[1] * f->images.shape[2] != D_IMG || f->images_nn.shape[0] != m ||
        f->images_index.shape[0] != m)
        return mg_fail(MG_ERR_FORMAT, "real: %s: the images files' shapes disagree", dir);
    return MG_OK;
}

/* ---- labels and the similarity ----------------------------------------------------- */

/* Median of x[i] over the i with mask[i] == want (all when mask is NULL); NaN when none. */
static double median_where(const double *x, int64_t n, const int *mask, int want) {
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!v) return NAN;
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++)
        if (!mask || mask[i] == want) v[k++] = x[i];
    mg_summary sm;
    double med = k > 0 && mg_summarize(v, k, &sm) == MG_OK ? sm.median : NAN;
    free(v);
    return med;
}

/* Share of x above (sign 1) or below (sign -1) t. */
static double share(const double *x, int64_t n, double t, int sign) {
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) k += sign > 0 ? x[i] > t : x[i] < t;
    return n > 0 ? (double)k / (double)n : NAN;
}

/* Labels (1 memorized, 0 generalized, -1 ambiguous), counts, the histogram
 * with the references, and the two-peak test. */
static mg_status similarity_part(const mg_exp_real_params *p, const fixture *f, int *lab, mg_exp_real_result *r) {
    const double *sim = f->sim.data, *flab = f->labels.data, *dup = f->nn_dup.data;
    int64_t n = f->sim.shape[0];
    r->n = n;
    for (int64_t i = 0; i < n; i++) {
        lab[i] = sim[i] > p->mem_sim ? 1 : sim[i] < p->gen_sim ? 0 : -1;
        r->n_memorized += lab[i] == 1;
        r->n_generalized += lab[i] == 0;
        r->n_ambiguous += lab[i] == -1;
        r->memorized_duplicates += lab[i] == 1 && dup[i] != 0;
        r->labels_mismatch += lab[i] != (int)flab[i];
    }
    r->frac_memorized = (double)r->n_memorized / (double)n;
    r->frac_generalized = (double)r->n_generalized / (double)n;
    r->copies_of_duplicates_share = r->n_memorized ? (double)r->memorized_duplicates / (double)r->n_memorized : NAN;
    r->sim_median_memorized = median_where(sim, n, lab, 1);
    r->sim_median_generalized = median_where(sim, n, lab, 0);
    int64_t nt = f->ref_test.shape[0], nc = f->ref_copy.shape[0];
    r->ref_test_median = median_where(f->ref_test.data, nt, NULL, 0);
    r->ref_copy_median = median_where(f->ref_copy.data, nc, NULL, 0);
    r->ref_test_below_gen = share(f->ref_test.data, nt, p->gen_sim, -1);
    r->ref_copy_above_mem = share(f->ref_copy.data, nc, p->mem_sim, 1);
    int64_t *cnt = calloc((size_t)p->bins * 3, sizeof(int64_t));
    if (!cnt) return mg_fail(MG_ERR_NOMEM, "real: out of memory");
    mg_status s = mg_histogram(sim, n, p->bins, 0.0, 1.0, cnt);
    if (s == MG_OK) s = mg_histogram(f->ref_test.data, nt, p->bins, 0.0, 1.0, cnt + p->bins);
    if (s == MG_OK) s = mg_histogram(f->ref_copy.data, nc, p->bins, 0.0, 1.0, cnt + 2 * p->bins);
    if (s == MG_OK) s = mg_histogram_bimodal(cnt, p->bins, p->max_valley, &r->sim);
    if (s == MG_OK)
        s = mg_table_init(&r->hist, "hist_similarity", p->bins,
                          "bin_lo,bin_hi,generations,heldout_test,noisy_copies,generations_share,heldout_test_share,"
                          "noisy_copies_share");
    const int64_t tot[3] = {n, nt, nc};
    for (int b = 0; s == MG_OK && b < p->bins; b++) {
        r->hist.cols[0].num[b] = (double)b / p->bins;
        r->hist.cols[1].num[b] = (double)(b + 1) / p->bins;
        for (int k = 0; k < 3; k++) {
            r->hist.cols[2 + k].num[b] = (double)cnt[k * p->bins + b];
            r->hist.cols[5 + k].num[b] = tot[k] > 0 ? (double)cnt[k * p->bins + b] / (double)tot[k] : NAN;
        }
    }
    free(cnt);
    return s;
}

/* ---- detection ---------------------------------------------------------------------- */

/* Copies the fields of an evaluation into a detector's result. */
static void det_set(mg_exp_real_det *d, const mg_detect_eval *e) {
    d->auroc = e->auroc, d->auroc_lo = e->auroc_lo, d->auroc_hi = e->auroc_hi;
    d->tpr = e->tpr, d->tpr_lo = e->tpr_lo, d->tpr_hi = e->tpr_hi;
}

/* The result's detector k (metrics in repr.h order, then BASE_NAMES). */
static mg_exp_real_det *det_at(mg_exp_real_result *r, int k) {
    mg_exp_real_det *all[NDET] = {&r->std,     &r->l4l2,  &r->negentropy, &r->maxmin, &r->top1,
                                  &r->negpr,   &r->denoise, &r->flipd,    &r->clique, &r->nn_ratio};
    return all[k];
}

/* The name of detector k. */
static const char *det_name(int k) { return k < NMETRIC ? mg_spike_metric_name(METRICS[k]) : BASE_NAMES[k - NMETRIC]; }

/* Every metric of every generation (sc: n x NDET, column k = detector k),
 * memgen's time per generation of each metric (usec[k]), and the checks of
 * the pooling and of std against the pipeline's. */
static mg_status score_all(const mg_exp_real_params *p, const fixture *f, double *sc, double *usec,
                           mg_exp_real_result *r) {
    int64_t n = f->acts.shape[0];
    mg_mat H = mg_mat_of_array(&f->acts);
    double *col = malloc((size_t)n * sizeof(double));
    if (!col) return mg_fail(MG_ERR_NOMEM, "real: out of memory");
    mg_status s = MG_OK;
    for (int k = 0; k < NMETRIC && s == MG_OK; k++) {
        usec[k] = INFINITY;
        for (int rep = 0; rep < (p->repeats > 0 ? p->repeats : 1) && s == MG_OK; rep++) {
            double t = mg_now();
            s = mg_spikiness_rows(H, METRICS[k], col);
            usec[k] = fmin(usec[k], 1e6 * (mg_now() - t) / (double)n);
        }
        for (int64_t i = 0; s == MG_OK && i < n; i++) sc[i * NDET + k] = col[i];
    }
    for (int b = 0; b < NBASE && s == MG_OK; b++)
        for (int64_t i = 0; i < n; i++) sc[i * NDET + NMETRIC + b] = ((const double *)f->base[b].data)[i];
    /* the F - 1 std against the pipeline's torch.std (unbiased, its default) */
    if (s == MG_OK) s = mg_spikiness_rows(H, MG_SPIKE_STD_SAMPLE, col);
    const double *ts = f->std_torch.data;
    for (int64_t i = 0; s == MG_OK && i < n; i++) {
        double d = fabs(col[i] - ts[i]) / fmax(fabs(ts[i]), 1e-30);
        r->std_max_rel_diff = fmax(r->std_max_rel_diff, d);
    }
    free(col);
    /* memgen's max pooling of the raw activations against the pipeline's */
    mg_array pooled = {0};
    if (s == MG_OK) s = mg_features_reduce(&f->acts_raw, MG_LAYOUT_NCHW, MG_POOL_MAX, &pooled);
    if (s == MG_OK) {
        const float *a = pooled.data, *b = f->acts.data;
        int64_t C = f->acts.shape[1];
        for (int64_t i = 0; i < pooled.shape[0] * C; i++)
            r->pool_max_abs_diff = fmax(r->pool_max_abs_diff, fabs((double)a[i] - (double)b[i]));
    }
    mg_array_free(&pooled);
    return s;
}

/* The labelled generations' scores of detector k into out (m values). */
static void labelled_scores(const double *sc, int64_t n, const int *lab, int k, double *out, int *y) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        if (lab[i] >= 0) {
            out[m] = sc[i * NDET + k];
            if (y) y[m] = lab[i];
            m++;
        }
}

/* "detectors", "scores", the named fields and the ROC tables. */
static mg_status evaluate_all(const mg_exp_real_params *p, const mg_exp_env *env, const fixture *f, const int *lab,
                              const double *sc, mg_exp_real_result *r) {
    int64_t n = r->n, m = r->n_memorized + r->n_generalized;
    int both = r->n_memorized > 0 && r->n_generalized > 0;
    double *v = malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
    int *y = malloc((size_t)(m > 0 ? m : 1) * sizeof(int));
    mg_status s = v && y ? MG_OK : mg_fail(MG_ERR_NOMEM, "real: out of memory");
    static const char *const num[] = {"auroc", "auroc_lo", "auroc_hi", "tpr_at_fpr", "tpr_lo", "tpr_hi", "n_pos", "n_neg"};
    int cd = 0, ck = 0;
    if (s == MG_OK) s = mg_table_init(&r->detectors, "detectors", NDET, NULL);
    if (s == MG_OK) s = mg_table_add(&r->detectors, "detector", MG_COL_TEXT, &cd);
    if (s == MG_OK) s = mg_table_add(&r->detectors, "kind", MG_COL_TEXT, &ck);
    for (int j = 0; j < 8 && s == MG_OK; j++) s = mg_table_add(&r->detectors, num[j], MG_COL_F64, NULL);
    for (int k = 0; k < NDET && s == MG_OK; k++) {
        mg_detect_eval e;
        memset(&e, 0, sizeof e);
        e.auroc = e.auroc_lo = e.auroc_hi = e.tpr = e.tpr_lo = e.tpr_hi = NAN;
        labelled_scores(sc, n, lab, k, v, y);
        if (both) {
            mg_rng g = mg_rng_fork(env->rng, (uint64_t)k);
            s = mg_detect_evaluate(v, y, m, p->fpr, p->bootstrap, p->level, &g, &e);
        }
        det_set(det_at(r, k), &e);
        const double row[8] = {e.auroc, e.auroc_lo, e.auroc_hi, e.tpr, e.tpr_lo, e.tpr_hi, (double)r->n_memorized,
                               (double)r->n_generalized};
        for (int j = 0; j < 8; j++) r->detectors.cols[2 + j].num[k] = row[j];
        if (s == MG_OK) s = mg_table_set_text(&r->detectors, cd, k, det_name(k));
        if (s == MG_OK)
            s = mg_table_set_text(&r->detectors, ck, k, k < NMETRIC ? "spikiness of h (Algorithm 1)" : BASE_KIND[k - NMETRIC]);
    }
    /* the scores of the labelled generations */
    if (s == MG_OK) s = mg_table_init(&r->scores, "scores", m, "generation,similarity,memorized,nn_is_dup");
    for (int k = 0; k < NDET && s == MG_OK; k++) s = mg_table_add(&r->scores, det_name(k), MG_COL_F64, NULL);
    for (int64_t i = 0, j = 0; s == MG_OK && i < n; i++) {
        if (lab[i] < 0) continue;
        r->scores.cols[0].num[j] = (double)i;
        r->scores.cols[1].num[j] = ((const double *)f->sim.data)[i];
        r->scores.cols[2].num[j] = lab[i];
        r->scores.cols[3].num[j] = ((const double *)f->nn_dup.data)[i];
        for (int k = 0; k < NDET; k++) r->scores.cols[4 + k].num[j] = sc[i * NDET + k];
        j++;
    }
    /* ROC curves */
    for (size_t q = 0; both && s == MG_OK && q < sizeof ROC_DET / sizeof ROC_DET[0]; q++) {
        labelled_scores(sc, n, lab, ROC_DET[q], v, y);
        char name[48];
        snprintf(name, sizeof name, "roc_%s", det_name(ROC_DET[q]));
        s = mg_exp_roc_table(v, y, m, name, &r->roc);
    }
    /* Fig. 17b: std of the two groups, and Algorithm 1's threshold */
    double *stdc = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (s == MG_OK && !stdc) s = mg_fail(MG_ERR_NOMEM, "real: out of memory");
    if (s == MG_OK) {
        for (int64_t i = 0; i < n; i++) stdc[i] = sc[i * NDET + 0];
        r->std_median_memorized = median_where(stdc, n, lab, 1);
        r->std_median_generalized = median_where(stdc, n, lab, 0);
        r->std_median_ratio = r->std_median_memorized / r->std_median_generalized;
        int64_t ng = 0;
        for (int64_t i = 0; i < n; i++)
            if (lab[i] == 0) stdc[ng++] = sc[i * NDET + 0];
        r->std_threshold = NAN;
        if (ng > 0) s = mg_detect_calibrate(stdc, ng, p->fpr, &r->std_threshold);
    }
    free(stdc);
    free(v);
    free(y);
    return s;
}

/* Best metric, std against the prompt-free baselines, time ratios. */
static void compare(mg_exp_real_result *r) {
    r->best_metric_auroc = -INFINITY;
    for (int k = 0; k < NMETRIC; k++)
        if (det_at(r, k)->auroc > r->best_metric_auroc) {
            r->best_metric_auroc = det_at(r, k)->auroc;
            snprintf(r->best_metric, sizeof r->best_metric, "%s", det_name(k));
        }
    if (!isfinite(r->best_metric_auroc)) r->best_metric_auroc = NAN;
    size_t len = 0;
    r->time_ratio_min = INFINITY, r->time_ratio_max = -INFINITY;
    for (int b = 0; b < NBASE - 1; b++) { /* the oracle (last) is apart */
        const mg_exp_real_det *d = det_at(r, NMETRIC + b);
        if (isnan(r->std.auroc)) continue;
        if (r->std.auroc >= d->auroc) r->baseline_wins++;
        else if (d->auroc <= r->std.auroc_hi) r->baseline_ties++;
        else {
            r->baseline_losses++;
            len += (size_t)snprintf(r->baseline_lost + len, sizeof r->baseline_lost - len, "%s%s", len ? ", " : "",
                                    BASE_NAMES[b]);
        }
        double q = r->std.usec_per_sample / d->usec_per_sample;
        r->time_ratio_min = fmin(r->time_ratio_min, q);
        r->time_ratio_max = fmax(r->time_ratio_max, q);
    }
    if (!isfinite(r->time_ratio_min)) r->time_ratio_min = r->time_ratio_max = NAN;
}

/* Times per generation: the pipeline's model work (meta.json) plus memgen's
 * metric time; the "timings" (wall) table. */
static mg_status times(const fixture *f, const double *usec_memgen, mg_exp_real_result *r) {
    double acts = 1e6 * meta_num(f->meta, "detect.seconds_per_sample.acts");
    MG_TRY(mg_table_init(&r->timings, "timings", NDET, "usec_per_sample,usec_model,usec_memgen"));
    int cd;
    MG_TRY(mg_table_add(&r->timings, "detector", MG_COL_TEXT, &cd));
    for (int k = 0; k < NDET; k++) {
        char path[64];
        double model = acts, mine = 0;
        if (k < NMETRIC) mine = usec_memgen[k];
        else {
            snprintf(path, sizeof path, "detect.seconds_per_sample.%s", BASE_NAMES[k - NMETRIC]);
            model = 1e6 * meta_num(f->meta, path);
        }
        det_at(r, k)->usec_per_sample = model + mine;
        r->timings.cols[0].num[k] = model + mine;
        r->timings.cols[1].num[k] = model;
        r->timings.cols[2].num[k] = mine;
        MG_TRY(mg_table_set_text(&r->timings, cd, k, det_name(k)));
    }
    return MG_OK;
}

/* "paper_table1": the paper's CIFAR-10 / EDM rows and this model's std and
 * flipd (seconds: the pipeline's model time per sample, from the fixture). */
static mg_status paper_table(const fixture *f, mg_exp_real_result *r) {
    int np = (int)(sizeof PAPER / sizeof PAPER[0]);
    MG_TRY(mg_table_init(&r->paper, "paper_table1", np + 2, NULL));
    int cm, cs;
    MG_TRY(mg_table_add(&r->paper, "method", MG_COL_TEXT, &cm));
    MG_TRY(mg_table_add(&r->paper, "source", MG_COL_TEXT, &cs));
    MG_TRY(mg_table_add(&r->paper, "auroc", MG_COL_F64, NULL));
    MG_TRY(mg_table_add(&r->paper, "tpr", MG_COL_F64, NULL));
    MG_TRY(mg_table_add(&r->paper, "seconds", MG_COL_F64, NULL));
    for (int i = 0; i < np; i++) {
        MG_TRY(mg_table_set_text(&r->paper, cm, i, PAPER[i].method));
        MG_TRY(mg_table_set_text(&r->paper, cs, i, "paper, Table 1: EDM on CIFAR-10 with duplicates, 100 + 100"));
        r->paper.cols[2].num[i] = PAPER[i].auroc;
        r->paper.cols[3].num[i] = PAPER[i].tpr;
        r->paper.cols[4].num[i] = PAPER[i].seconds;
    }
    const mg_exp_real_det *mine[2] = {&r->std, &r->flipd};
    const char *names[2] = {"Std of h (Algorithm 1), memgen", "FLIPD / LID, memgen"};
    const char *secs[2] = {"detect.seconds_per_sample.acts", "detect.seconds_per_sample.flipd"};
    char src[160];
    snprintf(src, sizeof src, "this model: %lld memorized + %lld generalized generations", (long long)r->n_memorized,
             (long long)r->n_generalized);
    for (int i = 0; i < 2; i++) {
        MG_TRY(mg_table_set_text(&r->paper, cm, np + i, names[i]));
        MG_TRY(mg_table_set_text(&r->paper, cs, np + i, src));
        r->paper.cols[2].num[np + i] = mine[i]->auroc;
        r->paper.cols[3].num[np + i] = mine[i]->tpr;
        r->paper.cols[4].num[np + i] = meta_num(f->meta, secs[i]);
    }
    return MG_OK;
}

/* "generations": every generation's similarity, label, nearest-is-duplicate and std. */
static mg_status generations_table(const fixture *f, const int *lab, const double *sc, mg_exp_real_result *r) {
    MG_TRY(mg_table_init(&r->generations, "generations", r->n, "generation,similarity,label,nn_is_dup,std"));
    for (int64_t i = 0; i < r->n; i++) {
        const double v[5] = {(double)i, ((const double *)f->sim.data)[i], lab[i], ((const double *)f->nn_dup.data)[i],
                             sc[i * NDET + 0]};
        for (int c = 0; c < 5; c++) r->generations.cols[c].num[i] = v[c];
    }
    return MG_OK;
}

/* ---- images -------------------------------------------------------------------------- */

/* 2 x k x 784 grid (row 0 the generations of label `want`, row 1 their
 * nearest training images), at most kmax, values 0..255. */
static mg_status grid(const fixture *f, const int *lab, int want, int64_t kmax, mg_array *out, int64_t *count) {
    int64_t m = f->images.shape[0], k = 0;
    const double *idx = f->images_index.data;
    for (int64_t i = 0; i < m; i++) k += lab[(int64_t)idx[i]] == want;
    if (k > kmax) k = kmax;
    *count = k;
    int64_t shape[3] = {2, k, D_IMG};
    MG_TRY(mg_array_alloc(out, MG_F32, 3, shape));
    float *g = out->data;
    const double *img = f->images.data, *nn = f->images_nn.data;
    for (int64_t i = 0, j = 0; i < m && j < k; i++) {
        if (lab[(int64_t)idx[i]] != want) continue;
        for (int d = 0; d < D_IMG; d++) {
            g[j * D_IMG + d] = (float)img[i * D_IMG + d];
            g[(k + j) * D_IMG + d] = (float)nn[i * D_IMG + d];
        }
        j++;
    }
    return MG_OK;
}

/* ---- steering --------------------------------------------------------------------------- */

/* Index of the class mean image nearest to x (784 values on [0, 1]). */
static int nearest_class(const fixture *f, const float *x) {
    int best = 0;
    double bd = INFINITY;
    const double *c = f->class_centroids.data;
    for (int64_t k = 0; k < f->class_centroids.shape[0]; k++) {
        double d = 0;
        for (int j = 0; j < D_IMG; j++) d += ((double)x[j] - c[k * D_IMG + j]) * ((double)x[j] - c[k * D_IMG + j]);
        if (d < bd) bd = d, best = (int)k;
    }
    return best;
}

/* Fills one group's summary fields from steer.h's summary. */
static void steer_set(mg_exp_real_steer *o, const mg_steer_summary *s) {
    o->count = s->count, o->gain = s->gain, o->mono = s->mono, o->spearman = s->spearman;
    o->path_jump = s->path_jump, o->kink_median = s->kink_median, o->frac_smooth = s->frac_smooth;
    o->frac_threshold = s->frac_threshold, o->frac_static = s->frac_static;
    o->dist_first = s->dist_first, o->dist_last = s->dist_last;
}

/* The sweeps measured by steer.h, per group, and the strip of images. */
static mg_status steering(const fixture *f, mg_exp_real_result *r) {
    int na = (int)f->steer_alphas.shape[0];
    int64_t ns = f->steer_group.shape[0];
    const double *alphas = f->steer_alphas.data, *grp = f->steer_group.data, *si = f->steer_images.data;
    r->target = (int64_t)meta_num(f->meta, "steer.target");
    meta_str(f->meta, "steer.target_name", r->target_name, sizeof r->target_name);
    r->steer_sigma_hi = meta_num(f->meta, "steer.sigma_hi");
    r->alpha_max = na > 0 ? alphas[na - 1] : NAN;
    float *S = malloc((size_t)(na * ns * D_IMG + D_IMG) * sizeof(float));
    int *mask = malloc((size_t)(ns > 0 ? ns : 1) * sizeof(int));
    int *is_t = malloc((size_t)(na * ns > 0 ? na * ns : 1) * sizeof(int));
    mg_steer_curves cv = {0};
    mg_status s = S && mask && is_t ? MG_OK : mg_fail(MG_ERR_NOMEM, "real: out of memory");
    if (s == MG_OK) {
        for (int64_t i = 0; i < na * ns * D_IMG; i++) S[i] = (float)(si[i] / 255.0);
        float *ctr = S + na * ns * D_IMG;
        for (int j = 0; j < D_IMG; j++) ctr[j] = (float)((const double *)f->steer_centroid.data)[j];
        for (int64_t i = 0; i < ns; i++) mask[i] = (int)grp[i];
        for (int64_t q = 0; q < na * ns; q++) is_t[q] = nearest_class(f, S + q * D_IMG) == r->target;
        if (na >= 2 && ns > 0) s = mg_steer_measure(S, na, alphas, ns, D_IMG, ctr, NULL, &cv);
    }
    /* per group: summary, target share at the last a, mean curve */
    mg_exp_real_steer *out[2] = {&r->steer_gen, &r->steer_mem};
    if (s == MG_OK) s = mg_table_init(&r->steer_curves, "steer_curves", 2 * na, "group,alpha,rel_distance,target_share");
    if (s == MG_OK) s = mg_table_init(&r->steer_groups, "steer_groups", 2, "group,samples,gain,mono,spearman,path_jump,kink_median,frac_smooth,frac_threshold,frac_static,target_share_last");
    for (int g = 0; g < 2 && s == MG_OK; g++) {
        mg_steer_summary sm;
        memset(&sm, 0, sizeof sm);
        int64_t cnt = 0;
        for (int64_t i = 0; i < ns; i++) cnt += mask[i] == g;
        if (cnt > 0 && cv.n > 0) s = mg_steer_summarize(&cv, mask, g, &sm);
        else {
            double nan = NAN;
            sm = (mg_steer_summary){0, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan};
        }
        steer_set(out[g], &sm);
        for (int a = 0; a < na; a++) {
            double dsum = 0, d0 = 0, tsh = 0;
            for (int64_t i = 0; i < ns; i++) {
                if (mask[i] != g) continue;
                if (cv.n > 0) dsum += cv.dist[i * na + a], d0 += cv.dist[i * na];
                tsh += is_t[a * ns + i];
            }
            int64_t row = (int64_t)g * na + a;
            r->steer_curves.cols[0].num[row] = g == 0 ? 0 : 1;
            r->steer_curves.cols[1].num[row] = alphas[a];
            r->steer_curves.cols[2].num[row] = cnt > 0 && d0 > 0 ? dsum / d0 : NAN;
            r->steer_curves.cols[3].num[row] = cnt > 0 ? tsh / (double)cnt : NAN;
            if (a == na - 1) out[g]->target_share_last = r->steer_curves.cols[3].num[row];
        }
        const mg_exp_real_steer *o = out[g];
        const double v[11] = {g == 0 ? 0 : 1, (double)o->count, o->gain, o->mono, o->spearman, o->path_jump,
                              o->kink_median, o->frac_smooth, o->frac_threshold, o->frac_static, o->target_share_last};
        for (int c = 0; c < 11; c++) r->steer_groups.cols[c].num[g] = v[c];
    }
    /* per sample */
    if (s == MG_OK)
        s = mg_table_init(&r->steer_samples, "steer_samples", cv.n,
                          "sample,generation,group,class,mono,spearman,jump,path_jump,kink,gain");
    for (int64_t i = 0; s == MG_OK && i < cv.n; i++) {
        const double v[10] = {(double)i, ((const double *)f->steer_index.data)[i], mask[i], cv.cls[i], cv.mono[i],
                              cv.spearman[i], cv.jump[i], cv.path_jump[i], cv.kink[i], cv.gain[i]};
        for (int c = 0; c < 10; c++) r->steer_samples.cols[c].num[i] = v[c];
    }
    /* the strip: up to 3 samples of each group (memorized first) x the sweep */
    int64_t pick[6], np = 0;
    for (int g = 1; g >= 0; g--)
        for (int64_t i = 0, k = 0; i < ns && k < 3; i++)
            if (mask[i] == g) pick[np++] = i, k++;
    int64_t shape[3] = {np, na, D_IMG};
    if (s == MG_OK) s = mg_array_alloc(&r->steer_strip, MG_F32, 3, shape);
    for (int64_t q = 0; s == MG_OK && q < np; q++)
        for (int a = 0; a < na; a++)
            for (int j = 0; j < D_IMG; j++)
                ((float *)r->steer_strip.data)[(q * na + a) * D_IMG + j] =
                    (float)si[((int64_t)a * ns + pick[q]) * D_IMG + j];
    mg_steer_curves_free(&cv);
    free(S);
    free(mask);
    free(is_t);
    return s;
}

/* ---- the run ------------------------------------------------------------------------------ */

/* What meta.json says about the model and the run. */
static mg_status describe(const fixture *f, mg_exp_real_result *r) {
    const cJSON *m = f->meta;
    meta_str(m, "model.description", r->model, sizeof r->model);
    meta_str(m, "model.hook", r->hook, sizeof r->hook);
    meta_str(m, "data.description", r->data, sizeof r->data);
    meta_str(m, "command", r->command, sizeof r->command);
    meta_str(m, "preset", r->preset, sizeof r->preset);
    r->params = (int64_t)meta_num(m, "model.params");
    r->channels = f->acts.shape[1];
    r->train_steps = (int64_t)meta_num(m, "train.steps");
    r->train_seconds = meta_num(m, "train.seconds");
    r->sample_seconds = meta_num(m, "sample.seconds");
    r->sigma = meta_num(m, "detect.sigma");
    r->flipd_sigma = meta_num(m, "detect.flipd_sigma");
    r->probes = (int64_t)meta_num(m, "detect.hutchinson_probes");
    r->whitening_k = (int64_t)meta_num(m, "label.whitening_k");
    const cJSON *loss = meta_at(m, "train.loss");
    int nl = cJSON_IsArray(loss) ? cJSON_GetArraySize(loss) : 0;
    MG_TRY(mg_table_init(&r->train_loss, "train_loss", nl, "step,loss"));
    for (int i = 0; i < nl; i++) {
        const cJSON *pt = cJSON_GetArrayItem(loss, i);
        r->train_loss.cols[0].num[i] = cJSON_GetArrayItem(pt, 0) ? cJSON_GetArrayItem(pt, 0)->valuedouble : NAN;
        r->train_loss.cols[1].num[i] = cJSON_GetArrayItem(pt, 1) ? cJSON_GetArrayItem(pt, 1)->valuedouble : NAN;
    }
    return MG_OK;
}

/* Checks the parameters. */
static mg_status check_params(const mg_exp_real_params *p) {
    if (!(p->gen_sim <= p->mem_sim) || !(p->gen_sim >= 0) || !(p->mem_sim <= 1))
        return mg_fail(MG_ERR_ARG, "real: need 0 <= gen_sim <= mem_sim <= 1 (got %g, %g)", p->gen_sim, p->mem_sim);
    if (!(p->fpr >= 0 && p->fpr < 1) || p->bootstrap < 0 || !(p->level > 0 && p->level < 1) || p->bins < 2 ||
        !(p->max_valley >= 0 && p->max_valley < 1))
        return mg_fail(MG_ERR_ARG, "real: bad fpr, bootstrap, level, bins or max_valley");
    return MG_OK;
}

/* Runs the experiment. */
mg_status mg_exp_real_run(const mg_exp_real_params *p, const mg_exp_env *env, mg_exp_real_result *r) {
    memset(r, 0, sizeof *r);
    MG_TRY(mg_experiment_check_env(&mg_exp_real, env));
    if (!p) return mg_fail(MG_ERR_ARG, "real: NULL parameters");
    MG_TRY(check_params(p));
    const char *dir = p->fixture;
    char found[4096];
    if (!dir || !*dir) { /* the committed fixture, wherever it is now */
        mg_status st = mg_data_path(MG_REAL_FIXTURE_REL, found, sizeof found);
        if (st != MG_OK) return mg_fail_context(st, "real: the committed fixture");
        dir = found;
    }
    fixture f;
    memset(&f, 0, sizeof f);
    mg_exp_progress(env, "reading the fixture", 0.0);
    mg_status s = load_fixture(dir, &f);
    int64_t n = f.sim.shape[0];
    int *lab = s == MG_OK ? malloc((size_t)(n > 0 ? n : 1) * sizeof(int)) : NULL;
    double *sc = s == MG_OK ? malloc((size_t)(n > 0 ? n : 1) * NDET * sizeof(double)) : NULL;
    double usec[NMETRIC];
    if (s == MG_OK && (!lab || !sc)) s = mg_fail(MG_ERR_NOMEM, "real: out of memory");
    if (s == MG_OK) s = describe(&f, r);
    if (s == MG_OK) s = similarity_part(p, &f, lab, r);
    if (s == MG_OK) mg_exp_progress(env, "scoring the activations", 0.2);
    if (s == MG_OK) s = score_all(p, &f, sc, usec, r);
    if (s == MG_OK) s = times(&f, usec, r);
    if (s == MG_OK) mg_exp_progress(env, "evaluating the detectors", 0.4);
    if (s == MG_OK) s = evaluate_all(p, env, &f, lab, sc, r);
    if (s == MG_OK) compare(r);
    if (s == MG_OK) s = paper_table(&f, r);
    if (s == MG_OK) s = generations_table(&f, lab, sc, r);
    if (s == MG_OK) s = grid(&f, lab, 1, 12, &r->grid_memorized, &r->shown_memorized);
    if (s == MG_OK) s = grid(&f, lab, 0, 12, &r->grid_generalized, &r->shown_generalized);
    if (s == MG_OK) mg_exp_progress(env, "measuring the steering sweeps", 0.8);
    if (s == MG_OK) s = steering(&f, r);
    free(lab);
    free(sc);
    fixture_free(&f);
    if (s != MG_OK) mg_exp_real_free(r);
    return s;
}

MG_EXP_DEFINE(real, mg_exp_real_params, mg_exp_real_result, "Detection and steering on a real diffusion UNet",
              "Table 1, Fig. 17, Eq. 11 / Fig. 8", MG_EXP_OWN_DATA);
