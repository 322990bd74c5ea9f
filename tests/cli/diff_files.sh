#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs diff on image files and directories without a board, down to the
# empty image (whose entry list is empty: sorting it once was undefined
# behaviour that the sanitizers stopped with a runtime error).
set -u
: "${ROMFS:?}"
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1
mkdir empty app && printf 'x = 1\n' > app/a.py
"$ROMFS" build --no-mpy -q empty && "$ROMFS" build --no-mpy -q app || { echo "build failed" >&2; exit 1; }

"$ROMFS" diff empty.romfs empty.romfs > out 2> err || bad "empty vs empty: exit $?: $(cat err)"
grep -q '^0 added, 0 removed, 0 changed, 0 unchanged$' out || bad "empty vs empty said: $(cat out)"
[ ! -s err ] || bad "empty vs empty, stderr: $(cat err)"
"$ROMFS" diff --no-mpy empty.romfs empty > out 2> err || bad "empty image vs empty dir: exit $?: $(cat err)"
[ ! -s err ] || bad "empty image vs empty dir, stderr: $(cat err)"
"$ROMFS" diff empty.romfs app.romfs > out 2> err || bad "empty vs app: exit $?: $(cat err)"
grep -q '^+ file /a.py ' out || bad "empty vs app does not add /a.py: $(cat out)"
grep -q '^1 added, 0 removed, 0 changed, 0 unchanged$' out || bad "empty vs app counts: $(cat out)"
"$ROMFS" diff app.romfs empty.romfs > out 2> err || bad "app vs empty: exit $?: $(cat err)"
grep -q '^- file /a.py ' out || bad "app vs empty does not remove /a.py: $(cat out)"

# A UF2 file of an image is read as the image, as ls, cat and check read it
# (diff refused it as "Invalid ROMFS image" before it opened images as they
# do); a damaged one is refused naming its offset.
"$ROMFS" build --no-mpy -q --format uf2 --address 0 --family RP2040 -o app.uf2 app || bad "uf2 build"
"$ROMFS" diff app.romfs app.uf2 > out 2> err || bad "image vs its UF2: exit $?: $(cat err)"
grep -q '^0 added, 0 removed, 0 changed, 1 unchanged$' out || bad "image vs its UF2 counts: $(cat out)"
printf '\x07' | dd of=app.uf2 bs=1 seek=20 conv=notrunc status=none
"$ROMFS" diff app.romfs app.uf2 > out 2> err && bad "damaged UF2 accepted"
grep -q '^romfs: app.uf2: offset 0: UF2 block 0: numbered 7' err || bad "damaged UF2: $(cat err)"
[ "$FAILS" = 0 ] || exit 1
