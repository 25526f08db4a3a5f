"""cffi builder of memgen's extension module (memgen._memgen_cffi).

The module is compiled against memgen's public headers and linked with the
position-independent static library, so the installed package carries the
library inside it and needs nothing but the Debian run-time libraries
(OpenBLAS, LAPACKE, libpng, libjpeg, zlib, cJSON, OpenMP). Where the library comes from:

  MEMGEN_ROOT   a memgen source tree: its include/ and <MEMGEN_BUILD>/libmemgen.a
                (default: the tree this folder sits in, built with `make` first);
  otherwise     an installed memgen found by `pkg-config memgen` (make install).
"""
import glob
import os
import shlex
import subprocess

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
CDEF = os.path.join(HERE, "_cdef.h")

HEADERS = ["core", "rng", "safetensors", "dae", "daeset", "train", "denoiser", "sampler", "mog", "fmnist",
           "dup", "memorization", "repr", "detect", "steer", "theory", "reproduce",
           "schedule", "partition", "image", "split", "tcdae", "tctrain", "table", "sweep"]
SOURCE = "\n".join('#include "memgen/%s.h"' % h for h in HEADERS) + "\n#include <stdlib.h>\n"
DEPS = ["lapacke", "openblas", "png", "jpeg", "z", "cjson", "m", "pthread"]
# librsvg and cairo, which the report's PNG and PDF figures need where the Makefile found them (its RSVG probe)
RSVG_PKGS = ["librsvg-2.0", "cairo-png", "cairo-pdf"]


def rsvg_libs():
    """The link flags of librsvg and cairo when pkg-config finds them, else none (the library then has no PNG/PDF)."""
    try:
        return shlex.split(subprocess.check_output(["pkg-config", "--libs"] + RSVG_PKGS, text=True,
                                                   stderr=subprocess.DEVNULL))
    except (OSError, subprocess.CalledProcessError):
        return []


def source_root():
    """The memgen source tree to build against, or None for an installed memgen."""
    root = os.environ.get("MEMGEN_ROOT")
    if root:
        return os.path.abspath(root)
    up = os.path.dirname(os.path.dirname(HERE))
    return up if os.path.exists(os.path.join(up, "include", "memgen", "core.h")) else None


def build_args():
    """include_dirs, extra_objects, libraries, extra compile/link args for set_source."""
    root = source_root()
    if root is None:
        cflags = subprocess.check_output(["pkg-config", "--cflags", "memgen"], text=True)
        libs = subprocess.check_output(["pkg-config", "--static", "--libs", "memgen"], text=True)
        return dict(extra_compile_args=shlex.split(cflags), extra_link_args=shlex.split(libs) + ["-fopenmp"])
    build = os.environ.get("MEMGEN_BUILD", "build")
    lib = os.path.join(root, build, "libmemgen.a")
    if os.environ.get("MEMGEN_SKIP_MAKE") != "1":
        subprocess.check_call(["make", "-C", root, "-j2", "BUILD=" + build, os.path.join(build, "libmemgen.a")])
    # depends: the extension is relinked whenever the library or a header is newer than it
    headers = sorted(glob.glob(os.path.join(root, "include", "memgen", "**", "*.h"), recursive=True))
    return dict(include_dirs=[os.path.join(root, "include")], extra_objects=[lib], depends=[lib, CDEF] + headers,
                libraries=DEPS,
                extra_compile_args=["-std=c11", "-O2"], extra_link_args=["-fopenmp"] + rsvg_libs())


ffibuilder = FFI()
with open(CDEF) as f:
    ffibuilder.cdef(f.read())
ffibuilder.set_source("memgen._memgen_cffi", SOURCE, **build_args())

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
