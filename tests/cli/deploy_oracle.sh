#!/bin/bash
# SPDX-License-Identifier: MIT
# A stable-layout image (what `romfs deploy` writes for a directory) reads in
# real MicroPython exactly like the reference image of the same directory:
# same imports, listings, sizes and bytes. Also after an incremental relayout
# that moved a grown file.
. "$(dirname "$0")/lib-tools.sh"
MP=$NODE_MODULES/@micropython/micropython-webassembly-pyscript/micropython.mjs
[ -f "$MP" ] || prereq "no MicroPython oracle in $NODE_MODULES (npm ci)"

A=$TMP/app
mkdir -p "$A/pkg/sub" "$A/empty"
printf 'def greet(n):\n    return "hello %%s" %% n\n' >"$A/hello.py"
printf 'X = 1\n' >"$A/pkg/__init__.py"
for i in $(seq 1 40); do printf 'V%d = %d * 3\n' "$i" "$i"; done >"$A/pkg/mod.py"
printf 'def deep():\n    return [i * i for i in range(5)]\n' >"$A/pkg/sub/deep.py"
head -c 5000 /dev/urandom >"$A/data.bin"
: >"$A/z.txt"

# The oracle: load an image, import from /rom, list, stat and hash files.
cat >"$TMP/probe.mjs" <<JS
import { readFileSync } from "fs";
const { loadMicroPython } = await import("$MP");
const romfs = new Uint8Array(readFileSync(process.argv[2]));
let out = "";
const mp = await loadMicroPython({ romfs, stdout: (l) => { out += l + "\n"; }, stderr: (l) => { out += "ERR " + l + "\n"; } });
mp.runPython(\`
import os, hashlib, binascii, hello, pkg.mod, pkg.sub.deep
print(hello.greet("rom"), pkg.X, pkg.mod.V40, pkg.sub.deep.deep())
def walk(p):
    for name, kind, *_ in sorted(os.ilistdir(p)):
        q = p + "/" + name
        st = os.stat(q)
        if kind == 0x4000:
            print("D", q)
            walk(q)
        else:
            with open(q, "rb") as f:
                print("F", q, st[6], binascii.hexlify(hashlib.sha256(f.read()).digest()).decode())
walk("/rom")
\`);
process.stdout.write(out);
JS

expect 0 "$ROMFS" deploy --no-mpy -q -o "$TMP/s.romfs" "$A"
expect 0 "$ROMFS" build --no-mpy -q -o "$TMP/r.romfs" "$A"
( cd "$TMP" && node probe.mjs "$TMP/r.romfs" >"$TMP/ref.txt" 2>&1 ) || bad "oracle failed on the reference image"
( cd "$TMP" && node probe.mjs "$TMP/s.romfs" >"$TMP/stable.txt" 2>&1 ) || bad "oracle failed on the stable image: $(head -3 "$TMP/stable.txt")"
grep -q '^hello rom 1 120 \[0, 1, 4, 9, 16\]$' "$TMP/ref.txt" || bad "reference image imports wrong: $(head -3 "$TMP/ref.txt")"
cmp -s "$TMP/ref.txt" "$TMP/stable.txt" || { bad "stable image reads differently"; diff "$TMP/ref.txt" "$TMP/stable.txt" | head; }
grep -q "^F /rom/data.bin 5000 $(sha256sum "$A/data.bin" | cut -c1-64)\$" "$TMP/stable.txt" || bad "data.bin differs"
grep -q '^D /rom/empty$' "$TMP/stable.txt" || bad "empty directory missing"

# Relaid out over the first image after hello.py grew: hello.py moves, the
# rest stays, and MicroPython still reads exactly the new tree.
printf '# a longer comment that makes the file outgrow its slot\n' >>"$A/hello.py"
expect 0 "$ROMFS" deploy --no-mpy -o "$TMP/s2.romfs" --base "$TMP/s.romfs" "$A"
out_has "1 moved"
expect 0 "$ROMFS" build --no-mpy -q -o "$TMP/r2.romfs" "$A"
( cd "$TMP" && node probe.mjs "$TMP/r2.romfs" >"$TMP/ref2.txt" 2>&1 ) || bad "oracle failed on the second reference image"
( cd "$TMP" && node probe.mjs "$TMP/s2.romfs" >"$TMP/stable2.txt" 2>&1 ) || bad "oracle failed on the relaid image"
cmp -s "$TMP/ref2.txt" "$TMP/stable2.txt" || { bad "relaid image reads differently"; diff "$TMP/ref2.txt" "$TMP/stable2.txt" | head; }
cmp -s "$TMP/ref.txt" "$TMP/ref2.txt" && bad "the edit did not change the image"

# Our own reader agrees, and `romfs check` finds nothing wrong.
expect 0 "$ROMFS" check "$TMP/s.romfs"
expect 0 "$ROMFS" cat "$TMP/s.romfs" /pkg/sub/deep.py
out_is "$A/pkg/sub/deep.py"
exit $((FAILS > 0))
