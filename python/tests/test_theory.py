"""memgen.solve, memgen.theory and memgen.separability against `memgen solve` (the same W bits, the same
--json summary) and `memgen theory --json`, and bad input raising memgen.Error.

The summaries' doubles are compared to 1e-12 relative: cJSON prints a double with 15 digits whenever
that reads back within an epsilon, and the eigen-solvers' last bits follow OpenBLAS's thread count."""
import json

import numpy as np
import pytest

import memgen


@pytest.fixture
def clusters(tmp_path):
    """Three separated clusters in 10 dimensions (24 rows) and labels of arbitrary values."""
    g = np.random.default_rng(1)
    mu = 4 * np.eye(10)[:3]
    X = np.concatenate([mu[k] + 0.3 * g.standard_normal((8, 10)) for k in range(3)]).astype(np.float32)
    y = np.repeat([5, 2, 9], 8)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    return X, y


def same(py, ref, path="", rtol=1e-12):
    """Asserts that every entry of the CLI's JSON ref is in the Python result py (
    arrays may be longer where the CLI lists a prefix)."""
    if isinstance(ref, dict):
        for k, v in ref.items():
            if k in ("data", "seconds", "params"):  # file names and timings
                continue
            key = {"second_moment_top_eigenvalues": "second_moment_eigenvalues"}.get(k, k)
            assert key in py, "%s.%s missing" % (path, key)
            same(py[key], v, path + "." + key, rtol)
    elif isinstance(ref, list):
        assert len(py) >= len(ref), path
        for i, v in enumerate(ref):
            same(py[i], v, "%s[%d]" % (path, i), rtol)
    elif isinstance(ref, (bool, str)) or ref is None:
        assert py == ref, "%s: %r != %r" % (path, py, ref)
    else:
        assert np.isclose(py, ref, rtol=rtol, atol=0), "%s: %r != %r" % (path, py, ref)


def test_solve_labels_same_bits_and_summary_as_cli(cli, tmp_path, clusters):
    X, y = clusters
    cli("solve", "--data", "X.npy", "--labels", "y.npy", "--sigma", 0.3, "--lambda", 0.001, "--hidden", 12,
        "--out", "m.safetensors", "--json", "m.json")
    ref = memgen.DAE.load(tmp_path / "m.safetensors")
    m, info = memgen.solve(X, 0.3, lambda_=0.001, hidden=12, labels=y, details=True)
    assert np.array_equal(m.W1, ref.W1) and m.tied and not m.bias and m.sigma == 0.3
    assert m.meta == {k: v for k, v in ref.meta.items() if k != "data"}
    js = json.load(open(tmp_path / "m.json"))
    same(info, js["levels"][0])
    assert info["mode"] == js["mode"] == "blocks" and np.array_equal(info["labels"], np.repeat([1, 0, 2], 8))
    assert info["construction"] == "gen" and len(info["blocks"]) == 3
    assert np.array_equal(memgen.solve(X, 0.3, lambda_=0.001, hidden=12, labels=y).W1, m.W1)


def test_solve_kmeans_set_same_bits_as_cli(cli, tmp_path, clusters):
    X, _ = clusters
    cli("solve", "--data", "X.npy", "--clusters", 3, "--seed", 4, "--sigmas", "geom:0.1:1:3", "--hidden", 12,
        "--out", "s.safetensors", "--json", "s.json", "--labels-out", "l.npy")
    ref = memgen.DAESet.load(tmp_path / "s.safetensors")
    s, info = memgen.solve(X, sigmas="geom:0.1:1:3", hidden=12, clusters=3, seed=4, details=True)
    assert isinstance(s, memgen.DAESet) and np.array_equal(s.sigmas, ref.sigmas)
    assert all(np.array_equal(a.W1, b.W1) for a, b in zip(s, ref))
    assert np.array_equal(info["labels"], np.load(tmp_path / "l.npy"))
    same(info, json.load(open(tmp_path / "s.json")))


