#!/usr/bin/python3
"""Runs every command of README.md's ```sh blocks, as written and in order, in a
scratch folder, with the built binaries: `memgen` on the PATH is $BUILD/memgen,
`build/` is $BUILD, and scripts/, dev/, examples/, tests/, python/ point into the
repository. Fails (exit 1) on the first command that fails, printing its output.

A few commands cannot run in a test (the multi-minute ones, the build and the
test suite itself, an install, mpirun); SUBSTITUTE below names each one by the
start of its text, the command run instead (or None: skipped) and why. Every
entry must match exactly one README command, and the test a skip names as
covering it must run that command's kind (COVERED_BY), so the list cannot go
stale silently; each substitution is printed. Without PyTorch and NumPy (the
README's dev/ examples use them) the test is skipped, saying so, as the Python
package's tests are.

It also runs the tour the README points to (sh scripts/tour.sh) and checks
that its "why:" explanations quote the numbers the run printed.

Usage (make test runs it): BUILD=build /usr/bin/python3 scripts/test_readme.py
"""
import os
import re
import subprocess
import sys
import tempfile
import time

# README command (its start) -> (command run instead or None, why)
SUBSTITUTE = {
    "sh scripts/deps.sh && make -j2 && build/memgen reproduce --quick":
        ("build/memgen reproduce --scale smoke --force --out memgen-report",
         "--quick takes 3 min; deps and the build are what make test has just used"),
    "MEMGEN_DEPS_TEST=1 sh scripts/deps.sh && make -j2 && make test":
        (None, "the test suite that runs this test"),
    "python3 -m venv --system-site-packages ~/memgen-venv":
        (None, "pip builds the library again (minutes); scripts/test_python.sh builds the package in place"),
    "python3 examples/real_model/run.py --preset full":
        (None, "25 min; the committed fixture is its output"),
    "python3 examples/real_model/run.py --preset tiny":
        (None, "a minute or more; test_real_pipeline runs the tiny preset"),
    "build/memgen reproduce --sections real --real-model rerun":
        (None, "runs the tiny pipeline (a minute or more); test_real_pipeline runs it"),
    "build/memgen experiment run real --set fixture=/tmp/tiny/fixture":
        ("build/memgen experiment run real --set fixture=tests/fixtures/real_model --out real-out",
         "/tmp/tiny is the skipped tiny run's output; the committed fixture has the same layout"),
    "mpirun --oversubscribe -n 3 build/memgen-mpi sweep":
        (None, "MPI as root needs --allow-run-as-root; test_sweep runs memgen-mpi under mpirun"),
    "make -j2 install PREFIX=$HOME/.local":
        (None, "scripts/test_install.sh runs this install and the next lines (make test runs it)"),
    "export PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig": (None, "the install block: scripts/test_install.sh"),
    "printf '#include <memgen/core.h>": (None, "the install block: scripts/test_install.sh"),
    "cc hello.c $(pkg-config --cflags --libs memgen)": (None, "the install block: scripts/test_install.sh"),
    "cc hello.c $(pkg-config --cflags --static --libs memgen": (None, "the install block: scripts/test_install.sh"),
    "memgen experiment run real --scale smoke --out real-out": (None, "the install block: scripts/test_install.sh"),
}

# What a skipped command's reason names as covering it, and what that test must contain.
COVERED_BY = {
    "scripts/test_python.sh": "build_ext",
    "scripts/test_install.sh": "pkg-config --cflags --libs memgen",
    "test_real_pipeline": "tiny",
    "test_sweep": "mpirun",
}
COVERED_FILES = {"test_real_pipeline": "tests/test_real_pipeline.c", "test_sweep": "tests/test_sweep.c"}


def commands(readme):
    """The README's sh commands in order: (line number, text), continuation lines
    joined into one command (their text kept, backslash-newlines included)."""
    out, block, cur, start = [], False, [], 0
    for no, line in enumerate(open(readme, encoding="utf-8").read().split("\n"), 1):
        if not block:
            block = line.strip() == "```sh"
            continue
        if line.strip() == "```":
            block = False
            continue
        if not cur:
            start = no
        cur.append(line)
        if line.rstrip().endswith("\\"):
            continue
        text = "\n".join(cur)
        cur = []
        if text.strip() and not text.lstrip().startswith("#"):
            out.append((start, text))
    return out


