# SPDX-License-Identifier: MIT
# Shared by the tools_*.sh and hostile.sh tests (sourced, not a test itself).
# run/expect_* record failures (bad, from tests/lib.sh) instead of exiting,
# so one run shows them all.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${ROMFS:?ROMFS must name the romfs binary}" "${VECTORS:?VECTORS must name the test vectors}"
[ -x "$ROMFS" ] || die "$ROMFS is not an executable"
G=$VECTORS/golden
H=$VECTORS/hostile
scratch TMP
OUT=$TMP/out
ERR=$TMP/err
rc=0

# run CMD...: stdout in $OUT, stderr in $ERR, status in $rc.
run() {
    "$@" >"$OUT" 2>"$ERR"
    rc=$?
    if [ "$rc" -ge 86 ] && [ "$rc" -le 87 ] || grep -qE 'Sanitizer|runtime error' "$ERR"; then
        bad "sanitizer report from: $*"
        cat "$ERR"
    fi
}

# expect RC CMD...: run and check the exit status.
expect() {
    local want=$1
    shift
    run "$@"
    if [ "$rc" != "$want" ]; then
        bad "exit $rc, expected $want: $*"
        sed 's/^/  stderr: /' "$ERR" | head -5
    fi
}

# The last run's stderr / stdout holds a fixed string.
err_has() { grep -qF -- "$1" "$ERR" || { bad "stderr lacks '$1'"; sed 's/^/  stderr: /' "$ERR" | head -5; }; }
out_has() { grep -qF -- "$1" "$OUT" || { bad "stdout lacks '$1'"; sed 's/^/  stdout: /' "$OUT" | head -5; }; }
err_empty() { [ ! -s "$ERR" ] || { bad "unexpected stderr"; sed 's/^/  stderr: /' "$ERR" | head -5; }; }
# The last run's stdout equals the file $1.
out_is() { cmp -s "$OUT" "$1" || { bad "stdout differs from $1"; diff "$OUT" "$1" | head -10; }; }
# The last run's stdout equals the string $1 (plus a final newline).
out_eq() { printf '%s\n' "$1" | cmp -s "$OUT" - || { bad "stdout is not '$1'"; head -10 "$OUT"; }; }

# wait_exit PID [SECONDS]: wait for a background job of this shell and
# set $rc to its exit status; one that is still running after SECONDS (60)
# is a failure that says where it hangs (its process tree and stacks),
# then it is killed (rc 124): a hang never eats the suite's whole timeout.
wait_exit() {
    local t=$((${2:-60} * 10))
    while [ "$t" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
        sleep 0.1
        t=$((t - 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        bad "pid $1 still running after ${2:-60} s"
        ps -o pid,ppid,pgid,stat,etime,args --forest -g "$(ps -o sid= -p $$ | tr -d ' ')" 2>/dev/null | sed 's/^/  | /'
        local p
        for p in "$1" $(pgrep -P "$1"); do
            echo "  | pid $p wchan: $(cat /proc/$p/wchan 2>/dev/null)"
            command -v gdb >/dev/null && timeout 30 gdb -batch -p "$p" -ex bt 2>/dev/null | grep '^#' | sed 's/^/  | /'
        done
        kill -9 "$1" 2>/dev/null
        wait "$1" 2>/dev/null
        rc=124
        return 0
    fi
    wait "$1"
    rc=$?
}

# wait_stopped PID: until the process has stopped itself (or exited).
wait_stopped() {
    local i
    for i in $(seq 1 500); do
        [ -e "/proc/$1/stat" ] || return 1
        [ "$(awk '{print $3}' "/proc/$1/stat")" = T ] && return 0
        sleep 0.01
    done
    return 1
}

# signal_stopped SIG PID: send SIG to a process wait_stopped saw stop, let
# it go on (SIGCONT) and wait for its end; its exit status in $rc.
signal_stopped() {
    kill -"$1" "$2"
    kill -CONT "$2"
    wait "$2" 2>/dev/null
    rc=$?
    while [ "$rc" = 147 ]; do   # reported stopped (SIGTSTP-like): wait again
        wait "$2" 2>/dev/null
        rc=$?
    done
}
