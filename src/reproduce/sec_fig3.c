/*
 * Section fig3 of `memgen reproduce` (paper Fig. 3, App. B.1, issues 6 and
 * 15): sampling with memorizing and generalizing models two ways side by
 * side, the DAE sets with DDIM (the paper's text) and the authors'
 * time-conditioned model with their sampler (their code), next to f_emp
 * (Eq. 3); the tables of experiment fig3 (section.h). Each set's samples are
 * measured against its own training set, literally and up to scale; held-out
 * test rows give the reference of genuinely new samples. The in-distribution
 * check differs by dataset: for the mixture its true density (one-sided),
 * for images the distance to the nearest training image and the norm
 * (two-sided); up to scale, every row is first rescaled to the held-out
 * median norm.
 *
 * The time-conditioned runs at each scale (what they cost on 2 cores, and
 * why): the authors train 100k RMSprop steps (memorization, lr 1e-3) and
 * 200k Adam steps (generalization, lr 5e-5, p = 256). The memorizing model
 * keeps their p = 256, optimizer and weight decay (about 1 ms a full-batch
 * step of 5 rows) at lr 5e-4: at their lr 1e-3 the loss spikes now and then
 * (this section's own Fashion-MNIST run did at step 2500: for some 500 steps
 * after a spike the sampler's outputs are clamp-saturated noise), and a short
 * run's last state can land in one; at 5e-4 none of six 4000-step runs (two
 * datasets, three seeds) spiked, and the samples settle by about 2200 steps
 * (the mixture's model then blends the two rows of a mode; Fashion-MNIST's
 * share of cosine >= 0.95 stays near 0.7 from 1000 to 6000 steps), so the
 * quick report trains 3000. The generalizing model takes the generalizing
 * DAE set's width (p << n at every scale) and the DAE sets' Adam lr 1e-3
 * for as many steps as they train (1500 quick, about 3 ms a step of 256 rows
 * at p = 64); lr 5e-5 is for 200k steps. Together about 6 s per dataset on
 * the quick report (the section went from 1 s to 13 s).
 */
#include "memgen/experiment/fig3.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"samples_per_model", {12, 300, 1000}},
    {"heldout_reference_rows", {40, 500, 2000}},
    {"tc_mem_steps", {300, 3000, 20000}},
    {"tc_mem_p", {64, 256, 256}},
    {"tc_gen_steps", {100, 1500, 20000}},
};

#define TC_LABEL "time-conditioned model, authors' sampler"

/* The six sets of rows as series of a histogram of one column (or
 * expression) of their "<set><suffix>" tables; the time-conditioned runs
 * dashed. */
#define SET_SERIES(suffix, y_)                                                                                        \
    {{.table = "mem" suffix, .y = y_, .label = "memorizing set (DDIM)"},                                              \
     {.table = "emp" suffix, .y = y_, .label = "f_emp (Eq. 3)"},                                                      \
     {.table = "gen" suffix, .y = y_, .label = "generalizing set (DDIM)"},                                            \
     {.table = "test" suffix, .y = y_, .label = "held-out test rows"},                                                \
     {.table = "tc_mem" suffix, .y = y_, .label = "memorizing, " TC_LABEL, .dashed = 1},                              \
     {.table = "tc_gen" suffix, .y = y_, .label = "generalizing, " TC_LABEL, .dashed = 1}}

/* The three sets measured against the generalizing rows. */
#define GEN_SERIES(suffix, y_)                                                                                        \
    {{.table = "gen" suffix, .y = y_, .label = "generalizing set (DDIM)"},                                            \
     {.table = "test" suffix, .y = y_, .label = "held-out test rows"},                                                \
     {.table = "tc_gen" suffix, .y = y_, .label = "generalizing, " TC_LABEL, .dashed = 1}}

/* An image dataset's grid of one sampled set over its nearest training images. */
#define GRID(key, label_)                                                                                             \
    {.id = key "_grid", .when = key "_grid.rows", .kind = MG_FIG_IMAGES, .array = key "_grid",                        \
     .caption = label_ ": the first {grid_samples} generations (rows 1 and 3) and, below each, its nearest training "  \
                       "image (rows 2 and 4); d1/d2 < 1/3 marks a copy."}

