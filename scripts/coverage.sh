#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Line and branch coverage of the library (src/) and the command (cli/) over
# the whole test suite:
#
#     scripts/coverage.sh [ctest arguments...]     e.g. scripts/coverage.sh -R unit
#
# Builds the project with gcc --coverage (no sanitizers, -O0) in
# build/coverage (or $ROMFS_COVERAGE_BUILD), runs ctest there (-j2, every
# test unless arguments say otherwise), then reads every .gcda with gcov's
# JSON output and prints, per folder and in total, the lines and branches
# run at least once. A source compiled into several programs (a library and
# a fuzz replay driver, say) counts a line or branch as covered when any of
# them ran it; a file no test reaches counts at 0%. The per-file table goes to $build/coverage.txt. Needs gcc,
# gcov and node (already dependencies). Failing tests are reported, and the
# figures are still printed; the exit status is ctest's.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${ROMFS_COVERAGE_BUILD:-build/coverage}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DROMFS_SANITIZE=OFF -DROMFS_BUILD_TESTS=ON \
    -DCMAKE_C_FLAGS="--coverage -O0" -DCMAKE_EXE_LINKER_FLAGS="--coverage" >/dev/null || exit 1
cmake --build "$build" -j2 >/dev/null || { echo "coverage: build failed" >&2; exit 1; }
find "$build" -name '*.gcda' -delete
status=0
if [ $# -eq 0 ]; then set -- -j2 --timeout 600; fi
ctest --test-dir "$build" "$@" >"$build/ctest.log" 2>&1 || status=$?
tail -3 "$build/ctest.log" | grep -E 'tests passed|tests failed' || true
# One JSON document per object file, each on its own line. Every object
# with notes counts, run or not (a file no test reaches is 0%, not absent);
# the benchmarks' objects are left out (built -O2, never run by ctest).
find "$build" -name '*.gcno' -not -path "$build/bench/*" | while read -r gcno; do
    gcov --json-format --stdout --branch-probabilities -o "$(dirname "$gcno")" "$gcno" 2>/dev/null
done >"$build/gcov.jsonl"
node - "$root" "$build/gcov.jsonl" "$build/coverage.txt" <<'JS'
const fs = require('fs');
const [root, input, out] = process.argv.slice(2);
const files = new Map();    // path -> {lines: Map(line -> hit), branches: Map(key -> taken)}
for (const text of fs.readFileSync(input, 'utf8').split('\n')) {
    if (!text.trim()) continue;
    const doc = JSON.parse(text);
    for (const f of doc.files) {
        const p = f.file.startsWith('/') ? f.file : `${doc.current_working_directory}/${f.file}`;
        const rel = require('path').relative(root, require('path').normalize(p));
        if (!/^(src|cli)\//.test(rel)) continue;
        if (!files.has(rel)) files.set(rel, {lines: new Map(), branches: new Map()});
        const e = files.get(rel);
        for (const l of f.lines) {
            e.lines.set(l.line_number, (e.lines.get(l.line_number) || 0) + l.count);
            (l.branches || []).forEach((b, i) => {
                const k = `${l.line_number}:${i}`;
                e.branches.set(k, (e.branches.get(k) || 0) + b.count);
            });
        }
    }
}
const sum = (m) => [m.size, [...m.values()].filter((c) => c > 0).length];
const groups = new Map();
const rows = [];
for (const [rel, e] of [...files].sort()) {
    const [lt, lc] = sum(e.lines), [bt, bc] = sum(e.branches);
    rows.push([rel, lc, lt, bc, bt]);
    const g = rel.replace(/\/[^/]*$/, '');
    for (const key of [g, 'total']) {
        const a = groups.get(key) || [0, 0, 0, 0];
        groups.set(key, [a[0] + lc, a[1] + lt, a[2] + bc, a[3] + bt]);
    }
}
const pct = (c, t) => (t ? (100 * c / t).toFixed(1) : '-').padStart(5);
let table = '| file | lines | line % | branches | branch % |\n|---|---:|---:|---:|---:|\n';
for (const [rel, lc, lt, bc, bt] of rows) table += `| ${rel} | ${lc}/${lt} | ${pct(lc, lt)} | ${bc}/${bt} | ${pct(bc, bt)} |\n`;
fs.writeFileSync(out, table);
console.log('| folder | lines | line % | branches | branch % |\n|---|---:|---:|---:|---:|');
for (const [g, [lc, lt, bc, bt]] of [...groups].sort((a, b) => (a[0] === 'total') - (b[0] === 'total') || a[0].localeCompare(b[0])))
    console.log(`| ${g === 'total' ? '**total**' : g} | ${lc}/${lt} | ${pct(lc, lt)} | ${bc}/${bt} | ${pct(bc, bt)} |`);
console.log(`\nPer file: ${out}`);
JS
exit $status
