# Stand-ins installed in sys.modules at every (soft) boot of the emulated board.
#
# The npm build's own vfs.rom_ioctl cannot write, so `vfs` is replaced by an
# object that forwards every attribute to the real module except rom_ioctl,
# which works on the partition file through the JS module `_board` (NOR-flash
# rules are enforced there). `machine` provides the few calls a board has.
# _ROMFS, _BS and _MINW are defined by the emulator before this runs.
import sys
import vfs as _real_vfs
import _board

_EINVAL = 22
_part = bytearray(_board.read()) if _ROMFS else None


class _Vfs:
    def __getattr__(self, name):
        if name == "rom_ioctl":
            # Reached only when the board has no ROMFS (see below).
            raise AttributeError(name)
        return getattr(_real_vfs, name)


def _rom_ioctl(op, *args):
    if op == 1:
        return 1
    if not args or args[0] != 0:
        return -_EINVAL
    n = len(args)
    if op == 2 and n == 1:
        # Tracks every write, like a memoryview of memory-mapped flash.
        return memoryview(_part)
    if op == 3 and n in (2, 3):
        off, length = (0, args[1]) if n == 2 else (args[1], args[2])
        end = _board.erase(off, length, n == 2)
        if end < 0:
            return end
        start = off
        if end > start:
            _part[start:end] = b"\xff" * (end - start)
        return _MINW
    if op == 4 and n == 3:
        off, buf = args[1], args[2]
        r = _board.program(off, buf)
        if r < 0:
            raise OSError(-r)
        _part[off : off + len(buf)] = buf
        return 0
    if op == 5 and n == 1:
        return 0
    if op == 6 and n == 1:
        return _BS
    return -_EINVAL


# Boot mounted /rom from a copy of the partition; remount it over _part so
# the board reads its flash live, as memory-mapped flash on a port does.
if _ROMFS:
    try:
        _real_vfs.umount("/rom")
        _real_vfs.mount(_real_vfs.VfsRom(memoryview(_part)), "/rom")
    except OSError:
        pass  # nothing valid was mounted at boot

_vfs = _Vfs()
if _ROMFS:
    _vfs.rom_ioctl = _rom_ioctl
sys.modules["vfs"] = _vfs


class _Machine:
    def soft_reset(self):
        _board.reset(0)
        raise SystemExit

    def reset(self):
        _board.reset(1)
        raise SystemExit

    def unique_id(self):
        return bytes(_board.uid())


sys.modules["machine"] = _Machine()
del _Vfs, _Machine
