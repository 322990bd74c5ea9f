#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command-line conventions every subcommand shares: options anywhere
# (GNU getopt permutation) and `--` ending them; `romfs help CMD` is
# `romfs CMD --help`; -V is --version; an unknown option is named exactly as
# typed; every usage error is one line saying what was wrong, then the
# usage, exit 2, nothing on stdout.
set -u
. "$(dirname "$0")/lib-tools.sh"
cd "$TMP" || exit 1
IMG=$G/doc_example.romfs

# The commands, from the general usage (one per line, indented).
expect 0 "$ROMFS" --help
mapfile -t cmds < <(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$OUT")
[ "${#cmds[@]}" -ge 12 ] || bad "romfs --help lists ${#cmds[@]} commands"

# usage_error CMD-LINE...: exit 2, stdout empty, first stderr line is not the
# usage and names the problem; the usage (or a pointer to it) follows.
usage_error() {
    run "$@"
    [ "$rc" = 2 ] || bad "exit $rc, expected 2: $*"
    [ ! -s "$OUT" ] || bad "stdout written on a usage error: $*"
    local first
    first=$(head -n1 "$ERR")
    case $first in
        romfs*:*) ;;
        *) bad "first stderr line is not an error line ('$first'): $*" ;;
    esac
    # The usage follows, or the line itself points to CMD --help.
    { [ "$(grep -c . "$ERR")" -ge 2 ] && grep -q '^usage: romfs' "$ERR"; } || head -n1 "$ERR" | grep -q -- '--help' \
        || bad "no usage after the error line: $*"
}

for c in "${cmds[@]}"; do
    # help CMD = CMD --help, on stdout, exit 0.
    expect 0 "$ROMFS" "$c" --help
    cp "$OUT" help1
    grep -q "^usage: romfs $c" help1 || bad "'romfs $c --help' does not start with its usage"
    expect 0 "$ROMFS" help "$c"
    cmp -s "$OUT" help1 || bad "'romfs help $c' differs from 'romfs $c --help'"
    expect 0 "$ROMFS" "$c" -h
    cmp -s "$OUT" help1 || bad "'romfs $c -h' differs from 'romfs $c --help'"
    # Unknown options, long and short (in a cluster), named as typed.
    usage_error "$ROMFS" "$c" --no-such-option
    head -n1 "$ERR" | grep -qF "'--no-such-option'" || bad "$c: unknown long option not named: $(head -n1 "$ERR")"
    usage_error "$ROMFS" "$c" -Z
    head -n1 "$ERR" | grep -qF "'Z'" || bad "$c: unknown short option not named: $(head -n1 "$ERR")"
done

# Wrong operands: one line saying so, then the usage.
for args in "build" "build a b" "ls" "tree" "cat $IMG" "stat $IMG" "extract $IMG" "check" "check a b" \
            "mount $IMG" "deploy" "query extra" "devs extra" "run a b" "build -o"; do
    # shellcheck disable=SC2086
    usage_error "$ROMFS" $args
done
# The line names the command once ("romfs: tree: ...", not "romfs: romfs tree:").
for c in tree cat ls; do
    usage_error "$ROMFS" "$c"
    head -n1 "$ERR" | grep -q "^romfs: $c: expected IMAGE" || bad "$c: $(head -n1 "$ERR")"
done
# A bad option value is one line naming it.
for c in ls tree cat stat check extract diff deploy watch; do
    run "$ROMFS" "$c" -p x "$IMG" /x
    [ "$rc" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "^romfs: $c: bad partition index 'x'" "$ERR" ||
        bad "$c -p x: exit $rc: $(head -n3 "$ERR")"
done
usage_error "$ROMFS"
err_has "no command given"
usage_error "$ROMFS" frobnicate
err_has "'frobnicate' is not a command"
usage_error "$ROMFS" --frobnicate
err_has "'--frobnicate'"
usage_error "$ROMFS" help frobnicate
err_has "'frobnicate' is not a command"

# -V = --version = the header's version.
want="romfs $(sed -n 's/^#define ROMFS_VERSION_STRING "\(.*\)"/\1/p' "$SRC/include/romfs/romfs.h")"
expect 0 "$ROMFS" -V
out_eq "$want"
expect 0 "$ROMFS" --version
out_eq "$want"

# Options after operands, as mpremote users write them.
mkdir -p app && printf 'x = 1\n' > app/m.py
expect 0 "$ROMFS" build app --no-mpy -q -o x.romfs
[ -s x.romfs ] || bad "build app -o x.romfs wrote nothing"
expect 0 "$ROMFS" ls "$IMG" -l
out_has "main.py"
grep -q '^file' "$OUT" || bad "ls IMG -l is not the long listing"
expect 0 "$ROMFS" ls "$IMG" / -R
out_has "lib/helper.py"
expect 0 "$ROMFS" check "$IMG" -q
expect 0 "$ROMFS" stat "$IMG" /main.py --json
out_has '"type"'
expect 0 "$ROMFS" extract "$IMG" ex -v
[ -f ex/main.py ] || bad "extract IMG DIR -v did not extract"

# `--` ends options: what follows is an operand even if it starts with '-'.
cp "$IMG" ./-l
expect 0 "$ROMFS" ls -- -l
out_has "main.py"
expect 0 "$ROMFS" check -q -- -l
expect 0 "$ROMFS" cat -- -l /main.py
expect 1 "$ROMFS" ls -- -nosuch
err_has "-nosuch"

finish
