# SPDX-License-Identifier: MIT
# Shared by the mp.* tests (real MicroPython): the environment CTest gives
# (ROMFS, SRC, MP_BIN with the built MicroPython pieces, MP_SRC its source),
# a scratch directory, and helpers. A piece that is missing is a failure:
# CMake builds them all before the tests run.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
: "${ROMFS:?ROMFS must name the romfs binary}" "${SRC:?}" "${MP_BIN:?}" "${MP_SRC:?}"
scratch TMP romfs-mp
export TMPDIR=$TMP XDG_CACHE_HOME=$TMP/cache
unset MPY_CROSS ROMFS_DEVICE
# Emulated boards start slowly on a loaded machine (QEMU under -j2 builds).
export ROMFS_TIMEOUT_MS=60000
# Run by finish: no board process may outlive the commands that started it.
finish_check() {
    sleep 0.5
    left=$(pgrep -f -- "$TMP/" || true)
    if [ -n "$left" ]; then
        bad "processes left running: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)" | head -n 3)"
        kill $left 2>/dev/null
    fi
}
need() {
    for p in "$@"; do
        [ -x "$MP_BIN/$p" ] || die "$MP_BIN/$p missing (built by the romfs_micropython target)"
    done
}
MPY_CROSS_REAL=$MP_BIN/mpy-cross
# The unix port (port/micropython's VfsRom; upstream's is upstream_vfsrom.VfsRom).
UNIX=$MP_BIN/micropython-safe

# unix_rom IMAGE CODE: run CODE on the unix port with IMAGE mounted at /rom
# (read into RAM: the unix port has no ROM partition) and /rom, /rom/lib on
# sys.path. Prints what it printed (stdout and stderr).
unix_rom() {
    local img=$1 code=$2
    "$UNIX" -c "
import vfs, sys
vfs.mount(vfs.VfsRom(open('$img', 'rb').read()), '/rom')
sys.path[:0] = ['/rom', '/rom/lib']
$code" 2>&1
}

# QEMU boards. qemu_board m3|rv32 IMAGE: the exec: device command that boots
# the firmware with IMAGE in its ROM partition (stdio is the board's UART).
qemu_board() {
    local img=$2
    case $1 in
    m3) echo "exec:qemu-system-arm -machine mps2-an385 -nographic -monitor none -semihosting -serial stdio -kernel $MP_BIN/firmware-m3.elf -device loader,file=$img,addr=0x21000000,force-raw=on" ;;
    m3-safe) echo "exec:qemu-system-arm -machine mps2-an385 -nographic -monitor none -semihosting -serial stdio -kernel $MP_BIN/firmware-m3-safe.elf -device loader,file=$img,addr=0x21000000,force-raw=on" ;;
    rv32) echo "exec:qemu-system-riscv32 -machine virt -bios none -cpu rv32 -semihosting -nographic -monitor none -serial stdio -kernel $MP_BIN/firmware-rv32.elf -device loader,file=$img,addr=0x80610000,force-raw=on" ;;
    esac
}
