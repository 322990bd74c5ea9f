#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs deploy without a board: -o writes the stable layout of an image or a
# directory; invalid images and bad usage are refused with one line.
. "$(dirname "$0")/lib-tools.sh"

# Every golden image relaid out reads back with the same tree and bytes.
for img in "$G"/*.romfs; do
    name=$(basename "$img" .romfs)
    expect 0 "$ROMFS" deploy -q -o "$TMP/$name.s" "$img"
    expect 0 "$ROMFS" check "$TMP/$name.s"
    rm -rf "$TMP/x1" "$TMP/x2"
    expect 0 "$ROMFS" extract "$img" "$TMP/x1"
    expect 0 "$ROMFS" extract "$TMP/$name.s" "$TMP/x2"
    diff -r "$TMP/x1" "$TMP/x2" >/dev/null || bad "$name: stable layout extracts differently"
done

# Same-size edit over a base: only the edited file's block differs.
mkdir -p "$TMP/app"
for i in $(seq 10 49); do head -c 900 /dev/zero | tr '\0' "$((i % 10))" >"$TMP/app/m$i.py"; done
expect 0 "$ROMFS" deploy --no-mpy -q -o "$TMP/a.romfs" --block-size 1024 "$TMP/app"
printf 'X' | dd of="$TMP/app/m30.py" bs=1 seek=100 conv=notrunc 2>/dev/null
expect 0 "$ROMFS" deploy --no-mpy -o "$TMP/b.romfs" --base "$TMP/a.romfs" --block-size 1024 "$TMP/app"
out_has "39 files kept, 1 in place, 0 moved, 0 added"
[ "$(stat -c %s "$TMP/a.romfs")" = "$(stat -c %s "$TMP/b.romfs")" ] || bad "image size changed"
ndiff=$(cmp -l "$TMP/a.romfs" "$TMP/b.romfs" | awk '{print int(($1 - 1) / 1024)}' | sort -u | wc -l)
[ "$ndiff" = 1 ] || bad "expected 1 differing 1 KiB block, got $ndiff"

# --mpy (the default) compiles through `romfs build`'s mpy-cross step.
printf '#!/bin/sh\nexec bash "%s/fake-mpy-cross.sh" "$@"\n' "$(cd "$(dirname "$0")" && pwd)" >"$TMP/mpy-cross"
chmod +x "$TMP/mpy-cross"
expect 0 env MPY_CROSS="$TMP/mpy-cross" "$ROMFS" deploy -q -o "$TMP/m.romfs" "$TMP/app"
expect 0 "$ROMFS" ls "$TMP/m.romfs" /
out_has "m30.mpy"
grep -q "m30.py" "$OUT" && bad "--mpy left m30.py as source"

# Refusals: invalid image, hostile image, usage.
expect 1 "$ROMFS" deploy -o "$TMP/x" "$H/bad_magic.romfs"
err_has "Invalid ROMFS image"
expect 1 "$ROMFS" deploy -o "$TMP/x" "$H/record_longer_than_parent.romfs"
err_has "Invalid ROMFS image"
[ -e "$TMP/x" ] && bad "output written for an invalid image"
expect 1 "$ROMFS" deploy -o "$TMP/x" "$TMP/missing"
err_has "missing"
expect 2 "$ROMFS" deploy --align 3 -o "$TMP/x" "$TMP/app"
expect 2 "$ROMFS" deploy --base "$TMP/a.romfs" "$TMP/app"
expect 2 "$ROMFS" deploy
expect 0 "$ROMFS" deploy --help
out_has "usage: romfs deploy"
# One size limit (issue 20 item 22): what `check`, `ls` and `cat` cannot read
# is refused before anything is written, as `build -o` refuses it.
mkdir -p "$TMP/big" && truncate -s 300M "$TMP/big/huge.bin"
expect 1 "$ROMFS" deploy -q --no-mpy -o "$TMP/big.romfs" "$TMP/big"
err_has "larger than 256 MiB, the most romfs reads"
[ -e "$TMP/big.romfs" ] && bad "deploy -o wrote an image the readers refuse"
rm -rf "$TMP/big"

exit $((FAILS > 0))
