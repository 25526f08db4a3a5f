"""The bridge to the C library every other module of the package uses.

- Error: the one exception memgen raises, carrying the library's status name
  and message (mg_status_str / mg_last_error).
- Arrays: NumPy in, C matrix views out without a copy when the layout allows
  (float32, unit stride along a row), a converted copy otherwise; outputs are
  fresh NumPy arrays the C code writes into.
- Long calls: run on a worker thread (cffi releases the GIL during the call)
  so that Ctrl-C in the main thread sets the library's stop request, the C
  loop returns MG_ERR_INTERRUPTED, and Python raises KeyboardInterrupt.
- Callbacks: progress callbacks from C into Python; an exception raised in
  one stops the C call and is re-raised when it returns.
"""
import signal
import threading

import numpy as np

from ._memgen_cffi import ffi, lib

__all__ = ["Error", "ffi", "lib"]


class Error(Exception):
    """A failure reported by the memgen library (or a bad argument caught
    before the call). `status` is the C status name ("MG_ERR_SHAPE", ...)."""

    def __init__(self, message, status="MG_ERR_ARG"):
        super().__init__(message)
        self.status = status


def _text(cstr):
    """A C string as str ('' for NULL)."""
    return "" if cstr == ffi.NULL else ffi.string(cstr).decode("utf-8", "replace")


def _failure(st):
    """The exception for a failed status, read on the thread that failed."""
    name = _text(lib.mg_status_str(st))
    if st == lib.MG_ERR_INTERRUPTED:
        return KeyboardInterrupt(_text(lib.mg_last_error()))
    return Error(_text(lib.mg_last_error()) or name, name)


def check(st):
    """Raises the library's error for a nonzero status (call on the thread that made the call)."""
    if st != lib.MG_OK:
        raise _failure(st)


# ---- arrays ------------------------------------------------------------------------------------------

_ACCEPTED_KINDS = "fiu"  # float, signed and unsigned integers (converted to float32)


def _as_float_array(x, name):
    """x as a NumPy array of a numeric kind memgen accepts, else Error."""
    a = x if isinstance(x, np.ndarray) else np.asarray(x)
    if a.dtype.kind not in _ACCEPTED_KINDS:
        raise Error("%s: dtype %s is not numeric (float32/float64 expected)" % (name, a.dtype))
    return a


def as_matrix(x, name, cols=None, rows=None):
    """A 2-D float32 array usable as an mg_mat: x itself when it is float32
    with unit stride along rows and 4-byte aligned row strides, else a C-order
    float32 copy. A 1-D x is one row. Checks cols / rows when given."""
    a = _as_float_array(x, name)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2:
        raise Error("%s: expected a 2-D array (rows x features), got shape %s" % (name, a.shape), "MG_ERR_SHAPE")
    if cols is not None and a.shape[1] != cols:
        raise Error("%s: expected %d columns, got %d" % (name, cols, a.shape[1]), "MG_ERR_SHAPE")
    if rows is not None and a.shape[0] != rows:
        raise Error("%s: expected %d rows, got %d" % (name, rows, a.shape[0]), "MG_ERR_SHAPE")
    if a.shape[0] < 1 or a.shape[1] < 1:
        raise Error("%s: empty array of shape %s" % (name, a.shape), "MG_ERR_SHAPE")
    ok = (a.dtype == np.float32 and a.dtype.isnative and a.strides[1] == 4 and a.strides[0] % 4 == 0
          and a.strides[0] >= 4 * a.shape[1])
    if not ok:
        a = np.ascontiguousarray(a, dtype=np.float32)
    return a


def mat(a):
    """The mg_mat view of a 2-D float32 array from as_matrix or new_matrix."""
    m = ffi.new("mg_mat *")
    m.rows, m.cols, m.ld = a.shape[0], a.shape[1], a.strides[0] // 4
    m.data = ffi.cast("float *", a.ctypes.data)
    return m[0]


def finite_mat(a, what):
    """mat(a) after the library's check that every value is finite (mg_mat_check,
    naming the first bad sample and feature), for calls that do not check."""
    m = mat(a)
    check(lib.mg_mat_check(m, what.encode()))
    return m


