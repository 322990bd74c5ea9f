# SPDX-License-Identifier: MIT
# The one helper library of the shell tests (sourced by every test script,
# directly or through its family's lib: tests/cli/lib-tools.sh,
# tests/cli/board/lib.sh, tests/micropython/lib-mp.sh,
# tests/windows/lib-wine.sh). It sets no shell options: each test keeps its own.
#
#   die MSG         one line "FAIL <test>: MSG" on stderr, exit 1
#   bad MSG         the same line, counted; the test goes on (see finish)
#   finish          exit 1 if bad was called, else 0 (after finish_check, if defined)
#   prereq MSG      a missing prerequisite: skip (77), or fail when CI is set
#   expect_in TEXT NEEDLE WHAT   bad unless TEXT contains NEEDLE
#   wait_for FILE TEXT [SECONDS [quiet]]  until FILE holds TEXT (default
#                   $WAIT_FOR_SECONDS or 40 s), else bad (quiet: only status 1)
#   scratch VAR [PREFIX]         a new temporary directory in $VAR, removed at exit
#   on_exit CMD     run CMD at exit (before the scratch directories go)
#   sanitized FILE  bad if FILE holds a sanitizer report

# A sanitizer report exits 86 (ASan) or 87 (UBSan), never 1, so it can
# never pass for an expected failure (CTest sets the same for every test).
case "${ASAN_OPTIONS:-}" in *exitcode=86*) ;; *) export ASAN_OPTIONS="exitcode=86:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" ;; esac
case "${UBSAN_OPTIONS:-}" in *exitcode=87*) ;; *) export UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}" ;; esac

TEST_NAME=${TEST_NAME:-$(basename "$0" .sh)}
FAILS=0

die() {
    echo "FAIL $TEST_NAME: $*" >&2
    exit 1
}

bad() {
    echo "FAIL $TEST_NAME: $*" >&2
    FAILS=$((FAILS + 1))
}

finish() {
    # A family's own last checks (lib-mp.sh: no board process left running).
    if declare -F finish_check >/dev/null; then finish_check; fi
    if [ "$FAILS" -ne 0 ]; then
        echo "$TEST_NAME: $FAILS check(s) failed" >&2
        exit 1
    fi
    echo "ok $TEST_NAME"
    exit 0
}

prereq() {
    echo "$TEST_NAME: $*" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 77
}

expect_in() {
    case "$1" in
    *"$2"*) ;;
    *) bad "$3: expected '$2' in: $1" ;;
    esac
}

wait_for() {
    local t=$((${3:-${WAIT_FOR_SECONDS:-40}} * 10))
    while [ "$t" -gt 0 ]; do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
        t=$((t - 1))
    done
    [ "${4:-}" = quiet ] && return 1
    bad "timed out waiting for '$2' in $(basename "$1")"
    sed 's/^/  | /' "$1" 2>/dev/null | tail -8 >&2
    return 1
}

sanitized() {
    if grep -qE 'Sanitizer|runtime error:' "$1" 2>/dev/null; then
        bad "sanitizer report in $(basename "$1")"
        head -20 "$1" >&2
        return 1
    fi
    return 0
}

_TESTLIB_EXIT=""
_TESTLIB_DIRS=()
_testlib_cleanup() {
    local d
    eval "$_TESTLIB_EXIT"
    for d in "${_TESTLIB_DIRS[@]}"; do
        chmod -R u+rwx "$d" 2>/dev/null
        rm -rf "$d"
    done
}
trap _testlib_cleanup EXIT

on_exit() {
    _TESTLIB_EXIT="$_TESTLIB_EXIT
$*"
}

scratch() {
    local _scratch_dir
    _scratch_dir=$(mktemp -d "${TMPDIR:-/tmp}/${2:-romfs-$TEST_NAME}.XXXXXX") || die "cannot make a temporary directory"
    _TESTLIB_DIRS+=("$_scratch_dir")
    printf -v "$1" '%s' "$_scratch_dir"
}
