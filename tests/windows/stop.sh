#!/bin/bash
# SPDX-License-Identifier: MIT
# win.stop (fixture cleanup): end the wineserver the Windows tests started,
# so nothing is left running after the suite.
: "${WINEPREFIX:?}"
export WINEPREFIX
for s in /usr/lib/wine/wineserver "$(command -v wineserver 2>/dev/null)"; do
    [ -n "$s" ] && [ -x "$s" ] && { "$s" -k 2>/dev/null; exit 0; }
done
exit 0
