#!/bin/bash
# SPDX-License-Identifier: MIT
# Incremental deploys to the emulated board: after a one-line edit to one
# module of a multi-block app only a few blocks and a small fraction of the
# wire bytes go out; the partition then holds the new image byte for byte and
# extracts to exactly the source tree.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
node "$SRC/bench/gen-app.mjs" "$A" 40 || { bad "cannot generate the app"; exit 1; }
P=$TMP/p.bin
D=$(dev "$P" --size 262144 --block-size 4096)

# partition_matches: the image deployed last (the cache) is what the
# partition starts with, and it extracts to the source tree.
partition_matches() {
    local img
    img=$(ls "$XDG_CACHE_HOME"/romfs/deploy/*.romfs | grep -v pending | head -1)
    [ -f "$img" ] || { bad "no cached image"; return; }
    cmp -s -n "$(stat -c %s "$img")" "$P" "$img" || bad "partition differs from the deployed image ($1)"
    head -c "$(stat -c %s "$img")" "$P" >"$TMP/onboard.romfs"
    rm -rf "$TMP/x"
    "$ROMFS" extract "$TMP/onboard.romfs" "$TMP/x" >/dev/null 2>&1 || bad "cannot extract the partition ($1)"
    diff -r "$A" "$TMP/x" >/dev/null || bad "partition does not extract to the source tree ($1)"
}

expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
cp "$OUT" "$TMP/full.json"
total=$(json "$TMP/full.json" blocks_total)
full_wire=$(json "$TMP/full.json" wire_bytes)
[ "$total" -ge 8 ] || bad "app image is only $total blocks"
[ "$(json "$TMP/full.json" blocks_written)" = "$total" ] || bad "first deploy skipped blocks on an erased partition"
partition_matches first

# Same-length one-line edit: the file's block(s) and block 0.
f=$(ls "$A"/*/m20.py)
sed -i 's/^VERSION = 20$/VERSION = 21/' "$f"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
cp "$OUT" "$TMP/inc.json"
w=$(json "$TMP/inc.json" blocks_written)
wire=$(json "$TMP/inc.json" wire_bytes)
[ "$w" -le 3 ] || bad "same-size edit wrote $w blocks"
[ "$(json "$TMP/inc.json" blocks_skipped)" = $((total - w)) ] || bad "skipped count wrong"
[ $((wire * 4)) -lt "$full_wire" ] || bad "incremental sent $wire bytes, full $full_wire"
[ "$(json "$TMP/inc.json" files_kept)" = $(($(json "$TMP/inc.json" files) - 1)) ] || bad "files moved on a same-size edit"
partition_matches same-size

# A line added to a module: it moves, the rest stays.
printf '\n# one more line\n' >>"$f"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
cp "$OUT" "$TMP/grow.json"
[ "$(json "$TMP/grow.json" files_moved)" = 1 ] || bad "grown file not moved"
[ "$(json "$TMP/grow.json" blocks_written)" -le 4 ] || bad "growing one file wrote $(json "$TMP/grow.json" blocks_written) blocks"
[ $(($(json "$TMP/grow.json" wire_bytes) * 4)) -lt "$full_wire" ] || bad "growing one file sent too much"
partition_matches grow
echo "full: $total blocks, $full_wire wire bytes; same-size edit: $w blocks, $wire bytes;" \
    "grown: $(json "$TMP/grow.json" blocks_written) blocks, $(json "$TMP/grow.json" wire_bytes) bytes"

# A stale cache (another host deployed meanwhile) is not trusted.
"$ROMFS" build --no-mpy -q -o "$TMP/other.romfs" "$A/net"
expect 0 env XDG_CACHE_HOME="$TMP/cache2" "$ROMFS" deploy -q -d "$D" "$TMP/other.romfs"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
[ "$(json "$OUT" base)" = trusted ] && bad "cache trusted after another image was deployed"
partition_matches after-other
exit $((FAILS > 0))
