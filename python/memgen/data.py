"""The datasets of the paper's experiments, as `memgen data` makes them (same defaults, same seed, same
bits): Gaussian mixtures (Eq. 4, App. A.1 / B.1) with their density and true denoiser f_gt, Fashion-MNIST
from the Debian package dataset-fashion-mnist, duplicated points (Cor. 3.4, App. A.4), seeded train/test
splits, and the duplicate groups the closed forms memorise.

Samples are float32 rows (n x d), labels int64.
"""
import os

import numpy as np

from ._core import (Error, as_f64, as_float, as_index, as_int, as_matrix, check, compact_labels, copy_c, f64_ptr, ffi,
                    finite_mat, i64_ptr, lib, mat, new_matrix, rng)

__all__ = ["MoG", "fashion_mnist", "duplicate", "split", "split_duplicates"]


# ---- Gaussian mixtures -------------------------------------------------------------------------------


class MoG:
    """A Gaussian mixture p(x) = sum_k rho_k N(mu_k, Sigma_k) (paper Eq. 4), each covariance held by its
    eigendecomposition Sigma_k = B_k diag(ev_k) B_k^T. MoG(weights, means, eigvals, bases=None) from
    arrays (K, K x d, K x d descending, K x d x d with eigenvectors as columns; None: the standard
    basis), MoG.make(...) as `memgen data mog`, MoG.load(path) for the CLI's parameter file."""

    def __init__(self, weights, means, eigvals, bases=None):
        mu = np.asarray(means)
        if mu.ndim != 2:
            raise Error("means: expected K x d, got shape %s" % (mu.shape,), "MG_ERR_SHAPE")
        K, d = mu.shape
        self._new()
        check(lib.mg_mog_alloc(self._m, as_int(K, "K", 1), as_int(d, "d", 1)))
        for field, value, size in (("weights", weights, K), ("means", mu, K * d), ("eigvals", eigvals, K * d),
                                   ("bases", bases, K * d * d)):
            if value is not None:
                a = as_f64(value, field, size)
                ffi.memmove(getattr(self._m, field), ffi.from_buffer(a), a.nbytes)
        check(lib.mg_mog_validate(self._m))
        self._meta = {}

    def _new(self):
        self._m = ffi.gc(ffi.new("mg_mog *"), lib.mg_mog_free)

    @classmethod
    def load(cls, path):
        """Reads a mixture parameter file (`memgen data mog --params-out`), checked by mg_mog_validate."""
        obj = cls.__new__(cls)
        obj._new()
        check(lib.mg_mog_load(os.fsencode(path), obj._m))
        obj._meta = {}
        return obj

    def save(self, path):
        """Writes the parameter file (with the generator's options as metadata when made by make)."""
        keys = [ffi.new("char[]", k.encode()) for k in self._meta]
        vals = [ffi.new("char[]", v.encode()) for v in self._meta.values()]
        check(lib.mg_mog_save_with_meta(self._m, os.fsencode(path), len(keys), ffi.new("char *[]", keys),
                                        ffi.new("char *[]", vals)))

    @classmethod
    def make(cls, K=2, d=1000, weights=None, mean_scale=5.0, mean_cosine=None, mean_dirs="axis", cov_scale=1.0,
             cov_rate=0.9, cov_rank=None, cov_basis="random", seed=0):
        """The mixture `memgen data mog` builds (mg_mog_make), with its defaults: the paper's MoG
        (App. A.1 / B.1) K = 2, d = 1000, mu_1 = -mu_2 = 5 e_1, eigenvalues cov_scale * cov_rate^j
        (j = 0..d-1) in a random orthonormal basis per component. weights: K numbers, normalised (None:
        uniform; the CLI uses a --n-per-mode list as weights: pass the same list here); mean_cosine:
        pairwise cosine of the means (None: -1/(K-1), the most separated); mean_dirs "axis" | "random";
        cov_rank: nonzero eigenvalues (None: d); cov_basis "random" | "axis". seed: as --seed."""
        for name, value in (("mean_dirs", mean_dirs), ("cov_basis", cov_basis)):
            if value not in ("axis", "random"):
                raise Error("%s must be 'axis' or 'random', got %r" % (name, value))
        K, d = as_int(K, "K", 1), as_int(d, "d", 1)
        rank = 0 if cov_rank is None else as_int(cov_rank, "cov_rank", 1)
        spec = ffi.new("mg_mog_spec *", lib.mg_mog_spec_default())
        w = None if weights is None else as_f64(weights, "weights", K)
        spec.K, spec.d, spec.weights = K, d, ffi.NULL if w is None else f64_ptr(w)
        spec.mean_scale, spec.cov_scale = as_float(mean_scale, "mean_scale"), as_float(cov_scale, "cov_scale")
        spec.cov_rate = as_float(cov_rate, "cov_rate")
        spec.mean_cosine = float("nan") if mean_cosine is None else as_float(mean_cosine, "mean_cosine")
        spec.mean_random, spec.cov_random, spec.cov_rank = mean_dirs == "random", cov_basis == "random", rank
        obj = cls.__new__(cls)
        obj._new()
        check(lib.mg_mog_make(spec, rng(seed), obj._m))
        cos = (-1.0 / (K - 1) if K > 1 else 1.0) if mean_cosine is None else spec.mean_cosine
        obj._meta = {"mog.mean_scale": "%.17g" % mean_scale, "mog.mean_cosine": "%.17g" % cos,
                     "mog.cov_scale": "%.17g" % cov_scale, "mog.cov_rate": "%.17g" % cov_rate,
                     "mog.cov_rank": "%d" % (rank or d), "mog.seed": "%d" % seed, "mog.mean_dirs": mean_dirs,
                     "mog.cov_basis": cov_basis}
        return obj

    @property
    def K(self):
        """Number of components."""
        return int(self._m.K)

    @property
    def d(self):
        """Dimension."""
        return int(self._m.d)

    weights = property(lambda self: copy_c(self._m.weights, self.K, np.float64), doc="rho_k (K, sum 1).")
    means = property(lambda self: copy_c(self._m.means, self.K * self.d, np.float64, (self.K, self.d)),
                     doc="mu_k (K x d).")
    eigvals = property(lambda self: copy_c(self._m.eigvals, self.K * self.d, np.float64, (self.K, self.d)),
                       doc="Covariance eigenvalues (K x d, each row descending).")
    bases = property(lambda self: copy_c(self._m.bases, self.K * self.d ** 2, np.float64, (self.K, self.d, self.d)),
                     doc="Covariance eigenbases B_k (K x d x d, eigenvectors as columns).")

    def sample(self, n_per_mode=None, n=None, shuffle=False, seed=0):
        """Draws samples x = mu_k + B_k diag(sqrt(ev_k)) z (mg_mog_sample) as `memgen data mog`:
        n_per_mode samples of each component (one number or K; rows grouped by component; None: 5000),
        or n samples with components drawn from the weights. shuffle permutes the rows. Returns
        (X n x d float32, labels int64 component of each row)."""
        if n is not None and n_per_mode is not None:
            raise Error("give either n or n_per_mode, not both")
        counts = None
        if n is None:
            per = np.asarray(5000 if n_per_mode is None else n_per_mode).reshape(-1)
            if per.size == 1:
                per = np.repeat(per, self.K)
            counts = as_index(per, "n_per_mode", self.K)
            if np.any(counts < 0):
                raise Error("n_per_mode: counts must be >= 0")
            total = int(counts.sum())
        else:
            total = as_int(n, "n", 1)
        if total < 1:
            raise Error("no samples requested")
        X, lab = new_matrix(total, self.d), np.empty(total, dtype=np.int64)
        check(lib.mg_mog_sample(self._m, ffi.NULL if counts is None else i64_ptr(counts), int(bool(shuffle)),
                                rng(seed), mat(X), i64_ptr(lab)))
        return X, lab

    def logpdf(self, Y, sigma=0.0, maha2=False):
        """log p_sigma(y) of every row of Y: the mixture smoothed by N(0, sigma^2 I) (sigma = 0: itself;
        mg_mog_logpdf), float64. maha2=True also returns the squared Mahalanobis distances (m x K)."""
        Ya = as_matrix(Y, "logpdf: Y", cols=self.d)
        logp = np.empty(Ya.shape[0])
        m2 = np.empty((Ya.shape[0], self.K)) if maha2 else None
        check(lib.mg_mog_logpdf(self._m, finite_mat(Ya, "logpdf: Y"), as_float(sigma, "sigma"), f64_ptr(logp),
                                ffi.NULL if m2 is None else f64_ptr(m2)))
        return (logp, m2) if maha2 else logp

    def fgt(self, Y, sigma, posteriors=False):
        """The true denoiser f_gt(y) = E[x | x + sigma eps = y] of the mixture (Tweedie, Eq. 2-4; mg_fgt)
        for every row of Y: n x d float32. posteriors=True also returns P(k | y) (n x K float64)."""
        Ya = as_matrix(Y, "fgt: Y", cols=self.d)
        out = new_matrix(Ya.shape[0], self.d)
        post = np.empty((Ya.shape[0], self.K)) if posteriors else None
        check(lib.mg_fgt(self._m, finite_mat(Ya, "fgt: Y"), as_float(sigma, "sigma"), mat(out),
                         ffi.NULL if post is None else f64_ptr(post)))
        return (out, post) if posteriors else out

    def __repr__(self):
        return "memgen.MoG(K=%d, d=%d)" % (self.K, self.d)


