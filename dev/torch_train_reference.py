#!/usr/bin/env python3
"""Reference trajectories of the ReLU DAE (paper Eq. 5-6) trained by PyTorch.

Writes tests/fixtures/train/torch_ref.safetensors: the same data X (48 x 12),
initial weights, noise tensors (100 steps x 48 x 12 standard normals) and
mini-batch indices (16 rows) are fed to PyTorch's own optimizers (torch.optim SGD with
momentum / Nesterov / dampening, Adam, AdamW, RMSprop with momentum and
centered) for 100 steps under both loss conventions (eq6: (1/B) sum ||r||^2 +
lambda (||W1||^2 + ||W2||^2); torch: nn.MSELoss mean + the optimizer's
weight_decay), tied and untied, with and without biases. tests/test_train.c
replays every configuration through mg_trainer_step with the same noise and
compares the parameters after step 1 and step 100 and the loss of each step.
Full-batch configurations (48 rows) exercise memgen's GEMM path, mini-batch
ones (16 rows) its small-batch streaming path.

Tensors: X, W1_init, W2_init, b1_init, b2_init, noise (100, 16, 12),
batch_idx (100, 16) int64; per configuration <cfg>.step1 and <cfg>.final (the
flat parameter vector in memgen's order W1 | W2 (untied) | b1 | b2 (biased),
W row-major d x p) and <cfg>.loss (100, float64: loss.item() of each step).
Metadata: "configs" (comma-separated), "sigma", "steps", and per
configuration <cfg>.{optim,lr,wd,momentum,dampening,nesterov,centered,loss,
lambda,tied,bias,batch} (batch 0 = full batch).

Usage: /usr/bin/python3 dev/torch_train_reference.py  (torch 1.13, CPU)
"""
import json
import os
import struct

import numpy as np
import torch

N, D, P, STEPS, BATCH = 48, 12, 5, 100, 16
SIGMA = 0.3

# name: (optim, lr, wd, momentum, dampening, nesterov, centered, loss, lambda, tied, bias, batch)
CONFIGS = [
    ("sgd_mom_eq6_tied", "sgd", 0.01, 0.0, 0.9, 0.0, 0, 0, "eq6", 1e-3, 1, 0, 0),
    ("sgd_nesterov_torch_untied_minibatch", "sgd", 0.5, 1e-3, 0.9, 0.0, 1, 0, "torch", 0.0, 0, 0, BATCH),
    ("sgd_damp_torch_untied_bias", "sgd", 0.2, 1e-3, 0.5, 0.1, 0, 0, "torch", 0.0, 0, 1, 0),
    ("adam_torch_tied", "adam", 1e-2, 1e-2, 0.0, 0.0, 0, 0, "torch", 0.0, 1, 0, 0),
    ("adam_eq6_untied_minibatch", "adam", 1e-2, 0.0, 0.0, 0.0, 0, 0, "eq6", 1e-3, 0, 0, BATCH),
    ("adamw_torch_untied", "adamw", 1e-2, 1e-2, 0.0, 0.0, 0, 0, "torch", 0.0, 0, 0, 0),
    ("adamw_eq6_tied_defaults_minibatch", "adamw", None, None, 0.0, 0.0, 0, 0, "eq6", 0.0, 1, 0, BATCH),
    ("rmsprop_torch_tied", "rmsprop", 1e-3, 1e-2, 0.0, 0.0, 0, 0, "torch", 0.0, 1, 0, 0),
    ("rmsprop_eq6_untied_mom_centered_minibatch", "rmsprop", 1e-3, 0.0, 0.5, 0.0, 0, 1, "eq6", 1e-3, 0, 0, BATCH),
    ("adam_torch_tied_bias_minibatch", "adam", 1e-2, 1e-3, 0.0, 0.0, 0, 0, "torch", 0.0, 1, 1, BATCH),
]


def make_optimizer(name, params, lr, wd, momentum, dampening, nesterov, centered):
    """torch.optim optimizer with PyTorch's defaults where lr/wd are None."""
    kw = {}
    if lr is not None:
        kw["lr"] = lr
    if wd is not None:
        kw["weight_decay"] = wd
    # foreach=False: the single-tensor code path memgen mirrors
    if name == "sgd":
        return torch.optim.SGD(params, momentum=momentum, dampening=dampening, nesterov=bool(nesterov),
                               foreach=False, **kw)
    if name == "adam":
        return torch.optim.Adam(params, foreach=False, **kw)
    if name == "adamw":
        return torch.optim.AdamW(params, foreach=False, **kw)
    return torch.optim.RMSprop(params, momentum=momentum, centered=bool(centered), foreach=False, **kw)


