#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs build --align N: every file reads back, through real MicroPython
# (the npm oracle) when it is installed, identical to its source.
set -u
: "${ROMFS:?} ${SRC:?}"
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1
mkdir -p t/lib/deep t/empty
for s in 0 1 127 128 129 1000 16383 16384 16385; do head -c $s /dev/urandom > t/s$s.bin; done
printf 'x = 42\n' > t/lib/mod.py
head -c 5000 /dev/urandom > t/lib/deep/blob
: > t/lib/deep/zero
"$ROMFS" build --no-mpy -q -o ref.romfs t || die "reference build"
"$ROMFS" build --no-mpy -q --align 1 -o one.romfs t || die "--align 1"
cmp ref.romfs one.romfs || die "--align 1 should be the reference layout"
(cd t && find . -type f | LC_ALL=C sort | while read -r f; do echo "${f#.} $(sha256sum < "$f" | cut -d' ' -f1)"; done) > want.txt

have_oracle=0
[ -d "${NODE_MODULES:-$SRC/node_modules}/@micropython/micropython-webassembly-pyscript" ] &&
    command -v node > /dev/null && have_oracle=1
[ $have_oracle = 1 ] || echo "note: no MicroPython oracle (npm install); checking sizes only" >&2

oracle() { # print "path sha256" for every file MicroPython reads from /rom
    (cd "$SRC" && IMG=$1 node --input-type=module -e '
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "fs";
const out = [];
const mp = await loadMicroPython({ romfs: new Uint8Array(fs.readFileSync(process.env.IMG)),
    stdout: (l) => out.push(l), linebuffer: true });
mp.runPython(`
import os, hashlib, binascii
def walk(p):
    for e in os.ilistdir(p):
        q = p + "/" + e[0]
        if e[1] == 0x4000:
            walk(q)
        else:
            with open(q, "rb") as f:
                print(q[4:], binascii.hexlify(hashlib.sha256(f.read()).digest()).decode())
walk("/rom")
`);
console.log(out.join("\n"));') | LC_ALL=C sort
}

for n in 0 2 4 16 64 4096; do
    "$ROMFS" build --no-mpy --align $n -o a$n.romfs t > out.txt 2>&1 || die "--align $n: $(cat out.txt)"
    size=$(stat -c %s a$n.romfs)
    [ $((size % 2)) = 0 ] || die "--align $n: odd size $size"
    grep -q "^Writing $size bytes" out.txt || die "--align $n: size line"
    if [ $have_oracle = 1 ]; then
        oracle "$tmp/a$n.romfs" > got.txt
        diff want.txt got.txt >&2 || die "--align $n: MicroPython reads different files"
    fi
done
exit 0
