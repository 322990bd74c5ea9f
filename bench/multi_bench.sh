#!/bin/bash
# SPDX-License-Identifier: MIT
# Many boards: wall time to deploy one image (a generated 100-module app,
# --no-mpy) to 1, 2, 4 and 8 emulated boards at once (`romfs deploy -d A
# -d B ...`, one thread per board) against one after another. Every run
# starts from erased partitions and an empty cache, so each is a full deploy.
# A second table throttles what the host sends to 11 520 bytes/s (115 200
# baud, bench/throttle.mjs in front of each board) with a smaller app: the
# case of real boards, where a deploy waits on the link, not on the host.
# usage: bench/multi_bench.sh [path/to/romfs] [MODULES=100] [SLOW_MODULES=20]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(dirname "$HERE")}
ROMFS=${1:-${ROMFS:-$SRC/build/romfs}}
MODULES=${2:-100}
SLOW_MODULES=${3:-20}
[ -x "$ROMFS" ] || { echo "no romfs binary at $ROMFS" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
A=$TMP/app
EMU="node $SRC/board/emulator.mjs --size 1048576"
dev() {
    if [ -n "${SLOW:-}" ]; then
        echo "exec:sh -c 'node $HERE/throttle.mjs 11520 | exec $EMU --partition $TMP/p$1.bin'"
    else
        echo "exec:$EMU --partition $TMP/p$1.bin"
    fi
}
export ROMFS_TIMEOUT_MS=${ROMFS_TIMEOUT_MS:-120000}   # 8 emulators starting at once on a small machine
fresh() { rm -rf "$TMP"/p*.bin "$TMP/cache"; export XDG_CACHE_HOME=$TMP/cache; }
now() { date +%s.%N; }

table() {
    size=$("$ROMFS" build --no-mpy -q -o - "$A" | wc -c)
    echo "image: $size bytes ($(find "$A" -name '*.py' | wc -l) files, --no-mpy)${SLOW:+, host->board link 11520 bytes/s}; $(nproc) CPUs"
    printf '%-7s %12s %12s %8s\n' boards "parallel" "sequential" "speed-up"
    for n in 1 2 4 8; do
        fresh
        args=()
        for i in $(seq 1 "$n"); do args+=(-d "$(dev "$i")"); done
        [ "$n" = 1 ] && args+=(-q)
        t0=$(now)
        "$ROMFS" deploy --no-mpy "${args[@]}" "$A" >"$TMP/par.out" 2>&1 || { echo "parallel deploy failed:"; cat "$TMP/par.out"; exit 1; }
        t1=$(now)
        fresh
        for i in $(seq 1 "$n"); do
            "$ROMFS" deploy --no-mpy -q -d "$(dev "$i")" "$A" >"$TMP/seq.out" 2>&1 || { echo "deploy failed:"; cat "$TMP/seq.out"; exit 1; }
        done
        t2=$(now)
        awk -v n="$n" -v p="$(echo "$t1 - $t0" | bc)" -v s="$(echo "$t2 - $t1" | bc)" \
            'BEGIN { printf "%-7s %11.2fs %11.2fs %7.2fx\n", n, p, s, s / p }'
    done
}
node "$HERE/gen-app.mjs" "$A" "$MODULES"
table
rm -rf "$A"
node "$HERE/gen-app.mjs" "$A" "$SLOW_MODULES"
SLOW=1 table
