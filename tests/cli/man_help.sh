#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages (docs/man/*.scd, scdoc) agree with --help: every command in
# `romfs --help` has a page romfs-CMD(1) and is listed in romfs(1); every
# option in `romfs CMD --help` is in its page and every option in the page
# is in --help. Each page renders with scdoc when scdoc is installed.
set -u
. "$(dirname "$0")/lib-tools.sh"
MAN=$SRC/docs/man
[ -f "$MAN/romfs.1.scd" ] || { bad "no $MAN/romfs.1.scd"; finish; }

# Options of a --help text: the option lines ("  -o, --output OUT  ..."),
# up to the first two-space gap, each word that starts with '-'.
help_opts() {
    sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/   *.*//' | tr ',' '\n' | awk '{print $1}' | grep '^-' | sort -u
}
# Options of an scd page: the headings of the OPTIONS section ("*-o*, *--output* _OUT_").
man_opts() {
    sed -n '/^# OPTIONS/,/^# /p' "$1" | grep '^\*-' | grep -o '\*--*[A-Za-z0-9][-A-Za-z0-9]*\*' | tr -d '*' | sort -u
}

expect 0 "$ROMFS" --help
mapfile -t cmds < <(sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$OUT")
[ "${#cmds[@]}" -gt 0 ] || bad "no commands in romfs --help"
for c in "${cmds[@]}"; do
    page=$MAN/romfs-$c.1.scd
    [ -f "$page" ] || { bad "no man page for '$c' ($page)"; continue; }
    grep -q "^\*$c\*$" "$MAN/romfs.1.scd" || bad "romfs(1) does not list '$c'"
    head -n1 "$page" | grep -qx "romfs-$c(1)" || bad "$page: first line is not romfs-$c(1)"
    expect 0 "$ROMFS" "$c" --help
    help_opts < "$OUT" > h.txt
    man_opts "$page" > m.txt
    [ -s h.txt ] || bad "$c --help lists no options"
    for o in $(comm -23 h.txt m.txt); do bad "$c: $o is in --help, not in romfs-$c(1)"; done
    for o in $(comm -13 h.txt m.txt); do bad "$c: $o is in romfs-$c(1), not in --help"; done
done
for o in -V --version -h --help; do
    man_opts "$MAN/romfs.1.scd" | grep -qx -- "$o" || bad "romfs(1) lacks $o"
done
# Pages without a command.
for page in "$MAN"/romfs-*.1.scd; do
    c=$(basename "$page" .1.scd); c=${c#romfs-}
    printf '%s\n' "${cmds[@]}" | grep -qx "$c" || bad "romfs-$c(1) has no command '$c'"
done
if command -v scdoc >/dev/null; then
    for page in "$MAN"/*.scd; do
        scdoc < "$page" > page.1 2> scdoc.err || bad "scdoc rejects $(basename "$page"): $(head -n1 scdoc.err)"
    done
fi
finish