def data_matrix(x, name, cols=None):
    """x as a finite float32 matrix and its mg_mat (the checks the CLI's .npy reader and mg_mat_check make)."""
    a = as_matrix(x, name, cols=cols)
    return a, finite_mat(a, name)


def parse_enum(parser, value, ctype, what):
    """A C enum from its name through the library's parser (its message on a bad name)."""
    if not isinstance(value, str):
        raise Error("%s: expected a name, got %r" % (what, value))
    out = ffi.new(ctype + " *")
    check(parser(value.encode(), out))
    return out[0]


def new_matrix(rows, cols):
    """A fresh C-order float32 array for the library to fill."""
    return np.empty((int(rows), int(cols)), dtype=np.float32)


def f64_ptr(a):
    """double * of a C-contiguous float64 array."""
    return ffi.cast("double *", a.ctypes.data)


def i64_ptr(a):
    """int64_t * of a C-contiguous int64 array."""
    return ffi.cast("int64_t *", a.ctypes.data)


def i32_ptr(a):
    """int * of a C-contiguous int32 array."""
    return ffi.cast("int *", a.ctypes.data)


def as_f64(x, name, n=None):
    """x as a C-contiguous float64 vector (copied only when needed); length n when given."""
    a = np.ascontiguousarray(_as_float_array(x, name), dtype=np.float64).reshape(-1)
    if n is not None and a.size != n:
        raise Error("%s: expected %d values, got %d" % (name, n, a.size), "MG_ERR_SHAPE")
    return a


def as_labels(y, name, n):
    """Binary labels (1 = memorized) as a C int array of length n."""
    a = np.asarray(y)
    if a.dtype.kind not in "biuf":
        raise Error("%s: labels must be 0/1 numbers or booleans, got dtype %s" % (name, a.dtype))
    a = a.reshape(-1)
    if a.size != n:
        raise Error("%s: expected %d labels, got %d" % (name, n, a.size), "MG_ERR_SHAPE")
    if not np.all((a == 0) | (a == 1)):
        raise Error("%s: every label must be 0 or 1 (1 = memorized)" % name)
    return np.ascontiguousarray(a, dtype=np.intc)


def as_index(y, name, n):
    """Integer labels (cluster ids, classes) as a C int64 array of length n."""
    a = np.asarray(y)
    if a.dtype.kind not in "iu" and not (a.dtype.kind == "f" and np.all(np.mod(a, 1) == 0)):
        raise Error("%s: expected integer labels, got dtype %s" % (name, a.dtype))
    a = a.reshape(-1)
    if a.size != n:
        raise Error("%s: expected %d labels, got %d" % (name, n, a.size), "MG_ERR_SHAPE")
    return np.ascontiguousarray(a, dtype=np.int64)


def write_floats(ptr, value, shape, name):
    """Copies value (numeric, of exactly this shape, finite) into the C float array ptr as float32, else Error
    (the weight setters of models.py and tc.py)."""
    a = np.asarray(value)
    if a.dtype.kind not in _ACCEPTED_KINDS:
        raise Error("%s: dtype %s is not numeric" % (name, a.dtype))
    if a.shape != shape:
        raise Error("%s: expected shape %s, got %s" % (name, shape, a.shape), "MG_ERR_SHAPE")
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise Error("%s: holds NaN or Inf" % name, "MG_ERR_NUMERIC")
    ffi.memmove(ptr, ffi.from_buffer(a), a.nbytes)


def st_meta(st):
    """The metadata of an mg_st * as a dict of strings ({} for NULL)."""
    if st == ffi.NULL:
        return {}
    return {text(lib.mg_st_meta_key(st, i)): text(lib.mg_st_meta(st, lib.mg_st_meta_key(st, i)))
            for i in range(lib.mg_st_meta_count(st))}


def model_meta(to_st, ptr):
    """A model's metadata as its file stores it: to_st (mg_dae_to_st, mg_tcdae_to_st) into a fresh mg_st."""
    st = ffi.gc(lib.mg_st_new(), lib.mg_st_free)
    if st == ffi.NULL:
        raise Error("out of memory", "MG_ERR_NOMEM")
    check(to_st(ptr, st, b""))
    return st_meta(st)


