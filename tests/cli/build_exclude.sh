#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Junk in the source tree: .git/, __pycache__/, editor swap and backup files
# are left out by default; .romfsignore (gitignore syntax) and --exclude
# leave out more; build -v names each path left out and the rule;
# --no-default-excludes packs everything as mpremote does; x.py beside
# x.mpy is warned about (both stored, the .mpy dead).
. "$(dirname "$0")/lib-tools.sh"
A=$TMP/app
mkdir -p "$A/.git/objects" "$A/lib/__pycache__" "$A/gen"
echo 'print(1)' >"$A/app.py"
echo 'X = 1' >"$A/lib/util.py"
echo '[core]' >"$A/.git/config"
echo x >"$A/.git/objects/ab"
echo pyc >"$A/lib/__pycache__/util.cpython-312.pyc"
echo swap >"$A/.app.py.swp"
echo swap >"$A/lib/.util.py.swo"
echo backup >"$A/app.py~"
echo mac >"$A/.DS_Store"
echo emacs >"$A/#app.py#"
echo tilde >"$A/~"
echo notes >"$A/notes.txt"
echo gen >"$A/gen/big.bin"
echo keep >"$A/gen/keep.txt"

names() { "$ROMFS" tree "$1" | sed 's/^[-|\\ `]*//' | sort; }

expect 0 "$ROMFS" build --no-mpy -o "$TMP/a.romfs" "$A"
for junk in .git config __pycache__ .app.py.swp .util.py.swo 'app.py~' .DS_Store '#app.py#'; do
    grep -qF -- "$junk" "$OUT" && bad "build printed the excluded $junk"
done
expect 0 "$ROMFS" tree "$TMP/a.romfs"
for junk in .git __pycache__ .app.py.swp .util.py.swo 'app.py~' .DS_Store '#app.py#'; do
    grep -qF -- "$junk" "$OUT" && bad "the image holds $junk: $(cat "$OUT")"
done
for keep in app.py util.py notes.txt big.bin; do out_has "$keep"; done
grep -q -- '-- ~$' "$OUT" || bad "a file named '~' was left out: $(cat "$OUT")"

# -v names what was left out and why.
expect 0 "$ROMFS" build --no-mpy -v -o "$TMP/v.romfs" "$A"
err_has "excluded .git/ (.git/, default)"
err_has "excluded app.py~ (?*~, default)"
err_has "excluded lib/__pycache__/ (__pycache__/, default)"

# .romfsignore and --exclude (repeatable); '!' re-includes.
printf '# build output\n*.txt\n!gen/keep.txt\n' >"$A/.romfsignore"
expect 0 "$ROMFS" build --no-mpy -v --exclude 'gen/*.bin' --exclude '/app.py' -o "$TMP/i.romfs" "$A"
err_has "excluded notes.txt (*.txt, .romfsignore:2)"
err_has "excluded gen/big.bin (gen/*.bin, --exclude)"
expect 0 "$ROMFS" tree "$TMP/i.romfs"
grep -q 'notes.txt\|big.bin\|\.romfsignore\|-- app.py$' "$OUT" && bad "excluded files packed: $(cat "$OUT")"
out_has "keep.txt"
out_has "util.py"
rm "$A/.romfsignore"

# --no-default-excludes: everything, as mpremote packs it.
expect 0 "$ROMFS" build --no-mpy --no-default-excludes -o "$TMP/all.romfs" "$A"
expect 0 "$ROMFS" tree "$TMP/all.romfs"
for f in .git __pycache__ .app.py.swp 'app.py~' .DS_Store; do out_has "$f"; done

# x.py beside x.mpy: a warning naming both.
printf 'M\006\000\037' >"$A/lib/util.mpy"
expect 0 "$ROMFS" build --no-mpy -o "$TMP/w.romfs" "$A"
err_has "util.py sits beside util.mpy"
rm "$A/lib/util.mpy"
expect 0 "$ROMFS" build --no-mpy -o "$TMP/w.romfs" "$A"
grep -q "sits beside" "$ERR" && bad "a warning without an .mpy beside"

# deploy -o takes the same options.
expect 0 "$ROMFS" deploy --no-mpy -q --exclude '*.txt' -o "$TMP/d.romfs" "$A"
expect 0 "$ROMFS" tree "$TMP/d.romfs"
grep -q 'notes.txt\|\.git' "$OUT" && bad "deploy -o packed excluded files: $(cat "$OUT")"
finish
