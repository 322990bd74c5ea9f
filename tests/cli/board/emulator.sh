# SPDX-License-Identifier: MIT
# The emulated board through the real transport: raw REPL round trip,
# query on an erased and on a written partition, soft reset remounting /rom,
# raw-paste emulation, a throttled link.
. "$(dirname "$0")/lib.sh"

P="$T/p.bin"
out=$("$ROMFS" query -d "exec:$EMU --partition $P") || bad "query on a fresh board"
expect_in "$out" "ROMFS0 partition has size 262144 bytes" "fresh partition size"
expect_in "$out" "  Raw contents: ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff:ff ..." "erased raw contents"
expect_in "$out" "  Not a valid ROMFS" "erased partition"
expect_in "$out" "  Erase block size: 4096 bytes (64 blocks)" "erase block size"
[ "$(stat -c %s "$P")" = 262144 ] || bad "partition file not created with 256 KiB"
[ "$(od -An -tx1 -N4 "$P" | tr -d ' ')" = ffffffff ] || bad "partition file not erased"

write_main_image "$T/img"
dd if="$T/img" of="$P" conv=notrunc status=none
out=$("$ROMFS" query -d "exec:$EMU --partition $P") || bad "query on a written board"
expect_in "$out" "  Raw contents: d2:cd:31:80:21:05:1f:07:6d:61:69:6e ..." "raw contents"
expect_in "$out" "  ROMFS image size: 33" "image size"
expect_in "$out" "  Board's VfsRom accepts it: yes" "board mounts it"
expect_in "$out" "  Image SHA-256: $(sha256sum "$T/img" | cut -c1-64)" "image hash computed on the board"
ref=$out

json=$("$ROMFS" query --json -d "exec:$EMU --partition $P") || bad "query --json"
expect_in "$json" '"payload_size": 33, "image_size": 38, "fits": true, "mountable": true' "json facts"
node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))' <<<"$json" || bad "query --json is not JSON"

# --verify reads the image back and checks every record.
out=$("$ROMFS" query --verify -d "exec:$EMU --partition $P") || bad "query --verify"
expect_in "$out" "  Image check: valid (1 files, 0 directories, 21 data bytes)" "verify a good image"
# A hostile image MicroPython's own VfsRom accepts: only the full check
# sees that a file's data lies outside the image.
H="$T/h.bin"
$EMU --partition "$H" --size 8192 </dev/null >/dev/null
dd if="$VECTORS/hostile/pointer_offset_out_of_image.romfs" of="$H" conv=notrunc status=none
out=$("$ROMFS" query --verify -d "exec:$EMU --partition $H")
rc=$?
[ "$rc" = 1 ] || bad "query --verify on a hostile image: exit status $rc, expected 1"
expect_in "$out" "  Board's VfsRom accepts it: yes" "board accepts the hostile image"
expect_in "$out" "  Image check: 1 problem(s), first at offset 0x13: file '/x': indirect data" "verify finds the bad pointer"

# Raw-paste with a window smaller than the code: flow control end to end.
out2=$("$ROMFS" query -d "exec:$EMU --partition $P --raw-paste 32") || bad "query over raw-paste"
[ "$out2" = "$ref" ] || bad "raw-paste query differs: $out2"

# A slow serial link (9600 baud: 960 bytes/s each way) still completes,
# slowly: the query's code and the board's answers are over 2 KB.
t0=$(date +%s%N)
out3=$("$ROMFS" query -d "exec:$EMU --partition $P --baud 9600") || bad "query over a 9600 baud link"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$out3" = "$ref" ] || bad "throttled query differs: $out3"
[ "$ms" -ge 1000 ] || bad "--baud 9600 did not slow the link (query took $ms ms)"

