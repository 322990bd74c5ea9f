#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (fuzz/) and runs each for a bounded
# time from the seed corpus: golden and hostile vectors plus fuzz/corpus.
# Environment: FUZZ_SECONDS (default 20 per target), ROMFS_FUZZ_BUILD (build
# directory, default build/fuzz), ROMFS_VECTORS (default ../shared/vectors).
# A crash leaves its input in $ROMFS_FUZZ_BUILD/artifacts and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
build=${ROMFS_FUZZ_BUILD:-build/fuzz}
vectors=${ROMFS_VECTORS:-$PWD/../shared/vectors}
CC=${FUZZ_CC:-clang}

command -v "$CC" >/dev/null || { echo "fuzz-smoke: $CC not found" >&2; exit 1; }
CC=$CC cmake -S . -B "$build" -DROMFS_FUZZ=ON -DROMFS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target fuzz_reader fuzz_check fuzz_flashfmt fuzz_boardimg

# The seeds, copied: libFuzzer adds what it finds to the corpus directory,
# and the checked-in corpus should only change on purpose.
corpus=$build/corpus
rm -rf "$corpus"
mkdir -p "$corpus" "$build/artifacts"
for f in "$vectors"/golden/*.romfs "$vectors"/hostile/*.romfs fuzz/corpus/*; do
    # Big seeds only slow the start: -max_len truncates them to 4 KiB anyway.
    [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 131072 ] && cp "$f" "$corpus/"
done
echo "fuzz-smoke: $(ls "$corpus" | wc -l) seeds, ${seconds}s per target"

for target in fuzz_reader fuzz_check fuzz_flashfmt fuzz_boardimg; do
    work=$build/work-$target
    rm -rf "$work"
    cp -r "$corpus" "$work"
    echo "fuzz-smoke: $target"
    log=$build/$target.log
    status=0
    t=$seconds
    [ "$target" != fuzz_flashfmt ] || [ "$t" -le 10 ] || t=10 # small parsers: 10 s is plenty
    "$build/fuzz/$target" "$work" -max_total_time="$t" -rss_limit_mb=2048 -timeout=10 \
        -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
    if [ "$status" -ne 0 ]; then
        grep -E 'runtime error|expectation failed|ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
        echo "fuzz-smoke: $target failed (exit $status); log $log, inputs in $build/artifacts" >&2
        exit 1
    fi
done
echo "fuzz-smoke: ok"
