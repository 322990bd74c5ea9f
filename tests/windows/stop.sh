#!/bin/bash
# SPDX-License-Identifier: MIT
# win.stop (fixture cleanup): end the wineserver the Windows tests started,
# so nothing is left running after the suite.
. "$(dirname "$0")/../lib.sh"
: "${WINEPREFIX:?}"
export WINEPREFIX
# The process win.prefix keeps: its FIFO's writer ends, then cmd.exe.
if [ -f "$WINEPREFIX.keep.pid" ]; then
    kill "$(cat "$WINEPREFIX.keep.pid")" 2>/dev/null
    rm -f "$WINEPREFIX.keep.pid" "$WINEPREFIX.keep.fifo"
fi
for s in /usr/lib/wine/wineserver "$(command -v wineserver 2>/dev/null)"; do
    [ -n "$s" ] && [ -x "$s" ] && { "$s" -k 2>/dev/null; exit 0; }
done
exit 0
