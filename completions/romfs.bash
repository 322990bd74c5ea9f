# SPDX-License-Identifier: MIT
# bash completion for romfs. Commands and options are read from the
# installed binary's own --help, so they never drift from it; -d offers the
# serial ports `romfs devs -a` lists plus auto / emulated / exec:, and -p
# partition numbers (never asking a board: completing must not open a
# serial port). Paths inside an image (ls, tree, cat, stat IMAGE PATH) come
# from the image file; mount's second operand is a directory.
_romfs_cmds() { "$1" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'; }
_romfs_opts() {
    "$1" "$2" --help 2>/dev/null | sed -n 's/^  *\(-[^ ].*\)$/\1/p' | sed 's/   *.*//' |
        tr ',' '\n' | awk '{print $1}' | grep '^-'
}
_romfs_ports() { printf '%s\n' auto emulated exec:; "$1" devs -a 2>/dev/null | awk '{print $1}'; }
# Entries of image $2 below the path being completed ($3), as full paths.
_romfs_image_paths() {
    local romfs=$1 img=$2 cur=$3 dir
    [ -f "$img" ] || return
    case $cur in
        */*) dir=${cur%/*}/ ;;
        *) dir=/ ;;
    esac
    [[ $dir == /* ]] || dir=/$dir
    "$romfs" ls "$img" "$dir" 2>/dev/null | sed "s|^|$dir|"
}
_romfs_families() { "$1" build --family list 2>/dev/null; }

_romfs() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local romfs=${COMP_WORDS[0]} cmd="" dev="" i nops=0 first=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -d | --device) dev=${COMP_WORDS[i + 1]}; ((i++)) ;;
            -p | --partition | -o | --output | -t | --timeout | -j | --jobs | -r | --run | --format | --family | \
                --align | --address | --pad-to | --compact | --block-size | --base | --exclude | --mpy-cross-arg | \
                --debounce | --options) ((i++)) ;;
            -*) ;;
            *)
                if [ -z "$cmd" ]; then
                    cmd=${COMP_WORDS[i]}
                else
                    ((nops++))
                    [ -z "$first" ] && first=${COMP_WORDS[i]}
                fi
                ;;
        esac
    done
    [ "$cmd" = help ] && { COMPREPLY=($(compgen -W "$(_romfs_cmds "$romfs")" -- "$cur")); return; }
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$(_romfs_cmds "$romfs") help -V --version -h --help" -- "$cur"))
        return
    fi
    case $prev in
        -d | --device) COMPREPLY=($(compgen -W "$(_romfs_ports "$romfs")" -- "$cur")); return ;;
        -p | --partition) COMPREPLY=($(compgen -W "0 1" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "raw uf2 ihex" -- "$cur")); return ;;
        --family) COMPREPLY=($(compgen -W "$(_romfs_families "$romfs")" -- "$cur")); return ;;
        --align | --address | --pad-to | --compact | --block-size | -t | --timeout | -o | --output | --base)
            [[ $prev == -o || $prev == --output || $prev == --base ]] && COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_romfs_opts "$romfs" "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
        ls | tree | cat | stat)
            # IMAGE PATH: the path from the image (with -d, from the board:
            # not looked up, as that would read it).
            if [ -n "$dev" ]; then
                COMPREPLY=()
                return
            fi
            if [ "$nops" = 1 ]; then
                local IFS=$'\n'
                COMPREPLY=($(compgen -W "$(_romfs_image_paths "$romfs" "$first" "$cur")" -- "$cur"))
                compopt +o filenames 2>/dev/null
                [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
                return
            fi
            ;;
        mount)
            if [ "$nops" = 1 ]; then
                COMPREPLY=($(compgen -d -S / -- "$cur"))
                compopt -o nospace 2>/dev/null
                return
            fi
            ;;
    esac
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _romfs romfs
