# SPDX-License-Identifier: MIT
# Boards that misbehave, for transport.sh: `sh fake-board.sh SCENARIO`.
# Each answers only after reading what the host sends, as a board would:
# "\r\x03\x03" + "\r\x01" (5 bytes) to enter the raw REPL, then "\x05A\x01".
banner() {
    head -c 5 >/dev/null
    printf 'raw REPL; CTRL-B to exit\r\n>'
    head -c 3 >/dev/null
    printf 'R\000'
}
case "$1" in
no-ok) banner; sleep 0.1; printf 'XY'; sleep "${FAKE_SLEEP:-100}" ;;
dies) banner; sleep 0.1; printf 'OKpartial output'; exit 4 ;;
runs) banner; sleep 0.1; printf 'OKrunning\r\n'; sleep "${FAKE_SLEEP:-100}" ;; # a program that never ends
resets) banner; sleep 0.1; printf 'OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>'; sleep "${FAKE_SLEEP:-100}" ;;
reset-exits) # the unix port: a soft reset (Ctrl-D in the raw REPL) ends the process
    head -c 5 >/dev/null; printf 'raw REPL; CTRL-B to exit\r\n>'; head -c 1 >/dev/null; exit 0 ;;
paste-echo) # firmware older than raw-paste: "\x05A" becomes code, \x01 resets
    head -c 5 >/dev/null
    printf 'raw REPL; CTRL-B to exit\r\n>'
    head -c 3 >/dev/null
    printf 'raw REPL; CTRL-B to exit\r\n>'
    sleep 0.1
    printf 'OKNOROMFS\n\004\004>'
    sleep "${FAKE_SLEEP:-100}" ;;
*) exit 2 ;;
esac
