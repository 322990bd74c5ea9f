#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/test-summary.sh, the suite's final line: a tiny CTest project with
# one passing, one failing and one skipped test must be counted as such
# (a skip is not a pass), and under CI a skip alone fails the run.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
scratch t
summary=$SRC/scripts/test-summary.sh
mkdir "$t/p"
cat > "$t/p/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.21)
project(t NONE)
enable_testing()
add_test(NAME ok COMMAND sh -c "exit 0")
add_test(NAME bad COMMAND sh -c "echo '<testcase status=\"run\">'; exit 1")
add_test(NAME skip COMMAND sh -c "exit 77")
set_tests_properties(skip PROPERTIES SKIP_RETURN_CODE 77)
CM
cmake -S "$t/p" -B "$t/b" >/dev/null
ctest --test-dir "$t/b" --output-junit "$t/all.xml" >/dev/null 2>&1 || true
ctest --test-dir "$t/b" -R 'ok|skip' --output-junit "$t/noerr.xml" >/dev/null 2>&1 || true

rc=0; out=$(env -u CI bash "$summary" "$t/all.xml" 2) || rc=$?
[ "$rc" -eq 1 ] || die "a failed test must exit 1, got $rc"
[ "$(tail -n1 <<<"$out")" = "romfs: 3 passed, 1 failed, 1 skipped" ] || die "wrong line: $out"
grep -qx 'skipped: skip' <<<"$out" || die "the skipped test is not named: $out"

rc=0; out=$(env -u CI bash "$summary" "$t/noerr.xml") || rc=$?
[ "$rc" -eq 0 ] || die "a skip outside CI must not fail the run (rc $rc)"
[ "$(tail -n1 <<<"$out")" = "romfs: 1 passed, 0 failed, 1 skipped" ] || die "wrong line: $out"

rc=0; out=$(CI=true bash "$summary" "$t/noerr.xml") || rc=$?
[ "$rc" -eq 1 ] || die "under CI a skip must fail the run (rc $rc)"

# test.sh ends with the summary's line, not a count of ctest -N.
grep -q 'test-summary.sh' "$SRC/scripts/test.sh" || die "scripts/test.sh does not use test-summary.sh"
if grep -q 'ctest .*-N' "$SRC/scripts/test.sh"; then die "scripts/test.sh still counts ctest -N as passed"; fi
echo "test_summary: ok"
