# SPDX-License-Identifier: MIT
# Shared by firmware_m3.sh and firmware_rv32.sh: an image built by romfs
# boots on MicroPython's QEMU firmware of BOARD (m3: MPS2_AN385 Cortex-M3,
# rv32: VIRT_RV32 RISC-V) with it preloaded in ROM partition 0 at PART.
#  - the boot mount: /rom is a VfsRom, sys.path has /rom and /rom/lib;
#  - .mpy (compiled for the board) and .py modules import from /rom;
#  - a nested image (a .romfs file inside the image) mounts zero-copy, and
#    the memoryviews of files lie inside the partition;
#  - native code (@native, @viper, and @asm_thumb on ARM) compiled with the
#    -march of the board's sys.implementation._mpy runs;
#  - romfs query reads the partition and romfs run imports a module.
# The partitions of upstream's firmware are read-only (vfs.rom_ioctl cannot
# write); deploys are tested on firmware_m3_safe.sh's writable one.
. "$(dirname "$0")/lib-mp.sh"
: "${BOARD:?}" "${PART:?}" "${MARCH:?}" "${FW:?}" # MARCH: what the firmware's _mpy names
need mpy-cross "$FW"
command -v python3 >/dev/null || die "python3 missing (drives the raw REPL)"
cd "$TMP" || exit 1
board() { qemu_board "$BOARD" "$1"; }
# exec IMAGE: run stdin's code on the board booted with IMAGE (raw_exec.py).
exec_on() { python3 "$SRC/tests/micropython/raw_exec.py" -t 120 "$(board "$1" | sed 's/^exec://')"; }
export MPY_CROSS=$MPY_CROSS_REAL

mkdir -p app/lib/pkg inner
printf 'import helper\nprint("main", helper.twice(21))\n' >app/main.py
printf 'def twice(x):\n    return 2 * x\n' >app/lib/helper.py
printf 'V = "pkg"\n' >app/lib/pkg/__init__.py
printf 'print("plain source")\nSRC = True\n' >inner/plain.py
printf 'DEEP = 5\n' >inner/deep.py
cat >app/fast.py <<'P'
import micropython
@micropython.native
def add(a, b):
    return a + b
@micropython.viper
def sum_bytes(buf) -> int:
    p = ptr8(buf)
    s = 0
    for i in range(int(len(buf))):
        s += p[i]
    return s
print("native", add(40, 2), "viper", sum_bytes(b"\x01\x02\x03\x04"))
P
if [ "$BOARD" != rv32 ]; then
    cat >>app/fast.py <<'P'
@micropython.asm_thumb
def asm_add(r0, r1):
    add(r0, r0, r1)
print("asm_thumb", asm_add(30, 12))
P
fi
# The nested image holds source (.py) files.
"$ROMFS" build -q --no-mpy -o app/lib/inner.romfs inner 2>err.txt || die "inner image: $(cat err.txt)"
"$ROMFS" build -q --no-mpy -o empty.romfs inner 2>/dev/null || die "placeholder image"

# 1. The -march of this board's sys.implementation._mpy (bits 10-15; the
# RISC-V firmware sets extension flags above them). Deploys derive it the
# same way (romfs_mpy_board_decode, tests/unit/test_build.c); on the
# writable boards (firmware_m3_safe.sh, unix_board.sh) a deploy compiles
# with it and the native code runs.
mpy=$(echo 'import sys; print(sys.implementation._mpy)' | exec_on "$TMP/empty.romfs" | tr -d '\r\n')
names=(none x86 x64 armv6 armv6m armv7m armv7em armv7emsp armv7emdp xtensa xtensawin rv32imc rv64imc)
arch=${names[$((mpy >> 10 & 63))]:-}
[ "$arch" = "$MARCH" ] || bad "the board's _mpy=$mpy names -march=$arch, expected $MARCH"
"$ROMFS" build -q --mpy-cross-arg=-march="$MARCH" -o app.romfs app 2>err.txt \
    || die "build -march=$MARCH: $(cat err.txt)"

# 2. Boot with the image: the mount, sys.path, imports, the nested image.
cat >probe.py <<P
import sys, vfs, os, uctypes
print("path", sys.path)
print("mounts", [(type(m).__name__, p) for m, p in vfs.mount()])
print("listing", sorted(os.listdir("/rom")), sorted(os.listdir("/rom/lib")))
#---
import main, helper, pkg
print("files", helper.__file__, pkg.__file__, pkg.V)
#---
f = open("/rom/lib/inner.romfs", "rb")
m = memoryview(f)
a = uctypes.addressof(m)
print("inner_in_partition", $PART <= a and a + len(m) <= $PART + 4 * 1024 * 1024, len(m))
vfs.mount(vfs.VfsRom(m), "/inner")
sys.path.append("/inner")
import plain, deep
print("nested", plain.__file__, deep.DEEP)
g = open("/inner/deep.py", "rb")
b = uctypes.addressof(memoryview(g))
print("nested_file_in_inner", a <= b < a + len(m))
#---
import fast
P
exec_on "$TMP/app.romfs" <probe.py >out.txt 2>err.txt || bad "the probe failed: $(cat err.txt)"
out=$(cat out.txt)
expect_in "$out" "path ['', '/rom', '/rom/lib']" "sys.path"
expect_in "$out" "mounts [('VfsRom', '/rom')]" "boot mount"
expect_in "$out" "listing ['fast.mpy', 'lib', 'main.mpy'] ['helper.mpy', 'inner.romfs', 'pkg']" "listing"
expect_in "$out" "main 42" ".mpy import"
expect_in "$out" "files /rom/lib/helper.mpy /rom/lib/pkg/__init__.mpy pkg" ".mpy files"
expect_in "$out" "inner_in_partition True $(stat -c %s app/lib/inner.romfs)" "nested image's memoryview"
expect_in "$out" "plain source" ".py from the nested image"
expect_in "$out" "nested /inner/plain.py 5" "nested imports"
expect_in "$out" "nested_file_in_inner True" "nested file's memoryview"
expect_in "$out" "native 42 viper 10" "native code"
[ "$BOARD" != rv32 ] && expect_in "$out" "asm_thumb 42" "@asm_thumb"

# 3. romfs query sees the image; romfs run imports from it.
"$ROMFS" query -d "$(board "$TMP/app.romfs")" >q.out 2>q.err || bad "query: $(cat q.err)"
expect_in "$(cat q.out)" "Board's VfsRom accepts it: yes" "query"
expect_in "$(cat q.out)" "Image SHA-256: $(sha256sum app.romfs | cut -c1-64)" "query SHA-256"
"$ROMFS" run -t 120 -d "$(board "$TMP/app.romfs")" main >run.out 2>run.err || bad "run: $(cat run.err)"
expect_in "$(cat run.out)" "main 42" "romfs run"
[ -n "${FINISH_LATER:-}" ] || finish
