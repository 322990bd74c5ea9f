# SPDX-License-Identifier: MIT
# bash completion for romfs. Commands and options are read from the
# installed binary's own --help, so they never drift from it; -d offers the
# serial ports `romfs devs -a` lists plus auto / emulated / exec:, and -p the
# partition numbers the chosen board reports (`romfs query --json`).
_romfs_cmds() { "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'; }
_romfs_opts() {
    "$1" "$2" --help 2>/dev/null | sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/   *.*//' |
        tr ',' '\n' | awk '{print $1}' | grep '^-'
}
_romfs_ports() { printf '%s\n' auto emulated exec:; "$1" devs -a 2>/dev/null | awk '{print $1}'; }
# Partition ids of the board named by -d on the line (or the default one).
_romfs_partitions() {
    local romfs=$1 dev=$2
    timeout 5 "$romfs" query ${dev:+-d "$dev"} --json 2>/dev/null | grep -o '"id": *[0-9]*' | grep -o '[0-9]*$'
}
_romfs_families() { "$1" build --family list 2>/dev/null; }

_romfs() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local romfs=${COMP_WORDS[0]} cmd="" dev="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -d | --device) dev=${COMP_WORDS[i + 1]} ;;
            -*) ;;
            *) [ -z "$cmd" ] && cmd=${COMP_WORDS[i]} ;;
        esac
    done
    [ "$cmd" = help ] && { COMPREPLY=($(compgen -W "$(_romfs_cmds "$romfs")" -- "$cur")); return; }
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$(_romfs_cmds "$romfs") help -V --version -h --help" -- "$cur"))
        return
    fi
    case $prev in
        -d | --device) COMPREPLY=($(compgen -W "$(_romfs_ports "$romfs")" -- "$cur")); return ;;
        -p | --partition) COMPREPLY=($(compgen -W "$(_romfs_partitions "$romfs" "$dev")" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "raw uf2 ihex" -- "$cur")); return ;;
        --family) COMPREPLY=($(compgen -W "$(_romfs_families "$romfs")" -- "$cur")); return ;;
        --align | --address | --pad-to | --compact | --block-size | -t | --timeout | -o | --output | --base)
            [[ $prev == -o || $prev == --output || $prev == --base ]] && COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_romfs_opts "$romfs" "$cmd")" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _romfs romfs
