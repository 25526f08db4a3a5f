"""memgen.sample against `memgen sample` for each denoiser (DAE set, single DAE, f_emp, f_gt) and sampler
(same bits for the same seed, grid and options), memgen.denoise, progress / stop, bad input."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import memgen
from memgen._core import ffi, lib

SAMPLERS = ["ddim", "ancestral", "euler", "heun"]


@pytest.fixture
def models(tmp_path, blobs):
    """The files `memgen sample` reads and the same models in Python: a closed-form DAE set over 4 levels,
    one of its DAEs, the training rows (f_emp) and a 2-component mixture (f_gt)."""
    s = memgen.solve(blobs, sigmas="geom:0.05:2:4", hidden=6, labels=np.repeat([0, 1], 20))
    s.save(tmp_path / "set.safetensors")
    s[2].save(tmp_path / "one.safetensors")
    np.save(tmp_path / "X.npy", blobs)
    mog = memgen.MoG.make(K=2, d=12, cov_rank=3, seed=1)
    mog.save(tmp_path / "mog.safetensors")
    return {"--model set.safetensors": s, "--model one.safetensors": memgen.DAE.load(tmp_path / "one.safetensors"),
            "--emp X.npy": memgen.Empirical(blobs), "--mog mog.safetensors": mog}


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("which", ["--mog mog.safetensors", "--model set.safetensors", "--model one.safetensors",
                                   "--emp X.npy"])
def test_same_bits_as_cli(cli, tmp_path, models, which, sampler):
    cli("sample", *which.split(), "--n", 7, "--seed", 3, "--sampler", sampler, "--out", "S.npy",
        "--trajectory", "T.npy")
    S, T = memgen.sample(models[which], 7, sampler=sampler, seed=3, trajectory=True)
    assert S.dtype == np.float32 and S.shape == (7, 12)
    assert np.array_equal(S, np.load(tmp_path / "S.npy")) and np.array_equal(T, np.load(tmp_path / "T.npy"))
    assert T.shape[0] == (5 if which.startswith("--model set") else 61 if not which.startswith("--model") else 2)


@pytest.mark.parametrize("flags, kw", [
    (["--levels", 9, "--level", "interp", "--clamp", "-1:1", "--chunk", 3],
     dict(levels=9, level="interp", clamp=(-1, 1), chunk=3)),
    (["--sigmas", "list:0.1,0.4,1.5", "--sampler", "authors"], dict(sigmas=[0.1, 0.4, 1.5], sampler="authors")),
])
def test_grid_options_same_bits_as_cli(cli, tmp_path, models, flags, kw):
    cli("sample", "--model", "set.safetensors", "--n", 5, "--seed", 8, "--out", "S.npy", *flags)
    assert np.array_equal(memgen.sample(models["--model set.safetensors"], 5, seed=8, **kw),
                          np.load(tmp_path / "S.npy"))


def test_emp_grid_range_same_bits_as_cli(cli, tmp_path, models):
    cli("sample", "--emp", "X.npy", "--n", 4, "--levels", 12, "--sigma-min", 0.1, "--sigma-max", 3, "--out", "S.npy")
    S = memgen.sample(models["--emp X.npy"], 4, levels=12, sigma_min=0.1, sigma_max=3)
    assert np.array_equal(S, np.load(tmp_path / "S.npy"))


def test_denoise(models, blobs):
    s, mog, emp = models["--model set.safetensors"], models["--mog mog.safetensors"], models["--emp X.npy"]
    Y = blobs[:5] + 0.1
    np.testing.assert_allclose(memgen.denoise(s, Y, s.sigmas[1]), s[1].forward(Y), rtol=1e-6, atol=1e-6)
    assert np.array_equal(memgen.denoise(mog, Y, 0.5), mog.fgt(Y, 0.5))
    np.testing.assert_allclose(emp(blobs[:3] + 1e-3, 1e-3), blobs[:3], atol=1e-3)  # small sigma: nearest rows


def test_progress_and_stop(models):
    s = models["--model set.safetensors"]
    seen = []
    memgen.sample(s, 6, chunk=4, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (24, 24) and len(seen) == 8  # 2 chunks x 4 levels

    def stop(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        memgen.sample(s, 6, chunk=2, progress=stop)
    assert lib.mg_train_stop_requested() == 0
    with pytest.raises(RuntimeError):
        memgen.sample(s, 6, progress=lambda done, total: (_ for _ in ()).throw(RuntimeError("x")))
    assert memgen.sample(s, 2).shape == (2, 12)


def _sampler_stops():
    """Whether the linked library's sampler honours a stop request (commit 31bb6a7; older builds sample on)."""
    den = memgen.sampling._Denoiser(memgen.MoG.make(K=1, d=2), "nearest")
    p = ffi.new("mg_sample_params *", lib.mg_sample_params_default())
    sig = np.array([0.5, 1.0])
    p.sigmas, p.nsigmas = ffi.cast("double *", sig.ctypes.data), 2
    X = np.empty((1, 2), np.float32)
    lib.mg_train_request_stop()
    st = lib.mg_sample(den.den, p, memgen._core.rng(0), memgen._core.mat(X))
    lib.mg_train_clear_stop()
    return st == lib.MG_ERR_INTERRUPTED


def test_ctrl_c_stops_sampling(models):
    if not _sampler_stops():
        pytest.skip("the linked libmemgen.a predates the sampler's stop request")
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        memgen.sample(models["--model set.safetensors"], 20000, levels=100000)  # minutes unless stopped
    timer.join()
    assert time.monotonic() - t0 < 20 and lib.mg_train_stop_requested() == 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("kw", [
    dict(n=0), dict(sampler="dpm"), dict(level="linear"), dict(clamp=(1, -1)), dict(clamp=1.0), dict(levels=0),
    dict(sigmas="geom:2:0.1"), dict(sigmas=[0.5, -1.0]), dict(chunk=-1), dict(seed=-2), dict(n=2.5),
    dict(sigmas=["a"]),
])
def test_bad_sample_arguments(models, kw):
    args = dict(n=3)
    args.update(kw)
    with pytest.raises(memgen.Error):
        memgen.sample(models["--model set.safetensors"], **args)


def test_bad_models_and_input(models, blobs):
    with pytest.raises(memgen.Error):
        memgen.sample(blobs, 3)  # an array is not a denoiser
    with pytest.raises(memgen.Error):
        memgen.sample(memgen.DAE(12, 3), 3)  # no sigma: not a one-level set
    with pytest.raises(memgen.Error):
        memgen.sample(models["--emp X.npy"], 3, sigma_min=2, sigma_max=1)
    with pytest.raises(memgen.Error):
        memgen.sample(models["--emp X.npy"], 3, sigma_min="low")
    with pytest.raises(memgen.Error):
        memgen.Empirical(np.where(blobs > 2.5, np.nan, blobs))
    with pytest.raises(memgen.Error) as e:
        memgen.denoise(models["--mog mog.safetensors"], np.ones((2, 5)), 0.3)
    assert e.value.status == "MG_ERR_SHAPE"
    with pytest.raises(memgen.Error):
        memgen.denoise(models["--model set.safetensors"], blobs, 0.0)
    with pytest.raises(memgen.Error):
        memgen.denoise(models["--emp X.npy"], blobs.astype(str), 0.3)
