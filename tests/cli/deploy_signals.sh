#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGINT, SIGTERM and SIGHUP in the middle of a deploy: the emulated board
# hangs after K flash operations (--hold-after K FILE), the test signals
# romfs while it waits for the board. romfs dies of the signal (128+N),
# says in one line that the partition holds the old image, the new one, or
# nothing that mounts, leaves no temporary file in TMPDIR or the cache, and
# the partition is indeed one of those; the next deploy finishes the job.
. "$(dirname "$0")/lib-deploy.sh"
# Job control: background jobs of a script otherwise start with SIGINT
# ignored, which romfs (rightly) keeps ignoring.
set -m

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4; do head -c 1500 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
P=$TMP/p.bin
GEOM="--size 16384 --block-size 1024"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
keep_old

# The new tree: one file changes in place, one grows, one is added.
printf 'X' | dd of="$A/m1.py" bs=1 seek=10 conv=notrunc 2>/dev/null
head -c 2500 /dev/zero | tr '\0' g >"$A/m3.py"
printf 'NEW = 1\n' >"$A/n.py"
# How many flash operations the deploy of the edit takes, and its image.
restore
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --stats "$TMP/stats.json")" "$A"
ops=$(($(json "$TMP/stats.json" erases) + $(json "$TMP/stats.json" programs)))
new=$TMP/new.romfs
cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$new"
cmp -s "$old" "$new" && bad "the edit did not change the image"
[ "$ops" -ge 4 ] || bad "the deploy took only $ops flash operations"
[ "$(state "$P" "$old" "$new")" = new ] || bad "the uninterrupted deploy did not give the new image"

export TMPDIR=$TMP/tmpdir
# Anything left in TMPDIR, or a temporary file in the cache.
debris() {
    find "$TMPDIR" -mindepth 1
    find "$XDG_CACHE_HOME" -name '*.tmp-*'
}

# At the first operation, in the middle and at the last (the commit).
points="1 $((ops / 2)) $ops"
for sig in INT TERM HUP; do
    for k in $points; do
        restore
        rm -rf "$TMPDIR" "$TMP/held"
        mkdir -p "$TMPDIR"
        "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --hold-after "$k" "$TMP/held")" "$A" >/dev/null 2>"$ERR" &
        pid=$!
        for _ in $(seq 1 1000); do
            [ -e "$TMP/held" ] && break
            kill -0 $pid 2>/dev/null || break
            sleep 0.02
        done
        if [ ! -e "$TMP/held" ]; then
            bad "$sig at $k: the board never reached operation $k: $(cat "$ERR")"
            wait $pid
            continue
        fi
        kill -"$sig" $pid
        wait $pid 2>/dev/null
        status=$?
        want=$((128 + $(kill -l "$sig")))
        [ "$status" = "$want" ] || bad "$sig at $k: status $status, expected $want"
        [ "$(wc -l <"$ERR")" = 1 ] || bad "$sig at $k: not one line on stderr: $(cat "$ERR")"
        grep -q "deploy to .* interrupted (SIG$sig): the partition holds the old image, the new one, or nothing that mounts" "$ERR" ||
            bad "$sig at $k: does not say what the partition holds: $(cat "$ERR")"
        ! grep -qE 'Sanitizer|runtime error' "$ERR" || bad "$sig at $k: sanitizer report: $(cat "$ERR")"
        [ -z "$(debris)" ] || bad "$sig at $k: temporary files left: $(debris)"
        s=$(state "$P" "$old" "$new")
        case "$s" in old | new | none) ;; *) bad "$sig at $k: the partition holds $s" ;; esac
        # The board process is gone with its host.
        for _ in $(seq 1 100); do pgrep -f -- "--hold-after $k $TMP/held" >/dev/null || break; sleep 0.05; done
        pgrep -f -- "--hold-after $k $TMP/held" >/dev/null && bad "$sig at $k: the board process outlived romfs"
        # The next deploy finishes the job.
        run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
        [ "$rc" = 0 ] || bad "$sig at $k: the deploy after the signal failed: $(cat "$ERR")"
        [ "$(state "$P" "$old" "$new")" = new ] || bad "$sig at $k: the deploy after the signal did not give the new image"
        echo "$sig at operation $k of $ops: partition $s"
    done
done
# The host cache's own temporary files (the pending image, before the board
# is touched, and the new cache entry, after): ROMFS_TEST_STOP_AT=N stops
# romfs right after its Nth temporary file appears; each signal there must
# remove it, keep the old cache entry and end with 128+N.
for sig in INT TERM HUP; do
    for n in 1 2; do
        restore
        ROMFS_TEST_STOP_AT=$n "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A" >/dev/null 2>"$ERR" &
        pid=$!
        if ! wait_stopped $pid; then
            bad "cache $sig at $n: romfs did not stop: $(cat "$ERR")"
            wait $pid
            continue
        fi
        [ -n "$(find "$XDG_CACHE_HOME" -name '*.tmp-*')" ] || bad "cache $sig at $n: no temporary file while stopped"
        signal_stopped "$sig" $pid
        want=$((128 + $(kill -l "$sig")))
        [ "$rc" = "$want" ] || bad "cache $sig at $n: status $rc, expected $want"
        [ -z "$(find "$XDG_CACHE_HOME" -name '*.tmp-*')" ] ||
            bad "cache $sig at $n: temporary file left: $(find "$XDG_CACHE_HOME" -name '*.tmp-*')"
        s=$(state "$P" "$old" "$new")
        case "$s" in old | new | none) ;; *) bad "cache $sig at $n: the partition holds $s" ;; esac
        run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
        [ "$rc" = 0 ] && [ "$(state "$P" "$old" "$new")" = new ] || bad "cache $sig at $n: the next deploy did not finish"
        echo "$sig at cache file $n: partition $s"
    done
done
exit $((FAILS > 0))
