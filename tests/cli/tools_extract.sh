#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs extract: every golden image unpacks to exactly its source tree;
# unsafe names, corrupt entries, existing files and symbolic links are
# refused without writing outside DIR.
. "$(dirname "$0")/lib-tools.sh"

D=$G/doc_example.romfs
n=0
for img in "$G"/*.romfs; do
    name=$(basename "$img" .romfs)
    mkdir -p "$TMP/tar/$name"
    tar -xf "$G/$name.tar" -C "$TMP/tar/$name"
    expect 0 "$ROMFS" extract "$img" "$TMP/x/$name"
    diff -r "$TMP/tar/$name" "$TMP/x/$name" >/dev/null 2>&1 || bad "$name: extracted tree differs from $name.tar"
    n=$((n + 1))
done
[ $n -ge 10 ] || bad "only $n golden images"
[ -z "$(find "$TMP/x" -name '*.tmp-*')" ] || bad "temporary files left behind"

# '-' reads the image from stdin; -v names each path.
run "$ROMFS" extract -v - "$TMP/stdin" <"$D"
[ "$rc" = 0 ] || bad "extract - exit $rc"
out_has "$TMP/stdin/lib/helper.py"
diff -r "$TMP/tar/doc_example" "$TMP/stdin" >/dev/null 2>&1 || bad "extract from stdin differs"

# Unsafe names: all reported with offsets, nothing written at all.
mkdir "$TMP/jail"
expect 1 "$ROMFS" extract "$H/names_with_slash_and_dots.romfs" "$TMP/jail/out"
err_has "offset 0x4: file in '/' has an unsafe name '../../evil'"
err_has "offset 0x16: file in '/' has an unsafe name 'a/b'"
err_has "offset 0x20: file in '/' has an unsafe name '..'"
err_has "offset 0x29: file in '/' has an unsafe name ''"
err_has "corrupt image: nothing extracted"
[ ! -e "$TMP/jail/out" ] || bad "unsafe image: DIR was created"
[ ! -e "$TMP/evil" ] && [ ! -e "$TMP/jail/evil" ] || bad "unsafe image: evil written"

# Corrupt entries: refused before writing.
expect 1 "$ROMFS" extract "$H/pointer_offset_out_of_image.romfs" "$TMP/corrupt"
err_has "offset 0x13: file '/x': indirect data [100000, 104096) outside the filesystem payload"
[ ! -e "$TMP/corrupt" ] || bad "corrupt image: DIR was created"

# A valid first data record followed by a broken record in the same file
# record: the reader reads "hi", check calls it corrupt, extract refuses it
# (516 mutants of the golden images did this).
printf '\xd2\xcd\x31\x0a\x05\x08\x01a\x02\x02hi\x02\x05' >"$TMP/after_data.romfs"
expect 0 "$ROMFS" cat "$TMP/after_data.romfs" /a
[ "$(cat "$OUT")" = hi ] || bad "cat of the file with a broken second record"
expect 1 "$ROMFS" check -q "$TMP/after_data.romfs"
expect 1 "$ROMFS" extract "$TMP/after_data.romfs" "$TMP/after"
err_has "offset 0xc: file '/a': record header or payload runs past the end of the file record"
err_has "corrupt image: nothing extracted"
[ ! -e "$TMP/after" ] || bad "corrupt file record: DIR was created"

# A 40 000-byte name the host refuses: one error line, the name cut short.
node -e '
const uint = (v) => { const b = [v & 0x7f]; while ((v >>= 7) > 0) b.unshift(0x80 | (v & 0x7f)); return b; };
const rec = (kind, payload) => [...uint(kind), ...uint(payload.length), ...payload];
const node = rec(5, [...uint(40000), ...Buffer.alloc(40000, 0x61), ...rec(2, [0x78])]);
process.stdout.write(Buffer.from([0xd2, 0xcd, 0x31, ...uint(node.length), ...node]));' >"$TMP/longname.romfs"
expect 1 "$ROMFS" extract "$TMP/longname.romfs" "$TMP/long"
err_has "aaa...' in '/': a name of 40000 bytes, longer than the 255 a host file system takes"
[ ! -e "$TMP/long" ] || bad "long name: the directory was created"
[ "$(wc -l <"$ERR")" = 1 ] && [ "$(wc -c <"$ERR")" -lt 600 ] || bad "long name: $(wc -l <"$ERR") lines, $(wc -c <"$ERR") bytes"

# An existing symbolic link to a directory outside DIR is never followed.
mkdir -p "$TMP/outside" "$TMP/s1"
ln -s "$TMP/outside" "$TMP/s1/lib"
expect 1 "$ROMFS" extract "$D" "$TMP/s1"
err_has "offset 0x5: $TMP/s1/lib: exists as a symbolic link; refusing to follow it"
[ -z "$(ls -A "$TMP/outside")" ] || bad "wrote through a symbolic link"
expect 1 "$ROMFS" extract -f "$D" "$TMP/s1"
[ -z "$(ls -A "$TMP/outside")" ] || bad "--force wrote through a symbolic link"

# A symbolic link where a file goes: refused, and --force replaces the
# link itself, never its target.
mkdir -p "$TMP/s2"
ln -s "$TMP/outside/target" "$TMP/s2/main.py"
expect 1 "$ROMFS" extract "$D" "$TMP/s2"
err_has "main.py: already exists (--force replaces it)"
expect 0 "$ROMFS" extract -f "$D" "$TMP/s2"
[ ! -L "$TMP/s2/main.py" ] && [ -f "$TMP/s2/main.py" ] || bad "--force left the link"
[ ! -e "$TMP/outside/target" ] || bad "--force wrote through a file link"
diff -r "$TMP/tar/doc_example" "$TMP/s2" >/dev/null 2>&1 || bad "--force result differs"

# Existing files are kept unless --force.
mkdir -p "$TMP/s3"
echo mine >"$TMP/s3/utils.py"
expect 1 "$ROMFS" extract "$D" "$TMP/s3"
err_has "offset 0x52: $TMP/s3/utils.py: already exists"
[ "$(cat "$TMP/s3/utils.py")" = mine ] || bad "existing file overwritten without --force"
[ -z "$(find "$TMP/s3" -name '*.tmp-*')" ] || bad "temporary file left after a refusal"
# An existing regular file where a directory goes.
mkdir -p "$TMP/s4"
echo x >"$TMP/s4/lib"
expect 1 "$ROMFS" extract "$D" "$TMP/s4"
err_has "s4/lib: exists and is not a directory"

# Equal names: only the first is written, as only it is reachable by path.
expect 0 "$ROMFS" extract "$H/duplicate_names.romfs" "$TMP/dup"
err_has "warning: $H/duplicate_names.romfs: offset 0x10: /x: an earlier entry has the same name; skipped"
[ "$(cat "$TMP/dup/x")" = first ] || bad "duplicate names: the later entry won"
expect 0 "$ROMFS" extract -f "$H/duplicate_names.romfs" "$TMP/dup"
[ "$(cat "$TMP/dup/x")" = first ] || bad "duplicate names with --force: the later entry won"
expect 0 "$ROMFS" extract "$SRC/fuzz/corpus/nested_dup_indirect.romfs" "$TMP/dup2"
[ "$(cat "$TMP/dup2/d/x")" = a ] || bad "nested duplicate: the later entry won"

# 1500 nested directories with 200 descriptors at most: no recursion and no
# descriptor per level. (The 20000-level vector works too but creating and
# removing 20000 directories takes seconds of system time.)
node -e '
const uint = (v) => { const b = [v & 0x7f]; while ((v >>= 7) > 0) b.unshift(0x80 | (v & 0x7f)); return b; };
const rec = (kind, payload) => [...uint(kind), ...uint(payload.length), ...payload];
let node = rec(5, [1, 0x78, ...rec(2, [...Buffer.from("deep")])]);
for (let i = 0; i < 1500; i++) node = rec(4, [1, 0x64, ...node]);
process.stdout.write(Buffer.from([0xd2, 0xcd, 0x31, ...uint(node.length), ...node]));' >"$TMP/deep.romfs"
(FAILS=0; ulimit -n 200 && expect 0 "$ROMFS" extract "$TMP/deep.romfs" "$TMP/deep" && [ $FAILS = 0 ]) || bad "deep extract"
# (Its path is longer than PATH_MAX: let find report it rather than read it.)
[ "$(find "$TMP/deep" -type f -name x -size 4c | wc -l)" = 1 ] || bad "deep extract: the file at the bottom"
[ "$(find "$TMP/deep" -type d | wc -l)" = 1501 ] || bad "deep extract: wrong number of directories"

# A name longer than 255 bytes (no host file system takes it): check warns,
# extract refuses the image before writing anything (it once wrote the
# entries before it and stopped at that one). 255 bytes extract.
n255=$(printf 'a%.0s' $(seq 255))
node "$SRC/tests/cli/mkimg.mjs" "$TMP/n256.romfs" '[{"name":"first","data":"1"},
  {"name":"d","dir":[{"name":{"repeat":"b","n":256},"data":"b"}]}]' || bad "mkimg"
node "$SRC/tests/cli/mkimg.mjs" "$TMP/n255.romfs" "[{\"name\":\"first\",\"data\":\"1\"},{\"name\":\"$n255\",\"data\":\"a\"}]" || bad "mkimg"
expect 0 "$ROMFS" check "$TMP/n256.romfs"
err_has "romfs: warning: $TMP/n256.romfs: offset 0x"
err_has "a name of 256 bytes, longer than the 255 a host file system takes: extract cannot write it"
out_has "1 warning"
expect 1 "$ROMFS" extract "$TMP/n256.romfs" "$TMP/x256"
err_has "longer than the 255"
err_has "nothing extracted"
[ ! -e "$TMP/x256" ] || bad "extract of a 256-byte name wrote something: $(ls -R "$TMP/x256" | head -3)"
expect 0 "$ROMFS" check "$TMP/n255.romfs"
err_empty
expect 0 "$ROMFS" extract "$TMP/n255.romfs" "$TMP/x255"
[ "$(cat "$TMP/x255/$n255")" = a ] || bad "a 255-byte name did not extract"

expect 1 "$ROMFS" extract "$TMP/none.romfs" "$TMP/n"
err_has "none.romfs: No such file or directory"
echo x >"$TMP/afile"
expect 1 "$ROMFS" extract "$D" "$TMP/afile"
err_has "afile: cannot open directory"
expect 2 "$ROMFS" extract "$D"
expect 2 "$ROMFS" extract --what "$D" "$TMP/w"
expect 0 "$ROMFS" extract --help
out_has "files already written stay"
finish
