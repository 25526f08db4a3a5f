"""Memorization detection (paper Sec. 4.1, Algorithm 1, Table 1; detect.h), as
`memgen detect`: scores of a DAE set's representations, the calibrated
threshold and flags, the evaluation against labels (exact AUROC with midranks,
TPR at a target FPR, stratified bootstrap intervals), the prompt-free
baselines, and the suite that labels generations by NN ratio and scores every
detector (`memgen detect --benchmark`). Scores: higher = more likely memorized;
labels: 1 = memorized, 0 = generalized.
"""
import numpy as np

from ._core import Error, as_f64, as_labels, check, copy_c, data_matrix, f64_ptr, ffi, i32_ptr, lib, rng, text
from ._core import sigma_grid as parse_grid
from .analysis import _metric, as_set, spike_metrics
from .tc import TCDAE, levels as tc_levels, rep_kind

__all__ = ["detect", "calibrate", "flag", "auroc", "roc_curve", "evaluate", "baseline_flipd", "baseline_jacobian",
           "baseline_denoise", "baseline_clique", "baseline_nn_ratio", "benchmark"]

_COMBINE = {"mean": 0, "concat": 1}


def _sigma(value, what, positive=False):
    """A finite noise level (>= 0, or > 0 when positive)."""
    try:
        s = float(value)
    except (TypeError, ValueError):
        raise Error("%s: expected a number, got %r" % (what, value)) from None
    if not np.isfinite(s) or s < 0 or (positive and s == 0):
        raise Error("%s must be %s, got %r" % (what, "> 0" if positive else ">= 0", value))
    return s


def sigma_grid(sigmas, what):
    """Noise levels from an array or a spec string ("list:0.1,0.2", "geom:A:B:K", ...; mg_sigmas_parse),
    as a float64 array."""
    if isinstance(sigmas, str):
        return parse_grid(sigmas)[0]
    s = as_f64(sigmas, what)
    if s.size < 1 or not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise Error("%s: expected one or more finite levels > 0, got %s" % (what, s))
    return s


def detect(model_set, X, sigma=0.2, metric="std", sigmas=None, combine="mean", seed=0, representation="gated"):
    """Algorithm 1's scores of the rows of X (n x d) under a DAESet (or a DAE),
    as `memgen detect --model --data --scores-out`: x_t = x + sigma eps (noise of
    row i from fork(seed, i)), h = relu(W1^T x_t + b1) at the level nearest
    sigma, score = metric(h) (default std; sigma 0 = clean x at the lowest
    level). sigmas (array or spec "list:...", "geom:A:B:K") scores several
    levels with the same noise scaled, combined by mean (of the scores) or
    concat (of the representations). float64 (n,), or a dict name -> scores
    for metric="all". Same bits as the CLI with the same --seed. A TCDAE is
    scored at exactly sigma (or sigmas; 0 = its lowest training level) with
    representation 'gated' or 'ungated' (--representation; ignored for other
    models, as the CLI does)."""
    if combine not in _COMBINE:
        raise Error("detect: combine must be mean or concat, got %r" % (combine,))
    p = ffi.new("mg_detect_params *", lib.mg_detect_params_default())
    p.sigma = _sigma(sigma, "detect: sigma")
    p.combine = _COMBINE[combine]
    if sigmas is not None:
        grid = sigma_grid(sigmas, "detect: sigmas")
        p.sigmas, p.nsigmas = f64_ptr(grid), grid.size
    rep_kind(representation)  # checked for every model, as the CLI's --representation
    if isinstance(model_set, TCDAE):
        model_set = tc_levels(model_set, [p.sigma] if sigmas is None else grid, representation)
    s, cset = as_set(model_set, "detect: model_set")
    Xa, Xm = data_matrix(X, "detect: X", cols=s.d)
    names = spike_metrics() if metric == "all" else [metric]
    out = {}
    for name in names:
        p.metric = _metric(name, "detect")
        scores = np.empty(Xa.shape[0], dtype=np.float64)
        check(lib.mg_detect_model(cset, Xm, p, rng(seed), f64_ptr(scores)))
        out[name] = scores
    return out if metric == "all" else out[metric]


def _scores(x, what, n=None):
    a = as_f64(x, what, n)
    if a.size < 1:
        raise Error("%s: no scores given" % what, "MG_ERR_SHAPE")
    return a


def calibrate(reference_scores, fpr=0.01):
    """The threshold of Algorithm 1 calibrated on generalized reference scores at
    target false-positive rate fpr in [0, 1) (default 0.01), as `memgen detect
    --reference`: with the scores sorted r_(1) <= ... <= r_(n) and k = floor(fpr n),
    the threshold is r_(n-k), so flagging score > threshold flags at most k of them."""
    r = _scores(reference_scores, "calibrate: reference_scores")
    thr = ffi.new("double *")
    check(lib.mg_detect_calibrate(f64_ptr(r), r.size, float(fpr), thr))
    return float(thr[0])


