#!/bin/sh
# Tests `make install`: builds memgen for a scratch PREFIX (reusing the objects
# of $BUILD: only mg_data_path's depends on PREFIX) with no source tree to read
# data from (SOURCE_ROOT empty), installs it there, then checks the layout, the
# shared library's soname and exports (only mg_* symbols), a program built with
# `pkg-config memgen` linked dynamically and statically, the installed CLI,
# and that the experiment `real` reads the installed fixture (and says where it
# looked when there is none). Prints "install test: passed" or "install test:
# FAILED: why" and exits 0 or 1.
# Usage (make test runs it): BUILD=build CC=cc TEST_CFLAGS='-O2' sh scripts/test_install.sh
# A sanitizer build passes its -fsanitize flags in TEST_CFLAGS, so that the
# test program links with the instrumented library.
set -eu
build=${BUILD:-build}
make=${MAKE:-make}
cc=${CC:-cc}
cflags=${TEST_CFLAGS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install test: FAILED: $*"; exit 1; }

# build and install
mkdir -p "$tmp/build"
cp -pR "$build/obj" "$tmp/build/" || fail "no objects in $build/obj to reuse (make test builds them)"
$make BUILD="$tmp/build" PREFIX="$prefix" SOURCE_ROOT= install >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "make install PREFIX=$prefix"; }
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
version=$(pkg-config --modversion memgen) || fail "pkg-config finds no memgen.pc"
major=${version%%.*}
for f in include/memgen/core.h include/memgen/experiment/real.h lib/libmemgen.a "lib/libmemgen.so.$version" \
    "lib/libmemgen.so.$major" lib/libmemgen.so bin/memgen share/memgen/tests/fixtures/real_model/meta.json \
    share/memgen/examples/real_model/run.py; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
done

# the shared library: soname, exports, and the static library is position-independent
so=$prefix/lib/libmemgen.so
readelf -d "$so" | grep -q "SONAME.*\[libmemgen.so.$major\]" || fail "the soname is not libmemgen.so.$major"
extra=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^mg_' |
    grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' || true)
[ -z "$extra" ] || fail "libmemgen.so exports symbols outside mg_*: $(echo $extra)"
nm -D --defined-only "$so" | grep -q ' mg_status_str$' || fail "libmemgen.so does not export mg_status_str"
$cc $cflags -shared -o "$tmp/whole.so" -Wl,--whole-archive "$prefix/lib/libmemgen.a" -Wl,--no-whole-archive \
    >"$tmp/pic.log" 2>&1 || { cat "$tmp/pic.log"; fail "libmemgen.a does not link into a shared object (not PIC?)"; }

# a program built with pkg-config: a DAE's forward pass and the installed data
cat >"$tmp/prog.c" <<'EOF'
#include <stdio.h>
#include "memgen/dae.h"
#include "memgen/fileio.h"
int main(void) {
    mg_dae *m = NULL;
    mg_rng rng;
    mg_rng_init(&rng, 1);
    if (mg_dae_create(4, 3, 1, 0, &m) != MG_OK) return 1;
    mg_dae_init_kaiming(m, &rng);
    float x[8] = {1, 2, 3, 4, -1, 0, 1, 0}, y[8];
    mg_mat X = {2, 4, 4, x}, H = {2, 3, 3, NULL}, Y = {2, 4, 4, y};
    mg_status st = mg_dae_forward(m, X, H, Y);
    mg_dae_free(m);
    char path[4096];
    mg_status dp = mg_data_path("tests/fixtures/real_model", path, sizeof path);
    printf("forward %s %s\n", mg_status_str(st), dp == MG_OK ? path : mg_last_error());
    return st != MG_OK || dp != MG_OK;
}
EOF
want="forward MG_OK $prefix/share/memgen/tests/fixtures/real_model"
# shellcheck disable=SC2046
$cc $cflags "$tmp/prog.c" $(pkg-config --cflags --libs memgen) -o "$tmp/prog_dyn" >"$tmp/cc.log" 2>&1 ||
    { cat "$tmp/cc.log"; fail "a program does not link with pkg-config --libs memgen"; }
out=$(env -u MEMGEN_DATA_DIR LD_LIBRARY_PATH="$prefix/lib" "$tmp/prog_dyn" 2>&1) || fail "the program failed: $out"
[ "$out" = "$want" ] || fail "the program printed '$out', not '$want'"
readelf -d "$tmp/prog_dyn" | grep -q "NEEDED.*\[libmemgen.so.$major\]" || fail "the program does not need the .so"
# shellcheck disable=SC2046
$cc $cflags "$tmp/prog.c" $(pkg-config --cflags memgen) \
    $(pkg-config --static --libs memgen | sed 's/-lmemgen\( \|$\)/-l:libmemgen.a\1/') -o "$tmp/prog_static" \
    >"$tmp/cc.log" 2>&1 || { cat "$tmp/cc.log"; fail "a program does not link with pkg-config --static"; }
out=$(env -u MEMGEN_DATA_DIR "$tmp/prog_static" 2>&1) || fail "the static program failed: $out"
[ "$out" = "$want" ] || fail "the static program printed '$out', not '$want'"
! readelf -d "$tmp/prog_static" | grep -q "libmemgen" || fail "the static program needs libmemgen.so"

# the installed CLI and its data
"$prefix/bin/memgen" version | grep -qx "memgen $version" || fail "memgen version does not print memgen $version"
env -u MEMGEN_DATA_DIR "$prefix/bin/memgen" experiment run real --scale smoke --out "$tmp/real" >"$tmp/real.log" 2>&1 ||
    { cat "$tmp/real.log"; fail "memgen experiment run real on the installed fixture"; }
grep -q "\"fixture\":.*\"$prefix/share/memgen/tests/fixtures/real_model\"" "$tmp/real/params.json" ||
    fail "experiment real did not read the installed fixture ($tmp/real/params.json)"
mv "$prefix/share/memgen" "$prefix/share/memgen.away"
if env -u MEMGEN_DATA_DIR "$prefix/bin/memgen" experiment run real --scale smoke --out "$tmp/none" >"$tmp/none.log" 2>&1
then fail "experiment real ran without its data"; fi
grep -q "not found (looked under the installed data $prefix/share/memgen" "$tmp/none.log" ||
    { cat "$tmp/none.log"; fail "experiment real without its data does not say where it looked"; }
MEMGEN_DATA_DIR="$prefix/share/memgen.away" "$prefix/bin/memgen" experiment run real --scale smoke --out "$tmp/env" \
    >"$tmp/env.log" 2>&1 || { cat "$tmp/env.log"; fail "experiment real does not read MEMGEN_DATA_DIR"; }
echo "install test: passed (make install PREFIX=<tmp>: headers, libmemgen.a/.so.$version, memgen.pc, CLI, data)"
