# SPDX-License-Identifier: MIT
# What deploy and the board image reader (ls -d) leave in the board's
# __main__: exactly what was there. Their helpers (_d, _f, _m, ...) once
# stayed after a deploy and replaced the user's own _f and _d. The board
# here gets user names typed at its prompt before the host connects, and
# lists its globals after the host has gone.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/app"
echo 'x = 1' >"$T/app/x.py"
export XDG_CACHE_HOME=$T/cache
# board CMD...: run romfs CMD on a board whose user set _f, _d and io; the
# globals afterwards in $T/g.
board() {
    rm -f "$T/out"
    local d="exec:sh -c '{ printf \"_f=\\\"user\\\"\\r_d=42\\rio=7\\r\"; cat;
        printf \"\\001print(\\\"G\\\",_f,_d,io,sorted(globals()))\\004\"; } |
        $EMU --partition $T/p.bin | tee -p -a $T/out'"
    "$ROMFS" "$@" -d "$d" >"$T/cmd.out" 2>&1 || bad "romfs $*: $(cat "$T/cmd.out")"
    for _ in $(seq 50); do grep -aq "G " "$T/out" 2>/dev/null && break; sleep 0.1; done
    grep -a "G " "$T/out" | sed 's/.*G /G /; s/\x04.*//' >"$T/g"
}
want="G user 42 7 ['__file__', '__name__', '_d', '_f', 'gc', 'io']"  # gc: the emulator's boot imports it
board deploy --no-mpy -q "$T/app"
[ "$(cat "$T/g")" = "$want" ] || bad "after deploy: $(cat "$T/g")"
board ls
[ "$(cat "$T/g")" = "$want" ] || bad "after ls -d: $(cat "$T/g")"
finish
