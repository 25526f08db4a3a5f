/*
 * Section real of `memgen reproduce` (paper Table 1, Fig. 17, Eq. 11 / Fig.
 * 8; issue 14): detection and steering on a real diffusion UNet trained on
 * Fashion-MNIST with a duplicated subset (examples/real_model), the tables
 * of experiment real (section.h). The experiment reads the pipeline's
 * fixture (by default the committed full run; `memgen reproduce
 * --real-model rerun` runs the pipeline first, where PyTorch is installed).
 * The page compares the detector's AUROC and TPR at 1% FPR with the paper's
 * Table 1 CIFAR-10 / EDM rows and with every baseline, shows the similarity
 * histogram (Fig. 17a) and the std of the two groups (Fig. 17b), and the
 * steerability of memorized vs generalized generations (Fig. 8).
 */
#include "memgen/experiment/real.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"bootstrap", {100, 1000, 1000}},
    {"repeats", {1, 3, 3}},
};

#define MEM_COLOR "#d62728"
#define GEN_COLOR "#1f77b4"
#define REF_COLOR "#7f7f7f"

/* A ROC series of detector D with its AUROC in the legend. */
#define ROC(D, W, DASH) \
    {.table = "roc_" D, .x = "fpr", .y = "tpr", .width = W, .dashed = DASH, .label = D " (AUROC {" D ".auroc:%.3f})"}

/* A steering curve series of group G (1 memorized, 0 generalized) of column COL. */
#define STEER(G, COL, LABEL, COLOR, MARK)                                                                           \
    {.table = "steer_curves", .x = "alpha", .y = COL, .where = "group == " #G, .label = LABEL, .color = COLOR,      \
     .width = 2.5, .marker = MARK}

