#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The command is a front end (issue 16): cli/ parses, calls the libraries and
# prints, in at most 3 500 lines of .c and .h. Lines leave cli/ by moving
# library work into src/, never by packing code: no cli/ line is longer
# than 123 characters (the longest when the budget was set), so the count
# cannot be met by joining lines.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SRC" || exit 1
MAX_LINES=3500
MAX_WIDTH=123
files=$(git ls-files 'cli/*.c' 'cli/*.h')
[ -n "$files" ] || die "no cli/ sources found: the scan is broken"
# shellcheck disable=SC2086
total=$(cat $files | wc -l)
echo "cli/: $total lines in $(echo "$files" | wc -l) files (budget $MAX_LINES)"
[ "$total" -le "$MAX_LINES" ] || bad "cli/ has $total lines, more than $MAX_LINES: move library work into src/"
# shellcheck disable=SC2086
wide=$(awk -v w="$MAX_WIDTH" 'length > w {printf "%s:%d: %d characters\n", FILENAME, FNR, length}' $files)
[ -z "$wide" ] || bad "cli/ lines longer than $MAX_WIDTH characters:
$wide"
[ "$FAILS" -eq 0 ] && echo "cli_size: within budget"
finish
