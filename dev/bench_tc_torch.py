#!/usr/bin/env python3
"""PyTorch baseline for bench/bench_tc.c: the authors' time-conditioned model's training loop.

The module of their ReLU_Diffusion notebook (tied bias-free encoder W, gate
exp(MLP(log sigma)) with MLP = Linear(1, p) -> ReLU -> Linear(p, p), scalar
skip), d = 1024, p = 256, each row's sigma log-uniform in [0.02, 2] and fresh
torch.randn noise every step, nn.MSELoss against the clean rows, written as
their loop is. Two settings, as in the memgen benchmark:
  A: mini-batches of 256 rows (without replacement) from n = 4096, Adam lr 5e-5
     wd 5e-4 (their generalization run);
  B: n = 5 full batch, RMSprop lr 1e-3 wd 1e-2 (their memorization run).
Each setting is timed as the best of --windows windows of --seconds seconds.
Prints one line per setting: "<name> <steps per second>".

Usage: /usr/bin/python3 dev/bench_tc_torch.py [--threads 2] [--windows 6] [--seconds 0.5]
"""
import argparse
import math
import time

import torch
import torch.nn as nn


class TimeConditionedDAE(nn.Module):
    """The authors' time-conditioned ReLU DAE."""

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


def run(n, d, p, batch, optim, lr, wd, windows, seconds):
    """Best steps per second over `windows` windows of `seconds` (after a warm-up)."""
    torch.manual_seed(0)
    X = torch.rand(n, d) * 2 - 1
    m = TimeConditionedDAE(d, p)
    if optim == "adam":
        opt = torch.optim.Adam(m.parameters(), lr=lr, weight_decay=wd)
    else:
        opt = torch.optim.RMSprop(m.parameters(), lr=lr, weight_decay=wd)
    mse = nn.MSELoss()
    lo, hi = math.log(0.02), math.log(2.0)
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
        sigma = torch.exp(lo + (hi - lo) * torch.rand(x0.shape[0], 1))
        xn = x0 + sigma * torch.randn_like(x0)
        loss = mse(m(xn, torch.log(sigma)), x0)
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
    print("A %.3f" % run(4096, 1024, 256, 256, "adam", 5e-5, 5e-4, a.windows, a.seconds), flush=True)
    print("B %.3f" % run(5, 1024, 256, 0, "rmsprop", 1e-3, 1e-2, a.windows, a.seconds), flush=True)


if __name__ == "__main__":
    main()