static const mg_figure_spec FIGURES[] = {
    {.id = "similarity_hist",
     .kind = MG_FIG_HIST,
     .title = "Fig. 17a analog: similarity of each generation to its nearest training image",
     .xlabel = "similarity (cosine of PCA-whitened images, rank {whitening_k})",
     .ylabel = "generations",
     .caption = "Every generation's similarity to its nearest training image; in red those above the memorized "
                "threshold. The dashed lines are the paper's thresholds: generalized below {gen_sim}, memorized above "
                "{mem_sim}; between them ambiguous (dropped).",
     .series = {{.table = "generations", .y = "similarity", .label = "generations ({n})", .color = GEN_COLOR},
                {.table = "generations", .y = "similarity", .where = "label == 1",
                 .label = "of which memorized ({n_memorized})", .color = MEM_COLOR}},
     .vlines = {{.at = "gen_sim", .label = "{gen_sim}"}, {.at = "mem_sim", .label = "{mem_sim}"}},
     .bins = 20,
     .counts = 1,
     .lo = "0",
     .hi = "1",
     .width = 640,
     .height = 340},
    {.id = "similarity_shares",
     .kind = MG_FIG_LINES,
     .title = "The similarity of the generations against its two references",
     .xlabel = "similarity (bin centre)",
     .ylabel = "share of the set per bin",
     .caption = "Held-out test images (new by construction): median similarity {ref_test_median:%.3f}, "
                "{ref_test_below_gen * 100:%.0f}% below {gen_sim}; training images with pixel noise of std 0.05 "
                "(copies): median {ref_copy_median:%.3f}, {ref_copy_above_mem * 100:%.0f}% above {mem_sim}. The "
                "whitening rank was fixed on these references alone, before any generation was looked at "
                "(examples/real_model/label.py).",
     .series = {{.table = "hist_similarity", .x = "(bin_lo + bin_hi) / 2", .y = "generations_share",
                 .label = "generations", .color = GEN_COLOR, .width = 2.5, .marker = MG_MARKER_CIRCLE},
                {.table = "hist_similarity", .x = "(bin_lo + bin_hi) / 2", .y = "heldout_test_share",
                 .label = "held-out test images", .color = REF_COLOR, .dashed = 1},
                {.table = "hist_similarity", .x = "(bin_lo + bin_hi) / 2", .y = "noisy_copies_share",
                 .label = "noisy training images", .color = MEM_COLOR, .dashed = 1}},
     .vlines = {{.at = "gen_sim"}, {.at = "mem_sim"}},
     .xlim = {0, 1},
     .width = 640,
     .height = 320},
    {.id = "grid_memorized",
     .when = "shown_memorized > 0",
     .kind = MG_FIG_IMAGES,
     .array = "grid_memorized",
     .img_h = 28,
     .img_w = 28,
     .vmax = 255,
     .caption = "Memorized generations (top) over their nearest training images (bottom)."},
    {.id = "grid_generalized",
     .when = "shown_generalized > 0",
     .kind = MG_FIG_IMAGES,
     .array = "grid_generalized",
     .img_h = 28,
     .img_w = 28,
     .vmax = 255,
     .caption = "Generalized generations (top) over their nearest training images (bottom)."},
    {.id = "std_hist",
     .kind = MG_FIG_HIST,
     .when = "n_memorized > 0",
     .title = "Fig. 17b analog: Std(h) of memorized vs generalized generations",
     .xlabel = "std over the {channels} channels of h = max-pooled {hook} at sigma = {sigma}",
     .ylabel = "density",
     .caption = "Algorithm 1's statistic on the real network. The dashed line is the threshold calibrated on the "
                "generalized generations at {fpr * 100:%g}% FPR.",
     .series = {{.table = "generations", .y = "std", .where = "label == 1", .label = "memorized", .color = MEM_COLOR},
                {.table = "generations", .y = "std", .where = "label == 0", .label = "generalized", .color = GEN_COLOR}},
     .vlines = {{.at = "std_threshold", .label = "threshold at {fpr * 100:%g}% FPR", .color = "#333333"}},
     .bins = 40,
     .width = 640,
     .height = 340},
    {.id = "roc",
     .kind = MG_FIG_LINES,
     .when = "n_memorized > 0",
     .title = "ROC curves on the real network",
     .xlabel = "false-positive rate (generalized flagged)",
     .ylabel = "true-positive rate (memorized flagged)",
     .caption = "Std of h against the baselines that apply to a real model; the NN-ratio oracle (dashed) needs the "
                "training data. The grey line marks {fpr * 100:%g}% FPR.",
     .series = {ROC("std", 3.0, 0), ROC("denoise", 1.8, 0), ROC("flipd", 1.8, 0), ROC("clique", 1.8, 0),
                ROC("nn_ratio", 1.8, 1)},
     .vlines = {{.at = "fpr", .color = "#777777"}},
     .xlim = {0, 1},
     .ylim = {0, 1.02},
     .legend = MG_LEGEND_BOTTOM_RIGHT + 1,
     .width = 640,
     .height = 420},
    {.id = "steer_curves",
     .kind = MG_FIG_LINES,
     .title = "Steerability on the real network (Eq. 11, target: {target_name})",
     .xlabel = "steering strength a (multiples of the mean target representation v)",
     .ylabel = "distance to the target's mean image / at a = 0",
     .caption = "Mean over each group of the distance of the steered generation to the mean {target_name} image, "
                "relative to the unsteered one: each generation is regenerated from its own starting noise with a v "
                "added to {hook} at every step with sigma <= {steer_sigma_hi:%.3g}.",
     .series = {STEER(0, "rel_distance", "generalized ({steer_gen.count})", GEN_COLOR, MG_MARKER_CIRCLE),
                STEER(1, "rel_distance", "memorized ({steer_mem.count})", MEM_COLOR, MG_MARKER_SQUARE)},
     .width = 640,
     .height = 380},
    {.id = "steer_share",
     .kind = MG_FIG_LINES,
     .title = "Share of steered generations that became the target class",
     .xlabel = "steering strength a",
     .ylabel = "nearest class mean image is {target_name}",
     .caption = "Each steered generation is assigned to the class whose mean test image is nearest.",
     .series = {STEER(0, "target_share", "generalized", GEN_COLOR, MG_MARKER_CIRCLE),
                STEER(1, "target_share", "memorized", MEM_COLOR, MG_MARKER_SQUARE)},
     .ylim = {0, 1.02},
     .width = 640,
     .height = 320},
    {.id = "steer_strip",
     .when = "steer_strip.rows > 0",
     .kind = MG_FIG_IMAGES,
     .array = "steer_strip",
     .img_h = 28,
     .img_w = 28,
     .vmax = 255,
     .caption = "Sweeps of a from 0 (left) to {alpha_max:%.3g} (right): memorized generations in the first rows, "
                "generalized ones in the last."},
    {.id = "train_loss",
     .kind = MG_FIG_LINES,
     .when = "train_loss.rows > 1",
     .title = "The pipeline's training loss",
     .xlabel = "step",
     .ylabel = "EDM loss (running mean)",
     .caption = "{train_steps} steps in {train_seconds:%.0f} s on this machine's CPU.",
     .series = {{.table = "train_loss", .x = "step", .y = "loss", .label = "loss", .color = GEN_COLOR}},
     .legend = MG_LEGEND_NONE + 1,
     .width = 640,
     .height = 280},
};

