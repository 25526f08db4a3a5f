/*
 * Section fig8 of `memgen reproduce` (paper Fig. 8, Eq. 11, Sec. 4.2, App.
 * B.3-B.4): representation steering, the tables of experiment fig8
 * (section.h), per dataset. Steering curves of the generalizing set's new
 * samples vs the memorizing set's copies, their summary per group, and the
 * three claims: smooth edits of generalized samples, brittle responses of
 * memorized ones, and the gap in steerability.
 */
#include "memgen/experiment/fig8.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"steps", {10, 20, 40}},       /* the paper steers the final 20 of 40 steps ... */
    {"final_steps", {5, 10, 20}},  /* ... half of them */
    {"skip_last", {1, 3, 6}},      /* ... here all but the last 15% of them */
    {"samples", {12, 64, 200}},
    {"alphas", {5, 11, 11}},
};

#define GEN_COLOR "#1f77b4"
#define MEM_COLOR "#d62728"

/* The series of one group: a few thin sample curves, then the thick mean. */
#define GROUP_SERIES(KEY, GRP, LABEL, COL, COLOR, MARK)                                                            \
    {.table = KEY "_shown_curves", .x = "alpha", .y = COL, .group = "sample", .where = "sample >= 0",               \
     .color = COLOR, .width = 0.8, .opacity = 0.45},                                                               \
    {                                                                                                              \
        .table = KEY "_shown_curves", .x = "alpha", .y = COL, .where = "sample < 0", .when = GRP ".count > 0",     \
        .label = LABEL " (mean of {" GRP ".count})", .color = COLOR, .width = 3, .marker = MARK                    \
    }

/* A figure of both groups' curves of column COL (the mean and a few samples each). */
#define CURVES_FIGURE(ID, WHEN, COL, YLABEL, CAPTION)                                                              \
    {                                                                                                              \
        .id = ID, .when = WHEN, .kind = MG_FIG_LINES, .title = "{data.name}: steerability curves (Eq. 11)",        \
        .xlabel = "steering strength a (multiples of the mean target representation v)", .ylabel = YLABEL,         \
        .caption = CAPTION,                                                                                        \
        .series = {GROUP_SERIES("gen", "generalized", "generalized samples, generalizing set", COL, GEN_COLOR,     \
                                MG_MARKER_CIRCLE),                                                                 \
                   GROUP_SERIES("mem", "memorized", "memorized samples, memorizing set", COL, MEM_COLOR,           \
                                MG_MARKER_SQUARE)},                                                                \
        .width = 640, .height = 400                                                                                \
    }

static const mg_figure_spec FIGURES[] = {
    CURVES_FIGURE("curves", NULL, "rel_distance", "distance to target / at a = 0",
                  "Distance of each steered sample to the target centroid, relative to its unsteered distance: thick "
                  "lines are group means, thin lines individual samples. A smooth edit slides down steadily; a "
                  "threshold-like one stays flat, then drops."),
    CURVES_FIGURE("posterior", "data.has_mog", "posterior", "posterior of the target mode",
                  "Posterior probability of the target mode (true mixture at sigma = {posterior_sigma}) of each "
                  "steered sample: thick lines are group means, thin lines individual samples. The posterior of one "
                  "sample switches from 0 to 1 within a short stretch of its path (the modes are far apart), so "
                  "individual curves look like steps even when the sample moves evenly; the distance plot above "
                  "shows the path itself."),
    {.id = "strip",
     .when = "strip.rows > 0",
     .kind = MG_FIG_IMAGES,
     .array = "strip",
     .caption = "Sweeps of a from 0 (left) to {alpha_max:%.3g} (right): the first rows are generalized samples of the "
                "generalizing set, the last rows memorized samples of the memorizing set."},
};

/* A summary cell: the value, or n/a for an empty group. */
#define CELL(expr) "{?samples|{" expr "}|n/a}"

