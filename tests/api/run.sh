#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD SRC WORK CC [CFLAGS]: install the build tree BUILD into a
# private prefix, build tests/api against that prefix only (find_package,
# then pkg-config) and run it against the emulated board.
set -euo pipefail
build=$1 src=$2 work=$3 cc=$4 cflags=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=api
. "$here/../lib.sh"
command -v node >/dev/null || prereq "node not found (the emulated board needs it)"
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; die "install"; }
# Only the installed tree: a copy of tests/api outside the source tree.
cp "$here/api.c" "$here/CMakeLists.txt" "$work/"
for how in find_package pkg_config; do
    opt=-DROMFS_API_PKGCONFIG=OFF
    # The .pc files name the configured prefix: point them at this one.
    [ $how = pkg_config ] && opt="-DROMFS_API_PKGCONFIG=ON -DPKG_CONFIG_ARGN=--define-variable=prefix=$prefix"
    echo "api: build with $how against $prefix"
    PKG_CONFIG_PATH="$prefix/lib/pkgconfig" cmake -S "$work" -B "$work/$how" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_FLAGS="$cflags" -DCMAKE_EXE_LINKER_FLAGS="$cflags" $opt \
        >"$work/$how.log" 2>&1 || { cat "$work/$how.log"; die "configure ($how)"; }
    # Nothing of the source tree: its headers and libraries are not used.
    if grep -qF -e "$src/include" -e "$src/src" "$work/$how/CMakeCache.txt" \
        "$work/$how/CMakeFiles/api.dir/flags.make" "$work/$how/CMakeFiles/api.dir/link.txt"; then
        die "the source tree leaked into the build"
    fi
    cmake --build "$work/$how" >"$work/$how.build.log" 2>&1 || { cat "$work/$how.build.log"; die "build ($how)"; }
done
# The emulator from the installed share/romfs/board (it finds MicroPython
# in share/romfs/node_modules), with a partition of its own.
emu=$prefix/share/romfs/board/emulator.mjs
[ -e "$emu" ] || die "not installed: share/romfs/board/emulator.mjs"
mkdir -p "$work/run"
"$work/find_package/api" "$emu" "$work/run/partition.bin" "$work/run" || die "the api program failed"
