#!/bin/bash
# SPDX-License-Identifier: MIT
# Every chunk encoding mpremote knows reaches the board intact: deflated
# base64, base64, hex and, for boards with none of those, a bytes literal.
# The image holds every byte value (quotes and backslashes included) so the
# literal's escaping is exercised; the partition must equal the image.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
node -e 'const b = Buffer.alloc(3000); for (let i = 0; i < b.length; i++) b[i] = (i * 7 + (i >> 8)) & 255;
         require("fs").writeFileSync(process.argv[1], b)' "$A/allbytes.bin"
printf "quote ' and backslash \\\\ and \"double\"\n" >"$A/quotes.txt"
"$ROMFS" build -q --no-mpy -o "$TMP/app.romfs" "$A" 2>/dev/null || bad "build"
size=$(stat -c %s "$TMP/app.romfs")

prev=""
for enc in deflate base64 hex literal; do
    P=$TMP/$enc.bin
    expect 0 env ROMFS_DEPLOY_ENCODING=$enc "$ROMFS" deploy --json -d "$(dev "$P" --size 16384 --block-size 4096)" "$TMP/app.romfs"
    cmp -n "$size" "$P" "$TMP/app.romfs" >/dev/null || bad "$enc: partition differs from the image"
    wire=$(json "$OUT" wire_bytes)
    echo "$enc: $wire bytes on the wire"
    # Each fallback costs more wire bytes than the one before it.
    [ -z "$prev" ] || [ "$wire" -gt "$prev" ] || bad "$enc sent $wire bytes, not more than the previous encoding ($prev)"
    prev=$wire
done

expect 1 env ROMFS_DEPLOY_ENCODING=morse "$ROMFS" deploy -d "$(dev "$TMP/x.bin")" "$TMP/app.romfs"
err_has "ROMFS_DEPLOY_ENCODING=morse"
exit $((FAILS > 0))