static const mg_page_table_spec TABLES[] = {
    {.table = "groups",
     .caption = "Steerability per group (steer.h): monotonicity = share of a steps that bring the sample closer to the "
                "target; largest-jump share = largest single a step / path length in x (1/(n-1) for an even slide, 1 "
                "for one jump); kink = fastest / slowest a step; gain = fraction of the way to the target covered at "
                "the largest a.",
     .cols = {{"group", "{group}"},
              {"samples", "{samples}"},
              {"monotonicity", CELL("mono:%.3f")},
              {"Spearman", CELL("spearman:%.3f")},
              {"largest-jump share", CELL("path_jump:%.3f")},
              {"median kink", CELL("kink_median:%.3f")},
              {"mean gain", CELL("gain:%.3f")},
              {"smooth / threshold / static",
               "{?samples|{frac_smooth:%.2f} / {frac_threshold:%.2f} / {frac_static:%.2f}|n/a}"},
              {"distance a=0 -> max", "{?samples|{dist_first:%.3g} -> {dist_last:%.3g}|n/a}"}}},
};

/* Why there is no memorized sample to steer (a memorizing set without copies). */
#define NO_COPIES                                                                                                  \
    "No sample of the memorizing set is a copy up to scale (NN ratio < {ratio:%.3g} with every row at unit norm) " \
    "of a training sample outside the target: its {samples} samples have median ratio up to scale "                 \
    "{mem_samples_median_unit_ratio:%.3f}, median largest cosine {mem_samples_median_cos:%.3f} and median norm "   \
    "{mem_samples_median_norm:%.3g}, against {mem_train_median_norm:%.3g} for its training rows. Started from N(0, " \
    "sigma_max^2 I), DDIM with this set ends on shrunken superpositions of the stored samples rather than on one of " \
    "them (see Fig. 3), so there is no memorized sample to steer."

static const mg_claim_spec CLAIMS[] = {
    {.id = "smooth",
     .claim = "Fig. 8 ({data.name}): generalized samples change smoothly and progressively as the strength a grows. "
              "Holds when at least {H1 * 100:%.0f}% of their curves are smooth (steer.h: no single a step carries "
              "more than half of the path and the fastest step is less than 3x the slowest) and they move toward the "
              "target (mean gain > 0).",
     .measured = "{generalized.count} generalized samples: {generalized.frac_smooth * 100:%.0f}% smooth, "
                 "{generalized.frac_threshold * 100:%.0f}% threshold-like, {generalized.frac_static * 100:%.0f}% "
                 "static; monotonicity {generalized.mono:%.2f}, median kink {generalized.kink_median:%.2f}, "
                 "largest-jump share {generalized.path_jump:%.2f}, mean gain {generalized.gain:%.2f}.",
     .needs = "generalized.count",
     .holds = {{"generalized.frac_smooth", MG_GE, 0.5}, {"generalized.gain", MG_GT, 0}},
     .partly = {{"generalized.frac_smooth", MG_GT, 0}},
     .note_if_na = "No generalized sample started outside the target concept."},
    {.id = "brittle",
     .claim = "Fig. 8 ({data.name}): memorized samples respond in a brittle, threshold-like way (or barely move). "
              "Holds when at least {H1 * 100:%.0f}% of their curves are threshold-like or static and their median "
              "kink exceeds the generalized samples'; partly when only one of the two holds.",
     .measured = "{memorized.count} memorized samples: {memorized.frac_threshold * 100:%.0f}% threshold-like, "
                 "{memorized.frac_static * 100:%.0f}% static, {memorized.frac_smooth * 100:%.0f}% smooth; "
                 "monotonicity {memorized.mono:%.2f}, median kink {memorized.kink_median:%.2f} (generalized "
                 "{generalized.kink_median:%.2f}), largest-jump share {memorized.path_jump:%.2f}, mean gain "
                 "{memorized.gain:%.2f}.",
     .needs = "memorized.count",
     .holds = {{"memorized.frac_threshold + memorized.frac_static", MG_GE, 0.5},
               {"memorized.kink_median - generalized.kink_median", MG_GT, 0}},
     .partly = {{"max(memorized.frac_threshold + memorized.frac_static >= 0.5, "
                 "memorized.kink_median > generalized.kink_median)",
                 MG_EQ, 1}},
     .note_if_na = NO_COPIES},
    {.id = "steerability",
     .claim = "Sec. 4 ({data.name}): generalized samples are substantially more steerable than memorized ones, which "
              "show minimal editing effects. Holds when the generalized samples' mean gain (fraction of the way to "
              "the target covered at the largest a) is at least {H2:%.0f}x the memorized samples'; partly when it is "
              "larger.",
     .measured = "Mean gain at a = {alpha_max:%.3g}: generalized {generalized.gain:%.3f}, memorized "
                 "{memorized.gain:%.3f}.",
     .needs = "min(generalized.count, memorized.count)",
     .holds = {{"generalized.gain", MG_GT, 0}, {"generalized.gain / max(memorized.gain, 0)", MG_GE, 2}},
     .partly = {{"generalized.gain - memorized.gain", MG_GT, 0}},
     .note = "{?memorized.count||" NO_COPIES "}"},
};

