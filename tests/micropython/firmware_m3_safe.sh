#!/bin/bash
# SPDX-License-Identifier: MIT
# The Cortex-M3 firmware built with port/micropython's bounds-safe VfsRom
# and a writable ROM partition from romfs's device layer
# (tests/micropython/romboard), both added with USER_C_MODULES:
#  - it boots a romfs image at /rom and imports from it, as lib-firmware.sh
#    checks for upstream's firmware, and refuses an image whose file data
#    points outside it (upstream's hands out a memoryview there);
#  - one firmware process behind a pty (socat): deploy compiles with the
#    -march the board's _mpy names and writes the partition, run (soft reset,
#    /rom mounted afresh) runs the native code, an edit deploys incrementally,
#    and watch deploys and runs an edit, and reports a syntax error with the
#    user's path and line (the real mpy-cross names its staged input).
BOARD=m3-safe PART=0x21000000 MARCH=armv7em FW=firmware-m3-safe.elf
FINISH_LATER=1
. "$(dirname "$0")/lib-firmware.sh"
command -v socat >/dev/null || die "socat missing (scripts/setup.sh installs it)"

# The hostile probe: an out-of-image pointer is refused.
cp "$VECTORS/hostile/pointer_offset_out_of_image.romfs" h.bin
mkdir -p h && mv h.bin h/hostile.bin
"$ROMFS" build -q --no-mpy -o h.romfs h 2>/dev/null || die "hostile holder image"
printf '%s\n' 'import vfs' 'fs = vfs.VfsRom(open("/rom/hostile.bin", "rb").read())' \
    'try:' '    memoryview(fs.open("x", "rb"))' \
    '    print("handed out")' 'except OSError as e:' '    print("refused", e.errno)' >h.py
exec_on "$TMP/h.romfs" <h.py >h.out 2>&1 || bad "hostile probe: $(cat h.out)"
expect_in "$(cat h.out)" "refused" "the safe VfsRom on an out-of-image pointer"

# One firmware process behind a pty: the board keeps its partition (RAM
# under QEMU) across soft resets, like a board on a serial port.
TTY=$TMP/tty
# (the command goes through a script: socat's EXEC: takes commas as options)
board "$TMP/empty.romfs" | sed 's/^exec:/exec /' >qemu.sh
socat PTY,link="$TTY",rawer EXEC:"sh $TMP/qemu.sh" 2>socat.err &
SOCAT=$!
on_exit 'kill $SOCAT 2>/dev/null; wait $SOCAT 2>/dev/null'
for _ in $(seq 200); do [ -e "$TTY" ] && break; sleep 0.05; done
[ -e "$TTY" ] || die "socat made no pty: $(cat socat.err)"

rm -f app/lib/inner.romfs
"$ROMFS" deploy -d "$TTY" app >dep.out 2>dep.err || bad "deploy: $(cat dep.err)"
"$ROMFS" run -t 120 -d "$TTY" fast >run.out 2>run.err || bad "run fast: $(cat run.err)"
expect_in "$(cat run.out)" "native 42 viper 10" "native code deployed with the board's -march"
expect_in "$(cat run.out)" "asm_thumb 42" "@asm_thumb deployed"
"$ROMFS" run -t 120 -d "$TTY" main >run.out 2>run.err || bad "run main: $(cat run.err)"
expect_in "$(cat run.out)" "main 42" "run after the deploy"

# An edit: an incremental deploy writes less than the first, then runs.
printf 'import helper\nprint("main v2", helper.twice(50))\n' >app/main.py
"$ROMFS" deploy --json -d "$TTY" app >dep2.json 2>dep2.err || bad "second deploy: $(cat dep2.err)"
"$ROMFS" run -t 120 -d "$TTY" main >run.out 2>run.err || bad "run after the edit: $(cat run.err)"
expect_in "$(cat run.out)" "main v2 100" "run after an incremental deploy"

# watch: the initial deploy and run, then an edit picked up.
"$ROMFS" watch --debounce 100 -d "$TTY" --run main app >w.out 2>w.err &
W=$!
wait_for w.out "main v2 100" 120 quiet || bad "watch: no first run: $(tail -n 5 w.err)"
printf 'import helper\nprint("main v3", helper.twice(7))\n' >app/main.py
wait_for w.out "main v3 14" 120 quiet || bad "watch: the edit did not run: $(tail -n 5 w.err)"
# A syntax error: the real compiler's message names the user's path and
# line (not the staged copy), and the watch goes on.
printf 'def twice(x):\n    return (2 * x\n' >app/lib/helper.py
wait_for w.err 'File "app/lib/helper.py", line 3' 120 quiet || bad "watch: no traceback naming the user's path: $(tail -n 8 w.err)"
grep -q 'romfs-mpy-' w.err && bad "watch showed the staged temporary path: $(grep romfs-mpy- w.err)"
printf 'def twice(x):\n    return 3 * x\n' >app/lib/helper.py
wait_for w.out "main v3 21" 120 quiet || bad "watch: the fix did not run: $(tail -n 5 w.err)"
kill -INT $W
wait $W || bad "watch did not stop cleanly on SIGINT (status $?): $(tail -n 5 w.err)"
kill $SOCAT
wait $SOCAT 2>/dev/null
finish