static const mg_figure_spec FIGURES[] = {
    {.id = "ratio",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: nearest-neighbour ratio of samples (literal)",
     .xlabel = "d1 / d2 (distance to nearest / second-nearest training row)",
     .ylabel = "density",
     .caption = "Literal: memorized samples sit left of the threshold (a near copy of one training row); new samples "
                "have d1/d2 near 1. A sample along a training row at a fraction of its norm is not counted here.",
     .series = SET_SERIES("_measures", "ratio"),
     .vlines = {{.at = "ratio_threshold", .label = "threshold {ratio_threshold:%.3g}"}},
     .bins = 30,
     .lo = "0",
     .hi = "1"},
    {.id = "unit_ratio",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: nearest-neighbour ratio up to scale",
     .xlabel = "d1 / d2 after normalising every sample and every training row to unit norm",
     .ylabel = "density",
     .caption = "Up to scale: the same ratio between directions; a scaled copy of a training row sits at 0.",
     .series = SET_SERIES("_upto_scale", "unit_ratio"),
     .vlines = {{.at = "ratio_threshold", .label = "threshold {ratio_threshold:%.3g}"}},
     .bins = 30,
     .lo = "0",
     .hi = "1"},
    {.id = "cos_max",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: largest cosine to a training row",
     .xlabel = "max cosine similarity to the training set",
     .ylabel = "density (log)",
     .caption = "Up to scale, the authors' notebook measure: a copy of a training row has cosine 1 (log scale: "
                "f_emp's copies pile up in the last bin).",
     .series = SET_SERIES("_measures", "cos_max"),
     .vlines = {{.at = "direction_cosine", .label = "cosine {direction_cosine:%.2f}"}},
     .bins = 30,
     .hi = "1",
     .ylog = 1},
    {.id = "mahalanobis",
     .when = "data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest mode (true mixture), literal",
     .xlabel = "log10 squared Mahalanobis distance to the nearest mode (covariance + sigma_min^2 I)",
     .ylabel = "density",
     .caption = "In-distribution check, literal: generations should sit where held-out samples do (left of the dashed "
                "line).",
     .series = SET_SERIES("_measures", "log10(mahalanobis2_nearest)"),
     .vlines = {{.at = "log10(test_q95_mahalanobis2)", .label = "held-out 95% quantile"}},
     .bins = 30},
    {.id = "scaled_mahalanobis",
     .when = "data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest mode, rows rescaled to the held-out median norm",
     .xlabel = "log10 squared Mahalanobis distance to the nearest mode, every row at norm {test_median_norm:%.3g}",
     .ylabel = "density",
     .caption = "In-distribution check up to scale: every row (held-out rows too) rescaled to the held-out median "
                "norm, so only its direction counts.",
     .series = GEN_SERIES("_upto_scale", "log10(scaled_mahalanobis2_nearest)"),
     .vlines = {{.at = "log10(test_scaled_q95_mahalanobis2)", .label = "rescaled held-out 95% quantile"}},
     .bins = 30},
    {.id = "nn_dist",
     .when = "!data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest training image (literal)",
     .xlabel = "Euclidean distance to the nearest training image (d1)",
     .ylabel = "density",
     .caption = "In-distribution check, literal: generations should be about as far from the training set as "
                "held-out test images (between the dashed lines); copies sit at 0.",
     .series = SET_SERIES("_measures", "d1"),
     .vlines = {{.at = "test_q05_nn_dist", .label = "held-out 5% and 95% quantiles"}, {.at = "test_q95_nn_dist"}},
     .bins = 30,
     .lo = "0"},
    {.id = "scaled_nn_dist",
     .when = "!data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest training image, rows rescaled to the held-out median norm",
     .xlabel = "distance of the rescaled image (norm {test_median_norm:%.3g}) to the nearest training image",
     .ylabel = "density",
     .caption = "In-distribution check up to scale: every image (held-out images too) rescaled to the held-out "
                "median norm before its distance to the training set is taken.",
     .series = GEN_SERIES("_upto_scale", "scaled_d1"),
     .vlines = {{.at = "test_scaled_q05_nn_dist", .label = "rescaled held-out 5% and 95% quantiles"},
                {.at = "test_scaled_q95_nn_dist"}},
     .bins = 30,
     .lo = "0"},
    {.id = "norm",
     .when = "!data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: image norm",
     .xlabel = "Euclidean norm of the image",
     .ylabel = "density",
     .caption = "Brightness check (literal only; the scale is what the checks up to scale leave out): generations "
                "should be as bright as held-out images (between the dashed lines).",
     .series = SET_SERIES("_measures", "norm"),
     .vlines = {{.at = "test_q05_norm", .label = "held-out 5% and 95% quantiles"}, {.at = "test_q95_norm"}},
     .bins = 30,
     .lo = "0"},
    {.id = "mem_train",
     .when = "data.images",
     .kind = MG_FIG_IMAGES,
     .array = "mem_train",
     .caption = "The memorizing training set ({data.n_mem} images)."},
    GRID("mem", "memorizing set"),
    GRID("emp", "f_emp (Eq. 3)"),
    GRID("gen", "generalizing set"),
    GRID("tc_mem", "memorizing, " TC_LABEL),
    GRID("tc_gen", "generalizing, " TC_LABEL),
    {.id = "autocontrast_grid",
     .when = "autocontrast_grid.rows",
     .kind = MG_FIG_IMAGES,
     .array = "autocontrast_grid",
     .raw = 1,
     .caption = "AUTO-CONTRASTED, as the authors display images: each image in the model's coordinates (the mean "
                "image NOT added back, unlike the grids above), clipped to the data range, then stretched so that its "
                "own darkest pixel is black and its brightest white. Neither brightness nor scale is shown: a scaled "
                "copy looks like the image it copies. Row pairs, each generations over their nearest training images "
                "up to scale (largest cosine): memorizing set (DDIM); memorizing, " TC_LABEL "; generalizing set "
                "(DDIM); generalizing, " TC_LABEL "."},
};

