# SPDX-License-Identifier: MIT
# The emulated board's fault and hardware flags are real: a flaky program
# writes wrong bits, --flip-rx corrupts what the host sends, --ecc refuses a
# second program of a unit, --model random leaves cut operations at random
# (seeded), --heap bounds MicroPython's heap, --baud slows what the board
# receives, --partition-from loads raw, UF2 and Intel HEX images, and two
# boards run side by side on their own partitions.
. "$(dirname "$0")/lib.sh"

# hex8 FILE OFFSET: 8 bytes of FILE at OFFSET as hex.
hex8() { od -An -tx1 -j"$2" -N8 "$1" | tr -d ' \n'; }

# A flaky program: the 2nd program silently writes one wrong bit; the call
# succeeds, the flash (file and mapped memory) holds something else.
P="$T/flaky.bin"
out=$(board_session "--partition $P --size 8192 --flaky-program 2 --seed 7" \
    "import vfs; print('r', vfs.rom_ioctl(4,0,0,b'abcdefgh'), vfs.rom_ioctl(4,0,8,b'ABCDEFGH'))" \
    "m = vfs.rom_ioctl(2,0); print('mem', bytes(m[0:16]))" 2>&1)
expect_in "$out" "OKr 0 0" "flaky program reports success"
[ "$(head -c 8 "$P")" = abcdefgh ] || bad "the first program was not exact"
[ "$(dd if="$P" bs=1 skip=8 count=8 status=none)" != ABCDEFGH ] || bad "--flaky-program 2 wrote the right bits"
case "$out" in *"mem b'abcdefghABCDEFGH'"*) bad "mapped memory shows the bits asked for, not the flash's" ;; esac
# The same flags and seed give the same fault; without the flag, exact.
P2="$T/flaky2.bin"
board_session "--partition $P2 --size 8192 --flaky-program 2 --seed 7" \
    "import vfs; vfs.rom_ioctl(4,0,0,b'abcdefgh'); vfs.rom_ioctl(4,0,8,b'ABCDEFGH')" >/dev/null 2>&1
cmp -s "$P" "$P2" || bad "--flaky-program with one seed is not reproducible"
P3="$T/exact.bin"
board_session "--partition $P3 --size 8192" \
    "import vfs; vfs.rom_ioctl(4,0,0,b'abcdefgh'); vfs.rom_ioctl(4,0,8,b'ABCDEFGH')" >/dev/null 2>&1
[ "$(head -c 16 "$P3")" = abcdefghABCDEFGH ] || bad "a program without faults is not exact"
# ...and a host checking CRCs sees it.
crc_out=$(board_session "--partition $P --size 8192" \
    "import binascii, vfs; print('crc', binascii.crc32(bytes(vfs.rom_ioctl(2,0)[8:16])) == binascii.crc32(b'ABCDEFGH'))" 2>&1)
expect_in "$crc_out" "OKcrc False" "the flaky block's CRC differs"

# A corrupting link: byte N of the host's traffic arrives flipped. Bytes:
# 1 = Ctrl-A, then "print(12345678)": byte 10 is the digit '3'.
out=$(board_session "--partition $T/l.bin --size 8192 --flip-rx 10 --seed 3" "print(12345678)" 2>&1)
case "$out" in *"OK12345678"*) bad "--flip-rx 10: the board still got 12345678" ;; esac
grep -q "OK12345678\|OK12[0-9]45678\|SyntaxError" <<<"$out" || bad "--flip-rx 10: neither another number nor a syntax error: $out"
out=$(board_session "--partition $T/l.bin --size 8192" "print(12345678)" 2>&1)
expect_in "$out" "OK12345678" "clean link"

# ECC: the write size is the unit; one program per unit and erase.
P="$T/ecc.bin"
out=$(board_session "--partition $P --size 8192 --block-size 1024 --ecc 16" \
    "import vfs; print('w', vfs.rom_ioctl(3,0,0,1024))" \
    "print('p', vfs.rom_ioctl(4,0,0,b'\\xf0'*16))" \
    "vfs.rom_ioctl(4,0,0,b'\\x00'*16)" \
    "vfs.rom_ioctl(4,0,16,b'\\xff'*8)" \
    "print('e', vfs.rom_ioctl(3,0,0,1024), vfs.rom_ioctl(4,0,0,b'\\x00'*16))" 2>&1)
expect_in "$out" "OKw 16" "--ecc 16: rom_ioctl(3) reports a 16-byte write unit"
expect_in "$out" "OKp 0" "first program of a unit"
expect_in "$out" "OSError: [Errno 5] EIO" "second program of a unit (only clearing bits) is refused"
expect_in "$out" "OSError: [Errno 22] EINVAL" "a write smaller than the unit"
expect_in "$out" "OKe 16 0" "after an erase the unit programs again"
[ -f "$P.ecc" ] || bad "--ecc keeps no unit states beside the partition"
# The states survive the board: a unit programmed in one session stays
# unprogrammable in the next.
out=$(board_session "--partition $P --ecc 16 --block-size 1024" "import vfs; vfs.rom_ioctl(4,0,0,b'\\x00'*16)" 2>&1)
expect_in "$out" "OSError: [Errno 5] EIO" "ECC state across boots"

