#!/bin/bash
# SPDX-License-Identifier: MIT
# win.golden.NAME: romfs.exe under wine and the Linux build, on golden vector
# NAME: build (--no-mpy; --align; --format uf2 and ihex), ls -l, ls -lR
# --json, tree, cat of every file, stat, check, extract and diff print the
# same bytes, exit the same, and write the same images and files.
. "$(dirname "$0")/lib-wine.sh"
name=${1:?usage: golden.sh NAME}
: "${VECTORS:?}"
g=$VECTORS/golden
[ -f "$g/$name.tar" ] || prereq "no vector $name"
for d in L W; do
    mkdir "$tmp/$d/$name" && tar xf "$g/$name.tar" -C "$tmp/$d/$name" || bad "cannot extract $name.tar"
done

both build --no-mpy "$name" && same "$name.romfs"
cmp -s "$tmp/W/$name.romfs" "$g/$name.romfs" || bad "the Windows build's $name.romfs is not the golden image"
both build --no-mpy -q --align 64 -o al.romfs "$name" && same al.romfs
both build --no-mpy -q --format uf2 --address 0x10100000 --family RP2040 -o img.uf2 "$name" && same img.uf2
both build --no-mpy -q --format ihex -o img.hex "$name" && same img.hex
img=$name.romfs
both ls -l "$img"
both ls -lR --json "$img"
both tree "$img"
both tree img.uf2
both stat "$img" /
both check "$img"
both check --json al.romfs
# every file of the image, by the paths the Linux build lists
while IFS= read -r p; do
    case $p in */) ;; *) both cat "$img" "$p" ;; esac
done < <("$ROMFS" ls -R "$g/$name.romfs" 2>/dev/null)
both stat "$img" /nonexistent
both extract "$img" out
if [ -d "$tmp/L/out" ]; then
    diff -r "$tmp/L/out" "$tmp/W/out" >&2 || bad "extracted trees differ"
    diff -r "$tmp/L/out" "$tmp/L/$name" >&2 || bad "extracted tree is not the source"
fi
both extract "$img" out        # again, without -f: refused the same way
both diff "$img" al.romfs
both diff --no-mpy "$img" "$name"
both diff img.uf2 img.hex
finish
