#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs stat: offsets, sizes and MicroPython's stat tuple.
. "$(dirname "$0")/lib-tools.sh"

S=$G/single.romfs
# single.romfs: d2 cd 31 10 | 05 0e 05 "a.txt" 02 06 "hello\n"
expect 0 "$ROMFS" stat "$S" /a.txt
out_eq "path:          /a.txt
type:          file
size:          6
data offset:   0xe (14)
alignment:     2
record offset: 0x4 (4)
os.stat():     (32768, 0, 0, 0, 0, 0, 6, 0, 0, 0)  # st_mode 0x8000"
expect 0 "$ROMFS" stat --json "$S" a.txt
out_eq '{"path": "/a.txt", "type": "file", "size": 6, "offset": 14, "record_offset": 4, "mode": 32768, "stat": [32768, 0, 0, 0, 0, 0, 6, 0, 0, 0]}'
# The root's size is the whole filesystem payload.
expect 0 "$ROMFS" stat --json "$S" /
out_eq '{"path": "/", "type": "dir", "size": 16, "offset": 4, "record_offset": 0, "mode": 16384, "stat": [16384, 0, 0, 0, 0, 0, 16, 0, 0, 0]}'
# A directory's size is its payload after the name.
expect 0 "$ROMFS" stat --json "$G/doc_example.romfs" /lib
out_has '"type": "dir", "size": 25, "offset": 11, "record_offset": 5, "mode": 16384'
expect 0 "$ROMFS" stat "$G/doc_example.romfs" /lib/
out_has "type:          directory"
# Duplicate names: the first wins.
expect 0 "$ROMFS" stat --json "$H/duplicate_names.romfs" /x
out_has '"size": 5'

expect 1 "$ROMFS" stat "$S" /b.txt
err_has "single.romfs: /b.txt: no such file or directory"
expect 1 "$ROMFS" stat "$H/record_longer_than_parent.romfs" /x
err_has "/x: corrupt image"
expect 1 "$ROMFS" stat "$H/header_past_end.romfs" /
err_has "header_past_end.romfs: not a ROMFS image"
expect 1 "$ROMFS" stat "$TMP/missing" /
err_has "missing: No such file or directory"
expect 2 "$ROMFS" stat "$S"
expect 2 "$ROMFS" stat --bad "$S" /
expect 0 "$ROMFS" stat -h
out_has "usage: romfs stat"
finish
