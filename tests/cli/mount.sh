#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs mount (FUSE): every golden image mounted equals `romfs extract` of it
# (diff -r, find, stat sizes); foreground and background modes; -o passed
# through; a corrupt entry is EIO for that entry only; a bad image is one
# error line and no mount. Needs root, /dev/fuse and fusermount3 (skips, 77).
set -u
. "$(dirname "$0")/lib-tools.sh"
[ -e /dev/fuse ] || { echo "skipped: no /dev/fuse"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skipped: mounting needs root here"; exit 77; }
command -v fusermount3 >/dev/null || { echo "skipped: fusermount3 not found (Debian fuse3)"; exit 77; }
mkdir -p "$TMP/probe"
run "$ROMFS" mount "$H/bad_magic.romfs" "$TMP/probe"
if grep -q "built without FUSE" "$ERR"; then echo "skipped: romfs built without libfuse3"; exit 77; fi
cd "$TMP" || exit 1
mkdir -p mnt
MNT=$TMP/mnt
on_exit 'fusermount3 -u "$MNT" 2>/dev/null'

mounted() { grep -q " $MNT fuse" /proc/mounts; }
wait_mounted() { for _ in $(seq 100); do mounted && return 0; sleep 0.05; done; return 1; }
umount_it() { fusermount3 -u "$MNT" || bad "fusermount3 -u failed"; ! mounted || bad "still mounted"; }

for img in "$G"/*.romfs; do
    name=$(basename "$img" .romfs)
    rm -rf ex && expect 0 "$ROMFS" extract "$img" ex
    expect 0 "$ROMFS" mount "$img" "$MNT"          # background: returns once mounted
    mounted || { bad "$name: not mounted after romfs mount returned"; continue; }
    diff -r ex "$MNT" > diff.txt 2>&1 || { bad "$name: mounted tree differs from extract"; head -5 diff.txt; }
    (cd ex && find . | sort) > f1; (cd "$MNT" && find . | sort) > f2
    cmp -s f1 f2 || bad "$name: find lists differ"
    (cd ex && find . -type f -exec stat -c '%n %s' {} + | sort) > s1
    (cd "$MNT" && find . -type f -exec stat -c '%n %s' {} + | sort) > s2
    cmp -s s1 s2 || bad "$name: stat sizes differ"
    ls -R "$MNT" > /dev/null || bad "$name: ls -R failed"
    touch "$MNT/new" 2>/dev/null && bad "$name: the mount is writable"
    umount_it
done

# Foreground: runs until unmounted, then exits 0; -o reaches FUSE.
"$ROMFS" mount -f "$G/doc_example.romfs" "$MNT" -o allow_other 2> fg.err &
pid=$!
wait_mounted || bad "foreground mount did not appear"
grep " $MNT fuse" /proc/mounts | grep -q allow_other || bad "-o allow_other not passed through: $(grep " $MNT " /proc/mounts)"
"$ROMFS" cat "$G/doc_example.romfs" /lib/helper.py > want.txt
cmp -s "$MNT/lib/helper.py" want.txt || bad "cat through the foreground mount"
kill -0 "$pid" 2>/dev/null || bad "foreground romfs mount did not stay"
umount_it
wait "$pid"; st=$?
[ "$st" = 0 ] || { bad "foreground mount exited $st after unmount"; cat fg.err; }

# A corrupt entry: EIO for it, the rest readable.
expect 0 "$ROMFS" mount "$H/pointer_offset_out_of_image.romfs" "$MNT"
ls "$MNT" > ls.txt 2> /dev/null || bad "ls of an image with one corrupt entry failed"
grep -qx ok ls.txt || bad "the sound entry is not listed"
[ "$(cat "$MNT/ok")" = fine ] || bad "the sound entry is not readable"
cat "$MNT/x" > /dev/null 2> cat.err && bad "the corrupt entry read without an error"
grep -q "Input/output error" cat.err || bad "corrupt entry: not EIO: $(cat cat.err)"
stat "$MNT/x" > /dev/null 2> stat.err && bad "stat of the corrupt entry succeeded"
grep -q "Input/output error" stat.err || bad "stat corrupt entry: $(cat stat.err)"
umount_it

# Names at and beyond every limit (255, 256, ROMFS_NAME_MAX 32767, 40000
# bytes): the daemon lists what a path can name and never crashes (a name
# longer than ROMFS_NAME_MAX once overflowed readdir's stack buffer).
node "$SRC/tests/cli/mkimg.mjs" long.romfs '[{"name":"ok","data":"fine"},
  {"name":{"repeat":"a","n":255},"data":"a255"},{"name":{"repeat":"b","n":256},"data":"b256"},
  {"name":{"repeat":"c","n":32767},"data":"c"},{"name":{"repeat":"d","n":40000},"data":"d"},
  {"name":"sub","dir":[{"name":{"repeat":"e","n":40000},"data":"e"},{"name":"z","data":"zz"}]}]' ||
    bad "mkimg failed"
"$ROMFS" mount -f long.romfs "$MNT" 2> long.err &
lpid=$!
wait_mounted || bad "long names: not mounted"
ls "$MNT" > ls.txt 2> ls.err || bad "long names: ls failed: $(cat ls.err)"
printf '%s\n' "$(printf 'a%.0s' $(seq 255))" ok sub | cmp -s - ls.txt || bad "long names: ls lists $(tr '\n' ' ' < ls.txt | cut -c1-80)"
[ "$(cat "$MNT/$(printf 'a%.0s' $(seq 255))")" = a255 ] || bad "long names: the 255-byte name does not read"
[ "$(ls "$MNT/sub")" = z ] || bad "long names: sub lists $(ls "$MNT/sub" | cut -c1-80)"
[ "$(cat "$MNT/sub/z")" = zz ] || bad "long names: sub/z does not read"
kill -0 "$lpid" 2>/dev/null || bad "long names: the daemon died"
umount_it
wait "$lpid" || bad "long names: the daemon exited $?: $(head -5 long.err)"

# Not an image; not a directory: one error line, nothing mounted.
expect 1 "$ROMFS" mount "$H/bad_magic.romfs" "$MNT"
# One line naming the file and the offset, as the other image commands say it.
[ "$(grep -c . "$ERR")" = 1 ] && err_has "bad_magic.romfs: not a ROMFS image: offset 0x0:" ||
    bad "bad image: $(cat "$ERR")"
mounted && bad "a bad image got mounted"
expect 1 "$ROMFS" mount "$G/single.romfs" "$TMP/nodir"
err_has "nodir"
# UF2 input mounts too.
expect 0 "$ROMFS" build -q --no-mpy --format uf2 --address 0 --family RP2040 -o a.uf2 ex
expect 0 "$ROMFS" mount a.uf2 "$MNT"
diff -r ex "$MNT" > /dev/null || bad "UF2 mount differs from its source"
umount_it
finish
