# SPDX-License-Identifier: MIT
# One partition file, one board at a time: the emulated board locks its
# partition file (flock) while it runs. A second board on it waits
# --lock-wait seconds, then exits naming who holds it; two deploys at once
# never leave a mix of both images (they once did, 2 pairs in 8, exit 0).
. "$(dirname "$0")/lib.sh"
P=$T/p.bin
locked() { ! flock -n -E 75 "$P" true 2>/dev/null; }

# A board holds the partition until its host (fd 3 here) goes.
mkfifo "$T/host"
$EMU --partition "$P" <"$T/host" >/dev/null 2>&1 &
holder=$!
exec 3>"$T/host"
for _ in $(seq 100); do locked && break; sleep 0.1; done
locked || bad "the running board does not lock its partition file"
cp "$P" "$T/before.bin"
$EMU --partition "$P" --lock-wait 1 </dev/null >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] || bad "a second board on a locked partition: exit $st"
expect_in "$(cat "$T/err")" "the partition is in use by another emulated board (pid " "second board"
mkdir -p "$T/a" && echo 'A = 1' >"$T/a/a.py"
"$ROMFS" deploy --no-mpy -q -d "exec:$EMU --partition $P --lock-wait 1" "$T/a" >"$T/out" 2>"$T/err"
st=$?
[ "$st" = 1 ] || bad "a deploy to a partition in use: exit $st"
cmp -s "$P" "$T/before.bin" || bad "a deploy to a partition in use changed it"
exec 3>&-
wait "$holder"

# Two deploys at once to one partition: each waits its turn; the partition
# ends as exactly one of the two trees.
mkdir -p "$T/b"
for i in $(seq 12); do head -c 3000 /dev/urandom | od -An -tx1 >"$T/a/m$i.py"; done
for i in $(seq 12); do head -c 2500 /dev/urandom | od -An -tx1 >"$T/b/n$i.py"; done
echo 'B = 1' >"$T/b/b.py"
export XDG_CACHE_HOME=$T/cache
"$ROMFS" deploy --no-mpy -q -d "exec:$EMU --partition $P --size 262144" "$T/a" >"$T/oa" 2>&1 &
pa=$!
"$ROMFS" deploy --no-mpy -q -d "exec:$EMU --partition $P --size 262144" "$T/b" >"$T/ob" 2>&1 &
pb=$!
wait "$pa"; sa=$?
wait "$pb"; sb=$?
[ "$sa" = 0 ] || [ "$sb" = 0 ] || bad "neither concurrent deploy succeeded: $(cat "$T/oa" "$T/ob")"
rm -rf "$T/x"
"$ROMFS" extract "$P" "$T/x" >/dev/null 2>&1 || bad "after two deploys at once the partition does not extract"
diff -r "$T/x" "$T/a" >/dev/null 2>&1 || diff -r "$T/x" "$T/b" >/dev/null 2>&1 ||
    bad "after two deploys at once the partition holds neither tree (exits $sa, $sb)"
finish
