#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGINT, SIGTERM and SIGHUP while extract or build -o has a temporary file
# open: the temporary file is removed, the old output stays as it was, and
# the command dies of the signal (status 128+N). ROMFS_TEST_STOP_AT=N makes
# the command stop itself right after registering its Nth temporary file,
# so the signal arrives exactly while the debris exists.
. "$(dirname "$0")/lib-tools.sh"
# Job control: background jobs of a script otherwise start with SIGINT
# ignored, which romfs (rightly) keeps ignoring.
set -m

D=$G/doc_example.romfs
mkdir -p "$TMP/app/lib"
echo 'print(1)' >"$TMP/app/hello.py"
echo 'x = 2' >"$TMP/app/lib/m.py"

temps() { find "$1" -name '*.tmp-*' | wc -l; }

# signal_at SIG N DIR CMD...: start CMD stopped at its Nth temporary file,
# check the temporary file exists, send SIG, and check the status.
signal_at() {
    local sig=$1 n=$2 dir=$3 pid status
    shift 3
    ROMFS_TEST_STOP_AT=$n "$@" >/dev/null 2>"$ERR" &
    pid=$!
    if ! wait_stopped $pid; then
        bad "$sig at $n: $* did not stop"
        wait $pid
        return
    fi
    [ "$(temps "$dir")" = 1 ] || bad "$sig at $n: no temporary file while stopped: $*"
    kill -"$sig" $pid
    kill -CONT $pid
    # wait also returns (147) for the job's stop: wait again for its end.
    wait $pid
    status=$?
    while [ "$status" = 147 ]; do
        wait $pid
        status=$?
    done
    local want=$((128 + $(kill -l "$sig")))
    [ "$status" = "$want" ] || bad "$sig at $n: status $status, expected $want: $*"
    [ "$(temps "$dir")" = 0 ] || bad "$sig at $n: temporary file left: $(find "$dir" -name '*.tmp-*')"
    ! grep -qE 'Sanitizer|runtime error' "$ERR" || bad "sanitizer report: $(cat "$ERR")"
}

# extract -f over an earlier extract: at each of its 3 files, each
# signal; every file is either the old one or complete, none partial.
expect 0 "$ROMFS" extract "$D" "$TMP/ref"
for sig in INT TERM HUP; do
    for n in 1 2 3; do
        rm -rf "$TMP/x"
        mkdir -p "$TMP/x/lib"
        for f in main.py utils.py lib/helper.py; do echo old >"$TMP/x/$f"; done
        signal_at $sig $n "$TMP/x" "$ROMFS" extract -f "$D" "$TMP/x"
        for f in $(cd "$TMP/x" && find . -type f); do
            [ "$(cat "$TMP/x/$f")" = old ] || cmp -s "$TMP/x/$f" "$TMP/ref/$f" || bad "$sig at $n: $f is neither old nor new"
        done
    done
done

# build -o: the old image is untouched.
mkdir "$TMP/o"
expect 0 "$ROMFS" build --no-mpy -q -o "$TMP/o/app.romfs" "$TMP/app"
cp "$TMP/o/app.romfs" "$TMP/old.romfs"
echo 'print(2)' >"$TMP/app/hello.py"
for sig in INT TERM HUP; do
    signal_at $sig 1 "$TMP/o" "$ROMFS" build --no-mpy -q -o "$TMP/o/app.romfs" "$TMP/app"
    cmp -s "$TMP/o/app.romfs" "$TMP/old.romfs" || bad "$sig: build -o changed the old image"
done

# Waiting for its input (a FIFO held open by us, never written): dies of
# the signal, DIR is never created.
mkfifo "$TMP/fifo"
exec 3<>"$TMP/fifo"
for sig in INT TERM HUP; do
    "$ROMFS" extract "$TMP/fifo" "$TMP/never" 2>"$ERR" &
    pid=$!
    sleep 0.2
    kill -"$sig" $pid
    wait $pid
    status=$?
    [ "$status" = $((128 + $(kill -l $sig))) ] || bad "$sig while reading a FIFO: status $status"
    [ ! -e "$TMP/never" ] || bad "$sig while reading a FIFO: DIR created"
done
exec 3<&-
finish
