#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs check: verdicts, every problem with its offset, summaries, --json.
. "$(dirname "$0")/lib-tools.sh"

for img in "$G"/*.romfs; do
    expect 0 "$ROMFS" check "$img"
    out_has "$img: ok ("
    err_empty
done
expect 0 "$ROMFS" check "$G/doc_example.romfs"
out_eq "$G/doc_example.romfs: ok (1 dirs, 3 files, 86 bytes)"
expect 0 "$ROMFS" check - <"$G/single.romfs"
out_eq "<stdin>: ok (0 dirs, 1 files, 6 bytes)"
# Without recursion: 20000 nested directories.
expect 0 "$ROMFS" check "$H/deep_nesting_20000.romfs"
out_has "ok (20000 dirs, 1 files, 4 bytes)"

P=$H/pointer_offset_out_of_image.romfs
expect 1 "$ROMFS" check "$P"
printf "romfs: %s: offset 0x13: file '/x': indirect data [100000, 104096) outside the filesystem payload (length 22)\n" "$P" |
    cmp -s - "$ERR" || { bad "pointer_offset_out_of_image message"; cat "$ERR"; }
out_eq "$P: 1 problem"
expect 1 "$ROMFS" check "$H/names_with_slash_and_dots.romfs"
for off in 0x4 0x16 0x20 0x29; do err_has "offset $off: file in '/' has an unsafe name"; done
out_has ": 4 problems"
expect 0 "$ROMFS" check "$H/duplicate_names.romfs"
err_has "romfs: warning: $H/duplicate_names.romfs: offset 0x10: duplicate name 'x' in directory '/': only the first (offset 0x5) can be reached"
out_has "ok (0 dirs, 2 files, 11 bytes), 1 warning"
expect 1 "$ROMFS" check "$H/unused_record_kind.romfs"
err_has "offset 0xf: directory '/': record of kind 0 (unused): corruption"
expect 1 "$ROMFS" check "$H/bad_magic.romfs"
err_has "offset 0x0: not a ROMFS image: starts with d2 cd 32"
expect 1 "$ROMFS" check "$H/header_past_end.romfs"
err_has "offset 0x3: filesystem record: 100 payload bytes claimed but only 11 remain"

# Unknown kinds are fine; -v says so.
expect 0 "$ROMFS" check "$H/unknown_records_skipped.romfs"
err_empty
expect 0 "$ROMFS" check -v "$H/unknown_records_skipped.romfs"
err_has "info: $H/unknown_records_skipped.romfs: offset 0x12: file '/test': unknown record kind 4660 skipped"

# A partition's erased tail after the filesystem record is information.
{ cat "$G/doc_example.romfs"; head -c 64 /dev/zero | tr '\0' '\377'; } >"$TMP/tail.romfs"
expect 0 "$ROMFS" check -v "$TMP/tail.romfs"
err_has "offset 0x88: 64 bytes after the filesystem record are ignored (all 0xff: erased flash)"

# Every problem is reported, not just the first: an indirect pointer out of
# range (0x9), a file without data (0xd), a kind-0 record in /d (0x15); /c
# after them is still fine.
printf '\xd2\xcd\x31\x80\x19\x05\x06\x01a\x03\x02\x05\x7f\x05\x02\x01b\x04\x04\x01d\x00\x00\x05\x05\x01c\x02\x01z' >"$TMP/multi.romfs"
expect 1 "$ROMFS" check "$TMP/multi.romfs"
err_has "offset 0x9: file '/a': indirect data [127, 132) outside the filesystem payload (length 25)"
err_has "offset 0xd: file '/b' has no data record"
err_has "offset 0x15: directory '/d': record of kind 0 (unused)"
out_eq "$TMP/multi.romfs: 3 problems"
expect 0 "$ROMFS" cat "$TMP/multi.romfs" /c
printf z | cmp -s - "$OUT" || bad "multi.romfs: /c is not 'z'"
expect 1 "$ROMFS" check --json "$TMP/multi.romfs"
got=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.ok, r.files, r.dirs, r.problems.filter(p => p.severity === "fail").map(p => p.offset).join(","))' "$OUT") || bad "check --json is not JSON"
[ "$got" = "false 3 1 9,13,21" ] || bad "check --json gave '$got'"
expect 0 "$ROMFS" check -q "$G/single.romfs"
[ ! -s "$OUT" ] || bad "-q printed a summary"

expect 1 "$ROMFS" check "$TMP/none.romfs"
err_has "none.romfs: No such file or directory"
expect 2 "$ROMFS" check
expect 2 "$ROMFS" check "$G/single.romfs" "$G/single.romfs"
expect 2 "$ROMFS" check --nope "$G/single.romfs"
expect 0 "$ROMFS" check --help
out_has "usage: romfs check"
finish