# --model random: a cut erase leaves each byte of the block erased or old
# (prefix: the first half erased, the rest untouched); the seed makes it
# reproducible.
cut_erase() { # FILE MODEL SEED
    head -c 4096 /dev/zero >"$1"
    board_session "--partition $1 --block-size 4096 --die-after 1 --die-mid --model $2 --seed $3" \
        "import vfs; vfs.rom_ioctl(3,0,0,4096)" >/dev/null 2>&1
}
cut_erase "$T/r1" random 5
cut_erase "$T/r2" random 5
cut_erase "$T/r3" random 6
cut_erase "$T/pf" prefix 5
cmp -s "$T/r1" "$T/r2" || bad "--model random with one seed is not reproducible"
cmp -s "$T/r1" "$T/r3" && bad "--model random ignores the seed"
ff=$(od -An -v -tx1 "$T/r1" | tr -s ' ' '\n' | grep -c '^ff$')
zero=$(od -An -v -tx1 "$T/r1" | tr -s ' ' '\n' | grep -c '^00$')
[ "$ff" -gt 1500 ] && [ "$zero" -gt 1500 ] && [ $((ff + zero)) = 4096 ] ||
    bad "random cut erase: $ff erased and $zero old bytes of 4096"
[ "$(od -An -v -tx1 -N2048 "$T/pf" | tr -s ' ' '\n' | grep -c '^ff$')" = 2048 ] || bad "prefix cut erase: the first half is not erased"
[ "$(od -An -v -tx1 -j2048 "$T/pf" | tr -s ' ' '\n' | grep -c '^00$')" = 2048 ] || bad "prefix cut erase touched the second half"

# --heap --fixed-heap: a board with 64 KiB of heap that cannot grow, even
# with a 4 MiB partition mapped.
out=$(board_session "--partition $T/h.bin --size 4194304 --heap 65536 --fixed-heap" \
    "import vfs; print('len', len(vfs.rom_ioctl(2,0)))" \
    "b = bytearray(20000); print('small ok')" \
    "b = None; b = bytearray(200000)" 2>&1)
expect_in "$out" "OKlen 4194304" "4 MiB partition at 64 KiB heap"
expect_in "$out" "OKsmall ok" "small allocation at 64 KiB heap"
expect_in "$out" "MemoryError" "a 200 KB allocation at 64 KiB heap"
# --heap: the stand-ins a small board's heap needs answer as the real
# ones do: mem_free within the heap, base64 that round-trips and refuses
# what a board's a2b_base64 refuses.
out=$(board_session "--partition $T/h.bin --size 4194304 --heap 65536" \
    "import gc; print('free', 0 < gc.mem_free() <= 65536)" \
    "import binascii as b; x = bytes(range(256)) * 7; print('rt', b.a2b_base64(b.b2a_base64(x)) == x, b.b2a_base64(b'ab'), b.b2a_base64(b'ab', False))" \
    "import binascii as b; print('rom', b.b2a_base64(memoryview(__import__('vfs').rom_ioctl(2,0))[0:3]))" \
    "import binascii as b; b.a2b_base64('QUF')" 2>&1)
expect_in "$out" "OKfree True" "--heap: gc.mem_free() within the heap"
expect_in "$out" "OKrt True b'YWI=\\n' b'YWI='" "--heap: base64 stand-ins round-trip, newline as asked"
expect_in "$out" "OKrom b'////\\n'" "--heap: base64 of the mapped partition"
expect_in "$out" "ValueError: incorrect padding" "--heap: a2b_base64 refuses bad padding"
out=$(board_session "--partition $T/h2.bin --size 8192" "b = bytearray(200000); print('big ok')" 2>&1)
expect_in "$out" "OKbig ok" "without --heap the same allocation succeeds"

# --baud slows what the board receives too: 600 bytes at 4800 baud
# (480 bytes/s) take over a second, the board's reply being tiny.
line="#$(head -c 598 /dev/zero | tr '\0' x)"
t0=$(date +%s%N)
out=$({ printf '\x01%s\n\x04' "$line"; } | $EMU --partition "$T/b.bin" --size 8192 --baud 4800 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 1200 ] || bad "--baud 4800 received 600 bytes in $ms ms"
expect_in "$out" "OK" "throttled input still runs"

