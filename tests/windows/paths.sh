#!/bin/bash
# SPDX-License-Identifier: MIT
# win.paths: romfs.exe with Windows paths: absolute drive paths with
# backslashes (Z:\... is the Linux root under wine), UTF-8 names in the
# command line and in the tree, names Windows cannot hold refused before
# extract writes anything, binary standard output, and `romfs mount`
# saying it is not available (exit 2).
. "$(dirname "$0")/lib-wine.sh"

# A tree with UTF-8 names, in a directory whose own name is UTF-8.
for d in L W; do
    s="$tmp/$d/sörce-ü"
    mkdir -p "$s/dïr/ünder" &&
    printf 'print("héllo")\n' > "$s/héllo.py" &&
    printf '\x00\x01\r\n\x1a\xff' > "$s/dïr/bin.dat" &&
    printf 'x' > "$s/dïr/ünder/日本.txt" || bad "cannot make the tree"
done
both build --no-mpy -q "sörce-ü" && same "sörce-ü.romfs"
both ls -lR "sörce-ü.romfs"
both cat "sörce-ü.romfs" /dïr/bin.dat
cmp -s "$tmp/w.out" "$tmp/W/sörce-ü/dïr/bin.dat" || bad "cat changed binary bytes (text-mode stdout?)"

# Absolute Windows paths with backslashes, for the source and the output.
wpath() { printf 'Z:%s' "$1" | tr / '\\'; }
src=$(wpath "$tmp/W/sörce-ü")
out=$(wpath "$tmp/W/abs.romfs")
(cd "$tmp/W" && winromfs build --no-mpy -o "$out" "$src" > ../w.out 2> ../w.err) || bad "build with $src: $(cat "$tmp/w.err")"
cmp -s "$tmp/W/abs.romfs" "$tmp/L/sörce-ü.romfs" || bad "the image built from $src differs"
grep -qF "source directory: $src" "$tmp/w.out" || bad "the tree header does not name $src: $(head -1 "$tmp/w.out")"
(cd "$tmp/W" && winromfs extract "$out" "$(wpath "$tmp/W/ex-ü")" > ../w.out 2> ../w.err) || bad "extract to a Windows path: $(cat "$tmp/w.err")"
diff -r "$tmp/W/ex-ü" "$tmp/L/sörce-ü" >&2 || bad "extracted through Windows paths, the tree differs"
(cd "$tmp/W" && winromfs ls -l 'abs.romfs' '\dïr' > ../w.out 2>../w.err); r=$?
[ "$r" != 0 ] || bad "ls with a backslash image path was taken as a path separator (image paths are /-separated)"

# An image (made on Linux) with names Windows cannot create: refused
# before anything is written, naming the entry.
for n in 'a:b' 'con.txt' 'x\y' 'trail.'; do
    rm -rf "$tmp/L/bad" "$tmp/W/dest"
    mkdir -p "$tmp/L/bad" && printf 'x' > "$tmp/L/bad/ok.txt" && printf 'y' > "$tmp/L/bad/$n"
    "$ROMFS" build --no-mpy -q -o "$tmp/W/bad.romfs" "$tmp/L/bad" || { bad "cannot build an image with '$n'"; continue; }
    (cd "$tmp/W" && winromfs extract bad.romfs dest > ../w.out 2> ../w.err); r=$?
    [ "$r" = 1 ] || bad "extract of an image holding '$n': exit $r, want 1"
    grep -q "nothing extracted" "$tmp/w.err" || bad "extract of '$n': $(cat "$tmp/w.err")"
    [ ! -e "$tmp/W/dest/ok.txt" ] || bad "extract of an image holding '$n' wrote ok.txt first"
done

# FUSE is not on Windows: one line, exit 2.
(cd "$tmp/W" && winromfs mount "sörce-ü.romfs" mnt > ../w.out 2> ../w.err); r=$?
[ "$r" = 2 ] || bad "mount: exit $r, want 2"
grep -q "not available on Windows" "$tmp/w.err" || bad "mount said: $(cat "$tmp/w.err")"
# Boards are not in the Windows build yet: one line, exit 1, not a hang.
(cd "$tmp/W" && winromfs query -d COM1 > ../w.out 2> ../w.err); r=$?
[ "$r" = 1 ] || bad "query: exit $r, want 1"
finish
