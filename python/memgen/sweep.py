"""Sweeps from Python (sweep.h): `memgen sweep`, the memorization-generalization
phase diagram over a grid of n, p, sigma, the lambda of Eq. 6, data and seed.

sweep() runs (or resumes) a grid into a folder, exactly as the CLI does (each
finished cell written atomically, worker processes of one thread, the same
tables and page); sweep_merge() assembles shards; sweep_table() runs a grid in
memory; sweep_grid() gives a grid's canonical spec and cell count. Tables come
back as dicts of column name -> NumPy float64 array ("data": a list of str),
with the columns of results.csv.
"""
import os

import numpy as np

from ._core import Error, as_int, callback, callback_ctx, check, ffi, lib, run, text

__all__ = ["sweep", "sweep_merge", "sweep_table", "sweep_grid"]


def _spec(grid):
    """A grid spec string from a str, a dict {key: value or list of values} or None (the defaults)."""
    if grid is None or isinstance(grid, str):
        return grid or ""
    if isinstance(grid, dict):
        items = []
        for k, v in grid.items():
            vals = v if isinstance(v, (list, tuple, np.ndarray)) else [v]
            items.append("%s=%s" % (k, ",".join(v if isinstance(v, str) else repr(v) for v in
                                                 (x.item() if isinstance(x, np.generic) else x for x in vals))))
        return "; ".join(items)
    raise Error("grid must be a spec string, a dict of key -> values, or None, got %r" % (grid,))


class _Grid:
    """An mg_sweep_grid parsed from a spec (or loaded from a folder), freed with the object."""

    def __init__(self, grid=None, folder=None):
        self.ptr = ffi.new("mg_sweep_grid *")
        self.seed = None
        if folder is not None:
            seed = ffi.new("uint64_t *")
            st = lib.mg_sweep_dir_load(os.fsencode(folder), self.ptr, seed)
            if st == lib.MG_ERR_NOT_FOUND:
                self.ptr = None
                return
            check(st)
            self.seed = int(seed[0])
        else:
            check(lib.mg_sweep_grid_parse(_spec(grid).encode(), self.ptr))

    def __del__(self):
        if getattr(self, "ptr", None) is not None:
            lib.mg_sweep_grid_free(self.ptr)


def _table(t):
    """An mg_table as a dict of column -> float64 array (text columns: lists of str)."""
    out = {}
    for c in range(t.ncols):
        col = t.cols[c]
        name = text(col.name)
        if col.kind == lib.MG_COL_TEXT:
            out[name] = [text(col.text[i]) for i in range(t.nrows)]
        else:
            out[name] = np.frombuffer(ffi.buffer(col.num, 8 * t.nrows), dtype=np.float64).copy()
    return out


def _tables(fill):
    """Calls fill(t, times) on two fresh mg_tables and returns both as dicts (freed after)."""
    t, times = ffi.new("mg_table *"), ffi.new("mg_table *")
    try:
        fill(t, times)
        return _table(t), _table(times)
    finally:
        lib.mg_table_free(t)
        lib.mg_table_free(times)


def sweep_grid(grid=None):
    """The canonical spec of a grid (every key, as a sweep folder records it) and its number of cells."""
    g = _Grid(grid)
    s = lib.mg_sweep_grid_format(g.ptr)
    if s == ffi.NULL:
        raise Error("sweep_grid: out of memory", "MG_ERR_NOMEM")
    try:
        return text(s), int(lib.mg_sweep_cell_count(g.ptr))
    finally:
        lib.free(s)


def _shard(shard):
    """(I, N) from None, "I/N" or a pair."""
    if shard is None:
        return 0, 0
    if isinstance(shard, str):
        try:
            i, n = (int(x) for x in shard.split("/"))
        except ValueError:
            raise Error("shard %r is not I/N" % (shard,)) from None
    else:
        i, n = (as_int(x, "shard") for x in shard)
    if n < 1 or not 0 <= i < n:
        raise Error("shard %s/%s: need 0 <= I < N" % (i, n))
    return i, n


def _cstr(s):
    """A C string for s (NULL for None)."""
    return ffi.NULL if s is None else ffi.new("char[]", os.fsencode(s))


