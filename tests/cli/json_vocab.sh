#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --json: one vocabulary across commands (docs/JSON.md): "image" is an
# image file's path, "device" a board, "image_size" the bytes of a whole
# image (header included), "payload_size" what its header counts,
# "block_size" an erase block; each command's keys are checked here, and a
# failing command given --json prints its error as {"error": ...} on stdout.
. "$(dirname "$0")/lib-deploy.sh"
# keys FILE KEY...: the first JSON object in FILE has exactly these top-level keys.
keys() {
    local f=$1
    shift
    node -e '
const text = require("fs").readFileSync(process.argv[1], "utf8");
const o = JSON.parse(text);
const want = process.argv.slice(2).sort();
const got = Object.keys(Array.isArray(o) ? o[0] : o).sort();
if (JSON.stringify(want) !== JSON.stringify(got)) { console.log("keys " + got.join(",") + " != " + want.join(",")); process.exit(1); }
' "$f" "$@" || bad "$(basename "$f"): unexpected keys"
}
A=$TMP/app
mkdir -p "$A/lib"
echo 'X = 1' >"$A/lib/m.py"

expect 0 "$ROMFS" build --no-mpy --json -o "$TMP/a.romfs" "$A"
cp "$OUT" "$TMP/build.json"
keys "$TMP/build.json" image image_size mpy_cross stored_as_source
expect 0 "$ROMFS" check --json "$TMP/a.romfs"
cp "$OUT" "$TMP/check.json"
keys "$TMP/check.json" image ok image_size payload_size dirs files bytes problems
size=$(stat -c %s "$TMP/a.romfs")
[ "$(json "$TMP/build.json" image_size)" = "$size" ] || bad "build image_size is not the file's size"
[ "$(json "$TMP/check.json" image_size)" = "$size" ] || bad "check image_size is not the file's size"
expect 0 "$ROMFS" ls --json "$TMP/a.romfs" /lib
cp "$OUT" "$TMP/ls.json"
keys "$TMP/ls.json" path name type size offset record_offset align
expect 0 "$ROMFS" stat --json "$TMP/a.romfs" /lib/m.py
cp "$OUT" "$TMP/stat.json"
keys "$TMP/stat.json" path type size offset record_offset mode stat

P=$TMP/p.bin
expect 0 "$ROMFS" deploy --no-mpy --json -d "$(dev "$P" --size 65536 --block-size 4096)" "$A"
tail -n1 "$OUT" >"$TMP/deploy.json"
[ "$(json "$TMP/deploy.json" block_size)" = 4096 ] || bad "deploy block_size"
dsize=$(json "$TMP/deploy.json" image_size)   # the stable layout, whole blocks
node -e 'const o=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); for (const k of ["device","partition","partition_size","block_size","image_size"]) if (!(k in o)) { console.log(k); process.exit(1); }' "$TMP/deploy.json" ||
    bad "deploy --json lacks a common key"
expect 0 "$ROMFS" query --json -d "$(dev "$P" --size 65536 --block-size 4096)"
node -e '
const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const p = o.partitions[0];
for (const k of ["device", "partitions"]) if (!(k in o)) throw new Error("query lacks " + k);
if (p.block_size !== 4096) throw new Error("query block_size: " + JSON.stringify(p));
if ("erase_block_size" in p) throw new Error("query still says erase_block_size");
if (p.image_size !== Number(process.argv[2])) throw new Error("query image_size " + p.image_size);
if (!(p.payload_size > 0 && p.payload_size < p.image_size)) throw new Error("query payload_size " + p.payload_size);
' "$OUT" "$dsize" || bad "query --json vocabulary: $(cat "$OUT")"

# Many boards: one object per board, the board named "device" as everywhere.
expect 0 "$ROMFS" query --json -d "$(dev "$P" --size 65536 --block-size 4096)" -d "$(dev "$TMP/p2.bin")"
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
if (lines.length !== 2) throw new Error("expected 2 lines");
for (const l of lines) {
  const o = JSON.parse(l);
  if (typeof o.device !== "string" || "board" in o) throw new Error("no device key: " + l);
  if (o.report.device !== o.device && !o.report.device.includes("emulat")) throw new Error("report device: " + l);
}
' "$OUT" || bad "query --json on two boards: $(cat "$OUT")"

# Errors as JSON on stdout (the line on stderr stays).
json_error() {
    run "$ROMFS" "$@"
    [ "$rc" = 1 ] || bad "$*: exit $rc"
    node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (typeof o.error !== "string" || !o.error) process.exit(1);' "$OUT" ||
        bad "$*: no {\"error\": ...} on stdout: $(cat "$OUT")"
    [ -s "$ERR" ] || bad "$*: nothing on stderr"
}
json_error check --json "$TMP/nope.romfs"
json_error ls --json "$TMP/nope.romfs" /
json_error build --json -o "$TMP/x.romfs" "$TMP/nodir"
json_error stat --json "$TMP/a.romfs" /nope
json_error deploy --json --no-mpy -d "$(dev "$P")" "$TMP/nodir"
json_error deploy --json --no-mpy -d exec:false "$A"
json_error query --json -d exec:false
[ -f "$SRC/docs/JSON.md" ] || bad "no docs/JSON.md"
finish