static const mg_page_table_spec TABLES[] = {
    {.table = "paper_table1",
     .caption = "The paper's Table 1, CIFAR-10 / EDM column, against this model. Times are seconds per sample of the "
                "model's work (for Std, the forward pass to the hooked block).",
     .cols = {{"method", "{method}"},
              {"where", "{source}"},
              {"AUROC", "{auroc:%.3f}"},
              {"TPR at 1% FPR", "{tpr:%.3f}"},
              {"seconds per sample", "{seconds:%.4f}"}}},
    {.table = "detectors",
     .join = "timings",
     .caption = "Every detector on the {n_memorized} memorized and {n_generalized} generalized generations ("
                "{n_ambiguous} ambiguous dropped). Intervals: 95% stratified bootstrap, {bootstrap} resamples. Time per "
                "sample: the pipeline's model work plus memgen's scoring of the pooled activations.",
     .cols = {{"detector", "{detector}"},
              {"kind", "{kind}"},
              {"AUROC [95% CI]", "{auroc:%.4f} [{auroc_lo:%.4f}, {auroc_hi:%.4f}]"},
              {"TPR at 1% FPR [95% CI]", "{tpr_at_fpr:%.4f} [{tpr_lo:%.4f}, {tpr_hi:%.4f}]"},
              {"time per sample (us)", "{usec_per_sample:%.1f}"},
              {"of which memgen (us)", "{usec_memgen:%.3f}"}}},
    {.table = "steer_groups",
     .caption = "Steerability per group (steer.h): monotonicity = share of a-steps that bring the sample closer to the "
                "target's mean image; largest-jump share = largest single a-step / path length; kink = fastest / "
                "slowest a-step; gain = share of the way to the target covered at the largest a.",
     .cols = {{"group", "{?group|memorized|generalized}"},
              {"samples", "{samples}"},
              {"monotonicity", "{mono:%.3f}"},
              {"Spearman", "{spearman:%.3f}"},
              {"largest-jump share", "{path_jump:%.3f}"},
              {"median kink", "{kink_median:%.3f}"},
              {"mean gain", "{gain:%.3f}"},
              {"smooth / threshold / static", "{frac_smooth:%.2f} / {frac_threshold:%.2f} / {frac_static:%.2f}"},
              {"target class at the last a", "{target_share_last:%.2f}"}}},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "bimodal",
     .claim = "Fig. 17a: under duplication the similarity of generations to their nearest training image is bimodal, "
              "a copy mode above {mem_sim} and a new-sample mode below {gen_sim}. Holds when the {bins}-bin histogram "
              "over [0, 1] has two peaks (the second's valley at most {max_valley * 100:%.0f}% of its height), at "
              "least {H2 * 100:%.0f}% of the generations fall on each side and at most {H3 * 100:%.0f}% are "
              "ambiguous; partly when there are both memorized and generalized generations.",
     .measured = "{?sim.bimodal|Two peaks|One peak}: {frac_memorized * 100:%.1f}% memorized (median similarity "
                 "{sim_median_memorized:%.3f}), {frac_generalized * 100:%.1f}% generalized (median "
                 "{sim_median_generalized:%.3f}), {n_ambiguous} of {n} ambiguous.",
     .holds = {{"sim.bimodal", MG_EQ, 1}, {"min(frac_memorized, frac_generalized)", MG_GE, 0.05},
               {"n_ambiguous / n", MG_LE, 0.1}},
     .partly = {{"min(n_memorized, n_generalized)", MG_GT, 0}}},
    {.id = "duplicates",
     .claim = "Fig. 17 / App. A.4: the memorized generations copy the duplicated images, while the rest of the data "
              "supports generalization. Holds when at least {H1 * 100:%.0f}% of the memorized generations have a "
              "duplicated image as their nearest training image and some generations are generalized.",
     .measured = "{memorized_duplicates} of {n_memorized} memorized generations "
                 "({copies_of_duplicates_share * 100:%.1f}%) copy a duplicated image; {n_generalized} generations are "
                 "generalized.",
     .needs = "n_memorized > 0",
     .holds = {{"copies_of_duplicates_share", MG_GE, 0.9}, {"n_generalized", MG_GT, 0}}},
    {.id = "std",
     .claim = "Fig. 17b / Fig. 6: memorized generations have spikier representations (higher Std(h)) than generalized "
              "ones at the mid-level block. Holds when the median Std(h) of memorized generations is at least "
              "{H1:%.1f} times the generalized ones'; partly when it is higher at all.",
     .measured = "Median Std(h): memorized {std_median_memorized:%.4g}, generalized {std_median_generalized:%.4g} "
                 "(ratio {std_median_ratio:%.2f}).",
     .needs = "min(n_memorized, n_generalized) > 0",
     .holds = {{"std_median_ratio", MG_GE, 1.5}},
     .partly = {{"std_median_ratio", MG_GT, 1}},
     .note_unless_holds = "On this model Std(h) does not separate the two groups as the paper says: the memorized "
                          "median is only {std_median_ratio:%.2f} times the generalized one."},
    {.id = "auroc",
     .claim = "Table 1 (CIFAR-10 / EDM: AUROC 0.998, TPR 0.984 at 1% FPR): Std(h) detects memorized generations of a "
              "real diffusion network. Holds when its AUROC is >= {H1:%.2f} and its TPR at 1% FPR >= {H2:%.2f}; partly "
              "when the AUROC is >= {P1:%.2f}.",
     .measured = "AUROC {std.auroc:%.4f} [{std.auroc_lo:%.4f}, {std.auroc_hi:%.4f}], TPR at 1% FPR {std.tpr:%.4f} "
                 "[{std.tpr_lo:%.4f}, {std.tpr_hi:%.4f}] on {n_memorized} + {n_generalized} generations (paper: 100 + "
                 "100). Best spikiness metric: {best_metric} ({best_metric_auroc:%.4f}).",
     .needs = "min(n_memorized, n_generalized) > 0",
     .holds = {{"std.auroc", MG_GE, 0.95}, {"std.tpr", MG_GE, 0.9}},
     .partly = {{"std.auroc", MG_GE, 0.8}},
     .note_unless_holds = "Std(h) separates the groups less well here than in the paper: AUROC {std.auroc:%.3f} vs "
                          "0.998, TPR {std.tpr:%.3f} vs 0.984."},
    {.id = "baselines",
     .claim = "Table 1: Std(h) beats or ties the prompt-free baselines that apply to a real model (its denoising "
              "error, FLIPD / LID with the real score, the near-duplicate count). A win when std's AUROC is >= the "
              "baseline's, a tie when the baseline's AUROC is inside std's 95% interval; holds when there is no loss.",
     .measured = "{baseline_wins} wins, {baseline_ties} ties, {baseline_losses} losses{?baseline_losses|: "
                 "{baseline_lost}}. AUROC: std {std.auroc:%.4f}, denoise {denoise.auroc:%.4f}, flipd "
                 "{flipd.auroc:%.4f}, clique {clique.auroc:%.4f}; the oracle nn_ratio {nn_ratio.auroc:%.4f}.",
     .needs = "min(n_memorized, n_generalized) > 0",
     .holds = {{"baseline_losses", MG_EQ, 0}},
     .note = "The paper's FLIPD-like baseline (Ross et al.) reaches only 0.713 on CIFAR-10 / EDM; on this model the "
             "output-space baselines separate the groups as well as Std(h) (denoise {denoise.auroc:%.4f}, flipd "
             "{flipd.auroc:%.4f}): the duplicated images are reproduced almost exactly (median similarity "
             "{sim_median_memorized:%.3f}) and denoised almost perfectly. The NN ratio is the oracle: it needs the "
             "training data."},
    {.id = "time",
     .claim = "Table 1: Std(h) costs a fraction of the baselines' time per sample (paper, CIFAR-10 / EDM: 0.020 s vs "
              "0.071 s). Holds when std's time per sample is at most {H1 * 100:%.0f}% of every prompt-free "
              "baseline's; partly when of some.",
     .measured = "std {std.usec_per_sample:%.0f} us per sample (a forward pass stopped at the hooked block plus "
                 "memgen's scoring); denoise {denoise.usec_per_sample:%.0f} us (one full forward pass), flipd "
                 "{flipd.usec_per_sample:%.0f} us ({probes} vector-Jacobian products), clique "
                 "{clique.usec_per_sample:%.1f} us (distances among the {n} generations). Ratios: "
                 "{time_ratio_min:%.3f} .. {time_ratio_max:%.3f}.",
     .needs = "min(n_memorized, n_generalized) > 0",
     .holds = {{"time_ratio_max", MG_LE, 0.5}},
     .partly = {{"time_ratio_min", MG_LE, 0.5}},
     .timing = 1,
     .note = "The forward pass for Std(h) stops after the hooked block, before the 14 x 14 decoder: it costs "
             "{std.usec_per_sample / denoise.usec_per_sample:%.2f} of the full pass the denoising error needs. The "
             "near-duplicate count compares 784-pixel images only, which is cheap per sample at this size, but it "
             "needs all generations at once (the paper's Carlini et al. baseline samples 500 per prompt)."},
    {.id = "steer",
     .claim = "Fig. 8 / Sec. 4.2: generalized generations are steerable (they move toward the target concept as a "
              "grows), memorized ones resist. Holds when the generalized group covers at least {H1:%.2f} more of the "
              "way to the target than the memorized group at the largest a, and more of it turns into the target "
              "class; partly when it covers more of the way.",
     .measured = "Gain at a = {alpha_max:%.3g}: generalized {steer_gen.gain:%.3f}, memorized {steer_mem.gain:%.3f}; "
                 "target class: generalized {steer_gen.target_share_last:%.2f}, memorized "
                 "{steer_mem.target_share_last:%.2f}; monotonicity {steer_gen.mono:%.2f} vs {steer_mem.mono:%.2f}.",
     .needs = "min(steer_gen.count, steer_mem.count) > 0",
     .holds = {{"steer_gen.gain - steer_mem.gain", MG_GE, 0.1},
               {"steer_gen.target_share_last - steer_mem.target_share_last", MG_GT, 0}},
     .partly = {{"steer_gen.gain - steer_mem.gain", MG_GT, 0}}},
};

