/*
 * Section fig3 of `memgen reproduce` (paper Fig. 3, App. B.1, issue 6):
 * sampling with the memorizing and the generalizing DAE sets next to f_emp
 * (Eq. 3), the tables of experiment fig3 (section.h). Each set's samples are
 * measured against its own training set; held-out test rows give the
 * reference of genuinely new samples. The in-distribution check differs by
 * dataset: for the mixture its true density (one-sided), for images the
 * distance to the nearest training image and the norm (two-sided).
 */
#include "memgen/experiment/fig3.h"
#include "section.h"

static const mg_sec_scaled SCALED[] = {
    {"samples_per_model", {12, 300, 1000}},
    {"heldout_reference_rows", {40, 500, 2000}},
};

/* The four sets of rows as series of a histogram of one column (or expression). */
#define SET_SERIES(y_)                                                                                                \
    {{.table = "mem_measures", .y = y_, .label = "memorizing set"},                                                   \
     {.table = "emp_measures", .y = y_, .label = "f_emp (Eq. 3)"},                                                    \
     {.table = "gen_measures", .y = y_, .label = "generalizing set"},                                                 \
     {.table = "test_measures", .y = y_, .label = "held-out test rows"}}

/* An image dataset's grid of one sampled set over its nearest training images. */
#define GRID(key, label_)                                                                                             \
    {.id = key "_grid", .when = key "_grid.rows", .kind = MG_FIG_IMAGES, .array = key "_grid",                        \
     .caption = label_ ": the first {grid_samples} generations (rows 1 and 3) and, below each, its nearest training "  \
                       "image (rows 2 and 4); d1/d2 < 1/3 marks a copy."}