def array_from_c(arr):
    """A NumPy copy of an mg_array (any dtype memgen reads)."""
    dt = {lib.MG_F32: np.float32, lib.MG_F64: np.float64, lib.MG_U8: np.uint8, lib.MG_I32: np.int32,
          lib.MG_I64: np.int64, lib.MG_F16: np.float16}.get(arr.dtype)
    if dt is None:
        raise Error("unsupported array dtype %d" % arr.dtype, "MG_ERR_UNSUPPORTED")
    shape = tuple(arr.shape[i] for i in range(arr.ndim))
    n = int(np.prod(shape)) if shape else 1
    if n == 0 or arr.data == ffi.NULL:
        return np.zeros(shape, dtype=dt)
    buf = ffi.buffer(arr.data, n * np.dtype(dt).itemsize)
    return np.frombuffer(buf, dtype=dt).reshape(shape).copy()


def copy_c(ptr, n, dtype, shape=None):
    """A NumPy copy of n elements of a C array (float/double/int/int64)."""
    dtype = np.dtype(dtype)
    if n == 0 or ptr == ffi.NULL:
        out = np.zeros(n, dtype=dtype)
    else:
        out = np.frombuffer(ffi.buffer(ptr, int(n) * dtype.itemsize), dtype=dtype).copy()
    return out.reshape(shape) if shape is not None else out


# ---- randomness ---------------------------------------------------------------------------------------