# ---- Fashion-MNIST ------------------------------------------------------------------------------------

_RESAMPLE = {"pil": "MG_RESIZE_PIL", "bilinear": "MG_RESIZE_BILINEAR", "area": "MG_RESIZE_AREA"}
_SCALE = {"pm1": "MG_SCALE_PM1", "unit": "MG_SCALE_UNIT", "raw": "MG_SCALE_RAW", "standardize": "MG_SCALE_STANDARDIZE"}


def _image_prep(resize, resample, scale, center):
    """The mg_image_prep of the CLI's --resize/--resample/--scale/--center (gray images)."""
    p = ffi.new("mg_image_prep *", lib.mg_image_prep_default())
    if resize is not None:
        if isinstance(resize, str):
            parts = resize.lower().split("x")
        else:
            parts = list(resize) if np.ndim(resize) else [resize]
        try:
            hw = [int(v) for v in parts]
        except (TypeError, ValueError):
            hw = []
        if len(hw) == 1:
            hw *= 2
        if len(hw) != 2 or min(hw) < 1:
            raise Error("resize expects 'HxW', N or (H, W), got %r" % (resize,))
        p.resize_h, p.resize_w = hw
    if resample not in _RESAMPLE or scale not in _SCALE:
        raise Error("resample must be pil|bilinear|area and scale pm1|unit|raw|standardize, got %r, %r"
                    % (resample, scale))
    p.resize, p.scale, p.channels, p.center = getattr(lib, _RESAMPLE[resample]), getattr(lib, _SCALE[scale]), 1, center
    return p


