#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs tree: every golden image draws exactly the tree the reference
# builder printed, and corrupt images end in an error, not a crash.
. "$(dirname "$0")/lib-tools.sh"

n=0
for img in "$G"/*.romfs; do
    name=$(basename "$img" .romfs)
    expect 0 "$ROMFS" tree "$img"
    tail -n +2 "$G/$name.build.txt" >"$TMP/want.txt"
    out_is "$TMP/want.txt"
    err_empty
    n=$((n + 1))
done
[ $n -ge 10 ] || bad "only $n golden images"

expect 0 "$ROMFS" tree "$G/doc_example.romfs" /lib
out_eq "/lib/
\\-- helper.py"
expect 0 "$ROMFS" tree - <"$G/single.romfs"
out_eq "/
\\-- a.txt"
# Unsafe names are drawn escaped, never raw control bytes.
printf '\xd2\xcd\x31\x0a\x05\x08\x03a\x1bb\x02\x02hi' >"$TMP/ctl.romfs"
expect 0 "$ROMFS" tree "$TMP/ctl.romfs"
out_eq "/
\\-- a\\x1bb"

for img in "$H"/*.romfs; do
    # 20000 levels draw ~1.6 GB of indentation; that image is walked elsewhere.
    [ "$(basename "$img")" = deep_nesting_20000.romfs ] && continue
    run "$ROMFS" tree "$img"
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || bad "tree $img: exit $rc"
done
expect 1 "$ROMFS" tree "$H/unused_record_kind.romfs"
err_has "offset 0xf: directory '/': corrupt image"
out_eq "/
|-- ok"
expect 1 "$ROMFS" tree "$H/bad_magic.romfs"
err_has "bad_magic.romfs: not a ROMFS image"
expect 1 "$ROMFS" tree "$TMP/none.romfs"
err_has "none.romfs: No such file or directory"
expect 1 "$ROMFS" tree "$G/doc_example.romfs" /main.py
err_has "/main.py: not a directory"
expect 2 "$ROMFS" tree
expect 2 "$ROMFS" tree --nope "$G/single.romfs"
expect 0 "$ROMFS" tree --help
out_has "usage: romfs tree"
finish
