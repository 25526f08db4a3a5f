#!/usr/bin/env python3
"""PyTorch baseline for bench/bench_train.c: the same DAE training loop.

f(x) = W relu(W^T x) (tied, bias-free, paper Eq. 5), nn.MSELoss mean, fresh
torch.randn noise every step, torch.optim with weight_decay, written the way
the authors' code does it (a module-free loop over one parameter tensor).
Two settings, as in the memgen benchmark:
  A: d=1024, p=100, mini-batches of 256 rows (without replacement) from
     n=4096 rows, Adam lr 1e-4 wd 1e-4;
  B: d=1024, p=100, n=5 full batch, RMSprop lr 1e-3 wd 1e-2 (memorization).
Each setting is timed as the best of --windows windows of --seconds seconds
(the machines are shared; bench_train times memgen the same way). Prints one
line per setting: "<name> <steps per second>".

Usage: /usr/bin/python3 dev/bench_train_torch.py [--threads 2] [--windows 6] [--seconds 0.5]
"""
import argparse
import time

import torch


def run(n, d, p, batch, optim, lr, wd, windows, seconds, sigma=0.2):
    """Best steps per second of the training loop over `windows` windows of
    `seconds` each (after a short warm-up)."""
    g = torch.Generator().manual_seed(0)
    X = torch.randn(n, d, generator=g)
    W = (torch.randn(d, p, generator=g) * (2.0 / d) ** 0.5).requires_grad_(True)
    if optim == "adam":
        opt = torch.optim.Adam([W], lr=lr, weight_decay=wd)
    else:
        opt = torch.optim.RMSprop([W], lr=lr, weight_decay=wd)
    loss_fn = torch.nn.MSELoss()
    perm, pos = torch.randperm(n), 0

    def step():
        nonlocal perm, pos
        if batch:
            if pos + batch > n:
                perm, pos = torch.randperm(n), 0
            x0 = X[perm[pos:pos + batch]]
            pos += batch
        else:
            x0 = X
        xn = x0 + sigma * torch.randn_like(x0)
        y = torch.relu(xn @ W) @ W.t()
        loss = loss_fn(y, x0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(10):
        step()
    best = 0.0
    for _ in range(windows):
        steps, t0 = 0, time.perf_counter()
        while True:
            for _ in range(10):
                step()
            steps += 10
            el = time.perf_counter() - t0
            if el >= seconds:
                break
        best = max(best, steps / el)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--windows", type=int, default=6)
    ap.add_argument("--seconds", type=float, default=0.5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print("A %.3f" % run(4096, 1024, 100, 256, "adam", 1e-4, 1e-4, a.windows, a.seconds), flush=True)
    print("B %.3f" % run(5, 1024, 100, 0, "rmsprop", 1e-3, 1e-2, a.windows, a.seconds), flush=True)


if __name__ == "__main__":
    main()
