"""Training DAEs (paper Eq. 5-6, App. B.1) from Python, as `memgen train` does:
the same parameter resolution, the same generator (mg_rng_init(seed), the
trainer's forks), so the same X, options and seed give the same bits as the
CLI's saved model. Training runs on a worker thread: Ctrl-C, or an exception
raised in the progress callback, stops it (after a checkpoint when one is
configured) and is raised here.

    m = memgen.train(X, 0.2, hidden=64, steps=2000, seed=1)          # one DAE
    s = memgen.train_set(X, "geom:0.02:2:10", hidden=64, steps=500)  # a DAE set
"""
import os

from ._core import (Error, as_float, as_int, callback, callback_ctx, check, data_matrix, f64_ptr, ffi, lib, parse_enum,
                    rng, run, sigma_grid)
from .models import DAE, DAESet

__all__ = ["train", "train_set"]

# The keywords that set a run's trajectory (train's, and train_set's **options), with the CLI's defaults.
_TRAJECTORY = dict(tied=None, bias=None, init="kaiming", loss="torch", lambda_=0.0, optim="rmsprop", lr=None,
                   weight_decay=None, momentum=0.0, dampening=0.0, nesterov=False, beta1=0.9, beta2=0.999, eps=1e-8,
                   alpha=0.99, centered=False, batch=None, replace=False, steps=1000)


def _init_model(init, d):
    """(init kind, scale, model or None, file or None) of an init option: "kaiming", "normal:SCALE",
    "file:PATH" or a memgen.DAE (copied)."""
    if isinstance(init, DAE):
        model = init.copy()
    elif isinstance(init, str) and init.startswith("file:") and len(init) > 5:
        model = DAE.load(init[5:])
    elif init == "kaiming":
        return lib.MG_INIT_KAIMING, 0.01, None, None
    elif isinstance(init, str) and init.startswith("normal:"):
        scale = as_float(init[7:], "init normal:SCALE")
        if not scale >= 0:
            raise Error("init normal:SCALE needs SCALE >= 0, got %r" % init)
        return lib.MG_INIT_NORMAL, scale, None, None
    else:
        raise Error("init must be 'kaiming', 'normal:SCALE', 'file:PATH' or a memgen.DAE, got %r" % (init,))
    if model.d != d:
        raise Error("init: the model has dimension %d but the data has %d columns" % (model.d, d), "MG_ERR_SHAPE")
    return lib.MG_INIT_KAIMING, 0.01, model, init if isinstance(init, str) else None


def _params(n, d, sigma, hidden, o):
    """The mg_train_params of `memgen train` for n x d data (o: the _TRAJECTORY keywords) and the init
    model (or None) and init file (or None). Defaults as the CLI: the batch is the whole data when
    n <= 256 and no batch is given; lr / weight_decay None take PyTorch's defaults."""
    unknown = set(o) - set(_TRAJECTORY)
    if unknown:
        raise Error("unknown training option(s): %s" % ", ".join(sorted(unknown)))
    o = dict(_TRAJECTORY, **o)
    p = ffi.new("mg_train_params *", lib.mg_train_params_default())
    p.init, p.init_scale, model, init_file = _init_model(o["init"], d)
    if model is not None:
        for name, have in (("hidden", model.p), ("tied", model.tied), ("bias", model.bias)):
            want = hidden if name == "hidden" else o[name]
            if want is not None and want != have:
                raise Error("init: the model has %s = %r, which disagrees with %s = %r" % (name, have, name, want))
        hidden, o["tied"], o["bias"] = model.p, model.tied, model.bias
    if hidden is None:
        raise Error("hidden is required (or init='file:PATH' / a memgen.DAE)")
    p.hidden = as_int(hidden, "hidden")
    p.tied = int(True if o["tied"] is None else bool(o["tied"]))
    p.bias = int(bool(o["bias"]))
    p.sigma = as_float(sigma, "sigma")
    _schedule(p, n, o)
    check(lib.mg_train_params_check(p, n, d))
    return p, model, init_file


def _schedule(p, n, o):
    """Fills the loss, optimizer, batch and steps fields of the mg_train_params p for n data rows from o
    (the _TRAJECTORY keywords, all present), as `memgen train` resolves them (also train_tc's)."""
    p.loss = parse_enum(lib.mg_loss_parse, o["loss"], "mg_loss_kind", "loss")
    p.optim = parse_enum(lib.mg_optim_parse, o["optim"], "mg_optim_kind", "optim")
    p.steps = as_int(o["steps"], "steps")
    p.nesterov, p.centered = int(bool(o["nesterov"])), int(bool(o["centered"]))
    for field, key in (("lambda", "lambda_"), ("momentum", "momentum"), ("dampening", "dampening"),
                       ("beta1", "beta1"), ("beta2", "beta2"), ("eps", "eps"), ("alpha", "alpha")):
        setattr(p, field, as_float(o[key], key))
    p.lr = float("nan") if o["lr"] is None else as_float(o["lr"], "lr")
    p.weight_decay = float("nan") if o["weight_decay"] is None else as_float(o["weight_decay"], "weight_decay")
    batch, replace = o["batch"], bool(o["replace"])
    if batch == "full":
        if replace:
            raise Error("replace needs a batch size, not batch='full'")
        p.batch_mode = lib.MG_BATCH_FULL
    else:
        if batch is not None:
            p.batch = as_int(batch, "batch")
        p.batch_mode = lib.MG_BATCH_REPLACE if replace else lib.MG_BATCH_SHUFFLE
        if batch is None and not replace and n <= p.batch:
            p.batch_mode = lib.MG_BATCH_FULL  # small data: full batch, as the CLI


