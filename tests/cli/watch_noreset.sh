#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boards whose soft reset ends the session (the unix port, exec: boards
# like it; here the emulated board with --reset-exits): run and watch say
# so and suggest --no-reset; run --no-reset imports from /rom; watch
# --no-reset deploys, re-mounts /rom (the deploy unmounted it) and imports
# the new code on every change, the changed helper module included.
. "$(dirname "$0")/lib-deploy.sh"
export ROMFS_TIMEOUT_MS=60000
# No step may hang the suite: each command is bounded (exit 124 names it).
BOUND="timeout -k 5 120"
A=$TMP/app
mkdir -p "$A/lib"
printf 'import helper\nprint("app v1", helper.N)\n' >"$A/app.py"
printf 'N = 1\n' >"$A/lib/helper.py"
P=$TMP/p.bin
DEV=$(dev "$P" --reset-exits)
expect 0 $BOUND "$ROMFS" deploy --no-mpy -q -d "$DEV" "$A"

# run: the reset ends the session: say so, suggest --no-reset.
expect 1 $BOUND "$ROMFS" run -d "$DEV" app
err_has "soft reset ended the session"
err_has "--no-reset"
expect 0 $BOUND "$ROMFS" run --no-reset -d "$DEV" app
out_has "app v1 1"

# watch without --no-reset: the same advice, once per cycle at most.
timeout -k 5 60 "$ROMFS" watch --no-mpy --debounce 100 -d "$DEV" --run app "$A" >"$TMP/r.out" 2>"$TMP/r.err" &
W=$!
for _ in $(seq 300); do grep -q -- "--no-reset" "$TMP/r.err" && break; sleep 0.1; done
grep -q "soft reset ended the session" "$TMP/r.err" || bad "watch: no word of the reset ending the session: $(cat "$TMP/r.err")"
grep -q -- "--no-reset" "$TMP/r.err" || bad "watch: --no-reset not suggested"
kill -INT $W 2>/dev/null
wait_exit $W 60

# watch --no-reset: each change deployed and imported afresh.
"$ROMFS" watch --no-mpy --no-reset --debounce 100 -d "$DEV" --run app "$A" >"$TMP/w.out" 2>"$TMP/w.err" &
W=$!
wait_for "$TMP/w.out" "app v1 1"
wait_for "$TMP/w.err" "app finished"
printf 'import helper\nprint("app v2", helper.N)\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v2 1"
wait_for "$TMP/w.err" "app finished"
printf 'N = 2\n' >"$A/lib/helper.py"
wait_for "$TMP/w.out" "app v2 2"
grep -q "disconnected\|reopening" "$TMP/w.err" && bad "watch --no-reset lost the board: $(cat "$TMP/w.err")"
kill -INT $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "watch --no-reset exited $rc after SIGINT"
finish
