#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# watch ignores what the build leaves out: saving an editor swap file, a
# backup, touching .git/ or __pycache__/ or a .romfsignore'd file triggers
# no redeploy; a real edit still does, and a .romfsignore change is read.
# ROMFS_WATCHER set: -v must name that file watcher (the build's native
# one is used, not the poller as a fallback).
. "$(dirname "$0")/lib-deploy.sh"
export ROMFS_TIMEOUT_MS=60000
A=$TMP/app
mkdir -p "$A/.git" "$A/__pycache__"
printf 'print("app v1")\n' >"$A/app.py"
printf 'notes\n' >"$A/notes.txt"
printf '*.log\n' >"$A/.romfsignore"
"$ROMFS" watch -v --no-mpy --debounce 100 -d "$(dev "$TMP/p.bin")" --run app "$A" >"$TMP/w.out" 2>"$TMP/w.err" &
W=$!
wait_for "$TMP/w.out" "app v1"
wait_for "$TMP/w.err" "app finished"
if [ -n "${ROMFS_WATCHER:-}" ]; then
    grep -qx "romfs: file watcher: $ROMFS_WATCHER" "$TMP/w.err" ||
        bad "watch -v does not name the $ROMFS_WATCHER watcher: $(grep 'file watcher' "$TMP/w.err")"
fi
changes() { grep -c "change detected" "$TMP/w.err"; }
[ "$(changes)" = 0 ] || bad "changes before any edit"

# Junk saved over and over: no deploy.
for i in 1 2 3; do
    printf 'swap %s' "$i" >"$A/.app.py.swp"
    printf 'backup %s' "$i" >"$A/app.py~"
    printf 'ref %s' "$i" >"$A/.git/HEAD"
    printf 'pyc %s' "$i" >"$A/__pycache__/app.cpython-312.pyc"
    printf 'log %s' "$i" >"$A/debug.log"
    sleep 0.3
done
sleep 1.5
[ "$(changes)" = 0 ] || bad "saving excluded files triggered $(changes) redeploy(s): $(grep 'change detected' "$TMP/w.err")"

# A real edit: one deploy, new output.
printf 'print("app v2")\n' >"$A/app.py"
wait_for "$TMP/w.out" "app v2"
[ "$(changes)" -ge 1 ] || bad "a real edit was not seen"

# .romfsignore changes: the new rules are used (notes.txt now excluded).
n=$(changes)
printf '*.log\nnotes.txt\n' >"$A/.romfsignore"
sleep 1.5
n2=$(changes)
printf 'more notes\n' >"$A/notes.txt"
sleep 1.5
[ "$(changes)" = "$n2" ] || bad "a file excluded by the changed .romfsignore triggered a redeploy"
[ "$n2" -ge "$n" ] || bad "impossible count"

kill -INT $W
wait_exit $W 60
[ "$rc" = 0 ] || bad "watch exited $rc after SIGINT: $(tail -5 "$TMP/w.err")"
finish
