#!/usr/bin/env python3
"""Export intermediate activations of YOUR PyTorch diffusion model for
`memgen detect --features` (paper Algorithm 1, App. B.2).

The recipe, for any network (UNet, DiT, EDM...):
  1. add forward noise to each generated image: x_t = x0 + sigma * eps
     (Algorithm 1's AddForwardNoise; the paper uses DDPM t = 50, sigma ~ 0.17);
  2. run the denoiser once at that noise level (unconditional / empty prompt)
     with a forward hook on one layer, e.g. `up_blocks.0.resnets.2.nonlinearity`
     for Stable Diffusion 1.4, `8x8_block3.norm0` for EDM, the SiLU of block 12
     for DiT;
  3. reduce each sample's activation to one vector by global max pooling over
     the spatial dims (n x C x H x W -> n x C) or over tokens (n x T x C -> n x C),
     or save the raw array and let memgen pool it (--pool max is its default;
     a 4-D array needs --layout nchw or nhwc);
  4. save as .npy and run:
       memgen detect --features acts.npy --metric std [--labels L.npy] [--reference R.npy]

This script does it on a tiny stand-in model (random weights, so the scores
mean nothing) so that the whole path can be tried in seconds:

  python3 dev/export_activations.py --out-dir /tmp/acts --run

It writes acts.npy (n x C, pooled here), acts_raw.npy (n x C x H x W, pooled
by memgen), ref.npy (pooled activations of --n-ref other images: the reference
of generalized samples that `memgen detect --reference` calibrates a threshold
on; with your model, held-out images or generations checked to be new) and, with --run, calls the memgen binary on both and checks that
the two give the same scores. Replace TinyDenoiser / the layer name / the
image loader with your own; nothing else changes.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn


class TinyDenoiser(nn.Module):
    """Stand-in for a diffusion UNet: conv -> GroupNorm -> SiLU -> conv, with a
    sigma embedding added to the features (as EDM / DDPM time embeddings)."""

    def __init__(self, channels=3, width=32):
        super().__init__()
        self.inp = nn.Conv2d(channels, width, 3, padding=1)
        self.emb = nn.Linear(1, width)
        self.norm = nn.GroupNorm(8, width)
        self.act = nn.SiLU()
        self.out = nn.Conv2d(width, channels, 3, padding=1)

    def forward(self, x, sigma):
        h = self.inp(x) + self.emb(sigma.view(-1, 1))[:, :, None, None]
        return self.out(self.act(self.norm(h)))


def collect(model, layer_name, images, sigma, seed, batch=64):
    """Runs the model on x_t = x + sigma eps with a hook on `layer_name`;
    returns the raw activations (n x C x H x W) and their global max pool."""
    layer = dict(model.named_modules())[layer_name]
    store = []
    handle = layer.register_forward_hook(lambda mod, inp, out: store.append(out.detach().float().cpu()))
    gen = torch.Generator().manual_seed(seed)
    try:
        with torch.no_grad():
            for i in range(0, len(images), batch):
                x0 = images[i:i + batch]
                xt = x0 + sigma * torch.randn(x0.shape, generator=gen)  # Algorithm 1: AddForwardNoise
                model(xt, torch.full((len(x0),), sigma))
    finally:
        handle.remove()
    raw = torch.cat(store)                        # n x C x H x W
    pooled = raw.amax(dim=tuple(range(2, raw.ndim)))  # global max pooling (App. B.2); tokens: raw.amax(dim=1)
    return raw.numpy(), pooled.numpy()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default="acts", help="folder for the .npy files (default: acts)")
    ap.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    ap.add_argument("--n-ref", type=int, default=200, help="reference images (default 200)")
    ap.add_argument("--size", type=int, default=16, help="image side (default 16)")
    ap.add_argument("--layer", default="act", help="module name to hook (default: act)")
    ap.add_argument("--sigma", type=float, default=0.17, help="noise level of x_t (default 0.17, DDPM t = 50)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the images, weights and noise (default 0)")
    ap.add_argument("--memgen", default=os.path.join("build", "memgen"), help="memgen binary (default build/memgen)")
    ap.add_argument("--run", action="store_true", help="also run memgen detect on the exported files")
    a = ap.parse_args()

    torch.manual_seed(a.seed)
    model = TinyDenoiser().eval()
    images = torch.rand(a.n, 3, a.size, a.size) * 2 - 1  # your generated images, scaled to [-1, 1]
    raw, pooled = collect(model, a.layer, images, a.sigma, a.seed)
    os.makedirs(a.out_dir, exist_ok=True)
    p_pool, p_raw = os.path.join(a.out_dir, "acts.npy"), os.path.join(a.out_dir, "acts_raw.npy")
    np.save(p_pool, pooled.astype(np.float32))
    np.save(p_raw, raw.astype(np.float32))
    refs = torch.rand(a.n_ref, 3, a.size, a.size, generator=torch.Generator().manual_seed(a.seed + 1)) * 2 - 1
    p_ref = os.path.join(a.out_dir, "ref.npy")
    np.save(p_ref, collect(model, a.layer, refs, a.sigma, a.seed + 1)[1].astype(np.float32))
    print(f"wrote {p_pool} {pooled.shape}, {p_raw} {raw.shape} and {p_ref} ({a.n_ref}, {pooled.shape[1]})")
    print(f"next: {a.memgen} detect --features {p_pool} --reference {p_ref} --fpr 0.01 --out scores.csv"
          " --flags-out flags.npy")

    if a.run:
        outs = []
        for src in (p_pool, p_raw):
            dst = os.path.join(a.out_dir, os.path.basename(src).replace(".npy", "_scores.npy"))
            cmd = [a.memgen, "detect", "--features", src, "--layout", "nchw" if src == p_raw else "nf", "--metric",
                   "std", "--scores-out", dst]
            print("$", " ".join(cmd))
            subprocess.run(cmd, check=True)
            outs.append(np.load(dst))
        # memgen's std is the population std (the authors'): torch.std(unbiased=False)
        want = torch.from_numpy(pooled).double().std(dim=1, unbiased=False).numpy()
        assert np.allclose(outs[0], want, rtol=1e-6, atol=1e-9), "memgen std differs from torch.std(unbiased=False)"
        assert np.array_equal(outs[0], outs[1]), "memgen's pooling differs from the script's"
        print(f"ok: memgen's scores of {len(want)} samples equal torch.std(unbiased=False) of the pooled activations,"
              " and memgen's own max pooling of the raw activations gives the same scores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
