# SPDX-License-Identifier: MIT
# Shared by the board.* tests: environment, a scratch directory, helpers
# (the common ones, bad/die/finish/expect_in/..., are tests/lib.sh's).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"
: "${ROMFS:?ROMFS must name the romfs binary}"
: "${SRC:?SRC must name the source tree}"
EMU="node $SRC/board/emulator.mjs"
scratch T romfs-board
# Never touch the user's emulated board, whatever a test does.
export ROMFS_BOARD_DIR="$T/emu"
# Tests name their device; a device from the environment must not leak in.
unset ROMFS_DEVICE

command -v node >/dev/null || prereq "node not found (Debian: nodejs)"

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
