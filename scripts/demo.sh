#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job on the embedded default: build the example app into a ROMFS
# image, deploy it to the emulated board (real MicroPython 1.29 with a
# NOR-flash ROM partition; no board needs to be attached), soft-reset so
# MicroPython's own boot code mounts /rom, and run the app from it.
# Installs what it needs first. The emulated board is asked for explicitly
# (romfs never falls back to it); with a board attached, ROMFS_DEVICE=/dev/ttyACM0.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo

build=build/release
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target romfs_cli >/dev/null
romfs=$build/romfs
dev=(-d "${ROMFS_DEVICE:-emulated}")
# The emulated board keeps its partition here between runs.
export ROMFS_BOARD_DIR=${ROMFS_BOARD_DIR:-$PWD/build/board}

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step romfs build -o build/app.romfs examples/app
"$romfs" build -o build/app.romfs examples/app
step romfs ls -l build/app.romfs /lib
"$romfs" ls -l build/app.romfs /lib
step romfs check build/app.romfs
"$romfs" check build/app.romfs
step romfs deploy "${dev[@]}" build/app.romfs
"$romfs" deploy "${dev[@]}" build/app.romfs
step romfs query "${dev[@]}"
"$romfs" query "${dev[@]}"
step romfs run "${dev[@]}" hello
"$romfs" run "${dev[@]}" hello
