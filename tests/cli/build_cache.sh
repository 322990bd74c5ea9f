#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs build --mpy: parallel compilation and the content cache, counted
# with a fake mpy-cross (tests/cli/fake-mpy-cross.sh logs each compile).
set -u
: "${ROMFS:?} ${SRC:?}"
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1
mkdir bin private
cp "$SRC/tests/cli/fake-mpy-cross.sh" bin/mpy-cross && chmod +x bin/mpy-cross
export TMPDIR=$tmp/private FAKE_MPY_LOG=$tmp/log XDG_CACHE_HOME=$tmp/cache PATH=$tmp/bin:$PATH
unset MPY_CROSS ROMFS_MPY_CACHE_MAX
cache=$tmp/cache/romfs/mpy
count() { if [ -e log ]; then wc -l < log; else echo 0; fi; }
build() { rm -f log; "$ROMFS" build -q "$@" 2> err.txt || die "build $* exit $?: $(cat err.txt)"; }

mkdir -p app/lib/pkg
for i in 1 2 3 4 5 6; do printf 'x = %d\n' "$i" > "app/m$i.py"; done
printf 'y = 1\n' > app/lib/pkg/core.py
printf 'z = 2\n' > app/lib/pkg/__init__.py

# 1. Cold: every source compiled once; unchanged: zero; one edit: exactly one.
build -o a.romfs app
[ "$(count)" = 8 ] || die "cold build: $(count) compiles"
[ "$(find "$cache" -name '*.mpy' | wc -l)" = 8 ] || die "cache entries: $(ls "$cache")"
build -o b.romfs app
[ "$(count)" = 0 ] || die "unchanged rebuild compiled $(count) times"
cmp a.romfs b.romfs || die "cached image differs from the compiled one"
printf 'x = 33\n' > app/m3.py
build -o c.romfs app
[ "$(count)" = 1 ] && grep -q ' -s m3.py ' log || die "one edit: $(count) compiles: $(cat log)"
# Same bytes again (even with a new mtime): served from the cache.
printf 'x = 3\n' > app/m3.py
build -o d.romfs app
[ "$(count)" = 0 ] || die "reverted edit compiled $(count) times"
cmp a.romfs d.romfs || die "reverted image differs"
[ -z "$(ls -A "$TMPDIR")" ] || die "temp dir left: $(ls -A "$TMPDIR")"

# 2. The key holds the source name: the same bytes elsewhere compile again.
cp app/m1.py app/lib/m1.py
build -o e.romfs app
[ "$(count)" = 1 ] && grep -q ' -s lib/m1.py ' log || die "moved copy: $(cat log)"
rm app/lib/m1.py

# 3. ...every compiler argument, and the compiler's identity.
build --mpy-cross-arg -O2 --mpy-cross-arg=-march=armv7emsp -o f.romfs app
[ "$(count)" = 8 ] || die "new arguments: $(count) compiles"
head -1 log | grep -q '^-O2 -march=armv7emsp -o ' || die "arguments not passed first, in order: $(head -1 log)"
build --mpy-cross-arg -O2 --mpy-cross-arg=-march=armv7emsp -o f2.romfs app
[ "$(count)" = 0 ] || die "same arguments compiled $(count) times"
FAKE_MPY_VERSION="MicroPython v1.30.0-fake; mpy-cross emitting mpy v6.3" build -o g.romfs app
[ "$(count)" = 8 ] || die "new --version output: $(count) compiles"
touch -d '2020-01-01' bin/mpy-cross
build -o h.romfs app
[ "$(count)" = 8 ] || die "new compiler mtime: $(count) compiles"
echo '# grown' >> bin/mpy-cross; touch -d '2020-01-01' bin/mpy-cross
build -o i.romfs app
[ "$(count)" = 8 ] || die "new compiler size: $(count) compiles"
rm -rf "$tmp/cache"
build -o a2.romfs app   # a cache holding only this compiler's entries
[ "$(count)" = 8 ] || die "fresh cache: $(count)"
cmp a.romfs a2.romfs || die "compiler change altered the fake's output"

