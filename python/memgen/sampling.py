"""Diffusion sampling as `memgen sample`: a VE sampler (paper Eq. 1, App. B.1) run from x ~ N(0, sigma_max^2 I)
down a noise grid with one of four denoisers: a DAE set (the trained diffusion model), the authors'
time-conditioned model (memgen.TCDAE, answering every sigma exactly), the empirical optimal denoiser f_emp of
the training rows (Eq. 3, the fully memorizing model) or the true denoiser f_gt of a Gaussian mixture (Eq. 4).
Same seed, grid and sampler: the same bits as the CLI.

    S = memgen.sample(model_set, 256, seed=1)                        # the set's own levels, DDIM
    S = memgen.sample(memgen.Empirical(X), 64, sampler="heun")       # 60 geometric levels in [0.02, 2]
"""
import numpy as np

from ._core import (Error, as_float, as_int, as_matrix, callback, callback_ctx, check, f64_ptr, ffi, finite_mat, lib,
                    mat, new_matrix, rng, run, sigma_grid)
from .data import MoG
from .models import DAE, DAESet
from .tc import TCDAE, default_range

__all__ = ["Empirical", "sample", "denoise"]

_LEVEL = {"nearest": "MG_LEVEL_NEAREST", "interp": "MG_LEVEL_INTERP"}


class Empirical:
    """The empirical optimal denoiser of the training rows X (Eq. 3): f_emp(y) = sum_i w_i(y) x_i with
    w = softmax(-|y - x_i|^2 / (2 sigma^2)); sampling with it reproduces the training set. Holds a float32
    copy of X (memgen sample --emp X.npy). Call it as f(Y, sigma) to denoise rows."""

    def __init__(self, X):
        self.X = np.array(as_matrix(X, "Empirical: X"), dtype=np.float32, order="C")
        finite_mat(self.X, "Empirical: X")

    @property
    def d(self):
        """Data dimension."""
        return self.X.shape[1]

    def __call__(self, Y, sigma):
        """f_emp(Y) at noise level sigma (memgen.denoise)."""
        return denoise(self, Y, sigma)

    def __repr__(self):
        return "memgen.Empirical(n=%d, d=%d)" % self.X.shape


class _Denoiser:
    """An mg_denoiser for a model (freed with this object, which keeps what it borrows alive), the
    model's own noise levels (a DAE set's) or None, and the grid range it imposes (a TCDAE's) or None."""

    def __init__(self, model, level):
        if level not in _LEVEL:
            raise Error("level must be 'nearest' or 'interp', got %r" % (level,))
        self.den = ffi.gc(ffi.new("mg_denoiser *"), lib.mg_denoiser_free)
        self.levels = self.range = None
        if isinstance(model, DAE):
            model = DAESet([model])
        if isinstance(model, DAESet):
            check(lib.mg_denoiser_daeset(model._set, getattr(lib, _LEVEL[level]), self.den))
            self.levels = model.sigmas
        elif isinstance(model, TCDAE):
            check(lib.mg_denoiser_tcdae(model._ptr, self.den))
            self.range = default_range(model)
        elif isinstance(model, Empirical):
            check(lib.mg_denoiser_emp(mat(model.X), self.den))
        elif isinstance(model, MoG):
            check(lib.mg_denoiser_mog(model._m, self.den))
        else:
            raise Error("model must be a memgen.DAESet, DAE, TCDAE, Empirical or MoG, got %s" % type(model).__name__)
        self.model = model


def denoise(model, X, sigma, level="nearest"):
    """One application of a denoiser at noise level sigma > 0 (mg_denoise): the rows of X (n x d) denoised,
    n x d float32. model: a memgen.DAESet (level: how it answers a sigma between its levels, 'nearest' or
    'interp' in log sigma), a DAE, a TCDAE (f(X, sigma) exactly), an Empirical (f_emp, Eq. 3) or a MoG (f_gt,
    Eq. 4)."""
    dn = _Denoiser(model, level)
    Xa = as_matrix(X, "denoise: X", cols=dn.den.d)
    Y = new_matrix(Xa.shape[0], dn.den.d)
    check(lib.mg_denoise(dn.den, as_float(sigma, "sigma"), finite_mat(Xa, "denoise: X"), mat(Y)))
    return Y


