"""memgen.detect, calibrate, flag, evaluate, roc_curve, the baselines and the
benchmark against `memgen detect` (same bits with the same seed), the AUROC
against an exact pair enumeration, the quantile rule by hand, and bad input."""
import json

import numpy as np
import pytest

import memgen
from test_analysis import generations, json_same, memorizing_set, read_csv, training_rows


@pytest.fixture
def case(tmp_path):
    """Training rows, the memorizing set (saved as set.safetensors), generations
    S.npy with labels L.npy (10 copies, 10 novel) and a reference R.npy."""
    X = training_rows()
    s = memorizing_set(X)
    s.save(tmp_path / "set.safetensors")
    S = generations(X)
    L = np.r_[np.ones(10), np.zeros(10)].astype(np.int64)
    R = generations(X, n_copies=0, n_novel=30, seed=5)
    for name, a in (("X", X), ("S", S), ("L", L), ("R", R)):
        np.save(tmp_path / (name + ".npy"), a)
    return X, s, S, L, R


def test_scores_match_cli(tmp_path, cli, case):
    X, s, S, L, R = case
    cli("detect", "--model", "set.safetensors", "--data", "S.npy", "--sigma", 0.3, "--seed", 4, "--scores-out", "a.npy")
    assert np.array_equal(memgen.detect(s, S, sigma=0.3, seed=4), np.load(tmp_path / "a.npy"))
    cli("detect", "--model", "set.safetensors", "--data", "S.npy", "--sigmas", "list:0.05,0.5", "--combine", "concat",
        "--metric", "all", "--seed", 2, "--scores-out", "b.npy")
    every = memgen.detect(s, S, metric="all", sigmas="list:0.05,0.5", combine="concat", seed=2)
    ref = np.load(tmp_path / "b.npy")
    for k, name in enumerate(memgen.spike_metrics()):
        assert np.array_equal(every[name], ref[:, k]), name
    assert np.array_equal(memgen.detect(s, S, metric="negpr", sigmas=[0.05, 0.5], combine="concat", seed=2),
                          ref[:, 5])
    # a single DAE is a one-level set, as the CLI reads a DAE file
    s[0].save(tmp_path / "dae.safetensors")
    cli("detect", "--model", "dae.safetensors", "--data", "S.npy", "--sigma", 0.06, "--scores-out", "c.npy")
    assert np.array_equal(memgen.detect(s[0], S, sigma=0.06), np.load(tmp_path / "c.npy"))


def test_calibrate_flag_evaluate_roc_match_cli(tmp_path, cli, case):
    X, s, S, L, R = case
    cli("detect", "--model", "set.safetensors", "--data", "S.npy", "--reference", "R.npy", "--labels", "L.npy",
        "--fpr", 0.1, "--bootstrap", 50, "--ci", 0.9, "--seed", 3, "--metric", "l4l2", "--flags-out", "f.npy",
        "--roc", "roc.csv", "--json", "d.json")
    js = json.load(open(tmp_path / "d.json"))
    scores = memgen.detect(s, S, metric="l4l2", seed=3)
    thr = memgen.calibrate(memgen.detect(s, R, metric="l4l2", seed=3), fpr=0.1)
    assert json_same(thr, js["threshold"]["value"])
    assert np.array_equal(memgen.flag(scores, thr), np.load(tmp_path / "f.npy").astype(bool))
    ev = memgen.evaluate(scores, L, fpr=0.1, bootstrap=50, level=0.9, seed=3, metric="l4l2")
    m = js["metrics"][0]
    for ours, theirs in (("auroc", "auroc"), ("tpr", "tpr"), ("thr_at_fpr", "tpr_threshold"), ("auroc_lo", "auroc_lo"),
                         ("auroc_hi", "auroc_hi"), ("tpr_lo", "tpr_lo"), ("tpr_hi", "tpr_hi"), ("n_pos", "n_memorized"),
                         ("n_neg", "n_generalized"), ("level", "ci_level"), ("bootstrap", "bootstrap")):
        assert json_same(ev[ours], m[theirs]), ours
    assert ev["auroc"] == memgen.auroc(scores, L)
    fpr, tpr, th = memgen.roc_curve(scores, L)
    rows = read_csv(tmp_path / "roc.csv")
    assert np.array_equal(fpr, [float(r["fpr"]) for r in rows]) and np.array_equal(tpr, [float(r["tpr"]) for r in rows])
    assert np.array_equal(th, [float(r["threshold"]) for r in rows]) and th[0] == np.inf


def test_auroc_is_the_pair_count_with_ties():
    g = np.random.default_rng(0)
    scores = g.integers(0, 6, 300).astype(np.float64)  # many ties
    labels = (g.random(300) < 0.3).astype(int)
    pos, neg = scores[labels == 1], scores[labels == 0]
    diff = pos[:, None] - neg[None, :]
    exact = ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size
    assert abs(memgen.auroc(scores, labels) - exact) < 1e-12
    assert abs(memgen.evaluate(scores, labels, bootstrap=0)["auroc"] - exact) < 1e-12
    assert np.isnan(memgen.evaluate(scores, labels, bootstrap=0)["auroc_lo"])


