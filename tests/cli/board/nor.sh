# SPDX-License-Identifier: MIT
# The emulated board's partition behaves like NOR flash: programming only
# clears bits, writes are aligned to the minimum write size, erase works on
# whole blocks, and every change reaches the partition file at once.
. "$(dirname "$0")/lib.sh"

P="$T/p.bin"
EO="--partition $P --size 16384 --block-size 4096 --min-write 8"
out=$(board_session "$EO" \
    "import vfs" \
    "print(vfs.rom_ioctl(1), vfs.rom_ioctl(6,0), len(vfs.rom_ioctl(2,0)), vfs.rom_ioctl(2,1))" \
    "print('prog', vfs.rom_ioctl(4,0,0,b'\\x0f'*8))" \
    "vfs.rom_ioctl(4,0,0,b'\\x1f'*8)" \
    "print('clear', vfs.rom_ioctl(4,0,0,b'\\x05'*8))" \
    "vfs.rom_ioctl(4,0,3,b'abcdefgh')" \
    "vfs.rom_ioctl(4,0,8,b'abcde')" \
    "vfs.rom_ioctl(4,0,16384,b'abcdefgh')" \
    "print('erase', vfs.rom_ioctl(3,0,1,4096), vfs.rom_ioctl(3,0,100), vfs.rom_ioctl(3,0,20000))" \
    "print('after', bytes(vfs.rom_ioctl(2,0)[:9]))" \
    "print('again', vfs.rom_ioctl(4,0,0,b'abcdefgh'), vfs.rom_ioctl(3,0,4096,4096), vfs.rom_ioctl(5,0))" \
    "print('view', bytes(vfs.rom_ioctl(2,0)[:8]))" \
    "import machine; print('uid', len(machine.unique_id()))" 2>&1)
expect_in "$out" "OK1 4096 16384 -22" "partition count, erase block, size, bad id"
expect_in "$out" "OKprog 0" "program erased bytes"
expect_in "$out" "OSError: [Errno 5] EIO" "programming a 0 bit back to 1 raises EIO"
expect_in "$out" "OKclear 0" "programming that only clears bits"
n=$(grep -o "OSError: \[Errno 22\] EINVAL" <<<"$out" | wc -l)
[ "$n" = 3 ] || bad "unaligned offset, short length, out of range: expected 3 EINVAL, got $n"
expect_in "$out" "OKerase -22 8 -22" "erase: misaligned -22, (3,id,len) gives min write, too long -22"
expect_in "$out" "OKafter b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff'" "erase sets 0xFF"
expect_in "$out" "OKagain 0 8 0" "program after erase"
expect_in "$out" "OKview b'abcdefgh'" "memoryview follows the writes"
expect_in "$out" "OKuid 8" "machine.unique_id"
[ "$(head -c 8 "$P")" = abcdefgh ] || bad "partition file does not hold the write"
[ "$(od -An -tx1 -j8 -N1 "$P" | tr -d ' ')" = ff ] || bad "byte after the write is not erased"

# --die-after K: the board dies right after its K-th flash operation; the
# file holds exactly the first K.
P2="$T/p2.bin"
board_session "--partition $P2 --size 8192 --die-after 2" \
    "import vfs; vfs.rom_ioctl(4,0,0,b'AAAAAAAA'); vfs.rom_ioctl(4,0,8,b'BBBBBBBB'); vfs.rom_ioctl(4,0,16,b'CCCCCCCC')" \
    "print('still alive')" >"$T/out" 2>&1
rc=$?
[ "$rc" = 3 ] || bad "--die-after: exit status $rc, expected 3"
grep -q "still alive" "$T/out" && bad "--die-after: the board kept running"
[ "$(head -c 24 "$P2")" = "AAAAAAAABBBBBBBB$(printf '\xff%.0s' 1 2 3 4 5 6 7 8)" ] || bad "--die-after: file holds $(head -c 24 "$P2" | od -c | head -2)"

# --die-mid: the K-th write is cut in half.
P3="$T/p3.bin"
board_session "--partition $P3 --size 8192 --die-after 1 --die-mid" \
    "import vfs; vfs.rom_ioctl(4,0,0,b'ABCDEFGHIJKLMNOP')" >/dev/null 2>&1
[ "$(head -c 16 "$P3" | tr -d '\377')" = "ABCDEFGH" ] || bad "--die-mid: file holds $(head -c 16 "$P3" | od -c | head -1)"

# An existing partition file keeps its size; a different --size is refused.
$EMU --partition "$P" --size 8192 </dev/null >/dev/null 2>"$T/err" && bad "size mismatch accepted"
expect_in "$(cat "$T/err")" "partition file is 16384 bytes, --size says 8192" "size mismatch message"
finish
