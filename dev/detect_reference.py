#!/usr/bin/env python3
"""Reference values for memgen's representation metrics, detector evaluation,
feature pooling and DAE Jacobians (tests/test_repr.c, tests/test_detect.c,
tests/test_jacobian.c). Writes small fixtures to tests/fixtures/detect/.

Everything is computed independently of memgen, with NumPy (and PyTorch
autograd for the Jacobian):
  - spikiness metrics per row, as defined in include/memgen/repr.h;
  - AUROC by counting every (positive, negative) pair with ties as 1/2 (the
    Mann-Whitney statistic, what sklearn.metrics.roc_auc_score returns),
    TPR at a target FPR by the step rule (largest TPR among ROC points with
    FPR <= target, one point per distinct score), and the calibrated
    threshold (the (n-k)-th smallest reference score, k = floor(fpr n));
  - global max / mean pooling of n x C x H x W and n x T x C activations;
  - the Jacobian of f(x) = W2 relu(W1^T x + b1) + b2 by torch autograd, its
    singular values and trace.

Run from the repository root:  python3 dev/detect_reference.py
"""
import math
import os

import numpy as np
import torch

OUT = os.path.join("tests", "fixtures", "detect")


def metrics(h):
    """The seven spikiness metrics of repr.h for one row (float64)."""
    h = h.astype(np.float64)
    F = h.size
    a = np.abs(h)
    s1, s2 = a.sum(), (a * a).sum()
    std = h.std(ddof=0)  # the population std, the authors' (numpy's default)
    std_sample = h.std(ddof=1) if F > 1 else 0.0  # torch.Tensor.std's default
    if s2 == 0:
        l4l2, negent, top1, negpr = F ** -0.25, -math.log(F), 1.0 / F, -float(F)
    else:
        l4l2 = (a ** 4).sum() ** 0.25 / math.sqrt(s2)
        p = a / s1
        nz = p[p > 0]
        negent = float((nz * np.log(nz)).sum())
        top1 = a.max() / s1
        negpr = -(s1 * s1) / s2
    return [std, l4l2, negent, h.max() - h.min(), top1, negpr, std_sample]


def auroc_pairs(s, y):
    pos, neg = s[y == 1], s[y == 0]
    gt = (pos[:, None] > neg[None, :]).sum()
    eq = (pos[:, None] == neg[None, :]).sum()
    return (gt + 0.5 * eq) / (len(pos) * len(neg))


def tpr_at_fpr(s, y, a):
    npos, nneg = (y == 1).sum(), (y == 0).sum()
    best, thr = 0.0, math.inf
    for t in np.unique(s)[::-1]:  # descending distinct thresholds, flag s >= t
        fp = ((s >= t) & (y == 0)).sum()
        tp = ((s >= t) & (y == 1)).sum()
        if fp <= a * nneg + 1e-9 and tp / npos > best:
            best, thr = tp / npos, t
    return best, thr


def calibrate(ref, a):
    r = np.sort(ref)
    k = min(int(math.floor(a * len(r) + 1e-9)), len(r) - 1)
    return r[len(r) - 1 - k]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240607)

    # ---- spikiness metrics: relu rows, a one-hot, an all-zero row, signed rows
    H = np.maximum(rng.normal(size=(12, 37)), 0).astype(np.float32)
    H[1] = 0
    H[1, 5] = 3.5                                    # one-hot
    H[2] = 0                                         # all zero
    H[3] = rng.normal(size=37).astype(np.float32)    # signed (SiLU-like features)
    H[4] = 1.25                                      # constant: perfectly balanced
    H[5, :30] = 0                                    # sparse
    M = np.array([metrics(h) for h in H])
    np.save(os.path.join(OUT, "repr_h.npy"), H)
    np.save(os.path.join(OUT, "repr_metrics.npy"), M)

    # ---- evaluation: scores with many ties (rounded), labels 0/1
    n = 400
    y = (rng.random(n) < 0.3).astype(np.int64)
    s = np.round(rng.normal(size=n) + 1.2 * y, 1)   # rounding to 0.1 makes ties
    s[:20] = 0.0                                     # a block of exact ties across classes
    res = [auroc_pairs(s, y)]
    for a in (0.01, 0.05, 0.1, 0.0):
        t, th = tpr_at_fpr(s, y, a)
        res += [t, th]
    for a in (0.01, 0.05, 0.1, 0.0):
        res.append(calibrate(s[y == 0], a))
    np.save(os.path.join(OUT, "eval_scores.npy"), s)
    np.save(os.path.join(OUT, "eval_labels.npy"), y)
    np.save(os.path.join(OUT, "eval_results.npy"), np.array(res, dtype=np.float64))

    # ---- pooling: NCHW and NTC (tokens, channels last)
    A4 = rng.normal(size=(5, 6, 3, 4)).astype(np.float32)
    A3 = rng.normal(size=(5, 7, 6)).astype(np.float32)
    np.save(os.path.join(OUT, "acts_nchw.npy"), A4)
    np.save(os.path.join(OUT, "acts_ntc.npy"), A3)
    np.save(os.path.join(OUT, "pool_nchw_max.npy"), A4.max(axis=(2, 3)))
    np.save(os.path.join(OUT, "pool_nchw_mean.npy"), A4.astype(np.float64).mean(axis=(2, 3)).astype(np.float32))
    np.save(os.path.join(OUT, "pool_ntc_max.npy"), A3.max(axis=1))

    # ---- Jacobian of an untied, biased DAE by autograd
    d, p = 12, 7
    W1 = rng.normal(size=(d, p)).astype(np.float32) * 0.5
    W2 = rng.normal(size=(d, p)).astype(np.float32) * 0.5
    b1 = rng.normal(size=p).astype(np.float32) * 0.1
    b2 = rng.normal(size=d).astype(np.float32) * 0.1
    X = rng.normal(size=(4, d)).astype(np.float32)
    t1, t2 = torch.tensor(W1, dtype=torch.float64), torch.tensor(W2, dtype=torch.float64)
    tb1, tb2 = torch.tensor(b1, dtype=torch.float64), torch.tensor(b2, dtype=torch.float64)

    def f(x):
        return t2 @ torch.relu(t1.T @ x + tb1) + tb2

    Js, svs, trs = [], [], []
    for x in X:
        J = torch.autograd.functional.jacobian(f, torch.tensor(x, dtype=torch.float64)).numpy()
        Js.append(J)
        sv = np.linalg.svd(J, compute_uv=False)
        svs.append(np.pad(sv[:p], (0, max(0, p - len(sv)))))
        trs.append(np.trace(J))
    np.save(os.path.join(OUT, "jac_W1.npy"), W1)
    np.save(os.path.join(OUT, "jac_W2.npy"), W2)
    np.save(os.path.join(OUT, "jac_b1.npy"), b1)
    np.save(os.path.join(OUT, "jac_b2.npy"), b2)
    np.save(os.path.join(OUT, "jac_X.npy"), X)
    np.save(os.path.join(OUT, "jac_J.npy"), np.array(Js))
    np.save(os.path.join(OUT, "jac_sv.npy"), np.array(svs))
    np.save(os.path.join(OUT, "jac_trace.npy"), np.array(trs))
    print("wrote fixtures to", OUT)


if __name__ == "__main__":
    main()
