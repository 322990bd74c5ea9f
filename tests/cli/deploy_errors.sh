#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs deploy refusals, each one clear line and exit 1, with the partition
# untouched wherever the check can come first: image too big, invalid image,
# bad partition index, board without ROMFS, board that stops answering.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
printf 'X = 1\n' >"$A/x.py"
P=$TMP/p.bin
GEOM="--size 8192 --block-size 1024"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
cp "$P" "$TMP/p.orig"
untouched() { cmp -s "$P" "$TMP/p.orig" || bad "partition changed: $1"; }
one_line() { [ "$(wc -l <"$ERR")" = 1 ] || { bad "$1: not one error line"; head -3 "$ERR"; }; }

# Too big: 12 KiB of incompressible data for an 8 KiB partition.
head -c 12000 /dev/urandom >"$TMP/big.bin"
mkdir -p "$TMP/bigapp" && cp "$TMP/big.bin" "$TMP/bigapp/"
expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM)" "$TMP/bigapp"
err_has "ROMFS image is too big for the target partition"
one_line "too big"
untouched "too big"

# Invalid images: refused before the board is even opened.
expect 1 "$ROMFS" deploy -d "$(dev "$P" $GEOM)" "$H/bad_magic.romfs"
err_has "Invalid ROMFS image"
one_line "invalid"
expect 1 "$ROMFS" deploy -d "$(dev "$P" $GEOM)" "$H/pointer_offset_out_of_image.romfs"
err_has "Invalid ROMFS image"
# ... naming the checker's first problem and its offset, as `romfs check` does.
err_has "Invalid ROMFS image: offset 0x"
first=$("$ROMFS" check "$H/pointer_offset_out_of_image.romfs" 2>&1 | grep -m1 -o 'offset 0x[0-9a-f]*' || true)
[ -n "$first" ] && err_has "$first"
untouched "invalid"

# A directory that cannot be built (a fifo in it; a missing directory): the
# in-process build fails with one line naming the path, before the board.
mkdir -p "$TMP/fifoapp" && printf 'x = 1\n' >"$TMP/fifoapp/ok.py" && mkfifo "$TMP/fifoapp/pipe"
expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM)" "$TMP/fifoapp"
err_has "fifoapp/pipe"
one_line "fifo in the source"
untouched "fifo in the source"
expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM)" "$TMP/no-such-dir"
err_has "no-such-dir: No such file or directory"
one_line "missing source"
untouched "missing source"

# A partition the board does not have.
expect 1 "$ROMFS" deploy --no-mpy -p 3 -d "$(dev "$P" $GEOM)" "$A"
err_has "ROMFS3 partition not found on device"
one_line "bad partition"
untouched "bad partition"
expect 2 "$ROMFS" deploy -p x -d "$(dev "$P" $GEOM)" "$A"

# A board without ROMFS.
expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM --no-romfs)" "$A"
err_has "ROMFS is not enabled on this device"
one_line "no romfs"
untouched "no romfs"

# A board that never answers, and one that dies in the middle.
expect 1 "$ROMFS" deploy --no-mpy -d "exec:sleep 30" "$A"
one_line "silent board"
printf 'Y = 2\n' >"$A/y.py"
expect 1 "$ROMFS" deploy --no-mpy -d "$(dev "$P" $GEOM --die-after 2)" "$A"
one_line "dying board"
err_has "romfs: "
s=$(state "$P" "$TMP/p.orig" "$TMP/p.orig")
[ "$s" = none ] || bad "board died mid-deploy but the partition shows '$s'"
exit $((FAILS > 0))
