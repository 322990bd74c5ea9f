# Board memory does not grow with the partition: on a 4 MiB and a 16 MiB
# partition with a 64 KiB MicroPython heap, deploy (fresh, then
# incremental) and query --verify succeed, and the board's heap never had
# to grow past its 64 KiB. (Joining the CRCs of every block into one string
# made it grow to about 1 MiB on 16 MiB.) Small images on big partitions
# keep it fast.
. "$(dirname "$0")/lib.sh"
export XDG_CACHE_HOME="$T/cache"
mkdir -p "$T/app/lib"
echo 'import lib.greet' >"$T/app/hello.py"
echo 'print("hello from a big partition")' >"$T/app/lib/greet.py"
R="$T/report"

# heap_ok WHAT: the board's heap stayed within 64 KiB during WHAT.
heap_ok() {
    local total
    total=$(tr -d '\000' <"$R" | sed -n 's/^GC: total: \([0-9]*\),.*/\1/p')
    [ -n "$total" ] || { fail "$1: no heap report from the board"; return; }
    [ "$total" -le 65536 ] || fail "$1: the board's heap grew to $total bytes"
}

for size in 4194304 16777216; do
    P="$T/p$size.bin"
    DEV="exec:sh $(dirname "$0")/fake-heap.sh $R --partition $P --size $size --heap 65536"
    "$ROMFS" deploy --no-mpy -q -d "$DEV" "$T/app" 2>"$T/err" || fail "$size: deploy: $(cat "$T/err")"
    heap_ok "$size: deploy"
    echo 'print("hello again")' >"$T/app/lib/greet.py"
    out=$("$ROMFS" deploy --no-mpy -d "$DEV" "$T/app" 2>&1) || fail "$size: second deploy: $out"
    expect_in "$out" "skipped" "$size: incremental deploy"
    heap_ok "$size: incremental deploy"
    out=$("$ROMFS" query --verify -d "$DEV" 2>&1) || fail "$size: query --verify: $out"
    expect_in "$out" "ROMFS0 partition has size $size bytes" "$size: query"
    expect_in "$out" "Image check: valid (2 files, 1 directories" "$size: query --verify"
    heap_ok "$size: query --verify"
    echo 'print("hello from a big partition")' >"$T/app/lib/greet.py"
done
finish
