#!/bin/bash
# SPDX-License-Identifier: MIT
# Ports whose rom_ioctl(2, id) returns a block-device object (ioctl,
# readblocks, writeblocks) instead of a memoryview: deploy erases with
# ioctl(6, block) and writes with writeblocks (the emulator refuses
# rom_ioctl(3/4) in this mode), verifies through readblocks, and stays
# incremental; query reads the header through readblocks too.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4 5 6; do
    node -e 'let s = ""; for (let k = 0; k < 150; k++) s += `V${process.argv[1]}_${k} = ${k * 7}\n`; process.stdout.write(s)' $i >"$A/m$i.py"
done
P=$TMP/p.bin
D=$(dev "$P" --block-device --size 65536 --block-size 4096)

expect 0 "$ROMFS" query -d "$D"
out_has "ROMFS0 partition has size 65536 bytes (16 blocks of 4096 bytes each)"
out_has "Not a valid ROMFS"

expect 0 "$ROMFS" build -q --no-mpy -o "$TMP/a.romfs" "$A"
expect 0 "$ROMFS" deploy --json -d "$D" "$TMP/a.romfs"
total=$(json "$OUT" blocks_total)
[ "$total" -ge 3 ] || bad "expected a multi-block image, got $total blocks"
[ "$(json "$OUT" verified)" = true ] || bad "block-device deploy not verified"
cmp -n "$(stat -c %s "$TMP/a.romfs")" "$P" "$TMP/a.romfs" >/dev/null || bad "partition differs from the image"

expect 0 "$ROMFS" query --verify -d "$D"
out_has "Image check: valid (6 files"

boot "$P" 'import m3; print(m3.V3_10)' >"$TMP/boot.txt"
grep -qx '70' "$TMP/boot.txt" || bad "module does not import from /rom: $(head -3 "$TMP/boot.txt")"

# A same-size edit of the last module: only its block and block 0 travel.
sed -i 's/^V6_10 = 70$/V6_10 = 71/' "$A/m6.py"
expect 0 "$ROMFS" build -q --no-mpy -o "$TMP/b.romfs" "$A"
expect 0 "$ROMFS" deploy --json -d "$D" "$TMP/b.romfs"
w=$(json "$OUT" blocks_written)
[ "$w" -le 2 ] && [ "$w" -ge 1 ] || bad "edit rewrote $w of $total blocks"
cmp -n "$(stat -c %s "$TMP/b.romfs")" "$P" "$TMP/b.romfs" >/dev/null || bad "partition differs from the edited image"
exit $((FAILS > 0))
