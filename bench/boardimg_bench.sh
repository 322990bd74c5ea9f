#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bytes a board sends for the image commands with -d (issue 20 item 16):
# ls, tree, stat and cat of one file read only the records (and the file)
# they need; check reads the whole image, as every command did before.
# Side by side in one run, on the emulated board (its --stats counts every
# byte it sent the host), for a ~200 KB app of 80 modules.
#   bash bench/boardimg_bench.sh path/to/romfs [MODULES]
set -euo pipefail
ROMFS=${1:?usage: boardimg_bench.sh ROMFS [MODULES]}
SRC=$(cd "$(dirname "$0")/.." && pwd)
n=${2:-80}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node "$SRC/bench/gen-app.mjs" "$tmp/app" "$n" >/dev/null
"$ROMFS" build --no-mpy -q -o "$tmp/app.romfs" "$tmp/app"
size=$(stat -c %s "$tmp/app.romfs")
part=$(((size / 65536 + 2) * 65536))
cp "$tmp/app.romfs" "$tmp/p.bin"
truncate -s "$part" "$tmp/p.bin"
D="exec:node $SRC/board/emulator.mjs --partition $tmp/p.bin --size $part --stats $tmp/st.json"
sent() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).sent)' "$tmp/st.json"; }
measure() {
    rm -f "$tmp/st.json"
    "$ROMFS" "$@" >/dev/null
    sent
}
whole=$(measure check -q -d "$D")
echo "image: $size bytes ($n modules); bytes the board sent (base64, CRC lines and REPL framing included)"
printf '| %-30s | %12s | %12s | %8s |\n' command "read (bytes)" "whole image" ratio
printf '|%s|%s|%s|%s|\n' "--------------------------------" "-------------:" "-------------:" "---------:"
for c in "ls -l /" "ls -l /app" "ls -R /" "tree" "stat /app/m11.py" "cat /app/m11.py"; do
    # shellcheck disable=SC2086
    set -- $c
    cmd=$1
    shift
    b=$(measure "$cmd" -d "$D" "$@")
    printf '| %-30s | %12s | %12s | %8s |\n' "romfs $c -d DEV" "$b" "$whole" "$(awk -v a="$b" -v w="$whole" 'BEGIN { printf "1/%.0f", w / a }')"
done
printf '| %-30s | %12s | %12s | %8s |\n' "romfs check -d DEV" "$whole" "$whole" "1/1"
