#!/bin/bash
# SPDX-License-Identifier: MIT
# The project's conformance suite (tests/conformance) against the unix port
# built with port/micropython's bounds-safe VfsRom instead of the npm
# WebAssembly build: each image is written to the board's flash file
# (tests/micropython/romboard) and MicroPython's own boot mounts it at /rom,
# so every walk, import, nested image and boot decision goes through the
# safe VfsRom and must match romfs's reader. Modes: vectors, generated
# (seeds 1-4, one tree of each shape: the suite's real-MicroPython budget),
# imports, nested, boot, hostile. Not claims: those pin what upstream's
# reader does (its out-of-image memoryviews included), which the safe one
# refuses on purpose. The hostile table must show no entry of the safe
# VfsRom outside its image (upstream's npm build shows some).
. "$(dirname "$0")/lib-mp.sh"
need micropython-safe
command -v node >/dev/null || die "node missing (scripts/setup.sh installs it)"
: "${WALK_BIN:?}" "${RELAYOUT_BIN:?}" "${VECTORS:?}"
for mode in vectors generated imports nested boot hostile; do
    CONF_MICROPYTHON=$MP_BIN/micropython-safe CONF_SEEDS=1,2,3,4 ROMFS_BIN=$ROMFS ROMFS_VECTORS=$VECTORS \
        CONF_WORK=$TMP/$mode node "$SRC/tests/conformance/run.mjs" "$mode" >"$TMP/$mode.log" 2>&1 ||
        bad "conformance.$mode against the safe VfsRom: $(grep -m 5 FAIL "$TMP/$mode.log" || tail -n 5 "$TMP/$mode.log")"
    tail -n 1 "$TMP/$mode.log"
done
grep -q "entries compared" "$TMP/hostile.log" || bad "the hostile table did not run"
grep "OUT-OF-IMAGE\|crashed" "$TMP/hostile.log" && bad "the safe VfsRom handed out memory outside an image, or crashed"
finish
