/*
 * Section fig17 of `memgen reproduce` (paper Fig. 17, App. A.4): duplication
 * of training data induces a memorization mode, the tables of experiment
 * fig17 (section.h). The generations of Table 1's hybrid-regime set are
 * compared with the training set (two similarity histograms tested for two
 * peaks), traced back to the duplicated samples, and their representation
 * std split by memorized / generalized (Fig. 17b).
 */
#include "memgen/experiment/fig17.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"n_gen", {200, 2000, 5000}},
};

#define MEM_COLOR "#d62728"
#define GEN_COLOR "#1f77b4"

/* A similarity histogram's series: every generation, and the memorized ones. */
#define SIMILARITY_SERIES(COL)                                                                                     \
    {                                                                                                              \
        {.table = "generations", .y = COL, .label = "all generations", .color = GEN_COLOR}, {                     \
            .table = "generations", .y = COL, .where = "group == 1", .label = "of which memorized (d1/d2 < 1/3)",  \
            .color = MEM_COLOR                                                                                     \
        }                                                                                                          \
    }

/* The figures bin the similarities as the experiment's default (20 bins over [0, 1]). */
static const mg_figure_spec FIGURES[] = {
    {.id = "cos_hist",
     .kind = MG_FIG_HIST,
     .title = "Fig. 17a analog: similarity to the nearest training sample",
     .xlabel = "largest cosine similarity to a training sample",
     .ylabel = "generations",
     .caption = "Cosine of each generation with its most similar training sample (the authors' notebook measure; "
                "negative cosines are not counted).",
     .series = SIMILARITY_SERIES("cos_max"),
     .bins = 20,
     .counts = 1,
     .lo = "0",
     .hi = "1",
     .width = 640,
     .height = 340},
    {.id = "ratio_hist",
     .kind = MG_FIG_HIST,
     .title = "Nearest-neighbour ratio of the generations",
     .xlabel = "d1 / d2 (distance to the nearest / second-nearest unique training sample)",
     .ylabel = "generations",
     .caption = "Gu et al.'s copy measure: a copy sits left of 1/3 (dashed), a new sample near 1. The training set is "
                "deduplicated first, else a copy of a duplicated sample would have d1 = d2.",
     .series = SIMILARITY_SERIES("nn_ratio"),
     .vlines = {{.at = "bench.mem_ratio", .label = "copy threshold"}},
     .bins = 20,
     .counts = 1,
     .lo = "0",
     .hi = "1",
     .width = 640,
     .height = 340},
    {.id = "std_hist",
     .kind = MG_FIG_HIST,
     .title = "Representation std of memorized vs generalized generations",
     .xlabel = "Std(h), h = relu(W1^T (x + {std_sigma} eps)) at the level nearest sigma = {std_sigma}",
     .ylabel = "density",
     .caption = "Fig. 17b analog: a memorized generation activates the one column storing its duplicated sample (a "
                "spike), a generalized one a block of columns (balanced).",
     .series = {{.table = "generations", .y = "std_h", .where = "group == 1", .label = "memorized (d1/d2 < 1/3)",
                 .color = MEM_COLOR},
                {.table = "generations", .y = "std_h", .where = "group == 0",
                 .label = "generalized (d1/d2 >= 1/2, cosine <= 0.9)", .color = GEN_COLOR},
                {.table = "generations", .y = "std_h", .where = "group == -1", .label = "ambiguous",
                 .color = "#999999"}},
     .bins = 40,
     .width = 640,
     .height = 340},
};

/* "two peaks, at bins [a, b) and [c, e), valley at ..." or "one peak, ..." of histogram h. */
#define PEAKS(h)                                                                                                   \
    "{?" h "_bimodal|two peaks, at bins [{" h "_peak1 / bins:%.2f}, {(" h "_peak1 + 1) / bins:%.2f}) and [{" h     \
    "_peak2 / bins:%.2f}, {(" h "_peak2 + 1) / bins:%.2f}), valley at [{" h "_valley / bins:%.2f}, {(" h          \
    "_valley + 1) / bins:%.2f}) with {" h "_dip * 100:%.0f}% of the second peak's height|one peak, at bin [{" h   \
    "_peak1 / bins:%.2f}, {(" h "_peak1 + 1) / bins:%.2f}), and no second peak with a valley <= {max_valley * "    \
    "100:%.0f}% of its height}"

