#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs mount (FUSE), beyond mount.sh: a directory whose records are
# corrupt part-way answers EIO from readdir (ls and find fail, never a
# silently truncated listing); inode numbers come from image offsets, the
# same on every mount whatever the order of lookups; -f then SIGINT or
# SIGTERM unmounts and exits 0 with nothing on stderr (no libfuse warning).
# Needs root, /dev/fuse and fusermount3 (fails under CI, skips otherwise).
set -u
. "$(dirname "$0")/lib-tools.sh"
[ -e /dev/fuse ] || prereq "no /dev/fuse"
[ "$(id -u)" = 0 ] || prereq "mounting needs root here"
command -v fusermount3 >/dev/null || prereq "fusermount3 not found (Debian fuse3)"
mkdir -p "$TMP/probe"
run "$ROMFS" mount "$H/bad_magic.romfs" "$TMP/probe"
grep -q "built without FUSE" "$ERR" && prereq "romfs built without libfuse3"
cd "$TMP" || exit 1
mkdir -p mnt
MNT=$TMP/mnt
on_exit 'fusermount3 -u "$MNT" 2>/dev/null'
mounted() { grep -q " $MNT fuse" /proc/mounts; }
wait_mounted() { for _ in $(seq 100); do mounted && return 0; sleep 0.05; done; return 1; }
umount_it() { fusermount3 -u "$MNT" || bad "fusermount3 -u failed"; ! mounted || bad "still mounted"; }

# Root: file "a" (contents "ok"), then a record whose length runs past the
# directory: the reader ends the directory there.
printf '\xd2\xcd\x31\x0c\x05\x06\x01a\x02\x02ok\x05\x7fzz' >trunc.romfs
expect 0 "$ROMFS" mount trunc.romfs "$MNT"
[ "$(cat "$MNT/a" 2>/dev/null)" = ok ] || bad "the sound entry is not readable"
ls "$MNT" >ls.txt 2>ls.err && bad "ls of a directory with a corrupt record succeeded: $(cat ls.txt)"
grep -q "Input/output error" ls.err || bad "ls: not EIO: $(cat ls.err)"
find "$MNT" >/dev/null 2>find.err && bad "find through a corrupt directory succeeded"
umount_it

# Inodes: from record offsets, stable across mounts and lookup orders.
img=$G/doc_example.romfs
expect 0 "$ROMFS" mount "$img" "$MNT"
(cd "$MNT" && find . -exec stat -c '%n %i' {} + | sort) >ino1
umount_it
expect 0 "$ROMFS" mount "$img" "$MNT"
stat -c %i "$MNT/utils.py" "$MNT/main.py" >/dev/null   # other first lookups
(cd "$MNT" && find . | sort -r | xargs stat -c '%n %i' | sort) >ino2
umount_it
cmp -s ino1 ino2 || { bad "inode numbers differ between mounts"; diff ino1 ino2 | head -5; }
[ "$(awk '$1 == "." {print $2}' ino1)" = 1 ] || bad "the root is not inode 1: $(head -3 ino1)"
# Every other inode is its record's offset + 1: distinct, and > 1.
[ "$(awk '{print $2}' ino1 | sort -u | wc -l)" = "$(wc -l <ino1)" ] || bad "inode numbers repeat: $(cat ino1)"

# Foreground, then a signal: unmounted, exit 0, stderr empty.
set -m
for sig in INT TERM; do
    "$ROMFS" mount -f "$img" "$MNT" 2>fg.err &
    pid=$!
    wait_mounted || bad "$sig: the foreground mount did not appear"
    kill -"$sig" "$pid"
    wait "$pid"
    st=$?
    [ "$st" = 0 ] || bad "$sig: mount -f exited $st"
    [ ! -s fg.err ] || bad "$sig: stderr: $(cat fg.err)"
    for _ in $(seq 50); do mounted || break; sleep 0.05; done
    mounted && { bad "$sig: still mounted"; fusermount3 -u "$MNT"; }
done
finish
