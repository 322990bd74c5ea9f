#!/bin/bash
# SPDX-License-Identifier: MIT
# win.exec: romfs.exe's `exec:` boards under wine. The board library runs
# an exec: command through cmd.exe in a job object (rp_spawn_shell) and
# speaks the raw REPL over its standard input and output. Wine's cmd.exe
# starts Linux programs only when their name has an extension and then
# gives them no pipes of ours (checked with wine 8: stdin is /dev/null),
# so the command here is a Windows program, com-stdio.exe (built from
# com-stdio.c with mingw-w64), that carries its standard input and output
# to COM9, where socat serves the emulated board on a pty as in win.com.
# query, deploy (full, then incremental: the same blocks as the Linux
# build's exec: board), run and a board command that fails.
. "$(dirname "$0")/lib-wine.sh"
need_board
command -v x86_64-w64-mingw32-gcc >/dev/null || prereq "x86_64-w64-mingw32-gcc is not installed (gcc-mingw-w64-x86-64)"

x86_64-w64-mingw32-gcc -O2 -Wall -Werror -o "$tmp/W/com-stdio.exe" "$SRC/tests/windows/com-stdio.c" 2> "$tmp/cc.err" ||
    { bad "com-stdio.c does not build: $(cat "$tmp/cc.err")"; finish; }
emu="node $SRC/board/emulator.mjs"
serve_com 9 "$tmp/wpart.bin"
WDEV="exec:com-stdio.exe COM9"
LDEV="exec:$emu --partition $tmp/lpart.bin"

win query -d "$WDEV" > "$tmp/q.out" 2> "$tmp/q.err" || bad "query -d '$WDEV': $(cat "$tmp/q.err")"
grep -q "ROMFS0 partition has size 262144 bytes" "$tmp/q.out" || bad "query -d '$WDEV' said: $(cat "$tmp/q.out" "$tmp/q.err")"

for d in L W; do board_app "$tmp/$d" 12 'import lib.m7
print("hello over exec", lib.m7.VALUE_3)'; done
deploy_both() { # label
    lin deploy --no-mpy --json -d "$LDEV" app > "$tmp/l.$1.json" 2> "$tmp/l.$1.err" || bad "Linux deploy ($1): $(cat "$tmp/l.$1.err")"
    win deploy --no-mpy --json -d "$WDEV" app > "$tmp/w.$1.json" 2> "$tmp/w.$1.err" || bad "deploy -d '$WDEV' ($1): $(cat "$tmp/w.$1.err")"
    for f in image_size blocks_total blocks_written layout verified; do
        lv=$(field "$tmp/l.$1.json" $f); wv=$(field "$tmp/w.$1.json" $f)
        [ -n "$wv" ] && [ "$lv" = "$wv" ] || bad "deploy ($1): $f is '$wv' over exec:, '$lv' on Linux"
    done
    cmp -s "$tmp/lpart.bin" "$tmp/wpart.bin" || bad "deploy ($1): the partitions differ"
}
deploy_both full
for d in L W; do sed -i 's/^VALUE_5 = 305 /VALUE_5 = 9999 /' "$tmp/$d/app/lib/m3.py"; done
deploy_both edit
bw=$(field "$tmp/w.edit.json" blocks_written); bt=$(field "$tmp/w.edit.json" blocks_total)
[ -n "$bw" ] && [ "$bw" -ge 1 ] && [ "$bw" -lt "$bt" ] || bad "the incremental deploy wrote $bw of $bt blocks"

win run -d "$WDEV" hello > "$tmp/w.run" 2> "$tmp/w.run.err" || bad "run -d '$WDEV': $(cat "$tmp/w.run.err")"
grep -q "hello over exec 703" "$tmp/w.run" || bad "run -d '$WDEV' printed: $(cat "$tmp/w.run" "$tmp/w.run.err")"

# A command that is no board: one line naming it, exit 1.
win query -d "exec:no-such-board.exe" > /dev/null 2> "$tmp/none.err"; r=$?
[ "$r" = 1 ] && [ "$(grep -c 'romfs: exec:no-such-board.exe' "$tmp/none.err")" = 1 ] ||
    bad "query -d exec:no-such-board.exe: exit $r, $(cat "$tmp/none.err")"
finish
