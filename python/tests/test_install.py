"""`pip install ./python` works offline into a fresh virtual environment that
sees Debian's packages (numpy, cffi, setuptools, wheel), and the installed
package imports and computes outside the source tree."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT


def test_pip_install_offline(tmp_path):
    if subprocess.run([sys.executable, "-c", "import venv, ensurepip"], capture_output=True).returncode:
        pytest.skip("python3-venv is not installed")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-index", "--no-cache-dir",
                          os.path.join(ROOT, "python")], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    code = ("import memgen, numpy as np; m = memgen.DAE(4, 3, sigma=0.1); m.W1 = np.eye(4, 3);"
            "print(memgen.__file__); print(float(m.forward(np.ones((2, 4))).sum()))")
    run = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                         cwd=str(tmp_path), env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert run.returncode == 0, run.stderr
    where, total = run.stdout.split()
    assert where.startswith(str(venv)) and float(total) == 6.0
