"""The authors' time-conditioned ReLU denoiser (their ReLU_Diffusion notebook, the model behind the paper's
Fig. 4-5; tcdae.h) from Python: one tied, bias-free ReLU network shared by every noise level,

    f(x, sigma) = W^T [relu(W x) * g(sigma)] + s x,    g(sigma) = exp(A2 relu(a1 log sigma + c1) + c2),

memgen.TCDAE reads and writes the files of `memgen train --kind tc`, memgen.train_tc trains one as that command
does (the same data, options and seed give the same bits), and memgen.sample, memgen.denoise,
memgen.representations and memgen.detect take a TCDAE where the CLI's sample, repr and detect take its file.

    m = memgen.train_tc(X, hidden=64, optim="adam", lr=5e-5, weight_decay=5e-4, steps=2000, seed=1)
    S = memgen.sample(m, 256, sampler="authors", clamp=(-1, 1))   # 60 levels over the training range
"""
import os

import numpy as np

from ._core import (Error, as_float, as_int, as_matrix, callback, check, copy_c, data_matrix, ffi, finite_mat, lib, mat,
                    model_meta, new_matrix, parse_enum, rng, run, sigma_grid, write_floats)
from .models import DAE, DAESet
from .train import _TRAJECTORY, _io, _schedule

__all__ = ["TCDAE", "train_tc"]

# The parameter blocks of mg_tcdae_parts, in the file's order (the authors' state_dict names in the docstrings).
_PARTS = ("W", "a1", "c1", "A2", "c2", "skip")


def rep_kind(representation):
    """An mg_tc_rep from its name: 'gated' (relu(W x) * g(sigma)) or 'ungated' (relu(W x), the authors' rep())."""
    return parse_enum(lib.mg_tc_rep_parse, representation, "mg_tc_rep", "representation")


def _sigma(value, name="sigma"):
    """A noise level > 0 (finite), else Error."""
    s = as_float(value, name)
    if not (s > 0 and np.isfinite(s)):
        raise Error("%s must be a finite number > 0, got %r" % (name, value))
    return s


