#!/bin/bash
# SPDX-License-Identifier: MIT
# The compile pipeline with real .mpy bytes: a stand-in compiler answers with
# the real mpy-cross outputs of shared/vectors/mpy (and its real --version),
# after checking that the file it is given holds the source's bytes and that
# -s is the path inside the image. Built cold and then from the cache, the
# image holds those exact bytes, and real MicroPython imports them from /rom.
set -u
. "$(dirname "$0")/../lib.sh"
: "${ROMFS:?} ${SRC:?} ${VECTORS:?}"
V=$VECTORS/mpy
[ -d "$V/mpy" ] || prereq "no $V/mpy"
scratch tmp
cd "$tmp" || exit 1
cat > mpy-cross <<EOF
#!/bin/bash
[ "\${1:-}" = --version ] && { cat "$V/MPY_CROSS_VERSION.txt"; exit 0; }
echo "\$*" >> "$tmp/log"
while [ \$# -gt 1 ]; do case \$1 in -o) o=\$2; shift 2;; -s) s=\$2; shift 2;; *) shift;; esac; done
cmp -s "\$1" "$V/src/\$s" || { echo "staged copy of \$s differs from the source" >&2; exit 3; }
cp "$V/mpy/\${s%.py}.mpy" "\$o"
EOF
chmod +x mpy-cross
export MPY_CROSS=$tmp/mpy-cross TMPDIR=$tmp XDG_CACHE_HOME=$tmp/cache
cp -r "$V/src" app

"$ROMFS" build -q -v -o cold.romfs app 2> err.txt || die "cold build: $(cat err.txt)"
grep -q "(MicroPython v1.29.0-preview on 2026-11-22; mpy-cross emitting mpy v6.3): 4 sources, 4 compiled, 0 cached" err.txt ||
    die "-v: $(cat err.txt)"
"$ROMFS" build -q -v -o warm.romfs app 2> err.txt || die "warm build: $(cat err.txt)"
grep -q "4 sources, 0 compiled, 4 cached" err.txt || die "warm -v: $(cat err.txt)"
cmp cold.romfs warm.romfs || die "cached image differs"
for f in greet consts pkg/__init__ pkg/inner; do
    "$ROMFS" cat warm.romfs "$f.mpy" > got.mpy || die "cat $f.mpy"
    cmp -s got.mpy "$V/mpy/$f.mpy" || die "$f.mpy in the image is not the compiler's output"
done
grep -q ' -s pkg/inner.py ' log || die "-s is not the path inside the image: $(cat log)"

[ -d "${NODE_MODULES:-$SRC/node_modules}/@micropython/micropython-webassembly-pyscript" ] &&
    command -v node > /dev/null || { echo "note: no MicroPython (npm install): imports not run" >&2; exit 0; }
out=$(cd "$SRC" && IMG=$tmp/warm.romfs node --input-type=module -e '
import { loadMicroPython } from "@micropython/micropython-webassembly-pyscript";
import fs from "fs";
const out = [];
const mp = await loadMicroPython({ romfs: new Uint8Array(fs.readFileSync(process.env.IMG)),
    stdout: (l) => out.push(l), linebuffer: true });
mp.runPython(`
import sys
sys.path.insert(0, "/rom")
import greet, pkg
c = greet.Counter()
c.bump(); c.bump(2)
print(greet.greet("board"), c.n, pkg.answer(), greet.__file__)
`);
console.log(out.join("\n"));') || die "MicroPython: $out"
want=$(cd "$V/src" && python3 -c '
import greet, pkg
c = greet.Counter(); c.bump(); c.bump(2)
print(greet.greet("board"), c.n, pkg.answer(), "/rom/greet.mpy")')
[ "$out" = "$want" ] || die "MicroPython printed '$out', the sources give '$want'"
exit 0
