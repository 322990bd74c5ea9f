# SPDX-License-Identifier: MIT
# deploy DIR compiles for the board it deploys to: the board's
# sys.implementation._mpy (774 = v6.3, no native arch on the emulated board)
# against the compiler's "emitting mpy vX.Y"; an .mpy version the board
# cannot load is refused before anything is written, naming both versions;
# compile options (-j, --no-cache, --mpy-cross-arg) reach the compiler.
. "$(dirname "$0")/lib-deploy.sh"

export MPY_CROSS=$TMP/mpy-cross FAKE_MPY_LOG=$TMP/log
cp "$SRC/tests/cli/fake-mpy-cross.sh" "$MPY_CROSS" && chmod +x "$MPY_CROSS"
A=$TMP/app
mkdir -p "$A/lib"
printf 'print("a")\n' >"$A/a.py"
printf 'X = 1\n' >"$A/lib/b.py"
P=$TMP/p.bin

# A compiler the board can load: compiled, deployed, and imported from /rom.
expect 0 "$ROMFS" deploy -d "$(dev "$P")" "$A"
[ "$(wc -l <"$TMP/log")" = 2 ] || bad "expected 2 compiles, log: $(cat "$TMP/log")"
grep -q -- '-march' "$TMP/log" && bad "a board without a native arch got a -march"
"$ROMFS" ls "$P" /lib >"$TMP/ls" 2>&1 && grep -q 'b.mpy' "$TMP/ls" || bad "lib/b.mpy not in the image: $(cat "$TMP/ls")"

# Compile options reach mpy-cross; an unchanged tree compiles nothing (cache).
: >"$TMP/log"
expect 0 "$ROMFS" deploy -d "$(dev "$P")" -j1 --mpy-cross-arg -O2 "$A"
[ "$(grep -c -- '-O2' "$TMP/log")" = 2 ] || bad "--mpy-cross-arg -O2 not passed: $(cat "$TMP/log")"
: >"$TMP/log"
expect 0 "$ROMFS" deploy -d "$(dev "$P")" --mpy-cross-arg -O2 "$A"
[ -s "$TMP/log" ] && bad "an unchanged tree was compiled again: $(cat "$TMP/log")"
expect 0 "$ROMFS" deploy -d "$(dev "$P")" --no-cache --mpy-cross-arg -O2 "$A"
[ "$(wc -l <"$TMP/log")" = 2 ] || bad "--no-cache did not compile: $(cat "$TMP/log")"

# A compiler emitting .mpy v5: refused, naming both versions; the partition
# is exactly as it was.
cp "$P" "$TMP/p.before"
printf 'print("new")\n' >"$A/a.py"
FAKE_MPY_VERSION="MicroPython v1.19.1 on 2022-06-18; mpy-cross emitting mpy v5" \
    expect 1 "$ROMFS" deploy -d "$(dev "$P")" "$A"
err_has "v5"
err_has "v6"
[ "$(grep -c . "$ERR")" = 1 ] || bad "more than one error line: $(cat "$ERR")"
cmp -s "$P" "$TMP/p.before" || bad "a refused deploy changed the partition"

# A board whose sys.implementation._mpy says armv7emsp (v6.3, arch 7): the
# compiler gets -march=armv7emsp; a -march of the user's wins.
PATCH="import builtins;_g=builtins.getattr;builtins.getattr=lambda o,n,*d:(6|3<<8|7<<10) if n=='_mpy' else _g(o,n,*d)"
ARM="exec:sh $SRC/tests/cli/board/fake-patched.sh \"$PATCH\" --partition $TMP/arm.bin"
: >"$TMP/log"
expect 0 "$ROMFS" deploy -d "$ARM" --no-cache "$A"
[ "$(grep -c -- '-march=armv7emsp' "$TMP/log")" = 2 ] || bad "the board's -march not passed: $(cat "$TMP/log")"
: >"$TMP/log"
expect 0 "$ROMFS" deploy -d "$ARM" --no-cache --mpy-cross-arg -march=armv6m "$A"
# ...but it does not match the board: a warning before anything is written.
err_has "-march=armv6m does not match the board's architecture (armv7emsp)"
grep -q -- '-march=armv7emsp' "$TMP/log" && bad "the board's -march overrode the user's: $(cat "$TMP/log")"
[ "$(grep -c -- '-march=armv6m' "$TMP/log")" = 2 ] || bad "the user's -march not passed: $(cat "$TMP/log")"

# A board that does not say (no _mpy: -1), or says something this build
# cannot decode (architecture 31): one warning naming why, a compile
# without -march, and the deploy goes on.
for v in -1 "(6|3<<8|31<<10)"; do
    P2="import builtins;_g=builtins.getattr;builtins.getattr=lambda o,n,*d:$v if n=='_mpy' else _g(o,n,*d)"
    : >"$TMP/log"
    expect 0 "$ROMFS" deploy -d "exec:sh $SRC/tests/cli/board/fake-patched.sh \"$P2\" --partition $TMP/odd.bin" \
        --no-cache "$A"
    err_has "does not say which .mpy files it loads"
    [ "$(grep -c . "$ERR")" = 1 ] || bad "_mpy $v: expected one warning line: $(cat "$ERR")"
    grep -q -- '-march' "$TMP/log" && bad "_mpy $v: compiled with a -march: $(cat "$TMP/log")"
done

# Bad compile options are usage errors (exit 2) before the board is opened.
expect 2 "$ROMFS" deploy -d "$(dev "$P")" -j0 "$A"
finish
