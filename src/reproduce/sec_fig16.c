/*
 * Section fig16 of `memgen reproduce` (paper Fig. 16c, App. A.3): Jacobian
 * spectra and alignments around memorized and generalized samples, the
 * tables of experiment fig16 (section.h). Around memorized data the
 * Jacobian should be nearly rank one along that sample (Cor. 3.2); around
 * generalized samples it should have higher rank with its energy in the
 * class's principal subspace (Cor. 3.3).
 */
#include "memgen/experiment/fig16.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"noise_draws_per_memorized_sample", {2, 8, 16}},
    {"test_points", {6, 32, 64}},
};

#define MEM_COLOR "#d62728"
#define GEN_COLOR "#1f77b4"

static const mg_figure_spec FIGURES[] = {
    {.id = "spectra",
     .kind = MG_FIG_LINES,
     .title = "Jacobian singular values, {data.name}, sigma = {sigma}",
     .xlabel = "index k",
     .ylabel = "singular value of J (log scale)",
     .caption = "Singular values of J(x + sigma eps) around memorized training samples (memorizing set) and around "
                "test samples (generalizing set). Zeros (beyond the number of active units) are not drawn on the log "
                "axis, so a line ends where the median becomes 0.",
     .series = {{.table = "spectra", .x = "k", .y = "mem_median", .label = "memorizing DAE at training samples (median)",
                 .color = MEM_COLOR, .marker = MG_MARKER_CIRCLE},
                {.table = "spectra", .x = "k", .y = "mem_q05", .label = "5% and 95% quantiles (dashed)",
                 .color = MEM_COLOR, .dashed = 1, .width = 1},
                {.table = "spectra", .x = "k", .y = "mem_q95", .color = MEM_COLOR, .dashed = 1, .width = 1},
                {.table = "spectra", .x = "k", .y = "gen_median", .label = "generalizing DAE at test samples (median)",
                 .color = GEN_COLOR, .marker = MG_MARKER_SQUARE},
                {.table = "spectra", .x = "k", .y = "gen_q05", .color = GEN_COLOR, .dashed = 1, .width = 1},
                {.table = "spectra", .x = "k", .y = "gen_q95", .color = GEN_COLOR, .dashed = 1, .width = 1}},
     .ylog = 1,
     .width = 720,
     .height = 400},
    {.id = "mem_pairs",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .caption = "Memorizing DAE: each training image (left) and the top left singular vector of J at its noisy copy "
                "(right, min-max scaled).",
     .array = "mem_pairs",
     .raw = 1},
    {.id = "gen_pairs",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .caption = "Generalizing DAE: test images (left) and the top left singular vector of J at their noisy copies "
                "(right, min-max scaled).",
     .array = "gen_pairs",
     .raw = 1},
};

#define IQR(m, f) "{" m "_median:" f "} [{" m "_q25:" f "}, {" m "_q75:" f "}]"

static const mg_page_table_spec TABLES[] = {
    {.table = "stats",
     .caption = "Median [first quartile, third quartile] over the points, at sigma = {sigma}. The class mean is that "
                "of the model's own training set.",
     .cols = {{"DAE", "{regime}"},
              {"points", "{points}"},
              {"effective rank", IQR("erank", "%.2f")},
              {"rank (sv > 1% sv1)", IQR("rank1", "%.0f")},
              {"sv1 / sum sv", IQR("sv1_share", "%.3f")},
              {"|cos(u1, nearest train)|", IQR("align", "%.3f")},
              {"|cos(u1, class mean)|", IQR("align_mean", "%.3f")},
              {"energy along nearest train", IQR("sample_share", "%.3f")},
              {"energy in class subspace", IQR("class_share", "%.3f")},
              {"energy along nearest train, its own part", IQR("own_share", "%.3f")},
              {"hidden units", "{units}"}}},
};

#define CLASS "{?data.has_mog|mode|class}"

