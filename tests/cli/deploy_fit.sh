#!/bin/bash
# SPDX-License-Identifier: MIT
# When the stable layout (tree slack, data area on a block boundary) does not
# fit the partition but the packed image does, the packed one is deployed and
# the normal output says so, not only --json (issue 9).
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4 5; do head -c 700 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
"$ROMFS" build --no-mpy -q -o "$TMP/ref.romfs" "$A"
ref=$(stat -c %s "$TMP/ref.romfs")
[ "$ref" -le 4096 ] || bad "reference image is $ref bytes, the test wants <= 4096"
P=$TMP/p.bin
D=$(dev "$P" --size 4096 --block-size 1024)
expect 0 "$ROMFS" deploy --no-mpy -d "$D" "$A"
grep -q "does not fit the partition: deploying the packed image" "$OUT" || bad "no word of the packed layout: $(cat "$OUT")"
grep -q "Image size is $ref bytes" "$OUT" || bad "not the packed image: $(grep 'Image size' "$OUT")"
cmp -s -n "$ref" "$P" "$TMP/ref.romfs" || bad "partition does not hold the packed image"
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
[ "$(json "$OUT" layout)" = packed ] || bad "json layout is $(json "$OUT" layout)"
[ "$(json "$OUT" blocks_written)" = 0 ] || bad "the same packed image was rewritten"
exit $((FAILS > 0))
