"""Sampling: EDM's deterministic second-order (Heun) sampler (Karras et al.
2022, Algorithm 1 with S_churn = 0) over the noise levels

  sigma_i = (smax^(1/rho) + i / (N - 1) (smin^(1/rho) - smax^(1/rho)))^rho,  i < N,  sigma_N = 0,

rho = 7: dx/dsigma = (x - D(x; sigma)) / sigma (the probability-flow ODE of
the VE process), an Euler step corrected by the trapezoid rule except the
last. 2N - 1 evaluations of D per image. Image i starts from its own seeded
noise (generator seed + i), so any subset of a run can be regenerated alone
and a steered run (steer.py) starts every image from the same noise as the
unsteered one.
"""
import time

import numpy as np
import torch


def edm_sigmas(n, smin=0.002, smax=80.0, rho=7.0):
    """The N levels above plus a final 0 (float64 NumPy array of N + 1)."""
    i = np.arange(n, dtype=np.float64)
    s = (smax ** (1 / rho) + i / (n - 1) * (smin ** (1 / rho) - smax ** (1 / rho))) ** rho
    return np.append(s, 0.0)


def start_noise(indices, seed, smax):
    """The starting noise smax * eps_i of images `indices`, eps_i from generator seed + i."""
    out = torch.empty(len(indices), 1, 28, 28)
    for k, i in enumerate(indices):
        g = torch.Generator().manual_seed(int(seed) * 1000003 + int(i))
        out[k] = torch.randn(1, 28, 28, generator=g)
    return out * smax


@torch.no_grad()
def heun(model, x, sigmas, denoise=None):
    """Integrates the ODE from x (at sigmas[0]) to sigma = 0. `denoise(x,
    sigma_float)` replaces model(x, sigma) when given (steering)."""
    den = denoise or (lambda xx, s: model(xx, torch.full((xx.shape[0],), s)))
    for i in range(len(sigmas) - 1):
        s, s_next = float(sigmas[i]), float(sigmas[i + 1])
        d = (x - den(x, s)) / s
        x_next = x + (s_next - s) * d
        if s_next > 0:
            d2 = (x_next - den(x_next, s_next)) / s_next
            x_next = x + (s_next - s) * 0.5 * (d + d2)
        x = x_next
    return x


def generate(model, n, seed, steps=18, batch=250, log=print, denoise=None, indices=None):
    """n images (n x 1 x 28 x 28 float32 NumPy, model range) by heun() from
    start_noise(); `indices` (optional) picks which images of the seed."""
    sig = edm_sigmas(steps)
    idx = np.arange(n) if indices is None else np.asarray(indices)
    out = np.empty((len(idx), 1, 28, 28), dtype=np.float32)
    t0, t_log = time.time(), time.time()
    for b in range(0, len(idx), batch):
        x = start_noise(idx[b: b + batch], seed, sig[0])
        out[b: b + batch] = heun(model, x, sig, denoise).numpy()
        if log and (time.time() - t_log > 10 or b + batch >= len(idx)):
            done = min(b + batch, len(idx))
            el = time.time() - t0
            log("sample: %d/%d images  %.1f s  left %.0f s" % (done, len(idx), el, el / done * (len(idx) - done)))
            t_log = time.time()
    return out