static const mg_figure_spec FIGURES[] = {
    {.id = "ratio",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: nearest-neighbour ratio of samples",
     .xlabel = "d1 / d2 (distance to nearest / second-nearest training row)",
     .ylabel = "density",
     .caption = "Memorized samples sit left of the threshold (a near copy of one training row); new samples have d1/d2 "
                "near 1.",
     .series = SET_SERIES("ratio"),
     .vlines = {{.at = "ratio_threshold", .label = "threshold {ratio_threshold:%.3g}"}},
     .bins = 30,
     .lo = "0",
     .hi = "1"},
    {.id = "cos_max",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: largest cosine to a training row",
     .xlabel = "max cosine similarity to the training set",
     .ylabel = "density (log)",
     .caption = "A copy of a training row has cosine 1 (log scale: f_emp's copies pile up in the last bin).",
     .series = SET_SERIES("cos_max"),
     .bins = 30,
     .hi = "1",
     .ylog = 1},
    {.id = "mahalanobis",
     .when = "data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest mode (true mixture)",
     .xlabel = "log10 squared Mahalanobis distance to the nearest mode (covariance + sigma_min^2 I)",
     .ylabel = "density",
     .caption = "In-distribution check: generations should sit where held-out samples do (left of the dashed line).",
     .series = SET_SERIES("log10(mahalanobis2_nearest)"),
     .vlines = {{.at = "log10(test_q95_mahalanobis2)", .label = "held-out 95% quantile"}},
     .bins = 30},
    {.id = "nn_dist",
     .when = "!data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: distance to the nearest training image",
     .xlabel = "Euclidean distance to the nearest training image (d1)",
     .ylabel = "density",
     .caption = "In-distribution check: generations should be about as far from the training set as held-out test "
                "images (between the dashed lines); copies sit at 0.",
     .series = SET_SERIES("d1"),
     .vlines = {{.at = "test_q05_nn_dist", .label = "held-out 5% and 95% quantiles"}, {.at = "test_q95_nn_dist"}},
     .bins = 30,
     .lo = "0"},
    {.id = "norm",
     .when = "!data.has_mog",
     .kind = MG_FIG_HIST,
     .title = "{data.name}: image norm",
     .xlabel = "Euclidean norm of the image",
     .ylabel = "density",
     .caption = "Brightness check: generations should be as bright as held-out images (between the dashed lines).",
     .series = SET_SERIES("norm"),
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
};

static const mg_page_table_spec TABLES[] = {
    {.table = "sets",
     .caption = "Memorization measures of each set of samples against its own training set. The last row is the "
                "reference of genuinely new samples: held-out test rows measured against the generalizing training "
                "set.",
     .cols = {{"denoiser / rows", "{set}"},
              {"training rows", "{training_rows}"},
              {"samples", "{samples}"},
              {"memorized (d1/d2 < 1/3)", "{memorized:%.3f}"},
              {"distinct training rows copied", "{distinct_copied}"},
              {"median d1/d2", "{median_ratio:%.3f}"},
              {"mean max cosine", "{mean_cos_max:%.3f}"},
              {"near-duplicates among samples", "{?isnan(near_duplicate)|n/a|{near_duplicate:%.3f}}"},
              {"sampling seconds", "{?isnan(sampling_seconds)||{sampling_seconds:%.2f}}"}}},
};

static const mg_claim_spec CLAIMS[] = {
    {.id = "copies",
     .claim = "Fig. 3 (left), Cor. 3.2: sampling with a memorizing DAE set ({data.name}, n = {data.n_mem}, p = "
              "{data.p_mem} >= n) reproduces training samples. Holds when at least {100 * H1:%.0f}% of samples are "
              "copies (d1/d2 < 1/3); partly at {100 * P1:%.0f}%.",
     .measured = "{100 * mem.memorized:%.1f}% of {mem.samples} samples are copies (distinct training rows copied: "
                 "{mem.distinct_copied} of {data.n_mem}); median d1/d2 {mem.median_ratio:%.3f}; mean max cosine "
                 "{mem.mean_cos_max:%.4f}.",
     .holds = {{"mem.memorized", MG_GE, 0.9}},
     .partly = {{"mem.memorized", MG_GE, 0.5}}},
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
     .note = "A bias-free ReLU DAE is positively homogeneous (f(cx) = c f(x)), and so is DDIM with a set of them: a "
             "sample's scale is set by the initial noise N(0, sigma_max^2 I), not by the data. Memorized directions "
             "therefore come out as scaled copies, which the distance ratio above does not count; superpositions of "
             "several stored samples also persist, since no step makes the active units compete."},
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
                 "{test_median_norm:%.3g}. Nearest mode: {100 * gen_mode1_share:%.0f}% mode 1, "
                 "{100 * (1 - gen_mode1_share):%.0f}% mode 2."
                 "|{100 * gen_inside_share:%.1f}% of the generalizing set's generations are inside both held-out "
                 "ranges ({100 * gen_inside_nn_dist_share:%.1f}% by distance to the nearest training image, "
                 "[{test_q05_nn_dist:%.3g}, {test_q95_nn_dist:%.3g}]; {100 * gen_inside_norm_share:%.1f}% by norm, "
                 "[{test_q05_norm:%.3g}, {test_q95_norm:%.3g}]). Medians, generations vs held-out test images: "
                 "distance to the nearest training image {gen_median_nn_dist:%.3g} vs {test_median_nn_dist:%.3g}, "
                 "norm {gen_median_norm:%.3g} vs {test_median_norm:%.3g}.}",
     .holds = {{"gen_inside_share", MG_GE, 0.9}},
     .partly = {{"gen_inside_share", MG_GE, 0.5}},
     .note = "{?data.has_mog|One-sided (a density check): samples concentrated near a mode count as inside; the "
             "near-duplicate rate above guards against collapse.|A proxy (no density is known for images): look at "
             "the grid too.}",
     .note_unless_holds =
         "Reading: the samples stop short of the data along its mean direction (see the coordinate along the mean / "
         "the norm). Bias-free blocks (Cor. 3.3) model a mode by its second moment S_k = mu_k mu_k^T + Sigma_k, like "
         "a zero-mean Gaussian gated by the ReLU, so each denoiser shrinks the coordinate along mu_k instead of "
         "pulling it to |mu_k|; started from N(0, sigma_max^2 I) with sigma_max = {run.sigma_max:%.3g}, below the "
         "data's scale along that direction, DDIM ends near the scale of the initial noise."},
};

const mg_section mg_sec_fig3 = {
    .id = "fig3",
    .heading = "Fig. 3: sampling with memorizing vs generalizing DAE sets",
    .weight = 1.0,
    .exp = &mg_exp_fig3,
    .paper_data = "fmnist",
    .scaled = SCALED,
    .nscaled = MG_SEC_COUNT_OF(SCALED),
    .intro = "Paper (Fig. 3, Sec. 3.1-3.2): sampling with a set of memorizing ReLU DAEs reproduces training images, "
             "while a set of generalizing DAEs produces novel images that belong to the data distribution. memgen "
             "samples with the shared DAE sets and measures every sample against the training set the set was trained "
             "on: a sample is a copy when its distance to the nearest training row is under a third of its distance to "
             "the second-nearest (Gu et al. 2023).",
    .dataset_intro = "{samples_per_model} samples from each of: the memorizing set ({data.n_mem} training rows, p = "
                     "{data.p_mem}), f_emp (Eq. 3) of the same rows, and the generalizing set ({data.n_gen} training "
                     "rows, p = {data.p_gen}); deterministic DDIM (x <- f + (s'/s)(x - f)) over the sets' "
                     "{run.nsigmas} noise levels from sigma = {run.sigma_max:%.3g} down to {run.sigma_min:%.3g}, then "
                     "x = f(x). {test.samples} held-out test rows give the reference of new samples.",
    .figures = FIGURES,
    .nfigures = MG_SEC_COUNT_OF(FIGURES),
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .claims = CLAIMS,
    .nclaims = MG_SEC_COUNT_OF(CLAIMS),
};