static const mg_claim_spec CLAIMS[] = {
    {.id = "bimodal",
     .claim = "Fig. 17a: under duplication, the similarity of generated samples to the training set is bimodal (copies "
              "vs new samples). Rule: a {bins}-bin histogram over [0, 1] is bimodal when, besides its highest bin, a "
              "local maximum is separated from it by a bin at most {max_valley * 100:%.0f}% as high; holds when both "
              "similarity measures are bimodal, partly when one is.",
     .measured = "Largest cosine: " PEAKS("cos") ". NN ratio: " PEAKS("ratio") ".",
     .holds = {{"cos_bimodal + ratio_bimodal", MG_GE, 2}},
     .partly = {{"cos_bimodal + ratio_bimodal", MG_GE, 1}},
     .note_unless_holds = "The paper measures similarity with SSCD, a copy-detection embedding in which new images "
                          "score low. On a Gaussian mixture the raw cosine is high for every sample of a mode (they "
                          "share its mean, |mu| = {mean_scale:%.3g}), so a cosine histogram need not separate copies "
                          "from new samples; the NN ratio compares the nearest training sample with the second "
                          "nearest and does."},
    {.id = "duplicates",
     .claim = "Fig. 17 / App. A.4: duplicates induce the memorization mode while the non-duplicated data continue to "
              "support generalization. Holds when some generations are copies, at least {H2 * 100:%.0f}% of the "
              "copies copy a duplicated sample, and some generations are generalized.",
     .measured = "{frac_memorized * 100:%.1f}% of generations are copies; {memorized_duplicates} of {n_memorized} "
                 "copies ({?n_memorized|{copies_of_duplicates_share * 100:%.1f}|0.0}%) copy one of the {dup_count} "
                 "duplicated samples ({dup_times} copies each in the training set); {frac_generalized * 100:%.1f}% of "
                 "generations are generalized.",
     .holds = {{"min(n_memorized, n_generalized)", MG_GT, 0}, {"copies_of_duplicates_share", MG_GE, 0.9}},
     .partly = {{"min(n_memorized, n_generalized)", MG_GT, 0}}},
    {.id = "std",
     .claim = "Fig. 17b: memorized generations have spikier representations than generalized ones. Holds when their "
              "median Std(h) is higher and Std(h) separates the two groups with AUROC >= {H2:%.2f}; partly when only "
              "the median is higher.",
     .measured = "Median Std(h): memorized {std_median_memorized:%.4g}, generalized {std_median_generalized:%.4g}; "
                 "AUROC of Std(h) {std_auroc:%.4f} ({n_memorized} vs {n_generalized} generations).",
     .holds = {{"std_median_memorized - std_median_generalized", MG_GT, 0}, {"std_auroc", MG_GE, 0.9}},
     .partly = {{"std_median_memorized - std_median_generalized", MG_GT, 0}}},
};

const mg_section mg_sec_fig17 = {
    .id = "fig17",
    .heading = "Fig. 17: duplication induces a memorization mode (App. A.4)",
    .weight = 1.0,
    .exp = &mg_exp_fig17,
    .analog = "the paper's Fig. 17 trains EDM on CIFAR-10 with a duplicated subset and finds a memorization mode among "
              "its generations. Here the model is a two-layer DAE set constructed by Theorem 3.1 / Cor. 3.4 "
              "(duplicated points stored as columns by construction), so the result shows the mechanism, not what a "
              "trained network does.",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 17, App. A.4): training sets with duplicates make diffusion models memorize the duplicated "
             "samples while still generalizing on the rest; the similarity of generations to the training set becomes "
             "bimodal, and memorized generations have spikier representations. memgen samples {n_gen} generations "
             "with DDIM from the hybrid-regime DAE set of Table 1 (experiment table1): a mixture in d = {d} with "
             "{modes} abundant mode of {per_mode} samples and {dup_count} scarce modes holding one sample repeated "
             "{dup_times} times each, a DAE set constructed by Theorem 3.1 / Cor. 3.4 at {levels} levels (sigma "
             "{sigma_min:%.3g} .. {sigma_max:%.3g}, p = {hidden}; each duplicated sample is stored in one column). "
             "Each generation is compared with the deduplicated training set (largest cosine; NN ratio d1/d2), "
             "labelled memorized (d1/d2 < 1/3), generalized (d1/d2 >= 1/2 and cosine <= 0.9) or ambiguous, and its "
             "representation std is taken at sigma = {std_sigma} as in Algorithm 1.{?run.ndata > 1| Fashion-MNIST is "
             "not used here: the figure needs one model that memorizes the duplicated images and generalizes on the "
             "rest. On Fashion-MNIST a DAE trained in this run's budget on data with duplicated images does not grow "
             "memorizing columns, and Theorem 3.1's construction does not describe that data (its clusters are not "
             "separable in the sense of Definition 3.1; see Fig. 7 above), so memgen has no hybrid-regime "
             "Fashion-MNIST model to sample from.}",
    .dataset_intro = "Seed {seed} (`memgen detect --table1 --n-gen {n_gen} --seed {seed}` builds the same set and "
                     "generations). {n} generations: {n_memorized} memorized ({frac_memorized * 100:%.1f}%), "
                     "{n_generalized} generalized, {n_ambiguous} ambiguous (neither rule). {memorized_duplicates} of "
                     "the {n_memorized} memorized generations copy a duplicated sample.",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