# run: soft reset, then main from /rom.
out=$("$ROMFS" run -d "exec:$EMU --partition $P" 2>"$T/err") || bad "run main: $(cat "$T/err")"
[ "$out" = "hi from rom" ] || bad "run printed '$out'"
"$ROMFS" run -d "exec:$EMU --partition $P" nosuch >/dev/null 2>"$T/err" && bad "run of a missing module succeeded"
expect_in "$(cat "$T/err")" "ImportError: no module named 'nosuch'" "missing module traceback on stderr"
# A component starting with a digit is no module name: refused before the
# board is touched, as `watch --run` refuses it (run accepted "a.1b" before).
"$ROMFS" run -d "exec:false" a.1b >/dev/null 2>"$T/err"
[ $? = 2 ] || bad "run a.1b: expected exit 2 (bad usage)"
expect_in "$(cat "$T/err")" "'a.1b' is not a module name" "run a.1b"

# A module that prints, then raises: output on stdout, traceback on stderr,
# exit 1. One that never returns: --timeout ends it (the board is killed).
mkdir -p "$T/app/lib"
printf 'print("before")\nraise ValueError("boom")\n' >"$T/app/boom.py"
printf 'while True:\n    pass\n' >"$T/app/spin.py"
printf 'import helper\n' >"$T/app/uses_lib.py"
printf 'print("from /rom/lib")\n' >"$T/app/lib/helper.py"
"$ROMFS" build --no-mpy -q -o "$T/app.romfs" "$T/app" || bad "romfs build"
P3="$T/p3.bin"
$EMU --partition "$P3" --size 8192 </dev/null >/dev/null
dd if="$T/app.romfs" of="$P3" conv=notrunc status=none
"$ROMFS" run -d "exec:$EMU --partition $P3" boom >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || bad "run boom: exit status $rc"
[ "$(cat "$T/out")" = before ] || bad "run boom: stdout '$(cat "$T/out")'"
expect_in "$(cat "$T/err")" "ValueError: boom" "run boom: traceback on stderr"
t0=$(date +%s%N)
out=$("$ROMFS" run -d "exec:$EMU --partition $P3" uses_lib 2>&1) || bad "run uses_lib: $out"
base=$((($(date +%s%N) - t0) / 1000000))
[ "$out" = "from /rom/lib" ] || bad "run uses_lib printed '$out'"
t0=$(date +%s%N)
"$ROMFS" run -t 1 -d "exec:$EMU --partition $P3" spin >/dev/null 2>"$T/err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" = 1 ] || bad "run spin: exit status $rc"
expect_in "$(cat "$T/err")" "board did not answer while running the code" "run spin: timeout message"
# -t 1 ends it: a second of timeout and the close's grace for the board
# process (under 2 s) on top of the same run of a module that returns at
# once (uses_lib, just above), which is allowed twice over so a loaded
# machine does not fail the check. A -t not applied (the default is 60 s)
# still fails it.
max=$((2 * base + 3000))
echo "run spin: $ms ms (run uses_lib: $base ms)"
[ "$ms" -lt "$max" ] || bad "run spin took $ms ms (limit $max ms: 3 s beyond twice the $base ms of run uses_lib)"

# Soft reset inside one board session remounts /rom: the board writes the
# image itself, resets, imports from it. (pty.sh covers an image written
# into the file from outside while the board runs.)
P2="$T/p2.bin"
hex=$(od -An -tx1 -v "$T/img" | tr -d ' \n')
out=$(board_session "--partition $P2" \
    "import vfs,binascii; vfs.rom_ioctl(3,0,4096); d=binascii.unhexlify('$hex'); vfs.rom_ioctl(4,0,0,d+b'\\xff'*((-len(d))%8)); vfs.rom_ioctl(5,0)" \
    "" \
    "import main" 2>&1)
expect_in "$out" "MPY: soft reboot" "soft reboot banner"
expect_in "$out" "OKhi from rom" "module imported from /rom after the soft reset"
cmp -n 38 "$T/img" "$P2" || bad "partition file does not hold what the board wrote"
finish
