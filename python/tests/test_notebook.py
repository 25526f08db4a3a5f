"""The notebook a researcher opens first (python/notebooks/first_steps.ipynb)
runs end to end, where nbclient and a python3 kernel are installed, and is the
one its generator script writes (so the two cannot drift apart)."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

NB_DIR = os.path.join(ROOT, "python", "notebooks")


def test_notebook_matches_its_generator(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    out = tmp_path / "first_steps.ipynb"
    subprocess.run([sys.executable, os.path.join(NB_DIR, "make_first_steps.py"), str(out)], check=True,
                   capture_output=True)
    committed = nbformat.read(os.path.join(NB_DIR, "first_steps.ipynb"), as_version=4)
    written = nbformat.read(str(out), as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in written.cells]


def test_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("matplotlib")
    nb = nbformat.read(os.path.join(NB_DIR, "first_steps.ipynb"), as_version=4)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    os.environ["PYTHONPATH"] = os.pathsep.join([os.path.join(ROOT, "python"), os.environ.get("PYTHONPATH", "")])
    os.environ.setdefault("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "copies up to scale" in text and "AUROC" in text
