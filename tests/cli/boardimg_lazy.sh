#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Image commands on a board read only what they need (issue 20 item 16):
# on a ~200 KB image, `ls -d` reads at most 16 KB from the board (every
# byte the emulated board sent, counted by its --stats), `tree` and `cat`
# of one file far less than the image, and each answers exactly what the
# same command answers on the image file; check still reads everything.
. "$(dirname "$0")/lib-deploy.sh"
A=$TMP/app
node "$SRC/bench/gen-app.mjs" "$A" 80 >/dev/null || bad "gen-app"
expect 0 "$ROMFS" build --no-mpy -q -o "$TMP/app.romfs" "$A"
size=$(stat -c %s "$TMP/app.romfs")
[ "$size" -gt 190000 ] || bad "the app image is only $size bytes"
P=$TMP/p.bin
cp "$TMP/app.romfs" "$P"
truncate -s 262144 "$P"
D="exec:node $SRC/board/emulator.mjs --partition $P --size 262144 --stats $TMP/st.json"
sent() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).sent)' "$TMP/st.json"; }

# same MAX CMD ARGS...: CMD -d DEV ARGS answers as CMD IMAGE ARGS (board
# addresses aside), having read at most MAX bytes from the board.
same() {
    local max=$1 cmd=$2
    shift 2
    rm -f "$TMP/st.json"
    run "$ROMFS" "$cmd" -d "$D" "$@"
    local rcb=$rc n
    sed -e 's/, "address": [0-9]*//' -e 's/^\(file *[0-9]*\) 0x[0-9a-f]* /\1 X /' "$OUT" >"$TMP/board.out"
    n=$(sent)
    run "$ROMFS" "$cmd" "$TMP/app.romfs" "$@"
    sed -e 's/^\(file *[0-9]*\) *[0-9]* /\1 X /' "$OUT" >"$TMP/file.out"
    [ "$rcb" = "$rc" ] || bad "$cmd $*: exit $rcb on the board, $rc on the file"
    cmp -s "$TMP/board.out" "$TMP/file.out" || { bad "$cmd $*: the board's answer differs"; diff "$TMP/board.out" "$TMP/file.out" | head -5; }
    [ "$n" -le "$max" ] || bad "$cmd $*: $n bytes read from the board (at most $max)"
    echo "$cmd $*: $n bytes read from the board for a $size-byte image"
}
same 16384 ls -l /
same 16384 ls -l /app
same 16384 ls --json /net
same 16384 ls -l /nope
same 16384 stat /app/m11.py
same 32768 ls -R /
same 32768 tree
same 16384 tree /app
same 16384 cat /app/m11.py
same 16384 cat /app/__init__.py /net/__init__.py

# check reads the whole image.
rm -f "$TMP/st.json"
expect 0 "$ROMFS" check -q -d "$D"
[ "$(sent)" -ge "$size" ] || bad "check read $(sent) bytes of a $size-byte image"
finish
