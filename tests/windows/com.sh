#!/bin/bash
# SPDX-License-Identifier: MIT
# win.com: romfs.exe and a board on a COM port. The emulated board
# (board/emulator.mjs) is served on a pty by socat, and wine maps COMn to
# it ($WINEPREFIX/dosdevices/comN -> /dev/pts/K), so romfs.exe -d COMn
# talks to it through the Win32 COMM backend (src/board/serial_win32.c)
# as to a board on a USB serial port. The Linux build deploys the same
# tree to a second emulated board (exec:); both partitions must end equal.
# query, deploy (full, then incremental after a one-line edit: the blocks
# written and the wire bytes equal the Linux build's), run, ls -d, cat -d,
# and watch: an edit made from the Linux side is deployed and run (also
# while the module still runs: it is interrupted), and
# SIGINT (which wine turns into the console's Ctrl-C event) stops it with
# status 0 and no temporary file left.
. "$(dirname "$0")/lib-wine.sh"
need_board

t_start=$(date +%s.%N)
COM=COM7
serve_com 7 "$tmp/wpart.bin"
emu="node $SRC/board/emulator.mjs"
LDEV="exec:$emu --partition $tmp/lpart.bin"

# query
win query -d "$COM" > "$tmp/q.out" 2> "$tmp/q.err" || bad "query -d $COM: $(cat "$tmp/q.err")"
grep -q "ROMFS0 partition has size 262144 bytes" "$tmp/q.out" || bad "query -d $COM said: $(cat "$tmp/q.out" "$tmp/q.err")"

# An app of 40 modules over several blocks.
for d in L W; do board_app "$tmp/$d" 40 'import lib.m7
print("hello from main", lib.m7.VALUE_3)'; done
deploy_both() { # label
    lin deploy --no-mpy --json -d "$LDEV" app > "$tmp/l.$1.json" 2> "$tmp/l.$1.err" || bad "Linux deploy ($1): $(cat "$tmp/l.$1.err")"
    win deploy --no-mpy --json -d "$COM" app > "$tmp/w.$1.json" 2> "$tmp/w.$1.err" || bad "deploy -d $COM ($1): $(cat "$tmp/w.$1.err")"
    for f in image_size blocks_total blocks_written blocks_skipped wire_bytes layout verified; do
        lv=$(field "$tmp/l.$1.json" $f); wv=$(field "$tmp/w.$1.json" $f)
        [ -n "$wv" ] && [ "$lv" = "$wv" ] || bad "deploy ($1): $f is '$wv' over $COM, '$lv' on Linux"
    done
    cmp -s "$tmp/lpart.bin" "$tmp/wpart.bin" || bad "deploy ($1): the partitions differ"
    echo "win.com: deploy ($1): $(field "$tmp/w.$1.json" blocks_written) of $(field "$tmp/w.$1.json" blocks_total) blocks," \
        "$(field "$tmp/w.$1.json" wire_bytes) wire bytes over $COM, $(field "$tmp/l.$1.json" wire_bytes) on Linux"
}
deploy_both full
[ "$(field "$tmp/w.full.json" blocks_written)" = "$(field "$tmp/w.full.json" blocks_total)" ] || bad "the first deploy did not write every block"
for d in L W; do sed -i 's/^VALUE_5 = 3305 /VALUE_5 = 9999 /' "$tmp/$d/app/lib/m33.py"; done
deploy_both edit
bw=$(field "$tmp/w.edit.json" blocks_written); bt=$(field "$tmp/w.edit.json" blocks_total)
[ -n "$bw" ] && [ "$bw" -ge 1 ] && [ "$bw" -lt "$bt" ] || bad "the incremental deploy wrote $bw of $bt blocks"

# run, ls -d, cat -d: the same output as the Linux build's on its board.
win run -d "$COM" hello > "$tmp/w.run" 2> "$tmp/w.run.err" || bad "run -d $COM: $(cat "$tmp/w.run.err")"
lin run -d "$LDEV" hello > "$tmp/l.run" 2>&1 || bad "Linux run failed"
grep -q "hello from main 703" "$tmp/w.run" || bad "run -d $COM printed: $(cat "$tmp/w.run")"
cmp -s "$tmp/l.run" "$tmp/w.run" || bad "run output differs: $(cat "$tmp/w.run")"
win ls -lR -d "$COM" > "$tmp/w.ls" 2> "$tmp/w.ls.err" || bad "ls -d $COM: $(cat "$tmp/w.ls.err")"
lin ls -lR -d "$LDEV" > "$tmp/l.ls" 2>&1
grep -q "m33.py" "$tmp/w.ls" || bad "ls -d $COM lists no m33.py: $(head -5 "$tmp/w.ls")"
cmp -s "$tmp/l.ls" "$tmp/w.ls" || { bad "ls -lR -d differs"; diff "$tmp/l.ls" "$tmp/w.ls" | head -5 >&2; }
win cat -d "$COM" /lib/m33.py > "$tmp/w.cat" 2> "$tmp/w.cat.err" || bad "cat -d $COM: $(cat "$tmp/w.cat.err")"
cmp -s "$tmp/w.cat" "$tmp/W/app/lib/m33.py" || bad "cat -d $COM /lib/m33.py is not the edited file"

