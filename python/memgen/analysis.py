"""Memorization measures and representations (paper Sec. 3.1-3.2, Fig. 3, 5-6,
App. B.2): the nearest-neighbour ratio of generated samples (`memgen memratio`),
the DAE representations h = relu(W1^T (x + sigma eps) + b1) (`memgen repr`),
their spikiness metrics (repr.h), and Algorithm 1 on activations exported
from any framework (`memgen detect --features`, features reduced by
mg_features_reduce).
"""
import numpy as np

from ._core import (Error, as_matrix, check, copy_c, data_matrix, f64_ptr, ffi, lib, mat, new_matrix,
                    parse_enum, rng, text)
from .models import DAE, DAESet
from .tc import TCDAE, levels as tc_levels, rep_kind

__all__ = ["memratio", "representations", "spikiness", "features", "score_activations", "spike_metrics"]


# ---- helpers shared by detect.py and steer.py ---------------------------------------------------------


def as_set(model, what):
    """The mg_daeset * of a DAESet, or of a single DAE as a one-level set (as the CLI reads a DAE file); a TCDAE
    is first turned into the set of its levels by the caller (tc.levels)."""
    if isinstance(model, DAESet):
        return model, model._set
    if isinstance(model, DAE):
        s = DAESet([model])
        return s, s._set
    raise Error("%s: expected a memgen.DAESet or memgen.DAE, got %s" % (what, type(model).__name__))


# ---- memratio ------------------------------------------------------------------------------------------

_MEMRATIO_ARRAYS = (("nn1", "int64_t", np.int64), ("nn2", "int64_t", np.int64), ("d1", "double", np.float64),
                    ("d2", "double", np.float64), ("ratio", "double", np.float64), ("cos_idx", "int64_t", np.int64),
                    ("cos_max", "double", np.float64), ("gen_ratio", "double", np.float64))
_MEMRATIO_NUMBERS = ("threshold", "frac_memorized", "frac_near_duplicate", "mean_ratio", "median_ratio",
                     "mean_cos_max")


def memratio(samples, train, threshold=1.0 / 3.0, upto_scale=False):
    """Memorization measures of generated `samples` (n x d) against the training
    set `train` (m x d, m >= 2), as `memgen memratio` (Gu et al. 2023): a sample
    is memorized when ratio = |s - NN1| / |s - NN2| < threshold (default 1/3).
    upto_scale=True divides every row by its norm first (mg_memratio_compute_upto_scale).

    Returns a dict: per-sample arrays nn1, nn2 (int64 training rows), d1, d2,
    ratio, memorized (bool), cos_idx, cos_max (largest cosine to a training
    row), gen_ratio (ratio among the other samples; NaN if n < 3); and n,
    threshold, frac_memorized, frac_near_duplicate, mean_ratio, median_ratio,
    mean_cos_max, distinct_memorized (the summary of --json)."""
    S, Sm = data_matrix(samples, "memratio: samples")
    X, Xm = data_matrix(train, "memratio: train", cols=S.shape[1])
    r = ffi.new("mg_memratio *")
    fn = lib.mg_memratio_compute_upto_scale if upto_scale else lib.mg_memratio_compute
    try:
        check(fn(Sm, Xm, float(threshold), r))
        n = int(r.n)
        out = {name: copy_c(getattr(r, name), n, dt) for name, _, dt in _MEMRATIO_ARRAYS}
        out["memorized"] = copy_c(r.memorized, n, np.intc).astype(bool)
        out["n"] = n
        out.update({k: float(getattr(r, k)) for k in _MEMRATIO_NUMBERS})
        out["distinct_memorized"] = int(r.distinct_memorized)
    finally:
        lib.mg_memratio_free(r)
    return out


# ---- representations and spikiness ---------------------------------------------------------------------


def spike_metrics():
    """The names of the spikiness metrics in the library's order (column order of metric="all")."""
    return [text(lib.mg_spike_metric_name(m)) for m in range(lib.MG_SPIKE_COUNT)]


def representations(model, X, sigma=0.2, seed=0, representation="gated"):
    """h = relu(W1^T (x + sigma eps) + b1) for every row of X (n x d), paper Eq. 5
    and Algorithm 1's AddForwardNoise, as `memgen repr --model --data --out`:
    a DAE, or the level of a DAESet nearest sigma (sigma = 0: clean rows at the
    lowest level), or a TCDAE at level sigma (sigma = 0: clean rows at its lowest
    training level) with representation 'gated' (relu(W x_t) * g(sigma)) or
    'ungated' (relu(W x_t), the authors' rep()) as --representation (ignored for
    other models, as the CLI does). The noise of row i comes from fork(seed, i),
    the same bits as the CLI with --seed. Returns n x p float32."""
    if not (isinstance(sigma, (int, float, np.floating, np.integer)) and sigma >= 0 and np.isfinite(sigma)):
        raise Error("representations: sigma must be a finite number >= 0, got %r" % (sigma,))
    rep_kind(representation)  # checked for every model, as the CLI's --representation
    if isinstance(model, TCDAE):
        model = tc_levels(model, [sigma], representation)
    r = rng(seed)
    if isinstance(model, DAE):
        if sigma > 0 and np.isfinite(model.sigma):  # as the CLI, which reads a DAE file as a one-level set
            check(lib.mg_sigma_check_reach(float(sigma), model.sigma, model.sigma, b"representations: sigma"))
        Xa, Xm = data_matrix(X, "representations: X", cols=model.d)
        H = new_matrix(Xa.shape[0], model.p)
        check(lib.mg_repr_dae(model._ptr, Xm, float(sigma), r, mat(H)))
        return H
    _, cset = as_set(model, "representations: model")
    lv = ffi.new("int *")
    check(lib.mg_daeset_level(cset, float(sigma), b"representations: sigma", lv))
    level = lv[0]
    Xa, Xm = data_matrix(X, "representations: X", cols=model.d)
    H = new_matrix(Xa.shape[0], lib.mg_dae_hidden(cset.levels[level]))
    check(lib.mg_repr_set(cset, Xm, float(sigma), r, mat(H), ffi.NULL))
    return H


