#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deb.sh SRC WORK CC: the Debian package, as a user gets it. Builds it the
# documented way (scripts/package.sh deb: configure with prefix /usr, build,
# cpack -G DEB), checks its control fields and contents, installs it
# container-free (dpkg -x into a fresh root), moves the build tree away,
# then from another directory uses the installed command (a build, and
# deploy/query/run on the real emulated board, bundled in the package) and
# builds a C program against the installed libraries (find_package and
# pkg-config).
set -euo pipefail
src=$1 work=$2 cc=$3
TEST_NAME=package.deb
. "$(dirname "$0")/../lib.sh"
step() { echo "package.deb: $*"; }
for t in dpkg-deb cpack node; do
    command -v $t >/dev/null || prereq "$t not found (scripts/setup.sh test)"
done
rm -rf "$work"
mkdir -p "$work"
build=$work/build

step "scripts/package.sh deb"
ROMFS_PACKAGE_BUILD=$build CC=$cc bash "$src/scripts/package.sh" deb > "$work/package.log" 2>&1 \
    || { tail -30 "$work/package.log"; die "scripts/package.sh deb"; }
deb=$(ls "$build"/romfs_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || die "no .deb in $build"
step "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = romfs ] || die "Package: $(field Package)"
[ "$(field Version)" = "$(sed -n 's/^#define ROMFS_VERSION_STRING "\(.*\)"/\1/p' "$src/include/romfs/romfs.h")" ] \
    || die "Version $(field Version) is not romfs.h's"
for d in libserialport0 zlib1g libc6; do field Depends | grep -q "$d" || die "Depends lacks $d: $(field Depends)"; done
field Recommends | grep -q "nodejs (>= 18)" || die "Recommends lacks nodejs (>= 18): $(field Recommends)"

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' > "$work/contents"
need=(usr/bin/romfs usr/include/romfs/romfs.h usr/include/romfs/romfs_config.h
      usr/share/doc/romfs/copyright usr/share/doc/romfs/LICENSE usr/share/man/man1/romfs.1
      usr/share/man/man1/romfs-deploy.1 usr/share/bash-completion/completions/romfs
      usr/share/zsh/site-functions/_romfs usr/share/romfs/board/emulator.mjs
      usr/share/romfs/board/flash.mjs usr/share/romfs/board/standin.py
      usr/share/romfs/node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs
      usr/share/romfs/node_modules/@micropython/micropython-webassembly-pyscript/micropython.wasm)
for f in "${need[@]}"; do grep -qx "$f" "$work/contents" || die "not in the package: $f"; done
for f in romfs.pc romfs-reader.pc romfsConfig.cmake libromfs_reader.a libromfs_host.a; do
    grep -q "/$f\$" "$work/contents" || die "not in the package: $f"
done
! grep -q "^usr/local\|/build/\|tests/" "$work/contents" || die "stray files: $(grep "^usr/local\|/build/\|tests/" "$work/contents" | head -3)"

step "dpkg -x into a fresh root; the build tree moved away"
root=$work/root
dpkg -x "$deb" "$root"
grep -q "^License: MIT" "$root/usr/share/doc/romfs/copyright" || die "copyright is not a DEP-5 MIT file"
mv "$build" "$work/build.moved"
romfs=$root/usr/bin/romfs
"$romfs" -V | grep -q "^romfs " || die "romfs -V"

mkdir -p "$work/elsewhere/app"
cd "$work/elsewhere"
printf 'print("hello from the deb")\n' > app/hello.py
"$romfs" build --no-mpy -o app.romfs app > /dev/null || die "romfs build from another directory"
"$romfs" ls app.romfs | grep -q hello.py || die "romfs ls"
export ROMFS_BOARD_DIR=$work/board
unset ROMFS_DEVICE ROMFS_BOARD_CMD
"$romfs" deploy -d emulated app.romfs > "$work/deploy.log" 2>&1 || { cat "$work/deploy.log"; die "deploy -d emulated"; }
"$romfs" query -d emulated > "$work/query.log" 2>&1 || { cat "$work/query.log"; die "query -d emulated"; }
grep -q "ROMFS image size" "$work/query.log" || { cat "$work/query.log"; die "query: no image"; }
"$romfs" run -d emulated hello > "$work/run.log" 2>&1 || { cat "$work/run.log"; die "run -d emulated hello"; }
grep -q "hello from the deb" "$work/run.log" || { cat "$work/run.log"; die "run: no output"; }
step "romfs build, deploy, query, run -d emulated: ok"

step "a C program against the package (find_package, pkg-config)"
mkdir -p "$work/c"
cp "$src/tests/consumer/consumer.c" "$src/tests/consumer/reader_only.c" "$src/tests/consumer/board_only.c" "$work/c/"
cat > "$work/c/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(debconsumer C)
find_package(romfs 0.1 REQUIRED COMPONENTS host)
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE romfs::host)
if(EXISTS "${CMAKE_PREFIX_PATH}/include/romfs/romfs_board.h")
  find_package(romfs 0.1 REQUIRED COMPONENTS board)
  add_executable(board_only board_only.c)
  target_link_libraries(board_only PRIVATE romfs::board)
endif()
CM
cmake -S "$work/c" -B "$work/c/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$root/usr" > "$work/c.log" 2>&1 \
    && cmake --build "$work/c/build" >> "$work/c.log" 2>&1 || { cat "$work/c.log"; die "find_package build"; }
"$work/c/build/consumer" > /dev/null || die "find_package consumer run"
if [ -e "$root/usr/include/romfs/romfs_board.h" ]; then
    "$work/c/build/board_only" > /dev/null || die "find_package(romfs COMPONENTS board) consumer run"
fi
libdir=$(dirname "$(grep '/romfs.pc$' "$work/contents")")
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Werror -o "$work/c/reader_only" "$work/c/reader_only.c" \
    $(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/$libdir pkg-config --cflags --libs romfs-reader) \
    || die "pkg-config build"
"$work/c/reader_only" > /dev/null || die "pkg-config consumer run"
step ok
