"""Detection inputs on the real model (paper Algorithm 1, App. B.2, Table 1):
the hooked representation of every generation, and the scores of the
baselines that apply to a real model, each timed per sample.

  acts      x_t = x + sigma eps (sigma = 0.17, DDPM t = 50; eps of generation i
            from its own seeded generator), one forward pass of D(x_t; sigma)
            stopped at the hooked module (model.py: the first nonlinearity of
            the last lowest-resolution decoder block), global max pooling over
            the 7 x 7 positions -> n x C. memgen's detector scores these
            (every spikiness metric of repr.h). The raw C x 7 x 7
            activations of the first few generations are kept too (float32),
            so that memgen's own pooling can be checked against this one.
  denoise   -|D(x + sigma eps; sigma) - x|^2 with the same eps (the model's own
            denoising error; memorized samples are denoised almost perfectly).
  flipd     -FLIPD (Kamkari et al. 2024) with the real score: for the VE
            process and an x0-denoiser, s(x) = (D(x; sigma) - x) / sigma^2 and
            FLIPD(x) = d + sigma^2 (tr grad s + |s|^2) = tr J_D(x) + |D(x) - x|^2
            / sigma^2 at the clean x (memgen's detect.h formula, with tr J_D
            estimated by Hutchinson: the mean over `probes` Rademacher vectors
            u of u^T J_D u, one vector-Jacobian product each).
  clique    the number of near duplicates of a generation among the other
            generations (Carlini et al. 2023; memgen's rule: |a - b| <= tau
            (|a| + |b|) / 2 on [0, 1] pixels, among the k nearest).
  nn_ratio  the oracle: -d1/d2 against the distinct training images (needs
            the training data).
Times are wall seconds per sample of computing each score from the
generated images (best of `repeats` runs, one thread).
"""
import time

import numpy as np
import torch


class _Stop(Exception):
    """Raised by the hook to stop the forward pass once h is taken."""


def noise_for(indices, seed):
    """eps of generations `indices` (1 x 28 x 28 each) from generator seed' + i."""
    out = torch.empty(len(indices), 1, 28, 28)
    for k, i in enumerate(indices):
        g = torch.Generator().manual_seed(int(seed) * 7919 + 17 + int(i))
        out[k] = torch.randn(1, 28, 28, generator=g)
    return out


@torch.no_grad()
def hooked(model, x, sigma, full=False):
    """The hooked activation (n x C x 7 x 7) of D(x; sigma); with full, also D's output."""
    store = {}

    def grab(mod, inp, out):
        store["h"] = out.detach().clone()
        if not full:
            raise _Stop()

    hnd = model.hook_module().register_forward_hook(grab)
    try:
        y = model(x, torch.full((len(x),), float(sigma)))
    except _Stop:
        y = None
    finally:
        hnd.remove()
    return (store["h"], y) if full else store["h"]


def activations(model, X, sigma, seed, batch=250, n_raw=32):
    """Pooled (n x C) and raw (first n_raw: n_raw x C x 7 x 7) activations at x + sigma eps."""
    pooled, raw = [], None
    for b in range(0, len(X), batch):
        idx = np.arange(b, min(b + batch, len(X)))
        x = torch.from_numpy(X[idx]) + sigma * noise_for(idx, seed)
        h = hooked(model, x, sigma)
        if raw is None:
            raw = h[:n_raw].numpy().copy()
        pooled.append(h.amax(dim=(2, 3)).numpy())
    return np.concatenate(pooled), raw


def denoise_scores(model, X, sigma, seed, batch=250):
    """-|D(x + sigma eps; sigma) - x|^2 per generation, eps as activations() draws it."""
    out = []
    with torch.no_grad():
        for b in range(0, len(X), batch):
            idx = np.arange(b, min(b + batch, len(X)))
            x0 = torch.from_numpy(X[idx])
            y = model(x0 + sigma * noise_for(idx, seed), torch.full((len(idx),), float(sigma)))
            out.append(-((y - x0) ** 2).flatten(1).sum(1).numpy())
    return np.concatenate(out).astype(np.float64)


def flipd_scores(model, X, sigma, seed, probes=4, batch=125):
    """-FLIPD at the clean x with Hutchinson's trace estimate (module docstring)."""
    out = []
    g = torch.Generator().manual_seed(int(seed) * 31 + 5)
    for b in range(0, len(X), batch):
        x = torch.from_numpy(X[b: b + batch]).clone().requires_grad_(True)
        y = model(x, torch.full((len(x),), float(sigma)))
        tr = torch.zeros(len(x))
        for k in range(probes):
            u = torch.randint(0, 2, x.shape, generator=g).float() * 2 - 1
            (vjp,) = torch.autograd.grad(y, x, grad_outputs=u, retain_graph=k + 1 < probes)
            tr += (vjp * u).flatten(1).sum(1).detach() / probes
        res = ((y.detach() - x.detach()) ** 2).flatten(1).sum(1) / sigma ** 2
        out.append(-(tr + res).numpy())
    return np.concatenate(out).astype(np.float64)


def clique_scores(G01, tau=0.1, k=50, chunk=512):
    """Near-duplicate count among the k nearest other generations (memgen's rule)."""
    g = G01.reshape(len(G01), -1).astype(np.float64)
    nrm = np.sqrt((g ** 2).sum(1))
    sq = nrm ** 2
    k = min(k, len(g) - 1)
    out = np.empty(len(g))
    for i in range(0, len(g), chunk):
        d = np.sqrt(np.maximum(sq[i: i + chunk, None] + sq[None] - 2 * g[i: i + chunk] @ g.T, 0))
        d[np.arange(len(d)), np.arange(i, i + len(d))] = np.inf
        near = np.argpartition(d, k - 1, axis=1)[:, :k]
        dn = np.take_along_axis(d, near, 1)
        lim = tau * (nrm[i: i + chunk, None] + nrm[near]) / 2
        out[i: i + chunk] = (dn <= lim).sum(1)
    return out


def timed(fn, repeats):
    """(result, best wall seconds) of fn() over `repeats` runs."""
    best, res = float("inf"), None
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        res = fn()
        best = min(best, time.perf_counter() - t)
    return res, best


def export(model, gens, gens01, train01, nn_ratio, sigma, flipd_sigma, seed, probes, repeats, n_raw, log=print):
    """Every detection input of the generations `gens` (n x 1 x 28 x 28, model
    range); returns a dict of arrays and the per-sample seconds."""
    n = len(gens)
    (pooled, raw), t_act = timed(lambda: activations(model, gens, sigma, seed, n_raw=n_raw), repeats)
    std_check = pooled.std(axis=1, ddof=1)
    den, t_den = timed(lambda: denoise_scores(model, gens, sigma, seed), repeats)
    fl, t_fl = timed(lambda: flipd_scores(model, gens, flipd_sigma, seed, probes), 1)
    cl, t_cl = timed(lambda: clique_scores(gens01), repeats)
    from .label import nn_two
    _, t_nn = timed(lambda: nn_two(gens01, train01), 1)
    secs = dict(acts=t_act / n, denoise=t_den / n, flipd=t_fl / n, clique=t_cl / n, nn_ratio=t_nn / n)
    if log:
        log("export: %d generations; seconds per sample: %s"
            % (n, ", ".join("%s %.2e" % kv for kv in secs.items())))
    return dict(acts=pooled.astype(np.float32), acts_raw=raw.astype(np.float32), std_check=std_check,
                denoise=den, flipd=fl, clique=cl, nn_ratio=-np.asarray(nn_ratio, dtype=np.float64)), secs
