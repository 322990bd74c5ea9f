# SPDX-License-Identifier: MIT
# Sessions with the board: exec: channels closed only after the board has
# said everything (no "Broken pipe" from socat), `run --no-reset`, and the
# error paths of boards that differ: a batched write that raises, no
# binascii.crc32, no machine.unique_id.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/cache"
HERE=$(dirname "$0")
P="$T/p.bin"
mkdir -p "$T/app"
echo 'print("hi from rom")' >"$T/app/hello.py"

# socat between us and the board: every command ends without socat
# complaining that we hung up on it.
if command -v socat >/dev/null; then
    S="exec:socat STDIO EXEC:'$EMU --partition $P'"
    "$ROMFS" deploy --no-mpy -q -d "$S" "$T/app" 2>"$T/err" || bad "deploy over socat: $(cat "$T/err")"
    [ ! -s "$T/err" ] || bad "deploy over socat: stderr: $(cat "$T/err")"
    "$ROMFS" query -d "$S" >/dev/null 2>"$T/err" || bad "query over socat: $(cat "$T/err")"
    [ ! -s "$T/err" ] || bad "query over socat: stderr: $(cat "$T/err")"
    out=$("$ROMFS" run -d "$S" hello 2>"$T/err") || bad "run over socat: $(cat "$T/err")"
    [ "$out" = "hi from rom" ] || bad "run over socat printed '$out'"
    [ ! -s "$T/err" ] || bad "run over socat: stderr: $(cat "$T/err")"
else
    echo "note: socat not found, exec: hang-up check skipped"
    "$ROMFS" deploy --no-mpy -q -d "exec:$EMU --partition $P" "$T/app" || bad "deploy"
fi

# run --no-reset: no soft reset (the board's output, teed by fake-heap.sh,
# has no "soft reboot"); the module still comes from /rom. Without it, the
# board resets.
R="$T/board-output"
out=$("$ROMFS" run --no-reset -d "exec:sh $HERE/fake-heap.sh $R --partition $P" hello 2>"$T/err") ||
    bad "run --no-reset: $(cat "$T/err")"
[ "$out" = "hi from rom" ] || bad "run --no-reset printed '$out'"
grep -aq "soft reboot" "$R" && bad "run --no-reset reset the board"
out=$("$ROMFS" run -d "exec:sh $HERE/fake-heap.sh $R --partition $P" hello 2>"$T/err") || bad "run: $(cat "$T/err")"
grep -aq "soft reboot" "$R" || bad "run without --no-reset did not reset the board"
# A board that cannot soft-reset (it only answers commands): --no-reset
# still runs the module.
export FAKE_KEYS="__import__"
FAKE___import__="ran" "$ROMFS" run --no-reset -d "exec:node $HERE/fake-answer.mjs" hello >"$T/out" 2>"$T/err" ||
    bad "run --no-reset on a board without reset: $(cat "$T/err")"
[ "$(cat "$T/out")" = "ran" ] || bad "run --no-reset on a board without reset printed '$(cat "$T/out")'"

# A write in a batch raises on the board: the deploy stops there, exit 1,
# the exception named, and the partition holds nothing that mounts.
head -c 20000 /dev/urandom >"$T/app/blob.bin"
B="$T/b.bin"
FAILW='exec("import vfs\n_fw_o=vfs.rom_ioctl\n_fw_n=[0]\ndef _fw(op,*a):\n if op==4:\n  _fw_n[0]+=1\n  if _fw_n[0]==3:raise OSError(5)\n return _fw_o(op,*a)\nvfs.rom_ioctl=_fw")'
"$ROMFS" deploy --no-mpy -q -d "exec:sh $HERE/fake-patched.sh '$FAILW' --partition $B" "$T/app" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 1 ] || bad "deploy with a raising write: exit status $rc"
expect_in "$(cat "$T/err")" "OSError: [Errno 5] EIO" "deploy with a raising write names it"
[ "$(wc -l <"$T/err")" = 1 ] || bad "deploy with a raising write: expected one line, got: $(cat "$T/err")"
out=$("$ROMFS" query -d "exec:$EMU --partition $B")
expect_in "$out" "Not a valid ROMFS" "a failed batch leaves nothing that mounts"

# No binascii.crc32: every block rewritten, verified by reading back;
# query --verify still reads the image.
NOCRC='exec("import sys,binascii as b\nclass B:pass\nm=B()\nfor k in dir(b):\n if k!=\"crc32\" and not k.startswith(\"__\"):setattr(m,k,getattr(b,k))\nsys.modules[\"binascii\"]=m")'
C="$T/c.bin"
"$ROMFS" deploy --no-mpy -d "exec:sh $HERE/fake-patched.sh '$NOCRC' --partition $C" "$T/app" >"$T/out" 2>"$T/err" ||
    bad "deploy without crc32: $(cat "$T/err")"
expect_in "$(cat "$T/err")" "no binascii.crc32: rewriting everything, verifying by reading back" "no crc32 warning"
out=$("$ROMFS" query --verify -d "exec:sh $HERE/fake-patched.sh '$NOCRC' --partition $C") || bad "query --verify without crc32"
expect_in "$out" "Image check: valid (2 files" "query --verify without crc32"

# No machine.unique_id: deploys still work and stay incremental (the cache
# is keyed by the device instead).
NOUID='exec("import sys\nclass M:pass\nsys.modules[\"machine\"]=M()")'
U="$T/u.bin"
D="exec:sh $HERE/fake-patched.sh '$NOUID' --partition $U"
"$ROMFS" deploy --no-mpy -q -d "$D" "$T/app" 2>"$T/err" || bad "deploy without unique_id: $(cat "$T/err")"
out=$("$ROMFS" deploy --no-mpy -d "$D" "$T/app" 2>&1) || bad "second deploy without unique_id: $out"
expect_in "$out" "wrote 0 of" "an unchanged deploy without unique_id writes nothing"
finish
