#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# One helper library for the shell tests (tests/lib.sh), with the
# sanitizers' exit codes set for every test:
#  - every test script sources tests/lib.sh, directly or through its
#    family's lib, and none defines its own die/bad/fail/finish/prereq/
#    wait_for/expect_in/skip or installs its own EXIT trap (on_exit, scratch);
#  - every test CTest knows, of every family, runs with ASAN_OPTIONS
#    exitcode=86 and UBSAN_OPTIONS exitcode=87 (read from the generated
#    CTestTestfile.cmake files of this build);
#  - the library itself: bad then finish fails, prereq skips or fails
#    under CI, scratch directories and on_exit run at exit, and a sanitizer
#    report in a child cannot come back as exit 1.
set -u
. "$(dirname "$0")/../lib.sh"
: "${SRC:?}" "${ROMFS:?}"
scratch tmp

# 1. The scripts.
cd "$SRC" || exit 1
libs='tests/lib.sh tests/cli/lib-tools.sh tests/cli/lib-deploy.sh tests/cli/board/lib.sh tests/micropython/lib-mp.sh tests/micropython/lib-firmware.sh tests/windows/lib-wine.sh'
n=0
for f in $(find tests -name '*.sh' | sort); do
    case " $libs " in *" $f "*) continue ;; esac
    case $f in */fake-*.sh|tests/micropython/build-mp.sh) continue ;; esac   # helpers run by tests or CMake
    n=$((n + 1))
    grep -qE '^\s*\. "?\$\(dirname "?\$(0|\{BASH_SOURCE\[0\]\})"?\)/([a-z./]*/)?(lib|lib-[a-z]+)\.sh"|^\s*\. "\$here/\.\./lib\.sh"' "$f" \
        || bad "$f does not source tests/lib.sh (nor its family's lib)"
    own=$(grep -nE '^\s*(die|bad|fail|finish|prereq|wait_for|expect_in|skip)\(\)' "$f") \
        && bad "$f defines its own helper (use tests/lib.sh's): $own"
    tr=$(grep -nE "^\s*trap .*\bEXIT\b" "$f") && bad "$f sets its own EXIT trap (use on_exit or scratch): $tr"
done
for f in $libs; do
    [ "$f" = tests/lib.sh ] && continue
    own=$(grep -nE '^\s*(die|bad|fail|finish|prereq|wait_for|expect_in|skip)\(\)' "$f") \
        && bad "$f redefines a tests/lib.sh helper: $own"
    grep -qE "^\s*trap .*\bEXIT\b" "$f" && bad "$f sets its own EXIT trap"
done
[ "$n" -gt 80 ] || bad "only $n test scripts found: the scan is broken"

# 2. The environment of every CTest test.
build=$(dirname "$ROMFS")
[ -f "$build/CTestTestfile.cmake" ] || die "no CTestTestfile.cmake beside $ROMFS"
find "$build" -name CTestTestfile.cmake -not -path '*/_deps/*' -not -path "$build/posix/*" -not -path "$build/win/*" \
    -exec cat {} + > "$tmp/ctest.cmake"
awk '
    /^add_test\(/ { t = $0; sub(/^add_test\(\[=\[/, "", t); sub(/^add_test\(/, "", t); sub(/(\]=\]| ).*/, "", t); tests[t] = 1; next }
    /^set_tests_properties\(/ {
        t = $0; sub(/^set_tests_properties\(\[=\[/, "", t); sub(/^set_tests_properties\(/, "", t); sub(/(\]=\]| ).*/, "", t)
        if ($0 ~ /ASAN_OPTIONS=exitcode=86/ && $0 ~ /UBSAN_OPTIONS=[^;"]*exitcode=87/) ok[t] = 1
    }
    END { for (t in tests) { n++; if (!(t in ok)) print "no sanitizer exit codes: " t }; print "tests " n > "/dev/stderr" }
' "$tmp/ctest.cmake" > "$tmp/missing" 2> "$tmp/count"
while IFS= read -r line; do bad "$line"; done < "$tmp/missing"
count=$(sed -n 's/^tests //p' "$tmp/count")
[ "${count:-0}" -gt 150 ] || bad "only ${count:-0} CTest tests found in $build: the scan is broken"
for fam in unit cli board golden mp win posix python consumer package api conformance embedded; do
    grep -qE "^add_test\((\[=\[)?$fam\." "$tmp/ctest.cmake" || bad "no $fam.* test in this build: the scan missed a family"
done

# 3. The library's own behaviour, in child shells.
lib=$SRC/tests/lib.sh
( . "$lib"; bad "one"; finish ) > /dev/null 2>&1 && bad "finish after bad exited 0"
( . "$lib"; finish ) > /dev/null 2>&1 || bad "finish without bad failed"
( unset CI; . "$lib"; prereq "x" ) > /dev/null 2>&1; [ $? = 77 ] || bad "prereq outside CI is not a skip (77)"
( CI=true; . "$lib"; prereq "x" ) > /dev/null 2>&1; [ $? = 1 ] || bad "prereq under CI does not fail"
( . "$lib"; die "x" ) 2> "$tmp/die.err"; [ $? = 1 ] || bad "die does not exit 1"
grep -q '^FAIL ' "$tmp/die.err" || bad "die did not say FAIL: $(cat "$tmp/die.err")"
( . "$lib"; scratch d; echo "$d" > "$tmp/d"; on_exit "echo ran > $tmp/ran"; touch "$d/f"; chmod 0 "$d" )
[ -n "$(cat "$tmp/d")" ] && [ ! -e "$(cat "$tmp/d")" ] || bad "scratch left $(cat "$tmp/d") behind"
[ "$(cat "$tmp/ran" 2>/dev/null)" = ran ] || bad "on_exit did not run"
( . "$lib"; printf 'late\n' > "$tmp/w"; wait_for "$tmp/w" late 1 && finish ) > /dev/null 2>&1 || bad "wait_for missed text already there"
( . "$lib"; : > "$tmp/w2"; wait_for "$tmp/w2" never 1; finish ) > /dev/null 2>&1 && bad "wait_for timing out is not a failure"
( . "$lib"; wait_for "$tmp/w2" never 1 quiet || exit 3; finish ) > /dev/null 2>&1; [ $? = 3 ] || bad "wait_for quiet"
# A child that reports to ASan/UBSan exits 86/87 under the library's options,
# even when the environment had none.
( unset ASAN_OPTIONS UBSAN_OPTIONS; . "$lib"; printf '%s\n%s\n' "$ASAN_OPTIONS" "$UBSAN_OPTIONS" ) > "$tmp/opts"
grep -q '^exitcode=86' "$tmp/opts" && grep -q 'exitcode=87' "$tmp/opts" || bad "tests/lib.sh does not set the exit codes: $(cat "$tmp/opts")"
if command -v cc >/dev/null; then
    printf 'int main(int c, char **v) { (void)v; int x = 0x7fffffff; return (x + c) == 0; }\n' > "$tmp/ub.c"
    if cc -fsanitize=undefined -o "$tmp/ub" "$tmp/ub.c" 2>/dev/null; then
        ( unset UBSAN_OPTIONS; . "$lib"; "$tmp/ub" ) 2>/dev/null; [ $? = 87 ] || bad "a UBSan report did not exit 87"
    fi
fi
finish
