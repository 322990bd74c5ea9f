#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The suite's final count from CTest's JUnit report (ctest --output-junit):
# passed, failed and skipped separately, then alone on the last line
#   romfs: N passed, M failed, K skipped
# Usage: test-summary.sh JUNIT_XML [EXTRA_PASSED]
# EXTRA_PASSED counts checks run outside CTest (the fuzz smoke run) that passed.
# Exit status: 1 when a test failed, or when one was skipped and CI is set
# (a test that cannot run its prerequisites is a failure there); else 0.
set -euo pipefail
xml=${1:?usage: test-summary.sh JUNIT_XML [EXTRA_PASSED]}
extra=${2:-0}
[ -r "$xml" ] || { echo "test-summary: cannot read $xml" >&2; exit 1; }
# Each <testcase ...> start tag is one line; anything a test printed is
# escaped inside <system-out>, so a tag cannot appear there.
count() { grep -c "^[[:space:]]*<testcase .* status=\"$1\"" "$xml" || true; }
passed=$(count run)
failed=$(count fail)
skipped=$(( $(count notrun) + $(count disabled) ))
total=$(grep -c '^[[:space:]]*<testcase ' "$xml" || true)
if [ $((passed + failed + skipped)) -ne "$total" ]; then
    echo "test-summary: $total tests in $xml, but only $((passed + failed + skipped)) with a known status" >&2
    failed=$((failed + total - passed - failed - skipped))
fi
if [ "$skipped" -gt 0 ]; then
    sed -n 's/^[[:space:]]*<testcase name="\([^"]*\)".* status="\(notrun\|disabled\)".*/skipped: \1/p' "$xml"
    [ -n "${CI:-}" ] && echo "test-summary: CI is set, so a skipped test is a failure"
fi
echo "romfs: $((passed + extra)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || [ -z "${CI:-}" ] || exit 1
exit 0
