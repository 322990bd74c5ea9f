#!/bin/bash
# SPDX-License-Identifier: MIT
# Many boards at once: deploy and query with -d given several times run one
# child per board in parallel, print a status line per board and a summary
# table (or one JSON object per board), and exit 1 when any board failed;
# each board ends up with the image, incrementally on the next deploy.
. "$(dirname "$0")/lib-deploy.sh"
# Boards start slowly on a loaded machine (the emulator boots WebAssembly).
export ROMFS_TIMEOUT_MS=60000

A=$TMP/app
mkdir -p "$A/lib"
for i in 1 2 3 4 5 6; do printf 'X = %d\n%s\n' "$i" "$(head -c 3000 /dev/zero | tr '\0' '#')" >"$A/lib/m$i.py"; done
printf 'print("multi")\n' >"$A/hello.py"
D1=$(dev "$TMP/p1.bin") D2=$(dev "$TMP/p2.bin") D3=$(dev "$TMP/p3.bin")

# Three boards: three status lines, a table, every partition holds the tree.
expect 0 "$ROMFS" deploy --no-mpy -d "$D1" -d "$D2" --device="$D3" "$A"
[ "$(grep -c '^\[[1-3]/3\] .*: ok: wrote ' "$OUT")" = 3 ] || { bad "expected 3 ok status lines"; cat "$OUT"; }
out_has "unique id"
[ "$(grep -c ' ok$' "$OUT")" = 3 ] || bad "expected 3 ok rows in the summary"
"$ROMFS" build --no-mpy -q -o "$TMP/ref.romfs" "$A" >/dev/null
"$ROMFS" extract "$TMP/ref.romfs" "$TMP/ref" >/dev/null
for n in 1 2 3; do
    rm -rf "$TMP/x$n"
    "$ROMFS" extract "$TMP/p$n.bin" "$TMP/x$n" >/dev/null 2>&1 || bad "board $n: partition does not extract"
    diff -r "$TMP/ref" "$TMP/x$n" >/dev/null || bad "board $n: tree differs from the source"
done

# An edit, with --json: one object per board, incremental on each.
printf 'X = 99\n' >>"$A/lib/m3.py"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D1" -d "$D2" -d "$D3" "$A"
[ "$(wc -l <"$OUT")" = 3 ] || bad "--json: expected 3 lines, got $(wc -l <"$OUT")"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
const boards = new Set();
for (const l of lines) {
  const o = JSON.parse(l);
  if (!o.ok || o.exit !== 0 || o.error !== null) throw new Error("not ok: " + l);
  if (!(o.report.blocks_written >= 1 && o.report.blocks_written < o.report.blocks_total)) throw new Error("not incremental: " + l);
  if (!o.report.verified || !/^[0-9a-f]+$/.test(o.report.unique_id)) throw new Error("bad report: " + l);
  boards.add(o.device);
}
if (boards.size !== 3) throw new Error("expected 3 distinct boards");
' "$OUT" || bad "--json objects are wrong"

# One board without ROMFS: the others succeed, that one is named, exit 1.
expect 1 "$ROMFS" deploy --no-mpy -d "$D1" -d "exec:node $SRC/board/emulator.mjs --no-romfs --partition $TMP/p4.bin" "$A"
grep -q -- '--no-romfs.*: FAILED: ROMFS is not enabled on this device' "$OUT" || { bad "failing board not named"; cat "$OUT"; }
[ "$(grep -c ' ok$' "$OUT")" = 1 ] && [ "$(grep -c ' FAILED$' "$OUT")" = 1 ] || bad "summary rows wrong"

# query on two boards, as JSON.
expect 0 "$ROMFS" query --json -d "$D1" -d "$D2"
[ "$(grep -c '"command":"query","ok":true' "$OUT")" = 2 ] || bad "query --json: expected 2 ok objects"
grep -q '"partitions": \[' "$OUT" || bad "query --json: the board's report is missing"

# The same board twice is deployed once; a bad option is one usage error.
expect 0 "$ROMFS" query -d "$D1" -d "$D1"
out_has "[1/1]"
expect 2 "$ROMFS" deploy --bogus -d "$D1" -d "$D2" "$A"
# -d all with no board on any serial port: one clear error.
if ! "$ROMFS" devs 2>/dev/null | grep -q .; then
    expect 1 "$ROMFS" query -d all
    err_has "no MicroPython board found"
fi

[ "$FAILS" = 0 ] || { echo "$FAILS failure(s)"; exit 1; }
echo ok