def _io(keep, log, log_every, probe, checkpoint, checkpoint_every, cb):
    """An mg_train_io: CSV log, probe rows, checkpoints (written on stop, every checkpoint_every steps and
    at the end when a checkpoint path is given), the progress callback. keep: C strings kept alive."""
    io = ffi.new("mg_train_io *")
    io.log_every, io.probe_rows = as_int(log_every, "log_every"), as_int(probe, "probe")
    if io.log_every < 1 or io.probe_rows < 1:
        raise Error("log_every and probe must be >= 1")
    if as_int(checkpoint_every, "checkpoint_every") < 0:
        raise Error("checkpoint_every must be >= 0")
    if log is not None:
        keep.append(ffi.new("char[]", os.fsencode(log)))
        io.log_path = keep[-1]
    if checkpoint is not None:
        keep.append(ffi.new("char[]", os.fsencode(checkpoint)))
        io.checkpoint_path, io.checkpoint_every, io.checkpoint_at_end = keep[-1], checkpoint_every, 1
    elif checkpoint_every:
        raise Error("checkpoint_every needs a checkpoint path")
    if cb is not None:
        io.progress, io.ctx = lib._mg_py_train_progress, callback_ctx(cb)
    return io


def train(X, sigma=0.2, hidden=None, steps=1000, seed=0, optim="rmsprop", lr=None, weight_decay=None, batch=None,
          replace=False, loss="torch", lambda_=0.0, tied=None, bias=None, init="kaiming", momentum=0.0,
          dampening=0.0, nesterov=False, beta1=0.9, beta2=0.999, eps=1e-8, alpha=0.99, centered=False,
          progress=None, log=None, log_every=100, probe=256, checkpoint=None, checkpoint_every=0, resume=False):
    """Trains one DAE f(x) = W2 relu(W1^T x) (Eq. 5) on the rows of X (n x d) by minimising the denoising
    loss (Eq. 6) at noise level sigma with fresh Gaussian noise every step: `memgen train` (mg_train_dae).
    Returns a memgen.DAE whose metadata records the run (sigma, the effective Eq. 6 lambda, optim, ...).

    Keywords are the CLI's flags (--weight-decay is weight_decay, --lambda is lambda_) with its defaults:
    hidden (p, required unless init is a model); steps 1000; optim sgd|adam|adamw|rmsprop (rmsprop);
    lr (None: adam/adamw 1e-3, rmsprop 1e-2, sgd needs one); weight_decay (coupled, adamw decoupled;
    None: 0, adamw 0.01); batch rows per step or "full" (None: 256, the whole data when n <= 256);
    replace (draw batch rows with replacement); loss "torch" (MSELoss mean + optimizer decay, the authors')
    or "eq6"; lambda_ (explicit Eq. 6 penalty, 0); tied (None: tied, W2 = W1); bias (None: bias-free);
    init "kaiming" | "normal:SCALE" | "file:PATH" | a memgen.DAE to start from (copied); momentum,
    dampening, nesterov, beta1, beta2, eps, alpha, centered as PyTorch's optimizers; seed (weights, noise,
    batch order).

    progress: called every log_every steps and at the end with a dict (step, total, loss, data_loss,
    grad_norm, rep_std_mean, rep_std_max, elapsed); an exception it raises stops training and propagates.
    log: CSV path (step,loss,data_loss,grad_norm,rep_std_mean,rep_std_max); probe: rows whose
    representation std is reported. checkpoint: path of a checkpoint written when training stops early
    (Ctrl-C, an exception in progress), every checkpoint_every steps and at the end. resume=True continues
    from that checkpoint when the file exists (else trains from the start), giving the same bits as an
    uninterrupted run; the trajectory keywords and seed must be those of the run that wrote it (steps may
    grow)."""
    Xa, Xm = data_matrix(X, "training data")
    n, d = Xa.shape
    o = dict(tied=tied, bias=bias, init=init, loss=loss, lambda_=lambda_, optim=optim, lr=lr,
             weight_decay=weight_decay, momentum=momentum, dampening=dampening, nesterov=nesterov, beta1=beta1,
             beta2=beta2, eps=eps, alpha=alpha, centered=centered, batch=batch, replace=replace, steps=steps)
    p, model, init_file = _params(n, d, sigma, hidden, o)
    if resume and checkpoint is None:
        raise Error("resume needs a checkpoint path")
    r = rng(seed)
    cb = callback(progress) if progress is not None else None
    keep = []
    io = _io(keep, log, log_every, probe, checkpoint, checkpoint_every, cb)
    if resume and os.path.exists(checkpoint):
        model = DAE(d, p.hidden, tied=p.tied, bias=p.bias)
        tr = ffi.new("mg_trainer **")
        check(lib.mg_trainer_create(p, model._ptr, Xm, r, tr))
        tr = ffi.gc(tr[0], lib.mg_trainer_free)
        check(lib.mg_trainer_load_checkpoint(tr, os.fsencode(checkpoint)))
        run(lib.mg_trainer_run, tr, io)
        check(lib.mg_train_annotate_model(model._ptr, lib.mg_trainer_params(tr), r, n, d))
    else:
        out = ffi.new("mg_dae **", ffi.NULL if model is None else model._ptr)
        try:
            run(lib.mg_train_dae, p, Xm, r, io, out)
        finally:
            if model is None and out[0] != ffi.NULL:
                model = DAE._wrap(out[0])  # freed with the object, also when training failed
    if init_file is not None:
        model.set_meta("init", init_file)
    elif isinstance(init, DAE):
        model.set_meta("init", "memgen.DAE")
    return model


