#!/bin/bash
# SPDX-License-Identifier: MIT
# cli/ is the command's front end only: no library, fuzz target, unit test
# or API test compiles one of its sources (what they need lives in src/).
# The top CMakeLists.txt may name cli/ sources only inside the romfs_cli
# target; every other CMake file may not name them at all.
set -u
: "${SRC:?}"
. "$(dirname "$0")/../lib.sh"
cd "$SRC" || exit 1
fails=0
while IFS= read -r f; do
    if grep -nE '(^|[^A-Za-z0-9_])cli/[A-Za-z0-9_]+\.c' "$f"; then
        echo "FAIL: $f compiles a cli/ source outside the command"
        fails=$((fails + 1))
    fi
done < <(git ls-files '*.cmake' '*CMakeLists.txt' | grep -v '^CMakeLists.txt$')
# In the top file: cli/*.c only in the lines that build the command.
outside=$(awk '/^  add_executable\(romfs_cli/ {inside=1} /^  include\(.*RomfsDocs/ {inside=0}
    !inside && /cli\/[A-Za-z0-9_]+\.c/ {print NR": "$0}' CMakeLists.txt)
if [ -n "$outside" ]; then
    echo "$outside"
    echo "FAIL: CMakeLists.txt names cli/ sources outside the romfs_cli target"
    fails=$((fails + 1))
fi
[ "$fails" -eq 0 ] && echo "all passed"
exit $((fails > 0))
