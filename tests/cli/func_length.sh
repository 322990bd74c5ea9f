#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# No function over 80 lines in src/ or cli/ (issue 16): a function is the
# lines from its opening brace to its closing one, both at column 0 (the
# project's style; a signature ending in ") {" counts too). ALLOW names
# file:function pairs that may still be longer while they are being split;
# it is empty and must stay so.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
cd "$SRC"
MAX=80
ALLOW=""

measure() {
    awk -v max="$MAX" '
        FNR == 1 { infn = 0; prev = "" }
        /^\{/ { if (!infn) { infn = 1; start = FNR; name = prev; nfn++ } next }
        /^[A-Za-z_].*\)[ \t]*\{[ \t]*$/ && !/=/ && !/^(struct|enum|union|typedef|static const|const)[ \t]/ {
            if (!infn) { infn = 1; start = FNR; name = $0; nfn++ } next }
        /^\}/ {
            if (infn) {
                n = FNR - start + 1
                if (n > max) {
                    fn = name; sub(/\(.*/, "", fn); sub(/.*[ *]/, "", fn)
                    printf "%s:%d: %s is %d lines (at most %d)\n", FILENAME, start, fn, n, max
                }
                infn = 0
            }
            next
        }
        { if (!infn && $0 ~ /^[A-Za-z_]/) prev = $0 }
        END { printf "functions %d\n", nfn > "/dev/stderr" }
    ' "$@"
}

# The measure itself must catch a long function, whichever brace style.
scratch tmp
{ echo "static int long_one(int a,"; echo "                    int b)"; echo "{"
  for i in $(seq 1 79); do echo "    a += b;"; done; echo "}"
  echo "int long_two(void) {"; for i in $(seq 1 79); do echo "    x++;"; done; echo "}"
  echo "int short_one(void)"; echo "{"; echo "    return 0;"; echo "}"; } > "$tmp/t.c"
got=$(measure "$tmp/t.c" 2>/dev/null)
[ "$(printf '%s\n' "$got" | grep -c .)" -eq 2 ] && grep -q "long_one is 81 lines" <<< "$got" \
    && grep -q "long_two is 81 lines" <<< "$got" || die "the measure is broken: $got"

files=$(find src cli -name '*.c' | sort)
[ -n "$files" ] || die "no sources found"
# shellcheck disable=SC2086
report=$(measure $files 2> "$tmp/count")
nfn=$(sed -n 's/^functions //p' "$tmp/count")
[ "$nfn" -gt 500 ] || die "only $nfn functions found: the scan is broken"
bad=0
while IFS= read -r line; do
    [ -n "$line" ] || continue
    f=${line%%:*}; fn=$(sed 's/^[^ ]* \([^ ]*\) is .*/\1/' <<< "$line")
    if grep -qxF "$f:$fn" <<< "$ALLOW"; then
        echo "allowed for now: $line"
        continue
    fi
    echo "$line" >&2
    bad=$((bad + 1))
done <<< "$report"
[ "$bad" -eq 0 ] || { echo "func_length: $bad functions over $MAX lines; split them" >&2; exit 1; }
echo "func_length: $nfn functions in src/ and cli/, none over $MAX lines"
