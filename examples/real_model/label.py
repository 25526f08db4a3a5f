"""Labels as the paper makes them (App. B.2): each generated image's
similarity to its nearest training image; memorized above 0.9, generalized
below 0.5, the rest dropped as ambiguous.

The paper's similarity is SSCD's (a copy-detection network's descriptor,
cosine similarity), which cannot be downloaded here. Raw pixel cosine will
not do on Fashion-MNIST: items of one class share a silhouette on a black
background, so a held-out test image (by definition no copy) has a pixel
cosine of 0.95 to its nearest training image (median, measured on the
training set of the full run). The similarity used instead is the cosine
between PCA-whitened images:

  f(x) = Lambda_k^(-1/2) V_k^T (x - mu),   sim(x, y) = f(x).f(y) / (|f(x)| |f(y)|),

mu, V_k, Lambda_k the mean, top-k principal directions and their variances of
the distinct training images. Whitening is the standard post-processing of
retrieval and copy-detection descriptors (it divides out the directions
every image shares, the silhouette and mean brightness, so that what is left
is the instance's own detail, which a copy reproduces and a new sample does
not). k is fixed by a rule on real images only, never on generations: the
number of components at which held-out Fashion-MNIST test images (novel by
construction) have a median similarity below 0.5 while training images with
pixel noise of std 0.05 (on [0, 1], about what separates a generated copy
from its original) keep a median above 0.9. The label() output records both
reference distributions next to the generations' histogram.

Also computed (Euclidean, on [0, 1] pixels, against the distinct training
images): the nearest-neighbour distances d1 <= d2 and their ratio, the
oracle baseline (Gu et al. 2023's memorization ratio).
"""
import numpy as np

MEM_SIM = 0.9
GEN_SIM = 0.5
K_CANDIDATES = (16, 32, 48, 64, 96, 128, 160, 192, 256, 320, 384)


def pca(train01):
    """(mean, principal directions as rows, their variances) of the rows of train01."""
    mu = train01.mean(0)
    _, s, vt = np.linalg.svd(train01 - mu, full_matrices=False)
    return mu, vt, s ** 2 / len(train01)


class Whitened:
    """The descriptor f(x) of rank k of a PCA of the distinct training images (n x 784 in [0, 1])."""

    def __init__(self, pc, k):
        self.mu, vt, var = pc
        self.k = int(k)
        self.w = (vt[:k].T / np.sqrt(var[:k])).astype(np.float32)
        self.explained = float(var[:k].sum() / var.sum())

    def __call__(self, x01):
        f = (np.asarray(x01, dtype=np.float32).reshape(len(x01), -1) - self.mu) @ self.w
        return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)


def nearest(fq, ft, chunk=1024):
    """Largest cosine of each unit row of fq against the unit rows of ft, and its index."""
    sim = np.empty(len(fq), dtype=np.float64)
    arg = np.empty(len(fq), dtype=np.int64)
    for i in range(0, len(fq), chunk):
        c = fq[i: i + chunk] @ ft.T
        arg[i: i + chunk] = c.argmax(1)
        sim[i: i + chunk] = c[np.arange(len(c)), arg[i: i + chunk]]
    return sim, arg


def nn_two(q01, t01, chunk=512):
    """Euclidean distances to the nearest and second nearest rows of t01, and the nearest's index."""
    q = q01.reshape(len(q01), -1).astype(np.float64)
    t = t01.reshape(len(t01), -1).astype(np.float64)
    tn = (t ** 2).sum(1)
    d1 = np.empty(len(q))
    d2 = np.empty(len(q))
    arg = np.empty(len(q), dtype=np.int64)
    for i in range(0, len(q), chunk):
        qq = q[i: i + chunk]
        d = np.maximum((qq ** 2).sum(1)[:, None] + tn[None] - 2 * qq @ t.T, 0)
        o = np.argpartition(d, 1, axis=1)[:, :2]
        a, b = d[np.arange(len(d)), o[:, 0]], d[np.arange(len(d)), o[:, 1]]
        swap = b < a
        o[swap] = o[swap][:, ::-1]
        arg[i: i + chunk] = o[:, 0]
        d1[i: i + chunk] = np.sqrt(np.minimum(a, b))
        d2[i: i + chunk] = np.sqrt(np.maximum(a, b))
    return d1, d2, arg


def choose_k(pc, train01, test01, seed, noise=0.05, n_ref=1000):
    """The whitening rank by the rule of the module docstring: the smallest
    candidate k with median test similarity < GEN_SIM and median noisy-copy
    similarity > MEM_SIM (the last candidate if none qualifies). Returns (k,
    table of (k, test median, copy median))."""
    rng = np.random.RandomState(seed)
    test = test01[rng.permutation(len(test01))[:n_ref]]
    pick = rng.permutation(len(train01))[: min(n_ref, len(train01))]
    copies = np.clip(train01[pick] + noise * rng.randn(len(pick), train01.shape[1]), 0, 1)
    rows, chosen = [], None
    for k in K_CANDIDATES:
        if k >= min(train01.shape):
            break
        w = Whitened(pc, k)
        ft = w(train01)
        st, _ = nearest(w(test), ft)
        sc, _ = nearest(w(copies), ft)
        rows.append((k, float(np.median(st)), float(np.median(sc))))
        if chosen is None and rows[-1][1] < GEN_SIM and rows[-1][2] > MEM_SIM:
            chosen = k
    return (chosen if chosen is not None else rows[-1][0]), rows


def label(gens01, train01, test01, is_dup, seed, k=None, log=print):
    """Labels generations (n x 784 in [0, 1]) against the distinct training
    images; returns a dict of per-generation arrays and the references."""
    pc = pca(train01)
    kk, ktable = choose_k(pc, train01, test01, seed) if k is None else (k, [])
    w = Whitened(pc, kk)
    ft = w(train01)
    sim, arg = nearest(w(gens01), ft)
    lab = np.full(len(sim), -1, dtype=np.int8)
    lab[sim > MEM_SIM] = 1
    lab[sim < GEN_SIM] = 0
    d1, d2, _ = nn_two(gens01, train01)
    ref_test, _ = nearest(w(test01[:2000]), ft)
    rng = np.random.RandomState(seed + 1)
    noisy = np.clip(train01[:2000] + 0.05 * rng.randn(min(2000, len(train01)), train01.shape[1]), 0, 1)
    ref_copy, _ = nearest(w(noisy), ft)
    pix = train01 / np.maximum(np.linalg.norm(train01, axis=1, keepdims=True), 1e-12)
    t2 = test01[:2000] / np.maximum(np.linalg.norm(test01[:2000], axis=1, keepdims=True), 1e-12)
    raw_test, _ = nearest(t2, pix)
    if log:
        log("label: whitening rank k = %d (%.1f%% of the variance); %d memorized (sim > %.1f), %d generalized "
            "(< %.1f), %d ambiguous; held-out test images: median sim %.3f (pixel cosine %.3f)"
            % (kk, 100 * w.explained, (lab == 1).sum(), MEM_SIM, (lab == 0).sum(), GEN_SIM,
               (lab == -1).sum(), np.median(ref_test), np.median(raw_test)))
    return dict(similarity=sim.astype(np.float32), nn_index=arg, nn_is_dup=is_dup[arg].astype(np.uint8),
                labels=lab, nn_ratio=(d1 / np.maximum(d2, 1e-12)).astype(np.float32), d1=d1, d2=d2,
                k=kk, explained=w.explained, k_table=ktable,
                ref_test=ref_test.astype(np.float32), ref_copy=ref_copy.astype(np.float32),
                ref_test_pixel_cos=raw_test.astype(np.float32))