# --partition-from: raw, UF2 (payloads at flash addresses, out of order,
# one not-main-flash block skipped), Intel HEX; the board boots from it.
write_main_image "$T/img"
node - "$T/img" "$T/img.uf2" "$T/img.hex" "$T/bad.uf2" <<'JS'
const fs = require("fs");
const [img, uf2, hex, bad] = process.argv.slice(2);
const data = fs.readFileSync(img);
const base = 0x10100000, n = Math.ceil(data.length / 16);
const blocks = [];
const block = (no, count, addr, payload, flags) => {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(0x0a324655, 0); b.writeUInt32LE(0x9e5d5157, 4);
  b.writeUInt32LE(flags, 8); b.writeUInt32LE(addr, 12); b.writeUInt32LE(payload.length, 16);
  b.writeUInt32LE(no, 20); b.writeUInt32LE(count, 24); b.writeUInt32LE(0xe48bff56, 28);
  payload.copy(b, 32); b.writeUInt32LE(0x0ab16f30, 508);
  return b;
};
for (let i = 0; i < n; i++) blocks.push(block(i, n, base + 16 * i, data.subarray(16 * i, 16 * i + 16), 0x2000));
blocks.reverse();
blocks.splice(1, 0, block(0, 1, 0, Buffer.from("not flash"), 0x1));
fs.writeFileSync(uf2, Buffer.concat(blocks));
const broken = Buffer.concat(blocks); broken.writeUInt32LE(0, 512 + 508); fs.writeFileSync(bad, broken);
let out = ":020000041010DA\n";
for (let off = 0; off < data.length; off += 16) {
  const d = data.subarray(off, off + 16);
  const rec = Buffer.concat([Buffer.from([d.length, off >> 8, off & 0xff, 0]), d]);
  let sum = 0; for (const x of rec) sum = (sum + x) & 0xff;
  out += ":" + Buffer.concat([rec, Buffer.from([(-sum) & 0xff])]).toString("hex").toUpperCase() + "\n";
}
fs.writeFileSync(hex, out + ":00000001FF\n");
JS
for f in img img.uf2 img.hex; do
    P="$T/from-$f.bin"
    out=$(board_session "--partition $P --size 8192 --partition-from $T/$f" "import main" 2>&1)
    expect_in "$out" "OKhi from rom" "--partition-from $f boots the image"
    cmp -s -n 38 "$T/img" "$P" || bad "--partition-from $f: the partition does not start with the image"
    [ "$(stat -c %s "$P")" = 8192 ] || bad "--partition-from $f: partition is not 8192 bytes"
    [ "$(od -An -tx1 -j40 -N1 "$P" | tr -d ' ')" = ff ] || bad "--partition-from $f: the rest is not erased"
done
# What `romfs build --format uf2|ihex` writes flashes the board too.
mkdir -p "$T/usrc"
printf 'print("from uf2")\n' >"$T/usrc/main.py"
"$ROMFS" build --no-mpy -q --format uf2 --address 0x10180000 --family RP2040 -o "$T/u.uf2" "$T/usrc" 2>/dev/null || bad "romfs build --format uf2"
"$ROMFS" build --no-mpy -q --format ihex --address 0x08100000 -o "$T/u.hex" "$T/usrc" 2>/dev/null || bad "romfs build --format ihex"
for f in u.uf2 u.hex; do
    out=$(board_session "--partition $T/b-$f.bin --size 8192 --partition-from $T/$f" "import main" 2>&1)
    expect_in "$out" "OKfrom uf2" "the board flashed from romfs build's $f mounts it"
done
$EMU --partition "$T/x.bin" --partition-from "$T/bad.uf2" </dev/null >/dev/null 2>"$T/err" && bad "a broken UF2 was accepted"
expect_in "$(cat "$T/err")" "bad.uf2: bad UF2 magic in block at offset 512" "broken UF2 message"
$EMU --partition "$T/x.bin" --partition-from "$T/img.uf2" --base 0x10200000 </dev/null >/dev/null 2>"$T/err" && bad "UF2 data below --base accepted"
expect_in "$(cat "$T/err")" "is below the base address 0x10200000" "UF2 below the base"
$EMU --partition "$T/x.bin" --partition-from "$T/nosuch" </dev/null >/dev/null 2>"$T/err" && bad "a missing image accepted"
expect_in "$(cat "$T/err")" "nosuch: no such file" "missing --partition-from file"

# Two boards at once, each on its own partition: nothing shared.
write_main_image "$T/img"
cp "$T/img" "$T/a.bin"
printf 'print("board b")\n' >"$T/main.py"
mkdir -p "$T/bsrc" && cp "$T/main.py" "$T/bsrc/" && "$ROMFS" build --no-mpy -q -o "$T/b.romfs" "$T/bsrc" 2>/dev/null || bad "build b"
$EMU --partition "$T/a.bin" --size 8192 --partition-from "$T/img" </dev/null >/dev/null
$EMU --partition "$T/b.bin" --size 8192 --partition-from "$T/b.romfs" </dev/null >/dev/null
"$ROMFS" run -d "exec:$EMU --partition $T/a.bin" >"$T/ra" 2>&1 &
pa=$!
"$ROMFS" run -d "exec:$EMU --partition $T/b.bin" >"$T/rb" 2>&1 &
pb=$!
wait $pa || bad "board a: $(cat "$T/ra")"
wait $pb || bad "board b: $(cat "$T/rb")"
[ "$(cat "$T/ra")" = "hi from rom" ] || bad "board a printed $(cat "$T/ra")"
[ "$(cat "$T/rb")" = "board b" ] || bad "board b printed $(cat "$T/rb")"
finish
