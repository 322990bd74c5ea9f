#!/bin/bash
# SPDX-License-Identifier: MIT
# golden.sh NAME: `romfs build --no-mpy` rebuilds golden vector NAME from its
# source tar byte for byte, printing exactly what mpremote printed (the
# .build.txt) plus the "Writing N bytes" line. NAME "upstream_random" checks
# MicroPython's random_romfs.bin against its source directory.
set -u
: "${ROMFS:?} ${VECTORS:?}"
name=${1:?usage: golden.sh NAME}
TEST_NAME=golden.$name
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1

if [ "$name" = upstream_random ]; then
    # The source sits in a read-only tree: copy it so the default output
    # (romfs_source.romfs, beside it) can be written.
    cp -r "$VECTORS/upstream/romfs_source" romfs_source
    chmod -R u+w romfs_source
    "$ROMFS" build --no-mpy romfs_source > out.txt 2> err.txt || die "exit $?: $(cat err.txt)"
    cmp romfs_source.romfs "$VECTORS/upstream/random_romfs.bin" || die "image differs"
    [ "$(head -1 out.txt)" = "Building romfs filesystem, source directory: romfs_source/" ] ||
        die "header line: $(head -1 out.txt)"
    [ "$(sed -n 2p out.txt)" = "/" ] || die "root line"
    n=$(grep -c -- '-- ' out.txt)
    [ "$n" = "$(ls romfs_source | wc -l)" ] || die "$n tree lines"
    exit 0
fi

g=$VECTORS/golden
[ -f "$g/$name.tar" ] || die "no such vector"
mkdir "$name" && tar xf "$g/$name.tar" -C "$name" || die "cannot extract"
"$ROMFS" build --no-mpy "$name" > out.txt 2> err.txt || die "exit $?: $(cat err.txt)"
cmp "$name.romfs" "$g/$name.romfs" || die "image differs"
size=$(stat -c %s "$g/$name.romfs")
{ cat "$g/$name.build.txt"; echo "Writing $size bytes to output file $name.romfs"; } > want.txt
diff want.txt out.txt >&2 || die "stdout differs from mpremote's"
# Only notes may appear on stderr (the main.py note), never errors.
if grep -v '^romfs: warning: ' err.txt | grep -q .; then die "stderr: $(cat err.txt)"; fi
# The same tree with a trailing slash and -o elsewhere gives the same bytes.
"$ROMFS" build --no-mpy -q -o again.romfs "$name/" > q.txt 2>/dev/null || die "rebuild with -o"
cmp again.romfs "$g/$name.romfs" || die "image with -o differs"
[ ! -s q.txt ] || die "-q printed something"
exit 0
