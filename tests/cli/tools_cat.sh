#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs cat: exact bytes (sha256sum against the manifest), and errors.
. "$(dirname "$0")/lib-tools.sh"

D=$G/doc_example.romfs
sha() { node -e 'const m = require(process.argv[1]); for (const i of m) for (const e of i.entries) if (i.name === process.argv[2] && e.path === process.argv[3]) console.log(e.sha256)' "$G/manifest.json" "$1" "$2"; }

for spec in large_file:/big.bin binary_assets:/www/img/logo.bin binary_assets:/models/weights.bin doc_example:/main.py single:/a.txt; do
    name=${spec%%:*}
    path=${spec#*:}
    want=$(sha "$name" "$path")
    [ -n "$want" ] || { bad "$spec not in manifest"; continue; }
    expect 0 "$ROMFS" cat "$G/$name.romfs" "$path"
    got=$(sha256sum <"$OUT" | cut -d' ' -f1)
    [ "$got" = "$want" ] || bad "cat $spec: sha256 $got, manifest $want"
done
expect 0 "$ROMFS" cat "$G/single.romfs" a.txt
out_eq "hello"
# Several paths are concatenated; '-' reads the image from stdin.
run "$ROMFS" cat - /a.txt /a.txt <"$G/single.romfs"
[ "$rc" = 0 ] || bad "cat - exit $rc"
printf 'hello\nhello\n' | cmp -s - "$OUT" || bad "cat - /a.txt /a.txt"
expect 0 "$ROMFS" cat "$G/empty_entries.romfs" /empty.bin
[ ! -s "$OUT" ] || bad "empty file printed bytes"
# Indirect data: offset counted from the filesystem payload.
expect 0 "$ROMFS" cat "$H/indirect_data_valid.romfs" /a
printf 'ALIGNEDDATA!' | cmp -s - "$OUT" || bad "indirect data"

expect 1 "$ROMFS" cat "$D" /lib
err_has "doc_example.romfs: /lib: is a directory"
expect 1 "$ROMFS" cat "$D" /
err_has "/: is a directory"
expect 1 "$ROMFS" cat "$D" /nope.py
err_has "/nope.py: no such file or directory"
expect 1 "$ROMFS" cat "$H/pointer_offset_out_of_image.romfs" /x
err_has "/x: corrupt image"
[ ! -s "$OUT" ] || bad "corrupt file printed bytes"
expect 1 "$ROMFS" cat "$TMP/missing" /x
err_has "missing: No such file or directory"
expect 1 "$ROMFS" cat "$H/too_small.romfs" /x
err_has "too_small.romfs: not a ROMFS image"
expect 2 "$ROMFS" cat "$D"
err_has "usage: romfs cat"
expect 2 "$ROMFS" cat -x "$D" /main.py
expect 0 "$ROMFS" cat --help
out_has "usage: romfs cat"
finish
