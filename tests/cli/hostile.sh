#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every image in vectors/hostile/ through the command (built with ASan and
# UBSan): mount verdict, each path's data or error via both stat and cat,
# the check verdict, and ls/tree neither crash nor read out of bounds.
. "$(dirname "$0")/lib-tools.sh"

# expected.json as tab-separated lines: case / path expectations.
node -e '
const cases = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const c of cases) {
    console.log(["case", c.name, c.image, c.mount, c.check].join("\t"));
    for (const [p, want] of Object.entries(c.paths)) console.log(["path", c.image, p, want].join("\t"));
}' "$H/expected.json" >"$TMP/expected.tsv" || { echo "FAIL: cannot read expected.json"; exit 1; }
ncase=$(grep -c '^case' "$TMP/expected.tsv")
[ "$ncase" -ge 15 ] || bad "only $ncase cases in expected.json"

# The message the command prints for each error name.
message() {
    case $1 in
    ENOENT) echo "no such file or directory" ;;
    EIO) echo "corrupt image" ;;
    *) echo "unknown error $1" ;;
    esac
}

while IFS=$'\t' read -r kind a b c d; do
    if [ "$kind" = case ]; then
        img=$H/$b mount=$c verdict=$d
        if [ "$mount" = ok ]; then
            expect 0 "$ROMFS" stat "$img" /
        else
            expect 1 "$ROMFS" ls "$img"
            err_has "not a ROMFS image"
        fi
        run "$ROMFS" check "$img"
        case $verdict in
        pass) [ "$rc" = 0 ] && [ ! -s "$ERR" ] || bad "$b: check should pass (exit $rc)" ;;
        warn) [ "$rc" = 0 ] && grep -q "^romfs: warning: $img: offset 0x" "$ERR" || bad "$b: check should warn (exit $rc)" ;;
        fail) [ "$rc" = 1 ] && grep -q "^romfs: $img: offset 0x[0-9a-f]*: " "$ERR" || bad "$b: check should fail naming offsets (exit $rc)" ;;
        *) bad "$b: unknown verdict $verdict" ;;
        esac
        # Full paths of 20000 nested levels are gigabytes of output: the deep
        # image is walked by check above and by extract in tools_extract.sh.
        [ "$b" = deep_nesting_20000.romfs ] && continue
        # extract refuses exactly what check fails, creating nothing.
        x=$TMP/x-$b
        run "$ROMFS" extract "$img" "$x"
        case $verdict in
        fail) [ "$rc" = 1 ] && [ ! -e "$x" ] && grep -q "nothing extracted\|not a ROMFS image" "$ERR" ||
                  bad "$b: extract of a failing image: exit $rc" ;;
        *) [ "$rc" = 0 ] && [ -d "$x" ] || bad "$b: extract of a $verdict image: exit $rc" ;;
        esac
        rm -rf "$x"
        for cmd in "ls -R -l" "tree"; do
            run "$ROMFS" $cmd "$img"
            [ "$rc" = 0 ] || [ "$rc" = 1 ] || bad "$cmd $b: exit $rc"
        done
        if [ "$mount" = ok ]; then
            run "$ROMFS" ls -R --json "$img"
            cp "$OUT" "$TMP/$b.json"
        fi
        continue
    fi
    img=$H/$a path=$b want=$c
    if [ "${want#data:}" != "$want" ]; then
        text=${want#data:}
        expect 0 "$ROMFS" cat "$img" "$path"
        printf '%s' "$text" | cmp -s - "$OUT" || bad "$a $path: cat is not '$text'"
        expect 0 "$ROMFS" stat --json "$img" "$path"
        out_has "\"type\": \"file\", \"size\": ${#text},"
    else
        for cmd in stat cat; do
            run "$ROMFS" $cmd "$img" "$path"
            ok=0
            IFS='|' read -ra alts <<<"$want"
            for e in "${alts[@]}"; do
                grep -qF ": $path: $(message "$e")" "$ERR" && ok=1
            done
            [ "$rc" = 1 ] && [ $ok = 1 ] && [ ! -s "$OUT" ] || { bad "$cmd $a $path: expected $want, exit $rc"; cat "$ERR"; }
        done
    fi
done <"$TMP/expected.tsv"
# Even a listing that stops at a corrupt entry is well-formed JSON.
node -e 'for (const f of process.argv.slice(1)) try { JSON.parse(require("fs").readFileSync(f, "utf8")); } catch (e) { console.log("FAIL: " + f + ": " + e.message); process.exitCode = 1; }' "$TMP"/*.json || bad "ls -R --json output is not JSON"
finish
