"""The paper's reproduction from Python (reproduce.h): `memgen reproduce` (the
whole report, or some sections, into a folder) and `memgen experiment run`
(one experiment of the report on its own). Both run on a worker thread
through _core.run, so Ctrl-C stops them (KeyboardInterrupt)."""
import json
import os
import shutil
import tempfile

import numpy as np

from ._core import Error, callback, callback_ctx, ffi, lib, parse_enum, run, text

__all__ = ["reproduce", "experiment", "experiments", "sections"]

_VERDICTS = ("holds", "does_not_hold", "partly", "not_measured")


def _ids(cstr):
    return [s for s in text(cstr).split(",") if s]


def experiments():
    """The ids of the experiments `experiment` runs (`memgen experiment list`)."""
    return _ids(lib.mg_repro_experiment_list())


def sections():
    """The ids of the report's sections, in report order (`memgen reproduce --sections`)."""
    return _ids(lib.mg_repro_section_list())


def _config(out, scale, seed, fmnist, fmnist_dir, progress, keep):
    """An mg_repro_config * (strings and callback kept alive in keep)."""
    cfg = ffi.new("mg_repro_config *", lib.mg_repro_config_default())
    cfg.scale = parse_enum(lib.mg_repro_scale_parse, scale, "mg_repro_scale", "scale")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2 ** 64:
        raise Error("seed must be an integer in [0, 2^64), got %r" % (seed,))
    cfg.seed = int(seed)
    cfg.fmnist = 1 if fmnist else 0

    def cstr(s):
        keep.append(ffi.new("char[]", os.fspath(s).encode()))
        return keep[-1]
    cfg.out_dir = cstr(out)
    if fmnist_dir is not None:
        cfg.fmnist_dir = cstr(fmnist_dir)
    if progress is not None:
        cb = callback(progress)
        keep.append(cb)
        cfg.progress, cfg.progress_ctx = lib._mg_py_repro_progress, callback_ctx(cb)
    return cfg, cstr


def reproduce(out="memgen-report", scale="quick", seed=0, sections=None, fmnist=True, fmnist_dir=None,
              real_model=None, force=False, progress=None):
    """Runs the paper's reproduction as `memgen reproduce --out --scale --seed
    --sections --no-fmnist --fmnist-dir --real-model --force`: writes out/index.html, the
    data behind every number, config.json and summary.json. scale smoke |
    quick | full; sections a list or comma-separated ids (None: all; see
    sections()); real_model "fixture" | "rerun" | a fixture folder. A folder
    that holds an earlier report is refused unless force (which removes that
    report's files and section folders first, and nothing else).
    progress(dict(stage, detail, fraction, elapsed)) follows the run.

    Returns out/summary.json as a dict (seconds, sections, claims: id ->
    verdict, verdicts: counts) plus out, sections_run, sections_failed and
    total_seconds. A section that fails is reported in the page and the run
    goes on; memgen.Error is then raised after the report is written, with
    the summary as its .summary attribute."""
    keep = []
    cfg, cstr = _config(out, scale, seed, fmnist, fmnist_dir, progress, keep)
    if sections is not None:
        cfg.sections = cstr(sections if isinstance(sections, str) else ",".join(sections))
    if real_model is not None:
        cfg.real_model = cstr(real_model)
    cfg.replace = int(bool(force))
    summ = ffi.new("mg_repro_summary *")
    try:
        run(lib.mg_reproduce, cfg, summ)
    except Error as e:
        if summ.seconds > 0 and os.path.exists(os.path.join(os.fspath(out), "summary.json")):
            e.summary = _summary(out, summ)
        raise
    return _summary(out, summ)


def _summary(out, summ):
    with open(os.path.join(os.fspath(out), "summary.json")) as f:
        res = json.load(f)
    counts = dict(zip(_VERDICTS, (int(summ.verdicts[k]) for k in range(4))))
    if res.get("verdicts") != counts:
        raise Error("reproduce: summary.json's verdicts %s differ from the run's %s" % (res.get("verdicts"), counts),
                    "MG_ERR_FORMAT")
    res.update(out=os.fspath(out), sections_run=int(summ.sections_run), sections_failed=int(summ.sections_failed),
               total_seconds=float(summ.seconds))
    return res


def _overrides(set):
    """--set overrides as "name=value" strings from a dict or a list of strings."""
    if set is None:
        return []
    if isinstance(set, dict):
        return ["%s=%s" % (k, v) for k, v in set.items()]
    if isinstance(set, str):
        return [set]
    return [str(s) for s in set]


def _read_results(out):
    """params.json, every <prefix>results.json and every .npy of an experiment folder."""
    files = sorted(os.listdir(out))
    with open(os.path.join(out, "params.json")) as f:
        params = json.load(f)
    results = {}
    for name in files:
        if name.endswith("results.json"):
            with open(os.path.join(out, name)) as f:
                results[name[:-len("results.json")].rstrip("_")] = json.load(f)
    if list(results) == [""]:
        results = results[""]
    arrays = {name[:-4]: np.load(os.path.join(out, name)) for name in files if name.endswith(".npy")}
    return params, results, arrays


def experiment(id, out=None, scale="quick", seed=0, set=None, fmnist=True, fmnist_dir=None, progress=None):
    """Runs one experiment of the report on its own, as `memgen experiment run ID
    --out --scale --seed --set NAME=VALUE --no-fmnist --fmnist-dir`: the report's
    data, parameters and seeds at that scale, with the overrides `set` (a
    dict {name: value} or "name=value" strings; `memgen experiment show ID`
    lists them). ids: experiments(). out None: a temporary folder, removed.

    Returns a dict: params (params.json), results (the parsed results.json; for
    experiments run on each dataset a dict dataset -> results, e.g. "mog",
    "mog_paper", "fmnist"), arrays (every .npy written, by file name without
    .npy) and out (the folder, None when temporary)."""
    if not isinstance(id, str) or id not in experiments():
        raise Error("experiment: unknown experiment %r (experiments: %s)" % (id, ", ".join(experiments())))
    tmp = tempfile.mkdtemp(prefix="memgen-experiment-") if out is None else None
    try:
        keep = []
        cfg, cstr = _config(tmp or out, scale, seed, fmnist, fmnist_dir, progress, keep)
        sets = [cstr(s) for s in _overrides(set)]
        arr = ffi.new("const char *[]", sets + [ffi.NULL])
        run(lib.mg_repro_experiment, cfg, id.encode(), arr, len(sets))
        params, results, arrays = _read_results(tmp or os.fspath(out))
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return dict(params=params, results=results, arrays=arrays, out=None if tmp else os.fspath(out))
