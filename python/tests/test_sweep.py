"""memgen.sweep / sweep_merge / sweep_table / sweep_grid against `memgen sweep`: the same files bit for bit,
the in-memory runner's table, shards merged, a run stopped by its progress callback resumed, bad input."""
import numpy as np
import pytest

import memgen

GRID = "n=2,4,8;p=2,8;d=8;steps=200;samples=16;ntest=16;levels=4;draws=1"
SAME = ["results.csv", "results.json", "measures.npy", "index.html"]


def same_tables(a, b):
    assert sorted(a) == sorted(b)
    for k in a:
        if k == "data":
            assert a[k] == b[k]
        else:
            assert np.array_equal(a[k], b[k], equal_nan=True), k


def test_sweep_matches_cli(cli, tmp_path):
    cli("sweep", "--out", "c", "--grid", GRID, "--seed", "3")
    res = memgen.sweep(tmp_path / "py", grid=GRID, seed=3)
    for f in SAME:
        assert (tmp_path / "c" / f).read_bytes() == (tmp_path / "py" / f).read_bytes(), f
    assert res["n"].tolist() == [2, 4, 8, 2, 4, 8] and res["data"] == ["mog"] * 6
    cols = [c for c in (tmp_path / "c" / "results.csv").read_text().splitlines()[0].split(",") if c != "data"]
    measures = np.load(tmp_path / "c" / "measures.npy")
    assert np.array_equal(res["tr_mem_frac_scale"], measures[:, cols.index("tr_mem_frac_scale")])
    mem, _ = memgen.sweep_table(GRID, seed=3)
    same_tables(res, mem)
    # a dict grid is the same grid, one worker is the same bits
    d = {"n": [2, 4, 8], "p": [2, 8], "d": 8, "steps": 200, "samples": 16, "ntest": 16, "levels": 4, "draws": 1}
    assert memgen.sweep_grid(d) == memgen.sweep_grid(GRID)
    same_tables(res, memgen.sweep(tmp_path / "one", grid=d, seed=3, threads=1))


def test_shards_and_merge(tmp_path):
    whole = memgen.sweep(tmp_path / "w", grid=GRID, seed=3)
    for i in range(3):
        assert memgen.sweep(tmp_path / ("s%d" % i), grid=GRID, seed=3, shard="%d/3" % i) is None
    with pytest.raises(memgen.Error, match="2 of 6 cells are missing"):
        memgen.sweep_merge([tmp_path / "s0", tmp_path / "s1"], out=tmp_path / "m2")
    part = memgen.sweep_merge([tmp_path / "s0", tmp_path / "s1"], out=tmp_path / "m2", partial=True)
    assert np.isnan(part["tr_mem_frac"]).sum() == 2
    merged = memgen.sweep_merge([tmp_path / "s0", tmp_path / "s1", tmp_path / "s2"], out=tmp_path / "m",
                                measure="cf_mem_frac_scale", x="p", y="n")
    same_tables(whole, merged)
    assert (tmp_path / "m" / "measures.npy").read_bytes() == (tmp_path / "w" / "measures.npy").read_bytes()


def test_stop_from_progress_and_resume(tmp_path):
    seen = []

    def progress(cell):
        seen.append(cell)
        if len(seen) == 2:
            raise RuntimeError("enough")
    with pytest.raises(RuntimeError, match="enough"):
        memgen.sweep(tmp_path / "r", grid=GRID, seed=3, threads=1, progress=progress)
    assert seen[0]["total"] == 6 and seen[1]["done"] == 2 and "tr_mem_frac_scale" in seen[0]
    kept = len(list((tmp_path / "r" / "cells").glob("*.json")))
    assert 2 <= kept < 6
    assert memgen.sweep(tmp_path / "r", max_cells=1) is None  # the folder's own grid; still incomplete
    res = memgen.sweep(tmp_path / "r")
    same_tables(res, memgen.sweep_table(GRID, seed=3)[0])


def test_bad_input(tmp_path):
    with pytest.raises(memgen.Error, match="nn"):
        memgen.sweep_grid("nn=2,4")
    with pytest.raises(memgen.Error):
        memgen.sweep_grid(42)
    with pytest.raises(memgen.Error, match="I/N"):
        memgen.sweep(tmp_path / "a", grid=GRID, shard="1-2")
    with pytest.raises(memgen.Error, match="0 <= I < N"):
        memgen.sweep(tmp_path / "b", grid=GRID, shard=(2, 2))
    memgen.sweep(tmp_path / "c", grid=GRID, seed=3, max_cells=1)
    with pytest.raises(memgen.Error, match="holds another sweep"):
        memgen.sweep(tmp_path / "c", grid="n=2,4")
    with pytest.raises(memgen.Error, match="not a result column"):
        memgen.sweep(tmp_path / "c", measure="nope")
    with pytest.raises(memgen.Error, match="two different axes"):
        memgen.sweep(tmp_path / "c", x="n", y="n")
