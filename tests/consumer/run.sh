#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh MODE SRC WORK CC: one consumer test (see CMakeLists.txt here).
set -euo pipefail
mode=$1 src=$2 work=$3 cc=$4
here=$(cd "$(dirname "$0")" && pwd)
prefix=$(dirname "$work")/stage   # shared by find_package and pkg_config
step() { echo "consumer.$mode: $*"; }
TEST_NAME=consumer.$mode
. "$here/../lib.sh"
rm -rf "$work"
mkdir -p "$work"
cmake_q() { cmake "$@" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; die "cmake $*"; }; }

# A parent project with its own src/ (which a glob in romfs must not pick up)
# using romfs::host and romfs::device, with PkgConfig unavailable: the
# libraries must not need libserialport (only the command does).
parent_project() { # DIR HOW
    mkdir -p "$1/src"
    cp "$here/consumer.c" "$here/reader_only.c" "$1/"
    echo 'int parent_broken(void) { return } /* must never be compiled */' > "$1/src/broken.c"
    cat > "$1/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(parent C)
$2
foreach(t romfs_cli romfs_test_support)
  if(TARGET \${t})
    message(FATAL_ERROR "\${t} built in a subproject (ROMFS_BUILD_CLI/TESTS default OFF)")
  endif()
endforeach()
# As a subproject romfs forces no -Werror (nor any flag) on anyone.
if(TARGET romfs_reader)
  foreach(t romfs_reader romfs_device romfs_host)
    get_target_property(o \${t} COMPILE_OPTIONS)
    get_target_property(d \${t} SOURCE_DIR)
    get_directory_property(od DIRECTORY \${d} COMPILE_OPTIONS)
    if("\${o};\${od}" MATCHES "Werror")
      message(FATAL_ERROR "\${t} is compiled with -Werror in a subproject: \${o};\${od}")
    endif()
  endforeach()
endif()
if(NOT ROMFS_DEVICE_SOURCES)
  message(FATAL_ERROR "ROMFS_DEVICE_SOURCES not exported to the parent")
endif()
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE romfs::host)
add_executable(reader_only reader_only.c)
target_link_libraries(reader_only PRIVATE romfs::reader)
CM
}

case $mode in
add_subdirectory)
    parent_project "$work/sub" "add_subdirectory(\"$src\" romfs)"
    step "add_subdirectory"
    cmake_q -S "$work/sub" -B "$work/sub/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
    cmake --build "$work/sub/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build"; }
    "$work/sub/build/consumer" && "$work/sub/build/reader_only" || die "run"
    parent_project "$work/fc" "include(FetchContent)
FetchContent_Declare(romfs SOURCE_DIR \"$src\")
FetchContent_MakeAvailable(romfs)"
    step "FetchContent"
    cmake_q -S "$work/fc" -B "$work/fc/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON
    cmake --build "$work/fc/build" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build"; }
    "$work/fc/build/consumer" || die "run"
    ;;
find_package)
    # romfs with its command (no tests), installed to a staging prefix that
    # consumer.pkg_config and consumer.install_cli use too.
    step "install to $prefix"
    rm -rf "$prefix"
    # Configured as README says (no ROMFS_BUILD_TESTS): the tests are off by default.
    cmake_q -S "$src" -B "$work/romfs" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_INSTALL_PREFIX="$prefix"
    ! grep -q "^ROMFS_BUILD_TESTS:BOOL=ON" "$work/romfs/CMakeCache.txt" && [ ! -e "$work/romfs/tests" ] \
        || die "a plain configure builds the tests (ROMFS_BUILD_TESTS must default to OFF)"
    cmake --build "$work/romfs" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build romfs"; }
    cmake --install "$work/romfs" >"$work/install.log" 2>&1 || { cat "$work/install.log"; die "install"; }
    for f in include/romfs/romfs.h include/romfs/romfs_export.h include/romfs/romfs_board.h lib/libromfs_reader.a \
             lib/libromfs_board.a lib/pkgconfig/romfs-board.pc lib/cmake/romfs/romfsConfig.cmake \
             lib/cmake/romfs/romfsConfigVersion.cmake lib/pkgconfig/romfs.pc lib/pkgconfig/romfs-reader.pc; do
        [ -e "$prefix/$f" ] || die "not installed: $f"
    done
    parent_project "$work/fp" "find_package(romfs 0.1 REQUIRED)
