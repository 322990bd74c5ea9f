#!/bin/bash
# SPDX-License-Identifier: MIT
# win.prefix (fixture): the wine prefix the Windows tests share, made once
# inside the build directory and kept there (console only, no display; the
# Mono and Gecko installers are skipped). About 30 s the first time.
set -u
: "${WINEPREFIX:?}"
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
fail() { echo "win.prefix: $*" >&2; [ -n "${CI:-}" ] && exit 1; exit 77; }
wine=""
for w in /usr/lib/wine/wine64 "$(command -v wine64 2>/dev/null)" "$(command -v wine 2>/dev/null)"; do
    [ -n "$w" ] && [ -x "$w" ] && { wine=$w; break; }
done
[ -n "$wine" ] || fail "wine is not installed (Debian: wine64)"
[ -f "$WINEPREFIX/system.reg" ] && exit 0
mkdir -p "$(dirname "$WINEPREFIX")"
DISPLAY= "$wine" wineboot -i >/dev/null 2>&1 || fail "wineboot -i failed"
server=$(dirname "$wine")/wineserver
[ -x "$server" ] || server=$(command -v wineserver)
"$server" -w
[ -f "$WINEPREFIX/system.reg" ] || fail "wineboot made no prefix at $WINEPREFIX"
