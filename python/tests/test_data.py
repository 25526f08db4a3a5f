"""memgen.MoG, fashion_mnist, duplicate, split and split_duplicates against `memgen data ...` (and
`memgen solve --duplicates --labels-out`): same bits for the same options and seed; bad input raises."""
import os

import numpy as np
import pytest

import memgen

FMNIST = "/usr/share/datasets/fashion-mnist"


def test_mog_make_and_sample_same_bits_as_cli(cli, tmp_path):
    cli("data", "mog", "--K", 3, "--d", 6, "--n-per-mode", "4,5,3", "--mean-dirs", "random", "--cov-rank", 4,
        "--shuffle", "--seed", 9, "--out", "X.npy", "--labels-out", "y.npy", "--params-out", "p.safetensors")
    m = memgen.MoG.make(K=3, d=6, weights=[4, 5, 3], mean_dirs="random", cov_rank=4, seed=9)
    X, y = m.sample(n_per_mode=[4, 5, 3], shuffle=True, seed=9)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert np.array_equal(X, np.load(tmp_path / "X.npy")) and np.array_equal(y, np.load(tmp_path / "y.npy"))
    m.save(tmp_path / "py.safetensors")  # the same file, metadata included
    assert (tmp_path / "py.safetensors").read_bytes() == (tmp_path / "p.safetensors").read_bytes()
    back = memgen.MoG.load(tmp_path / "p.safetensors")
    for name in ("weights", "means", "eigvals", "bases"):
        assert np.array_equal(getattr(back, name), getattr(m, name))


def test_mog_defaults_and_drawn_counts(cli, tmp_path):
    cli("data", "mog", "--d", 5, "--n", 9, "--cov-basis", "axis", "--mean-cosine", "0", "--out", "X.npy",
        "--labels-out", "y.npy", "--seed", 2)
    X, y = memgen.MoG.make(d=5, cov_basis="axis", mean_cosine=0, seed=2).sample(n=9, seed=2)
    assert np.array_equal(X, np.load(tmp_path / "X.npy")) and np.array_equal(y, np.load(tmp_path / "y.npy"))
    m = memgen.MoG.make(d=4)  # the paper's means: mu_1 = -mu_2 = 5 e_1
    assert np.array_equal(m.means, [[5, 0, 0, 0], [-5, 0, 0, 0]]) and np.allclose(m.eigvals[0], 0.9 ** np.arange(4))