/* The measured text of a literal in-distribution check of set k. */
#define INDIST_LITERAL(k)                                                                                             \
    "{?data.has_mog|{100 * " k ".inside_share:%.1f}% of the generations are within the held-out 95% quantile of "    \
    "squared Mahalanobis distance to the nearest mode ({test_q95_mahalanobis2:%.4g}); median "                        \
    "{" k ".median_mahalanobis2:%.4g} vs {test_median_mahalanobis2:%.4g} (held-out); coordinate along the nearest "   \
    "mode's mean {" k ".median_mean_axis:%.3g} vs {test_median_mean_axis:%.3g}; norm {" k ".median_norm:%.3g} vs "    \
    "{test_median_norm:%.3g}.|{100 * " k ".inside_share:%.1f}% of the generations are inside both held-out ranges "  \
    "({100 * " k ".inside_nn_dist_share:%.1f}% by distance to the nearest training image, [{test_q05_nn_dist:%.3g}, " \
    "{test_q95_nn_dist:%.3g}]; {100 * " k ".inside_norm_share:%.1f}% by norm, [{test_q05_norm:%.3g}, "                \
    "{test_q95_norm:%.3g}]); medians: distance {" k ".median_nn_dist:%.3g} vs {test_median_nn_dist:%.3g}, norm "     \
    "{" k ".median_norm:%.3g} vs {test_median_norm:%.3g}.}"

/* The measured text of the in-distribution check up to scale of set k. */
#define INDIST_SCALED(k)                                                                                              \
    "{100 * " k ".scaled_inside_share:%.1f}% of the generations, rescaled to the held-out median norm "               \
    "{test_median_norm:%.3g}, are inside the rescaled held-out "                                                      \
    "{?data.has_mog|95% quantile of squared Mahalanobis distance ({test_scaled_q95_mahalanobis2:%.4g}; median "       \
    "{" k ".scaled_median_mahalanobis2:%.4g} vs {test.scaled_median_mahalanobis2:%.4g} held-out)|5-95% range of "     \
    "distance to the nearest training image ([{test_scaled_q05_nn_dist:%.3g}, {test_scaled_q95_nn_dist:%.3g}]; "     \
    "median {" k ".scaled_median_nn_dist:%.3g} vs {test.scaled_median_nn_dist:%.3g} held-out)}; literally "           \
    "{100 * " k ".inside_share:%.1f}%."

/* The note of an in-distribution check up to scale of set k. */
#define INDIST_SCALED_NOTE(k)                                                                                         \
    "Up to scale: the literal check asks the scale too, which a bias-free model takes from its initial noise; this "  \
    "one asks the direction only.{?data.has_mog| The mixture's covariance has eigenvalues 0.9^j, so beyond its first " \
    "few dozen directions only the smoothing sigma_min^2 = {logp_sigma * logp_sigma:%.2g} is left: a residual off "   \
    "the data's directions, multiplied by the rescaling (median factor "                                              \
    "{test_median_norm / " k ".median_norm:%.3g}), leaves the held-out range quickly.|}"

/* The rule of the in-distribution checks in words. */
#define INDIST_RULE                                                                                                   \
    "{?data.has_mog|squared Mahalanobis distance to the nearest mode of the true mixture at most the held-out 95% "   \
    "quantile|distance to the nearest training image and image norm both within the held-out 5-95% quantiles}"
#define INDIST_SCALED_RULE                                                                                            \
    "every row, held-out rows too, first rescaled to the held-out median norm; then {?data.has_mog|squared "          \
    "Mahalanobis distance to the nearest mode at most the rescaled held-out 95% quantile|distance to the nearest "    \
    "training image within the rescaled held-out 5-95% quantiles}"

