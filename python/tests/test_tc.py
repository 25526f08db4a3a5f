"""memgen.TCDAE and memgen.train_tc (the authors' time-conditioned model) against `memgen train --kind tc`,
`memgen sample --model`, `memgen repr` and `memgen detect` on its files (same bits for the same data, options
and seed), progress callbacks, Ctrl-C and checkpoint/resume (a real SIGINT: test_train.py), and bad input."""
import numpy as np
import pytest

import memgen
from memgen._core import lib
from test_train import _stop_at

PARTS = ("W", "a1", "c1", "A2", "c2")


@pytest.fixture
def data(tmp_path, blobs):
    np.save(tmp_path / "X.npy", blobs)
    return blobs


@pytest.fixture
def model(cli, tmp_path, data):
    """A small trained model written by the CLI (tc.safetensors) and loaded."""
    cli("train", "--kind", "tc", "--data", "X.npy", "--out", "tc.safetensors", "--hidden", 6, "--steps", 30,
        "--seed", 2, "--optim", "adam", "--lr", 0.01)
    return memgen.TCDAE.load(tmp_path / "tc.safetensors")


def same(a, b):
    """Every parameter bit for bit, and the metadata."""
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in PARTS) and a.skip == b.skip and a.meta == b.meta


@pytest.mark.parametrize("flags, kw", [
    ([], {}),
    (["--optim", "adam", "--lr", "0.005", "--weight-decay", "5e-4", "--batch", "16", "--sigma-min", "0.05",
      "--sigma-max", "1"],
     dict(optim="adam", lr=0.005, weight_decay=5e-4, batch=16, sigma_min=0.05, sigma_max=1.0)),
    (["--optim", "sgd", "--lr", "0.005", "--momentum", "0.9", "--nesterov", "--batch", "8", "--replace", "--loss",
      "eq6"], dict(optim="sgd", lr=0.005, momentum=0.9, nesterov=True, batch=8, replace=True, loss="eq6")),
])
def test_train_same_bits_as_cli(cli, tmp_path, data, flags, kw):
    cli("train", "--kind", "tc", "--data", "X.npy", "--out", "tc.safetensors", "--hidden", 5, "--steps", 25,
        "--seed", 7, *flags)
    ref = memgen.TCDAE.load(tmp_path / "tc.safetensors")
    m = memgen.train_tc(data, hidden=5, steps=25, seed=7, **kw)
    assert same(m, ref) and m.meta["memgen.kind"] == "tc_dae"
    assert m.sigma_range == (kw.get("sigma_min", 0.02), kw.get("sigma_max", 2.0))
    assert not np.array_equal(memgen.train_tc(data, hidden=5, steps=25, seed=8, **kw).W, ref.W)


def test_default_width_and_init_from_a_model(cli, tmp_path, data, model):
    cli("train", "--kind", "tc", "--data", "X.npy", "--out", "d.safetensors", "--steps", 3)
    assert same(memgen.train_tc(data, steps=3), memgen.TCDAE.load(tmp_path / "d.safetensors"))
    assert model.p == 6 and memgen.train_tc(data, steps=1).p == 256
    cli("train", "--kind", "tc", "--data", "X.npy", "--out", "i.safetensors", "--init", "file:tc.safetensors",
        "--steps", 10, "--seed", 4)
    ref = memgen.TCDAE.load(tmp_path / "i.safetensors")
    for init in ("file:%s" % (tmp_path / "tc.safetensors"), model):
        m = memgen.train_tc(data, init=init, steps=10, seed=4)
        assert all(np.array_equal(getattr(m, k), getattr(ref, k)) for k in PARTS) and m.skip == ref.skip
    assert np.array_equal(model.W, memgen.TCDAE.load(tmp_path / "tc.safetensors").W)  # the start is copied