if(NOT TARGET romfs::reader OR NOT TARGET romfs::device OR NOT TARGET romfs::host)
  message(FATAL_ERROR \"romfs:: targets missing\")
endif()
set(ROMFS_DEVICE_SOURCES installed)"
    step "find_package"
    cmake_q -S "$work/fp" -B "$work/fp/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix"
    cmake --build "$work/fp/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build"; }
    "$work/fp/build/consumer" || die "run"
    # Installed headers refer only to installed files (headers, share/doc/romfs).
    step "installed headers refer only to installed files"
    for h in "$prefix"/include/romfs/*.h; do
        for ref in $(grep -o '[A-Za-z0-9_./-]*\.\(md\|h\)\b' "$h" | sort -u); do
            case $ref in
            std*.h|string.h|signal.h|sys/types.h) ;;
            *.md) [ -e "$prefix/share/doc/romfs/$(basename "$ref")" ] || die "$(basename "$h") refers to $ref, not installed" ;;
            *) [ -e "$prefix/include/$ref" ] || [ -e "$prefix/include/romfs/$ref" ] \
                   || die "$(basename "$h") refers to $ref, not installed" ;;
            esac
        done
    done
    # Components: each alone, and reader-only without zlib at all.
    comps="reader device host"
    [ ! -e "$prefix/include/romfs/romfs_board.h" ] || comps="$comps board"
    for comp in $comps; do
        step "find_package(romfs COMPONENTS $comp)"
        mkdir -p "$work/comp_$comp"
        cp "$here/reader_only.c" "$here/consumer.c" "$here/board_only.c" "$work/comp_$comp/"
        app=reader_only.c; [ "$comp" = host ] && app=consumer.c; [ "$comp" = board ] && app=board_only.c
        cat > "$work/comp_$comp/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(comp C)
find_package(romfs REQUIRED COMPONENTS $comp)
if(NOT romfs_FOUND OR NOT romfs_${comp}_FOUND OR NOT TARGET romfs::$comp)
  message(FATAL_ERROR "romfs COMPONENTS $comp: not found")
endif()
add_executable(app $app)
target_link_libraries(app PRIVATE romfs::$comp)
CM
        cmake_q -S "$work/comp_$comp" -B "$work/comp_$comp/build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix"
        cmake --build "$work/comp_$comp/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build ($comp)"; }
        "$work/comp_$comp/build/app" || die "run ($comp)"
    done
    step "find_package(romfs COMPONENTS reader) with zlib unavailable"
    cmake_q -S "$work/comp_reader" -B "$work/comp_reader/build-nozlib" -DCMAKE_C_COMPILER="$cc" \
        -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON
    cmake --build "$work/comp_reader/build-nozlib" >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build (reader, no zlib)"; }
    sed -i 's/COMPONENTS reader)/COMPONENTS reader nosuch)/' "$work/comp_reader/CMakeLists.txt"
    if cmake -S "$work/comp_reader" -B "$work/comp_reader/build-nosuch" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
        die "find_package(romfs REQUIRED COMPONENTS nosuch) succeeded"
    fi
    # The mount table's sizes are the library's: compiling against it with
    # another ROMFS_VFS_MAX_MOUNTS is an error, not a misread table.
    step "-DROMFS_VFS_MAX_MOUNTS=8 against the installed library"
    if "$cc" -std=c11 -DROMFS_VFS_MAX_MOUNTS=8 -I"$prefix/include" -c "$here/consumer.c" -o "$work/mm.o" 2> "$work/mm.log"; then
        die "compiled with -DROMFS_VFS_MAX_MOUNTS=8 against a library built with $(sed -n 's/^#define ROMFS_VFS_MAX_MOUNTS //p' "$prefix/include/romfs/romfs_config.h")"
    fi
    grep -q "ROMFS_VFS_MAX_MOUNTS differs from the library's (4)" "$work/mm.log" || { cat "$work/mm.log"; die "not the mismatch error"; }
    echo "  $(grep -m1 -o 'error: .*' "$work/mm.log")"
    "$cc" -std=c11 -DROMFS_VFS_MAX_MOUNTS=4 -I"$prefix/include" -c "$here/consumer.c" -o "$work/mm.o" \
        || die "the library's own value refused"
    # A version that is not ours is refused.
    sed -i 's/find_package(romfs 0.1 REQUIRED)/find_package(romfs 99.0 REQUIRED)/' "$work/fp/CMakeLists.txt"
    if cmake -S "$work/fp" -B "$work/fp/build99" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
        die "find_package(romfs 99.0) accepted version $(sed -n 's/.*PACKAGE_VERSION "\(.*\)".*/\1/p' "$prefix/lib/cmake/romfs/romfsConfigVersion.cmake" | head -1)"
    fi
    ;;