def _assemble(dirs):
    """The results table of the folders' cells and the number of cells none of them holds."""
    keep = [_cstr(d) for d in dirs]
    missing = ffi.new("int64_t *")
    res, _ = _tables(lambda t, times: check(lib.mg_sweep_assemble(ffi.new("const char *[]", keep), len(keep), t,
                                                                   times, missing)))
    return res, int(missing[0])


def _finish(dirs, out, measure, x, y, partial):
    """mg_sweep_finish on dirs into out (tables and page); returns the results table."""
    keep = [_cstr(d) for d in dirs]
    check(lib.mg_sweep_finish(ffi.new("const char *[]", keep), len(keep), _cstr(out), _cstr(measure), _cstr(x),
                              _cstr(y), 1 if partial else 0, ffi.NULL, ffi.NULL))
    return _assemble(dirs)[0]


def sweep(out, grid=None, seed=0, threads=0, shard=None, max_cells=0, measure=None, x="n", y="p", progress=None):
    """Runs or resumes a sweep into the folder `out`, as `memgen sweep --out OUT --grid GRID --seed --threads
    --shard --max-cells --measure --x --y`. grid: a spec string ("n=2,4,8; p=2,8; steps=2000"), a dict
    ({"n": [2, 4, 8], "p": [2, 8], "steps": 2000}) or None (the folder's own grid when it holds a sweep,
    else the defaults). threads: cells at once, each in a worker process of one thread (0: all cores).
    progress(cell) is called after each finished cell with a dict of its results (index, done, total and
    the result columns). Ctrl-C or an exception in progress stops the run; finished cells are kept and
    rerunning resumes. Returns the results table (dict of column -> array) once the grid is complete and
    its files and page are written, or None for a shard or a run stopped by max_cells."""
    out = os.fspath(out)
    g = _Grid(folder=out) if grid is None else None
    if g is None or g.ptr is None:
        g = _Grid(grid)
        base = as_int(seed, "seed", 0)
    else:
        base = g.seed
    check(lib.mg_sweep_dir_init(os.fsencode(out), g.ptr, base))
    i, n = _shard(shard)
    opts = ffi.new("mg_sweep_run_opts *")
    opts.shard, opts.nshards = i, n
    opts.max_cells = as_int(max_cells, "max_cells", 0)
    opts.threads = as_int(threads, "threads", 0)
    cb = None
    if progress is not None:
        cb = callback(progress)
        opts.progress, opts.ctx = lib._mg_py_sweep_progress, callback_ctx(cb)
    ran, skipped = ffi.new("int64_t *"), ffi.new("int64_t *")
    run(lib.mg_sweep_run_dir, os.fsencode(out), opts, ran, skipped)
    if n or (opts.max_cells and _assemble([out])[1]):
        return None
    return _finish([out], out, measure, x, y, False)


def sweep_merge(dirs, out=None, measure=None, x="n", y="p", partial=False):
    """Assembles the cells of shard folders (all of one sweep) into `out` (default: the first folder), as
    `memgen sweep --merge --out OUT DIR...`: the tables and the page. Missing cells are an error unless
    partial (their rows are NaN). Returns the results table."""
    dirs = [os.fspath(d) for d in dirs]
    if not dirs:
        raise Error("sweep_merge: no folders")
    return _finish(dirs, os.fspath(out) if out is not None else dirs[0], measure, x, y, partial)


def sweep_table(grid=None, seed=0):
    """Runs every cell of a grid in memory (worker processes, nothing written) and returns (results,
    timings): the same bits as a folder's sweep of the grid and seed."""
    g = _Grid(grid)
    base = as_int(seed, "seed", 0)
    return _tables(lambda t, times: run(lib.mg_sweep_run_table, g.ptr, base, t, times))


@ffi.def_extern()
def _mg_py_sweep_progress(ctx, index, done, total, r):
    cell = {text(lib.mg_sweep_columns[i]): r.v[i] for i in range(lib.MG_SWEEP_NCOLS)}
    cell.update({text(lib.mg_sweep_time_columns[i]): r.seconds[i] for i in range(lib.MG_SWEEP_NTIMES)})
    cell.update(index=int(index), done=int(done), total=int(total))
    ffi.from_handle(ctx)(cell)
