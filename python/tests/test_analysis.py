"""memratio, representations, spikiness, features and score_activations against
`memgen memratio`, `memgen repr` and `memgen detect --features` (same bits), and
bad input raising memgen.Error. Also holds the small models and data the
detect / steer tests share (memorizing_set, generations)."""
import csv
import json

import numpy as np
import pytest

import memgen


def training_rows(m=6, d=32, seed=0):
    """m training rows in d dimensions (float32)."""
    return (2.0 * np.random.default_rng(seed).standard_normal((m, d))).astype(np.float32)


def memorizing_set(X, sigmas=(0.05, 0.5)):
    """A DAESet whose every level stores the rows of X in its columns (tied,
    W1 = the unit training rows): a memorizing model built without training."""
    levels = []
    for s in sigmas:
        m = memgen.DAE(X.shape[1], X.shape[0], tied=True, sigma=s)
        m.W1 = (X / np.linalg.norm(X, axis=1, keepdims=True)).T
        levels.append(m)
    return memgen.DAESet(levels)


def generations(X, n_copies=10, n_novel=10, seed=1):
    """Near copies of training rows (memorized) followed by novel rows (generalized)."""
    g = np.random.default_rng(seed)
    copies = X[g.integers(0, X.shape[0], n_copies)] + 0.01 * g.standard_normal((n_copies, X.shape[1]))
    novel = 3.0 * g.standard_normal((n_novel, X.shape[1]))
    return np.concatenate([copies, novel]).astype(np.float32)


@pytest.fixture
def setfile(tmp_path):
    """(training rows, the memorizing set, its file)."""
    X = training_rows()
    s = memorizing_set(X)
    path = tmp_path / "set.safetensors"
    s.save(path)
    return X, s, path


def json_same(a, b):
    """a == b up to cJSON's printing (15 significant digits when they read back within one ulp)."""
    return a == b or abs(a - b) <= 2.5e-16 * max(abs(a), abs(b))


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def test_memratio_matches_cli(tmp_path, cli):
    X = training_rows()
    S = generations(X)
    np.save(tmp_path / "S.npy", S)
    np.save(tmp_path / "X.npy", X)
    cli("memratio", "--samples", "S.npy", "--train", "X.npy", "--threshold", 0.3, "--json", "m.json",
        "--flags-out", "f.npy", "--out", "m.csv")
    r = memgen.memratio(S, X, threshold=0.3)
    assert np.array_equal(r["memorized"], np.load(tmp_path / "f.npy").astype(bool))
    assert r["memorized"][:10].all() and not r["memorized"][10:].any()
    js = json.load(open(tmp_path / "m.json"))
    for k in ("n", "threshold", "frac_memorized", "distinct_memorized", "frac_near_duplicate", "mean_ratio",
              "median_ratio", "mean_cos_max"):
        assert json_same(r[k], js[k]), k
    rows = read_csv(tmp_path / "m.csv")
    for k in ("nn1", "nn2", "cos_idx"):
        assert np.array_equal(r[k], [int(row[k]) for row in rows])
    for k in ("d1", "d2", "ratio", "cos_max", "gen_ratio"):
        np.testing.assert_allclose(r[k], [float(row[k]) for row in rows], rtol=1e-8)


def test_memratio_upto_scale():
    X = training_rows()
    S = np.concatenate([3.0 * X[:2], X[2:4] + 5.0]).astype(np.float32)
    plain, scaled = memgen.memratio(S, X), memgen.memratio(S, X, upto_scale=True)
    assert not plain["memorized"][:2].any() and scaled["memorized"][:2].all()
    assert np.array_equal(scaled["nn1"][:2], [0, 1]) and scaled["ratio"][0] < 1e-3


@pytest.mark.parametrize("single", [False, True])
def test_representations_match_cli(tmp_path, cli, setfile, single):
    X, s, path = setfile
    if single:
        model, path = s[1].copy(), tmp_path / "dae.safetensors"
        model.save(path)
    else:
        model = s
    S = generations(X)
    np.save(tmp_path / "S.npy", S)
    cli("repr", "--model", path, "--data", "S.npy", "--sigma", 0.4, "--seed", 7, "--out", "H.npy")
    H = memgen.representations(model, S, sigma=0.4, seed=7)
    assert H.dtype == np.float32 and np.array_equal(H, np.load(tmp_path / "H.npy"))
    assert not np.array_equal(H, memgen.representations(model, S, sigma=0.4, seed=8))
    with pytest.raises(memgen.Error):  # far outside the model's levels (0.05, 0.5)
        memgen.representations(model, S, sigma=5.0)
    W = model.W1 if single else model[0].W1  # sigma 0: the clean rows at the lowest level
    np.testing.assert_allclose(memgen.representations(model, S, sigma=0), np.maximum(S @ W, 0), atol=1e-5)


