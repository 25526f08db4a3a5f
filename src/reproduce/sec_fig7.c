/*
 * Section fig7 of `memgen reproduce` (paper Fig. 7, Cor. 3.4, App. C.6): the
 * hybrid regime under duplication, the tables of experiment fig7
 * (section.h), per dataset. The training from the closed form runs on the
 * mixture only (where Definition 3.1 can hold), so its columns, table and
 * claim appear there only.
 */
#include "memgen/experiment/fig7.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"times", {20, 300, 300}},
    {"steps_mog", {150, 3000, 20000}},
    {"steps_fmnist", {100, 3000, 20000}},
    {"warm_steps", {50, 1000, 5000}},
};

static const mg_figure_spec FIGURES[] = {
    {.id = "columns_scatter",
     .kind = MG_FIG_SCATTER,
     .title = "{data.name}: what each column of W1 matches",
     .xlabel = "largest cosine to a duplicated sample",
     .ylabel = "largest cosine to a non-duplicated sample",
     .caption = "One point per column of W1. Memorizing columns sit right of the dashed line (a copy of a duplicated "
                "sample); generalizing columns sit below both lines (they match no single sample: they span a mode's "
                "leading directions).",
     .series = {{.table = "columns_trained", .x = "cos_duplicated", .y = "cos_other_row",
                 .label = "trained from scratch", .color = "#1f77b4", .marker = MG_MARKER_CIRCLE},
                {.table = "columns_construction", .x = "cos_duplicated", .y = "cos_other_row",
                 .label = "closed form (Cor. 3.4)", .color = "#ff7f0e", .marker = MG_MARKER_TRIANGLE},
                {.table = "columns_from_closed_form", .x = "cos_duplicated", .y = "cos_other_row",
                 .when = "from_closed_form.have", .label = "trained from the closed form", .color = "#2ca02c",
                 .marker = MG_MARKER_SQUARE}},
     .vlines = {{.at = "mem_cos", .label = "cosine {mem_cos}", .color = "#777777"}},
     .hlines = {{.at = "mem_cos", .color = "#777777"}},
     .xlim = {-0.1, 1.02},
     .ylim = {-0.1, 1.02},
     .width = 560,
     .height = 420},
    {.id = "columns",
     .when = "column_grid.rows",
     .kind = MG_FIG_IMAGES,
     .array = "column_grid",
     .ncols = MG_EXP_FIG7_NDUP,
     .raw = 1,
     .caption = "Row 1: the {duplicated} duplicated images. Row 2: the learned column of W1 most similar to each "
                "(cosines {trained.best_dup_cos_1:%.3f}, {trained.best_dup_cos_2:%.3f}, {trained.best_dup_cos_3:%.3f})."
                " Rows 3-4: the first {grid_other} other columns (generalizing). Columns are scaled to their largest "
                "entry; negative entries are black."},
};

/* The last column of the models table: the closed form's predicted loss, else the training time. */
#define PREDICTED_OR_TIME                                                                                            \
    "{?index - 1|{?index|{from_closed_form.train_seconds:%.2f}|{trained.train_seconds:%.2f}} s "                    \
    "training|{predicted:%.4f}}"

/* A cell of the duplicated table: cosine (column; columns sharing the point). */
#define DUP_CELL(m) "{" m "_cos:%.4f} (column {" m "_col}; {" m "_columns})"

#define DUP_CAPTION                                                                                                  \
    "Largest cosine between each duplicated sample and a column of W1 (in brackets: that column's index, then how "  \
    "many columns have cosine >= {share_cos} with this sample). Cor. 3.4 stores it as one column r x."

