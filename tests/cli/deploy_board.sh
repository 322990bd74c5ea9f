#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs deploy to the emulated board: a directory in the stable layout, then
# a soft reset where MicroPython mounts /rom and imports the app; a second
# deploy of the same tree writes nothing; an image file goes on byte for byte.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A/pkg"
printf 'def greet(n):\n    return "hello " + n\n' >"$A/hello.py"
printf 'from . import util\n' >"$A/pkg/__init__.py"
printf 'def twice(x):\n    return 2 * x\n' >"$A/pkg/util.py"
P=$TMP/p.bin
D=$(dev "$P" --size 65536 --block-size 4096)

expect 0 "$ROMFS" query -d "$D"
cp "$OUT" "$TMP/query-before"

expect 0 "$ROMFS" deploy --no-mpy -d "$D" "$A"
out_has "Image size is"
out_has "ROMFS0 partition has size 65536 bytes (16 blocks of 4096 bytes each)"
out_has "wrote 2 of 2 blocks, skipped 0 unchanged"
cmp -s "$TMP/query-before" <("$ROMFS" query -d "$D" 2>/dev/null) && bad "romfs query shows no change after the deploy"

# What a soft reset boots: MicroPython mounts /rom and imports from it.
boot "$P" 'import hello, pkg; print(hello.greet("rom"), pkg.util.twice(21))' >"$TMP/boot.txt"
grep -qx 'hello rom 42' "$TMP/boot.txt" || bad "app does not import from /rom: $(head -3 "$TMP/boot.txt")"

# Again, unchanged: nothing written, and the JSON says so.
expect 0 "$ROMFS" deploy --no-mpy --json -d "$D" "$A"
[ "$(json "$OUT" blocks_written)" = 0 ] || bad "unchanged tree rewrote $(json "$OUT" blocks_written) blocks"
[ "$(json "$OUT" layout)" = stable ] || bad "layout is $(json "$OUT" layout)"
[ "$(json "$OUT" base)" = cache ] || bad "base is $(json "$OUT" base)"
[ "$(json "$OUT" verified)" = true ] || bad "not verified"

# An image file is deployed as it is, byte for byte; -q prints nothing.
expect 0 "$ROMFS" build --no-mpy -q -o "$TMP/r.romfs" "$A"
expect 0 "$ROMFS" deploy -q -d "$D" "$TMP/r.romfs"
err_empty
[ -s "$OUT" ] && bad "-q printed on stdout"
cmp -s -n "$(stat -c %s "$TMP/r.romfs")" "$P" "$TMP/r.romfs" || bad "partition does not start with the image"
boot "$P" 'import hello; print(hello.greet("again"))' | grep -qx 'hello again' || bad "image file does not boot"

# --nor: the header unit is programmed twice (the magic alone last).
printf '# touched\n' >>"$A/hello.py"
expect 0 "$ROMFS" deploy --no-mpy --nor -q -d "$D" "$A"
boot "$P" 'import hello; print(hello.greet("nor"))' | grep -qx 'hello nor' || bad "--nor deploy does not boot"

# --full rewrites every block of the image.
expect 0 "$ROMFS" deploy --full --json -d "$D" "$TMP/r.romfs"
[ "$(json "$OUT" blocks_written)" = "$(json "$OUT" blocks_total)" ] || bad "--full skipped blocks"
exit $((FAILS > 0))
