# SPDX-License-Identifier: MIT
# The image commands read a board's image into memory: no temporary copy
# exists, so a command stopped by a signal leaves nothing behind. (Before,
# `romfs cat -d DEV PATH` wrote the whole image to $TMPDIR first, never
# registered for cleanup: Ctrl-C while its output pipe was full left the
# image there.)
. "$(dirname "$0")/lib.sh"
P="$T/p.bin"
DEV="exec:$EMU --partition $P"
mkdir -p "$T/app" "$T/tmp"
head -c 100000 /dev/urandom >"$T/app/big.bin"
"$ROMFS" deploy -q --no-mpy -d "$DEV" "$T/app" 2>"$T/err" || bad "deploy: $(cat "$T/err")"
mkfifo "$T/fifo"
TMPDIR="$T/tmp" "$ROMFS" cat -d "$DEV" /big.bin >"$T/fifo" 2>"$T/err" &
pid=$!
exec 3<"$T/fifo"   # a reader that never reads: the command blocks once the pipe is full
blocked=
for _ in $(seq 1200); do
    case "$(cat "/proc/$pid/wchan" 2>/dev/null)" in *pipe_write) blocked=1 ;; esac
    [ -n "$blocked" ] && { blocked=1; break; }
    sleep 0.1
done
[ -n "$blocked" ] || bad "cat -d never blocked writing its output"
# SIGTERM (a script's background job ignores SIGINT; both take one path).
kill -TERM "$pid"
exec 3<&-
wait "$pid"
rc=$?
[ "$rc" = 143 ] || bad "cat -d stopped by SIGTERM: exit status $rc, expected 143"
left=$(find "$T/tmp" -mindepth 1 | head -5)
[ -z "$left" ] || bad "left in TMPDIR after SIGTERM: $left"
# And read whole, the bytes are the file's.
"$ROMFS" cat -d "$DEV" /big.bin >"$T/out" 2>"$T/err" || bad "cat -d: $(cat "$T/err")"
cmp -s "$T/out" "$T/app/big.bin" || bad "cat -d gave other bytes than the file"
"$ROMFS" ls -l -d "$DEV" >"$T/out" 2>"$T/err" || bad "ls -l -d: $(cat "$T/err")"
expect_in "$(cat "$T/out")" "big.bin" "ls -l -d lists the file"
"$ROMFS" ls -d "$DEV" / extra >/dev/null 2>"$T/err"
[ $? = 2 ] || bad "ls -d with two operands: expected exit 2"
finish
