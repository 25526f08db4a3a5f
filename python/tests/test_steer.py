"""memgen.steering_vectors and memgen.steer against `memgen steer` (same bits
with the same seeds: vectors, offsets, the steered samples of every alpha, the
curves and summaries), Ctrl-C / callback stops, and bad input."""
import _thread
import json

import numpy as np
import pytest

import memgen
from test_analysis import json_same, memorizing_set, read_csv, training_rows

SIGMAS = (0.05, 0.2, 0.5, 1.0)


@pytest.fixture
def case(tmp_path, cli):
    """Training rows X.npy (d = 32), a 4-level memorizing set, target rows T.npy
    and a two-mode mixture M.safetensors in the same dimension."""
    X = training_rows()
    s = memorizing_set(X, SIGMAS)
    s.save(tmp_path / "set.safetensors")
    T = (X[:2] + 0.1 * np.random.default_rng(4).standard_normal((2, X.shape[1]))).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "T.npy", T)
    cli("data", "mog", "--d", 32, "--n-per-mode", 2, "--out", "mog.npy", "--params-out", "M.safetensors")
    return X, s, T


def check_against_cli(tmp_path, r, out, memorized=True):
    """r (memgen.steer's result) against the folder the CLI wrote."""
    o = tmp_path / out
    assert r["samples"].dtype == np.float32 and np.array_equal(r["samples"], np.load(o / "samples.npy"))
    assert np.array_equal(r["alphas"], np.load(o / "alphas.npy"))
    assert np.array_equal(r["vectors"]["V"], np.load(o / "steer_vectors.npy"))
    assert np.array_equal(r["vectors"]["U"], np.load(o / "steer_offsets.npy"))
    js = json.load(open(o / "summary.json"))
    assert len(r["sigmas"]) == len(js["config"]["sigmas"])
    assert all(json_same(a, b) for a, b in zip(r["sigmas"], js["config"]["sigmas"]))
    assert (r["sigma_hi"], r["sigma_lo"], r["final_steps"]) == (js["config"]["sigma_hi"], js["config"]["sigma_lo"],
                                                                 js["config"]["final_steps"])
    assert set(r["summary"]) == set(js) - {"config", "seconds"}
    for group, summ in r["summary"].items():
        for k, v in summ.items():
            w = js[group][k]
            assert (np.isnan(v) and w is None) or json_same(v, w), (group, k)
    rows = read_csv(o / "per_sample.csv")
    assert list(r["curves"]["cls"]) == [row["class"] for row in rows]
    for k in ("mono", "spearman", "jump", "path_jump", "kink", "gain"):
        np.testing.assert_allclose(r["curves"][k], [float(row[k]) for row in rows], rtol=1e-5, atol=1e-6)
    if memorized:
        assert np.array_equal(r["memorized"], [row["memorized"] == "1" for row in rows])
    curves = read_csv(o / "curves.csv")
    np.testing.assert_allclose(r["curves"]["dist"].reshape(-1), [float(c["distance"]) for c in curves], rtol=1e-8)
    if r["curves"]["post"] is not None:
        np.testing.assert_allclose(r["curves"]["post"].reshape(-1), [float(c["posterior"]) for c in curves],
                                   rtol=1e-8, atol=1e-300)


def test_steer_defaults_match_cli(tmp_path, cli, case):
    X, s, T = case
    cli("steer", "--model", "set.safetensors", "--target", "T.npy", "--out", "a", "--n", 5, "--alphas", "lin:0:2:3",
        "--seed", 2, "--train", "X.npy")
    r = memgen.steer(s, T, n=5, alphas="lin:0:2:3", seed=2, train=X)
    check_against_cli(tmp_path, r, "a")
    assert r["label_alpha"] == 0.0 and r["samples"].shape == (3, 5, 32)
    v = memgen.steering_vectors(s, T)
    assert np.array_equal(v["V"], r["vectors"]["V"]) and v["active"].all() and v["n_target"] == 2
    # the same sweep as an array; alpha 0 is the plain sampler's draw
    r2 = memgen.steer(s, T, n=5, alphas=[0.0, 1.0, 2.0], seed=2)
    assert np.array_equal(r2["samples"], r["samples"]) and "memorized" not in r2


