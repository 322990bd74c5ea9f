# SPDX-License-Identifier: MIT
# Deploys on a faulty emulated board: a program that silently writes wrong
# bits (--flaky-program K, at every program of the deploy) and a link that
# flips one bit of what the host sends (--flip-rx N, at points inside the
# data the deploy sends). Never may a wrong image mount: a deploy either
# succeeds with the new image or fails (exit 1, one error line) leaving the
# old image or nothing that mounts.
#
# Also a power cut in the header block's erase under the random flash model.
#
# Leaving the old image or nothing needs deploys that verify before they
# commit (the "deploy" helper's change). Until then such cases are counted
# as "needs verify-then-commit" and the test is skipped (exit 77) naming
# them, unless ROMFS_EXPECT_VERIFY_FIRST=1 makes them failures; the same for
# the erase cut with ROMFS_EXPECT_NOR_ERASE_SAFE=1.
. "$(dirname "$0")/../lib-deploy.sh"

A=$TMP/app
mkdir -p "$A"
for i in 1 2 3 4; do head -c 900 /dev/urandom | od -An -tx1 | tr -d ' \n' | head -c 900 >"$A/m$i.py"; done
P=$TMP/p.bin
GEOM="--size 8192 --block-size 1024"
expect 0 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM)" "$A"
keep_old
head -c 700 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$A/m2.py"
printf 'NEW = 1\n' >"$A/n.py"

# The clean deploy: the new image, and the host's traffic for --flip-rx.
restore
expect 0 "$ROMFS" deploy --no-mpy -q -d "exec:tee $TMP/rx | node $SRC/board/emulator.mjs --partition $P $GEOM --stats $TMP/stats" "$A"
new=$TMP/new.romfs
cp "$XDG_CACHE_HOME"/romfs/deploy/*.romfs "$new"
cmp -s "$old" "$new" && bad "the edit did not change the image"
[ "$(state "$P" "$old" "$new")" = new ] || bad "the clean deploy did not leave the new image"

known=""
# check WHAT: after a faulty deploy (status in $rc), what the partition holds.
check() {
    local s
    s=$(state "$P" "$old" "$new")
    if [ "$rc" = 0 ]; then
        [ "$s" = new ] || bad "$1: exit 0 but the partition holds '$s'"
        return
    fi
    [ "$rc" = 1 ] || bad "$1: exit $rc"
    [ "$(wc -l <"$ERR")" = 1 ] || { bad "$1: not one error line"; head -3 "$ERR"; }
    case "$s" in
    old | none) ;;
    *) known="$known $1($s)" ;;
    esac
}

# --flaky-program K for every program the deploy makes.
progs=$(json "$TMP/stats" programs)
[ "$progs" -ge 2 ] || bad "the deploy made only $progs programs"
for k in $(seq 1 "$progs"); do
    restore
    run timeout 120 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --flaky-program "$k" --seed "$k")" "$A"
    check "flaky-program-$k"
done

# An erase that reports success and does nothing (--noop-erase K), at the
# deploy's first erases (the header block's comes first): the host reads the
# header block back, so the old header never mounts over new blocks while
# the message says nothing does. Once that slipped through as "no mountable
# image" with the old header in place.
for k in 1 2 3; do
    restore
    run timeout 120 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --noop-erase "$k")" "$A"
    s=$(state "$P" "$old" "$new")
    case "$rc/$s" in
    0/new | 1/none) ;;
    1/old) grep -q "erase that reported success" "$ERR" || bad "noop-erase-$k: old image, but the message says: $(cat "$ERR")" ;;
    *) bad "noop-erase-$k: exit $rc and the partition holds '$s': $(cat "$ERR")" ;;
    esac
done

# --flip-rx N inside the payload of each program statement (a byte of the
# base64/hex data, 1-based in the host's traffic); if the deploy's board
# code is not recognised, at 60, 75 and 90 % of the traffic.
flips=""
for off in $(grep -abo "^_[wxyz]([0-9]*,b'" "$TMP/rx" | cut -d: -f1 | head -4); do
    line=$(dd if="$TMP/rx" bs=1 skip="$off" count=200 status=none | head -1)
    pre=${line%%b\'*}
    flips="$flips $((off + ${#pre} + 2 + 5 + 1))"
done
size=$(stat -c %s "$TMP/rx")
[ -n "$flips" ] || flips="$((size * 60 / 100)) $((size * 75 / 100)) $((size * 90 / 100))"
for n in $flips; do
    restore
    run timeout 120 "$ROMFS" deploy --no-mpy -q -d "$(dev "$P" $GEOM --flip-rx "$n" --seed "$n")" "$A"
    check "flip-rx-$n"
done

# A power cut during the header block's erase (the deploy's first flash
# operation) under the random model, seeds 27-30: each byte of the block is
# left 0xFF or old, so the old header can survive in front of erased bytes.
# On NOR the old magic must be gone before that erase: --nor (NOR that may
# program a unit twice) zeroes it first; without that a header MicroPython
# mounts could survive (seed 28 with this tree). ECC flash tears the unit
# instead, which is why the zeroing is not the default.
erase_known=""
for seed in $(seq 27 30); do
    restore
    run timeout 120 "$ROMFS" deploy --no-mpy --nor -q -d "$(dev "$P" $GEOM --die-after 2 --die-mid --model random --seed "$seed")" "$A"
    [ "$rc" = 1 ] || bad "random erase cut, seed $seed: exit $rc"
    s=$(state "$P" "$old" "$new")
    case "$s" in old | none) ;; *) erase_known="$erase_known seed-$seed($s)" ;; esac
done

if [ -n "$erase_known" ] && [ "${ROMFS_EXPECT_NOR_ERASE_SAFE:-1}" != 1 ]; then
    echo "KNOWN: needs the old magic zeroed before the header block's erase (NOR); after a random erase cut a header mounts:$erase_known"
elif [ -n "$erase_known" ]; then
    bad "after a random erase cut a header mounts:$erase_known"
fi

if [ "$FAILS" -gt 0 ]; then
    echo "$FAILS check(s) failed${known:+; also needs verify-then-commit:$known}"
    exit 1
fi
if [ -n "$known" ]; then
    if [ "${ROMFS_EXPECT_VERIFY_FIRST:-1}" = 1 ]; then
        echo "FAIL: a wrong image mounts after:$known"
        exit 1
    fi
    echo "SKIP: needs deploys that verify before the commit; a wrong image mounts after:$known"
    exit 77
fi
if [ -n "$erase_known" ]; then
    echo "SKIP: see KNOWN above (ROMFS_EXPECT_NOR_ERASE_SAFE=1 makes it a failure); $progs flaky programs and $(wc -w <<<"$flips") link flips were safe"
    exit 77
fi
echo "ok: $progs flaky programs, $(wc -w <<<"$flips") link flips and 4 random erase cuts left the old image, nothing, or the new one"
