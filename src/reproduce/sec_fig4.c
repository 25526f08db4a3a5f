/*
 * Section fig4 of `memgen reproduce` (paper Fig. 4, Cor. 3.2 and 3.3): what
 * the encoder W1 of the sigma = 0.2 DAE stores, the tables of experiment
 * fig4 (section.h). Memorizing model: every training sample a column of W1;
 * generalizing model: no single sample, but the data's principal directions
 * (held-out energy inside span(W1)) and, for the mixture, one block per mode.
 */
#include "memgen/experiment/fig4.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"pca_rows_cap", {500, 2000, 5000}},
};

#define STORE_LINE {.at = "store_cosine", .label = "{store_cosine}"}

static const mg_figure_spec FIGURES[] = {
    {.id = "mem_best",
     .kind = MG_FIG_BARS,
     .title = "{data.name}: best W1 column of each memorizing sample",
     .xlabel = "training sample",
     .ylabel = "max cosine to a column of W1",
     .caption = "Cor. 3.2: each bar near 1 means the sample is stored as a column.",
     .series = {{.table = "mem_samples", .x = "sample", .y = "cosine", .label = "best cosine"}},
     .hlines = {STORE_LINE},
     .ylim = {0.0, 1.05},
     .width = 600,
     .height = 320},
    {.id = "column_cosines",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: best cosine of each W1 column to one sample",
     .xlabel = "max cosine of the column to any training sample",
     .ylabel = "columns",
     .caption = "Cor. 3.2 expects n memorizing columns at cosine ~1 (the rest zero, cosine ~0); Cor. 3.3 expects no "
                "generalizing column near 1.",
     .series = {{.table = "mem_columns", .y = "cosine", .label = "memorizing W1"},
                {.table = "gen_columns", .y = "cosine", .label = "generalizing W1"}},
     .vlines = {STORE_LINE},
     .bins = 25,
     .counts = 1,
     .lo = "-1",
     .hi = "1",
     .width = 640,
     .height = 320},
    {.id = "blocks",
     .when = "data.has_mog",
     .kind = MG_FIG_SCATTER,
     .title = "{data.name}: block structure of the generalizing W1",
     .xlabel = "energy share in mode 0's top-p subspace",
     .ylabel = "energy share in mode 1's top-p subspace",
     .caption = "Cor. 3.3: each column belongs to one mode's block (a corner: (1, 0) or (0, 1)); a column mixing modes "
                "would sit near the diagonal.",
     .series = {{.table = "gen_columns", .x = "energy_mode0", .y = "energy_mode1", .label = "columns"}},
     .xlim = {0, 1},
     .ylim = {0, 1},
     .width = 420,
     .height = 380},
    {.id = "mem_pairs",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .array = "mem_pairs",
     .raw = 1,
     .caption = "Top: the {data.n_mem} memorizing training images. Bottom: for each, the column of the memorizing DAE's "
                "W1 (sigma = {sigma}) most cosine-similar to it (each column scaled to [0, 1])."},
    {.id = "mem_columns",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .array = "mem_column_images",
     .ncols = 10,
     .raw = 1,
     .caption = "All columns of the memorizing W1 (p = 2n), each scaled to [0, 1] (columns near zero show up as noise). "
                "Cor. 3.2 expects n of them to be training images and the rest zero."},
    {.id = "gen_columns",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .array = "gen_column_images",
     .ncols = 16,
     .raw = 1,
     .caption = "All columns of the generalizing W1 (sigma = {sigma}), each scaled to [0, 1]. Cor. 3.3 expects "
                "principal directions of the data (smooth prototypes and contrasts), not individual training images."},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "stored",
     .claim = "Cor. 3.2 / Fig. 4 (left): the memorizing DAE (sigma = {sigma}, p = {p_mem}, n = {mem_samples}) stores "
              "every training sample as a column of W1. Holds when every sample has a column of its own with cosine "
              ">= {store_cosine:%.2f} (a column that matches two samples stores neither as a column); partly when at "
              "least {100 * P1:%.0f}% do.",
     .measured = "{mem_samples_stored} of {mem_samples} samples reach the cosine, in {mem_distinct_columns} distinct "
                 "columns; smallest best cosine {mem_min_best_cosine:%.4f}.",
     .holds = {{"mem_stored_distinct_share", MG_GE, 1}},
     .partly = {{"mem_stored_distinct_share", MG_GE, 0.5}},
     .note = "Cor. 3.2 assumes (0, beta_1)-separable samples with beta_1 < 0 (pairwise negatively correlated) and "
             "n lambda < min |x_i|^2. Here the largest pairwise cosine is {mem_max_pairwise_cosine:%.3f}, and n lambda = "
             "{mem_n_lambda:%.3g} (lambda = {lambda:%.3g}, the Eq. 6 lambda the training minimises) vs min |x_i|^2 = "
             "{mem_min_sqnorm:%.3g}. Outside separability the paper expects a processed version of the data matrix "
             "instead (App. A.1, Fig. 11)."},
    {.id = "no_sample",
     .claim = "Cor. 3.3 / Fig. 4 (right): the generalizing DAE (p = {p_gen}, n = {data.n_gen}) stores no single "
              "training sample: holds when no column reaches cosine {store_cosine:%.2f} with any training sample.",
     .measured = "{gen_columns_storing_a_sample} of {p_gen} columns reach it; the largest cosine of any column to any "
                 "training sample is {gen_max_column_sample_cosine:%.4f}.",
     .holds = {{"gen_columns_storing_a_sample", MG_LE, 0}},
     .needs = "sample_pc1_median_cosine < store_cosine",
     .note_if_na = "The check cannot tell a sample from a statistic here: the median training sample has cosine "
                   "{sample_pc1_median_cosine:%.3f} with the data's leading principal direction (the modes are so "
                   "tight that every sample is nearly its mode's mean), so a column along that direction, which Cor. "
                   "3.3 predicts, reaches {store_cosine:%.2f} with some sample whatever it stores."},
    {.id = "span",
     .claim = "Cor. 3.3: the generalizing W1 captures the data's statistics (its columns span principal directions of "
              "the data). Measured on held-out rows: the share of their energy inside span(W1) relative to the share "
              "inside the training set's top-p principal subspace (the best p-dimensional subspace). Holds at >= "
              "{H1:%.2f}, partly at >= {P1:%.2f}.",
     .measured = "span(W1) (dimension {rank_w1_gen}) holds {100 * heldout_energy_span_w1_gen:%.1f}% of the held-out "
                 "energy, the top-{p_gen} principal subspace {100 * heldout_energy_top_p_pca:%.1f}%: ratio "
                 "{span_ratio:%.3f}. For contrast, the memorizing W1's span (dimension {rank_w1_mem}) holds "
                 "{100 * heldout_energy_span_w1_mem:%.1f}%.",
     .holds = {{"span_ratio", MG_GE, 0.9}},
     .partly = {{"span_ratio", MG_GE, 0.7}}},
    {.id = "blocks",
     .when = "data.has_mog",
     .claim = "Cor. 3.3 / Thm. 3.1: the generalizing W1 is block-wise, each block inside one mode's principal "
              "subspace. Holds when the median column has >= {100 * H1:%.0f}% of its energy inside the top-p "
              "eigen-subspace of one mode's scatter matrix X_k X_k^T; partly at >= {100 * P1:%.0f}%.",
     .measured = "median best-mode energy share {block_median_energy:%.3f} (a random direction: "
                 "{random_energy_share:%.3f}); {columns_mode0} columns lean to mode 0, {columns_mode1} to mode 1.",
     .holds = {{"block_median_energy", MG_GE, 0.9}},
     .partly = {{"block_median_energy", MG_GE, 0.5}}},
};

const mg_section mg_sec_fig4 = {
    .id = "fig4",
    .heading = "Fig. 4: what the encoder W1 stores (Cor. 3.2 / 3.3)",
    .weight = 0.5,
    .exp = &mg_exp_fig4,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 4): the encoder W1 of a DAE trained at sigma = 0.2 on 5 images stores the training images in "
             "its columns (Cor. 3.2: W1 = [r_1 x_1, ..., r_n x_n, 0, ..., 0]); trained on 10,000 images it captures "
             "data statistics (Cor. 3.3: per mode, the top eigenvectors of X_k X_k^T). memgen reads W1 of the sigma = "
             "{sigma:%.3g} level of the shared memorizing and generalizing sets, matches columns and samples by cosine "
             "similarity, and measures how much of held-out data the column span holds. The principal subspaces use at "
             "most {pca_rows_cap} training rows (per mode for the MoG).",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