def test_steer_options_match_cli(tmp_path, cli, case):
    X, s, T = case
    cli("steer", "--model", "set.safetensors", "--target", "T.npy", "--out", "b", "--n", 4, "--alphas", "list:-1,0.5,3",
        "--sigma", "own", "--vector-level", 1, "--vector-seed", 9, "--levels", 6, "--sampler", "euler",
        "--clamp", "-4:4", "--level", "interp", "--final-steps", 4, "--skip-last", 1, "--seed", 3,
        "--mog", "M.safetensors", "--target-mode", 1, "--post-sigma", 0.1)
    seen = []
    r = memgen.steer(s, T, n=4, alphas="list:-1,0.5,3", sigma="own", vector_level=1, vector_seed=9, levels=6,
                     sampler="euler", clamp=(-4, 4), level="interp", final_steps=4, skip_last=1, seed=3,
                     mog=tmp_path / "M.safetensors", target_mode=1, post_sigma=0.1,
                     progress=lambda done, total: seen.append((done, total)))
    check_against_cli(tmp_path, r, "b", memorized=False)
    assert list(r["vectors"]["active"]) == [False, True, False, False]
    assert seen and seen[-1] == (3 * 4 * 6, 3 * 4 * 6)


def test_progress_exception_stops_sampling(case):
    X, s, T = case

    def stop(done, total):
        raise RuntimeError("enough")
    with pytest.raises(RuntimeError, match="enough"):
        memgen.steer(s, T, n=3, alphas="lin:0:1:2", progress=stop)


def test_ctrl_c_stops_sampling(case):
    X, s, T = case
    seen = []

    def interrupt(done, total):  # runs on the sampling thread: Ctrl-C arrives in the main thread
        seen.append(done)
        if len(seen) == 1:
            _thread.interrupt_main()
    with pytest.raises(KeyboardInterrupt):
        memgen.steer(s, T, n=3, alphas="lin:0:1:50", levels=200, progress=interrupt)
    assert seen[-1] < 50 * 3 * 200


@pytest.mark.parametrize("kwargs, status", [
    (dict(alphas="lin:1:0:3"), "MG_ERR_ARG"),
    (dict(alphas=[0.0]), "MG_ERR_ARG"),
    (dict(alphas=[1.0, 0.0]), "MG_ERR_ARG"),
    (dict(sigma="mine"), "MG_ERR_ARG"),
    (dict(sigma=-0.1), "MG_ERR_ARG"),
    (dict(vector_level=7), "MG_ERR_ARG"),
    (dict(n=0), "MG_ERR_ARG"),
    (dict(sampler="langevin"), "MG_ERR_ARG"),
    (dict(level="cubic"), "MG_ERR_ARG"),
    (dict(clamp=(1, -1)), "MG_ERR_ARG"),
    (dict(sigmas="geom:0:1:3"), "MG_ERR_ARG"),
    (dict(train=np.ones((5, 7))), "MG_ERR_SHAPE"),
    (dict(train=np.ones((1, 32))), "MG_ERR_ARG"),
    (dict(mog="absent.safetensors"), "MG_ERR_IO"),
])
def test_bad_input_raises(case, kwargs, status):
    X, s, T = case
    with pytest.raises(memgen.Error) as e:
        memgen.steer(s, T, **{"n": 2, **kwargs})
    assert e.value.status == status


def test_bad_target_raises(case):
    X, s, T = case
    with pytest.raises(memgen.Error) as e:
        memgen.steering_vectors(s, T[:, :5])
    assert e.value.status == "MG_ERR_SHAPE"
    with pytest.raises(memgen.Error) as e:
        memgen.steering_vectors(s, np.full((2, 32), np.nan))
    assert e.value.status == "MG_ERR_NUMERIC"