class TCDAE:
    """A time-conditioned model. TCDAE(d, p) has every parameter zero; TCDAE.load(path) reads a file of
    `memgen train --kind tc` (or the authors' state_dict saved as .safetensors); memgen.train_tc trains one.
    Parameters are float32 NumPy copies in the authors' layout: W (p x d, encoder.weight), a1 (p,
    time_mlp.0.weight), c1 (p, time_mlp.0.bias), A2 (p x p, time_mlp.2.weight: gate j from unit k at [j, k]),
    c2 (p, time_mlp.2.bias) and the scalar skip s; assigning one writes the model."""

    def __init__(self, d, p):
        out = ffi.new("mg_tcdae **")
        check(lib.mg_tcdae_create(as_int(d, "d", 1), as_int(p, "p", 1), out))
        self._ptr = ffi.gc(out[0], lib.mg_tcdae_free)

    @classmethod
    def _wrap(cls, ptr):
        """Holds an mg_tcdae * (freed with the object)."""
        obj = cls.__new__(cls)
        obj._ptr = ffi.gc(ptr, lib.mg_tcdae_free)
        return obj

    @classmethod
    def load(cls, path):
        """Reads a time-conditioned model file (.safetensors; mg_tcdae_load, with shape and finite checks)."""
        out = ffi.new("mg_tcdae **")
        check(lib.mg_tcdae_load(os.fsencode(path), out))
        return cls._wrap(out[0])

    def save(self, path):
        """Writes the model as the CLI does (atomically: temp file + rename)."""
        check(lib.mg_tcdae_save(self._ptr, os.fsencode(path)))

    def copy(self):
        """An independent deep copy, metadata included."""
        out = ffi.new("mg_tcdae **")
        check(lib.mg_tcdae_clone(self._ptr, out))
        return TCDAE._wrap(out[0])

    # ---- shape, parameters, metadata ---------------------------------------------------------------------

    @property
    def d(self):
        """Data dimension."""
        return int(lib.mg_tcdae_dim(self._ptr))

    @property
    def p(self):
        """Hidden units (and gates)."""
        return int(lib.mg_tcdae_hidden(self._ptr))

    @property
    def sigma_range(self):
        """(sigma_min, sigma_max), the noise range the model was trained on (NaN where unknown); the sampler's
        default grid spans it, as `memgen sample --model` does (0.02 and 2 where unknown)."""
        lo, hi = ffi.new("double *"), ffi.new("double *")
        lib.mg_tcdae_sigma_range(self._ptr, lo, hi)
        return float(lo[0]), float(hi[0])

    @sigma_range.setter
    def sigma_range(self, value):
        try:
            lo, hi = value
        except (TypeError, ValueError):
            raise Error("sigma_range must be (sigma_min, sigma_max), got %r" % (value,)) from None
        lo, hi = _sigma(lo, "sigma_min"), _sigma(hi, "sigma_max")
        if hi < lo:
            raise Error("sigma_range needs sigma_min <= sigma_max, got %r" % (value,))
        lib.mg_tcdae_set_sigma_range(self._ptr, lo, hi)

    def _buffer(self, which):
        p, d = self.p, self.d
        shape = {"W": (p, d), "a1": (p,), "c1": (p,), "A2": (p, p), "c2": (p,), "skip": ()}[which]
        return getattr(lib.mg_tcdae_parts_of(self._ptr), which), shape

    def _get(self, which):
        ptr, shape = self._buffer(which)
        return copy_c(ptr, int(np.prod(shape)), np.float32, shape)

    def _set(self, which, value):
        ptr, shape = self._buffer(which)
        write_floats(ptr, value, shape, which)

    W = property(lambda self: self._get("W"), lambda self, v: self._set("W", v),
                 doc="The tied encoder/decoder, p x d (encoder.weight).")
    a1 = property(lambda self: self._get("a1"), lambda self, v: self._set("a1", v),
                  doc="The gate MLP's first weights, p (time_mlp.0.weight, stored p x 1).")
    c1 = property(lambda self: self._get("c1"), lambda self, v: self._set("c1", v),
                  doc="The gate MLP's first bias, p (time_mlp.0.bias).")
    A2 = property(lambda self: self._get("A2"), lambda self, v: self._set("A2", v),
                  doc="The gate MLP's second weights, p x p (time_mlp.2.weight).")
    c2 = property(lambda self: self._get("c2"), lambda self, v: self._set("c2", v),
                  doc="The gate MLP's second bias, p (time_mlp.2.bias).")

    @property
    def skip(self):
        """The learnable skip weight s of f = ... + s x."""
        return float(self._get("skip"))

    @skip.setter
    def skip(self, value):
        self._set("skip", value)

    @property
    def meta(self):
        """The metadata the file stores beside the tensors, as a dict of strings: memgen.kind ("tc_dae"), d, p,
        sigma_min and sigma_max (when known), the trainer's train.* keys, init, and free-form keys."""
        return model_meta(lib.mg_tcdae_to_st, self._ptr)

    def set_meta(self, key, value):
        """Sets one free-form metadata string (saved with the model; memgen.kind, d, p are reserved)."""
        check(lib.mg_tcdae_set_meta(self._ptr, str(key).encode(), str(value).encode()))

    # ---- evaluation ----------------------------------------------------------------------------------------

    def gate(self, sigma):
        """g(sigma) = exp(A2 relu(a1 log sigma + c1) + c2), the p gates (all > 0) at noise level sigma > 0."""
        g = np.empty(self.p, dtype=np.float32)
        check(lib.mg_tcdae_gate(self._ptr, _sigma(sigma), ffi.cast("float *", g.ctypes.data)))
        return g

    def forward(self, X, sigma):
        """f(X, sigma) for the rows of X (n x d) at noise level sigma > 0: the denoised rows, n x d float32
        (mg_tcdae_forward; what the sampler's denoiser computes)."""
        Xa = as_matrix(X, "forward: X", cols=self.d)
        Y = new_matrix(Xa.shape[0], self.d)
        check(lib.mg_tcdae_forward(self._ptr, finite_mat(Xa, "forward: X"), _sigma(sigma), mat(Y)))
        return Y

    __call__ = forward

    def encode(self, X, sigma, representation="gated"):
        """The representation of every row of X (n x d) at level sigma > 0, n x p float32, no noise added
        (mg_tcdae_encode): 'gated' relu(W x) * g(sigma) (what the decoder sees; the default, as the CLI's
        --representation) or 'ungated' relu(W x) (the authors' rep())."""
        rep = rep_kind(representation)
        Xa = as_matrix(X, "encode: X", cols=self.d)
        H = new_matrix(Xa.shape[0], self.p)
        check(lib.mg_tcdae_encode(self._ptr, finite_mat(Xa, "encode: X"), _sigma(sigma), rep, mat(H)))
        return H

    def to_dae(self, sigma, representation="gated"):
        """The DAE with skip (memgen.DAE) that equals the model at level sigma, its hidden layer the chosen
        representation (mg_tcdae_to_dae: gated W1 = (diag(g) W)^T, W2 = W^T; ungated the other way round)."""
        out = ffi.new("mg_dae **")
        check(lib.mg_tcdae_to_dae(self._ptr, _sigma(sigma), rep_kind(representation), out))
        return DAE._wrap(out[0])

    def to_daeset(self, sigmas, representation="gated"):
        """A memgen.DAESet with one such DAE per noise level (mg_tcdae_to_daeset): sigmas a spec
        ("geom:SMIN:SMAX:K", "list:...") or strictly ascending positive numbers. The analyses of a DAE set
        (representations, detect, steering) run on it; the CLI's repr/detect/steer do so with a tc file."""
        sig = np.ascontiguousarray(sigma_grid(sigmas)[0], dtype=np.float64)
        rep = rep_kind(representation)
        cset = ffi.new("mg_daeset *")
        st = lib.mg_tcdae_to_daeset(self._ptr, ffi.cast("double *", sig.ctypes.data), sig.size, rep, cset)
        out = DAESet._adopt(cset)  # frees what a failed call allocated too
        check(st)
        return out

    def __repr__(self):
        return "memgen.TCDAE(d=%d, p=%d, sigma_range=(%g, %g))" % ((self.d, self.p) + self.sigma_range)


