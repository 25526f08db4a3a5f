"""PyTorch glue (optional: importing memgen does not import torch).

- DAEModule: memgen's DAE f(x) = W2 relu(W1^T x + b1) + b2 + s x (Eq. 5-6) as a
  torch.nn.Module whose weights sit in nn.Linear's layout (encoder.weight =
  W1^T, p x d; decoder.weight = W2, d x p; a tied model has no decoder and
  decodes with encoder.weight^T), converted from and back to memgen.DAE.
- ActivationRecorder: a forward hook on a named module of any model that
  captures its output at every forward pass, pools it as Algorithm 1 does
  (global max pooling over spatial dims or tokens, App. B.2) through
  memgen.features, and hands the rows to memgen's detector. The layout of the
  captured tensor is recorded with the features, so NCHW and NHWC cannot be
  confused: PyTorch convolutions always present NCHW shapes (a channels_last
  tensor is NCHW with other strides), token models NTC (channels last).
"""
import numpy as np
import torch
from torch import nn

from . import analysis
from ._core import Error
from .models import DAE

__all__ = ["DAEModule", "ActivationRecorder"]


class DAEModule(nn.Module):
    """memgen's two-layer ReLU DAE in PyTorch (same function, same weights).

    DAEModule(d, p, tied=True, bias=False) makes an untrained one; use
    DAEModule.from_memgen(dae) and .to_memgen() to convert."""

    def __init__(self, d, p, tied=True, bias=False, skip=0.0, sigma=float("nan")):
        super().__init__()
        self.encoder = nn.Linear(d, p, bias=bias)
        self.decoder = None if tied else nn.Linear(p, d, bias=bias)
        if tied and bias:
            self.b2 = nn.Parameter(torch.zeros(d))
        else:
            self.register_parameter("b2", None)
        self.register_buffer("skip", torch.tensor(float(skip)))
        self.sigma = float(sigma)

    @property
    def tied(self):
        """True when the decoder is the encoder's transpose."""
        return self.decoder is None

    def encode(self, x):
        """h = relu(W1^T x + b1) for a batch x (n x d)."""
        return torch.relu(self.encoder(x))

    def forward(self, x):
        """f(x) for a batch x (n x d)."""
        h = self.encode(x)
        if self.decoder is None:
            y = nn.functional.linear(h, self.encoder.weight.t(), self.b2)
        else:
            y = self.decoder(h)
        return y + self.skip * x if float(self.skip) != 0.0 else y

    @classmethod
    def from_memgen(cls, dae):
        """A module holding a copy of a memgen.DAE's weights (float32)."""
        if not isinstance(dae, DAE):
            raise Error("DAEModule.from_memgen: expected a memgen.DAE, got %s" % type(dae).__name__)
        m = cls(dae.d, dae.p, tied=dae.tied, bias=dae.bias, skip=dae.skip, sigma=dae.sigma)
        with torch.no_grad():
            m.encoder.weight.copy_(torch.from_numpy(dae.W1.T.copy()))
            if not dae.tied:
                m.decoder.weight.copy_(torch.from_numpy(dae.W2))
            if dae.bias:
                m.encoder.bias.copy_(torch.from_numpy(dae.b1))
                (m.b2 if dae.tied else m.decoder.bias).copy_(torch.from_numpy(dae.b2))
        return m

    def to_memgen(self):
        """A memgen.DAE with this module's weights (float32) and sigma."""
        d, p = self.encoder.in_features, self.encoder.out_features
        bias = self.encoder.bias is not None
        out = DAE(d, p, tied=self.tied, bias=bias)
        with torch.no_grad():
            out.W1 = self.encoder.weight.detach().cpu().float().numpy().T
            if not self.tied:
                out.W2 = self.decoder.weight.detach().cpu().float().numpy()
            if bias:
                out.b1 = self.encoder.bias.detach().cpu().float().numpy()
                b2 = self.b2 if self.tied else self.decoder.bias
                out.b2 = b2.detach().cpu().float().numpy()
        out.skip = float(self.skip)
        if self.sigma == self.sigma:
            out.sigma = self.sigma
        return out


class ActivationRecorder:
    """Records a named module's output during a real model's forward passes
    and turns it into detector inputs.

        with memgen.torch.ActivationRecorder(unet, "down.1.act") as rec:
            for x in batches:
                unet(x, sigma)
        scores = rec.scores()            # Algorithm 1's Std(h), higher = memorized

    layout: "auto" (4-D and more: NCHW, as PyTorch convolutions present them;
    3-D: tokens NTC, channels last; 2-D: n x F), or "nchw", "nhwc"/"ntc"
    ("clast"), "nf". pool: "max" (Algorithm 1, App. B.2), "mean" or "none".
    Each forward pass's output is pooled right away (memgen.features), so only
    n x C floats per pass are kept; `layouts` records the layout used for each
    pass and `shapes` the captured shapes."""

    def __init__(self, model, module, layout="auto", pool="max"):
        if isinstance(module, str):
            named = dict(model.named_modules())
            if module not in named:
                raise Error("ActivationRecorder: the model has no module named %r" % module, "MG_ERR_NOT_FOUND")
            module = named[module]
        self.module, self.layout, self.pool = module, layout, pool
        self._rows, self.layouts, self.shapes = [], [], []
        self._handle = None

    def _hook(self, module, inputs, output):
        """Pools one forward pass's output (a tensor, or the first of a tuple)."""
        if isinstance(output, (tuple, list)):
            output = output[0]
        t = output.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        a = t.cpu().contiguous().numpy()  # logical (PyTorch) layout, C order
        layout = self.layout
        if layout == "auto":
            layout = "nchw" if a.ndim >= 4 else "ntc" if a.ndim == 3 else "nf"
        self._rows.append(analysis.features(a, layout=layout, pool=self.pool))
        self.layouts.append(layout)
        self.shapes.append(tuple(a.shape))

    def start(self):
        """Registers the hook (also done by `with`)."""
        if self._handle is None:
            self._handle = self.module.register_forward_hook(self._hook)
        return self

    def stop(self):
        """Removes the hook; what was recorded stays."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()
        return False

    def clear(self):
        """Forgets what was recorded."""
        self._rows, self.layouts, self.shapes = [], [], []

    def features(self):
        """The pooled rows of every recorded pass, n x C float32 (in order)."""
        if not self._rows:
            raise Error("ActivationRecorder: nothing recorded (run a forward pass inside the recorder)")
        widths = {r.shape[1] for r in self._rows}
        if len(widths) != 1:
            raise Error("ActivationRecorder: passes gave %s features; record one module with one shape" % widths,
                        "MG_ERR_SHAPE")
        return np.concatenate(self._rows, axis=0)

    def scores(self, metric="std"):
        """Algorithm 1's spikiness of every recorded row (float64; higher = more likely memorized)."""
        return analysis.spikiness(self.features(), metric=metric)
