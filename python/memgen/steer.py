"""Representation steering (paper Sec. 4.2, Eq. 11, Fig. 8; steer.h), as
`memgen steer`: steering vectors v_k = mean relu(W1_k^T (x + s eps) + b1_k) of
target-concept samples for every level of a DAE set, sampling in which each
level outputs W2 (h + a v) during the final steps for every strength a of a
sweep (the same initial noise for every a), and the curves that measure how
each sample moves toward the target (distance to its centroid, monotonicity,
jumps, kink; split by memorized / generalized when the training set is given).
"""
import os

import numpy as np

from ._core import Error, as_f64, callback, callback_ctx, check, copy_c, f64_ptr, ffi, i32_ptr, lib, mat, rng, run, text
from ._core import data_matrix, parse_enum
from .analysis import as_set, memratio
from .detect import sigma_grid

__all__ = ["steering_vectors", "steer"]

_LEVEL_MODES = {"nearest": 0, "interp": 1}
_SUMMARY_FIELDS = ("count", "mono", "spearman", "jump", "path_jump", "kink_median", "gain", "frac_smooth",
                   "frac_threshold", "frac_static", "dist_first", "dist_last", "post_first", "post_last")
_CURVE_FIELDS = ("dist", "disp", "post")
_SAMPLE_FIELDS = ("mono", "spearman", "jump", "path_jump", "kink", "gain")