def fashion_mnist(split="train", dir=None, classes=None, n=0, random=False, seed=0, resize=None, resample="pil",
                  scale="pm1", center=False, details=False):
    """Fashion-MNIST as `memgen data fashion-mnist` (mg_fmnist_load + the image pipeline), from the
    Debian package dataset-fashion-mnist (dir None: /usr/share/datasets/fashion-mnist; a missing package
    or folder raises memgen.Error saying so). split "train" (60000) | "test" (10000); classes: the
    classes 0..9 to keep (None: all); n: images kept after the class filter (0: all), the first n or with
    random=True a seeded random subset (file order); resize 'HxW' / N / (H, W) (None: 28x28) with
    resample pil|bilinear|area; scale pm1 ([-1, 1], the authors') | unit | raw | standardize; center
    subtracts the mean image. Returns (X n x D float32, labels int64); details=True adds a dict: index
    (row in the IDX file), height, width, mean (the mean image with center), standardize_mean/std."""
    if split not in ("train", "test"):
        raise Error("split must be 'train' or 'test', got %r" % (split,))
    mask = 0
    for c in ([] if classes is None else np.atleast_1d(classes).tolist()):
        if isinstance(c, bool) or not isinstance(c, (int, float)) or c != int(c) or not 0 <= c <= 9:
            raise Error("classes: %r is not a class 0..9" % (c,))
        mask |= 1 << int(c)
    prep = _image_prep(resize, resample, scale, bool(center))
    keep = ffi.new("char[]", os.fsencode(dir)) if dir is not None else ffi.NULL
    o = ffi.new("mg_fmnist_opts *")
    o.dir, o.train, o.class_mask, o.n, o.random = keep, split == "train", mask, as_int(n, "n", 0), bool(random)
    imgs = ffi.gc(ffi.new("mg_array *"), lib.mg_array_free)
    lab, idx = ffi.new("int64_t **"), ffi.new("int64_t **")
    check(lib.mg_fmnist_load(o, rng(seed), imgs, lab, idx))
    try:
        N = int(imgs.shape[0])
        labels, index = copy_c(lab[0], N, np.int64), copy_c(idx[0], N, np.int64)
    finally:
        lib.free(lab[0])
        lib.free(idx[0])
    oh, ow, oc = ffi.new("int *"), ffi.new("int *"), ffi.new("int *")
    check(lib.mg_image_prep_shape(prep, 28, 28, 1, oh, ow, oc))
    D = oh[0] * ow[0] * oc[0]
    X = new_matrix(N, D)
    one = ffi.new("mg_array *")
    one.dtype, one.ndim, one.shape[0:3] = lib.MG_U8, 3, [28, 28, 1]
    base = ffi.cast("uint8_t *", imgs.data)
    row = ffi.cast("float *", X.ctypes.data)
    for i in range(N):
        one.data = base + 784 * i
        check(lib.mg_image_prepare(one, prep, b"fashion-mnist", row + D * i))
    mean = new_matrix(1, D) if center else None
    sm, ss = ffi.new("double *"), ffi.new("double *")
    check(lib.mg_image_finish(mat(X), prep, ffi.NULL if mean is None else ffi.cast("float *", mean.ctypes.data),
                              sm, ss))
    if not details:
        return X, labels
    info = dict(index=index, height=oh[0], width=ow[0])
    if center:
        info["mean"] = mean
    if scale == "standardize":
        info.update(standardize_mean=sm[0], standardize_std=ss[0])
    return X, labels, info


