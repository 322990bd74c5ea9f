#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs watch against the emulated board: the initial deploy and the run's
# output, an edit giving new output (without asking the board for the CRCs
# of blocks the session wrote itself), a syntax error reported while the
# watch goes on, a file in a new subdirectory picked up, a build failure,
# a board process that dies and is reopened, and SIGINT ending the watch
# with status 0 and the board back in its friendly REPL.
. "$(dirname "$0")/lib-deploy.sh"
# Boards start slowly on a loaded machine (the emulator boots WebAssembly).
export ROMFS_TIMEOUT_MS=60000

A=$TMP/app
mkdir -p "$A/lib"
printf 'import helper\nprint("app v1", helper.N)\n' >"$A/app.py"
printf 'N = 7\n' >"$A/lib/helper.py"
# Every byte the host sends goes through tee into a log; the shell's pid is
# kept so the test can kill the board process.
wrap() {
    printf "exec:sh -c 'echo \$\$ >%s; tee -a %s | exec node %s/board/emulator.mjs --partition %s'" \
        "$TMP/board.pid" "$TMP/sent.log" "$SRC" "$TMP/p.bin"
}

count() { grep -cF -- "$2" "$1" 2>/dev/null; }
# wait_more FILE TEXT N: until TEXT occurs more than N times in FILE.
wait_more() {
    local t=200
    while [ "$t" -gt 0 ]; do
        [ "$(count "$1" "$2")" -gt "$3" ] && return 0
        sleep 0.1
        t=$((t - 1))
    done
    bad "timed out waiting for another '$2' in $(basename "$1")"
}

"$ROMFS" watch --no-mpy --debounce 100 -d "$(wrap)" --run app "$A" >"$TMP/w.out" 2>"$TMP/w.err" &
W=$!
wait_for "$TMP/w.out" "app v1 7" 30
wait_for "$TMP/w.err" "app finished"

# An edit: new output, and no new whole-partition CRC query.
printf 'import helper\nprint("app v2", helper.N)\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v2 7"
# The session wrote and verified every block it knows: it asks the board
# for none of their CRCs before the deploy.
wait_for "$TMP/w.err" "0 block CRCs asked first, base: session"
grep -q "deployed: wrote 2 of 2 blocks" "$TMP/w.err" || bad "edit: expected 2 of 2 blocks written"

# A syntax error: the traceback, and the watch goes on.
printf 'print("broken"\n' >"$A/app.py"
wait_for "$TMP/w.err" "SyntaxError"
wait_for "$TMP/w.err" "app raised"
printf 'import helper\nprint("app v3", helper.N)\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v3 7"

# A new subdirectory with a file in it (created in one go, as `cp -r` does).
mkdir -p "$A/pkg/deep"
printf 'print("deep module")\n' >"$A/pkg/deep/mod.py"
sleep 0.3
printf 'import pkg.deep.mod\nprint("app v4")\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v4"
expect_ok=$(grep -c "deep module" "$TMP/w.out")
[ "$expect_ok" -ge 1 ] || bad "the module in the new subdirectory did not run"
# A file added later to that directory is seen too (its watch was added).
printf 'print("later file")\n' >"$A/pkg/deep/later.py"
sleep 0.3
printf 'import pkg.deep.later\nprint("app v5")\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v5"
grep -q "later file" "$TMP/w.out" || bad "a file added to the new directory was not deployed"

# A change while the module still runs: its output stops there (the child
# streaming it is killed, the board interrupted) and the new version runs.
printf 'import time\nprint("slow start")\nt = time.ticks_ms()\nwhile time.ticks_diff(time.ticks_ms(), t) < 3000:\n    pass\nprint("slow end")\n' >"$A/app.py"
wait_for "$TMP/w.out" "slow start"
printf 'print("quick")\n' >"$A/app.py"
wait_for "$TMP/w.out" "quick" 30
grep -q "slow end" "$TMP/w.out" && bad "the interrupted run's output went on after the change"

# An editor saving several files at once: one deploy.
wait_for "$TMP/w.err" "app finished"
n0=$(count "$TMP/w.err" "deployed:")
printf 'A = 1\n' >"$A/lib/a.py"
printf 'B = 2\n' >"$A/lib/b.py"
printf 'import helper\nprint("app v5b")\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v5b"
sleep 0.5
[ "$(count "$TMP/w.err" "deployed:")" = $((n0 + 1)) ] || bad "three saves at once made $(($(count "$TMP/w.err" "deployed:") - n0)) deploys"

# The board process dies: the next change reopens it and deploys.
# (The board's shell leads its own process group: kill all of it.)
pg=$(ps -o pgid= -p "$(cat "$TMP/board.pid")" | tr -d ' ')
if [ -n "$pg" ] && [ "$pg" != "$(ps -o pgid= -p $$ | tr -d ' ')" ]; then
    kill -9 -- "-$pg" || bad "could not kill the board process"
else
    bad "the board process has no process group of its own"
fi
sleep 0.3
printf 'import helper\nprint("app v6 after reopen")\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v6 after reopen" 30
grep -q "reopening the board" "$TMP/w.err" || bad "the board was not reopened"

# SIGINT: status 0, the board left in the friendly REPL (Ctrl-B sent last).
n_before=$(count "$TMP/w.err" "stopped")
kill -INT $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "SIGINT: exit status $rc, expected 0"
wait_for "$TMP/w.err" "stopped" 2
[ "$(tail -c 1 "$TMP/sent.log" | od -An -tx1 | tr -d ' ')" = 02 ] ||
    { bad "the board was not left in the friendly REPL"; tail -c 40 "$TMP/sent.log" | od -c; tail -3 "$TMP/w.err"; }
