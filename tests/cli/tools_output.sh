#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Outputs and inputs of every kind (romfs_io.h through cli_out/cli_file):
# a regular file is replaced by a rename and keeps its mode; a symbolic link
# is followed and its target replaced; a device or FIFO is written in place,
# never replaced; inputs are bounded and a failed write names its file.
. "$(dirname "$0")/lib-tools.sh"

mkdir -p "$TMP/app/lib"
echo 'print(1)' >"$TMP/app/main.py"
echo 'x = 2' >"$TMP/app/lib/m.py"
build() { expect 0 "$ROMFS" build --no-mpy -q -o "$@" "$TMP/app"; }
build "$TMP/ref.romfs"
no_temps() { [ -z "$(find "$1" -name '*.tmp-*')" ] || bad "temporary file left in $1: $(find "$1" -name '*.tmp-*')"; }

# A regular file with mode 0600 is replaced and stays 0600 (and so do
# extract -f's replaced files); a new file gets 0666 less the umask.
echo old >"$TMP/priv.romfs"
chmod 0600 "$TMP/priv.romfs"
build "$TMP/priv.romfs"
cmp -s "$TMP/priv.romfs" "$TMP/ref.romfs" || bad "0600 output not replaced"
[ "$(stat -c %a "$TMP/priv.romfs")" = 600 ] || bad "mode 0600 became $(stat -c %a "$TMP/priv.romfs")"
(umask 027 && "$ROMFS" build --no-mpy -q -o "$TMP/new.romfs" "$TMP/app") || bad "build to a new file"
[ "$(stat -c %a "$TMP/new.romfs")" = 640 ] || bad "new file mode $(stat -c %a "$TMP/new.romfs"), expected 640"
mkdir "$TMP/x"
echo mine >"$TMP/x/main.py"
chmod 0640 "$TMP/x/main.py"
expect 0 "$ROMFS" extract -f "$TMP/ref.romfs" "$TMP/x"
[ "$(stat -c %a "$TMP/x/main.py")" = 640 ] || bad "extract -f: mode 0640 became $(stat -c %a "$TMP/x/main.py")"
no_temps "$TMP"

# A symbolic link (and a chain of two, one relative) is followed: the link
# stays, its target gets the image.
mkdir -p "$TMP/real" "$TMP/links"
echo old >"$TMP/real/target.romfs"
ln -s "$TMP/real/target.romfs" "$TMP/links/abs"
ln -s abs "$TMP/links/rel"
build "$TMP/links/rel"
[ -L "$TMP/links/rel" ] && [ -L "$TMP/links/abs" ] || bad "symbolic link replaced"
cmp -s "$TMP/real/target.romfs" "$TMP/ref.romfs" || bad "symbolic link target not written"
# A dangling link: its target is created.
ln -s "$TMP/real/fresh.romfs" "$TMP/links/dangling"
build "$TMP/links/dangling"
[ -L "$TMP/links/dangling" ] && cmp -s "$TMP/real/fresh.romfs" "$TMP/ref.romfs" || bad "dangling link: target not created"
ln -s loop1 "$TMP/links/loop2"
ln -s loop2 "$TMP/links/loop1"
expect 1 "$ROMFS" build --no-mpy -q -o "$TMP/links/loop1" "$TMP/app"
err_has "loop1: cannot write: Too many levels of symbolic links"
no_temps "$TMP"

# A FIFO is written in place: the reader gets the image, the FIFO stays.
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/from-fifo" &
reader=$!
build "$TMP/fifo"
wait $reader
[ -p "$TMP/fifo" ] || bad "FIFO replaced"
cmp -s "$TMP/from-fifo" "$TMP/ref.romfs" || bad "FIFO reader did not get the image"
# /dev/null as root (or anyone): still the device afterwards.
build /dev/null
[ -c /dev/null ] || bad "/dev/null is no longer a character device"
# /dev/stdout (a link to pipe:[N], no path) is written in place too.
"$ROMFS" build --no-mpy -q -o /dev/stdout "$TMP/app" | cmp -s - "$TMP/ref.romfs" || bad "-o /dev/stdout into a pipe"
[ -L /dev/stdout ] || bad "/dev/stdout replaced"
# '-' is stdout.
run "$ROMFS" build --no-mpy -q -o - "$TMP/app"
out_is "$TMP/ref.romfs"
# A directory is refused, naming it.
expect 1 "$ROMFS" build --no-mpy -q -o "$TMP/real" "$TMP/app"
err_has "real: cannot write: Is a directory"

# A failed write names the output and prints the host's strerror (EFBIG
# here, which the library's table does not know), and leaves the old file.
head -c 100000 /dev/urandom >"$TMP/app/big.bin"
cp "$TMP/ref.romfs" "$TMP/keep.romfs"
(trap '' XFSZ; ulimit -f 20; "$ROMFS" build --no-mpy -q -o "$TMP/keep.romfs" "$TMP/app" >"$OUT" 2>"$ERR"; echo $? >"$TMP/rc")
[ "$(cat "$TMP/rc")" = 1 ] || bad "write past ulimit -f: exit $(cat "$TMP/rc")"
err_has "$TMP/keep.romfs: write failed at offset "
err_has ": File too large"
cmp -s "$TMP/keep.romfs" "$TMP/ref.romfs" || bad "failed build changed the old output"
no_temps "$TMP"
build "$TMP/big.romfs"
rm -rf "$TMP/xbig"
(trap '' XFSZ; ulimit -f 20; "$ROMFS" extract "$TMP/big.romfs" "$TMP/xbig" >"$OUT" 2>"$ERR"; echo $? >"$TMP/rc")
[ "$(cat "$TMP/rc")" = 1 ] || bad "extract past ulimit -f: exit $(cat "$TMP/rc")"
err_has "offset 0x"
err_has "$TMP/xbig/big.bin: write failed: File too large"
[ ! -e "$TMP/xbig/big.bin" ] || bad "extract left a partial big.bin"
no_temps "$TMP"

# Inputs: a FIFO is read to its end; a regular file or a stream larger
# than the bound (256 MiB) is refused with one line, and quickly.
mkfifo "$TMP/in"
cat "$TMP/ref.romfs" >"$TMP/in" &
expect 0 "$ROMFS" check -q "$TMP/in"
wait
truncate -s 300M "$TMP/huge.romfs"
expect 1 "$ROMFS" check "$TMP/huge.romfs"
err_has "huge.romfs: larger than 256 MiB, the most romfs reads"
expect 1 "$ROMFS" check /dev/zero
err_has "/dev/zero: larger than 256 MiB, the most romfs reads"
[ "$(wc -l <"$ERR")" = 1 ] || bad "/dev/zero: more than one error line"
expect 1 "$ROMFS" ls "$TMP/real"
err_has "real: is a directory, not an image file"
finish