static const mg_page_table_spec TABLES[] = {
    {.table = "runs",
     .join = "timing",
     .caption = "Memorization measures of each set of samples against its own training set, two ways: the DAE sets "
                "with DDIM (the paper's text) and the authors' time-conditioned model with their sampler (their code). "
                "Literal: d1/d2 < {ratio_threshold:%.3g} on the rows as they are. Up to scale: the largest cosine to a "
                "training row at least {direction_cosine:%.2f} (the authors' measure), and d1/d2 < "
                "{ratio_threshold:%.3g} after normalising every row to unit norm. The last row is the reference of "
                "genuinely new samples: held-out test rows measured against the generalizing training set.",
     .cols = {{"how", "{how}"},
              {"model / rows", "{set}"},
              {"samples", "{samples}"},
              {"copies, literal d1/d2", "{memorized:%.3f}"},
              {"copies up to scale: cosine", "{direction_copies:%.3f}"},
              {"copies up to scale: unit-norm d1/d2 (rows copied)",
               "{unit_memorized:%.3f} ({unit_distinct_copied} of {training_rows})"},
              {"median d1/d2: literal / unit-norm", "{median_ratio:%.3f} / {median_unit_ratio:%.3f}"},
              {"mean max cosine", "{mean_cos_max:%.3f}"},
              {"median norm (training rows)", "{median_norm:%.3g} ({train_median_norm:%.3g})"},
              {"near-duplicates among samples", "{?isnan(near_duplicate)|n/a|{near_duplicate:%.3f}}"},
              {"train + sampling seconds",
               "{?isnan(train_seconds)||{train_seconds:%.1f} + }{?isnan(sampling_seconds)||{sampling_seconds:%.2f}}"}}},
    {.table = "in_distribution",
     .when = "data.has_mog",
     .caption = "In-distribution checks of the generalizing models' samples against held-out rows. Literal: the rows "
                "as they are. Up to scale: every row (held-out rows too) rescaled to the held-out median norm "
                "{test_median_norm:%.3g} first. The held-out row is the check applied to the held-out rows themselves.",
     .cols = {{"how", "{how}"},
              {"model / rows", "{set}"},
              {"median norm", "{median_norm:%.3g}"},
              {"literal: inside (Mahalanobis^2 <= held-out 95%)", "{inside_share:%.3f}"},
              {"literal: median Mahalanobis^2", "{median_mahalanobis2:%.4g}"},
              {"coordinate along the mode's mean", "{median_mean_axis:%.3g}"},
              {"up to scale: inside", "{scaled_inside_share:%.3f}"},
              {"up to scale: median Mahalanobis^2", "{scaled_median_mahalanobis2:%.4g}"}}},
    {.table = "in_distribution",
     .when = "!data.has_mog",
     .caption = "In-distribution checks of the generalizing models' samples against held-out images. Literal: the "
                "images as they are (distance to the nearest training image and norm). Up to scale: every image "
                "(held-out images too) rescaled to the held-out median norm {test_median_norm:%.3g} first (distance "
                "only). The held-out row is the check applied to the held-out images themselves.",
     .cols = {{"how", "{how}"},
              {"model / rows", "{set}"},
              {"median norm", "{median_norm:%.3g}"},
              {"literal: inside both", "{inside_share:%.3f}"},
              {"literal: inside by distance", "{inside_nn_dist_share:%.3f}"},
              {"literal: inside by norm", "{inside_norm_share:%.3f}"},
              {"literal: median distance", "{median_nn_dist:%.3g}"},
              {"up to scale: inside", "{scaled_inside_share:%.3f}"},
              {"up to scale: median distance", "{scaled_median_nn_dist:%.3g}"}}},
};

/* The cosine test tells copies from new samples only when held-out rows
 * (new by construction) mostly stay below it. */
#define COSINE_INFORMATIVE "test.direction_copies < 0.5"
#define COSINE_NOT_INFORMATIVE                                                                                     \
    "The cosine cannot tell a copy from a new sample here: {100 * test.direction_copies:%.0f}% of the held-out rows, " \
    "new by construction, also reach {direction_cosine:%.2f} with a training sample (in tight modes every point is " \
    "nearly along its mode's mean). The ratio up to scale above is the measure that can."

