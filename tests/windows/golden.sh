#!/bin/bash
# SPDX-License-Identifier: MIT
# win.golden.NAME: romfs.exe under wine and the Linux build, on golden vector
# NAME: build (--no-mpy; --align; --format uf2 and ihex), ls -l, ls -lR
# --json, tree, cat, stat, check, extract and diff print the same bytes,
# exit the same, and write the same images and files. Each run of wine
# costs about half a second, so files are read by cat only a few at a
# time; extract reads them all.
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
both stat "$img" /nonexistent
both check "$img"
# A few files by the paths the Linux build lists (extract below reads all).
"$ROMFS" ls -R "$g/$name.romfs" 2>/dev/null | grep -v '/$' | sed -n '1p;$p' > "$tmp/some"
while IFS= read -r p; do both cat "$img" "$p"; done < "$tmp/some"
# Names that differ only in case are one name to Windows: its extract
# refuses the image before writing; elsewhere the trees are the same.
clash=$("$ROMFS" ls -R "$g/$name.romfs" 2>/dev/null | tr '[:lower:]' '[:upper:]' | sort | uniq -d | head -1)
if [ -n "$clash" ]; then
    (cd "$tmp/W" && winromfs extract "$img" out > ../w.out 2> ../w.err); r=$?
    [ "$r" = 1 ] || bad "extract of an image with names differing in case ($clash): exit $r, want 1"
    grep -q "differs only in letter case" "$tmp/w.err" || bad "extract with $clash said: $(cat "$tmp/w.err")"
    [ ! -e "$tmp/W/out" ] || bad "extract with $clash created out/"
else
    both extract "$img" out
    diff -r "$tmp/L/out" "$tmp/W/out" >&2 || bad "extracted trees differ"
    diff -r "$tmp/L/out" "$tmp/L/$name" >&2 || bad "extracted tree is not the source"
    both extract "$img" out        # again, without -f: refused the same way
fi
both diff "$img" al.romfs
both diff --no-mpy "$img" "$name"
finish
