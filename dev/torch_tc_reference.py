#!/usr/bin/env python3
"""Reference trajectories of the authors' time-conditioned model, trained by PyTorch.

The module is the one of their notebook 1-Theory/ReLU_Diffusion.ipynb, written
out here (tied bias-free encoder W (p x d), gate exp(MLP(log sigma)) with
MLP = Linear(1, p) -> ReLU -> Linear(p, p), learnable scalar skip):

    f(x, sigma) = W^T [relu(W x) * exp(MLP(log sigma))] + skip * x

initialised as theirs (W kaiming_uniform_(a=0, fan_in, relu); first MLP layer
PyTorch's default; last MLP layer zero; skip 0). The same data, initial state,
noise levels (one per row per step) and noise tensors are fed to PyTorch's own
optimizers for 100 steps with nn.MSELoss, in the authors' two settings (scaled
down): RMSprop lr 1e-3 wd 1e-2 on the full batch (memorization) and Adam with
weight decay on shuffled mini-batches (generalization; lr raised so that 100
steps move the weights). tests/test_tcdae.c replays both through
mg_tc_trainer_step and compares the parameters after step 1 and step 100 and
the loss of every step.

Writes tests/fixtures/train/torch_tc_ref.safetensors:
  X (N, D); init.<state_dict name> (the initial module, the names memgen
  loads); sigma (STEPS, N) and noise (STEPS, N, D) (a mini-batch step uses
  the first BATCH rows of its slice); batch_idx (STEPS, BATCH) int64;
  per configuration <cfg>.step1 and <cfg>.final (memgen's flat vector:
  encoder.weight | time_mlp.0.weight | time_mlp.0.bias | time_mlp.2.weight |
  time_mlp.2.bias | skip) and <cfg>.loss (STEPS, float64: loss.item()).
  Metadata: "configs", "steps", per configuration <cfg>.{optim,lr,wd,batch}
  (batch 0 = full batch).

The last MLP layer starts at zero; to exercise its gradient path from the
first step the reference also runs one configuration from a perturbed start
(init2.*: nonzero last layer and skip).

Usage: /usr/bin/python3 dev/torch_tc_reference.py  (torch 1.13, CPU)
"""
import json
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn

N, D, P, STEPS, BATCH = 24, 16, 12, 100, 8
SIGMA_MIN, SIGMA_MAX = 0.02, 2.0

# name: (optim, lr, wd, batch, start)
CONFIGS = [
    ("rmsprop_full", "rmsprop", 1e-3, 1e-2, 0, "init"),
    ("adam_minibatch", "adam", 1e-3, 5e-4, BATCH, "init"),
    ("rmsprop_full_perturbed", "rmsprop", 1e-3, 1e-2, 0, "init2"),
]


class TimeConditionedDAE(nn.Module):
    """The authors' time-conditioned ReLU DAE (tied, bias-free, gated, skip)."""

    def __init__(self, d, p):
        super().__init__()
        self.encoder = nn.Linear(d, p, bias=False)
        nn.init.kaiming_uniform_(self.encoder.weight, a=0, mode="fan_in", nonlinearity="relu")
        self.time_mlp = nn.Sequential(nn.Linear(1, p), nn.ReLU(), nn.Linear(p, p))
        nn.init.zeros_(self.time_mlp[2].weight)
        nn.init.zeros_(self.time_mlp[2].bias)
        self.skip = nn.Parameter(torch.zeros(1))

    def forward(self, x, log_sigma):
        gate = torch.exp(self.time_mlp(log_sigma))
        h = torch.relu(self.encoder(x)) * gate
        return h @ self.encoder.weight + self.skip * x


ORDER = ["encoder.weight", "time_mlp.0.weight", "time_mlp.0.bias", "time_mlp.2.weight", "time_mlp.2.bias", "skip"]


def flat(m):
    """memgen's flat parameter vector (ORDER; the state_dict lists skip first)."""
    sd = m.state_dict()
    return torch.cat([sd[k].detach().reshape(-1) for k in ORDER]).numpy().astype(np.float32)


def run(cfg, X, start, sigma, noise, idx):
    """Trains one configuration; returns (params after step 1, final params, losses)."""
    _, opt, lr, wd, batch, _ = cfg
    m = TimeConditionedDAE(D, P)
    m.load_state_dict(start)
    if opt == "adam":
        o = torch.optim.Adam(m.parameters(), lr=lr, weight_decay=wd, foreach=False)
    else:
        o = torch.optim.RMSprop(m.parameters(), lr=lr, weight_decay=wd, foreach=False)
    mse = nn.MSELoss()
    losses, step1 = [], None
    for t in range(STEPS):
        if batch:
            x0, s, eps = X[idx[t]], sigma[t, :batch], noise[t, :batch]
        else:
            x0, s, eps = X, sigma[t], noise[t]
        xn = x0 + s[:, None] * eps
        loss = mse(m(xn, torch.log(s)[:, None]), x0)
        o.zero_grad()
        loss.backward()
        o.step()
        losses.append(loss.item())
        if t == 0:
            step1 = flat(m)
    return step1, flat(m), np.array(losses, dtype=np.float64)


def write_safetensors(path, tensors, meta):
    """Writes the .safetensors format by hand (no safetensors package here)."""
    dt = {np.float32: "F32", np.float64: "F64", np.int64: "I64"}
    header, blobs, off = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt[a.dtype.type], "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(1234)
    g = torch.Generator().manual_seed(1234)
    X = torch.rand(N, D, generator=g) * 2 - 1  # data in [-1, 1], as theirs
    m0 = TimeConditionedDAE(D, P)  # the authors' init (global generator, seeded above)
    init = {k: v.detach().clone() for k, v in m0.state_dict().items()}
    init2 = {k: v.clone() for k, v in init.items()}
    init2["time_mlp.2.weight"] = 0.1 * torch.randn(P, P, generator=g)
    init2["time_mlp.2.bias"] = 0.1 * torch.randn(P, generator=g)
    init2["skip"] = torch.tensor([0.3])
    lo, hi = math.log(SIGMA_MIN), math.log(SIGMA_MAX)
    sigma = torch.exp(lo + (hi - lo) * torch.rand(STEPS, N, generator=g))
    noise = torch.randn(STEPS, N, D, generator=g)
    idx = torch.stack([torch.randperm(N, generator=g)[:BATCH] for _ in range(STEPS)])
    tensors = {"X": X.numpy(), "sigma": sigma.numpy(), "noise": noise.numpy(),
               "batch_idx": idx.numpy().astype(np.int64)}
    for k, v in init.items():
        tensors["init." + k] = v.numpy()
    for k, v in init2.items():
        tensors["init2." + k] = v.numpy()
    meta = {"configs": ",".join(c[0] for c in CONFIGS), "steps": str(STEPS),
            "generator": "dev/torch_tc_reference.py", "torch": torch.__version__}
    starts = {"init": init, "init2": init2}
    for cfg in CONFIGS:
        name = cfg[0]
        s1, fin, losses = run(cfg, X, starts[cfg[5]], sigma, noise, idx)
        tensors[name + ".step1"], tensors[name + ".final"], tensors[name + ".loss"] = s1, fin, losses
        for k, v in zip(["optim", "lr", "wd", "batch", "start"], cfg[1:]):
            meta[name + "." + k] = repr(v) if isinstance(v, float) else str(v)
        print(f"{name}: loss {losses[0]:.6f} -> {losses[-1]:.6f}")
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "train", "torch_tc_ref.safetensors")
    write_safetensors(os.path.normpath(path), tensors, meta)
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
