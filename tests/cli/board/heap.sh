# SPDX-License-Identifier: MIT
# Board memory does not grow with the partition or the image: on a 4 MiB
# and a 16 MiB partition with a 64 KiB MicroPython heap, deploy (fresh,
# then incremental), query --verify and the image commands with -d (which
# read the whole image back) succeed, and the board's heap never had to grow
# past its 64 KiB. This build of MicroPython collects garbage only between
# statements, never inside one, so the heap staying within 64 KiB means no
# statement of ours allocated more than that in all, garbage included:
# stricter than a board, which collects when an allocation needs it.
# (Joining the CRCs of every block into one string made the heap grow to
# about 1 MiB on 16 MiB; reading 16 chunks of image per statement, to
# 260 KB.)
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/cache"
mkdir -p "$T/app/lib"
echo 'import lib.greet' >"$T/app/hello.py"
echo 'print("hello from a big partition")' >"$T/app/lib/greet.py"
# 96 KiB that do not compress: an image of 32 read chunks.
head -c 98304 /dev/urandom >"$T/app/blob.bin"
S="$T/stats.json"

# heap_ok WHAT: the board's heap never grew past its 64 KiB during WHAT
# (the emulator counts each time MicroPython had to add heap).
heap_ok() {
    local grew
    grew=$(sed -n 's/.*"heapGrowths":\([0-9]*\).*/\1/p' "$S" 2>/dev/null)
    [ -n "$grew" ] || { bad "$1: no heap report from the board"; return; }
    [ "$grew" -eq 0 ] || bad "$1: the board's heap had to grow past 64 KiB ($grew times)"
    rm -f "$S"
}

# Twice: with a heap that grows when it must (and the growth counted), and
# with --fixed-heap, where growing is refused and an allocation that does
# not fit is MemoryError: every command must still succeed.
for mode in counted fixed; do
for size in 4194304 16777216; do
    P="$T/p$mode$size.bin"
    extra=
    [ $mode = fixed ] && extra=--fixed-heap
    DEV="exec:node $(dirname "$0")/../../../board/emulator.mjs --partition $P --size $size --heap 65536 $extra --stats $S"
    what="$mode $size"
    "$ROMFS" deploy --no-mpy -q -d "$DEV" "$T/app" 2>"$T/err" || bad "$what: deploy: $(cat "$T/err")"
    heap_ok "$what: deploy"
    echo 'print("hello again")' >"$T/app/lib/greet.py"
    out=$("$ROMFS" deploy --no-mpy -d "$DEV" "$T/app" 2>&1) || bad "$what: second deploy: $out"
    expect_in "$out" "skipped" "$what: incremental deploy"
    heap_ok "$what: incremental deploy"
    out=$("$ROMFS" query --verify -d "$DEV" 2>&1) || bad "$what: query --verify: $out"
    expect_in "$out" "ROMFS0 partition has size $size bytes" "$what: query"
    expect_in "$out" "Image check: valid (3 files, 1 directories" "$what: query --verify"
    heap_ok "$what: query --verify"
    "$ROMFS" cat -d "$DEV" blob.bin >"$T/blob.out" 2>"$T/err" || bad "$what: cat -d: $(cat "$T/err")"
    cmp -s "$T/blob.out" "$T/app/blob.bin" || bad "$what: cat -d gave other bytes"
    heap_ok "$what: cat -d (the whole image read back)"
    "$ROMFS" ls -d "$DEV" lib >"$T/ls.out" 2>"$T/err" || bad "$what: ls -d: $(cat "$T/err")"
    grep -qx greet.py "$T/ls.out" || bad "$what: ls -d lib: $(cat "$T/ls.out")"
    heap_ok "$what: ls -d"
    echo 'print("hello from a big partition")' >"$T/app/lib/greet.py"
    rm -rf "$XDG_CACHE_HOME"
done
done
finish
