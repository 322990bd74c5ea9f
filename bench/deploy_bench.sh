#!/bin/bash
# SPDX-License-Identifier: MIT
# Deploy benchmark: a generated 300-module app (--no-mpy, ~600 KB) deployed
# to the emulated board in full, then again after a one-line edit to one
# module (same length, and a line added). Prints bytes on the wire and blocks
# written for each, and the incremental/full ratio.
# usage: bench/deploy_bench.sh [path/to/romfs]   (default: build/romfs)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(dirname "$HERE")}
ROMFS=${1:-${ROMFS:-$SRC/build/romfs}}
[ -x "$ROMFS" ] || { echo "no romfs binary at $ROMFS" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export XDG_CACHE_HOME=$TMP/cache
A=$TMP/app
node "$HERE/gen-app.mjs" "$A" 300
DEV="exec:node $SRC/board/emulator.mjs --partition $TMP/p.bin --size 1048576 --block-size 4096"

field() { node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(o[process.argv[1]])' "$1" <"$2"; }
deploy() {
    "$ROMFS" deploy --no-mpy --json -q -d "$DEV" "$@" "$A" >"$TMP/$1.json" 2>"$TMP/err" || {
        echo "deploy failed:" >&2
        cat "$TMP/err" >&2
        exit 1
    }
}
row() {
    printf '%-26s %9s %8s/%-5s %12s %8ss\n' "$1" "$(field image_size "$2")" "$(field blocks_written "$2")" \
        "$(field blocks_total "$2")" "$(field wire_bytes "$2")" "$(field seconds "$2")"
}

deploy --full
mv "$TMP/--full.json" "$TMP/full.json"
f=$(ls "$A"/*/m150.py)
sed -i 's/^VERSION = 150$/VERSION = 151/' "$f"
"$ROMFS" deploy --no-mpy --json -q -d "$DEV" "$A" >"$TMP/same.json" || exit 1
printf '\n# a comment line added\n' >>"$f"
"$ROMFS" deploy --no-mpy --json -q -d "$DEV" "$A" >"$TMP/grow.json" || exit 1
sed -i 's/^VERSION = 151$/VERSION = 152/' "$f"
"$ROMFS" deploy --no-mpy --json -q -d "$DEV" --full "$A" >"$TMP/full2.json" || exit 1

raw=$(du -cb $(find "$A" -name '*.py') | tail -1 | cut -f1)
echo "300-module app: $(find "$A" -name '*.py' | wc -l) .py files, $raw bytes of source"
printf '%-26s %9s %14s %12s %9s\n' "deploy" "image" "blocks" "wire bytes" "time"
row "full (--full)" "$TMP/full.json"
row "one-line edit, same size" "$TMP/same.json"
row "one line added" "$TMP/grow.json"
full=$(field wire_bytes "$TMP/full.json")
same=$(field wire_bytes "$TMP/same.json")
grow=$(field wire_bytes "$TMP/grow.json")
# mpremote sends every 4 KiB chunk deflated (wbits 9) and base64'd: close to
# our full deploy, whose chunks travel the same way.
echo "incremental/full wire bytes: same-size edit $(awk "BEGIN{printf \"%.2f%%\", 100*$same/$full}")," \
    "line added $(awk "BEGIN{printf \"%.2f%%\", 100*$grow/$full}")"
