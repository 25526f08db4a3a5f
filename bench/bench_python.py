#!/usr/bin/python3
"""Issue 13's bound on the Python package's overhead: scoring 10^5 in-memory
activation rows through Python (memgen.score_activations: Algorithm 1's std on
activations reduced by mg_features_reduce) costs at most 1.2x the same calls
made by a native C program (bench/bench_score.c: mg_features_reduce +
mg_spikiness_rows). Both time the same arrays (written here as .npy and passed
to the C program, which reads them before timing), best of R calls, over
alternating rounds so that both see the same machine state. Cases (see
bench_score.c for the sizes): float32 10^5 x 64 pooled features (nf, the real
UNet's width) and a float16 10^5 x 16 x 2 x 2 feature map (nchw, max pooled).
Also printed, not gated: the raw cffi calls from Python without the wrapper
(the wrapper's own cost, in one process: about 10 us a call).

usage: bench_python.py [--build build] [--no-build] [--c-bench BUILD/bench/bench_score]
                       [--repeats 5] [--rounds 8]
Builds the extension module in place against BUILD/libmemgen.a first (as
scripts/test_python.sh does; --no-build uses the one there). Prints one line
per case and exits 1 when a ratio exceeds 1.2 (2 when the build or the C
program fails), 0 otherwise; prints SKIPPED and exits 0 when python3-cffi or
python3-numpy is missing.
"""
import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIMIT = 1.2
N = 100000
# The library allocates its n x F output (and a float32 copy of float16 input) on every call. With glibc's
# default, adaptive thresholds such buffers are fresh mappings (page faults on every call) or reused heap
# depending on what the process freed before, which changed the times up to tenfold between the two
# processes. Fixed thresholds (every buffer here < 32 MiB comes from the heap, which is never trimmed) give
# both processes the same allocator; the script re-executes itself with them and the C program inherits them.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def best_of(fn, repeats):
    """The fastest of `repeats` calls of fn (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def raw_call(memgen, A, layout):
    """The same two C calls through cffi without the wrapper (no checks, no conversions)."""
    ffi, lib = memgen._core.ffi, memgen._core.lib
    arr = ffi.new("mg_array *")
    arr.dtype = lib.MG_F32 if A.dtype.itemsize == 4 else lib.MG_F16
    arr.ndim = A.ndim
    for i, s in enumerate(A.shape):
        arr.shape[i] = s
    arr.data = ffi.cast("void *", A.ctypes.data)
    lay = lib.MG_LAYOUT_NF if layout == "nf" else lib.MG_LAYOUT_NCHW
    scores = ffi.new("double[]", A.shape[0])

    def call():
        out = ffi.new("mg_array *")
        st = lib.mg_features_reduce(arr, lay, lib.MG_POOL_MAX, out)
        H = ffi.new("mg_mat *", [out.shape[0], out.shape[1], out.shape[1], ffi.cast("float *", out.data)])
        st = st or lib.mg_spikiness_rows(H[0], lib.MG_SPIKE_STD, scores)
        lib.mg_array_free(out)
        assert st == 0
    return call


def c_times(c_bench, files, repeats):
    """{file name: best seconds} from one run of the C program on the .npy files."""
    cmd = [c_bench, "--repeats", str(repeats)]
    for path, layout in files:
        cmd += [path, layout]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write("bench_python: %s failed:\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
        sys.exit(2)
    return {m.group(1): float(m.group(2)) / 1e3 for m in re.finditer(r"^(\S+)\s+best\s+([\d.]+) ms", r.stdout, re.M)}


def main():
    if any(os.environ.get(k) != v for k, v in MALLOC_ENV.items()):
        os.environ.update(MALLOC_ENV)
        os.execv(sys.executable, [sys.executable] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="the make build folder (libmemgen.a, bench/bench_score)")
    ap.add_argument("--no-build", action="store_true", help="do not rebuild the extension module")
    ap.add_argument("--c-bench", help="the C program (default BUILD/bench/bench_score)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=8)
    args = ap.parse_args()
    if importlib.util.find_spec("cffi") is None or importlib.util.find_spec("numpy") is None:
        print("bench_python: SKIPPED (needs python3-cffi python3-numpy)")
        return 0
    import numpy as np
    if not args.no_build:
        env = dict(os.environ, MEMGEN_BUILD=args.build, MEMGEN_SKIP_MAKE="1")
        r = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
                           cwd=os.path.join(ROOT, "python"), env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write("bench_python: building the extension module failed:\n%s%s" % (r.stdout, r.stderr))
            return 2
    c_bench = args.c_bench or os.path.join(ROOT, args.build, "bench", "bench_score")
    sys.path.insert(0, os.path.join(ROOT, "python"))
    import memgen

    g = np.random.default_rng(0)
    cases = [("nf_f32_100000x64.npy", "nf", np.maximum(g.standard_normal((N, 64), dtype=np.float32), 0)),
             ("nchw_f16_100000x16x2x2.npy", "nchw",
              np.maximum(g.standard_normal((N, 16, 2, 2), dtype=np.float32), 0).astype(np.float16))]
    best_c, best_py, best_raw = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="memgen-bench-") as tmp:
        files = []
        for name, layout, A in cases:
            files.append((os.path.join(tmp, name), layout))
            np.save(files[-1][0], A)
        for _ in range(args.rounds):
            for name, t in c_times(c_bench, files, args.repeats).items():
                best_c[name] = min(best_c.get(name, float("inf")), t)
            for name, layout, A in cases:
                t = best_of(lambda A=A, lay=layout: memgen.score_activations(A, layout=lay, pool="max", metric="std"),
                            args.repeats)
                best_py[name] = min(best_py.get(name, float("inf")), t)
                best_raw[name] = min(best_raw.get(name, float("inf")), best_of(raw_call(memgen, A, layout),
                                                                               args.repeats))
    print("Algorithm 1 on %d in-memory activation rows: memgen.score_activations vs the same calls from C "
          "(best of %d x %d rounds)" % (N, args.repeats, args.rounds))
    print("%-28s %10s %10s %10s %8s %10s" % ("case", "C ms", "Python ms", "raw cffi", "ratio", "limit"))
    worst = 0.0
    for name, _, _ in cases:
        if name not in best_c:
            sys.stderr.write("bench_python: the C program printed no time for %s\n" % name)
            return 2
        ratio = best_py[name] / best_c[name]
        worst = max(worst, ratio)
        print("%-28s %10.2f %10.2f %10.2f %7.3fx %9.1fx  %s" % (name[:-4], 1e3 * best_c[name], 1e3 * best_py[name],
                                                              1e3 * best_raw[name], ratio, LIMIT,
                                                              "ok" if ratio <= LIMIT else "OVER"))
    print("python overhead: worst ratio %.3fx (bound %.1fx)" % (worst, LIMIT))
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
