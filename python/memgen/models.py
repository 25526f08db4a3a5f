"""memgen's models: the two-layer ReLU DAE f(x) = W2 relu(W1^T x + b1) + b2 + s x
(paper Eq. 5-6) and the DAE set over noise levels (App. B.1), loaded from and
saved to memgen's .safetensors files.

Weights are NumPy float32 arrays in memgen's layout: W1 and W2 are d x p (a
column per hidden unit), b1 has p entries, b2 d. Reading a weight returns a
copy; assigning one writes the model. `memgen.torch` converts to and from
torch.nn.Linear's layout (weight p x d for the encoder).
"""
import numpy as np

from ._core import (Error, as_matrix, check, copy_c, ffi, finite_mat, lib, mat, model_meta, new_matrix, st_meta,
                    write_floats)

__all__ = ["DAE", "DAESet"]


class DAE:
    """A memgen DAE. Create one with DAE(d, p, tied=True, bias=False), load
    one with DAE.load(path), or get one from memgen.train / memgen.solve."""

    def __init__(self, d, p, tied=True, bias=False, sigma=None):
        out = ffi.new("mg_dae **")
        check(lib.mg_dae_create(int(d), int(p), int(bool(tied)), int(bool(bias)), out))
        self._adopt(out[0], None)
        if sigma is not None:
            self.sigma = sigma

    def _adopt(self, ptr, owner):
        """Holds ptr: freed with this object, or borrowed from owner (a DAESet)."""
        self._owner = owner
        self._ptr = ptr if owner is not None else ffi.gc(ptr, lib.mg_dae_free)

    @classmethod
    def _wrap(cls, ptr, owner=None):
        obj = cls.__new__(cls)
        obj._adopt(ptr, owner)
        return obj

    @classmethod
    def load(cls, path):
        """Reads a memgen DAE file (.safetensors)."""
        out = ffi.new("mg_dae **")
        check(lib.mg_dae_load(str(path).encode(), out))
        return cls._wrap(out[0])

    def save(self, path):
        """Writes the model as a .safetensors file (atomically: temp file + rename)."""
        check(lib.mg_dae_save(self._ptr, str(path).encode()))

    def copy(self):
        """An independent deep copy."""
        out = ffi.new("mg_dae **")
        check(lib.mg_dae_clone(self._ptr, out))
        return DAE._wrap(out[0])

    # ---- shape and parameters ------------------------------------------------------------------------

    @property
    def d(self):
        """Data dimension."""
        return int(lib.mg_dae_dim(self._ptr))

    @property
    def p(self):
        """Hidden units."""
        return int(lib.mg_dae_hidden(self._ptr))

    @property
    def tied(self):
        """True when W2 = W1 (one parameter)."""
        return bool(lib.mg_dae_is_tied(self._ptr))

    @property
    def bias(self):
        """True when the model has biases b1, b2."""
        return bool(lib.mg_dae_has_bias(self._ptr))

    @property
    def sigma(self):
        """The noise level the model was trained or built for (NaN if unknown)."""
        return float(lib.mg_dae_sigma(self._ptr))

    @sigma.setter
    def sigma(self, value):
        lib.mg_dae_set_sigma(self._ptr, float(value))

    @property
    def skip(self):
        """The skip weight s of f(x) = ... + s x (0 unless set)."""
        return float(lib.mg_dae_skip(self._ptr))

    @skip.setter
    def skip(self, value):
        lib.mg_dae_set_skip(self._ptr, float(value))

    def _buffer(self, which):
        ptr = {"W1": lib.mg_dae_w1, "W2": lib.mg_dae_w2, "b1": lib.mg_dae_b1, "b2": lib.mg_dae_b2}[which](self._ptr)
        shape = {"W1": (self.d, self.p), "W2": (self.d, self.p), "b1": (self.p,), "b2": (self.d,)}[which]
        return ptr, shape

    def _get(self, which):
        ptr, shape = self._buffer(which)
        if ptr == ffi.NULL:
            return None
        return copy_c(ptr, int(np.prod(shape)), np.float32, shape)

    def _set(self, which, value):
        ptr, shape = self._buffer(which)
        if ptr == ffi.NULL:
            raise Error("%s: this model has no biases" % which)
        if which == "W2" and self.tied:
            raise Error("W2: the model is tied (W2 = W1); assign W1")
        write_floats(ptr, value, shape, which)

    W1 = property(lambda self: self._get("W1"), lambda self, v: self._set("W1", v),
                  doc="Encoder weights, d x p (W2 for a tied model).")
    W2 = property(lambda self: self._get("W2"), lambda self, v: self._set("W2", v),
                  doc="Decoder weights, d x p (the same as W1 when tied).")
    b1 = property(lambda self: self._get("b1"), lambda self, v: self._set("b1", v),
                  doc="Encoder bias (p), or None for a bias-free model.")
    b2 = property(lambda self: self._get("b2"), lambda self, v: self._set("b2", v),
                  doc="Decoder bias (d), or None for a bias-free model.")

    @property
    def meta(self):
        """The model's metadata (what the file stores beside the tensors) as a dict of strings."""
        return model_meta(lib.mg_dae_to_st, self._ptr)

    def set_meta(self, key, value):
        """Sets one metadata string (saved with the model)."""
        check(lib.mg_dae_set_meta(self._ptr, str(key).encode(), str(value).encode()))

    def weight_penalty(self):
        """P = ||W1||^2 + ||W2||^2 of Eq. 6 (tied: 2 ||W||^2)."""
        return float(lib.mg_dae_weight_penalty(self._ptr))

    # ---- evaluation --------------------------------------------------------------------------------------

    def forward(self, X):
        """f(X) for the rows of X (n x d): the denoised rows, n x d float32."""
        Xa = as_matrix(X, "forward: X", cols=self.d)
        Y = new_matrix(Xa.shape[0], self.d)
        H = ffi.new("mg_mat *")  # data NULL: the call allocates its own workspace
        check(lib.mg_dae_forward(self._ptr, finite_mat(Xa, "forward: X"), H[0], mat(Y)))
        return Y

    __call__ = forward

    def encode(self, X):
        """The representation h = relu(W1^T x + b1) of every row of X: n x p float32."""
        Xa = as_matrix(X, "encode: X", cols=self.d)
        H = new_matrix(Xa.shape[0], self.p)
        check(lib.mg_dae_encode(self._ptr, finite_mat(Xa, "encode: X"), mat(H)))
        return H

    def __repr__(self):
        return "memgen.DAE(d=%d, p=%d, tied=%s, bias=%s, sigma=%g)" % (self.d, self.p, self.tied, self.bias,
                                                                        self.sigma)


