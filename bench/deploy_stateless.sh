#!/bin/bash
# SPDX-License-Identifier: MIT
# Stateless deploys (issue 10): a one-line edit of a generated 300-module app
# (--no-mpy) deployed to the emulated board from the host cache and from an
# EMPTY cache (the layout is then read from the board), side by side from the
# same partition state. Prints blocks written, bytes on the wire, board bytes
# read back and median seconds of N runs each.
# usage: bench/deploy_stateless.sh [path/to/romfs] [N=3]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(dirname "$HERE")}
ROMFS=${1:-${ROMFS:-$SRC/build/romfs}}
N=${2:-3}
[ -x "$ROMFS" ] || { echo "no romfs binary at $ROMFS" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
A=$TMP/app
node "$HERE/gen-app.mjs" "$A" 300 >/dev/null
DEV="exec:node $SRC/board/emulator.mjs --partition $TMP/p.bin --size 1048576 --block-size 4096"

field() { node -e 'const o = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(o[process.argv[1]])' "$1" <"$2"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
deploy() { # OUT CACHE [options]
    local out=$1 cache=$2
    shift 2
    XDG_CACHE_HOME=$cache "$ROMFS" deploy --no-mpy --json -q -d "$DEV" "$@" "$A" >"$out" 2>"$TMP/err" || {
        echo "deploy failed:" >&2
        cat "$TMP/err" >&2
        exit 1
    }
}

deploy "$TMP/first.json" "$TMP/cache"
cp "$TMP/p.bin" "$TMP/p.before"
cp -r "$TMP/cache" "$TMP/cache.before"

# measure NAME CACHEMODE: N deploys of the edited tree from the same start.
measure() {
    local name=$1 mode=$2
    : >"$TMP/secs"
    for i in $(seq "$N"); do
        cp "$TMP/p.before" "$TMP/p.bin"
        rm -rf "$TMP/c"
        [ "$mode" = cache ] && cp -r "$TMP/cache.before" "$TMP/c"
        mkdir -p "$TMP/c"
        deploy "$TMP/$name.json" "$TMP/c"
        field seconds "$TMP/$name.json" >>"$TMP/secs"
    done
    printf '%-34s %5s %8s/%-5s %10s %10s %8ss\n' "$3" "$(field base "$TMP/$name.json")" \
        "$(field blocks_written "$TMP/$name.json")" "$(field blocks_total "$TMP/$name.json")" \
        "$(field wire_bytes "$TMP/$name.json")" "$(field board_bytes_read "$TMP/$name.json")" "$(median <"$TMP/secs")"
}

f=$(ls "$A"/*/m150.py)
printf '%-34s %5s %14s %10s %10s %9s\n' "deploy (median of $N)" base blocks "wire" "read back" time
sed -i 's/^VERSION = 150$/VERSION = 151/' "$f"
measure same-cache cache "one-line edit, same size, cache"
measure same-empty empty "one-line edit, same size, no cache"
sed -i 's/^VERSION = 151$/VERSION = 150/' "$f"
printf '\n# a comment line added\n' >>"$f"
measure grow-cache cache "one line added, cache"
measure grow-empty empty "one line added, no cache"
ratio() { awk -v a="$(field "$1" "$TMP/$2.json")" -v b="$(field "$1" "$TMP/$3.json")" 'BEGIN {printf "%.2f", a / b}'; }
echo "no cache / cache: same-size edit blocks $(ratio blocks_written same-empty same-cache)x," \
    "wire $(ratio wire_bytes same-empty same-cache)x; line added blocks $(ratio blocks_written grow-empty grow-cache)x," \
    "wire $(ratio wire_bytes grow-empty grow-cache)x"