def _level_path(path, k, ext):
    """'<path without ext>.level<k><ext>', the CLI's per-level file name."""
    path = os.fspath(path)
    stem = path[:-len(ext)] if path.endswith(ext) else path
    return "%s.level%d%s" % (stem, k, ext)


class _SetRun:
    """mg_train_set_opts.level_io (through _core's _mg_py_level_io): per-level log and checkpoint names as
    `memgen train --sigmas`, and the progress callback with the level added."""

    def __init__(self, log, log_every, probe, checkpoint, checkpoint_every, progress):
        self.args = (log, log_every, probe, checkpoint, checkpoint_every)
        self.level = None
        self.keep = []
        self.progress = progress
        self.cb = callback(self._progress) if progress is not None else None
        self.level_io = callback(self._fill)  # a _Callback: an exception in it stops the run
        self.handle = ffi.new_handle(self)

    def _progress(self, pr):
        k, count, sigma = self.level
        self.progress(dict(pr, level=k, count=count, sigma=sigma))

    def _fill(self, k, count, sigma, io):
        log, log_every, probe, checkpoint, every = self.args
        self.level = (int(k), int(count), float(sigma))
        log = None if log is None else _level_path(log, k, ".csv")
        checkpoint = None if checkpoint is None else _level_path(checkpoint, k, ".safetensors")
        ffi.memmove(io, _io(self.keep, log, log_every, probe, checkpoint, every, self.cb), ffi.sizeof("mg_train_io"))


def train_set(X, sigmas, hidden, seed=0, progress=None, log=None, log_every=100, probe=256, checkpoint=None,
              checkpoint_every=0, resume=False, **options):
    """Trains one DAE per noise level (App. B.1: a DAE set used as the diffusion model), as
    `memgen train --sigmas SPEC` (mg_train_daeset): level k trains with sigma = sigmas[k] and generator
    fork k of seed, so it equals memgen.train at that sigma with that generator. Returns a memgen.DAESet.

    sigmas: a spec ("geom:0.02:2:10", "linear:...", "karras:...", "list:0.1,0.5") or ascending numbers.
    options: train's trajectory keywords (steps, optim, lr, weight_decay, batch, replace, loss, lambda_,
    tied, bias, init "kaiming"|"normal:SCALE", momentum, ...), with the same defaults.
    progress: as train's, its dict also holding level, count and sigma. log / checkpoint: base paths; level
    k writes '<stem>.level<k>.csv' / '<stem>.level<k>.safetensors' (the CLI's names). resume=True
    continues every level whose checkpoint exists (the CLI's --resume-levels)."""
    Xa, Xm = data_matrix(X, "training data")
    n, d = Xa.shape
    init = options.get("init", "kaiming")
    if not isinstance(init, str) or init.startswith("file:"):
        raise Error("train_set trains every level from its own initialisation: init must be 'kaiming' or "
                    "'normal:SCALE'")
    sig, spec = sigma_grid(sigmas)
    p, _, _ = _params(n, d, float(sig[0]), hidden, options)
    if resume and checkpoint is None:
        raise Error("resume needs a checkpoint path")
    r = rng(seed)
    lv = _SetRun(log, log_every, probe, checkpoint, checkpoint_every, progress)
    _io([], log, log_every, probe, checkpoint, checkpoint_every, None)  # the options' checks, before training
    opts = ffi.new("mg_train_set_opts *")
    opts.level_io, opts.ctx, opts.resume = lib._mg_py_level_io, lv.handle, int(bool(resume))
    cset = ffi.new("mg_daeset *")
    run(lib.mg_train_daeset, p, f64_ptr(sig), sig.size, Xm, r, opts, cset)
    out = DAESet._adopt(cset)
    out.set_meta("train.seed", "%d" % seed)
    out.set_meta("train.sigmas_spec", spec)
    return out