# ---- duplicates and splits ---------------------------------------------------------------------------


def duplicate(X, count, times, inject=False, inject_norm=0.0, jitter=0.0, class_labels=None, seed=0, details=False):
    """Adds duplicated points (Cor. 3.4, App. A.4) as `memgen data duplicate` (mg_data_duplicate): count
    existing rows picked at random each occur `times` times in total (times - 1 copies appended), or with
    inject=True count new points (random directions of norm inject_norm; 0: the median row norm) each
    appended `times` times; jitter: std of Gaussian noise added to each extra copy. The input rows come
    first, unchanged. Returns (Y float32, labels int64: 1 for rows of a duplicated group, the
    memorization ground truth); details=True adds a dict: group (row of the group's first occurrence, or
    -1) and, when class_labels (n integers) are given, class_labels extended (copies inherit, injected
    points get -1)."""
    Xa = as_matrix(X, "duplicate: X")
    n = Xa.shape[0]
    cls = None if class_labels is None else as_index(class_labels, "class_labels", n)
    s = ffi.new("mg_dup_spec *")
    s.count, s.times, s.inject = as_int(count, "count"), as_int(times, "times"), bool(inject)
    s.inject_norm, s.jitter = as_float(inject_norm, "inject_norm"), as_float(jitter, "jitter")
    r = ffi.gc(ffi.new("mg_dup_result *"), lib.mg_dup_result_free)
    check(lib.mg_data_duplicate(finite_mat(Xa, "duplicate: X"), ffi.NULL if cls is None else i64_ptr(cls), s,
                                rng(seed), r))
    nout = int(r.X.shape[0])
    Y = copy_c(r.X.data, nout * Xa.shape[1], np.float32, (nout, Xa.shape[1]))
    group = copy_c(r.group, nout, np.int64)
    marks = (group >= 0).astype(np.int64)
    if not details:
        return Y, marks
    info = dict(group=group)
    if cls is not None:
        info["class_labels"] = copy_c(r.labels, nout, np.int64)
    return Y, marks, info


def split(X, labels=None, test_fraction=0.2, seed=0, details=False):
    """A seeded train/test split of the rows (first axis) of X, any dtype and shape, and of its labels, as
    `memgen data split` (mg_data_split): round(n * test_fraction) random rows are test, each part keeps
    the original order. Returns (X_train, X_test), or (X_train, X_test, labels_train, labels_test) with
    labels; details=True adds a dict with is_test (n int64 flags, the CLI's --split-out)."""
    a = np.asarray(X)
    if a.ndim < 1 or a.shape[0] < 1:
        raise Error("split: no rows to split", "MG_ERR_SHAPE")
    n = a.shape[0]
    y = None if labels is None else np.asarray(labels)
    if y is not None and (y.ndim < 1 or y.shape[0] != n):
        raise Error("split: labels must have %d rows like X" % n, "MG_ERR_SHAPE")
    flags, nt = np.empty(n, dtype=np.uint8), ffi.new("int64_t *")
    frac = as_float(test_fraction, "test_fraction")
    check(lib.mg_data_split(n, frac, rng(seed), ffi.cast("uint8_t *", flags.ctypes.data), nt))
    test = flags.astype(bool)
    out = (a[~test], a[test]) + (() if y is None else (y[~test], y[test]))
    return out + (dict(is_test=flags.astype(np.int64)),) if details else out


def split_duplicates(X, labels=None, duplicates=2, dup_dist=1e-6):
    """Corollary 3.4's duplicated clusters (mg_split_duplicates), as `memgen solve --duplicates` splits
    them: every group of >= duplicates copies of a sample (|x_i - x_j| <= dup_dist max(|x_i|, |x_j|))
    becomes a cluster of its own. labels: the clusters to split from (any integers; None: one cluster).
    Returns (compact cluster ids int64, the remaining clusters first then the groups; number of groups)."""
    Xa = as_matrix(X, "split_duplicates: X")
    n = Xa.shape[0]
    lab, K, _ = compact_labels(np.zeros(n, np.int64) if labels is None else labels, "labels", n)
    Kp, groups = ffi.new("int64_t *", K), ffi.new("int64_t *")
    check(lib.mg_split_duplicates(finite_mat(Xa, "split_duplicates: X"), as_float(dup_dist, "dup_dist"),
                                  as_int(duplicates, "duplicates"), i64_ptr(lab), Kp, groups))
    return lab, int(groups[0])
