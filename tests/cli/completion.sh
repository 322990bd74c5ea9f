#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shell completion (completions/romfs.bash, completions/_romfs): commands,
# each command's options, option values (--format, --family), -d ports and
# -p partition numbers, files otherwise.
set -u
. "$(dirname "$0")/lib-tools.sh"
# shellcheck source=/dev/null
. "$SRC/completions/romfs.bash"
cd "$TMP" || exit 1
# comp WORD...: COMPREPLY for the command line "romfs WORD...", last word being completed.
comp() {
    COMP_WORDS=("$ROMFS" "$@")
    COMP_CWORD=$#
    COMPREPLY=()
    _romfs
    printf '%s\n' "${COMPREPLY[@]}" | sort
}
has() { # has WORD LINE... : WORD is among the completions
    local want=$1; shift
    comp "$@" | grep -qxF -- "$want" || bad "'romfs $*<TAB>' does not offer '$want' (got: $(comp "$@" | tr '\n' ' '))"
}
lacks() {
    local no=$1; shift
    ! comp "$@" | grep -qxF -- "$no" || bad "'romfs $*<TAB>' offers '$no'"
}

has build bu
has mount ""
has deploy ""
has help h
lacks build l
has ls help l
has --format build --fo
has --pad-to build app --pa       # after an operand too
has -l ls -
has --recursive ls x.romfs --r
has --foreground mount -
lacks --format ls --fo
has uf2 build --format ""
has ihex build -q --format ""
has RP2350_ARM_S build --family RP2350
has STM32F4 build --family STM32F
has auto deploy -d ""
has emulated query --device ""
touch app.romfs
has app.romfs ls ""
# -p: the partitions the board reports (a stand-in board answering query).
cat > fake-romfs <<EOS
#!/bin/sh
case "\$*" in
  *query*--json*) echo '{"partitions": [{"id": 0, "size": 1}, {"id": 3, "size": 2}]}' ;;
  *) exec "$ROMFS" "\$@" ;;
esac
EOS
chmod +x fake-romfs
ROMFS_SAVE=$ROMFS ROMFS=$TMP/fake-romfs
has 3 deploy -d /dev/ttyX -p ""
has 0 deploy -p ""
ROMFS=$ROMFS_SAVE
if command -v zsh >/dev/null; then
    zsh -n "$SRC/completions/_romfs" 2>"$ERR" || bad "zsh rejects _romfs: $(cat "$ERR")"
fi
bash -n "$SRC/completions/romfs.bash" || bad "bash rejects romfs.bash"
finish