def test_load_save_and_parameters(cli, tmp_path, model):
    assert (model.d, model.p) == (12, 6) and model.W.shape == (6, 12) and model.A2.shape == (6, 6)
    assert model.a1.shape == model.c1.shape == model.c2.shape == (6,) and model.W.dtype == np.float32
    model.set_meta("note", "python")
    model.save(tmp_path / "py.safetensors")
    back = memgen.TCDAE.load(tmp_path / "py.safetensors")
    assert same(back, model) and back.meta["note"] == "python"
    c = model.copy()
    c.W = np.zeros((6, 12))
    c.skip = 0.5
    c.sigma_range = (0.1, 1.0)
    assert c.skip == 0.5 and not c.W.any() and model.W.any() and c.sigma_range == (0.1, 1.0)
    z = memgen.TCDAE(3, 2)
    assert not z.W.any() and np.isnan(z.sigma_range[0]) and np.array_equal(z.gate(0.3), np.ones(2, np.float32))
    # the CLI samples the Python-written file to the same bits as its own
    for name in ("tc", "py"):
        cli("sample", "--model", "%s.safetensors" % name, "--out", "%s.npy" % name, "--n", 5, "--levels", 4)
    assert np.array_equal(np.load(tmp_path / "tc.npy"), np.load(tmp_path / "py.npy"))


@pytest.mark.parametrize("flags, kw", [
    (["--sampler", "authors", "--clamp", "-1:1"], dict(sampler="authors", clamp=(-1, 1))),
    (["--sampler", "heun", "--levels", "7"], dict(sampler="heun", levels=7)),
    (["--sigmas", "geom:0.05:1:5"], dict(sigmas="geom:0.05:1:5")),
])
def test_sample_same_bits_as_cli(cli, tmp_path, model, flags, kw):
    cli("sample", "--model", "tc.safetensors", "--out", "S.npy", "--n", 9, "--seed", 3, "--trajectory", "T.npy",
        *flags)
    S, T = memgen.sample(model, 9, seed=3, trajectory=True, **kw)
    assert np.array_equal(S, np.load(tmp_path / "S.npy")) and np.array_equal(T, np.load(tmp_path / "T.npy"))
    if "sigmas" not in kw:  # the default grid spans the model's training range
        assert T.shape[0] == kw.get("levels", 60) + 1


