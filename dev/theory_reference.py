#!/usr/bin/python3
"""NumPy reference values for the closed-form theory (tests/test_theory*.c,
tests/test_posterior_mean.c). Writes small .npy fixtures to tests/fixtures/theory/.

Everything here is computed independently of memgen's C code paths:
  - Theorem 3.1 blocks from numpy.linalg.eigh of the d x d scatter matrix
    (memgen uses the smaller side: the n_k x n_k Gram matrix when n_k <= d);
  - f_emp (Eq. 3) with exact pairwise distances and scipy-free log-sum-exp;
  - f_gt of a Gaussian mixture with explicit covariances, slogdet and solve
    (memgen uses the stored eigendecompositions);
  - (alpha, beta)-separability (Definition 3.1) and gamma (Eq. 16);
  - the Cor. 3.3 oracle risk from eigvalsh(mu mu^T + Sigma).

Conventions match include/memgen/theory.h: `wd` is the lambda of Eq. 6, the
blocks use n * wd and n_k * sigma^2; eigenvector signs are fixed so the entry
of largest magnitude is positive; O_k is the Householder reflection mapping
diag(s) U^T xbar onto the all-equal direction.

Run from the repository root:  /usr/bin/python3 dev/theory_reference.py
"""
import os

import numpy as np

OUT = "tests/fixtures/theory"
EPS = np.finfo(np.float64).eps


def save(name, a, dtype=np.float64):
    np.save(os.path.join(OUT, name + ".npy"), np.ascontiguousarray(np.asarray(a, dtype=dtype)))


def block(Xk, n, sigma, wd, width):
    """One block of Eq. 8 with the margin-maximising O_k; returns (Wk, s, ev, stats)."""
    nk, d = Xk.shape
    S = Xk.T.astype(np.float64) @ Xk.astype(np.float64)
    ev, U = np.linalg.eigh(S)
    ev, U = ev[::-1], U[:, ::-1]
    thr = 64 * max(nk, d) * EPS * ev[0]
    q = 0
    while q < min(width, nk, d) and ev[q] > thr and ev[q] > n * wd:
        q += 1
    ev, U = ev[:q], U[:, :q].copy()
    for j in range(q):  # sign: entry of largest magnitude positive
        i = np.argmax(np.abs(U[:, j]))
        if U[i, j] < 0:
            U[:, j] = -U[:, j]
    alpha = (ev - n * wd) / (ev + nk * sigma**2)
    s = np.sqrt(alpha)
    xbar = Xk.astype(np.float64).mean(0)
    a = s * (U.T @ xbar)
    V = U * s
    an = np.linalg.norm(a)
    if q > 0 and an > 0:
        w = a / an - 1 / np.sqrt(q)
        ww = w @ w
        H = np.eye(q) - 2 * np.outer(w, w) / ww if ww > 1e-28 else np.eye(q)
        Wk = V @ H
    else:
        Wk = V
    nw = nk * sigma**2
    fit = np.sum(ev * (1 - alpha) ** 2 + nw * alpha**2)
    tail = max(np.trace(S) - ev.sum(), 0.0)
    pen = np.sum(2 * n * wd * alpha)
    return Wk, s, ev, dict(lae=fit + tail + pen, mse=(fit + tail) / nk, alpha=alpha.sum(), pre=an / np.sqrt(max(q, 1)))


def construct(X, labels, K, sigma, wd, widths, p):
    n, d = X.shape
    W = np.zeros((d, p))
    col, mse, alpha_sum, lae = 0, 0.0, 0.0, []
    for k in range(K):
        Xk = X[labels == k]
        Wk, s, ev, st = block(Xk, n, sigma, wd, widths[k])
        W[:, col : col + Wk.shape[1]] = Wk
        col += widths[k]
        mse += st["mse"] * len(Xk)
        alpha_sum += st["alpha"]
        lae.append(st["lae"])
    mse /= n
    return W, np.array(lae), mse, mse + 2 * wd * alpha_sum


def separability(X, labels, K):
    means = np.array([X[labels == k].astype(np.float64).mean(0) for k in range(K)])
    norms = np.linalg.norm(means, axis=1)
    alpha = max(np.linalg.norm(X[i] - means[labels[i]]) / norms[labels[i]] for i in range(len(X)))
    U = means / norms[:, None]
    G = U @ U.T
    beta = max(G[k, l] for k in range(K) for l in range(K) if k != l) if K > 1 else -1.0
    return alpha, beta, norms


