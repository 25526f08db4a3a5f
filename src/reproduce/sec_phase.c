/*
 * Section phase of `memgen reproduce` (issue 16; paper Cor. 3.2-3.3): the
 * memorization-generalization phase diagram at a report's size, the tables
 * of experiment phase (section.h): a small n x p sweep on a mixture of many
 * tight modes, each cell's closed form and trained DAE placed in the n x p
 * plane with the predicted boundary p = n, and the two corollaries judged
 * on the cells where their conditions hold.
 */
#include "memgen/experiment/phase.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"steps", {300, 3000, 20000}},
    {"samples", {32, 128, 512}},
    {"ntest", {64, 128, 512}},
    {"seeds", {1, 2, 4}},
};

#define MEM_COLOR "#d62728"
#define GEN_COLOR "#1f77b4"

/* A phase-diagram figure of one model's memorized fraction (column COL). */
#define PHASE_FIGURE(ID, WHO, COL)                                                                                 \
    {.id = ID,                                                                                                     \
     .kind = MG_FIG_LINES,                                                                                         \
     .title = "Phase diagram, " WHO " (sigma = {sigma})",                                                          \
     .xlabel = "training rows n",                                                                                  \
     .ylabel = "hidden units p",                                                                                   \
     .caption = "Each cell of the grid (every seed drawn): red where the " WHO " memorizes (at least half of its " \
                "generated samples are copies of training rows up to scale), blue where it does not; the dashed "  \
                "line is the predicted boundary p = n (Cor. 3.2 above it, Cor. 3.3 below). {ncells} cells, grid "  \
                "\"{grid}\".",                       \
     .series = {{.table = "cells", .x = "n", .y = "p", .where = COL " >= 0.5", .markers_only = 1,                   \
                 .marker = MG_MARKER_CIRCLE, .label = "memorizes", .color = MEM_COLOR},                            \
                {.table = "cells", .x = "n", .y = "p", .where = COL " < 0.5", .markers_only = 1,                    \
                 .marker = MG_MARKER_SQUARE, .label = "generalizes", .color = GEN_COLOR},                          \
                {.table = "boundary", .x = "n", .y = "p", .dashed = 1, .label = "predicted boundary p = n",         \
                 .color = "#555555"}},                                                                             \
     .xlog = 1,                                                                                                    \
     .ylog = 1,                                                                                                    \
     .width = 560,                                                                                                 \
     .height = 360}

static const mg_figure_spec FIGURES[] = {
    PHASE_FIGURE("phase_trained", "trained DAE", "tr_mem_frac_scale"),
    PHASE_FIGURE("phase_closed_form", "closed form", "cf_mem_frac_scale"),
};