def flat(W1, W2, b1, b2, tied, bias):
    """memgen's flat parameter vector: W1 | W2 (untied) | b1 | b2 (biased)."""
    parts = [W1.detach().reshape(-1)]
    if not tied:
        parts.append(W2.detach().reshape(-1))
    if bias:
        parts += [b1.detach().reshape(-1), b2.detach().reshape(-1)]
    return torch.cat(parts).numpy().astype(np.float32)


def run(cfg, X, W1i, W2i, b1i, b2i, noise, idx):
    """Trains one configuration; returns (params after step 1, final params, losses)."""
    (_, opt, lr, wd, mom, damp, nest, cent, conv, lam, tied, bias, batch) = cfg
    W1 = W1i.clone().requires_grad_(True)
    W2 = W1 if tied else W2i.clone().requires_grad_(True)
    b1 = b1i.clone().requires_grad_(True) if bias else None
    b2 = b2i.clone().requires_grad_(True) if bias else None
    params = [W1] + ([] if tied else [W2]) + ([b1, b2] if bias else [])
    o = make_optimizer(opt, params, lr, wd, mom, damp, nest, cent)
    losses, step1 = [], None
    for t in range(STEPS):
        if batch:
            X0 = X[idx[t]]
            eps = noise[t, :batch]
        else:
            X0 = X
            eps = noise[t]
        Xn = X0 + SIGMA * eps
        pre = Xn @ W1
        if bias:
            pre = pre + b1
        H = torch.relu(pre)
        Y = H @ W2.T
        if bias:
            Y = Y + b2
        if conv == "torch":
            loss = torch.nn.functional.mse_loss(Y, X0)
        else:
            loss = ((Y - X0) ** 2).sum(dim=1).mean()
        if lam:
            pen = 2 * (W1 ** 2).sum() if tied else (W1 ** 2).sum() + (W2 ** 2).sum()
            loss = loss + lam * pen
        o.zero_grad()
        loss.backward()
        o.step()
        losses.append(loss.item())
        if t == 0:
            step1 = flat(W1, W2, b1, b2, tied, bias)
    return step1, flat(W1, W2, b1, b2, tied, bias), np.array(losses, dtype=np.float64)


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
    g = torch.Generator().manual_seed(1234)
    X = torch.randn(N, D, generator=g)
    W1i = torch.randn(D, P, generator=g) * (2.0 / D) ** 0.5
    W2i = torch.randn(D, P, generator=g) * (2.0 / P) ** 0.5
    b1i = 0.1 * torch.randn(P, generator=g)
    b2i = 0.1 * torch.randn(D, generator=g)
    noise = torch.randn(STEPS, N, D, generator=g)
    idx = torch.stack([torch.randperm(N, generator=g)[:BATCH] for _ in range(STEPS)])
    tensors = {"X": X.numpy(), "W1_init": W1i.numpy(), "W2_init": W2i.numpy(), "b1_init": b1i.numpy(),
               "b2_init": b2i.numpy(), "noise": noise.numpy(), "batch_idx": idx.numpy().astype(np.int64)}
    meta = {"configs": ",".join(c[0] for c in CONFIGS), "sigma": repr(SIGMA), "steps": str(STEPS),
            "generator": "dev/torch_train_reference.py", "torch": torch.__version__}
    for cfg in CONFIGS:
        name = cfg[0]
        s1, fin, losses = run(cfg, X, W1i, W2i, b1i, b2i, noise, idx)
        tensors[name + ".step1"], tensors[name + ".final"], tensors[name + ".loss"] = s1, fin, losses
        keys = ["optim", "lr", "wd", "momentum", "dampening", "nesterov", "centered", "loss", "lambda", "tied",
                "bias", "batch"]
        for k, v in zip(keys, cfg[1:]):
            meta[name + "." + k] = "default" if v is None else repr(v) if isinstance(v, float) else str(v)
        print(f"{name}: loss {losses[0]:.6f} -> {losses[-1]:.6f}")
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "train", "torch_ref.safetensors")
    write_safetensors(os.path.normpath(path), tensors, meta)
    print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