const mg_section mg_sec_fig8 = {
    .id = "fig8",
    .heading = "Fig. 8 analog: steering in representation space (Eq. 11)",
    .weight = 1.0,
    .exp = &mg_exp_fig8,
    .analog = "the paper's Fig. 8 steers Stable Diffusion 1.4 (and 3.5) by adding a concept's mean representation in "
              "its U-Net during sampling. Here the same edit (Eq. 11) is applied to the hidden layer of the memorizing "
              "and generalizing DAE sets.",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 8, Eq. 11, App. B.3): adding a times the mean representation v of a target concept, "
             "f_steered(x_t) = g(h(x_t) + a v), edits generalized samples smoothly and progressively as a grows, "
             "while memorized samples respond in a brittle, threshold-like way. memgen steers the shared DAE sets "
             "(decoder g(h) = W2 h, so the edit adds a W2 v to each level's output). Sampling: DDIM over {steps} noise "
             "levels geometric from sigma = {run.sigma_max:%.3g} down to {run.sigma_min:%.3g} (each answered by the "
             "nearest level of the set). Steered: steps {steps - final_steps + 1} to {steps - skip_last} of the "
             "{steps}; the first {steps - final_steps} steps and the last {skip_last} steps are not steered. The "
             "paper steers the final 20 of 40 steps; with a two-layer DAE the decoder is linear, so when the very "
             "last steps are steered every model's output shifts by exactly a W2 v and no curve can show a "
             "threshold; leaving the last steps unsteered lets the model's own denoising respond to the edit (as SD "
             "3.5's window in App. B.4, which also stops before the end).",
    .dataset_intro =
        "Steered: every step whose noise level sigma satisfies {sigma_lo:%.4g} < sigma <= {sigma_hi:%.4g}. Target "
        "concept: {target_name}; v_k = mean of relu(W1_k^T (x + {vector_sigma:%.2f} eps)) over its {target_rows} "
        "held-out rows, per level k of each set; distances are to their centroid. Sweep: {alphas} values of a from 0 "
        "to {alpha_max:%.3g} (the first value of {{1/64, 1/32, ..., 32}} at which the generalizing set's samples "
        "cover {gain_scale * 100:%.0f}% of the way to the centroid, else the one bringing them closest); the same a "
        "values for both sets. Starting samples: {samples} per set; analysed: the generalizing set's new samples (NN "
        "ratio >= {ratio:%.3g}, literally and with every row at unit norm) that start outside the target "
        "({generalized.count}) and the memorizing set's copies up to scale (NN ratio < {ratio:%.3g} at unit norm: a "
        "bias-free ReLU DAE is positively homogeneous, f(t x) = t f(x), so its sampler ends on t x_i, a stored "
        "sample at another scale, whose literal NN ratio is near 1) of a training sample not of the target concept "
        "({memorized.count}).",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
