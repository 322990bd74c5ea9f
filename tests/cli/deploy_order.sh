#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What deploy and query say, and when: deploy prints "Image size is ..." and
# "ROMFS0 partition has size ..." before the transfer, as mpremote does (the
# board is held after its first flash operation and the lines must already
# be out); query on an erased partition says "Not a valid ROMFS" with the
# exit status its help gives for that case.
. "$(dirname "$0")/lib-deploy.sh"
set -m

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3; do head -c 1500 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
P=$TMP/p.bin
GEOM="--size 16384 --block-size 1024"

# query on the erased partition: shown, exit 0, and the help says so.
expect 0 "$ROMFS" query -d "$(dev "$P" $GEOM)"
out_has "Not a valid ROMFS"
expect 0 "$ROMFS" query --help
grep -q 'erased partition.*exit 0\|0 shown, an erased' "$OUT" || bad "query --help does not say an erased partition (Not a valid ROMFS) exits 0"
grep -q '1 no ROMFS on the board' "$OUT" && bad "query --help still says 1 means no ROMFS on the board"

# deploy: the two size lines before the first flash operation ends.
"$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM --hold-after 1 "$TMP/held")" "$A" >"$OUT" 2>"$ERR" &
pid=$!
for _ in $(seq 1 1500); do
    [ -e "$TMP/held" ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.02
done
if [ -e "$TMP/held" ]; then
    sleep 0.2
    grep -q '^Image size is [0-9]* bytes' "$OUT" || bad "deploy: 'Image size is' not printed before the transfer: $(cat "$OUT")"
    grep -q '^ROMFS0 partition has size 16384 bytes (16 blocks of 1024 bytes each)' "$OUT" ||
        bad "deploy: the partition size line not printed before the transfer: $(cat "$OUT")"
else
    bad "the board never reached its first flash operation: $(cat "$ERR")"
fi
kill -TERM $pid 2>/dev/null
wait $pid 2>/dev/null

# A whole deploy prints each line once, sizes first.
rm -f "$P"
expect 0 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM)" "$A"
[ "$(grep -c '^Image size is' "$OUT")" = 1 ] || bad "deploy: 'Image size is' not printed once: $(cat "$OUT")"
[ "$(head -n1 "$OUT" | cut -c1-13)" = "Image size is" ] || bad "deploy: the first line is not the image size: $(cat "$OUT")"
finish
