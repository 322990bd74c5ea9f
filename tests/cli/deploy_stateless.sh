#!/bin/bash
# SPDX-License-Identifier: MIT
# Deploys that need no host state (issue 10): deploy from one cache, edit
# one module so that a fresh layout would shift what follows it, deploy
# with an EMPTY cache: the layout is read from the board itself and about as
# few blocks go out as with the cache; the board then extracts to the new
# tree. A board holding a `romfs build` image (reference layout) or a
# corrupt one gets a full, verified rewrite, and the output says why.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
node "$SRC/bench/gen-app.mjs" "$A" 40 >/dev/null || { bad "cannot generate the app"; exit 1; }
P=$TMP/p.bin
D=$(dev "$P" --size 262144 --block-size 4096)

# extracts_to PARTFILE TREE WHAT: the image on the partition extracts to TREE.
extracts_to() {
    cp "$1" "$TMP/onboard.romfs"
    rm -rf "$TMP/x"
    "$ROMFS" extract "$TMP/onboard.romfs" "$TMP/x" >/dev/null 2>&1 || { bad "cannot extract the partition ($3)"; return; }
    diff -r "$2" "$TMP/x" >/dev/null || bad "partition does not extract to the tree ($3)"
}

export XDG_CACHE_HOME=$TMP/cache1
expect 0 "$ROMFS" deploy --no-mpy -q -d "$D" "$A"
cp "$P" "$TMP/p.before"

# A line added near the start of the tree: a fresh layout moves everything after it.
f=$(ls "$A"/*/m3.py | head -1)
printf '\n# one more line\n' >>"$f"

cp "$TMP/p.before" "$P"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
cp "$OUT" "$TMP/cache.json"
[ "$(json "$TMP/cache.json" base)" = cache ] || bad "with the cache: base $(json "$TMP/cache.json" base)"

cp "$TMP/p.before" "$P"
export XDG_CACHE_HOME=$TMP/cache2
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
cp "$OUT" "$TMP/empty.json"
[ "$(json "$TMP/empty.json" base)" = board ] || bad "with an empty cache: base $(json "$TMP/empty.json" base)"
wc=$(json "$TMP/cache.json" blocks_written)
we=$(json "$TMP/empty.json" blocks_written)
total=$(json "$TMP/empty.json" blocks_total)
[ "$we" -le $((wc + 1)) ] || bad "empty cache wrote $we blocks, with the cache $wc"
[ "$(json "$TMP/empty.json" verified)" = true ] || bad "empty-cache deploy not verified"
[ "$(json "$TMP/empty.json" crcs_asked)" -lt 64 ] || bad "asked CRCs of the whole partition"
extracts_to "$P" "$A" empty-cache

# The same edit laid out afresh (--full): what the board's layout saved.
cp "$TMP/p.before" "$P"
expect 0 env XDG_CACHE_HOME="$TMP/cache3" "$ROMFS" deploy --no-mpy --json --full -d "$D" "$A"
wf=$(json "$OUT" blocks_written)
echo "one added line, $total blocks: cache $wc written ($(json "$TMP/cache.json" wire_bytes) wire bytes)," \
    "empty cache $we ($(json "$TMP/empty.json" wire_bytes) wire bytes, $(json "$TMP/empty.json" board_bytes_read)" \
    "bytes read back), full $wf"

# A board holding a reference-layout image: a fresh, verified rewrite, said.
"$ROMFS" build --no-mpy -q -o "$TMP/ref.romfs" "$A"
expect 0 env XDG_CACHE_HOME="$TMP/cache4" "$ROMFS" deploy -q -d "$D" "$TMP/ref.romfs"
export XDG_CACHE_HOME=$TMP/cache5
expect 0 "$ROMFS" deploy --no-mpy -d "$D" "$A"
grep -q "not in the stable layout" "$OUT" || bad "no reason given for the fresh layout: $(grep note "$OUT")"
grep -q "stable layout: fresh" "$OUT" || bad "reference board image not laid out afresh"
extracts_to "$P" "$A" after-reference

# A corrupt one (its data-area marker overwritten): the same, and the reason says so.
at=$(grep -obUa romfsSL1 "$P" | head -1 | cut -d: -f1)
[ -n "$at" ] || bad "no stable-layout marker on the board"
printf 'XXXXXXXX' | dd of="$P" bs=1 seek="$at" conv=notrunc 2>/dev/null
export XDG_CACHE_HOME=$TMP/cache6
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
grep -q "corrupt" "$OUT" || bad "no 'corrupt' reason: $(cat "$OUT")"
[ "$(json "$OUT" verified)" = true ] || bad "rewrite over a corrupt image not verified"
extracts_to "$P" "$A" after-corrupt
exit $((FAILS > 0))