static const mg_claim_spec CLAIMS[] = {
    {.id = "copies",
     .claim = "Fig. 3 (left), Cor. 3.2: sampling with a memorizing DAE set ({data.name}, n = {data.n_mem}, p = "
              "{data.p_mem} >= n) reproduces training samples. Holds when at least {100 * H1:%.0f}% of samples are "
              "copies (d1/d2 < 1/3); partly at {100 * P1:%.0f}%.",
     .measured = "{100 * mem.memorized:%.1f}% of {mem.samples} samples are copies (distinct training rows copied: "
                 "{mem.distinct_copied} of {data.n_mem}); median d1/d2 {mem.median_ratio:%.3f}; mean max cosine "
                 "{mem.mean_cos_max:%.4f}.",
     .holds = {{"mem.memorized", MG_GE, 0.9}},
     .partly = {{"mem.memorized", MG_GE, 0.5}},
     .note = "The literal ratio, kept as a property of the model: it compares distances, so a sample along a training "
             "row at a fraction of its norm is no copy by it. The scale of a DAE set's sample is not learned: a "
             "bias-free ReLU DAE is positively homogeneous, and DDIM from N(0, sigma_max^2 I) sets a sample's scale "
             "by the initial noise (tests/test_set_train.c checks sample(c sigmas) = c sample(sigmas)). The claims up "
             "to scale below judge the paper's statement (copies of training samples) without it."},
    {.id = "directions",
     .claim = "Fig. 3 (left), up to scale: the memorizing set's samples point along training samples (the cosine "
              "similarity to the nearest training sample, the authors' notebook measure, is at least "
              "{direction_cosine:%.2f}). Holds when at least {100 * H1:%.0f}% of samples do; partly at "
              "{100 * P1:%.0f}%.",
     .measured = "{100 * mem_direction_copies:%.1f}% of {mem.samples} samples have cosine >= {direction_cosine:%.2f} "
                 "with a training sample; median sample norm {mem_median_norm:%.3g} vs median training-row norm "
                 "{mem_train_median_norm:%.3g}.",
     .holds = {{"mem_direction_copies", MG_GE, 0.9}},
     .partly = {{"mem_direction_copies", MG_GE, 0.5}},
     .needs = COSINE_INFORMATIVE,
     .note_if_na = COSINE_NOT_INFORMATIVE,
     .note = "A bias-free ReLU DAE is positively homogeneous (f(cx) = c f(x)), and so is DDIM with a set of them: a "
             "sample's scale is set by the initial noise N(0, sigma_max^2 I), not by the data. Memorized directions "
             "therefore come out as scaled copies, which the distance ratio above does not count; superpositions of "
             "several stored samples also persist, since no step makes the active units compete."},
    {.id = "scale_copies",
     .claim = "Fig. 3 (left), Cor. 3.2 as the paper states it (samples are copies of training samples), counted up to "
              "scale: after normalising every sample and every training row to unit norm, the memorizing set's "
              "samples (DAE sets, DDIM) have d1/d2 < {ratio_threshold:%.3g}. Holds when at least {100 * H1:%.0f}% do; "
              "partly at {100 * P1:%.0f}%.",
     .measured = "{100 * mem.unit_memorized:%.1f}% of {mem.samples} samples are copies up to scale (distinct training "
                 "rows: {mem.unit_distinct_copied} of {data.n_mem}; median unit-norm d1/d2 {mem.median_unit_ratio:%.3f})."
                 " Beside it: literally (d1/d2 on the rows as they are) {100 * mem.memorized:%.1f}%; by the authors' "
                 "cosine >= {direction_cosine:%.2f} {100 * mem.direction_copies:%.1f}%; median sample norm "
                 "{mem.median_norm:%.3g} vs {mem.train_median_norm:%.3g} for the training rows.",
     .holds = {{"mem.unit_memorized", MG_GE, 0.9}},
     .partly = {{"mem.unit_memorized", MG_GE, 0.5}},
     .note = "On unit-norm rows |u - v|^2 = 2 - 2 cos(u, v): the ratio asks the nearest training row to be much "
             "closer in direction than the second-nearest, stricter than a cosine threshold when training rows are "
             "correlated{?data.has_mog| (the mixture's memorizing rows come two per mode, largest pairwise cosine "
             "{data.mem_max_cosine:%.2f}: a blend of a mode's two rows has a high cosine to both and copies neither)|"
             "}."},
    {.id = "emp_copies",
     .claim = "Reference (Eq. 3): the empirical optimal denoiser f_emp of the same {data.n_mem} training rows is the "
              "fully memorizing model: its samples are copies (at least {100 * H1:%.0f}%).",
     .measured = "{100 * emp.memorized:%.1f}% of {emp.samples} samples are copies; median d1/d2 "
                 "{emp.median_ratio:%.3g}; mean max cosine {emp.mean_cos_max:%.4f}.",
     .holds = {{"emp.memorized", MG_GE, 0.9}},
     .partly = {{"emp.memorized", MG_GE, 0.5}}},
    {.id = "new_samples",
     .claim = "Fig. 3 (right), Cor. 3.3: a generalizing DAE set (n = {data.n_gen}, p = {data.p_gen} << n) produces "
              "new samples: at most {100 * H1:%.0f}% copies (partly: at most {100 * P1:%.0f}%).",
     .measured = "{100 * gen.memorized:%.1f}% of {gen.samples} samples are copies (held-out test rows: "
                 "{100 * test.memorized:%.1f}%); median d1/d2 {gen.median_ratio:%.3f} (held-out: "
                 "{test.median_ratio:%.3f}); near-duplicates among the samples {100 * gen.near_duplicate:%.1f}%.",
     .holds = {{"gen.memorized", MG_LE, 0.1}},
     .partly = {{"gen.memorized", MG_LE, 0.3}}},
    {.id = "scale_new",
     .claim = "Fig. 3 (right), Cor. 3.3 up to scale: the generalizing set's samples (DAE sets, DDIM) are no copies up "
              "to scale either: at most {100 * H1:%.0f}% have d1/d2 < {ratio_threshold:%.3g} on unit-norm rows "
              "(partly: at most {100 * P1:%.0f}%).",
     .measured = "{100 * gen.unit_memorized:%.1f}% of {gen.samples} samples (held-out test rows: "
                 "{100 * test.unit_memorized:%.1f}%); median unit-norm d1/d2 {gen.median_unit_ratio:%.3f} (held-out: "
                 "{test.median_unit_ratio:%.3f}). Beside it: literally {100 * gen.memorized:%.1f}%; cosine >= "
                 "{direction_cosine:%.2f} {100 * gen.direction_copies:%.1f}% (held-out: "
                 "{100 * test.direction_copies:%.1f}%).",
     .holds = {{"gen.unit_memorized", MG_LE, 0.1}},
     .partly = {{"gen.unit_memorized", MG_LE, 0.3}},
     .note = "{?test.direction_copies > 0|A cosine threshold alone is no copy test for new samples: it flags "
             "{100 * test.direction_copies:%.1f}% of the held-out rows, which no model made.|}"},
    {.id = "in_distribution",
     .claim = "Sec. 3.2: the generalizing set's new samples are in-distribution. Holds when at least {100 * H1:%.0f}% "
              "of them fall inside the held-out samples' range ({?data.has_mog|squared Mahalanobis distance to the "
              "nearest mode of the true mixture at most the held-out 95% quantile|distance to the nearest training "
              "image and image norm both within the held-out 5-95% quantiles}); partly at {100 * P1:%.0f}%.",
     .measured = "{?data.has_mog|{100 * gen_inside_share:%.1f}% of the generalizing set's generations are within the "
                 "held-out samples' 95% quantile of squared Mahalanobis distance to the nearest mode "
                 "({test_q95_mahalanobis2:%.4g}; true mixture smoothed to sigma = {logp_sigma:%.3g}); median "
                 "{gen_median_mahalanobis2:%.4g} (generations) vs {test_median_mahalanobis2:%.4g} (held-out). "
                 "Coordinate along the nearest mode's mean direction (the means have norm 5): median "
                 "{gen_median_mean_axis:%.3g} vs {test_median_mean_axis:%.3g}; norm {gen_median_norm:%.3g} vs "
                 "{test_median_norm:%.3g}. Nearest mode: {100 * gen_mode0_share:%.0f}% mode 0, "
                 "{100 * (1 - gen_mode0_share):%.0f}% mode 1."
                 "|{100 * gen_inside_share:%.1f}% of the generalizing set's generations are inside both held-out "
                 "ranges ({100 * gen_inside_nn_dist_share:%.1f}% by distance to the nearest training image, "
                 "[{test_q05_nn_dist:%.3g}, {test_q95_nn_dist:%.3g}]; {100 * gen_inside_norm_share:%.1f}% by norm, "
                 "[{test_q05_norm:%.3g}, {test_q95_norm:%.3g}]). Medians, generations vs held-out test images: "
                 "distance to the nearest training image {gen_median_nn_dist:%.3g} vs {test_median_nn_dist:%.3g}, "
                 "norm {gen_median_norm:%.3g} vs {test_median_norm:%.3g}.}",
     .holds = {{"gen_inside_share", MG_GE, 0.9}},
     .partly = {{"gen_inside_share", MG_GE, 0.5}},
     .note = "The literal check (the rows as they are; the check up to scale follows). {?data.has_mog|One-sided (a "
             "density check): samples concentrated near a mode count as inside; the near-duplicate rate above guards "
             "against collapse.|A proxy (no density is known for images): look at the grid too.}",
     .note_unless_holds =
         "Reading: the samples stop short of the data along its mean direction (see the coordinate along the mean / "
         "the norm). Bias-free blocks (Cor. 3.3) model a mode by its second moment S_k = mu_k mu_k^T + Sigma_k, like "
         "a zero-mean Gaussian gated by the ReLU, so each denoiser shrinks the coordinate along mu_k instead of "
         "pulling it to |mu_k|; started from N(0, sigma_max^2 I) with sigma_max = {run.sigma_max:%.3g}, below the "
         "data's scale along that direction, DDIM ends near the scale of the initial noise."},
    {.id = "scale_in_dist",
     .claim = "Sec. 3.2 up to scale: the generalizing set's samples (DAE sets, DDIM) point where held-out samples do. "
              "Holds when at least {100 * H1:%.0f}% fall inside the held-out range with " INDIST_SCALED_RULE
              "; partly at {100 * P1:%.0f}%.",
     .measured = INDIST_SCALED("gen"),
     .holds = {{"gen.scaled_inside_share", MG_GE, 0.9}},
     .partly = {{"gen.scaled_inside_share", MG_GE, 0.5}},
     .note = INDIST_SCALED_NOTE("gen")},
    {.id = "tc_copies",
     .claim = "Fig. 3 (left) with the authors' model and sampler: their time-conditioned model trained on the same "
              "{data.n_mem} memorizing rows (p = {tc_mem_p} >= n) and sampled with their sampler reproduces training "
              "samples up to scale (d1/d2 < {ratio_threshold:%.3g} on unit-norm rows). Holds when at least "
              "{100 * H1:%.0f}% of samples do; partly at {100 * P1:%.0f}%.",
     .measured = "{100 * tc_mem.unit_memorized:%.1f}% of {tc_mem.samples} samples are copies up to scale (distinct "
                 "training rows: {tc_mem.unit_distinct_copied} of {data.n_mem}; median unit-norm d1/d2 "
                 "{tc_mem.median_unit_ratio:%.3f}). Beside it: literally {100 * tc_mem.memorized:%.1f}% (median d1/d2 "
                 "{tc_mem.median_ratio:%.3f}); median sample norm {tc_mem.median_norm:%.3g} vs "
                 "{tc_mem.train_median_norm:%.3g} for the training rows; near-duplicates among the samples "
                 "{100 * tc_mem.near_duplicate:%.1f}%.",
     .holds = {{"tc_mem.unit_memorized", MG_GE, 0.9}},
     .partly = {{"tc_mem.unit_memorized", MG_GE, 0.5}},
     .note = "The authors' model is positively homogeneous in x at each noise level too (a bias-free ReLU network "
             "with a scalar skip); their sampler adds fresh noise and clamps, so a sample's scale is not exactly the "
             "initial noise's, but it is not learned from the data either."},
    {.id = "tc_directions",
     .claim = "Fig. 3 (left), the authors' measure on the authors' model and sampler: the largest cosine to a "
              "training sample is at least {direction_cosine:%.2f}. Holds when at least {100 * H1:%.0f}% of samples "
              "do; partly at {100 * P1:%.0f}%.",
     .measured = "{100 * tc_mem.direction_copies:%.1f}% of {tc_mem.samples} samples (mean largest cosine "
                 "{tc_mem.mean_cos_max:%.4f}); the DAE sets with DDIM: {100 * mem.direction_copies:%.1f}%.",
     .holds = {{"tc_mem.direction_copies", MG_GE, 0.9}},
     .partly = {{"tc_mem.direction_copies", MG_GE, 0.5}},
     .needs = COSINE_INFORMATIVE,
     .note_if_na = COSINE_NOT_INFORMATIVE},
    {.id = "tc_new",
     .claim = "Fig. 3 (right) with the authors' model and sampler: their time-conditioned model trained on the "
              "{data.n_gen} generalizing rows (p = {tc_gen_p} << n) produces new samples: at most {100 * H1:%.0f}% "
              "copies up to scale (d1/d2 < {ratio_threshold:%.3g} on unit-norm rows; partly: at most "
              "{100 * P1:%.0f}%).",
     .measured = "{100 * tc_gen.unit_memorized:%.1f}% of {tc_gen.samples} samples (held-out test rows: "
                 "{100 * test.unit_memorized:%.1f}%); median unit-norm d1/d2 {tc_gen.median_unit_ratio:%.3f}. Beside "
                 "it: literally {100 * tc_gen.memorized:%.1f}% (median d1/d2 {tc_gen.median_ratio:%.3f}); cosine >= "
                 "{direction_cosine:%.2f} {100 * tc_gen.direction_copies:%.1f}%; near-duplicates among the samples "
                 "{100 * tc_gen.near_duplicate:%.1f}%.",
     .holds = {{"tc_gen.unit_memorized", MG_LE, 0.1}},
     .partly = {{"tc_gen.unit_memorized", MG_LE, 0.3}}},
    {.id = "tc_in_dist",
     .claim = "Sec. 3.2 with the authors' model and sampler, literal: its new samples are in-distribution. Holds when "
              "at least {100 * H1:%.0f}% of them fall inside the held-out samples' range (" INDIST_RULE "); partly "
              "at {100 * P1:%.0f}%.",
     .measured = INDIST_LITERAL("tc_gen"),
     .holds = {{"tc_gen.inside_share", MG_GE, 0.9}},
     .partly = {{"tc_gen.inside_share", MG_GE, 0.5}},
     .note = "The literal check, as for the DAE sets (the clamp bounds every coordinate, not the norm)."},
    {.id = "tc_scale_in_dist",
     .claim = "Sec. 3.2 with the authors' model and sampler, up to scale. Holds when at least {100 * H1:%.0f}% of its "
              "samples fall inside the held-out range with " INDIST_SCALED_RULE "; partly at {100 * P1:%.0f}%.",
     .measured = INDIST_SCALED("tc_gen"),
     .holds = {{"tc_gen.scaled_inside_share", MG_GE, 0.9}},
     .partly = {{"tc_gen.scaled_inside_share", MG_GE, 0.5}},
     .note = INDIST_SCALED_NOTE("tc_gen")},
};