def femp(X, Y, sigma):
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    D = ((Y[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    L = -D / (2 * sigma**2)
    L -= L.max(1, keepdims=True)
    P = np.exp(L)
    P /= P.sum(1, keepdims=True)
    return P @ X


def fgt(means, eigvals, bases, weights, Y, sigma):
    K, d = means.shape
    Y = Y.astype(np.float64)
    logp = np.zeros((len(Y), K))
    den = np.zeros((K, len(Y), d))
    for k in range(K):
        Sig = bases[k] @ np.diag(eigvals[k]) @ bases[k].T
        C = Sig + sigma**2 * np.eye(d)
        _, logdet = np.linalg.slogdet(C)
        R = Y - means[k]
        sol = np.linalg.solve(C, R.T).T
        logp[:, k] = np.log(weights[k]) - 0.5 * np.sum(R * sol, 1) - 0.5 * logdet
        den[k] = means[k] + (Sig @ sol.T).T
    logp -= logp.max(1, keepdims=True)
    post = np.exp(logp)
    post /= post.sum(1, keepdims=True)
    return np.einsum("ik,kid->id", post, den), post


def oracle_risk(means, eigvals, bases, weights, sigma, wd, widths):
    K, d = means.shape
    risks = []
    for k in range(K):
        S = bases[k] @ np.diag(eigvals[k]) @ bases[k].T + np.outer(means[k], means[k])
        e = np.sort(np.linalg.eigvalsh(S))[::-1]
        e = np.maximum(e, 0)
        r = 0.0
        for j in range(d):
            shrink = wd / weights[k]
            if j < widths[k] and e[j] > shrink:
                a = (e[j] - shrink) / (e[j] + sigma**2)
                r += e[j] * (1 - a) ** 2 + sigma**2 * a**2
            else:
                r += e[j]
        risks.append(r)
    risks = np.array(risks)
    return risks, float(weights @ risks)


def random_orthonormal(rng, d):
    Q, R = np.linalg.qr(rng.standard_normal((d, d)))
    return Q * np.sign(np.diag(R))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240531)

    # --- Theorem 3.1 / Cor. 3.3: three clusters in d = 7 (n_k = 4 < d uses the
    # Gram route in C, n_k = 9 > d the scatter route), negatively correlated means.
    d = 7
    centers = np.array([[3, 0, 0, 0, 0, 0, 0], [-1.5, 2.6, 0, 0, 0, 0, 0], [-1.5, -2.6, 0, 0, 0, 0, 0]], float)
    sizes = [4, 9, 6]
    X = np.concatenate([c + 0.35 * rng.standard_normal((m, d)) for c, m in zip(centers, sizes)]).astype(np.float32)
    labels = np.concatenate([np.full(m, k) for k, m in enumerate(sizes)])
    sigma, wd = 0.3, 0.02
    widths = [3, 4, 2]
    p = 10
    W, lae, mse, loss = construct(X, labels, 3, sigma, wd, widths, p)
    alpha, beta, norms = separability(X, labels, 3)
    save("gen_X", X, np.float32)
    save("gen_labels", labels, np.int64)
    save("gen_params", [sigma, wd, p])
    save("gen_widths", widths, np.int64)
    save("gen_W", W)
    save("gen_lae", lae)
    save("gen_losses", [mse, loss])
    save("gen_sep", [alpha, beta])

    # --- Corollary 3.2: four negatively correlated samples in d = 12, p = 6.
    dm = 12
    B = random_orthonormal(rng, dm)[:, :4]
    simplex = np.eye(4) - 0.25  # rows of a centred simplex: pairwise cosine -1/3
    Xm = (simplex @ B.T * np.array([[2.0], [2.5], [1.7], [3.0]])).astype(np.float32)
    sigma_m, wd_m, pm = 0.2, 0.05, 6
    n = len(Xm)
    nx = (Xm.astype(np.float64) ** 2).sum(1)
    r = np.sqrt((nx - n * wd_m) / (nx**2 + sigma_m**2 * nx))
    Wm = np.zeros((dm, pm))
    Wm[:, :n] = (Xm.astype(np.float64) * r[:, None]).T
    save("mem_X", Xm, np.float32)
    save("mem_params", [sigma_m, wd_m, pm])
    save("mem_W", Wm)
    save("mem_loss", [np.mean(sigma_m**2 * nx / (sigma_m**2 + nx))])

    # --- Eq. 3: f_emp at three noise levels.
    Xe = rng.standard_normal((20, 5)).astype(np.float32)
    Ye = (Xe[rng.integers(0, 20, 7)] + 0.4 * rng.standard_normal((7, 5))).astype(np.float32)
    sig_e = [0.05, 0.5, 3.0]
    save("femp_X", Xe, np.float32)
    save("femp_Y", Ye, np.float32)
    save("femp_sigmas", sig_e)
    save("femp_out", np.stack([femp(Xe, Ye, s) for s in sig_e]))

    # --- f_gt of a 3-component mixture in d = 4.
    K, dg = 3, 4
    means = rng.standard_normal((K, dg)) * 2
    eig = np.sort(rng.uniform(0.05, 1.5, (K, dg)), 1)[:, ::-1].copy()
    bases = np.stack([random_orthonormal(rng, dg) for _ in range(K)])
    weights = np.array([0.5, 0.3, 0.2])
    Yg = (means[rng.integers(0, K, 10)] + rng.standard_normal((10, dg))).astype(np.float32)
    sig_g = 0.5
    out, post = fgt(means, eig, bases, weights, Yg, sig_g)
    save("fgt_means", means)
    save("fgt_eigvals", eig)
    save("fgt_bases", bases)
    save("fgt_weights", weights)
    save("fgt_Y", Yg, np.float32)
    save("fgt_sigma", [sig_g])
    save("fgt_out", out)
    save("fgt_post", post)
    widths_o = np.array([2, 4, 1])
    risks, total = oracle_risk(means, eig, bases, weights, sig_g, 0.01, widths_o)
    save("oracle_widths", widths_o, np.int64)
    save("oracle_risk", np.concatenate([risks, [total]]))
    S0 = bases[0] @ np.diag(eig[0]) @ bases[0].T + np.outer(means[0], means[0])
    save("moment_eigs0", np.sort(np.linalg.eigvalsh(S0))[::-1])


if __name__ == "__main__":
    main()
