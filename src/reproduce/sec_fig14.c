/*
 * Section fig14 of `memgen reproduce` (paper Fig. 14-15, App. A.2): one-step
 * denoising of training and held-out test samples and the representations
 * of the same forward pass, the tables of experiment fig14 (section.h). A
 * memorizing DAE denoises its training samples almost perfectly but maps a
 * test sample to a training-like output (high test MSE); a generalizing DAE
 * denoises both about equally well. Test representations should be as spiky
 * as training ones under the memorizing model and as balanced under the
 * generalizing one.
 */
#include "memgen/experiment/fig14.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"train_rows", {40, 1000, 2000}},
    {"test_rows", {40, 1000, 2000}},
};

#define GRID_CAPTION(L)                                                                                               \
    "Fig. 14 at sigma = {" L ".sigma:%.3g}. Columns: the {grid_train} memorizing training images (also in the "     \
    "generalizing training set), then {grid_test} test images. Rows: clean, noisy input (clipped to [0, 1] for "     \
    "display), the memorizing DAE's output, the generalizing DAE's output."

static const mg_figure_spec FIGURES[] = {
    {.id = "mse_bars",
     .kind = MG_FIG_BARS,
     .title = "{data.name}: one-step denoising error, train vs test",
     .ylabel = "MSE per coordinate (log)",
     .caption = "Per-coordinate MSE of one-step denoising. The paper expects the memorizing DAE's test bar far above "
                "its train bar, and equal bars for the generalizing DAE.",
     .series = {{.table = "denoising", .x = "label", .y = "train_mse", .label = "training samples", .color = "#2ca02c"},
                {.table = "denoising", .x = "label", .y = "test_mse", .label = "test samples", .color = "#9467bd"}},
     .ylog = 1},
    {.id = "std_hist",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: representation std, train vs test (sigma = {lo.sigma:%.2g})",
     .xlabel = "std of h over hidden units",
     .ylabel = "density",
     .caption = "Fig. 15: the memorizing model's test representations vs its training ones, and the same for the "
                "generalizing model.",
     .series = {{.table = "mem_train_level{lo.level}", .y = "std", .label = "memorizing DAE, train", .color = "#d62728"},
                {.table = "mem_test_level{lo.level}", .y = "std", .label = "memorizing DAE, test", .color = "#ff9896"},
                {.table = "gen_train_level{lo.level}", .y = "std", .label = "generalizing DAE, train",
                 .color = "#1f77b4"},
                {.table = "gen_test_level{lo.level}", .y = "std", .label = "generalizing DAE, test",
                 .color = "#aec7e8"}}},
    {.id = "denoise_level{lo.level}",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .caption = GRID_CAPTION("lo"),
     .array = "grid_lo"},
    {.id = "denoise_level{hi.level}",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .caption = GRID_CAPTION("hi"),
     .array = "grid_hi"},
};

