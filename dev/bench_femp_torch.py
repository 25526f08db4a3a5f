#!/usr/bin/python3
"""PyTorch baseline for bench/bench_femp.c: DDIM sampling (paper Eq. 1 in its
corrected form, docs/corrections.md: x <- f + (s'/s)(x - f)) with the
empirical optimal denoiser f_emp (paper Eq. 3: the softmax over training rows
of -|y - x_i|^2 / (2 sigma^2), weights times training rows), written as one
would in PyTorch: squared distances by the norms expansion and one matmul,
torch.softmax, a second matmul. Reads the training rows, the starting noise
and the sigma grid the C benchmark wrote; runs on --threads torch threads;
times the loop once (after one warm-up step); writes the result as .npy and
prints "seconds <t>".

usage: /usr/bin/python3 dev/bench_femp_torch.py --train X.npy --x0 X0.npy --sigmas S.npy --threads 1 --out OUT.npy
"""
import argparse
import sys
import time

import numpy as np
import torch


def f_emp(x, X, xn, sigma):
    """Eq. 3: softmax(-|x - X_i|^2 / (2 sigma^2)) @ X."""
    d2 = (x * x).sum(1, keepdim=True) - 2.0 * (x @ X.T) + xn
    w = torch.softmax(-d2 / (2.0 * sigma * sigma), dim=1)
    return w @ X


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--x0", required=True)
    ap.add_argument("--sigmas", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    X = torch.from_numpy(np.load(a.train).astype(np.float32))
    x = torch.from_numpy(np.load(a.x0).astype(np.float32))
    sig = [float(s) for s in np.load(a.sigmas)]
    xn = (X * X).sum(1)[None, :]
    with torch.no_grad():
        f_emp(x[:8], X, xn, sig[-1])  # warm-up
        t0 = time.perf_counter()
        for k in range(len(sig) - 1, -1, -1):
            s, s_next = sig[k], (sig[k - 1] if k > 0 else 0.0)
            f = f_emp(x, X, xn, s)
            x = f + (s_next / s) * (x - f)
        t = time.perf_counter() - t0
    np.save(a.out, x.numpy())
    print("seconds %.6f" % t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
