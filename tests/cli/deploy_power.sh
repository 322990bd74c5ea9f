#!/bin/bash
# SPDX-License-Identifier: MIT
# Power loss at every flash operation of a deploy (the emulated board's
# --die-after K, with and without the K-th operation cut part-way), under
# each flash model: prefix (the cut operation half done), random (seeded:
# a cut erase leaves bytes 0xFF or old, a cut program a random subset of its
# bits), and ECC flash (16-byte units programmed once, torn units after a
# cut). Afterwards the partition mounts as the complete old image, the
# complete new one, or not at all, never anything in between; the next
# deploy completes the new image.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4 5; do head -c 700 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
P=$TMP/p.bin
GEOM="--size 8192 --block-size 1024"
cp -r "$A" "$TMP/old-src"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
old=$TMP/old.romfs
cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$old"
cp "$P" "$TMP/p.old"
cp -r "$XDG_CACHE_HOME" "$TMP/cache.old"

# The new tree: one file grows (it moves), one is added, one changes in place.
head -c 900 /dev/zero | tr '\0' 'g' >"$A/m2.py"
printf 'NEW = 1\n' >"$A/n.py"
printf 'X' | dd of="$A/m4.py" bs=1 seek=10 conv=notrunc 2>/dev/null

restore() {
    cp "$TMP/p.old" "$P"
    rm -f "$P.ecc"
    [ -f "$TMP/p.old.ecc" ] && cp "$TMP/p.old.ecc" "$P.ecc"
    rm -rf "$XDG_CACHE_HOME"
    cp -r "$TMP/cache.old" "$XDG_CACHE_HOME"
}
restore
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
new=$TMP/new.romfs
cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$new"
cmp -s "$old" "$new" && bad "the edit did not change the image"

# cut_state: what the partition holds; with ECC a torn header unit (its
# state byte in $P.ecc is 2) reads as an uncorrectable error: "torn".
cut_state() {
    if [ -f "$P.ecc" ] && [ "$(od -An -tu1 -N1 "$P.ecc" | tr -d ' ')" = 2 ]; then
        echo torn
    else
        state "$P" "$old" "$new"
    fi
}

# sweep NAME MIDS RECOVER [emulator flags]: cut power at every flash
# operation K (MIDS: "" for a clean death after K operations, --die-mid for
# the K-th cut part-way as the flags' model says). RECOVER=1: a deploy after
# every cut must complete the new image. Prints the operations and states.
sweep() {
    local name=$1 mids=$2 recover=$3 k mid s seen="" done_all
    shift 3
    for k in $(seq 1 40); do
        done_all=1
        for mid in $mids; do
            [ "$mid" = - ] && mid=""
            restore
            run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM "$@" --die-after "$k" $mid)" "$A"
            # Finished without a cut, or cut after the commit with the new
            # image checked on reconnect (exit 0, one warning line).
            [ "$rc" = 0 ] && ! grep -q "checked on reconnect" "$ERR" && continue
            done_all=0
            if grep -q "checked on reconnect: the partition holds the complete new image" "$ERR"; then
                [ "$rc" = 0 ] || bad "$name K=$k$mid: the new image is there, but exit $rc"
                grep -q "warning:" "$ERR" || bad "$name K=$k$mid: not a warning: $(cat "$ERR")"
            else
                [ "$rc" = 1 ] || bad "$name K=$k$mid: exit $rc"
            fi
            [ "$(wc -l <"$ERR")" = 1 ] || { bad "$name K=$k$mid: not one error line"; head -3 "$ERR"; }
            s=$(cut_state)
            seen="$seen $s"
            [ "$s" = PARTIAL ] && bad "$name K=$k$mid: a partial image mounts"
            [ "$s" = torn ] && torn_ks="$torn_ks $name:$k"
            # The error line says what the partition holds (checked on reconnect).
            if [ "$s" = new ]; then
                grep -q "holds the complete new image" "$ERR" || bad "$name K=$k$mid: new image, but: $(cat "$ERR")"
            elif grep -q "holds the complete new image" "$ERR"; then
                bad "$name K=$k$mid: claims the new image, partition is $s"
            fi
            [ "$recover" = 1 ] || continue
            # Power back: the next deploy finishes the job.
            run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM "$@")" "$A"
            [ "$rc" = 0 ] || { bad "$name K=$k$mid: recovery deploy failed"; head -2 "$ERR"; }
            [ "$(state "$P" "$old" "$new")" = new ] || bad "$name K=$k$mid: recovery did not give the new image"
        done
        [ "$done_all" = 1 ] && break
    done
    [ "$k" -ge 6 ] || bad "$name: the deploy took only $k operations"
    [ "$k" -lt 40 ] || bad "$name: the deploy never completed under --die-after"
    case "$seen" in *none*) ;; *) bad "$name: no cut left the partition unmountable: $seen" ;; esac
    echo "$name: operations: $((k - 1)); states after cuts:$seen"
    ops=$((k - 1))
}

torn_ks=""
sweep prefix "- --die-mid" 1
# The random model (seed 1) and ECC flash (16-byte units, random model,
# seed 3): cuts part-way only (a clean death is the same in every model),
# one recovery deploy at the end. (unit.test_flash_nor runs 4 seeds of
# each on the C writer; these runs are the slow ones of the suite.)
sweep random/1 --die-mid 0 --model random --seed 1
rm -f "$P" "$P.ecc"
GEOM="$GEOM --ecc 16"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$TMP/old-src"
cp "$P" "$TMP/p.old"
cp "$P.ecc" "$TMP/p.old.ecc"
cmp -s -n "$(stat -c %s "$old")" "$P" "$old" || bad "ECC: the old image deployed differently"
sweep ecc/random/3 --die-mid 0 --model random --seed 3
# A torn header unit comes only from the commit (the last operation) or
# the header block's erase.
for t in $torn_ks; do
    case "$t" in ecc/*:"$ops" | ecc/*:1 | ecc/*:2) ;; *) bad "torn header unit after cut $t" ;; esac
done
restore
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
[ "$(state "$P" "$old" "$new")" = new ] || bad "ECC: deploy after the cuts did not give the new image"
exit $((FAILS > 0))