def _metric(metric, what):
    return parse_enum(lib.mg_spike_metric_parse, metric, "mg_spike_metric", what)


def _spikiness_mat(Hm, n, metric, what):
    """Scores of an mg_mat (n rows): float64 (n,), or a dict name -> scores for metric="all"."""
    if metric == "all":
        out = np.empty((n, lib.MG_SPIKE_COUNT), dtype=np.float64)
        check(lib.mg_spikiness_all(Hm, f64_ptr(out)))
        return {name: np.ascontiguousarray(out[:, k]) for k, name in enumerate(spike_metrics())}
    m = _metric(metric, what)
    out = np.empty(n, dtype=np.float64)
    check(lib.mg_spikiness_rows(Hm, m, f64_ptr(out)))
    return out


def spikiness(H, metric="std"):
    """The spikiness of every row of H (n x F representations or pooled
    activations), higher = spikier = more memorization-like (repr.h): metric
    std (Algorithm 1, the population std), std_sample, l4l2, negentropy, maxmin,
    top1, negpr; float64 (n,). metric="all": a dict name -> scores for every
    metric (mg_spikiness_all, one pass). A non-finite row raises memgen.Error."""
    Ha = as_matrix(H, "spikiness: H")
    return _spikiness_mat(mat(Ha), Ha.shape[0], metric, "spikiness")


# ---- activations from other frameworks ----------------------------------------------------------------

_DTYPES = {np.dtype(np.float32): "MG_F32", np.dtype(np.float64): "MG_F64", np.dtype(np.uint8): "MG_U8",
           np.dtype(np.int32): "MG_I32", np.dtype(np.int64): "MG_I64", np.dtype(np.float16): "MG_F16"}


def c_array(acts, what):
    """An mg_array * viewing a NumPy array without a copy when it is C-contiguous,
    native-endian and of a dtype memgen reads (float32/64, float16, uint8,
    int32/64); other numeric dtypes and layouts are copied (to float32 for
    dtypes memgen does not read). Returns (mg_array *, the array it views)."""
    a = acts if isinstance(acts, np.ndarray) else np.asarray(acts)
    if a.dtype.kind not in "fiub":
        raise Error("%s: dtype %s is not numeric" % (what, a.dtype))
    if a.ndim < 2 or a.ndim > 8:
        raise Error("%s: expected 2 to 8 dimensions (n x ...), got shape %s" % (what, a.shape), "MG_ERR_SHAPE")
    dt = a.dtype.newbyteorder("=")
    if dt not in _DTYPES:
        dt = np.dtype(np.float32)
    if a.dtype != dt or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=dt)
    arr = ffi.new("mg_array *")
    arr.dtype = getattr(lib, _DTYPES[dt])
    arr.ndim = a.ndim
    for i, s in enumerate(a.shape):
        arr.shape[i] = s
    arr.data = ffi.cast("void *", a.ctypes.data)
    return arr, a


def _reduce(acts, layout, pool, what):
    """mg_features_reduce of acts: an owned mg_array * (n x F float32; free with mg_array_free)."""
    lay = parse_enum(lib.mg_feat_layout_parse, layout, "mg_feat_layout", what + ": layout")
    pl = parse_enum(lib.mg_pool_parse, pool, "mg_pool_kind", what + ": pool")
    arr, keep = c_array(acts, what + ": activations")
    out = ffi.new("mg_array *")
    check(lib.mg_features_reduce(arr, lay, pl, out))
    del keep
    return out


def features(acts, layout="auto", pool="max"):
    """Activations of any network (ndim >= 2, n = shape[0] samples; any numeric
    dtype incl. float16) as the n x F float32 rows Algorithm 1 scores, as
    `memgen repr/detect --features --layout --pool`: layout auto (2-D nf, 3-D
    ntc; a 4-D or larger array needs nchw or nhwc, since its shape cannot say
    which dim holds the channels, except with pool none) | nf | nchw | nhwc | ntc; pool max (global max pooling
    over spatial dims or tokens, App. B.2) | mean | none (flatten). The input is
    read in place when C-contiguous. Non-finite values raise memgen.Error."""
    out = _reduce(acts, layout, pool, "features")
    try:
        return np.frombuffer(ffi.buffer(out.data, out.shape[0] * out.shape[1] * 4), dtype=np.float32).reshape(
            out.shape[0], out.shape[1]).copy()
    finally:
        lib.mg_array_free(out)


def score_activations(acts, layout="auto", pool="max", metric="std"):
    """Algorithm 1 on external activations, as `memgen detect --features A.npy
    --layout --pool --metric`: features(acts, layout, pool) then spikiness(...,
    metric) in C without a round trip through NumPy. float64 (n,) scores
    (higher = memorized), or a dict name -> scores for metric="all"."""
    if metric != "all":
        _metric(metric, "score_activations")  # a bad name fails before the reduction
    out = _reduce(acts, layout, pool, "score_activations")
    try:
        Hm = ffi.new("mg_mat *")
        Hm.rows, Hm.cols, Hm.ld = out.shape[0], out.shape[1], out.shape[1]
        Hm.data = ffi.cast("float *", out.data)
        return _spikiness_mat(Hm[0], int(out.shape[0]), metric, "score_activations")
    finally:
        lib.mg_array_free(out)