static const mg_page_table_spec TABLES[] = {
    {.table = "models",
     .caption = "Columns of each W1 by what they match (memorizing: cosine >= {mem_cos} to a duplicated sample; "
                "generalizing: cosine < {mem_cos} to every sample), and the data term of Eq. 6 at sigma = {sigma} "
                "measured on the hybrid training set with one noise draw per row (the same draws for every model).",
     .cols = {{"model", "{model}"},
              {"memorizing columns", "{memorizing}"},
              {"generalizing columns", "{generalizing}"},
              {"columns copying one other sample", "{copying_other}"},
              {"largest cosine of a non-memorizing column to a sample", "{max_other_cos:%.4f}"},
              {"data loss (Monte Carlo)", "{loss:%.4f}"},
              {"predicted loss / training time", PREDICTED_OR_TIME}}},
    {.table = "duplicated",
     .when = "from_closed_form.have",
     .caption = DUP_CAPTION,
     .cols = {{"duplicated point", "{point}"},
              {"trained from scratch", DUP_CELL("trained")},
              {"closed form (Cor. 3.4)", DUP_CELL("construction")},
              {"trained from the closed form", DUP_CELL("from_closed_form")}}},
    {.table = "duplicated",
     .when = "!from_closed_form.have",
     .caption = DUP_CAPTION,
     .cols = {{"duplicated point", "{point}"},
              {"trained from scratch", DUP_CELL("trained")},
              {"closed form (Cor. 3.4)", DUP_CELL("construction")}}},
    {.table = "block_angles",
     .caption = "Learned (from scratch) vs closed form (compare.h): each learned unit is assigned to the block whose "
                "span holds most of its column; up to {lead} leading directions per block are compared.",
     .cols = {{"cluster block of the construction", "{block} ({?duplicated|duplicated point|generalizing cluster})"},
              {"rank", "{rank}"},
              {"learned units assigned", "{units}"},
              {"directions compared", "{lead}"},
              {"largest principal angle (degrees)", "{angle_max_deg:%.1f}"}}},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "trained",
     .claim = "Fig. 7 / Cor. 3.4 ({data.name}): a DAE trained on data with duplicated samples learns both memorizing "
              "columns (each duplicated sample copied by a column, cosine >= {mem_cos:%.2f}) and generalizing columns "
              "(matching no single non-duplicated sample, cosine < {mem_cos:%.2f}). Holds when both hold for every "
              "duplicated sample and no column copies a non-duplicated sample; partly when every duplicated sample "
              "has a column with cosine >= {P1:%.2f}.",
     .measured = "Trained from scratch ({steps} steps): best column per duplicated sample {trained.best_dup_cos_1:%.4f}, "
                 "{trained.best_dup_cos_2:%.4f}, {trained.best_dup_cos_3:%.4f}; {trained.memorizing_columns} memorizing, "
                 "{trained.generalizing_columns} generalizing, {trained.columns_copying_other_sample} copying one other "
                 "sample (of {trained.p} columns); largest cosine of a non-memorizing column to any sample "
                 "{trained.max_nonmem_row_cos:%.4f}.",
     .holds = {{"trained.min_dup_cos - mem_cos", MG_GE, 0},
               {"trained.generalizing_columns", MG_GT, 0},
               {"trained.columns_copying_other_sample", MG_LE, 0}},
     .partly = {{"trained.min_dup_cos", MG_GE, 0.8}, {"trained.generalizing_columns", MG_GT, 0}},
     .note = "{?data.has_mog||The duplicated Fashion-MNIST images are ordinary training images inside their classes, "
             "not separable clusters: Definition 3.1, which Cor. 3.4 assumes, fails here (beta = "
             "{separability_beta:%.3f}, alpha = {separability_alpha:%.3f}; the closed form's masks fail on "
             "{mask_violations} of {rows} samples and its measured loss is {construction.loss:%.4g} against a predicted "
             "{predicted_loss_closed_form:%.4g}), so the theory does not say that these columns should appear.}",
     .note_unless_holds =
         "{?data.has_mog|Below the threshold at this scale. The trained model spreads each duplicated sample over "
         "{trained.columns_per_dup_1}, {trained.columns_per_dup_2} and {trained.columns_per_dup_3} columns (cosine >= "
         "{share_cos:%.1f}), each also carrying part of the modes; Cor. 3.4 only says that a minimizer with one clean "
         "column per duplicated sample exists, not that training from a random start reaches it within {steps} "
         "steps. The run from the closed form below tests whether it is one.|}"},
    {.id = "closed_form",
     .when = "from_closed_form.have",
     .claim = "Cor. 3.4 ({data.name}): the closed form W = (r_1 x_1 ... r_m x_m, W_X(m+1) ... W_XK) is a local "
              "minimizer: training started from it keeps a memorizing column (cosine >= {mem_cos:%.2f}) for every "
              "duplicated sample and does not raise the loss. Partly when every duplicated sample keeps a column with "
              "cosine >= {P1:%.2f}.",
     .measured = "After {warm_steps} more steps from the closed form: best column per duplicated sample "
                 "{from_closed_form.best_dup_cos_1:%.4f}, {from_closed_form.best_dup_cos_2:%.4f}, "
                 "{from_closed_form.best_dup_cos_3:%.4f}; {from_closed_form.memorizing_columns} memorizing, "
                 "{from_closed_form.generalizing_columns} generalizing, "
                 "{from_closed_form.columns_copying_other_sample} copying one other sample; data loss "
                 "{from_closed_form.loss:%.4f} (closed form {construction.loss:%.4f}, predicted "
                 "{predicted_loss_closed_form:%.4f}; trained from scratch {trained.loss:%.4f}).",
     .holds = {{"from_closed_form.min_dup_cos - mem_cos", MG_GE, 0},
               {"from_closed_form.loss - construction.loss", MG_LE, 0}},
     .partly = {{"from_closed_form.min_dup_cos", MG_GE, 0.8}},
     .note = "Theorem 3.1's masks assume that every unit of a sample's own block is active on it and no other unit "
             "is; measured on the closed form they fail on {mask_violations} of {rows} samples (Definition 3.1 on "
             "these clusters: alpha = {separability_alpha:%.3f}, beta = {separability_beta:%.3f}, where the theorem "
             "needs beta < 0 and alpha <= |beta|/4), so its measured loss differs from its prediction and training "
             "moves it a little, to a nearby point that keeps the memorizing columns.{?max(0, trained.loss - "
             "from_closed_form.loss)| That point has a lower loss than the run from scratch, which had not "
             "converged.|}"},
};

