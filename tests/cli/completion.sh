#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shell completion (completions/romfs.bash, completions/_romfs): commands,
# each command's options, option values (--format, --family), -d ports and
# -p partition numbers (never asking a board), paths inside an image from
# the image, directories for mount points, files otherwise.
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
# -p: partition numbers, without ever touching a board (no query, no
# devs): completion must not open a serial port while the user types.
cat > fake-romfs <<EOS
#!/bin/sh
case "\$*" in
  *query*|*devs*) echo "\$*" >>"$TMP/board-calls"; exec "$ROMFS" "\$@" ;;
  *) exec "$ROMFS" "\$@" ;;
esac
EOS
chmod +x fake-romfs
ROMFS_SAVE=$ROMFS ROMFS=$TMP/fake-romfs
has 0 deploy -d /dev/ttyX -p ""
has 1 deploy -p ""
has 0 query -p ""
[ ! -s "$TMP/board-calls" ] || bad "completing -p ran: $(cat "$TMP/board-calls")"
ROMFS=$ROMFS_SAVE
grep -n 'query' "$SRC/completions/_romfs" | grep -v '^ *[0-9]*: *#' && bad "zsh completion runs romfs query (touches a board)"

# Paths inside an image are completed from the image, not the host.
cp "$G/many_and_deep.romfs" img.romfs
mkdir -p level0-host-dir
has /level0/ ls img.romfs /
has /pkg/ cat img.romfs /p
lacks level0-host-dir/ ls img.romfs ""
first=$("$ROMFS" ls img.romfs /level0 | head -n1)
has "/level0/$first" tree img.romfs /level0/
# ...with -d the path is not looked up (that would read the board).
lacks /level0/ ls -d emulated /
# mount: the image is a file, the mount point a directory.
mkdir -p mnt
touch afile
has mnt/ mount img.romfs ""
lacks afile mount img.romfs ""
has afile mount ""

if command -v zsh >/dev/null; then
    zsh -n "$SRC/completions/_romfs" 2>"$ERR" || bad "zsh rejects _romfs: $(cat "$ERR")"
fi
bash -n "$SRC/completions/romfs.bash" || bad "bash rejects romfs.bash"
finish
