# SPDX-License-Identifier: MIT
# Shared by the board.* tests: environment, a scratch directory, helpers.
set -u
: "${ROMFS:?ROMFS must name the romfs binary}"
: "${SRC:?SRC must name the source tree}"
EMU="node $SRC/board/emulator.mjs"
T=$(mktemp -d "${TMPDIR:-/tmp}/romfs-board.XXXXXX")
trap 'rm -rf "$T"' EXIT
# Never touch the user's emulated board, whatever a test does.
export ROMFS_BOARD_DIR="$T/emu"
# Tests name their device; a device from the environment must not leak in.
unset ROMFS_DEVICE
FAILS=0

if ! command -v node >/dev/null; then
    echo "SKIP: node not found"
    exit 77
fi

fail() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
}

# expect_in TEXT NEEDLE WHAT
expect_in() {
    case "$1" in
    *"$2"*) ;;
    *) fail "$3: expected '$2' in: $1" ;;
    esac
}

# A small image: main.py printing "hi from rom" (38 bytes, made as
# mpremote makes it; the odd total is padded with a 0x80 length prefix).
write_main_image() {
    printf '\xd2\xcd\x31\x80\x21\x05\x1f\x07main.py\x02\x15print(%shi from rom%s)\n' "'" "'" >"$1"
}

# Feed a raw-REPL session straight into the emulator: each argument is one
# command. Prints what the board printed.
board_session() {
    local opts=$1
    shift
    {
        printf '\x01'
        for cmd in "$@"; do printf '%s\x04' "$cmd"; done
    } | $EMU $opts
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "ok"
    exit 0
}
