#!/bin/bash
# SPDX-License-Identifier: MIT
# win.auto: `-d auto` and `devs` on Windows find a MicroPython board by
# its USB ids. The registry is laid out as Windows lays it out for a USB
# serial device (SERIALCOMM's \Device\USBSER014 = COM14, and the device
# tree's Enum\USB\VID_2E8A&PID_0005&MI_00\<instance> with its PortName and
# FriendlyName), and COM14 is the emulated board served on a pty by socat.
# devs lists COM14 with 2e8a:0005 and its friendly name, devs --all lists
# a plain port too, and query -d auto reaches the board; with the device
# tree entry gone, -d auto finds none. A wine process is kept running
# meanwhile: SERIALCOMM is volatile and goes with the wineserver.
. "$(dirname "$0")/lib-wine.sh"
need_board

usbkey='HKLM\SYSTEM\CurrentControlSet\Enum\USB\VID_2E8A&PID_0005&MI_00'
serve_com 14 "$tmp/part.bin"   # before fd 9 opens: socat must not hold the keeper's fifo
keeper=""
cleanup() {
    "$WINE" reg delete "$usbkey" /f > /dev/null 2>&1
    "$WINE" reg delete 'HKLM\HARDWARE\DEVICEMAP\SERIALCOMM' /v '\Device\USBSER014' /f > /dev/null 2>&1
    if [ -n "$keeper" ]; then exec 9>&-; wait "$keeper" 2>/dev/null; fi
}
on_exit cleanup

mkfifo "$tmp/keep"
"$WINE" cmd.exe /k < "$tmp/keep" > /dev/null 2>&1 &
keeper=$!
exec 9> "$tmp/keep"

reg() { "$WINE" reg add "$@" /f > /dev/null 2> "$tmp/reg.err" || bad "reg add $*: $(cat "$tmp/reg.err")"; }
reg 'HKLM\HARDWARE\DEVICEMAP\SERIALCOMM' /v '\Device\USBSER014' /t REG_SZ /d COM14
reg "$usbkey\\E660583883\\Device Parameters" /v PortName /t REG_SZ /d COM14
reg "$usbkey\\E660583883" /v FriendlyName /t REG_SZ /d 'USB Serial Device (COM14)'

win devs > "$tmp/devs.out" 2> "$tmp/devs.err" || bad "devs: $(cat "$tmp/devs.err")"
grep -q "^COM14 .*2e8a:0005 USB Serial Device (COM14)$" "$tmp/devs.out" || bad "devs did not list COM14 by its USB ids: $(cat "$tmp/devs.out")"
win devs --all > "$tmp/all.out" 2>&1
[ "$(grep -c . "$tmp/all.out")" -ge 2 ] && grep -q "^COM14 " "$tmp/all.out" || bad "devs --all: $(cat "$tmp/all.out")"
win query -d auto > "$tmp/q.out" 2> "$tmp/q.err" || bad "query -d auto: $(cat "$tmp/q.err")"
grep -q "ROMFS0 partition has size 262144 bytes" "$tmp/q.out" || bad "query -d auto said: $(cat "$tmp/q.out" "$tmp/q.err")"

# The device tree entry gone (a plain serial port): no likely board.
"$WINE" reg delete "$usbkey" /f > /dev/null 2>&1
win query -d auto > /dev/null 2> "$tmp/none.err"; r=$?
[ "$r" = 1 ] && grep -q "no MicroPython board found" "$tmp/none.err" || bad "query -d auto without USB ids: exit $r, $(cat "$tmp/none.err")"
finish
