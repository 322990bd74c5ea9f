#!/bin/bash
# SPDX-License-Identifier: MIT
# A stand-in for mpy-cross that checks the contract `romfs build --mpy` relies
# on: it answers --version (FAKE_MPY_VERSION overrides what it says), logs
# each compile's arguments (to $FAKE_MPY_LOG, one line each; --version is not
# logged), accepts `[ARGS...] -o OUT -s NAME SRC`, and writes a recognisable
# "compiled" file with a real .mpy header ('M', version 6). A source holding
# SYNTAX_ERROR fails as the real compiler does: a message naming the source
# file given on stderr and exit 1. FAKE_MPY_DELAY (seconds) makes each compile slow;
# FAKE_MPY_SPAN appends "start"/"end" lines to show concurrency.
if [ "${1:-}" = --version ]; then
    echo "${FAKE_MPY_VERSION:-MicroPython v1.29.0-fake on 2026-12-01; mpy-cross emitting mpy v6.3}"
    exit 0
fi
[ -n "${FAKE_MPY_LOG:-}" ] && printf '%s\n' "$*" >> "$FAKE_MPY_LOG"
[ -n "${FAKE_MPY_SPAN:-}" ] && echo start >> "$FAKE_MPY_SPAN"
out= name= src= extra=
while [ $# -gt 0 ]; do
    case $1 in
        -o) out=$2; shift 2 ;;
        -s) name=$2; shift 2 ;;
        -*) extra="$extra $1"; shift ;;
        *) src=$1; shift ;;
    esac
done
[ -n "$out" ] && [ -n "$src" ] || { echo "fake-mpy-cross: usage: -o OUT [-s NAME] SRC" >&2; exit 2; }
[ -n "${FAKE_MPY_DELAY:-}" ] && sleep "$FAKE_MPY_DELAY"
# A syntax error names the file given (the lexer's name), not -s NAME, as
# the real compiler does; native code without -march is "invalid arch".
if grep -q SYNTAX_ERROR "$src"; then
    printf 'Traceback (most recent call last):\n  File "%s", line 1\nSyntaxError: invalid syntax\n' "$src" >&2
    exit 1
fi
if grep -q '^@micropython\.\(native\|viper\)' "$src" && ! case "$extra" in *-march=*) true ;; *) false ;; esac; then
    printf 'Traceback (most recent call last):\n  File "%s", line 1\nSyntaxError: invalid arch\n' "$src" >&2
    exit 1
fi
# The header's version byte is the one --version claims (6 by default).
v=$(printf '%s' "${FAKE_MPY_VERSION:-mpy v6}" | sed -n 's/.*mpy v\([0-9]*\).*/\1/p')
{ printf "M\\$(printf '%03o' "${v:-6}")\\000\\037FAKE %s%s\\n" "$name" "$extra"; cat "$src"; } > "$out"
[ -n "${FAKE_MPY_SPAN:-}" ] && echo end >> "$FAKE_MPY_SPAN"
exit 0