# ---- helpers of sampling.py and analysis.py/detect.py (the CLI's model_cli.c) ------------------------------


def default_range(model):
    """The grid range a sampler uses for the model (mc_range): its training range, 0.02 / 2 where unknown."""
    lo, hi = model.sigma_range
    return (lo if lo > 0 else 0.02), (hi if hi > 0 else 2.0)


def levels(model, sigmas, representation):
    """The model as the DAE set of its levels at sigmas (any order, repeats allowed, a sigma <= 0 meaning the
    lowest training level), as the CLI's repr/detect read a tc model file (mc_levels)."""
    lo = default_range(model)[0]
    s = np.asarray(sigmas, dtype=np.float64).reshape(-1)
    s = np.unique(np.where(s > 0, s, lo)) if s.size else np.array([lo])
    return model.to_daeset(s, representation)


# ---- training ------------------------------------------------------------------------------------------------


def _init(init, d, hidden):
    """(model or None, 'init' metadata or None, hidden) of train_tc's init: "authors", "file:PATH" or a TCDAE
    (copied), checked against the data dimension and the hidden keyword as `memgen train --kind tc --init`."""
    if isinstance(init, TCDAE):
        model, note = init.copy(), "memgen.TCDAE"
    elif isinstance(init, str) and init.startswith("file:") and len(init) > 5:
        model, note = TCDAE.load(init[5:]), init
    elif isinstance(init, str) and init == "authors":
        return None, None, 256 if hidden is None else as_int(hidden, "hidden")
    else:
        raise Error("init must be 'authors', 'file:PATH' or a memgen.TCDAE, got %r" % (init,))
    if model.d != d:
        raise Error("init: the model has dimension %d but the data has %d columns" % (model.d, d), "MG_ERR_SHAPE")
    if hidden is not None and as_int(hidden, "hidden") != model.p:
        raise Error("init: the model has %d hidden units, not hidden = %r" % (model.p, hidden))
    return model, note, model.p


