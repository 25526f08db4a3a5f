#!/bin/sh
# The Python package's tests (python/tests, pytest): builds the extension
# module in place against $BUILD/libmemgen.a (BUILD defaults to build) and runs
# the suite with the CLI $MEMGEN (the bindings are checked against it). Skipped,
# with a line saying what to install, when python3-cffi or python3-pytest is
# missing; MEMGEN_DEPS_TEST=1 sh scripts/deps.sh installs them (CI does).
set -e
cd "$(dirname "$0")/.."
PY=${MEMGEN_PYTHON:-/usr/bin/python3}
BUILD=${BUILD:-build}
if ! "$PY" -c 'import cffi, numpy, pytest' 2>/dev/null; then
    echo "python: SKIPPED (needs python3-cffi python3-numpy python3-pytest)"
    exit 0
fi
(cd python && MEMGEN_BUILD="$BUILD" "$PY" setup.py -q build_ext --inplace >/dev/null)
[ -n "$OMP_WAIT_POLICY$GOMP_SPINCOUNT" ] || export GOMP_SPINCOUNT=1000
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
MEMGEN=${MEMGEN:-$BUILD/memgen} PYTHONPATH=python "$PY" -m pytest -q -p no:cacheprovider python/tests
