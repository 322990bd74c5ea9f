# SPDX-License-Identifier: MIT
# Shared by the deploy_*.sh tests (sourced, not a test itself): the emulated
# board on a partition file, a private deploy cache, JSON field access.
. "$(dirname "${BASH_SOURCE[0]}")/lib-tools.sh"
: "${SRC:?SRC must name the source tree}" "${NODE_MODULES:?NODE_MODULES must name node_modules}"
MP=$NODE_MODULES/@micropython/micropython-webassembly-pyscript/micropython.mjs
[ -f "$MP" ] || prereq "no MicroPython in $NODE_MODULES (npm ci)"
[ -f "$SRC/board/emulator.mjs" ] || prereq "no emulated board"
command -v node >/dev/null || prereq "no node (Debian: nodejs)"
export XDG_CACHE_HOME=$TMP/cache

# dev PARTFILE [emulator options...]: a device spec for the emulated board.
dev() {
    local part=$1
    shift
    echo "exec:node $SRC/board/emulator.mjs --partition $part $*"
}

# json FILE KEY: a top-level number/bool/string field of a one-line JSON object.
json() {
    node -e 'const o = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(o[process.argv[2]])' "$1" "$2"
}

# boot PARTFILE CODE: boot real MicroPython from the partition's bytes (as
# the emulated board does at a soft reset) and run CODE; output on stdout.
boot() {
    cat >"$TMP/boot.mjs" <<JS
import { readFileSync } from "fs";
const { loadMicroPython } = await import("$MP");
const romfs = new Uint8Array(readFileSync(process.argv[2]));
let out = "";
const mp = await loadMicroPython({ romfs, stdout: (l) => { out += l + "\n"; }, stderr: (l) => { out += l + "\n"; } });
try { mp.runPython(process.argv[3]); } catch (e) { out += "EXC " + e.type + "\n"; }
process.stdout.write(out);
JS
    node "$TMP/boot.mjs" "$1" "$2"
}

# state PARTFILE OLD NEW: what mounts from the partition: "old", "new",
# "none", or "PARTIAL" (something else mounts: never acceptable).
state() {
    local p=$1 old=$2 new=$3
    if [ -n "$old" ] && cmp -s -n "$(stat -c %s "$old")" "$p" "$old" && "$ROMFS" check "$old" >/dev/null 2>&1; then
        echo old
    elif cmp -s -n "$(stat -c %s "$new")" "$p" "$new"; then
        echo new
    elif "$ROMFS" ls "$p" / >/dev/null 2>&1; then
        echo PARTIAL
    elif boot "$p" "import os; print('MOUNTED', os.listdir('/rom'))" | grep -q MOUNTED; then
        echo PARTIAL
    else
        echo none
    fi
}

# keep_old: after a deploy to partition file $P, keep the image ($old), the
# partition ($TMP/p.old) and the cache; restore puts the last two back.
keep_old() {
    old=$TMP/old.romfs
    cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$old"
    cp "$P" "$TMP/p.old"
    cp -r "$XDG_CACHE_HOME" "$TMP/cache.old"
}
restore() {
    cp "$TMP/p.old" "$P"
    rm -rf "$XDG_CACHE_HOME"
    cp -r "$TMP/cache.old" "$XDG_CACHE_HOME"
}
