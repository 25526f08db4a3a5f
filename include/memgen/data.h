/*
 * memgen data: the datasets of the paper's experiments.
 *
 *  - Gaussian mixtures (paper Eq. 4, App. A.1 / B.1): parameters (mg_mog_make)
 *    and exact-count or weight-drawn samples (mg_mog_sample);
 *  - duplicated subsets and injected rank-1 clusters (Cor. 3.4, App. A.4);
 *  - image preprocessing shared by Fashion-MNIST and PNG folders: resize
 *    (Pillow's bilinear exactly, plain bilinear, or area), center crop,
 *    grayscale/RGB, scaling, centering;
 *  - Fashion-MNIST from the Debian package dataset-fashion-mnist;
 *  - seeded train/test splits.
 *
 * Randomness: every function takes an mg_rng and derives independent
 * sub-streams with mg_rng_fork(rng, id) for fixed purpose ids (listed below);
 * none advances the caller's rng, so one seed gives the same dataset on any
 * machine thread count, and a function's result does not depend on which
 * other functions were called before it.
 */
#ifndef MEMGEN_DATA_H
#define MEMGEN_DATA_H

#include <math.h>
#include "memgen/core.h"
#include "memgen/mog.h"
#include "memgen/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mg_rng_fork purpose ids used by this module. */
enum {
    MG_FORK_MOG_MEANS = 0x4d01,   /* random mean directions */
    MG_FORK_MOG_BASIS = 0x4d10,   /* + k: eigenbasis of component k */
    MG_FORK_MOG_LABELS = 0x4d02,  /* component of each sample (weight-drawn) */
    MG_FORK_MOG_SHUFFLE = 0x4d03, /* row shuffle */
    MG_FORK_MOG_NOISE = 0x4e00,   /* + k: z ~ N(0, I) of component k's samples */
    MG_FORK_DUP_PICK = 0x4401,    /* which rows are duplicated */
    MG_FORK_DUP_INJECT = 0x4402,  /* directions of injected rank-1 points */
    MG_FORK_DUP_JITTER = 0x4403,  /* noise added to copies */
    MG_FORK_SUBSET = 0x5301,      /* random subsets (Fashion-MNIST n) */
    MG_FORK_SPLIT = 0x5302        /* train/test split */
};

/* ---- Gaussian mixtures (Eq. 4) -------------------------------------------- */

/* How to build a mixture. Means: the K unit vectors with all pairwise cosines
 * equal to mean_cosine (c >= -1/(K-1)) are, in an orthonormal basis q_1..q_r,
 *   w_k = sqrt(1 - c) * (h_1[k], ..., h_{K-1}[k]) (+ sqrt((1 + (K-1) c) / K) on q_K),
 * where h_j = (1, ..., 1, -j, 0, ..., 0) / sqrt(j (j+1)) (j ones) are the
 * Helmert vectors spanning the complement of (1, ..., 1); the last coordinate
 * exists only when c > -1/(K-1), so r = K-1 or K. mu_k = mean_scale * sum_j
 * w_k[j] q_j with q_j = e_j (mean_random = 0) or the columns of a random
 * orthonormal d x r matrix (mean_random = 1). For K = 2 and the default
 * c = -1 this is the paper's mu_1 = -mu_2 = 5 e_1.
 * Covariances: Sigma_k = B_k diag(ev) B_k^T with ev_j = cov_scale * cov_rate^j
 * for j < cov_rank and 0 beyond (j = 0 .. d-1); B_k = I (cov_random = 0) or a
 * Haar-random orthogonal matrix per component (QR of a Gaussian matrix with
 * the signs of R's diagonal moved into Q). */
typedef struct {
    int K;                 /* number of components, >= 1 */
    int64_t d;             /* dimension, >= r above */
    const double *weights; /* K positive weights (normalised to sum 1), or NULL = uniform */
    double mean_scale;     /* ||mu_k||, >= 0 */
    double mean_cosine;    /* pairwise cosine of the means; NAN = -1/(K-1) (most separated) */
    int mean_random;       /* 0: means in span(e_1..e_r); 1: random orthonormal directions */
    double cov_scale;      /* largest eigenvalue, > 0 */
    double cov_rate;       /* eigenvalue ratio, in (0, 1] */
    int64_t cov_rank;      /* number of nonzero eigenvalues, 1..d; 0 = d */
    int cov_random;        /* 1: random eigenbasis per component; 0: axis-aligned */
} mg_mog_spec;

/* The paper's MoG (App. A.1 / B.1): K = 2, d = 1000, mu_1 = -mu_2 = 5 e_1,
 * ev_j = 0.9^j (the paper says only "exponentially decaying"; memgen's choice),
 * full rank, random eigenbases. */
#define MG_MOG_SPEC_DEFAULT {2, 1000, NULL, 5.0, NAN, 0, 1.0, 0.9, 0, 1}

/* Builds the mixture described by *s into *out (caller frees with
 * mg_mog_free). Uses forks MG_FORK_MOG_MEANS and MG_FORK_MOG_BASIS + k. */
