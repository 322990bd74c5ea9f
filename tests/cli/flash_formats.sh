#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# romfs build --format raw|uf2|ihex, --address, --pad-to, --family; and
# romfs check / ls / cat reading .uf2 and .hex files (detected by content).
set -u
. "$(dirname "$0")/lib-tools.sh"
cd "$TMP" || exit 1
mkdir -p app/lib
printf 'print("hi")\n' > app/main.py
printf 'x = 1\n' > app/lib/m.py
head -c 1000 /dev/zero | tr '\0' 'a' > app/lib/big.txt  # the image spans several UF2 blocks
expect 0 "$ROMFS" build -q --no-mpy -o app.romfs app
img_size=$(stat -c %s app.romfs)

# Raw padded to the partition size with 0xFF (options after the operand).
expect 0 "$ROMFS" build app -q --no-mpy -o pad.bin --pad-to 4096
[ "$(stat -c %s pad.bin)" = 4096 ] || bad "--pad-to 4096 gave $(stat -c %s pad.bin) bytes"
cmp -n "$img_size" pad.bin app.romfs || bad "padded raw does not start with the image"
[ "$(tail -c +$((img_size + 1)) pad.bin | tr -d '\377' | wc -c)" = 0 ] || bad "padding is not 0xFF"
expect 0 "$ROMFS" check -q pad.bin
expect 1 "$ROMFS" build -q --no-mpy -o small.bin --pad-to 16 app
grep -q "more than --pad-to 16" "$ERR" || bad "pad-to too small: $(cat "$ERR")"
[ ! -e small.bin ] || bad "half-written small.bin"

# UF2: the blocks decode back to the image (field by field, with od).
expect 0 "$ROMFS" build -q --no-mpy --format uf2 --address 0x10180000 --family RP2040 -o app.uf2 app
n=$(( (img_size + 255) / 256 ))
[ "$(stat -c %s app.uf2)" = $((n * 512)) ] || bad "app.uf2 has $(stat -c %s app.uf2) bytes, want $((n * 512))"
: > back.bin
for ((i = 0; i < n; i++)); do
    read -r m0 m1 flags addr size no num fam < <(od -An -tx4 -N32 -j $((i * 512)) app.uf2 | tr '\n' ' ')
    want="0a324655 9e5d5157 00002000 $(printf %08x $((0x10180000 + i * 256))) 00000100 $(printf %08x $i) $(printf %08x $n) e48bff56"
    [ "$m0 $m1 $flags $addr $size $no $num $fam" = "$want" ] || bad "block $i header: $m0 $m1 $flags $addr $size $no $num $fam"
    [ "$(od -An -tx4 -N4 -j $((i * 512 + 508)) app.uf2 | tr -d ' ')" = 0ab16f30 ] || bad "block $i end magic"
    dd if=app.uf2 bs=1 skip=$((i * 512 + 32)) count=256 status=none >> back.bin
done
cmp -n "$img_size" back.bin app.romfs || bad "UF2 payloads are not the image"
expect 0 "$ROMFS" check -q app.uf2
expect 0 "$ROMFS" ls -R app.uf2
grep -q 'm.py' "$OUT" || bad "ls of the UF2 lacks lib/m.py"
expect 0 "$ROMFS" cat app.uf2 /lib/m.py
[ "$(cat "$OUT")" = "x = 1" ] || bad "cat from the UF2: $(cat "$OUT")"
# Family by number and by other names; RP2350 and STM32.
expect 0 "$ROMFS" build -q --no-mpy --format uf2 --address 0 --family 0xe48bff59 -o a.uf2 app
[ "$(od -An -tx4 -N4 -j28 a.uf2 | tr -d ' ')" = e48bff59 ] || bad "family by number"
expect 0 "$ROMFS" build -q --no-mpy --format uf2 --address 0x08000000 --family stm32f4 -o s.uf2 app
[ "$(od -An -tx4 -N4 -j28 s.uf2 | tr -d ' ')" = 57755a57 ] || bad "STM32F4 family"
# Usage errors, each one line naming the problem.
expect 2 "$ROMFS" build -q --no-mpy --format uf2 -o x.uf2 app
grep -q "needs --address" "$ERR" || bad "uf2 without address: $(cat "$ERR")"
expect 2 "$ROMFS" build -q --no-mpy --format uf2 --address 0x100 --family PDP11 -o x.uf2 app
grep -q "family name.*'PDP11'" "$ERR" || bad "unknown family: $(cat "$ERR")"
expect 2 "$ROMFS" build -q --no-mpy --format uf2 --address 0x101 --family RP2040 -o x.uf2 app
grep -q "not a multiple of 256" "$ERR" || bad "unaligned: $(cat "$ERR")"
expect 2 "$ROMFS" build -q --no-mpy --format zip -o x app
grep -q "raw, uf2 or ihex, not 'zip'" "$ERR" || bad "bad format: $(cat "$ERR")"
[ ! -e x.uf2 ] && [ ! -e x ] || bad "output written after a usage error"

