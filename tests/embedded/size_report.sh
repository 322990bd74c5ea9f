#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Footprint of the firmware-side modules on Cortex-M0+, Cortex-M3 and
# Cortex-M4.
#
# Compiles src/reader/{romfs,version}.c, src/device/{vfs,part,boot}.c, the
# test backend tests/support/flash_nor.c and, for comparison only,
# bench/mp_lookup.c (MicroPython's lookup written again, no bounds checks)
# with arm-none-eabi-gcc
# at -Os -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su,
# then prints, per CPU and module: .text/.data/.bss (arm-none-eabi-size), the
# largest single stack frame, and the worst-case stack of any call chain that
# starts in the module (frames summed along the call graph, across modules;
# libc leaves such as memcpy count as 0). Calls through a function pointer
# (part.c's erase/prog callbacks) end the chain there; a second figure
# resolves them to the NOR backend's callbacks (flash_nor.c's part_erase and
# part_prog), the worst case of a board that uses it. Last, it checks that no module
# references an allocator or stdio (nm -u) and exits 1 if one does.
#
# Usage: tests/embedded/size_report.sh [work-dir]     (from anywhere)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
TEST_NAME=embedded.size_report
. "$here/../lib.sh"
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
CC=${ARM_CC:-arm-none-eabi-gcc}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
NM=${ARM_NM:-arm-none-eabi-nm}
modules="romfs version vfs part flash_nor boot mp_lookup"
# Where each module lives (reader, device layer, test support).
srcof() {
    case $1 in
        romfs|version) echo "$root/src/reader/$1.c" ;;
        mp_lookup) echo "$root/bench/mp_lookup.c" ;;
        flash_nor) echo "$root/tests/support/flash_nor.c" ;;
        *) echo "$root/src/device/$1.c" ;;
    esac
}
forbidden='^(malloc|calloc|realloc|free|_malloc_r|_free_r|printf|fprintf|sprintf|snprintf|vprintf|puts|putchar|fputs|fwrite|_sbrk|_write|abort|exit)$'
status=0