def _int(value, what, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise Error("%s must be an integer in %d..%d, got %r" % (what, lo, hi, value))
    return int(value)


def _compute_vectors(cset, Xm, sigma, vector_level, vector_seed):
    """The C steering vectors (freed with the returned object)."""
    if isinstance(sigma, str):
        if sigma != "own":
            raise Error("steer: sigma must be a number >= 0 or 'own', got %r" % sigma)
        vs = float("nan")
    else:
        vs = float(sigma)
        if not vs >= 0 or not np.isfinite(vs):
            raise Error("steer: sigma must be a number >= 0 or 'own', got %r" % (sigma,))
    lvl = -1 if vector_level is None else _int(vector_level, "steer: vector_level", 0, 100000)
    if lvl >= cset.count:
        raise Error("steer: vector_level %d: the set has levels 0..%d" % (lvl, cset.count - 1))
    vp = ffi.new("mg_steer_vec_params *", lib.mg_steer_vec_params_default())
    vp.sigma, vp.level = vs, lvl
    vec = ffi.gc(ffi.new("mg_steer_vectors *"), lib.mg_steer_vectors_free)
    check(lib.mg_steer_vectors_compute(cset, Xm, vp, rng(vector_seed), vec))
    return vec


def _vectors_dict(vec):
    c, d, pmax = int(vec.count), int(vec.d), int(vec.pmax)
    return dict(V=copy_c(vec.V, c * pmax, np.float32, (c, pmax)), U=copy_c(vec.U, c * d, np.float32, (c, d)),
                p=copy_c(vec.p, c, np.int64), active=copy_c(vec.active, c, np.intc).astype(bool),
                sigma=copy_c(vec.sigma, c, np.float64), n_target=int(vec.n_target))


def steering_vectors(model_set, target, sigma=0.02, vector_level=None, vector_seed=1):
    """The steering vectors of Eq. 11 for every level of a DAESet (or a DAE), as
    `memgen steer --sigma --vector-level --vector-seed` writes them: v_k = mean
    over the target rows (m x d) of level k's representation at noise level
    sigma (default 0.02, the paper's t = 10 of 1000; 0 = clean; "own" = each
    level's own sigma), the noise of row i from fork(vector_seed, i).
    vector_level=k computes level k only. Returns a dict: V (levels x pmax
    float32, zero-padded: steer_vectors.npy), U = W2 v (levels x d:
    steer_offsets.npy), p, active (bool), sigma (per level), n_target."""
    s, cset = as_set(model_set, "steering_vectors: model_set")
    _, Xm = data_matrix(target, "steering_vectors: target", cols=s.d)
    return _vectors_dict(_compute_vectors(cset, Xm, sigma, vector_level, vector_seed))


def _alphas(alphas):
    """The alpha sweep from a spec ("lin:A:B:K", "list:...") or an ascending array."""
    if isinstance(alphas, str):
        out, cnt = ffi.new("double **"), ffi.new("int *")
        check(lib.mg_steer_parse_alphas(alphas.encode(), out, cnt))
        try:
            a = copy_c(out[0], cnt[0], np.float64)
        finally:
            lib.free(out[0])
    else:
        a = as_f64(alphas, "steer: alphas")
        if not (np.all(np.isfinite(a)) and np.all(np.diff(a) > 0)):
            raise Error("steer: alphas must be finite and strictly ascending, got %s" % a)
    if a.size < 2:
        raise Error("steer: alphas needs at least two values")
    return a


def _grid(cset, sigmas, count):
    """The sampler's noise grid as `memgen steer` makes it: sigmas if given, else
    `count` levels geometric over the set's range, else the set's own levels."""
    if sigmas is not None:
        g = sigma_grid(sigmas, "steer: sigmas")
        if not np.all(np.diff(g) > 0):
            raise Error("steer: sigmas must be strictly ascending")
        return g
    levels = copy_c(cset.sigmas, cset.count, np.float64)
    if count is None or count == 0:
        return levels
    K = _int(count, "steer: levels", 1, 100000)
    g = np.empty(K, dtype=np.float64)
    check(lib.mg_sigmas_geometric(levels[0], levels[-1], K, f64_ptr(g)))
    return g


def _clamp(clamp):
    if clamp is None:
        return float("nan"), float("nan")
    if isinstance(clamp, str):
        parts = clamp.split(":")
        if len(parts) != 2:
            raise Error("steer: clamp must be LO:HI, got %r" % clamp)
        clamp = parts
    try:
        lo, hi = (float(v) for v in clamp)
    except (TypeError, ValueError):
        raise Error("steer: clamp must be (lo, hi) or 'LO:HI', got %r" % (clamp,)) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        raise Error("steer: clamp needs finite lo < hi, got %r" % (clamp,))
    return lo, hi


def _mog(path, d, target_mode):
    """The mg_mog * of a mixture file (freed with the object) and its target mode."""
    if not isinstance(path, (str, os.PathLike)):
        raise Error("steer: mog must be the path of a memgen Gaussian-mixture file")
    mog = ffi.gc(ffi.new("mg_mog *"), lib.mg_mog_free)
    check(lib.mg_mog_load(os.fspath(path).encode(), mog))
    if mog.d != d:
        raise Error("steer: the mixture has dimension %d, the model %d" % (mog.d, d), "MG_ERR_SHAPE")
    if not 0 <= _int(target_mode, "steer: target_mode", 0, 100000) < mog.K:
        raise Error("steer: target_mode %d: the mixture has %d components" % (target_mode, mog.K))
    return mog


def _sample_sweep(den, grid, alphas, n, d, sampler, clamp, seed, progress):
    """The steered samples (na x n x d float32), one mg_sample per alpha from the same seed, through run()."""
    p = ffi.new("mg_sample_params *", lib.mg_sample_params_default())
    p.kind = parse_enum(lib.mg_sampler_parse, sampler, "mg_sampler_kind", "steer: sampler")
    p.sigmas, p.nsigmas = f64_ptr(grid), grid.size
    p.clamp_lo, p.clamp_hi = _clamp(clamp)
    na, K = alphas.size, grid.size
    base = [0]
    cb = None if progress is None else callback(lambda done, total: progress(base[0] + done, na * n * K))
    if cb is not None:
        p.progress, p.progress_ctx = lib._mg_py_sample_progress, callback_ctx(cb)
    S = np.empty((na, n, d), dtype=np.float32)
    for j in range(na):
        base[0] = j * n * K
        check(lib.mg_denoiser_steered_set_alpha(den, float(alphas[j])))
        run(lib.mg_sample, den, p, rng(seed), mat(S[j]))
    return S


def _summary(cv, mask, want):
    out = ffi.new("mg_steer_summary *")
    check(lib.mg_steer_summarize(cv, ffi.NULL if mask is None else i32_ptr(mask), want, out))
    return {k: (int(out.count) if k == "count" else float(getattr(out, k))) for k in _SUMMARY_FIELDS}


def steer(model_set, target, sigma=0.02, vector_level=None, alphas="lin:0:1:11", final_steps=None, skip_last=0,
          vector_seed=1, n=16, levels=None, sigmas=None, sampler="ddim", clamp=None, level="nearest", seed=0,
          train=None, threshold=1.0 / 3.0, mog=None, target_mode=0, post_sigma=0.05, progress=None):
    """Steered sampling and its curves, as `memgen steer` (paper Eq. 11, Fig. 8),
    with the CLI's options and defaults: steering vectors of the target rows
    (sigma, vector_level, vector_seed: see steering_vectors), then for every
    alpha of the sweep (spec "lin:0:1:11" or an ascending array) n samples
    drawn from the same seed with the sampler (ddim | ancestral | euler | heun,
    level nearest | interp, clamp (lo, hi) or None) over the grid (sigmas array
    or spec; else `levels` geometric levels over the set's range; else the set's
    own levels), steering the last final_steps steps (default half of them)
    except the last skip_last. train (m x d) labels each sample memorized when
    its NN ratio at the alpha nearest 0 is below threshold; mog (a mixture
    file) adds the posterior of target_mode at post_sigma. progress(done,
    total) is called during sampling; Ctrl-C stops it (KeyboardInterrupt).

    Returns a dict with samples (alphas x n x d float32: samples.npy), alphas,
    vectors (steering_vectors' dict), sigmas (the grid), sigma_hi, sigma_lo,
    final_steps, curves (dist, disp, post: n x alphas; mono, spearman, jump,
    path_jump, kink, gain: n; cls: class names static | smooth | threshold),
    summary (all, and memorized / generalized with train, start_outside_target
    with mog: summary.json's groups), and with train memorized (bool), nn_ratio
    and label_alpha. Same bits as the CLI with the same seeds."""
    s, cset = as_set(model_set, "steer: model_set")
    d = s.d
    Xt, Xtm = data_matrix(target, "steer: target", cols=d)
    n = _int(n, "steer: n", 1, 10000000)
    skip_last = _int(skip_last, "steer: skip_last", 0, 2 ** 31 - 1)
    if not float(threshold) > 0:
        raise Error("steer: threshold must be > 0")
    if not float(post_sigma) > 0:
        raise Error("steer: post_sigma must be > 0")
    if level not in _LEVEL_MODES:
        raise Error("steer: level must be nearest or interp, got %r" % (level,))
    a = _alphas(alphas)
    Xtr = None if train is None else data_matrix(train, "steer: train", cols=d)
    if Xtr is not None and Xtr[0].shape[0] < 2:
        raise Error("steer: train needs at least 2 rows for the nearest-neighbour ratio")
    mg = None if mog is None else _mog(mog, d, target_mode)
    grid = _grid(cset, sigmas, levels)
    K = grid.size
    fs = K // 2 if final_steps is None else _int(final_steps, "steer: final_steps", 0, 2 ** 31 - 1)
    if a.size * n * d > 1e9:
        raise Error("steer: %d alphas x %d samples x %d values would need %.1f GB; reduce n or alphas"
                    % (a.size, n, d, a.size * n * d * 4e-9))
    vec = _compute_vectors(cset, Xtm, sigma, vector_level, vector_seed)
    sp = ffi.new("mg_steer_params *", lib.mg_steer_params_default())
    lib.mg_steer_window(f64_ptr(grid), K, min(fs, K), min(skip_last, K), ffi.addressof(sp, "sigma_hi"),
                        ffi.addressof(sp, "sigma_lo"))
    den = ffi.gc(ffi.new("mg_denoiser *"), lib.mg_denoiser_free)
    check(lib.mg_denoiser_steered(cset, _LEVEL_MODES[level], vec, sp, den))
    S = _sample_sweep(den, grid, a, n, d, sampler, clamp, seed, progress)

    cen = np.empty(d, dtype=np.float32)
    check(lib.mg_steer_centroid(Xtm, ffi.cast("float *", cen.ctypes.data)))
    post = ffi.new("mg_steer_post *")
    post.mog, post.mode, post.sigma = (ffi.NULL, 0, float(post_sigma)) if mg is None else (mg, int(target_mode),
                                                                                              float(post_sigma))
    cv = ffi.gc(ffi.new("mg_steer_curves *"), lib.mg_steer_curves_free)
    check(lib.mg_steer_measure(ffi.cast("float *", S.ctypes.data), a.size, f64_ptr(a), n, d,
                               ffi.cast("float *", cen.ctypes.data), post, cv))
    na = a.size
    curves = {k: (None if getattr(cv, k) == ffi.NULL else copy_c(getattr(cv, k), n * na, np.float64, (n, na)))
              for k in _CURVE_FIELDS}
    curves.update({k: copy_c(getattr(cv, k), n, np.float64) for k in _SAMPLE_FIELDS})
    curves["cls"] = np.array([text(lib.mg_steer_class_name(c)) for c in copy_c(cv.cls, n, np.intc)])
    out = dict(samples=S, alphas=a, vectors=_vectors_dict(vec), sigmas=grid, sigma_hi=float(sp.sigma_hi),
               sigma_lo=float(sp.sigma_lo), final_steps=fs, curves=curves, summary={"all": _summary(cv, None, 0)})
    if mg is not None:
        outside = np.ascontiguousarray(curves["post"][:, 0] < 0.5, dtype=np.intc)
        out["summary"]["start_outside_target"] = _summary(cv, outside, 1)
    if Xtr is not None:
        j0 = int(np.argmin(np.abs(a)))  # the alpha nearest 0 (the first on ties)
        mr = memratio(S[j0], Xtr[0], threshold=threshold)
        memo = np.ascontiguousarray(mr["memorized"], dtype=np.intc)
        out["summary"]["memorized"] = _summary(cv, memo, 1)
        out["summary"]["generalized"] = _summary(cv, memo, 0)
        out.update(memorized=mr["memorized"], nn_ratio=mr["ratio"], label_alpha=float(a[j0]))
    return out
