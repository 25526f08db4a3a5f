"""The data: Fashion-MNIST (Debian's dataset-fashion-mnist, IDX .gz files)
with a duplicated subset, in the spirit of the paper's Fig. 17 (EDM trained
on CIFAR-10 with a duplicated subset, App. A.4).

The training set is n_unique distinct images plus n_dup other distinct
images each repeated dup_times; one seeded permutation of the 60,000
training images picks both (the duplicated ones first), so a seed and three
sizes name the set exactly. Images are scaled to [-1, 1] (sigma_data = 0.5,
EDM's choice for that range); the noise levels sigma of the pipeline are in
those units (DDPM t = 50 is sigma ~ 0.17 there, paper App. B.2).
"""
import gzip
import os

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(path):
    """An IDX file (optionally .gz) as a NumPy array (uint8 images / labels)."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd)
    if data.size != int(np.prod(dims)):
        raise ValueError("%s: %d values for shape %s" % (path, data.size, dims))
    return data.reshape(dims)


def find_file(folder, stem):
    """The path of stem(.gz) in folder, or FileNotFoundError saying how to install it."""
    for name in (stem + ".gz", stem):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError("Fashion-MNIST: no %s(.gz) in %s (Debian: apt-get install dataset-fashion-mnist)"
                            % (stem, folder))


def load_fmnist(folder=None):
    """(train images 60000x28x28 uint8, train labels, test images, test labels)."""
    folder = folder or os.environ.get("MG_FMNIST_DIR") or DEFAULT_DIR
    out = []
    for split in ("train", "t10k"):
        out.append(read_idx(find_file(folder, "%s-images-idx3-ubyte" % split)))
        out.append(read_idx(find_file(folder, "%s-labels-idx1-ubyte" % split)).astype(np.int64))
    return tuple(out)


def to_model(u8):
    """uint8 images (n x 28 x 28) -> float32 n x 1 x 28 x 28 in [-1, 1]."""
    return (u8.astype(np.float32) / 127.5 - 1.0)[:, None]


def to_u8(x):
    """Model-range images (any shape, [-1, 1]) -> uint8 (clipped, rounded)."""
    return np.clip(np.rint((np.asarray(x, dtype=np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


class TrainingSet:
    """The duplicated training set.

    unique_index  (n_dup + n_unique) rows of Fashion-MNIST's training split:
                  the distinct training images, the duplicated ones first
    is_dup        bool per distinct image
    rows          the training list: each distinct image once, the
                  duplicated ones dup_times each (indices into unique_index)
    """

    def __init__(self, seed, n_unique, n_dup, dup_times, folder=None):
        tr_x, tr_y, te_x, te_y = load_fmnist(folder)
        perm = np.random.RandomState(seed).permutation(len(tr_x))
        self.unique_index = perm[: n_dup + n_unique]
        self.is_dup = np.zeros(n_dup + n_unique, dtype=bool)
        self.is_dup[:n_dup] = True
        self.rows = np.concatenate([np.repeat(np.arange(n_dup), dup_times), np.arange(n_dup, n_dup + n_unique)])
        self.images = tr_x[self.unique_index]            # distinct training images, uint8
        self.labels = tr_y[self.unique_index]
        self.test_images, self.test_labels = te_x, te_y    # held out (never trained on)
        self.seed, self.n_unique, self.n_dup, self.dup_times = seed, n_unique, n_dup, dup_times

    def describe(self):
        """One line: the sizes and the share of duplicate rows."""
        return ("%d distinct Fashion-MNIST training images (seed %d): %d duplicated x %d and %d once; "
                "%d rows, %.1f%% of them duplicates"
                % (len(self.images), self.seed, self.n_dup, self.dup_times, self.n_unique, len(self.rows),
                   100.0 * self.n_dup * self.dup_times / len(self.rows)))