mg_status mg_mog_make(const mg_mog_spec *s, const mg_rng *rng, mg_mog *out);

/* Draws n samples x = mu_k + B_k diag(sqrt(ev_k)) z, z ~ N(0, I) (Eq. 4).
 * counts (K entries summing to n) fixes how many come from each component,
 * written grouped by component (0's first); counts = NULL draws each sample's
 * component from the weights. shuffle != 0 permutes the rows afterwards.
 * X: n x d floats, labels: n component indices (may be NULL); caller-owned.
 * The z of component k come from fork MG_FORK_MOG_NOISE + k in order, so the
 * first m samples of a component do not depend on n or on other components. */
mg_status mg_mog_sample(const mg_mog *m, int64_t n, const int64_t *counts, int shuffle, const mg_rng *rng,
                        float *X, int64_t *labels);

/* A random d x k matrix with orthonormal columns (k <= d), Haar-distributed:
 * QR (LAPACKE dgeqrf/dorgqr) of a Gaussian matrix drawn from *rng (advanced),
 * each column multiplied by the sign of R's diagonal entry. Q is d x k,
 * row-major, caller-allocated. */
mg_status mg_random_orthonormal(mg_rng *rng, int64_t d, int64_t k, double *Q);

/* ---- duplicated subsets (Cor. 3.4, App. A.4) ------------------------------- */

typedef struct {
    int64_t count;      /* m: number of distinct duplicated points, >= 1 */
    int64_t times;      /* c: occurrences of each in the output, >= 2 */
    int inject;         /* 0: pick m existing rows (without replacement);
                           1: add m new points (random directions, rank-1 clusters) */
    double inject_norm; /* norm of injected points; <= 0: the median row norm of X */
    double jitter;      /* std of Gaussian noise added to each extra copy (0 = exact) */
} mg_dup_spec;

/* Result of mg_data_duplicate; free with mg_dup_result_free. */
typedef struct {
    int64_t n;       /* rows out: n_in + m (c-1) (pick) or n_in + m c (inject) */
    int64_t d;
    float *X;        /* n x d: the input rows unchanged, then the new rows */
    int64_t *group;  /* n: row index (in the output) of the first occurrence of this
                        row's duplicated point, or -1 if the row is not duplicated;
                        so for picked points it is the original row's index */
    int64_t *labels; /* n, only if labels were given: copies inherit their source's
                        label, injected points get -1; else NULL */
} mg_dup_result;

/* Appends duplicates: for each picked (or injected) point p, the output holds
 * c rows equal to p (the copies beyond the first with optional jitter). The
 * copies of one point are consecutive, points in the order picked. Picks use
 * fork MG_FORK_DUP_PICK, injected directions MG_FORK_DUP_INJECT, jitter
 * MG_FORK_DUP_JITTER. labels (n_in) may be NULL. */
mg_status mg_data_duplicate(const float *X, int64_t n, int64_t d, const int64_t *labels, const mg_dup_spec *s,
                            const mg_rng *rng, mg_dup_result *out);
void mg_dup_result_free(mg_dup_result *r);

/* ---- image preprocessing ---------------------------------------------------- */

typedef enum {
    /* Pillow's Image.resize(..., BILINEAR) bit for bit (what torchvision's
     * Resize does to PIL images, antialias always on): a triangle filter whose
     * support widens by in/out when shrinking, separable (horizontal pass then
     * vertical), 8-bit coefficients with 22 fractional bits, uint8 rounding
     * after each pass. Upscaling is plain bilinear with half-pixel centers
     * plus that rounding. */
    MG_RESIZE_PIL = 0,
    /* Plain bilinear in float, half-pixel centers, clamped at the borders, no
     * antialiasing: torch.nn.functional.interpolate(mode="bilinear",
     * align_corners=False, antialias=False). Equal to MG_RESIZE_PIL when
     * upscaling up to the 8-bit rounding. */
    MG_RESIZE_BILINEAR = 1,
    /* Area (box) averaging in float: output pixel i averages input pixels
     * floor(i in/out) .. ceil((i+1) in/out) - 1 with equal weights, as
     * torch's interpolate(mode="area") / adaptive_avg_pool2d. Exact block
     * means for integer factors. */
    MG_RESIZE_AREA = 2
} mg_resize_kind;

typedef enum {
    MG_SCALE_PM1 = 0,  /* u / 255 * 2 - 1 in float32 (ToTensor then x*2-1, the authors' recipe) */
    MG_SCALE_UNIT,     /* u / 255 in [0, 1] (ToTensor) */
    MG_SCALE_RAW,      /* u in 0..255 */
    MG_SCALE_STANDARDIZE /* (u/255 - m) / s with the scalar mean m and std s over the whole dataset */
} mg_scale_kind;