pkg_config)
    [ -e "$prefix/lib/pkgconfig/romfs.pc" ] || die "no staging prefix (consumer.find_package runs first)"
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    step "cc \$(pkg-config --cflags --libs romfs)"
    # shellcheck disable=SC2046
    "$cc" -std=c11 -Wall -Werror -o "$work/consumer" "$here/consumer.c" $(pkg-config --cflags --libs romfs) \
        || die "compile with romfs.pc"
    "$work/consumer" || die "run"
    step "cc \$(pkg-config --cflags --libs romfs-reader) (-lromfs_reader alone)"
    [ "$(pkg-config --libs romfs-reader | tr ' ' '\n' | grep -c '^-l')" = 1 ] || die "romfs-reader.pc links more than the reader"
    # shellcheck disable=SC2046
    "$cc" -std=c11 -Wall -Werror -o "$work/reader_only" "$here/reader_only.c" $(pkg-config --cflags --libs romfs-reader) \
        || die "compile with romfs-reader.pc"
    "$work/reader_only" || die "run"
    [ "$(pkg-config --modversion romfs)" = "$(sed -n 's/^#define ROMFS_VERSION_STRING "\(.*\)"/\1/p' "$src/include/romfs/romfs.h")" ] \
        || die "romfs.pc version differs from romfs.h"
    ;;
