#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what building and testing romfs needs on a Debian machine:
# Debian packages through apt-get (only those missing) and the pinned npm
# packages from package-lock.json. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config git xxd
      libcmocka-dev zlib1g-dev libserialport-dev
      clang libclang-rt-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      socat libfuse3-dev fuse3 scdoc)
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
