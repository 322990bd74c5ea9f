#!/bin/sh
# Footprint of the firmware-side modules on Cortex-M0+ and Cortex-M4.
#
# Compiles src/reader/romfs.c, src/device/{vfs,part,boot}.c and the test
# backend tests/support/flash_nor.c with arm-none-eabi-gcc
# at -Os -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su,
# then prints, per CPU and module: .text/.data/.bss (arm-none-eabi-size), the
# largest single stack frame, and the worst-case stack of any call chain that
# starts in the module (frames summed along the call graph, across modules;
# libc leaves such as memcpy count as 0). Last, it checks that no module
# references an allocator or stdio (nm -u) and exits 1 if one does.
#
# Usage: tests/embedded/size_report.sh [work-dir]     (from anywhere)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
CC=${ARM_CC:-arm-none-eabi-gcc}
SIZE=${ARM_SIZE:-arm-none-eabi-size}
NM=${ARM_NM:-arm-none-eabi-nm}
modules="romfs vfs part flash_nor boot"
# Where each module lives (reader, device layer, test support).
srcof() {
    case $1 in
        romfs) echo "$root/src/reader/romfs.c" ;;
        flash_nor) echo "$root/tests/support/flash_nor.c" ;;
        *) echo "$root/src/device/$1.c" ;;
    esac
}
forbidden='^(malloc|calloc|realloc|free|_malloc_r|_free_r|printf|fprintf|sprintf|snprintf|vprintf|puts|putchar|fputs|fwrite|_sbrk|_write|abort|exit)$'
status=0

# Longest (heaviest) call chain from each function in the .ci files given.
worst_stack() {
    awk '
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

for cpu in cortex-m0plus cortex-m4; do
    dir="$work/$cpu"
    mkdir -p "$dir"
    for m in $modules; do
        (cd "$dir" && "$CC" -mcpu=$cpu -mthumb -Os -ffunction-sections -fdata-sections \
            -fstack-usage -fcallgraph-info=su -ffreestanding -std=c11 -Wall -Wextra -Werror \
            -I"$root/include" -I"$root/tests/support" -c "$(srcof $m)" -o "$m.o")
    done
    echo "### $cpu (-Os, Thumb$( [ $cpu = cortex-m4 ] && echo '-2'))"
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