static const mg_page_table_spec TABLES[] = {
    {.table = "denoising",
     .caption = "One-step denoising error per pixel, mean over rows, and the spikiness of the hidden layer of the same "
                "forward pass (Fig. 15).",
     .cols = {{"DAE", "{dae}"},
              {"sigma", "{sigma:%.3g}"},
              {"train MSE", "{train_mse:%.4g}"},
              {"test MSE", "{test_mse:%.4g}"},
              {"test / train", "{ratio:%.3g}"},
              {"median std (train)", "{std_train:%.4g}"},
              {"median std (test)", "{std_test:%.4g}"},
              {"median top-1 share (train)", "{top1_train:%.3f}"},
              {"median top-1 share (test)", "{top1_test:%.3f}"}}},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "mem_gap",
     .claim = "App. A.2 / Fig. 14: the memorizing DAE denoises its training samples well but maps test samples to "
              "training-like outputs, so its test MSE is much higher than its train MSE. Holds when test MSE >= "
              "{H1:%.0f} x train MSE at both noise levels; partly at one.",
     .measured = "test / train MSE = {lo.mem_mse_ratio:%.3g} at sigma {lo.sigma:%.3g} (train {lo.mem_train_mse:%.4g}, "
                 "test {lo.mem_test_mse:%.4g}) and {hi.mem_mse_ratio:%.3g} at sigma {hi.sigma:%.3g} (train "
                 "{hi.mem_train_mse:%.4g}, test {hi.mem_test_mse:%.4g}). The outputs for test inputs are pulled toward "
                 "the training images: mean largest cosine to a memorizing training image {lo.mem_test_input_cos:%.3f} "
                 "(clean test inputs) -> {lo.mem_test_output_cos:%.3f} (outputs) at sigma {lo.sigma:%.3g}, "
                 "{hi.mem_test_input_cos:%.3f} -> {hi.mem_test_output_cos:%.3f} at sigma {hi.sigma:%.3g}.",
     .holds = {{"lo.mem_mse_ratio", MG_GE, 5.0}, {"hi.mem_mse_ratio", MG_GE, 5.0}},
     .partly = {{"(lo.mem_mse_ratio >= H1) + (hi.mem_mse_ratio >= H2)", MG_GE, 1}}},
    {.id = "gen_equal",
     .claim = "App. A.2 / Fig. 14: the generalizing DAE denoises training and test samples equally well. Holds when "
              "test / train MSE <= {H1:%.2f} at both noise levels; partly when <= {P1:%.1f}.",
     .measured = "test / train MSE = {lo.gen_mse_ratio:%.3f} at sigma {lo.sigma:%.3g} (train {lo.gen_train_mse:%.4g}, "
                 "test {lo.gen_test_mse:%.4g}), {hi.gen_mse_ratio:%.3f} at sigma {hi.sigma:%.3g} (train "
                 "{hi.gen_train_mse:%.4g}, test {hi.gen_test_mse:%.4g}).",
     .holds = {{"max(lo.gen_mse_ratio, hi.gen_mse_ratio)", MG_LE, 1.25}},
     .partly = {{"max(lo.gen_mse_ratio, hi.gen_mse_ratio)", MG_LE, 2.0}}},
    {.id = "test_repr",
     .claim = "App. A.2 / Fig. 15: the representations of test samples are spiky under the memorizing DAE and "
              "balanced under the generalizing DAE (the paper compares the two models on the same test images; "
              "sigma = {lo.sigma:%.3g}). Holds when both the std and the scale-free top-1 share separate the two "
              "models' "
              "representations of the same test rows with AUROC >= {H1:%.2f} (memorizing positive); partly when one "
              "does.",
     .measured = "AUROC of std {lo.test_std_auroc:%.4f} (median {lo.mem_test_median_std:%.3g} vs "
                 "{lo.gen_test_median_std:%.3g}); AUROC of the top-1 share {lo.test_top1_auroc:%.4f} (median "
                 "{lo.mem_test_median_top1:%.3f} vs {lo.gen_test_median_top1:%.3f}); {rows_test} test rows.",
     .holds = {{"min(lo.test_std_auroc, lo.test_top1_auroc)", MG_GE, 0.9}},
     .partly = {{"max(lo.test_std_auroc, lo.test_top1_auroc)", MG_GE, 0.9}}},
    {.id = "repr",
     .claim = "memgen's stricter check of Fig. 15: test representations are (at least) as spiky as training ones under "
              "the memorizing "
              "DAE and as balanced as training ones under the generalizing DAE (sigma = {lo.sigma:%.3g}). Holds when "
              "the test / train ratio of median std AND of median top-1 share is >= {H1:%.2f} under the memorizing "
              "DAE and inside [{H2:%.2f}, {H3:%.2f}] under the generalizing DAE; partly when only one model meets it.",
     .measured = "memorizing DAE: test / train median std {lo.mem_std_ratio:%.3f}, median top-1 share "
                 "{lo.mem_top1_ratio:%.3f} ({lo.mem_test_median_top1:%.3f} vs {lo.mem_train_median_top1:%.3f}); "
                 "generalizing DAE: {lo.gen_std_ratio:%.3f} and {lo.gen_top1_ratio:%.3f} "
                 "({lo.gen_test_median_top1:%.3f} vs {lo.gen_train_median_top1:%.3f}).",
     /* "as spiky as" is one-sided for the memorizing model */
     .holds = {{"min(lo.mem_std_ratio, lo.mem_top1_ratio)", MG_GE, 0.67},
               {"min(lo.gen_std_ratio, lo.gen_top1_ratio)", MG_GE, 0.67},
               {"max(lo.gen_std_ratio, lo.gen_top1_ratio)", MG_LE, 1.5}},
     .partly = {{"(min(lo.mem_std_ratio, lo.mem_top1_ratio) >= H1) + (min(lo.gen_std_ratio, lo.gen_top1_ratio) >= H2) "
                 "* (max(lo.gen_std_ratio, lo.gen_top1_ratio) <= H3)",
                 MG_GE, 1}}},
};

const mg_section mg_sec_fig14 = {
    .id = "fig14",
    .heading = "Fig. 14-15: denoising and representations of training vs test samples",
    .weight = 0.3,
    .exp = &mg_exp_fig14,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (App. A.2, Fig. 14-15): denoising an unseen test image checks generalization. The memorizing DAE "
             "perfectly denoises a training image but turns a test image into a training-like output (high test "
             "MSE); the generalizing DAE denoises both while keeping input-specific structure. The memorizing DAE's "
             "test representations are spiky too (positive activations only at the stored samples a test image "
             "aligns with); the generalizing DAE's are as balanced as its training ones. memgen applies the "
             "sigma-level DAEs of the shared sets once to x + sigma eps (seeded) and reports the per-pixel MSE "
             "|f(x + sigma eps) - x|^2 / d and the spikiness of the hidden layer of the same pass.",
    .dataset_intro = "Rows: memorizing DAE, its {samples_mem} training samples cycled to {rows_train_mem} rows (each "
                     "with its own noise draw) and {rows_test} test rows; generalizing DAE, its first "
                     "{rows_train_gen} training rows and the same {rows_test} test rows with the same noise. Levels: "
                     "sigma = {lo.sigma:%.3g} and {hi.sigma:%.3g} (the grid level nearest {sigma_hi:%.3g}).",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