def _grid(dn, sigmas, count, sigma_min, sigma_max):
    """The CLI's noise grid (sc_sigma_grid): sigmas if given; else a DAE set's own levels when count is None;
    else count (default 60) levels geometric between the set's extreme levels, a TCDAE's training range, or
    sigma_min .. sigma_max."""
    if sigmas is not None:
        return sigma_grid(sigmas)[0]
    if count is not None:
        count = as_int(count, "levels", 1)
        if count > 100000:
            raise Error("levels must be in 1..100000, got %d" % count)
    if dn.levels is not None:
        if count is None:
            return dn.levels
        sigma_min, sigma_max = dn.levels[0], dn.levels[-1]
    elif dn.range is not None:
        sigma_min, sigma_max = dn.range
    count = 60 if count is None else count
    sigma_min, sigma_max = as_float(sigma_min, "sigma_min"), as_float(sigma_max, "sigma_max")
    if not (sigma_min > 0 and sigma_max >= sigma_min):
        raise Error("need 0 < sigma_min <= sigma_max, got %r, %r" % (sigma_min, sigma_max))
    sig = np.empty(count)
    check(lib.mg_sigmas_geometric(sigma_min, sigma_max, count, f64_ptr(sig)))
    return sig


def sample(model, n=64, sigmas=None, levels=None, sampler="ddim", seed=0, chunk=1024, clamp=None, trajectory=False,
           progress=None, level="nearest", sigma_min=0.02, sigma_max=2.0):
    """n samples of a VE diffusion sampler (mg_sample), as `memgen sample` with the same flags and defaults.

    model: a memgen.DAESet (a DAE counts as a one-level set), a memgen.TCDAE (the authors' time-conditioned
    model), memgen.Empirical(X) (f_emp, Eq. 3) or a memgen.MoG (f_gt). Noise grid: sigmas (a spec
    "geom:SMIN:SMAX:K", "list:..." or ascending numbers); else a DAE set's own levels, or with levels=K that many
    levels geometric between its extreme levels; a TCDAE levels (default 60) levels geometric over its training
    range (model.sigma_range; 0.02, 2 where unknown; sigma_min/sigma_max do not apply, as in the CLI); other
    models levels (default 60) levels geometric in [sigma_min, sigma_max] (0.02, 2). sampler: ddim |
    ancestral (the authors' stochastic VE sampler, alias "authors") | euler | heun. level: how a DAE set
    answers levels between its own, 'nearest' or 'interp'. clamp: (lo, hi) applied after every step
    (the authors clamp to (-1, 1)); chunk: samples per batch; seed: as --seed. progress(done, total) is
    called per step of each chunk; an exception it raises (or Ctrl-C) stops sampling and propagates.

    Returns the n x d float32 samples, or (samples, states) with trajectory=True, states (K+1) x n x d:
    x before each of the K steps, then the result."""
    dn = _Denoiser(model, level)
    n, chunk = as_int(n, "n", 1), as_int(chunk, "chunk", 0)
    sig = np.ascontiguousarray(_grid(dn, sigmas, levels, sigma_min, sigma_max), dtype=np.float64)
    p = ffi.new("mg_sample_params *", lib.mg_sample_params_default())
    kind = ffi.new("mg_sampler_kind *")
    check(lib.mg_sampler_parse(str(sampler).encode(), kind))
    p.kind, p.sigmas, p.nsigmas, p.chunk = kind[0], f64_ptr(sig), sig.size, chunk
    if clamp is not None:
        lo_hi = np.asarray(clamp, dtype=np.float64).reshape(-1) if np.ndim(clamp) else np.empty(0)
        if lo_hi.size != 2 or not np.all(np.isfinite(lo_hi)) or not lo_hi[1] > lo_hi[0]:
            raise Error("clamp must be (lo, hi) with finite lo < hi, got %r" % (clamp,))
        p.clamp_lo, p.clamp_hi = lo_hi
    d = dn.den.d
    states = np.empty((sig.size + 1, n, d), dtype=np.float32) if trajectory else None
    if states is not None:
        p.trajectory = ffi.cast("float *", states.ctypes.data)
    cb = callback(progress) if progress is not None else None
    if cb is not None:
        p.progress, p.progress_ctx = lib._mg_py_sample_progress, callback_ctx(cb)
    S = new_matrix(n, d)
    run(lib.mg_sample, dn.den, p, rng(seed), mat(S))
    return (S, states) if trajectory else S
