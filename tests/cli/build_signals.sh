#!/bin/bash
# SPDX-License-Identifier: MIT
# Signals during `romfs build` (issue 12): SIGINT, SIGTERM and SIGHUP at
# several points remove $TMPDIR/romfs-mpy-* and the partial output, leave the
# old output intact, and exit 128 + the signal. A slow fake mpy-cross holds
# the build at a known point.
set -u
: "${ROMFS:?} ${SRC:?}"
. "$(dirname "$0")/../lib.sh"
scratch tmp
cd "$tmp" || exit 1
mkdir bin private
cp "$SRC/tests/cli/fake-mpy-cross.sh" bin/mpy-cross && chmod +x bin/mpy-cross
# The --version answer can be slowed too: a wrapper sleeps first.
cat > bin/slow-version <<EOF
#!/bin/bash
[ "\${1:-}" = --version ] && { echo started > "$tmp/vstart"; sleep 5; }
exec "$tmp/bin/mpy-cross" "\$@"
EOF
chmod +x bin/slow-version
export TMPDIR=$tmp/private FAKE_MPY_LOG=$tmp/log XDG_CACHE_HOME=$tmp/cache MPY_CROSS=$tmp/bin/mpy-cross
mkdir src
for i in 1 2 3 4 5 6; do printf 'x = %d\n' "$i" > "src/m$i.py"; done
printf 'old image\n' > out.romfs
cp out.romfs old.romfs

# Wait (up to 10 s) until file $1 has at least $2 lines.
wait_lines() {
    for _ in $(seq 100); do
        [ -e "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}

check_clean() {
    [ -z "$(ls -A private)" ] || die "$1: temporary files left: $(ls -A private)"
    ls -A | grep -q 'out.romfs.tmp' && die "$1: partial output left"
    cmp -s out.romfs old.romfs || die "$1: old output changed"
    ls cache/romfs/mpy 2>/dev/null | grep -q '^\.tmp-' && die "$1: temporary cache file left"
    return 0
}

# $1 signal name, $2 number, $3 point: version | compile1 | compile3 | group
run_case() {
    rm -rf log cache vstart
    local env=() wait_file=log lines=1 pid rc delay=5
    case $3 in
        version) env=(MPY_CROSS=$tmp/bin/slow-version); wait_file=vstart ;;
        compile3) lines=3 delay=0.6 ;;
    esac
    if [ "$3" = group ]; then
        # As a terminal's Ctrl-C does: the signal reaches the compilers too.
        env FAKE_MPY_DELAY=5 setsid "$ROMFS" build -j2 -q -o out.romfs src 2> err.txt & pid=$!
    else
        env "${env[@]}" FAKE_MPY_DELAY=$delay "$ROMFS" build -j1 -q -o out.romfs src 2> err.txt & pid=$!
    fi
    wait_lines "$wait_file" "$lines" || { kill -KILL $pid; die "$1/$3: build never got there"; }
    sleep 0.2
    if [ "$3" = group ]; then kill -s "$1" -- -$pid; else kill -s "$1" $pid; fi
    wait $pid; rc=$?
    [ $rc = $((128 + $2)) ] || die "$1/$3: exit $rc, want $((128 + $2)): $(cat err.txt)"
    grep -q 'mpy-cross failed\|killed by signal' err.txt && die "$1/$3: reported as a compile error: $(cat err.txt)"
    check_clean "$1/$3"
}

for point in version compile1 compile3; do
    run_case INT 2 $point
    run_case TERM 15 $point
    run_case HUP 1 $point
done
run_case INT 2 group

# Uninterrupted, the same build replaces the output.
FAKE_MPY_DELAY=0 "$ROMFS" build -q -o out.romfs src 2>/dev/null || die "plain build"
cmp -s out.romfs old.romfs && die "plain build kept the old output"
exit 0