def check_tour(tmp, env):
    """Runs `sh scripts/tour.sh` (the README's worked tour) and checks that its
    "why:" explanations are there and quote the numbers the run printed."""
    r = subprocess.run(["sh", "scripts/tour.sh", "tour"], cwd=tmp, env=dict(env, MEMGEN="build/memgen"),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode("utf-8", "replace")
    why = " ".join(l.split("why:", 1)[1].strip() for l in out.split("\n") if "why:" in l)
    mem = re.findall(r"memorized: ([0-9.]+)% of 200 samples", out)
    steer = re.search(r"all +n=16 +distance ([0-9.]+) ->", out)
    problems = []
    if r.returncode != 0:
        problems.append(f"rc {r.returncode}")
    if len(mem) != 3 or f"finds {float(mem[1]):g}% copies" not in why:
        problems.append(f"the memorizing set's explanation does not quote its ratio ({mem})")
    if not steer or f"falls from {steer.group(1)}" not in why:
        problems.append("the steering explanation does not quote the distance printed")
    if problems:
        print("README: sh scripts/tour.sh: FAILED: " + "; ".join(problems) + "\n" + out[-3000:])
        return False
    print(f"README: ok: sh scripts/tour.sh ({out.count('why:')} lines of explanation)")
    return True


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = os.path.abspath(os.path.join(root, os.environ.get("BUILD", "build")))
    cmds = commands(os.path.join(root, "README.md"))
    used = {k: [n for n, t in cmds if t.startswith(k)] for k in SUBSTITUTE}
    stale = [f"'{k}' matches {len(v)} commands" for k, v in used.items() if len(v) != 1]
    for key, (run, why) in SUBSTITUTE.items():  # a skip names the test that covers it: that test must say so
        for path, needle in COVERED_BY.items():
            text = open(os.path.join(root, COVERED_FILES.get(path, path)), encoding="utf-8").read()
            if path in why and needle not in text:
                stale.append(f"'{key}' is said to be covered by {path}, which does not run '{needle}'")
    if stale:
        print("readme test: FAILED: the substitution list does not match README.md: " + "; ".join(stale))
        return 1
    if subprocess.run(["/usr/bin/python3", "-c", "import torch, numpy"], capture_output=True).returncode:
        print("readme test: SKIPPED (the README's dev/ examples need python3-torch python3-numpy; "
              "MEMGEN_DEPS_TEST=1 sh scripts/deps.sh installs them)")
        return 0
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="memgen-readme-") as tmp:
        for name in ("scripts", "dev", "examples", "tests", "python"):
            os.symlink(os.path.join(root, name), os.path.join(tmp, name))
        os.symlink(build, os.path.join(tmp, "build"))
        os.makedirs(os.path.join(tmp, "bin"))
        os.makedirs(os.path.join(tmp, "home"))
        os.symlink(os.path.join(build, "memgen"), os.path.join(tmp, "bin", "memgen"))
        env = dict(os.environ, HOME=os.path.join(tmp, "home"),
                   PATH=os.path.join(tmp, "bin") + ":/usr/bin:" + os.environ.get("PATH", ""))
        env.setdefault("OPENBLAS_NUM_THREADS", "1")
        ran = 0
        for no, text in cmds:
            key = next((k for k in SUBSTITUTE if text.startswith(k)), None)
            run = text
            if key is not None:
                run, why = SUBSTITUTE[key]
                first = text.split("\n")[0][:70]
                print(f"README:{no}: {'skipped' if run is None else 'run as: ' + run} ({why}): {first}")
                if run is None:
                    continue
            t = time.time()
            r = subprocess.run(["sh", "-c", run], cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            ran += 1
            if r.returncode != 0:
                log = r.stdout.decode("utf-8", "replace")
                print(f"README:{no}: FAILED (rc {r.returncode}): {run}\n{log[-3000:]}")
                print("readme test: FAILED")
                return 1
            print(f"README:{no}: ok {time.time() - t:.1f}s: {re.sub(r'  +', ' ', run.split(chr(10))[0])[:90]}")
        if not check_tour(tmp, env):
            return 1
    print(f"readme test: passed ({ran} commands run, {sum(v is None for v, _ in SUBSTITUTE.values())} skipped,"
          f" {time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