# watch: ReadDirectoryChangesW on the Linux tree, the module run after
# each deploy; an edit from the Linux side, then Ctrl-C.
# Temporary files go to the prefix's Temp (TMPDIR is wineserver's own).
wintemp() { find "$WINEPREFIX/drive_c/users" -path '*/Temp/*' -name 'romfs*' 2>/dev/null | sort; }
wintemp > "$tmp/temp.before"
touch "$tmp/marker"
cd "$tmp/W" || exit 1
XDG_CACHE_HOME="$wcache" "$WINE" "$ROMFS_WIN" watch --no-mpy -d "$COM" -r hello app \
    > "$tmp/watch.out" 2> "$tmp/watch.err" &
watch_pid=$!
cd - > /dev/null || exit 1
wait_for "$tmp/watch.err" "hello finished; watching" 60 quiet || bad "watch: no first deploy and run: $(cat "$tmp/watch.err")"
grep -q "hello from main 703" "$tmp/watch.out" || bad "watch: the first run printed: $(cat "$tmp/watch.out")"
t_edit=$(date +%s.%N)
printf 'print("hello again")\n' > "$tmp/W/app/hello.py"
if wait_for "$tmp/watch.out" "hello again" 30 quiet; then
    echo "win.com: watch: edit to output in $(awk -v a="$t_edit" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
else
    bad "watch: the edit was not deployed and run: $(cat "$tmp/watch.err")"
fi
grep -q "change detected" "$tmp/watch.err" || bad "watch: no change detected: $(cat "$tmp/watch.err")"
# A module still running (4 s of ticks; the emulated board cannot be
# interrupted sooner: its WebAssembly VM runs synchronously): the module
# runs on a thread, not in the foreground, so an edit meanwhile stops its
# output there, interrupts it, and the new code is deployed and runs.
printf 'import time\nt0 = time.ticks_ms()\nn = 0\nwhile time.ticks_diff(time.ticks_ms(), t0) < 4000:\n    t = time.ticks_ms()\n    while time.ticks_diff(time.ticks_ms(), t) < 200:\n        pass\n    n += 1\n    print("tick", n)\nprint("loop end")\n' \
    > "$tmp/W/app/hello.py"
if wait_for "$tmp/watch.out" "tick 2" 30; then
    t_edit=$(date +%s.%N)
    printf 'print("after the loop")\n' > "$tmp/W/app/hello.py"
    if wait_for "$tmp/watch.out" "after the loop" 30; then
        echo "win.com: watch: edit during a running module to its new output in" \
            "$(awk -v a="$t_edit" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }') s"
    else
        bad "watch: an edit while the module ran was not deployed and run: $(tail -5 "$tmp/watch.err")"
    fi
    grep -q "loop end" "$tmp/watch.out" && bad "watch: the interrupted module's output went on after the edit"
else
    bad "watch: the long module did not run: $(tail -5 "$tmp/watch.err")"
fi
kill -INT "$watch_pid"
for _ in $(seq 150); do kill -0 "$watch_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$watch_pid" 2>/dev/null; then
    bad "watch: still running 15 s after SIGINT (Ctrl-C)"
    kill -KILL "$watch_pid"
fi
wait "$watch_pid"; r=$?
[ "$r" = 0 ] || bad "watch: exit status $r after Ctrl-C, not 0: $(tail -3 "$tmp/watch.err")"
tail -1 "$tmp/watch.err" | grep -q "romfs: stopped" || bad "watch: did not say it stopped: $(tail -2 "$tmp/watch.err")"
left=$(find "$tmp/W" "$tmp/wcache" -newer "$tmp/marker" -type f ! -name '*.romfs' ! -name hello.py)
[ -z "$left" ] || bad "watch: files left behind: $left"
wintemp | comm -13 "$tmp/temp.before" - > "$tmp/temp.new"
[ -s "$tmp/temp.new" ] && bad "watch: temporary files left: $(cat "$tmp/temp.new")"
# (Tried up to three times: once in three runs under load it failed
# with nothing said, right after watch ended; the reason is not known.)
for try in 1 2 3; do
    win cat -d "$COM" /hello.py > "$tmp/w.cat" 2> "$tmp/w.cat.err"; r=$?
    [ "$r" = 0 ] && break
    echo "win.com: cat -d after watch, try $try: exit $r: $(cat "$tmp/w.cat.err")" >&2
    sleep 1
done
[ "$r" = 0 ] || bad "cat -d after watch: exit $r: $(cat "$tmp/w.cat.err")"
cmp -s "$tmp/w.cat" "$tmp/W/app/hello.py" || bad "the board does not hold the edit watch deployed"

# A port that is not there: one line, exit 1.
win query -d COM99 > /dev/null 2> "$tmp/none.err"; r=$?
[ "$r" = 1 ] && grep -q "COM99: no such serial port" "$tmp/none.err" || bad "query -d COM99: exit $r, $(cat "$tmp/none.err")"

echo "win.com: $(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
