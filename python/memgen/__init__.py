"""memgen: memorization vs generalization in diffusion models, from Python.

A thin NumPy/PyTorch layer over the memgen C library (it reimplements
nothing): two-layer ReLU denoising autoencoders and sets of them over noise
levels, the authors' time-conditioned model, the paper's closed-form
solutions, samplers, memorization measures, the representation-spikiness
detector (Algorithm 1), steering (Eq. 11) and sweeps (the phase diagram).
Arrays in and out are NumPy arrays; failures raise memgen.Error; Ctrl-C stops
training and sampling. `import memgen.torch` adds the PyTorch glue.
"""
from ._core import Error
from .models import DAE, DAESet
from .train import train, train_set
from .tc import TCDAE, train_tc
from .data import MoG, duplicate, fashion_mnist, split, split_duplicates
from .theory import separability, solve, theory
from .sampling import Empirical, denoise, sample
from .analysis import features, memratio, representations, score_activations, spike_metrics, spikiness
from .detect import (auroc, baseline_clique, baseline_denoise, baseline_flipd, baseline_jacobian, baseline_nn_ratio,
                     benchmark, calibrate, detect, evaluate, flag, roc_curve)
from .steer import steer, steering_vectors
from .reproduce import experiment, experiments, reproduce, sections
from .sweep import sweep, sweep_grid, sweep_merge, sweep_table

__version__ = "0.1.0"

__all__ = ["Error", "DAE", "DAESet", "TCDAE", "__version__",
           "train", "train_set", "train_tc", "solve", "theory", "separability", "sample", "denoise", "Empirical",
           "MoG",
           "fashion_mnist", "duplicate", "split", "split_duplicates",
           "memratio", "representations", "spikiness", "spike_metrics", "features", "score_activations",
           "detect", "calibrate", "flag", "auroc", "roc_curve", "evaluate", "benchmark", "baseline_flipd",
           "baseline_jacobian", "baseline_denoise", "baseline_clique", "baseline_nn_ratio",
           "steering_vectors", "steer", "reproduce", "experiment", "experiments", "sections",
           "sweep", "sweep_merge", "sweep_table", "sweep_grid"]
