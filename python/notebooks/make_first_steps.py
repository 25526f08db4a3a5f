"""Writes first_steps.ipynb (run: /usr/bin/python3 python/notebooks/make_first_steps.py [OUT]).

The notebook is kept as this script so that its cells can be read and reviewed
as code; the .ipynb beside it is what a researcher opens (outputs cleared), and
the test suite executes it end to end (python/tests/test_notebook.py)."""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    ("md", """# memgen: first steps

Two-layer ReLU denoising autoencoders `f(x) = W2 relu(W1^T x)` (the paper's Eq. 5-6)
memorize by storing training samples in the columns of `W1` (spiky representations)
and generalize by learning the data's statistics (balanced representations). This
notebook trains one of each on a two-mode Gaussian mixture, samples with them as
diffusion models, looks at their representations and detects memorized samples from
representation spikiness (Algorithm 1). Everything runs in the memgen C library; the
arrays are NumPy arrays."""),
    ("code", """import numpy as np
import matplotlib.pyplot as plt
import memgen

print(memgen.__version__)"""),
    ("md", """## Data: a two-mode Gaussian mixture (App. B.1)

Four modes with tight covariances (`cov_scale=0.1`), on which Theorem 3.1's assumptions
hold. One training row per mode (four rows, pairwise cosines negative: separable in the
sense of Definition 3.1) makes the memorizing regime, 2,000 rows the generalizing one."""),
    ("code", """mog = memgen.MoG.make(K=4, d=100, cov_scale=0.1, seed=0)
X_mem, _ = mog.sample(n_per_mode=1, seed=1)
X_gen, _ = mog.sample(n_per_mode=500, seed=2)
print(X_mem.shape, X_gen.shape)
print("pairwise cosines of the memorizing rows:")
U = X_mem / np.linalg.norm(X_mem, axis=1, keepdims=True)
print(np.round(U @ U.T, 2))"""),
    ("md", """## Train a DAE set over noise levels for each regime

One DAE per noise level (App. B.1), with the report's training settings: few rows and
enough width to store them (p = 2n) for memorization, many rows and a narrow network
for generalization. `progress` receives a dict after every `log_every` steps."""),
    ("code", """sigmas = np.geomspace(0.02, 2.0, 7)
mem = memgen.train_set(X_mem, sigmas, hidden=8, steps=5000, optim="rmsprop", lr=1e-3, weight_decay=1e-2, seed=0)
gen = memgen.train_set(X_gen, sigmas, hidden=50, steps=1500, optim="adam", lr=1e-3, weight_decay=1e-4,
                       batch=256, seed=0)
mem, gen"""),
    ("md", """## Sample with each set as a VE diffusion model (DDIM)

A bias-free ReLU DAE is positively homogeneous (`f(cx) = c f(x)`), so a sample's scale
comes from the initial noise, not the data: memorized samples are *scaled* copies.
`memratio(..., upto_scale=True)` counts copies after normalising every row."""),
    ("code", """S_mem = memgen.sample(mem, 200, seed=4)
S_gen = memgen.sample(gen, 200, seed=4)
r_mem = memgen.memratio(S_mem, X_mem, upto_scale=True)
r_gen = memgen.memratio(S_gen, X_gen, upto_scale=True)
print("copies up to scale: memorizing %.0f%%, generalizing %.0f%%"
      % (100 * r_mem["frac_memorized"], 100 * r_gen["frac_memorized"]))
print("largest cosine to a training row (median): %.3f vs %.3f"
      % (np.median(r_mem["cos_max"]), np.median(r_gen["cos_max"])))"""),
    ("md", """## Spiky vs balanced representations (Fig. 5)

`h = relu(W1^T (x + sigma eps))` at sigma = 0.2 for a training row of each model."""),
    ("code", """H_mem = memgen.representations(mem, X_mem, sigma=0.2, seed=5)
H_gen = memgen.representations(gen, X_gen[:4], sigma=0.2, seed=5)
fig, ax = plt.subplots(1, 2, figsize=(9, 2.8))
ax[0].bar(np.arange(H_mem.shape[1]), H_mem[0]); ax[0].set_title("memorizing: spiky")
ax[1].bar(np.arange(H_gen.shape[1]), H_gen[0]); ax[1].set_title("generalizing: balanced")
for a in ax: a.set_xlabel("hidden unit")
ax[0].set_ylabel("h")
plt.tight_layout()
print("std of h: %.3f (memorizing) vs %.3f (generalizing)"
      % (memgen.spikiness(H_mem).mean(), memgen.spikiness(H_gen).mean()))"""),
    ("md", """## Detect memorized samples (Algorithm 1)

Score each generated sample by the spikiness of its representation at sigma = 0.2 under
the model that made it (higher = more likely memorized), and evaluate with the labels the
copy test gave. Algorithm 1's std is not scale-free: `h` scales with `|x|`, and these
samples' scales come from the initial noise, so std mixes spikiness with scale. The
scale-free metrics (negative participation ratio, negentropy, l4/l2, top-1 share) do not."""),
    ("code", """labels = np.concatenate([r_mem["memorized"], r_gen["memorized"]]).astype(int)
for metric in memgen.spike_metrics():
    s = np.concatenate([memgen.detect(mem, S_mem, sigma=0.2, metric=metric),
                        memgen.detect(gen, S_gen, sigma=0.2, metric=metric)])
    print("%-11s AUROC %.4f" % (metric, memgen.auroc(s, labels)))"""),
    ("code", """scores = np.concatenate([memgen.detect(mem, S_mem, sigma=0.2, metric="negpr"),
                         memgen.detect(gen, S_gen, sigma=0.2, metric="negpr")])
ev = memgen.evaluate(scores, labels, fpr=0.01, bootstrap=200, seed=0, metric="negpr")
print("AUROC %.4f [%.4f, %.4f], TPR@1%%FPR %.3f" % (ev["auroc"], ev["auroc_lo"], ev["auroc_hi"], ev["tpr"]))
threshold = memgen.calibrate(scores[labels == 0], fpr=0.01)
print("flagged:", int(memgen.flag(scores, threshold).sum()), "of", len(scores))"""),
    ("md", """## Activations from your own network

Any network's activations work the same way: `memgen.score_activations(acts, layout, pool)`
pools (global max over spatial dims or tokens, App. B.2) and scores them. With PyTorch,
`memgen.torch.ActivationRecorder(model, "module.name")` captures a module's output during
the forward pass and records its layout (NCHW for convolutions)."""),
    ("code", """acts = np.abs(np.random.default_rng(0).standard_normal((8, 16, 7, 7))).astype(np.float32)  # n x C x H x W
print(memgen.score_activations(acts, layout="nchw", pool="max")[:4])"""),
    ("md", """## The paper's figures and tables

`memgen.reproduce(out, scale=...)` writes the whole report (an HTML page plus every number
as CSV/JSON) and returns its summary; `memgen.experiment(id)` runs one experiment of it and
returns its numbers. Here the Table 1 analog (one constructed DAE set that memorizes a
duplicated subset and generalizes elsewhere) at the smallest scale."""),
    ("code", """t1 = memgen.experiment("table1", scale="smoke", fmnist=False)
r = t1["results"]
print("std AUROC %.4f [%.4f, %.4f]" % (r["std_auroc_seed0"], r["std_auroc_lo_seed0"], r["std_auroc_hi_seed0"]))"""),
]


def main():
    """Writes the notebook to OUT (default: first_steps.ipynb beside this script), atomically."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in CELLS]
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                               "first_steps.ipynb")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        nbformat.write(nb, f)
    os.replace(tmp, path)
    print(path)


if __name__ == "__main__":
    main()