def test_mog_from_arrays_density_and_fgt():
    m = memgen.MoG([0.25, 0.75], [[2.0, 0.0], [-2.0, 0.0]], [[1.0, 0.5], [1.0, 0.5]])
    assert np.array_equal(m.bases, np.stack([np.eye(2)] * 2))
    Y = np.array([[2.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    logp, maha = m.logpdf(Y, 0.5, maha2=True)
    var = np.array([1.25, 0.75])  # the eigenvalues + sigma^2 (axis-aligned)
    dens = sum(w * np.exp(-0.5 * np.sum((Y - mu) ** 2 / var, 1)) / (2 * np.pi * np.sqrt(var.prod()))
               for w, mu in zip([0.25, 0.75], m.means))
    np.testing.assert_allclose(logp, np.log(dens), rtol=1e-12)
    assert maha.shape == (3, 2)
    f, post = m.fgt(Y, 0.5, posteriors=True)
    assert f.dtype == np.float32 and f.shape == (3, 2) and np.allclose(post.sum(1), 1)


@pytest.mark.parametrize("args", [
    ([1.0], [[0.0, 0.0], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]),   # K mismatch
    ([0.5, 0.6], [[0.0], [1.0]], [[1.0], [1.0]]),                   # weights do not sum to 1
    ([0.5, 0.5], [[0.0], [np.nan]], [[1.0], [1.0]]),                # NaN mean
    ([0.5, 0.5], [[0.0], [1.0]], [[1.0], [-1.0]]),                  # negative eigenvalue
    ([0.5, 0.5], [0.0, 1.0], [[1.0], [1.0]]),                       # means not K x d
])
def test_mog_rejects_bad_parameters(args):
    with pytest.raises(memgen.Error):
        memgen.MoG(*args)


def test_mog_bad_input(tmp_path):
    with pytest.raises(memgen.Error):
        memgen.MoG.load(tmp_path / "absent.safetensors")
    m = memgen.MoG.make(K=2, d=3)
    with pytest.raises(memgen.Error) as e:
        m.fgt(np.ones((2, 4)), 0.1)
    assert e.value.status == "MG_ERR_SHAPE"
    with pytest.raises(memgen.Error):
        m.logpdf([[np.nan, 0, 0]])
    for kw in (dict(n=3, n_per_mode=2), dict(n_per_mode=[1, 2, 3]), dict(n_per_mode=-1), dict(n=0)):
        with pytest.raises(memgen.Error):
            m.sample(**kw)
    for kw in (dict(K=0), dict(cov_rate=1.5), dict(mean_dirs="diagonal"), dict(d=3, K=5, mean_cosine=0)):
        with pytest.raises(memgen.Error):
            memgen.MoG.make(**kw)


@pytest.mark.skipif(not os.path.isdir(FMNIST), reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_mnist_same_bits_as_cli(cli, tmp_path):
    cli("data", "fashion-mnist", "--split", "test", "--n", 30, "--random", "--seed", 3, "--classes", "1,7",
        "--resize", 14, "--center", "--out", "X.npy", "--labels-out", "y.npy", "--index-out", "i.npy",
        "--mean-out", "m.npy")
    X, y, info = memgen.fashion_mnist("test", n=30, random=True, seed=3, classes=[1, 7], resize=14, center=True,
                                      details=True)
    assert X.shape == (30, 196) and info["height"] == info["width"] == 14
    for got, name in ((X, "X"), (y, "y"), (info["index"], "i"), (info["mean"], "m")):
        assert np.array_equal(got, np.load(tmp_path / (name + ".npy")))
    cli("data", "fashion-mnist", "--split", "test", "--n", 5, "--scale", "standardize", "--out", "S.npy")
    S, _ = memgen.fashion_mnist("test", n=5, scale="standardize")
    assert np.array_equal(S, np.load(tmp_path / "S.npy")) and S.shape == (5, 784)


def test_fashion_mnist_errors(tmp_path):
    with pytest.raises(memgen.Error) as e:
        memgen.fashion_mnist(dir=tmp_path / "absent")
    assert "dataset-fashion-mnist" in str(e.value) and e.value.status == "MG_ERR_NOT_FOUND"
    for kw in (dict(split="validation"), dict(classes=[10]), dict(classes=[1.5]), dict(n=-1), dict(resize="0x3"),
               dict(scale="minmax"), dict(resample="nearest")):
        with pytest.raises(memgen.Error):
            memgen.fashion_mnist(**kw)


def test_duplicate_same_bits_as_cli(cli, tmp_path, blobs):
    np.save(tmp_path / "X.npy", blobs)
    cls = np.arange(40) % 3
    np.save(tmp_path / "c.npy", cls)
    cli("data", "duplicate", "--data", "X.npy", "--count", 3, "--times", 4, "--jitter", 0.1, "--seed", 2,
        "--class-labels", "c.npy", "--out", "Y.npy", "--labels-out", "l.npy", "--group-out", "g.npy",
        "--class-labels-out", "co.npy")
    Y, marks, info = memgen.duplicate(blobs, 3, 4, jitter=0.1, seed=2, class_labels=cls, details=True)
    assert Y.shape == (49, 12) and marks.sum() == 12
    for got, name in ((Y, "Y"), (marks, "l"), (info["group"], "g"), (info["class_labels"], "co")):
        assert np.array_equal(got, np.load(tmp_path / (name + ".npy")))
    cli("data", "duplicate", "--data", "X.npy", "--count", 2, "--times", 3, "--inject", "--inject-norm", 2,
        "--out", "I.npy")
    assert np.array_equal(memgen.duplicate(blobs, 2, 3, inject=True, inject_norm=2)[0], np.load(tmp_path / "I.npy"))


def test_split_same_bits_as_cli(cli, tmp_path):
    X = np.arange(60, dtype=np.int32).reshape(20, 3)  # any dtype and shape
    y = np.arange(20) * 10
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    cli("data", "split", "--data", "X.npy", "--labels", "y.npy", "--test-fraction", 0.3, "--seed", 5,
        "--out-train", "a.npy", "--out-test", "b.npy", "--labels-train-out", "ya.npy", "--labels-test-out", "yb.npy",
        "--split-out", "s.npy")
    *parts, info = memgen.split(X, y, test_fraction=0.3, seed=5, details=True)
    for got, name in zip(parts + [info["is_test"]], ("a", "b", "ya", "yb", "s")):
        ref = np.load(tmp_path / (name + ".npy"))
        assert np.array_equal(got, ref) and got.dtype == ref.dtype
    assert len(memgen.split(X)) == 2


def test_split_duplicates_as_solve_labels_out(cli, tmp_path, blobs):
    X = np.concatenate([blobs, blobs[[3, 3, 30]], blobs[[30]]])  # groups: row 3 (x3), row 30 (x3)
    base = np.repeat([7, 4], [20, 24])
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "b.npy", base)
    cli("solve", "--data", "X.npy", "--duplicates", 2, "--sigma", 0.1, "--hidden", 8, "--out", "m.safetensors",
        "--labels-out", "l.npy")
    lab, groups = memgen.split_duplicates(X)
    assert groups == 2 and np.array_equal(lab, np.load(tmp_path / "l.npy"))
    cli("solve", "--data", "X.npy", "--labels", "b.npy", "--duplicates", 3, "--sigma", 0.1, "--hidden", 8,
        "--out", "m.safetensors", "--labels-out", "l2.npy")
    lab, groups = memgen.split_duplicates(X, base, duplicates=3)
    assert groups == 2 and np.array_equal(lab, np.load(tmp_path / "l2.npy"))


@pytest.mark.parametrize("call", [
    lambda X: memgen.duplicate(X, 0, 3),
    lambda X: memgen.duplicate(X, 2, 1),
    lambda X: memgen.duplicate(X, 2, 3, jitter=-1),
    lambda X: memgen.duplicate(X, 2, 3, class_labels=[1, 2]),
    lambda X: memgen.duplicate(X.astype(str), 2, 3),
    lambda X: memgen.duplicate(np.where(X > 2.5, np.nan, X), 2, 3),
    lambda X: memgen.split(X, test_fraction=1.5),
    lambda X: memgen.split(X, labels=np.arange(3)),
    lambda X: memgen.split(X[:0]),
    lambda X: memgen.split_duplicates(X, duplicates=1),
    lambda X: memgen.split_duplicates(X, labels=np.arange(39)),
    lambda X: memgen.split_duplicates(X, labels=np.full(40, 0.5)),
])
def test_bad_input_raises(call, blobs):
    with pytest.raises(memgen.Error):
        call(blobs)
