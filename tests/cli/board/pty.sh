# SPDX-License-Identifier: MIT
# The serial code path (libserialport on a real tty): the emulated board
# behind a pseudo-terminal made by socat. Also: an image written into the
# partition file while the board runs is mounted after a soft reset.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || prereq "socat not found (Debian: socat)"

P="$T/p.bin"
TTY="$T/tty"
socat PTY,link="$TTY",raw,echo=0 EXEC:"$EMU --partition $P" 2>"$T/socat.err" &
SOCAT=$!
on_exit 'kill $SOCAT 2>/dev/null; wait $SOCAT 2>/dev/null'
for _ in $(seq 100); do
    [ -e "$TTY" ] && break
    sleep 0.05
done
[ -e "$TTY" ] || { echo "FAIL: socat made no pty: $(cat "$T/socat.err")"; exit 1; }

out=$("$ROMFS" query -d "$TTY" 2>"$T/err") || bad "query over the pty: $(cat "$T/err")"
expect_in "$out" "  Not a valid ROMFS" "erased partition over the pty"

# Same board process, new image in its flash file, soft reset, import.
write_main_image "$T/img"
dd if="$T/img" of="$P" conv=notrunc status=none
out=$("$ROMFS" run -d "$TTY" 2>"$T/err") || bad "run over the pty: $(cat "$T/err")"
[ "$out" = "hi from rom" ] || bad "run over the pty printed '$out'"
out=$("$ROMFS" query -d "$TTY" 2>"$T/err") || bad "second query over the pty: $(cat "$T/err")"
expect_in "$out" "  ROMFS image size: 33" "image seen over the pty"

# The board going away: socat and the emulator killed; the tty vanishes.
kill $SOCAT
wait $SOCAT 2>/dev/null
ROMFS_TIMEOUT_MS=1000 "$ROMFS" query -d "$TTY" >/dev/null 2>"$T/err" && bad "query after the board went away"
[ "$(wc -l <"$T/err")" = 1 ] || bad "expected one error line, got: $(cat "$T/err")"
finish
