#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (fuzz/) and runs each for a bounded
# time from the seed corpus: golden and hostile vectors plus fuzz/corpus.
# Environment: FUZZ_SECONDS (default 20 per target; fuzz_board: at most 10,
# FUZZ_BOARD_SECONDS), ROMFS_FUZZ_BUILD (build
# directory, default build/fuzz), ROMFS_VECTORS (default ../shared/vectors).
# A crash leaves its input in $ROMFS_FUZZ_BUILD/artifacts and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
build=${ROMFS_FUZZ_BUILD:-build/fuzz}
vectors=${ROMFS_VECTORS:-$PWD/../shared/vectors}
CC=${FUZZ_CC:-clang}

command -v "$CC" >/dev/null || { echo "fuzz-smoke: $CC not found" >&2; exit 1; }
CC=$CC cmake -S . -B "$build" -DROMFS_FUZZ=ON -DROMFS_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target fuzz_reader fuzz_check fuzz_board

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

# run_target TARGET SEEDS SECONDS: fuzz from a copy of SEEDS.
run_target() {
    local target=$1 work=$build/work-$1 log=$build/$1.log status=0
    rm -rf "$work"
    cp -r "$2" "$work"
    echo "fuzz-smoke: $target"
    "$build/fuzz/$target" "$work" -max_total_time="$3" -rss_limit_mb=2048 -timeout=10 \
        -max_len=4096 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1 || status=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
    if [ "$status" -ne 0 ]; then
        grep -E 'runtime error|expectation failed|ERROR|SUMMARY|Test unit written' "$log" >&2 || tail -20 "$log" >&2
        echo "fuzz-smoke: $target failed (exit $status); log $log, inputs in $build/artifacts" >&2
        exit 1
    fi
}
for target in fuzz_reader fuzz_check; do
    run_target "$target" "$corpus" "$seconds"
done
# Board answers: their own seeds (fuzz/corpus/board), at most 10 s: the
# parsers are small and the framing runs over a pipe.
run_target fuzz_board fuzz/corpus/board "${FUZZ_BOARD_SECONDS:-$((seconds < 10 ? seconds : 10))}"
echo "fuzz-smoke: ok"
