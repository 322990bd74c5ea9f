#!/bin/bash
# Power loss at every flash operation of a deploy (the emulated board's
# --die-after K, with and without the K-th write half done): afterwards the
# partition mounts as the complete old image, the complete new one, or not
# at all, never anything in between; the next deploy completes the new image.
. "$(dirname "$0")/lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4 5; do head -c 700 /dev/zero | tr '\0' "$i" >"$A/m$i.py"; done
P=$TMP/p.bin
GEOM="--size 8192 --block-size 1024"
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
    rm -rf "$XDG_CACHE_HOME"
    cp -r "$TMP/cache.old" "$XDG_CACHE_HOME"
}
restore
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
new=$TMP/new.romfs
cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$new"
cmp -s "$old" "$new" && bad "the edit did not change the image"

seen=""
for k in $(seq 1 40); do
    done_all=1
    for mid in "" --die-mid; do
        restore
        run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --die-after "$k" $mid)" "$A"
        [ "$rc" = 0 ] && continue
        done_all=0
        [ "$rc" = 1 ] || bad "K=$k$mid: exit $rc"
        [ "$(wc -l <"$ERR")" = 1 ] || { bad "K=$k$mid: not one error line"; head -3 "$ERR"; }
        s=$(state "$P" "$old" "$new")
        seen="$seen $s"
        [ "$s" = PARTIAL ] && bad "K=$k$mid: a partial image mounts"
        # The error line says what the partition holds (checked on reconnect).
        if [ "$s" = new ]; then
            grep -q "holds the complete new image" "$ERR" || bad "K=$k$mid: new image, but: $(cat "$ERR")"
        elif grep -q "holds the complete new image" "$ERR"; then
            bad "K=$k$mid: claims the new image, partition is $s"
        fi
        # Power back: the next deploy finishes the job.
        run "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
        [ "$rc" = 0 ] || { bad "K=$k$mid: recovery deploy failed"; head -2 "$ERR"; }
        [ "$(state "$P" "$old" "$new")" = new ] || bad "K=$k$mid: recovery did not give the new image"
    done
    [ "$done_all" = 1 ] && break
done
[ "$k" -ge 6 ] || bad "the deploy took only $k operations"
[ "$k" -lt 40 ] || bad "the deploy never completed under --die-after"
case "$seen" in *none*) ;; *) bad "no cut left the partition unmountable: $seen" ;; esac
echo "operations: $((k - 1)); states after cuts:$seen"
exit $((fails > 0))