def rng(seed):
    """An mg_rng * seeded as the CLI's --seed (mg_rng_init)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0 or seed >= 2 ** 64:
        raise Error("seed must be an integer in [0, 2^64), got %r" % (seed,))
    r = ffi.new("mg_rng *")
    lib.mg_rng_init(r, int(seed))
    return r


# ---- long calls ---------------------------------------------------------------------------------------


def run(fn, *args):
    """Calls fn(*args) (a C function returning mg_status) and raises on failure.
    On the main thread the call runs on a worker thread so that Ctrl-C (or an
    exception in a progress callback) requests the library's stop: the C loop
    ends with MG_ERR_INTERRUPTED and KeyboardInterrupt is raised here. It
    returns only once the C call has returned (the call borrows the arguments'
    memory): Ctrl-C is taken by a SIGINT handler installed for the call's
    duration, not by interrupting Thread.join, which on CPython 3.11 can mark
    a still-running thread as finished."""
    if threading.current_thread() is not threading.main_thread():
        check(fn(*args))
        return
    box, done, pending = {}, threading.Event(), []

    def work():
        try:
            st = fn(*args)
            box["error"] = None if st == lib.MG_OK else _failure(st)
        finally:
            done.set()

    def on_sigint(signum, frame):
        pending.append(KeyboardInterrupt("memgen: stopped on request"))
        lib.mg_train_request_stop()

    previous = signal.getsignal(signal.SIGINT)
    own = previous is signal.default_int_handler
    lib.mg_train_clear_stop()
    t = threading.Thread(target=work, name="memgen-call", daemon=True)
    if own:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        t.start()
        while True:
            try:
                if done.wait(0.05):
                    break
            except BaseException as e:  # raised by some other signal handler: stop, wait, then re-raise
                pending.append(e)
                lib.mg_train_request_stop()
    finally:
        if own:
            signal.signal(signal.SIGINT, previous)
    t.join()
    lib.mg_train_clear_stop()
    error = _Callback.take_error()
    if error is not None:
        raise error
    if pending:
        raise pending[0]
    if box.get("error") is not None:
        raise box["error"]


class _Callback:
    """A Python callable passed to C as a handle; an exception it raises is
    kept, the C call is asked to stop, and run() re-raises it."""

    _error = None
    _lock = threading.Lock()

    def __init__(self, fn):
        self.fn = fn
        self.handle = ffi.new_handle(self)

    def __call__(self, *args):
        if self.fn is None:
            return
        try:
            self.fn(*args)
        except BaseException as e:  # noqa: B902 - re-raised by run()
            with _Callback._lock:
                if _Callback._error is None:
                    _Callback._error = e
            lib.mg_train_request_stop()

    @classmethod
    def take_error(cls):
        with cls._lock:
            e, cls._error = cls._error, None
        return e


def callback(fn):
    """A _Callback for fn (None: no callback); pass .handle as the C ctx."""
    return _Callback(fn)


def callback_ctx(cb):
    """The C ctx of a callback (NULL for none)."""
    return ffi.NULL if cb is None else cb.handle


@ffi.def_extern()
def _mg_py_train_progress(ctx, pr):
    ffi.from_handle(ctx)(dict(step=pr.step, total=pr.total, loss=pr.loss, data_loss=pr.data_loss,
                              grad_norm=pr.grad_norm, rep_std_mean=pr.rep_std_mean, rep_std_max=pr.rep_std_max,
                              elapsed=pr.elapsed))


@ffi.def_extern()
def _mg_py_sample_progress(ctx, done, total):
    ffi.from_handle(ctx)(int(done), int(total))


@ffi.def_extern()
def _mg_py_repro_progress(ctx, pr):
    ffi.from_handle(ctx)(dict(stage=_text(pr.stage), detail=_text(pr.detail), fraction=pr.fraction,
                              elapsed=pr.elapsed))


@ffi.def_extern()
def _mg_py_level_io(ctx, level, count, sigma, io):
    ffi.from_handle(ctx).level_io(level, count, sigma, io)


def text(cstr):
    """A C string as str ('' for NULL)."""
    return _text(cstr)


# ---- scalar arguments (train.py, theory.py, sampling.py, data.py) ----------------------------------------


def as_int(value, name, lo=None):
    """value as a Python int (>= lo when given), else Error (no bool, no fractional float)."""
    try:
        ok = not isinstance(value, bool) and int(value) == value
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or (lo is not None and value < lo):
        raise Error("%s must be an integer%s, got %r" % (name, "" if lo is None else " >= %d" % lo, value))
    return int(value)


def as_float(value, name):
    """value as a Python float, else Error (a number or something float() reads)."""
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise Error("%s must be a number, got %r" % (name, value)) from None


# ---- noise grids and cluster labels (train.py, theory.py, sampling.py, data.py) ----------------------------


def sigma_grid(sigmas):
    """(levels as a float64 array, spec string) of a grid given as a spec (geom:SMIN:SMAX:K, linear:...,
    karras:..., list:S1,S2,... or one number, mg_sigmas_parse) or as ascending numbers."""
    if isinstance(sigmas, str):
        out, count = ffi.new("double **"), ffi.new("int *")
        check(lib.mg_sigmas_parse(sigmas.encode(), out, count))
        try:
            return copy_c(out[0], count[0], "float64"), sigmas
        finally:
            lib.free(out[0])
    sig = as_f64(sigmas, "sigmas")
    if sig.size < 1:
        raise Error("sigmas: no noise levels given", "MG_ERR_SHAPE")
    s = lib.mg_sigmas_format(f64_ptr(sig), sig.size)
    try:
        return sig, "list:" + text(s)
    finally:
        lib.free(s)


def i64_view(a):
    """An mg_array * viewing a 1-D C-contiguous int64 array (kept alive by the caller)."""
    arr = ffi.new("mg_array *")
    arr.dtype, arr.ndim, arr.shape[0], arr.data = lib.MG_I64, 1, a.size, ffi.cast("void *", a.ctypes.data)
    return arr


def compact_labels(y, name, n):
    """Integer labels of any values as compact ids 0..K-1 numbered in increasing order of the values
    (mg_labels_compact): (ids int64, K, values of each id int64)."""
    a = as_index(y, name, n)
    lab, K, val = ffi.new("int64_t **"), ffi.new("int64_t *"), ffi.new("int64_t **")
    check(lib.mg_labels_compact(i64_view(a), n, name.encode(), lab, K, val))
    try:
        return copy_c(lab[0], n, np.int64), int(K[0]), copy_c(val[0], K[0], np.int64)
    finally:
        lib.free(lab[0])
        lib.free(val[0])
