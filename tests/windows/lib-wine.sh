#!/bin/bash
# SPDX-License-Identifier: MIT
# Shared by the Windows tests: romfs.exe (the mingw-w64 build, $ROMFS_WIN)
# run under wine in the prefix the fixture win.prefix made ($WINEPREFIX,
# inside the build directory), next to the Linux build ($ROMFS) on the same
# inputs. A missing prerequisite skips (77), or fails when CI is set.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${ROMFS:?} ${ROMFS_WIN:?} ${WINEPREFIX:?}"
me=$TEST_NAME
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
WINE=${WINE:-}
for w in "$WINE" /usr/lib/wine/wine64 "$(command -v wine64 2>/dev/null)" "$(command -v wine 2>/dev/null)"; do
    [ -n "$w" ] && [ -x "$w" ] && { WINE=$w; break; }
done
[ -x "$WINE" ] || prereq "wine is not installed (Debian: wine64)"
[ -f "$ROMFS_WIN" ] || prereq "no Windows build at $ROMFS_WIN (Debian: gcc-mingw-w64-x86-64)"
[ -f "$WINEPREFIX/system.reg" ] || prereq "the wine prefix $WINEPREFIX is not initialised (test win.prefix)"

scratch tmp
mkdir -p "$tmp/L" "$tmp/W"

# romfs.exe ARGS in the current directory; its exit status.
winromfs() { "$WINE" "$ROMFS_WIN" "$@"; }

# both ARGS...: the same command in $tmp/L (Linux) and $tmp/W (Windows);
# stdout, stderr and the exit status must be the same bytes.
both() {
    local lr wr
    (cd "$tmp/L" && "$ROMFS" "$@" > ../l.out 2> ../l.err); lr=$?
    (cd "$tmp/W" && winromfs "$@" > ../w.out 2> ../w.err); wr=$?
    [ "$lr" = "$wr" ] || bad "romfs $*: exit $lr on Linux, $wr on Windows: $(head -c 300 "$tmp/w.err")"
    cmp -s "$tmp/l.out" "$tmp/w.out" || { bad "romfs $*: stdout differs"; diff <(od -c "$tmp/l.out") <(od -c "$tmp/w.out") | head -10 >&2; }
    cmp -s "$tmp/l.err" "$tmp/w.err" || { bad "romfs $*: stderr differs"; diff "$tmp/l.err" "$tmp/w.err" | head -10 >&2; }
    return "$lr"
}

# same FILE: what both commands wrote is the same bytes.
same() {
    cmp -s "$tmp/L/$1" "$tmp/W/$1" || bad "$1 differs between the Linux and Windows builds"
}

# board_app DIR N [TEXT]: an app of N modules (lib/mI.py, 20 lines each,
# VALUE_K = I*100+K) and hello.py printing TEXT (default "hello"), as
# DIR/app.
board_app() {
    local i k
    mkdir -p "$1/app/lib"
    for i in $(seq 1 "$2"); do
        { echo "# module $i"; for k in $(seq 1 20); do echo "VALUE_$k = $((i * 100 + k))  # padding padding"; done; } > "$1/app/lib/m$i.py"
    done
    printf '%s\n' "${3:-print(\"hello\")}" > "$1/app/hello.py"
}

# field FILE KEY: a number or bool field of a one-line JSON object.
field() { sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" "$1"; }

# need_board: what the emulated board on a COM port needs (socat, node,
# the npm MicroPython), else prereq.
need_board() {
    : "${SRC:?}"
    command -v socat >/dev/null || prereq "socat is not installed"
    command -v node >/dev/null || prereq "node is not installed (the emulated board)"
    [ -d "${NODE_MODULES:-$SRC/node_modules}/@micropython" ] || prereq "npm packages missing: run npm ci"
}

# serve_com N PARTFILE: the emulated board on PARTFILE, served on a pty by
# socat and mapped to wine's COMN ($WINEPREFIX/dosdevices/comN -> the pty);
# stopped and unmapped at exit.
serve_com() {
    local pty=$tmp/pty$1 pid
    socat PTY,link="$pty",raw,echo=0 EXEC:"node $SRC/board/emulator.mjs --partition $2",pty,raw,echo=0 2> "$tmp/socat$1.err" &
    pid=$!
    on_exit "kill $pid 2>/dev/null && wait $pid 2>/dev/null; rm -f '$WINEPREFIX/dosdevices/com$1'"
    for _ in $(seq 100); do [ -e "$pty" ] && break; sleep 0.1; done
    [ -e "$pty" ] || { bad "socat made no pty: $(cat "$tmp/socat$1.err")"; finish; }
    ln -sfn "$(readlink -f "$pty")" "$WINEPREFIX/dosdevices/com$1"
}

# lin ARGS / win ARGS: romfs in $tmp/L, romfs.exe in $tmp/W (bounded), each
# with a cache of its own apart from the user's (Windows': a Windows path).
wcache="Z:$(printf '%s' "$tmp/wcache" | tr / '\\')"
lin() { (cd "$tmp/L" && XDG_CACHE_HOME="$tmp/lcache" "$ROMFS" "$@"); }
win() { (cd "$tmp/W" && XDG_CACHE_HOME="$wcache" timeout 120 "$WINE" "$ROMFS_WIN" "$@"); }
