#!/bin/bash
# SPDX-License-Identifier: MIT
# win.multi: romfs.exe on two boards at once (cli/multi.c: one thread per
# board, no fork). Two emulated boards, each served on a pty by socat and
# mapped by wine to a COM port (COM11, COM12: apart from win.com's COM7, so
# the two tests can run together); COM13 does not exist. deploy -d COM11
# -d COM12 gives both partitions the bytes the Linux build's deploy of the
# same tree gives its board, with one status line per board and the summary
# table; query --json on both gives each board's object with the Linux
# build's partition report; a missing board fails alone (exit 1) while the
# other is still deployed.
. "$(dirname "$0")/lib-wine.sh"
need_board

t_start=$(date +%s.%N)
emu="node $SRC/board/emulator.mjs"
serve_com 11 "$tmp/part11.bin"
serve_com 12 "$tmp/part12.bin"
rm -f "$WINEPREFIX/dosdevices/com13"
LDEV="exec:$emu --partition $tmp/lpart.bin"

for d in L W; do board_app "$tmp/$d" 12; done

# Two boards: both partitions as the Linux build's, a line each, the table.
lin deploy --no-mpy --json -d "$LDEV" app > "$tmp/l.json" 2> "$tmp/l.err" || bad "Linux deploy: $(cat "$tmp/l.err")"
win deploy --no-mpy -d COM11 -d COM12 app > "$tmp/w.out" 2> "$tmp/w.err"; r=$?
[ "$r" = 0 ] || bad "deploy -d COM11 -d COM12: exit $r: $(cat "$tmp/w.out" "$tmp/w.err")"
grep -qx "deploy on 2 boards in parallel" "$tmp/w.out" || bad "no announcement: $(head -3 "$tmp/w.out")"
lw=$(field "$tmp/l.json" blocks_written) lt=$(field "$tmp/l.json" blocks_total) lb=$(field "$tmp/l.json" wire_bytes)
for n in 11 12; do
    cmp -s "$tmp/part$n.bin" "$tmp/lpart.bin" || bad "deploy: COM$n's partition differs from the Linux build's"
    grep -qE "^\[[12]/2\] COM$n: ok: wrote $lw of $lt blocks, $lb bytes on the wire, [0-9.]+s$" "$tmp/w.out" ||
        bad "deploy: no status line for COM$n like the Linux deploy's ($lw of $lt, $lb bytes): $(cat "$tmp/w.out")"
    grep -qE "^COM$n +[0-9a-f]+ +$lw +$lb +[0-9.]+ +ok$" "$tmp/w.out" || bad "deploy: no summary row for COM$n: $(cat "$tmp/w.out")"
done
grep -qE "^board +unique id +blocks +bytes +seconds +result$" "$tmp/w.out" || bad "deploy: no summary header: $(cat "$tmp/w.out")"

# query --json on both: one object per board, each with the Linux report.
lin query --json -d "$LDEV" > "$tmp/lq.json" 2> "$tmp/lq.err" || bad "Linux query: $(cat "$tmp/lq.err")"
win query --json -d COM11 -d COM12 > "$tmp/wq.json" 2> "$tmp/wq.err" || bad "query --json -d COM11 -d COM12: $(cat "$tmp/wq.err")"
node -e '
const fs = require("fs");
const lin = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const lines = fs.readFileSync(process.argv[2], "utf8").trim().split("\n");
if (lines.length !== 2) throw new Error("expected 2 objects, got " + lines.length);
const seen = new Set();
for (const l of lines) {
  const o = JSON.parse(l);
  if (o.command !== "query" || !o.ok || o.exit !== 0 || o.error !== null) throw new Error("not ok: " + l);
  if (o.report.device !== o.device) throw new Error("report of another board: " + l);
  if (JSON.stringify(o.report.partitions) !== JSON.stringify(lin.partitions)) throw new Error("partitions differ from Linux: " + l);
  seen.add(o.device);
}
if (!(seen.has("COM11") && seen.has("COM12"))) throw new Error("boards: " + [...seen]);
' "$tmp/lq.json" "$tmp/wq.json" || bad "query --json on two boards: $(cat "$tmp/wq.json")"

# One board missing: exit 1, that board named, the other still deployed.
for d in L W; do sed -i 's/^VALUE_5 = 705 /VALUE_5 = 9999 /' "$tmp/$d/app/lib/m7.py"; done
lin deploy --no-mpy -q -d "$LDEV" app 2> "$tmp/l.err" || bad "Linux deploy of the edit: $(cat "$tmp/l.err")"
win deploy --no-mpy -d COM11 -d COM13 app > "$tmp/w2.out" 2> "$tmp/w2.err"; r=$?
[ "$r" = 1 ] || bad "deploy -d COM11 -d COM13 (absent): exit $r, not 1: $(cat "$tmp/w2.out" "$tmp/w2.err")"
grep -qE "^\[[12]/2\] COM13: FAILED: .*COM13: no such serial port" "$tmp/w2.out" || bad "COM13 not named as failed: $(cat "$tmp/w2.out")"
grep -qE "^\[[12]/2\] COM11: ok: wrote [1-9][0-9]* of $lt blocks" "$tmp/w2.out" || bad "COM11 not deployed: $(cat "$tmp/w2.out")"
[ "$(grep -cE ' ok$' "$tmp/w2.out")" = 1 ] && [ "$(grep -cE ' FAILED$' "$tmp/w2.out")" = 1 ] || bad "summary rows: $(cat "$tmp/w2.out")"
cmp -s "$tmp/part11.bin" "$tmp/lpart.bin" || bad "after the edit: COM11's partition differs from the Linux build's"

echo "win.multi: $(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
finish
