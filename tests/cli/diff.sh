#!/bin/bash
# SPDX-License-Identifier: MIT
# The board's image at hand: ls|tree|cat|stat|check|extract -d DEV read the
# image in the board's partition (exactly its bytes, chunked), ls -l shows
# where each file's data is mapped on the board; romfs diff compares image
# files, directories and board images and counts the blocks a deploy would
# write.
. "$(dirname "$0")/lib-deploy.sh"
# Boards start slowly on a loaded machine (the emulator boots WebAssembly).
export ROMFS_TIMEOUT_MS=60000

A=$TMP/app
mkdir -p "$A/lib/pkg"
printf 'print("hello")\n' >"$A/hello.py"
printf 'V = 1\n' >"$A/lib/pkg/core.py"
head -c 9000 /dev/urandom >"$A/lib/blob.bin"
P=$TMP/p.bin
LOG=$TMP/sent.log
D="exec:sh -c 'tee -a $LOG | exec node $SRC/board/emulator.mjs --partition $P'"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$D" "$A"
"$ROMFS" deploy --no-mpy -q -o "$TMP/want.romfs" --base "$P" "$A" 2>/dev/null
# The image's length, from its header (magic, varuint payload length).
len=$(node -e '
const b = require("fs").readFileSync(process.argv[1]);
let v = 0, i = 3;
for (;; i++) { v = v * 128 + (b[i] & 0x7f); if (!(b[i] & 0x80)) break; }
console.log(i + 1 + v);' "$P")

# cat, check, extract on the board's image (tree and stat take the same
# hook: the command itself runs unchanged on the fetched image).
expect 0 "$ROMFS" cat -d "$D" /lib/pkg/core.py
[ "$(cat "$OUT")" = "V = 1" ] || bad "cat -d: got '$(cat "$OUT")'"
expect 0 "$ROMFS" check -d "$D"
rm -rf "$TMP/x"
expect 0 "$ROMFS" extract -d "$D" "$TMP/x"
diff -r "$A" "$TMP/x" >/dev/null || bad "extract -d: the tree differs from the source"
# Only the image's bytes were read: one read of exactly its length (the
# first 16 bytes are the probe's), never the whole 262144-byte partition.
grep -aq "_r(0,$len,3072)" "$LOG" || bad "no read of exactly the image's $len bytes"
grep -aq "_r(0,262144," "$LOG" && bad "the whole partition was read"

# ls -l: absolute addresses; address - offset is the partition's address.
expect 0 "$ROMFS" ls -l -d "$D" /lib
grep -Eq '^file +9000 0x[0-9a-f]{8} ' "$OUT" || bad "ls -l -d: no address column: $(cat "$OUT")"
expect 0 "$ROMFS" ls --json -R -d "$D"
node -e '
const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).filter((e) => e.type === "file");
const base = new Set(a.map((e) => e.address - e.offset));
if (a.length !== 3 || base.size !== 1 || [...base][0] <= 0) throw new Error("addresses: " + JSON.stringify(a));
' "$OUT" || bad "ls --json -d: addresses inconsistent"
# An image file has no addresses.
expect 0 "$ROMFS" ls -l "$TMP/want.romfs" /lib
grep -q '0x' "$OUT" && bad "ls -l on a file shows addresses"

# A partition without an image, or a missing partition: one error, exit 1.
expect 1 "$ROMFS" ls -d "$(dev "$TMP/empty.bin")"
err_has "holds no ROMFS image"
expect 1 "$ROMFS" ls -d "$(dev "$TMP/empty.bin")" -p 3
err_has "ROMFS3 partition not found"
expect 2 "$ROMFS" ls -d "$D" -p x

# diff: directory vs board, after an edit, an addition and a removal.
cp -r "$A" "$TMP/b"
printf 'V = 22\n' >"$TMP/b/lib/pkg/core.py"
printf 'new\n' >"$TMP/b/new.txt"
rm "$TMP/b/hello.py"
expect 0 "$ROMFS" diff --no-mpy -d "$D" "$TMP/b"
out_has "~ file /lib/pkg/core.py  6 -> 7 bytes"
out_has "+ file /new.txt  4 bytes"
out_has "- file /hello.py  15 bytes"
out_has "1 added, 1 removed, 1 changed"
grep -Eq 'deploying B over A: [1-3] of [0-9]+ blocks .*relative to A' "$OUT" || bad "deploy estimate: $(tail -1 "$OUT")"
# The estimate is what a deploy then writes.
want=$(sed -n 's/deploying B over A: \([0-9]*\) of.*/\1/p' "$OUT")
expect 0 "$ROMFS" deploy --no-mpy --json -q -d "$D" "$TMP/b"
[ "$(json "$OUT" blocks_written)" = "$want" ] || bad "diff said $want blocks, deploy wrote $(json "$OUT" blocks_written)"
# Same trees: nothing to write; image files as they are.
expect 0 "$ROMFS" diff --no-mpy "$TMP/b" -d "$D"
out_has "0 added, 0 removed, 0 changed"
out_has "0 of "
expect 0 "$ROMFS" diff "$TMP/want.romfs" "$TMP/want.romfs"
out_has "(0 bytes; the image as it is)"
# Errors: a bad image names it; two sides are needed.
printf 'junk' >"$TMP/junk"
expect 1 "$ROMFS" diff "$TMP/junk" "$TMP/want.romfs"
err_has "junk: Invalid ROMFS image"
expect 2 "$ROMFS" diff "$TMP/want.romfs"
expect 2 "$ROMFS" diff --bogus a b

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo ok
