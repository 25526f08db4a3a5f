"""DAE and DAESet: construction, weights, metadata, forward/encode against the
formula, files shared with the CLI, and bad input raising memgen.Error."""
import numpy as np
import pytest

import memgen


def test_forward_is_the_formula(blobs):
    m = memgen.DAE(12, 5, tied=False, bias=True, sigma=0.2)
    g = np.random.default_rng(1)
    m.W1, m.W2 = g.standard_normal((12, 5)), g.standard_normal((12, 5))
    m.b1, m.b2 = g.standard_normal(5), g.standard_normal(12)
    H = np.maximum(blobs.astype(np.float64) @ m.W1 + m.b1, 0)
    np.testing.assert_allclose(m.encode(blobs), H, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.forward(blobs), H @ m.W2.T + m.b2, rtol=1e-5, atol=1e-4)


def test_strided_and_float64_inputs_agree(blobs):
    m = memgen.DAE(12, 5, sigma=0.2)
    m.W1 = np.random.default_rng(2).standard_normal((12, 5))
    wide = np.zeros((40, 20), dtype=np.float32)
    wide[:, 3:15] = blobs
    ref = m.forward(blobs)
    assert np.array_equal(m.forward(wide[:, 3:15]), ref)           # row stride 20: no copy
    assert np.array_equal(m.forward(blobs.astype(np.float64)), ref)  # converted
    assert np.array_equal(m.forward(np.asfortranarray(blobs)), ref)  # column-major: copied


def test_save_load_round_trip_and_cli_reads_it(tmp_path, cli):
    m = memgen.DAE(6, 4, sigma=0.5)
    m.W1 = np.arange(24, dtype=np.float32).reshape(6, 4) / 7
    m.set_meta("note", "from python")
    path = tmp_path / "m.safetensors"
    m.save(path)
    back = memgen.DAE.load(path)
    assert np.array_equal(back.W1, m.W1) and back.sigma == 0.5 and back.meta["note"] == "from python"
    out = cli("info", path).stdout
    assert "6" in out and "4" in out


def test_set_levels_and_files(tmp_path):
    daes = [memgen.DAE(3, 2, sigma=s) for s in (0.1, 1.0)]
    s = memgen.DAESet(daes)
    assert len(s) == 2 and np.array_equal(s.sigmas, [0.1, 1.0]) and s.nearest(0.5) == 1
    s[1].W1 = np.ones((3, 2))
    s.save(tmp_path / "set.safetensors")
    t = memgen.DAESet.load(tmp_path / "set.safetensors")
    assert np.array_equal(t[1].W1, np.ones((3, 2))) and np.array_equal(t[0].W1, np.zeros((3, 2)))


@pytest.mark.parametrize("bad, status", [
    (np.ones((3, 4)), "MG_ERR_SHAPE"),
    (np.array([[1.0, np.nan, 0, 0, 0]]), "MG_ERR_NUMERIC"),
    (np.array([["a"] * 5]), "MG_ERR_ARG"),
    (np.ones((2, 5), dtype=complex), "MG_ERR_ARG"),
    (np.ones((2, 2, 5)), "MG_ERR_SHAPE"),
])
def test_bad_input_raises(bad, status):
    m = memgen.DAE(5, 3, sigma=0.2)
    with pytest.raises(memgen.Error) as e:
        m.forward(bad)
    assert e.value.status == status


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(memgen.Error) as e:
        memgen.DAE.load(tmp_path / "absent.safetensors")
    assert "absent.safetensors" in str(e.value)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{bad json")
    with pytest.raises(memgen.Error):
        memgen.DAESet.load(junk)


def test_set_rejects_bad_levels():
    with pytest.raises(memgen.Error):
        memgen.DAESet([memgen.DAE(3, 2, sigma=1.0), memgen.DAE(3, 2, sigma=0.1)])
    with pytest.raises(memgen.Error):
        memgen.DAESet([memgen.DAE(3, 2, sigma=0.1), memgen.DAE(4, 2, sigma=1.0)])