shared)
    step "BUILD_SHARED_LIBS=ON"
    cmake_q -S "$src" -B "$work/romfs" -DCMAKE_C_COMPILER="$cc" -DBUILD_SHARED_LIBS=ON -DROMFS_BUILD_CLI=OFF \
        -DROMFS_BUILD_TESTS=OFF -DROMFS_INSTALL=ON -DCMAKE_INSTALL_PREFIX="$work/prefix"
    cmake --build "$work/romfs" -j2 >"$work/build.log" 2>&1 || { cat "$work/build.log"; die "build romfs"; }
    cmake --install "$work/romfs" >/dev/null
    lib=$work/prefix/lib
    libs="reader device host"
    [ -e "$lib/libromfs_board.so" ] && libs="$libs board"
    for t in $libs; do
        so=$(readlink -f "$lib/libromfs_$t.so")
        soname=$(objdump -p "$so" | awk '/SONAME/ {print $2}')
        [[ $soname == libromfs_$t.so.* ]] || die "libromfs_$t.so has SONAME '$soname'"
        [ -e "$lib/$soname" ] || die "$soname not installed"
        # Every exported function is declared in a public header.
        nm -D --defined-only "$so" | awk '$2 == "T" {print $3}' | sort > "$work/$t.syms"
        [ -s "$work/$t.syms" ] || die "libromfs_$t.so exports nothing"
        while read -r sym; do
            grep -qw "$sym" "$src"/include/romfs/*.h || die "libromfs_$t.so exports $sym, not in include/romfs/"
        done < "$work/$t.syms"
        echo "  libromfs_$t.so: SONAME $soname, $(wc -l < "$work/$t.syms") functions exported"
    done
    grep -qx romfs_version "$work/reader.syms" || die "romfs_version not in libromfs_reader.so"
    export PKG_CONFIG_PATH="$lib/pkgconfig"
    # shellcheck disable=SC2046
    "$cc" -std=c11 -Wall -Werror -o "$work/consumer" "$here/consumer.c" $(pkg-config --cflags --libs romfs) \
        -Wl,-rpath,"$lib" || die "link against the shared libraries"
    "$work/consumer" || die "run"
    ldd "$work/consumer" | grep "libromfs_host.so" >/dev/null || die "not linked dynamically"
    ;;
install_cli)
    # The command installed elsewhere finds its emulated board at
    # BINDIR/../share/romfs/board (not the source tree), with the man pages
    # and completions beside it.
    [ -x "$prefix/bin/romfs" ] || die "no staging prefix (consumer.find_package runs first)"
    cp -a "$prefix" "$work/prefix"
    p=$work/prefix
    for f in bin/romfs share/romfs/board/emulator.mjs share/romfs/board/flash.mjs \
             share/bash-completion/completions/romfs share/zsh/site-functions/_romfs; do
        [ -e "$p/$f" ] || die "not installed: $f"
    done
    if command -v scdoc >/dev/null; then
        for c in romfs romfs-build romfs-mount; do [ -s "$p/share/man/man1/$c.1" ] || die "man page $c.1 not installed"; done
    fi
    [ -e "$p/share/romfs/node_modules/@micropython/micropython-webassembly-pyscript/package.json" ] \
        || [ ! -e "$src/node_modules/@micropython" ] || die "MicroPython for the emulated board not installed"
    for f in share/romfs/board/standin.py share/doc/romfs/LICENSE; do
        [ -e "$p/$f" ] || die "not installed: $f"
    done
    # Move the installed tree and the source tree's board out of reach: the
    # binary must find its own share/romfs/board, complete, relative to
    # itself, and run it from another directory (the real emulator, real
    # MicroPython: a deploy, a query and a run).
    mv "$p" "$work/moved"
    p=$work/moved
    unset ROMFS_BOARD_CMD ROMFS_DEVICE
    export ROMFS_BOARD_DIR=$work/boarddir
    mkdir -p "$work/elsewhere/app"
    printf 'print("installed board ok")\n' > "$work/elsewhere/app/hello.py"
    ( cd "$work/elsewhere" && env -u NODE_PATH "$p/bin/romfs" deploy -d emulated --no-mpy app ) > "$work/deploy.log" 2>&1 \
        || { cat "$work/deploy.log"; die "romfs deploy -d emulated from the moved install"; }
    ( cd "$work/elsewhere" && "$p/bin/romfs" query -d emulated ) > "$work/query.log" 2>&1 \
        || { cat "$work/query.log"; die "romfs query -d emulated from the moved install"; }
    grep -q "ROMFS0 partition" "$work/query.log" || { cat "$work/query.log"; die "query printed no partition"; }
    ( cd "$work/elsewhere" && "$p/bin/romfs" run -d emulated hello ) > "$work/run.log" 2>&1 \
        || { cat "$work/run.log"; die "romfs run -d emulated hello from the moved install"; }
    grep -q "installed board ok" "$work/run.log" || { cat "$work/run.log"; die "run printed no output"; }
    # Without Node.js: one line saying what is needed and where to get it.
    mkdir -p "$work/nonode"
    for t in sh env; do ln -sf "$(command -v $t)" "$work/nonode/$t"; done
    if PATH=$work/nonode "$p/bin/romfs" query -d emulated > "$work/nonode.log" 2>&1; then
        die "query -d emulated without node succeeded"
    fi
    [ "$(wc -l < "$work/nonode.log")" = 1 ] && grep -q "needs Node.js >= 18.*apt-get install nodejs" "$work/nonode.log" \
        || { cat "$work/nonode.log"; die "without node: not the one-line message"; }
    "$p/bin/romfs" -V | grep "^romfs " >/dev/null || die "installed romfs -V"
    ;;
firmware_example)
    # examples/firmware/app.c with the reader and device sources, for a
    # Cortex-M4, linked: what README's firmware section shows.
    arm=${ARM_CC:-arm-none-eabi-gcc}
    command -v "$arm" >/dev/null || prereq "$arm not found (gcc-arm-none-eabi)"
    step "$arm -mcpu=cortex-m4 examples/firmware/app.c + romfs::reader + romfs::device sources"
    "$arm" -mcpu=cortex-m4 -mthumb -Os -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
        -ffreestanding -ffunction-sections -fdata-sections -I"$src/include" \
        "$src/examples/firmware/app.c" $ROMFS_FIRMWARE_SOURCES \
        --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections -o "$work/app.elf" 2> "$work/cc.log" \
        || { cat "$work/cc.log"; die "cross-compile"; }
    nm=${arm%gcc}nm
    "$nm" "$work/app.elf" > "$work/syms"
    grep -q ' T romfs_vfs_mount$' "$work/syms" || die "romfs_vfs_mount not linked"
    ! grep -qE ' (malloc|_malloc_r|printf|fwrite)$' "$work/syms" || die "an allocator or stdio got linked"
    ;;
*) die "unknown mode" ;;
esac
step ok