const mg_section mg_sec_fig3 = {
    .id = "fig3",
    .heading = "Fig. 3: sampling with memorizing vs generalizing models",
    .weight = 16.0,
    .exp = &mg_exp_fig3,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 3, Sec. 3.1-3.2): sampling with a set of memorizing ReLU DAEs reproduces training images, "
             "while a set of generalizing DAEs produces novel images that belong to the data distribution. memgen "
             "runs it two ways side by side: the shared DAE sets sampled by deterministic DDIM (the paper's text), and "
             "the authors' time-conditioned model, trained here on the same rows, sampled by their stochastic sampler "
             "(their code). Every sample is measured against the training set its model was trained on.\n\n"
             "Copies are counted literally and up to scale. Literal: a sample is a copy when its distance to the "
             "nearest training row is under {ratio_threshold:%.3g} of its distance to the second-nearest (Gu et al. "
             "2023); this ratio is scale-sensitive, and the scale of a sample is a property of these models, not of "
             "what they store (a bias-free ReLU network is positively homogeneous, so DDIM takes a sample's scale "
             "from the initial noise). Up to scale: the largest cosine to a training row at least "
             "{direction_cosine:%.2f} (the authors' notebook measure), and the same nearest-neighbour ratio after "
             "normalising every sample and every training row to unit norm. The claims judge the paper's statement "
             "(copies of training samples) up to scale and report the literal ratio beside; the literal claims stay "
             "as they were. The in-distribution checks come both ways too: literal (the rows as they are) and up to "
             "scale (every row rescaled to the held-out rows' median norm first).",
    .dataset_intro =
        "{samples_per_model} samples from each of: the memorizing set ({data.n_mem} training rows, p = {data.p_mem}), "
        "f_emp (Eq. 3) of the same rows, and the generalizing set ({data.n_gen} training rows, p = {data.p_gen}); "
        "deterministic DDIM (x <- f + (s'/s)(x - f)) over the sets' {run.nsigmas} noise levels from sigma = "
        "{run.sigma_max:%.3g} down to {run.sigma_min:%.3g}, then x = f(x). {test.samples} held-out test rows give the "
        "reference of new samples.\n\n"
        "The authors' time-conditioned model, f(x, sigma) = W^T [relu(W x) * exp(MLP(log sigma))] + s x, trained here "
        "with sigma log-uniform in [{tc_sigma_min:%g}, {tc_sigma_max:%g}] and MSELoss, twice: on the memorizing rows "
        "(p = {tc_mem_p}, RMSprop lr {tc_mem_lr:%g}, weight decay 1e-2, {?tc_mem_batch > 0|batches of {tc_mem_batch}|"
        "full batch}, {tc_mem_steps} steps; the authors run 100k at lr 1e-3, where a run this short can end in one "
        "of RMSprop's loss spikes; last loss {tc_mem_loss:%.3g}, skip "
        "{tc_mem_skip:%.3g}) and on the generalizing rows (p = {tc_gen_p}, Adam lr {tc_gen_lr:%g}, weight decay 5e-4, "
        "batches of {tc_gen_batch} without replacement, {tc_gen_steps} steps; the authors run 200k at lr 5e-5 with "
        "p = 256; last loss {tc_gen_loss:%.3g}, skip {tc_gen_skip:%.3g}). Their sampler: x = {tc_sigma_max:%g} z, "
        "then over {tc_levels} geometric levels from {tc_sigma_max:%g} to {tc_sigma_min:%g} and a last one at 0, "
        "x <- x + (s^2 - s'^2)/s^2 (f(x) - x) + sqrt(s^2 - s'^2) z (no noise on the last step), "
        "{?isnan(tc_clamp_lo)|without a clamp|every step clamped to [{tc_clamp_lo:%.3g}, {tc_clamp_hi:%.3g}], the "
        "generalizing training rows' global minimum and maximum (the authors clamp to [-1, 1], their pixels' range)}.",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
    .wall_time_tables = "timing",
};
