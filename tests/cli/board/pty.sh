# SPDX-License-Identifier: MIT
# The serial code path (libserialport on a real tty): the emulated board
# behind a pseudo-terminal made by socat. Also: an image written into the
# partition file while the board runs is mounted after a soft reset.
. "$(dirname "$0")/lib.sh"
if ! command -v socat >/dev/null; then
    echo "SKIP: socat not found"
    exit 77
fi

P="$T/p.bin"
TTY="$T/tty"
socat PTY,link="$TTY",raw,echo=0 EXEC:"$EMU --partition $P" 2>"$T/socat.err" &
SOCAT=$!
trap 'kill $SOCAT 2>/dev/null; wait $SOCAT 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do
    [ -e "$TTY" ] && break
    sleep 0.05
done
[ -e "$TTY" ] || { echo "FAIL: socat made no pty: $(cat "$T/socat.err")"; exit 1; }

out=$("$ROMFS" query -d "$TTY" 2>"$T/err") || fail "query over the pty: $(cat "$T/err")"
expect_in "$out" "  Not a valid ROMFS" "erased partition over the pty"

# Same board process, new image in its flash file, soft reset, import.
write_main_image "$T/img"
dd if="$T/img" of="$P" conv=notrunc status=none
out=$("$ROMFS" run -d "$TTY" 2>"$T/err") || fail "run over the pty: $(cat "$T/err")"
[ "$out" = "hi from rom" ] || fail "run over the pty printed '$out'"
out=$("$ROMFS" query -d "$TTY" 2>"$T/err") || fail "second query over the pty: $(cat "$T/err")"
expect_in "$out" "  ROMFS image size: 33" "image seen over the pty"

# The board going away: socat and the emulator killed; the tty vanishes.
kill $SOCAT
wait $SOCAT 2>/dev/null
ROMFS_TIMEOUT_MS=1000 "$ROMFS" query -d "$TTY" >/dev/null 2>"$T/err" && fail "query after the board went away"
[ "$(wc -l <"$T/err")" = 1 ] || fail "expected one error line, got: $(cat "$T/err")"
finish
