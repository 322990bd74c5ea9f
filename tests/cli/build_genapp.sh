#!/bin/bash
# SPDX-License-Identifier: MIT
# bench/gen-app.mjs writes valid Python of 2-3 KB per module: real mpy-cross
# rejected 255 of 307 earlier modules ("argument name reused"). CPython's
# compile() rejects the same duplicate arguments ("duplicate argument"), so
# it stands in for the compiler here.
set -u
. "$(dirname "$0")/../lib.sh"
: "${ROMFS:?} ${SRC:?}"
command -v node > /dev/null && command -v python3 > /dev/null || prereq "needs node and python3"
scratch tmp
node "$SRC/bench/gen-app.mjs" "$tmp/app" 300 || die "gen-app.mjs failed"
python3 - "$tmp/app" <<'PY' || die "invalid Python generated"
import os, sys
n = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        p = os.path.join(d, f)
        src = open(p).read()
        compile(src, p, "exec")
        if f.startswith("m") and f != "main_app.py":
            assert 2048 <= len(src) <= 3072, (p, len(src))
            n += 1
assert n == 300, n
PY
exit 0
