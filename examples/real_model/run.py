#!/usr/bin/env python3
"""The real-model pipeline in one command (examples/real_model/pipeline.py):

  python3 examples/real_model/run.py --preset full --work /tmp/real-work \\
      --fixture tests/fixtures/real_model

trains the UNet (about 25 minutes on 2 cores, resumable), samples, labels,
exports the activations and baselines, runs the steering sweeps and writes
the fixture memgen's experiment `real` reads. --preset tiny runs the same
pipeline in about a minute (the test suite's wiring check).
"""
import argparse
import os
import shlex
import sys

# One thread everywhere unless asked otherwise, set before NumPy / PyTorch load
# their BLAS: Debian's PyTorch sends small matrix products to OpenBLAS, whose
# own pool (one thread per core, busy-waiting) otherwise runs beside torch's.
for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from real_model import pipeline  # noqa: E402


def main():
    """Parses the options and runs the pipeline."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="full", choices=sorted(pipeline.PRESETS), help="sizes (default full)")
    ap.add_argument("--work", default="real-model-work", help="work folder: checkpoints and stage results")
    ap.add_argument("--fixture", default=None, help="where to write the fixture (default WORK/fixture)")
    ap.add_argument("--fmnist-dir", default=None, help="Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1: faster than 2 on a shared 2-core "
                    "machine, measured)")
    ap.add_argument("--set", action="append", default=[], metavar="STAGE.KEY=VALUE",
                    help="override a setting of the preset, e.g. --set train.steps=2000")
    a = ap.parse_args()
    cmd = "python3 examples/real_model/run.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    pipeline.run(a.preset, a.work, a.fixture, a.set, a.fmnist_dir, a.threads, cmd,
                 log=lambda s: print(s, flush=True))


if __name__ == "__main__":
    main()
