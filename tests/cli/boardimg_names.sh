#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Image commands on a board (-d): messages name the board's partition
# ("ROMFS0 on DEV"), never the temporary copy the image is read into
# (TMPDIR/romfs-image.XXXXXX/...).
. "$(dirname "$0")/lib-deploy.sh"
export TMPDIR=$TMP/tmpdir
mkdir -p "$TMPDIR"
DEV=$(dev "$TMP/p.bin" --partition-from "$H/pointer_offset_out_of_image.romfs")
expect 1 "$ROMFS" check -d "$DEV"
grep -q "romfs-image\.\|$TMPDIR" "$OUT" "$ERR" && bad "check -d shows the temporary path: $(cat "$OUT" "$ERR")"
grep -q "ROMFS0 on " "$OUT" "$ERR" || bad "check -d does not name the board's partition: $(cat "$OUT" "$ERR")"
expect 1 "$ROMFS" check --json -d "$DEV"
grep -q "romfs-image\." "$OUT" && bad "check --json -d shows the temporary path: $(cat "$OUT")"
expect 1 "$ROMFS" cat -d "$DEV" /x
grep -q "romfs-image\." "$ERR" && bad "cat -d shows the temporary path: $(cat "$ERR")"
expect 1 "$ROMFS" ls -d "$DEV" /nope
grep -q "romfs-image\." "$ERR" && bad "ls -d shows the temporary path: $(cat "$ERR")"
err_has "ROMFS0 on "
expect 1 "$ROMFS" stat -d "$DEV" /x
grep -q "romfs-image\." "$ERR" && bad "stat -d shows the temporary path: $(cat "$ERR")"
[ -z "$(ls -A "$TMPDIR")" ] || bad "temporary files left: $(ls -A "$TMPDIR")"
finish
