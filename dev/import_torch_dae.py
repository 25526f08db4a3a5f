#!/usr/bin/python3
"""Importing a DAE trained in PyTorch into memgen (README 'Importing a DAE from
PyTorch'), worked end to end.

memgen's DAE is f(x) = W2 relu(W1^T x + b1) + b2 with W1, W2 both d x p. In
PyTorch the same model is an encoder nn.Linear(d, p) and a decoder
nn.Linear(p, d), whose weights are stored (out, in):

    memgen  W1 (d x p) = encoder.weight.T   (encoder.weight is p x d: TRANSPOSE it)
    memgen  W2 (d x p) = decoder.weight     (already d x p; absent when tied, W2 = W1)
    memgen  b1 (p)     = encoder.bias       (both biases or neither)
    memgen  b2 (d)     = decoder.bias

Metadata (strings): "sigma" (the noise level the DAE denoises; required for a
single DAE the analysis commands use), "memgen.kind" = "dae" (optional); "d",
"p", "tied", "bias" are optional and checked against the tensors when given.
A set over noise levels stores level k's tensors as "level<k>.W1", ... with
metadata "memgen.kind" = "dae_set" and "sigmas" (ascending, comma-separated),
both required, and "count" (optional).

This script trains a small untied, biased DAE per noise level on a two-mode
mixture in PyTorch, exports one level as a single DAE and all of them as a set,
and with --check runs memgen on the files: `memgen info` must load both, memgen's
representations must equal relu(encoder(x)) of the module, the set must sample,
and the state_dict saved as it is must get memgen's hint about the transpose.

  /usr/bin/python3 dev/import_torch_dae.py --out-dir torch_dae --check
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

try:
    from safetensors.torch import save_file as _save_file

    def save(path, tensors, metadata):
        """safetensors' own writer (tensors: name -> torch tensor)."""
        _save_file({k: v.contiguous() for k, v in tensors.items()}, path, metadata=metadata)
except ImportError:  # Debian has no python3-safetensors: the same format, written by hand
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from torch_train_reference import write_safetensors

    def save(path, tensors, metadata):
        """The dev scripts' writer of the same format (tensors: name -> torch tensor)."""
        write_safetensors(path, {k: v.detach().cpu().numpy() for k, v in tensors.items()}, metadata)


class DAE(nn.Module):
    """A two-layer ReLU DAE as PyTorch users write it."""

    def __init__(self, d, p):
        super().__init__()
        self.encoder = nn.Linear(d, p)
        self.decoder = nn.Linear(p, d)

    def forward(self, x):
        return self.decoder(torch.relu(self.encoder(x)))


def memgen_tensors(model, prefix=""):
    """The model's weights under memgen's names and layout."""
    return {prefix + "W1": model.encoder.weight.detach().T.contiguous(),  # p x d -> d x p
            prefix + "W2": model.decoder.weight.detach(),  # d x p as it is
            prefix + "b1": model.encoder.bias.detach(),
            prefix + "b2": model.decoder.bias.detach()}


def train(X, sigma, p, steps, seed):
    """Trains a DAE at one noise level (Adam, MSE against the clean rows)."""
    torch.manual_seed(seed)
    model = DAE(X.shape[1], p)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = ((model(X + sigma * torch.randn_like(X)) - X) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def run(memgen, *args):
    """Runs memgen, returning its stdout; fails on a non-zero exit."""
    r = subprocess.run([memgen, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        sys.exit(f"memgen {' '.join(args)} failed:\n{r.stdout}")
    return r.stdout


def check(a, out, models, sigmas, X):
    """memgen loads the exports and computes what the PyTorch modules compute;
    the raw state_dict gets the transpose hint."""
    single, dset = os.path.join(out, "dae.safetensors"), os.path.join(out, "dae_set.safetensors")
    info = run(a.memgen, "info", "--no-stats", single)
    assert "model:    single DAE (dae), sigma 0.2" in info and "untied, biases b1, b2" in info, info
    info = run(a.memgen, "info", "--no-stats", dset)
    assert f"DAE set (dae_set), {len(sigmas)} levels" in info, info
    xs = os.path.join(out, "x.npy")
    np.save(xs, X.numpy())
    for path, model in ((single, models[1]), (dset, models[0])):
        H = os.path.join(out, "h.npy")  # --sigma 0: the clean rows at the (lowest) level
        run(a.memgen, "repr", "--model", path, "--data", xs, "--sigma", "0", "--out", H)
        want = torch.relu(model.encoder(X)).detach().numpy()
        assert np.allclose(np.load(H), want, rtol=1e-5, atol=1e-5), f"{path}: representations differ"
    Y = os.path.join(out, "y.npy")
    run(a.memgen, "sample", "--model", dset, "--n", "4", "--levels", "3", "--out", Y)  # the set samples
    raw = os.path.join(out, "state_dict.safetensors")
    save(raw, dict(models[1].state_dict()), {"sigma": str(sigmas[1])})
    r = subprocess.run([a.memgen, "info", "--no-stats", raw], stdout=subprocess.PIPE, text=True)
    assert "memgen expects W1 (d x p) = the encoder nn.Linear(d, p)'s weight (p x d) transposed" in r.stdout, r.stdout
    print(f"ok: memgen reads {single} and {dset}, its representations equal relu(encoder(x)), and the raw "
          f"state_dict gets the hint:\n  " + next(l for l in r.stdout.split("\n") if l.startswith("model:")))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default="torch_dae", help="folder for the files (default torch_dae)")
    ap.add_argument("--d", type=int, default=16, help="dimension (default 16)")
    ap.add_argument("--p", type=int, default=8, help="hidden units (default 8)")
    ap.add_argument("--steps", type=int, default=200, help="Adam steps per level (default 200)")
    ap.add_argument("--memgen", default=os.path.join("build", "memgen"), help="memgen binary (default build/memgen)")
    ap.add_argument("--check", action="store_true", help="run memgen on the files and check what it computes")
    a = ap.parse_args()
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    mu = torch.zeros(a.d)
    mu[0] = 5.0
    X = torch.cat([mu + 0.3 * torch.randn(64, a.d, generator=g), -mu + 0.3 * torch.randn(64, a.d, generator=g)])
    sigmas = [0.02, 0.2, 2.0]
    models = [train(X, s, a.p, a.steps, k) for k, s in enumerate(sigmas)]
    os.makedirs(a.out_dir, exist_ok=True)
    # one DAE: memgen's names, W1 transposed, the noise level in the metadata
    save(os.path.join(a.out_dir, "dae.safetensors"), memgen_tensors(models[1]),
         {"memgen.kind": "dae", "sigma": str(sigmas[1])})
    # a set over noise levels: level<k>. prefixes, the ascending sigmas
    tensors = {}
    for k, m in enumerate(models):
        tensors.update(memgen_tensors(m, f"level{k}."))
    save(os.path.join(a.out_dir, "dae_set.safetensors"), tensors,
         {"memgen.kind": "dae_set", "sigmas": ",".join(str(s) for s in sigmas), "count": str(len(sigmas))})
    print(f"wrote {a.out_dir}/dae.safetensors (sigma {sigmas[1]}) and {a.out_dir}/dae_set.safetensors "
          f"({len(sigmas)} levels), d = {a.d}, p = {a.p}")
    if a.check:
        check(a, a.out_dir, models, sigmas, X)
    return 0


if __name__ == "__main__":
    sys.exit(main())