static const mg_claim_spec CLAIMS[] = {
    {.id = "mem_rank1",
     .claim = "App. A.3 ({data.name}): around memorized data the Jacobian is extremely low-rank and dominated by that "
              "data vector (Cor. 3.2).",
     .measured = "Memorizing DAE, {mem_points} points: median effective rank {mem_erank_median:%.2f} (max "
                 "{mem_erank_max:%.2f}), median |cos(u1, nearest training sample)| {mem_align_median:%.3f} (min "
                 "{mem_align_min:%.3f}), median energy share along that sample {mem_sample_share_median:%.3f}; median "
                 "|cos(u1, mean of the sample's " CLASS " in the training set)| {mem_align_mean_median:%.3f}.",
     .holds = {{"mem_erank_median", MG_LE, 1.5}, {"mem_align_median", MG_GE, 0.95}},
     .partly = {{"mem_erank_median", MG_LE, 3.0}, {"mem_align_median", MG_GE, 0.90}},
     .note = "Holds when the median effective rank is <= {H1:%.1f} and the median alignment >= {H2:%.2f}; partly when "
             "<= {P1:%.1f} and >= {P2:%.2f}. The largest cosine between two memorized samples is "
             "{data.mem_max_cosine:%.2f} (Cor. 3.2 assumes it negative). A top singular vector closer to the "
             "{?data.has_mog|mode's|class's} mean than to the sample itself means the DAE stored the " CLASS
             " rather than each sample."},
    {.id = "gen_structure",
     .claim = "App. A.3 ({data.name}): around generalized samples the Jacobian reflects the data structure (Cor. 3.3): "
              "higher rank, its energy in the " CLASS "'s principal subspace rather than along a single training "
              "sample.",
     .measured = "Generalizing DAE, {gen_points} test points: median effective rank {gen_erank_median:%.2f} "
                 "(memorizing: {mem_erank_median:%.2f}), median energy share along the nearest training sample "
                 "{gen_sample_share_median:%.3f} (memorizing: {mem_sample_share_median:%.3f}), along that sample's own "
                 "part (orthogonal to its " CLASS "'s mean) {gen_own_share_median:%.3f}, median share in the "
                 "top-{class_subspace_dim} " CLASS " subspace {gen_class_share_median:%.3f} (random subspace: "
                 "{random_share:%.3f}).",
     .holds = {{"gen_erank_median", MG_GE, 3.0},
               {"gen_own_share_median", MG_LE, 0.5},
               {"gen_class_share_median", MG_GE, 0.8}},
     .partly = {{"(gen_erank_median >= H1) + (gen_own_share_median <= H2) + (gen_class_share_median >= H3)", MG_GE,
                 2}},
     .note = "Holds when all three hold: median effective rank >= {H1:%.0f}, median share along the nearest training "
             "sample's own part <= {H2:%.2f}, median share in the class subspace >= {H3:%.2f}; partly when two do. "
             "\"Along a single training sample\" is read as along what sets the sample apart from its " CLASS ": its "
             "part orthogonal to the " CLASS "'s mean. The " CLASS " mean is a statistic of the data, and in tight "
             "modes every sample is nearly along it (then the share along the whole sample, "
             "{gen_sample_share_median:%.2f} here, measures the mean, not the sample)."},
};

const mg_section mg_sec_fig16 = {
    .id = "fig16",
    .heading = "Fig. 16: Jacobians around memorized and generalized samples (App. A.3)",
    .weight = 1.5,
    .exp = &mg_exp_fig16,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (App. A.3, Fig. 16c): the ReLU DAE is piecewise linear, J(x) = W2 diag(mask(x)) W1^T. Around "
             "memorized data its Jacobian is extremely low-rank and dominated by that specific data vector (Cor. "
             "3.2); around generalized samples it reflects the data structure of Cor. 3.3 (a local Wiener filter of "
             "the mode).\n\nWhat memgen measured: the Jacobians of the sigma = {sigma} DAEs of the shared sets, through "
             "the thin-QR SVD of the active factors (no d x d matrix is formed). Effective rank = exp(entropy of sv "
             "/ sum sv) (1 for rank one); u1 = top left singular vector; \"energy along nearest train\" = "
             "|x_nn^T J|^2 / |J|_F^2 for the unit nearest training sample x_nn (1 when J only outputs that sample's "
             "direction); \"energy in class subspace\" = |U^T J|_F^2 / |J|_F^2 for U the class's principal "
             "subspace.",
    .dataset_intro = "Points: the {samples_mem} memorized training samples of the memorizing set, each with "
                     "{noise_draws_per_memorized_sample} noise draws ({mem_points} points), and the first "
                     "{gen_points} test samples for the generalizing set, all at y = x + {sigma} eps. The class "
                     "subspace is spanned by the top {class_subspace_dim} eigenvectors of the scatter matrix of the "
                     "point's " CLASS " in the generalizing training set (a random subspace of that size holds "
                     "{random_share:%.3f} of the energy on average).",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