# A corrupt UF2 is refused with its offset; nothing else is read.
cp app.uf2 bad.uf2
printf '\x07' | dd of=bad.uf2 bs=1 seek=$((512 + 20)) conv=notrunc status=none
expect 1 "$ROMFS" check bad.uf2
grep -q "bad.uf2: offset 512: UF2 block 1: numbered 7" "$ERR" || bad "corrupt UF2: $(cat "$ERR")"
# From standard input it is named <stdin>, as every other refusal of "-" is
# (it was "-: offset 512" before the image loading moved to the library).
expect 1 "$ROMFS" cat - /main.py < bad.uf2
err_has "romfs: <stdin>: offset 512: UF2 block 1: numbered 7"

# Without -o the output is named after the format.
rm -f app.uf2 app.hex
expect 0 "$ROMFS" build -q --no-mpy --format uf2 --address 0 --family RP2040 app
[ -s app.uf2 ] && [ "$(od -An -tx4 -N4 app.uf2 | tr -d ' ')" = 0a324655 ] || bad "default output app.uf2"
expect 0 "$ROMFS" build -q --no-mpy --format ihex app
head -c1 app.hex | grep -q ':' || bad "default output app.hex"

# Intel HEX: checksums, type 04 records, EOF; reads back.
expect 0 "$ROMFS" build -q --no-mpy --format ihex --address 0x0801fff0 -o app.hex app
sums_ok=1
while IFS= read -r l; do
    l=${l%$'\r'} sum=0
    for ((i = 1; i < ${#l}; i += 2)); do sum=$((sum + 16#${l:i:2})); done
    [ $((sum % 256)) = 0 ] || { sums_ok=0; bad "HEX checksum wrong: $l"; break; }
done < app.hex
[ "$sums_ok" = 1 ] && [ "$(wc -l < app.hex)" -gt 60 ] || bad "HEX has $(wc -l < app.hex) lines"
grep -q '^:020000040801F1$' app.hex || bad "no type 04 record for 0x0801"
grep -q '^:020000040802F0$' app.hex || bad "no type 04 record at the 64 KiB crossing"
[ "$(tail -n1 app.hex)" = ":00000001FF" ] || bad "HEX does not end with EOF"
expect 0 "$ROMFS" check -q app.hex
expect 0 "$ROMFS" cat app.hex /main.py
[ "$(cat "$OUT")" = 'print("hi")' ] || bad "cat from the HEX: $(cat "$OUT")"
sed '3s/.$/0/' app.hex > bad.hex
[ "$(sed -n 3p app.hex)" != "$(sed -n 3p bad.hex)" ] || sed -i '3s/.$/1/' bad.hex
expect 1 "$ROMFS" ls bad.hex
grep -q "bad.hex: offset [0-9]*: HEX line 3: checksum" "$ERR" || bad "corrupt HEX: $(cat "$ERR")"

[ "$FAILS" = 0 ] || { echo "flash_formats: $FAILS failure(s)"; exit 1; }
echo "flash_formats: ok"