@pytest.mark.parametrize("flags, kw", [
    (["--mode", "mem"], dict(mode="mem")),
    (["--mode", "lae", "--hidden", 5, "--lambda", 0.01], dict(mode="lae", hidden=5, lambda_=0.01)),
    (["--duplicates", 2, "--hidden", 12], dict(duplicates=2, hidden=12)),
    (["--labels", "y.npy", "--widths", "2,3,4", "--hidden", 10, "--dup-tol", 0.01],
     dict(labels="y", widths=[2, 3, 4], hidden=10, dup_tol=0.01)),
])
def test_solve_modes_same_bits_as_cli(cli, tmp_path, clusters, flags, kw):
    X, y = clusters
    if kw.get("duplicates"):
        X = np.concatenate([X, X[[0, 0, 9]]])
        np.save(tmp_path / "X.npy", X)
    if kw.get("labels") is not None:
        kw["labels"] = y
    cli("solve", "--data", "X.npy", "--sigma", 0.2, "--out", "m.safetensors", "--json", "m.json", *flags)
    m, info = memgen.solve(X, 0.2, details=True, **kw)
    assert np.array_equal(m.W1, memgen.DAE.load(tmp_path / "m.safetensors").W1)
    same(info, json.load(open(tmp_path / "m.json"))["levels"][0])


def test_theory_as_cli_json(cli, tmp_path):
    cli("data", "mog", "--K", 3, "--d", 10, "--n-per-mode", 8, "--cov-scale", 0.1, "--seed", 1, "--out", "G.npy",
        "--params-out", "g.safetensors")
    cli("theory", "--data", "G.npy", "--clusters", 3, "--sigma", 0.3, "--lambda", 0.001, "--hidden", 12, "--mog",
        "g.safetensors", "--json", "t.json")
    G = np.load(tmp_path / "G.npy")
    js = json.load(open(tmp_path / "t.json"))
    out = memgen.theory(G, 0.3, lambda_=0.001, hidden=12, clusters=3, mog=tmp_path / "g.safetensors")
    same(out, js)
    assert set(out) == set(js) - {"data"} | {"labels"}
    mog = memgen.MoG.load(tmp_path / "g.safetensors")
    same(memgen.theory(G, 0.3, lambda_=0.001, hidden=12, clusters=3, mog=mog), js)  # a MoG object too


def test_theory_labels_and_separability(cli, tmp_path, clusters):
    X, y = clusters
    cli("theory", "--data", "X.npy", "--labels", "y.npy", "--sigma", 0.5, "--hidden", 9, "--json", "t.json")
    js = json.load(open(tmp_path / "t.json"))
    out = memgen.theory(X, 0.5, hidden=9, labels=y)
    same(out, js)
    assert out["separability"]["theorem_3_1_applies"] == js["separability"]["theorem_3_1_applies"]
    sep = memgen.separability(X, y)
    assert sep["K"] == 3 and np.array_equal(sep["label_values"], [2, 5, 9])
    same(sep, {k: js["separability"][k] for k in ("alpha", "alpha_sample", "beta", "beta_pair_k", "beta_pair_l",
                                                  "min_mean_norm")})
    assert memgen.separability(X, np.zeros(24))["beta"] == -1


@pytest.mark.parametrize("kw", [
    dict(sigma=-0.1, hidden=4), dict(sigma=None), dict(sigmas=[0.1, 0.2]), dict(mode="lae"),
    dict(mode="blocks", hidden=4), dict(mode="mem", widths=[1]), dict(labels="y", widths=[1, 2], hidden=4),
    dict(labels="y", clusters=2, hidden=4), dict(sigma="abc", hidden=4), dict(lambda_=None, hidden=4),
    dict(clusters=30, hidden=4), dict(dup_tol=1.0, hidden=4), dict(lambda_=-1, hidden=4), dict(mode="cluster"),
    dict(duplicates=1, hidden=4), dict(labels=np.arange(5), hidden=4), dict(mode="mem", hidden=3),
    dict(labels="y", mode="lae", hidden=4),
])
def test_solve_bad_arguments(clusters, kw):
    X, y = clusters
    args = dict(sigma=0.2)
    args.update(kw)
    if isinstance(args.get("labels"), str):
        args["labels"] = y
    with pytest.raises(memgen.Error):
        memgen.solve(X, **args)


def test_theory_bad_input(tmp_path, clusters):
    X, y = clusters
    with pytest.raises(memgen.Error) as e:
        memgen.theory(np.where(X > 4.5, np.nan, X), 0.2, hidden=4)
    assert e.value.status == "MG_ERR_NUMERIC"
    with pytest.raises(memgen.Error):
        memgen.theory(X, 0.2, hidden=4, mog=tmp_path / "absent.safetensors")
    with pytest.raises(memgen.Error) as e:
        memgen.theory(X, 0.2, hidden=4, mog=memgen.MoG.make(K=2, d=3))
    assert e.value.status == "MG_ERR_SHAPE"
    with pytest.raises(memgen.Error):
        memgen.separability(X, y[:5])
    with pytest.raises(memgen.Error):
        memgen.separability(X.astype(str), y)
