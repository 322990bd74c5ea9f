#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The licence: LICENSE is the MIT text, and every source file of the tree
# (C, assembly, linker scripts, shell, Python, JavaScript, CMake, pkg-config
# templates, completions) carries an SPDX-License-Identifier: MIT line in its
# first five lines. A new file without one fails here.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$SRC"
grep -q '^MIT License$' LICENSE || { echo "LICENSE is not the MIT licence" >&2; exit 1; }
grep -q 'Permission is hereby granted, free of charge' LICENSE || { echo "LICENSE text incomplete" >&2; exit 1; }
if [ -d .git ] && command -v git >/dev/null; then
    files=$(git ls-files --cached --others --exclude-standard)
else
    files=$(find . -path ./build -prune -o -path ./node_modules -prune -o -type f -print | sed 's|^\./||')
fi
bad=0 n=0
while IFS= read -r f; do
    case "$f" in
        *.c|*.h|*.S|*.ld|*.sh|*.py|*.mjs|*.cmake|*.in|*.bash|*/CMakeLists.txt|CMakeLists.txt|fuzz/run|.ci/run|completions/_romfs) ;;
        *) continue ;;
    esac
    [ -f "$f" ] || continue
    n=$((n + 1))
    if ! head -n 5 "$f" | grep -q 'SPDX-License-Identifier: MIT'; then
        echo "$f: no SPDX-License-Identifier: MIT line in its first 5 lines" >&2
        bad=$((bad + 1))
    fi
done <<< "$files"
[ "$n" -gt 100 ] || { echo "only $n source files found: the scan is broken" >&2; exit 1; }
[ "$bad" -eq 0 ] || { echo "$bad of $n source files lack the licence line" >&2; exit 1; }
echo "licence: $n source files carry SPDX-License-Identifier: MIT"