def flag(scores, threshold):
    """score > threshold for every score (Algorithm 1's flag, strict), as bool (n,)."""
    s = _scores(scores, "flag: scores")
    flags = np.empty(s.size, dtype=np.intc)
    lib.mg_detect_flag(f64_ptr(s), s.size, float(threshold), i32_ptr(flags))
    return flags.astype(bool)


def _scored(scores, labels, what):
    s = _scores(scores, what + ": scores")
    return s, as_labels(labels, what + ": labels", s.size)


def auroc(scores, labels):
    """Exact AUROC (Mann-Whitney with midranks for ties: P(s+ > s-) + P(s+ = s-)/2)."""
    s, y = _scored(scores, labels, "auroc")
    out = ffi.new("double *")
    check(lib.mg_auroc(f64_ptr(s), i32_ptr(y), s.size, out))
    return float(out[0])


def roc_curve(scores, labels):
    """The ROC curve as (fpr, tpr, thresholds), float64 arrays with one point per
    distinct score (flag score >= t) plus the origin (threshold +inf), fpr and
    tpr ascending, as `memgen detect --roc`."""
    s, y = _scored(scores, labels, "roc_curve")
    f, t, th, npts = ffi.new("double **"), ffi.new("double **"), ffi.new("double **"), ffi.new("int64_t *")
    check(lib.mg_roc_curve(f64_ptr(s), i32_ptr(y), s.size, f, t, th, npts))
    try:
        return tuple(copy_c(p[0], npts[0], np.float64) for p in (f, t, th))
    finally:
        for p in (f, t, th):
            lib.free(p[0])


_EVAL_FIELDS = ("auroc", "tpr", "fpr_target", "thr_at_fpr", "level", "auroc_lo", "auroc_hi", "tpr_lo", "tpr_hi",
                "seconds", "sec_per_sample")


def _eval_dict(ev):
    d = {k: float(getattr(ev, k)) for k in _EVAL_FIELDS}
    d.update(n_pos=int(ev.n_pos), n_neg=int(ev.n_neg), bootstrap=int(ev.bootstrap))
    return d


def evaluate(scores, labels, fpr=0.01, bootstrap=200, level=0.95, seed=0, metric="std"):
    """A detector's row of Table 1, as `memgen detect --labels --fpr --bootstrap --ci`:
    dict with auroc (exact, midranks), tpr at target fpr (largest TPR whose FPR <=
    fpr, no interpolation) and thr_at_fpr (its ROC threshold, flag score >= t),
    n_pos, n_neg, and stratified percentile bootstrap intervals auroc_lo/hi,
    tpr_lo/hi at `level` over `bootstrap` resamples (0: none, bounds NaN).
    The bootstrap stream is the CLI's for --seed seed and --metric metric
    (fork(seed, 0x7402 + metric index)), so the intervals match the CLI's bits."""
    s, y = _scored(scores, labels, "evaluate")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or not 0 <= bootstrap <= 100000:
        raise Error("evaluate: bootstrap must be an integer in 0..100000, got %r" % (bootstrap,))
    boot = ffi.new("mg_rng *", lib.mg_rng_fork(rng(seed), 0x7402 + _metric(metric, "evaluate")))
    ev = ffi.new("mg_detect_eval *")
    check(lib.mg_detect_evaluate(f64_ptr(s), i32_ptr(y), s.size, float(fpr), int(bootstrap), float(level), boot, ev))
    return _eval_dict(ev)


# ---- baselines ------------------------------------------------------------------------------------------


def _baseline(fn, model_set, X, sigma, what, *extra):
    s, cset = as_set(model_set, what + ": model_set")
    Xa, Xm = data_matrix(X, what + ": X", cols=s.d)
    out = np.empty(Xa.shape[0], dtype=np.float64)
    check(fn(cset, Xm, _sigma(sigma, what + ": sigma", positive=True), *extra, f64_ptr(out)))
    return out


def baseline_flipd(model_set, X, sigma=0.2):
    """-FLIPD (local intrinsic dimension from the denoiser Jacobian; low LID =
    memorized) at the level nearest sigma, on the clean rows of X (detect.h)."""
    return _baseline(lib.mg_baseline_flipd, model_set, X, sigma, "baseline_flipd")


def baseline_jacobian(model_set, X, sigma=0.2):
    """-erank(J(x)), the Jacobian-rank signature of App. A.3, at the level nearest sigma."""
    return _baseline(lib.mg_baseline_jacobian, model_set, X, sigma, "baseline_jacobian")


