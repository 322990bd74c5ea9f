#!/bin/bash
# SPDX-License-Identifier: MIT
# port/micropython's bounds-safe vfs.VfsRom, built into the real unix port
# (USER_C_MODULES, no patch to MicroPython; the same build exports
# upstream's type as upstream_vfsrom.VfsRom, tests/micropython/upstream):
#  1. MicroPython's own tests/extmod/vfs_rom*.py pass on it;
#  2. it is the module's type that runs: an image whose file data points
#     outside it gives upstream a memoryview outside the image, ours OSError;
#  3. a deterministic corpus of 3000 mutated images (tests/micropython/
#     mutants.py, from the test vectors): upstream's crashes and
#     out-of-image memoryviews are counted and reported; ours must be zero.
. "$(dirname "$0")/lib-mp.sh"
need micropython-safe
command -v python3 >/dev/null || die "python3 missing (runs run-tests.py and the mutant driver)"
: "${VECTORS:?}"
SAFE=$MP_BIN/micropython-safe
cd "$TMP" || exit 1

# 1. Upstream's own VfsRom tests.
tests=$(cd "$MP_SRC/tests" && ls extmod/vfs_rom*.py)
[ -n "$tests" ] || die "no tests/extmod/vfs_rom*.py in $MP_SRC"
for build in "$SAFE"; do
    # shellcheck disable=SC2086
    if ! (cd "$MP_SRC/tests" && MICROPYPATH=$MP_SRC/lib/micropython-lib/python-stdlib/unittest \
          MICROPY_MICROPYTHON=$build ./run-tests.py --keep-path -r "$TMP/results" $tests) >rt.out 2>&1; then
        bad "run-tests.py on $(basename "$build"): $(tail -n 15 rt.out)"
    fi
    grep -q "passed" rt.out || bad "run-tests.py said nothing passed: $(cat rt.out)"
    grep -qi "skipped" rt.out && bad "run-tests.py skipped a test on $(basename "$build"): $(cat rt.out)"
done

# 2. Which VfsRom runs: an image with a sound file "ok" and a file "x"
# whose data pointer leads outside the image.
probe='import uctypes
img = open("'$VECTORS'/hostile/pointer_offset_out_of_image.romfs", "rb").read()
fs = VfsRom(img)
for name in ("ok", "x"):
    try:
        m = memoryview(fs.open(name, "rb"))
        a = uctypes.addressof(m) - uctypes.addressof(img)
        print(name, "inside" if 0 <= a and a + len(m) <= len(img) else "outside")
    except OSError as e:
        print(name, "OSError", e.errno)'
up=$("$SAFE" -c "from upstream_vfsrom import VfsRom
$probe" 2>&1 | tr '\n' ' ')
ours=$("$SAFE" -c "from vfs import VfsRom
$probe" 2>&1 | tr '\n' ' ')
[ "$up" = "ok inside x outside " ] || bad "upstream's VfsRom on pointer_offset_out_of_image: '$up' (expected x outside the image)"
case $ours in "ok inside x OSError "*) ;; *) bad "the safe VfsRom on pointer_offset_out_of_image: '$ours'" ;; esac
# The boot-time and import paths use the same type: vfs.VfsRom is it.
out=$("$SAFE" -c 'import vfs; print(vfs.VfsRom.__name__)' 2>&1)
[ "$out" = VfsRom ] || bad "vfs.VfsRom: $out"

# 3. The mutant corpus against both builds.
vecs=$(ls "$VECTORS"/golden/*.romfs "$VECTORS"/hostile/*.romfs)
# shellcheck disable=SC2086
python3 "$SRC/tests/micropython/mutants.py" gen mut $vecs || die "generating the mutants"
[ "$(ls mut | wc -l)" = 3000 ] || die "expected 3000 mutants, got $(ls mut | wc -l)"
python3 "$SRC/tests/micropython/mutants.py" run "$SAFE" mut upstream_vfsrom.VfsRom >up.txt 2>&1 \
    || bad "mutants on upstream's"
python3 "$SRC/tests/micropython/mutants.py" run "$SAFE" mut vfs.VfsRom >ours.txt 2>&1 || bad "mutants on ours"
echo "upstream VfsRom: $(tail -n 1 up.txt)"
echo "romfs VfsRom:    $(tail -n 1 ours.txt)"
[ "$(tail -n 1 ours.txt)" = "mutants 3000 crashed 0 out_of_image 0 errors 0 (vfs.VfsRom)" ] \
    || bad "the safe VfsRom failed on mutants: $(grep -v '^mutants' ours.txt | head -20)"
grep -q "^mutants 3000 " up.txt || bad "the upstream run did not finish: $(tail -n 5 up.txt)"
# The detector works: upstream is known to hand out out-of-image memoryviews.
up_oob=$(tail -n 1 up.txt | sed -n 's/.*out_of_image \([0-9]*\).*/\1/p')
[ "${up_oob:-0}" -gt 0 ] || bad "no out-of-image memoryview found on upstream: is the detector broken? $(tail -n 1 up.txt)"
finish