def train_tc(X, hidden=None, steps=1000, seed=0, sigma_min=0.02, sigma_max=2.0, optim="rmsprop", lr=None,
             weight_decay=None, batch=None, replace=False, loss="torch", init="authors", momentum=0.0, dampening=0.0,
             nesterov=False, beta1=0.9, beta2=0.999, eps=1e-8, alpha=0.99, centered=False, progress=None, log=None,
             log_every=100, probe=256, checkpoint=None, checkpoint_every=0, resume=False):
    """Trains the authors' time-conditioned model on the rows of X (n x d) as `memgen train --kind tc`
    (tctrain.h): every step each batch row gets its own sigma drawn log-uniformly in [sigma_min, sigma_max]
    (0.02, 2) and its own Gaussian noise, the target is the clean row, loss "torch" (nn.MSELoss, the authors')
    or "eq6". Returns a memgen.TCDAE whose metadata records the run; the same bits as the CLI's file.

    Keywords are the CLI's flags (--weight-decay is weight_decay) with its defaults: hidden (None: 256, the authors' p,
    or the init model's); steps 1000; optim sgd|adam|adamw|rmsprop (rmsprop); lr (None: adam/adamw 1e-3,
    rmsprop 1e-2, sgd needs one); weight_decay (coupled on every parameter, adamw decoupled; None: 0, adamw
    0.01); batch rows per step or "full" (None: 256, the whole data when n <= 256); replace; init "authors"
    (W kaiming-uniform, gate MLP last layer 0, skip 0) | "file:PATH" | a memgen.TCDAE to start from
    (copied); momentum, dampening, nesterov, beta1, beta2, eps, alpha, centered as PyTorch's optimizers;
    seed (weights, noise, noise levels, batch order). The authors' runs: memorization optim="rmsprop",
    lr=1e-3, weight_decay=1e-2, batch="full"; generalization optim="adam", lr=5e-5, weight_decay=5e-4, batch=256.

    progress, log, log_every, probe, checkpoint, checkpoint_every, resume: as memgen.train (the progress
    dict's rep_std_* is the gated representation of the clean probe rows at sigma_min); Ctrl-C or an
    exception raised in progress stops training (after writing the checkpoint when one is given) and
    propagates. resume=True continues from the checkpoint when it exists, to the same bits as an
    uninterrupted run (hidden, the trajectory keywords and seed must be the run's; steps may grow)."""
    Xa, Xm = data_matrix(X, "training data")
    n, d = Xa.shape
    if resume and checkpoint is None:
        raise Error("resume needs a checkpoint path")
    resuming = bool(resume) and os.path.exists(checkpoint)
    if resuming and not (isinstance(init, str) and init == "authors"):
        raise Error("init and a resumed checkpoint exclude each other")
    p = ffi.new("mg_tc_train_params *", lib.mg_tc_train_params_default())
    _schedule(p.base, n, dict(_TRAJECTORY, optim=optim, lr=lr, weight_decay=weight_decay, batch=batch,
                              replace=replace, loss=loss, momentum=momentum, dampening=dampening, nesterov=nesterov,
                              beta1=beta1, beta2=beta2, eps=eps, alpha=alpha, centered=centered, steps=steps))
    p.sigma_min, p.sigma_max = as_float(sigma_min, "sigma_min"), as_float(sigma_max, "sigma_max")
    model, note, p.base.hidden = _init(init, d, hidden)
    check(lib.mg_tc_train_params_check(p, n, d))
    r = rng(seed)
    keep = []
    io = _io(keep, log, log_every, probe, checkpoint, checkpoint_every,
             callback(progress) if progress is not None else None)
    if resuming:
        model = TCDAE(d, p.base.hidden)
    elif model is None:
        out = ffi.new("mg_tcdae **")
        check(lib.mg_tc_train_init_model(p, d, r, out))
        model = TCDAE._wrap(out[0])
    tr = ffi.new("mg_tc_trainer **")
    check(lib.mg_tc_trainer_create(p, model._ptr, Xm, r, tr))
    try:
        if resuming:
            check(lib.mg_tc_trainer_load_checkpoint(tr[0], os.fsencode(checkpoint)))
        run(lib.mg_tc_trainer_run, tr[0], io)
        check(lib.mg_tc_train_annotate_model(model._ptr, lib.mg_tc_trainer_params(tr[0]), r, n, d))
    finally:
        lib.mg_tc_trainer_free(tr[0])
    if note is not None:
        model.set_meta("init", note)
    return model
