#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every library source file has its unit test file (issue 16):
# src/<lib>/<module>.c -> tests/unit/test_<module>.c, a cmocka program
# with at least one test and one assertion. Two names are shared: the
# platform layer's per-OS files (platform_*.c) are one interface tested by
# test_platform.c (also run on the portable POSIX build, posix.unit.*), and
# serial_win32.c is serial.c's interface on Windows (test_serial.c here,
# win.com under wine). A board module named like a host one
# (src/board/build.c) is test_board_<module>.c.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SRC" || exit 1
# Sources still without their test file, each named; to be emptied.
PENDING=""
n=0
for f in src/*/*.c; do
    case " $PENDING " in *" $f "*) echo "pending: $f has no unit test file yet"; continue ;; esac
    lib=$(basename "$(dirname "$f")")
    m=$(basename "$f" .c)
    case $m in
    platform_*) m=platform ;;
    serial_win32) m=serial ;;
    esac
    if [ "$lib" = board ] && [ -f "src/host/$(basename "$f")" ]; then
        m=board_$m
    fi
    t=tests/unit/test_$m.c
    n=$((n + 1))
    if [ ! -f "$t" ]; then
        bad "$f has no unit test file ($t)"
        continue
    fi
    grep -q 'cmocka_unit_test' "$t" && grep -qE '\bassert_[a-z_]+\(' "$t" || bad "$t runs no cmocka test with an assertion"
done
[ "$n" -gt 30 ] || die "only $n library sources found: the scan is broken"
[ "$FAILS" -eq 0 ] && echo "unit_files: all $n library sources have their tests/unit/test_<module>.c"
finish
