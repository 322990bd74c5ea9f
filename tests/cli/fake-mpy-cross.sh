#!/bin/bash
# A stand-in for mpy-cross that checks the contract `romfs build --mpy` relies
# on: it logs its arguments (to $FAKE_MPY_LOG), accepts `-o OUT -s NAME SRC`,
# and writes a recognisable "compiled" file. A source containing SYNTAX_ERROR
# fails the way the real compiler does: a message on stderr and exit 1.
[ -n "${FAKE_MPY_LOG:-}" ] && printf '%s\n' "$*" >> "$FAKE_MPY_LOG"
out= name= src=
while [ $# -gt 0 ]; do
    case $1 in
        -o) out=$2; shift 2 ;;
        -s) name=$2; shift 2 ;;
        -*) shift ;;
        *) src=$1; shift ;;
    esac
done
[ -n "$out" ] && [ -n "$src" ] || { echo "fake-mpy-cross: usage: -o OUT [-s NAME] SRC" >&2; exit 2; }
if grep -q SYNTAX_ERROR "$src"; then
    printf 'Traceback (most recent call last):\n  File "%s", line 1\nSyntaxError: invalid syntax\n' "$name" >&2
    exit 1
fi
{ printf 'M\006FAKE %s\n' "$name"; cat "$src"; } > "$out"
