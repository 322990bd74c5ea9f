# SPDX-License-Identifier: MIT
# The transport's failure paths: a silent board, one that hangs up, one that
# talks garbage, one without ROMFS, one that dies mid-command; each gives
# one clear line and exit status 1, within the configured timeout.
. "$(dirname "$0")/lib.sh"

# check_error NAME DEVICE NEEDLE [MAX_SECONDS]
# The failure ends within MAX_SECONDS (default 5) of its own (the 800 ms
# timeout, the close's grace for the board process) on top of what this
# machine needs to start romfs and a board process right now: measured
# just before as a board that hangs up at once (exec:true), and allowed
# twice over, so a loaded machine does not fail the check while a timeout
# not applied (the default is 10 s) or a board process waited for rather
# than ended (sleep 100) still does.
check_error() {
    local start end rc err base
    start=$(date +%s%N)
    ROMFS_TIMEOUT_MS=800 "$ROMFS" query -d "exec:true" >/dev/null 2>&1
    end=$(date +%s%N)
    base=$(((end - start) / 1000000))
    start=$(date +%s%N)
    ROMFS_TIMEOUT_MS=800 "$ROMFS" query -d "$2" >"$T/out" 2>"$T/err"
    rc=$?
    end=$(date +%s%N)
    err=$(cat "$T/err")
    [ "$rc" = 1 ] || bad "$1: exit status $rc, expected 1"
    expect_in "$err" "$3" "$1"
    [ "$(wc -l <"$T/err")" = 1 ] || bad "$1: expected one line on stderr, got: $err"
    local ms=$(((end - start) / 1000000))
    local max=$((2 * base + ${4:-5}000))
    echo "$1: $ms ms (exec:true: $base ms)"
    [ "$ms" -le "$max" ] || bad "$1: took $ms ms (more than $max ms: ${4:-5} s beyond twice the $base ms of a board that hangs up at once)"
}

# A sleep length unique to this run, so the leftover check below sees only
# this script's processes when other board tests run in parallel.
export FAKE_SLEEP=100.$$
check_error silent "exec:sleep $FAKE_SLEEP" "exec:sleep $FAKE_SLEEP: board did not answer while waiting for the raw REPL prompt" 3
check_error hangup "exec:true" "board disconnected while" 3
expect_in "$(cat "$T/err")" "board process exited with status 0" "hangup names the exit status"
check_error garbage "exec:yes garbage" "timed out while waiting for the raw REPL prompt; last bytes from the board: 'garbage\\ngarbage" 3
FAKE="exec:sh $(dirname "$0")/fake-board.sh"
check_error "board that never says OK" "$FAKE no-ok" "board did not accept the code (expected 'OK', got 'XY')" 3
check_error "board dies mid-command" "$FAKE dies" \
    "board disconnected while running the code: board process exited with status 4" 3
check_error "board resets mid-command" "$FAKE resets" "board reset while running the code" 3
# Firmware without raw-paste echoes the request: the host recovers and
# falls back to the plain raw REPL.
ROMFS_TIMEOUT_MS=2000 "$ROMFS" query -d "$FAKE paste-echo" >"$T/out" 2>"$T/err"
[ "$(cat "$T/out")" = "ROMFS is not enabled on this device" ] || bad "paste-echo: $(cat "$T/out" "$T/err")"
check_error "no such serial port" "/dev/nonexistent-romfs-tty" "/dev/nonexistent-romfs-tty: no such serial port" 3
check_error "empty exec" "exec:" "exec: needs a command" 3

# A board without ROMFS: MicroPython answers, vfs has no rom_ioctl.
"$ROMFS" query -d "exec:$EMU --no-romfs --partition $T/p.bin" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || bad "no-romfs: exit status $rc"
[ "$(cat "$T/out")" = "ROMFS is not enabled on this device" ] || bad "no-romfs printed: $(cat "$T/out")"

# With no -d and no board, query, run and deploy fail as mpremote does
# ("no device found", exit 1) and say how to ask for the emulated board;
# they never fall back to it silently. (Skipped where a board is plugged in.)
if [ -z "$(ROMFS_DEVICE= "$ROMFS" devs 2>/dev/null | grep -v '^no boards found')" ]; then
    mkdir -p "$T/app"
    echo 'print(1)' >"$T/app/hello.py"
    for cmd in "query" "run" "deploy --no-mpy $T/app"; do
        ROMFS_DEVICE= "$ROMFS" $cmd >"$T/out" 2>"$T/err"
        rc=$?
        [ "$rc" = 1 ] || bad "$cmd without a board: exit status $rc, expected 1"
        expect_in "$(cat "$T/err")" "no device found" "$cmd without a board"
        expect_in "$(cat "$T/err")" "-d emulated, or ROMFS_DEVICE=emulated" "$cmd without a board names the emulator"
        [ "$(wc -l <"$T/err")" = 1 ] || bad "$cmd without a board: expected one line, got: $(cat "$T/err")"
        [ ! -s "$T/out" ] || bad "$cmd without a board printed: $(cat "$T/out")"
    done
    [ ! -e "$ROMFS_BOARD_DIR/partition.bin" ] || bad "the emulated board was started without being asked for"
fi
# -d emulated and ROMFS_DEVICE=emulated use it, without a word about it.
"$ROMFS" query -d emulated >"$T/out" 2>"$T/err" || bad "-d emulated: $(cat "$T/err")"
[ ! -s "$T/err" ] || bad "-d emulated printed on stderr: $(cat "$T/err")"
expect_in "$(cat "$T/out")" "ROMFS0 partition has size" "-d emulated"
[ -f "$ROMFS_BOARD_DIR/partition.bin" ] || bad "emulated board did not create its partition file"
ROMFS_DEVICE=emulated "$ROMFS" query --json >"$T/out" 2>"$T/err" || bad "ROMFS_DEVICE=emulated: $(cat "$T/err")"
[ ! -s "$T/err" ] || bad "ROMFS_DEVICE=emulated printed on stderr: $(cat "$T/err")"
expect_in "$(cat "$T/out")" "\"device\": \"emulated board (partition: $ROMFS_BOARD_DIR/partition.bin)\"" "ROMFS_DEVICE=emulated"
# ROMFS_BOARD_CMD replaces the emulator command.
ROMFS_BOARD_CMD="$EMU --no-romfs --partition $T/p.bin" "$ROMFS" query -d emulated >"$T/out" 2>"$T/err"
expect_in "$(cat "$T/out")" "ROMFS is not enabled on this device" "ROMFS_BOARD_CMD"

# No board process is left behind by any of the above.
sleep 0.3
left=$(pgrep -f "$T|sleep $FAKE_SLEEP" -a | grep -v pgrep || true)
[ -z "$left" ] || bad "processes left behind: $left"

# Commands: help, usage errors, devs.
for cmd in query run devs; do
    "$ROMFS" $cmd --help >"$T/out" || bad "$cmd --help exit status"
    expect_in "$(cat "$T/out")" "usage: romfs $cmd" "$cmd --help"
    "$ROMFS" $cmd --bogus >/dev/null 2>&1
    [ $? = 2 ] || bad "$cmd --bogus: expected exit 2"
done
"$ROMFS" run 'os;import' >/dev/null 2>&1
[ $? = 2 ] || bad "run with a bad module name: expected exit 2"
out=$("$ROMFS" devs) || bad "devs exit status"
[ -n "$out" ] || bad "devs printed nothing"
json=$("$ROMFS" devs --all --json) || bad "devs --json exit status"
node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$json" || bad "devs --json is not JSON: $json"
finish
