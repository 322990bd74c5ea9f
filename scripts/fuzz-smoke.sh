#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (fuzz/, the list in
# fuzz/targets.cmake) and runs each for a bounded time from its seeds: the
# golden and hostile vectors plus fuzz/corpus, or fuzz/corpus/<name>/ where a
# target has seeds of its own. fuzz/run runs one target for as long as asked.
# Environment: FUZZ_SECONDS (default 4 per target: under a minute for all), ROMFS_FUZZ_BUILD (build
# directory, default build/fuzz), ROMFS_VECTORS (default ../shared/vectors).
# A crash leaves its input in $ROMFS_FUZZ_BUILD/artifacts and fails the run.
# Inputs up to 64 KiB (-max_len): enough for a name past ROMFS_NAME_MAX
# (32 767 bytes), the longest limit a parser has.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-4}
build=${ROMFS_FUZZ_BUILD:-build/fuzz}
vectors=${ROMFS_VECTORS:-$PWD/../shared/vectors}
CC=${FUZZ_CC:-clang}

command -v "$CC" >/dev/null || { echo "fuzz-smoke: $CC not found" >&2; exit 1; }
targets=$(sed -n 's/^set(ROMFS_FUZZ_TARGETS \(.*\))$/\1/p' fuzz/targets.cmake)
[ -n "$targets" ] || { echo "fuzz-smoke: no targets in fuzz/targets.cmake" >&2; exit 1; }
CC=$CC cmake -S . -B "$build" -DROMFS_FUZZ=ON -DROMFS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target $(printf 'fuzz_%s ' $targets)

# The seeds, copied: libFuzzer adds what it finds to the corpus directory,
# and the checked-in corpus should only change on purpose.
images=$build/corpus
rm -rf "$images"
mkdir -p "$images" "$build/artifacts"
for f in "$vectors"/golden/*.romfs "$vectors"/hostile/*.romfs fuzz/corpus/*; do
    # Big seeds only slow the start: -max_len truncates them to 64 KiB anyway.
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 131072 ] && cp "$f" "$images/"
done
echo "fuzz-smoke: targets: $targets; ${seconds}s each"

# Targets that write files (fuzz_extract) do so under TMPDIR: a tmpfs keeps
# that cheap.
scratch=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/fuzz-smoke-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
for name in $targets; do
    target=fuzz_$name
    work=$build/work-$target
    rm -rf "$work"
    if [ -d "fuzz/corpus/$name" ]; then cp -r "fuzz/corpus/$name" "$work"; else cp -r "$images" "$work"; fi
    dict=()
    [ -f fuzz/romfs.dict ] && [ -z "$(ls fuzz/corpus/$name 2>/dev/null)" ] && dict=(-dict=fuzz/romfs.dict)
    echo "fuzz-smoke: $target"
    log=$build/$target.log
    status=0
    TMPDIR=$scratch "$build/fuzz/$target" "$work" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -timeout=10 -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
    if [ "$status" -ne 0 ]; then
        grep -E 'runtime error|expectation failed|ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
        echo "fuzz-smoke: $target failed (exit $status); log $log, inputs in $build/artifacts" >&2
        exit 1
    fi
done
echo "fuzz-smoke: ok"
