#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mpremote's habits: a command's options given before it (`romfs -o x build
# dir`, as `mpremote romfs -o x build dir` takes them), -m for --mpy, and a
# mistyped command answered with "did you mean" and a one-line usage hint
# rather than the whole usage.
. "$(dirname "$0")/lib-tools.sh"
mkdir -p "$TMP/app"
echo 'print(1)' >"$TMP/app/main.py"

# Options before the command.
expect 0 "$ROMFS" -o "$TMP/a.romfs" build --no-mpy "$TMP/app"
[ -s "$TMP/a.romfs" ] || bad "romfs -o X build DIR wrote no image"
expect 0 "$ROMFS" --no-mpy -o "$TMP/b.romfs" build "$TMP/app"
cmp -s "$TMP/a.romfs" "$TMP/b.romfs" || bad "options before the command build another image"
expect 0 "$ROMFS" -p 0 --no-mpy deploy -q -o "$TMP/c.romfs" "$TMP/app"
[ -s "$TMP/c.romfs" ] || bad "romfs -p 0 deploy -o X DIR wrote nothing"
# An option's value that is also a command's name stays its value.
expect 0 "$ROMFS" -o "$TMP/ls" build --no-mpy "$TMP/app"
[ -s "$TMP/ls" ] || bad "romfs -o .../ls build: the value was taken for a command"
expect 0 "$ROMFS" -l ls "$TMP/a.romfs" /
out_has "main.py"
# Options before a command still fail as that command's options would.
expect 2 "$ROMFS" --no-such-option ls "$TMP/a.romfs"
err_has "unrecognized option '--no-such-option'"

# -m is --mpy.
printf '#!/bin/sh\nexec bash "%s/fake-mpy-cross.sh" "$@"\n' "$(cd "$(dirname "$0")" && pwd)" >"$TMP/mpy-cross"
chmod +x "$TMP/mpy-cross"
expect 0 env MPY_CROSS="$TMP/mpy-cross" "$ROMFS" build -m -o "$TMP/m.romfs" "$TMP/app"
expect 0 "$ROMFS" ls "$TMP/m.romfs" /
out_has "main.mpy"
expect 0 "$ROMFS" build --help
grep -q -- '-m, --mpy' "$OUT" || bad "build --help does not show -m"

# A typo: did you mean, and one usage line, not the whole usage.
expect 2 "$ROMFS" biuld "$TMP/app"
err_has "'biuld' is not a command; did you mean 'build'?"
[ "$(wc -l <"$ERR")" -le 2 ] || bad "a typo prints more than two lines: $(cat "$ERR")"
grep -q "romfs --help" "$ERR" || bad "a typo does not point to romfs --help: $(cat "$ERR")"
expect 2 "$ROMFS" qeury
err_has "did you mean 'query'?"
expect 2 "$ROMFS" wtach
err_has "did you mean 'watch'?"
expect 2 "$ROMFS" zzzzzzzz
grep -q "did you mean" "$ERR" && bad "a word like no command gets a suggestion: $(cat "$ERR")"
[ "$(wc -l <"$ERR")" -le 2 ] || bad "an unknown command prints more than two lines"
finish
