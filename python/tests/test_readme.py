"""The README's Python example runs as written (in a temporary folder) and
prints what the README says it prints."""
import os
import re
import subprocess
import sys

from conftest import ROOT


def test_readme_python_example(tmp_path):
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text[text.index("## From Python"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    run = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    claimed = re.search(r"copies up to scale: ([0-9.]+)", code).group(1)
    assert run.stdout.split()[0] == claimed
    assert (tmp_path / "mem.safetensors").exists()