def baseline_denoise(model_set, X, sigma=0.2, seed=0):
    """-|f(x + sigma eps) - x|^2, the denoising error (noise of row i from fork(seed, i))."""
    return _baseline(lib.mg_baseline_denoise, model_set, X, sigma, "baseline_denoise", rng(seed))


def baseline_clique(samples, clique_tau=0.1, clique_k=50):
    """Near-duplicate counts among the generations (Carlini et al. 2023): a and b
    are neighbours when |a - b| <= clique_tau (|a| + |b|) / 2, counted among the
    clique_k nearest other generations (n >= 2)."""
    _, Sm = data_matrix(samples, "baseline_clique: samples")
    out = np.empty(Sm.rows, dtype=np.float64)
    check(lib.mg_baseline_clique(Sm, float(clique_tau), int(clique_k), f64_ptr(out)))
    return out


def baseline_nn_ratio(samples, train):
    """-|s - NN1| / |s - NN2| against the training rows (the oracle; m >= 2)."""
    S, Sm = data_matrix(samples, "baseline_nn_ratio: samples")
    _, Xm = data_matrix(train, "baseline_nn_ratio: train", cols=S.shape[1])
    out = np.empty(S.shape[0], dtype=np.float64)
    check(lib.mg_baseline_nn_ratio(Sm, Xm, f64_ptr(out)))
    return out


# ---- the suite --------------------------------------------------------------------------------------------


def benchmark(model_set, train, samples, sigma=0.2, flipd_sigma=0.0, fpr=0.01, bootstrap=200, level=0.95,
              mem_ratio=1.0 / 3.0, gen_ratio=0.5, gen_cos=0.9, dedup_tol=1e-6, clique_tau=0.1, clique_k=50,
              repeats=3, seed=0):
    """Every detector on labelled generations, as `memgen detect --benchmark`
    (Table 1): the generations `samples` are labelled against the deduplicated
    `train` rows (memorized: NN ratio < mem_ratio; generalized: ratio >= gen_ratio
    and largest cosine <= gen_cos; others dropped), then every spikiness metric
    and the baselines (flipd at flipd_sigma, 0 = sigma; jacobian; denoise;
    clique; nn_ratio) are scored and evaluated (fpr, bootstrap, level) on them.

    Returns a dict: n_samples, n_train_unique, n, n_mem, n_gen, n_ambiguous,
    index (int64: rows of the evaluated samples), labels (int32), ratio,
    cos_max, and detectors: name -> dict of evaluate()'s keys plus
    needs_train and scores (float64, one per evaluated sample), in table order.
    Same bits as the CLI with the same --seed (timings aside)."""
    s, cset = as_set(model_set, "benchmark: model_set")
    X, Xm = data_matrix(train, "benchmark: train", cols=s.d)
    _, Sm = data_matrix(samples, "benchmark: samples", cols=s.d)
    p = ffi.new("mg_bench_params *", lib.mg_bench_params_default())
    p.sigma = _sigma(sigma, "benchmark: sigma", positive=True)
    p.flipd_sigma = _sigma(flipd_sigma, "benchmark: flipd_sigma")
    p.fpr, p.level, p.mem_ratio, p.gen_ratio = float(fpr), float(level), float(mem_ratio), float(gen_ratio)
    p.gen_cos, p.dedup_tol, p.clique_tau = float(gen_cos), float(dedup_tol), float(clique_tau)
    for name, v, lo, hi in (("bootstrap", bootstrap, 0, 100000), ("clique_k", clique_k, 1, 100000),
                            ("repeats", repeats, 1, 100)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
            raise Error("benchmark: %s must be an integer in %d..%d, got %r" % (name, lo, hi, v))
        setattr(p, name, int(v))
    b = ffi.new("mg_detect_bench *")
    try:
        check(lib.mg_detect_benchmark(cset, Xm, Sm, p, rng(seed), b))
        n = int(b.n)
        out = {k: int(getattr(b, k)) for k in ("n_samples", "n_train_unique", "n", "n_mem", "n_gen", "n_ambiguous")}
        out.update(index=copy_c(b.index, n, np.int64), labels=copy_c(b.labels, n, np.intc),
                   ratio=copy_c(b.ratio, n, np.float64), cos_max=copy_c(b.cos_max, n, np.float64))
        out["detectors"] = {}
        for r in range(b.nrows):
            row = b.rows[r]
            d = _eval_dict(row.ev)
            d.update(needs_train=bool(row.needs_train), scores=copy_c(row.scores, n, np.float64))
            out["detectors"][text(row.name)] = d
    finally:
        lib.mg_detect_bench_free(b)
    return out