/* Per-image pipeline: resize -> center crop -> channels -> scale (-> center). */
typedef struct {
    int resize_h, resize_w; /* exact output size; 0 = no exact resize */
    int resize_short;       /* alternatively: shorter side to this, keeping the aspect ratio
                               (torchvision Resize(int)); 0 = off */
    int crop_h, crop_w;     /* center crop after resizing (torchvision CenterCrop); 0 = none */
    mg_resize_kind resize;  /* resampling */
    int channels;           /* 1 = grayscale (PIL convert("L") luma), 3 = RGB, 0 = as stored */
    int chw;                /* RGB rows as channels-first (PyTorch tensor layout) if nonzero, else HWC */
    mg_scale_kind scale;
    int center;             /* subtract the per-feature mean over the dataset */
} mg_image_prep;

#define MG_IMAGE_PREP_DEFAULT {0, 0, 0, 0, 0, MG_RESIZE_PIL, 0, 1, MG_SCALE_PM1, 0}

/* Resamples uint8 h x w x c (HWC) to oh x ow x c with Pillow's BILINEAR
 * (MG_RESIZE_PIL above). out is caller-allocated (oh*ow*c bytes). */
mg_status mg_resize_u8_pil(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow);

/* Resamples float h x w x c (HWC) to oh x ow x c with MG_RESIZE_BILINEAR or
 * MG_RESIZE_AREA. out is caller-allocated (oh*ow*c floats). */
mg_status mg_resize_f32(const float *in, int h, int w, int c, float *out, int oh, int ow, mg_resize_kind kind);

/* Output size of the pipeline for an h x w x c image: *oh, *ow, *oc. */
mg_status mg_image_prep_shape(const mg_image_prep *p, int h, int w, int c, int *oh, int *ow, int *oc);

/* Runs resize, crop, channel conversion and the per-pixel part of the scaling
 * on one uint8 (h, w, c) image, writing oh*ow*oc floats to row (caller-
 * allocated; size from mg_image_prep_shape). `name` is used in messages.
 * With MG_RESIZE_PIL every step rounds to uint8 like Pillow; the float
 * methods keep full precision and use luma (19595 R + 38470 G + 7471 B)/65536.
 * For MG_SCALE_STANDARDIZE the row holds u/255; mg_image_finish completes it. */
mg_status mg_image_prepare(const mg_array *img, const mg_image_prep *p, const char *name, float *row);

/* Dataset-level steps on X (n x D): standardisation (p->scale ==
 * MG_SCALE_STANDARDIZE: *std_mean / *std_std receive m and s) and centering
 * (p->center: mean_out, D floats, caller-allocated or NULL, receives the
 * subtracted mean image). Means and variances accumulate in double. */
mg_status mg_image_finish(float *X, int64_t n, int64_t D, const mg_image_prep *p, float *mean_out,
                          double *std_mean, double *std_std);

/* ---- Fashion-MNIST ------------------------------------------------------------ */

#define MG_FMNIST_DIR "/usr/share/datasets/fashion-mnist"

typedef struct {
    const char *dir;     /* folder of the four .gz files; NULL = MG_FMNIST_DIR */
    int train;           /* 1: train (60000), 0: test (t10k, 10000) */
    uint32_t class_mask; /* bit k keeps class k (0..9); 0 = all classes */
    int64_t n;           /* how many to keep after the class filter; 0 = all */
    int random;          /* 0: the first n; 1: a seeded random subset of n (kept in file order) */
} mg_fmnist_opts;

/* Loads the selected Fashion-MNIST images as uint8 (n, 28, 28, 1) with their
 * labels (n int64, 0..9) and their indices in the file (n int64); caller frees
 * all three (labels/index via free). The random subset uses fork
 * MG_FORK_SUBSET. A missing folder or file gives MG_ERR_NOT_FOUND saying to
 * install the Debian package dataset-fashion-mnist. */
mg_status mg_fmnist_load(const mg_fmnist_opts *o, const mg_rng *rng, mg_array *images, int64_t **labels,
                         int64_t **index);

/* ---- image folders ------------------------------------------------------------ */

/* The PNG files of a folder, sorted by name (bytewise, so the order is the
 * same on every machine). */
typedef struct {
    int64_t n;
    char **paths;      /* n full paths */
    int64_t *labels;   /* n class indices (0 without class folders) */
    int nclasses;
    char **classes;    /* nclasses class folder names, sorted (NULL without) */
} mg_file_list;

/* Lists the *.png files (extension case-insensitive) directly in dir, or with
 * class_folders != 0 those in its immediate subfolders (torchvision
 * ImageFolder layout: label = index of the sorted subfolder). Hidden entries
 * are skipped. No PNG found is MG_ERR_NOT_FOUND. Free with mg_file_list_free. */
mg_status mg_list_pngs(const char *dir, int class_folders, mg_file_list *out);
void mg_file_list_free(mg_file_list *l);

/* ---- splits ----------------------------------------------------------------------- */

/* Marks n_test = round(n * test_fraction) rows as test (is_test[i] = 1), chosen
 * uniformly at random (fork MG_FORK_SPLIT), the rest train (0). Requires
 * 0 <= test_fraction <= 1. is_test: n entries, caller-allocated. */
mg_status mg_data_split(int64_t n, double test_fraction, const mg_rng *rng, uint8_t *is_test, int64_t *n_test);

#ifdef __cplusplus
}
#endif
#endif /* MEMGEN_DATA_H */
