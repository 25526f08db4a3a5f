/*
 * The "Setup" section of `memgen reproduce`: the shared datasets and their
 * trained DAE sets (experiment setup), and the data parameters at each
 * scale that the data stage builds them with.
 */
#include "memgen/experiment/setup.h"
#include "section.h"

/* The Gaussian mixture's sizes and training at each scale (smoke, quick, full). */
static const mg_sec_scaled MOG_DATA[] = {
    {"d", {64, 1000, 1000}},
    {"n_gen", {500, 10000, 10000}},
    {"n_test", {100, 500, 2000}},
    {"mem_train.steps", {3000, 20000, 200000}},
    {"gen_train.hidden", {16, 50, 50}},
    {"gen_train.steps", {300, 1500, 20000}},
};

/* The mixture as the paper states it (App. B.1: covariance eigenvalues
 * 0.9^j): the second, labelled mixture run, where Definition 3.1's margin and
 * Theorem 3.1's masks fail. */
static const mg_sec_scaled MOG_PAPER_DATA[] = {
    {"d", {64, 1000, 1000}},
    {"cov_scale", {1, 1, 1}},
    {"n_gen", {500, 10000, 10000}},
    {"n_test", {100, 500, 2000}},
    {"mem_train.steps", {3000, 20000, 200000}},
    {"gen_train.hidden", {16, 50, 50}},
    {"gen_train.steps", {300, 1500, 20000}},
};

/* Fashion-MNIST's. */
static const mg_sec_scaled FMNIST_DATA[] = {
    {"n_gen", {500, 10000, 10000}},
    {"n_test", {100, 1000, 2000}},
    {"mem_train.steps", {3000, 20000, 200000}},
    {"gen_train.hidden", {16, 64, 64}},
    {"gen_train.steps", {300, 1500, 20000}},
};

/* The run's datasets in slot order (a dataset's slot is part of its
 * experiments' generator forks, so adding one at the end moves no bits). */
static const mg_sec_dataset DATASETS[] = {
    {MG_EXP_MOG, NULL, MOG_DATA, MG_SEC_COUNT_OF(MOG_DATA)},
    {MG_EXP_FMNIST, NULL, FMNIST_DATA, MG_SEC_COUNT_OF(FMNIST_DATA)},
    {MG_EXP_MOG, "mog_paper", MOG_PAPER_DATA, MG_SEC_COUNT_OF(MOG_PAPER_DATA)},
};

static const mg_page_table_spec TABLES[] = {
    {.table = "trained_sets",
     .join = "train_seconds",
     .caption = "The trained DAE sets (one DAE per noise level).",
     .cols = {{"data", "{dataset}"},
              {"regime", "{regime}"},
              {"n", "{n}"},
              {"d", "{d}"},
              {"p", "{p}"},
              {"optimizer", "{optimizer}"},
              {"lr", "{lr:%g}"},
              {"weight decay", "{weight_decay:%g}"},
              {"batch", "{batch}"},
              {"steps per level", "{steps}"},
              {"train seconds", "{seconds:%.1f}"}}},
    {.table = "datasets",
     .caption = "The memorizing sets and the separability of Def. 3.1 behind Cor. 3.2: it asks for rows that are not "
                "positively correlated; when they are, App. A.1 / Fig. 11 expect processed versions of the data in W1 "
                "rather than the raw samples.",
     .cols = {{"data", "{dataset}"},
              {"memorizing rows", "{n_mem}"},
              {"largest pairwise cosine", "{mem_max_cosine:%.3f}"},
              {"separable", "{?separable|yes|no}"},
              {"held-out rows", "{n_test}"},
              {"centred", "{?centered|yes (the mean image is subtracted)|no}"}}},
};

const mg_section mg_sec_setup = {
    .id = "setup",
    .heading = "Setup: data and trained DAE sets",
    .weight = 0,
    .exp = &mg_exp_setup,
    .dataset_intro =
        "Every figure below reuses these DAE sets: tied, bias-free ReLU DAEs f(x) = W2 relu(W1^T x) (Eq. 5), one per "
        "noise level of the VE grid sigma = {sigma_min} .. {sigma_max} ({nsigmas} geometric levels; the middle one "
        "is sigma = {sigma_ref}, the level the paper's single-DAE figures use), trained with PyTorch's MSELoss plus "
        "coupled weight decay (the authors' code; App. B.1). Memorizing sets follow App. B.1 (RMSprop, lr 1e-3, wd "
        "1e-2, full batch) with fewer steps; generalizing sets use Adam (lr 1e-3, wd 1e-4, batch 256) for a few "
        "thousand steps instead of RMSprop for 4e7 steps. Two Gaussian mixtures run: both have the paper's means "
        "mu_1 = -mu_2 = 5 e_1 and covariances with eigenvalues c x 0.9^j in random bases; \"mog\" has tight modes "
        "(c = 0.1), where Definition 3.1's margin and Theorem 3.1's masks hold, and \"mog_paper\" has c = 1 as App. "
        "B.1 states it, where they fail for most rows. Two memorizing samples of one mode have cosine about "
        "|mu|^2 / (|mu|^2 + tr Sigma) > 0 (0.96 and 0.71), so no mixture's memorizing set is separable in the "
        "sense of Def. 3.1.{?fmnist_used| Fashion-MNIST stands in for CelebA, with pixels in [0, 1] minus the "
        "mean image of the generalizing set (a bias-free DAE is positively homogeneous, f(cx) = c f(x), and cannot "
        "output a constant offset; grids add the mean back): the memorizing set holds 5 training images picked for "
        "separability among the whole training split (greedy smallest pairwise cosine, then pairwise swaps; the "
        "run stops if the largest cosine is not negative), the generalizing set the first training "
        "images.|{?run.fmnist_wanted| Fashion-MNIST was not found (install the Debian package "
        "dataset-fashion-mnist), so only the MoG parts run.| Fashion-MNIST was switched off for this run.}}",
    .tables = TABLES,
    .ntables = MG_SEC_COUNT_OF(TABLES),
    .wall_time_tables = "train_seconds",
    .datasets = DATASETS,
    .ndatasets = MG_SEC_COUNT_OF(DATASETS),
};