grep -qE 'Sanitizer|runtime error' "$TMP/w.err" && bad "sanitizer report: $(head -3 "$TMP/w.err")"
[ -z "$n_before" ] || [ "$n_before" = 0 ] || bad "stopped before SIGINT"

# A build failure (the compiler rejects a module): one error, the board
# keeps its image, and the next good save deploys.
printf '#!/bin/sh\nexec bash "%s/fake-mpy-cross.sh" "$@"\n' "$(cd "$(dirname "$0")" && pwd)" >"$TMP/mpy-cross"
chmod +x "$TMP/mpy-cross"
B=$TMP/app2
mkdir -p "$B"
printf 'x = 1\n' >"$B/m.py"
MPY_CROSS=$TMP/mpy-cross "$ROMFS" watch --mpy --debounce 30 -d "$(dev "$TMP/p2.bin" --size 16384)" "$B" \
    >"$TMP/b.out" 2>"$TMP/b.err" &
W=$!
wait_for "$TMP/b.err" "watching"
printf 'SYNTAX_ERROR\n' >"$B/m.py"
wait_for "$TMP/b.err" "build failed"
grep -q "SyntaxError" "$TMP/b.err" || bad "the compiler's message was not shown"
printf 'x = 2\n' >"$B/m.py"
wait_more "$TMP/b.err" "deployed:" 1
# An image too big for the 16 KiB partition: one error, the watch goes on.
head -c 20000 /dev/urandom >"$B/big.bin"
wait_for "$TMP/b.err" "too big for the target partition"
wait_for "$TMP/b.err" "deploy failed; watching"
rm "$B/big.bin"
n0=$(count "$TMP/b.err" "deployed:")
printf 'x = 3\n' >"$B/m.py"
wait_more "$TMP/b.err" "deployed:" "$n0"
kill -TERM $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "SIGTERM: exit status $rc, expected 0"

# A board whose sys.implementation._mpy says armv7emsp (v6.3, arch 7; the
# emulated board's own is 774, no arch): watch compiles for it, as deploy
# does, asking the board once per connection before the first build.
PATCH="import builtins;_g=builtins.getattr;builtins.getattr=lambda o,n,*d:(6|3<<8|7<<10) if n=='_mpy' else _g(o,n,*d)"
C=$TMP/app3
mkdir -p "$C"
printf 'y = 1\n' >"$C/n.py"
FAKE_MPY_LOG=$TMP/march.log MPY_CROSS=$TMP/mpy-cross "$ROMFS" watch --mpy --debounce 30 \
    -d "exec:sh $SRC/tests/cli/board/fake-patched.sh \"$PATCH\" --partition $TMP/p3.bin" "$C" \
    >"$TMP/m.out" 2>"$TMP/m.err" &
W=$!
wait_for "$TMP/m.err" "watching"
grep -q -- '-march=armv7emsp .*-s n.py' "$TMP/march.log" ||
    bad "watch did not compile for the board's armv7emsp: $(cat "$TMP/march.log" 2>/dev/null)"
kill -INT $W
wait_exit $W 60

# SIGHUP (the terminal closed) stops it as cleanly, leaving no temporary
# file behind.
HUP_TMP=$TMP/hup-tmp
mkdir -p "$HUP_TMP"
TMPDIR=$HUP_TMP MPY_CROSS=$TMP/mpy-cross "$ROMFS" watch --mpy --debounce 30 -d "$(dev "$TMP/p4.bin" --size 16384)" \
    "$B" >"$TMP/h.out" 2>"$TMP/h.err" &
W=$!
wait_for "$TMP/h.err" "watching"
kill -HUP $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "SIGHUP: exit status $rc, expected 0"
[ -z "$(ls -A "$HUP_TMP")" ] || bad "SIGHUP left files in TMPDIR: $(ls -A "$HUP_TMP")"

# A board that never answers: the watch says so once, keeps trying, and
# Ctrl-C still ends it cleanly.
"$ROMFS" watch --no-mpy -d "exec:exit 0" "$B" >"$TMP/c.out" 2>"$TMP/c.err" &
W=$!
wait_for "$TMP/c.err" "retrying until it answers"
sleep 1
kill -INT $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "SIGINT while retrying: exit status $rc, expected 0"
[ "$(count "$TMP/c.err" "retrying")" = 1 ] || bad "the retry message was repeated"

# A board without binascii.crc32 is watched as `romfs deploy` handles it:
# every block rewritten, verified by reading back (watch refused it before).
NOCRC='exec("import sys,binascii as b\nclass B:pass\nm=B()\nfor k in dir(b):\n if k!=\"crc32\" and not k.startswith(\"__\"):setattr(m,k,getattr(b,k))\nsys.modules[\"binascii\"]=m")'
"$ROMFS" watch --no-mpy -d "exec:sh $SRC/tests/cli/board/fake-patched.sh '$NOCRC' --partition $TMP/p5.bin" "$B" \
    >"$TMP/n.out" 2>"$TMP/n.err" &
W=$!
wait_for "$TMP/n.err" "watching"
kill -INT $W
wait_exit $W 60
grep -qF "deployed: wrote" "$TMP/n.err" || bad "no deploy to a board without crc32: $(cat "$TMP/n.err")"
grep -qF "no binascii.crc32: rewriting everything" "$TMP/n.err" || bad "no warning about the missing crc32"

# Usage errors.
expect 2 "$ROMFS" watch
expect 2 "$ROMFS" watch --run 'x;y' "$A"
expect 1 "$ROMFS" watch -d "$(dev "$TMP/p3.bin")" "$TMP/missing"

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo ok
