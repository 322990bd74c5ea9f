#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Terminal control bytes from untrusted names and boards never reach a
# terminal raw: ls, tree and check escape C0, DEL and C1 controls (U+009B
# as UTF-8, and a raw 0x9B byte) and leave other UTF-8 as it is; build's
# tree of host names and run's board traceback are escaped on a terminal
# (piped, build prints the names as mpremote does).
. "$(dirname "$0")/lib-tools.sh"
command -v script >/dev/null || { echo "FAIL: script (util-linux) not found"; exit 1; }

# raw FILE: 1 when FILE holds ESC, U+009B as UTF-8 or a lone 0x9B byte.
raw() { od -An -v -tx1 "$1" | tr -s ' \n' ' ' | grep -Eq ' 1b | c2 9b | 9b '; }

node "$SRC/tests/cli/mkimg.mjs" "$TMP/c.romfs" '[{"name":{"hex":"1b5b33316d726564"},"data":"esc"},
  {"name":{"hex":"c29b32"},"data":"c1"},{"name":{"hex":"9b33"},"data":"raw"},{"name":"é","data":"e"},
  {"name":{"hex":"c29b64"},"data":"1"},{"name":{"hex":"c29b64"},"data":"2"}]' || bad mkimg
for cmd in "ls" "ls -l" "tree"; do
    expect 0 "$ROMFS" $cmd "$TMP/c.romfs"
    raw "$OUT" && bad "$cmd: a control byte printed raw: $(od -c "$OUT" | head -3)"
    out_has '\x1b[31mred'
    out_has '\xc2\x9b2'
    out_has '\x9b3'
    out_has 'é'
done
expect 0 "$ROMFS" check "$TMP/c.romfs"
err_has "duplicate name '\\xc2\\x9bd'"
raw "$ERR" && bad "check: a control byte printed raw"

# build: the tree of host names, on a terminal.
mkdir -p "$TMP/src"
printf 'x = 1\n' >"$TMP/src/$(printf '\033[2Jevil').py"
printf 'y = 1\n' >"$TMP/src/$(printf 'c1\302\233x').py"
script -qec "$ROMFS build --no-mpy -o $TMP/b.romfs $TMP/src" /dev/null >"$TMP/tty.out" 2>&1 || bad "build on a terminal failed"
raw "$TMP/tty.out" && bad "build on a terminal echoed a control byte: $(od -c "$TMP/tty.out" | grep -m1 033)"
grep -qF '\x1b[2Jevil.py' "$TMP/tty.out" || bad "build on a terminal: the name is not shown escaped: $(cat -v "$TMP/tty.out")"
"$ROMFS" build --no-mpy -o "$TMP/b.romfs" "$TMP/src" >"$TMP/pipe.out" 2>&1 || bad "build piped failed"
raw "$TMP/pipe.out" || bad "build piped: the names are not as mpremote prints them"

# run: a board's traceback with control bytes, on a terminal.
FAKE="exec:node $SRC/tests/cli/board/fake-answer.mjs"
export FAKE_KEYS=__import__ FAKE_FRAME=raw
export FAKE_RAW='OK\x04Traceback (most recent call last):\x0d\x0a\xc2\x9b2J\x1b[2JError\x0d\x0a\x04>'
script -qec "$ROMFS run --no-reset -t 20 -d '$FAKE' hello" /dev/null >"$TMP/run.out" 2>&1
raw "$TMP/run.out" && bad "run on a terminal printed a traceback's control bytes: $(cat -v "$TMP/run.out")"
grep -qF 'Traceback (most recent call last):' "$TMP/run.out" || bad "run: no traceback: $(cat -v "$TMP/run.out")"
grep -qF '\x1b[2JError' "$TMP/run.out" || bad "run: the traceback is not shown escaped: $(cat -v "$TMP/run.out")"
finish
