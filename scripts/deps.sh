#!/bin/sh
# Installs the Debian packages memgen needs to build, test and run, skipping
# those already present (idempotent). MEMGEN_DEPS_TEST=1 adds what the test
# suite uses: Chromium (it renders the report headless), PyTorch with NumPy
# (the real-model pipeline of examples/real_model runs at its tiny preset) and
# what the Python package builds, installs and is tested with (cffi, pytest,
# venv/pip/setuptools/wheel for an offline `pip install ./python`, nbclient,
# ipykernel and matplotlib to execute its notebook and the report's figure scripts; OpenMPI for
# `memgen sweep` under mpirun); the base list has librsvg2-dev, for the report figures' PNG and PDF
# copies (optional at build time: without it only SVG is written);
# MEMGEN_DEPS_EXTRA=1 adds the optional reference tools (PyTorch, NumPy, FAISS for
# bench_nn, clang for fuzzing).
set -e
need="build-essential pkg-config libopenblas-dev liblapacke-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev libcjson-dev"
need="$need libcmocka-dev dataset-fashion-mnist librsvg2-dev"
if [ "${MEMGEN_DEPS_TEST:-0}" = 1 ]; then
    need="$need chromium python3-numpy python3-torch python3-cffi python3-pytest python3-venv python3-pip"
    need="$need python3-setuptools python3-wheel python3-nbclient python3-ipykernel python3-matplotlib"
    need="$need libopenmpi-dev openmpi-bin" # build/memgen-mpi and test_sweep's mpirun run
fi
if [ "${MEMGEN_DEPS_EXTRA:-0}" = 1 ]; then
    need="$need clang libclang-rt-14-dev python3-numpy python3-torch python3-faiss"
fi
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "deps: all present"
    exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
