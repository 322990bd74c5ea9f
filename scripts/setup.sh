#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what a command of this tree needs on a Debian machine, and only
# that: Debian packages through apt-get (only those missing) and the pinned
# npm packages from package-lock.json. Safe to run again.
#   scripts/setup.sh demo     scripts/demo.sh: build the command, run the emulated board
#   scripts/setup.sh package  + what the wheel and the .deb are made with
#   scripts/setup.sh test     (the default) everything scripts/test.sh needs
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-test}

# The demo: compiler, CMake, zlib, libserialport, libfuse3; Node.js below.
demo=(build-essential cmake pkg-config zlib1g-dev libserialport-dev libfuse3-dev)
# Packages: the wheel (Debian's setuptools, no network) and the .deb
# (cpack; dpkg-shlibdeps from dpkg-dev), with their man pages.
package=(python3 python3-setuptools python3-wheel python3-venv python3-pip dpkg-dev scdoc)
# The tests: the rest.
pkgs=(git xxd
      libcmocka-dev
      clang libclang-rt-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      socat fuse3 python3-pytest
      libffi-dev libreadline-dev gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf
      qemu-system-misc # real MicroPython (tests/micropython)
      gcc-mingw-w64-x86-64 libz-mingw-w64-dev wine64) # Windows under wine (tests/windows)
case $what in
demo) pkgs=("${demo[@]}") ;;
package) pkgs=("${demo[@]}" "${package[@]}") ;;
test) pkgs=("${demo[@]}" "${package[@]}" "${pkgs[@]}") ;;
*) echo "usage: scripts/setup.sh [demo|package|test]" >&2; exit 2 ;;
esac
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The emulated board and the conformance oracle: real MicroPython from npm,
# exactly the version in package-lock.json.
if ! node -e 'require.resolve("@micropython/micropython-webassembly-pyscript/package.json")' 2>/dev/null \
   || ! cmp -s <(node -p 'require("./package-lock.json").packages["node_modules/@micropython/micropython-webassembly-pyscript"].version') \
               <(node -p 'require("@micropython/micropython-webassembly-pyscript/package.json").version'); then
    npm ci --no-audit --no-fund --loglevel=error
fi
