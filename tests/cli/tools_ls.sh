#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs ls: listings, offsets and alignment checked against the image bytes,
# and every error path.
. "$(dirname "$0")/lib-tools.sh"

D=$G/doc_example.romfs
expect 0 "$ROMFS" ls "$D"
out_eq "lib/
main.py
utils.py"
err_empty
expect 0 "$ROMFS" ls "$D" /lib
out_eq "helper.py"
expect 0 "$ROMFS" ls "$D" lib/
out_eq "helper.py"
expect 0 "$ROMFS" ls -R "$D"
out_eq "/lib/
/lib/helper.py
/main.py
/utils.py"
# A file path lists that one entry.
expect 0 "$ROMFS" ls "$D" /main.py
out_eq "main.py"
expect 0 "$ROMFS" ls --json "$D" /main.py
out_has '"path": "/main.py", "name": "main.py", "type": "file", "size": 34'
# '-' reads the image from stdin.
run "$ROMFS" ls - </dev/null
[ "$rc" = 1 ] || bad "ls of an empty stdin: exit $rc"
err_has "<stdin>: not a ROMFS image"
"$ROMFS" ls -R - <"$D" >"$TMP/stdin.txt" 2>&1 || bad "ls - failed"
expect 0 "$ROMFS" ls -R "$D"
out_is "$TMP/stdin.txt"
expect 0 "$ROMFS" ls "$G/empty.romfs"
[ ! -s "$OUT" ] || bad "empty image lists something"
expect 0 "$ROMFS" ls --json "$G/empty.romfs"
out_eq "[]"

# -l and --json offsets: the bytes at each file's offset are its contents,
# and the alignment is the largest power of two dividing the offset.
for img in "$D" "$G/binary_assets.romfs" "$G/varuint_sizes.romfs"; do
    expect 0 "$ROMFS" ls -l -R "$img"
    cp "$OUT" "$TMP/long.txt"
    checked=0
    while read -r type size offset align path; do
        [ "$type" = file ] || continue
        expect 0 "$ROMFS" cat "$img" "$path"
        tail -c +$((offset + 1)) "$img" | head -c "$size" | cmp -s - "$OUT" || bad "$img $path: bytes at offset $offset differ"
        a=1
        while [ $a -lt 4096 ] && [ $((offset % (a * 2))) = 0 ]; do a=$((a * 2)); done
        [ "$a" = "$align" ] || bad "$img $path: align $align, expected $a"
        checked=$((checked + 1))
    done <"$TMP/long.txt"
    [ $checked -gt 0 ] || bad "$img: no files in ls -l -R"
done
expect 0 "$ROMFS" ls -l "$D"
out_has "dir          25         11     -  lib/"
# ls and stat mean the same by offset and record_offset, for files and
# directories alike.
for p in /lib /main.py /lib/helper.py; do
    expect 0 "$ROMFS" ls --json "$D" "$(dirname $p)"
    n=$(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const e = a.find(x => x.path === process.argv[2]); console.log(e.offset, e.record_offset)' "$OUT" "$p")
    expect 0 "$ROMFS" stat --json "$D" "$p"
    s=$(node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(e.offset, e.record_offset)' "$OUT")
    [ "$n" = "$s" ] || bad "$p: ls --json says offset/record_offset $n, stat --json $s"
done

# --json is valid JSON, one object per entry, with full paths under -R.
expect 0 "$ROMFS" ls --json -R "$G/many_and_deep.romfs"
n=$(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(a.length, a.filter(e => e.path.startsWith("/level0/level1/")).length)' "$OUT") || bad "ls --json is not JSON"
[ "$n" = "625 21" ] || bad "many_and_deep: ls --json -R gave '$n' entries"
# Names that are not printable are escaped in JSON and for people.
expect 0 "$ROMFS" ls --json "$H/names_with_slash_and_dots.romfs"
out_has '"name": "../../evil"'
out_has '"name": "", "type": "file"'
out_has '"unsafe": true'
err_has "warning: $H/names_with_slash_and_dots.romfs: offset 0x4: unsafe name '../../evil' in '/': no path reaches it"
expect 0 "$ROMFS" ls "$H/names_with_slash_and_dots.romfs"
err_has "offset 0x20: unsafe name '..' in '/'"
[ "$(grep -c 'unsafe name' "$ERR")" = 4 ] || bad "ls flagged $(grep -c 'unsafe name' "$ERR") unsafe names, expected 4"
# A name that is not valid UTF-8 (\xe9) and the real "é" give the same JSON
# string; name_hex tells them apart.
printf '\xd2\xcd\x31\x0f\x05\x05\x01\xe9\x02\x01x\x05\x06\x02\xc3\xa9\x02\x01y' >"$TMP/latin1.romfs"
expect 0 "$ROMFS" ls --json "$TMP/latin1.romfs"
n=$(node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(a.map(e => [e.name === "\u00e9", e.name_hex, e.path_hex].join(":")).join(" "))' "$OUT")
[ "$n" = "true:e9:2fe9 true::" ] || bad "ls --json of \\xe9 and é: '$n'"

# Errors.
expect 1 "$ROMFS" ls "$TMP/missing.romfs"
err_has "missing.romfs: No such file or directory"
printf 'hello world\n' >"$TMP/text.txt"
expect 1 "$ROMFS" ls "$TMP/text.txt"
err_has "text.txt: not a ROMFS image"
expect 1 "$ROMFS" ls "$D" /nope
err_has "doc_example.romfs: /nope: no such file or directory"
expect 1 "$ROMFS" ls "$D" /main.py/x
err_has "no such file or directory"
expect 1 "$ROMFS" ls -R "$H/unused_record_kind.romfs"
err_has "offset 0xf"
out_has "ok"
expect 1 "$ROMFS" ls "$H/file_without_data.romfs"
err_has "offset 0x10: directory '/': corrupt image"
expect 2 "$ROMFS" ls
err_has "usage: romfs ls"
expect 2 "$ROMFS" ls --bogus "$D"
expect 2 "$ROMFS" ls -z "$D"
expect 2 "$ROMFS" ls "$D" / extra
expect 0 "$ROMFS" ls --help
out_has "usage: romfs ls"
finish
