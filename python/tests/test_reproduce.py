"""memgen.reproduce and memgen.experiment against `memgen reproduce` and
`memgen experiment run` at the smoke scale on one or two quick sections (the
same verdicts and numbers with the same seed), progress, and bad input."""
import json

import numpy as np
import pytest

import memgen


def without_times(x):
    """A JSON value without its wall-time fields (they differ between runs)."""
    if isinstance(x, dict):
        return {k: without_times(v) for k, v in x.items() if "seconds" not in k and k != "elapsed"}
    if isinstance(x, list):
        return [without_times(v) for v in x]
    return x


def test_reproduce_matches_cli(tmp_path, cli):
    cli("reproduce", "--scale", "smoke", "--sections", "fig5,fig17", "--seed", 3, "--no-fmnist", "--out", "cli")
    seen = []
    r = memgen.reproduce(tmp_path / "py", scale="smoke", seed=3, sections=["fig5", "fig17"], fmnist=False,
                         progress=seen.append)
    ref = json.load(open(tmp_path / "cli" / "summary.json"))
    assert r["claims"] == ref["claims"] and r["verdicts"] == ref["verdicts"]
    assert without_times(r["sections"]) == without_times(ref["sections"])
    assert r["sections_run"] == 2 and r["sections_failed"] == 0 and r["total_seconds"] > 0
    assert sum(r["verdicts"].values()) == len(r["claims"]) > 0
    assert (tmp_path / "py" / "index.html").exists()
    assert seen and seen[-1]["fraction"] == 1.0 and {"stage", "detail", "elapsed"} <= set(seen[-1])
    assert "fig17" in memgen.sections() and "real" in memgen.sections()
    # a folder holding that report is refused unless force=True, as memgen reproduce --force
    with pytest.raises(memgen.Error):
        memgen.reproduce(tmp_path / "py", scale="smoke", seed=3, sections=["fig5"], fmnist=False)
    again = memgen.reproduce(tmp_path / "py", scale="smoke", seed=3, sections=["fig5"], fmnist=False, force=True)
    assert again["sections_run"] == 1 and not (tmp_path / "py" / "fig17").exists()


def test_experiment_matches_cli(tmp_path, cli):
    cli("experiment", "run", "fig5", "--scale", "smoke", "--no-fmnist", "--set", "rows=12", "--seed", 1,
        "--out", "cli")
    e = memgen.experiment("fig5", scale="smoke", fmnist=False, set={"rows": 12}, seed=1)
    assert e["out"] is None and e["params"]["rows"] == 12
    assert set(e["results"]) == {"mog", "mog_paper"}
    for ds, res in e["results"].items():
        assert without_times(res) == without_times(json.load(open(tmp_path / "cli" / ("%s_results.json" % ds))))
    for name, a in e["arrays"].items():
        assert np.array_equal(a, np.load(tmp_path / "cli" / (name + ".npy"))), name
    # an experiment on its own data: one results dict, files kept in out
    t = memgen.experiment("fig17", out=tmp_path / "f17", scale="smoke")
    assert t["out"] == str(tmp_path / "f17") and (tmp_path / "f17" / "results.json").exists()
    assert isinstance(t["results"], dict) and "mog" not in t["results"]
    assert "table1" in memgen.experiments() and "setup" in memgen.experiments()


@pytest.mark.parametrize("call, status", [
    (lambda p: memgen.reproduce(p / "r", scale="tiny"), "MG_ERR_ARG"),
    (lambda p: memgen.reproduce(p / "r", scale="smoke", sections="fig99", fmnist=False), None),
    (lambda p: memgen.reproduce(p / "r", scale="smoke", seed=-1), "MG_ERR_ARG"),
    (lambda p: memgen.experiment("fig99"), "MG_ERR_ARG"),
    (lambda p: memgen.experiment("fig5", scale="smoke", fmnist=False, set={"n_eval": 3}), "MG_ERR_ARG"),
    (lambda p: memgen.experiment("fig5", scale="smoke", fmnist=False, set=["rows"]), "MG_ERR_ARG"),
])
def test_bad_input_raises(tmp_path, call, status):
    with pytest.raises(memgen.Error) as e:
        call(tmp_path)
    assert status is None or e.value.status == status


def test_unwritable_folder_raises(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(memgen.Error):
        memgen.reproduce(tmp_path / "file" / "r", scale="smoke", sections="fig5", fmnist=False)