const mg_section mg_sec_fig7 = {
    .id = "fig7",
    .heading = "Fig. 7: the hybrid regime under duplication (Cor. 3.4)",
    .weight = 13.0,
    .exp = &mg_exp_fig7,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 7, Cor. 3.4): when some training samples are duplicated, a DAE has a local minimizer W1 = W2 "
             "= (r_1 x_1 ... r_m x_m, W_X(m+1) ... W_XK): the duplicated (rank-1) clusters are memorized by single "
             "columns r_l x_l as in Cor. 3.2, the well-sampled clusters generalized by blocks as in Cor. 3.3, and the "
             "trained model shows both kinds of columns. memgen trains a DAE on each shared generalizing set with a "
             "few points added many times, matches every learned column against the duplicated samples and against "
             "every other training sample, and compares with the closed form.",
    .dataset_intro =
        "Training set: the {base_rows} generalizing rows plus {duplicated} {?injected|injected points (random "
        "directions, norm = the median row norm, so rank-1 clusters separable from the modes as Cor. 3.4 "
        "assumes)|training images picked at random}, each present {copies} times ({rows} rows, "
        "{100 * duplicated * copies / rows:%.1f}% of them copies of the duplicated points). One tied, bias-free DAE "
        "with p = {hidden} (the generalizing width + {duplicated}) trained at sigma = {sigma:%.2f} for {steps} steps "
        "(Adam, lr {lr}, weight decay {weight_decay}, batch {batch}, MSE loss as the authors' code: Eq. 6 with lambda = "
        "{lambda:%.4g}). Closed form: Theorem 3.1 with the {base_clusters} {?data.has_mog|modes|classes} as clusters "
        "and each duplicated point a rank-1 cluster ({clusters} clusters, {rank1_clusters} rank-1), same sigma, lambda "
        "and width. Theorem 3.1's assumptions on these clusters (Definition 3.1): alpha = {separability_alpha:%.3f} "
        "(largest relative spread of a sample around its cluster mean), beta = {separability_beta:%.3f} (largest "
        "cosine between two cluster means; the theorem needs beta < 0 and alpha <= |beta|/4); the closed form's masks "
        "(each sample activates all of its own block's units and none of the others) fail on {mask_violations} of the "
        "{rows} samples.{?has_note| Construction note: {construction_note}|}",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
