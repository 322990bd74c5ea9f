#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh SRC WORK: the Python package as a user gets it. Builds the wheel
# the documented way (scripts/package.sh wheel: Debian's setuptools,
# --no-build-isolation, offline), installs it offline into a fresh venv
# (pip install --no-index), moves the wheel's build tree away, checks that
# `romfs` is on the venv's PATH and that nothing was compiled at install,
# then runs the pytest tests (test_*.py here) with the venv's Python.
set -euo pipefail
src=$1 work=$2
TEST_NAME=python
. "$(dirname "$0")/../lib.sh"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
for m in venv pytest setuptools wheel; do
    "$py" -c "import $m" 2>/dev/null || prereq "$py lacks $m (scripts/setup.sh test)"
done
rm -rf "$work"
mkdir -p "$work"
echo "python: scripts/package.sh wheel"
ROMFS_WHEEL_BUILD=$work/build ROMFS_WHEEL_DIR=$work/dist bash "$src/scripts/package.sh" wheel > "$work/wheel.log" 2>&1 \
    || { tail -30 "$work/wheel.log"; die "scripts/package.sh wheel"; }
whl=$(ls "$work"/dist/romfs-*.whl)
echo "python: $(basename "$whl"): $(du -k "$whl" | cut -f1) KiB"
case $whl in *-py3-none-linux_*.whl) ;; *) die "not a py3-none-<platform> binary wheel: $whl" ;; esac
# The build tree (and the source tree's build/wheel of setup.py) away:
# the installed package must need nothing from them.
mv "$work/build" "$work/build.moved"

echo "python: python3 -m venv v && v/bin/pip install --no-index romfs-*.whl"
# --system-site-packages only to reach Debian's pytest; romfs comes from the wheel.
"$py" -m venv --system-site-packages "$work/v"
"$work/v/bin/pip" install --no-index --no-cache-dir "$whl" > "$work/install.log" 2>&1 || { cat "$work/install.log"; die "pip install"; }
! grep -qi "running build_ext\|building\|gcc\|cmake" "$work/install.log" || { cat "$work/install.log"; die "install compiled something"; }
site=$("$work/v/bin/python" -c 'import romfs, os; print(os.path.dirname(romfs.__file__))')
case $site in "$work/v/"*) ;; *) die "import romfs found $site, not the venv's" ;; esac
[ "$(PATH=$work/v/bin:$PATH command -v romfs)" = "$work/v/bin/romfs" ] || die "romfs is not on the venv's PATH"
PATH=$work/v/bin:$PATH romfs -V | grep -q "^romfs " || die "romfs -V from the venv"

cd "$work"
export ROMFS_TEST_SRC=$src ROMFS_TEST_WORK=$work PATH=$work/v/bin:$PATH
"$work/v/bin/python" -m pytest -q -p no:cacheprovider "$src/tests/python" || die "pytest"