static const mg_page_table_spec TABLES[] = {
    {.table = "cells",
     .caption = "Every cell: memorized fraction of generated samples up to scale and train/test loss ratio of the "
                "closed form (cf) and the trained DAE (tr).",
     .cols = {{"n", "{n}"},
              {"p", "{p}"},
              {"seed", "{seed}"},
              {"predicted", "{?pred_mem|W_mem (Cor. 3.2)|W_gen (Cor. 3.3)}"},
              {"rows separable (largest cosine)", "{?sep_mem_beta <= 0|yes|no} ({sep_mem_beta:%.2f})"},
              {"cf memorized", "{cf_mem_frac_scale:%.2f}"},
              {"tr memorized", "{tr_mem_frac_scale:%.2f}"},
              {"cf train/test loss", "{cf_loss_ratio:%.3g}"},
              {"tr train/test loss", "{tr_loss_ratio:%.3g}"}}},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "memorize",
     .claim = "Cor. 3.2: when the width is at least the number of training rows (p >= n) and the rows are separable "
              "(Def. 3.1), W_mem, which stores every training row in its own hidden unit, is a critical point of "
              "Eq. 6 and the DAE memorizes: what it generates are copies of its training rows. Holds when, over the "
              "cells with p >= n and separable rows, the mean memorized fraction of generated samples (up to scale) "
              "is at least {H1:%.2f} for both the closed form and the trained DAE; partly when it is for one.",
     .measured = "{mem_separable} of {mem_cells} cells with p >= n have separable rows; there the memorized fraction "
                 "is {mem_cf_frac:%.3f} (closed form) and {mem_tr_frac:%.3f} (trained), the train/test loss ratio "
                 "{mem_cf_loss_ratio:%.3g} and {mem_tr_loss_ratio:%.3g}.",
     .holds = {{"min(mem_cf_frac, mem_tr_frac)", MG_GE, 0.5}},
     .partly = {{"max(mem_cf_frac, mem_tr_frac)", MG_GE, 0.5}},
     .needs = "mem_separable",
     .note_unless_holds = "The trained DAE fits its training rows far better than held-out ones (loss ratio "
                          "{mem_tr_loss_ratio:%.3g}) but after {steps} Adam steps it has not reached W_mem in every "
                          "cell: a sampler started from noise then lands between the stored rows."},
    {.id = "generalize",
     .claim = "Cor. 3.3: when the training rows far outnumber the width (n >> p, here n >= {gen_ratio:%g} p) and "
              "form separable clusters, the DAE learns W_gen, one block of units per cluster, and generalizes: it "
              "generates new samples of the modes, not copies. Holds when, over the cells with n >= {gen_ratio:%g} "
              "p, the mean memorized fraction is at most {H1:%.2f} for both the closed form and the trained DAE and "
              "the trained DAE's train/test loss ratio is at least {H2:%.2f} (it fits held-out rows as well as its "
              "own); partly when only the fractions are at most {P1:%.2f}.",
     .measured = "{gen_cells} cells with n >= {gen_ratio:%g} p: memorized fraction {gen_cf_frac:%.3f} (closed form) "
                 "and {gen_tr_frac:%.3f} (trained), train/test loss ratio {gen_cf_loss_ratio:%.3g} and "
                 "{gen_tr_loss_ratio:%.3g}; Theorem 3.1's assumptions hold for the closed form in "
                 "{gen_cf_holds * 100:%.0f}% of them.",
     .holds = {{"max(gen_cf_frac, gen_tr_frac)", MG_LE, 0.05}, {"gen_tr_loss_ratio", MG_GE, 0.8}},
     .partly = {{"max(gen_cf_frac, gen_tr_frac)", MG_LE, 0.05}},
     .needs = "gen_cells"},
};

const mg_section mg_sec_phase = {
    .id = "phase",
    .heading = "Phase diagram: memorization vs generalization over n and p",
    .weight = 0.01,
    .exp = &mg_exp_phase,
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Sec. 3, Cor. 3.2-3.3): a ReLU DAE memorizes when it is at least as wide as its training set and "
             "the rows are separable (W_mem, Cor. 3.2) and generalizes when the rows far outnumber its units "
             "(W_gen, Cor. 3.3). memgen runs a small sweep (the library of `memgen sweep`) over the number of "
             "training rows n = 2, {modes / 2}, {modes}, {8 * modes}, {32 * modes} and the width p = {modes / 2}, "
             "{modes}, {4 * modes}, {seeds} seed(s) each: every cell builds the closed form of its phase and "
             "trains a tied, bias-free DAE on Eq. 6 at sigma = {sigma} (Adam, {steps} steps), then samples "
             "{samples} points from each by DDIM and counts the copies of training rows up to scale (NN ratio < "
             "1/3). Data: a mixture of {modes} tight modes (covariance {cov:%g} x 0.9^j in d = {d}; means of norm "
             "5 with pairwise cosine -1/({modes} - 1)), rows taken mode by mode. The shared two-mode mixture does "
             "not fit Cor. 3.2: two rows of one mode are positively correlated, so only 5 of the default sweep's 25 "
             "cells had separable rows. Here the cells with n <= {modes} hold at most one row per mode, whose "
             "pairwise cosines are negative, and the cells with n = 8 and 32 x {modes} hold many rows per mode. "
             "The same sweep with its own page: `memgen sweep --grid` and the grid under the figures.",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
