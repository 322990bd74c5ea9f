#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds one piece of real MicroPython for the tests, from a source tarball
# or a checkout, into WORK (the build directory's micropython/):
#   build-mp.sh SOURCE WORK PIECE [ROMFS_ROOT]
# PIECE: source    WORK/src: the tarball extracted (a checkout: a link to it)
#        mpy-cross WORK/bin/mpy-cross
#        unix      WORK/bin/micropython        (readline: answers a raw REPL on a pty)
#        unix-safe WORK/bin/micropython-safe   (with port/micropython's VfsRom,
#                  vfs.rom_ioctl over NOR flash in a file: tests/micropython/romboard,
#                  and upstream's VfsRom as upstream_vfsrom.VfsRom)
#        m3        WORK/bin/firmware-m3.elf    (qemu MPS2_AN385, ROMFS at 0x21000000)
#        m3-safe   WORK/bin/firmware-m3-safe.elf (port/micropython's VfsRom, and a
#                  writable partition: tests/micropython/romboard)
#        rv32      WORK/bin/firmware-rv32.elf  (qemu VIRT_RV32, ROMFS at 0x80610000)
# Object files go to WORK/obj/PIECE, never into the source (the unix
# program under its default name, micropython: port/micropython's module
# objects go to vfsrom/). Parallelism: under CMake's Makefile generator the pieces
# join the build's jobserver (ROMFS_MP_MAKE is set to $(MAKE), so make
# shares its job slots with them): `cmake --build -j2` runs two jobs in all,
# the project's and MicroPython's together. Elsewhere each piece runs
# make -j$ROMFS_MP_JOBS (default 1: the pieces build side by side with the
# project already). The log is WORK/log/PIECE.log;
# on failure its tail is printed.
set -euo pipefail
src_in=${1:?usage: build-mp.sh SOURCE WORK PIECE [ROMFS_ROOT]}
work=${2:?}
piece=${3:?}
root=${4:-}
mkdir -p "$work/bin" "$work/log" "$work/obj"
work=$(cd "$work" && pwd)
log=$work/log/$piece.log
jobs=-j${ROMFS_MP_JOBS:-1}
case " ${MAKEFLAGS:-} " in
*jobserver*) [ -n "${ROMFS_MP_MAKE:-}" ] && jobs= ;; # the parent make's slots
esac
mp=$work/src
# A tarball extracted inside a git work tree (this project's build directory)
# must not take its version from that repository: git stops at WORK.
export GIT_CEILING_DIRECTORIES=$work

if [ "$piece" = source ]; then
    rm -rf "$work/src" "$work/src.tmp"
    if [ -d "$src_in" ]; then
        [ -f "$src_in/py/mpconfig.h" ] || { echo "ROMFS_MICROPYTHON=$src_in: not a MicroPython checkout (no py/mpconfig.h)" >&2; exit 1; }
        ln -s "$(cd "$src_in" && pwd)" "$work/src"
    else
        [ -f "$src_in" ] || { echo "ROMFS_MICROPYTHON=$src_in: no such file or directory" >&2; exit 1; }
        mkdir "$work/src.tmp"
        tar -xJf "$src_in" -C "$work/src.tmp"
        top=$(ls "$work/src.tmp")
        [ "$(echo "$top" | wc -l)" = 1 ] && [ -f "$work/src.tmp/$top/py/mpconfig.h" ] \
            || { echo "ROMFS_MICROPYTHON=$src_in: not a MicroPython source tarball" >&2; exit 1; }
        mv "$work/src.tmp/$top" "$work/src"
        rmdir "$work/src.tmp"
    fi
    exit 0
fi

obj=$work/obj/$piece
unix_flags=(VARIANT=standard FROZEN_MANIFEST= MICROPY_STANDALONE=0 MICROPY_USE_READLINE=1
            MICROPY_PY_BTREE=0 MICROPY_PY_SSL=0 MICROPY_PY_FFI=0)
# The last line of the log: the piece's wall and CPU seconds.
TIMEFORMAT="build-mp: $piece wall %R s, user %U s, sys %S s"
run() {
    echo "+ $*" >> "$log"
    local ok=0
    { time "$@" >> "$log" 2>&1 || ok=$?; } 2>>"$log"
    if [ "$ok" -ne 0 ]; then
        echo "build-mp.sh: building MicroPython's $piece failed; the end of $log:" >&2
        tail -n 30 "$log" >&2
        exit 1
    fi
}
: > "$log"
case $piece in
mpy-cross)
    run make -C "$mp/mpy-cross" $jobs BUILD="$obj"
    out=$obj/mpy-cross; name=mpy-cross ;;
unix)
    run make -C "$mp/ports/unix" $jobs BUILD="$obj" "${unix_flags[@]}"
    out=$obj/micropython; name=micropython ;;
unix-safe)
    : "${root:?unix-safe needs ROMFS_ROOT}"
    # Before the module moved to port/micropython/vfsrom/, its objects went
    # to $obj/micropython/, the path the program now links to: a build
    # directory from then would fail to link. Those objects are stale anyway.
    [ -d "$obj/micropython" ] && rm -rf "$obj/micropython"
    run make -C "$mp/ports/unix" $jobs BUILD="$obj" "${unix_flags[@]}" \
        VARIANT_DIR="$root/tests/micropython/romboard/variant" \
        USER_C_MODULES="$root/port/micropython $root/tests/micropython/romboard $root/tests/micropython/upstream"
    out=$obj/micropython; name=micropython-safe ;;
m3|m3-safe)
    extra=()
    [ "$piece" = m3-safe ] && extra=(USER_C_MODULES="${root:?m3-safe needs ROMFS_ROOT}/port/micropython $root/tests/micropython/romboard")
    run make -C "$mp/ports/qemu" $jobs BOARD=MPS2_AN385 BUILD="$obj" FROZEN_MANIFEST= "${extra[@]}"
    out=$obj/firmware.elf; name=firmware-$piece.elf ;;
rv32)
    libgcc=$(riscv64-unknown-elf-gcc -march=rv32imac -mabi=ilp32 -print-libgcc-file-name)
    run make -C "$mp/ports/qemu" $jobs BOARD=VIRT_RV32 BUILD="$obj" FROZEN_MANIFEST= LIBS="$libgcc"
    out=$obj/firmware.elf; name=firmware-rv32.elf ;;
*)
    echo "build-mp.sh: unknown piece $piece" >&2; exit 2 ;;
esac
# The firmware's link map (bench/mp_firmware_bench.py sums objects' sizes).
case $piece in m3*) cp "$obj/firmware.map" "$work/bin/${name%.elf}.map" ;; esac
cp "$out" "$work/bin/$name.tmp"
mv "$work/bin/$name.tmp" "$work/bin/$name"
