#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs diff and romfs tree on image files at their limits: images without
# entries (UBSan once caught qsort(NULL, 0)), a tree 20 000 directories deep
# that check passes (diff refused anything deeper than 4096; tree printed
# 430 MB for it, its indentation growing with depth; diff against nothing
# 400 MB of whole paths), names of odd bytes
# compared by their bytes, in tree order.
. "$(dirname "$0")/lib-tools.sh"
E=$G/empty.romfs
DEEP=$H/deep_nesting_20000.romfs

expect 0 "$ROMFS" diff "$E" "$E"
out_has "0 added, 0 removed, 0 changed, 0 unchanged"
expect 0 "$ROMFS" diff "$E" "$G/single.romfs"
out_has "1 added, 0 removed, 0 changed"
expect 0 "$ROMFS" diff "$G/single.romfs" "$E"
out_has "0 added, 1 removed, 0 changed"

# The deep tree against itself (against nothing, its 20 000 paths would
# be 400 MB of output: a path is printed whole).
expect 0 "$ROMFS" check "$DEEP"
expect 0 "$ROMFS" diff "$DEEP" "$DEEP"
out_has "0 added, 0 removed, 0 changed, 20001 unchanged"

# The deep tree against nothing: lines of bounded width (the first and last
# 8 levels, the levels between counted), not 400 MB of whole paths.
"$ROMFS" diff "$DEEP" "$E" >"$OUT" 2>"$ERR"; rc=$?
[ "$rc" = 0 ] || bad "diff of the deep image against nothing: exit $rc"
size=$(stat -c %s "$OUT")
[ "$size" -lt 4000000 ] || bad "diff of the deep image against nothing printed $size bytes"
out_has "0 added, 20001 removed, 0 changed, 0 unchanged"
out_has "- file /d/d/d/d/d/d/d/d/[+19985]/d/d/d/d/d/d/d/ok  4 bytes"
out_has "- dir  /d/d/d/d/d/d/d/d/[+25]/d/d/d/d/d/d/d/d/"

# Changes, additions, removals and a file that became a directory, with
# names that sort differently as bytes than as paths ("lib" < "lib.py" <
# "lib/x" as strings): every entry once, children after their directory.
node "$SRC/tests/cli/mkimg.mjs" "$TMP/a.romfs" '[{"name":"lib","dir":[{"name":"x","data":"1"},{"name":"y","data":"2"}]},
  {"name":"lib.py","data":"old"},{"name":"gone","data":"g"},{"name":"t","data":"file"},
  {"name":{"hex":"9b"},"data":"c1"}]' || bad mkimg
node "$SRC/tests/cli/mkimg.mjs" "$TMP/b.romfs" '[{"name":"lib.py","data":"newer"},{"name":"new","data":"n"},
  {"name":"lib","dir":[{"name":"y","data":"2"},{"name":"x","data":"one"},{"name":"z","dir":[]}]},
  {"name":"t","dir":[{"name":"u","data":"u"}]},{"name":{"hex":"9b"},"data":"c1"}]' || bad mkimg
expect 0 "$ROMFS" diff "$TMP/a.romfs" "$TMP/b.romfs"
cat >"$TMP/want" <<'W'
- file /gone  1 bytes
~ file /lib/x  1 -> 3 bytes
+ dir  /lib/z/
~ file /lib.py  3 -> 5 bytes
+ file /new  1 bytes
- file /t  4 bytes
+ dir  /t/
+ file /t/u  1 bytes
W
sed -n '3,10p' "$OUT" | cmp -s - "$TMP/want" || { bad "diff lines"; sed -n '3,10p' "$OUT"; }
out_has "4 added, 2 removed, 2 changed, 3 unchanged"

# tree: lines of bounded width however deep; the elided levels are counted.
run "$ROMFS" tree "$DEEP"
[ "$rc" = 0 ] || bad "tree of the deep image: exit $rc"
size=$(wc -c <"$OUT")
[ "$size" -lt 4000000 ] || bad "tree of the deep image printed $size bytes"
[ "$(wc -l <"$OUT")" = 20002 ] || bad "tree of the deep image: $(wc -l <"$OUT") lines, not 20002"
grep -q '\[+19960\]' "$OUT" || bad "tree: the deepest line does not count the levels left out: $(tail -1 "$OUT" | cut -c1-200)"
# Shallow trees are drawn in full, as before.
expect 0 "$ROMFS" tree "$G/many_and_deep.romfs"
grep -q '\[+' "$OUT" && bad "tree elided levels of a shallow tree"
finish