# 4. Corrupt entries are detected, recompiled and never stored in an image.
n=0
for e in "$cache"/*.mpy; do
    n=$((n + 1))
    case $n in
        1) truncate -s -3 "$e" ;;                                   # truncated content
        2) printf 'X' | dd of="$e" bs=1 seek=80 conv=notrunc 2>/dev/null ;;  # bad .mpy header, digest
        3) : > "$e" ;;                                              # empty
        4) printf 'garbage' > "$e" ;;                               # not an entry at all
    esac
done
build -v -o j.romfs app
[ "$(count)" = 4 ] || die "corrupt entries: $(count) recompiles (want 4)"
cmp a.romfs j.romfs || die "an image holds a corrupt cache entry"
grep -q 'mpy-cross: .*bin/mpy-cross (MicroPython v1.29.0-fake on 2026-12-01; mpy-cross emitting mpy v6.3): 8 sources, 4 compiled, 4 cached, -j' err.txt ||
    die "-v line: $(cat err.txt)"
# An entry whose own digest is right but whose content is not an .mpy of
# the compiler's version (a wrong version byte) is refused too.
e=$(ls "$cache"/*.mpy | head -1)
python3 - "$e" <<'PY' || die "rewriting an entry"
import hashlib, struct, sys
p = sys.argv[1]; d = open(p, 'rb').read(); c = bytearray(d[80:]); c[1] = 5
open(p, 'wb').write(d[:8] + struct.pack('<Q', len(c)) + hashlib.sha256(c).hexdigest().encode() + bytes(c))
PY
build -o k.romfs app
[ "$(count)" = 1 ] || die "wrong-version entry: $(count) recompiles"
cmp a.romfs k.romfs || die "an image holds a wrong-version entry"

# 5. --no-cache neither reads nor writes the cache.
rm -rf "$tmp/cache"
build --no-cache -o l.romfs app
[ "$(count)" = 8 ] && [ ! -e "$cache" ] || die "--no-cache: $(count) compiles, cache $(ls "$cache" 2>&1)"
cmp a.romfs l.romfs || die "--no-cache image differs"

# 6. Bounded: ROMFS_MPY_CACHE_MAX evicts the least recently used entries
# (a cache hit counts as a use).
build -o a.romfs app
appsum=$(cat "$cache"/*.mpy | wc -c)
ls "$cache" > before.lst
mkdir other
for i in 1 2 3; do { printf 'v = %d\n' "$i"; head -c 2000 /dev/zero | tr '\0' '#'; echo; } > "other/o$i.py"; done
build -o o.romfs other
old=$(ls "$cache" | grep -vxFf before.lst | sed "s|^|$cache/|")
[ "$(echo "$old" | wc -l)" = 3 ] || die "other tree entries: $old"
touch -d '2001-01-01' $old
printf 'x = 100\n' > app/m1.py
ROMFS_MPY_CACHE_MAX=$((appsum + 400)) build -o m.romfs app
[ "$(count)" = 1 ] || die "eviction build: $(count)"
total=$(cat "$cache"/*.mpy | wc -c)
[ "$total" -le $((appsum + 400)) ] || die "cache holds $total bytes, bound $((appsum + 400))"
for f in $old; do [ ! -e "$f" ] || die "least recently used $f kept"; done
build -o m2.romfs app
[ "$(count)" = 0 ] || die "eviction removed entries in use: $(count) compiles"
ROMFS_MPY_CACHE_MAX=lots "$ROMFS" build -q -o n.romfs app 2> err.txt || die "bad bound should only warn"
grep -q 'ROMFS_MPY_CACHE_MAX: not a byte count' err.txt || die "no warning for a bad bound: $(cat err.txt)"
printf 'x = 1\n' > app/m1.py

# 7. Parallel: -j2 runs two compilers at once, -j1 one after another.
rm -rf "$tmp/cache"
FAKE_MPY_DELAY=0.2 FAKE_MPY_SPAN=$tmp/span1 build -j1 -o p1.romfs app
FAKE_MPY_DELAY=0.2 FAKE_MPY_SPAN=$tmp/span2 build --no-cache --jobs 2 -o p2.romfs app
[ "$(head -2 span1 | tr '\n' ' ')" = "start end " ] || die "-j1 overlapped: $(cat span1)"
grep -c start span1 | grep -qx 8 || die "-j1 compiles: $(cat span1)"
[ "$(head -2 span2 | tr '\n' ' ')" = "start start " ] || die "-j2 did not overlap: $(cat span2)"
cmp p1.romfs p2.romfs && cmp a.romfs p1.romfs || die "parallel image differs"
"$ROMFS" build -j0 app 2> err.txt; [ $? = 2 ] && grep -q -- '-j wants' err.txt || die "-j0 accepted"

# 8. Two builds at once share the cache safely.
rm -rf "$tmp/cache"
FAKE_MPY_DELAY=0.05 "$ROMFS" build -q -o q1.romfs app 2>/dev/null & p=$!
FAKE_MPY_DELAY=0.05 "$ROMFS" build -q -o q2.romfs app 2>/dev/null || die "concurrent build 2"
wait $p || die "concurrent build 1"
cmp q1.romfs a.romfs && cmp q2.romfs a.romfs || die "concurrent images differ"
build -o q3.romfs app
[ "$(count)" = 0 ] || die "after concurrent builds: $(count) compiles"
ls -A "$cache" | grep -q '^\.tmp-' && die "temporary cache files left"

# 9. Cache file names are hashes, never the source names.
mkdir -p evil; printf 'x = 1\n' > 'evil/..%2f..%2fx.py'
build -o r.romfs evil
for f in "$cache"/*; do
    basename "$f" | grep -qxE '[0-9a-f]{64}\.mpy' || die "cache file name $(basename "$f")"
done

# 10. --json names the compiler, its version and the counts.
"$ROMFS" build --json -o s.romfs app > out.json 2> err.txt || die "--json: $(cat err.txt)"
python3 - out.json "$tmp/bin/mpy-cross" <<'PY' || die "--json: $(cat out.json)"
import json, sys
j = json.load(open(sys.argv[1])); m = j["mpy_cross"]
assert j["image"] == "s.romfs" and j["image_size"] > 0, j
assert m["path"] == sys.argv[2] and "emitting mpy v6.3" in m["version"], m
assert m["sources"] == 8 and m["compiled"] == 0 and m["cached"] == 8 and m["jobs"] >= 1, m
PY
exit 0
