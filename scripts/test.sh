#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite: installs what it needs, builds with AddressSanitizer
# and UndefinedBehaviorSanitizer, runs every CTest test (unit, CLI, golden,
# hostile, conformance against real MicroPython, emulated board, qemu
# Cortex-M3), then a short libFuzzer run of every parser.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

# Real MicroPython (tests/micropython): built from the source tarball in
# ../shared, once per build directory; without it those tests do not run,
# and under CI that is a failure.
mp_tar=$(ls ../shared/micropython/micropython-*.tar.xz 2>/dev/null | tail -n 1 || true)
if [ -n "$mp_tar" ]; then
    mp_tar=$(cd "$(dirname "$mp_tar")" && pwd)/$(basename "$mp_tar")
elif [ -n "${CI:-}" ]; then
    echo "test.sh: ../shared/micropython/micropython-*.tar.xz not found, and CI is set" >&2
    exit 1
else
    echo "test.sh: ../shared/micropython/micropython-*.tar.xz not found: the mp.* tests will not run" >&2
fi

build=build/test
cmake -S . -B "$build" -DROMFS_SANITIZE=ON -DROMFS_BUILD_TESTS=ON -DCMAKE_BUILD_TYPE=Debug \
    -DROMFS_MICROPYTHON="$mp_tar" >/dev/null
cmake --build "$build" -j"$(nproc)"
# The JUnit report gives each test's status: passed, failed and skipped are
# counted apart (scripts/test-summary.sh); a skip is never counted as passed.
junit=$PWD/$build/ctest-junit.xml
rm -f "$junit"
ctest_rc=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 600 \
    --output-junit "$junit" || ctest_rc=$?
if [ "$ctest_rc" -ne 0 ]; then
    scripts/test-summary.sh "$junit" || true
    exit 1
fi

# A bounded libFuzzer run of each parser (set -e: a crash stops here).
nfuzz=0
if [ -x scripts/fuzz-smoke.sh ]; then
    scripts/fuzz-smoke.sh
    nfuzz=$(ls fuzz/fuzz_*.c | wc -l)
fi
scripts/test-summary.sh "$junit" "$nfuzz"
