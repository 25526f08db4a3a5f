#!/bin/sh
# Runs every test binary in $1 (from the repository root, where the fixtures
# are), then prints one closing line "N passed, N failed" over all of them.
dir=${1:-build/tests}
# the thread policy of the memgen CLI (see cli/main.c): idle OpenMP workers
# spin briefly, then sleep (the suite's many tiny parallel regions crawl on a
# loaded machine otherwise), and OpenBLAS runs single-threaded
[ -n "$OMP_WAIT_POLICY$GOMP_SPINCOUNT" ] || export GOMP_SPINCOUNT=1000
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
pass=0; fail=0; failed=""
for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.d) continue;; esac
    echo "== $(basename "$t")"
    out=$("$t" 2>&1); rc=$?
    echo "$out"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    pass=$((pass + p)); fail=$((fail + f))
    [ "$rc" -ne 0 ] && failed="$failed $(basename "$t")"
done
[ -n "$failed" ] && echo "failing binaries:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
