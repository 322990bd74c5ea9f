#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A read-only ROM partition (rom_ioctl ops 3-6 return -EINVAL, as on the
# QEMU firmware): the probe finds it and deploy and watch refuse before
# touching anything ("partition N is read-only on this board"): no erase,
# no program (so /rom is never unmounted), the old image still there.
. "$(dirname "$0")/lib-deploy.sh"
A=$TMP/app
mkdir -p "$A"
echo 'X = 1' >"$A/m.py"
P=$TMP/p.bin
GEOM="--size 16384 --block-size 1024"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
cp "$P" "$TMP/p.old"
echo 'X = 2' >"$A/m.py"

expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM --read-only --stats "$TMP/stats")" "$A"
err_has "partition 0 is read-only on this board"
grep -q "no mountable image" "$ERR" && bad "a read-only partition reported as holding no image: $(cat "$ERR")"
grep -q '"erases": 0, "programs": 0\|"erases":0,"programs":0' "$TMP/stats" || bad "the board was written to: $(cat "$TMP/stats")"
cmp -s "$P" "$TMP/p.old" || bad "the partition changed"
grep -q "Image size is" "$OUT" && bad "deploy went as far as laying the image out: $(cat "$OUT")"

# query still reads it.
expect 0 "$ROMFS" query -d "$(dev "$P" $GEOM --read-only)"
out_has "ROMFS image size"

# watch refuses too, with the same line, and does not loop.
expect 1 timeout 60 "$ROMFS" watch --no-mpy -d "$(dev "$P" $GEOM --read-only)" "$A"
err_has "partition 0 is read-only on this board"
finish
