# SPDX-License-Identifier: MIT
# Everything a board answers is untrusted: numbers out of range, strings too
# long, corrupted feature flags, malformed lines and broken framing are each
# one error line and exit 1, at once (never after the timeout), and nothing
# is written to the board after a bad answer.
. "$(dirname "$0")/lib.sh"
FAKE="exec:node $(dirname "$0")/fake-answer.mjs"
export ROMFS_TIMEOUT_MS=20000

# check NAME NEEDLE COMMAND...: exit 1, NEEDLE on the one stderr line, fast.
check() {
    local name=$1 needle=$2 start rc
    shift 2
    start=$(date +%s%N)
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    local ms=$((($(date +%s%N) - start) / 1000000))
    [ "$rc" = 1 ] || bad "$name: exit status $rc, expected 1 ($(cat "$T/err"))"
    expect_in "$(cat "$T/err")" "$needle" "$name"
    [ "$(wc -l <"$T/err")" = 1 ] || bad "$name: expected one line on stderr, got: $(cat "$T/err")"
    [ "$ms" -le 5000 ] || bad "$name: took $ms ms (a timeout, not the answer, ended it)"
}

# query: a P line with a size past a signed long (UBSan caught the
# overflow in --verify before), a huge image size, text after the lines.
HEAD=d2cd3180210500000000ffff
export FAKE_KEYS=_romfs_q
FAKE__romfs_q="N 1\nP 0 0 262144 0 0 4096 $HEAD 99999999999999999999 1 - 1"
export FAKE__romfs_q
check "query: image size past 64 bits" "unexpected answer from the board: the image size is missing or out of range" \
    "$ROMFS" query --verify -d "$FAKE"
FAKE__romfs_q="N 1\nP 0 0 262144 0 0 4096 $HEAD 9223372036854775807 1 - 1" \
    check "query --verify: image size near INT64_MAX" "the image size is missing or out of range" \
    "$ROMFS" query --verify -d "$FAKE"
FAKE__romfs_q="N 1\nP 0 0 18446744073709551616 0 0 4096 $HEAD 33 1 - 1" \
    check "query: partition size out of range" "a partition number is missing or out of range" "$ROMFS" query -d "$FAKE"
FAKE__romfs_q="N 2\nP 0 0 262144 0 0 4096 $HEAD 33 1 - 1" \
    check "query: fewer partitions than announced" "fewer partitions than announced" "$ROMFS" query -d "$FAKE"
FAKE__romfs_q="N 1\nP 0 0 262144 0 0 4096 $HEAD 33 1 $(printf 'a%.0s' $(seq 200)) 1" \
    check "query: an over-long hash" "SHA-256 is not 64 hex digits" "$ROMFS" query -d "$FAKE"
FAKE__romfs_q="N 99\n" check "query: too many partitions" "partition count" "$ROMFS" query -d "$FAKE"
FAKE__romfs_q="N 1\nP 0 0 262144 0 0 4096 $HEAD 33 1 - 1\nextra" \
    check "query: trailing lines" "more lines than partitions" "$ROMFS" query -d "$FAKE"
# --verify of an image it cannot read back: exit 1, the reason on stdout.
FAKE__romfs_q="N 1\nP 0 0 262144 0 0 4096 $HEAD 33 1 - 1" "$ROMFS" query --verify -d "$FAKE" >"$T/out" 2>"$T/err"
[ $? = 1 ] || bad "query --verify that cannot read the image: expected exit 1"
expect_in "$(cat "$T/out")" "Image check: could not read the image from the board" "verify unread"

# deploy: probe answers. A flipped feature flag ('v' -> 'w': the board
# "cannot read back") must stop the deploy, not make it unverified.
mkdir -p "$T/app"
echo 'print(1)' >"$T/app/hello.py"
probe() { # size block uid feat -> the probe line with its byte sum
    node -e 'const l=process.argv.slice(1).join(" ");let s=0;for(const c of Buffer.from(l))s+=c;process.stdout.write(l+" "+(s&65535))' \
        R OK "$@"
}
export FAKE_KEYS="R OK"
good=$(probe 262144 4096 0123abcd ocdbhv)
flipped=$(printf '%s' "$good" | sed 's/ocdbhv/ocdbhw/')
bits=$(printf '%s' "$good" | sed 's/ocdbhv /ocdbh /')
FAKE_R_OK=$flipped check "deploy: flipped feature flag" "probing the board" "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
FAKE_R_OK=$bits check "deploy: a dropped feature flag" "probing the board" "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
FAKE_R_OK="R OK 262144 4096 $(printf '%070d' 0) ocdbhv 1" \
    check "deploy: an over-long unique id" "probing the board" "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
FAKE_R_OK="$(probe 262144 4096 ../../x ocdbhv)" \
    check "deploy: a unique id that is a path" "probing the board" "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
FAKE_R_OK="$(probe 99999999999 4096 - ocdbhv)" \
    check "deploy: a partition past 4 GiB" "probing the board" "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
# CRC lists: a malformed one, and one with a block missing.
export FAKE_KEYS="R OK,_c("
FAKE_R_OK=$good FAKE__c_="zz" check "deploy: a malformed CRC list" "reading block checksums" \
    "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"
FAKE_R_OK=$good FAKE__c_="0\n0" check "deploy: too few CRCs" "reading block checksums" \
    "$ROMFS" deploy --no-mpy -d "$FAKE" "$T/app"

# Reading a board's image (ls/cat/check -d): the probe's numbers are
# parsed strictly, as every other answer (a partition size of -1 once
# passed sscanf's %llu as 2^64-1); each is one error line, exit 1.
unset FAKE_R_OK
export FAKE_KEYS="R OK"
for bad in "R OK -1 0 0s0x 1000" "R OK 2048 0 0s0x 1000 extra" "R OK 1e3 0 0s0x" "R OK 2048 0x10 0s0x" \
    "R OK 99999999999999999999 0 0s0x" "R OK 2048 0 0s0x!! 1000" "R OK +2048 0 0s0x" "R OK  2048 0 0s0x"; do
    FAKE_R_OK=$bad check "ls -d: probe '$bad'" "unexpected reply while reading the partition" \
        "$ROMFS" ls -d "$FAKE"
done

# Raw-REPL framing corrupted on the link: a lost end-of-output or
# end-of-error marker, a corrupted banner. Each is seen at once.
export FAKE_KEYS=_romfs_q FAKE_FRAME=raw
FAKE_RAW='OKNOROMFS\r\n\x05\x04>' check "first end marker lost" "lost its end marker" "$ROMFS" query -d "$FAKE"
FAKE_RAW='OKNOROMFS\r\n\x04\x05>' check "second end marker lost" "lost its end marker" "$ROMFS" query -d "$FAKE"
FAKE_RAW='OKNOROMFS\r\n\x04$>' check "second end marker printable" "lost its end marker" "$ROMFS" query -d "$FAKE"
# An error text past any traceback's size: refused, not stored.
FAKE_RAW="OK\\x04$(head -c 70000 /dev/zero | tr '\0' A)\\x04>" check "endless error text" \
    "board printed more than 65536 bytes" "$ROMFS" query -d "$FAKE"
unset FAKE_FRAME
FAKE_BANNER='raw REPL; CTRL-B to exiu\r\n>' check "corrupted banner" "corrupted raw REPL banner" \
    "$ROMFS" query -d "$FAKE"
finish
