#!/bin/bash
# SPDX-License-Identifier: MIT
# win.prefix (fixture): the wine prefix the Windows tests share, made once
# inside the build directory and kept there (console only, no display; the
# Mono and Gecko installers are skipped). About 30 s the first time.
set -u
. "$(dirname "$0")/../lib.sh"
: "${WINEPREFIX:?}"
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=""
for w in /usr/lib/wine/wine64 "$(command -v wine64 2>/dev/null)" "$(command -v wine 2>/dev/null)"; do
    [ -n "$w" ] && [ -x "$w" ] && { wine=$w; break; }
done
[ -n "$wine" ] || prereq "wine is not installed (Debian: wine64)"
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    mkdir -p "$(dirname "$WINEPREFIX")"
    DISPLAY= "$wine" wineboot -i >/dev/null 2>&1 || prereq "wineboot -i failed"
    server=$(dirname "$wine")/wineserver
    [ -x "$server" ] || server=$(command -v wineserver)
    "$server" -w
    [ -f "$WINEPREFIX/system.reg" ] || prereq "wineboot made no prefix at $WINEPREFIX"
fi
# One wine process kept until win.stop: the prefix's wineserver and its
# system processes (services, winedevice, explorer) then stay up between
# the tests' romfs.exe runs, each of which otherwise starts them all again
# (1.3 s against 5-9 s a run on a loaded machine). cmd.exe waits on a FIFO
# that a bounded sleep holds open (at most 30 min, should win.stop never
# run); nothing of ours stays on ctest's output pipes.
keep=$WINEPREFIX.keep
if ! { [ -f "$keep.pid" ] && kill -0 "$(cat "$keep.pid")" 2>/dev/null; }; then
    rm -f "$keep.fifo"
    mkfifo "$keep.fifo" || prereq "mkfifo $keep.fifo failed"
    setsid "$wine" cmd.exe /k < "$keep.fifo" > /dev/null 2>&1 &
    setsid timeout 1800 sleep 1800 > "$keep.fifo" 2> /dev/null < /dev/null &
    echo $! > "$keep.pid"
fi
exit 0
