"""Representation steering on the real model (paper Eq. 11, Sec. 4.2,
App. B.3):

  f_steered(x_t) = g(h(x_t) + a v),   v = (1/|S|) sum_{x in S} h(x + s eps),

with h the hooked activation (model.py; the paper's single-layer variant,
App. B.4) and g the rest of the network. v is the mean of h over the target
class's held-out images (C x 7 x 7: Eq. 11's mean over the target samples;
for Stable Diffusion the paper also averages over height and width, App.
B.3, which on this network moves nothing, measured: a mean gain toward the
target of at most 0.02) at the noise level s = vector_sigma. The paper
extracts at t = 10 of 1000 (s ~ 0.04); here s = 1, inside the steered window:
with EDM's preconditioning D(x; s) is nearly the identity at s = 0.04
(c_skip ~ 1, c_out ~ s), and v taken there moves the generalized samples
nowhere (measured on the full run's model: mean gain -0.03 .. 0.00 for a up
to 8; 0.24 at a = 2 with s = 1). Steering is applied during the final
`final_steps` sampling steps (the paper steers the final 20 of 40), i.e. at
noise levels sigma <= sigma_hi.
Each steered image starts from the same noise as its unsteered generation
(sample.py), so a sweep over a traces one sample's path.

The sweep ends where the generalized samples cover half of the way to the
target class's mean image (memgen's fig8 rule: the first a of 1/4, 1/2, ...,
32 at which their mean distance to it has dropped by gain_scale; the a of
the largest drop when none reaches it), and both groups use the same values
of a.
"""
import numpy as np
import torch

from .export import hooked
from .sample import edm_sigmas, generate


def steering_vector(model, X, s, seed):
    """v (C x 7 x 7): the mean over the images of h(x + s eps)."""
    g = torch.Generator().manual_seed(int(seed))
    x = torch.from_numpy(X)
    h = hooked(model, x + s * torch.randn(x.shape, generator=g), s)
    return h.mean(dim=0)


def steered_denoiser(model, v, alpha, sigma_hi):
    """A denoise(x, sigma) for sample.heun that adds alpha v to the hooked
    activation when sigma <= sigma_hi."""
    mod = model.hook_module()
    vv = v.unsqueeze(0)

    def den(x, s):
        add = alpha != 0 and s <= sigma_hi * (1 + 1e-9)
        hnd = mod.register_forward_hook(lambda m, i, o: o + alpha * vv) if add else None
        try:
            with torch.no_grad():
                return model(x, torch.full((x.shape[0],), s))
        finally:
            if hnd is not None:
                hnd.remove()

    return den


def sweep(model, v, alphas, indices, seed, steps, sigma_hi, log=None):
    """Images (len(alphas) x n x 1 x 28 x 28, model range) of the generations
    `indices` of `seed`, steered with each alpha."""
    return np.stack([generate(model, len(indices), seed, steps=steps, log=log, indices=indices,
                              denoise=steered_denoiser(model, v, a, sigma_hi)) for a in alphas])


def mean_gain(imgs01_a, imgs01_0, centroid01):
    """Mean over samples of (d0 - da) / d0, d = distance to the centroid."""
    d0 = np.linalg.norm(imgs01_0.reshape(len(imgs01_0), -1) - centroid01, axis=1)
    da = np.linalg.norm(imgs01_a.reshape(len(imgs01_a), -1) - centroid01, axis=1)
    return float(np.mean((d0 - da) / np.maximum(d0, 1e-12)))


def run(model, target_images, gen_indices, mem_indices, seed, steps, final_steps, vector_sigma, n_alphas,
        gain_scale=0.5, log=print):
    """The sweep of the module docstring; returns a dict (alphas, images
    uint8 na x n x 28 x 28, group per sample: 1 memorized, 0 generalized,
    index per sample, the target centroid on [0, 1], v, sigma_hi, the scan)."""
    from .data import to_u8
    v = steering_vector(model, target_images, vector_sigma, seed + 99)
    sig = edm_sigmas(steps)
    sigma_hi = float(sig[max(0, steps - final_steps)])
    centroid = ((target_images.reshape(len(target_images), -1) + 1) / 2).mean(0)
    to01 = lambda x: (np.asarray(x, dtype=np.float32) + 1) / 2
    base = to01(generate(model, len(gen_indices), seed, steps=steps, log=None, indices=gen_indices))
    scan, a_max = [], None
    for a in [0.25 * 2 ** i for i in range(8)]:
        img = to01(sweep(model, v, [a], gen_indices, seed, steps, sigma_hi)[0])
        gn = mean_gain(img, base, centroid)
        scan.append((a, gn))
        if log:
            log("steer: scan a = %g: generalized samples' mean gain toward the target %.3f" % (a, gn))
        if gn >= gain_scale:
            a_max = a
            break
    if a_max is None:
        a_max = max(scan, key=lambda t: t[1])[0]
    alphas = np.linspace(0.0, a_max, n_alphas)
    idx = np.concatenate([np.asarray(mem_indices, dtype=np.int64), np.asarray(gen_indices, dtype=np.int64)])
    group = np.concatenate([np.ones(len(mem_indices), np.int8), np.zeros(len(gen_indices), np.int8)])
    imgs = sweep(model, v, alphas, idx, seed, steps, sigma_hi, log=None)
    if log:
        log("steer: %d samples x %d strengths up to a = %g, steering at sigma <= %.3g"
            % (len(idx), len(alphas), a_max, sigma_hi))
    return dict(alphas=alphas, images=to_u8(imgs)[:, :, 0], group=group, index=idx,
                centroid=centroid.astype(np.float32), v=v.numpy(), sigma_hi=sigma_hi, scan=scan)
