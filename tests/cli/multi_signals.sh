#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A signal in the middle of a deploy to several boards at once (one thread
# per board, cli/multi.c): romfs dies of it (128+N), says for every board
# it was deploying what its partition may hold, leaves no temporary file in
# TMPDIR or the cache, and the next deploy finishes the job on both.
. "$(dirname "$0")/lib-deploy.sh"
set -m   # background jobs keep SIGINT (romfs keeps an ignored signal ignored)
export ROMFS_TIMEOUT_MS=60000

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4; do head -c 1500 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
GEOM="--size 16384 --block-size 1024"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$TMP/p1.bin" $GEOM)" -d "$(dev "$TMP/p2.bin" $GEOM)" "$A"
printf 'X' | dd of="$A/m1.py" bs=1 seek=10 conv=notrunc 2>/dev/null
head -c 2500 /dev/zero | tr '\0' g >"$A/m3.py"

export TMPDIR=$TMP/tmpdir
debris() {
    find "$TMPDIR" -mindepth 1
    find "$XDG_CACHE_HOME" -name '*.tmp-*'
}
# The next deploy to both finishes the job: each partition holds the tree.
finishes() {
    run "$ROMFS" deploy --no-mpy -q -d "$(dev "$TMP/p1.bin" $GEOM)" -d "$(dev "$TMP/p2.bin" $GEOM)" "$A"
    [ "$rc" = 0 ] || bad "$1: the deploy after the signal failed: $(cat "$OUT" "$ERR")"
    rm -rf "$TMP/ref" && "$ROMFS" build --no-mpy -q -o "$TMP/ref.romfs" "$A" && "$ROMFS" extract "$TMP/ref.romfs" "$TMP/ref" >/dev/null
    for n in 1 2; do
        rm -rf "$TMP/x$n"
        "$ROMFS" extract "$TMP/p$n.bin" "$TMP/x$n" >/dev/null 2>&1 && diff -r "$TMP/ref" "$TMP/x$n" >/dev/null ||
            bad "$1: board $n does not hold the tree after the next deploy"
    done
}

# Both boards hang after their second flash operation; SIGINT then.
rm -rf "$TMPDIR" "$TMP"/held*
mkdir -p "$TMPDIR"
"$ROMFS" deploy --no-mpy -q -d "$(dev "$TMP/p1.bin" $GEOM --hold-after 2 "$TMP/held1")" \
    -d "$(dev "$TMP/p2.bin" $GEOM --hold-after 2 "$TMP/held2")" "$A" >"$OUT" 2>"$ERR" &
pid=$!
for _ in $(seq 1 1500); do
    [ -e "$TMP/held1" ] && [ -e "$TMP/held2" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
done
if [ -e "$TMP/held1" ] && [ -e "$TMP/held2" ]; then
    kill -INT $pid
    wait $pid 2>/dev/null
    status=$?
    [ "$status" = 130 ] || bad "SIGINT: status $status, expected 130: $(cat "$ERR")"
    for n in 1 2; do
        grep -q "deploy to .*p$n.bin.* interrupted (SIGINT): the partition holds the old image, the new one, or nothing that mounts" "$ERR" ||
            bad "SIGINT: does not say what board $n's partition holds: $(cat "$ERR")"
    done
    ! grep -qE 'Sanitizer|runtime error' "$ERR" || bad "SIGINT: sanitizer report: $(cat "$ERR")"
    [ -z "$(debris)" ] || bad "SIGINT: temporary files left: $(debris)"
    for _ in $(seq 1 100); do pgrep -f -- "--hold-after 2 $TMP/held" >/dev/null || break; sleep 0.05; done
    pgrep -f -- "--hold-after 2 $TMP/held" >/dev/null && bad "SIGINT: a board process outlived romfs"
    finishes SIGINT
else
    bad "the boards never reached their second operation: $(cat "$ERR")"
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
fi

# A board thread stopped right after a cache file appeared (its first
# temporary file): SIGTERM removes it, whichever thread registered it.
printf 'Y = 2\n' >"$A/n.py"
rm -rf "$TMPDIR"
mkdir -p "$TMPDIR"
ROMFS_TEST_STOP_AT=1 "$ROMFS" deploy --no-mpy -q -d "$(dev "$TMP/p1.bin" $GEOM)" -d "$(dev "$TMP/p2.bin" $GEOM)" "$A" \
    >/dev/null 2>"$ERR" &
pid=$!
if wait_stopped $pid; then
    [ -n "$(find "$XDG_CACHE_HOME" -name '*.tmp-*')" ] || bad "cache: no temporary file while stopped"
    signal_stopped TERM $pid
    [ "$rc" = 143 ] || bad "cache SIGTERM: status $rc, expected 143: $(cat "$ERR")"
    [ -z "$(debris)" ] || bad "cache SIGTERM: temporary files left: $(debris)"
    finishes "cache SIGTERM"
else
    bad "cache: romfs did not stop: $(cat "$ERR")"
    wait $pid
fi
finish