# Longest (heaviest) call chain from each function in the .ci files given.
# With INDIRECT="f g", part.c's indirect calls go to the functions whose
# names end in ":f" or ":g".
worst_stack() {
    awk -v indirect="${INDIRECT:-}" '
    /^node:/ {
        t = $0; sub(/.*title: "/, "", t); sub(/".*/, "", t)
        # Only a definition carries "N bytes"; a callee from another file
        # appears as a bare node and must not overwrite its definition.
        if (match($0, /\\n[0-9]+ bytes/)) {
            s = substr($0, RSTART + 2, RLENGTH - 2); sub(/ bytes/, "", s)
            size[t] = s + 0; file[t] = FILENAME
        } else if (!(t in size)) {
            size[t] = 0; file[t] = ""
        }
    }
    /^edge:/ {
        s = $0; sub(/.*sourcename: "/, "", s); sub(/".*/, "", s)
        d = $0; sub(/.*targetname: "/, "", d); sub(/".*/, "", d)
        if (d == "__indirect_call" && indirect != "" && FILENAME ~ /part\.ci$/) { pend[s] = 1; next }
        n[s]++; to[s, n[s]] = d
    }
    function depth(f,    i, best, c) {
        if (f in memo) return memo[f]
        if (f in busy) { recursive = 1; return 0 }
        busy[f] = 1; best = 0
        for (i = 1; i <= n[f]; i++) { c = depth(to[f, i]); if (c > best) { best = c; next_of[f] = to[f, i] } }
        delete busy[f]
        memo[f] = size[f] + best
        return memo[f]
    }
    END {
        k = split(indirect, cb, " ")
        for (s in pend) for (t in size) for (i = 1; i <= k; i++)
            if (t ~ (":" cb[i] "$")) { n[s]++; to[s, n[s]] = t }
        for (f in size) {
            if (file[f] == "") continue
            d = depth(f); m = file[f]; sub(/.*\//, "", m); sub(/\.ci$/, "", m)
            if (!(m in worst) || d > worst[m]) { worst[m] = d; entry[m] = f }
            if (!(m in frame) || size[f] > frame[m]) { frame[m] = size[f]; framefn[m] = f }
        }
        for (m in worst) {
            chain = entry[m]; f = entry[m]
            while (f in next_of) { f = next_of[f]; chain = chain ">" f }
            gsub(/[^ >]*:/, "", chain)
            fn = framefn[m]; sub(/.*:/, "", fn)
            printf "%s %d %s %d %s\n", m, frame[m], fn, worst[m], chain
        }
        if (recursive) print "RECURSION found in the call graph" > "/dev/stderr"
    }' "$@"
}

for cpu in cortex-m0plus cortex-m3 cortex-m4; do
    dir="$work/$cpu"
    mkdir -p "$dir"
    for m in $modules; do
        (cd "$dir" && "$CC" -mcpu=$cpu -mthumb -Os -ffunction-sections -fdata-sections \
            -fstack-usage -fcallgraph-info=su -ffreestanding -std=c11 -Wall -Wextra -Werror \
            -I"$root/include" -I"$root/tests/support" -c "$(srcof $m)" -o "$m.o")
    done
    echo "### $cpu (-Os, Thumb$( [ $cpu != cortex-m0plus ] && echo '-2'))"
    echo
    echo "| module | .text | .rodata | .data | .bss | largest frame | worst-case stack (call chain) |"
    echo "|---|---:|---:|---:|---:|---|---|"
    worst_stack "$dir"/*.ci | sort > "$dir/stack.txt"
    for m in $modules; do
        set -- $("$SIZE" -A "$dir/$m.o" | awk '
            /^\.text/ { t += $2 } /^\.rodata/ { r += $2 }
            /^\.data/ { d += $2 } /^\.bss/ { b += $2 }
            END { print t + 0, r + 0, d + 0, b + 0 }')
        line=$(grep "^$m " "$dir/stack.txt" || echo "$m 0 - 0 -")
        set -- "$@" $line
        echo "| $m.c | $1 | $2 | $3 | $4 | $6 B ($7) | $8 B ($9) |"
    done
    echo
    echo "(Stack: bytes from .su frames summed along the deepest path of the -fcallgraph-info graph.)"
    echo
    line=$(INDIRECT="part_erase part_prog" worst_stack "$dir"/*.ci | grep "^part ")
    set -- $line
    echo "With the NOR backend's callbacks (part.c's indirect calls resolved to flash_nor.c's part_erase/part_prog): part.c worst-case stack $4 B ($5)"
    set -- $("$SIZE" -A "$dir/romfs.o" "$dir/version.o" | awk '/^\.text/ { t += $2 } END { print t + 0 }')
    echo "src/reader/ in all (romfs.c + version.c): $1 bytes of .text"
    echo
    echo "Largest functions of the reader (romfs.o, bytes):"
    "$NM" --size-sort -S -t d "$dir/romfs.o" | awk '$3 ~ /[tT]/ { printf "  %s %d\n", $4, $2 }' |
        sort -k2 -n -r | head -8
    echo
    for m in $modules; do
        bad=$("$NM" -u "$dir/$m.o" | awk '{print $2}' | grep -E "$forbidden" || true)
        libc=$("$NM" -u "$dir/$m.o" | awk '{print $2}' | grep -v '^romfs_' | tr '\n' ' ')
        if [ -n "$bad" ]; then
            echo "FORBIDDEN in $m.o ($cpu): $bad"
            status=1
        fi
        echo "- $m.o needs from outside the library: ${libc:-nothing}"
    done
    echo
done
if [ $status -eq 0 ]; then
    echo "No allocator or stdio symbol is referenced by any module."
fi
exit $status
