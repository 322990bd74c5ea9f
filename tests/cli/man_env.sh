#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages say what the code does: romfs(1) ENVIRONMENT names every
# variable the command reads (getenv in cli/ and src/host/, test-only
# ROMFS_TEST_* aside); romfs-deploy(1)'s -d names every device form and
# $ROMFS_DEVICE, as its --help does, and every page that points to it for
# DEV gets the same.
. "$(dirname "$0")/lib-tools.sh"
MAN=$SRC/docs/man
env_section() { sed -n '/^# ENVIRONMENT/,/^# /p' "$MAN/romfs.1.scd"; }
vars=$(grep -rhoE 'getenv\("[A-Z_]+"\)' "$SRC/cli" "$SRC/src/host" | sed 's/getenv("\(.*\)")/\1/' | sort -u |
    grep -v '^ROMFS_TEST_' | grep -vxE 'HOME|TMPDIR|PATH|XDG_CACHE_HOME|TERM|NO_COLOR|CI')
[ -n "$vars" ] || bad "no variables found in the sources"
for v in $vars; do
    esc=$(printf '%s' "$v" | sed 's/_/\\\\_/g')
    env_section | grep -q "^\*$esc\*" || bad "romfs(1) ENVIRONMENT lacks $v"
done
dtext=$(sed -n '/^\*-d\*, \*--device\*/,/^$/p' "$MAN/romfs-deploy.1.scd")
for w in exec:COMMAND emulated auto ROMFS\\\\_DEVICE; do
    grep -q -- "$w" <<<"$dtext" || bad "romfs-deploy(1) -d lacks $w: $dtext"
done
expect 0 "$ROMFS" deploy --help
out_has "'emulated'"
out_has '$ROMFS_DEVICE'
n=$(grep -l "_DEV_ as for \*romfs-deploy\*(1)" "$MAN"/*.scd | wc -l)
[ "$n" -ge 6 ] || bad "expected the six -d image pages to point to romfs-deploy(1), found $n"
finish
