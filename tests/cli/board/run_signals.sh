# SPDX-License-Identifier: MIT
# romfs run ended by SIGINT, SIGTERM or SIGHUP while the board runs a module
# that never returns: the board process (an exec: or emulated child, in its
# own process group) ends with it. It once lived on, orphaned, at 75 % CPU.
. "$(dirname "$0")/lib.sh"
set -m   # background jobs get SIGINT like foreground ones
mkdir -p "$T/app"
printf 'print("looping")\nwhile True:\n    pass\n' >"$T/app/main.py"
"$ROMFS" build -q --no-mpy -o "$T/loop.romfs" "$T/app" || bad "build"
for sig in INT TERM HUP; do
    rm -f "$T/pid" "$T/out"
    "$ROMFS" run -t 0 -d "exec:sh -c 'echo \$\$ >$T/pid; exec $EMU --partition $T/p-$sig --partition-from $T/loop.romfs'" \
        >"$T/out" 2>"$T/err" &
    romfs=$!
    for _ in $(seq 600); do grep -q looping "$T/out" 2>/dev/null && break; sleep 0.1; done
    grep -q looping "$T/out" || { bad "$sig: the module did not start: $(cat "$T/err")"; kill -KILL "$romfs"; continue; }
    board=$(cat "$T/pid")
    kill -"$sig" "$romfs"
    wait "$romfs"
    st=$?
    [ "$st" -gt 128 ] || bad "$sig: romfs run exited $st, not by the signal"
    for _ in $(seq 50); do kill -0 "$board" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$board" 2>/dev/null; then
        bad "$sig: the board process $board outlived romfs run"
        kill -KILL "$board" 2>/dev/null
    fi
done
finish