class DAESet:
    """DAEs over an ascending grid of noise levels, used as a diffusion model
    (the level nearest a sigma answers it). DAESet.load(path), DAESet(daes)
    from DAEs whose sigma is set, or memgen.train_set(...)."""

    def __init__(self, daes, sigmas=None):
        daes = list(daes)
        if not daes:
            raise Error("DAESet: no models given")
        if sigmas is None:
            sigmas = [m.sigma for m in daes]
        sig = np.asarray(sigmas, dtype=np.float64).reshape(-1)
        if sig.size != len(daes):
            raise Error("DAESet: %d models but %d noise levels" % (len(daes), sig.size), "MG_ERR_SHAPE")
        if not (np.all(np.isfinite(sig)) and np.all(sig > 0) and np.all(np.diff(sig) > 0)):
            raise Error("DAESet: noise levels must be positive, finite and strictly ascending, got %s" % sig)
        self._set = ffi.gc(ffi.new("mg_daeset *"), lib.mg_daeset_free)
        check(lib.mg_daeset_alloc(len(daes), ffi.cast("double *", sig.ctypes.data), self._set))
        for k, m in enumerate(daes):
            if not isinstance(m, DAE):
                raise Error("DAESet: level %d is not a memgen.DAE" % k)
            out = ffi.new("mg_dae **")
            check(lib.mg_dae_clone(m._ptr, out))
            self._set.levels[k] = out[0]
            lib.mg_dae_set_sigma(out[0], float(sig[k]))
        check(lib.mg_daeset_validate(self._set))

    @classmethod
    def _adopt(cls, cset):
        """Takes ownership of a filled mg_daeset * (freed with the object)."""
        obj = cls.__new__(cls)
        obj._set = ffi.gc(cset, lib.mg_daeset_free)
        return obj

    @classmethod
    def load(cls, path):
        """Reads a DAE-set file, or a single-DAE file (with its sigma) as a one-level set."""
        cset = ffi.new("mg_daeset *")
        check(lib.mg_daeset_load(str(path).encode(), cset))
        return cls._adopt(cset)

    def save(self, path):
        """Writes the set as one .safetensors file (atomically)."""
        check(lib.mg_daeset_save(self._set, str(path).encode()))

    @property
    def sigmas(self):
        """The noise levels, ascending (float64)."""
        return copy_c(self._set.sigmas, self._set.count, np.float64)

    @property
    def d(self):
        """Data dimension."""
        return self[0].d

    def __len__(self):
        return int(self._set.count)

    def __getitem__(self, k):
        """Level k as a DAE that shares the set's memory (writes change the set)."""
        n = len(self)
        if not isinstance(k, (int, np.integer)) or not -n <= k < n:
            raise IndexError("DAESet has %d levels" % n)
        return DAE._wrap(self._set.levels[int(k) % n], owner=self)

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    def nearest(self, sigma):
        """Index of the level nearest sigma in log sigma (ties to the lower)."""
        return int(lib.mg_daeset_nearest(self._set, float(sigma)))

    def set_meta(self, key, value):
        """Sets one metadata string saved with the set."""
        check(lib.mg_daeset_set_meta(self._set, str(key).encode(), str(value).encode()))

    @property
    def meta(self):
        """The set's own metadata as a dict of strings."""
        return st_meta(self._set.meta)

    def __repr__(self):
        return "memgen.DAESet(%d levels, sigmas %s)" % (len(self), np.array2string(self.sigmas, precision=3))