const mg_section mg_sec_real = {
    .id = "real",
    .heading = "A real diffusion UNet: detection and steering on its activations (Table 1, Fig. 17, Eq. 11)",
    .weight = 0.5,
    .exp = &mg_exp_real,
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro =
        "Paper (Table 1, Fig. 17, App. B.2): on real diffusion networks (EDM on CIFAR-10 with a duplicated subset, "
        "DiT, Stable Diffusion) the std of a mid-level representation separates memorized from generalized "
        "generations, and generalized ones are steerable. The other sections use memgen's two-layer DAEs; this one "
        "uses a network nobody constructed, trained here on Fashion-MNIST with a duplicated subset by the PyTorch "
        "pipeline of examples/real_model; memgen reads what the pipeline exported (its fixture: {fixture}) and does "
        "the labelling, the detection and its evaluation, and the steering measures.",
    .dataset_intro =
        "The network: {model} ({params} parameters), trained with EDM's loss on {data}, "
        "{train_steps} steps ({train_seconds:%.0f} s on this machine's CPU), sampled with EDM's Heun sampler ({n} "
        "generations). Labels as App. B.2: similarity to the nearest training image above {mem_sim} memorized, below "
        "{gen_sim} generalized (SSCD cannot be downloaded; the similarity is the cosine of PCA-whitened images, rank "
        "{whitening_k}, fixed on real images only). Representation: {hook}, the analogue of SD's "
        "up_blocks.0.resnets.2.nonlinearity, at x + {sigma} eps (DDPM t = 50), global max pooling over its 7 x 7 "
        "positions ({channels} channels). Baselines with the real network: its denoising error at the same noise, "
        "-FLIPD at sigma = {flipd_sigma} with Hutchinson's trace ({probes} probes) of the real Jacobian, the "
        "near-duplicate count among the generations; the NN-ratio oracle needs the training data. The fixture "
        "{?labels_mismatch|(whose labels differ from this rule's in {labels_mismatch} places) |}was made by: "
        "{command}",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
    .wall_time_tables = "timings",
};