def test_spikiness_all_metrics_match_cli(tmp_path, cli, setfile):
    X, s, _ = setfile
    H = memgen.representations(s, generations(X), sigma=0.05, seed=1)
    np.save(tmp_path / "H.npy", H)
    cli("detect", "--features", "H.npy", "--metric", "all", "--scores-out", "all.npy")
    ref = np.load(tmp_path / "all.npy")
    every = memgen.spikiness(H, "all")
    assert list(every) == memgen.spike_metrics()
    for k, name in enumerate(memgen.spike_metrics()):
        assert np.array_equal(every[name], ref[:, k]), name
        assert np.array_equal(memgen.spikiness(H, name), ref[:, k]), name
    assert np.array_equal(memgen.score_activations(H, metric="all")["top1"], ref[:, 4])


@pytest.mark.parametrize("shape, dtype, layout, pool", [
    ((12, 5, 3, 4), np.float16, "nchw", "max"),
    ((12, 3, 4), np.float16, "auto", "max"),
    ((12, 6, 5), np.float32, "nhwc", "mean"),
    ((12, 2, 3, 2), np.int32, "nchw", "none"),
    ((12, 7), np.float64, "nf", "max"),
])
def test_features_and_scores_match_cli(tmp_path, cli, shape, dtype, layout, pool):
    A = (4 * np.random.default_rng(3).standard_normal(shape)).astype(dtype)
    np.save(tmp_path / "A.npy", A)
    cli("repr", "--features", "A.npy", "--layout", layout, "--pool", pool, "--out", "H.npy")
    cli("detect", "--features", "A.npy", "--layout", layout, "--pool", pool, "--metric", "l4l2",
        "--scores-out", "s.npy")
    H = memgen.features(A, layout=layout, pool=pool)
    assert H.dtype == np.float32 and np.array_equal(H, np.load(tmp_path / "H.npy"))
    s = memgen.score_activations(A, layout=layout, pool=pool, metric="l4l2")
    assert np.array_equal(s, np.load(tmp_path / "s.npy"))
    # strided, Fortran-order and big-endian inputs are copied and give the same bits
    assert np.array_equal(memgen.features(np.asfortranarray(A), layout=layout, pool=pool), H)
    assert np.array_equal(memgen.features(A.astype(A.dtype.newbyteorder(">")), layout=layout, pool=pool), H)
    wide = np.zeros(shape[:-1] + (2 * shape[-1],), dtype=dtype)
    wide[..., ::2] = A
    assert np.array_equal(memgen.features(wide[..., ::2], layout=layout, pool=pool), H)


def test_ambiguous_layout_is_an_error():
    A = np.ones((6, 4, 4, 32), dtype=np.float32)
    with pytest.raises(memgen.Error) as e:
        memgen.features(A)
    assert "--layout" in str(e.value) or "layout" in str(e.value)
    assert memgen.features(A, layout="nhwc").shape == (6, 32)
    assert memgen.features(A, layout="nchw").shape == (6, 4)


def test_features_reads_contiguous_input_in_place():
    A = np.random.default_rng(0).random((4, 3, 2, 2)).astype(np.float16)
    arr, view = memgen.analysis.c_array(A, "A")
    assert view is A and int(memgen._core.ffi.cast("uintptr_t", arr.data)) == A.ctypes.data
    B = np.asfortranarray(A)
    _, copy = memgen.analysis.c_array(B, "B")
    assert copy is not B and copy.flags.c_contiguous


@pytest.mark.parametrize("call, status", [
    (lambda: memgen.memratio(np.ones((3, 4)), np.ones((5, 3))), "MG_ERR_SHAPE"),
    (lambda: memgen.memratio(np.array([[1.0, np.nan, 0, 0]]), np.ones((5, 4))), "MG_ERR_NUMERIC"),
    (lambda: memgen.memratio(np.ones((3, 4)), np.ones((1, 4))), None),
    (lambda: memgen.memratio(np.array([["a", "b"]]), np.ones((5, 2))), "MG_ERR_ARG"),
    (lambda: memgen.representations(memgen.DAE(4, 2, sigma=0.2), np.ones((3, 5))), "MG_ERR_SHAPE"),
    (lambda: memgen.representations(memgen.DAE(4, 2, sigma=0.1), np.ones((3, 4)), sigma=-1), "MG_ERR_ARG"),
    (lambda: memgen.representations("model.safetensors", np.ones((3, 4))), "MG_ERR_ARG"),
    (lambda: memgen.spikiness(np.ones((3, 4)), "spikiest"), "MG_ERR_ARG"),
    (lambda: memgen.spikiness(np.array([[1.0, np.nan, 2.0]])), None),
    (lambda: memgen.spikiness(np.ones((3, 4), dtype=complex)), "MG_ERR_ARG"),
    (lambda: memgen.features(np.ones(5)), "MG_ERR_SHAPE"),
    (lambda: memgen.features(np.ones((3, 0, 2))), None),
    (lambda: memgen.features(np.array([[1.0, np.inf]], dtype=np.float16)), "MG_ERR_NUMERIC"),
    (lambda: memgen.features(np.ones((3, 4)), layout="hwcn"), "MG_ERR_ARG"),
    (lambda: memgen.score_activations(np.ones((3, 4)), pool="median"), "MG_ERR_ARG"),
    (lambda: memgen.score_activations(np.array([["x"]])), "MG_ERR_ARG"),
])
def test_bad_input_raises(call, status):
    with pytest.raises(memgen.Error) as e:
        call()
    assert status is None or e.value.status == status