def test_calibrate_quantile_rule_by_hand():
    ref = [5.0, 1.0, 4.0, 2.0, 3.0, 3.0, 9.0, 7.0, 8.0, 6.0]  # sorted: 1 2 3 3 4 5 6 7 8 9
    assert memgen.calibrate(ref, fpr=0.0) == 9.0    # k = 0: the largest, flags none
    assert memgen.calibrate(ref, fpr=0.1) == 8.0    # k = 1: r_(9)
    assert memgen.calibrate(ref, fpr=0.25) == 7.0   # k = floor(2.5) = 2: r_(8)
    assert memgen.calibrate(ref, fpr=0.75) == 3.0   # k = 7: r_(3) = 3, tied with r_(4)
    assert memgen.flag(ref, 3.0).sum() == 6        # the tie keeps the reference FPR below 0.75
    assert memgen.calibrate(ref) == 9.0             # default fpr 0.01: k = 0
    assert np.array_equal(memgen.flag([1.0, 2.0, 3.0], 2.0), [False, False, True])


def test_benchmark_matches_cli(tmp_path, cli, case):
    X, s, S, L, R = case
    S2 = np.concatenate([S, R[:10]])
    np.save(tmp_path / "S2.npy", S2)
    cli("detect", "--benchmark", "--model", "set.safetensors", "--train", "X.npy", "--data", "S2.npy", "--seed", 1,
        "--bootstrap", 20, "--repeats", 1, "--clique-k", 5, "--json", "b.json", "--out", "b.csv")
    b = memgen.benchmark(s, X, S2, seed=1, bootstrap=20, repeats=1, clique_k=5)
    js = json.load(open(tmp_path / "b.json"))["benchmark"]
    assert (b["n_samples"], b["n_mem"], b["n_gen"], b["n_ambiguous"]) == (30, 10, 20, 0)
    assert (js["n_memorized"], js["n_generalized"]) == (b["n_mem"], b["n_gen"])
    assert [d["name"] for d in js["detectors"]] == list(b["detectors"])
    for d in js["detectors"]:
        ours = b["detectors"][d["name"]]
        for k in ("auroc", "tpr", "auroc_lo", "auroc_hi", "tpr_lo", "tpr_hi"):
            assert json_same(ours[k], d[k]), (d["name"], k)
        assert ours["needs_train"] == d["needs_training_data"]
    rows = read_csv(tmp_path / "b.csv")
    assert np.array_equal(b["index"], [int(r["sample"]) for r in rows])
    assert np.array_equal(b["labels"], [int(r["label"]) for r in rows])
    for name, d in b["detectors"].items():
        np.testing.assert_allclose(d["scores"], [float(r[name]) for r in rows], rtol=1e-8, atol=1e-12)
    # the deterministic baselines on their own give the suite's scores
    Se = S2[b["index"]]
    assert np.array_equal(memgen.baseline_flipd(s, Se), b["detectors"]["flipd"]["scores"])
    assert np.array_equal(memgen.baseline_jacobian(s, Se), b["detectors"]["jacobian"]["scores"])
    assert np.array_equal(memgen.baseline_clique(S2, clique_k=5)[b["index"]], b["detectors"]["clique"]["scores"])
    assert np.array_equal(memgen.baseline_nn_ratio(Se, X), b["detectors"]["nn_ratio"]["scores"])
    den = memgen.baseline_denoise(s, Se, seed=9)
    assert den.shape == (30,) and np.all(den <= 0)


@pytest.mark.parametrize("call, status", [
    (lambda s, S: memgen.evaluate([0.1, 0.2, 0.3], [0, 1, 2]), "MG_ERR_ARG"),
    (lambda s, S: memgen.evaluate([0.1, 0.2, 0.3], [0, 1]), "MG_ERR_SHAPE"),
    (lambda s, S: memgen.auroc([0.1, np.nan, 0.3], [0, 1, 1]), "MG_ERR_NUMERIC"),
    (lambda s, S: memgen.auroc([0.1, 0.2, 0.3], [1, 1, 1]), "MG_ERR_ARG"),
    (lambda s, S: memgen.auroc([0.1, 0.2], ["a", "b"]), "MG_ERR_ARG"),
    (lambda s, S: memgen.calibrate([1.0, 2.0], fpr=1.0), "MG_ERR_ARG"),
    (lambda s, S: memgen.calibrate([], fpr=0.1), "MG_ERR_SHAPE"),
    (lambda s, S: memgen.roc_curve([0.1, 0.2], [0.5, 1]), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(s, S[:, :5]), "MG_ERR_SHAPE"),
    (lambda s, S: memgen.detect(s, np.where(np.arange(32) == 3, np.nan, S)), "MG_ERR_NUMERIC"),
    (lambda s, S: memgen.detect(s, S, metric="most"), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(s, S, combine="max"), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(s, S, sigmas="geom:1:0"), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(s, S, sigmas=[0.1, -1]), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(s, S, seed=-1), "MG_ERR_ARG"),
    (lambda s, S: memgen.detect(S, S), "MG_ERR_ARG"),
    (lambda s, S: memgen.baseline_flipd(s, S, sigma=0), "MG_ERR_ARG"),
    (lambda s, S: memgen.baseline_clique(S[:1]), None),
    (lambda s, S: memgen.benchmark(s, S[:, :4], S), "MG_ERR_SHAPE"),
    (lambda s, S: memgen.benchmark(s, S, S, repeats=0), "MG_ERR_ARG"),
    (lambda s, S: memgen.benchmark(s, S[10:], S[:10]), None),  # no memorized generation: a class is empty
])
def test_bad_input_raises(call, status):
    X = training_rows()
    with pytest.raises(memgen.Error) as e:
        call(memorizing_set(X), generations(X))
    assert status is None or e.value.status == status
