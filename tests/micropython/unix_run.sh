#!/bin/bash
# SPDX-License-Identifier: MIT
# Images built with the real mpy-cross, run on the real unix port (the tests'
# build, with port/micropython's VfsRom): .mpy and
# .py modules import from /rom, tracebacks name the path inside the image
# (-s), native code (@native, @viper) built with the -march of the port's
# sys.implementation._mpy runs, and --mpy-cross-arg=-O1 drops asserts.
. "$(dirname "$0")/lib-mp.sh"
need mpy-cross micropython-safe
cd "$TMP" || exit 1

mkdir -p app/lib app/pkg
printf 'import helper\nprint("main", helper.twice(21))\n' >app/main.py
printf 'def twice(x):\n    return 2 * x\n' >app/lib/helper.py
printf 'def boom():\n    x = 1\n    raise ValueError("boom %%d" %% x)\n' >app/lib/raiser.py
printf 'NAME = "pkg"\n' >app/pkg/__init__.py
printf 'print("source file")\n' >app/plain.py
printf 'assert False, "assert ran"\nprint("no assert")\n' >app/opt.py

MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q -o app.romfs app 2>err.txt || die "build: $(cat err.txt)"
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --no-mpy -o src.romfs app 2>err.txt || die "--no-mpy build: $(cat err.txt)"

# .mpy from /rom: imported, and the module's __file__ is in /rom.
out=$(unix_rom "$TMP/app.romfs" 'import main, helper, pkg
print(helper.__file__, pkg.NAME)')
expect_in "$out" "main 42" ".mpy import"
expect_in "$out" "/rom/lib/helper.mpy pkg" ".mpy __file__"
out=$(unix_rom "$TMP/src.romfs" 'import main, helper
print(helper.__file__)')
expect_in "$out" "main 42" ".py import"
expect_in "$out" "/rom/lib/helper.py" ".py __file__"

# -s: a traceback from a compiled module names its path in the image, and
# the right line.
out=$(unix_rom "$TMP/app.romfs" 'import raiser
raiser.boom()')
expect_in "$out" 'File "lib/raiser.py", line 3, in boom' "traceback of a compiled module"
expect_in "$out" "ValueError: boom 1" "exception"

# The .mpy the real compiler made is what the port loads: same version.
mpy=$("$UNIX" -c 'import sys; print(sys.implementation._mpy)')
march=$("$ROMFS" extract app.romfs x >/dev/null 2>&1 && od -An -tu1 -N2 x/main.mpy | tr -s ' ')
[ "$march" = " 77 $((mpy & 255))" ] || bad ".mpy header $march, the port loads v$((mpy & 255))"

# --mpy-cross-arg=-O1: the assert is compiled out.
out=$(unix_rom "$TMP/app.romfs" 'import opt')
expect_in "$out" "AssertionError: assert ran" "-O0 keeps asserts"
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --mpy-cross-arg=-O1 -o o1.romfs app 2>err.txt || bad "-O1: $(cat err.txt)"
out=$(unix_rom "$TMP/o1.romfs" 'import opt')
expect_in "$out" "no assert" "-O1 drops asserts"

# Native code: the -march the port's sys.implementation._mpy names (as
# deploy and watch derive it; arch = _mpy >> 10).
arch=$((mpy >> 10 & 63))
names=(none x86 x64 armv6 armv6m armv7m armv7em armv7emsp armv7emdp xtensa xtensawin rv32imc rv64imc)
march=${names[$arch]:-}
[ -n "$march" ] && [ "$march" != none ] || die "the unix port has no native architecture (_mpy=$mpy)"
mkdir nat
cat >nat/fast.py <<'P'
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
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --mpy-cross-arg=-march=$march -o nat.romfs nat 2>err.txt \
    || bad "-march=$march: $(cat err.txt)"
out=$(unix_rom "$TMP/nat.romfs" 'import fast')
expect_in "$out" "native 42 viper 10" "native code on the unix port ($march)"
# Built for another architecture, the port refuses it (not a crash).
MPY_CROSS=$MPY_CROSS_REAL "$ROMFS" build -q --mpy-cross-arg=-march=armv7m -o natarm.romfs nat 2>err.txt \
    || bad "-march=armv7m: $(cat err.txt)"
out=$(unix_rom "$TMP/natarm.romfs" 'import fast')
expect_in "$out" "ValueError: incompatible .mpy arch" "foreign native code refused"
finish
