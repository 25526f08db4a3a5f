"""memgen.train / memgen.train_set against `memgen train` (same bits for the same data, options and seed),
progress callbacks, Ctrl-C and exceptions stopping a run, checkpoint/resume, and bad input."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import memgen
from memgen._core import lib


@pytest.fixture
def data(tmp_path, blobs):
    np.save(tmp_path / "X.npy", blobs)
    return blobs


@pytest.mark.parametrize("flags, kw", [
    ([], {}),
    (["--optim", "adam", "--batch", "16", "--untied", "--bias", "--weight-decay", "0.01"],
     dict(optim="adam", batch=16, tied=False, bias=True, weight_decay=0.01)),
    (["--optim", "sgd", "--lr", "0.05", "--momentum", "0.9", "--nesterov", "--batch", "8", "--replace",
      "--loss", "eq6", "--lambda", "0.001", "--init", "normal:0.1"],
     dict(optim="sgd", lr=0.05, momentum=0.9, nesterov=True, batch=8, replace=True, loss="eq6", lambda_=0.001,
          init="normal:0.1")),
])
def test_train_same_bits_as_cli(cli, tmp_path, data, flags, kw):
    cli("train", "--data", "X.npy", "--out", "m.safetensors", "--hidden", 6, "--sigma", 0.3, "--steps", 40,
        "--seed", 7, *flags)
    ref = memgen.DAE.load(tmp_path / "m.safetensors")
    m = memgen.train(data, 0.3, hidden=6, steps=40, seed=7, **kw)
    assert np.array_equal(m.W1, ref.W1) and np.array_equal(m.W2, ref.W2)
    assert m.meta == ref.meta and m.sigma == 0.3


def test_train_from_a_model_file(cli, tmp_path, data):
    start = memgen.DAE(12, 5, sigma=0.2)
    start.W1 = np.random.default_rng(3).standard_normal((12, 5))
    start.save(tmp_path / "init.safetensors")
    cli("train", "--data", "X.npy", "--out", "m.safetensors", "--init", "file:init.safetensors", "--steps", 20)
    ref = memgen.DAE.load(tmp_path / "m.safetensors")
    m = memgen.train(data, init="file:%s" % (tmp_path / "init.safetensors"), steps=20)
    assert np.array_equal(m.W1, ref.W1)
    assert np.array_equal(memgen.train(data, init=start, steps=20).W1, ref.W1)
    assert np.array_equal(start.W1, memgen.DAE.load(tmp_path / "init.safetensors").W1)  # the start is copied


def test_train_set_same_bits_as_cli(cli, tmp_path, data):
    cli("train", "--data", "X.npy", "--out", "s.safetensors", "--hidden", 5, "--steps", 20, "--seed", 2,
        "--sigmas", "geom:0.05:1:3", "--optim", "adam", "--log", "log.csv")
    ref = memgen.DAESet.load(tmp_path / "s.safetensors")
    seen = []
    s = memgen.train_set(data, "geom:0.05:1:3", 5, steps=20, seed=2, optim="adam", log_every=10,
                         log=tmp_path / "py.csv", progress=seen.append)
    assert np.array_equal(s.sigmas, ref.sigmas)
    assert all(np.array_equal(a.W1, b.W1) for a, b in zip(s, ref))
    assert s.meta["train.sigmas_spec"] == "geom:0.05:1:3" and s.meta["train.seed"] == "2"
    assert [(e["level"], e["step"]) for e in seen] == [(k, t) for k in range(3) for t in (10, 20)]
    assert (tmp_path / "py.level2.csv").read_text() .startswith("step,loss")
    listed = memgen.train_set(data, s.sigmas, 5, steps=20, seed=2, optim="adam")  # numbers instead of a spec
    assert all(np.array_equal(a.W1, b.W1) for a, b in zip(listed, ref))


def test_progress_dict_and_log(tmp_path, data):
    seen = []
    memgen.train(data, 0.2, hidden=4, steps=30, log_every=10, progress=seen.append, log=tmp_path / "l.csv")
    assert [e["step"] for e in seen] == [10, 20, 30] and seen[-1]["total"] == 30
    assert set(seen[0]) == {"step", "total", "loss", "data_loss", "grad_norm", "rep_std_mean", "rep_std_max",
                            "elapsed"}
    assert len((tmp_path / "l.csv").read_text().splitlines()) == 4


def _stop_at(step, exc):
    def progress(pr):
        if pr["step"] >= step:
            raise exc
    return progress


def test_interrupt_checkpoint_and_resume(cli, tmp_path, data):
    full = memgen.train(data, 0.2, hidden=6, steps=60, seed=4, batch=8)
    ck = tmp_path / "ck.safetensors"
    with pytest.raises(KeyboardInterrupt):
        memgen.train(data, 0.2, hidden=6, steps=60, seed=4, batch=8, log_every=10, checkpoint=ck,
                     progress=_stop_at(20, KeyboardInterrupt()))
    assert lib.mg_train_stop_requested() == 0 and ck.exists()
    # the CLI resumes the Python checkpoint to the same bits, and so does Python
    cli("train", "--data", "X.npy", "--resume", ck, "--out", "m.safetensors")
    assert np.array_equal(memgen.DAE.load(tmp_path / "m.safetensors").W1, full.W1)
    resumed = memgen.train(data, 0.2, hidden=6, steps=60, seed=4, batch=8, checkpoint=ck, resume=True)
    assert np.array_equal(resumed.W1, full.W1)
    with pytest.raises(memgen.Error, match="seed"):
        memgen.train(data, 0.2, hidden=6, steps=60, seed=5, batch=8, checkpoint=ck, resume=True)
    assert np.array_equal(memgen.train(data, 0.2, hidden=6, steps=60, seed=4, batch=8).W1, full.W1)  # runs again


@pytest.mark.parametrize("train", [lambda X, **kw: memgen.train(X, 0.2, **kw), memgen.train_tc], ids=["dae", "tc"])
def test_ctrl_c_stops_training_after_a_checkpoint(tmp_path, data, train):
    ck = tmp_path / "ck.safetensors"
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        train(data, hidden=4, steps=10 ** 8, checkpoint=ck)  # hours unless stopped
    timer.join()
    assert time.monotonic() - t0 < 20 and ck.exists() and lib.mg_train_stop_requested() == 0


def test_exception_in_progress_propagates(data):
    with pytest.raises(ZeroDivisionError):
        memgen.train(data, 0.2, hidden=4, steps=50, log_every=5, progress=_stop_at(10, ZeroDivisionError()))
    with pytest.raises(ZeroDivisionError):
        memgen.train_set(data, [0.1, 1.0], 4, steps=20, log_every=5, progress=_stop_at(5, ZeroDivisionError()))
    assert lib.mg_train_stop_requested() == 0


def test_set_resume_levels(tmp_path, data):
    ref = memgen.train_set(data, [0.1, 0.5], 4, steps=40, seed=1, batch=8)
    ck = tmp_path / "ck.safetensors"
    with pytest.raises(KeyboardInterrupt):
        memgen.train_set(data, [0.1, 0.5], 4, steps=40, seed=1, batch=8, log_every=10, checkpoint=ck,
                         progress=lambda pr: (_ for _ in ()).throw(KeyboardInterrupt()) if pr["level"] == 1 else 0)
    assert (tmp_path / "ck.level0.safetensors").exists() and (tmp_path / "ck.level1.safetensors").exists()
    s = memgen.train_set(data, [0.1, 0.5], 4, steps=40, seed=1, batch=8, checkpoint=ck, resume=True)
    assert all(np.array_equal(a.W1, b.W1) for a, b in zip(s, ref))


@pytest.mark.parametrize("kw", [
    dict(sigma=-0.1), dict(hidden=0), dict(lr=0.0), dict(lr=-1.0), dict(optim="sgd"), dict(optim="lbfgs"),
    dict(loss="l1"), dict(batch=0), dict(batch="full", replace=True), dict(init="uniform"), dict(hidden=None),
    dict(steps=-1), dict(seed=-1), dict(hidden=2.5), dict(resume=True), dict(checkpoint_every=5), dict(sigma="x"),
    dict(lr="fast"), dict(init="normal:big"), dict(tied="yes", init=memgen.DAE(12, 4, sigma=0.1)),
])
def test_impossible_parameters_raise(data, kw):
    args = dict(sigma=0.2, hidden=4, steps=5)
    args.update(kw)
    with pytest.raises(memgen.Error):
        memgen.train(data, **args)


@pytest.mark.parametrize("X, status", [
    (np.array([["a"] * 4] * 3), "MG_ERR_ARG"),
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "MG_ERR_NUMERIC"),
    (np.ones((2, 2, 2)), "MG_ERR_SHAPE"),
    (np.ones((0, 3)), "MG_ERR_SHAPE"),
])
def test_bad_data_raises(X, status):
    with pytest.raises(memgen.Error) as e:
        memgen.train(X, 0.2, hidden=2, steps=2)
    assert e.value.status == status


def test_bad_set_arguments(data, tmp_path):
    with pytest.raises(memgen.Error):
        memgen.train_set(data, "geom:1:0.1:x", 4)
    with pytest.raises(memgen.Error):
        memgen.train_set(data, [0.5, 0.1], 4, steps=2)
    with pytest.raises(memgen.Error, match="unknown"):
        memgen.train_set(data, [0.1], 4, stpes=2)
    with pytest.raises(memgen.Error):
        memgen.train_set(data, [0.1], 4, init="file:%s" % (tmp_path / "m.safetensors"))
    with pytest.raises(memgen.Error):
        memgen.train(data, init="file:%s" % (tmp_path / "absent.safetensors"))
    with pytest.raises(memgen.Error, match="dimension"):
        memgen.train(data, init=memgen.DAE(3, 2, sigma=0.1))