def test_forward_same_bits_as_the_cli_sampler(cli, tmp_path, model):
    # one ancestral level: the result is f(x, sigma) of the starting noise x
    cli("sample", "--model", "tc.safetensors", "--out", "S.npy", "--n", 7, "--sigmas", "list:0.3", "--sampler",
        "ancestral", "--trajectory", "T.npy")
    X0, S = np.load(tmp_path / "T.npy")[0], np.load(tmp_path / "S.npy")
    assert np.array_equal(model.forward(X0, 0.3), S) and np.array_equal(memgen.denoise(model, X0, 0.3), S)
    # f(x, sigma) = W^T [relu(W x) g(sigma)] + s x, and the DAE at that level
    H = model.encode(X0, 0.3)
    np.testing.assert_allclose(H, np.maximum(X0 @ model.W.T, 0) * model.gate(0.3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(S, H @ model.W + model.skip * X0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.to_dae(0.3).forward(X0), S, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.encode(X0, 0.3, representation="ungated"), np.maximum(X0 @ model.W.T, 0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("rep", ["gated", "ungated"])
def test_representations_and_detect_same_bits_as_cli(cli, tmp_path, data, model, rep):
    cli("repr", "--model", "tc.safetensors", "--data", "X.npy", "--sigma", 0.3, "--seed", 5, "--out", "H.npy",
        "--representation", rep)
    H = memgen.representations(model, data, sigma=0.3, seed=5, representation=rep)
    assert np.array_equal(H, np.load(tmp_path / "H.npy"))
    cli("repr", "--model", "tc.safetensors", "--data", "X.npy", "--sigma", 0, "--out", "H0.npy",
        "--representation", rep)
    assert np.array_equal(memgen.representations(model, data, sigma=0, representation=rep),
                          np.load(tmp_path / "H0.npy"))
    cli("detect", "--model", "tc.safetensors", "--data", "X.npy", "--sigma", 0.3, "--seed", 4, "--scores-out",
        "a.npy", "--representation", rep)
    assert np.array_equal(memgen.detect(model, data, sigma=0.3, seed=4, representation=rep),
                          np.load(tmp_path / "a.npy"))
    cli("detect", "--model", "tc.safetensors", "--data", "X.npy", "--sigmas", "list:0.5,0.05", "--combine", "concat",
        "--scores-out", "b.npy", "--representation", rep)
    assert np.array_equal(memgen.detect(model, data, sigmas="list:0.5,0.05", combine="concat", representation=rep),
                          np.load(tmp_path / "b.npy"))
    s = model.to_daeset([0.05, 0.3], representation=rep)
    assert np.array_equal(s.sigmas, [0.05, 0.3]) and s[1].meta["tc.rep"] == rep


def test_progress_ctrl_c_checkpoint_and_resume(cli, tmp_path, data):
    kw = dict(hidden=5, steps=40, seed=4, batch=8, optim="adam")
    full = memgen.train_tc(data, **kw)
    seen, ck = [], tmp_path / "ck.safetensors"
    memgen.train_tc(data, log_every=10, progress=seen.append, **kw)
    assert [e["step"] for e in seen] == [10, 20, 30, 40] and seen[-1]["total"] == 40
    with pytest.raises(KeyboardInterrupt):
        memgen.train_tc(data, log_every=10, checkpoint=ck, progress=_stop_at(20, KeyboardInterrupt()), **kw)
    assert lib.mg_train_stop_requested() == 0 and ck.exists()
    # the CLI resumes the Python checkpoint to the same bits, and so does Python
    cli("train", "--kind", "tc", "--data", "X.npy", "--resume", ck, "--out", "r.safetensors")
    assert same(memgen.TCDAE.load(tmp_path / "r.safetensors"), full)
    assert same(memgen.train_tc(data, checkpoint=ck, resume=True, **kw), full)
    with pytest.raises(ZeroDivisionError):
        memgen.train_tc(data, log_every=5, progress=_stop_at(5, ZeroDivisionError()), **kw)
    assert lib.mg_train_stop_requested() == 0 and same(memgen.train_tc(data, **kw), full)


@pytest.mark.parametrize("kw", [
    dict(hidden=0), dict(sigma_min=0), dict(sigma_min=1.0, sigma_max=0.5), dict(sigma_max=float("inf")),
    dict(lr=-1.0), dict(optim="sgd"), dict(optim="lbfgs"), dict(loss="l1"), dict(batch=0),
    dict(batch="full", replace=True), dict(init="kaiming"), dict(init=memgen.TCDAE(3, 2)),
    dict(init=memgen.TCDAE(12, 3), hidden=4), dict(init="file:/nonexistent.safetensors"), dict(steps=-1),
    dict(seed=-1), dict(hidden=2.5), dict(resume=True), dict(checkpoint_every=5), dict(lr="fast"),
])
def test_impossible_parameters_raise(data, kw):
    args = dict(hidden=4, steps=2)
    args.update(kw)
    with pytest.raises(memgen.Error):
        memgen.train_tc(data, **args)


def test_bad_input_raises(tmp_path, model, data):
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    bad = [
        lambda: memgen.train_tc(np.array([[1.0, np.nan], [0.0, 1.0]]), hidden=2, steps=2),
        lambda: memgen.train_tc(np.array([["a"] * 4] * 3), hidden=2, steps=2),
        lambda: memgen.TCDAE.load(tmp_path / "junk.safetensors"),
        lambda: memgen.TCDAE.load(tmp_path / "absent.safetensors"),
        lambda: memgen.TCDAE(0, 3),
        lambda: model.forward(np.ones((2, 5)), 0.3),
        lambda: model.forward(data, 0),
        lambda: model.forward(data, "x"),
        lambda: model.forward(np.full((2, 12), np.nan), 0.3),
        lambda: model.encode(data, 0.3, representation="sparse"),
        lambda: model.to_daeset([0.5, 0.1]),
        lambda: setattr(model, "W", np.ones((12, 6))),
        lambda: setattr(model, "A2", np.full((6, 6), np.inf)),
        lambda: setattr(model, "sigma_range", (0.5, 0.1)),
        lambda: memgen.sample(model, 4, clamp=(1, -1)),
        lambda: memgen.denoise(model, np.ones((2, 5)), 0.3),
        lambda: memgen.representations(model, data, representation="sparse"),
        lambda: memgen.detect(model, data, representation=1),
    ]
    for call in bad:
        with pytest.raises(memgen.Error):
            call()
