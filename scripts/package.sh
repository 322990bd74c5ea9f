#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Packages, built from this tree:
#   scripts/package.sh deb    build/deb/romfs_<version>_<arch>.deb
#                             (configure with prefix /usr, build, cpack -G DEB)
#   scripts/package.sh wheel  dist/romfs-<version>-py3-none-<platform>.whl
#                             (Debian's setuptools, --no-build-isolation, offline)
# Run scripts/setup.sh package first (or scripts/setup.sh test).
set -euo pipefail
cd "$(dirname "$0")/.."
case ${1:-} in
deb)
    build=${ROMFS_PACKAGE_BUILD:-build/deb}
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr -DROMFS_PACKAGE=ON >/dev/null
    cmake --build "$build" -j2
    (cd "$build" && cpack -G DEB)
    ;;
wheel)
    out=${ROMFS_WHEEL_DIR:-$PWD/dist}
    /usr/bin/python3 -m pip wheel --no-build-isolation --no-index --no-deps -w "$out" .
    ;;
*) echo "usage: scripts/package.sh deb|wheel" >&2; exit 2 ;;
esac
