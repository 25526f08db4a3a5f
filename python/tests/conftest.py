"""pytest fixtures of the memgen package's tests: the memgen CLI (the bindings
are checked against it bit for bit) and small deterministic data."""
import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEMGEN = os.path.abspath(os.environ.get("MEMGEN", os.path.join(ROOT, "build", "memgen")))


@pytest.fixture
def cli(tmp_path):
    """run(*args) runs the memgen CLI in tmp_path and returns the CompletedProcess
    (stdout/stderr as text); it fails the test on a nonzero exit unless check=False."""
    def run(*args, check=True):
        r = subprocess.run([MEMGEN] + [str(a) for a in args], capture_output=True, text=True, cwd=str(tmp_path))
        if check and r.returncode != 0:
            raise AssertionError("memgen %s failed (%d):\n%s%s" % (" ".join(map(str, args)), r.returncode,
                                                                 r.stdout, r.stderr))
        return r
    return run


@pytest.fixture
def blobs():
    """Two well-separated clusters in 12 dimensions (40 rows, float32)."""
    g = np.random.default_rng(0)
    mu = np.zeros((2, 12), dtype=np.float32)
    mu[0, 0], mu[1, 1] = 3.0, 3.0
    X = np.concatenate([mu[0] + 0.1 * g.standard_normal((20, 12)), mu[1] + 0.1 * g.standard_normal((20, 12))])
    return X.astype(np.float32)
